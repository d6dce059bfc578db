/*
 * fuzz_authres.c - libFuzzer harness: the Authentication-Results parser.
 *
 * The input is one header value.  Checks, aborting on failure:
 *   - the authserv-id reader and is_ours never disagree with the parser;
 *   - a parsed header, rebuilt with the builder (comments, version and
 *     "none" comment included, fold mode from the input length), re-parses
 *     to exactly the same data.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mauth/authres.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* streq_null - equal strings, NULL matching only NULL */
static int
streq_null(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* same - two parses carry the same data */
static int
same(const struct mauth_authres *a, const struct mauth_authres *b)
{
	const struct mauth_authres_result *x, *y;
	size_t i, j;

	if (strcmp(mauth_authres_authserv_id(a), mauth_authres_authserv_id(b)) ||
	    mauth_authres_version(a) != mauth_authres_version(b) ||
	    mauth_authres_nresults(a) != mauth_authres_nresults(b) ||
	    !streq_null(mauth_authres_none_comment(a),
	    mauth_authres_none_comment(b)))
		return 0;
	for (i = 0; i < mauth_authres_nresults(a); i++) {
		x = mauth_authres_result(a, i);
		y = mauth_authres_result(b, i);
		if (strcmp(x->method, y->method) || strcmp(x->result, y->result) ||
		    x->version != y->version ||
		    !streq_null(x->reason, y->reason) ||
		    !streq_null(x->comment, y->comment) ||
		    x->nprops != y->nprops)
			return 0;
		for (j = 0; j < x->nprops; j++)
			if (strcmp(x->props[j].ptype, y->props[j].ptype) ||
			    strcmp(x->props[j].property,
			    y->props[j].property) ||
			    strcmp(x->props[j].value, y->props[j].value) ||
			    !streq_null(x->props[j].comment,
			    y->props[j].comment))
				return 0;
	}
	return 1;
}

/* rebuild - the builder's text for a parsed header, NULL if refused */
static char *
rebuild(const struct mauth_authres *ar, int fold)
{
	const struct mauth_authres_result *r;
	struct mauth_authres_builder *b;
	char *text = NULL;
	size_t i, j;
	int rc;

	if (mauth_authres_builder_new(mauth_authres_authserv_id(ar), &b) !=
	    MAUTH_OK)
		abort();	/* a parsed id is always acceptable */
	rc = mauth_authres_builder_set_version(b, mauth_authres_version(ar));
	if (rc == MAUTH_OK)
		rc = mauth_authres_builder_set_none_comment(b,
		    mauth_authres_none_comment(ar));
	for (i = 0; rc == MAUTH_OK && i < mauth_authres_nresults(ar); i++) {
		r = mauth_authres_result(ar, i);
		rc = mauth_authres_builder_add_result(b, r->method, r->version,
		    r->result, r->reason, r->comment);
		for (j = 0; rc == MAUTH_OK && j < r->nprops; j++)
			rc = mauth_authres_builder_add_prop(b, r->props[j].ptype,
			    r->props[j].property, r->props[j].value,
			    strlen(r->props[j].value), r->props[j].comment);
	}
	if (rc != MAUTH_OK)
		abort();	/* parsed data is always buildable */
	rc = mauth_authres_builder_finish(b, fold, &text, NULL);
	mauth_authres_builder_free(b);
	if (rc == MAUTH_ERR_LIMIT)
		return NULL;	/* re-quoting grew it past the ceiling */
	if (rc != MAUTH_OK)
		abort();
	return text;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct mauth_authres *ar = NULL, *again = NULL;
	char id[MAUTH_AUTHRES_MAX_VALUE + 1], *text;
	int rc, idrc, ours;

	idrc = mauth_authres_authserv_id_get(in, size, id, sizeof(id));
	rc = mauth_authres_parse(in, size, &ar, NULL, 0);
	if (rc != MAUTH_OK) {
		if (ar != NULL)
			abort();
		if (idrc == MAUTH_OK)
			(void)mauth_authres_is_ours(in, size, id);
		return 0;
	}
	/* the id reader agrees with the full parse */
	if (idrc != MAUTH_OK || strcmp(id, mauth_authres_authserv_id(ar)) != 0)
		abort();
	ours = mauth_authres_is_ours(in, size, id);
	if (id[0] != '\0' && strlen(id) <= MAUTH_AUTHRES_MAX_VALUE &&
	    ours != 1)
		abort();
	text = rebuild(ar, (int)(size % 3));
	if (text != NULL) {
		if (mauth_authres_parse(text, strlen(text), &again, NULL, 0) !=
		    MAUTH_OK || !same(ar, again))
			abort();
		mauth_authres_free(again);
		free(text);
	}
	mauth_authres_free(ar);
	return 0;
}
