#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench: failover time seen by a client, dbvipd against keepalived with the
# same timers.  A benchmark, not a test: it prints figures and exits 0
# unless the lab itself broke.
#
# Measured: from the fault (probe.c's SIGUSR1, sent by a builtin kill right
# before the fault) to the first ARP packet for the VIP from a MAC other
# than the old master's (the new master's gratuitous ARP or its answer to
# the probe's who-has every 5 ms), on CLOCK_MONOTONIC in the client.
#
# Faults:
#   crash  kill -9 of the master agent, then its cable pulled
#   term   SIGTERM of the master agent (priority-0 advert, clean release)
#
#   dbkill kill -9 of the master's mariadbd; host and agent stay up (one
#          private mariadbd per host, h1 the GTID primary, h2/h3 replicas).
#          dbvipd tracks a ping check (weight 0: FAULT, then a priority-0
#          advert); keepalived runs the typical vrrp_script `mariadb-admin
#          ping` with a negative weight (its priority drops below the
#          backup's; BENCH_KA_WEIGHT=0 makes it go FAULT instead).  Both
#          at advert_int 1, check interval 1, timeout 1, fall 2, rise 2;
#          BENCH_DB_CHECK_INTS ("1 0.5 0.2") adds dbvipd rows with shorter
#          check intervals.  The exact settings are printed.
#
# Environment: BENCH_RUNS (5), BENCH_ADVERTS ("1 0.1"), BENCH_FAULTS
# ("crash term"; empty to skip), BENCH_IMPLS ("dbvipd keepalived"),
# BENCH_PHASE (1: fault at a random point of the advert cycle; 0: right
# after steady state), BENCH_DB (1: run dbkill if MariaDB is installed;
# 0: skip), BENCH_KA_WEIGHT (-60), BENCH_DB_CHECK_INTS, plus lib.sh's.
set -u
. "$(dirname "$0")/lib.sh"

RUNS=${BENCH_RUNS:-5}
ADVERTS=${BENCH_ADVERTS:-"1 0.1"}
FAULTS=${BENCH_FAULTS-"crash term"}
IMPLS=${BENCH_IMPLS:-"dbvipd keepalived"}
VIP=198.51.100.100/24
HOSTS="h1 h2 h3"
declare -A PRIO=([h1]=150 [h2]=120 [h3]=100)
declare -A CONF=()
declare -A MEDIAN=()

# Steady state: h1 alone holds the VIP, the others are BACKUP, and the
# client's ARP is answered by h1.
steady() {
	lab_vip_only_on h1 "$VIP" &&
	    agent_state_is h2 vip1 BACKUP && agent_state_is h3 vip1 BACKUP &&
	    client_sees "$VIP" h1
}

start_group() {
	local impl=$1 adv=$2 h
	for h in $HOSTS; do
		CONF[$h]=$(C_PRIO=${PRIO[$h]} C_ADV=$adv C_VIPS=$VIP lab_vrrp_conf "$impl" "$h")
		lab_start_agent "$impl" "$h" "${CONF[$h]}" || return 1
	done
}

stop_group() {
	local h
	for h in $HOSTS; do
		lab_alive "${LAB_AGENT[$h]}" && lab_stop_agent "$h"
	done
	lab_exec h1 ip addr del "$VIP" dev "$LAB_IF" 2>/dev/null
	lab_wait_for "VIP gone" 5 lab_vip_nowhere "$VIP"
}

