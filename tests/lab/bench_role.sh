#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench_role: failover of a MariaDB primary under write load (issue 4,
# items 15 and 16): dbvipd with role = replication next to keepalived with
# a typical notify_master promote script, in the same run, same lab.
#
# Each run starts from a fresh GTID replication set (h1 primary, h2 and h3
# replicas, semi-sync AFTER_SYNC), the writer committing through the VIP
# every 10 ms (role_lib.sh), then injects one fault on h1:
#   dbkill  kill -9 of h1's mariadbd (host and agent stay up)
#   crash   the whole h1 host (link down, agent and mariadbd kill -9)
# and measures
#   outage   the longest time between two acknowledged writes around
#            the fault (the writer's monotonic clock)
#   promote  dbvipd: claim (VIP_ADD at the head of the queue) to promoted,
#            the VIP goes up right after (status last_promote_ms);
#            keepalived: the run time of its notify_master script (the VIP
#            is already up while it runs)
#   lost     acknowledged writes missing on the new primary
#
# Both: advert_int 1, priorities 150/120/100, database check every 1 s
# (dbvipd: ping, interval 0.5, timeout 0.5, fall 2, rise 2, FAULT;
# keepalived: vrrp_script mariadb-admin ping, interval 1, timeout 1,
# fall 2, rise 2, weight -60), printed below.
#
# Environment: BENCH_RUNS (5), BENCH_FAULTS ("dbkill crash"), BENCH_IMPLS
# ("dbvipd keepalived"), plus lib.sh's.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/role_lib.sh"

RUNS=${BENCH_RUNS:-5}
FAULTS=${BENCH_FAULTS:-"dbkill crash"}
IMPLS=${BENCH_IMPLS:-"dbvipd keepalived"}

if ! lab_have_mariadb; then
	echo "SKIP bench_role: mariadb-server not installed"
	exit 77
fi

lab_init
lab_topology 3

# keepalived's side: the usual notify scripts, timed.
ka_scripts() {
	local d="$LAB_TMP/ka"
	mkdir -p "$d"
	chmod 755 "$d"
	cat >"$d/promote.sh" <<-EOF
	#!/bin/sh
	# A typical notify_master: stop replication, become writable.
	s=\$(date +%s%3N)
	$(command -v mariadb) --no-defaults -uroot -S "\$1" --connect-timeout=2 \\
	    -e "STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = OFF"
	echo "promote \$s \$(date +%s%3N)" >>"\$2"
	EOF
	cat >"$d/demote.sh" <<-EOF
	#!/bin/sh
	$(command -v mariadb) --no-defaults -uroot -S "\$1" --connect-timeout=2 \\
	    -e "SET GLOBAL read_only = ON"
	EOF
	chmod 755 "$d/promote.sh" "$d/demote.sh"
}

ka_start() {
	local h f
	for h in h1 h2 h3; do
		lab_keepalived_conf_db "$h"
		f=$(LAB_APPEND=1 C_PRIO=${ROLE_PRIO[$h]} C_ADV=$ROLE_ADV \
		    C_VIPS="$ROLE_VIP/24" C_EXTRA="$(printf '\ttrack_script {\n\t\tchk_db\n\t}\n\tnotify_master "%s %s %s"\n\tnotify_backup "%s %s"\n' \
		    "$LAB_TMP/ka/promote.sh" "${LAB_MYSOCK[$h]}" "$LAB_TMP/ka/$h.times" \
		    "$LAB_TMP/ka/demote.sh" "${LAB_MYSOCK[$h]}")" \
		    lab_vrrp_conf keepalived "$h") || return 1
		lab_start_keepalived "$h" "$f" || return 1
	done
	ka_h1_primary() {
		lab_vip_only_on h1 "$ROLE_VIP" &&
		    [ "$(lab_sql h1 'SELECT @@global.read_only' 2>/dev/null)" = 0 ]
	}
	lab_wait_for "keepalived: h1 master and writable" 20 ka_h1_primary
}

