/*
 * header.c - streaming RFC 5322 header splitter (see message_int.h).
 *
 * RFC 5322 2.2: a header field is a name, a colon and a body; 2.2.3: a
 * line starting with SP or HTAB continues the previous field (folding);
 * 2.1: the header block ends at the first empty line; 2.1.1: lines are at
 * most 998 characters.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mauth/common.h"
#include "message/message_int.h"
#include "util/buf.h"
#include "util/str.h"

enum split_state {
	ST_LINE_START = 0,	/* at the start of a header-block line */
	ST_LINE_CR,		/* the line so far is one CR */
	ST_NAME,		/* in a field name */
	ST_NAME_WSP,		/* WSP before ':' (obs-optional) */
	ST_VALUE,		/* after ':' or in a continuation */
	ST_SKIP_MBOX,		/* skipping an mbox "From " line at the top */
	ST_SKIP,		/* limit hit: skipping a header line up to LF */
	ST_SKIP_START,		/* limit hit: at the start of a line */
	ST_SKIP_CR,		/* limit hit: the line so far is one CR */
	ST_BODY,		/* after the header block */
	ST_DONE,		/* finished */
	ST_FAILED		/* a callback stopped us */
};

struct msg_split {
	struct msg_limits	 lim;
	struct msg_callbacks	 cb;
	int			 state;
	int			 rc;		/* sticky stop value */
	struct buf		 fld;		/* the current field */
	size_t			 namelen;
	size_t			 valoff;	/* offset of the value in fld */
	bool			 pending;	/* fld holds a complete field */
	size_t			 lines;		/* lines completed (LF seen) */
	bool			 eoh;		/* end of headers delivered */
	size_t			 linelen;	/* current line, no LF */
	bool			 last_cr;	/* the previous byte was CR */
	size_t			 nheaders;
	size_t			 ndropped;
	size_t			 nlong;
	unsigned		 anomalies;
	unsigned long long	 body_bytes;
	bool			 limit_hit;
	char			 limit[96];
};

/* msg_name_eq - ASCII case-insensitive field-name comparison */
bool
msg_name_eq(const char *a, size_t alen, const char *b)
{
	return str_caseeq_n(a, alen, b, strlen(b));
}

/* msg_anomaly_str - text for one anomaly bit */
const char *
msg_anomaly_str(unsigned bit)
{
	switch (bit) {
	case MSG_AN_LONG_LINE:
		return "line over 998 bytes (RFC 5322 2.1.1)";
	case MSG_AN_NO_COLON:
		return "a line that is not a header field ended the "
		    "header block";
	case MSG_AN_FIRST_CONT:
		return "the first line is a continuation line";
	case MSG_AN_NO_SEPARATOR:
		return "no empty line after the header block";
	case MSG_AN_NO_HEADERS:
		return "no header fields";
	case MSG_AN_NUL:
		return "NUL byte in the message";
	case MSG_AN_MBOX_FROM:
		return "mbox \"From \" line at the top skipped";
	case MSG_AN_BARE_LF:
		return "line ended by LF without CR";
	case MSG_AN_NO_FINAL_EOL:
		return "header block ends without a line end";
	default:
		return "unknown anomaly";
	}
}

/* msg_split_new - a splitter with limits lim (NULL or 0 fields: defaults) */
struct msg_split *
msg_split_new(const struct msg_limits *lim, const struct msg_callbacks *cb)
{
	struct msg_split *sp;

	if ((sp = calloc(1, sizeof(*sp))) == NULL)
		return NULL;
	sp->lim.max_headers = MSG_DEFAULT_MAX_HEADERS;
	sp->lim.max_field = MSG_DEFAULT_MAX_FIELD;
	sp->lim.max_line = MSG_DEFAULT_MAX_LINE;
	if (lim != NULL) {
		if (lim->max_headers > 0)
			sp->lim.max_headers = lim->max_headers;
		if (lim->max_field > 0)
			sp->lim.max_field = lim->max_field;
		if (lim->max_line > 0)
			sp->lim.max_line = lim->max_line;
	}
	if (cb != NULL)
		sp->cb = *cb;
	/* the whole field plus its NUL must fit under the buffer ceiling */
	buf_init(&sp->fld, sp->lim.max_field + 1);
	sp->state = ST_LINE_START;
	return sp;
}

void
msg_split_free(struct msg_split *sp)
{
	if (sp == NULL)
		return;
	buf_free(&sp->fld);
	free(sp);
}

/*
 * track - line accounting for bytes p[0..n) of the message: line lengths
 * (RFC 5322 2.1.1), bare LF, NUL bytes.
 */
