/*
 * resolver.c - the one resolver interface: name checks, the query budget,
 * the cache in front of the backend, and the answer helpers.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mauth/dns.h"
#include "dns/dns_int.h"
#include "util/str.h"

struct mauth_resolver {
	struct mauth_dns_backend	 be;
	struct dns_cache		*cache;
	uint64_t			(*now)(void *);
	void				*now_arg;
};

/* default_now - seconds of the monotonic clock */
static uint64_t
default_now(void *arg)
{
	struct timespec ts;

	(void)arg;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (uint64_t)ts.tv_sec;
}

/* mono_ms - monotonic milliseconds, for the budget's time accounting */
static uint64_t
mono_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* mauth_dns_budget_init - a fresh budget of max_queries (0 = no limit) */
void
mauth_dns_budget_init(struct mauth_dns_budget *b, unsigned max_queries)
{
	if (b == NULL)
		return;
	memset(b, 0, sizeof(*b));
	b->max_queries = max_queries;
}

/*
 * mauth_dns_name_valid - RFC 1035 2.3.4 size limits: labels of 1..63 octets,
 * at most 253 octets of text (255 on the wire), no empty label.  A NUL byte
 * is refused as well: names travel as C strings past this point.
 */
bool
mauth_dns_name_valid(const char *name, size_t len)
{
	size_t i, label = 0;

	if (name == NULL || len == 0)
		return false;
	if (name[len - 1] == '.')
		len--;
	if (len == 0 || len > DNS_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		if (name[i] == '\0')
			return false;
		if (name[i] == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (++label > DNS_LABEL_MAX)
			return false;
	}
	return label > 0;
}

/* mauth_resolver_new_custom - a resolver over caller-supplied functions */
int
mauth_resolver_new_custom(const struct mauth_dns_backend *be,
    struct mauth_resolver **out)
{
	struct mauth_resolver *r;

	if (out == NULL)
		return MAUTH_ERR_INVAL;
	*out = NULL;
	if (be == NULL || be->query == NULL)
		return MAUTH_ERR_INVAL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return MAUTH_ERR_NOMEM;
	r->be = *be;
	r->now = default_now;
	*out = r;
	return MAUTH_OK;
}

/* mauth_resolver_free - free the cache, then let the backend free itself */
void
mauth_resolver_free(struct mauth_resolver *r)
{
	if (r == NULL)
		return;
	dns_cache_free(r->cache);
	if (r->be.destroy != NULL)
		r->be.destroy(r->be.arg);
	free(r);
}

/* mauth_resolver_enable_cache - see dns.h; replaces any earlier cache */
int
mauth_resolver_enable_cache(struct mauth_resolver *r, size_t max_entries,
    uint32_t max_ttl)
{
	struct dns_cache *c = NULL;

	if (r == NULL)
		return MAUTH_ERR_INVAL;
	if (max_entries > 0 &&
	    (c = dns_cache_new(max_entries, max_ttl)) == NULL)
		return MAUTH_ERR_NOMEM;
	dns_cache_free(r->cache);
	r->cache = c;
	return MAUTH_OK;
}

/* mauth_resolver_set_clock - the cache clock; NULL restores CLOCK_MONOTONIC */
void
mauth_resolver_set_clock(struct mauth_resolver *r, uint64_t (*now)(void *),
    void *arg)
{
	if (r == NULL)
		return;
	r->now = now != NULL ? now : default_now;
	r->now_arg = now != NULL ? arg : NULL;
}

/* mauth_resolver_cache_stats - the cache counters (zeros without cache) */
void
mauth_resolver_cache_stats(struct mauth_resolver *r,
    struct mauth_dns_cache_stats *st)
{
	if (st == NULL)
		return;
	memset(st, 0, sizeof(*st));
	if (r != NULL && r->cache != NULL)
		dns_cache_stats(r->cache, st);
}

/*
 * normalize_ttl - make ans->ttl the TTL that governs caching: the smallest
 * record TTL when records of the asked type are present; for a CNAME chain
 * ending in NODATA also the negative TTL the backend gave (if any); for
 * NXDOMAIN/NODATA the negative TTL as given.
 */
static void
normalize_ttl(struct mauth_dns_answer *ans, uint16_t type)
{
	uint32_t min = UINT32_MAX;
	size_t i;

	if (ans->nrr == 0)
		return;
	for (i = 0; i < ans->nrr; i++)
		if (ans->rr[i].ttl < min)
			min = ans->rr[i].ttl;
	if (!dns_answer_has_type(ans, type) && ans->ttl != 0 && ans->ttl < min)
		min = ans->ttl;
	ans->ttl = min;
}

/*
 * mauth_resolver_query - validate, charge the budget, try the cache, then ask
 * the backend.  Only MAUTH_DNS_ANSWER hands an answer to the caller.
 */
int
mauth_resolver_query(struct mauth_resolver *r, struct mauth_dns_budget *budget,
    const char *name, uint16_t type, struct mauth_dns_answer **out)
{
	struct mauth_dns_answer *ans = NULL;
	char qname[DNS_NAME_MAX + 1];
	size_t len, i;
	uint64_t now = 0, t0 = 0;
	int st;

	if (out == NULL)
		return MAUTH_DNS_FAILURE;
	*out = NULL;
	if (r == NULL || name == NULL)
		return MAUTH_DNS_FAILURE;
	len = strnlen(name, DNS_NAME_MAX + 2);
	if (!mauth_dns_name_valid(name, len))
		return MAUTH_DNS_BADNAME;
	if (name[len - 1] == '.')
		len--;
	/* The cache key and the backend both see the lower-cased name. */
	for (i = 0; i < len; i++)
		qname[i] = str_lower(name[i]);
	qname[len] = '\0';

	if (budget != NULL) {
		if ((budget->max_queries != 0 &&
		    budget->queries >= budget->max_queries) ||
		    (budget->max_ms != 0 && budget->spent_ms >= budget->max_ms)) {
			budget->refused++;
			return MAUTH_DNS_BUDGET;
		}
		budget->queries++;
	}

	if (r->cache != NULL) {
		now = r->now(r->now_arg);
		if ((ans = dns_cache_get(r->cache, qname, type, now)) != NULL) {
			if (budget != NULL)
				budget->cache_hits++;
			*out = ans;
			return MAUTH_DNS_ANSWER;
		}
	}

	if (budget != NULL) {
		budget->sent++;
		t0 = mono_ms();
	}
	st = r->be.query(r->be.arg, qname, type, &ans);
	if (budget != NULL)
		budget->spent_ms += mono_ms() - t0;
	if (st != MAUTH_DNS_ANSWER) {
		mauth_dns_answer_free(ans);
		switch (st) {
		case MAUTH_DNS_TIMEOUT:
		case MAUTH_DNS_NETERR:
		case MAUTH_DNS_FAILURE:
			return st;
		default:
			/* BUDGET, BADNAME, junk: not the backend's to say */
			return MAUTH_DNS_FAILURE;
		}
	}
	if (ans == NULL)
		return MAUTH_DNS_FAILURE;
	ans->from_cache = false;
	normalize_ttl(ans, type);
	if (r->cache != NULL)
		dns_cache_put(r->cache, qname, type, ans, now);
	*out = ans;
	return MAUTH_DNS_ANSWER;
}

/* ---- answers ----------------------------------------------------------- */

/* rr_free - free the strings of one record */
static void
rr_free(struct mauth_dns_rr *rr)
{
	free((void *)rr->owner);
	switch (rr->type) {
	case MAUTH_DNS_CNAME:
	case MAUTH_DNS_PTR:
	case MAUTH_DNS_NS:
		free((void *)rr->u.target);
		break;
	case MAUTH_DNS_MX:
		free((void *)rr->u.mx.exchange);
		break;
	case MAUTH_DNS_TXT:
	case MAUTH_DNS_SPF:
		free((void *)rr->u.txt.data);
		break;
	default:
		break;
	}
}

/* mauth_dns_answer_free - free an answer and the strings of its records */
void
mauth_dns_answer_free(struct mauth_dns_answer *ans)
{
	size_t i;

	if (ans == NULL)
		return;
	for (i = 0; i < ans->nrr; i++)
		rr_free(&ans->rr[i]);
	free(ans->rr);
	free(ans);
}

/* mauth_dns_answer_new - an empty answer for custom backends */
struct mauth_dns_answer *
mauth_dns_answer_new(int rcode, uint32_t ttl)
{
	struct mauth_dns_answer *ans;

	if ((ans = calloc(1, sizeof(*ans))) == NULL)
		return NULL;
	ans->rcode = rcode;
	ans->ttl = ttl;
	return ans;
}

/* dns_name_dup - copy a name, dropping one trailing dot (not of ".") */
char *
dns_name_dup(const char *s, size_t len)
{
	if (len > 1 && s[len - 1] == '.')
		len--;
	return str_ndup(s, len);
}

/*
 * rr_push - append a record slot with its owner set; NULL (and nothing
 * changed) on bad input, ENOMEM or past DNS_ANSWER_MAX_RR.  *err says which.
 */
static struct mauth_dns_rr *
rr_push(struct mauth_dns_answer *ans, uint16_t type, const char *owner,
    uint32_t ttl, int *err)
{
	struct mauth_dns_rr *rr, *nrr;
	size_t ncap;
	char *o;

	if (ans == NULL || owner == NULL) {
		*err = MAUTH_ERR_INVAL;
		return NULL;
	}
	if (ans->nrr >= DNS_ANSWER_MAX_RR) {
		*err = MAUTH_ERR_LIMIT;
		return NULL;
	}
	/* Grow to the next power of two: capacity is implied by nrr. */
	if ((ans->nrr & (ans->nrr - 1)) == 0) {
		ncap = ans->nrr == 0 ? 1 : ans->nrr * 2;
		nrr = reallocarray(ans->rr, ncap, sizeof(*nrr));
		if (nrr == NULL) {
			*err = MAUTH_ERR_NOMEM;
			return NULL;
		}
		ans->rr = nrr;
	}
	if ((o = dns_name_dup(owner, strlen(owner))) == NULL) {
		*err = MAUTH_ERR_NOMEM;
		return NULL;
	}
	rr = &ans->rr[ans->nrr];
	memset(rr, 0, sizeof(*rr));
	rr->type = type;
	rr->ttl = ttl;
	rr->owner = o;
	*err = MAUTH_OK;
	return rr;
}

/*
 * dns_answer_add_bare - a record without data (SOA and other types the
 * public struct has no member for): owner, type and TTL only.
 */
int
dns_answer_add_bare(struct mauth_dns_answer *ans, uint16_t type,
    const char *owner, uint32_t ttl)
{
	int err;

	if (type == MAUTH_DNS_CNAME || type == MAUTH_DNS_PTR ||
	    type == MAUTH_DNS_NS || type == MAUTH_DNS_MX ||
	    type == MAUTH_DNS_TXT || type == MAUTH_DNS_SPF)
		return MAUTH_ERR_INVAL;		/* these own strings */
	if (rr_push(ans, type, owner, ttl, &err) == NULL)
		return err;
	ans->nrr++;
	return MAUTH_OK;
}

/* mauth_dns_answer_add_a - append an A record */
int
mauth_dns_answer_add_a(struct mauth_dns_answer *ans, const char *owner,
    uint32_t ttl, const uint8_t addr[4])
{
	struct mauth_dns_rr *rr;
	int err;

	if (addr == NULL)
		return MAUTH_ERR_INVAL;
	if ((rr = rr_push(ans, MAUTH_DNS_A, owner, ttl, &err)) == NULL)
		return err;
	memcpy(rr->u.a, addr, 4);
	ans->nrr++;
	return MAUTH_OK;
}

/* mauth_dns_answer_add_aaaa - append an AAAA record */
int
mauth_dns_answer_add_aaaa(struct mauth_dns_answer *ans, const char *owner,
    uint32_t ttl, const uint8_t addr[16])
{
	struct mauth_dns_rr *rr;
	int err;

	if (addr == NULL)
		return MAUTH_ERR_INVAL;
	if ((rr = rr_push(ans, MAUTH_DNS_AAAA, owner, ttl, &err)) == NULL)
		return err;
	memcpy(rr->u.aaaa, addr, 16);
	ans->nrr++;
	return MAUTH_OK;
}

/* mauth_dns_answer_add_name - append a CNAME, PTR or NS record */
int
mauth_dns_answer_add_name(struct mauth_dns_answer *ans, uint16_t type,
    const char *owner, uint32_t ttl, const char *target)
{
	struct mauth_dns_rr *rr;
	char *t;
	int err;

	if (target == NULL || (type != MAUTH_DNS_CNAME &&
	    type != MAUTH_DNS_PTR && type != MAUTH_DNS_NS))
		return MAUTH_ERR_INVAL;
	if ((t = dns_name_dup(target, strlen(target))) == NULL)
		return MAUTH_ERR_NOMEM;
	if ((rr = rr_push(ans, type, owner, ttl, &err)) == NULL) {
		free(t);
		return err;
	}
	rr->u.target = t;
	ans->nrr++;
	return MAUTH_OK;
}

/* mauth_dns_answer_add_mx - append an MX record (exchange copied) */
int
mauth_dns_answer_add_mx(struct mauth_dns_answer *ans, const char *owner,
    uint32_t ttl, uint16_t pref, const char *exchange)
{
	struct mauth_dns_rr *rr;
	char *x;
	int err;

	if (exchange == NULL)
		return MAUTH_ERR_INVAL;
	if ((x = dns_name_dup(exchange, strlen(exchange))) == NULL)
		return MAUTH_ERR_NOMEM;
	if ((rr = rr_push(ans, MAUTH_DNS_MX, owner, ttl, &err)) == NULL) {
		free(x);
		return err;
	}
	rr->u.mx.preference = pref;
	rr->u.mx.exchange = x;
	ans->nrr++;
	return MAUTH_OK;
}

/*
 * mauth_dns_answer_add_txt - RFC 7208 3.3: the character-strings of one
 * record are concatenated without separator.  The copy keeps NUL bytes and
 * gets one more NUL after data[len].
 */
int
mauth_dns_answer_add_txt(struct mauth_dns_answer *ans, uint16_t type,
    const char *owner, uint32_t ttl, const uint8_t *const *strings,
    const size_t *lens, size_t nstrings)
{
	struct mauth_dns_rr *rr;
	uint8_t *d;
	size_t i, total = 0, off = 0;
	int err;

	if (type != MAUTH_DNS_TXT && type != MAUTH_DNS_SPF)
		return MAUTH_ERR_INVAL;
	if (nstrings > 0 && (strings == NULL || lens == NULL))
		return MAUTH_ERR_INVAL;
	for (i = 0; i < nstrings; i++) {
		if (strings[i] == NULL && lens[i] != 0)
			return MAUTH_ERR_INVAL;
		if (lens[i] > DNS_TXT_MAX - total)
			return MAUTH_ERR_LIMIT;
		total += lens[i];
	}
	if ((d = malloc(total + 1)) == NULL)
		return MAUTH_ERR_NOMEM;
	for (i = 0; i < nstrings; i++) {
		if (lens[i] > 0)
			memcpy(d + off, strings[i], lens[i]);
		off += lens[i];
	}
	d[total] = '\0';
	if ((rr = rr_push(ans, type, owner, ttl, &err)) == NULL) {
		free(d);
		return err;
	}
	rr->u.txt.data = d;
	rr->u.txt.len = total;
	rr->u.txt.nstrings = nstrings;
	ans->nrr++;
	return MAUTH_OK;
}

/* rr_copy - deep copy of one record into a zeroed slot; false on ENOMEM */
static bool
rr_copy(struct mauth_dns_rr *dst, const struct mauth_dns_rr *src)
{
	uint8_t *d;

	*dst = *src;
	dst->owner = NULL;
	switch (src->type) {
	case MAUTH_DNS_CNAME:
	case MAUTH_DNS_PTR:
	case MAUTH_DNS_NS:
		dst->u.target = NULL;
		break;
	case MAUTH_DNS_MX:
		dst->u.mx.exchange = NULL;
		break;
	case MAUTH_DNS_TXT:
	case MAUTH_DNS_SPF:
		dst->u.txt.data = NULL;
		break;
	default:
		break;
	}
	if ((dst->owner = strdup(src->owner)) == NULL)
		return false;
	switch (src->type) {
	case MAUTH_DNS_CNAME:
	case MAUTH_DNS_PTR:
	case MAUTH_DNS_NS:
		return (dst->u.target = strdup(src->u.target)) != NULL;
	case MAUTH_DNS_MX:
		dst->u.mx.exchange = strdup(src->u.mx.exchange);
		return dst->u.mx.exchange != NULL;
	case MAUTH_DNS_TXT:
	case MAUTH_DNS_SPF:
		if ((d = malloc(src->u.txt.len + 1)) == NULL)
			return false;
		memcpy(d, src->u.txt.data, src->u.txt.len);
		d[src->u.txt.len] = '\0';
		dst->u.txt.data = d;
		return true;
	default:
		return true;
	}
}

/* dns_answer_dup - deep copy of an answer; NULL on ENOMEM */
struct mauth_dns_answer *
dns_answer_dup(const struct mauth_dns_answer *ans)
{
	struct mauth_dns_answer *c;
	size_t i;

	if ((c = mauth_dns_answer_new(ans->rcode, ans->ttl)) == NULL)
		return NULL;
	c->authenticated = ans->authenticated;
	c->from_cache = ans->from_cache;
	if (ans->nrr == 0)
		return c;
	if ((c->rr = calloc(ans->nrr, sizeof(*c->rr))) == NULL) {
		free(c);
		return NULL;
	}
	for (i = 0; i < ans->nrr; i++) {
		/* count the slot first so that a half copy is freed */
		c->nrr++;
		if (!rr_copy(&c->rr[i], &ans->rr[i])) {
			mauth_dns_answer_free(c);
			return NULL;
		}
	}
	return c;
}

/* dns_answer_has_type - whether ans holds a record of type */
bool
dns_answer_has_type(const struct mauth_dns_answer *ans, uint16_t type)
{
	size_t i;

	for (i = 0; i < ans->nrr; i++)
		if (ans->rr[i].type == type)
			return true;
	return false;
}

/* ---- names of things --------------------------------------------------- */

/* mauth_dns_type_str - static name of an RR type */
const char *
mauth_dns_type_str(uint16_t type)
{
	switch (type) {
	case MAUTH_DNS_A:
		return "A";
	case MAUTH_DNS_NS:
		return "NS";
	case MAUTH_DNS_CNAME:
		return "CNAME";
	case MAUTH_DNS_SOA:
		return "SOA";
	case MAUTH_DNS_PTR:
		return "PTR";
	case MAUTH_DNS_MX:
		return "MX";
	case MAUTH_DNS_TXT:
		return "TXT";
	case MAUTH_DNS_AAAA:
		return "AAAA";
	case MAUTH_DNS_SPF:
		return "SPF";
	default:
		return "UNKNOWN";
	}
}

/* mauth_dns_rcode_str - static name of an rcode */
const char *
mauth_dns_rcode_str(int rcode)
{
	/* RFC 1035 4.1.1, RFC 2136 2.2 */
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
		"REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH",
		"NOTZONE"
	};

	if (rcode >= 0 && (size_t)rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	return "RCODE?";
}

/* mauth_dns_status_str - static text of a query status */
const char *
mauth_dns_status_str(int status)
{
	switch (status) {
	case MAUTH_DNS_ANSWER:
		return "answer";
	case MAUTH_DNS_TIMEOUT:
		return "timeout";
	case MAUTH_DNS_NETERR:
		return "network error";
	case MAUTH_DNS_BUDGET:
		return "query budget spent";
	case MAUTH_DNS_BADNAME:
		return "invalid name";
	case MAUTH_DNS_FAILURE:
		return "failure";
	default:
		return "unknown status";
	}
}
