#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t_role_fresh: the freshest replica wins even when a staler one has the
# higher priority and nothing lowers it (issue 4, item 8): the
# post-election check against the other replicas' Gtid_IO_Pos.  No lag
# check here (ROLE_NO_LAG=1), so priorities alone would let h2 win.
#
#   stale    replication traffic from h1 to h2 is dropped (nftables; h2's
#            IO thread stays connected), then the writer commits more rows
#            (semi-sync acknowledged by h3 alone): h3 is fresher than h2
#   crash    h1's host dies: h2 (120) wins the election, but its
#            promotion finds h3 ahead while the old master is gone and
#            refuses (logged with the GTIDs, promote_failed counted), h2
#            backs off (FAULT, priority 0), h3 takes the VIP and is
#            writable; every acknowledged write is on h3; h2 is
#            re-pointed to h3 and catches up; never two writable
#
# Exit 0 only if every check passed; 77 if MariaDB or dbvipd is missing.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/role_lib.sh"

role_init
ROLE_NO_LAG=1
role_start_all 100
# Replication data from h1 stops reaching h2 (its IO thread stays
# connected, so the agent sees nothing to restart).
lab_exec h2 nft -f - <<EOF2
table inet lab_repl {
	chain in {
		type filter hook input priority -10; policy accept;
		ip saddr ${LAB_IP4[h1]} tcp sport $LAB_DB_PORT drop
	}
}
EOF2
T0=$(role_now)
lab_wait_for "100 more acks" 10 role_acks_after_ge "$T0" 100
h3_ahead() {
	local a b
	a=$(lab_repl_field h3 Gtid_IO_Pos)
	b=$(lab_repl_field h2 Gtid_IO_Pos)
	[ -n "$a" ] && [ "${a##*-}" -gt "${b##*-}" ]
}
t_check "stale: h3 is ahead of h2" "h2 $(lab_repl_field h2 Gtid_IO_Pos), h3 $(lab_repl_field h3 Gtid_IO_Pos)" h3_ahead

T=$(role_now)
role_host_crash h1
if lab_wait_for "h3 primary" 30 role_new_primary h1 && [ "$(role_vip_holder)" = h3 ]; then
	t_pass "crash: h3, the freshest replica, is primary $(( $(role_now) - T )) ms after the crash"
else
	t_fail "crash: h3 primary" "VIP on $(lab_who_has_vip "$ROLE_VIP" | tr '\n' ' ')"
fi
t_check "crash: h2 refused to promote (logged)" "$(grep -E 'promotion failed' "${LAB_LOG[h2]}" | tail -n 1)" \
    grep -q "promotion failed at step 'peer freshness'.*198.51.100.13:3306 is fresher" "${LAB_LOG[h2]}"
t_check "crash: h2 counts the failure" "$(dbvip_field h2 vip1 .role.promote_failures)" \
    test "$(dbvip_field h2 vip1 .role.promote_failures)" -ge 1
lab_wait_for "acks after the crash" 20 role_acks_after_ge "$T" 20
lab_log "crash: write outage $(role_outage "$T") ms"
if lab_wait_for "h2 follows h3" 20 role_replicates_from h2 h3; then
	t_pass "crash: h2 re-pointed to h3 and replicating"
else
	t_fail "crash: h2 re-pointed to h3" "$(lab_sql_vertical h2 'SHOW SLAVE STATUS' | grep -E 'Master_Host|Running:|Last_.*Error:' | tr -s ' ' | tr '\n' ' ')"
fi
role_writer_stop
role_sampler_stop
LOST=$(role_lost_acks h3 | wc -l)
t_check "crash: every acknowledged write is on h3 ($(role_acks) acks)" "$LOST missing" test "$LOST" = 0
role_check_exclusive "crash"
t_summary
