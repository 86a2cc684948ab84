#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t_guards: operator guards and notify hooks of dbvipd, 3 hosts (h1 150,
# h2 120, h3 100), preempt on.
#
#   hooks       notify_backup / notify / notify_master / event_script run
#               in order at start-up (BACKUP then MASTER), with
#               keepalived's arguments (INSTANCE vip1 STATE PRIORITY), one
#               at a time: slow hooks (1 s each) queue, never overlap, and
#               the election is not delayed by them
#   maintenance on on the master: the VIP moves, the node stays FAULT;
#               off: it preempts back
#   lock        lock (command on h2, lock_file on h3) on the backups, kill
#               the master: nobody takes the VIP; unlock h2: it takes over
#   block       failover_block = 30: kill the master -> h2 takes over, h3
#               blocked; kill h2 within the block -> nobody takes over until
#               `dbvipctl ack` on h3
#   hang        h3's notify_master hangs: killed (SIGTERM) at
#               notify_timeout, failure in status, the next hook runs after
#               it, and adverts keep going out meanwhile
#
# T_ADV sets advert_int (default 0.5).  Exit 0 only if every check passed.
set -u
. "$(dirname "$0")/lib.sh"

ADV=${T_ADV:-0.5}
VIP=198.51.100.100/24
# Master-down interval 3 x advert + skew (< 1 advert), plus slack.
DOWN_S=$(awk -v a="$ADV" 'BEGIN { print 4 * a }')
ELECT_S=$(awk -v a="$ADV" 'BEGIN { print 4 * a + 6 }')
HOLD_S=$(awk -v a="$ADV" 'BEGIN { print 4 * a + 1 }')

lab_require dbvipd

LAB_PREFIX=${LAB_PREFIX:-hq$$}
LAB_PREFIX=${LAB_PREFIX:0:8}
lab_init
lab_topology 3

# ------------------------------------------------------------------ helpers

# For lab_states: HOST's fault reasons.
faults_of() { printf '[%s]' "$(dbvip_field "$1" vip1 '.fault | join(",")')"; }

# master_is H: H is MASTER and the only holder of the VIP among the live.
master_is() {
	agent_state_is "$1" vip1 MASTER && lab_vip_only_on "$1" "$VIP"
}

# fault_has H BIT: H is FAULT and its fault list names BIT.
fault_has() {
	agent_state_is "$1" vip1 FAULT &&
	    dbvip_field "$1" vip1 '.fault | index("'"$2"'")' | grep -qv null
}

# vip_not_on H...: none of the hosts holds the VIP.
vip_not_on() {
	local h
	for h in "$@"; do
		lab_vip_on "$h" "$VIP" && return 1
	done
	return 0
}

# crash H: kill -9 its agent and take the VIP it leaves behind off, as a
# dead host would not answer for it either.
crash() {
	lab_crash_agent "$1"
	lab_exec "$1" ip addr del "$VIP" dev "$LAB_IF" 2>/dev/null
	return 0
}

# Hooks write "begin NAME ARGS" / "end NAME ARGS" lines to a file.
HOOK=$LAB_TMP/hook.sh
cat >"$HOOK" <<-'EOF'
	#!/bin/sh
	# hook.sh FILE NAME NAP [ARGS...]: mark begin and end, sleep NAP between.
	f=$1 name=$2 nap=$3
	shift 3
	echo "begin $name $*" >>"$f"
	[ "$nap" = 0 ] || sleep "$nap"
	echo "end $name $*" >>"$f"
EOF
HANG=$LAB_TMP/hang.sh
cat >"$HANG" <<-'EOF'
	#!/bin/sh
	# hang.sh PIDFILE: never ends by itself.
	echo $$ >"$1"
	echo "hanging on purpose" >&2
	exec sleep 60
EOF
chmod 755 "$HOOK" "$HANG"

# hooks_conf H NAP: the notify keys for host H (marker file $LAB_TMP/H.hk,
# events in $LAB_TMP/H.ev).
hooks_conf() {
	local h=$1 nap=$2 f="$LAB_TMP/$1.hk"
	printf 'notify_master = %s %s notify_master %s\n' "$HOOK" "$f" "$nap"
	printf 'notify_backup = %s %s notify_backup %s\n' "$HOOK" "$f" "$nap"
	printf 'notify_fault = %s %s notify_fault 0\n' "$HOOK" "$f"
	printf 'notify = %s %s notify %s\n' "$HOOK" "$f" "$nap"
	printf 'event_script = cat >>%s\n' "$LAB_TMP/$h.ev"
}

