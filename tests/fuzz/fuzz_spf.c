/*
 * fuzz_spf.c - libFuzzer harness: SPF evaluation of an arbitrary record.
 *
 * Input layout: byte 0 picks the client address and identity, the rest is
 * served as the TXT record of every name (so include:, redirect= and exp=
 * all come back to the same bytes, exercising loops and limits).  A, AAAA,
 * MX and PTR queries get small fixed answers; names starting with "nx" are
 * NXDOMAIN and names starting with "to" time out.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mauth/mauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
	const uint8_t	*rec;
	size_t		 len;
};

/* fz_query - the fuzz backend */
static int
fz_query(void *arg, const char *name, uint16_t type,
    struct mauth_dns_answer **out)
{
	static const uint8_t a4[4] = { 192, 0, 2, 3 };
	static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	const struct input *in = arg;
	struct mauth_dns_answer *ans;
	const uint8_t *s;
	int rc = 0;

	if (strncmp(name, "to", 2) == 0)
		return MAUTH_DNS_TIMEOUT;
	if (strncmp(name, "nx", 2) == 0) {
		*out = mauth_dns_answer_new(MAUTH_RCODE_NXDOMAIN, 60);
		return *out ? MAUTH_DNS_ANSWER : MAUTH_DNS_FAILURE;
	}
	if ((ans = mauth_dns_answer_new(MAUTH_RCODE_NOERROR, 60)) == NULL)
		return MAUTH_DNS_FAILURE;
	switch (type) {
	case MAUTH_DNS_TXT:
		s = in->rec;
		rc = mauth_dns_answer_add_txt(ans, MAUTH_DNS_TXT, name, 60,
		    &s, &in->len, 1);
		break;
	case MAUTH_DNS_A:
		rc = mauth_dns_answer_add_a(ans, name, 60, a4);
		break;
	case MAUTH_DNS_AAAA:
		rc = mauth_dns_answer_add_aaaa(ans, name, 60, a6);
		break;
	case MAUTH_DNS_MX:
		rc = mauth_dns_answer_add_mx(ans, name, 60, 10, "mx.example.org");
		break;
	case MAUTH_DNS_PTR:
		rc = mauth_dns_answer_add_name(ans, MAUTH_DNS_PTR, name, 60,
		    "host.example.org");
		break;
	default:
		break;
	}
	if (rc != MAUTH_OK) {
		mauth_dns_answer_free(ans);
		return MAUTH_DNS_FAILURE;
	}
	*out = ans;
	return MAUTH_DNS_ANSWER;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *ips[] = { "192.0.2.3", "2001:db8::1",
	    "::ffff:192.0.2.3", "10.0.0.1" };
	struct mauth_dns_backend be;
	struct mauth_resolver *r = NULL;
	struct mauth_spf_request req;
	struct mauth_spf_eval *ev = NULL;
	struct input in;

	if (size < 1)
		return 0;
	in.rec = data + 1;
	in.len = size - 1;
	be.query = fz_query;
	be.destroy = NULL;
	be.arg = &in;
	if (mauth_resolver_new_custom(&be, &r) != MAUTH_OK)
		abort();
	mauth_spf_request_init(&req);
	req.ip = ips[data[0] & 3];
	req.helo = "mail.example.org";
	req.mail_from = (data[0] & 4) ? "" : "user@example.org";
	req.identity = (data[0] & 8) ? MAUTH_SPF_ID_HELO : MAUTH_SPF_ID_MAILFROM;
	req.record_tree = (data[0] & 16) != 0;
	req.now = 1700000000;
	if (mauth_spf_check(r, &req, &ev, NULL, 0) != MAUTH_OK)
		abort();	/* a valid request must always evaluate */
	if (mauth_spf_eval_result(ev) < MAUTH_SPF_NONE ||
	    mauth_spf_eval_result(ev) > MAUTH_SPF_PERMERROR)
		abort();
	if (mauth_spf_eval_lookups(ev) > 10 || mauth_spf_eval_void_lookups(ev) > 3)
		abort();
	mauth_spf_eval_free(ev);
	mauth_resolver_free(r);
	return 0;
}
