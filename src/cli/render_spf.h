/*
 * render_spf.h - output of an SPF evaluation: plain text, the --explain tree
 * and JSON.  Rendering reads the evaluation object only; it never re-derives
 * a result.
 */
#ifndef MAUTH_CLI_RENDER_SPF_H
#define MAUTH_CLI_RENDER_SPF_H

#include <stdio.h>

#include "mauth/spf.h"

/* the limits in force, shown next to the running counts */
struct spf_limits {
	unsigned	max_lookups;
	unsigned	max_void_lookups;
};

/*
 * render_spf_text - the result word on the first line, then
 * "explanation: ..." (fail only) and "reason: ...".
 */
void	render_spf_text(FILE *fp, const struct mauth_spf_eval *ev);

/*
 * render_spf_tree - the evaluation tree (record_tree must have been set),
 * indented, then one summary line of the counts.
 */
void	render_spf_tree(FILE *fp, const struct mauth_spf_eval *ev,
	    const struct spf_limits *lim);

/*
 * render_spf_json - one JSON object and a newline.  Returns 0, or -1 when
 * the object could not be built (out of memory).
 */
int	render_spf_json(FILE *fp, const struct mauth_spf_eval *ev,
	    const struct spf_limits *lim);

#endif /* MAUTH_CLI_RENDER_SPF_H */
