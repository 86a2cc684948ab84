/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for agent/core/vrrp.c, part two: timer arithmetic, priority 0
 * and the Advertisement_Interval, with the two rules the state machine
 * applies to adverts before RFC 5798 6.4 sees them (vrrp.h): priority 0 is
 * honoured only from the master we follow, and a v3 interval is learned
 * only once two adverts in a row from one source carry it.  Fake clock;
 * expected times worked out by hand (v3, priority 100, 1 s adverts:
 * Skew_Time 609375 us, Master_Down_Interval 3609375 us).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../agent/core/vrrp.h"

#include "fsm_test.h"

#define OTHER	"198.51.100.30"		/* a third router */

/* --- timer arithmetic --- */

static void
test_skew_v3_values(void **state)
{
	struct vrrp_fsm f;

	(void)state;
	fsm_new(&f, 3, 100, 100, true, 0);
	assert_int_equal(vrrp_fsm_skew_us(&f), 609375);
	assert_int_equal(vrrp_fsm_master_down_us(&f), 3609375);

	fsm_new(&f, 3, 1, 100, true, 0);	/* 255/256 s = 996093.75 */
	assert_int_equal(vrrp_fsm_skew_us(&f), 996093);
	assert_int_equal(vrrp_fsm_master_down_us(&f), 3996093);

	fsm_new(&f, 3, 254, 100, true, 0);	/* 2/256 s = 7812.5 */
	assert_int_equal(vrrp_fsm_skew_us(&f), 7812);

	fsm_new(&f, 3, 255, 100, true, 0);	/* 1/256 s = 3906.25 */
	assert_int_equal(vrrp_fsm_skew_us(&f), 3906);
	assert_int_equal(vrrp_fsm_master_down_us(&f), 3003906);

	/* 100 ms adverts: a takeover 0.361 s after the master died. */
	fsm_new(&f, 3, 100, 10, true, 0);
	assert_int_equal(vrrp_fsm_skew_us(&f), 60937);
	assert_int_equal(vrrp_fsm_master_down_us(&f), 360937);

	/* 3 cs, priority 254: 2 * 3 / 256 cs is 0 in centiseconds, 234 us. */
	fsm_new(&f, 3, 254, 3, true, 0);
	assert_int_equal(vrrp_fsm_skew_us(&f), 234);
	assert_int_equal(vrrp_fsm_master_down_us(&f), 90234);
}

static void
test_skew_uses_effective_priority(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	fsm_new(&f, 3, 100, 100, true, 0);
	out_reset(&o);
	vrrp_fsm_set_priority(&f, 200, T0, &o);
	assert_int_equal(o.n, 0);		/* INIT: stored only */
	assert_int_equal(f.priority, 200);
	assert_int_equal(vrrp_fsm_skew_us(&f), 218750);	/* 56/256 s */
	assert_int_equal(vrrp_fsm_master_down_us(&f), 3218750);
}

static void
test_v2_formulas(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	/* v2: skew does not scale with the interval. */
	fsm_new(&f, 2, 200, 200, true, 0);
	assert_int_equal(vrrp_fsm_skew_us(&f), 218750);
	assert_int_equal(vrrp_fsm_master_down_us(&f), 6218750);
	/* The same router in v3 would have 437500 and 6437500. */
	fsm_new(&f, 3, 200, 200, true, 0);
	assert_int_equal(vrrp_fsm_skew_us(&f), 437500);
	assert_int_equal(vrrp_fsm_master_down_us(&f), 6437500);

	fsm_new(&f, 2, 100, 100, true, 0);
	out_reset(&o);
	vrrp_fsm_startup(&f, T0, &o);
	assert_int_equal(f.t_master_down, T0 + 3609375);
	/* v2 does not learn the interval from the master's advert. */
	advert(&f, T0 + SEC, 150, 300, HIGHER, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.master_adver_int_cs, 100);
	assert_int_equal(f.t_master_down, T0 + SEC + 3609375);
	assert_int_equal(f.master_priority, 150);
}

