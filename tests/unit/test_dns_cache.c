/*
 * test_dns_cache.c - the TTL cache of src/lib/dns/cache.c, driven through
 * mauth_resolver_query() with a scripted backend and an injected clock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "mauth/dns.h"

/* ---- the scripted backend ---------------------------------------------- */

static atomic_uint backend_calls;

/*
 * script_query - answers by name:
 *   pos.*        A records with TTL 100 and 50
 *   nx.*         NXDOMAIN, negative TTL 30
 *   nodata.*     NOERROR without records, negative TTL 20
 *   servfail.*   SERVFAIL rcode
 *   timeout.*    MAUTH_DNS_TIMEOUT;  neterr.*  MAUTH_DNS_NETERR
 *   zero.*       A record with TTL 0
 *   long.*       A record with TTL 1000000
 *   hN.*         A 10.0.T.N with TTL 5 (T = type & 0xff)  (thread test)
 */
static int
script_query(void *arg, const char *name, uint16_t type,
    struct mauth_dns_answer **out)
{
	struct mauth_dns_answer *a = NULL;
	uint8_t ip[4] = { 192, 0, 2, 1 };
	unsigned n;
	int rc = MAUTH_OK;

	(void)arg;
	atomic_fetch_add(&backend_calls, 1);
	if (strncmp(name, "timeout.", 8) == 0)
		return MAUTH_DNS_TIMEOUT;
	if (strncmp(name, "neterr.", 7) == 0)
		return MAUTH_DNS_NETERR;
	if (strncmp(name, "pos.", 4) == 0) {
		a = mauth_dns_answer_new(MAUTH_RCODE_NOERROR, 0);
		if (a != NULL)
			rc = mauth_dns_answer_add_a(a, name, 100, ip);
		ip[3] = 2;
		if (a != NULL && rc == MAUTH_OK)
			rc = mauth_dns_answer_add_a(a, name, 50, ip);
	} else if (strncmp(name, "nx.", 3) == 0) {
		a = mauth_dns_answer_new(MAUTH_RCODE_NXDOMAIN, 30);
	} else if (strncmp(name, "nodata.", 7) == 0) {
		a = mauth_dns_answer_new(MAUTH_RCODE_NOERROR, 20);
	} else if (strncmp(name, "servfail.", 9) == 0) {
		a = mauth_dns_answer_new(MAUTH_RCODE_SERVFAIL, 60);
	} else if (strncmp(name, "zero.", 5) == 0) {
		a = mauth_dns_answer_new(MAUTH_RCODE_NOERROR, 0);
		if (a != NULL)
			rc = mauth_dns_answer_add_a(a, name, 0, ip);
	} else if (strncmp(name, "long.", 5) == 0) {
		a = mauth_dns_answer_new(MAUTH_RCODE_NOERROR, 0);
		if (a != NULL)
			rc = mauth_dns_answer_add_a(a, name, 1000000, ip);
	} else if (sscanf(name, "h%u.", &n) == 1) {
		ip[0] = 10;
		ip[1] = 0;
		ip[2] = (uint8_t)type;
		ip[3] = (uint8_t)n;
		a = mauth_dns_answer_new(MAUTH_RCODE_NOERROR, 0);
		if (a != NULL)
			rc = mauth_dns_answer_add_a(a, name, 5, ip);
	} else {
		a = mauth_dns_answer_new(MAUTH_RCODE_NXDOMAIN, 0);
	}
	if (a == NULL || rc != MAUTH_OK) {
		mauth_dns_answer_free(a);
		return MAUTH_DNS_FAILURE;
	}
	*out = a;
	return MAUTH_DNS_ANSWER;
}

static uint64_t fake_now;

static uint64_t
fake_clock(void *arg)
{
	(void)arg;
	return fake_now;
}

static struct mauth_resolver *
cached_resolver(size_t max_entries, uint32_t max_ttl)
{
	struct mauth_dns_backend be = { script_query, NULL, NULL };
	struct mauth_resolver *r = NULL;

	if (mauth_resolver_new_custom(&be, &r) != MAUTH_OK)
		fail_msg("new_custom: got error, want OK");
	if (mauth_resolver_enable_cache(r, max_entries, max_ttl) != MAUTH_OK)
		fail_msg("enable_cache: got error, want OK");
	mauth_resolver_set_clock(r, fake_clock, NULL);
	fake_now = 1000;
	atomic_store(&backend_calls, 0);
	return r;
}

