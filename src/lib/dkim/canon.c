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
#ifdef __SSE2__
#include <emmintrin.h>
#endif

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
	uint64_t over;
	int rc;

	b->len += n;
	if (b->limited && b->len > b->limit) {
		/* the verifier's l=: bytes past the limit are counted only */
		over = b->len - b->limit;
		n = over >= n ? 0 : n - (size_t)over;
	}
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

#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL

/* has_wsp8 - whether one of the 8 bytes at p is SP or HTAB (SWAR) */
static inline bool
has_wsp8(const uint8_t *p)
{
	uint64_t v, a, t;

	memcpy(&v, p, 8);
	a = v ^ (0x20 * ONES);
	t = v ^ (0x09 * ONES);
	return (((a - ONES) & ~a) | ((t - ONES) & ~t)) & HIGHS;
}

/* word - the length of the run of non-WSP bytes at p[0..n) */
static inline size_t
word(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i + 8 <= n && !has_wsp8(p + i))
		i += 8;
	while (i < n && p[i] != ' ' && p[i] != '\t')
		i++;
	return i;
}

/* zmask - the high bit of each byte of v that is zero, exactly */
static inline uint64_t
zmask(uint64_t v)
{
	const uint64_t low7 = 0x7f * ONES;

	return ~(((v & low7) + low7) | v | low7);
}

/*
 * relaxed_clean - whether p[0..n) is already in relaxed form: no HTAB, no
 * two SPs in a row, no SP at the end (most lines of text).  16 bytes at a
 * time with SSE2, else 8 (SWAR).
 */
static bool
relaxed_clean(const uint8_t *p, size_t n)
{
	uint64_t v, sp, prev = 0;
	size_t i = 0;

	if (n == 0 || p[n - 1] == ' ')
		return false;
#ifdef __SSE2__
	{
		const __m128i sp16 = _mm_set1_epi8(' ');
		const __m128i ht16 = _mm_set1_epi8('\t');
		unsigned m, last = 0;
		__m128i x;

		for (; i + 16 <= n; i += 16) {
			x = _mm_loadu_si128((const __m128i *)(const void *)
			    (p + i));
			if (_mm_movemask_epi8(_mm_cmpeq_epi8(x, ht16)) != 0)
				return false;
			m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x,
			    sp16));
			/* a SP after a SP: in these 16 bytes, or across */
			if ((m & (m << 1)) != 0 || (last && (m & 1)))
				return false;
			last = m >> 15;
		}
		prev = last;
	}
#endif
	for (; i + 8 <= n; i += 8) {
		memcpy(&v, p + i, 8);
		if (zmask(v ^ (0x09 * ONES)) != 0)
			return false;
		sp = zmask(v ^ (0x20 * ONES));
		/* a SP after a SP: in this word, or across the words */
		if ((sp & (sp << 8)) != 0 || (prev && (sp & 0x80) != 0))
			return false;
		prev = sp >> 63;
	}
	for (; i < n; i++) {
		if (p[i] == '\t')
			return false;
		if (p[i] == ' ') {
			if (prev)
				return false;
			prev = 1;
		} else
			prev = 0;
	}
	return true;
}

/*
 * scan_line - the offset of the first LF in p[0..n) (n if none), and in
 * *dirty whether the bytes before it may need a relaxed change (an HTAB or
 * two SPs in a row).  One pass, 16 bytes at a time with SSE2: it replaces
 * memchr plus relaxed_clean for the relaxed body.
 */
static size_t
scan_line(const uint8_t *p, size_t n, bool *dirty)
{
	const uint8_t *lf;
	unsigned carry = 0;
	size_t i = 0;

	*dirty = false;
#ifdef __SSE2__
	{
		const __m128i lf16 = _mm_set1_epi8('\n');
		const __m128i sp16 = _mm_set1_epi8(' ');
		const __m128i ht16 = _mm_set1_epi8('\t');
		unsigned lfm, spm, htm, bad, before;
		__m128i x;

		for (; i + 16 <= n; i += 16) {
			x = _mm_loadu_si128((const __m128i *)(const void *)
			    (p + i));
			lfm = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x,
			    lf16));
			spm = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x,
			    sp16));
			htm = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x,
			    ht16));
			bad = htm | (spm & ((spm << 1) | carry));
			if (lfm != 0) {
				before = (lfm & (0U - lfm)) - 1;
				*dirty = (bad & before) != 0;
				return i + (size_t)__builtin_ctz(lfm);
			}
			if (bad != 0) {
				*dirty = true;
				break;
			}
			carry = spm >> 15;
		}
	}
#endif
	if (*dirty) {
		lf = memchr(p + i, '\n', n - i);
		return lf != NULL ? (size_t)(lf - p) : n;
	}
	for (; i < n; i++) {
		if (p[i] == '\n')
			return i;
		if (p[i] == '\t' || (p[i] == ' ' && carry))
			*dirty = true;
		carry = p[i] == ' ';
	}
	return n;
}

