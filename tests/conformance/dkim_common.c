/*
 * dkim_common.c - in-memory TXT table and a minimal message driver for the
 * DKIM runners (see dkim_common.h).  The real RFC 5322 splitter lives in
 * src/lib/message; this one only needs to handle the corpora.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dkim_common.h"

struct dkt_ent {
	char		*name;
	int		 kind;
	char		**txt;
	size_t		*lens;
	size_t		 n;
};

struct dkt {
	struct dkt_ent	*e;
	size_t		 n;
};

/* dkt_new - an empty table */
struct dkt *
dkt_new(void)
{
	return calloc(1, sizeof(struct dkt));
}

/* dkt_get - the entry for name, created if absent */
static struct dkt_ent *
dkt_get(struct dkt *t, const char *name)
{
	struct dkt_ent *ne;
	size_t i, len = strlen(name);

	if (len > 0 && name[len - 1] == '.')
		len--;
	for (i = 0; i < t->n; i++)
		if (strlen(t->e[i].name) == len &&
		    strncasecmp(t->e[i].name, name, len) == 0)
			return &t->e[i];
	if ((ne = realloc(t->e, (t->n + 1) * sizeof(*ne))) == NULL)
		return NULL;
	t->e = ne;
	memset(&t->e[t->n], 0, sizeof(t->e[t->n]));
	if ((t->e[t->n].name = strndup(name, len)) == NULL)
		return NULL;
	return &t->e[t->n++];
}

