/*
 * buf.h - a growable byte buffer with a hard ceiling and a sticky error.
 *
 * Appends past the ceiling or failed allocations set buf->err and are ignored
 * from then on, so a sequence of appends needs only one check at the end.
 * The data is always NUL-terminated (the NUL is not counted in len).
 */
#ifndef MAUTH_UTIL_BUF_H
#define MAUTH_UTIL_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;	/* ceiling on len; 0 = SIZE_MAX/2 */
	int	 err;	/* 0, MAUTH_ERR_NOMEM or MAUTH_ERR_LIMIT */
};

void	buf_init(struct buf *b, size_t max);
void	buf_free(struct buf *b);
void	buf_reset(struct buf *b);	/* len = 0, keeps err */
void	buf_append(struct buf *b, const void *p, size_t n);
void	buf_putc(struct buf *b, char c);
void	buf_puts(struct buf *b, const char *s);
void	buf_printf(struct buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));
/* append p[0..n) with bytes outside 0x20..0x7e (and backslash) as \xHH */
void	buf_put_escaped(struct buf *b, const void *p, size_t n);
/* take the data (caller frees; never NULL unless err) and reset the buffer */
char	*buf_take(struct buf *b);

#endif