# One measurement: sets RUN_RESULT to "MS KIND" or fails.  Not run in
# $(...): it starts processes, which must stay children of this shell.
one_run() {
	local impl=$1 adv=$2 fault=$3 settle res ms mac kind who
	settle=$(awk -v a="$adv" 'BEGIN { print 3 * a + 12 }')
	lab_wait_for "steady state (h1 master)" "$settle" steady || return 1
	lab_probe_start "$VIP" "$(host_mac h1)" 20000 || return 1
	# A random phase between 0 and one advert interval, so the fault does
	# not always land at the same point of the master's advert cycle (a
	# crash's detection time depends on it: 2 to 3 x advert_int + skew).
	# A deliberate jitter, not a wait for anything.
	[ "${BENCH_PHASE:-1}" = 1 ] &&
	    sleep "$(awk -v a="$adv" -v r="$RANDOM" 'BEGIN { printf "%.3f", a * r / 32768 }')"
	case $fault in
	dbkill)
		lab_probe_fault
		LAB_DB_KILL_NOWAIT=1 lab_db_kill h1
		;;
	crash)
		lab_probe_fault
		lab_crash_agent h1 nowait
		lab_link_down h1
		;;
	term)
		lab_probe_fault
		lab_kill "${LAB_AGENT[h1]}" TERM
		;;
	esac
	res=$(lab_probe_result) || { lab_log "$res"; return 1; }
	read -r ms mac kind <<<"$res"
	who=$(lab_host_of_mac "$mac")
	[ "$who" = h2 ] || lab_log "unexpected new master $who ($mac)"
	if [ "$fault" = dbkill ]; then
		# Restore: h1's database back; its agent preempts once its
		# check has risen again.
		lab_wait_exit "${LAB_MYPID[h1]}" 10
		lab_db_restart h1 || return 1
		RUN_RESULT="$ms $kind"
		return 0
	fi
	# Restore: h1 back with its agent, preempts as the highest priority.
	lab_wait_exit "${LAB_AGENT[h1]}" 10
	[ "$fault" = crash ] && {
		lab_exec h1 ip addr del "$VIP" dev "$LAB_IF" 2>/dev/null
		lab_link_up h1
	}
	lab_start_agent "$impl" h1 "${CONF[h1]}" || return 1
	RUN_RESULT="$ms $kind"
}

lab_init
lab_topology 3
lab_probe_bin >/dev/null || lab_die "cannot build probe.c"

printf '# bench: %s runs per case, VRRPv3, 3 agents (priorities 150/120/100)\n' "$RUNS"
# run_case KEY LABEL IMPL ADV FAULT: BENCH_RUNS measurements, one result
# line (starting with LABEL); the median goes to MEDIAN[KEY].
run_case() {
	local key=$1 label=$2 impl=$3 adv=$4 fault=$5 r out vals=() kinds=""
	for (( r = 1; r <= RUNS; r++ )); do
		if one_run "$impl" "$adv" "$fault"; then
			out=$RUN_RESULT
			vals+=("${out% *}")
			kinds+=" ${out#* }"
		else
			lab_log "$label run $r failed"
		fi
	done
	read -r med min max n < <(printf '%s\n' "${vals[@]}" | grep . | lab_stats)
	MEDIAN[$key]=$med
	printf '%-26s %-6s median %8s ms  min %8s  max %8s  (n=%s; first packet:%s)\n' \
	    "$label" "$fault" "$med" "$min" "$max" "$n" \
	    "$(tr ' ' '\n' <<<"$kinds" | grep . | sort | uniq -c | awk '{printf " %s %s", $1, $2}')"
	printf '#   runs (ms): %s\n' "${vals[*]}"
}

[ -n "$FAULTS" ] && for impl in $IMPLS; do
	if [ "$impl" = dbvipd ] && ! lab_have_dbvipd; then
		echo "SKIP dbvipd: no $DBVIPD / $DBVIPCTL (build first, or set DBVIPD/DBVIPCTL)"
		continue
	fi
	if [ "$impl" = keepalived ] && ! command -v "$KEEPALIVED" >/dev/null; then
		echo "SKIP keepalived: not installed"
		continue
	fi
	for adv in $ADVERTS; do
		start_group "$impl" "$adv" || lab_die "cannot start $impl group"
		for fault in $FAULTS; do
			run_case "$impl/$adv/$fault" \
			    "$(printf '%-10s advert_int %-4s' "$impl" "$adv")" \
			    "$impl" "$adv" "$fault"
		done
		stop_group
	done
done

# ---------------------------------------------------------------- dbkill
KA_WEIGHT=${BENCH_KA_WEIGHT:--60}
DB_CHECK_INTS=${BENCH_DB_CHECK_INTS:-"1 0.5 0.2"}

