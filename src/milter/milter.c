/*
 * milter.c - the libmilter callbacks: one message through the same
 * library calls as `mauth verify` (mauth_check_*) and `mauth sign`
 * (mauth_signer_*).
 *
 * A message from a client that may not sign (neither internal nor
 * authenticated) is incoming: its check starts at MAIL FROM, where SPF
 * runs (MAIL FROM and HELO identities, RFC 7208 2.3), and header fields go
 * straight to it.  For an internal or authenticated client, whether the
 * message is signed depends on its From domain, so its header fields are
 * kept (bounded) until the end of the headers: an outgoing message (From
 * domain in the signing table) then gets a signer, any other one a check,
 * whose SPF runs there with the envelope given earlier.
 *
 * Any internal failure gives the configured failsafe action at once
 * (tempfail by default): never a silent accept, never a drop.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include "mauth/authres.h"
#include "mauth/check.h"
#include "mauth/message.h"
#include "mauth/sign.h"
#ifdef MAUTHD_HAVE_POLICY
#include "mauth/policy.h"
#endif
#include "util/str.h"

#include "mauthd.h"

#define MD_MAX_HDR_BYTES	(1024 * 1024)	/* header bytes kept to EOH */
#define MD_MAX_AR		100	/* our A-R fields removed per message */
#define MD_MAX_KEYS_PER_MSG	8	/* signatures per message */
/* the stages answered without a reply when the MTA agrees */
#define MD_NR	(SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | \
	    SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY)

struct md_hdr {
	char	*name;
	char	*value;		/* as fed to the library: leading space kept */
	size_t	 vlen;
};

/* One SMTP connection and its message in progress (milter private data). */
struct md_conn {
	bool			 leadspc;	/* SMFIP_HDR_LEADSPC agreed */
	char			 ip[INET6_ADDRSTRLEN];	/* "" when not IP */
	char			*helo;
	/* the message */
	struct md_live		*live;
	char			*mailfrom;
	bool			 auth;
	bool			 internal;
	struct md_hdr		*hdrs;
	size_t			 nhdrs;
	size_t			 hdrcap;
	size_t			 nfields;	/* header fields seen */
	size_t			 hdrbytes;	/* and their bytes */
	unsigned		 ar_seen;
	unsigned		 ar_del[MD_MAX_AR];
	size_t			 nar_del;
	bool			 outgoing;
	struct mauth_check	*chk;
	struct mauth_signer	*signer;
	char			 signed_by[512];
	char			 qid[64];	/* macro i, once given */
	/* stages the MTA expects no reply for (SMFIP_NR_*, negotiated) */
	unsigned long		 nr;
	char			 conn_fail[96];	/* connection: every message */
	char			 fail[96];	/* this message, at its next reply */
};

/* msg_reset - forget the message (not the connection) */
static void
msg_reset(struct md_conn *c)
{
	size_t i;

	for (i = 0; i < c->nhdrs; i++) {
		free(c->hdrs[i].name);
		free(c->hdrs[i].value);
	}
	free(c->hdrs);
	c->hdrs = NULL;
	c->nhdrs = c->hdrcap = c->nfields = c->hdrbytes = 0;
	free(c->mailfrom);
	c->mailfrom = NULL;
	mauth_check_free(c->chk);
	c->chk = NULL;
	mauth_signer_free(c->signer);
	c->signer = NULL;
	md_live_put(c->live);
	c->live = NULL;
	c->auth = c->internal = c->outgoing = false;
	c->ar_seen = 0;
	c->nar_del = 0;
	c->signed_by[0] = '\0';
	c->qid[0] = '\0';
	c->fail[0] = '\0';
}

/* conn_get - the connection's state, made on first use; NULL on ENOMEM */
static struct md_conn *
conn_get(SMFICTX *ctx)
{
	struct md_conn *c;

	if ((c = smfi_getpriv(ctx)) != NULL)
		return c;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (smfi_setpriv(ctx, c) != MI_SUCCESS) {
		free(c);
		return NULL;
	}
	return c;
}

/*
 * queue_id - the MTA's queue id (macro i) for log lines: Sendmail sends it
 * with MAIL, Postfix from EOH on; the last one seen is kept
 */
