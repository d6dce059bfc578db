/*
 * authres_parse.c - RFC 8601 2.2 Authentication-Results parser, and the
 * authserv-id reader used to recognise forged headers (RFC 8601 5).
 *
 *   authres-payload = [CFWS] authserv-id [ CFWS authres-version ]
 *                     ( no-result / 1*resinfo ) [CFWS] CRLF
 *   resinfo    = [CFWS] ";" methodspec [ CFWS reasonspec ]
 *                [ CFWS 1*propspec ]
 *   methodspec = [CFWS] method [CFWS] "=" [CFWS] result
 *   reasonspec = "reason" [CFWS] "=" [CFWS] value
 *   propspec   = ptype [CFWS] "." [CFWS] property [CFWS] "=" pvalue
 *
 * The full parser and mauth_authres_authserv_id_get() share read_id(), so
 * that the milter's idea of a header's authserv-id is the parser's.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mauth/authres.h"
#include "mauth/common.h"
#include "authres/authres_int.h"
#include "util/errbuf.h"
#include "util/str.h"

struct mauth_authres {
	char				*id;
	int				 version;
	char				*none_comment;
	size_t				 nres;
	struct mauth_authres_result	*res;
};

/* take - the buffer's text as a new string (NULL on error, cursor told) */
static char *
take(struct ar_cur *c, struct buf *b)
{
	char *s;

	if (b->err != 0) {
		ar_fail(c, b->err == MAUTH_ERR_NOMEM ? MAUTH_ERR_NOMEM :
		    MAUTH_ERR_LIMIT, "value longer than the limit");
		return NULL;
	}
	if ((s = buf_take(b)) == NULL)
		ar_fail(c, MAUTH_ERR_NOMEM, "out of memory");
	return s;
}

/* take_comment - like take(), NULL without error when there is no text */
static char *
take_comment(struct ar_cur *c, struct buf *b)
{
	if (b->err == 0 && b->len == 0)
		return NULL;
	return take(c, b);
}

/*
 * read_id - RFC 8601 2.2/2.5: [CFWS] authserv-id, authserv-id = value
 * (RFC 2045 token or quoted-string).  Comments before it are skipped, never
 * taken for the id.
 */
static int
read_id(struct ar_cur *c, struct buf *id)
{
	if (ar_cfws(c, NULL) != 0)
		return c->err;
	if (c->pos >= c->len)
		return ar_fail(c, MAUTH_ERR_SYNTAX, "no authserv-id");
	if (ar_value(c, id) != 0)
		return ar_fail(c, MAUTH_ERR_SYNTAX, "no authserv-id");
	if (id->len == 0 && id->err == 0)	/* "" names no service */
		return ar_fail(c, MAUTH_ERR_SYNTAX, "empty authserv-id");
	return 0;
}

/* digits - 1*DIGIT as a number (at most 9 digits) */
static int
digits(struct ar_cur *c, int *out)
{
	size_t start = c->pos;
	uint64_t v;

	while (c->pos < c->len && c->p[c->pos] >= '0' && c->p[c->pos] <= '9')
		c->pos++;
	if (c->pos == start)
		return ar_fail(c, MAUTH_ERR_SYNTAX, "expected a version number");
	if (!str_to_u64(c->p + start, c->pos - start, 999999999, &v))
		return ar_fail(c, MAUTH_ERR_SYNTAX, "version number too large");
	*out = (int)v;
	return 0;
}

/* peek - the byte at the cursor, or -1 at the end */
static int
peek(const struct ar_cur *c)
{
	return c->pos < c->len ? (unsigned char)c->p[c->pos] : -1;
}

/* free_result - the strings of one result */
static void
free_result(struct mauth_authres_result *r)
{
	size_t i;

	for (i = 0; i < r->nprops; i++) {
		free((char *)r->props[i].ptype);
		free((char *)r->props[i].property);
		free((char *)r->props[i].value);
		free((char *)r->props[i].comment);
	}
	free((void *)r->props);
	free((char *)r->method);
	free((char *)r->result);
	free((char *)r->reason);
	free((char *)r->comment);
}

/* mauth_authres_free - release a parsed header */
void
mauth_authres_free(struct mauth_authres *ar)
{
	size_t i;

	if (ar == NULL)
		return;
	for (i = 0; i < ar->nres; i++)
		free_result(&ar->res[i]);
	free(ar->res);
	free(ar->id);
	free(ar->none_comment);
	free(ar);
}

/*
 * read_prop - the rest of a propspec after its first keyword (ptype):
 * [CFWS] "." [CFWS] property [CFWS] "=" pvalue [CFWS].  A bare "name=pvalue" (no ptype)
 * is read and dropped: *keep is false (authres does the same).
 */