# start_host H EXTRA_GLOBAL EXTRA_INSTANCE
start_host() {
	local h=$1 f
	f=$(C_ADV=$ADV C_VIPS=$VIP C_PRIO=${LAB_PRIO[$h]} C_EXTRA=$3 \
	    lab_vrrp_conf dbvipd "$h") || return 1
	[ -n "$2" ] && sed -i "/^control_socket/a $2" "$f"
	LAB_CONF[$h]=$f
	lab_start_dbvipd "$h" "$f"
}

# no_overlap FILE: begin/end lines strictly alternate (one hook at a time).
no_overlap() {
	awk '$1 == "begin" { if (d++) bad = 1 } $1 == "end" { d-- }
	    END { exit bad || d > 1 }' "$1"
}

# begins FILE: the "begin" lines, without the word begin, one per line.
begins() { sed -n 's/^begin //p' "$1"; }

# ------------------------------------------------------------------ hooks
# Slow hooks (1 s) on h1: start-up queues notify_backup and notify BACKUP
# (2 s together), and the takeover (about 1.7 s at advert 0.5) queues
# notify_master and notify MASTER behind them.
for h in h1 h2 h3; do
	nap=0
	[ "$h" = h1 ] && nap=1
	start_host "$h" "lock_file = $LAB_TMP/$h.lock" "$(hooks_conf "$h" "$nap")" ||
	    lab_die "cannot start dbvipd on $h"
done
t_check "hooks: h1 elected while its slow hooks run" "$(lab_states "$VIP" faults_of)" \
    lab_wait_for "h1 master" "$ELECT_S" master_is h1
t_check "hooks: h1 ran BACKUP then MASTER hooks in order, keepalived arguments" \
    "$(begins "$LAB_TMP/h1.hk" | tr '\n' ';')" \
    lab_wait_for "h1's four hooks" 10 eval '
	[ "$(begins "$LAB_TMP/h1.hk" | head -n 4 | tr "\n" ";")" = \
	  "notify_backup ;notify INSTANCE vip1 BACKUP 150;notify_master ;notify INSTANCE vip1 MASTER 150;" ] &&
	grep -q "^end notify INSTANCE vip1 MASTER 150" "$LAB_TMP/h1.hk"'
t_check "hooks: one at a time (begin/end alternate)" "$(cat "$LAB_TMP/h1.hk")" \
    no_overlap "$LAB_TMP/h1.hk"
t_check "hooks: h2 got notify BACKUP with its priority" "$(cat "$LAB_TMP/h2.hk" 2>&1)" \
    lab_wait_for "h2 notify" 5 grep -qx "begin notify INSTANCE vip1 BACKUP 120" "$LAB_TMP/h2.hk"
t_check "hooks: event_script got state events as JSON" "$(cat "$LAB_TMP/h1.ev" 2>&1)" \
    lab_wait_for "h1 events" 5 eval '
	jq -se "map(select(.event == \"state\" and .instance == \"vip1\")) |
	    map(.to) == [\"BACKUP\", \"MASTER\"]" "$LAB_TMP/h1.ev" &&
	jq -se "all(.[]; (.time | test(\"^20[0-9-]+T[0-9:.]+Z$\")) and
	    .priority == 150 and (.reason | length) > 0)" "$LAB_TMP/h1.ev"'
t_check "hooks: status shows no failures, queue empty" \
    "$(dbvip_status h1 | jq -c '.instances[0].notify')" eval '
	[ "$(dbvip_field h1 vip1 .notify.failures)" = 0 ] &&
	[ "$(dbvip_field h1 vip1 .notify.queued)" = 0 ] &&
	[ "$(dbvip_field h1 vip1 .notify.runs)" -ge 4 ]'

# ------------------------------------------------------------------ maintenance
r=$(dbvip_ctl h1 maintenance on)
t_check "maintenance: 'maintenance on' answers ok" "$r" eval '[[ $r == ok:* ]]'
t_check "maintenance: VIP moves to h2" "$(lab_states "$VIP" faults_of)" \
    lab_wait_for "h2 master" "$ELECT_S" master_is h2
