/*
 * cmd_spf.c - "mauth spf": parse the arguments, set up the resolver, run
 * one SPF check_host() evaluation and hand the result to the renderer.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "mauth/mauth.h"
#include "cli/cli.h"
#include "cli/dns_args.h"
#include "cli/render_spf.h"

enum {
	OPT_IP = CLI_DNS_OPT_END,
	OPT_MAIL_FROM,
	OPT_HELO,
	OPT_IDENTITY,
	OPT_RECEIVER,
	OPT_EXPLAIN,
	OPT_JSON,
	OPT_HELP
};

struct spf_args {
	const char	*ip;
	const char	*mail_from;	/* NULL: not given; "": null reverse-path */
	const char	*helo;
	int		 identity;	/* -1: chosen from what was given */
	struct cli_dns_args dns;
	const char	*receiver;
	bool		 explain;
	bool		 json;
};

/* cmd_spf_usage - "mauth help spf" */
void
cmd_spf_usage(FILE *fp)
{
	fprintf(fp,
"usage: mauth spf --ip IP [--mail-from ADDR] [--helo NAME]\n"
"                 [--identity mailfrom|helo]\n"
"                 [--zone FILE | --dns-server IP[:PORT]...]\n"
"                 [--timeout MS] [--retries N] [--receiver NAME]\n"
"                 [--explain] [--json]\n"
"\n"
"Evaluate SPF (RFC 7208 check_host) for one client and print the result:\n"
"pass, fail, softfail, neutral, none, temperror or permerror.\n"
"\n"
"  --ip IP             client address, IPv4 or IPv6 (required)\n"
"  --mail-from ADDR    MAIL FROM address; '' is the null reverse-path,\n"
"                      checked as postmaster@HELO (--helo is required)\n"
"  --helo NAME         HELO/EHLO name; without --mail-from the HELO identity\n"
"                      is checked\n"
"  --identity ID       mailfrom (default when --mail-from is given) or helo\n"
"  --zone FILE         answer DNS queries only from this zone file (offline)\n"
"  --dns-server ADDR   ask this server, IP or IP:PORT or [IPv6]:PORT;\n"
"                      repeatable (at most %d); default: /etc/resolv.conf\n"
"  --timeout MS        per-try DNS timeout in milliseconds (default 2000;\n"
"                      not used with --zone)\n"
"  --retries N         tries per server (default 2; not used with --zone)\n"
"  --receiver NAME     the receiving host, for the %%{r} macro\n"
"  --explain           print the evaluation tree with the lookup accounting\n"
"  --json              print one JSON object (includes the tree)\n"
"\n"
"Exit status: 0 when the evaluation completed, whatever the result;\n"
"2 on bad arguments, an unreadable zone file or a zone syntax error.\n",
	    MAUTH_DNS_MAX_SERVERS);
}

/* ip_valid - whether s is an IPv4 or IPv6 address in text form */
static bool
ip_valid(const char *s)
{
	struct in6_addr a6;
	struct in_addr a4;

	return inet_pton(AF_INET, s, &a4) == 1 ||
	    inet_pton(AF_INET6, s, &a6) == 1;
}

