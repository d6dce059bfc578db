/*
 * test_authres_parse.c - the Authentication-Results parser and authserv-id
 * reader (src/lib/authres): RFC 8601 syntax with CFWS anywhere, quoting,
 * folding, hostile input (NUL, control bytes, injected header lines,
 * unterminated comments and quotes, 1 MB values, 10,000 results), and the
 * forged-header check (RFC 8601 5) against comment and quoting tricks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mauth/authres.h"
#include "util/buf.h"

/*
 * render - canonical text of a parse: id [vN]; then "; none [(c)]" or per
 * result "; method[/v]=result [reason=[r]] [(c)]" and " ptype.prop=[value]
 * [(c)]" per property.
 */
static void
render(const struct mauth_authres *ar, struct buf *b)
{
	const struct mauth_authres_result *r;
	size_t i, j;

	buf_printf(b, "[%s]", mauth_authres_authserv_id(ar));
	if (mauth_authres_version(ar) >= 0)
		buf_printf(b, " v%d", mauth_authres_version(ar));
	if (mauth_authres_nresults(ar) == 0) {
		buf_puts(b, "; none");
		if (mauth_authres_none_comment(ar) != NULL)
			buf_printf(b, " (%s)", mauth_authres_none_comment(ar));
	}
	for (i = 0; i < mauth_authres_nresults(ar); i++) {
		r = mauth_authres_result(ar, i);
		buf_printf(b, "; %s", r->method);
		if (r->version >= 0)
			buf_printf(b, "/%d", r->version);
		buf_printf(b, "=%s", r->result);
		if (r->reason != NULL)
			buf_printf(b, " reason=[%s]", r->reason);
		if (r->comment != NULL)
			buf_printf(b, " (%s)", r->comment);
		for (j = 0; j < r->nprops; j++) {
			buf_printf(b, " %s.%s=[%s]", r->props[j].ptype,
			    r->props[j].property, r->props[j].value);
			if (r->props[j].comment != NULL)
				buf_printf(b, " (%s)", r->props[j].comment);
		}
	}
}

struct valid_case {
	const char	*name;
	const char	*in;
	const char	*want;
};

