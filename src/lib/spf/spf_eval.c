/*
 * spf_eval.c - RFC 7208 check_host(): record lookup and selection (4.4,
 * 4.5), evaluation of mechanisms and modifiers (4.6, 5, 6), processing
 * limits (4.6.4), explanations (6.2) and the evaluation tree.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mauth/spf.h"
#include "spf_int.h"
#include "util/errbuf.h"
#include "util/buf.h"
#include "util/str.h"

#define SPF_SUMMARY_MAX		1024	/* bytes of one query summary in the tree */
#define SPF_DEFAULT_EXPLANATION \
	"%{c} is not allowed to send mail for %{d} (SPF fail)"

/* A tree node and the arrays behind its public view. */
struct spf_node {
	struct mauth_spf_node	 pub;		/* first: children point here */
	struct mauth_spf_query	*q;
	size_t			 capq;
	struct mauth_spf_node	**kids;
	size_t			 capk;
};

struct mauth_spf_eval {
	int		 result;
	char		*explanation;
	char		*domain;
	char		*sender;
	char		*reason;
	unsigned	 lookups;
	unsigned	 void_lookups;
	struct mauth_dns_budget budget;
	struct spf_node	*root;
};

/* Evaluation state of one mauth_spf_check() call. */
struct spf_ctx {
	struct mauth_resolver		*r;
	const struct mauth_spf_request	*req;
	struct mauth_spf_eval		*ev;
	bool		 v6;
	uint8_t		 ip[16];	/* IPv4 in the first 4 bytes */
	char		 ip_i[72];
	char		 ip_c[INET6_ADDRSTRLEN];
	char		 revname[80];	/* in-addr.arpa / ip6.arpa name */
	char		*local;
	char		*sender_domain;
	const char	*helo;
	const char	*receiver;
	int64_t		 now;
	unsigned	 max_lookups;
	unsigned	 max_void;
	unsigned	 max_names;
	bool		 tree;
	bool		 nomem;
	/* %{p}: validated names, computed once */
	bool		 p_done;
	char		**pnames;
	size_t		 npnames;
	const char	*cur_domain;
	struct spf_node	*cur_node;	/* where queries are recorded */
};

/* Outcome of one term. */
enum { T_NOMATCH = 0, T_MATCH = 1, T_ERROR = 2 };

/* Outcome of one query, as SPF sees it. */
enum { Q_OK = 0, Q_VOID, Q_TEMP, Q_BADNAME };

/* ---- small helpers ------------------------------------------------------ */

/* set_reason - replace the one-line reason of the evaluation */
static void __attribute__((format(printf, 2, 3)))
set_reason(struct spf_ctx *c, const char *fmt, ...)
{
	struct buf b;
	va_list ap;

	buf_init(&b, 1024);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (b.err) {
		buf_free(&b);
		return;
	}
	free(c->ev->reason);
	c->ev->reason = buf_take(&b);
	if (c->ev->reason == NULL)
		c->nomem = true;
}

/* escdup - printable copy of s[0..len) (control bytes as \xHH) */
static char *
escdup(const void *s, size_t len)
{
	struct buf b;
	char *p;

	buf_init(&b, 0);
	buf_put_escaped(&b, s, len);
	p = buf_take(&b);
	buf_free(&b);
	return p;
}

/* short_esc - spf_shown of at most 200 bytes, for reasons */
static const char *
short_esc(const void *s, size_t len, char *tmp, size_t tmplen)
{
	return spf_shown(s, len, 200, tmp, tmplen);
}

/* name_in_domain - name equals dom or is a subdomain of it (RFC 7208 5.5) */
static bool
name_in_domain(const char *name, const char *dom)
{
	size_t nl = strlen(name), dl = strlen(dom);

	if (nl > 0 && name[nl - 1] == '.')
		nl--;
	if (dl > 0 && dom[dl - 1] == '.')
		dl--;
	if (dl == 0 || nl < dl)
		return false;
	if (!str_caseeq_n(name + nl - dl, dl, dom, dl))
		return false;
	return nl == dl || name[nl - dl - 1] == '.';
}

/*
 * printable - replace bytes outside 0x20..0x7e: macros such as %{l} can put
 * control bytes from the request into an explanation (RFC 7208 6.2 wants
 * printable ASCII).
 */
static void
printable(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}

/* ---- tree --------------------------------------------------------------- */

/* node_free - free a node, its queries and its subtree */
static void
node_free(struct spf_node *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->pub.nchildren; i++)
		node_free((struct spf_node *)n->kids[i]);
	for (i = 0; i < n->pub.nqueries; i++) {
		free((char *)n->q[i].name);
		free((char *)n->q[i].summary);
	}
	free(n->q);
	free(n->kids);
	free((char *)n->pub.domain);
	free((char *)n->pub.record);
	free((char *)n->pub.term);
	free((char *)n->pub.target);
	free((char *)n->pub.note);
	free(n);
}

/* node_new - a node attached to parent (or the root); NULL without a tree */
static struct spf_node *
node_new(struct spf_ctx *c, struct spf_node *parent, int kind)
{
	struct spf_node *n;
	struct mauth_spf_node **k;
	size_t ncap;

	if (!c->tree)
		return NULL;
	if ((n = calloc(1, sizeof(*n))) == NULL) {
		c->nomem = true;
		return NULL;
	}
	n->pub.kind = kind;
	n->pub.result = -1;
	if (parent == NULL) {
		if (c->ev->root == NULL)
			c->ev->root = n;
		else {
			free(n);
			return NULL;
		}
		return n;
	}
	if (parent->pub.nchildren == parent->capk) {
		ncap = parent->capk ? parent->capk * 2 : 4;
		if ((k = reallocarray(parent->kids, ncap, sizeof(*k))) == NULL) {
			free(n);
			c->nomem = true;
			return NULL;
		}
		parent->kids = k;
		parent->capk = ncap;
		parent->pub.children =
		    (const struct mauth_spf_node *const *)parent->kids;
	}
	parent->kids[parent->pub.nchildren++] = &n->pub;
	return n;
}

