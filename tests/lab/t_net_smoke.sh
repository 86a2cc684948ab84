#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# net_smoke.sh: the net/ modules against a real kernel, in network
# namespaces.  Two hosts (a, b) on the lab bridge (tests/lab/lib.sh);
# tests/lab/net_smoke.c performs each action, tcpdump and ip(8) check the
# wire and the kernel's state.  Needs root.  Prints PASS/FAIL lines; exit 0
# when everything passed.
#
# Environment: lib.sh's (LAB_PREFIX names the namespaces PREFIX-a,
# PREFIX-b, PREFIX-br); NET_SMOKE_BIN uses a prebuilt net_smoke.
#
# Lab addresses only: 198.51.100.0/24 and 2001:db8:51::/64, only inside
# these namespaces.

set -u
. "$(dirname "$0")/lib.sh"

lab_require root
lab_init
TMP=$LAB_TMP

A4=198.51.100.1
B4=198.51.100.2
A4_2=198.51.100.3	# a second address on A: proves the chosen source
B4_2=198.51.100.4
VIP4=198.51.100.100
VIP4H=198.51.100.101	# a /32 VIP: primary (not secondary) in its own prefix
A6=2001:db8:51::1
B6=2001:db8:51::2
VIP6=2001:db8:51::100
CTL6=2001:db8:51::200	# added without nodad, to show the check can fail
FAKE_MAC=02:00:00:00:00:99