static const char *
queue_id(SMFICTX *ctx)
{
	struct md_conn *c = smfi_getpriv(ctx);
	const char *q = smfi_getsymval(ctx, "i");

	if (q != NULL && q[0] != '\0') {
		q = md_esc(q, 60);
		if (c != NULL)
			snprintf(c->qid, sizeof(c->qid), "%s", q);
		return q;
	}
	return c != NULL && c->qid[0] != '\0' ? c->qid : "NOQUEUE";
}

/* reply - set an SMTP reply; '%' doubled as libmilter wants */
static void
reply(SMFICTX *ctx, int code, const char *esc, const char *text)
{
	char scode[8], t[1024];
	size_t i, n = 0;

	snprintf(scode, sizeof(scode), "%d", code);
	for (i = 0; text[i] != '\0' && n + 3 < sizeof(t); i++) {
		if (text[i] == '%')
			t[n++] = '%';
		t[n++] = text[i];
	}
	t[n] = '\0';
	if (smfi_setreply(ctx, scode, esc != NULL && esc[0] != '\0' ?
	    (char *)esc : NULL, t) != MI_SUCCESS)
		md_log(MD_WARNING, "%s: smfi_setreply %d failed",
		    queue_id(ctx), code);
}

/*
 * failsafe - an internal error: the configured action (tempfail unless
 * configured otherwise), logged, and the message forgotten
 */
static sfsistat
failsafe(SMFICTX *ctx, struct md_conn *c, const char *why)
{
	int a = MD_ACT_TEMPFAIL;
	struct md_live *l;

	if (c != NULL && c->live != NULL)
		a = c->live->conf->failsafe;
	else if ((l = md_live_get()) != NULL) {
		a = l->conf->failsafe;
		md_live_put(l);
	}
	md_log(MD_ERR, "%s: client=%s not checked (%s): failsafe action=%s",
	    queue_id(ctx), c != NULL && c->ip[0] != '\0' ? c->ip : "-", why,
	    md_action_name(a));
	if (c != NULL)
		msg_reset(c);
	switch (a) {
	case MD_ACT_ACCEPT:
		return SMFIS_ACCEPT;
	case MD_ACT_REJECT:
		reply(ctx, 550, "5.7.0",
		    "mauthd: message could not be checked");
		return SMFIS_REJECT;
	default:
		reply(ctx, 451, "4.3.0", "mauthd: temporary local problem, "
		    "try again later");
		return SMFIS_TEMPFAIL;
	}
}

/*
 * stage_fail - a failure at a stage: the failsafe now when the MTA waits
 * for a reply, else kept and given at the next stage that has one (end
 * of message at the latest); the rest of the message is ignored
 */
static sfsistat
stage_fail(SMFICTX *ctx, struct md_conn *c, unsigned long nrflag,
    const char *why)
{
	if (c == NULL || !(c->nr & nrflag))
		return failsafe(ctx, c, why);
	if (c->fail[0] == '\0')
		snprintf(c->fail, sizeof(c->fail), "%s", why);
	return SMFIS_NOREPLY;
}

/* stage_ok - go on: no reply where none is expected */
static sfsistat
stage_ok(const struct md_conn *c, unsigned long nrflag)
{
	return c->nr & nrflag ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/*
 * pending - a kept failure of the connection or the message: given now at
 * a stage with a reply, else still kept; SMFIS_CONTINUE when none
 */
static sfsistat
pending(SMFICTX *ctx, struct md_conn *c, unsigned long nrflag)
{
	if (c->fail[0] == '\0' && c->conn_fail[0] != '\0')
		snprintf(c->fail, sizeof(c->fail), "%s", c->conn_fail);
	if (c->fail[0] == '\0')
		return SMFIS_CONTINUE;
	if (c->nr & nrflag)
		return SMFIS_NOREPLY;
	{
		char why[sizeof(c->fail)];

		snprintf(why, sizeof(why), "%s", c->fail);
		return failsafe(ctx, c, why);
	}
}

/*
 * md_negotiate - header values with their leading space; no RCPT, DATA or
 * unknown commands (no callbacks for them); and, where the MTA offers it,
 * no reply for connect, HELO, MAIL, headers, end of headers and body
 * chunks: one round trip per message (end of message) instead of one per
 * header field and chunk.  A failure before the end of the message is
 * given at its end (stage_fail).
 */
static sfsistat
md_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	struct md_conn *c;

	if ((c = conn_get(ctx)) == NULL)
		return SMFIS_TEMPFAIL;
	*pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE);
	*pf1 = f1 & (SMFIP_HDR_LEADSPC | SMFIP_NORCPT | SMFIP_NODATA |
	    SMFIP_NOUNKNOWN | MD_NR);
	*pf2 = 0;
	*pf3 = 0;
	c->leadspc = (*pf1 & SMFIP_HDR_LEADSPC) != 0;
	c->nr = *pf1 & MD_NR;
	md_log(MD_DEBUG, "negotiated: offered actions %#lx protocol %#lx, "
	    "taken actions %#lx protocol %#lx", f0, f1, *pf0, *pf1);
	return SMFIS_CONTINUE;
}

