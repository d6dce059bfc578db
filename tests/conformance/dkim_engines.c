/*
 * dkim_engines.c - differential test of the two DKIM verification engines:
 * every message of the DKIM corpora goes through the native engine and
 * through libopendkim (dkimv_options.libopendkim), with the same DNS and
 * clock, and each signature must get the same result, d=, s= and a=.
 *
 *   dkim_engines TESTDATA [--divergences FILE]
 *
 * Corpora (under TESTDATA): dkim/rfc8463, dkim/rfc6376-appendix-a,
 * dkim/dkimpy, dkim/stalwart, dkim/mail-dkim (every message, with our
 * policy and in legacy mode), dkim/unit (unit.zone), verify/messages
 * (sample.zone), and the seeds of fuzz/dkim (their own layout: see
 * tests/fuzz/fuzz_dkim.c).
 *
 * A deliberate difference is a line of the divergences file,
 * "corpus/file<TAB>index<TAB>native<TAB>libopendkim<TAB>reason"; it is
 * still checked (both results must be the ones listed), and an entry that
 * no message produces is a failure.  Differing reasons with equal results
 * are printed as "note" lines and counted, not failed.  Prints one line
 * per failure and "N passed, N failed"; exits 1 on failure.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "dkim_common.h"

#define MAX_DIV	256

struct divergence {
	char	key[512];	/* corpus/file#index */
	char	native[32], ref[32];
	bool	seen;
};

static struct divergence divs[MAX_DIV];
static size_t ndivs;
static int npass, nfail, nreason;
static struct dkimv_lib *lib;

/* load_divergences - the TSV file, comments and blank lines skipped */
static void
load_divergences(const char *path)
{
	char line[2048], *f[5];
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		perror(path);
		exit(2);
	}
	while (ndivs < MAX_DIV && dk_tsv_next(fp, line, sizeof(line), f, 5)) {
		if (f[3] == NULL)
			continue;
		(void)snprintf(divs[ndivs].key, sizeof(divs[ndivs].key),
		    "%s#%s", f[0], f[1]);
		(void)snprintf(divs[ndivs].native, sizeof(divs[ndivs].native),
		    "%s", f[2]);
		(void)snprintf(divs[ndivs].ref, sizeof(divs[ndivs].ref), "%s",
		    f[3]);
		ndivs++;
	}
	fclose(fp);
}

/* div_find - the divergence listed for key, or NULL */
static struct divergence *
div_find(const char *key)
{
	size_t i;

	for (i = 0; i < ndivs; i++)
		if (strcmp(divs[i].key, key) == 0)
			return &divs[i];
	return NULL;
}

/* streq - NULL-safe string equality */
static bool
streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* nz - printable */
static const char *
nz(const char *s)
{
	return s != NULL ? s : "(null)";
}

/*
 * compare - one message through both engines; name is "corpus/file".
 */
