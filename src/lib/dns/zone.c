/*
 * zone.c - the zone-file backend: answers only from an RFC 1035 master file.
 *
 * The file is read whole (at most ZONE_MAX_FILE bytes), cut into entries by a
 * small lexer (RFC 1035 5.1: comments, parentheses, quoted strings, \X and
 * \DDD escapes), and each entry becomes records in a hash table keyed by the
 * lower-cased owner.  After loading the table is read-only, so queries from
 * many threads need no lock.
 *
 * Supported: $ORIGIN, $TTL, '@', relative names, a blank owner (the previous
 * one), TTL and class in either order, TTL units (1h30m), types A, AAAA, MX,
 * TXT, SPF, PTR, CNAME, NS and SOA.  Refused with an error: $INCLUDE,
 * $GENERATE, other classes than IN, other types.
 *
 * Answers: a name absent from the file is NXDOMAIN; a name present (as an
 * owner of anything, or as an empty non-terminal: an ancestor of an owner,
 * down to the $ORIGIN in effect or to an SOA owner; RFC 8020) without records
 * of the asked type is NODATA; CNAMEs are followed within the file
 * (ZONE_MAX_CNAME_HOPS, then SERVFAIL); "*" owners act as wildcards (RFC 4592
 * 4.3.3).  Negative answers carry min(SOA TTL, SOA MINIMUM) of the closest
 * enclosing SOA (RFC 2308 5), or DNS_DEFAULT_NEG_TTL without one.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mauth/dns.h"
#include "dns/dns_int.h"
#include "util/str.h"

#define ZONE_MAX_FILE		(256U << 20)	/* bytes of one file */
#define ZONE_MAX_LINE		65536		/* bytes of one physical line */
#define ZONE_MAX_RECORDS	1000000
#define ZONE_MAX_TOKENS		1024		/* fields of one entry */
#define ZONE_MAX_CNAME_HOPS	8
#define ZONE_DEFAULT_TTL	3600		/* no $TTL and no TTL seen */
#define ZONE_MAX_TTL		0x7fffffffU	/* RFC 2181 8 */
#define ZONE_CSTR_MAX		255		/* RFC 1035 3.3 */

struct zrr {
	uint16_t	 type;
	uint32_t	 ttl;
	union {
		uint8_t	 a[4];
		uint8_t	 aaaa[16];
		char	*target;
		struct {
			uint16_t	 pref;
			char		*exchange;
		} mx;
		struct {
			uint8_t		*data;
			size_t		 len;
			size_t		 nstrings;
		} txt;
		uint32_t minimum;	/* SOA */
	} u;
};

struct znode {
	char		*key;		/* lower-cased name, no trailing dot */
	char		*name;		/* as first written */
	uint32_t	 hash;
	struct zrr	*rr;
	size_t		 nrr;
	size_t		 cap;
	struct znode	*hnext;
};

struct zone {
	struct znode	**buckets;
	size_t		  nbuckets;	/* a power of two */
	size_t		  nnodes;
	size_t		  nrecords;
};

/* ---- the table --------------------------------------------------------- */

/* name_hash - FNV-1a of a lower-cased name */
static uint32_t
name_hash(const char *key, size_t len)
{
	uint32_t h = 2166136261U;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 16777619U;
	}
	return h;
}

/* zone_find - the node of a lower-cased name, or NULL */
static struct znode *
zone_find(const struct zone *z, const char *key, size_t len)
{
	struct znode *n;
	uint32_t h = name_hash(key, len);

	for (n = z->buckets[h & (z->nbuckets - 1)]; n != NULL; n = n->hnext)
		if (n->hash == h && strncmp(n->key, key, len) == 0 &&
		    n->key[len] == '\0')
			return n;
	return NULL;
}

/* zone_grow - double the buckets when the load passes 1 */
static bool
zone_grow(struct zone *z)
{
	struct znode **nb, *n, *next;
	size_t i, size = z->nbuckets * 2;

	if ((nb = calloc(size, sizeof(*nb))) == NULL)
		return false;
	for (i = 0; i < z->nbuckets; i++) {
		for (n = z->buckets[i]; n != NULL; n = next) {
			next = n->hnext;
			n->hnext = nb[n->hash & (size - 1)];
			nb[n->hash & (size - 1)] = n;
		}
	}
	free(z->buckets);
	z->buckets = nb;
	z->nbuckets = size;
	return true;
}

/* zone_touch - the node of name (len bytes), made if absent; NULL on ENOMEM */
static struct znode *
zone_touch(struct zone *z, const char *name, size_t len)
{
	char key[DNS_NAME_MAX + 2];
	struct znode *n;
	size_t i;

	if (len > DNS_NAME_MAX + 1)
		return NULL;
	for (i = 0; i < len; i++)
		key[i] = str_lower(name[i]);
	key[len] = '\0';
	if ((n = zone_find(z, key, len)) != NULL)
		return n;
	if (z->nnodes >= z->nbuckets && !zone_grow(z))
		return NULL;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	/* key and name share one allocation */
	if ((n->key = malloc(2 * (len + 1))) == NULL) {
		free(n);
		return NULL;
	}
	memcpy(n->key, key, len + 1);
	n->name = n->key + len + 1;
	memcpy(n->name, name, len);
	n->name[len] = '\0';
	n->hash = name_hash(key, len);
	n->hnext = z->buckets[n->hash & (z->nbuckets - 1)];
	z->buckets[n->hash & (z->nbuckets - 1)] = n;
	z->nnodes++;
	return n;
}