static void
track(struct msg_split *sp, const char *p, size_t n)
{
	const char *nl;
	size_t run, len;

	while (n > 0) {
		nl = memchr(p, '\n', n);
		run = nl != NULL ? (size_t)(nl - p) : n;
		if (run > 0) {
			if (memchr(p, '\0', run) != NULL)
				sp->anomalies |= MSG_AN_NUL;
			sp->linelen += run;
			sp->last_cr = p[run - 1] == '\r';
		}
		if (nl == NULL)
			return;
		len = sp->linelen;
		if (sp->last_cr)
			len--;
		else
			sp->anomalies |= MSG_AN_BARE_LF;
		if (len > MSG_RFC_LINE) {
			sp->anomalies |= MSG_AN_LONG_LINE;
			sp->nlong++;
		}
		sp->linelen = 0;
		sp->last_cr = false;
		sp->lines++;
		p += run + 1;
		n -= run + 1;
	}
}

/* stop - remember a callback's stop value */
static int
stop(struct msg_split *sp, int rc)
{
	sp->state = ST_FAILED;
	sp->rc = rc;
	return rc;
}

/* set_limit - record the first limit hit and skip the rest of the block */
static void
set_limit(struct msg_split *sp, const char *what, size_t n)
{
	if (!sp->limit_hit) {
		sp->limit_hit = true;
		snprintf(sp->limit, sizeof(sp->limit), "%s %zu %s", what, n,
		    what[0] == 'm' ? "header fields" : "bytes");
	}
	sp->ndropped++;
	sp->pending = false;
	buf_reset(&sp->fld);
	sp->fld.err = 0;
	sp->state = ST_SKIP;
}

/* deliver - hand the field in fld to the header callback */
static int
deliver(struct msg_split *sp)
{
	struct msg_header h;
	size_t end;

	sp->pending = false;
	end = sp->fld.len;
	if (end > sp->valoff && sp->fld.data[end - 1] == '\n') {
		end--;
		if (end > sp->valoff && sp->fld.data[end - 1] == '\r')
			end--;
	}
	h.name = sp->fld.data;
	h.namelen = sp->namelen;
	h.value = sp->fld.data + sp->valoff;
	h.valuelen = end - sp->valoff;
	h.raw = sp->fld.data;
	h.rawlen = sp->fld.len;
	h.index = sp->nheaders++;
	if (sp->cb.header != NULL)
		return sp->cb.header(sp->cb.arg, &h);
	return 0;
}

/* end_headers - deliver end of headers once and enter the body */
static int
end_headers(struct msg_split *sp)
{
	sp->state = ST_BODY;
	if (sp->eoh)
		return 0;
	sp->eoh = true;
	if (sp->nheaders == 0 && sp->ndropped == 0)
		sp->anomalies |= MSG_AN_NO_HEADERS;
	if (sp->cb.eoh != NULL)
		return sp->cb.eoh(sp->cb.arg);
	return 0;
}

/* body - hand body bytes to the callback */
static int
body(struct msg_split *sp, const char *p, size_t n)
{
	if (n == 0)
		return 0;
	sp->body_bytes += n;
	if (sp->cb.body != NULL)
		return sp->cb.body(sp->cb.arg, p, n);
	return 0;
}

/*
 * not_header - the current line (its bytes so far in fld) is not a header
 * field: the header block ends and the line is the start of the body.
 */
static int
not_header(struct msg_split *sp, unsigned why)
{
	int rc;

	sp->anomalies |= why;
	if ((rc = end_headers(sp)) != 0)
		return rc;
	rc = body(sp, sp->fld.data, sp->fld.len);
	buf_reset(&sp->fld);
	return rc;
}

/* fld_add - append line bytes to the field, enforcing the ceilings */
static bool
fld_add(struct msg_split *sp, const char *p, size_t n)
{
	size_t linebytes = n, kline = SIZE_MAX, kfield = SIZE_MAX;

	if (n > 0 && p[n - 1] == '\n')
		linebytes--;
	/*
	 * The byte at which each ceiling would be crossed; the first one
	 * wins (the line on a tie), so the reason does not depend on how
	 * the input was chunked.
	 */
	if (sp->linelen + linebytes > sp->lim.max_line)
		kline = sp->lim.max_line - sp->linelen;
	if (n > sp->lim.max_field - sp->fld.len)
		kfield = sp->lim.max_field - sp->fld.len;
	if (kline != SIZE_MAX && kline <= kfield) {
		set_limit(sp, "header line over", sp->lim.max_line);
		return false;
	}
	if (kfield != SIZE_MAX) {
		set_limit(sp, "header field over", sp->lim.max_field);
		return false;
	}
	buf_append(&sp->fld, p, n);
	if (sp->fld.err)
		return false;
	return true;
}

