/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_eval: pure verdicts for the health checks.  See check_eval.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_eval.h"

/* Skip blanks; the server and config files both pad numbers now and then. */
static const char *
skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/*
 * Parse the number grammar of check_eval_compare() by hand: strtod() alone
 * would also take "nan", "inf" and hex floats.  *integer says whether it had
 * neither a fraction nor an exponent.
 */
static bool
parse_number(const char *s, bool *integer)
{
	bool digits = false;

	*integer = true;
	s = skip_blanks(s);
	if (*s == '+' || *s == '-')
		s++;
	while (isdigit((unsigned char)*s)) {
		s++;
		digits = true;
	}
	if (*s == '.') {
		*integer = false;
		s++;
		while (isdigit((unsigned char)*s)) {
			s++;
			digits = true;
		}
	}
	if (!digits)
		return false;
	if (*s == 'e' || *s == 'E') {
		*integer = false;
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s))
			s++;
	}
	s = skip_blanks(s);
	return *s == '\0';
}

bool
check_eval_is_number(const char *s)
{
	bool integer;

	return s != NULL && parse_number(s, &integer);
}

/* -1, 0, 1 as a is below, equal to, above b; both are valid numbers. */
static int
compare_numbers(const char *a, bool aint, const char *b, bool bint)
{
	long long la, lb;
	double da, db;

	if (aint && bint) {
		errno = 0;
		la = strtoll(a, NULL, 10);
		if (errno == 0) {
			lb = strtoll(b, NULL, 10);
			if (errno == 0)
				return (la > lb) - (la < lb);
		}
	}
	da = strtod(a, NULL);
	db = strtod(b, NULL);
	return (da > db) - (da < db);
}

bool
check_eval_compare(const char *got, char op, const char *expect, char *msg,
    size_t len)
{
	bool gint, eint, ok;
	int cmp;

	if (op != '=' && op != '<' && op != '>') {
		snprintf(msg, len, "bad operator '%c'", op ? op : '?');
		return false;
	}
	if (got == NULL) {
		snprintf(msg, len, "got NULL, want %c %s", op, expect);
		return false;
	}
	if (parse_number(got, &gint) && parse_number(expect, &eint)) {
		cmp = compare_numbers(got, gint, expect, eint);
		ok = op == '=' ? cmp == 0 : op == '<' ? cmp < 0 : cmp > 0;
	} else if (op == '=') {
		ok = strcmp(got, expect) == 0;
	} else {
		snprintf(msg, len, "got '%.100s', want %c %.100s (not numeric)",
		    got, op, expect);
		return false;
	}
	snprintf(msg, len, "got %.100s, %s %c %.100s", got,
	    ok ? "is" : "want", op, expect);
	return ok;
}

/* Append ", "-separated text to msg (bounded; truncation is fine). */
static void
msg_add(char *msg, size_t len, const char *text)
{
	size_t n = strlen(msg), t;

	if (n > 0 && n + 2 < len) {
		memcpy(msg + n, "; ", 2);
		n += 2;
	}
	if (n + 1 >= len)
		return;
	t = strlen(text);
	if (t > len - n - 1)
		t = len - n - 1;
	memcpy(msg + n, text, t);
	msg[n + t] = '\0';
}

static bool
is_yes(const char *s)
{
	return s != NULL && strcmp(s, "Yes") == 0;
}

/* A Last_*_Errno of "0" or absent means no error to report. */
static bool
has_error(const char *err_no, const char *error)
{
	return (err_no != NULL && strcmp(err_no, "0") != 0 &&
	    err_no[0] != '\0') || (error != NULL && error[0] != '\0');
}

static bool
same_str(const char *a, const char *b)
{
	return a != NULL && b != NULL && a[0] != '\0' && strcmp(a, b) == 0;
}

/*
 * The primary is gone (the IO thread keeps reconnecting) but this replica
 * applied all it received: as fresh as any replica can now be.
 */
static bool
primary_unreachable_applied(const struct check_repl_row *row, bool sql_ok)
{
	return row->io_running != NULL &&
	    strcmp(row->io_running, "Connecting") == 0 && sql_ok &&
	    same_str(row->master_log_file, row->relay_master_log_file) &&
	    same_str(row->read_master_log_pos, row->exec_master_log_pos);
}

void
check_eval_replication(const struct check_repl_row *row, uint32_t max_lag_s,
    struct check_result *res)
{
	char part[256];
	bool lag_ok = false, integer, sql_error, unreachable;

