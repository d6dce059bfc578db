/*
 * canon.c - DKIM canonicalization for signing (RFC 6376 3.4): a streaming
 * body canonicalizer feeding SHA-256 in large spans, and the header field
 * forms.
 *
 * The body is processed a line at a time (memchr over LF); bytes are copied
 * into a staging buffer and hashed when it fills, so the digest is never
 * called per byte or per short line.  Empty lines are only counted: they
 * are emitted when content follows, and dropped at the end (RFC 6376 3.4.3,
 * 3.4.4: trailing empty lines are ignored).
 */
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include <openssl/evp.h>

#include "mauth/common.h"
#include "dkim/sign_int.h"

static EVP_MD		*sha256_md;
static pthread_once_t	 sha256_once = PTHREAD_ONCE_INIT;

/* sha256_fetch - fetch the SHA-256 implementation once (no per-use lookup) */
static void
sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* sign_sha256 - the process-wide SHA-256 EVP_MD */
const EVP_MD *
sign_sha256(void)
{
	pthread_once(&sha256_once, sha256_fetch);
	return sha256_md != NULL ? sha256_md : EVP_sha256();
}

/* ---- body --------------------------------------------------------------- */

/* stage_flush - hash the staged bytes */
static int
stage_flush(struct sign_body *b)
{
	if (b->nstage > 0 &&
	    EVP_DigestUpdate(b->md, b->stage, b->nstage) != 1)
		return MAUTH_ERR_INTERNAL;
	b->nstage = 0;
	return MAUTH_OK;
}

/* emit - append canonical bytes p[0..n) */
static int
emit(struct sign_body *b, const void *p, size_t n)
{
	int rc;

	b->len += n;
	if (n > sizeof(b->stage) - b->nstage) {
		if ((rc = stage_flush(b)) != MAUTH_OK)
			return rc;
		if (n >= sizeof(b->stage)) {
			if (EVP_DigestUpdate(b->md, p, n) != 1)
				return MAUTH_ERR_INTERNAL;
			return MAUTH_OK;
		}
	}
	memcpy(b->stage + b->nstage, p, n);
	b->nstage += n;
	return MAUTH_OK;
}

static const char crlfs[] =
    "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n";

/* flush_empty - emit the empty lines held back, now that content follows */
static int
flush_empty(struct sign_body *b)
{
	size_t n;
	int rc;

	while (b->empty > 0) {
		n = b->empty > 16 ? 16 : (size_t)b->empty;
		if ((rc = emit(b, crlfs, 2 * n)) != MAUTH_OK)
			return rc;
		b->empty -= n;
	}
	return MAUTH_OK;
}

/* content - non-empty line content p[0..n): pending lines, then the bytes */
static int
content(struct sign_body *b, const uint8_t *p, size_t n)
{
	int rc;

	if (n == 0)
		return MAUTH_OK;
	if (!b->open) {
		if ((rc = flush_empty(b)) != MAUTH_OK)
			return rc;
		b->open = true;
	}
	return emit(b, p, n);
}

/*
 * relaxed_part - a part of one line in relaxed form (RFC 6376 3.4.4): runs
 * of WSP become one SP, emitted only when non-WSP content follows on the
 * same line (so trailing WSP disappears).
 */
static int
relaxed_part(struct sign_body *b, const uint8_t *p, size_t n)
{
	size_t i, start;
	int rc;

	i = 0;
	while (i < n) {
		if (p[i] == ' ' || p[i] == '\t') {
			b->wsp = true;
			while (i < n && (p[i] == ' ' || p[i] == '\t'))
				i++;
			continue;
		}
		start = i;
		while (i < n && p[i] != ' ' && p[i] != '\t')
			i++;
		if (b->wsp) {
			if (!b->open) {
				if ((rc = flush_empty(b)) != MAUTH_OK)
					return rc;
				b->open = true;
			}
			if ((rc = emit(b, " ", 1)) != MAUTH_OK)
				return rc;
			b->wsp = false;
		}
		if ((rc = content(b, p + start, i - start)) != MAUTH_OK)
			return rc;
	}
	return MAUTH_OK;
}

/* part - line content p[0..n) (no line break in it) */
static int
part(struct sign_body *b, const uint8_t *p, size_t n)
{
	if (b->canon == MAUTH_CANON_RELAXED)
		return relaxed_part(b, p, n);
	return content(b, p, n);
}

/* eol - end of a line: a content line gets its CRLF, an empty one waits */
static int
eol(struct sign_body *b)
{
	b->wsp = false;
	if (!b->open) {
		b->empty++;
		return MAUTH_OK;
	}
	b->open = false;
	return emit(b, "\r\n", 2);
}

