/*
 * test_sign_verify.c - DKIM signing (src/lib/dkim/sign.c) checked by our
 * verifier (dkimv_*, libopendkim underneath) over a zone built from
 * mauth_key_dns_record(): every algorithm x canonicalization x body shape
 * passes; tampered copies fail; two signatures in one pass share one body
 * hash; l=; bad configurations and messages are refused with a reason.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mauth/dkim.h"
#include "mauth/dns.h"
#include "mauth/sign.h"
#include "dkim/dkim_int.h"
#include "dkim/sign_int.h"
#include "util/buf.h"

#define KEYS	TESTDATA "/dkim/keys/"
#define DOMAIN	"example.org"

static struct dkimv_lib *lib;
static struct mauth_resolver *zone;
static struct mauth_key *rsa, *ed, *rsa4k;

/* ---- messages ----------------------------------------------------------- */

struct shape {
	const char	*name;
	char		*body;	/* CRLF unless the shape says bare LF */
	size_t		 len;
	bool		 lf;	/* the whole message uses bare LF */
};

static const char *hdrs_crlf =
    "From: Alice <alice@example.org>\r\n"
    "To: Bob <bob@example.net>\r\n"
    "Subject: a test\r\n"
    "\tfolded over two lines  \r\n"
    "Date: Thu, 26 Nov 2026 15:00:00 +0000\r\n"
    "Message-ID: <1@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "X-Unsigned: whatever\r\n"
    "\r\n";

/* to_lf - a copy of s[0..len) with CRLF turned into LF */
static char *
to_lf(const char *s, size_t len, size_t *outlen)
{
	char *o = malloc(len + 1);
	size_t i, n = 0;

	if (o == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		if (!(s[i] == '\r' && i + 1 < len && s[i + 1] == '\n'))
			o[n++] = s[i];
	o[n] = '\0';
	*outlen = n;
	return o;
}

/* message - headers + body; LF form when lf */
static char *
message(const char *body, size_t blen, bool lf, size_t *len)
{
	struct buf b;
	char *m, *l;

	buf_init(&b, 0);
	buf_puts(&b, hdrs_crlf);
	buf_append(&b, body, blen);
	*len = b.len;
	m = buf_take(&b);
	if (!lf || m == NULL)
		return m;
	l = to_lf(m, *len, len);
	free(m);
	return l;
}

/*
 * split_feed - feed msg[0..len) (CRLF or LF) to the signer and/or the
 * verifier: header fields one by one, the body in chunks of chunk bytes
 */
static int
split_feed(const char *msg, size_t len, struct mauth_signer *s,
    struct dkimv *v, size_t chunk)
{
	size_t i = 0, start, colon, eol, n;

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
		if (colon >= i)
			return -1;
		if (s != NULL && mauth_signer_header(s, msg + start,
		    colon - start, msg + colon + 1, i - colon - 1) != MAUTH_OK)
			return -1;
		if (v != NULL && dkimv_header(v, msg + start, colon - start,
		    msg + colon + 1, i - colon - 1) != MAUTH_OK)
			return -1;
	}
	if (v != NULL && dkimv_eoh(v) != MAUTH_OK)
		return -1;
	while (i < len) {
		n = len - i < chunk ? len - i : chunk;
		if (s != NULL && mauth_signer_body(s, msg + i, n) != MAUTH_OK)
			return -1;
		if (v != NULL && dkimv_body(v, msg + i, n) != MAUTH_OK)
			return -1;
		i += n;
	}
	if (v != NULL && dkimv_eom(v) != MAUTH_OK)
		return -1;
	return 0;
}

/*
 * sign - sign msg with cfg[0..n); returns the signed message (fields
 * prepended, in the message's line-end style) or NULL with fail_msg
 */