static void
compare(const char *name, struct mauth_resolver *r,
    const struct dkimv_options *base, const char *msg, size_t len,
    size_t chunk)
{
	struct dkimv_options o = *base;
	struct dkimv *vn = NULL, *vr = NULL;
	const struct mauth_dkim_sig *a, *b;
	struct divergence *d;
	const char *rn, *rr;
	char key[600];
	size_t i, n;

	o.libopendkim = false;
	if (dk_verify(lib, r, NULL, &o, msg, len, chunk, &vn) != MAUTH_OK) {
		printf("FAIL %s: native engine error\n", name);
		nfail++;
		return;
	}
	o.libopendkim = true;
	if (dk_verify(lib, r, NULL, &o, msg, len, chunk, &vr) != MAUTH_OK) {
		printf("FAIL %s: libopendkim engine error\n", name);
		nfail++;
		dkimv_free(vn);
		return;
	}
	if (dkimv_count(vn) != dkimv_count(vr)) {
		printf("FAIL %s: native %zu signatures, libopendkim %zu\n",
		    name, dkimv_count(vn), dkimv_count(vr));
		nfail++;
		goto out;
	}
	n = dkimv_count(vn);
	for (i = 0; i < n; i++) {
		a = dkimv_sig(vn, i);
		b = dkimv_sig(vr, i);
		rn = mauth_dkim_result_str(a->result);
		rr = mauth_dkim_result_str(b->result);
		(void)snprintf(key, sizeof(key), "%s#%zu", name, i);
		if ((d = div_find(key)) != NULL) {
			d->seen = true;
			if (strcmp(d->native, rn) == 0 &&
			    strcmp(d->ref, rr) == 0) {
				npass++;
				continue;
			}
			printf("FAIL %s: native %s (%s), libopendkim %s (%s); "
			    "divergence lists %s / %s\n", key, rn, a->reason,
			    rr, b->reason, d->native, d->ref);
			nfail++;
			continue;
		}
		if (a->result != b->result || !streq(a->domain, b->domain) ||
		    !streq(a->selector, b->selector) ||
		    !streq(a->algorithm, b->algorithm) ||
		    a->checked != b->checked) {
			printf("FAIL %s: native %s (%s) d=%s s=%s a=%s, "
			    "libopendkim %s (%s) d=%s s=%s a=%s\n", key, rn,
			    a->reason, nz(a->domain), nz(a->selector),
			    nz(a->algorithm), rr, b->reason, nz(b->domain),
			    nz(b->selector), nz(b->algorithm));
			nfail++;
			continue;
		}
		if (!streq(a->reason, b->reason)) {
			printf("note %s: %s, reasons differ: native \"%s\", "
			    "libopendkim \"%s\"\n", key, rn, a->reason,
			    b->reason);
			nreason++;
		}
		npass++;
	}
out:
	dkimv_free(vn);
	dkimv_free(vr);
}

/* compare_file - a message file (skip bytes at its start) */
static void
compare_file(const char *corpus, const char *dir, const char *file,
    struct mauth_resolver *r, const struct dkimv_options *o, size_t skip)
{
	char name[600], *msg;
	size_t len;

	(void)snprintf(name, sizeof(name), "%s/%s", corpus, file);
	if ((msg = dk_read_file(dk_path_join(dir, file), &len)) == NULL) {
		printf("FAIL %s: unreadable\n", name);
		nfail++;
		return;
	}
	if (skip > len)
		skip = len;
	compare(name, r, o, msg + skip, len - skip, 1000);
	free(msg);
}

/* run_rfc8463 - dns.json {name: {TXT: [[strings]]}} */
static void
run_rfc8463(const char *dir)
{
	struct dkimv_options o;
	struct mauth_resolver *r;
	struct dkt *t = dkt_new();
	json_t *exp, *dns, *test;
	size_t i;

	exp = dk_load_json(dk_path_join(dir, "expected.json"));
	dns = dk_load_json(dk_path_join(dir, "dns.json"));
	dk_add_dns_json(t, dns);
	if (dkt_resolver(t, &r) != MAUTH_OK)
		exit(2);
	dkimv_options_init(&o);
	o.now = (int64_t)json_integer_value(json_object_get(exp,
	    "verification_time"));
	json_array_foreach(json_object_get(exp, "tests"), i, test)
		compare_file("rfc8463", dir, json_string_value(
		    json_object_get(test, "file")), r, &o, 0);
	mauth_resolver_free(r);
	dkt_free(t);
	json_decref(exp);
	json_decref(dns);
}

/* run_dnsmap - expected.json with "dns": {name: string} */
static void
run_dnsmap(const char *corpus, const char *dir)
{
	struct dkimv_options o;
	struct mauth_resolver *r;
	struct dkt *t = dkt_new();
	json_t *exp, *val, *test;
	const char *name;
	size_t i;

	exp = dk_load_json(dk_path_join(dir, "expected.json"));
	json_object_foreach(json_object_get(exp, "dns"), name, val)
		(void)dk_add_txt1(t, name, json_string_value(val),
		    json_string_length(val));
	if (dkt_resolver(t, &r) != MAUTH_OK)
		exit(2);
	dkimv_options_init(&o);
	o.now = (int64_t)time(NULL);
	json_array_foreach(json_object_get(exp, "tests"), i, test)
		compare_file(corpus, dir, json_string_value(
		    json_object_get(test, "file")), r, &o, 0);
	mauth_resolver_free(r);
	dkt_free(t);
	json_decref(exp);
}

