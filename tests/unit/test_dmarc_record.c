/*
 * test_dmarc_record.c - the DMARC Policy Record parser and the name helpers
 * (src/lib/dmarc/dmarc_record.c): recognition of v=DMARC1, every tag, case
 * and whitespace tolerance, invalid values, unknown and duplicate tags,
 * control bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "mauth/dmarc.h"
#include "dmarc/dmarc_int.h"
#include "util/buf.h"

/* pol - a policy field as text: ABSENT "-", INVALID "!" */
static const char *
pol(int p)
{
	if (p == DMARC_TAG_ABSENT)
		return "-";
	if (p == DMARC_POLICY_INVALID)
		return "!";
	return dmarc_policy_name(p);
}

/*
 * render - a canonical summary of a parsed record:
 * "p sp np adkim aspf psd t pct rua ruf unknown bad [fo=..]"
 */
static void
render(const struct dmarc_record *r, struct buf *b)
{
	buf_printf(b, "p=%s sp=%s np=%s adkim=%c aspf=%c psd=%c t=%c",
	    pol(r->p), pol(r->sp), pol(r->np), r->adkim, r->aspf, r->psd,
	    r->testing ? 'y' : 'n');
	if (r->pct == DMARC_TAG_ABSENT)
		buf_puts(b, " pct=-");
	else
		buf_printf(b, " pct=%d", r->pct);
	buf_printf(b, " rua=%u ruf=%u unknown=%u bad=%d", r->rua_valid,
	    r->ruf_valid, r->unknown_tags, r->bad_value ? 1 : 0);
	if (r->fo.p != NULL) {
		buf_puts(b, " fo=");
		buf_append(b, r->fo.p, r->fo.len);
	}
	if (r->rf.p != NULL) {
		buf_puts(b, " rf=");
		buf_append(b, r->rf.p, r->rf.len);
	}
	if (r->ri.p != NULL) {
		buf_puts(b, " ri=");
		buf_append(b, r->ri.p, r->ri.len);
	}
}

#define D "adkim=r aspf=r psd=u t=n pct=-"

struct rec_case {
	const char	*name;
	const char	*text;
	size_t		 len;		/* 0: strlen(text) */
	int		 status;	/* enum dmarc_rec_status */
	const char	*want;		/* render() when status is OK */
};

