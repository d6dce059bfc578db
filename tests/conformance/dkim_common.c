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

/* dk_add_txt1 - see dkim_common.h */
int
dk_add_txt1(struct dkt *t, const char *name, const char *val, size_t len)
{
	return dkt_add_txt(t, name, &val, &len, 1);
}

/* dk_add_dns_json - see dkim_common.h; at most 16 strings a record */
void
dk_add_dns_json(struct dkt *t, json_t *dns)
{
	json_t *val, *rr, *sj;
	const char *name, *strs[16];
	size_t i, k, n, lens[16];

	json_object_foreach(dns, name, val) {
		json_array_foreach(json_object_get(val, "TXT"), i, rr) {
			n = 0;
			json_array_foreach(rr, k, sj) {
				if (n == 16)
					break;
				strs[n] = json_string_value(sj);
				lens[n++] = json_string_length(sj);
			}
			(void)dkt_add_txt(t, name, strs, lens, n);
		}
	}
}

/* dk_add_dns_lines - see dkim_common.h */
size_t
dk_add_dns_lines(struct dkt *t, char *buf, size_t len)
{
	char *p, *eol, *sp;

	for (p = buf; p < buf + len && *p != '\n'; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(buf + len - p))) == NULL)
			eol = buf + len;
		*eol = '\0';
		if ((sp = strchr(p, ' ')) != NULL) {
			*sp = '\0';
			(void)dk_add_txt1(t, p, sp + 1, strlen(sp + 1));
		}
	}
	return (size_t)(p - buf) + 1;
}

/* dk_load_fake_dns - see dkim_common.h */
struct dkt *
dk_load_fake_dns(const char *path)
{
	struct dkt *t = dkt_new();
	char *buf, *p, *eol, *name, *val;
	size_t len, vl;

	if ((buf = dk_read_file(path, &len)) == NULL) {
		perror(path);
		exit(2);
	}
	for (p = buf; p < buf + len; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(buf + len - p))) == NULL)
			eol = buf + len;
		*eol = '\0';
		if (eol > p && eol[-1] == '\r')
			eol[-1] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#' || *p == ';')
			continue;
		name = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		if (*p == '\0')
			continue;
		*p++ = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		val = p;
		vl = strlen(val);
		if (strcmp(val, "NXDOMAIN") == 0)
			(void)dkt_add_kind(t, name, DKT_NXDOMAIN);
		else if (strcmp(val, "~~Query timed out~~") == 0)
			(void)dkt_add_kind(t, name, DKT_TIMEOUT);
		else if (vl >= 4 && strncmp(val, "~~", 2) == 0)
			(void)dkt_add_kind(t, name, DKT_SERVFAIL);
		else
			(void)dk_add_txt1(t, name, val, vl);
	}
	free(buf);
	return t;
}

/* dk_fuzz_query - see dkim_common.h */
int
dk_fuzz_query(void *arg, const char *name, uint16_t type,
    struct mauth_dns_answer **out)
{
	const struct dk_fuzzrec *in = arg;
	struct mauth_dns_answer *ans;
	const uint8_t *s = in->rec;
	size_t len = in->len;

	if (strncmp(name, "to", 2) == 0)
		return MAUTH_DNS_TIMEOUT;
	if (strncmp(name, "nx", 2) == 0 || strncmp(name, "sf", 2) == 0) {
		*out = mauth_dns_answer_new(name[0] == 'n' ?
		    MAUTH_RCODE_NXDOMAIN : MAUTH_RCODE_SERVFAIL, 60);
		return *out != NULL ? MAUTH_DNS_ANSWER : MAUTH_DNS_FAILURE;
	}
	if ((ans = mauth_dns_answer_new(MAUTH_RCODE_NOERROR, 60)) == NULL)
		return MAUTH_DNS_FAILURE;
	if (type == MAUTH_DNS_TXT && mauth_dns_answer_add_txt(ans,
	    MAUTH_DNS_TXT, name, 60, &s, &len, 1) != MAUTH_OK) {
		mauth_dns_answer_free(ans);
		return MAUTH_DNS_FAILURE;
	}
	*out = ans;
	return MAUTH_DNS_ANSWER;
}

/* dk_tsv_next - see dkim_common.h */
bool
dk_tsv_next(FILE *fp, char *line, size_t size, char **f, size_t nf)
{
	char *s;
	size_t k;

	while (fgets(line, (int)size, fp) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		s = line;
		for (k = 0; k < nf; k++)
			f[k] = strsep(&s, "\t\n");
		return true;
	}
	return false;
}

/* dk_path_join - see dkim_common.h */
const char *
dk_path_join(const char *dir, const char *name)
{
	static char p[8192 + 64];

	(void)snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

/* dk_load_json - see dkim_common.h */
json_t *
dk_load_json(const char *path)
{
	json_error_t e;
	json_t *j;

	if ((j = json_load_file(path, 0, &e)) == NULL) {
		fprintf(stderr, "%s:%d: %s\n", path, e.line, e.text);
		exit(2);
	}
	return j;
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
