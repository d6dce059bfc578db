/*
 * test_spf_eval.c - check_host() end to end (src/lib/spf/spf_eval.c) over a
 * custom resolver backend serving a small in-test table of records:
 * include chains, redirect, the lookup and void limits (and that no query is
 * sent past them), MX limits, include loops, explanations with macros,
 * IPv4-mapped clients, the HELO identity, the null reverse-path, DNS errors,
 * hostile records and the evaluation tree.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "mauth/dns.h"
#include "mauth/spf.h"

#define TIMEOUT	0	/* pseudo type: every query for the name times out */

struct zrec {
	const char	*name;
	uint16_t	 type;
	const char	*data;	/* A/AAAA text, "PREF HOST" for MX, target, TXT */
	size_t		 len;	/* TXT length when it holds a NUL; else 0 */
};

#define ELEVEN_A "a:h.test a:h.test a:h.test a:h.test a:h.test a:h.test " \
	"a:h.test a:h.test a:h.test a:h.test a:h.test"

static const struct zrec zone[] = {
	{ "h.test", MAUTH_DNS_A, "198.51.100.1", 0 },
	{ "h.test", MAUTH_DNS_A, "198.51.100.2", 0 },
	{ "inc.test", MAUTH_DNS_TXT, "v=spf1 include:inc2.test -all", 0 },
	{ "inc.test", MAUTH_DNS_TXT, "some other text", 0 },
	{ "inc2.test", MAUTH_DNS_TXT, "v=spf1 include:inc3.test ~all", 0 },
	{ "inc3.test", MAUTH_DNS_TXT, "v=spf1 ip4:192.0.2.0/24 -all", 0 },
	{ "redir.test", MAUTH_DNS_TXT, "v=spf1 redirect=inc.test", 0 },
	{ "redirall.test", MAUTH_DNS_TXT, "v=spf1 redirect=inc.test ?all", 0 },
	{ "ten.test", MAUTH_DNS_TXT, "v=spf1 a:h.test a:h.test a:h.test "
	    "a:h.test a:h.test a:h.test a:h.test a:h.test a:h.test a:h.test "
	    "ip4:192.0.2.5 -all", 0 },
	{ "eleven.test", MAUTH_DNS_TXT, "v=spf1 " ELEVEN_A
	    " ip4:192.0.2.5 -all", 0 },
	{ "void2.test", MAUTH_DNS_TXT,
	    "v=spf1 a:nx1.test mx:nx2.test ip4:192.0.2.5 -all", 0 },
	{ "void3.test", MAUTH_DNS_TXT,
	    "v=spf1 a:nx1.test exists:nx2.test a:h.test//128 a:nx3.test "
	    "ip4:192.0.2.5 -all", 0 },
	{ "mx10.test", MAUTH_DNS_TXT, "v=spf1 mx -all", 0 },
	{ "mx11.test", MAUTH_DNS_TXT, "v=spf1 mx -all", 0 },
	{ "loopa.test", MAUTH_DNS_TXT, "v=spf1 include:loopb.test -all", 0 },
	{ "loopb.test", MAUTH_DNS_TXT, "v=spf1 include:loopa.test -all", 0 },
	{ "exp.test", MAUTH_DNS_TXT, "v=spf1 -all exp=why.%{d}", 0 },
	{ "why.exp.test", MAUTH_DNS_TXT,
	    "%{i} may not send for %{s} (%{d}, %{r}, %{c}, %{v}, %{L})", 0 },
	{ "expnone.test", MAUTH_DNS_TXT, "v=spf1 -all exp=nowhere.test", 0 },
	{ "exp2.test", MAUTH_DNS_TXT, "v=spf1 -all exp=two.test", 0 },
	{ "two.test", MAUTH_DNS_TXT, "one", 0 },
	{ "two.test", MAUTH_DNS_TXT, "two", 0 },
	{ "expredir.test", MAUTH_DNS_TXT,
	    "v=spf1 exp=why.exp.test redirect=expnone.test", 0 },
	{ "mapped.test", MAUTH_DNS_TXT,
	    "v=spf1 ip6:::ffff:192.0.2.5 ip4:192.0.2.5 -all", 0 },
	{ "mx.test", MAUTH_DNS_TXT, "v=spf1 a -all", 0 },
	{ "mx.test", MAUTH_DNS_A, "192.0.2.5", 0 },
	{ "timeout.test", TIMEOUT, NULL, 0 },
	{ "atimeout.test", MAUTH_DNS_TXT, "v=spf1 a:timeout.test -all", 0 },
	{ "inctimeout.test", MAUTH_DNS_TXT,
	    "v=spf1 include:timeout.test -all", 0 },
	{ "nul.test", MAUTH_DNS_TXT, "v=spf1 a:foo.test\0 -all", 23 },
	{ "ctl.test", MAUTH_DNS_TXT, "v=spf1 ip4:192.0.2.5\r -all", 0 },
	{ "late.test", MAUTH_DNS_TXT, "v=spf1 ip4:192.0.2.5 -all moo", 0 },
	{ "multi.test", MAUTH_DNS_TXT, "v=spf1 +all", 0 },
	{ "multi.test", MAUTH_DNS_TXT, "v=spf1 -all", 0 },
	{ "none.test", MAUTH_DNS_A, "192.0.2.5", 0 },
	{ "incnone.test", MAUTH_DNS_TXT, "v=spf1 include:none.test +all", 0 },
	{ "redirnone.test", MAUTH_DNS_TXT, "v=spf1 redirect=none.test", 0 },
	{ "ptr.test", MAUTH_DNS_TXT, "v=spf1 ptr -all", 0 },
	{ "5.2.0.192.in-addr.arpa", MAUTH_DNS_PTR, "other.example", 0 },
	{ "5.2.0.192.in-addr.arpa", MAUTH_DNS_PTR, "host.ptr.test", 0 },
	{ "host.ptr.test", MAUTH_DNS_A, "192.0.2.5", 0 },
	{ "other.example", MAUTH_DNS_A, "192.0.2.5", 0 },
	{ "pmacro.test", MAUTH_DNS_TXT,
	    "v=spf1 exists:%{p}.ok.test -all", 0 },
	{ "other.example.ok.test", MAUTH_DNS_A, "127.0.0.2", 0 },
	{ "ip6.test", MAUTH_DNS_TXT, "v=spf1 ip6:2001:db8::/32 -all", 0 },
	{ "a6.test", MAUTH_DNS_TXT, "v=spf1 a/16//64 -all", 0 },
	{ "a6.test", MAUTH_DNS_AAAA, "2001:db8:1::1", 0 },
	{ "a6.test", MAUTH_DNS_A, "192.0.2.1", 0 },
	{ "exists6.test", MAUTH_DNS_TXT, "v=spf1 exists:a6.test -all", 0 },
	{ "softfail.test", MAUTH_DNS_TXT, "v=spf1 ?a:h.test ~all", 0 },
	{ "cname.test", MAUTH_DNS_CNAME, "inc3.test", 0 },
	{ "cname.test", MAUTH_DNS_TXT, "v=spf1 ip4:192.0.2.0/24 -all", 0 },
	{ "inccname.test", MAUTH_DNS_TXT, "v=spf1 include:cname.test -all", 0 },
	{ "macrolong.test", MAUTH_DNS_TXT,
	    "v=spf1 exists:%{s}%{s}%{s}%{s}.%{s}%{s}%{s}%{s}.%{s}%{s}%{s}.x.test"
	    " -all", 0 },
};

