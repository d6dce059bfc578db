/*
 * dmarc_eval.c - DMARC evaluation: policy discovery and the Organizational
 * Domain by the DNS Tree Walk (RFC 9989 4.10, 4.10.1, 4.10.2) or by the
 * Public Suffix List (RFC 7489 3.2, 6.6.3), identifier alignment (RFC 9989
 * 4.4, RFC 7489 3.1), and the policy to apply (RFC 9989 4.7: p, sp, np, t;
 * RFC 7489 6.3, 6.6.4: p, sp, pct).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpsl.h>

#include "mauth/dmarc.h"
#include "mauth/dkim.h"
#include "mauth/spf.h"
#include "dmarc_int.h"
#include "util/buf.h"
#include "util/str.h"

#define DMARC_REASON_MAX	2048
#define DMARC_RECORD_SHOW_MAX	4096	/* escaped record text kept */
/* queries of one evaluation when the caller gives no budget: every walk */
#define DMARC_DEFAULT_MAX_QUERIES \
	(DMARC_WALK_MAX * (1 + 1 + DMARC_MAX_ID_WALKS) + 2)
/* and the DNS time they may take together (as SPF, RFC 7208 4.6.4) */
#define DMARC_DEFAULT_MAX_MS	20000

struct mauth_dmarc_ctx {
	int		 mode;
	psl_ctx_t	*psl;
};

struct mauth_dmarc_eval {
	int		 result;
	int		 policy;
	char		*from_domain;
	char		*policy_domain;
	char		*org_domain;
	char		*record;
	char		*reason;
	bool		 spf_aligned;
	bool		 dkim_aligned;
	bool		 testing;
	unsigned	 dns_queries;
};

/* What a _dmarc lookup gave. */
enum { LK_NONE = 0, LK_RECORD, LK_TEMP };

/* One _dmarc.<name> TXT lookup, made at most once per evaluation. */
struct lookup {
	char			 name[DMARC_NAME_MAX + 1];	/* no _dmarc. */
	int			 state;
	bool			 name_exists;	/* _dmarc.<name> was NOERROR */
	unsigned		 ndmarc;	/* DMARC records seen */
	uint8_t			*text;		/* the single record */
	size_t			 len;
	struct dmarc_record	 rec;		/* spans into text */
	char			 why[160];	/* NONE/TEMP: what happened */
};

/* A DNS Tree Walk from one name (RFC 9989 4.10). */
struct walk {
	const char	*start;
	struct lookup	*found[DMARC_WALK_MAX];	/* records, walk order */
	size_t		 nfound;
	struct lookup	*failed;	/* the lookup that failed, if any */
	bool		 complete;
	char		 org[DMARC_NAME_MAX + 1];
};

/* A remembered identifier walk: name and result. */
struct id_org {
	char	 name[DMARC_NAME_MAX + 1];
	bool	 complete;
	char	 org[DMARC_NAME_MAX + 1];
};

/* Alignment of one identifier. */
enum { AL_NO = 0, AL_YES, AL_UNKNOWN };

/* Evaluation state of one mauth_dmarc_evaluate() call. */
struct dctx {
	const struct mauth_dmarc_ctx	*ctx;
	struct mauth_resolver		*r;
	struct mauth_dns_budget		*budget;
	struct lookup	*lk[DMARC_MAX_LOOKUPS];
	size_t		 nlk;
	struct id_org	 ids[DMARC_MAX_ID_WALKS];
	size_t		 nids;
	bool		 ids_capped;
	bool		 nomem;
	char		 from[DMARC_NAME_MAX + 1];
	struct buf	 notes;		/* extras of the reason */
};

/* ---- names -------------------------------------------------------------- */

/* mauth_dmarc_result_str - RFC 9989 result names (RFC 8601 2.7.4) */
const char *
mauth_dmarc_result_str(int result)
{
	switch (result) {
	case MAUTH_DMARC_NONE:
		return "none";
	case MAUTH_DMARC_PASS:
		return "pass";
	case MAUTH_DMARC_FAIL:
		return "fail";
	case MAUTH_DMARC_TEMPERROR:
		return "temperror";
	case MAUTH_DMARC_PERMERROR:
		return "permerror";
	default:
		return "unknown";
	}
}

/* mauth_dmarc_policy_str - "none", "quarantine", "reject", "" if unset */
const char *
mauth_dmarc_policy_str(int policy)
{
	return dmarc_policy_name(policy);
}

/* mauth_dmarc_mode_str - the mode's name */
const char *
mauth_dmarc_mode_str(int mode)
{
	return mode == MAUTH_DMARC_RFC7489 ? "rfc7489" : "rfc9989";
}

