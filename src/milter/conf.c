/*
 * conf.c - mauthd configuration from one declarative table.
 *
 * The table below is the only description of the configuration: it builds
 * libconfuse's option list, carries the range and choice checks (run while
 * the file is parsed, so errors name file:line), and writes the commented
 * example (md_conf_doc).  libconfuse refuses unknown keys itself; it stops
 * at a syntax error, so the file is parsed again without that line to
 * report every error in one run.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <confuse.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mauth/dmarc.h"
#include "mauth/dns.h"
#include "mauth/sign.h"
#include "util/str.h"

#include "conf.h"

enum md_type {
	T_STR,		/* free text (a path, a name) */
	T_INT,		/* integer in [min, max] */
	T_BOOL,
	T_ENUM,		/* one word of choices */
	T_LIST,		/* list of strings: { "a", "b" } */
	T_SECTION	/* the sign { } table */
};

struct md_key {
	const char		*key;
	int			 type;
	const char		*def;	/* default (text, also for doc) */
	long			 min;
	long			 max;
	const char *const	*choices; /* T_ENUM: NULL-terminated */
	const char		*doc;
};

static const char *const mode_words[] = { "sign", "verify", "sign+verify",
    NULL };
static const char *const dmarc_words[] = { "rfc9989", "rfc7489", NULL };
static const char *const action_words[] = { "tempfail", "accept", "reject",
    NULL };
static const char *const log_words[] = { "syslog", "stderr", NULL };
static const char *const alg_words[] = { "default", "rsa-sha256",
    "ed25519-sha256", NULL };
static const char *const canon_words[] = { "simple", "relaxed", NULL };

/* The configuration keys, in documentation order. */
static const struct md_key keys[] = {
	{ "socket", T_STR, "inet:8893@127.0.0.1", 0, 0, NULL,
	  "where the MTA connects: inet:PORT@ADDR, inet6:PORT@ADDR or "
	  "unix:PATH" },
	{ "socket_mode", T_INT, "0660", 0, 0777, NULL,
	  "permissions of a unix socket (octal with a leading 0); it is "
	  "owned by user (below): add the MTA's user (postfix) to its group" },
	{ "pidfile", T_STR, "", 0, 0, NULL,
	  "file written with the daemon's process id; empty: none" },
	{ "user", T_STR, "", 0, 0, NULL,
	  "user to run as after the socket, pid file, keys and rules are "
	  "opened (its primary group too); empty: keep the current user" },
	{ "authserv_id", T_STR, "", 0, 0, NULL,
	  "authserv-id of the Authentication-Results header (RFC 8601); "
	  "headers claiming it are removed from incoming mail; empty: the "
	  "host name" },
	{ "mode", T_ENUM, "sign+verify", 0, 0, mode_words,
	  "sign outgoing mail, verify incoming mail, or both" },
	{ "internal_networks", T_LIST, "{\"127.0.0.0/8\", \"::1/128\"}", 0, 0,
	  NULL,
	  "clients in these networks (CIDR) send outgoing mail: it is "
	  "signed, not verified" },
	{ "sign_authenticated", T_BOOL, "true", 0, 0, NULL,
	  "mail from SMTP-authenticated clients ({auth_authen}) is outgoing" },
	{ "sign", T_SECTION, NULL, 0, 0, NULL,
	  "signing table entry, repeatable: sign { domain = \"example.com\"; "
	  "selector = \"s1\"; key = \"/etc/mauth/s1.pem\"; }; domain "
	  "\"*.example.com\" matches subdomains; several entries for one "
	  "domain make several signatures (RSA + Ed25519)" },
	{ "dns_servers", T_LIST, "{}", 0, 0, NULL,
	  "DNS servers (IP or IP:PORT or [IPv6]:PORT); empty: "
	  "/etc/resolv.conf" },
	{ "dns_timeout_ms", T_INT, "2000", 100, 30000, NULL,
	  "wait for one DNS answer, milliseconds" },
	{ "dns_retries", T_INT, "2", 1, 10, NULL,
	  "tries per DNS server" },
	{ "dns_zone_file", T_STR, "", 0, 0, NULL,
	  "answer DNS queries only from this zone file (tests, dry runs); "
	  "replaces dns_servers" },
	{ "dns_cache_entries", T_INT, "10000", 0, 1000000, NULL,
	  "DNS answers kept in the TTL cache; 0: no cache" },
	{ "dns_time_ms", T_INT, "10000", 100, 60000, NULL,
	  "total DNS wait for one message (SPF, DKIM, DMARC); keep it well "
	  "below the MTA's milter timeouts" },
	{ "max_dns_queries", T_INT, "300", 10, 10000, NULL,
	  "DNS queries for one message" },
	{ "dmarc_mode", T_ENUM, "rfc9989", 0, 0, dmarc_words,
	  "organizational domain: rfc9989 (DNS tree walk) or rfc7489 "
	  "(Public Suffix List)" },
	{ "psl_file", T_STR, "", 0, 0, NULL,
	  "Public Suffix List for rfc7489 mode; empty: the system's" },
	{ "max_signatures", T_INT, "5", 1, 50, NULL,
	  "DKIM signatures verified per message" },
	{ "max_headers", T_INT, "1000", 10, 100000, NULL,
	  "header fields per message" },
	{ "rules_file", T_STR, "", 0, 0, NULL,
	  "policy rules (rules/default.rules format); empty: accept" },
	{ "failsafe", T_ENUM, "tempfail", 0, 0, action_words,
	  "action on any internal error: tempfail, accept or reject" },
	{ "log", T_ENUM, "syslog", 0, 0, log_words,
	  "where log lines go: syslog (mail facility) or stderr" },
	{ "log_debug", T_BOOL, "false", 0, 0, NULL,
	  "also log each callback (debugging)" },
};
#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

