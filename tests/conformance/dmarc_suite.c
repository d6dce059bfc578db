/*
 * dmarc_suite.c - run the DMARC evaluation suite (RFC 9989 and RFC 7489
 * modes) against mauth_dmarc_evaluate().
 *
 * usage: dmarc_suite [-v] [--psl FILE] FILE [TEST-ID ...]
 *
 * FILE is testdata/dmarc/rfc9989/dmarc-tests.yml: one YAML document, a list
 * of scenarios, each with its "zonedata" and its "tests".  The DNS of a
 * scenario is served from memory through a custom resolver backend, with
 * the suite's model (README.md beside the file):
 *
 *   - names are matched case-insensitively; an absent name is NXDOMAIN;
 *   - a present name is NOERROR with its records of the asked type, NODATA
 *     when it has none ("[]": exists, no records at all);
 *   - a name with a "TIMEOUT: true" entry times out for every type;
 *   - TXT is one RR of one character-string; MX is "preference exchange".
 *
 * A test of mode "both" runs once per mode; each run counts as one test.
 * Every key present under "expect" is checked (domains case-insensitively).
 * One line per failure, then "N passed, N failed".
 * Exit status: 0 all passed, 1 some failed, 2 usage or input error.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "mauth/dkim.h"
#include "mauth/dmarc.h"
#include "mauth/dns.h"
#include "mauth/spf.h"
#include "conf_common.h"
#include "conf_yaml.h"

/* Ceilings on what the YAML file may make us hold. */
#define MAX_NAMES	10000	/* owner names in one scenario */
#define MAX_ENTRIES	1000	/* records of one owner name */
#define MAX_FILTER	64	/* test ids on the command line */

struct zentry {
	uint16_t	 type;
	uint8_t		 addr[16];
	uint16_t	 pref;
	char		*target;	/* MX exchange */
	const uint8_t	*txt;		/* TXT, borrowed from the document */
	size_t		 txtlen;
};

struct zname {
	char		*name;
	bool		 timeout;
	struct zentry	*ent;
	size_t		 nent;
};

struct zone {
	struct zname	*names;
	size_t		 nnames;
};

struct run {
	bool		 verbose;
	const char	*filter[MAX_FILTER];
	bool		 filter_seen[MAX_FILTER];
	size_t		 nfilter;
	struct mauth_dmarc_ctx *ctx[2];	/* by enum mauth_dmarc_mode */
	unsigned	 passed;
	unsigned	 failed;
	bool		 fatal;
};

/* ---- the scenario's DNS ------------------------------------------------ */

/* zone_free - free a zone; the YAML document stays with the caller */
static void
zone_free(struct zone *z)
{
	size_t i, j;

	for (i = 0; i < z->nnames; i++) {
		for (j = 0; j < z->names[i].nent; j++)
			free(z->names[i].ent[j].target);
		free(z->names[i].ent);
		free(z->names[i].name);
	}
	free(z->names);
	z->names = NULL;
	z->nnames = 0;
}

/* zone_find - the owner name matching name */
static const struct zname *
zone_find(const struct zone *z, const char *name)
{
	size_t i;

	for (i = 0; i < z->nnames; i++)
		if (conf_name_eq(z->names[i].name, strlen(z->names[i].name),
		    name, strlen(name)))
			return &z->names[i];
	return NULL;
}

/* parse_mx - "preference exchange" */
static bool
parse_mx(const char *s, struct zentry *e)
{
	unsigned long v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > 65535)
			return false;
		p++;
	}
	if (*p != ' ')
		return false;
	while (*p == ' ')
		p++;
	if (*p == '\0')
		return false;
	e->pref = (uint16_t)v;
	e->target = conf_name_norm(p, strlen(p));
	return e->target != NULL;
}

/*
 * zone_load_name - the entries of one owner name.  False on allocation
 * failure or malformed data (reported).
 */