/* node_note - set the note of a node (printf) */
static void __attribute__((format(printf, 3, 4)))
node_note(struct spf_ctx *c, struct spf_node *n, const char *fmt, ...)
{
	struct buf b;
	va_list ap;

	if (n == NULL)
		return;
	buf_init(&b, 1024);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	free((char *)n->pub.note);
	n->pub.note = buf_take(&b);
	if (n->pub.note == NULL)
		c->nomem = true;
	buf_free(&b);
}

/* node_counts - record the running counts after this node */
static void
node_counts(struct spf_ctx *c, struct spf_node *n)
{
	if (n == NULL)
		return;
	n->pub.lookups = c->ev->lookups;
	n->pub.void_lookups = c->ev->void_lookups;
}

/* summarize - printable summary of the records of type in ans */
static char *
summarize(const struct mauth_dns_answer *ans, uint16_t type, size_t *nrr)
{
	char tmp[INET6_ADDRSTRLEN + 8];
	const struct mauth_dns_rr *rr;
	struct buf b;
	size_t i;
	char *p;
	bool more = false;

	*nrr = 0;
	buf_init(&b, SPF_SUMMARY_MAX * 5);
	for (i = 0; ans != NULL && i < ans->nrr; i++) {
		rr = &ans->rr[i];
		if (rr->type != type)
			continue;
		if (b.len >= SPF_SUMMARY_MAX) {
			/* count the rest, show that there is more once */
			if (!more)
				buf_puts(&b, " ...");
			more = true;
			(*nrr)++;
			continue;
		}
		if ((*nrr)++ > 0)
			buf_putc(&b, ' ');
		switch (type) {
		case MAUTH_DNS_A:
			inet_ntop(AF_INET, rr->u.a, tmp, sizeof(tmp));
			buf_puts(&b, tmp);
			break;
		case MAUTH_DNS_AAAA:
			inet_ntop(AF_INET6, rr->u.aaaa, tmp, sizeof(tmp));
			buf_puts(&b, tmp);
			break;
		case MAUTH_DNS_MX:
			buf_printf(&b, "%u ", (unsigned)rr->u.mx.preference);
			if (rr->u.mx.exchange != NULL)
				buf_put_escaped(&b, rr->u.mx.exchange,
				    strlen(rr->u.mx.exchange));
			break;
		case MAUTH_DNS_TXT:
		case MAUTH_DNS_SPF:
			buf_putc(&b, '"');
			buf_put_escaped(&b, rr->u.txt.data,
			    rr->u.txt.len > SPF_SUMMARY_MAX ?
			    SPF_SUMMARY_MAX : rr->u.txt.len);
			if (rr->u.txt.len > SPF_SUMMARY_MAX)
				buf_puts(&b, "...");
			buf_putc(&b, '"');
			break;
		default:
			if (rr->u.target != NULL)
				buf_put_escaped(&b, rr->u.target,
				    strlen(rr->u.target));
			break;
		}
	}
	/* over the ceiling (escaping can grow text 4x): keep what fits */
	b.err = 0;
	p = buf_take(&b);
	buf_free(&b);
	return p;
}

/* node_query - record one query under the current node */
static struct mauth_spf_query *
node_query(struct spf_ctx *c, const char *name, uint16_t type, int st,
    const struct mauth_dns_answer *ans)
{
	struct spf_node *n = c->cur_node;
	struct mauth_spf_query *q;
	size_t ncap, nrr;

	if (n == NULL)
		return NULL;
	if (n->pub.nqueries == n->capq) {
		ncap = n->capq ? n->capq * 2 : 2;
		if ((q = reallocarray(n->q, ncap, sizeof(*q))) == NULL) {
			c->nomem = true;
			return NULL;
		}
		n->q = q;
		n->capq = ncap;
		n->pub.queries = n->q;
	}
	q = &n->q[n->pub.nqueries++];
	memset(q, 0, sizeof(*q));
	q->name = escdup(name, strlen(name));
	q->type = type;
	q->status = st;
	if (st == MAUTH_DNS_ANSWER && ans != NULL) {
		q->rcode = ans->rcode;
		q->cached = ans->from_cache;
		q->summary = summarize(ans, type, &nrr);
		q->nrr = nrr;
	} else
		q->summary = escdup("", 0);
	if (q->name == NULL || q->summary == NULL)
		c->nomem = true;
	return q;
}

/* ---- DNS ---------------------------------------------------------------- */

/* count_type - records of the asked type in ans (CNAMEs are skipped) */
static size_t
count_type(const struct mauth_dns_answer *ans, uint16_t type)
{
	size_t i, n = 0;

	for (i = 0; ans != NULL && i < ans->nrr; i++)
		if (ans->rr[i].type == type)
			n++;
	return n;
}

/*
 * query - ask (name, type), record it in the tree and classify the outcome
 * (RFC 7208 5: RCODE 0 with records, "void" for NXDOMAIN or no records,
 * "temp" for timeouts, server failures and other RCODEs).
 */
static int
query(struct spf_ctx *c, const char *name, uint16_t type,
    struct mauth_dns_answer **ans, struct mauth_spf_query **qp, int *status)
{
	struct mauth_spf_query *q;
	int st;

	*ans = NULL;
	st = mauth_resolver_query(c->r, &c->ev->budget, name, type, ans);
	q = node_query(c, name, type, st, *ans);
	if (qp != NULL)
		*qp = q;
	if (status != NULL)
		*status = st;
	if (st == MAUTH_DNS_BADNAME)
		return Q_BADNAME;
	if (st != MAUTH_DNS_ANSWER)
		return Q_TEMP;
	if ((*ans)->rcode == MAUTH_RCODE_NXDOMAIN)
		return Q_VOID;
	if ((*ans)->rcode != MAUTH_RCODE_NOERROR)
		return Q_TEMP;
	return count_type(*ans, type) == 0 ? Q_VOID : Q_OK;
}

