/* SPDX-License-Identifier: Apache-2.0 */
/*
 * guard: the pure part (failover detection, block timing, which fault bits
 * an instance must carry) with a fake clock: `now` is passed in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../../agent/core/guard.h"
#include "../../agent/core/vrrp.h"

#define SEC	1000000ULL
#define T0	(1000 * SEC)

static struct ipaddr
addr(const char *s)
{
	struct ipaddr a;

	assert_int_equal(ipaddr_parse(s, &a), 0);
	return a;
}

#define STABLE	(3500 * 1000ULL)	/* a master-down interval */

/* The election accepts m (priority prio) from t to t + span, each second. */
static bool
seen_for(struct guard_inst *gi, const struct ipaddr *m, uint8_t prio,
    uint32_t block_ms, uint64_t t, uint64_t span)
{
	bool fo = false;
	uint64_t x;

	for (x = t; x <= t + span; x += SEC)
		fo |= guard_master_seen(gi, m, prio, STABLE, block_ms, x);
	return fo;
}

static void
test_initial_election_is_not_failover(void **state)
{
	struct guard_inst gi;
	struct ipaddr h1 = addr("198.51.100.11");

	(void)state;
	memset(&gi, 0, sizeof(gi));
	/* Not a master until it has been one for a master-down interval. */
	assert_false(guard_master_seen(&gi, &h1, 150, STABLE, 600000, T0));
	assert_int_equal(gi.master.family, 0);
	assert_false(seen_for(&gi, &h1, 150, 600000, T0, 5 * SEC));
	assert_true(ipaddr_eq(&gi.master, &h1));
	assert_int_equal(gi.failovers, 0);
	assert_int_equal(gi.block_until, 0);
	/* The same master again changes nothing. */
	assert_false(seen_for(&gi, &h1, 150, 600000, T0 + 6 * SEC, 10 * SEC));
	assert_int_equal(gi.t_failover, 0);
}

static void
test_change_starts_block(void **state)
{
	struct guard g = { .block_ms = 30000 };
	struct guard_inst gi;
	struct ipaddr h1 = addr("198.51.100.11"), h2 = addr("198.51.100.12");
	struct ipaddr none = { 0 };
	uint64_t t;

	(void)state;
	memset(&gi, 0, sizeof(gi));
	seen_for(&gi, &h1, 150, g.block_ms, T0, 5 * SEC);
	/* h1 resigned or went silent: no master for a moment. */
	assert_false(guard_master_seen(&gi, &none, 0, STABLE, g.block_ms,
	    T0 + 6 * SEC));
	/* h2 (lower priority) takes over: a failover once it holds. */
	assert_false(guard_master_seen(&gi, &h2, 120, STABLE, g.block_ms,
	    T0 + 7 * SEC));
	assert_false(guard_master_seen(&gi, &h2, 120, STABLE, g.block_ms,
	    T0 + 10 * SEC));
	t = T0 + 7 * SEC + STABLE;
	assert_true(guard_master_seen(&gi, &h2, 120, STABLE, g.block_ms, t));
	assert_int_equal(gi.failovers, 1);
	assert_int_equal(gi.t_failover, t);
	assert_int_equal(gi.block_until, t + 30 * SEC);
	assert_int_equal(guard_block_left_us(&g, &gi, t), 30 * SEC);
	assert_int_equal(guard_block_left_us(&g, &gi, t + 29 * SEC), SEC);
	assert_int_equal(guard_block_left_us(&g, &gi, t + 30 * SEC), 0);
	assert_int_equal(guard_block_left_us(&g, &gi, t + 99 * SEC), 0);
	/* An equal priority taking over is a failover too. */
	assert_true(seen_for(&gi, &h1, 120, g.block_ms, T0 + 60 * SEC,
	    5 * SEC));
	assert_int_equal(gi.failovers, 2);
}

/* A higher priority taking over is a preemption, not a failover. */
static void
test_preemption_is_not_failover(void **state)
{
	struct guard_inst gi;
	struct ipaddr h1 = addr("198.51.100.11"), h2 = addr("198.51.100.12");

	(void)state;
	memset(&gi, 0, sizeof(gi));
	seen_for(&gi, &h2, 120, 600000, T0, 5 * SEC);
	assert_false(seen_for(&gi, &h1, 150, 600000, T0 + 6 * SEC, 9 * SEC));
	assert_true(ipaddr_eq(&gi.master, &h1));
	assert_int_equal(gi.failovers, 0);
	assert_int_equal(gi.block_until, 0);
}