static const struct valid_case valid[] = {
	{ "minimal", "example.com; spf=pass smtp.mailfrom=example.net",
	    "[example.com]; spf=pass smtp.mailfrom=[example.net]" },
	{ "leading space as after the colon", " example.com; none",
	    "[example.com]; none" },
	{ "none with comment", "example.com; none (nothing checked)",
	    "[example.com]; none (nothing checked)" },
	{ "none case-insensitive", "example.com;NONE", "[example.com]; none" },
	{ "version", "example.com 1; none", "[example.com] v1; none" },
	{ "version after comment", "example.com(c)1; none",
	    "[example.com] v1; none" },
	{ "method version", "example.com; dkim/1=pass header.d=a.example",
	    "[example.com]; dkim/1=pass header.d=[a.example]" },
	{ "method version with CFWS",
	    "example.com; dkim (x) / (y) 1 = (z) pass",
	    "[example.com]; dkim/1=pass (x y z)" },
	{ "keywords lower-cased, values kept",
	    "example.com; SPF=PASS SMTP.MailFrom=User@Example.NET",
	    "[example.com]; spf=pass smtp.mailfrom=[User@Example.NET]" },
	{ "reason token", "example.com; spf=fail reason=nope",
	    "[example.com]; spf=fail reason=[nope]" },
	{ "reason quoted with escapes",
	    "example.com; spf=fail reason=\"a \\\"b\\\" c\\\\d; e\"",
	    "[example.com]; spf=fail reason=[a \"b\" c\\d; e]" },
	{ "reason then props",
	    "example.com; dkim=fail reason=\"bad sig\" header.d=x.example "
	    "header.b=abcd1234",
	    "[example.com]; dkim=fail reason=[bad sig] header.d=[x.example] "
	    "header.b=[abcd1234]" },
	{ "ptype named reason",
	    "example.com; x=pass reason.foo=bar",
	    "[example.com]; x=pass reason.foo=[bar]" },
	{ "ptype starting with reason",
	    "example.com; x=pass reasons.foo=bar",
	    "[example.com]; x=pass reasons.foo=[bar]" },
	{ "result comment", "example.com; dkim=pass (good signature) "
	    "header.i=@example.org",
	    "[example.com]; dkim=pass (good signature) header.i=[@example.org]" },
	{ "nested comment", "example.com; spf=pass (a (b (c)) d) "
	    "smtp.helo=h.example",
	    "[example.com]; spf=pass (a (b (c)) d) smtp.helo=[h.example]" },
	{ "comment quoted-pair", "example.com; spf=pass (a \\) b \\( c)",
	    "[example.com]; spf=pass (a ) b ( c)" },
	{ "property comment", "example.com; iprev=pass "
	    "policy.iprev=192.0.2.1 (mail.example.org)",
	    "[example.com]; iprev=pass policy.iprev=[192.0.2.1] "
	    "(mail.example.org)" },
	{ "comments before id are skipped",
	    "(x) (y (z)) example.com; none", "[example.com]; none" },
	{ "quoted authserv-id", "\"example.com\"; none",
	    "[example.com]; none" },
	{ "quoted authserv-id with space",
	    "(c) \"exa mple\" (d); none", "[exa mple]; none" },
	{ "folded CRLF", "example.com;\r\n\tspf=pass\r\n  smtp.mailfrom="
	    "a@example.net;\r\n dkim=none",
	    "[example.com]; spf=pass smtp.mailfrom=[a@example.net]; "
	    "dkim=none" },
	{ "folded LF", "example.com;\n\tspf=pass\n\tsmtp.helo=h.example",
	    "[example.com]; spf=pass smtp.helo=[h.example]" },
	{ "fold inside quoted-string is removed",
	    "example.com; spf=pass reason=\"a\r\n b\"",
	    "[example.com]; spf=pass reason=[a b]" },
	{ "fold inside comment", "example.com; spf=pass (a\r\n\tb)",
	    "[example.com]; spf=pass (a\tb)" },
	{ "trailing CRLF", "example.com; none\r\n", "[example.com]; none" },
	{ "trailing LF", "example.com; spf=pass\n",
	    "[example.com]; spf=pass" },
	{ "no space after semicolons", "example.com;spf=pass;dkim=fail",
	    "[example.com]; spf=pass; dkim=fail" },
	{ "CFWS around dot and equals",
	    "example.com; spf=pass smtp (c) . (d) mailfrom (e) = (f) "
	    "a@b.example (g)",
	    "[example.com]; spf=pass smtp.mailfrom=[a@b.example] "
	    "(c d e f g)" },
	{ "quoted pvalue", "example.com; iprev=pass "
	    "policy.iprev=\"2001:db8::1\"",
	    "[example.com]; iprev=pass policy.iprev=[2001:db8::1]" },
	{ "quoted local-part keeps its quotes",
	    "example.com; spf=pass smtp.mailfrom=\"john doe\"@example.net",
	    "[example.com]; spf=pass smtp.mailfrom=[\"john doe\"@example.net]" },
	{ "quoted local-part re-quoted minimally",
	    "example.com; spf=pass smtp.mailfrom=\"j\\o\\\"e\"@example.net",
	    "[example.com]; spf=pass smtp.mailfrom=[\"jo\\\"e\"@example.net]" },
	{ "at-domain", "example.com; dkim=pass header.i=@example.org",
	    "[example.com]; dkim=pass header.i=[@example.org]" },
	{ "base64 header.b", "example.com; dkim=pass header.b=Qg+/Fo=C",
	    "[example.com]; dkim=pass header.b=[Qg+/Fo=C]" },
	{ "empty quoted pvalue", "example.com; x=pass smtp.mailfrom=\"\"",
	    "[example.com]; x=pass smtp.mailfrom=[]" },
	{ "unknown ptype kept", "example.com; dmarc=pass header.from=a.example "
	    "polrec.p=reject polrec.domain=a.example",
	    "[example.com]; dmarc=pass header.from=[a.example] "
	    "polrec.p=[reject] polrec.domain=[a.example]" },
	{ "property without ptype dropped",
	    "example.com; x-tls=pass version=TLSv1.2 smtp.a=b",
	    "[example.com]; x-tls=pass smtp.a=[b]" },
	{ "comment right after value (CVE-2020-12272 shape)",
	    "example.com; spf=pass smtp.mailfrom=example.net(.example.com)",
	    "[example.com]; spf=pass smtp.mailfrom=[example.net] "
	    "(.example.com)" },
	{ "our id as a property value",
	    "other.example; spf=pass smtp.mailfrom=mx.example.org",
	    "[other.example]; spf=pass smtp.mailfrom=[mx.example.org]" },
	{ "8-bit in quoted-string and comment",
	    "example.com; x=pass (caf\xc3\xa9) reason=\"\xc3\xa9t\xc3\xa9\"",
	    "[example.com]; x=pass reason=[\xc3\xa9t\xc3\xa9] (caf\xc3\xa9)" },
	{ "method named none", "example.com; none=pass",
	    "[example.com]; none=pass" },
	{ "tab separated", "example.com;\tspf=pass\tsmtp.helo=h",
	    "[example.com]; spf=pass smtp.helo=[h]" },
};

