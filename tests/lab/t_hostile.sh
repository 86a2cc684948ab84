#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t_hostile: forged and malformed VRRP from the client never moves a VIP.
#
# Three dbvipd hosts, five instances each (all elect h1, priority 150):
#   vip1   vrid 51, v3 multicast         198.51.100.100
#   v2     vrid 52, v2, auth_pass        198.51.100.101
#   mpeer  vrid 53, v3 multicast, peer = the other two hosts  .102
#   uni    vrid 54, v3 unicast_peer      198.51.100.103
#   v6     vrid 55, v3 IPv6 multicast    2001:db8::100
# From the client namespace tests/lab/forge.c sends, one case at a time:
# count 0, a unicast destination in multicast mode, bad TTL / hop limit,
# bad checksum, bad version / type, short and inconsistent lengths, VRID 0,
# interval 0, v2 authentication and interval mismatches, a global IPv6
# source to the group, well-formed adverts at priorities 1, 100 and 254
# from the unknown client in the `peer` and the unicast group, a flood of
# priority 0 at the master and a flood of oversized datagrams.  After each:
# the drop counter for the expected reason went up, every VIP stays on h1
# for two advert intervals and no instance on any host changed state.  For
# the floods: status still answers, the master's adverts keep their rhythm
# and (priority 0) stay bounded.  A capture on the client shows that no
# backup sent an advert and nobody a gratuitous ARP / unsolicited NA.
# Exit 0 only if every check passed.
set -u
. "$(dirname "$0")/lib.sh"

ADV=1				# v2 needs whole seconds
HOLD=$(awk -v a="$ADV" 'BEGIN { print 2 * a + 0.5 }')
ELECT_S=$(awk -v a="$ADV" 'BEGIN { print 4 * a + 5 }')
FLOOD_S=3			# priority-0 flood length, seconds
INSTS="vip1 v2 mpeer uni v6"
declare -A VIP_OF=([vip1]=198.51.100.100/24 [v2]=198.51.100.101/24
    [mpeer]=198.51.100.102/24 [uni]=198.51.100.103/24 [v6]=2001:db8::100/64)
G4=224.0.0.18
G6=ff02::12

if ! lab_have_dbvipd; then
	echo "SKIP t_hostile: no $DBVIPD / $DBVIPCTL (build first)"
	exit 77
fi

lab_init
lab_topology 3
# Forged adverts must not arm failover_block (only a real failover does).
LAB_FAILOVER_BLOCK=600
CL4=${LAB_IP4[cl]}
CL6=${LAB_IP6[cl]}

FORGE="$LAB_TMP/forge"
${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o "$FORGE" \
    "$LAB_DIR/forge.c" || lab_die "cannot build forge.c"

forge() { lab_exec cl "$FORGE" -I "$LAB_IF" "$@" >/dev/null; }

# ---------------------------------------------------------------- agents
for h in h1 h2 h3; do
	mpeers=""
	for o in h1 h2 h3; do
		[ "$o" = "$h" ] || mpeers+="peer = ${LAB_IP4[$o]}"$'\n'
	done
	prio=${LAB_PRIO[$h]}
	conf=$(C_PRIO=$prio C_ADV=$ADV C_VIPS=${VIP_OF[vip1]} lab_vrrp_conf dbvipd "$h")
	LAB_APPEND=1 C_PRIO=$prio C_ADV=$ADV C_INST=v2 C_VRID=52 C_VER=2 \
	    C_AUTH=secret1 C_VIPS=${VIP_OF[v2]} lab_vrrp_conf dbvipd "$h" >/dev/null
	LAB_APPEND=1 C_PRIO=$prio C_ADV=$ADV C_INST=mpeer C_VRID=53 \
	    C_VIPS=${VIP_OF[mpeer]} C_EXTRA="$mpeers" lab_vrrp_conf dbvipd "$h" >/dev/null
	LAB_APPEND=1 C_PRIO=$prio C_ADV=$ADV C_INST=uni C_VRID=54 \
	    C_PEERS="h1 h2 h3" C_VIPS=${VIP_OF[uni]} lab_vrrp_conf dbvipd "$h" >/dev/null
	LAB_APPEND=1 C_PRIO=$prio C_ADV=$ADV C_INST=v6 C_VRID=55 \
	    C_VIPS=${VIP_OF[v6]} lab_vrrp_conf dbvipd "$h" >/dev/null
	LAB_CONF[$h]=$conf
done
for h in h1 h2 h3; do
	lab_start_dbvipd "$h" "${LAB_CONF[$h]}" || lab_die "cannot start dbvipd on $h"
done

# Every instance: h1 MASTER, h2 and h3 BACKUP, every VIP only on h1.
all_on_h1() {
	local i h
	for i in $INSTS; do
		agent_state_is h1 "$i" MASTER || return 1
		for h in h2 h3; do agent_state_is "$h" "$i" BACKUP || return 1; done
		lab_vip_only_on h1 "${VIP_OF[$i]}" || return 1
	done
}

states() {
	local h
	for h in h1 h2 h3; do
		printf '%s: %s; ' "$h" "$(dbvip_status "$h" 2>/dev/null |
		    jq -jc '.instances[] | "\(.name)=\(.state) "')"
	done
	for i in $INSTS; do printf '%s on %s; ' "$i" "$(lab_who_has_vip "${VIP_OF[$i]}" | tr '\n' ' ')"; done
}

