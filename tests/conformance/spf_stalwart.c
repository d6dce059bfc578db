/*
 * spf_stalwart.c - run the Stalwart mail-auth SPF scripts against
 * mauth_spf_check().
 *
 * usage: spf_stalwart [-v] [--dump-dns] PATH [TEST-ID ...]
 *
 * PATH is a directory (every *.yml in it, in name order) or one file.  The
 * files look like YAML but are not (keys repeat): they are line scripts.
 * Each line is trimmed, one leading '-' is stripped and it is trimmed again;
 * then, by prefix:
 *
 *   name: TEXT             label of the following checks
 *   spf: OWNER RECORD      TXT record at OWNER (all after the first space)
 *   exp: OWNER TEXT        TXT record at OWNER (same TXT slot as spf:)
 *   a: OWNER IP, ...       A records;  aaaa: OWNER IP, ...  AAAA records
 *   ptr: IP NAME, ...      PTR records of IP
 *   mx: OWNER IP, ...      MX k (from 0) is "mx.<IP>.<k>", preference k+1,
 *                          and that name gets an A or AAAA record with IP
 *   domain: NAME           HELO name;  sender: ADDR  MAIL FROM;  ip: IP
 *   expect: RESULT [EXPLANATION]   check now and compare
 *
 * Lines "---" separate sections: domain, sender and ip (127.0.0.1) reset,
 * the DNS persists for the whole file; a later record for the same name and
 * type replaces the earlier one.  Names not in the data: one containing
 * "_dns_error." answers SERVFAIL, "_parse_error." an unparsable SPF record,
 * "_invalid_record." a TXT record that is not SPF; other names NXDOMAIN.
 *
 * A check is what the upstream test asserts (Stalwart's verify_spf): the
 * HELO identity first; if it is not "pass", that is the result; otherwise
 * the MAIL FROM identity (domain after the '@' of sender, or the HELO name
 * when sender is empty).  %{r} is "localdomain.org".
 *
 * One line per failure, then one line per file and "N passed, N failed".
 * Exit status: 0 all passed, 1 some failed, 2 usage or input error.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mauth/dns.h"
#include "mauth/spf.h"
#include "conf_common.h"

#define MAX_FILE	(4 * 1024 * 1024)	/* bytes of one script */
#define MAX_FILES	1000			/* scripts in the directory */
#define MAX_NAMES	10000			/* owner names of one file */
#define MAX_ITEMS	1000			/* items of one line */
#define MAX_FILTER	64
#define MAX_DIVERGE	64
#define RECEIVER	"localdomain.org"
#define DEFAULT_IP	"127.0.0.1"

struct smx {
	uint16_t	 pref;
	char		*exchange;
};

/* One owner name and its record sets; each set is replaced as a whole. */
struct sname {
	char		*name;		/* without trailing dot */
	char		*txt;		/* the one TXT record (spf: or exp:) */
	size_t		 txtlen;
	bool		 has_txt;
	uint8_t		(*a)[4];
	size_t		 na;
	uint8_t		(*aaaa)[16];
	size_t		 naaaa;
	struct smx	*mx;
	size_t		 nmx;
	char		**ptr;
	size_t		 nptr;
};

struct store {
	struct sname	*names;
	size_t		 nnames;
};

/*
 * A documented divergence: a check where mauth follows RFC 7208 and the
 * upstream expectation does not.  The check is still run and must give
 * mauth's expected result; the entry must be used (no stale entries).
 */
struct diverge {
	char		 id[128];
	int		 result;
	char		 reason[512];
	bool		 used;
};

struct run {
	bool		 verbose;
	struct diverge	 div[MAX_DIVERGE];
	size_t		 ndiv;
	unsigned	 diverged;
	bool		 dump_dns;
	const char	*filter[MAX_FILTER];
	bool		 filter_seen[MAX_FILTER];
	size_t		 nfilter;
	unsigned	 passed;
	unsigned	 failed;
};

/* The check state of the current section. */
struct state {
	char		 name[256];
	char		 domain[512];
	char		 sender[512];
	char		 ip[128];
};

/* ---- small string helpers ---------------------------------------------- */

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	    c == '\f';
}

