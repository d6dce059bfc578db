/*
 * key.c - DKIM signing keys: parsed once into an EVP_PKEY and kept,
 * reloaded only when the file changes (RFC 6376 3.3, RFC 8463, RFC 8301).
 *
 * Readers take a reference to the current key state (the EVP_PKEY and its
 * prepared signing context) under the key's mutex (sign_key_get); a reload
 * parses the new file outside the lock and swaps the pointer under it, so
 * a signature in progress keeps the key it started with.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "mauth/common.h"
#include "mauth/sign.h"
#include "dkim/sign_int.h"
#include "util/buf.h"

#define RSA_MIN_BITS	1024	/* RFC 8301 3.2 */
#define RSA_MAX_BITS	4096

struct mauth_key {
	pthread_mutex_t	 mu;
	struct sign_keystate *ks;	/* under mu */
	int		 type;		/* under mu */
	unsigned	 bits;		/* under mu */
	char		*path;		/* NULL for keys from memory */
	struct stat	 st;		/* of the file last loaded */
};

static void	kerr(char *errbuf, size_t errlen, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

/* kerr - one-line reason into errbuf (may be NULL) */
static void
kerr(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errbuf == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
}

/* no_password - PEM password callback: encrypted keys are refused */
static int
no_password(char *buf, int size, int rwflag, void *u)
{
	*(bool *)u = true;
	return -1;
}

/* has - whether needle occurs in buf[0..len) */
static bool
has(const void *buf, size_t len, const char *needle)
{
	return memmem(buf, len, needle, strlen(needle)) != NULL;
}

/* b64val - value of a base64 character, -1 if none */
static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * raw_seed - a file holding only the base64 of a 32-byte Ed25519 private
 * key (dkimpy's and the RFC 8463 A.2 form) into seed[32]
 */
static bool
raw_seed(const unsigned char *p, size_t len, unsigned char seed[32])
{
	unsigned long acc = 0;
	size_t i, n = 0, bits = 0;
	int v;

	while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r' ||
	    p[len - 1] == ' '))
		len--;
	if (len != 44 || p[43] != '=')
		return false;
	for (i = 0; i < 43; i++) {
		if ((v = b64val(p[i])) < 0)
			return false;
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n < 32)
				seed[n++] = (unsigned char)(acc >> bits);
			acc &= (1UL << bits) - 1;
		}
	}
	return n == 32;
}

/* type_name - a readable name for a refused key type */
static const char *
type_name(int id)
{
	switch (id) {
	case EVP_PKEY_EC:
		return "EC";
	case EVP_PKEY_DSA:
		return "DSA";
	case EVP_PKEY_DH:
		return "DH";
	case EVP_PKEY_ED448:
		return "Ed448";
	case EVP_PKEY_X25519:
		return "X25519";
	case EVP_PKEY_RSA_PSS:
		return "RSA-PSS";
	default:
		return "unknown";
	}
}

/*
 * parse - bytes into a checked EVP_PKEY.  Returns MAUTH_OK, MAUTH_ERR_SYNTAX
 * (malformed, encrypted, public-only, other type), MAUTH_ERR_INVAL (RSA
 * size) or MAUTH_ERR_NOMEM.
 */
