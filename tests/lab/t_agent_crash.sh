#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t_agent_crash: kill -9 of the master's agent only, under write load.
# h1 (150) is the primary and master, h2 (120) and h3 (100) replicas
# (semi-sync AFTER_SYNC), failover_block = 600, the writer and the 50 ms
# sampler running (role_lib.sh).  h1's database stays up and writable and
# its VIP stays on its interface: the writes go on.
#
#   absent   while h1's agent is gone, no replica promotes and none is
#            re-pointed away from h1: h2 and h3 try (the master-down
#            timer), find h1's database writable with its agent silent,
#            refuse and wait; their status names h1 and why
#   back     h1's agent restarted 5 s after the kill finds its VIP and its
#            writable database and resumes at once (no other master
#            advertises); h2 and h3 stop waiting and are BACKUPs again;
#            no host saw a failover or is blocked
#   forged   before the kill, the client (not a peer) sends well-formed
#            adverts for the group at priorities 1, 100 and 254, to the
#            multicast group and to h2's address: the role group takes
#            its db_peer addresses as its peer list, so every one is
#            dropped (reason peer): the VIP stays on h1, no replica is
#            re-pointed, no host counts a failover
#   never    every acknowledged write is on h1; the sampler never saw two
#            writable databases or two VIP holders
#
# Exit 0 only if every check passed; 77 if MariaDB or dbvipd is missing.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/role_lib.sh"

role_init
LAB_FAILOVER_BLOCK=600
role_start_all 200

# ---------------------------------------------------------------- forged
FORGE="$LAB_TMP/forge"
${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o "$FORGE" \
    "$LAB_DIR/forge.c" || lab_die "cannot build forge.c"
peer_drops() { dbvip_field "$1" vip1 '.counters.drops.peer // 0'; }
D0=$(( $(peer_drops h2) + $(peer_drops h3) ))
for p in 1 100 254; do
	for dst in 224.0.0.18 "${LAB_IP4[h2]}"; do
		lab_exec cl "$FORGE" -I "$LAB_IF" -s "${LAB_IP4[cl]}" -d "$dst" \
		    -r 51 -p "$p" -a "$ROLE_VIP" -n 5 -g 200000 >/dev/null ||
		    t_fail "forged: forge sent priority $p to $dst" "forge failed"
	done
done
t_check "forged: the VIP stays on h1, h2 and h3 follow h1" \
    "VIP on $(lab_who_has_vip "$ROLE_VIP" | tr '\n' ' '), h2 $(dbvip_state h2 vip1), h3 $(dbvip_state h3 vip1)" \
    lab_holds_for "VIP on h1" 3 eval 'lab_vip_only_on h1 "$ROLE_VIP" &&
    role_backups h2 h3 && role_replicates_from h2 h1 && role_replicates_from h3 h1'
D1=$(( $(peer_drops h2) + $(peer_drops h3) ))
t_check "forged: h2 and h3 dropped them as not a peer ($((D1 - D0)) drops)" \
    "$((D1 - D0)) drops" test "$((D1 - D0))" -ge 20

waits_for_h1() {
	dbvip_field "$1" vip1 .role.hold | grep -q "${LAB_IP4[h1]}"
}
# Neither replica writable or re-pointed; h1 writable with the VIP.
group_unchanged() {
	local h
	for h in h2 h3; do
		[ "$(lab_sql "$h" 'SELECT @@global.read_only')" = 1 ] || return 1
		[ "$(lab_repl_field "$h" Master_Host)" = "${LAB_IP4[h1]}" ] || return 1
	done
	[ "$(lab_sql h1 'SELECT @@global.read_only')" = 0 ] &&
	    lab_vip_only_on h1 "$ROLE_VIP"
}

KILL_T=$(role_now)
lab_crash_agent h1
if lab_wait_for "h2, h3 wait for h1" 10 eval 'waits_for_h1 h2 && waits_for_h1 h3'; then
	t_pass "absent: h2 and h3 wait for h1 ($(dbvip_field h2 vip1 .role.hold))"
else
	t_fail "absent: h2 and h3 wait for h1" "h2 $(dbvip_state h2 vip1): $(dbvip_field h2 vip1 .role.hold); h3 $(dbvip_state h3 vip1): $(dbvip_field h3 vip1 .role.hold)"
fi
# The restart comes 5 s after the kill (the scenario, not a wait for state).
LEFT_MS=$((KILL_T + 5000 - $(role_now)))
[ "$LEFT_MS" -gt 0 ] && sleep "$((LEFT_MS / 1000)).$(printf '%03d' $((LEFT_MS % 1000)))"
t_check "absent: no replica promoted or re-pointed, h1 writable with the VIP" \
    "h2 ro=$(lab_sql h2 'SELECT @@global.read_only') from $(lab_repl_field h2 Master_Host), h3 ro=$(lab_sql h3 'SELECT @@global.read_only') from $(lab_repl_field h3 Master_Host), VIP on $(lab_who_has_vip "$ROLE_VIP" | tr '\n' ' ')" \
    group_unchanged
N=$(( $(dbvip_field h2 vip1 .role.promotions) + $(dbvip_field h3 vip1 .role.promotions) ))
t_check "absent: no promotion on h2 or h3" "$N promotions" test "$N" = 0

BACK_T=$(role_now)
role_start_agent h1 >/dev/null || t_fail "back: h1's agent starts" "did not answer"
if lab_wait_for "h1 primary" 10 role_is_primary h1; then
	t_pass "back: h1 resumed as primary $(( $(role_now) - BACK_T )) ms after its agent started"
else
	t_fail "back: h1 resumed" "h1 $(dbvip_state h1 vip1) $(dbvip_field h1 vip1 .role.state); VIP on $(lab_who_has_vip "$ROLE_VIP" | tr '\n' ' ')"
fi
if lab_wait_for "h2, h3 BACKUP" 15 role_backups h2 h3; then
	t_pass "back: h2 and h3 BACKUP again"
else
	t_fail "back: h2 and h3 BACKUP" "h2 $(dbvip_state h2 vip1) ($(dbvip_field h2 vip1 .role.hold)), h3 $(dbvip_state h3 vip1) ($(dbvip_field h3 vip1 .role.hold))"
fi
BAD=""
for h in h1 h2 h3; do
	[ "$(dbvip_field "$h" vip1 .guard.blocked)" = false ] &&
	    [ "$(dbvip_field "$h" vip1 .guard.failovers)" = 0 ] ||
	    BAD="$BAD $h($(dbvip_field "$h" vip1 .guard.failovers) failovers)"
done
t_check "back: no host saw a failover or is blocked" "$BAD" test -z "$BAD"
t_check "back: h2 and h3 replicate from h1" "$(lab_repl_field h2 Master_Host) / $(lab_repl_field h3 Master_Host)" \
    eval 'role_replicates_from h2 h1 && role_replicates_from h3 h1'
t_check "back: writes go on" "$(role_acks_after "$BACK_T") acks after the restart" \
    lab_wait_for "acks after the restart" 10 role_acks_after_ge "$BACK_T" 20
lab_log "write outage around the agent kill: $(role_outage "$KILL_T") ms"
role_writer_stop
role_sampler_stop
LOST=$(role_lost_acks h1 | wc -l)
t_check "never: every acknowledged write is on h1 ($(role_acks) acks)" "$LOST missing" test "$LOST" = 0
role_check_exclusive "never"
t_summary
