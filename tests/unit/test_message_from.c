/*
 * test_message_from.c - the From / Author Domain parser
 * (src/lib/message/from.c): RFC 5322 appendix A, comments, quoted
 * strings, groups, obsolete forms, unusable domains, several addresses
 * and several From fields, 8-bit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mauth/common.h"
#include "mauth/message.h"
#include "util/buf.h"

struct from_case {
	const char	*name;
	const char	*value;
	size_t		 len;		/* 0: strlen */
	int		 status;
	const char	*domain;	/* mauth_from_domain(), NULL */
	const char	*all;		/* "local@domain,..." of every address */
	const char	*reason;	/* substring of the reason, or NULL */
};

#define OK	MAUTH_FROM_OK
#define MULTI	MAUTH_FROM_MULTIPLE_ADDRESSES
#define NODOM	MAUTH_FROM_NO_DOMAIN
#define SYNTAX	MAUTH_FROM_SYNTAX

static const struct from_case cases[] = {
	/* RFC 5322 A.1.1 */
	{ "A.1.1 name-addr", "John Doe <jdoe@machine.example>", 0, OK,
	    "machine.example", "jdoe@machine.example", "one address" },
	{ "A.1.1 Mary", " Mary Smith <mary@example.net>", 0, OK,
	    "example.net", "mary@example.net", NULL },
	/* A.1.2 */
	{ "A.1.2 quoted display", "\"Joe Q. Public\" <john.q.public@example.com>",
	    0, OK, "example.com", "john.q.public@example.com", NULL },
	{ "A.1.2 three addresses", "Mary Smith <mary@x.test>, jdoe@example.org, "
	    "Who? <one@y.test>", 0, MULTI, NULL,
	    "mary@x.test,jdoe@example.org,one@y.test", "different domains" },
	{ "A.1.2 quoted with escaped quotes", "<boss@nil.test>, "
	    "\"Giant; \\\"Big\\\" Box\" <sysservices@example.net>", 0, MULTI,
	    NULL, "boss@nil.test,sysservices@example.net", NULL },
	{ "A.1.2 single quoted with ; and escapes",
	    "\"Giant; \\\"Big\\\" Box\" <sysservices@example.net>", 0, OK,
	    "example.net", "sysservices@example.net", NULL },
	/* A.1.3 groups (RFC 6854 allows them in From) */
	{ "A.1.3 group", "A Group:Ed Jones <c@a.test>,joe@where.test,John "
	    "<jdoe@one.test>;", 0, MULTI, NULL,
	    "c@a.test,joe@where.test,jdoe@one.test", NULL },
	{ "A.1.3 empty group", "Undisclosed recipients:;", 0, NODOM, NULL, "",
	    "no address" },
	/* A.5 comments and white space */
	{ "A.5 comments", "Pete(A nice \\) chap) <pete(his account)@silly.test"
	    "(his host)>", 0, OK, "silly.test", "pete@silly.test", NULL },
	{ "A.5 group with comments", "A Group(Some people)\r\n     :Chris Jones "
	    "<c@(Chris's host.)public.example>,\r\n         joe@example.org,\r\n"
	    "  John <jdoe@one.test> (my dear friend); (the end of the group)",
	    0, MULTI, NULL, "c@public.example,joe@example.org,jdoe@one.test",
	    NULL },
	{ "A.5 empty group with comments", "(Empty list)(start)Hidden "
	    "recipients  :(nobody(that I know))  ;", 0, NODOM, NULL, "", NULL },
	/* A.6 obsolete forms */
	{ "A.6.1 obs-phrase with dot", "Joe Q. Public <john.q.public@example.com>",
	    0, OK, "example.com", "john.q.public@example.com", NULL },
	{ "A.6.1 obs-route and empty element", "Mary Smith <@node.test:mary@"
	    "example.net>, , jdoe@test  . example", 0, MULTI, NULL,
	    "mary@example.net,jdoe@test.example", NULL },
	{ "A.6.3 comment in domain", "John Doe <jdoe@machine(comment).  example>",
	    0, OK, "machine.example", "jdoe@machine.example", NULL },
	{ "A.6.3 folded", "\r\n John Doe\r\n <jdoe@machine.example>\r\n", 0, OK,
	    "machine.example", "jdoe@machine.example", NULL },
	/* bare addr-spec, case, dots */
	{ "bare addr-spec", "user@example.com", 0, OK, "example.com",
	    "user@example.com", NULL },
	{ "angle only", "<user@example.com>", 0, OK, "example.com",
	    "user@example.com", NULL },
	{ "upper-case domain", "User@EXAMPLE.Com", 0, OK, "example.com",
	    "User@example.com", NULL },
	{ "trailing dot removed", "a@example.com.", 0, OK, "example.com",
	    "a@example.com", NULL },
	{ "obs-route several", "<@a.example,@b.example:user@c.example>", 0, OK,
	    "c.example", "user@c.example", NULL },
	{ "obs-route with commas", "<,@a.example,,@b.example:u@c.example>", 0, OK,
	    "c.example", "u@c.example", NULL },
	{ "obs-local-part with quoted word", "\"john\".doe@example.com", 0, OK,
	    "example.com", "\"john\".doe@example.com", NULL },
	{ "quoted local part", "\"quoted local\"@example.com", 0, OK,
	    "example.com", "\"quoted local\"@example.com", NULL },
	{ "CFWS around the at sign", "user (c) @ (d) example.com", 0, OK,
	    "example.com", "user@example.com", NULL },
	{ "double dot in local part (lenient)", "a..b@example.com", 0, OK,
	    "example.com", "a..b@example.com", NULL },
	/* display names that look like addresses */
	{ "quoted display with < @ ,", "\"a@evil.example, <x@y.example>\" "
	    "<real@good.example>", 0, OK, "good.example", "real@good.example",
	    NULL },
	{ "comment holding an address", "(bank.example) <x@evil.example>", 0,
	    OK, "evil.example", "x@evil.example", NULL },
	{ "nested comments", "(a (b (c) d) e) user@ex.example (x(y)z)", 0, OK,
	    "ex.example", "user@ex.example", NULL },
	{ "escaped parens in comment", "(a \\( b) u@ex.example (\\))", 0, OK,
	    "ex.example", "u@ex.example", NULL },
	{ "8-bit display name", "J\xc3\xb6rg <j@example.org>", 0, OK,
	    "example.org", "j@example.org", NULL },
	/* several addresses */
	{ "two addresses, same domain", "a@b.example, c@B.EXAMPLE", 0, MULTI,
	    "b.example", "a@b.example,c@b.example", "all in one domain" },
	{ "group of two, same domain", "team: a@b.example, c@b.example;", 0,
	    MULTI, "b.example", "a@b.example,c@b.example", NULL },
	{ "group of one", "undisclosed: a@b.example;", 0, OK, "b.example",
	    "a@b.example", NULL },
	{ "group then address", "g: a@b.example;, c@d.example", 0, MULTI, NULL,
	    "a@b.example,c@d.example", NULL },
	{ "two addresses, one without domain", "a@b.example, c", 0, MULTI, NULL,
	    "a@b.example,c@", "without a usable domain" },
	{ "leading and trailing commas", ", a@b.example ,", 0, OK, "b.example",
	    "a@b.example", NULL },
	/* no usable domain */
	{ "empty value", "", 0, NODOM, NULL, "", "no address" },
	{ "blank value", " \r\n\t", 0, NODOM, NULL, "", "no address" },
	{ "only a comment", " (nobody) ", 0, NODOM, NULL, "", NULL },
	{ "no at sign", "user", 0, NODOM, NULL, "user@",
	    "address without a domain" },
	{ "angle without domain", "Joe <joe>", 0, NODOM, NULL, "joe@",
	    "without a domain" },
	{ "empty angle", "<>", 0, NODOM, NULL, "@", "empty address" },
	{ "empty domain", "user@", 0, NODOM, NULL, "user@", "empty domain" },
	{ "domain-literal", "user@[192.0.2.1]", 0, NODOM, NULL, "user@",
	    "domain-literal" },
	{ "domain-literal in angle", "Joe <joe@[IPv6:2001:db8::1]>", 0, NODOM,
	    NULL, "joe@", "domain-literal" },
	{ "not a DNS name", "a@exa!mple.com", 0, NODOM, NULL, "a@exa!mple.com",
	    "not a valid DNS name" },
	{ "leading dot", "a@.example.com", 0, NODOM, NULL, "a@.example.com",
	    "empty label" },
	{ "double dot", "a@example..com", 0, NODOM, NULL, "a@example..com",
	    "empty label" },
	{ "lone dot", "a@.", 0, NODOM, NULL, "a@.", "empty label" },
	{ "label over 63", "a@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaa.example", 0, NODOM, NULL, NULL, "longer than 63" },
	{ "invalid UTF-8 domain", "a@\xff.example", 0, NODOM, NULL, NULL,
	    "not valid UTF-8" },
	/* 8-bit, IDN */
	{ "UTF-8 local and domain", "J\xc3\xb6rg <j\xc3\xb6rg@b\xc3\xbc"
	    "cher.example>", 0, OK, "b\xc3\xbc" "cher.example",
	    "j\xc3\xb6rg@b\xc3\xbc" "cher.example", NULL },
	{ "UTF-8 upper case kept", "a@\xc3\x9c" "BER.example", 0, OK,
	    "\xc3\x9c" "ber.example", NULL, NULL },
	{ "A-label kept", "a@XN--bcher-kva.example", 0, OK,
	    "xn--bcher-kva.example", NULL, NULL },
	/* syntax errors */
	{ "trailing garbage", "user@example.com garbage", 0, SYNTAX, NULL, NULL,
	    "unexpected text after an address" },
	{ "garbage after angle", "<a@b.example> x", 0, SYNTAX, NULL, NULL, NULL },
	{ "unquoted display name with at", "John Smith@example.com", 0, SYNTAX,
	    NULL, NULL, "words without a dot" },
	{ "address as display name", "a@bank.example <x@evil.example>", 0,
	    SYNTAX, NULL, NULL, NULL },
	{ "unterminated comment", "(oops user@example.com", 0, SYNTAX, NULL,
	    NULL, "unterminated comment" },
	{ "unterminated quote", "\"oops <user@example.com>", 0, SYNTAX, NULL,
	    NULL, "unterminated quoted string" },
	{ "missing >", "Joe <joe@example.com", 0, SYNTAX, NULL, NULL,
	    "missing '>'" },
	{ "stray >", "joe@example.com>", 0, SYNTAX, NULL, NULL, "'>' without" },
	{ "unterminated literal", "a@[1.2.3.4", 0, SYNTAX, NULL, NULL,
	    "unterminated domain-literal" },
	{ "nested group", "a: b: c@d.example;;", 0, SYNTAX, NULL, NULL,
	    "group inside a group" },
	{ "unterminated group", "a: c@d.example", 0, SYNTAX, NULL, NULL,
	    "no ';'" },
	{ "semicolon outside group", "a@b.example;", 0, SYNTAX, NULL, NULL,
	    "';' outside a group" },
	{ "group without name", ": a@b.example;", 0, SYNTAX, NULL, NULL,
	    "group without a display name" },
	{ "NUL in domain", "a@b\0c.example", 14, SYNTAX, NULL, NULL, NULL },
	{ "NUL in quoted string", "\"a\0b\" <a@b.example>", 20, SYNTAX, NULL,
	    NULL, "NUL" },
	{ "two at signs", "a@b@c.example", 0, SYNTAX, NULL, NULL, NULL },
	{ "bad route", "<@a.example x:u@c.example>", 0, SYNTAX, NULL, NULL,
	    "obs-route" },
	{ "empty local part", "@example.com", 0, SYNTAX, NULL, NULL,
	    "empty local part" },
	{ "backslash at end of comment", "(a\\", 0, SYNTAX, NULL, NULL,
	    "unterminated comment" },
};

