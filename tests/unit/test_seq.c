/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for agent/core/seq.c: the sequencer of VIPs and database role.
 *
 * A fake world executes the actions the way agent.c does: a VIP flag, a
 * database that is promoted only when a PROMOTE step the test completes
 * ended ok, and at most one role step at a time.  Every action is checked
 * against the invariants as it is applied (apply()):
 *   - with a role, a VIP is added only to a promoted database;
 *   - no VIP is added after a give-up (WANT_DOWN, DROP) until the next
 *     WANT_UP;
 *   - a priority 0 goes out only with the VIP down;
 *   - PROMOTE and DEMOTE never overlap; CANCEL only while promoting;
 *   - ANNOUNCE only with the VIP up.
 * The order of the actions of each call is asserted against a list worked
 * out from the contract in seq.h (claim -> promote -> VIP up -> GARP;
 * fence -> VIP down -> priority 0).  No clock: the sequencer has no timing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../agent/core/seq.h"

enum step { STEP_NONE = 0, STEP_PROMOTE, STEP_DEMOTE };

struct world {
	struct seq s;
	bool role;
	bool vip;		/* the VIP is on the interface */
	bool promoted;		/* the database is writable */
	enum step step;
	bool cancelled;
	bool gave_up;		/* WANT_DOWN / DROP since the last WANT_UP */
	bool announcing;
	int adverts0;
	enum seq_state st;	/* as the STATE actions said */
	struct seq_out last;	/* the last call's actions */
	const char *bug;
};

/* One expected action; for STATE, the state entered. */
struct exp {
	enum seq_act_type type;
	enum seq_state to;
};

#define E(t)		{ SEQ_ACT_##t, 0 }
#define ST(s)		{ SEQ_ACT_STATE, SEQ_ST_##s }
#define EXPECT(w, ...)	do {						\
	const struct exp e_[] = { __VA_ARGS__ };			\
	expect_acts((w), e_, (int)(sizeof(e_) / sizeof(e_[0])));	\
} while (0)
#define EXPECT_NONE(w)	assert_int_equal((w)->last.n, 0)

static void
world_init(struct world *w, bool role)
{
	memset(w, 0, sizeof(*w));
	w->role = role;
	seq_init(&w->s, role);
}

/* Execute out as agent.c would, checking every invariant on the way. */
static void
apply(struct world *w, struct seq_out *out)
{
	int i;

	assert_true(out->n >= 0 && out->n <= SEQ_OUT_MAX);
	for (i = 0; i < out->n; i++) {
		const struct seq_act *a = &out->act[i];

		switch (a->type) {
		case SEQ_ACT_STATE:
			assert_int_equal(a->from, w->st);
			assert_int_not_equal(a->from, a->to);
			assert_non_null(a->reason);
			w->st = a->to;
			break;
		case SEQ_ACT_PROMOTE:
			assert_true(w->role);
			assert_int_equal(w->step, STEP_NONE);
			assert_false(w->gave_up);
			w->step = STEP_PROMOTE;
			w->cancelled = false;
			break;
		case SEQ_ACT_CANCEL_PROMOTE:
			assert_int_equal(w->step, STEP_PROMOTE);
			w->cancelled = true;
			break;
		case SEQ_ACT_DEMOTE:
			assert_true(w->role);
			assert_int_equal(w->step, STEP_NONE);
			w->step = STEP_DEMOTE;
			break;
		case SEQ_ACT_DEMOTE_SYNC:
			assert_true(w->role);
			w->step = STEP_NONE;
			w->promoted = false;
			break;
		case SEQ_ACT_VIP_ADD:
			assert_false(w->gave_up);
			if (w->role)
				assert_true(w->promoted);
			assert_int_equal(w->step, STEP_NONE);
			w->vip = true;
			break;
		case SEQ_ACT_VIP_DEL:
			/* The fence comes first. */
			if (w->role)
				assert_int_equal(w->step, STEP_NONE);
			w->vip = false;
			break;
		case SEQ_ACT_ANNOUNCE:
			assert_true(w->vip);
			w->announcing = true;
			break;
		case SEQ_ACT_STOP_ANNOUNCE:
			w->announcing = false;
			break;
		case SEQ_ACT_SEND_ADVERT_0:
			assert_false(w->vip);
			w->adverts0++;
			break;
		}
	}
	/* The VIP is never up on a database that is not promoted, except
	 * while it is being fenced (the VIP goes right after). */
	if (w->role && w->vip && !w->promoted)
		assert_int_equal(w->step, STEP_DEMOTE);
	assert_int_equal(w->st, w->s.state);
	w->last = *out;
	w->bug = out->bug;
}

