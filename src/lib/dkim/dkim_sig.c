/*
 * dkim_sig.c - our own screen of DKIM-Signature fields before libopendkim
 * sees them (RFC 6376 3.2, 3.5, 6.1.1; RFC 8301), key-record compaction for
 * libopendkim's 1024-byte key buffer, and the canonical body length that
 * l= is compared with (RFC 6376 3.4.3, 3.4.4).  It also holds the text
 * helpers both engines use (tag-lists, colon lists, field names, results
 * decided by the screen), declared in dkim_int.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <sys/types.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mauth/dkim.h"
#include "mauth/dns.h"
#include "dkim/dkim_int.h"
#include "util/ascii.h"
#include "util/buf.h"
#include "util/str.h"

#define TAG_MAX		64	/* tags in one tag-list */

/* dkim_is_fws - see dkim_int.h */
bool
dkim_is_fws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* dkim_tag_parse - see dkim_int.h.  Duplicate names invalidate the list. */
const char *
dkim_tag_parse(const char *s, size_t len, struct dkimv_tag *tags, size_t max,
    size_t *ntags)
{
	size_t i = 0, j, k, n = 0, start, end, eq;

	*ntags = 0;
	while (i < len) {
		start = i;
		while (i < len && s[i] != ';')
			i++;
		end = i;
		if (i < len)
			i++;		/* the ';' */
		while (start < end && dkim_is_fws(s[start]))
			start++;
		while (end > start && dkim_is_fws(s[end - 1]))
			end--;
		if (start == end) {
			/* only the trailing ";" may leave an empty tag-spec */
			for (j = i; j < len; j++)
				if (!dkim_is_fws(s[j]))
					return "empty tag";
			break;
		}
		for (eq = start; eq < end && s[eq] != '='; eq++)
			;
		if (eq == end)
			return "tag without '='";
		if (n == max)
			return "too many tags";
		tags[n].name = s + start;
		k = eq;
		while (k > start && dkim_is_fws(s[k - 1]))
			k--;
		tags[n].namelen = k - start;
		if (tags[n].namelen == 0 || !ascii_is_alpha(s[start]))
			return "bad tag name";
		for (j = start; j < k; j++)
			if (!ascii_is_alnum(s[j]) && s[j] != '_')
				return "bad tag name";
		j = eq + 1;
		while (j < end && dkim_is_fws(s[j]))
			j++;
		tags[n].val = s + j;
		tags[n].vallen = end - j;
		for (; j < end; j++)
			if (!dkim_is_fws(s[j]) && ((unsigned char)s[j] < 0x21 ||
			    (unsigned char)s[j] > 0x7e))
				return "bad character in a tag value";
		for (j = 0; j < n; j++)
			if (tags[j].namelen == tags[n].namelen &&
			    memcmp(tags[j].name, tags[n].name,
			    tags[n].namelen) == 0)
				return "duplicate tag";
		n++;
	}
	*ntags = n;
	return NULL;
}

/* dkimv_tag_list - see dkim_int.h */
bool
dkimv_tag_list(const char *s, size_t len, struct dkimv_tag *tags, size_t max,
    size_t *ntags)
{
	return dkim_tag_parse(s, len, tags, max, ntags) == NULL;
}

/* dkimv_tag_find - see dkim_int.h */
const struct dkimv_tag *
dkimv_tag_find(const struct dkimv_tag *tags, size_t n, const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < n; i++)
		if (tags[i].namelen == len &&
		    memcmp(tags[i].name, name, len) == 0)
			return &tags[i];
	return NULL;
}

/* dkim_list_next - see dkim_int.h */
bool
dkim_list_next(const char *p, size_t len, size_t *pos, const char **item,
    size_t *itemlen)
{
	size_t i = *pos, s, e;

	if (i > len)
		return false;
	s = i;
	while (i < len && p[i] != ':')
		i++;
	e = i;
	while (s < e && dkim_is_fws(p[s]))
		s++;
	while (e > s && dkim_is_fws(p[e - 1]))
		e--;
	*item = p + s;
	*itemlen = e - s;
	*pos = i + 1;
	return true;
}