	res->msg[0] = '\0';
	res->lag_s = -1;
	res->io_running = false;
	res->sql_running = false;
	if (row == NULL) {
		res->ok = true;
		snprintf(res->msg, sizeof(res->msg), "not a replica");
		return;
	}
	res->io_running = is_yes(row->io_running);
	res->sql_running = is_yes(row->sql_running);
	if (row->seconds_behind != NULL &&
	    parse_number(row->seconds_behind, &integer) && integer) {
		res->lag_s = strtol(row->seconds_behind, NULL, 10);
		lag_ok = res->lag_s >= 0 && (unsigned long)res->lag_s <=
		    max_lag_s;
	}
	sql_error = has_error(row->last_sql_errno, row->last_sql_error);
	unreachable = primary_unreachable_applied(row,
	    res->sql_running && !sql_error);
	if (unreachable) {
		msg_add(res->msg, sizeof(res->msg), "primary unreachable "
		    "(IO thread Connecting), all received events applied");
	} else if (!res->io_running) {
		snprintf(part, sizeof(part), "IO thread %s",
		    row->io_running ? row->io_running : "unknown");
		msg_add(res->msg, sizeof(res->msg), part);
	}
	if (!res->sql_running) {
		snprintf(part, sizeof(part), "SQL thread %s",
		    row->sql_running ? row->sql_running : "unknown");
		msg_add(res->msg, sizeof(res->msg), part);
	}
	if (res->lag_s < 0) {
		if (!unreachable)
			msg_add(res->msg, sizeof(res->msg),
			    "lag unknown (NULL)");
	} else if (!lag_ok) {
		snprintf(part, sizeof(part), "lag %ld s > %u s", res->lag_s,
		    max_lag_s);
		msg_add(res->msg, sizeof(res->msg), part);
	}
	if (has_error(row->last_io_errno, row->last_io_error)) {
		snprintf(part, sizeof(part), "IO error %s: %.100s",
		    row->last_io_errno ? row->last_io_errno : "?",
		    row->last_io_error ? row->last_io_error : "");
		msg_add(res->msg, sizeof(res->msg), part);
	}
	if (sql_error) {
		snprintf(part, sizeof(part), "SQL error %s: %.100s",
		    row->last_sql_errno ? row->last_sql_errno : "?",
		    row->last_sql_error ? row->last_sql_error : "");
		msg_add(res->msg, sizeof(res->msg), part);
	}
	res->ok = (res->io_running && res->sql_running && lag_ok) ||
	    unreachable;
	if (res->ok && res->msg[0] == '\0')
		snprintf(res->msg, sizeof(res->msg), "replicating, lag %ld s",
		    res->lag_s);
}

static bool
is_on(const char *s)
{
	return s != NULL && strcmp(s, "ON") == 0;
}

void
check_eval_galera(const struct check_galera_status *g,
    unsigned min_cluster_size, bool allow_donor, struct check_result *res)
{
	char part[160];
	bool integer;
	long state = -1, size = -1;

	res->msg[0] = '\0';
	if (g->cluster_status == NULL && g->local_state == NULL &&
	    g->ready == NULL) {
		res->ok = false;
		snprintf(res->msg, sizeof(res->msg),
		    "no wsrep status (not a Galera node)");
		return;
	}
	if (min_cluster_size == 0)
		min_cluster_size = 1;
	if (g->local_state != NULL && parse_number(g->local_state, &integer) &&
	    integer)
		state = strtol(g->local_state, NULL, 10);
	if (g->cluster_size != NULL &&
	    parse_number(g->cluster_size, &integer) && integer)
		size = strtol(g->cluster_size, NULL, 10);

	if (g->cluster_status == NULL ||
	    strcmp(g->cluster_status, "Primary") != 0) {
		snprintf(part, sizeof(part), "cluster %.60s",
		    g->cluster_status ? g->cluster_status : "status unknown");
		msg_add(res->msg, sizeof(res->msg), part);
	}
	if (!(state == 4 || (allow_donor && state == 2))) {
		snprintf(part, sizeof(part), "local state %.20s (want 4%s)",
		    g->local_state ? g->local_state : "unknown",
		    allow_donor ? " or 2" : "");
		msg_add(res->msg, sizeof(res->msg), part);
	}
	if (!is_on(g->ready))
		msg_add(res->msg, sizeof(res->msg), "not ready");
	if (!is_on(g->connected))
		msg_add(res->msg, sizeof(res->msg), "not connected");
	if (size < (long)min_cluster_size) {
		snprintf(part, sizeof(part), "cluster size %.20s < %u",
		    g->cluster_size ? g->cluster_size : "unknown",
		    min_cluster_size);
		msg_add(res->msg, sizeof(res->msg), part);
	}
	res->ok = res->msg[0] == '\0';
	if (res->ok)
		snprintf(res->msg, sizeof(res->msg), "Primary, %s, size %ld",
		    state == 4 ? "Synced" : "Donor/Desynced", size);
}

static int
ident_copy(const char *s, size_t n, char *out, size_t outlen)
{
	size_t i;

	if (n == 0 || n > 64 || n >= outlen)
		return -1;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' &&
		    s[i] != '$')
			return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

int
check_eval_table(const char *name, char *db, size_t dblen, char *tbl,
    size_t tbllen)
{
	const char *dot = strchr(name, '.');

	if (dot == NULL)
		return ident_copy("dbvip", 5, db, dblen) == 0 &&
		    ident_copy(name, strlen(name), tbl, tbllen) == 0 ? 0 : -1;
	if (ident_copy(name, (size_t)(dot - name), db, dblen) != 0 ||
	    ident_copy(dot + 1, strlen(dot + 1), tbl, tbllen) != 0)
		return -1;
	return 0;
}

void
check_eval_scrub(char *msg, size_t size, const char *secret)
{
	size_t slen = strlen(secret), off, rest;
	char *p;

	if (slen == 0 || size < 4)
		return;
	while ((p = strstr(msg, secret)) != NULL) {
		off = (size_t)(p - msg);
		rest = strlen(p + slen);
		/* "***" may be longer than a short secret: truncate the tail. */
		if (off + 3 + rest + 1 > size)
			rest = size > off + 4 ? size - off - 4 : 0;
		if (off + 3 >= size) {
			*p = '\0';
			return;
		}
		memmove(p + 3, p + slen, rest);
		memcpy(p, "***", 3);
		p[3 + rest] = '\0';
	}
}