/* trim - shrink [*s, *s + *len) to drop white space at both ends */
static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && is_space(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && is_space((*s)[*len - 1]))
		(*len)--;
}

/* strip_prefix - if s starts with p, advance past it and trim the rest */
static bool
strip_prefix(const char **s, size_t *len, const char *p)
{
	size_t plen = strlen(p);

	if (*len < plen || memcmp(*s, p, plen) != 0)
		return false;
	*s += plen;
	*len -= plen;
	trim(s, len);
	return true;
}

/* copy_to - copy s[0..len) into a fixed buffer; false if it does not fit */
static bool
copy_to(char *dst, size_t dstlen, const char *s, size_t len)
{
	if (len >= dstlen)
		return false;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return true;
}

/* contains_ci - whether name contains needle (lower case), ignoring case */
static bool
contains_ci(const char *name, const char *needle)
{
	size_t i, j, n = strlen(name), m = strlen(needle);
	char c;

	for (i = 0; i + m <= n; i++) {
		for (j = 0; j < m; j++) {
			c = name[i + j];
			if (c >= 'A' && c <= 'Z')
				c = c - 'A' + 'a';
			if (c != needle[j])
				break;
		}
		if (j == m)
			return true;
	}
	return false;
}

/* ---- the file's DNS ---------------------------------------------------- */

static void
sname_clear_mx(struct sname *n)
{
	size_t i;

	for (i = 0; i < n->nmx; i++)
		free(n->mx[i].exchange);
	free(n->mx);
	n->mx = NULL;
	n->nmx = 0;
}

static void
sname_clear_ptr(struct sname *n)
{
	size_t i;

	for (i = 0; i < n->nptr; i++)
		free(n->ptr[i]);
	free(n->ptr);
	n->ptr = NULL;
	n->nptr = 0;
}

static void
store_free(struct store *st)
{
	size_t i;

	for (i = 0; i < st->nnames; i++) {
		free(st->names[i].name);
		free(st->names[i].txt);
		free(st->names[i].a);
		free(st->names[i].aaaa);
		sname_clear_mx(&st->names[i]);
		sname_clear_ptr(&st->names[i]);
	}
	free(st->names);
	st->names = NULL;
	st->nnames = 0;
}

static struct sname *
store_find(const struct store *st, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < st->nnames; i++)
		if (conf_name_eq(st->names[i].name, strlen(st->names[i].name),
		    name, len))
			return &st->names[i];
	return NULL;
}

/* store_get - the entry of name, created if needed; NULL on ENOMEM/ceiling */
static struct sname *
store_get(struct store *st, const char *name, size_t len)
{
	struct sname *n;

	if ((n = store_find(st, name, len)) != NULL)
		return n;
	if (st->nnames >= MAX_NAMES)
		return NULL;
	n = reallocarray(st->names, st->nnames + 1, sizeof(*n));
	if (n == NULL)
		return NULL;
	st->names = n;
	n = &st->names[st->nnames];
	memset(n, 0, sizeof(*n));
	if ((n->name = conf_name_norm(name, len)) == NULL)
		return NULL;
	st->nnames++;
	return n;
}

/* store_set_txt - replace the TXT record of name */
static bool
store_set_txt(struct store *st, const char *name, size_t nlen,
    const char *txt, size_t tlen)
{
	struct sname *n;
	char *p;

	if ((n = store_get(st, name, nlen)) == NULL)
		return false;
	if ((p = malloc(tlen + 1)) == NULL)
		return false;
	memcpy(p, txt, tlen);
	p[tlen] = '\0';
	free(n->txt);
	n->txt = p;
	n->txtlen = tlen;
	n->has_txt = true;
	return true;
}

/* store_set_addr - replace the A (family AF_INET) or AAAA set of name */
static bool
store_set_addr(struct store *st, const char *name, size_t nlen, int family,
    const uint8_t *addrs, size_t naddr)
{
	struct sname *n;
	size_t sz = family == AF_INET ? 4 : 16;
	uint8_t *p;

	if ((n = store_get(st, name, nlen)) == NULL)
		return false;
	if ((p = calloc(naddr + 1, sz)) == NULL)
		return false;
	if (naddr > 0)
		memcpy(p, addrs, naddr * sz);
	if (family == AF_INET) {
		free(n->a);
		n->a = (uint8_t (*)[4])p;
		n->na = naddr;
	} else {
		free(n->aaaa);
		n->aaaa = (uint8_t (*)[16])p;
		n->naaaa = naddr;
	}
	return true;
}