# Every instance's transition count on every host, as one string.
transitions() {
	local h
	for h in h1 h2 h3; do
		dbvip_status "$h" | jq -jc --arg h "$h" \
		    '.instances[] | "\($h)/\(.name)=\(.counters.transitions) "' || echo "$h=?"
	done
}

# drop_count HOST INSTANCE|- REASON: an instance's drop counter, or with
# "-" the agent's unmatched_drops; fails if there is no such counter.
drop_count() {
	local v
	if [ "$2" = - ]; then
		v=$(dbvip_status "$1" | jq -r --arg r "$3" '.unmatched_drops[$r] // empty')
	else
		v=$(dbvip_status "$1" | jq -r --arg n "$2" --arg r "$3" \
		    '.instances[] | select(.name == $n) | .counters.drops[$r] // empty')
	fi
	[ -n "$v" ] && echo "$v"
}
# drop_num: the same, 0 when there is no such counter.
drop_num() { drop_count "$@" || echo 0; }
drop_above() {
	local n
	n=$(drop_count "$1" "$2" "$3") || return 1
	[ "$n" -gt "$4" ]
}

t_check "setup: h1 masters all five instances" "$(states)" \
    lab_wait_for "h1 master of everything" "$ELECT_S" all_on_h1
# Past the takeover GARP/NA bursts before the capture starts counting.
lab_wait_for "h1 settled" 10 eval \
    '[ "$(dbvip_field h1 vip1 .counters.adverts_sent)" -ge 4 ]' ||
    lab_die "h1 does not advertise"
CAP="$LAB_TMP/client.pcap"
lab_exec cl tcpdump -i "$LAB_IF" -U -w "$CAP" -s 0 \
    'ip proto 112 or ip6 proto 112 or arp or icmp6' >"$CAP.log" 2>&1 &
CAP_PID=$!
lab_own "$CAP_PID"
lab_wait_for "tcpdump on cl" 5 grep -q 'listening on' "$CAP.log" ||
    lab_die "no capture"
T_START=$EPOCHREALTIME

# vips_stay NAME: every VIP stays on h1 for HOLD seconds (states are
# printed only on failure: computing them first would delay the check).
vips_stay() {
	if lab_holds_for "VIPs on h1" "$HOLD" all_on_h1; then
		t_pass "$1: every VIP stays on h1"
	else
		t_fail "$1: every VIP stays on h1" "$(states)"
	fi
}

# hostile NAME HOST INSTANCE|- REASON FORGE-ARGS...: send, then check the
# VIPs, the counter and the transitions.
hostile() {
	local name=$1 h=$2 inst=$3 why=$4 before tr0
	shift 4
	before=$(drop_num "$h" "$inst" "$why")
	tr0=$(transitions)
	if ! forge "$@"; then
		t_fail "$name: forge sent it" "forge $*"
		return 1
	fi
	# The VIPs first, right away: a packet that gets through moves them
	# at once (and for a Master_Down_Interval only).
	vips_stay "$name"
	t_check "$name: dropped as $why on $h" \
	    "$why on $h/$inst did not rise above $before" \
	    lab_wait_for "$why drop on $h" 5 drop_above "$h" "$inst" "$why" "$before"
	t_check "$name: no state change anywhere" "before $tr0, now $(transitions)" \
	    [ "$(transitions)" = "$tr0" ]
}

V4=(-s "$CL4" -d "$G4" -r 51 -p 254 -a 198.51.100.100)

