/*
 * sign.c - the DKIM signer (RFC 6376 5, RFC 8463, RFC 8301) on OpenSSL 3.
 *
 * One struct mauth_signer per message.  Header fields are kept (bounded:
 * SIGN_MAX_HDR_BYTES); the body is never kept: it is canonicalized and
 * hashed as it arrives, once per distinct body canonicalization (the l=
 * count is kept by every canonicalizer, so l= does not need its own).
 *
 * The DKIM-Signature field is built as text folded at SIGN_FOLD_WIDTH
 * columns with an empty b= last; that exact text is what is hashed (RFC
 * 6376 3.7), and the emitted field is that text followed by the b= value,
 * which is folded only inside itself.  So with simple header
 * canonicalization the verifier, deleting the b= value (RFC 6376 3.5, 3.7),
 * hashes exactly what was hashed here.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "mauth/common.h"
#include "mauth/dns.h"
#include "mauth/sign.h"
#include "dkim/sign_int.h"
#include "util/buf.h"
#include "util/str.h"

/* RFC 6376 5.4.1 recommendations, and the list-related fields. */
static const char *const default_headers[] = {
	"From", "Reply-To", "Subject", "Date", "To", "Cc", "Message-ID",
	"In-Reply-To", "References", "MIME-Version", "Content-Type",
	"Content-Transfer-Encoding",
	"List-Id", "List-Unsubscribe", "List-Unsubscribe-Post", "List-Post",
	"List-Help", "List-Subscribe", "List-Owner", "List-Archive",
	"Resent-Date", "Resent-From", "Resent-Sender", "Resent-To",
	"Resent-Cc", "Resent-Message-ID",
	NULL
};

static const char *const default_oversign[] = {
	"From", "Subject", "To", "Cc", "Date", "Reply-To", NULL
};

/* default_headers[i] is in default_oversign (the common case, precomputed) */
static const bool default_over[] = {
	true, true, true, true, true, true, false, false, false, false, false,
	false, false, false, false, false, false, false, false, false, false,
	false, false, false, false, false
};
_Static_assert(sizeof(default_over) / sizeof(default_over[0]) ==
    sizeof(default_headers) / sizeof(default_headers[0]) - 1,
    "default_over must match default_headers");

struct hfield {
	size_t	noff, nlen;	/* name in hdrs, as given */
	size_t	ncmp;		/* its length as matched (all of it) */
	size_t	voff, vlen;	/* value in hdrs */
};

struct sig {
	char		*domain, *selector, *identity;
	struct sign_keystate *ks;
	int		 alg;		/* MAUTH_SIGN_RSA_SHA256 or _ED25519_ */
	int		 hcanon, bcanon;
	char		**hnames;	/* configured names, deduplicated */
	bool		*over;		/* per hnames: oversign */
	bool		 owned;		/* hnames/over allocated */
	size_t		 nnames;
	int64_t		 timestamp, expire;
	bool		 body_length;
	char		*fixed;		/* test hook: tags before bh= */
	struct sign_body *body;		/* shared, in s->bodies */
	char		*field;		/* result, CRLF folding */
	char		*field_lf;	/* result, LF folding */
};

struct mauth_signer {
	struct sig	*sigs;
	size_t		 nsigs;
	struct sign_body *bodies[2];	/* per body canonicalization */
	size_t		 nbody;
	struct buf	 hdrs;		/* names and values, back to back */
	struct hfield	*fields;
	size_t		 nfields, capfields;
	bool		 inbody, finished, failed;
};

static void	serr(char *errbuf, size_t errlen, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

/* serr - one-line reason into errbuf (may be NULL) */
static void
serr(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errbuf == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
}

void
mauth_sign_config_init(struct mauth_sign_config *c)
{
	memset(c, 0, sizeof(*c));
	c->algorithm = MAUTH_SIGN_ALG_DEFAULT;
	c->header_canon = MAUTH_CANON_RELAXED;
	c->body_canon = MAUTH_CANON_RELAXED;
	c->timestamp = 0;
	c->expire = 0;
}

/* field_name_ok - RFC 5322 2.2 field name: printable ASCII but ':' */
static bool
field_name_ok(const char *n, size_t len)
{
	size_t i;

	if (len == 0 || len > 998)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)n[i] < 33 || (unsigned char)n[i] > 126 ||
		    n[i] == ':')
			return false;
	return true;
}

