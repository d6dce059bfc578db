/*
 * mauth/dns.h - the one resolver interface of the process.
 *
 * Every DNS query made by mauth (SPF, DMARC, DKIM keys, audit) goes through a
 * struct mauth_resolver.  A resolver has a backend (ldns over the network, a
 * zone file, or caller-supplied functions) and, optionally, a TTL-aware cache
 * shared by all threads.  Queries are counted against a per-evaluation budget
 * so that no input can make one check send an unbounded number of queries.
 *
 * Thread safety: mauth_resolver_query() may be called from many threads on the
 * same resolver.  The ldns backend keeps one ldns resolver per thread; the
 * cache is protected by a lock; the zone backend is read-only after loading.
 */
#ifndef MAUTH_DNS_H
#define MAUTH_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RR types used by mauth (values are the IANA numbers). */
enum mauth_dns_type {
	MAUTH_DNS_A = 1,
	MAUTH_DNS_NS = 2,
	MAUTH_DNS_CNAME = 5,
	MAUTH_DNS_SOA = 6,
	MAUTH_DNS_PTR = 12,
	MAUTH_DNS_MX = 15,
	MAUTH_DNS_TXT = 16,
	MAUTH_DNS_AAAA = 28,
	MAUTH_DNS_SPF = 99
};

/* Response codes (RFC 1035 4.1.1), as received. */
enum mauth_dns_rcode {
	MAUTH_RCODE_NOERROR = 0,
	MAUTH_RCODE_FORMERR = 1,
	MAUTH_RCODE_SERVFAIL = 2,
	MAUTH_RCODE_NXDOMAIN = 3,
	MAUTH_RCODE_NOTIMP = 4,
	MAUTH_RCODE_REFUSED = 5
};

/*
 * Outcome of one query.  MAUTH_DNS_ANSWER means a response was received:
 * look at its rcode (NXDOMAIN and NODATA are answers, not errors).  The other
 * values mean no usable response: all are temporary from the point of view of
 * SPF/DKIM/DMARC ("temperror"), except BADNAME, which the caller should have
 * prevented by validating the name first.
 */
enum mauth_dns_status {
	MAUTH_DNS_ANSWER = 0,	/* got a response; see answer->rcode */
	MAUTH_DNS_TIMEOUT = 1,	/* no response within timeout x retries */
	MAUTH_DNS_NETERR = 2,	/* network failure (unreachable, refused...) */
	MAUTH_DNS_BUDGET = 3,	/* the evaluation's query budget is spent; nothing sent */
	MAUTH_DNS_BADNAME = 4,	/* the name is not a valid DNS name; nothing sent */
	MAUTH_DNS_FAILURE = 5	/* malformed response or local resource failure */
};

/*
 * One resource record, parsed.  All strings are NUL-terminated, owned by the
 * answer that holds the record.  Names are as received, without the trailing
 * dot; compare them case-insensitively.
 */
struct mauth_dns_rr {
	uint16_t	 type;		/* enum mauth_dns_type value */
	uint32_t	 ttl;
	const char	*owner;		/* owner name, no trailing dot */
	union {
		uint8_t	 a[4];		/* A: network order */
		uint8_t	 aaaa[16];	/* AAAA: network order */
		const char *target;	/* CNAME, PTR, NS: no trailing dot */
		struct {
			uint16_t	 preference;
			const char	*exchange;	/* no trailing dot */
		} mx;
		struct {
			/*
			 * TXT/SPF: the character-strings concatenated with
			 * no separator (RFC 7208 3.3, RFC 6376 3.6.2.2).
			 * May contain NUL bytes: always use len.  A NUL is
			 * appended after data[len] for convenience.
			 */
			const uint8_t	*data;
			size_t		 len;
			size_t		 nstrings;
		} txt;
	} u;
};

/*
 * An answer: rcode, records of the asked type (CNAMEs followed by the backend
 * are included as CNAME records), the TTL that governs caching (minimum record
 * TTL, or the negative TTL of RFC 2308 for NXDOMAIN/NODATA), and whether the
 * response had the AD bit set.  Owned by whoever received it from
 * mauth_resolver_query(); free with mauth_dns_answer_free().
 */
struct mauth_dns_answer {
	int			 rcode;		/* enum mauth_dns_rcode value */
	bool			 authenticated;	/* AD bit */
	bool			 from_cache;
	uint32_t		 ttl;
	size_t			 nrr;
	struct mauth_dns_rr	*rr;
};

