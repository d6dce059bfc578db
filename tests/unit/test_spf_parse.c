/*
 * test_spf_parse.c - the SPF record parser (src/lib/spf/spf_parse.c):
 * record selection, every mechanism and modifier, cidr lengths, domain-spec
 * syntax and the syntax errors that make a record a permerror.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "mauth/common.h"
#include "spf/spf_int.h"
#include "util/buf.h"

/*
 * render - a canonical text of a parsed record: mechanisms as
 * <qualifier><name>[:<spec>][/<cidr4>][//<cidr6>], modifiers as
 * <name>=<value>, separated by one space.
 */
static void
render(const struct spf_record *rec, struct buf *b)
{
	const struct spf_term *t;
	size_t i;

	for (i = 0; i < rec->nterms; i++) {
		t = &rec->terms[i];
		if (i > 0)
			buf_putc(b, ' ');
		if (t->kind >= SPF_REDIRECT) {
			buf_append(b, t->text, t->textlen);
			continue;
		}
		buf_putc(b, t->qualifier);
		buf_puts(b, spf_kind_str(t->kind));
		if (t->spec != NULL) {
			buf_putc(b, ':');
			buf_append(b, t->spec, t->speclen);
		}
		if (t->cidr4 != 32)
			buf_printf(b, "/%d", t->cidr4);
		if (t->cidr6 != 128)
			buf_printf(b, "//%d", t->cidr6);
	}
}

struct valid_case {
	const char	*name;
	const char	*record;
	const char	*want;		/* render() of the parsed record */
	int		 redirect;	/* index or -1 */
	int		 exp;
	bool		 has_all;
};

static const struct valid_case valid[] = {
	{ "empty record", "v=spf1", "", -1, -1, false },
	{ "version case-insensitive", "V=SpF1 -ALL", "-all", -1, -1, true },
	{ "trailing spaces", "v=spf1 -all   ", "-all", -1, -1, true },
	{ "several spaces", "v=spf1  a   -all", "+a -all", -1, -1, true },
	{ "qualifiers", "v=spf1 +a -mx ~ptr ?all",
	    "+a -mx ~ptr ?all", -1, -1, true },
	{ "a with domain", "v=spf1 a:mail.example.com",
	    "+a:mail.example.com", -1, -1, false },
	{ "a cidr4", "v=spf1 a/24", "+a/24", -1, -1, false },
	{ "a cidr6", "v=spf1 a//64", "+a//64", -1, -1, false },
	{ "a dual cidr", "v=spf1 a/24//64", "+a/24//64", -1, -1, false },
	{ "a domain dual cidr", "v=spf1 a:foo.example.com/0//0",
	    "+a:foo.example.com/0//0", -1, -1, false },
	{ "a colon and slash in domain", "v=spf1 a:foo:bar/baz.example.com",
	    "+a:foo:bar/baz.example.com", -1, -1, false },
	{ "a dash toplabel", "v=spf1 a:foo.example.xn--zckzah",
	    "+a:foo.example.xn--zckzah", -1, -1, false },
	{ "a trailing dot", "v=spf1 a:example.com.", "+a:example.com.",
	    -1, -1, false },
	{ "a empty label is syntax-valid", "v=spf1 a:mail.example...com",
	    "+a:mail.example...com", -1, -1, false },
	{ "mx cidr", "v=spf1 mx:example.com/30", "+mx:example.com/30",
	    -1, -1, false },
	{ "ptr", "v=spf1 ptr ptr:example.com", "+ptr +ptr:example.com",
	    -1, -1, false },
	{ "ip4", "v=spf1 ip4:192.0.2.0/24 ip4:10.0.0.1",
	    "+ip4:192.0.2.0/24 +ip4:10.0.0.1", -1, -1, false },
	{ "ip4 /0 and /32", "v=spf1 ip4:0.0.0.0/0 ip4:1.2.3.4/32",
	    "+ip4:0.0.0.0/0 +ip4:1.2.3.4", -1, -1, false },
	{ "ip6", "v=spf1 ip6:2001:db8::/32 ip6:::1.1.1.1/0",
	    "+ip6:2001:db8:://32 +ip6:::1.1.1.1//0", -1, -1, false },
	{ "ip6 /128", "v=spf1 -ip6:2001:db8::1/128", "-ip6:2001:db8::1",
	    -1, -1, false },
	{ "exists with macros", "v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d}",
	    "+exists:%{ir}.%{l1r+-}._spf.%{d}", -1, -1, false },
	{ "include", "v=spf1 include:_spf.example.com -all",
	    "+include:_spf.example.com -all", -1, -1, true },
	{ "redirect", "v=spf1 redirect=_spf.example.com",
	    "redirect=_spf.example.com", 0, -1, false },
	{ "exp and redirect", "v=spf1 exp=e.%{d} a redirect=r.example.com",
	    "exp=e.%{d} +a redirect=r.example.com", 2, 0, false },
	{ "modifier names case-insensitive", "v=spf1 REDIRECT=x.example.com",
	    "REDIRECT=x.example.com", 0, -1, false },
	{ "unknown modifier", "v=spf1 moo.cow-far_out=man:dog/cat -all",
	    "moo.cow-far_out=man:dog/cat -all", -1, -1, true },
	{ "unknown modifier empty value", "v=spf1 foo= -all",
	    "foo= -all", -1, -1, true },
	{ "unknown modifier with exp letters", "v=spf1 foo=%{c}%{r}%{t}",
	    "foo=%{c}%{r}%{t}", -1, -1, false },
	{ "default= is an unknown modifier", "v=spf1 default=+",
	    "default=+", -1, -1, false },
	{ "domain ends in macro", "v=spf1 a:%{H}", "+a:%{H}", -1, -1, false },
	{ "domain ends in %%", "v=spf1 a:foo%%", "+a:foo%%", -1, -1, false },
	{ "macro encodings", "v=spf1 a:macro%%percent%_%_space%-url.example.com",
	    "+a:macro%%percent%_%_space%-url.example.com", -1, -1, false },
	{ "all then more", "v=spf1 all -all", "+all -all", -1, -1, true },
	{ "mechanism names case-insensitive", "v=spf1 IP4:1.2.3.4 Include:x.example.com",
	    "+ip4:1.2.3.4 +include:x.example.com", -1, -1, false },
};