/* mauth_dmarc_mode_from_str - the mode named s, or -1 */
int
mauth_dmarc_mode_from_str(const char *s)
{
	if (s == NULL)
		return -1;
	if (str_casecmp(s, "rfc9989") == 0)
		return MAUTH_DMARC_RFC9989;
	if (str_casecmp(s, "rfc7489") == 0)
		return MAUTH_DMARC_RFC7489;
	return -1;
}

/* ---- context ------------------------------------------------------------ */

/* mauth_dmarc_ctx_new - the mode, and the PSL in RFC 7489 mode */
int
mauth_dmarc_ctx_new(int mode, const char *psl_path,
    struct mauth_dmarc_ctx **out, char *errbuf, size_t errlen)
{
	struct mauth_dmarc_ctx *ctx;
	FILE *fp;

	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	if (out == NULL)
		return MAUTH_ERR_INVAL;
	*out = NULL;
	if (mode != MAUTH_DMARC_RFC9989 && mode != MAUTH_DMARC_RFC7489) {
		if (errbuf != NULL)
			snprintf(errbuf, errlen, "unknown DMARC mode %d", mode);
		return MAUTH_ERR_INVAL;
	}
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		return MAUTH_ERR_NOMEM;
	ctx->mode = mode;
	if (mode == MAUTH_DMARC_RFC7489) {
		if (psl_path == NULL) {
			/* the distribution's list (Debian: publicsuffix) */
			ctx->psl = psl_latest(NULL);
			psl_path = psl_dist_filename();
			if (psl_path == NULL || psl_path[0] == '\0')
				psl_path = "built-in list";
		} else {
			if ((fp = fopen(psl_path, "rb")) == NULL) {
				if (errbuf != NULL)
					snprintf(errbuf, errlen, "%s: cannot "
					    "open the public suffix list",
					    psl_path);
				free(ctx);
				return MAUTH_ERR_IO;
			}
			ctx->psl = psl_load_fp(fp);
			fclose(fp);
		}
		if (ctx->psl == NULL || psl_suffix_count(ctx->psl) == 0) {
			if (errbuf != NULL)
				snprintf(errbuf, errlen, "%s: not a usable "
				    "public suffix list", psl_path);
			psl_free(ctx->psl);
			free(ctx);
			return MAUTH_ERR_SYNTAX;
		}
	}
	*out = ctx;
	return MAUTH_OK;
}

/* mauth_dmarc_ctx_free - NULL is a no-op */
void
mauth_dmarc_ctx_free(struct mauth_dmarc_ctx *ctx)
{
	if (ctx == NULL)
		return;
	psl_free(ctx->psl);
	free(ctx);
}

/* ---- helpers ------------------------------------------------------------ */

/* note - append one "; "-separated remark to the reason */
static void __attribute__((format(printf, 2, 3)))
note(struct dctx *dc, const char *fmt, ...)
{
	va_list ap;

	if (dc->notes.len > 0)
		buf_puts(&dc->notes, "; ");
	va_start(ap, fmt);
	buf_vprintf(&dc->notes, fmt, ap);
	va_end(ap);
}

/* set_str - replace *dst with a copy of s (NULL allowed) */
static void
set_str(struct dctx *dc, char **dst, const char *s)
{
	free(*dst);
	*dst = NULL;
	if (s != NULL && (*dst = strdup(s)) == NULL)
		dc->nomem = true;
}

/* lower - one policy level down: reject -> quarantine -> none */
static int
lower(int policy)
{
	if (policy == MAUTH_DMARC_POLICY_REJECT)
		return MAUTH_DMARC_POLICY_QUARANTINE;
	return MAUTH_DMARC_POLICY_NONE;
}

/* ---- DNS ---------------------------------------------------------------- */

