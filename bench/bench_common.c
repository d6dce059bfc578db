/*
 * bench_common.c - corpus loading, CPU time and ordering for the
 * benchmarks.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_common.h"

struct bench_msg msgs[MAX_MSGS];
size_t nmsgs;
const char *bench_prog = "bench";

/* cpu_now - CPU seconds used by this process */
double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* die - report and exit 1 */
void
die(const char *what)
{
	fprintf(stderr, "%s: %s\n", bench_prog, what);
	exit(1);
}

/* slurp - a whole file, NUL-terminated; NULL on error */
unsigned char *
slurp(const char *path, size_t *len)
{
	unsigned char *b;
	FILE *f;
	long n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (b = malloc((size_t)n + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	if (fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		fclose(f);
		return NULL;
	}
	fclose(f);
	b[n] = '\0';
	*len = (size_t)n;
	return b;
}

/* cmp_double - qsort order of rates */
int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* name_cmp - qsort order of file names */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
load_set(const char *dir, void (*fix)(struct bench_msg *))
{
	char *names[MAX_MSGS], path[4096];
	struct dirent *de;
	size_t i, n = 0, l;
	DIR *d;

	for (i = 0; i < nmsgs; i++)
		free(msgs[i].buf);
	nmsgs = 0;
	if ((d = opendir(dir)) == NULL)
		die("cannot open a corpus folder (run bench/gen-corpus)");
	while ((de = readdir(d)) != NULL && n < MAX_MSGS) {
		l = strlen(de->d_name);
		if (l > 4 && strcmp(de->d_name + l - 4, ".eml") == 0)
			if ((names[n] = strdup(de->d_name)) != NULL)
				n++;
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), name_cmp);
	for (i = 0; i < n; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    names[i]) >= sizeof(path))
			die("path too long");
		if ((msgs[nmsgs].buf = slurp(path, &msgs[nmsgs].len)) == NULL)
			die("cannot read a message");
		if (fix != NULL)
			fix(&msgs[nmsgs]);
		nmsgs++;
		free(names[i]);
	}
	if (nmsgs == 0)
		die("empty corpus folder");
}
