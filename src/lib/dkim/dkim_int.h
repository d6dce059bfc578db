/*
 * dkim_int.h - internals of DKIM verification (RFC 6376, RFC 8463, RFC 8301),
 * used by the per-message check pipeline (src/lib/check) and the tests.
 *
 * Two engines implement it, chosen per message by dkimv_options.libopendkim:
 * the native one (verify.c, verify_key.c: our canonicalizers, OpenSSL 3,
 * decoded keys cached), the default, and the libopendkim adapter
 * (dkim_odkim.c), kept as the reference the native one is compared with.
 *
 * Two objects:
 *   struct dkimv_lib  process-wide: the native engine's key cache and one
 *                     libopendkim DKIM_LIB with every option set and our
 *                     DNS hooks installed.  Create it before threads start;
 *                     then share it (the key cache locks itself).
 *   struct dkimv      one message: header fields one per call, end of
 *                     headers (key lookups happen here, through the
 *                     resolver given), body chunks, end of message, then one
 *                     struct mauth_dkim_sig per DKIM-Signature field, in
 *                     header order.
 *
 * Input may use CRLF or bare LF; bare LF is turned into CRLF as it streams
 * (RFC 6376 5.3).  Nothing keeps the whole message.
 *
 * Nothing here is exported from the shared library.
 */
#ifndef MAUTH_DKIM_INT_H
#define MAUTH_DKIM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/evp.h>

#include "mauth/dkim.h"
#include "mauth/dns.h"

/* Ceilings. */
#define DKIMV_MAX_SIGHDR	16384	/* bytes of one DKIM-Signature field */
#define DKIMV_EXTRA_FED		8	/* unchecked signature fields shown to
					   libopendkim (for h=dkim-signature) */
#define DKIMV_MAX_FIELD		255	/* bytes kept of d=, i=, s=, a= */
#define DKIMV_KEY_MAX		1024	/* libopendkim's key buffer (BUFRSZ) */
#define DKIMV_KEY_TAGS		64	/* tags of one tag-list */
#define DKIMV_KEYCACHE_MAX	1024	/* decoded keys kept (native engine) */
#define DKIMV_MAX_HDR_BYTES	(1024 * 1024)	/* header bytes kept (native) */
#define DKIMV_MAX_HDR_FIELDS	4096	/* header fields kept (native) */
#define DKIMV_MAX_HNAMES	512	/* names in one h= (native) */

/* Per-message options; initialise with dkimv_options_init(). */
struct dkimv_options {
	unsigned	max_signatures;	/* evaluated per message; default 5 */
	unsigned	min_rsa_bits;	/* default 1024 (RFC 8301 3.2) */
	int64_t		now;		/* clock for t=/x=; 0 = time(NULL) */
	bool		allow_rsa_sha1;	/* legacy (tests only): evaluate rsa-sha1
					   instead of answering policy */
	bool		libopendkim;	/* verify with libopendkim (the
					   reference); default false: native */
};

struct dkimv_lib;
struct dkimv;

void	dkimv_options_init(struct dkimv_options *o);

/*
 * dkimv_lib_new - the process-wide verifier library.  Returns MAUTH_OK,
 * MAUTH_ERR_NOMEM or MAUTH_ERR_INTERNAL (libopendkim refused an option),
 * with a one-line reason in errbuf (may be NULL).
 */
int	dkimv_lib_new(struct dkimv_lib **out, char *errbuf, size_t errlen)
	    __attribute__((warn_unused_result));
void	dkimv_lib_free(struct dkimv_lib *lib);

/*
 * dkimv_new - a verifier for one message.  lib, r and budget are borrowed
 * and must outlive the verifier; budget may be NULL (no ceiling), opts may
 * be NULL (defaults).  Every key lookup goes through mauth_resolver_query(r,
 * budget, ...).  Returns MAUTH_OK, MAUTH_ERR_NOMEM or MAUTH_ERR_INVAL.
 */
int	dkimv_new(struct dkimv_lib *lib, struct mauth_resolver *r,
	    struct mauth_dns_budget *budget, const struct dkimv_options *opts,
	    struct dkimv **out) __attribute__((warn_unused_result));

