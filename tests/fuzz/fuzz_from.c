/*
 * fuzz_from.c - libFuzzer harness: the From / Author Domain parser.
 * The input is one From field value; then its two halves are fed as two
 * fields, which must give "multiple-from".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mauth/mauth.h"
#include "mauth/message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check - invariants of a parse result; abort() on a violation */
static void
check(const struct mauth_from *f)
{
	const char *d, *r;
	size_t i, n;
	int st;

	st = mauth_from_status(f);
	r = mauth_from_reason(f);
	if (st < MAUTH_FROM_OK || st > MAUTH_FROM_SYNTAX || r == NULL ||
	    r[0] == '\0' || strcmp(mauth_from_status_str(st), "unknown") == 0)
		abort();
	if (mauth_from_count(f) > mauth_from_total(f) ||
	    mauth_from_count(f) > MAUTH_FROM_MAX_ADDRESSES)
		abort();
	d = mauth_from_domain(f);
	if (d != NULL) {
		if (st != MAUTH_FROM_OK && !(st ==
		    MAUTH_FROM_MULTIPLE_ADDRESSES && mauth_from_same_domain(f)))
			abort();
		if (d[0] == '\0' || strlen(d) > 253)
			abort();
		for (i = 0; d[i] != '\0'; i++)
			if (d[i] >= 'A' && d[i] <= 'Z')
				abort();
	}
	if (st == MAUTH_FROM_OK && (d == NULL || mauth_from_total(f) != 1))
		abort();
	for (i = 0; i < mauth_from_count(f); i++) {
		if (mauth_from_addr_local(f, i, &n) == NULL ||
		    mauth_from_addr_domain(f, i, &n) == NULL ||
		    mauth_from_addr_display(f, i) == NULL)
			abort();
		if (mauth_from_addr_usable(f, i) && n == 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mauth_from *f;

	if (mauth_from_parse((const char *)data, size, &f) != MAUTH_OK)
		return 0;
	check(f);
	mauth_from_free(f);
	if (mauth_from_new(&f) != MAUTH_OK)
		return 0;
	if (mauth_from_add(f, (const char *)data, size / 2) != MAUTH_OK ||
	    mauth_from_add(f, (const char *)data + size / 2,
	    size - size / 2) != MAUTH_OK) {
		mauth_from_free(f);
		return 0;
	}
	check(f);
	if (mauth_from_status(f) != MAUTH_FROM_MULTIPLE_FROM ||
	    mauth_from_domain(f) != NULL)
		abort();
	mauth_from_free(f);
	return 0;
}