static const struct rec_case cases[] = {
	/* recognition (RFC 9989 4.7 v, 4.10 step 2) */
	{ "minimal", "v=DMARC1", 0, DMARC_REC_OK,
	    "p=- sp=- np=- " D " rua=0 ruf=0 unknown=0 bad=0" },
	{ "p reject", "v=DMARC1; p=reject", 0, DMARC_REC_OK,
	    "p=reject sp=- np=- " D " rua=0 ruf=0 unknown=0 bad=0" },
	{ "trailing separator", "v=DMARC1; p=none;", 0, DMARC_REC_OK,
	    "p=none sp=- np=- " D " rua=0 ruf=0 unknown=0 bad=0" },
	{ "empty tags between separators", "v=DMARC1;;; p=none ;", 0,
	    DMARC_REC_OK,
	    "p=none sp=- np=- " D " rua=0 ruf=0 unknown=0 bad=0" },
	{ "version value is case sensitive", "v=dmarc1; p=reject", 0,
	    DMARC_REC_NOT_DMARC, NULL },
	{ "version tag name any case", "V=DMARC1; P=Reject", 0, DMARC_REC_OK,
	    "p=reject sp=- np=- " D " rua=0 ruf=0 unknown=0 bad=0" },
	{ "v not first", "p=reject; v=DMARC1", 0, DMARC_REC_NOT_DMARC, NULL },
	{ "other version", "v=DMARC2; p=reject", 0, DMARC_REC_NOT_DMARC,
	    NULL },
	{ "version with suffix", "v=DMARC1x; p=reject", 0,
	    DMARC_REC_NOT_DMARC, NULL },
	{ "missing separator after version", "v=DMARC1 p=reject", 0,
	    DMARC_REC_NOT_DMARC, NULL },
	{ "spf record", "v=spf1 -all", 0, DMARC_REC_NOT_DMARC, NULL },
	{ "empty string", "", 0, DMARC_REC_NOT_DMARC, NULL },
	{ "whitespace around = and ;", "v = DMARC1 ;  p = reject ; adkim = s",
	    0, DMARC_REC_OK,
	    "p=reject sp=- np=- adkim=s aspf=r psd=u t=n pct=- rua=0 ruf=0 "
	    "unknown=0 bad=0" },
	{ "leading whitespace tolerated", "  v=DMARC1; p=none", 0,
	    DMARC_REC_OK,
	    "p=none sp=- np=- " D " rua=0 ruf=0 unknown=0 bad=0" },
	{ "tabs", "v=DMARC1;\tp=quarantine\t", 0, DMARC_REC_OK,
	    "p=quarantine sp=- np=- " D " rua=0 ruf=0 unknown=0 bad=0" },
	/* untrusted bytes */
	{ "NUL byte", "v=DMARC1; p=reject\0; sp=none", 30, DMARC_REC_INVALID,
	    NULL },
	{ "newline", "v=DMARC1; p=reject\n", 0, DMARC_REC_INVALID, NULL },
	{ "DEL byte", "v=DMARC1; p=re\x7fject", 0, DMARC_REC_INVALID, NULL },
	{ "NUL in an SPF record is not ours", "v=spf1\0", 7,
	    DMARC_REC_NOT_DMARC, NULL },
	/* policies (RFC 9989 4.7 p, sp, np) */
	{ "all three policies", "v=DMARC1; p=none; sp=quarantine; np=reject",
	    0, DMARC_REC_OK,
	    "p=none sp=quarantine np=reject " D
	    " rua=0 ruf=0 unknown=0 bad=0" },
	{ "upper-case values", "v=DMARC1; p=QUARANTINE; adkim=S; aspf=S", 0,
	    DMARC_REC_OK,
	    "p=quarantine sp=- np=- adkim=s aspf=s psd=u t=n pct=- rua=0 "
	    "ruf=0 unknown=0 bad=0" },
	{ "invalid p", "v=DMARC1; p=block", 0, DMARC_REC_OK,
	    "p=! sp=- np=- " D " rua=0 ruf=0 unknown=0 bad=0" },
	{ "empty p", "v=DMARC1; p=", 0, DMARC_REC_OK,
	    "p=! sp=- np=- " D " rua=0 ruf=0 unknown=0 bad=0" },
	{ "invalid sp", "v=DMARC1; p=reject; sp=strict", 0, DMARC_REC_OK,
	    "p=reject sp=! np=- " D " rua=0 ruf=0 unknown=0 bad=0" },
	{ "invalid np", "v=DMARC1; p=reject; np=never", 0, DMARC_REC_OK,
	    "p=reject sp=- np=! " D " rua=0 ruf=0 unknown=0 bad=0" },
	{ "p order free", "v=DMARC1; adkim=s; p=quarantine", 0, DMARC_REC_OK,
	    "p=quarantine sp=- np=- adkim=s aspf=r psd=u t=n pct=- rua=0 "
	    "ruf=0 unknown=0 bad=0" },
	/* alignment, psd, t */
	{ "adkim invalid keeps default", "v=DMARC1; p=none; adkim=x", 0,
	    DMARC_REC_OK,
	    "p=none sp=- np=- " D " rua=0 ruf=0 unknown=0 bad=1" },
	{ "aspf strict", "v=DMARC1; p=none; aspf=s", 0, DMARC_REC_OK,
	    "p=none sp=- np=- adkim=r aspf=s psd=u t=n pct=- rua=0 ruf=0 "
	    "unknown=0 bad=0" },
	{ "psd y", "v=DMARC1; p=reject; psd=y", 0, DMARC_REC_OK,
	    "p=reject sp=- np=- adkim=r aspf=r psd=y t=n pct=- rua=0 ruf=0 "
	    "unknown=0 bad=0" },
	{ "psd n upper", "v=DMARC1; p=reject; psd=N", 0, DMARC_REC_OK,
	    "p=reject sp=- np=- adkim=r aspf=r psd=n t=n pct=- rua=0 ruf=0 "
	    "unknown=0 bad=0" },
	{ "psd invalid", "v=DMARC1; p=reject; psd=yes", 0, DMARC_REC_OK,
	    "p=reject sp=- np=- " D " rua=0 ruf=0 unknown=0 bad=1" },
	{ "t y", "v=DMARC1; p=reject; t=y", 0, DMARC_REC_OK,
	    "p=reject sp=- np=- adkim=r aspf=r psd=u t=y pct=- rua=0 ruf=0 "
	    "unknown=0 bad=0" },
	{ "t invalid", "v=DMARC1; p=reject; t=1", 0, DMARC_REC_OK,
	    "p=reject sp=- np=- " D " rua=0 ruf=0 unknown=0 bad=1" },
	/* removed tags: parsed for the summary (RFC 9989 A.6) */
	{ "pct rf ri", "v=DMARC1; p=reject; pct=0; rf=afrf; ri=3600", 0,
	    DMARC_REC_OK,
	    "p=reject sp=- np=- adkim=r aspf=r psd=u t=n pct=0 rua=0 ruf=0 "
	    "unknown=0 bad=0 rf=afrf ri=3600" },
	{ "pct over 100", "v=DMARC1; p=reject; pct=101", 0, DMARC_REC_OK,
	    "p=reject sp=- np=- " D " rua=0 ruf=0 unknown=0 bad=1" },
	{ "pct not a number", "v=DMARC1; p=reject; pct=-1", 0, DMARC_REC_OK,
	    "p=reject sp=- np=- " D " rua=0 ruf=0 unknown=0 bad=1" },
	{ "fo kept", "v=DMARC1; p=none; fo=0:d:s", 0, DMARC_REC_OK,
	    "p=none sp=- np=- " D " rua=0 ruf=0 unknown=0 bad=0 fo=0:d:s" },
	/* report URIs (RFC 9989 4.7 rua/ruf, 4.8 dmarc-uri) */
	{ "rua one", "v=DMARC1; rua=mailto:d@example.com", 0, DMARC_REC_OK,
	    "p=- sp=- np=- " D " rua=1 ruf=0 unknown=0 bad=0" },
	{ "rua two with spaces", "v=DMARC1; p=none; rua=mailto:a@example.com"
	    " , https://r.example.net/x", 0, DMARC_REC_OK,
	    "p=none sp=- np=- " D " rua=2 ruf=0 unknown=0 bad=0" },
	{ "rua size suffix", "v=DMARC1; p=none; rua=mailto:a@example.com!10m",
	    0, DMARC_REC_OK,
	    "p=none sp=- np=- " D " rua=1 ruf=0 unknown=0 bad=0" },
	{ "rua not a URI", "v=DMARC1; p=block; rua=dmarc@example.com", 0,
	    DMARC_REC_OK, "p=! sp=- np=- " D " rua=0 ruf=0 unknown=0 bad=0" },
	{ "rua empty", "v=DMARC1; p=none; rua=", 0, DMARC_REC_OK,
	    "p=none sp=- np=- " D " rua=0 ruf=0 unknown=0 bad=0" },
	{ "rua scheme only", "v=DMARC1; p=none; rua=mailto:", 0, DMARC_REC_OK,
	    "p=none sp=- np=- " D " rua=0 ruf=0 unknown=0 bad=0" },
	{ "ruf", "v=DMARC1; p=none; ruf=mailto:f@example.com", 0,
	    DMARC_REC_OK,
	    "p=none sp=- np=- " D " rua=0 ruf=1 unknown=0 bad=0" },
	/* ignored tags */
	{ "unknown tags ignored", "v=DMARC1; p=reject; foo=bar; adkim=s; "
	    "zz=top", 0, DMARC_REC_OK,
	    "p=reject sp=- np=- adkim=s aspf=r psd=u t=n pct=- rua=0 ruf=0 "
	    "unknown=2 bad=0" },
	{ "duplicate tag: first stands", "v=DMARC1; p=reject; p=none", 0,
	    DMARC_REC_OK,
	    "p=reject sp=- np=- " D " rua=0 ruf=0 unknown=1 bad=0" },
	{ "second version tag ignored", "v=DMARC1; v=DMARC1; p=none", 0,
	    DMARC_REC_OK,
	    "p=none sp=- np=- " D " rua=0 ruf=0 unknown=1 bad=0" },
	{ "tag without =", "v=DMARC1; p=none; garbage", 0, DMARC_REC_OK,
	    "p=none sp=- np=- " D " rua=0 ruf=0 unknown=1 bad=0" },
	{ "bad tag name", "v=DMARC1; p=none; 9x=1; _a=2", 0, DMARC_REC_OK,
	    "p=none sp=- np=- " D " rua=0 ruf=0 unknown=2 bad=0" },
};

