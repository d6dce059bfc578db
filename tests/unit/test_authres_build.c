/*
 * test_authres_build.c - the Authentication-Results builder
 * (src/lib/authres/authres_build.c): quoting of values, reasons, ids and
 * comments; refusal of control bytes and bad keywords; the spf / dkim /
 * dmarc helpers; folding; ceilings; and a seeded round trip of a few hundred
 * generated headers through the parser.
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

/* one_prop - "x.example; m=pass a.b=<value>" built, or NULL on error */
static char *
one_prop(const char *value, size_t len, int *rc)
{
	struct mauth_authres_builder *b;
	char *text = NULL;

	if ((*rc = mauth_authres_builder_new("x.example", &b)) != MAUTH_OK)
		return NULL;
	if ((*rc = mauth_authres_builder_add_result(b, "m", -1, "pass", NULL,
	    NULL)) == MAUTH_OK &&
	    (*rc = mauth_authres_builder_add_prop(b, "a", "b", value, len,
	    NULL)) == MAUTH_OK)
		*rc = mauth_authres_builder_finish(b, MAUTH_AUTHRES_FOLD_NONE,
		    &text, NULL);
	mauth_authres_builder_free(b);
	return text;
}

struct quote_case {
	const char	*name;
	const char	*value;
	const char	*want;	/* the text after "a.b=" */
};

static const struct quote_case quotes[] = {
	{ "token", "example.net", "example.net" },
	{ "address", "user@example.net", "user@example.net" },
	{ "at-domain", "@example.net", "@example.net" },
	{ "base64 with plus", "Qg+FoC0a", "Qg+FoC0a" },
	{ "base64 with slash is quoted (not a token)", "Qgi/FoC0",
	    "\"Qgi/FoC0\"" },
	{ "equals is quoted", "ab=", "\"ab=\"" },
	{ "slash in local-part is an address", "a/b@example.net",
	    "a/b@example.net" },
	{ "domain with underscore", "u@_spf.example.net",
	    "u@_spf.example.net" },
	{ "address with bad domain char", "u@exa/mple", "\"u@exa/mple\"" },
	{ "space", "a b", "\"a b\"" },
	{ "double quote", "a\"b", "\"a\\\"b\"" },
	{ "backslash", "a\\b", "\"a\\\\b\"" },
	{ "semicolon", "a;b", "\"a;b\"" },
	{ "parentheses", "a(b)", "\"a(b)\"" },
	{ "colon (IPv6)", "2001:db8::1", "\"2001:db8::1\"" },
	{ "brackets", "[192.0.2.1]", "\"[192.0.2.1]\"" },
	{ "comma", "a,b", "\"a,b\"" },
	{ "empty", "", "\"\"" },
	{ "tab", "a\tb", "\"a\tb\"" },
	{ "8-bit", "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
	{ "valid quoted local-part stays", "\"john doe\"@example.net",
	    "\"john doe\"@example.net" },
	{ "non-minimal quoted local-part is quoted whole",
	    "\"j\\o\"@example.net", "\"\\\"j\\\\o\\\"@example.net\"" },
	{ "quote only", "\"", "\"\\\"\"" },
	{ "leading quote", "\"a\" b", "\"\\\"a\\\" b\"" },
	{ "spaces around", " a ", "\" a \"" },
};

/* test_quoting - property values: bare when they re-parse, else quoted */
static void
test_quoting(void **state)
{
	char *text;
	size_t i;
	int rc, nbad = 0;
	const char *prefix = "x.example; m=pass a.b=";

	(void)state;
	for (i = 0; i < sizeof(quotes) / sizeof(quotes[0]); i++) {
		const struct quote_case *c = &quotes[i];

		text = one_prop(c->value, strlen(c->value), &rc);
		if (text == NULL || strncmp(text, prefix, strlen(prefix)) ||
		    strcmp(text + strlen(prefix), c->want) != 0) {
			print_error("%s: got '%s' (%d), want '%s%s'\n",
			    c->name, text ? text : "", rc, prefix, c->want);
			nbad++;
		}
		free(text);
	}
	if (nbad)
		fail_msg("%d quoting case(s) failed", nbad);
}

struct text_case {
	const char	*name;
	const char	*id;
	const char	*reason;
	const char	*comment;
	const char	*want;
};

static const struct text_case texts[] = {
	{ "token id", "mx.example.org", NULL, NULL,
	    "mx.example.org; m=pass" },
	{ "id with space quoted", "mx example", NULL, NULL,
	    "\"mx example\"; m=pass" },
	{ "id with slash quoted", "a/b", NULL, NULL, "\"a/b\"; m=pass" },
	{ "reason token", "x", "nope", NULL, "x; m=pass reason=nope" },
	{ "reason with space", "x", "bad sig", NULL,
	    "x; m=pass reason=\"bad sig\"" },
	{ "reason with quote and backslash", "x", "a \"b\" c\\d", NULL,
	    "x; m=pass reason=\"a \\\"b\\\" c\\\\d\"" },
	{ "reason with semicolon", "x", "a; b=c", NULL,
	    "x; m=pass reason=\"a; b=c\"" },
	{ "reason with at sign", "x", "a@b", NULL,
	    "x; m=pass reason=\"a@b\"" },
	{ "empty reason", "x", "", NULL, "x; m=pass reason=\"\"" },
	{ "comment", "x", NULL, "good signature",
	    "x; m=pass (good signature)" },
	{ "comment with parentheses", "x", NULL, "a (b) c\\",
	    "x; m=pass (a \\(b\\) c\\\\)" },
	{ "comment then reason", "x", "r", "c", "x; m=pass (c) reason=r" },
};

/* test_texts - authserv-id, reason and comment quoting */
static void
test_texts(void **state)
{
	struct mauth_authres_builder *b;
	char *text;
	size_t i;
	int rc, nbad = 0;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		const struct text_case *c = &texts[i];

		text = NULL;
		if ((rc = mauth_authres_builder_new(c->id, &b)) == MAUTH_OK &&
		    (rc = mauth_authres_builder_add_result(b, "M", -1, "Pass",
		    c->reason, c->comment)) == MAUTH_OK)
			rc = mauth_authres_builder_finish(b,
			    MAUTH_AUTHRES_FOLD_NONE, &text, NULL);
		if (rc != MAUTH_OK || strcmp(text, c->want) != 0) {
			print_error("%s: got '%s' (%d), want '%s'\n", c->name,
			    text ? text : "", rc, c->want);
			nbad++;
		}
		free(text);
		mauth_authres_builder_free(b);
	}
	if (nbad)
		fail_msg("%d text case(s) failed", nbad);
}

