/*
 * cmd_dmarc.c - "mauth dmarc": parse the arguments (the From domain and the
 * SPF and DKIM results already obtained), set up the resolver, run one DMARC
 * evaluation and hand it to the renderer.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "mauth/mauth.h"
#include "cli/cli.h"
#include "cli/dmarc_args.h"
#include "cli/dns_args.h"
#include "cli/render_dmarc.h"

#define DMARC_ARG_MAX	253	/* a domain name in an argument */

enum {
	OPT_FROM = CLI_DMARC_OPT_END,
	OPT_SPF,
	OPT_DKIM,
	OPT_JSON,
	OPT_HELP
};

struct dmarc_args {
	struct mauth_dmarc_input in;
	int			 mode;
	const char		*psl;
	struct cli_dns_args	 dns;
	bool			 json;
};

/* cmd_dmarc_usage - "mauth help dmarc" */
void
cmd_dmarc_usage(FILE *fp)
{
	fprintf(fp,
"usage: mauth dmarc --from DOMAIN [--spf RESULT:DOMAIN]\n"
"                   [--dkim RESULT:DOMAIN]...\n"
"                   [--dmarc-mode rfc9989|rfc7489] [--psl FILE]\n"
"                   [--zone FILE | --dns-server IP[:PORT]...]\n"
"                   [--timeout MS] [--retries N] [--json]\n"
"\n"
"Evaluate DMARC for an Author Domain from SPF and DKIM results already\n"
"obtained, and print the result (pass, fail, none, temperror, permerror),\n"
"the policy to apply, the domain whose record applies, the organizational\n"
"domain and the alignment.\n"
"\n"
"  --from DOMAIN         the RFC5322.From domain (required)\n"
"  --spf RESULT:DOMAIN   the SPF result and the domain SPF checked (MAIL FROM\n"
"                        domain, or HELO for a null reverse-path), e.g.\n"
"                        pass:bounce.example.com; only pass can align\n"
"  --dkim RESULT:DOMAIN  one verified signature and its d=; repeatable (at\n"
"                        most %d); only pass can align\n"
"  --dmarc-mode MODE     rfc9989 (default: DNS tree walk) or rfc7489\n"
"                        (organizational domain from the Public Suffix List)\n"
"  --psl FILE            public suffix list for rfc7489 (.dat or .dafsa;\n"
"                        default: the system's, /usr/share/publicsuffix)\n"
"  --zone FILE           answer DNS queries from this zone file only\n"
"  --dns-server ADDR     ask this server, IP or IP:PORT or [IPv6]:PORT;\n"
"                        repeatable (at most %d); default: /etc/resolv.conf\n"
"  --timeout MS          per-try DNS timeout in milliseconds (default 2000)\n"
"  --retries N           tries per server (default 2)\n"
"  --json                print one JSON object\n"
"\n"
"Exit status: 0 when the evaluation completed, whatever the result;\n"
"2 on bad arguments, an unreadable zone file or public suffix list.\n",
	    MAUTH_DMARC_MAX_DKIM, MAUTH_DNS_MAX_SERVERS);
}

/* domain_ok - a domain name we accept on the command line (ASCII only) */
static bool
domain_ok(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > DMARC_ARG_MAX + 1 ||
	    !mauth_dns_name_valid(s, len))
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 ||
		    (unsigned char)s[i] >= 0x7f || s[i] == '@')
			return false;
	return true;
}

/*
 * parse_auth - "RESULT:DOMAIN" into a; the result word is looked up with
 * from_str (SPF or DKIM names).  0 or the exit status.
 */
static int
parse_auth(const char *opt, char *arg, int (*from_str)(const char *),
    struct mauth_dmarc_auth *a)
{
	char *colon;

	if ((colon = strchr(arg, ':')) == NULL)
		return cli_error("%s: '%s' is not RESULT:DOMAIN", opt, arg);
	*colon = '\0';
	if ((a->result = from_str(arg)) < 0)
		return cli_error("%s: '%s' is not a result word", opt, arg);
	if (!domain_ok(colon + 1))
		return cli_error("%s: '%s' is not a domain name", opt,
		    colon + 1);
	a->domain = colon + 1;
	return 0;
}

/*
 * parse_args - fill *a from argv; 0 on success, -1 after --help, else the
 * exit status
 */
