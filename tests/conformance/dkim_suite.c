/*
 * dkim_suite.c - DKIM conformance runner over the corpora copied under
 * testdata/dkim (see testdata/dkim/README.md):
 *
 *   dkim_suite rfc8463  DIR   RFC 8463 Appendix A: both signatures pass
 *   dkim_suite rfc6376a DIR   RFC 6376 Appendix A.2 (defective): not pass
 *   dkim_suite dkimpy   DIR   dkimpy fixtures
 *   dkim_suite stalwart DIR   Stalwart messages: every signature passes
 *   dkim_suite maildkim DIR [--divergences FILE]
 *                             Mail::DKIM corpus, the RFC 6376 v=1 subset,
 *                             twice: with mauth's policy (RFC 8301) and in
 *                             legacy mode (rsa-sha1 and small keys
 *                             evaluated) against upstream's verdicts.
 *
 * Prints one line per failure and "N passed, N failed"; exits 1 on failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "dkim_common.h"

static int npass, nfail;

/* report - count one check; print it when it failed */
static void
report(bool ok, const char *what, const char *got, const char *want,
    const char *why)
{
	if (ok) {
		npass++;
		return;
	}
	nfail++;
	printf("FAIL %s: got %s, want %s%s%s\n", what, got, want,
	    why != NULL ? " -- " : "", why != NULL ? why : "");
}

/* verify_file - run one message; NULL on error (counted as failure) */
static struct dkimv *
verify_file(struct dkimv_lib *lib, struct mauth_resolver *r,
    const struct dkimv_options *o, const char *path, size_t skip_dns_block)
{
	struct dkimv *v = NULL;
	char *msg;
	size_t len;

	if ((msg = dk_read_file(path, &len)) == NULL) {
		report(false, path, "unreadable", "a message", NULL);
		return NULL;
	}
	if (skip_dns_block > len)
		skip_dns_block = len;
	if (dk_verify(lib, r, NULL, o, msg + skip_dns_block,
	    len - skip_dns_block, 1000, &v) != MAUTH_OK) {
		report(false, path, "verifier error", "results", NULL);
		v = NULL;
	}
	free(msg);
	return v;
}

/* check_per_sig - per_signature_expected of a test, or every sig = want */
static void
check_sigs(const char *file, const struct dkimv *v, json_t *per,
    const char *want_all)
{
	char what[512];
	const struct mauth_dkim_sig *s;
	json_t *e;
	size_t i, idx;

	if (per != NULL && json_is_array(per)) {
		json_array_foreach(per, i, e) {
			const char *want = json_string_value(json_object_get(e,
			    "expected"));

			idx = (size_t)json_integer_value(json_object_get(e,
			    "index"));
			(void)snprintf(what, sizeof(what), "%s sig %zu", file,
			    idx);
			s = dkimv_sig(v, idx);
			report(s != NULL && want != NULL &&
			    strcmp(mauth_dkim_result_str(s->result), want) == 0,
			    what, s != NULL ? mauth_dkim_result_str(s->result) :
			    "(none)", want != NULL ? want : "?",
			    s != NULL ? s->reason : NULL);
		}
		return;
	}
	if (dkimv_count(v) == 0)
		report(false, file, "no signature", want_all, NULL);
	for (i = 0; i < dkimv_count(v); i++) {
		s = dkimv_sig(v, i);
		(void)snprintf(what, sizeof(what), "%s sig %zu", file, i);
		report(strcmp(mauth_dkim_result_str(s->result), want_all) == 0,
		    what, mauth_dkim_result_str(s->result), want_all,
		    s->reason);
	}
}

/* run_rfc8463 - dns.json {name: {TXT: [[strings]]}}, fixed clock */
static void
run_rfc8463(struct dkimv_lib *lib, const char *dir)
{
	struct dkimv_options o;
	struct mauth_resolver *r;
	struct dkimv *v;
	struct dkt *t = dkt_new();
	json_t *exp, *dns, *tests, *test;
	size_t i;

	exp = dk_load_json(dk_path_join(dir, "expected.json"));
	dns = dk_load_json(dk_path_join(dir, "dns.json"));
	dk_add_dns_json(t, dns);
	if (dkt_resolver(t, &r) != MAUTH_OK)
		exit(2);
	dkimv_options_init(&o);
	o.now = (int64_t)json_integer_value(json_object_get(exp,
	    "verification_time"));
	tests = json_object_get(exp, "tests");
	json_array_foreach(tests, i, test) {
		const char *file = json_string_value(json_object_get(test,
		    "file"));

		if ((v = verify_file(lib, r, &o, dk_path_join(dir, file), 0)) ==
		    NULL)
			continue;
		report(dkimv_count(v) == 2, file, "signature count",
		    "2 signatures", NULL);
		check_sigs(file, v, json_object_get(test,
		    "per_signature_expected"), "pass");
		dkimv_free(v);
	}
	mauth_resolver_free(r);
	dkt_free(t);
	json_decref(exp);
	json_decref(dns);
}