/* dkim_field_name_len - see dkim_int.h */
size_t
dkim_field_name_len(const char *name, size_t len)
{
	size_t i;

	while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t'))
		len--;
	for (i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x21 ||
		    (unsigned char)name[i] > 0x7e || name[i] == ':')
			return 0;
	return len;
}

/* dkim_sig_out_init - see dkim_int.h */
bool
dkim_sig_out_init(struct mauth_dkim_sig *out, const struct dkim_sigscreen *scr,
    bool over_cap, unsigned max, char *why, size_t whylen)
{
	out->domain = scr->domain;
	out->identity = scr->identity;
	out->selector = scr->selector;
	out->algorithm = scr->algorithm;
	out->b_prefix = scr->b_prefix;
	out->checked = true;
	why[0] = '\0';
	if (scr->result != MAUTH_DKIM_NONE) {
		out->result = scr->result;
		(void)snprintf(why, whylen, "%s", scr->reason);
		return true;
	}
	if (over_cap) {
		out->result = MAUTH_DKIM_NONE;
		out->checked = false;
		(void)snprintf(why, whylen, "not checked: over the limit of "
		    "%u signatures", max);
		return true;
	}
	return false;
}

/* val_eq - whether a tag value equals s, ASCII case-insensitively */
static bool
val_eq(const struct dkimv_tag *t, const char *s)
{
	return str_caseeq_n(t->val, t->vallen, s, strlen(s));
}

/* has_fws - whether p[0..len) holds white space */
static bool
has_fws(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (dkim_is_fws(p[i]))
			return true;
	return false;
}

/*
 * field_dup - a printable copy of p[0..len) without FWS when strip is set,
 * at most max bytes of input; NULL on ENOMEM.
 */
static char *
field_dup(const char *p, size_t len, bool strip, size_t max)
{
	struct buf b;
	size_t i, used = 0;

	buf_init(&b, 4 * max + 16);
	for (i = 0; i < len && used < max; i++) {
		if (strip && dkim_is_fws(p[i]))
			continue;
		buf_put_escaped(&b, p + i, 1);
		used++;
	}
	return buf_take(&b);
}

/* u64_tag - parse a decimal tag of at most maxdigits digits */
static bool
u64_tag(const struct dkimv_tag *t, size_t maxdigits, uint64_t *out)
{
	if (t->vallen == 0 || t->vallen > maxdigits)
		return false;
	return str_to_u64(t->val, t->vallen, UINT64_MAX, out);
}

/* domain_ok - letters, digits, '-', '_' and dots, valid as a DNS name */
static bool
domain_ok(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!ascii_is_alnum(p[i]) && p[i] != '-' &&
		    p[i] != '_' && p[i] != '.')
			return false;
	return mauth_dns_name_valid(p, len) && p[len - 1] != '.';
}

/* base64_ok - base64 characters and FWS only, at least one character */
static bool
base64_ok(const char *p, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (dkim_is_fws(p[i]))
			continue;
		if (!ascii_is_alnum(p[i]) && p[i] != '+' &&
		    p[i] != '/' && p[i] != '=')
			return false;
		n++;
	}
	return n > 0;
}

/*
 * hlist_has_from - whether the h= list (colon-separated field names with
 * FWS) is well formed and names From (RFC 6376 3.5, 5.4).  *bad is set on
 * a malformed list.
 */
static bool
hlist_has_from(const char *p, size_t len, bool *bad)
{
	const char *it;
	size_t pos = 0, n;
	bool from = false;

	*bad = false;
	while (dkim_list_next(p, len, &pos, &it, &n)) {
		if (n == 0 || has_fws(it, n)) {
			*bad = true;
			return false;
		}
		if (str_caseeq_n(it, n, "from", 4))
			from = true;
	}
	return from;
}