/* Keys of one sign { } section. */
static const struct md_key sign_keys[] = {
	{ "domain", T_STR, "", 0, 0, NULL,
	  "From domain: \"example.com\" or \"*.example.com\" (subdomains)" },
	{ "selector", T_STR, "", 0, 0, NULL, "s= of the signature" },
	{ "key", T_STR, "", 0, 0, NULL,
	  "private key file (PEM or DER, RSA 1024..4096 or Ed25519)" },
	{ "algorithm", T_ENUM, "default", 0, 0, alg_words,
	  "default: from the key" },
	{ "canonicalization", T_ENUM, "relaxed", 0, 0, canon_words,
	  "header and body canonicalization" },
};
#define NSIGN_KEYS	(sizeof(sign_keys) / sizeof(sign_keys[0]))

#define MD_CONF_MAX_BYTES	(1024 * 1024)	/* a larger file is refused */
#define MD_CONF_MAX_ERRORS	50	/* reported per file */
#define MD_CONF_MAX_MSG		300

struct conf_msg {
	int	line;
	char	text[MD_CONF_MAX_MSG];
};

/* the parse in progress (libconfuse calls back without a user pointer) */
static __thread struct conf_msg *cur_msg;	/* this pass's errors */
static __thread int	 cur_nerr;
static __thread cfg_opt_t *list_opt;	/* list whose elements were checked */
static __thread unsigned list_checked;
static __thread int	 list_line;

static void	conf_errfunc(cfg_t *, const char *, va_list)
		    __attribute__((__format__(__printf__, 2, 0)));

