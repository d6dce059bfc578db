/*
 * log.c - mauthd's log lines: syslog (mail facility) or stderr, one line
 * each.  Untrusted text goes through md_esc() first.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "mauthd.h"

static int	log_where = MD_LOG_STDERR;
static bool	log_debug;

/* md_log_open - choose where lines go */
void
md_log_open(int where, bool debug)
{
	log_where = where;
	log_debug = debug;
	if (where == MD_LOG_SYSLOG)
		openlog("mauthd", LOG_PID | LOG_NDELAY, LOG_MAIL);
}

/* md_log_debug - whether debug lines are written (skip costly ones) */
bool
md_log_debug(void)
{
	return log_debug;
}

/* md_log - one line at a syslog level */
void
md_log(int level, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	if (level == MD_DEBUG && !log_debug)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (log_where == MD_LOG_SYSLOG) {
		syslog(level, "%s", line);
		return;
	}
	{
		char ts[32];
		struct tm tm;
		time_t now = time(NULL);

		if (gmtime_r(&now, &tm) == NULL ||
		    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
			ts[0] = '\0';
		fprintf(stderr, "%s mauthd: %s\n", ts, line);
		fflush(stderr);
	}
}

/* md_esc - control bytes and non-ASCII as \xNN, at most max input bytes */
const char *
md_esc(const char *s, size_t max)
{
	static __thread char out[4][1024];
	static __thread unsigned slot;
	char *o;
	size_t i, n = 0;

	o = out[slot++ % 4];
	if (s == NULL) {
		o[0] = '\0';
		return o;
	}
	for (i = 0; s[i] != '\0' && i < max && n + 5 < sizeof(out[0]); i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '\\') {
			snprintf(o + n, 5, "\\x%02x", c);
			n += 4;
		} else
			o[n++] = (char)c;
	}
	o[n] = '\0';
	return o;
}