/* test_refusals - control bytes, NUL, bad keywords, misuse, ceilings */
static void
test_refusals(void **state)
{
	struct mauth_authres_builder *b;
	char *text, big[MAUTH_AUTHRES_MAX_VALUE + 2];
	size_t i;
	int rc;

	(void)state;
	if (mauth_authres_builder_new("", &b) != MAUTH_ERR_INVAL)
		fail_msg("empty id: want MAUTH_ERR_INVAL");
	if (mauth_authres_builder_new("a\r\nX-Evil: 1", &b) != MAUTH_ERR_INVAL)
		fail_msg("CRLF in id: want MAUTH_ERR_INVAL");
	if (mauth_authres_builder_new(NULL, &b) != MAUTH_ERR_INVAL)
		fail_msg("NULL id: want MAUTH_ERR_INVAL");
	if (mauth_authres_builder_new("mx", &b) != MAUTH_OK)
		fail_msg("builder_new failed");
	if (mauth_authres_builder_add_prop(b, "a", "b", "c", 1, NULL) !=
	    MAUTH_ERR_INVAL)
		fail_msg("prop before result: want MAUTH_ERR_INVAL");
	if (mauth_authres_builder_set_comment(b, "c") != MAUTH_ERR_INVAL)
		fail_msg("comment before result: want MAUTH_ERR_INVAL");
	if (mauth_authres_builder_add_result(b, "sp f", -1, "pass", NULL,
	    NULL) != MAUTH_ERR_INVAL)
		fail_msg("space in method: want MAUTH_ERR_INVAL");
	if (mauth_authres_builder_add_result(b, "spf", -1, "pa=ss", NULL,
	    NULL) != MAUTH_ERR_INVAL)
		fail_msg("'=' in result: want MAUTH_ERR_INVAL");
	if (mauth_authres_builder_add_result(b, "", -1, "pass", NULL, NULL) !=
	    MAUTH_ERR_INVAL)
		fail_msg("empty method: want MAUTH_ERR_INVAL");
	if (mauth_authres_builder_add_result(b, "spf", -2, "pass", NULL,
	    NULL) != MAUTH_ERR_INVAL)
		fail_msg("version -2: want MAUTH_ERR_INVAL");
	if (mauth_authres_builder_add_result(b, "spf", -1, "pass", "a\nb",
	    NULL) != MAUTH_ERR_INVAL)
		fail_msg("LF in reason: want MAUTH_ERR_INVAL");
	if (mauth_authres_builder_add_result(b, "spf", -1, "pass", NULL,
	    "a\x7f") != MAUTH_ERR_INVAL)
		fail_msg("DEL in comment: want MAUTH_ERR_INVAL");
	if (mauth_authres_builder_add_result(b, "spf", -1, "pass", NULL,
	    NULL) != MAUTH_OK)
		fail_msg("add_result failed");
	if (mauth_authres_builder_add_prop(b, "smtp", "mailfrom", "a\0b", 3,
	    NULL) != MAUTH_ERR_INVAL)
		fail_msg("NUL in value: want MAUTH_ERR_INVAL");
	if (mauth_authres_builder_add_prop(b, "smtp", "mailfrom", "a\r\n b",
	    5, NULL) != MAUTH_ERR_INVAL)
		fail_msg("CRLF in value: want MAUTH_ERR_INVAL");
	if (mauth_authres_builder_add_prop(b, "sm.tp", "mailfrom", "a", 1,
	    NULL) != MAUTH_ERR_INVAL)
		fail_msg("dot in ptype: want MAUTH_ERR_INVAL");
	memset(big, 'a', sizeof(big));
	if (mauth_authres_builder_add_prop(b, "a", "b", big,
	    MAUTH_AUTHRES_MAX_VALUE + 1, NULL) != MAUTH_ERR_LIMIT)
		fail_msg("long value: want MAUTH_ERR_LIMIT");
	for (i = 0; i < MAUTH_AUTHRES_MAX_PROPS; i++)
		if (mauth_authres_builder_add_prop(b, "a", "b", "c", 1,
		    NULL) != MAUTH_OK)
			fail_msg("prop %zu: want MAUTH_OK", i);
	if (mauth_authres_builder_add_prop(b, "a", "b", "c", 1, NULL) !=
	    MAUTH_ERR_LIMIT)
		fail_msg("prop over the ceiling: want MAUTH_ERR_LIMIT");
	/* nothing refused above was written */
	if (mauth_authres_builder_finish(b, MAUTH_AUTHRES_FOLD_NONE, &text,
	    NULL) != MAUTH_OK || strstr(text, "Evil") != NULL ||
	    strncmp(text, "mx; spf=pass a.b=c a.b=c", 24) != 0)
		fail_msg("after refusals: got '%s'", text ? text : "");
	free(text);
	if (mauth_authres_builder_finish(b, 7, &text, NULL) !=
	    MAUTH_ERR_INVAL)
		fail_msg("bad fold: want MAUTH_ERR_INVAL");
	mauth_authres_builder_free(b);

	/* result ceiling, and output ceiling */
	if (mauth_authres_builder_new("mx", &b) != MAUTH_OK)
		fail_msg("builder_new failed");
	for (i = 0; i < MAUTH_AUTHRES_MAX_RESULTS; i++)
		if (mauth_authres_builder_add_result(b, "m", -1, "pass",
		    NULL, NULL) != MAUTH_OK)
			fail_msg("result %zu: want MAUTH_OK", i);
	if (mauth_authres_builder_add_result(b, "m", -1, "pass", NULL, NULL)
	    != MAUTH_ERR_LIMIT)
		fail_msg("result over the ceiling: want MAUTH_ERR_LIMIT");
	memset(big, 'r', MAUTH_AUTHRES_MAX_VALUE);
	big[MAUTH_AUTHRES_MAX_VALUE] = '\0';
	for (i = 0; i < 20; i++)
		if (mauth_authres_builder_add_prop(b, "a", "b", big,
		    MAUTH_AUTHRES_MAX_VALUE, NULL) != MAUTH_OK)
			fail_msg("big prop %zu: want MAUTH_OK", i);
	rc = mauth_authres_builder_finish(b, MAUTH_AUTHRES_FOLD_LF, &text,
	    NULL);
	if (rc != MAUTH_ERR_LIMIT || text != NULL)
		fail_msg("80 KB header: got %d, want MAUTH_ERR_LIMIT", rc);
	mauth_authres_builder_free(b);
	mauth_authres_builder_free(NULL);
}

