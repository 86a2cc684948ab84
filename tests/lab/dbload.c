/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dbload: the lab's database load and observer, two modes.
 *
 * dbload writer HOST PORT USER PASSWORD SECONDS
 *   Inserts numbered rows (app.w: id, ms) through HOST:PORT (the VIP),
 *   autocommit, with 1 s connect/read/write timeouts, reconnecting after
 *   any error, one attempt every 10 ms.  Every attempt gets a new id
 *   (the first is the start time in ms times 1000).
 *   Prints "ack ID MS" for each acknowledged insert and "err ID MS ERRNO"
 *   for each failed one (MS: CLOCK_MONOTONIC milliseconds), flushed line
 *   by line.  Ends after SECONDS or on SIGTERM.
 *
 * dbload sampler PERIOD_MS VIP NAME:NETNS:SOCKET...
 *   One thread per host enters the host's network namespace, and every
 *   PERIOD_MS looks whether VIP is on one of the host's interfaces, then
 *   reads @@read_only over the host's unix socket (as root, 1 s
 *   timeouts), and prints one line per sample:
 *     NAME SEND_MS RECV_MS R V
 *   R is w (read_only=0), r (read_only=1) or ? (no answer: a dead or
 *   frozen server); V is v when the host held the VIP at SEND_MS, else -.
 *   The server was in state R at some instant between SEND_MS and
 *   RECV_MS.  Ends on SIGTERM.
 *
 * dbload now
 *   Prints CLOCK_MONOTONIC milliseconds (the writer's clock), e.g. to
 *   stamp the moment of a fault.
 *
 * Lab use only: it runs in the lab namespaces against lab addresses.
 */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mysql.h>

#include "lab_clock.h"

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR && !stop)
		;
}

static MYSQL *
db_connect(const char *host, unsigned port, const char *sock,
    const char *user, const char *pw)
{
	unsigned t = 1;
	MYSQL *my = mysql_init(NULL);

	if (my == NULL)
		return NULL;
	mysql_options(my, MYSQL_OPT_CONNECT_TIMEOUT, &t);
	mysql_options(my, MYSQL_OPT_READ_TIMEOUT, &t);
	mysql_options(my, MYSQL_OPT_WRITE_TIMEOUT, &t);
	if (mysql_real_connect(my, host, user, pw, NULL, port, sock, 0) ==
	    NULL) {
		mysql_close(my);
		return NULL;
	}
	return my;
}

static int
writer(int argc, char **argv)
{
	const char *host, *user, *pw;
	unsigned port;
	long long end, id = 0;
	char sql[128];
	MYSQL *my = NULL;

	if (argc != 7) {
		fprintf(stderr, "usage: dbload writer HOST PORT USER PASSWORD "
		    "SECONDS\n");
		return 2;
	}
	host = argv[2];
	port = (unsigned)atoi(argv[3]);
	user = argv[4];
	pw = argv[5];
	end = now_ms() + atoll(argv[6]) * 1000;
	/* Ids unique across writers of one run: start at ms * 1000. */
	id = now_ms() * 1000;
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (!stop && now_ms() < end) {
		id++;
		if (my == NULL)
			my = db_connect(host, port, NULL, user, pw);
		if (my == NULL) {
			printf("err %lld %lld connect\n", id, now_ms());
			if (id % 1000 == 1)
				fprintf(stderr, "dbload: first connect to %s "
				    "failed\n", host);
			sleep_ms(10);
			continue;
		}
		snprintf(sql, sizeof(sql), "INSERT INTO app.w (id, ms) VALUES "
		    "(%lld, %lld)", id, now_ms());
		if (mysql_query(my, sql) == 0) {
			printf("ack %lld %lld\n", id, now_ms());
		} else {
			printf("err %lld %lld %u\n", id, now_ms(),
			    mysql_errno(my));
			mysql_close(my);
			my = NULL;
		}
		sleep_ms(10);
	}
	if (my != NULL)
		mysql_close(my);
	return 0;
}

struct host {
	pthread_t th;
	char name[32];
	char netns[64];
	char sock[256];
	const char *vip;
	long period;
};

