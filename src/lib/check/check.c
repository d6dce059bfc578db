/*
 * check.c - the one per-message pipeline (see mauth/check.h): the only
 * place that orders the checks.
 *
 *   set_client / set_mail_from   SPF (RFC 7208 2.4 MAIL FROM, 2.3 HELO)
 *   header ... (or write)        From to the Author Domain parser, every
 *                                field to the DKIM verifier
 *   eoh                          DKIM key lookups
 *   body ... (or write)          DKIM body hashing, streamed
 *   eom                          DKIM results, DMARC, Authentication-Results
 *
 * One DNS budget per message is shared by SPF, DKIM and DMARC.  SPF runs
 * with its own per-evaluation ceilings (RFC 7208 4.6.4), capped by what
 * is left of the message budget, and its queries and wait are then added
 * to the message budget.
 *
 * Decisions (documented in check.h):
 *   - No usable Author Domain: DMARC is not evaluated.  dmarc=none when no
 *     domain can be extracted (no From, no usable domain, several addresses
 *     in different domains: RFC 9989 exempts such messages from DMARC;
 *     RFC 7489 11.2 defines none as "no aligned identifier could be
 *     extracted"); dmarc=permerror when the From header field itself is
 *     invalid (several From fields, RFC 5322 3.6; a syntax error): a
 *     permanent condition of the message.
 *   - SPF not evaluated (no client address): the A-R header has no spf
 *     resinfo (RFC 8601 2.7: only methods applied are reported) and the
 *     dmarc resinfo carries the comment "spf not evaluated: ...".
 *   - A null reverse-path: the MAIL FROM check is check_host() on the HELO
 *     name with postmaster@helo (RFC 7208 2.4), reported as smtp.helo; it
 *     is also the HELO result.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mauth/authres.h"
#include "mauth/check.h"
#include "mauth/message.h"
#include "dkim/dkim_int.h"
#include "message/message_int.h"
#include "util/buf.h"
#include "util/str.h"

#define CHECK_HOSTNAME_MAX	256
#define CHECK_REASON_MAX	512
#define CHECK_LIMITS_MAX	1024	/* bytes of the joined limit text */
#define CHECK_ARG_MAX		1024	/* bytes of an envelope argument */
#define CHECK_SPF_MAX_QUERIES	150	/* mauth_spf_request_init default */
#define CHECK_SPF_MAX_MS	20000	/* RFC 7208 4.6.4 */

struct mauth_ctx {
	struct mauth_ctx_options	 o;
	char				*authserv_id;
	char				*psl_path;
	struct mauth_resolver		*r;
	struct mauth_dmarc_ctx		*dmarc;
	struct dkimv_lib		*dkim;
};

enum check_state {
	CS_ENVELOPE = 0,	/* before the first header field */
	CS_HEADERS,		/* header fields arriving */
	CS_BODY,		/* after end of headers */
	CS_DONE,		/* results available */
	CS_FAILED		/* an API or resource failure: free only */
};

enum check_feed { FEED_NONE = 0, FEED_FIELDS, FEED_WRITE };

struct mauth_check {
	struct mauth_ctx	*ctx;
	int			 state;
	int			 feed;
	struct mauth_dns_budget	 budget;
	/* envelope */
	char			*ip;
	char			*helo;
	char			*mail_from;
	bool			 mail_from_set;
	/* SPF */
	struct mauth_spf_eval	*spf;
	struct mauth_spf_eval	*spf_helo;
	bool			 helo_is_mailfrom;	/* null reverse-path */
	char			 spf_problem[CHECK_REASON_MAX];
	/* message */
	struct msg_split	*split;
	struct mauth_from	*from;
	struct dkimv		*dkim;
	size_t			 nfields;
	char			 limits[CHECK_LIMITS_MAX];
	/* results */
	struct mauth_dmarc_eval	*dmarc;
	int			 dmarc_result;
	char			 dmarc_reason[CHECK_REASON_MAX];
	char			*authres;
	char			*authres_line;
};

/* ---- context ------------------------------------------------------------ */

/* mauth_ctx_options_init - the defaults of check.h */
void
mauth_ctx_options_init(struct mauth_ctx_options *o)
{
	if (o == NULL)
		return;
	memset(o, 0, sizeof(*o));
	o->dmarc_mode = MAUTH_DMARC_RFC9989;
	o->max_signatures = 5;
	o->min_rsa_bits = 1024;		/* RFC 8301 3.2 */
	o->max_headers = MSG_DEFAULT_MAX_HEADERS;
	o->max_header_len = MSG_DEFAULT_MAX_FIELD;
	o->max_dns_queries = 300;
	o->dns_time_ms = 30000;
	o->authres_fold = MAUTH_AUTHRES_FOLD_LF;
	o->max_authres_dkim = 20;
}

