/*
 * test_message_source.c - message sources (src/lib/message/source.c): mbox
 * splitting and mboxrd unescaping, Maildir, a directory of messages, single
 * files, an empty file, special files, stdin through a pipe, the size
 * ceiling, long lines and a large mbox read message by message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "mauth/common.h"
#include "mauth/message.h"
#include "util/buf.h"

#define UNIT TESTDATA "/messages/unit"

/* One expected message: label suffix (after the source path), bytes or error. */
struct want_msg {
	const char	*label;		/* relative to the path given */
	const char	*data;		/* NULL: an error is expected */
	const char	*err;		/* substring of the error */
};

struct source_case {
	const char		*name;
	const char		*path;		/* under UNIT */
	int			 kind;
	size_t			 max_message;	/* 0: default */
	const struct want_msg	*msgs;		/* terminated by label NULL */
};

static const struct want_msg mbox3[] = {
	{ "#1", "From: Alice <alice@example.org>\nSubject: one\n\nHello.\n"
	    "From the start, escaped once.\n>From escaped twice.\n"
	    "From inside a body line, not after an empty line\n"
	    "  (this line follows)\n", NULL },
	{ "#2", "From: Bob <bob@example.net>\nSubject: two\n\nBody two.\n\n"
	    "Second paragraph.\n From with a leading space is not a "
	    "separator\n", NULL },
	{ "#3", "From: Carol <carol@example.com>\nSubject: three\n\n"
	    "Body three, last line.\n", NULL },
	{ NULL, NULL, NULL }
};

static const struct want_msg mbox3_small[] = {
	{ "#1", NULL, "message larger than 100 bytes" },
	{ "#2", NULL, "message larger than 100 bytes" },
	{ "#3", "From: Carol <carol@example.com>\nSubject: three\n\n"
	    "Body three, last line.\n", NULL },
	{ NULL, NULL, NULL }
};

static const struct want_msg mboxcrlf[] = {
	{ "#1", "From: a@example.org\r\nSubject: crlf one\r\n\r\nbody one\r\n"
	    "From escaped\r\n", NULL },
	{ "#2", "From: b@example.org\r\n\r\nbody two\r\n", NULL },
	{ NULL, NULL, NULL }
};

static const struct want_msg single[] = {
	{ "", "From: Dave <dave@example.org>\r\nSubject: single\r\n\r\n"
	    "Just one message.\r\n\r\nFrom here on, not an mbox.\r\n", NULL },
	{ NULL, NULL, NULL }
};

static const struct want_msg single_small[] = {
	{ "", NULL, "message larger than 10 bytes" },
	{ NULL, NULL, NULL }
};

static const struct want_msg single_mboxline[] = {
	{ "#1", "From: Dave <dave@example.org>\n\nbody\n", NULL },
	{ NULL, NULL, NULL }
};

static const struct want_msg empty[] = {
	{ "", "", NULL },
	{ NULL, NULL, NULL }
};

static const struct want_msg maildir[] = {
	{ "/cur/1700000002.M2P2.host:2,S",
	    "From: m2@example.org\n\ncur message\n", NULL },
	{ "/new/1700000001.M1P1.host",
	    "From: m1@example.org\n\nnew message\n", NULL },
	{ "/new/1700000003.M3P3.host",
	    "From: m3@example.org\n\nnew message 3\n", NULL },
	{ "/.Archive/cur/1600000000.M0P0.host:2,S",
	    "From: old@example.org\n\narchived\n", NULL },
	{ NULL, NULL, NULL }
};

static const struct want_msg emldir[] = {
	{ "/a.eml", "From: a@example.org\r\n\r\nA\r\n", NULL },
	{ "/b.eml", "From: b@example.org\r\n\r\nB\r\n", NULL },
	{ "/c-empty.eml", "", NULL },
	{ NULL, NULL, NULL }
};

