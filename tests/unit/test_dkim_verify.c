/*
 * test_dkim_verify.c - DKIM verification (src/lib/dkim): the RFC 8601
 * result of each case, with its reason; our signature screen; key-record
 * handling (revoked, h=, k=, s=, t=s, t=y, several records, records over
 * 1024 bytes); DNS failures and the query/time budget; 1,000 signatures;
 * bare LF; threads.  Fixtures: testdata/dkim/unit (make_fixtures.py).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "mauth/dkim.h"
#include "mauth/dns.h"
#include "dkim/dkim_int.h"

#define FIX TESTDATA "/dkim/unit/"

static struct dkimv_lib *lib;
static struct mauth_resolver *zone, *res;
static unsigned slow_ms = 150;

/* ---- DNS: the fixture zone, plus failure names ------------------------- */

/* wrap_query - timeout./servfail./slow* names fail; the rest: the zone */
static int
wrap_query(void *arg, const char *name, uint16_t type,
    struct mauth_dns_answer **out)
{
	struct timespec ts;

	(void)arg;
	if (strncmp(name, "timeout.", 8) == 0)
		return MAUTH_DNS_TIMEOUT;
	if (strncmp(name, "slow", 4) == 0) {
		ts.tv_sec = 0;
		ts.tv_nsec = (long)slow_ms * 1000000L;
		nanosleep(&ts, NULL);
		return MAUTH_DNS_TIMEOUT;
	}
	if (strncmp(name, "servfail.", 9) == 0) {
		*out = mauth_dns_answer_new(MAUTH_RCODE_SERVFAIL, 0);
		return *out != NULL ? MAUTH_DNS_ANSWER : MAUTH_DNS_FAILURE;
	}
	return mauth_resolver_query(zone, NULL, name, type, out);
}

/* ---- feeding ------------------------------------------------------------ */

