/*
 * test_dns_ldns.c - the ldns backend (src/lib/dns/ldns_backend.c): server
 * address parsing, option checks, resolv.conf, and queries against a small
 * scripted DNS responder on 127.0.0.1 (UDP and TCP, in a thread of this
 * test; no outside network).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "mauth/dns.h"
#include "dns/dns_int.h"

/* ---- server strings ---------------------------------------------------- */

static void
test_parse_server(void **state)
{
	static const struct {
		const char	*name;
		const char	*s;
		int		 rc;
		int		 family;
		uint16_t	 port;
		const char	*addr;	/* inet_ntop form */
	} cases[] = {
		{ "IPv4", "192.0.2.1", MAUTH_OK, AF_INET, 53, "192.0.2.1" },
		{ "IPv4 port", "192.0.2.1:5353", MAUTH_OK, AF_INET, 5353,
		    "192.0.2.1" },
		{ "IPv6 bare", "2001:db8::1", MAUTH_OK, AF_INET6, 53,
		    "2001:db8::1" },
		{ "IPv6 brackets", "[2001:db8::1]", MAUTH_OK, AF_INET6, 53,
		    "2001:db8::1" },
		{ "IPv6 port", "[::1]:5353", MAUTH_OK, AF_INET6, 5353, "::1" },
		{ "IPv6 max port", "[::1]:65535", MAUTH_OK, AF_INET6, 65535,
		    "::1" },
		{ "empty", "", MAUTH_ERR_INVAL, 0, 0, NULL },
		{ "host name", "ns.example.com", MAUTH_ERR_INVAL, 0, 0, NULL },
		{ "host name port", "ns.example.com:53", MAUTH_ERR_INVAL, 0, 0,
		    NULL },
		{ "port 0", "192.0.2.1:0", MAUTH_ERR_INVAL, 0, 0, NULL },
		{ "port too big", "192.0.2.1:65536", MAUTH_ERR_INVAL, 0, 0,
		    NULL },
		{ "empty port", "192.0.2.1:", MAUTH_ERR_INVAL, 0, 0, NULL },
		{ "port letters", "192.0.2.1:dns", MAUTH_ERR_INVAL, 0, 0,
		    NULL },
		{ "octet 300", "300.1.1.1", MAUTH_ERR_INVAL, 0, 0, NULL },
		{ "three octets", "1.2.3:53", MAUTH_ERR_INVAL, 0, 0, NULL },
		{ "trailing space", "192.0.2.1 ", MAUTH_ERR_INVAL, 0, 0,
		    NULL },
		{ "missing ]", "[::1:53", MAUTH_ERR_INVAL, 0, 0, NULL },
		{ "junk after ]", "[::1]53", MAUTH_ERR_INVAL, 0, 0, NULL },
		{ "IPv4 in brackets", "[192.0.2.1]:53", MAUTH_ERR_INVAL, 0, 0,
		    NULL },
		{ "bad IPv6", "[2001:db8::g]:53", MAUTH_ERR_INVAL, 0, 0,
		    NULL },
	};
	char err[200], txt[INET6_ADDRSTRLEN];
	uint8_t addr[16];
	uint16_t port;
	size_t i;
	int rc, family;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		family = 0;
		port = 0;
		rc = dns_parse_server(cases[i].s, &family, addr, &port, err,
		    sizeof(err));
		if (rc != cases[i].rc)
			fail_msg("%s ('%s'): got rc %d (%s), want %d",
			    cases[i].name, cases[i].s, rc, err, cases[i].rc);
		if (rc != MAUTH_OK) {
			if (err[0] == '\0' || strchr(err, '\n') != NULL)
				fail_msg("%s: got reason '%s', want one line",
				    cases[i].name, err);
			continue;
		}
		inet_ntop(family, addr, txt, sizeof(txt));
		if (family != cases[i].family || port != cases[i].port ||
		    strcmp(txt, cases[i].addr) != 0)
			fail_msg("%s: got %d %s port %u, want %d %s port %u",
			    cases[i].name, family, txt, port, cases[i].family,
			    cases[i].addr, cases[i].port);
	}
}

