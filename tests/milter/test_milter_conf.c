/*
 * test_milter_conf.c - mauthd's configuration module: values read from a
 * file, defaults, internal network matching, signing table lookup
 * (exact, wildcard, several entries), errors counted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "mauth/dmarc.h"
#include "mauth/sign.h"
#include "milter/conf.h"

static const char conf_text[] =
    "socket = \"unix:/tmp/x.sock\"\n"
    "mode = \"verify\"\n"
    "internal_networks = { \"10.0.0.0/8\", \"192.168.1.128/25\", "
    "\"2001:db8::/32\", \"203.0.113.7\" }\n"
    "sign { domain = \"example.com\" selector = \"r\" key = \"k1\" }\n"
    "sign { domain = \"example.com\" selector = \"e\" key = \"k2\" "
    "algorithm = \"ed25519-sha256\" canonicalization = \"simple\" }\n"
    "sign { domain = \"*.example.com\" selector = \"w\" key = \"k3\" }\n"
    "sign { domain = \"*.a.example.com\" selector = \"wa\" key = \"k4\" }\n"
    "dns_servers = { \"192.0.2.53\", \"[2001:db8::53]:5353\" }\n"
    "dmarc_mode = \"rfc7489\"\n"
    "failsafe = \"reject\"\n"
    "max_headers = 200\n";

/* load_raw - write len bytes to a temporary file and load it; *errs gets
 * what md_conf_load printed (free it) */
static struct md_conf *
load_raw(const char *text, size_t len, char **errs)
{
	char path[] = "/tmp/test_milter_conf.XXXXXX";
	struct md_conf *c;
	size_t outlen = 0;
	FILE *err;
	int fd;

	*errs = NULL;
	if ((fd = mkstemp(path)) == -1)
		fail_msg("mkstemp failed");
	if (write(fd, text, len) != (ssize_t)len)
		fail_msg("write failed");
	close(fd);
	if ((err = open_memstream(errs, &outlen)) == NULL)
		fail_msg("open_memstream failed");
	c = md_conf_load(path, err);
	fclose(err);
	unlink(path);
	return c;
}

/* load_text - load text; *nerr = how many error lines were printed */
static struct md_conf *
load_text(const char *text, int *nerr)
{
	struct md_conf *c;
	char *out;

	c = load_raw(text, strlen(text), &out);
	*nerr = 0;
	for (size_t i = 0; out != NULL && out[i] != '\0'; i++)
		if (out[i] == '\n')
			(*nerr)++;
	free(out);
	return c;
}

static void
test_values(void **state)
{
	struct md_conf *c;
	int nerr;

	(void)state;
	if ((c = load_text(conf_text, &nerr)) == NULL)
		fail_msg("good file: got %d errors, want 0", nerr);
	if (strcmp(c->socket, "unix:/tmp/x.sock") != 0)
		fail_msg("socket: got %s", c->socket);
	if (c->mode != MD_MODE_VERIFY)
		fail_msg("mode: got %d, want verify", c->mode);
	if (c->nnets != 4 || c->nsign != 4 || c->ndns != 2)
		fail_msg("counts: got nets %zu sign %zu dns %zu, want 4 4 2",
		    c->nnets, c->nsign, c->ndns);
	if (c->sign[1].algorithm != MAUTH_SIGN_ED25519_SHA256 ||
	    c->sign[1].canon != MAUTH_CANON_SIMPLE ||
	    c->sign[0].canon != MAUTH_CANON_RELAXED)
		fail_msg("sign entry 1: algorithm/canonicalization not read");
	if (c->dmarc_mode != MAUTH_DMARC_RFC7489 ||
	    c->failsafe != MD_ACT_REJECT || c->max_headers != 200)
		fail_msg("enums/ints: dmarc %d failsafe %d max_headers %u",
		    c->dmarc_mode, c->failsafe, c->max_headers);
	/* defaults */
	if (c->dns_retries != 2 || c->socket_mode != 0660 ||
	    !c->sign_authenticated || c->pidfile != NULL ||
	    c->log != MD_LOG_SYSLOG)
		fail_msg("defaults: retries %u mode %o sign_auth %d",
		    c->dns_retries, c->socket_mode, c->sign_authenticated);
	md_conf_free(c);
}

static void
test_networks(void **state)
{
	static const struct {
		const char	*name;
		const char	*ip;
		bool		 want;
	} cases[] = {
		{ "inside /8", "10.255.0.1", true },
		{ "outside /8", "11.0.0.1", false },
		{ "inside /25", "192.168.1.200", true },
		{ "below /25", "192.168.1.127", false },
		{ "v6 inside", "2001:db8:1::1", true },
		{ "v6 outside", "2001:db9::1", false },
		{ "single host", "203.0.113.7", true },
		{ "next host", "203.0.113.8", false },
		{ "v4-mapped v6", "::ffff:10.1.2.3", true },
		{ "not an address", "example.com", false },
		{ "NULL", NULL, false },
	};
	struct md_conf *c;
	size_t i;
	int nerr;

	(void)state;
	if ((c = load_text(conf_text, &nerr)) == NULL)
		fail_msg("good file: got %d errors", nerr);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (md_net_match(c, cases[i].ip) != cases[i].want)
			fail_msg("%s: got %d, want %d", cases[i].name,
			    !cases[i].want, cases[i].want);
	md_conf_free(c);
}