static int
parse(const char *name, const unsigned char *buf, size_t len,
    EVP_PKEY **out, int *type, unsigned *bits, char *errbuf, size_t errlen)
{
	EVP_PKEY *pk = NULL;
	const unsigned char *p;
	unsigned char seed[32];
	bool pem, asked = false;
	BIO *bio;
	int id, nb;

	*out = NULL;
	if (len == 0) {
		kerr(errbuf, errlen, "%s: empty key file", name);
		return MAUTH_ERR_SYNTAX;
	}
	if (len > SIGN_MAX_KEY_FILE || len > INT32_MAX) {
		kerr(errbuf, errlen, "%s: key file too large", name);
		return MAUTH_ERR_SYNTAX;
	}
	pem = has(buf, len, "-----BEGIN ");
	if (pem && (has(buf, len, "ENCRYPTED") ||
	    has(buf, len, "Proc-Type: 4,"))) {
		kerr(errbuf, errlen, "%s: encrypted key (a passphrase-"
		    "protected key cannot be used unattended)", name);
		return MAUTH_ERR_SYNTAX;
	}
	if (pem && (has(buf, len, "PUBLIC KEY-----") ||
	    has(buf, len, "-----BEGIN CERTIFICATE"))) {
		kerr(errbuf, errlen, "%s: public key only, a private key is "
		    "needed", name);
		return MAUTH_ERR_SYNTAX;
	}
	if (pem) {
		if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL)
			return MAUTH_ERR_NOMEM;
		pk = PEM_read_bio_PrivateKey(bio, NULL, no_password, &asked);
		BIO_free(bio);
	} else if (raw_seed(buf, len, seed)) {
		pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
		    seed, sizeof(seed));
		OPENSSL_cleanse(seed, sizeof(seed));
	} else {
		p = buf;
		pk = d2i_AutoPrivateKey(NULL, &p, (long)len);
		if (pk == NULL) {
			p = buf;
			pk = d2i_PUBKEY(NULL, &p, (long)len);
			if (pk != NULL) {
				EVP_PKEY_free(pk);
				ERR_clear_error();
				kerr(errbuf, errlen, "%s: public key only, a "
				    "private key is needed", name);
				return MAUTH_ERR_SYNTAX;
			}
		}
	}
	ERR_clear_error();
	if (pk == NULL) {
		if (asked)
			kerr(errbuf, errlen, "%s: encrypted key", name);
		else
			kerr(errbuf, errlen, "%s: not a private key in PEM or "
			    "DER form (PKCS#8 or RSA)", name);
		return MAUTH_ERR_SYNTAX;
	}
	id = EVP_PKEY_get_base_id(pk);
	if (id == EVP_PKEY_RSA) {
		nb = EVP_PKEY_get_bits(pk);
		if (nb < RSA_MIN_BITS || nb > RSA_MAX_BITS) {
			EVP_PKEY_free(pk);
			kerr(errbuf, errlen, "%s: RSA key of %d bits (must be "
			    "%d to %d)", name, nb, RSA_MIN_BITS, RSA_MAX_BITS);
			return MAUTH_ERR_INVAL;
		}
		*type = MAUTH_KEY_RSA;
		*bits = (unsigned)nb;
	} else if (id == EVP_PKEY_ED25519) {
		*type = MAUTH_KEY_ED25519;
		*bits = 256;
	} else {
		EVP_PKEY_free(pk);
		kerr(errbuf, errlen, "%s: %s key: only RSA and Ed25519 keys "
		    "can sign DKIM", name, type_name(id));
		return MAUTH_ERR_SYNTAX;
	}
	*out = pk;
	return MAUTH_OK;
}

/* state_new - the key with its signing template (takes pk) */
static struct sign_keystate *
state_new(EVP_PKEY *pk)
{
	struct sign_keystate *ks;
	int ok;

	if ((ks = calloc(1, sizeof(*ks))) == NULL) {
		EVP_PKEY_free(pk);
		return NULL;
	}
	ks->pkey = pk;
	ks->refs = 1;
	if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_ED25519) {
		ok = (ks->ed = EVP_MD_CTX_new()) != NULL &&
		    EVP_DigestSignInit(ks->ed, NULL, NULL, NULL, pk) == 1;
	} else {
		ok = (ks->rsa = EVP_PKEY_CTX_new(pk, NULL)) != NULL &&
		    EVP_PKEY_sign_init(ks->rsa) == 1 &&
		    EVP_PKEY_CTX_set_rsa_padding(ks->rsa,
		    RSA_PKCS1_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_signature_md(ks->rsa, sign_sha256()) == 1;
	}
	ERR_clear_error();
	if (!ok) {
		sign_key_put(ks);
		return NULL;
	}
	return ks;
}

/* sign_key_put - drop a reference */
void
sign_key_put(struct sign_keystate *ks)
{
	if (ks == NULL || __atomic_sub_fetch(&ks->refs, 1,
	    __ATOMIC_ACQ_REL) > 0)
		return;
	EVP_MD_CTX_free(ks->ed);
	EVP_PKEY_CTX_free(ks->rsa);
	EVP_PKEY_free(ks->pkey);
	free(ks);
}

/* sign_key_sign - sign a SHA-256 digest with a copy of the template */
int
sign_key_sign(const struct sign_keystate *ks, const uint8_t *d, size_t dlen,
    unsigned char *sig, size_t *siglen)
{
	EVP_PKEY_CTX *pc;
	EVP_MD_CTX *mc;
	int ok;

	if (ks->ed != NULL) {
		/* RFC 8463 3: PureEdDSA over the SHA-256 hash */
		if ((mc = EVP_MD_CTX_new()) == NULL)
			return MAUTH_ERR_NOMEM;
		ok = EVP_MD_CTX_copy_ex(mc, ks->ed) == 1 &&
		    EVP_DigestSign(mc, sig, siglen, d, dlen) == 1;
		EVP_MD_CTX_free(mc);
	} else {
		/* RFC 6376 3.3.1: RSASSA-PKCS1-v1_5 with SHA-256 */
		if ((pc = EVP_PKEY_CTX_dup(ks->rsa)) == NULL) {
			ERR_clear_error();
			return MAUTH_ERR_NOMEM;
		}
		ok = EVP_PKEY_sign(pc, sig, siglen, d, dlen) == 1;
		EVP_PKEY_CTX_free(pc);
	}
	ERR_clear_error();
	return ok ? MAUTH_OK : MAUTH_ERR_INTERNAL;
}

