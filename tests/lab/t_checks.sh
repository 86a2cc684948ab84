#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Health checks against a real, private mariadbd (lab host h1, reached over
# its unix socket): every check type, a stopped server (SIGSTOP) failing a
# run at its deadline without stalling the loop, a killed server failing
# fast (2002) and the reconnect back-off, and script timeouts (TERM, then
# KILL).  Builds tests/lab/checkrun.c (the agent's loop driving check_*())
# first; CHECKRUN_CFLAGS overrides its -O2 -g (e.g. to add sanitizers).
# Prints PASS/FAIL lines; exits non-zero if any failed.
set -u
. "$(dirname "$0")/lib.sh"

lab_require root
for p in mariadbd mariadb-install-db mariadb gcc pkg-config; do
	if ! command -v "$p" >/dev/null; then
		t_skip checks "$p not installed"
		exit 0
	fi
done

lab_init
lab_topology 1
T=$LAB_TMP
PW='Chk-pw.7f3a91'		# test-only password
BADPW='Wrong-pw.55e0'

# Wait (bounded, seconds) until file $1 matches regex $2.
wait_line() {
	lab_wait_for "/$2/ in $(basename "$1")" "$3" grep -qE "$2" "$1"
}

# Process group $1 has no live member (killed grandchildren may linger a
# moment as zombies until init reaps them).
group_gone() { ! ps -o stat= -g "$1" | grep -qv '^Z'; }

echo "== build driver"
if ! RUN=$(lab_checkrun_bin); then
	t_fail build "checkrun does not compile"
	exit 1
fi
printf '%s\n' "$PW" >"$T/pw"
printf '%s\n' "$BADPW" >"$T/badpw"
chmod 600 "$T/pw" "$T/badpw"
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
if ! lab_db_start h1; then
	t_fail setup "mariadbd did not start"
	exit 1
fi
SOCK=${LAB_MYSOCK[h1]}
A=(-S "$SOCK" -u chk -p "$T/pw")
lab_sql h1 "CREATE USER chk@localhost IDENTIFIED BY '$PW';
     GRANT SELECT, CREATE, INSERT, UPDATE ON dbvip.* TO chk@localhost;
     GRANT SLAVE MONITOR ON *.* TO chk@localhost;" ||
    { t_fail setup "cannot create the check user"; exit 1; }

echo "== database checks"
r=$(run ping -t ping "${A[@]}")
if [ "$(lab_field ok "$r")" = 1 ] && [ "$(lab_field msg "$r")" = alive ]; then
	t_pass "ping ok ($(lab_field latency_ms "$r") ms)"
else
	t_fail ping "$r"
fi

r1=$(run sql1 -t sql "${A[@]}" -q "SELECT 42" -o = -e 42)
r2=$(run sql2 -t sql "${A[@]}" -q "SELECT 3" -o '<' -e 10)
if [ "$(lab_field ok "$r1")" = 1 ] && [ "$(lab_field ok "$r2")" = 1 ]; then
	t_pass "sql expect ok (42 = 42; 3 < 10 compared as numbers)"
else
	t_fail sql_expect_ok "$r1 / $r2"
fi

r1=$(run sql3 -t sql "${A[@]}" -q "SELECT 42" -o '>' -e 100)
r2=$(run sql4 -t sql "${A[@]}" -q "SELECT 'Primary'" -o = -e Secondary)
r3=$(run sql5 -t sql "${A[@]}" -q "SELEC 1")
if [ "$(lab_field ok "$r1")" = 0 ] && [ "$(lab_field ok "$r2")" = 0 ] &&
    [ "$(lab_field ok "$r3")" = 0 ] && [ "$(lab_field errno "$r3")" = 1064 ]; then
	t_pass "sql expect fail (42 > 100, string mismatch, syntax error 1064)"
else
	t_fail sql_expect_fail "$r1 / $r2 / $r3"
fi

r1=$(run write1 -t write "${A[@]}")
ts1=$(lab_sql h1 "SELECT ts FROM dbvip.heartbeat WHERE server_id = @@server_id")
r2=$(run write2 -t write "${A[@]}")
ts2=$(lab_sql h1 "SELECT ts FROM dbvip.heartbeat WHERE server_id = @@server_id")
rows=$(lab_sql h1 "SELECT COUNT(*) FROM dbvip.heartbeat")
if [ "$(lab_field ok "$r1")" = 1 ] && [ "$(lab_field ok "$r2")" = 1 ] &&
    [ "$rows" = 1 ] && [ -n "$ts1" ] && [[ "$ts2" > "$ts1" ]]; then
	t_pass "write creates dbvip.heartbeat and upserts (1 row, ts $ts1 -> $ts2)"
else
	t_fail write "$r1 / $r2 / rows=$rows ts1=$ts1 ts2=$ts2"
fi