struct backend {
	unsigned	 calls;
	unsigned	 by_type[256];
};

/* mx names: mx<N>.mx10.test ... and their addresses */
static int
add_mx(struct mauth_dns_answer *a, const char *name, int count)
{
	char host[64];
	int i;

	for (i = 1; i <= count; i++) {
		snprintf(host, sizeof(host), "mx%d.%s", i, name);
		if (mauth_dns_answer_add_mx(a, name, 60, (uint16_t)i, host) !=
		    MAUTH_OK)
			return -1;
	}
	return 0;
}

static int
be_query(void *arg, const char *name, uint16_t type,
    struct mauth_dns_answer **out)
{
	struct backend *be = arg;
	struct mauth_dns_answer *a;
	const struct zrec *z;
	uint8_t addr[16];
	char host[256];
	const uint8_t *str;
	size_t i, len;
	unsigned pref;
	bool exists = false;
	int rv = MAUTH_OK;

	a = NULL;
	be->calls++;
	be->by_type[type & 0xff]++;
	for (i = 0; i < sizeof(zone) / sizeof(zone[0]); i++)
		if (strcasecmp(zone[i].name, name) == 0) {
			exists = true;
			if (zone[i].type == TIMEOUT)
				return MAUTH_DNS_TIMEOUT;
		}
	/* generated names: the MX tests */
	if (strcasecmp(name, "mx10.test") == 0 ||
	    strcasecmp(name, "mx11.test") == 0)
		exists = true;
	if (strncasecmp(name, "mx", 2) == 0 && strstr(name, ".mx1") != NULL)
		exists = true;
	if (strcasecmp(name, "many.test") == 0)
		exists = true;
	a = mauth_dns_answer_new(exists ? MAUTH_RCODE_NOERROR :
	    MAUTH_RCODE_NXDOMAIN, 60);
	if (a == NULL)
		return MAUTH_DNS_FAILURE;
	if (type == MAUTH_DNS_MX && strcasecmp(name, "mx10.test") == 0)
		rv = add_mx(a, "mx10.test", 10);
	if (type == MAUTH_DNS_MX && strcasecmp(name, "mx11.test") == 0)
		rv = add_mx(a, "mx11.test", 11);
	if (type == MAUTH_DNS_A && strcasecmp(name, "many.test") == 0) {
		/* 300 addresses: the tree summary must stay bounded */
		for (i = 0; rv == MAUTH_OK && i < 300; i++) {
			addr[0] = 10;
			addr[1] = 0;
			addr[2] = (uint8_t)(i >> 8);
			addr[3] = (uint8_t)i;
			rv = mauth_dns_answer_add_a(a, name, 60, addr);
		}
	}
	if (type == MAUTH_DNS_TXT && strcasecmp(name, "many.test") == 0) {
		str = (const uint8_t *)"v=spf1 a -all";
		len = 13;
		rv = mauth_dns_answer_add_txt(a, MAUTH_DNS_TXT, name, 60, &str,
		    &len, 1);
	}
	if (type == MAUTH_DNS_A && strcasecmp(name, "mx10.mx10.test") == 0) {
		inet_pton(AF_INET, "192.0.2.5", addr);
		rv = mauth_dns_answer_add_a(a, name, 60, addr);
	} else if (type == MAUTH_DNS_A && strncasecmp(name, "mx", 2) == 0 &&
	    strstr(name, ".mx1") != NULL) {
		inet_pton(AF_INET, "198.51.100.9", addr);
		rv = mauth_dns_answer_add_a(a, name, 60, addr);
	}
	for (i = 0; rv == MAUTH_OK && i < sizeof(zone) / sizeof(zone[0]); i++) {
		z = &zone[i];
		if (strcasecmp(z->name, name) != 0)
			continue;
		if (z->type == MAUTH_DNS_CNAME && type != MAUTH_DNS_CNAME) {
			/* the CNAME itself, as a resolver would return it */
			rv = mauth_dns_answer_add_name(a, MAUTH_DNS_CNAME,
			    name, 60, z->data);
			continue;
		}
		if (z->type != type)
			continue;
		switch (type) {
		case MAUTH_DNS_A:
			inet_pton(AF_INET, z->data, addr);
			rv = mauth_dns_answer_add_a(a, name, 60, addr);
			break;
		case MAUTH_DNS_AAAA:
			inet_pton(AF_INET6, z->data, addr);
			rv = mauth_dns_answer_add_aaaa(a, name, 60, addr);
			break;
		case MAUTH_DNS_MX:
			if (sscanf(z->data, "%u %255s", &pref, host) == 2)
				rv = mauth_dns_answer_add_mx(a, name, 60,
				    (uint16_t)pref, host);
			break;
		case MAUTH_DNS_TXT:
			str = (const uint8_t *)z->data;
			len = z->len ? z->len : strlen(z->data);
			rv = mauth_dns_answer_add_txt(a, MAUTH_DNS_TXT, name,
			    60, &str, &len, 1);
			break;
		default:
			rv = mauth_dns_answer_add_name(a, type, name, 60,
			    z->data);
			break;
		}
	}
	if (rv != MAUTH_OK) {
		mauth_dns_answer_free(a);
		return MAUTH_DNS_FAILURE;
	}
	*out = a;
	return MAUTH_DNS_ANSWER;
}

