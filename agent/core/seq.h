/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seq: the one sequencer for everything that changes an instance's VIPs
 * and its database role.  A pure module, after agent/core/vrrp.c: events in,
 * actions out (appended, in order, to a struct seq_out); no I/O, no clock,
 * no logging.  agent.c executes the actions and feeds back the events.
 *
 * The fixed orders:
 *   taking over   claim (an advert with our priority, sent by the agent
 *                 straight from the VRRP state machine) -> PROMOTE ->
 *                 VIP_ADD -> ANNOUNCE
 *   giving up     DEMOTE (fence: read_only=ON) -> STOP_ANNOUNCE ->
 *                 VIP_DEL -> SEND_ADVERT_0
 * Without a database role there is nothing to promote or fence: VIP_ADD
 * and ANNOUNCE follow WANT_UP at once, STOP_ANNOUNCE and VIP_DEL follow
 * WANT_DOWN at once.
 *
 * Where the events come from:
 *   WANT_UP      the VRRP state machine's VIP_ADD (it became MASTER, also
 *                by the start-up resume rule); carries whether the role
 *                says the database is already promoted (resume)
 *   WANT_DOWN    its VIP_DEL (FAULT, link down, a better master, shutdown)
 *   RELEASE      its priority-0 advert (always right after VIP_DEL)
 *   DROP         the role gives up VIPs a previous run left
 *   ROLE_DONE    the PROMOTE or DEMOTE step ended (ok or not)
 *   RELOAD       new config: the VIP set changed, the role came or went
 *   ADDR_REMOVED one of our VIPs was removed from outside
 *   LEFTOVER     start-up found our VIPs on the interface
 *   SHUTDOWN     the instance stops; the agent's loop will not run again
 * Link and address events reach the sequencer through the state machine
 * (FAULT: WANT_DOWN and RELEASE; recovery: WANT_UP later).
 *
 * Guarantees (tested in tests/unit/test_seq.c):
 * - With a role, VIP_ADD is emitted only after a PROMOTE that ended ok,
 *   or on WANT_UP with the database already promoted, or while UP (VIP
 *   set changed by reload, a VIP removed by hand).
 * - After WANT_DOWN or DROP, no VIP_ADD is emitted until the next WANT_UP.
 * - A promotion in progress when WANT_DOWN arrives is cancelled and then
 *   fenced (DEMOTE), whether it ended ok or not: it may have set the
 *   database writable.
 * - SEND_ADVERT_0 is emitted only once the VIP is down; a WANT_UP before
 *   then makes it stale (dropped): we are master again.
 * - At most one role step (PROMOTE or DEMOTE) runs at a time.
 * - No single call appends more than 6 actions.
 */
#ifndef DBVIP_SEQ_H
#define DBVIP_SEQ_H

#include <stdbool.h>
#include <stdint.h>

enum seq_state {
	SEQ_ST_DOWN = 0,	/* no VIP held, no role step running */
	SEQ_ST_PROMOTING,	/* PROMOTE running, VIP not up yet */
	SEQ_ST_UP,		/* VIP held (database promoted, with a role) */
	SEQ_ST_CANCELLING,	/* PROMOTE running, cancelled: fence after */
	SEQ_ST_FENCING,		/* DEMOTE running; the VIP goes after it */
	SEQ_ST_STOPPED,		/* shut down: only RELEASE still acts */
	SEQ_ST__MAX
};

enum seq_act_type {
	SEQ_ACT_STATE = 1,	/* state changed: from, to, reason */
	SEQ_ACT_PROMOTE,	/* start role_promote(); ROLE_DONE follows */
	SEQ_ACT_CANCEL_PROMOTE,	/* role_cancel(); ROLE_DONE still follows */
	SEQ_ACT_DEMOTE,		/* start role_demote(); ROLE_DONE follows */
	SEQ_ACT_DEMOTE_SYNC,	/* role_demote_sync(): fence now, blocking
				   (shutdown); no ROLE_DONE */
	SEQ_ACT_VIP_ADD,	/* add the configured VIPs */
	SEQ_ACT_VIP_DEL,	/* remove the VIPs held (or configured) */
	SEQ_ACT_ANNOUNCE,	/* gratuitous ARP / NA burst and refresh */
	SEQ_ACT_STOP_ANNOUNCE,	/* cancel the burst and the refresh */
	SEQ_ACT_SEND_ADVERT_0,	/* advertise priority 0 (release) */
};