# ---------------------------------------------------------------- codec
hostile "count0" h1 vip1 addr_count -s "$CL4" -d "$G4" -r 51 -p 254 -c 0
hostile "count0 (backup)" h2 vip1 addr_count -s "$CL4" -d "$G4" -r 51 -p 254 -c 0
hostile "ttl64" h1 vip1 ttl "${V4[@]}" -t 64
hostile "ttl254" h1 vip1 ttl "${V4[@]}" -t 254
hostile "checksum" h1 vip1 checksum "${V4[@]}" -x
hostile "checksum without pseudo-header" h1 vip1 checksum "${V4[@]}" -N
hostile "version1" h1 vip1 version "${V4[@]}" -v 1
hostile "version2 to a v3 group" h1 vip1 version "${V4[@]}" -v 2 -i 1
hostile "type2" h1 vip1 type "${V4[@]}" -T 2
hostile "short" h1 vip1 length "${V4[@]}" -l 6
hostile "count vs length" h1 vip1 length "${V4[@]}" -c 3
hostile "vrid0" h1 - vrid -s "$CL4" -d "$G4" -r 0 -p 254 -a 198.51.100.100
hostile "interval0" h1 vip1 interval "${V4[@]}" -i 0

# ---------------------------------------------------------------- instance
hostile "unicast dst in multicast mode" h1 vip1 destination \
    -s "$CL4" -d "${LAB_IP4[h1]}" -r 51 -p 254 -a 198.51.100.100
V2=(-s "$CL4" -d "$G4" -r 52 -v 2 -i 1 -p 254 -a 198.51.100.101)
hostile "v2 wrong password" h1 v2 auth "${V2[@]}" -A wrong
hostile "v2 no auth" h1 v2 auth "${V2[@]}"
hostile "v2 interval mismatch" h1 v2 interval_mismatch -s "$CL4" -d "$G4" \
    -r 52 -v 2 -i 2 -p 254 -a 198.51.100.101 -A secret1
for p in 1 100 254; do
	hostile "peer group prio $p" h1 mpeer peer \
	    -s "$CL4" -d "$G4" -r 53 -p "$p" -a 198.51.100.102
	for h in h1 h2; do
		hostile "unicast group prio $p to $h" "$h" uni peer \
		    -s "$CL4" -d "${LAB_IP4[$h]}" -r 54 -p "$p" -a 198.51.100.103
	done
done
hostile "priority 0 to a backup from a non-master" h2 vip1 not_master \
    -s "$CL4" -d "$G4" -r 51 -p 0 -a 198.51.100.100

# ---------------------------------------------------------------- IPv6
CLLL=$(lab_exec cl ip -6 -o addr show dev "$LAB_IF" scope link |
    awk '{ sub(/\/.*/, "", $4); print $4; exit }')
V6=(-r 55 -p 254 -a 2001:db8::100)
hostile "ipv6 global source to the group" h1 v6 source -s "$CL6" -d "$G6" "${V6[@]}"
if [ -n "$CLLL" ]; then
	hostile "ipv6 hop limit 64" h1 v6 ttl -s "$CLLL" -d "$G6" -t 64 "${V6[@]}"
	hostile "ipv6 count0" h1 v6 addr_count -s "$CLLL" -d "$G6" -r 55 -p 254 -c 0
else
	t_fail "ipv6: client link-local address" "none on cl"
fi
hostile "ipv6 unicast dst in multicast mode" h1 v6 destination \
    -s "$CL6" -d "${LAB_IP6[h1]}" "${V6[@]}"

# ---------------------------------------------------------------- floods
# adverts_in FROM TO: h1's vrid 51 adverts the client saw in [FROM, TO].
adverts_in() {
	lab_adverts "$CAP" "${LAB_IP4[h1]}" 51 |
	    awk -v f="$1" -v t="$2" '$1 >= f && $1 <= t' | sort -n
}

# flood NAME SECONDS FORGE-ARGS...: run forge in the background; while it
# runs, h1 must answer status.  Sets FL_T0 / FL_T1 (epoch).
flood() {
	local name=$1 secs=$2 pid
	shift 2
	tr0=$(transitions)
	FL_T0=$EPOCHREALTIME
	lab_exec cl "$FORGE" -I "$LAB_IF" "$@" >/dev/null &
	pid=$!
	lab_own "$pid"
	t_check "$name: h1 answers status during the flood" "no answer" \
	    lab_wait_for "status during flood" 2 eval \
	    'lab_alive '"$pid"' && dbvip_status h1 >/dev/null'
	lab_wait_for "forge to finish" "$(( secs + 10 ))" lab_not_alive "$pid" ||
	    t_fail "$name: flood ends" "forge still running"
	FL_T1=$EPOCHREALTIME
	vips_stay "$name"
	t_check "$name: no state change anywhere" "before $tr0, now $(transitions)" \
	    [ "$(transitions)" = "$tr0" ]
}

# Priority 0 at the master, one per ms for FLOOD_S seconds.
nm0=$(drop_num h2 vip1 not_master)
rx0=$(dbvip_field h1 vip1 .counters.adverts_received)
flood "prio0 flood" "$FLOOD_S" -s "$CL4" -d "$G4" -r 51 -p 0 -a 198.51.100.100 \
    -n $(( FLOOD_S * 1000 )) -g 1000
