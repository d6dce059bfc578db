/*
 * ldns_backend.c - the network backend: queries DNS servers through ldns.
 *
 * An ldns_resolver is not safe to share between threads, so each thread gets
 * its own set (one ldns_resolver per configured server, because ldns keeps a
 * single port per resolver), created lazily from the stored options and
 * found through a pthread key.  All sets are also linked into the backend so
 * that mauth_resolver_free() can release the ones of threads still alive.
 *
 * What ldns 1.8 does, read in its net.c/resolver.c and checked by experiment
 * (see the ldns manual check in the DNS helper's report):
 *  - UDP: a fresh unconnected socket per try, sendto(), poll() for the
 *    timeout, one recvfrom() from any source.  A try that sees no reply
 *    returns LDNS_STATUS_NETWORK_ERR; a socket()/sendto() failure returns
 *    LDNS_STATUS_SOCKET_ERROR.  An ICMP "port unreachable" is never seen on
 *    an unconnected socket, so a closed UDP port looks like a timeout.
 *  - TCP: a refused or failed connect() returns LDNS_STATUS_ERR; a read
 *    timeout LDNS_STATUS_NETWORK_ERR.
 *  - Each server is tried "retry" times with "timeout" each, then marked
 *    unreachable (RTT_INF) in the resolver for good: the next query on the
 *    same ldns_resolver would get LDNS_STATUS_RES_NO_NS at once.  We reset
 *    the RTT before every query.
 *  - ldns does not check the reply's ID, question or source address.  We
 *    check ID, QR, opcode and question here (RFC 5452 9.1: ID, port and
 *    question must match; the port is ldns's fresh socket).
 *  - On TC=1 with fallback on, ldns resends over TCP (after one more UDP
 *    try with EDNS 4096 if the query had no EDNS).
 * So: NETWORK_ERR means timeout (unless it came back much faster than the
 * timeout, then it was a read error: network error); SOCKET_ERROR, ERR and
 * RES_NO_NS mean a network error.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <ldns/ldns.h>

#include "mauth/dns.h"
#include "dns/dns_int.h"
#include "util/errbuf.h"
#include "util/str.h"

#define LDNS_DEFAULT_TIMEOUT_MS	2000
#define LDNS_DEFAULT_RETRIES	2
#define LDNS_DEFAULT_EDNS	1232
#define LDNS_MAX_TIMEOUT_MS	60000
#define LDNS_MAX_RETRIES	10
#define LDNS_MAX_CNAME_CHAIN	16

struct server {
	int		 family;	/* AF_INET or AF_INET6 */
	uint8_t		 addr[16];
	uint16_t	 port;
};

struct tls_set;

struct ldns_be {
	struct server	 servers[MAUTH_DNS_MAX_SERVERS];
	size_t		 nservers;
	unsigned	 timeout_ms;
	unsigned	 retries;
	uint16_t	 edns_size;
	pthread_key_t	 key;
	pthread_mutex_t	 mu;		/* guards the list of sets */
	struct tls_set	*sets;
};

/* The ldns resolvers of one thread. */
struct tls_set {
	struct ldns_be	*be;
	ldns_resolver	*res[MAUTH_DNS_MAX_SERVERS];
	struct tls_set	*prev, *next;
};

/*
 * dns_parse_server - parse "IP", "IP:PORT" or "[IPv6]:PORT" (also "[IPv6]"
 * and a bare IPv6 address).  No host names: the resolver cannot resolve its
 * own servers.
 */
