/*
 * authres_build.c - RFC 8601 Authentication-Results generation.
 *
 * Quoting: authserv-id and reason are RFC 2045 values, written as a token
 * when every byte is a token character, else as a quoted-string (RFC 5322
 * 3.2.4, '"' and '\' escaped).  A property value is written bare only when
 * it is a token or [local-part] "@" domain by the letter of RFC 8601 2.2
 * and the parser's own pvalue reader gives it back unchanged, else quoted:
 * so every value re-parses to what was given, and strict readers accept it
 * (header.b=Qgi/FoC0 is read, but written "Qgi/FoC0").  Comments escape '(', ')' and '\'.  Control bytes and
 * NUL cannot be represented in any of these and are refused.
 */
#include <stdlib.h>
#include <string.h>

#include "mauth/authres.h"
#include "mauth/common.h"
#include "authres/authres_int.h"
#include "util/str.h"

#define FIRST_COLUMN	24	/* strlen("Authentication-Results: ") */
#define FOLD_COLUMN	78	/* RFC 5322 2.1.1 */
#define TAB_COLUMNS	8

struct bprop {
	char	*text;		/* "ptype.property=value" */
	char	*comment;	/* "(...)" or NULL */
};

struct bres {
	char		*head;		/* "method[/version]=result" */
	char		*comment;	/* "(...)" or NULL */
	char		*reason;	/* "reason=..." or NULL */
	struct bprop	*props;
	size_t		 nprops;
	size_t		 cap;
};

struct mauth_authres_builder {
	char		*id;		/* authserv-id, quoted as needed */
	int		 version;
	char		*none_comment;	/* "(...)" or NULL */
	struct bres	*res;
	size_t		 nres;
	size_t		 cap;
};

/* check_text - a value we can write: no control byte, within the ceiling */
static int
check_text(const char *s, size_t n)
{
	size_t i;

	if (n > MAUTH_AUTHRES_MAX_VALUE)
		return MAUTH_ERR_LIMIT;
	for (i = 0; i < n; i++)
		if (ar_is_badctl((unsigned char)s[i]))
			return MAUTH_ERR_INVAL;
	return MAUTH_OK;
}

/* check_keyword - RFC 8601 Keyword (letters, digits, '-', '_') */
static int
check_keyword(const char *s)
{
	size_t i, n;

	if (s == NULL || (n = strlen(s)) == 0)
		return MAUTH_ERR_INVAL;
	if (n > MAUTH_AUTHRES_MAX_VALUE)
		return MAUTH_ERR_LIMIT;
	for (i = 0; i < n; i++)
		if (!ar_is_kwchar((unsigned char)s[i]))
			return MAUTH_ERR_INVAL;
	return MAUTH_OK;
}

/* put_keyword - s lower-cased */
static void
put_keyword(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++)
		buf_putc(b, str_lower(*s));
}

/* put_quoted - RFC 5322 3.2.4 quoted-string of s[0..n) */
static void
put_quoted(struct buf *b, const char *s, size_t n)
{
	size_t i;

	buf_putc(b, '"');
	for (i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			buf_putc(b, '\\');
		buf_putc(b, s[i]);
	}
	buf_putc(b, '"');
}

/* put_value - RFC 2045 value: token if possible, else quoted-string */
static void
put_value(struct buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!ar_is_tokenchar((unsigned char)s[i]))
			break;
	if (n > 0 && i == n)
		buf_append(b, s, n);
	else
		put_quoted(b, s, n);
}

/* pvalue_bare - would the parser read s[0..n) back unchanged, unquoted? */
static bool
pvalue_bare(const char *s, size_t n)
{
	struct ar_cur c;
	struct buf v;
	bool same;

	if (n == 0)
		return false;
	memset(&c, 0, sizeof(c));
	c.p = s;
	c.len = n;
	buf_init(&v, MAUTH_AUTHRES_MAX_VALUE);
	same = ar_pvalue(&c, &v) == 0 && c.pos == n && v.err == 0 &&
	    v.len == n && memcmp(v.data, s, n) == 0;
	buf_free(&v);
	return same;
}

