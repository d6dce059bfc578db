/*
 * fuzz_headers.c - libFuzzer harness: the streaming header splitter.
 * Byte 0 picks small limits (so the limit paths are reached), byte 1 seeds
 * the chunk sizes; the rest is the message.  It is split twice, whole and
 * in chunks, and the two runs must see exactly the same events.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mauth/common.h"
#include "../../src/lib/message/message_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A digest of the events (FNV-1a) and sanity counters. */
struct digest {
	uint64_t	h;
	size_t		nheaders;
	size_t		neoh;
	size_t		max_field;
};

static void
mix(struct digest *d, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++) {
		d->h ^= s[i];
		d->h *= 1099511628211ULL;
	}
}

static int
on_header(void *arg, const struct msg_header *h)
{
	struct digest *d = arg;

	if (d->neoh != 0 || h->rawlen > d->max_field ||
	    h->namelen == 0 || h->name != h->raw ||
	    h->value < h->raw || h->value + h->valuelen > h->raw + h->rawlen ||
	    h->index != d->nheaders)
		abort();
	d->nheaders++;
	mix(d, "H", 1);
	mix(d, h->raw, h->rawlen);
	mix(d, &h->namelen, sizeof(h->namelen));
	mix(d, &h->valuelen, sizeof(h->valuelen));
	return 0;
}

static int
on_eoh(void *arg)
{
	struct digest *d = arg;

	if (d->neoh++ != 0)
		abort();
	mix(d, "E", 1);
	return 0;
}

static int
on_body(void *arg, const char *p, size_t n)
{
	struct digest *d = arg;

	if (d->neoh != 1 || n == 0)
		abort();
	mix(d, p, n);
	return 0;
}

/* split - run the splitter; chunk 0 = whole, else chunk sizes from seed */
static void
split(const uint8_t *p, size_t n, const struct msg_limits *lim, unsigned seed,
    bool chunked, struct digest *d)
{
	struct msg_callbacks cb = { on_header, on_eoh, on_body, NULL };
	struct msg_split *sp;
	uint32_t x = seed * 2654435761u + 1;
	size_t off = 0, k;
	const char *l;

	memset(d, 0, sizeof(*d));
	d->h = 1469598103934665603ULL;
	d->max_field = lim->max_field;
	cb.arg = d;
	if ((sp = msg_split_new(lim, &cb)) == NULL)
		return;
	while (off < n) {
		x = x * 1103515245u + 12345u;
		k = chunked ? 1 + (x >> 16) % (1 + (seed & 31)) : n;
		if (k > n - off)
			k = n - off;
		if (msg_split_write(sp, p + off, k) != 0)
			abort();
		off += k;
	}
	if (msg_split_finish(sp) != 0 || d->neoh != 1 ||
	    msg_split_headers(sp) != d->nheaders ||
	    msg_split_headers(sp) > lim->max_headers)
		abort();
	mix(d, &d->nheaders, sizeof(d->nheaders));
	k = msg_split_dropped(sp);
	mix(d, &k, sizeof(k));
	k = msg_split_anomalies(sp);
	mix(d, &k, sizeof(k));
	k = msg_split_long_lines(sp);
	mix(d, &k, sizeof(k));
	if ((l = msg_split_limit(sp)) != NULL)
		mix(d, l, strlen(l));
	msg_split_free(sp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_limits lim;
	struct digest a, b;

	if (size < 2)
		return 0;
	lim.max_headers = 1 + (data[0] & 7);
	lim.max_field = 8 + (size_t)(data[0] >> 3) * 16;
	lim.max_line = 4 + (size_t)(data[0] >> 2) * 8;
	if (data[0] == 0xff) {
		lim.max_headers = MSG_DEFAULT_MAX_HEADERS;
		lim.max_field = MSG_DEFAULT_MAX_FIELD;
		lim.max_line = MSG_DEFAULT_MAX_LINE;
	}
	split(data + 2, size - 2, &lim, data[1], false, &a);
	split(data + 2, size - 2, &lim, data[1], true, &b);
	if (a.h != b.h || a.nheaders != b.nheaders)
		abort();
	return 0;
}
