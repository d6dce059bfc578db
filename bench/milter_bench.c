/*
 * milter_bench.c - messages per second through milter daemons, driven
 * over the milter protocol (version 6) the way an MTA drives them, several
 * connections at once, every reply checked.
 *
 *   milter_bench [-c CONNS] [-n MSGS] [-r ROUNDS] [-t EVERY] [-s SIZE]
 *       [-m MODES] [-w] [-v] CORPUS NAME=SOCKET[,PID[,MODES]] ...
 *
 * CORPUS is what bench/gen-corpus writes.  Each NAME is a milter listening
 * on SOCKET, unix:PATH or ADDR:PORT (IPv4); PID, when given, is the daemon
 * whose CPU time (utime + stime of /proc/PID/stat, all its threads) is
 * measured; MODES (MODE+MODE...), when given, are the only modes that
 * milter runs (e.g. a peer that signs with one algorithm only).  Modes
 * (-m, comma separated; default all four):
 *   verify-rsa  {rsa}-SIZE messages from an external client (192.0.2.25,
 *               SPF pass); every EVERY-th one has its body altered: the
 *               milter's Authentication-Results must say dkim=pass, or
 *               dkim=fail (and no pass) for an altered one
 *   verify-ed   the same with the Ed25519 set
 *   sign-rsa    the {rsa} set without its DKIM-Signature, From
 *               alice@bank.test, from an internal client (10.0.0.25): the
 *               reply must insert a DKIM-Signature with a=rsa-sha256 and
 *               d=bank.test
 *   sign-ed     the {ed} set, From alice@ed.bank.test: a=ed25519-sha256,
 *               d=ed.bank.test
 * Each round runs every mode on every milter in turn (after one warm-up
 * pass each).  A run: CONNS connections are opened and negotiated, then
 * the clock starts and MSGS messages are pushed through them, each
 * connection reusing itself for message after message (SMFIC_ABORT between
 * messages, as Postfix does within one SMTP session); the clock stops
 * before the connections quit.  Reported per mode and milter: medians of
 * messages per wall second and per daemon CPU second, and the ratio of the
 * first milter to each other.  -w inverts every expectation (a self-test of
 * the checks: every message must then be a mismatch).  Exit 0 only when no
 * reply was a mismatch or a protocol error.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfdef.h>

#include "bench_common.h"

#define MAX_MILTERS	4
#define MAX_CONNS	64
#define MAX_ROUNDS	15
#define MAX_HDRS	64
#define MAX_REPLY	(1024 * 1024)	/* one reply packet */
#define MAX_ADDED	8		/* header changes kept per message */
#define ADDED_LEN	4096		/* bytes kept of one added value */
#define CHUNK		MILTER_CHUNK_SIZE

/* what a reply must show */
enum expect {
	EXP_PASS,		/* A-R with dkim=pass */
	EXP_FAIL,		/* A-R with dkim=fail, no pass */
	EXP_SIGN		/* a DKIM-Signature, algorithm and domain */
};

struct hdr {
	char		*name;
	char		*value;	/* after the colon, leading space kept, LF folds */
	size_t		 vlen;
};

struct pmsg {
	struct hdr	 h[MAX_HDRS];
	size_t		 nh;
	unsigned char	*buf;	/* owned copy of the message */
	const unsigned char *body;
	size_t		 blen;
	enum expect	 expect;
};

struct mode {
	const char	*name;
	const char	*set;		/* rsa or ed */
	int		 sign;
	const char	*domain;	/* From and MAIL FROM domain */
	const char	*alg;		/* sign: the a= wanted */
	int		 on;
};

static struct mode modes[] = {
	{ "verify-rsa", "rsa", 0, "bank.test", NULL, 1 },
	{ "verify-ed", "ed", 0, "bank.test", NULL, 1 },
	{ "sign-rsa", "rsa", 1, "bank.test", "rsa-sha256", 1 },
	{ "sign-ed", "ed", 1, "ed.bank.test", "ed25519-sha256", 1 },
};
#define NMODES	(sizeof(modes) / sizeof(modes[0]))

struct milter {
	const char	*name;
	struct sockaddr_storage ss;
	socklen_t	 sslen;
	long		 pid;
	unsigned	 modes;		/* bit k: runs modes[k] */
};

/* one run: a mode on a milter */
struct run {
	const struct milter *ml;
	const struct mode *md;
	struct pmsg	*pm;
	size_t		 npm;
	size_t		 total;		/* messages to push */
	size_t		 next;		/* next message index (atomic) */
	size_t		 mismatch;	/* (atomic) */
	size_t		 errors;	/* protocol errors (atomic) */
	size_t		 done;		/* messages judged (atomic) */
	pthread_barrier_t start, stop;
	int		 invert;
};

