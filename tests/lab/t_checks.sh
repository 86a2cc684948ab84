#!/bin/bash
# Health checks against a real, private mariadbd (unix socket in a temp dir,
# no networking): every check type, a stopped server (SIGSTOP) failing a run
# at its deadline without stalling the loop, a killed server failing fast
# (2002) and the reconnect back-off, and script timeouts (TERM, then KILL).
# Builds tests/lab/checkrun.c (the agent's loop driving check_*()) first;
# CHECKRUN_CFLAGS overrides its -O2 -g (e.g. to add sanitizers).
# Prints PASS/FAIL lines; exits non-zero if any failed.
set -u
cd "$(dirname "$0")/../.."
SRC=$PWD
failed=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failed=1; }

if [ "$(id -u)" != 0 ]; then
	echo "SKIP checks: needs root (mariadbd --user=mysql)"
	exit 0
fi
for p in mariadbd mariadb-install-db mariadb gcc pkg-config; do
	if ! command -v "$p" >/dev/null; then
		echo "SKIP checks: $p not installed"
		exit 0
	fi
done

T=$(mktemp -d /tmp/dbvip-tchk.XXXXXX)
chown mysql: "$T"
chmod 755 "$T"
SOCK=$T/my.sock
MPID=""
BG=""
PW='Chk-pw.7f3a91'		# test-only password
BADPW='Wrong-pw.55e0'

cleanup() {
	local p
	for p in $BG; do
		kill -9 "$p" 2>/dev/null
	done
	if [ -n "$MPID" ] && kill -0 "$MPID" 2>/dev/null; then
		kill -CONT "$MPID" 2>/dev/null
		kill -9 "$MPID" 2>/dev/null
		wait "$MPID" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }

MYOPTS=(--no-defaults --user=mysql --datadir="$T/data"
	--innodb-buffer-pool-size=6M --innodb-log-file-size=8M
	--performance-schema=OFF --max-connections=50
	--innodb-flush-log-at-trx-commit=2 --sync-binlog=0)

sql() { mariadb --no-defaults -uroot -S "$SOCK" -N -B -e "$1"; }

# Start mariadbd in the background; MPID is its PID (no fork: --user makes
# it switch users itself).  Waits (bounded) until it answers.
start_mariadbd() {
	local end=$(( $(now_ms) + 30000 ))
	mariadbd "${MYOPTS[@]}" --socket="$SOCK" --pid-file="$T/my.pid" \
	    --skip-networking --server-id=7 --log-error="$T/err.log" \
	    >/dev/null 2>&1 &
	MPID=$!
	while [ "$(now_ms)" -lt "$end" ]; do
		sql "SELECT 1" >/dev/null 2>&1 && return 0
		kill -0 "$MPID" 2>/dev/null || break
		sleep 0.05
	done
	echo "mariadbd did not start:"; tail -n 20 "$T/err.log"
	return 1
}

# Wait (bounded, ms) until file $1 matches regex $2.
wait_for() {
	local end=$(( $(now_ms) + $3 ))
	while [ "$(now_ms)" -lt "$end" ]; do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.02
	done
	return 1
}

# Wait (bounded, 2 s) until process group $1 has no live member (killed
# grandchildren may linger a moment as zombies until init reaps them).
group_gone() {
	local end=$(( $(now_ms) + 2000 ))
	while [ "$(now_ms)" -lt "$end" ]; do
		ps -o stat= -g "$1" | grep -qv '^Z' || return 0
		sleep 0.02
	done
	return 1
}

# field NAME LINE: the value of NAME= in a RESULT line (msg is the rest).
field() {
	if [ "$1" = msg ]; then
		sed -n 's/.* msg=//p' <<<"$2"
	else
		sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p" <<<"$2"
	fi
}

