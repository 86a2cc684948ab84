/*
 * role: promote, fence, re-point and rejoin the local MariaDB in the
 * agent's loop.  See role.h for what happens and in which order.  This
 * part: life cycle, the FAULT hold, start-up (fence or resume), the
 * periodic check (re-assert, re-point, rejoin or refuse); role_steps.c
 * promotes and demotes, role_conn.c drives the connections.
 *
 * One job runs at a time (probe, promote, demote or the periodic check),
 * as a chain of steps; each step is one SQL statement on the role's own
 * connection, or a fan-out to the peers' databases.  Every statement is
 * bounded twice: by libmariadb's read/write timeouts and by our own limit
 * (mdb_abort), so a hung server never stalls a job.  Results reach the
 * instance (instance_role_done, the FAULT hold) from timers, never from
 * inside a call the instance made, so the sequencer (agent/seq.h) is never
 * re-entered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "notify.h"
#include "role_int.h"

void
role_event(struct role *r, const char *event, const char *detail)
{
	char fields[512];
	size_t off = 0;

	fields[0] = '\0';
	if (detail != NULL && notify_json_field(fields, sizeof(fields), &off,
	    "detail", detail) == -1)
		fields[0] = '\0';
	notify_event(r->in, event, fields);
}

static void role_check_timer(void *arg);
static void probe_run(struct role *r);
static void check_run(struct role *r);

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
void
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
void
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

void
role_report(struct role *r, bool ok, bool backoff)
{
	r->job = JOB_NONE;
	r->done_ok = ok;
	r->done_backoff = backoff;
	loop_timer_set(role_loop(r), &r->t_done, clock_now(), role_done_timer,
	    r, "role done");
}

/* --- SHOW SLAVE STATUS ------------------------------------------------------ */

void
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
			role_event(r, "rejoin", r->t_host);
		} else if (!role_same_host(r->m_host, r->m_port, r->t_host,
		    r->t_port)) {
			r->info.repoints++;
			log_info("%s role: replicating from %s:%u", role_tag(r),
			    r->t_host, r->t_port);
			role_event(r, "repoint", r->t_host);
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
		role_event(r, "rejoin_refused", r->info.last_error);
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
