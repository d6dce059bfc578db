/*
 * test_message_headers.c - the streaming header splitter
 * (src/lib/message/header.c): folding, CRLF and LF, every chunking of every
 * case gives the same result, anomalies, the limits and their reasons.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mauth/common.h"
#include "message/message_int.h"
#include "util/buf.h"

/* What the callbacks saw, as text: "name=value|" ... "EOH|" body. */
struct seen {
	struct buf	 t;
	struct buf	 raw;		/* concatenated raw fields */
	size_t		 neoh;
	int		 stop_at;	/* header index whose callback stops (-1) */
	size_t		 maxbuf;	/* no callback saw a field bigger than this */
};

static int
on_header(void *arg, const struct msg_header *h)
{
	struct seen *s = arg;

	buf_put_escaped(&s->t, h->name, h->namelen);
	buf_putc(&s->t, '=');
	buf_put_escaped(&s->t, h->value, h->valuelen);
	buf_putc(&s->t, '|');
	buf_append(&s->raw, h->raw, h->rawlen);
	if (h->rawlen > s->maxbuf)
		s->maxbuf = h->rawlen;
	if (s->stop_at >= 0 && (size_t)s->stop_at == h->index)
		return 7;
	return 0;
}

static int
on_eoh(void *arg)
{
	struct seen *s = arg;

	s->neoh++;
	buf_puts(&s->t, "EOH|");
	return 0;
}

static int
on_body(void *arg, const char *p, size_t n)
{
	struct seen *s = arg;

	buf_put_escaped(&s->t, p, n);
	return 0;
}

/*
 * run - split in[0..len) fed in chunks: mode 0 whole, 1 byte by byte,
 * 2 two chunks cut at `cut`, 3 pseudo-random chunk sizes from seed `cut`.
 * The transcript gets the summary (anomalies, counters, limit) appended.
 */
static void
run(const char *in, size_t len, const struct msg_limits *lim, int mode,
    size_t cut, struct seen *s)
{
	struct msg_callbacks cb = { on_header, on_eoh, on_body, NULL };
	struct msg_split *sp;
	size_t off = 0, n;
	uint32_t x = (uint32_t)cut * 2654435761u + 1;
	int rc = 0;

	buf_init(&s->t, 0);
	buf_init(&s->raw, 0);
	s->neoh = 0;
	s->maxbuf = 0;
	cb.arg = s;
	sp = msg_split_new(lim, &cb);
	if (sp == NULL)
		fail_msg("msg_split_new: out of memory");
	while (off < len && rc == 0) {
		switch (mode) {
		case 0:
			n = len;
			break;
		case 1:
			n = 1;
			break;
		case 2:
			n = off < cut ? cut - off : len - off;
			break;
		default:
			x = x * 1103515245u + 12345u;
			n = 1 + (x >> 16) % 17;
			break;
		}
		if (n > len - off)
			n = len - off;
		rc = msg_split_write(sp, in + off, n);
		off += n;
	}
	if (rc == 0)
		rc = msg_split_finish(sp);
	buf_printf(&s->t, "#rc=%d an=%#x h=%zu d=%zu long=%zu body=%llu",
	    rc, msg_split_anomalies(sp), msg_split_headers(sp),
	    msg_split_dropped(sp), msg_split_long_lines(sp),
	    msg_split_body_bytes(sp));
	if (msg_split_limit(sp) != NULL)
		buf_printf(&s->t, " limit=%s", msg_split_limit(sp));
	msg_split_free(sp);
}

static void
seen_free(struct seen *s)
{
	buf_free(&s->t);
	buf_free(&s->raw);
}

struct split_case {
	const char	*name;
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
	const char	*want;		/* transcript before '#' */
	unsigned	 an;		/* anomalies wanted (exact) */
};

