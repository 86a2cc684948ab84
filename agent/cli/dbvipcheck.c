/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dbvip-check: run the configured MariaDB / Galera / script checks once
 * against the local database and exit 0 (all healthy) or 1 (not), with one
 * line saying why.  Made for keepalived's vrrp_script, so sites that keep
 * keepalived can use dbvip's checks (non-blocking, with timeouts, Galera
 * aware) instead of `mysqladmin ping`.
 *
 *   dbvip-check [-f FILE] [-c CHECK]... [-q]
 *
 * All checks of the file run at once, each bounded by its own timeout;
 * -c limits the run to the named checks.  Exit 0 healthy, 1 unhealthy,
 * 2 usage or configuration error.  rise/fall and weights are keepalived's
 * business here: they belong in its vrrp_script block.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../checks/check.h"
#include "../core/clock.h"
#include "../core/log.h"
#include "../core/loop.h"
#include "../conf/conf.h"

#define DEFAULT_CONF	"/etc/dbvip/dbvip.conf"
#define RUN_GRACE_MS	10000	/* past the longest timeout: a backstop */

static void
usage(void)
{
	fprintf(stderr, "usage: dbvip-check [-q] [-f FILE] [-c CHECK]...\n"
	    "       dbvip-check --version\n");
	exit(2);
}

static bool
selected(const char *name, char **only, int nonly)
{
	int i;

	if (nonly == 0)
		return true;
	for (i = 0; i < nonly; i++)
		if (strcmp(only[i], name) == 0)
			return true;
	return false;
}

/* One check in the loop: its wait, stepped until it ends. */
struct run {
	struct check *chk;
	struct loop_wait w;
};

static void
run_arm(struct run *r)
{
	uint64_t deadline;
	uint32_t events;
	int fd;

	if (!check_running(r->chk))
		return;
	check_wait(r->chk, &fd, &events, &deadline);
	if (loop_wait_arm(&r->w, fd, events, deadline) == -1)
		fprintf(stderr, "dbvip-check: watch fd: %s\n", strerror(errno));
}

static void
run_step(void *arg, uint32_t events)
{
	struct run *r = arg;

	check_step(r->chk, events, clock_now());
	run_arm(r);
}

struct runs {
	struct run r[CONF_MAX_CHECKS];
	int n;
};

static bool
runs_over(void *arg)
{
	struct runs *rs = arg;
	int i;

	for (i = 0; i < rs->n; i++)
		if (check_running(rs->r[i].chk))
			return false;
	return true;
}

/*
 * Drive every check to its end in the agent's loop; each has its own
 * deadline (check.h: always set while running), the loop's is a backstop.
 */
static void
run_all(struct check **chk, int n, uint32_t max_timeout_ms)
{
	struct runs rs;
	struct loop *l;
	int i;

	if ((l = loop_new()) == NULL) {
		fprintf(stderr, "dbvip-check: epoll: %s\n", strerror(errno));
		return;
	}
	rs.n = n;
	for (i = 0; i < n; i++) {
		rs.r[i].chk = chk[i];
		loop_wait_init(&rs.r[i].w, l, run_step, &rs.r[i],
		    "check deadline");
		run_arm(&rs.r[i]);
	}
	(void)loop_run_until(l, clock_now() + ((uint64_t)max_timeout_ms +
	    RUN_GRACE_MS) * USEC_PER_MSEC, runs_over, &rs);
	for (i = 0; i < n; i++)
		loop_wait_cancel(&rs.r[i].w);
	loop_free(l);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = DEFAULT_CONF;
	char *only[CONF_MAX_CHECKS], err[512], line[1024];
	struct check *chk[CONF_MAX_CHECKS];
	const char *names[CONF_MAX_CHECKS];
	struct conf c;
	int ch, i, n = 0, nonly = 0, failed = 0, quiet = 0;
	uint32_t max_timeout_ms = 0;
	size_t len = 0;

	log_init("dbvip-check");
	while ((ch = getopt_long(argc, argv, "f:c:qhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			path = optarg;
			break;
		case 'c':
			if (nonly == CONF_MAX_CHECKS)
				usage();
			only[nonly++] = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'V':
			printf("dbvip-check %s\n", DBVIP_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (conf_load_opts(path, &c, err, sizeof(err), CONF_CHECKS_ONLY) == -1) {
		fprintf(stderr, "dbvip-check: %s\n", err);
		return 2;
	}
	for (i = 0; i < nonly; i++) {
		int j;

		for (j = 0; j < c.nchecks; j++)
			if (strcmp(c.checks[j].cc.name, only[i]) == 0)
				break;
		if (j == c.nchecks) {
			fprintf(stderr, "dbvip-check: %s: no [check %s]\n",
			    path, only[i]);
			conf_free(&c);
			return 2;
		}
	}
	clock_update();
	for (i = 0; i < c.nchecks; i++) {
		if (!selected(c.checks[i].cc.name, only, nonly))
			continue;
		chk[n] = check_new(&c.checks[i].cc, c.have_db ? &c.db : NULL);
		if (chk[n] == NULL) {
			fprintf(stderr, "dbvip-check: check %s: %s\n",
			    c.checks[i].cc.name, strerror(errno));
			conf_free(&c);
			return 2;
		}
		names[n] = c.checks[i].cc.name;
		if (c.checks[i].cc.timeout_ms > max_timeout_ms)
			max_timeout_ms = c.checks[i].cc.timeout_ms;
		check_start(chk[n], clock_now());
		n++;
	}
	if (n == 0) {
		fprintf(stderr, "dbvip-check: %s has no [check] section\n",
		    path);
		conf_free(&c);
		return 2;
	}
	run_all(chk, n, max_timeout_ms);

	/* One line: the failures if any, else every check's summary. */
	line[0] = '\0';
	for (i = 0; i < n; i++)
		if (!check_last(chk[i])->ok)
			failed++;
	for (i = 0; i < n && len < sizeof(line); i++) {
		const struct check_result *r = check_last(chk[i]);
		int w;

		if (failed > 0 && r->ok)
			continue;
		w = snprintf(line + len, sizeof(line) - len, "%s%s: %s",
		    len > 0 ? "; " : "", names[i], r->msg);
		if (w > 0)
			len += (size_t)w;
	}
	if (!quiet)
		printf("%s %s\n", failed > 0 ? "FAILING" : "OK", line);
	for (i = 0; i < n; i++)
		check_free(chk[i]);
	conf_free(&c);
	return failed > 0 ? 1 : 0;
}
