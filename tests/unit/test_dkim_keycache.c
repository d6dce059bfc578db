/*
 * test_dkim_keycache.c - the native DKIM engine's key records and key
 * cache (src/lib/dkim/verify_key.c): the key record parser (RFC 6376
 * 3.6.1), the lenient base64 decoder, the cache (one decode per key text,
 * a changed record gives a new key, the bound and LRU order, keys that do
 * not decode are not kept, concurrent use from threads), verification
 * with the cached context, and a changed key record seen through the
 * verifier.
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

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "mauth/dkim.h"
#include "mauth/dns.h"
#include "mauth/sign.h"
#include "dkim/dkim_int.h"
#include "dkim/sign_int.h"

/* ---- key record parser -------------------------------------------------- */

struct kcase {
	const char	*name;
	const char	*rec;
	bool		 ed;		/* a=ed25519-sha256, else rsa-sha256 */
	const char	*hash;
	int		 want;		/* MAUTH_DKIM_NONE = usable */
	const char	*why;		/* reason substring */
	int		 testing;	/* -1: not checked */
	int		 strict;
};

static const struct kcase kcases[] = {
	{ "plain rsa", "v=DKIM1; k=rsa; p=QUJD", false, "sha256",
	    MAUTH_DKIM_NONE, NULL, 0, 0 },
	{ "no v no k", "p=QUJD", false, "sha256", MAUTH_DKIM_NONE, NULL,
	    0, 0 },
	{ "ed25519", "v=DKIM1; k=ed25519; p=QUJD", true, "sha256",
	    MAUTH_DKIM_NONE, NULL, 0, 0 },
	{ "v not first", "k=rsa; v=DKIM1; p=QUJD", false, "sha256",
	    MAUTH_DKIM_PERMERROR, "not a valid DKIM key record", -1, -1 },
	{ "v DKIM2", "v=DKIM2; p=QUJD", false, "sha256",
	    MAUTH_DKIM_PERMERROR, "v= is not DKIM1", -1, -1 },
	{ "no p", "v=DKIM1; k=rsa", false, "sha256", MAUTH_DKIM_PERMERROR,
	    "not a valid DKIM key record", -1, -1 },
	{ "empty p", "v=DKIM1; p=", false, "sha256", MAUTH_DKIM_PERMERROR,
	    "key revoked", -1, -1 },
	{ "fws p", "v=DKIM1; p= \t ", false, "sha256", MAUTH_DKIM_PERMERROR,
	    "key revoked", -1, -1 },
	{ "h sha1 only", "h=sha1; p=QUJD", false, "sha256",
	    MAUTH_DKIM_PERMERROR, "does not allow the signature's hash",
	    -1, -1 },
	{ "h sha1 for sha1", "h=sha1; p=QUJD", false, "sha1",
	    MAUTH_DKIM_NONE, NULL, 0, 0 },
	{ "h list", "h=sha1 : sha256; p=QUJD", false, "sha256",
	    MAUTH_DKIM_NONE, NULL, 0, 0 },
	{ "h unknown", "h=md5; p=QUJD", false, "sha256",
	    MAUTH_DKIM_PERMERROR, "names no known hash", -1, -1 },
	{ "s chat", "s=chat; p=QUJD", false, "sha256", MAUTH_DKIM_PERMERROR,
	    "s= does not allow email", -1, -1 },
	{ "s star", "s=*; p=QUJD", false, "sha256", MAUTH_DKIM_NONE, NULL,
	    0, 0 },
	{ "s list", "s=chat:email; p=QUJD", false, "sha256",
	    MAUTH_DKIM_NONE, NULL, 0, 0 },
	{ "k ed for rsa", "k=ed25519; p=QUJD", false, "sha256",
	    MAUTH_DKIM_PERMERROR, "k=ed25519 does not match a=rsa-sha256",
	    -1, -1 },
	{ "k rsa for ed", "k=rsa; p=QUJD", true, "sha256",
	    MAUTH_DKIM_PERMERROR, "k=rsa does not match a=ed25519-sha256",
	    -1, -1 },
	{ "ed without k", "v=DKIM1; p=QUJD", true, "sha256",
	    MAUTH_DKIM_PERMERROR, "k=rsa does not match a=ed25519-sha256",
	    -1, -1 },
	{ "k unknown", "k=dsa; p=QUJD", false, "sha256",
	    MAUTH_DKIM_PERMERROR, "k=dsa", -1, -1 },
	{ "t y", "t=y; p=QUJD", false, "sha256", MAUTH_DKIM_NONE, NULL, 1, 0 },
	{ "t s", "t=s; p=QUJD", false, "sha256", MAUTH_DKIM_NONE, NULL, 0, 1 },
	{ "t y s", "t=y:s; p=QUJD", false, "sha256", MAUTH_DKIM_NONE, NULL,
	    1, 1 },
	{ "unknown tag", "v=DKIM1; zz=1; n=notes; p=QUJD", false, "sha256",
	    MAUTH_DKIM_NONE, NULL, 0, 0 },
	{ "duplicate tag", "p=QUJD; p=QUJD", false, "sha256",
	    MAUTH_DKIM_PERMERROR, "not a valid DKIM key record", -1, -1 },
	{ "not a tag list", "hello world", false, "sha256",
	    MAUTH_DKIM_PERMERROR, "not a valid DKIM key record", -1, -1 },
	{ "trailing semicolon", "v=DKIM1; p=QUJD;", false, "sha256",
	    MAUTH_DKIM_NONE, NULL, 0, 0 },
};

