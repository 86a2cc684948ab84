/* SPDX-License-Identifier: Apache-2.0 */
/*
 * child: a timed child process watched through a pidfd.  See child.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "child.h"

#ifndef P_PIDFD
#define P_PIDFD	3
#endif

enum {
	PHASE_RUN = 0,		/* running, deadline = start + timeout */
	PHASE_TERM,		/* SIGTERM sent, deadline = TERM + grace */
	PHASE_KILL,		/* SIGKILL sent, deadline = last resort */
};

void
child_init(struct child *c)
{
	memset(c, 0, sizeof(*c));
	c->pidfd = c->outfd = c->epfd = -1;
}

static void
child_close_out(struct child *c)
{
	if (c->outfd >= 0) {
		if (c->epfd >= 0)
			epoll_ctl(c->epfd, EPOLL_CTL_DEL, c->outfd, NULL);
		close(c->outfd);
	}
	c->outfd = -1;
}

static void
child_close(struct child *c)
{
	child_close_out(c);
	if (c->pidfd >= 0)
		close(c->pidfd);
	if (c->epfd >= 0)
		close(c->epfd);
	c->pidfd = c->epfd = -1;
}

/*
 * Read what the child wrote so far: keep the first line, discard the rest
 * so the child never blocks on a full pipe.
 */
static void
child_drain(struct child *c)
{
	char buf[4096];
	ssize_t n, i;

	while (c->outfd >= 0) {
		n = read(c->outfd, buf, sizeof(buf));
		if (n == 0) {
			child_close_out(c);
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				child_close_out(c);
			return;
		}
		for (i = 0; i < n && !c->line_done; i++) {
			if (buf[i] == '\n') {
				c->line_done = true;
			} else if (c->linelen + 1 < sizeof(c->line)) {
				c->line[c->linelen++] = buf[i];
				c->line[c->linelen] = '\0';
			}
		}
	}
}

/* In the child, between fork and exec: async-signal-safe calls only. */
static void __attribute__((noreturn))
child_exec(const char *path, char *const argv[], int infd, int outw,
    unsigned capture, pid_t parent)
{
	struct sigaction sa;
	sigset_t none;
	int sig, nullfd;

	/* The agent blocks signals for its signalfd; the child must not. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	if ((nullfd = open("/dev/null", O_RDWR)) < 0)
		_exit(127);
	if (dup2(infd >= 0 ? infd : nullfd, 0) < 0 ||
	    dup2((capture & CHILD_CAPTURE_STDOUT) ? outw : nullfd, 1) < 0 ||
	    dup2((capture & CHILD_CAPTURE_STDERR) ? outw : nullfd, 2) < 0)
		_exit(127);
	close_range(3, ~0U, 0);
	execv(path, argv);
	_exit(127);
}

/* Put input into a fresh pipe; returns its read end, or -1. */
static int
child_input_pipe(const void *input, size_t inlen, char *err, size_t errlen)
{
	int p[2];
	ssize_t n;

	if (inlen > CHILD_INPUT_MAX) {
		snprintf(err, errlen, "input of %zu bytes exceeds %d", inlen,
		    CHILD_INPUT_MAX);
		return -1;
	}
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	/* Written before the fork: small enough for any pipe buffer. */
	n = inlen > 0 ? write(p[1], input, inlen) : 0;
	close(p[1]);
	if (n < 0 || (size_t)n != inlen) {
		snprintf(err, errlen, "write input: %s",
		    n < 0 ? strerror(errno) : "short write");
		close(p[0]);
		return -1;
	}
	/* The child's stdin blocks like any other. */
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) & ~O_NONBLOCK);
	return p[0];
}

int
child_spawn(struct child *c, const char *path, char *const argv[],
    const void *input, size_t inlen, unsigned capture, uint32_t timeout_ms,
    uint64_t now, char *err, size_t errlen)
{
	struct epoll_event ev;
	int p[2], infd = -1;
	pid_t parent = getpid(), pid;

	if (c->pid != 0) {
		snprintf(err, errlen, "bug: a child (pid %d) is still ours",
		    (int)c->pid);
		return -1;
	}
	child_init(c);
	c->timeout_ms = timeout_ms;
	if (input != NULL &&
	    (infd = child_input_pipe(input, inlen, err, errlen)) < 0)
		return -1;
	if (pipe2(p, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		if (infd >= 0)
			close(infd);
		return -1;
	}
	if ((pid = fork()) < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		if (infd >= 0)
			close(infd);
		return -1;
	}
	if (pid == 0)
		child_exec(path, argv, infd, p[1], capture, parent);
	/* Both sides set the group, so a TERM right away still hits it. */
	setpgid(pid, pid);
	close(p[1]);
	if (infd >= 0)
		close(infd);
	c->pid = pid;
	c->outfd = p[0];
	c->phase = PHASE_RUN;
	c->deadline = now + (uint64_t)timeout_ms * 1000;
	fcntl(c->outfd, F_SETFL, fcntl(c->outfd, F_GETFL) | O_NONBLOCK);
	c->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	if (c->pidfd < 0 || c->epfd < 0 ||
	    epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->pidfd, &ev) != 0 ||
	    epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->outfd, &ev) != 0) {
		snprintf(err, errlen, "pidfd/epoll: %s", strerror(errno));
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);	/* SIGKILLed: returns at once */
		child_close(c);
		c->pid = 0;
		return -1;
	}
	return 0;
}

