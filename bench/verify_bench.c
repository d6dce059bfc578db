/*
 * verify_bench.c - messages verified per CPU-second: mauth's whole check
 * (SPF + DKIM + DMARC + Authentication-Results) against libopendkim alone
 * and against the cryptographic floor, in one process and one run.
 *
 *   verify_bench CORPUS [ROUNDS]
 *
 * CORPUS is what bench/gen-corpus writes: {rsa,ed}-{5k,100k}/ *.eml and
 * keys.zone.  For each set, each round runs, in turn:
 *   floor        OpenSSL alone, per message: SHA-256 over every byte of the
 *                message and one signature verification with a key parsed
 *                once (what `openssl speed` measures, on these sizes)
 *   libopendkim  the library alone, keys from memory through its key-lookup
 *                callback (the "library floor" of shared/recipes/perf-anchors)
 *   mauth        mauth_check over the whole message, the zone resolver with
 *                a warm cache, SPF for the client 192.0.2.25, DMARC, A-R
 * Rates are per CPU-second of this process (CLOCK_PROCESS_CPUTIME_ID);
 * ratios are medians of per-round ratios.  Every verdict is checked.
 *
 * This benchmark measures libopendkim as a peer, so it includes its header;
 * the library itself includes it in one file only (src/lib/dkim).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <opendkim/dkim.h>

#include "mauth/mauth.h"
#include "bench_common.h"

#define MAX_KEYS	8

/* in-memory key records for libopendkim, from keys.zone */
static struct {
	char	name[256];
	char	val[1024];
} keys[MAX_KEYS];
static size_t nkeys;

/* load_keys - "SEL._domainkey TXT "a" "b"" lines of keys.zone ($ORIGIN bank.test.) */
static void
load_keys(const char *zone)
{
	char line[4096], *p, *q, *o;
	FILE *f;

	if ((f = fopen(zone, "r")) == NULL)
		die("cannot open keys.zone");
	while (fgets(line, sizeof(line), f) != NULL && nkeys < MAX_KEYS) {
		if ((p = strstr(line, "._domainkey TXT ")) == NULL)
			continue;
		*p = '\0';
		if ((size_t)snprintf(keys[nkeys].name, sizeof(keys[nkeys].name),
		    "%.200s._domainkey.bank.test", line) >=
		    sizeof(keys[nkeys].name))
			die("key name too long");
		o = keys[nkeys].val;
		for (p += 16; (p = strchr(p, '"')) != NULL; p = q + 1) {
			if ((q = strchr(p + 1, '"')) == NULL)
				break;
			if ((size_t)(o - keys[nkeys].val) + (size_t)(q - p) >=
			    sizeof(keys[nkeys].val))
				die("key record too long");
			memcpy(o, p + 1, (size_t)(q - p - 1));
			o += q - p - 1;
		}
		*o = '\0';
		nkeys++;
	}
	fclose(f);
}

/* ---- libopendkim alone -------------------------------------------------- */

static DKIM_CBSTAT
odkim_key(DKIM *dkim, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
	char name[512];
	size_t i;

	(void)dkim;
	snprintf(name, sizeof(name), "%s._domainkey.%s",
	    (const char *)dkim_sig_getselector(sig),
	    (const char *)dkim_sig_getdomain(sig));
	for (i = 0; i < nkeys; i++)
		if (strcasecmp(name, keys[i].name) == 0 &&
		    strlen(keys[i].val) < buflen) {
			memcpy(buf, keys[i].val, strlen(keys[i].val) + 1);
			return DKIM_CBSTAT_CONTINUE;
		}
	return DKIM_CBSTAT_NOTFOUND;
}

/* odkim_one - header fields one per call (folding kept), then the body */
static int
odkim_one(DKIM_LIB *lib, const struct bench_msg *m)
{
	const unsigned char *p = m->buf, *end = m->buf + m->len, *start = p;
	const unsigned char *eol;
	DKIM_STAT st;
	DKIM_SIGINFO *sig;
	DKIM *d;
	_Bool testkey;
	int ok;

	if ((d = dkim_verify(lib, (const u_char *)"bench", NULL, &st)) == NULL)
		return 0;
	for (;;) {
		if ((eol = memmem(p, (size_t)(end - p), "\r\n", 2)) == NULL)
			goto bad;
		if (eol == p) {
			if (p > start && dkim_header(d, (u_char *)start,
			    (size_t)(p - 2 - start)) != DKIM_STAT_OK)
				goto bad;
			p = eol + 2;
			break;
		}
		if (p != start && (*p == ' ' || *p == '\t')) {
			p = eol + 2;
			continue;
		}
		if (p > start && dkim_header(d, (u_char *)start,
		    (size_t)(p - 2 - start)) != DKIM_STAT_OK)
			goto bad;
		start = p;
		p = eol + 2;
	}
	if (dkim_eoh(d) != DKIM_STAT_OK ||
	    dkim_body(d, (u_char *)p, (size_t)(end - p)) != DKIM_STAT_OK)
		goto bad;
	st = dkim_eom(d, &testkey);
	sig = dkim_getsignature(d);
	ok = st == DKIM_STAT_OK && sig != NULL && DKIM_SIG_CHECK(sig);
	dkim_free(d);
	return ok;
bad:
	dkim_free(d);
	return 0;
}