static int
read_prop(struct ar_cur *c, struct mauth_authres_prop *pr, bool *keep)
{
	struct buf prop, val, com;

	*keep = false;
	buf_init(&prop, MAUTH_AUTHRES_MAX_VALUE);
	buf_init(&val, MAUTH_AUTHRES_MAX_VALUE);
	buf_init(&com, MAUTH_AUTHRES_MAX_VALUE);
	if (ar_cfws(c, &com) != 0)
		goto out;
	if (peek(c) == '.') {
		c->pos++;
		if (ar_cfws(c, &com) != 0)
			goto out;
		if (ar_keyword(c, &prop) != 0) {
			ar_fail(c, MAUTH_ERR_SYNTAX, "expected a property name");
			goto out;
		}
		if (ar_cfws(c, &com) != 0)
			goto out;
		if (peek(c) != '=') {
			ar_fail(c, MAUTH_ERR_SYNTAX, "expected '=' after property");
			goto out;
		}
		*keep = true;
	} else if (peek(c) != '=') {
		ar_fail(c, MAUTH_ERR_SYNTAX, "expected '.' or '=' in property");
		goto out;
	}
	c->pos++;	/* '=' */
	if (ar_cfws(c, &com) != 0 || ar_pvalue(c, &val) != 0 ||
	    ar_cfws(c, &com) != 0)
		goto out;
	if (*keep) {
		pr->property = take(c, &prop);
		pr->value = take(c, &val);
		pr->comment = take_comment(c, &com);
	}
out:
	buf_free(&prop);
	buf_free(&val);
	buf_free(&com);
	return c->err;
}

/* add_prop - append pr to r (MAUTH_AUTHRES_MAX_PROPS ceiling) */
static int
add_prop(struct ar_cur *c, struct mauth_authres_result *r, size_t *cap,
    const struct mauth_authres_prop *pr)
{
	struct mauth_authres_prop *np;
	size_t ncap;

	if (r->nprops >= MAUTH_AUTHRES_MAX_PROPS)
		return ar_fail(c, MAUTH_ERR_LIMIT, "too many properties");
	if (r->nprops == *cap) {
		ncap = *cap ? *cap * 2 : 4;
		if (ncap > MAUTH_AUTHRES_MAX_PROPS)
			ncap = MAUTH_AUTHRES_MAX_PROPS;
		np = reallocarray((void *)r->props, ncap, sizeof(*np));
		if (np == NULL)
			return ar_fail(c, MAUTH_ERR_NOMEM, "out of memory");
		r->props = np;
		*cap = ncap;
	}
	((struct mauth_authres_prop *)r->props)[r->nprops++] = *pr;
	return 0;
}

/*
 * read_resinfo - one resinfo after its ";": methodspec, optional
 * reasonspec, properties.  Comments before the first property go to the
 * result's comment.
 */
static int
read_resinfo(struct ar_cur *c, struct mauth_authres_result *r)
{
	struct mauth_authres_prop pr;
	struct buf kw, com, reason;
	size_t cap = 0, save, comlen;
	bool keep;

	buf_init(&kw, MAUTH_AUTHRES_MAX_VALUE);
	buf_init(&com, MAUTH_AUTHRES_MAX_VALUE);
	buf_init(&reason, MAUTH_AUTHRES_MAX_VALUE);
	r->version = -1;
	/* methodspec = [CFWS] method [CFWS] "=" [CFWS] result */
	if (ar_keyword(c, &kw) != 0) {
		ar_fail(c, MAUTH_ERR_SYNTAX, "expected a method");
		goto out;
	}
	if ((r->method = take(c, &kw)) == NULL)
		goto out;
	if (ar_cfws(c, &com) != 0)
		goto out;
	if (peek(c) == '/') {
		c->pos++;
		if (ar_cfws(c, &com) != 0 || digits(c, &r->version) != 0 ||
		    ar_cfws(c, &com) != 0)
			goto out;
	}
	if (peek(c) != '=') {
		ar_fail(c, MAUTH_ERR_SYNTAX, "expected '=' after method");
		goto out;
	}
	c->pos++;
	if (ar_cfws(c, &com) != 0)
		goto out;
	if (ar_keyword(c, &kw) != 0) {
		ar_fail(c, MAUTH_ERR_SYNTAX, "expected a result");
		goto out;
	}
	if ((r->result = take(c, &kw)) == NULL || ar_cfws(c, &com) != 0)
		goto out;
	/* reasonspec = "reason" [CFWS] "=" [CFWS] value */
	save = c->pos;
	comlen = com.len;
	if (c->len - c->pos >= 6 &&
	    str_caseeq_n(c->p + c->pos, 6, "reason", 6) &&
	    (c->pos + 6 == c->len ||
	    !ar_is_kwchar((unsigned char)c->p[c->pos + 6]))) {
		c->pos += 6;
		if (ar_cfws(c, &com) != 0)
			goto out;
		if (peek(c) == '=') {
			c->pos++;
			if (ar_cfws(c, &com) != 0 || ar_value(c, &reason) != 0)
				goto out;
			if ((r->reason = take(c, &reason)) == NULL ||
			    ar_cfws(c, &com) != 0)
				goto out;
		} else {
			/* a ptype named "reason": read it again as one */
			c->pos = save;
			com.len = comlen;
			if (com.data != NULL)
				com.data[comlen] = '\0';
		}
	}
	if ((r->comment = take_comment(c, &com)) == NULL && c->err != 0)
		goto out;
	/* 1*propspec, until ";" or the end */
	while (c->err == 0 && peek(c) != ';' && !ar_at_end(c)) {
		memset(&pr, 0, sizeof(pr));
		if (ar_keyword(c, &kw) != 0) {
			ar_fail(c, MAUTH_ERR_SYNTAX,
			    "expected ';' or a property");
			break;
		}
		pr.ptype = take(c, &kw);
		if (pr.ptype == NULL || read_prop(c, &pr, &keep) != 0 || !keep ||
		    add_prop(c, r, &cap, &pr) != 0) {
			free((char *)pr.ptype);
			free((char *)pr.property);
			free((char *)pr.value);
			free((char *)pr.comment);
		}
	}
out:
	buf_free(&kw);
	buf_free(&com);
	buf_free(&reason);
	return c->err;
}