/* one connection */
struct conn {
	struct run	*run;
	int		 fd;
	int		 id;
	uint32_t	 pflags;	/* protocol flags the milter chose */
	unsigned char	*wb;		/* one command */
	size_t		 wcap;
	unsigned char	 rb[16384];	/* read buffer */
	size_t		 roff, rlen;
	unsigned char	*pkt;		/* the last reply packet */
	size_t		 plen, pcap;
	char		 cmd;
	char		 added[MAX_ADDED][2][ADDED_LEN];
	size_t		 nadded;
	char		 final;
	unsigned long	 seq;
};

static int conns = 8, rounds = 3, tamper = 10, invert;
static size_t nper = 2000;
static const char *size_label = "5k";
static struct milter milters[MAX_MILTERS];
static size_t nmilters;
/* whether milter j runs mode k */
#define RUNS(j, k)	((milters[(j)].modes >> (k)) & 1u)
static int verbose;
static int no_nr;		/* -P: offer no no-reply stages */

/* daemon_cpu - CPU seconds (user + system, all threads) of pid */
static double
daemon_cpu(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	ssize_t n;
	FILE *f;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		die("cannot read a daemon's /proc/PID/stat");
	n = (ssize_t)fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	if (n <= 0)
		die("empty /proc/PID/stat");
	buf[n] = '\0';
	/* fields after "(comm)": state ppid pgrp session tty tpgid flags
	 * minflt cminflt majflt cmajflt utime stime */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	    &ut, &st) != 2)
		die("cannot parse /proc/PID/stat");
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* wall_now - monotonic seconds */
static double
wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* header_end - offset just past the blank line ending the header; 0 if none */
static size_t
header_end(const unsigned char *b, size_t len)
{
	size_t i;

	for (i = 0; i + 3 < len; i++)
		if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' &&
		    b[i + 3] == '\n')
			return i + 4;
	return 0;
}

/*
 * add_hdr - one header field (name, raw value after the colon up to its
 * final CRLF) into m; CRLF folds become LF folds, as Postfix sends them
 */
static void
add_hdr(struct pmsg *m, const char *name, size_t nlen, const char *v,
    size_t vlen)
{
	struct hdr *h;
	size_t i, o = 0;

	if (m->nh == MAX_HDRS)
		die("too many header fields in a corpus message");
	h = &m->h[m->nh++];
	if ((h->name = malloc(nlen + 1)) == NULL ||
	    (h->value = malloc(vlen + 1)) == NULL)
		die("out of memory");
	memcpy(h->name, name, nlen);
	h->name[nlen] = '\0';
	for (i = 0; i < vlen; i++)
		if (!(v[i] == '\r' && i + 1 < vlen && v[i + 1] == '\n'))
			h->value[o++] = v[i];
	h->value[o] = '\0';
	h->vlen = o;
}

/*
 * prepare - a corpus message as an MTA would pass it: header fields and
 * body; for signing the DKIM-Signature fields are dropped and From set to
 * the mode's domain; alter != 0 changes one body byte
 */
static void
prepare(struct pmsg *m, const struct bench_msg *b, const struct mode *md,
    int alter)
{
	const char *p, *end, *colon, *e;
	char from[128];
	size_t hend, i;
	int n;

	memset(m, 0, sizeof(*m));
	if ((m->buf = malloc(b->len + 1)) == NULL)
		die("out of memory");
	memcpy(m->buf, b->buf, b->len);
	if ((hend = header_end(m->buf, b->len)) == 0)
		die("a corpus message without a header end");
	p = (const char *)m->buf;
	end = p + hend - 2;
	while (p < end) {
		/* the field runs to a CRLF not followed by white space */
		for (e = p; e + 1 < end; e++)
			if (e[0] == '\r' && e[1] == '\n' &&
			    (e + 2 >= end || (e[2] != ' ' && e[2] != '\t')))
				break;
		if ((colon = memchr(p, ':', (size_t)(e - p))) == NULL)
			die("a corpus header field without a colon");
		if (md->sign && (size_t)(colon - p) == 14 &&
		    strncasecmp(p, "DKIM-Signature", 14) == 0)
			;
		else if (md->sign && (size_t)(colon - p) == 4 &&
		    strncasecmp(p, "From", 4) == 0) {
			n = snprintf(from, sizeof(from),
			    " Alice Example <alice@%s>", md->domain);
			if (n < 0 || (size_t)n >= sizeof(from))
				die("domain too long");
			add_hdr(m, p, 4, from, (size_t)n);
		} else
			add_hdr(m, p, (size_t)(colon - p), colon + 1,
			    (size_t)(e - colon - 1));
		p = e + 2;
	}
	m->body = m->buf + hend;
	m->blen = b->len - hend;
	if (alter) {
		/* one letter changed: the body hash no longer matches */
		for (i = 0; i < m->blen; i++)
			if (m->buf[hend + i] >= 'a' && m->buf[hend + i] <= 'z') {
				m->buf[hend + i] -= 'a' - 'A';
				break;
			}
	}
	m->expect = md->sign ? EXP_SIGN : alter ? EXP_FAIL : EXP_PASS;
}