/* ---- the custom backend ------------------------------------------------ */

static int
store_query(void *arg, const char *name, uint16_t type,
    struct mauth_dns_answer **out)
{
	static const uint8_t parse_error[] = "v=spf1 _parse_error";
	static const uint8_t invalid_record[] = "_invalid_record: not SPF";
	const struct store *st = arg;
	const struct sname *n;
	struct mauth_dns_answer *ans;
	const uint8_t *s;
	size_t i, len;
	int rc = MAUTH_OK;

	*out = NULL;
	if ((ans = mauth_dns_answer_new(MAUTH_RCODE_NOERROR, CONF_TTL)) == NULL)
		return MAUTH_DNS_FAILURE;
	if ((n = store_find(st, name, strlen(name))) == NULL) {
		/* the mock resolver of the upstream tests */
		if (contains_ci(name, "_dns_error."))
			ans->rcode = MAUTH_RCODE_SERVFAIL;
		else if (contains_ci(name, "_parse_error.")) {
			if (type != MAUTH_DNS_TXT) {
				mauth_dns_answer_free(ans);
				return MAUTH_DNS_FAILURE;
			}
			s = parse_error;
			len = sizeof(parse_error) - 1;
			rc = mauth_dns_answer_add_txt(ans, type, name, CONF_TTL,
			    &s, &len, 1);
		} else if (contains_ci(name, "_invalid_record.")) {
			if (type == MAUTH_DNS_TXT) {
				s = invalid_record;
				len = sizeof(invalid_record) - 1;
				rc = mauth_dns_answer_add_txt(ans, type, name,
				    CONF_TTL, &s, &len, 1);
			}
		} else
			ans->rcode = MAUTH_RCODE_NXDOMAIN;
		goto done;
	}
	switch (type) {
	case MAUTH_DNS_TXT:
		if (n->has_txt) {
			s = (const uint8_t *)n->txt;
			len = n->txtlen;
			rc = mauth_dns_answer_add_txt(ans, type, n->name,
			    CONF_TTL, &s, &len, 1);
		}
		break;
	case MAUTH_DNS_A:
		for (i = 0; i < n->na && rc == MAUTH_OK; i++)
			rc = mauth_dns_answer_add_a(ans, n->name, CONF_TTL,
			    n->a[i]);
		break;
	case MAUTH_DNS_AAAA:
		for (i = 0; i < n->naaaa && rc == MAUTH_OK; i++)
			rc = mauth_dns_answer_add_aaaa(ans, n->name, CONF_TTL,
			    n->aaaa[i]);
		break;
	case MAUTH_DNS_MX:
		for (i = 0; i < n->nmx && rc == MAUTH_OK; i++)
			rc = mauth_dns_answer_add_mx(ans, n->name, CONF_TTL,
			    n->mx[i].pref, n->mx[i].exchange);
		break;
	case MAUTH_DNS_PTR:
		for (i = 0; i < n->nptr && rc == MAUTH_OK; i++)
			rc = mauth_dns_answer_add_name(ans, MAUTH_DNS_PTR,
			    n->name, CONF_TTL, n->ptr[i]);
		break;
	default:
		break;
	}
done:
	if (rc != MAUTH_OK) {
		mauth_dns_answer_free(ans);
		return MAUTH_DNS_FAILURE;
	}
	*out = ans;
	return MAUTH_DNS_ANSWER;
}

/* ---- script lines ------------------------------------------------------ */

/*
 * split_owner - "OWNER REST": the owner (up to the first space) and the
 * rest, untrimmed as upstream does.  False when there is no space.
 */