static void
test_sign_lookup(void **state)
{
	static const struct {
		const char	*name;
		const char	*domain;
		const char	*want;	/* selectors, space-separated */
	} cases[] = {
		{ "exact: two entries", "example.com", "r e" },
		{ "exact, other case", "EXAMPLE.com", "r e" },
		{ "wildcard", "mail.example.com", "w" },
		{ "closest wildcard", "x.a.example.com", "wa" },
		{ "wildcard is not the parent itself", "a.example.com", "w" },
		{ "no match", "example.org", "" },
		{ "suffix is not a subdomain", "badexample.com", "" },
		{ "NULL", NULL, "" },
	};
	struct md_conf *c;
	size_t idx[8], n, i, j;
	char got[128];
	int nerr;

	(void)state;
	if ((c = load_text(conf_text, &nerr)) == NULL)
		fail_msg("good file: got %d errors", nerr);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = md_sign_lookup(c, cases[i].domain, idx, 8);
		got[0] = '\0';
		for (j = 0; j < n; j++) {
			if (j > 0)
				strncat(got, " ",
				    sizeof(got) - strlen(got) - 1);
			strncat(got, c->sign[idx[j]].selector,
			    sizeof(got) - strlen(got) - 1);
		}
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"", cases[i].name,
			    got, cases[i].want);
	}
	md_conf_free(c);
}

static void
test_errors(void **state)
{
	static const struct {
		const char	*name;
		const char	*text;
		int		 nerr;
	} cases[] = {
		{ "unknown key", "sockett = \"x\"\n", 1 },
		{ "out of range", "max_signatures = 0\n", 1 },
		{ "two errors", "dns_retries = 0\nfailsafe = \"x\"\n", 2 },
		{ "bad CIDR", "internal_networks = { \"1.2.3.4/33\" }\n", 1 },
		{ "sign without key", "sign { domain = \"a.b\" selector = "
		    "\"s\" }\n", 1 },
		{ "bad wildcard", "sign { domain = \"*.\" selector = \"s\" "
		    "key = \"k\" }\n", 1 },
		{ "not a number", "dns_retries = two\n", 1 },
		{ "every syntax error, not only the first", "sockett = 1\n"
		    "max_signatures = 0\ndns_retries = two\nsign { domain = "
		    "\"a.b\" selektor = \"s\" key = \"k\" selector = "
		    "\"s\" }\n", 4 },
		{ "bad DNS server", "dns_servers = { \"192.0.2.1\", "
		    "\"ns.example\", \"[::1]:70000\" }\n", 2 },
		{ "empty file is fine", "", 0 },
	};
	struct md_conf *c;
	size_t i;
	int nerr;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = load_text(cases[i].text, &nerr);
		if ((c == NULL) != (cases[i].nerr > 0) ||
		    nerr != cases[i].nerr)
			fail_msg("%s: got %s with %d errors, want %d errors",
			    cases[i].name, c == NULL ? "refused" : "loaded",
			    nerr, cases[i].nerr);
		md_conf_free(c);
	}
}

/* strip_path - each error line without its "/tmp/...:" file name */
static void
strip_path(const char *in, char *out, size_t outlen)
{
	size_t n = 0;

	while (*in != '\0' && n + 1 < outlen) {
		const char *colon = strchr(in, ':');
		const char *nl = strchr(in, '\n');

		if (colon != NULL && (nl == NULL || colon < nl))
			in = colon + 1;
		while (*in != '\0' && n + 1 < outlen) {
			out[n++] = *in;
			if (*in++ == '\n')
				break;
		}
	}
	out[n] = '\0';
}

static void
test_error_lines(void **state)
{
	static const struct {
		const char	*name;
		const char	*text;
		size_t		 len;	/* 0: strlen */
		const char	*want;	/* errors, file name stripped */
	} cases[] = {
		{ "every error with its line, in line order",
		  "socket = \"unix:/x\"\nsockett = 1\ndns_retries = two\n"
		  "dns_servers = { \"ns.example\" }\nfailsafe = \"x\"\n", 0,
		  "2: no such option 'sockett'\n"
		  "3: invalid integer value for option 'dns_retries'\n"
		  "4: dns_servers: DNS server 'ns.example': not an IP address\n"
		  "5: failsafe: 'x' is not one of: tempfail, accept, reject\n" },
		{ "unknown key inside a section",
		  "sign {\n domain = \"a.b\"\n selektor = \"s\"\n"
		  " selector = \"s\"\n key = \"k\"\n}\nmode = \"nope\"\n", 0,
		  "3: no such option 'selektor'\n"
		  "7: mode: 'nope' is not one of: sign, verify, sign+verify\n" },
		{ "NUL byte", "mode = \"verify\"\n\0x\n", 18,
		  " NUL byte at offset 16\n" },
	};
	char got[2048];
	struct md_conf *c;
	char *out;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = load_raw(cases[i].text, cases[i].len != 0 ? cases[i].len :
		    strlen(cases[i].text), &out);
		strip_path(out != NULL ? out : "", got, sizeof(got));
		free(out);
		if (c != NULL)
			fail_msg("%s: loaded, want refused", cases[i].name);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("%s: got\n%s\nwant\n%s", cases[i].name, got,
			    cases[i].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_networks),
		cmocka_unit_test(test_sign_lookup),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
