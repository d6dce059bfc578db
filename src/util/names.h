/*
 * names.h - look-ups in a table of names indexed by an enum value (result
 * and status names of the engines).
 */
#ifndef MAUTH_UTIL_NAMES_H
#define MAUTH_UTIL_NAMES_H

#include <stddef.h>

/* NAMES_COUNT - the number of entries of a names array */
#define NAMES_COUNT(t)	(sizeof(t) / sizeof((t)[0]))

/*
 * names_get - names[v], or "unknown" when v is outside 0..n-1 or has no
 * name
 */
const char	*names_get(const char *const *names, size_t n, int v);

/*
 * names_find - the index of the name equal to s ignoring ASCII case, or -1
 * (also for a NULL s)
 */
int		 names_find(const char *const *names, size_t n, const char *s);

#endif
