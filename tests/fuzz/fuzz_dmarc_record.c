/*
 * fuzz_dmarc_record.c - libFuzzer harness: DMARC evaluation of an arbitrary
 * policy record.
 *
 * Input layout: byte 0 picks the mode (RFC 9989 / RFC 7489), the From
 * domain, the identifiers, whether other names exist and whether the record
 * is served twice; the rest is served as the TXT record of every _dmarc
 * name, so the tree walk meets the same bytes at every level (psd=, np=,
 * invalid p=, ...).  Names containing "slow" time out.  The evaluation must
 * always complete with a result in range, a policy only for pass/fail, a
 * printable record and a bounded number of queries.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mauth/mauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* walks: the From domain's, one per identifier (at most 16), + existence */
#define FZ_MAX_QUERIES	(8 * (1 + 16) + 1)

struct input {
	const uint8_t	*rec;
	size_t		 len;
	bool		 twice;
	bool		 nx;
};

/* fz_query - the fuzz backend */
static int
fz_query(void *arg, const char *name, uint16_t type,
    struct mauth_dns_answer **out)
{
	static const uint8_t a4[4] = { 192, 0, 2, 3 };
	const struct input *in = arg;
	struct mauth_dns_answer *ans;
	const uint8_t *s = in->rec;
	bool dmarc = strncmp(name, "_dmarc.", 7) == 0;
	int rc = 0;

	if (strstr(name, "slow") != NULL)
		return MAUTH_DNS_TIMEOUT;
	if ((ans = mauth_dns_answer_new(!dmarc && in->nx ?
	    MAUTH_RCODE_NXDOMAIN : MAUTH_RCODE_NOERROR, 60)) == NULL)
		return MAUTH_DNS_FAILURE;
	if (dmarc && type == MAUTH_DNS_TXT) {
		rc = mauth_dns_answer_add_txt(ans, MAUTH_DNS_TXT, name, 60,
		    &s, &in->len, 1);
		if (rc == MAUTH_OK && in->twice)
			rc = mauth_dns_answer_add_txt(ans, MAUTH_DNS_TXT, name,
			    60, &s, &in->len, 1);
	} else if (!in->nx && type == MAUTH_DNS_A)
		rc = mauth_dns_answer_add_a(ans, name, 60, a4);
	if (rc != MAUTH_OK) {
		mauth_dns_answer_free(ans);
		return MAUTH_DNS_FAILURE;
	}
	*out = ans;
	return MAUTH_DNS_ANSWER;
}

/* printable - whether s holds only 0x20..0x7e */
static bool
printable(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *froms[] = { "example.com",
	    "a.b.c.d.e.f.g.h.i.j.example.com", "mail.slow.example.org",
	    "x.example.org" };
	static struct mauth_dmarc_ctx *ctx[2];
	struct mauth_dns_backend be;
	struct mauth_resolver *r = NULL;
	struct mauth_dmarc_input din;
	struct mauth_dmarc_eval *ev = NULL;
	struct input in;
	int mode, res, pol;

	if (size < 1)
		return 0;
	mode = (data[0] & 4) ? MAUTH_DMARC_RFC7489 : MAUTH_DMARC_RFC9989;
	if (ctx[mode] == NULL && mauth_dmarc_ctx_new(mode, NULL, &ctx[mode],
	    NULL, 0) != MAUTH_OK)
		abort();
	in.rec = data + 1;
	in.len = size - 1;
	in.nx = (data[0] & 32) != 0;
	in.twice = (data[0] & 64) != 0;
	be.query = fz_query;
	be.destroy = NULL;
	be.arg = &in;
	if (mauth_resolver_new_custom(&be, &r) != MAUTH_OK)
		abort();
	memset(&din, 0, sizeof(din));
	din.from_domain = froms[data[0] & 3];
	if (data[0] & 8) {
		din.has_spf = true;
		din.spf.result = MAUTH_SPF_PASS;
		din.spf.domain = "bounce.example.com";
	}
	if (data[0] & 16) {
		din.ndkim = 3;
		din.dkim[0].result = MAUTH_DKIM_PASS;
		din.dkim[0].domain = "d.c.b.a.example.org";
		din.dkim[1].result = MAUTH_DKIM_FAIL;
		din.dkim[1].domain = "example.com";
		din.dkim[2].result = MAUTH_DKIM_PASS;
		din.dkim[2].domain = "sig.slow.example.com";
	}
	if (mauth_dmarc_evaluate(ctx[mode], r, NULL, &din, &ev, NULL, 0) !=
	    MAUTH_OK)
		abort();	/* a valid input must always evaluate */
	res = mauth_dmarc_eval_result(ev);
	pol = mauth_dmarc_eval_policy(ev);
	if (res < MAUTH_DMARC_NONE || res > MAUTH_DMARC_PERMERROR)
		abort();
	if ((res == MAUTH_DMARC_PASS || res == MAUTH_DMARC_FAIL) !=
	    (pol != MAUTH_DMARC_POLICY_UNSET))
		abort();
	if (pol < MAUTH_DMARC_POLICY_UNSET || pol > MAUTH_DMARC_POLICY_REJECT)
		abort();
	if (mauth_dmarc_eval_reason(ev) == NULL ||
	    !printable(mauth_dmarc_eval_record(ev)) ||
	    mauth_dmarc_eval_dns_queries(ev) > FZ_MAX_QUERIES)
		abort();
	mauth_dmarc_eval_free(ev);
	mauth_resolver_free(r);
	return 0;
}