/* classify - the TXT records of an answer into lk (RFC 9989 4.10 step 2) */
static void
classify(struct dctx *dc, struct lookup *lk, const struct mauth_dns_answer *a)
{
	const struct mauth_dns_rr *rr;
	struct dmarc_record rec;
	char err[96];
	size_t i, ninvalid = 0;
	int st;

	for (i = 0; i < a->nrr; i++) {
		rr = &a->rr[i];
		if (rr->type != MAUTH_DNS_TXT)
			continue;
		st = dmarc_record_parse(rr->u.txt.data, rr->u.txt.len, &rec,
		    err, sizeof(err));
		if (st == DMARC_REC_INVALID) {
			ninvalid++;
			snprintf(lk->why, sizeof(lk->why), "DMARC record "
			    "discarded: %s", err);
			continue;
		}
		if (st != DMARC_REC_OK)
			continue;
		if (++lk->ndmarc > 1)
			continue;
		if ((lk->text = malloc(rr->u.txt.len + 1)) == NULL) {
			dc->nomem = true;
			return;
		}
		memcpy(lk->text, rr->u.txt.data, rr->u.txt.len);
		lk->text[rr->u.txt.len] = '\0';
		lk->len = rr->u.txt.len;
	}
	if (lk->ndmarc == 1) {
		/* reparse from our copy: the spans must point into it */
		(void)dmarc_record_parse(lk->text, lk->len, &lk->rec, NULL, 0);
		lk->state = LK_RECORD;
		return;
	}
	free(lk->text);
	lk->text = NULL;
	lk->len = 0;
	lk->state = LK_NONE;
	if (lk->ndmarc > 1)
		snprintf(lk->why, sizeof(lk->why), "%u DMARC records "
		    "(all discarded)", lk->ndmarc);
	else if (ninvalid == 0)
		snprintf(lk->why, sizeof(lk->why), "no DMARC record");
	/* say what was thrown away: it explains a surprising outcome */
	if (lk->ndmarc > 1 || ninvalid > 0)
		note(dc, "_dmarc.%s: %s", lk->name, lk->why);
}

/*
 * lookup - the DMARC records at _dmarc.<name> (name normalised), asked of
 * the DNS once per evaluation.  Returns NULL only on allocation failure.
 */
static struct lookup *
lookup(struct dctx *dc, const char *name)
{
	static struct lookup capped = {
		.state = LK_TEMP,
		.why = "too many DMARC lookups in one evaluation"
	};
	struct mauth_dns_answer *ans = NULL;
	struct lookup *lk;
	char qname[DMARC_NAME_MAX + 8];
	size_t i;
	int st;

	for (i = 0; i < dc->nlk; i++)
		if (strcmp(dc->lk[i]->name, name) == 0)
			return dc->lk[i];
	if (dc->nlk >= DMARC_MAX_LOOKUPS)
		return &capped;
	if ((lk = calloc(1, sizeof(*lk))) == NULL) {
		dc->nomem = true;
		return NULL;
	}
	dc->lk[dc->nlk++] = lk;
	snprintf(lk->name, sizeof(lk->name), "%s", name);
	if (snprintf(qname, sizeof(qname), "_dmarc.%s", name) >=
	    (int)sizeof(qname) || !mauth_dns_name_valid(qname, strlen(qname))) {
		/* _dmarc.<name> is over 253 octets: nothing can be there */
		lk->state = LK_NONE;
		snprintf(lk->why, sizeof(lk->why), "_dmarc name too long");
		return lk;
	}
	st = mauth_resolver_query(dc->r, dc->budget, qname, MAUTH_DNS_TXT,
	    &ans);
	if (st != MAUTH_DNS_ANSWER) {
		lk->state = st == MAUTH_DNS_BADNAME ? LK_NONE : LK_TEMP;
		snprintf(lk->why, sizeof(lk->why), "%s",
		    mauth_dns_status_str(st));
		return lk;
	}
	switch (ans->rcode) {
	case MAUTH_RCODE_NOERROR:
		lk->name_exists = true;
		classify(dc, lk, ans);
		break;
	case MAUTH_RCODE_NXDOMAIN:
		lk->state = LK_NONE;
		snprintf(lk->why, sizeof(lk->why), "NXDOMAIN");
		break;
	default:
		/* SERVFAIL, REFUSED, ...: no usable answer this time */
		lk->state = LK_TEMP;
		snprintf(lk->why, sizeof(lk->why), "%s",
		    mauth_dns_rcode_str(ans->rcode));
		break;
	}
	mauth_dns_answer_free(ans);
	return lk;
}

/* Existence of the Author Domain (RFC 9989 3.2.13, A.4). */
enum { EX_YES = 0, EX_NO, EX_TEMP };

/*
 * exists - only NXDOMAIN means a name does not exist; any record or NODATA
 * means it does (RFC 9989 A.4), so one query of any type answers: A.  A
 * NOERROR answer for _dmarc.<name> already proves <name> exists.
 */
