/*
 * role: promote, fence, re-point and rejoin the local MariaDB in the
 * agent's loop.  See role.h for what happens and in which order.
 *
 * One job runs at a time (probe, promote, demote or the periodic check),
 * as a chain of steps; each step is one SQL statement on the role's own
 * connection, or a fan-out to the peers' databases.  Every statement is
 * bounded twice: by libmariadb's read/write timeouts and by our own limit
 * (mdb_abort), so a hung server never stalls a job.  Results reach the
 * instance (instance_role_done, the FAULT hold) from timers, never from
 * inside a call the instance made, so the queue in agent.c is never
 * re-entered.
 */
#include "role.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "../checks/mdb.h"
#include "clock.h"
#include "gtid.h"
#include "log.h"
#include "loop.h"

#define ROLE_STMT_MS		2000	/* limit of one ordinary statement */
#define ROLE_NPEERS		(CONF_MAX_DB_PEERS + CONF_MAX_PEERS + 1)
#define ROLE_POLL_MS		20	/* old master not read-only yet */
#define ROLE_KILL_MAX		64
#define ROLE_DEFAULT_DB_PORT	3306
#define ROLE_BACKOFF_MS		200	/* reconnect back-off cap */
#define ROLE_FAST_CHECK_MS	100	/* check period while not fenced */

enum role_job { JOB_NONE = 0, JOB_PROBE, JOB_PROMOTE, JOB_DEMOTE, JOB_CHECK };

enum {
	P_SHOW = 0, P_PEERS, P_KILLTO, P_WAIT, P_STOP, P_SQLSTOP, P_RW, P_SQL,
	P_CONFIRM, P_DONE
};
static const char *const p_name[] = {
	"show slave status", "peer freshness", "semi-sync kill timeout",
	"master_gtid_wait", "stop slave", "sql thread stopped",
	"read_only=OFF", "promote_sql", "confirm read_only=0", "done",
};

enum { D_LIST1 = 0, D_KILL1, D_RO, D_LIST2, D_KILL2, D_DONE };
static const char *const d_name[] = {
	"list sessions", "kill sessions", "read_only=ON", "list sessions",
	"kill sessions", "done",
};

enum { S_RO = 0, S_FENCE, S_DONE };

enum {
	C_RO = 0, C_SETRW, C_FENCE, C_SLAVE, C_STOP, C_CHANGE, C_START,
	C_MYSTATE, C_THEIRS, C_DONE
};
static const char *const c_name[] = {
	"read @@read_only", "restore read_only=OFF", "fence read_only=ON",
	"show slave status", "stop slave", "change master", "start slave",
	"read gtid_binlog_state", "master gtid_binlog_state", "done",
};

struct rconn;
typedef void rconn_cb(struct rconn *c, bool ok);

/* One connection driven by the loop: the local one or a peer's. */
struct rconn {
	struct role *r;
	struct mdb *m;
	int fd;				/* watched fd, -1 if none */
	struct loop_timer t_lib;	/* libmariadb's own timeout */
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
	struct instance *in;
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

