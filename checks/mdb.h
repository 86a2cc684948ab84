/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdb: one asynchronous MariaDB connection over libmariadb's non-blocking
 * API (MYSQL_OPT_NONBLOCK, *_start / *_cont).  Nothing here blocks: a query
 * is started with mdb_query_start(), mdb_wait() says which fd to watch for
 * which events and by when, and mdb_step() makes progress until it returns
 * MDB_OK or MDB_ERR.  The connection is opened on demand by the first query
 * and kept between queries.
 *
 * Connect, read and write timeouts are always set, so even a wait the caller
 * forgets to bound ends.  After a failed connect the next attempt waits an
 * exponential back-off (MDB_BACKOFF_MIN_MS doubling to MDB_BACKOFF_MAX_MS);
 * a query started during the back-off fails at once with the last connect
 * error.  A client-side error on an open connection (2000-2999: gone, lost,
 * timed out) closes it; the next query reconnects immediately, and only a
 * failed reconnect starts the back-off.  Server errors (1xxx) keep it.
 *
 * The password is handed to libmariadb only; it never appears in an error
 * message produced here.
 */
#ifndef DBVIP_MDB_H
#define DBVIP_MDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check_types.h"

/*
 * A TCP connection (db->host set, no socket) may leave the host, so it
 * allows only the authentication plugins in MDB_REMOTE_AUTH
 * (MARIADB_OPT_RESTRICTED_AUTH): a server asking for another one, such as
 * mysql_clear_password or dialog, fails the connect with 5010
 * (CR_PLUGIN_NOT_ALLOWED) before the password is sent.  With db->ssl the
 * connection needs TLS (2026 CR_SSL_CONNECTION_ERROR if the server does not
 * offer it), trusts db->ssl_ca, presents ssl_cert / ssl_key if given and
 * checks the server certificate (CA and host address) when ssl_verify is
 * set.  A unix socket connection uses neither.
 */
#define MDB_REMOTE_AUTH		"mysql_native_password,client_ed25519"

#define MDB_BACKOFF_MIN_MS	100
#define MDB_BACKOFF_MAX_MS	5000

enum mdb_rc {
	MDB_WAIT = 0,	/* in progress: watch mdb_wait(), call mdb_step() */
	MDB_OK,		/* done; the result (if any) is readable */
	MDB_ERR,	/* failed; mdb_errno() / mdb_error() say why */
};

struct mdb;

/*
 * A closed connection to db (copied; the caller may free db).  io_timeout_s
 * is the read and write timeout handed to libmariadb (at least 1).  NULL on
 * ENOMEM.
 */
struct mdb *mdb_new(const struct check_db *db, unsigned io_timeout_s);

/*
 * Cap the reconnect back-off at max_ms instead of MDB_BACKOFF_MAX_MS: the
 * database role must reach a server that comes back (a thawed former
 * master to fence) within a fraction of a second.
 */
void mdb_set_backoff_max(struct mdb *m, unsigned max_ms);

/* Drop the connection (without waiting for the server) and free. */
void mdb_free(struct mdb *m);

/*
 * Send sql (copied) at now, connecting first if needed.  The previous
 * result is freed.  Returns MDB_WAIT, or MDB_OK / MDB_ERR if it finished at
 * once (an error during a back-off, or a reply already buffered).  A query
 * must not be started while another is in progress (MDB_ERR, "busy").
 */
enum mdb_rc mdb_query_start(struct mdb *m, const char *sql, uint64_t now);

/*
 * Continue the query in progress.  events are the EPOLL* bits that fired on
 * mdb_wait()'s fd (0 when called for the deadline).  The fd may be closed
 * and another opened (possibly under the same number) inside this call, so
 * the caller stops watching the old fd before calling it.
 */
enum mdb_rc mdb_step(struct mdb *m, uint32_t events, uint64_t now);

/*
 * What the query in progress waits for: *fd (-1 if none), *events
 * (EPOLLIN / EPOLLOUT / EPOLLPRI), *deadline (absolute µs of libmariadb's
 * own timeout, 0 if none).
 */
void mdb_wait(const struct mdb *m, int *fd, uint32_t *events,
    uint64_t *deadline);

/*
 * Give up on the query in progress (the caller's deadline passed) and drop
 * the connection without waiting for the server.  A connect given up this
 * way counts as a failed connect (back-off).  mdb_errno() becomes 2013
 * (CR_SERVER_LOST) with why as the message.  No-op when idle.
 */
void mdb_abort(struct mdb *m, const char *why, uint64_t now);

/*
 * The socket of an open connection with no query in progress, or -1.  The
 * server sends nothing on an idle connection, so the socket turns readable
 * only when the server closed it (killed, restarted, wait_timeout).
 */
int mdb_idle_fd(const struct mdb *m);

/* Drop an idle connection (no-op while a query runs); the next query
 * connects anew. */
void mdb_disconnect(struct mdb *m);

bool mdb_busy(const struct mdb *m);
bool mdb_connected(const struct mdb *m);

/* Error of the last query (0 / "" after success). */
unsigned mdb_errno(const struct mdb *m);
const char *mdb_error(const struct mdb *m);

/*
 * The last result set, valid until the next mdb_query_start() or
 * mdb_free().  Values are strings as the server sent them; SQL NULL is a
 * NULL pointer.  A statement without a result set has 0 rows and 0 columns.
 */
size_t mdb_nrows(const struct mdb *m);
unsigned mdb_ncols(const struct mdb *m);
const char *mdb_col_name(const struct mdb *m, unsigned col);
/* Column index by name (case-insensitive), or -1. */
int mdb_col_index(const struct mdb *m, const char *name);
/* Value at row/col; NULL for SQL NULL or out of range. */
const char *mdb_value(const struct mdb *m, size_t row, unsigned col);
/* Value at row in the column called name; NULL if NULL or no such column. */
const char *mdb_get(const struct mdb *m, size_t row, const char *name);

#endif