/* test_valid - inputs that parse, and what they give */
static void
test_valid(void **state)
{
	struct mauth_authres *ar;
	struct buf b;
	char err[256];
	size_t i;
	int rc, nbad = 0;

	(void)state;
	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		const struct valid_case *c = &valid[i];

		err[0] = '\0';
		rc = mauth_authres_parse(c->in, strlen(c->in), &ar, err,
		    sizeof(err));
		if (rc != MAUTH_OK) {
			print_error("%s: got error %d (%s), want success\n",
			    c->name, rc, err);
			nbad++;
			continue;
		}
		buf_init(&b, 0);
		render(ar, &b);
		if (b.err || strcmp(b.data, c->want) != 0) {
			print_error("%s: got '%s', want '%s'\n", c->name,
			    b.data ? b.data : "", c->want);
			nbad++;
		}
		buf_free(&b);
		mauth_authres_free(ar);
	}
	if (nbad)
		fail_msg("%d valid case(s) failed", nbad);
}

struct invalid_case {
	const char	*name;
	const char	*in;
	size_t		 len;	/* 0: strlen */
	int		 want;
};

static const struct invalid_case invalid[] = {
	{ "empty", "", 0, MAUTH_ERR_SYNTAX },
	{ "only CFWS", " (c) ", 0, MAUTH_ERR_SYNTAX },
	{ "id only", "example.com", 0, MAUTH_ERR_SYNTAX },
	{ "empty quoted id (fuzz)", "\"\" (x); spf=pass (a \\\xec b)(c)", 0,
	    MAUTH_ERR_SYNTAX },
	{ "trailing semicolon", "example.com; spf=pass;", 0, MAUTH_ERR_SYNTAX },
	{ "empty resinfo", "example.com;; spf=pass", 0, MAUTH_ERR_SYNTAX },
	{ "missing semicolon", "example.com spf=pass", 0, MAUTH_ERR_SYNTAX },
	{ "missing result", "example.com; spf=", 0, MAUTH_ERR_SYNTAX },
	{ "missing equals", "example.com; spf pass", 0, MAUTH_ERR_SYNTAX },
	{ "none then more", "example.com; none; spf=pass", 0,
	    MAUTH_ERR_SYNTAX },
	{ "none after result", "example.com; spf=pass; none", 0,
	    MAUTH_ERR_SYNTAX },
	{ "unterminated comment before id", "(example.com; none", 0,
	    MAUTH_ERR_SYNTAX },
	{ "unterminated nested comment", "example.com; none (a (b)", 0,
	    MAUTH_ERR_SYNTAX },
	{ "unterminated comment in value (CVE-2020-12272 shape)",
	    "example.com; spf=pass smtp.mailfrom=example.net(.example.com",
	    0, MAUTH_ERR_SYNTAX },
	{ "unterminated quoted id", "\"example.com; none", 0,
	    MAUTH_ERR_SYNTAX },
	{ "unterminated reason", "example.com; spf=pass reason=\"abc", 0,
	    MAUTH_ERR_SYNTAX },
	{ "quoted-pair at end", "example.com; spf=pass reason=\"abc\\", 0,
	    MAUTH_ERR_SYNTAX },
	{ "unquoted IPv6 value", "example.com; iprev=pass "
	    "policy.iprev=2001:db8::1", 0, MAUTH_ERR_SYNTAX },
	{ "second authserv-id", "a.example; dkim=none header.d=none;"
	    "b.example; dmarc=none", 0, MAUTH_ERR_SYNTAX },
	{ "NUL in id", "exa\0mple.com; none", 17, MAUTH_ERR_SYNTAX },
	{ "NUL in comment", "example.com; none (a\0b)", 23,
	    MAUTH_ERR_SYNTAX },
	{ "NUL in quoted value", "example.com; x=y reason=\"a\0b\"", 29,
	    MAUTH_ERR_SYNTAX },
	{ "NUL after value", "example.com; none\0", 18, MAUTH_ERR_SYNTAX },
	{ "control byte in quoted-string", "example.com; x=y reason=\"a\x01\"",
	    0, MAUTH_ERR_SYNTAX },
	{ "escaped control byte", "example.com; x=y reason=\"a\\\x1b\"", 0,
	    MAUTH_ERR_SYNTAX },
	{ "DEL in comment", "example.com; none (\x7f)", 0, MAUTH_ERR_SYNTAX },
	{ "injected header line", "example.com; spf=pass\r\nX-Evil: 1", 0,
	    MAUTH_ERR_SYNTAX },
	{ "injected header line LF", "example.com; spf=pass\nX-Evil: 1", 0,
	    MAUTH_ERR_SYNTAX },
	{ "bare CR", "example.com;\r spf=pass", 0, MAUTH_ERR_SYNTAX },
	{ "blank line", "example.com; spf=pass\r\n\r\n", 0, MAUTH_ERR_SYNTAX },
	{ "line break inside quoted without WSP",
	    "example.com; x=y reason=\"a\r\nb\"", 0, MAUTH_ERR_SYNTAX },
	{ "folded authserv-id", "exam\r\n ple.com; none", 0,
	    MAUTH_ERR_SYNTAX },
	{ "version without space", "\"example.com\"1; none", 0,
	    MAUTH_ERR_SYNTAX },
	{ "method version too big", "example.com; dkim/9999999999=pass", 0,
	    MAUTH_ERR_SYNTAX },
	{ "property without value", "example.com; spf=pass smtp.mailfrom=", 0,
	    MAUTH_ERR_SYNTAX },
	{ "property without name", "example.com; spf=pass smtp.=x", 0,
	    MAUTH_ERR_SYNTAX },
	{ "quoted local-part without domain",
	    "example.com; spf=pass smtp.mailfrom=\"a\"@", 0, MAUTH_ERR_SYNTAX },
	{ "stray character", "example.com; spf=pass smtp.helo=a [b]", 0,
	    MAUTH_ERR_SYNTAX },
	{ "8-bit in token", "example.com; spf=pass smtp.helo=caf\xc3\xa9", 0,
	    MAUTH_ERR_SYNTAX },
};