/* render - every kept address as "local@domain," */
static void
render(const struct mauth_from *f, struct buf *b)
{
	const char *s;
	size_t i, n;

	for (i = 0; i < mauth_from_count(f); i++) {
		if (i > 0)
			buf_putc(b, ',');
		s = mauth_from_addr_local(f, i, &n);
		buf_append(b, s, n);
		buf_putc(b, '@');
		s = mauth_from_addr_domain(f, i, &n);
		buf_append(b, s, n);
	}
}

/* BAD - report one failed check and go on with the table */
#define BAD(...) do {							\
	print_error(__VA_ARGS__);					\
	print_error("\n");						\
	bad++;								\
} while (0)

/* test_table - every case: status, domain, addresses, reason */
static void
test_table(void **state)
{
	const struct from_case *c;
	struct mauth_from *f;
	const char *d;
	struct buf b;
	size_t i, len, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		len = c->len ? c->len : strlen(c->value);
		if (mauth_from_parse(c->value, len, &f) != MAUTH_OK) {
			BAD("%s: parse failed", c->name);
			continue;
		}
		if (mauth_from_status(f) != c->status)
			BAD("%s: got status %s (%s), want %s", c->name,
			    mauth_from_status_str(mauth_from_status(f)),
			    mauth_from_reason(f),
			    mauth_from_status_str(c->status));
		d = mauth_from_domain(f);
		if ((d == NULL) != (c->domain == NULL) ||
		    (d != NULL && strcmp(d, c->domain) != 0))
			BAD("%s: got domain %s, want %s", c->name,
			    d ? d : "NULL", c->domain ? c->domain : "NULL");
		if (c->all != NULL) {
			buf_init(&b, 0);
			render(f, &b);
			if (strcmp(b.data ? b.data : "", c->all) != 0)
				BAD("%s: got addresses %s, want %s",
				    c->name, b.data ? b.data : "", c->all);
			buf_free(&b);
		}
		if (c->reason != NULL &&
		    strstr(mauth_from_reason(f), c->reason) == NULL)
			BAD("%s: got reason %s, want one with %s", c->name,
			    mauth_from_reason(f), c->reason);
		if (mauth_from_reason(f)[0] == '\0')
			BAD("%s: got an empty reason, want one", c->name);
		mauth_from_free(f);
	}
	if (bad > 0)
		fail_msg("%zu checks failed over %zu From cases", bad,
		    sizeof(cases) / sizeof(cases[0]));
}

