/*
 * spf.c - SPF result names and request defaults (RFC 7208 2.6, 4.6.4).
 */
#include <string.h>

#include "mauth/spf.h"
#include "util/names.h"

static const char *const result_names[] = {
	[MAUTH_SPF_NONE] = "none",
	[MAUTH_SPF_NEUTRAL] = "neutral",
	[MAUTH_SPF_PASS] = "pass",
	[MAUTH_SPF_FAIL] = "fail",
	[MAUTH_SPF_SOFTFAIL] = "softfail",
	[MAUTH_SPF_TEMPERROR] = "temperror",
	[MAUTH_SPF_PERMERROR] = "permerror"
};

/* mauth_spf_result_str - RFC 7208 2.6 result name */
const char *
mauth_spf_result_str(int result)
{
	return names_get(result_names, NAMES_COUNT(result_names), result);
}

/* mauth_spf_result_from_str - the result named s (case-insensitive), or -1 */
int
mauth_spf_result_from_str(const char *s)
{
	return names_find(result_names, NAMES_COUNT(result_names), s);
}

/* mauth_spf_request_init - RFC 7208 4.6.4 defaults */
void
mauth_spf_request_init(struct mauth_spf_request *req)
{
	if (req == NULL)
		return;
	memset(req, 0, sizeof(*req));
	req->identity = MAUTH_SPF_ID_MAILFROM;
	req->receiver = "unknown";
	req->max_lookups = 10;
	req->max_void_lookups = 2;
	req->max_names = 10;
	/*
	 * The legal worst case: the record (1), ten mx or ptr terms of one
	 * lookup plus ten address lookups each (110), exp= (1) and %{p} in the
	 * explanation (1 + 10): 123.  The ceiling sits above it, so it only
	 * stops an engine bug, never a legal evaluation.
	 */
	req->max_queries = 150;
	/* RFC 7208 4.6.4: an overall limit of at least 20 seconds */
	req->max_time_ms = 20000;
}