/* test_invalid - inputs that must be refused, with the right status */
static void
test_invalid(void **state)
{
	struct mauth_authres *ar;
	char err[256];
	size_t i, len;
	int rc, nbad = 0;

	(void)state;
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		const struct invalid_case *c = &invalid[i];

		len = c->len ? c->len : strlen(c->in);
		err[0] = '\0';
		ar = (struct mauth_authres *)1;
		rc = mauth_authres_parse(c->in, len, &ar, err, sizeof(err));
		if (rc != c->want || ar != NULL || err[0] == '\0') {
			print_error("%s: got %d (%s), want %d and a reason\n",
			    c->name, rc, err, c->want);
			if (rc == MAUTH_OK)
				mauth_authres_free(ar);
			nbad++;
		}
	}
	if (nbad)
		fail_msg("%d invalid case(s) failed", nbad);
}

/* test_limits - 1 MB value, 10,000 results, deep nesting, long values */
static void
test_limits(void **state)
{
	struct mauth_authres *ar = NULL;
	struct buf b;
	char *big;
	size_t n = 1024 * 1024, i;
	int rc;

	(void)state;
	/* 1 MB value: refused before any work; the id is still readable */
	big = malloc(n);
	if (big == NULL)
		fail_msg("1 MB: out of memory");
	memcpy(big, "mx.example.org; spf=pass reason=\"", 33);
	memset(big + 33, 'a', n - 34);
	big[n - 1] = '"';
	rc = mauth_authres_parse(big, n, &ar, NULL, 0);
	if (rc != MAUTH_ERR_LIMIT)
		fail_msg("1 MB value: got %d, want MAUTH_ERR_LIMIT", rc);
	rc = mauth_authres_is_ours(big, n, "mx.example.org");
	if (rc != 1)
		fail_msg("1 MB value is_ours: got %d, want 1", rc);
	/* 1 MB comment before the id: still read, linearly */
	big[0] = '(';
	memset(big + 1, 'x', n - 40);
	memcpy(big + n - 39, ") mx.example.org; none", 22);
	memset(big + n - 17, ' ', 17);
	rc = mauth_authres_is_ours(big, n, "mx.example.org");
	if (rc != 1)
		fail_msg("1 MB comment then id: got %d, want 1", rc);
	/* 100,000 nested comments: iterative, no stack growth */
	for (i = 0; i < 100000; i++) {
		big[i] = '(';
		big[200000 - 1 - i] = ')';
	}
	memcpy(big + 200000, " mx.example.org; none", 21);
	rc = mauth_authres_is_ours(big, 200021, "mx.example.org");
	if (rc != 1)
		fail_msg("deep nesting: got %d, want 1", rc);
	free(big);

	/* 10,000 resinfo: over the result ceiling */
	buf_init(&b, 0);
	buf_puts(&b, "mx.example.org");
	for (i = 0; i < 10000; i++)
		buf_puts(&b, "; spf=pass");
	rc = mauth_authres_parse(b.data, b.len, &ar, NULL, 0);
	if (rc != MAUTH_ERR_LIMIT)
		fail_msg("10,000 results: got %d, want MAUTH_ERR_LIMIT", rc);
	buf_free(&b);

	/* exactly the ceiling is fine */
	buf_init(&b, 0);
	buf_puts(&b, "mx.example.org");
	for (i = 0; i < MAUTH_AUTHRES_MAX_RESULTS; i++)
		buf_puts(&b, "; spf=pass");
	rc = mauth_authres_parse(b.data, b.len, &ar, NULL, 0);
	if (rc != MAUTH_OK ||
	    mauth_authres_nresults(ar) != MAUTH_AUTHRES_MAX_RESULTS)
		fail_msg("256 results: got %d, want success with 256", rc);
	mauth_authres_free(ar);
	buf_free(&b);

	/* 257 properties in one result */
	buf_init(&b, 0);
	buf_puts(&b, "mx.example.org; x=pass");
	for (i = 0; i <= MAUTH_AUTHRES_MAX_PROPS; i++)
		buf_puts(&b, " a.b=c");
	rc = mauth_authres_parse(b.data, b.len, &ar, NULL, 0);
	if (rc != MAUTH_ERR_LIMIT)
		fail_msg("257 properties: got %d, want MAUTH_ERR_LIMIT", rc);
	buf_free(&b);

	/* a value over MAUTH_AUTHRES_MAX_VALUE */
	buf_init(&b, 0);
	buf_puts(&b, "mx.example.org; x=pass a.b=");
	for (i = 0; i <= MAUTH_AUTHRES_MAX_VALUE; i++)
		buf_putc(&b, 'v');
	rc = mauth_authres_parse(b.data, b.len, &ar, NULL, 0);
	if (rc != MAUTH_ERR_LIMIT)
		fail_msg("long value: got %d, want MAUTH_ERR_LIMIT", rc);
	buf_free(&b);
}

