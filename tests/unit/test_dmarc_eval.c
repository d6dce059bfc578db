/*
 * test_dmarc_eval.c - DMARC evaluation (src/lib/dmarc/dmarc_eval.c) over a
 * scripted DNS: the Tree Walk's queries (never more than 8 per walk, exact
 * order, 20-label names), psd=y/n, np with the existence check, t=y,
 * strict and relaxed alignment, temperror, RFC 7489 mode, bad input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "mauth/dkim.h"
#include "mauth/dmarc.h"
#include "mauth/dns.h"
#include "mauth/spf.h"
#include "util/buf.h"
#include "util/str.h"

/* One record of the scripted DNS; type 0 makes every query time out. */
struct zrec {
	const char	*name;
	uint16_t	 type;
	const char	*txt;
};

struct zone {
	const struct zrec	*recs;
	struct buf		 log;	/* "name/TYPE " per query */
	unsigned		 ntxt;	/* TXT queries of _dmarc names */
};

/* zone_query - NXDOMAIN for absent names, NODATA for absent types */
static int
zone_query(void *arg, const char *name, uint16_t type,
    struct mauth_dns_answer **out)
{
	struct zone *z = arg;
	const struct zrec *r;
	struct mauth_dns_answer *a;
	static const uint8_t addr[4] = { 192, 0, 2, 1 };
	const uint8_t *s;
	size_t len;
	bool present = false;

	buf_printf(&z->log, "%s/%s ", name, mauth_dns_type_str(type));
	if (type == MAUTH_DNS_TXT && strncmp(name, "_dmarc.", 7) == 0)
		z->ntxt++;
	for (r = z->recs; r != NULL && r->name != NULL; r++)
		if (str_casecmp(r->name, name) == 0) {
			if (r->type == 0)
				return MAUTH_DNS_TIMEOUT;
			present = true;
		}
	if ((a = mauth_dns_answer_new(present ? MAUTH_RCODE_NOERROR :
	    MAUTH_RCODE_NXDOMAIN, 300)) == NULL)
		return MAUTH_DNS_FAILURE;
	for (r = z->recs; r != NULL && r->name != NULL; r++) {
		if (str_casecmp(r->name, name) != 0 || r->type != type)
			continue;
		if (type == MAUTH_DNS_A &&
		    mauth_dns_answer_add_a(a, name, 300, addr) != MAUTH_OK)
			goto fail;
		if (type == MAUTH_DNS_TXT) {
			s = (const uint8_t *)r->txt;
			len = strlen(r->txt);
			if (mauth_dns_answer_add_txt(a, MAUTH_DNS_TXT, name,
			    300, &s, &len, 1) != MAUTH_OK)
				goto fail;
		}
	}
	*out = a;
	return MAUTH_DNS_ANSWER;
fail:
	mauth_dns_answer_free(a);
	return MAUTH_DNS_FAILURE;
}

#define TXT(n, t)	{ n, MAUTH_DNS_TXT, t }
#define HOST(n)		{ n, MAUTH_DNS_A, NULL }
#define TIMEOUT(n)	{ n, 0, NULL }
#define END		{ NULL, 0, NULL }

#define DEEP20	"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.example.com"

static const struct zrec z_basic[] = {
	TXT("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine; "
	    "np=none; adkim=r; aspf=s; rua=mailto:d@example.com"),
	HOST("example.com"), HOST("www.example.com"),
	TXT("_dmarc.strict.example", "v=DMARC1; p=reject; adkim=s; aspf=s"),
	HOST("strict.example"),
	TXT("_dmarc.test.example", "v=DMARC1; p=reject; t=y"),
	HOST("test.example"),
	TXT("_dmarc.psd.example", "v=DMARC1; p=reject; sp=quarantine; "
	    "np=reject; psd=y"),
	TXT("_dmarc.corp.example.net", "v=DMARC1; p=quarantine; psd=n"),
	TXT("_dmarc.example.net", "v=DMARC1; p=none"),
	HOST("mail.corp.example.net"),
	TXT("_dmarc.two.example", "v=DMARC1; p=reject"),
	TXT("_dmarc.two.example", "v=DMARC1; p=none"),
	TXT("_dmarc.nul.example", "v=DMARC1; p=reject; rua=mailto:x@y.z"),
	TIMEOUT("_dmarc.slow.example"),
	TXT("_dmarc.fast.slow.example", "v=DMARC1; p=reject"),
	TXT("_dmarc.org", "v=DMARC1; p=reject"),
	TIMEOUT("_dmarc.flaky.example.com"),
	END
};

