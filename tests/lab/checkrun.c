/*
 * checkrun: drive one health check from a ppoll() loop, the way the agent's
 * loop will, and print one line per finished run:
 *
 *   RESULT run=N ok=0|1 errno=E start_ms=S end_ms=E latency_ms=L
 *          max_gap_ms=G wall_ms=W lag=L io=0|1 sql=0|1 msg=...
 *
 * start_ms / end_ms are CLOCK_MONOTONIC relative to the driver's start;
 * max_gap_ms is the longest time between two loop passes during that run
 * (the loop wakes at least every 10 ms, so anything much longer means a
 * call blocked); wall_ms is CLOCK_REALTIME at the end, only to line runs up
 * with events in the test script.  A last line "DONE runs=N max_gap_ms=G".
 *
 * The password is read from a file (-p), never taken from argv.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "../../checks/check.h"

#define TICK_US	10000ULL

static uint64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
usage(void)
{
	fprintf(stderr, "usage: checkrun -t type [-S socket | -H host -P port] "
	    "[-u user] [-p passfile]\n"
	    "  [-T timeout_ms] [-n runs] [-i interval_ms] [-U] [-q query] "
	    "[-o op] [-e expect]\n"
	    "  [-w table] [-m max_lag] [-r 0|1] [-g min_size] [-D] "
	    "[-c command]\n");
	exit(2);
}

static void
read_password(const char *path, char *buf, size_t len)
{
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		perror(path);
		exit(2);
	}
	if (fgets(buf, (int)len, f) == NULL)
		buf[0] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	fclose(f);
}

static uint32_t
poll_to_epoll(short re)
{
	uint32_t ev = 0;

	if (re & POLLIN)
		ev |= EPOLLIN;
	if (re & POLLOUT)
		ev |= EPOLLOUT;
	if (re & POLLPRI)
		ev |= EPOLLPRI;
	if (re & POLLERR)
		ev |= EPOLLERR;
	if (re & POLLHUP)
		ev |= EPOLLHUP;
	return ev;
}

static short
epoll_to_poll(uint32_t ev)
{
	short pe = 0;

	if (ev & EPOLLIN)
		pe |= POLLIN;
	if (ev & EPOLLOUT)
		pe |= POLLOUT;
	if (ev & EPOLLPRI)
		pe |= POLLPRI;
	return pe;
}

static void
print_result(const struct check *c, int run, uint64_t t0, uint64_t start,
    uint64_t end, uint64_t gap)
{
	const struct check_result *r = check_last(c);

	printf("RESULT run=%d ok=%d errno=%d start_ms=%.1f end_ms=%.1f "
	    "latency_ms=%.1f max_gap_ms=%.1f wall_ms=%llu lag=%ld io=%d "
	    "sql=%d msg=%s\n", run, r->ok, r->db_errno,
	    (double)(start - t0) / 1000, (double)(end - t0) / 1000,
	    (double)r->latency_us / 1000, (double)gap / 1000,
	    (unsigned long long)wall_ms(), r->lag_s, r->io_running,
	    r->sql_running, r->msg);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	struct check_conf cc;
	struct check_db db;
	struct check *c;
	struct pollfd pfd;
	struct timespec ts;
	char err[160];
	int opt, runs = 1, done = 0, type, fd, n;
	bool until_ok = false, have_db = false;
	uint32_t interval_ms = 1000, events;
	uint64_t t0, now, prev, next_run, started = 0, deadline = 0, wait_us;
	uint64_t gap, run_gap = 0, max_gap = 0;

	memset(&cc, 0, sizeof(cc));
	memset(&db, 0, sizeof(db));
	cc.timeout_ms = 1000;
	cc.max_lag_s = 10;
	cc.min_cluster_size = 1;
	db.connect_timeout_s = 2;
	while ((opt = getopt(argc, argv, "t:S:H:P:u:p:T:n:i:Uq:o:e:w:m:r:g:Dc:"))
	    != -1) {
		switch (opt) {
		case 't':
			if ((type = check_type_parse(optarg)) < 0)
				usage();
			cc.type = (enum check_type)type;
			break;
		case 'S':
			snprintf(db.socket, sizeof(db.socket), "%s", optarg);
			have_db = true;
			break;
		case 'H':
			snprintf(db.host, sizeof(db.host), "%s", optarg);
			have_db = true;
			break;
		case 'P':
			db.port = (unsigned)atoi(optarg);
			break;
		case 'u':
			snprintf(db.user, sizeof(db.user), "%s", optarg);
			break;
		case 'p':
			read_password(optarg, db.password, sizeof(db.password));
			break;
		case 'T':
			cc.timeout_ms = (uint32_t)atoi(optarg);
			break;
		case 'n':
			runs = atoi(optarg);
			break;
		case 'i':
			interval_ms = (uint32_t)atoi(optarg);
			break;
		case 'U':
			until_ok = true;
			break;
		case 'q':
			snprintf(cc.query, sizeof(cc.query), "%s", optarg);
			break;
		case 'o':
			cc.expect_op = optarg[0];
			break;
		case 'e':
			snprintf(cc.expect, sizeof(cc.expect), "%s", optarg);
			break;
		case 'w':
			snprintf(cc.table, sizeof(cc.table), "%s", optarg);
			break;
		case 'm':
			cc.max_lag_s = (uint32_t)atoi(optarg);
			break;
		case 'r':
			cc.expect_read_only = atoi(optarg) != 0;
			break;
		case 'g':
			cc.min_cluster_size = (unsigned)atoi(optarg);
			break;
		case 'D':
			cc.allow_donor = true;
			break;
		case 'c':
			snprintf(cc.command, sizeof(cc.command), "%s", optarg);
			break;
		default:
			usage();
		}
	}
	snprintf(cc.name, sizeof(cc.name), "%s", check_type_name(cc.type));
	cc.interval_ms = interval_ms;
	if (check_validate(&cc, have_db ? &db : NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "checkrun: %s\n", err);
		return 2;
	}
	if ((c = check_new(&cc, have_db ? &db : NULL)) == NULL) {
		perror("check_new");
		return 2;
	}
	/* Like the agent: a dead peer must not kill us with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);

	t0 = prev = next_run = mono_us();
	while (done < runs) {
		now = mono_us();
		gap = now - prev;
		prev = now;
		if (gap > max_gap)
			max_gap = gap;
		if (check_running(c) && gap > run_gap)
			run_gap = gap;
		if (!check_running(c) && now >= next_run) {
			started = now;
			run_gap = 0;
			next_run += (uint64_t)interval_ms * 1000;
			if (next_run < now)
				next_run = now;
			check_start(c, now);
			if (!check_running(c)) {
				print_result(c, ++done, t0, started, now, 0);
				if (until_ok && check_last(c)->ok)
					break;
				continue;
			}
		}
		/* Wake at least every tick, earlier for a deadline or run. */
		fd = -1;
		events = 0;
		wait_us = TICK_US;
		if (check_running(c)) {
			check_wait(c, &fd, &events, &deadline);
			if (deadline != 0)
				wait_us = deadline > now ?
				    (deadline - now < wait_us ? deadline - now :
				    wait_us) : 0;
		} else if (next_run > now && next_run - now < wait_us) {
			wait_us = next_run - now;
		} else if (next_run <= now) {
			wait_us = 0;
		}
		pfd.fd = fd;
		pfd.events = epoll_to_poll(events);
		pfd.revents = 0;
		ts.tv_sec = (time_t)(wait_us / 1000000);
		ts.tv_nsec = (long)(wait_us % 1000000) * 1000;
		n = ppoll(&pfd, 1, &ts, NULL);
		if (n < 0 && errno != EINTR) {
			perror("ppoll");
			return 1;
		}
		if (!check_running(c))
			continue;
		now = mono_us();
		if ((n > 0 && pfd.revents) || (deadline && now >= deadline)) {
			if (check_step(c, n > 0 ? poll_to_epoll(pfd.revents) :
			    0, now)) {
				print_result(c, ++done, t0, started, now,
				    run_gap);
				if (until_ok && check_last(c)->ok)
					break;
			}
		}
	}
	printf("DONE runs=%d max_gap_ms=%.1f\n", done, (double)max_gap / 1000);
	check_free(c);
	return 0;
}
