/*
 * test_policy_decide.c - the shipped rules/default.rules against a matrix
 * of message facts (p=reject fail is rejected 550 5.7.1, p=quarantine is
 * quarantined, a DNS temporary error is never rejected, our own clients and
 * passing mail are accepted), then the matching logic itself: and/or/not,
 * value alternatives, dkim over several signatures, domain lists.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "mauth/policy.h"
#include "mauth/dkim.h"
#include "mauth/dmarc.h"
#include "mauth/spf.h"

#define DEFAULT_RULES	TESTDATA "/../rules/default.rules"

/* facts in a compact form for the tables */
struct fx {
	int		 spf;
	int		 dkim;		/* -1: no signature */
	int		 dmarc;
	int		 policy;
	bool		 temperror;
	bool		 auth;
	bool		 internal;
	const char	*from;
};

struct decide_case {
	const char	*name;
	struct fx	 f;
	int		 action;
	int		 code;
	const char	*esc;
};

#define NOSIG	-1
#define UNSET	MAUTH_DMARC_POLICY_UNSET

static const struct decide_case default_cases[] = {
	{ "all pass", { MAUTH_SPF_PASS, MAUTH_DKIM_PASS, MAUTH_DMARC_PASS,
	    MAUTH_DMARC_POLICY_REJECT, false, false, false, "a.example" },
	    MAUTH_POLICY_ACCEPT, 0, "" },
	{ "no records", { MAUTH_SPF_NONE, NOSIG, MAUTH_DMARC_NONE, UNSET,
	    false, false, false, "a.example" }, MAUTH_POLICY_ACCEPT, 0, "" },
	{ "p=reject fail", { MAUTH_SPF_FAIL, MAUTH_DKIM_FAIL, MAUTH_DMARC_FAIL,
	    MAUTH_DMARC_POLICY_REJECT, false, false, false, "a.example" },
	    MAUTH_POLICY_REJECT, 550, "5.7.1" },
	{ "p=reject fail no sig", { MAUTH_SPF_SOFTFAIL, NOSIG,
	    MAUTH_DMARC_FAIL, MAUTH_DMARC_POLICY_REJECT, false, false, false,
	    "a.example" }, MAUTH_POLICY_REJECT, 550, "5.7.1" },
	{ "p=quarantine fail", { MAUTH_SPF_FAIL, NOSIG, MAUTH_DMARC_FAIL,
	    MAUTH_DMARC_POLICY_QUARANTINE, false, false, false, "a.example" },
	    MAUTH_POLICY_QUARANTINE, 0, "" },
	{ "p=none fail", { MAUTH_SPF_FAIL, NOSIG, MAUTH_DMARC_FAIL,
	    MAUTH_DMARC_POLICY_NONE, false, false, false, "a.example" },
	    MAUTH_POLICY_ACCEPT, 0, "" },
	{ "spf fail, dmarc pass", { MAUTH_SPF_FAIL, MAUTH_DKIM_PASS,
	    MAUTH_DMARC_PASS, MAUTH_DMARC_POLICY_REJECT, false, false, false,
	    "a.example" }, MAUTH_POLICY_ACCEPT, 0, "" },
	{ "temperror with p=reject fail", { MAUTH_SPF_FAIL, MAUTH_DKIM_TEMPERROR,
	    MAUTH_DMARC_FAIL, MAUTH_DMARC_POLICY_REJECT, true, false, false,
	    "a.example" }, MAUTH_POLICY_TEMPFAIL, 451, "4.4.3" },
	{ "temperror with p=quarantine fail", { MAUTH_SPF_TEMPERROR, NOSIG,
	    MAUTH_DMARC_FAIL, MAUTH_DMARC_POLICY_QUARANTINE, true, false, false,
	    "a.example" }, MAUTH_POLICY_TEMPFAIL, 451, "4.4.3" },
	{ "dmarc pass despite a DNS error", { MAUTH_SPF_TEMPERROR,
	    MAUTH_DKIM_PASS, MAUTH_DMARC_PASS, MAUTH_DMARC_POLICY_REJECT, true,
	    false, false, "a.example" }, MAUTH_POLICY_ACCEPT, 0, "" },
	{ "dmarc temperror only", { MAUTH_SPF_PASS, NOSIG,
	    MAUTH_DMARC_TEMPERROR, UNSET, false, false, false, "a.example" },
	    MAUTH_POLICY_TEMPFAIL, 451, "4.4.3" },
	{ "auth beats p=reject", { MAUTH_SPF_FAIL, NOSIG, MAUTH_DMARC_FAIL,
	    MAUTH_DMARC_POLICY_REJECT, false, true, false, "a.example" },
	    MAUTH_POLICY_ACCEPT, 0, "" },
	{ "auth beats temperror", { MAUTH_SPF_TEMPERROR, NOSIG,
	    MAUTH_DMARC_TEMPERROR, UNSET, true, true, false, "a.example" },
	    MAUTH_POLICY_ACCEPT, 0, "" },
	{ "internal beats p=reject", { MAUTH_SPF_FAIL, NOSIG, MAUTH_DMARC_FAIL,
	    MAUTH_DMARC_POLICY_REJECT, false, false, true, NULL },
	    MAUTH_POLICY_ACCEPT, 0, "" },
	{ "permerror accepted", { MAUTH_SPF_PERMERROR, MAUTH_DKIM_PERMERROR,
	    MAUTH_DMARC_PERMERROR, UNSET, false, false, false, "a.example" },
	    MAUTH_POLICY_ACCEPT, 0, "" },
};

