#!/bin/sh
# Capture VRRP adverts from Debian's keepalived in a private namespace lab,
# for the wire vectors in tests/unit/test_vrrp_pkt.c.  Run as root:
#
#     tests/unit/vectors/capture-keepalived.sh [OUTDIR]
#
# Lab: netns hc1-br holds bridge hc1br0; hc1-a runs keepalived (198.51.100.1,
# 2001:db8::1, MAC 02:00:00:00:00:01 so its link-local is fe80::ff:fe00:1);
# hc1-b (198.51.100.2, 2001:db8::2) runs tcpdump.  Nothing touches the root
# namespace; everything is removed on exit.  The pcap and a hex dump of every
# packet go to OUTDIR (default: a temporary directory, printed at the end).
set -eu

PFX=hc1
NS_BR=$PFX-br
NS_A=$PFX-a
NS_B=$PFX-b
OUT=${1:-$(mktemp -d /tmp/$PFX-capture.XXXXXX)}
TMP=$(mktemp -d /tmp/$PFX-kad.XXXXXX)
KA_PID=
TD_PID=

cleanup() {
	[ -n "$KA_PID" ] && kill "$KA_PID" 2>/dev/null || true
	[ -n "$TD_PID" ] && kill "$TD_PID" 2>/dev/null || true
	# Give keepalived its priority-0 goodbye, bounded.
	i=0
	while [ -n "$KA_PID" ] && kill -0 "$KA_PID" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	[ -n "$KA_PID" ] && kill -9 "$KA_PID" 2>/dev/null || true
	for ns in $NS_A $NS_B $NS_BR; do
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

for ns in $NS_BR $NS_A $NS_B; do
	ip netns add "$ns"
	ip -n "$ns" link set lo up
done
ip -n $NS_BR link add hc1br0 type bridge mcast_snooping 0 mcast_querier 0
ip -n $NS_BR link set hc1br0 up

# veth: the node end is created inside the node namespace, its peer moved to
# the bridge namespace; the root namespace never holds either end.
mkport() {	# ns ifname brport mac
	ip -n "$1" link add "$2" type veth peer name "$3"
	ip -n "$1" link set "$3" netns $NS_BR
	ip -n $NS_BR link set "$3" master hc1br0 up
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
	    net.ipv6.conf.default.accept_dad=0 \
	    net.ipv6.conf.default.dad_transmits=0
	ip -n "$1" link set "$2" address "$4"
	ip netns exec "$1" sysctl -qw net.ipv6.conf."$2".accept_dad=0 \
	    net.ipv6.conf."$2".dad_transmits=0
	ip -n "$1" link set "$2" up
}
mkport $NS_A hc1a0 hc1pa 02:00:00:00:00:01
mkport $NS_B hc1b0 hc1pb 02:00:00:00:00:02
ip -n $NS_A addr add 198.51.100.1/24 dev hc1a0
ip -n $NS_A addr add 2001:db8::1/64 dev hc1a0
ip -n $NS_B addr add 198.51.100.2/24 dev hc1b0
ip -n $NS_B addr add 2001:db8::2/64 dev hc1b0

# One keepalived, five instances (VRID = what is being captured):
#  51  VRRPv2, auth PASS "secret", advert_int 1, two VIPs
#  52  VRRPv3 IPv4 multicast, advert_int 0.5, one VIP
#  53  VRRPv3 IPv6 multicast, advert_int 1, two VIPs
#  54  VRRPv3 IPv4 unicast to 198.51.100.2, advert_int 2, priority 200
#  55  same as 54 with old_unicast_checksum (pre-1.3.6 pseudo-header dst)
cat > "$TMP/keepalived.conf" <<CONF
global_defs {
	router_id hc1a
	vrrp_garp_master_delay 0
}
vrrp_instance v2pass {
	version 2
	state MASTER
	interface hc1a0
	virtual_router_id 51
	priority 100
	advert_int 1
	authentication {
		auth_type PASS
		auth_pass secret
	}
	virtual_ipaddress {
		198.51.100.10/24
		198.51.100.11/24
	}
}
vrrp_instance v3v4 {
	version 3
	state MASTER
	interface hc1a0
	virtual_router_id 52
	priority 150
	advert_int 0.5
	virtual_ipaddress {
		198.51.100.20/24
	}
}
vrrp_instance v3v6 {
	version 3
	state MASTER
	interface hc1a0
	virtual_router_id 53
	priority 100
	advert_int 1
	virtual_ipaddress {
		2001:db8::30/64
		2001:db8::31/64
	}
}
vrrp_instance v3uni {
	version 3
	state MASTER
	interface hc1a0
	virtual_router_id 54
	priority 200
	advert_int 2
	unicast_src_ip 198.51.100.1
	unicast_peer {
		198.51.100.2
	}
	virtual_ipaddress {
		198.51.100.40/24
	}
}
vrrp_instance v3unold {
	version 3
	state MASTER
	interface hc1a0
	virtual_router_id 55
	priority 100
	advert_int 1
	unicast_src_ip 198.51.100.1
	unicast_peer {
		198.51.100.2
	}
	old_unicast_checksum
	virtual_ipaddress {
		198.51.100.50/24
	}
}
CONF
cp "$TMP/keepalived.conf" "$OUT/keepalived.conf"

ip netns exec $NS_B tcpdump -i hc1b0 -n -U -w "$OUT/vrrp.pcap" \
    'ip proto 112 or ip6 proto 112' 2>"$OUT/tcpdump.log" &
TD_PID=$!
# tcpdump says "listening on" once its socket is open.
i=0
until grep -q listening "$OUT/tcpdump.log" 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 100 ] || { echo "tcpdump did not start" >&2; exit 1; }
	sleep 0.1
done

ip netns exec $NS_A keepalived -n -l -P -f "$TMP/keepalived.conf" \
    -p "$TMP/ka.pid" -r "$TMP/vrrp.pid" -c "$TMP/check.pid" \
    -b "$TMP/bfd.pid" >"$OUT/keepalived.log" 2>&1 &
KA_PID=$!

# Wait (at most 20 s) until every VRID has been seen at least twice.
have_all() {
	for v in 51 52 53 54 55; do
		n=$(tcpdump -r "$OUT/vrrp.pcap" -n 2>/dev/null |
		    grep -c "vrid $v," || true)
		[ "$n" -ge 2 ] || return 1
	done
}
i=0
until have_all; do
	i=$((i + 1)); [ $i -lt 200 ] || { echo "timeout waiting for adverts" >&2; exit 1; }
	sleep 0.1
done
kill "$KA_PID"
i=0
while kill -0 "$KA_PID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
KA_PID=
sleep 0.5	# let tcpdump flush the goodbye adverts
kill "$TD_PID"; wait "$TD_PID" 2>/dev/null || true; TD_PID=

tcpdump -r "$OUT/vrrp.pcap" -n -v -x > "$OUT/vrrp.txt" 2>/dev/null
echo "capture in $OUT"