static const struct source_case cases[] = {
	{ "mbox of 3", "mbox3.mbox", MAUTH_SOURCE_MBOX, 0, mbox3 },
	{ "mbox, 100-byte ceiling", "mbox3.mbox", MAUTH_SOURCE_MBOX, 100,
	    mbox3_small },
	{ "mbox with CRLF", "mbox-crlf.mbox", MAUTH_SOURCE_MBOX, 0, mboxcrlf },
	{ "single file", "single.eml", MAUTH_SOURCE_FILE, 0, single },
	{ "single file, 10-byte ceiling", "single.eml", MAUTH_SOURCE_FILE, 10,
	    single_small },
	{ "file with an mbox From line", "single-mboxline.eml",
	    MAUTH_SOURCE_MBOX, 0, single_mboxline },
	{ "empty file", "empty.eml", MAUTH_SOURCE_FILE, 0, empty },
	{ "Maildir", "maildir", MAUTH_SOURCE_MAILDIR, 0, maildir },
	{ "Maildir, trailing slash", "maildir/", MAUTH_SOURCE_MAILDIR, 0,
	    maildir },
	{ "directory of .eml", "emldir", MAUTH_SOURCE_DIR, 0, emldir },
};

/*
 * check_source - iterate src and compare with want; base is the label
 * prefix.  Returns the number of mismatches (printed).
 */
static size_t
check_source(const char *name, struct mauth_source *src, const char *base,
    const struct want_msg *want)
{
	struct mauth_msg *m;
	const char *data, *err;
	size_t i, len, bad = 0;
	char label[1024];
	int rc;

	for (i = 0;; i++) {
		rc = mauth_source_next(src, &m);
		if (rc != MAUTH_OK) {
			print_error("%s: message %zu: got %s, want OK\n", name,
			    i + 1, mauth_strerror(rc));
			return bad + 1;
		}
		if (m == NULL) {
			if (want[i].label != NULL) {
				print_error("%s: got %zu messages, want more\n",
				    name, i);
				bad++;
			}
			return bad;
		}
		if (want[i].label == NULL) {
			print_error("%s: got message %zu (%s), want the end\n",
			    name, i + 1, mauth_msg_label(m));
			return bad + 1;
		}
		snprintf(label, sizeof(label), "%s%s", base, want[i].label);
		if (strcmp(mauth_msg_label(m), label) != 0) {
			print_error("%s: message %zu: got label %s, want %s\n",
			    name, i + 1, mauth_msg_label(m), label);
			bad++;
		}
		data = mauth_msg_data(m, &len);
		err = mauth_msg_error(m);
		if (want[i].data == NULL) {
			if (err == NULL || strstr(err, want[i].err) == NULL ||
			    data != NULL || len != 0) {
				print_error("%s: message %zu: got error %s, "
				    "want %s\n", name, i + 1, err ? err : "none",
				    want[i].err);
				bad++;
			}
			continue;
		}
		if (err != NULL || data == NULL || len != strlen(want[i].data) ||
		    memcmp(data, want[i].data, len) != 0) {
			print_error("%s: message %zu: got [%.*s] (error %s), "
			    "want [%s]\n", name, i + 1, data ? (int)len : 0,
			    data ? (const char *)data : "", err ? err : "none",
			    want[i].data);
			bad++;
		}
	}
}

/* test_table - the fixtures under testdata/messages/unit */
static void
test_table(void **state)
{
	struct mauth_source_options o;
	struct mauth_source *src;
	const struct source_case *c;
	char path[1024], base[1024], err[256];
	size_t i, bad = 0;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		mauth_source_options_init(&o);
		if (c->max_message > 0)
			o.max_message = c->max_message;
		snprintf(path, sizeof(path), "%s/%s", UNIT, c->path);
		snprintf(base, sizeof(base), "%s/%s", UNIT, c->path);
		while (strlen(base) > 1 && base[strlen(base) - 1] == '/')
			base[strlen(base) - 1] = '\0';
		rc = mauth_source_open(path, &o, &src, err, sizeof(err));
		if (rc != MAUTH_OK) {
			print_error("%s: open: got %s (%s), want OK\n", c->name,
			    mauth_strerror(rc), err);
			bad++;
			continue;
		}
		if (mauth_source_kind(src) != c->kind) {
			print_error("%s: got kind %d, want %d\n", c->name,
			    mauth_source_kind(src), c->kind);
			bad++;
		}
		bad += check_source(c->name, src, base, c->msgs);
		mauth_source_free(src);
	}
	if (bad > 0)
		fail_msg("%zu source checks failed", bad);
}