static void
test_options(void **state)
{
	struct mauth_dns_options o;
	struct mauth_resolver *r = NULL;
	char err[200];
	int rc;
	size_t i;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.servers[0] = "192.0.2.1";
	o.servers[1] = "bogus";
	o.nservers = 2;
	err[0] = '\0';
	rc = mauth_resolver_new_ldns(&o, &r, err, sizeof(err));
	if (rc != MAUTH_ERR_INVAL || r != NULL || strstr(err, "bogus") == NULL)
		fail_msg("bad second server: got %d '%s', want INVAL naming "
		    "it", rc, err);

	o.nservers = MAUTH_DNS_MAX_SERVERS + 1;
	rc = mauth_resolver_new_ldns(&o, &r, err, sizeof(err));
	if (rc != MAUTH_ERR_INVAL)
		fail_msg("too many servers: got %d, want INVAL", rc);

	memset(&o, 0, sizeof(o));
	o.servers[0] = "127.0.0.1";
	o.nservers = 1;
	o.timeout_ms = 600000;
	rc = mauth_resolver_new_ldns(&o, &r, err, sizeof(err));
	if (rc != MAUTH_ERR_INVAL)
		fail_msg("timeout 600 s: got %d, want INVAL", rc);

	memset(&o, 0, sizeof(o));
	for (i = 0; i < MAUTH_DNS_MAX_SERVERS; i++)
		o.servers[i] = i % 2 ? "[::1]:5353" : "127.0.0.1:5353";
	o.nservers = MAUTH_DNS_MAX_SERVERS;
	rc = mauth_resolver_new_ldns(&o, &r, err, sizeof(err));
	if (rc != MAUTH_OK || r == NULL)
		fail_msg("8 good servers: got %d '%s', want OK", rc, err);
	mauth_resolver_free(r);
}

static void
test_resolv_conf(void **state)
{
	static const struct {
		const char	*name;
		const char	*text;	/* NULL: no file */
		int		 rc;
	} cases[] = {
		{ "two servers", "# c\nnameserver 127.0.0.1\nnameserver ::1\n"
		    "search example.com\n", MAUTH_OK },
		{ "no nameserver", "search example.com\n", MAUTH_ERR_DNS },
		{ "missing file", NULL, MAUTH_ERR_DNS },
	};
	struct mauth_dns_options o;
	struct mauth_resolver *r;
	char path[] = "/tmp/test_dns_ldns.XXXXXX", err[300];
	size_t i;
	FILE *fp;
	int fd, rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&o, 0, sizeof(o));
		memcpy(path + sizeof(path) - 7, "XXXXXX", 6);
		if ((fd = mkstemp(path)) == -1)
			fail_msg("mkstemp failed");
		if (cases[i].text != NULL) {
			if ((fp = fdopen(fd, "w")) == NULL)
				fail_msg("fdopen failed");
			fputs(cases[i].text, fp);
			fclose(fp);
		} else {
			close(fd);
			unlink(path);
		}
		o.resolv_conf = path;
		r = NULL;
		err[0] = '\0';
		rc = mauth_resolver_new_ldns(&o, &r, err, sizeof(err));
		unlink(path);
		if (rc != cases[i].rc || (rc == MAUTH_OK) != (r != NULL))
			fail_msg("%s: got %d '%s', want %d", cases[i].name, rc,
			    err, cases[i].rc);
		if (rc != MAUTH_OK && strstr(err, path) == NULL)
			fail_msg("%s: got reason '%s', want the path",
			    cases[i].name, err);
		mauth_resolver_free(r);
	}
}

/* ---- a scripted responder on 127.0.0.1 --------------------------------- */

struct responder {
	int		 udp, tcp;
	uint16_t	 port;
	atomic_int	 stop;
	atomic_int	 tcp_queries;
	pthread_t	 thread;
};

struct pkt {
	uint8_t	 b[8192];
	size_t	 n;
};

static void
put8(struct pkt *p, unsigned v)
{
	if (p->n < sizeof(p->b))
		p->b[p->n++] = (uint8_t)v;
}

static void
put16(struct pkt *p, unsigned v)
{
	put8(p, v >> 8);
	put8(p, v & 0xff);
}

static void
put32(struct pkt *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p, v & 0xffff);
}

