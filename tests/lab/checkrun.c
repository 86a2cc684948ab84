/* SPDX-License-Identifier: Apache-2.0 */
/*
 * checkrun: drive one health check from the agent's loop (agent/core/
 * loop.c, a struct loop_wait for what the check waits for, as health.c
 * does), and print one line per finished run:
 *
 *   RESULT run=N ok=0|1 errno=E start_ms=S end_ms=E latency_ms=L
 *          max_gap_ms=G wall_ms=W lag=L io=0|1 sql=0|1 msg=...
 *
 * start_ms / end_ms are CLOCK_MONOTONIC relative to the driver's start;
 * max_gap_ms is the longest time between two callbacks during that run
 * (a tick timer runs every 10 ms, so anything much longer means a call
 * blocked); wall_ms is CLOCK_REALTIME at the end, only to line runs up
 * with events in the test script.  A last line "DONE runs=N max_gap_ms=G".
 *
 * The password is read from a file (-p), never taken from argv.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../checks/check.h"
#include "../../agent/core/clock.h"
#include "../../agent/core/loop.h"

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

/* The driver: one check, its wait, a tick that starts runs and measures. */
struct drv {
	struct loop *l;
	struct check *c;
	struct loop_wait w;
	struct loop_timer tick;
	int runs, done;
	bool until_ok, finished;
	uint32_t interval_ms;
	uint64_t t0, prev, next_run, started, run_gap, max_gap;
};

/* The time since the last callback: a blocking call shows up here. */
static uint64_t
drv_gap(struct drv *d)
{
	uint64_t now = mono_us(), gap = now - d->prev;

	d->prev = now;
	if (gap > d->max_gap)
		d->max_gap = gap;
	if (check_running(d->c) && gap > d->run_gap)
		d->run_gap = gap;
	return now;
}

static void
drv_ended(struct drv *d, uint64_t now, uint64_t gap)
{
	print_result(d->c, ++d->done, d->t0, d->started, now, gap);
	if (d->done >= d->runs || (d->until_ok && check_last(d->c)->ok))
		d->finished = true;
}

static void
drv_arm(struct drv *d)
{
	uint64_t deadline;
	uint32_t events;
	int fd;

	check_wait(d->c, &fd, &events, &deadline);
	if (loop_wait_arm(&d->w, fd, events, deadline) == -1)
		perror("loop_wait_arm");
}

static void
drv_step(void *arg, uint32_t events)
{
	struct drv *d = arg;
	uint64_t now = drv_gap(d);

	if (check_step(d->c, events, now))
		drv_ended(d, now, d->run_gap);
	else
		drv_arm(d);
}

static void
drv_tick(void *arg)
{
	struct drv *d = arg;
	uint64_t now = drv_gap(d);

	if (!d->finished && !check_running(d->c) && now >= d->next_run) {
		d->started = now;
		d->run_gap = 0;
		d->next_run += (uint64_t)d->interval_ms * 1000;
		if (d->next_run < now)
			d->next_run = now;
		check_start(d->c, now);
		if (!check_running(d->c))
			drv_ended(d, now, 0);
		else
			drv_arm(d);
	}
	/* At least every tick, at the next run's start if that is sooner. */
	loop_timer_set(d->l, &d->tick, !check_running(d->c) &&
	    d->next_run > now && d->next_run < now + TICK_US ? d->next_run :
	    now + TICK_US, drv_tick, d, "tick");
}

static bool
drv_finished(void *arg)
{
	return ((struct drv *)arg)->finished;
}

int
main(int argc, char **argv)
{
	struct check_conf cc;
	struct check_db db;
	struct check *c;
	struct drv d;
	char err[160];
	int opt, runs = 1, type;
	bool until_ok = false, have_db = false;
	uint32_t interval_ms = 1000;

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

	memset(&d, 0, sizeof(d));
	if ((d.l = loop_new()) == NULL) {
		perror("loop_new");
		return 1;
	}
	d.c = c;
	d.runs = runs;
	d.until_ok = until_ok;
	d.interval_ms = interval_ms;
	loop_wait_init(&d.w, d.l, drv_step, &d, "check deadline");
	d.t0 = d.prev = d.next_run = clock_update();
	loop_timer_set(d.l, &d.tick, d.t0, drv_tick, &d, "tick");
	/* Runs and their timeouts bound it; the deadline is a backstop. */
	if (loop_run_until(d.l, d.t0 + (uint64_t)(runs + 1) *
	    (interval_ms + cc.timeout_ms + 10000) * 1000ULL, drv_finished,
	    &d) == -1)
		perror("loop_run_until");
	printf("DONE runs=%d max_gap_ms=%.1f\n", d.done,
	    (double)d.max_gap / 1000);
	loop_wait_cancel(&d.w);
	loop_free(d.l);
	check_free(c);
	return 0;
}
