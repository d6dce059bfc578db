/*
 * mauth/check.h - the one per-message pipeline.
 *
 * Both programs drive the same calls: `mauth verify` from files, `mauthd`
 * from milter callbacks.  Neither contains SPF, DKIM or DMARC logic.
 *
 *   ctx   = process-wide, shared by threads: options, resolver (with cache),
 *           DMARC/PSL state, the DKIM library handle.
 *   check = one message: envelope, headers and body as they arrive, then
 *           results and the Authentication-Results header.
 *
 *   mauth_check_new(ctx)
 *   mauth_check_set_client(ip, helo)         connect / HELO
 *   mauth_check_set_mail_from(addr)          MAIL FROM: SPF runs here
 *   mauth_check_header(name, value) ...      one call per header field, or
 *   mauth_check_write(bytes) ...             raw message bytes (headers + body)
 *   mauth_check_eoh()                        end of headers (DKIM key lookups)
 *   mauth_check_body(bytes) ...              body chunks (hashed as they come)
 *   mauth_check_eom()                        DKIM results, DMARC, A-R text
 *   mauth_check_free()
 *
 * A verdict is data (read with the accessors); a negative return is an API or
 * resource failure, after which the check can only be freed.
 */
#ifndef MAUTH_CHECK_H
#define MAUTH_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "common.h"
#include "dkim.h"
#include "dmarc.h"
#include "dns.h"
#include "spf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Options of a context; initialise with mauth_ctx_options_init(). */
struct mauth_ctx_options {
	const char	*authserv_id;	/* default: the host name */
	int		 dmarc_mode;	/* enum mauth_dmarc_mode */
	const char	*psl_path;	/* RFC 7489 mode; NULL = system list */
	unsigned	 max_signatures; /* DKIM signatures evaluated per message; default 5 */
	unsigned	 min_rsa_bits;	/* default 1024 (RFC 8301) */
	size_t		 max_headers;	/* header fields per message; default 1000 */
	size_t		 max_header_len; /* bytes of one (unfolded) header field; default 64 KiB */
	unsigned	 max_dns_queries; /* per message, all checks; default 300 */
	unsigned	 dns_time_ms;	/* total DNS wait per message; default 30000 */
	int64_t		 now;		/* fixed clock for DKIM t=/x= (tests); 0 = real time */
	/* added with the implementation (issue 3); keep new fields last */
	int		 authres_fold;	/* enum mauth_authres_fold of mauth_check_authres(); default LF */
	unsigned	 max_authres_dkim; /* dkim entries written in the A-R header; default 20 */
};
MAUTH_API void mauth_ctx_options_init(struct mauth_ctx_options *o);

struct mauth_ctx;
/*
 * mauth_ctx_new - the shared context.  r is borrowed and must outlive the
 * context.  Returns MAUTH_ERR_* with a one-line reason in errbuf.
 */
MAUTH_API int mauth_ctx_new(const struct mauth_ctx_options *o,
    struct mauth_resolver *r, struct mauth_ctx **out, char *errbuf,
    size_t errlen) MAUTH_WUR;
MAUTH_API void mauth_ctx_free(struct mauth_ctx *ctx);

struct mauth_check;
MAUTH_API int mauth_check_new(struct mauth_ctx *ctx,
    struct mauth_check **out) MAUTH_WUR;
MAUTH_API void mauth_check_free(struct mauth_check *chk);

/* ip: client address text (NULL: SPF not evaluated); helo may be NULL */
MAUTH_API int mauth_check_set_client(struct mauth_check *chk,
    const char *ip, const char *helo) MAUTH_WUR;
/* addr: MAIL FROM without angle brackets; "" = null reverse-path.  Runs SPF. */
MAUTH_API int mauth_check_set_mail_from(struct mauth_check *chk,
    const char *addr) MAUTH_WUR;

/*
 * mauth_check_header - one header field as the MTA hands it: name, and the
 * raw value after the colon (folding kept, CRLF or LF).  Lengths given.
 */
