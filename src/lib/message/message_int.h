/*
 * message_int.h - the streaming RFC 5322 header splitter (internal).
 *
 * Fed raw message bytes in any chunking (CRLF or bare LF), it calls back once
 * per header field (name, raw value with folding kept, and the exact raw
 * bytes of the field for DKIM), once at the end of the header block, and
 * with body bytes as they pass through.  The results do not depend on how
 * the input is chunked.  Memory is bounded by the field-size ceiling: the
 * body is never buffered.
 *
 * Decisions where RFC 5322 leaves the receiver to choose:
 *   - A line that is not a header field (no colon, a byte outside ftext
 *     before the colon, an empty name) ends the header block and is the
 *     first line of the body; no empty line is consumed.  Postfix and
 *     Python's email package do the same.  (dkimpy rejects the message.)
 *   - A first line that starts with SP/HTAB (a continuation of nothing) is
 *     handled the same way: the body starts there.
 *   - An mbox "From " line at the very top is skipped.
 *   - Lines end at LF; CR before LF belongs to the line terminator; a bare
 *     CR elsewhere is an ordinary byte.  NUL bytes are kept.
 *   - A line of only SP/HTAB inside the header block is a continuation
 *     line (obs-FWS), as dkimpy and libopendkim see it.
 *   - No empty line at all: every field is delivered, then end of headers;
 *     the body is empty.
 *   - Once a limit is hit, the rest of the header block is skipped up to
 *     the empty line (fields counted as dropped, nothing buffered); the body
 *     is still passed through.
 *
 * This header is self-contained (standard headers only) so the fuzz
 * harness can include it by relative path.
 */
#ifndef MAUTH_MESSAGE_INT_H
#define MAUTH_MESSAGE_INT_H

#include <stdbool.h>
#include <stddef.h>

/* Defaults of the limits. */
#define MSG_DEFAULT_MAX_HEADERS	1000
#define MSG_DEFAULT_MAX_FIELD	(64 * 1024)	/* raw bytes of a field */
#define MSG_DEFAULT_MAX_LINE	(64 * 1024)	/* a header line */
#define MSG_RFC_LINE		998		/* RFC 5322 2.1.1 */

struct msg_limits {
	size_t	max_headers;	/* header fields delivered; 0 = default */
	size_t	max_field;	/* raw bytes of one field (name to last LF) */
	size_t	max_line;	/* one header line, terminator excluded */
};

/* One header field; pointers valid only during the callback. */
struct msg_header {
	const char	*name;		/* WSP before ':' removed */
	size_t		 namelen;
	const char	*value;		/* after ':', folded, no final EOL */
	size_t		 valuelen;
	const char	*raw;		/* as received, final EOL included */
	size_t		 rawlen;
	size_t		 index;		/* 0-based, among delivered fields */
};

/*
 * Callbacks; a non-zero return stops the splitter: msg_split_write() and
 * msg_split_finish() return that value from then on.  Any may be NULL.
 */
struct msg_callbacks {
	int	(*header)(void *arg, const struct msg_header *h);
	int	(*eoh)(void *arg);
	int	(*body)(void *arg, const char *buf, size_t len);
	void	*arg;
};

/* Anomalies: noted, processing continues (bit flags). */
enum msg_anomaly {
	MSG_AN_LONG_LINE	= 1 << 0,	/* a line over 998 bytes */
	MSG_AN_NO_COLON		= 1 << 1,	/* a non-header line ends it */
	MSG_AN_FIRST_CONT	= 1 << 2,	/* first line continues */
	MSG_AN_NO_SEPARATOR	= 1 << 3,	/* no empty line after it */
	MSG_AN_NO_HEADERS	= 1 << 4,	/* no header field at all */
	MSG_AN_NUL		= 1 << 5,	/* a NUL byte anywhere */
	MSG_AN_MBOX_FROM	= 1 << 6,	/* top "From " line skipped */
	MSG_AN_BARE_LF		= 1 << 7,	/* a line ended with LF alone */
	MSG_AN_NO_FINAL_EOL	= 1 << 8	/* headers end without EOL */
};

struct msg_split;

/* msg_split_new - a splitter; lim may be NULL (defaults).  NULL on ENOMEM */
struct msg_split *msg_split_new(const struct msg_limits *lim,
    const struct msg_callbacks *cb);
void	msg_split_free(struct msg_split *sp);

/*
 * msg_split_write - feed buf[0..len).  Returns 0, a callback's non-zero
 * value, or MAUTH_ERR_NOMEM.
 */
int	msg_split_write(struct msg_split *sp, const void *buf, size_t len);

/*
 * msg_split_finish - end of the message: delivers a field still waiting for
 * a possible continuation, and end of headers if not seen yet.  Same returns.
 */
int	msg_split_finish(struct msg_split *sp);

/* whether the end of the header block has been delivered */
bool	msg_split_in_body(const struct msg_split *sp);

/* the first limit hit ("more than 1000 header fields", ...) or NULL */
const char *msg_split_limit(const struct msg_split *sp);

/* enum msg_anomaly bits seen so far */
unsigned msg_split_anomalies(const struct msg_split *sp);

/* counters */
size_t	msg_split_headers(const struct msg_split *sp);	/* delivered */
size_t	msg_split_dropped(const struct msg_split *sp);	/* after a limit */
size_t	msg_split_long_lines(const struct msg_split *sp); /* over 998 bytes */
unsigned long long msg_split_body_bytes(const struct msg_split *sp);

/* msg_anomaly_str - one line for one anomaly bit ("line over 998 bytes") */
const char *msg_anomaly_str(unsigned bit);

/* msg_name_eq - field names compare case-insensitively (RFC 5322 1.2.2) */
bool	msg_name_eq(const char *a, size_t alen, const char *b);

#endif /* MAUTH_MESSAGE_INT_H */