int
dns_parse_server(const char *s, int *family, uint8_t addr[16], uint16_t *port,
    char *errbuf, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *h, *p = NULL, *end;
	size_t hlen, slen;
	uint64_t v;

	if (s == NULL || *s == '\0') {
		seterr(errbuf, errlen, "empty DNS server address");
		return MAUTH_ERR_INVAL;
	}
	slen = strnlen(s, 256);
	if (slen >= 256) {
		seterr(errbuf, errlen, "DNS server address too long");
		return MAUTH_ERR_INVAL;
	}
	*port = 53;
	if (s[0] == '[') {
		h = s + 1;
		if ((end = memchr(h, ']', slen - 1)) == NULL) {
			seterr(errbuf, errlen,
			    "DNS server '%.64s': missing ']'", s);
			return MAUTH_ERR_INVAL;
		}
		hlen = (size_t)(end - h);
		if (end[1] == ':')
			p = end + 2;
		else if (end[1] != '\0') {
			seterr(errbuf, errlen, "DNS server '%.64s': junk after "
			    "']'", s);
			return MAUTH_ERR_INVAL;
		}
	} else {
		h = s;
		end = strchr(s, ':');
		if (end != NULL && strchr(end + 1, ':') == NULL) {
			/* exactly one colon: IPv4:PORT */
			hlen = (size_t)(end - s);
			p = end + 1;
		} else
			hlen = slen;
	}
	if (hlen == 0 || hlen > INET6_ADDRSTRLEN) {
		seterr(errbuf, errlen, "DNS server '%.64s': bad address", s);
		return MAUTH_ERR_INVAL;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (p != NULL) {
		if (!str_to_u64(p, strlen(p), 65535, &v) || v == 0) {
			seterr(errbuf, errlen, "DNS server '%.64s': bad port",
			    s);
			return MAUTH_ERR_INVAL;
		}
		*port = (uint16_t)v;
	}
	memset(addr, 0, 16);
	if (s[0] != '[' && inet_pton(AF_INET, host, addr) == 1) {
		*family = AF_INET;
		return MAUTH_OK;
	}
	if (inet_pton(AF_INET6, host, addr) == 1 &&
	    (s[0] == '[' || p == NULL)) {
		*family = AF_INET6;
		return MAUTH_OK;
	}
	seterr(errbuf, errlen, "DNS server '%.64s': not an IP address", s);
	return MAUTH_ERR_INVAL;
}

/* mauth_dns_server_check - see dns.h */
int
mauth_dns_server_check(const char *s, char *errbuf, size_t errlen)
{
	uint8_t addr[16];
	uint16_t port;
	int family;

	if (s == NULL)
		return MAUTH_ERR_INVAL;
	return dns_parse_server(s, &family, addr, &port, errbuf, errlen);
}

/* ---- per-thread ldns resolvers ----------------------------------------- */

/* set_free - free one thread's resolvers (the caller unlinked it) */
static void
set_free(struct tls_set *ts)
{
	size_t i;

	for (i = 0; i < MAUTH_DNS_MAX_SERVERS; i++)
		if (ts->res[i] != NULL)
			ldns_resolver_deep_free(ts->res[i]);
	free(ts);
}

/* tls_destroy - pthread key destructor: a thread that queried exits */
static void
tls_destroy(void *arg)
{
	struct tls_set *ts = arg;
	struct ldns_be *be = ts->be;

	pthread_mutex_lock(&be->mu);
	if (ts->prev != NULL)
		ts->prev->next = ts->next;
	else
		be->sets = ts->next;
	if (ts->next != NULL)
		ts->next->prev = ts->prev;
	pthread_mutex_unlock(&be->mu);
	set_free(ts);
}

/* make_resolver - one ldns resolver for one server, options applied */
static ldns_resolver *
make_resolver(const struct ldns_be *be, const struct server *sv)
{
	ldns_resolver *r;
	ldns_rdf *ns;
	struct timeval tv;

	if ((r = ldns_resolver_new()) == NULL)
		return NULL;
	ns = ldns_rdf_new_frm_data(sv->family == AF_INET ? LDNS_RDF_TYPE_A :
	    LDNS_RDF_TYPE_AAAA, sv->family == AF_INET ? 4 : 16, sv->addr);
	if (ns == NULL || ldns_resolver_push_nameserver(r, ns) !=
	    LDNS_STATUS_OK) {
		ldns_rdf_deep_free(ns);
		ldns_resolver_deep_free(r);
		return NULL;
	}
	ldns_rdf_deep_free(ns);		/* push_nameserver keeps a copy */
	ldns_resolver_set_port(r, sv->port);
	tv.tv_sec = be->timeout_ms / 1000;
	tv.tv_usec = (be->timeout_ms % 1000) * 1000;
	ldns_resolver_set_timeout(r, tv);
	ldns_resolver_set_retry(r, (uint8_t)be->retries);
	ldns_resolver_set_retrans(r, 0);
	ldns_resolver_set_random(r, false);
	ldns_resolver_set_fallback(r, true);
	ldns_resolver_set_recursive(r, true);
	ldns_resolver_set_edns_udp_size(r, be->edns_size);
	return r;
}

/* thread_set - this thread's resolvers, made on first use; NULL on ENOMEM */
static struct tls_set *
thread_set(struct ldns_be *be)
{
	struct tls_set *ts;
	size_t i;

	if ((ts = pthread_getspecific(be->key)) != NULL)
		return ts;
	if ((ts = calloc(1, sizeof(*ts))) == NULL)
		return NULL;
	ts->be = be;
	for (i = 0; i < be->nservers; i++) {
		if ((ts->res[i] = make_resolver(be, &be->servers[i])) == NULL) {
			set_free(ts);
			return NULL;
		}
	}
	if (pthread_setspecific(be->key, ts) != 0) {
		set_free(ts);
		return NULL;
	}
	pthread_mutex_lock(&be->mu);
	ts->next = be->sets;
	if (be->sets != NULL)
		be->sets->prev = ts;
	be->sets = ts;
	pthread_mutex_unlock(&be->mu);
	return ts;
}

/* ---- packet to answer -------------------------------------------------- */

/*
 * dname_text - the wire name of rdf as text, labels joined by '.', no
 * trailing dot ("." for the root, e.g. a null MX, RFC 7505).  Returns
 * false (name unusable) if a label holds '.' or NUL: such a name cannot be
 * carried as a C string.
 */
static bool
dname_text(const ldns_rdf *rdf, char *out, size_t outlen)
{
	const uint8_t *d;
	size_t n, i = 0, o = 0, l;

	if (rdf == NULL || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME)
		return false;
	d = ldns_rdf_data(rdf);
	n = ldns_rdf_size(rdf);
	while (i < n && d[i] != 0) {
		l = d[i++];
		if (l > DNS_LABEL_MAX || l > n - i)
			return false;
		if (o != 0) {
			if (o + 1 >= outlen)
				return false;
			out[o++] = '.';
		}
		if (o + l >= outlen)
			return false;
		for (; l > 0; l--, i++) {
			if (d[i] == '.' || d[i] == '\0')
				return false;
			out[o++] = (char)d[i];
		}
	}
	if (o == 0) {
		if (outlen < 2)
			return false;
		out[o++] = '.';
	}
	out[o] = '\0';
	return true;
}

/* name_eq - names compared ASCII case-insensitively (RFC 4343) */
static bool
name_eq(const char *a, const char *b)
{
	return str_casecmp(a, b) == 0;
}

/* rdf_u16/rdf_u32 - numeric fields, checked for size */
static bool
rdf_u16(const ldns_rdf *rdf, uint16_t *v)
{
	if (rdf == NULL || ldns_rdf_size(rdf) != 2)
		return false;
	*v = (uint16_t)((ldns_rdf_data(rdf)[0] << 8) | ldns_rdf_data(rdf)[1]);
	return true;
}

static bool
rdf_u32(const ldns_rdf *rdf, uint32_t *v)
{
	const uint8_t *d;

	if (rdf == NULL || ldns_rdf_size(rdf) != 4)
		return false;
	d = ldns_rdf_data(rdf);
	*v = ((uint32_t)d[0] << 24) | ((uint32_t)d[1] << 16) |
	    ((uint32_t)d[2] << 8) | d[3];
	return true;
}

/*
 * add_rr - append one ldns record to ans.  Returns MAUTH_OK, MAUTH_ERR_SYNTAX
 * for malformed RDATA, or the helper's error.
 */
static int
add_rr(struct mauth_dns_answer *ans, const ldns_rr *rr, const char *owner)
{
	const uint8_t *strs[256];
	size_t lens[256], i, n;
	const ldns_rdf *rdf;
	char target[DNS_NAME_MAX + 2];
	uint16_t pref;
	uint32_t ttl = ldns_rr_ttl(rr);

	/* RFC 2181 8: a TTL with the top bit set is treated as zero */
	if (ttl > 0x7fffffffU)
		ttl = 0;
	switch (ldns_rr_get_type(rr)) {
	case LDNS_RR_TYPE_A:
		rdf = ldns_rr_rdf(rr, 0);
		if (ldns_rr_rd_count(rr) != 1 || rdf == NULL ||
		    ldns_rdf_size(rdf) != 4)
			return MAUTH_ERR_SYNTAX;
		return mauth_dns_answer_add_a(ans, owner, ttl,
		    ldns_rdf_data(rdf));
	case LDNS_RR_TYPE_AAAA:
		rdf = ldns_rr_rdf(rr, 0);
		if (ldns_rr_rd_count(rr) != 1 || rdf == NULL ||
		    ldns_rdf_size(rdf) != 16)
			return MAUTH_ERR_SYNTAX;
		return mauth_dns_answer_add_aaaa(ans, owner, ttl,
		    ldns_rdf_data(rdf));
	case LDNS_RR_TYPE_CNAME:
	case LDNS_RR_TYPE_PTR:
	case LDNS_RR_TYPE_NS:
		if (ldns_rr_rd_count(rr) != 1 ||
		    !dname_text(ldns_rr_rdf(rr, 0), target, sizeof(target)))
			return MAUTH_ERR_SYNTAX;
		return mauth_dns_answer_add_name(ans,
		    (uint16_t)ldns_rr_get_type(rr), owner, ttl, target);
	case LDNS_RR_TYPE_MX:
		if (ldns_rr_rd_count(rr) != 2 ||
		    !rdf_u16(ldns_rr_rdf(rr, 0), &pref) ||
		    !dname_text(ldns_rr_rdf(rr, 1), target, sizeof(target)))
			return MAUTH_ERR_SYNTAX;
		return mauth_dns_answer_add_mx(ans, owner, ttl, pref, target);
	case LDNS_RR_TYPE_TXT:
	case LDNS_RR_TYPE_SPF:
		/* RFC 1035 3.3.14: one or more <character-string> */
		n = ldns_rr_rd_count(rr);
		if (n == 0 || n > 256)
			return MAUTH_ERR_SYNTAX;
		for (i = 0; i < n; i++) {
			rdf = ldns_rr_rdf(rr, i);
			if (rdf == NULL || ldns_rdf_size(rdf) < 1 ||
			    ldns_rdf_data(rdf)[0] != ldns_rdf_size(rdf) - 1)
				return MAUTH_ERR_SYNTAX;
			strs[i] = ldns_rdf_data(rdf) + 1;
			lens[i] = ldns_rdf_size(rdf) - 1;
		}
		return mauth_dns_answer_add_txt(ans,
		    (uint16_t)ldns_rr_get_type(rr), owner, ttl, strs, lens, n);
	case LDNS_RR_TYPE_SOA:
		return dns_answer_add_bare(ans, MAUTH_DNS_SOA, owner, ttl);
	default:
		return MAUTH_ERR_SYNTAX;
	}
}

/*
 * negative_ttl - RFC 2308 5: the TTL of a negative answer is the smaller of
 * the SOA record's TTL and its MINIMUM field, from the authority section.
 */
static uint32_t
negative_ttl(const ldns_pkt *p)
{
	const ldns_rr_list *auth = ldns_pkt_authority(p);
	const ldns_rr *rr;
	uint32_t ttl, min;
	size_t i;

	for (i = 0; auth != NULL && i < ldns_rr_list_rr_count(auth); i++) {
		rr = ldns_rr_list_rr(auth, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA ||
		    ldns_rr_rd_count(rr) != 7 ||
		    !rdf_u32(ldns_rr_rdf(rr, 6), &min))
			continue;
		ttl = ldns_rr_ttl(rr);
		if (ttl > 0x7fffffffU)
			ttl = 0;
		return ttl < min ? ttl : min;
	}
	return DNS_DEFAULT_NEG_TTL;
}

/*
 * reply_matches - RFC 5452 9.1: accept a reply only if it is a response to
 * our query: same ID, QR set, same opcode and same question (name
 * case-insensitively, type, class).  Servers may drop the question from
 * FORMERR/NOTIMP/REFUSED/SERVFAIL replies; those are accepted without one.
 */
static bool
reply_matches(const ldns_pkt *q, const ldns_pkt *a)
{
	const ldns_rr_list *qq, *aq;
	const ldns_rr *qr, *ar;
	ldns_pkt_rcode rc;

	if (ldns_pkt_id(a) != ldns_pkt_id(q) || !ldns_pkt_qr(a) ||
	    ldns_pkt_get_opcode(a) != LDNS_PACKET_QUERY)
		return false;
	qq = ldns_pkt_question(q);
	aq = ldns_pkt_question(a);
	rc = ldns_pkt_get_rcode(a);
	if (aq == NULL || ldns_rr_list_rr_count(aq) == 0)
		return rc != LDNS_RCODE_NOERROR && rc != LDNS_RCODE_NXDOMAIN;
	if (ldns_rr_list_rr_count(aq) != 1)
		return false;
	qr = ldns_rr_list_rr(qq, 0);
	ar = ldns_rr_list_rr(aq, 0);
	return ldns_rr_get_type(qr) == ldns_rr_get_type(ar) &&
	    ldns_rr_get_class(qr) == ldns_rr_get_class(ar) &&
	    ldns_dname_compare(ldns_rr_owner(qr), ldns_rr_owner(ar)) == 0;
}

/*
 * convert - turn a reply into an answer: the CNAME chain from qname (at most
 * LDNS_MAX_CNAME_CHAIN links) and the records of the asked type owned by the
 * end of the chain; everything else in the answer section is ignored.
 * Returns a MAUTH_DNS_* status.
 */
static int
convert(const ldns_pkt *p, const char *qname, uint16_t qtype,
    struct mauth_dns_answer **out)
{
	const ldns_rr_list *an = ldns_pkt_answer(p);
	struct mauth_dns_answer *ans;
	const ldns_rr *rr;
	char cur[DNS_NAME_MAX + 2], owner[DNS_NAME_MAX + 2];
	size_t i, n, hops;
	bool more;
	int rc;

	if ((ans = mauth_dns_answer_new((int)ldns_pkt_get_rcode(p), 0)) == NULL)
		return MAUTH_DNS_FAILURE;
	ans->authenticated = ldns_pkt_ad(p);
	n = an != NULL ? ldns_rr_list_rr_count(an) : 0;
	snprintf(cur, sizeof(cur), "%s", qname);

	/* RFC 1034 3.6.2 / 4.3.2: follow the CNAME chain given by the server */
	for (hops = 0, more = qtype != MAUTH_DNS_CNAME; more &&
	    hops < LDNS_MAX_CNAME_CHAIN; hops++) {
		more = false;
		for (i = 0; i < n; i++) {
			rr = ldns_rr_list_rr(an, i);
			if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_CNAME ||
			    ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN ||
			    !dname_text(ldns_rr_owner(rr), owner,
			    sizeof(owner)) || !name_eq(owner, cur))
				continue;
			if ((rc = add_rr(ans, rr, owner)) != MAUTH_OK)
				goto bad;
			if (!dname_text(ldns_rr_rdf(rr, 0), cur, sizeof(cur)))
				goto bad;
			more = true;
			break;
		}
	}
	for (i = 0; i < n; i++) {
		rr = ldns_rr_list_rr(an, i);
		if (ldns_rr_get_type(rr) != (ldns_rr_type)qtype ||
		    ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN ||
		    !dname_text(ldns_rr_owner(rr), owner, sizeof(owner)) ||
		    !name_eq(owner, cur))
			continue;
		if ((rc = add_rr(ans, rr, owner)) != MAUTH_OK)
			goto bad;
	}
	/* NXDOMAIN or NODATA, possibly at the end of a CNAME chain */
	if (!dns_answer_has_type(ans, qtype))
		ans->ttl = negative_ttl(p);
	*out = ans;
	return MAUTH_DNS_ANSWER;
bad:
	mauth_dns_answer_free(ans);
	return MAUTH_DNS_FAILURE;
}