static bool
zone_load_name(yaml_document_t *doc, const yaml_node_t *list,
    struct zname *zn)
{
	const yaml_node_t *item, *k, *v;
	yaml_node_pair_t *p;
	struct zentry e, *ne;
	const char *s;
	size_t i;

	if (list == NULL || list->type != YAML_SEQUENCE_NODE) {
		fprintf(stderr, "dmarc_suite: %s: value is not a list\n",
		    zn->name);
		return false;
	}
	for (i = 0; i < conf_seq_len(list); i++) {
		item = conf_seq_get(doc, list, i);
		if (item == NULL || item->type != YAML_MAPPING_NODE)
			goto bad;
		for (p = item->data.mapping.pairs.start;
		    p < item->data.mapping.pairs.top; p++) {
			k = yaml_document_get_node(doc, p->key);
			v = yaml_document_get_node(doc, p->value);
			if ((s = conf_node_str(v)) == NULL || conf_node_str(k) == NULL)
				goto bad;
			memset(&e, 0, sizeof(e));
			if (conf_node_is(k, "TIMEOUT")) {
				if (!conf_node_is(v, "true"))
					goto bad;
				zn->timeout = true;
				continue;
			}
			if ((e.type = conf_type_from_str(conf_node_str(k))) == 0)
				goto bad;
			switch (e.type) {
			case MAUTH_DNS_TXT:
				e.txt = v->data.scalar.value;
				e.txtlen = v->data.scalar.length;
				break;
			case MAUTH_DNS_A:
				if (inet_pton(AF_INET, s, e.addr) != 1)
					goto bad;
				break;
			case MAUTH_DNS_AAAA:
				if (inet_pton(AF_INET6, s, e.addr) != 1)
					goto bad;
				break;
			case MAUTH_DNS_MX:
				if (!parse_mx(s, &e))
					goto bad;
				break;
			default:
				goto bad;
			}
			if (zn->nent >= MAX_ENTRIES ||
			    (ne = reallocarray(zn->ent, zn->nent + 1,
			    sizeof(*ne))) == NULL) {
				free(e.target);
				return false;
			}
			zn->ent = ne;
			zn->ent[zn->nent++] = e;
		}
	}
	return true;
bad:
	fprintf(stderr, "dmarc_suite: %s: malformed entry %zu\n", zn->name,
	    i + 1);
	return false;
}

/* zone_load - build the zone of a scenario from its zonedata map */
static bool
zone_load(yaml_document_t *doc, const yaml_node_t *zd, struct zone *z)
{
	const yaml_node_t *k;
	yaml_node_pair_t *p;
	struct zname *nn;

	memset(z, 0, sizeof(*z));
	if (zd == NULL)
		return true;
	if (zd->type != YAML_MAPPING_NODE)
		return false;
	for (p = zd->data.mapping.pairs.start; p < zd->data.mapping.pairs.top;
	    p++) {
		k = yaml_document_get_node(doc, p->key);
		if (conf_node_str(k) == NULL || z->nnames >= MAX_NAMES)
			return false;
		nn = reallocarray(z->names, z->nnames + 1, sizeof(*nn));
		if (nn == NULL)
			return false;
		z->names = nn;
		nn = &z->names[z->nnames];
		memset(nn, 0, sizeof(*nn));
		if ((nn->name = conf_name_norm(conf_node_str(k),
		    k->data.scalar.length)) == NULL)
			return false;
		z->nnames++;
		if (!zone_load_name(doc, yaml_document_get_node(doc, p->value),
		    nn))
			return false;
	}
	return true;
}

/* zone_query - the custom backend: answer (name, type) from the zone */
static int
zone_query(void *arg, const char *name, uint16_t type,
    struct mauth_dns_answer **out)
{
	const struct zone *z = arg;
	const struct zname *zn;
	const struct zentry *e;
	struct mauth_dns_answer *ans;
	size_t i, one = 0;
	int rc = MAUTH_OK;

