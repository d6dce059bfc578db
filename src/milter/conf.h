/*
 * conf.h - mauthd configuration: one file, parsed with libconfuse from one
 * declarative table (conf.c) that also checks ranges, refuses unknown keys
 * and writes the documentation (mauthd --print-config-doc).
 */
#ifndef MAUTHD_CONF_H
#define MAUTHD_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MD_MAX_NETS		256	/* internal_networks entries */
#define MD_MAX_SIGN		256	/* sign { } sections */
#define MD_MAX_DNS		8	/* = MAUTH_DNS_MAX_SERVERS */

enum md_mode {
	MD_MODE_SIGN = 1,
	MD_MODE_VERIFY = 2
};

enum md_action {
	MD_ACT_TEMPFAIL = 0,
	MD_ACT_ACCEPT,
	MD_ACT_REJECT
};

enum md_log {
	MD_LOG_SYSLOG = 0,
	MD_LOG_STDERR
};

/* One network of internal_networks. */
struct md_net {
	int		 family;	/* AF_INET or AF_INET6 */
	uint8_t		 addr[16];
	unsigned	 prefix;
};

/* One signing table entry: From domain pattern -> selector + key file. */
struct md_sign {
	char		*pattern;	/* "example.com" or "*.example.com" */
	char		*selector;
	char		*keyfile;
	int		 algorithm;	/* enum mauth_sign_alg */
	int		 canon;		/* enum mauth_canon, header and body */
};

struct md_conf {
	char		*path;
	char		*socket;
	unsigned	 socket_mode;
	char		*pidfile;
	char		*user;
	char		*authserv_id;
	int		 mode;		/* MD_MODE_* bits */
	struct md_net	 nets[MD_MAX_NETS];
	size_t		 nnets;
	bool		 sign_authenticated;
	struct md_sign	 sign[MD_MAX_SIGN];
	size_t		 nsign;
	char		*dns_servers[MD_MAX_DNS];
	size_t		 ndns;
	unsigned	 dns_timeout_ms;
	unsigned	 dns_retries;
	char		*dns_zone_file;
	unsigned	 dns_cache_entries;
	int		 dmarc_mode;	/* enum mauth_dmarc_mode */
	char		*psl_file;
	unsigned	 max_signatures;
	unsigned	 max_headers;
	unsigned	 dns_time_ms;
	unsigned	 max_dns_queries;
	char		*rules_file;
	int		 failsafe;	/* enum md_action */
	int		 log;		/* enum md_log */
	bool		 log_debug;
};

/*
 * md_conf_load - parse path into a new configuration.  Errors go to err
 * (one "file:line: message" line each, may be NULL); returns NULL when the
 * file has any error (every error found is printed first).
 */
struct md_conf	*md_conf_load(const char *path, FILE *err);
/* md_conf_parse - the same for len bytes of text; name is used in errors */
struct md_conf	*md_conf_parse(const char *name, const char *text, size_t len,
		    FILE *err);
void		 md_conf_free(struct md_conf *c);
/* md_conf_doc - the documented example configuration, from the table */
void		 md_conf_doc(FILE *fp);
/* md_net_match - is the address text ip inside one of c's internal networks? */
bool		 md_net_match(const struct md_conf *c, const char *ip);
/*
 * md_sign_lookup - the signing table entries for an Author Domain: exact
 * matches first, else the most specific "*.parent" wildcard; returns the
 * count (at most max) and their indexes in idx.
 */
size_t		 md_sign_lookup(const struct md_conf *c, const char *domain,
		    size_t *idx, size_t max);
const char	*md_action_name(int a);

#endif /* MAUTHD_CONF_H */