/* ---- the query --------------------------------------------------------- */

/* name_rdf - the wire form of a validated text name (no escapes taken) */
static ldns_rdf *
name_rdf(const char *name)
{
	uint8_t wire[DNS_NAME_MAX + 2];
	size_t o = 0, start;
	const char *p;

	for (p = name; *p != '\0';) {
		start = o++;
		while (*p != '\0' && *p != '.') {
			if (o >= sizeof(wire) - 1)
				return NULL;
			wire[o++] = (uint8_t)*p++;
		}
		wire[start] = (uint8_t)(o - start - 1);
		if (*p == '.')
			p++;
	}
	wire[o++] = 0;
	return ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, o, wire);
}

/* now_ms - monotonic milliseconds */
static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* send_one - one server: its retries, TCP fallback, reply checks */
static int
send_one(struct ldns_be *be, ldns_resolver *res, ldns_pkt *q,
    const char *qname, uint16_t type, struct mauth_dns_answer **out)
{
	ldns_pkt *reply = NULL;
	ldns_status s;
	uint64_t t0;
	int st;

	/* forget that an earlier query found the server unreachable */
	ldns_resolver_set_nameserver_rtt(res, 0, LDNS_RESOLV_RTT_MIN);
	t0 = now_ms();
	s = ldns_resolver_send_pkt(&reply, res, q);
	if (s != LDNS_STATUS_OK || reply == NULL) {
		ldns_pkt_free(reply);
		switch (s) {
		case LDNS_STATUS_NETWORK_ERR:
			/* timeouts take about timeout x retries */
			if (now_ms() - t0 >= (uint64_t)be->timeout_ms / 2)
				return MAUTH_DNS_TIMEOUT;
			return MAUTH_DNS_NETERR;
		case LDNS_STATUS_MEM_ERR:
			return MAUTH_DNS_FAILURE;
		case LDNS_STATUS_SOCKET_ERROR:
		case LDNS_STATUS_ERR:
		case LDNS_STATUS_RES_NO_NS:
			return MAUTH_DNS_NETERR;
		default:
			/* wire2pkt failures: a malformed reply */
			return MAUTH_DNS_FAILURE;
		}
	}
	if (!reply_matches(q, reply)) {
		ldns_pkt_free(reply);
		return MAUTH_DNS_FAILURE;
	}
	st = convert(reply, qname, type, out);
	ldns_pkt_free(reply);
	return st;
}

