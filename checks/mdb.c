/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mdb: one asynchronous MariaDB connection.  See mdb.h for the contract.
 *
 * libmariadb's non-blocking calls run the blocking code on a private stack
 * and yield whenever it would wait: *_start() / *_cont() return the
 * MYSQL_WAIT_* bits it waits for (0 when done), and we hand it back what
 * happened.  A query is a chain of up to three such calls: connect (only if
 * not connected), real_query, store_result.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>

#include <mysql.h>
#include <errmsg.h>

#include "mdb.h"

enum mdb_state {
	MDB_ST_IDLE = 0,
	MDB_ST_CONNECT,
	MDB_ST_QUERY,
	MDB_ST_STORE,
};

struct mdb {
	struct check_db db;
	unsigned io_timeout_s;

	MYSQL *my;			/* NULL while closed */
	bool connected;
	enum mdb_state st;
	int wait;			/* MYSQL_WAIT_* the suspended call wants */
	uint64_t lib_deadline;		/* when MYSQL_WAIT_TIMEOUT is due, or 0 */
	char *sql;

	/* Outputs of the suspended calls. */
	MYSQL *conn_ret;
	int query_ret;

	/* Reconnect back-off after failed connects. */
	unsigned backoff_ms;
	unsigned backoff_max_ms;	/* MDB_BACKOFF_MAX_MS unless set */
	uint64_t retry_at;
	unsigned conn_errno;
	char conn_error[200];

	MYSQL_RES *res;
	MYSQL_ROW *rows;
	size_t nrows;
	unsigned ncols;
	MYSQL_FIELD *fields;

	unsigned err;
	char error[256];
};

struct mdb *
mdb_new(const struct check_db *db, unsigned io_timeout_s)
{
	struct mdb *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->db = *db;
	if (m->db.connect_timeout_s == 0)
		m->db.connect_timeout_s = 2;
	m->io_timeout_s = io_timeout_s ? io_timeout_s : 1;
	m->backoff_max_ms = MDB_BACKOFF_MAX_MS;
	return m;
}

void
mdb_set_backoff_max(struct mdb *m, unsigned max_ms)
{
	m->backoff_max_ms = max_ms > 0 ? max_ms : 1;
}

static void
mdb_free_result(struct mdb *m)
{
	if (m->res != NULL)
		mysql_free_result(m->res);
	free(m->rows);
	m->res = NULL;
	m->rows = NULL;
	m->nrows = 0;
	m->ncols = 0;
	m->fields = NULL;
}

/*
 * Close without a round trip: mysql_close() only writes COM_QUIT (no reply
 * is awaited), and not even that once the library has ended the connection
 * after an I/O error.
 */
static void
mdb_close(struct mdb *m)
{
	if (m->my != NULL)
		mysql_close(m->my);
	m->my = NULL;
	m->connected = false;
	m->st = MDB_ST_IDLE;
	m->wait = 0;
	m->lib_deadline = 0;
}

void
mdb_free(struct mdb *m)
{
	if (m == NULL)
		return;
	if (m->st != MDB_ST_IDLE)
		mdb_abort(m, "closing", 0);
	mdb_free_result(m);
	mdb_close(m);
	free(m->sql);
	explicit_bzero(m->db.password, sizeof(m->db.password));
	free(m);
}

static void
mdb_set_error(struct mdb *m, unsigned err, const char *msg)
{
	m->err = err;
	snprintf(m->error, sizeof(m->error), "%s", msg);
}

/* A connect failed (or was given up): close, remember why, back off. */
static enum mdb_rc
mdb_connect_failed(struct mdb *m, unsigned err, const char *why, uint64_t now)
{
	mdb_close(m);
	if (m->backoff_ms == 0)
		m->backoff_ms = MDB_BACKOFF_MIN_MS < m->backoff_max_ms ?
		    MDB_BACKOFF_MIN_MS : m->backoff_max_ms;
	else if (m->backoff_ms < m->backoff_max_ms / 2)
		m->backoff_ms *= 2;
	else
		m->backoff_ms = m->backoff_max_ms;
	m->retry_at = now + (uint64_t)m->backoff_ms * 1000;
	m->conn_errno = err;
	snprintf(m->conn_error, sizeof(m->conn_error), "%s", why);
	m->err = err;
	snprintf(m->error, sizeof(m->error), "connect failed: %s", why);
	return MDB_ERR;
}