/* fill - the facts of a table row */
static void
fill(const struct fx *x, struct mauth_policy_facts *f)
{
	mauth_policy_facts_init(f);
	f->spf = x->spf;
	if (x->dkim != NOSIG) {
		f->dkim[0] = x->dkim;
		f->ndkim = 1;
		f->dkim_aligned = x->dkim == MAUTH_DKIM_PASS;
	}
	f->dmarc = x->dmarc;
	f->dmarc_policy = x->policy;
	f->dns_temperror = x->temperror;
	f->auth = x->auth;
	f->internal = x->internal;
	f->from_domain = x->from;
	f->from_domain_len = x->from != NULL ? strlen(x->from) : 0;
}

/* test_default_rules - the shipped policy against the matrix */
static void
test_default_rules(void **state)
{
	struct mauth_policy_facts	 f;
	struct mauth_policy_decision	 d;
	struct mauth_policy		*p = NULL;
	char				 err[512];
	size_t				 i;
	int				 bad = 0;

	(void)state;
	if (mauth_policy_load(DEFAULT_RULES, &p, err, sizeof(err)) != 0)
		fail_msg("default.rules: %s", err);
	for (i = 0; i < sizeof(default_cases) / sizeof(default_cases[0]); i++) {
		const struct decide_case *c = &default_cases[i];

		fill(&c->f, &f);
		if (mauth_policy_decide(p, &f, &d) != 0 ||
		    d.action != c->action || d.smtp_code != c->code ||
		    strcmp(d.esc, c->esc) != 0) {
			print_error("%s: got %s %d %s (%s), want %s %d %s\n",
			    c->name, mauth_policy_action_str(d.action),
			    d.smtp_code, d.esc, d.source,
			    mauth_policy_action_str(c->action), c->code, c->esc);
			bad++;
		}
		/* a DNS temporary error must never end in a rejection */
		if (c->f.temperror && d.action == MAUTH_POLICY_REJECT) {
			print_error("%s: rejected on a DNS temperror\n", c->name);
			bad++;
		}
		if (d.rule == 0 || strncmp(d.source, DEFAULT_RULES ":",
		    strlen(DEFAULT_RULES) + 1) != 0) {
			print_error("%s: got rule %u source \"%s\", want the "
			    "file's rule\n", c->name, d.rule, d.source);
			bad++;
		}
	}
	mauth_policy_free(p);
	if (bad)
		fail_msg("%d failures in %zu default-rules cases", bad, i);
}

/* test_rejection_text - the p=reject reply names the From domain */
static void
test_rejection_text(void **state)
{
	struct mauth_policy_facts	 f;
	struct mauth_policy_decision	 d;
	struct mauth_policy		*p = NULL;
	char				 err[512];
	const char			*want =
	    "Message rejected by the DMARC policy of a.example";

	(void)state;
	if (mauth_policy_load(DEFAULT_RULES, &p, err, sizeof(err)) != 0)
		fail_msg("default.rules: %s", err);
	fill(&default_cases[2].f, &f);
	(void)mauth_policy_decide(p, &f, &d);
	if (strcmp(d.text, want) != 0)
		fail_msg("reject text: got \"%s\", want \"%s\"", d.text, want);
	if (strcmp(d.reason, "dmarc=fail and dmarc.policy=reject") != 0)
		fail_msg("reason: got \"%s\", want \"dmarc=fail and "
		    "dmarc.policy=reject\"", d.reason);
	mauth_policy_free(p);
}

