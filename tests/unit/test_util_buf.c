/*
 * test_util_buf.c - the bounded buffer: appends, ceiling, escaping, take.
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
#include "util/buf.h"
#include "util/str.h"

/* test_take_empty - taking an empty buffer gives "" (regression: garbage) */
static void
test_take_empty(void **state)
{
	struct buf b;
	char *p;

	(void)state;
	buf_init(&b, 0);
	p = buf_take(&b);
	if (p == NULL || p[0] != '\0')
		fail_msg("take empty: got %s, want \"\"", p ? "garbage" : "NULL");
	free(p);
	buf_init(&b, 0);
	buf_append(&b, "", 0);
	p = buf_take(&b);
	if (p == NULL || p[0] != '\0')
		fail_msg("take after empty append: want \"\"");
	free(p);
}

static void
test_ceiling(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	buf_puts(&b, "12345678");
	if (b.err != 0 || b.len != 8)
		fail_msg("fill to ceiling: got err=%d len=%zu, want 0/8",
		    b.err, b.len);
	buf_putc(&b, '9');
	if (b.err != MAUTH_ERR_LIMIT || b.len != 8)
		fail_msg("past ceiling: got err=%d len=%zu, want LIMIT/8",
		    b.err, b.len);
	buf_puts(&b, "x");	/* sticky: ignored */
	if (b.len != 8 || strcmp(b.data, "12345678") != 0)
		fail_msg("sticky error: got len=%zu", b.len);
	if (buf_take(&b) != NULL)
		fail_msg("take after error: got data, want NULL");
	buf_free(&b);
}

static void
test_printf_escape(void **state)
{
	static const struct {
		const char	*name;
		const char	*in;
		size_t		 len;
		const char	*want;
	} cases[] = {
		{ "plain", "abc", 3, "abc" },
		{ "NUL", "a\0b", 3, "a\\x00b" },
		{ "control and high", "\x01\x7f\xff", 3, "\\x01\\x7f\\xff" },
		{ "backslash", "a\\b", 3, "a\\x5cb" },
	};
	struct buf b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_init(&b, 0);
		buf_put_escaped(&b, cases[i].in, cases[i].len);
		if (b.err || strcmp(b.data, cases[i].want) != 0)
			fail_msg("%s: got '%s', want '%s'", cases[i].name,
			    b.data ? b.data : "(null)", cases[i].want);
		buf_free(&b);
	}
	buf_init(&b, 0);
	buf_printf(&b, "%d-%s", 42, "x");
	buf_printf(&b, "%0300d", 7);
	if (b.err || b.len != 4 + 300 || strncmp(b.data, "42-x", 4) != 0)
		fail_msg("printf: got len=%zu err=%d", b.len, b.err);
	buf_free(&b);
}

static void
test_str_to_u64(void **state)
{
	static const struct {
		const char	*in;
		uint64_t	 max;
		int		 ok;
		uint64_t	 want;
	} cases[] = {
		{ "0", 10, 1, 0 }, { "10", 10, 1, 10 }, { "11", 10, 0, 0 },
		{ "", 10, 0, 0 }, { "1a", 99, 0, 0 }, { "-1", 99, 0, 0 },
		{ "18446744073709551615", UINT64_MAX, 1, UINT64_MAX },
		{ "18446744073709551616", UINT64_MAX, 0, 0 },
	};
	uint64_t v;
	size_t i;
	bool ok;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = 0;
		ok = str_to_u64(cases[i].in, strlen(cases[i].in), cases[i].max,
		    &v);
		if ((int)ok != cases[i].ok || (ok && v != cases[i].want))
			fail_msg("'%s': got ok=%d v=%llu, want ok=%d v=%llu",
			    cases[i].in, ok, (unsigned long long)v,
			    cases[i].ok, (unsigned long long)cases[i].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_take_empty),
		cmocka_unit_test(test_ceiling),
		cmocka_unit_test(test_printf_escape),
		cmocka_unit_test(test_str_to_u64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
