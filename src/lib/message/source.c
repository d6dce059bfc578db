/*
 * source.c - message sources: one file, stdin, an mbox (mboxrd), a Maildir,
 * a directory of message files (see mauth/message.h for the rules).
 *
 * Streams (a file, stdin, an mbox) are read through a 64 KiB buffer, line
 * by line, one message at a time; a message is kept only up to the
 * configured ceiling, so memory is bounded by max_message + 64 KiB whatever
 * the size of the mbox.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mauth/message.h"
#include "util/buf.h"
#include "util/str.h"

#define SRC_READBUF		(64 * 1024)
#define SRC_DEFAULT_MAX_MESSAGE	((size_t)64 * 1024 * 1024)
#define SRC_DEFAULT_MAX_ENTRIES	1000000

struct mauth_msg {
	struct buf	 data;
	char		*label;
	int		 status;
	char		 err[300];
};

/* A line reader over a FILE with a fixed buffer. */
struct reader {
	FILE	*fp;
	char	*buf;
	size_t	 start;
	size_t	 end;
	bool	 eof;
	int	 err;		/* errno of a read failure, 0 if none */
};

struct mauth_source {
	int				 kind;
	struct mauth_source_options	 o;
	char				*path;
	/* streams */
	struct reader			 rd;
	bool				 own_fp;
	bool				 done;
	size_t				 msgno;
	bool				 skip_line;	/* of a separator */
	/* directories */
	char				**names;	/* under path */
	size_t				 nnames;
	size_t				 next;
	struct mauth_msg		 msg;
};

/* mauth_source_options_init - defaults */
void
mauth_source_options_init(struct mauth_source_options *o)
{
	if (o == NULL)
		return;
	memset(o, 0, sizeof(*o));
	o->max_message = SRC_DEFAULT_MAX_MESSAGE;
	o->max_entries = SRC_DEFAULT_MAX_ENTRIES;
}

/*
 * rd_fill - read more into the buffer, compacting it first; false at EOF
 * or on error (rd->err set).
 */
static bool
rd_fill(struct reader *rd)
{
	size_t n;

	if (rd->eof)
		return false;
	if (rd->start > 0) {
		memmove(rd->buf, rd->buf + rd->start, rd->end - rd->start);
		rd->end -= rd->start;
		rd->start = 0;
	}
	if (rd->end == SRC_READBUF)
		return true;
	n = fread(rd->buf + rd->end, 1, SRC_READBUF - rd->end, rd->fp);
	if (n == 0) {
		if (ferror(rd->fp))
			rd->err = errno != 0 ? errno : EIO;
		rd->eof = true;
		return false;
	}
	rd->end += n;
	return true;
}

/*
 * rd_line - the next line, or a 64 KiB piece of a longer line (*whole
 * false).  Returns 1, 0 at the end, -1 on a read error.  The bytes are
 * valid until the next call.
 */
static int
rd_line(struct reader *rd, const char **p, size_t *n, bool *whole)
{
	const char *nl;

	for (;;) {
		nl = memchr(rd->buf + rd->start, '\n', rd->end - rd->start);
		if (nl != NULL) {
			*p = rd->buf + rd->start;
			*n = (size_t)(nl - *p) + 1;
			*whole = true;
			rd->start += *n;
			return 1;
		}
		if (rd->end - rd->start == SRC_READBUF) {
			*p = rd->buf + rd->start;
			*n = SRC_READBUF;
			*whole = false;
			rd->start = rd->end;
			return 1;
		}
		if (!rd_fill(rd)) {
			if (rd->err != 0)
				return -1;
			if (rd->end > rd->start) {
				*p = rd->buf + rd->start;
				*n = rd->end - rd->start;
				*whole = true;
				rd->start = rd->end;
				return 1;
			}
			return 0;
		}
	}
}

/* msg_reset - empty the message object for the next one */
static void
msg_reset(struct mauth_msg *m)
{
	buf_reset(&m->data);
	m->data.err = 0;
	free(m->label);
	m->label = NULL;
	m->status = MAUTH_OK;
	m->err[0] = '\0';
}

