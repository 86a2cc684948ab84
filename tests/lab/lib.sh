# tests/lab/lib.sh: the network-namespace lab, sourced by tests/lab/*.sh.
#
# One run owns a prefix P (LAB_PREFIX, default "dv<pid>"), every namespace
# it creates is named "$P-<name>", and an EXIT/INT/TERM trap kills the
# processes it started (by recorded PID only) and deletes only namespaces
# named "$P-*".  Nothing is ever configured in the root namespace: the
# bridge lives in its own namespace "$P-br", veth pairs are created inside
# that namespace with their far end moved straight into the host namespace,
# and all lab addresses (198.51.100.0/24, 2001:db8::/64) live on the hosts'
# "eth0" inside their own namespaces.
#
# Every wait is a poll against a deadline (lab_wait_for); there are no
# fixed sleeps.  Requires root, iproute2, jq, arping, nft, a C compiler
# (for probe.c), keepalived and/or the dbvipd binaries; the MariaDB helpers
# (private mariadbd per host, GTID replication, Galera) need mariadb-server,
# and galera-4 + rsync for Galera.
#
# Environment:
#   LAB_PREFIX   namespace prefix (<= 8 chars), default dv$$
#   LAB_KEEP     1: keep the temp dir (logs, captures); 0: always remove it;
#                unset: keep it only when the script fails
#   LAB_RESULTS  file to append "PASS|FAIL|SKIP<TAB>script<TAB>name<TAB>why"
#   DBVIPD, DBVIPCTL   binaries (default build/dbvipd, build/dbvipctl)
#   KEEPALIVED   binary (default keepalived from PATH)
#   LAB_PROBE    a prebuilt probe binary (default: compiled into the tmp dir)
#   LAB_VERBOSE  1: print every lab_wait_for as it starts
#   LAB_FAILOVER_BLOCK  failover_block written into dbvipd configs (default 0)

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_REPO=$(cd "$LAB_DIR/../.." && pwd)
DBVIPD=${DBVIPD:-$LAB_REPO/build/dbvipd}
DBVIPCTL=${DBVIPCTL:-$LAB_REPO/build/dbvipctl}
KEEPALIVED=${KEEPALIVED:-keepalived}

LAB_SUBNET4=198.51.100
LAB_SUBNET6=2001:db8:
LAB_IF=eth0

declare -a LAB_PIDS=()		# every process we started
declare -A LAB_NS=()		# host name -> namespace
declare -A LAB_IP4=()		# host name -> IPv4 address (no prefix length)
declare -A LAB_IP6=()		# host name -> IPv6 address (no prefix length)
declare -A LAB_PORT=()		# host name -> bridge-side veth name
declare -A LAB_AGENT=()		# host name -> PID of its agent (dbvipd/keepalived)
declare -A LAB_KIND=()		# host name -> dbvipd | keepalived
declare -A LAB_SOCK=()		# host name -> dbvipd control socket
declare -A LAB_LOG=()		# host name -> agent log file
declare -a LAB_HOSTS=()		# agent hosts, in creation order
LAB_CLIENT=
LAB_FAILS=0
LAB_PASSES=0
LAB_SKIPS=0
LAB_SCRIPT=$(basename "${0:-lab}" .sh)

# ---------------------------------------------------------------- basics

lab_log() { printf '# %s\n' "$*" >&2; }

lab_die() {
	printf 'lab: %s\n' "$*" >&2
	exit 1
}

