/*
 * dkim_odkim.c - the libopendkim adapter: the only file of mauth that
 * includes <opendkim/dkim.h>.  It is the reference engine, chosen with
 * dkimv_options.libopendkim; the dkimv_* entry points (verify.c) call its
 * odkim_* functions then.
 *
 * libopendkim does the canonicalization and the cryptography.  Around it:
 *  - its key lookups go through our resolver (dkim_dns_set_query_*): the
 *    start hook asks mauth_resolver_query() and writes a DNS wire reply;
 *  - our screen (dkim_sig.c) decides first which signatures are evaluated
 *    (at most max_signatures; rsa-sha1, bad tags and unknown algorithms are
 *    settled without DNS); the prescreen hook tells libopendkim to ignore
 *    the others;
 *  - odkim_result() is the one place where DKIM_STAT / DKIM_SIGERROR become
 *    RFC 8601 results.
 *
 * The DNS hooks receive no message handle, only the library's service
 * handle, so the verifier that is running dkim_eoh()/dkim_eom() on this
 * thread is kept in a thread-local pointer for their duration.  The hooks
 * are synchronous: the start hook completes the query.
 */
#include <sys/time.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <opendkim/dkim.h>

#include "mauth/dkim.h"
#include "mauth/dns.h"
#include "dkim/dkim_int.h"
#include "util/buf.h"
#include "util/str.h"

#define WIRE_TXT_CHUNK	255	/* bytes per character-string */
#define KEY_PASS_MAX	4096	/* bytes of a too-long record handed on */
#define MAX_FIELDS_SEEN	100000	/* DKIM-Signature fields recorded at all */
#define DKIMV_ODKIM_DRIFT 1000000000ULL /* libopendkim's clock drift, s */

struct odkim_lib {
	DKIM_LIB	*odkim;
};

/* One key lookup made through the hooks during one message. */
struct lookup {
	char		 qname[256];
	int		 status;	/* enum mauth_dns_status */
	int		 rcode;
	size_t		 reclen;	/* bytes of the TXT record */
	bool		 too_long;	/* over DKIMV_KEY_MAX even compacted */
	char		 ktype[16];	/* k= of the record; "" unknown */
	bool		 wrapped;	/* p= was an RSAPublicKey */
	size_t		 wirelen;
};

/* One DKIM-Signature field of the message. */
struct sigrec {
	struct dkim_sigscreen	 scr;
	bool			 candidate;	/* evaluated by libopendkim */
	bool			 over_cap;
	int			 fed;		/* libopendkim siglist index; -1 */
	struct mauth_dkim_sig	 out;
	char			*reason;	/* owned; out.reason */
};

struct odkim_v {
	struct odkim_lib	*lib;
	struct mauth_resolver	*r;
	struct mauth_dns_budget	*budget;
	struct dkimv_options	 opts;
	int64_t			 now;
	DKIM			*dkim;
	DKIM_STAT		 eoh_stat;	/* status of dkim_eoh() */
	DKIM_STAT		 eom_stat;
	bool			 eoh_done, eom_done;
	bool			 skip_body;	/* libopendkim needs no body */
	bool			 want_len;	/* some candidate has l= */
	bool			 body_cr;	/* last body byte was CR */
	bool			 body_any;	/* some body byte was fed */
	bool			 body_crlf;	/* ... and the last two are CRLF */
	struct dkim_bodylen	 blen;
	struct sigrec		*sigs;
	size_t			 nsigs, capsigs;
	size_t			 ncandidates;
	size_t			 nfed;		/* DKIM-Signature fields fed */
	size_t			 nfed_other;	/* of which not candidates */
	struct lookup		*lookups;
	size_t			 nlookups;
	struct mauth_dkim_sig	*results;
	size_t			 nresults;
};

/* The verifier running libopendkim on this thread (see the top comment). */
static _Thread_local struct odkim_v *tls_cur;

/* ---- DNS hooks --------------------------------------------------------- */

/* wire_name - qname as DNS labels into w; returns bytes written or 0 */
static size_t
wire_name(const char *name, uint8_t *w, size_t wlen)
{
	size_t o = 0, len = strlen(name), s = 0, i;

	if (len > 0 && name[len - 1] == '.')
		len--;
	for (i = 0; i <= len; i++) {
		if (i < len && name[i] != '.')
			continue;
		if (i - s == 0 || i - s > 63 || o + 1 + (i - s) + 1 > wlen)
			return 0;
		w[o++] = (uint8_t)(i - s);
		memcpy(w + o, name + s, i - s);
		o += i - s;
		s = i + 1;
	}
	w[o++] = 0;
	return o;
}

/* put16 - big-endian 16-bit store */
static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* put32 - big-endian 32-bit store */
static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/*
 * wire_reply - a DNS response in wire form (RFC 1035 4.1) for qname/TXT:
 * rcode, and one TXT record per recs[i], each split into character-strings
 * of 255 bytes.  The answer owner is a pointer to the question name.
 * Returns the length, or 0 if it does not fit in buflen.
 */
