/*
 * mauth/message.h - RFC 5322 messages: the Author Domain (From) and message
 * sources (a file, stdin, an mbox, a Maildir, a directory of messages).
 *
 * The header/body splitter that feeds the check pipeline is internal
 * (src/lib/message/message_int.h); the check object drives it.
 */
#ifndef MAUTH_MESSAGE_H
#define MAUTH_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Author Domain (RFC 5322 3.6.2, RFC 6854, RFC 9989) ----------------- */

/*
 * Status of the From header field(s) of one message.  Only MAUTH_FROM_OK and
 * MAUTH_FROM_MULTIPLE_ADDRESSES with identical domains give an Author Domain
 * that DMARC can be applied to (mauth_from_domain() is then not NULL).
 */
enum mauth_from_status {
	MAUTH_FROM_OK = 0,		/* one address with a usable domain */
	MAUTH_FROM_NONE,		/* no From header field */
	MAUTH_FROM_MULTIPLE_FROM,	/* several From fields (RFC 5322 3.6) */
	MAUTH_FROM_MULTIPLE_ADDRESSES,	/* one field, several addresses */
	MAUTH_FROM_NO_DOMAIN,		/* no usable domain (see the reason) */
	MAUTH_FROM_SYNTAX		/* not parseable as RFC 5322 */
};

/* "ok", "none", "multiple-from", ... (static, never NULL) */
MAUTH_API const char *mauth_from_status_str(int status);

/* Ceiling on the addresses kept per message (more are counted, not kept). */
#define MAUTH_FROM_MAX_ADDRESSES	100

struct mauth_from;

/*
 * mauth_from_new - an empty From accumulator (status MAUTH_FROM_NONE).
 * Feed it every From header field of a message with mauth_from_add(), then
 * read the status.  Free with mauth_from_free().  Returns MAUTH_ERR_NOMEM.
 */
MAUTH_API int mauth_from_new(struct mauth_from **out) MAUTH_WUR;

/*
 * mauth_from_add - one From header field: value[0..len) is the raw value
 * after the colon (folding CRLF/LF kept, may contain any byte).  The status
 * becomes that of the field, or MAUTH_FROM_MULTIPLE_FROM from the second
 * field on.  Returns MAUTH_OK, MAUTH_ERR_INVAL (NULL arguments) or
 * MAUTH_ERR_NOMEM; the verdict itself is in the status, never an error.
 */
MAUTH_API int mauth_from_add(struct mauth_from *f, const char *value,
    size_t len) MAUTH_WUR;

/*
 * mauth_from_parse - shorthand for mauth_from_new() + one mauth_from_add().
 * On MAUTH_OK *out is owned by the caller.
 */
MAUTH_API int mauth_from_parse(const char *value, size_t len,
    struct mauth_from **out) MAUTH_WUR;

MAUTH_API void mauth_from_free(struct mauth_from *f);

/* enum mauth_from_status */
MAUTH_API int mauth_from_status(const struct mauth_from *f);

/* one-line reason for the status (borrowed until _free or the next _add) */
MAUTH_API const char *mauth_from_reason(const struct mauth_from *f);

/*
 * mauth_from_domain - the Author Domain DMARC applies to, lower-cased ASCII
 * (UTF-8 bytes kept; an A-label stays as written): the domain of the one
 * address (MAUTH_FROM_OK), or the common domain when one field holds several
 * addresses that all have the same usable domain (RFC 9989: the check then
 * proceeds with that domain).  NULL otherwise.  Borrowed until _free/_add.
 */
MAUTH_API const char *mauth_from_domain(const struct mauth_from *f);

/*
 * mauth_from_same_domain - true when at least one address was found, every
 * address has a usable domain and all domains are equal (case-insensitive).
 */
MAUTH_API bool mauth_from_same_domain(const struct mauth_from *f);

/* From header fields fed so far */
MAUTH_API size_t mauth_from_fields(const struct mauth_from *f);

/* addresses found in all fields (may exceed mauth_from_count()) */
MAUTH_API size_t mauth_from_total(const struct mauth_from *f);

/* addresses kept (at most MAUTH_FROM_MAX_ADDRESSES) */
MAUTH_API size_t mauth_from_count(const struct mauth_from *f);

/*
 * Address i (< mauth_from_count()).  Strings are NUL-terminated, borrowed
 * until _free/_add; lengths are given because a quoted local part may hold
 * any byte.  The local part is as written (quoted strings keep their quotes,
 * comments and folding removed).  The domain is lower-cased ASCII-wise, or
 * "" when the address has none (domain-literal: then the literal is in
 * mauth_from_addr_literal()).  usable: a domain DMARC could look up.
 */
