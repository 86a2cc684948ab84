/* SPDX-License-Identifier: Apache-2.0 */
#include "loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

struct loop_fd {
	loop_fd_cb *cb;
	void *arg;
};

struct loop {
	int epfd;
	bool stop;
	bool no_pwait2;			/* kernel before 5.11 */
	uint64_t pass;
	uint64_t mark;			/* clock_read() after the last callback */
	struct loop_fd *fds;		/* indexed by fd */
	int nfds;
	struct loop_timer *timers;	/* unsorted: an agent has a few dozen */
	struct log_rl rl_hog, rl_late;
	struct loop_stats stats;
};

struct loop *
loop_new(void)
{
	struct loop *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	if ((l->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		free(l);
		return NULL;
	}
	return l;
}

void
loop_free(struct loop *l)
{
	if (l == NULL)
		return;
	close(l->epfd);
	free(l->fds);
	free(l);
}

int
loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb *cb,
    void *arg)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	if (fd >= l->nfds) {
		int n = fd + 16;
		struct loop_fd *nf = realloc(l->fds, sizeof(*nf) * (size_t)n);

		if (nf == NULL)
			return -1;
		memset(nf + l->nfds, 0, sizeof(*nf) * (size_t)(n - l->nfds));
		l->fds = nf;
		l->nfds = n;
	}
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) == -1)
		return -1;
	l->fds[fd].cb = cb;
	l->fds[fd].arg = arg;
	return 0;
}

int
loop_mod_fd(struct loop *l, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev);
}

void
loop_del_fd(struct loop *l, int fd)
{
	if (fd < 0 || fd >= l->nfds || l->fds[fd].cb == NULL)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	/* A pending event for fd in the current batch is skipped. */
	l->fds[fd].cb = NULL;
	l->fds[fd].arg = NULL;
}

void
loop_timer_set(struct loop *l, struct loop_timer *t, uint64_t deadline,
    loop_timer_cb *cb, void *arg, const char *name)
{
	t->deadline = deadline;
	t->cb = cb;
	t->arg = arg;
	t->name = name;
	t->pass = l->pass;
	if (!t->linked) {
		t->next = l->timers;
		l->timers = t;
		t->linked = true;
	}
}

void
loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	struct loop_timer **pp;

	t->deadline = 0;
	if (!t->linked)
		return;
	for (pp = &l->timers; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->linked = false;
	t->next = NULL;
}

void
loop_stop(struct loop *l)
{
	l->stop = true;
}

/*
 * Time the callback that started at l->mark and move the mark to its end,
 * where the next callback starts: blocking code shows up under its own
 * name, not under the callbacks after it.
 */
static void
loop_hog_check(struct loop *l, const char *what)
{
	uint64_t start = l->mark, took;
	unsigned supp;

	l->mark = clock_read();
	took = l->mark > start ? l->mark - start : 0;
	if (took <= LOOP_HOG_MS * USEC_PER_MSEC)
		return;
	l->stats.hogs++;
	l->stats.last_hog = what;
	l->stats.last_hog_us = took;
	if (log_rl_allow(&l->rl_hog, l->mark, &supp))
		log_warnx("loop: %s ran %llu ms (blocking code?)%s", what,
		    (unsigned long long)(took / USEC_PER_MSEC),
		    supp ? " (more suppressed)" : "");
}

/*
 * How long epoll may sleep: until the earliest timer or limit (0: none),
 * capped at a minute, or forever (NULL) when there is neither.
 * Microsecond precision, so a skew-time takeover is not rounded up to the
 * next millisecond.
 */
static struct timespec *
loop_timeout(struct loop *l, uint64_t now, uint64_t limit,
    struct timespec *ts)
{
	struct loop_timer *t;
	uint64_t min = limit, wait;

	for (t = l->timers; t != NULL; t = t->next)
		if (min == 0 || t->deadline < min)
			min = t->deadline;
	if (min == 0)
		return NULL;
	wait = min <= now ? 0 : min - now;
	if (wait > 60 * USEC_PER_SEC)
		wait = 60 * USEC_PER_SEC;
	ts->tv_sec = (time_t)(wait / USEC_PER_SEC);
	ts->tv_nsec = (long)(wait % USEC_PER_SEC) * 1000;
	return ts;
}

/*
 * epoll_pwait2 (Linux 5.11) takes the timeout in nanoseconds; older
 * kernels get epoll_wait with the timeout rounded up to a millisecond.
 */
static int
loop_epoll(struct loop *l, struct epoll_event *evs, int max,
    const struct timespec *ts)
{
	int n, ms;

	if (!l->no_pwait2) {
		n = epoll_pwait2(l->epfd, evs, max, ts, NULL);
		if (n != -1 || errno != ENOSYS)
			return n;
		l->no_pwait2 = true;
	}
	ms = ts == NULL ? -1 : (int)(ts->tv_sec * 1000 +
	    (ts->tv_nsec + 999999) / 1000000);
	return epoll_wait(l->epfd, evs, max, ms);
}

