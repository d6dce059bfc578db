/*
 * spf_parse.c - SPF record syntax (RFC 7208 4.5, 4.6.1, 5, 6, 7.1, 12).
 *
 * The whole record is parsed before anything is evaluated, so that a syntax
 * error anywhere gives permerror (RFC 7208 4.6).  Pure: no DNS, no state.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mauth/common.h"
#include "spf_int.h"
#include "util/ascii.h"
#include "util/errbuf.h"
#include "util/buf.h"
#include "util/str.h"

static const struct {
	const char	*name;
	int		 kind;
} mechanisms[] = {
	{ "all", SPF_ALL },
	{ "include", SPF_INCLUDE },
	{ "a", SPF_A },
	{ "mx", SPF_MX },
	{ "ptr", SPF_PTR },
	{ "ip4", SPF_IP4 },
	{ "ip6", SPF_IP6 },
	{ "exists", SPF_EXISTS }
};

/* spf_kind_str - the name of a term kind */
const char *
spf_kind_str(int kind)
{
	size_t i;

	for (i = 0; i < sizeof(mechanisms) / sizeof(mechanisms[0]); i++)
		if (mechanisms[i].kind == kind)
			return mechanisms[i].name;
	switch (kind) {
	case SPF_REDIRECT:
		return "redirect";
	case SPF_EXP:
		return "exp";
	default:
		return "modifier";
	}
}

/* spf_shown - an escaped, shortened copy of s[0..len) for reasons */
const char *
spf_shown(const void *s, size_t len, size_t max, char *tmp, size_t tmplen)
{
	struct buf b;
	size_t n = len > max ? max : len;

	buf_init(&b, 0);
	buf_put_escaped(&b, s, n);
	if (n < len)
		buf_puts(&b, "...");
	snprintf(tmp, tmplen, "%s", (b.err || b.data == NULL) ? "?" : b.data);
	buf_free(&b);
	return tmp;
}

/* shown - spf_shown of at most 64 bytes, for parse errors */
static const char *
shown(const char *s, size_t len, char *tmp, size_t tmplen)
{
	return spf_shown(s, len, 64, tmp, tmplen);
}

/* spf_record_is_spf - RFC 7208 4.5: "v=spf1" then SP or end */
bool
spf_record_is_spf(const uint8_t *data, size_t len)
{
	if (len < 6 || !str_caseeq_n((const char *)data, 6, "v=spf1", 6))
		return false;
	return len == 6 || data[6] == ' ';
}

/*
 * parse_cidr_num - RFC 7208 5.6: 1*DIGIT, no leading zero (the suite reads
 * the prohibition on leading zeros of ip4-network as covering lengths too),
 * at most max.
 */
static bool
parse_cidr_num(const char *s, size_t len, int max, int *out)
{
	uint64_t v;

	if (len == 0 || len > 3 || (len > 1 && s[0] == '0'))
		return false;
	if (!str_to_u64(s, len, (uint64_t)max, &v))
		return false;
	*out = (int)v;
	return true;
}

/* all_digits - s[0..len) is 1*DIGIT */
static bool
all_digits(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++)
		if (!ascii_is_digit(s[i]))
			return false;
	return true;
}

/*
 * split_dual_cidr - RFC 7208 5.3/5.4 dual-cidr-length at the end of s:
 * [ "/" ip4-cidr ] [ "//" ip6-cidr ].  Sets *end to where the cidr part
 * starts (len when there is none).  Returns false on an invalid length.
 */
static bool
split_dual_cidr(const char *s, size_t len, size_t *end, int *c4, int *c6,
    char *err, size_t errlen)
{
	size_t e = len, p;

	*c4 = 32;
	*c6 = 128;
	/* last "/" */
	for (p = e; p > 0 && s[p - 1] != '/'; p--)
		;
	if (p == 0 || !all_digits(s + p, e - p)) {
		*end = len;
		return true;
	}
	if (p >= 2 && s[p - 2] == '/') {
		if (!parse_cidr_num(s + p, e - p, 128, c6)) {
			seterr(err, errlen, "invalid ip6 cidr length");
			return false;
		}
		e = p - 2;
		for (p = e; p > 0 && s[p - 1] != '/'; p--)
			;
		if (p == 0 || !all_digits(s + p, e - p) ||
		    (p >= 2 && s[p - 2] == '/')) {
			*end = e;
			return true;
		}
	}
	if (!parse_cidr_num(s + p, e - p, 32, c4)) {
		seterr(err, errlen, "invalid ip4 cidr length");
		return false;
	}
	*end = p - 1;
	return true;
}

