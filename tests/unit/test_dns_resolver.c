/*
 * test_dns_resolver.c - name checks, the query budget, backend status
 * handling and the answer helpers of src/lib/dns/resolver.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "mauth/dns.h"

/* ---- a scripted backend ------------------------------------------------ */

struct fake {
	int	 status;	/* what query() returns */
	bool	 give_answer;	/* store an answer even when status != ANSWER */
	int	 calls;
	char	 last_name[300];
	uint16_t last_type;
};

static int
fake_query(void *arg, const char *name, uint16_t type,
    struct mauth_dns_answer **out)
{
	struct fake *f = arg;
	static const uint8_t ip[4] = { 192, 0, 2, 1 };
	struct mauth_dns_answer *a;

	f->calls++;
	snprintf(f->last_name, sizeof(f->last_name), "%s", name);
	f->last_type = type;
	if (f->status == MAUTH_DNS_ANSWER || f->give_answer) {
		if ((a = mauth_dns_answer_new(MAUTH_RCODE_NOERROR, 0)) == NULL)
			return MAUTH_DNS_FAILURE;
		if (mauth_dns_answer_add_a(a, name, 60, ip) != MAUTH_OK) {
			mauth_dns_answer_free(a);
			return MAUTH_DNS_FAILURE;
		}
		*out = a;
	}
	return f->status;
}

static struct mauth_resolver *
fake_resolver(struct fake *f)
{
	struct mauth_dns_backend be = { fake_query, NULL, f };
	struct mauth_resolver *r = NULL;

	if (mauth_resolver_new_custom(&be, &r) != MAUTH_OK || r == NULL)
		fail_msg("mauth_resolver_new_custom failed");
	return r;
}

/* ---- name validation --------------------------------------------------- */

static char *
repeat(char *dst, char c, size_t n)
{
	memset(dst, c, n);
	dst[n] = '\0';
	return dst;
}

static void
test_name_valid(void **state)
{
	char l63[64], l64[65], n253[300], n254[300], n253dot[320];
	size_t i;
	struct {
		const char	*name;
		const char	*s;
		size_t		 len;	/* 0 = strlen */
		bool		 want;
	} cases[] = {
		{ "plain", "example.com", 0, true },
		{ "trailing dot", "example.com.", 0, true },
		{ "single label", "localhost", 0, true },
		{ "empty", "", 0, false },
		{ "root only", ".", 0, false },
		{ "leading dot", ".example.com", 0, false },
		{ "empty label", "a..b", 0, false },
		{ "two trailing dots", "a.b..", 0, false },
		{ "label 63", NULL, 0, true },
		{ "label 64", NULL, 0, false },
		{ "name 253", NULL, 0, true },
		{ "name 254", NULL, 0, false },
		{ "name 253 + dot", NULL, 0, true },
		{ "embedded NUL", "a\0b.com", 7, false },
		{ "len shorter than string", "example.com", 7, true },
		{ "underscore and digits", "_dmarc.1x.example", 0, true },
	};

	(void)state;
	repeat(l63, 'a', 63);
	repeat(l64, 'a', 64);
	/* 4 x 63 + 3 dots = 255; trim to 253 and 254 */
	snprintf(n253, sizeof(n253), "%s.%s.%s.%s", l63, l63, l63, l63);
	memcpy(n254, n253, 254);
	n254[254] = '\0';
	n253[253] = '\0';
	memcpy(n253dot, n253, 253);
	memcpy(n253dot + 253, ".", 2);
	cases[8].s = l63;
	cases[9].s = l64;
	cases[10].s = n253;
	cases[11].s = n254;
	cases[12].s = n253dot;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].s);
		bool got = mauth_dns_name_valid(cases[i].s, len);

		if (got != cases[i].want)
			fail_msg("%s: got %d, want %d", cases[i].name, got,
			    cases[i].want);
	}
	if (mauth_dns_name_valid(NULL, 3))
		fail_msg("NULL name: got valid, want invalid");
}

