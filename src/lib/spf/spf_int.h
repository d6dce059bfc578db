/*
 * spf_int.h - internals of the SPF engine (RFC 7208), shared by the parser,
 * the macro expander, the evaluator and the unit tests.
 *
 * Nothing here is exported from the shared library (hidden visibility); the
 * unit tests reach these functions through the static library.
 */
#ifndef MAUTH_SPF_INT_H
#define MAUTH_SPF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* Ceilings of the engine. */
#define SPF_MAX_RECORD_LEN	65535	/* a TXT RDATA cannot be longer */
#define SPF_MAX_EXPAND		8192	/* macro expansion output */
#define SPF_MAX_DOMAIN		253	/* RFC 7208 7.3: truncate to this */
#define SPF_MAX_DEPTH		32	/* nested check_host() calls */
#define SPF_MAX_NAMES		1000	/* ceiling on a configured MX/PTR name limit */
#define SPF_ERRLEN		256

/* Kinds of terms (RFC 7208 4.6.1, 5, 6). */
enum spf_kind {
	SPF_ALL = 0,
	SPF_INCLUDE,
	SPF_A,
	SPF_MX,
	SPF_PTR,
	SPF_IP4,
	SPF_IP6,
	SPF_EXISTS,
	SPF_REDIRECT,		/* modifiers from here on */
	SPF_EXP,
	SPF_UNKNOWN_MOD
};

/*
 * One term of a parsed record.  text and spec point into the record given
 * to spf_parse() and are valid as long as it is.
 */
struct spf_term {
	int		 kind;		/* enum spf_kind */
	char		 qualifier;	/* '+', '-', '~', '?'; 0 for modifiers */
	const char	*text;		/* the whole term as written */
	size_t		 textlen;
	const char	*spec;		/* domain-spec or modifier value, NULL if none */
	size_t		 speclen;
	int		 cidr4;		/* 0..32; 32 when absent */
	int		 cidr6;		/* 0..128; 128 when absent */
	uint8_t		 addr[16];	/* ip4 (first 4 bytes) / ip6 network */
};

struct spf_record {
	struct spf_term	*terms;
	size_t		 nterms;
	int		 redirect;	/* index of redirect=, -1 if none */
	int		 exp;		/* index of exp=, -1 if none */
	bool		 has_all;	/* an "all" mechanism is present */
};

/*
 * spf_record_is_spf - whether a TXT string is an SPF version 1 record:
 * "v=spf1" (case-insensitive) followed by a space or the end (RFC 7208 4.5).
 */
bool	spf_record_is_spf(const uint8_t *data, size_t len);

/*
 * spf_parse - parse a whole SPF record (starting with "v=spf1") into rec.
 * Returns 0, MAUTH_ERR_SYNTAX with a one-line reason in err (the record is
 * then unusable: RFC 7208 permerror), or MAUTH_ERR_NOMEM.  rec must be freed
 * with spf_record_free() in every case.
 */
int	spf_parse(const char *s, size_t len, struct spf_record *rec,
	    char *err, size_t errlen);
void	spf_record_free(struct spf_record *rec);

/* spf_kind_str - "all", "include", ..., "redirect", "exp", "modifier" */
const char *spf_kind_str(int kind);

/*
 * spf_shown - an escaped copy of at most max bytes of s[0..len) ("..." when
 * cut) in tmp, for reasons and error messages; "?" when out of memory
 */
const char *spf_shown(const void *s, size_t len, size_t max, char *tmp,
    size_t tmplen);

/*
 * spf_domain_spec_check - syntax of a domain-spec (RFC 7208 7.1): a
 * macro-string (exp-only letters c, r, t refused) whose end is either
 * "." toplabel [ "." ] or a macro-expand.  Returns false with a reason.
 */
bool	spf_domain_spec_check(const char *s, size_t len, char *err,
	    size_t errlen);

/*
 * Macro expansion context (RFC 7208 7.3).  All strings NUL-terminated.
 * get_p computes the validated domain name of <ip> lazily (it may query
 * the DNS); it returns 0 and sets *out (borrowed), or an error status.
 */
struct spf_macro_ctx {
	const char	*sender;	/* s */
	const char	*local;		/* l */
	const char	*sender_domain;	/* o */
	const char	*domain;	/* d */
	const char	*ip_i;		/* i: dotted quad or dotted nibbles */
	const char	*ip_c;		/* c: readable address */
	bool		 ipv6;		/* v: "ip6" else "in-addr" */
	const char	*helo;		/* h */
	const char	*receiver;	/* r */
	int64_t		 now;		/* t */
	int		(*get_p)(void *arg, const char **out);
	void		*p_arg;
};

/* Where a macro-string is used: changes which letters are allowed. */
enum spf_macro_mode {
	SPF_MACRO_DOMAIN = 0,	/* domain-spec: c, r, t refused */
	SPF_MACRO_EXPLAIN = 1,	/* explanation text: all letters, spaces */
	SPF_MACRO_MODIFIER = 2	/* unknown-modifier value: syntax only */
};

/*
 * spf_macro_expand - check and expand the macro-string s[0..len) in the
 * given mode.  With ctx == NULL only the syntax is checked and nothing is
 * written.  The result is appended to out (bounded by out->max).  Returns 0,
 * MAUTH_ERR_SYNTAX (reason in err), MAUTH_ERR_LIMIT (output too long), or
 * whatever ctx->get_p returned.
 */
int	spf_macro_expand(const struct spf_macro_ctx *ctx, const char *s,
	    size_t len, int mode, struct buf *out, char *err, size_t errlen);

/*
 * spf_domain_truncate - RFC 7208 7.3: drop a trailing dot, then drop
 * left-most labels while the name is longer than 253 octets.  Returns the
 * offset of the kept part in name (the length is updated in *len).
 */
size_t	spf_domain_truncate(const char *name, size_t *len);

/*
 * spf_ip_nibbles - the dotted-nibble form of an IPv6 address ("i" macro),
 * upper-case hex, into out (at least 64 bytes).
 */
void	spf_ip_nibbles(const uint8_t a[16], char *out, size_t outlen);

/*
 * spf_parse_ip4 - strict dotted quad (RFC 7208 5.6 ip4-network: no leading
 * zeros, 4 parts).  Returns false when s[0..len) is not one.
 */
bool	spf_parse_ip4(const char *s, size_t len, uint8_t out[4]);

/* spf_cidr_match - whether the first bits of a and b are equal. */
bool	spf_cidr_match(const uint8_t *a, const uint8_t *b, int bits);

#endif