/* test_details - display name, literal, usable flags, same_domain */
static void
test_details(void **state)
{
	static const char v[] = "\"Joe Q.\" (c) <joe@[192.0.2.1]>, Ann "
	    "<ann@x.example>";
	struct mauth_from *f;
	const char *s;

	(void)state;
	if (mauth_from_parse(v, sizeof(v) - 1, &f) != MAUTH_OK)
		fail_msg("details: parse failed");
	if (mauth_from_count(f) != 2 || mauth_from_total(f) != 2)
		fail_msg("details: got %zu addresses, want 2",
		    mauth_from_count(f));
	s = mauth_from_addr_display(f, 0);
	if (strcmp(s, "\"Joe Q.\"") != 0)
		fail_msg("details: got display %s, want \"Joe Q.\"", s);
	s = mauth_from_addr_literal(f, 0);
	if (s == NULL || strcmp(s, "[192.0.2.1]") != 0)
		fail_msg("details: got literal %s, want [192.0.2.1]",
		    s ? s : "NULL");
	if (mauth_from_addr_usable(f, 0) || !mauth_from_addr_usable(f, 1))
		fail_msg("details: got usable %d,%d, want 0,1",
		    mauth_from_addr_usable(f, 0), mauth_from_addr_usable(f, 1));
	if (strcmp(mauth_from_addr_display(f, 1), "Ann") != 0)
		fail_msg("details: got display %s, want Ann",
		    mauth_from_addr_display(f, 1));
	if (mauth_from_same_domain(f))
		fail_msg("details: got same_domain, want not");
	if (mauth_from_addr_local(f, 2, NULL) != NULL ||
	    mauth_from_addr_domain(f, 5, NULL) != NULL)
		fail_msg("details: got an address past the end");
	mauth_from_free(f);
}

