/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The event loop: timers fire in deadline order, a timer cancelled by an
 * earlier callback does not fire, a timer re-armed for "now" from its own
 * callback does not spin inside one pass, fd callbacks run, and removing an
 * fd from a callback is safe.  loop_run_until ends when its predicate
 * holds or at its deadline, also nested in a callback; a loop_wait fires
 * once, for its fd or its deadline; a slow callback is blamed alone (fake
 * clock).  Deadlines are a few milliseconds ahead; no assertion depends
 * on how long anything took.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/epoll.h>

#include <cmocka.h>

#include "../../agent/core/clock.h"
#include "../../agent/core/loop.h"

struct rec {
	struct loop *l;
	char order[16];
	int n;
	struct loop_timer *victim;
	int rearm_left;
	struct loop_timer *self;
};

static void
rec_cb(struct rec *r, char c)
{
	r->order[r->n++] = c;
}

static void cb_a(void *arg) { rec_cb(arg, 'a'); }
static void cb_b(void *arg) { rec_cb(arg, 'b'); }

static void
cb_stop(void *arg)
{
	struct rec *r = arg;

	rec_cb(r, 's');
	loop_stop(r->l);
}

static void
cb_cancel(void *arg)
{
	struct rec *r = arg;

	rec_cb(r, 'c');
	loop_timer_cancel(r->l, r->victim);
}

static void
test_timer_order(void **state)
{
	struct loop *l = loop_new();
	struct loop_timer ta = { 0 }, tb = { 0 }, ts = { 0 };
	struct rec r = { .l = l };
	uint64_t now = clock_update();

	(void)state;
	assert_non_null(l);
	loop_timer_set(l, &tb, now + 4000, cb_b, &r, "b");
	loop_timer_set(l, &ts, now + 8000, cb_stop, &r, "stop");
	loop_timer_set(l, &ta, now + 2000, cb_a, &r, "a");
	assert_int_equal(loop_run(l), 0);
	assert_string_equal(r.order, "abs");
	assert_int_equal(ta.deadline, 0);
	loop_free(l);
}

static void
test_cancel_from_callback(void **state)
{
	struct loop *l = loop_new();
	struct loop_timer tc = { 0 }, tv = { 0 }, ts = { 0 };
	struct rec r = { .l = l, .victim = &tv };
	uint64_t now = clock_update();

	(void)state;
	loop_timer_set(l, &tc, now + 1000, cb_cancel, &r, "cancel");
	loop_timer_set(l, &tv, now + 3000, cb_a, &r, "victim");
	loop_timer_set(l, &ts, now + 6000, cb_stop, &r, "stop");
	loop_run(l);
	assert_string_equal(r.order, "cs");
	loop_free(l);
}

static void
cb_rearm(void *arg)
{
	struct rec *r = arg;

	rec_cb(r, 'r');
	if (--r->rearm_left > 0)
		loop_timer_set(r->l, r->self, clock_now(), cb_rearm, r,
		    "rearm");
	else
		loop_stop(r->l);
}

static void
test_rearm_now_terminates(void **state)
{
	struct loop *l = loop_new();
	struct loop_timer t = { 0 };
	struct rec r = { .l = l, .rearm_left = 5, .self = &t };

	(void)state;
	loop_timer_set(l, &t, clock_update(), cb_rearm, &r, "rearm");
	loop_run(l);
	assert_string_equal(r.order, "rrrrr");
	loop_free(l);
}

static int fd_calls;

static void
fd_cb(void *arg, int fd, uint32_t events)
{
	struct rec *r = arg;
	char buf[8];

	assert_true(events & EPOLLIN);
	assert_int_equal(read(fd, buf, sizeof(buf)), 1);
	fd_calls++;
	loop_del_fd(r->l, fd);
	loop_stop(r->l);
}