/* test_open_errors - a missing path, NULL arguments */
static void
test_open_errors(void **state)
{
	struct mauth_source *src = NULL;
	char err[256];
	int rc;

	(void)state;
	rc = mauth_source_open(UNIT "/does-not-exist", NULL, &src, err,
	    sizeof(err));
	if (rc != MAUTH_ERR_IO || src != NULL ||
	    strstr(err, "does-not-exist") == NULL)
		fail_msg("missing path: got %s (%s), want IO naming the path",
		    mauth_strerror(rc), err);
	if (mauth_source_open(NULL, NULL, &src, err, sizeof(err)) !=
	    MAUTH_ERR_INVAL)
		fail_msg("NULL path: got OK, want INVAL");
	if (mauth_source_next(NULL, NULL) != MAUTH_ERR_INVAL)
		fail_msg("next(NULL): got OK, want INVAL");
	mauth_source_free(NULL);
}

/* write_file - create path with n bytes of p */
static void
write_file(const char *path, const char *p, size_t n)
{
	FILE *f;

	if ((f = fopen(path, "wb")) == NULL)
		fail_msg("cannot create %s", path);
	if (n > 0 && fwrite(p, 1, n, f) != n)
		fail_msg("cannot write %s", path);
	fclose(f);
}

/* test_special_files - a dangling symlink and a FIFO: errors, not a stop */
static void
test_special_files(void **state)
{
	char dir[] = "/tmp/mauth-src-XXXXXX";
	char path[512], a[512], b[512], c[512];
	struct mauth_source *src;
	struct mauth_msg *m;
	char err[256];
	size_t n = 0;
	int rc;

	(void)state;
	if (mkdtemp(dir) == NULL)
		fail_msg("mkdtemp failed");
	snprintf(a, sizeof(a), "%s/a.eml", dir);
	snprintf(b, sizeof(b), "%s/b-dangling.eml", dir);
	snprintf(c, sizeof(c), "%s/c-fifo.eml", dir);
	write_file(a, "From: a@example.org\n\nA\n", 23);
	snprintf(path, sizeof(path), "%s/nowhere", dir);
	if (symlink(path, b) != 0 || mkfifo(c, 0600) != 0)
		fail_msg("cannot make the special files");
	rc = mauth_source_open(dir, NULL, &src, err, sizeof(err));
	if (rc != MAUTH_OK)
		fail_msg("special files: open got %s (%s)", mauth_strerror(rc),
		    err);
	while ((rc = mauth_source_next(src, &m)) == MAUTH_OK && m != NULL) {
		n++;
		if (n == 1 && mauth_msg_error(m) != NULL)
			fail_msg("a.eml: got error %s, want none",
			    mauth_msg_error(m));
		if (n == 2 && (mauth_msg_status(m) != MAUTH_ERR_IO ||
		    strstr(mauth_msg_error(m), "No such file") == NULL ||
		    strcmp(mauth_msg_label(m), b) != 0))
			fail_msg("dangling symlink: got %s / %s, want an IO "
			    "error", mauth_msg_label(m), mauth_msg_error(m) ?
			    mauth_msg_error(m) : "no error");
		if (n == 3 && (mauth_msg_status(m) != MAUTH_ERR_IO ||
		    strstr(mauth_msg_error(m), "not a regular file") == NULL))
			fail_msg("FIFO: got %s, want not a regular file",
			    mauth_msg_error(m) ? mauth_msg_error(m) : "none");
	}
	if (rc != MAUTH_OK || n != 3)
		fail_msg("special files: got %zu messages (rc %d), want 3", n,
		    rc);
	mauth_source_free(src);
	unlink(a);
	unlink(b);
	unlink(c);
	rmdir(dir);
}

