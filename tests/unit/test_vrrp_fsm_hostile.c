/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for agent/core/vrrp.c under hostile input: how often a master
 * answers priority-0 advertisements (vrrp.h: at most once per
 * Advertisement_Interval / VRRP_REFLECT_DIV, a sooner one brings the
 * Adver_Timer forward instead).  Fake clock, no sockets.
 *
 * Expected times by hand: 1 s adverts, VRRP_REFLECT_DIV 4, so answers are
 * at least 250000 us apart; 3 cs adverts give 7500 us.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../agent/core/vrrp.h"

#include "fsm_test.h"

#define QUARTER	250000ULL

/* How many SEND_ADVERT actions o holds, all with priority prio. */
static int
sends(const struct vrrp_out *o, int prio)
{
	int i, n = 0;

	for (i = 0; i < o->n; i++) {
		assert_int_equal(o->act[i].type, VRRP_ACT_SEND_ADVERT);
		assert_int_equal(o->act[i].priority, prio);
		n++;
	}
	return n;
}

/*
 * Drive f from `from` to `to` in steps of `step` us, a priority-0 advert
 * from src at each step and the timer fired whenever it is due.  Returns
 * the adverts sent and records when each went out in at[] (up to max).
 */
static int
flood(struct vrrp_fsm *f, uint64_t from, uint64_t to, uint64_t step,
    const char *src, uint64_t *at, int max)
{
	struct vrrp_out o;
	uint64_t now, d;
	int n = 0, k, i;

	for (now = from; now < to; now += step) {
		d = vrrp_fsm_next_deadline(f);
		if (d != 0 && d <= now) {
			timer(f, d, &o);
			k = sends(&o, f->priority);
			for (i = 0; i < k; i++, n++)
				if (n < max)
					at[n] = d;
		}
		advert(f, now, 0, 100, src, &o);
		k = sends(&o, f->priority);
		for (i = 0; i < k; i++, n++)
			if (n < max)
				at[n] = now;
		assert_int_equal(f->state, VRRP_ST_MASTER);
	}
	return n;
}

/* Right after our own advert a priority 0 is not answered at once. */
static void
test_prio0_too_soon_is_deferred(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;
	uint64_t t = master_at(&f, 100);

	(void)state;
	assert_int_equal(f.t_adver, t + SEC);
	advert(&f, t + 1000, 0, 100, HIGHER, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.t_adver, t + QUARTER);
	/* A second one changes nothing: the answer is already due then. */
	advert(&f, t + 2000, 0, 100, LOWER, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.t_adver, t + QUARTER);
	/* The deferred answer goes out on the timer, the rhythm restarts. */
	timer(&f, t + QUARTER - 1, &o);
	assert_int_equal(o.n, 0);
	timer(&f, t + QUARTER, &o);
	CHECK(&o, E_SEND(100));
	assert_int_equal(f.t_adver, t + QUARTER + SEC);
	assert_int_equal(f.state, VRRP_ST_MASTER);
	assert_int_equal(f.transitions, 2);
}

/* A quarter interval after the last advert it is answered at once. */
static void
test_prio0_after_quarter_is_immediate(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;
	uint64_t t = master_at(&f, 100);

	(void)state;
	advert(&f, t + QUARTER, 0, 100, HIGHER, &o);
	CHECK(&o, E_SEND(100));
	assert_int_equal(f.t_adver, t + QUARTER + SEC);
	/* The next one is measured from that answer. */
	advert(&f, t + QUARTER + 10, 0, 100, HIGHER, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.t_adver, t + 2 * QUARTER);
}

/* Deferring never pushes the regular advert later. */
static void
test_prio0_never_delays_regular_advert(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;
	uint64_t t = master_at(&f, 100);

	(void)state;
	/* Last sent at t; the regular advert is due before the quarter
	 * would be (as after a reload shortened the interval). */
	f.t_adver = t + 100000;
	advert(&f, t + 50000, 0, 100, HIGHER, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.t_adver, t + 100000);
}

/*
 * A flood of one priority-0 advert per millisecond for 10 s: the master
 * stays master, sends at most VRRP_REFLECT_DIV adverts per interval, never
 * two closer than a quarter interval, and never goes an interval without
 * one (the backups keep hearing it).
 */
