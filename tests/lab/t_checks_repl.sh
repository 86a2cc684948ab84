#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The replication check against a real GTID primary + replica pair (lab
# hosts h1 and h2, lab_repl_start); the check runs against the replica's
# unix socket as the lab's check user.  Checks: a healthy replica passes
# with lag 0; a stopped SQL thread fails with io=1 sql=0; a delayed
# replica (MASTER_DELAY) fails on lag with the lag reported; a killed
# primary shows the IO thread not running and its error in the message,
# yet passes as "primary unreachable" because the replica applied all it
# received (and fails once its own SQL thread is stopped too).  Prints
# PASS/FAIL lines; non-zero exit on failure.
set -u
. "$(dirname "$0")/lib.sh"

lab_require root
for p in mariadbd mariadb-install-db mariadb gcc pkg-config; do
	command -v "$p" >/dev/null ||
	    { t_skip checks_repl "$p not installed"; exit 0; }
done

lab_init
lab_topology 2

# The replication check's RESULT line matches WANT_REGEX (one run; the
# line is kept in $LAB_TMP/repl.last).
check_matches() {
	local want=$1
	shift
	"$RUN" -t replication -S "${LAB_MYSOCK[h2]}" -u "$LAB_DB_USER" \
	    -p "$LAB_TMP/db.pass" -T 1000 "$@" | grep '^RESULT' >"$LAB_TMP/repl.last"
	grep -qE "$want" "$LAB_TMP/repl.last"
}

# poll_check WANT_REGEX TIMEOUT_S ARGS...: run the replication check again
# and again until its RESULT line matches (bounded); prints the last line.
poll_check() {
	local want=$1 secs=$2
	shift 2
	lab_wait_for "replication check /$want/" "$secs" check_matches "$want" "$@"
	cat "$LAB_TMP/repl.last"
}

echo "== build driver and start primary + replica"
RUN=$(lab_checkrun_bin) || { t_fail build "checkrun does not compile"; exit 1; }
lab_repl_start h1 h2 || { t_fail setup "primary + replica did not start"; exit 1; }

echo "== replication check"
r=$(poll_check 'ok=1' 15 -m 5)
if [ "$(lab_field ok "$r")" = 1 ] && [ "$(lab_field io "$r")" = 1 ] &&
    [ "$(lab_field sql "$r")" = 1 ] && [ "$(lab_field lag "$r")" = 0 ]; then
	t_pass "replica replicating: ok, io=1 sql=1 lag=0 ($(lab_field msg "$r"))"
else
	t_fail repl_healthy "$r"
fi

lab_sql h2 "STOP SLAVE SQL_THREAD"
r=$(poll_check 'sql=0' 5 -m 5)
if [ "$(lab_field ok "$r")" = 0 ] && [ "$(lab_field io "$r")" = 1 ] &&
    [ "$(lab_field sql "$r")" = 0 ]; then
	t_pass "stopped SQL thread fails: $(lab_field msg "$r")"
else
	t_fail repl_sql_stopped "$r"
fi

# A delayed replica: the event waits MASTER_DELAY seconds, so
# Seconds_Behind_Master grows past max_lag 1.
lab_sql h2 "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY=30; START SLAVE;"
lab_sql h1 "INSERT INTO app.t VALUES (2, 1)"
r=$(poll_check 'lag=([2-9]|[1-9][0-9])' 10 -m 1)
lag=$(lab_field lag "$r")
if [ "$(lab_field ok "$r")" = 0 ] && [ "${lag:--1}" -ge 2 ] &&
    grep -q "lag $lag s > 1 s" <<<"$r"; then
	t_pass "delayed replica fails on lag: lag=$lag ($(lab_field msg "$r"))"
else
	t_fail repl_lag "$r"
fi
r=$(poll_check 'ok=1' 5 -m 60)
if [ "$(lab_field ok "$r")" = 1 ]; then
	t_pass "same lag passes with max_lag 60 (lag=$(lab_field lag "$r"))"
else
	t_fail repl_lag_ok "$r"
fi

lab_sql h2 "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY=0; START SLAVE;"
lab_db_kill h1
r=$(poll_check 'io=0.*IO error' 10 -m 5)
if [ "$(lab_field ok "$r")" = 1 ] && [ "$(lab_field io "$r")" = 0 ] &&
    grep -q "primary unreachable" <<<"$r" &&
    grep -qE "IO error 20[0-9][0-9]: " <<<"$r"; then
	t_pass "killed primary: passes as 'primary unreachable' (all applied), IO error surfaced: $(lab_field msg "$r" | cut -c1-160)"
else
	t_fail repl_primary_dead "$r"
fi
# ... but not once the replica's own SQL thread is stopped too.
lab_sql h2 "STOP SLAVE SQL_THREAD"
r=$(poll_check 'sql=0' 5 -m 5)
if [ "$(lab_field ok "$r")" = 0 ] && [ "$(lab_field sql "$r")" = 0 ]; then
	t_pass "killed primary + SQL thread stopped fails: $(lab_field msg "$r" | cut -c1-120)"
else
	t_fail repl_primary_dead_sql_stopped "$r"
fi

t_summary
