/*
 * ascii.h - ABNF core rule character classes (RFC 5234 B.1), ASCII only and
 * locale-independent, unlike <ctype.h>.
 */
#ifndef MAUTH_UTIL_ASCII_H
#define MAUTH_UTIL_ASCII_H

#include <stdbool.h>

/* ascii_is_alpha - ALPHA */
static inline bool
ascii_is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* ascii_is_digit - DIGIT */
static inline bool
ascii_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* ascii_is_alnum - ALPHA / DIGIT */
static inline bool
ascii_is_alnum(char c)
{
	return ascii_is_alpha(c) || ascii_is_digit(c);
}

#endif