static struct mauth_resolver *
new_resolver(struct backend *be)
{
	struct mauth_dns_backend b = { be_query, NULL, be };
	struct mauth_resolver *r = NULL;

	memset(be, 0, sizeof(*be));
	if (mauth_resolver_new_custom(&b, &r) != MAUTH_OK || r == NULL)
		fail_msg("mauth_resolver_new_custom failed");
	return r;
}

struct ecase {
	const char	*name;
	const char	*ip;
	const char	*mail_from;	/* NULL: null reverse-path */
	const char	*helo;
	int		 identity;
	int		 want;		/* enum mauth_spf_result */
	const char	*reason;	/* substring of the reason, or NULL */
	const char	*expl;		/* exact explanation, or NULL */
	int		 lookups;	/* -1: not checked */
	int		 voids;		/* -1: not checked */
};

#define MF	MAUTH_SPF_ID_MAILFROM

static const struct ecase ecases[] = {
	{ "include chain pass", "192.0.2.5", "a@inc.test", "h.test", MF,
	    MAUTH_SPF_PASS, "matched include:inc2.test in inc.test", NULL, 2, 0 },
	{ "include chain fail", "198.51.100.7", "a@inc.test", "h.test", MF,
	    MAUTH_SPF_FAIL, "matched -all in inc.test", NULL, 2, 0 },
	{ "redirect", "192.0.2.5", "a@redir.test", "h.test", MF,
	    MAUTH_SPF_PASS, NULL, NULL, 3, 0 },
	{ "redirect ignored with all", "192.0.2.5", "a@redirall.test",
	    "h.test", MF, MAUTH_SPF_NEUTRAL, "matched ?all", NULL, 0, 0 },
	{ "exactly 10 lookups", "192.0.2.5", "a@ten.test", "h.test", MF,
	    MAUTH_SPF_PASS, "matched ip4:192.0.2.5", NULL, 10, 0 },
	{ "11 lookups", "192.0.2.5", "a@eleven.test", "h.test", MF,
	    MAUTH_SPF_PERMERROR, "too many DNS lookups (limit 10)", NULL, 10, 0 },
	{ "2 void lookups", "192.0.2.5", "a@void2.test", "h.test", MF,
	    MAUTH_SPF_PASS, NULL, NULL, 2, 2 },
	{ "3 void lookups", "192.0.2.5", "a@void3.test", "h.test", MF,
	    MAUTH_SPF_PERMERROR, "void lookup limit exceeded (limit 2)", NULL,
	    4, 3 },
	{ "mx with 10 names", "192.0.2.5", "a@mx10.test", "h.test", MF,
	    MAUTH_SPF_PASS, NULL, NULL, 1, 0 },
	{ "mx with 11 names", "192.0.2.5", "a@mx11.test", "h.test", MF,
	    MAUTH_SPF_PERMERROR, "too many MX records", NULL, 1, 0 },
	{ "include loop", "192.0.2.5", "a@loopa.test", "h.test", MF,
	    MAUTH_SPF_PERMERROR, "too many DNS lookups", NULL, 10, 0 },
	{ "exp with macros", "192.0.2.5", "Joe.User@exp.test", "h.test", MF,
	    MAUTH_SPF_FAIL, "matched -all in exp.test",
	    "192.0.2.5 may not send for Joe.User@exp.test (exp.test, "
	    "rcv.example, 192.0.2.5, in-addr, Joe.User)", 0, 0 },
	{ "control char in local-part", "192.0.2.5", "Jo\x01" "e@exp.test",
	    "h.test", MF, MAUTH_SPF_FAIL, NULL,
	    "192.0.2.5 may not send for Jo?e@exp.test (exp.test, "
	    "rcv.example, 192.0.2.5, in-addr, Jo%01e)", 0, 0 },
	{ "exp missing: default", "192.0.2.5", "a@expnone.test", "h.test", MF,
	    MAUTH_SPF_FAIL, NULL,
	    "192.0.2.5 is not allowed to send mail for expnone.test (SPF fail)",
	    0, 0 },
	{ "default explanation, ipv6 client readable", "2001:db8::cb01",
	    "a@expnone.test", "h.test", MF, MAUTH_SPF_FAIL, NULL,
	    "2001:db8::cb01 is not allowed to send mail for expnone.test "
	    "(SPF fail)", 0, 0 },
	{ "exp two records: default", "192.0.2.5", "a@exp2.test", "h.test", MF,
	    MAUTH_SPF_FAIL, NULL,
	    "192.0.2.5 is not allowed to send mail for exp2.test (SPF fail)",
	    0, 0 },
	{ "redirect drops the first exp", "192.0.2.5", "a@expredir.test",
	    "h.test", MF, MAUTH_SPF_FAIL, NULL,
	    "192.0.2.5 is not allowed to send mail for expnone.test (SPF fail)",
	    1, 0 },
	{ "ipv4-mapped client is ipv4", "::ffff:192.0.2.5", "a@mapped.test",
	    "h.test", MF, MAUTH_SPF_PASS, "matched ip4:192.0.2.5", NULL, 0, 0 },
	{ "helo identity", "192.0.2.5", "a@inc.test", "mx.test",
	    MAUTH_SPF_ID_HELO, MAUTH_SPF_PASS, "matched a in mx.test", NULL,
	    1, 0 },
	{ "null reverse-path", "192.0.2.5", NULL, "mx.test", MF,
	    MAUTH_SPF_PASS, "matched a in mx.test", NULL, 1, 0 },
	{ "null reverse-path fail", "192.0.2.6", "", "mx.test", MF,
	    MAUTH_SPF_FAIL, NULL,
	    "192.0.2.6 is not allowed to send mail for mx.test (SPF fail)", 1,
	    0 },
	{ "no local-part", "192.0.2.5", "@mx.test", "h.test", MF,
	    MAUTH_SPF_PASS, NULL, NULL, 1, 0 },
	{ "record lookup timeout", "192.0.2.5", "a@timeout.test", "h.test",
	    MF, MAUTH_SPF_TEMPERROR, "timeout", NULL, 0, 0 },
	{ "a lookup timeout", "192.0.2.5", "a@atimeout.test", "h.test", MF,
	    MAUTH_SPF_TEMPERROR, "DNS error looking up A timeout.test", NULL,
	    1, 0 },
	{ "include timeout", "192.0.2.5", "a@inctimeout.test", "h.test", MF,
	    MAUTH_SPF_TEMPERROR, NULL, NULL, 1, 0 },
	{ "NUL in record", "192.0.2.5", "a@nul.test", "h.test", MF,
	    MAUTH_SPF_PERMERROR, "syntax error in record of nul.test", NULL, 0,
	    0 },
	{ "control char in record", "192.0.2.5", "a@ctl.test", "h.test", MF,
	    MAUTH_SPF_PERMERROR, "invalid address", NULL, 0, 0 },
	{ "error after a match", "192.0.2.5", "a@late.test", "h.test", MF,
	    MAUTH_SPF_PERMERROR, "unknown mechanism 'moo'", NULL, 0, 0 },
	{ "two records", "192.0.2.5", "a@multi.test", "h.test", MF,
	    MAUTH_SPF_PERMERROR, "2 SPF records", NULL, 0, 0 },
	{ "no record", "192.0.2.5", "a@none.test", "h.test", MF,
	    MAUTH_SPF_NONE, "no SPF record", NULL, 0, 0 },
	{ "nxdomain", "192.0.2.5", "a@nowhere.test", "h.test", MF,
	    MAUTH_SPF_NONE, "no SPF record", NULL, 0, 0 },
	{ "single-label domain", "192.0.2.5", "a@localhost", "h.test", MF,
	    MAUTH_SPF_NONE, "invalid domain", NULL, 0, 0 },
	{ "domain literal", "192.0.2.5", "a@[192.0.2.5]", "h.test", MF,
	    MAUTH_SPF_NONE, "invalid domain", NULL, 0, 0 },
	{ "include of none", "192.0.2.5", "a@incnone.test", "h.test", MF,
	    MAUTH_SPF_PERMERROR, "include:none.test has no SPF record", NULL, 1,
	    0 },
	{ "redirect to none", "192.0.2.5", "a@redirnone.test", "h.test", MF,
	    MAUTH_SPF_PERMERROR, "redirect=none.test has no SPF record", NULL,
	    1, 0 },
	{ "ptr validated", "192.0.2.5", "a@ptr.test", "h.test", MF,
	    MAUTH_SPF_PASS, "matched ptr", NULL, 1, 0 },
	{ "ptr not validated", "192.0.2.6", "a@ptr.test", "h.test", MF,
	    MAUTH_SPF_FAIL, NULL, NULL, 1, 1 },
	{ "p macro", "192.0.2.5", "a@pmacro.test", "h.test", MF,
	    MAUTH_SPF_PASS, NULL, NULL, 1, 0 },
	{ "ip6 network", "2001:db8::1", "a@ip6.test", "h.test", MF,
	    MAUTH_SPF_PASS, NULL, NULL, 0, 0 },
	{ "ip6 network, ipv4 client", "192.0.2.5", "a@ip6.test", "h.test", MF,
	    MAUTH_SPF_FAIL, NULL, NULL, 0, 0 },
	{ "a with ip6 cidr", "2001:db8:1::ffff", "a@a6.test", "h.test", MF,
	    MAUTH_SPF_PASS, NULL, NULL, 1, 0 },
	{ "a with ip4 cidr", "192.0.99.1", "a@a6.test", "h.test", MF,
	    MAUTH_SPF_PASS, NULL, NULL, 1, 0 },
	{ "a with ip4 cidr miss", "192.1.0.1", "a@a6.test", "h.test", MF,
	    MAUTH_SPF_FAIL, NULL, NULL, 1, 0 },
	{ "exists asks A for ipv6", "2001:db8::99", "a@exists6.test", "h.test",
	    MF, MAUTH_SPF_PASS, NULL, NULL, 1, 0 },
	{ "qualifiers", "198.51.100.2", "a@softfail.test", "h.test", MF,
	    MAUTH_SPF_NEUTRAL, "matched ?a:h.test", NULL, 1, 0 },
	{ "softfail", "198.51.100.3", "a@softfail.test", "h.test", MF,
	    MAUTH_SPF_SOFTFAIL, "matched ~all", NULL, 1, 0 },
	{ "CNAME in answers", "192.0.2.5", "a@inccname.test", "h.test", MF,
	    MAUTH_SPF_PASS, NULL, NULL, 1, 0 },
	{ "long expansion truncated", "192.0.2.5", "abcdefghijklmnopqrst@"
	    "macrolong.test", "h.test", MF, MAUTH_SPF_FAIL, NULL, NULL, 1, 1 },
};