static int
exists(struct dctx *dc, const char *name)
{
	struct mauth_dns_answer *ans = NULL;
	struct lookup *lk;
	int st, ex;

	if ((lk = lookup(dc, name)) != NULL && lk->name_exists)
		return EX_YES;
	st = mauth_resolver_query(dc->r, dc->budget, name, MAUTH_DNS_A, &ans);
	if (st != MAUTH_DNS_ANSWER) {
		note(dc, "existence check of %s: %s", name,
		    mauth_dns_status_str(st));
		return EX_TEMP;
	}
	if (ans->rcode == MAUTH_RCODE_NXDOMAIN && ans->nrr == 0)
		ex = EX_NO;
	else if (ans->rcode == MAUTH_RCODE_NOERROR ||
	    ans->rcode == MAUTH_RCODE_NXDOMAIN)
		ex = EX_YES;
	else {
		note(dc, "existence check of %s: %s", name,
		    mauth_dns_rcode_str(ans->rcode));
		ex = EX_TEMP;
	}
	mauth_dns_answer_free(ans);
	return ex;
}

/* ---- the DNS Tree Walk (RFC 9989 4.10, 4.10.2) ------------------------- */

/* walk_select_org - RFC 9989 4.10.2: the Organizational Domain of a walk */
static void
walk_select_org(struct walk *w)
{
	const char *org = w->start;
	size_t i;

	/* 1: a record with psd=n */
	for (i = 0; i < w->nfound; i++)
		if (w->found[i]->rec.psd == 'n') {
			org = w->found[i]->name;
			goto done;
		}
	/*
	 * 2: a psd=y record other than the starting one: one label below it,
	 * counted from the starting name even where the walk skipped labels
	 */
	for (i = 0; i < w->nfound; i++)
		if (w->found[i]->rec.psd == 'y' &&
		    strcmp(w->found[i]->name, w->start) != 0) {
			org = dmarc_name_suffix(w->start,
			    dmarc_name_labels(w->found[i]->name) + 1);
			goto done;
		}
	/* 3: the record with the fewest labels (the walk goes up) */
	if (w->nfound > 0)
		org = w->found[w->nfound - 1]->name;
	/* 4: no record: the starting name */
done:
	snprintf(w->org, sizeof(w->org), "%s", org);
}

/*
 * walk_run - the DNS Tree Walk from name: at most 8 queries, the start,
 * then (x >= 8 labels) the 7 rightmost labels, then one label less each
 * time; stop at a record with psd=n or psd=y (RFC 9989 4.10 steps
 * 1-7).  Returns false on allocation failure only.
 */
static bool
walk_run(struct dctx *dc, const char *name, struct walk *w)
{
	struct lookup *lk;
	const char *target = name;
	size_t x, q;

	memset(w, 0, sizeof(*w));
	w->start = name;
	w->complete = true;
	for (q = 0; q < DMARC_WALK_MAX; q++) {
		if ((lk = lookup(dc, target)) == NULL)
			return false;
		if (lk->state == LK_TEMP) {
			/* RFC 9989 5.3.6: transient, not "no record" */
			w->failed = lk;
			w->complete = false;
			break;
		}
		if (lk->state == LK_RECORD) {
			w->found[w->nfound++] = lk;
			/* steps 2 and 6: psd=n or psd=y ends the walk */
			if (lk->rec.psd == 'n' || lk->rec.psd == 'y')
				break;
		}
		if ((x = dmarc_name_labels(target)) <= 1)
			break;
		/* RFC 9989 4.10 step 5: x >= 8 keeps the 7 rightmost */
		target = dmarc_name_suffix(name, x - 1 < DMARC_WALK_SHORTCUT ?
		    x - 1 : DMARC_WALK_SHORTCUT);
	}
	walk_select_org(w);
	return true;
}

/* psl_org - RFC 7489 3.2: the registrable domain, else the name itself */
static const char *
psl_org(const struct dctx *dc, const char *name)
{
	const char *reg;

	reg = psl_registrable_domain(dc->ctx->psl, name);
	return reg != NULL ? reg : name;
}

/*
 * id_org - the Organizational Domain of an identifier (its own walk,
 * remembered).  Returns AL_YES with *org set, AL_UNKNOWN when its walk
 * could not finish or the walk cap is reached, AL_NO on allocation failure.
 */
static int
id_org(struct dctx *dc, const char *name, const char **org)
{
	struct id_org *io;
	struct walk w;
	size_t i;

	for (i = 0; i < dc->nids; i++)
		if (strcmp(dc->ids[i].name, name) == 0) {
			*org = dc->ids[i].org;
			return dc->ids[i].complete ? AL_YES : AL_UNKNOWN;
		}
	if (dc->nids >= DMARC_MAX_ID_WALKS) {
		if (!dc->ids_capped)
			note(dc, "more than %d identifier walks: the rest not "
			    "evaluated", DMARC_MAX_ID_WALKS);
		dc->ids_capped = true;
		return AL_UNKNOWN;
	}
	if (!walk_run(dc, name, &w))
		return AL_NO;
	io = &dc->ids[dc->nids++];
	snprintf(io->name, sizeof(io->name), "%s", name);
	snprintf(io->org, sizeof(io->org), "%s", w.org);
	io->complete = w.complete;
	if (!w.complete)
		note(dc, "organizational domain of %s unknown: _dmarc.%s: %s",
		    name, w.failed->name, w.failed->why);
	*org = io->org;
	return io->complete ? AL_YES : AL_UNKNOWN;
}

