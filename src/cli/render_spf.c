/*
 * render_spf.c - print an SPF evaluation as text, as the --explain tree, or
 * as JSON.  Everything printed comes from the evaluation object; untrusted
 * text (records, explanations) is shown with control bytes escaped.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "mauth/mauth.h"
#include "cli/cli.h"
#include "cli/render_common.h"
#include "cli/render_spf.h"

/* ---- text --------------------------------------------------------------- */

/* render_spf_text - result word, then explanation (fail only) and reason */
void
render_spf_text(FILE *fp, const struct mauth_spf_eval *ev)
{
	const char *s;

	fprintf(fp, "%s\n", mauth_spf_result_str(mauth_spf_eval_result(ev)));
	if (mauth_spf_eval_result(ev) == MAUTH_SPF_FAIL &&
	    (s = mauth_spf_eval_explanation(ev)) != NULL) {
		fputs("explanation: ", fp);
		cli_put_safe(fp, s);
		putc('\n', fp);
	}
	if ((s = mauth_spf_eval_reason(ev)) != NULL && s[0] != '\0') {
		fputs("reason: ", fp);
		cli_put_safe(fp, s);
		putc('\n', fp);
	}
}

/* ---- --explain tree ----------------------------------------------------- */

/* indent - two spaces per level */
static void
indent(FILE *fp, int depth)
{
	int i;

	for (i = 0; i < depth; i++)
		fputs("  ", fp);
}

/*
 * The running accounting shown in the tree.  The tree is printed in the
 * order of evaluation (a term, its queries, then the check_host() it
 * started), so counting the counted terms and the void queries as they are
 * printed gives the count at each step; an include shows its own number,
 * not the total after everything it pulled in.  Each check_host() result
 * line shows the engine's own figures after that call, and the running
 * count is set back to them.
 */
struct tree_state {
	const struct spf_limits	*lim;
	unsigned		 lookups;
	unsigned		 void_lookups;
};

/* counts - "[lookups 3/10, void 1/2]" */
static void
counts(FILE *fp, unsigned lookups, unsigned void_lookups,
    const struct spf_limits *lim)
{
	fprintf(fp, "  [lookups %u/%u, void %u/%u]", lookups,
	    lim->max_lookups, void_lookups, lim->max_void_lookups);
}

/* note - "  (why)" when the node has a note */
static void
note(FILE *fp, const struct mauth_spf_node *n)
{
	if (n->note != NULL && n->note[0] != '\0') {
		fputs("  (", fp);
		cli_put_safe(fp, n->note);
		putc(')', fp);
	}
}

/* tree_query - one DNS query: "TXT name: NOERROR, 1 record: ... (cached)" */
static void
tree_query(FILE *fp, const struct mauth_spf_query *q, int depth)
{
	indent(fp, depth);
	fprintf(fp, "dns %s ", mauth_dns_type_str(q->type));
	cli_put_safe(fp, q->name != NULL ? q->name : "?");
	fputs(": ", fp);
	if (q->status != MAUTH_DNS_ANSWER) {
		fputs(mauth_dns_status_str(q->status), fp);
	} else {
		fputs(mauth_dns_rcode_str(q->rcode), fp);
		fprintf(fp, ", %zu record%s", q->nrr, q->nrr == 1 ? "" : "s");
		if (q->summary != NULL && q->summary[0] != '\0') {
			fputs(": ", fp);
			cli_put_safe(fp, q->summary);
		}
	}
	if (q->cached)
		fputs(" (cached)", fp);
	if (q->is_void)
		fputs(" (void lookup)", fp);
	putc('\n', fp);
}

static void	tree_node(FILE *, const struct mauth_spf_node *, int,
		    struct tree_state *);

/* tree_queries - the queries of a node */
static void
tree_queries(FILE *fp, const struct mauth_spf_node *n, int depth)
{
	size_t i;

	for (i = 0; i < n->nqueries; i++)
		tree_query(fp, &n->queries[i], depth);
}

/* tree_children - the children of a node */
static void
tree_children(FILE *fp, const struct mauth_spf_node *n, int depth,
    struct tree_state *st)
{
	size_t i;

	for (i = 0; i < n->nchildren; i++)
		if (n->children[i] != NULL)
			tree_node(fp, n->children[i], depth, st);
}