static pthread_mutex_t out_mu = PTHREAD_MUTEX_INITIALIZER;

static int
has_vip(const char *vip)
{
	struct ifaddrs *ifa, *i;
	char buf[INET6_ADDRSTRLEN];
	int found = 0;

	if (getifaddrs(&ifa) == -1)
		return 0;
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)
			    (void *)i->ifa_addr)->sin_addr, buf, sizeof(buf));
		else if (i->ifa_addr->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)
			    (void *)i->ifa_addr)->sin6_addr, buf, sizeof(buf));
		else
			continue;
		if (strcmp(buf, vip) == 0)
			found = 1;
	}
	freeifaddrs(ifa);
	return found;
}

static void *
sampler_thread(void *arg)
{
	struct host *h = arg;
	char path[128], r;
	MYSQL *my = NULL;
	MYSQL_RES *res;
	MYSQL_ROW row;
	long long t0, t1;
	int fd, v;

	/* setns() moves only this thread. */
	snprintf(path, sizeof(path), "/var/run/netns/%s", h->netns);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    setns(fd, CLONE_NEWNET) == -1) {
		fprintf(stderr, "dbload: netns %s: %s\n", h->netns,
		    strerror(errno));
		exit(1);
	}
	close(fd);
	while (!stop) {
		t0 = now_ms();
		v = has_vip(h->vip);
		r = '?';
		if (my == NULL)
			my = db_connect(NULL, 0, h->sock, "root", NULL);
		if (my != NULL && mysql_query(my, "SELECT @@global.read_only")
		    == 0 && (res = mysql_store_result(my)) != NULL) {
			row = mysql_fetch_row(res);
			if (row != NULL && row[0] != NULL)
				r = strcmp(row[0], "0") != 0 ? 'r' : 'w';
			mysql_free_result(res);
		} else if (my != NULL) {
			mysql_close(my);
			my = NULL;
		}
		t1 = now_ms();
		pthread_mutex_lock(&out_mu);
		printf("%s %lld %lld %c %c\n", h->name, t0, t1, r,
		    v ? 'v' : '-');
		pthread_mutex_unlock(&out_mu);
		if (t1 - t0 < h->period)
			sleep_ms(h->period - (t1 - t0));
	}
	return NULL;
}

static int
sampler(int argc, char **argv)
{
	struct host *hosts;
	int n = argc - 4, i;
	long period;

	if (argc < 5) {
		fprintf(stderr, "usage: dbload sampler PERIOD_MS VIP "
		    "NAME:NETNS:SOCKET...\n");
		return 2;
	}
	period = atol(argv[2]);
	if ((hosts = calloc((size_t)n, sizeof(*hosts))) == NULL)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < n; i++) {
		char *a = argv[4 + i], *c1 = strchr(a, ':'), *c2;

		if (c1 == NULL || (c2 = strchr(c1 + 1, ':')) == NULL) {
			fprintf(stderr, "dbload: bad host '%s'\n", a);
			return 2;
		}
		snprintf(hosts[i].name, sizeof(hosts[i].name), "%.*s",
		    (int)(c1 - a), a);
		snprintf(hosts[i].netns, sizeof(hosts[i].netns), "%.*s",
		    (int)(c2 - c1 - 1), c1 + 1);
		snprintf(hosts[i].sock, sizeof(hosts[i].sock), "%s", c2 + 1);
		hosts[i].vip = argv[3];
		hosts[i].period = period;
		if (pthread_create(&hosts[i].th, NULL, sampler_thread,
		    &hosts[i]) != 0)
			return 1;
	}
	while (!stop)
		sleep_ms(period);
	/* Threads may sit in a 1 s timeout: do not wait for them. */
	pthread_mutex_lock(&out_mu);
	fflush(stdout);
	_exit(0);
}

int
main(int argc, char **argv)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (argc >= 2 && strcmp(argv[1], "writer") == 0)
		return writer(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "sampler") == 0)
		return sampler(argc, argv);
	if (argc == 2 && strcmp(argv[1], "now") == 0) {
		printf("%lld\n", now_ms());
		return 0;
	}
	fprintf(stderr, "usage: dbload writer|sampler ...\n");
	return 2;
}