/* zrr_free - free the strings of a stored record */
static void
zrr_free(struct zrr *rr)
{
	switch (rr->type) {
	case MAUTH_DNS_CNAME:
	case MAUTH_DNS_PTR:
	case MAUTH_DNS_NS:
		free(rr->u.target);
		break;
	case MAUTH_DNS_MX:
		free(rr->u.mx.exchange);
		break;
	case MAUTH_DNS_TXT:
	case MAUTH_DNS_SPF:
		free(rr->u.txt.data);
		break;
	default:
		break;
	}
}

/* zone_free - free the table (the backend destroy()) */
static void
zone_free(void *arg)
{
	struct zone *z = arg;
	struct znode *n, *next;
	size_t i, j;

	if (z == NULL)
		return;
	for (i = 0; i < z->nbuckets; i++) {
		for (n = z->buckets[i]; n != NULL; n = next) {
			next = n->hnext;
			for (j = 0; j < n->nrr; j++)
				zrr_free(&n->rr[j]);
			free(n->rr);
			free(n->key);
			free(n);
		}
	}
	free(z->buckets);
	free(z);
}

/* node_rr - the first record of type at a node, or NULL */
static const struct zrr *
node_rr(const struct znode *n, uint16_t type)
{
	size_t i;

	for (i = 0; i < n->nrr; i++)
		if (n->rr[i].type == type)
			return &n->rr[i];
	return NULL;
}

/* ---- the lexer --------------------------------------------------------- */

struct token {
	const char	*p;		/* raw text, escapes not yet decoded */
	size_t		 len;
	unsigned	 line;
	bool		 quoted;
};

struct parser {
	const char	*file;
	const char	*buf;
	size_t		 len;
	size_t		 pos;
	unsigned	 line;
	struct zone	*z;
	char		 origin[DNS_NAME_MAX + 2];	/* "" = the root */
	size_t		 originlen;
	uint32_t	 dollar_ttl;	/* $TTL */
	bool		 have_dollar_ttl;
	uint32_t	 last_ttl;	/* the last explicit TTL, or default */
	char		 owner[DNS_NAME_MAX + 2];	/* previous owner */
	size_t		 ownerlen;
	bool		 have_owner;
	struct token	 tok[ZONE_MAX_TOKENS];
	size_t		 ntok;
	bool		 blank_owner;	/* the entry began with white space */
	char		*errbuf;
	size_t		 errlen;
};

/* perr - "FILE:LINE: reason" into errbuf; returns MAUTH_ERR_SYNTAX */
static int __attribute__((format(printf, 3, 4)))
perr(struct parser *ps, unsigned line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->errbuf != NULL && ps->errlen > 0)
		snprintf(ps->errbuf, ps->errlen, "%s:%u: %s", ps->file, line,
		    msg);
	return MAUTH_ERR_SYNTAX;
}

/* bad_byte - a byte the file may not hold outside an escape */
static bool
bad_byte(unsigned char c)
{
	return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f;
}

/* bad_byte_err - the error for a NUL or control byte */
static int
bad_byte_err(struct parser *ps, unsigned char c)
{
	if (c == '\0')
		return perr(ps, ps->line, "NUL byte in file");
	return perr(ps, ps->line, "control character 0x%02x in file", c);
}

/*
 * next_entry - cut the next entry (a logical line: physical lines joined
 * inside parentheses) into ps->tok.  Returns MAUTH_OK with ps->ntok == 0 at
 * the end of the input, or MAUTH_ERR_SYNTAX.
 */
