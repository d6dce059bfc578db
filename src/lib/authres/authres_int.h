/*
 * authres_int.h - internals shared by the Authentication-Results parser and
 * builder: character classes and the lexical readers (RFC 8601 2.2,
 * RFC 5322 3.2, RFC 2045 5.1).
 */
#ifndef MAUTH_AUTHRES_INT_H
#define MAUTH_AUTHRES_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* A read position over untrusted bytes; never moves past len. */
struct ar_cur {
	const char	*p;
	size_t		 len;
	size_t		 pos;
	const char	*why;	/* reason of the first error */
	size_t		 at;	/* its offset */
	int		 err;	/* 0 or MAUTH_ERR_* */
};

/* RFC 2045 5.1 token character (US-ASCII, no SPACE, CTL or tspecial) */
bool	ar_is_tokenchar(unsigned char c);
/* RFC 5322 3.2.3 atext, ASCII only */
bool	ar_is_atext(unsigned char c);
/* unquoted pvalue character: atext, "." or "@" */
bool	ar_is_pvchar(unsigned char c);
/* keyword character (RFC 5321 ldh-str, plus "_") */
bool	ar_is_kwchar(unsigned char c);
/* control byte that no value may hold (everything below 0x20 but HTAB, and DEL) */
bool	ar_is_badctl(unsigned char c);

/* ar_fail - record the first error at the current position; returns err */
int	ar_fail(struct ar_cur *c, int err, const char *why);

/*
 * ar_cfws - skip [CFWS]: white space, folding (CRLF or LF followed by WSP)
 * and comments, nested.  Comment text (quoted-pairs resolved, outer
 * parentheses dropped) is appended to com when not NULL, several comments
 * joined by one space.  Returns 0 or the error.
 */
int	ar_cfws(struct ar_cur *c, struct buf *com);

/* ar_quoted - a quoted-string at the cursor (which is at '"'), content to out */
int	ar_quoted(struct ar_cur *c, struct buf *out);

/* ar_value - RFC 2045 value: token or quoted-string, to out; empty token fails */
int	ar_value(struct ar_cur *c, struct buf *out);

/*
 * ar_pvalue - RFC 8601 pvalue without its CFWS: a quoted-string (content),
 * a quoted local-part followed by "@" and a domain (kept as written), or a
 * run of atext, "." and "@".
 */
int	ar_pvalue(struct ar_cur *c, struct buf *out);

/* ar_keyword - 1*kwchar, lower-cased, to out; none there fails */
int	ar_keyword(struct ar_cur *c, struct buf *out);

/* ar_at_end - true when only one optional trailing line break remains */
bool	ar_at_end(const struct ar_cur *c);

#endif
