/*
 * authres_vectors.c - run the authres (Python library 1.2.0) vectors against
 * the Authentication-Results parser and builder.
 *
 * usage: authres_vectors [-v] FILE
 *
 * FILE is testdata/authres/authres-vectors.json (format in
 * testdata/authres/README.md).  For each parse vector: parse the value after
 * "Authentication-Results:"; the two expect_error vectors must fail; the
 * others must give the structure authres produced (parsed_by_authres_1_2_0)
 * and satisfy the doctest assertions, where "results[i]" (authres's
 * re-serialisation of one result, comments dropped) is compared with our
 * builder's output for that result.  For each serializer output: parse it,
 * rebuild it with the generic builder calls from the parsed data (comments
 * included) and compare byte for byte; then build it again through
 * add_spf / add_dkim / add_dmarc for every result that maps onto them
 * (the rest generic) and compare again.
 * One line per failure, then "N passed, N failed".  Exit 0 all passed,
 * 1 some failed, 2 usage or input error.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "mauth/authres.h"

#define FIELD	"Authentication-Results:"

static bool verbose;
static unsigned nconv_full, nconv_mixed, nconv_none;

/* fail - print one failure line for vector id */
static void __attribute__((format(printf, 2, 3)))
fail(const char *id, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL %s: ", id);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* field_value - the value after the field name (the input includes it) */
static const char *
field_value(const char *in)
{
	if (strncasecmp(in, FIELD, strlen(FIELD)) == 0)
		return in + strlen(FIELD);
	return in;
}

/* streq_null - equal strings, NULL matching only NULL */
static bool
streq_null(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* jstr - a JSON string or NULL (null or absent) */
static const char *
jstr(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* jversion - authres's version (string or null) as our int (-1 absent) */
static int
jversion(const json_t *o, const char *key)
{
	const char *s = jstr(o, key);
	char *end;
	long v;

	if (s == NULL)
		return -1;
	v = strtol(s, &end, 10);
	return *end == '\0' ? (int)v : -2;
}

/* compare_structure - our parse against parsed_by_authres_1_2_0 */
static bool
compare_structure(const char *id, const struct mauth_authres *ar,
    const json_t *want)
{
	const json_t *jres, *jr, *jprops, *jp;
	const struct mauth_authres_result *r;
	size_t i, j;

	if (!streq_null(mauth_authres_authserv_id(ar),
	    jstr(want, "authserv_id"))) {
		fail(id, "authserv_id: got %s, want %s",
		    mauth_authres_authserv_id(ar), jstr(want, "authserv_id"));
		return false;
	}
	if (mauth_authres_version(ar) != jversion(want, "version")) {
		fail(id, "version: got %d, want %d", mauth_authres_version(ar),
		    jversion(want, "version"));
		return false;
	}
	jres = json_object_get(want, "results");
	if (mauth_authres_nresults(ar) != json_array_size(jres)) {
		fail(id, "results: got %zu, want %zu",
		    mauth_authres_nresults(ar), json_array_size(jres));
		return false;
	}
	for (i = 0; i < json_array_size(jres); i++) {
		jr = json_array_get(jres, i);
		r = mauth_authres_result(ar, i);
		if (strcasecmp(r->method, jstr(jr, "method")) != 0 ||
		    strcasecmp(r->result, jstr(jr, "result")) != 0 ||
		    r->version != jversion(jr, "version") ||
		    !streq_null(r->reason, jstr(jr, "reason"))) {
			fail(id, "results[%zu]: got %s/%d=%s reason %s, want "
			    "%s=%s reason %s", i, r->method, r->version,
			    r->result, r->reason ? r->reason : "(none)",
			    jstr(jr, "method"), jstr(jr, "result"),
			    jstr(jr, "reason") ? jstr(jr, "reason") : "(none)");
			return false;
		}
		jprops = json_object_get(jr, "properties");
		if (r->nprops != json_array_size(jprops)) {
			fail(id, "results[%zu] properties: got %zu, want %zu",
			    i, r->nprops, json_array_size(jprops));
			return false;
		}
		for (j = 0; j < r->nprops; j++) {
			jp = json_array_get(jprops, j);
			if (strcasecmp(r->props[j].ptype, jstr(jp, "type")) ||
			    strcasecmp(r->props[j].property, jstr(jp, "name")) ||
			    strcmp(r->props[j].value, jstr(jp, "value"))) {
				fail(id, "results[%zu].properties[%zu]: got "
				    "%s.%s=%s, want %s.%s=%s", i, j,
				    r->props[j].ptype, r->props[j].property,
				    r->props[j].value, jstr(jp, "type"),
				    jstr(jp, "name"), jstr(jp, "value"));
				return false;
			}
		}
	}
	return true;
}

/*
 * one_result - our builder's text for result r alone, comments dropped
 * (what authres prints for str(results[i])); caller frees
 */
static char *
one_result(const struct mauth_authres_result *r)
{
	struct mauth_authres_builder *b;
	char *text = NULL, *s;
	size_t j;

	if (mauth_authres_builder_new("x", &b) != MAUTH_OK)
		return NULL;
	if (mauth_authres_builder_add_result(b, r->method, r->version,
	    r->result, r->reason, NULL) != MAUTH_OK)
		goto out;
	for (j = 0; j < r->nprops; j++)
		if (mauth_authres_builder_add_prop(b, r->props[j].ptype,
		    r->props[j].property, r->props[j].value,
		    strlen(r->props[j].value), NULL) != MAUTH_OK)
			goto out;
	if (mauth_authres_builder_finish(b, MAUTH_AUTHRES_FOLD_NONE, &text,
	    NULL) != MAUTH_OK)
		goto out;
	s = strdup(text + 3);	/* after "x; " */
	free(text);
	text = s;
out:
	mauth_authres_builder_free(b);
	return text;
}

/* check_assertion - one doctest assertion; false (printed) on mismatch */
static bool
check_assertion(const char *id, const struct mauth_authres *ar,
    const json_t *a)
{
	const struct mauth_authres_result *r;
	const char *path = jstr(a, "path"), *want, *got = NULL, *rest;
	char ptype[64], prop[64], field[64], *end, *txt = NULL, wbuf[256];
	const json_t *lst, *pair;
	unsigned long i, j;
	size_t k, n;
	bool ok;

	if (path == NULL)
		return true;
	if (json_is_true(json_object_get(a, "expected_absent")))
		return true;	/* an authres accessor, not data */
	want = jstr(a, "expected_str");
	if (want == NULL && jstr(a, "expected_repr") != NULL) {
		/* python repr of a str: 'text' */
		n = strlen(jstr(a, "expected_repr"));
		if (n < 2 || n - 2 >= sizeof(wbuf))
			return false;
		memcpy(wbuf, jstr(a, "expected_repr") + 1, n - 2);
		wbuf[n - 2] = '\0';
		want = wbuf;
	}
	if (strcmp(path, "authserv_id") == 0) {
		got = mauth_authres_authserv_id(ar);
		goto compare;
	}
	if (strcmp(path, "results[*].(method,result)") == 0) {
		lst = json_object_get(a, "expected_list");
		if (json_array_size(lst) != mauth_authres_nresults(ar)) {
			fail(id, "%s: got %zu results, want %zu", path,
			    mauth_authres_nresults(ar), json_array_size(lst));
			return false;
		}
		for (k = 0; k < json_array_size(lst); k++) {
			pair = json_array_get(lst, k);
			r = mauth_authres_result(ar, k);
			if (strcmp(r->method, json_string_value(
			    json_array_get(pair, 0))) != 0 ||
			    strcmp(r->result, json_string_value(
			    json_array_get(pair, 1))) != 0) {
				fail(id, "%s[%zu]: got %s=%s", path, k,
				    r->method, r->result);
				return false;
			}
		}
		return true;
	}
	if (strncmp(path, "results[", 8) != 0)
		goto unknown;
	i = strtoul(path + 8, &end, 10);
	if (*end != ']' || (r = mauth_authres_result(ar, i)) == NULL)
		goto unknown;
	rest = end + 1;
	if (*rest == '\0') {
		txt = one_result(r);
		got = txt;
	} else if (strcmp(rest, ".method") == 0)
		got = r->method;
	else if (strcmp(rest, ".result") == 0)
		got = r->result;
	else if (strcmp(rest, ".reason") == 0)
		got = r->reason ? r->reason : "None";
	else if (strncmp(rest, ".properties[", 12) == 0) {
		j = strtoul(rest + 12, &end, 10);
		if (*end != ']' || j >= r->nprops)
			goto unknown;
		if (strcmp(end + 1, ".type") == 0)
			got = r->props[j].ptype;
		else if (strcmp(end + 1, ".name") == 0)
			got = r->props[j].property;
		else if (strcmp(end + 1, ".value") == 0)
			got = r->props[j].value;
		else
			goto unknown;
	} else if (sscanf(rest, ".%63[a-z]_%63[a-z_-]", ptype, field) == 2) {
		/* authres accessor ptype_property, e.g. smtp_mailfrom */
		snprintf(prop, sizeof(prop), "%s", field);
		got = mauth_authres_prop_value(r, ptype, prop);
		if (got == NULL)
			got = "None";
	} else
		goto unknown;
compare:
	ok = got != NULL && want != NULL && strcmp(got, want) == 0;
	if (!ok)
		fail(id, "%s: got %s, want %s", path, got ? got : "(null)",
		    want ? want : "(null)");
	free(txt);
	return ok;
unknown:
	fail(id, "%s: assertion not understood by the runner", path);
	return false;
}

/* run_parse - one parse vector */
static bool
run_parse(const json_t *v)
{
	const char *id = jstr(v, "id"), *in = jstr(v, "input");
	const json_t *as;
	struct mauth_authres *ar = NULL;
	char err[256];
	bool expect_error, ok = true;
	size_t i;
	int rc;

	expect_error = json_is_true(json_object_get(v, "expect_error"));
	in = field_value(in);
	rc = mauth_authres_parse(in, strlen(in), &ar, err, sizeof(err));
	if (expect_error) {
		if (rc == MAUTH_OK) {
			fail(id, "parsed, want a syntax error");
			mauth_authres_free(ar);
			return false;
		}
		if (verbose)
			printf("ok %s: rejected (%s)\n", id, err);
		return true;
	}
	if (rc != MAUTH_OK) {
		fail(id, "parse error: %s", err);
		return false;
	}
	ok = compare_structure(id, ar, json_object_get(v,
	    "parsed_by_authres_1_2_0"));
	as = json_object_get(v, "doctest_assertions");
	for (i = 0; ok && i < json_array_size(as); i++)
		ok = check_assertion(id, ar, json_array_get(as, i));
	mauth_authres_free(ar);
	if (ok && verbose)
		printf("ok %s\n", id);
	return ok;
}

/* add_generic - result r through add_result / add_prop */
static int
add_generic(struct mauth_authres_builder *b,
    const struct mauth_authres_result *r)
{
	size_t j;
	int rc;

	if ((rc = mauth_authres_builder_add_result(b, r->method, r->version,
	    r->result, r->reason, r->comment)) != MAUTH_OK)
		return rc;
	for (j = 0; j < r->nprops; j++)
		if ((rc = mauth_authres_builder_add_prop(b, r->props[j].ptype,
		    r->props[j].property, r->props[j].value,
		    strlen(r->props[j].value), r->props[j].comment)) !=
		    MAUTH_OK)
			return rc;
	return MAUTH_OK;
}

/* has_prop_comments - any property of r carries a comment */
static bool
has_prop_comments(const struct mauth_authres_result *r)
{
	size_t j;

	for (j = 0; j < r->nprops; j++)
		if (r->props[j].comment != NULL)
			return true;
	return false;
}

/*
 * add_convenience - r through add_spf / add_dkim / add_dmarc when it maps
 * onto them (then *used is true), else generic
 */
static int
add_convenience(struct mauth_authres_builder *b,
    const struct mauth_authres_result *r, bool *used)
{
	static const char *dkim_order[] = { "d", "i", "a", "s", "b" };
	const char *dv[5] = { NULL };
	size_t j, k = 0;
	int rc;

	*used = false;
	if (r->version >= 0 || has_prop_comments(r))
		return add_generic(b, r);
	if (strcmp(r->method, "spf") == 0 && r->nprops == 1 &&
	    strcmp(r->props[0].ptype, "smtp") == 0 &&
	    (strcmp(r->props[0].property, "mailfrom") == 0 ||
	    strcmp(r->props[0].property, "helo") == 0)) {
		rc = mauth_authres_builder_add_spf(b, r->result,
		    r->props[0].property, r->props[0].value, r->reason);
	} else if (strcmp(r->method, "dkim") == 0) {
		for (j = 0; j < r->nprops; j++) {
			while (k < 5 && strcmp(r->props[j].property,
			    dkim_order[k]) != 0)
				k++;
			if (k == 5 || strcmp(r->props[j].ptype, "header") != 0)
				return add_generic(b, r);
			dv[k++] = r->props[j].value;
		}
		rc = mauth_authres_builder_add_dkim(b, r->result, dv[0], dv[1],
		    dv[2], dv[3], dv[4], r->reason);
	} else if (strcmp(r->method, "dmarc") == 0 && r->nprops >= 1 &&
	    r->nprops <= 2 && strcmp(r->props[0].ptype, "header") == 0 &&
	    strcmp(r->props[0].property, "from") == 0 &&
	    (r->nprops == 1 || (strcmp(r->props[1].ptype, "policy") == 0 &&
	    strcmp(r->props[1].property, "dmarc") == 0))) {
		rc = mauth_authres_builder_add_dmarc(b, r->result,
		    r->props[0].value, r->nprops == 2 ? r->props[1].value :
		    NULL, r->reason);
	} else
		return add_generic(b, r);
	if (rc == MAUTH_OK && r->comment != NULL)
		rc = mauth_authres_builder_set_comment(b, r->comment);
	*used = rc == MAUTH_OK;
	return rc;
}

/* rebuild - build ar's data again; convenience selects add_spf & co */
static char *
rebuild(const struct mauth_authres *ar, bool convenience, size_t *nconv)
{
	struct mauth_authres_builder *b;
	char *text = NULL;
	size_t i;
	bool used;
	int rc = MAUTH_OK;

	*nconv = 0;
	if (mauth_authres_builder_new(mauth_authres_authserv_id(ar), &b) !=
	    MAUTH_OK)
		return NULL;
	if (mauth_authres_version(ar) >= 0)
		rc = mauth_authres_builder_set_version(b,
		    mauth_authres_version(ar));
	if (rc == MAUTH_OK && mauth_authres_none_comment(ar) != NULL)
		rc = mauth_authres_builder_set_none_comment(b,
		    mauth_authres_none_comment(ar));
	for (i = 0; rc == MAUTH_OK && i < mauth_authres_nresults(ar); i++) {
		if (convenience) {
			rc = add_convenience(b, mauth_authres_result(ar, i),
			    &used);
			if (used)
				(*nconv)++;
		} else
			rc = add_generic(b, mauth_authres_result(ar, i));
	}
	if (rc == MAUTH_OK)
		rc = mauth_authres_builder_finish(b, MAUTH_AUTHRES_FOLD_NONE,
		    &text, NULL);
	mauth_authres_builder_free(b);
	return rc == MAUTH_OK ? text : NULL;
}

/* run_serializer - one serializer output */
static bool
run_serializer(const json_t *v)
{
	const char *id = jstr(v, "id"), *hdr = jstr(v, "header"), *want;
	struct mauth_authres *ar = NULL;
	char err[256], *text;
	size_t nconv;
	bool ok;

	want = field_value(hdr);
	while (*want == ' ')
		want++;
	if (mauth_authres_parse(want, strlen(want), &ar, err,
	    sizeof(err)) != MAUTH_OK) {
		fail(id, "parse error: %s", err);
		return false;
	}
	ok = compare_structure(id, ar, json_object_get(v,
	    "parsed_by_authres_1_2_0"));
	if (ok) {
		text = rebuild(ar, false, &nconv);
		if (text == NULL || strcmp(text, want) != 0) {
			fail(id, "generic build: got \"%s\", want \"%s\"",
			    text ? text : "(error)", want);
			ok = false;
		}
		free(text);
	}
	if (ok) {
		text = rebuild(ar, true, &nconv);
		if (text == NULL || strcmp(text, want) != 0) {
			fail(id, "add_spf/add_dkim/add_dmarc build: got "
			    "\"%s\", want \"%s\"", text ? text : "(error)",
			    want);
			ok = false;
		}
		free(text);
		if (nconv > 0 && nconv == mauth_authres_nresults(ar))
			nconv_full++;
		else if (nconv > 0)
			nconv_mixed++;
		else
			nconv_none++;
		if (verbose)
			printf("ok %s (%zu of %zu results through the "
			    "convenience calls)\n", id, nconv,
			    mauth_authres_nresults(ar));
	}
	mauth_authres_free(ar);
	return ok;
}

int
main(int argc, char **argv)
{
	json_t *root, *pv, *sv;
	json_error_t jerr;
	unsigned npass = 0, nfail = 0, ppass = 0, spass = 0;
	size_t i;
	int ai = 1;

	if (ai < argc && strcmp(argv[ai], "-v") == 0) {
		verbose = true;
		ai++;
	}
	if (ai + 1 != argc) {
		fprintf(stderr, "usage: authres_vectors [-v] FILE\n");
		return 2;
	}
	if ((root = json_load_file(argv[ai], 0, &jerr)) == NULL) {
		fprintf(stderr, "%s:%d: %s\n", argv[ai], jerr.line, jerr.text);
		return 2;
	}
	pv = json_object_get(root, "parse_vectors");
	sv = json_object_get(root, "serializer_outputs");
	if (!json_is_array(pv) || !json_is_array(sv)) {
		fprintf(stderr, "%s: no parse_vectors / serializer_outputs\n",
		    argv[ai]);
		json_decref(root);
		return 2;
	}
	for (i = 0; i < json_array_size(pv); i++) {
		if (run_parse(json_array_get(pv, i)))
			ppass++;
		else
			nfail++;
	}
	for (i = 0; i < json_array_size(sv); i++) {
		if (run_serializer(json_array_get(sv, i)))
			spass++;
		else
			nfail++;
	}
	npass = ppass + spass;
	printf("parse vectors: %u/%zu; serializer outputs: %u/%zu (built "
	    "through add_spf/add_dkim/add_dmarc: %u wholly, %u partly, %u "
	    "generic only)\n", ppass, json_array_size(pv), spass,
	    json_array_size(sv), nconv_full, nconv_mixed, nconv_none);
	printf("%u passed, %u failed\n", npass, nfail);
	json_decref(root);
	return nfail ? 1 : 0;
}