static int
next_entry(struct parser *ps)
{
	const char *b = ps->buf;
	size_t i = ps->pos, start, linestart = ps->pos;
	unsigned paren_line = 0, qline;
	bool paren = false, at_bol = true;
	unsigned char c;
	struct token *t;

	ps->ntok = 0;
	ps->blank_owner = false;
	/* find where the current physical line started */
	while (linestart > 0 && b[linestart - 1] != '\n')
		linestart--;
	at_bol = i == linestart;

	while (i < ps->len) {
		c = (unsigned char)b[i];
		if (i - linestart > ZONE_MAX_LINE)
			return perr(ps, ps->line, "line longer than %d bytes",
			    ZONE_MAX_LINE);
		if (at_bol && ps->ntok == 0 && !paren)
			ps->blank_owner = c == ' ' || c == '\t';
		at_bol = false;
		if (c == '\n') {
			i++;
			ps->line++;
			linestart = i;
			at_bol = true;
			if (!paren && ps->ntok > 0)
				break;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			i++;
			continue;
		}
		if (c == ';') {
			while (i < ps->len && b[i] != '\n') {
				if (bad_byte((unsigned char)b[i]))
					return bad_byte_err(ps,
					    (unsigned char)b[i]);
				i++;
			}
			continue;
		}
		if (c == '(') {
			if (paren)
				return perr(ps, ps->line,
				    "nested parenthesis");
			paren = true;
			paren_line = ps->line;
			i++;
			continue;
		}
		if (c == ')') {
			if (!paren)
				return perr(ps, ps->line,
				    "unbalanced parenthesis: ')' without '('");
			paren = false;
			i++;
			continue;
		}
		if (bad_byte(c))
			return bad_byte_err(ps, c);
		if (ps->ntok >= ZONE_MAX_TOKENS)
			return perr(ps, ps->line, "more than %d fields",
			    ZONE_MAX_TOKENS);
		t = &ps->tok[ps->ntok];
		t->line = ps->line;
		if (c == '"') {
			/* RFC 1035 5.1: a quoted string ends at the next
			 * unescaped quote, on the same line */
			qline = ps->line;
			start = ++i;
			while (i < ps->len && b[i] != '"') {
				if (b[i] == '\n')
					return perr(ps, qline,
					    "unterminated quoted string");
				if (bad_byte((unsigned char)b[i]))
					return bad_byte_err(ps,
					    (unsigned char)b[i]);
				if (b[i] == '\\' && i + 1 < ps->len &&
				    b[i + 1] != '\n')
					i++;
				i++;
			}
			if (i >= ps->len)
				return perr(ps, qline,
				    "unterminated quoted string");
			t->p = b + start;
			t->len = i - start;
			t->quoted = true;
			i++;	/* the closing quote */
		} else {
			start = i;
			while (i < ps->len) {
				c = (unsigned char)b[i];
				if (c == ' ' || c == '\t' || c == '\r' ||
				    c == '\n' || c == ';' || c == '(' ||
				    c == ')' || c == '"')
					break;
				if (bad_byte(c))
					return bad_byte_err(ps, c);
				if (c == '\\') {
					if (i + 1 >= ps->len ||
					    b[i + 1] == '\n')
						return perr(ps, ps->line,
						    "backslash at end of "
						    "line");
					i++;
					if (bad_byte((unsigned char)b[i]))
						return bad_byte_err(ps,
						    (unsigned char)b[i]);
				}
				i++;
			}
			t->p = b + start;
			t->len = i - start;
			t->quoted = false;
		}
		ps->ntok++;
	}
	if (paren)
		return perr(ps, paren_line,
		    "unbalanced parenthesis: '(' not closed");
	ps->pos = i;
	return MAUTH_OK;
}

/* ---- fields ------------------------------------------------------------ */

/* tok_is - whether an unquoted token is s (case-insensitive) */
static bool
tok_is(const struct token *t, const char *s)
{
	return !t->quoted && str_caseeq_n(t->p, t->len, s, strlen(s));
}

/*
 * unescape - decode \X and \DDD (RFC 1035 5.1) of t into out (at most max
 * bytes).  Returns the length, or -1 with a message for a bad escape or
 * overflow (*toolong set for overflow).
 */
static long
unescape(struct parser *ps, const struct token *t, uint8_t *out, size_t max,
    bool *toolong, int *err)
{
	size_t i, o = 0;
	unsigned v;

	*toolong = false;
	for (i = 0; i < t->len; i++) {
		uint8_t c = (uint8_t)t->p[i];

		if (c == '\\') {
			if (i + 1 >= t->len) {
				*err = perr(ps, t->line, "bad escape");
				return -1;
			}
			if (t->p[i + 1] >= '0' && t->p[i + 1] <= '9') {
				if (i + 3 >= t->len + 0 ||
				    t->p[i + 2] < '0' || t->p[i + 2] > '9' ||
				    t->p[i + 3] < '0' || t->p[i + 3] > '9') {
					*err = perr(ps, t->line,
					    "bad \\DDD escape");
					return -1;
				}
				v = (unsigned)(t->p[i + 1] - '0') * 100 +
				    (unsigned)(t->p[i + 2] - '0') * 10 +
				    (unsigned)(t->p[i + 3] - '0');
				if (v > 255) {
					*err = perr(ps, t->line,
					    "bad \\DDD escape (%u > 255)", v);
					return -1;
				}
				c = (uint8_t)v;
				i += 3;
			} else
				c = (uint8_t)t->p[++i];
		}
		if (o >= max) {
			*toolong = true;
			return -1;
		}
		out[o++] = c;
	}
	return (long)o;
}

/*
 * parse_name - a domain name field: "@" is the origin, a name without a
 * final dot is relative to the origin.  out gets the absolute name without
 * the final dot ("." for the root).  Labels may not hold '.' or NUL through
 * escapes: answers carry names as C strings.
 */
