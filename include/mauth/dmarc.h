/*
 * mauth/dmarc.h - DMARC evaluation: RFC 9989 (DMARCbis, DNS tree walk) by
 * default, RFC 7489 (Public Suffix List) as a legacy mode.
 *
 * mauth_dmarc_evaluate() takes the Author Domain and the SPF and DKIM results
 * already obtained, finds the policy record, decides alignment and returns
 * the DMARC result and the policy to apply.  The per-message check
 * (mauth/check.h) calls it; `mauth dmarc` calls it directly.
 */
#ifndef MAUTH_DMARC_H
#define MAUTH_DMARC_H

#include <stdbool.h>
#include <stddef.h>

#include "common.h"
#include "dns.h"

#ifdef __cplusplus
extern "C" {
#endif

enum mauth_dmarc_mode {
	MAUTH_DMARC_RFC9989 = 0,	/* default: DNS tree walk (RFC 9989 4.10) */
	MAUTH_DMARC_RFC7489 = 1		/* organizational domain from the PSL */
};

enum mauth_dmarc_result {
	MAUTH_DMARC_NONE = 0,
	MAUTH_DMARC_PASS,
	MAUTH_DMARC_FAIL,
	MAUTH_DMARC_TEMPERROR,
	MAUTH_DMARC_PERMERROR
};

enum mauth_dmarc_policy {
	MAUTH_DMARC_POLICY_UNSET = -1,	/* no record applied */
	MAUTH_DMARC_POLICY_NONE = 0,
	MAUTH_DMARC_POLICY_QUARANTINE,
	MAUTH_DMARC_POLICY_REJECT
};

MAUTH_API const char *mauth_dmarc_result_str(int result);
MAUTH_API const char *mauth_dmarc_policy_str(int policy);	/* "none", "quarantine", "reject", "" for UNSET */
MAUTH_API const char *mauth_dmarc_mode_str(int mode);		/* "rfc9989", "rfc7489" */
MAUTH_API int mauth_dmarc_mode_from_str(const char *s);	/* -1 if unknown */

/*
 * Process-wide DMARC state: the mode and, for RFC 7489 mode, the Public
 * Suffix List.  Read-only once made; share it between threads.
 * psl_path NULL means the system's list (Debian: /usr/share/publicsuffix).
 * Returns MAUTH_ERR_IO / MAUTH_ERR_SYNTAX with a reason in errbuf when the
 * list cannot be loaded (only in RFC 7489 mode).
 */
struct mauth_dmarc_ctx;
MAUTH_API int mauth_dmarc_ctx_new(int mode, const char *psl_path,
    struct mauth_dmarc_ctx **out, char *errbuf, size_t errlen) MAUTH_WUR;
MAUTH_API void mauth_dmarc_ctx_free(struct mauth_dmarc_ctx *ctx);

/* An authenticated identifier handed to DMARC. */
struct mauth_dmarc_auth {
	int		 result;	/* enum mauth_spf_result or enum mauth_dkim_result */
	const char	*domain;	/* SPF: MAIL FROM (or HELO) domain; DKIM: d= */
};

#define MAUTH_DMARC_MAX_DKIM 64
struct mauth_dmarc_input {
	const char			*from_domain;	/* Author Domain (RFC5322.From) */
	bool				 has_spf;
	struct mauth_dmarc_auth		 spf;		/* result: enum mauth_spf_result */
	size_t				 ndkim;
	struct mauth_dmarc_auth		 dkim[MAUTH_DMARC_MAX_DKIM]; /* result: enum mauth_dkim_result */
};

/*
 * The outcome.  Strings borrowed from the evaluation; NULL when unknown.
 *
 * mauth_dmarc_evaluate - every DNS query goes through r and is counted in
 * budget; budget NULL means a budget of the evaluation's own (146 queries:
 * every possible walk, and 20 s of DNS time).  A spent budget, like a
 * timeout, is a temporary failure (result temperror when it matters).
 * Returns MAUTH_OK with *out set (free with mauth_dmarc_eval_free()) for
 * every verdict, including a From domain that is not a usable ASCII domain
 * name (result permerror); MAUTH_ERR_INVAL (reason in errbuf, may be NULL)
 * when ctx, r, in or in->from_domain is NULL or in->ndkim is over
 * MAUTH_DMARC_MAX_DKIM; MAUTH_ERR_NOMEM.  Identifiers that are not valid
 * domain names never align.  policy is MAUTH_DMARC_POLICY_UNSET unless the
 * result is pass or fail (for pass it is the policy a failing message would
 * get).
 */
struct mauth_dmarc_eval;
MAUTH_API int mauth_dmarc_evaluate(const struct mauth_dmarc_ctx *ctx,
    struct mauth_resolver *r, struct mauth_dns_budget *budget,
    const struct mauth_dmarc_input *in, struct mauth_dmarc_eval **out,
    char *errbuf, size_t errlen) MAUTH_WUR;
MAUTH_API void mauth_dmarc_eval_free(struct mauth_dmarc_eval *ev);

MAUTH_API int mauth_dmarc_eval_result(const struct mauth_dmarc_eval *ev);	/* enum mauth_dmarc_result */
MAUTH_API int mauth_dmarc_eval_policy(const struct mauth_dmarc_eval *ev);	/* enum mauth_dmarc_policy, after sp/np/t */
MAUTH_API const char *mauth_dmarc_eval_from_domain(const struct mauth_dmarc_eval *ev);
MAUTH_API const char *mauth_dmarc_eval_policy_domain(const struct mauth_dmarc_eval *ev);
MAUTH_API const char *mauth_dmarc_eval_org_domain(const struct mauth_dmarc_eval *ev);
MAUTH_API const char *mauth_dmarc_eval_record(const struct mauth_dmarc_eval *ev);	/* the record applied, printable */
MAUTH_API const char *mauth_dmarc_eval_reason(const struct mauth_dmarc_eval *ev);	/* one line */
MAUTH_API bool mauth_dmarc_eval_spf_aligned(const struct mauth_dmarc_eval *ev);
MAUTH_API bool mauth_dmarc_eval_dkim_aligned(const struct mauth_dmarc_eval *ev);
MAUTH_API bool mauth_dmarc_eval_testing(const struct mauth_dmarc_eval *ev);	/* t=y applied */
MAUTH_API unsigned mauth_dmarc_eval_dns_queries(const struct mauth_dmarc_eval *ev);

#ifdef __cplusplus
}
#endif
#endif /* MAUTH_DMARC_H */