/* set_err - one-line reason into errbuf (may be NULL) */
static void
set_err(char *errbuf, size_t errlen, const char *what, const char *why)
{
	if (errbuf != NULL && errlen > 0)
		(void)snprintf(errbuf, errlen, "%s: %s", what, why);
}

/* mauth_ctx_new - the shared context (see check.h) */
int
mauth_ctx_new(const struct mauth_ctx_options *o, struct mauth_resolver *r,
    struct mauth_ctx **out, char *errbuf, size_t errlen)
{
	struct mauth_ctx *ctx;
	char host[CHECK_HOSTNAME_MAX + 1], err[512];
	struct mauth_authres_builder *b = NULL;
	int rc;

	if (out == NULL)
		return MAUTH_ERR_INVAL;
	*out = NULL;
	if (r == NULL) {
		set_err(errbuf, errlen, "context", "no resolver");
		return MAUTH_ERR_INVAL;
	}
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		return MAUTH_ERR_NOMEM;
	if (o != NULL)
		ctx->o = *o;
	else
		mauth_ctx_options_init(&ctx->o);
	ctx->r = r;
	if (ctx->o.max_signatures == 0)
		ctx->o.max_signatures = 5;
	if (ctx->o.min_rsa_bits == 0)
		ctx->o.min_rsa_bits = 1024;
	if (ctx->o.max_headers == 0)
		ctx->o.max_headers = MSG_DEFAULT_MAX_HEADERS;
	if (ctx->o.max_header_len == 0)
		ctx->o.max_header_len = MSG_DEFAULT_MAX_FIELD;
	if (ctx->o.max_authres_dkim == 0)
		ctx->o.max_authres_dkim = 20;
	if (ctx->o.authres_fold < MAUTH_AUTHRES_FOLD_NONE ||
	    ctx->o.authres_fold > MAUTH_AUTHRES_FOLD_CRLF) {
		set_err(errbuf, errlen, "authres_fold", "unknown folding");
		rc = MAUTH_ERR_INVAL;
		goto fail;
	}

	/* authserv-id: configured, else the host name */
	if (ctx->o.authserv_id != NULL && ctx->o.authserv_id[0] != '\0')
		ctx->authserv_id = strdup(ctx->o.authserv_id);
	else {
		memset(host, 0, sizeof(host));
		if (gethostname(host, CHECK_HOSTNAME_MAX) != 0 ||
		    host[0] == '\0')
			(void)snprintf(host, sizeof(host), "localhost");
		ctx->authserv_id = strdup(host);
	}
	if (ctx->authserv_id == NULL) {
		rc = MAUTH_ERR_NOMEM;
		goto fail;
	}
	/* refuse an id the builder cannot write, now rather than per message */
	if ((rc = mauth_authres_builder_new(ctx->authserv_id, &b)) !=
	    MAUTH_OK) {
		set_err(errbuf, errlen, "authserv-id", mauth_strerror(rc));
		goto fail;
	}
	mauth_authres_builder_free(b);
	ctx->o.authserv_id = ctx->authserv_id;
	if (ctx->o.psl_path != NULL) {
		if ((ctx->psl_path = strdup(ctx->o.psl_path)) == NULL) {
			rc = MAUTH_ERR_NOMEM;
			goto fail;
		}
		ctx->o.psl_path = ctx->psl_path;
	}

	err[0] = '\0';
	if ((rc = mauth_dmarc_ctx_new(ctx->o.dmarc_mode, ctx->o.psl_path,
	    &ctx->dmarc, err, sizeof(err))) != MAUTH_OK) {
		set_err(errbuf, errlen, "dmarc", err[0] != '\0' ? err :
		    mauth_strerror(rc));
		goto fail;
	}
	err[0] = '\0';
	if ((rc = dkimv_lib_new(&ctx->dkim, err, sizeof(err))) != MAUTH_OK) {
		set_err(errbuf, errlen, "dkim", err[0] != '\0' ? err :
		    mauth_strerror(rc));
		goto fail;
	}
	*out = ctx;
	return MAUTH_OK;
fail:
	mauth_ctx_free(ctx);
	return rc;
}