/* temp_reason - the reason for a temperror on (name, type) */
static void
temp_reason(struct spf_ctx *c, const char *name, uint16_t type, int st,
    const struct mauth_dns_answer *ans)
{
	char tmp[256];

	short_esc(name, strlen(name), tmp, sizeof(tmp));
	if (st == MAUTH_DNS_ANSWER && ans != NULL)
		set_reason(c, "DNS error looking up %s %s: %s",
		    mauth_dns_type_str(type), tmp,
		    mauth_dns_rcode_str(ans->rcode));
	else if (st == MAUTH_DNS_BUDGET && c->ev->budget.max_ms != 0 &&
	    c->ev->budget.spent_ms >= c->ev->budget.max_ms)
		set_reason(c, "DNS time budget spent (%llu ms of %u) at %s %s",
		    (unsigned long long)c->ev->budget.spent_ms,
		    c->ev->budget.max_ms, mauth_dns_type_str(type), tmp);
	else if (st == MAUTH_DNS_BUDGET)
		set_reason(c, "DNS query budget exhausted (%u queries) at %s %s",
		    c->ev->budget.max_queries, mauth_dns_type_str(type), tmp);
	else
		set_reason(c, "DNS error looking up %s %s: %s",
		    mauth_dns_type_str(type), tmp, mauth_dns_status_str(st));
}

/* addr_type - A for an IPv4 client, AAAA for IPv6 (RFC 7208 5.3) */
static uint16_t
addr_type(const struct spf_ctx *c)
{
	return c->v6 ? MAUTH_DNS_AAAA : MAUTH_DNS_A;
}

/* addr_match - whether ans has an address of the client's family in cidr */
static bool
addr_match(const struct spf_ctx *c, const struct mauth_dns_answer *ans,
    int cidr4, int cidr6)
{
	size_t i;

	for (i = 0; i < ans->nrr; i++) {
		if (!c->v6 && ans->rr[i].type == MAUTH_DNS_A &&
		    spf_cidr_match(ans->rr[i].u.a, c->ip, cidr4))
			return true;
		if (c->v6 && ans->rr[i].type == MAUTH_DNS_AAAA &&
		    spf_cidr_match(ans->rr[i].u.aaaa, c->ip, cidr6))
			return true;
	}
	return false;
}

/*
 * validate_name - RFC 7208 5.5: name is validated when one of its A/AAAA
 * records is the client address.  DNS errors skip the name.
 */
static bool
validate_name(struct spf_ctx *c, const char *name)
{
	struct mauth_dns_answer *ans;
	bool ok;

	if (query(c, name, addr_type(c), &ans, NULL, NULL) != Q_OK) {
		mauth_dns_answer_free(ans);
		return false;
	}
	ok = addr_match(c, ans, 32, 128);
	mauth_dns_answer_free(ans);
	return ok;
}

/*
 * get_p - the "p" macro (RFC 7208 7.3): a validated domain name of <ip>,
 * preferring <domain> or one of its subdomains; "unknown" if none.  The PTR
 * names (at most max_names) are validated once per evaluation.  These
 * queries are not counted as terms or void lookups.
 */
static int
get_p(void *arg, const char **out)
{
	struct spf_ctx *c = arg;
	struct mauth_dns_answer *ans;
	const char *t;
	size_t i, seen = 0;
	char **pn;

	*out = "unknown";
	if (!c->p_done) {
		c->p_done = true;
		if (query(c, c->revname, MAUTH_DNS_PTR, &ans, NULL, NULL) ==
		    Q_OK) {
			pn = calloc(c->max_names, sizeof(*pn));
			for (i = 0; pn != NULL && i < ans->nrr &&
			    seen < c->max_names; i++) {
				if (ans->rr[i].type != MAUTH_DNS_PTR)
					continue;
				seen++;
				t = ans->rr[i].u.target;
				if (t == NULL || t[0] == '\0' ||
				    !validate_name(c, t))
					continue;
				if ((pn[c->npnames] = strdup(t)) != NULL)
					c->npnames++;
			}
			if (pn == NULL)
				c->nomem = true;
			c->pnames = pn;
		}
		mauth_dns_answer_free(ans);
	}
	for (i = 0; i < c->npnames; i++)
		if (name_in_domain(c->pnames[i], c->cur_domain)) {
			*out = c->pnames[i];
			return 0;
		}
	if (c->npnames > 0)
		*out = c->pnames[0];
	return 0;
}

/* ---- macros ------------------------------------------------------------- */

/* macro_ctx - the RFC 7208 7.2 macro values for <domain> */
static void
macro_ctx(struct spf_ctx *c, const char *domain, struct spf_macro_ctx *m)
{
	memset(m, 0, sizeof(*m));
	m->sender = c->ev->sender;
	m->local = c->local;
	m->sender_domain = c->sender_domain;
	m->domain = domain;
	m->ip_i = c->ip_i;
	m->ip_c = c->ip_c;
	m->ipv6 = c->v6;
	m->helo = c->helo;
	m->receiver = c->receiver;
	m->now = c->now;
	m->get_p = get_p;
	m->p_arg = c;
}

/*
 * expand_target - the <target-name> of a term: its domain-spec expanded
 * (RFC 7208 7.3, truncated to 253 octets) or the current domain.
 * Returns a new string, or NULL with the reason set (permerror).
 */
static char *
expand_target(struct spf_ctx *c, const struct spf_term *t, const char *domain)
{
	struct spf_macro_ctx m;
	struct buf b;
	char err[SPF_ERRLEN], tmp[256], tmp2[256];
	size_t off, len;
	char *p;
	int rv;

	if (t->spec == NULL || t->kind == SPF_IP4 || t->kind == SPF_IP6) {
		len = strlen(domain);
		if (len > 0 && domain[len - 1] == '.')
			len--;
		if ((p = str_ndup(domain, len)) == NULL)
			c->nomem = true;
		return p;
	}
	macro_ctx(c, domain, &m);
	buf_init(&b, SPF_MAX_EXPAND);
	rv = spf_macro_expand(&m, t->spec, t->speclen, SPF_MACRO_DOMAIN, &b,
	    err, sizeof(err));
	if (rv != 0) {
		if (rv == MAUTH_ERR_NOMEM)
			c->nomem = true;
		set_reason(c, "%s in '%s' (%s)", err,
		    short_esc(t->text, t->textlen, tmp, sizeof(tmp)),
		    short_esc(domain, strlen(domain), tmp2, sizeof(tmp2)));
		buf_free(&b);
		return NULL;
	}
	len = b.len;
	off = spf_domain_truncate(b.data ? b.data : "", &len);
	p = str_ndup((b.data ? b.data : "") + off, len);
	if (p == NULL)
		c->nomem = true;
	buf_free(&b);
	return p;
}