/* msg_label - set the label: path, or path#n when n > 0 */
static int
msg_label(struct mauth_msg *m, const char *path, size_t n)
{
	struct buf b;

	buf_init(&b, 0);
	if (n > 0)
		buf_printf(&b, "%s#%zu", path, n);
	else
		buf_puts(&b, path);
	if ((m->label = buf_take(&b)) == NULL)
		return MAUTH_ERR_NOMEM;
	return MAUTH_OK;
}

/* msg_fail - mark the message unreadable: "what: detail" or "what" */
static void
msg_fail(struct mauth_msg *m, int status, const char *what,
    const char *detail)
{
	m->status = status;
	snprintf(m->err, sizeof(m->err), "%s%s%s", what,
	    detail != NULL ? ": " : "", detail != NULL ? detail : "");
	buf_reset(&m->data);
}

/* too_big - the size-limit error of a message */
static void
too_big(struct mauth_source *src)
{
	src->msg.status = MAUTH_ERR_LIMIT;
	snprintf(src->msg.err, sizeof(src->msg.err),
	    "message larger than %zu bytes", src->o.max_message);
	buf_reset(&src->msg.data);
}

/* is_sep - an mbox "From " line */
static bool
is_sep(const char *p, size_t n)
{
	return n >= 5 && memcmp(p, "From ", 5) == 0;
}

/* is_blank - an empty line: LF or CRLF */
static bool
is_blank(const char *p, size_t n)
{
	return (n == 1 && p[0] == '\n') ||
	    (n == 2 && p[0] == '\r' && p[1] == '\n');
}

/* is_escaped - mboxrd: ^>+From  */
static bool
is_escaped(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && p[i] == '>')
		i++;
	return i > 0 && is_sep(p + i, n - i);
}

/*
 * next_mbox - read one mbox message (the separator line of this message is
 * already consumed).  Ends at "From " after an empty line, or at EOF.
 */
static int
next_mbox(struct mauth_source *src)
{
	struct mauth_msg *m = &src->msg;
	char blank[2];
	size_t blanklen = 0, n;
	bool whole, prev_whole = true;
	const char *p;
	int rc;

	for (;;) {
		rc = rd_line(&src->rd, &p, &n, &whole);
		if (rc < 0)
			return MAUTH_ERR_IO;
		if (rc == 0) {
			src->done = true;
			break;	/* the empty line before EOF is dropped */
		}
		if (src->skip_line) {
			src->skip_line = !whole;
			continue;
		}
		if (!prev_whole) {
			/* continuation piece of a long line */
			buf_append(&m->data, p, n);
			prev_whole = whole;
			continue;
		}
		prev_whole = whole;
		if (blanklen > 0 && is_sep(p, n)) {
			src->skip_line = !whole;
			break;
		}
		if (blanklen > 0) {
			buf_append(&m->data, blank, blanklen);
			blanklen = 0;
		}
		if (whole && is_blank(p, n)) {
			memcpy(blank, p, n);
			blanklen = n;
			continue;
		}
		if (is_escaped(p, n))
			buf_append(&m->data, p + 1, n - 1);
		else
			buf_append(&m->data, p, n);
	}
	if (m->data.err == MAUTH_ERR_LIMIT)
		too_big(src);
	else if (m->data.err != 0)
		return MAUTH_ERR_NOMEM;
	return MAUTH_OK;
}

/* next_single - the whole stream is one message */
static int
next_single(struct mauth_source *src)
{
	struct mauth_msg *m = &src->msg;
	const char *p;
	size_t n;
	bool whole;
	int rc;

	src->done = true;
	while ((rc = rd_line(&src->rd, &p, &n, &whole)) > 0) {
		buf_append(&m->data, p, n);
		if (m->data.err != 0)
			break;
	}
	if (rc < 0)
		return MAUTH_ERR_IO;
	if (m->data.err == MAUTH_ERR_LIMIT)
		too_big(src);
	else if (m->data.err != 0)
		return MAUTH_ERR_NOMEM;
	return MAUTH_OK;
}

/*
 * read_file - one message file of a directory into the message; false
 * when the entry is a directory, to be skipped (no recursion).
 */