/* mauth_ctx_free - free the context; NULL is a no-op */
void
mauth_ctx_free(struct mauth_ctx *ctx)
{
	if (ctx == NULL)
		return;
	dkimv_lib_free(ctx->dkim);
	mauth_dmarc_ctx_free(ctx->dmarc);
	free(ctx->authserv_id);
	free(ctx->psl_path);
	free(ctx);
}

/* ---- one message -------------------------------------------------------- */

static int	split_header(void *arg, const struct msg_header *h);
static int	split_eoh(void *arg);
static int	split_body(void *arg, const char *buf, size_t len);

/* mauth_check_new - a check for one message */
int
mauth_check_new(struct mauth_ctx *ctx, struct mauth_check **out)
{
	struct mauth_check *chk;
	struct dkimv_options dopt;
	int rc;

	if (out == NULL)
		return MAUTH_ERR_INVAL;
	*out = NULL;
	if (ctx == NULL)
		return MAUTH_ERR_INVAL;
	if ((chk = calloc(1, sizeof(*chk))) == NULL)
		return MAUTH_ERR_NOMEM;
	chk->ctx = ctx;
	chk->state = CS_ENVELOPE;
	chk->dmarc_result = MAUTH_DMARC_NONE;
	mauth_dns_budget_init(&chk->budget, ctx->o.max_dns_queries);
	chk->budget.max_ms = ctx->o.dns_time_ms;
	(void)snprintf(chk->spf_problem, sizeof(chk->spf_problem),
	    "no client address");
	if ((rc = mauth_from_new(&chk->from)) != MAUTH_OK)
		goto fail;
	dkimv_options_init(&dopt);
	dopt.max_signatures = ctx->o.max_signatures;
	dopt.min_rsa_bits = ctx->o.min_rsa_bits;
	dopt.now = ctx->o.now;
	if ((rc = dkimv_new(ctx->dkim, ctx->r, &chk->budget, &dopt,
	    &chk->dkim)) != MAUTH_OK)
		goto fail;
	*out = chk;
	return MAUTH_OK;
fail:
	mauth_check_free(chk);
	return rc;
}

/* mauth_check_free - free a check; NULL is a no-op */
void
mauth_check_free(struct mauth_check *chk)
{
	if (chk == NULL)
		return;
	free(chk->ip);
	free(chk->helo);
	free(chk->mail_from);
	mauth_spf_eval_free(chk->spf);
	mauth_spf_eval_free(chk->spf_helo);
	msg_split_free(chk->split);
	mauth_from_free(chk->from);
	dkimv_free(chk->dkim);
	mauth_dmarc_eval_free(chk->dmarc);
	free(chk->authres);
	free(chk->authres_line);
	free(chk);
}

/* fail - a failure: the check can only be freed from now on */
static int
fail(struct mauth_check *chk, int rc)
{
	chk->state = CS_FAILED;
	return rc < 0 ? rc : MAUTH_ERR_INTERNAL;
}

