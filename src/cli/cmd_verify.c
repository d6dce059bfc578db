/*
 * cmd_verify.c - "mauth verify": parse the arguments, set up the resolver
 * and the shared check context, then for every message of every PATH
 * (file, "-", mbox, Maildir, directory) run the per-message pipeline of
 * mauth/check.h and hand the check to the renderer.  No SPF, DKIM or DMARC
 * logic lives here.
 *
 * Output: per message on stdout (text, or one JSON object per line); the
 * progress indicator (only when stderr is a terminal) and the closing
 * summary (when more than one message was seen) on stderr, so that JSON
 * on stdout stays clean.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mauth/mauth.h"
#include "mauth/message.h"
#include "cli/cli.h"
#include "cli/dmarc_args.h"
#include "cli/dns_args.h"
#include "cli/render_verify.h"

#define VERIFY_CHUNK		65536	/* bytes per mauth_check_write() */
#define VERIFY_ARG_MAX		1024
#define VERIFY_MAX_SIGS		1000
#define VERIFY_PROGRESS_MS	250

enum {
	OPT_IP = CLI_DMARC_OPT_END,
	OPT_HELO,
	OPT_MAIL_FROM,
	OPT_AUTHSERV_ID,
	OPT_MAX_SIGS,
	OPT_JSON,
	OPT_QUIET,
	OPT_HELP
};

struct verify_args {
	const char		*ip;
	const char		*helo;
	const char		*mail_from;
	const char		*authserv_id;
	int			 mode;
	const char		*psl;
	unsigned		 max_sigs;
	struct cli_dns_args	 dns;
	bool			 json;
	bool			 quiet;
	char			**paths;
	int			 npaths;
};

/* cmd_verify_usage - "mauth help verify" */
void
cmd_verify_usage(FILE *fp)
{
	fprintf(fp,
"usage: mauth verify [--ip IP] [--helo NAME] [--mail-from ADDR]\n"
"                    [--authserv-id ID] [--dmarc-mode rfc9989|rfc7489]\n"
"                    [--psl FILE] [--zone FILE | --dns-server ADDR...]\n"
"                    [--timeout MS] [--retries N] [--max-signatures N]\n"
"                    [--json] [--quiet] PATH...\n"
"\n"
"Check each message: SPF (when --ip is given), every DKIM signature, DMARC\n"
"for the From domain; print the Authentication-Results header mauth would\n"
"add and a short summary.  PATH is a message file, '-' (standard input),\n"
"an mbox file, a Maildir (cur/ and new/) or a directory of messages.\n"
"\n"
"  --ip IP               client address: SPF is evaluated (else it is not,\n"
"                        and DMARC uses DKIM alone)\n"
"  --helo NAME           HELO/EHLO name (SPF HELO identity)\n"
"  --mail-from ADDR      envelope sender; '' (or no --mail-from with --ip\n"
"                        and --helo) is the null reverse-path: SPF then\n"
"                        checks postmaster@HELO\n"
"  --authserv-id ID      authserv-id of the header (default: host name)\n"
"  --dmarc-mode MODE     rfc9989 (default: DNS tree walk) or rfc7489\n"
"  --psl FILE            public suffix list for rfc7489\n"
"  --zone FILE           answer DNS queries only from this zone file\n"
"  --dns-server ADDR     ask this server, IP or IP:PORT or [IPv6]:PORT;\n"
"                        repeatable (at most %d); default: /etc/resolv.conf\n"
"  --timeout MS          per-try DNS timeout in milliseconds (default 2000)\n"
"  --retries N           tries per server (default 2)\n"
"  --max-signatures N    DKIM signatures evaluated per message (default 5,\n"
"                        at most %d); the others are reported unchecked\n"
"  --json                one JSON object per message (JSON Lines)\n"
"  --quiet               no progress indicator and no closing summary\n"
"\n"
"The closing summary (counts per result, the From domains failing DMARC\n"
"most) goes to standard error when more than one message was checked.\n"
"\n"
"Exit status: 0 when every message was checked, whatever the results;\n"
"1 when a message could not be read or checked; 2 on bad arguments or an\n"
"unreadable zone file.\n",
	    MAUTH_DNS_MAX_SERVERS, VERIFY_MAX_SIGS);
}