/* spf_parse_ip4 - RFC 7208 5.6 ip4-network: qnum "." qnum "." qnum "." qnum */
bool
spf_parse_ip4(const char *s, size_t len, uint8_t out[4])
{
	size_t i = 0, start;
	int part;
	uint64_t v;

	for (part = 0; part < 4; part++) {
		start = i;
		while (i < len && ascii_is_digit(s[i]))
			i++;
		if (i == start || i - start > 3 ||
		    (i - start > 1 && s[start] == '0'))
			return false;
		if (!str_to_u64(s + start, i - start, 255, &v))
			return false;
		out[part] = (uint8_t)v;
		if (part < 3) {
			if (i >= len || s[i] != '.')
				return false;
			i++;
		}
	}
	return i == len;
}

/* parse_ip6 - RFC 7208 5.6 ip6-network (RFC 4291 2.2 text forms) */
static bool
parse_ip6(const char *s, size_t len, uint8_t out[16])
{
	char tmp[64];
	size_t i;

	if (len == 0 || len >= sizeof(tmp))
		return false;
	for (i = 0; i < len; i++)
		if (!(ascii_is_alnum(s[i]) || s[i] == ':' || s[i] == '.'))
			return false;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	return inet_pton(AF_INET6, tmp, out) == 1;
}

/*
 * is_toplabel - RFC 7208 7.1:
 *   toplabel = ( *alphanum ALPHA *alphanum ) /
 *              ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
 */
static bool
is_toplabel(const char *s, size_t len)
{
	size_t i;
	bool alpha = false, dash = false;

	if (len == 0 || !ascii_is_alnum(s[0]) || !ascii_is_alnum(s[len - 1]))
		return false;
	for (i = 0; i < len; i++) {
		if (ascii_is_alpha(s[i]))
			alpha = true;
		else if (s[i] == '-')
			dash = true;
		else if (!ascii_is_digit(s[i]))
			return false;
	}
	return alpha || dash;
}

/*
 * ends_in_macro - whether s[0..len) ends with a macro-expand ("%{...}",
 * "%%", "%_", "%-"), taking "%%" pairs into account.  The string is known
 * to have valid macro syntax.
 */
static bool
ends_in_macro(const char *s, size_t len)
{
	size_t i = 0;
	bool last = false;

	while (i < len) {
		if (s[i] != '%') {
			last = false;
			i++;
			continue;
		}
		if (i + 1 < len && s[i + 1] == '{') {
			while (i < len && s[i] != '}')
				i++;
			i++;
		} else
			i += 2;
		last = true;
	}
	return last;
}

/* spf_domain_spec_check - RFC 7208 7.1 domain-spec = macro-string domain-end */
bool
spf_domain_spec_check(const char *s, size_t len, char *err, size_t errlen)
{
	char tmp[96];
	size_t e, p;

	if (len == 0) {
		seterr(err, errlen, "empty domain-spec");
		return false;
	}
	if (spf_macro_expand(NULL, s, len, SPF_MACRO_DOMAIN, NULL, err,
	    errlen) != 0)
		return false;
	/*
	 * domain-end = ( "." toplabel [ "." ] ) / macro-expand.  A dot after a
	 * final macro-expand is accepted too ("%{d}." is common and harmless).
	 */
	e = len;
	if (ends_in_macro(s, e))
		return true;
	if (s[e - 1] == '.') {
		e--;
		if (e > 0 && ends_in_macro(s, e))
			return true;
	}
	for (p = e; p > 0 && s[p - 1] != '.'; p--)
		;
	if (p == 0 || !is_toplabel(s + p, e - p)) {
		seterr(err, errlen, "invalid domain-spec '%s' (bad top label)",
		    shown(s, len, tmp, sizeof(tmp)));
		return false;
	}
	return true;
}