static void
expect_acts(struct world *w, const struct exp *e, int n)
{
	int i;

	assert_int_equal(w->last.n, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(w->last.act[i].type, e[i].type);
		if (e[i].type == SEQ_ACT_STATE)
			assert_int_equal(w->last.act[i].to, e[i].to);
	}
}

/* --- events, as agent.c feeds them --- */

static void
ev_up(struct world *w)
{
	struct seq_out o = { 0 };

	w->gave_up = false;
	seq_want_up(&w->s, w->role && w->promoted, &o);
	apply(w, &o);
}

static void
ev_down(struct world *w)
{
	struct seq_out o = { 0 };

	w->gave_up = true;
	seq_want_down(&w->s, &o);
	apply(w, &o);
}

static void
ev_release(struct world *w)
{
	struct seq_out o = { 0 };

	seq_release(&w->s, &o);
	apply(w, &o);
}

static void
ev_drop(struct world *w)
{
	struct seq_out o = { 0 };

	w->gave_up = true;
	seq_drop(&w->s, &o);
	apply(w, &o);
}

/* The fake role finishes its step; ok = false: the step failed. */
static void
ev_done(struct world *w, bool ok)
{
	struct seq_out o = { 0 };

	assert_int_not_equal(w->step, STEP_NONE);
	if (w->step == STEP_PROMOTE && ok)
		w->promoted = true;
	if (w->step == STEP_DEMOTE)
		w->promoted = false;
	w->step = STEP_NONE;
	seq_role_done(&w->s, ok, &o);
	apply(w, &o);
}

static void
ev_reload(struct world *w, bool changed, bool role)
{
	struct seq_out o = { 0 };

	seq_reload(&w->s, changed, role, &o);
	w->role = w->s.has_role;
	apply(w, &o);
}

static void
ev_addr_removed(struct world *w)
{
	struct seq_out o = { 0 };

	w->vip = false;		/* by hand */
	seq_addr_removed(&w->s, &o);
	apply(w, &o);
}

static void
ev_shutdown(struct world *w)
{
	struct seq_out o = { 0 };

	w->gave_up = true;
	seq_shutdown(&w->s, &o);
	apply(w, &o);
}

/* A full takeover with a role: UP, promoted, VIP held. */
static void
to_up(struct world *w)
{
	ev_up(w);
	if (w->role)
		ev_done(w, true);
	assert_int_equal(w->s.state, SEQ_ST_UP);
	assert_true(w->vip);
}

/* --- plain VRRP --- */

static void
test_plain_takeover_giveup(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, false);
	ev_up(&w);
	EXPECT(&w, E(VIP_ADD), E(ANNOUNCE), ST(UP));
	assert_true(w.vip);
	ev_down(&w);
	EXPECT(&w, E(STOP_ANNOUNCE), E(VIP_DEL), ST(DOWN));
	ev_release(&w);
	EXPECT(&w, E(SEND_ADVERT_0));
	assert_false(w.vip);
	assert_int_equal(w.adverts0, 1);
	/* Yielding to a better master: no priority 0. */
	ev_up(&w);
	ev_down(&w);
	EXPECT(&w, E(STOP_ANNOUNCE), E(VIP_DEL), ST(DOWN));
	assert_int_equal(w.adverts0, 1);
}

static void
test_plain_leftover_and_addr(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, false);
	{
		struct seq_out o = { 0 };

		seq_leftover(&w.s, &o);
		apply(&w, &o);
	}
	EXPECT(&w, E(STOP_ANNOUNCE), E(VIP_DEL));
	ev_addr_removed(&w);
	EXPECT_NONE(&w);
	to_up(&w);
	ev_addr_removed(&w);
	EXPECT(&w, E(VIP_ADD), E(ANNOUNCE));
	assert_true(w.vip);
}

/* --- with a role: every step of a takeover and a give-up --- */

static void
test_role_takeover_steps(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, true);
	ev_up(&w);
	EXPECT(&w, E(PROMOTE), ST(PROMOTING));
	assert_false(w.vip);
	assert_true(seq_busy(&w.s));
	/* A second WANT_UP (cannot come from the FSM) changes nothing. */
	ev_up(&w);
	EXPECT_NONE(&w);
	ev_done(&w, true);
	EXPECT(&w, E(VIP_ADD), E(ANNOUNCE), ST(UP));
	assert_true(w.vip);
	assert_false(seq_busy(&w.s));
}