/* build_helpers - the spf / dkim / dmarc helpers, unfolded */
static char *
build_helpers(int fold)
{
	struct mauth_authres_builder *b;
	char *text = NULL;

	if (mauth_authres_builder_new("mx.example.org", &b) != MAUTH_OK)
		return NULL;
	if (mauth_authres_builder_add_spf(b, "pass", "mailfrom",
	    "john doe@example.net", NULL) == MAUTH_OK &&
	    mauth_authres_builder_add_spf(b, "none", "helo",
	    "mail.example.net", "no SPF record") == MAUTH_OK &&
	    mauth_authres_builder_add_dkim(b, "pass", "example.net",
	    "@example.net", "rsa-sha256", "sel1", "Qgi/FoC0",
	    "signature verified") == MAUTH_OK &&
	    mauth_authres_builder_add_dkim(b, "fail", "example.com", NULL,
	    "ed25519-sha256", "", NULL, "body hash mismatch") == MAUTH_OK &&
	    mauth_authres_builder_add_dmarc(b, "pass", "example.net", "reject",
	    NULL) == MAUTH_OK &&
	    mauth_authres_builder_add_prop(b, "polrec", "p", "reject", 6,
	    NULL) == MAUTH_OK &&
	    mauth_authres_builder_finish(b, fold, &text, NULL) != MAUTH_OK)
		text = NULL;
	mauth_authres_builder_free(b);
	return text;
}

