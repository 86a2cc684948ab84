/*
 * The event loop: timers fire in deadline order, a timer cancelled by an
 * earlier callback does not fire, a timer re-armed for "now" from its own
 * callback does not spin inside one pass, fd callbacks run, and removing an
 * fd from a callback is safe.  Deadlines are a few milliseconds ahead; no
 * assertion depends on how long anything took.
 */
#include <setjmp.h>
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_order),
		cmocka_unit_test(test_cancel_from_callback),
		cmocka_unit_test(test_rearm_now_terminates),
		cmocka_unit_test(test_fd_event_and_delete),
		cmocka_unit_test(test_clock_swappable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
