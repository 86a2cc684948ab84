# SPDX-License-Identifier: Apache-2.0
# tests/lab/lib/ns.sh: namespaces and what runs on the wire between them.
# The bridge namespace "$P-br", hosts "$P-NAME" with eth0 on it, the
# client, lab_exec; cables and interfaces up/down; who holds a VIP and
# which MAC the client sees for it; nftables drops of multicast VRRP;
# tcpdump captures of VRRP and their adverts and gaps (tshark).
# Sourced by tests/lab/lib.sh.

LAB_SUBNET4=198.51.100
LAB_SUBNET6=2001:db8:
LAB_IF=eth0

declare -A LAB_NS=()		# host name -> namespace
declare -A LAB_IP4=()		# host name -> IPv4 address (no prefix length)
declare -A LAB_IP6=()		# host name -> IPv6 address (no prefix length)
declare -A LAB_PORT=()		# host name -> bridge-side veth name
declare -a LAB_HOSTS=()		# agent hosts, in creation order
LAB_CLIENT=

lab_ns() {
	local ns=${LAB_NS[$1]:-}
	[ -n "$ns" ] || lab_die "unknown lab host '$1'"
	echo "$ns"
}

# lab_exec HOST CMD...: run CMD inside HOST's namespace.
lab_exec() {
	local ns
	ns=$(lab_ns "$1") || return 1
	shift
	ip netns exec "$ns" "$@"
}

# lab_bg HOST OUT ERR CMD...: start CMD in HOST's namespace in the
# background, stdout to OUT and stderr to ERR (ERR may be OUT), both
# truncated; sets LAB_BG_PID, owned by this run (`ip netns exec` execs, so
# it is CMD's own PID).  Not for $(...): the process must stay our child.
lab_bg() {
	local ns out=$2 err=$3
	ns=$(lab_ns "$1") || return 1
	shift 3
	if [ "$err" = "$out" ]; then
		ip netns exec "$ns" "$@" >"$out" 2>&1 &
	else
		ip netns exec "$ns" "$@" >"$out" 2>"$err" &
	fi
	LAB_BG_PID=$!
	lab_own "$LAB_BG_PID"
}

# lab_bridge: the shared L2 segment, in its own namespace "$P-br".
lab_bridge() {
	local ns="$P-br"
	ip netns add "$ns" || lab_die "cannot create namespace $ns"
	LAB_NS[br]=$ns
	ip -n "$ns" link set lo up
	ip -n "$ns" link add br0 type bridge mcast_snooping 0 mcast_querier 0 ||
	    lab_die "cannot create bridge in $ns"
	# Forward at once: no STP listening/learning delay on new ports.
	ip -n "$ns" link set br0 type bridge stp_state 0 forward_delay 0
	ip -n "$ns" link set br0 up
}