static double
run_odkim(DKIM_LIB *lib)
{
	double t0 = cpu_now();
	size_t i;

	for (i = 0; i < nmsgs; i++)
		if (!odkim_one(lib, &msgs[i]))
			die("libopendkim: a message did not verify");
	return (double)nmsgs / (cpu_now() - t0);
}

/* ---- mauth --------------------------------------------------------------- */

static double
run_mauth(struct mauth_ctx *ctx)
{
	const struct mauth_dmarc_eval *dm;
	const struct mauth_dkim_sig *sig;
	struct mauth_check *chk;
	double t0 = cpu_now();
	size_t i;

	for (i = 0; i < nmsgs; i++) {
		if (mauth_check_new(ctx, &chk) != MAUTH_OK ||
		    mauth_check_set_client(chk, "192.0.2.25",
		    "mail.bank.test") != MAUTH_OK ||
		    mauth_check_set_mail_from(chk, "alice@bank.test") !=
		    MAUTH_OK ||
		    mauth_check_write(chk, msgs[i].buf, msgs[i].len) !=
		    MAUTH_OK || mauth_check_eom(chk) != MAUTH_OK)
			die("mauth: check failed");
		sig = mauth_check_dkim_count(chk) > 0 ?
		    mauth_check_dkim(chk, 0) : NULL;
		dm = mauth_check_dmarc(chk);
		if (sig == NULL || sig->result != MAUTH_DKIM_PASS || dm == NULL ||
		    mauth_dmarc_eval_result(dm) != MAUTH_DMARC_PASS ||
		    mauth_check_authres(chk) == NULL)
			die("mauth: a message did not verify");
		mauth_check_free(chk);
	}
	return (double)nmsgs / (cpu_now() - t0);
}

/* ---- the floor ----------------------------------------------------------- */

/* run_floor - per message: SHA-256 over all its bytes + one verification */
static double
run_floor(EVP_PKEY *pub, const unsigned char *sigbuf, size_t siglen,
    int ed)
{
	static const unsigned char tbs[32] = "header hash stands in here.....";
	unsigned char md[32];
	unsigned int mdlen;
	EVP_MD_CTX *mc;
	double t0 = cpu_now();
	size_t i;
	int ok;

	if ((mc = EVP_MD_CTX_new()) == NULL)
		die("floor: out of memory");
	for (i = 0; i < nmsgs; i++) {
		if (EVP_Digest(msgs[i].buf, msgs[i].len, md, &mdlen,
		    EVP_sha256(), NULL) != 1)
			die("floor: digest");
		EVP_MD_CTX_reset(mc);
		ok = EVP_DigestVerifyInit(mc, NULL, ed ? NULL : EVP_sha256(),
		    NULL, pub) == 1 &&
		    EVP_DigestVerify(mc, sigbuf, siglen, tbs, sizeof(tbs)) == 1;
		if (!ok)
			die("floor: verification failed");
	}
	EVP_MD_CTX_free(mc);
	return (double)nmsgs / (cpu_now() - t0);
}

/* floor_key - the private key of a set, its public half and one signature */
static EVP_PKEY *
floor_key(const char *pem, unsigned char *sig, size_t *siglen, int ed)
{
	static const unsigned char tbs[32] = "header hash stands in here.....";
	EVP_PKEY *priv, *pub = NULL;
	EVP_MD_CTX *mc;
	unsigned char *der = NULL;
	const unsigned char *pd;
	FILE *f;
	int n;

	if ((f = fopen(pem, "r")) == NULL)
		die("cannot open the test key");
	priv = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (priv == NULL || (mc = EVP_MD_CTX_new()) == NULL)
		die("cannot read the test key");
	if (EVP_DigestSignInit(mc, NULL, ed ? NULL : EVP_sha256(), NULL,
	    priv) != 1 || EVP_DigestSign(mc, sig, siglen, tbs,
	    sizeof(tbs)) != 1)
		die("cannot sign");
	EVP_MD_CTX_free(mc);
	/* a public-only key, as a verifier holds it */
	if ((n = i2d_PUBKEY(priv, &der)) <= 0)
		die("cannot encode the public key");
	pd = der;
	pub = d2i_PUBKEY(NULL, &pd, n);
	OPENSSL_free(der);
	EVP_PKEY_free(priv);
	if (pub == NULL)
		die("cannot decode the public key");
	return pub;
}

