#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t_keepalived_smoke: proves the lab harness with keepalived alone.  Three
# keepalived hosts (VRRPv3) elect the highest priority, the client's ARP for
# the VIP is answered with the master's MAC, and when the master crashes
# (kill -9, no priority-0 advert) the next one takes over and the client
# sees its MAC.  Run once per advert interval in KA_ADVERTS (default
# "1 0.1"); the takeover time is measured with probe.c and printed.
set -u
. "$(dirname "$0")/lib.sh"

VIP=198.51.100.100/24
VRID=51
KA_ADVERTS=${KA_ADVERTS:-"1 0.1"}
declare -A PRIO=([h1]=150 [h2]=120 [h3]=100)
declare -A conf=()

ka_conf() {
	local h=$1 adv=$2
	lab_keepalived_conf "$h" VI_1 <<-EOF
	state BACKUP
	interface $LAB_IF
	virtual_router_id $VRID
	priority ${PRIO[$h]}
	version 3
	advert_int $adv
	virtual_ipaddress {
		$VIP dev $LAB_IF
	}
	EOF
}

lab_init
lab_topology 3

for adv in $KA_ADVERTS; do
	t="adv$adv"
	# Master-down interval is 3 x advert + skew; allow generous margins.
	down_s=$(awk -v a="$adv" 'BEGIN { print 3 * a + 1 + 3 }')
	elect_s=$(awk -v a="$adv" 'BEGIN { print 3 * a + 1 + 5 }')

	for h in h1 h2 h3; do
		conf[$h]=$(ka_conf "$h" "$adv")
		lab_start_keepalived "$h" "${conf[$h]}" || lab_die "keepalived on $h"
	done

	if lab_wait_for "h1 to hold the VIP alone" "$elect_s" lab_vip_only_on h1 "$VIP" &&
	    lab_wait_for "h2, h3 in BACKUP" 5 \
	    eval 'agent_state_is h2 VI_1 BACKUP && agent_state_is h3 VI_1 BACKUP'; then
		t_pass "$t election: highest priority (h1) is the only master"
	else
		t_fail "$t election" "VIP on: $(lab_who_has_vip "$VIP" | tr '\n' ' ')"
	fi
	t_check "$t client ARP answered by h1's MAC" \
	    "client sees $(client_mac_of "$VIP"), h1 is $(host_mac h1)" \
	    lab_wait_for "client to see h1" 5 client_sees "$VIP" h1

	# Crash the master; the stopwatch runs from just before the kill.
	if lab_stopwatch "$VIP" h1 $(( ${down_s%.*} * 1000 + 1000 )) lab_crash_agent h1; then
		echo "# keepalived v3 advert_int $adv: kill -9 of the master -> $LAB_SW_WHO answered after $LAB_SW_MS ms ($LAB_SW_KIND)"
		t_check "$t crash: h2 takes over (client sees h2's MAC)" \
		    "new MAC is $LAB_SW_WHO ($LAB_SW_MAC)" [ "$LAB_SW_WHO" = h2 ]
	else
		t_fail "$t crash: takeover" "$LAB_SW_ERR"
	fi
	t_check "$t crash: h2 holds the VIP" "VIP on: $(lab_who_has_vip "$VIP" | tr '\n' ' ')" \
	    lab_wait_for "h2 to hold the VIP" 5 lab_vip_on h2 "$VIP"
	# The crashed master left the VIP on its interface (no clean-up ran);
	# keepalived on h3 must stay backup.
	t_check "$t crash: h3 stays BACKUP" "h3 is $(agent_state h3 VI_1)" \
	    agent_state_is h3 VI_1 BACKUP

	for h in h2 h3; do
		lab_stop_agent "$h"
	done
	# The killed master's VIP stays behind: remove it before the next round.
	lab_exec h1 ip addr del "$VIP" dev "$LAB_IF" 2>/dev/null
	lab_wait_for "VIP gone everywhere" 5 lab_vip_nowhere "$VIP" ||
	    t_fail "$t cleanup" "VIP still on $(lab_who_has_vip "$VIP")"
done

t_summary