static bool
split_owner(const char *s, size_t len, const char **owner, size_t *olen,
    const char **rest, size_t *rlen)
{
	const char *sp = memchr(s, ' ', len);

	if (sp == NULL)
		return false;
	*owner = s;
	*olen = (size_t)(sp - s);
	trim(owner, olen);
	*rest = sp + 1;
	*rlen = len - (size_t)(sp + 1 - s);
	return *olen > 0;
}

/*
 * next_item - the next comma-separated item of [*s, *s + *len), trimmed,
 * copied into buf; false when there is none or it does not fit.
 */
static bool
next_item(const char **s, size_t *len, char *buf, size_t buflen)
{
	const char *comma, *it;
	size_t ilen;

	if (*len == 0 && *s == NULL)
		return false;
	it = *s;
	comma = memchr(it, ',', *len);
	if (comma != NULL) {
		ilen = (size_t)(comma - it);
		*len -= ilen + 1;
		*s = comma + 1;
	} else {
		ilen = *len;
		*len = 0;
		*s = NULL;
	}
	trim(&it, &ilen);
	return copy_to(buf, buflen, it, ilen);
}

/* line_addrs - "a:" / "aaaa:" lines */
static bool
line_addrs(struct store *st, const char *s, size_t len, int family)
{
	uint8_t addrs[MAX_ITEMS][16], packed[MAX_ITEMS * 16];
	const char *owner, *rest;
	size_t olen, rlen, n = 0, i, sz = family == AF_INET ? 4 : 16;
	char item[128];

	if (!split_owner(s, len, &owner, &olen, &rest, &rlen))
		return false;
	while (next_item(&rest, &rlen, item, sizeof(item))) {
		if (n >= MAX_ITEMS || inet_pton(family, item, addrs[n]) != 1)
			return false;
		n++;
	}
	for (i = 0; i < n; i++)
		memcpy(packed + i * sz, addrs[i], sz);
	return store_set_addr(st, owner, olen, family, packed, n);
}

/* line_ptr - "ptr: IP NAME, NAME" */
static bool
line_ptr(struct store *st, const char *s, size_t len)
{
	const char *ip, *rest;
	size_t iplen, rlen;
	char ipbuf[128], rev[128], item[512];
	struct sname *n;
	char **names = NULL, **nn, *p;
	size_t count = 0, i;

	if (!split_owner(s, len, &ip, &iplen, &rest, &rlen) ||
	    !copy_to(ipbuf, sizeof(ipbuf), ip, iplen) ||
	    !conf_reverse_name(ipbuf, rev, sizeof(rev)))
		return false;
	while (next_item(&rest, &rlen, item, sizeof(item))) {
		if (count >= MAX_ITEMS ||
		    (nn = reallocarray(names, count + 1, sizeof(*nn))) == NULL)
			goto fail;
		names = nn;
		if ((p = conf_name_norm(item, strlen(item))) == NULL)
			goto fail;
		names[count++] = p;
	}
	if ((n = store_get(st, rev, strlen(rev))) == NULL)
		goto fail;
	sname_clear_ptr(n);
	n->ptr = names;
	n->nptr = count;
	return true;
fail:
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return false;
}

/* line_mx - "mx: OWNER IP, IP": exchanges mx.<IP>.<k>, preference k+1 */
static bool
line_mx(struct store *st, const char *s, size_t len)
{
	const char *owner, *rest;
	size_t olen, rlen, count = 0, i;
	char item[128], canon[INET6_ADDRSTRLEN], xname[256];
	uint8_t addr[16];
	struct smx *mx = NULL, *nm;
	struct sname *n;
	int family;

	if (!split_owner(s, len, &owner, &olen, &rest, &rlen))
		return false;
	while (next_item(&rest, &rlen, item, sizeof(item))) {
		family = strchr(item, ':') != NULL ? AF_INET6 : AF_INET;
		if (count >= MAX_ITEMS || inet_pton(family, item, addr) != 1 ||
		    inet_ntop(family, addr, canon, sizeof(canon)) == NULL)
			goto fail;
		if (snprintf(xname, sizeof(xname), "mx.%s.%zu", canon, count) >=
		    (int)sizeof(xname))
			goto fail;
		if (!store_set_addr(st, xname, strlen(xname), family, addr, 1))
			goto fail;
		if ((nm = reallocarray(mx, count + 1, sizeof(*nm))) == NULL)
			goto fail;
		mx = nm;
		mx[count].pref = (uint16_t)(count + 1);
		if ((mx[count].exchange = conf_name_norm(xname,
		    strlen(xname))) == NULL)
			goto fail;
		count++;
	}
	/* store_get after the loop: store_set_addr may move the array */
	if ((n = store_get(st, owner, olen)) == NULL)
		goto fail;
	sname_clear_mx(n);
	n->mx = mx;
	n->nmx = count;
	return true;
fail:
	for (i = 0; i < count; i++)
		free(mx[i].exchange);
	free(mx);
	return false;
}