/* push_term - append t to rec->terms (the record bounds the count) */
static int
push_term(struct spf_record *rec, size_t *cap, const struct spf_term *t)
{
	struct spf_term *n;
	size_t ncap;

	if (rec->nterms == *cap) {
		ncap = *cap ? *cap * 2 : 8;
		if ((n = reallocarray(rec->terms, ncap, sizeof(*n))) == NULL)
			return MAUTH_ERR_NOMEM;
		rec->terms = n;
		*cap = ncap;
	}
	rec->terms[rec->nterms++] = *t;
	return 0;
}

/*
 * parse_modifier - RFC 7208 4.6.1, 6: name "=" value.  Known modifiers take a
 * domain-spec and appear at most once; unknown ones take a macro-string.
 */
static bool
parse_modifier(struct spf_record *rec, struct spf_term *t, size_t namelen,
    char *err, size_t errlen)
{
	const char *v = t->text + namelen + 1;
	size_t vlen = t->textlen - namelen - 1;

	t->qualifier = 0;
	t->spec = v;
	t->speclen = vlen;
	if (str_caseeq_n(t->text, namelen, "redirect", 8))
		t->kind = SPF_REDIRECT;
	else if (str_caseeq_n(t->text, namelen, "exp", 3))
		t->kind = SPF_EXP;
	else {
		t->kind = SPF_UNKNOWN_MOD;
		if (spf_macro_expand(NULL, v, vlen, SPF_MACRO_MODIFIER, NULL,
		    err, errlen) != 0)
			return false;
		return true;
	}
	if ((t->kind == SPF_REDIRECT && rec->redirect >= 0) ||
	    (t->kind == SPF_EXP && rec->exp >= 0)) {
		seterr(err, errlen, "%s= appears more than once",
		    spf_kind_str(t->kind));
		return false;
	}
	if (!spf_domain_spec_check(v, vlen, err, errlen)) {
		if (vlen == 0)
			seterr(err, errlen, "%s= has an empty domain-spec",
			    spf_kind_str(t->kind));
		return false;
	}
	return true;
}

/* parse_mechanism - RFC 7208 4.6.1, 5.1-5.7 */
static bool
parse_mechanism(struct spf_term *t, char *err, size_t errlen)
{
	const char *s = t->text, *arg;
	size_t len = t->textlen, i, n, alen, end;
	char tmp[96];
	bool found = false;

	t->qualifier = '+';
	if (len > 0 && (s[0] == '+' || s[0] == '-' || s[0] == '~' ||
	    s[0] == '?')) {
		t->qualifier = s[0];
		s++;
		len--;
	}
	for (n = 0; n < len && s[n] != ':' && s[n] != '/'; n++)
		;
	for (i = 0; i < sizeof(mechanisms) / sizeof(mechanisms[0]); i++) {
		if (str_caseeq_n(s, n, mechanisms[i].name,
		    strlen(mechanisms[i].name))) {
			t->kind = mechanisms[i].kind;
			found = true;
			break;
		}
	}
	if (!found) {
		seterr(err, errlen, "unknown mechanism '%s'",
		    shown(t->text, t->textlen, tmp, sizeof(tmp)));
		return false;
	}
	arg = s + n;
	alen = len - n;
	t->cidr4 = 32;
	t->cidr6 = 128;

	switch (t->kind) {
	case SPF_ALL:
		if (alen != 0) {
			seterr(err, errlen, "'all' takes no argument");
			return false;
		}
		return true;
	case SPF_INCLUDE:
	case SPF_EXISTS:
		if (alen == 0 || arg[0] != ':') {
			seterr(err, errlen, "'%s' needs ':domain-spec'",
			    spf_kind_str(t->kind));
			return false;
		}
		t->spec = arg + 1;
		t->speclen = alen - 1;
		return spf_domain_spec_check(t->spec, t->speclen, err, errlen);
	case SPF_PTR:
		if (alen == 0)
			return true;
		if (arg[0] != ':') {
			seterr(err, errlen, "'ptr' takes no cidr length");
			return false;
		}
		t->spec = arg + 1;
		t->speclen = alen - 1;
		return spf_domain_spec_check(t->spec, t->speclen, err, errlen);
	case SPF_A:
	case SPF_MX:
		if (alen == 0)
			return true;
		if (!split_dual_cidr(arg, alen, &end, &t->cidr4, &t->cidr6,
		    err, errlen))
			return false;
		if (arg[0] == '/') {
			if (end != 0) {
				seterr(err, errlen, "invalid cidr length in "
				    "'%s'", shown(t->text, t->textlen, tmp,
				    sizeof(tmp)));
				return false;
			}
			return true;
		}
		/* arg[0] == ':' */
		t->spec = arg + 1;
		t->speclen = end - 1;
		return spf_domain_spec_check(t->spec, t->speclen, err, errlen);
	case SPF_IP4:
	case SPF_IP6:
		if (alen < 2 || arg[0] != ':') {
			seterr(err, errlen, "'%s' needs an address",
			    spf_kind_str(t->kind));
			return false;
		}
		arg++;
		alen--;
		for (n = 0; n < alen && arg[n] != '/'; n++)
			;
		if (n < alen && !parse_cidr_num(arg + n + 1, alen - n - 1,
		    t->kind == SPF_IP4 ? 32 : 128,
		    t->kind == SPF_IP4 ? &t->cidr4 : &t->cidr6)) {
			seterr(err, errlen, "invalid cidr length in '%s'",
			    shown(t->text, t->textlen, tmp, sizeof(tmp)));
			return false;
		}
		memset(t->addr, 0, sizeof(t->addr));
		if ((t->kind == SPF_IP4 && !spf_parse_ip4(arg, n, t->addr)) ||
		    (t->kind == SPF_IP6 && !parse_ip6(arg, n, t->addr))) {
			seterr(err, errlen, "invalid address in '%s'",
			    shown(t->text, t->textlen, tmp, sizeof(tmp)));
			return false;
		}
		t->spec = arg;
		t->speclen = n;
		return true;
	}
	return false;
}

