/*
 * test_dns_zone.c - the zone-file backend (src/lib/dns/zone.c): parsing of
 * testdata/zones/unit/multi.zone, answer semantics (NXDOMAIN, NODATA, empty
 * non-terminals, CNAME chains and loops, wildcards, negative TTLs) and
 * syntax errors with their line numbers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mauth/dns.h"

#define FIXTURE TESTDATA "/zones/unit/multi.zone"

static struct mauth_resolver *
load_fixture(void)
{
	struct mauth_resolver *r = NULL;
	char err[256] = "";
	int rc;

	rc = mauth_resolver_new_zone(FIXTURE, &r, err, sizeof(err));
	if (rc != MAUTH_OK || r == NULL)
		fail_msg("load %s: got %d (%s), want OK", FIXTURE, rc, err);
	return r;
}

/* ---- answers ----------------------------------------------------------- */

/*
 * One query against the fixture.  want_first describes the first record of
 * the asked type (or of the first record at all when want_type is 0):
 * its text form as produced by rr_text().
 */
struct qcase {
	const char	*name;
	const char	*qname;
	uint16_t	 qtype;
	int		 rcode;
	size_t		 nrr;
	uint32_t	 ttl;		/* answer->ttl after the resolver */
	const char	*first;		/* rr_text of rr[0], NULL = skip */
	const char	*last;		/* rr_text of rr[nrr-1], NULL = skip */
};

/* rr_text - "owner TTL TYPE data" with TXT bytes escaped */
static void
rr_text(const struct mauth_dns_rr *rr, char *out, size_t outlen)
{
	char data[512];
	size_t i, o = 0;

	data[0] = '\0';
	switch (rr->type) {
	case MAUTH_DNS_A:
		snprintf(data, sizeof(data), "%u.%u.%u.%u", rr->u.a[0],
		    rr->u.a[1], rr->u.a[2], rr->u.a[3]);
		break;
	case MAUTH_DNS_AAAA:
		snprintf(data, sizeof(data), "%02x%02x..%02x", rr->u.aaaa[0],
		    rr->u.aaaa[1], rr->u.aaaa[15]);
		break;
	case MAUTH_DNS_CNAME:
	case MAUTH_DNS_PTR:
	case MAUTH_DNS_NS:
		snprintf(data, sizeof(data), "%s", rr->u.target);
		break;
	case MAUTH_DNS_MX:
		snprintf(data, sizeof(data), "%u %s", rr->u.mx.preference,
		    rr->u.mx.exchange);
		break;
	case MAUTH_DNS_TXT:
	case MAUTH_DNS_SPF:
		o = (size_t)snprintf(data, sizeof(data), "%zu:",
		    rr->u.txt.nstrings);
		for (i = 0; i < rr->u.txt.len && o + 5 < sizeof(data); i++) {
			uint8_t c = rr->u.txt.data[i];

			if (c >= 0x20 && c < 0x7f && c != '\\')
				data[o++] = (char)c;
			else
				o += (size_t)snprintf(data + o,
				    sizeof(data) - o, "\\%03u", c);
		}
		data[o] = '\0';
		break;
	default:
		break;
	}
	snprintf(out, outlen, "%s %u %s %s", rr->owner, rr->ttl,
	    mauth_dns_type_str(rr->type), data);
}

static void
run_cases(struct mauth_resolver *r, const struct qcase *c, size_t n)
{
	struct mauth_dns_answer *a;
	char got[700];
	size_t i;
	int st;

	for (i = 0; i < n; i++) {
		st = mauth_resolver_query(r, NULL, c[i].qname, c[i].qtype, &a);
		if (st != MAUTH_DNS_ANSWER)
			fail_msg("%s: got status %s, want answer", c[i].name,
			    mauth_dns_status_str(st));
		if (a->rcode != c[i].rcode || a->nrr != c[i].nrr ||
		    a->ttl != c[i].ttl)
			fail_msg("%s: got %s nrr=%zu ttl=%u, want %s nrr=%zu "
			    "ttl=%u", c[i].name, mauth_dns_rcode_str(a->rcode),
			    a->nrr, a->ttl, mauth_dns_rcode_str(c[i].rcode),
			    c[i].nrr, c[i].ttl);
		if (c[i].first != NULL) {
			rr_text(&a->rr[0], got, sizeof(got));
			if (strcmp(got, c[i].first) != 0)
				fail_msg("%s: first record: got '%s', want "
				    "'%s'", c[i].name, got, c[i].first);
		}
		if (c[i].last != NULL) {
			rr_text(&a->rr[a->nrr - 1], got, sizeof(got));
			if (strcmp(got, c[i].last) != 0)
				fail_msg("%s: last record: got '%s', want "
				    "'%s'", c[i].name, got, c[i].last);
		}
		mauth_dns_answer_free(a);
	}
}

