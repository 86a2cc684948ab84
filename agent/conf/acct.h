/* SPDX-License-Identifier: Apache-2.0 */
/*
 * acct: do the configured database accounts hold the grants their jobs
 * need?  Connects (blocking, each connection bounded by connect_timeout,
 * at most limit_s) and reads SHOW GRANTS; checks/grants.c decides.  Only
 * for `dbvipd -t` and start-up, before the loop runs.
 *
 * Accounts and needs (README "Database accounts"):
 *   the check user ([mariadb] user): per check, replication SLAVE MONITOR,
 *     write CREATE, INSERT, UPDATE on its table's database; it should not
 *     hold READ_ONLY ADMIN, SUPER or ALL PRIVILEGES (a warning);
 *   the admin user (role = replication; the check user if admin_user is
 *     not set): READ_ONLY ADMIN, REPLICATION SLAVE ADMIN, SLAVE MONITOR,
 *     BINLOG MONITOR, CONNECTION ADMIN, PROCESS, RELOAD;
 *   the repl user on every db_peer (role = replication, only with peers):
 *     REPLICATION SLAVE, SLAVE MONITOR.
 * A missing grant is an error naming the account, the server and the
 * privileges; an account that cannot log in (access denied, plugin or TLS
 * refused) is an error; a server that cannot be reached (2002, 2003, 2006,
 * 2013, no answer) is a warning naming it.
 */
#ifndef DBVIP_ACCT_H
#define DBVIP_ACCT_H

#include <stdbool.h>

#include "conf.h"

/*
 * Check c's accounts; peers: also the repl user on each db_peer.  Each
 * finding goes to emit (error set for errors).  Returns the number of
 * errors.
 */
int acct_check(const struct conf *c, bool peers, unsigned limit_s,
    void (*emit)(void *arg, bool error, const char *msg), void *arg);

#endif
