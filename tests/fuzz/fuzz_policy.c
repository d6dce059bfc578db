/*
 * fuzz_policy.c - libFuzzer harness: the policy rules parser and decision.
 *
 * The bytes are a rules file (mauth_policy_load_mem).  A refused file must
 * give no policy and a non-empty "NAME:..." error; an accepted one is asked
 * for a decision on facts taken from the first bytes, which must name a
 * rule of the file (or none), an action in range, and reply/header text that
 * is printable ASCII without '%' (safe for an SMTP reply and libmilter).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mauth/mauth.h"
#include "mauth/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* safe - printable ASCII, no '%' */
static void
safe(const char *s, size_t cap)
{
	size_t	 i;

	for (i = 0; i < cap && s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f ||
		    s[i] == '%')
			abort();
	if (i == cap)
		abort();	/* not terminated */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mauth_policy_facts	 f;
	struct mauth_policy_decision	 d;
	struct mauth_policy		*p = NULL;
	char				 err[512];
	size_t				 i;
	int				 rc, k;

	rc = mauth_policy_load_mem("fz", data, size, &p, err, sizeof(err));
	if (rc != 0) {
		if (p != NULL || rc > 0 || strncmp(err, "fz", 2) != 0)
			abort();
		return 0;
	}
	/* a few fact sets: each byte of the input picks results */
	for (k = 0; k < 4; k++) {
		uint8_t b = size > (size_t)k ? data[k] : 0;

		mauth_policy_facts_init(&f);
		f.spf = b % 7;
		f.ndkim = (b >> 3) % 4;
		for (i = 0; i < f.ndkim; i++)
			f.dkim[i] = (int)((b + i) % 7);
		f.dkim_aligned = b & 0x20;
		f.dmarc = (b >> 2) % 5;
		f.dmarc_policy = (int)((b >> 4) % 4) - 1;
		f.dns_temperror = b & 0x40;
		f.auth = b & 0x80;
		f.internal = k == 3;
		f.outgoing = k == 2;
		f.from_domain = k == 1 ? "a\r\n%{from}.example" : "x.example";
		f.from_domain_len = strlen(f.from_domain);
		if (mauth_policy_decide(p, &f, &d) != 0)
			abort();
		if (d.action < MAUTH_POLICY_ACCEPT ||
		    d.action > MAUTH_POLICY_TEMPFAIL ||
		    d.rule > mauth_policy_count(p))
			abort();
		if ((d.action == MAUTH_POLICY_REJECT &&
		    (d.smtp_code < 500 || d.smtp_code > 559 || d.esc[0] != '5')) ||
		    (d.action == MAUTH_POLICY_TEMPFAIL &&
		    (d.smtp_code < 400 || d.smtp_code > 459 || d.esc[0] != '4')))
			abort();
		safe(d.text, sizeof(d.text));
		safe(d.header_name, sizeof(d.header_name));
		safe(d.header_value, sizeof(d.header_value));
		safe(d.esc, sizeof(d.esc));
	}
	mauth_policy_free(p);
	return 0;
}
