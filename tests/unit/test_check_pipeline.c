/*
 * test_check_pipeline.c - the per-message pipeline (src/lib/check) on the
 * sample messages of testdata/verify with the zone resolver of
 * testdata/verify/sample.zone:
 *   - expected SPF / DKIM / DMARC results per message (README.md there);
 *   - the Authentication-Results value parses back (mauth_authres_parse)
 *     to the same results, with no spf resinfo when SPF was not evaluated;
 *   - the same results whatever the feeding: write() whole, in 1-byte
 *     chunks, in random chunks, or header()+eoh()+body(); also with bare LF;
 *   - SPF pass for bank.test makes 03-tampered-body pass DMARC;
 *   - API misuse and limits (max_signatures, max_headers, DNS budget).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mauth/authres.h"
#include "mauth/check.h"
#include "mauth/message.h"

#define ZONE	TESTDATA "/verify/sample.zone"
#define MSGDIR	TESTDATA "/verify/messages/"
#define MAXMSG	(1024 * 1024)

struct tcase {
	const char	*name;
	const char	*file;
	const char	*ip;		/* NULL: SPF not evaluated */
	const char	*mail_from;
	const char	*spf;		/* expected SPF result word or NULL */
	const char	*dkim;		/* results joined by ',' ("" unsigned) */
	const char	*dmarc;
	bool		 from_problem;
};

static const struct tcase cases[] = {
	{ "01-pass-rsa", "01-pass-rsa.eml", NULL, NULL, NULL, "pass", "pass",
	    false },
	{ "02-two-signatures", "02-pass-rsa-and-ed25519.eml", NULL, NULL,
	    NULL, "pass,pass", "pass", false },
	{ "03-tampered", "03-tampered-body.eml", NULL, NULL, NULL, "fail",
	    "fail", false },
	{ "03-tampered-spf-aligned", "03-tampered-body.eml", "192.0.2.25",
	    "alice@bank.test", "pass", "fail", "pass", false },
	{ "03-tampered-spf-fail", "03-tampered-body.eml", "203.0.113.9",
	    "alice@bank.test", "fail", "fail", "fail", false },
	{ "04-spoofed", "04-spoofed-from.eml", NULL, NULL, NULL, "pass",
	    "fail", false },
	{ "04-spoofed-spf-evil", "04-spoofed-from.eml", "192.0.2.25",
	    "x@evil.test", "fail", "pass", "fail", false },
	{ "05-relaxed", "05-relaxed-alignment.eml", NULL, NULL, NULL, "pass",
	    "pass", false },
	{ "06-unsigned", "06-unsigned-quarantine.eml", NULL, NULL, NULL, "",
	    "fail", false },
	{ "06-unsigned-spf-shop", "06-unsigned-quarantine.eml",
	    "198.51.100.7", "shop@shop.test", "pass", "", "pass", false },
	{ "07-no-from", "07-no-from.eml", NULL, NULL, NULL, "", "none",
	    true },
	{ "08-two-from", "08-two-from.eml", NULL, NULL, NULL, "",
	    "permerror", true },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

enum feed { FEED_WHOLE, FEED_BYTES, FEED_RANDOM, FEED_FIELDS, FEED_BARE_LF,
	FEED_COUNT };
static const char *const feed_names[] = { "whole", "1-byte", "random",
	"fields", "bare-lf" };

struct fixture {
	struct mauth_resolver	*r;
	struct mauth_ctx	*ctx;
};

/* read_file - the whole file into a new buffer */
static char *
read_file(const char *path, size_t *len)
{
	FILE *fp;
	char *buf;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	if ((buf = malloc(MAXMSG)) == NULL) {
		fclose(fp);
		return NULL;
	}
	*len = fread(buf, 1, MAXMSG, fp);
	fclose(fp);
	return buf;
}

/* to_bare_lf - CRLF -> LF in place */
static size_t
to_bare_lf(char *buf, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n')
			continue;
		buf[o++] = buf[i];
	}
	return o;
}