static void
test_table(void **state)
{
	struct mauth_spf_request req;
	struct mauth_spf_eval *ev;
	struct mauth_resolver *r;
	struct backend be;
	const char *got_expl, *reason;
	char err[256];
	size_t i;
	int rv, got;

	(void)state;
	for (i = 0; i < sizeof(ecases) / sizeof(ecases[0]); i++) {
		const struct ecase *c = &ecases[i];

		r = new_resolver(&be);
		mauth_spf_request_init(&req);
		req.ip = c->ip;
		req.mail_from = c->mail_from;
		req.helo = c->helo;
		req.identity = c->identity;
		req.receiver = "rcv.example";
		req.record_tree = (i % 2) == 0;	/* both paths */
		ev = NULL;
		rv = mauth_spf_check(r, &req, &ev, err, sizeof(err));
		if (rv != MAUTH_OK) {
			mauth_resolver_free(r);
			fail_msg("%s: got status %d (%s), want MAUTH_OK",
			    c->name, rv, err);
		}
		got = mauth_spf_eval_result(ev);
		reason = mauth_spf_eval_reason(ev);
		got_expl = mauth_spf_eval_explanation(ev);
		if (got != c->want) {
			print_error("%s: got %s (%s), want %s\n", c->name,
			    mauth_spf_result_str(got), reason,
			    mauth_spf_result_str(c->want));
			goto bad;
		}
		if (c->reason != NULL && strstr(reason, c->reason) == NULL) {
			print_error("%s: got reason '%s', want it to contain "
			    "'%s'\n", c->name, reason, c->reason);
			goto bad;
		}
		if ((got == MAUTH_SPF_FAIL) != (got_expl != NULL)) {
			print_error("%s: explanation %s on %s\n", c->name,
			    got_expl ? got_expl : "(none)",
			    mauth_spf_result_str(got));
			goto bad;
		}
		if (c->expl != NULL && strcmp(got_expl, c->expl) != 0) {
			print_error("%s: got explanation '%s', want '%s'\n",
			    c->name, got_expl, c->expl);
			goto bad;
		}
		if (c->lookups >= 0 &&
		    mauth_spf_eval_lookups(ev) != (unsigned)c->lookups) {
			print_error("%s: got %u lookups, want %d\n", c->name,
			    mauth_spf_eval_lookups(ev), c->lookups);
			goto bad;
		}
		if (c->voids >= 0 &&
		    mauth_spf_eval_void_lookups(ev) != (unsigned)c->voids) {
			print_error("%s: got %u void lookups, want %d\n",
			    c->name, mauth_spf_eval_void_lookups(ev), c->voids);
			goto bad;
		}
		if (mauth_spf_eval_dns_queries(ev) != be.calls) {
			print_error("%s: got dns_queries %u, want %u (backend "
			    "calls)\n", c->name, mauth_spf_eval_dns_queries(ev),
			    be.calls);
			goto bad;
		}
		if ((mauth_spf_eval_tree(ev) != NULL) != req.record_tree) {
			print_error("%s: tree present %d, want %d\n", c->name,
			    mauth_spf_eval_tree(ev) != NULL, req.record_tree);
			goto bad;
		}
		mauth_spf_eval_free(ev);
		mauth_resolver_free(r);
		continue;
bad:
		mauth_spf_eval_free(ev);
		mauth_resolver_free(r);
		fail();
	}
}