/*
 * A query failed.  A client-side error means the connection is gone or in
 * an unknown state: drop it so the next query starts clean.
 */
static enum mdb_rc
mdb_query_failed(struct mdb *m)
{
	mdb_set_error(m, mysql_errno(m->my), mysql_error(m->my));
	m->st = MDB_ST_IDLE;
	if (m->err >= CR_MIN_ERROR && m->err <= CR_MAX_ERROR)
		mdb_close(m);
	return MDB_ERR;
}

static enum mdb_rc
mdb_collect(struct mdb *m)
{
	size_t i;

	m->nrows = mysql_num_rows(m->res);
	m->ncols = mysql_num_fields(m->res);
	m->fields = mysql_fetch_fields(m->res);
	if (m->nrows > 0 &&
	    (m->rows = calloc(m->nrows, sizeof(*m->rows))) == NULL) {
		mdb_free_result(m);
		mdb_set_error(m, CR_OUT_OF_MEMORY, "out of memory");
		m->st = MDB_ST_IDLE;
		return MDB_ERR;
	}
	/* A stored result is in memory: fetching does no I/O. */
	for (i = 0; i < m->nrows; i++)
		m->rows[i] = mysql_fetch_row(m->res);
	m->st = MDB_ST_IDLE;
	return MDB_OK;
}

/*
 * Drive the chain forward from the status the last *_start/_cont call
 * returned, starting the next call whenever one completes.
 */
static enum mdb_rc
mdb_advance(struct mdb *m, int status, uint64_t now)
{
	for (;;) {
		if (status != 0) {
			m->wait = status;
			m->lib_deadline = 0;
			if (status & MYSQL_WAIT_TIMEOUT)
				m->lib_deadline = now +
				    (uint64_t)mysql_get_timeout_value_ms(m->my) *
				    1000;
			return MDB_WAIT;
		}
		m->wait = 0;
		m->lib_deadline = 0;
		switch (m->st) {
		case MDB_ST_CONNECT:
			if (m->conn_ret == NULL) {
				char why[200];

				snprintf(why, sizeof(why), "%s",
				    mysql_error(m->my));
				return mdb_connect_failed(m, mysql_errno(m->my),
				    why, now);
			}
			m->connected = true;
			m->backoff_ms = 0;
			m->retry_at = 0;
			m->st = MDB_ST_QUERY;
			status = mysql_real_query_start(&m->query_ret, m->my,
			    m->sql, strlen(m->sql));
			break;
		case MDB_ST_QUERY:
			if (m->query_ret != 0)
				return mdb_query_failed(m);
			if (mysql_field_count(m->my) == 0) {
				m->st = MDB_ST_IDLE;
				return MDB_OK;
			}
			m->st = MDB_ST_STORE;
			status = mysql_store_result_start(&m->res, m->my);
			break;
		case MDB_ST_STORE:
			if (m->res == NULL)
				return mdb_query_failed(m);
			return mdb_collect(m);
		case MDB_ST_IDLE:
		default:
			mdb_set_error(m, CR_UNKNOWN_ERROR,
			    "bug: advance while idle");
			return MDB_ERR;
		}
	}
}

/*
 * Options of a connection that leaves the host.  MARIADB_OPT_RESTRICTED_AUTH
 * makes libmariadb refuse (CR_PLUGIN_NOT_ALLOWED) any authentication plugin
 * the server asks for that is not in the list, so a host posing as a peer
 * cannot ask for mysql_clear_password or dialog and read the password.  It
 * matches the client plugin name the server names with strstr(), so the
 * list holds client plugin names (client_ed25519, not ed25519).
 * caching_sha2_password and sha256_password are left out: both send the
 * password in clear over TLS to whoever holds the connection.
 */
