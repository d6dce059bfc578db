/*
 * test_policy_parse.c - the rules file parser (src/lib/policy/policy.c):
 * a table of good and bad lines with the expected first error and line
 * number, every error of a file reported, the ceilings (line length, rule
 * count), list files and the replies chosen when a rule omits them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mauth/policy.h"
#include "mauth/dmarc.h"
#include "mauth/spf.h"

struct parse_case {
	const char	*name;
	const char	*text;
	int		 rc;		/* 0 or the expected error status */
	const char	*err;		/* expected start of the first error, NULL if rc == 0 */
	size_t		 nrules;	/* when rc == 0 */
};

static const struct parse_case parse_cases[] = {
	{ "empty file", "", 0, NULL, 0 },
	{ "comments and blanks", "# c\n\n   \t\n  # x\n", 0, NULL, 0 },
	{ "accept", "accept\n", 0, NULL, 1 },
	{ "no final newline", "accept", 0, NULL, 1 },
	{ "CRLF lines", "accept if auth\r\naccept\r\n", 0, NULL, 2 },
	{ "case-insensitive", "ACCEPT IF SPF=PASS AND NOT Auth\n", 0, NULL, 1 },
	{ "trailing comment", "accept if auth # ours\n", 0, NULL, 1 },
	{ "reject full", "reject 550 5.7.1 \"DMARC of %{from}\" if dmarc=fail "
	    "and dmarc.policy=reject\n", 0, NULL, 1 },
	{ "reject code only", "reject 554 if spf=fail\n", 0, NULL, 1 },
	{ "reject text only", "reject \"no\" if spf=fail\n", 0, NULL, 1 },
	{ "tempfail", "tempfail 451 4.4.3 \"DNS\" if dns=temperror\n", 0, NULL, 1 },
	{ "quarantine", "quarantine if dmarc=fail and dmarc.policy=quarantine\n",
	    0, NULL, 1 },
	{ "add-header", "add-header X-Spam-Flag \"YES\" if spf=fail\n", 0, NULL, 1 },
	{ "value alternatives", "reject if spf=fail|softfail\n", 0, NULL, 1 },
	{ "or of ands", "quarantine if spf=fail and dkim=none or dmarc=fail\n",
	    0, NULL, 1 },
	{ "inline list", "accept if from in {a.example, *.b.example}\n", 0, NULL, 1 },
	{ "spaces around =", "accept if spf = pass\n", 0, NULL, 1 },
	{ "escaped quote", "reject \"a \\\"b\\\" c\" if auth\n", 0, NULL, 1 },
	{ "dmarc.policy unset", "accept if dmarc.policy=unset\n", 0, NULL, 1 },
	{ "flags", "accept if auth or internal or outgoing or dkim.aligned\n",
	    0, NULL, 1 },

	{ "unknown action", "accept\nfrobnicate\n", MAUTH_ERR_SYNTAX,
	    "t:2: unknown action 'frobnicate'", 0 },
	{ "unknown condition", "\n\naccept if colour=red\n", MAUTH_ERR_SYNTAX,
	    "t:3: unknown condition 'colour'", 0 },
	{ "bad spf value", "reject if spf=maybe\n", MAUTH_ERR_SYNTAX,
	    "t:1: unknown spf value 'maybe'", 0 },
	{ "bad dkim value", "reject if dkim=softfail\n", MAUTH_ERR_SYNTAX,
	    "t:1: unknown dkim value 'softfail'", 0 },
	{ "bad dmarc.policy", "reject if dmarc.policy=drop\n", MAUTH_ERR_SYNTAX,
	    "t:1: unknown dmarc.policy value 'drop'", 0 },
	{ "bad dns value", "tempfail if dns=fail\n", MAUTH_ERR_SYNTAX,
	    "t:1: unknown dns value 'fail'", 0 },
	{ "empty alternative", "reject if spf=fail|\n", MAUTH_ERR_SYNTAX,
	    "t:1: unknown spf value ''", 0 },
	{ "missing value", "reject if spf\n", MAUTH_ERR_SYNTAX,
	    "t:1: 'spf' needs '=VALUE'", 0 },
	{ "flag with value", "accept if auth=yes\n", MAUTH_ERR_SYNTAX,
	    "t:1: 'auth' takes no value", 0 },
	{ "reject 4xx code", "reject 451 if spf=fail\n", MAUTH_ERR_SYNTAX,
	    "t:1: bad SMTP code '451'", 0 },
	{ "tempfail 5xx code", "tempfail 550 if dns=temperror\n",
	    MAUTH_ERR_SYNTAX, "t:1: bad SMTP code '550'", 0 },
	{ "code second digit", "reject 590\n", MAUTH_ERR_SYNTAX,
	    "t:1: bad SMTP code '590'", 0 },
	{ "code too long", "reject 5500\n", MAUTH_ERR_SYNTAX,
	    "t:1: bad SMTP code '5500'", 0 },
	{ "status class mismatch", "reject 550 4.7.1\n", MAUTH_ERR_SYNTAX,
	    "t:1: bad enhanced status code '4.7.1'", 0 },
	{ "status form", "reject 550 5.71\n", MAUTH_ERR_SYNTAX,
	    "t:1: bad enhanced status code '5.71'", 0 },
	{ "status too many digits", "reject 550 5.7.1000\n", MAUTH_ERR_SYNTAX,
	    "t:1: bad enhanced status code '5.7.1000'", 0 },
	{ "unterminated quote", "accept\nreject \"oops if spf=fail\n",
	    MAUTH_ERR_SYNTAX, "t:2: unterminated quoted string", 0 },
	{ "bad escape", "reject \"a\\nb\"\n", MAUTH_ERR_SYNTAX,
	    "t:1: reply text: only", 0 },
	{ "unknown %-escape", "reject \"%{helo}\"\n", MAUTH_ERR_SYNTAX,
	    "t:1: reply text: unknown %-escape", 0 },
	{ "bare percent", "reject \"100% sure\"\n", MAUTH_ERR_SYNTAX,
	    "t:1: reply text: unknown %-escape", 0 },
	{ "junk after action", "accept now\n", MAUTH_ERR_SYNTAX,
	    "t:1: unexpected 'now' after accept", 0 },
	{ "if without condition", "accept if\n", MAUTH_ERR_SYNTAX,
	    "t:1: 'if' needs a condition", 0 },
	{ "dangling and", "accept if auth and\n", MAUTH_ERR_SYNTAX,
	    "t:1: condition ends too early", 0 },
	{ "missing and", "accept if auth internal\n", MAUTH_ERR_SYNTAX,
	    "t:1: expected 'and' or 'or', not 'internal'", 0 },
	{ "from without in", "accept if from {a.example}\n", MAUTH_ERR_SYNTAX,
	    "t:1: 'from' must be followed by 'in'", 0 },
	{ "list not closed", "accept if from in {a.example, b.example\n",
	    MAUTH_ERR_SYNTAX, "t:1: expected ',' or '}'", 0 },
	{ "bad list domain", "accept if from in {a..example}\n",
	    MAUTH_ERR_SYNTAX, "t:1: bad domain 'a..example'", 0 },
	{ "header name colon", "add-header X-A: \"v\"\n", MAUTH_ERR_SYNTAX,
	    "t:1: add-header needs a header name", 0 },
	{ "header value unquoted", "add-header X-A v\n", MAUTH_ERR_SYNTAX,
	    "t:1: add-header value must be quoted", 0 },
	{ "control byte", "accept if auth\x01\n", MAUTH_ERR_SYNTAX,
	    "t:1: control or non-ASCII byte 0x01", 0 },
	{ "non-ASCII", "accept \xc3\xa9\n", MAUTH_ERR_SYNTAX,
	    "t:1: control or non-ASCII byte 0xc3", 0 },
	{ "missing list file", "accept if from in file:/nonexistent/x.list\n",
	    MAUTH_ERR_IO, "t:1: list file /nonexistent/x.list:", 0 },
};