# lab_host NAME IPV4 IPV6 [ROLE]: a namespace "$P-NAME" with "eth0" on the
# bridge.  IPV4/IPV6 default to /24 and /64.  The MAC is derived from the
# last IPv4 octet (02:00:00:00:00:XX) so logs are easy to read.
lab_host() {
	local name=$1 a4=$2 a6=$3 role=${4:-agent}
	local ns="$P-$name" port="$P$name" oct mac
	[ ${#port} -le 15 ] || lab_die "host name '$name' too long for prefix '$P'"
	[[ $a4 == */* ]] || a4="$a4/24"
	[[ $a6 == */* ]] || a6="$a6/64"
	case ${a4%/*} in "$LAB_SUBNET4".*) ;; *) lab_die "$a4 is not a lab address" ;; esac
	case ${a6%/*} in 2001:db8:*) ;; *) lab_die "$a6 is not a lab address" ;; esac
	oct=${a4%/*}; oct=${oct##*.}
	mac=$(printf '02:00:00:00:00:%02x' "$oct")

	ip netns add "$ns" || lab_die "cannot create namespace $ns"
	LAB_NS[$name]=$ns
	LAB_IP4[$name]=${a4%/*}
	LAB_IP6[$name]=${a6%/*}
	LAB_PORT[$name]=$port
	ip netns exec "$ns" sh -c '
		sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		    net.ipv6.conf.default.accept_dad=0 \
		    net.ipv6.conf.all.dad_transmits=0 \
		    net.ipv6.conf.default.dad_transmits=0 \
		    net.ipv6.conf.all.keep_addr_on_down=1 \
		    net.ipv6.conf.default.keep_addr_on_down=1' ||
	    lab_die "sysctls in $ns"
	ip -n "$ns" link set lo up
	# Created in the bridge namespace, far end moved straight into the host:
	# the pair never exists in the root namespace.
	ip -n "$P-br" link add "$port" type veth peer name "$LAB_IF" netns "$ns" ||
	    lab_die "cannot create veth for $name"
	ip -n "$P-br" link set "$port" master br0 up
	ip -n "$ns" link set "$LAB_IF" address "$mac"
	ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$LAB_IF.accept_dad=0" \
	    "net.ipv6.conf.$LAB_IF.dad_transmits=0" \
	    "net.ipv6.conf.$LAB_IF.keep_addr_on_down=1"
	ip -n "$ns" addr add "$a4" dev "$LAB_IF"
	ip -n "$ns" addr add "$a6" dev "$LAB_IF" nodad
	ip -n "$ns" link set "$LAB_IF" up
	if [ "$role" = client ]; then
		LAB_CLIENT=$name
	else
		LAB_HOSTS+=("$name")
	fi
}

# lab_client [IPV4 IPV6]: the client namespace "$P-cl" (default .200/::200).
lab_client() {
	lab_host cl "${1:-$LAB_SUBNET4.200}" "${2:-2001:db8::200}" client
}

# lab_topology N: bridge, hosts h1..hN at .11.. / ::11.., and the client.
lab_topology() {
	local n=$1 i
	lab_bridge
	for (( i = 1; i <= n; i++ )); do
		lab_host "h$i" "$LAB_SUBNET4.$((10 + i))" "2001:db8::$((10 + i))"
	done
	lab_client
	lab_wait_for "lab links up" 5 lab_links_ready
}

lab_links_ready() {
	local h
	for h in "${LAB_HOSTS[@]}" $LAB_CLIENT; do
		lab_exec "$h" ip -o link show "$LAB_IF" | grep -q 'state UP' || return 1
	done
}

# lab_link_down HOST / lab_link_up HOST: pull / plug HOST's cable (the
# bridge-side end), so HOST sees carrier loss and nothing crosses.
lab_link_down() { ip -n "$P-br" link set "${LAB_PORT[$1]}" down; }
lab_link_up() { ip -n "$P-br" link set "${LAB_PORT[$1]}" up; }

# lab_if_down HOST / lab_if_up HOST: administratively down HOST's own eth0.
lab_if_down() { lab_exec "$1" ip link set "$LAB_IF" down; }
lab_if_up() { lab_exec "$1" ip link set "$LAB_IF" up; }

host_mac() { lab_exec "$1" cat "/sys/class/net/$LAB_IF/address"; }

# The host whose MAC is $1, or "?".
lab_host_of_mac() {
	local h
	for h in "${LAB_HOSTS[@]}"; do
		[ "$(host_mac "$h")" = "$1" ] && { echo "$h"; return 0; }
	done
	echo "?"
	return 1
}

# lab_who_has_vip ADDR: the host(s) holding ADDR on an interface, one per
# line; nothing (and status 1) if none.
lab_who_has_vip() {
	local vip=${1%/*} h found=1
	for h in "${LAB_HOSTS[@]}"; do
		if lab_exec "$h" ip -o addr show 2>/dev/null |
		    awk '{print $4}' | grep -qx "$vip/[0-9]*"; then
			echo "$h"
			found=0
		fi
	done
	return $found
}

# lab_vip_only_on HOST VIP: HOST and nobody else holds VIP.
lab_vip_only_on() {
	[ "$(lab_who_has_vip "$2" | tr '\n' ' ')" = "$1 " ]
}

# lab_vip_on HOST VIP: HOST holds VIP (others may too).
lab_vip_on() { lab_who_has_vip "$2" | grep -qx "$1"; }

# lab_vip_nowhere VIP
lab_vip_nowhere() { ! lab_who_has_vip "$1" >/dev/null; }

# client_mac_of VIP: the MAC that answers ARP for VIP at the client.
client_mac_of() {
	lab_exec "$LAB_CLIENT" arping -c1 -w1 -I "$LAB_IF" "${1%/*}" 2>/dev/null |
	    sed -n 's/.*\[\([0-9a-fA-F:]*\)\].*/\1/p' | head -n1 | tr 'A-F' 'a-f'
}

# client_sees VIP HOST: the client's ARP for VIP is answered by HOST's MAC.
client_sees() { [ "$(client_mac_of "$1")" = "$(host_mac "$2")" ]; }

# client_mac6_of VIP6: the MAC the client's neighbour table holds for VIP6
# after a ping (which resolves it with NS/NA).  The entry is flushed first
# so the answer is fresh.
client_mac6_of() {
	lab_exec "$LAB_CLIENT" ip -6 neigh flush to "$1" dev "$LAB_IF" 2>/dev/null
	lab_exec "$LAB_CLIENT" ping -6 -c1 -W1 "$1" >/dev/null 2>&1 || return 1
	lab_exec "$LAB_CLIENT" ip -6 neigh show to "$1" dev "$LAB_IF" |
	    sed -n 's/.* lladdr \([0-9a-f:]*\).*/\1/p' | head -n1
}

client_sees6() { [ "$(client_mac6_of "$1")" = "$(host_mac "$2")" ]; }

# lab_nft_drop_vrrp_multicast HOST: HOST neither sends nor receives
# multicast VRRP (IPv4 224.0.0.18, IPv6 ff02::12); unicast VRRP passes.
lab_nft_drop_vrrp_multicast() {
	lab_exec "$1" nft -f - <<-'EOF'
	table inet lab_vrrp {
		chain in {
			type filter hook input priority -10; policy accept;
			ip protocol 112 ip daddr 224.0.0.18 counter drop
			meta l4proto 112 ip6 daddr ff02::12 counter drop
		}
		chain out {
			type filter hook output priority -10; policy accept;
			ip protocol 112 ip daddr 224.0.0.18 counter drop
			meta l4proto 112 ip6 daddr ff02::12 counter drop
		}
	}
	EOF
}

# Packets the rules above dropped on HOST (in + out).
lab_nft_vrrp_drops() {
	lab_exec "$1" nft list table inet lab_vrrp 2>/dev/null |
	    awk '/counter packets/ { for (i = 1; i <= NF; i++) if ($i == "packets") n += $(i + 1) } END { print n + 0 }'
}

# lab_capture HOST FILE: tcpdump VRRP (proto 112) on HOST's eth0 into FILE;
# sets LAB_CAPTURE_PID (not printed: a process started inside $(...) would
# belong to the subshell).  Stop with lab_capture_stop.
lab_capture() {
	local h=$1 f=$2
	lab_bg "$h" "$f.log" "$f.log" tcpdump -i "$LAB_IF" -U -w "$f" -s 0 \
	    'ip proto 112 or ip6 proto 112' || return 1
	LAB_CAPTURE_PID=$LAB_BG_PID
	lab_wait_for "tcpdump on $h" 5 grep -q 'listening on' "$f.log"
}

lab_capture_stop() { lab_stop "$1" INT; }

# lab_adverts FILE SRC VRID: the VRRP adverts in capture FILE sent by
# address SRC for VRID, one "EPOCH PRIORITY" per line (wall-clock capture
# times; compare with $EPOCHREALTIME taken in the test).
lab_adverts() {
	tshark -r "$1" -Y "vrrp && ip.src == $2 && vrrp.virt_rtr_id == $3" \
	    -T fields -e frame.time_epoch -e vrrp.prio 2>/dev/null
}

# lab_max_gap FROM TO: on stdin "EPOCH ..." lines (sorted); prints the
# largest gap in ms between consecutive lines whose time lies in
# [FROM, TO], counting the last line before FROM too (so a stall that
# starts at FROM shows), and the number of lines used: "GAP_MS N".
lab_max_gap() {
	awk -v from="$1" -v to="$2" '
	$1 < from { prev = $1; next }
	$1 > to { exit }
	{ if (prev != "") { g = ($1 - prev) * 1000; if (g > max) max = g }
	  prev = $1; n++ }
	END { printf "%.0f %d\n", max, n }'
}