/*
 * align - RFC 9989 4.4 / RFC 7489 3.1: identifier id against the Author
 * Domain.  Strict: identical names.  Relaxed: the same Organizational
 * Domain.  from_org is NULL when the Author Domain's own walk failed.
 */
static int
align(struct dctx *dc, const char *id, char mode, const char *from_org)
{
	char n[DMARC_NAME_MAX + 1];
	const char *org;
	int st;

	if (id == NULL || !dmarc_name_norm(id, strlen(id), n, sizeof(n)))
		return AL_NO;
	/* RFC 9989 4.10.2: identical names need no walk */
	if (strcmp(n, dc->from) == 0)
		return AL_YES;
	if (mode == 's')
		return AL_NO;
	if (dc->ctx->mode == MAUTH_DMARC_RFC7489)
		return strcmp(psl_org(dc, n), from_org) == 0 ? AL_YES : AL_NO;
	if (from_org == NULL) {
		/* no common top-level label: never the same organization */
		return strcmp(dmarc_name_suffix(n, 1),
		    dmarc_name_suffix(dc->from, 1)) == 0 ? AL_UNKNOWN : AL_NO;
	}
	/* Organizational Domains are suffixes: a name outside cannot match */
	if (!dmarc_name_under(n, from_org))
		return AL_NO;
	if ((st = id_org(dc, n, &org)) != AL_YES)
		return st;
	return strcmp(org, from_org) == 0 ? AL_YES : AL_NO;
}

/* ---- evaluation --------------------------------------------------------- */

/* set_record - the applied record, printable */
static void
set_record(struct dctx *dc, struct mauth_dmarc_eval *ev,
    const struct lookup *lk)
{
	struct buf b;

	buf_init(&b, DMARC_RECORD_SHOW_MAX);
	buf_put_escaped(&b, lk->text, lk->len);
	if (b.err == MAUTH_ERR_LIMIT) {
		/* keep what fits, marked as cut */
		b.err = 0;
		b.max += 3;
		buf_puts(&b, "...");
	}
	free(ev->record);
	ev->record = buf_take(&b);
	if (ev->record == NULL)
		dc->nomem = true;
	buf_free(&b);
}

/*
 * discover - policy discovery: the record to apply and the Organizational
 * Domain of the Author Domain.  Returns the lookup of the applied record,
 * or NULL with ev->result set (none or temperror) and the reason in *why.
 * *from_org is the Organizational Domain, or NULL when unknown.
 */