/* test_parse_table - each case: status, first error, rule count */
static void
test_parse_table(void **state)
{
	struct mauth_policy	*p;
	char			 err[512];
	size_t			 i;
	int			 rc, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];

		p = NULL;
		rc = mauth_policy_load_mem("t", c->text, strlen(c->text), &p,
		    err, sizeof(err));
		if (rc != c->rc) {
			print_error("%s: got rc %d (%s), want %d\n", c->name, rc,
			    err, c->rc);
			bad++;
		} else if (rc == 0 && mauth_policy_count(p) != c->nrules) {
			print_error("%s: got %zu rules, want %zu\n", c->name,
			    mauth_policy_count(p), c->nrules);
			bad++;
		} else if (rc != 0 && (p != NULL ||
		    strncmp(err, c->err, strlen(c->err)) != 0)) {
			print_error("%s: got error \"%s\", want \"%s...\"\n",
			    c->name, err, c->err);
			bad++;
		}
		mauth_policy_free(p);
	}
	if (bad)
		fail_msg("%d of %zu parse cases failed", bad, i);
}

struct collect {
	char	 lines[16][256];
	size_t	 n;
};

static void
collect_fn(void *arg, const char *msg)
{
	struct collect *c = arg;

	if (c->n < 16)
		snprintf(c->lines[c->n], sizeof(c->lines[0]), "%s", msg);
	c->n++;
}

