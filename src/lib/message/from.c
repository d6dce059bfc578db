/*
 * from.c - the Author Domain: parse From header fields (RFC 5322 3.4,
 * 3.6.2 and 4.4, RFC 6854 groups in From, RFC 6532 UTF-8) and decide the
 * status RFC 9989 asks for.
 *
 * Decisions:
 *   - The structure (address list, groups, angle-addr, obs-route,
 *     obs-mbox-list empty elements, comments, quoted strings) is parsed
 *     strictly; what cannot be parsed is MAUTH_FROM_SYNTAX.  In particular
 *     an unquoted display name without angle brackets ("John Smith@x") is
 *     a syntax error, never "the last word is the local part".
 *   - A parsed address whose domain cannot be looked up (no '@', "<>",
 *     empty, domain-literal, empty label, a byte no DNS name holds, bad
 *     UTF-8, too long) makes MAUTH_FROM_NO_DOMAIN.
 *   - One trailing dot of a domain is removed ("example.com." is the same
 *     DNS name; keeping it unusable would let a sender escape DMARC).
 *   - Local parts are lenient about dots (RFC 5322 obs forms and real
 *     mail have "a..b"); adjacent words are not accepted.
 *   - Several addresses in one field: RFC 9989 (as DMARCbis words it)
 *     proceeds with DMARC only when the domain is identical for all of
 *     them; a field with several domains is exempt from DMARC checking.
 *     The status is MULTIPLE_ADDRESSES either way, with the common domain
 *     (mauth_from_domain) when there is one.  An address without a usable
 *     domain among them means no common domain.
 *   - Several From fields (RFC 5322 3.6: exactly one), no From field, and
 *     a field without a meaningful domain are outside the scope of RFC
 *     9989 (RFC 7489 6.6.1: typically rejected, or ignored for an empty
 *     group); they get MULTIPLE_FROM, NONE, NO_DOMAIN and no Author
 *     Domain, and the caller's policy decides.
 *   - U-label domains are kept as UTF-8 bytes; RFC 9989 wants the A-label
 *     for DNS, which the caller must derive (no IDNA library here).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mauth/message.h"
#include "util/buf.h"
#include "util/names.h"
#include "util/str.h"

#define FROM_MAX_DOMAIN		253	/* RFC 1035 2.3.4, without the dot */
#define FROM_MAX_LABEL		63

struct from_addr {
	char		*local;
	size_t		 locallen;
	char		*domain;	/* "" if none */
	size_t		 domainlen;
	char		*literal;	/* domain-literal or NULL */
	char		*display;
	const char	*why;		/* domain unusable: why; or NULL */
};

struct mauth_from {
	int		 status;
	size_t		 fields;
	size_t		 total;
	size_t		 naddr;
	struct from_addr addr[MAUTH_FROM_MAX_ADDRESSES];
	bool		 same;
	char		 reason[200];
};

/* Parser state over one field value. */
struct fparse {
	const unsigned char	*s;
	size_t			 len;
	size_t			 pos;
	const char		*err;	/* syntax error, or NULL */
	size_t			 errpos;
	struct mauth_from	*f;
	int			 nomem;
};

/* What a run of words and dots looked like (phrase or local part). */
struct toks {
	size_t	nwords;
	size_t	ndots;
	bool	adjacent;	/* two words without a dot between */
	size_t	start;		/* raw span of the run */
	size_t	end;
};

static const char *const status_names[] = {
	[MAUTH_FROM_OK] = "ok",
	[MAUTH_FROM_NONE] = "none",
	[MAUTH_FROM_MULTIPLE_FROM] = "multiple-from",
	[MAUTH_FROM_MULTIPLE_ADDRESSES] = "multiple-addresses",
	[MAUTH_FROM_NO_DOMAIN] = "no-domain",
	[MAUTH_FROM_SYNTAX] = "syntax"
};

/* mauth_from_status_str - name of a From status */
const char *
mauth_from_status_str(int status)
{
	return names_get(status_names, NAMES_COUNT(status_names), status);
}