/* conf_errfunc - keep one error with its line (printed when all are in) */
static void
conf_errfunc(cfg_t *cfg, const char *fmt, va_list ap)
{
	char raw[MD_CONF_MAX_MSG];
	struct conf_msg *m;
	size_t i, n = 0;

	if (cur_msg == NULL || cur_nerr >= MD_CONF_MAX_ERRORS) {
		cur_nerr++;
		return;
	}
	m = &cur_msg[cur_nerr++];
	m->line = cfg != NULL && cfg->line > 0 ? cfg->line : 0;
	vsnprintf(raw, sizeof(raw), fmt, ap);
	/* values from the file may hold any byte: one printable line */
	for (i = 0; raw[i] != '\0' && n + 5 < sizeof(m->text); i++) {
		unsigned char ch = (unsigned char)raw[i];

		if (ch < 0x20 || ch >= 0x7f)
			n += (size_t)snprintf(m->text + n, sizeof(m->text) - n,
			    "\\x%02X", ch);
		else
			m->text[n++] = (char)ch;
	}
	m->text[n] = '\0';
}

/* choice_index - index of word in a NULL-terminated list, or -1 */
static int
choice_index(const char *const *words, const char *w)
{
	int i;

	for (i = 0; words[i] != NULL; i++)
		if (strcmp(words[i], w) == 0)
			return i;
	return -1;
}

/* find_key - the table entry for an option name */
static const struct md_key *
find_key(const struct md_key *t, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(t[i].key, name) == 0)
			return &t[i];
	return NULL;
}

/* parse_cidr - "ADDR[/PREFIX]" into a network; -1 if malformed */
static int
parse_cidr(const char *s, struct md_net *n)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash;
	uint64_t v;
	size_t alen;
	unsigned maxp;

	memset(n, 0, sizeof(*n));
	slash = strchr(s, '/');
	alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(addr))
		return -1;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, n->addr) == 1) {
		n->family = AF_INET;
		maxp = 32;
	} else if (inet_pton(AF_INET6, addr, n->addr) == 1) {
		n->family = AF_INET6;
		maxp = 128;
	} else
		return -1;
	n->prefix = maxp;
	if (slash != NULL) {
		if (!str_to_u64(slash + 1, strlen(slash + 1), maxp, &v))
			return -1;
		n->prefix = (unsigned)v;
	}
	return 0;
}

/* valid_pattern - a signing domain: name or "*." name, DNS characters */
static bool
valid_pattern(const char *p)
{
	size_t i, len;

	if (strncmp(p, "*.", 2) == 0)
		p += 2;
	len = strlen(p);
	if (len == 0 || len > 253 || p[0] == '.' || p[len - 1] == '.')
		return false;
	for (i = 0; i < len; i++) {
		char c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_'))
			return false;
		if (c == '.' && p[i + 1] == '.')
			return false;
	}
	return true;
}

/*
 * check_opt - libconfuse validation callback, run as each option is read
 * (so cfg->line is its line): range and choice checks from the table.
 * Errors are counted and parsing goes on, to report all of them.
 */
