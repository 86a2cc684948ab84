/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_types: the plain types the health checks share (what a check is,
 * how to reach the database, what a run found): check.h, mdb.h,
 * check_eval.h and grants.h use them, so each of those can be read, and
 * included, without the others.  No functions.
 */
#ifndef DBVIP_CHECK_TYPES_H
#define DBVIP_CHECK_TYPES_H

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

/* MariaDB's TCP port when none is configured (here and for the peers). */
#define CHECK_DB_PORT	3306

/* How to reach the local database ([mariadb] section). */
struct check_db {
	char socket[108];	/* unix socket path, or "" to use host/port */
	char host[64];		/* numeric address (no name resolution) */
	unsigned port;
	char user[64];
	char password[128];	/* read from password_file; never logged */
	unsigned connect_timeout_s;	/* default 2 */
	/*
	 * TLS for TCP connections (ignored over a unix socket): ssl asks for
	 * it; ssl_ca (a PEM file, "" = none) is the CA that signed the
	 * server's certificate; ssl_cert / ssl_key a client certificate
	 * ("" = none); ssl_verify checks the server certificate against
	 * ssl_ca and the host address.  See mdb.h.
	 */
	bool ssl;
	bool ssl_verify;
	char ssl_ca[256];
	char ssl_cert[256];
	char ssl_key[256];
};

struct check_conf {
	char name[64];
	enum check_type type;
	uint32_t interval_ms;
	uint32_t timeout_ms;
	/* sql */
	char query[512];
	char expect_op;		/* '=', '<', '>'; '\0' = any success */
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
	char msg[256];		/* why it failed, or a short summary;
				   scripts: first line of their output */
	uint32_t latency_us;	/* start -> finish, by the `now` values */
	int db_errno;		/* MariaDB error number, 0 if none */
	/* replication details when known, else -1 */
	long lag_s;
	bool io_running, sql_running;
};

#endif