/*
 * A claim that gave up at once (a promotion refused), a master resuming
 * after an agent restart, and a forged advert accepted now and then are
 * not masters: nothing changes.
 */
static void
test_brief_claims_and_resume(void **state)
{
	struct guard_inst gi;
	struct ipaddr h1 = addr("198.51.100.11"), h2 = addr("198.51.100.12");
	struct ipaddr fake = addr("198.51.100.200"), none = { 0 };
	int i;

	(void)state;
	memset(&gi, 0, sizeof(gi));
	seen_for(&gi, &h1, 150, 600000, T0, 5 * SEC);
	/* h1's agent restarts: no master, h2 claims for 0.5 s, h1 again. */
	assert_false(guard_master_seen(&gi, &none, 0, STABLE, 600000,
	    T0 + 6 * SEC));
	assert_false(guard_master_seen(&gi, &h2, 120, STABLE, 600000,
	    T0 + 9 * SEC));
	assert_false(guard_master_seen(&gi, &h2, 120, STABLE, 600000,
	    T0 + 9 * SEC + 500000));
	assert_false(guard_master_seen(&gi, &none, 0, STABLE, 600000,
	    T0 + 10 * SEC));
	assert_false(seen_for(&gi, &h1, 150, 600000, T0 + 11 * SEC, 10 * SEC));
	/* A forged advert accepted between h1's: never a master. */
	for (i = 0; i < 20; i++)
		assert_false(guard_master_seen(&gi, i % 2 ? &fake : &h1,
		    i % 2 ? 100 : 150, STABLE, 600000,
		    T0 + 30 * SEC + (uint64_t)i * SEC / 2));
	assert_true(ipaddr_eq(&gi.master, &h1));
	assert_int_equal(gi.failovers, 0);
	assert_int_equal(gi.block_until, 0);
}

static void
test_block_bits_and_ack(void **state)
{
	struct guard g = { .block_ms = 600000 };
	struct guard_inst gi;
	struct ipaddr h1 = addr("2001:db8::11"), h2 = addr("2001:db8::12");
	const char *why;

	(void)state;
	memset(&gi, 0, sizeof(gi));
	seen_for(&gi, &h1, 150, g.block_ms, T0, 5 * SEC);
	assert_int_equal(guard_bits(&g, &gi, false, T0, &why), 0);
	assert_null(why);
	assert_true(seen_for(&gi, &h2, 120, g.block_ms, T0, 5 * SEC));
	/* A backup must not win; the current master is not affected. */
	assert_int_equal(guard_bits(&g, &gi, false, T0 + 6 * SEC, &why),
	    VRRP_FAULT_BLOCKED);
	assert_non_null(strstr(why, "failover blocked"));
	assert_int_equal(guard_bits(&g, &gi, true, T0 + 6 * SEC, &why), 0);
	/* Expires by itself after 600 s ... */
	assert_int_equal(guard_bits(&g, &gi, false, T0 + 605 * SEC, NULL), 0);
	/* ... or at once with an ack. */
	assert_int_equal(guard_bits(&g, &gi, false, T0 + 7 * SEC, NULL),
	    VRRP_FAULT_BLOCKED);
	guard_ack(&gi);
	assert_int_equal(guard_bits(&g, &gi, false, T0 + 7 * SEC, NULL), 0);
	assert_true(ipaddr_eq(&gi.master, &h2));	/* still known */
	/* failover_block = 0 (also by a reload): no block at all. */
	seen_for(&gi, &h1, 120, g.block_ms, T0 + 8 * SEC, 5 * SEC);
	g.block_ms = 0;
	assert_int_equal(guard_bits(&g, &gi, false, T0 + 14 * SEC, NULL), 0);
	assert_int_equal(guard_block_left_us(&g, &gi, T0 + 14 * SEC), 0);
}

