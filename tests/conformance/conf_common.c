/*
 * conf_common.c - helpers shared by the SPF conformance runners.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "conf_common.h"

/* conf_print_escaped - print bytes, escaping the unprintable ones */
void
conf_print_escaped(FILE *fp, const void *s, size_t len)
{
	const unsigned char *p = s;
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] >= 0x20 && p[i] <= 0x7e && p[i] != '\\')
			fputc(p[i], fp);
		else
			fprintf(fp, "\\x%02X", p[i]);
	}
}

/* lower - ASCII lower case, locale-independent */
static int
lower(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 'a';
	return c;
}

/* conf_name_eq - names equal ignoring ASCII case and one trailing dot */
bool
conf_name_eq(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i;

	if (alen > 1 && a[alen - 1] == '.')
		alen--;
	if (blen > 1 && b[blen - 1] == '.')
		blen--;
	if (alen != blen)
		return false;
	for (i = 0; i < alen; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return false;
	return true;
}

/* conf_name_norm - copy a name without one trailing dot */
char *
conf_name_norm(const char *s, size_t len)
{
	char *p;

	if (len > 1 && s[len - 1] == '.')
		len--;
	if ((p = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* conf_reverse_name - RFC 1035 3.5 / RFC 3596 2.5 reverse names */
bool
conf_reverse_name(const char *ip, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t a[16];
	size_t off = 0;
	int i, n;

	if (inet_pton(AF_INET, ip, a) == 1) {
		n = snprintf(out, outlen, "%u.%u.%u.%u.in-addr.arpa",
		    a[3], a[2], a[1], a[0]);
		return n > 0 && (size_t)n < outlen;
	}
	if (inet_pton(AF_INET6, ip, a) != 1)
		return false;
	/* 32 nibbles, each "x." (64 bytes), then "ip6.arpa" and a NUL */
	if (outlen < 64 + sizeof("ip6.arpa"))
		return false;
	for (i = 15; i >= 0; i--) {
		out[off++] = hex[a[i] & 0x0f];
		out[off++] = '.';
		out[off++] = hex[a[i] >> 4];
		out[off++] = '.';
	}
	memcpy(out + off, "ip6.arpa", sizeof("ip6.arpa"));
	return true;
}

/* conf_type_from_str - RR type mnemonic to number */
uint16_t
conf_type_from_str(const char *s)
{
	static const struct {
		const char	*name;
		uint16_t	 type;
	} types[] = {
		{ "A", MAUTH_DNS_A },
		{ "AAAA", MAUTH_DNS_AAAA },
		{ "CNAME", MAUTH_DNS_CNAME },
		{ "MX", MAUTH_DNS_MX },
		{ "NS", MAUTH_DNS_NS },
		{ "PTR", MAUTH_DNS_PTR },
		{ "SOA", MAUTH_DNS_SOA },
		{ "SPF", MAUTH_DNS_SPF },
		{ "TXT", MAUTH_DNS_TXT },
	};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(s, types[i].name) == 0)
			return types[i].type;
	return 0;
}

/* print_rr - one record in presentation-like form */
static void
print_rr(FILE *fp, const struct mauth_dns_rr *rr)
{
	char ip[INET6_ADDRSTRLEN];

	fprintf(fp, " {%s ", mauth_dns_type_str(rr->type));
	conf_print_escaped(fp, rr->owner, strlen(rr->owner));
	fputc(' ', fp);
	switch (rr->type) {
	case MAUTH_DNS_A:
		if (inet_ntop(AF_INET, rr->u.a, ip, sizeof(ip)) != NULL)
			fputs(ip, fp);
		break;
	case MAUTH_DNS_AAAA:
		if (inet_ntop(AF_INET6, rr->u.aaaa, ip, sizeof(ip)) != NULL)
			fputs(ip, fp);
		break;
	case MAUTH_DNS_CNAME:
	case MAUTH_DNS_PTR:
	case MAUTH_DNS_NS:
		conf_print_escaped(fp, rr->u.target, strlen(rr->u.target));
		break;
	case MAUTH_DNS_MX:
		fprintf(fp, "%u ", rr->u.mx.preference);
		conf_print_escaped(fp, rr->u.mx.exchange,
		    strlen(rr->u.mx.exchange));
		break;
	case MAUTH_DNS_TXT:
	case MAUTH_DNS_SPF:
		fprintf(fp, "(%zu strings) \"", rr->u.txt.nstrings);
		conf_print_escaped(fp, rr->u.txt.data, rr->u.txt.len);
		fputc('"', fp);
		break;
	default:
		break;
	}
	fputc('}', fp);
}

/* conf_dump_query - one query through the resolver, printed on one line */
void
conf_dump_query(FILE *fp, struct mauth_resolver *r, const char *name,
    uint16_t type)
{
	struct mauth_dns_answer *ans = NULL;
	size_t i;
	int st;

	st = mauth_resolver_query(r, NULL, name, type, &ans);
	fprintf(fp, "  ");
	conf_print_escaped(fp, name, strlen(name));
	fprintf(fp, " %s: %s", mauth_dns_type_str(type),
	    mauth_dns_status_str(st));
	if (st == MAUTH_DNS_ANSWER && ans != NULL) {
		fprintf(fp, " %s", mauth_dns_rcode_str(ans->rcode));
		if (ans->rcode == MAUTH_RCODE_NOERROR && ans->nrr == 0)
			fprintf(fp, " (NODATA)");
		for (i = 0; i < ans->nrr; i++)
			print_rr(fp, &ans->rr[i]);
	}
	fputc('\n', fp);
	mauth_dns_answer_free(ans);
}

/* conf_finish - the closing line and the exit status */
int
conf_finish(const char *prog, unsigned passed, unsigned failed, int status)
{
	printf("%u passed, %u failed\n", passed, failed);
	if (passed + failed == 0) {
		fprintf(stderr, "%s: no test was run\n", prog);
		return 2;
	}
	if (status != 0)
		return status;
	return failed > 0 ? 1 : 0;
}