#define AN_NOSEP	(MSG_AN_NO_SEPARATOR)
static const struct split_case cases[] = {
	{ "crlf simple", "From: a@b.example\r\nSubject: hi\r\n\r\nbody\r\n", 0,
	    "From= a@b.example|Subject= hi|EOH|body\\x0d\\x0a", 0 },
	{ "lf simple", "From: a@b.example\nSubject: hi\n\nbody\n", 0,
	    "From= a@b.example|Subject= hi|EOH|body\\x0a", MSG_AN_BARE_LF },
	{ "folded crlf", "Subject: a\r\n b\r\n\tc\r\nX: y\r\n\r\nB", 0,
	    "Subject= a\\x0d\\x0a b\\x0d\\x0a\\x09c|X= y|EOH|B", 0 },
	{ "folded lf", "Subject: a\n b\nX: y\n\n", 0,
	    "Subject= a\\x0a b|X= y|EOH|", MSG_AN_BARE_LF },
	{ "wsp before colon (obs)", "Subject \t: x\r\n\r\n", 0,
	    "Subject= x|EOH|", 0 },
	{ "empty value", "X:\r\nY:\r\n\r\n", 0, "X=|Y=|EOH|", 0 },
	{ "whitespace-only continuation", "A: 1\r\n \r\nB: 2\r\n\r\n", 0,
	    "A= 1\\x0d\\x0a |B= 2|EOH|", 0 },
	{ "no separator", "A: 1\r\nB: 2\r\n", 0, "A= 1|B= 2|EOH|", AN_NOSEP },
	{ "no final eol", "A: 1\r\nB: 2", 0, "A= 1|B= 2|EOH|",
	    AN_NOSEP | MSG_AN_NO_FINAL_EOL },
	{ "no headers, empty line first", "\r\nbody\r\n", 0,
	    "EOH|body\\x0d\\x0a", MSG_AN_NO_HEADERS },
	{ "empty input", "", 0, "EOH|", MSG_AN_NO_HEADERS },
	{ "body starts at once", "hello world\r\nmore\r\n", 0,
	    "EOH|hello world\\x0d\\x0amore\\x0d\\x0a",
	    MSG_AN_NO_COLON | MSG_AN_NO_HEADERS },
	{ "first line is a continuation", " x: y\r\nA: b\r\n\r\nB", 0,
	    "EOH| x: y\\x0d\\x0aA: b\\x0d\\x0a\\x0d\\x0aB",
	    MSG_AN_FIRST_CONT | MSG_AN_NO_HEADERS },
	{ "line without colon ends the headers",
	    "A: 1\r\nnot a header\r\nB: 2\r\n\r\nx", 0,
	    "A= 1|EOH|not a header\\x0d\\x0aB: 2\\x0d\\x0a\\x0d\\x0ax",
	    MSG_AN_NO_COLON },
	{ "no colon at the end", "A: 1\r\nabc", 0, "A= 1|EOH|abc",
	    MSG_AN_NO_COLON },
	{ "empty name", "A: 1\r\n:x\r\n\r\n", 0,
	    "A= 1|EOH|:x\\x0d\\x0a\\x0d\\x0a", MSG_AN_NO_COLON },
	{ "line starting with CR", "A: 1\r\n\rX\r\n\r\n", 0,
	    "A= 1|EOH|\\x0dX\\x0d\\x0a\\x0d\\x0a", MSG_AN_NO_COLON },
	{ "bare CR inside a value", "A: x\ry\r\n\r\n", 0,
	    "A= x\\x0dy|EOH|", 0 },
	{ "NUL in value and body", "A: x\0y\r\n\r\nb\0c", 13,
	    "A= x\\x00y|EOH|b\\x00c", MSG_AN_NUL },
	{ "NUL in name", "A\0B: x\r\n\r\n", 10,
	    "EOH|A\\x00B: x\\x0d\\x0a\\x0d\\x0a",
	    MSG_AN_NUL | MSG_AN_NO_COLON | MSG_AN_NO_HEADERS },
	{ "8-bit in name", "Sub\xc3\xa9: x\r\n\r\n", 0,
	    "EOH|Sub\\xc3\\xa9: x\\x0d\\x0a\\x0d\\x0a",
	    MSG_AN_NO_COLON | MSG_AN_NO_HEADERS },
	{ "8-bit in value", "Subject: \xc3\xa9t\xc3\xa9\r\n\r\n", 0,
	    "Subject= \\xc3\\xa9t\\xc3\\xa9|EOH|", 0 },
	{ "mbox From line at the top", "From a@b Mon Jan  1 00:00:00 2024\n"
	    "A: 1\n\nb\n", 0, "A= 1|EOH|b\\x0a",
	    MSG_AN_MBOX_FROM | MSG_AN_BARE_LF },
	{ "mbox From line alone", "From \n\n", 0, "EOH|",
	    MSG_AN_MBOX_FROM | MSG_AN_BARE_LF | MSG_AN_NO_HEADERS },
	{ "From: header at the top is a header", "From: a@b.example\n\n", 0,
	    "From= a@b.example|EOH|", MSG_AN_BARE_LF },
	{ "From line later is not skipped", "A: 1\nFrom x\n\n", 0,
	    "A= 1|EOH|From x\\x0a\\x0a", MSG_AN_BARE_LF | MSG_AN_NO_COLON },
	{ "mixed line ends", "A: 1\nB: 2\r\n\nC", 0, "A= 1|B= 2|EOH|C",
	    MSG_AN_BARE_LF },
	{ "lone CR at the end", "A: 1\r\n\r", 0, "A= 1|EOH|", AN_NOSEP },
	{ "empty line is CRLF after LF headers", "A: 1\n\r\nb", 0,
	    "A= 1|EOH|b", MSG_AN_BARE_LF },
	{ "header-looking body", "A: 1\r\n\r\nB: 2\r\n\r\n", 0,
	    "A= 1|EOH|B: 2\\x0d\\x0a\\x0d\\x0a", 0 },
	{ "case kept in names", "fROM: x\r\n\r\n", 0, "fROM= x|EOH|", 0 },
};

