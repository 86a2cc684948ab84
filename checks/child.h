/* SPDX-License-Identifier: Apache-2.0 */
/*
 * child: one program run as a child without blocking the caller's loop.
 * Shared by script health checks (checks/check.c) and the agent's notify
 * hooks (agent/core/notify.c), so both kill, reap and report the same way.
 *
 * The child runs in its own process group with PR_SET_PDEATHSIG(SIGKILL),
 * every signal reset to its default and unblocked, and no file descriptor
 * but 0, 1, 2.  Its exit is seen through a pidfd and its output through a
 * non-blocking pipe; both sit in a private epoll set, so the caller
 * watches one fd (child_fd(), EPOLLIN) and a deadline (child_deadline()),
 * and calls child_step() when either fires.  The pipe is drained on every
 * step, so a chatty child never blocks on a full pipe; only the first line
 * is kept.
 *
 * On timeout the whole group gets SIGTERM, then SIGKILL CHILD_KILL_GRACE_MS
 * later; a child still not gone CHILD_KILL_GRACE_MS after SIGKILL (stuck in
 * the kernel) ends the run as CHILD_STUCK, and stays ours: child_busy()
 * keeps trying to reap it, and a new run must wait until it is gone.
 */
#ifndef DBVIP_CHILD_H
#define DBVIP_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CHILD_KILL_GRACE_MS	1000	/* SIGTERM -> SIGKILL -> give up */
#define CHILD_LINE_MAX		256	/* first output line kept, with NUL */
#define CHILD_INPUT_MAX		4096	/* stdin data: fits any pipe buffer */

/* What the output pipe captures; the other streams go to /dev/null. */
#define CHILD_CAPTURE_STDOUT	0x1
#define CHILD_CAPTURE_STDERR	0x2

enum child_rc {
	CHILD_RUNNING = 0,	/* not finished: keep watching */
	CHILD_EXITED,		/* reaped: see code / status */
	CHILD_STUCK,		/* survived SIGKILL: run given up */
};

struct child {
	pid_t pid;		/* 0 when no child is ours */
	int pidfd, outfd, epfd;
	int phase;		/* internal: run, TERM sent, KILL sent */
	uint64_t deadline;	/* of the current phase, µs */
	uint32_t timeout_ms;
	char line[CHILD_LINE_MAX];	/* first line of captured output */
	size_t linelen;
	bool line_done;
	bool timed_out;		/* TERM (and maybe KILL) was sent */
	int kill_sig;		/* the last signal sent, 0 if none */
	int code;		/* after CHILD_EXITED: CLD_EXITED, CLD_KILLED.. */
	int status;		/* exit status or signal number */
};

/* A struct child with nothing running (also what zeroing + fds -1 gives). */
void child_init(struct child *c);

/*
 * Start the program at path (no PATH search) with argv (argv[0] is what
 * the program sees as its name) at now.  input (inlen
 * bytes, at most CHILD_INPUT_MAX) becomes the child's stdin, or /dev/null
 * if input is NULL.  capture selects which of stdout / stderr feed the
 * first line (CHILD_CAPTURE_*).  timeout_ms > 0.  Returns 0 when the child
 * runs, or -1 with a reason in err and nothing running (pipe, fork or
 * pidfd failure, input too large, a previous child still ours).  An exec
 * failure is not seen here: the child exits 127.
 */
int child_spawn(struct child *c, const char *path, char *const argv[],
    const void *input, size_t inlen, unsigned capture, uint32_t timeout_ms,
    uint64_t now, char *err, size_t errlen);

/* The fd to watch for EPOLLIN while running, else -1. */
int child_fd(const struct child *c);

/* When to call child_step() at the latest (absolute µs), 0 if idle. */
uint64_t child_deadline(const struct child *c);

/*
 * Make progress at now: drain output, reap, and on a passed deadline move
 * from running to SIGTERM to SIGKILL to stuck.  After CHILD_EXITED the fds
 * are closed and pid is 0; after CHILD_STUCK the fds are closed and pid
 * stays (see child_busy()).
 */
enum child_rc child_step(struct child *c, uint64_t now);

/*
 * True while a child of ours still exists (running, or stuck after a
 * finished run).  Reaps a stuck child that has died meanwhile.
 */
bool child_busy(struct child *c);

/* After CHILD_EXITED: exit status 0 and no timeout. */
bool child_ok(const struct child *c);

/*
 * Describe how the run ended, for logs and status: "exit 0", "exit 3:
 * LINE", "killed by signal 9: LINE", "timed out after 500 ms, killed with
 * SIGTERM: LINE", "timed out after 500 ms; pid N does not die after
 * SIGKILL".  With rc CHILD_EXITED and a clean exit, the first line (if
 * any) alone.
 */
void child_describe(const struct child *c, enum child_rc rc, char *buf,
    size_t len);

/*
 * Kill a running child's group with SIGKILL, wait for it (at most
 * CHILD_KILL_GRACE_MS: a SIGKILLed child exits within microseconds), reap
 * it and close everything.  Blocks: for shutdown and freeing only.
 */
void child_abort(struct child *c);

#endif