/* parse_args - fill *a from argv; 0 on success, else the exit status */
static int
parse_args(int argc, char **argv, struct spf_args *a)
{
	static const struct option longopts[] = {
		{ "ip",		required_argument, NULL, OPT_IP },
		{ "mail-from",	required_argument, NULL, OPT_MAIL_FROM },
		{ "helo",	required_argument, NULL, OPT_HELO },
		{ "identity",	required_argument, NULL, OPT_IDENTITY },
		CLI_DNS_LONGOPTS,
		{ "receiver",	required_argument, NULL, OPT_RECEIVER },
		{ "explain",	no_argument,	   NULL, OPT_EXPLAIN },
		{ "json",	no_argument,	   NULL, OPT_JSON },
		{ "help",	no_argument,	   NULL, OPT_HELP },
		{ NULL,		0,		   NULL, 0 }
	};
	int ch, rc;

	memset(a, 0, sizeof(*a));
	a->identity = -1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_IP:
			a->ip = optarg;
			break;
		case OPT_MAIL_FROM:
			a->mail_from = optarg;
			break;
		case OPT_HELO:
			a->helo = optarg;
			break;
		case OPT_IDENTITY:
			if (strcmp(optarg, "mailfrom") == 0)
				a->identity = MAUTH_SPF_ID_MAILFROM;
			else if (strcmp(optarg, "helo") == 0)
				a->identity = MAUTH_SPF_ID_HELO;
			else
				return cli_error("--identity: '%s' is not "
				    "'mailfrom' or 'helo'", optarg);
			break;
		case CLI_DNS_OPT_ZONE:
		case CLI_DNS_OPT_SERVER:
		case CLI_DNS_OPT_TIMEOUT:
		case CLI_DNS_OPT_RETRIES:
			if ((rc = cli_dns_option(&a->dns, ch, optarg)) != 0)
				return rc;
			break;
		case OPT_RECEIVER:
			a->receiver = optarg;
			break;
		case OPT_EXPLAIN:
			a->explain = true;
			break;
		case OPT_JSON:
			a->json = true;
			break;
		case OPT_HELP:
			cmd_spf_usage(stdout);
			return -1;
		case ':':
			return cli_error("option '%s' needs a value",
			    argv[optind - 1]);
		default:
			return cli_error("spf: unknown option '%s' "
			    "(try 'mauth help spf')", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_error("spf: unexpected argument '%s'", argv[optind]);

	if (a->ip == NULL)
		return cli_error("spf: --ip is required");
	if (!ip_valid(a->ip))
		return cli_error("--ip: '%s' is not an IPv4 or IPv6 address",
		    a->ip);
	if ((rc = cli_dns_check(&a->dns)) != 0)
		return rc;

	/* which identity: explicit, else MAIL FROM if given, else HELO */
	if (a->identity == -1) {
		if (a->mail_from != NULL)
			a->identity = MAUTH_SPF_ID_MAILFROM;
		else if (a->helo != NULL)
			a->identity = MAUTH_SPF_ID_HELO;
		else
			return cli_error("spf: give --mail-from or --helo");
	}
	if (a->identity == MAUTH_SPF_ID_HELO && a->helo == NULL)
		return cli_error("--identity helo needs --helo");
	if (a->identity == MAUTH_SPF_ID_MAILFROM && a->mail_from == NULL)
		return cli_error("--identity mailfrom needs --mail-from");
	/* RFC 7208 2.4: the null reverse-path is checked as postmaster@HELO */
	if (a->identity == MAUTH_SPF_ID_MAILFROM && a->mail_from[0] == '\0' &&
	    a->helo == NULL)
		return cli_error("--mail-from '' (null reverse-path) needs "
		    "--helo");
	return 0;
}

/* cmd_spf - "mauth spf" */
int
cmd_spf(int argc, char **argv)
{
	struct mauth_spf_request req;
	struct mauth_resolver *r = NULL;
	struct mauth_spf_eval *ev = NULL;
	struct spf_limits lim;
	struct spf_args a;
	char err[512];
	int rc, status;

	if ((rc = parse_args(argc, argv, &a)) != 0)
		return rc == -1 ? CLI_EXIT_OK : rc;
	if ((rc = cli_dns_open(&a.dns, &r)) != 0)
		return rc;

	mauth_spf_request_init(&req);
	req.ip = a.ip;
	req.mail_from = a.mail_from;
	req.helo = a.helo;
	req.identity = a.identity;
	if (a.receiver != NULL)
		req.receiver = a.receiver;
	req.record_tree = a.explain || a.json;
	lim.max_lookups = req.max_lookups;
	lim.max_void_lookups = req.max_void_lookups;

	err[0] = '\0';
	rc = mauth_spf_check(r, &req, &ev, err, sizeof(err));
	if (rc == MAUTH_ERR_INVAL) {
		status = cli_error("%s", err[0] != '\0' ? err :
		    mauth_strerror(rc));
		goto done;
	}
	if (rc != MAUTH_OK) {
		status = cli_fail("spf: %s", err[0] != '\0' ? err :
		    mauth_strerror(rc));
		goto done;
	}

	status = CLI_EXIT_OK;
	if (a.json) {
		if (render_spf_json(stdout, ev, &lim) == -1)
			status = cli_fail("json: %s",
			    mauth_strerror(MAUTH_ERR_NOMEM));
	} else {
		if (a.explain)
			render_spf_tree(stdout, ev, &lim);
		render_spf_text(stdout, ev);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		status = cli_fail("write error on standard output");
done:
	mauth_spf_eval_free(ev);
	mauth_resolver_free(r);
	return status;
}
