/*
 * guard: the pure part (failover detection, block timing, which fault bits
 * an instance must carry) with a fake clock: `now` is passed in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../../agent/guard.h"
#include "../../agent/vrrp.h"

#define SEC	1000000ULL
#define T0	(1000 * SEC)

static struct ipaddr
addr(const char *s)
{
	struct ipaddr a;

	assert_int_equal(ipaddr_parse(s, &a), 0);
	return a;
}

static void
test_initial_election_is_not_failover(void **state)
{
	struct guard_inst gi;
	struct ipaddr h1 = addr("198.51.100.11");

	(void)state;
	memset(&gi, 0, sizeof(gi));
	assert_false(guard_master_seen(&gi, &h1, 600000, T0));
	assert_true(ipaddr_eq(&gi.master, &h1));
	assert_int_equal(gi.failovers, 0);
	assert_int_equal(gi.block_until, 0);
	/* The same master again changes nothing. */
	assert_false(guard_master_seen(&gi, &h1, 600000, T0 + SEC));
	assert_int_equal(gi.t_failover, 0);
}

static void
test_change_starts_block(void **state)
{
	struct guard g = { .block_ms = 30000 };
	struct guard_inst gi;
	struct ipaddr h1 = addr("198.51.100.11"), h2 = addr("198.51.100.12");
	struct ipaddr none = { 0 };

	(void)state;
	memset(&gi, 0, sizeof(gi));
	guard_master_seen(&gi, &h1, g.block_ms, T0);
	/* An unset address (no master known) is not a master. */
	assert_false(guard_master_seen(&gi, &none, g.block_ms, T0 + SEC));
	assert_true(guard_master_seen(&gi, &h2, g.block_ms, T0 + 2 * SEC));
	assert_int_equal(gi.failovers, 1);
	assert_int_equal(gi.t_failover, T0 + 2 * SEC);
	assert_int_equal(gi.block_until, T0 + 32 * SEC);
	assert_int_equal(guard_block_left_us(&g, &gi, T0 + 2 * SEC), 30 * SEC);
	assert_int_equal(guard_block_left_us(&g, &gi, T0 + 31 * SEC), SEC);
	assert_int_equal(guard_block_left_us(&g, &gi, T0 + 32 * SEC), 0);
	assert_int_equal(guard_block_left_us(&g, &gi, T0 + 99 * SEC), 0);
	/* Back to h1 later: a second failover, a fresh block. */
	assert_true(guard_master_seen(&gi, &h1, g.block_ms, T0 + 40 * SEC));
	assert_int_equal(gi.failovers, 2);
	assert_int_equal(guard_block_left_us(&g, &gi, T0 + 41 * SEC),
	    29 * SEC);
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
	guard_master_seen(&gi, &h1, g.block_ms, T0);
	assert_int_equal(guard_bits(&g, &gi, false, T0, &why), 0);
	assert_null(why);
	guard_master_seen(&gi, &h2, g.block_ms, T0 + SEC);
	/* A backup must not win; the current master is not affected. */
	assert_int_equal(guard_bits(&g, &gi, false, T0 + 2 * SEC, &why),
	    VRRP_FAULT_BLOCKED);
	assert_non_null(strstr(why, "failover blocked"));
	assert_int_equal(guard_bits(&g, &gi, true, T0 + 2 * SEC, &why), 0);
	/* Expires by itself after 600 s ... */
	assert_int_equal(guard_bits(&g, &gi, false, T0 + 601 * SEC, NULL), 0);
	/* ... or at once with an ack. */
	assert_int_equal(guard_bits(&g, &gi, false, T0 + 3 * SEC, NULL),
	    VRRP_FAULT_BLOCKED);
	guard_ack(&gi);
	assert_int_equal(guard_bits(&g, &gi, false, T0 + 3 * SEC, NULL), 0);
	assert_true(ipaddr_eq(&gi.master, &h2));	/* still known */
	/* failover_block = 0 (also by a reload): no block at all. */
	guard_master_seen(&gi, &h1, g.block_ms, T0 + 4 * SEC);
	g.block_ms = 0;
	assert_int_equal(guard_bits(&g, &gi, false, T0 + 5 * SEC, NULL), 0);
	assert_int_equal(guard_block_left_us(&g, &gi, T0 + 5 * SEC), 0);
}

static void
test_block_off_records_no_deadline(void **state)
{
	struct guard g = { .block_ms = 0 };
	struct guard_inst gi;
	struct ipaddr h1 = addr("198.51.100.11"), h2 = addr("198.51.100.12");

	(void)state;
	memset(&gi, 0, sizeof(gi));
	guard_master_seen(&gi, &h1, 0, T0);
	assert_true(guard_master_seen(&gi, &h2, 0, T0 + SEC));
	assert_int_equal(gi.failovers, 1);
	assert_int_equal(gi.block_until, 0);
	/* Turning the block on later does not revive a past failover. */
	g.block_ms = 600000;
	assert_int_equal(guard_bits(&g, &gi, false, T0 + 2 * SEC, NULL), 0);
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
		cmocka_unit_test(test_block_bits_and_ack),
		cmocka_unit_test(test_block_off_records_no_deadline),
		cmocka_unit_test(test_lock_and_maintenance),
		cmocka_unit_test(test_bits_on_fsm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