/* fail - record the first syntax error */
static bool
fail(struct fparse *p, const char *why)
{
	if (p->err == NULL) {
		p->err = why;
		p->errpos = p->pos;
	}
	return false;
}

static bool
at_end(const struct fparse *p)
{
	return p->pos >= p->len;
}

static int
peek(const struct fparse *p)
{
	return p->pos < p->len ? p->s[p->pos] : -1;
}

/* is_atext - RFC 5322 3.2.3 atext, plus UTF8-non-ascii (RFC 6532 3.2) */
static bool
is_atext(int c)
{
	if (c < 0)
		return false;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c >= 0x80)
		return true;
	return c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/*
 * cfws - skip RFC 5322 3.2.2 CFWS: whitespace, line ends of folding, and
 * comments, which nest and may hold quoted-pairs.  False on an
 * unterminated comment.
 */
static bool
cfws(struct fparse *p)
{
	size_t depth;
	int c;

	for (;;) {
		c = peek(p);
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			p->pos++;
			continue;
		}
		if (c != '(')
			return true;
		depth = 0;
		do {
			if (at_end(p))
				return fail(p, "unterminated comment");
			c = p->s[p->pos++];
			if (c == '\\') {
				if (at_end(p))
					return fail(p, "unterminated comment");
				p->pos++;
			} else if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
		} while (depth > 0);
	}
}

/*
 * qstring - RFC 5322 3.2.4 quoted-string at '"', quoted-pairs and obs-qp
 * accepted; the raw text, quotes included, is appended to out (may be NULL).
 */
static bool
qstring(struct fparse *p, struct buf *out)
{
	size_t start = p->pos;
	int c;

	p->pos++;
	for (;;) {
		if (at_end(p))
			return fail(p, "unterminated quoted string");
		c = p->s[p->pos++];
		if (c == '\\') {
			if (at_end(p))
				return fail(p, "unterminated quoted string");
			p->pos++;
			continue;
		}
		if (c == '"')
			break;
		if (c == 0)
			return fail(p, "NUL byte in quoted string");
	}
	if (out != NULL)
		buf_append(out, p->s + start, p->pos - start);
	return true;
}

/*
 * words - a run of words (atoms, quoted strings) and dots with CFWS
 * around them: an obs-phrase or an obs-local-part.  The words and dots
 * without CFWS go to canon (may be NULL).
 */
static bool
words(struct fparse *p, struct toks *t, struct buf *canon)
{
	bool lastword = false;
	size_t s;
	int c;

	memset(t, 0, sizeof(*t));
	for (;;) {
		if (!cfws(p))
			return false;
		c = peek(p);
		s = p->pos;
		if (is_atext(c)) {
			while (is_atext(peek(p)))
				p->pos++;
			if (canon != NULL)
				buf_append(canon, p->s + s, p->pos - s);
		} else if (c == '"') {
			if (!qstring(p, canon))
				return false;
		} else if (c == '.') {
			p->pos++;
			if (canon != NULL)
				buf_putc(canon, '.');
			t->ndots++;
			if (t->nwords + t->ndots == 1)
				t->start = s;
			t->end = p->pos;
			lastword = false;
			continue;
		} else
			return true;
		if (lastword)
			t->adjacent = true;
		lastword = true;
		if (t->nwords++ == 0 && t->ndots == 0)
			t->start = s;
		t->end = p->pos;
	}
}

/* utf8_ok - s[0..n) is well-formed UTF-8 (RFC 3629) */
static bool
utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0, k, need;
	unsigned c;

	while (i < n) {
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3;
		else
			return false;
		if (n - i <= need)
			return false;
		for (k = 1; k <= need; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		if ((c == 0xe0 && s[i + 1] < 0xa0) ||
		    (c == 0xed && s[i + 1] > 0x9f) ||
		    (c == 0xf0 && s[i + 1] < 0x90) ||
		    (c == 0xf4 && s[i + 1] > 0x8f))
			return false;
		i += need + 1;
	}
	return true;
}