r1=$(run ro1 -t read_only "${A[@]}" -r 0)
r2=$(run ro2 -t read_only "${A[@]}" -r 1)
lab_sql h1 "SET GLOBAL read_only = ON"
r3=$(run ro3 -t read_only "${A[@]}" -r 1)
r4=$(run ro4 -t write "${A[@]}")
lab_sql h1 "SET GLOBAL read_only = OFF"
if [ "$(lab_field ok "$r1")" = 1 ] && [ "$(lab_field ok "$r2")" = 0 ] &&
    [ "$(lab_field ok "$r3")" = 1 ] && [ "$(lab_field ok "$r4")" = 0 ] &&
    [ "$(lab_field errno "$r4")" = 1290 ]; then
	t_pass "read_only expect (0 ok, 1 fails, after SET GLOBAL read_only=ON 1 ok; write then fails 1290)"
else
	t_fail read_only "$r1 / $r2 / $r3 / $r4"
fi

r=$(run repl -t replication "${A[@]}")
if [ "$(lab_field ok "$r")" = 1 ] && [ "$(lab_field msg "$r")" = "not a replica" ]; then
	t_pass "replication passes on a non-replica"
else
	t_fail replication "$r"
fi

r=$(run galera -t galera "${A[@]}")
if [ "$(lab_field ok "$r")" = 0 ] && grep -q "not ready" <<<"$r"; then
	t_pass "galera fails on a server without wsrep ($(lab_field msg "$r"))"
else
	t_fail galera "$r"
fi

r=$(run badpw -t ping -S "$SOCK" -u chk -p "$T/badpw")
if [ "$(lab_field ok "$r")" = 0 ] && [ "$(lab_field errno "$r")" = 1045 ] &&
    ! grep -qF "$BADPW" "$T/badpw.out"; then
	t_pass "wrong password fails with 1045, password not shown"
else
	t_fail bad_password "$r"
fi

echo "== script checks"
r=$(run s1 -t script -c 'echo all good; echo second line')
if [ "$(lab_field ok "$r")" = 1 ] && [ "$(lab_field msg "$r")" = "all good" ]; then
	t_pass "script ok (first line of output is the message)"
else
	t_fail script_ok "$r"
fi

r=$(run s2 -t script -c 'echo disk full >&2; exit 3')
if [ "$(lab_field ok "$r")" = 0 ] && [ "$(lab_field msg "$r")" = "exit 3: disk full" ]; then
	t_pass "script failing exit (exit 3, stderr in message)"
else
	t_fail script_exit "$r"
fi

# script_killed NAME OUT SIGNAL MIN_MS SCRIPT: a script run with a 500 ms
# timeout is killed with SIGNAL after between MIN_MS and MIN_MS + 200 ms.
# The message's first line is the shell's PID (the process group), which
# must be gone afterwards.  Sets LAT.
script_killed() {
	local r pg
	r=$(run "$2" -t script -T 500 -c "$5")
	LAT=$(lab_field latency_ms "$r")
	pg=$(lab_field msg "$r" | sed -n "s/.*$3: \([0-9]*\)\$/\1/p")
	if [ "$(lab_field ok "$r")" = 0 ] && [ -n "$pg" ] &&
	    awk -v l="$LAT" -v m="$4" 'BEGIN { exit !(l >= m && l < m + 200) }' &&
	    lab_wait_for "group $pg gone" 2 group_gone "$pg"; then
		return 0
	fi
	t_fail "$1" "$r"
	return 1
}

# A TERM-able script: ends at the timeout.
script_killed script_timeout s3 SIGTERM 500 'echo $$; exec sleep 30' &&
    t_pass "script timeout killed with SIGTERM at $LAT ms (timeout 500)"
# One that ignores TERM: SIGKILL after the 1 s grace, whole group gone.
script_killed script_timeout_kill s4 SIGKILL 1500 \
    'trap "" TERM; echo $$; sleep 30; echo late' &&
    t_pass "script ignoring TERM killed with SIGKILL at $LAT ms (timeout 500 + grace 1000)"

# 300 kB of output (more than a pipe holds) must not stall the child.
r=$(run s5 -t script -T 3000 -c 'head -c 300000 /dev/zero | tr "\0" x; echo; echo done >&2')
lat=$(lab_field latency_ms "$r")
if [ "$(lab_field ok "$r")" = 1 ] &&
    awk -v l="$lat" 'BEGIN { exit !(l < 1000) }'; then
	t_pass "chatty script (300 kB output) finishes in $lat ms"
else
	t_fail script_chatty "$(cut -c1-300 <<<"$r")"
fi