/* text_ok - an argument we pass on: bounded, no control bytes */
static bool
text_ok(const char *s)
{
	size_t i, len = strlen(s);

	if (len > VERIFY_ARG_MAX)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* parse_args - fill *a; 0, -1 after --help, else the exit status */
static int
parse_args(int argc, char **argv, struct verify_args *a)
{
	static const struct option longopts[] = {
		{ "ip",		required_argument, NULL, OPT_IP },
		{ "helo",	required_argument, NULL, OPT_HELO },
		{ "mail-from",	required_argument, NULL, OPT_MAIL_FROM },
		{ "authserv-id", required_argument, NULL, OPT_AUTHSERV_ID },
		CLI_DMARC_LONGOPTS,
		CLI_DNS_LONGOPTS,
		{ "max-signatures", required_argument, NULL, OPT_MAX_SIGS },
		{ "json",	no_argument,	   NULL, OPT_JSON },
		{ "quiet",	no_argument,	   NULL, OPT_QUIET },
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
		case OPT_IP:
			a->ip = optarg;
			break;
		case OPT_HELO:
			if (optarg[0] == '\0' || !text_ok(optarg))
				return cli_error("--helo: not a usable name");
			a->helo = optarg;
			break;
		case OPT_MAIL_FROM:
			if (!text_ok(optarg))
				return cli_error("--mail-from: not a usable "
				    "address");
			a->mail_from = optarg;
			break;
		case OPT_AUTHSERV_ID:
			if (optarg[0] == '\0' || !text_ok(optarg))
				return cli_error("--authserv-id: not a usable "
				    "id");
			a->authserv_id = optarg;
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
		case OPT_MAX_SIGS:
			if (cli_parse_uint(optarg, 1, VERIFY_MAX_SIGS,
			    &a->max_sigs) == -1)
				return cli_error("--max-signatures: '%s' is not "
				    "a number in 1..%d", optarg,
				    VERIFY_MAX_SIGS);
			break;
		case OPT_JSON:
			a->json = true;
			break;
		case OPT_QUIET:
			a->quiet = true;
			break;
		case OPT_HELP:
			cmd_verify_usage(stdout);
			return -1;
		case ':':
			return cli_error("option '%s' needs a value",
			    argv[optind - 1]);
		default:
			return cli_error("verify: unknown option '%s' "
			    "(try 'mauth help verify')", argv[optind - 1]);
		}
	}
	if (rc != 0)
		return rc;
	if (optind >= argc)
		return cli_error("verify: give at least one PATH (a file, '-', "
		    "an mbox, a Maildir or a directory)");
	a->paths = argv + optind;
	a->npaths = argc - optind;
	if (a->ip != NULL && a->mail_from == NULL && a->helo == NULL)
		return cli_error("--ip needs --mail-from or --helo");
	if ((rc = cli_dmarc_check(a->mode, a->psl)) != 0)
		return rc;
	return cli_dns_check(&a->dns);
}

