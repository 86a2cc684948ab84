/*
 * check: one health check of the local MariaDB / Galera node, or a script,
 * as a non-blocking state machine.  checks/ knows nothing of the agent's
 * loop: after check_start() and every check_step(), check_wait() says which
 * fd to watch for which events and by when to call check_step() again; the
 * agent registers that with its loop.  A run never blocks and is never
 * started twice at once.
 *
 * Each MariaDB check keeps its own connection (libmariadb non-blocking API,
 * MYSQL_OPT_NONBLOCK), reconnecting with back-off; connect, read and write
 * timeouts are always set.  Script checks fork/exec a child in its own
 * process group (PR_SET_PDEATHSIG), watched through a pidfd, killed with
 * TERM then KILL on timeout.
 */
#ifndef DBVIP_CHECK_H
#define DBVIP_CHECK_H

#include <stdbool.h>
#include <stdint.h>

enum check_type {
	CHECK_PING = 0,		/* connect + SELECT 1 */
	CHECK_SQL,		/* query; first column of first row vs expect */
	CHECK_WRITE,		/* upsert a heartbeat row */
	CHECK_REPLICATION,	/* IO/SQL threads running, lag <= max_lag */
	CHECK_GALERA,		/* Primary, Synced, ready, connected, size */
	CHECK_READ_ONLY,	/* @@read_only as expected */
	CHECK_SCRIPT,		/* exit 0 = success */
};

/* How to reach the local database ([mariadb] section). */
struct check_db {
	char socket[108];	/* unix socket path, or "" to use host/port */
	char host[64];		/* numeric address (no name resolution) */
	unsigned port;
	char user[64];
	char password[128];	/* read from password_file; never logged */
	unsigned connect_timeout_s;	/* default 2 */
};

struct check_conf {
	char name[64];
	enum check_type type;
	uint32_t interval_ms;
	uint32_t timeout_ms;
	/* sql */
	char query[512];
	char expect_op;		/* '=', '<', '>' */
	char expect[128];
	/* write */
	char table[128];	/* default dbvip.heartbeat */
	/* replication */
	uint32_t max_lag_s;
	/* galera */
	unsigned min_cluster_size;
	bool allow_donor;
	/* read_only */
	bool expect_read_only;
	/* script */
	char command[512];	/* run with /bin/sh -c */
};

/* Outcome of the last finished run. */
struct check_result {
	bool ok;
	char msg[256];		/* why it failed, or a short summary */
	uint32_t latency_us;
	int db_errno;		/* MariaDB error number, 0 if none */
	/* replication details when known, else -1 */
	long lag_s;
	bool io_running, sql_running;
};

struct check;

/* Create a check (no I/O yet).  db may be NULL for scripts.  NULL on ENOMEM. */
struct check *check_new(const struct check_conf *cc, const struct check_db *db);

/* Close connections, kill a running child (and reap it), free. */
void check_free(struct check *c);

/*
 * Begin a run at now.  Returns 0, or -1 if a run is still in progress (the
 * caller counts this as a missed run; it never starts a second one).
 */
int check_start(struct check *c, uint64_t now);

/* True while a run is in progress. */
bool check_running(const struct check *c);

/*
 * What the running check waits for: *fd (or -1), *events (EPOLLIN/EPOLLOUT)
 * and *deadline (absolute µs, 0 = none).  Valid after start/step.
 */
void check_wait(const struct check *c, int *fd, uint32_t *events,
    uint64_t *deadline);

/*
 * Make progress: events that fired on the fd (0 if called for the deadline).
 * Returns true when the run has finished and check_last() holds its result.
 */
bool check_step(struct check *c, uint32_t events, uint64_t now);

const struct check_result *check_last(const struct check *c);

const struct check_conf *check_conf(const struct check *c);

/* "ping", "sql", ... ; and the reverse (-1 if unknown). */
const char *check_type_name(enum check_type t);
int check_type_parse(const char *s);

#endif