/* test_helpers - add_spf / add_dkim / add_dmarc output */
static void
test_helpers(void **state)
{
	struct mauth_authres_builder *b;
	char *text;
	const char *want = "mx.example.org; "
	    "spf=pass smtp.mailfrom=\"john doe\"@example.net; "
	    "spf=none reason=\"no SPF record\" smtp.helo=mail.example.net; "
	    "dkim=pass reason=\"signature verified\" header.d=example.net "
	    "header.i=@example.net header.a=rsa-sha256 header.s=sel1 "
	    "header.b=\"Qgi/FoC0\"; "
	    "dkim=fail reason=\"body hash mismatch\" header.d=example.com "
	    "header.a=ed25519-sha256; "
	    "dmarc=pass header.from=example.net policy.dmarc=reject "
	    "polrec.p=reject";

	(void)state;
	text = build_helpers(MAUTH_AUTHRES_FOLD_NONE);
	if (text == NULL || strcmp(text, want) != 0)
		fail_msg("helpers: got '%s', want '%s'", text ? text : "",
		    want);
	free(text);
	if (mauth_authres_builder_new("mx", &b) != MAUTH_OK)
		fail_msg("builder_new failed");
	if (mauth_authres_builder_add_spf(b, "pass", "mailfrom", "", NULL) !=
	    MAUTH_ERR_INVAL)
		fail_msg("null reverse-path: want MAUTH_ERR_INVAL");
	if (mauth_authres_builder_add_spf(b, "pass", "pra", "a@b", NULL) !=
	    MAUTH_ERR_INVAL)
		fail_msg("unknown identity: want MAUTH_ERR_INVAL");
	if (mauth_authres_builder_add_spf(b, "pass", "helo", "a\x01", NULL) !=
	    MAUTH_ERR_INVAL)
		fail_msg("control byte in HELO: want MAUTH_ERR_INVAL");
	if (mauth_authres_builder_add_dkim(b, "pass", "a\nb", NULL, NULL,
	    NULL, NULL, NULL) != MAUTH_ERR_INVAL)
		fail_msg("LF in d=: want MAUTH_ERR_INVAL");
	if (mauth_authres_builder_add_spf(b, "pass", "MailFrom",
	    "a.b@example.net", NULL) != MAUTH_OK)
		fail_msg("add_spf: want MAUTH_OK");
	/* the failed calls left nothing behind */
	if (mauth_authres_builder_finish(b, MAUTH_AUTHRES_FOLD_NONE, &text,
	    NULL) != MAUTH_OK ||
	    strcmp(text, "mx; spf=pass smtp.mailfrom=a.b@example.net") != 0)
		fail_msg("after refusals: got '%s'", text ? text : "");
	free(text);
	mauth_authres_builder_free(b);
}

