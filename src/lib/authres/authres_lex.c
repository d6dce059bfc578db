/*
 * authres_lex.c - lexical readers of Authentication-Results values:
 * CFWS with nested comments (RFC 5322 3.2.2), quoted-string (RFC 5322
 * 3.2.4), RFC 2045 token / value, RFC 8601 2.2 pvalue and Keyword.
 *
 * Every reader checks the position against the length before each byte and
 * refuses NUL and control bytes; folding is CRLF or bare LF followed by
 * white space, and is removed from the text it returns (RFC 5322 2.2.3).
 */
#include <string.h>

#include "mauth/authres.h"
#include "mauth/common.h"
#include "authres/authres_int.h"

/* ar_is_tokenchar - RFC 2045 5.1: CHAR except SPACE, CTLs and tspecials */
bool
ar_is_tokenchar(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7f)
		return false;
	return strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* ar_is_atext - RFC 5322 3.2.3 atext (ASCII) */
bool
ar_is_atext(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* ar_is_pvchar - RFC 8601 2.2 pvalue, unquoted: local-part "@" domain */
bool
ar_is_pvchar(unsigned char c)
{
	return ar_is_atext(c) || c == '.' || c == '@';
}

/* ar_is_kwchar - RFC 8601 2.2 Keyword (RFC 5321 ldh-str), "_" tolerated */
bool
ar_is_kwchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* ar_is_badctl - a control byte no value may carry (HTAB is white space) */
bool
ar_is_badctl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* ar_fail - keep the first error and where it happened */
int
ar_fail(struct ar_cur *c, int err, const char *why)
{
	if (c->err == 0) {
		c->err = err;
		c->why = why;
		c->at = c->pos;
	}
	return c->err;
}

/* bufcheck - map a buffer's sticky error to the cursor */
static int
bufcheck(struct ar_cur *c, const struct buf *b)
{
	if (b == NULL || b->err == 0)
		return 0;
	if (b->err == MAUTH_ERR_NOMEM)
		return ar_fail(c, MAUTH_ERR_NOMEM, "out of memory");
	return ar_fail(c, MAUTH_ERR_LIMIT, "value longer than the limit");
}

/*
 * linebreak - at CR or LF: the length of the line break if it is folding
 * (followed by WSP) or the very end of the input; 0 with an error otherwise.
 */
static size_t
linebreak(struct ar_cur *c, bool *final)
{
	size_t n;

	*final = false;
	if (c->p[c->pos] == '\r') {
		if (c->pos + 1 >= c->len || c->p[c->pos + 1] != '\n') {
			ar_fail(c, MAUTH_ERR_SYNTAX, "CR not followed by LF");
			return 0;
		}
		n = 2;
	} else
		n = 1;
	if (c->pos + n == c->len) {
		*final = true;
		return n;
	}
	if (c->p[c->pos + n] != ' ' && c->p[c->pos + n] != '\t') {
		ar_fail(c, MAUTH_ERR_SYNTAX,
		    "line break not followed by white space");
		return 0;
	}
	return n;
}

/* putc_opt - append when the buffer is wanted */
static void
putc_opt(struct buf *b, char ch)
{
	if (b != NULL)
		buf_putc(b, ch);
}

/*
 * inner - one step inside a comment or a quoted-string (RFC 5322 3.2.2,
 * 3.2.4) at a byte that is not one of its delimiters: a quoted-pair or a
 * plain byte goes to out (may be NULL), a folding line break is skipped.
 * unterminated and ctl are the reasons for the construct.  0 or the error.
 */
static int
inner(struct ar_cur *c, struct buf *out, const char *unterminated,
    const char *ctl)
{
	unsigned char ch = (unsigned char)c->p[c->pos];
	size_t n;
	bool final;

	if (ch == '\\') {
		if (c->pos + 1 >= c->len)
			return ar_fail(c, MAUTH_ERR_SYNTAX, unterminated);
		ch = (unsigned char)c->p[c->pos + 1];
		if (ar_is_badctl(ch))
			return ar_fail(c, MAUTH_ERR_SYNTAX, ctl);
		putc_opt(out, (char)ch);
		c->pos += 2;
	} else if (ch == '\r' || ch == '\n') {
		if ((n = linebreak(c, &final)) == 0)
			return c->err;
		if (final)
			return ar_fail(c, MAUTH_ERR_SYNTAX, unterminated);
		c->pos += n;
	} else if (ar_is_badctl(ch)) {
		return ar_fail(c, MAUTH_ERR_SYNTAX, ctl);
	} else {
		putc_opt(out, (char)ch);
		c->pos++;
	}
	return 0;
}

/*
 * comment - RFC 5322 3.2.2 comment at '(' (iterative, any nesting depth);
 * the text inside the outer parentheses, quoted-pairs resolved and folding
 * removed, is appended to com (may be NULL).
 */
static int
comment(struct ar_cur *c, struct buf *com)
{
	size_t depth = 0;
	unsigned char ch;

	if (com != NULL && com->len > 0)
		buf_putc(com, ' ');
	for (;;) {
		if (c->pos >= c->len)
			return ar_fail(c, MAUTH_ERR_SYNTAX,
			    "unterminated comment");
		ch = (unsigned char)c->p[c->pos];
		if (ch == '(') {
			if (depth++ > 0)
				putc_opt(com, '(');
			c->pos++;
		} else if (ch == ')') {
			c->pos++;
			if (--depth == 0)
				break;
			putc_opt(com, ')');
		} else if (inner(c, com, "unterminated comment",
		    "control byte in comment") != 0)
			return c->err;
	}
	return bufcheck(c, com);
}

/* ar_cfws - RFC 5322 3.2.2 [CFWS] */
int
ar_cfws(struct ar_cur *c, struct buf *com)
{
	unsigned char ch;
	size_t n;
	bool final;

	while (c->err == 0 && c->pos < c->len) {
		ch = (unsigned char)c->p[c->pos];
		if (ch == ' ' || ch == '\t')
			c->pos++;
		else if (ch == '\r' || ch == '\n') {
			if ((n = linebreak(c, &final)) == 0)
				break;
			c->pos += n;
		} else if (ch == '(') {
			if (comment(c, com) != 0)
				break;
		} else
			break;
	}
	return c->err;
}

/* ar_quoted - RFC 5322 3.2.4 quoted-string at '"'; content to out */
int
ar_quoted(struct ar_cur *c, struct buf *out)
{
	unsigned char ch;

	c->pos++;	/* the opening quote */
	for (;;) {
		if (c->pos >= c->len)
			return ar_fail(c, MAUTH_ERR_SYNTAX,
			    "unterminated quoted-string");
		ch = (unsigned char)c->p[c->pos];
		if (ch == '"') {
			c->pos++;
			break;
		}
		if (inner(c, out, "unterminated quoted-string",
		    "control byte in quoted-string") != 0)
			return c->err;
	}
	return bufcheck(c, out);
}

/* ar_value - RFC 2045 5.1 value := token / quoted-string */
int
ar_value(struct ar_cur *c, struct buf *out)
{
	size_t start = c->pos;

	if (c->pos < c->len && c->p[c->pos] == '"')
		return ar_quoted(c, out);
	while (c->pos < c->len && ar_is_tokenchar((unsigned char)c->p[c->pos]))
		c->pos++;
	if (c->pos == start)
		return ar_fail(c, MAUTH_ERR_SYNTAX, "expected a value");
	buf_append(out, c->p + start, c->pos - start);
	return bufcheck(c, out);
}

/* put_quoted - s[0..n) as a quoted-string, '"' and '\' escaped */
static void
put_quoted(struct buf *out, const char *s, size_t n)
{
	size_t i;

	buf_putc(out, '"');
	for (i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			buf_putc(out, '\\');
		buf_putc(out, s[i]);
	}
	buf_putc(out, '"');
}

/*
 * ar_pvalue - RFC 8601 2.2:
 *   pvalue = [CFWS] ( value / [ [ local-part ] "@" ] domain-name ) [CFWS]
 * (without the CFWS).  An unquoted run of atext, "." and "@" covers token,
 * dot-atom local-part "@" domain, "@" domain and domain; a quoted-string
 * directly followed by "@" is a quoted local-part and the address is
 * returned re-quoted minimally, as one string.
 */
int
ar_pvalue(struct ar_cur *c, struct buf *out)
{
	struct buf q;
	size_t start;

	if (c->pos < c->len && c->p[c->pos] == '"') {
		buf_init(&q, MAUTH_AUTHRES_MAX_VALUE);
		if (ar_quoted(c, &q) != 0) {
			buf_free(&q);
			return c->err;
		}
		if (c->pos < c->len && c->p[c->pos] == '@') {
			c->pos++;
			start = c->pos;
			while (c->pos < c->len &&
			    ar_is_pvchar((unsigned char)c->p[c->pos]))
				c->pos++;
			if (c->pos == start) {
				buf_free(&q);
				return ar_fail(c, MAUTH_ERR_SYNTAX,
				    "expected a domain after '@'");
			}
			put_quoted(out, q.data ? q.data : "", q.len);
			buf_putc(out, '@');
			buf_append(out, c->p + start, c->pos - start);
		} else
			buf_append(out, q.data ? q.data : "", q.len);
		buf_free(&q);
		return bufcheck(c, out);
	}
	start = c->pos;
	while (c->pos < c->len && ar_is_pvchar((unsigned char)c->p[c->pos]))
		c->pos++;
	if (c->pos == start)
		return ar_fail(c, MAUTH_ERR_SYNTAX, "expected a value");
	buf_append(out, c->p + start, c->pos - start);
	return bufcheck(c, out);
}

/* ar_keyword - RFC 8601 2.2 Keyword, lower-cased */
int
ar_keyword(struct ar_cur *c, struct buf *out)
{
	size_t start = c->pos;
	char ch;

	while (c->pos < c->len && ar_is_kwchar((unsigned char)c->p[c->pos])) {
		ch = c->p[c->pos++];
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		buf_putc(out, ch);
	}
	if (c->pos == start)
		return ar_fail(c, MAUTH_ERR_SYNTAX, "expected a keyword");
	return bufcheck(c, out);
}

/* ar_at_end - nothing left but an optional final line break */
bool
ar_at_end(const struct ar_cur *c)
{
	size_t left = c->len - c->pos;

	if (left == 0)
		return true;
	if (left == 1 && c->p[c->pos] == '\n')
		return true;
	return left == 2 && c->p[c->pos] == '\r' && c->p[c->pos + 1] == '\n';
}