/*
 * pvalue_strict - is s[0..n) bare pvalue by the letter of RFC 8601 2.2: a
 * token, or [local-part] "@" domain-name?  The parser also reads atext
 * runs such as header.b=Qgi/FoC0 bare; we do not write them so.
 */
static bool
pvalue_strict(const char *s, size_t n)
{
	const char *at = NULL;
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '@')
			at = s + i;
	if (at == NULL) {
		for (i = 0; i < n; i++)
			if (!ar_is_tokenchar((unsigned char)s[i]))
				return false;
		return true;
	}
	/* the local-part was checked by the parser (dot-atom or quoted) */
	for (at++; at < s + n; at++)
		if (!ar_is_kwchar((unsigned char)*at) && *at != '.')
			return false;
	return true;
}

/* put_pvalue - RFC 8601 pvalue: bare when it re-parses unchanged */
static void
put_pvalue(struct buf *b, const char *s, size_t n)
{
	if (pvalue_bare(s, n) && pvalue_strict(s, n))
		buf_append(b, s, n);
	else
		put_quoted(b, s, n);
}

/*
 * make_comment - "(text)" with '(', ')' and '\' escaped; NULL on ENOMEM.
 * Callers treat an empty text as no comment.
 */
static char *
make_comment(const char *s)
{
	struct buf b;

	buf_init(&b, 0);
	buf_putc(&b, '(');
	for (; *s != '\0'; s++) {
		if (*s == '(' || *s == ')' || *s == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, *s);
	}
	buf_putc(&b, ')');
	if (b.err) {
		buf_free(&b);
		return NULL;
	}
	return buf_take(&b);
}

/* check_comment - a comment we can write (NULL is none) */
static int
check_comment(const char *s)
{
	return s == NULL ? MAUTH_OK : check_text(s, strlen(s));
}

/* no_comment - NULL or empty: nothing to write (the parser sees none) */
static bool
no_comment(const char *s)
{
	return s == NULL || *s == '\0';
}

/* mauth_authres_builder_new - start a header for authserv_id */
int
mauth_authres_builder_new(const char *authserv_id,
    struct mauth_authres_builder **out)
{
	struct mauth_authres_builder *b;
	struct buf t;
	size_t n;
	int rc;

	if (out == NULL)
		return MAUTH_ERR_INVAL;
	*out = NULL;
	if (authserv_id == NULL || (n = strlen(authserv_id)) == 0)
		return MAUTH_ERR_INVAL;
	if ((rc = check_text(authserv_id, n)) != MAUTH_OK)
		return rc;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return MAUTH_ERR_NOMEM;
	b->version = -1;
	buf_init(&t, 0);
	put_value(&t, authserv_id, n);
	if (t.err || (b->id = buf_take(&t)) == NULL) {
		buf_free(&t);
		free(b);
		return MAUTH_ERR_NOMEM;
	}
	*out = b;
	return MAUTH_OK;
}

/* free_res - the strings of one result */
static void
free_res(struct bres *r)
{
	size_t i;

	for (i = 0; i < r->nprops; i++) {
		free(r->props[i].text);
		free(r->props[i].comment);
	}
	free(r->props);
	free(r->head);
	free(r->comment);
	free(r->reason);
	memset(r, 0, sizeof(*r));
}

/* mauth_authres_builder_free - release a builder */
void
mauth_authres_builder_free(struct mauth_authres_builder *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->nres; i++)
		free_res(&b->res[i]);
	free(b->res);
	free(b->id);
	free(b->none_comment);
	free(b);
}

/* mauth_authres_builder_set_version - authres-version after the id */
int
mauth_authres_builder_set_version(struct mauth_authres_builder *b,
    int version)
{
	if (b == NULL || version < -1 || version > 999999999)
		return MAUTH_ERR_INVAL;
	b->version = version;
	return MAUTH_OK;
}

/* mauth_authres_builder_set_none_comment - comment after "none" */
int
mauth_authres_builder_set_none_comment(struct mauth_authres_builder *b,
    const char *comment)
{
	char *c = NULL;
	int rc;

	if (b == NULL)
		return MAUTH_ERR_INVAL;
	if ((rc = check_comment(comment)) != MAUTH_OK)
		return rc;
	if (!no_comment(comment) && (c = make_comment(comment)) == NULL)
		return MAUTH_ERR_NOMEM;
	free(b->none_comment);
	b->none_comment = c;
	return MAUTH_OK;
}

