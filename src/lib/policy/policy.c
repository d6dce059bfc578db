/*
 * policy.c - the site policy: rules file parser and the first-match
 * decision (format documented in rules/README.md).
 *
 * A rule line is
 *	ACTION [ARGS] [if COND]
 * where COND is conjunctions ("and") of possibly negated ("not") atoms,
 * joined by "or".  Replies follow RFC 5321 4.2 (three-digit codes, the
 * first digit 4 for tempfail, 5 for reject) and RFC 3463 / RFC 7372
 * enhanced status codes, whose class must match the code's first digit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mauth/policy.h"
#include "mauth/dkim.h"
#include "mauth/dmarc.h"
#include "mauth/spf.h"
#include "util/str.h"

#define POL_MAX_FILE		(64u * 1024 * 1024)	/* rules file bytes */
#define POL_MAX_LIST_FILE	(16u * 1024 * 1024)	/* one list file's bytes */
#define POL_MAX_LIST_TOTAL	1000000u	/* domains in all lists of a policy */
#define POL_MAX_LISTS		1000u		/* lists of a policy */
#define POL_MAX_TOKENS		512u		/* tokens of one line */
#define POL_MAX_ATOMS		64u		/* atoms of one rule */
#define POL_MAX_DOMAIN		253u		/* RFC 1035 2.3.4 */
#define POL_MSG_MAX		512u

enum atom_kind {
	A_SPF = 0,
	A_DKIM,
	A_DKIM_ALIGNED,
	A_DMARC,
	A_DMARC_POLICY,
	A_DNS,
	A_AUTH,
	A_INTERNAL,
	A_OUTGOING,
	A_FROM_IN
};

struct atom {
	int		 kind;		/* enum atom_kind */
	int		 neg;		/* "not" */
	int		 orbefore;	/* starts a new conjunction */
	uint32_t	 mask;		/* accepted values, bit per result */
	size_t		 list;		/* A_FROM_IN: index in policy lists */
};

struct rule {
	int		 action;
	int		 code;
	char		 esc[16];
	char		*text;		/* reply text or header value, unexpanded */
	char		*hname;
	char		*cond;		/* condition as written */
	unsigned	 line;
	struct atom	*atoms;
	size_t		 natoms;
};

struct plist {
	char		**v;		/* sorted, lower case; "*.x" = subdomains of x */
	size_t		  n;
};

struct mauth_policy {
	char		*name;
	struct rule	*rules;
	size_t		 nrules;
	size_t		 caprules;
	struct plist	*lists;
	size_t		 nlists;
	size_t		 caplists;
	size_t		 list_total;
};

enum tok_type { T_WORD, T_QUOTED, T_LBRACE, T_RBRACE, T_COMMA, T_EQ };

struct tok {
	int		 type;
	const char	*s;
	size_t		 len;
};

struct pstate {
	const char	*name;		/* for messages */
	const char	*dir;		/* base of relative list paths; NULL = cwd */
	unsigned	 line;
	void		(*errfn)(void *, const char *);
	void		*arg;
	unsigned	 nerr;
	int		 status;
	struct mauth_policy *p;
};

/* ---- names -------------------------------------------------------------- */

static const char *const spf_words[] = {
	"none", "neutral", "pass", "fail", "softfail", "temperror",
	"permerror", NULL
};
static const char *const dkim_words[] = {
	"none", "pass", "fail", "neutral", "policy", "temperror",
	"permerror", NULL
};
static const char *const dmarc_words[] = {
	"none", "pass", "fail", "temperror", "permerror", NULL
};
/* bit 3 = no record (MAUTH_DMARC_POLICY_UNSET) */
static const char *const dmpol_words[] = {
	"none", "quarantine", "reject", "unset", NULL
};
static const char *const dns_words[] = { "temperror", NULL };

/* mauth_policy_action_str - the action's rule keyword */
const char *
mauth_policy_action_str(int action)
{
	switch (action) {
	case MAUTH_POLICY_ACCEPT:
		return "accept";
	case MAUTH_POLICY_ADD_HEADER:
		return "add-header";
	case MAUTH_POLICY_QUARANTINE:
		return "quarantine";
	case MAUTH_POLICY_REJECT:
		return "reject";
	case MAUTH_POLICY_TEMPFAIL:
		return "tempfail";
	default:
		return "?";
	}
}

/* mauth_policy_facts_init - all "none", no record, no flags */
void
mauth_policy_facts_init(struct mauth_policy_facts *f)
{
	if (f == NULL)
		return;
	memset(f, 0, sizeof(*f));
	f->dmarc_policy = MAUTH_DMARC_POLICY_UNSET;
}

/* ---- errors ------------------------------------------------------------- */

/* perr - report one error as "NAME:LINE: reason" (LINE 0: "NAME: reason") */
static void perr(struct pstate *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static void
perr(struct pstate *ps, int status, const char *fmt, ...)
{
	char	 msg[POL_MSG_MAX], full[POL_MSG_MAX + 300];
	va_list	 ap;

	if (ps->status == 0)
		ps->status = status;
	if (ps->nerr >= MAUTH_POLICY_MAX_ERRORS)
		return;
	ps->nerr++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->line > 0)
		snprintf(full, sizeof(full), "%.256s:%u: %s", ps->name,
		    ps->line, msg);
	else
		snprintf(full, sizeof(full), "%.256s: %s", ps->name, msg);
	if (ps->errfn != NULL)
		ps->errfn(ps->arg, full);
}

/*
 * show - a token's text made printable for a message (truncated, control
 * bytes as '?'), in a caller buffer.
 */
