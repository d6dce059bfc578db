/*
 * live.c - the running context of mauthd.
 *
 * Everything a reload may change (configuration, resolver and its cache,
 * library context, private keys, rules) lives in one struct md_live.  A
 * message takes a reference at MAIL FROM and drops it when it ends, so a
 * reload (SIGUSR1) builds a complete new context, swaps the pointer under a
 * mutex, and the old one is freed by the last message still using it.  A
 * reload that fails anywhere leaves the running context untouched.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mauth/authres.h"
#include "mauth/check.h"
#include "mauth/dns.h"
#include "mauth/sign.h"
#ifdef MAUTHD_HAVE_POLICY
#include "mauth/policy.h"
#endif

#include "mauthd.h"

static pthread_mutex_t	 live_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct md_live	*live_cur;
static unsigned long	 live_gen;

#ifdef MAUTHD_HAVE_POLICY
/* policy_err - one rules file error, as the policy module reports it */
static void
policy_err(void *arg, const char *msg)
{
	FILE *err = arg;

	if (err != NULL)
		fprintf(err, "%s\n", msg);
}
#endif

/* open_resolver - the zone file backend or ldns, then the cache */
static int
open_resolver(struct md_live *l, FILE *err)
{
	const struct md_conf *c = l->conf;
	struct mauth_dns_options o;
	char ebuf[512];
	size_t i;
	int rc;

	ebuf[0] = '\0';
	if (c->dns_zone_file != NULL)
		rc = mauth_resolver_new_zone(c->dns_zone_file, &l->res, ebuf,
		    sizeof(ebuf));
	else {
		memset(&o, 0, sizeof(o));
		for (i = 0; i < c->ndns && i < MAUTH_DNS_MAX_SERVERS; i++)
			o.servers[i] = c->dns_servers[i];
		o.nservers = i;
		o.timeout_ms = c->dns_timeout_ms;
		o.retries = c->dns_retries;
		rc = mauth_resolver_new_ldns(&o, &l->res, ebuf, sizeof(ebuf));
	}
	if (rc != MAUTH_OK) {
		fprintf(err, "%s: DNS: %s\n", c->path, ebuf[0] != '\0' ? ebuf :
		    mauth_strerror(rc));
		return -1;
	}
	if (c->dns_cache_entries > 0 &&
	    (rc = mauth_resolver_enable_cache(l->res, c->dns_cache_entries,
	    86400)) != MAUTH_OK) {
		fprintf(err, "%s: DNS cache: %s\n", c->path,
		    mauth_strerror(rc));
		return -1;
	}
	return 0;
}

/* md_live_build - see mauthd.h */
struct md_live *
md_live_build(const char *path, FILE *err)
{
	struct mauth_ctx_options o;
	struct md_live *l;
	char ebuf[512];
	size_t i;
	int rc, bad = 0;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		fprintf(err, "%s: out of memory\n", path);
		return NULL;
	}
	if ((l->conf = md_conf_load(path, err)) == NULL)
		goto fail;
	if (l->conf->authserv_id != NULL)
		snprintf(l->authserv_id, sizeof(l->authserv_id), "%s",
		    l->conf->authserv_id);
	else if (gethostname(l->authserv_id, sizeof(l->authserv_id) - 1) ==
	    -1 || l->authserv_id[0] == '\0') {
		fprintf(err, "%s: authserv_id is unset and the host name is "
		    "unknown\n", path);
		goto fail;
	}
	/* keys: every one is tried so that all bad ones are reported */
	for (i = 0; i < l->conf->nsign; i++) {
		ebuf[0] = '\0';
		rc = mauth_key_load(l->conf->sign[i].keyfile, &l->keys[i],
		    ebuf, sizeof(ebuf));
		if (rc != MAUTH_OK) {
			fprintf(err, "%s: sign %s selector %s: %s\n", path,
			    l->conf->sign[i].pattern,
			    l->conf->sign[i].selector, ebuf[0] != '\0' ? ebuf :
			    mauth_strerror(rc));
			bad = 1;
		}
	}
	if (bad)
		goto fail;
	if (l->conf->rules_file != NULL) {
#ifdef MAUTHD_HAVE_POLICY
		if (mauth_policy_load_each(l->conf->rules_file, NULL, 0,
		    &l->policy, policy_err, err) != MAUTH_OK)
			goto fail;
#else
		fprintf(err, "%s: rules_file: this mauthd was built without "
		    "the rules engine\n", path);
		goto fail;
#endif
	}
	if (open_resolver(l, err) == -1)
		goto fail;
	mauth_ctx_options_init(&o);
	o.authserv_id = l->authserv_id;
	o.dmarc_mode = l->conf->dmarc_mode;
	o.psl_path = l->conf->psl_file;
	o.max_signatures = l->conf->max_signatures;
	o.max_headers = l->conf->max_headers;
	o.max_dns_queries = l->conf->max_dns_queries;
	o.dns_time_ms = l->conf->dns_time_ms;
	o.authres_fold = MAUTH_AUTHRES_FOLD_LF;
	ebuf[0] = '\0';
	if ((rc = mauth_ctx_new(&o, l->res, &l->ctx, ebuf, sizeof(ebuf))) !=
	    MAUTH_OK) {
		fprintf(err, "%s: %s\n", path, ebuf[0] != '\0' ? ebuf :
		    mauth_strerror(rc));
		goto fail;
	}
	return l;
