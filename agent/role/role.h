/* SPDX-License-Identifier: Apache-2.0 */
/*
 * role: the database role of one instance ([mariadb] role = replication):
 * promote the local MariaDB when this host takes the VIP, fence it
 * (read_only=ON) before the VIP goes, keep re-asserting both, point a
 * replica at the current master, rejoin a former primary (or refuse to,
 * naming its errant GTIDs).  All SQL runs over libmariadb's non-blocking
 * API in the agent's loop, on the role's own connection (not the checks').
 *
 * The ordering lives in the sequencer (agent/core/seq.h), executed by agent.c:
 * role_promote() before the VIP is added, role_demote() before it is
 * removed, and nothing further until the role calls ops.done.  The role
 * knows its instance only through struct role_ops (below).  Adverts with
 * a priority above 0 do not wait for it, so a master keeps claiming the
 * group on the wire while it promotes.
 *
 * role = galera (or none) creates no role: no role SQL at all.
 *
 * Promotion (each step idempotent; the first failure ends it, names the
 * step and the server's error, and puts the instance in FAULT for
 * promote_backoff):
 *   show       SHOW SLAVE STATUS: a replica?  (not one: straight to rw)
 *   peers      Gtid_IO_Pos of the other replicas (db_peer / unicast_peer
 *              addresses, repl user, peer_timeout each) and, if it still
 *              answers, the old master's gtid_binlog_pos once read-only:
 *              a replica ahead of us while the old master is gone means
 *              it holds acknowledged writes we cannot fetch: refuse, so
 *              the fresher one wins after our priority-0 release.
 *   killto     SET GLOBAL rpl_semi_sync_slave_kill_conn_timeout = 1: with
 *              semi-sync, STOP SLAVE after a primary's host crashed
 *              blocked ~2.0 s (it tries to kill its connection on the dead
 *              primary); with this, ~1.0 s (measured on 10.11)
 *   wait       MASTER_GTID_WAIT(target, promote_wait) = 0, target being
 *              our Gtid_IO_Pos merged with what the peers reported
 *   stop       STOP SLAVE, on a second connection: it stops the SQL
 *              thread at once, but with semi-sync the IO thread first
 *              tries to kill its connection on the dead master (~1 s)
 *   sqlstop    SHOW SLAVE STATUS until Slave_SQL_Running = No: nothing
 *              is applied any more, so the promotion goes on; RESET SLAVE
 *              ALL runs on that second connection when STOP SLAVE returns
 *   rw         SET GLOBAL read_only = OFF
 *   sql        promote_sql, if configured
 *   confirm    SELECT @@global.read_only must be 0
 *
 * Demotion (fencing): with kill_sessions_on_demote, KILL every client
 * session that is neither replication, a system thread, nor one of the
 * agent's users (a commit waiting for a semi-sync ack holds the lock that
 * read_only=ON needs, for up to rpl_semi_sync_master_timeout), then SET
 * GLOBAL read_only = ON, then kill once more (sessions that came in
 * meanwhile).  Bounded by demote_timeout; a failure is logged and does not
 * hold the release back: a dead or hung server takes no writes.  From then
 * on the node is a former primary: held out of the election (FAULT) until
 * it has rejoined the next master and caught up (see below).  While it is
 * not known to be fenced (no answer, or writable), the periodic check runs
 * every 100 ms and reconnects with a back-off of at most 200 ms, so a
 * frozen former master that wakes up is fenced within milliseconds.
 *
 * Start-up: the database is forced read-only, except when the VIP is still
 * on this host and the database is writable (the agent was restarted on
 * the master, after SIGQUIT, which exits keeping VIPs and role): then, if
 * no other master advertises within one advert interval, the instance
 * resumes mastership at once (vrrp_fsm_resume) and writes never stop.
 *
 * Every role_check_interval (default: the advert interval) while idle:
 *   primary    @@read_only must be 0: set it back (logged), or release
 *   otherwise  @@read_only must be 1: fence again (logged, counted)
 *              a replica in BACKUP follows the advertising master:
 *              CHANGE MASTER TO its database (db_peer map, default its
 *              address, port 3306) with MASTER_USE_GTID=slave_pos, only if
 *              Master_Host/Port differ; START SLAVE if a thread stopped
 *              not a replica (a former primary): while another master
 *              advertises, it is held in FAULT (it must not take the VIP
 *              back with stale data); it compares its gtid_binlog_state
 *              with the master's and either rejoins (MASTER_USE_GTID=
 *              current_pos) or stays in FAULT as rejoin_refused, naming
 *              the errant GTIDs.  A non-replica that hears no master for
 *              three master-down intervals is released from the hold (a
 *              cold start of the group needs a first primary).
 */
#ifndef DBVIP_ROLE_H
#define DBVIP_ROLE_H

#include <stdbool.h>
#include <stdint.h>

#include "../../net/ipaddr.h"
#include "../conf/conf.h"

struct loop;
struct role;