static const char *
show(const struct tok *t, char *out, size_t outlen)
{
	size_t	 i, n;

	n = t->len < outlen - 1 ? t->len : outlen - 1;
	if (n > 60)
		n = 60;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t->s[i];
		out[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	out[n] = '\0';
	return out;
}

/* ---- small helpers ------------------------------------------------------ */

/* tok_is - token t is the word w (case-insensitive) */
static int
tok_is(const struct tok *t, const char *w)
{
	return t->type == T_WORD && str_caseeq_n(t->s, t->len, w, strlen(w));
}

/* word_index - index of s[0..len) in the NULL-terminated table, or -1 */
static int
word_index(const char *const *tab, const char *s, size_t len)
{
	int	 i;

	for (i = 0; tab[i] != NULL; i++)
		if (str_caseeq_n(s, len, tab[i], strlen(tab[i])))
			return i;
	return -1;
}

/* domain_ok - a list entry: LDH labels, dots, '_', optional "*." prefix */
static int
domain_ok(const char *s, size_t len)
{
	size_t	 i;

	if (len >= 2 && s[0] == '*' && s[1] == '.') {
		s += 2;
		len -= 2;
	}
	if (len == 0 || len > POL_MAX_DOMAIN || s[0] == '.' || s[len - 1] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'))
			return 0;
		if (c == '.' && i + 1 < len && s[i + 1] == '.')
			return 0;
	}
	return 1;
}

/* cmpstr - qsort/bsearch on char * */
static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- lists -------------------------------------------------------------- */

/* list_new - append an empty list to p; its index, or -1 (error reported) */
static long
list_new(struct pstate *ps)
{
	struct mauth_policy	*p = ps->p;
	struct plist		*nl;
	size_t			 ncap;

	if (p->nlists >= POL_MAX_LISTS) {
		perr(ps, MAUTH_ERR_LIMIT, "too many domain lists (limit %u)",
		    POL_MAX_LISTS);
		return -1;
	}
	if (p->nlists == p->caplists) {
		ncap = p->caplists ? p->caplists * 2 : 8;
		nl = reallocarray(p->lists, ncap, sizeof(*nl));
		if (nl == NULL) {
			perr(ps, MAUTH_ERR_NOMEM, "out of memory");
			return -1;
		}
		p->lists = nl;
		p->caplists = ncap;
	}
	p->lists[p->nlists].v = NULL;
	p->lists[p->nlists].n = 0;
	return (long)p->nlists++;
}

/*
 * list_add - add domain s[0..len) (lower-cased, trailing dot dropped) to
 * list l; 0, or -1 with the reason in why.
 */
static int
list_add(struct mauth_policy *p, struct plist *l, const char *s, size_t len,
    const char **why)
{
	char	**nv, *d;
	size_t	  i;

	if (len > 1 && s[len - 1] == '.')
		len--;
	if (!domain_ok(s, len)) {
		*why = "bad domain";
		return -1;
	}
	if (l->n >= MAUTH_POLICY_MAX_LIST_ENTRIES ||
	    p->list_total >= POL_MAX_LIST_TOTAL) {
		*why = "too many domains in lists";
		return -1;
	}
	/* grow by doubling: n is a power of two when full */
	if ((l->n & (l->n - 1)) == 0) {
		nv = reallocarray(l->v, l->n ? l->n * 2 : 4, sizeof(*nv));
		if (nv == NULL) {
			*why = "out of memory";
			return -1;
		}
		l->v = nv;
	}
	if ((d = str_ndup(s, len)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	for (i = 0; i < len; i++)
		d[i] = str_lower(d[i]);
	l->v[l->n++] = d;
	p->list_total++;
	return 0;
}

/* list_sort - sort and drop duplicates */
static void
list_sort(struct plist *l)
{
	size_t	 i, o;

	if (l->n < 2)
		return;
	qsort(l->v, l->n, sizeof(*l->v), cmpstr);
	for (i = 1, o = 1; i < l->n; i++) {
		if (strcmp(l->v[i], l->v[o - 1]) == 0)
			free(l->v[i]);
		else
			l->v[o++] = l->v[i];
	}
	l->n = o;
}

/* list_has - exact entry s */
static int
list_has(const struct plist *l, const char *s)
{
	return l->n > 0 &&
	    bsearch(&s, l->v, l->n, sizeof(*l->v), cmpstr) != NULL;
}

/*
 * list_match - domain d[0..len) is in l: exactly, or below a "*.x" entry
 * (subdomains of x, not x itself).
 */
static int
list_match(const struct plist *l, const char *d, size_t len)
{
	char	 key[POL_MAX_DOMAIN + 3];
	size_t	 i;

	if (len > 0 && d[len - 1] == '.')
		len--;
	if (len == 0 || len > POL_MAX_DOMAIN)
		return 0;
	for (i = 0; i < len; i++) {
		if (d[i] == '\0')
			return 0;
		key[i + 2] = str_lower(d[i]);
	}
	key[len + 2] = '\0';
	if (list_has(l, key + 2))
		return 1;
	for (i = 0; i < len; i++) {
		if (key[i + 2] != '.')
			continue;
		/* "*.rest": the dot is at key[i + 2], '*' goes before it */
		key[i + 1] = '*';
		if (list_has(l, key + i + 1))
			return 1;
	}
	return 0;
}

/* read_file - whole file into a new buffer of at most max bytes */
static int
read_file(const char *path, size_t max, char **out, size_t *outlen,
    const char **why)
{
	struct stat	 st;
	char		*b;
	size_t		 n = 0;
	ssize_t		 r;
	int		 fd;

	*out = NULL;
	/* O_NONBLOCK: a FIFO named by mistake must not hang the load */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		*why = strerror(errno);
		return MAUTH_ERR_IO;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		close(fd);
		return MAUTH_ERR_IO;
	}
	if ((uintmax_t)st.st_size > max) {
		*why = "file too large";
		close(fd);
		return MAUTH_ERR_LIMIT;
	}
	if ((b = malloc((size_t)st.st_size + 1)) == NULL) {
		*why = "out of memory";
		close(fd);
		return MAUTH_ERR_NOMEM;
	}
	while (n < (size_t)st.st_size) {
		r = read(fd, b + n, (size_t)st.st_size - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			*why = r == 0 ? "file shrank while read" : strerror(errno);
			free(b);
			close(fd);
			return MAUTH_ERR_IO;
		}
		n += (size_t)r;
	}
	close(fd);
	b[n] = '\0';
	*out = b;
	*outlen = n;
	return 0;
}

/* list_load_file - "from in file:PATH": one domain per line, # comments */
static long
list_load_file(struct pstate *ps, const char *path, size_t plen)
{
	char		 full[4096];
	char		*data = NULL;
	const char	*why = NULL, *s, *e, *end;
	size_t		 len, lno = 0;
	long		 li;
	int		 rc;

	if (plen == 0) {
		perr(ps, MAUTH_ERR_SYNTAX, "empty list file name");
		return -1;
	}
	if (ps->dir != NULL && path[0] != '/')
		rc = snprintf(full, sizeof(full), "%s/%.*s", ps->dir,
		    (int)plen, path);
	else
		rc = snprintf(full, sizeof(full), "%.*s", (int)plen, path);
	if (rc < 0 || (size_t)rc >= sizeof(full) || memchr(path, '\0', plen)) {
		perr(ps, MAUTH_ERR_SYNTAX, "list file name too long");
		return -1;
	}
	if ((rc = read_file(full, POL_MAX_LIST_FILE, &data, &len, &why)) != 0) {
		perr(ps, rc, "list file %.300s: %s", full, why);
		return -1;
	}
	if ((li = list_new(ps)) < 0) {
		free(data);
		return -1;
	}
	end = data + len;
	for (s = data; s < end; s = e + 1) {
		lno++;
		if ((e = memchr(s, '\n', (size_t)(end - s))) == NULL)
			e = end;
		const char *h = memchr(s, '#', (size_t)(e - s));
		const char *le = h != NULL ? h : e;
		while (s < le && (*s == ' ' || *s == '\t'))
			s++;
		while (le > s && (le[-1] == ' ' || le[-1] == '\t' ||
		    le[-1] == '\r'))
			le--;
		if (le == s)
			continue;
		if (list_add(ps->p, &ps->p->lists[li], s, (size_t)(le - s),
		    &why) == -1) {
			perr(ps, strcmp(why, "out of memory") == 0 ?
			    MAUTH_ERR_NOMEM : MAUTH_ERR_SYNTAX,
			    "list file %.300s line %zu: %s", full, lno, why);
			free(data);
			return -1;
		}
	}
	free(data);
	list_sort(&ps->p->lists[li]);
	return li;
}

/* ---- tokens ------------------------------------------------------------- */

/*
 * tokenize - split one line (no newline) into tokens; '#' outside quotes
 * starts a comment.  Returns the count, or -1 (error reported).
 */
static int
tokenize(struct pstate *ps, const char *s, size_t len, struct tok *t,
    size_t maxt)
{
	size_t	 i = 0, n = 0, st;

	/* only printable ASCII outside comments (comments may hold UTF-8) */
	for (i = 0; i < len && s[i] != '#'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"') {
			while (++i < len && s[i] != '"')
				if (s[i] == '\\' && i + 1 < len)
					i++;
			if (i >= len)
				break;
			continue;
		}
		if ((c < 0x20 && c != '\t' && c != '\r') || c >= 0x7f) {
			perr(ps, MAUTH_ERR_SYNTAX,
			    "control or non-ASCII byte 0x%02x", c);
			return -1;
		}
	}
	/* the quoted strings were skipped above: check them too */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '#')
			break;
		if (c != '"')
			continue;
		while (++i < len && s[i] != '"') {
			c = (unsigned char)s[i];
			if (c < 0x20 || c >= 0x7f) {
				perr(ps, MAUTH_ERR_SYNTAX,
				    "control or non-ASCII byte 0x%02x in a "
				    "quoted string", c);
				return -1;
			}
			if (s[i] == '\\' && i + 1 < len)
				i++;
		}
	}
	i = 0;
	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ' || c == '\t' || c == '\r') {
			i++;
			continue;
		}
		if (c == '#')
			break;
		if (n == maxt) {
			perr(ps, MAUTH_ERR_LIMIT, "too many words (limit %zu)",
			    maxt);
			return -1;
		}
		if (c < 0x20 || c >= 0x7f) {
			perr(ps, MAUTH_ERR_SYNTAX,
			    "control or non-ASCII byte 0x%02x", c);
			return -1;
		}
		if (c == '"') {
			st = ++i;
			while (i < len && s[i] != '"') {
				if (s[i] == '\\' && i + 1 < len)
					i++;
				i++;
			}
			if (i >= len) {
				perr(ps, MAUTH_ERR_SYNTAX,
				    "unterminated quoted string");
				return -1;
			}
			t[n].type = T_QUOTED;
			t[n].s = s + st;
			t[n].len = i - st;
			n++;
			i++;
			continue;
		}
		if (c == '{' || c == '}' || c == ',' || c == '=') {
			t[n].type = c == '{' ? T_LBRACE : c == '}' ? T_RBRACE :
			    c == ',' ? T_COMMA : T_EQ;
			t[n].s = s + i;
			t[n].len = 1;
			n++;
			i++;
			continue;
		}
		st = i;
		while (i < len && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' &&
		    s[i] != '"' && s[i] != '{' && s[i] != '}' && s[i] != ',' &&
		    s[i] != '=' && s[i] != '#')
			i++;
		t[n].type = T_WORD;
		t[n].s = s + st;
		t[n].len = i - st;
		n++;
	}
	return (int)n;
}

