/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vrrp: the RFC 5798 section 6.4 state machine (Initialize, Backup, Master)
 * plus FAULT, as a pure function of events and a clock.  It owns no socket
 * and reads no clock: every entry point takes `now` (monotonic microseconds)
 * and appends what must be done, in order, to a struct vrrp_out.  The agent
 * executes those actions and asks vrrp_fsm_next_deadline() when to call
 * vrrp_fsm_timer() again.  Unit tests drive it with a fake clock.
 *
 * Times are microseconds; intervals on the wire are centiseconds.  A
 * deadline of 0 means "not armed"; armed deadlines are never 0.
 *
 * Semantics beyond RFC 5798 section 6.4 (decided here, tested in
 * tests/unit/test_vrrp_fsm.c):
 *
 * - Every state change emits one VRRP_ACT_STATE, always as the LAST action
 *   of the call that caused it, after the actions it implies:
 *     taking over (startup as owner, Master_Down_Timer, leaving FAULT as
 *     owner): SEND_ADVERT(priority), VIP_ADD, ANNOUNCE, STATE -> MASTER.
 *     leaving MASTER for FAULT or INIT: VIP_DEL, SEND_ADVERT(0), STATE.
 *     leaving MASTER for BACKUP because a better master advertised:
 *     VIP_DEL, STATE (no priority 0: see below).
 * - Priority 0 is sent on shutdown and on FAULT, so backups take over after
 *   Skew_Time instead of Master_Down_Interval.  It is NOT sent when a master
 *   yields to a better one (RFC 5798 6.4.3 sends nothing there): the better
 *   master is already advertising, and a priority 0 would cut every other
 *   backup's Master_Down_Timer to Skew_Time, so with three or more routers a
 *   backup could take over (and promote its database) for a moment before
 *   the new master's next advertisement arrives.
 * - FAULT: no timers run and advertisements are ignored (nothing is learned;
 *   leaving FAULT starts from the configured interval like startup does).
 *   Priority changes are stored.
 * - An owner (configured priority 255) always preempts, at once, whatever
 *   preempt and preempt_delay_ms say (RFC 5798 section 6.1, Preempt_Mode).
 * - A master answers a priority-0 advertisement with an advertisement
 *   (6.4.3), but not more often than once per Advertisement_Interval /
 *   VRRP_REFLECT_DIV after the last advertisement it sent for any reason:
 *   one that comes sooner brings the Adver_Timer forward to that moment
 *   (never back).  A flood of priority 0 thus makes a master send at most
 *   VRRP_REFLECT_DIV advertisements per interval instead of one per
 *   received packet, and each genuine one is still answered within a
 *   quarter interval, well before a Backup's Master_Down_Timer.
 */
#ifndef DBVIP_VRRP_H
#define DBVIP_VRRP_H

#include <stdbool.h>
#include <stdint.h>

#include "../../net/ipaddr.h"
#include "../../net/vrrp_pkt.h"

enum vrrp_state {
	VRRP_ST_INIT = 0,
	VRRP_ST_BACKUP,
	VRRP_ST_MASTER,
	VRRP_ST_FAULT,
};

enum vrrp_act_type {
	VRRP_ACT_STATE = 1,	/* state changed: from, to, reason */
	VRRP_ACT_SEND_ADVERT,	/* send an advertisement with .priority */
	VRRP_ACT_VIP_ADD,	/* add the virtual addresses */
	VRRP_ACT_VIP_DEL,	/* remove the virtual addresses */
	VRRP_ACT_ANNOUNCE,	/* gratuitous ARP / unsolicited NA burst */
};

struct vrrp_act {
	enum vrrp_act_type type;
	uint8_t priority;		/* SEND_ADVERT */
	enum vrrp_state from, to;	/* STATE */
	const char *reason;		/* STATE: static string */
};

#define VRRP_OUT_MAX 16

/* A master answers priority 0 at most this often per interval (above). */
#define VRRP_REFLECT_DIV 4

/* Actions to perform, in order; or why an advert was refused. */
struct vrrp_out {
	int n;
	struct vrrp_act act[VRRP_OUT_MAX];
	enum vrrp_drop drop;		/* vrrp_fsm_advert: NONE, or why it
					   was not taken (nothing else set) */
	const char *drop_msg;		/* static string, with drop */
};

/* Configuration of one virtual router, as far as the protocol cares. */
struct vrrp_params {
	uint8_t version;		/* 2 or 3 */
	uint8_t priority;		/* configured, 1..255; 255 = owner */
	uint16_t adver_int_cs;		/* Advertisement_Interval, centiseconds */
	bool preempt;			/* Preempt_Mode */
	uint32_t preempt_delay_ms;	/* 0 = preempt at once */
};