static bool
read_file(struct mauth_source *src, const char *path)
{
	struct mauth_msg *m = &src->msg;
	struct stat st;
	char chunk[16384];
	ssize_t r;
	int fd;

	if (stat(path, &st) == -1) {
		msg_fail(m, MAUTH_ERR_IO, "cannot read", strerror(errno));
		return true;
	}
	if (S_ISDIR(st.st_mode))
		return false;
	if (!S_ISREG(st.st_mode)) {
		msg_fail(m, MAUTH_ERR_IO, "not a regular file", NULL);
		return true;
	}
	if ((uint64_t)st.st_size > (uint64_t)src->o.max_message) {
		too_big(src);
		return true;
	}
	/* O_NONBLOCK: never hang on a file swapped for a FIFO since stat() */
	fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		msg_fail(m, MAUTH_ERR_IO, "cannot open", strerror(errno));
		return true;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		msg_fail(m, MAUTH_ERR_IO, "not a regular file", NULL);
		return true;
	}
	for (;;) {
		r = read(fd, chunk, sizeof(chunk));
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			msg_fail(m, MAUTH_ERR_IO, "read error",
			    strerror(errno));
			break;
		}
		if (r == 0)
			break;
		buf_append(&m->data, chunk, (size_t)r);
		if (m->data.err != 0)
			break;
	}
	close(fd);
	if (m->data.err == MAUTH_ERR_LIMIT)
		too_big(src);
	else if (m->data.err != 0) {
		msg_fail(m, MAUTH_ERR_NOMEM, "out of memory", NULL);
		m->data.err = 0;
	}
	return true;
}

/* cmp_names - qsort order of names: bytes, as strcmp */
static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * list_dir - append to *out the names in directory rel (relative to
 * src->path; "" = the root) as "rel/name", sorted, skipping names that
 * start with '.'; folders: list only those (Maildir++ folders) instead.
 */
