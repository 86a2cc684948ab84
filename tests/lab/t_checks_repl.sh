#!/bin/bash
# The replication check against a real GTID primary + replica pair: the
# primary listens on 127.0.41.1 (loopback only), the replica on a unix
# socket.  Checks: a healthy replica passes with lag 0; a stopped SQL thread
# fails with io=1 sql=0; a delayed replica (MASTER_DELAY) fails on lag with
# the lag reported; a killed primary shows the IO thread not running and its
# error in the message, yet passes as "primary unreachable" because the
# replica applied all it received (and fails once its own SQL thread is
# stopped too).  Prints PASS/FAIL lines; non-zero exit on failure.
set -u
cd "$(dirname "$0")/../.."
failed=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failed=1; }

if [ "$(id -u)" != 0 ]; then
	echo "SKIP checks_repl: needs root (mariadbd --user=mysql)"
	exit 0
fi
for p in mariadbd mariadb-install-db mariadb gcc pkg-config; do
	command -v "$p" >/dev/null ||
	    { echo "SKIP checks_repl: $p not installed"; exit 0; }
done

T=$(mktemp -d /tmp/dbvip-trepl.XXXXXX)
chown mysql: "$T"
chmod 755 "$T"
PRIM_ADDR=127.0.41.1
PRIM_PORT=3306
PIDS=""
declare -A MPID
PW='Chk-pw.2b71c0'

