/*
 * verify.c - the native DKIM verifier (RFC 6376 5, 6; RFC 8463; RFC 8301)
 * and the dkimv_* entry points, which run it or, when
 * dkimv_options.libopendkim is set, the libopendkim adapter (dkim_odkim.c).
 *
 * The native verifier shares everything it can with the signer: the body
 * and header canonicalizers of canon.c, SHA-256 fetched once, and keys
 * decoded once per process (verify_key.c: a cache keyed by the p= text,
 * holding a prepared verification context that each message copies).
 * Our screen (dkim_sig.c) decides first which signature fields are
 * evaluated, exactly as for the adapter; reasons are the adapter's wherever
 * the situation is the same.
 *
 * Per message: header fields are kept (bounded) until the end of the
 * header, where each candidate's key is fetched through the resolver with
 * the message's budget and its header hash computed; the body streams
 * through one canonicalizer per distinct (c= body, l=, hash); at the end
 * the body hashes are compared and the signatures verified.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "mauth/dkim.h"
#include "mauth/dns.h"
#include "mauth/sign.h"
#include "dkim/dkim_int.h"
#include "dkim/sign_int.h"
#include "util/buf.h"
#include "util/str.h"

#define MAX_FIELDS_SEEN	100000	/* DKIM-Signature fields recorded at all */
#define MAX_TXT		16	/* TXT records looked at */

struct dkimv_lib {
	struct odkim_lib	*odkim;
	struct dkimv_keycache	*keys;
};

/* One header field kept: offsets into the message's arena. */
struct hfield {
	size_t	name, namelen;	/* name as given (WSP before ':' kept) */
	size_t	trimlen;	/* name without that WSP */
	size_t	val, vallen;
};

/* One body canonicalizer, shared by the signatures that agree on it. */
struct nbody {
	int		 canon;
	bool		 limited;
	uint64_t	 limit;
	const EVP_MD	*md;
	struct sign_body *b;
	uint8_t		 digest[32];
	unsigned	 dlen;
	uint64_t	 clen;		/* canonical length of the whole body */
	bool		 ok;
};

/* What an evaluated signature needs (candidates only). */
struct ncand {
	int			 result;	/* NONE while still open */
	char			 why[256];
	const EVP_MD		*md;
	int			 body;		/* index into bodies; -1 */
	uint8_t			 bh[64];
	size_t			 bhlen;
	bool			 bh_bad;	/* bh= did not decode */
	uint8_t			*sig;		/* b= decoded */
	size_t			 siglen;
	uint8_t			 hdigest[EVP_MAX_MD_SIZE];
	unsigned		 hdlen;
	struct dkimv_key	*key;
	bool			 testing;
	bool			 ktype_bad;	/* key k= does not fit a= */
	unsigned		 key_bits;
};

/* One DKIM-Signature field of the message. */
struct nsig {
	struct dkim_sigscreen	 scr;
	bool			 candidate;
	bool			 over_cap;
	bool			 stored;	/* field kept in the arena */
	size_t			 field;		/* its index in fields */
	struct ncand		*c;		/* candidates only */
	struct mauth_dkim_sig	 out;
	char			*reason;	/* owned; out.reason */
};

struct dkimv {
	struct odkim_v		*odkim;		/* the reference engine, or NULL */
	struct dkimv_lib	*lib;
	struct mauth_resolver	*r;
	struct mauth_dns_budget	*budget;
	struct dkimv_options	 opts;
	int64_t			 now;
	bool			 eoh_done, eom_done;
	bool			 hdr_full;	/* a field could not be kept */
	struct buf		 arena;		/* header names and values */
	struct hfield		*fields;
	size_t			 nfields, capfields;
	struct nsig		*sigs;
	size_t			 nsigs, capsigs;
	size_t			 ncandidates;
	struct nbody		*bodies;
	size_t			 nbodies;
	unsigned		 nlookups;
	struct mauth_dkim_sig	*results;
	size_t			 nresults;
};