static void
test_keyrec(void **state)
{
	const struct kcase *c;
	struct dkimv_keyrec k;
	char why[256];
	size_t i;
	int got;

	(void)state;
	for (i = 0; i < sizeof(kcases) / sizeof(kcases[0]); i++) {
		c = &kcases[i];
		why[0] = '\0';
		got = dkimv_keyrec_parse((const uint8_t *)c->rec,
		    strlen(c->rec), c->ed, c->hash, &k, why, sizeof(why));
		if (got != c->want)
			fail_msg("%s: got %s (%s), want %s", c->name,
			    mauth_dkim_result_str(got), why,
			    mauth_dkim_result_str(c->want));
		if (c->why != NULL && strstr(why, c->why) == NULL)
			fail_msg("%s: got reason \"%s\", want \"%s\"", c->name,
			    why, c->why);
		if (got != MAUTH_DKIM_NONE)
			continue;
		if (k.plen == 0 || k.p == NULL)
			fail_msg("%s: got no p=, want one", c->name);
		if (c->testing >= 0 && k.testing != (c->testing == 1))
			fail_msg("%s: got testing %d, want %d", c->name,
			    k.testing, c->testing);
		if (c->strict >= 0 && k.strict != (c->strict == 1))
			fail_msg("%s: got strict %d, want %d", c->name,
			    k.strict, c->strict);
	}
}

/* RFC 6376 3.6.1 t=s: the domain of i= must be d= itself */
static void
test_strict(void **state)
{
	static const struct {
		const char	*name, *identity, *domain;
		bool		 strict, want;
	} cases[] = {
		{ "same domain", "joe@example.test", "example.test", true,
		    true },
		{ "subdomain", "joe@mail.example.test", "example.test", true,
		    false },
		{ "case", "@EXAMPLE.test", "example.TEST", true, true },
		{ "not strict", "joe@mail.example.test", "example.test", false,
		    true },
	};
	struct dkimv_keyrec k;
	size_t i;
	bool got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&k, 0, sizeof(k));
		k.strict = cases[i].strict;
		got = dkimv_keyrec_strict_ok(&k, cases[i].identity,
		    cases[i].domain);
		if (got != cases[i].want)
			fail_msg("%s: got %d, want %d", cases[i].name, got,
			    cases[i].want);
	}
}