/* read_file - the whole (bounded) key file and its stat */
static int
read_file(const char *path, unsigned char **out, size_t *outlen,
    struct stat *st, char *errbuf, size_t errlen)
{
	unsigned char *data;
	size_t len = 0;
	ssize_t r;
	int fd;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		kerr(errbuf, errlen, "%s: %s", path, strerror(errno));
		return MAUTH_ERR_IO;
	}
	if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode)) {
		kerr(errbuf, errlen, "%s: not a regular file", path);
		close(fd);
		return MAUTH_ERR_IO;
	}
	if (st->st_size > SIGN_MAX_KEY_FILE) {
		kerr(errbuf, errlen, "%s: key file too large", path);
		close(fd);
		return MAUTH_ERR_SYNTAX;
	}
	if ((data = malloc(SIGN_MAX_KEY_FILE + 1)) == NULL) {
		close(fd);
		return MAUTH_ERR_NOMEM;
	}
	for (;;) {
		r = read(fd, data + len, SIGN_MAX_KEY_FILE + 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			kerr(errbuf, errlen, "%s: %s", path, strerror(errno));
			OPENSSL_cleanse(data, len);
			free(data);
			close(fd);
			return MAUTH_ERR_IO;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > SIGN_MAX_KEY_FILE)
			break;
	}
	close(fd);
	if (len > SIGN_MAX_KEY_FILE) {
		kerr(errbuf, errlen, "%s: key file too large", path);
		OPENSSL_cleanse(data, len);
		free(data);
		return MAUTH_ERR_SYNTAX;
	}
	*out = data;
	*outlen = len;
	return MAUTH_OK;
}

/* key_new - wrap a parsed key */
static struct mauth_key *
key_new(EVP_PKEY *pk, int type, unsigned bits)
{
	struct mauth_key *k;

	if ((k = calloc(1, sizeof(*k))) == NULL) {
		EVP_PKEY_free(pk);
		return NULL;
	}
	if (pthread_mutex_init(&k->mu, NULL) != 0 ||
	    (k->ks = state_new(pk)) == NULL) {
		free(k);
		return NULL;
	}
	k->type = type;
	k->bits = bits;
	return k;
}

int
mauth_key_load_mem(const char *name, const void *buf, size_t len,
    struct mauth_key **out, char *errbuf, size_t errlen)
{
	EVP_PKEY *pk;
	unsigned bits;
	int rc, type;

	if (out == NULL || (buf == NULL && len > 0))
		return MAUTH_ERR_INVAL;
	*out = NULL;
	if (name == NULL)
		name = "key";
	if ((rc = parse(name, buf, len, &pk, &type, &bits, errbuf,
	    errlen)) != MAUTH_OK)
		return rc;
	if ((*out = key_new(pk, type, bits)) == NULL)
		return MAUTH_ERR_NOMEM;
	return MAUTH_OK;
}

int
mauth_key_load(const char *path, struct mauth_key **out, char *errbuf,
    size_t errlen)
{
	unsigned char *data;
	struct stat st;
	size_t len;
	int rc;

	if (out == NULL || path == NULL)
		return MAUTH_ERR_INVAL;
	*out = NULL;
	if ((rc = read_file(path, &data, &len, &st, errbuf, errlen)) !=
	    MAUTH_OK)
		return rc;
	rc = mauth_key_load_mem(path, data, len, out, errbuf, errlen);
	OPENSSL_cleanse(data, len);
	free(data);
	if (rc != MAUTH_OK)
		return rc;
	if (((*out)->path = strdup(path)) == NULL) {
		mauth_key_free(*out);
		*out = NULL;
		return MAUTH_ERR_NOMEM;
	}
	(*out)->st = st;
	return MAUTH_OK;
}