/*
 * domain_why - NULL if d[0..n) (lower-cased, trailing dot removed) is a
 * name DMARC can look up, else the reason.
 */
static const char *
domain_why(const char *d, size_t n)
{
	size_t i, label = 0;
	bool eight = false;
	unsigned char c;

	if (n == 0)
		return "empty domain";
	if (n > FROM_MAX_DOMAIN)
		return "domain name longer than 253 bytes";
	for (i = 0; i < n; i++) {
		c = (unsigned char)d[i];
		if (c == '.') {
			if (label == 0)
				return "domain name with an empty label";
			label = 0;
			continue;
		}
		if (++label > FROM_MAX_LABEL)
			return "domain label longer than 63 bytes";
		if (c >= 0x80)
			eight = true;
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_'))
			return "domain is not a valid DNS name";
	}
	if (label == 0)
		return "domain name with an empty label";
	if (eight && !utf8_ok((const unsigned char *)d, n))
		return "domain is not valid UTF-8";
	return NULL;
}

/*
 * add_addr - keep one address (the first MAUTH_FROM_MAX_ADDRESSES; all are
 * counted).  dom NULL: the address has no domain at all (why says so).
 */
static void
add_addr(struct fparse *p, const char *local, size_t llen, const char *dom,
    size_t dlen, const char *literal, size_t litlen, const char *disp,
    size_t displen, const char *why)
{
	struct mauth_from *f = p->f;
	struct from_addr *a;
	size_t i;

	f->total++;
	if (f->naddr >= MAUTH_FROM_MAX_ADDRESSES)
		return;
	a = &f->addr[f->naddr];
	memset(a, 0, sizeof(*a));
	if (dom != NULL && dlen > 1 && dom[dlen - 1] == '.')
		dlen--;		/* "example.com." names example.com */
	a->local = str_ndup(local != NULL ? local : "", llen);
	a->domain = str_ndup(dom != NULL ? dom : "", dom != NULL ? dlen : 0);
	a->display = str_ndup(disp != NULL ? disp : "", displen);
	if (literal != NULL)
		a->literal = str_ndup(literal, litlen);
	if (a->local == NULL || a->domain == NULL || a->display == NULL ||
	    (literal != NULL && a->literal == NULL)) {
		free(a->local);
		free(a->domain);
		free(a->display);
		free(a->literal);
		p->nomem = 1;
		return;
	}
	a->locallen = llen;
	a->domainlen = dom != NULL ? dlen : 0;
	for (i = 0; i < a->domainlen; i++)
		a->domain[i] = str_lower(a->domain[i]);
	if (why == NULL)
		why = domain_why(a->domain, a->domainlen);
	a->why = why;
	f->naddr++;
}

/*
 * domain - RFC 5322 3.4.1 domain (dot-atom, domain-literal, obs-domain with
 * CFWS around the dots) after '@'.  Atoms and dots go to dom; a literal to
 * lit.  Malformed dot sequences are left for domain_why() to reject.
 */
static bool
domain(struct fparse *p, struct buf *dom, struct buf *lit)
{
	bool lastatom = false;
	size_t s;
	int c;

	if (!cfws(p))
		return false;
	if (peek(p) == '[') {
		s = p->pos++;
		for (;;) {
			if (at_end(p))
				return fail(p, "unterminated domain-literal");
			c = p->s[p->pos++];
			if (c == '\\') {
				if (at_end(p))
					return fail(p,
					    "unterminated domain-literal");
				p->pos++;
			} else if (c == ']')
				break;
			else if (c == '[')
				return fail(p, "'[' inside a domain-literal");
		}
		buf_append(lit, p->s + s, p->pos - s);
		return cfws(p);
	}
	for (;;) {
		c = peek(p);
		if (is_atext(c) && !lastatom) {
			s = p->pos;
			while (is_atext(peek(p)))
				p->pos++;
			buf_append(dom, p->s + s, p->pos - s);
			lastatom = true;
		} else if (c == '.') {
			p->pos++;
			buf_putc(dom, '.');
			lastatom = false;
		} else
			return true;
		if (!cfws(p))
			return false;
	}
}