teardown() {
	local h
	[ -n "${ROLE_WPID:-}" ] && lab_alive "$ROLE_WPID" && role_writer_stop
	for h in h1 h2 h3; do
		if lab_agent_alive "$h"; then
			lab_crash_agent "$h"
		fi
		LAB_AGENT[$h]=
	done
	for h in h1 h2 h3; do
		[ -n "${LAB_MYPID[$h]:-}" ] && lab_alive "${LAB_MYPID[$h]}" &&
		    { LAB_DB_KILL_NOWAIT=0 lab_db_kill "$h"; }
		rm -rf "$(lab_db_dir "$h")"
		lab_link_up "$h"
		lab_exec "$h" ip addr del "$ROLE_VIP/24" dev "$LAB_IF" 2>/dev/null
	done
	rm -f "$LAB_TMP"/ka/*.times
}

# One run; sets RUN_RESULT="OUTAGE PROMOTE LOST" or fails.
one_run() {
	local impl=$1 fault=$2 t newp promote lost
	role_db_setup || return 1
	if [ "$impl" = dbvipd ]; then
		role_agents_start || return 1
	else
		ka_start || return 1
	fi
	role_writer_start 120 || return 1
	lab_wait_for "200 acks" 10 role_acks_ge 200 || return 1
	t=$(role_now)
	case $fault in
	dbkill) LAB_DB_KILL_NOWAIT=1 lab_db_kill h1 ;;
	crash) role_host_crash h1 ;;
	esac
	lab_wait_for "acks after the fault" 30 role_acks_after_ge "$t" 20 || return 1
	newp=$(role_vip_holder) || return 1
	if [ "$impl" = dbvipd ]; then
		promote=$(dbvip_field "$newp" vip1 .role.last_promote_ms)
	else
		promote=$(awk '{ print $3 - $2 }' "$LAB_TMP/ka/$newp.times" | tail -n 1)
	fi
	# The writer stops first: an insert acknowledged after the count
	# would look lost.
	role_writer_stop
	lost=$(role_lost_acks "$newp" | wc -l)
	if [ "$lost" -gt 0 ]; then
		lab_log "$impl $fault: lost acknowledged ids: $(role_lost_acks "$newp" | head -n 5 | while read -r i; do grep "^ack $i " "$ROLE_WLOG"; done | tr '\n' ' ') (fault at $t)"
		for h in h1 h2 h3; do cp "${LAB_LOG[$h]}" "$LAB_TMP/$impl.$fault.$h.$t.log" 2>/dev/null; done
	fi
	RUN_RESULT="$(role_outage "$t") ${promote:--} $lost"
	lab_log "$impl $fault: new primary $newp, outage ${RUN_RESULT% * *} ms, promote ${promote:--} ms, lost $lost"
}

ka_scripts
ROLE_DBLOAD=$(role_dbload_bin) || lab_die "cannot build dbload.c"
printf '# bench_role: %s runs per case; semi-sync AFTER_SYNC; advert_int %s; writer every 10 ms\n' "$RUNS" "$ROLE_ADV"
printf '%-10s %-7s %-24s %-24s %s\n' impl fault "outage ms med/min/max" "promote ms med/min/max" "lost acked (sum)"
for fault in $FAULTS; do
	for impl in $IMPLS; do
		outs=() proms=() lost=0 ok=0
		for (( r = 1; r <= RUNS; r++ )); do
			if one_run "$impl" "$fault"; then
				read -r o p l <<<"$RUN_RESULT"
				outs+=("$o")
				[ "$p" != - ] && proms+=("$p")
				lost=$((lost + l))
				ok=$((ok + 1))
			else
				lab_log "$impl $fault run $r failed"
			fi
			teardown
		done
		read -r om omin omax _ < <(printf '%s\n' "${outs[@]}" | lab_stats)
		read -r pm pmin pmax _ < <(printf '%s\n' "${proms[@]}" | lab_stats)
		printf '%-10s %-7s %-24s %-24s %s of %s runs\n' "$impl" "$fault" \
		    "$om/$omin/$omax" "$pm/$pmin/$pmax" "$lost" "$ok"
	done
done
