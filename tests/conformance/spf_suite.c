/*
 * spf_suite.c - run the OpenSPF RFC 7208 test suite against mauth_spf_check().
 *
 * usage: spf_suite [-v] [--dump-dns] FILE [TEST-ID ...]
 *
 * FILE is the suite's YAML stream (testdata/spf/openspf/rfc7208-tests.yml).
 * Each document is a scenario: a map of tests and the complete DNS of the
 * scenario ("zonedata").  The DNS is served from memory through a custom
 * resolver backend that reproduces the reference runner's semantics (pyspf
 * test/testspf.py, described in tests/conformance/README.md):
 *
 *   - a name with no TXT entry at all serves its SPF entries as TXT too,
 *     after its listed entries; "TXT: NONE" only suppresses that;
 *   - a query for type T walks the name's entries in order and times out at
 *     a bare TIMEOUT entry unless an entry of type T came before it (then
 *     the answer is the T entries before it);
 *   - names are matched case-insensitively; an absent name is NXDOMAIN, a
 *     present name without the type is NODATA;
 *   - a CNAME answers with itself plus the target's records of the asked
 *     type (one level);
 *   - record bytes are served as the YAML loader gives them.
 *
 * Every test is run with ip=host, MAIL FROM=mailfrom, HELO=helo, identity
 * MAIL FROM, %{r} "unknown" and the default explanation "DEFAULT", as the
 * reference runner does.  One line per failure, then "N passed, N failed".
 * Exit status: 0 all passed, 1 some failed, 2 usage or input error.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "mauth/dns.h"
#include "mauth/spf.h"
#include "conf_common.h"
#include "conf_yaml.h"

/* Ceilings on what one YAML file may make us hold. */
#define MAX_DOCUMENTS	10000	/* scenarios in the file */
#define MAX_NAMES	10000	/* owner names in one scenario */
#define MAX_ENTRIES	1000	/* entries of one owner name */
#define MAX_STRINGS	1000	/* character-strings of one TXT/SPF entry */
#define MAX_FILTER	64	/* test ids on the command line */

#define RECEIVER	"unknown"	/* pyspf's %{r} when none is given */
#define DEFAULT_EXP	"DEFAULT"	/* the reference runner's default */

/* Entry type 0 (not an RR type) is a bare TIMEOUT. */
#define ENT_TIMEOUT	0

struct zentry {
	uint16_t	 type;		/* RR type, or ENT_TIMEOUT */
	bool		 timeout;	/* "T: TIMEOUT": T queries time out */
	uint8_t		 addr[16];	/* A, AAAA */
	uint16_t	 pref;		/* MX */
	char		*target;	/* MX exchange, PTR, CNAME target */
	size_t		 nstr;		/* TXT, SPF character-strings ... */
	const uint8_t	**str;		/* ... borrowed from the document */
	size_t		*len;
};

struct zname {
	char		*name;		/* as written, less a trailing dot */
	struct zentry	*ent;
	size_t		 nent;
};

struct zone {
	struct zname	*names;
	size_t		 nnames;
};

struct run {
	bool		 verbose;
	bool		 dump_dns;
	const char	*filter[MAX_FILTER];
	bool		 filter_seen[MAX_FILTER];
	size_t		 nfilter;
	unsigned	 passed;
	unsigned	 failed;
};

/* ---- YAML helpers ------------------------------------------------------ */

/* parse_u16 - a decimal scalar of at most 65535 */
static bool
parse_u16(const yaml_node_t *n, uint16_t *out)
{
	const char *s = conf_node_str(n);
	size_t i, len;
	unsigned long v = 0;

	if (s == NULL || (len = n->data.scalar.length) == 0 || len > 5)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return false;
	*out = (uint16_t)v;
	return true;
}

/* ---- the scenario's DNS ------------------------------------------------ */

/* zentry_free - free what an entry owns (not the borrowed strings) */
static void
zentry_free(struct zentry *e)
{
	free(e->target);
	free(e->str);
	free(e->len);
}

