/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_eval: the pure parts of the health checks.  Strings in (values as
 * the server sent them, NULL for SQL NULL), a verdict and a message out.
 * No I/O, no clock: the unit tests drive these directly.
 */
#ifndef DBVIP_CHECK_EVAL_H
#define DBVIP_CHECK_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check_types.h"

/*
 * Compare got with expect by op ('=', '<', '>').  When both parse as
 * decimal numbers ([+-]digits[.digits][e[+-]digits], surrounding blanks
 * allowed) they are compared as numbers (as 64-bit integers when both are
 * integers, so large counters compare exactly); otherwise only '=' is
 * allowed and compares the strings exactly.  got NULL (SQL NULL) fails.
 * Returns true on a match; msg always gets a short explanation.
 */
bool check_eval_compare(const char *got, char op, const char *expect,
    char *msg, size_t len);

/* True if s is a decimal number in the sense above. */
bool check_eval_is_number(const char *s);

/* The SHOW SLAVE STATUS columns the replication check reads. */
struct check_repl_row {
	const char *io_running;		/* Slave_IO_Running: Yes/No/Connecting */
	const char *sql_running;	/* Slave_SQL_Running: Yes/No */
	const char *seconds_behind;	/* Seconds_Behind_Master, may be NULL */
	const char *last_io_errno;	/* Last_IO_Errno */
	const char *last_io_error;	/* Last_IO_Error */
	const char *last_sql_errno;	/* Last_SQL_Errno */
	const char *last_sql_error;	/* Last_SQL_Error */
	/* Where the IO thread has read to and the SQL thread applied to, in
	   the primary's binlog; NULL when unknown. */
	const char *master_log_file;	/* Master_Log_File */
	const char *read_master_log_pos; /* Read_Master_Log_Pos */
	const char *relay_master_log_file; /* Relay_Master_Log_File */
	const char *exec_master_log_pos; /* Exec_Master_Log_Pos */
};

/*
 * Judge one SHOW SLAVE STATUS row; row NULL means the statement returned
 * no rows (not a replica), which passes.  Passes when both threads say
 * "Yes" and Seconds_Behind_Master is a number <= max_lag_s (NULL fails).
 * Also passes when the primary is unreachable but the replica itself is
 * sound: IO thread "Connecting", SQL thread "Yes" without an SQL error,
 * and everything the IO thread received applied (Relay_Master_Log_File /
 * Exec_Master_Log_Pos equal Master_Log_File / Read_Master_Log_Pos; unknown
 * positions fail).  Without this, every replica fails the moment the
 * primary dies, a replica with stopped replication then ranks like a
 * healthy one, and negative weights can no longer keep it from winning.
 * Lag is unknown (-1) then; the message says "primary unreachable".
 * Sets res->ok, msg (with Last_IO_Error / Last_SQL_Error when set),
 * lag_s (-1 if unknown), io_running and sql_running; nothing else.
 */
void check_eval_replication(const struct check_repl_row *row,
    uint32_t max_lag_s, struct check_result *res);

/* The wsrep status variables the Galera check reads (NULL if absent). */
struct check_galera_status {
	const char *cluster_status;	/* wsrep_cluster_status: Primary */
	const char *local_state;	/* wsrep_local_state: 4 Synced, 2 Donor */
	const char *ready;		/* wsrep_ready: ON */
	const char *connected;		/* wsrep_connected: ON */
	const char *cluster_size;	/* wsrep_cluster_size */
};

/*
 * Passes when the node is in the Primary component, Synced (or Donor/
 * Desynced, state 2, if allow_donor), ready, connected and the cluster
 * has at least min_cluster_size members (0 counts as 1).  Sets res->ok
 * and res->msg (every failed condition is named).
 */
void check_eval_galera(const struct check_galera_status *g,
    unsigned min_cluster_size, bool allow_donor, struct check_result *res);

/*
 * Split a "db.table" or "table" name (database "dbvip" by default) into
 * its parts.  Each part is 1-64 characters of [A-Za-z0-9_$]; returns 0, or
 * -1 if the name is not of that form (so it can be back-quoted safely).
 */
int check_eval_table(const char *name, char *db, size_t dblen, char *tbl,
    size_t tbllen);

/*
 * Replace every occurrence of secret (if not empty) in the string msg (of
 * size bytes) with "***", truncating if that makes it longer.
 */
void check_eval_scrub(char *msg, size_t size, const char *secret);

#endif
