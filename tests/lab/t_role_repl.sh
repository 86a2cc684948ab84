#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t_role_repl: ordered promotion, fencing, re-pointing and rejoin over a
# real GTID replication set under write load (issue 4, items 2-8, 11, 12).
# Three hosts: h1 (priority 150), h2 (120), h3 (100), advert_int 1; each
# agent has role = replication, a ping check (FAULT) and a lag band
# (max_lag 5, weight -40).  See role_lib.sh for the accounts, the writer
# and the sampler.
#
#   start      no VIP anywhere, the three agents started together in
#              random order: h1, whose database is the writable primary,
#              takes the VIP (nothing promoted); h2 and h3 are read-only
#              BACKUPs replicating from h1 (t_coldstart has more)
#   restart    SIGQUIT (exit for a restart) + restart of h1's agent under load: the writer never
#              stops (no gap over 1 s), h1 stays master
#   crash      (semi-sync AFTER_SYNC) h1 host dies (link down, agent and
#              mariadbd kill -9): the VIP moves to a replica, which is
#              writable; the other replica replicates from it; every
#              acknowledged id is there; the 50 ms sampler never saw two
#              writable servers nor two VIP holders
#   rejoin     h1's server restarted read-only (--init-rpl-role=SLAVE, so
#              un-acknowledged binlog tail is truncated) and its agent
#              restarted: it is held out of the election (FAULT) until it
#              has rejoined the new primary as a replica and caught up,
#              then preempts (priority 150): the VIP comes back to h1
#              with no acknowledged write lost and never two writable
#   async      the same crash with asynchronous replication: the number of
#              acknowledged writes lost is reported (not asserted zero)
#   errant     h1 restarted standalone gets a transaction the new primary
#              lacks; its agent refuses to rejoin: rejoin_refused, FAULT,
#              status names the errant GTID; it never takes the VIP
#
# Exit 0 only if every check passed; 77 if MariaDB or dbvipd is missing.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/role_lib.sh"

role_init

# One crash of h1 under load; sets CRASH_T, NEWP (the new primary), OTHER.
crash_h1() {
	local name=$1 bad
	role_sampler_start
	role_writer_start 300 || { t_fail "$name: writer" "no ack"; return 1; }
	lab_wait_for "200 acks" 10 role_acks_ge 200
	CRASH_T=$(role_now)
	role_host_crash h1
	if ! lab_wait_for "a new primary" 20 role_new_primary h1; then
		t_fail "$name: failover" "no new primary: $(lab_who_has_vip "$ROLE_VIP" | tr '\n' ' ')"
		return 1
	fi
	NEWP=$(role_vip_holder)
	OTHER=h2
	[ "$NEWP" = h2 ] && OTHER=h3
	lab_log "$name: $NEWP took over $(( $(role_now) - CRASH_T )) ms after the crash; its promotion took $(dbvip_field "$NEWP" vip1 .role.last_promote_ms) ms"
	t_pass "$name: VIP on replica $NEWP, which is writable"
	lab_wait_for "acks after the crash" 15 role_acks_after_ge "$CRASH_T" 20
	lab_log "$name: write outage $(role_outage "$CRASH_T") ms"
	t_check "$name: $OTHER replicates from $NEWP" "$(lab_sql_vertical "$OTHER" 'SHOW SLAVE STATUS' | grep -E 'Master_Host|Running:|Last_.*Error:' | tr -s ' ' | tr '\n' ' ')" \
	    lab_wait_for "$OTHER re-pointed" 10 role_replicates_from "$OTHER" "$NEWP"
	role_writer_stop
	role_sampler_stop
	role_check_exclusive "$name"
	LOST=$(role_lost_acks "$NEWP" | wc -l)
	lab_log "$name: $(role_acks) acknowledged writes, $LOST missing on $NEWP"
}

# --------------------------------------------------------------- semi-sync
if ! role_db_setup; then
	t_fail "setup" "replication set did not start"
	t_summary
	exit 1
fi
if role_agents_start; then
	t_pass "start: h1 master and primary, h2 h3 BACKUP"
else
	t_fail "start" "$(dbvip_status h1 | jq -c '.instances[0] | {state, role}')"
	t_summary
	exit 1
fi
t_check "start: replicas fenced (read_only=ON)" "h2/h3 writable" \
    test "$(lab_sql h2 'SELECT @@global.read_only')$(lab_sql h3 'SELECT @@global.read_only')" = 11
t_check "start: status shows the replica role" "$(dbvip_field h2 vip1 .role)" \
    lab_wait_for "h2 role replica" 5 role_state_is h2 replica

# restart of the agent on the master: writes go on.
role_writer_start 300
lab_wait_for "100 acks" 10 role_acks_ge 100
T=$(role_now)
lab_kill "${LAB_AGENT[h1]}" QUIT
lab_wait_exit "${LAB_AGENT[h1]}" 5
role_start_agent h1
lab_wait_for "h1 primary again" 10 role_is_primary h1
lab_wait_for "acks after restart" 5 role_acks_after_ge "$T" 100
GAP=$(awk '$1 == "ack" { if (p != "" && $3 - p > g) g = $3 - p; p = $3 } END { print g + 0 }' "$ROLE_WLOG")
lab_log "restart: largest gap between acks ${GAP} ms"
t_check "restart: h1 stays primary, writes never stop (max gap ${GAP} ms < 1000)" \
    "gap ${GAP} ms, $(role_acks_after "$T") acks after the restart" \
    test "$GAP" -lt 1000 -a "$(role_acks_after "$T")" -ge 100
