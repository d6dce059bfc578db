/*
 * cmd_keygen.c - "mauth keygen": make a DKIM signing key with OpenSSL EVP
 * (RSA 1024..4096 bits, 2048 by default, or Ed25519), write the private key
 * as PEM PKCS#8 to DIR/S.private (mode 0600, never over an existing file)
 * and the key record as a zone-file line to DIR/S.txt, and print the line.
 *
 * The record text comes from the library (mauth_key_dns_record) after the
 * generated key has been loaded back the way "mauth sign" will load it, so
 * what is published is what will sign.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/types.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "mauth/mauth.h"
#include "mauth/sign.h"
#include "cli/cli.h"
#include "util/buf.h"

#define KEYGEN_BITS_MIN		1024
#define KEYGEN_BITS_MAX		4096
#define KEYGEN_BITS_DEFAULT	2048
#define KEYGEN_TXT_STRING	255	/* RFC 1035 3.3: character-string */
#define KEYGEN_PATH_MAX		4096
#define KEYGEN_NAME_MAX		253	/* RFC 1035 2.3.4, as text */

enum {
	OPT_DOMAIN = 256,
	OPT_SELECTOR,
	OPT_TYPE,
	OPT_BITS,
	OPT_OUT,
	OPT_HELP
};

struct keygen_args {
	const char	*domain;
	const char	*selector;
	int		 type;		/* enum mauth_key_type */
	unsigned	 bits;
	bool		 bits_set;
	const char	*out;
};

/* cmd_keygen_usage - "mauth help keygen" */
void
cmd_keygen_usage(FILE *fp)
{
	fprintf(fp,
"usage: mauth keygen --domain D --selector S [--type rsa|ed25519]\n"
"                    [--bits 2048] --out DIR\n"
"\n"
"Make a DKIM signing key: DIR/S.private (PEM PKCS#8, mode 0600; an\n"
"existing file is never overwritten) and DIR/S.txt, the key record as a\n"
"zone-file line for S._domainkey.D, which is also printed.\n"
"\n"
"  --domain D            signing domain\n"
"  --selector S          selector\n"
"  --type T              rsa (default) or ed25519\n"
"  --bits N              RSA modulus size, %d..%d (default %d)\n"
"  --out DIR             directory for the two files\n"
"\n"
"Exit status: 0 written; 1 on a write or resource failure; 2 on bad\n"
"arguments or an existing file.\n",
	    KEYGEN_BITS_MIN, KEYGEN_BITS_MAX, KEYGEN_BITS_DEFAULT);
}

/*
 * label_ok - one DNS label of a key record's owner name: letters, digits,
 * '-' and '_' (selectors and _domainkey), 1..63 octets (RFC 1035 2.3.4)
 */
static bool
label_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 63)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '_'))
			return false;
	return true;
}

/* name_ok - dot-separated labels, one trailing dot allowed */
static bool
name_ok(const char *s)
{
	size_t len = strlen(s);
	const char *p, *dot, *end;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > KEYGEN_NAME_MAX)
		return false;
	end = s + len;
	for (p = s; p <= end; p = dot + 1) {
		if ((dot = memchr(p, '.', (size_t)(end - p))) == NULL)
			dot = end;
		if (!label_ok(p, (size_t)(dot - p)))
			return false;
	}
	return true;
}

