/*
 * dmarc_args.h - the DMARC options shared by mauth subcommands
 * (--dmarc-mode, --psl).
 */
#ifndef MAUTH_CLI_DMARC_ARGS_H
#define MAUTH_CLI_DMARC_ARGS_H

#include "cli/dns_args.h"

/* getopt_long codes; a subcommand numbers its own from CLI_DMARC_OPT_END */
enum {
	CLI_DMARC_OPT_MODE = CLI_DNS_OPT_END,
	CLI_DMARC_OPT_PSL,
	CLI_DMARC_OPT_END
};

/* the struct option entries of the DMARC options, for a longopts table */
#define CLI_DMARC_LONGOPTS						\
	{ "dmarc-mode",	required_argument, NULL, CLI_DMARC_OPT_MODE },	\
	{ "psl",	required_argument, NULL, CLI_DMARC_OPT_PSL }

/* cli_dmarc_set_mode - --dmarc-mode MODE into *mode; 0 or the exit status */
int	cli_dmarc_set_mode(int *mode, const char *arg);

/* cli_dmarc_check - --psl only with rfc7489; 0 or the exit status */
int	cli_dmarc_check(int mode, const char *psl);

#endif