	*out = NULL;
	zn = zone_find(z, name);
	if (zn != NULL && zn->timeout)
		return MAUTH_DNS_TIMEOUT;
	if ((ans = mauth_dns_answer_new(zn == NULL ? MAUTH_RCODE_NXDOMAIN :
	    MAUTH_RCODE_NOERROR, CONF_TTL)) == NULL)
		return MAUTH_DNS_FAILURE;
	for (i = 0; zn != NULL && i < zn->nent && rc == MAUTH_OK; i++) {
		e = &zn->ent[i];
		if (e->type != type)
			continue;
		switch (type) {
		case MAUTH_DNS_A:
			rc = mauth_dns_answer_add_a(ans, zn->name, CONF_TTL,
			    e->addr);
			break;
		case MAUTH_DNS_AAAA:
			rc = mauth_dns_answer_add_aaaa(ans, zn->name, CONF_TTL,
			    e->addr);
			break;
		case MAUTH_DNS_MX:
			rc = mauth_dns_answer_add_mx(ans, zn->name, CONF_TTL,
			    e->pref, e->target);
			break;
		case MAUTH_DNS_TXT:
			one = e->txtlen;
			rc = mauth_dns_answer_add_txt(ans, MAUTH_DNS_TXT,
			    zn->name, CONF_TTL, &e->txt, &one, 1);
			break;
		}
	}
	if (rc != MAUTH_OK) {
		mauth_dns_answer_free(ans);
		return MAUTH_DNS_FAILURE;
	}
	*out = ans;
	return MAUTH_DNS_ANSWER;
}

/* ---- running tests ----------------------------------------------------- */

/* dkim_result - the DKIM result named s (RFC 8601 2.7.1), or -1 */
static int
dkim_result(const char *s)
{
	static const struct {
		const char	*name;
		int		 value;
	} tab[] = {
		{ "none", MAUTH_DKIM_NONE }, { "pass", MAUTH_DKIM_PASS },
		{ "fail", MAUTH_DKIM_FAIL }, { "neutral", MAUTH_DKIM_NEUTRAL },
		{ "policy", MAUTH_DKIM_POLICY },
		{ "temperror", MAUTH_DKIM_TEMPERROR },
		{ "permerror", MAUTH_DKIM_PERMERROR }
	};
	size_t i;

	for (i = 0; s != NULL && i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(s, tab[i].name) == 0)
			return tab[i].value;
	return -1;
}

/* selected - whether test id is to be run */
static bool
selected(struct run *run, const char *id)
{
	size_t i;

	if (run->nfilter == 0)
		return true;
	for (i = 0; i < run->nfilter; i++)
		if (strcmp(run->filter[i], id) == 0) {
			run->filter_seen[i] = true;
			return true;
		}
	return false;
}

/* Outcome of one check of one run. */
struct verdict {
	bool	 ok;
	char	 msg[1024];
	size_t	 len;
};

/* mismatch - record "key: got X, want Y" */
static void
mismatch(struct verdict *v, const char *key, const char *got, const char *want)
{
	int n;

	v->ok = false;
	if (v->len >= sizeof(v->msg))
		return;
	n = snprintf(v->msg + v->len, sizeof(v->msg) - v->len,
	    "%s%s: got %s, want %s", v->len > 0 ? "; " : "", key,
	    got != NULL ? got : "(null)", want);
	if (n > 0)
		v->len += (size_t)n;
}

/* check_str - compare an expected domain or word (case-insensitive) */
static void
check_str(struct verdict *v, yaml_document_t *doc, const yaml_node_t *expect,
    const char *key, const char *got)
{
	const yaml_node_t *w = conf_map_get(doc, expect, key);

	if (w == NULL)
		return;
	if (conf_node_str(w) == NULL) {
		mismatch(v, key, got, "(malformed expectation)");
		return;
	}
	if (got == NULL || !conf_name_eq(got, strlen(got), conf_node_str(w),
	    w->data.scalar.length))
		mismatch(v, key, got, conf_node_str(w));
}