static int
check_opt(cfg_t *cfg, cfg_opt_t *opt)
{
	const struct md_key *k;
	unsigned i, n;

	/* the two tables have no name in common */
	if ((k = find_key(keys, NKEYS, opt->name)) == NULL)
		k = find_key(sign_keys, NSIGN_KEYS, opt->name);
	n = cfg_opt_size(opt);
	if (k == NULL || (n == 0 && k->type != T_LIST))
		return 0;
	switch (k->type) {
	case T_INT: {
		long v = cfg_opt_getnint(opt, n - 1);

		if ((v < k->min || v > k->max) &&
		    strcmp(k->key, "socket_mode") == 0)
			cfg_error(cfg, "%s: %#lo is out of range [0, %#lo]",
			    k->key, (unsigned long)v, (unsigned long)k->max);
		else if (v < k->min || v > k->max)
			cfg_error(cfg, "%s: %ld is out of range [%ld, %ld]",
			    k->key, v, k->min, k->max);
		break;
	}
	case T_ENUM: {
		const char *v = cfg_opt_getnstr(opt, n - 1);
		size_t j;

		if (v != NULL && choice_index(k->choices, v) == -1) {
			char list[256];
			size_t off = 0;

			list[0] = '\0';
			for (j = 0; k->choices[j] != NULL; j++) {
				int w = snprintf(list + off,
				    sizeof(list) - off, "%s%s",
				    j > 0 ? ", " : "", k->choices[j]);
				if (w < 0 || (size_t)w >= sizeof(list) - off)
					break;
				off += (size_t)w;
			}
			cfg_error(cfg, "%s: '%s' is not one of: %s", k->key,
			    v, list);
		}
		break;
	}
	case T_LIST:
		/*
		 * libconfuse calls back after each element (check the last
		 * one) and once more after the list (skip it)
		 */
		if (opt == list_opt && n == list_checked &&
		    cfg->line == list_line)
			break;
		list_opt = opt;
		list_checked = n;
		list_line = cfg->line;
		i = n > 0 ? n - 1 : 0;
		if (strcmp(k->key, "internal_networks") == 0) {
			struct md_net net;

			if (n == MD_MAX_NETS + 1)
				cfg_error(cfg, "%s: more than %d entries",
				    k->key, MD_MAX_NETS);
			for (; i < n; i++)
				if (parse_cidr(cfg_opt_getnstr(opt, i),
				    &net) == -1)
					cfg_error(cfg, "%s: '%s' is not an "
					    "address or CIDR network", k->key,
					    cfg_opt_getnstr(opt, i));
		} else if (strcmp(k->key, "dns_servers") == 0) {
			char why[128];

			if (n == MD_MAX_DNS + 1)
				cfg_error(cfg, "%s: more than %d servers",
				    k->key, MD_MAX_DNS);
			for (; i < n; i++) {
				why[0] = '\0';
				if (mauth_dns_server_check(
				    cfg_opt_getnstr(opt, i), why,
				    sizeof(why)) != MAUTH_OK)
					cfg_error(cfg, "%s: %s", k->key,
					    why[0] != '\0' ? why :
					    "not an address");
			}
		}
		break;
	case T_STR:
		if (strcmp(k->key, "domain") == 0) {
			const char *v = cfg_opt_getnstr(opt, n - 1);

			if (v == NULL || !valid_pattern(v))
				cfg_error(cfg, "domain: '%s' is not a domain "
				    "name or *.domain", v != NULL ? v : "");
		}
		break;
	case T_SECTION: {
		cfg_t *sec = cfg_opt_getnsec(opt, n - 1);
		const char *req[] = { "domain", "selector", "key" };
		size_t j;

		if (n > MD_MAX_SIGN)
			cfg_error(cfg, "sign: more than %d entries",
			    MD_MAX_SIGN);
		for (j = 0; j < 3; j++) {
			const char *v = cfg_getstr(sec, req[j]);

			if (v == NULL || v[0] == '\0')
				cfg_error(cfg, "sign: '%s' is missing",
				    req[j]);
		}
		break;
	}
	}
	return 0;
}

/* build_opts - libconfuse's option list from a table; out has n + 1 slots */
static void
build_opts(const struct md_key *t, size_t n, cfg_opt_t *out,
    cfg_opt_t *signopts)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct md_key *k = &t[i];
		long v;

		switch (k->type) {
		case T_STR:
		case T_ENUM:
			out[i] = (cfg_opt_t)CFG_STR(k->key, k->def,
			    CFGF_NONE);
			break;
		case T_INT:
			v = strtol(k->def, NULL, 0);	/* "0660": octal */
			out[i] = (cfg_opt_t)CFG_INT(k->key, v, CFGF_NONE);
			break;
		case T_BOOL:
			out[i] = (cfg_opt_t)CFG_BOOL(k->key,
			    strcmp(k->def, "true") == 0 ? cfg_true :
			    cfg_false, CFGF_NONE);
			break;
		case T_LIST:
			out[i] = (cfg_opt_t)CFG_STR_LIST(k->key, (char *)k->def,
			    CFGF_NONE);
			break;
		case T_SECTION:
			out[i] = (cfg_opt_t)CFG_SEC(k->key, signopts,
			    CFGF_MULTI);
			break;
		}
		out[i].validcb = check_opt;
	}
	out[n] = (cfg_opt_t)CFG_END();
}