/* ---- checks ------------------------------------------------------------ */

/*
 * check_one - one mauth_spf_check() call.  Returns the SPF result, or -1
 * with the reason in errbuf; *exp and *why receive copies of the
 * explanation and of the engine's reason (NULL if none).
 */
static int
check_one(struct mauth_resolver *r, const struct state *s, int identity,
    char **exp, char **why, char *errbuf, size_t errlen)
{
	struct mauth_spf_request req;
	struct mauth_spf_eval *ev = NULL;
	const char *e;
	int rc, res;

	*exp = NULL;
	*why = NULL;
	mauth_spf_request_init(&req);
	req.ip = s->ip;
	req.mail_from = s->sender;
	req.helo = s->domain;
	req.identity = identity;
	req.receiver = RECEIVER;
	req.record_tree = false;
	rc = mauth_spf_check(r, &req, &ev, errbuf, errlen);
	if (rc != MAUTH_OK) {
		if (errbuf[0] == '\0')
			snprintf(errbuf, errlen, "%s", mauth_strerror(rc));
		return -1;
	}
	res = mauth_spf_eval_result(ev);
	if ((e = mauth_spf_eval_explanation(ev)) != NULL)
		*exp = strdup(e);
	if ((e = mauth_spf_eval_reason(ev)) != NULL)
		*why = strdup(e);
	mauth_spf_eval_free(ev);
	return res;
}

/* selected - whether test id (file:line) of file is to be run */
static bool
selected(struct run *run, const char *file, const char *id)
{
	size_t i;
	bool any = false;

	if (run->nfilter == 0)
		return true;
	for (i = 0; i < run->nfilter; i++) {
		if (strcmp(run->filter[i], id) == 0 ||
		    strcmp(run->filter[i], file) == 0) {
			run->filter_seen[i] = true;
			any = true;
		}
	}
	return any;
}

/* find_diverge - the divergence entry for a check id, or NULL */
static struct diverge *
find_diverge(struct run *run, const char *id)
{
	size_t i;

	for (i = 0; i < run->ndiv; i++)
		if (strcmp(run->div[i].id, id) == 0)
			return &run->div[i];
	return NULL;
}

/*
 * load_diverge - read "ID<TAB>RESULT<TAB>REASON" lines ('#' comments).
 * Returns false (with a message) on any malformed line.
 */
static bool
load_diverge(struct run *run, const char *path)
{
	char line[1024], *t1, *t2, *nl;
	struct diverge *d;
	size_t lineno = 0;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "spf_stalwart: cannot open %s\n", path);
		return false;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		t1 = strchr(line, '\t');
		t2 = t1 != NULL ? strchr(t1 + 1, '\t') : NULL;
		if (t2 == NULL || run->ndiv >= MAX_DIVERGE)
			goto bad;
		*t1 = *t2 = '\0';
		d = &run->div[run->ndiv];
		if (!copy_to(d->id, sizeof(d->id), line, strlen(line)) ||
		    (d->result = mauth_spf_result_from_str(t1 + 1)) < 0 ||
		    !copy_to(d->reason, sizeof(d->reason), t2 + 1,
		    strlen(t2 + 1)) || d->reason[0] == '\0')
			goto bad;
		run->ndiv++;
	}
	fclose(f);
	return true;
bad:
	fprintf(stderr, "spf_stalwart: %s:%zu: want ID<TAB>RESULT<TAB>REASON\n",
	    path, lineno);
	fclose(f);
	return false;
}