/*
 * One step of a scripted scenario: at time t ask (name, type) and expect the
 * status, rcode, from_cache, answer TTL and the backend call count so far.
 */
struct step {
	uint64_t	 t;
	const char	*name;
	uint16_t	 type;
	int		 status;
	int		 rcode;
	bool		 cached;
	uint32_t	 ttl;		/* answer->ttl; ANY = don't care */
	unsigned	 calls;
};

static void
run_steps(const char *scenario, struct mauth_resolver *r,
    const struct step *s, size_t n)
{
	struct mauth_dns_answer *a;
	size_t i;
	int st;

	for (i = 0; i < n; i++) {
		fake_now = 1000 + s[i].t;
		st = mauth_resolver_query(r, NULL, s[i].name, s[i].type, &a);
		if (st != s[i].status)
			fail_msg("%s step %zu (%s at %llu): got %s, want %s",
			    scenario, i, s[i].name, (unsigned long long)s[i].t,
			    mauth_dns_status_str(st),
			    mauth_dns_status_str(s[i].status));
		if (st == MAUTH_DNS_ANSWER) {
			if (a->rcode != s[i].rcode ||
			    a->from_cache != s[i].cached ||
			    (s[i].ttl != UINT32_MAX && a->ttl != s[i].ttl))
				fail_msg("%s step %zu (%s at %llu): got %s "
				    "cached=%d ttl=%u, want %s cached=%d "
				    "ttl=%u", scenario, i, s[i].name,
				    (unsigned long long)s[i].t,
				    mauth_dns_rcode_str(a->rcode),
				    a->from_cache, a->ttl,
				    mauth_dns_rcode_str(s[i].rcode),
				    s[i].cached, s[i].ttl);
		}
		if (atomic_load(&backend_calls) != s[i].calls)
			fail_msg("%s step %zu (%s at %llu): got %u backend "
			    "calls, want %u", scenario, i, s[i].name,
			    (unsigned long long)s[i].t,
			    atomic_load(&backend_calls), s[i].calls);
		mauth_dns_answer_free(a);
	}
}

#define NSTEPS(a) (sizeof(a) / sizeof((a)[0]))
#define ANY UINT32_MAX

static void
test_positive_ttl(void **state)
{
	static const struct step steps[] = {
		{ 0, "pos.example", MAUTH_DNS_A, 0, 0, false, 50, 1 },
		{ 10, "pos.example", MAUTH_DNS_A, 0, 0, true, 40, 1 },
		{ 10, "POS.Example.", MAUTH_DNS_A, 0, 0, true, 40, 1 },
		{ 10, "pos.example", MAUTH_DNS_TXT, 0, 0, false, 50, 2 },
		{ 49, "pos.example", MAUTH_DNS_A, 0, 0, true, 1, 2 },
		{ 50, "pos.example", MAUTH_DNS_A, 0, 0, false, 50, 3 },
		{ 51, "pos.example", MAUTH_DNS_A, 0, 0, true, 49, 3 },
	};
	struct mauth_resolver *r = cached_resolver(100, 0);
	struct mauth_dns_answer *a;

	(void)state;
	run_steps("positive", r, steps, NSTEPS(steps));

	/* record TTLs are decremented by the time spent in the cache */
	fake_now = 1000 + 60;
	if (mauth_resolver_query(r, NULL, "pos.example", MAUTH_DNS_A, &a)
	    != MAUTH_DNS_ANSWER)
		fail_msg("record ttls: got no answer");
	if (a->nrr != 2 || a->rr[0].ttl != 90 || a->rr[1].ttl != 40)
		fail_msg("record ttls: got nrr %zu ttl %u/%u, want 2 90/40",
		    a->nrr, a->nrr > 0 ? a->rr[0].ttl : 0,
		    a->nrr > 1 ? a->rr[1].ttl : 0);
	if (a->rr[0].u.a[3] != 1 || strcmp(a->rr[0].owner, "pos.example") != 0)
		fail_msg("record copy: got .%u '%s', want .1 'pos.example'",
		    a->rr[0].u.a[3], a->rr[0].owner);
	mauth_dns_answer_free(a);
	mauth_resolver_free(r);
}