/* test_fields - NONE, one field, several From fields */
static void
test_fields(void **state)
{
	struct mauth_from *f;

	(void)state;
	if (mauth_from_new(&f) != MAUTH_OK)
		fail_msg("fields: new failed");
	if (mauth_from_status(f) != MAUTH_FROM_NONE ||
	    mauth_from_domain(f) != NULL ||
	    strcmp(mauth_from_reason(f), "no From header field") != 0)
		fail_msg("fields: got %s (%s), want none",
		    mauth_from_status_str(mauth_from_status(f)),
		    mauth_from_reason(f));
	if (mauth_from_add(f, " a@b.example\r\n", 14) != MAUTH_OK ||
	    mauth_from_status(f) != MAUTH_FROM_OK)
		fail_msg("fields, first: got %s, want ok",
		    mauth_from_status_str(mauth_from_status(f)));
	if (mauth_from_add(f, " a@b.example", 12) != MAUTH_OK)
		fail_msg("fields, second: add failed");
	if (mauth_from_status(f) != MAUTH_FROM_MULTIPLE_FROM ||
	    mauth_from_domain(f) != NULL || mauth_from_fields(f) != 2 ||
	    strstr(mauth_from_reason(f), "2 From header fields") == NULL)
		fail_msg("fields, second: got %s (%s) domain %s, want "
		    "multiple-from without domain",
		    mauth_from_status_str(mauth_from_status(f)),
		    mauth_from_reason(f), mauth_from_domain(f) ?
		    mauth_from_domain(f) : "NULL");
	/* a third, unparseable field: still multiple-from */
	if (mauth_from_add(f, "((", 2) != MAUTH_OK ||
	    mauth_from_status(f) != MAUTH_FROM_MULTIPLE_FROM ||
	    mauth_from_total(f) != 2)
		fail_msg("fields, third: got %s with %zu addresses, want "
		    "multiple-from with 2",
		    mauth_from_status_str(mauth_from_status(f)),
		    mauth_from_total(f));
	mauth_from_free(f);
	if (mauth_from_add(NULL, "x", 1) != MAUTH_ERR_INVAL ||
	    mauth_from_parse("x", 1, NULL) != MAUTH_ERR_INVAL)
		fail_msg("fields: got OK for NULL arguments, want INVAL");
	mauth_from_free(NULL);
	if (strcmp(mauth_from_status_str(99), "unknown") != 0 ||
	    strcmp(mauth_from_status_str(MAUTH_FROM_MULTIPLE_ADDRESSES),
	    "multiple-addresses") != 0)
		fail_msg("status names: got a wrong name");
}