/* tagsafe_name - a DNS name fit for d= or s= (no ';', no space) */
static bool
tagsafe_name(const char *n, size_t len)
{
	size_t i;

	if (!mauth_dns_name_valid(n, len))
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)n[i] < 33 || (unsigned char)n[i] > 126 ||
		    n[i] == ';' || n[i] == '=')
			return false;
	return true;
}

/* dupname - copy without a trailing dot */
static char *
dupname(const char *n)
{
	size_t len = strlen(n);

	if (len > 1 && n[len - 1] == '.')
		len--;
	return str_ndup(n, len);
}

/*
 * identity_ok - i= (RFC 6376 3.5): [local-part] "@" domain, the domain
 * equal to d= or a subdomain of it; local-part as plain printable ASCII
 * (no dkim-quoted-printable encoding is done)
 */
static bool
identity_ok(const char *id, const char *d)
{
	const char *at;
	size_t i, dl, il;

	/* ';' ends the tag; '=' would need dkim-quoted-printable */
	for (i = 0; id[i] != '\0'; i++)
		if ((unsigned char)id[i] < 33 || (unsigned char)id[i] > 126 ||
		    id[i] == ';' || id[i] == '=')
			return false;
	if ((at = strrchr(id, '@')) == NULL)
		return false;
	at++;
	il = strlen(at);
	if (il > 1 && at[il - 1] == '.')
		il--;
	dl = strlen(d);
	if (!tagsafe_name(at, il) || il < dl)
		return false;
	if (!str_caseeq_n(at + il - dl, dl, d, dl))
		return false;
	return il == dl || at[il - dl - 1] == '.';
}

/* in_list - case-insensitive membership among names[0..n) */
static bool
in_list(char *const *names, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (str_casecmp(names[i], name) == 0)
			return true;
	return false;
}

/* add_name - append name (deduplicated) to the signature's name list */
static int
add_name(struct sig *g, const char *name, bool over, char *errbuf,
    size_t errlen)
{
	size_t i;

	if (!field_name_ok(name, strlen(name)) || strlen(name) > 128) {
		serr(errbuf, errlen, "not a header field name: \"%s\"", name);
		return MAUTH_ERR_INVAL;
	}
	for (i = 0; i < g->nnames; i++)
		if (str_casecmp(g->hnames[i], name) == 0) {
			g->over[i] = g->over[i] || over;
			return MAUTH_OK;
		}
	if (g->nnames >= SIGN_MAX_HNAMES) {
		serr(errbuf, errlen, "too many header names (max %d)",
		    SIGN_MAX_HNAMES);
		return MAUTH_ERR_LIMIT;
	}
	if ((g->hnames[g->nnames] = strdup(name)) == NULL)
		return MAUTH_ERR_NOMEM;
	g->over[g->nnames++] = over;
	return MAUTH_OK;
}

