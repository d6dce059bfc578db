/*
 * fuzz_dkim.c - libFuzzer harness: DKIM verification of an arbitrary
 * message against an arbitrary key record.
 *
 * Input layout: byte 0 picks options (bits 0-1: max_signatures 1..4; bit 2:
 * rsa-sha1 evaluated; bits 3-5: body chunk size; bit 6: the libopendkim
 * engine instead of the native one); then up to the first LF
 * the TXT record served for every key name (names starting with "nx" are
 * NXDOMAIN, "to" time out, "sf" SERVFAIL); the rest is the message (CRLF or
 * LF), split into header fields at the first empty line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mauth/mauth.h"
#include "../../src/lib/dkim/dkim_int.h"
#include "dkim_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* feed - header fields, end of headers, body chunks, end of message */
static void
feed(struct dkimv *v, const char *m, size_t len, size_t chunk)
{
	size_t i = 0, start, colon, eol, n;

	while (i < len) {
		if (m[i] == '\n' || (m[i] == '\r' && i + 1 < len &&
		    m[i + 1] == '\n')) {
			i += m[i] == '\n' ? 1 : 2;
			break;
		}
		start = i;
		for (;;) {
			eol = i;
			while (eol < len && m[eol] != '\n')
				eol++;
			i = eol < len ? eol + 1 : len;
			if (i < len && (m[i] == ' ' || m[i] == '\t'))
				continue;
			break;
		}
		for (colon = start; colon < i && m[colon] != ':'; colon++)
			;
		if (colon < i && dkimv_header(v, m + start, colon - start,
		    m + colon + 1, i - colon - 1) != MAUTH_OK)
			abort();
	}
	if (dkimv_eoh(v) != MAUTH_OK)
		abort();
	while (i < len) {
		n = len - i < chunk ? len - i : chunk;
		if (dkimv_body(v, m + i, n) != MAUTH_OK)
			abort();
		i += n;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dkimv_lib *lib;
	struct mauth_dns_backend be;
	struct mauth_resolver *r = NULL;
	struct mauth_dns_budget b;
	struct dkimv_options o;
	struct dkimv *v;
	const struct mauth_dkim_sig *s;
	const uint8_t *nl;
	struct dk_fuzzrec in;
	size_t i;

	if (size < 1)
		return 0;
	if (lib == NULL && dkimv_lib_new(&lib, NULL, 0) != MAUTH_OK)
		abort();
	in.rec = data + 1;
	nl = memchr(data + 1, '\n', size - 1);
	in.len = nl != NULL ? (size_t)(nl - (data + 1)) : size - 1;
	be.query = dk_fuzz_query;
	be.destroy = NULL;
	be.arg = &in;
	if (mauth_resolver_new_custom(&be, &r) != MAUTH_OK)
		abort();
	dkimv_options_init(&o);
	o.max_signatures = 1 + (data[0] & 3);
	o.allow_rsa_sha1 = (data[0] & 4) != 0;
	o.libopendkim = (data[0] & 64) != 0;
	o.now = 1700000000;
	mauth_dns_budget_init(&b, 50);
	if (dkimv_new(lib, r, &b, &o, &v) != MAUTH_OK)
		abort();
	if (nl != NULL)
		feed(v, (const char *)nl + 1, size - (size_t)(nl - data) - 1,
		    1 + ((size_t)(data[0] >> 3) & 7) * 97);
	else if (dkimv_eoh(v) != MAUTH_OK)
		abort();
	if (dkimv_eom(v) != MAUTH_OK)
		abort();
	/* invariants: never more DNS than signatures evaluated */
	if (b.queries > o.max_signatures)
		abort();
	for (i = 0; i < dkimv_count(v); i++) {
		s = dkimv_sig(v, i);
		if (s->result < MAUTH_DKIM_NONE ||
		    s->result > MAUTH_DKIM_PERMERROR || s->reason == NULL ||
		    (s->result == MAUTH_DKIM_NONE && s->checked))
			abort();
		/* our fields and libopendkim's signatures must pair up */
		if (strncmp(s->reason, "not evaluated: the verifier", 27) == 0)
			abort();
	}
	dkimv_free(v);
	mauth_resolver_free(r);
	return 0;
}