/* test_none - no result: "id; none", version, comment */
static void
test_none(void **state)
{
	struct mauth_authres_builder *b;
	char *text;
	size_t len;

	(void)state;
	if (mauth_authres_builder_new("mx.example.org", &b) != MAUTH_OK)
		fail_msg("builder_new failed");
	if (mauth_authres_builder_finish(b, MAUTH_AUTHRES_FOLD_LF, &text,
	    &len) != MAUTH_OK || strcmp(text, "mx.example.org; none") != 0 ||
	    len != 20)
		fail_msg("none: got '%s'", text ? text : "");
	free(text);
	if (mauth_authres_builder_set_version(b, 1) != MAUTH_OK ||
	    mauth_authres_builder_set_none_comment(b, "no checks") != MAUTH_OK)
		fail_msg("set_version / set_none_comment failed");
	if (mauth_authres_builder_finish(b, MAUTH_AUTHRES_FOLD_NONE, &text,
	    NULL) != MAUTH_OK ||
	    strcmp(text, "mx.example.org 1; none (no checks)") != 0)
		fail_msg("none with version: got '%s'", text ? text : "");
	free(text);
	if (mauth_authres_builder_set_version(b, -7) != MAUTH_ERR_INVAL)
		fail_msg("version -7: want MAUTH_ERR_INVAL");
	mauth_authres_builder_free(b);
}

/* test_folding - LF / CRLF folding, line lengths, same data as unfolded */
static void
test_folding(void **state)
{
	struct mauth_authres *a1, *a2;
	const char *want = "mx.example.org;\n"
	    "\tspf=pass smtp.mailfrom=\"john doe\"@example.net;\n"
	    "\tspf=none reason=\"no SPF record\" smtp.helo=mail.example.net;\n"
	    "\tdkim=pass reason=\"signature verified\" header.d=example.net\n"
	    "\theader.i=@example.net header.a=rsa-sha256 header.s=sel1\n"
	    "\theader.b=\"Qgi/FoC0\";\n"
	    "\tdkim=fail reason=\"body hash mismatch\" header.d=example.com\n"
	    "\theader.a=ed25519-sha256;\n"
	    "\tdmarc=pass header.from=example.net policy.dmarc=reject "
	    "polrec.p=reject";	/* exactly 78 columns */
	char *flat, *lf, *crlf, *p, *line;
	size_t col;

	(void)state;
	flat = build_helpers(MAUTH_AUTHRES_FOLD_NONE);
	lf = build_helpers(MAUTH_AUTHRES_FOLD_LF);
	crlf = build_helpers(MAUTH_AUTHRES_FOLD_CRLF);
	if (flat == NULL || lf == NULL || crlf == NULL)
		fail_msg("folding: build failed");
	if (strcmp(lf, want) != 0)
		fail_msg("LF folding: got '%s', want '%s'", lf, want);
	/* CRLF is LF with CR added */
	for (p = crlf, line = lf; *p != '\0' && *line != '\0'; p++, line++) {
		if (*line == '\n' && *p++ != '\r')
			break;
		if (*p != *line)
			break;
	}
	if (*p != '\0' || *line != '\0')
		fail_msg("CRLF folding differs from LF: '%s'", crlf);
	/* every line within 78 columns (tab = 8), the first after the name */
	col = 24;
	for (p = lf; *p != '\0'; p++) {
		if (*p == '\n') {
			if (col > 78)
				fail_msg("line over 78 columns before offset "
				    "%zu", (size_t)(p - lf));
			col = 0;
		} else
			col += *p == '\t' ? 8 : 1;
	}
	/* folded and unfolded parse to the same data */
	if (mauth_authres_parse(crlf, strlen(crlf), &a1, NULL, 0) != MAUTH_OK ||
	    mauth_authres_parse(flat, strlen(flat), &a2, NULL, 0) != MAUTH_OK)
		fail_msg("folding: re-parse failed");
	if (mauth_authres_nresults(a1) != 5 || mauth_authres_nresults(a2) != 5 ||
	    strcmp(mauth_authres_result(a1, 2)->props[4].value,
	    mauth_authres_result(a2, 2)->props[4].value) != 0)
		fail_msg("folding: folded and flat parses differ");
	mauth_authres_free(a1);
	mauth_authres_free(a2);
	free(flat);
	free(lf);
	free(crlf);
}