static void
test_huge_interval_no_overflow(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	backup_at(&f, 1, true, 0, T0);
	/* v3 field is 12 bits, but the FSM must survive any uint16. */
	advert(&f, T0, 200, 65535, HIGHER, &o);
	advert(&f, T0, 200, 65535, HIGHER, &o);	/* confirmed */
	assert_int_equal(f.master_adver_int_cs, 65535);
	/* 3 * 655.35 s + 255 * 655.35 s / 256 = 1966050000 + 652790039 */
	assert_int_equal(vrrp_fsm_master_down_us(&f), 2618840039ULL);
	assert_int_equal(f.t_master_down, T0 + 2618840039ULL);

	/* Deadlines saturate near the end of the clock. */
	advert(&f, UINT64_MAX - 10, 200, 65535, HIGHER, &o);
	assert_int_equal(f.t_master_down, UINT64_MAX);
}

static void
test_zero_interval_not_learned(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	backup_at(&f, 100, true, 0, T0);
	advert(&f, T0 + SEC, 150, 0, HIGHER, &o);
	assert_int_equal(f.master_adver_int_cs, 100);
	assert_int_equal(f.t_master_down, T0 + SEC + 3609375);
}

static void
test_backup_v3_learns_interval(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	backup_at(&f, 100, true, 0, T0);
	advert(&f, T0 + SEC / 2, 150, 200, HIGHER, &o);
	assert_int_equal(f.master_adver_int_cs, 100);	/* not yet */
	advert(&f, T0 + SEC, 150, 200, HIGHER, &o);
	assert_int_equal(f.master_adver_int_cs, 200);
	/* 3 * 2 s + 156 * 2 s / 256 = 6 s + 1218750 us */
	assert_int_equal(f.t_master_down, T0 + SEC + 7218750);
	timer(&f, T0 + SEC + 7218749, &o);
	assert_int_equal(o.n, 0);
	timer(&f, T0 + SEC + 7218750, &o);
	CHECK(&o, E_SEND(100), E_ADD, E_ANN, E_ST(BACKUP, MASTER));
	/* Our own adverts keep our configured interval. */
	assert_int_equal(f.t_adver, T0 + SEC + 7218750 + SEC);
}

static void
test_backup_priority_zero_skew(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	backup_at(&f, 100, true, 0, T0);
	advert(&f, T0 + SEC, 150, 100, HIGHER, &o);
	advert(&f, T0 + 2 * SEC, 0, 100, HIGHER, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.t_master_down, T0 + 2 * SEC + 609375);
	assert_int_equal(f.master_priority, 0);
	timer(&f, T0 + 2 * SEC + 609374, &o);
	assert_int_equal(o.n, 0);
	timer(&f, T0 + 2 * SEC + 609375, &o);
	CHECK(&o, E_SEND(100), E_ADD, E_ANN, E_ST(BACKUP, MASTER));
}

static void
test_backup_priority_zero_skew_learned(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	/* v3: Skew_Time scales with the learned Master_Adver_Interval. */
	backup_at(&f, 100, true, 0, T0);
	advert(&f, T0 + SEC / 2, 150, 200, HIGHER, &o);
	advert(&f, T0 + SEC, 150, 200, HIGHER, &o);
	advert(&f, T0 + 2 * SEC, 0, 200, HIGHER, &o);
	assert_int_equal(f.t_master_down, T0 + 2 * SEC + 1218750);
}

static void
test_master_priority_zero_reasserts(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;
	uint64_t t = master_at(&f, 100);

	(void)state;
	advert(&f, t + 300000, 0, 100, HIGHER, &o);
	CHECK(&o, E_SEND(100));
	assert_int_equal(f.state, VRRP_ST_MASTER);
	assert_int_equal(f.t_adver, t + 300000 + SEC);
}

/* --- priority 0 only from the master we follow --- */

static void
test_prio0_from_our_master_honoured(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	backup_at(&f, 100, true, 0, T0);
	advert(&f, T0 + SEC, 150, 100, HIGHER, &o);
	advert(&f, T0 + 2 * SEC, 0, 100, HIGHER, &o);
	assert_int_equal(o.drop, VRRP_DROP_NONE);
	assert_int_equal(f.t_master_down, T0 + 2 * SEC + 609375);
	assert_int_equal(f.master_priority, 0);
}