static char *
sign(const char *name, const struct mauth_sign_config *cfg, size_t n,
    const char *msg, size_t len, bool lf, size_t *outlen, size_t *nbody)
{
	struct mauth_signer *s;
	char err[256];
	struct buf b;
	size_t i;

	if (mauth_signer_new(cfg, n, &s, err, sizeof(err)) != MAUTH_OK)
		fail_msg("%s: signer_new: got %s, want success", name, err);
	if (split_feed(msg, len, s, NULL, 4093) != 0)
		fail_msg("%s: feeding the signer failed", name);
	if (mauth_signer_finish(s, err, sizeof(err)) != MAUTH_OK)
		fail_msg("%s: finish: got %s, want success", name, err);
	if (mauth_signer_count(s) != n)
		fail_msg("%s: got %zu fields, want %zu", name,
		    mauth_signer_count(s), n);
	if (nbody != NULL)
		*nbody = sign_nbody(s);
	buf_init(&b, 0);
	for (i = 0; i < n; i++) {
		buf_puts(&b, lf ? mauth_signer_field_lf(s, i) :
		    mauth_signer_field(s, i));
		buf_puts(&b, lf ? "\n" : "\r\n");
	}
	buf_append(&b, msg, len);
	mauth_signer_free(s);
	*outlen = b.len;
	return buf_take(&b);
}

/* verify - results of our verifier over msg; fills res[0..max) */
static size_t
verify(const char *name, const char *msg, size_t len, int *res, size_t max)
{
	struct dkimv_options o;
	struct dkimv *v;
	size_t i, n;

	dkimv_options_init(&o);
	if (dkimv_new(lib, zone, NULL, &o, &v) != MAUTH_OK)
		fail_msg("%s: dkimv_new failed", name);
	if (split_feed(msg, len, NULL, v, 7001) != 0)
		fail_msg("%s: feeding the verifier failed", name);
	n = dkimv_count(v);
	for (i = 0; i < n && i < max; i++) {
		res[i] = dkimv_sig(v, i)->result;
		if (res[i] != MAUTH_DKIM_PASS)
			print_message("%s: sig %zu: %s\n", name, i,
			    dkimv_sig(v, i)->reason);
	}
	dkimv_free(v);
	return n;
}

/* want_all - every signature of msg has result want */
static void
want_all(const char *name, const char *msg, size_t len, size_t nsig, int want)
{
	int res[8];
	size_t i, n;

	n = verify(name, msg, len, res, 8);
	if (n != nsig)
		fail_msg("%s: got %zu results, want %zu", name, n, nsig);
	for (i = 0; i < n; i++)
		if (res[i] != want)
			fail_msg("%s: signature %zu: got %s, want %s\n%.*s",
			    name, i, mauth_dkim_result_str(res[i]),
			    mauth_dkim_result_str(want), (int)(len < 1500 ?
			    len : 1500), msg);
}

static void
config(struct mauth_sign_config *c, struct mauth_key *k, const char *sel,
    int hc, int bc)
{
	mauth_sign_config_init(c);
	c->domain = DOMAIN;
	c->selector = sel;
	c->key = k;
	c->header_canon = hc;
	c->body_canon = bc;
	c->timestamp = -1;	/* libopendkim: no clock skew questions */
}

/* ---- body shapes ------------------------------------------------------- */

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static struct shape shapes[8];
static size_t nshapes;

static void
add_shape(const char *name, const char *body, size_t len, bool lf)
{
	shapes[nshapes].name = name;
	shapes[nshapes].body = malloc(len + 1);
	memcpy(shapes[nshapes].body, body, len);
	shapes[nshapes].body[len] = '\0';
	shapes[nshapes].len = len;
	shapes[nshapes].lf = lf;
	nshapes++;
}

static void
make_shapes(void)
{
	struct buf b;
	size_t i, j;

	add_shape("empty", "", 0, false);
	add_shape("blank lines only", "\r\n\r\n\r\n\r\n", 8, false);
	add_shape("no final newline", "Hello\r\n\r\nWorld", 14, false);
	add_shape("trailing white space",
	    "Hello  \t\r\n \t \r\nWorld \r\n\t\r\n\r\n", 29, false);
	buf_init(&b, 0);
	for (i = 0; i < 3; i++) {
		for (j = 0; j < 2000; j++)
			buf_putc(&b, (char)('a' + (i + j) % 26));
		buf_puts(&b, "\r\n");
	}
	add_shape("2000-byte lines", b.data, b.len, false);
	buf_free(&b);
	add_shape("utf-8", "Gr\xc3\xbc\xc3\x9f" "e, \xe6\x97\xa5\xe6\x9c\xac"
	    "\r\n\xe2\x82\xac 10\r\n", 21, false);
	add_shape("bare LF", "line one\n\nline  three \n\n\n", 26, true);
	buf_init(&b, 0);
	buf_puts(&b, "--b\r\nContent-Type: application/octet-stream\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n");
	for (i = 0; b.len < 1024 * 1024; i++) {
		for (j = 0; j < 76; j++)
			buf_putc(&b, b64chars[(i * 7 + j * 13) % 64]);
		buf_puts(&b, "\r\n");
	}
	buf_puts(&b, "--b--\r\n");
	add_shape("1 MB attachment", b.data, b.len, false);
	buf_free(&b);
}

