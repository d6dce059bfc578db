/*
 * dmarc_record.c - the DMARC Policy Record: recognition (RFC 9989 4.10 step
 * 2, RFC 7489 6.6.3 step 2), tag parsing (RFC 9989 4.7 and 4.8, RFC 7489
 * 6.3 and 6.4) and the domain name helpers of the engine.
 */
#include <stdio.h>
#include <string.h>

#include "mauth/dmarc.h"
#include "dmarc_int.h"
#include "util/ascii.h"
#include "util/str.h"

/* Tags the engine knows; bit positions in the "seen" mask. */
enum {
	TAG_V = 0, TAG_P, TAG_SP, TAG_NP, TAG_ADKIM, TAG_ASPF, TAG_PSD, TAG_T,
	TAG_PCT, TAG_RUA, TAG_RUF, TAG_FO, TAG_RF, TAG_RI, TAG_NKNOWN
};

static const char *const tag_names[TAG_NKNOWN] = {
	"v", "p", "sp", "np", "adkim", "aspf", "psd", "t", "pct", "rua",
	"ruf", "fo", "rf", "ri"
};

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* trim - drop WSP at both ends of s[0..*len); returns the new start */
static const char *
trim(const char *s, size_t *len)
{
	while (*len > 0 && is_wsp(s[0])) {
		s++;
		(*len)--;
	}
	while (*len > 0 && is_wsp(s[*len - 1]))
		(*len)--;
	return s;
}

/* dmarc_policy_name - the token of a policy value */
const char *
dmarc_policy_name(int policy)
{
	switch (policy) {
	case MAUTH_DMARC_POLICY_NONE:
		return "none";
	case MAUTH_DMARC_POLICY_QUARANTINE:
		return "quarantine";
	case MAUTH_DMARC_POLICY_REJECT:
		return "reject";
	default:
		return "";
	}
}

/* parse_policy - RFC 9989 4.7 p/sp/np values (RFC 5234: case-insensitive) */
static int
parse_policy(const char *v, size_t len)
{
	if (str_caseeq_n(v, len, "none", 4))
		return MAUTH_DMARC_POLICY_NONE;
	if (str_caseeq_n(v, len, "quarantine", 10))
		return MAUTH_DMARC_POLICY_QUARANTINE;
	if (str_caseeq_n(v, len, "reject", 6))
		return MAUTH_DMARC_POLICY_REJECT;
	return DMARC_POLICY_INVALID;
}

/* parse_letter - a one-letter value among allowed (lower case), or 0 */
static char
parse_letter(const char *v, size_t len, const char *allowed)
{
	char c;

	if (len != 1)
		return 0;
	c = str_lower(v[0]);
	return strchr(allowed, c) != NULL && c != '\0' ? c : 0;
}

/*
 * uri_valid - RFC 9989 4.8 dmarc-uri: an absolute URI (RFC 3986 scheme ":"
 * and something after it), with the obsolete "!size" suffix of RFC 7489
 * tolerated.  Only the shape is checked; no scheme is preferred here.
 */
static bool
uri_valid(const char *u, size_t len)
{
	size_t i, colon = 0, bang;

	/* RFC 7489 6.4: "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] */
	for (bang = len; bang > 0; bang--)
		if (u[bang - 1] == '!')
			break;
	if (bang > 0) {
		i = bang;
		while (i < len && ascii_is_digit(u[i]))
			i++;
		if (i > bang && (i == len || (i + 1 == len &&
		    strchr("kmgtKMGT", u[i]) != NULL)))
			len = bang - 1;
	}
	if (len == 0 || !ascii_is_alpha(u[0]))
		return false;
	for (i = 1; i < len && u[i] != ':'; i++)
		if (!ascii_is_alnum(u[i]) && u[i] != '+' &&
		    u[i] != '-' && u[i] != '.')
			return false;
	if (i >= len)
		return false;
	colon = i;
	if (colon + 1 >= len)
		return false;
	for (i = colon + 1; i < len; i++)
		if ((unsigned char)u[i] <= 0x20 || (unsigned char)u[i] >= 0x7f)
			return false;
	return true;
}