/* sig_setup - check one configuration and copy it */
static int
sig_setup(struct mauth_signer *s, struct sig *g,
    const struct mauth_sign_config *c, char *errbuf, size_t errlen)
{
	const char *const *hl, *const *ol;
	int ktype, rc, bc;
	size_t i;

	if (c->domain == NULL || !tagsafe_name(c->domain, strlen(c->domain))) {
		serr(errbuf, errlen, "domain is not a valid DNS name: \"%s\"",
		    c->domain != NULL ? c->domain : "");
		return MAUTH_ERR_INVAL;
	}
	if (c->selector == NULL ||
	    !tagsafe_name(c->selector, strlen(c->selector))) {
		serr(errbuf, errlen, "selector is not a valid DNS name: "
		    "\"%s\"", c->selector != NULL ? c->selector : "");
		return MAUTH_ERR_INVAL;
	}
	if (c->key == NULL) {
		serr(errbuf, errlen, "no key");
		return MAUTH_ERR_INVAL;
	}
	if ((c->header_canon != MAUTH_CANON_SIMPLE &&
	    c->header_canon != MAUTH_CANON_RELAXED) ||
	    (c->body_canon != MAUTH_CANON_SIMPLE &&
	    c->body_canon != MAUTH_CANON_RELAXED)) {
		serr(errbuf, errlen, "unknown canonicalization");
		return MAUTH_ERR_INVAL;
	}
	if (c->expire < 0) {
		serr(errbuf, errlen, "negative expiry");
		return MAUTH_ERR_INVAL;
	}
	if ((g->ks = sign_key_get(c->key)) == NULL) {
		serr(errbuf, errlen, "key unusable");
		return MAUTH_ERR_INVAL;
	}
	ktype = EVP_PKEY_get_base_id(g->ks->pkey) == EVP_PKEY_ED25519 ?
	    MAUTH_KEY_ED25519 : MAUTH_KEY_RSA;
	g->alg = c->algorithm;
	if (g->alg == MAUTH_SIGN_ALG_DEFAULT)
		g->alg = ktype == MAUTH_KEY_ED25519 ?
		    MAUTH_SIGN_ED25519_SHA256 : MAUTH_SIGN_RSA_SHA256;
	if ((g->alg == MAUTH_SIGN_RSA_SHA256 && ktype != MAUTH_KEY_RSA) ||
	    (g->alg == MAUTH_SIGN_ED25519_SHA256 &&
	    ktype != MAUTH_KEY_ED25519) ||
	    (g->alg != MAUTH_SIGN_RSA_SHA256 &&
	    g->alg != MAUTH_SIGN_ED25519_SHA256)) {
		serr(errbuf, errlen, "algorithm does not match the key (an %s "
		    "key)", ktype == MAUTH_KEY_RSA ? "RSA" : "Ed25519");
		return MAUTH_ERR_INVAL;
	}
	if ((g->domain = dupname(c->domain)) == NULL ||
	    (g->selector = dupname(c->selector)) == NULL)
		return MAUTH_ERR_NOMEM;
	if (c->identity != NULL) {
		if (!identity_ok(c->identity, g->domain)) {
			serr(errbuf, errlen, "identity \"%s\" is not within "
			    "the domain %s (RFC 6376 3.5 i=)", c->identity,
			    g->domain);
			return MAUTH_ERR_INVAL;
		}
		if ((g->identity = strdup(c->identity)) == NULL)
			return MAUTH_ERR_NOMEM;
	}
	g->hcanon = c->header_canon;
	g->bcanon = c->body_canon;
	g->timestamp = c->timestamp;
	g->expire = c->expire;
	g->body_length = c->body_length;
	if (c->headers == NULL && c->oversign == NULL) {
		/* the defaults: no copies, no deduplication needed */
		g->hnames = (char **)(uintptr_t)default_headers;
		g->over = (bool *)(uintptr_t)default_over;
		g->nnames = sizeof(default_over) / sizeof(default_over[0]);
	} else {
		g->owned = true;
		if ((g->hnames = calloc(SIGN_MAX_HNAMES,
		    sizeof(*g->hnames))) == NULL ||
		    (g->over = calloc(SIGN_MAX_HNAMES,
		    sizeof(*g->over))) == NULL)
			return MAUTH_ERR_NOMEM;
		hl = c->headers != NULL ? c->headers : default_headers;
		ol = c->oversign != NULL ? c->oversign : default_oversign;
		for (i = 0; hl[i] != NULL; i++)
			if ((rc = add_name(g, hl[i], false, errbuf, errlen)) !=
			    MAUTH_OK)
				return rc;
		for (i = 0; ol[i] != NULL; i++) {
			/*
			 * a verifier meets the new signature's own field when
			 * it looks for the extra DKIM-Signature instance
			 * (RFC 6376 3.5, 5.4.2): such a signature never verifies
			 */
			if (str_casecmp(ol[i], "DKIM-Signature") == 0) {
				serr(errbuf, errlen, "DKIM-Signature cannot be "
				    "oversigned: the signature's own field "
				    "would fill the extra instance when verified");
				return MAUTH_ERR_INVAL;
			}
			if ((rc = add_name(g, ol[i], true, errbuf, errlen)) !=
			    MAUTH_OK)
				return rc;
		}
		/* RFC 6376 5.4: From MUST be signed */
		if (!in_list(g->hnames, g->nnames, "From") &&
		    (rc = add_name(g, "From", false, errbuf, errlen)) !=
		    MAUTH_OK)
			return rc;
	}

	/* one body canonicalizer per distinct canonicalization */
	bc = g->bcanon;
	if (s->bodies[bc] == NULL) {
		if ((s->bodies[bc] = malloc(sizeof(struct sign_body))) == NULL)
			return MAUTH_ERR_NOMEM;
		if ((rc = sign_body_init(s->bodies[bc], bc)) != MAUTH_OK) {
			free(s->bodies[bc]);
			s->bodies[bc] = NULL;
			return rc;
		}
		s->nbody++;
	}
	g->body = s->bodies[bc];
	return MAUTH_OK;
}