static void
test_query_badname(void **state)
{
	struct fake f = { .status = MAUTH_DNS_ANSWER };
	struct mauth_resolver *r = fake_resolver(&f);
	struct mauth_dns_budget b;
	struct mauth_dns_answer *a = (void *)1;
	const char *names[] = { "", "a..b", "." };
	int st, i;

	(void)state;
	mauth_dns_budget_init(&b, 10);
	for (i = 0; i < 3; i++) {
		st = mauth_resolver_query(r, &b, names[i], MAUTH_DNS_A, &a);
		if (st != MAUTH_DNS_BADNAME || a != NULL)
			fail_msg("'%s': got %s, want bad name", names[i],
			    mauth_dns_status_str(st));
	}
	if (f.calls != 0 || b.queries != 0 || b.sent != 0)
		fail_msg("bad names: got calls=%d queries=%u sent=%u, want 0",
		    f.calls, b.queries, b.sent);
	mauth_resolver_free(r);
}

static void
test_query_name_normalized(void **state)
{
	struct fake f = { .status = MAUTH_DNS_ANSWER };
	struct mauth_resolver *r = fake_resolver(&f);
	struct mauth_dns_answer *a = NULL;
	int st;

	(void)state;
	st = mauth_resolver_query(r, NULL, "Mail.EXAMPLE.org.", MAUTH_DNS_TXT,
	    &a);
	if (st != MAUTH_DNS_ANSWER || a == NULL)
		fail_msg("normalize: got %s, want answer",
		    mauth_dns_status_str(st));
	if (strcmp(f.last_name, "mail.example.org") != 0)
		fail_msg("normalize: backend got '%s', want 'mail.example.org'",
		    f.last_name);
	if (f.last_type != MAUTH_DNS_TXT)
		fail_msg("normalize: got type %u, want TXT", f.last_type);
	if (a->from_cache)
		fail_msg("normalize: got from_cache, want fresh");
	if (a->ttl != 60)
		fail_msg("normalize: got ttl %u, want 60 (min record ttl)",
		    a->ttl);
	mauth_dns_answer_free(a);
	mauth_resolver_free(r);
}

/* ---- budget ------------------------------------------------------------ */

static void
test_budget(void **state)
{
	struct {
		const char	*name;
		unsigned	 max;
		int		 nq;
		unsigned	 want_queries, want_refused;
		int		 want_calls;
	} cases[] = {
		{ "limit 3 of 5", 3, 5, 3, 2, 3 },
		{ "limit 1 of 1", 1, 1, 1, 0, 1 },
		{ "unlimited", 0, 20, 20, 0, 20 },
		{ "limit 10 of 4", 10, 4, 4, 0, 4 },
	};
	size_t i;
	int q, st, nbudget;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake f = { .status = MAUTH_DNS_ANSWER };
		struct mauth_resolver *r = fake_resolver(&f);
		struct mauth_dns_budget b;
		struct mauth_dns_answer *a;

		mauth_dns_budget_init(&b, cases[i].max);
		nbudget = 0;
		for (q = 0; q < cases[i].nq; q++) {
			st = mauth_resolver_query(r, &b, "example.com",
			    MAUTH_DNS_A, &a);
			if (st == MAUTH_DNS_BUDGET) {
				nbudget++;
				if (a != NULL)
					fail_msg("%s: answer with BUDGET",
					    cases[i].name);
			}
			mauth_dns_answer_free(a);
		}
		if (b.queries != cases[i].want_queries ||
		    b.refused != cases[i].want_refused ||
		    (unsigned)nbudget != cases[i].want_refused ||
		    f.calls != cases[i].want_calls ||
		    b.sent != (unsigned)cases[i].want_calls ||
		    b.cache_hits != 0)
			fail_msg("%s: got queries=%u refused=%u calls=%d "
			    "sent=%u hits=%u, want %u/%u/%d/%d/0",
			    cases[i].name, b.queries, b.refused, f.calls,
			    b.sent, b.cache_hits, cases[i].want_queries,
			    cases[i].want_refused, cases[i].want_calls,
			    cases[i].want_calls);
		mauth_resolver_free(r);
	}
}

/* slow_query - a backend that takes 30 ms per query, then answers NXDOMAIN */
static int
slow_query(void *arg, const char *name, uint16_t type,
    struct mauth_dns_answer **out)
{
	struct timespec ts = { 0, 30 * 1000000L };
	int *calls = arg;

	(void)name;
	(void)type;
	(*calls)++;
	nanosleep(&ts, NULL);
	*out = mauth_dns_answer_new(MAUTH_RCODE_NXDOMAIN, 60);
	return *out != NULL ? MAUTH_DNS_ANSWER : MAUTH_DNS_FAILURE;
}

