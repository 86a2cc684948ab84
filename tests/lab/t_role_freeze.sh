#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t_role_freeze: a hung master database (issue 4, item 13).  h1 (150) is
# the primary, h2 (120) and h3 (100) replicas, semi-sync AFTER_SYNC, the
# writer and the 50 ms sampler running (role_lib.sh).
#
#   freeze   SIGSTOP of h1's mariadbd: h1's ping check fails, h1 releases
#            (its read_only=ON cannot be confirmed: a hung server takes no
#            writes, so the VIP goes anyway), the VIP moves to h2, which
#            is writable; every acknowledged write is on h2
#   thaw     SIGCONT once h2 holds the VIP: h1 is fenced (read_only=ON)
#            within a second, and from then on is never writable while h2
#            holds the VIP; h1 stays out of the election (it is no
#            replica: it rejoins h2, or is refused if the thaw let a
#            stale transaction commit; either is reported)
#   never    the sampler never proves two writable servers (or two VIP
#            holders) at once, before the thaw and after h1's fence; in
#            between, h1 still has the read_only=OFF it froze with and a
#            query queued during the freeze may see it: that race is
#            reported, not asserted (only fencing the old host before it
#            freezes, e.g. STONITH, could close it)
#
# Exit 0 only if every check passed; 77 if MariaDB or dbvipd is missing.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/role_lib.sh"

role_init
role_start_all 200

FREEZE_T=$(role_now)
lab_db_freeze h1
if lab_wait_for "a new primary" 20 role_new_primary h1; then
	NEWP=$(role_vip_holder)
	t_pass "freeze: VIP on $NEWP, writable, $(( $(role_now) - FREEZE_T )) ms after the freeze"
else
	t_fail "freeze: failover" "$(lab_who_has_vip "$ROLE_VIP" | tr '\n' ' ')"
	t_summary
	exit 1
fi
t_check "freeze: writes go on through the VIP" "$(role_acks_after "$FREEZE_T") acks after the freeze" \
    lab_wait_for "acks after the freeze" 15 role_acks_after_ge "$FREEZE_T" 20
lab_log "freeze: write outage $(role_outage "$FREEZE_T") ms; h1 log: $(grep -E 'role:.*(demotion|fenced)' "${LAB_LOG[h1]}" | tail -n 1)"

THAW_T=$(role_now)
lab_db_thaw h1
h1_fenced() { [ "$(lab_sql h1 'SELECT @@global.read_only' 2>/dev/null)" = 1 ]; }
if lab_wait_for "h1 fenced" 5 h1_fenced; then
	t_pass "thaw: h1 fenced (read_only=ON) $(( $(role_now) - THAW_T )) ms after SIGCONT"
else
	t_fail "thaw: h1 fenced" "h1 read_only=$(lab_sql h1 'SELECT @@global.read_only')"
fi
FENCED_T=$(role_now)
t_check "thaw: h1 stays read-only and out for 5 s; $NEWP keeps the VIP" "changed" \
    lab_holds_for "h1 fenced, VIP on $NEWP" 5 eval 'h1_fenced && lab_vip_only_on "$NEWP" "$ROLE_VIP"'
ST=$(dbvip_field h1 vip1 .role.state)
lab_log "thaw: h1's role after the thaw: $ST ($(dbvip_field h1 vip1 .role.errant_gtids) errant)"
t_check "thaw: h1 rejoined or was refused (never master)" "state $ST, $(dbvip_field h1 vip1 .state)" \
    test "$(dbvip_field h1 vip1 .state)" != MASTER
role_writer_stop
role_sampler_stop
LOST=$(role_lost_acks "$NEWP" | wc -l)
t_check "freeze: every acknowledged write is on $NEWP ($(role_acks) acks)" "$LOST missing" test "$LOST" = 0
# The frozen h1 answered nothing between the freeze and the thaw: its
# samples there are "?"; the thaw race (did a write reach h1 before its
# fence?) is reported, the steady state after the fence is asserted.
if BAD=$(role_sampler_violations "$FENCED_T"); then
	t_pass "never: after h1 was fenced, never two writable, never two VIP holders"
else
	t_fail "never: two writable / VIP holders after the fence" "$BAD"
fi
if BAD=$(role_sampler_violations 0 "$THAW_T"); then
	t_pass "never: from the start to the thaw never two writable, never two VIP holders"
else
	t_fail "never: start to thaw" "$BAD"
fi
# Between SIGCONT and the fence, h1 still has the read_only=OFF it had
# when it froze: a sampler query queued during the freeze may be
# answered before the fence.  Reported, not asserted.
if BAD=$(role_sampler_violations "$THAW_T" "$FENCED_T"); then
	lab_log "thaw: no sample saw h1 writable before its fence"
else
	lab_log "thaw race (h1 still writable from before the freeze, fenced $(( FENCED_T - THAW_T )) ms after SIGCONT at most): $BAD"
fi
lab_log "$(role_samples) samples in all"
t_summary
