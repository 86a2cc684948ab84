/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for agent/core/vrrp.c: the RFC 5798 section 6.4 state machine and
 * FAULT, driven with a fake clock (a uint64_t of microseconds).
 *
 * Expected times are worked out by hand from the RFC formulas, not taken
 * from the module: e.g. v3, priority 100, 1 s adverts:
 *   Skew_Time = (256 - 100) * 100 cs / 256 = 60.9375 cs = 609375 us
 *   Master_Down_Interval = 3 * 1 s + 609375 us = 3609375 us
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../agent/core/vrrp.h"

#include "fsm_test.h"

/* --- 6.4.1 Initialize --- */

static void
test_startup_backup(void **state)
{
	struct vrrp_fsm f;

	(void)state;
	backup_at(&f, 100, true, 0, T0);
	assert_int_equal(f.master_adver_int_cs, 100);
	assert_int_equal(f.t_adver, 0);
	assert_int_equal(f.t_master_down, T0 + 3609375);
	assert_int_equal(vrrp_fsm_next_deadline(&f), T0 + 3609375);
	assert_int_equal(f.transitions, 1);
	assert_int_equal(f.master.family, 0);
}

static void
test_startup_owner(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	fsm_new(&f, 3, 255, 100, false, 0);
	out_reset(&o);
	vrrp_fsm_startup(&f, T0, &o);
	CHECK(&o, E_SEND(255), E_ADD, E_ANN, E_ST(INIT, MASTER));
	assert_int_equal(f.state, VRRP_ST_MASTER);
	assert_int_equal(f.t_adver, T0 + SEC);
	assert_int_equal(f.t_master_down, 0);
	assert_int_equal(vrrp_fsm_next_deadline(&f), T0 + SEC);
	assert_int_equal(f.transitions, 1);
}

/* Resume: a BACKUP takes over at once; nothing happens in other states. */
static void
test_resume(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	backup_at(&f, 100, true, 0, T0);
	out_reset(&o);
	vrrp_fsm_resume(&f, "resume", T0 + SEC, &o);
	CHECK(&o, E_SEND(100), E_ADD, E_ANN, E_ST(BACKUP, MASTER));
	assert_int_equal(f.t_adver, T0 + 2 * SEC);
	assert_int_equal(f.t_master_down, 0);
	/* Already MASTER: nothing. */
	out_reset(&o);
	vrrp_fsm_resume(&f, "resume", T0 + SEC, &o);
	assert_int_equal(o.n, 0);
	/* FAULT (a role hold): nothing, and the state is kept. */
	out_reset(&o);
	vrrp_fsm_set_fault(&f, VRRP_FAULT_ROLE, true, "hold", T0 + SEC, &o);
	CHECK(&o, E_DEL, E_SEND(0), E_ST(MASTER, FAULT));
	out_reset(&o);
	vrrp_fsm_resume(&f, "resume", T0 + SEC, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.state, VRRP_ST_FAULT);
	/* INIT: nothing. */
	fsm_new(&f, 3, 100, 100, true, 0);
	out_reset(&o);
	vrrp_fsm_resume(&f, "resume", T0, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.state, VRRP_ST_INIT);
}

static void
test_startup_only_from_init(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	backup_at(&f, 100, true, 0, T0);
	out_reset(&o);
	vrrp_fsm_startup(&f, T0 + SEC, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.t_master_down, T0 + 3609375);
	assert_int_equal(f.transitions, 1);
}

static void
test_startup_clock_zero(void **state)
{
	struct vrrp_fsm f;

	(void)state;
	/* A fake clock may start at 0; armed deadlines are never 0. */
	backup_at(&f, 100, true, 0, 0);
	assert_int_equal(f.t_master_down, 3609375);
}

/* --- 6.4.2 Backup --- */

static void
test_backup_down_timer_exact(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	backup_at(&f, 100, true, 0, T0);
	timer(&f, T0 + 3 * SEC, &o);
	assert_int_equal(o.n, 0);
	timer(&f, T0 + 3609374, &o);		/* 1 us early */
	assert_int_equal(o.n, 0);
	assert_int_equal(f.state, VRRP_ST_BACKUP);

	timer(&f, T0 + 3609375, &o);
	/* Claim on the wire before the addresses, announce them last. */
	CHECK(&o, E_SEND(100), E_ADD, E_ANN, E_ST(BACKUP, MASTER));
	assert_int_equal(f.state, VRRP_ST_MASTER);
	assert_int_equal(f.t_master_down, 0);
	assert_int_equal(f.t_adver, T0 + 3609375 + SEC);
	assert_int_equal(f.transitions, 2);
	assert_true(ipaddr_eq(&f.master, &f.self));
}