/*
 * relaxed_part - a part of one line in relaxed form (RFC 6376 3.4.4): runs
 * of WSP become one SP, written only when non-WSP content follows on the
 * same line (so trailing WSP disappears).  Words are found 8 bytes at a
 * time and copied into the stage.
 */
static int
relaxed_part(struct sign_body *b, const uint8_t *p, size_t n)
{
	size_t i = 0, w;
	int rc;

	if (!b->wsp && relaxed_clean(p, n)) {
		/* nothing to change: one copy */
		return content(b, p, n);
	}
	while (i < n) {
		if (p[i] == ' ' || p[i] == '\t') {
			b->wsp = true;
			i++;
			continue;
		}
		w = word(p + i, n - i);
		if (!b->open) {
			if ((rc = flush_empty(b)) != MAUTH_OK)
				return rc;
			b->open = true;
		}
		if (b->wsp && b->limited) {
			if ((rc = emit(b, " ", 1)) != MAUTH_OK)
				return rc;
			b->wsp = false;
		} else if (b->wsp) {
			if (b->nstage == sizeof(b->stage) &&
			    (rc = stage_flush(b)) != MAUTH_OK)
				return rc;
			b->stage[b->nstage++] = ' ';
			b->len++;
			b->wsp = false;
		}
		if (!b->limited && w <= sizeof(b->stage) - b->nstage) {
			memcpy(b->stage + b->nstage, p + i, w);
			b->nstage += w;
			b->len += w;
		} else if ((rc = emit(b, p + i, w)) != MAUTH_OK)
			return rc;
		i += w;
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
	return sign_body_init_md(b, canon, sign_sha256(), false, 0);
}

/* sign_body_init_md - any digest, optionally a limit (the verifier's l=) */
int
sign_body_init_md(struct sign_body *b, int canon, const EVP_MD *md,
    bool limited, uint64_t limit)
{
	memset(b, 0, offsetof(struct sign_body, stage));
	b->canon = canon;
	b->limited = limited;
	b->limit = limit;
	if ((b->md = EVP_MD_CTX_new()) == NULL)
		return MAUTH_ERR_NOMEM;
	if (EVP_DigestInit_ex(b->md, md, NULL) != 1) {
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
	bool dirty;
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
		dirty = true;
		if (b->canon == MAUTH_CANON_RELAXED) {
			n = scan_line(p, (size_t)(end - p), &dirty);
			lf = n < (size_t)(end - p) ? p + n : NULL;
		} else {
			lf = memchr(p, '\n', (size_t)(end - p));
			dirty = false;
		}
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
		/*
		 * The common case, a whole line that needs no change, starting
		 * a line: held-back empty lines, then the line and its CRLF
		 * copied in one step.
		 */
		if (n > 0 && n + 2 <= sizeof(b->stage) && !b->open &&
		    !b->limited &&
		    !b->wsp && !dirty && (b->canon == MAUTH_CANON_SIMPLE ||
		    p[n - 1] != ' ')) {
			if ((b->empty > 0 &&
			    (rc = flush_empty(b)) != MAUTH_OK) ||
			    (n + 2 > sizeof(b->stage) - b->nstage &&
			    (rc = stage_flush(b)) != MAUTH_OK))
				return rc;
			memcpy(b->stage + b->nstage, p, n);
			b->stage[b->nstage + n] = '\r';
			b->stage[b->nstage + n + 1] = '\n';
			b->nstage += n + 2;
			b->len += n + 2;
			p = lf + 1;
			continue;
		}
		if ((rc = part(b, p, n)) != MAUTH_OK ||
		    (rc = eol(b)) != MAUTH_OK)
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
	if (EVP_MD_CTX_get_size(b->md) > 32 ||
	    EVP_DigestFinal_ex(b->md, out, &olen) != 1 || olen == 0)
		return MAUTH_ERR_INTERNAL;
	b->mdlen = olen;
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
	size_t i, start, n;
	bool wsp, any;
	char c, tmp[256];

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
			if (value[i] == '\n' &&
			    (i == 0 || value[i - 1] != '\r')) {
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
		n = 0;
		for (i = 0; i < nlen; i++) {
			if (n == sizeof(tmp)) {
				buf_append(out, tmp, n);
				n = 0;
			}
			c = name[i];
			tmp[n++] = c >= 'A' && c <= 'Z' ?
			    (char)(c - 'A' + 'a') : c;
		}
		if (n == sizeof(tmp)) {
			buf_append(out, tmp, n);
			n = 0;
		}
		tmp[n++] = ':';
		wsp = any = false;
		for (i = 0; i < vlen; i++) {
			c = value[i];
			if (c == '\r' || c == '\n')
				continue;	/* unfold */
			if (c == ' ' || c == '\t') {
				wsp = true;
				continue;
			}
			if (n + 2 > sizeof(tmp)) {
				buf_append(out, tmp, n);
				n = 0;
			}
			if (wsp && any)
				tmp[n++] = ' ';
			wsp = false;
			any = true;
			tmp[n++] = c;
		}
		buf_append(out, tmp, n);
	}
	if (crlf)
		buf_append(out, "\r\n", 2);
}