static struct lookup *
discover(struct dctx *dc, struct mauth_dmarc_eval *ev, struct walk *w,
    const char **from_org, bool *own, char *why, size_t whylen)
{
	struct lookup *a, *o;
	size_t i;

	*from_org = NULL;
	*own = false;
	if ((a = lookup(dc, dc->from)) == NULL)
		return NULL;
	if (a->state == LK_TEMP) {
		ev->result = MAUTH_DMARC_TEMPERROR;
		snprintf(why, whylen, "_dmarc.%s: %s", a->name, a->why);
		return NULL;
	}

	if (dc->ctx->mode == MAUTH_DMARC_RFC7489) {
		/* RFC 7489 6.6.3: the From domain, then the PSL's org domain */
		*from_org = psl_org(dc, dc->from);
		set_str(dc, &ev->org_domain, *from_org);
		if (a->state == LK_RECORD) {
			*own = true;
			return a;
		}
		if (a->ndmarc > 1) {
			ev->result = MAUTH_DMARC_NONE;
			snprintf(why, whylen, "_dmarc.%s: %s: no DMARC "
			    "processing (RFC 7489 6.6.3)", a->name, a->why);
			return NULL;
		}
		if (strcmp(*from_org, dc->from) == 0) {
			ev->result = MAUTH_DMARC_NONE;
			snprintf(why, whylen, "no DMARC record at _dmarc.%s",
			    dc->from);
			return NULL;
		}
		if ((o = lookup(dc, *from_org)) == NULL)
			return NULL;
		if (o->state == LK_TEMP) {
			ev->result = MAUTH_DMARC_TEMPERROR;
			snprintf(why, whylen, "_dmarc.%s: %s", o->name, o->why);
			return NULL;
		}
		if (o->state != LK_RECORD) {
			ev->result = MAUTH_DMARC_NONE;
			snprintf(why, whylen, "no DMARC record at _dmarc.%s "
			    "or at the organizational domain _dmarc.%s (%s)",
			    dc->from, o->name, o->why);
			return NULL;
		}
		return o;
	}

	/* RFC 9989 4.10.1: the walk continues from the first query */
	if (!walk_run(dc, dc->from, w))
		return NULL;
	set_str(dc, &ev->org_domain, w->org);
	if (w->complete)
		*from_org = w->org;
	else if (a->state == LK_RECORD)
		note(dc, "organizational domain from an incomplete walk "
		    "(_dmarc.%s: %s)", w->failed->name, w->failed->why);
	if (a->state == LK_RECORD) {
		*own = true;
		return a;
	}
	if (!w->complete) {
		ev->result = MAUTH_DMARC_TEMPERROR;
		snprintf(why, whylen, "_dmarc.%s: %s", w->failed->name,
		    w->failed->why);
		return NULL;
	}
	/* the Organizational Domain's record, else the PSD's (psd=y) */
	for (i = 0; i < w->nfound; i++)
		if (strcmp(w->found[i]->name, w->org) == 0)
			return w->found[i];
	for (i = 0; i < w->nfound; i++)
		if (w->found[i]->rec.psd == 'y')
			return w->found[i];
	ev->result = MAUTH_DMARC_NONE;
	snprintf(why, whylen, "no DMARC record for %s or above it (%s)",
	    dc->from, a->why);
	return NULL;
}

/*
 * choose_policy - the Domain Owner Assessment Policy for this Author
 * Domain: p for the domain's own record; for an inherited one np when the
 * Author Domain does not exist, else sp, each falling back (np to sp to p)
 * (RFC 9989 4.7, 4.10.1; RFC 7489 6.3: p and sp).
 */
static int
choose_policy(struct dctx *dc, const struct dmarc_record *rec, bool own)
{
	int sp;

	if (own)
		return rec->p;
	sp = rec->sp >= 0 ? rec->sp : rec->p;
	if (dc->ctx->mode == MAUTH_DMARC_RFC7489 || rec->np < 0 ||
	    rec->np == sp)
		return sp;
	switch (exists(dc, dc->from)) {
	case EX_NO:
		note(dc, "np applied: %s does not exist", dc->from);
		return rec->np;
	case EX_TEMP:
		/* decision: a failed existence check leaves sp in force */
		note(dc, "sp applied");
		return sp;
	default:
		return sp;
	}
}

/* finish_reason - the main reason, then the notes, as one bounded line */
static void
finish_reason(struct dctx *dc, struct mauth_dmarc_eval *ev, const char *why)
{
	struct buf b;

	buf_init(&b, DMARC_REASON_MAX);
	buf_puts(&b, why);
	if (dc->notes.len > 0) {
		if (why[0] != '\0')
			buf_puts(&b, "; ");
		buf_append(&b, dc->notes.data, dc->notes.len);
	}
	if (b.err == MAUTH_ERR_LIMIT) {
		/* keep what fits, marked as cut */
		b.err = 0;
		b.max += 3;
		buf_puts(&b, "...");
	}
	free(ev->reason);
	ev->reason = buf_take(&b);
	if (ev->reason == NULL)
		dc->nomem = true;
	buf_free(&b);
}

/* evaluate - the body of mauth_dmarc_evaluate() */
static void
evaluate(struct dctx *dc, const struct mauth_dmarc_input *in,
    struct mauth_dmarc_eval *ev)
{
	struct walk w;
	struct lookup *lk;
	const struct dmarc_record *rec;
	const char *from_org;
	char why[DMARC_REASON_MAX], what[DMARC_NAME_MAX + 64];
	bool own, unknown = false, acting_none = false, rfc9989;
	size_t i;
	int st, policy;

	rfc9989 = dc->ctx->mode == MAUTH_DMARC_RFC9989;
	why[0] = '\0';
	what[0] = '\0';
	if (!dmarc_name_norm(in->from_domain, strlen(in->from_domain),
	    dc->from, sizeof(dc->from))) {
		/* decision: a From domain that cannot be queried */
		ev->result = MAUTH_DMARC_PERMERROR;
		snprintf(why, sizeof(why), "the From domain is not a valid "
		    "ASCII domain name");
		goto out;
	}
	set_str(dc, &ev->from_domain, dc->from);