/* spf_parse - RFC 7208 4.6: record = version terms *SP */
int
spf_parse(const char *s, size_t len, struct spf_record *rec, char *err,
    size_t errlen)
{
	struct spf_term t;
	size_t i, start, cap = 0, n;
	int rv;

	memset(rec, 0, sizeof(*rec));
	rec->redirect = rec->exp = -1;
	if (len > SPF_MAX_RECORD_LEN) {
		seterr(err, errlen, "record longer than %d bytes",
		    SPF_MAX_RECORD_LEN);
		return MAUTH_ERR_SYNTAX;
	}
	if (!spf_record_is_spf((const uint8_t *)s, len)) {
		seterr(err, errlen, "not an SPF version 1 record");
		return MAUTH_ERR_SYNTAX;
	}
	i = 6;
	for (;;) {
		/* terms = *( 1*SP ( directive / modifier ) ) */
		while (i < len && s[i] == ' ')
			i++;
		if (i >= len)
			break;
		start = i;
		while (i < len && s[i] != ' ')
			i++;
		memset(&t, 0, sizeof(t));
		t.text = s + start;
		t.textlen = i - start;
		t.cidr4 = 32;
		t.cidr6 = 128;
		/* modifier: name "=" with name = ALPHA *( ALPHA / DIGIT / - _ . ) */
		for (n = 0; n < t.textlen && (ascii_is_alnum(t.text[n]) ||
		    t.text[n] == '-' || t.text[n] == '_' || t.text[n] == '.'); n++)
			;
		if (n > 0 && n < t.textlen && t.text[n] == '=' &&
		    ascii_is_alpha(t.text[0])) {
			if (!parse_modifier(rec, &t, n, err, errlen))
				return MAUTH_ERR_SYNTAX;
		} else if (!parse_mechanism(&t, err, errlen))
			return MAUTH_ERR_SYNTAX;
		if ((rv = push_term(rec, &cap, &t)) != 0) {
			seterr(err, errlen, "out of memory");
			return rv;
		}
		if (t.kind == SPF_REDIRECT)
			rec->redirect = (int)(rec->nterms - 1);
		else if (t.kind == SPF_EXP)
			rec->exp = (int)(rec->nterms - 1);
		else if (t.kind == SPF_ALL)
			rec->has_all = true;
	}
	return 0;
}

/* spf_record_free - free the terms of a parsed record */
void
spf_record_free(struct spf_record *rec)
{
	if (rec == NULL)
		return;
	free(rec->terms);
	rec->terms = NULL;
	rec->nterms = 0;
}

/* spf_cidr_match - compare the first bits bits of a and b */
bool
spf_cidr_match(const uint8_t *a, const uint8_t *b, int bits)
{
	int full = bits / 8, rest = bits % 8;
	uint8_t mask;

	if (full > 0 && memcmp(a, b, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}