/*
 * dkimv_header - one header field: its name and its raw value after the
 * colon (leading space and folding kept; CRLF or LF; a final line break is
 * optional).  Returns MAUTH_OK, MAUTH_ERR_INVAL (called after dkimv_eoh,
 * bad name) or MAUTH_ERR_NOMEM.  Peer data never makes it fail: a bad
 * signature field becomes a result.
 */
int	dkimv_header(struct dkimv *v, const char *name, size_t namelen,
	    const char *value, size_t valuelen)
	    __attribute__((warn_unused_result));

/* dkimv_eoh - end of headers: signatures are screened and keys fetched. */
int	dkimv_eoh(struct dkimv *v) __attribute__((warn_unused_result));

/* dkimv_body - a chunk of the body (any size, CRLF or LF). */
int	dkimv_body(struct dkimv *v, const void *buf, size_t len)
	    __attribute__((warn_unused_result));

/* dkimv_eom - end of message: results become available. */
int	dkimv_eom(struct dkimv *v) __attribute__((warn_unused_result));

/*
 * Results after dkimv_eom: one per DKIM-Signature field in header order
 * (zero for an unsigned message).  Borrowed until dkimv_free().
 */
size_t	dkimv_count(const struct dkimv *v);
const struct mauth_dkim_sig *dkimv_sig(const struct dkimv *v, size_t i);

/* Number of DKIM-Signature fields seen (also before dkimv_eom). */
size_t	dkimv_nsigfields(const struct dkimv *v);

void	dkimv_free(struct dkimv *v);

/* ---- helpers shared with the tests (dkim_sig.c) ------------------------ */

/* What our own screen decided about one DKIM-Signature field. */
struct dkim_sigscreen {
	int	 result;	/* MAUTH_DKIM_*; MAUTH_DKIM_NONE = candidate */
	char	 reason[128];	/* when result != NONE */
	char	*domain, *identity, *selector, *algorithm, *b_prefix;
	char	*b_full;	/* b= without FWS, only when result == NONE */
	bool	 ed25519;	/* a=ed25519-sha256 */
	bool	 has_l;
	uint64_t l;		/* l= when has_l */
	bool	 relaxed_body;	/* c=.../relaxed */
};

/*
 * dkim_sig_screen - parse value[0..len) of a DKIM-Signature field (RFC 6376
 * 3.2, 3.5) and apply our policy (RFC 8301, RFC 6376 6.1.1) at time now;
 * allow_sha1 lets rsa-sha1 through (legacy comparisons only).
 * Fills *s (strings owned by s, free with dkim_sig_screen_free).  Returns
 * MAUTH_OK or MAUTH_ERR_NOMEM.
 */
int	dkim_sig_screen(const char *value, size_t len, int64_t now,
	    bool allow_sha1, struct dkim_sigscreen *s)
	    __attribute__((warn_unused_result));
void	dkim_sig_screen_free(struct dkim_sigscreen *s);

/* ---- text helpers of both engines (dkim_sig.c) -------------------------- */

/* One tag=value of a tag-list (RFC 6376 3.2); pointers into the text. */
struct dkimv_tag {
	const char	*name;
	size_t		 namelen;
	const char	*val;		/* FWS trimmed at both ends */
	size_t		 vallen;
};

/* dkim_is_fws - whether c is a folding white space byte (RFC 6376 2.8) */
bool	dkim_is_fws(char c);
/*
 * dkim_tag_parse - split s[0..len) into at most max tags (RFC 6376 3.2).
 * Returns NULL on success, or a static reason when it is not a valid
 * tag-list (syntax, duplicate tag, more than max tags).
 */
const char *dkim_tag_parse(const char *s, size_t len, struct dkimv_tag *tags,
	    size_t max, size_t *ntags);
/* dkimv_tag_list - dkim_tag_parse as a yes/no */
bool	dkimv_tag_list(const char *s, size_t len, struct dkimv_tag *tags,
	    size_t max, size_t *ntags);
/* dkimv_tag_find - the tag called name, or NULL */
const struct dkimv_tag *dkimv_tag_find(const struct dkimv_tag *tags,
	    size_t n, const char *name);
/*
 * dkim_list_next - the next item of the colon-separated list p[0..len),
 * FWS trimmed at both ends (it may be empty).  *pos starts at 0; returns
 * false when the list is done.  An empty list has one empty item, and a
 * trailing ':' gives a last empty item.
 */
bool	dkim_list_next(const char *p, size_t len, size_t *pos,
	    const char **item, size_t *itemlen);