/* the 11th DNS-querying term sends no query; an exact count of queries */
static void
test_no_query_past_limit(void **state)
{
	struct mauth_spf_request req;
	struct mauth_spf_eval *ev = NULL;
	struct mauth_resolver *r;
	struct backend be;
	char err[256];

	(void)state;
	r = new_resolver(&be);
	mauth_spf_request_init(&req);
	req.ip = "192.0.2.5";
	req.mail_from = "a@eleven.test";
	req.helo = "h.test";
	if (mauth_spf_check(r, &req, &ev, err, sizeof(err)) != MAUTH_OK)
		fail_msg("eleven: got error %s", err);
	if (be.by_type[MAUTH_DNS_A] != 10 || be.by_type[MAUTH_DNS_TXT] != 1 ||
	    be.calls != 11)
		fail_msg("eleven: got %u A + %u TXT (%u) queries, want 10 + 1",
		    be.by_type[MAUTH_DNS_A], be.by_type[MAUTH_DNS_TXT],
		    be.calls);
	mauth_spf_eval_free(ev);

	/* the void limit stops queries too: 4 terms, 4 queries + TXT */
	ev = NULL;
	memset(&be, 0, sizeof(be));
	req.mail_from = "a@void3.test";
	if (mauth_spf_check(r, &req, &ev, err, sizeof(err)) != MAUTH_OK)
		fail_msg("void3: got error %s", err);
	if (be.calls != 5)
		fail_msg("void3: got %u queries, want 5", be.calls);
	mauth_spf_eval_free(ev);

	/* 11 MX names: permerror before any address query */
	ev = NULL;
	memset(&be, 0, sizeof(be));
	req.mail_from = "a@mx11.test";
	if (mauth_spf_check(r, &req, &ev, err, sizeof(err)) != MAUTH_OK)
		fail_msg("mx11: got error %s", err);
	if (be.by_type[MAUTH_DNS_A] != 0)
		fail_msg("mx11: got %u A queries, want 0",
		    be.by_type[MAUTH_DNS_A]);
	mauth_spf_eval_free(ev);

	/* a query budget smaller than needed: temperror, never more sent */
	ev = NULL;
	memset(&be, 0, sizeof(be));
	req.mail_from = "a@ten.test";
	req.max_queries = 5;
	if (mauth_spf_check(r, &req, &ev, err, sizeof(err)) != MAUTH_OK)
		fail_msg("budget: got error %s", err);
	if (mauth_spf_eval_result(ev) != MAUTH_SPF_TEMPERROR || be.calls != 5)
		fail_msg("budget: got %s after %u queries, want temperror "
		    "after 5", mauth_spf_result_str(mauth_spf_eval_result(ev)),
		    be.calls);
	mauth_spf_eval_free(ev);
	mauth_resolver_free(r);
}

