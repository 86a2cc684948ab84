/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent: wires the pure modules (codec, state machine, config) to the world
 * (sockets, netlink, loop).  One struct agent per process; one struct
 * instance per [instance NAME] section.  Instances that share an interface
 * and family share one raw socket (struct agent_sock) and are told apart by
 * VRID.
 */
#ifndef DBVIP_AGENT_H
#define DBVIP_AGENT_H

#include <stdbool.h>
#include <stdint.h>

#include "../../net/vrrp_sock.h"
#include "../../checks/check.h"
#include "../conf/conf.h"
#include "gate.h"
#include "guard.h"
#include "log.h"
#include "loop.h"
#include "notify.h"
#include "../role/role.h"
#include "seq.h"
#include "vrrp.h"

struct agent;

struct agent_sock {
	struct vrrp_sock vs;
	int users;
	struct agent_sock *next;
};

/*
 * One [check NAME]: the check itself, its rise/fall state (shared by every
 * instance that tracks it) and its place in the loop.
 */
struct health {
	struct agent *a;
	struct conf_check cfg;		/* a copy; track.name points into it */
	struct check *chk;
	struct gate_track track;
	struct loop_timer t_run;	/* next run, every interval */
	struct loop_wait wait;		/* what the running check waits for */
	int watched_fd;			/* the idle connection, -1 if none */
	uint64_t runs, missed;
	struct log_rl rl;
};

struct instance_counters {
	uint64_t adverts_sent;
	uint64_t adverts_received;
	uint64_t send_errors;
	uint64_t vip_errors;
	uint64_t drops[VRRP_DROP__MAX];
};

/* A router heard advertising: for the role, never for the election. */
#define INSTANCE_SEEN_MAX	8

struct instance_seen {
	struct ipaddr src;		/* unset: free slot */
	uint64_t at;			/* µs of its last advert */
	uint8_t priority;		/* in that advert */
};

struct instance {
	struct conf_instance c;		/* this instance's config, a copy */
	struct agent *a;
	char tag[CONF_NAME_MAX + 48];	/* "[name vrid 51 eth0]" for logs */
	struct vrrp_fsm fsm;
	char state_why[400];		/* reason of the last state change */
	uint64_t state_since;		/* µs, when it happened */
	int ifindex;
	uint8_t mac[6];
	struct agent_sock *sock;
	bool vips_held;			/* VIP_ADD done, no VIP_DEL since */
	struct ipprefix held[CONF_MAX_VIPS];	/* what VIP_ADD added */
	int nheld;

	/*
	 * Every change of VIPs and database role goes through the
	 * sequencer (seq.h); agent.c executes its actions.
	 */
	struct seq seq;
	struct role *role;		/* the database role, or NULL */

	/* The last advert of each router heard (input.c), any priority. */
	struct instance_seen seen[INSTANCE_SEEN_MAX];

	struct loop_timer t_fsm;	/* the state machine's next deadline */
	struct loop_timer t_garp;	/* next burst of a takeover announce */
	struct loop_timer t_refresh;	/* garp_refresh while master */
	struct loop_timer t_claim;	/* adverts while fencing (agent.c) */
	int garp_left;

	struct health *track[CONF_MAX_TRACK];
	int ntrack;
	struct gate_out gate;		/* the last verdict, for status */

	/* Operator guards (guard_wire.c) and notify hooks (notify.c). */
	struct guard_inst guard;
	struct loop_timer t_guard;	/* deferred re-evaluation */
	struct notify_q *nq;		/* this instance's FIFO of hook runs */

	struct instance_counters n;
	struct log_rl rl_drop[VRRP_DROP__MAX];
	struct log_rl rl_warn;
	struct instance *next;
};

struct agent {
	struct loop *loop;
	struct conf conf;
	struct vip_nl *nl;
	struct link_mon *lm;
	int arp_fd;
	int ndisc_fd;
	struct agent_sock *socks;
	struct instance *inst;
	struct health **health;		/* one per conf.checks[] entry */
	int nhealth;
	struct guard guard;		/* maintenance, lock, failover_block */
	struct loop_timer t_guard_tick;	/* lock_file stat, block expiry */
	struct log_rl rl_guard;
	struct notify notify;		/* the hooks' queues (notify.h) */
	uint64_t unmatched[VRRP_DROP__MAX];	/* drops with no instance */
	struct log_rl rl_unmatched;
	bool stopping;
	bool keep_on_exit;		/* SIGQUIT: leave VIPs and role as is */
};

/*
 * Open the shared handles (netlink, link monitor, ARP/NA sockets), create
 * every instance of conf (the agent takes ownership of conf) and start them.
 * Returns 0 or -1 (logged).
 */