/*
 * Fire every timer due at now that was not armed during this pass (a
 * callback re-arming itself for "now" runs next pass, not in a busy loop).
 * The list may change under us, so restart the walk after each callback.
 */
static void
loop_run_timers(struct loop *l, uint64_t now, bool honour_stop)
{
	struct loop_timer *t;
	const char *name;
	unsigned supp;
	bool fired;

	do {
		fired = false;
		for (t = l->timers; t != NULL; t = t->next) {
			if (t->deadline > now || t->pass == l->pass)
				continue;
			if (now - t->deadline > LOOP_LATE_MS * USEC_PER_MSEC) {
				l->stats.late++;
				if (log_rl_allow(&l->rl_late, now, &supp))
					log_warnx("loop: timer %s fired %llu "
					    "ms late", t->name ? t->name : "?",
					    (unsigned long long)((now -
					    t->deadline) / USEC_PER_MSEC));
			}
			/* The callback may free t: keep what we need. */
			name = t->name ? t->name : "timer";
			loop_timer_cancel(l, t);
			t->cb(t->arg);
			loop_hog_check(l, name);
			fired = true;
			break;
		}
	} while (fired && !(honour_stop && l->stop));
}

/*
 * One pass: sleep until an fd, a timer or limit (0: none), read the clock
 * once, run the fd callbacks, then the timers due.  A nested pass (a
 * callback in loop_run_until) ends the batch of the pass around it.
 */
static int
loop_pass(struct loop *l, uint64_t limit, bool honour_stop)
{
	struct epoll_event evs[32];
	struct timespec ts;
	uint64_t now, pass;
	int i, n;

	pass = ++l->pass;
	n = loop_epoll(l, evs, 32, loop_timeout(l, l->mark, limit, &ts));
	if (n == -1)
		return errno == EINTR ? 0 : -1;
	now = clock_update();
	l->mark = now;
	for (i = 0; i < n && !(honour_stop && l->stop); i++) {
		int fd = evs[i].data.fd;

		if (fd >= l->nfds || l->fds[fd].cb == NULL)
			continue;
		l->fds[fd].cb(l->fds[fd].arg, fd, evs[i].events);
		loop_hog_check(l, "fd callback");
		if (l->pass != pass)
			break;
	}
	if (!(honour_stop && l->stop))
		loop_run_timers(l, now, honour_stop);
	return 0;
}

int
loop_run(struct loop *l)
{
	l->stop = false;
	l->mark = clock_read();
	while (!l->stop) {
		if (loop_pass(l, 0, true) == -1) {
			log_warn("loop: epoll_wait");
			return -1;
		}
	}
	return 0;
}

int
loop_run_until(struct loop *l, uint64_t deadline, loop_done_cb *done,
    void *arg)
{
	l->mark = clock_read();
	for (;;) {
		if (done(arg))
			return 0;
		if (clock_now() >= deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (loop_pass(l, deadline, false) == -1) {
			log_warn("loop: epoll_wait");
			return -1;
		}
	}
}

const struct loop_stats *
loop_get_stats(const struct loop *l)
{
	return &l->stats;
}

/* --- one wait for an fd, its events, a deadline ---------------------------- */

static void
loop_wait_fire(struct loop_wait *w, uint32_t events)
{
	loop_wait_cancel(w);
	w->cb(w->arg, events);
}

static void
loop_wait_fd(void *arg, int fd, uint32_t events)
{
	(void)fd;
	loop_wait_fire(arg, events);
}

static void
loop_wait_timer(void *arg)
{
	loop_wait_fire(arg, 0);
}

void
loop_wait_init(struct loop_wait *w, struct loop *l, loop_wait_cb *cb,
    void *arg, const char *name)
{
	memset(w, 0, sizeof(*w));
	w->l = l;
	w->cb = cb;
	w->arg = arg;
	w->name = name;
	w->fd = -1;
}

int
loop_wait_arm(struct loop_wait *w, int fd, uint32_t events,
    uint64_t deadline)
{
	int rc = 0;

	loop_wait_cancel(w);
	if (fd != -1) {
		if (loop_add_fd(w->l, fd, events, loop_wait_fd, w) == 0)
			w->fd = fd;
		else
			rc = -1;
	}
	if (deadline != 0)
		loop_timer_set(w->l, &w->t, deadline, loop_wait_timer, w,
		    w->name);
	return rc;
}

void
loop_wait_cancel(struct loop_wait *w)
{
	if (w->l == NULL)
		return;
	if (w->fd != -1) {
		loop_del_fd(w->l, w->fd);
		w->fd = -1;
	}
	loop_timer_cancel(w->l, &w->t);
}