/* qlist_has_dns - whether q= names dns/txt (RFC 6376 3.5) */
static bool
qlist_has_dns(const char *p, size_t len)
{
	const char *it;
	size_t pos = 0, n;

	while (dkim_list_next(p, len, &pos, &it, &n))
		/* RFC 6376 3.2: values are case-sensitive unless said */
		if (n == 7 && memcmp(it, "dns/txt", 7) == 0)
			return true;
	return false;
}

/* set_reason - result and one-line reason of a screened signature */
static void
set_reason(struct dkim_sigscreen *s, int result, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
set_reason(struct dkim_sigscreen *s, int result, const char *fmt, ...)
{
	va_list ap;

	s->result = result;
	va_start(ap, fmt);
	(void)vsnprintf(s->reason, sizeof(s->reason), fmt, ap);
	va_end(ap);
}

/* dkim_sig_screen_free - free the strings of a screen result */
void
dkim_sig_screen_free(struct dkim_sigscreen *s)
{
	if (s == NULL)
		return;
	free(s->domain);
	free(s->identity);
	free(s->selector);
	free(s->algorithm);
	free(s->b_prefix);
	free(s->b_full);
	s->domain = s->identity = s->selector = s->algorithm = NULL;
	s->b_prefix = s->b_full = NULL;
}

/* dkim_opts_copy - see dkim_int.h */
int64_t
dkim_opts_copy(struct dkimv_options *dst, const struct dkimv_options *opts)
{
	if (opts != NULL)
		*dst = *opts;
	else
		dkimv_options_init(dst);
	if (dst->max_signatures > 1000)
		dst->max_signatures = 1000;
	return dst->now != 0 ? dst->now : (int64_t)time(NULL);
}

/* dkim_grow - see dkim_int.h */
void *
dkim_grow(void *arr, size_t *cap, size_t elem, size_t max)
{
	size_t ncap;
	void *na;

	ncap = *cap == 0 ? 8 : *cap * 2;
	if (ncap > max)
		ncap = max;
	if ((na = reallocarray(arr, ncap, elem)) == NULL)
		return NULL;
	*cap = ncap;
	return na;
}

/* upper - ASCII upper case */
static char
upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

/*
 * qp_decode - dkim-quoted-printable (RFC 6376 2.11) of p[0..len) into out
 * (FWS dropped, =XX decoded); returns the length or -1 on a bad escape or
 * when out is too small.
 */
static ssize_t
qp_decode(const char *p, size_t len, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *h1, *h2;
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (dkim_is_fws(p[i]))
			continue;
		if (o + 1 >= outlen)
			return -1;
		if (p[i] != '=') {
			out[o++] = p[i];
			continue;
		}
		if (i + 2 >= len || p[i + 1] == '\0' || p[i + 2] == '\0' ||
		    (h1 = strchr(hex, upper(p[i + 1]))) == NULL ||
		    (h2 = strchr(hex, upper(p[i + 2]))) == NULL)
			return -1;
		out[o++] = (char)(((h1 - hex) << 4) | (h2 - hex));
		i += 2;
	}
	out[o] = '\0';
	return (ssize_t)o;
}