/* zone_free - free a zone; the YAML document stays with the caller */
static void
zone_free(struct zone *z)
{
	size_t i, j;

	for (i = 0; i < z->nnames; i++) {
		for (j = 0; j < z->names[i].nent; j++)
			zentry_free(&z->names[i].ent[j]);
		free(z->names[i].ent);
		free(z->names[i].name);
	}
	free(z->names);
	z->names = NULL;
	z->nnames = 0;
}

/* zone_find - the owner name matching name; the last one wins, as in a dict */
static const struct zname *
zone_find(const struct zone *z, const char *name)
{
	size_t i;

	for (i = z->nnames; i > 0; i--)
		if (conf_name_eq(z->names[i - 1].name,
		    strlen(z->names[i - 1].name), name, strlen(name)))
			return &z->names[i - 1];
	return NULL;
}

/* warn - a data problem that does not stop the run */
static void
warn(const char *scen, const char *name, const char *what)
{
	fprintf(stderr, "spf_suite: scenario \"%s\", name \"", scen);
	conf_print_escaped(stderr, name, strlen(name));
	fprintf(stderr, "\": %s (entry ignored)\n", what);
}

/* parse_txt - the strings of "TXT: text" or "TXT: [s1, s2]" (RFC 7208 3.3) */
static bool
parse_txt(yaml_document_t *doc, const yaml_node_t *v, struct zentry *e)
{
	const yaml_node_t *it;
	size_t i, n;

	n = v->type == YAML_SCALAR_NODE ? 1 : conf_seq_len(v);
	if (v->type != YAML_SCALAR_NODE && v->type != YAML_SEQUENCE_NODE)
		return false;
	if (n > MAX_STRINGS)
		return false;
	/* one more slot so that an empty record still allocates */
	if ((e->str = calloc(n + 1, sizeof(*e->str))) == NULL ||
	    (e->len = calloc(n + 1, sizeof(*e->len))) == NULL)
		return false;
	for (i = 0; i < n; i++) {
		it = v->type == YAML_SCALAR_NODE ? v : conf_seq_get(doc, v, i);
		if (conf_node_str(it) == NULL)
			return false;
		e->str[i] = it->data.scalar.value;
		e->len[i] = it->data.scalar.length;
	}
	e->nstr = n;
	return true;
}

/* parse_entry - the value of one "TYPE: value" entry into e */
static bool
parse_entry(yaml_document_t *doc, uint16_t type, const yaml_node_t *v,
    struct zentry *e)
{
	const char *s = conf_node_str(v);

	e->type = type;
	if (conf_node_is(v, "TIMEOUT")) {
		e->timeout = true;
		return true;
	}
	switch (type) {
	case MAUTH_DNS_TXT:
	case MAUTH_DNS_SPF:
		return parse_txt(doc, v, e);
	case MAUTH_DNS_A:
		return s != NULL && inet_pton(AF_INET, s, e->addr) == 1;
	case MAUTH_DNS_AAAA:
		return s != NULL && inet_pton(AF_INET6, s, e->addr) == 1;
	case MAUTH_DNS_MX:
		if (conf_seq_len(v) != 2 || !parse_u16(conf_seq_get(doc, v, 0), &e->pref))
			return false;
		v = conf_seq_get(doc, v, 1);
		if ((s = conf_node_str(v)) == NULL)
			return false;
		e->target = conf_name_norm(s, v->data.scalar.length);
		return e->target != NULL;
	case MAUTH_DNS_PTR:
	case MAUTH_DNS_CNAME:
	case MAUTH_DNS_NS:
		if (s == NULL)
			return false;
		e->target = conf_name_norm(s, v->data.scalar.length);
		return e->target != NULL;
	default:
		return false;
	}
}

/* zname_push - append a copy of e to zn (which takes over its pointers) */
static bool
zname_push(struct zname *zn, const struct zentry *e)
{
	struct zentry *ne;

	if (zn->nent >= MAX_ENTRIES)
		return false;
	ne = reallocarray(zn->ent, zn->nent + 1, sizeof(*ne));
	if (ne == NULL)
		return false;
	zn->ent = ne;
	zn->ent[zn->nent++] = *e;
	return true;
}