/* putname - text name (no escapes) in wire form */
static void
putname(struct pkt *p, const char *name)
{
	const char *dot;
	size_t l;

	while (*name != '\0') {
		dot = strchr(name, '.');
		l = dot != NULL ? (size_t)(dot - name) : strlen(name);
		put8(p, (unsigned)l);
		while (l-- > 0)
			put8(p, (uint8_t)*name++);
		if (*name == '.')
			name++;
	}
	put8(p, 0);
}

/* rr header: owner, type, class IN, ttl; returns where RDLENGTH goes */
static size_t
rr_start(struct pkt *p, const char *owner, unsigned type, uint32_t ttl)
{
	size_t at;

	if (owner == NULL)
		put16(p, 0xc00c);	/* the question name */
	else
		putname(p, owner);
	put16(p, type);
	put16(p, 1);
	put32(p, ttl);
	at = p->n;
	put16(p, 0);
	return at;
}

static void
rr_end(struct pkt *p, size_t at)
{
	size_t len = p->n - at - 2;

	p->b[at] = (uint8_t)(len >> 8);
	p->b[at + 1] = (uint8_t)len;
}

/*
 * answer - the reply to query q (qlen bytes) by its first label; returns
 * false for no reply at all.
 */
static bool
answer(const uint8_t *q, size_t qlen, bool tcp, struct pkt *p)
{
	char label[64];
	size_t i = 12, qend, at;
	unsigned id, flags = 0x8180, ancount = 0, nscount = 0, k;
	uint8_t l;

	if (qlen < 17)
		return false;
	id = (unsigned)(q[0] << 8 | q[1]);
	l = q[12];
	if (l == 0 || l > 63 || (size_t)l + 13 > qlen)
		return false;
	memcpy(label, q + 13, l);
	label[l] = '\0';
	while (i < qlen && q[i] != 0)
		i += q[i] + 1u;
	qend = i + 5;
	if (qend > qlen)
		return false;

	p->n = 12;
	if (strcmp(label, "wrongq") == 0) {
		putname(p, "other.test");
		put16(p, 1);
		put16(p, 1);
	} else {
		memcpy(p->b + 12, q + 12, qend - 12);
		p->n = qend;
	}

	if (strcmp(label, "silent") == 0)
		return false;
	if (strcmp(label, "badid") == 0)
		id ^= 0x5555;
	if (strcmp(label, "plain") == 0 || strcmp(label, "ad") == 0 ||
	    strcmp(label, "wrongq") == 0 || strcmp(label, "badid") == 0) {
		at = rr_start(p, NULL, 1, 100);
		put32(p, 0x01020304);
		rr_end(p, at);
		ancount = 1;
		if (label[0] == 'a')
			flags |= 0x20;	/* AD */
	} else if (strcmp(label, "nx") == 0) {
		flags |= 3;
		at = rr_start(p, "test", 6, 900);
		putname(p, "ns.test");
		putname(p, "host.test");
		put32(p, 1);
		put32(p, 2);
		put32(p, 3);
		put32(p, 4);
		put32(p, 45);
		rr_end(p, at);
		nscount = 1;
	} else if (strcmp(label, "nul") == 0) {
		at = rr_start(p, NULL, 16, 60);
		put8(p, 3);
		put8(p, 'a');
		put8(p, 0);
		put8(p, 'b');
		put8(p, 2);
		put8(p, 'c');
		put8(p, 'd');
		rr_end(p, at);
		ancount = 1;
	} else if (strcmp(label, "chain") == 0) {
		at = rr_start(p, "evil.test", 1, 60);	/* not asked for */
		put32(p, 0x06060606);
		rr_end(p, at);
		at = rr_start(p, NULL, 5, 60);
		putname(p, "t1.test");
		rr_end(p, at);
		at = rr_start(p, "t2.test", 1, 30);
		put32(p, 0x05060708);
		rr_end(p, at);
		at = rr_start(p, "t1.test", 5, 60);
		putname(p, "t2.test");
		rr_end(p, at);
		ancount = 4;
	} else if (strcmp(label, "big") == 0) {
		if (!tcp)
			flags |= 0x200;	/* TC */
		else {
			for (k = 0; k < 20; k++) {
				at = rr_start(p, NULL, 16, 60);
				put8(p, 200);
				for (i = 0; i < 200; i++)
					put8(p, 'a' + k);
				rr_end(p, at);
			}
			ancount = 20;
		}
	} else if (strcmp(label, "servfail") == 0) {
		flags |= 2;
	} else if (strcmp(label, "garbage") == 0) {
		ancount = 3;	/* promised, not there */
	}
	p->b[0] = (uint8_t)(id >> 8);
	p->b[1] = (uint8_t)id;
	p->b[2] = (uint8_t)(flags >> 8);
	p->b[3] = (uint8_t)flags;
	p->b[4] = 0;
	p->b[5] = 1;	/* one question */
	p->b[6] = (uint8_t)(ancount >> 8);
	p->b[7] = (uint8_t)ancount;
	p->b[8] = (uint8_t)(nscount >> 8);
	p->b[9] = (uint8_t)nscount;
	p->b[10] = 0;
	p->b[11] = 0;
	return true;
}