/* parse_args - fill *a; 0, -1 after --help, else the exit status */
static int
parse_args(int argc, char **argv, struct keygen_args *a)
{
	static const struct option longopts[] = {
		{ "domain",	required_argument, NULL, OPT_DOMAIN },
		{ "selector",	required_argument, NULL, OPT_SELECTOR },
		{ "type",	required_argument, NULL, OPT_TYPE },
		{ "bits",	required_argument, NULL, OPT_BITS },
		{ "out",	required_argument, NULL, OPT_OUT },
		{ "help",	no_argument,	   NULL, OPT_HELP },
		{ NULL,		0,		   NULL, 0 }
	};
	int ch;

	memset(a, 0, sizeof(*a));
	a->type = MAUTH_KEY_RSA;
	a->bits = KEYGEN_BITS_DEFAULT;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_DOMAIN:
			a->domain = optarg;
			break;
		case OPT_SELECTOR:
			a->selector = optarg;
			break;
		case OPT_TYPE:
			if (strcmp(optarg, "rsa") == 0)
				a->type = MAUTH_KEY_RSA;
			else if (strcmp(optarg, "ed25519") == 0)
				a->type = MAUTH_KEY_ED25519;
			else
				return cli_error("--type: '%s' is not rsa or "
				    "ed25519", optarg);
			break;
		case OPT_BITS:
			if (cli_parse_uint(optarg, KEYGEN_BITS_MIN,
			    KEYGEN_BITS_MAX, &a->bits) == -1)
				return cli_error("--bits: '%s' is not a number "
				    "in %d..%d", optarg, KEYGEN_BITS_MIN,
				    KEYGEN_BITS_MAX);
			a->bits_set = true;
			break;
		case OPT_OUT:
			a->out = optarg;
			break;
		case OPT_HELP:
			cmd_keygen_usage(stdout);
			return -1;
		case ':':
			return cli_error("option %s needs an argument",
			    argv[optind - 1]);
		default:
			return cli_error("unknown option %s (see mauth help "
			    "keygen)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_error("keygen takes no operand ('%s')",
		    argv[optind]);
	if (a->domain == NULL || a->selector == NULL || a->out == NULL)
		return cli_error("keygen needs --domain, --selector and --out");
	if (a->type == MAUTH_KEY_ED25519 && a->bits_set)
		return cli_error("--bits: not for an Ed25519 key");
	if (!name_ok(a->domain))
		return cli_error("--domain: '%s' is not a valid domain name",
		    a->domain);
	if (!name_ok(a->selector) ||
	    a->selector[strlen(a->selector) - 1] == '.')
		return cli_error("--selector: '%s' is not a valid selector",
		    a->selector);
	/* S._domainkey.D must fit too */
	if (strlen(a->selector) + strlen("._domainkey.") +
	    strlen(a->domain) > KEYGEN_NAME_MAX + 1)
		return cli_error("%s._domainkey.%s: name too long",
		    a->selector, a->domain);
	return 0;
}

/* generate - a new key as PEM PKCS#8 text in *pem; exit status */
static int
generate(const struct keygen_args *a, struct buf *pem)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pkey = NULL;
	BIO *bio = NULL;
	char *data;
	long n;
	int rc = CLI_EXIT_FAIL;

	ctx = EVP_PKEY_CTX_new_from_name(NULL,
	    a->type == MAUTH_KEY_RSA ? "RSA" : "ED25519", NULL);
	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0)
		goto done;
	if (a->type == MAUTH_KEY_RSA &&
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)a->bits) <= 0)
		goto done;
	if (EVP_PKEY_generate(ctx, &pkey) <= 0)
		goto done;
	/* OpenSSL 3 writes PKCS#8 ("BEGIN PRIVATE KEY") here */
	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL,
	    NULL) != 1)
		goto done;
	if ((n = BIO_get_mem_data(bio, &data)) <= 0)
		goto done;
	buf_append(pem, data, (size_t)n);
	if (pem->err == 0)
		rc = 0;
done:
	if (rc != 0)
		cli_fail("key generation failed (OpenSSL)");
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

/*
 * zone_line - "S._domainkey.D. IN TXT ( "..." "..." )": the record cut into
 * character-strings of at most 255 octets (RFC 1035 3.3.14, RFC 6376 3.6.2.2)
 */