/* screen_strings - the header.d/i/s/a/b properties, whatever the verdict */
static int
screen_strings(struct dkim_sigscreen *s, const struct dkimv_tag *tags,
    size_t n)
{
	const struct dkimv_tag *d, *i, *sel, *a, *b;
	struct buf id;

	d = dkimv_tag_find(tags, n, "d");
	i = dkimv_tag_find(tags, n, "i");
	sel = dkimv_tag_find(tags, n, "s");
	a = dkimv_tag_find(tags, n, "a");
	b = dkimv_tag_find(tags, n, "b");
	if (d != NULL && (s->domain = field_dup(d->val, d->vallen, false,
	    DKIMV_MAX_FIELD)) == NULL)
		return MAUTH_ERR_NOMEM;
	if (i != NULL) {
		char dec[DKIMV_MAX_FIELD + 1];
		ssize_t dl = qp_decode(i->val, i->vallen, dec, sizeof(dec));

		if ((s->identity = dl >= 0 ? field_dup(dec, (size_t)dl, false,
		    DKIMV_MAX_FIELD) : field_dup(i->val, i->vallen, false,
		    DKIMV_MAX_FIELD)) == NULL)
			return MAUTH_ERR_NOMEM;
	} else if (d != NULL) {
		/* RFC 6376 3.5: i= defaults to "@" d= */
		buf_init(&id, 4 * DKIMV_MAX_FIELD + 16);
		buf_putc(&id, '@');
		buf_puts(&id, s->domain);
		if ((s->identity = buf_take(&id)) == NULL)
			return MAUTH_ERR_NOMEM;
	}
	if (sel != NULL && (s->selector = field_dup(sel->val, sel->vallen,
	    false, DKIMV_MAX_FIELD)) == NULL)
		return MAUTH_ERR_NOMEM;
	if (a != NULL && (s->algorithm = field_dup(a->val, a->vallen, false,
	    DKIMV_MAX_FIELD)) == NULL)
		return MAUTH_ERR_NOMEM;
	/* RFC 8601 2.7.1: header.b carries a prefix of b= (8 characters) */
	if (b != NULL && (s->b_prefix = field_dup(b->val, b->vallen, true,
	    8)) == NULL)
		return MAUTH_ERR_NOMEM;
	return MAUTH_OK;
}