static size_t
wire_reply(const char *qname, int rcode, const uint8_t *const *recs,
    const size_t *lens, size_t nrecs, uint8_t *buf, size_t buflen)
{
	size_t o, n, i, off, chunk, rdlen;

	if (buflen < 12)
		return 0;
	memset(buf, 0, 12);
	put16(buf + 2, 0x8180 | (rcode & 0xf));	/* QR, RD, RA */
	put16(buf + 4, 1);
	put16(buf + 6, (unsigned)nrecs);
	if ((n = wire_name(qname, buf + 12, buflen - 12)) == 0)
		return 0;
	o = 12 + n;
	if (o + 4 > buflen)
		return 0;
	put16(buf + o, 16);		/* TXT */
	put16(buf + o + 2, 1);		/* IN */
	o += 4;
	for (i = 0; i < nrecs; i++) {
		rdlen = lens[i] + (lens[i] + WIRE_TXT_CHUNK - 1) /
		    WIRE_TXT_CHUNK;
		if (lens[i] == 0)
			rdlen = 1;
		if (rdlen > 65535 || o + 12 + rdlen > buflen)
			return 0;
		put16(buf + o, 0xc00c);
		put16(buf + o + 2, 16);
		put16(buf + o + 4, 1);
		put32(buf + o + 6, 300);
		put16(buf + o + 10, (unsigned)rdlen);
		o += 12;
		if (lens[i] == 0)
			buf[o++] = 0;
		for (off = 0; off < lens[i]; off += chunk) {
			chunk = lens[i] - off;
			if (chunk > WIRE_TXT_CHUNK)
				chunk = WIRE_TXT_CHUNK;
			buf[o++] = (uint8_t)chunk;
			memcpy(buf + o, recs[i] + off, chunk);
			o += chunk;
		}
	}
	return o;
}

/*
 * hook_start - libopendkim asks for a key record: ask our resolver and write
 * the reply.  Errors (timeout, network, budget, SERVFAIL, REFUSED, ...)
 * return -1, which libopendkim reports as KEYFAIL (temperror): it would
 * read a SERVFAIL packet as "no key" (permerror).  *qh is our lookup entry;
 * nothing is allocated, so hook_cancel has nothing to free.
 */
static int
hook_start(void *srv, int type, unsigned char *query, unsigned char *buf,
    size_t buflen, void **qh)
{
	struct odkim_v *v = tls_cur;
	struct mauth_dns_answer *ans = NULL;
	struct lookup *lk;
	const uint8_t *recs[16];
	size_t lens[16], nrecs = 0, i;
	char compact[DKIMV_KEY_MAX + 1];
	ssize_t rw;
	int st;

	(void)srv;
	*qh = NULL;
	if (v == NULL || type != 16 || query == NULL)
		return -1;
	/* one lookup per evaluated signature at most; a ceiling anyway */
	if (v->nlookups >= v->opts.max_signatures + 1)
		return -1;
	lk = &v->lookups[v->nlookups++];
	memset(lk, 0, sizeof(*lk));
	(void)snprintf(lk->qname, sizeof(lk->qname), "%s", (char *)query);
	st = mauth_resolver_query(v->r, v->budget, (const char *)query,
	    MAUTH_DNS_TXT, &ans);
	lk->status = st;
	if (st != MAUTH_DNS_ANSWER)
		return -1;
	lk->rcode = ans->rcode;
	if (ans->rcode != MAUTH_RCODE_NOERROR &&
	    ans->rcode != MAUTH_RCODE_NXDOMAIN) {
		mauth_dns_answer_free(ans);
		return -1;
	}
	for (i = 0; i < ans->nrr && nrecs < 16; i++) {
		if (ans->rr[i].type != MAUTH_DNS_TXT)
			continue;
		recs[nrecs] = ans->rr[i].u.txt.data;
		lens[nrecs] = ans->rr[i].u.txt.len;
		nrecs++;
	}
	if (nrecs == 1 && !dkim_key_type(recs[0], lens[0], lk->ktype,
	    sizeof(lk->ktype)))
		lk->ktype[0] = '\0';
	if (nrecs == 1) {
		/*
		 * libopendkim copies at most 1024 bytes of the record and
		 * drops the rest without a word, and decodes p= only as a
		 * SubjectPublicKeyInfo.  Without FWS, notes and unknown tags
		 * most long records fit; those that do not (RSA keys above
		 * about 5,500 bits) are marked and reported.  A bare
		 * RSAPublicKey (RFC 6376 3.6.1) is wrapped.
		 */
		lk->reclen = lens[0];
		rw = dkim_key_rewrite(recs[0], lens[0], DKIMV_KEY_MAX,
		    compact, sizeof(compact), &lk->wrapped);
		if (rw > 0) {
			recs[0] = (const uint8_t *)compact;
			lens[0] = (size_t)rw;
		} else if (rw < 0) {
			lk->too_long = true;
			if (lens[0] > KEY_PASS_MAX)
				lens[0] = KEY_PASS_MAX;
		}
	}
	lk->wirelen = wire_reply((const char *)query, ans->rcode, recs, lens,
	    nrecs, buf, buflen);
	mauth_dns_answer_free(ans);
	if (lk->wirelen == 0) {
		lk->status = MAUTH_DNS_FAILURE;
		return -1;
	}
	*qh = lk;
	return 0;
}