/* ---- check_host() ------------------------------------------------------- */

static int check_host(struct spf_ctx *c, const char *domain, unsigned depth,
    bool want_exp, struct spf_node *parent, char **expl);

/* qualifier_result - RFC 7208 4.6.2 */
static int
qualifier_result(char q)
{
	switch (q) {
	case '-':
		return MAUTH_SPF_FAIL;
	case '~':
		return MAUTH_SPF_SOFTFAIL;
	case '?':
		return MAUTH_SPF_NEUTRAL;
	default:
		return MAUTH_SPF_PASS;
	}
}

/* count_lookup - RFC 7208 4.6.4: one more DNS-querying term, or permerror */
static bool
count_lookup(struct spf_ctx *c, struct spf_node *n)
{
	if (c->ev->lookups >= c->max_lookups) {
		set_reason(c, "too many DNS lookups (limit %u)",
		    c->max_lookups);
		node_note(c, n, "DNS lookup limit (%u) reached",
		    c->max_lookups);
		return false;
	}
	c->ev->lookups++;
	if (n != NULL)
		n->pub.counted = true;
	return true;
}

/* count_void - RFC 7208 4.6.4: one more void lookup, or permerror */
static bool
count_void(struct spf_ctx *c, struct spf_node *n, struct mauth_spf_query *q)
{
	c->ev->void_lookups++;
	if (q != NULL)
		q->is_void = true;
	if (c->ev->void_lookups > c->max_void) {
		set_reason(c, "void lookup limit exceeded (limit %u)",
		    c->max_void);
		node_note(c, n, "void lookup limit (%u) exceeded", c->max_void);
		return false;
	}
	return true;
}

/*
 * eval_mech - evaluate one mechanism (RFC 7208 5).  Returns T_MATCH,
 * T_NOMATCH, or T_ERROR with *err set to temperror/permerror and the
 * reason set.
 */
static int
eval_mech(struct spf_ctx *c, const struct spf_term *t, const char *domain,
    unsigned depth, struct spf_node *n, int *err)
{
	struct mauth_dns_answer *ans = NULL, *aans;
	struct mauth_spf_query *q;
	char *target = NULL, tmp[256], *inc_expl = NULL;
	const char *x;
	size_t i, nmx, seen;
	int rv = T_NOMATCH, k, st, sub;

	*err = MAUTH_SPF_PERMERROR;
	switch (t->kind) {
	case SPF_ALL:
		return T_MATCH;
	case SPF_IP4:
		return !c->v6 && spf_cidr_match(t->addr, c->ip, t->cidr4) ?
		    T_MATCH : T_NOMATCH;
	case SPF_IP6:
		return c->v6 && spf_cidr_match(t->addr, c->ip, t->cidr6) ?
		    T_MATCH : T_NOMATCH;
	default:
		break;
	}

	/* the DNS-querying terms (RFC 7208 4.6.4) */
	if (!count_lookup(c, n))
		return T_ERROR;
	if ((target = expand_target(c, t, domain)) == NULL)
		return T_ERROR;
	if (n != NULL && (n->pub.target = escdup(target, strlen(target))) ==
	    NULL)
		c->nomem = true;

	switch (t->kind) {
	case SPF_INCLUDE:
		/* RFC 7208 5.2 */
		sub = check_host(c, target, depth + 1, false, n, &inc_expl);
		free(inc_expl);
		switch (sub) {
		case MAUTH_SPF_PASS:
			rv = T_MATCH;
			break;
		case MAUTH_SPF_FAIL:
		case MAUTH_SPF_SOFTFAIL:
		case MAUTH_SPF_NEUTRAL:
			rv = T_NOMATCH;
			break;
		case MAUTH_SPF_TEMPERROR:
			*err = MAUTH_SPF_TEMPERROR;
			rv = T_ERROR;
			break;
		case MAUTH_SPF_NONE:
			set_reason(c, "include:%s has no SPF record",
			    short_esc(target, strlen(target), tmp,
			    sizeof(tmp)));
			node_note(c, n, "included domain has no SPF record");
			rv = T_ERROR;
			break;
		default:
			rv = T_ERROR;
			break;
		}
		break;

	case SPF_A:
		/* RFC 7208 5.3 */
		k = query(c, target, addr_type(c), &ans, &q, &st);
		if (k == Q_TEMP) {
			temp_reason(c, target, addr_type(c), st, ans);
			*err = MAUTH_SPF_TEMPERROR;
			rv = T_ERROR;
		} else if (k == Q_VOID) {
			rv = count_void(c, n, q) ? T_NOMATCH : T_ERROR;
		} else if (k == Q_OK)
			rv = addr_match(c, ans, t->cidr4, t->cidr6) ?
			    T_MATCH : T_NOMATCH;
		else
			node_note(c, n, "invalid domain name: no match");
		break;

	case SPF_MX:
		/* RFC 7208 5.4, 4.6.4 (at most max_names MX names) */
		k = query(c, target, MAUTH_DNS_MX, &ans, &q, &st);
		if (k == Q_TEMP) {
			temp_reason(c, target, MAUTH_DNS_MX, st, ans);
			*err = MAUTH_SPF_TEMPERROR;
			rv = T_ERROR;
			break;
		}
		if (k == Q_VOID) {
			rv = count_void(c, n, q) ? T_NOMATCH : T_ERROR;
			break;
		}
		if (k == Q_BADNAME) {
			node_note(c, n, "invalid domain name: no match");
			break;
		}
		nmx = count_type(ans, MAUTH_DNS_MX);
		if (nmx > c->max_names) {
			set_reason(c, "too many MX records for %s (%zu, limit "
			    "%u)", short_esc(target, strlen(target), tmp,
			    sizeof(tmp)), nmx, c->max_names);
			node_note(c, n, "%zu MX records, limit %u", nmx,
			    c->max_names);
			rv = T_ERROR;
			break;
		}
		for (i = 0; i < ans->nrr && rv == T_NOMATCH; i++) {
			if (ans->rr[i].type != MAUTH_DNS_MX)
				continue;
			x = ans->rr[i].u.mx.exchange;
			/* null MX (RFC 7505) names no host */
			if (x == NULL || x[0] == '\0' || strcmp(x, ".") == 0)
				continue;
			k = query(c, x, addr_type(c), &aans, NULL, &st);
			if (k == Q_TEMP) {
				temp_reason(c, x, addr_type(c), st, aans);
				*err = MAUTH_SPF_TEMPERROR;
				rv = T_ERROR;
			} else if (k == Q_OK && addr_match(c, aans, t->cidr4,
			    t->cidr6))
				rv = T_MATCH;
			mauth_dns_answer_free(aans);
		}
		break;

	case SPF_PTR:
		/*
		 * RFC 7208 5.5: PTR names (at most max_names) that are in
		 * <target-name> are validated; a DNS error on the PTR lookup
		 * is no match, on the address lookups skips the name.
		 */
		k = query(c, c->revname, MAUTH_DNS_PTR, &ans, &q, &st);
		if (k == Q_VOID) {
			rv = count_void(c, n, q) ? T_NOMATCH : T_ERROR;
			break;
		}
		if (k != Q_OK) {
			node_note(c, n, "PTR lookup failed: no match");
			break;
		}
		seen = 0;
		for (i = 0; i < ans->nrr && seen < c->max_names &&
		    rv == T_NOMATCH; i++) {
			if (ans->rr[i].type != MAUTH_DNS_PTR)
				continue;
			seen++;
			x = ans->rr[i].u.target;
			if (x == NULL || !name_in_domain(x, target))
				continue;
			if (validate_name(c, x))
				rv = T_MATCH;
		}
		break;

	case SPF_EXISTS:
		/* RFC 7208 5.7: an A query whatever the client's family */
		k = query(c, target, MAUTH_DNS_A, &ans, &q, &st);
		if (k == Q_TEMP) {
			temp_reason(c, target, MAUTH_DNS_A, st, ans);
			*err = MAUTH_SPF_TEMPERROR;
			rv = T_ERROR;
		} else if (k == Q_VOID)
			rv = count_void(c, n, q) ? T_NOMATCH : T_ERROR;
		else if (k == Q_OK)
			rv = T_MATCH;
		else
			node_note(c, n, "invalid domain name: no match");
		break;
	}
	mauth_dns_answer_free(ans);
	free(target);
	return rv;
}

