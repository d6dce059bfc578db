/*
 * bench_common.h - what the benchmarks share: the in-memory corpus, CPU
 * time, medians.
 */
#ifndef MAUTH_BENCH_COMMON_H
#define MAUTH_BENCH_COMMON_H

#include <stddef.h>

#define MAX_MSGS	1000

struct bench_msg {
	unsigned char	*buf;
	size_t		 len;
};

/* the messages of the current set (bench_load_set) */
extern struct bench_msg msgs[MAX_MSGS];
extern size_t nmsgs;

/* the program name used by die() */
extern const char *bench_prog;

double	cpu_now(void);
void	die(const char *what) __attribute__((noreturn));
unsigned char *slurp(const char *path, size_t *len);
int	cmp_double(const void *a, const void *b);
/*
 * load_set - read every .eml of dir, sorted by name, into msgs[]; fix (may
 * be NULL) is applied to each message.  Dies on any error.
 */
void	load_set(const char *dir, void (*fix)(struct bench_msg *));

#endif