/*
 * dkim_field_name_len - the length of name[0..len) without white space
 * before the colon (RFC 5322 4.5.3), or 0 when that is not a field name
 * (RFC 5322 2.2: printable ASCII except ':').
 */
size_t	dkim_field_name_len(const char *name, size_t len);
/*
 * dkim_sig_out_init - copy the screen's strings into out; true when the
 * screen, or the cap of max signatures (over_cap), already decided the
 * result, which is then set with its reason in why.
 */
bool	dkim_sig_out_init(struct mauth_dkim_sig *out,
	    const struct dkim_sigscreen *scr, bool over_cap, unsigned max,
	    char *why, size_t whylen);
/*
 * dkim_opts_copy - *opts, or the defaults when opts is NULL, into *dst with
 * max_signatures capped at 1000; returns the verification time (dst->now,
 * or the current time when that is 0).
 */
int64_t	dkim_opts_copy(struct dkimv_options *dst,
	    const struct dkimv_options *opts);
/*
 * dkim_grow - arr (*cap elements of elem bytes) reallocated for more: the
 * capacity doubles from 8, up to max.  Returns the new array, or NULL
 * (arr and *cap unchanged) on ENOMEM.
 */
void	*dkim_grow(void *arr, size_t *cap, size_t elem, size_t max);

/*
 * dkim_key_rewrite - prepare a key record txt[0..len) for libopendkim,
 * which reads at most max bytes of it and decodes p= only as a
 * SubjectPublicKeyInfo.  When the record is longer than max, or its RSA p=
 * is a bare RSAPublicKey (the form RFC 6376 3.6.1 describes for k=rsa),
 * writes into out (outlen bytes) a record without FWS and without tags
 * other than v h k p s t (RFC 6376 3.6.1: unknown tags are ignored, n= is
 * notes), with an RSAPublicKey wrapped into a SubjectPublicKeyInfo.
 * Returns the new length; 0 when the record can be used as it is; -1 when
 * it cannot be brought within max bytes.  *wrapped says whether p= was
 * wrapped.
 */
ssize_t	dkim_key_rewrite(const uint8_t *txt, size_t len, size_t max,
	    char *out, size_t outlen, bool *wrapped);

/*
 * dkim_key_type - the k= of a key record (RFC 6376 3.6.1; "rsa" when
 * absent) into out; false when the record is not a valid tag-list.
 */
bool	dkim_key_type(const uint8_t *txt, size_t len, char *out,
	    size_t outlen);

/*
 * Streaming canonical body length (RFC 6376 3.4.3 simple, 3.4.4 relaxed),
 * over CRLF input, to compare with l=.
 */
struct dkim_bodylen {
	uint64_t	simple, relaxed;	/* committed lengths */
	uint64_t	s_empty, r_empty;	/* pending empty lines */
	uint64_t	s_line, r_line;		/* current line, content only */
	bool		r_wsp;			/* pending whitespace (relaxed) */
	bool		cr;			/* previous byte was CR */
	bool		any;			/* saw any byte */
};
void	dkim_bodylen_init(struct dkim_bodylen *b);
void	dkim_bodylen_add(struct dkim_bodylen *b, const uint8_t *p, size_t len);
/* final lengths after the last chunk */
void	dkim_bodylen_final(const struct dkim_bodylen *b, uint64_t *simple,
	    uint64_t *relaxed);

/* ---- the engines ------------------------------------------------------- */

/*
 * The libopendkim adapter (dkim_odkim.c) under the same contract as
 * dkimv_*; the dkimv_* entry points (verify.c) dispatch to it when
 * dkimv_options.libopendkim is set.
 */
struct odkim_lib;
struct odkim_v;
int	odkim_lib_new(struct odkim_lib **out, char *errbuf, size_t errlen)
	    __attribute__((warn_unused_result));
void	odkim_lib_free(struct odkim_lib *lib);
int	odkim_new(struct odkim_lib *lib, struct mauth_resolver *r,
	    struct mauth_dns_budget *budget, const struct dkimv_options *opts,
	    struct odkim_v **out) __attribute__((warn_unused_result));
int	odkim_header(struct odkim_v *v, const char *name, size_t namelen,
	    const char *value, size_t valuelen)
	    __attribute__((warn_unused_result));