/* ---- round trip ---- */

/* xorshift32 - the fixed-seed generator of the round trip */
static uint32_t
xorshift32(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* rnd_text - random bytes from a hostile alphabet (no control bytes) */
static void
rnd_text(uint32_t *seed, char *out, size_t max, bool keyword)
{
	static const char kw[] = "abcXYZ019-_";
	static const char any[] = "aZ09 .@\"\\;()=:/,[]<>?!#\t\xc3\xa9'{}+-_";
	size_t n, i;

	n = xorshift32(seed) % (max - 1);
	if (keyword && n == 0)
		n = 1;
	for (i = 0; i < n; i++) {
		if (keyword)
			out[i] = kw[xorshift32(seed) % (sizeof(kw) - 1)];
		else
			out[i] = any[xorshift32(seed) % (sizeof(any) - 1)];
	}
	out[n] = '\0';
}

/* lower - lower-case copy of s into out */
static const char *
lower(const char *s, char *out)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i];
	out[i] = '\0';
	return out;
}

#define RT_CASES	500
#define RT_RES		6
#define RT_PROPS	5

struct rt_prop {
	char	ptype[16], prop[16], value[40], comment[24];
	bool	has_comment;
};

struct rt_res {
	char		method[16], result[16], reason[32], comment[24];
	bool		has_reason, has_comment;
	int		version;
	size_t		nprops;
	struct rt_prop	props[RT_PROPS];
};

