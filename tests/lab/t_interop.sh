#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t_interop: dbvipd and Debian's keepalived 2.2.7 in one VRRP group.
#
# For each wire mode (v2 + auth PASS, v3 multicast, v3 unicast):
#   - the higher priority wins whichever program runs it (both orders);
#   - takeover both ways: dbvipd -> keepalived after a crash of dbvipd,
#     keepalived -> dbvipd after a crash of keepalived, and preemption back;
#   - keepalived logs no complaint about the adverts it received;
#   - tshark decodes dbvipd's adverts as VRRP with a correct checksum.
# Then the v3 IPv4 checksum modes on the wire:
#   - checksum = rfc: tshark's default (pseudo-header) check says correct;
#   - checksum = no_pseudo_header: correct only with tshark's
#     vrrp.v3_checksum_as_in_v2 preference, and keepalived (which has no
#     such mode) rejects it with "Invalid VRRPv3 checksum".
#
# SELF=keepalived plays dbvipd's part with keepalived (to check the test
# itself); checks that need dbvipd then skip.  T_ADV sets the v3
# advert_int (default 1).  Exit 0 only if every check passed.
set -u
. "$(dirname "$0")/lib.sh"

SELF=${SELF:-dbvipd}
ADV=${T_ADV:-1}
VIP=198.51.100.100/24
DOWN_S=$(awk -v a="$ADV" 'BEGIN { print 4 * a + 2 }')
ELECT_S=$(awk -v a="$ADV" 'BEGIN { print 4 * a + 5 }')
# What keepalived says when it dislikes a received advert.  Checked against
# keepalived's own 2.2.7 log lines in a healthy group (none match).
KA_COMPLAINT='invalid|mismatch|wrong|bad |error|discard|unknown|not match|checksum|ttl|auth|version'

if [ "$SELF" = dbvipd ] && ! lab_have_dbvipd; then
	echo "SKIP t_interop: no $DBVIPD / $DBVIPCTL (build first)"
	exit 77
fi
command -v "$KEEPALIVED" >/dev/null || { echo "SKIP t_interop: no keepalived"; exit 77; }
command -v tshark >/dev/null || { echo "SKIP t_interop: no tshark"; exit 77; }

lab_init
lab_topology 2

# For lab_states: which agent runs on HOST.
kind_of() { printf '(%s)' "${LAB_KIND[$1]:-}"; }

master_is() {
	local m=$1 b=$2
	agent_state_is "$m" vip1 MASTER && agent_state_is "$b" vip1 BACKUP &&
	    lab_vip_only_on "$m" "$VIP" && client_sees "$VIP" "$m"
}

# Lines in HOST's keepalived log, from line FROM on, that complain.  A
# BACKUP that is about to preempt logs "received lower priority (N) advert
# ... - discarding" for each advert of the current master: that is the
# protocol working, not a complaint.
ka_complaints() {
	tail -n +"$2" "${LAB_LOG[$1]}" | grep -iE "$KA_COMPLAINT" |
	    grep -v -e 'Opening file' -e 'Command line' -e 'received lower priority'
}

# tshark verdicts on SRC's adverts in a capture: "good bad other" counts.
checksum_verdicts() {
	local cap=$1 src=$2
	shift 2
	tshark -r "$cap" "$@" -Y "vrrp && ip.src == $src" -T fields \
	    -e vrrp.checksum.status 2>/dev/null |
	    awk '$1 == 1 { g++ } $1 == 0 { b++ } $1 != 0 && $1 != 1 { o++ }
	         END { printf "%d %d %d\n", g, b, o }'
}

# mode NAME C_VAR=VALUE...: run the interop scenarios in one wire mode.
# The assignments become locals, which lab_vrrp_conf sees.
mode() {
	local name=$1 order self_h ka_h line cap good bad other cappid bad_lines
	shift
	local "$@"
	# This mode's own timers (v2 runs at 1 s whatever T_ADV says).
	local DOWN_S ELECT_S
	DOWN_S=$(awk -v a="$C_ADV" 'BEGIN { print 4 * a + 2 }')
	ELECT_S=$(awk -v a="$C_ADV" 'BEGIN { print 4 * a + 5 }')
	for order in self-high ka-high; do
		if [ "$order" = self-high ]; then self_h=h1; ka_h=h2; else self_h=h2; ka_h=h1; fi
		local t="$name $order"
		cap="$LAB_TMP/$name-$order.pcap"
		lab_capture "$ka_h" "$cap" || lab_die "tcpdump"
		cappid=$LAB_CAPTURE_PID
		lab_group_start "$SELF" "$self_h" "$ka_h:keepalived" ||
		    { t_fail "$t: start" "agents did not start"; lab_group_stop "$VIP"; continue; }
		line=$(( $(wc -l <"${LAB_LOG[$ka_h]}") + 1 ))
		t_check "$t: h1 (150, ${LAB_KIND[h1]}) wins over h2 (120, ${LAB_KIND[h2]})" \
		    "$(lab_states "$VIP" kind_of)" lab_wait_for "h1 master" "$ELECT_S" master_is h1 h2
		# Takeover to the other program after a crash, then preemption back.
		lab_crash_agent h1
		lab_link_down h1
		t_check "$t: ${LAB_KIND[h2]} takes over from crashed ${LAB_KIND[h1]}" \
		    "$(lab_states "$VIP" kind_of)" lab_wait_for "h2 master" "$DOWN_S" eval \
		    'agent_state_is h2 vip1 MASTER && lab_vip_on h2 "$VIP" && client_sees "$VIP" h2'
		lab_exec h1 ip addr del "$VIP" dev "$LAB_IF" 2>/dev/null
		lab_link_up h1
		lab_start_agent "${LAB_KIND[h1]}" h1 "${LAB_CONF[h1]}"
		t_check "$t: restarted ${LAB_KIND[h1]} preempts ${LAB_KIND[h2]}" \
		    "$(lab_states "$VIP" kind_of)" lab_wait_for "h1 master again" "$ELECT_S" master_is h1 h2
		lab_capture_stop "$cappid"
		bad_lines=$(ka_complaints "$ka_h" "$line")
		t_check "$t: keepalived logs no complaint about received adverts" \
		    "$(head -n 3 <<<"$bad_lines" | tr '\n' '|')" [ -z "$bad_lines" ]
		read -r good bad other < <(checksum_verdicts "$cap" "${LAB_IP4[$self_h]}")
		t_check "$t: tshark decodes ${SELF}'s adverts, checksum correct" \
		    "good=$good bad=$bad other=$other" \
		    eval '[ "$good" -gt 0 ] && [ "$bad" = 0 ] && [ "$other" = 0 ]'
		lab_group_stop "$VIP"
	done
}