static void
serve_tcp(struct responder *rs, int fd)
{
	uint8_t q[1024], lenb[2];
	struct pkt p;
	struct pollfd pfd = { fd, POLLIN, 0 };
	size_t need, got = 0;
	ssize_t n;

	atomic_fetch_add(&rs->tcp_queries, 1);
	if (poll(&pfd, 1, 1000) != 1 || recv(fd, lenb, 2, MSG_WAITALL) != 2)
		return;
	need = (size_t)(lenb[0] << 8 | lenb[1]);
	if (need > sizeof(q))
		return;
	while (got < need) {
		if (poll(&pfd, 1, 1000) != 1)
			return;
		if ((n = recv(fd, q + got, need - got, 0)) <= 0)
			return;
		got += (size_t)n;
	}
	if (!answer(q, need, true, &p))
		return;
	lenb[0] = (uint8_t)(p.n >> 8);
	lenb[1] = (uint8_t)p.n;
	if (send(fd, lenb, 2, MSG_NOSIGNAL) == 2)
		(void)send(fd, p.b, p.n, MSG_NOSIGNAL);
}

static void *
responder_run(void *arg)
{
	struct responder *rs = arg;
	struct pollfd pfd[2];
	struct sockaddr_storage from;
	socklen_t flen;
	uint8_t q[1500];
	struct pkt p;
	ssize_t n;
	int c;

	while (!atomic_load(&rs->stop)) {
		pfd[0].fd = rs->udp;
		pfd[0].events = POLLIN;
		pfd[1].fd = rs->tcp;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, 50) <= 0)
			continue;
		if (pfd[0].revents & POLLIN) {
			flen = sizeof(from);
			n = recvfrom(rs->udp, q, sizeof(q), 0,
			    (struct sockaddr *)&from, &flen);
			if (n > 0 && answer(q, (size_t)n, false, &p))
				(void)sendto(rs->udp, p.b, p.n, 0,
				    (struct sockaddr *)&from, flen);
		}
		if (pfd[1].revents & POLLIN) {
			if ((c = accept(rs->tcp, NULL, NULL)) >= 0) {
				serve_tcp(rs, c);
				close(c);
			}
		}
	}
	return NULL;
}