/*
 * ldns_query - the backend's query(): the servers in order; an answer with
 * SERVFAIL/REFUSED/NOTIMP/FORMERR moves on to the next server but is
 * returned if no server does better.  If all fail, TIMEOUT unless every
 * server failed with a network error.
 */
static int
ldns_query(void *arg, const char *name, uint16_t type,
    struct mauth_dns_answer **out)
{
	struct ldns_be *be = arg;
	struct mauth_dns_answer *ans, *fallback = NULL;
	struct tls_set *ts;
	ldns_rdf *qn;
	ldns_pkt *q;
	size_t i;
	int st;
	bool timedout = false, failed = false;

	if ((ts = thread_set(be)) == NULL)
		return MAUTH_DNS_FAILURE;
	if ((qn = name_rdf(name)) == NULL)
		return MAUTH_DNS_FAILURE;
	/* the packet takes qn */
	q = ldns_pkt_query_new(qn, (ldns_rr_type)type, LDNS_RR_CLASS_IN,
	    LDNS_RD);
	if (q == NULL) {
		ldns_rdf_deep_free(qn);
		return MAUTH_DNS_FAILURE;
	}
	/* RFC 6840 5.7: ask for the AD bit; RFC 6891: EDNS0 buffer size */
	ldns_pkt_set_ad(q, true);
	ldns_pkt_set_edns_udp_size(q, be->edns_size);

