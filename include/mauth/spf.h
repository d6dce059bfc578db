/*
 * mauth/spf.h - SPF (RFC 7208) check_host() evaluation.
 *
 * One call evaluates one identity (MAIL FROM or HELO) for one client address
 * and returns an evaluation object: the result, the explanation (fail only),
 * the lookup accounting and, when asked for, the tree of what was evaluated
 * (each check_host() call, each term, each DNS query and its answer).
 *
 * Limits (RFC 7208 4.6.4) are counted across the whole evaluation, includes
 * and redirects included: DNS-querying terms (10), void lookups (2), MX names
 * per mx term (10), PTR names per ptr term / %{p} (10).  Once a limit is hit
 * no further query is sent.
 */
#ifndef MAUTH_SPF_H
#define MAUTH_SPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "dns.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RFC 7208 2.6 results. */
enum mauth_spf_result {
	MAUTH_SPF_NONE = 0,
	MAUTH_SPF_NEUTRAL,
	MAUTH_SPF_PASS,
	MAUTH_SPF_FAIL,
	MAUTH_SPF_SOFTFAIL,
	MAUTH_SPF_TEMPERROR,
	MAUTH_SPF_PERMERROR
};

/* "none", "neutral", "pass", ... (static, never NULL). */
MAUTH_API const char *mauth_spf_result_str(int result);
/* Parse a result name (case-insensitive); -1 if unknown. */
MAUTH_API int mauth_spf_result_from_str(const char *s);

enum mauth_spf_identity {
	MAUTH_SPF_ID_MAILFROM = 0,	/* RFC 7208 2.4 */
	MAUTH_SPF_ID_HELO = 1		/* RFC 7208 2.3 */
};

/*
 * What to evaluate.  Initialise with mauth_spf_request_init(), then set the
 * fields.  Strings are borrowed for the duration of mauth_spf_check().
 */
struct mauth_spf_request {
	const char	*ip;		/* client IPv4 or IPv6 text (IPv4-mapped IPv6 is treated as IPv4) */
	const char	*mail_from;	/* MAIL FROM address; NULL or "" = null reverse-path */
	const char	*helo;		/* HELO/EHLO name; may be NULL */
	int		 identity;	/* enum mauth_spf_identity */
	const char	*receiver;	/* %{r}; default "unknown" */
	const char	*default_explanation; /* when exp= is absent or fails; NULL = built-in text */
	int64_t		 now;		/* %{t}; 0 = current time */
	unsigned	 max_lookups;	/* DNS-querying terms; default 10 */
	unsigned	 max_void_lookups; /* default 2 */
	unsigned	 max_names;	/* MX / PTR names per term; default 10 */
	unsigned	 max_queries;	/* hard ceiling on DNS queries of one evaluation; default 150 (legal worst case is 123) */
	unsigned	 max_time_ms;	/* DNS wait of one evaluation; default 20000 (RFC 7208 4.6.4); 0 = none */
	bool		 record_tree;	/* keep the evaluation tree (for --explain / JSON) */
};

/* mauth_spf_request_init - zero the request and set the defaults above. */
MAUTH_API void mauth_spf_request_init(struct mauth_spf_request *req);

/* One DNS query made during the evaluation, as shown in the tree. */
struct mauth_spf_query {
	const char	*name;		/* queried name */
	uint16_t	 type;		/* enum mauth_dns_type */
	int		 status;	/* enum mauth_dns_status */
	int		 rcode;		/* when status == MAUTH_DNS_ANSWER */
	size_t		 nrr;		/* records of the asked type in the answer */
	const char	*summary;	/* printable, escaped summary of the records ("" if none) */
	bool		 cached;	/* answered from the cache */
	bool		 is_void;	/* counted as a void lookup (RFC 7208 4.6.4) */
};

enum mauth_spf_node_kind {
	MAUTH_SPF_NODE_CHECK = 0,	/* one check_host() call (top level, include: or redirect=) */
	MAUTH_SPF_NODE_TERM = 1		/* one mechanism or modifier of the record */
};

