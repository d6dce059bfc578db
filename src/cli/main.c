/*
 * main.c - the mauth command: global options and dispatch to subcommands.
 *
 * Each subcommand is one entry of the table below: its name, the function
 * that parses its arguments and runs it, its usage text and a one-line
 * summary.  New commands (verify, dmarc, sign, keygen, audit) slot in here.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mauth/mauth.h"
#include "cli/cli.h"
#include "util/str.h"

static const struct cli_command commands[] = {
	{ "spf", cmd_spf, cmd_spf_usage,
	    "evaluate SPF (RFC 7208) for a client IP, MAIL FROM and HELO" },
	{ "dmarc", cmd_dmarc, cmd_dmarc_usage,
	    "evaluate DMARC (RFC 9989) from a From domain and SPF/DKIM results" },
	{ "verify", cmd_verify, cmd_verify_usage,
	    "check messages (SPF, DKIM, DMARC), print Authentication-Results" },
	{ "sign", cmd_sign, cmd_sign_usage,
	    "sign a message with DKIM (RSA-SHA256, Ed25519-SHA256)" },
	{ "keygen", cmd_keygen, cmd_keygen_usage,
	    "make a DKIM key and its DNS record" },
	{ "rules", cmd_rules, cmd_rules_usage,
	    "check a policy rules file (and try it on given results)" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* verror - the one-line error writer behind cli_error and cli_fail */
static void
verror(const char *fmt, va_list ap)
{
	char line[1024];
	size_t i;

	vsnprintf(line, sizeof(line), fmt, ap);
	/* one line, always: a library reason must not break it */
	for (i = 0; line[i] != '\0'; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	fprintf(stderr, "mauth: error: %s\n", line);
}

/* cli_error - one-line usage/input error, exit status 2 */
int
cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(fmt, ap);
	va_end(ap);
	return CLI_EXIT_USAGE;
}

/* cli_fail - one-line resource failure, exit status 1 */
int
cli_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(fmt, ap);
	va_end(ap);
	return CLI_EXIT_FAIL;
}

/* cli_put_safe - print s with non-printable bytes as \xHH */
void
cli_put_safe(FILE *fp, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p >= 0x20 && *p <= 0x7e)
			putc(*p, fp);
		else
			fprintf(fp, "\\x%02x", *p);
	}
}

/* cli_parse_uint - bounded decimal number from an argument */
int
cli_parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	uint64_t v;

	if (!str_to_u64(s, strlen(s), max, &v) || v < min)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* find_command - the table entry named name, or NULL */
static const struct cli_command *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* usage - the top-level help */
static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: mauth [--help | --version] COMMAND [ARGS...]\n"
	    "\n"
	    "mauth is an email-authentication toolkit: SPF, DKIM (verify and\n"
	    "sign), DMARC and Authentication-Results.\n"
	    "\n"
	    "commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "  %-10s %s\n", commands[i].name,
		    commands[i].summary);
	fprintf(fp, "  %-10s %s\n", "help", "show the usage of a command");
	fprintf(fp, "\n"
	    "Run 'mauth help COMMAND' or 'mauth COMMAND --help' for details.\n"
	    "Exit status: 0 when the job completed (whatever the verdict), "
	    "1 on a resource failure,\n2 on bad arguments or bad input files.\n");
}

/* cmd_help - "mauth help [COMMAND]" */
static int
cmd_help(int argc, char **argv)
{
	const struct cli_command *c;

	if (argc < 2) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (argc > 2)
		return cli_error("help takes one command name");
	if ((c = find_command(argv[1])) == NULL)
		return cli_error("unknown command '%s' (try 'mauth --help')",
		    argv[1]);
	c->usage(stdout);
	return CLI_EXIT_OK;
}

/* main - global options, then the subcommand named by the first argument */
int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help",	no_argument,	NULL,	'h' },
		{ "version",	no_argument,	NULL,	'V' },
		{ NULL,		0,		NULL,	0 }
	};
	const struct cli_command *c;
	int ch;

	/* "+": stop at the first non-option, the command name */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		case 'V':
			printf("mauth %s\n", mauth_version());
			return CLI_EXIT_OK;
		default:
			return cli_error("unknown option '%s' (try 'mauth --help')",
			    argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[0], "help") == 0)
		return cmd_help(argc, argv);
	if ((c = find_command(argv[0])) == NULL)
		return cli_error("unknown command '%s' (try 'mauth --help')",
		    argv[0]);
	/* the subcommand parses its own options from a fresh getopt state */
	optind = 0;
	return c->run(argc, argv);
}
