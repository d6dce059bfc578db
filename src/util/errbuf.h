/*
 * errbuf.h - the one-line reason a caller may ask for: (char *err, size_t
 * errlen) pairs of the public API, where err may be NULL.
 */
#ifndef MAUTH_UTIL_ERRBUF_H
#define MAUTH_UTIL_ERRBUF_H

#include <stddef.h>

/* seterr - printf into err[0..errlen) when err is given; truncates */
void	seterr(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
