/*
 * vrrp: the RFC 5798 section 6.4 state machine (Initialize, Backup, Master)
 * plus FAULT, as a pure function of events and a clock.  It owns no socket
 * and reads no clock: every entry point takes `now` (monotonic microseconds)
 * and appends what must be done, in order, to a struct vrrp_out.  The agent
 * executes those actions and asks vrrp_fsm_next_deadline() when to call
 * vrrp_fsm_timer() again.  Unit tests drive it with a fake clock.
 *
 * Times are microseconds; intervals on the wire are centiseconds.
 */
#ifndef DBVIP_VRRP_H
#define DBVIP_VRRP_H

#include <stdbool.h>
#include <stdint.h>

#include "../net/ipaddr.h"
#include "../net/vrrp_pkt.h"

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

/* Actions to perform, in order. */
struct vrrp_out {
	int n;
	struct vrrp_act act[VRRP_OUT_MAX];
};

/* Configuration of one virtual router, as far as the protocol cares. */
struct vrrp_params {
	uint8_t version;		/* 2 or 3 */
	uint8_t priority;		/* configured, 1..255; 255 = owner */
	uint16_t adver_int_cs;		/* Advertisement_Interval, centiseconds */
	bool preempt;			/* Preempt_Mode */
	uint32_t preempt_delay_ms;	/* 0 = preempt at once */
};

/* Fault sources: the instance is in FAULT while any bit is set. */
#define VRRP_FAULT_LINK		0x1	/* interface down / no carrier */
#define VRRP_FAULT_GATE		0x2	/* a weight-0 health check failed */
#define VRRP_FAULT_ADMIN	0x4	/* operator / promotion back-off */

struct vrrp_fsm {
	struct vrrp_params p;
	enum vrrp_state state;
	uint8_t priority;		/* effective priority (gate); owner: 255 */
	struct ipaddr self;		/* our primary address, for tie-break */
	unsigned fault;			/* VRRP_FAULT_* bits */

	uint16_t master_adver_int_cs;	/* learned from the master (v3) */
	struct ipaddr master;		/* current master as seen, or unset */
	uint8_t master_priority;

	uint64_t t_adver;		/* Adver_Timer deadline, 0 = stopped */
	uint64_t t_master_down;		/* Master_Down_Timer deadline, 0 = off */
	uint64_t t_preempt;		/* lower master seen: preempt allowed
					   from this time on, 0 = not armed */

	uint64_t transitions;		/* state changes so far */
};

/* Set up in INIT.  self is our primary address on the interface. */
void vrrp_fsm_init(struct vrrp_fsm *f, const struct vrrp_params *p,
    const struct ipaddr *self);

/*
 * Replace the parameters (reload).  Keeps the state; a changed interval takes
 * effect at the next timer.  Effective priority follows p->priority unless
 * the gate has set one.
 */
void vrrp_fsm_reconfigure(struct vrrp_fsm *f, const struct vrrp_params *p,
    uint64_t now, struct vrrp_out *out);

/* Startup event (section 6.4.1): to MASTER if owner, else BACKUP. */
void vrrp_fsm_startup(struct vrrp_fsm *f, uint64_t now, struct vrrp_out *out);

/*
 * Shutdown event: leaving MASTER removes the VIPs and sends priority 0,
 * in that order.  Ends in INIT.
 */
void vrrp_fsm_shutdown(struct vrrp_fsm *f, uint64_t now, struct vrrp_out *out);

/*
 * An advertisement that passed the codec and the instance checks, from src.
 * Sections 6.4.2 (Backup) and 6.4.3 (Master).
 */
void vrrp_fsm_advert(struct vrrp_fsm *f, uint64_t now,
    const struct vrrp_pkt *pkt, const struct ipaddr *src,
    struct vrrp_out *out);

/* Fire whatever timers are due at now. */
void vrrp_fsm_timer(struct vrrp_fsm *f, uint64_t now, struct vrrp_out *out);

/* Earliest pending deadline (microseconds), or 0 if no timer runs. */
uint64_t vrrp_fsm_next_deadline(const struct vrrp_fsm *f);

/*
 * The effective priority changed (health gate).  A master advertises the
 * new priority at once.  Ignored for an owner (255 stays 255).
 */
void vrrp_fsm_set_priority(struct vrrp_fsm *f, uint8_t prio, uint64_t now,
    struct vrrp_out *out);

/*
 * Set or clear fault bits.  Entering FAULT from MASTER removes the VIPs and
 * sends priority 0; leaving FAULT goes to BACKUP (or MASTER if owner).
 */
void vrrp_fsm_set_fault(struct vrrp_fsm *f, unsigned bit, bool on,
    const char *reason, uint64_t now, struct vrrp_out *out);

/* Skew_Time and Master_Down_Interval in microseconds, for the current
 * Master_Adver_Interval and effective priority (v2: RFC 3768 formulas). */
uint64_t vrrp_fsm_skew_us(const struct vrrp_fsm *f);
uint64_t vrrp_fsm_master_down_us(const struct vrrp_fsm *f);

/* "INIT", "BACKUP", "MASTER", "FAULT". */
const char *vrrp_state_name(enum vrrp_state s);

#endif
