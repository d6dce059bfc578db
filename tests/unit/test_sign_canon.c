/*
 * test_sign_canon.c - DKIM canonicalization for signing (src/lib/dkim/
 * canon.c): body tables in both forms (RFC 6376 3.4.3, 3.4.4, the 3.4.5
 * example), empty and blank bodies, no final line break, trailing white
 * space, bare LF and bare CR; every chunking of each input gives the same
 * hash; header field forms (3.4.1, 3.4.2).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "mauth/sign.h"
#include "dkim/sign_int.h"
#include "util/buf.h"

struct bcase {
	const char	*name;
	const char	*in;
	const char	*simple;	/* canonical form, simple */
	const char	*relaxed;	/* canonical form, relaxed */
};

static const struct bcase bcases[] = {
	{ "RFC 6376 3.4.5 example", " C \r\nD \t E\r\n\r\n\r\n",
	    " C \r\nD \t E\r\n", " C\r\nD E\r\n" },
	{ "empty", "", "\r\n", "" },
	{ "one CRLF", "\r\n", "\r\n", "" },
	{ "blank lines only", "\r\n\r\n\r\n", "\r\n", "" },
	{ "white space lines only", " \r\n\t\r\n", " \r\n\t\r\n", "" },
	{ "no final line break", "abc", "abc\r\n", "abc\r\n" },
	{ "no final line break, blank before", "a\r\n\r\nb",
	    "a\r\n\r\nb\r\n", "a\r\n\r\nb\r\n" },
	{ "trailing white space", "a  \r\nb\t\r\n", "a  \r\nb\t\r\n",
	    "a\r\nb\r\n" },
	{ "inner white space runs", "a \t b\t\tc\r\n", "a \t b\t\tc\r\n",
	    "a b c\r\n" },
	{ "leading white space", "  a\r\n", "  a\r\n", " a\r\n" },
	{ "unterminated white space line", "a\r\n  ", "a\r\n  \r\n",
	    "a\r\n" },
	{ "inner blank lines kept", "a\r\n\r\n\r\nb\r\n",
	    "a\r\n\r\n\r\nb\r\n", "a\r\n\r\n\r\nb\r\n" },
	{ "relaxed blank-by-space kept inside", "a\r\n \r\nb\r\n",
	    "a\r\n \r\nb\r\n", "a\r\n\r\nb\r\n" },
	{ "bare LF", "a\nb \n\n\n", "a\r\nb \r\n", "a\r\nb\r\n" },
	{ "mixed LF and CRLF", "a\r\nb\nc\r\n\n", "a\r\nb\r\nc\r\n",
	    "a\r\nb\r\nc\r\n" },
	{ "bare CR kept", "a\rb\r\n", "a\rb\r\n", "a\rb\r\n" },
	{ "final bare CR", "a\r", "a\r\r\n", "a\r\r\n" },
	{ "CR before blank", "a\r\r\n\r\n", "a\r\r\n", "a\r\r\n" },
	{ "white space then CR", "a \r\r\n", "a \r\r\n", "a \r\r\n" },
	{ "8-bit", "\xc3\xa9t\xc3\xa9 \r\n", "\xc3\xa9t\xc3\xa9 \r\n",
	    "\xc3\xa9t\xc3\xa9\r\n" },
	/* double SP across the 8- and 16-byte blocks of the fast checks */
	{ "SP SP at 7,8", "0123456  9abcdef\r\n", "0123456  9abcdef\r\n",
	    "0123456 9abcdef\r\n" },
	{ "SP SP at 15,16", "0123456789abcde  hijklmnopqrstuvwxyz\r\n",
	    "0123456789abcde  hijklmnopqrstuvwxyz\r\n",
	    "0123456789abcde hijklmnopqrstuvwxyz\r\n" },
	{ "SP SP at 23,24", "0123456789abcdefghijklm  pqrstuvwxyz\r\n",
	    "0123456789abcdefghijklm  pqrstuvwxyz\r\n",
	    "0123456789abcdefghijklm pqrstuvwxyz\r\n" },
	{ "SP SP at 31,32", "0123456789abcdefghijklmnopqrstu  "
	    "xyz0123456789\r\n", "0123456789abcdefghijklmnopqrstu  "
	    "xyz0123456789\r\n", "0123456789abcdefghijklmnopqrstu "
	    "xyz0123456789\r\n" },
	{ "HTAB at 31", "0123456789abcdefghijklmnopqrstu\tv\r\n",
	    "0123456789abcdefghijklmnopqrstu\tv\r\n",
	    "0123456789abcdefghijklmnopqrstu v\r\n" },
	{ "NUL byte", "a\0b\r\n", NULL, NULL },
};