MAUTH_API const char *mauth_from_addr_local(const struct mauth_from *f,
    size_t i, size_t *len);
MAUTH_API const char *mauth_from_addr_domain(const struct mauth_from *f,
    size_t i, size_t *len);
MAUTH_API const char *mauth_from_addr_literal(const struct mauth_from *f,
    size_t i);	/* "[192.0.2.1]" or NULL */
MAUTH_API const char *mauth_from_addr_display(const struct mauth_from *f,
    size_t i);	/* display name as written (trimmed), "" if none */
MAUTH_API bool mauth_from_addr_usable(const struct mauth_from *f, size_t i);

/* ---- message sources ----------------------------------------------------- */

enum mauth_source_kind {
	MAUTH_SOURCE_FILE = 0,	/* one message in a regular file */
	MAUTH_SOURCE_STDIN,	/* "-": one message on standard input */
	MAUTH_SOURCE_MBOX,	/* a file or stdin starting with "From " */
	MAUTH_SOURCE_MAILDIR,	/* a directory with cur/ and new/ */
	MAUTH_SOURCE_DIR	/* other directory: a message per file */
};

/* Options; initialise with mauth_source_options_init(). */
struct mauth_source_options {
	size_t	max_message;	/* bytes of one message; default 64 MiB */
	size_t	max_entries;	/* files of a directory; default 1000000 */
};

MAUTH_API void mauth_source_options_init(struct mauth_source_options *o);

struct mauth_source;
struct mauth_msg;

/*
 * mauth_source_open - open path ("-" = standard input) and detect its kind:
 *   - a directory with cur/ and new/ is a Maildir: the files of cur/ and new/
 *     (tmp/ is skipped), then those of each Maildir++ subfolder (".name/"
 *     with cur/ and new/), every list sorted by name;
 *   - another directory: each regular file in it, sorted by name; names
 *     starting with '.' and subdirectories are skipped (no recursion);
 *     each file is one message;
 *   - a file (or stdin) whose first line starts with "From " is an mbox
 *     (mboxrd: see mauth_source_next()); otherwise it is one message.
 * o may be NULL (defaults).  On MAUTH_OK *out is owned by the caller.
 * Returns MAUTH_ERR_IO (path cannot be opened or read; reason in errbuf),
 * MAUTH_ERR_INVAL, MAUTH_ERR_NOMEM.
 */
MAUTH_API int mauth_source_open(const char *path,
    const struct mauth_source_options *o, struct mauth_source **out,
    char *errbuf, size_t errlen) MAUTH_WUR;

MAUTH_API void mauth_source_free(struct mauth_source *src);

/* enum mauth_source_kind */
MAUTH_API int mauth_source_kind(const struct mauth_source *src);

/*
 * mauth_source_next - the next message.  On MAUTH_OK *msg is the message,
 * borrowed until the next call or _free, or NULL at the end.  A message that
 * cannot be read (an unreadable or special file in a directory, a message
 * over max_message) is still returned, with mauth_msg_error() set and no
 * bytes: report it and go on.  A negative return (MAUTH_ERR_NOMEM, or
 * MAUTH_ERR_IO when the mbox/stdin stream itself fails) ends the iteration.
 *
 * mbox: a message starts at a line beginning "From " at the top of the file
 * or after an empty line; that line is not part of the message, the empty
 * line before it (and one at the end of the file) is removed, and one '>'
 * is removed from lines matching ^>+From  (mboxrd).  Messages are read one
 * at a time; the file is never loaded whole.
 */
MAUTH_API int mauth_source_next(struct mauth_source *src,
    struct mauth_msg **msg) MAUTH_WUR;

/* the message bytes (no NUL terminator promised); NULL with *len 0 on error */
MAUTH_API const void *mauth_msg_data(const struct mauth_msg *m, size_t *len);
/* "path", or "path#N" for message N (1-based) of an mbox; "-" is stdin */
MAUTH_API const char *mauth_msg_label(const struct mauth_msg *m);
/* NULL, or why this message could not be read */
MAUTH_API const char *mauth_msg_error(const struct mauth_msg *m);
/* MAUTH_OK, MAUTH_ERR_IO or MAUTH_ERR_LIMIT (too big) */
MAUTH_API int mauth_msg_status(const struct mauth_msg *m);

#ifdef __cplusplus
}
#endif
#endif /* MAUTH_MESSAGE_H */