/*
 * unquote - decode a quoted token (\" and \\ only) into a new string,
 * checking %-escapes: %{from}, %{spf}, %{dkim}, %{dmarc}, %{dmarc.policy}.
 * NULL on error (reported).
 */
static char *
unquote(struct pstate *ps, const struct tok *t, const char *what)
{
	static const char *const esc_ok[] = {
		"from", "spf", "dkim", "dmarc", "dmarc.policy", NULL
	};
	char		*out, *o;
	const char	*s = t->s, *e = t->s + t->len, *cl;

	if (t->len > MAUTH_POLICY_MAX_TEXT) {
		perr(ps, MAUTH_ERR_LIMIT, "%s longer than %u bytes", what,
		    MAUTH_POLICY_MAX_TEXT);
		return NULL;
	}
	if ((o = out = malloc(t->len + 1)) == NULL) {
		perr(ps, MAUTH_ERR_NOMEM, "out of memory");
		return NULL;
	}
	while (s < e) {
		if (*s == '\\') {
			if (s + 1 >= e || (s[1] != '"' && s[1] != '\\')) {
				perr(ps, MAUTH_ERR_SYNTAX,
				    "%s: only \\\" and \\\\ may be escaped",
				    what);
				free(out);
				return NULL;
			}
			*o++ = s[1];
			s += 2;
			continue;
		}
		if (*s == '%') {
			/* RFC 5321 4.2 text; a bare '%' upsets libmilter */
			if (s + 1 >= e || s[1] != '{' ||
			    (cl = memchr(s, '}', (size_t)(e - s))) == NULL ||
			    word_index(esc_ok, s + 2, (size_t)(cl - s - 2)) < 0) {
				perr(ps, MAUTH_ERR_SYNTAX, "%s: unknown %%-escape "
				    "(known: %%{from} %%{spf} %%{dkim} %%{dmarc} "
				    "%%{dmarc.policy})", what);
				free(out);
				return NULL;
			}
			memcpy(o, s, (size_t)(cl - s + 1));
			o += cl - s + 1;
			s = cl + 1;
			continue;
		}
		*o++ = *s++;
	}
	*o = '\0';
	return out;
}

