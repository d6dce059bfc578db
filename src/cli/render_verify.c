/*
 * render_verify.c - text and JSON Lines output of "mauth verify", and the
 * closing summary.  Everything shown is read from the check object; no
 * result is derived here.  Untrusted text is escaped.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "mauth/mauth.h"
#include "mauth/message.h"
#include "cli/cli.h"
#include "cli/render_common.h"
#include "cli/render_verify.h"
#include "util/str.h"

/* one JSON object per line, keys in the order written */
#define VERIFY_JSON_FLAGS \
	(JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER)

#define STATS_BUCKETS	4096

/* ---- text --------------------------------------------------------------- */

/* put_opt - " name=value" when value is set */
static void
put_opt(FILE *fp, const char *name, const char *value)
{
	if (value == NULL || value[0] == '\0')
		return;
	fprintf(fp, " %s=", name);
	cli_put_safe(fp, value);
}

/* put_reason - ": reason" when set */
static void
put_reason(FILE *fp, const char *reason)
{
	if (reason == NULL || reason[0] == '\0')
		return;
	fputs(": ", fp);
	cli_put_safe(fp, reason);
}

/* text_spf - "SPF:   ..." for one identity */
static void
text_spf(FILE *fp, const char *label, const struct mauth_spf_eval *ev)
{
	fprintf(fp, "%s%s", label,
	    mauth_spf_result_str(mauth_spf_eval_result(ev)));
	put_opt(fp, "domain", mauth_spf_eval_domain(ev));
	put_reason(fp, mauth_spf_eval_reason(ev));
	putc('\n', fp);
}

/* render_verify_text - see render_verify.h */
void
render_verify_text(FILE *fp, const struct verify_source *src,
    const struct mauth_check *chk)
{
	const struct mauth_spf_eval *spf, *helo;
	const struct mauth_dmarc_eval *dm;
	const struct mauth_dkim_sig *s;
	const char *p;
	size_t i, n;
	int pol;

	fputs("==> ", fp);
	cli_put_safe(fp, src->label);
	putc('\n', fp);
	fprintf(fp, "Authentication-Results: %s\n", mauth_check_authres(chk));

	spf = mauth_check_spf(chk);
	helo = mauth_check_spf_helo(chk);
	if (spf == NULL) {
		p = mauth_check_spf_problem(chk);
		if (p != NULL && strcmp(p, "no client address") == 0)
			fputs("SPF:   not evaluated (no --ip)\n", fp);
		else {
			fputs("SPF:   not evaluated", fp);
			put_reason(fp, p);
			putc('\n', fp);
		}
	} else {
		text_spf(fp, "SPF:   ", spf);
		if (helo != NULL && helo != spf)
			text_spf(fp, "HELO:  ", helo);
	}

	n = mauth_check_dkim_count(chk);
	if (n == 0)
		fputs("DKIM:  none (no signature)\n", fp);
	for (i = 0; i < n; i++) {
		if ((s = mauth_check_dkim(chk, i)) == NULL)
			continue;
		fprintf(fp, "DKIM:  %s", mauth_dkim_result_str(s->result));
		put_opt(fp, "d", s->domain);
		put_opt(fp, "s", s->selector);
		put_opt(fp, "a", s->algorithm);
		if (s->testing)
			fputs(" (testing)", fp);
		put_reason(fp, s->reason);
		putc('\n', fp);
	}

	fprintf(fp, "DMARC: %s",
	    mauth_dmarc_result_str(mauth_check_dmarc_result(chk)));
	if ((dm = mauth_check_dmarc(chk)) != NULL) {
		pol = mauth_dmarc_eval_policy(dm);
		if (pol != MAUTH_DMARC_POLICY_UNSET)
			fprintf(fp, " policy=%s", mauth_dmarc_policy_str(pol));
		put_opt(fp, "from", mauth_dmarc_eval_from_domain(dm));
		put_opt(fp, "policy-domain",
		    mauth_dmarc_eval_policy_domain(dm));
		fprintf(fp, " (spf %s, dkim %s)",
		    mauth_dmarc_eval_spf_aligned(dm) ? "aligned" : "not aligned",
		    mauth_dmarc_eval_dkim_aligned(dm) ? "aligned" :
		    "not aligned");
		put_reason(fp, mauth_dmarc_eval_reason(dm));
	} else
		put_reason(fp, mauth_check_from_problem(chk));
	putc('\n', fp);
	if ((p = mauth_check_limit_hit(chk)) != NULL) {
		fputs("limits: ", fp);
		cli_put_safe(fp, p);
		putc('\n', fp);
	}
	putc('\n', fp);
}