static int
parse_args(int argc, char **argv, struct dmarc_args *a)
{
	static const struct option longopts[] = {
		{ "from",	required_argument, NULL, OPT_FROM },
		{ "spf",	required_argument, NULL, OPT_SPF },
		{ "dkim",	required_argument, NULL, OPT_DKIM },
		CLI_DMARC_LONGOPTS,
		CLI_DNS_LONGOPTS,
		{ "json",	no_argument,	   NULL, OPT_JSON },
		{ "help",	no_argument,	   NULL, OPT_HELP },
		{ NULL,		0,		   NULL, 0 }
	};
	int ch, rc = 0;

	memset(a, 0, sizeof(*a));
	a->mode = MAUTH_DMARC_RFC9989;
	opterr = 0;
	while (rc == 0 &&
	    (ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_FROM:
			if (a->in.from_domain != NULL)
				return cli_error("--from given twice");
			if (!domain_ok(optarg))
				return cli_error("--from: '%s' is not a domain "
				    "name", optarg);
			a->in.from_domain = optarg;
			break;
		case OPT_SPF:
			if (a->in.has_spf)
				return cli_error("--spf given twice");
			rc = parse_auth("--spf", optarg,
			    mauth_spf_result_from_str, &a->in.spf);
			a->in.has_spf = true;
			break;
		case OPT_DKIM:
			if (a->in.ndkim == MAUTH_DMARC_MAX_DKIM)
				return cli_error("--dkim: at most %d results",
				    MAUTH_DMARC_MAX_DKIM);
			rc = parse_auth("--dkim", optarg,
			    mauth_dkim_result_from_str,
			    &a->in.dkim[a->in.ndkim++]);
			break;
		case CLI_DMARC_OPT_MODE:
			rc = cli_dmarc_set_mode(&a->mode, optarg);
			break;
		case CLI_DMARC_OPT_PSL:
			a->psl = optarg;
			break;
		case CLI_DNS_OPT_ZONE:
		case CLI_DNS_OPT_SERVER:
		case CLI_DNS_OPT_TIMEOUT:
		case CLI_DNS_OPT_RETRIES:
			rc = cli_dns_option(&a->dns, ch, optarg);
			break;
		case OPT_JSON:
			a->json = true;
			break;
		case OPT_HELP:
			cmd_dmarc_usage(stdout);
			return -1;
		case ':':
			return cli_error("option '%s' needs a value",
			    argv[optind - 1]);
		default:
			return cli_error("dmarc: unknown option '%s' "
			    "(try 'mauth help dmarc')", argv[optind - 1]);
		}
	}
	if (rc != 0)
		return rc;
	if (optind < argc)
		return cli_error("dmarc: unexpected argument '%s'",
		    argv[optind]);
	if (a->in.from_domain == NULL)
		return cli_error("dmarc: --from is required");
	if ((rc = cli_dmarc_check(a->mode, a->psl)) != 0)
		return rc;
	return cli_dns_check(&a->dns);
}

/* cmd_dmarc - "mauth dmarc" */
int
cmd_dmarc(int argc, char **argv)
{
	struct mauth_dmarc_ctx *ctx = NULL;
	struct mauth_dmarc_eval *ev = NULL;
	struct mauth_resolver *r = NULL;
	struct dmarc_args a;
	char err[512];
	int rc, status;

	if ((rc = parse_args(argc, argv, &a)) != 0)
		return rc == -1 ? CLI_EXIT_OK : rc;
	err[0] = '\0';
	if ((rc = mauth_dmarc_ctx_new(a.mode, a.psl, &ctx, err,
	    sizeof(err))) != MAUTH_OK) {
		if (rc == MAUTH_ERR_NOMEM)
			return cli_fail("%s", mauth_strerror(rc));
		return cli_error("%s", err[0] != '\0' ? err :
		    mauth_strerror(rc));
	}
	if ((rc = cli_dns_open(&a.dns, &r)) != 0) {
		mauth_dmarc_ctx_free(ctx);
		return rc;
	}

	rc = mauth_dmarc_evaluate(ctx, r, NULL, &a.in, &ev, err, sizeof(err));
	if (rc == MAUTH_ERR_INVAL) {
		status = cli_error("%s", err[0] != '\0' ? err :
		    mauth_strerror(rc));
		goto done;
	}
	if (rc != MAUTH_OK) {
		status = cli_fail("dmarc: %s", err[0] != '\0' ? err :
		    mauth_strerror(rc));
		goto done;
	}
	status = CLI_EXIT_OK;
	if (a.json) {
		if (render_dmarc_json(stdout, ev, a.mode) == -1)
			status = cli_fail("json: %s",
			    mauth_strerror(MAUTH_ERR_NOMEM));
	} else
		render_dmarc_text(stdout, ev);
	if (fflush(stdout) != 0 || ferror(stdout))
		status = cli_fail("write error on standard output");
done:
	mauth_dmarc_eval_free(ev);
	mauth_resolver_free(r);
	mauth_dmarc_ctx_free(ctx);
	return status;
}