# Milliseconds since boot, from a monotonic clock.  /proc/uptime has 10 ms
# resolution, which is fine for deadlines; measurements use probe.c.
lab_now_ms() {
	local up
	read -r up _ </proc/uptime
	echo $(( ${up%.*} * 1000 + 10#${up#*.} * 10 ))
}

# Seconds (decimal allowed) -> milliseconds.
lab_s_to_ms() {
	awk -v s="$1" 'BEGIN { printf "%d\n", s * 1000 }'
}

# The root namespace must never see a lab address: refuse to run if it does.
lab_check_root_clean() {
	if ip -o addr show 2>/dev/null | grep -Eq "inet6? ($LAB_SUBNET4\.|2001:db8:)"; then
		lab_die "the root namespace holds a lab address: refusing to run"
	fi
}

# lab_init: prefix, temp dir, trap.  Call once, first.
lab_init() {
	[ "$(id -u)" = 0 ] || lab_die "needs root (network namespaces)"
	P=${LAB_PREFIX:-dv$$}
	# "$P-" + a 6-char host name must stay a short namespace name, and
	# the bridge-side veth "$P<host>" must fit IFNAMSIZ (15).
	[ ${#P} -le 8 ] || lab_die "LAB_PREFIX '$P' longer than 8 characters"
	[[ $P =~ ^[a-z][a-z0-9]*$ ]] || lab_die "LAB_PREFIX '$P' must be [a-z][a-z0-9]*"
	command -v jq >/dev/null || lab_die "jq missing"
	lab_check_root_clean
	LAB_TMP=$(mktemp -d "/tmp/lab-$P.XXXXXX") || lab_die "mktemp failed"
	trap lab_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	lab_log "lab prefix $P, temp dir $LAB_TMP"
}

# lab_own PID: record a process we just started in the background.  It is
# disowned so bash does not print "Killed" job notices for the faults we
# inject; we wait for it by polling (lab_wait_exit), bounded.
lab_own() {
	LAB_PIDS+=("$1")
	disown "$1" 2>/dev/null
}

# Is pid one we started?
lab_is_ours() {
	local p
	for p in "${LAB_PIDS[@]}"; do
		[ "$p" = "$1" ] && return 0
	done
	return 1
}

# Alive, and not a zombie: a killed keepalived VRRP child is reparented
# and may stay a zombie for a while, which kill -0 still reports.
lab_alive() {
	local st
	kill -0 "$1" 2>/dev/null || return 1
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ "$st" != Z ] && [ "$st" != X ]
}

# Direct children of one of our PIDs (keepalived's VRRP child).
lab_children_of() {
	lab_is_ours "$1" || return 1
	pgrep -P "$1" 2>/dev/null
}

# lab_kill PID SIGNAL: signal a process we started (and nothing else).
lab_kill() {
	local pid=$1 sig=${2:-TERM}
	lab_is_ours "$pid" || { lab_log "refusing to signal $pid: not ours"; return 1; }
	kill -s "$sig" "$pid" 2>/dev/null
}

# Wait (bounded) until pid has exited (bash reaps it).
lab_wait_exit() {
	lab_wait_for "pid $1 to exit" "${2:-5}" lab_not_alive "$1"
}
lab_not_alive() { ! lab_alive "$1"; }

# lab_stop_owned: TERM every process this run started (its children too,
# stopped ones woken first), wait up to 3 s each, then KILL what is left.
lab_stop_owned() {
	local pid kids
	for pid in "${LAB_PIDS[@]}"; do
		lab_alive "$pid" || continue
		kids=$(pgrep -P "$pid" 2>/dev/null)
		kill -CONT "$pid" $kids 2>/dev/null
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${LAB_PIDS[@]}"; do
		lab_alive "$pid" || continue
		lab_wait_for "pid $pid to stop" 3 lab_not_alive "$pid" >/dev/null 2>&1
		if lab_alive "$pid"; then
			kids=$(pgrep -P "$pid" 2>/dev/null)
			kill -KILL $kids "$pid" 2>/dev/null
		fi
	done
}

lab_cleanup() {
	local rc=$? ns
	trap - EXIT INT TERM
	set +e
	# Stop agents first so they can leave cleanly, then anything else.
	lab_stop_owned
	if [ -n "${P:-}" ]; then
		for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
			case $ns in
			"$P"-*) ip netns del "$ns" 2>/dev/null ;;
			esac
		done
	fi
	if [ -n "${LAB_TMP:-}" ] && [ -d "$LAB_TMP" ]; then
		# Kept on failure (for the logs) unless LAB_KEEP=0.
		if [ "${LAB_KEEP:-}" = 1 ] || { [ "$rc" != 0 ] && [ "${LAB_KEEP:-}" != 0 ]; }; then
			lab_log "kept $LAB_TMP"
		else
			rm -rf "$LAB_TMP"
		fi
	fi
	exit "$rc"
}

# lab_wait_for DESC TIMEOUT_S CMD...: run CMD every 20 ms until it
# succeeds (0) or TIMEOUT_S (decimal) passes (1).  Prints what it waited
# for and how long on failure (or always with LAB_VERBOSE=1).
lab_wait_for() {
	local desc=$1 timeout=$2 start deadline now
	shift 2
	start=$(lab_now_ms)
	deadline=$(( start + $(lab_s_to_ms "$timeout") ))
	[ "${LAB_VERBOSE:-0}" = 1 ] && lab_log "waiting up to ${timeout}s for $desc"
	while :; do
		if "$@" >/dev/null 2>&1; then
			LAB_WAITED_MS=$(( $(lab_now_ms) - start ))
			return 0
		fi
		now=$(lab_now_ms)
		if [ "$now" -ge "$deadline" ]; then
			LAB_WAITED_MS=$(( now - start ))
			lab_log "timed out after ${timeout}s waiting for $desc"
			return 1
		fi
		sleep 0.02
	done
}

# ---------------------------------------------------------------- topology

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
	ip netns exec "$(lab_ns "$h")" tcpdump -i "$LAB_IF" -U -w "$f" -s 0 \
	    'ip proto 112 or ip6 proto 112' >"$f.log" 2>&1 &
	LAB_CAPTURE_PID=$!
	lab_own "$LAB_CAPTURE_PID"
	lab_wait_for "tcpdump on $h" 5 grep -q 'listening on' "$f.log"
}

lab_capture_stop() {
	lab_kill "$1" INT
	lab_wait_exit "$1" 5
}

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

# ---------------------------------------------------------------- agents

# lab_dbvipd_conf HOST INSTANCE: write HOST's dbvipd config with one
# instance whose body ("key = value" lines) comes on stdin; a second call
# with LAB_APPEND=1 adds another instance.  Prints the path.
lab_dbvipd_conf() {
	local h=$1 inst=$2 f="$LAB_TMP/$1.dbvipd.conf"
	LAB_SOCK[$h]="$LAB_TMP/$h.sock"
	if [ "${LAB_APPEND:-0}" != 1 ]; then
		# failover_block defaults to 600 s with [mariadb]; lab tests that
		# fail over repeatedly want it off unless they test it.
		printf '[global]\ncontrol_socket = %s\nfailover_block = %s\n' \
		    "${LAB_SOCK[$h]}" "${LAB_FAILOVER_BLOCK:-0}" >"$f"
	fi
	{ printf '\n[instance %s]\n' "$inst"; cat; } >>"$f"
	echo "$f"
}

# lab_start_dbvipd HOST CONF [ARGS...]: run dbvipd in the foreground in
# HOST's namespace; output goes to $LAB_TMP/HOST.dbvipd.log.  Waits until
# the control socket answers.
lab_start_dbvipd() {
	local h=$1 conf=$2 log="$LAB_TMP/$1.dbvipd.log" pid
	shift 2
	[ -x "$DBVIPD" ] || { lab_log "no dbvipd at $DBVIPD"; return 1; }
	LAB_SOCK[$h]=$(sed -n 's/^[[:space:]]*control_socket[[:space:]]*=[[:space:]]*//p' "$conf" | head -n1)
	# `ip netns exec` execs, so $! is dbvipd's own PID.
	ip netns exec "$(lab_ns "$h")" "$DBVIPD" -f "$conf" "$@" >>"$log" 2>&1 &
	pid=$!
	lab_own "$pid"
	LAB_AGENT[$h]=$pid
	LAB_KIND[$h]=dbvipd
	LAB_LOG[$h]=$log
	if ! lab_wait_for "dbvipd on $h to answer" 5 dbvip_status "$h"; then
		lab_log "dbvipd on $h: $(tail -n 5 "$log")"
		return 1
	fi
}

# dbvip_status HOST: dbvipctl status --json of HOST's agent.
dbvip_status() {
	lab_exec "$1" "$DBVIPCTL" -s "${LAB_SOCK[$1]}" status --json
}

# dbvip_field HOST INSTANCE JQ: one field of one instance, e.g. '.state'.
dbvip_field() {
	dbvip_status "$1" 2>/dev/null |
	    jq -er --arg n "$2" ".instances[] | select(.name == \$n) | $3"
}

# dbvip_state HOST INSTANCE: INIT | BACKUP | MASTER | FAULT.
dbvip_state() { dbvip_field "$1" "$2" .state; }

# lab_keepalived_conf HOST INSTANCE: write HOST's keepalived.conf with one
# vrrp_instance whose body comes on stdin.  Prints the path.  The
# global_defs keep keepalived out of shared paths and quiet.
lab_keepalived_conf() {
	local h=$1 inst=$2 f="$LAB_TMP/$1.keepalived.conf"
	if [ "${LAB_APPEND:-0}" != 1 ]; then
		cat >"$f" <<-EOF
		global_defs {
			router_id $P-$h
			vrrp_garp_master_delay 5
			vrrp_garp_master_repeat 1
		}
		EOF
	fi
	{ printf '\nvrrp_instance %s {\n' "$inst"; cat; printf '}\n'; } >>"$f"
	echo "$f"
}

# lab_start_keepalived HOST CONF: keepalived (VRRP only, foreground, no
# respawn) in HOST's namespace, own pid files, log on the console captured
# in $LAB_TMP/HOST.keepalived.log.  Waits for the VRRP child.
lab_start_keepalived() {
	local h=$1 conf=$2 log="$LAB_TMP/$1.keepalived.log" pid d="$LAB_TMP/$1.run"
	mkdir -p "$d"
	# A crashed instance leaves its pid files; keepalived refuses to start
	# while the VRRP child's PID still exists (even as a zombie).
	rm -f "$d"/*.pid
	"$KEEPALIVED" -t -f "$conf" >"$log.test" 2>&1 ||
	    { lab_log "keepalived -t $conf: $(cat "$log.test")"; return 1; }
	ip netns exec "$(lab_ns "$h")" "$KEEPALIVED" -n -l -D -G -P -R \
	    -f "$conf" -p "$d/keepalived.pid" -r "$d/vrrp.pid" \
	    -c "$d/checkers.pid" -b "$d/bfd.pid" >>"$log" 2>&1 &
	pid=$!
	lab_own "$pid"
	LAB_AGENT[$h]=$pid
	LAB_KIND[$h]=keepalived
	LAB_LOG[$h]=$log
	lab_wait_for "keepalived VRRP child on $h" 5 lab_children_of "$pid" ||
	    { lab_log "keepalived on $h: $(tail -n 5 "$log")"; return 1; }
}

# ka_state HOST [INSTANCE]: the last state keepalived logged on HOST.
ka_state() {
	local pat='Entering [A-Z]* STATE'
	[ -n "${2:-}" ] && pat="($2) $pat"
	grep -o -- "$pat" "${LAB_LOG[$1]}" 2>/dev/null | tail -n1 |
	    sed 's/.*Entering \([A-Z]*\) STATE/\1/'
}

# agent_state HOST INSTANCE: state of whatever agent runs on HOST.
agent_state() {
	case ${LAB_KIND[$1]:-} in
	dbvipd) dbvip_state "$1" "$2" ;;
	keepalived) ka_state "$1" "$2" ;;
	*) return 1 ;;
	esac
}
agent_state_is() { [ "$(agent_state "$1" "$2")" = "$3" ]; }

# lab_crash_agent HOST [nowait]: the agent dies without a word (kill -9).
# For keepalived, SIGKILL of the parent alone makes the VRRP child send a
# priority-0 advert, so: STOP the parent, KILL its children, KILL it.
# Waits for the exit unless "nowait" (a fault sequence wants no delay).
lab_crash_agent() {
	local h=$1 pid=${LAB_AGENT[$1]} kids=""
	[ -n "$pid" ] || return 1
	if [ "${LAB_KIND[$h]}" = keepalived ]; then
		lab_kill "$pid" STOP
		kids=$(lab_children_of "$pid")
		[ -n "$kids" ] && kill -KILL $kids 2>/dev/null
	fi
	lab_kill "$pid" KILL
	[ "${2:-}" = nowait ] && return 0
	lab_wait_exit "$pid" 5
	for pid in $kids; do
		lab_wait_exit "$pid" 5
	done
}

# lab_stop_agent HOST: a clean stop (SIGTERM), waited for.
lab_stop_agent() {
	local pid=${LAB_AGENT[$1]}
	[ -n "$pid" ] || return 1
	lab_kill "$pid" TERM
	lab_wait_exit "$pid" 10
}

# lab_start_agent_again HOST CONF: restart HOST's agent of the same kind.
lab_restart_agent() {
	case ${LAB_KIND[$1]} in
	dbvipd) lab_start_dbvipd "$1" "$2" ;;
	keepalived) lab_start_keepalived "$1" "$2" ;;
	esac
}

# lab_vrrp_conf KIND HOST: one VRRP instance for dbvipd or keepalived from
# the same description, so both programs run with the same timers.  Prints
# the config path.  The description comes from variables, usually given as
# assignments in front of the call:
#   C_INST (vip1)  C_VRID (51)  C_PRIO (100)  C_VER (3)  C_ADV (1)
#   C_VIPS ("198.51.100.100/24", space separated)
#   C_PEERS (host names for unicast; the host itself is left out; empty =
#            multicast)
#   C_PREEMPT (yes|no)  C_PREEMPT_DELAY (seconds, empty = none)
#   C_AUTH (v2 password, empty = none)
#   C_CKSUM (rfc | no_pseudo_header for dbvipd; old_unicast for keepalived's
#            old_unicast_checksum)
#   C_EXTRA (raw lines appended to the instance body)
lab_vrrp_conf() {
	local kind=$1 h=$2 v p peers="" fam=4
	local inst=${C_INST:-vip1} vrid=${C_VRID:-51} prio=${C_PRIO:-100}
	local ver=${C_VER:-3} adv=${C_ADV:-1} vips=${C_VIPS:-198.51.100.100/24}
	for v in $vips; do [[ $v == *:* ]] && fam=6; done
	for p in ${C_PEERS:-}; do
		[ "$p" = "$h" ] && continue
		if [ $fam = 6 ]; then peers+=" ${LAB_IP6[$p]}"; else peers+=" ${LAB_IP4[$p]}"; fi
	done
	case $kind in
	dbvipd)
		{
			printf 'interface = %s\nvrid = %s\npriority = %s\n' "$LAB_IF" "$vrid" "$prio"
			printf 'version = %s\nadvert_int = %s\n' "$ver" "$adv"
			for v in $vips; do printf 'vip = %s\n' "$v"; done
			for p in $peers; do printf 'unicast_peer = %s\n' "$p"; done
			printf 'preempt = %s\n' "${C_PREEMPT:-yes}"
			[ -n "${C_PREEMPT_DELAY:-}" ] && printf 'preempt_delay = %s\n' "$C_PREEMPT_DELAY"
			[ -n "${C_AUTH:-}" ] && printf 'auth_pass = %s\n' "$C_AUTH"
			[ -n "${C_CKSUM:-}" ] && printf 'checksum = %s\n' "$C_CKSUM"
			[ -n "${C_EXTRA:-}" ] && printf '%s\n' "$C_EXTRA"
		} | lab_dbvipd_conf "$h" "$inst"
		;;
	keepalived)
		{
			printf '\tstate BACKUP\n\tinterface %s\n' "$LAB_IF"
			printf '\tvirtual_router_id %s\n\tpriority %s\n' "$vrid" "$prio"
			printf '\tversion %s\n\tadvert_int %s\n' "$ver" "$adv"
			printf '\tvirtual_ipaddress {\n'
			for v in $vips; do printf '\t\t%s dev %s\n' "$v" "$LAB_IF"; done
			printf '\t}\n'
			if [ -n "$peers" ]; then
				printf '\tunicast_peer {\n'
				for p in $peers; do printf '\t\t%s\n' "$p"; done
				printf '\t}\n'
			fi
			[ "${C_PREEMPT:-yes}" = no ] && printf '\tnopreempt\n'
			[ -n "${C_PREEMPT_DELAY:-}" ] && printf '\tpreempt_delay %s\n' "$C_PREEMPT_DELAY"
			if [ -n "${C_AUTH:-}" ]; then
				printf '\tauthentication {\n\t\tauth_type PASS\n'
				printf '\t\tauth_pass %s\n\t}\n' "$C_AUTH"
			fi
			[ "${C_CKSUM:-}" = old_unicast ] && printf '\told_unicast_checksum\n'
			[ -n "${C_EXTRA:-}" ] && printf '%s\n' "$C_EXTRA"
		} | lab_keepalived_conf "$h" "$inst"
		;;
	*) lab_die "lab_vrrp_conf: unknown kind $kind" ;;
	esac
}

# lab_start_agent KIND HOST CONF
lab_start_agent() {
	case $1 in
	dbvipd) lab_start_dbvipd "$2" "$3" ;;
	keepalived) lab_start_keepalived "$2" "$3" ;;
	*) lab_die "lab_start_agent: unknown kind $1" ;;
	esac
}

# Does this machine have dbvipd (and dbvipctl) to test?
lab_have_dbvipd() { [ -x "$DBVIPD" ] && [ -x "$DBVIPCTL" ]; }

# Priorities by host for lab_group_start (override per test).
declare -A LAB_PRIO=([h1]=150 [h2]=120 [h3]=100)
declare -A LAB_CONF=()		# host name -> its agent's config

# lab_group_start KIND HOST[:KIND]...: write each host's config with
# lab_vrrp_conf (C_* variables apply to all; priority from LAB_PRIO) and
# start the agents, in the order given.
lab_group_start() {
	local kind=$1 spec h k
	shift
	for spec in "$@"; do
		h=${spec%%:*}
		k=$kind
		[[ $spec == *:* ]] && k=${spec#*:}
		LAB_CONF[$h]=$(C_PRIO=${C_PRIO:-${LAB_PRIO[$h]:-100}} lab_vrrp_conf "$k" "$h") || return 1
		lab_start_agent "$k" "$h" "${LAB_CONF[$h]}" || return 1
	done
}

# lab_group_stop [VIP...]: SIGTERM every running agent, wait, and remove
# the given VIPs wherever a killed agent left them.
lab_group_stop() {
	local h v
	for h in "${LAB_HOSTS[@]}"; do
		[ -n "${LAB_AGENT[$h]:-}" ] && lab_alive "${LAB_AGENT[$h]}" &&
		    lab_kill "${LAB_AGENT[$h]}" TERM
	done
	for h in "${LAB_HOSTS[@]}"; do
		[ -n "${LAB_AGENT[$h]:-}" ] && lab_wait_exit "${LAB_AGENT[$h]}" 10
		LAB_AGENT[$h]=
		lab_link_up "$h"
		for v in "$@"; do
			lab_exec "$h" ip addr del "$v" dev "$LAB_IF" 2>/dev/null
		done
	done
	return 0
}

# lab_holds_for DESC SECONDS CMD...: CMD stays true for the whole window
# (checked every 50 ms).  For "nothing happens" checks only.
lab_holds_for() {
	local desc=$1 win=$2 end
	shift 2
	end=$(( $(lab_now_ms) + $(lab_s_to_ms "$win") ))
	while [ "$(lab_now_ms)" -lt "$end" ]; do
		if ! "$@" >/dev/null 2>&1; then
			lab_log "no longer true: $desc"
			return 1
		fi
		sleep 0.05
	done
}

# ---------------------------------------------------------------- probe

# lab_probe_bin: build probe.c once per run (or use LAB_PROBE).
lab_probe_bin() {
	if [ -n "${LAB_PROBE:-}" ]; then
		echo "$LAB_PROBE"
		return 0
	fi
	if [ ! -x "$LAB_TMP/probe" ]; then
		${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror \
		    -o "$LAB_TMP/probe" "$LAB_DIR/probe.c" || return 1
	fi
	echo "$LAB_TMP/probe"
}

# lab_probe_start VIP OLDMAC [TIMEOUT_MS]: start the stopwatch in the
# client namespace; sets LAB_PROBE_PID once it is sending.  Then:
# lab_probe_fault right before the fault, lab_probe_result after.
lab_probe_start() {
	local vip=${1%/*} old=$2 timeout=${3:-20000} bin
	bin=$(lab_probe_bin) || return 1
	LAB_PROBE_OUTF="$LAB_TMP/probe.out"
	# Not lab_exec: a backgrounded function would be a subshell and $!
	# its PID; `ip netns exec` execs, so $! is the probe itself.
	ip netns exec "$(lab_ns "$LAB_CLIENT")" "$bin" -i "$LAB_IF" -t "$vip" \
	    -s "${LAB_IP4[$LAB_CLIENT]}" -o "$old" -w "$timeout" \
	    >"$LAB_PROBE_OUTF" 2>"$LAB_PROBE_OUTF.err" &
	LAB_PROBE_PID=$!
	lab_own "$LAB_PROBE_PID"
	lab_wait_for "probe ready" 5 grep -qx ready "$LAB_PROBE_OUTF"
}

# The fault instant: a builtin kill, no fork between it and the fault.
lab_probe_fault() { kill -USR1 "$LAB_PROBE_PID"; }

# lab_probe_result: waits (bounded by the probe's own timeout) for the
# probe, prints "MS MAC KIND", or fails (and prints why).
lab_probe_result() {
	local out=$LAB_PROBE_OUTF line
	# The probe bounds itself (-w); this deadline only guards against a
	# probe that never got its SIGUSR1.
	lab_wait_for "probe to finish" 130 lab_not_alive "$LAB_PROBE_PID" >&2
	line=$(grep '^elapsed_ms=' "$out")
	if [ -z "$line" ]; then
		echo "probe: $(cat "$out" "$out.err" | grep -v '^ready$' | tr '\n' ' ')"
		return 1
	fi
	echo "$line" | sed 's/elapsed_ms=\([^ ]*\) mac=\([^ ]*\) kind=\(.*\)/\1 \2 \3/'
}

# ---------------------------------------------------------------- MariaDB
#
# One private mariadbd per host namespace, from a template datadir built
# once per run (mariadb-install-db, then users through mariadbd
# --bootstrap) and copied per host.  Each server runs as user mysql
# (mariadbd --user=mysql), listens on the host's lab address (port 3306)
# and on a unix socket in $LAB_TMP/db/HOST/, and is stopped by its PID by
# the EXIT trap like every other process of the run.  Root reaches it
# over the socket (unix_socket authentication); the agents use the check
# user below over the socket too.
#
# Exactly the grants README "Database accounts" documents:
#   dbvip@localhost   the agents' check user: SLAVE MONITOR on *.*;
#                     CREATE, INSERT, UPDATE on dbvip.*.  No READ ONLY
#                     ADMIN, so read_only binds it.  Password in
#                     $LAB_TMP/db.pass (0600).
#   repl@198.51.100.% REPLICATION SLAVE, SLAVE MONITOR: the replicas, and
#                     the agents' questions to their peers.

LAB_DB_USER=dbvip
LAB_DB_PW='Lab-chk.4e21b7'	# test-only passwords, lab namespaces only
LAB_REPL_PW='Lab-repl.93c0d5'
LAB_DB_PORT=3306
declare -A LAB_MYPID=()		# host name -> mariadbd PID
declare -A LAB_MYSOCK=()	# host name -> mariadbd unix socket
declare -A LAB_MYARGS=()	# host name -> extra mariadbd args of its last start

# Does this machine have what the MariaDB helpers need?
lab_have_mariadb() {
	local p
	for p in mariadbd mariadb-install-db mariadb mariadb-admin; do
		command -v "$p" >/dev/null || return 1
	done
	id mysql >/dev/null 2>&1
}

lab_have_galera() {
	lab_have_mariadb && [ -f /usr/lib/galera/libgalera_smm.so ] &&
	    command -v rsync >/dev/null
}

# Settings every lab server shares: small and fast (LAB-NOTES).
LAB_MY_BASE=(--no-defaults --user=mysql --innodb-buffer-pool-size=6M
	--innodb-log-file-size=8M --performance-schema=OFF
	--max-connections=50 --innodb-flush-log-at-trx-commit=2
	--sync-binlog=0 --skip-name-resolve)

# lab_db_template: build $LAB_TMP/db/template once per run, and the check
# user's password file $LAB_TMP/db.pass (0600).  The directory chain is
# made traversable for mysql.
lab_db_template() {
	local d="$LAB_TMP/db" t="$LAB_TMP/db/template"
	[ -d "$t/data/mysql" ] && return 0
	chmod 711 "$LAB_TMP"
	mkdir -p "$t"
	chown mysql: "$d" "$t"
	( umask 077; printf '%s\n' "$LAB_DB_PW" >"$LAB_TMP/db.pass" )
	if ! mariadb-install-db "${LAB_MY_BASE[@]}" --datadir="$t/data" \
	    --skip-test-db --auth-root-authentication-method=socket \
	    >"$t/install.log" 2>&1; then
		lab_log "mariadb-install-db: $(tail -n 5 "$t/install.log")"
		return 1
	fi
	if ! mariadbd "${LAB_MY_BASE[@]}" --datadir="$t/data" --bootstrap \
	    --log-error="$t/bootstrap.err" >"$t/bootstrap.log" 2>&1 <<-EOF
	FLUSH PRIVILEGES;
	CREATE DATABASE dbvip;
	CREATE DATABASE app;
	CREATE TABLE app.t (id INT PRIMARY KEY, v INT) ENGINE=InnoDB;
	CREATE USER '$LAB_DB_USER'@'localhost' IDENTIFIED BY '$LAB_DB_PW';
	GRANT SLAVE MONITOR ON *.* TO '$LAB_DB_USER'@'localhost';
	GRANT CREATE, INSERT, UPDATE ON dbvip.* TO '$LAB_DB_USER'@'localhost';
	CREATE USER 'repl'@'$LAB_SUBNET4.%' IDENTIFIED BY '$LAB_REPL_PW';
	GRANT REPLICATION SLAVE, SLAVE MONITOR ON *.* TO 'repl'@'$LAB_SUBNET4.%';
	EOF
	then
		lab_log "mariadbd --bootstrap: $(tail -n 5 "$t/bootstrap.err" "$t/bootstrap.log")"
		return 1
	fi
}

# lab_sql HOST SQL: run SQL as root over HOST's socket; rows tab-separated,
# no headers.  (A unix socket is not tied to a namespace.)
lab_sql() {
	mariadb --no-defaults -uroot -S "${LAB_MYSOCK[$1]}" -N -B \
	    --connect-timeout=2 -e "$2"
}

# lab_sql_vertical HOST SQL: the same, one "Column: value" per line (\G),
# e.g. for SHOW SLAVE STATUS.
lab_sql_vertical() {
	mariadb --no-defaults -uroot -S "${LAB_MYSOCK[$1]}" -B \
	    --connect-timeout=2 -e "$2\G"
}

# lab_repl_field REPLICA COLUMN: one column of SHOW SLAVE STATUS.
lab_repl_field() {
	lab_sql_vertical "$1" "SHOW SLAVE STATUS" 2>/dev/null |
	    sed -n "s/^ *$2: //p"
}

# lab_db_dir HOST: HOST's database directory (datadir, socket, logs).
lab_db_dir() { echo "$LAB_TMP/db/$1"; }

# lab_db_create HOST: a fresh datadir for HOST, copied from the template.
lab_db_create() {
	local d
	d=$(lab_db_dir "$1")
	lab_db_template || return 1
	rm -rf "$d"
	mkdir -p "$d"
	cp -a "$LAB_TMP/db/template/data" "$d/data" || return 1
	chown mysql: "$d"
	LAB_MYSOCK[$1]="$d/my.sock"
}

# lab_db_up HOST: HOST's server answers SELECT 1 (as root, over the socket).
lab_db_up() { lab_sql "$1" "SELECT 1" >/dev/null 2>&1; }

# lab_db_start HOST [ARGS...]: start mariadbd in HOST's namespace with the
# base settings, server_id = last octet of HOST's address, a binary log
# (log_slave_updates, gtid_strict_mode) and ARGS; waits (bounded) until it
# answers unless LAB_DB_NOWAIT=1 (Galera joiners).  Creates the datadir if
# there is none.  The args are remembered for lab_db_restart.
lab_db_start() {
	local h=$1 d pid ip id
	shift
	d=$(lab_db_dir "$h")
	[ -d "$d/data" ] || lab_db_create "$h" || return 1
	LAB_MYSOCK[$h]="$d/my.sock"
	LAB_MYARGS[$h]="$*"
	ip=${LAB_IP4[$h]}
	id=${ip##*.}
	# `ip netns exec` execs and mariadbd switches to mysql itself, so $!
	# is the server's own PID.
	ip netns exec "$(lab_ns "$h")" mariadbd "${LAB_MY_BASE[@]}" \
	    --datadir="$d/data" --socket="$d/my.sock" --pid-file="$d/my.pid" \
	    --log-error="$d/err.log" --bind-address="$ip" --port="$LAB_DB_PORT" \
	    --report-host="$ip" --server-id="$id" --log-bin="$d/data/bin" \
	    --log-slave-updates --gtid-strict-mode=ON --skip-slave-start \
	    "$@" >>"$d/stdout.log" 2>&1 &
	pid=$!
	lab_own "$pid"
	LAB_MYPID[$h]=$pid
	[ "${LAB_DB_NOWAIT:-0}" = 1 ] && return 0
	if ! lab_wait_for "mariadbd on $h to answer" 30 lab_db_up_or_dead "$h" ||
	    ! lab_db_up "$h"; then
		lab_log "mariadbd on $h: $(tail -n 8 "$d/err.log")"
		return 1
	fi
}

# Up, or (so that a failed start does not wait the whole deadline) dead.
lab_db_up_or_dead() { lab_db_up "$1" || ! lab_alive "${LAB_MYPID[$1]}"; }

# lab_db_restart HOST: start HOST's server again with the args it had.
lab_db_restart() {
	# shellcheck disable=SC2086 # the args were recorded word by word
	lab_db_start "$1" ${LAB_MYARGS[$1]}
}

# lab_db_kill HOST: kill -9 HOST's mariadbd (a crash of the database only)
# and wait for it to be gone.  LAB_DB_KILL_NOWAIT=1 returns at once.
lab_db_kill() {
	local pid=${LAB_MYPID[$1]:-}
	[ -n "$pid" ] || return 1
	lab_kill "$pid" KILL || return 1
	[ "${LAB_DB_KILL_NOWAIT:-0}" = 1 ] && return 0
	lab_wait_exit "$pid" 10
}

# lab_db_stop HOST: a clean shutdown (SIGTERM), waited for.
lab_db_stop() {
	local pid=${LAB_MYPID[$1]:-}
	[ -n "$pid" ] || return 1
	lab_kill "$pid" TERM || return 1
	lab_wait_exit "$pid" 30
}

# lab_db_freeze HOST / lab_db_thaw HOST: SIGSTOP / SIGCONT HOST's mariadbd
# (a hung server: connections are accepted by the kernel, nothing answers).
lab_db_freeze() { lab_kill "${LAB_MYPID[$1]}" STOP; }
lab_db_thaw() { lab_kill "${LAB_MYPID[$1]}" CONT; }

# lab_db_conf_section: the [mariadb] section of a dbvipd config for HOST.
lab_db_conf_section() {
	printf '[mariadb]\nsocket = %s\nuser = %s\npassword_file = %s\n' \
	    "${LAB_MYSOCK[$1]}" "$LAB_DB_USER" "$LAB_TMP/db.pass"
	[ -n "${LAB_DB_CONNECT_TIMEOUT:-}" ] &&
	    printf 'connect_timeout = %s\n' "$LAB_DB_CONNECT_TIMEOUT"
	return 0
}

# lab_dbvipd_conf_db HOST: start HOST's dbvipd config: [global], the
# [mariadb] section for HOST's server, and the [check NAME] sections that
# come on stdin.  Add instances after it with LAB_APPEND=1 lab_vrrp_conf
# dbvipd HOST (C_EXTRA="track = NAME" ...).  Prints the path.
lab_dbvipd_conf_db() {
	local h=$1 f="$LAB_TMP/$1.dbvipd.conf"
	LAB_SOCK[$h]="$LAB_TMP/$h.sock"
	{
		printf '[global]\ncontrol_socket = %s\nfailover_block = %s\n\n' \
		    "${LAB_SOCK[$h]}" "${LAB_FAILOVER_BLOCK:-0}"
		lab_db_conf_section "$h"
		printf '\n'
		cat
	} >"$f"
	echo "$f"
}

# dbvip_check HOST CHECK JQ: one field of one check in HOST's status,
# e.g. '.state' (ok | failing | unknown).
dbvip_check() {
	dbvip_status "$1" 2>/dev/null |
	    jq -er --arg n "$2" ".checks[] | select(.name == \$n) | $3"
}

# lab_keepalived_conf_db HOST: start HOST's keepalived.conf with script
# security on and the usual database check around it,
#   vrrp_script chk_db { script "mariadb-admin ... ping"; interval 1;
#                        timeout 1; fall 2; rise 2; weight W }
# (W from KA_SCRIPT_WEIGHT, default -60; KA_SCRIPT replaces the command);
# add instances with LAB_APPEND=1
# lab_vrrp_conf keepalived HOST and C_EXTRA tracking chk_db.
lab_keepalived_conf_db() {
	local h=$1 f="$LAB_TMP/$1.keepalived.conf"
	cat >"$f" <<-EOF
	global_defs {
		router_id $P-$h
		vrrp_garp_master_delay 5
		vrrp_garp_master_repeat 1
		enable_script_security
		script_user root
	}
	vrrp_script chk_db {
		script "${KA_SCRIPT:-$(command -v mariadb-admin) --no-defaults -uroot -S ${LAB_MYSOCK[$h]} --connect-timeout=1 ping}"
		interval 1
		timeout 1
		fall 2
		rise 2
		weight ${KA_SCRIPT_WEIGHT:--60}
	}
	EOF
}

# ------------------------------------------------ GTID replication set

# lab_repl_start PRIMARY REPLICA...: start PRIMARY read-write and each
# REPLICA read_only, point the replicas at PRIMARY's lab address with
# MASTER_USE_GTID=slave_pos, START SLAVE, and wait until every replica
# has applied a row written on the primary.
lab_repl_start() {
	local prim=$1 r
	shift
	lab_db_start "$prim" --read-only=OFF || return 1
	for r in "$@"; do
		lab_db_start "$r" --read-only=ON || return 1
	done
	for r in "$@"; do
		lab_repl_point "$r" "$prim" || return 1
	done
	lab_repl_sync "$prim" "$@"
}

# lab_repl_point REPLICA PRIMARY: CHANGE MASTER TO PRIMARY; START SLAVE.
lab_repl_point() {
	lab_sql "$1" "STOP SLAVE;
	    CHANGE MASTER TO MASTER_HOST='${LAB_IP4[$2]}',
	      MASTER_PORT=$LAB_DB_PORT, MASTER_USER='repl',
	      MASTER_PASSWORD='$LAB_REPL_PW', MASTER_USE_GTID=slave_pos,
	      MASTER_CONNECT_RETRY=1;
	    START SLAVE;"
}

# lab_repl_running REPLICA: both replication threads say Yes.
lab_repl_running() {
	local st
	st=$(lab_sql_vertical "$1" "SHOW SLAVE STATUS" 2>/dev/null) || return 1
	grep -q 'Slave_IO_Running: Yes' <<<"$st" &&
	    grep -q 'Slave_SQL_Running: Yes' <<<"$st"
}

# lab_repl_sync PRIMARY REPLICA...: write a marker row on PRIMARY and wait
# (bounded) until each REPLICA has it: replication works end to end.
lab_repl_sync() {
	local prim=$1 r mark
	shift
	mark=$(( $(lab_now_ms) % 1000000000 ))
	lab_sql "$prim" "REPLACE INTO app.t VALUES (1, $mark)" || return 1
	for r in "$@"; do
		lab_wait_for "$r replicating from $prim" 20 lab_repl_has "$r" "$mark" ||
		    { lab_log "$r: $(lab_sql_vertical "$r" "SHOW SLAVE STATUS" 2>&1 |
		    grep -E 'Running:|Last_.*Error:' | tr -s ' ' | tr '\n' ' ')"; return 1; }
	done
}
lab_repl_has() {
	[ "$(lab_sql "$1" "SELECT v FROM app.t WHERE id = 1" 2>/dev/null)" = "$2" ] &&
	    lab_repl_running "$1"
}

# ------------------------------------------------ Galera

# Galera options for HOST in a cluster of the given hosts: the faster evs
# timeouts measured in LAB-NOTES, a small gcache, rsync SST on the lab
# addresses.
lab_galera_args() {
	local h=$1 m addrs="" ip=${LAB_IP4[$1]}
	shift
	for m in "$@"; do addrs+="${addrs:+,}${LAB_IP4[$m]}"; done
	printf '%s\n' --wsrep-on=ON --wsrep-provider=/usr/lib/galera/libgalera_smm.so \
	    "--wsrep-cluster-address=gcomm://$addrs" --wsrep-cluster-name="$P" \
	    --wsrep-node-address="$ip" --wsrep-node-name="$h" \
	    --wsrep-sst-method=rsync --wsrep-sst-receive-address="$ip" \
	    "--wsrep-provider-options=gmcast.listen_addr=tcp://$ip:4567;ist.recv_addr=$ip;gcache.size=16M;evs.suspect_timeout=PT2S;evs.inactive_timeout=PT5S;evs.install_timeout=PT5S;evs.keepalive_period=PT0.5S;evs.inactive_check_period=PT0.5S" \
	    --binlog-format=ROW --default-storage-engine=InnoDB \
	    --innodb-autoinc-lock-mode=2
}

# lab_galera_status HOST VAR: one wsrep status variable (e.g.
# wsrep_cluster_status) of HOST, or nothing.
lab_galera_status() {
	lab_sql "$1" "SHOW GLOBAL STATUS LIKE '$2'" 2>/dev/null | cut -f2
}

# lab_galera_synced HOST SIZE: HOST is Primary, Synced, ready, in a
# cluster of SIZE.
lab_galera_synced() {
	[ "$(lab_galera_status "$1" wsrep_cluster_status)" = Primary ] &&
	    [ "$(lab_galera_status "$1" wsrep_local_state)" = 4 ] &&
	    [ "$(lab_galera_status "$1" wsrep_ready)" = ON ] &&
	    [ "$(lab_galera_status "$1" wsrep_cluster_size)" = "$2" ]
}

lab_galera_all_synced() {
	local n=$1 h
	shift
	for h in "$@"; do lab_galera_synced "$h" "$n" || return 1; done
}

# lab_galera_start HOST...: a Galera cluster of the given hosts: the first
# bootstraps it (--wsrep-new-cluster), the others join (rsync SST) one
# after the other; waits (bounded) until all are Primary/Synced.  Galera
# runs as mysql (the rsync SST fails as root); mariadbd --user does that.
lab_galera_start() {
	local first=$1 h args
	mapfile -t args < <(lab_galera_args "$first" "$@")
	lab_db_start "$first" "${args[@]}" --wsrep-new-cluster || return 1
	lab_wait_for "$first Primary/Synced" 20 lab_galera_synced "$first" 1 ||
	    return 1
	for h in "${@:2}"; do
		mapfile -t args < <(lab_galera_args "$h" "$@")
		LAB_DB_NOWAIT=1 lab_db_start "$h" "${args[@]}" || return 1
	done
	if ! lab_wait_for "Galera cluster of $# synced" 60 \
	    lab_galera_all_synced "$#" "$@"; then
		for h in "$@"; do
			lab_log "$h: $(tail -n 4 "$(lab_db_dir "$h")/err.log" | tr '\n' ' ')"
		done
		return 1
	fi
}

# lab_stopwatch VIP OLDHOST TIMEOUT_MS FAULT-CMD...: run FAULT-CMD with the
# client's stopwatch on (probe.c, started and triggered right before the
# fault) and wait for the first ARP for VIP from a MAC other than
# OLDHOST's.  Sets LAB_SW_MS, LAB_SW_MAC, LAB_SW_KIND (garp | reply) and
# LAB_SW_WHO (the host of that MAC); on failure returns 1 with the reason
# in LAB_SW_ERR.  Not for $(...): the probe must stay our child.
lab_stopwatch() {
	local vip=$1 old=$2 timeout=$3 res
	shift 3
	LAB_SW_MS= LAB_SW_MAC= LAB_SW_KIND= LAB_SW_WHO= LAB_SW_ERR=
	if ! lab_probe_start "$vip" "$(host_mac "$old")" "$timeout"; then
		LAB_SW_ERR="probe did not start"
		return 1
	fi
	lab_probe_fault
	"$@"
	if ! res=$(lab_probe_result); then
		LAB_SW_ERR=$res
		return 1
	fi
	read -r LAB_SW_MS LAB_SW_MAC LAB_SW_KIND <<<"$res"
	LAB_SW_WHO=$(lab_host_of_mac "$LAB_SW_MAC")
}

# ---------------------------------------------------------------- reporting

lab_result() {
	local verdict=$1 name=$2 why=${3:-}
	case $verdict in
	PASS) printf 'PASS %s\n' "$name"; LAB_PASSES=$((LAB_PASSES + 1)) ;;
	FAIL) printf 'FAIL %s: %s\n' "$name" "$why"; LAB_FAILS=$((LAB_FAILS + 1)) ;;
	SKIP) printf 'SKIP %s: %s\n' "$name" "$why"; LAB_SKIPS=$((LAB_SKIPS + 1)) ;;
	esac
	if [ -n "${LAB_RESULTS:-}" ]; then
		printf '%s\t%s\t%s\t%s\n' "$verdict" "$LAB_SCRIPT" "$name" "$why" >>"$LAB_RESULTS"
	fi
}
t_pass() { lab_result PASS "$1"; }
t_fail() { lab_result FAIL "$1" "${2:-failed}"; }
t_skip() { lab_result SKIP "$1" "${2:-skipped}"; }

# t_check NAME WHY CMD...: PASS if CMD succeeds, else FAIL with WHY.
t_check() {
	local name=$1 why=$2
	shift 2
	if "$@"; then t_pass "$name"; else t_fail "$name" "$why"; fi
}

# t_summary: one line, and the exit status: 0 only if nothing failed and
# something passed.
t_summary() {
	printf '%s: %d passed, %d failed, %d skipped\n' "$LAB_SCRIPT" \
	    "$LAB_PASSES" "$LAB_FAILS" "$LAB_SKIPS"
	[ "$LAB_FAILS" = 0 ] && [ "$LAB_PASSES" -gt 0 ]
}

# median/min/max of numbers on stdin: "median min max n".
lab_stats() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "- - - 0"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.1f %.1f %.1f %d\n", m, v[1], v[NR], NR }'
}
