/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dbvipd: start-up, signals, reload.  Everything else happens in the loop.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "../conf/acct.h"
#include "agent.h"
#include "clock.h"
#include "../conf/conf.h"
#include "../ctl/ctl.h"
#include "../conf/lint.h"
#include "log.h"
#include "loop.h"
#include "notify.h"
#include "priv.h"

struct daemon {
	struct loop *loop;
	struct agent agent;
	struct ctl *ctl;
	const char *conf_path;
	int sigfd;
};

static void
usage(void)
{
	fprintf(stderr,
	    "usage: dbvipd [-t] [-d SUBSYS]... -f FILE\n"
	    "       dbvipd --version\n"
	    "  -f FILE    configuration file\n"
	    "  -t         check the configuration and exit (0 valid, 1 not)\n"
	    "  -d SUBSYS  debug output for pkt, fsm, arp, nl, sql, ctl, loop "
	    "or all\n");
	exit(2);
}

/*
 * SIGHUP: parse and validate the file into a fresh struct; only if that
 * succeeds does the agent switch to it, so a broken edit never replaces a
 * running configuration.
 */
static void
daemon_reload(struct daemon *d)
{
	struct conf nc;
	char err[512];

	log_info("reloading %s", d->conf_path);
	if (conf_load(d->conf_path, &nc, err, sizeof(err)) == -1) {
		log_warnx("reload refused, keeping the running configuration: "
		    "%s", err);
		return;
	}
	if (strcmp(nc.control_socket, d->agent.conf.control_socket) != 0)
		log_warnx("control_socket change needs a restart; keeping %s",
		    d->agent.conf.control_socket);
	if (strcmp(nc.user, d->agent.conf.user) != 0)
		log_warnx("user change needs a restart; still running as %s",
		    d->agent.conf.user[0] != '\0' ? d->agent.conf.user :
		    "the starting user");
	agent_reload(&d->agent, &nc);
}

/* -t: each lint finding on stderr. */
static void
print_lint(void *arg, bool error, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s: %s\n", error ? "error" : "warning", msg);
}

/* Start-up: the accounts' findings are warnings; the agent starts anyway. */
static void
log_acct(void *arg, bool error, const char *msg)
{
	(void)arg;
	log_warnx("%s%s", error ? "" : "warning: ", msg);
}

static void
daemon_signal(void *arg, int fd, uint32_t events)
{
	struct daemon *d = arg;
	struct signalfd_siginfo si;

	(void)events;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_info("signal %d: leaving cleanly", (int)si.ssi_signo);
			loop_stop(d->loop);
			return;
		case SIGQUIT:
			/*
			 * A restart (package upgrade, new binary): leave the
			 * VIPs and the database as they are, send nothing;
			 * the next start resumes mastership (role.h).
			 */
			log_info("signal %d: leaving for a restart; VIPs and "
			    "database role kept", (int)si.ssi_signo);
			d->agent.keep_on_exit = true;
			loop_stop(d->loop);
			return;
		case SIGHUP:
			daemon_reload(d);
			break;
		default:
			break;
		}
	}
}

/*
 * Give the control socket to the configured user (so that its group can
 * use dbvipctl), then drop privileges for good.
 */