/* test_bounds - the parser stops at len, even without a NUL after it */
static void
test_bounds(void **state)
{
	static const char text[] = "mx.example.org; spf=pass "
	    "smtp.mailfrom=a@b.example (comment)";
	struct mauth_authres *ar;
	size_t n, cut;
	char *p;
	int rc;

	(void)state;
	/* every prefix, in an exact-size heap copy (ASan sees an overread) */
	for (cut = 0; cut <= sizeof(text) - 1; cut++) {
		n = cut;
		p = malloc(n ? n : 1);
		if (p == NULL)
			fail_msg("bounds: out of memory");
		memcpy(p, text, n);
		rc = mauth_authres_parse(p, n, &ar, NULL, 0);
		if (rc == MAUTH_OK)
			mauth_authres_free(ar);
		free(p);
	}
	rc = mauth_authres_parse(text, 24, &ar, NULL, 0);
	if (rc != MAUTH_OK ||
	    strcmp(mauth_authres_result(ar, 0)->result, "pass") != 0)
		fail_msg("prefix: got %d, want spf=pass from 24 bytes", rc);
	mauth_authres_free(ar);
	rc = mauth_authres_parse(text, 22, &ar, NULL, 0);
	if (rc != MAUTH_OK ||
	    strcmp(mauth_authres_result(ar, 0)->result, "pa") != 0)
		fail_msg("shorter prefix: got %d, want spf=pa", rc);
	mauth_authres_free(ar);
	if (mauth_authres_parse(NULL, 0, &ar, NULL, 0) != MAUTH_ERR_INVAL)
		fail_msg("NULL value: want MAUTH_ERR_INVAL");
}