/* run_stalwart - each file: "name value" DNS lines, blank line, message */
static void
run_stalwart(const char *dir)
{
	struct dkimv_options o;
	struct mauth_resolver *r;
	struct dkt *t;
	json_t *exp, *test;
	char *buf;
	const char *file;
	size_t i, len, skip;

	exp = dk_load_json(dk_path_join(dir, "expected.json"));
	dkimv_options_init(&o);
	o.now = (int64_t)json_integer_value(json_object_get(exp,
	    "verification_time"));
	json_array_foreach(json_object_get(exp, "tests"), i, test) {
		file = json_string_value(json_object_get(test, "file"));
		if ((buf = dk_read_file(dk_path_join(dir, file),
		    &len)) == NULL) {
			printf("FAIL stalwart/%s: unreadable\n", file);
			nfail++;
			continue;
		}
		t = dkt_new();
		skip = dk_add_dns_lines(t, buf, len);
		free(buf);
		if (dkt_resolver(t, &r) != MAUTH_OK)
			exit(2);
		compare_file("stalwart", dir, file, r, &o, skip);
		mauth_resolver_free(r);
		dkt_free(t);
	}
	json_decref(exp);
}

/* run_maildkim - every message, with our policy and in legacy mode */
static void
run_maildkim(const char *dir)
{
	struct dkimv_options o;
	struct mauth_resolver *r;
	struct dkt *t;
	json_t *exp, *test;
	size_t i, m;

	exp = dk_load_json(dk_path_join(dir, "expected.json"));
	t = dk_load_fake_dns(dk_path_join(dir, "FAKE_DNS.dat"));
	if (dkt_resolver(t, &r) != MAUTH_OK)
		exit(2);
	for (m = 0; m < 2; m++) {
		dkimv_options_init(&o);
		o.now = (int64_t)time(NULL);
		if (m == 1) {
			o.allow_rsa_sha1 = true;
			o.min_rsa_bits = 0;
		}
		json_array_foreach(json_object_get(exp, "tests"), i, test)
			compare_file(m == 0 ? "mail-dkim" : "mail-dkim-legacy",
			    dir, json_string_value(json_object_get(test,
			    "file")), r, &o, 0);
	}
	mauth_resolver_free(r);
	dkt_free(t);
	json_decref(exp);
}

/* cmp_name - qsort on names */
static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * list_dir - the regular names of dir ending in suffix ("" = all, dot
 * files skipped), sorted; *n set.  Caller frees.
 */
static char **
list_dir(const char *dir, const char *suffix, size_t *n)
{
	DIR *d;
	struct dirent *e;
	char **v = NULL, **nv;
	size_t len, sl = strlen(suffix);

	*n = 0;
	if ((d = opendir(dir)) == NULL) {
		perror(dir);
		exit(2);
	}
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (e->d_name[0] == '.' || len < sl ||
		    strcmp(e->d_name + len - sl, suffix) != 0)
			continue;
		if ((nv = realloc(v, (*n + 1) * sizeof(*v))) == NULL)
			exit(2);
		v = nv;
		if ((v[(*n)++] = strdup(e->d_name)) == NULL)
			exit(2);
	}
	closedir(d);
	if (*n > 0)
		qsort(v, *n, sizeof(*v), cmp_name);
	return v;
}

/* run_zone - every *.eml of dir against a zone file */
static void
run_zone(const char *corpus, const char *dir, const char *zone)
{
	struct dkimv_options o;
	struct mauth_resolver *r;
	char err[512], **names;
	size_t i, n;

	if (mauth_resolver_new_zone(zone, &r, err, sizeof(err)) != MAUTH_OK) {
		fprintf(stderr, "%s: %s\n", zone, err);
		exit(2);
	}
	dkimv_options_init(&o);
	o.now = (int64_t)time(NULL);
	names = list_dir(dir, ".eml", &n);
	for (i = 0; i < n; i++) {
		compare_file(corpus, dir, names[i], r, &o, 0);
		free(names[i]);
	}
	free(names);
	mauth_resolver_free(r);
}