int
main(int argc, char **argv)
{
	static const char *sets[] = { "rsa-5k", "ed-5k", "rsa-100k", "ed-100k" };
	char path[4096], err[256];
	struct mauth_ctx_options o;
	struct mauth_resolver *r;
	struct mauth_ctx *ctx;
	DKIM_LIB *lib;
	EVP_PKEY *pub;
	unsigned char sig[512];
	size_t siglen, s;
	double fl[16], od[16], ma[16], r_od[16], r_fl[16], r_odfl[16];
	int rounds = 5, k, ed;

	bench_prog = "verify_bench";
	if (argc < 2) {
		fprintf(stderr, "usage: verify_bench CORPUS [ROUNDS]\n");
		return 2;
	}
	if (argc > 2 && ((rounds = (int)strtol(argv[2], NULL, 10)) < 1 ||
	    rounds > 16))
		die("ROUNDS is 1..16");
	snprintf(path, sizeof(path), "%s/keys.zone", argv[1]);
	load_keys(path);
	if (mauth_resolver_new_zone(path, &r, err, sizeof(err)) != MAUTH_OK ||
	    mauth_resolver_enable_cache(r, 10000, 86400) != MAUTH_OK)
		die(err);
	mauth_ctx_options_init(&o);
	o.authserv_id = "mx.sink.test";
	o.now = 1795700000;
	if (mauth_ctx_new(&o, r, &ctx, err, sizeof(err)) != MAUTH_OK)
		die(err);
	if ((lib = dkim_init(NULL, NULL)) == NULL ||
	    dkim_set_key_lookup(lib, odkim_key) != DKIM_STAT_OK)
		die("libopendkim: init");

	printf("%-9s %5s %11s %11s %11s %9s %9s %9s\n", "set", "msgs",
	    "floor/s", "odkim/s", "mauth/s", "m/odkim", "m/floor",
	    "odkim/fl");
	for (s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
		ed = sets[s][0] == 'e';
		snprintf(path, sizeof(path), "%s/%s", argv[1], sets[s]);
		load_set(path, NULL);
		snprintf(path, sizeof(path), "%s/testdata/verify/keys/%s",
		    BENCH_SOURCE_DIR, ed ? "ed25519.pem" : "rsa2048.pem");
		siglen = sizeof(sig);
		pub = floor_key(path, sig, &siglen, ed);
		/* warm-up: caches, page faults, OpenSSL's lazy init */
		run_mauth(ctx);
		run_odkim(lib);
		run_floor(pub, sig, siglen, ed);
		for (k = 0; k < rounds; k++) {
			fl[k] = run_floor(pub, sig, siglen, ed);
			od[k] = run_odkim(lib);
			ma[k] = run_mauth(ctx);
			r_od[k] = ma[k] / od[k];
			r_fl[k] = ma[k] / fl[k];
			r_odfl[k] = od[k] / fl[k];
		}
		qsort(fl, (size_t)rounds, sizeof(double), cmp_double);
		qsort(od, (size_t)rounds, sizeof(double), cmp_double);
		qsort(ma, (size_t)rounds, sizeof(double), cmp_double);
		qsort(r_od, (size_t)rounds, sizeof(double), cmp_double);
		qsort(r_fl, (size_t)rounds, sizeof(double), cmp_double);
		qsort(r_odfl, (size_t)rounds, sizeof(double), cmp_double);
		printf("%-9s %5zu %11.0f %11.0f %11.0f %8.0f%% %8.1f%% %8.1f%%\n",
		    sets[s], nmsgs, fl[rounds / 2], od[rounds / 2],
		    ma[rounds / 2], 100 * r_od[rounds / 2],
		    100 * r_fl[rounds / 2], 100 * r_odfl[rounds / 2]);
		EVP_PKEY_free(pub);
	}
	printf("rates: messages per CPU-second, medians of %d rounds; ratios: "
	    "medians of per-round ratios\n", rounds);
	dkim_close(lib);
	mauth_ctx_free(ctx);
	mauth_resolver_free(r);
	return 0;
}