mode v2auth C_VER=2 C_ADV=1 C_AUTH=s3cret C_VIPS=$VIP
mode v3mcast C_VER=3 C_ADV="$ADV" C_VIPS=$VIP
mode v3ucast C_VER=3 C_ADV="$ADV" C_VIPS=$VIP "C_PEERS=h1 h2"

# ---------------------------------------------------------------- checksum modes
if [ "$SELF" != dbvipd ]; then
	t_skip "checksum modes" "need dbvipd (SELF=$SELF)"
	t_summary
	exit
fi
for ck in rfc no_pseudo_header; do
	cap="$LAB_TMP/cksum-$ck.pcap"
	lab_capture h2 "$cap" || lab_die "tcpdump"
	cappid=$LAB_CAPTURE_PID
	LAB_CONF[h1]=$(C_PRIO=150 C_VER=3 C_ADV=$ADV C_VIPS=$VIP C_CKSUM=$ck lab_vrrp_conf dbvipd h1)
	LAB_CONF[h2]=$(C_PRIO=120 C_VER=3 C_ADV=$ADV C_VIPS=$VIP lab_vrrp_conf keepalived h2)
	lab_start_agent keepalived h2 "${LAB_CONF[h2]}"
	line=$(( $(wc -l <"${LAB_LOG[h2]}") + 1 ))
	lab_start_agent dbvipd h1 "${LAB_CONF[h1]}"
	lab_wait_for "h1 master" "$ELECT_S" agent_state_is h1 vip1 MASTER
	lab_wait_for "5 adverts from h1 captured" "$ELECT_S" eval \
	    '[ "$(tshark -r "$cap" -Y "vrrp && ip.src == ${LAB_IP4[h1]}" 2>/dev/null | wc -l)" -ge 5 ]'
	lab_capture_stop "$cappid"
	read -r g_rfc b_rfc o_rfc < <(checksum_verdicts "$cap" "${LAB_IP4[h1]}")
	read -r g_v2 b_v2 o_v2 < <(checksum_verdicts "$cap" "${LAB_IP4[h1]}" -o vrrp.v3_checksum_as_in_v2:TRUE)
	if [ "$ck" = rfc ]; then
		t_check "checksum rfc: tshark (pseudo-header) says correct" \
		    "good=$g_rfc bad=$b_rfc" eval '[ "$g_rfc" -gt 0 ] && [ "$b_rfc" = 0 ]'
		t_check "checksum rfc: keepalived accepts (stays BACKUP, no complaint)" \
		    "$(lab_states "$VIP" kind_of); $(ka_complaints h2 "$line" | head -n 2)" eval \
		    'agent_state_is h2 vip1 BACKUP && [ -z "$(ka_complaints h2 "$line")" ]'
	else
		t_check "checksum no_pseudo_header: tshark as-in-v2 says correct" \
		    "good=$g_v2 bad=$b_v2" eval '[ "$g_v2" -gt 0 ] && [ "$b_v2" = 0 ]'
		t_check "checksum no_pseudo_header: differs from rfc (tshark default says bad)" \
		    "good=$g_rfc bad=$b_rfc" eval '[ "$b_rfc" -gt 0 ] && [ "$g_rfc" = 0 ]'
		t_check "checksum no_pseudo_header: keepalived (no such mode) rejects it" \
		    "no 'Invalid VRRPv3 checksum' in keepalived's log" \
		    lab_wait_for "keepalived complaint" 5 eval \
		    'tail -n +"$line" "${LAB_LOG[h2]}" | grep -q "Invalid VRRPv3 checksum"'
	fi
	lab_group_stop "$VIP"
done

t_summary