/* default_explanation - the caller's or the built-in text, expanded */
static char *
default_explanation(struct spf_ctx *c, const char *domain)
{
	const char *d = c->req->default_explanation;
	struct spf_macro_ctx m;
	struct buf b;
	char err[SPF_ERRLEN], *p;

	if (d == NULL)
		d = SPF_DEFAULT_EXPLANATION;
	macro_ctx(c, domain, &m);
	buf_init(&b, SPF_MAX_EXPAND);
	if (spf_macro_expand(&m, d, strlen(d), SPF_MACRO_EXPLAIN, &b, err,
	    sizeof(err)) != 0) {
		buf_free(&b);
		buf_init(&b, SPF_MAX_EXPAND);
		buf_put_escaped(&b, d, strlen(d));
	}
	p = buf_take(&b);
	buf_free(&b);
	if (p == NULL)
		c->nomem = true;
	else
		printable(p);
	return p;
}

/*
 * explanation - RFC 7208 6.2: the exp= text of the record that failed, or
 * the default one.  Its lookup counts toward no limit; any problem (DNS,
 * not exactly one TXT record, syntax) falls back to the default.
 */
static char *
explanation(struct spf_ctx *c, const struct spf_record *rec,
    const char *domain, struct spf_node *check)
{
	const struct spf_term *t;
	struct mauth_dns_answer *ans = NULL;
	struct spf_macro_ctx m;
	struct spf_node *n;
	struct buf b;
	char err[SPF_ERRLEN], *target = NULL, *p = NULL;
	const struct mauth_dns_rr *txt = NULL;
	size_t i, off, len;

	if (rec->exp < 0)
		return default_explanation(c, domain);
	t = &rec->terms[rec->exp];
	n = node_new(c, check, MAUTH_SPF_NODE_TERM);
	if (n != NULL && (n->pub.term = escdup(t->text, t->textlen)) == NULL)
		c->nomem = true;
	c->cur_node = n;

	macro_ctx(c, domain, &m);
	buf_init(&b, SPF_MAX_EXPAND);
	if (spf_macro_expand(&m, t->spec, t->speclen, SPF_MACRO_DOMAIN, &b,
	    err, sizeof(err)) != 0) {
		node_note(c, n, "exp= target: %s; default explanation", err);
		goto fallback;
	}
	len = b.len;
	off = spf_domain_truncate(b.data ? b.data : "", &len);
	if ((target = str_ndup((b.data ? b.data : "") + off, len)) == NULL) {
		c->nomem = true;
		goto fallback;
	}
	if (n != NULL && (n->pub.target = escdup(target, len)) == NULL)
		c->nomem = true;
	if (query(c, target, MAUTH_DNS_TXT, &ans, NULL, NULL) != Q_OK) {
		node_note(c, n, "no explanation record; default explanation");
		goto fallback;
	}
	for (i = 0; i < ans->nrr; i++) {
		if (ans->rr[i].type != MAUTH_DNS_TXT)
			continue;
		if (txt != NULL) {
			node_note(c, n, "more than one TXT record; default "
			    "explanation");
			goto fallback;
		}
		txt = &ans->rr[i];
	}
	buf_free(&b);
	buf_init(&b, SPF_MAX_EXPAND);
	if (spf_macro_expand(&m, (const char *)txt->u.txt.data, txt->u.txt.len,
	    SPF_MACRO_EXPLAIN, &b, err, sizeof(err)) != 0) {
		node_note(c, n, "explanation: %s; default explanation", err);
		goto fallback;
	}
	p = buf_take(&b);
	if (p == NULL)
		c->nomem = true;
	else
		printable(p);
	goto done;
fallback:
	p = default_explanation(c, domain);
done:
	buf_free(&b);
	free(target);
	mauth_dns_answer_free(ans);
	node_counts(c, n);
	return p;
}