/* screen_tags - the RFC 6376 checks; sets s->result when not a candidate */
static void
screen_tags(struct dkim_sigscreen *s, const struct dkimv_tag *tags, size_t n,
    int64_t now, bool allow_sha1)
{
	static const char *const required[] = { "a", "b", "bh", "d", "h", "s" };
	const struct dkimv_tag *t, *d, *a, *tt, *tx;
	uint64_t ts = 0, tx_v = 0;
	size_t k, at;
	bool bad;

	/* RFC 6376 6.1.1: v= first, then every required tag */
	if ((t = dkimv_tag_find(tags, n, "v")) == NULL) {
		set_reason(s, MAUTH_DKIM_PERMERROR, "missing v= tag");
		return;
	}
	if (t->vallen != 1 || t->val[0] != '1') {
		set_reason(s, MAUTH_DKIM_PERMERROR,
		    "unsupported signature version (v=)");
		return;
	}
	for (k = 0; k < sizeof(required) / sizeof(required[0]); k++) {
		if ((t = dkimv_tag_find(tags, n, required[k])) == NULL) {
			set_reason(s, MAUTH_DKIM_PERMERROR, "missing %s= tag",
			    required[k]);
			return;
		}
		if (t->vallen == 0) {
			set_reason(s, MAUTH_DKIM_PERMERROR, "empty %s= tag",
			    required[k]);
			return;
		}
	}
	d = dkimv_tag_find(tags, n, "d");
	if (!domain_ok(d->val, d->vallen)) {
		set_reason(s, MAUTH_DKIM_PERMERROR, "invalid d= domain");
		return;
	}
	t = dkimv_tag_find(tags, n, "s");
	/* the key name s._domainkey.d must be a valid DNS name */
	if (!domain_ok(t->val, t->vallen) ||
	    t->vallen + 12 + d->vallen > 253) {
		set_reason(s, MAUTH_DKIM_PERMERROR, "invalid s= selector");
		return;
	}
	t = dkimv_tag_find(tags, n, "h");
	if (!hlist_has_from(t->val, t->vallen, &bad)) {
		set_reason(s, MAUTH_DKIM_PERMERROR, bad ?
		    "malformed h= list" : "From is not signed (h=)");
		return;
	}
	if (!base64_ok(dkimv_tag_find(tags, n, "b")->val,
	    dkimv_tag_find(tags, n, "b")->vallen)) {
		set_reason(s, MAUTH_DKIM_PERMERROR, "b= is not base64");
		return;
	}
	if (!base64_ok(dkimv_tag_find(tags, n, "bh")->val,
	    dkimv_tag_find(tags, n, "bh")->vallen)) {
		set_reason(s, MAUTH_DKIM_PERMERROR, "bh= is not base64");
		return;
	}
	if ((t = dkimv_tag_find(tags, n, "c")) != NULL) {
		const char *p = t->val, *slash;
		size_t hl, bl;

		slash = memchr(p, '/', t->vallen);
		hl = slash != NULL ? (size_t)(slash - p) : t->vallen;
		bl = slash != NULL ? t->vallen - hl - 1 : 0;
		if (!(str_caseeq_n(p, hl, "simple", 6) ||
		    str_caseeq_n(p, hl, "relaxed", 7)) || (slash != NULL &&
		    !(str_caseeq_n(slash + 1, bl, "simple", 6) ||
		    str_caseeq_n(slash + 1, bl, "relaxed", 7)))) {
			set_reason(s, MAUTH_DKIM_PERMERROR,
			    "unknown canonicalization (c=)");
			return;
		}
		s->relaxed_body = slash != NULL &&
		    str_caseeq_n(slash + 1, bl, "relaxed", 7);
	}
	if ((t = dkimv_tag_find(tags, n, "q")) != NULL &&
	    !qlist_has_dns(t->val, t->vallen)) {
		set_reason(s, MAUTH_DKIM_PERMERROR,
		    "no supported query method (q=)");
		return;
	}
	if ((t = dkimv_tag_find(tags, n, "i")) != NULL) {
		/* RFC 6376 3.5: the domain of i= is d= or a subdomain of it */
		char dec[DKIMV_MAX_SIGHDR + 1];
		ssize_t dl = qp_decode(t->val, t->vallen, dec, sizeof(dec));
		size_t il;

		if (dl < 0) {
			set_reason(s, MAUTH_DKIM_PERMERROR,
			    "invalid i= (bad quoted-printable)");
			return;
		}
		il = (size_t)dl;
		for (at = il; at > 0 && dec[at - 1] != '@'; at--)
			;
		if (at == 0) {
			set_reason(s, MAUTH_DKIM_PERMERROR, "invalid i= (no '@')");
			return;
		}
		k = il - at;
		if (!(str_caseeq_n(dec + at, k, d->val, d->vallen) ||
		    (k > d->vallen && dec[il - d->vallen - 1] == '.' &&
		    str_caseeq_n(dec + il - d->vallen, d->vallen,
		    d->val, d->vallen)))) {
			set_reason(s, MAUTH_DKIM_PERMERROR,
			    "i= is not in the d= domain (RFC 6376 3.5)");
			return;
		}
	}
	if ((t = dkimv_tag_find(tags, n, "l")) != NULL) {
		if (!u64_tag(t, 18, &s->l)) {
			set_reason(s, MAUTH_DKIM_PERMERROR, "invalid l= tag");
			return;
		}
		s->has_l = true;
	}
	tt = dkimv_tag_find(tags, n, "t");
	tx = dkimv_tag_find(tags, n, "x");
	if ((tt != NULL && !u64_tag(tt, 18, &ts)) ||
	    (tx != NULL && !u64_tag(tx, 18, &tx_v))) {
		set_reason(s, MAUTH_DKIM_PERMERROR, "invalid %s= tag",
		    tt != NULL && !u64_tag(tt, 18, &ts) ? "t" : "x");
		return;
	}
	if (tt != NULL && tx != NULL && tx_v < ts) {
		set_reason(s, MAUTH_DKIM_PERMERROR, "x= is earlier than t=");
		return;
	}
	if (tx != NULL && now >= 0 && (uint64_t)now > tx_v) {
		set_reason(s, MAUTH_DKIM_PERMERROR,
		    "signature expired (x=%llu)", (unsigned long long)tx_v);
		return;
	}
	/*
	 * A t= in the future is accepted: RFC 6376 3.5 only says verifiers
	 * MAY ignore such signatures, and clocks of real senders are off by
	 * hours (Stalwart's 004.txt is signed 5 hours "ahead").
	 */

	a = dkimv_tag_find(tags, n, "a");
	if (val_eq(a, "rsa-sha256"))
		return;
	if (val_eq(a, "ed25519-sha256")) {
		s->ed25519 = true;
		return;
	}
	if (val_eq(a, "rsa-sha1") && allow_sha1)
		return;
	if (val_eq(a, "rsa-sha1")) {
		/* RFC 8301 3.1: MUST NOT consider rsa-sha1 signatures valid */
		set_reason(s, MAUTH_DKIM_POLICY,
		    "rsa-sha1 not accepted (RFC 8301)");
		return;
	}
	/*
	 * An algorithm we do not know is not the signer's error: the field is
	 * ignored (RFC 6376 6.1.1 "ignore ... inconsistent with this
	 * specification"), which RFC 8601 2.7.1 calls neutral.
	 */
	set_reason(s, MAUTH_DKIM_NEUTRAL, "unsupported algorithm (a=)");
}