/* is_ftext - RFC 5322 3.6.8 field-name characters */
static bool
is_ftext(unsigned char c)
{
	return c >= 33 && c <= 126 && c != ':';
}

/*
 * step - consume at least one byte of p[0..n) in the current state; returns
 * bytes consumed, or 0 with *rc set on a stop.
 */
static size_t
step(struct msg_split *sp, const char *p, size_t n, int *rc)
{
	const char *nl;
	size_t run;
	char c = p[0];

	*rc = 0;
	switch (sp->state) {
	case ST_LINE_START:
		if (c == '\n' || c == '\r') {
			if (c == '\n') {
				track(sp, p, 1);
				if (sp->pending && (*rc = deliver(sp)) != 0)
					return 0;
				*rc = end_headers(sp);
				return *rc != 0 ? 0 : 1;
			}
			track(sp, p, 1);
			sp->state = ST_LINE_CR;
			return 1;
		}
		if (c == ' ' || c == '\t') {
			if (!sp->pending) {
				/* RFC 5322 2.2.3: nothing to continue */
				buf_reset(&sp->fld);
				if (!fld_add(sp, p, 1))
					return 0;
				track(sp, p, 1);
				*rc = not_header(sp, MSG_AN_FIRST_CONT);
				return *rc != 0 ? 0 : 1;
			}
			if (!fld_add(sp, p, 1))
				return 0;
			track(sp, p, 1);
			sp->state = ST_VALUE;
			return 1;
		}
		if (sp->pending && (*rc = deliver(sp)) != 0)
			return 0;
		if (sp->nheaders >= sp->lim.max_headers) {
			set_limit(sp, "more than", sp->lim.max_headers);
			return 0;	/* the line is skipped in ST_SKIP */
		}
		buf_reset(&sp->fld);
		sp->namelen = 0;
		sp->state = ST_NAME;
		return 0;	/* c is handled in ST_NAME */
	case ST_LINE_CR:
		if (c == '\n') {
			track(sp, p, 1);
			if (sp->pending && (*rc = deliver(sp)) != 0)
				return 0;
			*rc = end_headers(sp);
			return *rc != 0 ? 0 : 1;
		}
		/* a line starting with CR is not a header field */
		if (sp->pending && (*rc = deliver(sp)) != 0)
			return 0;
		buf_reset(&sp->fld);
		buf_putc(&sp->fld, '\r');
		if ((*rc = not_header(sp, MSG_AN_NO_COLON)) != 0)
			return 0;
		return 0;	/* c is handled in the body state */
	case ST_NAME:
	case ST_NAME_WSP:
		if (sp->state == ST_NAME && is_ftext((unsigned char)c)) {
			if (!fld_add(sp, p, 1))
				return 0;
			track(sp, p, 1);
			sp->namelen++;
			return 1;
		}
		if (c == ' ' || c == '\t') {
			if (!fld_add(sp, p, 1))
				return 0;
			track(sp, p, 1);
			sp->state = ST_NAME_WSP;
			return 1;
		}
		if (c == ':' && sp->namelen > 0) {
			if (!fld_add(sp, p, 1))
				return 0;
			track(sp, p, 1);
			sp->valoff = sp->fld.len;
			sp->state = ST_VALUE;
			return 1;
		}
		if (sp->lines == 0 && sp->namelen == 4 && sp->fld.len >= 5 &&
		    memcmp(sp->fld.data, "From ", 5) == 0) {
			/* mbox separator line at the very top: skip it */
			sp->anomalies |= MSG_AN_MBOX_FROM;
			buf_reset(&sp->fld);
			sp->state = ST_SKIP_MBOX;
			return 0;
		}
		/* no colon: not a header field; the body starts here */
		*rc = not_header(sp, MSG_AN_NO_COLON);
		return 0;
	case ST_VALUE:
		nl = memchr(p, '\n', n);
		run = nl != NULL ? (size_t)(nl - p) + 1 : n;
		if (!fld_add(sp, p, run))
			return 0;	/* skipped in ST_SKIP */
		track(sp, p, run);
		if (nl != NULL) {
			sp->pending = true;
			sp->state = ST_LINE_START;
		}
		return run;
	case ST_SKIP_MBOX:
	case ST_SKIP:
		nl = memchr(p, '\n', n);
		run = nl != NULL ? (size_t)(nl - p) + 1 : n;
		track(sp, p, run);
		if (nl != NULL)
			sp->state = sp->state == ST_SKIP ? ST_SKIP_START :
			    ST_LINE_START;
		return run;
	case ST_SKIP_START:
		track(sp, p, 1);
		if (c == '\n') {
			*rc = end_headers(sp);
			return *rc != 0 ? 0 : 1;
		}
		if (c == '\r') {
			sp->state = ST_SKIP_CR;
			return 1;
		}
		if (c != ' ' && c != '\t')
			sp->ndropped++;
		sp->state = ST_SKIP;
		return 1;
	case ST_SKIP_CR:
		if (c == '\n') {
			track(sp, p, 1);
			*rc = end_headers(sp);
			return *rc != 0 ? 0 : 1;
		}
		sp->ndropped++;
		sp->state = ST_SKIP;
		return 0;
	case ST_BODY:
		track(sp, p, n);
		*rc = body(sp, p, n);
		return *rc != 0 ? 0 : n;
	default:
		*rc = MAUTH_ERR_INVAL;
		return 0;
	}
}