role_writer_stop

crash_h1 crash
t_check "crash: every acknowledged write is on $NEWP" "$LOST acknowledged ids missing" test "$LOST" = 0

# rejoin of the old master, then its preemption.
lab_link_up h1
mapfile -t ARGS < <(role_db_args)
lab_db_start h1 --read-only=ON --init-rpl-role=SLAVE "${ARGS[@]}"
role_sampler_start
role_writer_start 300
role_start_agent h1
t_check "rejoin: h1 held out while not a replica" "$(dbvip_field h1 vip1 '{state, fault, role}' | tr -d '\n')" \
    test "$(dbvip_field h1 vip1 .state)" != MASTER
if lab_wait_for "h1 rejoined as replica of $NEWP" 20 role_replicates_from h1 "$NEWP"; then
	t_pass "rejoin: h1 replicates from $NEWP (current_pos)"
else
	t_fail "rejoin: h1 replicates from $NEWP" "$(dbvip_field h1 vip1 .role | tr -d '\n')"
fi
T=$(role_now)
if lab_wait_for "h1 primary again (preempt after catching up)" 30 role_is_primary h1; then
	t_pass "rejoin: h1 caught up and preempted: primary again"
else
	t_fail "rejoin: h1 primary again" "$(dbvip_field h1 vip1 '{state, fault, role}' | tr -d '\n')"
fi
lab_wait_for "acks after the switch" 10 role_acks_after_ge "$T" 50
GAP=$(awk -v t="$T" '$1 == "ack" && $3 > t - 30000 { if (p != "" && $3 - p > g) g = $3 - p; p = $3 } END { print g + 0 }' "$ROLE_WLOG")
lab_log "rejoin: planned switch back to h1: largest gap between acks ${GAP} ms"
t_check "rejoin: $NEWP fenced and replicating from h1" "$(lab_sql_vertical "$NEWP" 'SHOW SLAVE STATUS' | grep -E 'Master_Host|Running:' | tr -s ' ' | tr '\n' ' ')" \
    lab_wait_for "$NEWP follows h1" 10 role_replicates_from "$NEWP" h1
role_writer_stop
role_sampler_stop
LOST=$(role_lost_acks h1 | wc -l)
t_check "rejoin: every acknowledged write is on h1 ($(role_acks) acks)" "$LOST missing" test "$LOST" = 0
role_check_exclusive "rejoin"

# --------------------------------------------------------------- async
lab_group_stop "$ROLE_VIP/24"
for h in h1 h2 h3; do lab_db_stop "$h"; rm -rf "$(lab_db_dir "$h")"; done
ROLE_ASYNC=1
if ! role_db_setup || ! role_agents_start; then
	t_fail "async: setup" "did not start"
	t_summary
	exit 1
fi
crash_h1 async
lab_log "async: $LOST of $(role_acks) acknowledged writes lost on $NEWP"
t_pass "async: lost acknowledged writes reported ($LOST)"

# errant: h1 comes back standalone and takes a write the others lack.
lab_link_up h1
lab_db_start h1 --read-only=ON --rpl-semi-sync-master-enabled=OFF
lab_sql h1 "SET GLOBAL read_only = OFF; INSERT INTO app.w VALUES (999999999, 0); SET GLOBAL read_only = ON"
ERRANT=$(lab_sql h1 "SELECT @@global.gtid_binlog_pos")
role_start_agent h1
if lab_wait_for "h1 rejoin_refused" 15 role_state_is h1 rejoin_refused; then
	t_pass "errant: h1 refuses to rejoin"
else
	t_fail "errant: h1 refuses to rejoin" "$(dbvip_field h1 vip1 .role | tr -d '\n')"
fi
t_check "errant: status names the errant GTID ($ERRANT)" "$(dbvip_field h1 vip1 .role.errant_gtids)" \
    test "$(dbvip_field h1 vip1 .role.errant_gtids)" = "$ERRANT"
t_check "errant: h1 in FAULT (role)" "$(dbvip_field h1 vip1 '{state,fault}' | tr -d '\n')" \
    test "$(dbvip_field h1 vip1 '.state + "/" + (.fault | join(","))')" = FAULT/role
t_check "errant: the log says rebuild" "no log line" grep -q 'rejoin_refused.*needs a rebuild' "${LAB_LOG[h1]}"
t_check "errant: h1 stays out for 5 s, $NEWP keeps the VIP" "VIP moved" \
    lab_holds_for "VIP on $NEWP" 5 lab_vip_only_on "$NEWP" "$ROLE_VIP"
t_check "errant: h1 is not a replica" "h1 replicates" test -z "$(lab_repl_field h1 Master_Host)"

t_summary
