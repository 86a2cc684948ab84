/* SPDX-License-Identifier: Apache-2.0 */
/*
 * role_int: what the three parts of the database role share: role.c (life
 * cycle, FAULT hold, start-up, periodic check, re-point, rejoin),
 * role_steps.c (promotion, the peers' freshness, demotion) and
 * role_conn.c (a connection driven by the loop, small helpers).  Not for
 * use outside agent/role*.c.
 */
#ifndef DBVIP_ROLE_INT_H
#define DBVIP_ROLE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "../../checks/mdb.h"
#include "gtid.h"
#include "../core/log.h"
#include "../core/loop.h"
#include "role.h"

#define ROLE_STMT_MS		2000	/* limit of one ordinary statement */
#define ROLE_NPEERS		(CONF_MAX_DB_PEERS + CONF_MAX_PEERS + 1)
#define ROLE_POLL_MS		20	/* old master not read-only yet */
#define ROLE_KILL_MAX		64
#define ROLE_BACKOFF_MS		200	/* reconnect back-off cap */
#define ROLE_FAST_CHECK_MS	100	/* check period while not fenced */

enum role_job {
	JOB_NONE = 0, JOB_PROBE, JOB_SURVEY, JOB_PROMOTE, JOB_DEMOTE, JOB_CHECK
};

enum {
	P_SHOW = 0, P_PEERS, P_KILLTO, P_SQLSTART, P_WAIT, P_STOP, P_SQLSTOP,
	P_RW, P_SQL, P_CONFIRM, P_DONE
};
extern const char *const p_name[];	/* step names, for logs */

enum { D_LIST1 = 0, D_KILL1, D_RO, D_LIST2, D_KILL2, D_DONE };
extern const char *const d_name[];

/* Start-up probe and the survey while waiting (role.c). */
enum { S_RO = 0, S_SLAVE, S_PEERS, S_FENCE, S_DONE };

enum {
	C_RO = 0, C_SETRW, C_SLAVE, C_TWRITABLE, C_STOP, C_CHANGE, C_START,
	C_MYSTATE, C_THEIRS, C_DONE
};
extern const char *const c_name[];

struct rconn;
typedef void rconn_cb(struct rconn *c, bool ok);

/* One connection driven by the loop: the local one or a peer's. */
struct rconn {
	struct role *r;
	struct mdb *m;
	struct loop_wait wait;		/* libmariadb's fd and timeout */
	struct loop_timer t_limit;	/* ours */
	struct loop_timer t_post;	/* deliver a result from the loop */
	rconn_cb *cb;
	bool busy;
	bool posted_ok;
	bool retried;
	uint32_t limit_ms;
	const char *sql;		/* for the one retry */

	/* A peer in the freshness check. */
	char host[64];
	unsigned port;
	int pstep;			/* 0 slave status, 1 variables */
	bool answered, replica, writable, old_master;
	struct gtid_list pos;
	uint64_t poll_until;
};

struct role {
	struct loop *loop;
	char tag[CONF_NAME_MAX + 48];	/* the instance's log tag */
	struct role_ops ops;		/* the way back to the instance */
	struct conf_role c;
	struct check_db db;		/* local server, role account */
	char check_user[64];
	unsigned io_timeout_s;
	struct rconn local;
	struct rconn stopper;		/* STOP SLAVE; RESET SLAVE ALL */
	uint64_t sqlstop_until;
	struct rconn peer[ROLE_NPEERS];
	int npeer, peers_left;
	struct role_info info;

	enum role_job job;
	int step;
	bool cancel;
	bool fence_only;		/* a demotion outside the queue */
	bool promoted;
	uint64_t job_start;
	uint64_t deadline;		/* demotion: overall bound */
	char sql[2400];

	/* The last SHOW SLAVE STATUS of the local server. */
	bool replica;
	char m_host[64];
	unsigned m_port;
	char io_run[16], sql_run[16];
	long sbm;			/* Seconds_Behind_Master, -1 NULL */
	struct gtid_list io_pos;
	struct gtid_list target;	/* what the promotion waits for */
	int read_only;

	/* Re-point / rejoin target. */
	char t_host[64];
	unsigned t_port;
	bool rejoin;			/* current_pos rather than slave_pos */
	struct gtid_list my_state;

	long kill_id[ROLE_KILL_MAX];
	int nkill, ikill;