t_check "maintenance: h1 FAULT (maintenance), status says so" \
    "$(lab_states "$VIP" faults_of); $(dbvip_status h1 | jq -c .guards)" eval '
	fault_has h1 maintenance &&
	[ "$(dbvip_status h1 | jq -r .guards.maintenance)" = true ]'
t_check "maintenance: h1 stays out (no VIP, FAULT) for ${HOLD_S}s" "$(lab_states "$VIP" faults_of)" \
    lab_holds_for "h1 out" "$HOLD_S" eval 'fault_has h1 maintenance && master_is h2'
t_check "maintenance: h1 ran notify_fault" "$(tail -n 4 "$LAB_TMP/h1.hk")" \
    lab_wait_for "h1 FAULT hooks" 5 grep -qx "end notify INSTANCE vip1 FAULT 150" "$LAB_TMP/h1.hk"
r=$(dbvip_ctl h1 maintenance off)
t_check "maintenance: 'maintenance off' answers ok" "$r" eval '[[ $r == ok:* ]]'
t_check "maintenance: off -> h1 preempts back" "$(lab_states "$VIP" faults_of)" \
    lab_wait_for "h1 master again" "$ELECT_S" master_is h1
r=$(dbvip_ctl h1 maintenance sideways)
t_check "maintenance: a bad argument is an error (exit 1)" "$r" \
    eval '[[ $r == error:* ]] && ! dbvip_ctl h1 maintenance sideways >/dev/null'

# ------------------------------------------------------------------ lock
r=$(dbvip_ctl h2 lock)
t_check "lock: 'lock' answers ok" "$r" eval '[[ $r == ok:* ]]'
touch "$LAB_TMP/h3.lock"
t_check "lock: h2 (command) and h3 (lock_file) leave the election, h1 keeps the VIP" \
    "$(lab_states "$VIP" faults_of)" lab_wait_for "backups locked" 5 eval '
	fault_has h2 guard && fault_has h3 guard && master_is h1 &&
	[ "$(dbvip_status h3 | jq -r ".guards.lock_file_present")" = true ] &&
	[ "$(dbvip_status h2 | jq -r ".guards.lock_cmd")" = true ]'
crash h1
t_check "lock: master killed, nobody takes the VIP for ${HOLD_S}s" "$(lab_states "$VIP" faults_of)" \
    lab_holds_for "no takeover" "$HOLD_S" eval '
	vip_not_on h2 h3 && fault_has h2 guard && fault_has h3 guard'
r=$(dbvip_ctl h2 unlock)
t_check "lock: 'unlock' answers ok" "$r" eval '[[ $r == ok:* ]]'
t_check "lock: unlock on h2 -> h2 takes over, h3 (lock_file) still out" "$(lab_states "$VIP" faults_of)" \
    lab_wait_for "h2 master" "$ELECT_S" eval 'master_is h2 && fault_has h3 guard'
rm -f "$LAB_TMP/h3.lock"
t_check "lock: lock_file removed -> h3 BACKUP within the 1 s re-check" "$(lab_states "$VIP" faults_of)" \
    lab_wait_for "h3 backup" 3 agent_state_is h3 vip1 BACKUP

# ------------------------------------------------------------------ block
lab_group_stop "$VIP"
rm -f "$LAB_TMP"/h?.hk "$LAB_TMP"/h?.ev
export LAB_FAILOVER_BLOCK=30
H3_HOOKS="notify_master = $HANG $LAB_TMP/hang.pid
notify = $HOOK $LAB_TMP/h3.hk notify 0"
start_host h1 "" "" || lab_die "cannot start dbvipd on h1"
start_host h2 "" "" || lab_die "cannot start dbvipd on h2"
start_host h3 "notify_timeout = 4" "$H3_HOOKS" || lab_die "cannot start dbvipd on h3"
t_check "block: h1 elected; the initial election is no failover" "$(lab_states "$VIP" faults_of)" \
    lab_wait_for "h1 master" "$ELECT_S" eval '
	master_is h1 && agent_state_is h2 vip1 BACKUP &&
	agent_state_is h3 vip1 BACKUP &&
	[ "$(dbvip_field h3 vip1 .guard.master_seen)" = "${LAB_IP4[h1]}" ] &&
	[ "$(dbvip_field h3 vip1 .guard.failovers)" = 0 ]'