/* zentry_dup_as_txt - the generated TXT twin of an SPF entry */
static bool
zentry_dup_as_txt(const struct zentry *spf, struct zentry *out)
{
	memset(out, 0, sizeof(*out));
	out->type = MAUTH_DNS_TXT;
	out->timeout = spf->timeout;
	if (spf->timeout)
		return true;
	if ((out->str = calloc(spf->nstr + 1, sizeof(*out->str))) == NULL ||
	    (out->len = calloc(spf->nstr + 1, sizeof(*out->len))) == NULL) {
		zentry_free(out);
		return false;
	}
	if (spf->nstr > 0) {
		memcpy(out->str, spf->str, spf->nstr * sizeof(*out->str));
		memcpy(out->len, spf->len, spf->nstr * sizeof(*out->len));
	}
	out->nstr = spf->nstr;
	return true;
}

/*
 * zone_load_name - the entries of one owner name.  Returns false only on
 * allocation failure; malformed entries are reported and skipped.
 */
static bool
zone_load_name(yaml_document_t *doc, const char *scen, const yaml_node_t *list,
    struct zname *zn)
{
	const yaml_node_t *item, *k, *v;
	yaml_node_pair_t *p;
	struct zentry e, gen;
	size_t i, nlisted;
	uint16_t type;
	bool has_txt = false;

	if (list->type != YAML_SEQUENCE_NODE) {
		warn(scen, zn->name, "value is not a list");
		return true;
	}
	for (i = 0; i < conf_seq_len(list); i++) {
		item = conf_seq_get(doc, list, i);
		if (conf_node_is(item, "TIMEOUT")) {
			memset(&e, 0, sizeof(e));
			e.type = ENT_TIMEOUT;
			if (!zname_push(zn, &e))
				return false;
			continue;
		}
		if (item == NULL || item->type != YAML_MAPPING_NODE) {
			warn(scen, zn->name,
			    "entry is neither TIMEOUT nor a map");
			continue;
		}
		for (p = item->data.mapping.pairs.start;
		    p < item->data.mapping.pairs.top; p++) {
			k = yaml_document_get_node(doc, p->key);
			v = yaml_document_get_node(doc, p->value);
			if (conf_node_str(k) == NULL || v == NULL ||
			    (type = conf_type_from_str(conf_node_str(k))) == 0) {
				warn(scen, zn->name, "unknown record type");
				continue;
			}
			/* any TXT entry, even "TXT: NONE", stops duplication */
			if (type == MAUTH_DNS_TXT)
				has_txt = true;
			/* NONE is never served */
			if (conf_node_is(v, "NONE"))
				continue;
			memset(&e, 0, sizeof(e));
			if (!parse_entry(doc, type, v, &e)) {
				zentry_free(&e);
				warn(scen, zn->name, "malformed value");
				continue;
			}
			if (!zname_push(zn, &e)) {
				zentry_free(&e);
				return false;
			}
		}
	}
	if (has_txt)
		return true;
	/* SPF -> TXT duplication, generated entries after the listed ones */
	nlisted = zn->nent;
	for (i = 0; i < nlisted; i++) {
		if (zn->ent[i].type != MAUTH_DNS_SPF)
			continue;
		if (!zentry_dup_as_txt(&zn->ent[i], &gen))
			return false;
		if (!zname_push(zn, &gen)) {
			zentry_free(&gen);
			return false;
		}
	}
	return true;
}

/* zone_load - build the zone of a scenario from its zonedata map */
static bool
zone_load(yaml_document_t *doc, const char *scen, const yaml_node_t *zd,
    struct zone *z)
{
	const yaml_node_t *k;
	yaml_node_pair_t *p;
	struct zname *nn;