/* test_table - every case, every chunking */
static void
test_table(void **state)
{
	struct seen whole, other;
	const struct split_case *c;
	size_t i, len, cut, k;
	const char *hash, *ap;
	unsigned an;

	(void)state;
	whole.stop_at = other.stop_at = -1;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		len = c->len ? c->len : strlen(c->in);
		run(c->in, len, NULL, 0, 0, &whole);
		hash = strchr(whole.t.data, '#');
		if (hash == NULL || strncmp(whole.t.data, c->want,
		    (size_t)(hash - whole.t.data)) != 0 ||
		    strlen(c->want) != (size_t)(hash - whole.t.data))
			fail_msg("%s: got %s, want %s", c->name, whole.t.data,
			    c->want);
		an = 0;
		if ((ap = strstr(whole.t.data, "an=")) != NULL)
			an = (unsigned)strtoul(ap + 3, NULL, 16);
		if (an != c->an)
			fail_msg("%s: got anomalies %#x, want %#x", c->name, an,
			    c->an);
		for (k = 1; k <= 3; k++)
			for (cut = 0; cut <= (k == 1 ? 0 : len); cut++) {
				run(c->in, len, NULL, (int)k, cut, &other);
				if (strcmp(whole.t.data, other.t.data) != 0)
					fail_msg("%s (mode %zu cut %zu): got %s, "
					    "want %s", c->name, k, cut,
					    other.t.data, whole.t.data);
				seen_free(&other);
			}
		seen_free(&whole);
	}
}

/* test_raw - the raw bytes of the fields plus separator and body are the input */
static void
test_raw(void **state)
{
	static const char in[] = "DKIM-Signature: v=1; a=rsa-sha256;\r\n"
	    "\td=example.com; s=sel;\r\n  b=abc\r\nFrom : Joe <j@example.com>\r\n"
	    "Subject: x\r\n\r\nbody\r\n";
	static const char want[] = "DKIM-Signature: v=1; a=rsa-sha256;\r\n"
	    "\td=example.com; s=sel;\r\n  b=abc\r\nFrom : Joe <j@example.com>\r\n"
	    "Subject: x\r\n";
	struct seen s;
	size_t cut;

	(void)state;
	s.stop_at = -1;
	for (cut = 0; cut < sizeof(in) - 1; cut++) {
		run(in, sizeof(in) - 1, NULL, 2, cut, &s);
		if (s.raw.len != sizeof(want) - 1 ||
		    memcmp(s.raw.data, want, s.raw.len) != 0)
			fail_msg("raw fields (cut %zu): got %s, want %s", cut,
			    s.raw.data, want);
		if (strstr(s.t.data, "From= Joe <j@example.com>|") == NULL)
			fail_msg("obs name 'From ': got %s, want From= ...",
			    s.t.data);
		seen_free(&s);
	}
}