/* test_round_trip - generated headers re-parse to the data given */
static void
test_round_trip(void **state)
{
	struct rt_res res[RT_RES];
	struct mauth_authres_builder *b;
	struct mauth_authres *ar;
	const struct mauth_authres_result *r;
	char id[40], *text, l1[64];
	uint32_t seed = 0x6d617574;	/* fixed: failures reproduce */
	size_t n, i, j, nres;
	int fold, nbad = 0;

	(void)state;
	for (n = 0; n < RT_CASES; n++) {
		do
			rnd_text(&seed, id, sizeof(id), false);
		while (id[0] == '\0');
		nres = xorshift32(&seed) % (RT_RES + 1);
		for (i = 0; i < nres; i++) {
			struct rt_res *x = &res[i];

			rnd_text(&seed, x->method, sizeof(x->method), true);
			rnd_text(&seed, x->result, sizeof(x->result), true);
			rnd_text(&seed, x->reason, sizeof(x->reason), false);
			rnd_text(&seed, x->comment, sizeof(x->comment), false);
			x->has_reason = xorshift32(&seed) % 2;
			x->has_comment = xorshift32(&seed) % 3 == 0 &&
			    x->comment[0] != '\0';
			x->version = xorshift32(&seed) % 4 == 0 ?
			    (int)(xorshift32(&seed) % 1000) : -1;
			x->nprops = xorshift32(&seed) % (RT_PROPS + 1);
			for (j = 0; j < x->nprops; j++) {
				struct rt_prop *p = &x->props[j];

				rnd_text(&seed, p->ptype, sizeof(p->ptype),
				    true);
				rnd_text(&seed, p->prop, sizeof(p->prop),
				    true);
				rnd_text(&seed, p->value, sizeof(p->value),
				    false);
				rnd_text(&seed, p->comment,
				    sizeof(p->comment), false);
				p->has_comment = xorshift32(&seed) % 3 == 0 &&
				    p->comment[0] != '\0';
			}
		}
		fold = (int)(xorshift32(&seed) % 3);
		if (mauth_authres_builder_new(id, &b) != MAUTH_OK)
			fail_msg("case %zu: builder_new failed", n);
		for (i = 0; i < nres; i++) {
			struct rt_res *x = &res[i];

			if (mauth_authres_builder_add_result(b, x->method,
			    x->version, x->result, x->has_reason ? x->reason :
			    NULL, x->has_comment ? x->comment : NULL) !=
			    MAUTH_OK)
				fail_msg("case %zu: add_result failed", n);
			for (j = 0; j < x->nprops; j++)
				if (mauth_authres_builder_add_prop(b,
				    x->props[j].ptype, x->props[j].prop,
				    x->props[j].value,
				    strlen(x->props[j].value),
				    x->props[j].has_comment ?
				    x->props[j].comment : NULL) != MAUTH_OK)
					fail_msg("case %zu: add_prop failed",
					    n);
		}
		if (mauth_authres_builder_finish(b, fold, &text, NULL) !=
		    MAUTH_OK)
			fail_msg("case %zu: finish failed", n);
		mauth_authres_builder_free(b);
		if (mauth_authres_parse(text, strlen(text), &ar, NULL, 0) !=
		    MAUTH_OK) {
			print_error("case %zu: '%s' does not re-parse\n", n,
			    text);
			nbad++;
			free(text);
			continue;
		}
		if (strcmp(mauth_authres_authserv_id(ar), id) != 0 ||
		    mauth_authres_nresults(ar) != nres) {
			print_error("case %zu: '%s': id '%s' / %zu results, "
			    "want '%s' / %zu\n", n, text,
			    mauth_authres_authserv_id(ar),
			    mauth_authres_nresults(ar), id, nres);
			nbad++;
		}
		for (i = 0; i < nres && i < mauth_authres_nresults(ar); i++) {
			struct rt_res *x = &res[i];

			r = mauth_authres_result(ar, i);
			if (strcmp(r->method, lower(x->method, l1)) != 0 ||
			    strcmp(r->result, lower(x->result, l1)) != 0 ||
			    r->version != x->version ||
			    (x->has_reason ? r->reason == NULL ||
			    strcmp(r->reason, x->reason) != 0 :
			    r->reason != NULL) ||
			    (x->has_comment ? r->comment == NULL ||
			    strcmp(r->comment, x->comment) != 0 :
			    r->comment != NULL) ||
			    r->nprops != x->nprops) {
				print_error("case %zu result %zu: '%s' "
				    "differs\n", n, i, text);
				nbad++;
				continue;
			}
			for (j = 0; j < x->nprops; j++) {
				const struct rt_prop *p = &x->props[j];
				const struct mauth_authres_prop *q =
				    &r->props[j];

				if (strcmp(q->ptype, lower(p->ptype, l1)) ||
				    strcmp(q->property, lower(p->prop, l1)) ||
				    strcmp(q->value, p->value) ||
				    (p->has_comment ? q->comment == NULL ||
				    strcmp(q->comment, p->comment) != 0 :
				    q->comment != NULL)) {
					print_error("case %zu result %zu prop "
					    "%zu: got '%s', want value '%s' "
					    "in '%s'\n", n, i, j, q->value,
					    p->value, text);
					nbad++;
				}
			}
		}
		if (mauth_authres_is_ours(text, strlen(text), id) != 1) {
			print_error("case %zu: is_ours('%s', '%s') false\n",
			    n, text, id);
			nbad++;
		}
		mauth_authres_free(ar);
		free(text);
	}
	if (nbad)
		fail_msg("round trip: %d mismatch(es) in %d cases", nbad,
		    RT_CASES);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_texts),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_folding),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