cleanup() {
	local p
	for p in $PIDS; do
		kill -CONT "$p" 2>/dev/null
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
sql() { mariadb --no-defaults -uroot -S "$T/$1/my.sock" -N -B -e "$2"; }

BASE=(--no-defaults --user=mysql --innodb-buffer-pool-size=6M
	--innodb-log-file-size=8M --performance-schema=OFF --max-connections=50
	--innodb-flush-log-at-trx-commit=2 --sync-binlog=0)

# start NODE SERVER_ID EXTRA...: start mariadbd and wait until it answers.
start() {
	local n=$1 id=$2 end=$(( $(now_ms) + 30000 ))
	shift 2
	mariadbd "${BASE[@]}" --datadir="$T/$n/data" --socket="$T/$n/my.sock" \
	    --pid-file="$T/$n/my.pid" --log-error="$T/$n/err.log" \
	    --server-id="$id" --log-bin="$T/$n/data/bin" --log-slave-updates \
	    --gtid-strict-mode=ON --skip-slave-start "$@" >/dev/null 2>&1 &
	MPID[$n]=$!
	PIDS="$PIDS $!"
	while [ "$(now_ms)" -lt "$end" ]; do
		sql "$n" "SELECT 1" >/dev/null 2>&1 && return 0
		kill -0 "${MPID[$n]}" 2>/dev/null || break
		sleep 0.05
	done
	echo "$n did not start:"; tail -n 20 "$T/$n/err.log"
	return 1
}

field() {
	if [ "$1" = msg ]; then
		sed -n 's/.* msg=//p' <<<"$2"
	else
		sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p" <<<"$2"
	fi
}

# poll_check WANT_REGEX TIMEOUT_MS ARGS...: run the replication check every
# 200 ms until its RESULT line matches (bounded); prints the last line.
poll_check() {
	local want=$1 end=$(( $(now_ms) + $2 )) r=""
	shift 2
	while [ "$(now_ms)" -lt "$end" ]; do
		r=$("$T/checkrun" -t replication -S "$T/replica/my.sock" -u chk \
		    -p "$T/pw" -T 1000 "$@" | grep '^RESULT')
		grep -qE "$want" <<<"$r" && break
		sleep 0.2
	done
	echo "$r"
}

echo "== build driver and start primary + replica"
gcc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes \
    -Wmissing-prototypes -Wpointer-arith -Wformat=2 -Werror -O2 -g \
    -o "$T/checkrun" tests/lab/checkrun.c checks/*.c \
    agent/core/loop.c agent/core/clock.c agent/core/log.c \
    $(pkg-config --cflags --libs libmariadb) ||
    { fail build "checkrun does not compile"; exit 1; }
printf '%s\n' "$PW" >"$T/pw"
chmod 600 "$T/pw"
for n in primary replica; do
	mkdir -p "$T/$n"
	chown mysql: "$T/$n"
	mariadb-install-db "${BASE[@]}" --datadir="$T/$n/data" --skip-test-db \
	    --auth-root-authentication-method=socket >"$T/$n/install.log" 2>&1 ||
	    { fail setup "install-db $n failed"; exit 1; }
done
start primary 1 --bind-address="$PRIM_ADDR" --port="$PRIM_PORT" ||
    { fail setup "primary did not start"; exit 1; }
start replica 2 --skip-networking --read-only=ON ||
    { fail setup "replica did not start"; exit 1; }
sql primary "CREATE USER repl@'127.0.0.0/255.0.0.0' IDENTIFIED BY 'repl-pw';
    GRANT REPLICATION SLAVE ON *.* TO repl@'127.0.0.0/255.0.0.0';
    CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, v INT);" ||
    { fail setup "primary grants"; exit 1; }
sql replica "SET SESSION sql_log_bin = 0;
    CREATE USER chk@localhost IDENTIFIED BY '$PW';
    GRANT SLAVE MONITOR ON *.* TO chk@localhost;
    CHANGE MASTER TO MASTER_HOST='$PRIM_ADDR', MASTER_PORT=$PRIM_PORT,
      MASTER_USER='repl', MASTER_PASSWORD='repl-pw',
      MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1;
    START SLAVE;" || { fail setup "replica setup"; exit 1; }

echo "== replication check"
r=$(poll_check 'ok=1' 15000 -m 5)
if [ "$(field ok "$r")" = 1 ] && [ "$(field io "$r")" = 1 ] &&
    [ "$(field sql "$r")" = 1 ] && [ "$(field lag "$r")" = 0 ]; then
	pass "replica replicating: ok, io=1 sql=1 lag=0 ($(field msg "$r"))"
else
	fail repl_healthy "$r"
fi

sql replica "STOP SLAVE SQL_THREAD"
r=$(poll_check 'sql=0' 5000 -m 5)
if [ "$(field ok "$r")" = 0 ] && [ "$(field io "$r")" = 1 ] &&
    [ "$(field sql "$r")" = 0 ]; then
	pass "stopped SQL thread fails: $(field msg "$r")"
else
	fail repl_sql_stopped "$r"
fi

# A delayed replica: the event waits MASTER_DELAY seconds, so
# Seconds_Behind_Master grows past max_lag 1.
sql replica "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY=30; START SLAVE;"
sql primary "INSERT INTO app.t VALUES (1, 1)"
r=$(poll_check 'lag=([2-9]|[1-9][0-9])' 10000 -m 1)
lag=$(field lag "$r")
if [ "$(field ok "$r")" = 0 ] && [ "${lag:--1}" -ge 2 ] &&
    grep -q "lag $lag s > 1 s" <<<"$r"; then
	pass "delayed replica fails on lag: lag=$lag ($(field msg "$r"))"
else
	fail repl_lag "$r"
fi
r=$(poll_check 'ok=1' 5000 -m 60)
if [ "$(field ok "$r")" = 1 ]; then
	pass "same lag passes with max_lag 60 (lag=$(field lag "$r"))"
else
	fail repl_lag_ok "$r"
fi

sql replica "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY=0; START SLAVE;"
kill -9 "${MPID[primary]}"
wait "${MPID[primary]}" 2>/dev/null
r=$(poll_check 'io=0.*IO error' 10000 -m 5)
if [ "$(field ok "$r")" = 1 ] && [ "$(field io "$r")" = 0 ] &&
    grep -q "primary unreachable" <<<"$r" &&
    grep -qE "IO error 20[0-9][0-9]: " <<<"$r"; then
	pass "killed primary: passes as 'primary unreachable' (all applied), IO error surfaced: $(field msg "$r" | cut -c1-160)"
else
	fail repl_primary_dead "$r"
fi
# ... but not once the replica's own SQL thread is stopped too.
sql replica "STOP SLAVE SQL_THREAD"
r=$(poll_check 'sql=0' 5000 -m 5)
if [ "$(field ok "$r")" = 0 ] && [ "$(field sql "$r")" = 0 ]; then
	pass "killed primary + SQL thread stopped fails: $(field msg "$r" | cut -c1-120)"
else
	fail repl_primary_dead_sql_stopped "$r"
fi

exit "$failed"
