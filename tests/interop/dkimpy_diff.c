/*
 * dkimpy_diff.c - the mauth half of the differential test against dkimpy.
 *
 *   dkimpy_diff DIR
 *
 * DIR holds what dkimpy_diff.py wrote: keys.zone (loaded with
 * mauth_resolver_new_zone, the file dkimpy's dnsfunc read), the messages and
 * manifest.tsv.  mauth's verdict (pass / not pass) must equal dkimpy's, or
 * the documented divergence named in the manifest.  Prints one line per
 * mismatch and "N passed, N failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dkim_common.h"

int
main(int argc, char *argv[])
{
	struct dkimv_lib *lib;
	struct mauth_resolver *r;
	struct dkimv_options o;
	struct dkimv *v;
	char path[4096], line[8192], err[256], *f[4], *s, *msg;
	const char *want, *got, *why;
	size_t len, k;
	int npass = 0, nfail = 0, ndiv = 0;
	FILE *fp;

	if (argc != 2) {
		fprintf(stderr, "usage: dkimpy_diff DIR\n");
		return 2;
	}
	(void)snprintf(path, sizeof(path), "%s/keys.zone", argv[1]);
	if (mauth_resolver_new_zone(path, &r, err, sizeof(err)) != MAUTH_OK) {
		fprintf(stderr, "%s: %s\n", path, err);
		return 2;
	}
	if (dkimv_lib_new(&lib, err, sizeof(err)) != MAUTH_OK) {
		fprintf(stderr, "dkimv_lib_new: %s\n", err);
		return 2;
	}
	dkimv_options_init(&o);
	(void)snprintf(path, sizeof(path), "%s/manifest.tsv", argv[1]);
	if ((fp = fopen(path, "r")) == NULL) {
		perror(path);
		return 2;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		s = line;
		for (k = 0; k < 4; k++)
			f[k] = strsep(&s, "\t\n");
		if (f[3] == NULL)
			continue;
		want = strcmp(f[2], "same") == 0 ? f[1] :
		    strncmp(f[2], "pass", 4) == 0 ? "pass" : "nopass";
		if (strcmp(f[2], "same") != 0)
			ndiv++;
		(void)snprintf(path, sizeof(path), "%s/%s", argv[1], f[0]);
		if ((msg = dk_read_file(path, &len)) == NULL) {
			printf("FAIL %s (%s): unreadable\n", f[0], f[3]);
			nfail++;
			continue;
		}
		/* odd chunk size: the body streams across CRLF boundaries */
		if (dk_verify(lib, r, NULL, &o, msg, len, 4093, &v) !=
		    MAUTH_OK) {
			printf("FAIL %s (%s): verifier error\n", f[0], f[3]);
			nfail++;
			free(msg);
			continue;
		}
		got = dk_best(v) == MAUTH_DKIM_PASS ? "pass" : "nopass";
		why = dkimv_count(v) > 0 ? dkimv_sig(v, 0)->reason : "no sig";
		if (strcmp(got, want) == 0)
			npass++;
		else {
			nfail++;
			printf("FAIL %s (%s): mauth %s (%s: %s), dkimpy %s%s%s\n",
			    f[0], f[3], got, mauth_dkim_result_str(dk_best(v)),
			    why, f[1], strcmp(f[2], "same") != 0 ?
			    "; expected divergence: " : "",
			    strcmp(f[2], "same") != 0 ? f[2] : "");
		}
		dkimv_free(v);
		free(msg);
	}
	fclose(fp);
	dkimv_lib_free(lib);
	mauth_resolver_free(r);
	printf("(%d documented divergences checked)\n", ndiv);
	printf("%d passed, %d failed\n", npass, nfail);
	return nfail == 0 ? 0 : 1;
}
