/*
 * test_spf_macro.c - the SPF macro expander (src/lib/spf/spf_macro.c):
 * every example of RFC 7208 7.4, transformers, delimiters, URL escaping,
 * the exp-only letters, syntax errors, bounded output and the 253-octet
 * truncation of 7.3.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include "mauth/common.h"
#include "spf/spf_int.h"
#include "util/buf.h"

static int p_calls;

static int
fake_p(void *arg, const char **out)
{
	p_calls++;
	*out = arg;
	return 0;
}

/* RFC 7208 7.4: the context of all the examples */
static void
ctx4(struct spf_macro_ctx *m)
{
	memset(m, 0, sizeof(*m));
	m->sender = "strong-bad@email.example.com";
	m->local = "strong-bad";
	m->sender_domain = "email.example.com";
	m->domain = "email.example.com";
	m->ip_i = "192.0.2.3";
	m->ip_c = "192.0.2.3";
	m->ipv6 = false;
	m->helo = "mx.example.org";
	m->receiver = "mx.receiver.example";
	m->now = 1700000000;
	m->get_p = fake_p;
	m->p_arg = "mx.example.org";
}

static void
ctx6(struct spf_macro_ctx *m)
{
	static char nib[72];
	static const uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0xcb, 0x01 };

	ctx4(m);
	spf_ip_nibbles(a, nib, sizeof(nib));
	m->ip_i = nib;
	m->ip_c = "2001:db8::cb01";
	m->ipv6 = true;
}

struct mcase {
	const char	*name;
	bool		 v6;
	int		 mode;
	const char	*in;
	const char	*want;		/* NULL: an error is wanted */
	bool		 nocase;	/* compare case-insensitively */
};