static const struct zrec z_empty[] = { END };

struct ev_case {
	const char		*name;
	const struct zrec	*zone;
	int			 mode;
	const char		*from;
	const char		*spf;		/* "pass:domain", or NULL */
	const char		*dkim;		/* a DKIM pass d=, or NULL */
	const char		*result;
	const char		*policy;	/* "" when unset */
	const char		*policy_domain;	/* NULL: not checked */
	const char		*org_domain;	/* NULL: not checked */
	int			 spf_aligned;	/* -1: not checked */
	int			 dkim_aligned;
	unsigned		 max_dmarc;	/* most _dmarc queries */
	const char		*log;		/* exact query log or NULL */
};

static const struct ev_case cases[] = {
	{ "deep 20-label name: 8 queries, 7-label jump", z_empty,
	    MAUTH_DMARC_RFC9989, DEEP20, NULL, NULL, "none", "", NULL,
	    DEEP20, -1, -1, 8,
	    "_dmarc." DEEP20 "/TXT _dmarc.n.o.p.q.r.example.com/TXT "
	    "_dmarc.o.p.q.r.example.com/TXT _dmarc.p.q.r.example.com/TXT "
	    "_dmarc.q.r.example.com/TXT _dmarc.r.example.com/TXT "
	    "_dmarc.example.com/TXT _dmarc.com/TXT " },
	{ "deep 20-label name inherits example.com", z_basic,
	    MAUTH_DMARC_RFC9989, DEEP20, NULL, NULL, "fail", "none",
	    "example.com", "example.com", 0, 0, 8, NULL },
	{ "deep 20-label DKIM signer: its own walk is 8 more at most", z_basic,
	    MAUTH_DMARC_RFC9989, "example.com", NULL, DEEP20, "pass",
	    "reject", "example.com", "example.com", 0, 1, 2 + 8, NULL },
	{ "own record, identical signer", z_basic, MAUTH_DMARC_RFC9989,
	    "example.com", NULL, "example.com", "pass", "reject",
	    "example.com", "example.com", 0, 1, 2,
	    "_dmarc.example.com/TXT _dmarc.com/TXT " },
	{ "existing subdomain gets sp", z_basic, MAUTH_DMARC_RFC9989,
	    "www.example.com", NULL, NULL, "fail", "quarantine",
	    "example.com", "example.com", 0, 0, 3, NULL },
	{ "non-existent subdomain gets np", z_basic, MAUTH_DMARC_RFC9989,
	    "ghost.example.com", NULL, NULL, "fail", "none", "example.com",
	    "example.com", 0, 0, 3,
	    "_dmarc.ghost.example.com/TXT _dmarc.example.com/TXT "
	    "_dmarc.com/TXT ghost.example.com/A " },
	{ "relaxed DKIM from parent", z_basic, MAUTH_DMARC_RFC9989,
	    "www.example.com", NULL, "example.com", "pass", "quarantine",
	    NULL, NULL, 0, 1, 3, NULL },
	{ "strict SPF refuses the parent", z_basic, MAUTH_DMARC_RFC9989,
	    "www.example.com", "pass:example.com", NULL, "fail",
	    "quarantine", NULL, NULL, 0, 0, 3, NULL },
	{ "SPF softfail never aligns", z_basic, MAUTH_DMARC_RFC9989,
	    "example.com", "softfail:example.com", NULL, "fail", "reject",
	    NULL, NULL, 0, 0, 2, NULL },
	{ "foreign signer: no walk for it", z_basic, MAUTH_DMARC_RFC9989,
	    "example.com", NULL, "example.org", "fail", "reject", NULL, NULL,
	    0, 0, 2, "_dmarc.example.com/TXT _dmarc.com/TXT " },
	{ "strict DKIM identical passes", z_basic, MAUTH_DMARC_RFC9989,
	    "Strict.Example.", NULL, "strict.example", "pass", "reject",
	    "strict.example", "strict.example", 0, 1, 2, NULL },
	{ "strict DKIM subdomain fails", z_basic, MAUTH_DMARC_RFC9989,
	    "strict.example", NULL, "mail.strict.example", "fail", "reject",
	    NULL, NULL, 0, 0, 2, NULL },
	{ "t=y lowers reject", z_basic, MAUTH_DMARC_RFC9989, "test.example",
	    NULL, NULL, "fail", "quarantine", "test.example", NULL, 0, 0, 2,
	    NULL },
	{ "t ignored in rfc7489", z_basic, MAUTH_DMARC_RFC7489,
	    "test.example", NULL, NULL, "fail", "reject", NULL, NULL, 0, 0, 2,
	    NULL },
	{ "psd=y: org one label below, PSD record with np", z_basic,
	    MAUTH_DMARC_RFC9989, "x.y.psd.example", NULL, NULL, "fail",
	    "reject", "psd.example", "y.psd.example", 0, 0, 3, NULL },
	{ "psd=y: sibling under the PSD does not align", z_basic,
	    MAUTH_DMARC_RFC9989, "x.y.psd.example", NULL, "z.psd.example",
	    "fail", "reject", NULL, NULL, 0, 0, 3, NULL },
	{ "psd=y: same org aligns", z_basic, MAUTH_DMARC_RFC9989,
	    "x.y.psd.example", NULL, "w.y.psd.example", "pass", "reject",
	    NULL, NULL, 0, 1, 5, NULL },
	{ "psd=y at the start stops the walk too (4.10 step 2)", z_basic,
	    MAUTH_DMARC_RFC9989, "psd.example", NULL, "x.psd.example", "fail",
	    "reject", "psd.example", "psd.example", 0, 0, 2,
	    "_dmarc.psd.example/TXT _dmarc.x.psd.example/TXT " },
	{ "psd=n stops the walk", z_basic, MAUTH_DMARC_RFC9989,
	    "mail.corp.example.net", NULL, "example.net", "fail",
	    "quarantine", "corp.example.net", "corp.example.net", 0, 0, 2,
	    "_dmarc.mail.corp.example.net/TXT _dmarc.corp.example.net/TXT " },
	{ "two records: discarded, walk goes on", z_basic,
	    MAUTH_DMARC_RFC9989, "two.example", NULL, "two.example", "none",
	    "", NULL, NULL, -1, -1, 2, NULL },
	{ "two records: rfc7489 stops", z_basic, MAUTH_DMARC_RFC7489,
	    "two.example", NULL, "two.example", "none", "", NULL, NULL, -1,
	    -1, 1, NULL },
	{ "author lookup times out", z_basic, MAUTH_DMARC_RFC9989,
	    "slow.example", NULL, "slow.example", "temperror", "", NULL,
	    NULL, -1, -1, 1, NULL },
	{ "walk above own record times out, identical signer", z_basic,
	    MAUTH_DMARC_RFC9989, "fast.slow.example", NULL,
	    "fast.slow.example", "pass", "reject", "fast.slow.example",
	    "fast.slow.example", 0, 1, 2, NULL },
	{ "walk above own record times out, relaxed signer", z_basic,
	    MAUTH_DMARC_RFC9989, "fast.slow.example", NULL,
	    "m.fast.slow.example", "temperror", "", NULL, NULL, 0, 0, 2,
	    NULL },
	{ "identifier walk times out", z_basic, MAUTH_DMARC_RFC9989,
	    "example.com", NULL, "a.flaky.example.com", "temperror", "", NULL,
	    NULL, 0, 0, 4, NULL },
	{ "identifier walk times out but SPF aligns", z_basic,
	    MAUTH_DMARC_RFC9989, "example.com", "pass:example.com",
	    "a.flaky.example.com", "pass", "reject", NULL, NULL, 1, 0, 4,
	    NULL },
	{ "rfc7489: PSL org, no walk", z_basic, MAUTH_DMARC_RFC7489,
	    "a.b.c.example.org", NULL, "x.example.org", "none", "", NULL,
	    "example.org", -1, -1, 2,
	    "_dmarc.a.b.c.example.org/TXT _dmarc.example.org/TXT " },
	{ "rfc9989: the walk reaches _dmarc.org", z_basic,
	    MAUTH_DMARC_RFC9989, "a.b.c.example.org", NULL, "x.example.org",
	    "pass", "reject", "org", "org", 0, 1, 6, NULL },
	{ "invalid From domain", z_basic, MAUTH_DMARC_RFC9989,
	    "exa mple.com", NULL, NULL, "permerror", "", NULL, NULL, 0, 0, 0,
	    "" },
	{ "U-label From domain", z_basic, MAUTH_DMARC_RFC9989,
	    "b\xc3\xbc" "cher.example", NULL, NULL, "permerror", "", NULL,
	    NULL, 0, 0, 0, "" },
	{ "invalid identifier never aligns", z_basic, MAUTH_DMARC_RFC9989,
	    "example.com", NULL, "exa..mple.com", "fail", "reject", NULL,
	    NULL, 0, 0, 2, NULL },
};