/* ---- JSON --------------------------------------------------------------- */

/* jsource - {path, index} */
static json_t *
jsource(const struct verify_source *src, bool *ok)
{
	json_t *o;

	if ((o = json_object()) == NULL) {
		*ok = false;
		return NULL;
	}
	jset(o, "path", jstr(src->path), ok);
	jset(o, "index", src->index > 0 ?
	    json_integer((json_int_t)src->index) : json_null(), ok);
	jset(o, "label", jstr(src->label), ok);
	return o;
}

/* jspf - {result, domain, reason, sender} or null */
static json_t *
jspf(const struct mauth_spf_eval *ev, bool *ok)
{
	json_t *o;

	if (ev == NULL)
		return json_null();
	if ((o = json_object()) == NULL) {
		*ok = false;
		return NULL;
	}
	jset(o, "result", json_string(mauth_spf_result_str(
	    mauth_spf_eval_result(ev))), ok);
	jset(o, "domain", jstr(mauth_spf_eval_domain(ev)), ok);
	jset(o, "sender", jstr(mauth_spf_eval_sender(ev)), ok);
	jset(o, "reason", jstr(mauth_spf_eval_reason(ev)), ok);
	jset(o, "lookups", json_integer(mauth_spf_eval_lookups(ev)), ok);
	return o;
}

/* jdkim - the list of signatures */
static json_t *
jdkim(const struct mauth_check *chk, bool *ok)
{
	const struct mauth_dkim_sig *s;
	json_t *a, *o;
	size_t i, n = mauth_check_dkim_count(chk);

	if ((a = json_array()) == NULL) {
		*ok = false;
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if ((s = mauth_check_dkim(chk, i)) == NULL)
			continue;
		if ((o = json_object()) == NULL ||
		    json_array_append_new(a, o) == -1) {
			*ok = false;
			break;
		}
		jset(o, "result", json_string(mauth_dkim_result_str(
		    s->result)), ok);
		jset(o, "domain", jstr(s->domain), ok);
		jset(o, "selector", jstr(s->selector), ok);
		jset(o, "algorithm", jstr(s->algorithm), ok);
		jset(o, "identity", jstr(s->identity), ok);
		jset(o, "b", jstr(s->b_prefix), ok);
		jset(o, "reason", jstr(s->reason), ok);
		jset(o, "key_bits", json_integer(s->key_bits), ok);
		jset(o, "testing", json_boolean(s->testing), ok);
		jset(o, "checked", json_boolean(s->checked), ok);
	}
	return a;
}

/* jdmarc - the DMARC outcome, also when no evaluation ran */
static json_t *
jdmarc(const struct mauth_check *chk, bool *ok)
{
	const struct mauth_dmarc_eval *dm = mauth_check_dmarc(chk);
	json_t *o;
	int pol;

	if ((o = json_object()) == NULL) {
		*ok = false;
		return NULL;
	}
	jset(o, "result", json_string(mauth_dmarc_result_str(
	    mauth_check_dmarc_result(chk))), ok);
	if (dm == NULL) {
		jset(o, "policy", json_null(), ok);
		jset(o, "domain", json_null(), ok);
		jset(o, "org_domain", json_null(), ok);
		jset(o, "from_domain", json_null(), ok);
		jset(o, "spf_aligned", json_false(), ok);
		jset(o, "dkim_aligned", json_false(), ok);
		jset(o, "evaluated", json_false(), ok);
		jset(o, "reason", jstr(mauth_check_from_problem(chk)), ok);
		return o;
	}
	pol = mauth_dmarc_eval_policy(dm);
	jset(o, "policy", pol == MAUTH_DMARC_POLICY_UNSET ? json_null() :
	    json_string(mauth_dmarc_policy_str(pol)), ok);
	jset(o, "domain", jstr(mauth_dmarc_eval_policy_domain(dm)), ok);
	jset(o, "org_domain", jstr(mauth_dmarc_eval_org_domain(dm)), ok);
	jset(o, "from_domain", jstr(mauth_dmarc_eval_from_domain(dm)), ok);
	jset(o, "spf_aligned", json_boolean(mauth_dmarc_eval_spf_aligned(dm)),
	    ok);
	jset(o, "dkim_aligned",
	    json_boolean(mauth_dmarc_eval_dkim_aligned(dm)), ok);
	jset(o, "testing", json_boolean(mauth_dmarc_eval_testing(dm)), ok);
	jset(o, "evaluated", json_true(), ok);
	jset(o, "reason", jstr(mauth_dmarc_eval_reason(dm)), ok);
	return o;
}

