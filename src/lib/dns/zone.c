/*
 * zone.c - the zone-file backend (work in progress).
 */
#include "mauth/dns.h"
#include "dns/dns_int.h"

int
mauth_resolver_new_zone_mem(const char *name, const void *buf, size_t len,
    struct mauth_resolver **out, char *errbuf, size_t errlen)
{
	(void)name;
	(void)buf;
	(void)len;
	(void)errbuf;
	(void)errlen;
	if (out != NULL)
		*out = NULL;
	return MAUTH_ERR_INTERNAL;
}

int
mauth_resolver_new_zone(const char *path, struct mauth_resolver **out,
    char *errbuf, size_t errlen)
{
	(void)path;
	(void)errbuf;
	(void)errlen;
	if (out != NULL)
		*out = NULL;
	return MAUTH_ERR_INTERNAL;
}