/* hook_wait - the reply is already there (hook_start is synchronous) */
static int
hook_wait(void *srv, void *qh, struct timeval *timeout, size_t *bytes,
    int *error, int *dnssec)
{
	struct lookup *lk = qh;

	(void)srv;
	(void)timeout;
	if (lk == NULL)
		return DKIM_DNS_ERROR;
	if (bytes != NULL)
		*bytes = lk->wirelen;
	if (error != NULL)
		*error = 0;
	if (dnssec != NULL)
		*dnssec = DKIM_DNSSEC_UNKNOWN;
	return DKIM_DNS_SUCCESS;
}

/* hook_cancel - called after every query; the entry belongs to the message */
static int
hook_cancel(void *srv, void *qh)
{
	(void)srv;
	(void)qh;
	return 0;
}

/* The service handle: non-NULL, so libopendkim never starts its resolver. */
static int service_dummy;

/* hook_service_init - in case libopendkim asks: our dummy handle */
static int
hook_service_init(void **srv)
{
	*srv = &service_dummy;
	return 0;
}

/* hook_service_close - nothing to close (the default would res_nclose) */
static void
hook_service_close(void *srv)
{
	(void)srv;
}

/* ---- the prescreen ------------------------------------------------------ */

/* b_equal - whether two b= values are equal once FWS is removed */
static bool
b_equal(const char *a, const char *b)
{
	for (;;) {
		while (*a == ' ' || *a == '\t' || *a == '\r' || *a == '\n')
			a++;
		while (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n')
			b++;
		if (*a != *b)
			return false;
		if (*a == '\0')
			return true;
		a++;
		b++;
	}
}

/*
 * prescreen - libopendkim has parsed the signature fields we fed it.  With
 * DKIM_LIBFLAGS_BADSIGHANDLES every fed field has an entry, in header
 * order, even a broken one for which dkim_header() reported an error; so
 * the j-th entry is the j-th fed field.  That pairing is checked (same
 * count, same b= for every candidate); if it does not hold, nothing is
 * evaluated rather than risk reporting one field's verdict for another.
 * Entries that are not candidates are ignored: no DNS, no verification.
 */
static DKIM_CBSTAT
prescreen(DKIM *dkim, DKIM_SIGINFO **sigs, int nsigs)
{
	struct odkim_v *v = dkim_get_user_context(dkim);
	const char *b;
	size_t k;
	bool ok;
	int j;

	if (v == NULL)
		return DKIM_CBSTAT_ERROR;
	ok = nsigs >= 0 && (size_t)nsigs == v->nfed;
	for (k = 0; ok && k < v->nsigs; k++) {
		if (!v->sigs[k].candidate)
			continue;
		b = (const char *)dkim_sig_gettagvalue(
		    sigs[v->sigs[k].fed], 0, (u_char *)"b");
		if (b == NULL || v->sigs[k].scr.b_full == NULL ||
		    !b_equal(v->sigs[k].scr.b_full, b))
			ok = false;
	}
	for (j = 0; j < nsigs; j++) {
		for (k = 0; ok && k < v->nsigs; k++)
			if (v->sigs[k].candidate && v->sigs[k].fed == j)
				break;
		if (!ok || k == v->nsigs)
			dkim_sig_ignore(sigs[j]);
	}
	if (!ok)
		for (k = 0; k < v->nsigs; k++)
			v->sigs[k].fed = -1;
	return DKIM_CBSTAT_CONTINUE;
}

/* ---- the library ------------------------------------------------------- */

/* odkim_lib_new - one DKIM_LIB, options set, hooks installed */
int
odkim_lib_new(struct odkim_lib **out, char *errbuf, size_t errlen)
{
	struct odkim_lib *lib;
	unsigned int flags, minbits;
	uint64_t drift;

	if (out == NULL)
		return MAUTH_ERR_INVAL;
	*out = NULL;
	if ((lib = calloc(1, sizeof(*lib))) == NULL)
		return MAUTH_ERR_NOMEM;
	if ((lib->odkim = dkim_init(NULL, NULL)) == NULL) {
		free(lib);
		if (errbuf != NULL)
			(void)snprintf(errbuf, errlen, "dkim_init failed");
		return MAUTH_ERR_NOMEM;
	}
	/* every signature field gets an entry, even a broken one */
	flags = DKIM_LIBFLAGS_BADSIGHANDLES;
	/*
	 * t= and x= are checked by our screen, with the caller's clock.
	 * libopendkim checks them against time(NULL) with this drift; it
	 * computes t - drift unsigned, so the drift must stay below any real
	 * t=: 10^9 s (31 years) disables both checks for t= after 2001-09.
	 */
	drift = DKIMV_ODKIM_DRIFT;
	/* the key-size floor is applied by us, per message */
	minbits = 1;
	if (dkim_options(lib->odkim, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
	    sizeof(flags)) != DKIM_STAT_OK ||
	    dkim_options(lib->odkim, DKIM_OP_SETOPT, DKIM_OPTS_CLOCKDRIFT,
	    &drift, sizeof(drift)) != DKIM_STAT_OK ||
	    dkim_options(lib->odkim, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS,
	    &minbits, sizeof(minbits)) != DKIM_STAT_OK ||
	    dkim_set_prescreen(lib->odkim, prescreen) != DKIM_STAT_OK) {
		dkim_close(lib->odkim);
		free(lib);
		if (errbuf != NULL)
			(void)snprintf(errbuf, errlen,
			    "libopendkim refused an option");
		return MAUTH_ERR_INTERNAL;
	}
	/* never libopendkim's own resolver: every query goes through ours */
	dkim_dns_set_init(lib->odkim, hook_service_init);
	dkim_dns_set_close(lib->odkim, hook_service_close);
	(void)dkim_dns_set_query_service(lib->odkim, &service_dummy);
	dkim_dns_set_query_start(lib->odkim, hook_start);
	dkim_dns_set_query_waitreply(lib->odkim, hook_wait);
	dkim_dns_set_query_cancel(lib->odkim, hook_cancel);
	*out = lib;
	return MAUTH_OK;
}

/* odkim_lib_free - free the library; NULL is a no-op */
void
odkim_lib_free(struct odkim_lib *lib)
{
	if (lib == NULL)
		return;
	dkim_close(lib->odkim);
	free(lib);
}

/* ---- one message ------------------------------------------------------- */

/* odkim_new - a verifier for one message */
int
odkim_new(struct odkim_lib *lib, struct mauth_resolver *r,
    struct mauth_dns_budget *budget, const struct dkimv_options *opts,
    struct odkim_v **out)
{
	struct odkim_v *v;
	DKIM_STAT st = DKIM_STAT_OK;

	if (out == NULL)
		return MAUTH_ERR_INVAL;
	*out = NULL;
	if (lib == NULL || r == NULL)
		return MAUTH_ERR_INVAL;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return MAUTH_ERR_NOMEM;
	v->lib = lib;
	v->r = r;
	v->budget = budget;
	v->now = dkim_opts_copy(&v->opts, opts);
	dkim_bodylen_init(&v->blen);
	v->lookups = calloc(v->opts.max_signatures + 1, sizeof(*v->lookups));
	v->dkim = dkim_verify(lib->odkim, (const unsigned char *)"mauth",
	    NULL, &st);
	if (v->lookups == NULL || v->dkim == NULL) {
		odkim_free(v);
		return MAUTH_ERR_NOMEM;
	}
	(void)dkim_set_user_context(v->dkim, v);
	*out = v;
	return MAUTH_OK;
}

/* odkim_free - free a verifier; NULL is a no-op */
void
odkim_free(struct odkim_v *v)
{
	size_t i;

	if (v == NULL)
		return;
	if (v->dkim != NULL)
		(void)dkim_free(v->dkim);
	for (i = 0; i < v->nsigs; i++) {
		dkim_sig_screen_free(&v->sigs[i].scr);
		free(v->sigs[i].reason);
	}
	free(v->sigs);
	free(v->lookups);
	free(v->results);
	free(v);
}

/*
 * feed_field - "name:value" to libopendkim, bare LF turned into CRLF and the
 * final line break removed (dkim_header takes one field without its CRLF).
 * Returns the DKIM_STAT, or DKIM_STAT_NORESOURCE when the text cannot be
 * built.
 */
static DKIM_STAT
feed_field(struct odkim_v *v, const char *name, size_t namelen,
    const char *value, size_t valuelen)
{
	struct buf b;
	size_t i;
	DKIM_STAT st;

	while (valuelen > 0 && (value[valuelen - 1] == '\n' ||
	    value[valuelen - 1] == '\r'))
		valuelen--;
	buf_init(&b, 2 * (namelen + valuelen) + 16);
	buf_append(&b, name, namelen);
	buf_putc(&b, ':');
	for (i = 0; i < valuelen; i++) {
		if (value[i] == '\n' && (i == 0 || value[i - 1] != '\r'))
			buf_putc(&b, '\r');
		buf_putc(&b, value[i]);
	}
	if (b.err != 0) {
		buf_free(&b);
		return DKIM_STAT_NORESOURCE;
	}
	st = dkim_header(v->dkim, (u_char *)b.data, b.len);
	buf_free(&b);
	return st;
}

/* odkim_header - one header field (see dkim_int.h) */
int
odkim_header(struct odkim_v *v, const char *name, size_t namelen,
    const char *value, size_t valuelen)
{
	struct sigrec *s, *ns;
	size_t nl;
	bool is_sig, feed = true;
	int rc;

	if (v == NULL || name == NULL || (value == NULL && valuelen > 0))
		return MAUTH_ERR_INVAL;
	if (v->eoh_done)
		return MAUTH_ERR_INVAL;
	if (value == NULL)
		value = "";
	if ((nl = dkim_field_name_len(name, namelen)) == 0)
		return MAUTH_OK;	/* not a field libopendkim could use */
	is_sig = str_caseeq_n(name, nl, "DKIM-Signature", 14);
	if (!is_sig) {
		(void)feed_field(v, name, namelen, value, valuelen);
		return MAUTH_OK;
	}
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
	s->fed = -1;
	rc = dkim_sig_screen(value, valuelen, v->now, v->opts.allow_rsa_sha1,
	    &s->scr);
	if (rc != MAUTH_OK)
		return rc;
	v->nsigs++;
	if (s->scr.result == MAUTH_DKIM_NONE) {
		if (v->ncandidates < v->opts.max_signatures) {
			s->candidate = true;
			v->ncandidates++;
			if (s->scr.has_l)
				v->want_len = true;
		} else
			s->over_cap = true;
	}
	if (!s->candidate) {
		free(s->scr.b_full);
		s->scr.b_full = NULL;
	}
	/*
	 * Fields we do not evaluate are still shown to libopendkim, a few of
	 * them, for signatures that cover DKIM-Signature in h=; beyond that
	 * they are withheld so that 1,000 fields cost no more than a dozen.
	 */
	if (!s->candidate) {
		if (v->nfed_other >= DKIMV_EXTRA_FED ||
		    valuelen > DKIMV_MAX_SIGHDR ||
		    memchr(value, '\0', valuelen) != NULL)
			feed = false;
	}
	if (!feed)
		return MAUTH_OK;
	/*
	 * libopendkim may keep a broken field's entry while returning an
	 * error: the status is not used for pairing (see prescreen).
	 */
	(void)feed_field(v, name, namelen, value, valuelen);
	s->fed = (int)v->nfed++;
	if (!s->candidate)
		v->nfed_other++;
	return MAUTH_OK;
}

/* odkim_nsigfields - DKIM-Signature fields seen so far */
size_t
odkim_nsigfields(const struct odkim_v *v)
{
	return v != NULL ? v->nsigs : 0;
}

/* odkim_eoh - end of headers: libopendkim screens and fetches keys here */
int
odkim_eoh(struct odkim_v *v)
{
	if (v == NULL)
		return MAUTH_ERR_INVAL;
	if (v->eoh_done)
		return MAUTH_OK;
	v->eoh_done = true;
	if (v->ncandidates == 0) {
		/* nothing to verify: no DNS, no hashing */
		v->eoh_stat = DKIM_STAT_NOSIG;
		v->skip_body = true;
		return MAUTH_OK;
	}
	tls_cur = v;
	v->eoh_stat = dkim_eoh(v->dkim);
	tls_cur = NULL;
	if (v->eoh_stat != DKIM_STAT_OK)
		v->skip_body = true;
	return MAUTH_OK;
}

/*
 * body_feed - n canonical-input bytes to libopendkim (and to the l= length
 * counter when a signature has l=); false once libopendkim has stopped.
 */
static bool
body_feed(struct odkim_v *v, const uint8_t *p, size_t n)
{
	if (n == 0)
		return true;
	if (v->want_len)
		dkim_bodylen_add(&v->blen, p, n);
	if (dkim_body(v->dkim, (u_char *)p, n) != DKIM_STAT_OK) {
		/* libopendkim has stopped; eom reports it */
		v->skip_body = true;
		return false;
	}
	return true;
}

/* odkim_body - a body chunk, bare LF turned into CRLF as it streams */
int
odkim_body(struct odkim_v *v, const void *buf, size_t len)
{
	static const uint8_t crlf[2] = { '\r', '\n' };
	const uint8_t *p = buf, *nl;
	size_t i, run;

	if (v == NULL || (buf == NULL && len > 0))
		return MAUTH_ERR_INVAL;
	if (!v->eoh_done)
		return MAUTH_ERR_INVAL;
	if (v->skip_body || v->eom_done || len == 0)
		return MAUTH_OK;
	/*
	 * Pass the bytes through in as few calls as possible: runs that end
	 * in CRLF go as they are; a bare LF is sent as CRLF (RFC 6376 5.3).
	 * Only bare-LF input costs extra calls, never a copy.
	 */
	for (i = run = 0; i < len; i = (size_t)(nl - p) + 1) {
		if ((nl = memchr(p + i, '\n', len - i)) == NULL)
			break;
		if (nl > p ? nl[-1] == '\r' : v->body_cr)
			continue;	/* CRLF: stays in the run */
		if (!body_feed(v, p + run, (size_t)(nl - p) - run) ||
		    !body_feed(v, crlf, 2))
			return MAUTH_OK;
		run = (size_t)(nl - p) + 1;
	}
	if (run < len && !body_feed(v, p + run, len - run))
		return MAUTH_OK;
	v->body_cr = p[len - 1] == '\r';
	v->body_crlf = p[len - 1] == '\n';
	v->body_any = true;
	return MAUTH_OK;
}

/* lookup_find - the lookup made for sel._domainkey.dom, or NULL */
static const struct lookup *
lookup_find(const struct odkim_v *v, const char *sel, const char *dom)
{
	char q[256];
	size_t i;

	(void)snprintf(q, sizeof(q), "%s._domainkey.%s", sel, dom);
	for (i = v->nlookups; i > 0; i--)
		if (str_casecmp(v->lookups[i - 1].qname, q) == 0)
			return &v->lookups[i - 1];
	return NULL;
}

/* dns_problem - why a key lookup gave no usable answer */
static const char *
dns_problem(const struct lookup *lk)
{
	if (lk == NULL)
		return "no reply";
	if (lk->status == MAUTH_DNS_ANSWER)
		return mauth_dns_rcode_str(lk->rcode);
	if (lk->status == MAUTH_DNS_BUDGET)
		return "DNS budget of the message spent";
	return mauth_dns_status_str(lk->status);
}

/*
 * odkim_result - THE translation of libopendkim's verdicts (DKIM_STAT of
 * the message, DKIM_SIGERROR and flags of one signature) into an RFC 8601
 * 2.7.1 result and a one-line reason.  The table was measured (see
 * src/lib/dkim/README.md); notes:
 *  - pass needs PASSED and a matching body hash (DKIM_SIG_CHECK);
 *  - KEYFAIL is a DNS failure: temperror;
 *  - a missing, revoked, undecodable or mismatched key is permerror
 *    (RFC 6376 6.1.2: PERMFAIL), so are several key records (RFC 6376
 *    3.6.2.2 leaves them undefined; retrying does not help) and t=s;
 *  - KEYTOOSMALL and MBSFAILED are local policy.
 */
static int
odkim_result(const struct odkim_v *v, DKIM_SIGINFO *sig, DKIM_STAT msgstat,
    char *why, size_t whylen)
{
	const struct lookup *lk = NULL;
	unsigned int flags;
	int err, bh;

	if (sig == NULL) {
		(void)snprintf(why, whylen, "not verified: %s",
		    dkim_getresultstr(msgstat));
		return msgstat == DKIM_STAT_KEYFAIL ? MAUTH_DKIM_TEMPERROR :
		    MAUTH_DKIM_PERMERROR;
	}
	flags = dkim_sig_getflags(sig);
	err = dkim_sig_geterror(sig);
	bh = dkim_sig_getbh(sig);
	if (dkim_sig_getselector(sig) != NULL && dkim_sig_getdomain(sig) != NULL)
		lk = lookup_find(v, (const char *)dkim_sig_getselector(sig),
		    (const char *)dkim_sig_getdomain(sig));

	if ((flags & DKIM_SIGFLAG_PASSED) != 0 && bh == DKIM_SIGBH_MATCH &&
	    (err == DKIM_SIGERROR_OK || err == DKIM_SIGERROR_UNKNOWN)) {
		(void)snprintf(why, whylen, "signature verified%s",
		    (flags & DKIM_SIGFLAG_TESTKEY) != 0 ?
		    " (testing key, t=y)" : "");
		return MAUTH_DKIM_PASS;
	}
	if (lk != NULL && lk->too_long && (err == DKIM_SIGERROR_KEYDECODE ||
	    err == DKIM_SIGERROR_BADSIG || err == DKIM_SIGERROR_DNSSYNTAX ||
	    (err >= DKIM_SIGERROR_KEYVERSION &&
	    err <= DKIM_SIGERROR_KEYDECODE))) {
		(void)snprintf(why, whylen, "key record too long (%zu bytes, "
		    "the verifier takes %d; RSA keys above 4096 bits are not "
		    "supported, RFC 8301 3.2)", lk->reclen, DKIMV_KEY_MAX);
		return MAUTH_DKIM_PERMERROR;
	}
	switch (err) {
	case DKIM_SIGERROR_BADSIG:
		(void)snprintf(why, whylen, "%s", bh == DKIM_SIGBH_MISMATCH ?
		    "body hash mismatch" : "signature did not verify");
		return MAUTH_DKIM_FAIL;
	case DKIM_SIGERROR_KEYFAIL:
		(void)snprintf(why, whylen, "key lookup failed: %s",
		    dns_problem(lk));
		return MAUTH_DKIM_TEMPERROR;
	case DKIM_SIGERROR_MULTIREPLY:
		(void)snprintf(why, whylen, "several key records");
		return MAUTH_DKIM_PERMERROR;
	case DKIM_SIGERROR_NOKEY:
		(void)snprintf(why, whylen, "no key record (%s)",
		    lk != NULL && lk->status == MAUTH_DNS_ANSWER &&
		    lk->rcode == MAUTH_RCODE_NXDOMAIN ? "NXDOMAIN" :
		    "no TXT record");
		return MAUTH_DKIM_PERMERROR;
	case DKIM_SIGERROR_KEYREVOKED:
		(void)snprintf(why, whylen, "key revoked (empty p=)");
		return MAUTH_DKIM_PERMERROR;
	case DKIM_SIGERROR_KEYHASHMISMATCH:
		(void)snprintf(why, whylen,
		    "key h= does not allow the signature's hash");
		return MAUTH_DKIM_PERMERROR;
	case DKIM_SIGERROR_KEYTYPEUNKNOWN:
	case DKIM_SIGERROR_KEYTYPEMISSING:
		(void)snprintf(why, whylen, "key type (k=) unknown or "
		    "not matching a=");
		return MAUTH_DKIM_PERMERROR;
	case DKIM_SIGERROR_NOTEMAILKEY:
		(void)snprintf(why, whylen, "key s= does not allow email");
		return MAUTH_DKIM_PERMERROR;
	case DKIM_SIGERROR_KEYVERSION:
		(void)snprintf(why, whylen, "key record v= is not DKIM1");
		return MAUTH_DKIM_PERMERROR;
	case DKIM_SIGERROR_KEYUNKNOWNHASH:
		(void)snprintf(why, whylen, "key h= names no known hash");
		return MAUTH_DKIM_PERMERROR;
	case DKIM_SIGERROR_DNSSYNTAX:
		/*
		 * libopendkim says "key DNS reply corrupt", but the reply is
		 * ours and well-formed: it is the record that does not parse
		 * (RFC 6376 3.6.1 tag list, p= not base64)
		 */
		(void)snprintf(why, whylen, "key record unusable: not a valid "
		    "DKIM key record (tag list or p= base64)");
		return MAUTH_DKIM_PERMERROR;
	case DKIM_SIGERROR_KEYDECODE:
		(void)snprintf(why, whylen, "key record unusable: %s",
		    dkim_sig_geterrorstr(err));
		return MAUTH_DKIM_PERMERROR;
	case DKIM_SIGERROR_SUBDOMAIN:
		(void)snprintf(why, whylen,
		    "key t=s forbids the subdomain in i=");
		return MAUTH_DKIM_PERMERROR;
	case DKIM_SIGERROR_KEYTOOSMALL:
		(void)snprintf(why, whylen, "key too small (RFC 8301)");
		return MAUTH_DKIM_POLICY;
	case DKIM_SIGERROR_MBSFAILED:
		(void)snprintf(why, whylen, "a must-be-signed field is unsigned");
		return MAUTH_DKIM_POLICY;
	case DKIM_SIGERROR_TOOLARGE_L:
		(void)snprintf(why, whylen, "l= is larger than the body");
		return MAUTH_DKIM_PERMERROR;
	case DKIM_SIGERROR_FUTURE:
		/* only for t= below DKIMV_ODKIM_DRIFT (see dkimv_lib_new) */
		(void)snprintf(why, whylen, "t= is before 2001 (not credible)");
		return MAUTH_DKIM_PERMERROR;
	case DKIM_SIGERROR_EXPIRED:
	case DKIM_SIGERROR_TIMESTAMPS:
		(void)snprintf(why, whylen, "%s", dkim_sig_geterrorstr(err));
		return MAUTH_DKIM_PERMERROR;
	case DKIM_SIGERROR_OK:
	case DKIM_SIGERROR_UNKNOWN:
		if (bh == DKIM_SIGBH_MISMATCH) {
			(void)snprintf(why, whylen, "body hash mismatch");
			return MAUTH_DKIM_FAIL;
		}
		if ((flags & DKIM_SIGFLAG_PROCESSED) != 0) {
			(void)snprintf(why, whylen, "signature did not verify");
			return MAUTH_DKIM_FAIL;
		}
		(void)snprintf(why, whylen, "not verified: %s",
		    dkim_getresultstr(msgstat));
		return msgstat == DKIM_STAT_KEYFAIL ? MAUTH_DKIM_TEMPERROR :
		    MAUTH_DKIM_PERMERROR;
	default:
		/* signature syntax our screen let through (RFC 6376 6.1.1) */
		(void)snprintf(why, whylen, "invalid signature: %s",
		    dkim_sig_geterrorstr(err));
		return MAUTH_DKIM_PERMERROR;
	}
}

/*
 * finish_candidate - result of one evaluated signature: libopendkim's
 * verdict, then our local policy on a pass: the RSA key floor (RFC 8301
 * 3.2) and l= (RFC 6376 8.2: content after the signed length is not
 * covered; we do not accept a signature that leaves some unsigned).
 */
static void
finish_candidate(struct odkim_v *v, struct sigrec *s, DKIM_SIGINFO *sig,
    char *why, size_t whylen)
{
	const struct lookup *lk;
	unsigned int bits = 0;
	uint64_t slen, rlen, clen;

	s->out.result = odkim_result(v, sig, v->eom_done ? v->eom_stat :
	    v->eoh_stat, why, whylen);
	if (sig == NULL)
		return;
	/*
	 * RFC 6376 3.6.1, 6.1.2: k= must name the signature's key type;
	 * libopendkim does not compare them (an RSA key published as
	 * k=ed25519 verifies an rsa-sha256 signature).
	 */
	lk = lookup_find(v, s->scr.selector != NULL ? s->scr.selector : "",
	    s->scr.domain != NULL ? s->scr.domain : "");
	if (lk != NULL && lk->ktype[0] != '\0' &&
	    str_casecmp(lk->ktype, s->scr.ed25519 ? "ed25519" : "rsa") != 0) {
		s->out.result = MAUTH_DKIM_PERMERROR;
		(void)snprintf(why, whylen, "key type k=%s does not match a=%s",
		    lk->ktype, s->scr.ed25519 ? "ed25519-sha256" : "rsa-sha256");
		return;
	}
	if (s->scr.ed25519) {
		if ((dkim_sig_getflags(sig) & DKIM_SIGFLAG_PROCESSED) != 0)
			s->out.key_bits = 256;
	} else if (dkim_sig_getkeysize(sig, &bits) == DKIM_STAT_OK)
		s->out.key_bits = bits;
	s->out.testing = (dkim_sig_getflags(sig) & DKIM_SIGFLAG_TESTKEY) != 0;
	if (s->out.result != MAUTH_DKIM_PASS)
		return;
	if (!s->scr.ed25519 && s->out.key_bits < v->opts.min_rsa_bits) {
		s->out.result = MAUTH_DKIM_POLICY;
		(void)snprintf(why, whylen, "RSA key of %u bits, below the "
		    "minimum of %u (RFC 8301)", s->out.key_bits,
		    v->opts.min_rsa_bits);
		return;
	}
	if (s->scr.has_l) {
		dkim_bodylen_final(&v->blen, &slen, &rlen);
		clen = s->scr.relaxed_body ? rlen : slen;
		if (s->scr.l < clen) {
			s->out.result = MAUTH_DKIM_POLICY;
			(void)snprintf(why, whylen, "l= signs %llu of %llu body "
			    "bytes (content after l= is not accepted)",
			    (unsigned long long)s->scr.l,
			    (unsigned long long)clen);
		}
	}
}

/* odkim_eom - end of message: run libopendkim's checks, build results */
int
odkim_eom(struct odkim_v *v)
{
	DKIM_SIGINFO **list = NULL;
	struct sigrec *s;
	char why[256];
	int nlist = 0;
	size_t i;
	bool testkey = false;
	int rc;

	if (v == NULL)
		return MAUTH_ERR_INVAL;
	if (v->eom_done)
		return MAUTH_OK;
	if (!v->eoh_done && (rc = odkim_eoh(v)) != MAUTH_OK)
		return rc;
	if (v->eoh_stat == DKIM_STAT_OK && !v->skip_body && v->body_any &&
	    !v->body_crlf) {
		/*
		 * RFC 6376 3.4.3, 3.4.4: a body that does not end in CRLF is
		 * canonicalized with one added.  libopendkim's relaxed body
		 * canonicalization loses the unterminated last line (measured:
		 * dkimpy-signed messages without a final newline fail), so
		 * the CRLF is added here; both canonicalizations are
		 * unchanged by it.
		 */
		if (dkim_body(v->dkim, (u_char *)"\r\n", 2) != DKIM_STAT_OK)
			v->skip_body = true;
	}
	if (v->eoh_stat == DKIM_STAT_OK) {
		tls_cur = v;
		v->eom_stat = dkim_eom(v->dkim, &testkey);
		tls_cur = NULL;
		v->eom_done = true;
	}
	if (v->ncandidates > 0 &&
	    dkim_getsiglist(v->dkim, &list, &nlist) != DKIM_STAT_OK) {
		list = NULL;
		nlist = 0;
	}
	if (v->nsigs > 0 &&
	    (v->results = calloc(v->nsigs, sizeof(*v->results))) == NULL)
		return MAUTH_ERR_NOMEM;
	for (i = 0; i < v->nsigs; i++) {
		s = &v->sigs[i];
		if (dkim_sig_out_init(&s->out, &s->scr, s->over_cap,
		    v->opts.max_signatures, why, sizeof(why))) {
			/* decided by the screen or the cap */
		} else if (s->fed < 0) {
			s->out.result = MAUTH_DKIM_PERMERROR;
			(void)snprintf(why, sizeof(why), "not evaluated: the "
			    "verifier did not accept the field");
		} else if (s->fed >= nlist) {
			/* libopendkim gave up on the message as a whole */
			finish_candidate(v, s, NULL, why, sizeof(why));
		} else
			finish_candidate(v, s, list[s->fed], why, sizeof(why));
		if ((s->reason = strdup(why)) == NULL)
			return MAUTH_ERR_NOMEM;
		s->out.reason = s->reason;
		v->results[i] = s->out;
	}
	v->nresults = v->nsigs;
	return MAUTH_OK;
}

/* odkim_count - results after dkimv_eom */
size_t
odkim_count(const struct odkim_v *v)
{
	return v != NULL ? v->nresults : 0;
}

/* odkim_sig - result i, or NULL */
const struct mauth_dkim_sig *
odkim_sig(const struct odkim_v *v, size_t i)
{
	if (v == NULL || i >= v->nresults)
		return NULL;
	return &v->results[i];
}