/* dup_opt - copy of a string option; "" becomes NULL */
static int
dup_opt(cfg_t *cfg, const char *name, char **out)
{
	const char *v = cfg_getstr(cfg, name);

	*out = NULL;
	if (v == NULL || v[0] == '\0')
		return 0;
	if ((*out = strdup(v)) == NULL)
		return -1;
	return 0;
}

/* fill - copy the parsed values into c; -1 on allocation failure */
static int
fill(cfg_t *cfg, struct md_conf *c)
{
	const char *v;
	unsigned i, n;

	if (dup_opt(cfg, "socket", &c->socket) == -1 ||
	    dup_opt(cfg, "pidfile", &c->pidfile) == -1 ||
	    dup_opt(cfg, "user", &c->user) == -1 ||
	    dup_opt(cfg, "authserv_id", &c->authserv_id) == -1 ||
	    dup_opt(cfg, "dns_zone_file", &c->dns_zone_file) == -1 ||
	    dup_opt(cfg, "psl_file", &c->psl_file) == -1 ||
	    dup_opt(cfg, "rules_file", &c->rules_file) == -1)
		return -1;
	v = cfg_getstr(cfg, "mode");
	c->mode = strcmp(v, "sign") == 0 ? MD_MODE_SIGN :
	    strcmp(v, "verify") == 0 ? MD_MODE_VERIFY :
	    MD_MODE_SIGN | MD_MODE_VERIFY;
	n = cfg_size(cfg, "internal_networks");
	for (i = 0; i < n && i < MD_MAX_NETS; i++)
		if (parse_cidr(cfg_getnstr(cfg, "internal_networks", i),
		    &c->nets[c->nnets]) == 0)
			c->nnets++;
	c->sign_authenticated = cfg_getbool(cfg, "sign_authenticated");
	n = cfg_size(cfg, "sign");
	for (i = 0; i < n && i < MD_MAX_SIGN; i++) {
		cfg_t *s = cfg_getnsec(cfg, "sign", i);
		struct md_sign *e = &c->sign[c->nsign++];
		int a;

		if (dup_opt(s, "domain", &e->pattern) == -1 ||
		    dup_opt(s, "selector", &e->selector) == -1 ||
		    dup_opt(s, "key", &e->keyfile) == -1)
			return -1;
		a = choice_index(alg_words, cfg_getstr(s, "algorithm"));
		e->algorithm = a == 1 ? MAUTH_SIGN_RSA_SHA256 :
		    a == 2 ? MAUTH_SIGN_ED25519_SHA256 :
		    MAUTH_SIGN_ALG_DEFAULT;
		e->canon = strcmp(cfg_getstr(s, "canonicalization"),
		    "simple") == 0 ? MAUTH_CANON_SIMPLE : MAUTH_CANON_RELAXED;
	}
	n = cfg_size(cfg, "dns_servers");
	for (i = 0; i < n && i < MD_MAX_DNS; i++)
		if ((c->dns_servers[c->ndns++] = strdup(cfg_getnstr(cfg,
		    "dns_servers", i))) == NULL)
			return -1;
	c->socket_mode = (unsigned)cfg_getint(cfg, "socket_mode");
	c->dns_timeout_ms = (unsigned)cfg_getint(cfg, "dns_timeout_ms");
	c->dns_retries = (unsigned)cfg_getint(cfg, "dns_retries");
	c->dns_cache_entries = (unsigned)cfg_getint(cfg, "dns_cache_entries");
	c->dns_time_ms = (unsigned)cfg_getint(cfg, "dns_time_ms");
	c->max_dns_queries = (unsigned)cfg_getint(cfg, "max_dns_queries");
	c->dmarc_mode = strcmp(cfg_getstr(cfg, "dmarc_mode"), "rfc7489") ==
	    0 ? MAUTH_DMARC_RFC7489 : MAUTH_DMARC_RFC9989;
	c->max_signatures = (unsigned)cfg_getint(cfg, "max_signatures");
	c->max_headers = (unsigned)cfg_getint(cfg, "max_headers");
	c->failsafe = choice_index(action_words, cfg_getstr(cfg,
	    "failsafe"));
	c->log = choice_index(log_words, cfg_getstr(cfg, "log"));
	c->log_debug = cfg_getbool(cfg, "log_debug");
	return 0;
}