fail:
	md_live_free(l);
	return NULL;
}

/* md_live_free - free a context nobody uses any more; NULL is a no-op */
void
md_live_free(struct md_live *l)
{
	size_t i;

	if (l == NULL)
		return;
	mauth_ctx_free(l->ctx);
	mauth_resolver_free(l->res);
	for (i = 0; i < MD_MAX_SIGN; i++)
		mauth_key_free(l->keys[i]);
#ifdef MAUTHD_HAVE_POLICY
	mauth_policy_free(l->policy);
#endif
	md_conf_free(l->conf);
	free(l);
}

/* md_live_set - see mauthd.h */
unsigned long
md_live_set(struct md_live *l)
{
	struct md_live *old;
	unsigned long gen;

	l->refs = 1;
	pthread_mutex_lock(&live_mutex);
	gen = l->generation = ++live_gen;
	old = live_cur;
	live_cur = l;
	pthread_mutex_unlock(&live_mutex);
	if (old != NULL)
		md_live_put(old);
	return gen;
}

/* md_live_clear - drop the running context (at exit) */
void
md_live_clear(void)
{
	struct md_live *old;

	pthread_mutex_lock(&live_mutex);
	old = live_cur;
	live_cur = NULL;
	pthread_mutex_unlock(&live_mutex);
	md_live_put(old);
}

/* md_live_get - see mauthd.h; NULL only before the first md_live_set */
struct md_live *
md_live_get(void)
{
	struct md_live *l;

	pthread_mutex_lock(&live_mutex);
	if ((l = live_cur) != NULL)
		l->refs++;
	pthread_mutex_unlock(&live_mutex);
	return l;
}

/* md_live_put - drop a reference; the last one frees */
void
md_live_put(struct md_live *l)
{
	bool last;

	if (l == NULL)
		return;
	pthread_mutex_lock(&live_mutex);
	last = --l->refs == 0;
	pthread_mutex_unlock(&live_mutex);
	if (last)
		md_live_free(l);
}

/* md_live_reload - see mauthd.h */
int
md_live_reload(void)
{
	struct md_live *cur, *l;
	char *text = NULL, *line, *nl;
	size_t len = 0, nsign;
	unsigned long gen;
	FILE *err;
	char *path;

	if ((cur = md_live_get()) == NULL)
		return -1;
	path = strdup(cur->conf->path);
	md_live_put(cur);
	if (path == NULL) {
		md_log(MD_ERR, "reload failed: out of memory; keeping the "
		    "running configuration");
		return -1;
	}
	if ((err = open_memstream(&text, &len)) == NULL) {
		md_log(MD_ERR, "reload failed: %s; keeping the running "
		    "configuration", strerror(errno));
		free(path);
		return -1;
	}
	l = md_live_build(path, err);
	fclose(err);
	for (line = text; line != NULL && *line != '\0'; line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		md_log(MD_ERR, "reload: %s", md_esc(line, 512));
	}
	free(text);
	if (l == NULL) {
		md_log(MD_ERR, "reload of %s failed; keeping the running "
		    "configuration", md_esc(path, 256));
		free(path);
		return -1;
	}
	nsign = l->conf->nsign;
	gen = md_live_set(l);	/* l may be freed by anyone from here on */
	md_log(MD_INFO, "reloaded %s (generation %lu, %zu signing entries)",
	    md_esc(path, 256), gen, nsign);
	free(path);
	return 0;
}