/* feed_fields - split the header block ourselves, as a milter would */
static int
feed_fields(struct mauth_check *chk, const char *m, size_t len)
{
	size_t i = 0, start, colon, end, body;
	int rc;

	for (;;) {
		if (i >= len)
			return mauth_check_eoh(chk);
		if (m[i] == '\n' || (m[i] == '\r' && i + 1 < len &&
		    m[i + 1] == '\n')) {
			body = i + (m[i] == '\r' ? 2 : 1);
			break;
		}
		start = i;
		/* the field runs to a line not starting with WSP */
		for (end = i; end < len; end++)
			if (m[end] == '\n' && (end + 1 >= len ||
			    (m[end + 1] != ' ' && m[end + 1] != '\t')))
				break;
		for (colon = start; colon < end && m[colon] != ':'; colon++)
			;
		if (colon == end)
			return -100;
		if ((rc = mauth_check_header(chk, m + start, colon - start,
		    m + colon + 1, end - colon - 1)) != MAUTH_OK)
			return rc;
		i = end + 1;
	}
	if ((rc = mauth_check_eoh(chk)) != MAUTH_OK)
		return rc;
	return mauth_check_body(chk, m + body, len - body);
}

/* run - one message through the pipeline with the given feeding */
static struct mauth_check *
run(struct fixture *fx, const struct tcase *c, int how, unsigned seed)
{
	struct mauth_check *chk = NULL;
	char path[512], *m;
	size_t len = 0, off, n;
	int rc;

	snprintf(path, sizeof(path), "%s%s", MSGDIR, c->file);
	if ((m = read_file(path, &len)) == NULL)
		fail_msg("%s: cannot read %s", c->name, path);
	if (how == FEED_BARE_LF)
		len = to_bare_lf(m, len);
	if ((rc = mauth_check_new(fx->ctx, &chk)) != MAUTH_OK)
		fail_msg("%s: mauth_check_new: got %d, want 0", c->name, rc);
	if (c->ip != NULL) {
		if ((rc = mauth_check_set_client(chk, c->ip,
		    "mail.client.test")) != MAUTH_OK ||
		    (rc = mauth_check_set_mail_from(chk, c->mail_from)) !=
		    MAUTH_OK)
			fail_msg("%s: envelope: got %d, want 0", c->name, rc);
	}
	srand(seed);
	rc = MAUTH_OK;
	switch (how) {
	case FEED_FIELDS:
		rc = feed_fields(chk, m, len);
		break;
	case FEED_BYTES:
		for (off = 0; off < len && rc == MAUTH_OK; off++)
			rc = mauth_check_write(chk, m + off, 1);
		break;
	case FEED_RANDOM:
		for (off = 0; off < len && rc == MAUTH_OK; off += n) {
			n = 1 + (size_t)rand() % 97;
			if (n > len - off)
				n = len - off;
			rc = mauth_check_write(chk, m + off, n);
		}
		break;
	default:
		rc = mauth_check_write(chk, m, len);
		break;
	}
	free(m);
	if (rc != MAUTH_OK)
		fail_msg("%s/%s: feeding: got %d, want 0", c->name,
		    feed_names[how], rc);
	if ((rc = mauth_check_eom(chk)) != MAUTH_OK)
		fail_msg("%s/%s: eom: got %d, want 0", c->name,
		    feed_names[how], rc);
	return chk;
}

/* dkim_list - results joined by ',' */
static void
dkim_list(const struct mauth_check *chk, char *out, size_t outlen)
{
	size_t i, o = 0;
	const struct mauth_dkim_sig *s;

	out[0] = '\0';
	for (i = 0; i < mauth_check_dkim_count(chk); i++) {
		s = mauth_check_dkim(chk, i);
		o += (size_t)snprintf(out + o, outlen - o, "%s%s",
		    i > 0 ? "," : "", mauth_dkim_result_str(s->result));
		if (o >= outlen)
			break;
	}
}