/* ---- replies ------------------------------------------------------------ */

/* parse_code - "550": three digits, first 4 (tempfail) or 5 (reject) */
static int
parse_code(const struct tok *t, int want, int *code)
{
	if (t->type != T_WORD || t->len != 3 ||
	    t->s[0] != '0' + want || t->s[1] < '0' || t->s[1] > '5' ||
	    t->s[2] < '0' || t->s[2] > '9')
		return -1;
	*code = (t->s[0] - '0') * 100 + (t->s[1] - '0') * 10 + (t->s[2] - '0');
	return 0;
}

/* parse_esc - RFC 3463 2: class "." subject "." detail, class = want */
static int
parse_esc(const struct tok *t, int want, char *out, size_t outlen)
{
	size_t	 i, run = 0, dots = 0;

	if (t->type != T_WORD || t->len < 5 || t->len >= outlen ||
	    t->s[0] != '0' + want || t->s[1] != '.')
		return -1;
	for (i = 2; i < t->len; i++) {
		if (t->s[i] == '.') {
			if (run == 0)
				return -1;
			dots++;
			run = 0;
		} else if (t->s[i] >= '0' && t->s[i] <= '9') {
			/* no leading zeros in a multi-digit field */
			if (run == 1 && t->s[i - 1] == '0')
				return -1;
			if (++run > 3)
				return -1;
		} else
			return -1;
	}
	if (dots != 1 || run == 0)
		return -1;
	memcpy(out, t->s, t->len);
	out[t->len] = '\0';
	return 0;
}

/* looks_numeric - a word starting with a digit (a code or status attempt) */
static int
looks_numeric(const struct tok *t)
{
	return t->type == T_WORD && t->len > 0 && t->s[0] >= '0' &&
	    t->s[0] <= '9';
}

/*
 * default_reply - the enhanced status and text when a rule omits them,
 * chosen from what the condition tests (RFC 7372 3.1, 3.2, 3.3; 5.7.1 for
 * a DMARC reject as RFC 7489 7.3 suggests).
 */
static void
default_reply(struct rule *r, const char **esc, const char **text)
{
	size_t	 i;
	int	 spf = 0, dkim = 0, aligned = 0, dmarc = 0, dns = 0;

	for (i = 0; i < r->natoms; i++) {
		switch (r->atoms[i].kind) {
		case A_SPF:
			spf = 1;
			break;
		case A_DKIM:
			dkim = 1;
			break;
		case A_DKIM_ALIGNED:
			aligned = 1;
			break;
		case A_DMARC:
		case A_DMARC_POLICY:
			dmarc = 1;
			break;
		case A_DNS:
			dns = 1;
			break;
		}
	}
	if (r->action == MAUTH_POLICY_TEMPFAIL) {
		if (dns) {
			*esc = "4.4.3";
			*text = "Temporary DNS failure, try again later";
		} else {
			*esc = "4.7.1";
			*text = "Temporary failure, try again later";
		}
		return;
	}
	if (dmarc) {
		*esc = "5.7.1";
		*text = "Message rejected by the DMARC policy of %{from}";
	} else if (spf + (dkim | aligned) > 1) {
		*esc = "5.7.26";
		*text = "Multiple authentication checks failed";
	} else if (spf) {
		*esc = "5.7.23";
		*text = "SPF validation failed";
	} else if (aligned) {
		*esc = "5.7.22";
		*text = "No valid author-matched DKIM signature";
	} else if (dkim) {
		*esc = "5.7.20";
		*text = "No passing DKIM signature found";
	} else {
		*esc = "5.7.1";
		*text = "Message rejected by local policy";
	}
}

/* ---- conditions --------------------------------------------------------- */

/* parse_values - "v1|v2|..." of one word against tab into a bit mask */
static int
parse_values(struct pstate *ps, const struct tok *t, const char *const *tab,
    const char *key, uint32_t *mask)
{
	const char	*s = t->s, *e = t->s + t->len, *bar;
	char		 b[64];
	int		 k;

	*mask = 0;
	if (t->type != T_WORD || t->len == 0) {
		perr(ps, MAUTH_ERR_SYNTAX, "%s= needs a value", key);
		return -1;
	}
	while (s <= e) {
		if ((bar = memchr(s, '|', (size_t)(e - s))) == NULL)
			bar = e;
		if ((k = word_index(tab, s, (size_t)(bar - s))) < 0) {
			struct tok w = { T_WORD, s, (size_t)(bar - s) };
			perr(ps, MAUTH_ERR_SYNTAX, "unknown %s value '%s'", key,
			    show(&w, b, sizeof(b)));
			return -1;
		}
		*mask |= 1u << k;
		s = bar + 1;
	}
	return 0;
}