static void
test_block_off_records_no_deadline(void **state)
{
	struct guard g = { .block_ms = 0 };
	struct guard_inst gi;
	struct ipaddr h1 = addr("198.51.100.11"), h2 = addr("198.51.100.12");

	(void)state;
	memset(&gi, 0, sizeof(gi));
	seen_for(&gi, &h1, 150, 0, T0, 5 * SEC);
	assert_true(seen_for(&gi, &h2, 100, 0, T0 + 6 * SEC, 5 * SEC));
	assert_int_equal(gi.failovers, 1);
	assert_int_equal(gi.block_until, 0);
	/* Turning the block on later does not revive a past failover. */
	g.block_ms = 600000;
	assert_int_equal(guard_bits(&g, &gi, false, T0 + 12 * SEC, NULL), 0);
}

static void
test_lock_and_maintenance(void **state)
{
	struct guard g = { 0 };
	struct guard_inst gi;
	const char *why;

	(void)state;
	memset(&gi, 0, sizeof(gi));
	assert_false(guard_locked(&g));
	g.lock_cmd = true;
	assert_true(guard_locked(&g));
	assert_int_equal(guard_bits(&g, &gi, false, T0, &why),
	    VRRP_FAULT_BLOCKED);
	assert_string_equal(why, "failover lock set");
	/* The master keeps the VIP under a lock. */
	assert_int_equal(guard_bits(&g, &gi, true, T0, NULL), 0);
	g.lock_cmd = false;
	g.lock_file_present = true;
	assert_true(guard_locked(&g));
	assert_int_equal(guard_bits(&g, &gi, false, T0, NULL),
	    VRRP_FAULT_BLOCKED);
	g.lock_file_present = false;
	/* Maintenance takes the master out too. */
	g.maintenance = true;
	assert_int_equal(guard_bits(&g, &gi, true, T0, NULL),
	    VRRP_FAULT_OPERATOR);
	assert_int_equal(guard_bits(&g, &gi, false, T0, NULL),
	    VRRP_FAULT_OPERATOR);
	g.lock_cmd = true;
	assert_int_equal(guard_bits(&g, &gi, false, T0, NULL),
	    VRRP_FAULT_OPERATOR | VRRP_FAULT_BLOCKED);
	assert_int_equal(guard_bits(&g, &gi, true, T0, NULL),
	    VRRP_FAULT_OPERATOR);
}

/* The guard's bits drive the real state machine like any fault. */
static void
test_bits_on_fsm(void **state)
{
	struct vrrp_params p = { .version = 3, .priority = 100,
	    .adver_int_cs = 100, .preempt = true };
	struct ipaddr self = addr("198.51.100.12");
	struct vrrp_fsm f;
	struct vrrp_out o = { 0 };

	(void)state;
	vrrp_fsm_init(&f, &p, &self);
	vrrp_fsm_startup(&f, T0, &o);
	assert_int_equal(f.state, VRRP_ST_BACKUP);
	o.n = 0;
	vrrp_fsm_set_fault(&f, VRRP_FAULT_BLOCKED, true, "blocked", T0, &o);
	assert_int_equal(f.state, VRRP_ST_FAULT);
	/* Maintenance on top, then the block lifted: still FAULT. */
	vrrp_fsm_set_fault(&f, VRRP_FAULT_OPERATOR, true, "m", T0, &o);
	vrrp_fsm_set_fault(&f, VRRP_FAULT_BLOCKED, false, "b", T0, &o);
	assert_int_equal(f.state, VRRP_ST_FAULT);
	/* In FAULT no timer runs: nobody takes over while blocked. */
	assert_int_equal(vrrp_fsm_next_deadline(&f), 0);
	vrrp_fsm_set_fault(&f, VRRP_FAULT_OPERATOR, false, "m", T0, &o);
	assert_int_equal(f.state, VRRP_ST_BACKUP);
	assert_true(vrrp_fsm_next_deadline(&f) > T0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_initial_election_is_not_failover),
		cmocka_unit_test(test_change_starts_block),
		cmocka_unit_test(test_preemption_is_not_failover),
		cmocka_unit_test(test_brief_claims_and_resume),
		cmocka_unit_test(test_block_bits_and_ack),
		cmocka_unit_test(test_block_off_records_no_deadline),
		cmocka_unit_test(test_lock_and_maintenance),
		cmocka_unit_test(test_bits_on_fsm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