	for (i = 0; i < be->nservers; i++) {
		ans = NULL;
		ldns_pkt_set_random_id(q);
		st = send_one(be, ts->res[i], q, name, type, &ans);
		if (st == MAUTH_DNS_ANSWER) {
			if (ans->rcode == MAUTH_RCODE_NOERROR ||
			    ans->rcode == MAUTH_RCODE_NXDOMAIN) {
				mauth_dns_answer_free(fallback);
				ldns_pkt_free(q);
				*out = ans;
				return MAUTH_DNS_ANSWER;
			}
			if (fallback == NULL)
				fallback = ans;
			else
				mauth_dns_answer_free(ans);
			continue;
		}
		if (st == MAUTH_DNS_TIMEOUT)
			timedout = true;
		else if (st == MAUTH_DNS_FAILURE)
			failed = true;
	}
	ldns_pkt_free(q);
	if (fallback != NULL) {
		*out = fallback;
		return MAUTH_DNS_ANSWER;
	}
	if (timedout)
		return MAUTH_DNS_TIMEOUT;
	return failed ? MAUTH_DNS_FAILURE : MAUTH_DNS_NETERR;
}

/* ldns_destroy - the backend destroy(): free every thread's resolvers */
static void
ldns_destroy(void *arg)
{
	struct ldns_be *be = arg;
	struct tls_set *ts, *next;

	if (be == NULL)
		return;
	/* no more destructor calls for this key; free all remaining sets */
	pthread_key_delete(be->key);
	pthread_mutex_lock(&be->mu);
	for (ts = be->sets; ts != NULL; ts = next) {
		next = ts->next;
		set_free(ts);
	}
	be->sets = NULL;
	pthread_mutex_unlock(&be->mu);
	pthread_mutex_destroy(&be->mu);
	free(be);
}

