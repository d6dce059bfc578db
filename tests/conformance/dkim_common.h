/*
 * dkim_common.h - shared by the DKIM conformance runners and tests: an
 * in-memory TXT table served as a custom resolver backend, and a minimal
 * message driver (header split, body in chunks) for the verifier.
 */
#ifndef MAUTH_DKIM_COMMON_H
#define MAUTH_DKIM_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mauth/dkim.h"
#include "mauth/dns.h"
#include "dkim/dkim_int.h"

/* How a name answers. */
enum dkt_kind {
	DKT_TXT = 0,	/* one or more TXT records */
	DKT_NXDOMAIN,
	DKT_TIMEOUT,
	DKT_SERVFAIL
};

struct dkt;	/* the table */

struct dkt *dkt_new(void);
/* add one TXT record for name (strings concatenated); or a kind */
int	dkt_add_txt(struct dkt *t, const char *name, const char *const *strs,
	    const size_t *lens, size_t n);
int	dkt_add_kind(struct dkt *t, const char *name, int kind);
/* a resolver over the table (names absent are NXDOMAIN); owns nothing */
int	dkt_resolver(struct dkt *t, struct mauth_resolver **out);
void	dkt_free(struct dkt *t);

/* read a whole file; NULL on error */
char	*dk_read_file(const char *path, size_t *len);

/*
 * dk_verify - run the verifier over msg[0..len) (CRLF or LF): header fields
 * split at the first empty line, the body in chunks of chunk bytes (0 =
 * one call).  On success *out is the verifier (caller frees).
 */
int	dk_verify(struct dkimv_lib *lib, struct mauth_resolver *r,
	    struct mauth_dns_budget *budget, const struct dkimv_options *o,
	    const char *msg, size_t len, size_t chunk, struct dkimv **out);

/* best result over signatures: pass > fail > other error > none */
int	dk_best(const struct dkimv *v);

#endif