/*
 * lookup_record - RFC 7208 4.4, 4.5: the one SPF record of domain.
 * Returns -1 with *rec_out set (caller frees), or a result: none,
 * temperror, permerror.
 */
static int
lookup_record(struct spf_ctx *c, const char *domain, struct spf_node *check,
    char **rec_out, size_t *len_out)
{
	struct mauth_dns_answer *ans = NULL;
	const struct mauth_dns_rr *found = NULL, *rr;
	char tmp[256];
	size_t i, n = 0;
	int k, st;

	*rec_out = NULL;
	short_esc(domain, strlen(domain), tmp, sizeof(tmp));
	k = query(c, domain, MAUTH_DNS_TXT, &ans, NULL, &st);
	if (k == Q_TEMP) {
		temp_reason(c, domain, MAUTH_DNS_TXT, st, ans);
		mauth_dns_answer_free(ans);
		return MAUTH_SPF_TEMPERROR;
	}
	if (k == Q_BADNAME) {
		set_reason(c, "invalid domain name %s", tmp);
		return MAUTH_SPF_NONE;
	}
	for (i = 0; ans != NULL && i < ans->nrr; i++) {
		rr = &ans->rr[i];
		if (rr->type != MAUTH_DNS_TXT ||
		    !spf_record_is_spf(rr->u.txt.data, rr->u.txt.len))
			continue;
		n++;
		found = rr;
	}
	if (n == 0) {
		set_reason(c, "no SPF record at %s", tmp);
		mauth_dns_answer_free(ans);
		return MAUTH_SPF_NONE;
	}
	if (n > 1) {
		set_reason(c, "%zu SPF records at %s", n, tmp);
		node_note(c, check, "more than one SPF record");
		mauth_dns_answer_free(ans);
		return MAUTH_SPF_PERMERROR;
	}
	if ((*rec_out = malloc(found->u.txt.len + 1)) == NULL) {
		c->nomem = true;
		mauth_dns_answer_free(ans);
		return MAUTH_SPF_TEMPERROR;
	}
	memcpy(*rec_out, found->u.txt.data, found->u.txt.len);
	(*rec_out)[found->u.txt.len] = '\0';
	if (check != NULL && (check->pub.record = escdup(found->u.txt.data,
	    found->u.txt.len)) == NULL)
		c->nomem = true;
	*len_out = found->u.txt.len;	/* the record may hold NUL bytes */
	mauth_dns_answer_free(ans);
	return -1;
}

/*
 * check_host - RFC 7208 4: evaluate the SPF record of domain.  On fail with
 * want_exp, *expl receives the explanation (caller frees).
 */
static int
check_host(struct spf_ctx *c, const char *domain, unsigned depth,
    bool want_exp, struct spf_node *parent, char **expl)
{
	struct spf_record rec;
	struct spf_node *chk, *n = NULL;
	const struct spf_term *t;
	char *record = NULL, *target = NULL, err[SPF_ERRLEN], tmp[256];
	char tmp2[256];
	size_t i, reclen = 0;
	int res = MAUTH_SPF_NEUTRAL, k, e;
	bool matched = false;

	*expl = NULL;
	memset(&rec, 0, sizeof(rec));
	chk = node_new(c, parent, MAUTH_SPF_NODE_CHECK);
	if (chk != NULL && (chk->pub.domain = escdup(domain,
	    strlen(domain))) == NULL)
		c->nomem = true;
	c->cur_node = chk;
	c->cur_domain = domain;

	if (depth > SPF_MAX_DEPTH) {
		set_reason(c, "include/redirect nesting deeper than %d",
		    SPF_MAX_DEPTH);
		res = MAUTH_SPF_PERMERROR;
		goto out;
	}
	if ((k = lookup_record(c, domain, chk, &record, &reclen)) != -1) {
		res = k;
		goto out;
	}
	if (spf_parse(record, reclen, &rec, err, sizeof(err)) != 0) {
		set_reason(c, "syntax error in record of %s: %s",
		    short_esc(domain, strlen(domain), tmp, sizeof(tmp)), err);
		node_note(c, chk, "syntax error: %s", err);
		res = MAUTH_SPF_PERMERROR;
		goto out;
	}

	/* RFC 7208 4.6.2: mechanisms left to right, first match wins */
	for (i = 0; i < rec.nterms && !matched; i++) {
		t = &rec.terms[i];
		if (t->kind >= SPF_REDIRECT)
			continue;
		n = node_new(c, chk, MAUTH_SPF_NODE_TERM);
		if (n != NULL) {
			n->pub.qualifier = t->qualifier;
			if ((n->pub.term = escdup(t->text, t->textlen)) == NULL)
				c->nomem = true;
		}
		c->cur_node = n;
		c->cur_domain = domain;
		k = eval_mech(c, t, domain, depth, n, &e);
		c->cur_node = n;
		c->cur_domain = domain;
		if (k == T_ERROR) {
			res = e;
			if (n != NULL)
				n->pub.result = e;
			node_counts(c, n);
			goto out;
		}
		if (k == T_MATCH) {
			matched = true;
			res = qualifier_result(t->qualifier);
			set_reason(c, "matched %s in %s",
			    short_esc(t->text, t->textlen, tmp, sizeof(tmp)),
			    short_esc(domain, strlen(domain), tmp2,
			    sizeof(tmp2)));
			if (n != NULL) {
				n->pub.matched = true;
				n->pub.result = res;
			}
		}
		node_counts(c, n);
	}

	if (!matched && rec.redirect >= 0) {
		/* RFC 7208 6.1: only when no mechanism matched */
		t = &rec.terms[rec.redirect];
		n = node_new(c, chk, MAUTH_SPF_NODE_TERM);
		if (n != NULL && (n->pub.term = escdup(t->text,
		    t->textlen)) == NULL)
			c->nomem = true;
		c->cur_node = n;
		if (!count_lookup(c, n) ||
		    (target = expand_target(c, t, domain)) == NULL) {
			res = MAUTH_SPF_PERMERROR;
			node_counts(c, n);
			goto out;
		}
		if (n != NULL && (n->pub.target = escdup(target,
		    strlen(target))) == NULL)
			c->nomem = true;
		res = check_host(c, target, depth + 1, want_exp, n, expl);
		if (res == MAUTH_SPF_NONE) {
			set_reason(c, "redirect=%s has no SPF record",
			    short_esc(target, strlen(target), tmp,
			    sizeof(tmp)));
			node_note(c, n, "redirect target has no SPF record");
			res = MAUTH_SPF_PERMERROR;
		}
		if (n != NULL)
			n->pub.result = res;
		node_counts(c, n);
		/* the explanation, if any, came from the redirect target */
		want_exp = false;
	} else if (!matched) {
		/* RFC 7208 4.7 */
		res = MAUTH_SPF_NEUTRAL;
		set_reason(c, "no mechanism matched in %s (default neutral)",
		    short_esc(domain, strlen(domain), tmp, sizeof(tmp)));
	}

	if (res == MAUTH_SPF_FAIL && want_exp) {
		c->cur_domain = domain;
		*expl = explanation(c, &rec, domain, chk);
	}
out:
	if (res != MAUTH_SPF_FAIL && *expl != NULL) {
		free(*expl);
		*expl = NULL;
	}
	if (chk != NULL) {
		chk->pub.result = res;
		node_counts(c, chk);
	}
	spf_record_free(&rec);
	free(record);
	free(target);
	return res;
}