static void
test_negative_ttl(void **state)
{
	/* RFC 2308 5: NXDOMAIN and NODATA live for the negative TTL */
	static const struct step steps[] = {
		{ 0, "nx.example", MAUTH_DNS_A, 0, 3, false, 30, 1 },
		{ 29, "nx.example", MAUTH_DNS_A, 0, 3, true, 1, 1 },
		{ 30, "nx.example", MAUTH_DNS_A, 0, 3, false, 30, 2 },
		{ 30, "nodata.example", MAUTH_DNS_MX, 0, 0, false, 20, 3 },
		{ 45, "nodata.example", MAUTH_DNS_MX, 0, 0, true, 5, 3 },
		{ 50, "nodata.example", MAUTH_DNS_MX, 0, 0, false, 20, 4 },
	};
	struct mauth_resolver *r = cached_resolver(100, 0);

	(void)state;
	run_steps("negative", r, steps, NSTEPS(steps));
	mauth_resolver_free(r);
}

static void
test_not_cached(void **state)
{
	static const struct step steps[] = {
		{ 0, "servfail.example", MAUTH_DNS_A, 0, 2, false, ANY, 1 },
		{ 1, "servfail.example", MAUTH_DNS_A, 0, 2, false, ANY, 2 },
		{ 2, "timeout.example", MAUTH_DNS_A, MAUTH_DNS_TIMEOUT, 0,
		    false, ANY, 3 },
		{ 3, "timeout.example", MAUTH_DNS_A, MAUTH_DNS_TIMEOUT, 0,
		    false, ANY, 4 },
		{ 4, "neterr.example", MAUTH_DNS_A, MAUTH_DNS_NETERR, 0,
		    false, ANY, 5 },
		{ 5, "neterr.example", MAUTH_DNS_A, MAUTH_DNS_NETERR, 0,
		    false, ANY, 6 },
		{ 6, "zero.example", MAUTH_DNS_A, 0, 0, false, 0, 7 },
		{ 6, "zero.example", MAUTH_DNS_A, 0, 0, false, 0, 8 },
		{ 7, "other.example", MAUTH_DNS_A, 0, 3, false, 0, 9 },
		{ 7, "other.example", MAUTH_DNS_A, 0, 3, false, 0, 10 },
	};
	struct mauth_resolver *r = cached_resolver(100, 0);
	struct mauth_dns_cache_stats st;

	(void)state;
	run_steps("not cached", r, steps, NSTEPS(steps));
	mauth_resolver_cache_stats(r, &st);
	if (st.entries != 0 || st.hits != 0 || st.misses != 10)
		fail_msg("not cached stats: got entries %zu hits %llu misses "
		    "%llu, want 0 0 10", st.entries,
		    (unsigned long long)st.hits,
		    (unsigned long long)st.misses);
	mauth_resolver_free(r);
}

static void
test_max_ttl(void **state)
{
	static const struct step steps[] = {
		{ 0, "long.example", MAUTH_DNS_A, 0, 0, false, 1000000, 1 },
		{ 3599, "long.example", MAUTH_DNS_A, 0, 0, true, 1, 1 },
		{ 3600, "long.example", MAUTH_DNS_A, 0, 0, false, 1000000, 2 },
	};
	struct mauth_resolver *r = cached_resolver(100, 3600);
	struct mauth_dns_answer *a;

	(void)state;
	run_steps("max_ttl", r, steps, NSTEPS(steps));
	/* a cached record never claims more than the cache will keep it */
	fake_now = 1000 + 3600 + 100;
	if (mauth_resolver_query(r, NULL, "long.example", MAUTH_DNS_A, &a)
	    != MAUTH_DNS_ANSWER || a->nrr != 1 || a->rr[0].ttl != 3500)
		fail_msg("max_ttl record: got ttl %u, want 3500",
		    a != NULL && a->nrr ? a->rr[0].ttl : 0);
	mauth_dns_answer_free(a);
	mauth_resolver_free(r);
}