/* mauth_dns_answer_free - free an answer; NULL is a no-op. */
MAUTH_API void mauth_dns_answer_free(struct mauth_dns_answer *ans);

/*
 * mauth_dns_answer_new - make an empty answer with the given rcode (for custom
 * backends); records are added with the mauth_dns_answer_add_* functions,
 * which copy their arguments.  Returns NULL on allocation failure.
 */
MAUTH_API struct mauth_dns_answer *mauth_dns_answer_new(int rcode, uint32_t ttl);
MAUTH_API int mauth_dns_answer_add_a(struct mauth_dns_answer *ans,
    const char *owner, uint32_t ttl, const uint8_t addr[4]) MAUTH_WUR;
MAUTH_API int mauth_dns_answer_add_aaaa(struct mauth_dns_answer *ans,
    const char *owner, uint32_t ttl, const uint8_t addr[16]) MAUTH_WUR;
/* type is MAUTH_DNS_CNAME, MAUTH_DNS_PTR or MAUTH_DNS_NS */
MAUTH_API int mauth_dns_answer_add_name(struct mauth_dns_answer *ans,
    uint16_t type, const char *owner, uint32_t ttl, const char *target) MAUTH_WUR;
MAUTH_API int mauth_dns_answer_add_mx(struct mauth_dns_answer *ans,
    const char *owner, uint32_t ttl, uint16_t pref, const char *exchange) MAUTH_WUR;
/* type is MAUTH_DNS_TXT or MAUTH_DNS_SPF; strings are concatenated */
MAUTH_API int mauth_dns_answer_add_txt(struct mauth_dns_answer *ans,
    uint16_t type, const char *owner, uint32_t ttl,
    const uint8_t *const *strings, const size_t *lens, size_t nstrings) MAUTH_WUR;

/*
 * A per-evaluation budget.  Plain data: initialise with
 * mauth_dns_budget_init() and pass the same struct to every query of one
 * evaluation (one SPF check, one message).  max_queries == 0 means no limit.
 * max_ms bounds the time spent waiting for the backend, summed over the
 * evaluation's queries (0 = no limit): once spent, further queries are
 * refused with MAUTH_DNS_BUDGET.  A query already under way runs to its own
 * timeout, so the overshoot is at most one query's timeout x retries.
 * Counters are updated by mauth_resolver_query().
 */
struct mauth_dns_budget {
	unsigned	max_queries;	/* ceiling on queries (cache hits included) */
	unsigned	max_ms;		/* ceiling on backend wait, milliseconds */
	uint64_t	spent_ms;	/* backend wait so far */
	unsigned	queries;	/* queries asked of the resolver */
	unsigned	sent;		/* of which not answered from the cache */
	unsigned	cache_hits;
	unsigned	refused;	/* queries refused because the budget was spent */
};
MAUTH_API void mauth_dns_budget_init(struct mauth_dns_budget *b, unsigned max_queries);

/* Options of the ldns backend.  Zero values mean the default. */
#define MAUTH_DNS_MAX_SERVERS 8
struct mauth_dns_options {
	/* "IP" or "IP:PORT" or "[IPv6]:PORT"; none means /etc/resolv.conf */
	const char	*servers[MAUTH_DNS_MAX_SERVERS];
	size_t		 nservers;
	unsigned	 timeout_ms;	/* per try; default 2000 */
	unsigned	 retries;	/* tries per server; default 2 */
	uint16_t	 edns_size;	/* default 1232; TCP used on truncation */
	const char	*resolv_conf;	/* default /etc/resolv.conf */
};

struct mauth_resolver;

/*
 * mauth_dns_server_check - whether s is a server address the ldns backend
 * accepts ("IP", "IP:PORT", "[IPv6]:PORT"); for configuration checks that
 * report a line.  errbuf (may be NULL) receives the reason.  Returns MAUTH_OK
 * or MAUTH_ERR_INVAL.
 */
MAUTH_API int mauth_dns_server_check(const char *s, char *errbuf,
    size_t errlen);

/*
 * mauth_resolver_new_ldns - a resolver that asks DNS servers through ldns.
 * opts may be NULL for the defaults.  errbuf (may be NULL) receives a one-line
 * reason on failure.  Returns MAUTH_OK, MAUTH_ERR_INVAL (bad server address),
 * MAUTH_ERR_DNS (resolv.conf unusable) or MAUTH_ERR_NOMEM.
 */