/* servers_from_resolv_conf - the nameservers of a resolv.conf file */
static int
servers_from_resolv_conf(struct ldns_be *be, const char *path, char *errbuf,
    size_t errlen)
{
	ldns_resolver *r = NULL;
	ldns_rdf **ns;
	ldns_status s;
	size_t i, n;

	s = ldns_resolver_new_frm_file(&r, path);
	if (s != LDNS_STATUS_OK) {
		seterr(errbuf, errlen, "%s: %s", path,
		    ldns_get_errorstr_by_id(s));
		return MAUTH_ERR_DNS;
	}
	ns = ldns_resolver_nameservers(r);
	n = ldns_resolver_nameserver_count(r);
	for (i = 0; i < n && be->nservers < MAUTH_DNS_MAX_SERVERS; i++) {
		struct server *sv = &be->servers[be->nservers];

		if (ldns_rdf_get_type(ns[i]) == LDNS_RDF_TYPE_A &&
		    ldns_rdf_size(ns[i]) == 4)
			sv->family = AF_INET;
		else if (ldns_rdf_get_type(ns[i]) == LDNS_RDF_TYPE_AAAA &&
		    ldns_rdf_size(ns[i]) == 16)
			sv->family = AF_INET6;
		else
			continue;
		memcpy(sv->addr, ldns_rdf_data(ns[i]), ldns_rdf_size(ns[i]));
		sv->port = 53;
		be->nservers++;
	}
	ldns_resolver_deep_free(r);
	if (be->nservers == 0) {
		seterr(errbuf, errlen, "%s: no usable nameserver", path);
		return MAUTH_ERR_DNS;
	}
	return MAUTH_OK;
}