static const struct mcase cases[] = {
	/* RFC 7208 7.4, first table */
	{ "7.4 s", false, SPF_MACRO_DOMAIN, "%{s}",
	    "strong-bad@email.example.com", false },
	{ "7.4 o", false, SPF_MACRO_DOMAIN, "%{o}", "email.example.com", false },
	{ "7.4 d", false, SPF_MACRO_DOMAIN, "%{d}", "email.example.com", false },
	{ "7.4 d4", false, SPF_MACRO_DOMAIN, "%{d4}", "email.example.com",
	    false },
	{ "7.4 d3", false, SPF_MACRO_DOMAIN, "%{d3}", "email.example.com",
	    false },
	{ "7.4 d2", false, SPF_MACRO_DOMAIN, "%{d2}", "example.com", false },
	{ "7.4 d1", false, SPF_MACRO_DOMAIN, "%{d1}", "com", false },
	{ "7.4 dr", false, SPF_MACRO_DOMAIN, "%{dr}", "com.example.email",
	    false },
	{ "7.4 d2r", false, SPF_MACRO_DOMAIN, "%{d2r}", "example.email", false },
	{ "7.4 l", false, SPF_MACRO_DOMAIN, "%{l}", "strong-bad", false },
	{ "7.4 l-", false, SPF_MACRO_DOMAIN, "%{l-}", "strong.bad", false },
	{ "7.4 lr", false, SPF_MACRO_DOMAIN, "%{lr}", "strong-bad", false },
	{ "7.4 lr-", false, SPF_MACRO_DOMAIN, "%{lr-}", "bad.strong", false },
	{ "7.4 l1r-", false, SPF_MACRO_DOMAIN, "%{l1r-}", "strong", false },
	/* RFC 7208 7.4, second table */
	{ "7.4 ir.v._spf.d2", false, SPF_MACRO_DOMAIN, "%{ir}.%{v}._spf.%{d2}",
	    "3.2.0.192.in-addr._spf.example.com", false },
	{ "7.4 lr-.lp._spf.d2", false, SPF_MACRO_DOMAIN,
	    "%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com", false },
	{ "7.4 lr-.lp.ir.v._spf.d2", false, SPF_MACRO_DOMAIN,
	    "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
	    "bad.strong.lp.3.2.0.192.in-addr._spf.example.com", false },
	{ "7.4 ir.v.l1r-.lp._spf.d2", false, SPF_MACRO_DOMAIN,
	    "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
	    "3.2.0.192.in-addr.strong.lp._spf.example.com", false },
	{ "7.4 d2.trusted-domains", false, SPF_MACRO_DOMAIN,
	    "%{d2}.trusted-domains.example.net",
	    "example.com.trusted-domains.example.net", false },
	/*
	 * RFC 7208 7.4, IPv6.  The RFC prints the nibbles in lower case; the
	 * OpenSPF suite (v-macro-ip6) wants upper case in explanations, which
	 * is what we produce.  DNS names compare case-insensitively.
	 */
	{ "7.4 ipv6 ir.v._spf.d2", true, SPF_MACRO_DOMAIN,
	    "%{ir}.%{v}._spf.%{d2}",
	    "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
	    ".ip6._spf.example.com", true },
	{ "ipv6 i exact", true, SPF_MACRO_DOMAIN, "%{i}",
	    "2.0.0.1.0.D.B.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.C.B.0.1",
	    false },
	{ "ipv6 c", true, SPF_MACRO_EXPLAIN, "%{c}", "2001:db8::cb01", false },
	{ "ipv6 v", true, SPF_MACRO_DOMAIN, "%{v}", "ip6", false },
	/* other letters */
	{ "v ipv4", false, SPF_MACRO_DOMAIN, "%{v}", "in-addr", false },
	{ "i ipv4", false, SPF_MACRO_DOMAIN, "%{i}", "192.0.2.3", false },
	{ "h", false, SPF_MACRO_DOMAIN, "%{h}", "mx.example.org", false },
	{ "p", false, SPF_MACRO_DOMAIN, "%{p}", "mx.example.org", false },
	{ "c in exp", false, SPF_MACRO_EXPLAIN, "%{c}", "192.0.2.3", false },
	{ "r in exp", false, SPF_MACRO_EXPLAIN, "%{r}", "mx.receiver.example",
	    false },
	{ "t in exp", false, SPF_MACRO_EXPLAIN, "%{t}", "1700000000", false },
	{ "upper-case letters", false, SPF_MACRO_DOMAIN, "%{D2}.%{L}",
	    "example.com.strong-bad", false },
	/* transformers and delimiters */
	{ "digits larger than parts", false, SPF_MACRO_DOMAIN, "%{d99}",
	    "email.example.com", false },
	{ "huge digits", false, SPF_MACRO_DOMAIN, "%{d99999999999999999999}",
	    "email.example.com", false },
	{ "upper R", false, SPF_MACRO_DOMAIN, "%{dR}", "com.example.email",
	    false },
	{ "several delimiters", false, SPF_MACRO_DOMAIN, "%{l2r+-}",
	    "bad.strong", false },
	{ "all delimiters", false, SPF_MACRO_DOMAIN, "%{s.-+,/_=}",
	    "strong.bad@email.example.com", false },
	{ "delimiter at", false, SPF_MACRO_DOMAIN, "%{sr@}",
	    NULL, false },
	/* literals */
	{ "percent", false, SPF_MACRO_DOMAIN, "a%%b", "a%b", false },
	{ "space", false, SPF_MACRO_DOMAIN, "a%_b", "a b", false },
	{ "url space", false, SPF_MACRO_DOMAIN, "a%-b", "a%20b", false },
	{ "macro mania", false, SPF_MACRO_DOMAIN,
	    "macro%%percent%_%_space%-url-space.example.com",
	    "macro%percent  space%20url-space.example.com", false },
	{ "explanation with spaces", false, SPF_MACRO_EXPLAIN,
	    "%{i} is not one of %{d}'s hosts.",
	    "192.0.2.3 is not one of email.example.com's hosts.", false },
	{ "explanation trailing dot", false, SPF_MACRO_EXPLAIN,
	    "This is a test.", "This is a test.", false },
	/* errors */
	{ "exp-only c in domain", false, SPF_MACRO_DOMAIN, "%{c}", NULL, false },
	{ "exp-only r in domain", false, SPF_MACRO_DOMAIN, "%{r}", NULL, false },
	{ "exp-only t in domain", false, SPF_MACRO_DOMAIN, "%{T}", NULL, false },
	{ "unknown letter", false, SPF_MACRO_EXPLAIN, "%{x}", NULL, false },
	{ "bad opener", false, SPF_MACRO_DOMAIN, "%(ir)", NULL, false },
	{ "lone percent", false, SPF_MACRO_DOMAIN, "a%", NULL, false },
	{ "percent dot", false, SPF_MACRO_DOMAIN, "foo%.bar", NULL, false },
	{ "unterminated", false, SPF_MACRO_DOMAIN, "%{d2", NULL, false },
	{ "zero digits", false, SPF_MACRO_DOMAIN, "%{d0}", NULL, false },
	{ "r before digits", false, SPF_MACRO_DOMAIN, "%{dr2}", NULL, false },
	{ "space in domain", false, SPF_MACRO_DOMAIN, "a b", NULL, false },
	{ "control char", false, SPF_MACRO_EXPLAIN, "a\tb", NULL, false },
	{ "non-ascii", false, SPF_MACRO_EXPLAIN, "\xef\xbb\xbf" "Explanation",
	    NULL, false },
	{ "empty braces", false, SPF_MACRO_DOMAIN, "%{}", NULL, false },
};