static void
test_role_giveup_steps(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, true);
	to_up(&w);
	ev_down(&w);
	EXPECT(&w, E(DEMOTE), ST(FENCING));
	assert_true(w.vip);	/* held until fenced */
	ev_release(&w);
	EXPECT_NONE(&w);	/* owed */
	assert_int_equal(w.adverts0, 0);
	ev_done(&w, true);
	EXPECT(&w, E(STOP_ANNOUNCE), E(VIP_DEL), E(SEND_ADVERT_0), ST(DOWN));
	assert_false(w.vip);
	assert_int_equal(w.adverts0, 1);
}

static void
test_role_failed_fence_still_releases(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, true);
	to_up(&w);
	ev_down(&w);
	ev_release(&w);
	ev_done(&w, false);
	EXPECT(&w, E(STOP_ANNOUNCE), E(VIP_DEL), E(SEND_ADVERT_0), ST(DOWN));
}

static void
test_role_failed_promotion(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, true);
	ev_up(&w);
	ev_done(&w, false);
	EXPECT(&w, ST(DOWN));
	assert_false(w.vip);
	/* The back-off FAULT that follows fences what the promotion did. */
	ev_down(&w);
	EXPECT(&w, E(DEMOTE), ST(FENCING));
	ev_release(&w);
	EXPECT_NONE(&w);
	ev_done(&w, true);
	EXPECT(&w, E(STOP_ANNOUNCE), E(VIP_DEL), E(SEND_ADVERT_0), ST(DOWN));
}

/* --- a give-up in the middle of a takeover --- */

static void
test_giveup_while_promoting(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, true);
	ev_up(&w);
	ev_down(&w);
	EXPECT(&w, E(CANCEL_PROMOTE), ST(CANCELLING));
	ev_release(&w);
	EXPECT_NONE(&w);
	ev_done(&w, false);
	EXPECT(&w, E(DEMOTE), ST(FENCING));
	ev_done(&w, true);
	EXPECT(&w, E(STOP_ANNOUNCE), E(VIP_DEL), E(SEND_ADVERT_0), ST(DOWN));
	assert_false(w.promoted);
	assert_int_equal(w.adverts0, 1);
}

/* The cancel came too late and the promotion finished: fence it anyway. */
static void
test_giveup_promotion_finished_anyway(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, true);
	ev_up(&w);
	ev_down(&w);
	ev_done(&w, true);
	EXPECT(&w, E(DEMOTE), ST(FENCING));
	assert_false(w.vip);
	ev_done(&w, true);
	EXPECT(&w, E(STOP_ANNOUNCE), E(VIP_DEL), ST(DOWN));
	assert_false(w.promoted);
}

/* --- reload --- */

static void
test_reload_while_promoting(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, true);
	ev_up(&w);
	ev_reload(&w, false, true);
	EXPECT_NONE(&w);
	ev_reload(&w, true, true);
	EXPECT_NONE(&w);
	assert_false(w.vip);
	ev_done(&w, true);
	EXPECT(&w, E(VIP_ADD), E(ANNOUNCE), ST(UP));
}

static void
test_reload_up_swaps_vips(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, true);
	to_up(&w);
	ev_reload(&w, false, true);
	EXPECT_NONE(&w);
	ev_reload(&w, true, true);
	EXPECT(&w, E(STOP_ANNOUNCE), E(VIP_DEL), E(VIP_ADD), E(ANNOUNCE));
	assert_true(w.vip);
}

static void
test_reload_while_fencing(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, true);
	to_up(&w);
	ev_down(&w);
	ev_reload(&w, true, true);
	EXPECT_NONE(&w);
	ev_done(&w, true);
	EXPECT(&w, E(STOP_ANNOUNCE), E(VIP_DEL), ST(DOWN));
}

static void
test_reload_role_stays_while_busy(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, true);
	ev_up(&w);
	ev_reload(&w, false, false);
	assert_true(w.s.has_role);
	EXPECT_NONE(&w);
	ev_done(&w, true);
	EXPECT(&w, E(VIP_ADD), E(ANNOUNCE), ST(UP));
	/* Idle now: the role can go; the VIP stays. */
	ev_reload(&w, false, false);
	assert_false(w.s.has_role);
	EXPECT_NONE(&w);
	ev_down(&w);
	EXPECT(&w, E(STOP_ANNOUNCE), E(VIP_DEL), ST(DOWN));
}