static void
test_base64(void **state)
{
	static const struct {
		const char	*name, *in;
		ssize_t		 want;
		const char	*out;
	} cases[] = {
		{ "plain", "QUJD", 3, "ABC" },
		{ "padded", "QUI=", 2, "AB" },
		{ "unpadded", "QUI", 2, "AB" },
		{ "fws", " Q U\r\n\tJD ", 3, "ABC" },
		{ "junk skipped", "QU!JD", 3, "ABC" },
		{ "stops at =", "QUI=QUJD", 2, "AB" },
		{ "one char left", "QUJDQ", -1, NULL },
		{ "empty", "", 0, "" },
	};
	uint8_t out[16];
	ssize_t got;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = dkimv_b64_decode(cases[i].in, strlen(cases[i].in), out,
		    sizeof(out));
		if (got != cases[i].want)
			fail_msg("%s: got %zd, want %zd", cases[i].name, got,
			    cases[i].want);
		if (got > 0 && memcmp(out, cases[i].out, (size_t)got) != 0)
			fail_msg("%s: got other bytes, want %s", cases[i].name,
			    cases[i].out);
	}
	if (dkimv_b64_decode("QUJDQUJD", 8, out, 5) != -1)
		fail_msg("small buffer: got success, want -1");
}

/* ---- the cache ----------------------------------------------------------- */

#define NKEYS	8

static char edkeys[NKEYS][64];	/* base64 of 32 random bytes each */

/* b64 - base64 of in[0..len) into out */
static void
b64(const uint8_t *in, size_t len, char *out)
{
	(void)EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}

static void
make_keys(void)
{
	uint8_t raw[32];
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		if (RAND_bytes(raw, sizeof(raw)) != 1)
			fail_msg("RAND_bytes: got failure, want bytes");
		raw[0] = (uint8_t)i;	/* distinct */
		b64(raw, sizeof(raw), edkeys[i]);
	}
}

/* get - one lookup that must succeed */
static struct dkimv_key *
get(struct dkimv_keycache *c, const char *name, bool ed, const char *p)
{
	struct dkimv_key *k;
	char why[256];
	int rc;

	rc = dkimv_keycache_get(c, ed, p, strlen(p), &k, why, sizeof(why));
	if (rc != MAUTH_DKIM_NONE || k == NULL)
		fail_msg("%s: got %d (%s), want a key", name, rc, why);
	return k;
}

/* want_stats - decodes, hits, entries */
static void
want_stats(struct dkimv_keycache *c, const char *name, uint64_t decodes,
    uint64_t hits, size_t n)
{
	uint64_t d, h;
	size_t e;

	dkimv_keycache_stats(c, &d, &h, &e);
	if (d != decodes || h != hits || e != n)
		fail_msg("%s: got decodes %llu hits %llu entries %zu, want "
		    "%llu %llu %zu", name, (unsigned long long)d,
		    (unsigned long long)h, e, (unsigned long long)decodes,
		    (unsigned long long)hits, n);
}