static void
test_table(void **state)
{
	struct spf_macro_ctx m;
	struct buf b;
	char err[256];
	size_t i;
	int rv;
	bool same;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct mcase *c = &cases[i];

		if (c->v6)
			ctx6(&m);
		else
			ctx4(&m);
		buf_init(&b, SPF_MAX_EXPAND);
		err[0] = '\0';
		rv = spf_macro_expand(&m, c->in, strlen(c->in), c->mode, &b,
		    err, sizeof(err));
		if (c->want == NULL) {
			buf_free(&b);
			if (rv != MAUTH_ERR_SYNTAX)
				fail_msg("%s: got %d, want MAUTH_ERR_SYNTAX",
				    c->name, rv);
			/* the syntax-only pass agrees */
			rv = spf_macro_expand(NULL, c->in, strlen(c->in),
			    c->mode, NULL, err, sizeof(err));
			if (rv != MAUTH_ERR_SYNTAX)
				fail_msg("%s (syntax only): got %d, want "
				    "MAUTH_ERR_SYNTAX", c->name, rv);
			continue;
		}
		if (rv != 0) {
			buf_free(&b);
			fail_msg("%s: got error %d (%s), want '%s'", c->name, rv,
			    err, c->want);
		}
		same = c->nocase ? strcasecmp(b.data ? b.data : "",
		    c->want) == 0 : strcmp(b.data ? b.data : "", c->want) == 0;
		if (!same) {
			print_error("%s: got '%s', want '%s'\n", c->name,
			    b.data ? b.data : "", c->want);
			buf_free(&b);
			fail();
		}
		buf_free(&b);
		if (spf_macro_expand(NULL, c->in, strlen(c->in), c->mode, NULL,
		    err, sizeof(err)) != 0)
			fail_msg("%s (syntax only): got error %s, want success",
			    c->name, err);
	}
}

/* RFC 7208 7.3: upper-case macros are URL-escaped (RFC 3986 unreserved kept) */
static void
test_url_escape(void **state)
{
	struct spf_macro_ctx m;
	struct buf b;
	char err[256];

	(void)state;
	ctx4(&m);
	m.local = "~jack&jill=up-a_b3.c";
	m.sender = "~jack&jill=up-a_b3.c@e8.example.com";
	buf_init(&b, SPF_MAX_EXPAND);
	if (spf_macro_expand(&m, "l=%{L} s=%{S}", 13, SPF_MACRO_EXPLAIN, &b,
	    err, sizeof(err)) != 0)
		fail_msg("url escape: got error %s", err);
	if (strcmp(b.data, "l=~jack%26jill%3Dup-a_b3.c "
	    "s=~jack%26jill%3Dup-a_b3.c%40e8.example.com") != 0)
		fail_msg("url escape: got '%s'", b.data);
	buf_free(&b);

	/* the result of the transformers is what gets escaped */
	ctx4(&m);
	m.helo = "JUMPIN' JUPITER";
	buf_init(&b, SPF_MAX_EXPAND);
	if (spf_macro_expand(&m, "%{H}.bar", 8, SPF_MACRO_DOMAIN, &b, err,
	    sizeof(err)) != 0)
		fail_msg("url escape helo: got error %s", err);
	if (strcmp(b.data, "JUMPIN%27%20JUPITER.bar") != 0)
		fail_msg("url escape helo: got '%s', want "
		    "'JUMPIN%%27%%20JUPITER.bar'", b.data);
	buf_free(&b);
}

