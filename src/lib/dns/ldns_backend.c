/*
 * ldns_backend.c - the network backend (work in progress).
 */
#include "mauth/dns.h"
#include "dns/dns_int.h"

int
mauth_resolver_new_ldns(const struct mauth_dns_options *opts,
    struct mauth_resolver **out, char *errbuf, size_t errlen)
{
	(void)opts;
	(void)errbuf;
	(void)errlen;
	if (out != NULL)
		*out = NULL;
	return MAUTH_ERR_INTERNAL;
}