/* run_dnsmap - expected.json with "dns": {name: string}; rfc6376a/dkimpy */
static void
run_dnsmap(struct dkimv_lib *lib, const char *dir, bool want_not_pass)
{
	struct dkimv_options o;
	struct mauth_resolver *r;
	struct dkimv *v;
	struct dkt *t = dkt_new();
	json_t *exp, *val, *test;
	const char *name;
	size_t i;
	int best;

	exp = dk_load_json(dk_path_join(dir, "expected.json"));
	json_object_foreach(json_object_get(exp, "dns"), name, val)
		(void)dk_add_txt1(t, name, json_string_value(val),
		    json_string_length(val));
	if (dkt_resolver(t, &r) != MAUTH_OK)
		exit(2);
	dkimv_options_init(&o);
	json_array_foreach(json_object_get(exp, "tests"), i, test) {
		const char *file = json_string_value(json_object_get(test,
		    "file"));
		const char *want = json_string_value(json_object_get(test,
		    "expected"));

		if ((v = verify_file(lib, r, &o, dk_path_join(dir, file), 0)) ==
		    NULL)
			continue;
		best = dk_best(v);
		if (want_not_pass)
			report(best != MAUTH_DKIM_PASS && dkimv_count(v) > 0,
			    file, mauth_dkim_result_str(best), "not pass",
			    dkimv_count(v) > 0 ? dkimv_sig(v, 0)->reason : NULL);
		else
			check_sigs(file, v, json_object_get(test,
			    "per_signature_expected"), want);
		dkimv_free(v);
	}
	mauth_resolver_free(r);
	dkt_free(t);
	json_decref(exp);
}

/* ---- Mail::DKIM --------------------------------------------------------- */

struct divergence {
	char	file[256];
	char	mode[32];
	char	want[32];
};

/* load_divergences - "file<TAB>mode<TAB>result<TAB>reason" lines */
static size_t
load_divergences(const char *path, struct divergence *d, size_t max)
{
	FILE *fp;
	char line[2048], *f[4];
	size_t n = 0;

	if (path == NULL)
		return 0;
	if ((fp = fopen(path, "r")) == NULL) {
		perror(path);
		exit(2);
	}
	while (n < max && dk_tsv_next(fp, line, sizeof(line), f, 4)) {
		if (f[2] == NULL)
			continue;
		(void)snprintf(d[n].file, sizeof(d[n].file), "%s", f[0]);
		(void)snprintf(d[n].mode, sizeof(d[n].mode), "%s", f[1]);
		(void)snprintf(d[n].want, sizeof(d[n].want), "%s", f[2]);
		n++;
	}
	fclose(fp);
	return n;
}

/* run_stalwart - each file: DNS lines, blank line, message */
static void
run_stalwart(struct dkimv_lib *lib, const char *dir, const char *divfile)
{
	static struct divergence div[64];
	size_t ndiv = load_divergences(divfile, div, 64), d;
	const char *want;
	struct dkimv_options o;
	struct mauth_resolver *r;
	struct dkimv *v;
	struct dkt *t;
	json_t *exp, *test;
	char *buf;
	size_t i, len, skip;

	exp = dk_load_json(dk_path_join(dir, "expected.json"));
	dkimv_options_init(&o);
	o.now = (int64_t)json_integer_value(json_object_get(exp,
	    "verification_time"));
	json_array_foreach(json_object_get(exp, "tests"), i, test) {
		const char *file = json_string_value(json_object_get(test,
		    "file"));
		char path[4096];

		(void)snprintf(path, sizeof(path), "%s",
		    dk_path_join(dir, file));
		if ((buf = dk_read_file(path, &len)) == NULL) {
			report(false, file, "unreadable", "a file", NULL);
			continue;
		}
		t = dkt_new();
		skip = dk_add_dns_lines(t, buf, len);
		free(buf);
		if (dkt_resolver(t, &r) != MAUTH_OK)
			exit(2);
		want = "pass";
		for (d = 0; d < ndiv; d++)
			if (strcmp(div[d].file, file) == 0 &&
			    strcmp(div[d].mode, "stalwart") == 0)
				want = div[d].want;
		if ((v = verify_file(lib, r, &o, path, skip)) != NULL) {
			check_sigs(file, v, NULL, want);
			dkimv_free(v);
		}
		mauth_resolver_free(r);
		dkt_free(t);
	}
	json_decref(exp);
}