/*
 * preempt_delay_ms (only with preempt, never for an owner): how long a
 * Backup keeps accepting a lower-priority master before it preempts it.
 * - Entering BACKUP from INIT (startup) or FAULT arms t_preempt = now +
 *   delay: "seconds after startup until preemption", as in keepalived.
 * - Otherwise the first lower-priority advertisement seen in BACKUP arms
 *   t_preempt = now + delay.
 * - While now < t_preempt, lower-priority advertisements are accepted as if
 *   preempt were off (the master is remembered, Master_Down_Timer is reset).
 *   From t_preempt on they are discarded, so we take over when
 *   Master_Down_Timer fires: at most delay + Master_Adver_Interval +
 *   Master_Down_Interval after the master dropped below us.
 * - An advertisement with priority >= ours ends the episode (t_preempt = 0):
 *   the next drop below us starts a fresh delay.  Leaving BACKUP clears it.
 * t_preempt is a threshold, not a timer: nothing fires at it.
 */

/* Fault sources: the instance is in FAULT while any bit is set. */
#define VRRP_FAULT_LINK		0x1	/* interface down / no carrier */
#define VRRP_FAULT_GATE		0x2	/* a weight-0 health check failed */
#define VRRP_FAULT_OPERATOR	0x8	/* maintenance (dbvipctl), guard.h */
#define VRRP_FAULT_BLOCKED	0x10	/* failover_block or lock: a node that
					   is not master must not win */
#define VRRP_FAULT_ROLE		0x20	/* database role: promotion back-off,
					   former primary not rejoined yet,
					   rejoin refused (agent/role/role.c) */

struct vrrp_fsm {
	struct vrrp_params p;
	enum vrrp_state state;
	uint8_t priority;		/* effective priority (gate); owner: 255 */
	uint8_t gate_priority;		/* last set_priority() value (clamped),
					   0 = none: survives reconfigure */
	struct ipaddr self;		/* our primary address, for tie-break */
	unsigned fault;			/* VRRP_FAULT_* bits */

	uint16_t master_adver_int_cs;	/* learned from the master (v3) */
	struct ipaddr master;		/* current master as seen, or unset */
	uint8_t master_priority;
	struct ipaddr last_src;		/* the last advert taken: its source */
	uint16_t last_int_cs;		/* and interval (v3 learning) */

	uint64_t t_adver;		/* Adver_Timer deadline, 0 = stopped */
	uint64_t t_master_down;		/* Master_Down_Timer deadline, 0 = off */
	uint64_t t_preempt;		/* lower master seen: preempt allowed
					   from this time on, 0 = not armed */
	uint64_t t_sent;		/* when MASTER last sent an advert
					   with its priority, 0 = never */

	uint64_t transitions;		/* state changes so far */
};

/*
 * Set up in INIT, no timers, no fault bits.  self is our primary address on
 * the interface (the equal-priority tie-break).  Does not emit anything.
 *
 * All entry points below APPEND to out (the caller sets out->n = 0).  No
 * single call appends more than 4 actions; if out is full, further actions
 * are dropped rather than written past the array.
 */
void vrrp_fsm_init(struct vrrp_fsm *f, const struct vrrp_params *p,
    const struct ipaddr *self);

/*
 * Replace the parameters (reload).  Keeps the state and never transitions.
 * - Effective priority: 255 if p->priority is 255 (owner); else
 *   gate_priority if set_priority() was ever called, else p->priority.  If it
 *   changes while MASTER, an advertisement with it is sent at once.
 * - adver_int_cs: a MASTER uses it from its next Adver_Timer re-arm; a
 *   BACKUP's running Master_Down_Timer is not touched (v2 uses the new
 *   interval from the next advertisement, v3 learns the master's anyway).
 * - preempt, preempt_delay_ms: apply to the next advertisement; an armed
 *   t_preempt keeps its time (switching preempt off clears it).
 * - version: used for all later timer arithmetic.
 */
void vrrp_fsm_reconfigure(struct vrrp_fsm *f, const struct vrrp_params *p,
    uint64_t now, struct vrrp_out *out);

/*
 * Startup event (section 6.4.1): to MASTER if owner, else BACKUP with
 * Master_Adver_Interval = Advertisement_Interval and Master_Down_Timer
 * armed.  If a fault bit is already set, to FAULT instead.  Ignored unless
 * in INIT.
 */
void vrrp_fsm_startup(struct vrrp_fsm *f, uint64_t now, struct vrrp_out *out);

/*
 * Shutdown event: leaving MASTER removes the VIPs and sends priority 0,
 * in that order.  Ends in INIT with no timers; fault bits are kept.
 * Ignored in INIT.
 */