/* the evaluation tree of an include chain */
static void
test_tree(void **state)
{
	struct mauth_spf_request req;
	struct mauth_spf_eval *ev = NULL;
	const struct mauth_spf_node *root, *t, *sub;
	struct mauth_resolver *r;
	struct backend be;
	char err[256];

	(void)state;
	r = new_resolver(&be);
	mauth_spf_request_init(&req);
	req.ip = "198.51.100.2";
	req.mail_from = "a@softfail.test";
	req.helo = "h.test";
	req.record_tree = true;
	if (mauth_spf_check(r, &req, &ev, err, sizeof(err)) != MAUTH_OK)
		fail_msg("tree: got error %s", err);
	root = mauth_spf_eval_tree(ev);
	if (root == NULL || root->kind != MAUTH_SPF_NODE_CHECK ||
	    strcmp(root->domain, "softfail.test") != 0 ||
	    strcmp(root->record, "v=spf1 ?a:h.test ~all") != 0 ||
	    root->result != MAUTH_SPF_NEUTRAL)
		fail_msg("tree: root node wrong");
	if (root->nqueries != 1 || root->queries[0].type != MAUTH_DNS_TXT ||
	    strcmp(root->queries[0].summary, "\"v=spf1 ?a:h.test ~all\"") != 0)
		fail_msg("tree: root query wrong (%zu, '%s')", root->nqueries,
		    root->nqueries ? root->queries[0].summary : "");
	/* terms after the match are not listed */
	if (root->nchildren != 1)
		fail_msg("tree: got %zu terms, want 1", root->nchildren);
	t = root->children[0];
	if (t->kind != MAUTH_SPF_NODE_TERM || strcmp(t->term, "?a:h.test") ||
	    strcmp(t->target, "h.test") || t->qualifier != '?' || !t->counted ||
	    !t->matched || t->lookups != 1 || t->void_lookups != 0 ||
	    t->nqueries != 1 ||
	    strcmp(t->queries[0].summary, "198.51.100.1 198.51.100.2") != 0 ||
	    t->queries[0].nrr != 2 || t->queries[0].is_void)
		fail_msg("tree: term node wrong ('%s' -> '%s', summary '%s')",
		    t->term, t->target ? t->target : "",
		    t->nqueries ? t->queries[0].summary : "");
	mauth_spf_eval_free(ev);

	/* include: the nested CHECK node is the child of the term */
	ev = NULL;
	req.mail_from = "a@inc.test";
	req.ip = "192.0.2.5";
	if (mauth_spf_check(r, &req, &ev, err, sizeof(err)) != MAUTH_OK)
		fail_msg("tree include: got error %s", err);
	root = mauth_spf_eval_tree(ev);
	if (root == NULL || root->nchildren != 1)
		fail_msg("tree include: root wrong");
	t = root->children[0];
	if (t->nchildren != 1)
		fail_msg("tree include: got %zu children, want 1",
		    t->nchildren);
	sub = t->children[0];
	if (sub->kind != MAUTH_SPF_NODE_CHECK ||
	    strcmp(sub->domain, "inc2.test") != 0 ||
	    sub->result != MAUTH_SPF_PASS || t->lookups != 2)
		fail_msg("tree include: nested node wrong (%s, %d, %u)",
		    sub->domain, sub->result, t->lookups);
	if (strcmp(root->queries[0].summary,
	    "\"v=spf1 include:inc2.test -all\" \"some other text\"") != 0)
		fail_msg("tree include: got summary '%s'",
		    root->queries[0].summary);
	mauth_spf_eval_free(ev);

	/* a long answer: all records counted, the summary bounded */
	ev = NULL;
	req.mail_from = "a@many.test";
	req.ip = "10.0.1.43";
	if (mauth_spf_check(r, &req, &ev, err, sizeof(err)) != MAUTH_OK)
		fail_msg("tree many: got error %s", err);
	root = mauth_spf_eval_tree(ev);
	t = root->children[0];
	if (mauth_spf_eval_result(ev) != MAUTH_SPF_PASS ||
	    t->queries[0].nrr != 300 || strlen(t->queries[0].summary) > 1100 ||
	    strcmp(t->queries[0].summary + strlen(t->queries[0].summary) - 4,
	    " ...") != 0)
		fail_msg("tree many: got %s, %zu records, summary of %zu bytes",
		    mauth_spf_result_str(mauth_spf_eval_result(ev)),
		    t->queries[0].nrr, strlen(t->queries[0].summary));
	mauth_spf_eval_free(ev);
	req.ip = "192.0.2.5";

	/* void lookups are flagged; a NUL in a record is shown escaped */
	ev = NULL;
	req.mail_from = "a@void3.test";
	if (mauth_spf_check(r, &req, &ev, err, sizeof(err)) != MAUTH_OK)
		fail_msg("tree void: got error %s", err);
	root = mauth_spf_eval_tree(ev);
	if (root->nchildren != 4 || !root->children[0]->queries[0].is_void ||
	    root->children[2]->queries[0].is_void ||
	    root->children[3]->void_lookups != 3 ||
	    root->children[3]->result != MAUTH_SPF_PERMERROR ||
	    root->children[3]->note == NULL)
		fail_msg("tree void: nodes wrong");
	mauth_spf_eval_free(ev);

	ev = NULL;
	req.mail_from = "a@nul.test";
	if (mauth_spf_check(r, &req, &ev, err, sizeof(err)) != MAUTH_OK)
		fail_msg("tree nul: got error %s", err);
	root = mauth_spf_eval_tree(ev);
	if (strcmp(root->record, "v=spf1 a:foo.test\\x00 -all") != 0 ||
	    root->note == NULL ||
	    strstr(mauth_spf_eval_reason(ev), "0x00") == NULL)
		fail_msg("tree nul: got record '%s', reason '%s'",
		    root->record, mauth_spf_eval_reason(ev));
	mauth_spf_eval_free(ev);
	mauth_resolver_free(r);
}