/* run_expect - "expect: RESULT [EXPLANATION]" */
static void
run_expect(struct run *run, struct mauth_resolver *r, const struct state *s,
    const char *file, size_t lineno, const char *v, size_t vlen,
    unsigned *passed, unsigned *failed)
{
	char id[300], want[32], errbuf[256] = "", *exp = NULL, *why = NULL;
	const char *sp, *wexp = NULL;
	size_t wlen, wexplen = 0;
	const char *stage = "HELO";
	struct diverge *dv;
	int wres, res, upstream = -1;
	bool ok;

	snprintf(id, sizeof(id), "%s:%zu", file, lineno);
	if (!selected(run, file, id))
		return;
	sp = memchr(v, ' ', vlen);
	wlen = sp != NULL ? (size_t)(sp - v) : vlen;
	if (sp != NULL) {
		wexp = sp + 1;
		wexplen = vlen - wlen - 1;
		trim(&wexp, &wexplen);
	}
	if (!copy_to(want, sizeof(want), v, wlen) ||
	    (wres = mauth_spf_result_from_str(want)) < 0) {
		printf("FAIL %s (%s): unknown expected result\n", id, s->name);
		(*failed)++;
		return;
	}

	dv = find_diverge(run, id);
	if (dv != NULL) {
		dv->used = true;
		upstream = wres;
		wres = dv->result;
		wexplen = 0;
	}

	/* Stalwart's verify_spf: HELO first, MAIL FROM only after a pass */
	if (s->domain[0] == '\0')
		res = MAUTH_SPF_NONE;
	else
		res = check_one(r, s, MAUTH_SPF_ID_HELO, &exp, &why, errbuf,
		    sizeof(errbuf));
	if (res == MAUTH_SPF_PASS) {
		free(exp);
		free(why);
		stage = "MAIL FROM";
		res = check_one(r, s, MAUTH_SPF_ID_MAILFROM, &exp, &why,
		    errbuf, sizeof(errbuf));
	}

	ok = res == wres;
	if (ok && wexplen > 0)
		ok = exp != NULL && strlen(exp) == wexplen &&
		    memcmp(exp, wexp, wexplen) == 0;
	if (ok)
		(*passed)++;
	else
		(*failed)++;
	if (ok && dv != NULL) {
		run->diverged++;
		printf("DIVERGE %s: upstream wants %s, mauth gives %s: %s\n",
		    id, mauth_spf_result_str(upstream),
		    mauth_spf_result_str(res), dv->reason);
	}
	if (ok && !run->verbose)
		goto out;
	printf("%s %s (", ok ? "PASS" : "FAIL", id);
	conf_print_escaped(stdout, s->name, strlen(s->name));
	fputs("): got ", stdout);
	if (res < 0) {
		fputs("error (", stdout);
		conf_print_escaped(stdout, errbuf, strnlen(errbuf,
		    sizeof(errbuf)));
		fputc(')', stdout);
	} else
		fputs(mauth_spf_result_str(res), stdout);
	if (exp != NULL) {
		fputs(" [", stdout);
		conf_print_escaped(stdout, exp, strlen(exp));
		fputc(']', stdout);
	}
	printf(", want %s", mauth_spf_result_str(wres));
	if (wexplen > 0) {
		fputs(" [", stdout);
		conf_print_escaped(stdout, wexp, wexplen);
		fputc(']', stdout);
	}
	fputc('\n', stdout);
	if (ok)
		goto out;
	printf("  helo ");
	conf_print_escaped(stdout, s->domain, strlen(s->domain));
	printf(", mail from ");
	conf_print_escaped(stdout, s->sender, strlen(s->sender));
	printf(", ip ");
	conf_print_escaped(stdout, s->ip, strlen(s->ip));
	printf("; result from the %s check", stage);
	if (why != NULL) {
		printf(", reason: ");
		conf_print_escaped(stdout, why, strlen(why));
	}
	fputc('\n', stdout);
out:
	free(exp);
	free(why);
}

/* section_reset - the check state at a "---" line and at the file start */
static void
section_reset(struct state *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->ip, sizeof(s->ip), "%s", DEFAULT_IP);
}