/* run_fuzz - the fuzz seeds: byte 0 options, key record line, message */
static void
run_fuzz(const char *dir)
{
	struct mauth_dns_backend be;
	struct mauth_resolver *r;
	struct dkimv_options o;
	struct dk_fuzzrec in;
	char **names, *data, name[600];
	const char *nl;
	size_t i, n, len;

	names = list_dir(dir, "", &n);
	for (i = 0; i < n; i++) {
		(void)snprintf(name, sizeof(name), "fuzz/%s", names[i]);
		data = dk_read_file(dk_path_join(dir, names[i]), &len);
		free(names[i]);
		if (data == NULL || len < 1 ||
		    (nl = memchr(data + 1, '\n', len - 1)) == NULL) {
			free(data);
			continue;	/* no message in it */
		}
		in.rec = (const uint8_t *)data + 1;
		in.len = (size_t)(nl - (data + 1));
		memset(&be, 0, sizeof(be));
		be.query = dk_fuzz_query;
		be.arg = &in;
		if (mauth_resolver_new_custom(&be, &r) != MAUTH_OK)
			exit(2);
		dkimv_options_init(&o);
		o.max_signatures = 1 + ((unsigned char)data[0] & 3);
		o.allow_rsa_sha1 = (data[0] & 4) != 0;
		o.now = 1700000000;
		compare(name, r, &o, nl + 1, len - (size_t)(nl - data) - 1,
		    1 + ((size_t)((unsigned char)data[0] >> 3) & 7) * 97);
		mauth_resolver_free(r);
		free(data);
	}
	free(names);
}

int
main(int argc, char *argv[])
{
	char dir[4096], zone[8192], err[256];
	size_t i;

	if (argc != 2 && !(argc == 4 && strcmp(argv[2], "--divergences") ==
	    0)) {
		fprintf(stderr, "usage: dkim_engines TESTDATA "
		    "[--divergences FILE]\n");
		return 2;
	}
	if (argc == 4)
		load_divergences(argv[3]);
	if (dkimv_lib_new(&lib, err, sizeof(err)) != MAUTH_OK) {
		fprintf(stderr, "dkimv_lib_new: %s\n", err);
		return 2;
	}
	(void)snprintf(dir, sizeof(dir), "%s/dkim/rfc8463", argv[1]);
	run_rfc8463(dir);
	(void)snprintf(dir, sizeof(dir), "%s/dkim/rfc6376-appendix-a",
	    argv[1]);
	run_dnsmap("rfc6376a", dir);
	(void)snprintf(dir, sizeof(dir), "%s/dkim/dkimpy", argv[1]);
	run_dnsmap("dkimpy", dir);
	(void)snprintf(dir, sizeof(dir), "%s/dkim/stalwart", argv[1]);
	run_stalwart(dir);
	(void)snprintf(dir, sizeof(dir), "%s/dkim/mail-dkim", argv[1]);
	run_maildkim(dir);
	(void)snprintf(dir, sizeof(dir), "%s/dkim/unit", argv[1]);
	(void)snprintf(zone, sizeof(zone), "%s/unit.zone", dir);
	run_zone("unit", dir, zone);
	(void)snprintf(dir, sizeof(dir), "%s/verify/messages", argv[1]);
	(void)snprintf(zone, sizeof(zone), "%s/verify/sample.zone", argv[1]);
	run_zone("verify", dir, zone);
	(void)snprintf(dir, sizeof(dir), "%s/fuzz/dkim", argv[1]);
	run_fuzz(dir);
	for (i = 0; i < ndivs; i++)
		if (!divs[i].seen) {
			printf("FAIL %s: listed as a divergence, not seen\n",
			    divs[i].key);
			nfail++;
		}
	dkimv_lib_free(lib);
	printf("%d signatures with equal results and different reasons\n",
	    nreason);
	printf("%d passed, %d failed\n", npass, nfail);
	return nfail == 0 ? 0 : 1;
}