struct invalid_case {
	const char	*name;
	const char	*record;
	size_t		 len;		/* 0: strlen(record) */
	const char	*reason;	/* a substring of the error */
};

static const struct invalid_case invalid[] = {
	{ "not spf", "v=spf10 -all", 0, "not an SPF" },
	{ "no space after version", "v=spf1-all", 0, "not an SPF" },
	{ "unknown mechanism", "v=spf1 ip4:1.2.3.4 -all moo", 0,
	    "unknown mechanism 'moo'" },
	{ "unknown mechanism before match", "v=spf1 foo -all", 0,
	    "unknown mechanism 'foo'" },
	{ "modifier name with slash", "v=spf1 moo.cow/far_out=man:dog/cat", 0,
	    "unknown mechanism" },
	{ "modifier name with colon", "v=spf1 moo.cow:far_out=man:dog/cat", 0,
	    "unknown mechanism" },
	{ "modifier name starts with digit", "v=spf1 1up=foo", 0,
	    "unknown mechanism" },
	{ "empty modifier name", "v=spf1 =all", 0, "unknown mechanism" },
	{ "redirect as mechanism", "v=spf1 redirect:t2.example.com", 0,
	    "unknown mechanism" },
	{ "all with dot", "v=spf1 -all.", 0, "unknown mechanism" },
	{ "all with argument", "v=spf1 -all:foobar", 0, "'all' takes no" },
	{ "all with cidr", "v=spf1 -all/8", 0, "'all' takes no" },
	{ "a bad cidr4", "v=spf1 a/33", 0, "invalid ip4 cidr" },
	{ "a bad cidr6", "v=spf1 a//129", 0, "invalid ip6 cidr" },
	{ "a cidr leading zero", "v=spf1 a/024", 0, "invalid ip4 cidr" },
	{ "a cidr4 then single-slash cidr", "v=spf1 a/24/64", 0,
	    "invalid ip4 cidr" },
	{ "a empty domain", "v=spf1 a:", 0, "empty domain-spec" },
	{ "a port in domain", "v=spf1 a:example.com:8080", 0, "bad top label" },
	{ "a numeric toplabel", "v=spf1 a:111.222.33.44", 0, "bad top label" },
	{ "a numeric toplabel 2", "v=spf1 a:abc.123", 0, "bad top label" },
	{ "a toplabel leading dash", "v=spf1 a:example.-com", 0,
	    "bad top label" },
	{ "a single label", "v=spf1 a:museum", 0, "bad top label" },
	{ "a single label dot", "v=spf1 a:museum.", 0, "bad top label" },
	{ "a non-ascii", "v=spf1 a:\xef\xbb\xbfgarbage.example.net -all", 0,
	    "invalid character 0xef" },
	{ "non-ascii mechanism", "v=spf1 \x80" "a:example.net -all", 0,
	    "unknown mechanism '\\x80a:example.net'" },
	{ "non-ascii qualifier", "v=spf1 a:example.net \x96" "all", 0,
	    "unknown mechanism" },
	{ "NUL byte", "v=spf1 a:foo.example.com\0", 25,
	    "invalid character 0x00" },
	{ "NUL inside", "v=spf1 ip4:1.2.3.4\0 -all", 24, "invalid address" },
	{ "CR between terms", "v=spf1 a:ctrl.example.com\rptr -all", 0,
	    "invalid character 0x0d" },
	{ "LF after ip4", "v=spf1 ip4:192.0.2.5\n include:x.example.com", 0,
	    "invalid address" },
	{ "tab separator", "v=spf1 a\t-all", 0, "unknown mechanism" },
	{ "include no domain", "v=spf1 include", 0, "needs ':domain-spec'" },
	{ "include empty domain", "v=spf1 include: -all", 0,
	    "empty domain-spec" },
	{ "include cidr", "v=spf1 include:ip5.example.com/24", 0,
	    "bad top label" },
	{ "exists bare", "v=spf1 exists", 0, "needs ':domain-spec'" },
	{ "exists empty", "v=spf1 exists:", 0, "empty domain-spec" },
	{ "exists cidr", "v=spf1 exists:mail.example.com/24", 0,
	    "bad top label" },
	{ "ptr cidr", "v=spf1 ptr/0 -all", 0, "no cidr" },
	{ "ptr empty", "v=spf1 ptr:", 0, "empty domain-spec" },
	{ "ip4 bare", "v=spf1 ip4", 0, "needs an address" },
	{ "ip4 cidr 33", "v=spf1 ip4:1.2.3.4/33", 0, "invalid cidr" },
	{ "ip4 cidr leading zero", "v=spf1 ip4:1.2.3.4/032", 0,
	    "invalid cidr" },
	{ "ip4 dual cidr", "v=spf1 ip4:1.2.3.4//32", 0, "invalid cidr" },
	{ "ip4 port", "v=spf1 ip4:1.2.3.4:8080", 0, "invalid address" },
	{ "ip4 short", "v=spf1 ip4:1.2.3", 0, "invalid address" },
	{ "ip4 leading zero", "v=spf1 ip4:01.2.3.4", 0, "invalid address" },
	{ "ip4 octet 256", "v=spf1 ip4:1.2.3.256", 0, "invalid address" },
	{ "ip4 empty cidr", "v=spf1 ip4:1.2.3.4/", 0, "invalid cidr" },
	{ "ip6 bare", "v=spf1 -all ip6", 0, "needs an address" },
	{ "ip6 cidr 129", "v=spf1 ip6:::1.1.1.1/129", 0, "invalid cidr" },
	{ "ip6 dual cidr", "v=spf1 ip6:::1.1.1.1//33", 0, "invalid cidr" },
	{ "ip6 bad", "v=spf1 ip6::CAFE::BABE", 0, "invalid address" },
	{ "ip6 ipv4 text", "v=spf1 ip6:1.2.3.4", 0, "invalid address" },
	{ "redirect twice", "v=spf1 redirect=a.example.com redirect=b.example.com",
	    0, "redirect= appears more than once" },
	{ "exp twice", "v=spf1 exp=a.example.com -all exp=b.example.com",
	    0, "exp= appears more than once" },
	{ "redirect empty", "v=spf1 ?all redirect=", 0, "empty domain-spec" },
	{ "exp empty", "v=spf1 exp= -all", 0, "empty domain-spec" },
	{ "exp bad domain", "v=spf1 exp=-all", 0, "bad top label" },
	{ "redirect bad domain", "v=spf1 redirect=-all ?all", 0,
	    "bad top label" },
	{ "bad macro in modifier", "v=spf1 -all foo=%abc", 0,
	    "'%' followed by" },
	{ "macro bad opener", "v=spf1 -exists:%(ir).sbl.example.com", 0,
	    "'%' followed by" },
	{ "macro percent dot", "v=spf1 exists:foo%.sbl.example.com", 0,
	    "'%' followed by" },
	{ "macro at end", "v=spf1 exists:foo.example.com%", 0,
	    "at the end" },
	{ "macro unknown letter", "v=spf1 a:%{a}.example.com", 0,
	    "unknown macro letter" },
	{ "macro unterminated", "v=spf1 a:%{d.example.com", 0,
	    "malformed macro" },
	{ "macro zero digits", "v=spf1 a:%{d0}", 0, "nonzero" },
	{ "macro bad delimiter", "v=spf1 a:%{d2;}", 0, "malformed macro" },
	{ "exp-only macro in domain", "v=spf1 -all exp=%{r}.example.com", 0,
	    "only allowed in explanations" },
	{ "exp-only c in a", "v=spf1 a:%{c}.example.com", 0,
	    "only allowed in explanations" },
	{ "exp-only t in exists", "v=spf1 exists:%{t}.example.com", 0,
	    "only allowed in explanations" },
};