/* %{p} is computed only when used */
static void
test_p_lazy(void **state)
{
	struct spf_macro_ctx m;
	struct buf b;
	char err[256];

	(void)state;
	ctx4(&m);
	p_calls = 0;
	buf_init(&b, SPF_MAX_EXPAND);
	if (spf_macro_expand(&m, "%{d}.%{i}", 9, SPF_MACRO_DOMAIN, &b, err,
	    sizeof(err)) != 0 || p_calls != 0)
		fail_msg("p lazy: got %d calls, want 0", p_calls);
	buf_reset(&b);
	if (spf_macro_expand(&m, "%{p}.%{p2}", 10, SPF_MACRO_DOMAIN, &b, err,
	    sizeof(err)) != 0 || p_calls != 2)
		fail_msg("p lazy: got %d calls, want 2", p_calls);
	if (strcmp(b.data, "mx.example.org.example.org") != 0)
		fail_msg("p: got '%s', want 'mx.example.org.example.org'",
		    b.data);
	buf_free(&b);
	/* no callback: "unknown" */
	m.get_p = NULL;
	buf_init(&b, SPF_MAX_EXPAND);
	if (spf_macro_expand(&m, "%{p}", 4, SPF_MACRO_DOMAIN, &b, err,
	    sizeof(err)) != 0 || strcmp(b.data, "unknown") != 0)
		fail_msg("p without lookup: got '%s', want 'unknown'",
		    b.data ? b.data : "");
	buf_free(&b);
}

/* the output is bounded: a long expansion fails with MAUTH_ERR_LIMIT */
static void
test_bounded(void **state)
{
	struct spf_macro_ctx m;
	struct buf in, out;
	char err[256], big[2001];
	size_t i;
	int rv;

	(void)state;
	ctx4(&m);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	m.sender = big;
	buf_init(&in, 0);
	for (i = 0; i < 100; i++)
		buf_puts(&in, "%{s}");
	buf_init(&out, SPF_MAX_EXPAND);
	rv = spf_macro_expand(&m, in.data, in.len, SPF_MACRO_DOMAIN, &out, err,
	    sizeof(err));
	if (rv != MAUTH_ERR_LIMIT)
		fail_msg("bounded: got %d, want MAUTH_ERR_LIMIT", rv);
	if (out.len > SPF_MAX_EXPAND)
		fail_msg("bounded: got %zu bytes, want <= %d", out.len,
		    SPF_MAX_EXPAND);
	buf_free(&in);
	buf_free(&out);
}

/* RFC 7208 7.3: drop left-most labels until the name fits in 253 octets */
static void
test_truncate(void **state)
{
	char name[600];
	size_t len, off, i, o = 0;

	(void)state;
	/* "foobar." + 8 x "somewhat.long.exp.example.com." + "example.com" */
	memcpy(name, "foobar.", 7);
	o = 7;
	for (i = 0; i < 8; i++) {
		memcpy(name + o, "somewhat.long.exp.example.com.", 30);
		o += 30;
	}
	memcpy(name + o, "example.com", 11);
	o += 11;
	name[o] = '\0';
	len = o;
	off = spf_domain_truncate(name, &len);
	if (len > 253 || name[off] == '.' || (off > 0 && name[off - 1] != '.'))
		fail_msg("truncate: got offset %zu length %zu", off, len);
	if (off != 7 || len != 251)
		fail_msg("truncate: got '%.*s' (%zu), want 'foobar.' dropped "
		    "(251)", (int)len, name + off, len);
	/* one more label on the left: still only whole labels dropped */
	memmove(name + 4, name, o + 1);
	memcpy(name, "abc.", 4);
	len = o + 4;
	off = spf_domain_truncate(name, &len);
	if (off != 11 || len != 251)
		fail_msg("truncate 2: got offset %zu length %zu, want 11 251",
		    off, len);

	/* short names are kept; a trailing dot is dropped */
	len = 12;
	off = spf_domain_truncate("example.com.", &len);
	if (off != 0 || len != 11)
		fail_msg("trailing dot: got offset %zu length %zu, want 0 11",
		    off, len);

	/* exactly 253 stays */
	memset(name, 'a', 253);
	for (i = 63; i < 253; i += 64)
		name[i] = '.';
	len = 253;
	off = spf_domain_truncate(name, &len);
	if (off != 0 || len != 253)
		fail_msg("253: got offset %zu length %zu, want 0 253", off, len);

	/* one over-long label cannot be truncated: left as is */
	memset(name, 'a', 300);
	len = 300;
	off = spf_domain_truncate(name, &len);
	if (off != 0 || len != 300)
		fail_msg("one label: got offset %zu length %zu, want 0 300",
		    off, len);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_url_escape),
		cmocka_unit_test(test_p_lazy),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_truncate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