/* split_auth - "result:domain" into a (result looked up with from_str) */
static void
split_auth(const char *s, char *dom, size_t domlen,
    int (*from_str)(const char *), struct mauth_dmarc_auth *a)
{
	char word[32];
	const char *colon = strchr(s, ':');
	size_t n = colon != NULL ? (size_t)(colon - s) : 0;

	snprintf(word, sizeof(word), "%.*s", (int)n, s);
	a->result = from_str(word);
	snprintf(dom, domlen, "%s", colon != NULL ? colon + 1 : "");
	a->domain = dom;
}

/* tf - "true" or "false" */
static const char *
tf(bool b)
{
	return b ? "true" : "false";
}

static void
test_cases(void **state)
{
	struct mauth_dmarc_ctx *ctx[2] = { NULL, NULL };
	struct mauth_dmarc_input in;
	struct mauth_dmarc_eval *ev;
	struct mauth_dns_backend be;
	struct mauth_resolver *r;
	struct zone z;
	const struct ev_case *c;
	const char *got;
	char err[256], spfdom[300];
	size_t i;
	int failures = 0;

	(void)state;
	if (mauth_dmarc_ctx_new(MAUTH_DMARC_RFC9989, NULL, &ctx[0], err,
	    sizeof(err)) != MAUTH_OK ||
	    mauth_dmarc_ctx_new(MAUTH_DMARC_RFC7489, NULL, &ctx[1], err,
	    sizeof(err)) != MAUTH_OK)
		fail_msg("ctx: got an error (%s), want OK", err);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		memset(&z, 0, sizeof(z));
		z.recs = c->zone;
		buf_init(&z.log, 0);
		be.query = zone_query;
		be.destroy = NULL;
		be.arg = &z;
		if (mauth_resolver_new_custom(&be, &r) != MAUTH_OK)
			fail_msg("%s: no resolver", c->name);
		memset(&in, 0, sizeof(in));
		in.from_domain = c->from;
		if (c->spf != NULL) {
			in.has_spf = true;
			split_auth(c->spf, spfdom, sizeof(spfdom),
			    mauth_spf_result_from_str, &in.spf);
		}
		if (c->dkim != NULL) {
			in.ndkim = 1;
			in.dkim[0].result = MAUTH_DKIM_PASS;
			in.dkim[0].domain = c->dkim;
		}
		ev = NULL;
		if (mauth_dmarc_evaluate(ctx[c->mode], r, NULL, &in, &ev, err,
		    sizeof(err)) != MAUTH_OK) {
			print_error("%s: got an error (%s), want OK\n", c->name,
			    err);
			failures++;
			goto next;
		}
#define CHECK(what, g, w) do {						\
	if ((w) != NULL && ((g) == NULL || str_casecmp((g), (w)) != 0)) { \
		print_error("%s: %s: got %s, want %s (reason: %s; DNS: %s)\n", \
		    c->name, what, (g) != NULL ? (g) : "(null)", (w),	\
		    mauth_dmarc_eval_reason(ev), z.log.data != NULL ?	\
		    z.log.data : "");					\
		failures++;						\
	}								\
} while (0)
		got = mauth_dmarc_result_str(mauth_dmarc_eval_result(ev));
		CHECK("result", got, c->result);
		got = mauth_dmarc_policy_str(mauth_dmarc_eval_policy(ev));
		CHECK("policy", got, c->policy);
		CHECK("policy_domain", mauth_dmarc_eval_policy_domain(ev),
		    c->policy_domain);
		CHECK("org_domain", mauth_dmarc_eval_org_domain(ev),
		    c->org_domain);
		if (c->spf_aligned >= 0)
			CHECK("spf_aligned",
			    tf(mauth_dmarc_eval_spf_aligned(ev)),
			    tf(c->spf_aligned == 1));
		if (c->dkim_aligned >= 0)
			CHECK("dkim_aligned",
			    tf(mauth_dmarc_eval_dkim_aligned(ev)),
			    tf(c->dkim_aligned == 1));
		if (z.ntxt > c->max_dmarc) {
			print_error("%s: got %u _dmarc queries, want at most "
			    "%u (%s)\n", c->name, z.ntxt, c->max_dmarc,
			    z.log.data != NULL ? z.log.data : "");
			failures++;
		}
		CHECK("query log", z.log.data != NULL ? z.log.data : "",
		    c->log);
		if (mauth_dmarc_eval_dns_queries(ev) != z.ntxt &&
		    c->log != NULL && strstr(c->log, "/A ") == NULL) {
			print_error("%s: dns_queries got %u, want %u\n",
			    c->name, mauth_dmarc_eval_dns_queries(ev), z.ntxt);
			failures++;
		}