static void
test_prio0_from_another_router_dropped(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;
	struct ipaddr h = addr(HIGHER);

	(void)state;
	backup_at(&f, 100, true, 0, T0);
	advert(&f, T0 + SEC, 150, 100, HIGHER, &o);
	advert(&f, T0 + 2 * SEC, 0, 100, OTHER, &o);
	assert_int_equal(o.drop, VRRP_DROP_NOT_MASTER);
	assert_non_null(o.drop_msg);
	assert_int_equal(o.n, 0);
	/* Nothing changed: the master and its timer stand. */
	assert_int_equal(f.t_master_down, T0 + SEC + 3609375);
	assert_true(ipaddr_eq(&f.master, &h));
	assert_int_equal(f.master_priority, 150);
	/* A flood of them changes nothing either. */
	advert(&f, T0 + 3 * SEC, 0, 100, OTHER, &o);
	assert_int_equal(o.drop, VRRP_DROP_NOT_MASTER);
	timer(&f, T0 + SEC + 3609375, &o);
	CHECK(&o, E_SEND(100), E_ADD, E_ANN, E_ST(BACKUP, MASTER));
}

static void
test_prio0_before_any_master_dropped(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	/* A backup that follows none waits out its Master_Down_Timer. */
	backup_at(&f, 100, true, 0, T0);
	advert(&f, T0 + SEC, 0, 100, HIGHER, &o);
	assert_int_equal(o.drop, VRRP_DROP_NOT_MASTER);
	assert_int_equal(f.t_master_down, T0 + 3609375);
}

static void
test_prio0_to_master_not_dropped(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;
	uint64_t t = master_at(&f, 100);

	(void)state;
	/* A master answers any priority 0 (6.4.3); the rule is BACKUP's. */
	advert(&f, t + 300000, 0, 100, OTHER, &o);
	assert_int_equal(o.drop, VRRP_DROP_NONE);
	assert_int_equal(f.state, VRRP_ST_MASTER);
}

/* --- a v3 interval is learned from two adverts in a row --- */

static void
test_interval_one_stray_not_learned(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	backup_at(&f, 100, true, 0, T0);
	advert(&f, T0 + SEC, 150, 100, HIGHER, &o);
	/* One corrupt advert claims 10 ms: the down timer must not shrink. */
	advert(&f, T0 + 2 * SEC, 150, 1, HIGHER, &o);
	assert_int_equal(o.drop, VRRP_DROP_NONE);
	assert_int_equal(f.master_adver_int_cs, 100);
	assert_int_equal(f.t_master_down, T0 + 2 * SEC + 3609375);
	/* Back to 100: the 1 never got a second vote. */
	advert(&f, T0 + 3 * SEC, 150, 100, HIGHER, &o);
	advert(&f, T0 + 4 * SEC, 150, 1, HIGHER, &o);
	assert_int_equal(f.master_adver_int_cs, 100);
}

static void
test_interval_needs_same_source(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	backup_at(&f, 100, true, 0, T0);
	/* Two routers, one advert each with 200: no two in a row agree. */
	advert(&f, T0 + SEC, 150, 200, HIGHER, &o);
	advert(&f, T0 + 2 * SEC, 160, 200, OTHER, &o);
	assert_int_equal(f.master_adver_int_cs, 100);
	/* OTHER again: learned. */
	advert(&f, T0 + 3 * SEC, 160, 200, OTHER, &o);
	assert_int_equal(f.master_adver_int_cs, 200);
	/* 3 * 2 s + 156 * 2 s / 256 */
	assert_int_equal(f.t_master_down, T0 + 3 * SEC + 7218750);
}

