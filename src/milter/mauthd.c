/*
 * mauthd.c - the milter daemon: options, start-up, privileges, signals.
 *
 *   mauthd -c FILE [-f] [-n]     run (in the background unless -f), or
 *                                check FILE (-n) and exit
 *   mauthd --print-config-doc    the documented example configuration
 *
 * Start-up order: configuration, keys, rules and resolver (all errors are
 * printed, then exit 2), the listening socket, the background fork, the pid
 * file, then the switch to the configured user.  SIGUSR1 reloads
 * everything (a failed reload keeps the running configuration); SIGHUP,
 * SIGTERM and SIGINT belong to libmilter, which stops the daemon on them
 * (its signal thread sigwaits on exactly those three).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mauthd.h"

#define EXIT_CONFIG	2

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: mauthd -c FILE [-f] [-n]\n"
"       mauthd --print-config-doc\n"
"  -c FILE   configuration file (default /etc/mauth/mauthd.conf)\n"
"  -f        stay in the foreground\n"
"  -n        check the configuration (keys and rules too), print\n"
"            \"configuration OK\" or each error as FILE:LINE: reason, exit\n"
"            0 or 2\n"
"  --print-config-doc  every key with its default, range and meaning\n"
"Signals: SIGUSR1 reloads configuration, keys and rules; SIGTERM, SIGINT\n"
"and SIGHUP stop the daemon (libmilter; it may take up to 5 seconds).\n");
}

/* reload_thread - SIGUSR1 is blocked everywhere and waited for here */
static void *
reload_thread(void *arg)
{
	sigset_t set;
	int sig;

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		md_log(MD_INFO, "SIGUSR1: reloading");
		(void)md_live_reload();
	}
	return NULL;
}

/*
 * socket_perms - a unix socket gets socket_mode and, with user set, that
 * user and group as owner, so that the MTA (in the group) can connect
 */
static int
socket_perms(const struct md_conf *c, const struct passwd *pw)
{
	const char *p = c->socket;

	if (strncmp(p, "unix:", 5) == 0)
		p += 5;
	else if (strncmp(p, "local:", 6) == 0)
		p += 6;
	else if (strchr(p, ':') != NULL)
		return 0;
	if (chmod(p, (mode_t)c->socket_mode) == -1 ||
	    (pw != NULL && chown(p, pw->pw_uid, pw->pw_gid) == -1)) {
		md_log(MD_ERR, "socket %s: %s", md_esc(p, 256),
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * tcp_nodelay - TCP_NODELAY on libmilter's listening TCP socket (accepted
 * connections inherit it on Linux).  libmilter answers end of message in
 * several small writes (header changes, then the verdict); with Nagle's
 * algorithm each one after the first waits for the MTA's delayed ACK, about
 * 40 ms per message.  libmilter does not expose the socket, so it is found
 * among our descriptors right after smfi_opensocket(): the only listening
 * stream socket then.
 */
static void
tcp_nodelay(void)
{
	int fd, v, one = 1;
	socklen_t len;

	for (fd = 0; fd < 64; fd++) {
		len = sizeof(v);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == -1 ||
		    v == 0)
			continue;
		len = sizeof(v);
		if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) == -1 ||
		    (v != AF_INET && v != AF_INET6))
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one)) == -1)
			md_log(MD_WARNING, "TCP_NODELAY: %s", strerror(errno));
		else
			md_log(MD_DEBUG, "TCP_NODELAY set on descriptor %d",
			    fd);
	}
}

/* drop_privileges - become pw's user (and its group); -1 with a message */
static int
drop_privileges(const char *user, const struct passwd *pw)
{
	if (setgroups(1, &pw->pw_gid) == -1 || setgid(pw->pw_gid) == -1 ||
	    setuid(pw->pw_uid) == -1) {
		md_log(MD_ERR, "cannot become user %s: %s", md_esc(user, 64),
		    strerror(errno));
		return -1;
	}
	if (pw->pw_uid != 0 && setuid(0) != -1) {
		md_log(MD_ERR, "could regain root after switching to %s",
		    md_esc(user, 64));
		return -1;
	}
	return 0;
}

