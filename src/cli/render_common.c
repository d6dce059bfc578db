/*
 * render_common.c - JSON helpers shared by the renderers.
 */
#include <string.h>

#include "cli/render_common.h"
#include "util/buf.h"

/* jstr - a JSON string of printable text, or null for NULL */
json_t *
jstr(const char *s)
{
	struct buf b;
	json_t *j;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	/* not UTF-8: the escaped form */
	buf_init(&b, RENDER_JSON_STRING_MAX);
	buf_put_escaped(&b, s, strlen(s));
	j = b.err ? NULL : json_string(b.data != NULL ? b.data : "");
	buf_free(&b);
	return j;
}

/* jset - obj[key] = v (stolen); clears *ok on failure */
void
jset(json_t *obj, const char *key, json_t *v, bool *ok)
{
	if (v == NULL || json_object_set_new(obj, key, v) == -1)
		*ok = false;
}

/* jdump - one JSON value to fp, then freed */
int
jdump(FILE *fp, json_t *o, bool ok, size_t flags)
{
	if (ok && json_dumpf(o, fp, flags) == -1)
		ok = false;
	json_decref(o);
	if (!ok)
		return -1;
	putc('\n', fp);
	return 0;
}
