#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t_election: dbvipd's VRRP election in a 3-host lab, seen from a client.
#
#   election    exactly one master, the highest priority; status agrees
#   crash       kill -9 of the master agent: the next takes the VIP and the
#               client's ARP moves to its MAC
#   linkdown    the master's cable pulled: same, and the old master goes FAULT
#   sigterm     the master leaves (priority 0): takeover within ~skew time
#               (asserted below 3 x advert_int, measured and printed)
#   preempt     a returning higher priority takes the VIP back
#   nopreempt   ... and with preempt = no it does not
#   preemptdly  with preempt_delay it waits that long first
#   ipv6        an IPv6 VIP: the client reaches it (NS/NA) and follows the
#               move (unsolicited NA updates its neighbour entry)
#   unicast     unicast peers with multicast VRRP dropped by nftables
#
# AGENT=keepalived runs the same scenarios with keepalived as the agent (to
# check the test itself against a reference; dbvipctl-only checks skip).
# T_ADV sets advert_int (default 1).  Exit 0 only if every check passed.
set -u
. "$(dirname "$0")/lib.sh"

AGENT=${AGENT:-dbvipd}
ADV=${T_ADV:-1}
VIP=198.51.100.100/24
VIP6=2001:db8::100/64
# Master-down interval 3 x advert + skew (< 1 advert), plus slack.
DOWN_S=$(awk -v a="$ADV" 'BEGIN { print 4 * a + 2 }')
ELECT_S=$(awk -v a="$ADV" 'BEGIN { print 4 * a + 5 }')

if [ "$AGENT" = dbvipd ] && ! lab_have_dbvipd; then
	echo "SKIP t_election: no $DBVIPD / $DBVIPCTL (build first)"
	exit 77
fi

lab_init
lab_topology 3

is_dbvipd() { [ "$AGENT" = dbvipd ]; }

# One master (h_m), the others BACKUP, VIP only on h_m, client sees h_m.
only_master() { lab_only_master "$1" "${2:-$VIP}" BACKUP live; }

# Sum of all drop counters of one dbvipd instance.
drops_total() {
	dbvip_field "$1" vip1 '[.counters.drops[]] | add // 0'
}

# takeover NAME FAULT-CMD...: run the fault with the stopwatch on; check
# that h2 answers for the VIP afterwards.  Sets TAKEOVER_MS.
takeover() {
	local name=$1
	shift
	TAKEOVER_MS=
	if ! lab_stopwatch "$VIP" h1 $(( $(lab_s_to_ms "$DOWN_S") + 2000 )) "$@"; then
		t_fail "$name: client sees a new MAC" "$LAB_SW_ERR; $(lab_states "$VIP")"
		return 1
	fi
	TAKEOVER_MS=$LAB_SW_MS
	echo "# $name: client saw $LAB_SW_WHO's MAC after $LAB_SW_MS ms ($LAB_SW_KIND)"
	t_check "$name: client sees h2's MAC" "it saw $LAB_SW_WHO ($LAB_SW_MAC)" \
	    [ "$LAB_SW_WHO" = h2 ]
	t_check "$name: h2 is MASTER and holds the VIP" "$(lab_states "$VIP")" \
	    lab_wait_for "h2 master" 5 eval 'agent_state_is h2 vip1 MASTER && lab_vip_on h2 "$VIP"'
	t_check "$name: h3 stays BACKUP" "$(lab_states "$VIP")" agent_state_is h3 vip1 BACKUP
}

# ---------------------------------------------------------------- election
C_ADV=$ADV C_VIPS=$VIP lab_group_start "$AGENT" h1 h2 h3 || lab_die "cannot start agents"
t_check "election: h1 (prio 150) is the only master" "$(lab_states "$VIP")" \
    lab_wait_for "h1 only master" "$ELECT_S" only_master h1
t_check "election: client ARP answered by h1" "client sees $(client_mac_of "$VIP")" \
    lab_wait_for "client sees h1" 5 client_sees "$VIP" h1