crash h1
t_check "block: h1 killed -> h2 takes over" "$(lab_states "$VIP" faults_of)" \
    lab_wait_for "h2 master" "$ELECT_S" master_is h2
t_check "block: h3 saw the failover and is blocked (~30 s left)" \
    "$(lab_states "$VIP" faults_of); $(dbvip_status h3 | jq -c .instances[0].guard)" \
    lab_wait_for "h3 blocked" 8 eval '
	fault_has h3 guard &&
	[ "$(dbvip_field h3 vip1 .guard.failovers)" = 1 ] &&
	[ "$(dbvip_field h3 vip1 .guard.master_seen)" = "${LAB_IP4[h2]}" ] &&
	awk -v s="$(dbvip_field h3 vip1 .guard.block_remaining_s)" \
	    "BEGIN { exit !(s > 20 && s <= 30) }"'
t_check "block: the new master is not affected" "$(lab_states "$VIP" faults_of)" eval '
	master_is h2 && ! dbvip_field h2 vip1 ".fault[]" | grep -q .'
t_check "block: status table shows the block" "$(dbvip_ctl h3 status)" \
    eval 'dbvip_ctl h3 status | grep -q "failover blocked: .* s left"'
crash h2
t_check "block: h2 killed within the block, nobody takes over for ${HOLD_S}s" "$(lab_states "$VIP" faults_of)" \
    lab_holds_for "no takeover" "$HOLD_S" eval 'vip_not_on h3 && fault_has h3 guard'
sent0=$(dbvip_field h3 vip1 .counters.adverts_sent)
r=$(dbvip_ctl h3 ack)
t_check "block: 'ack' on h3 answers ok, one instance" "$r" \
    eval '[[ $r == "ok: failover block ended on 1 instance(s)"* ]]'
t_check "block: after ack h3 takes over" "$(lab_states "$VIP" faults_of)" \
    lab_wait_for "h3 master" "$ELECT_S" master_is h3

# ------------------------------------------------------------------ hang
t_check "hang: h3's notify_master is running (hangs)" \
    "$(dbvip_status h3 | jq -c .instances[0].notify)" \
    lab_wait_for "hang running" 2 eval '
	[ "$(dbvip_field h3 vip1 .notify.running)" = notify_master ] &&
	[ -s "$LAB_TMP/hang.pid" ]'
a1=$(dbvip_field h3 vip1 .counters.adverts_sent)
t_check "hang: adverts keep going out while it hangs" \
    "sent $a1 then $(dbvip_field h3 vip1 .counters.adverts_sent)" \
    lab_wait_for "adverts grow" 2 eval '
	[ "$(dbvip_field h3 vip1 .counters.adverts_sent)" -ge $((a1 + 2)) ] &&
	[ "$(dbvip_field h3 vip1 .notify.running)" = notify_master ]'
t_check "hang: killed at notify_timeout (4 s), failure in status with its stderr" \
    "$(dbvip_status h3 | jq -c .instances[0].notify)" \
    lab_wait_for "hang killed" 6 eval '
	[ "$(dbvip_field h3 vip1 .notify.failures)" = 1 ] &&
	[ "$(dbvip_field h3 vip1 .notify.last_failure)" = \
	  "notify_master: timed out after 4000 ms, killed with SIGTERM: hanging on purpose" ]'
hp=$(cat "$LAB_TMP/hang.pid" 2>/dev/null)
t_check "hang: the hung script's process is gone" "pid $hp" \
    lab_wait_for "hang gone" 2 eval '[ -n "$hp" ] && ! kill -0 "$hp" 2>/dev/null'
t_check "hang: the next hook (notify MASTER) ran after it" "$(cat "$LAB_TMP/h3.hk" 2>&1)" \
    lab_wait_for "notify after hang" 3 grep -qx "end notify INSTANCE vip1 MASTER 100" "$LAB_TMP/h3.hk"
t_check "hang: the failure is logged with the script's stderr" \
    "$(grep notify_master "${LAB_LOG[h3]}" | tail -n 2)" \
    grep -q "notify_master failed after .*hanging on purpose" "${LAB_LOG[h3]}"
t_check "hang: h3 still master, advertising" "$(lab_states "$VIP" faults_of)" eval '
	master_is h3 &&
	[ "$(dbvip_field h3 vip1 .counters.adverts_sent)" -gt "$sent0" ]'

t_summary