/* dkim_sig_screen - see dkim_int.h */
int
dkim_sig_screen(const char *value, size_t len, int64_t now, bool allow_sha1,
    struct dkim_sigscreen *s)
{
	struct dkimv_tag tags[TAG_MAX];
	const struct dkimv_tag *b;
	const char *why;
	size_t n;

	memset(s, 0, sizeof(*s));
	s->result = MAUTH_DKIM_NONE;
	if (len > DKIMV_MAX_SIGHDR) {
		set_reason(s, MAUTH_DKIM_PERMERROR,
		    "signature field too long (%zu bytes, limit %d)", len,
		    DKIMV_MAX_SIGHDR);
		return MAUTH_OK;
	}
	if (memchr(value, '\0', len) != NULL) {
		set_reason(s, MAUTH_DKIM_PERMERROR,
		    "NUL byte in the signature field");
		return MAUTH_OK;
	}
	if ((why = dkim_tag_parse(value, len, tags, TAG_MAX, &n)) != NULL) {
		/* keep what could be parsed of the strings: nothing */
		set_reason(s, MAUTH_DKIM_PERMERROR, "malformed tag list: %s",
		    why);
		return MAUTH_OK;
	}
	if (screen_strings(s, tags, n) != MAUTH_OK) {
		dkim_sig_screen_free(s);
		return MAUTH_ERR_NOMEM;
	}
	screen_tags(s, tags, n, now, allow_sha1);
	if (s->result == MAUTH_DKIM_NONE) {
		/* the whole b= pairs our field with libopendkim's entry */
		b = dkimv_tag_find(tags, n, "b");
		if ((s->b_full = field_dup(b->val, b->vallen, true,
		    DKIMV_MAX_SIGHDR)) == NULL) {
			dkim_sig_screen_free(s);
			return MAUTH_ERR_NOMEM;
		}
	}
	return MAUTH_OK;
}

/* b64_val - value of a base64 digit, -1 if not one */
static int
b64_val(char c)
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
 * b64_decode - base64 (FWS ignored, '=' padding) of p[0..len) into out;
 * returns the length or -1 on bad input or when out is too small.
 */