/* test_many - 150 addresses: counted, 100 kept, no common domain claimed */
static void
test_many(void **state)
{
	struct mauth_from *f;
	struct buf b;
	size_t i;

	(void)state;
	buf_init(&b, 0);
	for (i = 0; i < 150; i++)
		buf_printf(&b, "%su%zu@same.example", i ? ", " : "", i);
	if (mauth_from_parse(b.data, b.len, &f) != MAUTH_OK)
		fail_msg("many: parse failed");
	if (mauth_from_total(f) != 150 ||
	    mauth_from_count(f) != MAUTH_FROM_MAX_ADDRESSES ||
	    mauth_from_status(f) != MAUTH_FROM_MULTIPLE_ADDRESSES ||
	    mauth_from_domain(f) != NULL)
		fail_msg("many: got total %zu kept %zu status %s, want 150, "
		    "100, multiple-addresses without domain",
		    mauth_from_total(f), mauth_from_count(f),
		    mauth_from_status_str(mauth_from_status(f)));
	mauth_from_free(f);
	/* deep comment nesting is iterative: no stack growth */
	buf_reset(&b);
	for (i = 0; i < 100000; i++)
		buf_putc(&b, '(');
	for (i = 0; i < 100000; i++)
		buf_putc(&b, ')');
	buf_puts(&b, " a@deep.example");
	if (mauth_from_parse(b.data, b.len, &f) != MAUTH_OK ||
	    mauth_from_status(f) != MAUTH_FROM_OK)
		fail_msg("deep comments: got %s, want ok",
		    mauth_from_status_str(mauth_from_status(f)));
	mauth_from_free(f);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_details),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