/* mauth_authres_builder_add_result - "method[/version]=result ..." */
int
mauth_authres_builder_add_result(struct mauth_authres_builder *b,
    const char *method, int version, const char *result, const char *reason,
    const char *comment)
{
	struct bres r, *nr;
	struct buf t;
	size_t ncap;
	int rc;

	if (b == NULL || version < -1 || version > 999999999)
		return MAUTH_ERR_INVAL;
	if ((rc = check_keyword(method)) != MAUTH_OK ||
	    (rc = check_keyword(result)) != MAUTH_OK ||
	    (reason != NULL &&
	    (rc = check_text(reason, strlen(reason))) != MAUTH_OK) ||
	    (rc = check_comment(comment)) != MAUTH_OK)
		return rc;
	if (b->nres >= MAUTH_AUTHRES_MAX_RESULTS)
		return MAUTH_ERR_LIMIT;
	if (b->nres == b->cap) {
		ncap = b->cap ? b->cap * 2 : 4;
		if ((nr = reallocarray(b->res, ncap, sizeof(*nr))) == NULL)
			return MAUTH_ERR_NOMEM;
		b->res = nr;
		b->cap = ncap;
	}
	memset(&r, 0, sizeof(r));
	buf_init(&t, 0);
	put_keyword(&t, method);
	if (version >= 0)
		buf_printf(&t, "/%d", version);
	buf_putc(&t, '=');
	put_keyword(&t, result);
	if (t.err || (r.head = buf_take(&t)) == NULL)
		goto nomem;
	if (reason != NULL) {
		buf_puts(&t, "reason=");
		put_value(&t, reason, strlen(reason));
		if (t.err || (r.reason = buf_take(&t)) == NULL)
			goto nomem;
	}
	if (!no_comment(comment) &&
	    (r.comment = make_comment(comment)) == NULL)
		goto nomem;
	buf_free(&t);
	b->res[b->nres++] = r;
	return MAUTH_OK;
nomem:
	buf_free(&t);
	free_res(&r);
	return MAUTH_ERR_NOMEM;
}

/* mauth_authres_builder_set_comment - comment after the last result */
int
mauth_authres_builder_set_comment(struct mauth_authres_builder *b,
    const char *comment)
{
	char *c = NULL;
	int rc;

	if (b == NULL || b->nres == 0)
		return MAUTH_ERR_INVAL;
	if ((rc = check_comment(comment)) != MAUTH_OK)
		return rc;
	if (!no_comment(comment) && (c = make_comment(comment)) == NULL)
		return MAUTH_ERR_NOMEM;
	free(b->res[b->nres - 1].comment);
	b->res[b->nres - 1].comment = c;
	return MAUTH_OK;
}

/* mauth_authres_builder_add_prop - "ptype.property=value" on the last result */
int
mauth_authres_builder_add_prop(struct mauth_authres_builder *b,
    const char *ptype, const char *property, const char *value,
    size_t valuelen, const char *comment)
{
	struct bres *r;
	struct bprop p, *np;
	struct buf t;
	size_t ncap;
	int rc;

	if (b == NULL || b->nres == 0 || value == NULL)
		return MAUTH_ERR_INVAL;
	if ((rc = check_keyword(ptype)) != MAUTH_OK ||
	    (rc = check_keyword(property)) != MAUTH_OK ||
	    (rc = check_text(value, valuelen)) != MAUTH_OK ||
	    (rc = check_comment(comment)) != MAUTH_OK)
		return rc;
	r = &b->res[b->nres - 1];
	if (r->nprops >= MAUTH_AUTHRES_MAX_PROPS)
		return MAUTH_ERR_LIMIT;
	if (r->nprops == r->cap) {
		ncap = r->cap ? r->cap * 2 : 4;
		if ((np = reallocarray(r->props, ncap, sizeof(*np))) == NULL)
			return MAUTH_ERR_NOMEM;
		r->props = np;
		r->cap = ncap;
	}
	memset(&p, 0, sizeof(p));
	buf_init(&t, 0);
	put_keyword(&t, ptype);
	buf_putc(&t, '.');
	put_keyword(&t, property);
	buf_putc(&t, '=');
	put_pvalue(&t, value, valuelen);
	if (t.err || (p.text = buf_take(&t)) == NULL) {
		buf_free(&t);
		return MAUTH_ERR_NOMEM;
	}
	buf_free(&t);
	if (!no_comment(comment) &&
	    (p.comment = make_comment(comment)) == NULL) {
		free(p.text);
		return MAUTH_ERR_NOMEM;
	}
	r->props[r->nprops++] = p;
	return MAUTH_OK;
}