/* check_bool - compare an expected true/false */
static void
check_bool(struct verdict *v, yaml_document_t *doc, const yaml_node_t *expect,
    const char *key, bool got)
{
	const yaml_node_t *w = conf_map_get(doc, expect, key);

	if (w == NULL)
		return;
	if (!conf_node_is(w, "true") && !conf_node_is(w, "false")) {
		mismatch(v, key, got ? "true" : "false",
		    "(malformed expectation)");
		return;
	}
	if (got != conf_node_is(w, "true"))
		mismatch(v, key, got ? "true" : "false", conf_node_str(w));
}

/* known_expect_keys - every key of expect is one this runner checks */
static bool
known_expect_keys(yaml_document_t *doc, const yaml_node_t *expect,
    struct verdict *v)
{
	static const char *const keys[] = {
		"result", "policy_domain", "org_domain", "policy",
		"spf_aligned", "dkim_aligned"
	};
	yaml_node_pair_t *p;
	const yaml_node_t *k;
	size_t i;

	if (expect == NULL || expect->type != YAML_MAPPING_NODE) {
		mismatch(v, "expect", "-", "(a map)");
		return false;
	}
	for (p = expect->data.mapping.pairs.start;
	    p < expect->data.mapping.pairs.top; p++) {
		k = yaml_document_get_node(doc, p->key);
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (conf_node_is(k, keys[i]))
				break;
		if (i == sizeof(keys) / sizeof(keys[0])) {
			mismatch(v, "expect", conf_node_str(k),
			    "(a key this runner checks)");
			return false;
		}
	}
	return true;
}

/* build_input - the evaluation input of a test; false with a reason */
static bool
build_input(yaml_document_t *doc, const yaml_node_t *t,
    struct mauth_dmarc_input *in, struct verdict *v)
{
	const yaml_node_t *spf, *dkim, *it;
	size_t i;
	int res;

	memset(in, 0, sizeof(*in));
	if ((in->from_domain = conf_node_str(conf_map_get(doc, t, "from"))) == NULL) {
		mismatch(v, "from", NULL, "(a domain)");
		return false;
	}
	if ((spf = conf_map_get(doc, t, "spf")) != NULL) {
		res = mauth_spf_result_from_str(conf_node_str(conf_map_get(doc, spf,
		    "result")));
		in->spf.domain = conf_node_str(conf_map_get(doc, spf, "domain"));
		if (res < 0 || in->spf.domain == NULL) {
			mismatch(v, "spf", NULL, "(result and domain)");
			return false;
		}
		in->has_spf = true;
		in->spf.result = res;
	}
	dkim = conf_map_get(doc, t, "dkim");
	if (dkim != NULL && (dkim->type != YAML_SEQUENCE_NODE ||
	    conf_seq_len(dkim) > MAUTH_DMARC_MAX_DKIM)) {
		mismatch(v, "dkim", NULL, "(a list)");
		return false;
	}
	for (i = 0; i < conf_seq_len(dkim); i++) {
		it = conf_seq_get(doc, dkim, i);
		res = dkim_result(conf_node_str(conf_map_get(doc, it, "result")));
		in->dkim[i].domain = conf_node_str(conf_map_get(doc, it, "domain"));
		if (res < 0 || in->dkim[i].domain == NULL) {
			mismatch(v, "dkim", NULL, "(result and domain)");
			return false;
		}
		in->dkim[i].result = res;
	}
	in->ndkim = conf_seq_len(dkim);
	return true;
}