/*
 * md_connect - the client address as the MTA gives it (Postfix: the
 * XCLIENT address when one was given)
 */
static sfsistat
md_connect(SMFICTX *ctx, char *host, struct sockaddr *sa)
{
	struct md_conn *c;

	if ((c = conn_get(ctx)) == NULL)
		return failsafe(ctx, NULL, "out of memory");
	c->ip[0] = '\0';
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET,
		    &((struct sockaddr_in *)(void *)sa)->sin_addr,
		    c->ip, sizeof(c->ip));
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((struct sockaddr_in6 *)(void *)sa)->sin6_addr, c->ip,
		    sizeof(c->ip));
	if (md_log_debug())
		md_log(MD_DEBUG, "connect %s [%s]", md_esc(host, 128), c->ip);
	return stage_ok(c, SMFIP_NR_CONN);
}

/* md_helo - the HELO/EHLO name (SPF's HELO identity) */
static sfsistat
md_helo(SMFICTX *ctx, char *helo)
{
	struct md_conn *c;

	if ((c = conn_get(ctx)) == NULL)
		return failsafe(ctx, NULL, "out of memory");
	free(c->helo);
	if ((c->helo = strdup(helo != NULL ? helo : "")) == NULL) {
		/* every message of the connection gets the failsafe */
		snprintf(c->conn_fail, sizeof(c->conn_fail),
		    "out of memory at HELO");
		return stage_fail(ctx, c, SMFIP_NR_HELO, c->conn_fail);
	}
	return stage_ok(c, SMFIP_NR_HELO);
}

/*
 * check_envelope - an incoming message's check: client, HELO and MAIL FROM
 * (SPF is evaluated here)
 */
static int
check_envelope(struct md_conn *c)
{
	if (mauth_check_new(c->live->ctx, &c->chk) != MAUTH_OK)
		return -1;
	/* a client address the library refuses: SPF is not evaluated */
	if (mauth_check_set_client(c->chk, c->ip[0] != '\0' ? c->ip : NULL,
	    c->helo) != MAUTH_OK &&
	    mauth_check_set_client(c->chk, NULL, c->helo) != MAUTH_OK)
		return -1;
	return mauth_check_set_mail_from(c->chk, c->mailfrom) == MAUTH_OK ?
	    0 : -1;
}

/*
 * may_sign - whether the message can be outgoing: signing enabled and an
 * internal (or, when configured, authenticated) client
 */
static bool
may_sign(const struct md_conn *c)
{
	const struct md_conf *conf = c->live->conf;

	return (conf->mode & MD_MODE_SIGN) && (c->internal ||
	    (c->auth && conf->sign_authenticated));
}

/*
 * md_envfrom - a new message: the running context, MAIL FROM, auth; a
 * message that cannot be outgoing is checked from here on (SPF now)
 */
