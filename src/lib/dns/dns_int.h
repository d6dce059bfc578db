/*
 * dns_int.h - internals of the DNS layer shared by resolver.c, cache.c and
 * the backends.  Not installed.
 */
#ifndef MAUTH_DNS_INT_H
#define MAUTH_DNS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mauth/dns.h"

/* Ceilings of one answer. */
#define DNS_ANSWER_MAX_RR	4096	/* records in one answer */
#define DNS_TXT_MAX		65535	/* bytes of one TXT record (RDLENGTH) */
#define DNS_NAME_MAX		253	/* text name, no trailing dot */
#define DNS_LABEL_MAX		63

/* Negative TTL used when a backend gives no SOA (RFC 2308 5: "a few hours"
 * would be too long for mail checks; 5 minutes is the common choice). */
#define DNS_DEFAULT_NEG_TTL	300

struct dns_cache;

/* cache.c */
struct dns_cache *dns_cache_new(size_t max_entries, uint32_t max_ttl);
void	dns_cache_free(struct dns_cache *c);
/* a deep copy (from_cache = true, TTLs decremented) or NULL on a miss */
struct mauth_dns_answer *dns_cache_get(struct dns_cache *c, const char *name,
	    uint16_t type, uint64_t now);
/* remember ans (copied) under (name, type) if it is cacheable */
void	dns_cache_put(struct dns_cache *c, const char *name, uint16_t type,
	    const struct mauth_dns_answer *ans, uint64_t now);
void	dns_cache_stats(struct dns_cache *c, struct mauth_dns_cache_stats *st);

/* resolver.c */
struct mauth_dns_answer *dns_answer_dup(const struct mauth_dns_answer *ans);
/* a record with owner, type and TTL only (SOA, ...) */
int	dns_answer_add_bare(struct mauth_dns_answer *ans, uint16_t type,
	    const char *owner, uint32_t ttl);
/* whether ans holds at least one record of the asked type */
bool	dns_answer_has_type(const struct mauth_dns_answer *ans, uint16_t type);
/* copy s[0..len) as a name without its trailing dot; NULL on ENOMEM */
char	*dns_name_dup(const char *s, size_t len);
/* parse "IP", "IP:PORT" or "[IPv6]:PORT" (ldns_backend.c) */
int	dns_parse_server(const char *s, int *family, uint8_t addr[16],
	    uint16_t *port, char *errbuf, size_t errlen);

#endif