/* parse_from_in - after "from in": "{a, b}" or "file:PATH"; index or -1 */
static long
parse_from_in(struct pstate *ps, const struct tok *t, size_t nt, size_t *i)
{
	const char	*why;
	char		 b[64];
	long		 li;

	if (*i >= nt) {
		perr(ps, MAUTH_ERR_SYNTAX,
		    "'from in' needs {domain, ...} or file:PATH");
		return -1;
	}
	if (t[*i].type == T_WORD && t[*i].len >= 5 &&
	    str_caseeq_n(t[*i].s, 5, "file:", 5)) {
		li = list_load_file(ps, t[*i].s + 5, t[*i].len - 5);
		(*i)++;
		return li;
	}
	if (t[*i].type != T_LBRACE) {
		perr(ps, MAUTH_ERR_SYNTAX,
		    "'from in' needs {domain, ...} or file:PATH, not '%s'",
		    show(&t[*i], b, sizeof(b)));
		return -1;
	}
	if ((li = list_new(ps)) < 0)
		return -1;
	(*i)++;
	for (;;) {
		if (*i >= nt) {
			perr(ps, MAUTH_ERR_SYNTAX, "missing '}'");
			return -1;
		}
		if (t[*i].type != T_WORD) {
			perr(ps, MAUTH_ERR_SYNTAX, "expected a domain, not '%s'",
			    show(&t[*i], b, sizeof(b)));
			return -1;
		}
		if (list_add(ps->p, &ps->p->lists[li], t[*i].s, t[*i].len,
		    &why) == -1) {
			perr(ps, MAUTH_ERR_SYNTAX, "%s '%s'", why,
			    show(&t[*i], b, sizeof(b)));
			return -1;
		}
		(*i)++;
		if (*i < nt && t[*i].type == T_COMMA) {
			(*i)++;
			continue;
		}
		if (*i < nt && t[*i].type == T_RBRACE) {
			(*i)++;
			break;
		}
		perr(ps, MAUTH_ERR_SYNTAX, "expected ',' or '}' in domain list");
		return -1;
	}
	list_sort(&ps->p->lists[li]);
	return li;
}

/* parse_cond - t[i..nt) after "if" into r->atoms; 0 or -1 */
static int
parse_cond(struct pstate *ps, struct rule *r, const struct tok *t, size_t nt,
    size_t i)
{
	static const struct {
		const char		*key;
		int			 kind;
		const char *const	*vals;	/* NULL: a flag, no "=" */
	} atoms[] = {
		{ "spf",		A_SPF,		spf_words },
		{ "dkim",		A_DKIM,		dkim_words },
		{ "dmarc",		A_DMARC,	dmarc_words },
		{ "dmarc.policy",	A_DMARC_POLICY,	dmpol_words },
		{ "dns",		A_DNS,		dns_words },
		{ "dkim.aligned",	A_DKIM_ALIGNED,	NULL },
		{ "auth",		A_AUTH,		NULL },
		{ "internal",		A_INTERNAL,	NULL },
		{ "outgoing",		A_OUTGOING,	NULL },
		{ "from",		A_FROM_IN,	NULL },
	};
	struct atom	 a;
	char		 b[64];
	size_t		 k;
	long		 li;
	int		 orbefore = 0;

	if (i >= nt) {
		perr(ps, MAUTH_ERR_SYNTAX, "'if' needs a condition");
		return -1;
	}
	if ((r->atoms = calloc(POL_MAX_ATOMS, sizeof(*r->atoms))) == NULL) {
		perr(ps, MAUTH_ERR_NOMEM, "out of memory");
		return -1;
	}
	for (;;) {
		memset(&a, 0, sizeof(a));
		a.orbefore = orbefore;
		if (i < nt && tok_is(&t[i], "not")) {
			a.neg = 1;
			i++;
		}
		if (i >= nt) {
			perr(ps, MAUTH_ERR_SYNTAX, "condition ends too early");
			return -1;
		}
		for (k = 0; k < sizeof(atoms) / sizeof(atoms[0]); k++)
			if (tok_is(&t[i], atoms[k].key))
				break;
		if (k == sizeof(atoms) / sizeof(atoms[0])) {
			perr(ps, MAUTH_ERR_SYNTAX, "unknown condition '%s'",
			    show(&t[i], b, sizeof(b)));
			return -1;
		}
		a.kind = atoms[k].kind;
		i++;
		if (atoms[k].vals != NULL) {
			if (i >= nt || t[i].type != T_EQ) {
				perr(ps, MAUTH_ERR_SYNTAX,
				    "'%s' needs '=VALUE'", atoms[k].key);
				return -1;
			}
			if (++i >= nt) {
				perr(ps, MAUTH_ERR_SYNTAX, "%s= needs a value",
				    atoms[k].key);
				return -1;
			}
			if (parse_values(ps, &t[i], atoms[k].vals,
			    atoms[k].key, &a.mask) == -1)
				return -1;
			i++;
		} else if (a.kind == A_FROM_IN) {
			if (i >= nt || !tok_is(&t[i], "in")) {
				perr(ps, MAUTH_ERR_SYNTAX,
				    "'from' must be followed by 'in'");
				return -1;
			}
			i++;
			if ((li = parse_from_in(ps, t, nt, &i)) < 0)
				return -1;
			a.list = (size_t)li;
		} else if (i < nt && t[i].type == T_EQ) {
			perr(ps, MAUTH_ERR_SYNTAX, "'%s' takes no value "
			    "(use 'not %s')", atoms[k].key, atoms[k].key);
			return -1;
		}
		if (r->natoms == POL_MAX_ATOMS) {
			perr(ps, MAUTH_ERR_LIMIT,
			    "too many conditions in one rule (limit %u)",
			    POL_MAX_ATOMS);
			return -1;
		}
		r->atoms[r->natoms++] = a;
		if (i >= nt)
			return 0;
		if (tok_is(&t[i], "and"))
			orbefore = 0;
		else if (tok_is(&t[i], "or"))
			orbefore = 1;
		else {
			perr(ps, MAUTH_ERR_SYNTAX,
			    "expected 'and' or 'or', not '%s'",
			    show(&t[i], b, sizeof(b)));
			return -1;
		}
		i++;
	}
}

/* ---- rules -------------------------------------------------------------- */