int	odkim_eoh(struct odkim_v *v) __attribute__((warn_unused_result));
int	odkim_body(struct odkim_v *v, const void *buf, size_t len)
	    __attribute__((warn_unused_result));
int	odkim_eom(struct odkim_v *v) __attribute__((warn_unused_result));
size_t	odkim_count(const struct odkim_v *v);
const struct mauth_dkim_sig *odkim_sig(const struct odkim_v *v, size_t i);
size_t	odkim_nsigfields(const struct odkim_v *v);
void	odkim_free(struct odkim_v *v);

/* ---- native engine helpers (verify_key.c) ------------------------------- */

/*
 * dkimv_b64_decode - base64 (RFC 4648) of p[0..len) into out, up to the
 * first '=', other bytes skipped; the length, or -1 (a last group of one
 * character, out too small).
 */
ssize_t	dkimv_b64_decode(const char *p, size_t len, uint8_t *out,
	    size_t outlen);

/* A parsed key record (RFC 6376 3.6.1); p points into the record. */
struct dkimv_keyrec {
	char		 ktype[16];	/* k= as written; "rsa" when absent */
	bool		 ktype_bad;	/* k= does not name a='s key type */
	bool		 testing;	/* t=y */
	bool		 strict;	/* t=s */
	const char	*p;		/* p= value, FWS inside kept */
	size_t		 plen;
};

/*
 * dkimv_keyrec_parse - parse the key record txt[0..len) for a signature
 * with a= ed25519-sha256 (ed25519) or rsa-*, whose hash is hashname
 * ("sha256", "sha1").  Returns MAUTH_DKIM_NONE when the key may be used
 * (k->p is the non-empty p=), or MAUTH_DKIM_PERMERROR with the reason in
 * why: not a tag-list, k= not matching a=, v= not first or not DKIM1, no
 * p=, h= not allowing the hash, s= without email, empty p= (revoked).
 * t=s is checked apart (after the key decodes, as libopendkim does).
 */
int	dkimv_keyrec_parse(const uint8_t *txt, size_t len, bool ed25519,
	    const char *hashname, struct dkimv_keyrec *k, char *why,
	    size_t whylen);
/* dkimv_keyrec_strict_ok - false when t=s and i= is in a subdomain of d= */
bool	dkimv_keyrec_strict_ok(const struct dkimv_keyrec *k,
	    const char *identity, const char *domain);

/*
 * The process-wide cache of decoded public keys, keyed by key type and the
 * exact p= text; thread-safe, at most max entries (least recently used
 * dropped).  A key that does not decode is not kept.
 */
struct dkimv_keycache;
struct dkimv_key;

struct dkimv_keycache *dkimv_keycache_new(size_t max);
void	dkimv_keycache_free(struct dkimv_keycache *c);
/*
 * dkimv_keycache_get - the key for p[0..plen) (FWS ignored): a reference in
 * *out (release with dkimv_key_put) and MAUTH_DKIM_NONE; or
 * MAUTH_DKIM_PERMERROR with the reason (p= not base64, not a key of that
 * type); or MAUTH_ERR_NOMEM.
 */
int	dkimv_keycache_get(struct dkimv_keycache *c, bool ed25519,
	    const char *p, size_t plen, struct dkimv_key **out, char *why,
	    size_t whylen) __attribute__((warn_unused_result));
void	dkimv_key_put(struct dkimv_key *k);
/* decodes done (misses), hits, entries now */
void	dkimv_keycache_stats(struct dkimv_keycache *c, uint64_t *decodes,
	    uint64_t *hits, size_t *n);
/* RSA modulus bits, 256 for Ed25519 */
unsigned dkimv_key_bits(const struct dkimv_key *k);
EVP_PKEY *dkimv_key_pkey(const struct dkimv_key *k);
/*
 * dkimv_key_verify - whether sig[0..siglen) is the key's signature of the
 * digest d[0..dlen) made with md (RSA PKCS#1 v1.5; Ed25519 over the
 * digest's bytes, RFC 8463 3): 1 yes, 0 no, -1 resource failure.
 */
int	dkimv_key_verify(const struct dkimv_key *k, const EVP_MD *md,
	    const uint8_t *d, size_t dlen, const uint8_t *sig, size_t siglen);

/* the key cache of a library (tests) */
struct dkimv_keycache *dkimv_lib_keycache(struct dkimv_lib *lib);

#endif
