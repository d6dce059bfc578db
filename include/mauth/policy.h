/*
 * mauth/policy.h - the site policy: an ordered list of rules read from a
 * rules file (format: rules/README.md), first match wins.
 *
 * A policy is loaded once (at start or on reload), is read-only afterwards
 * and may be shared between threads.  For each message the caller fills a
 * struct mauth_policy_facts from the check results and asks
 * mauth_policy_decide() for the action.
 *
 * A rules file with any error is refused as a whole: every error is reported
 * as "FILE:LINE: reason" and no policy is returned, so a daemon keeps its old
 * rules on a failed reload and refuses to start with bad ones.
 *
 * Ceilings: MAUTH_POLICY_MAX_RULES rules, MAUTH_POLICY_MAX_LINE bytes per
 * line, MAUTH_POLICY_MAX_LIST_ENTRIES domains per "from in" list (inline or
 * file), MAUTH_POLICY_MAX_TEXT bytes of reply text or header value.
 */
#ifndef MAUTH_POLICY_H
#define MAUTH_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MAUTH_POLICY_MAX_RULES		10000
#define MAUTH_POLICY_MAX_LINE		4096	/* bytes of one rule line, newline excluded */
#define MAUTH_POLICY_MAX_LIST_ENTRIES	100000	/* domains of one list */
#define MAUTH_POLICY_MAX_TEXT		400	/* reply text / header value after expansion */
#define MAUTH_POLICY_MAX_HEADER_NAME	64
#define MAUTH_POLICY_MAX_DKIM		16	/* DKIM results considered per message */
#define MAUTH_POLICY_MAX_ERRORS		100	/* errors reported per file; loading stops after */

/* What to do with the message. */
enum mauth_policy_action {
	MAUTH_POLICY_ACCEPT = 0,	/* deliver */
	MAUTH_POLICY_ADD_HEADER,	/* deliver with header_name: header_value added */
	MAUTH_POLICY_QUARANTINE,	/* deliver to the MTA's hold/quarantine */
	MAUTH_POLICY_REJECT,		/* 5xx SMTP reply (smtp_code, esc, text) */
	MAUTH_POLICY_TEMPFAIL		/* 4xx SMTP reply (smtp_code, esc, text) */
};

/* "accept", "add-header", "quarantine", "reject", "tempfail" (static; "?" if unknown). */
MAUTH_API const char *mauth_policy_action_str(int action);

/*
 * Facts about one message: plain data, filled by the caller.  Initialise with
 * mauth_policy_facts_init() (everything "none"/unset/false), then set fields.
 * Strings are borrowed for the duration of mauth_policy_decide().
 */
struct mauth_policy_facts {
	int		 spf;		/* enum mauth_spf_result (MAIL FROM, or HELO for a null sender) */
	int		 dkim[MAUTH_POLICY_MAX_DKIM]; /* enum mauth_dkim_result, one per signature */
	size_t		 ndkim;		/* entries used in dkim[]; 0 = no signature ("dkim=none") */
	bool		 dkim_aligned;	/* a DKIM pass aligned with the From domain (DMARC sense) */
	int		 dmarc;		/* enum mauth_dmarc_result */
	int		 dmarc_policy;	/* enum mauth_dmarc_policy (after sp/np/pct); UNSET = no record */
	bool		 dns_temperror;	/* some check met a DNS temporary error */
	bool		 auth;		/* SMTP-authenticated client */
	bool		 internal;	/* client in the internal networks */
	bool		 outgoing;	/* message is being signed, not verified */
	const char	*from_domain;	/* RFC 5322 From domain, may be NULL */
	size_t		 from_domain_len;
};

/* mauth_policy_facts_init - zero f; dmarc_policy = MAUTH_DMARC_POLICY_UNSET. */
MAUTH_API void mauth_policy_facts_init(struct mauth_policy_facts *f);

/*
 * The decision: everything is copied in, nothing borrowed, so it outlives
 * the policy (a reload may free it).  Strings are NUL-terminated and safe
 * to put in an SMTP reply or header (printable ASCII, no CR/LF).
 */
struct mauth_policy_decision {
	int		 action;	/* enum mauth_policy_action */
	int		 smtp_code;	/* 4xx/5xx for TEMPFAIL/REJECT, else 0 */
	char		 esc[16];	/* RFC 3463 enhanced status, e.g. "5.7.1"; "" if none */
	char		 text[MAUTH_POLICY_MAX_TEXT + 1]; /* reply text, %-escapes expanded */
	char		 header_name[MAUTH_POLICY_MAX_HEADER_NAME + 1]; /* ADD_HEADER only */
	char		 header_value[MAUTH_POLICY_MAX_TEXT + 1];	   /* ADD_HEADER only */
	unsigned	 rule;		/* 1-based number of the matching rule; 0 = none matched (accept) */
	char		 source[256];	/* "FILE:LINE" of that rule, "" if none */
	char		 reason[256];	/* the rule's condition as written, or "no rule matched" */
};

struct mauth_policy;

/*
 * mauth_policy_load - read and check the rules file at path.  List files
 * named by "from in file:PATH" are read now; a relative PATH is taken from
 * the directory of the rules file.
 * On success *out is a new policy (free with mauth_policy_free) and 0 is
 * returned.  On failure *out is NULL, errbuf holds the first error as
 * "FILE:LINE: reason" (or "FILE: reason"), and the return is
 * MAUTH_ERR_IO (unreadable file), MAUTH_ERR_SYNTAX (bad rule or list),
 * MAUTH_ERR_LIMIT (a ceiling above), MAUTH_ERR_NOMEM or MAUTH_ERR_INVAL.
 */
MAUTH_API int mauth_policy_load(const char *path, struct mauth_policy **out,
    char *errbuf, size_t errlen) MAUTH_WUR;

/*
 * mauth_policy_load_mem - as mauth_policy_load, rules from buf[0..len);
 * name is used in messages ("NAME:LINE: reason"); relative list paths are
 * taken from the current directory.
 */
MAUTH_API int mauth_policy_load_mem(const char *name, const void *buf,
    size_t len, struct mauth_policy **out, char *errbuf, size_t errlen) MAUTH_WUR;

/*
 * mauth_policy_load_each - as mauth_policy_load (buf NULL) or
 * mauth_policy_load_mem (buf not NULL), calling errfn(arg, msg) once per
 * error ("FILE:LINE: reason", at most MAUTH_POLICY_MAX_ERRORS) instead of
 * keeping the first one.  msg is valid only during the call.
 */
MAUTH_API int mauth_policy_load_each(const char *path, const void *buf,
    size_t len, struct mauth_policy **out,
    void (*errfn)(void *arg, const char *msg), void *arg) MAUTH_WUR;

/* mauth_policy_free - release p; NULL is a no-op. */
MAUTH_API void mauth_policy_free(struct mauth_policy *p);

/* mauth_policy_count - number of rules in p. */
MAUTH_API size_t mauth_policy_count(const struct mauth_policy *p);

/*
 * mauth_policy_decide - the first rule of p whose condition holds for f
 * gives the action; with no match the action is ACCEPT with rule 0.
 * Always fills d.  Returns 0, or MAUTH_ERR_INVAL if an argument is NULL
 * (d, when not NULL, is then set to TEMPFAIL 451 4.3.0 so a caller that
 * ignores the code still fails safe).
 */
MAUTH_API int mauth_policy_decide(const struct mauth_policy *p,
    const struct mauth_policy_facts *f, struct mauth_policy_decision *d);

#ifdef __cplusplus
}
#endif
#endif /* MAUTH_POLICY_H */
