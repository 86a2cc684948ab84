/*
 * loop: one epoll loop, one thread (Redis ae style).  File descriptors and
 * timers belong to the objects that register them; cancelling a timer or
 * removing an fd from inside a callback is safe.  Signals arrive through a
 * signalfd as ordinary fd events.  The loop warns when a callback runs
 * longer than LOOP_HOG_MS or a timer fires late: that is how blocking code
 * is found.
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

#endif