/* check_one - run the pipeline on data[0..len); 0 or a mauth status */
static int
check_one(struct mauth_ctx *ctx, const struct verify_args *a,
    const void *data, size_t len, struct mauth_check **out, const char **why)
{
	struct mauth_check *chk = NULL;
	const char *p = data;
	size_t off, n;
	int rc;

	*out = NULL;
	*why = NULL;
	if ((rc = mauth_check_new(ctx, &chk)) != MAUTH_OK)
		return rc;
	if ((a->ip != NULL || a->helo != NULL) &&
	    (rc = mauth_check_set_client(chk, a->ip, a->helo)) != MAUTH_OK) {
		*why = a->ip != NULL ? "--ip: not an IPv4 or IPv6 address" :
		    "--helo: refused";
		goto fail;
	}
	if ((a->mail_from != NULL || a->ip != NULL) &&
	    (rc = mauth_check_set_mail_from(chk, a->mail_from != NULL ?
	    a->mail_from : "")) != MAUTH_OK) {
		*why = "--mail-from: refused";
		goto fail;
	}
	for (off = 0; off < len; off += n) {
		n = len - off < VERIFY_CHUNK ? len - off : VERIFY_CHUNK;
		if ((rc = mauth_check_write(chk, p + off, n)) != MAUTH_OK)
			goto fail;
	}
	if ((rc = mauth_check_eom(chk)) != MAUTH_OK)
		goto fail;
	*out = chk;
	return MAUTH_OK;
fail:
	mauth_check_free(chk);
	return rc;
}

/* progress - "\rN messages ..." on a terminal, at most every 250 ms */
static void
progress(const struct verify_stats *st, uint64_t *last, bool done)
{
	uint64_t now = verify_now_ms();
	double rate;

	if (!done && now - *last < VERIFY_PROGRESS_MS)
		return;
	*last = now;
	if (done) {
		fputs("\r\033[K", stderr);
		return;
	}
	rate = now > st->start_ms ? (double)(st->messages + st->errors) *
	    1000.0 / (double)(now - st->start_ms) : 0.0;
	fprintf(stderr, "\r%zu messages, %zu errors, %.0f/s\033[K",
	    st->messages + st->errors, st->errors, rate);
	fflush(stderr);
}

/*
 * verify_path - every message of one PATH; counts into st.  Returns 0,
 * 1 when a message (or the path) could not be checked, or -1 on a
 * resource failure (message printed).
 */
static int
verify_path(struct mauth_ctx *ctx, const struct verify_args *a,
    const char *path, struct verify_stats *st, bool tty, uint64_t *last)
{
	struct mauth_source *src = NULL;
	struct mauth_msg *m;
	struct mauth_check *chk;
	struct verify_source vs;
	const void *data;
	const char *why;
	char err[512];
	size_t len, index = 0;
	int rc, status = 0;
	bool mbox;

	memset(&vs, 0, sizeof(vs));
	vs.path = path;
	vs.label = path;
	err[0] = '\0';
	if ((rc = mauth_source_open(path, NULL, &src, err, sizeof(err))) !=
	    MAUTH_OK) {
		if (rc == MAUTH_ERR_NOMEM) {
			(void)cli_fail("%s", mauth_strerror(rc));
			return -1;
		}
		st->errors++;
		if (render_verify_error(stdout, a->json, &vs, err[0] != '\0' ?
		    err : mauth_strerror(rc)) == -1)
			return -1;
		return 1;
	}
	mbox = mauth_source_kind(src) == MAUTH_SOURCE_MBOX;
	for (;;) {
		if ((rc = mauth_source_next(src, &m)) != MAUTH_OK) {
			if (rc == MAUTH_ERR_NOMEM) {
				(void)cli_fail("%s", mauth_strerror(rc));
				status = -1;
				break;
			}
			/* the stream itself failed: report, go to the next PATH */
			st->errors++;
			vs.label = path;
			vs.index = 0;
			if (render_verify_error(stdout, a->json, &vs,
			    mauth_strerror(rc)) == -1)
				status = -1;
			else
				status = 1;
			break;
		}
		if (m == NULL)
			break;
		index++;
		vs.label = mauth_msg_label(m);
		/* a file of a directory or Maildir is its own path */
		vs.path = mbox ? path : vs.label;
		vs.index = mbox ? index : 0;
		if (mauth_msg_error(m) != NULL) {
			st->errors++;
			status = 1;
			if (render_verify_error(stdout, a->json, &vs,
			    mauth_msg_error(m)) == -1) {
				status = -1;
				break;
			}
			continue;
		}
		data = mauth_msg_data(m, &len);
		rc = check_one(ctx, a, data != NULL ? data : "", len, &chk,
		    &why);
		if (rc == MAUTH_ERR_NOMEM) {
			(void)cli_fail("%s: %s", vs.label, mauth_strerror(rc));
			status = -1;
			break;
		}
		if (rc != MAUTH_OK) {
			st->errors++;
			status = 1;
			if (render_verify_error(stdout, a->json, &vs,
			    why != NULL ? why : mauth_strerror(rc)) == -1) {
				status = -1;
				break;
			}
			continue;
		}
		verify_stats_add(st, chk);
		if (a->json) {
			if (render_verify_json(stdout, &vs, chk) == -1) {
				(void)cli_fail("json: %s",
				    mauth_strerror(MAUTH_ERR_NOMEM));
				mauth_check_free(chk);
				status = -1;
				break;
			}
		} else
			render_verify_text(stdout, &vs, chk);
		mauth_check_free(chk);
		if (tty)
			progress(st, last, false);
	}
	mauth_source_free(src);
	return status;
}

