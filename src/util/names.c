/*
 * names.c - look-ups in a table of names indexed by an enum value.
 */
#include "util/names.h"
#include "util/str.h"

/* names_get - the name of v, "unknown" when there is none */
const char *
names_get(const char *const *names, size_t n, int v)
{
	if (v < 0 || (size_t)v >= n || names[v] == NULL)
		return "unknown";
	return names[v];
}

/* names_find - the index named s (ASCII case-insensitive), or -1 */
int
names_find(const char *const *names, size_t n, const char *s)
{
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (names[i] != NULL && str_casecmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}
