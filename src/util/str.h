/*
 * str.h - small string helpers: ASCII case folding, bounded number parsing.
 */
#ifndef MAUTH_UTIL_STR_H
#define MAUTH_UTIL_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ASCII-only case-insensitive comparisons (locale-independent). */
int	str_casecmp(const char *a, const char *b);
bool	str_caseeq_n(const char *a, size_t alen, const char *b, size_t blen);
char	str_lower(char c);

/*
 * str_to_u64 - parse the decimal digits of s[0..len) (no sign, no space) into
 * *out, failing (false) on an empty string, a non-digit or a value > max.
 */
bool	str_to_u64(const char *s, size_t len, uint64_t max, uint64_t *out);

/* str_ndup - copy s[0..len) into a new NUL-terminated string; NULL on ENOMEM */
char	*str_ndup(const char *s, size_t len);

#endif