static int
mdb_remote_options(struct mdb *m)
{
	my_bool yes = 1, verify = m->db.ssl_verify ? 1 : 0;

	if (mysql_optionsv(m->my, MARIADB_OPT_RESTRICTED_AUTH,
	    MDB_REMOTE_AUTH) != 0)
		return -1;
	if (!m->db.ssl)
		return 0;
	/* SSL_ENFORCE: fail (2026) rather than talk to a server without TLS. */
	if (mysql_optionsv(m->my, MYSQL_OPT_SSL_ENFORCE, &yes) != 0 ||
	    mysql_optionsv(m->my, MYSQL_OPT_SSL_VERIFY_SERVER_CERT,
	    &verify) != 0)
		return -1;
	if (m->db.ssl_ca[0] != '\0' &&
	    mysql_optionsv(m->my, MYSQL_OPT_SSL_CA, m->db.ssl_ca) != 0)
		return -1;
	if (m->db.ssl_cert[0] != '\0' &&
	    mysql_optionsv(m->my, MYSQL_OPT_SSL_CERT, m->db.ssl_cert) != 0)
		return -1;
	if (m->db.ssl_key[0] != '\0' &&
	    mysql_optionsv(m->my, MYSQL_OPT_SSL_KEY, m->db.ssl_key) != 0)
		return -1;
	return 0;
}

static enum mdb_rc
mdb_open(struct mdb *m, uint64_t now)
{
	unsigned proto, ct = m->db.connect_timeout_s, io = m->io_timeout_s;
	const char *host, *sock;
	int status;

	if ((m->my = mysql_init(NULL)) == NULL)
		return mdb_connect_failed(m, CR_OUT_OF_MEMORY, "out of memory",
		    now);
	if (m->db.socket[0] != '\0') {
		proto = MYSQL_PROTOCOL_SOCKET;
		host = "localhost";
		sock = m->db.socket;
	} else {
		proto = MYSQL_PROTOCOL_TCP;
		host = m->db.host;
		sock = NULL;
	}
	/*
	 * Without these timeouts a wait on a stopped server never ends; our
	 * caller's deadline is normally shorter, they are the backstop.
	 */
	if (mysql_options(m->my, MYSQL_OPT_NONBLOCK, 0) != 0 ||
	    mysql_options(m->my, MYSQL_OPT_CONNECT_TIMEOUT, &ct) != 0 ||
	    mysql_options(m->my, MYSQL_OPT_READ_TIMEOUT, &io) != 0 ||
	    mysql_options(m->my, MYSQL_OPT_WRITE_TIMEOUT, &io) != 0 ||
	    mysql_options(m->my, MYSQL_OPT_PROTOCOL, &proto) != 0 ||
	    (proto == MYSQL_PROTOCOL_TCP && mdb_remote_options(m) != 0))
		return mdb_connect_failed(m, CR_UNKNOWN_ERROR,
		    "cannot set connection options", now);
	m->st = MDB_ST_CONNECT;
	m->conn_ret = NULL;
	status = mysql_real_connect_start(&m->conn_ret, m->my, host,
	    m->db.user, m->db.password, NULL, m->db.port, sock, 0);
	return mdb_advance(m, status, now);
}

enum mdb_rc
mdb_query_start(struct mdb *m, const char *sql, uint64_t now)
{
	char *copy;

	if (m->st != MDB_ST_IDLE) {
		mdb_set_error(m, CR_COMMANDS_OUT_OF_SYNC,
		    "busy: a query is in progress");
		return MDB_ERR;
	}
	mdb_free_result(m);
	m->err = 0;
	m->error[0] = '\0';
	if ((copy = strdup(sql)) == NULL) {
		mdb_set_error(m, CR_OUT_OF_MEMORY, "out of memory");
		return MDB_ERR;
	}
	free(m->sql);
	m->sql = copy;
	if (!m->connected) {
		if (m->my != NULL)
			mdb_close(m);
		if (now < m->retry_at) {
			m->err = m->conn_errno;
			snprintf(m->error, sizeof(m->error),
			    "not connected: %s (next connect in %llu ms)",
			    m->conn_error,
			    (unsigned long long)(m->retry_at - now + 999) /
			    1000);
			return MDB_ERR;
		}
		return mdb_open(m, now);
	}
	m->st = MDB_ST_QUERY;
	return mdb_advance(m, mysql_real_query_start(&m->query_ret, m->my,
	    m->sql, strlen(m->sql)), now);
}

/* Hand ready (MYSQL_WAIT_* bits) to the suspended call. */
static int
mdb_cont(struct mdb *m, int ready)
{
	switch (m->st) {
	case MDB_ST_CONNECT:
		return mysql_real_connect_cont(&m->conn_ret, m->my, ready);
	case MDB_ST_QUERY:
		return mysql_real_query_cont(&m->query_ret, m->my, ready);
	case MDB_ST_STORE:
		return mysql_store_result_cont(&m->res, m->my, ready);
	case MDB_ST_IDLE:
	default:
		return 0;
	}
}