/* count - occurrences of needle in hay */
static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* test_many_headers - 10,000 fields: 1000 delivered, the rest dropped */
static void
test_many_headers(void **state)
{
	struct buf in;
	struct seen s;
	size_t i;

	(void)state;
	buf_init(&in, 0);
	for (i = 0; i < 10000; i++)
		buf_printf(&in, "X-H%zu: v\r\n", i);
	buf_puts(&in, "\r\nthe body\r\n");
	s.stop_at = -1;
	run(in.data, in.len, NULL, 0, 0, &s);
	if (count(s.t.data, "= v|") != 1000)
		fail_msg("10000 headers: got %zu delivered, want 1000",
		    count(s.t.data, "= v|"));
	if (strstr(s.t.data, "h=1000 d=9000") == NULL)
		fail_msg("10000 headers: got %s, want h=1000 d=9000", s.t.data);
	if (strstr(s.t.data, "limit=more than 1000 header fields") == NULL)
		fail_msg("10000 headers: got %s, want the limit reason",
		    s.t.data);
	if (strstr(s.t.data, "EOH|the body\\x0d\\x0a#") == NULL)
		fail_msg("10000 headers: got %s, want the body after EOH",
		    s.t.data);
	seen_free(&s);
	/* chunked the same */
	run(in.data, in.len, NULL, 3, 5, &s);
	if (strstr(s.t.data, "h=1000 d=9000") == NULL)
		fail_msg("10000 headers chunked: got %s", s.t.data);
	seen_free(&s);
	buf_free(&in);
}

/* test_huge_line - a 1 MB header line: limit, bounded buffer, body kept */
static void
test_huge_line(void **state)
{
	struct buf in;
	struct seen s;
	size_t i;

	(void)state;
	buf_init(&in, 0);
	buf_puts(&in, "A: 1\r\nX-Big: ");
	for (i = 0; i < 1024 * 1024; i++)
		buf_putc(&in, 'x');
	buf_puts(&in, "\r\nB: 2\r\n\r\nbody");
	s.stop_at = -1;
	run(in.data, in.len, NULL, 3, 9, &s);
	if (strncmp(s.t.data, "A= 1|EOH|body#", 14) != 0)
		fail_msg("1 MB line: got %.80s, want A= 1|EOH|body#", s.t.data);
	if (strstr(s.t.data, "limit=header line over 65536 bytes") == NULL)
		fail_msg("1 MB line: got %s, want the line limit", s.t.data);
	if (strstr(s.t.data, "h=1 d=2 long=1") == NULL)
		fail_msg("1 MB line: got %s, want h=1 d=2 long=1", s.t.data);
	seen_free(&s);
	buf_free(&in);
}

/* test_field_limit - many short continuation lines over the field ceiling */
static void
test_field_limit(void **state)
{
	struct msg_limits lim = { 0, 100, 0 };
	struct buf in;
	struct seen s;
	size_t i;

	(void)state;
	buf_init(&in, 0);
	buf_puts(&in, "A: 1\r\nX: ");
	for (i = 0; i < 30; i++)
		buf_puts(&in, "abcdefgh\r\n ");
	buf_puts(&in, "z\r\nC: 3\r\n\r\nb");
	s.stop_at = -1;
	run(in.data, in.len, &lim, 1, 0, &s);
	if (strncmp(s.t.data, "A= 1|EOH|b#", 11) != 0 ||
	    strstr(s.t.data, "limit=header field over 100 bytes") == NULL ||
	    strstr(s.t.data, "h=1 d=2") == NULL)
		fail_msg("field limit: got %s, want A= 1|EOH|b, h=1 d=2, "
		    "field limit", s.t.data);
	if (s.maxbuf > 100)
		fail_msg("field limit: got a %zu-byte field, want <= 100",
		    s.maxbuf);
	seen_free(&s);
	buf_free(&in);
}