static int
list_dir(struct mauth_source *src, const char *rel, bool folders,
    char ***out, size_t *nout, char *errbuf, size_t errlen)
{
	struct dirent *de;
	struct buf b;
	char **v = NULL, **nv, *full;
	size_t n = 0, cap = 0;
	DIR *d;
	int rc = MAUTH_OK;

	buf_init(&b, 0);
	buf_puts(&b, src->path);
	if (rel[0] != '\0')
		buf_printf(&b, "/%s", rel);
	if ((full = buf_take(&b)) == NULL)
		return MAUTH_ERR_NOMEM;
	if ((d = opendir(full)) == NULL) {
		snprintf(errbuf, errlen, "%s: %s", full, strerror(errno));
		free(full);
		return MAUTH_ERR_IO;
	}
	while ((de = readdir(d)) != NULL) {
		if (folders) {
			if (de->d_name[0] != '.' || strcmp(de->d_name, ".") ==
			    0 || strcmp(de->d_name, "..") == 0)
				continue;
		} else if (de->d_name[0] == '.')
			continue;
		if (n + *nout >= src->o.max_entries) {
			snprintf(errbuf, errlen, "%s: more than %zu entries",
			    full, src->o.max_entries);
			rc = MAUTH_ERR_LIMIT;
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				rc = MAUTH_ERR_NOMEM;
				break;
			}
			v = nv;
		}
		buf_init(&b, 0);
		if (rel[0] != '\0')
			buf_printf(&b, "%s/", rel);
		buf_puts(&b, de->d_name);
		if ((v[n] = buf_take(&b)) == NULL) {
			rc = MAUTH_ERR_NOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	free(full);
	if (n > 0)
		qsort(v, n, sizeof(*v), cmp_names);
	if (rc == MAUTH_OK && n > 0) {
		nv = realloc(*out, (*nout + n) * sizeof(*nv));
		if (nv == NULL)
			rc = MAUTH_ERR_NOMEM;
		else {
			memcpy(nv + *nout, v, n * sizeof(*v));
			*out = nv;
			*nout += n;
			free(v);
			return MAUTH_OK;
		}
	}
	while (n > 0)
		free(v[--n]);
	free(v);
	return rc;
}

/* is_dir - rel (under src->path) is a directory */
static bool
is_dir(const struct mauth_source *src, const char *rel)
{
	struct stat st;
	struct buf b;
	char *full;
	bool ok;

	buf_init(&b, 0);
	buf_printf(&b, "%s/%s", src->path, rel);
	if ((full = buf_take(&b)) == NULL)
		return false;
	ok = stat(full, &st) == 0 && S_ISDIR(st.st_mode);
	free(full);
	return ok;
}

/* open_maildir - cur/ and new/, then those of each Maildir++ folder */
static int
open_maildir(struct mauth_source *src, char *errbuf, size_t errlen)
{
	char **folders = NULL, *cur = NULL, *new = NULL;
	size_t nfolders = 0, i;
	struct buf b;
	int rc;

	if ((rc = list_dir(src, "cur", false, &src->names, &src->nnames,
	    errbuf, errlen)) != MAUTH_OK ||
	    (rc = list_dir(src, "new", false, &src->names, &src->nnames,
	    errbuf, errlen)) != MAUTH_OK)
		return rc;
	if ((rc = list_dir(src, "", true, &folders, &nfolders, errbuf,
	    errlen)) != MAUTH_OK)
		return rc;
	for (i = 0; i < nfolders && rc == MAUTH_OK; i++) {
		buf_init(&b, 0);
		buf_printf(&b, "%s/cur", folders[i]);
		cur = buf_take(&b);
		buf_init(&b, 0);
		buf_printf(&b, "%s/new", folders[i]);
		new = buf_take(&b);
		if (cur == NULL || new == NULL)
			rc = MAUTH_ERR_NOMEM;
		else if (is_dir(src, cur) && is_dir(src, new) &&
		    (rc = list_dir(src, cur, false, &src->names,
		    &src->nnames, errbuf, errlen)) == MAUTH_OK)
			rc = list_dir(src, new, false, &src->names,
			    &src->nnames, errbuf, errlen);
		free(cur);
		free(new);
	}
	for (i = 0; i < nfolders; i++)
		free(folders[i]);
	free(folders);
	return rc;
}

/* open_stream - a file or stdin: mbox if it starts with "From " */
static int
open_stream(struct mauth_source *src, FILE *fp, bool own, char *errbuf,
    size_t errlen)
{
	src->rd.fp = fp;
	src->own_fp = own;
	if ((src->rd.buf = malloc(SRC_READBUF)) == NULL)
		return MAUTH_ERR_NOMEM;
	while (src->rd.end < 5 && rd_fill(&src->rd))
		;
	if (src->rd.err != 0) {
		snprintf(errbuf, errlen, "%s: %s", src->path,
		    strerror(src->rd.err));
		return MAUTH_ERR_IO;
	}
	if (is_sep(src->rd.buf, src->rd.end))
		src->kind = MAUTH_SOURCE_MBOX;
	return MAUTH_OK;
}

/* mauth_source_open - open and detect the kind of path */
int
mauth_source_open(const char *path, const struct mauth_source_options *o,
    struct mauth_source **out, char *errbuf, size_t errlen)
{
	struct mauth_source *src;
	struct stat st;
	char dummy[8];
	size_t i;
	FILE *fp;
	int rc;

	if (errbuf == NULL || errlen == 0) {
		errbuf = dummy;
		errlen = sizeof(dummy);
	}
	errbuf[0] = '\0';
	if (out == NULL || path == NULL) {
		snprintf(errbuf, errlen, "no path");
		return MAUTH_ERR_INVAL;
	}
	*out = NULL;
	if ((src = calloc(1, sizeof(*src))) == NULL)
		return MAUTH_ERR_NOMEM;
	mauth_source_options_init(&src->o);
	if (o != NULL) {
		if (o->max_message > 0)
			src->o.max_message = o->max_message;
		if (o->max_entries > 0)
			src->o.max_entries = o->max_entries;
	}
	/* the message and its NUL must fit under the ceiling */
	buf_init(&src->msg.data, src->o.max_message + 1);
	if ((src->path = str_ndup(path, strlen(path))) == NULL) {
		rc = MAUTH_ERR_NOMEM;
		goto fail;
	}
	/* "dir/" and "dir" give the same labels */
	for (i = strlen(src->path); i > 1 && src->path[i - 1] == '/'; i--)
		src->path[i - 1] = '\0';
	if (strcmp(path, "-") == 0) {
		src->kind = MAUTH_SOURCE_STDIN;
		rc = open_stream(src, stdin, false, errbuf, errlen);
	} else if (stat(path, &st) == -1) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		rc = MAUTH_ERR_IO;
	} else if (S_ISDIR(st.st_mode)) {
		if (is_dir(src, "cur") && is_dir(src, "new")) {
			src->kind = MAUTH_SOURCE_MAILDIR;
			rc = open_maildir(src, errbuf, errlen);
		} else {
			src->kind = MAUTH_SOURCE_DIR;
			rc = list_dir(src, "", false, &src->names,
			    &src->nnames, errbuf, errlen);
		}
	} else if ((fp = fopen(path, "rbe")) == NULL) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		rc = MAUTH_ERR_IO;
	} else {
		src->kind = MAUTH_SOURCE_FILE;
		rc = open_stream(src, fp, true, errbuf, errlen);
	}
	if (rc != MAUTH_OK)
		goto fail;
	*out = src;
	return MAUTH_OK;