/* test_accessors - prop_value, result index bounds */
static void
test_accessors(void **state)
{
	static const char text[] = "mx.example.org; dkim=pass header.d=a.example "
	    "header.I=@a.example; dmarc=fail header.from=b.example "
	    "policy.dmarc=reject";
	struct mauth_authres *ar;
	const char *v;

	(void)state;
	if (mauth_authres_parse(text, strlen(text), &ar, NULL, 0) != MAUTH_OK)
		fail_msg("accessors: parse failed");
	v = mauth_authres_prop_value(mauth_authres_result(ar, 0), "HEADER",
	    "i");
	if (v == NULL || strcmp(v, "@a.example") != 0)
		fail_msg("header.i: got %s, want @a.example", v ? v : "NULL");
	v = mauth_authres_prop_value(mauth_authres_result(ar, 1), "policy",
	    "dmarc");
	if (v == NULL || strcmp(v, "reject") != 0)
		fail_msg("policy.dmarc: got %s, want reject", v ? v : "NULL");
	if (mauth_authres_prop_value(mauth_authres_result(ar, 1), "smtp",
	    "mailfrom") != NULL)
		fail_msg("absent property: got a value, want NULL");
	if (mauth_authres_result(ar, 2) != NULL)
		fail_msg("result 2: got a result, want NULL");
	if (mauth_authres_version(ar) != -1)
		fail_msg("version: got %d, want -1", mauth_authres_version(ar));
	mauth_authres_free(ar);
	mauth_authres_free(NULL);
}

struct id_case {
	const char	*name;
	const char	*in;
	size_t		 len;	/* 0: strlen */
	int		 ours;	/* is_ours for "mx.example.org" */
	const char	*id;	/* authserv_id_get, NULL: error */
};