/* count_uris - syntactically valid URIs of a comma-separated list */
static unsigned
count_uris(const char *v, size_t len)
{
	const char *end = v + len, *comma, *u;
	unsigned n = 0, seen = 0;
	size_t ulen;

	for (;;) {
		comma = memchr(v, ',', (size_t)(end - v));
		if (comma == NULL)
			comma = end;
		ulen = (size_t)(comma - v);
		u = trim(v, &ulen);
		if (uri_valid(u, ulen))
			n++;
		if (comma == end || ++seen >= DMARC_MAX_URIS)
			break;
		v = comma + 1;
	}
	return n;
}

/* tag_index - the known tag named s[0..len), or -1 */
static int
tag_index(const char *s, size_t len)
{
	size_t i, n;

	for (i = 0; i < TAG_NKNOWN; i++) {
		n = strlen(tag_names[i]);
		if (str_caseeq_n(s, len, tag_names[i], n))
			return (int)i;
	}
	return -1;
}

/* name_valid - RFC 9989 4.8 tag name: ALPHA *(ALPHA / DIGIT / "_") */
static bool
tag_name_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || !ascii_is_alpha(s[0]))
		return false;
	for (i = 1; i < len; i++)
		if (!ascii_is_alnum(s[i]) && s[i] != '_')
			return false;
	return true;
}

/* apply_tag - store the value of known tag t in rec */
static void
apply_tag(struct dmarc_record *rec, int t, const char *v, size_t len)
{
	uint64_t n;
	char c;

	switch (t) {
	case TAG_P:
		rec->p = parse_policy(v, len);
		break;
	case TAG_SP:
		rec->sp = parse_policy(v, len);
		break;
	case TAG_NP:
		rec->np = parse_policy(v, len);
		break;
	case TAG_ADKIM:
	case TAG_ASPF:
		if ((c = parse_letter(v, len, "rs")) == 0)
			rec->bad_value = true;
		else if (t == TAG_ADKIM)
			rec->adkim = c;
		else
			rec->aspf = c;
		break;
	case TAG_PSD:
		if ((c = parse_letter(v, len, "ynu")) == 0)
			rec->bad_value = true;
		else
			rec->psd = c;
		break;
	case TAG_T:
		if ((c = parse_letter(v, len, "yn")) == 0)
			rec->bad_value = true;
		else
			rec->testing = c == 'y';
		break;
	case TAG_PCT:
		if (str_to_u64(v, len, 100, &n))
			rec->pct = (int)n;
		else
			rec->bad_value = true;
		break;
	case TAG_RUA:
		rec->rua.p = v;
		rec->rua.len = len;
		rec->rua_valid = count_uris(v, len);
		break;
	case TAG_RUF:
		rec->ruf.p = v;
		rec->ruf.len = len;
		rec->ruf_valid = count_uris(v, len);
		break;
	case TAG_FO:
		rec->fo.p = v;
		rec->fo.len = len;
		break;
	case TAG_RF:
		rec->rf.p = v;
		rec->rf.len = len;
		break;
	case TAG_RI:
		rec->ri.p = v;
		rec->ri.len = len;
		break;
	}
}

/*
 * version_tag - whether s[0..len) starts with the version tag "v" equals
 * %s"DMARC1" followed by the end or a separator (RFC 9989 4.8).  *next is
 * set past the version value.
 */
static bool
version_tag(const char *s, size_t len, size_t *next)
{
	size_t i = 0;

	/* leading WSP is tolerated (the ABNF has none; decision, see README) */
	while (i < len && is_wsp(s[i]))
		i++;
	if (i >= len || (s[i] != 'v' && s[i] != 'V'))
		return false;
	i++;
	while (i < len && is_wsp(s[i]))
		i++;
	if (i >= len || s[i] != '=')
		return false;
	i++;
	while (i < len && is_wsp(s[i]))
		i++;
	if (len - i < 6 || memcmp(s + i, "DMARC1", 6) != 0)
		return false;
	i += 6;
	*next = i;
	while (i < len && is_wsp(s[i]))
		i++;
	return i == len || s[i] == ';';
}

