/*
 * sign_int.h - internals of DKIM signing (RFC 6376, RFC 8463): the streaming
 * body canonicalizer, header canonicalization, key access for the signer,
 * and test hooks.  Nothing here is exported from the shared library.
 */
#ifndef MAUTH_SIGN_INT_H
#define MAUTH_SIGN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "mauth/sign.h"
#include "util/buf.h"

/* Ceilings. */
#define SIGN_MAX_HDR_BYTES	(1024 * 1024)	/* header bytes kept */
#define SIGN_MAX_HDR_FIELDS	4096		/* header fields kept */
#define SIGN_MAX_SIGS		16		/* signatures per message */
#define SIGN_MAX_HNAMES		128		/* names in one h= */
#define SIGN_MAX_KEY_FILE	(64 * 1024)	/* bytes of a key file */
#define SIGN_FOLD_WIDTH		78		/* RFC 5322 2.1.1 line length */
#define SIGN_STAGE		16384		/* body bytes per hash call */
#define SIGN_MAX_FIELD		16384		/* one DKIM-Signature field */

/* SHA-256, fetched once per process. */
const EVP_MD *sign_sha256(void);

/*
 * Streaming body canonicalizer and hasher (RFC 6376 3.4.3, 3.4.4, 3.7).
 * Input is CRLF or bare LF (bare LF counts as CRLF, RFC 6376 5.3); chunks
 * may split anywhere.  Output goes through a staging buffer into SHA-256,
 * so the digest is updated in large spans.
 */
struct sign_body {
	int		 canon;		/* MAUTH_CANON_* */
	EVP_MD_CTX	*md;
	uint64_t	 len;		/* canonical bytes hashed (l=) */
	uint64_t	 empty;		/* pending empty lines */
	bool		 cr;		/* chunk ended in CR, unresolved */
	bool		 open;		/* current line has output content */
	bool		 wsp;		/* relaxed: pending white space run */
	bool		 done;
	bool		 limited;	/* verifier: hash only limit bytes (l=) */
	uint64_t	 limit;
	unsigned	 mdlen;		/* digest bytes written by _final */
	size_t		 nstage;
	uint8_t		 stage[SIGN_STAGE];
};

/* sign_body_init - set up; MAUTH_OK or MAUTH_ERR_NOMEM */
int	sign_body_init(struct sign_body *b, int canon)
	    __attribute__((warn_unused_result));
/*
 * sign_body_init_md - the same with the digest md (at most 32 bytes) and,
 * when limited, only the first limit canonical bytes hashed (the
 * verifier's l=, RFC 6376 3.5); len still counts every canonical byte.
 */
int	sign_body_init_md(struct sign_body *b, int canon, const EVP_MD *md,
	    bool limited, uint64_t limit) __attribute__((warn_unused_result));
/* sign_body_add - one chunk; MAUTH_OK or MAUTH_ERR_INTERNAL (EVP) */
int	sign_body_add(struct sign_body *b, const void *buf, size_t len)
	    __attribute__((warn_unused_result));
/* sign_body_final - the digest into out[32] (b->mdlen bytes); *len = canonical length */
int	sign_body_final(struct sign_body *b, uint8_t out[32], uint64_t *len)
	    __attribute__((warn_unused_result));
void	sign_body_free(struct sign_body *b);

/*
 * sign_canon_header - append to out the canonical form of one header field
 * (RFC 6376 3.4.1 simple, 3.4.2 relaxed): name[0..nlen), value[0..vlen) as
 * it followed the colon (folding kept, CRLF or LF, optional final line
 * break).  crlf: end with CRLF (false for the DKIM-Signature field itself,
 * RFC 6376 3.7).  Bare LF becomes CRLF in the simple form.
 */
void	sign_canon_header(struct buf *out, int canon, const char *name,
	    size_t nlen, const char *value, size_t vlen, bool crlf);

/*
 * The parsed key with signing contexts prepared once (the algorithm fetch
 * and key setup cost more than an Ed25519 signature): each signature
 * copies the template instead of initialising a context.  Refcounted, so a
 * reload can swap it while signatures are in progress.
 */
struct sign_keystate {
	EVP_PKEY	*pkey;
	EVP_MD_CTX	*ed;	/* Ed25519: EVP_DigestSignInit done */
	EVP_PKEY_CTX	*rsa;	/* RSA: sign_init, PKCS#1 v1.5, SHA-256 */
	int		 refs;	/* atomic */
};

/*
 * sign_key_get - a reference to the key's current state (thread-safe
 * against mauth_key_reload); release with sign_key_put().  NULL on error.
 */
struct sign_keystate *sign_key_get(const struct mauth_key *k);
void	sign_key_put(struct sign_keystate *ks);

/*
 * sign_key_sign - sign the SHA-256 digest d[0..dlen) (RFC 6376 3.7):
 * RSASSA-PKCS1-v1_5 over it for RSA, PureEdDSA over its bytes for Ed25519
 * (RFC 8463 3).  sig has *siglen bytes (>= EVP_PKEY_get_size); *siglen is
 * set.  MAUTH_OK, MAUTH_ERR_NOMEM or MAUTH_ERR_INTERNAL.
 */
int	sign_key_sign(const struct sign_keystate *ks, const uint8_t *d,
	    size_t dlen, unsigned char *sig, size_t *siglen)
	    __attribute__((warn_unused_result));

/* ---- test hooks (sign.c) --------------------------------------------- */

/*
 * sign_set_fixed_tags - make signature i emit tags[] verbatim in place of
 * the generated tags before "bh=" (for reproducing a published signature
 * exactly, e.g. RFC 8463 Appendix A, whose tag layout has i= and q=).  The
 * header fields hashed still follow the configuration.  Call before
 * mauth_signer_finish.  MAUTH_OK, MAUTH_ERR_INVAL or MAUTH_ERR_NOMEM.
 */
int	sign_set_fixed_tags(struct mauth_signer *s, size_t i, const char *tags)
	    __attribute__((warn_unused_result));

/* sign_nbody - how many body canonicalizers the signer runs (shared ones
   counted once) */
size_t	sign_nbody(const struct mauth_signer *s);

/* sign_body_bytes - canonical body bytes hashed for signature i */
uint64_t sign_body_bytes(const struct mauth_signer *s, size_t i);

#endif