/* digest - SHA-256 of s[0..n) */
static void
digest(const void *s, size_t n, uint8_t out[32])
{
	unsigned int l;

	if (EVP_Digest(s, n, out, &l, EVP_sha256(), NULL) != 1)
		fail_msg("EVP_Digest failed");
}

/* run - canonicalize in[0..n) fed in chunks split at cut points */
static void
run(const char *name, int canon, const char *in, size_t n, const size_t *cuts,
    size_t ncuts, uint8_t out[32], uint64_t *len)
{
	struct sign_body b;
	size_t i, prev = 0;

	if (sign_body_init(&b, canon) != MAUTH_OK)
		fail_msg("%s: init failed", name);
	for (i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : n;

		if (sign_body_add(&b, in + prev, end - prev) != MAUTH_OK)
			fail_msg("%s: add failed", name);
		prev = end;
	}
	if (sign_body_final(&b, out, len) != MAUTH_OK)
		fail_msg("%s: final failed", name);
	sign_body_free(&b);
}

/* test_body - each table case, whole and cut at every one or two places */
static void
test_body(void **state)
{
	const char *want, *in;
	uint8_t got[32], exp[32];
	size_t c, k, n, wlen, i, j, cuts[2];
	uint64_t len;
	int canon;

	(void)state;
	for (c = 0; c < sizeof(bcases) / sizeof(bcases[0]); c++) {
		in = bcases[c].in;
		n = strlen(in);
		if (bcases[c].simple == NULL)
			n = 5;	/* the NUL case: "a\0b\r\n" */
		for (k = 0; k < 2; k++) {
			canon = k == 0 ? MAUTH_CANON_SIMPLE :
			    MAUTH_CANON_RELAXED;
			want = k == 0 ? bcases[c].simple : bcases[c].relaxed;
			wlen = want != NULL ? strlen(want) : 5;
			if (want == NULL)
				want = "a\0b\r\n";
			digest(want, wlen, exp);
			run(bcases[c].name, canon, in, n, NULL, 0, got, &len);
			if (memcmp(got, exp, 32) != 0 || len != wlen)
				fail_msg("%s (%s): got %llu bytes/other hash, "
				    "want %zu bytes \"%s\"", bcases[c].name,
				    k ? "relaxed" : "simple",
				    (unsigned long long)len, wlen, want);
			for (i = 0; i <= n; i++)
				for (j = i; j <= n; j++) {
					cuts[0] = i;
					cuts[1] = j;
					run(bcases[c].name, canon, in, n, cuts,
					    2, got, &len);
					if (memcmp(got, exp, 32) != 0 ||
					    len != wlen)
						fail_msg("%s (%s) cut at %zu,%zu: "
						    "got another hash, want the "
						    "unchunked one",
						    bcases[c].name,
						    k ? "relaxed" : "simple",
						    i, j);
				}
		}
	}
}

