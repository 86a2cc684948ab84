/* SPDX-License-Identifier: Apache-2.0 */
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
 *
 * Every run ends by its deadline (start + timeout_ms): a server that stops
 * answering fails the run then, and its connection is dropped and made
 * again by a later run.  A script that ignores SIGTERM is SIGKILLed
 * CHECK_KILL_GRACE_MS later, so a script run ends by timeout_ms + grace.
 * The password never appears in a result message.
 */
#ifndef DBVIP_CHECK_H
#define DBVIP_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check_types.h"

#define CHECK_KILL_GRACE_MS	1000	/* SIGTERM -> SIGKILL for scripts;
					   the same as CHILD_KILL_GRACE_MS */

struct check;

/*
 * Check cc (and db, NULL if there is none) for what check_new() needs: a
 * known type, timeout_ms > 0, a query (sql; expect_op '\0' = any success,
 * '<' / '>' need a numeric expect), a table of [db.]name (write), a command
 * (script), and for database checks a db whose host is numeric unless a
 * socket is set.  Returns 0, or -1 with a reason in err (for file:line
 * config errors).
 */
int check_validate(const struct check_conf *cc, const struct check_db *db,
    char *err, size_t len);

/*
 * Create a check (no I/O yet); cc and db are copied.  db may be NULL for
 * scripts.  NULL with errno EINVAL if check_validate() fails, ENOMEM.
 */
struct check *check_new(const struct check_conf *cc, const struct check_db *db);

/*
 * Close connections, kill a running child's process group with SIGKILL and
 * reap it (waits at most CHECK_KILL_GRACE_MS for that), free.
 */
void check_free(struct check *c);

/*
 * Begin a run at now.  Returns 0, or -1 if a run is still in progress, or
 * a script child of an earlier run survived SIGKILL and is not reaped yet
 * (the caller counts this as a missed run; it never starts a second one).
 * A run may finish inside check_start() (a failed connect during the
 * reconnect back-off, fork failure): if check_running() is false right
 * after it, check_last() already holds the result.
 */
int check_start(struct check *c, uint64_t now);

/*
 * Between runs, the socket of the check's open database connection (-1 if
 * none, or a script).  Watch it for EPOLLIN: it turns readable only when
 * the server closed the connection, so a killed mariadbd is noticed at
 * once instead of at the next interval.  Then call check_disconnect() and
 * start a run: it reconnects, and fails at once if the server is gone.
 */
int check_idle_fd(const struct check *c);
void check_disconnect(struct check *c);

/* True while a run is in progress. */
bool check_running(const struct check *c);

/*
 * What the running check waits for: *fd (or -1), *events (EPOLLIN/EPOLLOUT/
 * EPOLLPRI) and *deadline (absolute µs; always set while running, never
 * later than the run's own deadline).  Valid after start/step.
 *
 * The fd changes between calls: a database check's fd is closed and a new
 * one (possibly under the same number) opened inside check_step() when it
 * reconnects, so stop watching the old fd *before* calling check_step()
 * and watch what check_wait() says after it.  For a script check the fd is
 * a private epoll set holding the child's pidfd and its output pipe: it
 * polls EPOLLIN when the child exits or writes.
 */
void check_wait(const struct check *c, int *fd, uint32_t *events,
    uint64_t *deadline);

/*
 * Make progress: events that fired on the fd (0 if called for the deadline).
 * Returns true when the run has finished and check_last() holds its result
 * (also when no run is in progress).  now is the loop's cached clock.
 */
bool check_step(struct check *c, uint32_t events, uint64_t now);

const struct check_result *check_last(const struct check *c);

const struct check_conf *check_conf(const struct check *c);

/* "ping", "sql", ... ; and the reverse (-1 if unknown). */
const char *check_type_name(enum check_type t);
int check_type_parse(const char *s);

#endif