/* dmarc_record_parse - see dmarc_int.h */
int
dmarc_record_parse(const uint8_t *data, size_t len, struct dmarc_record *rec,
    char *err, size_t errlen)
{
	const char *s = (const char *)data, *end, *semi, *tag, *eq, *name, *val;
	size_t i, pos, taglen, namelen, vallen, ntags = 0;
	uint32_t seen = 1u << TAG_V;
	int t;

	memset(rec, 0, sizeof(*rec));
	rec->p = rec->sp = rec->np = DMARC_TAG_ABSENT;
	rec->adkim = rec->aspf = 'r';
	rec->psd = 'u';
	rec->pct = DMARC_TAG_ABSENT;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (data == NULL || len > DMARC_MAX_RECORD_LEN ||
	    !version_tag(s, len, &pos))
		return DMARC_REC_NOT_DMARC;
	/* untrusted bytes: a NUL or a control byte makes the record unusable */
	for (i = 0; i < len; i++) {
		if ((data[i] < 0x20 && data[i] != '\t') || data[i] == 0x7f) {
			if (err != NULL && errlen > 0)
				snprintf(err, errlen, "control byte 0x%02x at "
				    "offset %zu", data[i], i);
			return DMARC_REC_INVALID;
		}
	}
	end = s + len;
	s += pos;
	/* RFC 9989 4.8: *(dmarc-sep dmarc-tag) [dmarc-sep] */
	while (s < end) {
		semi = memchr(s, ';', (size_t)(end - s));
		if (semi == NULL)
			semi = end;
		taglen = (size_t)(semi - s);
		tag = trim(s, &taglen);
		s = semi + 1;
		if (taglen == 0)
			continue;	/* empty: ";;" or trailing */
		if (++ntags > DMARC_MAX_TAGS) {
			rec->unknown_tags++;
			break;
		}
		eq = memchr(tag, '=', taglen);
		if (eq == NULL) {
			rec->unknown_tags++;
			continue;
		}
		namelen = (size_t)(eq - tag);
		name = trim(tag, &namelen);
		vallen = taglen - (size_t)(eq - tag) - 1;
		val = trim(eq + 1, &vallen);
		if (!tag_name_valid(name, namelen)) {
			rec->unknown_tags++;
			continue;
		}
		/* RFC 9989 4.7: unknown tags MUST be ignored */
		if ((t = tag_index(name, namelen)) < 0) {
			rec->unknown_tags++;
			continue;
		}
		/* a repeated tag: the first one stands (decision) */
		if (seen & (1u << t)) {
			rec->unknown_tags++;
			continue;
		}
		seen |= 1u << t;
		apply_tag(rec, t, val, vallen);
	}
	return DMARC_REC_OK;
}

/* dmarc_name_norm - see dmarc_int.h */
bool
dmarc_name_norm(const char *name, size_t len, char *out, size_t outlen)
{
	size_t i, label = 0;
	unsigned char c;

	if (name == NULL || len == 0)
		return false;
	if (name[len - 1] == '.')
		len--;
	if (len == 0 || len > DMARC_NAME_MAX || len + 1 > outlen)
		return false;
	for (i = 0; i < len; i++) {
		c = (unsigned char)name[i];
		if (c <= 0x20 || c >= 0x7f || c == '@')
			return false;
		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (++label > 63)
			return false;
		out[i] = str_lower((char)c);
	}
	out[len] = '\0';
	return label > 0;
}

/* dmarc_name_labels - number of labels of a normalised name */
size_t
dmarc_name_labels(const char *name)
{
	size_t n = 1;

	if (*name == '\0')
		return 0;
	for (; *name != '\0'; name++)
		if (*name == '.')
			n++;
	return n;
}

/* dmarc_name_suffix - the rightmost n labels of name */
const char *
dmarc_name_suffix(const char *name, size_t n)
{
	size_t total = dmarc_name_labels(name), skip;

	if (n >= total)
		return name;
	for (skip = total - n; skip > 0; name++)
		if (*name == '.')
			skip--;
	return name;
}

/* dmarc_name_under - name equals suffix or is below it */
bool
dmarc_name_under(const char *name, const char *suffix)
{
	size_t nl = strlen(name), sl = strlen(suffix);

	if (sl > nl)
		return false;
	if (strcmp(name + nl - sl, suffix) != 0)
		return false;
	return nl == sl || name[nl - sl - 1] == '.';
}