#define NX MAUTH_RCODE_NXDOMAIN
#define OK MAUTH_RCODE_NOERROR

static void
test_positive(void **state)
{
	static const struct qcase cases[] = {
		{ "apex MX", "example.com", MAUTH_DNS_MX, OK, 2, 300,
		    "example.com 300 MX 10 mail.example.com",
		    "example.com 300 MX 20 mail2.example.net" },
		{ "apex TXT two strings", "example.com", MAUTH_DNS_TXT, OK, 1,
		    300, "example.com 300 TXT 2:v=spf1 ip4:192.0.2.0/24 "
		    "include:_spf.example.net -all", NULL },
		{ "apex NS", "example.com.", MAUTH_DNS_NS, OK, 1, 300,
		    "example.com 300 NS ns1.example.com", NULL },
		{ "apex SOA", "example.com", MAUTH_DNS_SOA, OK, 1, 300,
		    "example.com 300 SOA ", NULL },
		{ "explicit TTL", "mail.example.com", MAUTH_DNS_A, OK, 1, 600,
		    "mail.example.com 600 A 192.0.2.25", NULL },
		{ "blank owner, class before TTL", "mail.example.com",
		    MAUTH_DNS_AAAA, OK, 1, 700,
		    "mail.example.com 700 AAAA 2001..25", NULL },
		{ "$TTL after explicit TTL", "www.example.com",
		    MAUTH_DNS_CNAME, OK, 1, 300,
		    "www.example.com 300 CNAME mail.example.com", NULL },
		{ "escapes", "esc.example.com", MAUTH_DNS_TXT, OK, 1, 300,
		    "esc.example.com 300 TXT 1:a\"b\\092c;d\\000e", NULL },
		{ "semicolon and escaped space", "semi.example.com",
		    MAUTH_DNS_TXT, OK, 1, 300,
		    "semi.example.com 300 TXT 2:has ; semicolonunquoted word",
		    NULL },
		{ "parentheses", "multi.example.com", MAUTH_DNS_TXT, OK, 1,
		    300, "multi.example.com 300 TXT 2:part one part two",
		    NULL },
		{ "null MX", "nullmx.example.com", MAUTH_DNS_MX, OK, 1, 300,
		    "nullmx.example.com 300 MX 0 .", NULL },
		{ "case-insensitive owner", "mixed.EXAMPLE.com", MAUTH_DNS_A,
		    OK, 1, 300, "MiXeD.example.com 300 A 192.0.2.7", NULL },
		{ "second zone $TTL 1h", "_spf.example.net", MAUTH_DNS_TXT,
		    OK, 1, 3600, "_spf.example.net 3600 TXT 1:v=spf1 a -all",
		    NULL },
		{ "SPF type", "spf.example.net", MAUTH_DNS_SPF, OK, 1, 3600,
		    "spf.example.net 3600 SPF 1:v=spf1 -all", NULL },
		{ "absolute PTR", "1.2.0.192.in-addr.arpa", MAUTH_DNS_PTR, OK,
		    1, 3600, "1.2.0.192.in-addr.arpa 3600 PTR "
		    "mail.example.com", NULL },
		{ "deep name", "x.y.deep.example.com", MAUTH_DNS_A, OK, 1, 300,
		    "x.y.deep.example.com 300 A 192.0.2.99", NULL },
	};

	struct mauth_resolver *r = load_fixture();

	(void)state;
	run_cases(r, cases, sizeof(cases) / sizeof(cases[0]));
	mauth_resolver_free(r);
}