static void
test_cache_reuse(void **state)
{
	struct dkimv_keycache *c;
	struct dkimv_key *a, *b;
	char spaced[1024];

	(void)state;
	make_keys();
	if ((c = dkimv_keycache_new(16)) == NULL)
		fail_msg("keycache_new: got NULL, want a cache");
	a = get(c, "first", true, edkeys[0]);
	want_stats(c, "first", 1, 0, 1);
	b = get(c, "same bytes", true, edkeys[0]);
	want_stats(c, "same bytes", 1, 1, 1);
	if (a != b)
		fail_msg("same bytes: got another key, want the same one");
	if (dkimv_key_bits(a) != 256)
		fail_msg("bits: got %u, want 256", dkimv_key_bits(a));
	dkimv_key_put(b);
	/* FWS inside p= is not part of the key (RFC 6376 3.6.1) */
	(void)snprintf(spaced, sizeof(spaced), "%.10s \r\n\t%s", edkeys[0],
	    edkeys[0] + 10);
	b = get(c, "folded", true, spaced);
	want_stats(c, "folded", 1, 2, 1);
	if (a != b)
		fail_msg("folded: got another key, want the same one");
	dkimv_key_put(b);
	/* a changed record is another key */
	b = get(c, "changed", true, edkeys[1]);
	want_stats(c, "changed", 2, 2, 2);
	if (a == b)
		fail_msg("changed: got the old key, want a new one");
	dkimv_key_put(b);
	/* the same text as another type is another entry (and fails) */
	{
		struct dkimv_key *k = NULL;
		char why[256];

		if (dkimv_keycache_get(c, false, edkeys[0],
		    strlen(edkeys[0]), &k, why, sizeof(why)) !=
		    MAUTH_DKIM_PERMERROR || k != NULL ||
		    strstr(why, "unable to apply public key") == NULL)
			fail_msg("ed bytes as rsa: got a key or \"%s\", want "
			    "permerror", why);
	}
	want_stats(c, "ed bytes as rsa", 3, 2, 2);
	dkimv_key_put(a);
	dkimv_keycache_free(c);
}

static void
test_cache_bound(void **state)
{
	struct dkimv_keycache *c;
	char name[64];
	size_t i;

	(void)state;
	make_keys();
	if ((c = dkimv_keycache_new(3)) == NULL)
		fail_msg("keycache_new: got NULL, want a cache");
	for (i = 0; i < 3; i++)
		dkimv_key_put(get(c, "fill", true, edkeys[i]));
	want_stats(c, "filled", 3, 0, 3);
	/* touch key 0: key 1 is now the least recently used */
	dkimv_key_put(get(c, "touch", true, edkeys[0]));
	dkimv_key_put(get(c, "fourth", true, edkeys[3]));
	want_stats(c, "fourth", 4, 1, 3);
	dkimv_key_put(get(c, "kept", true, edkeys[0]));
	want_stats(c, "kept", 4, 2, 3);
	dkimv_key_put(get(c, "evicted", true, edkeys[1]));
	want_stats(c, "evicted", 5, 2, 3);
	for (i = 0; i < NKEYS; i++) {
		(void)snprintf(name, sizeof(name), "all %zu", i);
		dkimv_key_put(get(c, name, true, edkeys[i]));
	}
	want_stats(c, "bound", 11, 4, 3);
	dkimv_keycache_free(c);
}

/* a key that does not decode costs a decode each time and no entry */
static void
test_cache_bad(void **state)
{
	struct dkimv_keycache *c;
	struct dkimv_key *k;
	char why[256];
	int i;

	(void)state;
	if ((c = dkimv_keycache_new(4)) == NULL)
		fail_msg("keycache_new: got NULL, want a cache");
	for (i = 0; i < 2; i++) {
		k = NULL;
		if (dkimv_keycache_get(c, false, "QUJD", 4, &k, why,
		    sizeof(why)) != MAUTH_DKIM_PERMERROR || k != NULL)
			fail_msg("bad rsa: got a key, want permerror");
		if (dkimv_keycache_get(c, true, "QUJD", 4, &k, why,
		    sizeof(why)) != MAUTH_DKIM_PERMERROR || k != NULL)
			fail_msg("short ed25519: got a key, want permerror");
	}
	want_stats(c, "bad", 4, 0, 0);
	dkimv_keycache_free(c);
}

/* ---- threads ------------------------------------------------------------- */

#define NTHREADS	4
#define NROUNDS		3000

struct tctx {
	struct dkimv_keycache	*c;
	unsigned		 seed;
	int			 bad;
};