static sfsistat
md_envfrom(SMFICTX *ctx, char **argv)
{
	const char *a, *auth, *qid;
	struct md_conn *c;
	sfsistat st;
	size_t len;

	if ((c = conn_get(ctx)) == NULL)
		return failsafe(ctx, NULL, "out of memory");
	msg_reset(c);
	if ((st = pending(ctx, c, SMFIP_NR_MAIL)) != SMFIS_CONTINUE)
		return st;
	if ((c->live = md_live_get()) == NULL)
		return stage_fail(ctx, c, SMFIP_NR_MAIL, "no configuration");
	a = argv != NULL && argv[0] != NULL ? argv[0] : "";
	len = strlen(a);
	if (len >= 2 && a[0] == '<' && a[len - 1] == '>') {
		a++;
		len -= 2;
	}
	if ((c->mailfrom = str_ndup(a, len)) == NULL)
		return stage_fail(ctx, c, SMFIP_NR_MAIL, "out of memory");
	auth = smfi_getsymval(ctx, "{auth_authen}");
	c->auth = auth != NULL && auth[0] != '\0';
	c->internal = md_net_match(c->live->conf, c->ip[0] != '\0' ? c->ip :
	    NULL);
	qid = queue_id(ctx);
	if (may_sign(c) || !(c->live->conf->mode & MD_MODE_VERIFY)) {
		if (md_log_debug())
			md_log(MD_DEBUG, "%s: MAIL FROM <%s>: decided at end "
			    "of headers", qid, md_esc(c->mailfrom, 256));
		return stage_ok(c, SMFIP_NR_MAIL);
	}
	if (check_envelope(c) == -1)
		return stage_fail(ctx, c, SMFIP_NR_MAIL, "check setup failed");
	if (md_log_debug()) {
		const struct mauth_spf_eval *m = mauth_check_spf(c->chk);
		const struct mauth_spf_eval *h = mauth_check_spf_helo(c->chk);

		md_log(MD_DEBUG, "%s: MAIL FROM <%s>: incoming, spf=%s "
		    "helo-spf=%s", qid, md_esc(c->mailfrom, 256),
		    m != NULL ? mauth_spf_result_str(mauth_spf_eval_result(m)) :
		    "none", h != NULL ?
		    mauth_spf_result_str(mauth_spf_eval_result(h)) : "none");
	}
	return stage_ok(c, SMFIP_NR_MAIL);
}

/*
 * feed_check - one header field straight to the check (incoming from MAIL
 * FROM on); 0 or -1
 */
static int
feed_check(struct md_conn *c, const char *name, const char *value,
    size_t vlen)
{
	char *v;
	int rc;

	if (c->leadspc)
		rc = mauth_check_header(c->chk, name, strlen(name), value,
		    vlen);
	else {
		/* without SMFIP_HDR_LEADSPC the MTA dropped the space */
		if ((v = malloc(vlen + 2)) == NULL)
			return -1;
		v[0] = ' ';
		memcpy(v + 1, value, vlen + 1);
		rc = mauth_check_header(c->chk, name, strlen(name), v,
		    vlen + 1);
		free(v);
	}
	return rc == MAUTH_OK ? 0 : -1;
}

/*
 * md_header - to the check, or kept until EOH; note each Authentication-Results
 * field claiming our authserv-id (or whose id cannot be read) by its
 * occurrence number, to remove it at EOM (RFC 8601 5)
 */
static sfsistat
md_header(SMFICTX *ctx, char *name, char *value)
{
	struct md_conn *c;
	struct md_hdr *h;
	sfsistat st;
	size_t vlen;

	if ((c = smfi_getpriv(ctx)) == NULL)
		return failsafe(ctx, NULL, "header before MAIL FROM");
	if ((st = pending(ctx, c, SMFIP_NR_HDR)) != SMFIS_CONTINUE)
		return st;
	if (c->live == NULL)
		return stage_fail(ctx, c, SMFIP_NR_HDR,
		    "header before MAIL FROM");
	vlen = strlen(value);
	if (str_casecmp(name, "Authentication-Results") == 0) {
		c->ar_seen++;
		if (mauth_authres_is_ours(value, vlen,
		    c->live->authserv_id) != 0) {
			if (c->nar_del == MD_MAX_AR)
				return stage_fail(ctx, c, SMFIP_NR_HDR,
				    "too many Authentication-Results fields");
			c->ar_del[c->nar_del++] = c->ar_seen;
		}
	}
	if (c->nfields >= c->live->conf->max_headers ||
	    c->hdrbytes + vlen + strlen(name) > MD_MAX_HDR_BYTES)
		return stage_fail(ctx, c, SMFIP_NR_HDR, "header limit");
	c->nfields++;
	c->hdrbytes += vlen + strlen(name);
	if (c->chk != NULL)
		return feed_check(c, name, value, vlen) == 0 ?
		    stage_ok(c, SMFIP_NR_HDR) :
		    stage_fail(ctx, c, SMFIP_NR_HDR, "check header failed");
	if (c->nhdrs == c->hdrcap) {
		size_t ncap = c->hdrcap == 0 ? 32 : c->hdrcap * 2;
		struct md_hdr *n = reallocarray(c->hdrs, ncap, sizeof(*n));

		if (n == NULL)
			return stage_fail(ctx, c, SMFIP_NR_HDR, "out of memory");
		c->hdrs = n;
		c->hdrcap = ncap;
	}
	h = &c->hdrs[c->nhdrs];
	h->name = strdup(name);
	/* without SMFIP_HDR_LEADSPC the MTA dropped the space after ':' */
	h->vlen = vlen + (c->leadspc ? 0 : 1);
	h->value = malloc(h->vlen + 1);
	if (h->name == NULL || h->value == NULL) {
		free(h->name);
		free(h->value);
		return stage_fail(ctx, c, SMFIP_NR_HDR, "out of memory");
	}
	if (c->leadspc)
		memcpy(h->value, value, vlen + 1);
	else {
		h->value[0] = ' ';
		memcpy(h->value + 1, value, vlen + 1);
	}
	c->nhdrs++;
	return stage_ok(c, SMFIP_NR_HDR);
}