static void
test_records(void **state)
{
	const struct rec_case *c;
	struct dmarc_record rec;
	struct buf b;
	char err[128];
	size_t i, len;
	int st, failures = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		len = c->len != 0 ? c->len : strlen(c->text);
		st = dmarc_record_parse((const uint8_t *)c->text, len, &rec,
		    err, sizeof(err));
		if (st != c->status) {
			print_error("%s: got status %d, want %d\n", c->name, st,
			    c->status);
			failures++;
			continue;
		}
		if (st == DMARC_REC_INVALID && err[0] == '\0') {
			print_error("%s: got no reason for an invalid record\n",
			    c->name);
			failures++;
		}
		if (st != DMARC_REC_OK)
			continue;
		buf_init(&b, 0);
		render(&rec, &b);
		if (b.err || strcmp(b.data, c->want) != 0) {
			print_error("%s: got \"%s\", want \"%s\"\n", c->name,
			    b.err ? "(buf error)" : b.data, c->want);
			failures++;
		}
		buf_free(&b);
	}
	if (failures > 0)
		fail_msg("%d of %zu record cases failed", failures,
		    sizeof(cases) / sizeof(cases[0]));
}

/* the spans of rua/ruf point into the text given */
static void
test_spans(void **state)
{
	static const char text[] = "v=DMARC1; p=none; rua=mailto:a@x.example;"
	    " ruf=mailto:f@x.example ";
	struct dmarc_record rec;

	(void)state;
	if (dmarc_record_parse((const uint8_t *)text, strlen(text), &rec, NULL,
	    0) != DMARC_REC_OK)
		fail_msg("spans: got not OK, want OK");
	if (rec.rua.p == NULL || rec.rua.len != 18 ||
	    memcmp(rec.rua.p, "mailto:a@x.example", 18) != 0)
		fail_msg("spans: rua got %.*s, want mailto:a@x.example",
		    (int)rec.rua.len, rec.rua.p != NULL ? rec.rua.p : "");
	if (rec.ruf.p == NULL || rec.ruf.len != 18)
		fail_msg("spans: ruf length got %zu, want 18", rec.ruf.len);
}