static void
test_valid(void **state)
{
	struct spf_record rec;
	struct buf b;
	char err[256];
	size_t i;
	int rv;

	(void)state;
	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		const struct valid_case *c = &valid[i];

		err[0] = '\0';
		rv = spf_parse(c->record, strlen(c->record), &rec, err,
		    sizeof(err));
		if (rv != 0) {
			spf_record_free(&rec);
			fail_msg("%s: got error %d (%s), want success", c->name,
			    rv, err);
		}
		buf_init(&b, 0);
		render(&rec, &b);
		if (b.err || strcmp(b.data ? b.data : "", c->want) != 0) {
			print_error("%s: got '%s', want '%s'\n", c->name,
			    b.data ? b.data : "", c->want);
			buf_free(&b);
			spf_record_free(&rec);
			fail();
		}
		buf_free(&b);
		if (rec.redirect != c->redirect || rec.exp != c->exp ||
		    rec.has_all != c->has_all) {
			spf_record_free(&rec);
			fail_msg("%s: got redirect %d exp %d all %d, want %d %d %d",
			    c->name, rec.redirect, rec.exp, rec.has_all,
			    c->redirect, c->exp, c->has_all);
		}
		spf_record_free(&rec);
	}
}

static void
test_invalid(void **state)
{
	struct spf_record rec;
	char err[256];
	size_t i, len;
	int rv;

	(void)state;
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		const struct invalid_case *c = &invalid[i];

		len = c->len ? c->len : strlen(c->record);
		err[0] = '\0';
		rv = spf_parse(c->record, len, &rec, err, sizeof(err));
		spf_record_free(&rec);
		if (rv != MAUTH_ERR_SYNTAX)
			fail_msg("%s: got %d (%s), want MAUTH_ERR_SYNTAX",
			    c->name, rv, err);
		if (strstr(err, c->reason) == NULL)
			fail_msg("%s: got reason '%s', want it to contain '%s'",
			    c->name, err, c->reason);
	}
}