	/* Why the instance is held in FAULT (see role_hold_apply). */
	bool hold_probe, hold_former, hold_refused, hold_backoff;
	bool held;
	char hold_why[400];
	bool rejoining;			/* rejoined, not caught up yet */
	uint64_t started_at;
	uint64_t no_master_since;	/* a non-replica not hearing one */

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

static void role_check_timer(void *arg);
static void promote_run(struct role *r);
static void demote_run(struct role *r);
static void probe_run(struct role *r);
static void check_run(struct role *r);

const char *
role_state_name(enum role_state s)
{
	switch (s) {
	case ROLE_ST_STARTING:
		return "starting";
	case ROLE_ST_PROMOTING:
		return "promoting";
	case ROLE_ST_PRIMARY:
		return "primary";
	case ROLE_ST_FENCING:
		return "fencing";
	case ROLE_ST_REPLICA:
		return "replica";
	case ROLE_ST_FENCED:
		return "fenced";
	case ROLE_ST_REJOIN_REFUSED:
		return "rejoin_refused";
	}
	return "?";
}

static struct loop *
role_loop(const struct role *r)
{
	return instance_loop(r->in);
}

static const char *
role_tag(const struct role *r)
{
	return instance_tag(r->in);
}

static void
role_step(struct role *r, const char *name)
{
	snprintf(r->info.last_step, sizeof(r->info.last_step), "%s", name);
}

static void role_error(struct role *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
role_error(struct role *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->info.last_error, sizeof(r->info.last_error), fmt, ap);
	va_end(ap);
}

/* Single quotes and backslashes doubled / escaped for a '...' literal. */
static void
sql_quote(char *dst, size_t len, const char *s)
{
	size_t o = 0;

	for (; *s != '\0' && o + 3 < len; s++) {
		if (*s == '\'' || *s == '\\')
			dst[o++] = *s == '\'' ? '\'' : '\\';
		dst[o++] = *s;
	}
	dst[o] = '\0';
}

/* --- one connection in the loop ------------------------------------------- */

static void rconn_after(struct rconn *c, enum mdb_rc rc);

static void
rconn_unwatch(struct rconn *c)
{
	if (c->fd != -1) {
		loop_del_fd(role_loop(c->r), c->fd);
		c->fd = -1;
	}
}

static void
rconn_finish(struct rconn *c, bool ok)
{
	struct loop *l = role_loop(c->r);

	rconn_unwatch(c);
	loop_timer_cancel(l, &c->t_lib);
	loop_timer_cancel(l, &c->t_limit);
	loop_timer_cancel(l, &c->t_post);
	c->busy = false;
	c->cb(c, ok);
}

static void
rconn_fd(void *arg, int fd, uint32_t events)
{
	struct rconn *c = arg;

	(void)fd;
	rconn_unwatch(c);
	rconn_after(c, mdb_step(c->m, events, clock_now()));
}

static void
rconn_lib_timer(void *arg)
{
	struct rconn *c = arg;

	rconn_unwatch(c);
	rconn_after(c, mdb_step(c->m, 0, clock_now()));
}

static void
rconn_limit_timer(void *arg)
{
	struct rconn *c = arg;
	char why[64];

	rconn_unwatch(c);
	snprintf(why, sizeof(why), "no answer within %u ms", c->limit_ms);
	mdb_abort(c->m, why, clock_now());
	rconn_finish(c, false);
}

static void
rconn_post_timer(void *arg)
{
	struct rconn *c = arg;

	rconn_finish(c, c->posted_ok);
}

static void rconn_send(struct rconn *c);

static void
rconn_after(struct rconn *c, enum mdb_rc rc)
{
	struct loop *l = role_loop(c->r);
	uint64_t deadline;
	uint32_t events;
	int fd;

	/*
	 * An idle connection the server dropped (restart, wait_timeout)
	 * fails the next statement with 2006 before sending it; every role
	 * statement is idempotent, so send it once more on a new one.
	 */
	if (rc == MDB_ERR && mdb_errno(c->m) == 2006 && !c->retried) {
		c->retried = true;
		loop_timer_cancel(l, &c->t_lib);
		rconn_send(c);
		return;
	}
	if (rc != MDB_WAIT) {
		rconn_finish(c, rc == MDB_OK);
		return;
	}
	mdb_wait(c->m, &fd, &events, &deadline);
	if (fd != -1) {
		if (loop_add_fd(l, fd, events, rconn_fd, c) == 0)
			c->fd = fd;
		else
			log_warn("%s role: watch fd", role_tag(c->r));
	}
	if (deadline != 0)
		loop_timer_set(l, &c->t_lib, deadline, rconn_lib_timer, c,
		    "role sql");
}

/*
 * Send sql; cb runs later, from the loop, with ok or not.  limit_ms bounds
 * the whole statement (connect included).
 */
static void
rconn_send(struct rconn *c)
{
	struct loop *l = role_loop(c->r);
	uint64_t now = clock_now();
	enum mdb_rc rc;

	rc = mdb_query_start(c->m, c->sql, now);
	if (rc == MDB_ERR && mdb_errno(c->m) == 2006 && !c->retried) {
		c->retried = true;
		rc = mdb_query_start(c->m, c->sql, now);
	}
	if (rc != MDB_WAIT) {
		loop_timer_cancel(l, &c->t_limit);
		c->posted_ok = rc == MDB_OK;
		loop_timer_set(l, &c->t_post, now, rconn_post_timer, c,
		    "role sql");
		return;
	}
	rconn_after(c, MDB_WAIT);
}

static void
rconn_start(struct rconn *c, const char *sql, uint32_t limit_ms, rconn_cb *cb)
{
	c->cb = cb;
	c->busy = true;
	c->retried = false;
	c->limit_ms = limit_ms;
	c->sql = sql;
	log_debug(LOG_SQL, "%s role: %s", role_tag(c->r),
	    strncmp(sql, "CHANGE MASTER", 13) == 0 ? "CHANGE MASTER TO ..." :
	    sql);
	loop_timer_set(role_loop(c->r), &c->t_limit, clock_now() +
	    (uint64_t)limit_ms * 1000, rconn_limit_timer, c, "role sql limit");
	rconn_send(c);
}

/* Drop whatever runs on c, without a callback. */
static void
rconn_abort(struct rconn *c)
{
	struct loop *l;

	if (c->r == NULL)
		return;
	l = role_loop(c->r);
	rconn_unwatch(c);
	loop_timer_cancel(l, &c->t_lib);
	loop_timer_cancel(l, &c->t_limit);
	loop_timer_cancel(l, &c->t_post);
	if (c->m != NULL && mdb_busy(c->m))
		mdb_abort(c->m, "abandoned", clock_now());
	c->busy = false;
}

static void
rconn_init(struct rconn *c, struct role *r)
{
	memset(c, 0, sizeof(*c));
	c->r = r;
	c->fd = -1;
}

/* A connection to another host's database with the replication account. */
static int
rconn_open_peer(struct rconn *c, struct role *r, const char *host,
    unsigned port)
{
	struct check_db db;

	rconn_init(c, r);
	memset(&db, 0, sizeof(db));
	snprintf(db.host, sizeof(db.host), "%s", host);
	db.port = port;
	snprintf(db.user, sizeof(db.user), "%s", r->c.repl_user);
	snprintf(db.password, sizeof(db.password), "%s", r->c.repl_password);
	db.connect_timeout_s = 1;
	snprintf(c->host, sizeof(c->host), "%s", host);
	c->port = port;
	c->m = mdb_new(&db, 1);
	explicit_bzero(db.password, sizeof(db.password));
	return c->m == NULL ? -1 : 0;
}

static void
rconn_close_peer(struct rconn *c)
{
	rconn_abort(c);
	mdb_free(c->m);
	c->m = NULL;
}

static void
role_peers_close(struct role *r)
{
	int i;

	for (i = 0; i < r->npeer; i++)
		rconn_close_peer(&r->peer[i]);
	r->npeer = 0;
}

/* Stop the job in progress (a periodic check), sending nothing more. */
static void
role_abandon(struct role *r)
{
	rconn_abort(&r->local);
	role_peers_close(r);
	r->job = JOB_NONE;
}

static const char *
role_sql_error(const struct role *r, const struct rconn *c)
{
	static char buf[300];

	(void)r;
	snprintf(buf, sizeof(buf), "%s (error %u)", mdb_error(c->m),
	    mdb_errno(c->m));
	return buf;
}

/* --- addresses ------------------------------------------------------------ */

/* The database address of the router advertising from vrrp. */
static void
role_map_peer(const struct role *r, const struct ipaddr *vrrp, char *host,
    size_t len, unsigned *port)
{
	int i;

	for (i = 0; i < r->c.npeers; i++) {
		if (ipaddr_eq(&r->c.peers[i].vrrp, vrrp)) {
			snprintf(host, len, "%s", r->c.peers[i].host);
			*port = r->c.peers[i].port;
			return;
		}
	}
	ipaddr_ntop(vrrp, host, len);
	*port = ROLE_DEFAULT_DB_PORT;
}

/* Same database address, whatever the spelling. */
static bool
role_same_host(const char *a, unsigned ap, const char *b, unsigned bp)
{
	struct ipaddr x, y;

	if (ap != bp)
		return false;
	if (ipaddr_parse(a, &x) == 0 && ipaddr_parse(b, &y) == 0)
		return ipaddr_eq(&x, &y);
	return strcmp(a, b) == 0;
}

/* --- holding the instance in FAULT --------------------------------------- */

static void
role_hold_timer(void *arg)
{
	struct role *r = arg;
	bool on = true;

	if (r->hold_refused)
		snprintf(r->hold_why, sizeof(r->hold_why), "rejoin refused: "
		    "errant GTIDs %s; rebuild this node", r->info.errant);
	else if (r->hold_backoff)
		snprintf(r->hold_why, sizeof(r->hold_why), "promotion "
		    "failed: backing off for %u ms", r->c.promote_backoff_ms);
	else if (r->hold_probe)
		snprintf(r->hold_why, sizeof(r->hold_why), "probing the "
		    "database at start-up");
	else if (r->hold_former)
		snprintf(r->hold_why, sizeof(r->hold_why), "not a replica "
		    "(former primary?): must rejoin and catch up first");
	else
		on = false;
	snprintf(r->info.hold, sizeof(r->info.hold), "%s",
	    on ? r->hold_why : "");
	if (on == r->held)
		return;
	r->held = on;
	instance_role_hold(r->in, on, on ? r->hold_why : "database role ok");
}

/* Apply the hold flags from the loop, outside any job's call chain. */
static void
role_hold_later(struct role *r)
{
	loop_timer_set(role_loop(r), &r->t_hold, clock_now(),
	    role_hold_timer, r, "role hold");
}

static void
role_backoff_timer(void *arg)
{
	struct role *r = arg;

	r->hold_backoff = false;
	log_info("%s role: back-off over", role_tag(r));
	role_hold_later(r);
}

/* Out of the election for promote_backoff: FAULT sends priority 0. */
static void
role_backoff(struct role *r)
{
	r->hold_backoff = true;
	loop_timer_set(role_loop(r), &r->t_backoff, clock_now() +
	    (uint64_t)r->c.promote_backoff_ms * 1000, role_backoff_timer, r,
	    "role backoff");
	role_hold_later(r);
}

/* --- reporting a queued step back to the instance ------------------------- */

static void
role_done_timer(void *arg)
{
	struct role *r = arg;

	instance_role_done(r->in, r->done_ok);
	if (r->done_backoff) {
		r->done_backoff = false;
		role_backoff(r);
	}
}

static void
role_report(struct role *r, bool ok, bool backoff)
{
	r->job = JOB_NONE;
	r->done_ok = ok;
	r->done_backoff = backoff;
	loop_timer_set(role_loop(r), &r->t_done, clock_now(), role_done_timer,
	    r, "role done");
}

/* --- SHOW SLAVE STATUS ------------------------------------------------------ */

static void
role_read_slave_status(struct role *r, const struct mdb *m)
{
	const char *v;

	r->replica = mdb_nrows(m) > 0;
	r->m_host[0] = r->io_run[0] = r->sql_run[0] = '\0';
	r->m_port = 0;
	r->sbm = -1;
	r->io_pos.n = 0;
	if (!r->replica)
		return;
	if ((v = mdb_get(m, 0, "Master_Host")) != NULL)
		snprintf(r->m_host, sizeof(r->m_host), "%s", v);
	if ((v = mdb_get(m, 0, "Master_Port")) != NULL)
		r->m_port = (unsigned)strtoul(v, NULL, 10);
	if ((v = mdb_get(m, 0, "Slave_IO_Running")) != NULL)
		snprintf(r->io_run, sizeof(r->io_run), "%s", v);
	if ((v = mdb_get(m, 0, "Slave_SQL_Running")) != NULL)
		snprintf(r->sql_run, sizeof(r->sql_run), "%s", v);
	if ((v = mdb_get(m, 0, "Seconds_Behind_Master")) != NULL)
		r->sbm = strtol(v, NULL, 10);
	if (gtid_parse(mdb_get(m, 0, "Gtid_IO_Pos"), &r->io_pos) == -1) {
		log_warnx("%s role: cannot parse Gtid_IO_Pos '%s'",
		    role_tag(r), mdb_get(m, 0, "Gtid_IO_Pos"));
		r->io_pos.n = 0;
	}
	snprintf(r->info.master_host, sizeof(r->info.master_host), "%s:%u",
	    r->m_host, r->m_port);
}

/* --- promotion ------------------------------------------------------------ */

static void
promote_end(struct role *r, bool ok, const char *why)
{
	uint64_t now = clock_now();
	bool cancelled = r->cancel;

	role_peers_close(r);
	r->cancel = false;
	r->info.last_promote_ms = (uint32_t)((now - r->job_start) / 1000);
	if (ok) {
		r->promoted = true;
		r->info.state = ROLE_ST_PRIMARY;
		r->info.promoted_at = now;
		r->info.promotions++;
		r->info.read_only = 0;
		r->info.last_error[0] = '\0';
		r->info.master_host[0] = '\0';
		r->hold_former = false;
		log_info("%s role: promoted to primary in %u ms", role_tag(r),
		    r->info.last_promote_ms);
	} else {
		r->info.promote_failures++;
		r->info.state = ROLE_ST_FENCED;
		role_error(r, "%s: %s", p_name[r->step], why);
		log_warnx("%s role: promotion failed at step '%s' after %u "
		    "ms: %s%s", role_tag(r), p_name[r->step],
		    r->info.last_promote_ms, why, cancelled ? "" :
		    "; releasing and backing off");
	}
	role_report(r, ok, !ok && !cancelled);
}

static void promote_cb(struct rconn *c, bool ok);
static void peers_start(struct role *r);

static void
stopper_cb(struct rconn *c, bool ok)
{
	struct role *r = c->r;

	if (!ok) {
		role_error(r, "background %s: %s", c->pstep == 0 ?
		    "STOP SLAVE" : "RESET SLAVE ALL", role_sql_error(r, c));
		log_warnx("%s role: %s after promotion failed: %s",
		    role_tag(r), c->pstep == 0 ? "STOP SLAVE" :
		    "RESET SLAVE ALL", role_sql_error(r, c));
		return;
	}
	if (c->pstep == 0) {
		log_info("%s role: STOP SLAVE returned after %llu ms",
		    role_tag(r), (unsigned long long)((clock_now() -
		    r->job_start) / 1000));
		c->pstep = 1;
		rconn_start(c, "RESET SLAVE ALL", ROLE_STMT_MS, stopper_cb);
	}
}

/* STOP SLAVE then RESET SLAVE ALL on their own connection. */
static void
stopper_start(struct role *r)
{
	struct rconn *c = &r->stopper;

	rconn_abort(c);
	if (c->m == NULL && (c->m = mdb_new(&r->db, 5)) == NULL) {
		log_warn("%s role: stop slave", role_tag(r));
		return;
	}
	c->pstep = 0;
	/* The semi-sync kill of the dump thread (LAB-NOTES): ~1 s. */
	rconn_start(c, "STOP SLAVE", ROLE_STMT_MS + 2000, stopper_cb);
}

static void
sqlstop_poll(void *arg)
{
	struct role *r = arg;

	rconn_start(&r->local, "SHOW SLAVE STATUS", ROLE_STMT_MS, promote_cb);
}

static void
promote_run(struct role *r)
{
	const char *sql = NULL;
	char pos[GTID_MAX * 32];
	uint32_t limit = ROLE_STMT_MS;

	if (r->cancel) {
		promote_end(r, false, "cancelled: the instance left MASTER");
		return;
	}
	role_step(r, p_name[r->step]);
	switch (r->step) {
	case P_SHOW:
		sql = "SHOW SLAVE STATUS";
		break;
	case P_PEERS:
		peers_start(r);
		return;
	case P_KILLTO:
		sql = "SET GLOBAL rpl_semi_sync_slave_kill_conn_timeout = 1";
		break;
	case P_WAIT:
		if (r->target.n == 0) {
			r->step++;
			promote_run(r);
			return;
		}
		gtid_format(&r->target, pos, sizeof(pos));
		snprintf(r->sql, sizeof(r->sql), "SELECT MASTER_GTID_WAIT("
		    "'%s', %u.%03u)", pos, r->c.promote_wait_ms / 1000,
		    r->c.promote_wait_ms % 1000);
		sql = r->sql;
		limit = r->c.promote_wait_ms + ROLE_STMT_MS;
		break;
	case P_STOP:
		stopper_start(r);
		r->sqlstop_until = clock_now() + ROLE_STMT_MS * 1000ULL;
		r->step++;
		promote_run(r);
		return;
	case P_SQLSTOP:
		sql = "SHOW SLAVE STATUS";
		break;
	case P_RW:
		sql = "SET GLOBAL read_only = OFF";
		break;
	case P_SQL:
		if (r->c.promote_sql[0] == '\0') {
			r->step++;
			promote_run(r);
			return;
		}
		sql = r->c.promote_sql;
		break;
	case P_CONFIRM:
		sql = "SELECT @@global.read_only";
		break;
	default:
		promote_end(r, true, NULL);
		return;
	}
	rconn_start(&r->local, sql, limit, promote_cb);
}

static void
promote_cb(struct rconn *c, bool ok)
{
	struct role *r = c->r;
	const char *v;
	char why[600], pos[256];

	if (!ok) {
		/* An older server without the variable: go on. */
		if (r->step == P_KILLTO) {
			log_debug(LOG_SQL, "%s role: %s", role_tag(r),
			    role_sql_error(r, c));
			r->step++;
			promote_run(r);
			return;
		}
		promote_end(r, false, role_sql_error(r, c));
		return;
	}
	switch (r->step) {
	case P_SHOW:
		role_read_slave_status(r, c->m);
		r->target = r->io_pos;
		r->step = r->replica ? P_PEERS : P_RW;
		break;
	case P_WAIT:
		v = mdb_value(c->m, 0, 0);
		if (v == NULL || strcmp(v, "0") != 0) {
			gtid_format(&r->target, pos, sizeof(pos));
			snprintf(why, sizeof(why), "relay log not applied up "
			    "to %s within promote_wait %u ms "
			    "(MASTER_GTID_WAIT returned %s)", pos,
			    r->c.promote_wait_ms, v ? v : "NULL");
			promote_end(r, false, why);
			return;
		}
		r->step++;
		break;
	case P_SQLSTOP:
		/*
		 * STOP SLAVE stops the SQL thread at once, then the IO thread,
		 * which with semi-sync first tries to kill its connection on
		 * the (dead) master: about 1 s.  Nothing is applied once the
		 * SQL thread is down, so the promotion goes on; RESET SLAVE
		 * ALL follows when STOP SLAVE returns.
		 */
		v = mdb_get(c->m, 0, "Slave_SQL_Running");
		if (mdb_nrows(c->m) > 0 && (v == NULL ||
		    strcmp(v, "No") != 0)) {
			if (clock_now() >= r->sqlstop_until) {
				promote_end(r, false, "the SQL thread did not "
				    "stop");
				return;
			}
			loop_timer_set(role_loop(r), &r->local.t_post,
			    clock_now() + 5000, sqlstop_poll, r,
			    "role poll");
			return;
		}
		r->step++;
		break;
	case P_CONFIRM:
		v = mdb_value(c->m, 0, 0);
		if (v == NULL || strcmp(v, "0") != 0) {
			snprintf(why, sizeof(why), "@@read_only is %s after "
			    "SET GLOBAL read_only = OFF", v ? v : "NULL");
			promote_end(r, false, why);
			return;
		}
		r->step++;
		break;
	default:
		r->step++;
		break;
	}
	promote_run(r);
}

/* --- freshness of the other replicas (promotion step "peers") ------------- */

static void peer_cb(struct rconn *c, bool ok);

static void
peers_decide(struct role *r)
{
	char ahead[64], ours[256], why[600];
	bool old_alive = false;
	int i;

	for (i = 0; i < r->npeer; i++)
		if (r->peer[i].old_master && r->peer[i].answered)
			old_alive = true;
	for (i = 0; i < r->npeer; i++) {
		struct rconn *p = &r->peer[i];

		if (!p->answered)
			continue;
		if (p->old_master) {
			if (p->writable) {
				snprintf(why, sizeof(why), "the old master "
				    "%s:%u is still writable after "
				    "promote_wait", p->host, p->port);
				promote_end(r, false, why);
				return;
			}
			gtid_pos_merge(&r->target, &p->pos);
			continue;
		}
		if (!p->replica ||
		    !gtid_pos_ahead(&p->pos, &r->io_pos, ahead, sizeof(ahead)))
			continue;
		if (old_alive) {
			/* Our IO thread can still fetch it. */
			gtid_pos_merge(&r->target, &p->pos);
			continue;
		}
		gtid_format(&r->io_pos, ours, sizeof(ours));
		snprintf(why, sizeof(why), "replica %s:%u is fresher (it has "
		    "%s, our Gtid_IO_Pos is %s) and the old master is gone: "
		    "it must win", p->host, p->port, ahead,
		    ours[0] ? ours : "empty");
		promote_end(r, false, why);
		return;
	}
	role_peers_close(r);
	r->step++;
	promote_run(r);
}

static void
peer_one_done(struct role *r)
{
	if (--r->peers_left == 0)
		peers_decide(r);
}

static void
peer_poll_timer(void *arg)
{
	struct rconn *c = arg;

	rconn_start(c, "SELECT @@global.read_only, @@global.gtid_binlog_pos",
	    c->r->c.peer_timeout_ms, peer_cb);
}

static void
peer_cb(struct rconn *c, bool ok)
{
	struct role *r = c->r;
	const char *v;

	if (!ok) {
		log_info("%s role: peer database %s:%u: %s", role_tag(r),
		    c->host, c->port, role_sql_error(r, c));
		c->answered = false;
		peer_one_done(r);
		return;
	}
	if (c->pstep == 0) {
		if (mdb_nrows(c->m) > 0) {
			c->replica = true;
			c->answered = true;
			if (gtid_parse(mdb_get(c->m, 0, "Gtid_IO_Pos"),
			    &c->pos) == -1)
				c->answered = false;
			peer_one_done(r);
			return;
		}
		c->pstep = 1;
		c->poll_until = clock_now() +
		    (uint64_t)r->c.promote_wait_ms * 1000;
		peer_poll_timer(c);
		return;
	}
	v = mdb_value(c->m, 0, 0);
	c->writable = v != NULL && strcmp(v, "0") == 0;
	if (gtid_parse(mdb_value(c->m, 0, 1), &c->pos) == -1) {
		c->answered = false;
		peer_one_done(r);
		return;
	}
	/*
	 * The old master answers and still takes writes: it demotes when it
	 * hears our adverts; wait for that, so that its last writes are part
	 * of what we wait for.
	 */
	if (c->old_master && c->writable && clock_now() < c->poll_until) {
		loop_timer_set(role_loop(r), &c->t_post, clock_now() +
		    ROLE_POLL_MS * 1000, peer_poll_timer, c, "role poll");
		return;
	}
	c->answered = true;
	peer_one_done(r);
}

static bool
peers_has(const struct role *r, const char *host, unsigned port)
{
	int i;

	for (i = 0; i < r->npeer; i++)
		if (role_same_host(r->peer[i].host, r->peer[i].port, host,
		    port))
			return true;
	return false;
}

static void
peers_add(struct role *r, const char *host, unsigned port)
{
	struct rconn *c;

	if (r->npeer == ROLE_NPEERS || peers_has(r, host, port))
		return;
	c = &r->peer[r->npeer];
	if (rconn_open_peer(c, r, host, port) == -1) {
		log_warn("%s role: peer %s", role_tag(r), host);
		return;
	}
	c->old_master = r->replica && role_same_host(host, port, r->m_host,
	    r->m_port);
	r->npeer++;
}

static void
peers_start(struct role *r)
{
	const struct ipaddr *self = instance_self(r->in), *up;
	char host[64];
	unsigned port;
	int i, n;

	role_peers_close(r);
	for (i = 0; i < r->c.npeers; i++)
		if (!ipaddr_eq(&r->c.peers[i].vrrp, self))
			peers_add(r, r->c.peers[i].host, r->c.peers[i].port);
	n = instance_peers(r->in, &up);
	for (i = 0; i < n; i++) {
		if (ipaddr_eq(&up[i], self))
			continue;
		role_map_peer(r, &up[i], host, sizeof(host), &port);
		peers_add(r, host, port);
	}
	if (r->replica && r->m_host[0] != '\0')
		peers_add(r, r->m_host, r->m_port);
	if (r->npeer == 0) {
		r->step++;
		promote_run(r);
		return;
	}
	r->peers_left = r->npeer;
	for (i = 0; i < r->npeer; i++)
		rconn_start(&r->peer[i], "SHOW SLAVE STATUS",
		    r->c.peer_timeout_ms, peer_cb);
}

void
role_promote(struct role *r)
{
	if (r->job != JOB_NONE)
		role_abandon(r);
	r->job = JOB_PROMOTE;
	r->job_start = clock_now();
	r->cancel = false;
	if (r->promoted) {
		/* Resumed at start-up, or promoted and never demoted. */
		role_report(r, true, false);
		return;
	}
	r->info.state = ROLE_ST_PROMOTING;
	r->step = P_SHOW;
	r->target.n = 0;
	log_info("%s role: promoting the local database", role_tag(r));
	promote_run(r);
}

void
role_cancel(struct role *r)
{
	if (r->job == JOB_PROMOTE)
		r->cancel = true;
}

/* --- demotion ------------------------------------------------------------- */

static void demote_cb(struct rconn *c, bool ok);

static void
demote_end(struct role *r, bool ok, const char *why)
{
	uint32_t ms = (uint32_t)((clock_now() - r->job_start) / 1000);
	bool fence_only = r->fence_only;

	r->fence_only = false;
	r->info.state = ROLE_ST_FENCED;
	if (ok) {
		r->info.read_only = 1;
		log_info("%s role: database fenced (read_only=ON) in %u ms",
		    role_tag(r), ms);
	} else {
		r->info.read_only = -1;
		role_error(r, "%s: %s", d_name[r->step], why);
		log_warnx("%s role: %s failed at step '%s' after %u ms: %s%s",
		    role_tag(r), fence_only ? "fencing" : "demotion",
		    d_name[r->step], ms, why, fence_only ? "" : "; releasing "
		    "anyway (a server that does not answer takes no writes)");
	}
	if (fence_only) {
		r->job = JOB_NONE;
		return;
	}
	r->promoted = false;
	r->info.demotions++;
	r->info.promoted_at = 0;
	/*
	 * A former primary from now on: it stands again only once it has
	 * rejoined the next master and caught up (or hears no master).
	 */
	r->hold_former = true;
	r->no_master_since = 0;
	role_hold_later(r);
	/* The release goes on either way. */
	role_report(r, true, false);
}

static void
demote_run(struct role *r)
{
	char u1[140], u2[140], u3[140];
	uint64_t now = clock_now();
	uint32_t left;

	if (now >= r->deadline) {
		demote_end(r, false, "time limit reached");
		return;
	}
	left = (uint32_t)((r->deadline - now + 999) / 1000);
	role_step(r, d_name[r->step]);
	switch (r->step) {
	case D_RO:
		rconn_start(&r->local, "SET GLOBAL read_only = ON", left,
		    demote_cb);
		return;
	case D_LIST1:
	case D_LIST2:
		/*
		 * Kill first, then set read_only: a commit waiting for a
		 * semi-sync ack holds the commit lock that read_only=ON needs,
		 * for up to rpl_semi_sync_master_timeout.  Once more after:
		 * sessions that came in meanwhile.
		 */
		if (!r->c.kill_sessions) {
			r->step++;
			r->nkill = r->ikill = 0;
			demote_run(r);
			return;
		}
		sql_quote(u1, sizeof(u1), r->db.user);
		sql_quote(u2, sizeof(u2), r->check_user);
		sql_quote(u3, sizeof(u3), r->c.repl_user);
		snprintf(r->sql, sizeof(r->sql), "SELECT ID FROM "
		    "information_schema.PROCESSLIST WHERE ID <> "
		    "CONNECTION_ID() AND COMMAND NOT IN ('Binlog Dump', "
		    "'Binlog Dump GTID', 'Daemon', 'Slave_IO', 'Slave_SQL', "
		    "'Slave_worker') AND USER NOT IN ('system user', "
		    "'event_scheduler', '%s', '%s', '%s')", u1, u2, u3);
		rconn_start(&r->local, r->sql, left, demote_cb);
		return;
	case D_KILL1:
	case D_KILL2:
		if (r->ikill >= r->nkill) {
			r->step++;
			demote_run(r);
			return;
		}
		snprintf(r->sql, sizeof(r->sql), "KILL CONNECTION %ld",
		    r->kill_id[r->ikill++]);
		rconn_start(&r->local, r->sql, left, demote_cb);
		return;
	}
	demote_end(r, true, NULL);
}

static void
demote_cb(struct rconn *c, bool ok)
{
	struct role *r = c->r;
	const char *v;
	size_t i;

	if (!ok) {
		/* The session ended by itself meanwhile (unknown thread). */
		if ((r->step == D_KILL1 || r->step == D_KILL2) &&
		    mdb_errno(c->m) == 1094) {
			demote_run(r);
			return;
		}
		demote_end(r, false, role_sql_error(r, c));
		return;
	}
	switch (r->step) {
	case D_RO:
		r->step = D_LIST2;
		break;
	case D_LIST1:
	case D_LIST2:
		r->nkill = r->ikill = 0;
		for (i = 0; i < mdb_nrows(c->m) && r->nkill < ROLE_KILL_MAX;
		    i++)
			if ((v = mdb_value(c->m, i, 0)) != NULL)
				r->kill_id[r->nkill++] = strtol(v, NULL, 10);
		if (r->nkill > 0)
			log_info("%s role: killing %d client session(s)",
			    role_tag(r), r->nkill);
		r->step++;
		break;
	}
	demote_run(r);
}

static void
demote_begin(struct role *r, uint32_t limit_ms)
{
	r->job = JOB_DEMOTE;
	r->job_start = clock_now();
	r->deadline = r->job_start + (uint64_t)limit_ms * 1000;
	r->info.state = ROLE_ST_FENCING;
	r->step = D_LIST1;
	demote_run(r);
}

void
role_demote(struct role *r)
{
	if (r->job != JOB_NONE)
		role_abandon(r);
	r->fence_only = false;
	r->resume_armed = false;
	loop_timer_cancel(role_loop(r), &r->t_resume);
	demote_begin(r, r->c.demote_timeout_ms);
}

void
role_demote_sync(struct role *r)
{
	uint64_t now, deadline, dl;
	struct pollfd pfd;
	uint32_t events;
	enum mdb_rc rc;
	int fd, ms;

	role_abandon(r);
	now = clock_update();
	deadline = now + (uint64_t)r->c.demote_timeout_ms * 1000;
	rc = mdb_query_start(r->local.m, "SET GLOBAL read_only = ON", now);
	if (rc == MDB_ERR && mdb_errno(r->local.m) == 2006)
		rc = mdb_query_start(r->local.m, "SET GLOBAL read_only = ON",
		    now);
	while (rc == MDB_WAIT) {
		mdb_wait(r->local.m, &fd, &events, &dl);
		now = clock_update();
		if (now >= deadline)
			break;
		ms = (int)((deadline - now + 999) / 1000);
		if (dl != 0 && dl > now && (int)((dl - now + 999) / 1000) < ms)
			ms = (int)((dl - now + 999) / 1000);
		pfd.fd = fd;
		pfd.events = (short)(((events & EPOLLIN) ? POLLIN : 0) |
		    ((events & EPOLLOUT) ? POLLOUT : 0) |
		    ((events & EPOLLPRI) ? POLLPRI : 0));
		pfd.revents = 0;
		if (fd != -1 && poll(&pfd, 1, ms) == -1 && errno != EINTR)
			break;
		events = (uint32_t)(((pfd.revents & POLLIN) ? EPOLLIN : 0) |
		    ((pfd.revents & POLLOUT) ? EPOLLOUT : 0) |
		    ((pfd.revents & POLLPRI) ? EPOLLPRI : 0) |
		    ((pfd.revents & (POLLERR | POLLHUP)) ? EPOLLERR : 0));
		rc = mdb_step(r->local.m, fd == -1 ? 0 : events,
		    clock_update());
	}
	if (rc == MDB_OK) {
		r->info.read_only = 1;
		log_info("%s role: database fenced (read_only=ON) at shutdown",
		    role_tag(r));
	} else {
		if (rc == MDB_WAIT)
			mdb_abort(r->local.m, "demote_timeout reached",
			    clock_update());
		log_warnx("%s role: read_only=ON at shutdown failed: %s (error "
		    "%u); the VIP is removed anyway", role_tag(r),
		    mdb_error(r->local.m), mdb_errno(r->local.m));
	}
	r->promoted = false;
}

/* --- start-up ------------------------------------------------------------- */

static void probe_cb(struct rconn *c, bool ok);

static void
role_resume_timer(void *arg)
{
	struct role *r = arg;
	struct ipaddr src;
	char ab[IPADDR_STRLEN];
	uint64_t age = clock_now() - r->started_at;

	r->resume_armed = false;
	if (instance_heard_master(r->in, age, &src) == 0) {
		log_warnx("%s role: %s advertises as master: not resuming; "
		    "fencing and removing the VIP", role_tag(r),
		    ipaddr_ntop(&src, ab, sizeof(ab)));
		r->promoted = false;
		instance_role_drop_vips(r->in);
		return;
	}
	log_info("%s role: no other master for one advert interval: "
	    "resuming mastership (writes continue)", role_tag(r));
	r->info.state = ROLE_ST_PRIMARY;
	r->info.promoted_at = clock_now();
	instance_role_resume(r->in);
	if (!instance_is_master(r->in)) {
		/* In FAULT (a failing check): not a master after all. */
		log_warnx("%s role: cannot resume (instance not in BACKUP): "
		    "fencing", role_tag(r));
		r->promoted = false;
		instance_role_drop_vips(r->in);
	}
}

static void
probe_end(struct role *r)
{
	r->job = JOB_NONE;
	r->hold_probe = false;
	role_hold_later(r);
	if (r->vip_present && !r->resume_armed)
		instance_role_drop_vips(r->in);
	/* A first periodic check right away: re-point, rejoin. */
	loop_timer_set(role_loop(r), &r->t_check, clock_now(),
	    role_check_timer, r, "role check");
}

static void
probe_run(struct role *r)
{
	switch (r->step) {
	case S_RO:
		role_step(r, "start-up: read @@read_only");
		rconn_start(&r->local, "SELECT @@global.read_only",
		    ROLE_STMT_MS, probe_cb);
		return;
	case S_FENCE:
		role_step(r, "start-up: read_only=ON");
		rconn_start(&r->local, "SET GLOBAL read_only = ON",
		    ROLE_STMT_MS, probe_cb);
		return;
	}
	probe_end(r);
}

static void
probe_cb(struct rconn *c, bool ok)
{
	struct role *r = c->r;
	const char *v;

	if (!ok) {
		role_error(r, "start-up: %s", role_sql_error(r, c));
		log_warnx("%s role: start-up probe failed: %s; fencing is "
		    "retried by the periodic check", role_tag(r),
		    role_sql_error(r, c));
		r->info.state = ROLE_ST_FENCED;
		probe_end(r);
		return;
	}
	if (r->step == S_RO) {
		v = mdb_value(c->m, 0, 0);
		r->info.read_only = v == NULL ? -1 : strcmp(v, "0") != 0;
		if (r->vip_present && r->info.read_only == 0) {
			uint64_t wait = instance_advert_us(r->in);

			log_info("%s role: the VIP is still here and the "
			    "database is writable: resuming in %llu ms "
			    "unless another master advertises", role_tag(r),
			    (unsigned long long)(wait / 1000));
			r->promoted = true;
			r->resume_armed = true;
			r->info.state = ROLE_ST_PRIMARY;
			loop_timer_set(role_loop(r), &r->t_resume,
			    clock_now() + wait, role_resume_timer, r,
			    "role resume");
			r->step = S_DONE;
			probe_end(r);
			return;
		}
		if (r->info.read_only == 0)
			log_warnx("%s role: the database is writable at "
			    "start-up: fencing it (read_only=ON) until this "
			    "host wins and promotes", role_tag(r));
		r->step = S_FENCE;
		probe_run(r);
		return;
	}
	r->info.read_only = 1;
	r->info.state = ROLE_ST_FENCED;
	probe_end(r);
}

void
role_start(struct role *r, bool vip_present)
{
	r->started_at = clock_now();
	r->no_master_since = r->started_at;
	r->vip_present = vip_present;
	r->job = JOB_PROBE;
	r->step = S_RO;
	r->info.state = ROLE_ST_STARTING;
	/* Resuming needs BACKUP; anything else waits for the probe. */
	r->hold_probe = !vip_present;
	if (r->hold_probe) {
		r->held = true;
		snprintf(r->hold_why, sizeof(r->hold_why), "probing the "
		    "database at start-up");
		snprintf(r->info.hold, sizeof(r->info.hold), "%s",
		    r->hold_why);
		instance_role_hold(r->in, true, r->hold_why);
	}
	probe_run(r);
}

/* --- the periodic check ---------------------------------------------------- */

static void check_cb(struct rconn *c, bool ok);
static void theirs_cb(struct rconn *c, bool ok);

static void
check_end(struct role *r)
{
	role_peers_close(r);
	r->job = JOB_NONE;
	explicit_bzero(r->sql, sizeof(r->sql));
	role_hold_later(r);
}

static void
check_fail(struct role *r, const char *what)
{
	unsigned supp;

	role_error(r, "%s: %s", c_name[r->step], what);
	if (log_rl_allow(&r->rl, clock_now(), &supp))
		log_warnx("%s role: %s failed: %s", role_tag(r),
		    c_name[r->step], what);
	check_end(r);
}

/*
 * After SHOW SLAVE STATUS: follow the advertising master, rejoin it, or
 * wait.  Sets the next step, or C_DONE.
 */
static void
check_replication(struct role *r)
{
	struct ipaddr m;
	uint64_t now = clock_now(), adv = instance_advert_us(r->in);
	bool heard;

	heard = instance_heard_master(r->in, 3 * adv, &m) == 0;
	if (heard) {
		role_map_peer(r, &m, r->t_host, sizeof(r->t_host),
		    &r->t_port);
		r->no_master_since = 0;
	} else if (r->no_master_since == 0)
		r->no_master_since = now;

	if (r->replica) {
		r->hold_former = false;
		r->info.state = ROLE_ST_REPLICA;
		if (r->rejoining) {
			/* Caught up: the hold of a former primary ends. */
			if (strcmp(r->io_run, "Yes") == 0 &&
			    strcmp(r->sql_run, "Yes") == 0 && r->sbm == 0) {
				r->rejoining = false;
				log_info("%s role: caught up with %s: eligible "
				    "again", role_tag(r), r->info.master_host);
			} else
				r->hold_former = true;
		}
		if (!heard || instance_is_master(r->in)) {
			r->step = C_DONE;
			return;
		}
		r->rejoin = false;
		if (!role_same_host(r->m_host, r->m_port, r->t_host,
		    r->t_port)) {
			log_info("%s role: re-pointing replication from %s "
			    "to the master's database %s:%u", role_tag(r),
			    r->info.master_host, r->t_host, r->t_port);
			r->step = C_STOP;
		} else if (strcmp(r->io_run, "No") == 0 ||
		    strcmp(r->sql_run, "No") == 0)
			r->step = C_START;
		else
			r->step = C_DONE;
		return;
	}

	/* Not a replica. */
	r->info.master_host[0] = '\0';
	if (r->hold_refused) {
		r->step = C_DONE;
		return;
	}
	if (!heard) {
		/*
		 * Nobody advertises: a cold start of the whole group needs a
		 * first primary, so after three master-down intervals of
		 * silence this node may stand.
		 */
		r->info.state = ROLE_ST_FENCED;
		if (r->hold_former && now - r->no_master_since >
		    3 * (3 * adv + USEC_PER_SEC)) {
			log_info("%s role: no master heard: this non-replica "
			    "may stand for election", role_tag(r));
			r->hold_former = false;
		} else if (!r->hold_former && now - r->started_at <
		    3 * (3 * adv + USEC_PER_SEC) && !r->promoted)
			r->hold_former = true;
		r->step = C_DONE;
		return;
	}
	if (instance_is_master(r->in)) {
		r->step = C_DONE;
		return;
	}
	if (!r->hold_former)
		log_warnx("%s role: not a replica while %s:%u is master: "
		    "held out of the election until it has rejoined and "
		    "caught up", role_tag(r), r->t_host, r->t_port);
	r->hold_former = true;
	r->info.state = ROLE_ST_FENCED;
	r->rejoin = true;
	r->step = C_MYSTATE;
}

static void
check_run(struct role *r)
{
	char pw[260], user[140], host[140];
	const char *sql = NULL;

	role_step(r, c_name[r->step]);
	switch (r->step) {
	case C_RO:
		sql = "SELECT @@global.read_only";
		break;
	case C_SETRW:
		sql = "SET GLOBAL read_only = OFF";
		break;
	case C_FENCE:
		sql = "SET GLOBAL read_only = ON";
		break;
	case C_SLAVE:
		sql = "SHOW SLAVE STATUS";
		break;
	case C_STOP:
		sql = "STOP SLAVE";
		break;
	case C_CHANGE:
		sql_quote(pw, sizeof(pw), r->c.repl_password);
		sql_quote(user, sizeof(user), r->c.repl_user);
		sql_quote(host, sizeof(host), r->t_host);
		snprintf(r->sql, sizeof(r->sql), "CHANGE MASTER TO "
		    "MASTER_HOST = '%s', MASTER_PORT = %u, MASTER_USER = '%s', "
		    "MASTER_PASSWORD = '%s', MASTER_USE_GTID = %s, "
		    "MASTER_CONNECT_RETRY = 1", host, r->t_port, user, pw,
		    r->rejoin ? "current_pos" : "slave_pos");
		explicit_bzero(pw, sizeof(pw));
		sql = r->sql;
		break;
	case C_START:
		sql = "START SLAVE";
		break;
	case C_MYSTATE:
		sql = "SELECT @@global.gtid_binlog_state";
		break;
	case C_THEIRS:
		role_peers_close(r);
		if (rconn_open_peer(&r->peer[0], r, r->t_host, r->t_port) ==
		    -1) {
			check_fail(r, "out of memory");
			return;
		}
		r->npeer = 1;
		rconn_start(&r->peer[0], "SELECT @@global.gtid_binlog_state",
		    r->c.peer_timeout_ms, theirs_cb);
		return;
	default:
		check_end(r);
		return;
	}
	rconn_start(&r->local, sql, ROLE_STMT_MS, check_cb);
}

static void
check_cb(struct rconn *c, bool ok)
{
	struct role *r = c->r;
	const char *v;

	if (!ok) {
		if (r->step == C_RO)
			r->info.read_only = -1;
		if (r->step == C_SETRW) {
			log_warnx("%s role: cannot set read_only=OFF on the "
			    "primary: %s; releasing", role_tag(r),
			    role_sql_error(r, c));
			role_backoff(r);
		}
		check_fail(r, role_sql_error(r, c));
		return;
	}
	switch (r->step) {
	case C_RO:
		v = mdb_value(c->m, 0, 0);
		r->info.read_only = v == NULL ? -1 : strcmp(v, "0") != 0;
		if (instance_is_master(r->in)) {
			if (r->info.read_only == 1) {
				log_warnx("%s role: read_only=ON on the "
				    "primary was set from outside: setting it "
				    "back to OFF", role_tag(r));
				r->step = C_SETRW;
			} else
				r->step = C_DONE;
			break;
		}
		if (r->info.read_only == 0) {
			r->info.fences++;
			log_warnx("%s role: the database became writable "
			    "while this host is not the master: fencing it "
			    "again (read_only=ON)", role_tag(r));
			/* The next check goes on with replication. */
			r->fence_only = true;
			demote_begin(r, r->c.demote_timeout_ms > ROLE_STMT_MS ?
			    r->c.demote_timeout_ms : ROLE_STMT_MS);
			return;
		} else
			r->step = C_SLAVE;
		break;
	case C_SETRW:
		r->info.read_only = 0;
		r->step = C_DONE;
		break;
	case C_FENCE:
		r->info.read_only = 1;
		r->step = C_SLAVE;
		break;
	case C_SLAVE:
		role_read_slave_status(r, c->m);
		check_replication(r);
		break;
	case C_STOP:
		r->step = C_CHANGE;
		break;
	case C_CHANGE:
		explicit_bzero(r->sql, sizeof(r->sql));
		r->step = C_START;
		break;
	case C_START:
		if (r->rejoin) {
			r->info.rejoins++;
			r->rejoining = true;
			log_info("%s role: rejoined %s:%u as a replica "
			    "(MASTER_USE_GTID=current_pos)", role_tag(r),
			    r->t_host, r->t_port);
		} else if (!role_same_host(r->m_host, r->m_port, r->t_host,
		    r->t_port)) {
			r->info.repoints++;
			log_info("%s role: replicating from %s:%u", role_tag(r),
			    r->t_host, r->t_port);
		}
		r->info.state = ROLE_ST_REPLICA;
		r->step = C_DONE;
		break;
	case C_MYSTATE:
		if (gtid_parse(mdb_value(c->m, 0, 0), &r->my_state) == -1) {
			check_fail(r, "cannot parse gtid_binlog_state");
			return;
		}
		r->step = C_THEIRS;
		break;
	default:
		r->step = C_DONE;
		break;
	}
	check_run(r);
}

/* The master's gtid_binlog_state: rejoin, or refuse naming the errant. */
static void
theirs_cb(struct rconn *c, bool ok)
{
	struct role *r = c->r;
	struct gtid_list theirs, errant;
	int n;

	if (!ok) {
		check_fail(r, role_sql_error(r, c));
		return;
	}
	if (gtid_parse(mdb_value(c->m, 0, 0), &theirs) == -1) {
		check_fail(r, "cannot parse the master's gtid_binlog_state");
		return;
	}
	n = gtid_errant(&r->my_state, &theirs, &errant);
	if (n > 0) {
		gtid_format(&errant, r->info.errant, sizeof(r->info.errant));
		r->hold_refused = true;
		r->info.state = ROLE_ST_REJOIN_REFUSED;
		role_error(r, "rejoin refused: %d errant GTID(s) %s not on "
		    "the master %s:%u", n, r->info.errant, r->t_host,
		    r->t_port);
		log_warnx("%s role: rejoin_refused: this former primary holds "
		    "%d transaction(s) the master %s:%u lacks (errant GTIDs "
		    "%s); it stays in FAULT and needs a rebuild", role_tag(r),
		    n, r->t_host, r->t_port, r->info.errant);
		check_end(r);
		return;
	}
	role_peers_close(r);
	r->step = C_CHANGE;
	check_run(r);
}

static void
role_check_timer(void *arg)
{
	struct role *r = arg;
	uint64_t iv = r->c.check_interval_ms > 0 ?
	    (uint64_t)r->c.check_interval_ms * 1000 : instance_advert_us(r->in);

	/*
	 * Not the master and not known to be fenced (the server did not
	 * answer, or answered writable): look again soon, so a server that
	 * comes back (a thawed former master) is fenced within a fraction
	 * of a second, not an interval.
	 */
	if (!instance_is_master(r->in) && r->info.read_only != 1 &&
	    iv > ROLE_FAST_CHECK_MS * 1000)
		iv = ROLE_FAST_CHECK_MS * 1000;

	loop_timer_set(role_loop(r), &r->t_check, clock_now() + iv,
	    role_check_timer, r, "role check");
	if (r->job != JOB_NONE || r->resume_armed)
		return;
	/* A master not (yet) promoted has its promotion queued. */
	if (instance_is_master(r->in) && !r->promoted)
		return;
	r->job = JOB_CHECK;
	r->step = C_RO;
	check_run(r);
}

/* --- life cycle ------------------------------------------------------------- */

static void
role_set_conf(struct role *r, const struct conf *conf)
{
	r->c = conf->role;
	r->db = conf->db;
	snprintf(r->check_user, sizeof(r->check_user), "%s", conf->db.user);
	if (r->c.admin_user[0] != '\0') {
		snprintf(r->db.user, sizeof(r->db.user), "%s",
		    r->c.admin_user);
		snprintf(r->db.password, sizeof(r->db.password), "%s",
		    r->c.admin_password);
	}
	r->io_timeout_s = r->c.promote_wait_ms / 1000 + 3;
}

struct role *
role_new(struct instance *in, const struct conf *conf)
{
	struct role *r;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		log_warn("role");
		return NULL;
	}
	r->in = in;
	role_set_conf(r, conf);
	rconn_init(&r->local, r);
	rconn_init(&r->stopper, r);
	r->local.m = mdb_new(&r->db, r->io_timeout_s);
	if (r->local.m == NULL) {
		log_warn("role");
		free(r);
		return NULL;
	}
	mdb_set_backoff_max(r->local.m, ROLE_BACKOFF_MS);
	r->info.read_only = -1;
	return r;
}