/* run_one - one test in one mode */
static void
run_one(struct run *run, struct mauth_resolver *r, yaml_document_t *doc,
    const char *id, const yaml_node_t *t, int mode)
{
	struct mauth_dmarc_input in;
	struct mauth_dmarc_eval *ev = NULL;
	const yaml_node_t *expect;
	struct verdict v;
	char err[256] = "";
	const char *reason;
	int rc;

	memset(&v, 0, sizeof(v));
	v.ok = true;
	expect = conf_map_get(doc, t, "expect");
	if (!known_expect_keys(doc, expect, &v) ||
	    !build_input(doc, t, &in, &v))
		goto report;
	rc = mauth_dmarc_evaluate(run->ctx[mode], r, NULL, &in, &ev, err,
	    sizeof(err));
	if (rc != MAUTH_OK) {
		mismatch(&v, "evaluate", mauth_strerror(rc), "MAUTH_OK");
		if (rc == MAUTH_ERR_NOMEM)
			run->fatal = true;
		goto report;
	}
	check_str(&v, doc, expect, "result",
	    mauth_dmarc_result_str(mauth_dmarc_eval_result(ev)));
	check_str(&v, doc, expect, "policy_domain",
	    mauth_dmarc_eval_policy_domain(ev));
	check_str(&v, doc, expect, "org_domain",
	    mauth_dmarc_eval_org_domain(ev));
	check_str(&v, doc, expect, "policy",
	    mauth_dmarc_policy_str(mauth_dmarc_eval_policy(ev)));
	check_bool(&v, doc, expect, "spf_aligned",
	    mauth_dmarc_eval_spf_aligned(ev));
	check_bool(&v, doc, expect, "dkim_aligned",
	    mauth_dmarc_eval_dkim_aligned(ev));
report:
	if (v.ok)
		run->passed++;
	else
		run->failed++;
	if (!v.ok || run->verbose) {
		printf("%s %s [%s]", v.ok ? "PASS" : "FAIL", id,
		    mauth_dmarc_mode_str(mode));
		if (!v.ok) {
			fputs(": ", stdout);
			conf_print_escaped(stdout, v.msg, v.len);
		}
		fputc('\n', stdout);
		if (ev != NULL && (reason = mauth_dmarc_eval_reason(ev)) !=
		    NULL) {
			fputs("  reason: ", stdout);
			conf_print_escaped(stdout, reason, strlen(reason));
			printf(" (%u DNS queries)\n",
			    mauth_dmarc_eval_dns_queries(ev));
		}
	}
	mauth_dmarc_eval_free(ev);
}

/* run_test - one test, in its mode or in both */
static void
run_test(struct run *run, struct mauth_resolver *r, yaml_document_t *doc,
    const char *id, const yaml_node_t *t)
{
	const yaml_node_t *mode = conf_map_get(doc, t, "mode");

	if (conf_node_is(mode, "rfc9989") || conf_node_is(mode, "both"))
		run_one(run, r, doc, id, t, MAUTH_DMARC_RFC9989);
	if (conf_node_is(mode, "rfc7489") || conf_node_is(mode, "both"))
		run_one(run, r, doc, id, t, MAUTH_DMARC_RFC7489);
	if (!conf_node_is(mode, "rfc9989") && !conf_node_is(mode, "rfc7489") &&
	    !conf_node_is(mode, "both")) {
		printf("FAIL %s: mode is not rfc9989, rfc7489 or both\n", id);
		run->failed++;
	}
}

/* run_scenario - one item of the top-level list */
static void
run_scenario(struct run *run, yaml_document_t *doc, const yaml_node_t *sc,
    size_t no)
{
	struct mauth_dns_backend be;
	struct mauth_resolver *r = NULL;
	const yaml_node_t *tests, *k;
	yaml_node_pair_t *p;
	struct zone z;

	tests = conf_map_get(doc, sc, "tests");
	if (tests == NULL || tests->type != YAML_MAPPING_NODE) {
		printf("FAIL scenario %zu: no tests map\n", no);
		run->failed++;
		return;
	}
	if (!zone_load(doc, conf_map_get(doc, sc, "zonedata"), &z)) {
		printf("FAIL scenario %zu: zonedata unusable\n", no);
		run->failed++;
		zone_free(&z);
		return;
	}
	be.query = zone_query;
	be.destroy = NULL;
	be.arg = &z;
	if (mauth_resolver_new_custom(&be, &r) != MAUTH_OK) {
		fprintf(stderr, "dmarc_suite: cannot make a resolver\n");
		run->fatal = true;
		zone_free(&z);
		return;
	}
	for (p = tests->data.mapping.pairs.start;
	    p < tests->data.mapping.pairs.top && !run->fatal; p++) {
		k = yaml_document_get_node(doc, p->key);
		if (conf_node_str(k) == NULL) {
			printf("FAIL scenario %zu: a test id is not a scalar\n",
			    no);
			run->failed++;
			continue;
		}
		if (!selected(run, conf_node_str(k)))
			continue;
		run_test(run, r, doc, conf_node_str(k),
		    yaml_document_get_node(doc, p->value));
	}
	mauth_resolver_free(r);
	zone_free(&z);
}