/* dkimv_options_init - the defaults (RFC 8301 3.2: 1024-bit minimum) */
void
dkimv_options_init(struct dkimv_options *o)
{
	if (o == NULL)
		return;
	memset(o, 0, sizeof(*o));
	o->max_signatures = 5;
	o->min_rsa_bits = 1024;
}

/* ---- the library ------------------------------------------------------- */

/* dkimv_lib_new - the key cache and libopendkim's library */
int
dkimv_lib_new(struct dkimv_lib **out, char *errbuf, size_t errlen)
{
	struct dkimv_lib *lib;
	int rc;

	if (out == NULL)
		return MAUTH_ERR_INVAL;
	*out = NULL;
	if ((lib = calloc(1, sizeof(*lib))) == NULL)
		return MAUTH_ERR_NOMEM;
	if ((lib->keys = dkimv_keycache_new(DKIMV_KEYCACHE_MAX)) == NULL) {
		free(lib);
		return MAUTH_ERR_NOMEM;
	}
	if ((rc = odkim_lib_new(&lib->odkim, errbuf, errlen)) != MAUTH_OK) {
		dkimv_keycache_free(lib->keys);
		free(lib);
		return rc;
	}
	/* SHA-256 fetched now, before threads */
	(void)sign_sha256();
	*out = lib;
	return MAUTH_OK;
}

/* dkimv_lib_free - NULL is a no-op */
void
dkimv_lib_free(struct dkimv_lib *lib)
{
	if (lib == NULL)
		return;
	odkim_lib_free(lib->odkim);
	dkimv_keycache_free(lib->keys);
	free(lib);
}

/* dkimv_lib_keycache - the key cache (tests) */
struct dkimv_keycache *
dkimv_lib_keycache(struct dkimv_lib *lib)
{
	return lib != NULL ? lib->keys : NULL;
}

/* ---- one message: setup ------------------------------------------------ */

/* dkimv_new - a verifier for one message, native or libopendkim */
int
dkimv_new(struct dkimv_lib *lib, struct mauth_resolver *r,
    struct mauth_dns_budget *budget, const struct dkimv_options *opts,
    struct dkimv **out)
{
	struct dkimv *v;
	int rc;

	if (out == NULL)
		return MAUTH_ERR_INVAL;
	*out = NULL;
	if (lib == NULL || r == NULL)
		return MAUTH_ERR_INVAL;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return MAUTH_ERR_NOMEM;
	if (opts != NULL && opts->libopendkim) {
		if ((rc = odkim_new(lib->odkim, r, budget, opts,
		    &v->odkim)) != MAUTH_OK) {
			free(v);
			return rc;
		}
		*out = v;
		return MAUTH_OK;
	}
	v->lib = lib;
	v->r = r;
	v->budget = budget;
	v->now = dkim_opts_copy(&v->opts, opts);
	buf_init(&v->arena, DKIMV_MAX_HDR_BYTES);
	*out = v;
	return MAUTH_OK;
}

/* dkimv_free - NULL is a no-op */
void
dkimv_free(struct dkimv *v)
{
	size_t i;

	if (v == NULL)
		return;
	odkim_free(v->odkim);
	for (i = 0; i < v->nsigs; i++) {
		dkim_sig_screen_free(&v->sigs[i].scr);
		if (v->sigs[i].c != NULL) {
			dkimv_key_put(v->sigs[i].c->key);
			free(v->sigs[i].c->sig);
		}
		free(v->sigs[i].c);
		free(v->sigs[i].reason);
	}
	for (i = 0; i < v->nbodies; i++) {
		if (v->bodies[i].b != NULL)
			sign_body_free(v->bodies[i].b);
		free(v->bodies[i].b);
	}
	free(v->bodies);
	free(v->sigs);
	free(v->fields);
	buf_free(&v->arena);
	free(v->results);
	free(v);
}