void
role_reconf(struct role *r, const struct conf *conf)
{
	struct mdb *m;
	bool same_db;

	same_db = strcmp(r->db.socket, conf->db.socket) == 0 &&
	    strcmp(r->db.host, conf->db.host) == 0 &&
	    r->db.port == conf->db.port;
	explicit_bzero(r->db.password, sizeof(r->db.password));
	role_set_conf(r, conf);
	if (same_db && r->job != JOB_NONE)
		return;		/* the running job keeps its connection */
	if (r->job == JOB_CHECK)
		role_abandon(r);
	if (r->job != JOB_NONE)
		return;
	if ((m = mdb_new(&r->db, r->io_timeout_s)) == NULL) {
		log_warn("%s role: reload keeps the old connection",
		    role_tag(r));
		return;
	}
	mdb_set_backoff_max(m, ROLE_BACKOFF_MS);
	mdb_free(r->local.m);
	r->local.m = m;
}

void
role_free(struct role *r)
{
	struct loop *l;

	if (r == NULL)
		return;
	l = role_loop(r);
	role_abandon(r);
	rconn_abort(&r->stopper);
	mdb_free(r->stopper.m);
	loop_timer_cancel(l, &r->t_resume);
	loop_timer_cancel(l, &r->t_check);
	loop_timer_cancel(l, &r->t_backoff);
	loop_timer_cancel(l, &r->t_hold);
	loop_timer_cancel(l, &r->t_done);
	mdb_free(r->local.m);
	explicit_bzero(r->c.repl_password, sizeof(r->c.repl_password));
	explicit_bzero(r->c.admin_password, sizeof(r->c.admin_password));
	explicit_bzero(r->db.password, sizeof(r->db.password));
	free(r);
}

bool
role_promoted(const struct role *r)
{
	return r->promoted;
}

const struct role_info *
role_get_info(const struct role *r)
{
	return &r->info;
}
