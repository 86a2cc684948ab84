/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dbvipctl: send one command to a running dbvipd over its control socket
 * and print the answer.
 *
 *   dbvipctl [-s SOCKET] COMMAND [ARGS...]
 *   dbvipctl [-s SOCKET] import-keepalived FILE
 *
 * Exit status: 0 the agent answered, 1 the answer starts with "error:",
 * 2 no answer (cannot connect, connection lost, or no reply within
 * DBVIPCTL_TIMEOUT_MS), 64 usage error (sysexits EX_USAGE, so that 2 keeps
 * meaning "the agent is unreachable" for scripts).
 *
 * import-keepalived runs locally and never contacts the agent: it prints
 * the dbvip configuration translated from a keepalived.conf on stdout (with
 * SOCKET as its control_socket) and every warning on stderr; exit 0, or 1
 * when nothing could be translated.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../core/clock.h"
#include "kaimport.h"

#define DBVIPCTL_SOCKET		"/run/dbvip/dbvipd.sock"
#define DBVIPCTL_TIMEOUT_MS	5000
#define DBVIPCTL_CMD_MAX	4095	/* the agent's line limit */
#define EXIT_ERROR_REPLY	1
#define EXIT_NO_ANSWER		2
#define EXIT_USAGE		64

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: dbvipctl [-s SOCKET] COMMAND [ARGS...]\n"
	    "       dbvipctl -h | --version\n"
	    "\n"
	    "  -s SOCKET   control socket (default " DBVIPCTL_SOCKET ")\n"
	    "\n"
	    "commands (interpreted by dbvipd):\n"
	    "  status            state of every instance\n"
	    "  status --json     the same as JSON\n"
	    "  ack               end a failover block on this host\n"
	    "  lock, unlock      forbid / allow automatic takeover here\n"
	    "  maintenance on|off\n"
	    "                    leave the election (a master gives the VIP "
	    "up) / rejoin\n"
	    "\n"
	    "local commands (no agent needed):\n"
	    "  import-keepalived FILE   print a dbvip configuration for the\n"
	    "                           vrrp_instance blocks of a "
	    "keepalived.conf;\n"
	    "                           warnings go to stderr\n"
	    "\n"
	    "exit: 0 ok, 1 the agent answered \"error:\" (or nothing could "
	    "be\n"
	    "imported), 2 no answer, 64 usage\n");
}

/* Milliseconds left until deadline (µs, monotonic), at least 0. */
static int
remaining_ms(uint64_t deadline)
{
	uint64_t now = clock_read();

	if (now >= deadline)
		return 0;
	return (int)((deadline - now + USEC_PER_MSEC - 1) / USEC_PER_MSEC);
}

/* Wait for events on fd until deadline.  1 ready, 0 timeout, -1 error. */
static int
wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int n;

	for (;;) {
		n = poll(&pfd, 1, remaining_ms(deadline));
		if (n == -1 && errno == EINTR)
			continue;
		return n;
	}
}

static int
send_all(int fd, const char *buf, size_t len, uint64_t deadline,
    const char *path)
{
	ssize_t n;
	int rv;

	while (len > 0) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n >= 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			fprintf(stderr, "dbvipctl: %s: send: %s\n", path,
			    strerror(errno));
			return -1;
		}
		if ((rv = wait_fd(fd, POLLOUT, deadline)) <= 0) {
			fprintf(stderr, "dbvipctl: %s: %s\n", path, rv == 0 ?
			    "timed out sending the command" :
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

/*
 * Copy the reply to stdout until the agent closes.  Returns the exit
 * status: 0, EXIT_ERROR_REPLY or EXIT_NO_ANSWER.
 */
static int
relay_reply(int fd, uint64_t deadline, const char *path)
{
	char buf[8192], head[6];
	size_t headlen = 0, total = 0, k;
	ssize_t n;
	int rv;

	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n == 0)
			break;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			/* The agent closes right after its reply; if our
			 * line was not fully read, that arrives as a reset
			 * after the data.  The reply is complete then. */
			if (errno == ECONNRESET && total > 0)
				break;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				fprintf(stderr, "dbvipctl: %s: recv: %s\n",
				    path, strerror(errno));
				return EXIT_NO_ANSWER;
			}
			if ((rv = wait_fd(fd, POLLIN, deadline)) <= 0) {
				fprintf(stderr, "dbvipctl: %s: %s\n", path,
				    rv == 0 ? "no reply within 5 s" :
				    strerror(errno));
				return EXIT_NO_ANSWER;
			}
			continue;
		}
		k = (size_t)n < sizeof(head) - headlen ? (size_t)n :
		    sizeof(head) - headlen;
		memcpy(head + headlen, buf, k);
		headlen += k;
		total += (size_t)n;
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) {
			fprintf(stderr, "dbvipctl: stdout: %s\n",
			    strerror(errno));
			return EXIT_NO_ANSWER;
		}
	}
	if (fflush(stdout) == EOF) {
		fprintf(stderr, "dbvipctl: stdout: %s\n", strerror(errno));
		return EXIT_NO_ANSWER;
	}
	if (total == 0) {
		fprintf(stderr, "dbvipctl: %s: the agent closed without a "
		    "reply\n", path);
		return EXIT_NO_ANSWER;
	}
	if (headlen == sizeof(head) && memcmp(head, "error:", 6) == 0)
		return EXIT_ERROR_REPLY;
	return 0;
}