enum role_state {
	ROLE_ST_STARTING = 0,	/* start-up probe running */
	ROLE_ST_PROMOTING,
	ROLE_ST_PRIMARY,
	ROLE_ST_FENCING,	/* demotion running */
	ROLE_ST_REPLICA,	/* read-only, replicating */
	ROLE_ST_FENCED,		/* read-only, not (yet) replicating */
	ROLE_ST_REJOIN_REFUSED,	/* errant GTIDs: needs a rebuild */
};

/* What status shows; strings are "" when unknown. */
struct role_info {
	enum role_state state;
	char last_step[32];
	char last_error[256];
	int read_only;			/* -1 unknown */
	char master_host[80];		/* replication source, if a replica */
	char errant[256];		/* errant GTIDs (rejoin_refused) */
	char hold[400];			/* why the instance is held in FAULT */
	uint64_t promoted_at;		/* monotonic us, 0 = never */
	uint64_t promotions, promote_failures, demotions, fences,
	    repoints, rejoins;
	uint32_t last_promote_ms;	/* duration of the last promotion */
};

/*
 * What the role asks of its instance: the only way back from the role.
 * The instance fills it; arg is passed to every call.  The role calls
 * done, hold, resume, drop_vips and event from its own timers, never
 * inside a role_*() call the instance made, so the sequencer is never
 * re-entered.
 * done       the promote / demote finished, ok or not.
 * hold       hold (on) the instance in FAULT or let it go; why is a
 *            string the role keeps valid.
 * resume     take over now (the resume rule, see above).
 * drop_vips  remove VIPs a previous run left (resume not taken), through
 *            the sequencer (demote first).
 * event      queue a dbvip event (promote_start, promote_done, ...) for
 *            the instance's event_script, with an optional detail string
 *            (NULL = none).  Never blocks.
 * is_master  the instance is MASTER now.
 * master     the group's master as a BACKUP or FAULT instance sees it:
 *            the one its election accepts, or else (a lower master it is
 *            about to preempt; in FAULT) the router that advertised last
 *            with a priority above 0 within max_age_us: 0 and *m, or -1
 *            (none; MASTER, INIT, or the master resigned).
 * heard_from the last advert heard from src, whatever the election made
 *            of it: 0 with its time (µs) and priority, or -1 (never).
 * advert_us  the configured advert interval in microseconds.
 * self       the instance's own address (the source of its adverts).
 * peers      the instance's unicast_peer or peer list (the other
 *            routers): their number, *peers pointing at them.
 */
struct role_ops {
	void *arg;
	void (*done)(void *arg, bool ok);
	void (*hold)(void *arg, bool on, const char *why);
	void (*resume)(void *arg);
	void (*drop_vips)(void *arg);
	void (*event)(void *arg, const char *event, const char *detail);
	bool (*is_master)(void *arg);
	int (*master)(void *arg, uint64_t max_age_us, struct ipaddr *m);
	int (*heard_from)(void *arg, const struct ipaddr *src, uint64_t *at,
	    uint8_t *prio);
	uint64_t (*advert_us)(void *arg);
	const struct ipaddr *(*self)(void *arg);
	int (*peers)(void *arg, const struct ipaddr **peers);
};

/*
 * A role with the [mariadb] settings of conf (copied), running its timers
 * and connections in loop l, logging with tag (copied, e.g. "[db vrid 51
 * eth0]"), reaching its instance through ops (copied; every member set).
 * NULL (logged) on ENOMEM.  Nothing runs until role_start().
 */
struct role *role_new(struct loop *l, const char *tag,
    const struct role_ops *ops, const struct conf *conf);

/* Stop everything (no SQL is sent) and free. */
void role_free(struct role *r);

/* New settings on reload; a running step finishes with the old ones. */
void role_reconf(struct role *r, const struct conf *conf);

/*
 * Start-up: vip_present says whether one of the instance's VIPs is still
 * on the interface.  Probes the database and either fences it or arms the
 * resume rule (see above); starts the periodic re-assert.  While the
 * probe runs, the role holds the instance in FAULT, so the election
 * cannot start a promotion before the role knows the database.
 */
void role_start(struct role *r, bool vip_present);

/* Is the local database promoted (writable by our doing)? */
bool role_promoted(const struct role *r);

/*
 * The sequencer's steps.  Each ends, always later from the loop and never
 * inside the call, with ops.done(arg, ok).  role_promote() on a
 * promoted role and role_demote() with nothing to demote finish at once
 * (still from the loop).  A periodic check in progress is abandoned.
 */
void role_promote(struct role *r);
void role_demote(struct role *r);

/*
 * The instance left MASTER while a promotion runs: finish the current SQL
 * statement, start no further step, report failure (ok = false).  The
 * sequencer then demotes.
 */
void role_cancel(struct role *r);

/*
 * Shutdown: read_only=ON, at most demote_timeout, before it returns; it
 * runs the loop (loop_run_until) until the statement answered or gave up.
 */
void role_demote_sync(struct role *r);

const struct role_info *role_get_info(const struct role *r);
const char *role_state_name(enum role_state s);

#endif
