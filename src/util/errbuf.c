/*
 * errbuf.c - the one-line reason a caller may ask for.
 */
#include <stdarg.h>
#include <stdio.h>

#include "util/errbuf.h"

/* seterr - printf a reason into err (may be NULL) */
void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