	memset(z, 0, sizeof(*z));
	if (zd == NULL)
		return true;
	if (zd->type != YAML_MAPPING_NODE) {
		fprintf(stderr, "spf_suite: scenario \"%s\": zonedata is not a "
		    "map\n", scen);
		return true;
	}
	for (p = zd->data.mapping.pairs.start; p < zd->data.mapping.pairs.top;
	    p++) {
		k = yaml_document_get_node(doc, p->key);
		if (conf_node_str(k) == NULL) {
			fprintf(stderr, "spf_suite: scenario \"%s\": owner "
			    "name is not a scalar\n", scen);
			continue;
		}
		if (z->nnames >= MAX_NAMES)
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
		if (!zone_load_name(doc, scen, yaml_document_get_node(doc,
		    p->value), nn))
			return false;
	}
	return true;
}

/* add_entry - add the record of entry e, owned by owner, to ans */
static int
add_entry(struct mauth_dns_answer *ans, const char *owner,
    const struct zentry *e)
{
	switch (e->type) {
	case MAUTH_DNS_A:
		return mauth_dns_answer_add_a(ans, owner, CONF_TTL, e->addr);
	case MAUTH_DNS_AAAA:
		return mauth_dns_answer_add_aaaa(ans, owner, CONF_TTL, e->addr);
	case MAUTH_DNS_MX:
		return mauth_dns_answer_add_mx(ans, owner, CONF_TTL, e->pref,
		    e->target);
	case MAUTH_DNS_PTR:
	case MAUTH_DNS_CNAME:
	case MAUTH_DNS_NS:
		return mauth_dns_answer_add_name(ans, e->type, owner, CONF_TTL,
		    e->target);
	case MAUTH_DNS_TXT:
	case MAUTH_DNS_SPF:
		return mauth_dns_answer_add_txt(ans, e->type, owner, CONF_TTL,
		    e->str, e->len, e->nstr);
	default:
		return MAUTH_ERR_INTERNAL;
	}
}

/*
 * zone_collect - add the records of type at zn to ans, walking its entries
 * in order: a bare TIMEOUT before any entry of type makes the query time
 * out; after one, it ends the answer.  When cname is not NULL, CNAME
 * entries are added too and the first target is stored in *cname.  *nfound
 * counts the records of type added.
 */
static int
zone_collect(const struct zname *zn, uint16_t type,
    struct mauth_dns_answer *ans, const char **cname, size_t *nfound)
{
	const struct zentry *e;
	size_t i;

	*nfound = 0;
	for (i = 0; i < zn->nent; i++) {
		e = &zn->ent[i];
		if (e->type == ENT_TIMEOUT) {
			if (*nfound == 0)
				return MAUTH_DNS_TIMEOUT;
			break;
		}
		if (e->type == type) {
			if (e->timeout)
				return MAUTH_DNS_TIMEOUT;
			if (add_entry(ans, zn->name, e) != MAUTH_OK)
				return MAUTH_DNS_FAILURE;
			(*nfound)++;
		} else if (e->type == MAUTH_DNS_CNAME && cname != NULL &&
		    !e->timeout) {
			if (add_entry(ans, zn->name, e) != MAUTH_OK)
				return MAUTH_DNS_FAILURE;
			if (*cname == NULL)
				*cname = e->target;
		}
	}
	return MAUTH_DNS_ANSWER;
}

/* zone_query - the custom backend: answer (name, type) from the zone */
static int
zone_query(void *arg, const char *name, uint16_t type,
    struct mauth_dns_answer **out)
{
	const struct zone *z = arg;
	const struct zname *zn, *tn;
	struct mauth_dns_answer *ans;
	const char *cname = NULL;
	size_t nfound;
	int st;