static int
parse_name(struct parser *ps, const struct token *t, char *out, size_t *outlen)
{
	size_t i, o = 0, label = 0;
	bool absolute = false;
	unsigned v;
	uint8_t c;

	if (t->quoted)
		return perr(ps, t->line, "quoted string where a name is "
		    "expected");
	if (t->len == 1 && t->p[0] == '@') {
		if (ps->originlen == 0) {
			memcpy(out, ".", 2);
			*outlen = 1;
		} else {
			memcpy(out, ps->origin, ps->originlen + 1);
			*outlen = ps->originlen;
		}
		return MAUTH_OK;
	}
	if (t->len == 1 && t->p[0] == '.') {
		memcpy(out, ".", 2);
		*outlen = 1;
		return MAUTH_OK;
	}
	for (i = 0; i < t->len; i++) {
		c = (uint8_t)t->p[i];
		if (c == '.') {
			if (label == 0)
				return perr(ps, t->line, "empty label in "
				    "'%.*s'", (int)t->len, t->p);
			if (i + 1 == t->len) {
				absolute = true;
				break;
			}
			if (o >= DNS_NAME_MAX)
				goto toolong;
			out[o++] = '.';
			label = 0;
			continue;
		}
		if (c == '\\') {
			if (i + 3 < t->len + 0 && t->p[i + 1] >= '0' &&
			    t->p[i + 1] <= '9') {
				if (t->p[i + 2] < '0' || t->p[i + 2] > '9' ||
				    t->p[i + 3] < '0' || t->p[i + 3] > '9')
					return perr(ps, t->line,
					    "bad \\DDD escape");
				v = (unsigned)(t->p[i + 1] - '0') * 100 +
				    (unsigned)(t->p[i + 2] - '0') * 10 +
				    (unsigned)(t->p[i + 3] - '0');
				if (v > 255)
					return perr(ps, t->line,
					    "bad \\DDD escape (%u > 255)", v);
				c = (uint8_t)v;
				i += 3;
			} else if (i + 1 < t->len &&
			    (t->p[i + 1] < '0' || t->p[i + 1] > '9')) {
				c = (uint8_t)t->p[++i];
			} else
				return perr(ps, t->line, "bad escape");
			if (c == '.' || c == '\0')
				return perr(ps, t->line, "label with an "
				    "escaped '.' or NUL is not supported");
		}
		if (++label > DNS_LABEL_MAX)
			return perr(ps, t->line, "label longer than %d octets "
			    "in '%.*s'", DNS_LABEL_MAX,
			    t->len > 80 ? 80 : (int)t->len, t->p);
		if (o >= DNS_NAME_MAX)
			goto toolong;
		out[o++] = (char)c;
	}
	if (!absolute && ps->originlen > 0) {
		if (o + 1 + ps->originlen > DNS_NAME_MAX)
			goto toolong;
		out[o++] = '.';
		memcpy(out + o, ps->origin, ps->originlen);
		o += ps->originlen;
	}
	out[o] = '\0';
	*outlen = o;
	return MAUTH_OK;
toolong:
	return perr(ps, t->line, "name longer than %d octets", DNS_NAME_MAX);
}