/* render_verify_json - see render_verify.h */
int
render_verify_json(FILE *fp, const struct verify_source *src,
    const struct mauth_check *chk)
{
	const struct mauth_dns_budget *b = mauth_check_dns_budget(chk);
	json_t *o, *d;
	bool ok = true;

	if ((o = json_object()) == NULL)
		return -1;
	jset(o, "source", jsource(src, &ok), &ok);
	jset(o, "spf", jspf(mauth_check_spf(chk), &ok), &ok);
	jset(o, "spf_helo", mauth_check_spf_helo(chk) == mauth_check_spf(chk) ?
	    json_null() : jspf(mauth_check_spf_helo(chk), &ok), &ok);
	jset(o, "spf_problem", jstr(mauth_check_spf_problem(chk)), &ok);
	jset(o, "dkim", jdkim(chk, &ok), &ok);
	jset(o, "dmarc", jdmarc(chk, &ok), &ok);
	jset(o, "from_domain", jstr(mauth_check_from_domain(chk)), &ok);
	jset(o, "from_status", json_string(mauth_from_status_str(
	    mauth_check_from_status(chk))), &ok);
	jset(o, "from_problem", jstr(mauth_check_from_problem(chk)), &ok);
	jset(o, "limits", jstr(mauth_check_limit_hit(chk)), &ok);
	if ((d = json_object()) != NULL) {
		jset(d, "queries", json_integer(b->queries), &ok);
		jset(d, "sent", json_integer(b->sent), &ok);
		jset(d, "cache_hits", json_integer(b->cache_hits), &ok);
		jset(d, "refused", json_integer(b->refused), &ok);
		jset(d, "wait_ms", json_integer((json_int_t)b->spent_ms), &ok);
	}
	jset(o, "dns", d, &ok);
	jset(o, "authentication_results",
	    jstr(mauth_check_authres_line(chk)), &ok);
	return jdump(fp, o, ok, VERIFY_JSON_FLAGS);
}

/* render_verify_error - see render_verify.h */
int
render_verify_error(FILE *fp, bool json, const struct verify_source *src,
    const char *why)
{
	json_t *o;
	bool ok = true;

	if (!json) {
		fputs("==> ", fp);
		cli_put_safe(fp, src->label);
		fputs("\nerror: ", fp);
		cli_put_safe(fp, why);
		fputs("\n\n", fp);
		return 0;
	}
	if ((o = json_object()) == NULL)
		return -1;
	jset(o, "source", jsource(src, &ok), &ok);
	jset(o, "error", jstr(why), &ok);
	return jdump(fp, o, ok, VERIFY_JSON_FLAGS);
}

/* ---- summary ------------------------------------------------------------ */

/* verify_now_ms - monotonic milliseconds */
uint64_t
verify_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* verify_stats_init - empty counters */
int
verify_stats_init(struct verify_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->nbuckets = STATS_BUCKETS;
	if ((st->buckets = calloc(st->nbuckets, sizeof(*st->buckets))) == NULL)
		return -1;
	st->start_ms = verify_now_ms();
	return 0;
}

/* hash - FNV-1a over the lower-cased name */
static size_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)str_lower(*s);
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

/* count_domain - one more DMARC failure for name */
static void
count_domain(struct verify_stats *st, const char *name)
{
	struct verify_dom *d, **head = &st->buckets[hash(name) % st->nbuckets];

	for (d = *head; d != NULL; d = d->next)
		if (str_casecmp(d->name, name) == 0) {
			d->count++;
			return;
		}
	if (st->ndomains >= VERIFY_MAX_DOMAINS ||
	    (d = calloc(1, sizeof(*d))) == NULL) {
		st->dropped++;
		return;
	}
	if ((d->name = strdup(name)) == NULL) {
		free(d);
		st->dropped++;
		return;
	}
	d->count = 1;
	d->next = *head;
	*head = d;
	st->ndomains++;
}

/* slot - a counter index within an 8-slot table */
static size_t
slot(int v)
{
	return v >= 0 && v < 8 ? (size_t)v : 7;
}