/* test_big - a large body in odd chunks equals the whole and a reference */
static void
test_big(void **state)
{
	struct buf in, ref;
	uint8_t got[32], exp[32];
	size_t i, j, off, chunk;
	struct sign_body b;
	uint64_t len;

	(void)state;
	buf_init(&in, 0);
	buf_init(&ref, 0);
	for (i = 0; i < 5000; i++) {
		for (j = 0; j < i % 97; j++)
			buf_putc(&in, (char)('!' + (i + j) % 90));
		buf_puts(&in, i % 7 == 0 ? "  \t\r\n" : i % 11 == 0 ?
		    "\n" : "\r\n");
		if (i % 13 == 0)
			buf_puts(&in, "\r\n\r\n");
	}
	buf_puts(&in, "\r\n\r\n");
	/* simple reference: LF to CRLF, trailing blank lines dropped */
	for (i = 0; i < in.len; i++) {
		if (in.data[i] == '\n' && (i == 0 || in.data[i - 1] != '\r'))
			buf_putc(&ref, '\r');
		buf_putc(&ref, in.data[i]);
	}
	while (ref.len >= 4 && memcmp(ref.data + ref.len - 4, "\r\n\r\n",
	    4) == 0)
		ref.len -= 2;
	digest(ref.data, ref.len, exp);
	for (chunk = 1; chunk < 20000; chunk = chunk * 3 + 1) {
		if (sign_body_init(&b, MAUTH_CANON_SIMPLE) != MAUTH_OK)
			fail_msg("big: init failed");
		for (off = 0; off < in.len; off += chunk)
			if (sign_body_add(&b, in.data + off, in.len - off <
			    chunk ? in.len - off : chunk) != MAUTH_OK)
				fail_msg("big: add failed");
		if (sign_body_final(&b, got, &len) != MAUTH_OK)
			fail_msg("big: final failed");
		sign_body_free(&b);
		if (memcmp(got, exp, 32) != 0 || len != ref.len)
			fail_msg("big simple chunk %zu: got %llu bytes, want "
			    "%zu and the reference hash", chunk,
			    (unsigned long long)len, ref.len);
	}
	buf_free(&in);
	buf_free(&ref);
}

/* reference - whole-input canonical body, written the plain way */
static void
reference(int canon, const char *in, size_t n, struct buf *out)
{
	size_t i = 0, start, end, k, keep;
	bool wsp;

	buf_reset(out);
	while (i < n) {
		start = i;
		while (i < n && in[i] != '\n')
			i++;
		end = i;
		if (i < n) {
			i++;			/* the LF */
			if (end > start && in[end - 1] == '\r')
				end--;		/* CRLF */
		}
		if (canon == MAUTH_CANON_SIMPLE)
			buf_append(out, in + start, end - start);
		else {
			wsp = false;
			for (k = start; k < end; k++) {
				if (in[k] == ' ' || in[k] == '\t') {
					wsp = true;
					continue;
				}
				if (wsp)
					buf_putc(out, ' ');
				wsp = false;
				buf_putc(out, in[k]);
			}
		}
		buf_append(out, "\r\n", 2);
	}
	/* trailing empty lines */
	keep = out->len;
	while (keep >= 2 && memcmp(out->data + keep - 2, "\r\n", 2) == 0 &&
	    (keep == 2 || (keep >= 4 && memcmp(out->data + keep - 4, "\r\n",
	    2) == 0)))
		keep -= 2;
	out->len = keep;
	if (canon == MAUTH_CANON_SIMPLE && out->len == 0)
		buf_append(out, "\r\n", 2);
}