static void
usage(void)
{
	fprintf(stderr, "usage: dmarc_suite [-v] [--psl FILE] FILE "
	    "[TEST-ID ...]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct run run;
	yaml_parser_t parser;
	yaml_document_t doc;
	const yaml_node_t *root;
	const char *path = NULL, *psl = NULL;
	char err[512];
	size_t i;
	FILE *fp;
	int status = 0;

	memset(&run, 0, sizeof(run));
	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "-v") == 0)
			run.verbose = true;
		else if (strcmp(argv[i], "--psl") == 0 && i + 1 < (size_t)argc)
			psl = argv[++i];
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			usage();
		else if (path == NULL)
			path = argv[i];
		else if (run.nfilter < MAX_FILTER)
			run.filter[run.nfilter++] = argv[i];
		else
			usage();
	}
	if (path == NULL)
		usage();
	if (mauth_dmarc_ctx_new(MAUTH_DMARC_RFC9989, NULL,
	    &run.ctx[MAUTH_DMARC_RFC9989], err, sizeof(err)) != MAUTH_OK ||
	    mauth_dmarc_ctx_new(MAUTH_DMARC_RFC7489, psl,
	    &run.ctx[MAUTH_DMARC_RFC7489], err, sizeof(err)) != MAUTH_OK) {
		fprintf(stderr, "dmarc_suite: %s\n", err);
		mauth_dmarc_ctx_free(run.ctx[MAUTH_DMARC_RFC9989]);
		return 2;
	}
	if ((fp = fopen(path, "rb")) == NULL) {
		perror(path);
		status = 2;
		goto done;
	}
	if (!yaml_parser_initialize(&parser)) {
		fprintf(stderr, "dmarc_suite: cannot initialise libyaml\n");
		fclose(fp);
		status = 2;
		goto done;
	}
	yaml_parser_set_input_file(&parser, fp);
	if (!yaml_parser_load(&parser, &doc)) {
		fprintf(stderr, "dmarc_suite: %s:%zu: YAML error: %s\n", path,
		    parser.problem_mark.line + 1,
		    parser.problem != NULL ? parser.problem : "?");
		status = 2;
	} else {
		root = yaml_document_get_root_node(&doc);
		if (root == NULL || root->type != YAML_SEQUENCE_NODE) {
			fprintf(stderr, "dmarc_suite: %s: not a list of "
			    "scenarios\n", path);
			status = 2;
		}
		for (i = 0; status == 0 && i < conf_seq_len(root) && !run.fatal;
		    i++)
			run_scenario(&run, &doc, conf_seq_get(&doc, root, i), i + 1);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	fclose(fp);
	for (i = 0; i < run.nfilter; i++)
		if (!run.filter_seen[i]) {
			fprintf(stderr, "dmarc_suite: no test named %s\n",
			    run.filter[i]);
			status = 2;
		}
	if (run.fatal)
		status = 2;
	status = conf_finish("dmarc_suite", run.passed, run.failed, status);
done:
	mauth_dmarc_ctx_free(run.ctx[0]);
	mauth_dmarc_ctx_free(run.ctx[1]);
	return status;
}