int agent_start(struct agent *a, struct loop *l, struct conf *conf);

/*
 * Apply a new, already validated config (reload): instances whose identity
 * (interface, VRID, family, version) is unchanged keep their state and get
 * the new parameters; removed ones are shut down cleanly; new ones start.
 * Takes ownership of conf.
 */
void agent_reload(struct agent *a, struct conf *conf);

/* Leave every instance cleanly (VIPs removed, priority 0 sent). */
void agent_shutdown(struct agent *a);

/* Close everything; after agent_shutdown. */
void agent_free(struct agent *a);

/*
 * health.c: run the configured checks.  health_apply() creates, keeps (a
 * check whose config did not change keeps its connection and state) or
 * frees the checks of conf; health_stop() frees them all.
 */
int health_apply(struct agent *a, const struct conf *conf);
void health_stop(struct agent *a);

/*
 * input.c: the loop callback of a raw VRRP socket (arg is the agent):
 * reads, decodes, checks and delivers every pending packet.
 */
void agent_sock_readable(void *arg, int fd, uint32_t events);

/*
 * Perform the state machine's actions in order, then re-arm its timer.
 * Its VIP_ADD, VIP_DEL and priority-0 advert go to the sequencer (seq.h),
 * whose actions (role steps, VIPs, announcements) agent.c executes.
 */
void instance_exec(struct instance *in, struct vrrp_out *out);

/*
 * The one way a fault source (the link, the operator guards, the health
 * gate, the database role's hold) changes an instance: set (on) or clear
 * one VRRP_FAULT_* bit, why naming the cause for the log and status
 * (a static string or one that outlives the instance's next change), or
 * set the priority the election uses; the state machine's actions are
 * performed at once (instance_exec).
 */
void instance_set_fault(struct instance *in, unsigned bit, bool on,
    const char *why);
void instance_set_priority(struct instance *in, uint8_t prio);

/* The configured advert interval in microseconds. */
uint64_t instance_advert_us(const struct instance *in);

/* health.c: recompute an instance's priority / FAULT from its tracked
 * checks. */
void instance_gate_update(struct instance *in);

/*
 * Perform the sequencer's actions (seq.h) in order: VIPs, announcements
 * and the role's steps.
 */
void instance_seq_exec(struct instance *in, struct seq_out *so);

/*
 * role_wire.c: give instance in (entry idx of conf) the database role if
 * it carries it (role = replication; galera and none do no role SQL), with
 * the struct role_ops that leads back to in.  0, or -1 on ENOMEM.
 */
int instance_role_attach(struct instance *in, const struct conf *conf,
    int idx);

/*
 * input.c, for the database role (role.h's struct role_ops):
 * instance_master   the group's master as a BACKUP or FAULT instance sees
 *                   it: the one its election accepts, or else (a lower
 *                   master it is about to preempt; in FAULT) the router
 *                   that advertised last with a priority above 0 within
 *                   max_age_us: 0 and *m, or -1 (none; MASTER, INIT, or
 *                   the master resigned).
 * instance_heard_from  the last advert heard from src, whatever the
 *                   election made of it: 0 with its time and priority, or
 *                   -1 (never heard).  input.c keeps the last few routers
 *                   heard.
 */
int instance_master(const struct instance *in, uint64_t max_age_us,
    struct ipaddr *m);
int instance_heard_from(const struct instance *in, const struct ipaddr *src,
    uint64_t *at, uint8_t *prio);

/*
 * guard_wire.c: the operator guards (guard.h) on the instances.
 * guard_start() arms the 1-second tick that re-reads lock_file (stat only)
 * and ends blocks; guard_apply() takes the config values (start and
 * reload); guard_stop() cancels the tick.
 */
void guard_start(struct agent *a);
void guard_apply(struct agent *a);
void guard_stop(struct agent *a);

/*
 * The instance changed state: re-evaluated on the next loop pass (not from
 * inside instance_exec(), which is running its action list).
 */
void guard_kick(struct instance *in);

/* Re-evaluate now: record a self-promotion, set or clear the bits. */
void guard_update(struct instance *in);

/* Cancel the instance's pending re-evaluation (before freeing it). */
void guard_instance_stop(struct instance *in);

/* Control commands; each returns a malloc'd "ok: ..." or "error: ..." */
char *guard_ctl_ack(struct agent *a);
char *guard_ctl_lock(struct agent *a, bool on);
char *guard_ctl_maintenance(struct agent *a, bool on);

/* The control socket's command handler (see ctl.h). */
char *agent_ctl(void *arg, const char *cmd);

/* Status as a table (json = false) or JSON; malloc'd string. */
char *status_render(const struct agent *a, bool json);

#endif