/* msg_split_write - feed bytes in any chunking */
int
msg_split_write(struct msg_split *sp, const void *buf, size_t len)
{
	const char *p = buf;
	size_t used;
	int rc;

	if (sp == NULL || (buf == NULL && len > 0))
		return MAUTH_ERR_INVAL;
	if (sp->state == ST_FAILED)
		return sp->rc;
	if (sp->state == ST_DONE)
		return MAUTH_ERR_INVAL;
	while (len > 0) {
		used = step(sp, p, len, &rc);
		if (rc != 0)
			return stop(sp, rc);
		if (sp->fld.err == MAUTH_ERR_NOMEM)
			return stop(sp, MAUTH_ERR_NOMEM);
		p += used;
		len -= used;
	}
	return 0;
}

/* msg_split_finish - end of input: flush what is waiting */
int
msg_split_finish(struct msg_split *sp)
{
	int rc = 0;

	if (sp == NULL)
		return MAUTH_ERR_INVAL;
	if (sp->state == ST_FAILED)
		return sp->rc;
	if (sp->state == ST_DONE)
		return 0;
	if (sp->linelen > MSG_RFC_LINE) {
		sp->anomalies |= MSG_AN_LONG_LINE;
		sp->nlong++;
	}
	switch (sp->state) {
	case ST_LINE_START:
	case ST_LINE_CR:
		if (sp->pending && (rc = deliver(sp)) != 0)
			return stop(sp, rc);
		if (sp->nheaders > 0)
			sp->anomalies |= MSG_AN_NO_SEPARATOR;
		/* a lone CR at the end: a truncated empty line, dropped */
		if ((rc = end_headers(sp)) != 0)
			return stop(sp, rc);
		break;
	case ST_NAME:
	case ST_NAME_WSP:
		if ((rc = not_header(sp, MSG_AN_NO_COLON)) != 0)
			return stop(sp, rc);
		break;
	case ST_VALUE:
		sp->anomalies |= MSG_AN_NO_FINAL_EOL | MSG_AN_NO_SEPARATOR;
		if ((rc = deliver(sp)) != 0)
			return stop(sp, rc);
		if ((rc = end_headers(sp)) != 0)
			return stop(sp, rc);
		break;
	case ST_BODY:
		break;
	default:
		sp->anomalies |= MSG_AN_NO_SEPARATOR;
		if ((rc = end_headers(sp)) != 0)
			return stop(sp, rc);
		break;
	}
	sp->state = ST_DONE;
	return 0;
}

bool
msg_split_in_body(const struct msg_split *sp)
{
	return sp != NULL && sp->eoh;
}

const char *
msg_split_limit(const struct msg_split *sp)
{
	return sp != NULL && sp->limit_hit ? sp->limit : NULL;
}

unsigned
msg_split_anomalies(const struct msg_split *sp)
{
	return sp != NULL ? sp->anomalies : 0;
}

size_t
msg_split_headers(const struct msg_split *sp)
{
	return sp != NULL ? sp->nheaders : 0;
}

size_t
msg_split_dropped(const struct msg_split *sp)
{
	return sp != NULL ? sp->ndropped : 0;
}

size_t
msg_split_long_lines(const struct msg_split *sp)
{
	return sp != NULL ? sp->nlong : 0;
}

unsigned long long
msg_split_body_bytes(const struct msg_split *sp)
{
	return sp != NULL ? sp->body_bytes : 0;
}