/* A master whose promotion failed loses its role: plain VRRP, VIP up. */
static void
test_reload_role_removed_after_failure(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, true);
	ev_up(&w);
	ev_done(&w, false);
	ev_reload(&w, false, true);
	EXPECT_NONE(&w);
	ev_reload(&w, false, false);
	EXPECT(&w, E(VIP_ADD), E(ANNOUNCE), ST(UP));
}

/* --- link flaps (they reach the sequencer as the FSM's FAULT) --- */

static void
test_link_flap_while_up(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, true);
	to_up(&w);
	/* Link down: MASTER -> FAULT gives VIP_DEL and priority 0. */
	ev_down(&w);
	ev_release(&w);
	/* Link back, and master again before the fence ended. */
	ev_up(&w);
	EXPECT_NONE(&w);
	ev_done(&w, true);
	/* The priority 0 is stale: not sent. */
	EXPECT(&w, E(STOP_ANNOUNCE), E(VIP_DEL), E(PROMOTE), ST(PROMOTING));
	assert_int_equal(w.adverts0, 0);
	assert_false(w.vip);
	ev_done(&w, true);
	EXPECT(&w, E(VIP_ADD), E(ANNOUNCE), ST(UP));
}

static void
test_link_flap_while_promoting(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, true);
	ev_up(&w);
	ev_down(&w);
	ev_release(&w);
	ev_up(&w);
	EXPECT_NONE(&w);
	ev_done(&w, true);		/* the cancelled promotion */
	EXPECT(&w, E(DEMOTE), ST(FENCING));
	ev_down(&w);			/* and down again */
	ev_release(&w);
	ev_done(&w, true);
	EXPECT(&w, E(STOP_ANNOUNCE), E(VIP_DEL), E(SEND_ADVERT_0), ST(DOWN));
	assert_false(w.vip);
}

static void
test_link_flap_plain(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, false);
	to_up(&w);
	ev_down(&w);
	ev_release(&w);
	EXPECT(&w, E(SEND_ADVERT_0));
	ev_up(&w);
	EXPECT(&w, E(VIP_ADD), E(ANNOUNCE), ST(UP));
}

/* --- an address removed by hand --- */

static void
test_addr_removed(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, true);
	ev_addr_removed(&w);
	EXPECT_NONE(&w);
	ev_up(&w);
	ev_addr_removed(&w);		/* promoting: not ours yet */
	EXPECT_NONE(&w);
	ev_done(&w, true);
	ev_addr_removed(&w);
	EXPECT(&w, E(VIP_ADD), E(ANNOUNCE));
	assert_true(w.vip);
	ev_down(&w);
	ev_addr_removed(&w);		/* fencing: it is going anyway */
	EXPECT_NONE(&w);
	assert_false(w.vip);
}

/* --- shutdown --- */

static void
test_shutdown_while_promoting(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, true);
	ev_up(&w);
	ev_shutdown(&w);
	EXPECT(&w, E(DEMOTE_SYNC), E(STOP_ANNOUNCE), E(VIP_DEL), ST(STOPPED));
	/* Then the FSM's own shutdown: VIP_DEL, priority 0. */
	ev_down(&w);
	EXPECT_NONE(&w);
	ev_release(&w);
	EXPECT(&w, E(SEND_ADVERT_0));
	/* A late ROLE_DONE or WANT_UP does nothing. */
	{
		struct seq_out o = { 0 };

		seq_role_done(&w.s, true, &o);
		apply(&w, &o);
	}
	EXPECT_NONE(&w);
	assert_null(w.bug);
}

static void
test_shutdown_while_fencing(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, true);
	to_up(&w);
	ev_down(&w);
	ev_release(&w);
	ev_shutdown(&w);
	EXPECT(&w, E(DEMOTE_SYNC), E(STOP_ANNOUNCE), E(VIP_DEL),
	    E(SEND_ADVERT_0), ST(STOPPED));
	assert_int_equal(w.adverts0, 1);
}

static void
test_shutdown_up_and_idle(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, true);
	to_up(&w);
	ev_shutdown(&w);
	EXPECT(&w, E(DEMOTE_SYNC), E(STOP_ANNOUNCE), E(VIP_DEL), ST(STOPPED));
	ev_release(&w);
	EXPECT(&w, E(SEND_ADVERT_0));

	world_init(&w, true);
	ev_shutdown(&w);
	EXPECT(&w, ST(STOPPED));

	world_init(&w, false);
	to_up(&w);
	ev_shutdown(&w);
	EXPECT(&w, E(STOP_ANNOUNCE), E(VIP_DEL), ST(STOPPED));
}

/* --- start-up: resume, drop, leftovers --- */

