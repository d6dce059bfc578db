/*
 * cache.c - the TTL-aware answer cache shared by all threads of a resolver.
 *
 * A hash table of (lower-cased name, type) with chaining, plus a doubly linked
 * LRU list; one mutex guards both.  Lookups and inserts are O(1) on average.
 * Only NOERROR (with records, or NODATA) and NXDOMAIN answers are kept, for
 * their TTL capped at max_ttl (RFC 2308 5: negative answers for the negative
 * TTL).  SERVFAIL and the other rcodes, and all failures without a response,
 * are never kept (the resolver does not even offer those).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mauth/dns.h"
#include "dns/dns_int.h"

#define CACHE_DEFAULT_MAX_TTL	86400	/* one day when max_ttl is 0 */
#define CACHE_MAX_BUCKETS	(1U << 20)

struct centry {
	char			*name;		/* lower-cased, no final dot */
	uint16_t		 type;
	uint32_t		 hash;
	uint64_t		 stored;	/* clock at insertion */
	uint64_t		 expires;	/* clock at expiry */
	struct mauth_dns_answer	*ans;
	struct centry		*hnext;		/* hash chain */
	struct centry		*prev, *next;	/* LRU list, head = newest */
};

struct dns_cache {
	pthread_mutex_t	  mu;
	struct centry	**buckets;
	size_t		  nbuckets;	/* a power of two */
	size_t		  n;
	size_t		  max;
	uint32_t	  max_ttl;
	struct centry	 *head, *tail;
	uint64_t	  hits, misses, evictions;
};

/* key_hash - FNV-1a over the name and the type */
static uint32_t
key_hash(const char *name, uint16_t type)
{
	uint32_t h = 2166136261U;
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		h ^= *p;
		h *= 16777619U;
	}
	h ^= type & 0xff;
	h *= 16777619U;
	h ^= type >> 8;
	h *= 16777619U;
	return h;
}

/* dns_cache_new - an empty cache of max_entries answers; NULL on ENOMEM */
struct dns_cache *
dns_cache_new(size_t max_entries, uint32_t max_ttl)
{
	struct dns_cache *c;
	size_t nb = 16;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	while (nb < max_entries && nb < CACHE_MAX_BUCKETS)
		nb *= 2;
	if ((c->buckets = calloc(nb, sizeof(*c->buckets))) == NULL) {
		free(c);
		return NULL;
	}
	if (pthread_mutex_init(&c->mu, NULL) != 0) {
		free(c->buckets);
		free(c);
		return NULL;
	}
	c->nbuckets = nb;
	c->max = max_entries;
	c->max_ttl = max_ttl != 0 ? max_ttl : CACHE_DEFAULT_MAX_TTL;
	return c;
}

/* entry_free - free one entry and its answer */
static void
entry_free(struct centry *e)
{
	mauth_dns_answer_free(e->ans);
	free(e->name);
	free(e);
}

/* dns_cache_free - free the cache and all entries; NULL is a no-op */
void
dns_cache_free(struct dns_cache *c)
{
	struct centry *e, *next;

	if (c == NULL)
		return;
	for (e = c->head; e != NULL; e = next) {
		next = e->next;
		entry_free(e);
	}
	pthread_mutex_destroy(&c->mu);
	free(c->buckets);
	free(c);
}