static void *
thread_main(void *arg)
{
	struct tctx *t = arg;
	struct dkimv_key *k;
	char why[256];
	const char *p;
	int i;

	for (i = 0; i < NROUNDS; i++) {
		t->seed = t->seed * 1103515245u + 12345u;
		p = edkeys[(t->seed >> 16) % NKEYS];
		if (dkimv_keycache_get(t->c, true, p, strlen(p), &k, why,
		    sizeof(why)) != MAUTH_DKIM_NONE) {
			t->bad++;
			continue;
		}
		if (dkimv_key_bits(k) != 256 || dkimv_key_pkey(k) == NULL)
			t->bad++;
		dkimv_key_put(k);
	}
	return NULL;
}

static void
test_cache_threads(void **state)
{
	struct tctx t[NTHREADS];
	pthread_t th[NTHREADS];
	uint64_t d, h;
	size_t n, i;
	int bad = 0;

	(void)state;
	make_keys();
	for (i = 0; i < NTHREADS; i++) {
		t[i].c = NULL;
		t[i].seed = (unsigned)i * 7919u + 1u;
		t[i].bad = 0;
	}
	if ((t[0].c = dkimv_keycache_new(4)) == NULL)
		fail_msg("keycache_new: got NULL, want a cache");
	for (i = 0; i < NTHREADS; i++) {
		t[i].c = t[0].c;
		if (pthread_create(&th[i], NULL, thread_main, &t[i]) != 0)
			fail_msg("pthread_create %zu failed", i);
	}
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		bad += t[i].bad;
	}
	dkimv_keycache_stats(t[0].c, &d, &h, &n);
	if (bad != 0)
		fail_msg("threads: got %d bad lookups, want 0", bad);
	if (d + h != (uint64_t)NTHREADS * NROUNDS || n > 4 || d < NKEYS)
		fail_msg("threads: got decodes %llu hits %llu entries %zu, "
		    "want a sum of %d, at most 4 entries",
		    (unsigned long long)d, (unsigned long long)h, n,
		    NTHREADS * NROUNDS);
	dkimv_keycache_free(t[0].c);
}

/* ---- verification with the cached context -------------------------------- */

/* pubkey_b64 - p= text of pk: SubjectPublicKeyInfo (spki) or PKCS#1 */
static void
pubkey_b64(EVP_PKEY *pk, bool spki, char *out, size_t outlen)
{
	unsigned char *der = NULL;
	int n;

	n = spki ? i2d_PUBKEY(pk, &der) : i2d_PublicKey(pk, &der);
	if (n <= 0 || (size_t)(4 * ((n + 2) / 3) + 1) > outlen)
		fail_msg("public key: got %d bytes, want a DER key", n);
	b64(der, (size_t)n, out);
	OPENSSL_free(der);
}