int
mauth_key_reload(struct mauth_key *k, bool *changed, char *errbuf,
    size_t errlen)
{
	unsigned char *data;
	struct stat st;
	struct sign_keystate *ks, *old;
	EVP_PKEY *pk;
	unsigned bits;
	size_t len;
	int rc, type;

	if (changed != NULL)
		*changed = false;
	if (k == NULL)
		return MAUTH_ERR_INVAL;
	if (k->path == NULL)
		return MAUTH_OK;	/* from memory: nothing to re-read */
	if (stat(k->path, &st) == -1) {
		kerr(errbuf, errlen, "%s: %s", k->path, strerror(errno));
		return MAUTH_ERR_IO;
	}
	if (st.st_ino == k->st.st_ino && st.st_dev == k->st.st_dev &&
	    st.st_size == k->st.st_size &&
	    st.st_mtim.tv_sec == k->st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == k->st.st_mtim.tv_nsec)
		return MAUTH_OK;
	if ((rc = read_file(k->path, &data, &len, &st, errbuf, errlen)) !=
	    MAUTH_OK)
		return rc;
	rc = parse(k->path, data, len, &pk, &type, &bits, errbuf, errlen);
	OPENSSL_cleanse(data, len);
	free(data);
	if (rc != MAUTH_OK)
		return rc;	/* the old key stays */
	if ((ks = state_new(pk)) == NULL)
		return MAUTH_ERR_NOMEM;
	pthread_mutex_lock(&k->mu);
	old = k->ks;
	k->ks = ks;
	k->type = type;
	k->bits = bits;
	pthread_mutex_unlock(&k->mu);
	k->st = st;
	sign_key_put(old);
	if (changed != NULL)
		*changed = true;
	return MAUTH_OK;
}

void
mauth_key_free(struct mauth_key *k)
{
	if (k == NULL)
		return;
	sign_key_put(k->ks);
	pthread_mutex_destroy(&k->mu);
	free(k->path);
	free(k);
}

int
mauth_key_type(const struct mauth_key *k)
{
	struct mauth_key *mk = (struct mauth_key *)k;
	int t;

	if (k == NULL)
		return 0;
	pthread_mutex_lock(&mk->mu);
	t = mk->type;
	pthread_mutex_unlock(&mk->mu);
	return t;
}

unsigned
mauth_key_bits(const struct mauth_key *k)
{
	struct mauth_key *mk = (struct mauth_key *)k;
	unsigned b;

	if (k == NULL)
		return 0;
	pthread_mutex_lock(&mk->mu);
	b = mk->bits;
	pthread_mutex_unlock(&mk->mu);
	return b;
}

/* sign_key_get - a counted reference to the current key state */
struct sign_keystate *
sign_key_get(const struct mauth_key *k)
{
	struct mauth_key *mk = (struct mauth_key *)k;
	struct sign_keystate *ks;

	if (k == NULL)
		return NULL;
	pthread_mutex_lock(&mk->mu);
	ks = mk->ks;
	if (ks != NULL)
		__atomic_add_fetch(&ks->refs, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&mk->mu);
	return ks;
}

/*
 * mauth_key_dns_record - "v=DKIM1; k=rsa; p=<SubjectPublicKeyInfo>" (RFC
 * 6376 3.6.1) or "v=DKIM1; k=ed25519; p=<raw public key>" (RFC 8463 3.1)
 */
char *
mauth_key_dns_record(const struct mauth_key *k)
{
	unsigned char *der = NULL, raw[32], *p;
	struct sign_keystate *ks;
	EVP_PKEY *pk;
	size_t dlen, blen;
	struct buf b;
	char *out;
	int n;

	if ((ks = sign_key_get(k)) == NULL)
		return NULL;
	pk = ks->pkey;
	if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_ED25519) {
		dlen = sizeof(raw);
		if (EVP_PKEY_get_raw_public_key(pk, raw, &dlen) != 1 ||
		    dlen != 32) {
			sign_key_put(ks);
			return NULL;
		}
		p = raw;
	} else {
		if ((n = i2d_PUBKEY(pk, &der)) <= 0) {
			sign_key_put(ks);
			return NULL;
		}
		dlen = (size_t)n;
		p = der;
	}
	blen = 4 * ((dlen + 2) / 3) + 1;
	buf_init(&b, 0);
	buf_printf(&b, "v=DKIM1; k=%s; p=",
	    p == raw ? "ed25519" : "rsa");
	if ((out = malloc(blen)) != NULL) {
		EVP_EncodeBlock((unsigned char *)out, p, (int)dlen);
		buf_puts(&b, out);
		free(out);
	} else
		b.err = MAUTH_ERR_NOMEM;
	OPENSSL_free(der);
	sign_key_put(ks);
	if (b.err) {
		buf_free(&b);
		return NULL;
	}
	return buf_take(&b);
}