#undef CHECK
next:
		mauth_dmarc_eval_free(ev);
		mauth_resolver_free(r);
		buf_free(&z.log);
	}
	mauth_dmarc_ctx_free(ctx[0]);
	mauth_dmarc_ctx_free(ctx[1]);
	if (failures > 0)
		fail_msg("%d checks failed over %zu cases", failures,
		    sizeof(cases) / sizeof(cases[0]));
}

/*
 * many distinct passing signers below the From domain, each its own
 * Organizational Domain (psd=n): the identifier walks stop at the cap,
 * DNS stays bounded, and the signers not looked at make it a temperror
 */
static void
test_many_signers(void **state)
{
	struct mauth_dmarc_ctx *ctx = NULL;
	struct mauth_dmarc_input in;
	struct mauth_dmarc_eval *ev = NULL;
	struct mauth_dns_backend be;
	struct mauth_resolver *r = NULL;
	struct mauth_dns_budget budget;
	static char doms[MAUTH_DMARC_MAX_DKIM][64];
	static char names[MAUTH_DMARC_MAX_DKIM][80];
	static struct zrec recs[MAUTH_DMARC_MAX_DKIM + 2];
	struct zone z;
	size_t i;

	(void)state;
	recs[0] = (struct zrec)TXT("_dmarc.example.com", "v=DMARC1; p=reject");
	for (i = 0; i < MAUTH_DMARC_MAX_DKIM; i++) {
		snprintf(doms[i], sizeof(doms[i]), "s%zu.example.com", i);
		snprintf(names[i], sizeof(names[i]), "_dmarc.%s", doms[i]);
		recs[i + 1] = (struct zrec)TXT(names[i],
		    "v=DMARC1; p=none; psd=n");
	}
	recs[MAUTH_DMARC_MAX_DKIM + 1] = (struct zrec)END;
	memset(&z, 0, sizeof(z));
	z.recs = recs;
	buf_init(&z.log, 0);
	be.query = zone_query;
	be.destroy = NULL;
	be.arg = &z;
	if (mauth_dmarc_ctx_new(MAUTH_DMARC_RFC9989, NULL, &ctx, NULL, 0) !=
	    MAUTH_OK || mauth_resolver_new_custom(&be, &r) != MAUTH_OK)
		fail_msg("setup: got an error, want OK");
	memset(&in, 0, sizeof(in));
	in.from_domain = "example.com";
	in.ndkim = MAUTH_DMARC_MAX_DKIM;
	for (i = 0; i < in.ndkim; i++) {
		in.dkim[i].result = MAUTH_DKIM_PASS;
		in.dkim[i].domain = doms[i];
	}
	mauth_dns_budget_init(&budget, 0);
	if (mauth_dmarc_evaluate(ctx, r, &budget, &in, &ev, NULL, 0) !=
	    MAUTH_OK)
		fail_msg("many signers: got an error, want OK");
	/* the From walk (2), then one query per walk, 16 walks */
	if (budget.sent != 2 + 16 || z.ntxt != 2 + 16)
		fail_msg("many signers: got %u queries (%u _dmarc), want %d",
		    budget.sent, z.ntxt, 2 + 16);
	if (mauth_dmarc_eval_result(ev) != MAUTH_DMARC_TEMPERROR)
		fail_msg("many signers: got %s (%s), want temperror",
		    mauth_dmarc_result_str(mauth_dmarc_eval_result(ev)),
		    mauth_dmarc_eval_reason(ev));
	mauth_dmarc_eval_free(ev);
	mauth_resolver_free(r);
	mauth_dmarc_ctx_free(ctx);
	buf_free(&z.log);
}

