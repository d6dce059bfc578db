/*
 * test_sign_key.c - DKIM signing keys (src/lib/dkim/key.c): good and bad
 * key files made at test time in a temporary directory (EVP in-process:
 * RSA 1024/2048 and Ed25519 as PEM and DER, PKCS#8 and traditional; an
 * encrypted PEM; EC; public keys; garbage; empty; missing) plus the
 * committed RSA 768/4096/8192 keys; the DNS record text; reload only on
 * change, and the old key kept when the new file is bad; readers racing a
 * reload.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "mauth/sign.h"
#include "dkim/sign_int.h"

#define KEYS	TESTDATA "/dkim/keys/"

static char dir[256];

enum form { PEM_PKCS8, PEM_TRAD, DER_PKCS8, DER_TRAD, PEM_ENC, PEM_PUB,
    DER_PUB };

/* path - dir/name */
static const char *
path(const char *name)
{
	static char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

/* gen - a new key of type ("RSA", "ED25519", "EC") */
static EVP_PKEY *
gen(const char *type, unsigned bits)
{
	EVP_PKEY *pk = NULL;

	if (strcmp(type, "RSA") == 0)
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	else if (strcmp(type, "EC") == 0)
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	else
		pk = EVP_PKEY_Q_keygen(NULL, NULL, type);
	if (pk == NULL)
		fail_msg("keygen %s %u failed", type, bits);
	return pk;
}

/* save - write pk in the given form to dir/name */
static void
save(EVP_PKEY *pk, enum form f, const char *name)
{
	BIO *b = BIO_new_file(path(name), "wb");
	int ok = 0;

	if (b == NULL)
		fail_msg("%s: cannot create", name);
	switch (f) {
	case PEM_PKCS8:
		ok = PEM_write_bio_PKCS8PrivateKey(b, pk, NULL, NULL, 0, NULL,
		    NULL);
		break;
	case PEM_TRAD:
		ok = PEM_write_bio_PrivateKey_traditional(b, pk, NULL, NULL, 0,
		    NULL, NULL);
		break;
	case DER_PKCS8:
		ok = i2d_PKCS8PrivateKey_bio(b, pk, NULL, NULL, 0, NULL, NULL);
		break;
	case DER_TRAD:
		ok = i2d_PrivateKey_bio(b, pk);
		break;
	case PEM_ENC:
		ok = PEM_write_bio_PKCS8PrivateKey(b, pk, EVP_aes_256_cbc(),
		    NULL, 0, NULL, (void *)"secret");
		break;
	case PEM_PUB:
		ok = PEM_write_bio_PUBKEY(b, pk);
		break;
	case DER_PUB:
		ok = i2d_PUBKEY_bio(b, pk);
		break;
	}
	BIO_free(b);
	if (!ok)
		fail_msg("%s: cannot write", name);
}

static void
put(const char *name, const void *data, size_t len)
{
	FILE *f = fopen(path(name), "wb");

	if (f == NULL || fwrite(data, 1, len, f) != len)
		fail_msg("%s: cannot write", name);
	fclose(f);
}

struct kcase {
	const char	*name;
	const char	*file;		/* in dir, or KEYS path when absolute */
	int		 rc;
	int		 type;
	unsigned	 bits;
	const char	*reason;	/* substring of the error */
};

static void
test_load(void **state)
{
	static const struct kcase cases[] = {
		{ "rsa 1024 pem pkcs8", "r1024.pem", MAUTH_OK, MAUTH_KEY_RSA,
		    1024, NULL },
		{ "rsa 1024 der trad", "r1024.der", MAUTH_OK, MAUTH_KEY_RSA,
		    1024, NULL },
		{ "rsa 2048 pem trad", "r2048t.pem", MAUTH_OK, MAUTH_KEY_RSA,
		    2048, NULL },
		{ "rsa 2048 der pkcs8", "r2048p8.der", MAUTH_OK, MAUTH_KEY_RSA,
		    2048, NULL },
		{ "rsa 4096 pem", KEYS "rsa4096.pem", MAUTH_OK, MAUTH_KEY_RSA,
		    4096, NULL },
		{ "ed25519 pem", "ed.pem", MAUTH_OK, MAUTH_KEY_ED25519, 256,
		    NULL },
		{ "ed25519 der", "ed.der", MAUTH_OK, MAUTH_KEY_ED25519, 256,
		    NULL },
		{ "ed25519 raw seed", KEYS "ed25519.seed", MAUTH_OK,
		    MAUTH_KEY_ED25519, 256, NULL },
		{ "encrypted pem", "enc.pem", MAUTH_ERR_SYNTAX, 0, 0,
		    "encrypted" },
		{ "rsa 768", KEYS "rsa768.pem", MAUTH_ERR_INVAL, 0, 0,
		    "768 bits" },
		{ "rsa 512", "r512.pem", MAUTH_ERR_INVAL, 0, 0, "512 bits" },
		{ "rsa 8192", KEYS "rsa8192.pem", MAUTH_ERR_INVAL, 0, 0,
		    "8192 bits" },
		{ "ec key", "ec.pem", MAUTH_ERR_SYNTAX, 0, 0, "EC key" },
		{ "public pem", "pub.pem", MAUTH_ERR_SYNTAX, 0, 0,
		    "public key" },
		{ "public der", "pub.der", MAUTH_ERR_SYNTAX, 0, 0,
		    "public key" },
		{ "garbage", "garbage", MAUTH_ERR_SYNTAX, 0, 0,
		    "not a private key" },
		{ "garbage pem", "garbage.pem", MAUTH_ERR_SYNTAX, 0, 0,
		    "not a private key" },
		{ "empty", "empty", MAUTH_ERR_SYNTAX, 0, 0, "empty" },
		{ "missing", "missing", MAUTH_ERR_IO, 0, 0,
		    "No such file" },
	};
	struct mauth_key *k;
	char err[256], *rec;
	const char *p;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = cases[i].file[0] == '/' ? cases[i].file :
		    path(cases[i].file);
		err[0] = '\0';
		k = NULL;
		rc = mauth_key_load(p, &k, err, sizeof(err));
		if (rc != cases[i].rc)
			fail_msg("%s: got %s (%s), want %s", cases[i].name,
			    mauth_strerror(rc), err,
			    mauth_strerror(cases[i].rc));
		if (rc != MAUTH_OK) {
			if (k != NULL || strstr(err, cases[i].reason) == NULL ||
			    strchr(err, '\n') != NULL)
				fail_msg("%s: got reason \"%s\", want one line "
				    "with \"%s\"", cases[i].name, err,
				    cases[i].reason);
			continue;
		}
		if (mauth_key_type(k) != cases[i].type ||
		    mauth_key_bits(k) != cases[i].bits)
			fail_msg("%s: got type %d bits %u, want %d %u",
			    cases[i].name, mauth_key_type(k), mauth_key_bits(k),
			    cases[i].type, cases[i].bits);
		rec = mauth_key_dns_record(k);
		if (rec == NULL || strncmp(rec, cases[i].type == MAUTH_KEY_RSA ?
		    "v=DKIM1; k=rsa; p=MI" : "v=DKIM1; k=ed25519; p=", 18) != 0 ||
		    (cases[i].type == MAUTH_KEY_ED25519 && strlen(rec) !=
		    strlen("v=DKIM1; k=ed25519; p=") + 44))
			fail_msg("%s: got record \"%s\", want a %s record",
			    cases[i].name, rec ? rec : "(null)",
			    cases[i].type == MAUTH_KEY_RSA ? "rsa" : "ed25519");
		free(rec);
		mauth_key_free(k);
	}
}