/* mauth_authres_parse - RFC 8601 2.2 authres-payload (after the colon) */
int
mauth_authres_parse(const char *value, size_t len, struct mauth_authres **out,
    char *errbuf, size_t errlen)
{
	struct mauth_authres *ar;
	struct mauth_authres_result *nr;
	struct ar_cur c;
	struct buf b;
	size_t cap = 0, ncap;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (value == NULL || out == NULL) {
		seterr(errbuf, errlen, "no header value");
		return MAUTH_ERR_INVAL;
	}
	if (len > MAUTH_AUTHRES_MAX_INPUT) {
		seterr(errbuf, errlen, "header value longer than %d bytes",
		    MAUTH_AUTHRES_MAX_INPUT);
		return MAUTH_ERR_LIMIT;
	}
	if ((ar = calloc(1, sizeof(*ar))) == NULL) {
		seterr(errbuf, errlen, "out of memory");
		return MAUTH_ERR_NOMEM;
	}
	ar->version = -1;
	memset(&c, 0, sizeof(c));
	c.p = value;
	c.len = len;
	buf_init(&b, MAUTH_AUTHRES_MAX_VALUE);
	if (read_id(&c, &b) != 0 || (ar->id = take(&c, &b)) == NULL)
		goto out;
	if (ar_cfws(&c, NULL) != 0)
		goto out;
	/* [ CFWS authres-version ]: the CFWS is required */
	if (peek(&c) >= '0' && peek(&c) <= '9') {
		if (c.pos > 0 && c.p[c.pos - 1] != ' ' &&
		    c.p[c.pos - 1] != '\t' && c.p[c.pos - 1] != ')') {
			ar_fail(&c, MAUTH_ERR_SYNTAX,
			    "expected ';' after authserv-id");
			goto out;
		}
		if (digits(&c, &ar->version) != 0 || ar_cfws(&c, NULL) != 0)
			goto out;
	}
	for (;;) {
		if (peek(&c) != ';') {
			ar_fail(&c, MAUTH_ERR_SYNTAX, ar->nres == 0 ? "expected ';' after authserv-id" :
			    "expected ';' between results");
			goto out;
		}
		c.pos++;
		if (ar_cfws(&c, NULL) != 0)
			goto out;
		/* no-result = [CFWS] ";" [CFWS] "none" */
		if (ar->nres == 0 && c.len - c.pos >= 4 &&
		    str_caseeq_n(c.p + c.pos, 4, "none", 4) &&
		    (c.pos + 4 == c.len ||
		    !ar_is_kwchar((unsigned char)c.p[c.pos + 4]))) {
			size_t save = c.pos;

			c.pos += 4;
			buf_reset(&b);
			if (ar_cfws(&c, &b) != 0)
				goto out;
			if (peek(&c) != '=' && peek(&c) != '/') {
				if (!ar_at_end(&c)) {
					ar_fail(&c, MAUTH_ERR_SYNTAX,
					    "text after \"none\"");
					goto out;
				}
				ar->none_comment = take_comment(&c, &b);
				goto out;
			}
			c.pos = save;	/* a method named "none" */
		}
		if (ar->nres >= MAUTH_AUTHRES_MAX_RESULTS) {
			ar_fail(&c, MAUTH_ERR_LIMIT, "too many results");
			goto out;
		}
		if (ar->nres == cap) {
			ncap = cap ? cap * 2 : 4;
			if (ncap > MAUTH_AUTHRES_MAX_RESULTS)
				ncap = MAUTH_AUTHRES_MAX_RESULTS;
			nr = reallocarray(ar->res, ncap, sizeof(*nr));
			if (nr == NULL) {
				ar_fail(&c, MAUTH_ERR_NOMEM, "out of memory");
				goto out;
			}
			ar->res = nr;
			cap = ncap;
		}
		memset(&ar->res[ar->nres], 0, sizeof(ar->res[0]));
		ar->nres++;
		if (read_resinfo(&c, &ar->res[ar->nres - 1]) != 0)
			goto out;
		if (ar_at_end(&c))
			break;
	}
out:
	buf_free(&b);
	if ((rc = c.err) != 0) {
		seterr(errbuf, errlen, "%s at offset %zu", c.why, c.at);
		mauth_authres_free(ar);
		return rc;
	}
	*out = ar;
	return MAUTH_OK;
}

