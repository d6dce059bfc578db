/*
 * dmarc_int.h - internals of the DMARC engine (RFC 9989, RFC 7489): the
 * policy record parser and the name helpers, shared with the unit tests.
 *
 * Nothing here is exported from the shared library (hidden visibility); the
 * unit tests reach these functions through the static library.
 */
#ifndef MAUTH_DMARC_INT_H
#define MAUTH_DMARC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Ceilings of the engine. */
#define DMARC_MAX_RECORD_LEN	65535	/* a TXT RDATA cannot be longer */
#define DMARC_MAX_TAGS		64	/* tags looked at in one record */
#define DMARC_MAX_URIS		16	/* URIs checked in one rua/ruf */
#define DMARC_WALK_MAX		8	/* RFC 9989 4.10: queries of one walk */
#define DMARC_WALK_SHORTCUT	7	/* RFC 9989 4.10 step 5: labels kept */
#define DMARC_MAX_ID_WALKS	16	/* identifier walks per evaluation */
#define DMARC_MAX_LOOKUPS	160	/* _dmarc names per evaluation */
#define DMARC_NAME_MAX		253

/* A tag value absent from the record. */
#define DMARC_TAG_ABSENT	(-1)
/* A policy tag (p, sp, np) present with a value that is not a policy. */
#define DMARC_POLICY_INVALID	(-2)

/* How a TXT string was classified (RFC 9989 4.10 step 2). */
enum dmarc_rec_status {
	DMARC_REC_OK = 0,	/* a DMARC Policy Record (v=DMARC1 first) */
	DMARC_REC_NOT_DMARC,	/* does not start with v=DMARC1: discarded */
	DMARC_REC_INVALID	/* like one, but control bytes */
};

/* A span of the record text (value of a tag), not NUL-terminated. */
struct dmarc_span {
	const char	*p;	/* NULL: tag absent */
	size_t		 len;
};

/*
 * A parsed DMARC Policy Record (RFC 9989 4.7).  Spans point into the text
 * given to dmarc_record_parse() and live as long as it does.
 */
struct dmarc_record {
	int		 p;		/* a policy, ABSENT or INVALID */
	int		 sp;
	int		 np;
	char		 adkim;		/* 'r' or 's' (default 'r') */
	char		 aspf;
	char		 psd;		/* 'y', 'n' or 'u' (default 'u') */
	bool		 testing;	/* t=y */
	int		 pct;		/* 0..100, or ABSENT (also invalid) */
	unsigned	 rua_valid;	/* syntactically valid URIs in rua */
	unsigned	 ruf_valid;
	unsigned	 unknown_tags;	/* unknown, repeated, malformed */
	bool		 bad_value;	/* a known tag had an invalid value */
	struct dmarc_span rua, ruf, fo, rf, ri;
};

/*
 * dmarc_record_parse - classify and parse one TXT string.  On DMARC_REC_OK
 * rec is filled; on DMARC_REC_INVALID err holds a one-line reason.
 * Tag names and values are compared case-insensitively, except the version
 * value "DMARC1" (RFC 9989 4.8, %s).  WSP is allowed around "=" and ";".
 * Unknown, duplicate and malformed tags are ignored (counted).
 */
int	dmarc_record_parse(const uint8_t *data, size_t len,
	    struct dmarc_record *rec, char *err, size_t errlen);

/* dmarc_policy_name - "none", "quarantine", "reject", "" otherwise */
const char *dmarc_policy_name(int policy);

/*
 * dmarc_name_norm - lower-cased copy of name[0..len) without one trailing
 * dot into out (at least DMARC_NAME_MAX + 1 bytes).  False when the name
 * is not a usable ASCII domain name: empty, too long, an empty label, a
 * label over 63 octets, or a byte outside printable ASCII (a U-label or a
 * control byte), a space or '@'.
 */
bool	dmarc_name_norm(const char *name, size_t len, char *out, size_t outlen);

/* dmarc_name_labels - number of labels of a normalised name */
size_t	dmarc_name_labels(const char *name);

/*
 * dmarc_name_suffix - the rightmost n labels of a normalised name (a
 * pointer into it); the whole name when n >= its label count.
 */
const char *dmarc_name_suffix(const char *name, size_t n);

/* dmarc_name_under - whether name equals suffix or ends in "." suffix */
bool	dmarc_name_under(const char *name, const char *suffix);

#endif
