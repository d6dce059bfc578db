/*
 * spf_bench.c - SPF evaluations per CPU-second: mauth against libspf2, in
 * one process, on the same mix, so the ratio is taken on the same machine
 * at the same moment (absolute rates on this noisy machine mean little).
 *
 * Mix (the one used for the peer figures in shared/recipes/perf-anchors):
 *   example.com       "v=spf1 ip4:192.0.2.0/24 include:_spf.example.net -all"
 *   _spf.example.net  "v=spf1 ip4:198.51.100.0/24 -all"
 * client addresses cycle 192.0.2.x (pass), 198.51.100.x (pass through the
 * include) and 203.0.113.x (fail).  DNS answers come from memory in both:
 * mauth from a custom backend (a table lookup, no cache, so every
 * evaluation builds its answers), libspf2 from its zone layer.
 *
 * usage: spf_bench [N]    (N evaluations per engine and round, default 200000)
 * Prints one line per engine and the ratio; every result is checked.
 */
#include <arpa/nameser.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <spf2/spf.h>
#include <spf2/spf_dns_zone.h>

#include "mauth/mauth.h"

#define ROUNDS 3

static const char *prefixes[] = { "192.0.2.", "198.51.100.", "203.0.113." };

static const struct {
	const char	*name;
	const char	*txt;
} records[] = {
	{ "example.com", "v=spf1 ip4:192.0.2.0/24 include:_spf.example.net -all" },
	{ "_spf.example.net", "v=spf1 ip4:198.51.100.0/24 -all" },
};

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* mem_query - in-memory backend for mauth: the two TXT records, else NXDOMAIN */
static int
mem_query(void *arg, const char *name, uint16_t type,
    struct mauth_dns_answer **out)
{
	struct mauth_dns_answer *ans;
	const uint8_t *s;
	size_t i, len;

	for (i = 0; i < sizeof(records) / sizeof(records[0]); i++) {
		if (strcasecmp(name, records[i].name) != 0)
			continue;
		if ((ans = mauth_dns_answer_new(MAUTH_RCODE_NOERROR, 300)) == NULL)
			return MAUTH_DNS_FAILURE;
		if (type == MAUTH_DNS_TXT) {
			s = (const uint8_t *)records[i].txt;
			len = strlen(records[i].txt);
			if (mauth_dns_answer_add_txt(ans, MAUTH_DNS_TXT, name,
			    300, &s, &len, 1) != MAUTH_OK) {
				mauth_dns_answer_free(ans);
				return MAUTH_DNS_FAILURE;
			}
		}
		*out = ans;
		return MAUTH_DNS_ANSWER;
	}
	*out = mauth_dns_answer_new(MAUTH_RCODE_NXDOMAIN, 300);
	return *out != NULL ? MAUTH_DNS_ANSWER : MAUTH_DNS_FAILURE;
}

static int
expected(unsigned i)
{
	return i % 3 == 2 ? MAUTH_SPF_FAIL : MAUTH_SPF_PASS;
}

/* run_mauth - n evaluations; returns evaluations per CPU-second, 0 on a wrong result */
static double
run_mauth(struct mauth_resolver *r, unsigned n)
{
	struct mauth_spf_request req;
	struct mauth_spf_eval *ev;
	char ip[32];
	double t0;
	unsigned i;

	t0 = cpu_now();
	for (i = 0; i < n; i++) {
		snprintf(ip, sizeof(ip), "%s%u", prefixes[i % 3], 1 + i % 250);
		mauth_spf_request_init(&req);
		req.ip = ip;
		req.helo = "mail.example.com";
		req.mail_from = "user@example.com";
		req.receiver = "mx.example.org";
		if (mauth_spf_check(r, &req, &ev, NULL, 0) != MAUTH_OK)
			return 0;
		if (mauth_spf_eval_result(ev) != expected(i)) {
			fprintf(stderr, "mauth: %s: got %s\n", ip,
			    mauth_spf_result_str(mauth_spf_eval_result(ev)));
			mauth_spf_eval_free(ev);
			return 0;
		}
		mauth_spf_eval_free(ev);
	}
	return n / (cpu_now() - t0);
}

/* run_libspf2 - the same with libspf2 and its in-memory zone layer */
static double
run_libspf2(SPF_server_t *srv, unsigned n)
{
	SPF_request_t *req;
	SPF_response_t *resp;
	char ip[32];
	double t0;
	unsigned i;
	int res;

	t0 = cpu_now();
	for (i = 0; i < n; i++) {
		snprintf(ip, sizeof(ip), "%s%u", prefixes[i % 3], 1 + i % 250);
		req = SPF_request_new(srv);
		SPF_request_set_ipv4_str(req, ip);
		SPF_request_set_helo_dom(req, "mail.example.com");
		SPF_request_set_env_from(req, "user@example.com");
		resp = NULL;
		SPF_request_query_mailfrom(req, &resp);
		res = SPF_response_result(resp);
		SPF_response_free(resp);
		SPF_request_free(req);
		if ((i % 3 == 2 && res != SPF_RESULT_FAIL) ||
		    (i % 3 != 2 && res != SPF_RESULT_PASS)) {
			fprintf(stderr, "libspf2: %s: got %d\n", ip, res);
			return 0;
		}
	}
	return n / (cpu_now() - t0);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	struct mauth_dns_backend be = { mem_query, NULL, NULL };
	struct mauth_resolver *r;
	SPF_dns_server_t *zone;
	SPF_server_t *srv;
	double m[ROUNDS], l[ROUNDS], ratio[ROUNDS];
	unsigned n = 200000, k;
	char *end;

	if (argc > 1) {
		n = (unsigned)strtoul(argv[1], &end, 10);
		if (*end != '\0' || n == 0) {
			fprintf(stderr, "usage: spf_bench [N]\n");
			return 2;
		}
	}
	if (mauth_resolver_new_custom(&be, &r) != MAUTH_OK)
		return 1;
	zone = SPF_dns_zone_new(NULL, "zone", 0);
	for (k = 0; k < sizeof(records) / sizeof(records[0]); k++)
		SPF_dns_zone_add_str(zone, records[k].name, ns_t_txt,
		    NETDB_SUCCESS, records[k].txt);
	srv = SPF_server_new_dns(zone, 0);
	SPF_server_set_rec_dom(srv, "mx.example.org");

	/* warm-up, then alternate the engines in each round */
	if (run_mauth(r, 1000) == 0 || run_libspf2(srv, 1000) == 0)
		return 1;
	for (k = 0; k < ROUNDS; k++) {
		m[k] = run_mauth(r, n);
		l[k] = run_libspf2(srv, n);
		if (m[k] == 0 || l[k] == 0)
			return 1;
		ratio[k] = m[k] / l[k];
	}
	qsort(m, ROUNDS, sizeof(double), cmp_double);
	qsort(l, ROUNDS, sizeof(double), cmp_double);
	qsort(ratio, ROUNDS, sizeof(double), cmp_double);
	printf("spf mix, %u evaluations x %d rounds, medians per CPU-second\n",
	    n, ROUNDS);
	printf("mauth    %10.0f eval/s  (%.2f us/eval)\n", m[ROUNDS / 2],
	    1e6 / m[ROUNDS / 2]);
	printf("libspf2  %10.0f eval/s  (%.2f us/eval)\n", l[ROUNDS / 2],
	    1e6 / l[ROUNDS / 2]);
	printf("ratio mauth/libspf2 (median of per-round ratios): %.2f\n",
	    ratio[ROUNDS / 2]);
	SPF_server_free(srv);
	mauth_resolver_free(r);
	return 0;
}