/* test_matching - and/or/not, alternatives, several signatures, lists */
static void
test_matching(void **state)
{
	static const char rules[] =
	    "accept if from in {vip.example, *.partner.example}\n"	/* 1 */
	    "reject if spf=fail and not dkim=pass\n"			/* 2 */
	    "quarantine if spf=softfail|neutral and dkim=none or dmarc=fail\n" /* 3 */
	    "add-header X-Check \"spf=%{spf}\" if not dkim.aligned\n"	/* 4 */
	    "tempfail if dkim=temperror\n";				/* 5 */
	static const struct {
		const char	*name;
		int		 spf;
		int		 dkim[3];
		size_t		 ndkim;
		bool		 aligned;
		int		 dmarc;
		const char	*from;
		unsigned	 rule;		/* 0: no match */
	} cases[] = {
		{ "vip exact", MAUTH_SPF_FAIL, { 0 }, 0, false, 0,
		    "VIP.example.", 1 },
		{ "vip subdomain", MAUTH_SPF_FAIL, { 0 }, 0, false, 0,
		    "mx.partner.example", 1 },
		{ "wildcard not apex", MAUTH_SPF_FAIL, { 0 }, 0, false, 0,
		    "partner.example", 2 },
		{ "suffix not a label", MAUTH_SPF_FAIL, { 0 }, 0, false, 0,
		    "xvip.example", 2 },
		{ "fail, one of two sigs pass", MAUTH_SPF_FAIL,
		    { MAUTH_DKIM_FAIL, MAUTH_DKIM_PASS }, 2, true, 0, NULL, 0 },
		{ "fail, both sigs fail", MAUTH_SPF_FAIL,
		    { MAUTH_DKIM_FAIL, MAUTH_DKIM_FAIL }, 2, false, 0, NULL, 2 },
		{ "softfail no sig", MAUTH_SPF_SOFTFAIL, { 0 }, 0, false, 0,
		    NULL, 3 },
		{ "neutral no sig", MAUTH_SPF_NEUTRAL, { 0 }, 0, false, 0,
		    NULL, 3 },
		{ "softfail with sig", MAUTH_SPF_SOFTFAIL, { MAUTH_DKIM_PASS },
		    1, false, 0, NULL, 4 },
		{ "or branch", MAUTH_SPF_PASS, { MAUTH_DKIM_PASS }, 1, true,
		    MAUTH_DMARC_FAIL, NULL, 3 },
		{ "not aligned", MAUTH_SPF_PASS, { MAUTH_DKIM_PASS }, 1, false,
		    0, NULL, 4 },
		{ "second sig temperror", MAUTH_SPF_PASS,
		    { MAUTH_DKIM_PASS, MAUTH_DKIM_TEMPERROR }, 2, true, 0, NULL,
		    5 },
		{ "nothing matches", MAUTH_SPF_PASS, { MAUTH_DKIM_PASS }, 1,
		    true, MAUTH_DMARC_PASS, NULL, 0 },
	};
	struct mauth_policy_facts	 f;
	struct mauth_policy_decision	 d;
	struct mauth_policy		*p = NULL;
	char				 err[512];
	size_t				 i;
	int				 bad = 0;

	(void)state;
	if (mauth_policy_load_mem("m", rules, sizeof(rules) - 1, &p, err,
	    sizeof(err)) != 0)
		fail_msg("rules: %s", err);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mauth_policy_facts_init(&f);
		f.spf = cases[i].spf;
		memcpy(f.dkim, cases[i].dkim, sizeof(cases[i].dkim));
		f.ndkim = cases[i].ndkim;
		f.dkim_aligned = cases[i].aligned;
		f.dmarc = cases[i].dmarc;
		f.from_domain = cases[i].from;
		f.from_domain_len = cases[i].from ? strlen(cases[i].from) : 0;
		if (mauth_policy_decide(p, &f, &d) != 0 ||
		    d.rule != cases[i].rule) {
			print_error("%s: got rule %u (%s), want %u\n",
			    cases[i].name, d.rule, d.reason, cases[i].rule);
			bad++;
		}
	}
	/* the header of rule 4 */
	mauth_policy_facts_init(&f);
	f.spf = MAUTH_SPF_PASS;
	f.ndkim = 1;
	f.dkim[0] = MAUTH_DKIM_PASS;
	(void)mauth_policy_decide(p, &f, &d);
	if (d.action != MAUTH_POLICY_ADD_HEADER ||
	    strcmp(d.header_name, "X-Check") != 0 ||
	    strcmp(d.header_value, "spf=pass") != 0) {
		print_error("add-header: got %s %s: %s, want add-header "
		    "X-Check: spf=pass\n", mauth_policy_action_str(d.action),
		    d.header_name, d.header_value);
		bad++;
	}
	mauth_policy_free(p);
	if (bad)
		fail_msg("%d matching cases failed", bad);
}

/* test_misuse - NULL arguments fail safe (tempfail), never accept */
static void
test_misuse(void **state)
{
	struct mauth_policy_facts	 f;
	struct mauth_policy_decision	 d;

	(void)state;
	mauth_policy_facts_init(&f);
	if (mauth_policy_decide(NULL, &f, &d) != MAUTH_ERR_INVAL ||
	    d.action != MAUTH_POLICY_TEMPFAIL || d.smtp_code != 451)
		fail_msg("NULL policy: got %s %d, want tempfail 451",
		    mauth_policy_action_str(d.action), d.smtp_code);
	if (mauth_policy_decide(NULL, &f, NULL) != MAUTH_ERR_INVAL)
		fail_msg("NULL decision: want MAUTH_ERR_INVAL");
	mauth_policy_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_rules),
		cmocka_unit_test(test_rejection_text),
		cmocka_unit_test(test_matching),
		cmocka_unit_test(test_misuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