/* pop_result - undo the last add_result (a convenience call that failed) */
static void
pop_result(struct mauth_authres_builder *b)
{
	free_res(&b->res[--b->nres]);
}

/* add_str_prop - add_prop of a C string, skipped when NULL or empty */
static int
add_str_prop(struct mauth_authres_builder *b, const char *ptype,
    const char *property, const char *value)
{
	if (value == NULL || *value == '\0')
		return MAUTH_OK;
	return mauth_authres_builder_add_prop(b, ptype, property, value,
	    strlen(value), NULL);
}

/*
 * address_value - RFC 8601 2.2 pvalue for an address: as given when it is
 * already valid, else with its local-part quoted when it ends in "@domain"
 * (RFC 5322 3.4.1); NULL on ENOMEM.  Other strings are returned as given
 * (put_pvalue() will quote them whole).
 */
static char *
address_value(const char *s)
{
	const char *at;
	struct buf t;
	size_t i, n = strlen(s);

	if (pvalue_bare(s, n) || (at = strrchr(s, '@')) == NULL ||
	    at == s || at[1] == '\0')
		return strdup(s);
	for (i = 1; at[i] != '\0'; i++)
		if (!ar_is_pvchar((unsigned char)at[i]) || at[i] == '@')
			return strdup(s);
	buf_init(&t, 0);
	put_quoted(&t, s, (size_t)(at - s));
	buf_puts(&t, at);
	if (t.err) {
		buf_free(&t);
		return NULL;
	}
	return buf_take(&t);
}

/* mauth_authres_builder_add_spf - RFC 8601 2.7.2 */
int
mauth_authres_builder_add_spf(struct mauth_authres_builder *b,
    const char *result, const char *identity, const char *value,
    const char *reason)
{
	const char *prop;
	char *v;
	int rc;

	if (b == NULL || identity == NULL || value == NULL || *value == '\0')
		return MAUTH_ERR_INVAL;
	if (str_casecmp(identity, "mailfrom") == 0)
		prop = "mailfrom";
	else if (str_casecmp(identity, "helo") == 0)
		prop = "helo";
	else
		return MAUTH_ERR_INVAL;
	if ((rc = check_text(value, strlen(value))) != MAUTH_OK)
		return rc;
	if ((rc = mauth_authres_builder_add_result(b, "spf", -1, result,
	    reason, NULL)) != MAUTH_OK)
		return rc;
	v = prop[0] == 'm' ? address_value(value) : strdup(value);
	if (v == NULL) {
		pop_result(b);
		return MAUTH_ERR_NOMEM;
	}
	rc = add_str_prop(b, "smtp", prop, v);
	free(v);
	if (rc != MAUTH_OK)
		pop_result(b);
	return rc;
}

/* mauth_authres_builder_add_dkim - RFC 8601 2.7.1, RFC 6008 (header.b) */
int
mauth_authres_builder_add_dkim(struct mauth_authres_builder *b,
    const char *result, const char *d, const char *i, const char *a,
    const char *s, const char *bprefix, const char *reason)
{
	char *iv = NULL;
	int rc;

	if ((rc = mauth_authres_builder_add_result(b, "dkim", -1, result,
	    reason, NULL)) != MAUTH_OK)
		return rc;
	if (i != NULL && *i != '\0' && (iv = address_value(i)) == NULL) {
		pop_result(b);
		return MAUTH_ERR_NOMEM;
	}
	if ((rc = add_str_prop(b, "header", "d", d)) != MAUTH_OK ||
	    (rc = add_str_prop(b, "header", "i", iv)) != MAUTH_OK ||
	    (rc = add_str_prop(b, "header", "a", a)) != MAUTH_OK ||
	    (rc = add_str_prop(b, "header", "s", s)) != MAUTH_OK ||
	    (rc = add_str_prop(b, "header", "b", bprefix)) != MAUTH_OK)
		pop_result(b);
	free(iv);
	return rc;
}