/* test_every_error - load_each reports each bad line with its number */
static void
test_every_error(void **state)
{
	static const char *const want[] = {
		TESTDATA "/rules/bad.rules:3: unknown action",
		TESTDATA "/rules/bad.rules:4: unknown spf value",
		TESTDATA "/rules/bad.rules:5: bad SMTP code",
		TESTDATA "/rules/bad.rules:6: bad enhanced status code",
		TESTDATA "/rules/bad.rules:7: unterminated quoted string",
		TESTDATA "/rules/bad.rules:8: unknown condition",
	};
	struct collect		 c;
	struct mauth_policy	*p = NULL;
	size_t			 i;
	int			 rc;

	(void)state;
	memset(&c, 0, sizeof(c));
	rc = mauth_policy_load_each(TESTDATA "/rules/bad.rules", NULL, 0, &p,
	    collect_fn, &c);
	if (rc != MAUTH_ERR_SYNTAX || p != NULL)
		fail_msg("bad.rules: got rc %d, want %d", rc, MAUTH_ERR_SYNTAX);
	if (c.n != sizeof(want) / sizeof(want[0]))
		fail_msg("bad.rules: got %zu errors, want %zu", c.n,
		    sizeof(want) / sizeof(want[0]));
	for (i = 0; i < c.n; i++)
		if (strncmp(c.lines[i], want[i], strlen(want[i])) != 0)
			fail_msg("bad.rules error %zu: got \"%s\", want \"%s...\"",
			    i, c.lines[i], want[i]);
}