/* ---- public API --------------------------------------------------------- */

/* parse_client - the client address; IPv4-mapped IPv6 is IPv4 (RFC 7208 5) */
static bool
parse_client(struct spf_ctx *c, const char *ip)
{
	uint8_t a[16];
	char rev[80];
	size_t i, o = 0;
	static const char hex[] = "0123456789abcdef";

	if (ip == NULL || strlen(ip) >= INET6_ADDRSTRLEN)
		return false;
	memset(c->ip, 0, sizeof(c->ip));
	if (inet_pton(AF_INET, ip, a) == 1) {
		c->v6 = false;
		memcpy(c->ip, a, 4);
	} else if (inet_pton(AF_INET6, ip, a) == 1) {
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
		    0, 0, 0xff, 0xff };

		if (memcmp(a, mapped, sizeof(mapped)) == 0) {
			c->v6 = false;
			memcpy(c->ip, a + 12, 4);
		} else {
			c->v6 = true;
			memcpy(c->ip, a, 16);
		}
	} else
		return false;
	if (!c->v6) {
		inet_ntop(AF_INET, c->ip, c->ip_c, sizeof(c->ip_c));
		snprintf(c->ip_i, sizeof(c->ip_i), "%s", c->ip_c);
		snprintf(c->revname, sizeof(c->revname),
		    "%u.%u.%u.%u.in-addr.arpa", c->ip[3], c->ip[2], c->ip[1],
		    c->ip[0]);
		return true;
	}
	inet_ntop(AF_INET6, c->ip, c->ip_c, sizeof(c->ip_c));
	spf_ip_nibbles(c->ip, c->ip_i, sizeof(c->ip_i));
	for (i = 16; i > 0; i--) {
		rev[o++] = hex[c->ip[i - 1] & 0xf];
		rev[o++] = '.';
		rev[o++] = hex[c->ip[i - 1] >> 4];
		rev[o++] = '.';
	}
	memcpy(rev + o, "ip6.arpa", sizeof("ip6.arpa"));
	memcpy(c->revname, rev, sizeof(c->revname));
	return true;
}

/*
 * domain_ok - RFC 7208 4.3: a <domain> that is malformed or not a
 * multi-label domain name gives "none" without any query.
 */
static bool
domain_ok(const char *d)
{
	size_t len = strlen(d);

	if (len > 0 && d[len - 1] == '.')
		len--;
	if (!mauth_dns_name_valid(d, len) || d[0] == '[')
		return false;
	return memchr(d, '.', len) != NULL;
}

/*
 * mauth_spf_check - RFC 7208 4: initial processing (4.3), then
 * check_host() on the MAIL FROM domain or the HELO name.
 */
int
mauth_spf_check(struct mauth_resolver *r, const struct mauth_spf_request *req,
    struct mauth_spf_eval **out, char *errbuf, size_t errlen)
{
	struct spf_ctx c;
	struct mauth_spf_eval *ev;
	const char *mf, *at, *dom;
	size_t mflen, i, dlen;
	char *expl = NULL, tmp[256];
	int res, status = MAUTH_OK;

	if (out != NULL)
		*out = NULL;
	if (r == NULL || req == NULL || out == NULL) {
		seterr(errbuf, errlen, "no resolver, request or result pointer");
		return MAUTH_ERR_INVAL;
	}
	memset(&c, 0, sizeof(c));
	c.r = r;
	c.req = req;
	if (!parse_client(&c, req->ip)) {
		seterr(errbuf, errlen, "invalid client IP address '%s'",
		    req->ip == NULL ? "(none)" : short_esc(req->ip,
		    strlen(req->ip), tmp, sizeof(tmp)));
		return MAUTH_ERR_INVAL;
	}
	if ((ev = calloc(1, sizeof(*ev))) == NULL)
		return MAUTH_ERR_NOMEM;
	c.ev = ev;
	c.helo = req->helo != NULL && req->helo[0] != '\0' ? req->helo :
	    "unknown";
	c.receiver = req->receiver != NULL ? req->receiver : "unknown";
	c.now = req->now != 0 ? req->now : (int64_t)time(NULL);
	c.max_lookups = req->max_lookups ? req->max_lookups : 10;
	c.max_void = req->max_void_lookups ? req->max_void_lookups : 2;
	c.max_names = req->max_names ? req->max_names : 10;
	if (c.max_names > SPF_MAX_NAMES)
		c.max_names = SPF_MAX_NAMES;
	c.tree = req->record_tree;
	mauth_dns_budget_init(&ev->budget, req->max_queries);
	ev->budget.max_ms = req->max_time_ms;