/* mauth_authres_authserv_id - the authserv-id, unquoted */
const char *
mauth_authres_authserv_id(const struct mauth_authres *ar)
{
	return ar->id;
}

/* mauth_authres_version - authres-version or -1 */
int
mauth_authres_version(const struct mauth_authres *ar)
{
	return ar->version;
}

/* mauth_authres_nresults - resinfo count */
size_t
mauth_authres_nresults(const struct mauth_authres *ar)
{
	return ar->nres;
}

/* mauth_authres_result - resinfo i or NULL */
const struct mauth_authres_result *
mauth_authres_result(const struct mauth_authres *ar, size_t i)
{
	return i < ar->nres ? &ar->res[i] : NULL;
}

/* mauth_authres_none_comment - comment after "none" or NULL */
const char *
mauth_authres_none_comment(const struct mauth_authres *ar)
{
	return ar->none_comment;
}

/* mauth_authres_prop_value - first ptype.property of r */
const char *
mauth_authres_prop_value(const struct mauth_authres_result *r,
    const char *ptype, const char *property)
{
	size_t i;

	if (r == NULL || ptype == NULL || property == NULL)
		return NULL;
	for (i = 0; i < r->nprops; i++)
		if (str_casecmp(r->props[i].ptype, ptype) == 0 &&
		    str_casecmp(r->props[i].property, property) == 0)
			return r->props[i].value;
	return NULL;
}

/* mauth_authres_authserv_id_get - the authserv-id alone (RFC 8601 5) */
int
mauth_authres_authserv_id_get(const char *value, size_t len, char *buf,
    size_t buflen)
{
	struct ar_cur c;
	struct buf b;
	int rc;

	if (value == NULL || buf == NULL || buflen == 0)
		return MAUTH_ERR_INVAL;
	buf[0] = '\0';
	memset(&c, 0, sizeof(c));
	c.p = value;
	c.len = len;
	buf_init(&b, buflen - 1);
	rc = read_id(&c, &b);
	if (rc == 0 && b.err != 0)
		rc = b.err == MAUTH_ERR_NOMEM ? MAUTH_ERR_NOMEM :
		    MAUTH_ERR_LIMIT;
	if (rc == 0)
		memcpy(buf, b.data ? b.data : "", b.len + 1);
	buf_free(&b);
	return rc;
}

/* idlen - length of s without one trailing dot */
static size_t
idlen(const char *s, size_t n)
{
	return n > 0 && s[n - 1] == '.' ? n - 1 : n;
}

/* mauth_authres_is_ours - RFC 8601 5: does this header claim our id? */
int
mauth_authres_is_ours(const char *value, size_t len, const char *our_id)
{
	char id[MAUTH_AUTHRES_MAX_VALUE + 2];
	size_t ourlen;
	int rc;

	if (value == NULL || our_id == NULL)
		return MAUTH_ERR_INVAL;
	ourlen = strlen(our_id);
	if (ourlen == 0 || ourlen > MAUTH_AUTHRES_MAX_VALUE)
		return MAUTH_ERR_INVAL;
	/* room for our id, a trailing dot and one byte more */
	rc = mauth_authres_authserv_id_get(value, len, id, ourlen + 3);
	if (rc == MAUTH_ERR_LIMIT)
		return 0;	/* longer than ours: another id */
	if (rc != MAUTH_OK)
		return rc;
	return str_caseeq_n(id, idlen(id, strlen(id)), our_id,
	    idlen(our_id, ourlen)) ? 1 : 0;
}