/* ---- tests ------------------------------------------------------------ */

static const char *canon_name[2] = { "simple", "relaxed" };

/* test_matrix - algorithm x canonicalizations x bodies: all pass */
static void
test_matrix(void **state)
{
	struct { const char *name; struct mauth_key **k; const char *sel; }
	    keys[] = {
		{ "rsa-2048", &rsa, "rsa" },
		{ "ed25519", &ed, "ed" },
		{ "rsa-4096", &rsa4k, "rsa4k" },
	};
	struct mauth_sign_config c;
	char name[160], *msg, *signed_msg;
	size_t ki, hc, bc, si, len, slen;

	(void)state;
	for (ki = 0; ki < 3; ki++)
		for (hc = 0; hc < 2; hc++)
			for (bc = 0; bc < 2; bc++)
				for (si = 0; si < nshapes; si++) {
		if (ki == 2 && si != 0 && si != 6)
			continue;	/* 4096: two shapes are enough */
		snprintf(name, sizeof(name), "%s %s/%s %s", keys[ki].name,
		    canon_name[hc], canon_name[bc], shapes[si].name);
		config(&c, *keys[ki].k, keys[ki].sel, (int)hc, (int)bc);
		msg = message(shapes[si].body, shapes[si].len, shapes[si].lf,
		    &len);
		signed_msg = sign(name, &c, 1, msg, len, shapes[si].lf, &slen,
		    NULL);
		want_all(name, signed_msg, slen, 1, MAUTH_DKIM_PASS);
		free(signed_msg);
		free(msg);
	}
}

/* tamper - sign, change, verify: fail */
static void
tamper_one(const char *name, struct mauth_key *k, const char *sel, int hc,
    int bc, const char *from, const char *to, bool prepend)
{
	struct mauth_sign_config c;
	char *msg, *sm, *p;
	size_t len, slen;
	struct buf b;

	config(&c, k, sel, hc, bc);
	msg = message("Hello world\r\nsecond line\r\n", 26, false, &len);
	sm = sign(name, &c, 1, msg, len, false, &slen, NULL);
	want_all(name, sm, slen, 1, MAUTH_DKIM_PASS);
	buf_init(&b, 0);
	if (prepend) {
		/* a field added above the signed ones */
		p = strstr(sm, "\r\nFrom:") + 2;
		buf_append(&b, sm, (size_t)(p - sm));
		buf_puts(&b, to);
		buf_puts(&b, p);
	} else {
		p = strstr(sm, from);
		if (p == NULL)
			fail_msg("%s: %s not found", name, from);
		buf_append(&b, sm, (size_t)(p - sm));
		buf_puts(&b, to);
		buf_puts(&b, p + strlen(from));
	}
	want_all(name, b.data, b.len, 1, MAUTH_DKIM_FAIL);
	buf_free(&b);
	free(sm);
	free(msg);
}

static void
test_tampered(void **state)
{
	struct mauth_key *ks[2] = { rsa, ed };
	const char *sels[2] = { "rsa", "ed" };
	char name[128];
	size_t k, hc, bc;

	(void)state;
	for (k = 0; k < 2; k++)
		for (hc = 0; hc < 2; hc++)
			for (bc = 0; bc < 2; bc++) {
				snprintf(name, sizeof(name), "%s %s/%s body "
				    "changed", sels[k], canon_name[hc],
				    canon_name[bc]);
				tamper_one(name, ks[k], sels[k], (int)hc,
				    (int)bc, "Hello world", "Hello World",
				    false);
				snprintf(name, sizeof(name), "%s %s/%s subject "
				    "changed", sels[k], canon_name[hc],
				    canon_name[bc]);
				tamper_one(name, ks[k], sels[k], (int)hc,
				    (int)bc, "Subject: a test",
				    "Subject: a tesT", false);
				snprintf(name, sizeof(name), "%s %s/%s subject "
				    "prepended", sels[k], canon_name[hc],
				    canon_name[bc]);
				tamper_one(name, ks[k], sels[k], (int)hc,
				    (int)bc, NULL, "Subject: other\r\n", true);
			}
}

