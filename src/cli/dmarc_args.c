/*
 * dmarc_args.c - the DMARC options shared by mauth subcommands.
 */
#include "mauth/mauth.h"
#include "cli/cli.h"
#include "cli/dmarc_args.h"

/* cli_dmarc_set_mode - --dmarc-mode rfc9989|rfc7489 */
int
cli_dmarc_set_mode(int *mode, const char *arg)
{
	if ((*mode = mauth_dmarc_mode_from_str(arg)) < 0)
		return cli_error("--dmarc-mode: '%s' is not rfc9989 or "
		    "rfc7489", arg);
	return 0;
}

/* cli_dmarc_check - a public suffix list is read only in rfc7489 mode */
int
cli_dmarc_check(int mode, const char *psl)
{
	if (psl != NULL && mode != MAUTH_DMARC_RFC7489)
		return cli_error("--psl is used only with --dmarc-mode "
		    "rfc7489");
	return 0;
}