static void
test_resume_and_drop(void **state)
{
	struct world w;
	struct seq_out o = { 0 };

	(void)state;
	world_init(&w, true);
	seq_leftover(&w.s, &o);
	apply(&w, &o);
	EXPECT_NONE(&w);		/* the role decides */
	w.promoted = true;		/* the probe found it writable */
	w.vip = true;
	ev_up(&w);			/* resume */
	EXPECT(&w, E(VIP_ADD), E(ANNOUNCE), ST(UP));

	world_init(&w, true);
	w.promoted = true;
	w.vip = true;
	ev_drop(&w);
	EXPECT(&w, E(DEMOTE), ST(FENCING));
	ev_done(&w, true);
	EXPECT(&w, E(STOP_ANNOUNCE), E(VIP_DEL), ST(DOWN));
	assert_false(w.vip);
	assert_int_equal(w.adverts0, 0);
}

static void
test_bugs_are_reported(void **state)
{
	struct world w;
	struct seq_out o = { 0 };

	(void)state;
	world_init(&w, true);
	seq_role_done(&w.s, true, &o);
	assert_int_equal(o.n, 0);
	assert_non_null(o.bug);
	to_up(&w);
	ev_release(&w);
	EXPECT_NONE(&w);
	assert_non_null(w.bug);
	assert_int_equal(w.adverts0, 0);
}

/* --- every interleaving the callers can produce, at random --- */

static uint32_t
lcg(uint32_t *x)
{
	*x = *x * 1103515245u + 12345u;
	return *x >> 16;
}

static void
test_random_interleavings(void **state)
{
	uint32_t x = 12345;
	int run, i;

	(void)state;
	for (run = 0; run < 4000; run++) {
		struct world w;
		bool master = false;

		world_init(&w, run % 4 != 0);
		for (i = 0; i < 60; i++) {
			switch (lcg(&x) % 7) {
			case 0:
				if (!master) {
					master = true;
					ev_up(&w);
				}
				break;
			case 1:
				if (master) {
					master = false;
					ev_down(&w);
					if (lcg(&x) % 2)
						ev_release(&w);
				}
				break;
			case 2:
			case 3:
				if (w.step != STEP_NONE)
					ev_done(&w, lcg(&x) % 4 != 0);
				break;
			case 4:
				/* A role may go, never come back: a role
				 * added to a master probes its database
				 * first (role.c), which is not modelled. */
				ev_reload(&w, lcg(&x) % 2, w.role &&
				    lcg(&x) % 8 != 0);
				break;
			case 5:
				if (w.vip || w.s.state == SEQ_ST_UP)
					ev_addr_removed(&w);
				break;
			case 6:
				if (!master && lcg(&x) % 4 == 0)
					ev_drop(&w);
				break;
			}
			assert_null(w.bug);
			/* The sequencer's state matches the world. */
			assert_int_equal(seq_busy(&w.s), w.step != STEP_NONE);
			if (w.s.state == SEQ_ST_UP) {
				assert_true(w.vip);
				assert_true(master);
			}
		}
		ev_shutdown(&w);
		assert_false(w.vip);
		assert_false(w.promoted && w.role);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_takeover_giveup),
		cmocka_unit_test(test_plain_leftover_and_addr),
		cmocka_unit_test(test_role_takeover_steps),
		cmocka_unit_test(test_role_giveup_steps),
		cmocka_unit_test(test_role_failed_fence_still_releases),
		cmocka_unit_test(test_role_failed_promotion),
		cmocka_unit_test(test_giveup_while_promoting),
		cmocka_unit_test(test_giveup_promotion_finished_anyway),
		cmocka_unit_test(test_reload_while_promoting),
		cmocka_unit_test(test_reload_up_swaps_vips),
		cmocka_unit_test(test_reload_while_fencing),
		cmocka_unit_test(test_reload_role_stays_while_busy),
		cmocka_unit_test(test_reload_role_removed_after_failure),
		cmocka_unit_test(test_link_flap_while_up),
		cmocka_unit_test(test_link_flap_while_promoting),
		cmocka_unit_test(test_link_flap_plain),
		cmocka_unit_test(test_addr_removed),
		cmocka_unit_test(test_shutdown_while_promoting),
		cmocka_unit_test(test_shutdown_while_fencing),
		cmocka_unit_test(test_shutdown_up_and_idle),
		cmocka_unit_test(test_resume_and_drop),
		cmocka_unit_test(test_bugs_are_reported),
		cmocka_unit_test(test_random_interleavings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
