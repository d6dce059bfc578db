/*
 * replay.c - run a libFuzzer harness over a corpus without libFuzzer, so the
 * corpus replays in every ordinary (gcc, Asan) build.  Arguments are files or
 * directories; prints "N passed, N failed" (a crash fails the whole run).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_INPUT (1024 * 1024)

static unsigned passed, failed;

/* replay_file - feed one file to the harness */
static void
replay_file(const char *path)
{
	uint8_t *buf;
	size_t n;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "FAIL %s: cannot open\n", path);
		failed++;
		return;
	}
	if ((buf = malloc(REPLAY_MAX_INPUT)) == NULL) {
		fclose(f);
		fprintf(stderr, "FAIL %s: out of memory\n", path);
		failed++;
		return;
	}
	n = fread(buf, 1, REPLAY_MAX_INPUT, f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	passed++;
}

static void
replay_path(const char *path)
{
	struct dirent *de;
	struct stat st;
	char sub[4096];
	DIR *d;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "FAIL %s: missing\n", path);
		failed++;
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		replay_file(path);
		return;
	}
	if ((d = opendir(path)) == NULL) {
		failed++;
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path,
		    de->d_name) >= sizeof(sub))
			continue;
		replay_path(sub);
	}
	closedir(d);
}

int
main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		replay_path(argv[i]);
	if (passed + failed == 0)
		failed++;	/* an empty corpus is a failure, not a pass */
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