/* mauth_resolver_new_ldns - see dns.h */
int
mauth_resolver_new_ldns(const struct mauth_dns_options *opts,
    struct mauth_resolver **out, char *errbuf, size_t errlen)
{
	static const struct mauth_dns_options defaults;
	struct mauth_dns_backend mb;
	struct ldns_be *be;
	size_t i;
	int rc;

	if (out == NULL)
		return MAUTH_ERR_INVAL;
	*out = NULL;
	if (opts == NULL)
		opts = &defaults;
	if (opts->nservers > MAUTH_DNS_MAX_SERVERS) {
		seterr(errbuf, errlen, "too many DNS servers (max %d)",
		    MAUTH_DNS_MAX_SERVERS);
		return MAUTH_ERR_INVAL;
	}
	if (opts->timeout_ms > LDNS_MAX_TIMEOUT_MS ||
	    opts->retries > LDNS_MAX_RETRIES) {
		seterr(errbuf, errlen, "DNS timeout (max %d ms) or retries "
		    "(max %d) out of range", LDNS_MAX_TIMEOUT_MS,
		    LDNS_MAX_RETRIES);
		return MAUTH_ERR_INVAL;
	}
	if ((be = calloc(1, sizeof(*be))) == NULL)
		return MAUTH_ERR_NOMEM;
	be->timeout_ms = opts->timeout_ms ? opts->timeout_ms :
	    LDNS_DEFAULT_TIMEOUT_MS;
	be->retries = opts->retries ? opts->retries : LDNS_DEFAULT_RETRIES;
	be->edns_size = opts->edns_size ? opts->edns_size : LDNS_DEFAULT_EDNS;
	if (be->edns_size < 512)
		be->edns_size = 512;	/* RFC 6891 6.2.5 */