static void
test_interval_dropped_advert_does_not_count(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	backup_at(&f, 100, true, 0, T0);
	advert(&f, T0 + SEC, 150, 100, HIGHER, &o);
	advert(&f, T0 + 2 * SEC, 150, 200, HIGHER, &o);
	/* A refused priority 0 in between is not "the last advert". */
	advert(&f, T0 + 2 * SEC + 1, 0, 200, OTHER, &o);
	assert_int_equal(o.drop, VRRP_DROP_NOT_MASTER);
	advert(&f, T0 + 3 * SEC, 150, 200, HIGHER, &o);
	assert_int_equal(f.master_adver_int_cs, 200);
}

static void
test_interval_yield_keeps_ours_until_confirmed(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;
	uint64_t t = master_at(&f, 100);

	(void)state;
	/* A better master with 2 s adverts: we yield at our own interval. */
	advert(&f, t + 500000, 150, 200, LOWER, &o);
	CHECK(&o, E_DEL, E_ST(MASTER, BACKUP));
	assert_int_equal(f.master_adver_int_cs, 100);
	assert_int_equal(f.t_master_down, t + 500000 + 3609375);
	/* Its next advert confirms 2 s. */
	advert(&f, t + 2500000, 150, 200, LOWER, &o);
	assert_int_equal(f.master_adver_int_cs, 200);
	assert_int_equal(f.t_master_down, t + 2500000 + 7218750);
}

static void
test_interval_v2_never_learned(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	fsm_new(&f, 2, 100, 100, true, 0);
	out_reset(&o);
	vrrp_fsm_startup(&f, T0, &o);
	advert(&f, T0 + SEC, 150, 200, HIGHER, &o);
	advert(&f, T0 + 2 * SEC, 150, 200, HIGHER, &o);
	assert_int_equal(f.master_adver_int_cs, 100);
}

/* The one record of the accepted master: ours, the one we follow, none. */
static void
test_accepted_master(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;
	struct ipaddr m, h = addr(HIGHER), self = addr(SELF);
	uint8_t prio;

	(void)state;
	backup_at(&f, 100, true, 0, T0);
	assert_false(vrrp_fsm_accepted_master(&f, &m, &prio));
	advert(&f, T0 + SEC, 150, 100, HIGHER, &o);
	assert_true(vrrp_fsm_accepted_master(&f, &m, &prio));
	assert_true(ipaddr_eq(&m, &h));
	assert_int_equal(prio, 150);
	/* It resigned: no master until another one is accepted. */
	advert(&f, T0 + 2 * SEC, 0, 100, HIGHER, &o);
	assert_false(vrrp_fsm_accepted_master(&f, &m, &prio));
	master_at(&f, 120);
	assert_true(vrrp_fsm_accepted_master(&f, &m, &prio));
	assert_true(ipaddr_eq(&m, &self));
	assert_int_equal(prio, 120);
	out_reset(&o);
	vrrp_fsm_set_fault(&f, VRRP_FAULT_LINK, true, NULL, T0 + 9 * SEC, &o);
	assert_false(vrrp_fsm_accepted_master(&f, &m, &prio));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_skew_v3_values),
		cmocka_unit_test(test_skew_uses_effective_priority),
		cmocka_unit_test(test_v2_formulas),
		cmocka_unit_test(test_huge_interval_no_overflow),
		cmocka_unit_test(test_zero_interval_not_learned),
		cmocka_unit_test(test_backup_v3_learns_interval),
		cmocka_unit_test(test_backup_priority_zero_skew),
		cmocka_unit_test(test_backup_priority_zero_skew_learned),
		cmocka_unit_test(test_master_priority_zero_reasserts),
		cmocka_unit_test(test_prio0_from_our_master_honoured),
		cmocka_unit_test(test_prio0_from_another_router_dropped),
		cmocka_unit_test(test_prio0_before_any_master_dropped),
		cmocka_unit_test(test_prio0_to_master_not_dropped),
		cmocka_unit_test(test_interval_one_stray_not_learned),
		cmocka_unit_test(test_interval_needs_same_source),
		cmocka_unit_test(test_interval_dropped_advert_does_not_count),
		cmocka_unit_test(test_interval_yield_keeps_ours_until_confirmed),
		cmocka_unit_test(test_interval_v2_never_learned),
		cmocka_unit_test(test_accepted_master),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