/* a spent budget is a temporary failure, never "no record" */
static void
test_budget(void **state)
{
	struct mauth_dmarc_ctx *ctx = NULL;
	struct mauth_dmarc_input in;
	struct mauth_dmarc_eval *ev = NULL;
	struct mauth_dns_backend be;
	struct mauth_resolver *r = NULL;
	struct mauth_dns_budget budget;
	struct zone z;

	(void)state;
	memset(&z, 0, sizeof(z));
	z.recs = z_basic;
	buf_init(&z.log, 0);
	be.query = zone_query;
	be.destroy = NULL;
	be.arg = &z;
	if (mauth_dmarc_ctx_new(MAUTH_DMARC_RFC9989, NULL, &ctx, NULL, 0) !=
	    MAUTH_OK || mauth_resolver_new_custom(&be, &r) != MAUTH_OK)
		fail_msg("setup: got an error, want OK");
	memset(&in, 0, sizeof(in));
	in.from_domain = "www.example.com";
	mauth_dns_budget_init(&budget, 1);
	if (mauth_dmarc_evaluate(ctx, r, &budget, &in, &ev, NULL, 0) !=
	    MAUTH_OK)
		fail_msg("budget: got an error, want OK");
	if (mauth_dmarc_eval_result(ev) != MAUTH_DMARC_TEMPERROR)
		fail_msg("budget: got %s, want temperror",
		    mauth_dmarc_result_str(mauth_dmarc_eval_result(ev)));
	if (budget.sent != 1 || mauth_dmarc_eval_dns_queries(ev) != 1)
		fail_msg("budget: got %u sent / %u reported, want 1/1",
		    budget.sent, mauth_dmarc_eval_dns_queries(ev));
	mauth_dmarc_eval_free(ev);
	mauth_resolver_free(r);
	mauth_dmarc_ctx_free(ctx);
	buf_free(&z.log);
}

