/*
 * conf_common.h - small helpers shared by the SPF conformance runners:
 * escaped printing, answer dumps and ASCII name handling.
 */
#ifndef MAUTH_CONF_COMMON_H
#define MAUTH_CONF_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mauth/dns.h"

/* TTL of every record served by the runners' in-memory DNS. */
#define CONF_TTL	300

/* print s[0..len) with bytes outside 0x20..0x7e and backslash as \xHH */
void	conf_print_escaped(FILE *fp, const void *s, size_t len);

/* conf_name_eq - ASCII case-insensitive equality, one trailing dot ignored */
bool	conf_name_eq(const char *a, size_t alen, const char *b, size_t blen);

/*
 * conf_name_norm - a new copy of s[0..len) without one trailing dot (the
 * case is kept); NULL on allocation failure.
 */
char	*conf_name_norm(const char *s, size_t len);

/* conf_reverse_name - the in-addr.arpa / ip6.arpa name of an IP address */
bool	conf_reverse_name(const char *ip, char *out, size_t outlen);

/* conf_type_from_str - "A", "TXT", ... to enum mauth_dns_type; 0 if unknown */
uint16_t conf_type_from_str(const char *s);

/*
 * conf_dump_query - ask r for (name, type) and print one line: the status,
 * the rcode and every record, escaped.
 */
void	conf_dump_query(FILE *fp, struct mauth_resolver *r, const char *name,
	    uint16_t type);

/*
 * conf_finish - print the closing "N passed, N failed" and return the
 * runner's exit status: 2 when no test ran (said on stderr as "prog: no test
 * was run"), else status when it is not 0, else 1 when a test failed.
 */
int	conf_finish(const char *prog, unsigned passed, unsigned failed,
	    int status);

#endif