static void
test_backup_late_timer(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	backup_at(&f, 100, true, 0, T0);
	timer(&f, T0 + 10 * SEC, &o);	/* the loop was late */
	CHECK(&o, E_SEND(100), E_ADD, E_ANN, E_ST(BACKUP, MASTER));
	assert_int_equal(f.t_adver, T0 + 11 * SEC);
}

static void
test_backup_higher_advert_resets(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;
	struct ipaddr h = addr(HIGHER);

	(void)state;
	backup_at(&f, 100, true, 0, T0);
	advert(&f, T0 + 3 * SEC, 150, 100, HIGHER, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.t_master_down, T0 + 3 * SEC + 3609375);
	assert_true(ipaddr_eq(&f.master, &h));
	assert_int_equal(f.master_priority, 150);
	/* The old deadline passes without a takeover. */
	timer(&f, T0 + 3609375, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.state, VRRP_ST_BACKUP);
}

static void
test_backup_equal_advert_accepted(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	/* ">= local Priority": equal is accepted even with preempt. */
	backup_at(&f, 100, true, 0, T0);
	advert(&f, T0 + SEC, 100, 100, LOWER, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.t_master_down, T0 + SEC + 3609375);
}

static void
test_backup_preempt_discards_lower(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;
	struct ipaddr h = addr(HIGHER);

	(void)state;
	backup_at(&f, 100, true, 0, T0);
	advert(&f, T0 + SEC, 150, 100, HIGHER, &o);
	/* The master's gate dropped it below us: discard, don't reset. */
	advert(&f, T0 + 2 * SEC, 50, 100, HIGHER, &o);
	advert(&f, T0 + 3 * SEC, 50, 100, HIGHER, &o);
	advert(&f, T0 + 4 * SEC, 50, 100, HIGHER, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.t_master_down, T0 + SEC + 3609375);
	assert_true(ipaddr_eq(&f.master, &h));
	assert_int_equal(f.master_priority, 150);
	timer(&f, T0 + SEC + 3609375, &o);
	CHECK(&o, E_SEND(100), E_ADD, E_ANN, E_ST(BACKUP, MASTER));
}

static void
test_backup_no_preempt_accepts_lower(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	backup_at(&f, 100, false, 0, T0);
	advert(&f, T0 + SEC, 50, 100, HIGHER, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.t_master_down, T0 + SEC + 3609375);
	assert_int_equal(f.master_priority, 50);
	timer(&f, T0 + 3609375, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.state, VRRP_ST_BACKUP);
}

static void
test_backup_no_preempt_ignores_delay(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	backup_at(&f, 100, false, 5000, T0);
	assert_int_equal(f.t_preempt, 0);
	advert(&f, T0 + 60 * SEC, 50, 100, HIGHER, &o);
	assert_int_equal(f.t_preempt, 0);
	assert_int_equal(f.t_master_down, T0 + 60 * SEC + 3609375);
}

/* --- preempt_delay --- */

static void
test_preempt_delay_after_startup(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;
	uint64_t last;

	(void)state;
	backup_at(&f, 100, true, 5000, T0);
	assert_int_equal(f.t_preempt, T0 + 5 * SEC);
	/* It is a threshold, not a timer. */
	assert_int_equal(vrrp_fsm_next_deadline(&f), T0 + 3609375);

	/* Before the threshold a lower master is tolerated. */
	advert(&f, T0 + SEC, 50, 100, HIGHER, &o);
	assert_int_equal(f.t_master_down, T0 + SEC + 3609375);
	last = T0 + 5 * SEC - 1;
	advert(&f, last, 50, 100, HIGHER, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.t_master_down, last + 3609375);
	assert_int_equal(f.t_preempt, T0 + 5 * SEC);

	/* From the threshold on, lower adverts are discarded. */
	advert(&f, T0 + 5 * SEC, 50, 100, HIGHER, &o);
	advert(&f, T0 + 6 * SEC, 50, 100, HIGHER, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.t_master_down, last + 3609375);
	timer(&f, last + 3609374, &o);
	assert_int_equal(o.n, 0);
	timer(&f, last + 3609375, &o);
	CHECK(&o, E_SEND(100), E_ADD, E_ANN, E_ST(BACKUP, MASTER));
	assert_int_equal(f.t_preempt, 0);
}

