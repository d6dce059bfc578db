/*
 * sign_bench.c - messages signed per CPU-second: mauth's signer against
 * libopendkim's and against the cryptographic floor, in one process and
 * one run.
 *
 *   sign_bench CORPUS [ROUNDS]
 *
 * CORPUS is what bench/gen-corpus writes: {rsa,ed}-{5k,100k}/ *.eml; their
 * DKIM-Signature fields are dropped at load time, so the messages are the
 * unsigned ones.  Keys: testdata/verify/keys (RSA 2048, Ed25519).  For each
 * set, each round runs, in turn:
 *   floor        OpenSSL alone, per message: SHA-256 over every byte of the
 *                message and one EVP_DigestSign of a 32-byte header hash
 *                with a key parsed once (what `openssl speed` measures)
 *   libopendkim  dkim_sign with the PEM key, relaxed/relaxed, its
 *                "should sign" header list, signature text fetched (it
 *                parses the PEM key for every message: that is its design)
 *   mauth        mauth_signer_new/header/body/finish with a key loaded once
 *                (mauth_key_load), relaxed/relaxed, the default header and
 *                oversign lists, t= on; the DKIM-Signature field fetched
 * Header fields are handed over one per call in both libraries, the body
 * in one piece.  Rates are per CPU-second of this process
 * (CLOCK_PROCESS_CPUTIME_ID); ratios are medians of per-round ratios.
 *
 * This benchmark measures libopendkim as a peer, so it includes its header;
 * the library itself includes it in one file only (src/lib/dkim).
 */
#include <dirent.h>
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
#include "mauth/sign.h"

/* unsign - drop the leading DKIM-Signature fields (gen-corpus's) */
static void
unsign(struct bench_msg *m)
{
	size_t off = 0;
	const unsigned char *eol;

	while (m->len - off > 15 &&
	    strncasecmp((const char *)m->buf + off, "DKIM-Signature:",
	    15) == 0) {
		do {
			eol = memmem(m->buf + off, m->len - off, "\r\n", 2);
			if (eol == NULL)
				die("a corpus message without CRLF");
			off = (size_t)(eol - m->buf) + 2;
		} while (off < m->len && (m->buf[off] == ' ' ||
		    m->buf[off] == '\t'));
	}
	memmove(m->buf, m->buf + off, m->len - off);
	m->len -= off;
}

/*
 * each_field - call f for every header field of m (folding kept, final
 * CRLF excluded); the offset of the body in *body.  0 or -1.
 */
static int
each_field(const struct bench_msg *m, int (*f)(void *, const unsigned char *,
    size_t), void *arg, size_t *body)
{
	const unsigned char *p = m->buf, *end = m->buf + m->len, *start = p;
	const unsigned char *eol;

	for (;;) {
		if ((eol = memmem(p, (size_t)(end - p), "\r\n", 2)) == NULL)
			return -1;
		if (eol == p) {
			if (p > start && f(arg, start,
			    (size_t)(p - 2 - start)) != 0)
				return -1;
			*body = (size_t)(eol + 2 - m->buf);
			return 0;
		}
		if (p != start && (*p == ' ' || *p == '\t')) {
			p = eol + 2;
			continue;
		}
		if (p > start && f(arg, start, (size_t)(p - 2 - start)) != 0)
			return -1;
		start = p;
		p = eol + 2;
	}
}

/* ---- libopendkim --------------------------------------------------------- */

/* odkim_field - one header field to libopendkim */
static int
odkim_field(void *arg, const unsigned char *h, size_t len)
{
	return dkim_header(arg, (u_char *)h, len) == DKIM_STAT_OK ? 0 : -1;
}

/* run_odkim - sign the set with libopendkim; messages/s */
static double
run_odkim(DKIM_LIB *lib, const unsigned char *pem, int ed)
{
	double t0 = cpu_now();
	unsigned char *hdr;
	size_t i, body, hlen;
	DKIM_STAT st;
	DKIM *d;

	for (i = 0; i < nmsgs; i++) {
		d = dkim_sign(lib, (const u_char *)"bench", NULL,
		    (dkim_sigkey_t)pem, (const u_char *)(ed ? "ed1" : "rsa1"),
		    (const u_char *)"bank.test", DKIM_CANON_RELAXED,
		    DKIM_CANON_RELAXED, ed ? DKIM_SIGN_ED25519SHA256 :
		    DKIM_SIGN_RSASHA256, -1, &st);
		if (d == NULL)
			die("libopendkim: dkim_sign");
		if (each_field(&msgs[i], odkim_field, d, &body) != 0 ||
		    dkim_eoh(d) != DKIM_STAT_OK ||
		    dkim_body(d, msgs[i].buf + body, msgs[i].len - body) !=
		    DKIM_STAT_OK || dkim_eom(d, NULL) != DKIM_STAT_OK ||
		    dkim_getsighdr_d(d, 16, &hdr, &hlen) != DKIM_STAT_OK ||
		    hlen == 0)
			die("libopendkim: a message was not signed");
		dkim_free(d);
	}
	return (double)nmsgs / (cpu_now() - t0);
}

/* ---- mauth --------------------------------------------------------------- */

/* mauth_field - one header field to the mauth signer */
static int
mauth_field(void *arg, const unsigned char *h, size_t len)
{
	const unsigned char *colon = memchr(h, ':', len);

	if (colon == NULL)
		return -1;
	return mauth_signer_header(arg, (const char *)h, (size_t)(colon - h),
	    (const char *)colon + 1, len - (size_t)(colon + 1 - h));
}