enum mdb_rc
mdb_step(struct mdb *m, uint32_t events, uint64_t now)
{
	int ready = 0;

	if (m->st == MDB_ST_IDLE)
		return m->err ? MDB_ERR : MDB_OK;
	/* An error or hang-up is read (or written) to learn what it was. */
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP))
		ready |= MYSQL_WAIT_READ;
	if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
		ready |= MYSQL_WAIT_WRITE;
	if (events & EPOLLPRI)
		ready |= MYSQL_WAIT_EXCEPT;
	ready &= m->wait;
	if (ready == 0 && m->lib_deadline != 0 && now >= m->lib_deadline)
		ready = MYSQL_WAIT_TIMEOUT;
	if (ready == 0)
		return MDB_WAIT;
	return mdb_advance(m, mdb_cont(m, ready), now);
}

void
mdb_wait(const struct mdb *m, int *fd, uint32_t *events, uint64_t *deadline)
{
	*fd = -1;
	*events = 0;
	*deadline = 0;
	if (m->st == MDB_ST_IDLE || m->my == NULL)
		return;
	if (m->wait & (MYSQL_WAIT_READ | MYSQL_WAIT_WRITE | MYSQL_WAIT_EXCEPT))
		*fd = mysql_get_socket(m->my);
	if (m->wait & MYSQL_WAIT_READ)
		*events |= EPOLLIN;
	if (m->wait & MYSQL_WAIT_WRITE)
		*events |= EPOLLOUT;
	if (m->wait & MYSQL_WAIT_EXCEPT)
		*events |= EPOLLPRI;
	*deadline = m->lib_deadline;
}

void
mdb_abort(struct mdb *m, const char *why, uint64_t now)
{
	enum mdb_state st = m->st;
	int i, status;

	if (st == MDB_ST_IDLE)
		return;
	/*
	 * Tell the suspended call its wait timed out so it unwinds off its
	 * private stack (it then ends the connection itself); a few rounds
	 * bound a call that would try again.
	 */
	status = m->wait;
	for (i = 0; i < 4 && status != 0; i++)
		status = mdb_cont(m, MYSQL_WAIT_TIMEOUT);
	if (st == MDB_ST_STORE && m->res != NULL) {
		mysql_free_result(m->res);
		m->res = NULL;
	}
	if (st == MDB_ST_CONNECT) {
		mdb_connect_failed(m, CR_SERVER_LOST, why, now);
		return;
	}
	mdb_close(m);
	mdb_set_error(m, CR_SERVER_LOST, why);
}

bool
mdb_busy(const struct mdb *m)
{
	return m->st != MDB_ST_IDLE;
}

int
mdb_idle_fd(const struct mdb *m)
{
	if (m->st != MDB_ST_IDLE || !m->connected || m->my == NULL)
		return -1;
	return mysql_get_socket(m->my);
}

void
mdb_disconnect(struct mdb *m)
{
	if (m->st == MDB_ST_IDLE)
		mdb_close(m);
}

bool
mdb_connected(const struct mdb *m)
{
	return m->connected;
}

unsigned
mdb_errno(const struct mdb *m)
{
	return m->err;
}

const char *
mdb_error(const struct mdb *m)
{
	return m->error;
}

size_t
mdb_nrows(const struct mdb *m)
{
	return m->nrows;
}

unsigned
mdb_ncols(const struct mdb *m)
{
	return m->ncols;
}

const char *
mdb_col_name(const struct mdb *m, unsigned col)
{
	if (col >= m->ncols || m->fields == NULL)
		return NULL;
	return m->fields[col].name;
}

int
mdb_col_index(const struct mdb *m, const char *name)
{
	unsigned i;

	for (i = 0; i < m->ncols && m->fields != NULL; i++)
		if (strcasecmp(m->fields[i].name, name) == 0)
			return (int)i;
	return -1;
}

const char *
mdb_value(const struct mdb *m, size_t row, unsigned col)
{
	if (row >= m->nrows || col >= m->ncols || m->rows[row] == NULL)
		return NULL;
	return m->rows[row][col];
}

const char *
mdb_get(const struct mdb *m, size_t row, const char *name)
{
	int col = mdb_col_index(m, name);

	return col < 0 ? NULL : mdb_value(m, row, (unsigned)col);
}