static void
test_preempt_delay_startup_expired(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	/* A lower master first seen after the startup delay: preempt now. */
	backup_at(&f, 100, true, 2000, T0);
	advert(&f, T0 + 3 * SEC, 50, 100, HIGHER, &o);
	assert_int_equal(f.t_master_down, T0 + 3609375);
	assert_int_equal(f.master.family, 0);
}

static void
test_preempt_delay_first_lower_arms(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;
	uint64_t t1 = T0 + 30 * SEC;

	(void)state;
	backup_at(&f, 100, true, 5000, T0);
	/* A higher master ends the startup episode. */
	advert(&f, T0 + SEC, 150, 100, HIGHER, &o);
	assert_int_equal(f.t_preempt, 0);
	for (uint64_t t = T0 + 2 * SEC; t < t1; t += SEC)
		advert(&f, t, 150, 100, HIGHER, &o);

	/* Its gate drops it below us: the first lower advert arms. */
	advert(&f, t1, 50, 100, HIGHER, &o);
	assert_int_equal(f.t_preempt, t1 + 5 * SEC);
	assert_int_equal(f.t_master_down, t1 + 3609375);
	advert(&f, t1 + 5 * SEC - 1, 50, 100, HIGHER, &o);
	assert_int_equal(f.t_master_down, t1 + 5 * SEC - 1 + 3609375);
	advert(&f, t1 + 5 * SEC, 50, 100, HIGHER, &o);
	assert_int_equal(f.t_master_down, t1 + 5 * SEC - 1 + 3609375);

	/* It recovers before we take over: the next drop starts afresh. */
	advert(&f, t1 + 6 * SEC, 150, 100, HIGHER, &o);
	assert_int_equal(f.t_preempt, 0);
	assert_int_equal(f.state, VRRP_ST_BACKUP);
	advert(&f, t1 + 7 * SEC, 50, 100, HIGHER, &o);
	assert_int_equal(f.t_preempt, t1 + 12 * SEC);
	assert_int_equal(f.t_master_down, t1 + 7 * SEC + 3609375);
}

static void
test_preempt_delay_after_fault(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	backup_at(&f, 100, true, 5000, T0);
	out_reset(&o);
	vrrp_fsm_set_fault(&f, VRRP_FAULT_GATE, true, "db down", T0 + SEC, &o);
	assert_int_equal(f.t_preempt, 0);
	out_reset(&o);
	vrrp_fsm_set_fault(&f, VRRP_FAULT_GATE, false, "db up",
	    T0 + 20 * SEC, &o);
	CHECK(&o, E_ST(FAULT, BACKUP));
	assert_int_equal(f.t_preempt, T0 + 25 * SEC);
	advert(&f, T0 + 21 * SEC, 50, 100, HIGHER, &o);
	assert_int_equal(f.t_master_down, T0 + 21 * SEC + 3609375);
}

/* --- 6.4.3 Master --- */

static void
test_master_adver_timer(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;
	uint64_t t = master_at(&f, 100);

	(void)state;
	assert_int_equal(f.t_adver, t + SEC);
	timer(&f, t + SEC - 1, &o);
	assert_int_equal(o.n, 0);
	timer(&f, t + SEC, &o);
	CHECK(&o, E_SEND(100));
	assert_int_equal(f.t_adver, t + 2 * SEC);
	/* Late: re-armed from now, no burst to catch up. */
	timer(&f, t + 5 * SEC, &o);
	CHECK(&o, E_SEND(100));
	assert_int_equal(f.t_adver, t + 6 * SEC);
	assert_int_equal(f.state, VRRP_ST_MASTER);
	assert_int_equal(f.transitions, 2);
}

static void
test_master_higher_priority_yields(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;
	uint64_t t = master_at(&f, 100);
	struct ipaddr h = addr(LOWER);

	(void)state;
	/* Higher priority wins even from a lower address. */
	advert(&f, t + 500000, 150, 100, LOWER, &o);
	/* Addresses go first; no priority 0 (the winner advertises). */
	CHECK(&o, E_DEL, E_ST(MASTER, BACKUP));
	assert_int_equal(f.state, VRRP_ST_BACKUP);
	assert_int_equal(f.t_adver, 0);
	assert_int_equal(f.master_adver_int_cs, 100);
	assert_int_equal(f.t_master_down, t + 500000 + 3609375);
	assert_true(ipaddr_eq(&f.master, &h));
	assert_int_equal(f.master_priority, 150);
	assert_int_equal(f.t_preempt, 0);
	assert_int_equal(vrrp_fsm_next_deadline(&f), t + 500000 + 3609375);
}

