#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t_gate_galera: health gating over a real 3-node Galera cluster (issue 3,
# item 9).  One mariadbd (galera-4) and one dbvipd per host namespace; each
# agent tracks
#
#   [check galera]  type galera, min_cluster_size 2, interval 0.5,
#                   timeout 0.5, rise 2, fall 2, weight 0
#                   (not Primary/Synced/ready, or fewer than 2 nodes -> FAULT)
#
# with one instance vip1 (vrid 61, VIP .100; priorities h1 150, h2 120,
# h3 110; advert_int 1).
#
#   healthy   every node Primary/Synced in a cluster of 3; h1 (a healthy
#             Primary node) holds the VIP; the checks say so in status
#   quorum    kill -9 of h1's and h2's mariadbd (the VIP holder's among
#             them; agents and hosts stay up): h3 is left alone and goes
#             non-Primary; then no agent holds the VIP, and that holds for
#             3 s: h1 and h2 are FAULT (their database is gone), h3 is FAULT
#             (non-Primary, its galera check failing with the reason)
#
# The cluster takes 10-15 s to form (rsync SST for the joiners); the faster
# evs timeouts of lib/db.sh (lab_galera_args) make h3 notice it is alone
# in about 3 s.
# Exit 0 only if every check passed; SKIP (exit 0) if Galera or dbvipd is missing.
set -u
. "$(dirname "$0")/lib.sh"

VIP=198.51.100.100/24
declare -A PRIO=([h1]=150 [h2]=120 [h3]=110)

lab_require dbvipd galera

lab_init
lab_topology 3
lab_galera_start h1 h2 h3 || lab_die "Galera cluster did not form"

for h in h1 h2 h3; do
	LAB_CONF[$h]=$(lab_dbvipd_conf_db "$h" <<-'EOF2'
	[check galera]
	type = galera
	min_cluster_size = 2
	interval = 0.5
	timeout = 0.5
	rise = 2
	fall = 2
	weight = 0
	EOF2
	)
	LAB_APPEND=1 C_INST=vip1 C_VRID=61 C_PRIO=${PRIO[$h]} C_VIPS=$VIP \
	    C_EXTRA='track = galera' lab_vrrp_conf dbvipd "$h" >/dev/null
	lab_start_dbvipd "$h" "${LAB_CONF[$h]}" || lab_die "dbvipd on $h did not start"
done

# For lab_states: HOST's Galera cluster status.
galera_of() { printf '/%s' "$(lab_galera_status "$1" wsrep_cluster_status || echo -)"; }

all_fault_no_vip() {
	local h
	for h in h1 h2 h3; do
		[ "$(dbvip_state "$h" vip1)" = FAULT ] || return 1
	done
	lab_vip_nowhere "$VIP"
}

# ---------------------------------------------------------------- healthy
t_check "healthy: h1 master, VIP only on h1, client sees h1" "$(lab_states "$VIP" galera_of)" \
    lab_wait_for "h1 master" 15 eval '
	[ "$(dbvip_state h1 vip1)" = MASTER ] &&
	[ "$(dbvip_state h2 vip1)" = BACKUP ] &&
	[ "$(dbvip_state h3 vip1)" = BACKUP ] &&
	lab_vip_only_on h1 "$VIP" && client_sees "$VIP" h1'
t_check "healthy: every galera check ok (Primary, Synced, size 3)" \
    "$(for h in h1 h2 h3; do dbvip_check "$h" galera '[.state, .last_message] | @tsv'; done)" eval '
	for h in h1 h2 h3; do
		[ "$(dbvip_check "$h" galera .state)" = ok ] || exit 1
	done'

# ---------------------------------------------------------------- quorum
h3_before=$(grep -c -- '-> MASTER' "${LAB_LOG[h3]}")
t0=$(lab_now_ms)
LAB_DB_KILL_NOWAIT=1 lab_db_kill h1
LAB_DB_KILL_NOWAIT=1 lab_db_kill h2
t_check "quorum: h3 alone goes non-Primary" "$(lab_states "$VIP" galera_of)" \
    lab_wait_for "h3 non-Primary" 15 eval \
    '[ "$(lab_galera_status h3 wsrep_cluster_status)" = non-Primary ]'
echo "# quorum: h3 non-Primary $(( $(lab_now_ms) - t0 )) ms after the kills"
t_check "quorum: every agent FAULT, no host holds the VIP" "$(lab_states "$VIP" galera_of)" \
    lab_wait_for "all FAULT, no VIP" 5 all_fault_no_vip
echo "# quorum: all FAULT, VIP nowhere $(( $(lab_now_ms) - t0 )) ms after the kills"
t_check "quorum: ... and that holds for 3 s" "$(lab_states "$VIP" galera_of)" \
    lab_holds_for "all FAULT, no VIP" 3 all_fault_no_vip
t_check "quorum: h3's galera check says why (non-Primary or 1047)" \
    "$(dbvip_check h3 galera '[.state, .last_error] | @tsv')" eval '
	[ "$(dbvip_check h3 galera .state)" = failing ] &&
	dbvip_check h3 galera .last_error | grep -Eq "non-Primary|1047"'
h3_after=$(grep -c -- '-> MASTER' "${LAB_LOG[h3]}")
if [ "$h3_after" = "$h3_before" ]; then
	echo "# quorum: h3 never took the VIP"
else
	# Before evs notices, h3 is still a Primary member of "3" and may take
	# over from the FAULTed h1 for those seconds; it must release it.
	echo "# quorum: h3 held the VIP while it still believed it was Primary, then released it"
fi

t_summary