/*
 * addr_spec - the local part is already in canon (its run in t); at '@'
 * or at the end of the address.  Parses the domain and keeps the address.
 */
static bool
addr_spec(struct fparse *p, const struct toks *t, struct buf *canon,
    const char *disp, size_t displen)
{
	struct buf dom, lit;
	bool ok;

	if (t->adjacent || t->nwords == 0)
		return fail(p, t->nwords == 0 ? "empty local part" :
		    "words without a dot before '@' (unquoted display name?)");
	if (peek(p) != '@') {
		add_addr(p, canon->data, canon->len, NULL, 0, NULL, 0, disp,
		    displen, "address without a domain");
		return true;
	}
	p->pos++;
	buf_init(&dom, p->len + 1);
	buf_init(&lit, p->len + 1);
	ok = domain(p, &dom, &lit);
	if (ok) {
		if (lit.len > 0)
			add_addr(p, canon->data, canon->len, NULL, 0, lit.data,
			    lit.len, disp, displen,
			    "domain-literal, not a domain name");
		else
			add_addr(p, canon->data, canon->len,
			    dom.len > 0 ? dom.data : "", dom.len, NULL, 0,
			    disp, displen, NULL);
	}
	if (dom.err || lit.err)
		p->nomem = 1;
	buf_free(&dom);
	buf_free(&lit);
	return ok;
}

/*
 * angle_addr - RFC 5322 3.4 angle-addr at '<', with 4.4 obs-route
 * ("<@a.example,@b.example:user@c.example>").
 */
static bool
angle_addr(struct fparse *p, const char *disp, size_t displen)
{
	struct buf canon, skip, lit;
	struct toks t;
	bool ok;

	p->pos++;
	if (!cfws(p))
		return false;
	if (peek(p) == '@' || peek(p) == ',') {
		buf_init(&skip, p->len + 1);
		buf_init(&lit, p->len + 1);
		ok = true;
		for (;;) {
			if (!cfws(p)) {
				ok = false;
				break;
			}
			if (peek(p) == ',') {
				p->pos++;
				continue;
			}
			if (peek(p) == ':') {
				p->pos++;
				break;
			}
			if (peek(p) != '@') {
				ok = fail(p, "malformed obs-route");
				break;
			}
			p->pos++;
			buf_reset(&skip);
			if (!domain(p, &skip, &lit)) {
				ok = false;
				break;
			}
		}
		buf_free(&skip);
		buf_free(&lit);
		if (!ok)
			return false;
		if (!cfws(p))
			return false;
	}
	if (peek(p) == '>') {
		p->pos++;
		add_addr(p, "", 0, NULL, 0, NULL, 0, disp, displen,
		    "empty address <>");
		return cfws(p);
	}
	buf_init(&canon, p->len + 1);
	ok = words(p, &t, &canon) && addr_spec(p, &t, &canon, disp, displen);
	if (canon.err)
		p->nomem = 1;
	buf_free(&canon);
	if (!ok)
		return false;
	if (peek(p) != '>')
		return fail(p, at_end(p) ? "missing '>'" :
		    "unexpected character in angle-addr");
	p->pos++;
	return cfws(p);
}

static bool	mailbox_list(struct fparse *, bool);

/*
 * address - one RFC 5322 3.4 address: name-addr, addr-spec or (outside a
 * group) a group.  An empty element (obs-mbox-list) is accepted.
 */
