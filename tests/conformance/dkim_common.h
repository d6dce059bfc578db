/*
 * dkim_common.h - shared by the DKIM conformance runners and tests: an
 * in-memory TXT table served as a custom resolver backend, loaders of the
 * corpora's DNS data into it, the fuzz harness's DNS backend, and a minimal
 * message driver (header split, body in chunks) for the verifier.
 */
#ifndef MAUTH_DKIM_COMMON_H
#define MAUTH_DKIM_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

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
/* dk_add_txt1 - one TXT record of one string val[0..len) */
int	dk_add_txt1(struct dkt *t, const char *name, const char *val,
	    size_t len);
/* dk_add_dns_json - an RFC 8463 dns.json {name: {TXT: [[strings]]}} */
void	dk_add_dns_json(struct dkt *t, json_t *dns);
/*
 * dk_add_dns_lines - a Stalwart test file's "name value" lines, up to the
 * first empty line, cut in place (NULs written into buf[0..len)).  Returns
 * the offset of the message after the empty line.
 */
size_t	dk_add_dns_lines(struct dkt *t, char *buf, size_t len);
/* dk_load_fake_dns - a table from Mail::DKIM's FAKE_DNS.dat, or exit(2) */
struct dkt *dk_load_fake_dns(const char *path);

/* The fuzz harness's key record, served for every name. */
struct dk_fuzzrec {
	const uint8_t	*rec;
	size_t		 len;
};
/*
 * dk_fuzz_query - resolver backend query over a struct dk_fuzzrec: names
 * starting with "to" time out, "nx" are NXDOMAIN, "sf" SERVFAIL; every
 * other TXT query answers the record.
 */
int	dk_fuzz_query(void *arg, const char *name, uint16_t type,
	    struct mauth_dns_answer **out);

/*
 * dk_tsv_next - the next line of fp that is neither empty nor a '#'
 * comment, split in place at tabs into f[0..nf) (NULL for missing fields);
 * false at end of file.
 */
bool	dk_tsv_next(FILE *fp, char *line, size_t size, char **f, size_t nf);
/* dk_path_join - dir/name in a static buffer (the next call overwrites) */
const char *dk_path_join(const char *dir, const char *name);
/* dk_load_json - parse a JSON file or exit(2) */
json_t	*dk_load_json(const char *path);

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