echo "== stopped server (SIGSTOP)"
# Run 1 connects; SIGSTOP; run 2 (on the open connection) must fail at its
# 1 s deadline while the loop keeps ticking; SIGCONT; run 3 reconnects.
"$RUN" -t ping "${A[@]}" -T 1000 -n 3 -i 2000 >"$T/stop.out" 2>&1 &
dp=$!
lab_own "$dp"
if wait_line "$T/stop.out" 'run=1 ' 5; then
	lab_db_freeze h1
	wait_line "$T/stop.out" 'run=2 ' 8
	lab_db_thaw h1
fi
wait_line "$T/stop.out" '^DONE' 8
lab_stop "$dp"
cat "$T/stop.out" >>"$OUT"
r=$(grep 'run=2 ' "$T/stop.out")
r3=$(grep 'run=3 ' "$T/stop.out")
st=$(lab_field start_ms "$r") en=$(lab_field end_ms "$r") gap=$(lab_field max_gap_ms "$r")
if [ "$(lab_field ok "$r")" = 0 ] && [ "$(lab_field errno "$r")" = 2013 ] &&
    awk -v s="$st" -v e="$en" -v g="$gap" \
    'BEGIN { exit !(e - s >= 1000 && e - s < 1100 && g < 30) }'; then
	t_pass "SIGSTOPped server: run failed at $(awk -v s="$st" -v e="$en" 'BEGIN { print e - s }') ms (timeout 1000; started $st, ended $en), loop max gap $gap ms"
else
	t_fail sigstop "$r"
fi
if [ "$(lab_field ok "$r3")" = 1 ]; then
	t_pass "after SIGCONT the next run reconnects ($(lab_field latency_ms "$r3") ms)"
else
	t_fail sigcont "$r3"
fi

# A connect to a stopped server: the handshake never comes.
lab_db_freeze h1
r=$(run stop2 -t ping "${A[@]}" -T 1000)
lab_db_thaw h1
lat=$(lab_field latency_ms "$r") gap=$(lab_field max_gap_ms "$r")
if [ "$(lab_field ok "$r")" = 0 ] &&
    awk -v l="$lat" -v g="$gap" 'BEGIN { exit !(l >= 1000 && l < 1100 && g < 30) }'; then
	t_pass "connect to a SIGSTOPped server fails at $lat ms (timeout 1000), loop max gap $gap ms"
else
	t_fail sigstop_connect "$r"
fi

echo "== killed server (kill -9), reconnect back-off"
lab_db_kill h1
"$RUN" -t ping "${A[@]}" -T 1000 -n 400 -i 100 -U >"$T/k9.out" 2>&1 &
dp=$!
lab_own "$dp"
# Let the back-off grow (attempts at about 0, 0.1, 0.3-0.4, 0.8, 1.6 s),
# then bring the server back (the back-off check below fails on fewer).
failed_connects() { [ "$(grep -c 'connect failed' "$T/k9.out")" -ge "$1" ]; }
lab_wait_for "5 failed connects" 6 failed_connects 5 ||
    lab_log "fewer than 5 connect attempts in 6 s"
lab_db_restart h1 || t_fail restart "mariadbd did not restart"
ready=$(lab_wall_ms)
wait_line "$T/k9.out" '^DONE' 12
lab_stop "$dp"
cat "$T/k9.out" >>"$OUT"
r=$(grep 'run=1 ' "$T/k9.out")
if [ "$(lab_field ok "$r")" = 0 ] && [ "$(lab_field errno "$r")" = 2002 ] &&
    awk -v l="$(lab_field latency_ms "$r")" 'BEGIN { exit !(l < 50) }'; then
	t_pass "killed server: ping fails fast with 2002 ($(lab_field latency_ms "$r") ms)"
else
	t_fail kill9 "$r"
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
	t_pass "reconnect back-off: attempts at [ $att] ms, $skipped runs failed fast in between"
else
	t_fail backoff "attempts at [ $att] ms"
fi
r=$(grep 'ok=1' "$T/k9.out" | head -n 1)
w=$(lab_field wall_ms "$r")
late=$(grep 'connect failed' "$T/k9.out" | awk -v rd="$ready" \
    '{ for (i = 1; i <= NF; i++) if ($i ~ /^wall_ms=/) { split($i, kv, "="); if (kv[2] > rd + 50) n++ } } END { print n + 0 }')
if [ -n "$r" ] && [ "$late" = 0 ] && [ $((w - ready)) -le 5300 ]; then
	t_pass "reconnects after restart: first ok $((w - ready)) ms after the server was ready (next back-off slot)"
else
	t_fail reconnect "ok line: '$r'; failed attempts after ready: $late"
fi

if grep -qF "$PW" "$OUT"; then
	t_fail password "the password appears in driver output"
else
	t_pass "password never in any result message ($(grep -c '^RESULT' "$OUT") results)"
fi

if grep -qE 'Sanitizer|runtime error' "$OUT"; then
	t_fail sanitizer "$(grep -E 'Sanitizer|runtime error' "$OUT" | head -n 3)"
fi

t_summary
