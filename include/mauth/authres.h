/*
 * mauth/authres.h - RFC 8601 Authentication-Results: parsing and generation.
 *
 * The parser reads one header field value (the bytes after
 * "Authentication-Results:"), folded or not, with comments anywhere CFWS is
 * allowed, and returns its data: authserv-id, version, and each resinfo
 * (method, method version, result, reason, properties, comments).  It never
 * reads past the given length and refuses NUL and other control bytes.
 *
 * mauth_authres_authserv_id() and mauth_authres_is_ours() read only the
 * authserv-id, with the same rules as the full parser, so that a forged
 * header is recognised even when the rest of it is malformed (RFC 8601 5).
 *
 * The builder writes one header field value: authserv-id, then one resinfo
 * per result added, or "none".  It takes result words ("pass", "fail", ...),
 * not the engines' enums.  A value is written bare only when it is an
 * RFC 2045 token or [local-part] "@" domain and the parser reads it back
 * unchanged, otherwise as a quoted-string; every generated value parses
 * back to the data given.
 */
#ifndef MAUTH_AUTHRES_H
#define MAUTH_AUTHRES_H

#include <stdbool.h>
#include <stddef.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Ceilings, for parsing and building alike. */
#define MAUTH_AUTHRES_MAX_INPUT		65536	/* bytes of one header value */
#define MAUTH_AUTHRES_MAX_VALUE		4096	/* bytes of one value, reason or comment */
#define MAUTH_AUTHRES_MAX_RESULTS	256	/* resinfo per header */
#define MAUTH_AUTHRES_MAX_PROPS		256	/* properties per resinfo */

/*
 * One property ("ptype.property=value").  ptype and property are lower-cased
 * (they are case-insensitive); value is as written, with quoting removed
 * (a quoted local-part before "@domain" keeps its quotes: it is part of the
 * address).  comment is the text of the comment(s) after the value, without
 * the outer parentheses and with quoted-pairs resolved, or NULL.
 */
struct mauth_authres_prop {
	const char	*ptype;		/* "smtp", "header", "body", "policy", or any keyword */
	const char	*property;
	const char	*value;
	const char	*comment;
};

/*
 * One resinfo.  method and result are lower-cased.  version is the method
 * version ("dkim/1"), -1 when absent.  reason is the reasonspec value
 * (RFC 8601 2.5) or NULL.  comment collects the comments between the method
 * and the first property (joined by one space), or NULL.
 */
struct mauth_authres_result {
	const char			*method;
	int				 version;
	const char			*result;
	const char			*reason;
	const char			*comment;
	size_t				 nprops;
	const struct mauth_authres_prop	*props;
};

struct mauth_authres;

/*
 * mauth_authres_parse - parse value[0..len), the field body after the colon.
 * On MAUTH_OK *out holds the parsed header, owned by the caller (free it with
 * mauth_authres_free()).  Otherwise *out is NULL and errbuf (may be NULL)
 * gets a one-line reason with the byte offset:
 *   MAUTH_ERR_SYNTAX  not RFC 8601 syntax (also: NUL or control bytes, a line
 *                     break not followed by white space, unterminated
 *                     comment or quoted-string)
 *   MAUTH_ERR_LIMIT   longer than MAUTH_AUTHRES_MAX_INPUT, a value longer
 *                     than MAUTH_AUTHRES_MAX_VALUE, more than
 *                     MAUTH_AUTHRES_MAX_RESULTS resinfo or
 *                     MAUTH_AUTHRES_MAX_PROPS properties in one
 *   MAUTH_ERR_INVAL   value or out is NULL
 *   MAUTH_ERR_NOMEM
 * Deliberate leniencies: a line break may be a bare LF; one trailing line
 * break is ignored; a property without "ptype." ("version=TLSv1.2") is
 * skipped, as the authres library does; an unquoted pvalue may hold any
 * RFC 5322 atext plus "." and "@" (header.b=Qgi/FoC0).
 */
MAUTH_API int mauth_authres_parse(const char *value, size_t len,
    struct mauth_authres **out, char *errbuf, size_t errlen) MAUTH_WUR;
MAUTH_API void mauth_authres_free(struct mauth_authres *ar);