/* test_dual - RSA + Ed25519 in one pass, one body hash per canonicalization */
static void
test_dual(void **state)
{
	struct mauth_sign_config c[3];
	char *msg, *sm;
	size_t len, slen, nbody;

	(void)state;
	msg = message("dual\r\n", 6, false, &len);
	config(&c[0], rsa, "rsa", MAUTH_CANON_RELAXED, MAUTH_CANON_RELAXED);
	config(&c[1], ed, "ed", MAUTH_CANON_SIMPLE, MAUTH_CANON_RELAXED);
	sm = sign("dual", c, 2, msg, len, false, &slen, &nbody);
	if (nbody != 1)
		fail_msg("dual same body canon: got %zu body hashes, want 1",
		    nbody);
	want_all("dual", sm, slen, 2, MAUTH_DKIM_PASS);
	free(sm);
	config(&c[2], rsa, "rsa", MAUTH_CANON_SIMPLE, MAUTH_CANON_SIMPLE);
	sm = sign("triple", c, 3, msg, len, false, &slen, &nbody);
	if (nbody != 2)
		fail_msg("triple two body canons: got %zu body hashes, want 2",
		    nbody);
	want_all("triple", sm, slen, 3, MAUTH_DKIM_PASS);
	free(sm);
	free(msg);
}

/* test_tags - l=, i=, x=, t= and the tag order; folding width */
static void
test_tags(void **state)
{
	struct mauth_sign_config c;
	struct mauth_signer *s;
	const char *f, *p, *q, *order[] = { "v=1;", " a=", " c=", " d=",
	    " s=", " t=1700000000;", " x=1700086400;",
	    " i=news@mail.example.org;",
	    " l=14;", " h=", " bh=", " b=", NULL };
	char err[256], *msg, *sm;
	size_t len, slen, i, col;

	(void)state;
	msg = message("l= counts me\r\n\r\n\r\n", 18, false, &len);
	config(&c, rsa, "rsa", MAUTH_CANON_RELAXED, MAUTH_CANON_SIMPLE);
	c.timestamp = 1700000000;
	c.expire = 86400;
	c.identity = "news@mail.example.org";
	c.body_length = true;
	if (mauth_signer_new(&c, 1, &s, err, sizeof(err)) != MAUTH_OK ||
	    split_feed(msg, len, s, NULL, 5) != 0 ||
	    mauth_signer_finish(s, err, sizeof(err)) != MAUTH_OK)
		fail_msg("tags: got failure %s, want success", err);
	f = mauth_signer_field(s, 0);
	p = f;
	/* unfolded order check */
	for (i = 0; order[i] != NULL; i++) {
		q = strstr(p, order[i] + (order[i][0] == ' ' ? 1 : 0));
		if (q == NULL)
			fail_msg("tags: got no %s after position %zu, want "
			    "it in order\n%s", order[i], (size_t)(p - f), f);
		p = q + 1;
	}
	if (sign_body_bytes(s, 0) != 14)
		fail_msg("tags: got l=%llu, want 14",
		    (unsigned long long)sign_body_bytes(s, 0));
	/* lines of at most 78 columns */
	col = 0;
	for (p = f; *p != '\0'; p++) {
		if (*p == '\r' && p[1] == '\n') {
			if (col > SIGN_FOLD_WIDTH)
				fail_msg("tags: got a %zu-column line, want "
				    "<= 78\n%s", col, f);
			col = 0;
			p++;
			continue;
		}
		col++;
	}
	if (col > SIGN_FOLD_WIDTH)
		fail_msg("tags: got a %zu-column last line, want <= 78", col);
	mauth_signer_free(s);
	/* x= in the past is the verifier's business; sign a current one */
	config(&c, rsa, "rsa", MAUTH_CANON_SIMPLE, MAUTH_CANON_SIMPLE);
	c.identity = "@example.org";
	c.body_length = true;
	sm = sign("l= and i=", &c, 1, msg, len, false, &slen, NULL);
	want_all("l= and i=", sm, slen, 1, MAUTH_DKIM_PASS);
	free(sm);
	free(msg);
}