/* mauth_authres_builder_add_dmarc - RFC 7489 11.1 / RFC 9989 */
int
mauth_authres_builder_add_dmarc(struct mauth_authres_builder *b,
    const char *result, const char *header_from, const char *policy,
    const char *reason)
{
	int rc;

	if ((rc = mauth_authres_builder_add_result(b, "dmarc", -1, result,
	    reason, NULL)) != MAUTH_OK)
		return rc;
	if ((rc = add_str_prop(b, "header", "from", header_from)) !=
	    MAUTH_OK ||
	    (rc = add_str_prop(b, "policy", "dmarc", policy)) != MAUTH_OK)
		pop_result(b);
	return rc;
}

/* put_piece - one piece after a separator, folded when it would not fit */
static void
put_piece(struct buf *o, const char *piece, bool fold, const char *nl,
    size_t *col)
{
	size_t n = strlen(piece);

	if (fold && *col + 1 + n > FOLD_COLUMN) {
		buf_puts(o, nl);
		buf_putc(o, '\t');
		*col = TAB_COLUMNS;
	} else {
		buf_putc(o, ' ');
		(*col)++;
	}
	buf_puts(o, piece);
	*col += n;
}

/* mauth_authres_builder_finish - RFC 8601 2.2 authres-payload */
int
mauth_authres_builder_finish(struct mauth_authres_builder *b, int fold,
    char **text, size_t *lenp)
{
	const struct bres *r;
	const char *nl;
	struct buf o;
	size_t i, j, col;
	bool folding;
	int rc;

	if (b == NULL || text == NULL)
		return MAUTH_ERR_INVAL;
	*text = NULL;
	switch (fold) {
	case MAUTH_AUTHRES_FOLD_NONE:
		nl = "";
		break;
	case MAUTH_AUTHRES_FOLD_LF:
		nl = "\n";
		break;
	case MAUTH_AUTHRES_FOLD_CRLF:
		nl = "\r\n";
		break;
	default:
		return MAUTH_ERR_INVAL;
	}
	folding = fold != MAUTH_AUTHRES_FOLD_NONE;
	buf_init(&o, MAUTH_AUTHRES_MAX_INPUT);
	buf_puts(&o, b->id);
	if (b->version >= 0)
		buf_printf(&o, " %d", b->version);
	col = FIRST_COLUMN + o.len;
	if (b->nres == 0) {
		buf_puts(&o, "; none");
		col += 6;
		if (b->none_comment != NULL)
			put_piece(&o, b->none_comment, folding, nl, &col);
	}
	for (i = 0; i < b->nres; i++) {
		r = &b->res[i];
		buf_putc(&o, ';');
		col++;
		if (folding) {
			buf_puts(&o, nl);
			buf_putc(&o, '\t');
			col = TAB_COLUMNS;
		} else {
			buf_putc(&o, ' ');
			col++;
		}
		buf_puts(&o, r->head);
		col += strlen(r->head);
		if (r->comment != NULL)
			put_piece(&o, r->comment, folding, nl, &col);
		if (r->reason != NULL)
			put_piece(&o, r->reason, folding, nl, &col);
		for (j = 0; j < r->nprops; j++) {
			put_piece(&o, r->props[j].text, folding, nl, &col);
			if (r->props[j].comment != NULL)
				put_piece(&o, r->props[j].comment, folding,
				    nl, &col);
		}
	}
	if (o.err) {
		rc = o.err == MAUTH_ERR_NOMEM ? MAUTH_ERR_NOMEM :
		    MAUTH_ERR_LIMIT;
		buf_free(&o);
		return rc;
	}
	if (lenp != NULL)
		*lenp = o.len;
	if ((*text = buf_take(&o)) == NULL)
		return MAUTH_ERR_NOMEM;
	return MAUTH_OK;
}