/* The authserv-id, quoting removed; borrowed until mauth_authres_free(). */
MAUTH_API const char *mauth_authres_authserv_id(const struct mauth_authres *ar);
/* authres-version, -1 when absent */
MAUTH_API int mauth_authres_version(const struct mauth_authres *ar);
/* resinfo count; 0 for "none" */
MAUTH_API size_t mauth_authres_nresults(const struct mauth_authres *ar);
/* resinfo i (0-based), NULL if out of range; borrowed */
MAUTH_API const struct mauth_authres_result *mauth_authres_result(
    const struct mauth_authres *ar, size_t i);
/* comment after "none", or NULL; borrowed */
MAUTH_API const char *mauth_authres_none_comment(const struct mauth_authres *ar);
/*
 * mauth_authres_prop_value - value of the first property ptype.property of r
 * (names compared case-insensitively), NULL if absent; borrowed.
 */
MAUTH_API const char *mauth_authres_prop_value(
    const struct mauth_authres_result *r, const char *ptype,
    const char *property);

/*
 * mauth_authres_authserv_id_get - read only the authserv-id of value[0..len):
 * leading CFWS (nested comments, folding) skipped, then a token or a
 * quoted-string, exactly as mauth_authres_parse() reads it.  What follows is
 * not looked at, so a header malformed after its authserv-id still yields it.
 * The id, NUL-terminated and unquoted, goes to buf.
 * Returns MAUTH_OK, MAUTH_ERR_SYNTAX (no readable authserv-id: none, an
 * empty quoted-string "", unterminated comment or quoted-string, control
 * bytes), MAUTH_ERR_LIMIT
 * (does not fit in buflen), MAUTH_ERR_INVAL (NULL arguments, buflen 0).
 */
MAUTH_API int mauth_authres_authserv_id_get(const char *value, size_t len,
    char *buf, size_t buflen) MAUTH_WUR;

/*
 * mauth_authres_is_ours - does value[0..len) carry our_id as its authserv-id?
 * ASCII case-insensitive, one trailing dot ignored on either side.  Returns
 * 1 (ours: a forgery if it arrived from outside, remove it, RFC 8601 5),
 * 0 (another authserv-id), or a negative status: MAUTH_ERR_SYNTAX when no
 * authserv-id can be read (the caller decides; removing such a header is
 * the cautious choice), MAUTH_ERR_INVAL for NULL or empty our_id or one
 * longer than MAUTH_AUTHRES_MAX_VALUE.
 * Our id appearing elsewhere (in a comment, as a property value) does not
 * make a header ours.
 */
MAUTH_API int mauth_authres_is_ours(const char *value, size_t len,
    const char *our_id);

/* ---- generation ---- */

struct mauth_authres_builder;

/* Folding of the finished value. */
enum mauth_authres_fold {
	MAUTH_AUTHRES_FOLD_NONE = 0,	/* one line, resinfo separated by "; " */
	MAUTH_AUTHRES_FOLD_LF = 1,	/* each resinfo on its own line, "\n\t" (milter style) */
	MAUTH_AUTHRES_FOLD_CRLF = 2	/* same with "\r\n\t" */
};

/*
 * mauth_authres_builder_new - a builder for authserv_id (copied).
 * Returns MAUTH_ERR_INVAL (empty id, control bytes), MAUTH_ERR_LIMIT (id
 * longer than MAUTH_AUTHRES_MAX_VALUE), MAUTH_ERR_NOMEM.
 *
 * All builder strings are NUL-terminated and copied.  Keywords (method,
 * result, ptype, property) must be letters, digits, '-' or '_' and are
 * written lower-cased; values, reasons and comments may hold any byte but
 * control bytes (HTAB is allowed) and NUL, else MAUTH_ERR_INVAL.  An empty
 * comment is no comment.  A failed call adds nothing; the builder stays
 * usable.
 */
MAUTH_API int mauth_authres_builder_new(const char *authserv_id,
    struct mauth_authres_builder **out) MAUTH_WUR;
MAUTH_API void mauth_authres_builder_free(struct mauth_authres_builder *b);

/* authres-version after the authserv-id (0..999999999); -1 (default) = none */
MAUTH_API int mauth_authres_builder_set_version(
    struct mauth_authres_builder *b, int version) MAUTH_WUR;