/* md_class - our best result in Mail::DKIM's vocabulary */
static const char *
md_class(int best)
{
	switch (best) {
	case MAUTH_DKIM_PASS:
		return "pass";
	case MAUTH_DKIM_FAIL:
		return "fail";
	case MAUTH_DKIM_NONE:
		return "none";
	default:
		return "invalid";
	}
}

/* run_maildkim - the v=1 subset, in both modes */
static void
run_maildkim(struct dkimv_lib *lib, const char *dir, const char *divfile)
{
	static struct divergence div[256];
	static const char *const modes[] = { "rfc8301", "legacy" };
	struct dkimv_options o;
	struct mauth_resolver *r;
	struct dkimv *v;
	struct dkt *t;
	json_t *exp, *test, *sig;
	size_t ndiv, i, k, m, d;
	char what[512];
	const char *want, *got;
	bool subset;

	ndiv = load_divergences(divfile, div, 256);
	exp = dk_load_json(dk_path_join(dir, "expected.json"));
	t = dk_load_fake_dns(dk_path_join(dir, "FAKE_DNS.dat"));
	if (dkt_resolver(t, &r) != MAUTH_OK)
		exit(2);
	for (m = 0; m < 2; m++) {
		dkimv_options_init(&o);
		if (m == 1) {
			o.allow_rsa_sha1 = true;
			o.min_rsa_bits = 0;
		}
		json_array_foreach(json_object_get(exp, "tests"), i, test) {
			const char *file = json_string_value(
			    json_object_get(test, "file"));

			subset = json_array_size(json_object_get(test,
			    "signatures")) > 0;
			json_array_foreach(json_object_get(test, "signatures"),
			    k, sig) {
				const char *hv = json_string_value(
				    json_object_get(sig, "header"));
				const char *vv = json_string_value(
				    json_object_get(sig, "v"));

				if (hv == NULL || vv == NULL ||
				    strcmp(hv, "DKIM-Signature") != 0 ||
				    strcmp(vv, "1") != 0)
					subset = false;
			}
			if (!subset)
				continue;
			want = json_string_value(json_object_get(test,
			    "expected"));
			for (d = 0; d < ndiv; d++) {
				const char *base = strrchr(file, '/');

				base = base != NULL ? base + 1 : file;
				if (strcmp(div[d].file, base) == 0 &&
				    strcmp(div[d].mode, modes[m]) == 0)
					want = div[d].want;
			}
			(void)snprintf(what, sizeof(what), "%s [%s]", file,
			    modes[m]);
			if ((v = verify_file(lib, r, &o,
			    dk_path_join(dir, file), 0)) == NULL)
				continue;
			/* a divergence names an RFC 8601 result; else classes */
			if (mauth_dkim_result_from_str(want) >= 0 &&
			    strcmp(want, "pass") != 0 &&
			    strcmp(want, "fail") != 0)
				got = mauth_dkim_result_str(dk_best(v));
			else
				got = md_class(dk_best(v));
			report(strcmp(got, want) == 0, what, got, want,
			    dkimv_count(v) > 0 ? dkimv_sig(v, 0)->reason : NULL);
			dkimv_free(v);
		}
	}
	mauth_resolver_free(r);
	dkt_free(t);
	json_decref(exp);
}

int
main(int argc, char *argv[])
{
	struct dkimv_lib *lib;
	char err[256];
	const char *divfile = NULL;

	if (argc < 3) {
		fprintf(stderr, "usage: dkim_suite rfc8463|rfc6376a|dkimpy|"
		    "stalwart|maildkim DIR [--divergences FILE]\n");
		return 2;
	}
	if (argc == 5 && strcmp(argv[3], "--divergences") == 0)
		divfile = argv[4];
	if (dkimv_lib_new(&lib, err, sizeof(err)) != MAUTH_OK) {
		fprintf(stderr, "dkimv_lib_new: %s\n", err);
		return 2;
	}
	if (strcmp(argv[1], "rfc8463") == 0)
		run_rfc8463(lib, argv[2]);
	else if (strcmp(argv[1], "rfc6376a") == 0)
		run_dnsmap(lib, argv[2], true);
	else if (strcmp(argv[1], "dkimpy") == 0)
		run_dnsmap(lib, argv[2], false);
	else if (strcmp(argv[1], "stalwart") == 0)
		run_stalwart(lib, argv[2], divfile);
	else if (strcmp(argv[1], "maildkim") == 0)
		run_maildkim(lib, argv[2], divfile);
	else {
		fprintf(stderr, "unknown suite %s\n", argv[1]);
		return 2;
	}
	dkimv_lib_free(lib);
	printf("%d passed, %d failed\n", npass, nfail);
	return nfail == 0 ? 0 : 1;
}