/* test_ceilings - overlong line, too many rules, exactly the maximum */
static void
test_ceilings(void **state)
{
	struct mauth_policy	*p = NULL;
	char			 err[512], *b;
	size_t			 i, n, cap;
	int			 rc;

	(void)state;
	cap = (MAUTH_POLICY_MAX_RULES + 2) * 8 + MAUTH_POLICY_MAX_LINE + 64;
	if ((b = malloc(cap)) == NULL)
		fail_msg("malloc");

	/* a line of MAX_LINE bytes is fine, one more is not */
	n = 0;
	memcpy(b, "accept #", 8);
	memset(b + 8, 'x', MAUTH_POLICY_MAX_LINE - 8);
	n = MAUTH_POLICY_MAX_LINE;
	b[n++] = '\n';
	rc = mauth_policy_load_mem("t", b, n, &p, err, sizeof(err));
	if (rc != 0)
		fail_msg("line at the limit: got rc %d (%s), want 0", rc, err);
	mauth_policy_free(p);
	p = NULL;
	memcpy(b, "accept\naccept #", 15);
	memset(b + 15, 'x', MAUTH_POLICY_MAX_LINE - 7);
	n = 15 + MAUTH_POLICY_MAX_LINE - 7;
	rc = mauth_policy_load_mem("t", b, n, &p, err, sizeof(err));
	if (rc != MAUTH_ERR_LIMIT || strncmp(err, "t:2: line longer", 16) != 0)
		fail_msg("overlong line: got rc %d \"%s\", want %d \"t:2: line "
		    "longer...\"", rc, err, MAUTH_ERR_LIMIT);

	/* MAX_RULES rules load, one more is refused at its line */
	for (n = 0, i = 0; i < MAUTH_POLICY_MAX_RULES; i++) {
		memcpy(b + n, "accept\n", 7);
		n += 7;
	}
	rc = mauth_policy_load_mem("t", b, n, &p, err, sizeof(err));
	if (rc != 0 || mauth_policy_count(p) != MAUTH_POLICY_MAX_RULES)
		fail_msg("max rules: got rc %d, %zu rules, want 0, %u", rc,
		    mauth_policy_count(p), MAUTH_POLICY_MAX_RULES);
	mauth_policy_free(p);
	p = NULL;
	memcpy(b + n, "accept\n", 7);
	n += 7;
	rc = mauth_policy_load_mem("t", b, n, &p, err, sizeof(err));
	if (rc != MAUTH_ERR_LIMIT || p != NULL ||
	    strncmp(err, "t:10001: too many rules", 23) != 0)
		fail_msg("too many rules: got rc %d \"%s\", want %d \"t:10001: "
		    "too many rules...\"", rc, err, MAUTH_ERR_LIMIT);
	free(b);
}

/* test_list_files - relative list, bad entry, missing file */
static void
test_list_files(void **state)
{
	static const struct {
		const char	*name;
		const char	*file;
		int		 rc;
		const char	*err;
	} cases[] = {
		{ "relative list", "with-list.rules", 0, NULL },
		{ "bad entry", "bad-list.rules", MAUTH_ERR_SYNTAX,
		    "bad-list.rules:1: list file " },
		{ "missing list", "missing-list.rules", MAUTH_ERR_IO,
		    "missing-list.rules:2: list file " },
		{ "missing rules file", "nope.rules", MAUTH_ERR_IO,
		    "nope.rules: " },
	};
	struct mauth_policy	*p;
	char			 path[512], err[512], want[512];
	size_t			 i;
	int			 rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), "%s/rules/%s", TESTDATA,
		    cases[i].file);
		p = NULL;
		rc = mauth_policy_load(path, &p, err, sizeof(err));
		if (rc != cases[i].rc)
			fail_msg("%s: got rc %d (%s), want %d", cases[i].name, rc,
			    err, cases[i].rc);
		if (rc == 0) {
			mauth_policy_free(p);
			continue;
		}
		snprintf(want, sizeof(want), "%s/rules/%s", TESTDATA,
		    cases[i].err);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("%s: got \"%s\", want \"%s...\"", cases[i].name,
			    err, want);
	}
}