/* cmd_verify - "mauth verify" */
int
cmd_verify(int argc, char **argv)
{
	struct mauth_ctx_options o;
	struct mauth_ctx *ctx = NULL;
	struct mauth_resolver *r = NULL;
	struct verify_stats st;
	struct verify_args a;
	char err[512];
	uint64_t last = 0;
	bool tty;
	int i, rc, status = CLI_EXIT_OK;

	if ((rc = parse_args(argc, argv, &a)) != 0)
		return rc == -1 ? CLI_EXIT_OK : rc;
	if ((rc = cli_dns_open(&a.dns, &r)) != 0)
		return rc;
	mauth_ctx_options_init(&o);
	o.authserv_id = a.authserv_id;
	o.dmarc_mode = a.mode;
	o.psl_path = a.psl;
	if (a.max_sigs > 0)
		o.max_signatures = a.max_sigs;
	err[0] = '\0';
	if ((rc = mauth_ctx_new(&o, r, &ctx, err, sizeof(err))) != MAUTH_OK) {
		mauth_resolver_free(r);
		if (rc == MAUTH_ERR_NOMEM || rc == MAUTH_ERR_INTERNAL)
			return cli_fail("%s", err[0] != '\0' ? err :
			    mauth_strerror(rc));
		return cli_error("%s", err[0] != '\0' ? err :
		    mauth_strerror(rc));
	}
	/* a bad --ip is a usage error, found before the first message */
	if (a.ip != NULL) {
		struct mauth_check *probe = NULL;

		if ((rc = mauth_check_new(ctx, &probe)) != MAUTH_OK) {
			status = cli_fail("%s", mauth_strerror(rc));
			goto done;
		}
		rc = mauth_check_set_client(probe, a.ip, a.helo);
		mauth_check_free(probe);
		if (rc != MAUTH_OK) {
			status = cli_error("--ip: '%s' is not an IPv4 or IPv6 "
			    "address", a.ip);
			goto done;
		}
	}
	if (verify_stats_init(&st) == -1) {
		status = cli_fail("%s", mauth_strerror(MAUTH_ERR_NOMEM));
		goto done;
	}
	tty = !a.quiet && isatty(STDERR_FILENO);
	for (i = 0; i < a.npaths; i++) {
		rc = verify_path(ctx, &a, a.paths[i], &st, tty, &last);
		if (rc == -1) {
			status = CLI_EXIT_FAIL;
			break;
		}
		if (rc == 1)
			status = CLI_EXIT_FAIL;
		if (fflush(stdout) != 0 || ferror(stdout)) {
			status = cli_fail("write error on standard output");
			break;
		}
	}
	if (tty)
		progress(&st, &last, true);
	if (!a.quiet && st.messages + st.errors > 1)
		verify_stats_print(stderr, &st);
	verify_stats_free(&st);
done:
	mauth_ctx_free(ctx);
	mauth_resolver_free(r);
	return status;
}