static void
test_negative(void **state)
{
	/* example.com has SOA TTL 300 MINIMUM 120: negative TTL 120;
	 * example.net has no SOA: 300; example.org SOA 60/30: 30 */
	static const struct qcase cases[] = {
		{ "NXDOMAIN under SOA", "nope.example.com", MAUTH_DNS_A, NX, 0,
		    120, NULL, NULL },
		{ "NODATA", "mail.example.com", MAUTH_DNS_TXT, OK, 0, 120,
		    NULL, NULL },
		{ "empty non-terminal", "deep.example.com", MAUTH_DNS_A, OK,
		    0, 120, NULL, NULL },
		{ "empty non-terminal 2", "y.deep.example.com", MAUTH_DNS_TXT,
		    OK, 0, 120, NULL, NULL },
		{ "below empty non-terminal", "z.deep.example.com",
		    MAUTH_DNS_A, NX, 0, 120, NULL, NULL },
		{ "origin without records", "example.net", MAUTH_DNS_A, OK, 0,
		    300, NULL, NULL },
		{ "NXDOMAIN without SOA", "nope.example.net", MAUTH_DNS_TXT,
		    NX, 0, 300, NULL, NULL },
		{ "above the origin", "com", MAUTH_DNS_A, NX, 0, 300, NULL,
		    NULL },
		{ "other zone", "example.info", MAUTH_DNS_A, NX, 0, 300, NULL,
		    NULL },
		{ "SOA-made empty non-terminal", "b.example.org", MAUTH_DNS_A,
		    OK, 0, 30, NULL, NULL },
		{ "SOA zone NXDOMAIN", "c.example.org", MAUTH_DNS_A, NX, 0, 30,
		    NULL, NULL },
		{ "SOA zone positive", "a.b.example.org", MAUTH_DNS_A, OK, 1,
		    60, "a.b.example.org 60 A 203.0.113.1", NULL },
	};
	struct mauth_resolver *r = load_fixture();

	(void)state;
	run_cases(r, cases, sizeof(cases) / sizeof(cases[0]));
	mauth_resolver_free(r);
}

static void
test_cname(void **state)
{
	static const struct qcase cases[] = {
		{ "one hop", "www.example.com", MAUTH_DNS_A, OK, 2, 300,
		    "www.example.com 300 CNAME mail.example.com",
		    "mail.example.com 600 A 192.0.2.25" },
		{ "two hops", "alias.example.com", MAUTH_DNS_A, OK, 3, 300,
		    "alias.example.com 300 CNAME www.example.com",
		    "mail.example.com 600 A 192.0.2.25" },
		{ "chain to NODATA", "www.example.com", MAUTH_DNS_MX, OK, 1,
		    120, "www.example.com 300 CNAME mail.example.com", NULL },
		{ "CNAME asked: not followed", "alias.example.com",
		    MAUTH_DNS_CNAME, OK, 1, 300,
		    "alias.example.com 300 CNAME www.example.com", NULL },
		{ "dangling", "dangling.example.net", MAUTH_DNS_A, NX, 1, 300,
		    "dangling.example.net 3600 CNAME nowhere.example.net",
		    NULL },
		{ "loop", "loop1.example.com", MAUTH_DNS_TXT,
		    MAUTH_RCODE_SERVFAIL, 0, 0, NULL, NULL },
	};
	struct mauth_resolver *r = load_fixture();

	(void)state;
	run_cases(r, cases, sizeof(cases) / sizeof(cases[0]));
	mauth_resolver_free(r);
}