static void
zone_line(const struct keygen_args *a, const char *rec, struct buf *out)
{
	size_t i, n, len = strlen(rec), dlen = strlen(a->domain);

	if (dlen > 0 && a->domain[dlen - 1] == '.')
		dlen--;
	buf_printf(out, "%s._domainkey.%.*s. IN TXT (", a->selector,
	    (int)dlen, a->domain);
	for (i = 0; i < len; i += n) {
		n = len - i < KEYGEN_TXT_STRING ? len - i : KEYGEN_TXT_STRING;
		buf_puts(out, " \"");
		buf_append(out, rec + i, n);
		buf_putc(out, '"');
	}
	buf_puts(out, " )\n");
}

/* create_excl - open path for writing, new file only, with mode */
static int
create_excl(const char *path, mode_t mode, int *fd)
{
	if ((*fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    mode)) != -1)
		return 0;
	if (errno == EEXIST)
		return cli_error("%s: already exists (not overwritten)", path);
	if (errno == ENOENT || errno == ENOTDIR || errno == EACCES)
		return cli_error("%s: %s", path, strerror(errno));
	return cli_fail("%s: %s", path, strerror(errno));
}

/* write_fd - all of buf to fd, then close; 0 or -1 */
static int
write_fd(int fd, const char *buf, size_t len)
{
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = write(fd, buf + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* cmd_keygen - "mauth keygen" */
int
cmd_keygen(int argc, char **argv)
{
	struct keygen_args a;
	struct mauth_key *key = NULL;
	struct buf pem, line;
	char keypath[KEYGEN_PATH_MAX], txtpath[KEYGEN_PATH_MAX], err[512];
	char *rec = NULL;
	int rc, st, kfd = -1, tfd = -1;

	buf_init(&pem, 64 * 1024);
	buf_init(&line, 64 * 1024);
	if ((rc = parse_args(argc, argv, &a)) != 0) {
		rc = rc == -1 ? CLI_EXIT_OK : rc;
		goto done;
	}
	if ((size_t)snprintf(keypath, sizeof(keypath), "%s/%s.private",
	    a.out, a.selector) >= sizeof(keypath) ||
	    (size_t)snprintf(txtpath, sizeof(txtpath), "%s/%s.txt",
	    a.out, a.selector) >= sizeof(txtpath)) {
		rc = cli_error("--out: path too long");
		goto done;
	}
	if ((rc = generate(&a, &pem)) != 0)
		goto done;
	err[0] = '\0';
	st = mauth_key_load_mem("generated key", pem.data, pem.len, &key, err,
	    sizeof(err));
	if (st != MAUTH_OK) {
		rc = cli_fail("generated key not usable: %s", err[0] != '\0' ?
		    err : mauth_strerror(st));
		goto done;
	}
	if ((rec = mauth_key_dns_record(key)) == NULL) {
		rc = cli_fail("out of memory");
		goto done;
	}
	zone_line(&a, rec, &line);
	if (line.err != 0) {
		rc = cli_fail("out of memory");
		goto done;
	}
	/* both names claimed before anything is written */
	if ((rc = create_excl(keypath, 0600, &kfd)) != 0)
		goto done;
	if ((rc = create_excl(txtpath, 0644, &tfd)) != 0) {
		close(kfd);
		unlink(keypath);
		goto done;
	}
	st = write_fd(kfd, pem.data, pem.len);
	if (st == -1)
		close(tfd);
	else
		st = write_fd(tfd, line.data, line.len);
	if (st == -1) {
		rc = cli_fail("%s: %s", a.out, strerror(errno));
		unlink(keypath);
		unlink(txtpath);
		goto done;
	}
	fputs(line.data, stdout);
	if (fflush(stdout) == EOF)
		rc = cli_fail("standard output: %s", strerror(errno));
done:
	free(rec);
	mauth_key_free(key);
	if (pem.data != NULL)
		OPENSSL_cleanse(pem.data, pem.len);
	buf_free(&pem);
	buf_free(&line);
	return rc;
}