/*
 * A node of the evaluation tree.  Borrowed from the evaluation; valid until
 * mauth_spf_eval_free().  Strings are printable (control bytes escaped).
 */
struct mauth_spf_node {
	int			 kind;		/* enum mauth_spf_node_kind */
	/* CHECK nodes */
	const char		*domain;	/* <domain> of this check_host() */
	const char		*record;	/* the SPF record used, NULL if none */
	/* TERM nodes */
	const char		*term;		/* the term as written in the record */
	const char		*target;	/* expanded domain-spec, NULL if none */
	char			 qualifier;	/* '+', '-', '~', '?'; 0 for modifiers */
	bool			 counted;	/* counted as a DNS-querying term */
	bool			 matched;	/* the mechanism matched */
	/* both */
	int			 result;	/* CHECK: its result; TERM: result it produced or -1 */
	const char		*note;		/* why (error reason, limit hit), or NULL */
	unsigned		 lookups;	/* DNS-querying terms counted so far (after this node) */
	unsigned		 void_lookups;	/* void lookups so far (after this node) */
	size_t			 nqueries;
	const struct mauth_spf_query *queries;
	size_t			 nchildren;
	const struct mauth_spf_node *const *children;
};

struct mauth_spf_eval;

/*
 * mauth_spf_check - run check_host() for req through resolver r.
 * On MAUTH_OK, *out holds an evaluation owned by the caller (free it with
 * mauth_spf_eval_free()); the SPF result, whatever it is, is in it.
 * Returns MAUTH_ERR_INVAL (with a reason in errbuf, may be NULL) when the
 * request itself is unusable (no or malformed IP address, no identity to
 * check), MAUTH_ERR_NOMEM on allocation failure.
 */
MAUTH_API int mauth_spf_check(struct mauth_resolver *r,
    const struct mauth_spf_request *req, struct mauth_spf_eval **out,
    char *errbuf, size_t errlen) MAUTH_WUR;

MAUTH_API void mauth_spf_eval_free(struct mauth_spf_eval *ev);

/* enum mauth_spf_result */
MAUTH_API int mauth_spf_eval_result(const struct mauth_spf_eval *ev);
/* explanation text on fail (after macro expansion), else NULL; borrowed */
MAUTH_API const char *mauth_spf_eval_explanation(const struct mauth_spf_eval *ev);
/* the domain checked (MAIL FROM domain or HELO name); borrowed, never NULL */
MAUTH_API const char *mauth_spf_eval_domain(const struct mauth_spf_eval *ev);
/* the sender identity (<sender> of check_host(), e.g. postmaster@helo); borrowed */
MAUTH_API const char *mauth_spf_eval_sender(const struct mauth_spf_eval *ev);
/* one-line reason for the result ("matched ip4:192.0.2.0/24", "too many DNS lookups", ...); borrowed */
MAUTH_API const char *mauth_spf_eval_reason(const struct mauth_spf_eval *ev);
/* DNS-querying terms counted (RFC 7208 4.6.4), across includes and redirects */
MAUTH_API unsigned mauth_spf_eval_lookups(const struct mauth_spf_eval *ev);
MAUTH_API unsigned mauth_spf_eval_void_lookups(const struct mauth_spf_eval *ev);
/* DNS queries actually sent (not answered from the cache) */
MAUTH_API unsigned mauth_spf_eval_dns_queries(const struct mauth_spf_eval *ev);
/* queries answered from the cache */
MAUTH_API unsigned mauth_spf_eval_dns_cache_hits(const struct mauth_spf_eval *ev);
/* root CHECK node, or NULL if record_tree was false; borrowed */
MAUTH_API const struct mauth_spf_node *mauth_spf_eval_tree(const struct mauth_spf_eval *ev);

#ifdef __cplusplus
}
#endif
#endif /* MAUTH_SPF_H */
