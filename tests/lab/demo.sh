#!/bin/bash
# demo: the README's live demo.  Three dbvipd hosts and a client in network
# namespaces (nothing touches the host's own network), the master is
# killed (kill -9 and its cable pulled), and the VIP moves; the client
# measures how long it could not reach the VIP.  Builds nothing: run
# `make` first (or point DBVIPD/DBVIPCTL at your binaries).  Needs root.
#
#   sudo tests/lab/demo.sh          DEMO_ADV=0.1 for fast adverts
#
# DEMO_AGENT=keepalived runs the same story with keepalived (no status
# table then), which is how the demo itself was checked.
set -u
. "$(dirname "$0")/lib.sh"

AGENT=${DEMO_AGENT:-dbvipd}
ADV=${DEMO_ADV:-1}
VIP=198.51.100.100/24
ELECT_S=$(awk -v a="$ADV" 'BEGIN { print 4 * a + 5 }')

if [ "$AGENT" = dbvipd ] && ! lab_have_dbvipd; then
	echo "demo: no $DBVIPD or $DBVIPCTL; build first with 'make'" >&2
	exit 1
fi

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

lab_init
say "Building the lab: bridge, hosts h1 h2 h3 (198.51.100.11-13), client (.200)"
lab_topology 3
lab_probe_bin >/dev/null || lab_die "cannot build the probe (tests/lab/probe.c)"

say "Starting $AGENT on each host: VRRPv3, advert_int $ADV s, VIP $VIP, priorities 150/120/100"
C_ADV=$ADV C_VIPS=$VIP lab_group_start "$AGENT" h1 h2 h3 || lab_die "agents did not start"
lab_wait_for "h1 to become master" "$ELECT_S" eval \
    'agent_state_is h1 vip1 MASTER && lab_vip_only_on h1 "$VIP" && client_sees "$VIP" h1' ||
    lab_die "no master elected"
show_status
mac=$(client_mac_of "$VIP")
printf '\nThe client asks "who has %s?" and gets %s: that is %s.\n' "${VIP%/*}" "$mac" "$(lab_host_of_mac "$mac")"

say "Killing the master: kill -9 of h1's agent and h1's cable pulled"
lab_probe_start "$VIP" "$(host_mac h1)" 30000 || lab_die "probe did not start"
lab_probe_fault
lab_crash_agent h1 nowait
lab_link_down h1
if res=$(lab_probe_result); then
	read -r ms mac kind <<<"$res"
	printf 'The client reached the VIP at %s (%s) %.0f ms after the crash (first packet: %s).\n' \
	    "$mac" "$(lab_host_of_mac "$mac")" "$ms" "$kind"
else
	printf 'The VIP did not move: %s\n' "$res"
fi
lab_wait_for "h2 master" 5 agent_state_is h2 vip1 MASTER
show_status
printf '\n(With advert_int %s the backup waits 3 x %s s + skew for the dead master.)\n' "$ADV" "$ADV"

say "Cleaning up (agents stopped, namespaces deleted)"