/* rule_clear - free what a rule owns */
static void
rule_clear(struct rule *r)
{
	free(r->text);
	free(r->hname);
	free(r->cond);
	free(r->atoms);
	memset(r, 0, sizeof(*r));
}

/*
 * header_name_ok - a field name (RFC 5322 3.6.8), narrowed to letters,
 * digits, '-' and '_': every real header name, nothing that needs care
 * in a milter call or a log line.
 */
static int
header_name_ok(const struct tok *t)
{
	size_t	 i;

	if (t->type != T_WORD || t->len == 0 ||
	    t->len > MAUTH_POLICY_MAX_HEADER_NAME)
		return 0;
	for (i = 0; i < t->len; i++) {
		unsigned char c = (unsigned char)t->s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

/* parse_line - one non-empty rule line; 0 (rule added), 1 (blank), -1 */
static int
parse_line(struct pstate *ps, const char *s, size_t len)
{
	struct tok		*tk;
	struct rule		 r;
	struct mauth_policy	*p = ps->p;
	const char		*desc, *dtext;
	char			 b[64];
	size_t			 i = 1;
	int			 nt, want;

	if ((tk = calloc(POL_MAX_TOKENS, sizeof(*tk))) == NULL) {
		perr(ps, MAUTH_ERR_NOMEM, "out of memory");
		return -1;
	}
	memset(&r, 0, sizeof(r));
	if ((nt = tokenize(ps, s, len, tk, POL_MAX_TOKENS)) <= 0) {
		free(tk);
		return nt == 0 ? 1 : -1;
	}
	r.line = ps->line;
	if (tok_is(&tk[0], "accept"))
		r.action = MAUTH_POLICY_ACCEPT;
	else if (tok_is(&tk[0], "quarantine"))
		r.action = MAUTH_POLICY_QUARANTINE;
	else if (tok_is(&tk[0], "reject"))
		r.action = MAUTH_POLICY_REJECT;
	else if (tok_is(&tk[0], "tempfail"))
		r.action = MAUTH_POLICY_TEMPFAIL;
	else if (tok_is(&tk[0], "add-header"))
		r.action = MAUTH_POLICY_ADD_HEADER;
	else {
		perr(ps, MAUTH_ERR_SYNTAX, "unknown action '%s' (accept, "
		    "add-header, quarantine, reject, tempfail)",
		    show(&tk[0], b, sizeof(b)));
		goto bad;
	}

	if (r.action == MAUTH_POLICY_ADD_HEADER) {
		if ((size_t)nt < 3 || !header_name_ok(&tk[1])) {
			perr(ps, MAUTH_ERR_SYNTAX,
			    "add-header needs a header name (letters, digits, "
			    "'-', '_'; at most %u bytes) and a quoted value",
			    MAUTH_POLICY_MAX_HEADER_NAME);
			goto bad;
		}
		if (tk[2].type != T_QUOTED) {
			perr(ps, MAUTH_ERR_SYNTAX,
			    "add-header value must be quoted");
			goto bad;
		}
		if ((r.hname = str_ndup(tk[1].s, tk[1].len)) == NULL ||
		    (r.text = unquote(ps, &tk[2], "header value")) == NULL) {
			if (r.hname == NULL)
				perr(ps, MAUTH_ERR_NOMEM, "out of memory");
			goto bad;
		}
		i = 3;
	} else if (r.action == MAUTH_POLICY_REJECT ||
	    r.action == MAUTH_POLICY_TEMPFAIL) {
		want = r.action == MAUTH_POLICY_REJECT ? 5 : 4;
		if (i < (size_t)nt && looks_numeric(&tk[i])) {
			if (parse_code(&tk[i], want, &r.code) == -1) {
				perr(ps, MAUTH_ERR_SYNTAX, "bad SMTP code '%s' "
				    "(%s needs %dxx, RFC 5321 4.2)",
				    show(&tk[i], b, sizeof(b)),
				    mauth_policy_action_str(r.action), want);
				goto bad;
			}
			i++;
			if (i < (size_t)nt && looks_numeric(&tk[i])) {
				if (parse_esc(&tk[i], want, r.esc,
				    sizeof(r.esc)) == -1) {
					perr(ps, MAUTH_ERR_SYNTAX,
					    "bad enhanced status code '%s' "
					    "(want %d.X.Y, RFC 3463)",
					    show(&tk[i], b, sizeof(b)), want);
					goto bad;
				}
				i++;
			}
		}
		if (i < (size_t)nt && tk[i].type == T_QUOTED) {
			if ((r.text = unquote(ps, &tk[i], "reply text")) == NULL)
				goto bad;
			i++;
		}
	}

	if (i < (size_t)nt) {
		if (!tok_is(&tk[i], "if")) {
			perr(ps, MAUTH_ERR_SYNTAX, "unexpected '%s' after %s "
			    "(expected 'if')", show(&tk[i], b, sizeof(b)),
			    mauth_policy_action_str(r.action));
			goto bad;
		}
		if (parse_cond(ps, &r, tk, (size_t)nt, i + 1) == -1)
			goto bad;
		/* the condition as written, for logs: from after "if" */
		desc = tk[i + 1].s;
		size_t dlen = (size_t)(tk[nt - 1].s + tk[nt - 1].len - desc);
		if (tk[nt - 1].type == T_QUOTED)
			dlen++;
		if ((r.cond = str_ndup(desc, dlen)) == NULL) {
			perr(ps, MAUTH_ERR_NOMEM, "out of memory");
			goto bad;
		}
	} else if ((r.cond = str_ndup("always", 6)) == NULL) {
		perr(ps, MAUTH_ERR_NOMEM, "out of memory");
		goto bad;
	}

	if (r.action == MAUTH_POLICY_REJECT || r.action == MAUTH_POLICY_TEMPFAIL) {
		want = r.action == MAUTH_POLICY_REJECT ? 5 : 4;
		default_reply(&r, &desc, &dtext);
		if (r.code == 0)
			r.code = want == 5 ? 550 : 451;
		if (r.esc[0] == '\0')
			snprintf(r.esc, sizeof(r.esc), "%s", desc);
		if (r.text == NULL && (r.text = str_ndup(dtext,
		    strlen(dtext))) == NULL) {
			perr(ps, MAUTH_ERR_NOMEM, "out of memory");
			goto bad;
		}
	}

	if (p->nrules >= MAUTH_POLICY_MAX_RULES) {
		perr(ps, MAUTH_ERR_LIMIT, "too many rules (limit %u)",
		    MAUTH_POLICY_MAX_RULES);
		goto bad;
	}
	if (p->nrules == p->caprules) {
		size_t ncap = p->caprules ? p->caprules * 2 : 16;
		struct rule *nr = reallocarray(p->rules, ncap, sizeof(*nr));
		if (nr == NULL) {
			perr(ps, MAUTH_ERR_NOMEM, "out of memory");
			goto bad;
		}
		p->rules = nr;
		p->caprules = ncap;
	}
	p->rules[p->nrules++] = r;
	free(tk);
	return 0;
bad:
	rule_clear(&r);
	free(tk);
	return -1;
}

/* mauth_policy_free - release p */
void
mauth_policy_free(struct mauth_policy *p)
{
	size_t	 i, j;

	if (p == NULL)
		return;
	for (i = 0; i < p->nrules; i++)
		rule_clear(&p->rules[i]);
	free(p->rules);
	for (i = 0; i < p->nlists; i++) {
		for (j = 0; j < p->lists[i].n; j++)
			free(p->lists[i].v[j]);
		free(p->lists[i].v);
	}
	free(p->lists);
	free(p->name);
	free(p);
}

/* mauth_policy_count - number of rules */
size_t
mauth_policy_count(const struct mauth_policy *p)
{
	return p == NULL ? 0 : p->nrules;
}

/* parse_buf - all lines of buf[0..len) into ps->p */
static void
parse_buf(struct pstate *ps, const char *buf, size_t len)
{
	const char	*s, *e, *end = buf + len;

	for (s = buf; s < end && ps->nerr < MAUTH_POLICY_MAX_ERRORS; s = e + 1) {
		ps->line++;
		if ((e = memchr(s, '\n', (size_t)(end - s))) == NULL)
			e = end;
		if ((size_t)(e - s) > MAUTH_POLICY_MAX_LINE) {
			perr(ps, MAUTH_ERR_LIMIT, "line longer than %u bytes",
			    MAUTH_POLICY_MAX_LINE);
			continue;
		}
		if (memchr(s, '\0', (size_t)(e - s)) != NULL) {
			perr(ps, MAUTH_ERR_SYNTAX, "NUL byte in line");
			continue;
		}
		if (parse_line(ps, s, (size_t)(e - s)) == -1 &&
		    ps->status == MAUTH_ERR_LIMIT &&
		    ps->p->nrules >= MAUTH_POLICY_MAX_RULES)
			break;	/* one "too many rules" is enough */
	}
}

/* errfirst - errfn keeping the first message in a caller buffer */
struct errfirst {
	char	*buf;
	size_t	 len;
	int	 done;
};

static void
errfirst_fn(void *arg, const char *msg)
{
	struct errfirst	*ef = arg;

	if (ef->done || ef->buf == NULL || ef->len == 0)
		return;
	snprintf(ef->buf, ef->len, "%s", msg);
	ef->done = 1;
}

/* mauth_policy_load_each - load rules, reporting every error */
int
mauth_policy_load_each(const char *path, const void *buf, size_t len,
    struct mauth_policy **out, void (*errfn)(void *arg, const char *msg),
    void *arg)
{
	struct pstate	 ps;
	char		*data = NULL, *dir = NULL, *slash;
	const char	*why = NULL;
	int		 rc;

	if (out == NULL)
		return MAUTH_ERR_INVAL;
	*out = NULL;
	if (path == NULL || (buf == NULL && len != 0))
		return MAUTH_ERR_INVAL;
	memset(&ps, 0, sizeof(ps));
	ps.name = path;
	ps.errfn = errfn;
	ps.arg = arg;
	if (buf == NULL) {
		if ((rc = read_file(path, POL_MAX_FILE, &data, &len,
		    &why)) != 0) {
			perr(&ps, rc, "%s", why);
			return rc;
		}
		buf = data;
		if ((slash = strrchr(path, '/')) != NULL) {
			if ((dir = str_ndup(path, slash == path ? 1 :
			    (size_t)(slash - path))) == NULL) {
				free(data);
				return MAUTH_ERR_NOMEM;
			}
			ps.dir = dir;
		}
	}
	if ((ps.p = calloc(1, sizeof(*ps.p))) == NULL ||
	    (ps.p->name = str_ndup(path, strlen(path))) == NULL) {
		free(ps.p);
		free(data);
		free(dir);
		return MAUTH_ERR_NOMEM;
	}
	parse_buf(&ps, buf, len);
	free(data);
	free(dir);
	if (ps.status != 0) {
		mauth_policy_free(ps.p);
		return ps.status;
	}
	*out = ps.p;
	return 0;
}

/* mauth_policy_load - load a rules file, keeping the first error */
int
mauth_policy_load(const char *path, struct mauth_policy **out, char *errbuf,
    size_t errlen)
{
	struct errfirst	 ef = { errbuf, errlen, 0 };

	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	return mauth_policy_load_each(path, NULL, 0, out, errfirst_fn, &ef);
}

/* mauth_policy_load_mem - load rules from memory, keeping the first error */
int
mauth_policy_load_mem(const char *name, const void *buf, size_t len,
    struct mauth_policy **out, char *errbuf, size_t errlen)
{
	struct errfirst	 ef = { errbuf, errlen, 0 };

	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	if (buf == NULL)
		buf = "";
	return mauth_policy_load_each(name != NULL ? name : "(rules)", buf, len,
	    out, errfirst_fn, &ef);
}

/* ---- decision ----------------------------------------------------------- */

/* bit - mask bit of an enum value v in 0..n), 0 if out of range */
static uint32_t
bit(int v, int n)
{
	return v >= 0 && v < n ? 1u << v : 0;
}

/* atom_holds - one atom against the facts, before "not" */
static int
atom_holds(const struct mauth_policy *p, const struct atom *a,
    const struct mauth_policy_facts *f)
{
	size_t	 i, n;

	switch (a->kind) {
	case A_SPF:
		return (a->mask & bit(f->spf, 7)) != 0;
	case A_DKIM:
		/* any signature with one of the results; none = no signature */
		n = f->ndkim < MAUTH_POLICY_MAX_DKIM ? f->ndkim :
		    MAUTH_POLICY_MAX_DKIM;
		if (n == 0)
			return (a->mask & 1u) != 0;
		for (i = 0; i < n; i++)
			if (a->mask & bit(f->dkim[i], 7))
				return 1;
		return 0;
	case A_DKIM_ALIGNED:
		return f->dkim_aligned;
	case A_DMARC:
		return (a->mask & bit(f->dmarc, 5)) != 0;
	case A_DMARC_POLICY:
		if (f->dmarc_policy == MAUTH_DMARC_POLICY_UNSET)
			return (a->mask & (1u << 3)) != 0;
		return (a->mask & bit(f->dmarc_policy, 3)) != 0;
	case A_DNS:
		return f->dns_temperror;
	case A_AUTH:
		return f->auth;
	case A_INTERNAL:
		return f->internal;
	case A_OUTGOING:
		return f->outgoing;
	case A_FROM_IN:
		if (f->from_domain == NULL || a->list >= p->nlists)
			return 0;
		return list_match(&p->lists[a->list], f->from_domain,
		    f->from_domain_len);
	}
	return 0;
}

/* rule_matches - conjunctions joined by "or" */
static int
rule_matches(const struct mauth_policy *p, const struct rule *r,
    const struct mauth_policy_facts *f)
{
	size_t	 i;
	int	 conj = 1;

	if (r->natoms == 0)
		return 1;
	for (i = 0; i < r->natoms; i++) {
		if (r->atoms[i].orbefore) {
			if (conj)
				return 1;
			conj = 1;
		}
		if (conj && atom_holds(p, &r->atoms[i], f) == r->atoms[i].neg)
			conj = 0;
	}
	return conj;
}

/* put_safe - append s to o (bounded), keeping only [A-Za-z0-9.-_] */
static size_t
put_safe(char *o, size_t olen, size_t at, const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n && at + 1 < olen; i++) {
		unsigned char c = (unsigned char)s[i];
		o[at++] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		    c == '_') ? (char)c : '?';
	}
	return at;
}

