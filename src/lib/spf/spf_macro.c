/*
 * spf_macro.c - SPF macro syntax and expansion (RFC 7208 7).
 *
 *   macro-string = *( macro-expand / macro-literal )
 *   macro-expand = ( "%{" macro-letter transformers *delimiter "}" )
 *                  / "%%" / "%_" / "%-"
 *   macro-literal = %x21-24 / %x26-7E
 *   transformers = *DIGIT [ "r" ]
 *   delimiter    = "." / "-" / "+" / "," / "/" / "_" / "="
 *
 * Pure: the one value that needs the DNS (%{p}) is obtained through a
 * callback of the context.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mauth/common.h"
#include "spf_int.h"
#include "util/errbuf.h"
#include "util/buf.h"
#include "util/str.h"

#define SPF_MACRO_MAX_PARTS	1000	/* a larger DIGIT means "all parts" */

/* is_delim - RFC 7208 7.1 delimiter */
static bool
is_delim(char c)
{
	return c != '\0' && strchr(".-+,/_=", c) != NULL;
}

/* url_escape - RFC 7208 7.3: upper-case letters URL-escape (RFC 3986) */
static void
url_escape(struct buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;
	char esc[3];
	size_t i;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			buf_putc(out, (char)c);
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[c >> 4];
		esc[2] = hex[c & 0xf];
		buf_append(out, esc, 3);
	}
}

/* spf_ip_nibbles - RFC 7208 7.3: IPv6 "i" is dot-separated nibbles */
void
spf_ip_nibbles(const uint8_t a[16], char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, o = 0;

	if (outlen < 64) {
		if (outlen > 0)
			out[0] = '\0';
		return;
	}
	for (i = 0; i < 16; i++) {
		out[o++] = hex[a[i] >> 4];
		out[o++] = '.';
		out[o++] = hex[a[i] & 0xf];
		out[o++] = i < 15 ? '.' : '\0';
	}
}

/*
 * transform - RFC 7208 7.3: split value on the delimiters, optionally
 * reverse, keep the right-most ndigits parts (0: all), join with ".".
 */
static int
transform(struct buf *out, const char *v, const char *delims, size_t ndelims,
    unsigned ndigits, bool reverse, bool escape)
{
	struct { const char *p; size_t n; } *parts;
	struct buf tmp;
	size_t nparts = 1, i, j, k, first;
	const char *start;
	bool delim;

	for (i = 0; v[i] != '\0'; i++)
		for (j = 0; j < ndelims; j++)
			if (v[i] == delims[j]) {
				nparts++;
				break;
			}
	if ((parts = calloc(nparts, sizeof(*parts))) == NULL)
		return MAUTH_ERR_NOMEM;
	k = 0;
	start = v;
	for (i = 0;; i++) {
		delim = false;
		for (j = 0; j < ndelims && v[i] != '\0'; j++)
			if (v[i] == delims[j])
				delim = true;
		if (v[i] == '\0' || delim) {
			parts[k].p = start;
			parts[k].n = (size_t)(v + i - start);
			k++;
			start = v + i + 1;
		}
		if (v[i] == '\0')
			break;
	}
	if (reverse)
		for (i = 0; i < nparts / 2; i++) {
			const char *p = parts[i].p;
			size_t n = parts[i].n;

			parts[i] = parts[nparts - 1 - i];
			parts[nparts - 1 - i].p = p;
			parts[nparts - 1 - i].n = n;
		}
	first = (ndigits == 0 || ndigits >= nparts) ? 0 : nparts - ndigits;
	buf_init(&tmp, out->max);
	for (i = first; i < nparts; i++) {
		if (i > first)
			buf_putc(&tmp, '.');
		buf_append(&tmp, parts[i].p, parts[i].n);
	}
	free(parts);
	if (tmp.err) {
		i = (size_t)tmp.err;
		buf_free(&tmp);
		return (int)i;
	}
	if (escape)
		url_escape(out, tmp.data ? tmp.data : "", tmp.len);
	else
		buf_append(out, tmp.data ? tmp.data : "", tmp.len);
	buf_free(&tmp);
	return 0;
}

/* letter_value - the value of a macro letter (lower-case l) */
static int
letter_value(const struct spf_macro_ctx *ctx, char l, const char **v,
    char *tbuf, size_t tlen)
{
	int rv;

	switch (l) {
	case 's':
		*v = ctx->sender;
		break;
	case 'l':
		*v = ctx->local;
		break;
	case 'o':
		*v = ctx->sender_domain;
		break;
	case 'd':
		*v = ctx->domain;
		break;
	case 'i':
		*v = ctx->ip_i;
		break;
	case 'c':
		*v = ctx->ip_c;
		break;
	case 'v':
		*v = ctx->ipv6 ? "ip6" : "in-addr";
		break;
	case 'h':
		*v = ctx->helo;
		break;
	case 'r':
		*v = ctx->receiver;
		break;
	case 't':
		snprintf(tbuf, tlen, "%lld", (long long)ctx->now);
		*v = tbuf;
		break;
	case 'p':
		*v = NULL;
		if (ctx->get_p != NULL &&
		    (rv = ctx->get_p(ctx->p_arg, v)) != 0)
			return rv;
		break;
	default:
		*v = NULL;
		break;
	}
	if (*v == NULL)
		*v = "unknown";
	return 0;
}