static bool
address(struct fparse *p, bool in_group)
{
	struct buf canon;
	struct toks t;
	const char *disp;
	size_t displen;
	bool ok = false;
	int c;

	buf_init(&canon, p->len + 1);
	if (!words(p, &t, &canon))
		goto done;
	disp = (const char *)p->s + t.start;
	displen = t.end - t.start;
	c = peek(p);
	if (c == '<') {
		ok = angle_addr(p, disp, displen);
	} else if (c == ':') {
		/* RFC 6854: a group in From */
		if (in_group) {
			fail(p, "group inside a group");
			goto done;
		}
		if (t.nwords == 0) {
			fail(p, "group without a display name");
			goto done;
		}
		p->pos++;
		if (!mailbox_list(p, true))
			goto done;
		if (peek(p) != ';') {
			fail(p, "unterminated group (no ';')");
			goto done;
		}
		p->pos++;
		ok = cfws(p);
	} else if (c == '@' || (t.nwords + t.ndots > 0 &&
	    (c < 0 || c == ',' || (c == ';' && in_group)))) {
		ok = addr_spec(p, &t, &canon, NULL, 0);
	} else if (t.nwords + t.ndots == 0 &&
	    (c < 0 || c == ',' || (c == ';' && in_group))) {
		ok = true;	/* empty element */
	} else
		fail(p, c == 0 ? "NUL byte" : "unexpected character");
done:
	if (canon.err)
		p->nomem = 1;
	buf_free(&canon);
	return ok;
}

/*
 * mailbox_list - addresses separated by commas, empty elements allowed
 * (RFC 5322 4.4); stops at the end, or at ';' inside a group.
 */
static bool
mailbox_list(struct fparse *p, bool in_group)
{
	int c;

	for (;;) {
		if (!cfws(p))
			return false;
		c = peek(p);
		if (c < 0 || (in_group && c == ';'))
			return true;
		if (c == ',') {
			p->pos++;
			continue;
		}
		if (!address(p, in_group))
			return false;
		if (p->nomem)
			return false;
		c = peek(p);
		if (c < 0 || (in_group && c == ';'))
			return true;
		if (c != ',')
			return fail(p, c == ';' ? "';' outside a group" :
			    c == '>' ? "'>' without '<'" :
			    "unexpected text after an address");
		p->pos++;
	}
}

static void
addr_free(struct from_addr *a)
{
	free(a->local);
	free(a->domain);
	free(a->literal);
	free(a->display);
}

/* mauth_from_new - empty accumulator */
int
mauth_from_new(struct mauth_from **out)
{
	struct mauth_from *f;

	if (out == NULL)
		return MAUTH_ERR_INVAL;
	*out = NULL;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return MAUTH_ERR_NOMEM;
	f->status = MAUTH_FROM_NONE;
	snprintf(f->reason, sizeof(f->reason), "no From header field");
	*out = f;
	return MAUTH_OK;
}

void
mauth_from_free(struct mauth_from *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->naddr; i++)
		addr_free(&f->addr[i]);
	free(f);
}

/* same_domain - every kept address usable and in one domain */
static bool
same_domain(const struct mauth_from *f)
{
	size_t i;

	if (f->naddr == 0 || f->total > f->naddr)
		return false;
	for (i = 0; i < f->naddr; i++) {
		if (f->addr[i].why != NULL)
			return false;
		if (i > 0 && strcmp(f->addr[i].domain, f->addr[0].domain) != 0)
			return false;
	}
	return true;
}