/* void_queries - void lookups among the queries of a node */
static unsigned
void_queries(const struct mauth_spf_node *n)
{
	unsigned nvoid = 0;
	size_t i;

	for (i = 0; i < n->nqueries; i++)
		if (n->queries[i].is_void)
			nvoid++;
	return nvoid;
}

/* tree_check - a check_host() call: header, its terms, its result */
static void
tree_check(FILE *fp, const struct mauth_spf_node *n, int depth,
    struct tree_state *st)
{
	indent(fp, depth);
	fputs("check_host ", fp);
	cli_put_safe(fp, n->domain != NULL ? n->domain : "?");
	if (n->record != NULL) {
		fputs(": \"", fp);
		cli_put_safe(fp, n->record);
		fputs("\"\n", fp);
	} else
		fputs(": (no SPF record used)\n", fp);
	tree_queries(fp, n, depth + 1);
	st->void_lookups += void_queries(n);
	tree_children(fp, n, depth + 1, st);
	indent(fp, depth + 1);
	fprintf(fp, "=> %s", mauth_spf_result_str(n->result));
	counts(fp, n->lookups, n->void_lookups, st->lim);
	note(fp, n);
	putc('\n', fp);
	st->lookups = n->lookups;
	st->void_lookups = n->void_lookups;
}

/* tree_term - one mechanism or modifier and what it did */
static void
tree_term(FILE *fp, const struct mauth_spf_node *n, int depth,
    struct tree_state *st)
{
	indent(fp, depth);
	cli_put_safe(fp, n->term != NULL ? n->term : "?");
	if (n->target != NULL && n->target[0] != '\0') {
		fputs(" -> ", fp);
		cli_put_safe(fp, n->target);
	}
	if (n->qualifier != 0) {
		if (n->matched)
			fprintf(fp, "  match => %s",
			    mauth_spf_result_str(n->result));
		else if (n->result >= 0)
			fprintf(fp, "  => %s",
			    mauth_spf_result_str(n->result));
		else
			fputs("  no match", fp);
	} else if (n->result >= 0)
		fprintf(fp, "  => %s", mauth_spf_result_str(n->result));
	if (n->counted)
		st->lookups++;
	st->void_lookups += void_queries(n);
	if (n->counted || n->nqueries > 0)
		counts(fp, st->lookups, st->void_lookups, st->lim);
	note(fp, n);
	putc('\n', fp);
	tree_queries(fp, n, depth + 1);
	tree_children(fp, n, depth + 1, st);
}

/* tree_node - a node of either kind */
static void
tree_node(FILE *fp, const struct mauth_spf_node *n, int depth,
    struct tree_state *st)
{
	if (n->kind == MAUTH_SPF_NODE_CHECK)
		tree_check(fp, n, depth, st);
	else
		tree_term(fp, n, depth, st);
}

/* render_spf_tree - the whole tree, then the summary of the counts */
void
render_spf_tree(FILE *fp, const struct mauth_spf_eval *ev,
    const struct spf_limits *lim)
{
	const struct mauth_spf_node *root;
	struct tree_state st;

	st.lim = lim;
	st.lookups = 0;
	st.void_lookups = 0;
	fputs("sender ", fp);
	cli_put_safe(fp, mauth_spf_eval_sender(ev));
	fputs(", domain ", fp);
	cli_put_safe(fp, mauth_spf_eval_domain(ev));
	putc('\n', fp);
	if ((root = mauth_spf_eval_tree(ev)) != NULL)
		tree_node(fp, root, 0, &st);
	fprintf(fp, "summary: lookups %u/%u, void lookups %u/%u, "
	    "DNS queries sent %u, cache hits %u\n",
	    mauth_spf_eval_lookups(ev), lim->max_lookups,
	    mauth_spf_eval_void_lookups(ev), lim->max_void_lookups,
	    mauth_spf_eval_dns_queries(ev), mauth_spf_eval_dns_cache_hits(ev));
}

/* ---- JSON --------------------------------------------------------------- */