static void
test_prio0_flood_bounded(void **state)
{
	struct vrrp_fsm f;
	uint64_t at[64];
	uint64_t t = master_at(&f, 100);
	int n, i;

	(void)state;
	n = flood(&f, t + 1, t + 10 * SEC, 1000, HIGHER, at, 64);
	/* 10 s at 4 per second, plus the one due right at the start. */
	assert_true(n <= 10 * VRRP_REFLECT_DIV + 1);
	assert_true(n >= 10);
	for (i = 1; i < n && i < 64; i++) {
		assert_true(at[i] - at[i - 1] >= QUARTER);
		assert_true(at[i] - at[i - 1] <= SEC);
	}
	assert_true(at[0] - t <= SEC);
	assert_int_equal(f.transitions, 2);
}

/* Same with 30 ms adverts (v3) and a 100 us flood: 7500 us apart. */
static void
test_prio0_flood_fast_interval(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;
	uint64_t at[512];
	uint64_t t;
	int n, i;

	(void)state;
	fsm_new(&f, 3, 200, 3, true, 0);
	out_reset(&o);
	vrrp_fsm_startup(&f, T0, &o);
	t = f.t_master_down;
	timer(&f, t, &o);
	CHECK(&o, E_SEND(200), E_ADD, E_ANN, E_ST(BACKUP, MASTER));
	n = flood(&f, t + 1, t + SEC, 100, HIGHER, at, 512);
	assert_true(n <= 512);
	assert_true(n <= (int)(SEC / 7500) + 1);
	assert_true(n >= (int)(SEC / 30000));
	for (i = 1; i < n; i++)
		assert_true(at[i] - at[i - 1] >= 7500);
}

/* v2: the same bound, from the configured interval. */
static void
test_prio0_flood_v2(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;
	uint64_t at[64];
	uint64_t t;
	int n;

	(void)state;
	fsm_new(&f, 2, 100, 100, true, 0);
	out_reset(&o);
	vrrp_fsm_startup(&f, T0, &o);
	t = f.t_master_down;
	timer(&f, t, &o);
	assert_int_equal(f.state, VRRP_ST_MASTER);
	n = flood(&f, t + 1, t + 5 * SEC, 500, LOWER, at, 64);
	assert_true(n <= 5 * VRRP_REFLECT_DIV + 1);
	assert_true(n >= 5);
}

/* After a flood the master falls back to one advert per interval. */
static void
test_prio0_flood_then_rhythm(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;
	uint64_t at[16];
	uint64_t t = master_at(&f, 100), d;

	(void)state;
	(void)flood(&f, t + 1, t + 2 * SEC, 1000, HIGHER, at, 16);
	d = vrrp_fsm_next_deadline(&f);
	timer(&f, d, &o);
	CHECK(&o, E_SEND(100));
	assert_int_equal(vrrp_fsm_next_deadline(&f), d + SEC);
	timer(&f, d + SEC, &o);
	CHECK(&o, E_SEND(100));
	assert_int_equal(vrrp_fsm_next_deadline(&f), d + 2 * SEC);
}

/* A Backup is not limited: it never answers priority 0 with an advert. */
static void
test_prio0_backup_sends_nothing(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;
	uint64_t now;

	(void)state;
	backup_at(&f, 100, true, 0, T0);
	advert(&f, T0 + 1000, 150, 100, HIGHER, &o);
	assert_int_equal(o.n, 0);
	for (now = T0 + 2000; now < T0 + 100000; now += 1000) {
		advert(&f, now, 0, 100, HIGHER, &o);
		assert_int_equal(o.n, 0);
	}
	assert_int_equal(f.state, VRRP_ST_BACKUP);
	/* It does arm Master_Down_Timer to Skew_Time (6.4.2), which is why
	 * the agent takes priority 0 only from the master it follows. */
	assert_int_equal(f.t_master_down, now - 1000 + 609375);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prio0_too_soon_is_deferred),
		cmocka_unit_test(test_prio0_after_quarter_is_immediate),
		cmocka_unit_test(test_prio0_never_delays_regular_advert),
		cmocka_unit_test(test_prio0_flood_bounded),
		cmocka_unit_test(test_prio0_flood_fast_interval),
		cmocka_unit_test(test_prio0_flood_v2),
		cmocka_unit_test(test_prio0_flood_then_rhythm),
		cmocka_unit_test(test_prio0_backup_sends_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