/* test_count_limit - configured max_headers = 2 */
static void
test_count_limit(void **state)
{
	static const char in[] = "A: 1\r\nB: 2\r\nC: 3\r\n cont\r\nD: 4\r\n\r\nb";
	struct msg_limits lim = { 2, 0, 0 };
	struct seen s;

	(void)state;
	s.stop_at = -1;
	run(in, sizeof(in) - 1, &lim, 0, 0, &s);
	if (strncmp(s.t.data, "A= 1|B= 2|EOH|b#", 16) != 0 ||
	    strstr(s.t.data, "h=2 d=2") == NULL ||
	    strstr(s.t.data, "limit=more than 2 header fields") == NULL)
		fail_msg("max_headers 2: got %s, want A, B, h=2 d=2, limit",
		    s.t.data);
	seen_free(&s);
}

/* test_long_lines - over 998 noted, not dropped, in headers and body */
static void
test_long_lines(void **state)
{
	struct buf in;
	struct seen s;
	size_t i;

	(void)state;
	buf_init(&in, 0);
	buf_puts(&in, "X: ");
	for (i = 0; i < 995; i++)	/* 998 bytes: not long */
		buf_putc(&in, 'a');
	buf_puts(&in, "\r\nY: ");
	for (i = 0; i < 996; i++)	/* 999 bytes: long */
		buf_putc(&in, 'a');
	buf_puts(&in, "\r\n\r\n");
	for (i = 0; i < 2000; i++)
		buf_putc(&in, 'b');
	s.stop_at = -1;
	run(in.data, in.len, NULL, 3, 1, &s);
	if (strstr(s.t.data, "h=2 d=0 long=2") == NULL ||
	    msg_split_limit(NULL) != NULL)
		fail_msg("long lines: got %.60s... %s, want h=2 d=0 long=2",
		    s.t.data, strchr(s.t.data, '#'));
	seen_free(&s);
	buf_free(&in);
}

/* test_stop - a callback's non-zero value stops the splitter for good */
static void
test_stop(void **state)
{
	static const char in[] = "A: 1\r\nB: 2\r\nC: 3\r\n\r\nb";
	struct msg_callbacks cb = { on_header, on_eoh, on_body, NULL };
	struct msg_split *sp;
	struct seen s;
	int rc;

	(void)state;
	buf_init(&s.t, 0);
	buf_init(&s.raw, 0);
	s.neoh = 0;
	s.maxbuf = 0;
	s.stop_at = 1;
	cb.arg = &s;
	sp = msg_split_new(NULL, &cb);
	if (sp == NULL)
		fail_msg("stop: out of memory");
	rc = msg_split_write(sp, in, sizeof(in) - 1);
	if (rc != 7)
		fail_msg("stop: got %d, want 7", rc);
	if ((rc = msg_split_write(sp, "x", 1)) != 7)
		fail_msg("stop, write after: got %d, want 7", rc);
	if ((rc = msg_split_finish(sp)) != 7)
		fail_msg("stop, finish: got %d, want 7", rc);
	if (strcmp(s.t.data, "A= 1|B= 2|") != 0 || s.neoh != 0)
		fail_msg("stop: got %s, want A= 1|B= 2|", s.t.data);
	msg_split_free(sp);
	seen_free(&s);
}

/* test_names - case-insensitive comparison and anomaly texts */
static void
test_names(void **state)
{
	unsigned bit;

	(void)state;
	if (!msg_name_eq("fRoM", 4, "From") || msg_name_eq("From", 4, "Fro") ||
	    msg_name_eq("Fro", 3, "From") || !msg_name_eq("", 0, ""))
		fail_msg("msg_name_eq: got a wrong answer");
	for (bit = 1; bit <= MSG_AN_NO_FINAL_EOL; bit <<= 1)
		if (strcmp(msg_anomaly_str(bit), "unknown anomaly") == 0)
			fail_msg("anomaly %#x: got no text, want one", bit);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_many_headers),
		cmocka_unit_test(test_huge_line),
		cmocka_unit_test(test_field_limit),
		cmocka_unit_test(test_count_limit),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