/*
 * import-keepalived FILE: translate, print the result on stdout and each
 * warning on stderr.  Returns the exit status.
 */
static int
import_keepalived(const char *file, const char *control_socket)
{
	struct kaimport_result r;
	char err[512];
	int i, rc = 0;

	if (kaimport_file(file, control_socket, &r, err, sizeof(err)) == -1)
		rc = EXIT_ERROR_REPLY;
	for (i = 0; i < r.nwarn; i++)
		fprintf(stderr, "dbvipctl: %s:%d: warning: %s\n", r.warn[i].file,
		    r.warn[i].line, r.warn[i].msg);
	if (rc != 0)
		fprintf(stderr, "dbvipctl: import-keepalived: %s\n", err);
	else if (fwrite(r.text, 1, r.len, stdout) != r.len ||
	    fflush(stdout) == EOF) {
		fprintf(stderr, "dbvipctl: stdout: %s\n", strerror(errno));
		rc = EXIT_ERROR_REPLY;
	} else
		fprintf(stderr, "dbvipctl: imported %d instance%s and %d "
		    "check%s with %d warning%s\n", r.ninstances,
		    r.ninstances == 1 ? "" : "s", r.nchecks,
		    r.nchecks == 1 ? "" : "s", r.nwarn, r.nwarn == 1 ? "" : "s");
	kaimport_free(&r);
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "socket", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = DBVIPCTL_SOCKET;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char cmd[DBVIPCTL_CMD_MAX + 2];
	size_t len = 0, wl;
	uint64_t deadline;
	int ch, fd, i, rc;

	/* '+': stop at the command, so "status --json" reaches the agent. */
	while ((ch = getopt_long(argc, argv, "+s:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("dbvipctl %s\n", DBVIP_VERSION);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[optind], "import-keepalived") == 0) {
		if (argc - optind != 2) {
			usage(stderr);
			return EXIT_USAGE;
		}
		return import_keepalived(argv[optind + 1], path);
	}
	for (i = optind; i < argc; i++) {
		if (strchr(argv[i], '\n') != NULL) {
			fprintf(stderr, "dbvipctl: a command cannot contain "
			    "a newline\n");
			return EXIT_USAGE;
		}
		wl = strlen(argv[i]);
		if (len + (len > 0) + wl > DBVIPCTL_CMD_MAX) {
			fprintf(stderr, "dbvipctl: command longer than %d "
			    "characters\n", DBVIPCTL_CMD_MAX);
			return EXIT_USAGE;
		}
		if (len > 0)
			cmd[len++] = ' ';
		memcpy(cmd + len, argv[i], wl);
		len += wl;
	}
	cmd[len++] = '\n';

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "dbvipctl: %s: path too long for a unix "
		    "socket\n", path);
		return EXIT_NO_ANSWER;
	}
	strcpy(sun.sun_path, path);
	deadline = clock_read() + DBVIPCTL_TIMEOUT_MS * USEC_PER_MSEC;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		fprintf(stderr, "dbvipctl: socket: %s\n", strerror(errno));
		return EXIT_NO_ANSWER;
	}
	/*
	 * A unix connect() completes at once or fails; EAGAIN means the
	 * agent's backlog is full (it is stuck), which is no answer either.
	 */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr, "dbvipctl: cannot connect to %s: %s\n", path,
		    strerror(errno));
		close(fd);
		return EXIT_NO_ANSWER;
	}
	if (send_all(fd, cmd, len, deadline, path) == -1) {
		close(fd);
		return EXIT_NO_ANSWER;
	}
	rc = relay_reply(fd, deadline, path);
	close(fd);
	return rc;
}
