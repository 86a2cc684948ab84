# SPDX-License-Identifier: Apache-2.0
# tests/lab/lib/agent.sh: the agents, dbvipd and keepalived.  Configs from
# one description (lab_vrrp_conf, C_* variables; the [mariadb] and check
# sections of the database tests), start/stop/crash/restart, status
# fields (dbvip_status, dbvip_field, dbvip_state, dbvip_check, ka_state,
# agent_state), groups of agents (lab_group_start, lab_group_stop) and
# the one-line picture of a group for messages (lab_states).
# Sourced by tests/lab/lib.sh.

DBVIPD=${DBVIPD:-$LAB_REPO/build/dbvipd}
DBVIPCTL=${DBVIPCTL:-$LAB_REPO/build/dbvipctl}
KEEPALIVED=${KEEPALIVED:-keepalived}
declare -A LAB_AGENT=()		# host name -> PID of its agent (dbvipd/keepalived)
declare -A LAB_KIND=()		# host name -> dbvipd | keepalived
declare -A LAB_SOCK=()		# host name -> dbvipd control socket
declare -A LAB_LOG=()		# host name -> agent log file

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
dbvip_status() { dbvip_ctl "$1" status --json; }

# dbvip_ctl HOST ARGS...: dbvipctl ARGS against HOST's agent.
dbvip_ctl() { lab_exec "$1" "$DBVIPCTL" -s "${LAB_SOCK[$1]}" "${@:2}"; }

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

# lab_agent_alive HOST: HOST's agent was started and has not exited.
lab_agent_alive() { [ -n "${LAB_AGENT[$1]:-}" ] && lab_alive "${LAB_AGENT[$1]}"; }

# lab_only_master HOST VIP [OTHERS [live]]: HOST's agent is MASTER of vip1,
# every other agent host is OTHERS (BACKUP, the default, or not-MASTER),
# and only HOST holds VIP.  With "live", agents that have exited are left
# out of the count.
lab_only_master() {
	local m=$1 vip=$2 others=${3:-BACKUP} live=${4:-} h
	for h in "${LAB_HOSTS[@]}"; do
		[ "$live" = live ] && ! lab_agent_alive "$h" && continue
		if [ "$h" = "$m" ]; then
			agent_state_is "$h" vip1 MASTER || return 1
		elif [ "$others" = not-MASTER ]; then
			agent_state_is "$h" vip1 MASTER && return 1
		else
			agent_state_is "$h" vip1 "$others" || return 1
		fi
	done
	lab_vip_only_on "$m" "$vip"
}

# lab_states VIP [EXTRA]: the picture of the group for a message, one line:
# every agent host's state of vip1 ("-" when it does not answer), followed
# by what "EXTRA HOST" prints when EXTRA is given, then the hosts that hold
# VIP, e.g. "h1=MASTER h2=BACKUP/120 h3=FAULT/110 VIP on: h1".
lab_states() {
	local vip=$1 extra=${2:-} h out=""
	for h in "${LAB_HOSTS[@]}"; do
		out+="$h=$(agent_state "$h" vip1 2>/dev/null || echo -)"
		[ -n "$extra" ] && out+=$("$extra" "$h" 2>/dev/null)
		out+=" "
	done
	echo "${out}VIP on: $(lab_who_has_vip "$vip" | tr '\n' ' ')"
}

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

# lab_crash_agent_clear HOST VIP: lab_crash_agent, then take away the VIP
# the dead agent left on HOST's interface, as a crashed host would not
# answer for it, so that "only on the new master" is what checks see.
lab_crash_agent_clear() {
	lab_crash_agent "$1" || return 1
	lab_exec "$1" ip addr del "$2" dev "$LAB_IF" 2>/dev/null
	return 0
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

# lab_require WHAT...: SKIP this script (exit 77) unless every WHAT is
# here: root, dbvipd, mariadb (mariadb-server), galera (and rsync).
lab_require() {
	local w why=
	for w in "$@"; do
		case $w in
		root) [ "$(id -u)" = 0 ] || why="needs root" ;;
		dbvipd) lab_have_dbvipd || why="no $DBVIPD / $DBVIPCTL (build first)" ;;
		mariadb) lab_have_mariadb || why="mariadb-server not installed" ;;
		galera) lab_have_galera || why="needs mariadb-server, galera-4, rsync" ;;
		*) lab_die "lab_require: unknown $w" ;;
		esac
		[ -z "$why" ] && continue
		t_skip "$LAB_SCRIPT" "$why"
		exit 77
	done
}

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

