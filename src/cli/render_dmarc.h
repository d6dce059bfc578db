/*
 * render_dmarc.h - output of a DMARC evaluation: plain text and JSON.
 * Rendering reads the evaluation object only; it never re-derives a result.
 */
#ifndef MAUTH_CLI_RENDER_DMARC_H
#define MAUTH_CLI_RENDER_DMARC_H

#include <stdio.h>

#include "mauth/dmarc.h"

/*
 * render_dmarc_text - the result word on the first line, then policy,
 * policy domain, organizational domain, alignment, testing (t=y only),
 * record and reason, one "name: value" per line.
 */
void	render_dmarc_text(FILE *fp, const struct mauth_dmarc_eval *ev);

/*
 * render_dmarc_json - one JSON object and a newline: result, policy (null
 * when no policy applies), policy_domain, org_domain, from_domain,
 * spf_aligned, dkim_aligned, testing, record, reason, mode, dns_queries.
 * Returns 0, or -1 when the object could not be built (out of memory).
 */
int	render_dmarc_json(FILE *fp, const struct mauth_dmarc_eval *ev,
	    int mode);

#endif /* MAUTH_CLI_RENDER_DMARC_H */