/* write_pidfile - our pid in path */
static int
write_pidfile(const char *path)
{
	FILE *fp;

	if ((fp = fopen(path, "w")) == NULL) {
		md_log(MD_ERR, "pid file %s: %s", md_esc(path, 256),
		    strerror(errno));
		return -1;
	}
	fprintf(fp, "%ld\n", (long)getpid());
	if (fclose(fp) != 0) {
		md_log(MD_ERR, "pid file %s: %s", md_esc(path, 256),
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* daemonize - fork into the background, new session, stdio on /dev/null */
static int
daemonize(void)
{
	pid_t pid;
	int fd;

	if ((pid = fork()) == -1)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() == -1)
		return -1;
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		(void)dup2(fd, STDIN_FILENO);
		(void)dup2(fd, STDOUT_FILENO);
		if (fd > STDERR_FILENO)
			(void)close(fd);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *path = "/etc/mauth/mauthd.conf";
	bool fg = false, check = false;
	struct passwd *pw = NULL;
	struct md_live *l;
	pthread_t tid;
	sigset_t set;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "-f") == 0)
			fg = true;
		else if (strcmp(argv[i], "-n") == 0)
			check = true;
		else if (strcmp(argv[i], "--print-config-doc") == 0) {
			md_conf_doc(stdout);
			return 0;
		} else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return EXIT_CONFIG;
		}
	}
	if ((l = md_live_build(path, stderr)) == NULL) {
		if (check)
			return EXIT_CONFIG;
		fprintf(stderr, "mauthd: %s: not started\n", path);
		return EXIT_CONFIG;
	}
	if (check) {
		printf("%s: configuration OK\n", path);
		md_live_free(l);
		return 0;
	}
	md_log_open(l->conf->log, l->conf->log_debug);
	if (l->conf->user != NULL && (pw = getpwnam(l->conf->user)) == NULL) {
		md_log(MD_ERR, "user %s: no such user",
		    md_esc(l->conf->user, 64));
		md_live_free(l);
		return 1;
	}
	if (smfi_register(md_milter) == MI_FAILURE ||
	    smfi_setconn(l->conf->socket) == MI_FAILURE ||
	    smfi_opensocket(true) == MI_FAILURE) {
		md_log(MD_ERR, "cannot listen on %s", md_esc(l->conf->socket,
		    256));
		md_live_free(l);
		return 1;
	}
	tcp_nodelay();
	if (!fg && daemonize() == -1) {
		md_log(MD_ERR, "cannot go to the background: %s",
		    strerror(errno));
		md_live_free(l);
		return 1;
	}
	if (l->conf->pidfile != NULL && write_pidfile(l->conf->pidfile) == -1) {
		md_live_free(l);
		return 1;
	}
	if (socket_perms(l->conf, pw) == -1 || (pw != NULL &&
	    drop_privileges(l->conf->user, pw) == -1)) {
		md_live_free(l);
		return 1;
	}
	/*
	 * before any thread: every thread inherits these blocked; SIGUSR1 is
	 * sigwaited by reload_thread, the others by libmilter's signal thread
	 * (left unblocked here, one would kill the process in reload_thread)
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if ((rc = pthread_sigmask(SIG_BLOCK, &set, NULL)) != 0) {
		md_log(MD_ERR, "signal mask: %s", strerror(rc));
		md_live_free(l);
		return 1;
	}
	md_log(MD_INFO, "listening on %s (authserv-id %s, %zu signing "
	    "entries%s)", md_esc(l->conf->socket, 256),
	    md_esc(l->authserv_id, 256), l->conf->nsign,
	    l->policy != NULL ? ", rules loaded" : "");
	/* from here on l belongs to the running context: a reload frees it */
	(void)md_live_set(l);
	l = NULL;
	if ((rc = pthread_create(&tid, NULL, reload_thread, NULL)) != 0) {
		md_log(MD_ERR, "reload thread: %s", strerror(rc));
		md_live_clear();
		return 1;
	}
	(void)pthread_detach(tid);
	rc = smfi_main();
	md_log(MD_INFO, "stopped");
	if ((l = md_live_get()) != NULL) {
		if (l->conf->pidfile != NULL &&
		    unlink(l->conf->pidfile) == -1 && errno != ENOENT)
			md_log(MD_WARNING, "pid file %s left: %s",
			    md_esc(l->conf->pidfile, 256), strerror(errno));
		md_live_put(l);
	}
	md_live_clear();
	return rc == MI_SUCCESS ? 0 : 1;
}
