/*
 * render_common.h - JSON helpers shared by the renderers of the mauth
 * subcommands (jansson).
 */
#ifndef MAUTH_CLI_RENDER_COMMON_H
#define MAUTH_CLI_RENDER_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* bytes of the escaped form of one string that is not UTF-8 */
#define RENDER_JSON_STRING_MAX	(1024 * 1024)

/*
 * jstr - a JSON string for s, JSON null for NULL.  jansson takes only UTF-8;
 * other text is given with its bytes escaped (\xHH).  NULL on failure.
 */
json_t	*jstr(const char *s);

/* jset - obj[key] = v (v is stolen); clears *ok on failure (also v NULL) */
void	 jset(json_t *obj, const char *key, json_t *v, bool *ok);

/*
 * jdump - print o as JSON (jansson flags) and a newline, then free o.  -1
 * when ok is false (nothing printed) or jansson fails, else 0.
 */
int	 jdump(FILE *fp, json_t *o, bool ok, size_t flags);

#endif