/* the values parsed out of terms */
static void
test_values(void **state)
{
	struct spf_record rec;
	const char *r = "v=spf1 ip4:192.0.2.128/25 ip6:2001:DB8::/32 "
	    "a:x.example.com/16//48";
	uint8_t want4[4] = { 192, 0, 2, 128 }, want6[16] = { 0x20, 0x01,
	    0x0d, 0xb8 };
	char err[256];

	(void)state;
	if (spf_parse(r, strlen(r), &rec, err, sizeof(err)) != 0)
		fail_msg("values: got error %s, want success", err);
	if (rec.nterms != 3)
		fail_msg("values: got %zu terms, want 3", rec.nterms);
	if (memcmp(rec.terms[0].addr, want4, 4) != 0 ||
	    rec.terms[0].cidr4 != 25)
		fail_msg("values: ip4 network or cidr wrong (cidr %d, want 25)",
		    rec.terms[0].cidr4);
	if (memcmp(rec.terms[1].addr, want6, 16) != 0 ||
	    rec.terms[1].cidr6 != 32)
		fail_msg("values: ip6 network or cidr wrong (cidr %d, want 32)",
		    rec.terms[1].cidr6);
	if (rec.terms[2].cidr4 != 16 || rec.terms[2].cidr6 != 48 ||
	    rec.terms[2].speclen != strlen("x.example.com"))
		fail_msg("values: got a cidr %d//%d speclen %zu, want 16//48 13",
		    rec.terms[2].cidr4, rec.terms[2].cidr6,
		    rec.terms[2].speclen);
	spf_record_free(&rec);
}

