# SPDX-License-Identifier: Apache-2.0
# tests/lab/lib/core.sh: the run itself.  The prefix P (LAB_PREFIX), the
# temp dir LAB_TMP, the EXIT/INT/TERM trap and lab_cleanup; the processes
# the run started (lab_own, lab_is_ours, lab_alive, lab_kill,
# lab_wait_exit, lab_stop_owned); lab_log, lab_die and the clocks.
# Sourced by tests/lab/lib.sh; needs lib/assert.sh (lab_wait_for).

declare -a LAB_PIDS=()		# every process we started
LAB_SCRIPT=$(basename "${0:-lab}" .sh)

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

# Wall-clock milliseconds since the epoch (to compare with times a program
# printed), from bash's own clock: no fork.
lab_wall_ms() {
	local us=${EPOCHREALTIME/[.,]/}
	echo $(( us / 1000 ))
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

# lab_stop PID [SIGNAL [TIMEOUT_S]]: signal one of our processes (TERM)
# and wait (bounded, 5 s) until it has exited.
lab_stop() {
	lab_kill "$1" "${2:-TERM}"
	lab_wait_exit "$1" "${3:-5}"
}

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

# lab_remove_user NAME: delete a system user (and its group) the test made.
lab_remove_user() {
	userdel "$1" 2>/dev/null || lab_log "could not remove user $1"
	getent group "$1" >/dev/null && groupdel "$1" 2>/dev/null
	return 0
}

lab_cleanup() {
	local rc=$? ns
	trap - EXIT INT TERM
	set +e
	# Stop agents first so they can leave cleanly, then anything else.
	lab_stop_owned
	# The script's own clean-up (LAB_ON_EXIT names a function), once our
	# processes are gone (userdel refuses a user that still runs one).
	[ -n "${LAB_ON_EXIT:-}" ] && "$LAB_ON_EXIT"
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