/* mauth_from_add - parse one From field and update the status */
int
mauth_from_add(struct mauth_from *f, const char *value, size_t len)
{
	struct fparse p;
	size_t before, i;
	const char *why = NULL;

	if (f == NULL || (value == NULL && len > 0))
		return MAUTH_ERR_INVAL;
	memset(&p, 0, sizeof(p));
	p.s = (const unsigned char *)(value != NULL ? value : "");
	p.len = len;
	p.f = f;
	before = f->total;
	f->fields++;
	(void)mailbox_list(&p, false);
	if (p.nomem)
		return MAUTH_ERR_NOMEM;
	f->same = same_domain(f);
	if (f->fields > 1) {
		f->status = MAUTH_FROM_MULTIPLE_FROM;
		snprintf(f->reason, sizeof(f->reason),
		    "%zu From header fields (RFC 5322 3.6 allows one)",
		    f->fields);
		return MAUTH_OK;
	}
	if (p.err != NULL) {
		f->status = MAUTH_FROM_SYNTAX;
		snprintf(f->reason, sizeof(f->reason),
		    "From header field syntax error at byte %zu: %s",
		    p.errpos, p.err);
		return MAUTH_OK;
	}
	if (f->total == before) {
		f->status = MAUTH_FROM_NO_DOMAIN;
		snprintf(f->reason, sizeof(f->reason), "From header field "
		    "has no address (empty, or an empty group)");
		return MAUTH_OK;
	}
	if (f->total == 1) {
		why = f->addr[0].why;
		f->status = why == NULL ? MAUTH_FROM_OK : MAUTH_FROM_NO_DOMAIN;
		snprintf(f->reason, sizeof(f->reason), "%s",
		    why == NULL ? "one address" : why);
		return MAUTH_OK;
	}
	f->status = MAUTH_FROM_MULTIPLE_ADDRESSES;
	for (i = 0; i < f->naddr && why == NULL; i++)
		why = f->addr[i].why;
	if (f->same)
		snprintf(f->reason, sizeof(f->reason),
		    "%zu addresses, all in one domain (RFC 9989: DMARC applies "
		    "to that domain)", f->total);
	else if (why != NULL)
		snprintf(f->reason, sizeof(f->reason),
		    "%zu addresses, one without a usable domain (%s)",
		    f->total, why);
	else
		snprintf(f->reason, sizeof(f->reason),
		    "%zu addresses in different domains (RFC 9989: exempt "
		    "from DMARC checking)", f->total);
	return MAUTH_OK;
}

/* mauth_from_parse - one field, fresh accumulator */
int
mauth_from_parse(const char *value, size_t len, struct mauth_from **out)
{
	struct mauth_from *f;
	int rc;

	if (out == NULL)
		return MAUTH_ERR_INVAL;
	*out = NULL;
	if ((rc = mauth_from_new(&f)) != MAUTH_OK)
		return rc;
	if ((rc = mauth_from_add(f, value, len)) != MAUTH_OK) {
		mauth_from_free(f);
		return rc;
	}
	*out = f;
	return MAUTH_OK;
}

int
mauth_from_status(const struct mauth_from *f)
{
	return f != NULL ? f->status : MAUTH_FROM_NONE;
}

const char *
mauth_from_reason(const struct mauth_from *f)
{
	return f != NULL ? f->reason : "no From header field";
}

/* mauth_from_domain - the Author Domain DMARC applies to, or NULL */
const char *
mauth_from_domain(const struct mauth_from *f)
{
	if (f == NULL)
		return NULL;
	if (f->status == MAUTH_FROM_OK ||
	    (f->status == MAUTH_FROM_MULTIPLE_ADDRESSES && f->same))
		return f->addr[0].domain;
	return NULL;
}

bool
mauth_from_same_domain(const struct mauth_from *f)
{
	return f != NULL && f->same;
}

size_t
mauth_from_fields(const struct mauth_from *f)
{
	return f != NULL ? f->fields : 0;
}

size_t
mauth_from_total(const struct mauth_from *f)
{
	return f != NULL ? f->total : 0;
}

size_t
mauth_from_count(const struct mauth_from *f)
{
	return f != NULL ? f->naddr : 0;
}

const char *
mauth_from_addr_local(const struct mauth_from *f, size_t i, size_t *len)
{
	if (f == NULL || i >= f->naddr) {
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	if (len != NULL)
		*len = f->addr[i].locallen;
	return f->addr[i].local;
}

const char *
mauth_from_addr_domain(const struct mauth_from *f, size_t i, size_t *len)
{
	if (f == NULL || i >= f->naddr) {
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	if (len != NULL)
		*len = f->addr[i].domainlen;
	return f->addr[i].domain;
}

const char *
mauth_from_addr_literal(const struct mauth_from *f, size_t i)
{
	return f != NULL && i < f->naddr ? f->addr[i].literal : NULL;
}

const char *
mauth_from_addr_display(const struct mauth_from *f, size_t i)
{
	return f != NULL && i < f->naddr ? f->addr[i].display : NULL;
}

bool
mauth_from_addr_usable(const struct mauth_from *f, size_t i)
{
	return f != NULL && i < f->naddr && f->addr[i].why == NULL;
}