/* start_signer - an outgoing message: a signer for its signing entries */
static int
start_signer(struct md_conn *c, const size_t *idx, size_t n)
{
	struct mauth_sign_config cfg[MD_MAX_KEYS_PER_MSG];
	const struct md_conf *conf = c->live->conf;
	char err[256];
	size_t i, off = 0;

	for (i = 0; i < n; i++) {
		const struct md_sign *e = &conf->sign[idx[i]];
		int w;

		mauth_sign_config_init(&cfg[i]);
		/* "*.example.com" signs as d=example.com: one key record */
		cfg[i].domain = strncmp(e->pattern, "*.", 2) == 0 ?
		    e->pattern + 2 : e->pattern;
		cfg[i].selector = e->selector;
		cfg[i].key = c->live->keys[idx[i]];
		cfg[i].algorithm = e->algorithm;
		cfg[i].header_canon = e->canon;
		cfg[i].body_canon = e->canon;
		w = snprintf(c->signed_by + off, sizeof(c->signed_by) - off,
		    "%sd=%s s=%s", i > 0 ? ", " : "", cfg[i].domain,
		    e->selector);
		if (w > 0 && (size_t)w < sizeof(c->signed_by) - off)
			off += (size_t)w;
	}
	err[0] = '\0';
	if (mauth_signer_new(cfg, n, &c->signer, err, sizeof(err)) !=
	    MAUTH_OK) {
		md_log(MD_ERR, "signer: %s", md_esc(err, 256));
		return -1;
	}
	for (i = 0; i < c->nhdrs; i++)
		if (mauth_signer_header(c->signer, c->hdrs[i].name,
		    strlen(c->hdrs[i].name), c->hdrs[i].value,
		    c->hdrs[i].vlen) != MAUTH_OK)
			return -1;
	return 0;
}

/* start_check - at EOH, a check fed the envelope and the kept headers */
static int
start_check(struct md_conn *c)
{
	size_t i;

	if (check_envelope(c) == -1)
		return -1;
	for (i = 0; i < c->nhdrs; i++)
		if (mauth_check_header(c->chk, c->hdrs[i].name,
		    strlen(c->hdrs[i].name), c->hdrs[i].value,
		    c->hdrs[i].vlen) != MAUTH_OK)
			return -1;
	return mauth_check_eoh(c->chk) == MAUTH_OK ? 0 : -1;
}

/* signing_entries - the signing table entries for the From domain */
static size_t
signing_entries(struct md_conn *c, size_t *idx, size_t max)
{
	struct mauth_from *f = NULL;
	const struct md_hdr *from = NULL;
	size_t i, n = 0;

	for (i = 0; i < c->nhdrs; i++)
		if (str_casecmp(c->hdrs[i].name, "From") == 0) {
			if (from != NULL)
				return 0;	/* several From: not signed */
			from = &c->hdrs[i];
		}
	if (from == NULL ||
	    mauth_from_parse(from->value, from->vlen, &f) != MAUTH_OK)
		return 0;
	if (mauth_from_domain(f) != NULL)
		n = md_sign_lookup(c->live->conf, mauth_from_domain(f), idx,
		    max);
	mauth_from_free(f);
	return n;
}