static void
test_master_equal_higher_address_yields(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;
	uint64_t t = master_at(&f, 100);

	(void)state;
	advert(&f, t + 1, 100, 100, HIGHER, &o);
	CHECK(&o, E_DEL, E_ST(MASTER, BACKUP));
	assert_int_equal(f.t_master_down, t + 1 + 3609375);
}

static void
test_master_equal_lower_address_discards(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;
	uint64_t t = master_at(&f, 100);

	(void)state;
	advert(&f, t + 1, 100, 100, LOWER, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.state, VRRP_ST_MASTER);
	assert_int_equal(f.t_adver, t + SEC);
	/* Same address as ours (a loop the agent should have dropped). */
	advert(&f, t + 2, 100, 100, SELF, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.state, VRRP_ST_MASTER);
}

static void
test_master_lower_discards(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;
	uint64_t t = master_at(&f, 100);

	(void)state;
	advert(&f, t + 1, 99, 100, HIGHER, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.state, VRRP_ST_MASTER);
	assert_int_equal(f.t_adver, t + SEC);
	assert_int_equal(f.master_adver_int_cs, 100);
}

static void
test_master_set_priority_advertises(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;
	uint64_t t = master_at(&f, 100);

	(void)state;
	out_reset(&o);
	vrrp_fsm_set_priority(&f, 80, t + 200000, &o);
	CHECK(&o, E_SEND(80));
	assert_int_equal(f.priority, 80);
	assert_int_equal(f.state, VRRP_ST_MASTER);
	assert_int_equal(f.t_adver, t + 200000 + SEC);
	/* Unchanged priority: nothing to say. */
	out_reset(&o);
	vrrp_fsm_set_priority(&f, 80, t + 300000, &o);
	assert_int_equal(o.n, 0);
	/* Regular adverts carry the new priority. */
	timer(&f, t + 200000 + SEC, &o);
	CHECK(&o, E_SEND(80));
	/* And it now loses to a 90. */
	advert(&f, t + 2 * SEC, 90, 100, LOWER, &o);
	CHECK(&o, E_DEL, E_ST(MASTER, BACKUP));
}

static void
test_backup_set_priority_stores(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	backup_at(&f, 100, true, 0, T0);
	out_reset(&o);
	vrrp_fsm_set_priority(&f, 200, T0 + SEC, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.priority, 200);
	/* The running timer is untouched; the next reset uses 200. */
	assert_int_equal(f.t_master_down, T0 + 3609375);
	advert(&f, T0 + 2 * SEC, 220, 100, HIGHER, &o);
	assert_int_equal(f.t_master_down, T0 + 2 * SEC + 3218750);
	/* A 150 master is now below us: preempt. */
	advert(&f, T0 + 3 * SEC, 150, 100, HIGHER, &o);
	assert_int_equal(f.t_master_down, T0 + 2 * SEC + 3218750);
}

static void
test_set_priority_clamped(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	fsm_new(&f, 3, 100, 100, true, 0);
	out_reset(&o);
	vrrp_fsm_set_priority(&f, 0, T0, &o);
	assert_int_equal(f.priority, 1);
	vrrp_fsm_set_priority(&f, 255, T0, &o);
	assert_int_equal(f.priority, 254);
	assert_int_equal(o.n, 0);
}

/* --- owner --- */

static void
test_owner_ignores_set_priority(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	fsm_new(&f, 3, 255, 100, true, 0);
	out_reset(&o);
	vrrp_fsm_startup(&f, T0, &o);
	out_reset(&o);
	vrrp_fsm_set_priority(&f, 50, T0 + 1, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.priority, 255);
	timer(&f, T0 + SEC, &o);
	CHECK(&o, E_SEND(255));
}

static void
test_owner_master_adverts(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	fsm_new(&f, 3, 255, 100, false, 0);
	out_reset(&o);
	vrrp_fsm_startup(&f, T0, &o);
	advert(&f, T0 + 1, 254, 100, HIGHER, &o);
	assert_int_equal(o.n, 0);
	advert(&f, T0 + 2, 255, 100, LOWER, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.state, VRRP_ST_MASTER);
	/* Another owner with a higher address wins (misconfiguration). */
	advert(&f, T0 + 3, 255, 100, HIGHER, &o);
	CHECK(&o, E_DEL, E_ST(MASTER, BACKUP));
	/* Owner skew: 1 * 1 s / 256 = 3906.25 us. */
	assert_int_equal(f.t_master_down, T0 + 3 + 3003906);
}