static void
test_verify(void **state)
{
	static const char *const pems[] = {
		TESTDATA "/dkim/keys/rsa2048.pem",
		TESTDATA "/verify/keys/ed25519.pem",
	};
	struct dkimv_keycache *c;
	struct dkimv_key *k;
	struct mauth_key *mk;
	struct sign_keystate *ks;
	uint8_t d[32], sig[1024];
	size_t siglen, i;
	char p[4096], why[256];
	bool ed;
	int form, r;

	(void)state;
	if ((c = dkimv_keycache_new(8)) == NULL)
		fail_msg("keycache_new: got NULL, want a cache");
	memset(d, 0x5a, sizeof(d));
	for (i = 0; i < 2; i++) {
		if (mauth_key_load(pems[i], &mk, why, sizeof(why)) != MAUTH_OK)
			fail_msg("%s: got %s, want a key", pems[i], why);
		ed = mauth_key_type(mk) == MAUTH_KEY_ED25519;
		ks = sign_key_get(mk);
		siglen = sizeof(sig);
		if (ks == NULL || sign_key_sign(ks, d, sizeof(d), sig,
		    &siglen) != MAUTH_OK)
			fail_msg("%s: got no signature, want one", pems[i]);
		for (form = 0; form < (ed ? 1 : 2); form++) {
			if (ed) {
				uint8_t raw[32];
				size_t rl = sizeof(raw);

				if (EVP_PKEY_get_raw_public_key(ks->pkey, raw,
				    &rl) != 1)
					fail_msg("ed25519: no raw key");
				b64(raw, rl, p);
			} else
				pubkey_b64(ks->pkey, form == 0, p, sizeof(p));
			if (dkimv_keycache_get(c, ed, p, strlen(p), &k, why,
			    sizeof(why)) != MAUTH_DKIM_NONE)
				fail_msg("%s form %d: got \"%s\", want a key",
				    pems[i], form, why);
			if (dkimv_key_bits(k) != mauth_key_bits(mk))
				fail_msg("%s form %d: got %u bits, want %u",
				    pems[i], form, dkimv_key_bits(k),
				    mauth_key_bits(mk));
			r = dkimv_key_verify(k, sign_sha256(), d, sizeof(d),
			    sig, siglen);
			if (r != 1)
				fail_msg("%s form %d: got %d, want 1 "
				    "(verified)", pems[i], form, r);
			sig[siglen / 2] ^= 1;
			r = dkimv_key_verify(k, sign_sha256(), d, sizeof(d),
			    sig, siglen);
			sig[siglen / 2] ^= 1;
			if (r != 0)
				fail_msg("%s form %d tampered: got %d, want 0",
				    pems[i], form, r);
			dkimv_key_put(k);
		}
		sign_key_put(ks);
		mauth_key_free(mk);
	}
	dkimv_keycache_free(c);
}

/* ---- a changed record through the verifier ------------------------------- */

static char record[1024];

/* rec_query - every TXT query answers the current record */
static int
rec_query(void *arg, const char *name, uint16_t type,
    struct mauth_dns_answer **out)
{
	struct mauth_dns_answer *ans;
	const uint8_t *s = (const uint8_t *)record;
	size_t len = strlen(record);

	(void)arg;
	if ((ans = mauth_dns_answer_new(MAUTH_RCODE_NOERROR, 60)) == NULL)
		return MAUTH_DNS_FAILURE;
	if (type == MAUTH_DNS_TXT && mauth_dns_answer_add_txt(ans,
	    MAUTH_DNS_TXT, name, 60, &s, &len, 1) != MAUTH_OK) {
		mauth_dns_answer_free(ans);
		return MAUTH_DNS_FAILURE;
	}
	*out = ans;
	return MAUTH_DNS_ANSWER;
}

/* verify_one - one result of msg (header lines, then body) */
static int
verify_one(struct dkimv_lib *lib, struct mauth_resolver *r, const char *sig,
    const char **why)
{
	static const char *const hdr[][2] = {
		{ "From", " joe@example.test\r\n" },
		{ "Subject", " cache\r\n" },
	};
	static const char body[] = "hello\r\n";
	const struct mauth_dkim_sig *s;
	struct dkimv *v;
	size_t i;
	int res;

	if (dkimv_new(lib, r, NULL, NULL, &v) != MAUTH_OK ||
	    dkimv_header(v, "DKIM-Signature", 14, sig + 15,
	    strlen(sig + 15)) != MAUTH_OK)
		fail_msg("verify: got an error, want a verifier");
	for (i = 0; i < 2; i++)
		if (dkimv_header(v, hdr[i][0], strlen(hdr[i][0]), hdr[i][1],
		    strlen(hdr[i][1])) != MAUTH_OK)
			fail_msg("verify: header refused");
	if (dkimv_eoh(v) != MAUTH_OK || dkimv_body(v, body,
	    sizeof(body) - 1) != MAUTH_OK || dkimv_eom(v) != MAUTH_OK ||
	    (s = dkimv_sig(v, 0)) == NULL)
		fail_msg("verify: got an error, want a result");
	res = s->result;
	*why = strstr(s->reason, "verified") != NULL ? "verified" :
	    strstr(s->reason, "did not verify") != NULL ? "did not verify" :
	    "other";
	dkimv_free(v);
	return res;
}

