/*
 * dns_args.c - DNS options of the mauth subcommands and the resolver setup
 * (zone file or ldns, with a TTL cache).
 */
#include <string.h>

#include "mauth/mauth.h"
#include "cli/cli.h"
#include "cli/dns_args.h"

#define CLI_DNS_CACHE_ENTRIES	4096
#define CLI_DNS_CACHE_MAX_TTL	3600

/* cli_dns_set_zone - --zone FILE (once) */
int
cli_dns_set_zone(struct cli_dns_args *d, const char *arg)
{
	if (d->zone != NULL)
		return cli_error("--zone given twice");
	d->zone = arg;
	return 0;
}

/* cli_dns_add_server - --dns-server ADDR (repeatable) */
int
cli_dns_add_server(struct cli_dns_args *d, const char *arg)
{
	if (d->nservers == MAUTH_DNS_MAX_SERVERS)
		return cli_error("--dns-server: at most %d servers",
		    MAUTH_DNS_MAX_SERVERS);
	if (arg[0] == '\0')
		return cli_error("--dns-server: empty address");
	d->servers[d->nservers++] = arg;
	return 0;
}

/* cli_dns_set_timeout - --timeout MS */
int
cli_dns_set_timeout(struct cli_dns_args *d, const char *arg)
{
	if (cli_parse_uint(arg, 1, CLI_DNS_TIMEOUT_MAX_MS,
	    &d->timeout_ms) == -1)
		return cli_error("--timeout: '%s' is not a number of "
		    "milliseconds in 1..%d", arg, CLI_DNS_TIMEOUT_MAX_MS);
	return 0;
}

/* cli_dns_set_retries - --retries N */
int
cli_dns_set_retries(struct cli_dns_args *d, const char *arg)
{
	if (cli_parse_uint(arg, 1, CLI_DNS_RETRIES_MAX, &d->retries) == -1)
		return cli_error("--retries: '%s' is not a number in 1..%d",
		    arg, CLI_DNS_RETRIES_MAX);
	return 0;
}

/* cli_dns_option - one of the DNS options, by its getopt_long code */
int
cli_dns_option(struct cli_dns_args *d, int ch, const char *arg)
{
	switch (ch) {
	case CLI_DNS_OPT_ZONE:
		return cli_dns_set_zone(d, arg);
	case CLI_DNS_OPT_SERVER:
		return cli_dns_add_server(d, arg);
	case CLI_DNS_OPT_TIMEOUT:
		return cli_dns_set_timeout(d, arg);
	case CLI_DNS_OPT_RETRIES:
		return cli_dns_set_retries(d, arg);
	default:
		return cli_fail("internal error: DNS option %d", ch);
	}
}

/* cli_dns_check - --zone and --dns-server exclude each other */
int
cli_dns_check(const struct cli_dns_args *d)
{
	if (d->zone != NULL && d->nservers > 0)
		return cli_error("--zone and --dns-server cannot be used "
		    "together");
	return 0;
}

/* cli_dns_open - the resolver asked for, with a cache in front */
int
cli_dns_open(const struct cli_dns_args *d, struct mauth_resolver **out)
{
	struct mauth_dns_options opts;
	char err[512];
	size_t i;
	int rc;

	err[0] = '\0';
	if (d->zone != NULL) {
		rc = mauth_resolver_new_zone(d->zone, out, err, sizeof(err));
	} else {
		memset(&opts, 0, sizeof(opts));
		for (i = 0; i < d->nservers; i++)
			opts.servers[i] = d->servers[i];
		opts.nservers = d->nservers;
		opts.timeout_ms = d->timeout_ms;
		opts.retries = d->retries;
		rc = mauth_resolver_new_ldns(&opts, out, err, sizeof(err));
	}
	if (rc != MAUTH_OK) {
		*out = NULL;
		if (rc == MAUTH_ERR_NOMEM)
			return cli_fail("%s", mauth_strerror(rc));
		if (err[0] == '\0')
			return cli_error("%s: %s", d->zone != NULL ? d->zone :
			    "resolver", mauth_strerror(rc));
		return cli_error("%s", err);
	}
	if ((rc = mauth_resolver_enable_cache(*out, CLI_DNS_CACHE_ENTRIES,
	    CLI_DNS_CACHE_MAX_TTL)) != MAUTH_OK) {
		mauth_resolver_free(*out);
		*out = NULL;
		return cli_fail("DNS cache: %s", mauth_strerror(rc));
	}
	return 0;
}