static void
test_owner_backup_always_preempts(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	/* preempt off and a delay configured: an owner preempts anyway. */
	fsm_new(&f, 3, 255, 100, false, 5000);
	out_reset(&o);
	vrrp_fsm_startup(&f, T0, &o);
	advert(&f, T0 + 3, 255, 100, HIGHER, &o);
	assert_int_equal(f.state, VRRP_ST_BACKUP);
	assert_int_equal(f.t_preempt, 0);
	advert(&f, T0 + SEC, 200, 100, HIGHER, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.t_master_down, T0 + 3 + 3003906);
	timer(&f, T0 + 3 + 3003906, &o);
	CHECK(&o, E_SEND(255), E_ADD, E_ANN, E_ST(BACKUP, MASTER));
}

/* --- FAULT --- */

static void
test_fault_from_master(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;
	uint64_t t = master_at(&f, 100);

	(void)state;
	out_reset(&o);
	vrrp_fsm_set_fault(&f, VRRP_FAULT_LINK, true, "link down", t + 1, &o);
	CHECK(&o, E_DEL, E_SEND(0), E_ST(MASTER, FAULT));
	assert_string_equal(o.act[2].reason, "link down");
	assert_int_equal(f.state, VRRP_ST_FAULT);
	assert_int_equal(f.fault, VRRP_FAULT_LINK);
	assert_int_equal(f.t_adver, 0);
	assert_int_equal(f.t_master_down, 0);
	assert_int_equal(vrrp_fsm_next_deadline(&f), 0);
	assert_int_equal(f.master.family, 0);
	timer(&f, t + 100 * SEC, &o);
	assert_int_equal(o.n, 0);
}

static void
test_fault_from_backup(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	backup_at(&f, 100, true, 0, T0);
	out_reset(&o);
	vrrp_fsm_set_fault(&f, VRRP_FAULT_GATE, true, NULL, T0 + 1, &o);
	CHECK(&o, E_ST(BACKUP, FAULT));
	assert_int_equal(f.t_master_down, 0);
	assert_int_equal(vrrp_fsm_next_deadline(&f), 0);
	/* No takeover however long we wait. */
	timer(&f, T0 + 100 * SEC, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.state, VRRP_ST_FAULT);
}

static void
test_fault_ignores_adverts(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	backup_at(&f, 100, true, 0, T0);
	out_reset(&o);
	vrrp_fsm_set_fault(&f, VRRP_FAULT_LINK, true, "link down", T0, &o);
	advert(&f, T0 + SEC, 150, 300, HIGHER, &o);
	assert_int_equal(o.n, 0);
	advert(&f, T0 + SEC, 0, 300, HIGHER, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.master_adver_int_cs, 100);
	assert_int_equal(f.master.family, 0);
	assert_int_equal(vrrp_fsm_next_deadline(&f), 0);
	/* Priority changes are stored. */
	out_reset(&o);
	vrrp_fsm_set_priority(&f, 120, T0 + SEC, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.priority, 120);
}

static void
test_fault_bits_and_clear(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	backup_at(&f, 100, true, 0, T0);
	advert(&f, T0 + SEC, 150, 200, HIGHER, &o);	/* learn 2 s */
	out_reset(&o);
	vrrp_fsm_set_fault(&f, VRRP_FAULT_LINK, true, "link", T0 + SEC, &o);
	CHECK(&o, E_ST(BACKUP, FAULT));
	out_reset(&o);
	vrrp_fsm_set_fault(&f, VRRP_FAULT_GATE, true, "gate", T0 + SEC, &o);
	assert_int_equal(o.n, 0);		/* already in FAULT */
	vrrp_fsm_set_fault(&f, VRRP_FAULT_LINK, false, "link", T0 + SEC, &o);
	assert_int_equal(o.n, 0);		/* GATE still set */
	assert_int_equal(f.state, VRRP_ST_FAULT);
	vrrp_fsm_set_fault(&f, VRRP_FAULT_LINK, false, "x", T0 + SEC, &o);
	assert_int_equal(o.n, 0);		/* clearing a clear bit */

	vrrp_fsm_set_fault(&f, VRRP_FAULT_GATE, false, "gate ok",
	    T0 + 2 * SEC, &o);
	CHECK(&o, E_ST(FAULT, BACKUP));
	assert_string_equal(o.act[0].reason, "gate ok");
	assert_int_equal(f.fault, 0);
	/* Afresh: the configured 1 s, not the 2 s learned before. */
	assert_int_equal(f.master_adver_int_cs, 100);
	assert_int_equal(f.t_master_down, T0 + 2 * SEC + 3609375);
	assert_int_equal(f.transitions, 3);
	timer(&f, T0 + 2 * SEC + 3609375, &o);
	CHECK(&o, E_SEND(100), E_ADD, E_ANN, E_ST(BACKUP, MASTER));
}