/* dump_store - print what the backend answers for every name */
static void
dump_store(struct mauth_resolver *r, const struct store *st, const char *file)
{
	static const uint16_t types[] = {
		MAUTH_DNS_A, MAUTH_DNS_AAAA, MAUTH_DNS_MX, MAUTH_DNS_TXT,
		MAUTH_DNS_PTR
	};
	static const char *probes[] = {
		"_dns_error.test.org", "_parse_error.test.org",
		"_invalid_record.test.org", "absent.test.invalid"
	};
	size_t i, j;

	printf("file: %s\n", file);
	for (i = 0; i < st->nnames; i++)
		for (j = 0; j < sizeof(types) / sizeof(types[0]); j++)
			conf_dump_query(stdout, r, st->names[i].name, types[j]);
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		conf_dump_query(stdout, r, probes[i], MAUTH_DNS_TXT);
		conf_dump_query(stdout, r, probes[i], MAUTH_DNS_A);
	}
}

/* read_file - the whole file, NUL-terminated; NULL on error */
static char *
read_file(const char *path, size_t *lenp)
{
	FILE *fp;
	char *buf;
	size_t n;

	if ((fp = fopen(path, "rb")) == NULL) {
		perror(path);
		return NULL;
	}
	if ((buf = malloc(MAX_FILE + 1)) == NULL) {
		fclose(fp);
		return NULL;
	}
	n = fread(buf, 1, MAX_FILE + 1, fp);
	if (ferror(fp) || n > MAX_FILE) {
		fprintf(stderr, "spf_stalwart: %s: read error or larger than "
		    "%d bytes\n", path, MAX_FILE);
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	buf[n] = '\0';
	*lenp = n;
	return buf;
}

/*
 * run_file - one script.  Returns false on an input error (which is also
 * counted as a failure so that it cannot pass unnoticed).
 */
static bool
run_file(struct run *run, const char *path, const char *file)
{
	struct mauth_dns_backend be;
	struct mauth_resolver *r = NULL;
	struct store st;
	struct state s;
	const char *p, *end, *nl, *l;
	size_t len, llen, lineno = 0;
	unsigned passed = 0, failed = 0;
	char *buf;
	bool ok = true, good;

	if ((buf = read_file(path, &len)) == NULL) {
		run->failed++;
		return false;
	}
	memset(&st, 0, sizeof(st));
	be.query = store_query;
	be.destroy = NULL;
	be.arg = &st;
	if (mauth_resolver_new_custom(&be, &r) != MAUTH_OK) {
		fprintf(stderr, "spf_stalwart: cannot make a resolver\n");
		free(buf);
		run->failed++;
		return false;
	}
	section_reset(&s);
	for (p = buf, end = buf + len; p < end; p = nl + 1) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		l = p;
		llen = (size_t)(nl - p);
		if (llen == 3 && memcmp(l, "---", 3) == 0) {
			section_reset(&s);
			continue;
		}
		trim(&l, &llen);
		if (llen > 0 && l[0] == '-') {
			l++;
			llen--;
			trim(&l, &llen);
		}
		good = true;
		if (strip_prefix(&l, &llen, "name:"))
			good = copy_to(s.name, sizeof(s.name), l, llen);
		else if (strip_prefix(&l, &llen, "spf:") ||
		    strip_prefix(&l, &llen, "exp:")) {
			const char *owner, *rest;
			size_t olen, rlen;

			good = split_owner(l, llen, &owner, &olen, &rest,
			    &rlen) && store_set_txt(&st, owner, olen, rest,
			    rlen);
		} else if (strip_prefix(&l, &llen, "a:"))
			good = line_addrs(&st, l, llen, AF_INET);
		else if (strip_prefix(&l, &llen, "aaaa:"))
			good = line_addrs(&st, l, llen, AF_INET6);
		else if (strip_prefix(&l, &llen, "ptr:"))
			good = line_ptr(&st, l, llen);
		else if (strip_prefix(&l, &llen, "mx:"))
			good = line_mx(&st, l, llen);
		else if (strip_prefix(&l, &llen, "domain:"))
			good = copy_to(s.domain, sizeof(s.domain), l, llen);
		else if (strip_prefix(&l, &llen, "sender:"))
			good = copy_to(s.sender, sizeof(s.sender), l, llen);
		else if (strip_prefix(&l, &llen, "ip:"))
			good = copy_to(s.ip, sizeof(s.ip), l, llen);
		else if (strip_prefix(&l, &llen, "expect:")) {
			if (!run->dump_dns)
				run_expect(run, r, &s, file, lineno, l, llen,
				    &passed, &failed);
		}
		if (!good) {
			printf("FAIL %s:%zu: line not understood by the "
			    "runner\n", file, lineno);
			failed++;
			ok = false;
		}
	}
	if (run->dump_dns)
		dump_store(r, &st, file);
	else if (passed + failed > 0 || run->nfilter == 0)
		printf("%s: %u passed, %u failed\n", file, passed, failed);
	run->passed += passed;
	run->failed += failed;
	mauth_resolver_free(r);
	store_free(&st);
	free(buf);
	return ok;
}