MAUTH_API int mauth_check_header(struct mauth_check *chk, const char *name,
    size_t namelen, const char *value, size_t valuelen) MAUTH_WUR;
MAUTH_API int mauth_check_eoh(struct mauth_check *chk) MAUTH_WUR;
MAUTH_API int mauth_check_body(struct mauth_check *chk, const void *buf,
    size_t len) MAUTH_WUR;

/*
 * mauth_check_write - raw message bytes (CRLF or bare LF) in any chunking;
 * splits header fields and calls mauth_check_header / _eoh / _body itself.
 */
MAUTH_API int mauth_check_write(struct mauth_check *chk, const void *buf,
    size_t len) MAUTH_WUR;

MAUTH_API int mauth_check_eom(struct mauth_check *chk) MAUTH_WUR;

/* ---- results (valid after mauth_check_eom; borrowed until _free) ---- */

/* SPF evaluation, or NULL if SPF was not evaluated (no client address) */
MAUTH_API const struct mauth_spf_eval *mauth_check_spf(const struct mauth_check *chk);
/* SPF of the HELO identity, or NULL */
MAUTH_API const struct mauth_spf_eval *mauth_check_spf_helo(const struct mauth_check *chk);
MAUTH_API size_t mauth_check_dkim_count(const struct mauth_check *chk);
MAUTH_API const struct mauth_dkim_sig *mauth_check_dkim(const struct mauth_check *chk, size_t i);
/* DMARC evaluation, or NULL when it could not run (see mauth_check_from_problem) */
MAUTH_API const struct mauth_dmarc_eval *mauth_check_dmarc(const struct mauth_check *chk);
/* the Author Domain, or NULL */
MAUTH_API const char *mauth_check_from_domain(const struct mauth_check *chk);
/* why there is no usable Author Domain ("no From header", "several From headers", ...), or NULL */
MAUTH_API const char *mauth_check_from_problem(const struct mauth_check *chk);
/* limits hit while reading the message ("too many header fields", ...), or NULL */
MAUTH_API const char *mauth_check_limit_hit(const struct mauth_check *chk);
/*
 * the Authentication-Results header value (without "Authentication-Results:"),
 * folded as options.authres_fold says.  spf appears when SPF was evaluated
 * (smtp.mailfrom; smtp.helo for a null reverse-path); otherwise there is no
 * spf resinfo (RFC 8601 2.7) and the dmarc resinfo carries the comment
 * "(spf not evaluated: REASON)".  One dkim resinfo per checked signature (at
 * most max_authres_dkim; a comment counts the rest), "dkim=none" for an
 * unsigned message; one dmarc resinfo (see mauth_check_dmarc_result).
 */
MAUTH_API const char *mauth_check_authres(const struct mauth_check *chk);

/* ---- added with the implementation (issue 3) ---- */

/* the same A-R value on one line (resinfo separated by "; ") */
MAUTH_API const char *mauth_check_authres_line(const struct mauth_check *chk);
/*
 * why SPF was not evaluated ("no client address", "null reverse-path and
 * no HELO name", ...), or NULL when mauth_check_spf() is not NULL
 */
MAUTH_API const char *mauth_check_spf_problem(const struct mauth_check *chk);
/*
 * the DMARC result (enum mauth_dmarc_result), also when no evaluation ran:
 * MAUTH_DMARC_NONE when no Author Domain could be extracted (no From, no
 * usable domain, several addresses in different domains: RFC 9989 exempts
 * the message), MAUTH_DMARC_PERMERROR when the From header is not valid
 * RFC 5322 (several From fields, syntax error)
 */
MAUTH_API int mauth_check_dmarc_result(const struct mauth_check *chk);
/* enum mauth_from_status (mauth/message.h) of the message's From fields */
MAUTH_API int mauth_check_from_status(const struct mauth_check *chk);
/* the message's DNS budget: queries and wait time of SPF, DKIM and DMARC */
MAUTH_API const struct mauth_dns_budget *mauth_check_dns_budget(
    const struct mauth_check *chk);

#ifdef __cplusplus
}
#endif
#endif /* MAUTH_CHECK_H */