static void
test_fault_clear_owner_takes_over(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	fsm_new(&f, 3, 255, 100, true, 0);
	out_reset(&o);
	vrrp_fsm_startup(&f, T0, &o);
	out_reset(&o);
	vrrp_fsm_set_fault(&f, VRRP_FAULT_OPERATOR, true, "maintenance", T0 + 1, &o);
	CHECK(&o, E_DEL, E_SEND(0), E_ST(MASTER, FAULT));
	out_reset(&o);
	vrrp_fsm_set_fault(&f, VRRP_FAULT_OPERATOR, false, "maintenance", T0 + 2, &o);
	CHECK(&o, E_SEND(255), E_ADD, E_ANN, E_ST(FAULT, MASTER));
	assert_int_equal(f.t_adver, T0 + 2 + SEC);
}

static void
test_fault_before_startup(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	fsm_new(&f, 3, 100, 100, true, 0);
	out_reset(&o);
	vrrp_fsm_set_fault(&f, VRRP_FAULT_LINK, true, "no carrier", T0, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.state, VRRP_ST_INIT);
	vrrp_fsm_startup(&f, T0, &o);
	CHECK(&o, E_ST(INIT, FAULT));
	assert_int_equal(vrrp_fsm_next_deadline(&f), 0);
	out_reset(&o);
	vrrp_fsm_set_fault(&f, VRRP_FAULT_LINK, false, "carrier", T0 + SEC, &o);
	CHECK(&o, E_ST(FAULT, BACKUP));
	assert_int_equal(f.t_master_down, T0 + SEC + 3609375);
}

/* --- shutdown --- */

static void
test_shutdown_master(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;
	uint64_t t = master_at(&f, 100);

	(void)state;
	out_reset(&o);
	vrrp_fsm_shutdown(&f, t + 1, &o);
	CHECK(&o, E_DEL, E_SEND(0), E_ST(MASTER, INIT));
	assert_int_equal(f.state, VRRP_ST_INIT);
	assert_int_equal(vrrp_fsm_next_deadline(&f), 0);
	/* Nothing happens in INIT. */
	timer(&f, t + 100 * SEC, &o);
	assert_int_equal(o.n, 0);
	advert(&f, t + 2, 150, 100, HIGHER, &o);
	assert_int_equal(o.n, 0);
	out_reset(&o);
	vrrp_fsm_shutdown(&f, t + 3, &o);
	assert_int_equal(o.n, 0);
	/* A restart works. */
	vrrp_fsm_startup(&f, t + 4, &o);
	CHECK(&o, E_ST(INIT, BACKUP));
}

static void
test_shutdown_backup(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	backup_at(&f, 100, true, 5000, T0);
	out_reset(&o);
	vrrp_fsm_shutdown(&f, T0 + 1, &o);
	CHECK(&o, E_ST(BACKUP, INIT));
	assert_int_equal(f.t_master_down, 0);
	assert_int_equal(f.t_preempt, 0);
	assert_int_equal(vrrp_fsm_next_deadline(&f), 0);
}

static void
test_shutdown_fault_keeps_bits(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	backup_at(&f, 100, true, 0, T0);
	out_reset(&o);
	vrrp_fsm_set_fault(&f, VRRP_FAULT_LINK, true, "link", T0, &o);
	out_reset(&o);
	vrrp_fsm_shutdown(&f, T0 + 1, &o);
	CHECK(&o, E_ST(FAULT, INIT));
	assert_int_equal(f.fault, VRRP_FAULT_LINK);
	out_reset(&o);
	vrrp_fsm_set_fault(&f, VRRP_FAULT_LINK, false, "link", T0 + 2, &o);
	assert_int_equal(o.n, 0);		/* INIT: recorded only */
	assert_int_equal(f.state, VRRP_ST_INIT);
}