static const struct id_case ids[] = {
	{ "plain", "mx.example.org; spf=pass", 0, 1, "mx.example.org" },
	{ "case-insensitive", "MX.Example.ORG; none", 0, 1, "MX.Example.ORG" },
	{ "trailing dot", "mx.example.org.; none", 0, 1, "mx.example.org." },
	{ "other id", "evil.example; spf=pass", 0, 0, "evil.example" },
	{ "longer id with ours as prefix", "mx.example.org.evil.example; none",
	    0, 0, "mx.example.org.evil.example" },
	{ "ours as suffix", "evilmx.example.org; none", 0, 0,
	    "evilmx.example.org" },
	{ "comment before id", "(mx.example.org) evil.example; none", 0, 0,
	    "evil.example" },
	{ "comment before ours", "(evil.example) mx.example.org; none", 0, 1,
	    "mx.example.org" },
	{ "nested comments before ours", "((a) (b (c))) mx.example.org; none",
	    0, 1, "mx.example.org" },
	{ "ours in a comment after the id",
	    "evil.example (mx.example.org); spf=pass", 0, 0, "evil.example" },
	{ "ours as a property value",
	    "evil.example; spf=pass smtp.helo=mx.example.org", 0, 0,
	    "evil.example" },
	{ "quoted ours", "\"mx.example.org\"; dkim=pass", 0, 1,
	    "mx.example.org" },
	{ "quoted with quoted-pairs", "\"mx\\.example\\.org\"; none", 0, 1,
	    "mx.example.org" },
	{ "folded before id", "\r\n\tmx.example.org; none", 0, 1,
	    "mx.example.org" },
	{ "folded comment before id", "(a\r\n b)\r\n mx.example.org; none", 0,
	    1, "mx.example.org" },
	{ "folded inside the id", "mx.exam\r\n ple.org; none", 0, 0,
	    "mx.exam" },
	{ "folded inside quoted id", "\"mx.exam\r\n ple.org\"; none", 0, 0,
	    "mx.exam ple.org" },
	{ "malformed rest still ours", "mx.example.org spf=pass !!", 0, 1,
	    "mx.example.org" },
	{ "ours then garbage bytes", "mx.example.org\x01\x02", 0, 1,
	    "mx.example.org" },
	{ "id ended by a NUL", "mx.example.org\0evil", 19, 1,
	    "mx.example.org" },
	{ "unterminated comment", "(mx.example.org; none", 0,
	    MAUTH_ERR_SYNTAX, NULL },
	{ "unterminated quote", "\"mx.example.org; none", 0,
	    MAUTH_ERR_SYNTAX, NULL },
	{ "no id", "; spf=pass", 0, MAUTH_ERR_SYNTAX, NULL },
	{ "empty", "", 0, MAUTH_ERR_SYNTAX, NULL },
	{ "empty quoted id", "\"\" (mx.example.org); none", 0,
	    MAUTH_ERR_SYNTAX, NULL },
	{ "NUL before id", "\0mx.example.org", 15, MAUTH_ERR_SYNTAX, NULL },
	{ "injected line before id", "\r\nmx.example.org; none", 0,
	    MAUTH_ERR_SYNTAX, NULL },
};

/* test_authserv_id - the forged-header check (RFC 8601 5) */
static void
test_authserv_id(void **state)
{
	char buf[128];
	size_t i, len;
	int rc, nbad = 0;

	(void)state;
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const struct id_case *c = &ids[i];

		len = c->len ? c->len : strlen(c->in);
		rc = mauth_authres_is_ours(c->in, len, "mx.example.org");
		if (rc != c->ours) {
			print_error("%s: is_ours got %d, want %d\n", c->name,
			    rc, c->ours);
			nbad++;
		}
		rc = mauth_authres_authserv_id_get(c->in, len, buf,
		    sizeof(buf));
		if ((c->id == NULL && rc == MAUTH_OK) ||
		    (c->id != NULL && (rc != MAUTH_OK ||
		    strcmp(buf, c->id) != 0))) {
			print_error("%s: authserv_id_get got %d '%s', want "
			    "'%s'\n", c->name, rc, rc == MAUTH_OK ? buf : "",
			    c->id ? c->id : "(error)");
			nbad++;
		}
	}
	/* the full parser agrees with the id reader */
	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		struct mauth_authres *ar;

		if (mauth_authres_parse(valid[i].in, strlen(valid[i].in), &ar,
		    NULL, 0) != MAUTH_OK)
			continue;
		rc = mauth_authres_authserv_id_get(valid[i].in,
		    strlen(valid[i].in), buf, sizeof(buf));
		if (rc != MAUTH_OK ||
		    strcmp(buf, mauth_authres_authserv_id(ar)) != 0) {
			print_error("%s: id reader got '%s', parser '%s'\n",
			    valid[i].name, buf, mauth_authres_authserv_id(ar));
			nbad++;
		}
		mauth_authres_free(ar);
	}
	if (mauth_authres_authserv_id_get("mx.example.org; none", 20, buf,
	    5) != MAUTH_ERR_LIMIT)
		fail_msg("small buffer: want MAUTH_ERR_LIMIT");
	if (mauth_authres_is_ours("x; none", 7, "") != MAUTH_ERR_INVAL)
		fail_msg("empty our_id: want MAUTH_ERR_INVAL");
	if (nbad)
		fail_msg("%d authserv-id case(s) failed", nbad);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_accessors),
		cmocka_unit_test(test_authserv_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
