/*
 * dkim.c - DKIM result names (RFC 8601 2.7.1).
 */
#include <string.h>

#include "mauth/dkim.h"
#include "util/str.h"

static const char *const result_names[] = {
	[MAUTH_DKIM_NONE] = "none",
	[MAUTH_DKIM_PASS] = "pass",
	[MAUTH_DKIM_FAIL] = "fail",
	[MAUTH_DKIM_NEUTRAL] = "neutral",
	[MAUTH_DKIM_POLICY] = "policy",
	[MAUTH_DKIM_TEMPERROR] = "temperror",
	[MAUTH_DKIM_PERMERROR] = "permerror"
};

/* mauth_dkim_result_str - RFC 8601 2.7.1 result name */
const char *
mauth_dkim_result_str(int result)
{
	if (result < 0 || (size_t)result >=
	    sizeof(result_names) / sizeof(result_names[0]))
		return "unknown";
	return result_names[result];
}

/* mauth_dkim_result_from_str - the result named s (case-insensitive), or -1 */
int
mauth_dkim_result_from_str(const char *s)
{
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; i < sizeof(result_names) / sizeof(result_names[0]); i++)
		if (str_casecmp(s, result_names[i]) == 0)
			return (int)i;
	return -1;
}