/* md_eoh - outgoing or incoming is decided here, unless known before */
static sfsistat
md_eoh(SMFICTX *ctx)
{
	size_t idx[MD_MAX_KEYS_PER_MSG], n = 0;
	struct md_conn *c;
	sfsistat st;

	if ((c = smfi_getpriv(ctx)) == NULL)
		return failsafe(ctx, NULL, "end of headers before MAIL FROM");
	if ((st = pending(ctx, c, SMFIP_NR_EOH)) != SMFIS_CONTINUE)
		return st;
	if (c->live == NULL)
		return stage_fail(ctx, c, SMFIP_NR_EOH,
		    "end of headers before MAIL FROM");
	(void)queue_id(ctx);
	if (c->chk != NULL)
		return mauth_check_eoh(c->chk) == MAUTH_OK ?
		    stage_ok(c, SMFIP_NR_EOH) : stage_fail(ctx, c,
		    SMFIP_NR_EOH, "check failed at end of headers");
	if (may_sign(c))
		n = signing_entries(c, idx, MD_MAX_KEYS_PER_MSG);
	if (n > 0) {
		c->outgoing = true;
		if (start_signer(c, idx, n) == -1)
			return stage_fail(ctx, c, SMFIP_NR_EOH,
			    "signer setup failed");
	} else if (c->live->conf->mode & MD_MODE_VERIFY) {
		if (start_check(c) == -1)
			return stage_fail(ctx, c, SMFIP_NR_EOH,
			    "check setup failed");
	}
	return stage_ok(c, SMFIP_NR_EOH);
}

/* md_body - a body chunk to the signer or the check */
static sfsistat
md_body(SMFICTX *ctx, unsigned char *buf, size_t len)
{
	struct md_conn *c;
	sfsistat st;

	if ((c = smfi_getpriv(ctx)) == NULL)
		return failsafe(ctx, NULL, "body before MAIL FROM");
	if ((st = pending(ctx, c, SMFIP_NR_BODY)) != SMFIS_CONTINUE)
		return st;
	if (c->live == NULL)
		return stage_fail(ctx, c, SMFIP_NR_BODY,
		    "body before MAIL FROM");
	if (c->signer != NULL &&
	    mauth_signer_body(c->signer, buf, len) != MAUTH_OK)
		return stage_fail(ctx, c, SMFIP_NR_BODY, "signer body failed");
	if (c->chk != NULL && mauth_check_body(c->chk, buf, len) != MAUTH_OK)
		return stage_fail(ctx, c, SMFIP_NR_BODY, "check body failed");
	return stage_ok(c, SMFIP_NR_BODY);
}

/* insert_top - smfi_insheader at index 0; leading space as negotiated */
static int
insert_top(SMFICTX *ctx, struct md_conn *c, const char *name,
    const char *value)
{
	char *v;
	int rc;

	while (*value == ' ')
		value++;
	if (!c->leadspc)
		return smfi_insheader(ctx, 0, (char *)name, (char *)value) ==
		    MI_SUCCESS ? 0 : -1;
	if ((v = malloc(strlen(value) + 2)) == NULL)
		return -1;
	v[0] = ' ';
	memcpy(v + 1, value, strlen(value) + 1);
	rc = smfi_insheader(ctx, 0, (char *)name, v);
	free(v);
	return rc == MI_SUCCESS ? 0 : -1;
}

/* add_signatures - the DKIM-Signature fields, first one on top */
static int
add_signatures(SMFICTX *ctx, struct md_conn *c)
{
	char err[256];
	size_t i, n;

	err[0] = '\0';
	if (mauth_signer_finish(c->signer, err, sizeof(err)) != MAUTH_OK) {
		md_log(MD_ERR, "%s: signing failed: %s", queue_id(ctx),
		    md_esc(err, 256));
		return -1;
	}
	n = mauth_signer_count(c->signer);
	for (i = n; i > 0; i--) {
		const char *f = mauth_signer_field_lf(c->signer, i - 1);
		const char *colon = f != NULL ? strchr(f, ':') : NULL;

		if (colon == NULL ||
		    insert_top(ctx, c, "DKIM-Signature", colon + 1) == -1)
			return -1;
	}
	return 0;
}

