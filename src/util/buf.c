/*
 * buf.c - growable, bounded byte buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mauth/common.h"
#include "buf.h"

/* buf_init - empty buffer that never grows past max bytes (0: no ceiling) */
void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max ? max : SIZE_MAX / 2;
	b->err = 0;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/* buf_reserve - make room for n more bytes plus the NUL */
static bool
buf_reserve(struct buf *b, size_t n)
{
	size_t need, ncap;
	char *p;

	if (b->err)
		return false;
	if (n > b->max - b->len) {
		b->err = MAUTH_ERR_LIMIT;
		return false;
	}
	need = b->len + n + 1;
	if (need <= b->cap)
		return true;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	if ((p = realloc(b->data, ncap)) == NULL) {
		b->err = MAUTH_ERR_NOMEM;
		return false;
	}
	b->data = p;
	b->cap = ncap;
	return true;
}

void
buf_append(struct buf *b, const void *p, size_t n)
{
	if (!buf_reserve(b, n))
		return;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_putc(struct buf *b, char c)
{
	buf_append(b, &c, 1);
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		b->err = MAUTH_ERR_INTERNAL;
		return;
	}
	if (!buf_reserve(b, (size_t)n))
		return;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void
buf_put_escaped(struct buf *b, const void *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = p;
	char esc[4] = { '\\', 'x', 0, 0 };
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\') {
			buf_putc(b, (char)s[i]);
			continue;
		}
		esc[2] = hex[s[i] >> 4];
		esc[3] = hex[s[i] & 0xf];
		buf_append(b, esc, 4);
	}
}

char *
buf_take(struct buf *b)
{
	char *p;

	if (b->err)
		return NULL;
	if (b->data == NULL) {
		/* nothing appended yet: hand out an empty string, not raw memory */
		if (!buf_reserve(b, 0))
			return NULL;
		b->data[0] = '\0';
	}
	p = b->data;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}