/* bad requests: MAUTH_ERR_INVAL with a reason */
static void
test_bad_requests(void **state)
{
	static const struct {
		const char *name, *ip, *mf, *helo;
		int identity;
	} bad[] = {
		{ "no ip", NULL, "a@inc.test", "h.test", MF },
		{ "empty ip", "", "a@inc.test", "h.test", MF },
		{ "bad ipv4", "192.0.2.256", "a@inc.test", "h.test", MF },
		{ "short ipv4", "192.0.2", "a@inc.test", "h.test", MF },
		{ "bad ipv6", "2001:db8:::1", "a@inc.test", "h.test", MF },
		{ "ip with port", "192.0.2.1:25", "a@inc.test", "h.test", MF },
		{ "ip with space", " 192.0.2.1", "a@inc.test", "h.test", MF },
		{ "bracketed", "[192.0.2.1]", "a@inc.test", "h.test", MF },
		{ "null path, no helo", "192.0.2.1", "", NULL, MF },
		{ "helo identity, no helo", "192.0.2.1", "a@inc.test", "",
		    MAUTH_SPF_ID_HELO },
	};
	struct mauth_spf_request req;
	struct mauth_spf_eval *ev;
	struct mauth_resolver *r;
	struct backend be;
	char err[256];
	size_t i;
	int rv;

	(void)state;
	r = new_resolver(&be);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mauth_spf_request_init(&req);
		req.ip = bad[i].ip;
		req.mail_from = bad[i].mf;
		req.helo = bad[i].helo;
		req.identity = bad[i].identity;
		ev = (struct mauth_spf_eval *)&be;	/* must be reset */
		err[0] = '\0';
		rv = mauth_spf_check(r, &req, &ev, err, sizeof(err));
		if (rv != MAUTH_ERR_INVAL || ev != NULL || err[0] == '\0')
			fail_msg("%s: got %d (ev %p, '%s'), want "
			    "MAUTH_ERR_INVAL with a reason", bad[i].name, rv,
			    (void *)ev, err);
	}
	if (be.calls != 0)
		fail_msg("bad requests: got %u queries, want 0", be.calls);
	if (mauth_spf_check(NULL, &req, &ev, err, sizeof(err)) !=
	    MAUTH_ERR_INVAL)
		fail_msg("NULL resolver: want MAUTH_ERR_INVAL");
	mauth_resolver_free(r);
}