/* read_file - the whole file, NUL-terminated; NULL with *why set */
static char *
read_file(const char *path, size_t *lenp, const char **why)
{
	char *buf;
	size_t len = 0, n;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		*why = strerror(errno);
		return NULL;
	}
	if ((buf = malloc(MD_CONF_MAX_BYTES + 1)) == NULL) {
		fclose(fp);
		*why = "out of memory";
		return NULL;
	}
	while ((n = fread(buf + len, 1, MD_CONF_MAX_BYTES + 1 - len, fp)) > 0)
		if ((len += n) > MD_CONF_MAX_BYTES)
			break;
	if (ferror(fp) || len > MD_CONF_MAX_BYTES) {
		*why = ferror(fp) ? strerror(errno) : "larger than 1 MiB";
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

/* blank_line - replace line's text (1-based) with spaces; 0 if none */
static int
blank_line(char *buf, size_t len, int line)
{
	size_t i = 0;
	int l = 1;

	while (i < len && l < line)
		if (buf[i++] == '\n')
			l++;
	if (l != line || i >= len)
		return 0;
	for (; i < len && buf[i] != '\n'; i++)
		buf[i] = ' ';
	return 1;
}

/* msg_cmp - errors by line, in the order found within a line */
static int
msg_cmp(const void *a, const void *b)
{
	const struct conf_msg *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x < y ? -1 : x > y;
}

/*
 * parse_all - parse buf; libconfuse stops at a syntax error, so the line
 * of each one is kept, blanked and the text parsed again, to report every
 * error of the file in one run (later syntax errors may follow from an
 * earlier one, as with a compiler).  Returns the parsed cfg or NULL; the
 * errors are in msgs[0..*nmsg).
 */
static cfg_t *
parse_all(cfg_opt_t *opts, char *buf, size_t len, struct conf_msg *msgs,
    int *nmsg)
{
	struct conf_msg pass[MD_CONF_MAX_ERRORS];
	int nsyntax = 0, pass_n, i, rc;
	cfg_t *cfg;

	for (;;) {
		if ((cfg = cfg_init(opts, CFGF_NONE)) == NULL)
			return NULL;
		cur_msg = pass;
		cur_nerr = 0;
		list_opt = NULL;
		list_checked = 0;
		list_line = 0;
		cfg_set_error_function(cfg, conf_errfunc);
		rc = cfg_parse_buf(cfg, buf);
		pass_n = cur_nerr < MD_CONF_MAX_ERRORS ? cur_nerr :
		    MD_CONF_MAX_ERRORS;
		cur_msg = NULL;
		if (rc == CFG_SUCCESS || pass_n == 0 ||
		    nsyntax + 1 >= MD_CONF_MAX_ERRORS ||
		    !blank_line(buf, len, pass[pass_n - 1].line)) {
			/* the last pass: all its errors, after the syntax ones */
			for (i = 0; i < pass_n && nsyntax < MD_CONF_MAX_ERRORS;
			    i++)
				msgs[nsyntax++] = pass[i];
			if (rc != CFG_SUCCESS && pass_n == 0)
				snprintf(msgs[nsyntax++].text,
				    sizeof(msgs[0].text), "syntax error");
			*nmsg = nsyntax;
			if (nsyntax == 0)
				return cfg;
			cfg_free(cfg);
			return NULL;
		}
		/* a syntax error ends the pass: its message is the last one */
		msgs[nsyntax++] = pass[pass_n - 1];
		cfg_free(cfg);
	}
}

/* md_conf_parse - see conf.h */
struct md_conf *
md_conf_parse(const char *name, const char *text, size_t len, FILE *err)
{
	cfg_opt_t signopts[NSIGN_KEYS + 1], opts[NKEYS + 1];
	struct conf_msg msgs[MD_CONF_MAX_ERRORS];
	struct md_conf *c;
	char *buf;
	cfg_t *cfg;
	size_t i;
	int nmsg = 0;

	if (len > MD_CONF_MAX_BYTES) {
		if (err != NULL)
			fprintf(err, "%s: larger than 1 MiB\n", name);
		return NULL;
	}
	if ((i = strnlen(text, len)) < len) {
		if (err != NULL)
			fprintf(err, "%s: NUL byte at offset %zu\n", name, i);
		return NULL;
	}
	/* a copy: parse_all blanks the lines of syntax errors */
	if ((buf = malloc(len + 1)) == NULL) {
		if (err != NULL)
			fprintf(err, "%s: out of memory\n", name);
		return NULL;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	build_opts(sign_keys, NSIGN_KEYS, signopts, NULL);
	build_opts(keys, NKEYS, opts, signopts);
	cfg = parse_all(opts, buf, len, msgs, &nmsg);
	free(buf);
	if (cfg == NULL) {
		qsort(msgs, (size_t)nmsg, sizeof(msgs[0]), msg_cmp);
		for (i = 0; err != NULL && i < (size_t)nmsg; i++)
			if (msgs[i].line > 0)
				fprintf(err, "%s:%d: %s\n", name, msgs[i].line,
				    msgs[i].text);
			else
				fprintf(err, "%s: %s\n", name, msgs[i].text);
		if (nmsg == 0 && err != NULL)
			fprintf(err, "%s: out of memory\n", name);
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->path = strdup(name)) == NULL || fill(cfg, c) == -1) {
		if (err != NULL)
			fprintf(err, "%s: out of memory\n", name);
		md_conf_free(c);
		cfg_free(cfg);
		return NULL;
	}
	cfg_free(cfg);
	return c;
}

/* md_conf_load - see conf.h */
struct md_conf *
md_conf_load(const char *path, FILE *err)
{
	struct md_conf *c;
	const char *why = NULL;
	size_t len;
	char *buf;

	if ((buf = read_file(path, &len, &why)) == NULL) {
		if (err != NULL)
			fprintf(err, "%s: %s\n", path, why);
		return NULL;
	}
	c = md_conf_parse(path, buf, len, err);
	free(buf);
	return c;
}

/* md_conf_free - free a configuration; NULL is a no-op */
void
md_conf_free(struct md_conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	free(c->path);
	free(c->socket);
	free(c->pidfile);
	free(c->user);
	free(c->authserv_id);
	free(c->dns_zone_file);
	free(c->psl_file);
	free(c->rules_file);
	for (i = 0; i < c->nsign; i++) {
		free(c->sign[i].pattern);
		free(c->sign[i].selector);
		free(c->sign[i].keyfile);
	}
	for (i = 0; i < c->ndns; i++)
		free(c->dns_servers[i]);
	free(c);
}

/* doc_wrap - text as "# " comment lines of at most 72 columns */
static void
doc_wrap(FILE *fp, const char *indent, const char *text)
{
	const char *p = text, *brk;
	size_t col;

	while (*p != '\0') {
		brk = NULL;
		for (col = 0; p[col] != '\0' && col < 70; col++)
			if (p[col] == ' ')
				brk = p + col;
		if (p[col] == '\0' || brk == NULL)
			brk = p + col;
		fprintf(fp, "%s# %.*s\n", indent, (int)(brk - p), p);
		p = brk;
		while (*p == ' ')
			p++;
	}
}

/* doc_key - one documented key: comment lines, then "key = default" */
static void
doc_key(FILE *fp, const struct md_key *k, const char *indent)
{
	size_t j;

	doc_wrap(fp, indent, k->doc);
	if (k->type == T_INT && k->def[0] == '0' && k->def[1] != '\0')
		fprintf(fp, "%s#   range 0..%#lo\n", indent, k->max);
	else if (k->type == T_INT)
		fprintf(fp, "%s#   range %ld..%ld\n", indent, k->min, k->max);
	if (k->type == T_ENUM) {
		fprintf(fp, "%s#   one of:", indent);
		for (j = 0; k->choices[j] != NULL; j++)
			fprintf(fp, " %s", k->choices[j]);
		fputc('\n', fp);
	}
	switch (k->type) {
	case T_STR:
	case T_ENUM:
		fprintf(fp, "%s#%s = \"%s\"\n", indent, k->key, k->def);
		break;
	case T_INT:
	case T_BOOL:
	case T_LIST:
		fprintf(fp, "%s#%s = %s\n", indent, k->key, k->def);
		break;
	}
}

/* md_conf_doc - see conf.h */
void
md_conf_doc(FILE *fp)
{
	size_t i, j;

	fprintf(fp, "# mauthd configuration (generated by "
	    "mauthd --print-config-doc).\n"
	    "# Syntax: key = value; strings in double quotes; lists in "
	    "{ }; # comments.\n"
	    "# Every key is shown with its default, commented out.  "
	    "Unknown keys and\n# out-of-range values are errors "
	    "(mauthd -n checks a file).\n\n");
	for (i = 0; i < NKEYS; i++) {
		if (keys[i].type == T_SECTION) {
			fprintf(fp, "# %s\n#sign {\n", keys[i].doc);
			for (j = 0; j < NSIGN_KEYS; j++)
				doc_key(fp, &sign_keys[j], "#\t");
			fprintf(fp, "#}\n\n");
			continue;
		}
		doc_key(fp, &keys[i], "");
		fputc('\n', fp);
	}
}

/* net_contains - is addr (family f) inside n? */
static bool
net_contains(const struct md_net *n, int f, const uint8_t *addr)
{
	unsigned full, rest;

	if (n->family != f)
		return false;
	full = n->prefix / 8;
	rest = n->prefix % 8;
	if (memcmp(n->addr, addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((n->addr[full] ^ addr[full]) & (0xff << (8 - rest)) &
	    0xff) == 0;
}

/* md_net_match - see conf.h; IPv4-mapped IPv6 addresses match IPv4 nets */
bool
md_net_match(const struct md_conf *c, const char *ip)
{
	uint8_t a[16];
	size_t i;
	int f;

	if (ip == NULL)
		return false;
	if (inet_pton(AF_INET, ip, a) == 1)
		f = AF_INET;
	else if (inet_pton(AF_INET6, ip, a) == 1) {
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
		    0, 0, 0xff, 0xff };

		f = AF_INET6;
		if (memcmp(a, mapped, 12) == 0) {
			memmove(a, a + 12, 4);
			f = AF_INET;
		}
	} else
		return false;
	for (i = 0; i < c->nnets; i++)
		if (net_contains(&c->nets[i], f, a))
			return true;
	return false;
}

/* md_sign_lookup - see conf.h */
size_t
md_sign_lookup(const struct md_conf *c, const char *domain, size_t *idx,
    size_t max)
{
	const char *d;
	size_t i, n = 0;

	if (domain == NULL)
		return 0;
	for (i = 0; i < c->nsign && n < max; i++)
		if (str_casecmp(c->sign[i].pattern, domain) == 0)
			idx[n++] = i;
	if (n > 0)
		return n;
	/* the closest parent with a "*.parent" entry */
	for (d = strchr(domain, '.'); d != NULL; d = strchr(d + 1, '.')) {
		for (i = 0; i < c->nsign && n < max; i++) {
			const char *p = c->sign[i].pattern;

			if (strncmp(p, "*.", 2) == 0 &&
			    str_casecmp(p + 2, d + 1) == 0)
				idx[n++] = i;
		}
		if (n > 0)
			return n;
	}
	return 0;
}

/* md_action_name - text of enum md_action */
const char *
md_action_name(int a)
{
	return a >= 0 && a < 3 ? action_words[a] : "?";
}