static void
sig_clear(struct sig *g)
{
	size_t i;

	free(g->domain);
	free(g->selector);
	free(g->identity);
	sign_key_put(g->ks);
	if (g->owned) {
		if (g->hnames != NULL)
			for (i = 0; i < g->nnames; i++)
				free(g->hnames[i]);
		free(g->hnames);
		free(g->over);
	}
	free(g->fixed);
	free(g->field);
	free(g->field_lf);
}

int
mauth_signer_new(const struct mauth_sign_config *cfg, size_t n,
    struct mauth_signer **out, char *errbuf, size_t errlen)
{
	struct mauth_signer *s;
	size_t i;
	int rc;

	if (out == NULL)
		return MAUTH_ERR_INVAL;
	*out = NULL;
	if (cfg == NULL || n == 0 || n > SIGN_MAX_SIGS) {
		serr(errbuf, errlen, "between 1 and %d signatures per message",
		    SIGN_MAX_SIGS);
		return MAUTH_ERR_INVAL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return MAUTH_ERR_NOMEM;
	buf_init(&s->hdrs, SIGN_MAX_HDR_BYTES);
	if ((s->sigs = calloc(n, sizeof(*s->sigs))) == NULL) {
		free(s);
		return MAUTH_ERR_NOMEM;
	}
	s->nsigs = n;
	for (i = 0; i < n; i++) {
		if ((rc = sig_setup(s, &s->sigs[i], &cfg[i], errbuf,
		    errlen)) != MAUTH_OK) {
			if (rc == MAUTH_ERR_NOMEM)
				serr(errbuf, errlen, "out of memory");
			mauth_signer_free(s);
			return rc;
		}
	}
	*out = s;
	return MAUTH_OK;
}

void
mauth_signer_free(struct mauth_signer *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nsigs; i++)
		sig_clear(&s->sigs[i]);
	free(s->sigs);
	for (i = 0; i < 2; i++) {
		sign_body_free(s->bodies[i]);
		free(s->bodies[i]);
	}
	buf_free(&s->hdrs);
	free(s->fields);
	free(s);
}

int
mauth_signer_header(struct mauth_signer *s, const char *name, size_t namelen,
    const char *value, size_t valuelen)
{
	struct hfield *nf;
	size_t ncap, ncmp;

	if (s == NULL || name == NULL || (value == NULL && valuelen > 0))
		return MAUTH_ERR_INVAL;
	if (s->inbody || s->finished)
		return MAUTH_ERR_INVAL;
	/*
	 * "Name :" (RFC 5322 4.5.3 obsolete syntax) is kept, but it does not
	 * match "Name" in h=: libopendkim, the verifier most receivers run,
	 * matches the name as written, and a signature over the field would
	 * not verify there (dkimpy refuses such a message outright).
	 */
	ncmp = namelen;
	while (ncmp > 0 && (name[ncmp - 1] == ' ' || name[ncmp - 1] == '\t'))
		ncmp--;
	if (!field_name_ok(name, ncmp))
		return MAUTH_ERR_INVAL;
	ncmp = namelen;
	if (s->nfields >= SIGN_MAX_HDR_FIELDS)
		return MAUTH_ERR_LIMIT;
	if (s->nfields == s->capfields) {
		ncap = s->capfields ? s->capfields * 2 : 32;
		if ((nf = reallocarray(s->fields, ncap, sizeof(*nf))) == NULL)
			return MAUTH_ERR_NOMEM;
		s->fields = nf;
		s->capfields = ncap;
	}
	nf = &s->fields[s->nfields];
	nf->noff = s->hdrs.len;
	nf->nlen = namelen;
	nf->ncmp = ncmp;
	buf_append(&s->hdrs, name, namelen);
	nf->voff = s->hdrs.len;
	nf->vlen = valuelen;
	buf_append(&s->hdrs, value, valuelen);
	if (s->hdrs.err)
		return s->hdrs.err;
	s->nfields++;
	return MAUTH_OK;
}