/* test_budget_time - the time ceiling refuses queries once the wait is spent */
static void
test_budget_time(void **state)
{
	struct mauth_dns_backend be;
	struct mauth_resolver *r = NULL;
	struct mauth_dns_budget b;
	struct mauth_dns_answer *a;
	int calls = 0, q, st, refused = 0;

	(void)state;
	be.query = slow_query;
	be.destroy = NULL;
	be.arg = &calls;
	if (mauth_resolver_new_custom(&be, &r) != MAUTH_OK)
		fail_msg("time budget: cannot make a resolver");
	mauth_dns_budget_init(&b, 0);
	b.max_ms = 50;
	for (q = 0; q < 5; q++) {
		st = mauth_resolver_query(r, &b, "slow.example", MAUTH_DNS_A,
		    &a);
		if (st == MAUTH_DNS_BUDGET)
			refused++;
		mauth_dns_answer_free(a);
	}
	/* 0 ms spent: sent; ~30 ms: sent; ~60 ms >= 50: refused from then on */
	if (calls != 2 || refused != 3 || b.refused != 3 || b.spent_ms < 50)
		fail_msg("time budget: got calls=%d refused=%d spent=%llu, "
		    "want 2/3/>=50", calls, refused,
		    (unsigned long long)b.spent_ms);
	mauth_resolver_free(r);
}

/* ---- backend statuses -------------------------------------------------- */

static void
test_backend_status(void **state)
{
	struct {
		const char	*name;
		int		 status;
		bool		 give_answer;
		int		 want;
	} cases[] = {
		{ "answer", MAUTH_DNS_ANSWER, false, MAUTH_DNS_ANSWER },
		{ "timeout", MAUTH_DNS_TIMEOUT, false, MAUTH_DNS_TIMEOUT },
		{ "neterr", MAUTH_DNS_NETERR, false, MAUTH_DNS_NETERR },
		{ "failure", MAUTH_DNS_FAILURE, false, MAUTH_DNS_FAILURE },
		{ "timeout with stray answer", MAUTH_DNS_TIMEOUT, true,
		    MAUTH_DNS_TIMEOUT },
		{ "backend says budget", MAUTH_DNS_BUDGET, false,
		    MAUTH_DNS_FAILURE },
		{ "backend says garbage", 42, false, MAUTH_DNS_FAILURE },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake f = { .status = cases[i].status,
		    .give_answer = cases[i].give_answer };
		struct mauth_resolver *r = fake_resolver(&f);
		struct mauth_dns_answer *a = NULL;
		int st;

		st = mauth_resolver_query(r, NULL, "example.com", MAUTH_DNS_A,
		    &a);
		if (st != cases[i].want)
			fail_msg("%s: got %s, want %s", cases[i].name,
			    mauth_dns_status_str(st),
			    mauth_dns_status_str(cases[i].want));
		if ((st == MAUTH_DNS_ANSWER) != (a != NULL))
			fail_msg("%s: got answer %p with status %s",
			    cases[i].name, (void *)a, mauth_dns_status_str(st));
		mauth_dns_answer_free(a);
		mauth_resolver_free(r);
	}
}

static int
null_answer_query(void *arg, const char *name, uint16_t type,
    struct mauth_dns_answer **out)
{
	(void)arg;
	(void)name;
	(void)type;
	(void)out;
	return MAUTH_DNS_ANSWER;
}

static int destroyed;

static void
count_destroy(void *arg)
{
	(void)arg;
	destroyed++;
}

static void
test_backend_misuse(void **state)
{
	struct mauth_dns_backend be = {
	    null_answer_query, count_destroy, NULL };
	struct mauth_dns_backend nobe = { NULL, NULL, NULL };
	struct mauth_resolver *r = NULL;
	struct mauth_dns_answer *a = NULL;
	int st;

	(void)state;
	if (mauth_resolver_new_custom(&nobe, &r) != MAUTH_ERR_INVAL ||
	    r != NULL)
		fail_msg("no query function: got accepted, want INVAL");
	if (mauth_resolver_new_custom(&be, &r) != MAUTH_OK)
		fail_msg("new_custom: got error, want OK");
	st = mauth_resolver_query(r, NULL, "example.com", MAUTH_DNS_A, &a);
	if (st != MAUTH_DNS_FAILURE || a != NULL)
		fail_msg("ANSWER without answer: got %s, want failure",
		    mauth_dns_status_str(st));
	destroyed = 0;
	mauth_resolver_free(r);
	if (destroyed != 1)
		fail_msg("destroy: got %d calls, want 1", destroyed);
	mauth_resolver_free(NULL);
	mauth_dns_answer_free(NULL);
}