/* spf_macro_expand - check and expand a macro-string (RFC 7208 7.1-7.3) */
int
spf_macro_expand(const struct spf_macro_ctx *ctx, const char *s, size_t len,
    int mode, struct buf *out, char *err, size_t errlen)
{
	const char *delims, *v;
	char letter, lower, tbuf[32];
	size_t i, ndelims;
	unsigned ndigits;
	bool reverse, digits;
	unsigned char c;
	int rv;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c != '%') {
			/*
			 * macro-literal is visible ASCII; an explanation
			 * (explain-string = *( macro-string / SP )) may also
			 * hold spaces.
			 */
			if (!(c >= 0x21 && c <= 0x7e) &&
			    !(c == ' ' && mode == SPF_MACRO_EXPLAIN)) {
				seterr(err, errlen, "invalid character 0x%02x "
				    "in macro-string", c);
				return MAUTH_ERR_SYNTAX;
			}
			if (ctx != NULL)
				buf_putc(out, (char)c);
			continue;
		}
		if (i + 1 >= len) {
			seterr(err, errlen, "'%%' at the end of a macro-string");
			return MAUTH_ERR_SYNTAX;
		}
		switch (s[++i]) {
		case '%':
			if (ctx != NULL)
				buf_putc(out, '%');
			continue;
		case '_':
			if (ctx != NULL)
				buf_putc(out, ' ');
			continue;
		case '-':
			if (ctx != NULL)
				buf_puts(out, "%20");
			continue;
		case '{':
			break;
		default:
			seterr(err, errlen, "'%%' followed by 0x%02x (want "
			    "'{', '%%', '_' or '-')", (unsigned char)s[i]);
			return MAUTH_ERR_SYNTAX;
		}
		/* "%{" macro-letter transformers *delimiter "}" */
		if (++i >= len) {
			seterr(err, errlen, "unterminated macro");
			return MAUTH_ERR_SYNTAX;
		}
		letter = s[i];
		lower = str_lower(letter);
		if (letter == '\0' || strchr("slodiphcrtv", lower) == NULL) {
			seterr(err, errlen, "unknown macro letter 0x%02x",
			    (unsigned char)letter);
			return MAUTH_ERR_SYNTAX;
		}
		if (mode == SPF_MACRO_DOMAIN &&
		    (lower == 'c' || lower == 'r' || lower == 't')) {
			seterr(err, errlen, "macro %%{%c} is only allowed in "
			    "explanations", letter);
			return MAUTH_ERR_SYNTAX;
		}
		i++;
		ndigits = 0;
		digits = false;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			digits = true;
			if (ndigits < SPF_MACRO_MAX_PARTS)
				ndigits = ndigits * 10 + (unsigned)(s[i] - '0');
			i++;
		}
		if (digits && ndigits == 0) {
			seterr(err, errlen, "macro part count must be nonzero");
			return MAUTH_ERR_SYNTAX;
		}
		reverse = false;
		if (i < len && (s[i] == 'r' || s[i] == 'R')) {
			reverse = true;
			i++;
		}
		delims = s + i;
		while (i < len && is_delim(s[i]))
			i++;
		ndelims = (size_t)(s + i - delims);
		if (i >= len || s[i] != '}') {
			seterr(err, errlen, "malformed macro (missing '}' or "
			    "bad transformer)");
			return MAUTH_ERR_SYNTAX;
		}
		if (ctx == NULL)
			continue;
		if ((rv = letter_value(ctx, lower, &v, tbuf,
		    sizeof(tbuf))) != 0)
			return rv;
		if (ndelims == 0) {
			delims = ".";
			ndelims = 1;
		}
		if ((rv = transform(out, v, delims, ndelims, ndigits, reverse,
		    letter != lower)) != 0) {
			seterr(err, errlen, "macro expansion failed");
			return rv;
		}
		if (out->err)
			break;
	}
	if (ctx != NULL && out->err) {
		seterr(err, errlen, "macro expansion longer than %zu bytes",
		    out->max);
		return out->err == MAUTH_ERR_NOMEM ? MAUTH_ERR_NOMEM :
		    MAUTH_ERR_LIMIT;
	}
	return 0;
}

/* spf_domain_truncate - RFC 7208 7.3: keep the right-most 253 octets by labels */
size_t
spf_domain_truncate(const char *name, size_t *len)
{
	size_t off = 0, n = *len, p;

	if (n > 0 && name[n - 1] == '.')
		n--;
	while (n - off > SPF_MAX_DOMAIN) {
		p = off;
		while (p < n && name[p] != '.')
			p++;
		if (p >= n)
			break;	/* one over-long label: left for the caller */
		off = p + 1;
	}
	*len = n - off;
	return off;
}