/* RFC 7208 4.5: which TXT strings are SPF records */
static void
test_is_spf(void **state)
{
	static const struct {
		const char *s;
		bool want;
	} cases[] = {
		{ "v=spf1", true },
		{ "v=spf1 -all", true },
		{ "V=SPF1 a", true },
		{ "v=spf10", false },
		{ "v=spf1-all", false },
		{ "v=spf", false },
		{ "", false },
		{ " v=spf1", false },
		{ "v=spf1\t-all", false },
		{ "spf2.0/pra -all", false },
	};
	size_t i;
	bool got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = spf_record_is_spf((const uint8_t *)cases[i].s,
		    strlen(cases[i].s));
		if (got != cases[i].want)
			fail_msg("is_spf '%s': got %d, want %d", cases[i].s,
			    got, cases[i].want);
	}
}

/* hostile input: a long record parses in one pass, a huge one is refused */
static void
test_long_records(void **state)
{
	struct spf_record rec;
	struct buf b;
	char err[256];
	size_t i;
	int rv;

	(void)state;
	buf_init(&b, 0);
	buf_puts(&b, "v=spf1");
	for (i = 0; i < 4000; i++)
		buf_puts(&b, " ip4:192.0.2.1");
	rv = spf_parse(b.data, b.len, &rec, err, sizeof(err));
	if (rv != 0 || rec.nterms != 4000)
		fail_msg("4000 terms: got %d with %zu terms, want 0 with 4000",
		    rv, rec.nterms);
	spf_record_free(&rec);
	while (b.len <= SPF_MAX_RECORD_LEN)
		buf_puts(&b, " a");
	rv = spf_parse(b.data, b.len, &rec, err, sizeof(err));
	spf_record_free(&rec);
	buf_free(&b);
	if (rv != MAUTH_ERR_SYNTAX)
		fail_msg("over-long record: got %d, want MAUTH_ERR_SYNTAX", rv);
}

static void
test_domain_spec(void **state)
{
	static const struct {
		const char *s;
		bool want;
	} cases[] = {
		{ "example.com", true },
		{ "example.com.", true },
		{ ".com", true },
		{ "%{d}", true },
		{ "%{d}.", true },
		{ "_spf.%{d2}", true },
		{ "%{ir}.%{v}.arpa", true },
		{ "foo.1-2", true },
		{ "foo.a1", true },
		{ "com", false },
		{ "foo.com-", false },
		{ "foo.12", false },
		{ "foo.c_m", false },
		{ "", false },
		{ "%{c}.example.com", false },
		{ "foo bar.com", false },
	};
	char err[256];
	size_t i;
	bool got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = spf_domain_spec_check(cases[i].s, strlen(cases[i].s),
		    err, sizeof(err));
		if (got != cases[i].want)
			fail_msg("domain-spec '%s': got %d, want %d",
			    cases[i].s, got, cases[i].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_is_spf),
		cmocka_unit_test(test_long_records),
		cmocka_unit_test(test_domain_spec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
