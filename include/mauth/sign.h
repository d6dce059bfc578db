/*
 * mauth/sign.h - DKIM signing (RFC 6376, RFC 8463), in-house on OpenSSL 3.
 *
 *   key    = a private key parsed once (PEM or DER, RSA 1024..4096 bits or
 *            Ed25519), reloaded only when its file changes.  Shareable
 *            between threads.
 *   signer = one message: one or more signature configurations (domain,
 *            selector, key, algorithm, canonicalization, headers,
 *            oversigning); header fields and body bytes are fed as they
 *            arrive; the body is canonicalized and hashed once per distinct
 *            (body canonicalization, l=) and shared by the signatures that
 *            need it; memory does not grow with the message.
 *   result = the DKIM-Signature header fields to prepend, folded, exactly
 *            as hashed.
 */
#ifndef MAUTH_SIGN_H
#define MAUTH_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

enum mauth_sign_alg {
	MAUTH_SIGN_ALG_DEFAULT = 0,	/* from the key: rsa-sha256 or ed25519-sha256 */
	MAUTH_SIGN_RSA_SHA256,
	MAUTH_SIGN_ED25519_SHA256
};

enum mauth_canon {
	MAUTH_CANON_SIMPLE = 0,
	MAUTH_CANON_RELAXED = 1
};

enum mauth_key_type {
	MAUTH_KEY_RSA = 1,
	MAUTH_KEY_ED25519 = 2
};

struct mauth_key;

/*
 * mauth_key_load - parse a private key file (PEM or DER; RSA or Ed25519).
 * Forms: PEM "PRIVATE KEY" (PKCS#8) or "RSA PRIVATE KEY"; DER PKCS#8 or
 * RSAPrivateKey; and, for Ed25519, a file holding only the base64 of the
 * 32-byte private key (dkimpy's form, RFC 8463 A.2).
 * Refused with a one-line reason in errbuf: unreadable (MAUTH_ERR_IO),
 * malformed, encrypted, public-only or of another type (MAUTH_ERR_SYNTAX),
 * RSA under 1024 or over 4096 bits (MAUTH_ERR_INVAL).
 */
MAUTH_API int mauth_key_load(const char *path, struct mauth_key **out,
    char *errbuf, size_t errlen) MAUTH_WUR;
/* as mauth_key_load, from bytes; name is used in errors */
MAUTH_API int mauth_key_load_mem(const char *name, const void *buf,
    size_t len, struct mauth_key **out, char *errbuf, size_t errlen) MAUTH_WUR;
/*
 * mauth_key_reload - re-read the key's file if it changed (mtime, size,
 * inode); on failure the key keeps its old contents.  *changed (may be
 * NULL) says whether a new key was loaded.
 */
MAUTH_API int mauth_key_reload(struct mauth_key *k, bool *changed,
    char *errbuf, size_t errlen) MAUTH_WUR;
MAUTH_API void mauth_key_free(struct mauth_key *k);
MAUTH_API int mauth_key_type(const struct mauth_key *k);	/* enum mauth_key_type */
MAUTH_API unsigned mauth_key_bits(const struct mauth_key *k);	/* RSA modulus bits; 256 for Ed25519 */
/*
 * mauth_key_dns_record - the public half as the text of a DKIM key record
 * ("v=DKIM1; k=rsa; p=..."): owned by the caller (free()).  NULL on ENOMEM.
 */
MAUTH_API char *mauth_key_dns_record(const struct mauth_key *k);

/*
 * One signature to make.  Initialise with mauth_sign_config_init().
 * The strings are copied by mauth_signer_new.  Header names are matched
 * case-insensitively and as written (a field "Subject :" is not
 * "Subject").  body_length: l= is the length of the whole canonical body
 * (the body is always signed whole).  i= must be "[local]@domain" with
 * the domain equal to d= or below it, no ';' or '=' in it.
 */
struct mauth_sign_config {
	const char		*domain;	/* d= */
	const char		*selector;	/* s= */
	const struct mauth_key	*key;		/* borrowed */
	int			 algorithm;	/* enum mauth_sign_alg */
	int			 header_canon;	/* enum mauth_canon; default relaxed */
	int			 body_canon;	/* enum mauth_canon; default relaxed */
	const char *const	*headers;	/* NULL-terminated names to sign; NULL = the default list */
	const char *const	*oversign;	/* NULL-terminated; NULL = From Subject To Cc Date Reply-To */
	const char		*identity;	/* i=, or NULL */
	int64_t			 timestamp;	/* t=; 0 = now, -1 = no t= */
	int64_t			 expire;	/* x= seconds after t=; 0 = no x= */
	bool			 body_length;	/* add l= */
};
MAUTH_API void mauth_sign_config_init(struct mauth_sign_config *c);

struct mauth_signer;
/*
 * mauth_signer_new - a signer for one message making n signatures.
 * The configurations are checked here: domain and selector must be valid
 * DNS names, the algorithm must fit the key (MAUTH_ERR_INVAL, reason in
 * errbuf).
 */
MAUTH_API int mauth_signer_new(const struct mauth_sign_config *cfg, size_t n,
    struct mauth_signer **out, char *errbuf, size_t errlen) MAUTH_WUR;
MAUTH_API void mauth_signer_free(struct mauth_signer *s);
/* one header field: name and raw value after the colon (folding kept) */
MAUTH_API int mauth_signer_header(struct mauth_signer *s, const char *name,
    size_t namelen, const char *value, size_t valuelen) MAUTH_WUR;
MAUTH_API int mauth_signer_body(struct mauth_signer *s, const void *buf,
    size_t len) MAUTH_WUR;
/*
 * mauth_signer_finish - compute the signatures.  Fails (MAUTH_ERR_INVAL,
 * reason in errbuf) for a message without a From header field.
 */
MAUTH_API int mauth_signer_finish(struct mauth_signer *s, char *errbuf,
    size_t errlen) MAUTH_WUR;
/*
 * The header fields to prepend, in order, each "DKIM-Signature: ..." folded
 * with CRLF + SP (or LF + TAB with the _lf variant, for milters) and
 * without a final line break.  Borrowed until mauth_signer_free().
 */
MAUTH_API size_t mauth_signer_count(const struct mauth_signer *s);
MAUTH_API const char *mauth_signer_field(const struct mauth_signer *s, size_t i);
/*
 * mauth_signer_field_lf - the same field with LF line breaks (for a milter's
 * smfi_insheader, the MTA turning LF into CRLF).  The continuation lines
 * still start with SP: with simple header canonicalization the folding
 * white space is part of what was signed, so it must not change.
 */
MAUTH_API const char *mauth_signer_field_lf(const struct mauth_signer *s,
    size_t i);

#ifdef __cplusplus
}
#endif
#endif /* MAUTH_SIGN_H */
