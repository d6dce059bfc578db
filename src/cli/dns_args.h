/*
 * dns_args.h - the DNS options shared by mauth subcommands (--zone,
 * --dns-server, --timeout, --retries) and the resolver they describe.
 *
 * Same behaviour as "mauth spf": --zone and --dns-server exclude each other,
 * the resolver gets a TTL cache, errors are one line (exit status 2 for bad
 * input, 1 for resource failures).
 */
#ifndef MAUTH_CLI_DNS_ARGS_H
#define MAUTH_CLI_DNS_ARGS_H

#include <stddef.h>

#include "mauth/dns.h"

#define CLI_DNS_TIMEOUT_MAX_MS	60000
#define CLI_DNS_RETRIES_MAX	10

struct cli_dns_args {
	const char	*zone;
	const char	*servers[MAUTH_DNS_MAX_SERVERS];
	size_t		 nservers;
	unsigned	 timeout_ms;	/* 0: library default */
	unsigned	 retries;	/* 0: library default */
};

/*
 * getopt_long codes of the DNS options; a subcommand numbers its own options
 * from CLI_DNS_OPT_END on.
 */
enum {
	CLI_DNS_OPT_ZONE = 256,
	CLI_DNS_OPT_SERVER,
	CLI_DNS_OPT_TIMEOUT,
	CLI_DNS_OPT_RETRIES,
	CLI_DNS_OPT_END
};

/* the struct option entries of the DNS options, for a longopts table */
#define CLI_DNS_LONGOPTS						\
	{ "zone",	required_argument, NULL, CLI_DNS_OPT_ZONE },	\
	{ "dns-server",	required_argument, NULL, CLI_DNS_OPT_SERVER },	\
	{ "timeout",	required_argument, NULL, CLI_DNS_OPT_TIMEOUT },	\
	{ "retries",	required_argument, NULL, CLI_DNS_OPT_RETRIES }

/* Each returns 0, or the exit status after printing the error line. */
int	cli_dns_set_zone(struct cli_dns_args *d, const char *arg);
int	cli_dns_add_server(struct cli_dns_args *d, const char *arg);
int	cli_dns_set_timeout(struct cli_dns_args *d, const char *arg);
int	cli_dns_set_retries(struct cli_dns_args *d, const char *arg);
/* cli_dns_option - apply option ch (a CLI_DNS_OPT_* code) with its arg */
int	cli_dns_option(struct cli_dns_args *d, int ch, const char *arg);
/* cli_dns_check - the combination is usable (not --zone with --dns-server) */
int	cli_dns_check(const struct cli_dns_args *d);

/*
 * cli_dns_open - the resolver described by d, with a cache in front.
 * Returns 0 and *out, or the exit status (error printed, *out NULL).
 */
int	cli_dns_open(const struct cli_dns_args *d, struct mauth_resolver **out);

#endif