/* verify_stats_add - count one checked message */
void
verify_stats_add(struct verify_stats *st, const struct mauth_check *chk)
{
	const struct mauth_dkim_sig *s;
	const struct mauth_dmarc_eval *dm;
	size_t i, n;
	int r;

	st->messages++;
	if (mauth_check_spf(chk) != NULL)
		st->spf[slot(mauth_spf_eval_result(mauth_check_spf(chk)))]++;
	else
		st->spf_none_evaluated++;
	n = mauth_check_dkim_count(chk);
	if (n == 0)
		st->dkim_unsigned++;
	for (i = 0; i < n; i++)
		if ((s = mauth_check_dkim(chk, i)) != NULL)
			st->dkim[slot(s->result)]++;
	r = mauth_check_dmarc_result(chk);
	st->dmarc[slot(r)]++;
	if (r == MAUTH_DMARC_FAIL && (dm = mauth_check_dmarc(chk)) != NULL &&
	    mauth_dmarc_eval_from_domain(dm) != NULL)
		count_domain(st, mauth_dmarc_eval_from_domain(dm));
}

/* cmp_dom - most failures first, then by name */
static int
cmp_dom(const void *a, const void *b)
{
	const struct verify_dom *x = *(const struct verify_dom *const *)a;
	const struct verify_dom *y = *(const struct verify_dom *const *)b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* print_counts - "label: word N, word N" for the non-zero counters */
static void
print_counts(FILE *fp, const char *label, const size_t *c,
    const char *(*name)(int), size_t extra, const char *extra_name)
{
	size_t i;
	bool any = false;

	fprintf(fp, "%-6s", label);
	for (i = 0; i < 8; i++) {
		if (c[i] == 0)
			continue;
		fprintf(fp, "%s %s %zu", any ? "," : "", name((int)i), c[i]);
		any = true;
	}
	if (extra > 0) {
		fprintf(fp, "%s %s %zu", any ? "," : "", extra_name, extra);
		any = true;
	}
	if (!any)
		fputs(" -", fp);
	putc('\n', fp);
}

/* verify_stats_print - the closing summary */
void
verify_stats_print(FILE *fp, const struct verify_stats *st)
{
	struct verify_dom **all, *d;
	uint64_t ms = verify_now_ms() - st->start_ms;
	size_t i, k = 0, top;

	fprintf(fp, "summary: %zu message%s checked, %zu could not be read, "
	    "%llu ms (%.1f messages/s)\n", st->messages,
	    st->messages == 1 ? "" : "s", st->errors, (unsigned long long)ms,
	    ms > 0 ? (double)st->messages * 1000.0 / (double)ms :
	    (double)st->messages * 1000.0);
	print_counts(fp, "spf:", st->spf, mauth_spf_result_str,
	    st->spf_none_evaluated, "not-evaluated");
	print_counts(fp, "dkim:", st->dkim, mauth_dkim_result_str,
	    st->dkim_unsigned, "unsigned-messages");
	print_counts(fp, "dmarc:", st->dmarc, mauth_dmarc_result_str, 0, "");
	if (st->ndomains == 0)
		return;
	if ((all = calloc(st->ndomains, sizeof(*all))) == NULL)
		return;
	for (i = 0; i < st->nbuckets; i++)
		for (d = st->buckets[i]; d != NULL && k < st->ndomains;
		    d = d->next)
			all[k++] = d;
	qsort(all, k, sizeof(*all), cmp_dom);
	top = k < VERIFY_TOP_DOMAINS ? k : VERIFY_TOP_DOMAINS;
	fprintf(fp, "From domains failing DMARC (top %zu of %zu):\n", top,
	    st->ndomains);
	for (i = 0; i < top; i++) {
		fprintf(fp, "  %6zu  ", all[i]->count);
		cli_put_safe(fp, all[i]->name);
		putc('\n', fp);
	}
	if (st->dropped > 0)
		fprintf(fp, "  (%zu failures of further domains not counted)\n",
		    st->dropped);
	free(all);
}

/* verify_stats_free - release the domain table */
void
verify_stats_free(struct verify_stats *st)
{
	struct verify_dom *d, *next;
	size_t i;

	if (st->buckets == NULL)
		return;
	for (i = 0; i < st->nbuckets; i++)
		for (d = st->buckets[i]; d != NULL; d = next) {
			next = d->next;
			free(d->name);
			free(d);
		}
	free(st->buckets);
	st->buckets = NULL;
}