/* an oversized record is refused without reading it */
static void
test_oversized(void **state)
{
	static uint8_t big[DMARC_MAX_RECORD_LEN + 2];
	struct dmarc_record rec;
	int st;

	(void)state;
	memset(big, 'a', sizeof(big));
	memcpy(big, "v=DMARC1; p=none; x=", 20);
	st = dmarc_record_parse(big, sizeof(big), &rec, NULL, 0);
	if (st != DMARC_REC_NOT_DMARC)
		fail_msg("oversized: got %d, want NOT_DMARC", st);
	/* at the ceiling it still parses, one unknown tag */
	st = dmarc_record_parse(big, DMARC_MAX_RECORD_LEN, &rec, NULL, 0);
	if (st != DMARC_REC_OK || rec.unknown_tags != 1)
		fail_msg("at ceiling: got %d/%u, want OK/1", st,
		    rec.unknown_tags);
}

/* many tags: only DMARC_MAX_TAGS are looked at */
static void
test_many_tags(void **state)
{
	struct dmarc_record rec;
	struct buf b;
	int i, st;

	(void)state;
	buf_init(&b, 0);
	buf_puts(&b, "v=DMARC1");
	for (i = 0; i < 1000; i++)
		buf_printf(&b, "; x%d=1", i);
	buf_puts(&b, "; p=reject");
	st = dmarc_record_parse((const uint8_t *)b.data, b.len, &rec, NULL, 0);
	if (st != DMARC_REC_OK || rec.p != DMARC_TAG_ABSENT ||
	    rec.unknown_tags != DMARC_MAX_TAGS + 1)
		fail_msg("many tags: got st=%d p=%d unknown=%u, want OK, "
		    "absent p, %d", st, rec.p, rec.unknown_tags,
		    DMARC_MAX_TAGS + 1);
	buf_free(&b);
}

