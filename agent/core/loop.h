/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loop: one epoll loop, one thread (Redis ae style).  File descriptors and
 * timers belong to the objects that register them; cancelling a timer or
 * removing an fd from inside a callback is safe.  Signals arrive through a
 * signalfd as ordinary fd events.  The loop warns when a callback runs
 * longer than LOOP_HOG_MS or a timer fires late: that is how blocking code
 * is found.  The clock is updated once per pass (after epoll returns);
 * each callback is timed from its own start, so a slow one is not blamed
 * on those after it.  Everything that waits (the shutdown fence, notify
 * hooks at exit, dbvip-check) runs in this loop, bounded with
 * loop_run_until(); a check's or connection's "fd, events, deadline"
 * triple is registered with a struct loop_wait.
 */
#ifndef DBVIP_LOOP_H
#define DBVIP_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#define LOOP_HOG_MS	20	/* a callback longer than this is logged */
#define LOOP_LATE_MS	20	/* a timer later than this is logged */

struct loop;

typedef void loop_fd_cb(void *arg, int fd, uint32_t events);
typedef void loop_timer_cb(void *arg);

/* A timer embedded in its owner; zero-initialised means not armed. */
struct loop_timer {
	uint64_t deadline;		/* microseconds; 0 = not armed */
	loop_timer_cb *cb;
	void *arg;
	const char *name;		/* for hog/late warnings */
	struct loop_timer *next;	/* loop's list, internal */
	uint64_t pass;			/* pass it was armed in, internal */
	bool linked;			/* internal */
};

struct loop *loop_new(void);
void loop_free(struct loop *l);

/* Watch fd for events (EPOLLIN/EPOLLOUT).  0 or -1 with errno. */
int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb *cb,
    void *arg);
int loop_mod_fd(struct loop *l, int fd, uint32_t events);
void loop_del_fd(struct loop *l, int fd);

/* Arm t to call cb(arg) at deadline (absolute µs); re-arming moves it. */
void loop_timer_set(struct loop *l, struct loop_timer *t, uint64_t deadline,
    loop_timer_cb *cb, void *arg, const char *name);
void loop_timer_cancel(struct loop *l, struct loop_timer *t);

/* Run until loop_stop().  Returns 0, or -1 if epoll failed. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

/*
 * Run passes until done(arg) is true (asked before each pass) or the
 * clock reaches deadline (absolute µs).  Works outside loop_run() (at
 * shutdown) and from inside a callback: the outer pass then leaves the
 * rest of its fd batch, which epoll reports again.  loop_stop() does not
 * end it; the request is kept for the loop_run() around it.  Returns 0
 * when done, -1 with errno ETIMEDOUT at the deadline, or -1 with epoll's
 * errno.
 */
typedef bool loop_done_cb(void *arg);
int loop_run_until(struct loop *l, uint64_t deadline, loop_done_cb *done,
    void *arg);

/* What the hog and late checks saw (the warnings are rate-limited). */
struct loop_stats {
	uint64_t hogs;			/* callbacks over LOOP_HOG_MS */
	uint64_t late;			/* timers over LOOP_LATE_MS late */
	const char *last_hog;		/* name of the last one */
	uint64_t last_hog_us;		/* and how long it ran */
};
const struct loop_stats *loop_get_stats(const struct loop *l);

/*
 * One wait for what a check or a database connection asks (checks/check.h
 * check_wait, checks/mdb.h mdb_wait): readiness of fd for events, or the
 * deadline, whichever comes first.  It fires once: both are unregistered
 * before cb(arg, events) runs (events 0 for the deadline), so the callback
 * may close the fd and arm the next wait.  Zero-initialised plus
 * loop_wait_init() is an idle wait.
 */
typedef void loop_wait_cb(void *arg, uint32_t events);

struct loop_wait {
	struct loop *l;
	loop_wait_cb *cb;
	void *arg;
	const char *name;		/* the timer's name, for warnings */
	int fd;				/* watched, or -1 */
	struct loop_timer t;
};

void loop_wait_init(struct loop_wait *w, struct loop *l, loop_wait_cb *cb,
    void *arg, const char *name);
/* Watch fd (-1: none) and deadline (0: none).  -1 with errno if the fd
 * cannot be watched; the deadline is armed anyway. */
int loop_wait_arm(struct loop_wait *w, int fd, uint32_t events,
    uint64_t deadline);
void loop_wait_cancel(struct loop_wait *w);

#endif