	*out = NULL;
	if ((ans = mauth_dns_answer_new(MAUTH_RCODE_NOERROR, CONF_TTL)) == NULL)
		return MAUTH_DNS_FAILURE;
	if ((zn = zone_find(z, name)) == NULL) {
		ans->rcode = MAUTH_RCODE_NXDOMAIN;
		*out = ans;
		return MAUTH_DNS_ANSWER;
	}
	st = zone_collect(zn, type, ans,
	    type == MAUTH_DNS_CNAME ? NULL : &cname, &nfound);
	/* one level of CNAME: the target's records of the asked type */
	if (st == MAUTH_DNS_ANSWER && cname != NULL && nfound == 0) {
		if ((tn = zone_find(z, cname)) == NULL)
			ans->rcode = MAUTH_RCODE_NXDOMAIN;
		else
			st = zone_collect(tn, type, ans, NULL, &nfound);
	}
	if (st != MAUTH_DNS_ANSWER) {
		mauth_dns_answer_free(ans);
		return st;
	}
	*out = ans;
	return MAUTH_DNS_ANSWER;
}

/* ---- running tests ----------------------------------------------------- */

/* print_want - the accepted result(s) and the expected explanation */
static void
print_want(yaml_document_t *doc, const yaml_node_t *res, const yaml_node_t *exp)
{
	const yaml_node_t *it;
	size_t i;

	if (res == NULL)
		fputs("(no result in test)", stdout);
	else if (res->type == YAML_SEQUENCE_NODE) {
		for (i = 0; i < conf_seq_len(res); i++) {
			it = conf_seq_get(doc, res, i);
			if (i > 0)
				fputc('|', stdout);
			if (conf_node_str(it) != NULL)
				conf_print_escaped(stdout, conf_node_str(it),
				    it->data.scalar.length);
		}
	} else if (conf_node_str(res) != NULL)
		conf_print_escaped(stdout, conf_node_str(res),
		    res->data.scalar.length);
	else
		fputs("(malformed result in test)", stdout);
	if (conf_node_str(exp) != NULL) {
		fputs(" [", stdout);
		conf_print_escaped(stdout, conf_node_str(exp),
		    exp->data.scalar.length);
		fputc(']', stdout);
	}
}

/* result_ok - whether got (a result name) is one of the accepted results */
static bool
result_ok(yaml_document_t *doc, const yaml_node_t *res, const char *got,
    bool *preferred)
{
	const yaml_node_t *it;
	size_t i, n;

	*preferred = false;
	if (res == NULL)
		return false;
	n = res->type == YAML_SEQUENCE_NODE ? conf_seq_len(res) : 1;
	for (i = 0; i < n; i++) {
		it = res->type == YAML_SEQUENCE_NODE ?
		    conf_seq_get(doc, res, i) : res;
		if (conf_node_str(it) == NULL)
			continue;
		if (conf_name_eq(conf_node_str(it), it->data.scalar.length, got,
		    strlen(got))) {
			*preferred = i == 0;
			return true;
		}
	}
	return false;
}

/* selected - whether test id is to be run */
static bool
selected(struct run *run, const char *id, bool mark)
{
	size_t i;

	if (run->nfilter == 0)
		return true;
	for (i = 0; i < run->nfilter; i++) {
		if (strcmp(run->filter[i], id) == 0) {
			if (mark)
				run->filter_seen[i] = true;
			return true;
		}
	}
	return false;
}