static void
test_wildcard(void **state)
{
	static const struct qcase cases[] = {
		{ "one label", "foo.wild.example.com", MAUTH_DNS_TXT, OK, 1,
		    300, "foo.wild.example.com 300 TXT 1:wildcard", NULL },
		{ "two labels", "a.b.wild.example.com", MAUTH_DNS_TXT, OK, 1,
		    300, "a.b.wild.example.com 300 TXT 1:wildcard", NULL },
		{ "wildcard NODATA", "foo.wild.example.com", MAUTH_DNS_A, OK,
		    0, 120, NULL, NULL },
		{ "parent of wildcard", "wild.example.com", MAUTH_DNS_TXT, OK,
		    0, 120, NULL, NULL },
	};
	struct mauth_resolver *r = load_fixture();

	(void)state;
	run_cases(r, cases, sizeof(cases) / sizeof(cases[0]));
	mauth_resolver_free(r);
}

/* ---- syntax errors ----------------------------------------------------- */

static void
test_syntax_errors(void **state)
{
	static const struct {
		const char	*name;
		const char	*text;
		size_t		 len;		/* 0 = strlen */
		const char	*want;		/* substring of the message */
	} cases[] = {
		{ "bad IPv4", "a.test. IN A 1.2.3\n", 0, "t:1: bad IPv4" },
		{ "bad IPv4 line 3", "$ORIGIN x.\n\nhost IN A 999.1.1.1\n", 0,
		    "t:3: bad IPv4 address '999.1.1.1'" },
		{ "bad IPv6", "a.test. IN AAAA 2001:db8::g\n", 0,
		    "t:1: bad IPv6" },
		{ "unknown type", "a.test. 60 IN HINFO x y\n", 0,
		    "t:1: unknown record type 'HINFO'" },
		{ "unknown type line 2", "a.test. A 1.2.3.4\n  IN FOO bar\n",
		    0, "t:2: unknown record type 'FOO'" },
		{ "unterminated quote",
		    "a.test. TXT \"abc\nb.test. A 1.2.3.4\n", 0,
		    "t:1: unterminated quoted string" },
		{ "unterminated quote at EOF", "\n\na.test. TXT \"abc", 0,
		    "t:3: unterminated quoted string" },
		{ "open parenthesis",
		    "a.test. TXT ( \"x\"\n\nb.test. A 1.2.3.4\n", 0,
		    "t:1: unbalanced parenthesis" },
		{ "close parenthesis",
		    "a.test. A 1.2.3.4\nb.test. A 1.2.3.4 )\n", 0,
		    "t:2: unbalanced parenthesis" },
		{ "nested parenthesis", "a.test. TXT ( ( \"x\" ) )\n", 0,
		    "t:1: nested parenthesis" },
		{ "label 64",
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    ".test. A 1.2.3.4\n", 0, "t:1: label longer than 63" },
		{ "name too long", "$ORIGIN "
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
		    "\nbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
		    " A 1.2.3.4\n", 0, "t:2: name longer than 253" },
		{ "empty label", "a..test. A 1.2.3.4\n", 0,
		    "t:1: empty label" },
		{ "NUL byte", "a.test. A 1.2.3.4\nb.test. TXT \"x\0y\"\n", 36,
		    "t:2: NUL byte" },
		{ "NUL in comment", "a.test. A 1.2.3.4 ; x\0\n", 23,
		    "t:1: NUL byte" },
		{ "control character", "\n\na.test. TXT x\001y\n", 0,
		    "t:3: control character 0x01" },
		{ "escape character", "a.test. TXT \"\033[31m\"\n", 0,
		    "t:1: control character 0x1b" },
		{ "$INCLUDE", "$INCLUDE other.zone\n", 0,
		    "t:1: $INCLUDE is not supported" },
		{ "unknown directive", "$GENERATE 1-2 a A 1.2.3.$\n", 0,
		    "t:1: unknown directive" },
		{ "class CH", "a.test. CH TXT \"x\"\n", 0,
		    "t:1: class 'CH' is not supported" },
		{ "no previous owner", "  IN A 1.2.3.4\n", 0,
		    "t:1: no owner name" },
		{ "CNAME and other data",
		    "a.test. A 1.2.3.4\na.test. CNAME b.test.\n", 0,
		    "t:2: CNAME and other data" },
		{ "data after CNAME",
		    "a.test. CNAME b.test.\na.test. TXT x\n", 0,
		    "t:2: CNAME and other data" },
		{ "bad TTL", "a.test. 12x IN A 1.2.3.4\n", 0,
		    "t:1: bad TTL '12x'" },
		{ "TTL too big", "a.test. 2147483648 A 1.2.3.4\n", 0,
		    "t:1: bad TTL" },
		{ "missing type", "a.test. 60 IN\n", 0,
		    "t:1: missing record type" },
		{ "bad DDD escape", "a.test. TXT \"\\256\"\n", 0,
		    "t:1: bad \\DDD escape" },
		{ "short DDD escape", "a.test. TXT \"\\25\"\n", 0,
		    "t:1: bad \\DDD escape" },
		{ "bad MX preference", "a.test. MX 70000 mx.test.\n", 0,
		    "t:1: bad MX preference" },
		{ "MX missing name", "a.test. MX 10\n", 0,
		    "t:1: MX needs a preference and a name" },
		{ "SOA fields", "a.test. SOA ns.test. h.test. 1 2 3\n", 0,
		    "t:1: SOA needs 7 fields" },
		{ "A two addresses", "a.test. A 1.2.3.4 5.6.7.8\n", 0,
		    "t:1: A needs one address" },
		{ "TXT without strings", "a.test. TXT\n", 0,
		    "t:1: TXT needs at least one string" },
		{ "root owner", "@ A 1.2.3.4\n", 0,
		    "t:1: records at the root" },
		{ "escaped dot in label", "a\\.b.test. A 1.2.3.4\n", 0,
		    "t:1: label with an escaped '.'" },
		{ "quoted name", "\"a.test.\" A 1.2.3.4\n", 0,
		    "t:1: quoted string where a name" },
	};
	size_t i, len;
	char err[256];
	struct mauth_resolver *r;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = cases[i].len ? cases[i].len : strlen(cases[i].text);
		err[0] = '\0';
		r = NULL;
		rc = mauth_resolver_new_zone_mem("t", cases[i].text, len, &r,
		    err, sizeof(err));
		if (rc != MAUTH_ERR_SYNTAX || r != NULL)
			fail_msg("%s: got rc %d, want MAUTH_ERR_SYNTAX",
			    cases[i].name, rc);
		if (strstr(err, cases[i].want) == NULL)
			fail_msg("%s: got '%s', want '%s'", cases[i].name, err,
			    cases[i].want);
	}
}