/* check_authres - the A-R line parses back to the same results */
static void
check_authres(const char *name, const struct mauth_check *chk)
{
	struct mauth_authres *ar = NULL;
	const struct mauth_authres_result *r;
	const char *line = mauth_check_authres_line(chk);
	const char *folded = mauth_check_authres(chk);
	char err[256], dk[256], got[256];
	size_t i, o = 0, nspf = 0, ndmarc = 0;
	int rc;

	if (line == NULL || folded == NULL)
		fail_msg("%s: no A-R text", name);
	if ((rc = mauth_authres_parse(folded, strlen(folded), &ar, err,
	    sizeof(err))) != MAUTH_OK)
		fail_msg("%s: folded A-R does not parse (%s): %s", name, err,
		    folded);
	mauth_authres_free(ar);
	if ((rc = mauth_authres_parse(line, strlen(line), &ar, err,
	    sizeof(err))) != MAUTH_OK)
		fail_msg("%s: A-R does not parse (%s): %s", name, err, line);
	if (strcmp(mauth_authres_authserv_id(ar), "mx.test") != 0)
		fail_msg("%s: authserv-id: got %s, want mx.test", name,
		    mauth_authres_authserv_id(ar));
	got[0] = '\0';
	for (i = 0; i < mauth_authres_nresults(ar); i++) {
		r = mauth_authres_result(ar, i);
		if (strcmp(r->method, "spf") == 0) {
			nspf++;
			if (mauth_check_spf(chk) == NULL ||
			    strcmp(r->result, mauth_spf_result_str(
			    mauth_spf_eval_result(mauth_check_spf(chk)))) != 0)
				fail_msg("%s: A-R spf=%s does not match", name,
				    r->result);
			if (mauth_authres_prop_value(r, "smtp", "mailfrom") ==
			    NULL)
				fail_msg("%s: A-R spf without smtp.mailfrom",
				    name);
		} else if (strcmp(r->method, "dkim") == 0) {
			if (mauth_check_dkim_count(chk) == 0 &&
			    strcmp(r->result, "none") == 0)
				continue;
			o += (size_t)snprintf(got + o, sizeof(got) - o, "%s%s",
			    o > 0 ? "," : "", r->result);
			if (mauth_authres_prop_value(r, "header", "d") == NULL ||
			    mauth_authres_prop_value(r, "header", "s") == NULL ||
			    mauth_authres_prop_value(r, "header", "b") == NULL)
				fail_msg("%s: A-R dkim without header.d/s/b",
				    name);
		} else if (strcmp(r->method, "dmarc") == 0) {
			ndmarc++;
			if (strcmp(r->result, mauth_dmarc_result_str(
			    mauth_check_dmarc_result(chk))) != 0)
				fail_msg("%s: A-R dmarc: got %s, want %s", name,
				    r->result, mauth_dmarc_result_str(
				    mauth_check_dmarc_result(chk)));
			if (mauth_check_dmarc(chk) != NULL &&
			    mauth_authres_prop_value(r, "header", "from") ==
			    NULL)
				fail_msg("%s: A-R dmarc without header.from",
				    name);
			if (mauth_check_spf(chk) == NULL && (r->comment == NULL ||
			    strstr(r->comment, "spf not evaluated") == NULL))
				fail_msg("%s: A-R dmarc: got comment %s, want "
				    "'spf not evaluated'", name,
				    r->comment != NULL ? r->comment : "NULL");
		}
	}
	dkim_list(chk, dk, sizeof(dk));
	if (strcmp(got, dk) != 0)
		fail_msg("%s: A-R dkim results: got %s, want %s", name, got,
		    dk);
	if (nspf != (mauth_check_spf(chk) != NULL ? 1u : 0u))
		fail_msg("%s: A-R spf entries: got %zu, want %d", name, nspf,
		    mauth_check_spf(chk) != NULL);
	if (ndmarc != 1)
		fail_msg("%s: A-R dmarc entries: got %zu, want 1", name,
		    ndmarc);
	mauth_authres_free(ar);
}

/* verdict - "spf|dkim|dmarc|from" as one comparable string */
static void
verdict(const struct mauth_check *chk, char *out, size_t outlen)
{
	char dk[256];
	const struct mauth_spf_eval *spf = mauth_check_spf(chk);

	dkim_list(chk, dk, sizeof(dk));
	snprintf(out, outlen, "%s|%s|%s|%s", spf != NULL ?
	    mauth_spf_result_str(mauth_spf_eval_result(spf)) : "-", dk,
	    mauth_dmarc_result_str(mauth_check_dmarc_result(chk)),
	    mauth_check_from_problem(chk) != NULL ? "problem" : "ok");
}