/* results_text - "spf=X dkim=Y,Z dmarc=W" for the log line */
static void
results_text(const struct mauth_check *chk, char *out, size_t outlen)
{
	const struct mauth_spf_eval *spf = mauth_check_spf(chk);
	size_t i, n, off;
	int w;

	if (spf == NULL)
		spf = mauth_check_spf_helo(chk);
	w = snprintf(out, outlen, "spf=%s dkim=", spf != NULL ?
	    mauth_spf_result_str(mauth_spf_eval_result(spf)) : "none");
	off = w > 0 && (size_t)w < outlen ? (size_t)w : 0;
	n = mauth_check_dkim_count(chk);
	for (i = 0; i < n && off < outlen; i++) {
		w = snprintf(out + off, outlen - off, "%s%s", i > 0 ? "," : "",
		    mauth_dkim_result_str(mauth_check_dkim(chk, i)->result));
		if (w > 0)
			off += (size_t)w;
	}
	if (n == 0 && off < outlen) {
		w = snprintf(out + off, outlen - off, "none");
		if (w > 0)
			off += (size_t)w;
	}
	if (off < outlen)
		snprintf(out + off, outlen - off, " dmarc=%s",
		    mauth_dmarc_result_str(mauth_check_dmarc_result(chk)));
}

#ifdef MAUTHD_HAVE_POLICY
/* facts - what the rules may test, from the check results */
static void
facts(const struct md_conn *c, struct mauth_policy_facts *f)
{
	const struct mauth_spf_eval *spf;
	const struct mauth_dmarc_eval *dm;
	size_t i, n;

	mauth_policy_facts_init(f);
	f->auth = c->auth;
	f->internal = c->internal;
	f->outgoing = c->outgoing;
	if (c->chk == NULL)
		return;
	if ((spf = mauth_check_spf(c->chk)) == NULL)
		spf = mauth_check_spf_helo(c->chk);
	f->spf = spf != NULL ? mauth_spf_eval_result(spf) : MAUTH_SPF_NONE;
	n = mauth_check_dkim_count(c->chk);
	for (i = 0; i < n && i < MAUTH_POLICY_MAX_DKIM; i++) {
		f->dkim[i] = mauth_check_dkim(c->chk, i)->result;
		if (f->dkim[i] == MAUTH_DKIM_TEMPERROR)
			f->dns_temperror = true;
	}
	f->ndkim = i;
	f->dmarc = mauth_check_dmarc_result(c->chk);
	if ((dm = mauth_check_dmarc(c->chk)) != NULL) {
		f->dmarc_policy = mauth_dmarc_eval_policy(dm);
		f->dkim_aligned = mauth_dmarc_eval_dkim_aligned(dm);
	}
	if (f->spf == MAUTH_SPF_TEMPERROR || f->dmarc == MAUTH_DMARC_TEMPERROR)
		f->dns_temperror = true;
	if ((f->from_domain = mauth_check_from_domain(c->chk)) != NULL)
		f->from_domain_len = strlen(f->from_domain);
}
#endif

/*
 * decide - the rules' action for the message, applied; *act gets its name.
 * Without a rules file (or a rules engine) every message is accepted.
 */
static sfsistat
decide(SMFICTX *ctx, struct md_conn *c, char *act, size_t actlen)
{
#ifdef MAUTHD_HAVE_POLICY
	struct mauth_policy_facts f;
	struct mauth_policy_decision d;

	if (c->live->policy == NULL) {
		snprintf(act, actlen, "accept");
		return SMFIS_ACCEPT;
	}
	facts(c, &f);
	if (mauth_policy_decide(c->live->policy, &f, &d) != MAUTH_OK) {
		snprintf(act, actlen, "error");
		return SMFIS_TEMPFAIL;	/* not reached: arguments are set */
	}
	if (d.smtp_code != 0)
		snprintf(act, actlen, "%s %d %s%s%s",
		    mauth_policy_action_str(d.action), d.smtp_code, d.esc,
		    d.source[0] != '\0' ? " rule=" : "", md_esc(d.source, 200));
	else
		snprintf(act, actlen, "%s%s%s",
		    mauth_policy_action_str(d.action),
		    d.source[0] != '\0' ? " rule=" : "", md_esc(d.source, 200));
	switch (d.action) {
	case MAUTH_POLICY_ADD_HEADER:
		if (c->leadspc) {
			char v[MAUTH_POLICY_MAX_TEXT + 2];

			snprintf(v, sizeof(v), " %s", d.header_value);
			if (smfi_addheader(ctx, d.header_name, v) !=
			    MI_SUCCESS)
				return -1;
		} else if (smfi_addheader(ctx, d.header_name,
		    d.header_value) != MI_SUCCESS)
			return -1;
		return SMFIS_ACCEPT;
	case MAUTH_POLICY_QUARANTINE:
		if (smfi_quarantine(ctx, d.text[0] != '\0' ? d.text :
		    (char *)"mauthd policy") != MI_SUCCESS)
			return -1;
		return SMFIS_ACCEPT;
	case MAUTH_POLICY_REJECT:
		reply(ctx, d.smtp_code >= 500 && d.smtp_code < 600 ?
		    d.smtp_code : 550, d.esc, d.text[0] != '\0' ? d.text :
		    "rejected by policy");
		return SMFIS_REJECT;
	case MAUTH_POLICY_TEMPFAIL:
		reply(ctx, d.smtp_code >= 400 && d.smtp_code < 500 ?
		    d.smtp_code : 451, d.esc, d.text[0] != '\0' ? d.text :
		    "try again later");
		return SMFIS_TEMPFAIL;
	default:
		return SMFIS_ACCEPT;
	}
#else
	snprintf(act, actlen, "accept");
	return SMFIS_ACCEPT;
#endif
}