fail:
	if (rc == MAUTH_ERR_NOMEM && errbuf[0] == '\0')
		snprintf(errbuf, errlen, "out of memory");
	mauth_source_free(src);
	return rc;
}

void
mauth_source_free(struct mauth_source *src)
{
	size_t i;

	if (src == NULL)
		return;
	if (src->own_fp && src->rd.fp != NULL)
		fclose(src->rd.fp);
	free(src->rd.buf);
	for (i = 0; i < src->nnames; i++)
		free(src->names[i]);
	free(src->names);
	buf_free(&src->msg.data);
	free(src->msg.label);
	free(src->path);
	free(src);
}

int
mauth_source_kind(const struct mauth_source *src)
{
	return src != NULL ? src->kind : MAUTH_SOURCE_FILE;
}

/* mauth_source_next - the next message, or *msg NULL at the end */
int
mauth_source_next(struct mauth_source *src, struct mauth_msg **msg)
{
	struct buf b;
	char *full;
	int rc;

	if (msg == NULL)
		return MAUTH_ERR_INVAL;
	*msg = NULL;
	if (src == NULL)
		return MAUTH_ERR_INVAL;
	msg_reset(&src->msg);
	switch (src->kind) {
	case MAUTH_SOURCE_MAILDIR:
	case MAUTH_SOURCE_DIR:
		for (;;) {
			if (src->next >= src->nnames)
				return MAUTH_OK;
			buf_init(&b, 0);
			buf_printf(&b, "%s/%s", src->path,
			    src->names[src->next++]);
			if ((full = buf_take(&b)) == NULL)
				return MAUTH_ERR_NOMEM;
			src->msg.label = full;
			if (read_file(src, full))
				break;
			msg_reset(&src->msg);	/* a subdirectory: skipped */
		}
		break;
	case MAUTH_SOURCE_MBOX:
		if (src->done)
			return MAUTH_OK;
		src->msgno++;
		if ((rc = msg_label(&src->msg, src->path, src->msgno)) !=
		    MAUTH_OK)
			return rc;
		if (src->msgno == 1) {
			/* consume the first separator line */
			src->skip_line = true;
		}
		if ((rc = next_mbox(src)) != MAUTH_OK)
			return rc;
		break;
	default:
		if (src->done)
			return MAUTH_OK;
		if ((rc = msg_label(&src->msg, src->path, 0)) != MAUTH_OK)
			return rc;
		if ((rc = next_single(src)) != MAUTH_OK)
			return rc;
		break;
	}
	*msg = &src->msg;
	return MAUTH_OK;
}

const void *
mauth_msg_data(const struct mauth_msg *m, size_t *len)
{
	if (m == NULL || m->status != MAUTH_OK) {
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	if (len != NULL)
		*len = m->data.len;
	return m->data.data != NULL ? m->data.data : "";
}

const char *
mauth_msg_label(const struct mauth_msg *m)
{
	return m != NULL && m->label != NULL ? m->label : "";
}

const char *
mauth_msg_error(const struct mauth_msg *m)
{
	return m != NULL && m->status != MAUTH_OK ? m->err : NULL;
}

int
mauth_msg_status(const struct mauth_msg *m)
{
	return m != NULL ? m->status : MAUTH_ERR_INVAL;
}