/* test_hlist - the h= list: present fields, oversigning, bottom-up */
static void
test_hlist(void **state)
{
	struct mauth_sign_config c;
	struct mauth_signer *s;
	char err[256], h[512];
	const char *f, *p;
	size_t n;
	static const char *const over[] = { "From", "Subject", "Bcc", NULL };

	(void)state;
	config(&c, ed, "ed", MAUTH_CANON_RELAXED, MAUTH_CANON_RELAXED);
	c.oversign = over;
	if (mauth_signer_new(&c, 1, &s, err, sizeof(err)) != MAUTH_OK)
		fail_msg("hlist: %s", err);
	if (mauth_signer_header(s, "From", 4, " a@example.org\r\n", 16) ||
	    mauth_signer_header(s, "Received", 8, " x\r\n", 4) ||
	    mauth_signer_header(s, "To", 2, " b@example.org\r\n", 16) ||
	    mauth_signer_header(s, "To", 2, " c@example.org\r\n", 16) ||
	    mauth_signer_header(s, "Subject", 7, " s\r\n", 4) ||
	    mauth_signer_body(s, "x\r\n", 3) ||
	    mauth_signer_finish(s, err, sizeof(err)))
		fail_msg("hlist: feeding failed");
	f = mauth_signer_field_lf(s, 0);
	p = strstr(f, "h=");
	n = 0;
	for (p += 2; *p != ';' && n + 1 < sizeof(h); p++)
		if (*p != ' ' && *p != '\n' && *p != '\t')
			h[n++] = *p;
	h[n] = '\0';
	if (strcmp(h, "From:From:Subject:Subject:To:To:Bcc") != 0)
		fail_msg("hlist: got h=%s, want From:From:Subject:Subject:"
		    "To:To:Bcc", h);
	if (strchr(f, '\r') != NULL)
		fail_msg("hlist: got CR in the LF form");
	mauth_signer_free(s);
}

/*
 * test_obs_name - "Subject :" (RFC 5322 4.5.3 obsolete WSP before the
 * colon) is not taken for "Subject" (libopendkim matches names as
 * written): the signature still verifies, with Subject only oversigned
 */
static void
test_obs_name(void **state)
{
	static const char m[] = "From: a@example.org\r\nSubject \t: spaced\r\n"
	    "\r\nbody\r\n";
	struct mauth_sign_config c;
	char name[64], *sm;
	size_t slen, hc;

	(void)state;
	for (hc = 2; hc-- > 0;) {
		snprintf(name, sizeof(name), "obs name %s", canon_name[hc]);
		config(&c, rsa, "rsa", (int)hc, MAUTH_CANON_SIMPLE);
		sm = sign(name, &c, 1, m, sizeof(m) - 1, false, &slen, NULL);
		if (strstr(sm, ":Subject:") == NULL ||
		    strstr(sm, ":Subject:Subject") != NULL)
			fail_msg("%s: got other than one Subject in h=, want "
			    "one (oversigned)\n%s", name, sm);
		want_all(name, sm, slen, 1, MAUTH_DKIM_PASS);
		free(sm);
	}
}