/* md_eom - remove forged A-R, sign or add our A-R, then the policy */
static sfsistat
md_eom(SMFICTX *ctx)
{
	char res[600], act[300], qid[64];
	struct md_conn *c;
	sfsistat st;
	size_t i;

	if ((c = smfi_getpriv(ctx)) == NULL)
		return failsafe(ctx, NULL, "end of message before MAIL FROM");
	/* a failure kept from a stage without a reply is given now */
	if ((st = pending(ctx, c, 0)) != SMFIS_CONTINUE)
		return st;
	if (c->live == NULL)
		return failsafe(ctx, c, "end of message before MAIL FROM");
	snprintf(qid, sizeof(qid), "%s", queue_id(ctx));
	/* highest occurrence first: removals do not renumber the rest */
	for (i = c->nar_del; i > 0; i--)
		if (smfi_chgheader(ctx, (char *)"Authentication-Results",
		    (int)c->ar_del[i - 1], NULL) != MI_SUCCESS)
			return failsafe(ctx, c, "removing a header failed");
	res[0] = '\0';
	if (c->signer != NULL) {
		if (add_signatures(ctx, c) == -1)
			return failsafe(ctx, c, "signing failed");
		snprintf(res, sizeof(res), "signed %s", c->signed_by);
	} else if (c->chk != NULL) {
		const char *ar;

		if (mauth_check_eom(c->chk) != MAUTH_OK ||
		    (ar = mauth_check_authres(c->chk)) == NULL)
			return failsafe(ctx, c, "check failed");
		if (insert_top(ctx, c, "Authentication-Results", ar) == -1)
			return failsafe(ctx, c, "adding a header failed");
		results_text(c->chk, res, sizeof(res));
	} else
		snprintf(res, sizeof(res), "not checked (mode)");
	st = decide(ctx, c, act, sizeof(act));
	if ((int)st == -1)
		return failsafe(ctx, c, "applying the action failed");
	md_log(MD_INFO, "%s: client=%s%s%s from=<%s> %s%s removed-ar=%zu "
	    "action=%s", qid, c->ip[0] != '\0' ? c->ip : "-",
	    c->internal ? " internal" : "", c->auth ? " auth" : "",
	    md_esc(c->mailfrom, 256), res, c->outgoing ? " outgoing" : "",
	    c->nar_del, act);
	msg_reset(c);
	return st;
}

/* md_abort - the message ended early; the connection goes on */
static sfsistat
md_abort(SMFICTX *ctx)
{
	struct md_conn *c;

	if ((c = smfi_getpriv(ctx)) != NULL)
		msg_reset(c);
	return SMFIS_CONTINUE;
}

/* md_close - the connection ended */
static sfsistat
md_close(SMFICTX *ctx)
{
	struct md_conn *c;

	if ((c = smfi_getpriv(ctx)) != NULL) {
		msg_reset(c);
		free(c->helo);
		free(c);
		smfi_setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

struct smfiDesc md_milter = {
	.xxfi_name = (char *)"mauthd",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE,
	.xxfi_connect = md_connect,
	.xxfi_helo = md_helo,
	.xxfi_envfrom = md_envfrom,
	.xxfi_envrcpt = NULL,
	.xxfi_header = md_header,
	.xxfi_eoh = md_eoh,
	.xxfi_body = md_body,
	.xxfi_eom = md_eom,
	.xxfi_abort = md_abort,
	.xxfi_close = md_close,
	.xxfi_unknown = NULL,
	.xxfi_data = NULL,
	.xxfi_negotiate = md_negotiate,
};