/* json_query - one DNS query of the tree */
static json_t *
json_query(const struct mauth_spf_query *q, bool *ok)
{
	json_t *o;

	if ((o = json_object()) == NULL) {
		*ok = false;
		return NULL;
	}
	jset(o, "type", json_string(mauth_dns_type_str(q->type)), ok);
	jset(o, "name", jstr(q->name), ok);
	jset(o, "status", json_string(mauth_dns_status_str(q->status)), ok);
	if (q->status == MAUTH_DNS_ANSWER) {
		jset(o, "rcode", json_string(mauth_dns_rcode_str(q->rcode)),
		    ok);
		jset(o, "records", json_integer((json_int_t)q->nrr), ok);
		jset(o, "summary", jstr(q->summary != NULL ? q->summary : ""),
		    ok);
	}
	jset(o, "cached", json_boolean(q->cached), ok);
	jset(o, "void", json_boolean(q->is_void), ok);
	return o;
}

/* json_node - one node and everything below it */
static json_t *
json_node(const struct mauth_spf_node *n, bool *ok)
{
	json_t *o, *qs, *cs;
	char qual[2];
	size_t i;

	if ((o = json_object()) == NULL) {
		*ok = false;
		return NULL;
	}
	if (n->kind == MAUTH_SPF_NODE_CHECK) {
		jset(o, "kind", json_string("check_host"), ok);
		jset(o, "domain", jstr(n->domain), ok);
		jset(o, "record", jstr(n->record), ok);
	} else {
		jset(o, "kind", json_string("term"), ok);
		jset(o, "term", jstr(n->term), ok);
		if (n->qualifier != 0) {
			qual[0] = n->qualifier;
			qual[1] = '\0';
			jset(o, "qualifier", jstr(qual), ok);
		} else
			jset(o, "qualifier", json_null(), ok);
		jset(o, "target", jstr(n->target), ok);
		jset(o, "counted", json_boolean(n->counted), ok);
		jset(o, "matched", json_boolean(n->matched), ok);
	}
	jset(o, "result", n->result >= 0 ?
	    json_string(mauth_spf_result_str(n->result)) : json_null(), ok);
	jset(o, "note", jstr(n->note), ok);
	jset(o, "lookups", json_integer(n->lookups), ok);
	jset(o, "void_lookups", json_integer(n->void_lookups), ok);

	if ((qs = json_array()) == NULL)
		*ok = false;
	for (i = 0; qs != NULL && i < n->nqueries; i++)
		if (json_array_append_new(qs, json_query(&n->queries[i],
		    ok)) == -1)
			*ok = false;
	jset(o, "queries", qs, ok);

	if ((cs = json_array()) == NULL)
		*ok = false;
	for (i = 0; cs != NULL && i < n->nchildren; i++)
		if (n->children[i] != NULL &&
		    json_array_append_new(cs, json_node(n->children[i],
		    ok)) == -1)
			*ok = false;
	jset(o, "children", cs, ok);
	return o;
}

/* render_spf_json - the evaluation as one JSON object */
int
render_spf_json(FILE *fp, const struct mauth_spf_eval *ev,
    const struct spf_limits *lim)
{
	const struct mauth_spf_node *root;
	json_t *o;
	bool ok = true;
	int result;

	if ((o = json_object()) == NULL)
		return -1;
	result = mauth_spf_eval_result(ev);
	jset(o, "result", json_string(mauth_spf_result_str(result)), &ok);
	if (result == MAUTH_SPF_FAIL && mauth_spf_eval_explanation(ev) != NULL)
		jset(o, "explanation", jstr(mauth_spf_eval_explanation(ev)),
		    &ok);
	jset(o, "reason", jstr(mauth_spf_eval_reason(ev)), &ok);
	jset(o, "domain", jstr(mauth_spf_eval_domain(ev)), &ok);
	jset(o, "sender", jstr(mauth_spf_eval_sender(ev)), &ok);
	jset(o, "lookups", json_integer(mauth_spf_eval_lookups(ev)), &ok);
	jset(o, "max_lookups", json_integer(lim->max_lookups), &ok);
	jset(o, "void_lookups", json_integer(mauth_spf_eval_void_lookups(ev)),
	    &ok);
	jset(o, "max_void_lookups", json_integer(lim->max_void_lookups), &ok);
	jset(o, "dns_queries", json_integer(mauth_spf_eval_dns_queries(ev)),
	    &ok);
	jset(o, "dns_cache_hits",
	    json_integer(mauth_spf_eval_dns_cache_hits(ev)), &ok);
	root = mauth_spf_eval_tree(ev);
	jset(o, "tree", root != NULL ? json_node(root, &ok) : json_null(),
	    &ok);
	return jdump(fp, o, ok, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}
