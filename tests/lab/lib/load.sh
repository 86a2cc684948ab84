# SPDX-License-Identifier: Apache-2.0
# tests/lab/lib/load.sh: what measures a failover from the client.  The
# stopwatch (probe.c: the first ARP for the VIP from a new MAC), and the
# database load of the role tests (dbload.c): the writer through the VIP,
# the sampler of every host's read_only and VIP, and their verdicts (write
# outage, lost acknowledged writes, two writable hosts at once); lab_stats.
# Sourced by tests/lab/lib.sh.

# ---------------------------------------------------------------- stopwatch

# lab_probe_bin: build probe.c once per run (or use LAB_PROBE).
lab_probe_bin() {
	if [ -n "${LAB_PROBE:-}" ]; then
		echo "$LAB_PROBE"
		return 0
	fi
	if [ ! -x "$LAB_TMP/probe" ]; then
		${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror \
		    -o "$LAB_TMP/probe" "$LAB_DIR/probe.c" || return 1
	fi
	echo "$LAB_TMP/probe"
}

# lab_probe_start VIP OLDMAC [TIMEOUT_MS]: start the stopwatch in the
# client namespace; sets LAB_PROBE_PID once it is sending.  Then:
# lab_probe_fault right before the fault, lab_probe_result after.
lab_probe_start() {
	local vip=${1%/*} old=$2 timeout=${3:-20000} bin
	bin=$(lab_probe_bin) || return 1
	LAB_PROBE_OUTF="$LAB_TMP/probe.out"
	lab_bg "$LAB_CLIENT" "$LAB_PROBE_OUTF" "$LAB_PROBE_OUTF.err" "$bin" \
	    -i "$LAB_IF" -t "$vip" -s "${LAB_IP4[$LAB_CLIENT]}" -o "$old" \
	    -w "$timeout" || return 1
	LAB_PROBE_PID=$LAB_BG_PID
	lab_wait_for "probe ready" 5 grep -qx ready "$LAB_PROBE_OUTF"
}

# The fault instant: a builtin kill, no fork between it and the fault.
lab_probe_fault() { kill -USR1 "$LAB_PROBE_PID"; }

# lab_probe_result: waits (bounded by the probe's own timeout) for the
# probe, prints "MS MAC KIND", or fails (and prints why).
lab_probe_result() {
	local out=$LAB_PROBE_OUTF line
	# The probe bounds itself (-w); this deadline only guards against a
	# probe that never got its SIGUSR1.
	lab_wait_for "probe to finish" 130 lab_not_alive "$LAB_PROBE_PID" >&2
	line=$(grep '^elapsed_ms=' "$out")
	if [ -z "$line" ]; then
		echo "probe: $(cat "$out" "$out.err" | grep -v '^ready$' | tr '\n' ' ')"
		return 1
	fi
	echo "$line" | sed 's/elapsed_ms=\([^ ]*\) mac=\([^ ]*\) kind=\(.*\)/\1 \2 \3/'
}

# lab_stopwatch VIP OLDHOST TIMEOUT_MS FAULT-CMD...: run FAULT-CMD with the
# client's stopwatch on (probe.c, started and triggered right before the
# fault) and wait for the first ARP for VIP from a MAC other than
# OLDHOST's.  Sets LAB_SW_MS, LAB_SW_MAC, LAB_SW_KIND (garp | reply) and
# LAB_SW_WHO (the host of that MAC); on failure returns 1 with the reason
# in LAB_SW_ERR.  Not for $(...): the probe must stay our child.
lab_stopwatch() {
	local vip=$1 old=$2 timeout=$3 res
	shift 3
	LAB_SW_MS= LAB_SW_MAC= LAB_SW_KIND= LAB_SW_WHO= LAB_SW_ERR=
	if ! lab_probe_start "$vip" "$(host_mac "$old")" "$timeout"; then
		LAB_SW_ERR="probe did not start"
		return 1
	fi
	lab_probe_fault
	"$@"
	if ! res=$(lab_probe_result); then
		LAB_SW_ERR=$res
		return 1
	fi
	read -r LAB_SW_MS LAB_SW_MAC LAB_SW_KIND <<<"$res"
	LAB_SW_WHO=$(lab_host_of_mac "$LAB_SW_MAC")
}

# ---------------------------------------------------------------- dbload
#
# The role tests' load, from tests/lab/dbload.c (built once per run):
#   the writer   dbload writer in the client namespace, through $ROLE_VIP
#                as app / $ROLE_APP_PW (no READ ONLY ADMIN): numbered
#                autocommit inserts every 10 ms, 1 s timeouts, reconnect
#                on error; one "ack ID MS" line per acknowledged write
#   the sampler  dbload sampler: every 50 ms, for each host, read_only and
#                whether it holds $ROLE_VIP
# tests/lab/role_lib.sh sets ROLE_VIP, the app account and ROLE_DBLOAD.

role_dbload_bin() {
	if [ ! -x "$LAB_TMP/dbload" ]; then
		# shellcheck disable=SC2046 # pkg-config output is word-split
		${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror \
		    $(pkg-config --cflags libmariadb) -o "$LAB_TMP/dbload" \
		    "$LAB_DIR/dbload.c" $(pkg-config --libs libmariadb) \
		    -lpthread || return 1
	fi
	echo "$LAB_TMP/dbload"
}

role_now() { "$ROLE_DBLOAD" now; }

role_writer_start() {
	local secs=${1:-120}
	ROLE_WLOG="$LAB_TMP/writer.$(role_now).log"
	lab_bg "$LAB_CLIENT" "$ROLE_WLOG" "$ROLE_WLOG" "$ROLE_DBLOAD" writer \
	    "$ROLE_VIP" "$LAB_DB_PORT" app "$ROLE_APP_PW" "$secs" || return 1
	ROLE_WPID=$LAB_BG_PID
	lab_wait_for "first acknowledged write" 10 grep -q '^ack ' "$ROLE_WLOG"
}

role_writer_stop() { lab_stop "$ROLE_WPID"; }

role_sampler_start() {
	local h specs=()
	ROLE_SLOG="$LAB_TMP/sampler.$(role_now).log"
	for h in h1 h2 h3; do
		specs+=("$h:$(lab_ns "$h"):${LAB_MYSOCK[$h]}")
	done
	"$ROLE_DBLOAD" sampler 50 "$ROLE_VIP" "${specs[@]}" >"$ROLE_SLOG" 2>&1 &
	ROLE_SPID=$!
	lab_own "$ROLE_SPID"
	lab_wait_for "sampler" 5 grep -q . "$ROLE_SLOG"
}

role_sampler_stop() { lab_stop "$ROLE_SPID"; }

# Two hosts writable, or holding the VIP, at the same time, by the
# sampler's evidence.  A run of consecutive "w" samples of one host proves
# it writable from the first sample's answer to the last one's question
# (the state is monotone between them); a single "w" sample proves it at
# one instant of its round trip, taken as its answer time.  Likewise runs
# of "v" samples for the VIP.  Any overlap of two hosts' proven intervals
# is printed (at most 5 lines) and fails.  FROM and TO (ms, optional)
# keep only samples taken in [FROM, TO).
role_sampler_violations() {
	local from=${1:-0} to=${2:-9999999999999} out
	out=$(sort -k2,2n "$ROLE_SLOG" | awk -v from="$from" -v to="$to" '
	# Writable: [first answer, last question] of a run, or the answer
	# of a single sample; VIP: [first question, last question].
	function close_run(h, k,   a, b) {
		if (n[h, k] == 0) return
		if (k == "v") { a = firstq[h, k]; b = lastq[h, k] }
		else if (n[h, k] == 1) { a = first[h, k]; b = a }
		else { a = first[h, k]; b = lastq[h, k] }
		iv[k, ++cnt[k]] = a " " b " " h
		n[h, k] = 0
	}
	function sample(h, k, on, q, r) {
		if (on) {
			if (n[h, k] == 0) { first[h, k] = r; firstq[h, k] = q }
			n[h, k]++; last[h, k] = r; lastq[h, k] = q
		} else close_run(h, k)
	}
	$2 >= from && $2 < to {
		taken++
		sample($1, "w", $4 == "w", $2, $3)
		sample($1, "v", $5 == "v", $2, $3)
		hosts[$1] = 1
	}
	END {
		if (taken == 0) { print "the sampler took no sample"; exit }
		for (h in hosts) { close_run(h, "w"); close_run(h, "v") }
		split("w v", ks, " ")
		for (x = 1; x <= 2; x++) {
			k = ks[x]
			for (i = 1; i <= cnt[k]; i++) for (j = i + 1; j <= cnt[k]; j++) {
				split(iv[k, i], p, " "); split(iv[k, j], q, " ")
				if (p[3] != q[3] && p[1] <= q[2] && q[1] <= p[2])
					printf "%s: %s [%d,%d] and %s [%d,%d]\n", k == "w" ? "writable" : "VIP", p[3], p[1], p[2], q[3], q[1], q[2]
			}
		}
	}' | head -n 5)
	[ -z "$out" ] && return 0
	echo "$out"
	return 1
}

role_samples() { wc -l <"$ROLE_SLOG"; }

# role_check_exclusive NAME: the sampler's verdict as one check: PASS
# "NAME: never two writable, never two VIP holders (N samples)", or FAIL
# with the overlaps role_sampler_violations found.
role_check_exclusive() {
	local bad
	if bad=$(role_sampler_violations); then
		t_pass "$1: never two writable, never two VIP holders ($(role_samples) samples)"
	else
		t_fail "$1: two writable / VIP holders" "$bad"
	fi
}

# Acknowledged ids missing on HOST (one per line).
role_lost_acks() {
	lab_sql "$1" "SELECT id FROM app.w" | sort -n >"$LAB_TMP/present"
	awk '$1 == "ack" { print $2 }' "$ROLE_WLOG" | sort -n >"$LAB_TMP/acked"
	comm -23 "$LAB_TMP/acked" "$LAB_TMP/present"
}

role_acks() { grep -c '^ack ' "$ROLE_WLOG"; }

# For lab_wait_for (which runs its command again and again).
role_acks_ge() { [ "$(role_acks)" -ge "$1" ]; }
role_acks_after_ge() { [ "$(role_acks_after "$1")" -ge "$2" ]; }

# Client write outage around fault time T (dbload ms): the longest time
# between two consecutive acknowledged writes from 2 s before T on (an
# insert in flight at T may still be acknowledged just after it).
role_outage() {
	awk -v t="$1" '$1 == "ack" && $3 >= t - 2000 {
		if (p != "" && $3 - p > g) g = $3 - p; p = $3 }
	END { print g + 0 }' "$ROLE_WLOG"
}

role_acks_after() {
	awk -v t="$1" '$1 == "ack" && $3 > t { n++ } END { print n + 0 }' "$ROLE_WLOG"
}

# median/min/max of numbers on stdin: "median min max n".
lab_stats() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "- - - 0"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.1f %.1f %.1f %d\n", m, v[1], v[NR], NR }'
}
