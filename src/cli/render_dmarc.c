/*
 * render_dmarc.c - text and JSON output of "mauth dmarc".
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "mauth/dmarc.h"
#include "cli/cli.h"
#include "cli/render_common.h"
#include "cli/render_dmarc.h"

/* line - "name: value" with the value escaped; "-" when NULL */
static void
line(FILE *fp, const char *name, const char *value)
{
	fprintf(fp, "%s: ", name);
	cli_put_safe(fp, value != NULL && value[0] != '\0' ? value : "-");
	putc('\n', fp);
}

/* render_dmarc_text - see render_dmarc.h */
void
render_dmarc_text(FILE *fp, const struct mauth_dmarc_eval *ev)
{
	int policy = mauth_dmarc_eval_policy(ev);

	fprintf(fp, "%s\n",
	    mauth_dmarc_result_str(mauth_dmarc_eval_result(ev)));
	line(fp, "policy", policy == MAUTH_DMARC_POLICY_UNSET ? NULL :
	    mauth_dmarc_policy_str(policy));
	line(fp, "policy domain", mauth_dmarc_eval_policy_domain(ev));
	line(fp, "organizational domain", mauth_dmarc_eval_org_domain(ev));
	fprintf(fp, "alignment: spf %s, dkim %s\n",
	    mauth_dmarc_eval_spf_aligned(ev) ? "aligned" : "not aligned",
	    mauth_dmarc_eval_dkim_aligned(ev) ? "aligned" : "not aligned");
	if (mauth_dmarc_eval_testing(ev))
		fprintf(fp, "testing: t=y (policy lowered one level)\n");
	if (mauth_dmarc_eval_record(ev) != NULL)
		line(fp, "record", mauth_dmarc_eval_record(ev));
	line(fp, "reason", mauth_dmarc_eval_reason(ev));
}

/* render_dmarc_json - see render_dmarc.h */
int
render_dmarc_json(FILE *fp, const struct mauth_dmarc_eval *ev, int mode)
{
	json_t *o;
	bool ok = true;
	int policy = mauth_dmarc_eval_policy(ev);

	if ((o = json_object()) == NULL)
		return -1;
	jset(o, "result", json_string(mauth_dmarc_result_str(
	    mauth_dmarc_eval_result(ev))), &ok);
	jset(o, "policy", policy == MAUTH_DMARC_POLICY_UNSET ? json_null() :
	    json_string(mauth_dmarc_policy_str(policy)), &ok);
	jset(o, "policy_domain", jstr(mauth_dmarc_eval_policy_domain(ev)),
	    &ok);
	jset(o, "org_domain", jstr(mauth_dmarc_eval_org_domain(ev)), &ok);
	jset(o, "from_domain", jstr(mauth_dmarc_eval_from_domain(ev)), &ok);
	jset(o, "spf_aligned", json_boolean(mauth_dmarc_eval_spf_aligned(ev)),
	    &ok);
	jset(o, "dkim_aligned",
	    json_boolean(mauth_dmarc_eval_dkim_aligned(ev)), &ok);
	jset(o, "testing", json_boolean(mauth_dmarc_eval_testing(ev)), &ok);
	jset(o, "record", jstr(mauth_dmarc_eval_record(ev)), &ok);
	jset(o, "reason", jstr(mauth_dmarc_eval_reason(ev)), &ok);
	jset(o, "mode", json_string(mauth_dmarc_mode_str(mode)), &ok);
	jset(o, "dns_queries",
	    json_integer((json_int_t)mauth_dmarc_eval_dns_queries(ev)), &ok);
	return jdump(fp, o, ok, JSON_COMPACT | JSON_ENSURE_ASCII);
}
