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
	struct loop_fd *fds;		/* indexed by fd */
	int nfds;
	struct loop_timer *timers;	/* unsorted: an agent has a few dozen */
	struct log_rl rl_hog, rl_late;
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

/* Warn about a callback that held the loop: blocking code shows up here. */
static void
loop_hog_check(struct loop *l, uint64_t start, const char *what)
{
	uint64_t took = clock_read() - start;
	unsigned supp;

	if (took > LOOP_HOG_MS * USEC_PER_MSEC &&
	    log_rl_allow(&l->rl_hog, start, &supp))
		log_warnx("loop: %s ran %llu ms (blocking code?)%s", what,
		    (unsigned long long)(took / USEC_PER_MSEC),
		    supp ? " (more suppressed)" : "");
}

/*
 * How long epoll may sleep: until the earliest timer (capped at a minute),
 * or forever (NULL) when none is armed.  Microsecond precision, so a
 * skew-time takeover is not rounded up to the next millisecond.
 */
static struct timespec *
loop_timeout(struct loop *l, uint64_t now, struct timespec *ts)
{
	struct loop_timer *t;
	uint64_t min = 0, wait;

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
loop_wait(struct loop *l, struct epoll_event *evs, int max,
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
loop_run_timers(struct loop *l, uint64_t now)
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
			if (now - t->deadline > LOOP_LATE_MS * USEC_PER_MSEC &&
			    log_rl_allow(&l->rl_late, now, &supp))
				log_warnx("loop: timer %s fired %llu ms late",
				    t->name ? t->name : "?",
				    (unsigned long long)((now - t->deadline) /
				    USEC_PER_MSEC));
			/* The callback may free t: keep what we need. */
			name = t->name ? t->name : "timer";
			loop_timer_cancel(l, t);
			t->cb(t->arg);
			loop_hog_check(l, now, name);
			fired = true;
			break;
		}
	} while (fired && !l->stop);
}

int
loop_run(struct loop *l)
{
	struct epoll_event evs[32];
	struct timespec ts;
	int i, n;

	l->stop = false;
	while (!l->stop) {
		uint64_t now = clock_update();

		l->pass++;
		n = loop_wait(l, evs, 32, loop_timeout(l, now, &ts));
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_warn("loop: epoll_wait");
			return -1;
		}
		now = clock_update();
		for (i = 0; i < n && !l->stop; i++) {
			int fd = evs[i].data.fd;

			if (fd >= l->nfds || l->fds[fd].cb == NULL)
				continue;
			l->fds[fd].cb(l->fds[fd].arg, fd, evs[i].events);
			loop_hog_check(l, now, "fd callback");
		}
		if (!l->stop)
			loop_run_timers(l, clock_update());
	}
	return 0;
}
