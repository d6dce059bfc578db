/*
 * cmd_rules.c - "mauth rules check FILE [--test FACTS]": load a policy
 * rules file as mauthd would, print "FILE: N rules OK" or every error as
 * "FILE:LINE: reason", and optionally show the decision for given results.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "mauth/mauth.h"
#include "mauth/policy.h"
#include "cli/cli.h"
#include "util/str.h"

#define RULES_FACTS_MAX	1024	/* bytes of a --test argument */

/* cmd_rules_usage - "mauth help rules" */
void
cmd_rules_usage(FILE *fp)
{
	fprintf(fp,
"usage: mauth rules check FILE [--test FACTS]\n"
"\n"
"Check a policy rules file (format: rules/README.md) as mauthd loads it.\n"
"Prints \"FILE: N rules OK\" and exits 0, or prints every error as\n"
"\"FILE:LINE: reason\" on stderr and exits 2.\n"
"\n"
"  --test FACTS   also print the decision for one message's results, given\n"
"                 as a comma-separated list of: spf=RESULT, dkim=RESULT\n"
"                 (once per signature), dkim.aligned, dmarc=RESULT,\n"
"                 dmarc.policy=none|quarantine|reject|unset, dns=temperror,\n"
"                 auth, internal, outgoing, from=DOMAIN\n"
"                 e.g. --test spf=fail,dmarc=fail,dmarc.policy=reject\n");
}

/* print_err - errfn of mauth_policy_load_each: one line on stderr */
static void
print_err(void *arg, const char *msg)
{
	(void)arg;
	cli_put_safe(stderr, msg);
	fputc('\n', stderr);
}

/* one_fact - "key" or "key=value" into f; 0 or -1 */
static int
one_fact(const char *k, size_t klen, const char *v, size_t vlen,
    struct mauth_policy_facts *f)
{
	static const char *const dmarc_words[] = {
		"none", "pass", "fail", "temperror", "permerror", NULL
	};
	static const char *const pol_words[] = {
		"none", "quarantine", "reject", NULL
	};
	char	 val[256];
	int	 i, r;

	if (v != NULL) {
		if (vlen >= sizeof(val))
			return -1;
		memcpy(val, v, vlen);
		val[vlen] = '\0';
	}
#define KEY(s)	str_caseeq_n(k, klen, (s), strlen(s))
	if (v == NULL) {
		if (KEY("auth"))
			f->auth = true;
		else if (KEY("internal"))
			f->internal = true;
		else if (KEY("outgoing"))
			f->outgoing = true;
		else if (KEY("dkim.aligned"))
			f->dkim_aligned = true;
		else
			return -1;
		return 0;
	}
	if (KEY("spf")) {
		if ((r = mauth_spf_result_from_str(val)) < 0)
			return -1;
		f->spf = r;
	} else if (KEY("dkim")) {
		if ((r = mauth_dkim_result_from_str(val)) < 0 ||
		    f->ndkim >= MAUTH_POLICY_MAX_DKIM)
			return -1;
		f->dkim[f->ndkim++] = r;
	} else if (KEY("dmarc")) {
		for (i = 0; dmarc_words[i] != NULL; i++)
			if (str_casecmp(val, dmarc_words[i]) == 0)
				break;
		if (dmarc_words[i] == NULL)
			return -1;
		f->dmarc = i;	/* enum mauth_dmarc_result order */
	} else if (KEY("dmarc.policy")) {
		if (str_casecmp(val, "unset") == 0) {
			f->dmarc_policy = MAUTH_DMARC_POLICY_UNSET;
			return 0;
		}
		for (i = 0; pol_words[i] != NULL; i++)
			if (str_casecmp(val, pol_words[i]) == 0)
				break;
		if (pol_words[i] == NULL)
			return -1;
		f->dmarc_policy = i;	/* enum mauth_dmarc_policy order */
	} else if (KEY("dns")) {
		if (str_casecmp(val, "temperror") != 0)
			return -1;
		f->dns_temperror = true;
	} else if (KEY("from")) {
		f->from_domain = v;
		f->from_domain_len = vlen;
	} else
		return -1;
#undef KEY
	return 0;
}

/* parse_facts - the --test list; 0 or -1 (error printed) */
static int
parse_facts(const char *s, struct mauth_policy_facts *f)
{
	const char	*e, *c, *eq;
	size_t		 len = strlen(s);

	if (len > RULES_FACTS_MAX)
		return cli_error("--test: longer than %d bytes", RULES_FACTS_MAX),
		    -1;
	for (e = s + len; s < e; s = c + 1) {
		if ((c = memchr(s, ',', (size_t)(e - s))) == NULL)
			c = e;
		if (c == s)
			continue;
		eq = memchr(s, '=', (size_t)(c - s));
		if (one_fact(s, eq != NULL ? (size_t)(eq - s) : (size_t)(c - s),
		    eq != NULL ? eq + 1 : NULL,
		    eq != NULL ? (size_t)(c - eq - 1) : 0, f) == -1) {
			cli_error("--test: bad fact '%.*s' (see mauth help rules)",
			    (int)(c - s), s);
			return -1;
		}
	}
	return 0;
}

/* cmd_rules - "mauth rules check FILE [--test FACTS]" */
int
cmd_rules(int argc, char **argv)
{
	struct mauth_policy_facts	 f;
	struct mauth_policy_decision	 d;
	struct mauth_policy		*p = NULL;
	const char			*file = NULL, *facts = NULL;
	int				 i, rc;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		cmd_rules_usage(stdout);
		return CLI_EXIT_OK;
	}
	if (argc < 2 || strcmp(argv[1], "check") != 0)
		return cli_error("usage: mauth rules check FILE [--test FACTS]");
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--test") == 0) {
			if (++i >= argc)
				return cli_error("--test needs FACTS");
			facts = argv[i];
		} else if (strncmp(argv[i], "--test=", 7) == 0)
			facts = argv[i] + 7;
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return cli_error("unknown option %s", argv[i]);
		else if (file == NULL)
			file = argv[i];
		else
			return cli_error("one rules file only");
	}
	if (file == NULL)
		return cli_error("usage: mauth rules check FILE [--test FACTS]");
	mauth_policy_facts_init(&f);
	if (facts != NULL && parse_facts(facts, &f) == -1)
		return CLI_EXIT_USAGE;

	rc = mauth_policy_load_each(file, NULL, 0, &p, print_err, NULL);
	if (rc == MAUTH_ERR_NOMEM || rc == MAUTH_ERR_INTERNAL)
		return cli_fail("%s: %s", file, mauth_strerror(rc));
	if (rc != 0)
		return CLI_EXIT_USAGE;
	cli_put_safe(stdout, file);
	printf(": %zu rules OK\n", mauth_policy_count(p));
	if (facts != NULL) {
		if (mauth_policy_decide(p, &f, &d) != 0) {
			mauth_policy_free(p);
			return cli_fail("decision failed");
		}
		printf("decision: %s", mauth_policy_action_str(d.action));
		if (d.smtp_code != 0)
			printf(" %d %s \"%s\"", d.smtp_code, d.esc, d.text);
		if (d.action == MAUTH_POLICY_ADD_HEADER)
			printf(" %s: %s", d.header_name, d.header_value);
		if (d.rule != 0) {
			printf(" (rule %u, ", d.rule);
			cli_put_safe(stdout, d.source);
			printf(": %s)\n", d.reason);
		} else
			printf(" (%s)\n", d.reason);
	}
	mauth_policy_free(p);
	return CLI_EXIT_OK;
}