/* test_mem - the same parser from memory */
static void
test_mem(void **state)
{
	struct mauth_key *k;
	char err[256];

	(void)state;
	if (mauth_key_load_mem("inline", "junk", 4, &k, err, sizeof(err)) !=
	    MAUTH_ERR_SYNTAX || strstr(err, "inline") == NULL)
		fail_msg("mem junk: got \"%s\", want a syntax error naming "
		    "inline", err);
	if (mauth_key_load_mem("inline", "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZ"
	    "cDusAxyuf2A=", 44, &k, err, sizeof(err)) != MAUTH_OK)
		fail_msg("mem seed: got \"%s\", want success", err);
	/* mem keys have no file: reload is a no-op */
	{
		bool ch = true;

		if (mauth_key_reload(k, &ch, err, sizeof(err)) != MAUTH_OK ||
		    ch)
			fail_msg("mem reload: got changed, want no-op");
	}
	mauth_key_free(k);
}

/* copy - replace dir/dst with dir/src (new inode, as editors and mv do) */
static void
copy(const char *src, const char *dst)
{
	char from[512], to[512], tmp[600];
	FILE *a, *b;
	char buf[65536];
	size_t n;

	snprintf(from, sizeof(from), "%s", path(src));
	snprintf(to, sizeof(to), "%s", path(dst));
	snprintf(tmp, sizeof(tmp), "%s.tmp", to);
	if ((a = fopen(from, "rb")) == NULL || (b = fopen(tmp, "wb")) == NULL)
		fail_msg("copy %s: cannot open", src);
	n = fread(buf, 1, sizeof(buf), a);
	if (fwrite(buf, 1, n, b) != n)
		fail_msg("copy: short write");
	fclose(a);
	fclose(b);
	if (rename(tmp, to) != 0)
		fail_msg("copy: rename failed");
}