/* ---- answer helpers ---------------------------------------------------- */

static void
test_answer_txt(void **state)
{
	struct mauth_dns_answer *a;
	const uint8_t s1[] = { 'v', '=', 's', 'p', 'f', '1', ' ' };
	const uint8_t s2[] = { 'a', '\0', 'b' };
	const uint8_t *strs[] = { s1, s2, NULL };
	const size_t lens[] = { sizeof(s1), sizeof(s2), 0 };
	static const uint8_t want[] = "v=spf1 a\0b";
	const struct mauth_dns_rr *rr;

	(void)state;
	if ((a = mauth_dns_answer_new(MAUTH_RCODE_NOERROR, 10)) == NULL)
		fail_msg("answer_new: got NULL");
	if (mauth_dns_answer_add_txt(a, MAUTH_DNS_TXT, "Example.COM.", 300,
	    strs, lens, 3) != MAUTH_OK)
		fail_msg("add_txt: got error, want OK");
	if (a->nrr != 1)
		fail_msg("add_txt: got nrr %zu, want 1", a->nrr);
	rr = &a->rr[0];
	if (rr->type != MAUTH_DNS_TXT || rr->ttl != 300)
		fail_msg("add_txt: got type %u ttl %u, want TXT 300", rr->type,
		    rr->ttl);
	if (strcmp(rr->owner, "Example.COM") != 0)
		fail_msg("add_txt owner: got '%s', want 'Example.COM'",
		    rr->owner);
	if (rr->u.txt.len != 10 || rr->u.txt.nstrings != 3)
		fail_msg("add_txt: got len %zu nstrings %zu, want 10 3",
		    rr->u.txt.len, rr->u.txt.nstrings);
	if (memcmp(rr->u.txt.data, want, 10) != 0)
		fail_msg("add_txt: data differs from 'v=spf1 a\\0b'");
	if (rr->u.txt.data[10] != '\0')
		fail_msg("add_txt: got no NUL after data[len]");
	mauth_dns_answer_free(a);
}