/* ---- main -------------------------------------------------------------- */

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* list_dir - the *.yml names in dir, sorted; NULL on error */
static char **
list_dir(const char *dir, size_t *count)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL, **nn;
	size_t n = 0, len;

	if ((d = opendir(dir)) == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".yml") != 0)
			continue;
		if (n >= MAX_FILES ||
		    (nn = reallocarray(names, n + 1, sizeof(*nn))) == NULL)
			goto fail;
		names = nn;
		if ((names[n] = strdup(de->d_name)) == NULL)
			goto fail;
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	*count = n;
	return names;
fail:
	closedir(d);
	while (n > 0)
		free(names[--n]);
	free(names);
	return NULL;
}

static void
usage(void)
{
	fprintf(stderr, "usage: spf_stalwart [-v] [--dump-dns] "
	    "[--divergences FILE] DIR|FILE "
	    "[TEST-ID|FILE-NAME ...]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct run run;
	const char *path = NULL, *base;
	char **names = NULL, full[4096];
	size_t i, count = 0;
	DIR *d;
	int status = 0;

	memset(&run, 0, sizeof(run));
	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "-v") == 0)
			run.verbose = true;
		else if (strcmp(argv[i], "--dump-dns") == 0)
			run.dump_dns = true;
		else if (strcmp(argv[i], "--divergences") == 0 &&
		    i + 1 < (size_t)argc) {
			if (!load_diverge(&run, argv[++i]))
				return 2;
		}
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			usage();
		else if (path == NULL)
			path = argv[i];
		else if (run.nfilter < MAX_FILTER)
			run.filter[run.nfilter++] = argv[i];
		else
			usage();
	}
	if (path == NULL)
		usage();

	if ((d = opendir(path)) != NULL) {
		closedir(d);
		if ((names = list_dir(path, &count)) == NULL || count == 0) {
			fprintf(stderr, "spf_stalwart: %s: no *.yml files\n",
			    path);
			free(names);
			return 2;
		}
		for (i = 0; i < count; i++) {
			if (snprintf(full, sizeof(full), "%s/%s", path,
			    names[i]) >= (int)sizeof(full) ||
			    !run_file(&run, full, names[i]))
				status = 2;
			free(names[i]);
		}
		free(names);
	} else {
		base = strrchr(path, '/');
		base = base != NULL ? base + 1 : path;
		if (!run_file(&run, path, base))
			status = 2;
	}

	for (i = 0; i < run.nfilter; i++) {
		if (!run.filter_seen[i] && !run.dump_dns) {
			fprintf(stderr, "spf_stalwart: no test %s\n",
			    run.filter[i]);
			status = 2;
		}
	}
	if (run.dump_dns)
		return status;
	for (i = 0; i < run.ndiv && run.nfilter == 0; i++) {
		if (!run.div[i].used) {
			printf("FAIL divergence %s is listed but no such check "
			    "ran\n", run.div[i].id);
			run.failed++;
		}
	}
	if (run.ndiv > 0)
		printf("%u checks agree with upstream; %u follow RFC 7208 "
		    "where upstream differs (documented, each checked)\n",
		    run.passed - run.diverged, run.diverged);
	return conf_finish("spf_stalwart", run.passed, run.failed, status);
}