echo "== build driver"
if ! gcc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes \
    -Wmissing-prototypes -Wpointer-arith -Wformat=2 -Werror \
    ${CHECKRUN_CFLAGS:--O2 -g} \
    -o "$T/checkrun" tests/lab/checkrun.c checks/*.c \
    agent/core/loop.c agent/core/clock.c agent/core/log.c \
    $(pkg-config --cflags --libs libmariadb); then
	fail build "checkrun does not compile"
	exit 1
fi
RUN=$T/checkrun
printf '%s\n' "$PW" >"$T/pw"
printf '%s\n' "$BADPW" >"$T/badpw"
chmod 600 "$T/pw" "$T/badpw"
A=(-S "$SOCK" -u chk -p "$T/pw")
OUT=$T/all.out		# every driver line, to look for the password

# run NAME ARGS...: one driver invocation; its RESULT lines on stdout.
run() {
	local name=$1
	shift
	"$RUN" "$@" >"$T/$name.out" 2>&1
	cat "$T/$name.out" >>"$OUT"
	grep '^RESULT' "$T/$name.out"
}

echo "== start mariadbd"
if ! mariadb-install-db "${MYOPTS[@]}" --skip-test-db \
    --auth-root-authentication-method=socket >"$T/install.log" 2>&1; then
	fail setup "mariadb-install-db failed: $(tail -n 3 "$T/install.log")"
	exit 1
fi
if ! start_mariadbd; then
	fail setup "mariadbd did not start"
	exit 1
fi
sql "CREATE USER chk@localhost IDENTIFIED BY '$PW';
     GRANT SELECT, CREATE, INSERT, UPDATE ON dbvip.* TO chk@localhost;
     GRANT SLAVE MONITOR ON *.* TO chk@localhost;" ||
    { fail setup "cannot create the check user"; exit 1; }

echo "== database checks"
r=$(run ping -t ping "${A[@]}")
if [ "$(field ok "$r")" = 1 ] && [ "$(field msg "$r")" = alive ]; then
	pass "ping ok ($(field latency_ms "$r") ms)"
else
	fail ping "$r"
fi

r1=$(run sql1 -t sql "${A[@]}" -q "SELECT 42" -o = -e 42)
r2=$(run sql2 -t sql "${A[@]}" -q "SELECT 3" -o '<' -e 10)
if [ "$(field ok "$r1")" = 1 ] && [ "$(field ok "$r2")" = 1 ]; then
	pass "sql expect ok (42 = 42; 3 < 10 compared as numbers)"
else
	fail sql_expect_ok "$r1 / $r2"
fi

r1=$(run sql3 -t sql "${A[@]}" -q "SELECT 42" -o '>' -e 100)
r2=$(run sql4 -t sql "${A[@]}" -q "SELECT 'Primary'" -o = -e Secondary)
r3=$(run sql5 -t sql "${A[@]}" -q "SELEC 1")
if [ "$(field ok "$r1")" = 0 ] && [ "$(field ok "$r2")" = 0 ] &&
    [ "$(field ok "$r3")" = 0 ] && [ "$(field errno "$r3")" = 1064 ]; then
	pass "sql expect fail (42 > 100, string mismatch, syntax error 1064)"
else
	fail sql_expect_fail "$r1 / $r2 / $r3"
fi

r1=$(run write1 -t write "${A[@]}")
ts1=$(sql "SELECT ts FROM dbvip.heartbeat WHERE server_id = @@server_id")
r2=$(run write2 -t write "${A[@]}")
ts2=$(sql "SELECT ts FROM dbvip.heartbeat WHERE server_id = @@server_id")
rows=$(sql "SELECT COUNT(*) FROM dbvip.heartbeat")
if [ "$(field ok "$r1")" = 1 ] && [ "$(field ok "$r2")" = 1 ] &&
    [ "$rows" = 1 ] && [ -n "$ts1" ] && [[ "$ts2" > "$ts1" ]]; then
	pass "write creates dbvip.heartbeat and upserts (1 row, ts $ts1 -> $ts2)"
else
	fail write "$r1 / $r2 / rows=$rows ts1=$ts1 ts2=$ts2"
fi

r1=$(run ro1 -t read_only "${A[@]}" -r 0)
r2=$(run ro2 -t read_only "${A[@]}" -r 1)
sql "SET GLOBAL read_only = ON"
r3=$(run ro3 -t read_only "${A[@]}" -r 1)
r4=$(run ro4 -t write "${A[@]}")
sql "SET GLOBAL read_only = OFF"
if [ "$(field ok "$r1")" = 1 ] && [ "$(field ok "$r2")" = 0 ] &&
    [ "$(field ok "$r3")" = 1 ] && [ "$(field ok "$r4")" = 0 ] &&
    [ "$(field errno "$r4")" = 1290 ]; then
	pass "read_only expect (0 ok, 1 fails, after SET GLOBAL read_only=ON 1 ok; write then fails 1290)"
else
	fail read_only "$r1 / $r2 / $r3 / $r4"
fi

r=$(run repl -t replication "${A[@]}")
if [ "$(field ok "$r")" = 1 ] && [ "$(field msg "$r")" = "not a replica" ]; then
	pass "replication passes on a non-replica"
else
	fail replication "$r"
fi

r=$(run galera -t galera "${A[@]}")
if [ "$(field ok "$r")" = 0 ] && grep -q "not ready" <<<"$r"; then
	pass "galera fails on a server without wsrep ($(field msg "$r"))"
else
	fail galera "$r"
fi

r=$(run badpw -t ping -S "$SOCK" -u chk -p "$T/badpw")
if [ "$(field ok "$r")" = 0 ] && [ "$(field errno "$r")" = 1045 ] &&
    ! grep -qF "$BADPW" "$T/badpw.out"; then
	pass "wrong password fails with 1045, password not shown"
else
	fail bad_password "$r"
fi

echo "== script checks"
r=$(run s1 -t script -c 'echo all good; echo second line')
if [ "$(field ok "$r")" = 1 ] && [ "$(field msg "$r")" = "all good" ]; then
	pass "script ok (first line of output is the message)"
else
	fail script_ok "$r"
fi

r=$(run s2 -t script -c 'echo disk full >&2; exit 3')
if [ "$(field ok "$r")" = 0 ] && [ "$(field msg "$r")" = "exit 3: disk full" ]; then
	pass "script failing exit (exit 3, stderr in message)"
else
	fail script_exit "$r"
fi

# A TERM-able script: ends at the timeout.  The message's first line is
# the shell's PID (the process group), which must be gone afterwards.
r=$(run s3 -t script -T 500 -c 'echo $$; exec sleep 30')
lat=$(field latency_ms "$r")
pg=$(field msg "$r" | sed -n 's/.*SIGTERM: \([0-9]*\)$/\1/p')
if [ "$(field ok "$r")" = 0 ] && [ -n "$pg" ] &&
    awk -v l="$lat" 'BEGIN { exit !(l >= 500 && l < 700) }' &&
    group_gone "$pg"; then
	pass "script timeout killed with SIGTERM at $lat ms (timeout 500)"
else
	fail script_timeout "$r"
fi

# One that ignores TERM: SIGKILL after the 1 s grace, whole group gone.
r=$(run s4 -t script -T 500 -c 'trap "" TERM; echo $$; sleep 30; echo late')
lat=$(field latency_ms "$r")
pg=$(field msg "$r" | sed -n 's/.*SIGKILL: \([0-9]*\)$/\1/p')
if [ "$(field ok "$r")" = 0 ] && [ -n "$pg" ] &&
    awk -v l="$lat" 'BEGIN { exit !(l >= 1500 && l < 1700) }' &&
    group_gone "$pg"; then
	pass "script ignoring TERM killed with SIGKILL at $lat ms (timeout 500 + grace 1000)"
else
	fail script_timeout_kill "$r"
fi

# 300 kB of output (more than a pipe holds) must not stall the child.
r=$(run s5 -t script -T 3000 -c 'head -c 300000 /dev/zero | tr "\0" x; echo; echo done >&2')
lat=$(field latency_ms "$r")
if [ "$(field ok "$r")" = 1 ] &&
    awk -v l="$lat" 'BEGIN { exit !(l < 1000) }'; then
	pass "chatty script (300 kB output) finishes in $lat ms"
else
	fail script_chatty "$(cut -c1-300 <<<"$r")"
fi

echo "== stopped server (SIGSTOP)"
# Run 1 connects; SIGSTOP; run 2 (on the open connection) must fail at its
# 1 s deadline while the loop keeps ticking; SIGCONT; run 3 reconnects.
"$RUN" -t ping "${A[@]}" -T 1000 -n 3 -i 2000 >"$T/stop.out" 2>&1 &
dp=$!
BG="$BG $dp"
if wait_for "$T/stop.out" 'run=1 ' 5000; then
	kill -STOP "$MPID"
	wait_for "$T/stop.out" 'run=2 ' 8000
	kill -CONT "$MPID"
fi
wait_for "$T/stop.out" '^DONE' 8000
kill "$dp" 2>/dev/null
wait "$dp" 2>/dev/null
cat "$T/stop.out" >>"$OUT"
r=$(grep 'run=2 ' "$T/stop.out")
r3=$(grep 'run=3 ' "$T/stop.out")
st=$(field start_ms "$r") en=$(field end_ms "$r") gap=$(field max_gap_ms "$r")
if [ "$(field ok "$r")" = 0 ] && [ "$(field errno "$r")" = 2013 ] &&
    awk -v s="$st" -v e="$en" -v g="$gap" \
    'BEGIN { exit !(e - s >= 1000 && e - s < 1100 && g < 30) }'; then
	pass "SIGSTOPped server: run failed at $(awk -v s="$st" -v e="$en" 'BEGIN { print e - s }') ms (timeout 1000; started $st, ended $en), loop max gap $gap ms"
else
	fail sigstop "$r"
fi
if [ "$(field ok "$r3")" = 1 ]; then
	pass "after SIGCONT the next run reconnects ($(field latency_ms "$r3") ms)"
else
	fail sigcont "$r3"
fi

# A connect to a stopped server: the handshake never comes.
kill -STOP "$MPID"
r=$(run stop2 -t ping "${A[@]}" -T 1000)
kill -CONT "$MPID"
lat=$(field latency_ms "$r") gap=$(field max_gap_ms "$r")
if [ "$(field ok "$r")" = 0 ] &&
    awk -v l="$lat" -v g="$gap" 'BEGIN { exit !(l >= 1000 && l < 1100 && g < 30) }'; then
	pass "connect to a SIGSTOPped server fails at $lat ms (timeout 1000), loop max gap $gap ms"
else
	fail sigstop_connect "$r"
fi

echo "== killed server (kill -9), reconnect back-off"
kill -9 "$MPID"
wait "$MPID" 2>/dev/null
MPID=""
"$RUN" -t ping "${A[@]}" -T 1000 -n 400 -i 100 -U >"$T/k9.out" 2>&1 &
dp=$!
BG="$BG $dp"
# Let the back-off grow (attempts at about 0, 0.1, 0.3-0.4, 0.8, 1.6 s),
# then bring the server back.
end=$(( $(now_ms) + 6000 ))
while [ "$(grep -c 'connect failed' "$T/k9.out")" -lt 5 ] &&
    [ "$(now_ms)" -lt "$end" ]; do
	sleep 0.02
done
start_mariadbd || fail restart "mariadbd did not restart"
ready=$(now_ms)
wait_for "$T/k9.out" '^DONE' 12000
kill "$dp" 2>/dev/null
wait "$dp" 2>/dev/null
cat "$T/k9.out" >>"$OUT"
r=$(grep 'run=1 ' "$T/k9.out")
if [ "$(field ok "$r")" = 0 ] && [ "$(field errno "$r")" = 2002 ] &&
    awk -v l="$(field latency_ms "$r")" 'BEGIN { exit !(l < 50) }'; then
	pass "killed server: ping fails fast with 2002 ($(field latency_ms "$r") ms)"
else
	fail kill9 "$r"
fi
# Real attempts ("connect failed") must be spaced by the doubling back-off
# (100, 200, 400, ... ms, cap 5000), rounded up to the next 100 ms run.
att=$(grep 'connect failed' "$T/k9.out" | sed -n 's/.* start_ms=\([0-9.]*\) .*/\1/p' | tr '\n' ' ')
skipped=$(grep -c 'not connected:' "$T/k9.out")
if awk -v a="$att" 'BEGIN {
	n = split(a, t, " "); if (n < 5) exit 1
	b = 100
	for (i = 2; i <= n; i++) {
		g = t[i] - t[i - 1]
		if (g < b - 1 || g > b + 150) exit 1
		b = b * 2; if (b > 5000) b = 5000
	}
}'; then
	pass "reconnect back-off: attempts at [ $att] ms, $skipped runs failed fast in between"
else
	fail backoff "attempts at [ $att] ms"
fi
r=$(grep 'ok=1' "$T/k9.out" | head -n 1)
w=$(field wall_ms "$r")
late=$(grep 'connect failed' "$T/k9.out" | awk -v rd="$ready" \
    '{ for (i = 1; i <= NF; i++) if ($i ~ /^wall_ms=/) { split($i, kv, "="); if (kv[2] > rd + 50) n++ } } END { print n + 0 }')
if [ -n "$r" ] && [ "$late" = 0 ] && [ $((w - ready)) -le 5300 ]; then
	pass "reconnects after restart: first ok $((w - ready)) ms after the server was ready (next back-off slot)"
else
	fail reconnect "ok line: '$r'; failed attempts after ready: $late"
fi

if grep -qF "$PW" "$OUT"; then
	fail password "the password appears in driver output"
else
	pass "password never in any result message ($(grep -c '^RESULT' "$OUT") results)"
fi

if grep -qE 'Sanitizer|runtime error' "$OUT"; then
	fail sanitizer "$(grep -E 'Sanitizer|runtime error' "$OUT" | head -n 3)"
fi

exit "$failed"