static void
test_budget_counts_hits(void **state)
{
	struct mauth_resolver *r = cached_resolver(100, 0);
	struct mauth_dns_budget b;
	struct mauth_dns_answer *a;
	int i, st;

	(void)state;
	mauth_dns_budget_init(&b, 3);
	for (i = 0; i < 4; i++) {
		st = mauth_resolver_query(r, &b, "pos.example", MAUTH_DNS_A,
		    &a);
		mauth_dns_answer_free(a);
		if (i < 3 && st != MAUTH_DNS_ANSWER)
			fail_msg("budget query %d: got %s, want answer", i,
			    mauth_dns_status_str(st));
		if (i == 3 && st != MAUTH_DNS_BUDGET)
			fail_msg("budget query 3: got %s, want budget",
			    mauth_dns_status_str(st));
	}
	if (b.queries != 3 || b.sent != 1 || b.cache_hits != 2 ||
	    b.refused != 1)
		fail_msg("budget: got queries=%u sent=%u hits=%u refused=%u, "
		    "want 3 1 2 1", b.queries, b.sent, b.cache_hits, b.refused);
	mauth_resolver_free(r);
}

static void
test_eviction(void **state)
{
	struct mauth_resolver *r = cached_resolver(4, 0);
	struct mauth_dns_cache_stats st;
	struct mauth_dns_answer *a;
	char name[32];
	unsigned i, calls;

	(void)state;
	/* fill h0..h3, touch h0, add h4 and h5: h1 and h2 go (LRU) */
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "h%u.example", i);
		if (mauth_resolver_query(r, NULL, name, MAUTH_DNS_A, &a) !=
		    MAUTH_DNS_ANSWER)
			fail_msg("fill %s: got no answer", name);
		mauth_dns_answer_free(a);
	}
	if (mauth_resolver_query(r, NULL, "h0.example", MAUTH_DNS_A, &a) !=
	    MAUTH_DNS_ANSWER || !a->from_cache)
		fail_msg("touch h0: got no cached answer");
	mauth_dns_answer_free(a);
	for (i = 4; i < 6; i++) {
		snprintf(name, sizeof(name), "h%u.example", i);
		if (mauth_resolver_query(r, NULL, name, MAUTH_DNS_A, &a) !=
		    MAUTH_DNS_ANSWER)
			fail_msg("add %s: got no answer", name);
		mauth_dns_answer_free(a);
	}
	mauth_resolver_cache_stats(r, &st);
	if (st.entries != 4 || st.evictions != 2)
		fail_msg("eviction: got entries %zu evictions %llu, want 4 2",
		    st.entries, (unsigned long long)st.evictions);
	{
		static const struct {
			const char *name;
			bool cached;
		} want[] = {
			/* h1 last: fetching it again evicts another */
			{ "h0.example", true }, { "h3.example", true },
			{ "h5.example", true }, { "h1.example", false },
		};
		for (i = 0; i < 4; i++) {
			calls = atomic_load(&backend_calls);
			if (mauth_resolver_query(r, NULL, want[i].name,
			    MAUTH_DNS_A, &a) != MAUTH_DNS_ANSWER)
				fail_msg("probe %s: got no answer",
				    want[i].name);
			if (a->from_cache != want[i].cached ||
			    (atomic_load(&backend_calls) == calls) !=
			    want[i].cached)
				fail_msg("probe %s: got cached=%d, want %d",
				    want[i].name, a->from_cache,
				    want[i].cached);
			mauth_dns_answer_free(a);
		}
	}
	mauth_resolver_free(r);
}

static void
test_disable(void **state)
{
	struct mauth_resolver *r = cached_resolver(4, 0);
	struct mauth_dns_cache_stats st;
	struct mauth_dns_answer *a;

	(void)state;
	if (mauth_resolver_query(r, NULL, "pos.example", MAUTH_DNS_A, &a) !=
	    MAUTH_DNS_ANSWER)
		fail_msg("disable: got no answer");
	mauth_dns_answer_free(a);
	if (mauth_resolver_enable_cache(r, 0, 0) != MAUTH_OK)
		fail_msg("disable: got error, want OK");
	if (mauth_resolver_query(r, NULL, "pos.example", MAUTH_DNS_A, &a) !=
	    MAUTH_DNS_ANSWER || a->from_cache)
		fail_msg("disabled cache: got a cached answer");
	mauth_dns_answer_free(a);
	mauth_resolver_cache_stats(r, &st);
	if (st.entries != 0 || st.hits != 0 || st.misses != 0)
		fail_msg("disabled stats: got %zu/%llu/%llu, want zeros",
		    st.entries, (unsigned long long)st.hits,
		    (unsigned long long)st.misses);
	mauth_resolver_free(r);
}