/* misuse and the context */
static void
test_api(void **state)
{
	struct mauth_dmarc_ctx *ctx = NULL;
	struct mauth_dmarc_eval *ev = NULL;
	struct mauth_dmarc_input in;
	struct mauth_dns_backend be;
	struct mauth_resolver *r = NULL;
	struct zone z;
	char err[256];
	int rc;

	(void)state;
	memset(&z, 0, sizeof(z));
	be.query = zone_query;
	be.destroy = NULL;
	be.arg = &z;
	if ((rc = mauth_dmarc_ctx_new(7, NULL, &ctx, err, sizeof(err))) !=
	    MAUTH_ERR_INVAL)
		fail_msg("bad mode: got %d, want MAUTH_ERR_INVAL", rc);
	if ((rc = mauth_dmarc_ctx_new(MAUTH_DMARC_RFC7489,
	    "/nonexistent/psl.dat", &ctx, err, sizeof(err))) != MAUTH_ERR_IO)
		fail_msg("missing PSL: got %d, want MAUTH_ERR_IO", rc);
	if ((rc = mauth_dmarc_ctx_new(MAUTH_DMARC_RFC7489,
	    "/dev/null", &ctx, err, sizeof(err))) != MAUTH_ERR_SYNTAX)
		fail_msg("empty PSL: got %d, want MAUTH_ERR_SYNTAX", rc);
	if (ctx != NULL)
		fail_msg("failed ctx_new: got a context, want NULL");
	if (mauth_dmarc_ctx_new(MAUTH_DMARC_RFC9989, NULL, &ctx, err,
	    sizeof(err)) != MAUTH_OK ||
	    mauth_resolver_new_custom(&be, &r) != MAUTH_OK)
		fail_msg("setup: got an error, want OK");
	memset(&in, 0, sizeof(in));
	if ((rc = mauth_dmarc_evaluate(ctx, r, NULL, &in, &ev, err,
	    sizeof(err))) != MAUTH_ERR_INVAL || ev != NULL)
		fail_msg("no From: got %d, want MAUTH_ERR_INVAL", rc);
	in.from_domain = "example.com";
	in.ndkim = MAUTH_DMARC_MAX_DKIM + 1;
	if ((rc = mauth_dmarc_evaluate(ctx, r, NULL, &in, &ev, err,
	    sizeof(err))) != MAUTH_ERR_INVAL)
		fail_msg("too many DKIM: got %d, want MAUTH_ERR_INVAL", rc);
	if (mauth_dmarc_mode_from_str("RFC7489") != MAUTH_DMARC_RFC7489 ||
	    mauth_dmarc_mode_from_str("dmarc") != -1)
		fail_msg("mode names: got a wrong mapping");
	if (strcmp(mauth_dmarc_policy_str(MAUTH_DMARC_POLICY_UNSET), "") != 0)
		fail_msg("unset policy: got '%s', want ''",
		    mauth_dmarc_policy_str(MAUTH_DMARC_POLICY_UNSET));
	mauth_dmarc_eval_free(NULL);
	mauth_dmarc_ctx_free(NULL);
	mauth_resolver_free(r);
	mauth_dmarc_ctx_free(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_many_signers),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_api),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