/* run_test - one test: check_host() and the comparison */
static void
run_test(struct run *run, struct mauth_resolver *r, yaml_document_t *doc,
    const char *id, const yaml_node_t *t, const char *scen)
{
	struct mauth_spf_request req;
	struct mauth_spf_eval *ev = NULL;
	const yaml_node_t *res, *exp, *mf;
	const char *got, *gexp = NULL, *why;
	char errbuf[256] = "";
	bool ok, preferred = false;
	int rc;

	res = conf_map_get(doc, t, "result");
	exp = conf_map_get(doc, t, "explanation");
	mauth_spf_request_init(&req);
	req.ip = conf_node_str(conf_map_get(doc, t, "host"));
	mf = conf_map_get(doc, t, "mailfrom");
	req.mail_from = conf_node_str(mf) != NULL ? conf_node_str(mf) : "";
	req.helo = conf_node_str(conf_map_get(doc, t, "helo"));
	req.identity = MAUTH_SPF_ID_MAILFROM;
	req.receiver = RECEIVER;
	req.default_explanation = DEFAULT_EXP;
	req.record_tree = false;

	if (req.ip == NULL) {
		rc = MAUTH_ERR_INVAL;
		snprintf(errbuf, sizeof(errbuf), "test has no host");
	} else
		rc = mauth_spf_check(r, &req, &ev, errbuf, sizeof(errbuf));
	if (rc == MAUTH_OK) {
		got = mauth_spf_result_str(mauth_spf_eval_result(ev));
		gexp = mauth_spf_eval_explanation(ev);
		ok = result_ok(doc, res, got, &preferred);
		if (ok && conf_node_str(exp) != NULL)
			ok = gexp != NULL &&
			    strlen(gexp) == exp->data.scalar.length &&
			    memcmp(gexp, conf_node_str(exp), strlen(gexp)) == 0;
	} else {
		got = NULL;
		ok = false;
	}

	if (ok)
		run->passed++;
	else
		run->failed++;
	if (ok && !run->verbose)
		goto out;
	fputs(ok ? "PASS " : "FAIL ", stdout);
	conf_print_escaped(stdout, id, strlen(id));
	fputs(" (", stdout);
	conf_print_escaped(stdout, scen, strlen(scen));
	fputs("): got ", stdout);
	if (got != NULL)
		fputs(got, stdout);
	else {
		fprintf(stdout, "error (%s: ", mauth_strerror(rc));
		conf_print_escaped(stdout, errbuf, strnlen(errbuf,
		    sizeof(errbuf)));
		fputc(')', stdout);
	}
	if (gexp != NULL) {
		fputs(" [", stdout);
		conf_print_escaped(stdout, gexp, strlen(gexp));
		fputc(']', stdout);
	}
	fputs(", want ", stdout);
	print_want(doc, res, exp);
	if (ok && !preferred)
		fputs(" (accepted, not the preferred result)", stdout);
	fputc('\n', stdout);
	if (!ok && ev != NULL && (why = mauth_spf_eval_reason(ev)) != NULL) {
		fputs("  reason: ", stdout);
		conf_print_escaped(stdout, why, strlen(why));
		fputc('\n', stdout);
	}
out:
	mauth_spf_eval_free(ev);
}

/* dump_zone - print what the backend answers for every name of the zone */
static void
dump_zone(struct mauth_resolver *r, const struct zone *z, const char *scen)
{
	static const uint16_t types[] = {
		MAUTH_DNS_A, MAUTH_DNS_AAAA, MAUTH_DNS_MX, MAUTH_DNS_TXT,
		MAUTH_DNS_SPF, MAUTH_DNS_PTR, MAUTH_DNS_CNAME
	};
	size_t i, j;

	printf("scenario: ");
	conf_print_escaped(stdout, scen, strlen(scen));
	fputc('\n', stdout);
	for (i = 0; i < z->nnames; i++)
		for (j = 0; j < sizeof(types) / sizeof(types[0]); j++)
			conf_dump_query(stdout, r, z->names[i].name, types[j]);
	conf_dump_query(stdout, r, "absent.name.invalid", MAUTH_DNS_TXT);
}

/*
 * run_scenario - one YAML document.  Returns false on a fatal error
 * (allocation); test failures are counted in run.
 */