static char *
read_file(const char *path, size_t *len)
{
	FILE *fp;
	char *buf;
	long n;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	if ((buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		fclose(fp);
		return NULL;
	}
	fclose(fp);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/* verify_mem - split fields at the first empty line, body in 7-byte chunks */
static struct dkimv *
verify_mem(const char *msg, size_t len, const struct dkimv_options *o,
    struct mauth_dns_budget *b)
{
	struct dkimv *v;
	size_t i = 0, start, colon, eol, n;

	if (dkimv_new(lib, res, b, o, &v) != MAUTH_OK)
		return NULL;
	while (i < len) {
		if (msg[i] == '\n') {
			i++;
			break;
		}
		if (msg[i] == '\r' && i + 1 < len && msg[i + 1] == '\n') {
			i += 2;
			break;
		}
		start = i;
		for (;;) {
			eol = i;
			while (eol < len && msg[eol] != '\n')
				eol++;
			i = eol < len ? eol + 1 : len;
			if (i < len && (msg[i] == ' ' || msg[i] == '\t'))
				continue;
			break;
		}
		for (colon = start; colon < i && msg[colon] != ':'; colon++)
			;
		if (colon < i && dkimv_header(v, msg + start, colon - start,
		    msg + colon + 1, i - colon - 1) != MAUTH_OK) {
			dkimv_free(v);
			return NULL;
		}
	}
	if (dkimv_eoh(v) != MAUTH_OK)
		goto fail;
	while (i < len) {
		n = len - i < 7 ? len - i : 7;
		if (dkimv_body(v, msg + i, n) != MAUTH_OK)
			goto fail;
		i += n;
	}
	if (dkimv_eom(v) != MAUTH_OK)
		goto fail;
	return v;
fail:
	dkimv_free(v);
	return NULL;
}

static struct dkimv *
verify_file(const char *name, const struct dkimv_options *o,
    struct mauth_dns_budget *b)
{
	char path[512], *msg;
	size_t len;
	struct dkimv *v;

	(void)snprintf(path, sizeof(path), FIX "%s.eml", name);
	if ((msg = read_file(path, &len)) == NULL)
		fail_msg("%s: cannot read %s", name, path);
	v = verify_mem(msg, len, o, b);
	free(msg);
	return v;
}

/* check_sig - result and reason substring of signature i */
static void
check_sig(const char *name, const struct dkimv *v, size_t i, int want,
    const char *why)
{
	const struct mauth_dkim_sig *s = dkimv_sig(v, i);

	if (s == NULL)
		fail_msg("%s: got no signature %zu, want %s", name, i,
		    mauth_dkim_result_str(want));
	if (s->result != want)
		fail_msg("%s: got %s (%s), want %s", name,
		    mauth_dkim_result_str(s->result), s->reason,
		    mauth_dkim_result_str(want));
	if (why != NULL && strstr(s->reason, why) == NULL)
		fail_msg("%s: got reason \"%s\", want it to contain \"%s\"",
		    name, s->reason, why);
}

/* ---- fixture cases ------------------------------------------------------ */

struct fcase {
	const char	*name;
	int		 result;
	const char	*why;
	unsigned	 key_bits;	/* checked when nonzero */
	int		 testing;	/* -1: not checked */
	unsigned	 max_queries;	/* budget.queries must be <= this */
	int		 ref_result;	/* libopendkim engine, when not 0 */
	const char	*ref_why;
};

static const struct fcase fcases[] = {
	{ "pass-rsa", MAUTH_DKIM_PASS, "signature verified", 2048, 0, 1,
	    0, NULL },
	{ "pass-ed", MAUTH_DKIM_PASS, "signature verified", 256, 0, 1,
	    0, NULL },
	{ "small-key", MAUTH_DKIM_POLICY, "768 bits", 768, -1, 1, 0, NULL },
	{ "sha1", MAUTH_DKIM_POLICY, "rsa-sha1 not accepted", 0, -1, 0,
	    0, NULL },
	{ "testing", MAUTH_DKIM_PASS, "testing key", 2048, 1, 1, 0, NULL },
	{ "revoked", MAUTH_DKIM_PERMERROR, "key revoked", 0, -1, 1, 0, NULL },
	{ "sha1only", MAUTH_DKIM_PERMERROR, "h=", 0, -1, 1, 0, NULL },
	{ "ktype", MAUTH_DKIM_PERMERROR, NULL, 0, -1, 1, 0, NULL },
	{ "keyver", MAUTH_DKIM_PERMERROR, "v=", 0, -1, 1, 0, NULL },
	{ "chat", MAUTH_DKIM_PERMERROR, "s=", 0, -1, 1, 0, NULL },
	{ "subdomain", MAUTH_DKIM_PERMERROR, "t=s", 0, -1, 1, 0, NULL },
	{ "multi", MAUTH_DKIM_PERMERROR, "several key records", 0, -1, 1,
	    0, NULL },
	{ "missing", MAUTH_DKIM_PERMERROR, "NXDOMAIN", 0, -1, 1, 0, NULL },
	{ "nodata", MAUTH_DKIM_PERMERROR, "no TXT record", 0, -1, 1, 0, NULL },
	{ "garbage", MAUTH_DKIM_PERMERROR, "not a valid DKIM key record", 0, -1, 1,
	    0, NULL },
	{ "timeout", MAUTH_DKIM_TEMPERROR, "timeout", 0, -1, 1, 0, NULL },
	{ "servfail", MAUTH_DKIM_TEMPERROR, "SERVFAIL", 0, -1, 1, 0, NULL },
	{ "l-exact", MAUTH_DKIM_PASS, NULL, 0, -1, 1, 0, NULL },
	{ "l-appended", MAUTH_DKIM_POLICY, "l= signs", 0, -1, 1, 0, NULL },
	{ "big-key", MAUTH_DKIM_PASS, NULL, 4096, -1, 1, 0, NULL },
	/*
	 * RSA-8192: the native engine verifies it (RFC 8301 3.2 allows more
	 * than 4096 bits); libopendkim's 1024-byte key buffer cannot hold it
	 */
	{ "huge-key", MAUTH_DKIM_PASS, "signature verified", 8192, -1, 1,
	    MAUTH_DKIM_PERMERROR, "key record too long" },
	{ "body-changed", MAUTH_DKIM_FAIL, "body hash mismatch", 0, -1, 1,
	    0, NULL },
	{ "header-changed", MAUTH_DKIM_FAIL, "did not verify", 0, -1, 1,
	    0, NULL },
};

static void
test_fixtures(void **state)
{
	static const char *const engine[] = { "native", "libopendkim" };
	const struct fcase *c;
	const struct mauth_dkim_sig *s;
	struct mauth_dns_budget b;
	struct dkimv_options o;
	struct dkimv *v;
	char name[128];
	size_t i, e;
	int want;

	(void)state;
	for (e = 0; e < 2; e++)
	for (i = 0; i < sizeof(fcases) / sizeof(fcases[0]); i++) {
		c = &fcases[i];
		snprintf(name, sizeof(name), "%s/%s", c->name, engine[e]);
		dkimv_options_init(&o);
		o.libopendkim = e == 1;
		want = e == 1 && c->ref_result != 0 ? c->ref_result : c->result;
		mauth_dns_budget_init(&b, 50);
		if ((v = verify_file(c->name, &o, &b)) == NULL)
			fail_msg("%s: got verifier error, want results", name);
		if (dkimv_count(v) != 1)
			fail_msg("%s: got %zu results, want 1", name,
			    dkimv_count(v));
		check_sig(name, v, 0, want, e == 1 && c->ref_result != 0 ?
		    c->ref_why : c->why);
		s = dkimv_sig(v, 0);
		if (c->key_bits != 0 && want == c->result &&
		    s->key_bits != c->key_bits)
			fail_msg("%s: got key_bits %u, want %u", name,
			    s->key_bits, c->key_bits);
		if (c->testing >= 0 && s->testing != (c->testing == 1))
			fail_msg("%s: got testing %d, want %d", name,
			    s->testing, c->testing);
		if (b.queries > c->max_queries)
			fail_msg("%s: got %u DNS queries, want <= %u", name,
			    b.queries, c->max_queries);
		if (!s->checked || s->domain == NULL ||
		    strcmp(s->domain, "example.test") != 0)
			fail_msg("%s: got checked %d domain %s, want checked "
			    "example.test", name, s->checked,
			    s->domain != NULL ? s->domain : "NULL");
		dkimv_free(v);
	}
}

/* the properties of a passing signature (RFC 8601 header.d/i/s/a/b) */
static void
test_properties(void **state)
{
	const struct mauth_dkim_sig *s;
	struct dkimv *v;

	(void)state;
	if ((v = verify_file("pass-rsa", NULL, NULL)) == NULL)
		fail_msg("properties: got verifier error");
	s = dkimv_sig(v, 0);
	if (strcmp(s->identity, "@example.test") != 0 ||
	    strcmp(s->selector, "rsa") != 0 ||
	    strcmp(s->algorithm, "rsa-sha256") != 0 ||
	    strlen(s->b_prefix) != 8)
		fail_msg("properties: got i=%s s=%s a=%s b=%s, want "
		    "@example.test rsa rsa-sha256 and 8 characters",
		    s->identity, s->selector, s->algorithm, s->b_prefix);
	dkimv_free(v);
	if ((v = verify_file("unsigned", NULL, NULL)) == NULL ||
	    dkimv_count(v) != 0)
		fail_msg("unsigned: got %zu results, want 0",
		    v != NULL ? dkimv_count(v) : (size_t)-1);
	dkimv_free(v);
}

/* the same message stored with bare LF */
static void
test_bare_lf(void **state)
{
	char path[512], *msg, *lf;
	size_t len, i, o = 0;
	struct dkimv *v;

	(void)state;
	(void)snprintf(path, sizeof(path), FIX "pass-rsa.eml");
	if ((msg = read_file(path, &len)) == NULL ||
	    (lf = malloc(len)) == NULL)
		fail_msg("bare-lf: cannot read");
	for (i = 0; i < len; i++)
		if (msg[i] != '\r')
			lf[o++] = msg[i];
	if ((v = verify_mem(lf, o, NULL, NULL)) == NULL)
		fail_msg("bare-lf: got verifier error");
	check_sig("bare-lf", v, 0, MAUTH_DKIM_PASS, NULL);
	dkimv_free(v);
	free(lf);

	/* RFC 5322 4.5.3: "DKIM-Signature :" (relaxed header canon) */
	if ((lf = malloc(len + 1)) == NULL)
		fail_msg("wsp-colon: no memory");
	memcpy(lf, "DKIM-Signature :", 16);
	memcpy(lf + 16, msg + 15, len - 15);
	if ((v = verify_mem(lf, len + 1, NULL, NULL)) == NULL ||
	    dkimv_count(v) != 1)
		fail_msg("wsp-colon: got no result, want 1");
	check_sig("wsp-colon", v, 0, MAUTH_DKIM_PASS, NULL);
	dkimv_free(v);
	free(lf);
	free(msg);
}

/* ---- crafted signature fields (our screen; no DNS) ---------------------- */

#define HDRS "From: a@example.test\r\nTo: b@example.net\r\nSubject: x\r\n"
#define BH "bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;"
#define B64 "b=dGVzdA==;"

struct scase {
	const char	*name;
	const char	*sig;
	int		 result;
	const char	*why;
};

static const struct scase scases[] = {
	{ "no-v", "a=rsa-sha256; d=example.test; s=rsa; h=from; " BH B64,
	  MAUTH_DKIM_PERMERROR, "missing v=" },
	{ "v2", "v=2; a=rsa-sha256; d=example.test; s=rsa; h=from; " BH B64,
	  MAUTH_DKIM_PERMERROR, "version" },
	{ "dup-tag", "v=1; a=rsa-sha256; d=example.test; d=example.test; "
	  "s=rsa; h=from; " BH B64, MAUTH_DKIM_PERMERROR, "duplicate tag" },
	{ "bad-name", "v=1; 1a=x; a=rsa-sha256; d=example.test; s=rsa; "
	  "h=from; " BH B64, MAUTH_DKIM_PERMERROR, "bad tag name" },
	{ "no-equals", "v=1; a; d=example.test; s=rsa; h=from; " BH B64,
	  MAUTH_DKIM_PERMERROR, "without '='" },
	{ "no-h", "v=1; a=rsa-sha256; d=example.test; s=rsa; " BH B64,
	  MAUTH_DKIM_PERMERROR, "missing h=" },
	{ "empty-b", "v=1; a=rsa-sha256; d=example.test; s=rsa; h=from; "
	  BH " b=;", MAUTH_DKIM_PERMERROR, "empty b=" },
	{ "from-unsigned", "v=1; a=rsa-sha256; d=example.test; s=rsa; "
	  "h=to:subject; " BH B64, MAUTH_DKIM_PERMERROR, "From is not signed" },
	{ "i-outside-d", "v=1; a=rsa-sha256; d=example.test; s=rsa; "
	  "i=joe@example.org; h=from; " BH B64, MAUTH_DKIM_PERMERROR,
	  "not in the d= domain" },
	{ "i-suffix-trick", "v=1; a=rsa-sha256; d=example.test; s=rsa; "
	  "i=@badexample.test; h=from; " BH B64, MAUTH_DKIM_PERMERROR,
	  "not in the d= domain" },
	{ "expired", "v=1; a=rsa-sha256; d=example.test; s=rsa; t=100; "
	  "x=200; h=from; " BH B64, MAUTH_DKIM_PERMERROR, "expired" },
	{ "x-before-t", "v=1; a=rsa-sha256; d=example.test; s=rsa; t=300; "
	  "x=200; h=from; " BH B64, MAUTH_DKIM_PERMERROR, "earlier than t=" },
	{ "unknown-alg", "v=1; a=rsa-sha512; d=example.test; s=rsa; "
	  "h=from; " BH B64, MAUTH_DKIM_NEUTRAL, "unsupported algorithm" },
	{ "bad-c", "v=1; a=rsa-sha256; c=fancy/simple; d=example.test; "
	  "s=rsa; h=from; " BH B64, MAUTH_DKIM_PERMERROR, "canonicalization" },
	{ "bad-q", "v=1; a=rsa-sha256; q=http; d=example.test; s=rsa; "
	  "h=from; " BH B64, MAUTH_DKIM_PERMERROR, "query method" },
	{ "bad-l", "v=1; a=rsa-sha256; l=12x; d=example.test; s=rsa; "
	  "h=from; " BH B64, MAUTH_DKIM_PERMERROR, "invalid l=" },
	{ "bad-d", "v=1; a=rsa-sha256; d=exa mple.test; s=rsa; h=from; "
	  BH B64, MAUTH_DKIM_PERMERROR, "invalid d=" },
	{ "bad-b64", "v=1; a=rsa-sha256; d=example.test; s=rsa; h=from; "
	  BH " b=abc!def;", MAUTH_DKIM_PERMERROR, "b= is not base64" },
	{ "wrong-sig", "v=1; a=rsa-sha256; d=example.test; s=rsa; h=from; "
	  BH B64, MAUTH_DKIM_FAIL, NULL },
};

/* msg_with - one DKIM-Signature field with value sig, then HDRS, empty body */
static char *
msg_with(const char *sig, size_t siglen, size_t *len)
{
	static const char pre[] = "DKIM-Signature: ";
	static const char post[] = "\r\n" HDRS "\r\n";
	char *m;

	*len = sizeof(pre) - 1 + siglen + sizeof(post) - 1;
	if ((m = malloc(*len)) == NULL)
		return NULL;
	memcpy(m, pre, sizeof(pre) - 1);
	memcpy(m + sizeof(pre) - 1, sig, siglen);
	memcpy(m + sizeof(pre) - 1 + siglen, post, sizeof(post) - 1);
	return m;
}

static void
test_screen(void **state)
{
	struct dkimv_options o;
	struct dkimv *v;
	char *m;
	size_t i, len;

	(void)state;
	dkimv_options_init(&o);
	o.now = 1000;
	for (i = 0; i < sizeof(scases) / sizeof(scases[0]); i++) {
		m = msg_with(scases[i].sig, strlen(scases[i].sig), &len);
		if ((v = verify_mem(m, len, &o, NULL)) == NULL)
			fail_msg("%s: got verifier error", scases[i].name);
		check_sig(scases[i].name, v, 0, scases[i].result,
		    scases[i].why);
		dkimv_free(v);
		free(m);
	}
}

/* NUL bytes and a giant b= */
static void
test_hostile_fields(void **state)
{
	static const char nul[] = "v=1; a=rsa-sha256; d=exa\0mple.test; "
	    "s=rsa; h=from; " BH B64;
	struct dkimv *v;
	char *sig, *m;
	size_t len, n = 100000;

	(void)state;
	m = msg_with(nul, sizeof(nul) - 1, &len);
	if ((v = verify_mem(m, len, NULL, NULL)) == NULL)
		fail_msg("nul: got verifier error");
	check_sig("nul", v, 0, MAUTH_DKIM_PERMERROR, "NUL byte");
	dkimv_free(v);
	free(m);

	if ((sig = malloc(n + 200)) == NULL)
		fail_msg("giant-b: no memory");
	len = (size_t)snprintf(sig, 200, "v=1; a=rsa-sha256; d=example.test; "
	    "s=rsa; h=from; " BH " b=");
	memset(sig + len, 'A', n);
	len += n;
	m = msg_with(sig, len, &len);
	if ((v = verify_mem(m, len, NULL, NULL)) == NULL)
		fail_msg("giant-b: got verifier error");
	check_sig("giant-b", v, 0, MAUTH_DKIM_PERMERROR, "too long");
	dkimv_free(v);
	free(m);
	free(sig);
}

/*
 * pairing: fields that libopendkim keeps as broken entries (even when
 * dkim_header() fails) must not shift the results of the others
 */
static void
test_pairing(void **state)
{
	static const char *const pre[] = {
		/* no b=: dkim_header() fails, the entry stays */
		"DKIM-Signature: v=1; a=rsa-sha256; d=example.test; s=rsa; "
		    "h=from; " BH "\r\n",
		/* selector label over 63 bytes: ours rejects, libopendkim not */
		"DKIM-Signature: v=1; a=rsa-sha256; d=example.test; s=aaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; "
		    "h=from; " BH " b=SAME\r\n",
	};
	struct dkimv *v;
	char path[512], *one, *msg, *b, *e;
	size_t len, plen, i, k;

	(void)state;
	(void)snprintf(path, sizeof(path), FIX "pass-rsa.eml");
	if ((one = read_file(path, &len)) == NULL)
		fail_msg("pairing: cannot read");
	for (k = 0; k < 2; k++) {
		plen = strlen(pre[k]);
		if ((msg = malloc(plen + len + 1024)) == NULL)
			fail_msg("pairing: no memory");
		memcpy(msg, pre[k], plen);
		if (k == 1) {
			/* give the bad field the good signature's b= */
			if ((b = strstr(one, " b=")) == NULL ||
			    (e = strstr(b, "\r\nFrom:")) == NULL)
				fail_msg("pairing: no b=");
			plen -= strlen("SAME\r\n");
			for (i = 3; b + i < e; i++)
				if (b[i] != '\r' && b[i] != '\n' &&
				    b[i] != ' ' && b[i] != '\t')
					msg[plen++] = b[i];
			msg[plen++] = '\r';
			msg[plen++] = '\n';
		}
		memcpy(msg + plen, one, len);
		if ((v = verify_mem(msg, plen + len, NULL, NULL)) == NULL)
			fail_msg("pairing %zu: got verifier error", k);
		if (dkimv_count(v) != 2)
			fail_msg("pairing %zu: got %zu results, want 2", k,
			    dkimv_count(v));
		check_sig(k == 0 ? "pairing (no b=)" : "pairing (bad s=)", v,
		    0, MAUTH_DKIM_PERMERROR, k == 0 ? "missing b=" :
		    "invalid s=");
		check_sig("pairing (good one)", v, 1, MAUTH_DKIM_PASS, NULL);
		dkimv_free(v);
		free(msg);
	}
	free(one);
}

/* ---- 1,000 signatures: only max_signatures cost DNS ---------------------- */

static void
test_thousand(void **state)
{
	struct mauth_dns_budget b;
	const struct mauth_dkim_sig *s;
	struct dkimv *v;
	char path[512], *one, *msg, *body, *p;
	size_t len, siglen, i, n = 1000;
	struct timespec t0, t1;
	double secs;

	(void)state;
	(void)snprintf(path, sizeof(path), FIX "pass-rsa.eml");
	if ((one = read_file(path, &len)) == NULL)
		fail_msg("thousand: cannot read");
	/* the signature field runs up to "From:" */
	if ((body = strstr(one, "\r\nFrom:")) == NULL)
		fail_msg("thousand: no From");
	siglen = (size_t)(body - one) + 2;
	if ((msg = malloc(siglen * n + len)) == NULL)
		fail_msg("thousand: no memory");
	for (i = 0, p = msg; i < n; i++, p += siglen)
		memcpy(p, one, siglen);
	memcpy(p, one + siglen, len - siglen);
	mauth_dns_budget_init(&b, 300);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((v = verify_mem(msg, siglen * n + len - siglen, NULL, &b)) == NULL)
		fail_msg("thousand: got verifier error");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (dkimv_count(v) != n)
		fail_msg("thousand: got %zu results, want %zu", dkimv_count(v),
		    n);
	for (i = 0; i < n; i++) {
		s = dkimv_sig(v, i);
		if (i < 5)
			check_sig("thousand (checked)", v, i, MAUTH_DKIM_PASS,
			    NULL);
		else if (s->checked || s->result != MAUTH_DKIM_NONE ||
		    strstr(s->reason, "over the limit of 5") == NULL)
			fail_msg("thousand: sig %zu got checked=%d %s (%s), "
			    "want unchecked none", i, s->checked,
			    mauth_dkim_result_str(s->result), s->reason);
	}
	if (b.queries > 5)
		fail_msg("thousand: got %u DNS queries, want <= 5", b.queries);
	if (secs > 5.0)
		fail_msg("thousand: got %.2f s, want bounded work (< 5 s)",
		    secs);
	dkimv_free(v);
	free(msg);
	free(one);
}

/* ---- DNS time budget: temperror, within the budget's time ---------------- */

static void
test_dns_time_budget(void **state)
{
	struct mauth_dns_budget b;
	struct dkimv *v;
	char sig[512], *msg;
	size_t len = 0, i;
	struct timespec t0, t1;
	double secs;

	(void)state;
	if ((msg = malloc(8192)) == NULL)
		fail_msg("budget: no memory");
	for (i = 0; i < 5; i++)
		len += (size_t)snprintf(msg + len, 8192 - len,
		    "DKIM-Signature: v=1; a=rsa-sha256; d=example.test; "
		    "s=slow%zu; h=from; " BH B64 "\r\n", i);
	(void)sig;
	len += (size_t)snprintf(msg + len, 8192 - len, HDRS "\r\nbody\r\n");
	mauth_dns_budget_init(&b, 100);
	b.max_ms = 200;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((v = verify_mem(msg, len, NULL, &b)) == NULL)
		fail_msg("budget: got verifier error");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	for (i = 0; i < 5; i++)
		check_sig("budget", v, i, MAUTH_DKIM_TEMPERROR, NULL);
	check_sig("budget (last)", v, 4, MAUTH_DKIM_TEMPERROR, "budget");
	if (b.sent > 2 || b.refused < 3)
		fail_msg("budget: got %u sent, %u refused; want <= 2 and >= 3",
		    b.sent, b.refused);
	/* the overshoot is at most one query's wait */
	if (secs > 0.2 + 0.15 + 0.3)
		fail_msg("budget: got %.2f s, want <= 0.65 s", secs);
	dkimv_free(v);
	free(msg);
}

/* ---- threads: one lib, one verifier per message ------------------------ */

static const char *const tnames[] = { "pass-rsa", "pass-ed", "body-changed",
	"missing", "small-key", "l-appended", "big-key", "revoked" };
static const int tresults[] = { MAUTH_DKIM_PASS, MAUTH_DKIM_PASS,
	MAUTH_DKIM_FAIL, MAUTH_DKIM_PERMERROR, MAUTH_DKIM_POLICY,
	MAUTH_DKIM_POLICY, MAUTH_DKIM_PASS, MAUTH_DKIM_PERMERROR };
static char *tmsgs[8];
static size_t tlens[8];

static void *
thread_main(void *arg)
{
	struct dkimv *v;
	size_t i, k, bad = 0;

	(void)arg;
	for (k = 0; k < 40; k++)
		for (i = 0; i < 8; i++) {
			v = verify_mem(tmsgs[i], tlens[i], NULL, NULL);
			if (v == NULL || dkimv_count(v) != 1 ||
			    dkimv_sig(v, 0)->result != tresults[i])
				bad++;
			dkimv_free(v);
		}
	return (void *)bad;
}

static void
test_threads(void **state)
{
	pthread_t th[6];
	char path[512];
	void *ret;
	size_t i, bad = 0;

	(void)state;
	for (i = 0; i < 8; i++) {
		(void)snprintf(path, sizeof(path), FIX "%s.eml", tnames[i]);
		if ((tmsgs[i] = read_file(path, &tlens[i])) == NULL)
			fail_msg("threads: cannot read %s", path);
	}
	for (i = 0; i < 6; i++)
		if (pthread_create(&th[i], NULL, thread_main, NULL) != 0)
			fail_msg("threads: pthread_create failed");
	for (i = 0; i < 6; i++) {
		pthread_join(th[i], &ret);
		bad += (size_t)ret;
	}
	for (i = 0; i < 8; i++)
		free(tmsgs[i]);
	if (bad != 0)
		fail_msg("threads: got %zu wrong results of %d, want 0", bad,
		    6 * 40 * 8);
}

/* ---- helpers: compaction and canonical body length --------------------- */

#define PKCS1_768 "MGgCYQC9KcCXP8erf98CoQbm1sx0e6A2DEIX3cLc0poL03twsY4bfyBUF" \
	"bKl5o2W1UDSvhbxZcBCngVCH4pQXUn1eMyt0ocYDkvy2SOiE+hYct5AJqbNNCUbWtNaQR31" \
	"Lvdac78CAwEAAQ=="
#define SPKI_768 "MHwwDQYJKoZIhvcNAQEBBQADawAwaAJhAL0pwJc/x6t/3wKhBubWzHR7oDY" \
	"MQhfdwtzSmgvTe3Cxjht/IFQVsqXmjZbVQNK+FvFlwEKeBUIfilBdSfV4zK3ShxgOS/LZI6" \
	"IT6Fhy3kAmps00JRta01pBHfUu91pzvwIDAQAB"

struct kcase {
	const char	*name;
	const char	*rec;
	size_t		 max;
	ssize_t		 ret;	/* -1, 0, or 1 = rewritten to want */
	const char	*want;
	bool		 wrapped;
};

static const struct kcase kcases[] = {
	{ "short-as-is", "v=DKIM1; k=rsa; p=" SPKI_768, 1024, 0, NULL, false },
	{ "long-compacted", "v=DKIM1; n=a long note;\r\n\tk=rsa; x9=unknown; "
	  "p=AB CD\r\n EF", 40, 1, "v=DKIM1;k=rsa;p=ABCDEF", false },
	{ "too-long", "v=DKIM1; n=note; k=rsa; p=ABCDEFGHIJ", 10, -1, NULL,
	  false },
	{ "dup-long", "v=DKIM1; p=x; p=y", 10, -1, NULL, false },
	{ "dup-short", "v=DKIM1; p=x; p=y", 100, 0, NULL, false },
	{ "pkcs1-wrapped", "v=DKIM1; k=rsa; p=" PKCS1_768, 1024, 1,
	  "v=DKIM1;k=rsa;p=" SPKI_768, true },
	{ "pkcs1-no-k", "p=" PKCS1_768 "; n=x", 1024, 1, "p=" SPKI_768, true },
	{ "pkcs1-ed25519-untouched", "v=DKIM1; k=ed25519; p=" PKCS1_768, 1024,
	  0, NULL, false },
	{ "revoked", "v=DKIM1; p=", 1024, 0, NULL, false },
};

static void
test_key_rewrite(void **state)
{
	const struct kcase *c;
	char out[1025];
	ssize_t r;
	size_t i;
	bool w;

	(void)state;
	for (i = 0; i < sizeof(kcases) / sizeof(kcases[0]); i++) {
		c = &kcases[i];
		r = dkim_key_rewrite((const uint8_t *)c->rec, strlen(c->rec),
		    c->max, out, sizeof(out), &w);
		if ((c->ret <= 0 && r != c->ret) || (c->ret == 1 && (r <= 0 ||
		    (size_t)r != strlen(c->want) ||
		    memcmp(out, c->want, (size_t)r) != 0)))
			fail_msg("%s: got %zd \"%.*s\", want %zd %s", c->name,
			    r, r > 0 ? (int)r : 0, out, c->ret,
			    c->want != NULL ? c->want : "");
		if (w != c->wrapped)
			fail_msg("%s: got wrapped %d, want %d", c->name, w,
			    c->wrapped);
	}
}

struct blcase {
	const char	*name;
	const char	*body;
	uint64_t	 simple, relaxed;
};

static const struct blcase blcases[] = {
	{ "empty", "", 2, 0 },
	{ "crlf", "\r\n", 2, 0 },
	{ "blank-lines", "\r\n\r\n\r\n", 2, 0 },
	{ "one-line", "abc\r\n", 5, 5 },
	{ "no-final", "abc", 5, 5 },
	{ "trailing-blank", "abc\r\n\r\n\r\n", 5, 5 },
	{ "wsp", "a  b\t \r\n", 8, 5 },
	{ "wsp-only-line", "a\r\n \t\r\n", 7, 3 },
	{ "inner-blank", "a\r\n\r\nb\r\n", 8, 8 },
	{ "lone-cr", "a\rb\r\n", 5, 5 },
};

static void
test_bodylen(void **state)
{
	struct dkim_bodylen b;
	uint64_t s, r;
	size_t i, k, len;

	(void)state;
	for (i = 0; i < sizeof(blcases) / sizeof(blcases[0]); i++) {
		dkim_bodylen_init(&b);
		len = strlen(blcases[i].body);
		/* byte by byte: CR and LF split across chunks */
		for (k = 0; k < len; k++)
			dkim_bodylen_add(&b, (const uint8_t *)blcases[i].body +
			    k, 1);
		dkim_bodylen_final(&b, &s, &r);
		if (s != blcases[i].simple || r != blcases[i].relaxed)
			fail_msg("%s: got simple %llu relaxed %llu, want %llu "
			    "%llu", blcases[i].name, (unsigned long long)s,
			    (unsigned long long)r,
			    (unsigned long long)blcases[i].simple,
			    (unsigned long long)blcases[i].relaxed);
	}
}

static void
test_result_names(void **state)
{
	int i;

	(void)state;
	for (i = MAUTH_DKIM_NONE; i <= MAUTH_DKIM_PERMERROR; i++)
		if (mauth_dkim_result_from_str(mauth_dkim_result_str(i)) != i)
			fail_msg("result %d: got round trip %d, want %d", i,
			    mauth_dkim_result_from_str(
			    mauth_dkim_result_str(i)), i);
	if (mauth_dkim_result_from_str("PermError") != MAUTH_DKIM_PERMERROR ||
	    mauth_dkim_result_from_str("bogus") != -1)
		fail_msg("result names: got wrong parse of PermError/bogus");
}

static int
setup(void **state)
{
	struct mauth_dns_backend be;
	char err[256];

	(void)state;
	if (mauth_resolver_new_zone(FIX "unit.zone", &zone, err,
	    sizeof(err)) != MAUTH_OK) {
		print_error("zone: %s\n", err);
		return -1;
	}
	memset(&be, 0, sizeof(be));
	be.query = wrap_query;
	if (mauth_resolver_new_custom(&be, &res) != MAUTH_OK)
		return -1;
	if (dkimv_lib_new(&lib, err, sizeof(err)) != MAUTH_OK) {
		print_error("lib: %s\n", err);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	dkimv_lib_free(lib);
	mauth_resolver_free(res);
	mauth_resolver_free(zone);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_result_names),
		cmocka_unit_test(test_key_rewrite),
		cmocka_unit_test(test_bodylen),
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_properties),
		cmocka_unit_test(test_bare_lf),
		cmocka_unit_test(test_screen),
		cmocka_unit_test(test_hostile_fields),
		cmocka_unit_test(test_pairing),
		cmocka_unit_test(test_thousand),
		cmocka_unit_test(test_dns_time_budget),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
