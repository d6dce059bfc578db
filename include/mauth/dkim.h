/*
 * mauth/dkim.h - DKIM (RFC 6376, RFC 8463) results as data.
 *
 * Verification runs inside the per-message check (mauth/check.h); this header
 * holds what a caller reads back: one struct mauth_dkim_sig per
 * DKIM-Signature header field of the message, in header order.
 */
#ifndef MAUTH_DKIM_H
#define MAUTH_DKIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RFC 8601 2.7.1 results of one signature. */
enum mauth_dkim_result {
	MAUTH_DKIM_NONE = 0,	/* not checked (over the signature cap) */
	MAUTH_DKIM_PASS,
	MAUTH_DKIM_FAIL,
	MAUTH_DKIM_NEUTRAL,
	MAUTH_DKIM_POLICY,
	MAUTH_DKIM_TEMPERROR,
	MAUTH_DKIM_PERMERROR
};

/* "none", "pass", "fail", ... (static, never NULL) */
MAUTH_API const char *mauth_dkim_result_str(int result);
/* parse a result name (case-insensitive); -1 if unknown */
MAUTH_API int mauth_dkim_result_from_str(const char *s);

/*
 * One signature's outcome.  Strings are NUL-terminated, printable (control
 * bytes escaped) and borrowed from the object that returned the struct; a
 * tag absent from the signature is NULL.
 */
struct mauth_dkim_sig {
	int		 result;	/* enum mauth_dkim_result */
	const char	*reason;	/* one line: "signature verified", "body hash mismatch", "rsa-sha1 not accepted (RFC 8301)", ... */
	const char	*domain;	/* d= (header.d) */
	const char	*identity;	/* i= (header.i), or "@" d= when absent */
	const char	*selector;	/* s= (header.s) */
	const char	*algorithm;	/* a= as written (header.a) */
	const char	*b_prefix;	/* first 8 characters of b= (header.b) */
	unsigned	 key_bits;	/* RSA modulus / 256 for Ed25519; 0 if no key was used */
	bool		 testing;	/* key has t=y (RFC 6376 3.6.1) */
	bool		 checked;	/* false: not evaluated (over the cap), no DNS spent */
};

#ifdef __cplusplus
}
#endif
#endif /* MAUTH_DKIM_H */
