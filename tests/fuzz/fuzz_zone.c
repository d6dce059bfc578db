/*
 * fuzz_zone.c - libFuzzer harness: the zone-file parser and lookups.
 */
#include <stdint.h>
#include <stdlib.h>

#include "mauth/mauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *names[] = { "example.org", "a.example.org",
	    "www.example.org", "x.y.z", "." };
	static const uint16_t types[] = { MAUTH_DNS_A, MAUTH_DNS_AAAA,
	    MAUTH_DNS_TXT, MAUTH_DNS_MX, MAUTH_DNS_PTR, MAUTH_DNS_CNAME };
	struct mauth_resolver *r = NULL;
	struct mauth_dns_answer *ans;
	char err[256];
	size_t i, j;
	int rc;

	rc = mauth_resolver_new_zone_mem("fuzz", data, size, &r, err,
	    sizeof(err));
	if (rc != MAUTH_OK) {
		if (r != NULL || err[0] == '\0')
			abort();	/* a failure must say why */
		return 0;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		for (j = 0; j < sizeof(types) / sizeof(types[0]); j++) {
			ans = NULL;
			rc = mauth_resolver_query(r, NULL, names[i], types[j],
			    &ans);
			if (rc == MAUTH_DNS_ANSWER && ans == NULL)
				abort();
			mauth_dns_answer_free(ans);
		}
	mauth_resolver_free(r);
	return 0;
}
