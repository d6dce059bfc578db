/*
 * mauthd.h - the daemon's shared pieces: logging, the running context
 * (configuration + resolver + library context + keys + rules, swapped as a
 * whole on reload) and the milter callbacks.
 */
#ifndef MAUTHD_H
#define MAUTHD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include <libmilter/mfapi.h>

#include "conf.h"

struct mauth_ctx;
struct mauth_key;
struct mauth_policy;
struct mauth_resolver;

/* ---- logging (log.c) ---- */
enum md_level {
	MD_ERR = 3,
	MD_WARNING = 4,
	MD_INFO = 6,
	MD_DEBUG = 7
};
void	md_log_open(int where, bool debug);
bool	md_log_debug(void);
void	md_log(int level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* md_esc - printable copy of untrusted text (4 per-thread buffers) */
const char *md_esc(const char *s, size_t max);

/* ---- the running context (live.c) ---- */
struct md_live {
	unsigned		 refs;		/* under live_mutex */
	struct md_conf		*conf;
	char			 authserv_id[256];
	struct mauth_resolver	*res;
	struct mauth_ctx	*ctx;
	struct mauth_key	*keys[MD_MAX_SIGN];	/* as conf->sign */
	struct mauth_policy	*policy;	/* NULL: accept everything */
	unsigned long		 generation;
};

/*
 * md_live_build - configuration, resolver, context, keys and rules from
 * path; every error goes to err as one line.  NULL on any error.
 */
struct md_live	*md_live_build(const char *path, FILE *err);
void		 md_live_free(struct md_live *l);
/*
 * md_live_set - make l the running context (drops the old one's
 * reference); returns its generation.  The caller must not use l after.
 */
unsigned long	 md_live_set(struct md_live *l);
void		 md_live_clear(void);
/* md_live_get - a reference to the running context; release with _put */
struct md_live	*md_live_get(void);
void		 md_live_put(struct md_live *l);
/* md_live_reload - rebuild from the current file and swap; errors logged */
int		 md_live_reload(void);

/* ---- milter callbacks (milter.c) ---- */
extern struct smfiDesc md_milter;

#endif /* MAUTHD_H */