static int
setup(void **state)
{
	struct fixture *fx;
	struct mauth_ctx_options o;
	char err[512];

	if ((fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	if (mauth_resolver_new_zone(ZONE, &fx->r, err, sizeof(err)) !=
	    MAUTH_OK) {
		print_error("zone: %s\n", err);
		free(fx);
		return -1;
	}
	mauth_ctx_options_init(&o);
	o.authserv_id = "mx.test";
	if (mauth_ctx_new(&o, fx->r, &fx->ctx, err, sizeof(err)) != MAUTH_OK) {
		print_error("ctx: %s\n", err);
		mauth_resolver_free(fx->r);
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	mauth_ctx_free(fx->ctx);
	mauth_resolver_free(fx->r);
	free(fx);
	return 0;
}

/* every sample, every feeding: the expected results, the same each time */
static void
test_samples(void **state)
{
	struct fixture *fx = *state;
	const struct tcase *c;
	struct mauth_check *chk;
	char want[512], got[512], first[512], name[128];
	size_t i;
	int how;

	for (i = 0; i < NCASES; i++) {
		c = &cases[i];
		snprintf(want, sizeof(want), "%s|%s|%s|%s",
		    c->spf != NULL ? c->spf : "-", c->dkim, c->dmarc,
		    c->from_problem ? "problem" : "ok");
		first[0] = '\0';
		for (how = 0; how < FEED_COUNT; how++) {
			snprintf(name, sizeof(name), "%s/%s", c->name,
			    feed_names[how]);
			chk = run(fx, c, how, 1234u + (unsigned)i);
			verdict(chk, got, sizeof(got));
			if (strcmp(got, want) != 0)
				fail_msg("%s: got %s, want %s", name, got,
				    want);
			check_authres(name, chk);
			if (how == 0)
				snprintf(first, sizeof(first), "%s",
				    mauth_check_authres(chk));
			else if (strcmp(first, mauth_check_authres(chk)) != 0)
				fail_msg("%s: A-R differs from the whole-write "
				    "one:\n%s\n%s", name,
				    mauth_check_authres(chk), first);
			if ((c->ip == NULL) !=
			    (mauth_check_spf_problem(chk) != NULL))
				fail_msg("%s: spf_problem: got %s", name,
				    mauth_check_spf_problem(chk) != NULL ?
				    mauth_check_spf_problem(chk) : "NULL");
			mauth_check_free(chk);
		}
	}
}

/* a null reverse-path: postmaster@HELO, reported as smtp.helo */
static void
test_null_sender(void **state)
{
	struct fixture *fx = *state;
	struct mauth_check *chk;
	const char *ar;
	int rc;

	if ((rc = mauth_check_new(fx->ctx, &chk)) != MAUTH_OK)
		fail_msg("null-sender: new: got %d", rc);
	if ((rc = mauth_check_set_client(chk, "192.0.2.25",
	    "bank.test")) != MAUTH_OK ||
	    (rc = mauth_check_set_mail_from(chk, "")) != MAUTH_OK)
		fail_msg("null-sender: envelope: got %d, want 0", rc);
	if ((rc = mauth_check_write(chk, "From: a@bank.test\r\n\r\nx\r\n",
	    24)) != MAUTH_OK || (rc = mauth_check_eom(chk)) != MAUTH_OK)
		fail_msg("null-sender: feed: got %d, want 0", rc);
	if (mauth_check_spf(chk) == NULL ||
	    mauth_spf_eval_result(mauth_check_spf(chk)) != MAUTH_SPF_PASS)
		fail_msg("null-sender: spf: want pass for HELO bank.test");
	if (strcmp(mauth_spf_eval_sender(mauth_check_spf(chk)),
	    "postmaster@bank.test") != 0)
		fail_msg("null-sender: sender: got %s, want "
		    "postmaster@bank.test",
		    mauth_spf_eval_sender(mauth_check_spf(chk)));
	if (mauth_check_spf_helo(chk) != mauth_check_spf(chk))
		fail_msg("null-sender: the HELO result is the MAIL FROM one");
	ar = mauth_check_authres_line(chk);
	if (strstr(ar, "smtp.helo=bank.test") == NULL)
		fail_msg("null-sender: got %s, want smtp.helo=bank.test", ar);
	/* DMARC: SPF of the HELO domain aligns (RFC 9989) */
	if (mauth_check_dmarc_result(chk) != MAUTH_DMARC_PASS)
		fail_msg("null-sender: dmarc: got %s, want pass",
		    mauth_dmarc_result_str(mauth_check_dmarc_result(chk)));
	mauth_check_free(chk);
}

/* misuse: wrong order, mixing write() and header(), bad IP */
static void
test_misuse(void **state)
{
	struct fixture *fx = *state;
	struct mauth_check *chk;
	int rc;

	if (mauth_check_new(fx->ctx, &chk) != MAUTH_OK)
		fail_msg("misuse: new");
	if ((rc = mauth_check_set_client(chk, "192.0.2.300", NULL)) !=
	    MAUTH_ERR_INVAL)
		fail_msg("bad-ip: got %d, want %d", rc, MAUTH_ERR_INVAL);
	if ((rc = mauth_check_header(chk, "From", 4, " a@b.test", 9)) !=
	    MAUTH_OK)
		fail_msg("header: got %d, want 0", rc);
	if ((rc = mauth_check_write(chk, "x", 1)) != MAUTH_ERR_INVAL)
		fail_msg("write-after-header: got %d, want %d", rc,
		    MAUTH_ERR_INVAL);
	if ((rc = mauth_check_set_mail_from(chk, "a@b.test")) !=
	    MAUTH_ERR_INVAL)
		fail_msg("mail-from-after-header: got %d, want %d", rc,
		    MAUTH_ERR_INVAL);
	if ((rc = mauth_check_body(chk, "x", 1)) != MAUTH_ERR_INVAL)
		fail_msg("body-before-eoh: got %d, want %d", rc,
		    MAUTH_ERR_INVAL);
	if ((rc = mauth_check_eom(chk)) != MAUTH_OK)
		fail_msg("eom: got %d, want 0", rc);
	if ((rc = mauth_check_eom(chk)) != MAUTH_ERR_INVAL)
		fail_msg("eom-twice: got %d, want %d", rc, MAUTH_ERR_INVAL);
	mauth_check_free(chk);
	mauth_check_free(NULL);
	mauth_ctx_free(NULL);
}

/* build - a message of n DKIM-Signature fields then a From field */
static char *
build_sigs(size_t n, size_t *len)
{
	static const char sig[] = "DKIM-Signature: v=1; a=rsa-sha256; "
	    "d=bank.test; s=rsa1; c=relaxed/relaxed; h=from; bh=AAAA; "
	    "b=AAAA\r\n";
	static const char rest[] = "From: a@bank.test\r\n\r\nbody\r\n";
	char *m;
	size_t i, o = 0;

	if ((m = malloc(n * (sizeof(sig) - 1) + sizeof(rest))) == NULL)
		return NULL;
	for (i = 0; i < n; i++, o += sizeof(sig) - 1)
		memcpy(m + o, sig, sizeof(sig) - 1);
	memcpy(m + o, rest, sizeof(rest));
	*len = o + sizeof(rest) - 1;
	return m;
}

/* limits: signatures over the cap cost no DNS; too many header fields */
static void
test_limits(void **state)
{
	struct fixture *fx = *state;
	struct mauth_check *chk;
	const struct mauth_dns_budget *b;
	char *m;
	size_t len, i, checked = 0;
	int rc;

	if ((m = build_sigs(200, &len)) == NULL)
		fail_msg("limits: ENOMEM");
	if (mauth_check_new(fx->ctx, &chk) != MAUTH_OK)
		fail_msg("limits: new");
	if ((rc = mauth_check_write(chk, m, len)) != MAUTH_OK ||
	    (rc = mauth_check_eom(chk)) != MAUTH_OK)
		fail_msg("200-sigs: got %d, want 0", rc);
	free(m);
	if (mauth_check_dkim_count(chk) != 200)
		fail_msg("200-sigs: count: got %zu, want 200",
		    mauth_check_dkim_count(chk));
	for (i = 0; i < mauth_check_dkim_count(chk); i++)
		if (mauth_check_dkim(chk, i)->checked)
			checked++;
	if (checked != 5)
		fail_msg("200-sigs: checked: got %zu, want 5", checked);
	b = mauth_check_dns_budget(chk);
	/* the key once (then cached or not), DMARC at most a walk */
	if (b->queries > 5 + 8)
		fail_msg("200-sigs: DNS queries: got %u, want <= 13",
		    b->queries);
	if (mauth_check_limit_hit(chk) == NULL ||
	    strstr(mauth_check_limit_hit(chk), "DKIM signatures") == NULL)
		fail_msg("200-sigs: limit: got %s, want the signature cap",
		    mauth_check_limit_hit(chk) != NULL ?
		    mauth_check_limit_hit(chk) : "NULL");
	if (strlen(mauth_check_authres_line(chk)) > MAUTH_AUTHRES_MAX_INPUT)
		fail_msg("200-sigs: A-R too long");
	mauth_check_free(chk);

	/* 1,200 header fields: the limit of 1,000 is reported */
	if ((m = build_sigs(1200, &len)) == NULL)
		fail_msg("limits: ENOMEM");
	if (mauth_check_new(fx->ctx, &chk) != MAUTH_OK)
		fail_msg("limits: new");
	if ((rc = mauth_check_write(chk, m, len)) != MAUTH_OK ||
	    (rc = mauth_check_eom(chk)) != MAUTH_OK)
		fail_msg("1200-fields: got %d, want 0", rc);
	free(m);
	if (mauth_check_limit_hit(chk) == NULL ||
	    strstr(mauth_check_limit_hit(chk), "1000") == NULL)
		fail_msg("1200-fields: limit: got %s, want 1000 fields",
		    mauth_check_limit_hit(chk) != NULL ?
		    mauth_check_limit_hit(chk) : "NULL");
	mauth_check_free(chk);
}

/* a DNS budget of 1 query: the rest is refused and reported */
static void
test_budget(void **state)
{
	struct fixture *fx = *state;
	struct mauth_ctx_options o;
	struct mauth_ctx *ctx;
	struct mauth_check *chk;
	char err[256], path[512], *m;
	size_t len = 0;
	int rc;

	mauth_ctx_options_init(&o);
	o.authserv_id = "mx.test";
	o.max_dns_queries = 1;
	if ((rc = mauth_ctx_new(&o, fx->r, &ctx, err, sizeof(err))) !=
	    MAUTH_OK)
		fail_msg("budget: ctx: %s", err);
	snprintf(path, sizeof(path), "%s01-pass-rsa.eml", MSGDIR);
	if ((m = read_file(path, &len)) == NULL)
		fail_msg("budget: read");
	if (mauth_check_new(ctx, &chk) != MAUTH_OK ||
	    mauth_check_write(chk, m, len) != MAUTH_OK ||
	    mauth_check_eom(chk) != MAUTH_OK)
		fail_msg("budget: pipeline failed");
	free(m);
	if (mauth_check_dns_budget(chk)->queries > 1)
		fail_msg("budget: queries: got %u, want <= 1",
		    mauth_check_dns_budget(chk)->queries);
	if (mauth_check_dmarc_result(chk) == MAUTH_DMARC_PASS &&
	    mauth_check_dkim(chk, 0)->result == MAUTH_DKIM_PASS)
		fail_msg("budget: DKIM and DMARC cannot both pass on 1 query");
	if (mauth_check_limit_hit(chk) == NULL)
		fail_msg("budget: limit: got NULL, want the DNS budget");
	mauth_check_free(chk);
	mauth_ctx_free(ctx);
}

#define NTHREADS	4
#define NROUNDS		25

struct tjob {
	struct fixture	*fx;
	unsigned	 bad;
	char		 why[1200];
};

/* thread_main - every case NROUNDS times on the shared context */
static void *
thread_main(void *arg)
{
	struct tjob *j = arg;
	const struct tcase *c;
	struct mauth_check *chk;
	char want[512], got[512];
	size_t i, k;

	for (k = 0; k < NROUNDS; k++)
		for (i = 0; i < NCASES; i++) {
			c = &cases[i];
			snprintf(want, sizeof(want), "%s|%s|%s|%s",
			    c->spf != NULL ? c->spf : "-", c->dkim, c->dmarc,
			    c->from_problem ? "problem" : "ok");
			chk = run(j->fx, c, (int)((i + k) % FEED_COUNT),
			    (unsigned)(i * 31 + k));
			verdict(chk, got, sizeof(got));
			if (strcmp(got, want) != 0 && j->bad++ == 0)
				snprintf(j->why, sizeof(j->why), "%s: got %s, "
				    "want %s", c->name, got, want);
			mauth_check_free(chk);
		}
	return NULL;
}

/* one context shared by threads (the milter's shape) gives the same results */
static void
test_threads(void **state)
{
	struct tjob jobs[NTHREADS];
	pthread_t tid[NTHREADS];
	size_t i;

	memset(jobs, 0, sizeof(jobs));
	for (i = 0; i < NTHREADS; i++) {
		jobs[i].fx = *state;
		if (pthread_create(&tid[i], NULL, thread_main, &jobs[i]) != 0)
			fail_msg("threads: pthread_create failed");
	}
	for (i = 0; i < NTHREADS; i++)
		pthread_join(tid[i], NULL);
	for (i = 0; i < NTHREADS; i++)
		if (jobs[i].bad > 0)
			fail_msg("threads: thread %zu: %u wrong, first %s", i,
			    jobs[i].bad, jobs[i].why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_null_sender),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