/* --- reconfigure --- */

static void
test_reconfigure_master(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;
	struct vrrp_params p = params(3, 120, 200, true, 0);
	uint64_t t = master_at(&f, 100);

	(void)state;
	out_reset(&o);
	vrrp_fsm_reconfigure(&f, &p, t + 100, &o);
	/* New priority at once; state kept. */
	CHECK(&o, E_SEND(120));
	assert_int_equal(f.state, VRRP_ST_MASTER);
	assert_int_equal(f.transitions, 2);
	/* The new interval applies from this re-arm on. */
	assert_int_equal(f.t_adver, t + 100 + 2 * SEC);
	timer(&f, t + 100 + 2 * SEC, &o);
	CHECK(&o, E_SEND(120));
	assert_int_equal(f.t_adver, t + 100 + 4 * SEC);

	/* Same priority, new interval: no output, next re-arm uses it. */
	p.adver_int_cs = 50;
	out_reset(&o);
	vrrp_fsm_reconfigure(&f, &p, t + 101 + 2 * SEC, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.t_adver, t + 100 + 4 * SEC);
	timer(&f, t + 100 + 4 * SEC, &o);
	assert_int_equal(f.t_adver, t + 100 + 4 * SEC + 500000);
}

static void
test_reconfigure_keeps_gate_priority(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;
	struct vrrp_params p = params(3, 120, 100, true, 0);

	(void)state;
	backup_at(&f, 100, true, 0, T0);
	out_reset(&o);
	vrrp_fsm_set_priority(&f, 90, T0, &o);
	vrrp_fsm_reconfigure(&f, &p, T0 + 1, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.priority, 90);
	assert_int_equal(f.state, VRRP_ST_BACKUP);
	assert_int_equal(f.t_master_down, T0 + 3609375);

	/* Becoming the owner overrides the gate; leaving restores it. */
	p.priority = 255;
	vrrp_fsm_reconfigure(&f, &p, T0 + 2, &o);
	assert_int_equal(f.priority, 255);
	assert_int_equal(f.state, VRRP_ST_BACKUP);
	p.priority = 120;
	vrrp_fsm_reconfigure(&f, &p, T0 + 3, &o);
	assert_int_equal(f.priority, 90);
	assert_int_equal(o.n, 0);
}

static void
test_reconfigure_preempt_off_clears_delay(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;
	struct vrrp_params p = params(3, 100, 100, false, 5000);

	(void)state;
	backup_at(&f, 100, true, 5000, T0);
	assert_int_equal(f.t_preempt, T0 + 5 * SEC);
	out_reset(&o);
	vrrp_fsm_reconfigure(&f, &p, T0 + 1, &o);
	assert_int_equal(o.n, 0);
	assert_int_equal(f.t_preempt, 0);
	advert(&f, T0 + 10 * SEC, 50, 100, HIGHER, &o);
	assert_int_equal(f.t_master_down, T0 + 10 * SEC + 3609375);
}

/* --- misc --- */

static void
test_full_sequence_and_counter(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;
	uint64_t t;

	(void)state;
	/* BACKUP -> MASTER -> BACKUP -> MASTER -> FAULT -> BACKUP -> INIT */
	t = master_at(&f, 100);
	advert(&f, t + 1, 200, 100, HIGHER, &o);
	advert(&f, t + 2, 0, 100, HIGHER, &o);
	timer(&f, t + 2 + 609375, &o);
	CHECK(&o, E_SEND(100), E_ADD, E_ANN, E_ST(BACKUP, MASTER));
	out_reset(&o);
	vrrp_fsm_set_fault(&f, VRRP_FAULT_LINK, true, "l", t + 3 * SEC, &o);
	vrrp_fsm_set_fault(&f, VRRP_FAULT_LINK, false, "l", t + 4 * SEC, &o);
	vrrp_fsm_shutdown(&f, t + 5 * SEC, &o);
	CHECK(&o, E_DEL, E_SEND(0), E_ST(MASTER, FAULT), E_ST(FAULT, BACKUP),
	    E_ST(BACKUP, INIT));
	assert_int_equal(f.transitions, 7);
}