int
mauth_signer_body(struct mauth_signer *s, const void *buf, size_t len)
{
	size_t i;
	int rc;

	if (s == NULL || (buf == NULL && len > 0) || s->finished)
		return MAUTH_ERR_INVAL;
	s->inbody = true;
	for (i = 0; i < 2; i++)
		if (s->bodies[i] != NULL &&
		    (rc = sign_body_add(s->bodies[i], buf, len)) != MAUTH_OK)
			return rc;
	return MAUTH_OK;
}

/* cat3 - a + b + c into out (outlen > 0), cut to fit; returns the length */
static size_t
cat3(char *out, size_t outlen, const char *a, const char *b, const char *c)
{
	const char *parts[3] = { a, b, c };
	size_t i, n = 0, l;

	for (i = 0; i < 3; i++) {
		l = strlen(parts[i]);
		if (l > outlen - 1 - n)
			l = outlen - 1 - n;
		memcpy(out + n, parts[i], l);
		n += l;
	}
	out[n] = '\0';
	return n;
}

/* fold - place a token: on the line if it fits, else after CRLF SP */
static void
fold(struct buf *b, size_t *col, const char *tok, size_t len, bool space,
    size_t need)
{
	if (*col + (space ? 1 : 0) + need > SIGN_FOLD_WIDTH && *col > 1) {
		buf_append(b, "\r\n ", 3);
		*col = 1;
	} else if (space) {
		buf_putc(b, ' ');
		(*col)++;
	}
	buf_append(b, tok, len);
	*col += len;
}

/* fold_str - fold() of a NUL-terminated token */
static void
fold_str(struct buf *b, size_t *col, const char *tok, bool space)
{
	fold(b, col, tok, strlen(tok), space, strlen(tok));
}

/* hcount - how many header fields are called name */
static size_t
hcount(const struct mauth_signer *s, const char *name)
{
	size_t i, c = 0, nl = strlen(name);

	for (i = 0; i < s->nfields; i++)
		if (str_caseeq_n(s->hdrs.data + s->fields[i].noff,
		    s->fields[i].ncmp, name, nl))
			c++;
	return c;
}

/*
 * hash_headers - feed the selected header fields, canonicalized, to md:
 * for the k-th occurrence of a name in h=, the k-th field of that name
 * counted from the bottom; none left, nothing (RFC 6376 5.4.2).
 */
static int
hash_headers(const struct mauth_signer *s, const struct sig *g,
    EVP_MD_CTX *md, struct buf *scratch)
{
	size_t i, j, k, seen, nl;
	const struct hfield *f;
	const char *name;
	size_t over;

	for (i = 0; i < g->nnames; i++) {
		name = g->hnames[i];
		nl = strlen(name);
		over = hcount(s, name);
		/* every present field of the name, bottom-up */
		for (k = 0; k < over; k++) {
			seen = 0;
			for (j = s->nfields; j-- > 0;) {
				f = &s->fields[j];
				if (!str_caseeq_n(s->hdrs.data + f->noff,
				    f->ncmp, name, nl))
					continue;
				if (seen++ < k)
					continue;
				buf_reset(scratch);
				sign_canon_header(scratch, g->hcanon,
				    s->hdrs.data + f->noff, f->nlen,
				    s->hdrs.data + f->voff, f->vlen, true);
				if (scratch->err)
					return scratch->err;
				if (EVP_DigestUpdate(md, scratch->data,
				    scratch->len) != 1)
					return MAUTH_ERR_INTERNAL;
				break;
			}
		}
	}
	return MAUTH_OK;
}

