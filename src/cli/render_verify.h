/*
 * render_verify.h - output of "mauth verify": one message as text or as a
 * JSON Lines object, an error line for a message that could not be
 * checked, and the closing summary over all messages.
 */
#ifndef MAUTH_CLI_RENDER_VERIFY_H
#define MAUTH_CLI_RENDER_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mauth/check.h"

/* Where a message came from: the path given and its number in an mbox. */
struct verify_source {
	const char	*path;
	const char	*label;		/* "path" or "path#N" */
	size_t		 index;		/* 1-based number in an mbox; 0 = none */
};

/* render_verify_text - the A-R header and a short summary of one message */
void	render_verify_text(FILE *fp, const struct verify_source *src,
	    const struct mauth_check *chk);
/* render_verify_json - one JSON object on one line; -1 on ENOMEM */
int	render_verify_json(FILE *fp, const struct verify_source *src,
	    const struct mauth_check *chk);
/* render_verify_error - a message that could not be checked; -1 on ENOMEM */
int	render_verify_error(FILE *fp, bool json,
	    const struct verify_source *src, const char *why);

/* ---- the summary over many messages ---- */

#define VERIFY_TOP_DOMAINS	10
#define VERIFY_MAX_DOMAINS	100000	/* distinct failing domains counted */

struct verify_stats {
	size_t		 messages;	/* checked */
	size_t		 errors;	/* could not be checked */
	size_t		 spf[8];	/* per enum mauth_spf_result */
	size_t		 spf_none_evaluated;
	size_t		 dkim[8];	/* per enum mauth_dkim_result, per signature */
	size_t		 dkim_unsigned;	/* messages without a signature */
	size_t		 dmarc[8];	/* per enum mauth_dmarc_result */
	/* From domains failing DMARC: a hash table with a ceiling */
	struct verify_dom {
		char		*name;
		size_t		 count;
		struct verify_dom *next;
	}		**buckets;
	size_t		 nbuckets;
	size_t		 ndomains;
	size_t		 dropped;	/* failures of domains over the ceiling */
	uint64_t	 start_ms;
};

int	verify_stats_init(struct verify_stats *st);	/* -1 on ENOMEM */
void	verify_stats_add(struct verify_stats *st, const struct mauth_check *chk);
void	verify_stats_print(FILE *fp, const struct verify_stats *st);
void	verify_stats_free(struct verify_stats *st);
uint64_t verify_now_ms(void);

#endif
