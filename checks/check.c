/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check: the health checks as non-blocking state machines.  See check.h.
 *
 * A MariaDB check is one or more statements on its own mdb connection,
 * judged by the pure functions of check_eval.c.  A script check is a child
 * of /bin/sh run by checks/child.c (own process group, pidfd, TERM then
 * KILL), the same code that runs the agent's notify hooks.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "check.h"
#include "check_eval.h"
#include "child.h"
#include "mdb.h"

#define ER_UNKNOWN_COM_ERROR	1047	/* Galera: node not ready */

struct check {
	struct check_conf cc;
	struct check_db db;
	bool has_db;
	struct mdb *mdb;

	bool running;
	uint64_t t0, deadline;
	struct check_result cur, last;

	/* write: statement index, and whether the schema exists */
	int stage;
	bool schema_done;
	char sql_db[112], sql_table[272], sql_insert[272];

	/* script */
	struct child ch;
};

static const char *const type_names[] = {
	[CHECK_PING] = "ping",
	[CHECK_SQL] = "sql",
	[CHECK_WRITE] = "write",
	[CHECK_REPLICATION] = "replication",
	[CHECK_GALERA] = "galera",
	[CHECK_READ_ONLY] = "read_only",
	[CHECK_SCRIPT] = "script",
};

#define NTYPES	(sizeof(type_names) / sizeof(type_names[0]))

const char *
check_type_name(enum check_type t)
{
	return (unsigned)t < NTYPES ? type_names[t] : "unknown";
}

int
check_type_parse(const char *s)
{
	unsigned i;

	for (i = 0; i < NTYPES; i++)
		if (strcmp(s, type_names[i]) == 0)
			return (int)i;
	return -1;
}

int
check_validate(const struct check_conf *cc, const struct check_db *db,
    char *err, size_t len)
{
	char d[65], t[65];
	unsigned char addr[16];

	if ((unsigned)cc->type >= NTYPES) {
		snprintf(err, len, "unknown check type %d", (int)cc->type);
		return -1;
	}
	if (cc->timeout_ms == 0) {
		snprintf(err, len, "timeout must be > 0");
		return -1;
	}
	switch (cc->type) {
	case CHECK_SQL:
		if (cc->query[0] == '\0') {
			snprintf(err, len, "sql check needs a query");
			return -1;
		}
		if (cc->expect_op != '\0' && cc->expect_op != '=' &&
		    cc->expect_op != '<' && cc->expect_op != '>') {
			snprintf(err, len, "expect operator must be =, < or >");
			return -1;
		}
		if ((cc->expect_op == '<' || cc->expect_op == '>') &&
		    !check_eval_is_number(cc->expect)) {
			snprintf(err, len, "expect %c needs a number",
			    cc->expect_op);
			return -1;
		}
		break;
	case CHECK_WRITE:
		if (cc->table[0] != '\0' &&
		    check_eval_table(cc->table, d, sizeof(d), t, sizeof(t))) {
			snprintf(err, len, "table must be [db.]name of "
			    "[A-Za-z0-9_$], 1-64 characters each");
			return -1;
		}
		break;
	case CHECK_SCRIPT:
		if (cc->command[0] == '\0') {
			snprintf(err, len, "script check needs a command");
			return -1;
		}
		return 0;
	default:
		break;
	}
	if (db == NULL) {
		snprintf(err, len, "%s check needs a [mariadb] section",
		    check_type_name(cc->type));
		return -1;
	}
	if (db->socket[0] == '\0' && inet_pton(AF_INET, db->host, addr) != 1 &&
	    inet_pton(AF_INET6, db->host, addr) != 1) {
		snprintf(err, len, "host must be a numeric address (or set "
		    "socket)");
		return -1;
	}
	return 0;
}