/* load_mode - the prepared messages of one mode */
static struct pmsg *
load_mode(const char *corpus, const struct mode *md, size_t *np)
{
	char dir[4096];
	struct pmsg *pm;
	size_t i;
	int n;

	n = snprintf(dir, sizeof(dir), "%s/%s-%s", corpus, md->set,
	    size_label);
	if (n < 0 || (size_t)n >= sizeof(dir))
		die("corpus path too long");
	load_set(dir, NULL);
	if ((pm = calloc(nmsgs, sizeof(*pm))) == NULL)
		die("out of memory");
	for (i = 0; i < nmsgs; i++)
		prepare(&pm[i], &msgs[i], md, !md->sign && tamper > 0 &&
		    i % (size_t)tamper == (size_t)tamper - 1);
	*np = nmsgs;
	return pm;
}

/* free_mode - what load_mode made */
static void
free_mode(struct pmsg *pm, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < pm[i].nh; j++) {
			free(pm[i].h[j].name);
			free(pm[i].h[j].value);
		}
		free(pm[i].buf);
	}
	free(pm);
}

/* ---- the protocol: 4-byte big-endian length, command byte, data */

/* xwrite - all of buf; -1 on error */
static int
xwrite(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* cmd_reserve - room in c->wb for a command with len bytes of data */
static int
cmd_reserve(struct conn *c, size_t len)
{
	unsigned char *n;

	if (len + 5 <= c->wcap)
		return 0;
	if (len > MAX_REPLY)
		return -1;
	if ((n = realloc(c->wb, len + 5)) == NULL)
		return -1;
	c->wb = n;
	c->wcap = len + 5;
	return 0;
}

/* send_cmd - one command with its data */
static int
send_cmd(struct conn *c, char cmd, const void *data, size_t len)
{
	uint32_t n = htonl((uint32_t)len + 1);

	if (cmd_reserve(c, len) == -1)
		return -1;
	memcpy(c->wb, &n, 4);
	c->wb[4] = (unsigned char)cmd;
	if (len > 0)
		memcpy(c->wb + 5, data, len);
	return xwrite(c->fd, c->wb, len + 5);
}

/* fill - at least want bytes in the read buffer; -1 on EOF or error */
static int
fill(struct conn *c, size_t want)
{
	ssize_t n;

	if (c->roff > 0 && c->roff == c->rlen)
		c->roff = c->rlen = 0;
	while (c->rlen - c->roff < want) {
		if (c->roff > 0) {
			memmove(c->rb, c->rb + c->roff, c->rlen - c->roff);
			c->rlen -= c->roff;
			c->roff = 0;
		}
		if ((n = read(c->fd, c->rb + c->rlen,
		    sizeof(c->rb) - c->rlen)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return -1;
		c->rlen += (size_t)n;
	}
	return 0;
}

/* read_pkt - one reply packet into c->cmd, c->pkt/c->plen */
static int
read_pkt(struct conn *c)
{
	uint32_t n;
	size_t got, take;

	if (fill(c, 4) == -1)
		return -1;
	memcpy(&n, c->rb + c->roff, 4);
	n = ntohl(n);
	c->roff += 4;
	if (n < 1 || n > MAX_REPLY)
		return -1;
	if (fill(c, 1) == -1)
		return -1;
	c->cmd = (char)c->rb[c->roff++];
	n--;
	if ((size_t)n + 1 > c->pcap) {
		unsigned char *p = realloc(c->pkt, (size_t)n + 1);

		if (p == NULL)
			return -1;
		c->pkt = p;
		c->pcap = (size_t)n + 1;
	}
	/* the data may be larger than the read buffer */
	for (got = 0; got < n; got += take) {
		if (fill(c, 1) == -1)
			return -1;
		take = c->rlen - c->roff;
		if (take > n - got)
			take = n - got;
		memcpy(c->pkt + got, c->rb + c->roff, take);
		c->roff += take;
	}
	c->pkt[n] = '\0';
	c->plen = n;
	return 0;
}

/* reply - the next reply that is not a progress report; -1 on error */
static int
reply(struct conn *c)
{
	do {
		if (read_pkt(c) == -1)
			return -1;
	} while (c->cmd == SMFIR_PROGRESS);
	return 0;
}

/*
 * step - send a command and, unless the milter asked for no reply to it,
 * read the reply.  Returns 0 to go on, 1 when the milter ended the message
 * (reject, tempfail, accept, ...; c->final), 2 for skip, -1 on error.
 */
static int
step(struct conn *c, char cmd, const void *data, size_t len, uint32_t nr)
{
	if (send_cmd(c, cmd, data, len) == -1)
		return -1;
	if (nr != 0 && (c->pflags & nr))
		return 0;
	if (reply(c) == -1)
		return -1;
	if (c->cmd == SMFIR_CONTINUE)
		return 0;
	if (c->cmd == SMFIR_SKIP && cmd == SMFIC_BODY)
		return 2;
	c->final = c->cmd;
	return 1;
}

/* put - append len bytes to a command being built; -1 when full */
static int
put(unsigned char *b, size_t cap, size_t *off, const void *p, size_t len)
{
	if (len > cap - *off)
		return -1;
	memcpy(b + *off, p, len);
	*off += len;
	return 0;
}

/* put_str - a NUL-terminated string with its NUL */
static int
put_str(unsigned char *b, size_t cap, size_t *off, const char *s)
{
	return put(b, cap, off, s, strlen(s) + 1);
}

/* macros - SMFIC_MACRO for command cmd: name, value pairs, NULL-ended */
static int
macros(struct conn *c, char cmd, const char *const *nv)
{
	unsigned char b[1024];
	size_t off = 0;

	b[off++] = (unsigned char)cmd;
	for (; nv[0] != NULL; nv += 2)
		if (put_str(b, sizeof(b), &off, nv[0]) == -1 ||
		    put_str(b, sizeof(b), &off, nv[1]) == -1)
			return -1;
	return send_cmd(c, SMFIC_MACRO, b, off);
}

/*
 * conn_open - connect, negotiate (offering every action and protocol step
 * a current Postfix offers; honouring what the milter chooses), then the
 * SMTP connection and HELO
 */
static int
conn_open(struct conn *c)
{
	const struct mode *md = c->run->md;
	static const char *const cmac[] = { "j", "mx.sink.test",
	    "{daemon_name}", "milter-bench", "v", "milter_bench", NULL };
	const char *host = md->sign ? "submit.bank.test" : "mail.bank.test";
	const char *addr = md->sign ? "10.0.0.25" : "192.0.2.25";
	unsigned char b[512];
	uint32_t v[3];
	size_t off = 0;
	uint16_t port = htons(40000);
	uint32_t offered;
	int one = 1;

	if ((c->fd = socket(c->run->ml->ss.ss_family, SOCK_STREAM, 0)) == -1)
		return -1;
	/* as Postfix: no Nagle delay on the MTA side */
	if (c->run->ml->ss.ss_family == AF_INET)
		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	if (connect(c->fd, (const struct sockaddr *)&c->run->ml->ss,
	    c->run->ml->sslen) == -1)
		return -1;
	v[0] = htonl(SMFI_PROT_VERSION);
	v[1] = htonl(SMFI_CURR_ACTS);
	offered = no_nr ? SMFI_CURR_PROT & ~(uint32_t)(SMFIP_NR_HDR |
	    SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT |
	    SMFIP_NR_DATA | SMFIP_NR_UNKN | SMFIP_NR_EOH | SMFIP_NR_BODY) :
	    SMFI_CURR_PROT;
	v[2] = htonl(offered);
	if (send_cmd(c, SMFIC_OPTNEG, v, sizeof(v)) == -1 ||
	    read_pkt(c) == -1 || c->cmd != SMFIC_OPTNEG || c->plen < 12)
		return -1;
	memcpy(v, c->pkt, sizeof(v));
	if (ntohl(v[0]) < 2)
		return -1;
	/* the milter may only choose steps that were offered */
	c->pflags = ntohl(v[2]);
	if (c->pflags & ~offered)
		return -1;
	if (!(c->pflags & SMFIP_NOCONNECT)) {
		if (macros(c, SMFIC_CONNECT, cmac) == -1)
			return -1;
		if (put_str(b, sizeof(b), &off, host) == -1 ||
		    put(b, sizeof(b), &off, "4", 1) == -1 ||
		    put(b, sizeof(b), &off, &port, 2) == -1 ||
		    put_str(b, sizeof(b), &off, addr) == -1)
			return -1;
		if (step(c, SMFIC_CONNECT, b, off, SMFIP_NR_CONN) != 0)
			return -1;
	}
	if (!(c->pflags & SMFIP_NOHELO) &&
	    step(c, SMFIC_HELO, host, strlen(host) + 1, SMFIP_NR_HELO) != 0)
		return -1;
	return 0;
}

/* keep - note one header change of the end-of-message replies */
static void
keep(struct conn *c, int indexed)
{
	const char *name, *val;
	size_t off = indexed ? 4 : 0, nl;

	if (c->nadded == MAX_ADDED || c->plen < off + 2)
		return;
	name = (const char *)c->pkt + off;
	nl = strnlen(name, c->plen - off);
	if (off + nl + 1 >= c->plen)
		return;
	val = name + nl + 1;
	snprintf(c->added[c->nadded][0], ADDED_LEN, "%s", name);
	snprintf(c->added[c->nadded][1], ADDED_LEN, "%s", val);
	c->nadded++;
}

/* tag_is - value has the tag "t=want" (RFC 6376 3.2 tag-list, FWS allowed) */
static int
tag_is(const char *value, const char *tag, const char *want)
{
	const char *p = value, *q;
	size_t tl = strlen(tag), wl = strlen(want);

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (strncmp(p, tag, tl) == 0) {
			q = p + tl;
			while (*q == ' ' || *q == '\t' || *q == '\r' ||
			    *q == '\n')
				q++;
			if (*q == '=') {
				q++;
				while (*q == ' ' || *q == '\t' || *q == '\r' ||
				    *q == '\n')
					q++;
				if (strncmp(q, want, wl) == 0 &&
				    (q[wl] == ';' || q[wl] == '\0' ||
				    q[wl] == ' ' || q[wl] == '\t' ||
				    q[wl] == '\r' || q[wl] == '\n'))
					return 1;
			}
		}
		if ((p = strchr(p, ';')) == NULL)
			return 0;
		p++;
	}
	return 0;
}

/* judge - whether the replies to m are what its mode wants; why if not */
static int
judge(const struct conn *c, const struct pmsg *m, const char **why)
{
	const struct mode *md = c->run->md;
	enum expect want = m->expect;
	const char *d = md->domain;
	size_t i;

	if (c->run->invert) {
		if (want == EXP_PASS)
			want = EXP_FAIL;
		else if (want == EXP_FAIL)
			want = EXP_PASS;
		else
			d = "wrong.test";
	}
	if (c->final != SMFIR_ACCEPT && c->final != SMFIR_CONTINUE) {
		*why = "the message was not accepted";
		return 0;
	}
	for (i = 0; i < c->nadded; i++) {
		const char *n = c->added[i][0], *v = c->added[i][1];

		if (want == EXP_SIGN && strcasecmp(n, "DKIM-Signature") == 0 &&
		    tag_is(v, "a", md->alg) && tag_is(v, "d", d))
			return 1;
		if (want != EXP_SIGN &&
		    strcasecmp(n, "Authentication-Results") == 0) {
			if (want == EXP_PASS && strstr(v, "dkim=pass") != NULL)
				return 1;
			if (want == EXP_FAIL && strstr(v, "dkim=fail") != NULL &&
			    strstr(v, "dkim=pass") == NULL)
				return 1;
		}
	}
	*why = want == EXP_SIGN ? "no DKIM-Signature with the wanted a= and d=" :
	    want == EXP_PASS ? "no Authentication-Results with dkim=pass" :
	    "no Authentication-Results with dkim=fail only";
	return 0;
}

/* send_message - one message; 0 when judged, -1 on a protocol error */
static int
send_message(struct conn *c, const struct pmsg *m)
{
	const struct mode *md = c->run->md;
	char qid[32], addr[128], hb[70000];
	const char *mmac[] = { "i", qid, "{mail_addr}", addr, NULL };
	static const char *const rmac[] = { "{rcpt_addr}", "bob@sink.test",
	    NULL };
	size_t i, off, n, blen;
	const char *v, *why;
	int rc = 0, lead;

	c->nadded = 0;
	c->final = 0;
	snprintf(qid, sizeof(qid), "B%02X%08lX", c->id, c->seq++);
	snprintf(addr, sizeof(addr), "alice@%s", md->domain);
	if (!(c->pflags & SMFIP_NOMAIL)) {
		if (macros(c, SMFIC_MAIL, mmac) == -1)
			return -1;
		snprintf(hb, sizeof(hb), "<%s>", addr);
		rc = step(c, SMFIC_MAIL, hb, strlen(hb) + 1, SMFIP_NR_MAIL);
	}
	if (rc == 0 && !(c->pflags & SMFIP_NORCPT)) {
		if (macros(c, SMFIC_RCPT, rmac) == -1)
			return -1;
		rc = step(c, SMFIC_RCPT, "<bob@sink.test>", 16, SMFIP_NR_RCPT);
	}
	if (rc == 0 && !(c->pflags & SMFIP_NODATA))
		rc = step(c, SMFIC_DATA, NULL, 0, SMFIP_NR_DATA);
	lead = (c->pflags & SMFIP_HDR_LEADSPC) != 0;
	for (i = 0; rc == 0 && !(c->pflags & SMFIP_NOHDRS) && i < m->nh; i++) {
		v = m->h[i].value;
		n = m->h[i].vlen;
		/* without SMFIP_HDR_LEADSPC the MTA drops the space */
		if (!lead && n > 0 && (v[0] == ' ' || v[0] == '\t')) {
			v++;
			n--;
		}
		off = 0;
		if (put_str((unsigned char *)hb, sizeof(hb), &off,
		    m->h[i].name) == -1 ||
		    put((unsigned char *)hb, sizeof(hb), &off, v, n) == -1 ||
		    put((unsigned char *)hb, sizeof(hb), &off, "", 1) == -1)
			return -1;
		rc = step(c, SMFIC_HEADER, hb, off, SMFIP_NR_HDR);
	}
	if (rc == 0 && !(c->pflags & SMFIP_NOEOH))
		rc = step(c, SMFIC_EOH, NULL, 0, SMFIP_NR_EOH);
	for (off = 0; rc == 0 && !(c->pflags & SMFIP_NOBODY) &&
	    off < m->blen; off += blen) {
		blen = m->blen - off > CHUNK ? CHUNK : m->blen - off;
		rc = step(c, SMFIC_BODY, m->body + off, blen, SMFIP_NR_BODY);
	}
	if (rc == 2)
		rc = 0;		/* skip: no more body */
	if (rc == -1)
		return -1;
	if (rc == 0) {
		/* end of message: header changes, then the final reply */
		if (send_cmd(c, SMFIC_BODYEOB, NULL, 0) == -1)
			return -1;
		for (;;) {
			if (reply(c) == -1)
				return -1;
			if (c->cmd == SMFIR_ADDHEADER)
				keep(c, 0);
			else if (c->cmd == SMFIR_INSHEADER ||
			    c->cmd == SMFIR_CHGHEADER)
				keep(c, 1);
			else if (c->cmd == SMFIR_ACCEPT ||
			    c->cmd == SMFIR_CONTINUE ||
			    c->cmd == SMFIR_REJECT ||
			    c->cmd == SMFIR_TEMPFAIL ||
			    c->cmd == SMFIR_REPLYCODE ||
			    c->cmd == SMFIR_DISCARD ||
			    c->cmd == SMFIR_SHUTDOWN ||
			    c->cmd == SMFIR_CONN_FAIL) {
				c->final = c->cmd;
				break;
			}
			/* quarantine, body, recipient changes: noted only */
		}
	}
	/* message done: reset the milter for the next one (no reply) */
	if (send_cmd(c, SMFIC_ABORT, NULL, 0) == -1)
		return -1;
	if (!judge(c, m, &why)) {
		__atomic_add_fetch(&c->run->mismatch, 1, __ATOMIC_RELAXED);
		if (verbose || (c->run->invert == 0 &&
		    __atomic_load_n(&c->run->mismatch, __ATOMIC_RELAXED) <= 5))
			fprintf(stderr, "%s: %s %s %s: %s (final '%c'%s%.200s, "
			    "%zu header changes)\n", bench_prog,
			    c->run->ml->name, md->name, qid, why,
			    c->final != 0 ? c->final : '-',
			    c->final == SMFIR_REPLYCODE ? " " : "",
			    c->final == SMFIR_REPLYCODE ? (char *)c->pkt : "",
			    c->nadded);
	}
	return 0;
}

/* worker - one connection: open, wait for the start, push messages */
static void *
worker(void *arg)
{
	struct conn *c = arg;
	struct run *r = c->run;
	size_t i;
	int ok;

	ok = conn_open(c) == 0;
	if (!ok) {
		fprintf(stderr, "%s: %s: connection %d: cannot open or "
		    "negotiate\n", bench_prog, r->ml->name, c->id);
		__atomic_add_fetch(&r->errors, 1, __ATOMIC_RELAXED);
	}
	pthread_barrier_wait(&r->start);
	while (ok && (i = __atomic_fetch_add(&r->next, 1, __ATOMIC_RELAXED)) <
	    r->total) {
		if (send_message(c, &r->pm[i % r->npm]) == -1) {
			fprintf(stderr, "%s: %s: connection %d: protocol "
			    "error or connection lost\n", bench_prog,
			    r->ml->name, c->id);
			__atomic_add_fetch(&r->errors, 1, __ATOMIC_RELAXED);
			ok = 0;
			break;
		}
		__atomic_add_fetch(&r->done, 1, __ATOMIC_RELAXED);
	}
	pthread_barrier_wait(&r->stop);
	if (ok)
		(void)send_cmd(c, SMFIC_QUIT, NULL, 0);
	if (c->fd != -1)
		close(c->fd);
	return NULL;
}

struct measure {
	double	wall, dcpu, ccpu;
	size_t	done, mismatch, errors;
};

/* run_once - one run of md on ml with total messages */
static void
run_once(const struct milter *ml, const struct mode *md, struct pmsg *pm,
    size_t npm, size_t total, int nconn, struct measure *out)
{
	pthread_t th[MAX_CONNS];
	struct conn *cs;
	struct run r;
	double w0, d0, c0;
	int i;

	memset(&r, 0, sizeof(r));
	r.ml = ml;
	r.md = md;
	r.pm = pm;
	r.npm = npm;
	r.total = total;
	r.invert = invert;
	if ((cs = calloc((size_t)nconn, sizeof(*cs))) == NULL)
		die("out of memory");
	if (pthread_barrier_init(&r.start, NULL, (unsigned)nconn + 1) != 0 ||
	    pthread_barrier_init(&r.stop, NULL, (unsigned)nconn + 1) != 0)
		die("pthread_barrier_init");
	for (i = 0; i < nconn; i++) {
		cs[i].run = &r;
		cs[i].fd = -1;
		cs[i].id = i;
		if (pthread_create(&th[i], NULL, worker, &cs[i]) != 0)
			die("pthread_create");
	}
	/* every connection open and negotiated: the clock starts */
	pthread_barrier_wait(&r.start);
	w0 = wall_now();
	d0 = daemon_cpu(ml->pid);
	c0 = cpu_now();
	/* every message answered; the connections quit after the stamps */
	pthread_barrier_wait(&r.stop);
	out->wall = wall_now() - w0;
	out->dcpu = daemon_cpu(ml->pid) - d0;
	out->ccpu = cpu_now() - c0;
	for (i = 0; i < nconn; i++)
		pthread_join(th[i], NULL);
	out->done = r.done;
	out->mismatch = r.mismatch;
	out->errors = r.errors;
	pthread_barrier_destroy(&r.start);
	pthread_barrier_destroy(&r.stop);
	for (i = 0; i < nconn; i++) {
		free(cs[i].wb);
		free(cs[i].pkt);
	}
	free(cs);
}

/* median - of n rates (sorted in place) */
static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* mode_mask - the modes of a list separated by sep, as bits */
static unsigned
mode_mask(const char *list, char sep)
{
	const char *m = list, *e;
	unsigned mask = 0;
	size_t i, len;
	int hit;

	while (*m != '\0') {
		if ((e = strchr(m, sep)) == NULL)
			e = m + strlen(m);
		len = (size_t)(e - m);
		hit = 0;
		for (i = 0; i < NMODES; i++)
			if (strlen(modes[i].name) == len &&
			    strncmp(modes[i].name, m, len) == 0) {
				mask |= 1u << i;
				hit = 1;
			}
		if (!hit)
			die("unknown mode (verify-rsa, verify-ed, sign-rsa, "
			    "sign-ed)");
		m = *e == sep ? e + 1 : e;
	}
	return mask;
}

/* select_modes - the -m list (comma separated) */
static void
select_modes(const char *list)
{
	unsigned mask = mode_mask(list, ',');
	size_t i;

	for (i = 0; i < NMODES; i++)
		modes[i].on = (mask >> i) & 1;
}

/* parse_milter - NAME=unix:PATH[,PID] or NAME=ADDR:PORT[,PID] */
static void
parse_milter(char *s, struct milter *ml)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&ml->ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ml->ss;
	char *eq, *port, *pid, *end, *ms;
	long p;

	if ((eq = strchr(s, '=')) == NULL)
		die("a milter is NAME=unix:PATH[,PID] or NAME=ADDR:PORT[,PID]");
	*eq++ = '\0';
	ml->modes = ~0u;
	if ((pid = strchr(eq, ',')) != NULL) {
		*pid++ = '\0';
		if ((ms = strchr(pid, ',')) != NULL) {
			*ms++ = '\0';
			ml->modes = mode_mask(ms, '+');
		}
	}
	ml->name = s;
	memset(&ml->ss, 0, sizeof(ml->ss));
	if (strncmp(eq, "unix:", 5) == 0) {
		sun->sun_family = AF_UNIX;
		if (strlen(eq + 5) >= sizeof(sun->sun_path))
			die("unix socket path too long");
		memcpy(sun->sun_path, eq + 5, strlen(eq + 5) + 1);
		ml->sslen = sizeof(*sun);
	} else {
		if ((port = strchr(eq, ':')) == NULL)
			die("a milter is NAME=unix:PATH or NAME=ADDR:PORT");
		*port++ = '\0';
		sin->sin_family = AF_INET;
		if (inet_pton(AF_INET, eq, &sin->sin_addr) != 1)
			die("a milter address must be an IPv4 address");
		errno = 0;
		p = strtol(port, &end, 10);
		if (errno != 0 || *end != '\0' || p < 1 || p > 65535)
			die("bad milter port");
		sin->sin_port = htons((uint16_t)p);
		ml->sslen = sizeof(*sin);
	}
	ml->pid = 0;
	if (pid != NULL) {
		errno = 0;
		ml->pid = strtol(pid, &end, 10);
		if (errno != 0 || *end != '\0' || ml->pid < 1)
			die("bad milter pid");
	}
}

/* number - a bounded decimal option */
static long
number(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		die("an option value is out of range");
	return v;
}

static void
usage(void)
{
	fprintf(stderr, "usage: milter_bench [-c CONNS] [-n MSGS] "
	    "[-r ROUNDS] [-t EVERY] [-s 5k|100k] [-m MODES] [-w] [-v] [-P] "
	    "CORPUS NAME=SOCKET[,PID[,MODE+...]] ...\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	static struct measure ms[NMODES][MAX_MILTERS][MAX_ROUNDS];
	double wr[MAX_ROUNDS], cr[MAX_ROUNDS], rr[MAX_ROUNDS];
	double med_w[NMODES][MAX_MILTERS], med_c[NMODES][MAX_MILTERS];
	size_t mis = 0, err = 0, judged = 0, npm, k, j;
	struct measure warm;
	const char *corpus;
	struct pmsg *pm;
	int ch, r, i;

	bench_prog = "milter_bench";
	while ((ch = getopt(argc, argv, "c:n:r:t:s:m:wvP")) != -1) {
		switch (ch) {
		case 'c':
			conns = (int)number(optarg, 1, MAX_CONNS);
			break;
		case 'n':
			nper = (size_t)number(optarg, 1, 10000000);
			break;
		case 'r':
			rounds = (int)number(optarg, 1, MAX_ROUNDS);
			break;
		case 't':
			tamper = (int)number(optarg, 0, 1000);
			break;
		case 's':
			if (strcmp(optarg, "5k") != 0 &&
			    strcmp(optarg, "100k") != 0)
				die("-s is 5k or 100k");
			size_label = optarg;
			break;
		case 'm':
			select_modes(optarg);
			break;
		case 'w':
			invert = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'P':
			no_nr = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2 || argc - 1 > MAX_MILTERS)
		usage();
	corpus = argv[0];
	for (i = 1; i < argc; i++)
		parse_milter(argv[i], &milters[nmilters++]);

	printf("milter_bench: %d connections, %zu messages per run, %d "
	    "rounds, %s messages, every %d-th verify message altered%s\n",
	    conns, nper, rounds, size_label, tamper,
	    invert ? " (-w: expectations inverted)" : "");
	printf("%-11s %-10s %10s %12s %10s %12s %10s\n", "mode", "milter",
	    "msg/s", "msg/CPU-s", "CPU us/msg", "client CPU%", "mismatch");
	for (k = 0; k < NMODES; k++) {
		if (!modes[k].on)
			continue;
		pm = load_mode(corpus, &modes[k], &npm);
		/* warm-up: one message alone, then a pass over the set */
		for (j = 0; j < nmilters; j++) {
			if (!RUNS(j, k))
				continue;
			run_once(&milters[j], &modes[k], pm, npm, 1, 1, &warm);
			mis += warm.mismatch;
			err += warm.errors;
			judged += warm.done;
			run_once(&milters[j], &modes[k], pm, npm,
			    npm < 200 ? npm : 200, conns, &warm);
			mis += warm.mismatch;
			err += warm.errors;
			judged += warm.done;
		}
		for (r = 0; r < rounds; r++)
			for (j = 0; j < nmilters; j++) {
				if (!RUNS(j, k))
					continue;
				run_once(&milters[j], &modes[k], pm, npm, nper,
				    conns, &ms[k][j][r]);
				mis += ms[k][j][r].mismatch;
				err += ms[k][j][r].errors;
				judged += ms[k][j][r].done;
			}
		free_mode(pm, npm);
		for (j = 0; j < nmilters; j++) {
			size_t m = 0;
			double cc = 0, dc = 0;

			if (!RUNS(j, k))
				continue;
			for (r = 0; r < rounds; r++) {
				const struct measure *x = &ms[k][j][r];

				wr[r] = x->wall > 0 ? (double)x->done / x->wall
				    : 0;
				cr[r] = x->dcpu > 0 ? (double)x->done / x->dcpu
				    : 0;
				cc += x->wall > 0 ? x->ccpu / x->wall : 0;
				dc += x->done > 0 ? x->dcpu / (double)x->done
				    : 0;
				m += x->mismatch + x->errors;
			}
			med_w[k][j] = median(wr, rounds);
			med_c[k][j] = median(cr, rounds);
			printf("%-11s %-10s %10.0f %12.0f %10.0f %11.0f%% "
			    "%10zu\n", modes[k].name, milters[j].name,
			    med_w[k][j], med_c[k][j], 1e6 * dc / rounds,
			    100 * cc / rounds, m);
		}
		/* ratios: the first milter to each other, median per round */
		for (j = 1; RUNS(0, k) && j < nmilters; j++) {
			if (!RUNS(j, k))
				continue;
			for (r = 0; r < rounds; r++) {
				const struct measure *a = &ms[k][0][r];
				const struct measure *b = &ms[k][j][r];

				rr[r] = a->dcpu > 0 && b->done > 0 &&
				    b->dcpu > 0 ? ((double)a->done / a->dcpu) /
				    ((double)b->done / b->dcpu) : 0;
				wr[r] = a->wall > 0 && b->done > 0 ?
				    ((double)a->done / a->wall) /
				    ((double)b->done / b->wall) : 0;
			}
			printf("%-11s %s/%s: %.2fx per CPU-second, %.2fx "
			    "per wall second\n", modes[k].name,
			    milters[0].name, milters[j].name,
			    median(rr, rounds), median(wr, rounds));
		}
		fflush(stdout);
	}
	printf("%zu messages judged, %zu mismatches, %zu protocol errors\n",
	    judged, mis, err);
	if (invert)
		return err == 0 && mis == judged && judged > 0 ? 0 : 1;
	return mis == 0 && err == 0 ? 0 : 1;
}