static int
daemon_drop(struct daemon *d, char *err, size_t errlen)
{
	const struct conf *c = &d->agent.conf;
	uid_t uid;
	gid_t gid;

	if (c->user[0] != '\0' && geteuid() == 0) {
		if (priv_user_ids(c->user, &uid, &gid, err, errlen) == -1)
			return -1;
		if (lchown(c->control_socket, uid, gid) == -1) {
			snprintf(err, errlen, "%s: chown to %s: %s",
			    c->control_socket, c->user, strerror(errno));
			return -1;
		}
	}
	return priv_drop(c->user, err, errlen);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon d = { .sigfd = -1 };
	struct conf conf;
	char err[512];
	sigset_t mask;
	int ch, test = 0, rc = 0;

	log_init("dbvipd");
	while ((ch = getopt_long(argc, argv, "f:td:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			d.conf_path = optarg;
			break;
		case 't':
			test = 1;
			break;
		case 'd':
			if (log_debug_enable(optarg) == -1)
				fatalx("unknown debug subsystem %s", optarg);
			break;
		case 'V':
			printf("dbvipd %s\n", DBVIP_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (d.conf_path == NULL || optind != argc)
		usage();
	if (conf_load(d.conf_path, &conf, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (test) {
		/* Warnings are advice; only lint errors fail the test. */
		int errors = lint_conf(&conf, print_lint, NULL);
		uid_t uid;
		gid_t gid;

		/* A blocking connect per account, bounded by connect_timeout. */
		errors += acct_check(&conf, true, conf.db.connect_timeout_s,
		    print_lint, NULL);

		/* A warning only: packages install the file before the user. */
		if (conf.user[0] != '\0' &&
		    priv_user_ids(conf.user, &uid, &gid, err, sizeof(err)) == -1)
			fprintf(stderr, "%s: warning: %s (dbvipd will not "
			    "start until it exists)\n", d.conf_path, err);
		if (errors > 0)
			fprintf(stderr, "%s: %d error%s\n", d.conf_path, errors,
			    errors == 1 ? "" : "s");
		else
			printf("%s: configuration OK (%d instance%s)\n",
			    d.conf_path, conf.ninst, conf.ninst == 1 ? "" : "s");
		conf_free(&conf);
		return errors > 0 ? 1 : 0;
	}

	/* A missing user fails now, before any VRRP packet is sent. */
	if (conf.user[0] != '\0') {
		uid_t uid;
		gid_t gid;

		if (priv_user_ids(conf.user, &uid, &gid, err, sizeof(err)) ==
		    -1) {
			fprintf(stderr, "%s: %s\n", d.conf_path, err);
			conf_free(&conf);
			return 1;
		}
	}

	/* Signals arrive as loop events, never in the middle of a callback. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1)
		fatal("sigprocmask");
	signal(SIGPIPE, SIG_IGN);
	if ((d.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fatal("signalfd");
	if ((d.loop = loop_new()) == NULL)
		fatal("epoll");
	clock_update();
	if (loop_add_fd(d.loop, d.sigfd, EPOLLIN, daemon_signal, &d) == -1)
		fatal("loop");

	log_info("dbvipd %s starting with %s", DBVIP_VERSION, d.conf_path);
	/*
	 * The local accounts only, each bounded by 1 s, before anything is
	 * sent: the peers' are left to `dbvipd -t`, since down peers would
	 * hold up a restart that must resume mastership within the
	 * master-down interval.
	 */
	acct_check(&conf, false, 1, log_acct, NULL);
	/* Hooks of the first state changes wait for the privilege drop. */
	notify_hold();
	if (agent_start(&d.agent, d.loop, &conf) == -1) {
		rc = 1;
		goto out;
	}
	d.ctl = ctl_open(d.loop, d.agent.conf.control_socket, agent_ctl,
	    &d.agent, err, sizeof(err));
	if (d.ctl == NULL) {
		log_warnx("control socket: %s", err);
		rc = 1;
		goto out;
	}
	/*
	 * Every socket exists now; reload reopens VRRP sockets only, which
	 * CAP_NET_RAW covers.  The control socket is handed to the user so
	 * that its group can use dbvipctl.
	 */
	if (daemon_drop(&d, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		rc = 1;
		goto out;
	}
	notify_release(&d.agent.notify);
	if (loop_run(d.loop) == -1)
		rc = 1;
out:
	/*
	 * The shutdown fence and the last hooks run the loop once more
	 * (loop_run_until): without the control socket and the signals,
	 * which would reach an agent half taken down.
	 */
	clock_update();
	if (d.ctl != NULL)
		ctl_close(d.ctl);
	d.ctl = NULL;
	loop_del_fd(d.loop, d.sigfd);
	agent_free(&d.agent);
	close(d.sigfd);
	loop_free(d.loop);
	log_info("dbvipd stopped");
	return rc;
}