/* run_mauth - sign the set with mauth; messages/s */
static double
run_mauth(const struct mauth_sign_config *cfg)
{
	struct mauth_signer *s;
	double t0 = cpu_now();
	char err[256];
	size_t i, body;

	for (i = 0; i < nmsgs; i++) {
		if (mauth_signer_new(cfg, 1, &s, err, sizeof(err)) != MAUTH_OK)
			die(err);
		if (each_field(&msgs[i], mauth_field, s, &body) != 0 ||
		    mauth_signer_body(s, msgs[i].buf + body,
		    msgs[i].len - body) != MAUTH_OK ||
		    mauth_signer_finish(s, err, sizeof(err)) != MAUTH_OK ||
		    mauth_signer_count(s) != 1 ||
		    mauth_signer_field(s, 0) == NULL)
			die("mauth: a message was not signed");
		mauth_signer_free(s);
	}
	return (double)nmsgs / (cpu_now() - t0);
}

/* ---- the floor ----------------------------------------------------------- */

/* run_floor - per message: SHA-256 over all its bytes + one signature */
static double
run_floor(EVP_PKEY *priv, int ed)
{
	static const unsigned char tbs[32] = "header hash stands in here.....";
	unsigned char md[32], sig[512];
	unsigned int mdlen;
	size_t siglen;
	EVP_MD_CTX *mc;
	double t0 = cpu_now();
	size_t i;

	if ((mc = EVP_MD_CTX_new()) == NULL)
		die("floor: out of memory");
	for (i = 0; i < nmsgs; i++) {
		if (EVP_Digest(msgs[i].buf, msgs[i].len, md, &mdlen,
		    EVP_sha256(), NULL) != 1)
			die("floor: digest");
		EVP_MD_CTX_reset(mc);
		siglen = sizeof(sig);
		if (EVP_DigestSignInit(mc, NULL, ed ? NULL : EVP_sha256(),
		    NULL, priv) != 1 ||
		    EVP_DigestSign(mc, sig, &siglen, tbs, sizeof(tbs)) != 1)
			die("floor: signing failed");
	}
	EVP_MD_CTX_free(mc);
	return (double)nmsgs / (cpu_now() - t0);
}

/* main - the table, one row per set */
int
main(int argc, char **argv)
{
	static const char *sets[] = {
		"rsa-5k", "ed-5k", "rsa-100k", "ed-100k"
	};
	struct mauth_sign_config cfg;
	struct mauth_key *key;
	char path[4096], err[256];
	DKIM_LIB *lib;
	EVP_PKEY *priv;
	unsigned char *pem;
	size_t pemlen, s;
	double fl[16], od[16], ma[16], r_od[16], r_fl[16], r_odfl[16];
	int rounds = 5, k, ed;
	FILE *f;

	bench_prog = "sign_bench";
	if (argc < 2) {
		fprintf(stderr, "usage: sign_bench CORPUS [ROUNDS]\n");
		return 2;
	}
	if (argc > 2 && ((rounds = (int)strtol(argv[2], NULL, 10)) < 1 ||
	    rounds > 16))
		die("ROUNDS is 1..16");
	if ((lib = dkim_init(NULL, NULL)) == NULL ||
	    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS,
	    dkim_should_signhdrs, sizeof(u_char **)) != DKIM_STAT_OK)
		die("libopendkim: init");

	printf("%-9s %5s %11s %11s %11s %9s %9s %9s\n", "set", "msgs",
	    "floor/s", "odkim/s", "mauth/s", "m/odkim", "m/floor",
	    "odkim/fl");
	for (s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
		ed = sets[s][0] == 'e';
		snprintf(path, sizeof(path), "%s/%s", argv[1], sets[s]);
		load_set(path, unsign);
		snprintf(path, sizeof(path), "%s/testdata/verify/keys/%s",
		    BENCH_SOURCE_DIR, ed ? "ed25519.pem" : "rsa2048.pem");
		if ((pem = slurp(path, &pemlen)) == NULL ||
		    (f = fopen(path, "r")) == NULL)
			die("cannot read the test key");
		priv = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
		if (priv == NULL)
			die("cannot parse the test key");
		if (mauth_key_load(path, &key, err, sizeof(err)) != MAUTH_OK)
			die(err);
		mauth_sign_config_init(&cfg);
		cfg.domain = "bank.test";
		cfg.selector = ed ? "ed1" : "rsa1";
		cfg.key = key;
		/* warm-up: caches, page faults, OpenSSL's lazy init */
		run_mauth(&cfg);
		run_odkim(lib, pem, ed);
		run_floor(priv, ed);
		for (k = 0; k < rounds; k++) {
			fl[k] = run_floor(priv, ed);
			od[k] = run_odkim(lib, pem, ed);
			ma[k] = run_mauth(&cfg);
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
		printf("%-9s %5zu %11.0f %11.0f %11.0f %8.0f%% %8.1f%% "
		    "%8.1f%%\n", sets[s], nmsgs, fl[rounds / 2], od[rounds / 2],
		    ma[rounds / 2], 100 * r_od[rounds / 2],
		    100 * r_fl[rounds / 2], 100 * r_odfl[rounds / 2]);
		mauth_key_free(key);
		EVP_PKEY_free(priv);
		free(pem);
	}
	printf("rates: messages per CPU-second, medians of %d rounds; ratios: "
	    "medians of per-round ratios\n", rounds);
	dkim_close(lib);
	return 0;
}