# dbvipd on HOST with one ping check at interval INT tracked by vip1.
db_conf_dbvipd() {
	local h=$1 int=$2 f
	f=$(lab_dbvipd_conf_db "$h" <<-EOF
	[check ping]
	type = ping
	interval = $int
	timeout = 1
	rise = 2
	fall = 2
	weight = 0
	EOF
	)
	LAB_APPEND=1 C_PRIO=${PRIO[$h]} C_ADV=1 C_VIPS=$VIP \
	    C_EXTRA='track = ping' lab_vrrp_conf dbvipd "$h" >/dev/null
	echo "$f"
}

# keepalived on HOST with the usual vrrp_script around mariadb-admin ping.
db_conf_keepalived() {
	local h=$1
	KA_SCRIPT_WEIGHT=$KA_WEIGHT lab_keepalived_conf_db "$h"
	LAB_APPEND=1 C_PRIO=${PRIO[$h]} C_ADV=1 C_VIPS=$VIP \
	    C_EXTRA=$'\ttrack_script {\n\t\tchk_db\n\t}' \
	    lab_vrrp_conf keepalived "$h" >/dev/null
	echo "$LAB_TMP/$h.keepalived.conf"
}

if [ "${BENCH_DB:-1}" = 1 ] && lab_have_mariadb; then
	lab_repl_start h1 h2 h3 || lab_die "MariaDB replication set did not start"
	printf '# dbkill: kill -9 of h1'"'"'s mariadbd (agent and host alive), advert_int 1, priorities 150/120/100\n'
	for impl in $IMPLS; do
		if [ "$impl" = dbvipd ] && ! lab_have_dbvipd; then
			continue
		fi
		if [ "$impl" = keepalived ] && ! command -v "$KEEPALIVED" >/dev/null; then
			continue
		fi
		ints=1
		[ "$impl" = dbvipd ] && ints=$DB_CHECK_INTS
		for int in $ints; do
			for h in $HOSTS; do
				if [ "$impl" = dbvipd ]; then
					CONF[$h]=$(db_conf_dbvipd "$h" "$int")
				else
					CONF[$h]=$(db_conf_keepalived "$h")
				fi
				lab_start_agent "$impl" "$h" "${CONF[$h]}" ||
				    lab_die "cannot start $impl on $h"
			done
			if [ "$impl" = dbvipd ]; then
				printf '#   dbvipd: [check ping] type ping, interval %s, timeout 1, fall 2, rise 2, weight 0 (FAULT); vip1 track = ping\n' "$int"
			else
				printf '#   keepalived: vrrp_script "mariadb-admin -S SOCK ping" interval 1, timeout 1, fall 2, rise 2, weight %s\n' "$KA_WEIGHT"
			fi
			run_case "$impl/check_int=$int" "$impl/check_int=$int" \
			    "$impl" 1 dbkill
			stop_group
		done
	done
	d=${MEDIAN[dbvipd/check_int=1]:-}
	k=${MEDIAN[keepalived/check_int=1]:-}
	if [[ $d =~ ^[0-9.]+$ && $k =~ ^[0-9.]+$ ]]; then
		printf 'ratio dbvipd/keepalived dbkill (both check interval 1) %s\n' \
		    "$(awk -v d="$d" -v k="$k" 'BEGIN { printf "%.2f", d / k }')"
	fi
	for int in $DB_CHECK_INTS; do
		d=${MEDIAN[dbvipd/check_int=$int]:-}
		if [ "$int" != 1 ] && [[ $d =~ ^[0-9.]+$ && $k =~ ^[0-9.]+$ ]]; then
			printf 'ratio dbvipd (check interval %s)/keepalived dbkill %s\n' "$int" \
			    "$(awk -v d="$d" -v k="$k" 'BEGIN { printf "%.2f", d / k }')"
		fi
	done
elif [ "${BENCH_DB:-1}" = 1 ]; then
	echo "SKIP dbkill: MariaDB not installed"
fi

for adv in $ADVERTS; do
	for fault in $FAULTS; do
		d=${MEDIAN[dbvipd/$adv/$fault]:-}
		k=${MEDIAN[keepalived/$adv/$fault]:-}
		if [[ $d =~ ^[0-9.]+$ && $k =~ ^[0-9.]+$ ]]; then
			printf 'ratio dbvipd/keepalived advert_int %-4s %-6s %s\n' "$adv" "$fault" \
			    "$(awk -v d="$d" -v k="$k" 'BEGIN { printf "%.2f", d / k }')"
		fi
	done
done
exit 0