struct name_case {
	const char	*name;
	const char	*in;
	bool		 ok;
	const char	*out;
};

static const struct name_case names[] = {
	{ "plain", "example.com", true, "example.com" },
	{ "upper case folded", "Mail.EXAMPLE.Com", true, "mail.example.com" },
	{ "trailing dot dropped", "example.com.", true, "example.com" },
	{ "single label", "localhost", true, "localhost" },
	{ "empty", "", false, NULL },
	{ "root only", ".", false, NULL },
	{ "empty label", "a..example", false, NULL },
	{ "leading dot", ".example.com", false, NULL },
	{ "space", "exa mple.com", false, NULL },
	{ "at sign", "user@example.com", false, NULL },
	{ "U-label", "b\xc3\xbc" "cher.example", false, NULL },
	{ "64-octet label",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    ".example", false, NULL },
};

static void
test_names(void **state)
{
	char out[DMARC_NAME_MAX + 1];
	size_t i;
	bool ok;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ok = dmarc_name_norm(names[i].in, strlen(names[i].in), out,
		    sizeof(out));
		if (ok != names[i].ok)
			fail_msg("%s: got %d, want %d", names[i].name, ok,
			    names[i].ok);
		if (ok && strcmp(out, names[i].out) != 0)
			fail_msg("%s: got %s, want %s", names[i].name, out,
			    names[i].out);
	}
	if (dmarc_name_labels("a.b.c") != 3 || dmarc_name_labels("com") != 1)
		fail_msg("labels: got %zu/%zu, want 3/1",
		    dmarc_name_labels("a.b.c"), dmarc_name_labels("com"));
	if (strcmp(dmarc_name_suffix("a.b.c.d", 2), "c.d") != 0 ||
	    strcmp(dmarc_name_suffix("a.b", 5), "a.b") != 0)
		fail_msg("suffix: got %s/%s, want c.d/a.b",
		    dmarc_name_suffix("a.b.c.d", 2),
		    dmarc_name_suffix("a.b", 5));
	if (!dmarc_name_under("mail.example.com", "example.com") ||
	    !dmarc_name_under("example.com", "example.com") ||
	    dmarc_name_under("badexample.com", "example.com") ||
	    dmarc_name_under("com", "example.com"))
		fail_msg("under: got a wrong answer for example.com");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_spans),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_many_tags),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