	if ((lk = discover(dc, ev, &w, &from_org, &own, why,
	    sizeof(why))) == NULL)
		goto out;
	rec = &lk->rec;
	set_str(dc, &ev->policy_domain, lk->name);
	set_record(dc, ev, lk);

	/*
	 * RFC 9989 4.10.1, RFC 7489 6.6.3 step 6: no valid p, or an invalid
	 * sp (or np): p=none if rua holds a valid URI, else no DMARC at all
	 */
	if (rec->p < 0 || rec->sp == DMARC_POLICY_INVALID ||
	    (rfc9989 && rec->np == DMARC_POLICY_INVALID)) {
		if (rec->rua_valid == 0) {
			ev->result = MAUTH_DMARC_NONE;
			snprintf(why, sizeof(why), "record at _dmarc.%s has %s "
			    "and no valid rua: no DMARC processing",
			    lk->name, rec->p == DMARC_TAG_ABSENT ? "no p" :
			    rec->p == DMARC_POLICY_INVALID ? "an invalid p" :
			    rec->sp == DMARC_POLICY_INVALID ? "an invalid sp" :
			    "an invalid np");
			goto out;
		}
		acting_none = true;
		note(dc, "record without a valid p, sp or np but with a valid "
		    "rua: acting as p=none");
	}

	/* alignment: SPF (the domain SPF checked, pass only), then DKIM */
	if (in->has_spf && in->spf.result == MAUTH_SPF_PASS) {
		st = align(dc, in->spf.domain, rec->aspf, from_org);
		if (st == AL_YES) {
			ev->spf_aligned = true;
			snprintf(what, sizeof(what), "SPF %s", in->spf.domain);
		} else if (st == AL_UNKNOWN)
			unknown = true;
	}
	for (i = 0; i < in->ndkim && i < MAUTH_DMARC_MAX_DKIM; i++) {
		if (in->dkim[i].result != MAUTH_DKIM_PASS)
			continue;
		if (ev->dkim_aligned)
			break;
		st = align(dc, in->dkim[i].domain, rec->adkim, from_org);
		if (st == AL_YES) {
			ev->dkim_aligned = true;
			if (!ev->spf_aligned)
				snprintf(what, sizeof(what), "DKIM d=%s",
				    in->dkim[i].domain);
		} else if (st == AL_UNKNOWN)
			unknown = true;
	}
	if (dc->nomem)
		return;
	if (ev->spf_aligned || ev->dkim_aligned) {
		ev->result = MAUTH_DMARC_PASS;
		snprintf(why, sizeof(why), "%s aligned with %s (%s)", what,
		    dc->from, ev->spf_aligned ? (rec->aspf == 's' ? "strict" :
		    "relaxed") : (rec->adkim == 's' ? "strict" : "relaxed"));
	} else if (unknown) {
		/* RFC 9989 5.3.6: neither pass nor fail can be concluded */
		ev->result = MAUTH_DMARC_TEMPERROR;
		snprintf(why, sizeof(why), "alignment could not be decided");
		goto out;
	} else {
		ev->result = MAUTH_DMARC_FAIL;
		snprintf(why, sizeof(why), "no passing identifier aligned "
		    "with %s (aspf=%c, adkim=%c)", dc->from, rec->aspf,
		    rec->adkim);
	}

	policy = acting_none ? MAUTH_DMARC_POLICY_NONE :
	    choose_policy(dc, rec, own);
	if (rfc9989 && rec->testing) {
		/* RFC 9989 4.7: t=y asks for one level less */
		ev->testing = true;
		if (policy != MAUTH_DMARC_POLICY_NONE)
			note(dc, "t=y: %s lowered one level",
			    dmarc_policy_name(policy));
		policy = lower(policy);
	} else if (!rfc9989 && rec->pct == 0) {
		/* RFC 7489 6.6.4: sampled out, one level less */
		if (policy != MAUTH_DMARC_POLICY_NONE)
			note(dc, "pct=0: %s lowered one level",
			    dmarc_policy_name(policy));
		policy = lower(policy);
	}
	ev->policy = policy;
out:
	finish_reason(dc, ev, why);
}