/*
 * expand - copy text to o with %{...} replaced by the facts; the result is
 * printable ASCII without CR/LF or '%' (RFC 5321 4.2.1 text; libmilter's
 * smfi_setreply treats '%' specially).
 */
static void
expand(const char *text, const struct mauth_policy_facts *f, char *o,
    size_t olen)
{
	const char	*s = text, *cl, *v;
	size_t		 at = 0, n;

	while (*s != '\0' && at + 1 < olen) {
		if (s[0] == '%' && s[1] == '{' &&
		    (cl = strchr(s, '}')) != NULL) {
			n = (size_t)(cl - s - 2);
			v = "";
			if (str_caseeq_n(s + 2, n, "from", 4)) {
				if (f->from_domain != NULL)
					at = put_safe(o, olen, at,
					    f->from_domain,
					    f->from_domain_len > POL_MAX_DOMAIN ?
					    POL_MAX_DOMAIN : f->from_domain_len);
			} else if (str_caseeq_n(s + 2, n, "spf", 3))
				v = mauth_spf_result_str(f->spf);
			else if (str_caseeq_n(s + 2, n, "dkim", 4))
				v = f->ndkim == 0 ? "none" :
				    mauth_dkim_result_str(f->dkim[0]);
			else if (str_caseeq_n(s + 2, n, "dmarc", 5))
				v = mauth_dmarc_result_str(f->dmarc);
			else if (str_caseeq_n(s + 2, n, "dmarc.policy", 12))
				v = f->dmarc_policy ==
				    MAUTH_DMARC_POLICY_UNSET ? "unset" :
				    mauth_dmarc_policy_str(f->dmarc_policy);
			at = put_safe(o, olen, at, v, strlen(v));
			s = cl + 1;
			continue;
		}
		if ((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f &&
		    *s != '%')
			o[at++] = *s;
		s++;
	}
	o[at] = '\0';
}

/* mauth_policy_decide - first matching rule's action */
int
mauth_policy_decide(const struct mauth_policy *p,
    const struct mauth_policy_facts *f, struct mauth_policy_decision *d)
{
	const struct rule	*r;
	size_t			 i;

	if (d == NULL)
		return MAUTH_ERR_INVAL;
	memset(d, 0, sizeof(*d));
	if (p == NULL || f == NULL) {
		d->action = MAUTH_POLICY_TEMPFAIL;
		d->smtp_code = 451;
		snprintf(d->esc, sizeof(d->esc), "4.3.0");
		snprintf(d->text, sizeof(d->text), "Temporary local problem");
		snprintf(d->reason, sizeof(d->reason), "no policy");
		return MAUTH_ERR_INVAL;
	}
	for (i = 0; i < p->nrules; i++) {
		r = &p->rules[i];
		if (!rule_matches(p, r, f))
			continue;
		d->action = r->action;
		d->rule = (unsigned)i + 1;
		snprintf(d->source, sizeof(d->source), "%.200s:%u", p->name,
		    r->line);
		snprintf(d->reason, sizeof(d->reason), "%s", r->cond);
		if (r->action == MAUTH_POLICY_REJECT ||
		    r->action == MAUTH_POLICY_TEMPFAIL) {
			d->smtp_code = r->code;
			snprintf(d->esc, sizeof(d->esc), "%s", r->esc);
			expand(r->text, f, d->text, sizeof(d->text));
		} else if (r->action == MAUTH_POLICY_ADD_HEADER) {
			snprintf(d->header_name, sizeof(d->header_name), "%s",
			    r->hname);
			expand(r->text, f, d->header_value,
			    sizeof(d->header_value));
		}
		return 0;
	}
	d->action = MAUTH_POLICY_ACCEPT;
	snprintf(d->reason, sizeof(d->reason), "no rule matched");
	return 0;
}
