#!/bin/bash
# net_smoke.sh: the net/ modules against a real kernel, in network
# namespaces.  Two hosts (A, B) on a bridge that lives in its own namespace;
# tests/lab/net_smoke.c performs each action, tcpdump and ip(8) check the
# wire and the kernel's state.  Needs root.  Prints PASS/FAIL lines; exit 0
# when everything passed.
#
# Environment: LAB_PREFIX (default hn1) names the namespaces PREFIX-a,
# PREFIX-b, PREFIX-br; NET_SMOKE_BIN uses a prebuilt net_smoke.
#
# Lab addresses only: 198.51.100.0/24 and 2001:db8:51::/64, only inside
# these namespaces.

set -u

P=${LAB_PREFIX:-hn1}
NA=$P-a
NB=$P-b
NBR=$P-br
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d "/tmp/$P-net-smoke.XXXXXX")
PIDS=()
FAILS=0
PASSES=0

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

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	ip netns del "$NA" 2>/dev/null
	ip netns del "$NB" 2>/dev/null
	ip netns del "$NBR" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# "PASS name" / "FAIL name": the lines tests/run-tests.sh counts.
pass() { echo "PASS $*"; PASSES=$((PASSES + 1)); }
fail() { echo "FAIL $*"; FAILS=$((FAILS + 1)); }
check() { # description command...
	local what=$1
	shift
	if "$@"; then
		pass "$what"
	else
		fail "$what"
		return 1
	fi
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# wait_for MS command...: poll until the command succeeds or MS pass.
wait_for() {
	local end=$(($(now_ms) + $1))
	shift
	while ! "$@"; do
		[ "$(now_ms)" -ge "$end" ] && return 1
		sleep 0.02
	done
	return 0
}
nsa() { ip netns exec "$NA" "$@"; }
nsb() { ip netns exec "$NB" "$@"; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP net_smoke: needs root"
	exit 77
fi

BIN=${NET_SMOKE_BIN:-}
if [ -z "$BIN" ]; then
	BIN=$TMP/net_smoke
	# shellcheck disable=SC2046
	if ! gcc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
	    -o "$BIN" "$ROOT/tests/lab/net_smoke.c" "$ROOT"/net/*.c \
	    $(pkg-config --cflags --libs libnl-route-3.0 libmnl); then
		echo "FAIL build net_smoke"
		exit 1
	fi
fi

# ---- lab -----------------------------------------------------------------
# Leftovers of an earlier run with this prefix are ours: remove them.
for ns in "$NA" "$NB" "$NBR"; do
	ip netns del "$ns" 2>/dev/null
done
ip netns add "$NBR" && ip netns add "$NA" && ip netns add "$NB" || exit 1
in_ns "$NBR" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
    net.ipv6.conf.default.disable_ipv6=1
for ns in "$NA" "$NB"; do
	# Before the interfaces exist, so they inherit it: no DAD delay after
	# link up, addresses kept across down/up.
	in_ns "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
	    net.ipv6.conf.default.accept_dad=0 \
	    net.ipv6.conf.all.dad_transmits=0 \
	    net.ipv6.conf.default.dad_transmits=0 \
	    net.ipv6.conf.all.keep_addr_on_down=1 \
	    net.ipv6.conf.default.keep_addr_on_down=1
	ip -n "$ns" link set lo up
done
# Snooping off: with it on, ff02::12 stopped reaching ports after ~30 s.
ip -n "$NBR" link add br0 type bridge mcast_snooping 0 mcast_querier 0 || exit 1
ip -n "$NBR" link set br0 up
ip -n "$NA" link add lan0 type veth peer name pa netns "$NBR" || exit 1
ip -n "$NB" link add lan0 type veth peer name pb netns "$NBR" || exit 1
for port in pa pb; do
	ip -n "$NBR" link set "$port" master br0
	ip -n "$NBR" link set "$port" up
done
ip -n "$NA" addr add $A4/24 dev lan0
ip -n "$NA" addr add $A4_2/24 dev lan0
ip -n "$NA" addr add $A6/64 dev lan0
ip -n "$NB" addr add $B4/24 dev lan0
ip -n "$NB" addr add $B4_2/24 dev lan0
ip -n "$NB" addr add $B6/64 dev lan0
ip -n "$NA" link set lan0 up
ip -n "$NB" link set lan0 up

lladdr() { # ns: the link-local address of lan0
	ip -n "$1" -6 -o addr show dev lan0 scope link |
	    awk '{ sub("/.*", "", $4); print $4; exit }'
}
have_ll() { [ -n "$(lladdr "$1")" ]; }
wait_for 5000 have_ll "$NA" && wait_for 5000 have_ll "$NB" || {
	fail "link-local addresses did not appear"
	exit 1
}
LLA=$(lladdr "$NA")
LLB=$(lladdr "$NB")
MACA=$(nsa cat /sys/class/net/lan0/address)
echo "lab: A $A4 $LLA $MACA, B $B4 $LLB"

# ---- helpers for background processes --------------------------------------
# start_bg OUTFILE ERRFILE ns command...: run in the background, remember PID.
start_bg() {
	local out=$1 err=$2 ns=$3
	shift 3
	ip netns exec "$ns" "$@" >"$out" 2>"$err" &
	BG=$!
	PIDS+=("$BG")
}
stop_bg() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
# tcpdump_start ns filter: sets TD (pid) and TDOUT; returns when listening.
tcpdump_start() {
	local ns=$1
	shift
	TDOUT=$TMP/td.$RANDOM
	start_bg "$TDOUT" "$TDOUT.err" "$ns" tcpdump -l -n -e -v -i lan0 "$@"
	TD=$BG
	wait_for 5000 grep -q "listening on" "$TDOUT.err"
}
# wait_pid MS pid: wait for a process to exit by itself, bounded.
wait_pid() {
	wait_for "$1" eval "! kill -0 $2 2>/dev/null"
	wait "$2" 2>/dev/null
}

# ---- VRRP sockets ------------------------------------------------------------
V=$(nsa "$BIN" cksumopt lan0)
check "IPv6 VRRP socket has IPV6_CHECKSUM off (got $V)" [ "$V" = "-1" ]

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
		fail "$name: tcpdump did not start"
		return
	fi
	start_bg "$rxout" "$rxout.err" "$rx" "$BIN" recv "$fam" lan0 "$mode" 3000
	rxpid=$BG
	if ! wait_for 3000 grep -q READY "$rxout"; then
		fail "$name: receiver not ready: $(cat "$rxout.err")"
		stop_bg "$rxpid"; stop_bg "$TD"
		return
	fi
	if ! in_ns "$tx" "$BIN" send "$fam" lan0 "$src" "$dst" "$pay"; then
		fail "$name: send failed"
	fi
	wait_pid 4000 "$rxpid"
	line=$(grep '^RECV' "$rxout")
	check "$name: received src=$wsrc dst=$wdst ttl=255, payload intact" \
	    [ "$line" = "RECV src=$wsrc dst=$wdst ttl=255 proto=112 len=$((${#pay} / 2)) data=$pay" ] ||
	    echo "      got: ${line:-$(cat "$rxout" "$rxout.err")}"
	check "$name: tcpdump saw $wsrc > $wdst with $hl" wait_for 2000 \
	    eval "grep -A1 -- '$hl' '$TDOUT' | grep -q -- '$wsrc > $wdst'"
	stop_bg "$TD"
}

vrrp_case "v4 multicast A->B" 4 "$NA" "$NB" mcast $A4 224.0.0.18 $PAY4 $A4 224.0.0.18
vrrp_case "v4 multicast B->A" 4 "$NB" "$NA" mcast $B4 224.0.0.18 $PAY4 $B4 224.0.0.18
vrrp_case "v4 unicast A->B" 4 "$NA" "$NB" ucast $A4 $B4 $PAY4 $A4 $B4
# The kernel would pick B's first address; IP_PKTINFO must override it.
vrrp_case "v4 unicast B->A, chosen source" 4 "$NB" "$NA" ucast $B4_2 $A4 $PAY4 $B4_2 $A4
vrrp_case "v6 multicast A->B" 6 "$NA" "$NB" mcast "$LLA" ff02::12 $PAY6 "$LLA" ff02::12
vrrp_case "v6 multicast B->A" 6 "$NB" "$NA" mcast "$LLB" ff02::12 $PAY6 "$LLB" ff02::12
vrrp_case "v6 unicast A->B" 6 "$NA" "$NB" ucast "$LLA" "$LLB" $PAY6 "$LLA" "$LLB"
# A global source where the kernel would choose the link-local one.
vrrp_case "v6 unicast B->A, chosen source" 6 "$NB" "$NA" ucast $B6 "$LLA" $PAY6 $B6 "$LLA"

# Multicast loopback is off: a second socket on the sending host must not
# get the sender's own advert.
for fam in 4 6; do
	if [ $fam = 4 ]; then src=$A4; grp=224.0.0.18; pay=$PAY4
	else src=$LLA; grp=ff02::12; pay=$PAY6; fi
	out=$TMP/loop$fam
	start_bg "$out" "$out.err" "$NA" "$BIN" recv $fam lan0 mcast 1000
	pid=$BG
	wait_for 3000 grep -q READY "$out"
	nsa "$BIN" send $fam lan0 "$src" $grp $pay
	wait_pid 3000 "$pid"
	check "v$fam: own multicast not looped back" grep -q TIMEOUT "$out"
done

# ---- VIPs --------------------------------------------------------------------
vip() { nsa "$BIN" vip "$@"; }
has_addr() { # ns addr: address listed on lan0
	ip -n "$1" -o addr show dev lan0 | grep -qw -- "$2/[0-9]*"
}
no_addr() { ! has_addr "$@"; }

check "vip add $VIP4/24" vip add lan0 $VIP4/24
check "vip add $VIP4/24 again (EEXIST is success)" vip add lan0 $VIP4/24
check "ip addr shows $VIP4" has_addr "$NA" $VIP4
check "vip present $VIP4 = 1" [ "$(vip present lan0 $VIP4)" = 1 ]
check "vip primary v4 = $A4 (VIP skipped)" \
    [ "$(vip primary lan0 4 $VIP4/24)" = $A4 ]
check "vip add $VIP4H/32" vip add lan0 $VIP4H/32
check "vip primary v4 skipping $A4 = $VIP4H (secondaries never)" \
    [ "$(vip primary lan0 4 $A4/24)" = $VIP4H ]
check "vip primary v4 with every primary skipped fails" \
    eval "! vip primary lan0 4 $A4/24 $VIP4H/32 >/dev/null 2>&1"
check "vip primary v6 = link-local $LLA" \
    [ "$(vip primary lan0 6 $VIP6/64)" = "$LLA" ]

# Turn DAD on for A's lan0, so an address added without IFA_F_NODAD is
# tentative: the control shows the tentative check can fail.
nsa sysctl -qw net.ipv6.conf.lan0.accept_dad=1 net.ipv6.conf.lan0.dad_transmits=3
ip -n "$NA" addr add $CTL6/64 dev lan0
is_tentative() { ip -n "$NA" -6 -o addr show dev lan0 | grep -w -- "$1/64" | grep -q tentative; }
check "control: $CTL6 added by ip(8) is tentative" is_tentative $CTL6
check "vip add $VIP6/64" vip add lan0 $VIP6/64
check "vip add $VIP6/64 again" vip add lan0 $VIP6/64
check "ip addr shows $VIP6" has_addr "$NA" $VIP6
check "$VIP6 is not tentative (IFA_F_NODAD)" eval "! is_tentative $VIP6"
check "vip present $VIP6 = 1" [ "$(vip present lan0 $VIP6)" = 1 ]
ip -n "$NA" addr del $CTL6/64 dev lan0
nsa sysctl -qw net.ipv6.conf.lan0.accept_dad=0 net.ipv6.conf.lan0.dad_transmits=0

for p in $VIP4/24 $VIP4H/32 $VIP6/64; do
	a=${p%/*}
	check "vip del $p" vip del lan0 "$p"
	check "vip del $p again (absent is success)" vip del lan0 "$p"
	check "ip addr no longer shows $a" no_addr "$NA" "$a"
	check "vip present $a = 0" [ "$(vip present lan0 "$a")" = 0 ]
done
# Added by hand with another prefix length: vip del must still remove it.
ip -n "$NA" addr add $VIP4/32 dev lan0
ip -n "$NA" addr add $VIP6/128 dev lan0 nodad
check "vip del $VIP4/24 removes $VIP4/32 added by hand" \
    eval "vip del lan0 $VIP4/24 && no_addr $NA $VIP4"
check "vip del $VIP6/64 removes $VIP6/128 added by hand" \
    eval "vip del lan0 $VIP6/64 && no_addr $NA $VIP6"
nsa "$BIN" vip add @9999 $VIP4/32 >/dev/null 2>"$TMP/vipbad"
check "vip add on a missing interface index fails with the kernel's reason" \
    grep -q "add address: No such device" "$TMP/vipbad" ||
    echo "      got: $(cat "$TMP/vipbad")"

# ---- gratuitous ARP and unsolicited NA ----------------------------------------
neigh_is() { # ns addr mac
	ip -n "$1" neigh show "$2" dev lan0 | grep -qi -- "lladdr $3"
}
ip -n "$NB" neigh replace $VIP4 lladdr $FAKE_MAC dev lan0 nud stale
check "B's entry for $VIP4 starts at the fake MAC" neigh_is "$NB" $VIP4 $FAKE_MAC
if tcpdump_start "$NB" arp; then
	check "garp sent" nsa "$BIN" garp lan0 $VIP4
	check "tcpdump on B: broadcast ARP request who-has $VIP4 tell $VIP4 from $MACA" \
	    wait_for 2000 eval "grep -i -- '$MACA > ff:ff:ff:ff:ff:ff' '$TDOUT' | grep -q 'Request who-has $VIP4 tell $VIP4'"
	stop_bg "$TD"
else
	fail "tcpdump for ARP did not start"
fi
check "GARP moved B's entry for $VIP4 to $MACA" wait_for 2000 neigh_is "$NB" $VIP4 "$MACA"

ip -n "$NB" -6 neigh replace $VIP6 lladdr $FAKE_MAC dev lan0 nud stale
check "B's entry for $VIP6 starts at the fake MAC" neigh_is "$NB" $VIP6 $FAKE_MAC
if tcpdump_start "$NB" "icmp6 and ip6[40] == 136"; then
	check "una sent" nsa "$BIN" una lan0 $VIP6
	td_na() {
		grep -A2 -- 'hlim 255' "$TDOUT" | tr '\n' ' ' >"$TDOUT.flat"
		grep -q -- "> ff02::1: \[icmp6 sum ok\] ICMP6, neighbor advertisement, length 32, tgt is $VIP6, Flags \[override\]" "$TDOUT.flat" &&
		    grep -qi -- "destination link-address option (2), length 8 (1): $MACA" "$TDOUT.flat"
	}
	check "tcpdump on B: NA to ff02::1, hlim 255, checksum ok, tgt $VIP6, Flags [override] only, TLLA $MACA" \
	    wait_for 2000 td_na
	stop_bg "$TD"
else
	fail "tcpdump for NA did not start"
fi
check "NA moved B's entry for $VIP6 to $MACA" wait_for 2000 neigh_is "$NB" $VIP6 "$MACA"

# ---- link monitor -------------------------------------------------------------
# linkmon_case NAME EXPECT... ; then the caller runs actions; linkmon_end.
linkmon_start() {
	LMOUT=$TMP/lm.$RANDOM
	start_bg "$LMOUT" "$LMOUT.err" "$NA" "$BIN" linkmon lan0 5000 "$@"
	LM=$BG
	wait_for 3000 grep -q READY "$LMOUT"
}
linkmon_end() {
	wait_pid 6000 "$LM"
	check "$1: link_mon saw $(grep -c EVENT "$LMOUT") events, expected ones in order" \
	    grep -q '^DONE' "$LMOUT" || sed 's/^/      /' "$LMOUT"
}
linkup_is() { [ "$(nsa "$BIN" linkup lan0)" = "$1" ]; }

check "link_is_up lan0 = 1" linkup_is 1
linkmon_start down up
ip -n "$NA" link set lan0 down
check "admin down: link_is_up = 0" wait_for 2000 linkup_is 0
ip -n "$NA" link set lan0 up
check "admin up: link_is_up = 1" wait_for 2000 linkup_is 1
linkmon_end "admin down/up"

linkmon_start down up
ip -n "$NBR" link set pa down
check "carrier lost (bridge port down): link_is_up = 0" wait_for 2000 linkup_is 0
ip -n "$NBR" link set pa up
check "carrier back: link_is_up = 1" wait_for 2000 linkup_is 1
linkmon_end "carrier down/up"

linkmon_start "+$VIP4" "+$VIP6" "-$VIP4" "-$VIP6"
vip add lan0 $VIP4/32 && vip add lan0 $VIP6/128 &&
    vip del lan0 $VIP4/32 && vip del lan0 $VIP6/128
linkmon_end "address add/del v4+v6"

check "link_is_up of a missing interface = -1" \
    eval "[ \"\$(nsa $BIN linkup nosuch0)\" = -1 ]"

echo "net_smoke: $PASSES passed, $FAILS failed"
[ "$FAILS" -eq 0 ]