/* sign_body_init - a canonicalizer for MAUTH_CANON_SIMPLE or _RELAXED */
int
sign_body_init(struct sign_body *b, int canon)
{
	memset(b, 0, offsetof(struct sign_body, stage));
	b->canon = canon;
	if ((b->md = EVP_MD_CTX_new()) == NULL)
		return MAUTH_ERR_NOMEM;
	if (EVP_DigestInit_ex(b->md, sign_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(b->md);
		b->md = NULL;
		return MAUTH_ERR_INTERNAL;
	}
	return MAUTH_OK;
}

/* sign_body_add - canonicalize and hash one chunk (RFC 6376 3.4.3, 3.4.4) */
int
sign_body_add(struct sign_body *b, const void *buf, size_t len)
{
	const uint8_t *p = buf, *end = p + len, *lf;
	size_t n;
	int rc;

	if (b->done)
		return MAUTH_ERR_INVAL;
	if (len == 0)
		return MAUTH_OK;
	if (b->cr) {
		/* the previous chunk ended in CR: CRLF, or a CR in the line */
		b->cr = false;
		if (*p == '\n') {
			if ((rc = eol(b)) != MAUTH_OK)
				return rc;
			p++;
		} else if ((rc = part(b, (const uint8_t *)"\r", 1)) != MAUTH_OK)
			return rc;
	}
	while (p < end) {
		lf = memchr(p, '\n', (size_t)(end - p));
		if (lf == NULL) {
			/* a partial line; a final CR may start a CRLF */
			n = (size_t)(end - p);
			if (p[n - 1] == '\r') {
				b->cr = true;
				n--;
			}
			return part(b, p, n);
		}
		n = (size_t)(lf - p);
		if (n > 0 && p[n - 1] == '\r')	/* CRLF; else bare LF */
			n--;
		if ((rc = part(b, p, n)) != MAUTH_OK || (rc = eol(b)) != MAUTH_OK)
			return rc;
		p = lf + 1;
	}
	return MAUTH_OK;
}

/*
 * sign_body_final - finish: a last line without a line break gets one; the
 * empty body is CRLF in simple form (RFC 6376 3.4.3) and empty in relaxed
 * form (3.4.4).
 */
int
sign_body_final(struct sign_body *b, uint8_t out[32], uint64_t *len)
{
	unsigned int olen;
	int rc;

	if (b->done)
		return MAUTH_ERR_INVAL;
	if (b->cr) {
		b->cr = false;
		if ((rc = part(b, (const uint8_t *)"\r", 1)) != MAUTH_OK)
			return rc;
	}
	if (b->open && (rc = eol(b)) != MAUTH_OK)
		return rc;
	if (b->canon == MAUTH_CANON_SIMPLE && b->len == 0 &&
	    (rc = emit(b, "\r\n", 2)) != MAUTH_OK)
		return rc;
	if ((rc = stage_flush(b)) != MAUTH_OK)
		return rc;
	b->done = true;
	if (EVP_DigestFinal_ex(b->md, out, &olen) != 1 || olen != 32)
		return MAUTH_ERR_INTERNAL;
	if (len != NULL)
		*len = b->len;
	return MAUTH_OK;
}

void
sign_body_free(struct sign_body *b)
{
	if (b == NULL)
		return;
	EVP_MD_CTX_free(b->md);
	b->md = NULL;
}

/* ---- header fields ------------------------------------------------------ */

/*
 * sign_canon_header - one header field in canonical form: simple (RFC 6376
 * 3.4.1: unchanged, bare LF as CRLF) or relaxed (3.4.2: name lowercased,
 * unfolded, WSP runs as one SP, no WSP at the ends of the value or around
 * the colon).
 */
void
sign_canon_header(struct buf *out, int canon, const char *name, size_t nlen,
    const char *value, size_t vlen, bool crlf)
{
	size_t i, start;
	bool wsp, any;
	char c;

	/* a final line break is not part of the value */
	if (vlen > 0 && value[vlen - 1] == '\n') {
		vlen--;
		if (vlen > 0 && value[vlen - 1] == '\r')
			vlen--;
	}
	if (canon == MAUTH_CANON_SIMPLE) {
		buf_append(out, name, nlen);
		buf_putc(out, ':');
		start = 0;
		for (i = 0; i < vlen; i++) {
			if (value[i] == '\n' && (i == 0 || value[i - 1] != '\r')) {
				buf_append(out, value + start, i - start);
				buf_putc(out, '\r');
				start = i;
			}
		}
		buf_append(out, value + start, vlen - start);
	} else {
		while (nlen > 0 && (name[nlen - 1] == ' ' ||
		    name[nlen - 1] == '\t'))
			nlen--;
		for (i = 0; i < nlen; i++)
			buf_putc(out, name[i] >= 'A' && name[i] <= 'Z' ?
			    (char)(name[i] - 'A' + 'a') : name[i]);
		buf_putc(out, ':');
		wsp = any = false;
		for (i = 0; i < vlen; i++) {
			c = value[i];
			if (c == '\r' || c == '\n')
				continue;	/* unfold */
			if (c == ' ' || c == '\t') {
				wsp = true;
				continue;
			}
			if (wsp && any)
				buf_putc(out, ' ');
			wsp = false;
			any = true;
			buf_putc(out, c);
		}
	}
	if (crlf)
		buf_append(out, "\r\n", 2);
}