/* keep_field - keep name and value in the arena; false when over a limit */
static bool
keep_field(struct dkimv *v, const char *name, size_t namelen, size_t trimlen,
    const char *value, size_t valuelen, size_t *idx)
{
	struct hfield *nf, *f;
	size_t ncap, before = v->arena.len;

	if (v->hdr_full)
		return false;
	if (v->nfields == v->capfields) {
		ncap = v->capfields == 0 ? 32 : v->capfields * 2;
		if (ncap > DKIMV_MAX_HDR_FIELDS)
			ncap = DKIMV_MAX_HDR_FIELDS;
		if (ncap == v->capfields || (nf = reallocarray(v->fields,
		    ncap, sizeof(*nf))) == NULL) {
			v->hdr_full = true;
			return false;
		}
		v->fields = nf;
		v->capfields = ncap;
	}
	buf_append(&v->arena, name, namelen);
	buf_append(&v->arena, value, valuelen);
	if (v->arena.err != 0) {
		v->hdr_full = true;
		return false;
	}
	f = &v->fields[v->nfields];
	f->name = before;
	f->namelen = namelen;
	f->trimlen = trimlen;
	f->val = before + namelen;
	f->vallen = valuelen;
	*idx = v->nfields++;
	return true;
}

/* dkimv_header - one header field (see dkim_int.h) */
int
dkimv_header(struct dkimv *v, const char *name, size_t namelen,
    const char *value, size_t valuelen)
{
	struct nsig *s, *ns;
	size_t nl, idx = 0;
	bool kept;
	int rc;

	if (v != NULL && v->odkim != NULL)
		return odkim_header(v->odkim, name, namelen, value, valuelen);
	if (v == NULL || name == NULL || (value == NULL && valuelen > 0))
		return MAUTH_ERR_INVAL;
	if (v->eoh_done)
		return MAUTH_ERR_INVAL;
	if (value == NULL)
		value = "";
	if ((nl = dkim_field_name_len(name, namelen)) == 0)
		return MAUTH_OK;	/* not a field anyone could sign */
	/* the final line break is optional: none is kept (as libopendkim) */
	while (valuelen > 0 && (value[valuelen - 1] == '\n' ||
	    value[valuelen - 1] == '\r'))
		valuelen--;
	kept = keep_field(v, name, namelen, nl, value, valuelen, &idx);
	if (!str_caseeq_n(name, nl, "DKIM-Signature", 14))
		return MAUTH_OK;
	if (v->nsigs == MAX_FIELDS_SEEN)
		return MAUTH_OK;
	if (v->nsigs == v->capsigs) {
		if ((ns = dkim_grow(v->sigs, &v->capsigs, sizeof(*ns),
		    MAX_FIELDS_SEEN)) == NULL)
			return MAUTH_ERR_NOMEM;
		v->sigs = ns;
	}
	s = &v->sigs[v->nsigs];
	memset(s, 0, sizeof(*s));
	s->stored = kept;
	s->field = idx;
	rc = dkim_sig_screen(value, valuelen, v->now, v->opts.allow_rsa_sha1,
	    &s->scr);
	if (rc != MAUTH_OK)
		return rc;
	v->nsigs++;
	if (s->scr.result == MAUTH_DKIM_NONE) {
		if (v->ncandidates < v->opts.max_signatures) {
			if ((s->c = calloc(1, sizeof(*s->c))) == NULL)
				return MAUTH_ERR_NOMEM;
			s->c->body = -1;
			s->candidate = true;
			v->ncandidates++;
		} else
			s->over_cap = true;
	}
	return MAUTH_OK;
}

/* dkimv_nsigfields - DKIM-Signature fields seen so far */
size_t
dkimv_nsigfields(const struct dkimv *v)
{
	if (v != NULL && v->odkim != NULL)
		return odkim_nsigfields(v->odkim);
	return v != NULL ? v->nsigs : 0;
}

/* ---- end of header: keys and header hashes ------------------------------ */