if is_dbvipd; then
	t_check "election: status JSON of h2 names h1 as master" \
	    "$(dbvip_status h2 | jq -c '.instances[0] | {state, master}')" \
	    lab_wait_for "h2 reports master" 5 eval \
	    '[ "$(dbvip_field h2 vip1 .master)" = "${LAB_IP4[h1]}" ]'
	t_check "election: status JSON fields" "$(dbvip_status h1)" eval '
	    [ "$(dbvip_field h1 vip1 .priority)" = 150 ] &&
	    [ "$(dbvip_field h1 vip1 .effective_priority)" = 150 ] &&
	    [ "$(dbvip_field h1 vip1 .vrid)" = 51 ] &&
	    [ "$(dbvip_field h1 vip1 .interface)" = "$LAB_IF" ] &&
	    [ "$(dbvip_field h1 vip1 ".vips | index(\"$VIP\")")" = 0 ] &&
	    [ "$(dbvip_field h1 vip1 .master)" = "${LAB_IP4[h1]}" ]'
	t_check "election: h3 receives adverts, drops none" \
	    "$(dbvip_status h3 | jq -c .instances[0].counters)" \
	    lab_wait_for "h3 counts adverts" 5 eval \
	    '[ "$(dbvip_field h3 vip1 .counters.adverts_received)" -gt 1 ] &&
	     [ "$(drops_total h3)" = 0 ] &&
	     [ "$(dbvip_field h1 vip1 .counters.adverts_sent)" -gt 1 ]'
	t_check "election: dbvipctl status (text) works" "dbvipctl status failed" \
	    lab_exec h1 "$DBVIPCTL" -s "${LAB_SOCK[h1]}" status
else
	t_skip "election: status JSON" "AGENT=$AGENT"
fi

# ---------------------------------------------------------------- crash
takeover "crash" lab_crash_agent h1 nowait
lab_wait_exit "${LAB_AGENT[h1]}" 5
# h1 back: with preempt it takes over again (h1 still holds the VIP it had
# when it was killed; the agent must sort that out).
lab_start_agent "$AGENT" h1 "${LAB_CONF[h1]}"
t_check "preempt: restarted h1 takes the VIP back" "$(lab_states "$VIP")" \
    lab_wait_for "h1 only master again" "$ELECT_S" only_master h1
t_check "preempt: client follows back to h1" "client sees $(client_mac_of "$VIP")" \
    lab_wait_for "client sees h1" 5 client_sees "$VIP" h1

# ---------------------------------------------------------------- link down
takeover "linkdown" lab_link_down h1
if is_dbvipd; then
	t_check "linkdown: h1 goes FAULT and drops the VIP" "$(lab_states "$VIP")" \
	    lab_wait_for "h1 FAULT" 5 eval \
	    'agent_state_is h1 vip1 FAULT && ! lab_vip_on h1 "$VIP"'
fi
lab_link_up h1
t_check "linkdown: h1 back as master after link up" "$(lab_states "$VIP")" \
    lab_wait_for "h1 only master again" "$ELECT_S" only_master h1

# ---------------------------------------------------------------- sigterm
takeover "sigterm" lab_kill "${LAB_AGENT[h1]}" TERM
if [ -n "$TAKEOVER_MS" ]; then
	limit=$(lab_s_to_ms "$(awk -v a="$ADV" 'BEGIN { print 3 * a }')")
	t_check "sigterm: takeover under 3 x advert_int ($limit ms)" \
	    "took $TAKEOVER_MS ms" awk -v t="$TAKEOVER_MS" -v l="$limit" 'BEGIN { exit !(t < l) }'
fi
t_check "sigterm: h1 exits and leaves no VIP" "$(lab_states "$VIP")" \
    lab_wait_for "h1 gone, VIP removed" 10 eval \
    '! lab_alive "${LAB_AGENT[h1]}" && ! lab_vip_on h1 "$VIP"'
lab_group_stop "$VIP"

# ---------------------------------------------------------------- nopreempt
# h2 and h3 elect h2; then h1 (higher) joins with preempt = no.
C_ADV=$ADV C_VIPS=$VIP C_PREEMPT=no lab_group_start "$AGENT" h2 h3
t_check "nopreempt: h2 master of h2+h3" "$(lab_states "$VIP")" \
    lab_wait_for "h2 master" "$ELECT_S" only_master h2
C_ADV=$ADV C_VIPS=$VIP C_PREEMPT=no lab_group_start "$AGENT" h1
t_check "nopreempt: higher-priority h1 stays BACKUP" "$(lab_states "$VIP")" \
    eval 'lab_wait_for "h1 BACKUP" "$ELECT_S" agent_state_is h1 vip1 BACKUP &&
    lab_holds_for "h2 stays master" "$DOWN_S" only_master h2'
lab_group_stop "$VIP"

# ---------------------------------------------------------------- preempt_delay
DELAY=${T_PREEMPT_DELAY:-3}
C_ADV=$ADV C_VIPS=$VIP lab_group_start "$AGENT" h2 h3
t_check "preemptdly: h2 master of h2+h3" "$(lab_states "$VIP")" \
    lab_wait_for "h2 master" "$ELECT_S" only_master h2
t0=$(lab_now_ms)
C_ADV=$ADV C_VIPS=$VIP C_PREEMPT_DELAY=$DELAY lab_group_start "$AGENT" h1
if lab_wait_for "h1 master" "$(awk -v d="$DELAY" -v e="$ELECT_S" 'BEGIN { print d + e }')" \
    only_master h1; then
	took=$(( $(lab_now_ms) - t0 ))
	echo "# preemptdly: h1 preempted ${took} ms after its start (preempt_delay ${DELAY}s)"
	t_check "preemptdly: h1 waited about preempt_delay before preempting" \
	    "preempted after $took ms" [ "$took" -ge $(( $(lab_s_to_ms "$DELAY") * 9 / 10 )) ]
else
	t_fail "preemptdly: h1 preempts after the delay" "$(lab_states "$VIP")"
fi
lab_group_stop "$VIP"

# ---------------------------------------------------------------- ipv6
C_ADV=$ADV C_VIPS=$VIP6 lab_group_start "$AGENT" h1 h2 h3
t_check "ipv6: h1 is the only master" "$(lab_states "$VIP")" \
    lab_wait_for "h1 master (v6)" "$ELECT_S" only_master h1 "$VIP6"
t_check "ipv6: client reaches the VIP at h1's MAC" "client sees $(client_mac6_of "${VIP6%/*}")" \
    lab_wait_for "client sees h1 (v6)" 5 client_sees6 "${VIP6%/*}" h1
# Keep the entry in the client's cache; the unsolicited NA must move it.
lab_exec cl ping -6 -c1 -W1 "${VIP6%/*}" >/dev/null 2>&1
lab_crash_agent h1
lab_link_down h1
t_check "ipv6: h2 takes the VIP" "$(lab_states "$VIP")" \
    lab_wait_for "h2 master (v6)" "$DOWN_S" eval \
    'agent_state_is h2 vip1 MASTER && lab_vip_on h2 "$VIP6"'
t_check "ipv6: client neighbour entry moved to h2 by unsolicited NA" \
    "$(lab_exec cl ip -6 neigh show to "${VIP6%/*}")" \
    lab_wait_for "client NA update" 5 eval \
    'lab_exec cl ip -6 neigh show to "${VIP6%/*}" | grep -q "lladdr $(host_mac h2)"'
t_check "ipv6: client reaches the VIP at h2's MAC" "client sees $(client_mac6_of "${VIP6%/*}")" \
    lab_wait_for "client sees h2 (v6)" 5 client_sees6 "${VIP6%/*}" h2
lab_group_stop "$VIP6"

# ---------------------------------------------------------------- unicast
for h in h1 h2 h3; do
	lab_nft_drop_vrrp_multicast "$h" || lab_die "nft on $h"
done
C_ADV=$ADV C_VIPS=$VIP C_PEERS="h1 h2 h3" lab_group_start "$AGENT" h1 h2 h3
t_check "unicast: h1 is the only master with multicast VRRP dropped" "$(lab_states "$VIP")" \
    lab_wait_for "h1 master (unicast)" "$ELECT_S" only_master h1
t_check "unicast: nothing multicast was sent or received" \
    "$(lab_nft_vrrp_drops h1) multicast VRRP packets dropped on h1" \
    [ "$(lab_nft_vrrp_drops h1)" = 0 ]
takeover "unicast crash" lab_crash_agent h1 nowait
lab_group_stop "$VIP"

t_summary