/* build_tags - the folded field up to and including "b=" */
static void
build_tags(const struct mauth_signer *s, const struct sig *g, struct buf *b,
    const uint8_t bh[32], uint64_t blen, size_t siglen, size_t *colp)
{
	char tok[512], enc[64];
	size_t col, i, k, n, total;
	int64_t t;
	bool first;

	buf_puts(b, "DKIM-Signature:");
	col = strlen("DKIM-Signature:");
	if (g->fixed != NULL) {
		fold_str(b, &col, g->fixed, true);
	} else {
		fold_str(b, &col, "v=1;", true);
		fold_str(b, &col, g->alg == MAUTH_SIGN_ED25519_SHA256 ?
		    "a=ed25519-sha256;" : "a=rsa-sha256;", true);
		snprintf(tok, sizeof(tok), "c=%s/%s;",
		    g->hcanon == MAUTH_CANON_RELAXED ? "relaxed" : "simple",
		    g->bcanon == MAUTH_CANON_RELAXED ? "relaxed" : "simple");
		fold_str(b, &col, tok, true);
		cat3(tok, sizeof(tok), "d=", g->domain, ";");
		fold_str(b, &col, tok, true);
		cat3(tok, sizeof(tok), "s=", g->selector, ";");
		fold_str(b, &col, tok, true);
		t = g->timestamp;
		if (t == 0)
			t = (int64_t)time(NULL);
		if (t > 0) {
			snprintf(tok, sizeof(tok), "t=%lld;", (long long)t);
			fold_str(b, &col, tok, true);
		}
		if (g->expire > 0) {
			snprintf(tok, sizeof(tok), "x=%lld;", (long long)
			    ((t > 0 ? t : (int64_t)time(NULL)) + g->expire));
			fold_str(b, &col, tok, true);
		}
		if (g->identity != NULL) {
			cat3(tok, sizeof(tok), "i=", g->identity, ";");
			fold_str(b, &col, tok, true);
		}
		if (g->body_length) {
			snprintf(tok, sizeof(tok), "l=%llu;",
			    (unsigned long long)blen);
			fold_str(b, &col, tok, true);
		}
		/* h=: breaks only before a name (RFC 6376 3.5 h= FWS) */
		first = true;
		for (i = 0; i < g->nnames; i++) {
			total = hcount(s, g->hnames[i]) + (g->over[i] ? 1 : 0);
			for (k = 0; k < total; k++) {
				n = cat3(tok, sizeof(tok), first ? "h=" : ":",
				    g->hnames[i], "");
				if (first)
					fold(b, &col, tok, n, true, n);
				else {
					/* ':' stays with the previous name */
					buf_putc(b, ':');
					col++;
					fold(b, &col, tok + 1, n - 1, false,
					    n - 1 + 1);
				}
				first = false;
			}
		}
		buf_putc(b, ';');
		col++;
	}
	EVP_EncodeBlock((unsigned char *)enc, bh, 32);
	n = cat3(tok, sizeof(tok), "bh=", enc, ";");
	fold(b, &col, tok, n, true, n);
	/* b= goes on this line only when some of its value fits too */
	fold(b, &col, "b=", 2, true, 2 + (siglen < 8 ? siglen : 8));
	*colp = col;
}

/* sig_finish - make one signature */
static int
sig_finish(struct mauth_signer *s, struct sig *g, const uint8_t bh[32],
    uint64_t blen, struct buf *scratch)
{
	unsigned char sig[512], d[32];
	char enc[4 * (512 + 2) / 3 + 4];
	struct buf f, lf;
	size_t siglen, col, enclen, hl, i, room, take;
	const char *cr;
	EVP_MD_CTX *md;
	unsigned int dl;
	int rc;

	siglen = (size_t)EVP_PKEY_get_size(g->ks->pkey);
	if (siglen == 0 || siglen > sizeof(sig))
		return MAUTH_ERR_INTERNAL;
	buf_init(&f, SIGN_MAX_FIELD);
	build_tags(s, g, &f, bh, blen, 4 * ((siglen + 2) / 3), &col);
	if (f.err) {
		rc = f.err;
		buf_free(&f);
		return rc;
	}
	hl = strlen("DKIM-Signature:");

	/* RFC 6376 3.7: the selected fields, then this one with b= empty */
	if ((md = EVP_MD_CTX_new()) == NULL) {
		buf_free(&f);
		return MAUTH_ERR_NOMEM;
	}
	rc = MAUTH_ERR_INTERNAL;
	if (EVP_DigestInit_ex(md, sign_sha256(), NULL) != 1)
		goto out;
	if ((rc = hash_headers(s, g, md, scratch)) != MAUTH_OK)
		goto out;
	buf_reset(scratch);
	sign_canon_header(scratch, g->hcanon, f.data, hl - 1, f.data + hl,
	    f.len - hl, false);
	rc = scratch->err ? scratch->err : MAUTH_ERR_INTERNAL;
	if (scratch->err || EVP_DigestUpdate(md, scratch->data,
	    scratch->len) != 1 || EVP_DigestFinal_ex(md, d, &dl) != 1)
		goto out;
	if ((rc = sign_key_sign(g->ks, d, dl, sig, &siglen)) != MAUTH_OK)
		goto out;

	/* the b= value, folded only inside itself */
	EVP_EncodeBlock((unsigned char *)enc, sig, (int)siglen);
	enclen = strlen(enc);
	for (i = 0; i < enclen; i += take) {
		room = col < SIGN_FOLD_WIDTH ? SIGN_FOLD_WIDTH - col : 0;
		if (room == 0) {
			buf_append(&f, "\r\n ", 3);
			col = 1;
			room = SIGN_FOLD_WIDTH - 1;
		}
		take = enclen - i < room ? enclen - i : room;
		buf_append(&f, enc + i, take);
		col += take;
	}
	/* the milter form: LF instead of CRLF */
	buf_init(&lf, SIGN_MAX_FIELD);
	for (i = 0; i < f.len; i = take + 1) {
		cr = memchr(f.data + i, '\r', f.len - i);
		take = cr != NULL ? (size_t)(cr - f.data) : f.len;
		buf_append(&lf, f.data + i, take - i);
	}
	rc = f.err ? f.err : lf.err;
	if (rc == MAUTH_OK) {
		g->field = buf_take(&f);
		g->field_lf = buf_take(&lf);
	}
	buf_free(&lf);
out:
	EVP_MD_CTX_free(md);
	buf_free(&f);
	return rc;
}