/* lru_unlink - take e out of the LRU list */
static void
lru_unlink(struct dns_cache *c, struct centry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

/* lru_push - put e at the head (most recently used) */
static void
lru_push(struct dns_cache *c, struct centry *e)
{
	e->prev = NULL;
	e->next = c->head;
	if (c->head != NULL)
		c->head->prev = e;
	c->head = e;
	if (c->tail == NULL)
		c->tail = e;
}

/* find - the entry for (name, type) and the link that points at it */
static struct centry *
find(struct dns_cache *c, const char *name, uint16_t type, uint32_t h,
    struct centry ***linkp)
{
	struct centry **link, *e;

	link = &c->buckets[h & (c->nbuckets - 1)];
	for (; (e = *link) != NULL; link = &e->hnext) {
		if (e->hash == h && e->type == type &&
		    strcmp(e->name, name) == 0) {
			if (linkp != NULL)
				*linkp = link;
			return e;
		}
	}
	return NULL;
}

/* remove_entry - unlink e (found through link) from both lists and free it */
static void
remove_entry(struct dns_cache *c, struct centry *e, struct centry **link)
{
	*link = e->hnext;
	lru_unlink(c, e);
	c->n--;
	entry_free(e);
}

/* evict_lru - drop the least recently used entry */
static void
evict_lru(struct dns_cache *c)
{
	struct centry *e = c->tail, **link;

	if (e == NULL || find(c, e->name, e->type, e->hash, &link) != e)
		return;
	remove_entry(c, e, link);
	c->evictions++;
}

/*
 * dns_cache_get - a copy of the cached answer with from_cache set and TTLs
 * lowered by the time spent in the cache; NULL on a miss (or ENOMEM).
 */
struct mauth_dns_answer *
dns_cache_get(struct dns_cache *c, const char *name, uint16_t type,
    uint64_t now)
{
	struct centry *e, **link;
	struct mauth_dns_answer *copy = NULL;
	uint64_t elapsed = 0, left = 0;
	uint32_t h = key_hash(name, type);
	size_t i;

	pthread_mutex_lock(&c->mu);
	e = find(c, name, type, h, &link);
	if (e != NULL && now >= e->expires) {
		remove_entry(c, e, link);
		e = NULL;
	}
	if (e != NULL) {
		lru_unlink(c, e);
		lru_push(c, e);
		copy = dns_answer_dup(e->ans);
		elapsed = now > e->stored ? now - e->stored : 0;
		left = e->expires - now;
	}
	if (copy != NULL)
		c->hits++;
	else
		c->misses++;
	pthread_mutex_unlock(&c->mu);

	if (copy == NULL)
		return NULL;
	copy->from_cache = true;
	copy->ttl = (uint32_t)left;
	for (i = 0; i < copy->nrr; i++) {
		if (copy->rr[i].ttl > elapsed)
			copy->rr[i].ttl -= (uint32_t)elapsed;
		else
			copy->rr[i].ttl = 0;
	}
	return copy;
}

/* dns_cache_put - keep a copy of ans if it is a cacheable answer */
void
dns_cache_put(struct dns_cache *c, const char *name, uint16_t type,
    const struct mauth_dns_answer *ans, uint64_t now)
{
	struct centry *e, **link;
	struct mauth_dns_answer *copy;
	uint32_t h = key_hash(name, type), ttl;
	size_t i;

	/* RFC 2308 7.1: SERVFAIL and friends are not cached here. */
	if (ans->rcode != MAUTH_RCODE_NOERROR &&
	    ans->rcode != MAUTH_RCODE_NXDOMAIN)
		return;
	ttl = ans->ttl < c->max_ttl ? ans->ttl : c->max_ttl;
	if (ttl == 0)
		return;
	if ((copy = dns_answer_dup(ans)) == NULL)
		return;
	copy->from_cache = false;
	/* no record claims to live longer than the cache keeps it */
	for (i = 0; i < copy->nrr; i++)
		if (copy->rr[i].ttl > c->max_ttl)
			copy->rr[i].ttl = c->max_ttl;

	pthread_mutex_lock(&c->mu);
	if ((e = find(c, name, type, h, &link)) != NULL) {
		/* another thread filled it meanwhile: keep the newer one */
		mauth_dns_answer_free(e->ans);
		e->ans = copy;
		e->stored = now;
		e->expires = now + ttl;
		lru_unlink(c, e);
		lru_push(c, e);
		pthread_mutex_unlock(&c->mu);
		return;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->name = strdup(name)) == NULL) {
		pthread_mutex_unlock(&c->mu);
		free(e);
		mauth_dns_answer_free(copy);
		return;
	}
	while (c->n >= c->max && c->tail != NULL)
		evict_lru(c);
	e->type = type;
	e->hash = h;
	e->stored = now;
	e->expires = now + ttl;
	e->ans = copy;
	link = &c->buckets[h & (c->nbuckets - 1)];
	e->hnext = *link;
	*link = e;
	lru_push(c, e);
	c->n++;
	pthread_mutex_unlock(&c->mu);
}

/* dns_cache_stats - a consistent snapshot of the counters */
void
dns_cache_stats(struct dns_cache *c, struct mauth_dns_cache_stats *st)
{
	pthread_mutex_lock(&c->mu);
	st->entries = c->n;
	st->hits = c->hits;
	st->misses = c->misses;
	st->evictions = c->evictions;
	pthread_mutex_unlock(&c->mu);
}
