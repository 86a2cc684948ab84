#!/bin/bash
# demo: the README's live demo.  Three hosts and a client in network
# namespaces (nothing touches the host's own network).  Each host runs a
# private MariaDB (h1 the GTID primary, h2 and h3 its replicas) and dbvipd
# checking it (ping: FAULT when the database is down; replication: -50
# when a replica is not replicating).  Then:
#   1. h1's mariadbd is killed (kill -9; host and agent stay up): h1's
#      agent sees its database die, goes FAULT, hands over at once, and the
#      VIP moves to h2; the client measures how long it could not reach it.
#   2. (DEMO_CRASH=1, the default) h2 crashes as a whole (agent killed,
#      cable pulled): h3 takes over after the VRRP master-down interval.
# Builds nothing: run `make` first (or point DBVIPD/DBVIPCTL at your
# binaries).  Needs root.
#
#   sudo tests/lab/demo.sh          DEMO_ADV=0.1 for fast adverts
#
# DEMO_AGENT=keepalived runs the same story with keepalived and the usual
# `mariadb-admin ping` vrrp_script (weight -60; no status table then),
# which is how the demo itself was checked.
set -u
. "$(dirname "$0")/lib.sh"

AGENT=${DEMO_AGENT:-dbvipd}
ADV=${DEMO_ADV:-1}
VIP=198.51.100.100/24
ELECT_S=$(awk -v a="$ADV" 'BEGIN { print 4 * a + 10 }')

if [ "$AGENT" = dbvipd ] && ! lab_have_dbvipd; then
	echo "demo: no $DBVIPD or $DBVIPCTL; build first with 'make'" >&2
	exit 1
fi
lab_have_mariadb || { echo "demo: MariaDB (mariadb-server) is not installed" >&2; exit 1; }

say() { printf '\n== %s\n' "$*"; }

show_status() {
	local h
	for h in h1 h2 h3; do
		if [ -z "${LAB_AGENT[$h]:-}" ] || ! lab_alive "${LAB_AGENT[$h]}"; then
			printf -- '-- %s (%s): agent not running\n' "$h" "${LAB_IP4[$h]}"
			continue
		fi
		printf -- '-- %s (%s, %s):\n' "$h" "${LAB_IP4[$h]}" "$(host_mac "$h")"
		if [ "$AGENT" = dbvipd ]; then
			lab_exec "$h" "$DBVIPCTL" -s "${LAB_SOCK[$h]}" status | sed 's/^/   /'
		else
			printf '   vip1: %s\n' "$(agent_state "$h" vip1)"
		fi
	done
}

# measure WHAT OLDHOST FAULT-CMD...: run the fault with the client's
# stopwatch on and say where and when the client reached the VIP again.
measure() {
	local what=$1 old=$2
	shift 2
	if lab_stopwatch "$VIP" "$old" 30000 "$@"; then
		printf 'The client reached the VIP at %s (%s) %.0f ms after %s (first packet: %s).\n' \
		    "$LAB_SW_MAC" "$LAB_SW_WHO" "$LAB_SW_MS" "$what" "$LAB_SW_KIND"
	else
		printf 'The VIP did not move: %s\n' "$LAB_SW_ERR"
	fi
}

lab_init
say "Building the lab: bridge, hosts h1 h2 h3 (198.51.100.11-13), client (.200)"
lab_topology 3
lab_probe_bin >/dev/null || lab_die "cannot build the probe (tests/lab/probe.c)"

say "Starting MariaDB: h1 primary, h2 and h3 GTID replicas (read_only)"
lab_repl_start h1 h2 h3 || lab_die "MariaDB replication did not start"
for h in h2 h3; do
	printf '%s: IO %s, SQL %s, %s s behind, at GTID %s\n' "$h" \
	    "$(lab_repl_field "$h" Slave_IO_Running)" "$(lab_repl_field "$h" Slave_SQL_Running)" \
	    "$(lab_repl_field "$h" Seconds_Behind_Master)" "$(lab_repl_field "$h" Gtid_IO_Pos)"
done

say "Starting $AGENT on each host: VRRPv3, advert_int $ADV s, VIP $VIP, priorities 150/120/100"
for h in h1 h2 h3; do
	if [ "$AGENT" = dbvipd ]; then
		LAB_CONF[$h]=$(lab_dbvipd_conf_db "$h" <<-'EOF'
		[check ping]
		type = ping
		fall = 2
		rise = 2
		weight = 0

		[check repl]
		type = replication
		max_lag = 5
		fall = 2
		rise = 2
		weight = -50
		EOF
		)
		LAB_APPEND=1 C_PRIO=${LAB_PRIO[$h]} C_ADV=$ADV C_VIPS=$VIP \
		    C_EXTRA=$'track = ping\ntrack = repl' lab_vrrp_conf dbvipd "$h" >/dev/null
	else
		lab_keepalived_conf_db "$h"
		LAB_CONF[$h]="$LAB_TMP/$h.keepalived.conf"
		LAB_APPEND=1 C_PRIO=${LAB_PRIO[$h]} C_ADV=$ADV C_VIPS=$VIP \
		    C_EXTRA=$'\ttrack_script {\n\t\tchk_db\n\t}' \
		    lab_vrrp_conf keepalived "$h" >/dev/null
	fi
	lab_start_agent "$AGENT" "$h" "${LAB_CONF[$h]}" || lab_die "$AGENT on $h did not start"
done
[ "$AGENT" = dbvipd ] && printf 'Each agent checks its own database: ping (down -> FAULT) and replication (not replicating -> -50).\n'
lab_wait_for "h1 to become master" "$ELECT_S" eval \
    'agent_state_is h1 vip1 MASTER && lab_vip_only_on h1 "$VIP" && client_sees "$VIP" h1' ||
    lab_die "no master elected"
show_status
mac=$(client_mac_of "$VIP")
printf '\nThe client asks "who has %s?" and gets %s: that is %s.\n' "${VIP%/*}" "$mac" "$(lab_host_of_mac "$mac")"

say "Killing h1's database: kill -9 of its mariadbd (h1 and its agent stay up)"
LAB_DB_KILL_NOWAIT=1 measure "the kill" h1 lab_db_kill h1
lab_wait_for "h2 master" 5 agent_state_is h2 vip1 MASTER
show_status
if [ "$AGENT" = dbvipd ]; then
	printf '\nh1 saw its database die (its idle check connection closed; ping failed, and\nagain 0.2 s later: fall 2), went FAULT and sent a\n'
	printf 'priority-0 advertisement, so h2 took over after its skew time instead of 3 x %s s.\n' "$ADV"
fi

if [ "${DEMO_CRASH:-1}" = 1 ]; then
	say "Crashing h2 as a whole: its agent killed (kill -9) and its cable pulled"
	measure "the crash" h2 eval 'lab_crash_agent h2 nowait; lab_link_down h2'
	lab_wait_for "h3 master" 5 agent_state_is h3 vip1 MASTER
	show_status
	printf '\nNobody could say goodbye for h2: h3 waited 3 x %s s + skew for the missing master.\n' "$ADV"
fi

say "Cleaning up (agents and databases stopped, namespaces deleted)"