/* parse_u32 - decimal number, at most max */
static bool
parse_u32(const struct token *t, uint32_t max, uint32_t *out)
{
	uint64_t v;

	if (t->quoted || !str_to_u64(t->p, t->len, max, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

/* parse_ttl - seconds, or BIND units: 1w2d3h4m5s (case-insensitive) */
static bool
parse_ttl(const struct token *t, uint32_t *out)
{
	uint64_t total = 0, v = 0, mul;
	size_t i;
	bool digits = false, units = false;

	if (t->quoted || t->len == 0)
		return false;
	for (i = 0; i < t->len; i++) {
		char c = str_lower(t->p[i]);

		if (c >= '0' && c <= '9') {
			v = v * 10 + (uint64_t)(c - '0');
			if (v > ZONE_MAX_TTL)
				return false;
			digits = true;
			continue;
		}
		if (!digits)
			return false;
		switch (c) {
		case 's':
			mul = 1;
			break;
		case 'm':
			mul = 60;
			break;
		case 'h':
			mul = 3600;
			break;
		case 'd':
			mul = 86400;
			break;
		case 'w':
			mul = 604800;
			break;
		default:
			return false;
		}
		total += v * mul;
		if (total > ZONE_MAX_TTL)
			return false;
		v = 0;
		digits = false;
		units = true;
	}
	if (digits)
		total += v;
	else if (!units)
		return false;
	if (total > ZONE_MAX_TTL)
		return false;
	*out = (uint32_t)total;
	return true;
}

/* looks_numeric - whether a token starts like a TTL */
static bool
looks_numeric(const struct token *t)
{
	return !t->quoted && t->len > 0 && t->p[0] >= '0' && t->p[0] <= '9';
}

/* ---- records ----------------------------------------------------------- */

/*
 * add_ents - RFC 8020: the ancestors of owner down to apex (inclusive) exist
 * as empty non-terminals.  owner is at or below apex (checked by caller).
 */
static int
add_ents(struct parser *ps, const char *owner, size_t olen, size_t apexlen,
    unsigned line)
{
	size_t i;

	for (i = 0; i + apexlen < olen; i++) {
		if (owner[i] != '.')
			continue;
		if (zone_touch(ps->z, owner + i + 1, olen - i - 1) == NULL)
			return perr(ps, line, "out of memory");
	}
	return MAUTH_OK;
}

/* under - whether name is apex or below it (case-insensitive) */
static bool
under(const char *name, size_t nlen, const char *apex, size_t alen)
{
	if (alen == 0 || nlen < alen)
		return false;
	if (!str_caseeq_n(name + nlen - alen, alen, apex, alen))
		return false;
	return nlen == alen || name[nlen - alen - 1] == '.';
}

/* node_push - append a record to a node, checking the CNAME rules */
static int
node_push(struct parser *ps, struct znode *n, const struct zrr *rr,
    unsigned line)
{
	struct zrr *nr;
	size_t ncap;

	/* RFC 1034 3.6.2, RFC 2181 10.1: a CNAME stands alone */
	if (rr->type == MAUTH_DNS_CNAME && n->nrr > 0)
		return perr(ps, line, "CNAME and other data at '%s'", n->name);
	if (rr->type != MAUTH_DNS_CNAME && node_rr(n, MAUTH_DNS_CNAME) != NULL)
		return perr(ps, line, "CNAME and other data at '%s'", n->name);
	if (ps->z->nrecords >= ZONE_MAX_RECORDS)
		return perr(ps, line, "more than %d records", ZONE_MAX_RECORDS);
	if (n->nrr == n->cap) {
		ncap = n->cap == 0 ? 2 : n->cap * 2;
		if ((nr = reallocarray(n->rr, ncap, sizeof(*nr))) == NULL)
			return perr(ps, line, "out of memory");
		n->rr = nr;
		n->cap = ncap;
	}
	n->rr[n->nrr++] = *rr;
	ps->z->nrecords++;
	return MAUTH_OK;
}

static const struct {
	const char	*name;
	uint16_t	 type;
} types[] = {
	{ "A", MAUTH_DNS_A }, { "AAAA", MAUTH_DNS_AAAA },
	{ "MX", MAUTH_DNS_MX }, { "TXT", MAUTH_DNS_TXT },
	{ "SPF", MAUTH_DNS_SPF }, { "PTR", MAUTH_DNS_PTR },
	{ "CNAME", MAUTH_DNS_CNAME }, { "NS", MAUTH_DNS_NS },
	{ "SOA", MAUTH_DNS_SOA },
};

/* parse_rdata - the fields after the type into rr; may allocate in rr */
static int
parse_rdata(struct parser *ps, struct zrr *rr, const struct token *t,
    size_t n, unsigned line)
{
	char name[DNS_NAME_MAX + 2], ip[INET6_ADDRSTRLEN + 1];
	uint8_t cstr[ZONE_CSTR_MAX];
	uint8_t *data;
	size_t len, i, total = 0;
	uint32_t v;
	long l;
	bool toolong;
	int rc = MAUTH_OK, want;

	switch (rr->type) {
	case MAUTH_DNS_A:
	case MAUTH_DNS_AAAA:
		if (n != 1)
			return perr(ps, line, "%s needs one address",
			    mauth_dns_type_str(rr->type));
		if (t[0].quoted || t[0].len > INET6_ADDRSTRLEN)
			goto badip;
		memcpy(ip, t[0].p, t[0].len);
		ip[t[0].len] = '\0';
		if (rr->type == MAUTH_DNS_A &&
		    inet_pton(AF_INET, ip, rr->u.a) != 1)
			goto badip;
		if (rr->type == MAUTH_DNS_AAAA &&
		    inet_pton(AF_INET6, ip, rr->u.aaaa) != 1)
			goto badip;
		return MAUTH_OK;
	case MAUTH_DNS_CNAME:
	case MAUTH_DNS_PTR:
	case MAUTH_DNS_NS:
		if (n != 1)
			return perr(ps, line, "%s needs one name",
			    mauth_dns_type_str(rr->type));
		if ((rc = parse_name(ps, &t[0], name, &len)) != MAUTH_OK)
			return rc;
		if ((rr->u.target = str_ndup(name, len)) == NULL)
			return perr(ps, line, "out of memory");
		return MAUTH_OK;
	case MAUTH_DNS_MX:
		if (n != 2)
			return perr(ps, line, "MX needs a preference and a "
			    "name");
		if (!parse_u32(&t[0], 65535, &v))
			return perr(ps, t[0].line, "bad MX preference "
			    "'%.*s'", t[0].len > 40 ? 40 : (int)t[0].len,
			    t[0].p);
		if ((rc = parse_name(ps, &t[1], name, &len)) != MAUTH_OK)
			return rc;
		rr->u.mx.pref = (uint16_t)v;
		if ((rr->u.mx.exchange = str_ndup(name, len)) == NULL)
			return perr(ps, line, "out of memory");
		return MAUTH_OK;
	case MAUTH_DNS_TXT:
	case MAUTH_DNS_SPF:
		/* RFC 1035 3.3.14: one or more <character-string> */
		if (n == 0)
			return perr(ps, line, "%s needs at least one string",
			    mauth_dns_type_str(rr->type));
		if ((data = malloc(DNS_TXT_MAX + 1)) == NULL)
			return perr(ps, line, "out of memory");
		for (i = 0; i < n; i++) {
			rc = MAUTH_OK;
			l = unescape(ps, &t[i], cstr, sizeof(cstr), &toolong,
			    &rc);
			if (l < 0) {
				free(data);
				if (toolong)
					return perr(ps, t[i].line,
					    "character-string longer than %d "
					    "octets", ZONE_CSTR_MAX);
				return rc;
			}
			if ((size_t)l > DNS_TXT_MAX - total) {
				free(data);
				return perr(ps, t[i].line, "%s record longer "
				    "than %d octets",
				    mauth_dns_type_str(rr->type), DNS_TXT_MAX);
			}
			memcpy(data + total, cstr, (size_t)l);
			total += (size_t)l;
		}
		data[total] = '\0';
		rr->u.txt.data = data;
		rr->u.txt.len = total;
		rr->u.txt.nstrings = n;
		return MAUTH_OK;
	case MAUTH_DNS_SOA:
		/* mname rname serial refresh retry expire minimum */
		if (n != 7)
			return perr(ps, line, "SOA needs 7 fields, got %zu", n);
		for (i = 0; i < 2; i++)
			if ((rc = parse_name(ps, &t[i], name, &len)) !=
			    MAUTH_OK)
				return rc;
		for (i = 2; i < 7; i++) {
			want = i == 2 ? parse_u32(&t[i], UINT32_MAX, &v) :
			    parse_ttl(&t[i], &v);
			if (!want)
				return perr(ps, t[i].line, "bad SOA number "
				    "'%.*s'", t[i].len > 40 ? 40 :
				    (int)t[i].len, t[i].p);
		}
		rr->u.minimum = v;
		return MAUTH_OK;
	default:
		return perr(ps, line, "internal: type %u", rr->type);
	}
badip:
	return perr(ps, t[0].line, "bad %s address '%.*s'",
	    rr->type == MAUTH_DNS_A ? "IPv4" : "IPv6",
	    t[0].len > 60 ? 60 : (int)t[0].len, t[0].p);
}

/* directive - $ORIGIN, $TTL; others refused */
static int
directive(struct parser *ps)
{
	const struct token *t = ps->tok;
	char name[DNS_NAME_MAX + 2];
	size_t len;
	uint32_t ttl;
	int rc;

	if (tok_is(&t[0], "$ORIGIN")) {
		if (ps->ntok != 2)
			return perr(ps, t[0].line, "$ORIGIN needs one name");
		if ((rc = parse_name(ps, &t[1], name, &len)) != MAUTH_OK)
			return rc;
		if (len == 1 && name[0] == '.')
			len = 0;
		memcpy(ps->origin, name, len);
		ps->origin[len] = '\0';
		ps->originlen = len;
		return MAUTH_OK;
	}
	if (tok_is(&t[0], "$TTL")) {
		if (ps->ntok != 2 || !parse_ttl(&t[1], &ttl))
			return perr(ps, t[0].line, "$TTL needs one TTL");
		ps->dollar_ttl = ttl;
		ps->have_dollar_ttl = true;
		return MAUTH_OK;
	}
	if (tok_is(&t[0], "$INCLUDE"))
		return perr(ps, t[0].line, "$INCLUDE is not supported");
	return perr(ps, t[0].line, "unknown directive '%.*s'",
	    t[0].len > 40 ? 40 : (int)t[0].len, t[0].p);
}

/* entry - one logical line: a directive or a record */
static int
entry(struct parser *ps)
{
	const struct token *t = ps->tok;
	struct zrr rr;
	struct znode *node;
	size_t i = 0, k, len;
	char name[DNS_NAME_MAX + 2];
	bool have_ttl = false, have_class = false;
	uint32_t ttl;
	unsigned line = t[0].line;
	int rc;

	if (!ps->blank_owner && !t[0].quoted && t[0].len > 0 &&
	    t[0].p[0] == '$')
		return directive(ps);

	/* RFC 1035 5.1: a blank owner repeats the previous one */
	if (!ps->blank_owner) {
		if ((rc = parse_name(ps, &t[0], name, &len)) != MAUTH_OK)
			return rc;
		if (len == 1 && name[0] == '.')
			return perr(ps, line, "records at the root are not "
			    "supported");
		memcpy(ps->owner, name, len + 1);
		ps->ownerlen = len;
		ps->have_owner = true;
		i = 1;
	} else if (!ps->have_owner)
		return perr(ps, line, "no owner name and no previous owner");

	/* [TTL] [class] or [class] [TTL] */
	for (k = 0; k < 2 && i < ps->ntok; k++) {
		if (!have_ttl && looks_numeric(&t[i])) {
			if (!parse_ttl(&t[i], &ttl))
				return perr(ps, t[i].line, "bad TTL '%.*s'",
				    t[i].len > 40 ? 40 : (int)t[i].len,
				    t[i].p);
			have_ttl = true;
			i++;
		} else if (!have_class && tok_is(&t[i], "IN")) {
			have_class = true;
			i++;
		} else if (!have_class && (tok_is(&t[i], "CH") ||
		    tok_is(&t[i], "HS") || tok_is(&t[i], "CS"))) {
			return perr(ps, t[i].line, "class '%.*s' is not "
			    "supported (only IN)", (int)t[i].len, t[i].p);
		}
	}
	if (i >= ps->ntok)
		return perr(ps, line, "missing record type");
	memset(&rr, 0, sizeof(rr));
	for (k = 0; k < sizeof(types) / sizeof(types[0]); k++)
		if (tok_is(&t[i], types[k].name))
			rr.type = types[k].type;
	if (rr.type == 0)
		return perr(ps, t[i].line, "unknown record type '%.*s'",
		    t[i].len > 40 ? 40 : (int)t[i].len, t[i].p);
	i++;
	/* An omitted TTL is $TTL (RFC 2308 4) or, without one, the last
	 * TTL given (RFC 1035 5.1), or ZONE_DEFAULT_TTL. */
	if (have_ttl)
		ps->last_ttl = ttl;
	else
		ttl = ps->have_dollar_ttl ? ps->dollar_ttl : ps->last_ttl;
	rr.ttl = ttl;
	if ((rc = parse_rdata(ps, &rr, t + i, ps->ntok - i, line)) !=
	    MAUTH_OK) {
		zrr_free(&rr);
		return rc;
	}
	if ((node = zone_touch(ps->z, ps->owner, ps->ownerlen)) == NULL) {
		zrr_free(&rr);
		return perr(ps, line, "out of memory");
	}
	if ((rc = node_push(ps, node, &rr, line)) != MAUTH_OK) {
		zrr_free(&rr);
		return rc;
	}
	if (under(ps->owner, ps->ownerlen, ps->origin, ps->originlen))
		return add_ents(ps, ps->owner, ps->ownerlen, ps->originlen,
		    line);
	return MAUTH_OK;
}

/*
 * soa_ents - after loading: every owner below an SOA owner makes its
 * ancestors down to that SOA owner exist (RFC 8020), whatever $ORIGIN said.
 */
static int
soa_ents(struct parser *ps)
{
	struct zone *z = ps->z;
	struct znode **all, *n;
	size_t i, j, count = 0, len;
	const char *p;
	int rc;

	if ((all = calloc(z->nnodes + 1, sizeof(*all))) == NULL)
		return perr(ps, ps->line, "out of memory");
	for (i = 0; i < z->nbuckets; i++)
		for (n = z->buckets[i]; n != NULL; n = n->hnext)
			all[count++] = n;
	for (j = 0; j < count; j++) {
		n = all[j];
		len = strlen(n->key);
		/* the closest strict ancestor that owns an SOA */
		for (p = strchr(n->key, '.'); p != NULL;
		    p = strchr(p + 1, '.')) {
			struct znode *a = zone_find(z, p + 1,
			    len - (size_t)(p + 1 - n->key));

			if (a != NULL && node_rr(a, MAUTH_DNS_SOA) != NULL) {
				rc = add_ents(ps, n->name, len,
				    strlen(a->key), ps->line);
				if (rc != MAUTH_OK) {
					free(all);
					return rc;
				}
				break;
			}
		}
	}
	free(all);
	return MAUTH_OK;
}

/* ---- queries ----------------------------------------------------------- */

/* neg_ttl - RFC 2308 5: from the closest enclosing SOA */
static uint32_t
neg_ttl(const struct zone *z, const char *name)
{
	const struct znode *n;
	const struct zrr *soa;
	const char *p = name;

	for (;;) {
		n = zone_find(z, p, strlen(p));
		if (n != NULL && (soa = node_rr(n, MAUTH_DNS_SOA)) != NULL)
			return soa->ttl < soa->u.minimum ? soa->ttl :
			    soa->u.minimum;
		if ((p = strchr(p, '.')) == NULL)
			return DNS_DEFAULT_NEG_TTL;
		p++;
	}
}

/*
 * wildcard - RFC 4592 4.3.3: for an absent name, the "*" child of its
 * closest encloser, if that exists.
 */
static const struct znode *
wildcard(const struct zone *z, const char *name)
{
	char wc[DNS_NAME_MAX + 4];
	const char *p = name;
	size_t len;

	while ((p = strchr(p, '.')) != NULL) {
		p++;
		len = strlen(p);
		if (zone_find(z, p, len) == NULL)
			continue;
		/* p is the closest encloser */
		if (len + 2 >= sizeof(wc))
			return NULL;
		wc[0] = '*';
		wc[1] = '.';
		memcpy(wc + 2, p, len + 1);
		return zone_find(z, wc, len + 2);
	}
	return NULL;
}

/* add_zrr - one stored record into an answer */
static int
add_zrr(struct mauth_dns_answer *ans, const char *owner, const struct zrr *rr)
{
	const uint8_t *s[1];
	size_t l[1];

	switch (rr->type) {
	case MAUTH_DNS_A:
		return mauth_dns_answer_add_a(ans, owner, rr->ttl, rr->u.a);
	case MAUTH_DNS_AAAA:
		return mauth_dns_answer_add_aaaa(ans, owner, rr->ttl,
		    rr->u.aaaa);
	case MAUTH_DNS_CNAME:
	case MAUTH_DNS_PTR:
	case MAUTH_DNS_NS:
		return mauth_dns_answer_add_name(ans, rr->type, owner,
		    rr->ttl, rr->u.target);
	case MAUTH_DNS_MX:
		return mauth_dns_answer_add_mx(ans, owner, rr->ttl,
		    rr->u.mx.pref, rr->u.mx.exchange);
	case MAUTH_DNS_TXT:
	case MAUTH_DNS_SPF:
		/* stored concatenated; keep the string count */
		s[0] = rr->u.txt.data;
		l[0] = rr->u.txt.len;
		if (mauth_dns_answer_add_txt(ans, rr->type, owner, rr->ttl,
		    s, l, 1) != MAUTH_OK)
			return MAUTH_ERR_NOMEM;
		ans->rr[ans->nrr - 1].u.txt.nstrings = rr->u.txt.nstrings;
		return MAUTH_OK;
	default:
		return dns_answer_add_bare(ans, rr->type, owner, rr->ttl);
	}
}

/* zone_query - the backend's query(): see the top of the file */
static int
zone_query(void *arg, const char *name, uint16_t type,
    struct mauth_dns_answer **out)
{
	const struct zone *z = arg;
	const struct znode *n;
	const struct zrr *cname;
	struct mauth_dns_answer *ans;
	char cur[DNS_NAME_MAX + 2];
	const char *owner;
	size_t i, len, hops;

	if ((ans = mauth_dns_answer_new(MAUTH_RCODE_NOERROR, 0)) == NULL)
		return MAUTH_DNS_FAILURE;
	snprintf(cur, sizeof(cur), "%s", name);
	for (hops = 0;; hops++) {
		owner = cur;
		if ((n = zone_find(z, cur, strlen(cur))) != NULL)
			owner = n->name;
		else if ((n = wildcard(z, cur)) == NULL) {
			/* RFC 6604 3: the rcode is that of the last name */
			ans->rcode = MAUTH_RCODE_NXDOMAIN;
			ans->ttl = neg_ttl(z, cur);
			break;
		}
		cname = type != MAUTH_DNS_CNAME ?
		    node_rr(n, MAUTH_DNS_CNAME) : NULL;
		if (cname != NULL) {
			if (hops == ZONE_MAX_CNAME_HOPS) {
				/* a loop or an over-long chain */
				mauth_dns_answer_free(ans);
				ans = mauth_dns_answer_new(
				    MAUTH_RCODE_SERVFAIL, 0);
				if (ans == NULL)
					return MAUTH_DNS_FAILURE;
				break;
			}
			if (add_zrr(ans, owner, cname) != MAUTH_OK)
				goto nomem;
			len = strlen(cname->u.target);
			if (len > DNS_NAME_MAX)
				goto nomem;
			for (i = 0; i <= len; i++)
				cur[i] = str_lower(cname->u.target[i]);
			continue;
		}
		for (i = 0; i < n->nrr; i++)
			if (n->rr[i].type == type &&
			    add_zrr(ans, owner, &n->rr[i]) != MAUTH_OK)
				goto nomem;
		if (!dns_answer_has_type(ans, type))
			ans->ttl = neg_ttl(z, cur);	/* NODATA */
		break;
	}
	*out = ans;
	return MAUTH_DNS_ANSWER;
nomem:
	mauth_dns_answer_free(ans);
	return MAUTH_DNS_FAILURE;
}

/* ---- loading ----------------------------------------------------------- */

/* load - parse a whole file into a new table */
static int
load(const char *file, const char *buf, size_t len, struct zone **out,
    char *errbuf, size_t errlen)
{
	struct parser *ps;
	struct zone *z;
	int rc = MAUTH_OK;

	*out = NULL;
	if ((z = calloc(1, sizeof(*z))) == NULL)
		return MAUTH_ERR_NOMEM;
	z->nbuckets = 64;
	if ((z->buckets = calloc(z->nbuckets, sizeof(*z->buckets))) == NULL) {
		free(z);
		return MAUTH_ERR_NOMEM;
	}
	/* the parser holds the token array: keep it off the stack */
	if ((ps = calloc(1, sizeof(*ps))) == NULL) {
		zone_free(z);
		return MAUTH_ERR_NOMEM;
	}
	ps->file = file;
	ps->buf = buf;
	ps->len = len;
	ps->line = 1;
	ps->z = z;
	ps->last_ttl = ZONE_DEFAULT_TTL;
	ps->errbuf = errbuf;
	ps->errlen = errlen;
	for (;;) {
		if ((rc = next_entry(ps)) != MAUTH_OK)
			break;
		if (ps->ntok == 0)
			break;
		if ((rc = entry(ps)) != MAUTH_OK)
			break;
	}
	if (rc == MAUTH_OK)
		rc = soa_ents(ps);
	free(ps);
	if (rc != MAUTH_OK) {
		zone_free(z);
		return rc;
	}
	*out = z;
	return MAUTH_OK;
}

/* make_resolver - wrap a loaded table in a resolver (takes z) */
static int
make_resolver(struct zone *z, struct mauth_resolver **out)
{
	struct mauth_dns_backend be;
	int rc;

	be.query = zone_query;
	be.destroy = zone_free;
	be.arg = z;
	if ((rc = mauth_resolver_new_custom(&be, out)) != MAUTH_OK)
		zone_free(z);
	return rc;
}

/* mauth_resolver_new_zone_mem - a zone resolver from bytes; see dns.h */
int
mauth_resolver_new_zone_mem(const char *name, const void *buf, size_t len,
    struct mauth_resolver **out, char *errbuf, size_t errlen)
{
	struct zone *z;
	int rc;

	if (out == NULL)
		return MAUTH_ERR_INVAL;
	*out = NULL;
	if (buf == NULL && len > 0)
		return MAUTH_ERR_INVAL;
	if (name == NULL)
		name = "(memory)";
	if (len > ZONE_MAX_FILE) {
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen, "%s: larger than %u bytes",
			    name, ZONE_MAX_FILE);
		return MAUTH_ERR_SYNTAX;
	}
	if ((rc = load(name, buf, len, &z, errbuf, errlen)) != MAUTH_OK)
		return rc;
	return make_resolver(z, out);
}

/* mauth_resolver_new_zone - a zone resolver from a file; see dns.h */
int
mauth_resolver_new_zone(const char *path, struct mauth_resolver **out,
    char *errbuf, size_t errlen)
{
	struct stat st;
	FILE *fp;
	char *buf;
	size_t n;
	int rc;

	if (out == NULL)
		return MAUTH_ERR_INVAL;
	*out = NULL;
	if (path == NULL)
		return MAUTH_ERR_INVAL;
	if ((fp = fopen(path, "r")) == NULL) {
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen, "%s: %s", path,
			    strerror(errno));
		return MAUTH_ERR_IO;
	}
	if (fstat(fileno(fp), &st) == -1 || !S_ISREG(st.st_mode)) {
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen, "%s: not a regular file",
			    path);
		fclose(fp);
		return MAUTH_ERR_IO;
	}
	if ((uint64_t)st.st_size > ZONE_MAX_FILE) {
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen, "%s: larger than %u bytes",
			    path, ZONE_MAX_FILE);
		fclose(fp);
		return MAUTH_ERR_SYNTAX;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		fclose(fp);
		return MAUTH_ERR_NOMEM;
	}
	n = fread(buf, 1, (size_t)st.st_size, fp);
	if (ferror(fp) || n != (size_t)st.st_size) {
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen, "%s: read error", path);
		free(buf);
		fclose(fp);
		return MAUTH_ERR_IO;
	}
	fclose(fp);
	rc = mauth_resolver_new_zone_mem(path, buf, n, out, errbuf, errlen);
	free(buf);
	return rc;
}
