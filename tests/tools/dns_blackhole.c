/*
 * dns_blackhole.c - a DNS "server" that never answers, for timeout tests.
 *
 * usage: dns_blackhole ADDR PORT [LIFETIME_SECONDS]
 *
 * Binds UDP and TCP on ADDR:PORT, reads every datagram and every byte sent on
 * accepted TCP connections, and never replies.  Prints "ready ADDR PORT" on
 * stdout once both sockets are bound, so a test can wait for it.  On SIGTERM
 * or SIGINT, or after LIFETIME_SECONDS (default 120, a backstop so it can
 * never outlive a test), it prints "udp N tcp M" (datagrams received, TCP
 * connections accepted) on stdout and exits 0.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONN	32
#define DEFAULT_LIFE	120

static volatile sig_atomic_t stop;

/* on_signal - ask the loop to stop */
static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* parse_num - bounded decimal; -1 on error */
static long
parse_num(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	return v;
}

/* open_socket - a socket of the given type bound to sin */
static int
open_socket(int type, const struct sockaddr_in *sin)
{
	int fd, one = 1;

	if ((fd = socket(AF_INET, type, 0)) == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, (const struct sockaddr *)sin, sizeof(*sin)) == -1 ||
	    (type == SOCK_STREAM && listen(fd, 16) == -1)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* main - bind, swallow queries, report counts */
int
main(int argc, char **argv)
{
	struct pollfd pfd[2 + MAX_CONN];
	struct sockaddr_in sin;
	struct sigaction sa;
	unsigned long nudp = 0, ntcp = 0;
	char buf[65536];
	size_t nfds, i;
	long port, life;
	time_t end;
	int fd;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: dns_blackhole ADDR PORT [LIFETIME]\n");
		return 2;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	if (inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1 ||
	    (port = parse_num(argv[2], 1, 65535)) == -1) {
		fprintf(stderr, "dns_blackhole: bad address or port\n");
		return 2;
	}
	life = DEFAULT_LIFE;
	if (argc == 4 && (life = parse_num(argv[3], 1, 3600)) == -1) {
		fprintf(stderr, "dns_blackhole: bad lifetime\n");
		return 2;
	}
	sin.sin_port = htons((uint16_t)port);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1) {
		perror("dns_blackhole: sigaction");
		return 1;
	}

	if ((pfd[0].fd = open_socket(SOCK_DGRAM, &sin)) == -1 ||
	    (pfd[1].fd = open_socket(SOCK_STREAM, &sin)) == -1) {
		perror("dns_blackhole: bind");
		return 1;
	}
	pfd[0].events = pfd[1].events = POLLIN;
	nfds = 2;
	printf("ready %s %ld\n", argv[1], port);
	fflush(stdout);

	end = time(NULL) + life;
	while (!stop && time(NULL) < end) {
		if (poll(pfd, nfds, 200) == -1) {
			if (errno == EINTR)
				continue;
			perror("dns_blackhole: poll");
			return 1;
		}
		/* UDP: swallow the query */
		if (pfd[0].revents & POLLIN &&
		    recv(pfd[0].fd, buf, sizeof(buf), 0) >= 0)
			nudp++;
		/* TCP: accept while there is room, never answer */
		if (pfd[1].revents & POLLIN &&
		    (fd = accept(pfd[1].fd, NULL, NULL)) != -1) {
			ntcp++;
			if (nfds < 2 + MAX_CONN) {
				pfd[nfds].fd = fd;
				pfd[nfds].events = POLLIN;
				pfd[nfds].revents = 0;
				nfds++;
			} else
				close(fd);
		}
		for (i = 2; i < nfds; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (recv(pfd[i].fd, buf, sizeof(buf), 0) > 0)
				continue;
			/* closed by the peer: drop it */
			close(pfd[i].fd);
			pfd[i] = pfd[nfds - 1];
			nfds--;
			i--;
		}
	}
	printf("udp %lu tcp %lu\n", nudp, ntcp);
	return 0;
}