static void
test_record_change(void **state)
{
	struct mauth_dns_backend be;
	struct mauth_resolver *r;
	struct mauth_sign_config cfg;
	struct mauth_signer *s;
	struct dkimv_lib *lib;
	struct mauth_key *mk;
	const char *why;
	char err[256], sig[4096], *rec;
	uint64_t d0, d, h;
	int res;

	(void)state;
	make_keys();
	if (dkimv_lib_new(&lib, err, sizeof(err)) != MAUTH_OK)
		fail_msg("lib: %s", err);
	memset(&be, 0, sizeof(be));
	be.query = rec_query;
	if (mauth_resolver_new_custom(&be, &r) != MAUTH_OK)
		fail_msg("resolver: got an error");
	if (mauth_key_load(TESTDATA "/verify/keys/ed25519.pem", &mk, err,
	    sizeof(err)) != MAUTH_OK)
		fail_msg("key: %s", err);
	mauth_sign_config_init(&cfg);
	cfg.domain = "example.test";
	cfg.selector = "sel";
	cfg.key = mk;
	cfg.timestamp = -1;
	if (mauth_signer_new(&cfg, 1, &s, err, sizeof(err)) != MAUTH_OK ||
	    mauth_signer_header(s, "From", 4, " joe@example.test\r\n",
	    19) != MAUTH_OK ||
	    mauth_signer_header(s, "Subject", 7, " cache\r\n", 8) != MAUTH_OK ||
	    mauth_signer_body(s, "hello\r\n", 7) != MAUTH_OK ||
	    mauth_signer_finish(s, err, sizeof(err)) != MAUTH_OK)
		fail_msg("sign: %s", err);
	(void)snprintf(sig, sizeof(sig), "%s", mauth_signer_field(s, 0));
	mauth_signer_free(s);
	if ((rec = mauth_key_dns_record(mk)) == NULL)
		fail_msg("record: got NULL");
	(void)snprintf(record, sizeof(record), "%s", rec);
	free(rec);
	dkimv_keycache_stats(dkimv_lib_keycache(lib), &d0, NULL, NULL);

	res = verify_one(lib, r, sig, &why);
	if (res != MAUTH_DKIM_PASS)
		fail_msg("first: got %s (%s), want pass",
		    mauth_dkim_result_str(res), why);
	res = verify_one(lib, r, sig, &why);
	dkimv_keycache_stats(dkimv_lib_keycache(lib), &d, &h, NULL);
	if (res != MAUTH_DKIM_PASS || d != d0 + 1 || h < 1)
		fail_msg("second: got %s, %llu decodes, want pass and one "
		    "decode", mauth_dkim_result_str(res),
		    (unsigned long long)(d - d0));
	/* the record changes (key rotated): the new key is used at once */
	(void)snprintf(record, sizeof(record), "v=DKIM1; k=ed25519; p=%s",
	    edkeys[2]);
	res = verify_one(lib, r, sig, &why);
	dkimv_keycache_stats(dkimv_lib_keycache(lib), &d, &h, NULL);
	if (res != MAUTH_DKIM_FAIL || strcmp(why, "did not verify") != 0 ||
	    d != d0 + 2)
		fail_msg("changed: got %s (%s), %llu decodes, want fail "
		    "(did not verify) and two decodes",
		    mauth_dkim_result_str(res), why,
		    (unsigned long long)(d - d0));
	mauth_key_free(mk);
	mauth_resolver_free(r);
	dkimv_lib_free(lib);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keyrec),
		cmocka_unit_test(test_strict),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_cache_reuse),
		cmocka_unit_test(test_cache_bound),
		cmocka_unit_test(test_cache_bad),
		cmocka_unit_test(test_cache_threads),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_record_change),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