/* test_reload - only on change; old key kept when the new file is bad */
static void
test_reload(void **state)
{
	struct mauth_key *k;
	char err[256];
	bool ch;
	int rc;

	(void)state;
	copy("r2048t.pem", "live.pem");
	if (mauth_key_load(path("live.pem"), &k, err, sizeof(err)) != MAUTH_OK)
		fail_msg("reload: load: %s", err);
	if (mauth_key_reload(k, &ch, err, sizeof(err)) != MAUTH_OK || ch)
		fail_msg("reload unchanged: got changed=%d, want 0", ch);
	copy("ed.pem", "live.pem");
	if (mauth_key_reload(k, &ch, err, sizeof(err)) != MAUTH_OK || !ch ||
	    mauth_key_type(k) != MAUTH_KEY_ED25519)
		fail_msg("reload changed: got changed=%d type %d, want 1 "
		    "ed25519 (%s)", ch, mauth_key_type(k), err);
	if (mauth_key_reload(k, &ch, err, sizeof(err)) != MAUTH_OK || ch)
		fail_msg("reload again: got changed=%d, want 0", ch);
	copy("garbage", "live.pem");
	rc = mauth_key_reload(k, &ch, err, sizeof(err));
	if (rc != MAUTH_ERR_SYNTAX || ch || mauth_key_type(k) !=
	    MAUTH_KEY_ED25519)
		fail_msg("reload bad: got %s changed=%d type %d, want syntax "
		    "error and the old ed25519 key", mauth_strerror(rc), ch,
		    mauth_key_type(k));
	unlink(path("live.pem"));
	rc = mauth_key_reload(k, &ch, err, sizeof(err));
	if (rc != MAUTH_ERR_IO || mauth_key_type(k) != MAUTH_KEY_ED25519)
		fail_msg("reload missing: got %s, want io error, old key",
		    mauth_strerror(rc));
	copy("r1024.pem", "live.pem");
	if (mauth_key_reload(k, &ch, err, sizeof(err)) != MAUTH_OK || !ch ||
	    mauth_key_bits(k) != 1024)
		fail_msg("reload back: got changed=%d bits %u, want 1 1024", ch,
		    mauth_key_bits(k));
	mauth_key_free(k);
}

struct race {
	struct mauth_key	*k;
	volatile int		 stop;
	unsigned long		 reads, bad;
};

/* reader - take and drop references while the main thread reloads */
static void *
reader(void *arg)
{
	struct race *r = arg;
	struct sign_keystate *ks;
	unsigned char sig[512];
	uint8_t d[32] = { 1 };
	size_t sl;

	while (!r->stop) {
		ks = sign_key_get(r->k);
		sl = sizeof(sig);
		if (ks == NULL || sign_key_sign(ks, d, sizeof(d), sig, &sl) !=
		    MAUTH_OK || sl != (size_t)EVP_PKEY_get_size(ks->pkey))
			r->bad++;
		sign_key_put(ks);
		r->reads++;
	}
	return NULL;
}

static void
test_race(void **state)
{
	struct race r;
	pthread_t t[2];
	char err[256];
	size_t i;
	bool ch;

	(void)state;
	copy("ed.pem", "race.pem");
	memset(&r, 0, sizeof(r));
	if (mauth_key_load(path("race.pem"), &r.k, err, sizeof(err)) !=
	    MAUTH_OK)
		fail_msg("race: %s", err);
	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, reader, &r);
	for (i = 0; i < 100; i++) {
		copy(i % 2 ? "ed.pem" : "r1024.pem", "race.pem");
		if (mauth_key_reload(r.k, &ch, err, sizeof(err)) != MAUTH_OK)
			fail_msg("race reload %zu: %s", i, err);
	}
	r.stop = 1;
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	if (r.bad != 0 || r.reads == 0)
		fail_msg("race: got %lu bad of %lu reads, want 0 bad", r.bad,
		    r.reads);
	mauth_key_free(r.k);
}

static const char garbage_pem[] =
    "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";

static int
setup(void **state)
{
	EVP_PKEY *r1024, *r2048, *ed, *ec, *r512;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/mauth-test-sign-key.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	r512 = gen("RSA", 512);
	r1024 = gen("RSA", 1024);
	r2048 = gen("RSA", 2048);
	ed = gen("ED25519", 0);
	ec = gen("EC", 0);
	save(r512, PEM_PKCS8, "r512.pem");
	save(r1024, PEM_PKCS8, "r1024.pem");
	save(r1024, DER_TRAD, "r1024.der");
	save(r2048, PEM_TRAD, "r2048t.pem");
	save(r2048, DER_PKCS8, "r2048p8.der");
	save(ed, PEM_PKCS8, "ed.pem");
	save(ed, DER_PKCS8, "ed.der");
	save(r2048, PEM_ENC, "enc.pem");
	save(ec, PEM_PKCS8, "ec.pem");
	save(r2048, PEM_PUB, "pub.pem");
	save(ed, DER_PUB, "pub.der");
	put("garbage", "\x30\x82\x01\x00garbage bytes", 17);
	put("garbage.pem", garbage_pem, strlen(garbage_pem));
	put("empty", "", 0);
	EVP_PKEY_free(r512);
	EVP_PKEY_free(r1024);
	EVP_PKEY_free(r2048);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(ec);
	return 0;
}

static int
teardown(void **state)
{
	static const char *files[] = { "r512.pem", "r1024.pem", "r1024.der",
	    "r2048t.pem", "r2048p8.der", "ed.pem", "ed.der", "enc.pem",
	    "ec.pem", "pub.pem", "pub.der", "garbage", "garbage.pem", "empty",
	    "live.pem", "race.pem", NULL };
	size_t i;

	(void)state;
	for (i = 0; files[i] != NULL; i++)
		unlink(path(files[i]));
	rmdir(dir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_mem),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_race),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