static void
test_limits(void **state)
{
	struct mauth_resolver *r = NULL;
	char err[256] = "", *text, *p;
	size_t i, cap = 400 * 260 + 100;
	int rc;

	(void)state;
	/* one string of 256 bytes */
	if ((text = malloc(cap)) == NULL)
		fail_msg("malloc");
	p = text + snprintf(text, cap, "a.test. TXT \"");
	memset(p, 'x', 256);
	p += 256;
	memcpy(p, "\"\n", 3);
	rc = mauth_resolver_new_zone_mem("t", text, strlen(text), &r, err,
	    sizeof(err));
	if (rc != MAUTH_ERR_SYNTAX || strstr(err, "t:1: character-string "
	    "longer than 255") == NULL)
		fail_msg("string 256: got %d '%s', want character-string "
		    "error", rc, err);

	/* 300 strings of 255 bytes = 76500 > 65535, spread over lines */
	p = text + snprintf(text, cap, "a.test. TXT (\n");
	for (i = 0; i < 300; i++) {
		*p++ = '"';
		memset(p, 'y', 255);
		p += 255;
		*p++ = '"';
		*p++ = '\n';
	}
	memcpy(p, ")\n", 3);
	rc = mauth_resolver_new_zone_mem("t", text, strlen(text), &r, err,
	    sizeof(err));
	if (rc != MAUTH_ERR_SYNTAX || strstr(err, "TXT record longer than "
	    "65535") == NULL || strstr(err, "t:259:") == NULL)
		fail_msg("TXT 76500: got %d '%s', want t:259: TXT record "
		    "longer than 65535", rc, err);

	/* 257 strings of 255 bytes = 65535: accepted */
	p = text + snprintf(text, cap, "a.test. TXT (\n");
	for (i = 0; i < 257; i++) {
		*p++ = '"';
		memset(p, 'z', 255);
		p += 255;
		*p++ = '"';
		*p++ = '\n';
	}
	memcpy(p, ")\n", 3);
	rc = mauth_resolver_new_zone_mem("t", text, strlen(text), &r, err,
	    sizeof(err));
	if (rc != MAUTH_OK)
		fail_msg("TXT 65535: got %d '%s', want OK", rc, err);
	{
		struct mauth_dns_answer *a = NULL;

		if (mauth_resolver_query(r, NULL, "a.test", MAUTH_DNS_TXT, &a)
		    != MAUTH_DNS_ANSWER || a->nrr != 1 ||
		    a->rr[0].u.txt.len != 65535 ||
		    a->rr[0].u.txt.nstrings != 257)
			fail_msg("TXT 65535: got a wrong answer");
		mauth_dns_answer_free(a);
	}
	mauth_resolver_free(r);

	/* a physical line longer than 65536 bytes */
	free(text);
	cap = 70000 + 100;
	if ((text = malloc(cap)) == NULL)
		fail_msg("malloc");
	p = text + snprintf(text, cap, "a.test. TXT ");
	memset(p, ' ', 70000);
	p += 70000;
	memcpy(p, "x\n", 3);
	rc = mauth_resolver_new_zone_mem("t", text, strlen(text), &r, err,
	    sizeof(err));
	if (rc != MAUTH_ERR_SYNTAX || strstr(err, "t:1: line longer") == NULL)
		fail_msg("long line: got %d '%s', want line error", rc, err);
	free(text);
}