	/* Why the instance is held in FAULT (see role_hold_timer). */
	bool hold_probe, hold_former, hold_refused, hold_backoff, hold_wait;
	bool held;
	char hold_why[400];
	bool rejoining;			/* rejoined, not caught up yet */
	uint64_t started_at;
	uint64_t no_master_since;	/* a non-replica not hearing one */

	/*
	 * The group's state (role_survey.h): asked at start-up, and again
	 * every check while waiting (hold_wait) for wait_host, the primary
	 * or the most advanced database, whose agent must lead.
	 */
	bool surveying;			/* the peers' fan-out is a survey */
	void (*peers_done)(struct role *r);
	struct gtid_list my_pos;	/* our binlog position (survey) */
	char wait_host[64];
	unsigned wait_port;
	char wait_why[400];
	bool survey_due;		/* survey at the next check */
	uint64_t soft_since;		/* a soft wait (role_survey.h) began */
	bool standing;			/* our writable database is kept as the
					   primary while no other master is
					   accepted */
	bool done_wait;			/* the failed promotion waits */

	bool vip_present;
	bool resume_armed;
	struct loop_timer t_resume;
	struct loop_timer t_check;
	struct loop_timer t_backoff;
	struct loop_timer t_hold;
	struct loop_timer t_done;
	bool done_ok, done_backoff;
	struct log_rl rl;
};

/* role_conn.c */
struct loop *role_loop(const struct role *r);
const char *role_tag(const struct role *r);
void role_step(struct role *r, const char *name);
void role_error(struct role *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sql_quote(char *dst, size_t len, const char *s);
/*
 * Send sql on c; cb runs later, from the loop, with ok or not.  limit_ms
 * bounds the whole statement (connect included).  sql must stay valid
 * until cb (it may be sent twice: see rconn_after).
 */
void rconn_start(struct rconn *c, const char *sql, uint32_t limit_ms,
    rconn_cb *cb);
/* Drop whatever runs on c, without a callback. */
void rconn_abort(struct rconn *c);
void rconn_init(struct rconn *c, struct role *r);
/*
 * A connection to another host's database with the replication account;
 * -1 (logged) when host is not a numeric address: names are not resolved.
 */
int rconn_open_peer(struct rconn *c, struct role *r, const char *host,
    unsigned port);
void rconn_close_peer(struct rconn *c);
void role_peers_close(struct role *r);
/* Stop the job in progress, sending nothing more. */
void role_abandon(struct role *r);
/* "message (error N)" of c's last statement; a static buffer. */
const char *role_sql_error(const struct role *r, const struct rconn *c);
/*
 * The database address of the router advertising from vrrp (db_peer, or a
 * configured unicast_peer / peer on port 3306): 0, or -1 when vrrp is not
 * a configured peer.  role_peer_vrrp is the reverse.
 */
int role_map_peer(const struct role *r, const struct ipaddr *vrrp,
    char *host, size_t len, unsigned *port);
int role_peer_vrrp(const struct role *r, const char *host, unsigned port,
    struct ipaddr *vrrp);
bool role_same_host(const char *a, unsigned ap, const char *b, unsigned bp);

/* role.c */
void role_hold_later(struct role *r);
/*
 * Is the agent of the database host:port silent: not a configured peer, or
 * no advert from it within three advert intervals and a second?
 */
bool role_agent_silent(const struct role *r, const char *host,
    unsigned port);
/* The failing promotion (or the survey) waits for host:port: hold_wait. */
void role_wait_for(struct role *r, const char *host, unsigned port,
    const char *why);
void role_backoff(struct role *r);
/* End the queued job: ops.done(ok) from the loop, then the back-off if
 * asked. */
void role_report(struct role *r, bool ok, bool backoff);
void role_read_slave_status(struct role *r, const struct mdb *m);

/* role_steps.c */
void peers_start(struct role *r, bool survey, void (*done)(struct role *r));
/* A demotion of limit_ms; fence_only (set by the caller) keeps it out of
 * the queue and ends the job quietly. */
void demote_begin(struct role *r, uint32_t limit_ms);

/*
 * Queue a dbvip event (promote_start, promote_done, promote_failed, demote,
 * repoint, rejoin, rejoin_refused) for the instance's event_script, with
 * an optional "detail" string.  Never blocks.
 */
void role_event(struct role *r, const char *event, const char *detail);

#endif
