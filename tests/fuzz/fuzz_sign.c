/*
 * fuzz_sign.c - libFuzzer harness: DKIM signing of an arbitrary message,
 * the key parser on arbitrary bytes, and the streaming body canonicalizer
 * checked against itself (one chunk versus small chunks must agree).
 *
 * Input layout: byte 0 picks options (bit 0: relaxed header canon; bit 1:
 * relaxed body canon; bits 2-4: body chunk size; bit 5: add l=; bit 6: the
 * rest is a key file for mauth_key_load_mem instead of a message); the
 * rest is the message (CRLF or LF), split into header fields at the first
 * empty line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mauth/mauth.h"
#include "mauth/sign.h"
#include "../../src/lib/dkim/sign_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* RFC 8032 7.1 TEST 1 secret key (also RFC 8463 A.2): test-only */
static const char seed[] = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";

/* body_agree - one-chunk and small-chunk canonicalization must agree */
static void
body_agree(int canon, const uint8_t *p, size_t len, size_t chunk)
{
	struct sign_body a, b;
	uint8_t ha[32], hb[32];
	uint64_t la, lb;
	size_t i, n;

	if (sign_body_init(&a, canon) != MAUTH_OK)
		return;
	if (sign_body_init(&b, canon) != MAUTH_OK) {
		sign_body_free(&a);
		return;
	}
	if (sign_body_add(&a, p, len) != MAUTH_OK)
		abort();
	for (i = 0; i < len; i += n) {
		n = len - i < chunk ? len - i : chunk;
		if (sign_body_add(&b, p + i, n) != MAUTH_OK)
			abort();
	}
	if (sign_body_final(&a, ha, &la) != MAUTH_OK ||
	    sign_body_final(&b, hb, &lb) != MAUTH_OK ||
	    la != lb || memcmp(ha, hb, 32) != 0)
		abort();
	sign_body_free(&a);
	sign_body_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mauth_key *key;
	struct mauth_sign_config c;
	struct mauth_signer *s;
	struct mauth_key *k;
	const char *m;
	char err[256];
	size_t len, i = 0, start, colon, eol, n, chunk;

	if (size < 1)
		return 0;
	m = (const char *)data + 1;
	len = size - 1;
	if (data[0] & 0x40) {
		if (mauth_key_load_mem("fuzz", m, len, &k, err,
		    sizeof(err)) == MAUTH_OK) {
			free(mauth_key_dns_record(k));
			mauth_key_free(k);
		}
		return 0;
	}
	if (key == NULL && mauth_key_load_mem("seed", seed, strlen(seed), &key,
	    err, sizeof(err)) != MAUTH_OK)
		abort();
	chunk = 1 + ((data[0] >> 2) & 7) * 5;
	mauth_sign_config_init(&c);
	c.domain = "example.org";
	c.selector = "fuzz";
	c.key = key;
	c.header_canon = data[0] & 1 ? MAUTH_CANON_RELAXED : MAUTH_CANON_SIMPLE;
	c.body_canon = data[0] & 2 ? MAUTH_CANON_RELAXED : MAUTH_CANON_SIMPLE;
	c.timestamp = 1700000000;
	c.body_length = (data[0] & 0x20) != 0;
	if (mauth_signer_new(&c, 1, &s, err, sizeof(err)) != MAUTH_OK)
		abort();
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
		if (colon < i)
			(void)!mauth_signer_header(s, m + start, colon - start,
			    m + colon + 1, i - colon - 1);
	}
	body_agree(c.body_canon, (const uint8_t *)m + i, len - i, chunk);
	for (; i < len; i += n) {
		n = len - i < chunk ? len - i : chunk;
		if (mauth_signer_body(s, m + i, n) != MAUTH_OK)
			abort();
	}
	if (mauth_signer_finish(s, err, sizeof(err)) == MAUTH_OK &&
	    (mauth_signer_count(s) != 1 || mauth_signer_field(s, 0) == NULL ||
	    strncmp(mauth_signer_field(s, 0), "DKIM-Signature: v=1;", 20) != 0))
		abort();
	mauth_signer_free(s);
	return 0;
}
