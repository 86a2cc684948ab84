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
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "../../checks/check.h"
#include "../core/clock.h"
#include "../conf/conf.h"

#define DEFAULT_CONF	"/etc/dbvip/dbvip.conf"

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

/* Drive every check to its end with poll(); each has its own deadline. */
static void
run_all(struct check **chk, int n)
{
	struct pollfd pfd[CONF_MAX_CHECKS];
	int map[CONF_MAX_CHECKS];

	for (;;) {
		uint64_t now = clock_update(), next = 0, deadline;
		uint32_t events;
		int i, np = 0, fd, timeout;

		for (i = 0; i < n; i++) {
			if (!check_running(chk[i]))
				continue;
			check_wait(chk[i], &fd, &events, &deadline);
			if (deadline != 0 && deadline <= now) {
				check_step(chk[i], 0, now);
				continue;
			}
			if (deadline != 0 && (next == 0 || deadline < next))
				next = deadline;
			if (fd != -1) {
				pfd[np].fd = fd;
				pfd[np].events = (short)((events & EPOLLIN ?
				    POLLIN : 0) | (events & EPOLLOUT ? POLLOUT : 0) |
				    (events & EPOLLPRI ? POLLPRI : 0));
				pfd[np].revents = 0;
				map[np++] = i;
			}
		}
		for (i = 0; i < n && !check_running(chk[i]); i++)
			;
		if (i == n)
			return;
		timeout = next == 0 ? 1000 :
		    (int)((next - now + 999) / 1000);
		if (poll(pfd, (nfds_t)np, timeout) == -1 && errno != EINTR)
			return;
		now = clock_update();
		for (i = 0; i < np; i++) {
			uint32_t ev = 0;

			if (pfd[i].revents == 0)
				continue;
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				ev |= EPOLLIN;
			if (pfd[i].revents & POLLOUT)
				ev |= EPOLLOUT;
			if (pfd[i].revents & POLLPRI)
				ev |= EPOLLPRI;
			check_step(chk[map[i]], ev, now);
		}
	}
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
	size_t len = 0;

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
		check_start(chk[n], clock_now());
		n++;
	}
	if (n == 0) {
		fprintf(stderr, "dbvip-check: %s has no [check] section\n",
		    path);
		conf_free(&c);
		return 2;
	}
	run_all(chk, n);

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