int
mauth_signer_finish(struct mauth_signer *s, char *errbuf, size_t errlen)
{
	uint8_t bh[2][32];
	uint64_t blen[2] = { 0, 0 };
	struct buf scratch;
	size_t i;
	int rc;

	if (s == NULL || s->finished) {
		serr(errbuf, errlen, "signer already finished");
		return MAUTH_ERR_INVAL;
	}
	s->finished = true;
	if (s->hdrs.err) {
		serr(errbuf, errlen, "header section too large (over %d "
		    "bytes)", SIGN_MAX_HDR_BYTES);
		return s->hdrs.err;
	}
	if (hcount(s, "From") == 0) {
		serr(errbuf, errlen, "message has no From header field");
		return MAUTH_ERR_INVAL;
	}
	for (i = 0; i < 2; i++)
		if (s->bodies[i] != NULL &&
		    (rc = sign_body_final(s->bodies[i], bh[i], &blen[i])) !=
		    MAUTH_OK) {
			serr(errbuf, errlen, "body hash failed");
			return rc;
		}
	buf_init(&scratch, SIGN_MAX_HDR_BYTES * 2);
	for (i = 0; i < s->nsigs; i++) {
		rc = sig_finish(s, &s->sigs[i], bh[s->sigs[i].bcanon],
		    blen[s->sigs[i].bcanon], &scratch);
		if (rc != MAUTH_OK) {
			serr(errbuf, errlen, "signature %zu (d=%s s=%s) "
			    "failed: %s", i + 1, s->sigs[i].domain,
			    s->sigs[i].selector, mauth_strerror(rc));
			buf_free(&scratch);
			return rc;
		}
	}
	buf_free(&scratch);
	return MAUTH_OK;
}

size_t
mauth_signer_count(const struct mauth_signer *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; i < s->nsigs; i++)
		if (s->sigs[i].field == NULL)
			return 0;
	return s->nsigs;
}

const char *
mauth_signer_field(const struct mauth_signer *s, size_t i)
{
	if (s == NULL || i >= mauth_signer_count(s))
		return NULL;
	return s->sigs[i].field;
}

const char *
mauth_signer_field_lf(const struct mauth_signer *s, size_t i)
{
	if (s == NULL || i >= mauth_signer_count(s))
		return NULL;
	return s->sigs[i].field_lf;
}

/* ---- test hooks --------------------------------------------------------- */

int
sign_set_fixed_tags(struct mauth_signer *s, size_t i, const char *tags)
{
	char *t;

	if (s == NULL || i >= s->nsigs || tags == NULL || s->finished)
		return MAUTH_ERR_INVAL;
	if ((t = strdup(tags)) == NULL)
		return MAUTH_ERR_NOMEM;
	free(s->sigs[i].fixed);
	s->sigs[i].fixed = t;
	return MAUTH_OK;
}

size_t
sign_nbody(const struct mauth_signer *s)
{
	return s != NULL ? s->nbody : 0;
}

uint64_t
sign_body_bytes(const struct mauth_signer *s, size_t i)
{
	if (s == NULL || i >= s->nsigs || s->sigs[i].body == NULL)
		return 0;
	return s->sigs[i].body->len;
}