/* comment written after "none" when no result is added; NULL clears */
MAUTH_API int mauth_authres_builder_set_none_comment(
    struct mauth_authres_builder *b, const char *comment) MAUTH_WUR;

/*
 * mauth_authres_builder_add_result - a generic resinfo:
 * "method[/version]=result [(comment)] [reason=...]".  version -1 = none;
 * reason and comment may be NULL.  MAUTH_ERR_LIMIT past
 * MAUTH_AUTHRES_MAX_RESULTS.
 */
MAUTH_API int mauth_authres_builder_add_result(
    struct mauth_authres_builder *b, const char *method, int version,
    const char *result, const char *reason, const char *comment) MAUTH_WUR;
/*
 * mauth_authres_builder_add_prop - append "ptype.property=value [(comment)]"
 * to the last result added (MAUTH_ERR_INVAL if there is none).  value is
 * value[0..valuelen) so that a NUL inside is seen and refused.
 */
MAUTH_API int mauth_authres_builder_add_prop(struct mauth_authres_builder *b,
    const char *ptype, const char *property, const char *value,
    size_t valuelen, const char *comment) MAUTH_WUR;
/* comment after the result of the last result added; NULL clears */
MAUTH_API int mauth_authres_builder_set_comment(
    struct mauth_authres_builder *b, const char *comment) MAUTH_WUR;

/*
 * mauth_authres_builder_add_spf - "spf=RESULT [reason=...] smtp.mailfrom=ADDR"
 * (identity "mailfrom") or "... smtp.helo=NAME" (identity "helo").
 * A MAIL FROM address is written as an address: when it is not already a
 * valid addr-spec but ends in "@domain", its local-part is quoted
 * ("john doe@example.com" -> "\"john doe\"@example.com").  An empty MAIL
 * FROM (null reverse-path) is refused (MAUTH_ERR_INVAL): RFC 7208 2.4 then
 * checks the HELO identity, report it with identity "helo".
 */
MAUTH_API int mauth_authres_builder_add_spf(struct mauth_authres_builder *b,
    const char *result, const char *identity, const char *value,
    const char *reason) MAUTH_WUR;
/*
 * mauth_authres_builder_add_dkim - "dkim=RESULT [reason=...] header.d=
 * header.i= header.a= header.s= header.b=" (RFC 8601 2.7.1, RFC 6008);
 * NULL or empty arguments are left out.  One call per signature.
 */
MAUTH_API int mauth_authres_builder_add_dkim(struct mauth_authres_builder *b,
    const char *result, const char *d, const char *i, const char *a,
    const char *s, const char *bprefix, const char *reason) MAUTH_WUR;
/*
 * mauth_authres_builder_add_dmarc - "dmarc=RESULT [reason=...]
 * header.from=DOMAIN [policy.dmarc=POLICY]".  header.from is the property
 * registered for dmarc (RFC 7489 11.1); policy.dmarc (the policy applied:
 * none, quarantine, reject) is common practice, not registered.  NULL or
 * empty arguments are left out.  Further properties (RFC 9989's polrec.p,
 * polrec.domain) can follow with mauth_authres_builder_add_prop().
 */
MAUTH_API int mauth_authres_builder_add_dmarc(struct mauth_authres_builder *b,
    const char *result, const char *header_from, const char *policy,
    const char *reason) MAUTH_WUR;

/*
 * mauth_authres_builder_finish - the header value (without the field name
 * and without a leading space), folded as asked (enum mauth_authres_fold;
 * within one resinfo a line is folded at piece boundaries to stay within 78
 * columns, counting "Authentication-Results: " on the first line).
 * *text is NUL-terminated and owned by the caller (free()); *lenp, if not
 * NULL, gets its length.  The builder is not consumed.  MAUTH_ERR_LIMIT when
 * the value would exceed MAUTH_AUTHRES_MAX_INPUT.
 */
MAUTH_API int mauth_authres_builder_finish(struct mauth_authres_builder *b,
    int fold, char **text, size_t *lenp) MAUTH_WUR;

#ifdef __cplusplus
}
#endif
#endif /* MAUTH_AUTHRES_H */