/* dkt_add_txt - one more TXT record, its strings joined */
int
dkt_add_txt(struct dkt *t, const char *name, const char *const *strs,
    const size_t *lens, size_t n)
{
	struct dkt_ent *e;
	char **nt, *rec;
	size_t *nl, i, total = 0, o = 0;

	if ((e = dkt_get(t, name)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		total += lens[i];
	if ((rec = malloc(total + 1)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		memcpy(rec + o, strs[i], lens[i]);
		o += lens[i];
	}
	rec[o] = '\0';
	nt = realloc(e->txt, (e->n + 1) * sizeof(*nt));
	if (nt == NULL) {
		free(rec);
		return -1;
	}
	e->txt = nt;
	nl = realloc(e->lens, (e->n + 1) * sizeof(*nl));
	if (nl == NULL) {
		free(rec);
		return -1;
	}
	e->lens = nl;
	e->txt[e->n] = rec;
	e->lens[e->n] = total;
	e->n++;
	e->kind = DKT_TXT;
	return 0;
}

/* dkt_add_kind - NXDOMAIN, timeout or SERVFAIL for name */
int
dkt_add_kind(struct dkt *t, const char *name, int kind)
{
	struct dkt_ent *e;

	if ((e = dkt_get(t, name)) == NULL)
		return -1;
	e->kind = kind;
	return 0;
}

/* dkt_query - the custom backend */
static int
dkt_query(void *arg, const char *name, uint16_t type,
    struct mauth_dns_answer **out)
{
	struct dkt *t = arg;
	struct mauth_dns_answer *a;
	size_t i, j;

	for (i = 0; i < t->n; i++)
		if (strcasecmp(t->e[i].name, name) == 0)
			break;
	if (i < t->n && t->e[i].kind == DKT_TIMEOUT)
		return MAUTH_DNS_TIMEOUT;
	if (i == t->n || t->e[i].kind == DKT_NXDOMAIN) {
		*out = mauth_dns_answer_new(MAUTH_RCODE_NXDOMAIN, 300);
		return *out != NULL ? MAUTH_DNS_ANSWER : MAUTH_DNS_FAILURE;
	}
	if (t->e[i].kind == DKT_SERVFAIL) {
		*out = mauth_dns_answer_new(MAUTH_RCODE_SERVFAIL, 0);
		return *out != NULL ? MAUTH_DNS_ANSWER : MAUTH_DNS_FAILURE;
	}
	if ((a = mauth_dns_answer_new(MAUTH_RCODE_NOERROR, 300)) == NULL)
		return MAUTH_DNS_FAILURE;
	if (type == MAUTH_DNS_TXT) {
		for (j = 0; j < t->e[i].n; j++) {
			const uint8_t *s = (const uint8_t *)t->e[i].txt[j];

			if (mauth_dns_answer_add_txt(a, MAUTH_DNS_TXT, name,
			    300, &s, &t->e[i].lens[j], 1) != MAUTH_OK) {
				mauth_dns_answer_free(a);
				return MAUTH_DNS_FAILURE;
			}
		}
	}
	*out = a;
	return MAUTH_DNS_ANSWER;
}

/* dkt_resolver - a resolver over the table */
int
dkt_resolver(struct dkt *t, struct mauth_resolver **out)
{
	struct mauth_dns_backend be;

	memset(&be, 0, sizeof(be));
	be.query = dkt_query;
	be.arg = t;
	return mauth_resolver_new_custom(&be, out);
}

/* dkt_free - free the table */
void
dkt_free(struct dkt *t)
{
	size_t i, j;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++) {
		for (j = 0; j < t->e[i].n; j++)
			free(t->e[i].txt[j]);
		free(t->e[i].txt);
		free(t->e[i].lens);
		free(t->e[i].name);
	}
	free(t->e);
	free(t);
}

/* dk_read_file - the whole file, NUL-terminated */
char *
dk_read_file(const char *path, size_t *len)
{
	FILE *fp;
	char *buf = NULL, *nb;
	size_t cap = 0, n = 0, r;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap == 0 ? 65536 : cap * 2;
			if ((nb = realloc(buf, cap)) == NULL) {
				free(buf);
				fclose(fp);
				return NULL;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, 4096, fp);
		n += r;
		if (r < 4096)
			break;
	}
	fclose(fp);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* dk_verify - header fields, end of headers, body chunks, end of message */
int
dk_verify(struct dkimv_lib *lib, struct mauth_resolver *r,
    struct mauth_dns_budget *budget, const struct dkimv_options *o,
    const char *msg, size_t len, size_t chunk, struct dkimv **out)
{
	struct dkimv *v;
	size_t i = 0, start, colon, eol, n;
	int rc;

	*out = NULL;
	if ((rc = dkimv_new(lib, r, budget, o, &v)) != MAUTH_OK)
		return rc;
	while (i < len) {
		/* an empty line ends the header */
		if (msg[i] == '\n') {
			i++;
			break;
		}
		if (msg[i] == '\r' && i + 1 < len && msg[i + 1] == '\n') {
			i += 2;
			break;
		}
		start = i;
		/* the field runs to a line break not followed by WSP */
		for (;;) {
			eol = i;
			while (eol < len && msg[eol] != '\n')
				eol++;
			i = eol < len ? eol + 1 : len;
			if (i < len && (msg[i] == ' ' || msg[i] == '\t'))
				continue;
			break;
		}
		for (colon = start; colon < i && msg[colon] != ':'; colon++)
			;
		if (colon == i)
			continue;	/* not a field: skipped */
		n = colon;
		while (n > start && (msg[n - 1] == ' ' || msg[n - 1] == '\t'))
			n--;
		rc = dkimv_header(v, msg + start, n - start, msg + colon + 1,
		    i - colon - 1);
		if (rc != MAUTH_OK)
			goto fail;
	}
	if ((rc = dkimv_eoh(v)) != MAUTH_OK)
		goto fail;
	if (chunk == 0)
		chunk = len - i + 1;
	while (i < len) {
		n = len - i < chunk ? len - i : chunk;
		if ((rc = dkimv_body(v, msg + i, n)) != MAUTH_OK)
			goto fail;
		i += n;
	}
	if ((rc = dkimv_eom(v)) != MAUTH_OK)
		goto fail;
	*out = v;
	return MAUTH_OK;
fail:
	dkimv_free(v);
	return rc;
}

/* dk_best - pass > fail > other errors > none */
int
dk_best(const struct dkimv *v)
{
	size_t i;
	int best = MAUTH_DKIM_NONE, res;

	for (i = 0; i < dkimv_count(v); i++) {
		res = dkimv_sig(v, i)->result;
		if (res == MAUTH_DKIM_PASS)
			return res;
		if (res == MAUTH_DKIM_FAIL)
			best = res;
		else if (best == MAUTH_DKIM_NONE && res != MAUTH_DKIM_NONE)
			best = res;
	}
	return best;
}