/* add_limit - note a limit hit (joined with "; ", bounded) */
static void
add_limit(struct mauth_check *chk, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
add_limit(struct mauth_check *chk, const char *fmt, ...)
{
	char one[256];
	size_t len = strlen(chk->limits);
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(one, sizeof(one), fmt, ap);
	va_end(ap);
	if (strstr(chk->limits, one) != NULL)
		return;
	(void)snprintf(chk->limits + len, sizeof(chk->limits) - len, "%s%s",
	    len > 0 ? "; " : "", one);
}

/* arg_ok - an envelope string we keep: bounded, no control bytes */
static bool
arg_ok(const char *s)
{
	size_t i, len = strlen(s);

	if (len > CHECK_ARG_MAX)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* ip_ok - an IPv4 or IPv6 address in text form */
static bool
ip_ok(const char *ip)
{
	unsigned char a[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, ip, a) == 1 ||
	    inet_pton(AF_INET6, ip, a) == 1;
}

/* mauth_check_set_client - connect / HELO (see check.h) */
int
mauth_check_set_client(struct mauth_check *chk, const char *ip,
    const char *helo)
{
	if (chk == NULL || chk->state != CS_ENVELOPE || chk->mail_from_set)
		return MAUTH_ERR_INVAL;
	if ((ip != NULL && (!arg_ok(ip) || !ip_ok(ip))) ||
	    (helo != NULL && !arg_ok(helo)))
		return MAUTH_ERR_INVAL;
	free(chk->ip);
	free(chk->helo);
	chk->ip = chk->helo = NULL;
	if (ip != NULL && (chk->ip = strdup(ip)) == NULL)
		return fail(chk, MAUTH_ERR_NOMEM);
	if (helo != NULL && helo[0] != '\0' &&
	    (chk->helo = strdup(helo)) == NULL)
		return fail(chk, MAUTH_ERR_NOMEM);
	(void)snprintf(chk->spf_problem, sizeof(chk->spf_problem), "%s",
	    chk->ip == NULL ? "no client address" : "no MAIL FROM given");
	return MAUTH_OK;
}

/* now_ms - monotonic milliseconds */
static uint64_t
now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * run_spf - one check_host() for identity, within what is left of the
 * message budget; its cost is added to the budget.  *out stays NULL and
 * a reason goes to spf_problem when the request cannot be evaluated.
 */
static int
run_spf(struct mauth_check *chk, int identity, struct mauth_spf_eval **out)
{
	struct mauth_spf_request req;
	struct mauth_dns_budget *b = &chk->budget;
	char err[256];
	uint64_t t0, spent;
	unsigned q;
	int rc;

	mauth_spf_request_init(&req);
	req.ip = chk->ip;
	req.mail_from = chk->mail_from;
	req.helo = chk->helo;
	req.identity = identity;
	req.receiver = chk->ctx->authserv_id;
	if (b->max_queries > 0) {
		if (b->queries >= b->max_queries) {
			b->refused++;
			add_limit(chk, "DNS budget of %u queries spent",
			    b->max_queries);
			(void)snprintf(chk->spf_problem,
			    sizeof(chk->spf_problem), "DNS budget spent");
			return MAUTH_OK;
		}
		q = b->max_queries - b->queries;
		req.max_queries = q < CHECK_SPF_MAX_QUERIES ? q :
		    CHECK_SPF_MAX_QUERIES;
	}
	if (b->max_ms > 0) {
		if (b->spent_ms >= b->max_ms) {
			b->refused++;
			add_limit(chk, "DNS time budget of %u ms spent",
			    b->max_ms);
			(void)snprintf(chk->spf_problem,
			    sizeof(chk->spf_problem), "DNS time budget spent");
			return MAUTH_OK;
		}
		spent = b->max_ms - b->spent_ms;
		req.max_time_ms = spent < CHECK_SPF_MAX_MS ? (unsigned)spent :
		    CHECK_SPF_MAX_MS;
	}
	err[0] = '\0';
	t0 = now_ms();
	rc = mauth_spf_check(chk->ctx->r, &req, out, err, sizeof(err));
	spent = now_ms() - t0;
	if (rc == MAUTH_ERR_INVAL) {
		*out = NULL;
		(void)snprintf(chk->spf_problem, sizeof(chk->spf_problem),
		    "not evaluated: %s", err[0] != '\0' ? err :
		    "unusable request");
		return MAUTH_OK;
	}
	if (rc != MAUTH_OK)
		return rc;
	/* the SPF engine's own budget, folded into the message's */
	q = mauth_spf_eval_dns_queries(*out);
	b->sent += q;
	b->cache_hits += mauth_spf_eval_dns_cache_hits(*out);
	b->queries += q + mauth_spf_eval_dns_cache_hits(*out);
	b->spent_ms += spent;
	return MAUTH_OK;
}

/* mauth_check_set_mail_from - MAIL FROM: SPF runs here (RFC 7208 2.3, 2.4) */
int
mauth_check_set_mail_from(struct mauth_check *chk, const char *addr)
{
	int rc;

	if (chk == NULL || addr == NULL || chk->state != CS_ENVELOPE ||
	    chk->mail_from_set)
		return MAUTH_ERR_INVAL;
	if (!arg_ok(addr))
		return MAUTH_ERR_INVAL;
	if ((chk->mail_from = strdup(addr)) == NULL)
		return fail(chk, MAUTH_ERR_NOMEM);
	chk->mail_from_set = true;
	if (chk->ip == NULL) {
		(void)snprintf(chk->spf_problem, sizeof(chk->spf_problem),
		    "no client address");
		return MAUTH_OK;
	}
	if (addr[0] == '\0' && chk->helo == NULL) {
		(void)snprintf(chk->spf_problem, sizeof(chk->spf_problem),
		    "null reverse-path and no HELO name");
		return MAUTH_OK;
	}
	if ((rc = run_spf(chk, MAUTH_SPF_ID_MAILFROM, &chk->spf)) != MAUTH_OK)
		return fail(chk, rc);
	if (chk->spf != NULL)
		chk->spf_problem[0] = '\0';
	if (addr[0] == '\0') {
		/* RFC 7208 2.4: the MAIL FROM check was the HELO check */
		chk->helo_is_mailfrom = true;
		return MAUTH_OK;
	}
	if (chk->helo != NULL) {
		char keep[CHECK_REASON_MAX];

		/* RFC 7208 2.3; a HELO problem must not hide the MAIL FROM one */
		(void)snprintf(keep, sizeof(keep), "%s", chk->spf_problem);
		if ((rc = run_spf(chk, MAUTH_SPF_ID_HELO, &chk->spf_helo)) !=
		    MAUTH_OK)
			return fail(chk, rc);
		(void)snprintf(chk->spf_problem, sizeof(chk->spf_problem),
		    "%s", keep);
	}
	return MAUTH_OK;
}

/* field - one header field for both paths; limits of the options apply */
static int
field(struct mauth_check *chk, const char *name, size_t namelen,
    const char *value, size_t valuelen)
{
	struct mauth_ctx_options *o = &chk->ctx->o;
	int rc;

	if (chk->nfields >= o->max_headers) {
		add_limit(chk, "more than %zu header fields", o->max_headers);
		return MAUTH_OK;
	}
	if (namelen + 1 + valuelen > o->max_header_len) {
		add_limit(chk, "header field over %zu bytes",
		    o->max_header_len);
		return MAUTH_OK;
	}
	chk->nfields++;
	if (msg_name_eq(name, namelen, "From") &&
	    (rc = mauth_from_add(chk->from, value, valuelen)) != MAUTH_OK)
		return rc;
	return dkimv_header(chk->dkim, name, namelen, value, valuelen);
}

/* mauth_check_header - one header field (see check.h) */
int
mauth_check_header(struct mauth_check *chk, const char *name, size_t namelen,
    const char *value, size_t valuelen)
{
	int rc;

	if (chk == NULL || name == NULL || (value == NULL && valuelen > 0))
		return MAUTH_ERR_INVAL;
	if ((chk->state != CS_ENVELOPE && chk->state != CS_HEADERS) ||
	    chk->feed == FEED_WRITE)
		return MAUTH_ERR_INVAL;
	chk->feed = FEED_FIELDS;
	chk->state = CS_HEADERS;
	if ((rc = field(chk, name, namelen, value != NULL ? value : "",
	    valuelen)) != MAUTH_OK)
		return fail(chk, rc);
	return MAUTH_OK;
}

/* end_headers - end of the header block, from either path */
static int
end_headers(struct mauth_check *chk)
{
	int rc;

	chk->state = CS_BODY;
	if ((rc = dkimv_eoh(chk->dkim)) != MAUTH_OK)
		return rc;
	return MAUTH_OK;
}

/* mauth_check_eoh - end of headers: DKIM keys are fetched here */
int
mauth_check_eoh(struct mauth_check *chk)
{
	int rc;

	if (chk == NULL || chk->feed == FEED_WRITE ||
	    (chk->state != CS_ENVELOPE && chk->state != CS_HEADERS))
		return MAUTH_ERR_INVAL;
	chk->feed = FEED_FIELDS;
	if ((rc = end_headers(chk)) != MAUTH_OK)
		return fail(chk, rc);
	return MAUTH_OK;
}

/* mauth_check_body - a body chunk */
int
mauth_check_body(struct mauth_check *chk, const void *buf, size_t len)
{
	int rc;

	if (chk == NULL || (buf == NULL && len > 0) ||
	    chk->state != CS_BODY || chk->feed == FEED_WRITE)
		return MAUTH_ERR_INVAL;
	if ((rc = dkimv_body(chk->dkim, buf, len)) != MAUTH_OK)
		return fail(chk, rc);
	return MAUTH_OK;
}

/* split_header - splitter callback: one field */
static int
split_header(void *arg, const struct msg_header *h)
{
	struct mauth_check *chk = arg;

	chk->state = CS_HEADERS;
	return field(chk, h->name, h->namelen, h->value, h->valuelen);
}

/* split_eoh - splitter callback: end of headers */
static int
split_eoh(void *arg)
{
	return end_headers(arg);
}

/* split_body - splitter callback: body bytes */
static int
split_body(void *arg, const char *buf, size_t len)
{
	struct mauth_check *chk = arg;

	return dkimv_body(chk->dkim, buf, len);
}

/* mauth_check_write - raw message bytes in any chunking */
int
mauth_check_write(struct mauth_check *chk, const void *buf, size_t len)
{
	struct msg_callbacks cb;
	struct msg_limits lim;
	int rc;

	if (chk == NULL || (buf == NULL && len > 0) ||
	    chk->feed == FEED_FIELDS ||
	    (chk->state != CS_ENVELOPE && chk->state != CS_HEADERS &&
	    chk->state != CS_BODY))
		return MAUTH_ERR_INVAL;
	if (chk->split == NULL) {
		memset(&lim, 0, sizeof(lim));
		lim.max_headers = chk->ctx->o.max_headers;
		lim.max_field = chk->ctx->o.max_header_len;
		memset(&cb, 0, sizeof(cb));
		cb.header = split_header;
		cb.eoh = split_eoh;
		cb.body = split_body;
		cb.arg = chk;
		if ((chk->split = msg_split_new(&lim, &cb)) == NULL)
			return fail(chk, MAUTH_ERR_NOMEM);
		chk->feed = FEED_WRITE;
	}
	if (len == 0)
		return MAUTH_OK;
	if ((rc = msg_split_write(chk->split, buf, len)) != 0)
		return fail(chk, rc);
	return MAUTH_OK;
}

/* ---- end of message ----------------------------------------------------- */

/* dkim_rank - order in which signatures are handed to DMARC: pass first */
static int
dkim_rank(int result)
{
	return result == MAUTH_DKIM_PASS ? 0 : 1;
}

/* run_dmarc - RFC 9989 with the Author Domain, or the reason it cannot run */
static int
run_dmarc(struct mauth_check *chk)
{
	struct mauth_dmarc_input in;
	const struct mauth_dkim_sig *s;
	const char *dom;
	char err[256];
	size_t i, n = dkimv_count(chk->dkim);
	int st, rc, pass;

	st = mauth_from_status(chk->from);
	dom = mauth_from_domain(chk->from);
	if (dom == NULL) {
		/* no Author Domain: DMARC not evaluated (see the top) */
		chk->dmarc_result = (st == MAUTH_FROM_MULTIPLE_FROM ||
		    st == MAUTH_FROM_SYNTAX) ? MAUTH_DMARC_PERMERROR :
		    MAUTH_DMARC_NONE;
		(void)snprintf(chk->dmarc_reason, sizeof(chk->dmarc_reason),
		    "%s", st == MAUTH_FROM_NONE ? "no From header field" :
		    mauth_from_reason(chk->from));
		return MAUTH_OK;
	}
	memset(&in, 0, sizeof(in));
	in.from_domain = dom;
	if (chk->spf != NULL) {
		/* RFC 9989: the MAIL FROM domain, HELO for a null path */
		in.has_spf = true;
		in.spf.result = mauth_spf_eval_result(chk->spf);
		in.spf.domain = mauth_spf_eval_domain(chk->spf);
	}
	/* at most MAUTH_DMARC_MAX_DKIM signatures, passing ones first */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < n && in.ndkim < MAUTH_DMARC_MAX_DKIM; i++) {
			s = dkimv_sig(chk->dkim, i);
			if (s == NULL || !s->checked || s->domain == NULL ||
			    dkim_rank(s->result) != pass)
				continue;
			in.dkim[in.ndkim].result = s->result;
			in.dkim[in.ndkim].domain = s->domain;
			in.ndkim++;
		}
	err[0] = '\0';
	rc = mauth_dmarc_evaluate(chk->ctx->dmarc, chk->ctx->r, &chk->budget,
	    &in, &chk->dmarc, err, sizeof(err));
	if (rc == MAUTH_ERR_INVAL) {
		/* an input DMARC refuses is a permanent problem of the message */
		chk->dmarc = NULL;
		chk->dmarc_result = MAUTH_DMARC_PERMERROR;
		(void)snprintf(chk->dmarc_reason, sizeof(chk->dmarc_reason),
		    "%s", err[0] != '\0' ? err : "DMARC input refused");
		return MAUTH_OK;
	}
	if (rc != MAUTH_OK)
		return rc;
	chk->dmarc_result = mauth_dmarc_eval_result(chk->dmarc);
	(void)snprintf(chk->dmarc_reason, sizeof(chk->dmarc_reason), "%s",
	    mauth_dmarc_eval_reason(chk->dmarc) != NULL ?
	    mauth_dmarc_eval_reason(chk->dmarc) : "");
	return MAUTH_OK;
}

/* ar_spf - the spf resinfo (RFC 8601 2.7.2), when SPF was evaluated */
static int
ar_spf(struct mauth_check *chk, struct mauth_authres_builder *b)
{
	const char *res;

	if (chk->spf == NULL)
		return MAUTH_OK;
	res = mauth_spf_result_str(mauth_spf_eval_result(chk->spf));
	if (chk->helo_is_mailfrom)
		return mauth_authres_builder_add_spf(b, res, "helo",
		    chk->helo, mauth_spf_eval_reason(chk->spf));
	return mauth_authres_builder_add_spf(b, res, "mailfrom",
	    chk->mail_from, mauth_spf_eval_reason(chk->spf));
}

/* ar_dkim - one dkim resinfo per signature (RFC 8601 2.7.1), bounded */
static int
ar_dkim(struct mauth_check *chk, struct mauth_authres_builder *b)
{
	const struct mauth_dkim_sig *s;
	size_t i, n = dkimv_count(chk->dkim), written = 0, left = 0;
	char note[128];
	int rc;

	if (n == 0)
		return mauth_authres_builder_add_result(b, "dkim", -1, "none",
		    "no signature", NULL);
	for (i = 0; i < n; i++) {
		if ((s = dkimv_sig(chk->dkim, i)) == NULL)
			continue;
		if (!s->checked || written >= chk->ctx->o.max_authres_dkim) {
			left++;
			continue;
		}
		if ((rc = mauth_authres_builder_add_dkim(b,
		    mauth_dkim_result_str(s->result), s->domain, s->identity,
		    s->algorithm, s->selector, s->b_prefix, s->reason)) !=
		    MAUTH_OK)
			return rc;
		if (s->testing &&
		    (rc = mauth_authres_builder_set_comment(b,
		    "testing key t=y")) != MAUTH_OK)
			return rc;
		written++;
	}
	if (left > 0) {
		(void)snprintf(note, sizeof(note), "%zu more signature%s not "
		    "checked or not listed", left, left == 1 ? "" : "s");
		if (written == 0)
			return mauth_authres_builder_add_result(b, "dkim", -1,
			    "none", NULL, note);
		return mauth_authres_builder_set_comment(b, note);
	}
	return MAUTH_OK;
}

/* ar_dmarc - the dmarc resinfo (RFC 7489 11.2, RFC 9989) */
static int
ar_dmarc(struct mauth_check *chk, struct mauth_authres_builder *b)
{
	const char *policy = NULL, *from = NULL;
	char note[CHECK_REASON_MAX + 32];
	int rc, p;

	if (chk->dmarc != NULL) {
		from = mauth_dmarc_eval_from_domain(chk->dmarc);
		p = mauth_dmarc_eval_policy(chk->dmarc);
		if (p != MAUTH_DMARC_POLICY_UNSET)
			policy = mauth_dmarc_policy_str(p);
	}
	if ((rc = mauth_authres_builder_add_dmarc(b,
	    mauth_dmarc_result_str(chk->dmarc_result), from, policy,
	    chk->dmarc_reason[0] != '\0' ? chk->dmarc_reason : NULL)) !=
	    MAUTH_OK)
		return rc;
	if (chk->spf == NULL) {
		/* RFC 8601 2.7: no spf resinfo; say so where it matters */
		(void)snprintf(note, sizeof(note), "spf not evaluated: %s",
		    chk->spf_problem);
		return mauth_authres_builder_set_comment(b, note);
	}
	return MAUTH_OK;
}

/* build_authres - the Authentication-Results value, folded and one-line */
static int
build_authres(struct mauth_check *chk)
{
	struct mauth_authres_builder *b = NULL;
	int rc;

	if ((rc = mauth_authres_builder_new(chk->ctx->authserv_id, &b)) !=
	    MAUTH_OK)
		return rc;
	if ((rc = ar_spf(chk, b)) != MAUTH_OK ||
	    (rc = ar_dkim(chk, b)) != MAUTH_OK ||
	    (rc = ar_dmarc(chk, b)) != MAUTH_OK ||
	    (rc = mauth_authres_builder_finish(b, chk->ctx->o.authres_fold,
	    &chk->authres, NULL)) != MAUTH_OK ||
	    (rc = mauth_authres_builder_finish(b, MAUTH_AUTHRES_FOLD_NONE,
	    &chk->authres_line, NULL)) != MAUTH_OK) {
		mauth_authres_builder_free(b);
		return rc;
	}
	mauth_authres_builder_free(b);
	return MAUTH_OK;
}

/* note_limits - limits hit while reading the message and checking it */
static void
note_limits(struct mauth_check *chk)
{
	size_t i, n = dkimv_count(chk->dkim), over = 0;
	const struct mauth_dkim_sig *s;
	const char *lim;

	if (chk->split != NULL && (lim = msg_split_limit(chk->split)) != NULL)
		add_limit(chk, "%s", lim);
	for (i = 0; i < n; i++)
		if ((s = dkimv_sig(chk->dkim, i)) != NULL && !s->checked)
			over++;
	if (over > 0)
		add_limit(chk, "more than %u DKIM signatures (%zu not checked)",
		    chk->ctx->o.max_signatures, over);
	if (chk->budget.refused > 0)
		add_limit(chk, "DNS budget spent (%u queries, %llu ms; %u "
		    "refused)", chk->budget.queries,
		    (unsigned long long)chk->budget.spent_ms,
		    chk->budget.refused);
}

/* mauth_check_eom - DKIM results, DMARC, the A-R header */
int
mauth_check_eom(struct mauth_check *chk)
{
	int rc;

	if (chk == NULL || chk->state == CS_DONE || chk->state == CS_FAILED)
		return MAUTH_ERR_INVAL;
	if (chk->split != NULL && (rc = msg_split_finish(chk->split)) != 0)
		return fail(chk, rc);
	if (chk->state != CS_BODY && (rc = end_headers(chk)) != MAUTH_OK)
		return fail(chk, rc);
	if ((rc = dkimv_eom(chk->dkim)) != MAUTH_OK)
		return fail(chk, rc);
	if ((rc = run_dmarc(chk)) != MAUTH_OK)
		return fail(chk, rc);
	note_limits(chk);
	if ((rc = build_authres(chk)) != MAUTH_OK)
		return fail(chk, rc);
	chk->state = CS_DONE;
	return MAUTH_OK;
}

/* ---- results ------------------------------------------------------------ */

const struct mauth_spf_eval *
mauth_check_spf(const struct mauth_check *chk)
{
	return chk != NULL ? chk->spf : NULL;
}

const struct mauth_spf_eval *
mauth_check_spf_helo(const struct mauth_check *chk)
{
	if (chk == NULL)
		return NULL;
	return chk->helo_is_mailfrom ? chk->spf : chk->spf_helo;
}

const char *
mauth_check_spf_problem(const struct mauth_check *chk)
{
	if (chk == NULL)
		return NULL;
	return chk->spf == NULL ? chk->spf_problem : NULL;
}

size_t
mauth_check_dkim_count(const struct mauth_check *chk)
{
	return chk != NULL && chk->state == CS_DONE ?
	    dkimv_count(chk->dkim) : 0;
}

const struct mauth_dkim_sig *
mauth_check_dkim(const struct mauth_check *chk, size_t i)
{
	return chk != NULL && chk->state == CS_DONE ?
	    dkimv_sig(chk->dkim, i) : NULL;
}

const struct mauth_dmarc_eval *
mauth_check_dmarc(const struct mauth_check *chk)
{
	return chk != NULL ? chk->dmarc : NULL;
}

int
mauth_check_dmarc_result(const struct mauth_check *chk)
{
	return chk != NULL ? chk->dmarc_result : MAUTH_DMARC_NONE;
}

const char *
mauth_check_from_domain(const struct mauth_check *chk)
{
	return chk != NULL ? mauth_from_domain(chk->from) : NULL;
}

int
mauth_check_from_status(const struct mauth_check *chk)
{
	return chk != NULL ? mauth_from_status(chk->from) : MAUTH_FROM_NONE;
}

const char *
mauth_check_from_problem(const struct mauth_check *chk)
{
	if (chk == NULL || mauth_from_domain(chk->from) != NULL)
		return NULL;
	if (mauth_from_status(chk->from) == MAUTH_FROM_NONE)
		return "no From header field";
	return mauth_from_reason(chk->from);
}

const char *
mauth_check_limit_hit(const struct mauth_check *chk)
{
	if (chk == NULL || chk->limits[0] == '\0')
		return NULL;
	return chk->limits;
}

const char *
mauth_check_authres(const struct mauth_check *chk)
{
	return chk != NULL ? chk->authres : NULL;
}

const char *
mauth_check_authres_line(const struct mauth_check *chk)
{
	return chk != NULL ? chk->authres_line : NULL;
}

const struct mauth_dns_budget *
mauth_check_dns_budget(const struct mauth_check *chk)
{
	return chk != NULL ? &chk->budget : NULL;
}