	for (i = 0; i < opts->nservers; i++) {
		struct server *sv = &be->servers[i];

		rc = dns_parse_server(opts->servers[i], &sv->family, sv->addr,
		    &sv->port, errbuf, errlen);
		if (rc != MAUTH_OK) {
			free(be);
			return rc;
		}
	}
	be->nservers = opts->nservers;
	if (be->nservers == 0) {
		rc = servers_from_resolv_conf(be, opts->resolv_conf != NULL ?
		    opts->resolv_conf : LDNS_RESOLV_CONF, errbuf, errlen);
		if (rc != MAUTH_OK) {
			free(be);
			return rc;
		}
	}
	if (pthread_mutex_init(&be->mu, NULL) != 0) {
		free(be);
		return MAUTH_ERR_NOMEM;
	}
	if (pthread_key_create(&be->key, tls_destroy) != 0) {
		seterr(errbuf, errlen, "no thread key left");
		pthread_mutex_destroy(&be->mu);
		free(be);
		return MAUTH_ERR_DNS;
	}
	mb.query = ldns_query;
	mb.destroy = ldns_destroy;
	mb.arg = be;
	if ((rc = mauth_resolver_new_custom(&mb, out)) != MAUTH_OK) {
		ldns_destroy(be);
		return rc;
	}
	return MAUTH_OK;
}