/* test_stdin - "-" through a pipe: one message, then an mbox */
static void
test_stdin(void **state)
{
	static const char *inputs[] = {
		"From: p@example.org\r\n\r\npiped\r\n",
		"From x Mon Jan  1 00:00:00 2024\nA: 1\n\none\n\n"
		    "From y Mon Jan  1 00:00:00 2024\nA: 2\n\ntwo\n",
	};
	static const char *want[][3] = {
		{ "-", "From: p@example.org\r\n\r\npiped\r\n", NULL },
		{ "-#1", "A: 1\n\none\n", "A: 2\n\ntwo\n" },
	};
	struct mauth_source *src;
	struct mauth_msg *m;
	const char *data;
	char err[256];
	size_t i, k, len;
	int fds[2], saved, rc;

	(void)state;
	for (i = 0; i < 2; i++) {
		if (pipe(fds) != 0)
			fail_msg("pipe failed");
		if (write(fds[1], inputs[i], strlen(inputs[i])) !=
		    (ssize_t)strlen(inputs[i]))
			fail_msg("pipe write failed");
		close(fds[1]);
		fflush(stdin);
		saved = dup(0);
		if (saved < 0 || dup2(fds[0], 0) < 0)
			fail_msg("dup2 failed");
		close(fds[0]);
		clearerr(stdin);
		rc = mauth_source_open("-", NULL, &src, err, sizeof(err));
		if (rc != MAUTH_OK)
			fail_msg("stdin %zu: open got %s", i,
			    mauth_strerror(rc));
		if (mauth_source_kind(src) != (i == 0 ? MAUTH_SOURCE_STDIN :
		    MAUTH_SOURCE_MBOX))
			fail_msg("stdin %zu: got kind %d", i,
			    mauth_source_kind(src));
		for (k = 1; k < 3 && want[i][k] != NULL; k++) {
			if (mauth_source_next(src, &m) != MAUTH_OK ||
			    m == NULL)
				fail_msg("stdin %zu: got no message %zu", i, k);
			data = mauth_msg_data(m, &len);
			if (data == NULL || len != strlen(want[i][k]) ||
			    memcmp(data, want[i][k], len) != 0)
				fail_msg("stdin %zu message %zu: got [%.*s], "
				    "want [%s]", i, k, (int)len,
				    data ? data : "", want[i][k]);
			if (k == 1 && strcmp(mauth_msg_label(m), want[i][0]))
				fail_msg("stdin %zu: got label %s, want %s", i,
				    mauth_msg_label(m), want[i][0]);
		}
		if (mauth_source_next(src, &m) != MAUTH_OK || m != NULL)
			fail_msg("stdin %zu: got an extra message", i);
		mauth_source_free(src);
		dup2(saved, 0);
		close(saved);
		clearerr(stdin);
	}
}

/*
 * test_big_mbox - 2000 messages read one at a time, one with a 200 KiB
 * line (longer than the read buffer) that ends in "From " text, and a
 * separator right after it.
 */
static void
test_big_mbox(void **state)
{
	char path[] = "/tmp/mauth-mbox-XXXXXX";
	struct mauth_source *src;
	struct mauth_msg *m;
	struct buf b;
	const char *data;
	char err[256], want[64];
	size_t i, n = 0, len;
	int fd, rc;

	(void)state;
	if ((fd = mkstemp(path)) < 0)
		fail_msg("mkstemp failed");
	close(fd);
	buf_init(&b, 0);
	for (i = 0; i < 2000; i++) {
		buf_printf(&b, "From s%zu@example.org Mon Jan  1 00:00:00 2024\n"
		    "Subject: %zu\n\n", i, i);
		if (i == 7) {
			for (n = 0; n < 200 * 1024; n++)
				buf_putc(&b, 'x');
			buf_puts(&b, "From \n");
		}
		buf_printf(&b, "body %zu\n\n", i);
	}
	write_file(path, b.data, b.len);
	buf_free(&b);
	rc = mauth_source_open(path, NULL, &src, err, sizeof(err));
	if (rc != MAUTH_OK)
		fail_msg("big mbox: open got %s", mauth_strerror(rc));
	n = 0;
	while ((rc = mauth_source_next(src, &m)) == MAUTH_OK && m != NULL) {
		data = mauth_msg_data(m, &len);
		snprintf(want, sizeof(want), "body %zu\n", n);
		if (data == NULL || len < strlen(want) ||
		    memcmp(data + len - strlen(want), want, strlen(want)) != 0)
			fail_msg("big mbox message %zu: got %zu bytes ending "
			    "[%.12s], want ending %s", n + 1, len,
			    data && len > 12 ? data + len - 12 : "", want);
		if (n == 7 && len != strlen("Subject: 7\n\n") + 200 * 1024 +
		    strlen("From \nbody 7\n"))
			fail_msg("big mbox message 8: got %zu bytes", len);
		n++;
	}
	if (rc != MAUTH_OK || n != 2000)
		fail_msg("big mbox: got %zu messages (rc %d), want 2000", n, rc);
	mauth_source_free(src);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_special_files),
		cmocka_unit_test(test_stdin),
		cmocka_unit_test(test_big_mbox),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