static bool
run_scenario(struct run *run, yaml_document_t *doc, size_t docno)
{
	struct mauth_dns_backend be;
	struct mauth_resolver *r = NULL;
	const yaml_node_t *root, *tests, *k;
	yaml_node_pair_t *p;
	struct zone z;
	char fallback[64];
	const char *scen;
	bool any = false, ok = true;

	root = yaml_document_get_root_node(doc);
	snprintf(fallback, sizeof(fallback), "document %zu", docno);
	if (root->type != YAML_MAPPING_NODE) {
		printf("FAIL %s: not a map\n", fallback);
		run->failed++;
		return true;
	}
	scen = conf_node_str(conf_map_get(doc, root, "description"));
	if (scen == NULL)
		scen = fallback;
	tests = conf_map_get(doc, root, "tests");
	if (tests != NULL && tests->type != YAML_MAPPING_NODE) {
		printf("FAIL %s (%s): tests is not a map\n", fallback, scen);
		run->failed++;
		return true;
	}
	if (tests != NULL)
		for (p = tests->data.mapping.pairs.start;
		    p < tests->data.mapping.pairs.top; p++) {
			k = yaml_document_get_node(doc, p->key);
			if (conf_node_str(k) != NULL &&
			    selected(run, conf_node_str(k), false))
				any = true;
		}
	if (!any && !(run->dump_dns && run->nfilter == 0))
		return true;

	if (!zone_load(doc, scen, conf_map_get(doc, root, "zonedata"), &z)) {
		fprintf(stderr, "spf_suite: %s: out of memory or too much "
		    "zone data\n", scen);
		zone_free(&z);
		return false;
	}
	be.query = zone_query;
	be.destroy = NULL;
	be.arg = &z;
	if (mauth_resolver_new_custom(&be, &r) != MAUTH_OK) {
		fprintf(stderr, "spf_suite: cannot make a resolver\n");
		zone_free(&z);
		return false;
	}
	if (run->dump_dns) {
		dump_zone(r, &z, scen);
		goto done;
	}
	for (p = tests->data.mapping.pairs.start;
	    p < tests->data.mapping.pairs.top; p++) {
		k = yaml_document_get_node(doc, p->key);
		if (conf_node_str(k) == NULL) {
			printf("FAIL %s (%s): a test id is not a scalar\n",
			    fallback, scen);
			run->failed++;
			continue;
		}
		if (!selected(run, conf_node_str(k), true))
			continue;
		run_test(run, r, doc, conf_node_str(k),
		    yaml_document_get_node(doc, p->value), scen);
	}
done:
	mauth_resolver_free(r);
	zone_free(&z);
	return ok;
}

static void
usage(void)
{
	fprintf(stderr, "usage: spf_suite [-v] [--dump-dns] FILE "
	    "[TEST-ID ...]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct run run;
	yaml_parser_t parser;
	yaml_document_t doc;
	const char *path = NULL;
	size_t i, docno = 0;
	FILE *fp;
	int status = 0;

	memset(&run, 0, sizeof(run));
	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "-v") == 0)
			run.verbose = true;
		else if (strcmp(argv[i], "--dump-dns") == 0)
			run.dump_dns = true;
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
	if ((fp = fopen(path, "rb")) == NULL) {
		perror(path);
		return 2;
	}
	if (!yaml_parser_initialize(&parser)) {
		fprintf(stderr, "spf_suite: cannot initialise libyaml\n");
		fclose(fp);
		return 2;
	}
	yaml_parser_set_input_file(&parser, fp);
	for (;;) {
		if (!yaml_parser_load(&parser, &doc)) {
			fprintf(stderr, "spf_suite: %s:%zu: YAML error: %s\n",
			    path, parser.problem_mark.line + 1,
			    parser.problem != NULL ? parser.problem : "?");
			status = 2;
			break;
		}
		if (yaml_document_get_root_node(&doc) == NULL) {
			yaml_document_delete(&doc);
			break;
		}
		if (++docno > MAX_DOCUMENTS) {
			fprintf(stderr, "spf_suite: more than %d documents\n",
			    MAX_DOCUMENTS);
			yaml_document_delete(&doc);
			status = 2;
			break;
		}
		if (!run_scenario(&run, &doc, docno))
			status = 2;
		yaml_document_delete(&doc);
		if (status != 0)
			break;
	}
	yaml_parser_delete(&parser);
	fclose(fp);

	for (i = 0; i < run.nfilter; i++) {
		if (!run.filter_seen[i] && !run.dump_dns) {
			fprintf(stderr, "spf_suite: no test named %s\n",
			    run.filter[i]);
			status = 2;
		}
	}
	if (run.dump_dns)
		return status;
	return conf_finish("spf_suite", run.passed, run.failed, status);
}