static void
test_answer_helpers(void **state)
{
	struct mauth_dns_answer *a;
	static const uint8_t v4[4] = { 198, 51, 100, 7 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static uint8_t big[65536];
	const uint8_t *strs[2] = { big, big };
	size_t lens[2] = { 40000, 30000 };
	size_t one = 65535;
	int rc;

	(void)state;
	if ((a = mauth_dns_answer_new(MAUTH_RCODE_NOERROR, 0)) == NULL)
		fail_msg("answer_new: got NULL");
	if (mauth_dns_answer_add_a(a, "a.example", 1, v4) != MAUTH_OK ||
	    mauth_dns_answer_add_aaaa(a, "a.example", 2, v6) != MAUTH_OK ||
	    mauth_dns_answer_add_mx(a, "example.", 3, 10, "mx.example.")
	    != MAUTH_OK ||
	    mauth_dns_answer_add_name(a, MAUTH_DNS_CNAME, "w.example", 4,
	    "a.example.") != MAUTH_OK ||
	    mauth_dns_answer_add_name(a, MAUTH_DNS_PTR,
	    "1.2.0.192.in-addr.arpa", 5, "host.example") != MAUTH_OK)
		fail_msg("add helpers: got error, want OK");
	if (a->nrr != 5)
		fail_msg("add helpers: got nrr %zu, want 5", a->nrr);
	if (memcmp(a->rr[0].u.a, v4, 4) != 0 ||
	    memcmp(a->rr[1].u.aaaa, v6, 16) != 0)
		fail_msg("address records: bytes differ");
	if (a->rr[2].u.mx.preference != 10 ||
	    strcmp(a->rr[2].u.mx.exchange, "mx.example") != 0 ||
	    strcmp(a->rr[2].owner, "example") != 0)
		fail_msg("mx: got %u '%s' owner '%s', want 10 'mx.example' "
		    "'example'", a->rr[2].u.mx.preference,
		    a->rr[2].u.mx.exchange, a->rr[2].owner);
	if (strcmp(a->rr[3].u.target, "a.example") != 0)
		fail_msg("cname: got '%s', want 'a.example'",
		    a->rr[3].u.target);
	rc = mauth_dns_answer_add_name(a, MAUTH_DNS_MX, "x", 1, "y");
	if (rc != MAUTH_ERR_INVAL)
		fail_msg("add_name MX: got %d, want INVAL", rc);
	rc = mauth_dns_answer_add_txt(a, MAUTH_DNS_A, "x", 1, strs, lens, 1);
	if (rc != MAUTH_ERR_INVAL)
		fail_msg("add_txt type A: got %d, want INVAL", rc);
	rc = mauth_dns_answer_add_txt(a, MAUTH_DNS_TXT, "x", 1, strs, lens, 2);
	if (rc != MAUTH_ERR_LIMIT)
		fail_msg("add_txt 70000 bytes: got %d, want LIMIT", rc);
	rc = mauth_dns_answer_add_txt(a, MAUTH_DNS_SPF, "x", 1, strs, &one, 1);
	if (rc != MAUTH_OK)
		fail_msg("add_txt 65535 bytes: got %d, want OK", rc);
	rc = mauth_dns_answer_add_a(a, NULL, 1, v4);
	if (rc != MAUTH_ERR_INVAL)
		fail_msg("add_a NULL owner: got %d, want INVAL", rc);
	rc = mauth_dns_answer_add_a(NULL, "x", 1, v4);
	if (rc != MAUTH_ERR_INVAL)
		fail_msg("add_a NULL answer: got %d, want INVAL", rc);
	if (a->nrr != 6)
		fail_msg("after refusals: got nrr %zu, want 6", a->nrr);
	mauth_dns_answer_free(a);
}

static void
test_many_records(void **state)
{
	struct mauth_dns_answer *a;
	static const uint8_t v4[4] = { 10, 0, 0, 1 };
	int i, rc = MAUTH_OK;

	(void)state;
	if ((a = mauth_dns_answer_new(MAUTH_RCODE_NOERROR, 0)) == NULL)
		fail_msg("answer_new: got NULL");
	for (i = 0; i < 5000 && rc == MAUTH_OK; i++)
		rc = mauth_dns_answer_add_a(a, "many.example", 1, v4);
	if (rc != MAUTH_ERR_LIMIT || a->nrr != 4096)
		fail_msg("record ceiling: got rc %d nrr %zu, want LIMIT 4096",
		    rc, a->nrr);
	mauth_dns_answer_free(a);
}

static void
test_strings(void **state)
{
	struct {
		const char	*name;
		const char	*got;
		const char	*want;
	} cases[] = {
		{ "type TXT", mauth_dns_type_str(MAUTH_DNS_TXT), "TXT" },
		{ "type SPF", mauth_dns_type_str(MAUTH_DNS_SPF), "SPF" },
		{ "type AAAA", mauth_dns_type_str(MAUTH_DNS_AAAA), "AAAA" },
		{ "type 999", mauth_dns_type_str(999), "UNKNOWN" },
		{ "rcode 3", mauth_dns_rcode_str(3), "NXDOMAIN" },
		{ "rcode 2", mauth_dns_rcode_str(2), "SERVFAIL" },
		{ "rcode 99", mauth_dns_rcode_str(99), "RCODE?" },
		{ "rcode -1", mauth_dns_rcode_str(-1), "RCODE?" },
		{ "status timeout", mauth_dns_status_str(MAUTH_DNS_TIMEOUT),
		    "timeout" },
		{ "status 77", mauth_dns_status_str(77), "unknown status" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (cases[i].got == NULL || strcmp(cases[i].got,
		    cases[i].want) != 0)
			fail_msg("%s: got '%s', want '%s'", cases[i].name,
			    cases[i].got ? cases[i].got : "(null)",
			    cases[i].want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_query_badname),
		cmocka_unit_test(test_query_name_normalized),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_budget_time),
		cmocka_unit_test(test_backend_status),
		cmocka_unit_test(test_backend_misuse),
		cmocka_unit_test(test_answer_txt),
		cmocka_unit_test(test_answer_helpers),
		cmocka_unit_test(test_many_records),
		cmocka_unit_test(test_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