static ssize_t
b64_decode(const char *p, size_t len, uint8_t *out, size_t outlen)
{
	uint32_t acc = 0;
	size_t i, o = 0;
	int bits = 0, d, pad = 0;

	for (i = 0; i < len; i++) {
		if (dkim_is_fws(p[i]))
			continue;
		if (p[i] == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || (d = b64_val(p[i])) < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == outlen)
				return -1;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return pad > 2 ? -1 : (ssize_t)o;
}

/* b64_encode - base64 of in[0..len) into out; length, or 0 if too small */
static size_t
b64_encode(const uint8_t *in, size_t len, char *out, size_t outlen)
{
	static const char d[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;
	uint32_t v;

	if ((len + 2) / 3 * 4 > outlen)
		return 0;
	for (i = 0; i < len; i += 3) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = d[(v >> 18) & 63];
		out[o++] = d[(v >> 12) & 63];
		out[o++] = i + 1 < len ? d[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? d[v & 63] : '=';
	}
	return o;
}

/* der_len - a DER length at p (n bytes left): value, and header size */
static bool
der_len(const uint8_t *p, size_t n, size_t *val, size_t *hdr)
{
	if (n < 1)
		return false;
	if (p[0] < 0x80) {
		*val = p[0];
		*hdr = 1;
		return true;
	}
	if (p[0] == 0x81 && n >= 2) {
		*val = p[1];
		*hdr = 2;
		return true;
	}
	if (p[0] == 0x82 && n >= 3) {
		*val = (size_t)p[1] << 8 | p[2];
		*hdr = 3;
		return true;
	}
	return false;
}

/* der_put_len - a DER length (< 65536) at out; bytes written */
static size_t
der_put_len(uint8_t *out, size_t v)
{
	if (v < 0x80) {
		out[0] = (uint8_t)v;
		return 1;
	}
	if (v < 0x100) {
		out[0] = 0x81;
		out[1] = (uint8_t)v;
		return 2;
	}
	out[0] = 0x82;
	out[1] = (uint8_t)(v >> 8);
	out[2] = (uint8_t)v;
	return 3;
}

/*
 * wrap_rsapublickey - if der[0..len) is a PKCS#1 RSAPublicKey (SEQUENCE
 * whose first element is an INTEGER), write the SubjectPublicKeyInfo that
 * holds it (RFC 5280 4.1, rsaEncryption RFC 8017 A.1) into out; returns the
 * length, 0 when der is something else (a SubjectPublicKeyInfo already).
 */
static size_t
wrap_rsapublickey(const uint8_t *der, size_t len, uint8_t *out,
    size_t outlen)
{
	static const uint8_t algid[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86,
	    0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00 };
	size_t v, h, bitlen, o = 0;
	uint8_t lb[3];

	if (len < 2 || der[0] != 0x30 || !der_len(der + 1, len - 1, &v, &h) ||
	    1 + h + v != len || 1 + h >= len || der[1 + h] != 0x02)
		return 0;
	bitlen = 1 + len;		/* unused-bits byte, then the key */
	if (bitlen > 60000 || 4 + sizeof(algid) + 4 + bitlen > outlen)
		return 0;
	out[o++] = 0x30;
	o += der_put_len(out + o, sizeof(algid) + 1 +
	    der_put_len(lb, bitlen) + bitlen);
	memcpy(out + o, algid, sizeof(algid));
	o += sizeof(algid);
	out[o++] = 0x03;
	o += der_put_len(out + o, bitlen);
	out[o++] = 0x00;
	memcpy(out + o, der, len);
	return o + len;
}

/* dkim_key_rewrite - see dkim_int.h */
ssize_t
dkim_key_rewrite(const uint8_t *txt, size_t len, size_t max, char *out,
    size_t outlen, bool *wrapped)
{
	static const char *const keep[] = { "v", "h", "k", "p", "s", "t" };
	struct dkimv_tag tags[TAG_MAX];
	const struct dkimv_tag *k, *p;
	uint8_t der[4096], spki[4200];
	char p64[5700];
	size_t n, i, j, kk, o = 0, plen = 0, sl;
	ssize_t dl;
	bool kept;

	*wrapped = false;
	if (memchr(txt, '\0', len) != NULL ||
	    dkim_tag_parse((const char *)txt, len, tags, TAG_MAX, &n) != NULL)
		return len <= max ? 0 : -1;
	k = dkimv_tag_find(tags, n, "k");
	p = dkimv_tag_find(tags, n, "p");
	if (p != NULL && p->vallen > 0 &&
	    (k == NULL || str_caseeq_n(k->val, k->vallen, "rsa", 3)) &&
	    (dl = b64_decode(p->val, p->vallen, der, sizeof(der))) > 0 &&
	    (sl = wrap_rsapublickey(der, (size_t)dl, spki, sizeof(spki))) > 0 &&
	    (plen = b64_encode(spki, sl, p64, sizeof(p64))) > 0)
		*wrapped = true;
	if (!*wrapped && len <= max)
		return 0;
	for (i = 0; i < n; i++) {
		kept = false;
		for (kk = 0; kk < sizeof(keep) / sizeof(keep[0]); kk++)
			if (tags[i].namelen == 1 &&
			    tags[i].name[0] == keep[kk][0])
				kept = true;
		if (!kept)
			continue;
		/* "name=value;" without FWS */
		if (o + tags[i].namelen + 2 > outlen)
			return -1;
		if (o > 0)
			out[o++] = ';';
		memcpy(out + o, tags[i].name, tags[i].namelen);
		o += tags[i].namelen;
		out[o++] = '=';
		if (&tags[i] == p && *wrapped) {
			if (o + plen > outlen)
				return -1;
			memcpy(out + o, p64, plen);
			o += plen;
			continue;
		}
		for (j = 0; j < tags[i].vallen; j++) {
			if (dkim_is_fws(tags[i].val[j]))
				continue;
			if (o + 1 > outlen)
				return -1;
			out[o++] = tags[i].val[j];
		}
	}
	if (o == 0 || o > max)
		return -1;
	return (ssize_t)o;
}

/* dkim_key_type - see dkim_int.h */
bool
dkim_key_type(const uint8_t *txt, size_t len, char *out, size_t outlen)
{
	struct dkimv_tag tags[TAG_MAX];
	const struct dkimv_tag *k;
	size_t n;

	if (outlen == 0 || memchr(txt, '\0', len) != NULL ||
	    dkim_tag_parse((const char *)txt, len, tags, TAG_MAX, &n) != NULL)
		return false;
	if ((k = dkimv_tag_find(tags, n, "k")) == NULL)
		(void)snprintf(out, outlen, "rsa");
	else
		(void)snprintf(out, outlen, "%.*s", (int)k->vallen, k->val);
	return true;
}

/* ---- canonical body length ------------------------------------------- */

/* dkim_bodylen_init - an empty body so far */
void
dkim_bodylen_init(struct dkim_bodylen *b)
{
	memset(b, 0, sizeof(*b));
}

/* bl_eol - a CRLF ends the current line of both canonicalizations */
static void
bl_eol(struct dkim_bodylen *b)
{
	/* RFC 6376 3.4.3, 3.4.4: empty lines at the end are ignored */
	if (b->s_line == 0)
		b->s_empty++;
	else {
		b->simple += b->s_empty * 2 + b->s_line + 2;
		b->s_empty = 0;
	}
	if (b->r_line == 0)
		b->r_empty++;
	else {
		b->relaxed += b->r_empty * 2 + b->r_line + 2;
		b->r_empty = 0;
	}
	b->s_line = b->r_line = 0;
	b->r_wsp = false;
}

/* bl_byte - one content byte (not part of a CRLF) */
static void
bl_byte(struct dkim_bodylen *b, uint8_t c)
{
	b->s_line++;
	if (c == ' ' || c == '\t') {
		b->r_wsp = true;	/* RFC 6376 3.4.4: runs become one SP */
		return;
	}
	if (b->r_wsp)
		b->r_line++;
	b->r_wsp = false;
	b->r_line++;
}

/* dkim_bodylen_add - count a chunk of CRLF body */
void
dkim_bodylen_add(struct dkim_bodylen *b, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		b->any = true;
		if (b->cr) {
			b->cr = false;
			if (p[i] == '\n') {
				bl_eol(b);
				continue;
			}
			bl_byte(b, '\r');
		}
		if (p[i] == '\r')
			b->cr = true;
		else
			bl_byte(b, p[i]);
	}
}

/* dkim_bodylen_final - lengths with the last, unterminated line counted */
void
dkim_bodylen_final(const struct dkim_bodylen *b, uint64_t *simple,
    uint64_t *relaxed)
{
	struct dkim_bodylen t = *b;

	if (t.cr) {
		t.cr = false;
		bl_byte(&t, '\r');
	}
	/* a last line without CRLF gets one (RFC 6376 3.4.3, 3.4.4) */
	if (t.s_line > 0 || t.r_line > 0)
		bl_eol(&t);
	/* RFC 6376 3.4.3: an empty body is a single CRLF (simple) */
	*simple = t.simple == 0 ? 2 : t.simple;
	*relaxed = t.relaxed;
}