struct check *
check_new(const struct check_conf *cc, const struct check_db *db)
{
	struct check *c;
	char err[128], d[65], t[65];
	unsigned io_s;

	if (check_validate(cc, db, err, sizeof(err)) != 0) {
		errno = EINVAL;
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->cc = *cc;
	child_init(&c->ch);
	c->last.lag_s = -1;
	snprintf(c->last.msg, sizeof(c->last.msg), "not run yet");
	if (db != NULL) {
		c->db = *db;
		c->has_db = true;
	}
	if (cc->type == CHECK_WRITE) {
		if (check_eval_table(cc->table[0] ? cc->table : "heartbeat",
		    d, sizeof(d), t, sizeof(t)) != 0) {
			free(c);
			errno = EINVAL;
			return NULL;
		}
		snprintf(c->sql_db, sizeof(c->sql_db),
		    "CREATE DATABASE IF NOT EXISTS `%s`", d);
		snprintf(c->sql_table, sizeof(c->sql_table),
		    "CREATE TABLE IF NOT EXISTS `%s`.`%s` ("
		    "server_id INT UNSIGNED NOT NULL PRIMARY KEY, "
		    "ts TIMESTAMP(6) NOT NULL) ENGINE=InnoDB", d, t);
		snprintf(c->sql_insert, sizeof(c->sql_insert),
		    "INSERT INTO `%s`.`%s` (server_id, ts) "
		    "VALUES (@@server_id, NOW(6)) "
		    "ON DUPLICATE KEY UPDATE ts = VALUES(ts)", d, t);
	}
	if (cc->type != CHECK_SCRIPT) {
		/* libmariadb's own I/O timeout backs up the run deadline. */
		io_s = (cc->timeout_ms + 999) / 1000;
		if ((c->mdb = mdb_new(&c->db, io_s)) == NULL) {
			free(c);
			return NULL;
		}
	}
	return c;
}

static bool
check_finish(struct check *c, bool ok, uint64_t now)
{
	c->cur.ok = ok;
	c->cur.latency_us = now > c->t0 ?
	    (now - c->t0 > UINT32_MAX ? UINT32_MAX : (uint32_t)(now - c->t0)) :
	    0;
	if (c->has_db)
		check_eval_scrub(c->cur.msg, sizeof(c->cur.msg), c->db.password);
	c->last = c->cur;
	c->running = false;
	return true;
}

static bool
check_fail(struct check *c, unsigned db_errno, const char *msg, uint64_t now)
{
	c->cur.db_errno = (int)db_errno;
	snprintf(c->cur.msg, sizeof(c->cur.msg), "%s", msg);
	return check_finish(c, false, now);
}

/* ---- MariaDB checks ---- */

static const char *
check_sql_text(const struct check *c)
{
	switch (c->cc.type) {
	case CHECK_PING:
		return "SELECT 1";
	case CHECK_SQL:
		return c->cc.query;
	case CHECK_WRITE:
		return c->stage == 0 ? c->sql_db :
		    c->stage == 1 ? c->sql_table : c->sql_insert;
	case CHECK_REPLICATION:
		return "SHOW SLAVE STATUS";
	case CHECK_GALERA:
		return "SHOW GLOBAL STATUS WHERE Variable_name IN ("
		    "'wsrep_cluster_status', 'wsrep_local_state', "
		    "'wsrep_ready', 'wsrep_connected', 'wsrep_cluster_size')";
	case CHECK_READ_ONLY:
		return "SELECT @@read_only";
	case CHECK_SCRIPT:
	default:
		return NULL;
	}
}

static const char *
galera_value(const struct mdb *m, const char *name)
{
	size_t i;
	const char *v;

	for (i = 0; i < mdb_nrows(m); i++)
		if ((v = mdb_value(m, i, 0)) != NULL &&
		    strcasecmp(v, name) == 0)
			return mdb_value(m, i, 1);
	return NULL;
}

/* Judge a statement that succeeded; true when the run is over. */
static bool
db_judge(struct check *c, uint64_t now)
{
	const struct mdb *m = c->mdb;
	struct check_repl_row rr;
	struct check_galera_status gs;
	const char *v;
	bool ok;

	switch (c->cc.type) {
	case CHECK_PING:
		snprintf(c->cur.msg, sizeof(c->cur.msg), "alive");
		return check_finish(c, true, now);
	case CHECK_SQL:
		if (c->cc.expect_op == '\0') {
			snprintf(c->cur.msg, sizeof(c->cur.msg),
			    "query ok, %zu rows", mdb_nrows(m));
			return check_finish(c, true, now);
		}
		if (mdb_nrows(m) == 0 || mdb_ncols(m) == 0) {
			snprintf(c->cur.msg, sizeof(c->cur.msg),
			    "no rows, want %c %s", c->cc.expect_op,
			    c->cc.expect);
			return check_finish(c, false, now);
		}
		ok = check_eval_compare(mdb_value(m, 0, 0), c->cc.expect_op,
		    c->cc.expect, c->cur.msg, sizeof(c->cur.msg));
		return check_finish(c, ok, now);
	case CHECK_WRITE:
		if (c->stage < 2) {
			c->stage++;
			if (c->stage == 2)
				c->schema_done = true;
			return false;	/* next statement */
		}
		snprintf(c->cur.msg, sizeof(c->cur.msg),
		    "heartbeat row written");
		return check_finish(c, true, now);
	case CHECK_REPLICATION:
		if (mdb_nrows(m) == 0) {
			check_eval_replication(NULL, c->cc.max_lag_s, &c->cur);
			return check_finish(c, c->cur.ok, now);
		}
		rr.io_running = mdb_get(m, 0, "Slave_IO_Running");
		rr.sql_running = mdb_get(m, 0, "Slave_SQL_Running");
		rr.seconds_behind = mdb_get(m, 0, "Seconds_Behind_Master");
		rr.last_io_errno = mdb_get(m, 0, "Last_IO_Errno");
		rr.last_io_error = mdb_get(m, 0, "Last_IO_Error");
		rr.last_sql_errno = mdb_get(m, 0, "Last_SQL_Errno");
		rr.last_sql_error = mdb_get(m, 0, "Last_SQL_Error");
		rr.master_log_file = mdb_get(m, 0, "Master_Log_File");
		rr.read_master_log_pos = mdb_get(m, 0, "Read_Master_Log_Pos");
		rr.relay_master_log_file = mdb_get(m, 0,
		    "Relay_Master_Log_File");
		rr.exec_master_log_pos = mdb_get(m, 0, "Exec_Master_Log_Pos");
		check_eval_replication(&rr, c->cc.max_lag_s, &c->cur);
		return check_finish(c, c->cur.ok, now);
	case CHECK_GALERA:
		gs.cluster_status = galera_value(m, "wsrep_cluster_status");
		gs.local_state = galera_value(m, "wsrep_local_state");
		gs.ready = galera_value(m, "wsrep_ready");
		gs.connected = galera_value(m, "wsrep_connected");
		gs.cluster_size = galera_value(m, "wsrep_cluster_size");
		check_eval_galera(&gs, c->cc.min_cluster_size,
		    c->cc.allow_donor, &c->cur);
		return check_finish(c, c->cur.ok, now);
	case CHECK_READ_ONLY:
		v = mdb_value(m, 0, 0);
		ok = check_eval_compare(v, '=',
		    c->cc.expect_read_only ? "1" : "0", c->cur.msg,
		    sizeof(c->cur.msg));
		snprintf(c->cur.msg, sizeof(c->cur.msg), "read_only=%s%s",
		    v ? v : "NULL", ok ? "" :
		    c->cc.expect_read_only ? ", want 1" : ", want 0");
		return check_finish(c, ok, now);
	case CHECK_SCRIPT:
	default:
		return check_fail(c, 0, "bug: not a database check", now);
	}
}

static bool
db_error(struct check *c, uint64_t now)
{
	unsigned err = mdb_errno(c->mdb);
	char msg[sizeof(c->cur.msg)];

	if (c->cc.type == CHECK_GALERA && err == ER_UNKNOWN_COM_ERROR)
		snprintf(msg, sizeof(msg), "node not ready (1047): %s",
		    mdb_error(c->mdb));
	else
		snprintf(msg, sizeof(msg), "error %u: %s", err,
		    mdb_error(c->mdb));
	return check_fail(c, err, msg, now);
}

/* Handle an mdb result; start the next statement while there is one. */
static bool
db_handle(struct check *c, enum mdb_rc rc, uint64_t now)
{
	for (;;) {
		if (rc == MDB_WAIT)
			return false;
		if (rc == MDB_ERR)
			return db_error(c, now);
		if (db_judge(c, now))
			return true;
		rc = mdb_query_start(c->mdb, check_sql_text(c), now);
	}
}

static bool
db_start(struct check *c, uint64_t now)
{
	c->stage = 0;
	/* The schema statements run once per connection. */
	if (c->cc.type == CHECK_WRITE && c->schema_done &&
	    mdb_connected(c->mdb))
		c->stage = 2;
	return db_handle(c, mdb_query_start(c->mdb, check_sql_text(c), now),
	    now);
}

static bool
db_step(struct check *c, uint32_t events, uint64_t now)
{
	char msg[96];

	if (events != 0 || now < c->deadline) {
		if (db_handle(c, mdb_step(c->mdb, events, now), now))
			return true;
	}
	if (now >= c->deadline) {
		snprintf(msg, sizeof(msg),
		    "timed out after %u ms (server not answering)",
		    c->cc.timeout_ms);
		mdb_abort(c->mdb, msg, now);
		return check_fail(c, mdb_errno(c->mdb), msg, now);
	}
	return false;
}

/* ---- script checks ---- */

static bool
script_start(struct check *c, uint64_t now)
{
	char *const argv[] = { "sh", "-c", c->cc.command, NULL };
	char msg[128];

	if (child_spawn(&c->ch, "/bin/sh", argv, NULL, 0,
	    CHILD_CAPTURE_STDOUT | CHILD_CAPTURE_STDERR, c->cc.timeout_ms, now,
	    msg, sizeof(msg)) == -1)
		return check_fail(c, 0, msg, now);
	return false;
}

static bool
script_step(struct check *c, uint64_t now)
{
	enum child_rc rc = child_step(&c->ch, now);

	if (rc == CHILD_RUNNING)
		return false;
	/* A stuck child stays ours: check_start() refuses until reaped. */
	child_describe(&c->ch, rc, c->cur.msg, sizeof(c->cur.msg));
	return check_finish(c, rc == CHILD_EXITED && child_ok(&c->ch), now);
}

/* ---- the common driver ---- */

int
check_start(struct check *c, uint64_t now)
{
	if (c->running)
		return -1;
	/* A child that outlived its run: reaped now, or we refuse. */
	if (child_busy(&c->ch))
		return -1;
	c->running = true;
	c->t0 = now;
	c->deadline = now + (uint64_t)c->cc.timeout_ms * 1000;
	memset(&c->cur, 0, sizeof(c->cur));
	c->cur.lag_s = -1;
	if (c->cc.type == CHECK_SCRIPT)
		script_start(c, now);
	else
		db_start(c, now);
	return 0;
}

int
check_idle_fd(const struct check *c)
{
	if (c->running || c->mdb == NULL)
		return -1;
	return mdb_idle_fd(c->mdb);
}

void
check_disconnect(struct check *c)
{
	if (!c->running && c->mdb != NULL)
		mdb_disconnect(c->mdb);
}

bool
check_running(const struct check *c)
{
	return c->running;
}

void
check_wait(const struct check *c, int *fd, uint32_t *events,
    uint64_t *deadline)
{
	uint64_t lib;

	*fd = -1;
	*events = 0;
	*deadline = 0;
	if (!c->running)
		return;
	if (c->cc.type == CHECK_SCRIPT) {
		*fd = child_fd(&c->ch);
		*events = EPOLLIN;
		*deadline = child_deadline(&c->ch);
		return;
	}
	mdb_wait(c->mdb, fd, events, &lib);
	*deadline = c->deadline;
	if (lib != 0 && lib < *deadline)
		*deadline = lib;
}

bool
check_step(struct check *c, uint32_t events, uint64_t now)
{
	if (!c->running)
		return true;
	if (c->cc.type == CHECK_SCRIPT)
		return script_step(c, now);
	return db_step(c, events, now);
}

const struct check_result *
check_last(const struct check *c)
{
	return &c->last;
}

const struct check_conf *
check_conf(const struct check *c)
{
	return &c->cc;
}

void
check_free(struct check *c)
{
	if (c == NULL)
		return;
	child_abort(&c->ch);
	mdb_free(c->mdb);
	explicit_bzero(c->db.password, sizeof(c->db.password));
	free(c);
}