MAUTH_API int mauth_resolver_new_ldns(const struct mauth_dns_options *opts,
    struct mauth_resolver **out, char *errbuf, size_t errlen) MAUTH_WUR;

/*
 * mauth_resolver_new_zone - a resolver answering only from an RFC 1035 master
 * file (several zones in one file, no SOA needed, $ORIGIN and $TTL honoured,
 * relative names relative to the current $ORIGIN or the root).  A name absent
 * from the file is NXDOMAIN; a name present without records of the asked type
 * is NODATA (NOERROR, no records).  CNAMEs are followed within the file.
 * On a syntax error returns MAUTH_ERR_SYNTAX with "FILE:LINE: reason" in
 * errbuf; MAUTH_ERR_IO if the file cannot be read.
 */
MAUTH_API int mauth_resolver_new_zone(const char *path,
    struct mauth_resolver **out, char *errbuf, size_t errlen) MAUTH_WUR;

/* As mauth_resolver_new_zone, from bytes in memory; name is used in errors. */
MAUTH_API int mauth_resolver_new_zone_mem(const char *name, const void *buf,
    size_t len, struct mauth_resolver **out, char *errbuf, size_t errlen) MAUTH_WUR;

/*
 * A caller-supplied backend (test runners, embedding).  query() must return an
 * enum mauth_dns_status; on MAUTH_DNS_ANSWER it stores a new answer (made with
 * mauth_dns_answer_new) in *out, which the resolver takes over.  query() may be
 * called from several threads at once.  destroy (may be NULL) is called by
 * mauth_resolver_free().
 */
struct mauth_dns_backend {
	int	(*query)(void *arg, const char *name, uint16_t type,
		    struct mauth_dns_answer **out);
	void	(*destroy)(void *arg);
	void	*arg;
};
MAUTH_API int mauth_resolver_new_custom(const struct mauth_dns_backend *be,
    struct mauth_resolver **out) MAUTH_WUR;

/*
 * mauth_resolver_enable_cache - put a TTL-aware cache of at most max_entries
 * answers in front of the backend (positive answers for their TTL, NXDOMAIN
 * and NODATA for their negative TTL per RFC 2308, capped at max_ttl seconds;
 * temporary failures are not cached).  max_entries == 0 disables the cache.
 * Call before the resolver is shared between threads.
 */
MAUTH_API int mauth_resolver_enable_cache(struct mauth_resolver *r,
    size_t max_entries, uint32_t max_ttl) MAUTH_WUR;

/*
 * mauth_resolver_set_clock - replace the clock the cache uses (seconds,
 * monotonic); for tests.  NULL restores the default.
 */
MAUTH_API void mauth_resolver_set_clock(struct mauth_resolver *r,
    uint64_t (*now)(void *arg), void *arg);

/* Cache statistics (all zero without a cache). */
struct mauth_dns_cache_stats {
	size_t		entries;
	uint64_t	hits;
	uint64_t	misses;
	uint64_t	evictions;
};
MAUTH_API void mauth_resolver_cache_stats(struct mauth_resolver *r,
    struct mauth_dns_cache_stats *st);

/*
 * mauth_resolver_query - ask for (name, type).  name is a domain name in text
 * form, with or without the trailing dot, compared case-insensitively; it is
 * checked first (labels 1..63 octets, whole name at most 253, no empty label)
 * and MAUTH_DNS_BADNAME returned without a query otherwise.  budget may be
 * NULL.  On MAUTH_DNS_ANSWER *out holds an answer owned by the caller;
 * otherwise *out is NULL.
 */
MAUTH_API int mauth_resolver_query(struct mauth_resolver *r,
    struct mauth_dns_budget *budget, const char *name, uint16_t type,
    struct mauth_dns_answer **out) MAUTH_WUR;

/* mauth_resolver_free - free a resolver; NULL is a no-op. */
MAUTH_API void mauth_resolver_free(struct mauth_resolver *r);

/* Static names, never NULL: "A", "TXT", ...; "NOERROR", ...; "timeout", ... */
MAUTH_API const char *mauth_dns_type_str(uint16_t type);
MAUTH_API const char *mauth_dns_rcode_str(int rcode);
MAUTH_API const char *mauth_dns_status_str(int status);

/*
 * mauth_dns_name_valid - whether name (len bytes, trailing dot allowed) is
 * a syntactically valid domain name for a query: 1..63 octets per label, at
 * most 253 octets in all, no empty label.
 */
MAUTH_API bool mauth_dns_name_valid(const char *name, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* MAUTH_DNS_H */
