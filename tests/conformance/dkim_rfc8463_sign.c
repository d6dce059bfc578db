/*
 * dkim_rfc8463_sign.c - RFC 8463 Appendix A, signed again by mauth: the
 * example message (testdata/dkim/rfc8463/signed.eml, its two signatures
 * removed) signed with the RFC's Ed25519 key (A.2) and RSA key, with the
 * RFC's tags, must reproduce the published bh= and b= exactly (Ed25519 and
 * RSASSA-PKCS1-v1_5 signatures are deterministic).  The public halves must
 * equal the RFC's key records (A.2, dns.json).
 *
 * usage: dkim_rfc8463_sign DIR      (DIR = testdata/dkim/rfc8463)
 * Prints one line per failure and "N passed, N failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "mauth/sign.h"
#include "dkim/sign_int.h"

#define MAXMSG	65536

static int npass, nfail;

/* check - count one case */
static void
check(const char *name, const char *got, const char *want)
{
	if (got != NULL && want != NULL && strcmp(got, want) == 0) {
		npass++;
		return;
	}
	nfail++;
	printf("FAIL %s: got %s, want %s\n", name, got ? got : "(null)",
	    want ? want : "(null)");
}

/* slurp - read a file into a NUL-terminated buffer */
static char *
slurp(const char *dir, const char *name, size_t *len)
{
	char path[4096], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if ((p = malloc(MAXMSG + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(p, 1, MAXMSG, f);
	fclose(f);
	p[n] = '\0';
	*len = n;
	return p;
}

/*
 * tagval - the value of tag t in the field text, white space removed, into
 * out
 */
static void
tagval(const char *field, const char *t, char *out, size_t outlen)
{
	const char *p = field;
	size_t tl = strlen(t), n = 0;

	out[0] = '\0';
	for (;;) {
		p = strstr(p, t);
		if (p == NULL)
			return;
		if ((p == field || p[-1] == ' ' || p[-1] == ';' ||
		    p[-1] == '\n' || p[-1] == '\t') && p[tl] == '=')
			break;
		p += tl;
	}
	for (p += tl + 1; *p != '\0' && *p != ';'; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n' &&
		    n + 1 < outlen)
			out[n++] = *p;
	out[n] = '\0';
}

struct hdr {
	const char	*name, *value;
	size_t		 nlen, vlen;
};

/*
 * split - header fields of msg (LF line ends) into h[], the body offset
 * into *body; returns the field count
 */
static size_t
split(const char *msg, size_t len, struct hdr *h, size_t maxh, size_t *body)
{
	size_t i = 0, n = 0, start;
	const char *colon;

	while (i < len && msg[i] != '\n' && n < maxh) {
		start = i;
		for (;;) {
			while (i < len && msg[i] != '\n')
				i++;
			if (i < len)
				i++;
			if (i >= len || (msg[i] != ' ' && msg[i] != '\t'))
				break;
		}
		colon = memchr(msg + start, ':', i - start);
		if (colon == NULL)
			break;
		h[n].name = msg + start;
		h[n].nlen = (size_t)(colon - (msg + start));
		h[n].value = colon + 1;
		h[n].vlen = i - (size_t)(colon + 1 - msg);
		n++;
	}
	*body = i < len ? i + 1 : len;
	return n;
}

/* sign_one - sign msg with key and fixed tags, return the field (owned) */
static char *
sign_one(const struct hdr *h, size_t nh, const char *body, size_t blen,
    struct mauth_key *key, const char *fixed)
{
	static const char *const hl[] = { "from", "to", "subject", "date",
	    "message-id", NULL };
	static const char *const ol[] = { "from", "subject", "date", NULL };
	struct mauth_sign_config c;
	struct mauth_signer *s;
	char err[256], *out = NULL, *lf;
	size_t i;

	mauth_sign_config_init(&c);
	c.domain = "football.example.com";
	c.selector = "x";
	c.key = key;
	c.headers = hl;
	c.oversign = ol;
	if (mauth_signer_new(&c, 1, &s, err, sizeof(err)) != MAUTH_OK) {
		printf("signer: %s\n", err);
		return NULL;
	}
	if (sign_set_fixed_tags(s, 0, fixed) != MAUTH_OK)
		goto out;
	for (i = 0; i < nh; i++) {
		if (h[i].nlen == 14 &&
		    strncasecmp(h[i].name, "DKIM-Signature", 14) == 0)
			continue;
		if (mauth_signer_header(s, h[i].name, h[i].nlen, h[i].value,
		    h[i].vlen) != MAUTH_OK)
			goto out;
	}
	/* the file has LF line ends: the signer takes them as CRLF */
	if (mauth_signer_body(s, body, blen) != MAUTH_OK)
		goto out;
	if (mauth_signer_finish(s, err, sizeof(err)) != MAUTH_OK) {
		printf("finish: %s\n", err);
		goto out;
	}
	lf = strdup(mauth_signer_field(s, 0));
	out = lf;
out:
	mauth_signer_free(s);
	return out;
}

int
main(int argc, char **argv)
{
	struct hdr h[32];
	struct mauth_key *ek = NULL, *rk = NULL;
	char *msg, *field, want[1024], got[1024], err[256], *rec;
	const char *rsig = NULL, *esig = NULL;
	size_t len, nh, body, i;
	char fieldtext[2][4096];

	if (argc != 2) {
		fprintf(stderr, "usage: dkim_rfc8463_sign DIR\n");
		return 2;
	}
	if ((msg = slurp(argv[1], "signed.eml", &len)) == NULL) {
		fprintf(stderr, "%s/signed.eml: cannot read\n", argv[1]);
		return 2;
	}
	nh = split(msg, len, h, 32, &body);
	for (i = 0; i < nh && i < 2; i++) {
		snprintf(fieldtext[i], sizeof(fieldtext[i]), "%.*s",
		    (int)h[i].vlen, h[i].value);
		if (strstr(fieldtext[i], "a=ed25519-sha256") != NULL)
			esig = fieldtext[i];
		else
			rsig = fieldtext[i];
	}
	if (esig == NULL || rsig == NULL) {
		fprintf(stderr, "signed.eml: the two signatures not found\n");
		return 2;
	}
	if (chdir(argv[1]) != 0 ||
	    mauth_key_load("private-ec.key", &ek, err, sizeof(err)) !=
	    MAUTH_OK || mauth_key_load("private-rsa.key", &rk, err,
	    sizeof(err)) != MAUTH_OK) {
		fprintf(stderr, "keys: %s\n", err);
		return 2;
	}

	/* RFC 8463 A.2: the public key record */
	rec = mauth_key_dns_record(ek);
	check("ed25519 key record", rec,
	    "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
	free(rec);
	rec = mauth_key_dns_record(rk);
	check("rsa key record", rec, "v=DKIM1; k=rsa; p="
	    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR"
	    "iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutAC"
	    "DfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3"
	    "Ip3G+2kryOTIKT+l/K4w3QIDAQAB");
	free(rec);

	/* RFC 8463 A.3: the Ed25519 signature */
	field = sign_one(h, nh, msg + body, len - body, ek,
	    "v=1; a=ed25519-sha256; c=relaxed/relaxed; "
	    "d=football.example.com; i=@football.example.com; q=dns/txt; "
	    "s=brisbane; t=1528637909; h=from : to : subject : date : "
	    "message-id : from : subject : date;");
	tagval(esig, "bh", want, sizeof(want));
	tagval(field != NULL ? field : "", "bh", got, sizeof(got));
	check("ed25519 bh=", got, want);
	tagval(esig, "b", want, sizeof(want));
	tagval(field != NULL ? field : "", "b", got, sizeof(got));
	check("ed25519 b=", got, want);
	free(field);

	/* RFC 8463 A.3: the RSA signature */
	field = sign_one(h, nh, msg + body, len - body, rk,
	    "v=1; a=rsa-sha256; c=relaxed/relaxed; "
	    "d=football.example.com; i=@football.example.com; q=dns/txt; "
	    "s=test; t=1528637909; h=from : to : subject : date : "
	    "message-id : from : subject : date;");
	tagval(rsig, "bh", want, sizeof(want));
	tagval(field != NULL ? field : "", "bh", got, sizeof(got));
	check("rsa bh=", got, want);
	tagval(rsig, "b", want, sizeof(want));
	tagval(field != NULL ? field : "", "b", got, sizeof(got));
	check("rsa b=", got, want);
	free(field);

	mauth_key_free(ek);
	mauth_key_free(rk);
	free(msg);
	printf("%d passed, %d failed\n", npass, nfail);
	return nfail == 0 ? 0 : 1;
}