static void
test_out_never_overflows(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_out o;

	(void)state;
	backup_at(&f, 100, true, 0, T0);
	out_reset(&o);
	o.n = VRRP_OUT_MAX - 2;
	vrrp_fsm_timer(&f, T0 + 3609375, &o);
	assert_int_equal(o.n, VRRP_OUT_MAX);
	assert_int_equal(o.act[VRRP_OUT_MAX - 1].type, VRRP_ACT_VIP_ADD);
	/* The state still changed: the buffer bound is the caller's bug. */
	assert_int_equal(f.state, VRRP_ST_MASTER);
}

static void
test_ipv6_tiebreak(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_params p = params(3, 100, 100, true, 0);
	struct ipaddr self = addr("2001:db8::10");
	struct ipaddr hi = addr("2001:db8::20");
	struct ipaddr lo = addr("2001:db8::5");
	struct vrrp_pkt pkt;
	struct vrrp_out o;

	(void)state;
	vrrp_fsm_init(&f, &p, &self);
	out_reset(&o);
	vrrp_fsm_startup(&f, T0, &o);
	timer(&f, T0 + 3609375, &o);
	memset(&pkt, 0, sizeof(pkt));
	pkt.version = 3;
	pkt.priority = 100;
	pkt.adver_int_cs = 100;
	pkt.family = AF_INET6;
	out_reset(&o);
	vrrp_fsm_advert(&f, T0 + 4 * SEC, &pkt, &lo, &o);
	assert_int_equal(o.n, 0);
	vrrp_fsm_advert(&f, T0 + 4 * SEC, &pkt, &hi, &o);
	CHECK(&o, E_DEL, E_ST(MASTER, BACKUP));
}

static void
test_state_names(void **state)
{
	(void)state;
	assert_string_equal(vrrp_state_name(VRRP_ST_INIT), "INIT");
	assert_string_equal(vrrp_state_name(VRRP_ST_BACKUP), "BACKUP");
	assert_string_equal(vrrp_state_name(VRRP_ST_MASTER), "MASTER");
	assert_string_equal(vrrp_state_name(VRRP_ST_FAULT), "FAULT");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_startup_backup),
		cmocka_unit_test(test_startup_owner),
		cmocka_unit_test(test_startup_only_from_init),
		cmocka_unit_test(test_startup_clock_zero),
		cmocka_unit_test(test_backup_down_timer_exact),
		cmocka_unit_test(test_backup_late_timer),
		cmocka_unit_test(test_backup_higher_advert_resets),
		cmocka_unit_test(test_backup_equal_advert_accepted),
		cmocka_unit_test(test_backup_preempt_discards_lower),
		cmocka_unit_test(test_backup_no_preempt_accepts_lower),
		cmocka_unit_test(test_backup_no_preempt_ignores_delay),
		cmocka_unit_test(test_preempt_delay_after_startup),
		cmocka_unit_test(test_preempt_delay_startup_expired),
		cmocka_unit_test(test_preempt_delay_first_lower_arms),
		cmocka_unit_test(test_preempt_delay_after_fault),
		cmocka_unit_test(test_master_adver_timer),
		cmocka_unit_test(test_master_higher_priority_yields),
		cmocka_unit_test(test_master_equal_higher_address_yields),
		cmocka_unit_test(test_master_equal_lower_address_discards),
		cmocka_unit_test(test_master_lower_discards),
		cmocka_unit_test(test_master_set_priority_advertises),
		cmocka_unit_test(test_backup_set_priority_stores),
		cmocka_unit_test(test_set_priority_clamped),
		cmocka_unit_test(test_owner_ignores_set_priority),
		cmocka_unit_test(test_owner_master_adverts),
		cmocka_unit_test(test_owner_backup_always_preempts),
		cmocka_unit_test(test_fault_from_master),
		cmocka_unit_test(test_fault_from_backup),
		cmocka_unit_test(test_fault_ignores_adverts),
		cmocka_unit_test(test_fault_bits_and_clear),
		cmocka_unit_test(test_fault_clear_owner_takes_over),
		cmocka_unit_test(test_fault_before_startup),
		cmocka_unit_test(test_shutdown_master),
		cmocka_unit_test(test_shutdown_backup),
		cmocka_unit_test(test_shutdown_fault_keeps_bits),
		cmocka_unit_test(test_reconfigure_master),
		cmocka_unit_test(test_reconfigure_keeps_gate_priority),
		cmocka_unit_test(test_reconfigure_preempt_off_clears_delay),
		cmocka_unit_test(test_full_sequence_and_counter),
		cmocka_unit_test(test_out_never_overflows),
		cmocka_unit_test(test_ipv6_tiebreak),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_resume),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