/* settle - give a signature its result now */
static void
settle(struct ncand *s, int result, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
settle(struct ncand *s, int result, const char *fmt, ...)
{
	va_list ap;

	s->result = result;
	va_start(ap, fmt);
	(void)vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
}

/* dns_problem - why a key lookup gave no usable answer */
static const char *
dns_problem(int status, int rcode)
{
	if (status == MAUTH_DNS_ANSWER)
		return mauth_dns_rcode_str(rcode);
	if (status == MAUTH_DNS_BUDGET)
		return "DNS budget of the message spent";
	return mauth_dns_status_str(status);
}

/*
 * fetch_key - RFC 6376 6.1.2: the key record of s._domainkey.d through the
 * resolver (cache and budget), parsed, its key from the cache.  DNS
 * failures are temperror; no record, several records and unusable
 * records are permerror.  Returns MAUTH_OK or MAUTH_ERR_NOMEM.
 */
static int
fetch_key(struct dkimv *v, struct nsig *s, const char *hashname)
{
	struct ncand *c = s->c;
	struct mauth_dns_answer *ans = NULL;
	struct dkimv_keyrec kr;
	const uint8_t *rec = NULL;
	size_t i, nrec = 0, reclen = 0;
	char qname[300];
	int st, rc;

	(void)snprintf(qname, sizeof(qname), "%s._domainkey.%s",
	    s->scr.selector, s->scr.domain);
	/* one lookup per evaluated signature; a ceiling anyway */
	if (v->nlookups >= v->opts.max_signatures + 1) {
		settle(c, MAUTH_DKIM_TEMPERROR, "key lookup failed: %s",
		    "no reply");
		return MAUTH_OK;
	}
	v->nlookups++;
	st = mauth_resolver_query(v->r, v->budget, qname, MAUTH_DNS_TXT,
	    &ans);
	if (st != MAUTH_DNS_ANSWER) {
		settle(c, MAUTH_DKIM_TEMPERROR, "key lookup failed: %s",
		    dns_problem(st, 0));
		return MAUTH_OK;
	}
	if (ans->rcode == MAUTH_RCODE_NXDOMAIN) {
		mauth_dns_answer_free(ans);
		settle(c, MAUTH_DKIM_PERMERROR, "no key record (NXDOMAIN)");
		return MAUTH_OK;
	}
	if (ans->rcode != MAUTH_RCODE_NOERROR) {
		settle(c, MAUTH_DKIM_TEMPERROR, "key lookup failed: %s",
		    dns_problem(st, ans->rcode));
		mauth_dns_answer_free(ans);
		return MAUTH_OK;
	}
	for (i = 0; i < ans->nrr && nrec < MAX_TXT; i++) {
		if (ans->rr[i].type != MAUTH_DNS_TXT)
			continue;
		if (nrec++ == 0) {
			rec = ans->rr[i].u.txt.data;
			reclen = ans->rr[i].u.txt.len;
		}
	}
	if (nrec == 0) {
		mauth_dns_answer_free(ans);
		settle(c, MAUTH_DKIM_PERMERROR,
		    "no key record (no TXT record)");
		return MAUTH_OK;
	}
	if (nrec > 1) {
		/* RFC 6376 3.6.2.2 leaves it undefined; retrying won't help */
		mauth_dns_answer_free(ans);
		settle(c, MAUTH_DKIM_PERMERROR, "several key records");
		return MAUTH_OK;
	}
	st = dkimv_keyrec_parse(rec, reclen, s->scr.ed25519, hashname, &kr,
	    c->why, sizeof(c->why));
	if (st != MAUTH_DKIM_NONE) {
		mauth_dns_answer_free(ans);
		c->result = st;
		c->ktype_bad = kr.ktype_bad;
		return MAUTH_OK;
	}
	c->testing = kr.testing;
	rc = dkimv_keycache_get(v->lib->keys, s->scr.ed25519, kr.p, kr.plen,
	    &c->key, c->why, sizeof(c->why));
	mauth_dns_answer_free(ans);
	if (rc == MAUTH_ERR_NOMEM)
		return rc;
	if (rc != MAUTH_DKIM_NONE) {
		c->result = rc;
		return MAUTH_OK;
	}
	c->key_bits = dkimv_key_bits(c->key);
	if (!dkimv_keyrec_strict_ok(&kr, s->scr.identity, s->scr.domain))
		settle(c, MAUTH_DKIM_PERMERROR,
		    "key t=s forbids the subdomain in i=");
	return MAUTH_OK;
}

/*
 * strip_b - the signature field's value with the value of b= removed
 * (RFC 6376 3.7: "with the value of the b= tag deleted"): everything from
 * after its '=' up to the next ';' or the end goes, FWS included.
 */
static void
strip_b(const char *val, size_t len, struct buf *out)
{
	size_t i = 0, start, ns, ne, eq;

	while (i < len) {
		start = i;
		while (i < len && val[i] != ';')
			i++;
		ns = start;
		while (ns < i && (val[ns] == ' ' || val[ns] == '\t' ||
		    val[ns] == '\r' || val[ns] == '\n'))
			ns++;
		for (eq = ns; eq < i && val[eq] != '='; eq++)
			;
		ne = eq;
		while (ne > ns && (val[ne - 1] == ' ' || val[ne - 1] == '\t' ||
		    val[ne - 1] == '\r' || val[ne - 1] == '\n'))
			ne--;
		if (eq < i && ne - ns == 1 && val[ns] == 'b') {
			buf_append(out, val, eq + 1);
			buf_append(out, val + i, len - i);
			return;
		}
		if (i < len)
			i++;
	}
	buf_append(out, val, len);
}

/* canon_of - MAUTH_CANON_* of one half of c= (default simple) */
static int
canon_of(const char *p, size_t len)
{
	return str_caseeq_n(p, len, "relaxed", 7) ? MAUTH_CANON_RELAXED :
	    MAUTH_CANON_SIMPLE;
}

/*
 * header_hash - RFC 6376 5.4.2, 3.7: the header fields named in h=, each
 * name taking the instances bottom-up (a name with no instance left adds
 * nothing), then the signature field itself with b= emptied and without
 * its final CRLF, canonicalized with c= and hashed with md.
 */
static int
header_hash(struct dkimv *v, struct nsig *s, const struct dkimv_tag *h,
    int hcanon)
{
	struct ncand *c = s->c;
	struct { const char *p; size_t len; } names[DKIMV_MAX_HNAMES];
	const struct hfield *f;
	const char *a = v->arena.data;
	struct buf out, sv;
	size_t nn = 0, i = 0, st, e, k, j, seen;
	bool found;
	int rc = MAUTH_OK;

	while (i <= h->vallen) {
		st = i;
		while (i < h->vallen && h->val[i] != ':')
			i++;
		e = i;
		while (st < e && (h->val[st] == ' ' || h->val[st] == '\t' ||
		    h->val[st] == '\r' || h->val[st] == '\n'))
			st++;
		while (e > st && (h->val[e - 1] == ' ' || h->val[e - 1] ==
		    '\t' || h->val[e - 1] == '\r' || h->val[e - 1] == '\n'))
			e--;
		if (nn == DKIMV_MAX_HNAMES) {
			settle(c, MAUTH_DKIM_PERMERROR, "h= names more than "
			    "%d fields", DKIMV_MAX_HNAMES);
			return MAUTH_OK;
		}
		names[nn].p = h->val + st;
		names[nn].len = e - st;
		nn++;
		i++;
	}
	buf_init(&out, 2 * DKIMV_MAX_HDR_BYTES);
	for (k = 0; k < nn; k++) {
		/* the same name earlier in h= used instances from the bottom */
		for (j = seen = 0; j < k; j++)
			if (str_caseeq_n(names[j].p, names[j].len, names[k].p,
			    names[k].len))
				seen++;
		found = false;
		for (j = v->nfields; j > 0; j--) {
			f = &v->fields[j - 1];
			if (!str_caseeq_n(a + f->name, f->namelen, names[k].p,
			    names[k].len))
				continue;
			if (seen > 0) {
				seen--;
				continue;
			}
			found = true;
			break;
		}
		if (found)
			sign_canon_header(&out, hcanon, a + f->name,
			    f->namelen, a + f->val, f->vallen, true);
	}
	f = &v->fields[s->field];
	buf_init(&sv, DKIMV_MAX_SIGHDR + 16);
	strip_b(a + f->val, f->vallen, &sv);
	sign_canon_header(&out, hcanon, a + f->name, f->namelen,
	    sv.data != NULL ? sv.data : "", sv.len, false);
	if (out.err != 0 || sv.err != 0)
		rc = MAUTH_ERR_NOMEM;
	else if (EVP_Digest(out.data, out.len, c->hdigest, &c->hdlen, c->md,
	    NULL) != 1)
		rc = MAUTH_ERR_INTERNAL;
	buf_free(&out);
	buf_free(&sv);
	return rc;
}

/* body_for - the canonicalizer for (canon, l=, md), shared or new */
static int
body_for(struct dkimv *v, struct nsig *s, int canon)
{
	struct ncand *c = s->c;
	struct nbody *nb, *b;
	size_t i;
	int rc;

	for (i = 0; i < v->nbodies; i++) {
		b = &v->bodies[i];
		if (b->canon == canon && b->md == c->md &&
		    b->limited == s->scr.has_l &&
		    (!b->limited || b->limit == s->scr.l)) {
			c->body = (int)i;
			return MAUTH_OK;
		}
	}
	if ((nb = reallocarray(v->bodies, v->nbodies + 1,
	    sizeof(*nb))) == NULL)
		return MAUTH_ERR_NOMEM;
	v->bodies = nb;
	b = &v->bodies[v->nbodies];
	memset(b, 0, sizeof(*b));
	b->canon = canon;
	b->md = c->md;
	b->limited = s->scr.has_l;
	b->limit = s->scr.l;
	if ((b->b = malloc(sizeof(*b->b))) == NULL)
		return MAUTH_ERR_NOMEM;
	if ((rc = sign_body_init_md(b->b, canon, c->md, b->limited,
	    b->limit)) != MAUTH_OK) {
		free(b->b);
		b->b = NULL;
		return rc;
	}
	c->body = (int)v->nbodies++;
	return MAUTH_OK;
}

/* prepare - one candidate at the end of the header */
static int
prepare(struct dkimv *v, struct nsig *s)
{
	struct ncand *c = s->c;
	struct dkimv_tag tags[DKIMV_KEY_TAGS];
	const struct dkimv_tag *t, *h, *bh, *b;
	const struct hfield *f;
	const char *slash;
	uint8_t *tmp;
	size_t n;
	ssize_t len;
	int hcanon = MAUTH_CANON_SIMPLE, bcanon = MAUTH_CANON_SIMPLE, rc;
	bool sha1;

	if (!s->stored) {
		settle(c, MAUTH_DKIM_PERMERROR, "not evaluated: the header is "
		    "over the verifier's limits (%d fields, %d bytes)",
		    DKIMV_MAX_HDR_FIELDS, DKIMV_MAX_HDR_BYTES);
		return MAUTH_OK;
	}
	f = &v->fields[s->field];
	if (!dkimv_tag_list(v->arena.data + f->val, f->vallen, tags,
	    DKIMV_KEY_TAGS, &n) || (h = dkimv_tag_find(tags, n, "h")) ==
	    NULL || (bh = dkimv_tag_find(tags, n, "bh")) == NULL ||
	    (b = dkimv_tag_find(tags, n, "b")) == NULL) {
		/* the screen accepted it: not reached */
		settle(c, MAUTH_DKIM_PERMERROR, "not evaluated: the "
		    "verifier did not accept the field");
		return MAUTH_OK;
	}
	if ((t = dkimv_tag_find(tags, n, "c")) != NULL) {
		slash = memchr(t->val, '/', t->vallen);
		hcanon = canon_of(t->val, slash != NULL ?
		    (size_t)(slash - t->val) : t->vallen);
		if (slash != NULL)
			bcanon = canon_of(slash + 1,
			    t->vallen - (size_t)(slash - t->val) - 1);
	}
	sha1 = !s->scr.ed25519 && s->scr.algorithm != NULL &&
	    str_casecmp(s->scr.algorithm, "rsa-sha1") == 0;
	c->md = sha1 ? EVP_sha1() : sign_sha256();
	/* l= is compared with the body whatever else happens (libopendkim) */
	if (s->scr.has_l && (rc = body_for(v, s, bcanon)) != MAUTH_OK)
		return rc;
	/* b= first: a signature that cannot be decoded costs no DNS */
	if ((c->sig = malloc(b->vallen + 1)) == NULL)
		return MAUTH_ERR_NOMEM;
	len = dkimv_b64_decode(b->val, b->vallen, c->sig, b->vallen + 1);
	if (len <= 0) {
		settle(c, MAUTH_DKIM_PERMERROR,
		    "invalid signature: signature data corrupt");
		return MAUTH_OK;
	}
	c->siglen = (size_t)len;
	if ((rc = fetch_key(v, s, sha1 ? "sha1" : "sha256")) != MAUTH_OK ||
	    c->result != MAUTH_DKIM_NONE)
		return rc;
	/* bh= of any length decodes; only 32 bytes can ever match */
	if ((tmp = malloc(bh->vallen + 1)) == NULL)
		return MAUTH_ERR_NOMEM;
	len = dkimv_b64_decode(bh->val, bh->vallen, tmp, bh->vallen + 1);
	if (len >= 0) {
		memcpy(c->bh, tmp, (size_t)len < sizeof(c->bh) ?
		    (size_t)len : sizeof(c->bh));
		c->bhlen = (size_t)len;
	}
	free(tmp);
	/* reported after the header signature (libopendkim's order) */
	c->bh_bad = len < 0;
	if ((rc = header_hash(v, s, h, hcanon)) != MAUTH_OK ||
	    c->result != MAUTH_DKIM_NONE)
		return rc;
	return c->body >= 0 ? MAUTH_OK : body_for(v, s, bcanon);
}

/* dkimv_eoh - end of headers: keys fetched, header hashes computed */
int
dkimv_eoh(struct dkimv *v)
{
	size_t i;
	int rc;

	if (v != NULL && v->odkim != NULL)
		return odkim_eoh(v->odkim);
	if (v == NULL)
		return MAUTH_ERR_INVAL;
	if (v->eoh_done)
		return MAUTH_OK;
	v->eoh_done = true;
	for (i = 0; i < v->nsigs; i++) {
		if (!v->sigs[i].candidate)
			continue;
		if ((rc = prepare(v, &v->sigs[i])) != MAUTH_OK)
			return rc;
	}
	/* the header is hashed: only the body is needed now */
	free(v->fields);
	v->fields = NULL;
	v->nfields = v->capfields = 0;
	buf_free(&v->arena);
	return MAUTH_OK;
}

/* dkimv_body - a body chunk to every canonicalizer */
int
dkimv_body(struct dkimv *v, const void *buf, size_t len)
{
	size_t i;

	if (v != NULL && v->odkim != NULL)
		return odkim_body(v->odkim, buf, len);
	if (v == NULL || (buf == NULL && len > 0))
		return MAUTH_ERR_INVAL;
	if (!v->eoh_done)
		return MAUTH_ERR_INVAL;
	if (v->eom_done || len == 0)
		return MAUTH_OK;
	for (i = 0; i < v->nbodies; i++)
		if (sign_body_add(v->bodies[i].b, buf, len) != MAUTH_OK)
			return MAUTH_ERR_INTERNAL;
	return MAUTH_OK;
}

/*
 * finish - the result of a candidate at the end of the message: l= within
 * the body, the body hash (RFC 6376 3.7), the signature (6.1.3), then our
 * policy on a pass: the RSA floor (RFC 8301 3.2) and content after l=
 * (RFC 6376 8.2).
 */
static void
finish(struct dkimv *v, struct nsig *s)
{
	struct ncand *c = s->c;
	const struct nbody *b;
	int ok;

	b = c->body >= 0 ? &v->bodies[c->body] : NULL;
	/*
	 * l= beyond the body is a fault of the signature itself, reported
	 * over any key or DNS problem but k= (libopendkim does the same)
	 */
	if (b != NULL && b->ok && s->scr.has_l && s->scr.l > b->clen &&
	    !c->ktype_bad) {
		settle(c, MAUTH_DKIM_PERMERROR, "l= is larger than the body");
		return;
	}
	if (c->result != MAUTH_DKIM_NONE)
		return;
	if (b == NULL) {
		settle(c, MAUTH_DKIM_PERMERROR, "not verified");
		return;
	}
	if (!b->ok) {
		settle(c, MAUTH_DKIM_TEMPERROR, "not verified: body hash "
		    "could not be computed");
		return;
	}
	/* RFC 6376 6.1.3: the header signature, then the body hash */
	ok = dkimv_key_verify(c->key, c->md, c->hdigest, c->hdlen, c->sig,
	    c->siglen);
	if (ok < 0) {
		settle(c, MAUTH_DKIM_TEMPERROR,
		    "not verified: verification could not run");
		return;
	}
	if (ok == 0) {
		settle(c, MAUTH_DKIM_FAIL, "signature did not verify");
		return;
	}
	if (c->bh_bad) {
		settle(c, MAUTH_DKIM_PERMERROR,
		    "invalid signature: body hash corrupt");
		return;
	}
	if (c->bhlen != b->dlen || memcmp(c->bh, b->digest, b->dlen) != 0) {
		settle(c, MAUTH_DKIM_FAIL, "body hash mismatch");
		return;
	}
	settle(c, MAUTH_DKIM_PASS, "signature verified%s", c->testing ?
	    " (testing key, t=y)" : "");
	if (!s->scr.ed25519 && c->key_bits < v->opts.min_rsa_bits) {
		settle(c, MAUTH_DKIM_POLICY, "RSA key of %u bits, below the "
		    "minimum of %u (RFC 8301)", c->key_bits,
		    v->opts.min_rsa_bits);
		return;
	}
	if (s->scr.has_l && s->scr.l < b->clen)
		settle(c, MAUTH_DKIM_POLICY, "l= signs %llu of %llu body "
		    "bytes (content after l= is not accepted)",
		    (unsigned long long)s->scr.l,
		    (unsigned long long)b->clen);
}

/* dkimv_eom - end of message: body hashes, signatures, results */
int
dkimv_eom(struct dkimv *v)
{
	struct nbody *b;
	struct nsig *s;
	char why[256];
	size_t i;
	int rc;

	if (v != NULL && v->odkim != NULL)
		return odkim_eom(v->odkim);
	if (v == NULL)
		return MAUTH_ERR_INVAL;
	if (v->eom_done)
		return MAUTH_OK;
	if (!v->eoh_done && (rc = dkimv_eoh(v)) != MAUTH_OK)
		return rc;
	v->eom_done = true;
	for (i = 0; i < v->nbodies; i++) {
		b = &v->bodies[i];
		b->ok = sign_body_final(b->b, b->digest, &b->clen) == MAUTH_OK;
		b->dlen = b->b->mdlen;
	}
	if (v->nsigs > 0 &&
	    (v->results = calloc(v->nsigs, sizeof(*v->results))) == NULL)
		return MAUTH_ERR_NOMEM;
	for (i = 0; i < v->nsigs; i++) {
		s = &v->sigs[i];
		if (!dkim_sig_out_init(&s->out, &s->scr, s->over_cap,
		    v->opts.max_signatures, why, sizeof(why))) {
			finish(v, s);
			s->out.result = s->c->result;
			s->out.testing = s->c->testing;
			s->out.key_bits = s->c->key_bits;
			(void)snprintf(why, sizeof(why), "%s", s->c->why);
		}
		if ((s->reason = strdup(why)) == NULL)
			return MAUTH_ERR_NOMEM;
		s->out.reason = s->reason;
		v->results[i] = s->out;
	}
	v->nresults = v->nsigs;
	return MAUTH_OK;
}

/* dkimv_count - results after dkimv_eom */
size_t
dkimv_count(const struct dkimv *v)
{
	if (v != NULL && v->odkim != NULL)
		return odkim_count(v->odkim);
	return v != NULL ? v->nresults : 0;
}

/* dkimv_sig - result i, or NULL */
const struct mauth_dkim_sig *
dkimv_sig(const struct dkimv *v, size_t i)
{
	if (v != NULL && v->odkim != NULL)
		return odkim_sig(v->odkim, i);
	if (v == NULL || i >= v->nresults)
		return NULL;
	return &v->results[i];
}