int
child_fd(const struct child *c)
{
	return c->pid != 0 ? c->epfd : -1;
}

uint64_t
child_deadline(const struct child *c)
{
	return c->pid != 0 && c->epfd >= 0 ? c->deadline : 0;
}

/* Reap the child if it has exited; true if it has (or is gone already). */
static bool
child_reap(struct child *c, siginfo_t *si)
{
	memset(si, 0, sizeof(*si));
	if (c->pidfd >= 0) {
		if (waitid((idtype_t)P_PIDFD, (id_t)c->pidfd, si,
		    WEXITED | WNOHANG) != 0)
			/* Only if the child is gone already (ECHILD). */
			return errno == ECHILD;
	} else if (waitid(P_PID, (id_t)c->pid, si, WEXITED | WNOHANG) != 0)
		return errno == ECHILD;
	return si->si_pid != 0;
}

enum child_rc
child_step(struct child *c, uint64_t now)
{
	siginfo_t si;

	if (c->pid == 0 || c->epfd < 0)
		return CHILD_EXITED;
	/*
	 * The private epoll set is level-triggered: draining the pipe and
	 * reaping the child is what clears it, so look at both every time.
	 */
	child_drain(c);
	if (child_reap(c, &si)) {
		child_drain(c);
		c->code = si.si_code;
		c->status = si.si_status;
		child_close(c);
		c->pid = 0;
		return CHILD_EXITED;
	}
	if (now < c->deadline)
		return CHILD_RUNNING;
	switch (c->phase) {
	case PHASE_RUN:
		c->timed_out = true;
		c->kill_sig = SIGTERM;
		kill(-c->pid, SIGTERM);
		c->phase = PHASE_TERM;
		c->deadline = now + CHILD_KILL_GRACE_MS * 1000ULL;
		return CHILD_RUNNING;
	case PHASE_TERM:
		c->kill_sig = SIGKILL;
		kill(-c->pid, SIGKILL);
		c->phase = PHASE_KILL;
		c->deadline = now + CHILD_KILL_GRACE_MS * 1000ULL;
		return CHILD_RUNNING;
	default:
		/*
		 * Not dead a grace period after SIGKILL (stuck in the kernel):
		 * give the run up; the pid stays ours until child_busy()
		 * reaps it.  The pidfd is kept for that.
		 */
		child_close_out(c);
		if (c->epfd >= 0)
			close(c->epfd);
		c->epfd = -1;
		return CHILD_STUCK;
	}
}

bool
child_busy(struct child *c)
{
	siginfo_t si;

	if (c->pid == 0)
		return false;
	if (c->epfd >= 0)
		return true;	/* running */
	if (!child_reap(c, &si))
		return true;
	child_close(c);
	c->pid = 0;
	return false;
}

bool
child_ok(const struct child *c)
{
	return !c->timed_out && c->code == CLD_EXITED && c->status == 0;
}

void
child_describe(const struct child *c, enum child_rc rc, char *buf,
    size_t len)
{
	const char *sep = c->line[0] != '\0' ? ": " : "";

	if (rc == CHILD_STUCK)
		snprintf(buf, len, "timed out after %u ms; pid %d does not "
		    "die after SIGKILL", c->timeout_ms, (int)c->pid);
	else if (rc == CHILD_RUNNING)
		snprintf(buf, len, "running");
	else if (c->timed_out)
		snprintf(buf, len, "timed out after %u ms, killed with %s%s"
		    "%.200s", c->timeout_ms, c->kill_sig == SIGKILL ?
		    "SIGKILL" : "SIGTERM", sep, c->line);
	else if (c->code == CLD_EXITED && c->status == 0)
		snprintf(buf, len, "%s", c->line[0] != '\0' ? c->line :
		    "exit 0");
	else if (c->code == CLD_EXITED)
		snprintf(buf, len, "exit %d%s%.200s", c->status, sep, c->line);
	else
		snprintf(buf, len, "killed by signal %d%s%.200s", c->status,
		    sep, c->line);
}

void
child_abort(struct child *c)
{
	struct pollfd pfd;
	siginfo_t si;

	if (c->pid == 0)
		return;
	kill(-c->pid, SIGKILL);
	/* Bounded: a SIGKILLed child exits within microseconds. */
	if (c->pidfd >= 0) {
		pfd.fd = c->pidfd;
		pfd.events = POLLIN;
		poll(&pfd, 1, CHILD_KILL_GRACE_MS);
	}
	(void)child_reap(c, &si);
	child_close(c);
	c->pid = 0;
}