P0_T0=$FL_T0 P0_T1=$FL_T1
rx=$(( $(dbvip_field h1 vip1 .counters.adverts_received) - rx0 ))
nm=$(( $(drop_num h2 vip1 not_master) - nm0 ))
echo "# prio0 flood: h1 took $rx priority-0 adverts, h2 dropped $nm as not_master"
t_check "prio0 flood: the master received the flood" "received $rx" [ "$rx" -ge 1000 ]
t_check "prio0 flood: backups drop it as not_master" "dropped $nm" [ "$nm" -ge 1000 ]

# Oversized datagrams (5000 bytes, fragmented and reassembled) to the group.
ov0=$(drop_num h1 - oversize)
flood "oversize flood" 3 -s "$CL4" -d "$G4" -O 5000 -n 1500 -g 2000
OV_T0=$FL_T0 OV_T1=$FL_T1
ov=$(( $(drop_num h1 - oversize) - ov0 ))
echo "# oversize flood: h1 counted $ov of 1500 oversized datagrams"
t_check "oversize flood: counted as oversize" "counted $ov" [ "$ov" -ge 750 ]
hostile "count0 after the oversize flood" h1 vip1 addr_count \
    -s "$CL4" -d "$G4" -r 51 -p 254 -c 0

# ---------------------------------------------------------------- capture
T_END=$EPOCHREALTIME
# TERM: a background job of a script ignores SIGINT.
lab_kill "$CAP_PID" TERM
lab_wait_exit "$CAP_PID" 5 || lab_log "tcpdump on cl did not stop"

# Adverts the master sent while flooded: bounded, and in rhythm.
limit=$(awk -v s="$P0_T0" -v e="$P0_T1" -v a="$ADV" 'BEGIN { printf "%d", 4 * (e - s) / a + 2 }')
read -r gap n < <(adverts_in "$P0_T0" "$P0_T1" | lab_max_gap "$P0_T0" "$P0_T1")
secs=$(awk -v s="$P0_T0" -v e="$P0_T1" 'BEGIN { printf "%.1f", e - s }')
echo "# prio0 flood: h1 sent $n adverts in ${secs} s (limit $limit), largest gap ${gap} ms"
t_check "prio0 flood: master adverts bounded" "$n adverts in $secs s, limit $limit" \
    [ "$n" -le "$limit" ]
t_check "prio0 flood: master adverts kept their rhythm" "$n adverts, gap $gap ms" \
    eval '[ "$n" -ge '"$(( FLOOD_S / ADV - 1 ))"' ] && [ "$gap" -le '"$(( ADV * 1000 + 200 ))"' ]'
read -r gap n < <(adverts_in "$OV_T0" "$OV_T1" | lab_max_gap "$OV_T0" "$OV_T1")
echo "# oversize flood: h1 sent $n adverts, largest gap ${gap} ms"
t_check "oversize flood: master adverts kept their rhythm" "$n adverts, gap $gap ms" \
    eval '[ "$n" -ge 2 ] && [ "$gap" -le '"$(( ADV * 1000 + 200 ))"' ]'

filter_in() {
	tshark -r "$CAP" -Y "frame.time_epoch >= $T_START && frame.time_epoch <= $T_END && ($1)" \
	    -T fields -e frame.number 2>/dev/null | wc -l
}
h1adv=$(filter_in "vrrp && eth.src == $(host_mac h1)")
bk=$(filter_in "vrrp && (eth.src == $(host_mac h2) || eth.src == $(host_mac h3))")
ga=$(filter_in "arp.isgratuitous == 1 || (icmpv6.type == 136 && icmpv6.nd.na.flag.s == 0)")
echo "# capture: $h1adv adverts from h1, $bk from backups, $ga gratuitous ARP / unsolicited NA"
t_check "capture: h1's adverts were seen" "$h1adv" [ "$h1adv" -ge 10 ]
t_check "capture: no backup sent an advert" "$bk adverts from h2/h3" [ "$bk" = 0 ]
t_check "capture: no gratuitous ARP or unsolicited NA" "$ga seen" [ "$ga" = 0 ]

# No forged advert counted as a failover anywhere: no block armed.
blocked() {
	local h
	for h in h1 h2 h3; do
		dbvip_status "$h" | jq -jc --arg h "$h" '.instances[] |
		    select(.guard.failovers != 0 or .guard.blocked) |
		    "\($h)/\(.name): \(.guard.failovers) failovers "'
	done
}
B=$(blocked)
t_check "guard: no failover counted, no failover_block armed" "$B" test -z "$B"

lab_group_stop "${VIP_OF[@]}"
t_summary