BIN=${NET_SMOKE_BIN:-}
if [ -z "$BIN" ]; then
	BIN=$TMP/net_smoke
	# shellcheck disable=SC2046
	if ! gcc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
	    -o "$BIN" "$LAB_DIR/net_smoke.c" "$LAB_REPO"/net/*.c \
	    $(pkg-config --cflags --libs libnl-route-3.0 libmnl); then
		t_fail build "net_smoke does not compile"
		exit 1
	fi
fi

# ---- lab -----------------------------------------------------------------
# Hosts a and b on the lab bridge (lab_host: no DAD, addresses kept across
# down/up), each with a second IPv4 address.
lab_bridge
lab_host a $A4/24 $A6/64
lab_host b $B4/24 $B6/64
NA=$(lab_ns a)
NB=$(lab_ns b)
ip -n "$NA" addr add $A4_2/24 dev $LAB_IF
ip -n "$NB" addr add $B4_2/24 dev $LAB_IF

lladdr() { # ns: the link-local address of $LAB_IF
	ip -n "$1" -6 -o addr show dev $LAB_IF scope link |
	    awk '{ sub("/.*", "", $4); print $4; exit }'
}
have_ll() { [ -n "$(lladdr "$1")" ]; }
if ! lab_wait_for "link-local on a" 5 have_ll "$NA" ||
    ! lab_wait_for "link-local on b" 5 have_ll "$NB"; then
	t_fail setup "link-local addresses did not appear"
	exit 1
fi
LLA=$(lladdr "$NA")
LLB=$(lladdr "$NB")
MACA=$(host_mac a)
echo "lab: A $A4 $LLA $MACA, B $B4 $LLB"

# ---- helpers for background processes --------------------------------------
# tcpdump_start HOST filter: sets TD (pid) and TDOUT; returns when listening.
tcpdump_start() {
	local h=$1
	shift
	TDOUT=$TMP/td.$RANDOM
	lab_bg "$h" "$TDOUT" "$TDOUT.err" tcpdump -l -n -e -v -i $LAB_IF "$@" ||
	    return 1
	TD=$LAB_BG_PID
	lab_wait_for "tcpdump on $h" 5 grep -q "listening on" "$TDOUT.err"
}

# ---- VRRP sockets ------------------------------------------------------------
V=$(lab_exec a "$BIN" cksumopt $LAB_IF)
t_ok "IPv6 VRRP socket has IPV6_CHECKSUM off (got $V)" [ "$V" = "-1" ]

# A VRRPv3 advert for VRID 51, priority 100, 1 s, one address; the checksum
# bytes are a marker (abcd) that must arrive untouched.
PAY4=313364010064abcdc6336464
PAY6=313364010064abcd20010db8005100000000000000000100

# vrrp_case NAME FAM TXNS RXNS MODE SRC DST PAYLOAD WANT_SRC WANT_DST
vrrp_case() {
	local name=$1 fam=$2 tx=$3 rx=$4 mode=$5 src=$6 dst=$7 pay=$8
	local wsrc=$9 wdst=${10} rxout=$TMP/rx.$1 filt hl rxpid line
	if [ "$fam" = 4 ]; then filt="ip proto 112"; hl="ttl 255"
	else filt="ip6 proto 112"; hl="hlim 255"; fi
	if ! tcpdump_start "$rx" "$filt"; then
		t_fail "$name" "tcpdump did not start"
		return
	fi
	lab_bg "$rx" "$rxout" "$rxout.err" "$BIN" recv "$fam" $LAB_IF "$mode" 3000
	rxpid=$LAB_BG_PID
	if ! lab_wait_for "receiver on $rx" 3 grep -q READY "$rxout"; then
		t_fail "$name" "receiver not ready: $(cat "$rxout.err")"
		lab_stop "$rxpid"; lab_stop "$TD"
		return
	fi
	if ! lab_exec "$tx" "$BIN" send "$fam" $LAB_IF "$src" "$dst" "$pay"; then
		t_fail "$name" "send failed"
	fi
	lab_wait_exit "$rxpid" 4
	line=$(grep '^RECV' "$rxout")
	t_ok "$name: received src=$wsrc dst=$wdst ttl=255, payload intact" \
	    [ "$line" = "RECV src=$wsrc dst=$wdst ttl=255 proto=112 len=$((${#pay} / 2)) data=$pay" ] ||
	    echo "      got: ${line:-$(cat "$rxout" "$rxout.err")}"
	t_ok "$name: tcpdump saw $wsrc > $wdst with $hl" \
	    lab_wait_for "$wsrc > $wdst in the capture" 2 \
	    eval "grep -A1 -- '$hl' '$TDOUT' | grep -q -- '$wsrc > $wdst'"
	lab_stop "$TD"
}

vrrp_case "v4 multicast A->B" 4 a b mcast $A4 224.0.0.18 $PAY4 $A4 224.0.0.18
vrrp_case "v4 multicast B->A" 4 b a mcast $B4 224.0.0.18 $PAY4 $B4 224.0.0.18
vrrp_case "v4 unicast A->B" 4 a b ucast $A4 $B4 $PAY4 $A4 $B4
# The kernel would pick B's first address; IP_PKTINFO must override it.
vrrp_case "v4 unicast B->A, chosen source" 4 b a ucast $B4_2 $A4 $PAY4 $B4_2 $A4
vrrp_case "v6 multicast A->B" 6 a b mcast "$LLA" ff02::12 $PAY6 "$LLA" ff02::12
vrrp_case "v6 multicast B->A" 6 b a mcast "$LLB" ff02::12 $PAY6 "$LLB" ff02::12
vrrp_case "v6 unicast A->B" 6 a b ucast "$LLA" "$LLB" $PAY6 "$LLA" "$LLB"
# A global source where the kernel would choose the link-local one.
vrrp_case "v6 unicast B->A, chosen source" 6 b a ucast $B6 "$LLA" $PAY6 $B6 "$LLA"

# Multicast loopback is off: a second socket on the sending host must not
# get the sender's own advert.
for fam in 4 6; do
	if [ $fam = 4 ]; then src=$A4; grp=224.0.0.18; pay=$PAY4
	else src=$LLA; grp=ff02::12; pay=$PAY6; fi
	out=$TMP/loop$fam
	lab_bg a "$out" "$out.err" "$BIN" recv $fam $LAB_IF mcast 1000
	pid=$LAB_BG_PID
	if ! lab_wait_for "receiver on a" 3 grep -q READY "$out"; then
		t_fail "v$fam: own multicast not looped back" "receiver not ready: $(cat "$out.err")"
		lab_stop "$pid"
		continue
	fi
	lab_exec a "$BIN" send $fam $LAB_IF "$src" $grp $pay
	lab_wait_exit "$pid" 3
	t_ok "v$fam: own multicast not looped back" grep -q TIMEOUT "$out"
done

# ---- VIPs --------------------------------------------------------------------
vip() { lab_exec a "$BIN" vip "$@"; }
has_addr() { # ns addr: address listed on $LAB_IF
	ip -n "$1" -o addr show dev $LAB_IF | grep -qw -- "$2/[0-9]*"
}
no_addr() { ! has_addr "$@"; }

t_ok "vip add $VIP4/24" vip add $LAB_IF $VIP4/24
t_ok "vip add $VIP4/24 again (EEXIST is success)" vip add $LAB_IF $VIP4/24
t_ok "ip addr shows $VIP4" has_addr "$NA" $VIP4
t_ok "vip present $VIP4 = 1" [ "$(vip present $LAB_IF $VIP4)" = 1 ]
t_ok "vip primary v4 = $A4 (VIP skipped)" \
    [ "$(vip primary $LAB_IF 4 $VIP4/24)" = $A4 ]
t_ok "vip add $VIP4H/32" vip add $LAB_IF $VIP4H/32
t_ok "vip primary v4 skipping $A4 = $VIP4H (secondaries never)" \
    [ "$(vip primary $LAB_IF 4 $A4/24)" = $VIP4H ]
t_ok "vip primary v4 with every primary skipped fails" \
    eval "! vip primary $LAB_IF 4 $A4/24 $VIP4H/32 >/dev/null 2>&1"
t_ok "vip primary v6 = link-local $LLA" \
    [ "$(vip primary $LAB_IF 6 $VIP6/64)" = "$LLA" ]

# Turn DAD on for A's $LAB_IF, so an address added without IFA_F_NODAD is
# tentative: the control shows the tentative check can fail.
lab_exec a sysctl -qw net.ipv6.conf.$LAB_IF.accept_dad=1 net.ipv6.conf.$LAB_IF.dad_transmits=3
ip -n "$NA" addr add $CTL6/64 dev $LAB_IF
is_tentative() { ip -n "$NA" -6 -o addr show dev $LAB_IF | grep -w -- "$1/64" | grep -q tentative; }
t_ok "control: $CTL6 added by ip(8) is tentative" is_tentative $CTL6
t_ok "vip add $VIP6/64" vip add $LAB_IF $VIP6/64
t_ok "vip add $VIP6/64 again" vip add $LAB_IF $VIP6/64
t_ok "ip addr shows $VIP6" has_addr "$NA" $VIP6
t_ok "$VIP6 is not tentative (IFA_F_NODAD)" eval "! is_tentative $VIP6"
t_ok "vip present $VIP6 = 1" [ "$(vip present $LAB_IF $VIP6)" = 1 ]
ip -n "$NA" addr del $CTL6/64 dev $LAB_IF
lab_exec a sysctl -qw net.ipv6.conf.$LAB_IF.accept_dad=0 net.ipv6.conf.$LAB_IF.dad_transmits=0

for p in $VIP4/24 $VIP4H/32 $VIP6/64; do
	a=${p%/*}
	t_ok "vip del $p" vip del $LAB_IF "$p"
	t_ok "vip del $p again (absent is success)" vip del $LAB_IF "$p"
	t_ok "ip addr no longer shows $a" no_addr "$NA" "$a"
	t_ok "vip present $a = 0" [ "$(vip present $LAB_IF "$a")" = 0 ]
done
# Added by hand with another prefix length: vip del must still remove it.
ip -n "$NA" addr add $VIP4/32 dev $LAB_IF
ip -n "$NA" addr add $VIP6/128 dev $LAB_IF nodad
t_ok "vip del $VIP4/24 removes $VIP4/32 added by hand" \
    eval "vip del $LAB_IF $VIP4/24 && no_addr $NA $VIP4"
t_ok "vip del $VIP6/64 removes $VIP6/128 added by hand" \
    eval "vip del $LAB_IF $VIP6/64 && no_addr $NA $VIP6"
lab_exec a "$BIN" vip add @9999 $VIP4/32 >/dev/null 2>"$TMP/vipbad"
t_ok "vip add on a missing interface index fails with the kernel's reason" \
    grep -q "add address: No such device" "$TMP/vipbad" ||
    echo "      got: $(cat "$TMP/vipbad")"

# ---- gratuitous ARP and unsolicited NA ----------------------------------------
neigh_is() { # ns addr mac
	ip -n "$1" neigh show "$2" dev $LAB_IF | grep -qi -- "lladdr $3"
}
ip -n "$NB" neigh replace $VIP4 lladdr $FAKE_MAC dev $LAB_IF nud stale
t_ok "B's entry for $VIP4 starts at the fake MAC" neigh_is "$NB" $VIP4 $FAKE_MAC
if tcpdump_start b arp; then
	t_ok "garp sent" lab_exec a "$BIN" garp $LAB_IF $VIP4
	t_ok "tcpdump on B: broadcast ARP request who-has $VIP4 tell $VIP4 from $MACA" \
	    lab_wait_for "the GARP in the capture" 2 eval "grep -i -- '$MACA > ff:ff:ff:ff:ff:ff' '$TDOUT' | grep -q 'Request who-has $VIP4 tell $VIP4'"
	lab_stop "$TD"
else
	t_fail "garp" "tcpdump for ARP did not start"
fi
t_ok "GARP moved B's entry for $VIP4 to $MACA" lab_wait_for "B's entry for $VIP4" 2 neigh_is "$NB" $VIP4 "$MACA"

ip -n "$NB" -6 neigh replace $VIP6 lladdr $FAKE_MAC dev $LAB_IF nud stale
t_ok "B's entry for $VIP6 starts at the fake MAC" neigh_is "$NB" $VIP6 $FAKE_MAC
if tcpdump_start b "icmp6 and ip6[40] == 136"; then
	t_ok "una sent" lab_exec a "$BIN" una $LAB_IF $VIP6
	td_na() {
		grep -A2 -- 'hlim 255' "$TDOUT" | tr '\n' ' ' >"$TDOUT.flat"
		grep -q -- "> ff02::1: \[icmp6 sum ok\] ICMP6, neighbor advertisement, length 32, tgt is $VIP6, Flags \[override\]" "$TDOUT.flat" &&
		    grep -qi -- "destination link-address option (2), length 8 (1): $MACA" "$TDOUT.flat"
	}
	t_ok "tcpdump on B: NA to ff02::1, hlim 255, checksum ok, tgt $VIP6, Flags [override] only, TLLA $MACA" \
	    lab_wait_for "the NA in the capture" 2 td_na
	lab_stop "$TD"
else
	t_fail "una" "tcpdump for NA did not start"
fi
t_ok "NA moved B's entry for $VIP6 to $MACA" lab_wait_for "B's entry for $VIP6" 2 neigh_is "$NB" $VIP6 "$MACA"

# ---- link monitor -------------------------------------------------------------
# linkmon_case NAME EXPECT... ; then the caller runs actions; linkmon_end.
linkmon_start() {
	LMOUT=$TMP/lm.$RANDOM
	lab_bg a "$LMOUT" "$LMOUT.err" "$BIN" linkmon $LAB_IF 5000 "$@" || return 1
	LM=$LAB_BG_PID
	lab_wait_for "link monitor" 3 grep -q READY "$LMOUT" ||
	    t_fail "link monitor ($*)" "not ready: $(cat "$LMOUT.err")"
}
linkmon_end() {
	lab_wait_exit "$LM" 6
	t_ok "$1: link_mon saw $(grep -c EVENT "$LMOUT") events, expected ones in order" \
	    grep -q '^DONE' "$LMOUT" || sed 's/^/      /' "$LMOUT"
}
linkup_is() { [ "$(lab_exec a "$BIN" linkup $LAB_IF)" = "$1" ]; }

t_ok "link_is_up $LAB_IF = 1" linkup_is 1
linkmon_start down up
ip -n "$NA" link set $LAB_IF down
t_ok "admin down: link_is_up = 0" lab_wait_for "link_is_up = 0" 2 linkup_is 0
ip -n "$NA" link set $LAB_IF up
t_ok "admin up: link_is_up = 1" lab_wait_for "link_is_up = 1" 2 linkup_is 1
linkmon_end "admin down/up"

linkmon_start down up
lab_link_down a
t_ok "carrier lost (bridge port down): link_is_up = 0" lab_wait_for "link_is_up = 0" 2 linkup_is 0
lab_link_up a
t_ok "carrier back: link_is_up = 1" lab_wait_for "link_is_up = 1" 2 linkup_is 1
linkmon_end "carrier down/up"

linkmon_start "+$VIP4" "+$VIP6" "-$VIP4" "-$VIP6"
vip add $LAB_IF $VIP4/32 && vip add $LAB_IF $VIP6/128 &&
    vip del $LAB_IF $VIP4/32 && vip del $LAB_IF $VIP6/128
linkmon_end "address add/del v4+v6"

t_ok "link_is_up of a missing interface = -1" \
    eval "[ \"\$(lab_exec a $BIN linkup nosuch0)\" = -1 ]"

t_summary
