/*
 * fuzz_conf.c - libFuzzer harness: mauthd's configuration file (the key
 * table, libconfuse, the per-key checks and the re-parse after each syntax
 * error).
 *
 * A refused text must print at least one error line, each starting with
 * the name given ("fz:" or "fz:LINE:"), and at most 50 of them; an accepted
 * one must hold values inside the table's ranges.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "milter/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check_errors - the printed errors: named lines, a bounded count */
static void
check_errors(const char *out, size_t len)
{
	size_t i, start = 0, n = 0;

	if (len == 0)
		abort();	/* refused without a reason */
	for (i = 0; i < len; i++) {
		if (out[i] != '\n')
			continue;
		if (i - start < 3 || strncmp(out + start, "fz:", 3) != 0)
			abort();
		n++;
		start = i + 1;
	}
	if (start != len || n == 0 || n > 51)
		abort();	/* unterminated line, or unbounded errors */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct md_conf *c;
	char *out = NULL;
	size_t outlen = 0;
	FILE *err;

	if ((err = open_memstream(&out, &outlen)) == NULL)
		return 0;
	c = md_conf_parse("fz", (const char *)data, size, err);
	fclose(err);
	if (c == NULL)
		check_errors(out, outlen);
	else {
		if (outlen != 0 || c->nnets > MD_MAX_NETS ||
		    c->nsign > MD_MAX_SIGN || c->ndns > MD_MAX_DNS ||
		    c->max_headers == 0)
			abort();
		md_conf_free(c);
	}
	free(out);
	return 0;
}