static void
test_io_and_empty(void **state)
{
	struct mauth_resolver *r = NULL;
	struct mauth_dns_answer *a = NULL;
	const char *text;
	char err[256] = "";
	int rc;

	(void)state;
	rc = mauth_resolver_new_zone(TESTDATA "/zones/unit/does-not-exist",
	    &r, err, sizeof(err));
	if (rc != MAUTH_ERR_IO || r != NULL || strstr(err, "does-not-exist")
	    == NULL)
		fail_msg("missing file: got %d '%s', want MAUTH_ERR_IO", rc,
		    err);
	rc = mauth_resolver_new_zone(TESTDATA "/zones/unit", &r, err,
	    sizeof(err));
	if (rc != MAUTH_ERR_IO)
		fail_msg("directory: got %d '%s', want MAUTH_ERR_IO", rc, err);

	/* comments only: loads, everything is NXDOMAIN */
	text = "; nothing\n\n   ; here\n";
	rc = mauth_resolver_new_zone_mem("e", text, strlen(text), &r, err,
	    sizeof(err));
	if (rc != MAUTH_OK)
		fail_msg("comments only: got %d '%s', want OK", rc, err);
	if (mauth_resolver_query(r, NULL, "a.test", MAUTH_DNS_A, &a) !=
	    MAUTH_DNS_ANSWER || a->rcode != MAUTH_RCODE_NXDOMAIN)
		fail_msg("comments only: want NXDOMAIN");
	mauth_dns_answer_free(a);
	mauth_resolver_free(r);

	/* CRLF line ends and no final newline */
	text = "$ORIGIN t.\r\na 60 IN A 10.0.0.1\r\nb IN TXT \"x\"";
	rc = mauth_resolver_new_zone_mem("crlf", text, strlen(text), &r, err,
	    sizeof(err));
	if (rc != MAUTH_OK)
		fail_msg("crlf: got %d '%s', want OK", rc, err);
	if (mauth_resolver_query(r, NULL, "b.t", MAUTH_DNS_TXT, &a) !=
	    MAUTH_DNS_ANSWER || a->nrr != 1 || a->rr[0].ttl != 60)
		fail_msg("crlf: want b.t TXT with the last TTL 60");
	mauth_dns_answer_free(a);
	mauth_resolver_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_positive),
		cmocka_unit_test(test_negative),
		cmocka_unit_test(test_cname),
		cmocka_unit_test(test_wildcard),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_io_and_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