/* test_random - random bodies in random chunks against the reference */
static void
test_random(void **state)
{
	static const char alpha[] = "ab  \t\r\n\n.";
	char in[300];
	uint8_t got[32], exp[32];
	size_t iter, n, i, off, c;
	struct sign_body b;
	struct buf ref;
	uint64_t len;
	unsigned seed = 12345;
	int canon;

	(void)state;
	buf_init(&ref, 0);
	for (iter = 0; iter < 20000; iter++) {
		seed = seed * 1103515245u + 12345u;
		n = (seed >> 8) % sizeof(in);
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			/* long runs of one letter exercise the 8-byte paths */
			in[i] = (seed >> 20) % 4 == 0 ? 'x' :
			    alpha[(seed >> 8) % (sizeof(alpha) - 1)];
			/* every other pair of rounds: long lines, few WSP */
			if (iter % 4 >= 2 && (in[i] == '\n' || in[i] == ' ' ||
			    in[i] == '\t') && (seed >> 12) % 8 != 0)
				in[i] = 'y';
		}
		canon = iter % 2 ? MAUTH_CANON_RELAXED : MAUTH_CANON_SIMPLE;
		reference(canon, in, n, &ref);
		digest(ref.data, ref.len, exp);
		if (sign_body_init(&b, canon) != MAUTH_OK)
			fail_msg("random: init failed");
		for (off = 0; off < n; off += c) {
			seed = seed * 1103515245u + 12345u;
			c = 1 + (seed >> 8) % 40;
			if (c > n - off)
				c = n - off;
			if (sign_body_add(&b, in + off, c) != MAUTH_OK)
				fail_msg("random: add failed");
		}
		if (sign_body_final(&b, got, &len) != MAUTH_OK)
			fail_msg("random: final failed");
		sign_body_free(&b);
		if (memcmp(got, exp, 32) != 0 || len != ref.len)
			fail_msg("random %zu (%s, %zu bytes): got %llu bytes, "
			    "want %zu and the reference hash", iter,
			    canon ? "relaxed" : "simple", n,
			    (unsigned long long)len, ref.len);
	}
	buf_free(&ref);
}

struct hcase {
	const char	*name, *fname, *value, *simple, *relaxed;
};

static const struct hcase hcases[] = {
	{ "RFC 6376 3.4.5 A", "A", " X\r\n", "A: X\r\n", "a:X\r\n" },
	{ "RFC 6376 3.4.5 B", "B ", " Y\t\r\n\tZ  \r\n",
	    "B : Y\t\r\n\tZ  \r\n", "b:Y Z\r\n" },
	{ "no final line break", "Subject", " hi", "Subject: hi\r\n",
	    "subject:hi\r\n" },
	{ "bare LF folding", "Subject", " a\n b\n", "Subject: a\r\n b\r\n",
	    "subject:a b\r\n" },
	{ "empty value", "X-Empty", "\r\n", "X-Empty:\r\n", "x-empty:\r\n" },
	{ "colon inside value", "Subject", " re: a:  b \r\n",
	    "Subject: re: a:  b \r\n", "subject:re: a: b\r\n" },
	{ "no space after colon", "To", "x@y\r\n", "To:x@y\r\n",
	    "to:x@y\r\n" },
	{ "white space only", "X", " \t \r\n", "X: \t \r\n", "x:\r\n" },
};

/* test_header - header field forms */
static void
test_header(void **state)
{
	struct buf b;
	size_t i, k;
	const char *want;

	(void)state;
	buf_init(&b, 0);
	for (i = 0; i < sizeof(hcases) / sizeof(hcases[0]); i++)
		for (k = 0; k < 2; k++) {
			buf_reset(&b);
			sign_canon_header(&b, k == 0 ? MAUTH_CANON_SIMPLE :
			    MAUTH_CANON_RELAXED, hcases[i].fname,
			    strlen(hcases[i].fname), hcases[i].value,
			    strlen(hcases[i].value), true);
			want = k == 0 ? hcases[i].simple : hcases[i].relaxed;
			if (b.err || b.len != strlen(want) ||
			    memcmp(b.data, want, b.len) != 0)
				fail_msg("%s (%s): got \"%s\", want \"%s\"",
				    hcases[i].name, k ? "relaxed" : "simple",
				    b.data, want);
		}
	/* the DKIM-Signature field itself: no final CRLF (RFC 6376 3.7) */
	buf_reset(&b);
	sign_canon_header(&b, MAUTH_CANON_RELAXED, "DKIM-Signature", 14,
	    " v=1; b=", 8, false);
	if (strcmp(b.data, "dkim-signature:v=1; b=") != 0)
		fail_msg("dkim-signature: got \"%s\", want "
		    "\"dkim-signature:v=1; b=\"", b.data);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_big),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