	/* RFC 7208 2.3, 2.4, 4.3: <sender> and <domain> */
	mf = req->identity == MAUTH_SPF_ID_MAILFROM ? req->mail_from : NULL;
	mflen = mf != NULL ? strlen(mf) : 0;
	if (mflen >= 2 && mf[0] == '<' && mf[mflen - 1] == '>') {
		mf++;
		mflen -= 2;
	}
	if (mflen == 0) {
		if (req->helo == NULL || req->helo[0] == '\0') {
			seterr(errbuf, errlen, "%s", req->identity ==
			    MAUTH_SPF_ID_HELO ? "no HELO name to check" :
			    "null reverse-path and no HELO name");
			free(ev);
			return MAUTH_ERR_INVAL;
		}
		c.local = strdup("postmaster");
		c.sender_domain = strdup(req->helo);
	} else {
		at = NULL;
		for (i = mflen; i > 0; i--)
			if (mf[i - 1] == '@') {
				at = mf + i - 1;
				break;
			}
		if (at == NULL) {
			c.local = strdup("postmaster");
			c.sender_domain = str_ndup(mf, mflen);
		} else {
			/* RFC 7208 4.3: no local-part -> "postmaster" */
			c.local = at == mf ? strdup("postmaster") :
			    str_ndup(mf, (size_t)(at - mf));
			c.sender_domain = str_ndup(at + 1,
			    mflen - (size_t)(at - mf) - 1);
		}
	}
	if (c.local == NULL || c.sender_domain == NULL) {
		status = MAUTH_ERR_NOMEM;
		goto fail;
	}
	dlen = strlen(c.sender_domain);
	if (dlen > 0 && c.sender_domain[dlen - 1] == '.')
		c.sender_domain[--dlen] = '\0';
	dom = c.sender_domain;
	{
		struct buf b;

		buf_init(&b, 0);
		buf_printf(&b, "%s@%s", c.local, dom);
		ev->sender = buf_take(&b);
		buf_free(&b);
	}
	ev->domain = escdup(dom, strlen(dom));
	if (ev->sender == NULL || ev->domain == NULL) {
		status = MAUTH_ERR_NOMEM;
		goto fail;
	}

	if (!domain_ok(dom)) {
		/* RFC 7208 4.3 */
		res = MAUTH_SPF_NONE;
		set_reason(&c, "invalid domain '%s'", short_esc(dom,
		    strlen(dom), tmp, sizeof(tmp)));
		if (c.tree) {
			struct spf_node *n = node_new(&c, NULL,
			    MAUTH_SPF_NODE_CHECK);

			if (n != NULL) {
				n->pub.domain = escdup(dom, strlen(dom));
				n->pub.result = res;
				node_note(&c, n, "invalid domain: no query made");
			}
		}
	} else
		res = check_host(&c, dom, 0, true, NULL, &expl);
	if (c.nomem) {
		free(expl);
		status = MAUTH_ERR_NOMEM;
		goto fail;
	}
	ev->result = res;
	ev->explanation = res == MAUTH_SPF_FAIL ? expl : NULL;
	if (res != MAUTH_SPF_FAIL)
		free(expl);
	if (ev->reason == NULL && (ev->reason = strdup(
	    mauth_spf_result_str(res))) == NULL) {
		status = MAUTH_ERR_NOMEM;
		goto fail;
	}
	for (i = 0; i < c.npnames; i++)
		free(c.pnames[i]);
	free(c.pnames);
	free(c.local);
	free(c.sender_domain);
	*out = ev;
	return MAUTH_OK;
fail:
	for (i = 0; i < c.npnames; i++)
		free(c.pnames[i]);
	free(c.pnames);
	free(c.local);
	free(c.sender_domain);
	mauth_spf_eval_free(ev);
	seterr(errbuf, errlen, "%s", mauth_strerror(status));
	return status;
}

/* mauth_spf_eval_free - free an evaluation and its tree; NULL is a no-op */
void
mauth_spf_eval_free(struct mauth_spf_eval *ev)
{
	if (ev == NULL)
		return;
	node_free(ev->root);
	free(ev->explanation);
	free(ev->domain);
	free(ev->sender);
	free(ev->reason);
	free(ev);
}

/* accessors: see mauth/spf.h */
int
mauth_spf_eval_result(const struct mauth_spf_eval *ev)
{
	return ev != NULL ? ev->result : MAUTH_SPF_TEMPERROR;
}

const char *
mauth_spf_eval_explanation(const struct mauth_spf_eval *ev)
{
	return ev != NULL && ev->result == MAUTH_SPF_FAIL ?
	    ev->explanation : NULL;
}

const char *
mauth_spf_eval_domain(const struct mauth_spf_eval *ev)
{
	return ev != NULL && ev->domain != NULL ? ev->domain : "";
}

const char *
mauth_spf_eval_sender(const struct mauth_spf_eval *ev)
{
	return ev != NULL && ev->sender != NULL ? ev->sender : "";
}

const char *
mauth_spf_eval_reason(const struct mauth_spf_eval *ev)
{
	return ev != NULL && ev->reason != NULL ? ev->reason : "";
}

unsigned
mauth_spf_eval_lookups(const struct mauth_spf_eval *ev)
{
	return ev != NULL ? ev->lookups : 0;
}

unsigned
mauth_spf_eval_void_lookups(const struct mauth_spf_eval *ev)
{
	return ev != NULL ? ev->void_lookups : 0;
}

unsigned
mauth_spf_eval_dns_queries(const struct mauth_spf_eval *ev)
{
	return ev != NULL ? ev->budget.sent : 0;
}

unsigned
mauth_spf_eval_dns_cache_hits(const struct mauth_spf_eval *ev)
{
	return ev != NULL ? ev->budget.cache_hits : 0;
}

const struct mauth_spf_node *
mauth_spf_eval_tree(const struct mauth_spf_eval *ev)
{
	return ev != NULL && ev->root != NULL ? &ev->root->pub : NULL;
}