void vrrp_fsm_shutdown(struct vrrp_fsm *f, uint64_t now, struct vrrp_out *out);

/*
 * An advertisement that passed the codec and the instance checks, from src.
 * Sections 6.4.2 (Backup) and 6.4.3 (Master).  Any priority and interval is
 * handled; an interval of 0 is not learned.  v3 learns Master_Adver_Interval
 * from it; v2 always uses our own Advertisement_Interval (the agent drops v2
 * adverts with another interval).  Ignored in INIT and FAULT.  Two rules
 * of ours:
 * - Priority 0 is honoured only from the master we follow: in BACKUP, one
 *   from another router, or before any master was heard, is refused with
 *   out->drop = VRRP_DROP_NOT_MASTER (and nothing else changes), so a stray
 *   one cannot make a healthy group flap.
 * - A v3 interval other than Master_Adver_Interval is learned only once two
 *   adverts in a row (taken, any state) from the same source carry it; one
 *   corrupt or stray advert cannot shrink the Master_Down_Timer.
 */
void vrrp_fsm_advert(struct vrrp_fsm *f, uint64_t now,
    const struct vrrp_pkt *pkt, const struct ipaddr *src,
    struct vrrp_out *out);

/* Fire whatever timers are due at now. */
void vrrp_fsm_timer(struct vrrp_fsm *f, uint64_t now, struct vrrp_out *out);

/*
 * Earliest pending deadline (microseconds), or 0 if no timer runs:
 * Adver_Timer in MASTER, Master_Down_Timer in BACKUP (t_preempt is not a
 * timer).  It may be in the past; call vrrp_fsm_timer() then.
 */
uint64_t vrrp_fsm_next_deadline(const struct vrrp_fsm *f);

/*
 * The effective priority changed (health gate).  Clamped to 1..254 (0 is
 * the release value and 255 the owner's; the gate uses FAULT to take an
 * instance out).  A master advertises the new priority at once and re-arms
 * Adver_Timer; it stays master even if the priority dropped (a preempting
 * backup takes over).  BACKUP, INIT, FAULT just store it.  No output when
 * unchanged.  For an owner it is only remembered (255 stays 255) in case a
 * reload makes the router a non-owner.
 */
void vrrp_fsm_set_priority(struct vrrp_fsm *f, uint8_t prio, uint64_t now,
    struct vrrp_out *out);

/*
 * Set (on) or clear fault bits.  Only the first bit set and the last bit
 * cleared change state.  Entering FAULT from MASTER: VIP_DEL, SEND_ADVERT(0),
 * STATE; from BACKUP: timers stop, STATE.  Leaving FAULT goes to BACKUP with
 * Master_Adver_Interval = Advertisement_Interval and Master_Down_Timer armed,
 * or takes over at once if owner.  In INIT the bits are only recorded
 * (startup then goes to FAULT).  reason must be a static string (it is
 * stored in the STATE action); NULL gives a generic one.
 */
void vrrp_fsm_set_fault(struct vrrp_fsm *f, unsigned bit, bool on,
    const char *reason, uint64_t now, struct vrrp_out *out);

/*
 * Resume: a BACKUP takes over at once (SEND_ADVERT, VIP_ADD, ANNOUNCE,
 * STATE -> MASTER) without waiting for Master_Down_Timer.  For an agent
 * restarted on the current master that found its VIP still in place, its
 * database writable and no other master advertising for one interval: it
 * carries on instead of interrupting writes.  Ignored in any other state.
 * reason must be a static string.
 */
void vrrp_fsm_resume(struct vrrp_fsm *f, const char *reason, uint64_t now,
    struct vrrp_out *out);

/*
 * The master the election accepts now, the one record of it: ourselves
 * (self, our effective priority) while MASTER; the master we follow, with
 * the priority it advertised, while BACKUP and that master has not
 * resigned (priority 0).  true and *m / *prio, or false (none: INIT,
 * FAULT, no master heard yet, or it resigned).
 */
bool vrrp_fsm_accepted_master(const struct vrrp_fsm *f, struct ipaddr *m,
    uint8_t *prio);

/* Skew_Time and Master_Down_Interval in microseconds, for the current
 * Master_Adver_Interval and effective priority (v2: RFC 3768 formulas). */
uint64_t vrrp_fsm_skew_us(const struct vrrp_fsm *f);
uint64_t vrrp_fsm_master_down_us(const struct vrrp_fsm *f);

/* "INIT", "BACKUP", "MASTER", "FAULT". */
const char *vrrp_state_name(enum vrrp_state s);

#endif