/* responder_start - UDP and TCP on the same free port of 127.0.0.1 */
static void
responder_start(struct responder *rs)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int one = 1;

	memset(rs, 0, sizeof(*rs));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((rs->udp = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
	    bind(rs->udp, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    getsockname(rs->udp, (struct sockaddr *)&sa, &len) == -1)
		fail_msg("responder: UDP socket failed");
	rs->port = ntohs(sa.sin_port);
	if ((rs->tcp = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(rs->tcp, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) == -1 ||
	    bind(rs->tcp, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(rs->tcp, 8) == -1)
		fail_msg("responder: TCP socket on port %u failed", rs->port);
	if (pthread_create(&rs->thread, NULL, responder_run, rs) != 0)
		fail_msg("responder: thread failed");
}

static void
responder_stop(struct responder *rs)
{
	atomic_store(&rs->stop, 1);
	pthread_join(rs->thread, NULL);
	close(rs->udp);
	close(rs->tcp);
}

static struct mauth_resolver *
resolver_for(uint16_t port, unsigned timeout_ms, unsigned retries)
{
	struct mauth_dns_options o;
	struct mauth_resolver *r = NULL;
	char server[32], err[200];

	memset(&o, 0, sizeof(o));
	snprintf(server, sizeof(server), "127.0.0.1:%u", port);
	o.servers[0] = server;
	o.nservers = 1;
	o.timeout_ms = timeout_ms;
	o.retries = retries;
	if (mauth_resolver_new_ldns(&o, &r, err, sizeof(err)) != MAUTH_OK)
		fail_msg("new_ldns %s: %s", server, err);
	return r;
}

static void
test_responder(void **state)
{
	static const struct {
		const char	*name;
		const char	*qname;
		uint16_t	 qtype;
		int		 status;
		int		 rcode;
		size_t		 nrr;
		uint32_t	 ttl;
		bool		 ad;
	} cases[] = {
		{ "plain A", "plain.test", MAUTH_DNS_A, MAUTH_DNS_ANSWER, 0,
		    1, 100, false },
		{ "AD bit", "ad.test", MAUTH_DNS_A, MAUTH_DNS_ANSWER, 0, 1,
		    100, true },
		{ "NXDOMAIN min(SOA TTL, MINIMUM)", "nx.test", MAUTH_DNS_A,
		    MAUTH_DNS_ANSWER, 3, 0, 45, false },
		{ "TXT with NUL", "nul.test", MAUTH_DNS_TXT, MAUTH_DNS_ANSWER,
		    0, 1, 60, false },
		{ "CNAME chain, stray record", "chain.test", MAUTH_DNS_A,
		    MAUTH_DNS_ANSWER, 0, 3, 30, false },
		{ "TC then TCP", "big.test", MAUTH_DNS_TXT, MAUTH_DNS_ANSWER,
		    0, 20, 60, false },
		{ "SERVFAIL", "servfail.test", MAUTH_DNS_A, MAUTH_DNS_ANSWER,
		    2, 0, 0, false },
		{ "reply ID mismatch", "badid.test", MAUTH_DNS_A,
		    MAUTH_DNS_FAILURE, 0, 0, 0, false },
		{ "reply question mismatch", "wrongq.test", MAUTH_DNS_A,
		    MAUTH_DNS_FAILURE, 0, 0, 0, false },
		{ "truncated packet", "garbage.test", MAUTH_DNS_A,
		    MAUTH_DNS_FAILURE, 0, 0, 0, false },
	};
	struct responder rs;
	struct mauth_resolver *r;
	struct mauth_dns_answer *a;
	size_t i;
	int st;

	(void)state;
	responder_start(&rs);
	r = resolver_for(rs.port, 1000, 1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		st = mauth_resolver_query(r, NULL, cases[i].qname,
		    cases[i].qtype, &a);
		if (st != cases[i].status)
			fail_msg("%s: got %s, want %s", cases[i].name,
			    mauth_dns_status_str(st),
			    mauth_dns_status_str(cases[i].status));
		if (st != MAUTH_DNS_ANSWER)
			continue;
		if (a->rcode != cases[i].rcode || a->nrr != cases[i].nrr ||
		    (cases[i].rcode != 2 && a->ttl != cases[i].ttl) ||
		    a->authenticated != cases[i].ad)
			fail_msg("%s: got %s nrr=%zu ttl=%u ad=%d, want %s "
			    "nrr=%zu ttl=%u ad=%d", cases[i].name,
			    mauth_dns_rcode_str(a->rcode), a->nrr, a->ttl,
			    a->authenticated, mauth_dns_rcode_str(
			    cases[i].rcode), cases[i].nrr, cases[i].ttl,
			    cases[i].ad);
		if (strcmp(cases[i].qname, "nul.test") == 0 &&
		    (a->rr[0].u.txt.len != 5 || a->rr[0].u.txt.nstrings != 2 ||
		    memcmp(a->rr[0].u.txt.data, "a\0bcd", 5) != 0))
			fail_msg("%s: got len %zu n %zu, want 5 bytes a\\0bcd "
			    "in 2 strings", cases[i].name, a->rr[0].u.txt.len,
			    a->rr[0].u.txt.nstrings);
		if (strcmp(cases[i].qname, "chain.test") == 0 &&
		    (a->rr[0].type != MAUTH_DNS_CNAME ||
		    strcmp(a->rr[0].u.target, "t1.test") != 0 ||
		    strcmp(a->rr[1].u.target, "t2.test") != 0 ||
		    a->rr[2].type != MAUTH_DNS_A ||
		    strcmp(a->rr[2].owner, "t2.test") != 0 ||
		    a->rr[2].u.a[0] != 5))
			fail_msg("%s: got a wrong chain", cases[i].name);
		if (strcmp(cases[i].qname, "big.test") == 0 &&
		    (atomic_load(&rs.tcp_queries) != 1 ||
		    a->rr[19].u.txt.len != 200 ||
		    a->rr[19].u.txt.data[0] != 'a' + 19))
			fail_msg("%s: got %d TCP queries, want 1 and 20 "
			    "records", cases[i].name,
			    atomic_load(&rs.tcp_queries));
		mauth_dns_answer_free(a);
	}
	mauth_resolver_free(r);
	responder_stop(&rs);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* a server that never answers: TIMEOUT after about timeout x retries */
static void
test_timeout(void **state)
{
	static const struct {
		const char	*name;
		unsigned	 timeout_ms, retries;
		double		 min, max;
	} cases[] = {
		{ "200 ms x 2", 200, 2, 0.35, 1.0 },
		{ "150 ms x 3", 150, 3, 0.40, 1.2 },
	};
	struct responder rs;
	struct mauth_resolver *r;
	struct mauth_dns_answer *a;
	double t0, dt;
	size_t i;
	int st, k;

	(void)state;
	responder_start(&rs);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = resolver_for(rs.port, cases[i].timeout_ms,
		    cases[i].retries);
		/* twice: the second query must not be refused at once
		 * because ldns marked the server unreachable */
		for (k = 0; k < 2; k++) {
			t0 = now_s();
			st = mauth_resolver_query(r, NULL, "silent.test",
			    MAUTH_DNS_A, &a);
			dt = now_s() - t0;
			if (st != MAUTH_DNS_TIMEOUT || a != NULL)
				fail_msg("%s #%d: got %s, want timeout",
				    cases[i].name, k, mauth_dns_status_str(st));
			if (dt < cases[i].min || dt > cases[i].max)
				fail_msg("%s #%d: got %.3f s, want %.2f..%.2f",
				    cases[i].name, k, dt, cases[i].min,
				    cases[i].max);
		}
		/* and the server still answers what it answers */
		st = mauth_resolver_query(r, NULL, "plain.test", MAUTH_DNS_A,
		    &a);
		if (st != MAUTH_DNS_ANSWER)
			fail_msg("%s: after timeouts got %s, want answer",
			    cases[i].name, mauth_dns_status_str(st));
		mauth_dns_answer_free(a);
		mauth_resolver_free(r);
	}
	responder_stop(&rs);
}

/* threads share one resolver: each gets its own ldns resolver */
static void *
thread_run(void *arg)
{
	struct mauth_resolver *r = arg;
	struct mauth_dns_answer *a;
	intptr_t bad = 0;
	int i;

	for (i = 0; i < 50; i++) {
		if (mauth_resolver_query(r, NULL, i % 2 ? "plain.test" :
		    "nul.test", i % 2 ? MAUTH_DNS_A : MAUTH_DNS_TXT, &a) !=
		    MAUTH_DNS_ANSWER || a->nrr != 1)
			bad++;
		mauth_dns_answer_free(a);
	}
	return (void *)bad;
}

static void
test_threads(void **state)
{
	struct responder rs;
	struct mauth_resolver *r;
	pthread_t t[4];
	void *bad;
	int i;

	(void)state;
	responder_start(&rs);
	r = resolver_for(rs.port, 1000, 2);
	for (i = 0; i < 4; i++)
		if (pthread_create(&t[i], NULL, thread_run, r) != 0)
			fail_msg("pthread_create failed");
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], &bad);
		if (bad != NULL)
			fail_msg("thread %d: got %ld bad answers, want 0", i,
			    (long)(intptr_t)bad);
	}
	/* this thread's resolver is freed by mauth_resolver_free */
	if (thread_run(r) != NULL)
		fail_msg("main thread: got bad answers");
	mauth_resolver_free(r);
	responder_stop(&rs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_server),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_resolv_conf),
		cmocka_unit_test(test_responder),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