/* mauth_dmarc_evaluate - see mauth/dmarc.h */
int
mauth_dmarc_evaluate(const struct mauth_dmarc_ctx *ctx,
    struct mauth_resolver *r, struct mauth_dns_budget *budget,
    const struct mauth_dmarc_input *in, struct mauth_dmarc_eval **out,
    char *errbuf, size_t errlen)
{
	struct mauth_dns_budget local;
	struct mauth_dmarc_eval *ev;
	struct dctx *dc;
	unsigned sent0;
	size_t i;
	int rc = MAUTH_OK;

	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	if (out == NULL)
		return MAUTH_ERR_INVAL;
	*out = NULL;
	if (ctx == NULL || r == NULL || in == NULL || in->from_domain == NULL ||
	    in->ndkim > MAUTH_DMARC_MAX_DKIM) {
		if (errbuf != NULL)
			snprintf(errbuf, errlen, "%s", in != NULL &&
			    in->ndkim > MAUTH_DMARC_MAX_DKIM ?
			    "more DKIM results than MAUTH_DMARC_MAX_DKIM" :
			    "no context, resolver, input or From domain");
		return MAUTH_ERR_INVAL;
	}
	if ((ev = calloc(1, sizeof(*ev))) == NULL)
		return MAUTH_ERR_NOMEM;
	if ((dc = calloc(1, sizeof(*dc))) == NULL) {
		free(ev);
		return MAUTH_ERR_NOMEM;
	}
	ev->result = MAUTH_DMARC_NONE;
	ev->policy = MAUTH_DMARC_POLICY_UNSET;
	if (budget == NULL) {
		mauth_dns_budget_init(&local, DMARC_DEFAULT_MAX_QUERIES);
		local.max_ms = DMARC_DEFAULT_MAX_MS;
		budget = &local;
	}
	sent0 = budget->sent;
	dc->ctx = ctx;
	dc->r = r;
	dc->budget = budget;
	buf_init(&dc->notes, DMARC_REASON_MAX);

	evaluate(dc, in, ev);
	ev->dns_queries = budget->sent - sent0;
	if (ev->result == MAUTH_DMARC_NONE ||
	    ev->result == MAUTH_DMARC_TEMPERROR ||
	    ev->result == MAUTH_DMARC_PERMERROR)
		ev->policy = MAUTH_DMARC_POLICY_UNSET;
	if (dc->nomem || dc->notes.err == MAUTH_ERR_NOMEM) {
		rc = MAUTH_ERR_NOMEM;
		mauth_dmarc_eval_free(ev);
		ev = NULL;
	}
	for (i = 0; i < dc->nlk; i++) {
		free(dc->lk[i]->text);
		free(dc->lk[i]);
	}
	buf_free(&dc->notes);
	free(dc);
	*out = ev;
	return rc;
}

/* mauth_dmarc_eval_free - NULL is a no-op */
void
mauth_dmarc_eval_free(struct mauth_dmarc_eval *ev)
{
	if (ev == NULL)
		return;
	free(ev->from_domain);
	free(ev->policy_domain);
	free(ev->org_domain);
	free(ev->record);
	free(ev->reason);
	free(ev);
}

int
mauth_dmarc_eval_result(const struct mauth_dmarc_eval *ev)
{
	return ev != NULL ? ev->result : MAUTH_DMARC_NONE;
}

int
mauth_dmarc_eval_policy(const struct mauth_dmarc_eval *ev)
{
	return ev != NULL ? ev->policy : MAUTH_DMARC_POLICY_UNSET;
}

const char *
mauth_dmarc_eval_from_domain(const struct mauth_dmarc_eval *ev)
{
	return ev != NULL ? ev->from_domain : NULL;
}

const char *
mauth_dmarc_eval_policy_domain(const struct mauth_dmarc_eval *ev)
{
	return ev != NULL ? ev->policy_domain : NULL;
}

const char *
mauth_dmarc_eval_org_domain(const struct mauth_dmarc_eval *ev)
{
	return ev != NULL ? ev->org_domain : NULL;
}

const char *
mauth_dmarc_eval_record(const struct mauth_dmarc_eval *ev)
{
	return ev != NULL ? ev->record : NULL;
}

const char *
mauth_dmarc_eval_reason(const struct mauth_dmarc_eval *ev)
{
	return ev != NULL ? ev->reason : NULL;
}

bool
mauth_dmarc_eval_spf_aligned(const struct mauth_dmarc_eval *ev)
{
	return ev != NULL && ev->spf_aligned;
}

bool
mauth_dmarc_eval_dkim_aligned(const struct mauth_dmarc_eval *ev)
{
	return ev != NULL && ev->dkim_aligned;
}

bool
mauth_dmarc_eval_testing(const struct mauth_dmarc_eval *ev)
{
	return ev != NULL && ev->testing;
}

unsigned
mauth_dmarc_eval_dns_queries(const struct mauth_dmarc_eval *ev)
{
	return ev != NULL ? ev->dns_queries : 0;
}