static void
test_fd_event_and_delete(void **state)
{
	struct loop *l = loop_new();
	struct rec r = { .l = l };
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(loop_add_fd(l, p[0], EPOLLIN, fd_cb, &r), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	fd_calls = 0;
	loop_run(l);
	assert_int_equal(fd_calls, 1);
	close(p[0]);
	close(p[1]);
	loop_free(l);
}

static uint64_t fake_now;
static uint64_t fake_clock(void) { return fake_now; }

static void
test_clock_swappable(void **state)
{
	(void)state;
	fake_now = 42;
	clock_set_source(fake_clock);
	assert_int_equal(clock_now(), 42);
	fake_now = 1000;
	assert_int_equal(clock_now(), 42);	/* cached until updated */
	assert_int_equal(clock_update(), 1000);
	clock_set_source(NULL);
	assert_true(clock_now() != 1000);
}


/* --- loop_run_until -------------------------------------------------------- */

static bool
rec_has(void *arg)
{
	struct rec *r = arg;

	return r->n >= 2;
}

static bool
never(void *arg)
{
	(void)arg;
	return false;
}

static void
test_run_until_done(void **state)
{
	struct loop *l = loop_new();
	struct loop_timer ta = { 0 }, tb = { 0 }, tc = { 0 };
	struct rec r = { .l = l };
	uint64_t now = clock_update();

	(void)state;
	loop_timer_set(l, &ta, now + 1000, cb_a, &r, "a");
	loop_timer_set(l, &tb, now + 2000, cb_b, &r, "b");
	loop_timer_set(l, &tc, now + 60 * USEC_PER_SEC, cb_a, &r, "late");
	assert_int_equal(loop_run_until(l, now + 10 * USEC_PER_SEC, rec_has,
	    &r), 0);
	assert_string_equal(r.order, "ab");
	assert_true(clock_now() < now + 10 * USEC_PER_SEC);
	/* Done before the first pass: nothing runs. */
	assert_int_equal(loop_run_until(l, now, rec_has, &r), 0);
	assert_int_equal(r.n, 2);
	loop_free(l);
}

static void
test_run_until_deadline(void **state)
{
	struct loop *l = loop_new();
	uint64_t now = clock_update();

	(void)state;
	errno = 0;
	assert_int_equal(loop_run_until(l, now + 3000, never, NULL), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_true(clock_now() >= now + 3000);
	loop_free(l);
}

/* loop_stop() from inside loop_run_until is kept for loop_run, not obeyed. */
static void
test_run_until_keeps_stop(void **state)
{
	struct loop *l = loop_new();
	struct loop_timer ts = { 0 }, tb = { 0 };
	struct rec r = { .l = l };
	uint64_t now = clock_update();

	(void)state;
	loop_timer_set(l, &ts, now + 1000, cb_stop, &r, "stop");
	loop_timer_set(l, &tb, now + 2000, cb_b, &r, "b");
	assert_int_equal(loop_run_until(l, now + 10 * USEC_PER_SEC, rec_has,
	    &r), 0);
	assert_string_equal(r.order, "sb");
	loop_free(l);
}

struct nest {
	struct loop *l;
	struct loop_timer inner;
	int p[2];
	int fd_calls, inner_fired, rc;
};

static bool
nest_inner_done(void *arg)
{
	return ((struct nest *)arg)->inner_fired > 0;
}

static void
nest_inner(void *arg)
{
	((struct nest *)arg)->inner_fired++;
}

/* An fd callback that runs the loop until a timer fired (the fence). */
static void
nest_fd(void *arg, int fd, uint32_t events)
{
	struct nest *t = arg;
	char c;

	(void)events;
	t->fd_calls++;
	if (t->fd_calls == 1) {
		loop_timer_set(t->l, &t->inner, clock_now() + 1000, nest_inner,
		    t, "inner");
		t->rc = loop_run_until(t->l, clock_now() + 5 * USEC_PER_SEC,
		    nest_inner_done, t);
		return;
	}
	assert_int_equal(read(fd, &c, 1), 1);
	loop_del_fd(t->l, fd);
	loop_stop(t->l);
}

static void
test_run_until_nested(void **state)
{
	struct nest t = { 0 };

	(void)state;
	t.l = loop_new();
	clock_update();
	assert_int_equal(pipe(t.p), 0);
	assert_int_equal(loop_add_fd(t.l, t.p[0], EPOLLIN, nest_fd, &t), 0);
	assert_int_equal(write(t.p[1], "x", 1), 1);
	assert_int_equal(loop_run(t.l), 0);
	assert_int_equal(t.rc, 0);
	assert_int_equal(t.inner_fired, 1);
	/* The unread byte made the inner passes call back too. */
	assert_true(t.fd_calls >= 2);
	close(t.p[0]);
	close(t.p[1]);
	loop_free(t.l);
}

/* --- loop_wait -------------------------------------------------------------- */

struct waiter {
	struct loop_wait w;
	int calls;
	uint32_t events;
};

static void
waiter_cb(void *arg, uint32_t events)
{
	struct waiter *wt = arg;

	wt->calls++;
	wt->events = events;
}

static bool
waiter_called(void *arg)
{
	return ((struct waiter *)arg)->calls > 0;
}

static void
test_wait_fd_then_deadline(void **state)
{
	struct loop *l = loop_new();
	struct waiter wt = { 0 };
	uint64_t now = clock_update();
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	loop_wait_init(&wt.w, l, waiter_cb, &wt, "test wait");
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(loop_wait_arm(&wt.w, p[0], EPOLLIN,
	    now + 5 * USEC_PER_SEC), 0);
	assert_int_equal(loop_run_until(l, now + 10 * USEC_PER_SEC,
	    waiter_called, &wt), 0);
	assert_int_equal(wt.calls, 1);
	assert_true(wt.events & EPOLLIN);
	/* Fired once: neither the fd nor the deadline is registered. */
	assert_int_equal(wt.w.fd, -1);
	assert_int_equal(wt.w.t.deadline, 0);

	/* Same fd, nothing read: only the deadline can fire. */
	wt.calls = 0;
	assert_int_equal(loop_wait_arm(&wt.w, -1, 0, clock_now() + 2000), 0);
	assert_int_equal(loop_run_until(l, clock_now() + 5 * USEC_PER_SEC,
	    waiter_called, &wt), 0);
	assert_int_equal(wt.calls, 1);
	assert_int_equal(wt.events, 0);

	/* Cancelled: nothing fires. */
	wt.calls = 0;
	assert_int_equal(loop_wait_arm(&wt.w, p[0], EPOLLIN,
	    clock_now() + 1000), 0);
	loop_wait_cancel(&wt.w);
	assert_int_equal(loop_run_until(l, clock_now() + 5000, waiter_called,
	    &wt), -1);
	assert_int_equal(wt.calls, 0);
	close(p[0]);
	close(p[1]);
	loop_free(l);
}

/* --- timing attribution (fake clock) ----------------------------------------- */

static uint64_t slow_fake_now;
static uint64_t slow_fake_clock(void) { return slow_fake_now; }

static bool
rec_has3(void *arg)
{
	return ((struct rec *)arg)->n >= 3;
}

static void
cb_slow(void *arg)
{
	rec_cb(arg, 's');
	slow_fake_now += 50 * USEC_PER_MSEC;	/* "blocks" for 50 ms */
}

static void
cb_fast(void *arg)
{
	rec_cb(arg, 'f');
}

static void
test_hog_blames_only_the_slow_callback(void **state)
{
	struct loop *l = loop_new();
	struct loop_timer t1 = { 0 }, t2 = { 0 }, t3 = { 0 };
	struct rec r = { .l = l };
	const struct loop_stats *st = loop_get_stats(l);

	(void)state;
	slow_fake_now = 1000 * USEC_PER_SEC;
	clock_set_source(slow_fake_clock);
	loop_timer_set(l, &t1, slow_fake_now, cb_fast, &r, "fast1");
	loop_timer_set(l, &t2, slow_fake_now, cb_slow, &r, "slow");
	loop_timer_set(l, &t3, slow_fake_now, cb_fast, &r, "fast2");
	assert_int_equal(loop_run_until(l, slow_fake_now + USEC_PER_SEC,
	    rec_has3, &r), 0);
	assert_int_equal(r.n, 3);
	assert_int_equal(st->hogs, 1);
	assert_string_equal(st->last_hog, "slow");
	assert_int_equal(st->last_hog_us, 50 * USEC_PER_MSEC);
	/* All three were due when the pass began: none is late. */
	assert_int_equal(st->late, 0);
	clock_set_source(NULL);
	loop_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_order),
		cmocka_unit_test(test_cancel_from_callback),
		cmocka_unit_test(test_rearm_now_terminates),
		cmocka_unit_test(test_fd_event_and_delete),
		cmocka_unit_test(test_clock_swappable),
		cmocka_unit_test(test_run_until_done),
		cmocka_unit_test(test_run_until_deadline),
		cmocka_unit_test(test_run_until_keeps_stop),
		cmocka_unit_test(test_run_until_nested),
		cmocka_unit_test(test_wait_fd_then_deadline),
		cmocka_unit_test(test_hog_blames_only_the_slow_callback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