/* test_default_replies - codes, statuses and texts filled in */
static void
test_default_replies(void **state)
{
	static const struct {
		const char	*name;
		const char	*rule;
		int		 action;
		int		 code;
		const char	*esc;
		const char	*text;
	} cases[] = {
		{ "dmarc reject", "reject if dmarc=fail", MAUTH_POLICY_REJECT,
		    550, "5.7.1", "Message rejected by the DMARC policy of "
		    "ex.example" },
		{ "spf reject", "reject if spf=fail", MAUTH_POLICY_REJECT, 550,
		    "5.7.23", "SPF validation failed" },
		{ "dkim reject", "reject if not dkim=pass", MAUTH_POLICY_REJECT,
		    550, "5.7.20", "No passing DKIM signature found" },
		{ "aligned reject", "reject if not dkim.aligned",
		    MAUTH_POLICY_REJECT, 550, "5.7.22",
		    "No valid author-matched DKIM signature" },
		{ "multiple", "reject if spf=fail and not dkim=pass",
		    MAUTH_POLICY_REJECT, 550, "5.7.26",
		    "Multiple authentication checks failed" },
		{ "plain reject", "reject", MAUTH_POLICY_REJECT, 550, "5.7.1",
		    "Message rejected by local policy" },
		{ "code kept, status default", "reject 554 if spf=fail",
		    MAUTH_POLICY_REJECT, 554, "5.7.23", "SPF validation failed" },
		{ "dns tempfail", "tempfail if dns=temperror",
		    MAUTH_POLICY_TEMPFAIL, 451, "4.4.3",
		    "Temporary DNS failure, try again later" },
		{ "other tempfail", "tempfail", MAUTH_POLICY_TEMPFAIL, 451,
		    "4.7.1", "Temporary failure, try again later" },
		{ "given reply", "reject 553 5.7.26 \"no %{from}, %{spf}\"",
		    MAUTH_POLICY_REJECT, 553, "5.7.26", "no ex.example, fail" },
		{ "from escaped", "reject \"[%{from}]\"", MAUTH_POLICY_REJECT,
		    550, "5.7.1", "[ex.example]" },
	};
	struct mauth_policy_facts	 f;
	struct mauth_policy_decision	 d;
	struct mauth_policy		*p;
	char				 err[512];
	size_t				 i;
	int				 rc;

	(void)state;
	mauth_policy_facts_init(&f);
	f.spf = MAUTH_SPF_FAIL;
	f.dmarc = MAUTH_DMARC_FAIL;
	f.dns_temperror = true;
	f.from_domain = "ex.example";
	f.from_domain_len = strlen(f.from_domain);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = NULL;
		rc = mauth_policy_load_mem("t", cases[i].rule,
		    strlen(cases[i].rule), &p, err, sizeof(err));
		if (rc != 0)
			fail_msg("%s: load: %s", cases[i].name, err);
		if (mauth_policy_decide(p, &f, &d) != 0 ||
		    d.action != cases[i].action || d.smtp_code != cases[i].code ||
		    strcmp(d.esc, cases[i].esc) != 0 ||
		    strcmp(d.text, cases[i].text) != 0)
			fail_msg("%s: got %s %d %s \"%s\", want %s %d %s \"%s\"",
			    cases[i].name, mauth_policy_action_str(d.action),
			    d.smtp_code, d.esc, d.text,
			    mauth_policy_action_str(cases[i].action),
			    cases[i].code, cases[i].esc, cases[i].text);
		mauth_policy_free(p);
	}

	/* an unsafe From domain cannot put CR/LF or '%' in a reply */
	p = NULL;
	if (mauth_policy_load_mem("t", "reject \"x %{from} y\"", 20, &p, err,
	    sizeof(err)) != 0)
		fail_msg("unsafe from: load: %s", err);
	f.from_domain = "a\r\nb%c.example";
	f.from_domain_len = strlen(f.from_domain);
	(void)mauth_policy_decide(p, &f, &d);
	if (strcmp(d.text, "x a??b?c.example y") != 0)
		fail_msg("unsafe from: got \"%s\", want \"x a??b?c.example y\"",
		    d.text);
	mauth_policy_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_every_error),
		cmocka_unit_test(test_ceilings),
		cmocka_unit_test(test_list_files),
		cmocka_unit_test(test_default_replies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