/* test_refusals - bad configurations and messages */
static void
test_refusals(void **state)
{
	struct {
		const char	*name, *domain, *selector, *identity;
		int		 alg;
		bool		 ed;
		const char	*reason;
	} cases[] = {
		{ "bad domain", "exa mple.org", "s", NULL, 0, false, "domain" },
		{ "empty label", "example..org", "s", NULL, 0, false,
		    "domain" },
		{ "bad selector", DOMAIN, "s;x", NULL, 0, false, "selector" },
		{ "rsa alg ed key", DOMAIN, "s", NULL, MAUTH_SIGN_RSA_SHA256,
		    true, "algorithm" },
		{ "ed alg rsa key", DOMAIN, "s", NULL,
		    MAUTH_SIGN_ED25519_SHA256, false, "algorithm" },
		{ "i= outside d=", DOMAIN, "s", "a@example.com", 0, false,
		    "identity" },
		{ "i= suffix trick", DOMAIN, "s", "a@badexample.org", 0, false,
		    "identity" },
		{ "i= no at", DOMAIN, "s", "example.org", 0, false,
		    "identity" },
	};
	struct mauth_sign_config c;
	struct mauth_signer *s;
	char err[256];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		config(&c, cases[i].ed ? ed : rsa, cases[i].selector, 1, 1);
		c.domain = cases[i].domain;
		c.identity = cases[i].identity;
		c.algorithm = cases[i].alg;
		err[0] = '\0';
		rc = mauth_signer_new(&c, 1, &s, err, sizeof(err));
		if (rc != MAUTH_ERR_INVAL || s != NULL)
			fail_msg("%s: got %s, want MAUTH_ERR_INVAL",
			    cases[i].name, mauth_strerror(rc));
		if (strstr(err, cases[i].reason) == NULL)
			fail_msg("%s: got reason \"%s\", want one naming %s",
			    cases[i].name, err, cases[i].reason);
	}
	/* no From */
	config(&c, rsa, "rsa", 1, 1);
	if (mauth_signer_new(&c, 1, &s, err, sizeof(err)) != MAUTH_OK ||
	    mauth_signer_header(s, "To", 2, " x@y\r\n", 6) != MAUTH_OK ||
	    mauth_signer_body(s, "x\r\n", 3) != MAUTH_OK)
		fail_msg("no From: setup failed");
	rc = mauth_signer_finish(s, err, sizeof(err));
	if (rc != MAUTH_ERR_INVAL || strstr(err, "no From") == NULL ||
	    mauth_signer_count(s) != 0)
		fail_msg("no From: got %s \"%s\", want INVAL \"message has no "
		    "From header field\"", mauth_strerror(rc), err);
	mauth_signer_free(s);
	/* header after body; oversized header section */
	if (mauth_signer_new(&c, 1, &s, err, sizeof(err)) != MAUTH_OK)
		fail_msg("order: setup failed");
	if (mauth_signer_body(s, "x", 1) != MAUTH_OK ||
	    mauth_signer_header(s, "From", 4, " a@b", 4) != MAUTH_ERR_INVAL)
		fail_msg("header after body: got accepted, want INVAL");
	mauth_signer_free(s);
	if (mauth_signer_new(&c, 1, &s, err, sizeof(err)) != MAUTH_OK)
		fail_msg("big: setup failed");
	{
		static char big[65536];
		size_t k;

		memset(big, 'x', sizeof(big));
		rc = MAUTH_OK;
		for (k = 0; k < 40 && rc == MAUTH_OK; k++)
			rc = mauth_signer_header(s, "X-Big", 5, big,
			    sizeof(big));
		if (rc != MAUTH_ERR_LIMIT)
			fail_msg("big header section: got %s, want LIMIT",
			    mauth_strerror(rc));
	}
	mauth_signer_free(s);
}

/* ---- fixtures --------------------------------------------------------- */

/* zone_add - "sel._domainkey.DOMAIN. IN TXT" with the key's record */
static void
zone_add(struct buf *z, const char *sel, struct mauth_key *k)
{
	char *rec = mauth_key_dns_record(k);
	size_t i, n;

	buf_printf(z, "%s._domainkey." DOMAIN ". 300 IN TXT", sel);
	n = strlen(rec);
	for (i = 0; i < n; i += 200)
		buf_printf(z, " \"%.*s\"", (int)(n - i < 200 ? n - i : 200),
		    rec + i);
	buf_puts(z, "\n");
	free(rec);
}

static int
setup(void **state)
{
	char err[256];
	struct buf z;

	(void)state;
	if (mauth_key_load(KEYS "rsa2048.pem", &rsa, err, sizeof(err)) ||
	    mauth_key_load(KEYS "rsa4096.pem", &rsa4k, err, sizeof(err)) ||
	    mauth_key_load(KEYS "ed25519.seed", &ed, err, sizeof(err))) {
		print_error("keys: %s\n", err);
		return -1;
	}
	buf_init(&z, 0);
	zone_add(&z, "rsa", rsa);
	zone_add(&z, "rsa4k", rsa4k);
	zone_add(&z, "ed", ed);
	if (z.err || mauth_resolver_new_zone_mem("sign", z.data, z.len, &zone,
	    err, sizeof(err)) != MAUTH_OK) {
		print_error("zone: %s\n", err);
		return -1;
	}
	buf_free(&z);
	if (dkimv_lib_new(&lib, err, sizeof(err)) != MAUTH_OK) {
		print_error("lib: %s\n", err);
		return -1;
	}
	make_shapes();
	return 0;
}

static int
teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < nshapes; i++)
		free(shapes[i].body);
	dkimv_lib_free(lib);
	mauth_resolver_free(zone);
	mauth_key_free(rsa);
	mauth_key_free(rsa4k);
	mauth_key_free(ed);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_dual),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_hlist),
		cmocka_unit_test(test_obs_name),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