struct seq_act {
	enum seq_act_type type;
	enum seq_state from, to;	/* STATE */
	const char *reason;		/* STATE: static string */
};

#define SEQ_OUT_MAX 8

/*
 * Actions to perform, in order.  bug is set (a static string) when an
 * event could not happen in the current state if the callers kept their
 * contracts (a ROLE_DONE with no step running, a RELEASE while the VIP is
 * up); the event is then ignored.
 */
struct seq_out {
	int n;
	struct seq_act act[SEQ_OUT_MAX];
	const char *bug;
};

struct seq {
	enum seq_state state;
	bool has_role;		/* a database role promotes and fences */
	bool want_up;		/* the last word: WANT_UP (true) or down */
	bool owe_release;	/* a priority 0 waits for the VIP to go */
	uint64_t transitions;
};

/*
 * DOWN, not wanting the VIP, nothing owed.  has_role: whether the instance
 * has a database role.  Emits nothing.
 *
 * All entry points below APPEND to out (the caller sets out->n = 0 and
 * out->bug = NULL); if out is full, further actions are dropped rather
 * than written past the array.
 */
void seq_init(struct seq *s, bool has_role);

/* The VRRP state machine's VIP_ADD.  promoted: the role reports the
 * database promoted already (resume); ignored without a role. */
void seq_want_up(struct seq *s, bool promoted, struct seq_out *out);

/* The VRRP state machine's VIP_DEL. */
void seq_want_down(struct seq *s, struct seq_out *out);

/* The VRRP state machine's priority-0 advert: sent once the VIP is down,
 * dropped if a WANT_UP comes first. */
void seq_release(struct seq *s, struct seq_out *out);

/* The role drops VIPs a previous run left (resume not taken): fence and
 * remove, like WANT_DOWN, without a priority 0. */
void seq_drop(struct seq *s, struct seq_out *out);

/* The running PROMOTE or DEMOTE ended. */
void seq_role_done(struct seq *s, bool ok, struct seq_out *out);

/*
 * Reload applied: vips_changed says the VIP set differs from the one
 * held; has_role is the role's presence from now on.  The caller removes
 * a role only while seq_busy() is false.  While UP, a changed set is
 * swapped (STOP_ANNOUNCE, VIP_DEL of the old set, VIP_ADD, ANNOUNCE).  A
 * master whose promotion failed and whose role is removed takes the VIP
 * as plain VRRP.  A promotion or demotion in progress is not touched: the
 * VIP follows when it ends, with the new set.
 */
void seq_reload(struct seq *s, bool vips_changed, bool has_role,
    struct seq_out *out);

/* One of our VIPs was removed from outside: re-added (and announced)
 * while UP, ignored otherwise. */
void seq_addr_removed(struct seq *s, struct seq_out *out);

/* Start-up found our VIPs on the interface.  Without a role they go at
 * once (we start as backup); with one the role decides (resume, which
 * comes as WANT_UP, or DROP). */
void seq_leftover(struct seq *s, struct seq_out *out);

/*
 * The instance stops and the loop will not run again: a step in progress
 * is abandoned; if the VIP is held, being taken, or wanted, the database
 * is fenced at once (DEMOTE_SYNC, with a role) and the VIP removed; a
 * priority 0 owed is sent.  Ends in STOPPED, where only RELEASE still
 * emits (SEND_ADVERT_0).
 */
void seq_shutdown(struct seq *s, struct seq_out *out);

/* A PROMOTE or DEMOTE is running (ROLE_DONE expected). */
bool seq_busy(const struct seq *s);

/* "DOWN", "PROMOTING", "UP", "CANCELLING", "FENCING", "STOPPED". */
const char *seq_state_name(enum seq_state s);

#endif
