/*
 * dkim.c - DKIM result names (RFC 8601 2.7.1).
 */
#include <string.h>

#include "mauth/dkim.h"
#include "util/names.h"

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
	return names_get(result_names, NAMES_COUNT(result_names), result);
}

/* mauth_dkim_result_from_str - the result named s (case-insensitive), or -1 */
int
mauth_dkim_result_from_str(const char *s)
{
	return names_find(result_names, NAMES_COUNT(result_names), s);
}