/* accessors: domain, sender, cache hits */
static void
test_accessors(void **state)
{
	struct mauth_spf_request req;
	struct mauth_spf_eval *ev = NULL;
	struct mauth_resolver *r;
	struct backend be;
	char err[256];

	(void)state;
	r = new_resolver(&be);
	if (mauth_resolver_enable_cache(r, 100, 3600) != MAUTH_OK)
		fail_msg("enable cache failed");
	mauth_spf_request_init(&req);
	req.ip = "192.0.2.5";
	req.mail_from = "";
	req.helo = "mx.test.";
	if (mauth_spf_check(r, &req, &ev, err, sizeof(err)) != MAUTH_OK)
		fail_msg("accessors: got error %s", err);
	if (strcmp(mauth_spf_eval_domain(ev), "mx.test") != 0 ||
	    strcmp(mauth_spf_eval_sender(ev), "postmaster@mx.test") != 0)
		fail_msg("accessors: got domain '%s' sender '%s'",
		    mauth_spf_eval_domain(ev), mauth_spf_eval_sender(ev));
	if (mauth_spf_eval_dns_queries(ev) != 2 ||
	    mauth_spf_eval_dns_cache_hits(ev) != 0)
		fail_msg("accessors: got %u sent %u hits, want 2 0",
		    mauth_spf_eval_dns_queries(ev),
		    mauth_spf_eval_dns_cache_hits(ev));
	mauth_spf_eval_free(ev);
	ev = NULL;
	if (mauth_spf_check(r, &req, &ev, err, sizeof(err)) != MAUTH_OK)
		fail_msg("accessors 2: got error %s", err);
	if (mauth_spf_eval_dns_queries(ev) != 0 ||
	    mauth_spf_eval_dns_cache_hits(ev) != 2 ||
	    mauth_spf_eval_result(ev) != MAUTH_SPF_PASS)
		fail_msg("accessors 2: got %u sent %u hits, want 0 2",
		    mauth_spf_eval_dns_queries(ev),
		    mauth_spf_eval_dns_cache_hits(ev));
	mauth_spf_eval_free(ev);
	mauth_spf_eval_free(NULL);
	mauth_resolver_free(r);

	if (strcmp(mauth_spf_result_str(MAUTH_SPF_SOFTFAIL), "softfail") ||
	    mauth_spf_result_from_str("PermError") != MAUTH_SPF_PERMERROR ||
	    mauth_spf_result_from_str("bogus") != -1)
		fail_msg("result strings wrong");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_no_query_past_limit),
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_accessors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