/* ---- threads ----------------------------------------------------------- */

#define NTHREADS	8
#define NQUERIES	20000
#define NNAMES		64

static atomic_ulong ticks;

/* tick_clock - advances one second every 1000 reads, so entries expire */
static uint64_t
tick_clock(void *arg)
{
	(void)arg;
	return atomic_fetch_add(&ticks, 1) / 1000;
}

struct worker {
	struct mauth_resolver	*r;
	unsigned		 seed;
	unsigned		 bad;
	unsigned		 answers;
	unsigned		 cached;
	char			 why[160];
};

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct mauth_dns_answer *a;
	char name[32], lname[32];
	unsigned i, n;
	uint16_t type;
	int st;

	for (i = 0; i < NQUERIES; i++) {
		w->seed = w->seed * 1103515245U + 12345U;
		n = (w->seed >> 16) % NNAMES;
		type = (w->seed >> 8) & 1 ? MAUTH_DNS_A : MAUTH_DNS_TXT;
		snprintf(name, sizeof(name), "h%u.Example", n);
		snprintf(lname, sizeof(lname), "h%u.example", n);
		st = mauth_resolver_query(w->r, NULL, name, type, &a);
		if (st != MAUTH_DNS_ANSWER) {
			w->bad++;
			snprintf(w->why, sizeof(w->why), "%s: status %s", name,
			    mauth_dns_status_str(st));
			continue;
		}
		w->answers++;
		if (a->from_cache)
			w->cached++;
		if (a->rcode != 0 || a->nrr != 1 || a->rr[0].u.a[3] != n ||
		    a->rr[0].u.a[2] != (uint8_t)type ||
		    strcmp(a->rr[0].owner, lname) != 0 ||
		    a->rr[0].ttl > 5) {
			w->bad++;
			snprintf(w->why, sizeof(w->why),
			    "%s/%u: got rcode %d nrr %zu", name, type,
			    a->rcode, a->nrr);
		}
		mauth_dns_answer_free(a);
	}
	return NULL;
}

static void
test_threads(void **state)
{
	struct mauth_resolver *r = cached_resolver(32, 0);
	struct mauth_dns_cache_stats st;
	struct worker w[NTHREADS];
	pthread_t t[NTHREADS];
	unsigned long answers = 0, cached = 0;
	int i;

	(void)state;
	mauth_resolver_set_clock(r, tick_clock, NULL);
	atomic_store(&ticks, 0);
	for (i = 0; i < NTHREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].r = r;
		w[i].seed = (unsigned)i * 7919U + 1;
		if (pthread_create(&t[i], NULL, worker_run, &w[i]) != 0)
			fail_msg("pthread_create %d failed", i);
	}
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < NTHREADS; i++) {
		if (w[i].bad != 0)
			fail_msg("thread %d: got %u bad answers (last: %s), "
			    "want 0", i, w[i].bad, w[i].why);
		answers += w[i].answers;
		cached += w[i].cached;
	}
	mauth_resolver_cache_stats(r, &st);
	if (answers != NTHREADS * NQUERIES)
		fail_msg("threads: got %lu answers, want %d", answers,
		    NTHREADS * NQUERIES);
	if (st.hits != cached || st.hits + st.misses != answers ||
	    st.misses != atomic_load(&backend_calls) || st.entries > 32)
		fail_msg("threads stats: got hits %llu misses %llu entries %zu "
		    "backend %u, want hits %lu, hits+misses %lu, misses = "
		    "backend, entries <= 32", (unsigned long long)st.hits,
		    (unsigned long long)st.misses, st.entries,
		    atomic_load(&backend_calls), cached, answers);
	if (st.hits == 0 || st.evictions == 0)
		fail_msg("threads: got hits %llu evictions %llu, want both > 0",
		    (unsigned long long)st.hits,
		    (unsigned long long)st.evictions);
	print_message("threads: %lu queries, %llu hits, %llu misses, "
	    "%llu evictions\n", answers, (unsigned long long)st.hits,
	    (unsigned long long)st.misses, (unsigned long long)st.evictions);
	mauth_resolver_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_positive_ttl),
		cmocka_unit_test(test_negative_ttl),
		cmocka_unit_test(test_not_cached),
		cmocka_unit_test(test_max_ttl),
		cmocka_unit_test(test_budget_counts_hits),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_disable),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
