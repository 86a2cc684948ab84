#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t_seq_reload: a reload (SIGHUP) in the middle of a promotion or a
# demotion changes nothing in their order: the VIP is never on a read-only
# database while a host takes over, never on two hosts, and it ends on the
# promoted host.  Before the sequencer (agent/core/seq.c), a reload while the
# promotion ran added the VIP at once to the still read-only database.
#
# The replication role setup of role_lib.sh (h1 150, h2 120, h3 100,
# advert_int 1), with promote_sql = SELECT SLEEP(1.5) on every host so a
# promotion is slow on purpose (3 s would exceed the 2 s statement limit),
# and demote_timeout = 8.
#
#   cold start  all three agents start at once, no VIP anywhere, h1's
#               database writable: where the VIP ends up (a primary)
#   crash       the primary host dies (role_host_crash); while a survivor
#               promotes, its agent gets SIGHUP (garp_repeat changed)
#               twice: before read_only=OFF and during the promote_sql
#               sleep.  The sampler (50 ms) never sees the promoting host
#               hold the VIP while read-only, never two writable, never
#               two VIP holders; the VIP ends on the promoted host
#   demote      a 4 s write by the agent's own check user (not killed on
#               demote) holds read_only=ON back; the primary is put in
#               maintenance and, while it fences, gets SIGHUP: the VIP
#               stays until the fence is done, then leaves; the last host
#               promotes (SIGHUP in its sleep too) and ends with the VIP
#
# Exit 0 only if every check passed; 77 if MariaDB or dbvipd is missing.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/role_lib.sh"

role_init

# promote_sql is bounded like every role statement (2 s, ROLE_STMT_MS in
# agent/role/role_int.h): 1.5 s is as slow as it may be.
PROMOTE_SQL='SELECT SLEEP(1.5)'
declare -A GARP=([h1]=2 [h2]=2 [h3]=2)

# role_conf plus the slow promotion and a demote_timeout that outlasts the
# slow write of the demote phase, in the [mariadb] section.
seq_conf() {
	local f
	f=$(role_conf "$1") || return 1
	# peer_timeout 2: the freshness step waits that long for the dead
	# primary's database, so the window before read_only=OFF is wide
	# enough for the poll below even on a loaded machine.
	sed -i "s/^role = replication\$/&\npromote_sql = $PROMOTE_SQL\ndemote_timeout = 8\npeer_timeout = 2/" "$f"
	grep -q '^promote_sql = ' "$f" || return 1
	printf 'garp_repeat = %s\n' "${GARP[$1]}" >>"$f"
	echo "$f"
}

# seq_hup HOST: change HOST's garp_repeat (harmless) and SIGHUP its agent;
# waits for the reload to be logged.
seq_hup() {
	local h=$1 n
	GARP[$h]=$(( GARP[$h] == 2 ? 3 : 2 ))
	sed -i "s/^garp_repeat = .*/garp_repeat = ${GARP[$h]}/" \
	    "$LAB_TMP/$h.dbvipd.conf"
	n=$(grep -c 'configuration reloaded' "${LAB_LOG[$h]}")
	lab_kill "${LAB_AGENT[$h]}" HUP
	lab_wait_for "$h reloaded" 5 seq_reloaded "$h" "$n"
}

# role_agents_start (the fallback below) starts agents with our config.
role_start_agent() {
	local f
	f=$(seq_conf "$1") || return 1
	lab_start_dbvipd "$1" "$f"
}

seq_reloaded() { [ "$(grep -c 'configuration reloaded' "${LAB_LOG[$1]}")" -gt "$2" ]; }

role_step_is() {
	[ "$(dbvip_field "$1" vip1 .role.last_step 2>/dev/null)" = "$2" ]
}

# seq_promoting_where PRED HOSTS...: a host whose role is promoting and
# for which PRED HOST holds, in SEQ_HOST (not from a subshell).
seq_promoting_where() {
	local pred=$1 h
	shift
	for h in "$@"; do
		if role_state_is "$h" promoting && "$pred" "$h"; then
			SEQ_HOST=$h
			return 0
		fi
	done
	return 1
}

seq_in_sql() { role_step_is "$1" promote_sql; }

# A step of the running promotion before read_only=OFF.
seq_before_rw() {
	case $(dbvip_field "$1" vip1 .role.last_step 2>/dev/null) in
	"show slave status"|"peer freshness"|"semi-sync kill timeout"|\
	"start sql thread"|"master_gtid_wait"|"stop slave"|\
	"sql thread stopped") return 0 ;;
	esac
	return 1
}

# Samples of HOST (all hosts if "") holding the VIP on a read-only
# database, taken in [FROM, TO) ms; printed, at most 5.
seq_ro_vip() {
	awk -v h="$1" -v from="$2" -v to="$3" \
	    '(h == "" || $1 == h) && $2 >= from && $2 < to && $4 == "r" && $5 == "v"' \
	    "$ROLE_SLOG" | head -n 5
}

seq_samples_in() {
	awk -v from="$1" -v to="$2" '$2 >= from && $2 < to { n++ } END { print n + 0 }' "$ROLE_SLOG"
}

# The verdicts of one phase over [FROM, TO): samples taken, no VIP on a
# read-only database on HOSTS, never two writable or two VIP holders.
seq_verdicts() {
	local name=$1 from=$2 to=$3 hosts=$4 n bad="" h
	n=$(seq_samples_in "$from" "$to")
	if [ "$n" -lt 20 ]; then
		t_fail "$name: sampler" "only $n samples"
		return
	fi
	for h in $hosts; do
		bad+=$(seq_ro_vip "$h" "$from" "$to")
	done
	t_check "$name: the VIP never on a read-only database ($n samples)" \
	    "$bad" test -z "$bad"
	if bad=$(role_sampler_violations "$from" "$to"); then
		t_pass "$name: never two writable, never two VIP holders ($n samples)"
	else
		t_fail "$name: never two writable / VIP holders" "$bad"
	fi
}

seq_fencing_with_vip() {
	role_state_is "$1" fencing && lab_vip_on "$1" "$ROLE_VIP"
}

seq_fenced_without_vip() {
	[ "$(lab_sql "$1" "SELECT @@global.read_only")" = 1 ] &&
	    ! lab_vip_on "$1" "$ROLE_VIP"
}

# ---------------------------------------------------------------- cold start
if ! role_db_setup; then
	t_fail "setup" "replication set did not start"
	t_summary
	exit 1
fi
role_sampler_start
T0=$(role_now)
for h in h1 h2 h3; do
	if ! f=$(seq_conf "$h") || ! lab_start_dbvipd "$h" "$f"; then
		t_fail "cold start: agent on $h" "did not start"
		t_summary
		exit 1
	fi
done
PRIMARY=""
for_primary() {
	local h
	h=$(role_vip_holder) || return 1
	role_is_primary "$h" || return 1
	PRIMARY=$h
}
if lab_wait_for "a primary after a cold start" 60 for_primary; then
	lab_log "cold start: $PRIMARY primary after $(( $(role_now) - T0 )) ms"
	t_pass "cold start: the VIP ends on one primary ($PRIMARY)"
else
	t_fail "cold start: the VIP ends on one primary" \
	    "$(for h in h1 h2 h3; do printf '%s: %s; ' "$h" "$(dbvip_field "$h" vip1 '{state, role: .role.state, hold: .role.hold}' | tr -d '\n ')"; done)"
	# The lead fixes cold start separately: go on from the resume rule.
	for h in h1 h2 h3; do lab_stop_agent "$h"; done
	lab_exec h1 ip addr del "$ROLE_VIP/24" dev "$LAB_IF" 2>/dev/null
	lab_sql h1 "SET GLOBAL read_only = OFF"
	if ! role_agents_start; then
		t_fail "start (resume rule)" "no master"
		t_summary
		exit 1
	fi
	PRIMARY=h1
fi
T1=$(role_now)
seq_verdicts "cold start" "$T0" "$T1" ""
OTHERS=""
for h in h1 h2 h3; do [ "$h" != "$PRIMARY" ] && OTHERS+=" $h"; done
# The survivors replicate from the primary before it crashes.
for h in $OTHERS; do
	lab_wait_for "$h replicates from $PRIMARY" 20 role_replicates_from "$h" "$PRIMARY"
done

# ---------------------------------------------------------------- crash
CRASH_T=$(role_now)
# role_host_crash without its waits for the exits: the survivors' short
# promotion windows open while those waits would still run.
lab_link_down "$PRIMARY"
lab_crash_agent "$PRIMARY" nowait
LAB_DB_KILL_NOWAIT=1 lab_db_kill "$PRIMARY"
lab_exec "$PRIMARY" ip addr del "$ROLE_VIP/24" dev "$LAB_IF" 2>/dev/null
# A promotion may fail (the freshness wait, then a back-off) and be
# retried, here or on the other survivor: every wait below is for any
# survivor.
# shellcheck disable=SC2086 # OTHERS is a list of hosts
if lab_wait_for "a survivor promoting, before read_only=OFF" 30 \
    seq_promoting_where seq_before_rw $OTHERS; then
	H=$SEQ_HOST
	STEP=$(dbvip_field "$H" vip1 .role.last_step)
	seq_hup "$H"
	t_check "crash: SIGHUP to $H while it promotes, before read_only=OFF ($STEP)" \
	    "reload not logged" grep -q 'configuration reloaded' "${LAB_LOG[$H]}"
else
	t_fail "crash: SIGHUP before read_only=OFF" "no survivor seen promoting"
fi
# shellcheck disable=SC2086
if lab_wait_for "a survivor in the promote_sql sleep" 30 \
    seq_promoting_where seq_in_sql $OTHERS; then
	H=$SEQ_HOST
	seq_hup "$H"
	t_check "crash: SIGHUP to $H in the promote_sql sleep" \
	    "reload not logged" grep -q 'configuration reloaded' "${LAB_LOG[$H]}"
else
	t_fail "crash: SIGHUP in the promote_sql sleep" "never reached"
fi
t_check "crash: $PRIMARY's agent and server are gone" "still running" eval \
    'lab_wait_exit "${LAB_AGENT[$PRIMARY]}" 5 && lab_wait_exit "${LAB_MYPID[$PRIMARY]}" 10'
if lab_wait_for "a new primary" 30 role_new_primary "$PRIMARY"; then
	NEWP=$(role_vip_holder)
	t_pass "crash: the VIP ends on $NEWP, promoted ($(dbvip_field "$NEWP" vip1 .role.last_promote_ms) ms, $(dbvip_field "$NEWP" vip1 .role.promote_failures) failed attempts)"
else
	t_fail "crash: the VIP ends on a promoted survivor" "$(lab_who_has_vip "$ROLE_VIP" | tr '\n' ' ')"
	t_summary
	exit 1
fi
LAST=""
for h in $OTHERS; do [ "$h" != "$NEWP" ] && LAST=$h; done
lab_wait_for "$LAST follows $NEWP" 15 role_replicates_from "$LAST" "$NEWP"
T2=$(role_now)
seq_verdicts "crash" "$CRASH_T" "$T2" "$OTHERS"

# ---------------------------------------------------------------- demote
lab_sql "$NEWP" "CREATE TABLE IF NOT EXISTS dbvip.seq_slow (a INT)"
# As the check user, which a demotion does not kill: read_only=ON waits.
mariadb --no-defaults -u"$LAB_DB_USER" -p"$(cat "$LAB_TMP/db.pass")" \
    -S "${LAB_MYSOCK[$NEWP]}" -e "INSERT INTO dbvip.seq_slow SELECT SLEEP(4)" \
    >"$LAB_TMP/slow.out" 2>&1 &
SLOW=$!
lab_own "$SLOW"
seq_slow_running() {
	[ "$(lab_sql "$NEWP" "SELECT COUNT(*) FROM information_schema.PROCESSLIST
	    WHERE INFO LIKE 'INSERT INTO dbvip.seq_slow%'")" = 1 ]
}
if ! lab_wait_for "the slow write running" 5 seq_slow_running; then
	t_fail "demote: a slow write on $NEWP" "$(cat "$LAB_TMP/slow.out")"
fi
DEMOTE_T=$(role_now)
dbvip_ctl "$NEWP" maintenance on >/dev/null
if lab_wait_for "$NEWP fencing" 5 role_state_is "$NEWP" fencing; then
	seq_hup "$NEWP"
	t_check "demote: SIGHUP to $NEWP while it fences; the VIP stays until fenced" \
	    "$(dbvip_field "$NEWP" vip1 '{state, role: .role.state}' | tr -d '\n'); VIP on $(lab_who_has_vip "$ROLE_VIP" | tr '\n' ' ')" \
	    seq_fencing_with_vip "$NEWP"
else
	t_fail "demote: $NEWP fencing" "$(dbvip_field "$NEWP" vip1 '{state, role}' | tr -d '\n')"
fi
if lab_wait_for "$LAST promoting" 20 role_state_is "$LAST" promoting &&
    lab_wait_for "$LAST in promote_sql" 10 role_step_is "$LAST" promote_sql; then
	seq_hup "$LAST"
	t_pass "demote: SIGHUP to $LAST in its promote_sql sleep"
else
	t_fail "demote: SIGHUP to $LAST while it promotes" "$(dbvip_field "$LAST" vip1 '{state, role}' | tr -d '\n')"
fi
if lab_wait_for "$LAST primary" 20 role_is_primary "$LAST"; then
	t_pass "demote: the VIP ends on $LAST, promoted"
else
	t_fail "demote: the VIP ends on $LAST" "$(lab_who_has_vip "$ROLE_VIP" | tr '\n' ' ')"
fi
lab_wait_exit "$SLOW" 10
t_check "demote: $NEWP read-only, no VIP" \
    "read_only=$(lab_sql "$NEWP" 'SELECT @@global.read_only'); VIP on $(lab_who_has_vip "$ROLE_VIP" | tr '\n' ' ')" \
    seq_fenced_without_vip "$NEWP"
MS=$(awk '/role: database fenced \(read_only=ON\) in/ { v = $0 } END { sub(/.* in /, "", v); print v }' "${LAB_LOG[$NEWP]}")
lab_log "demote: $NEWP fenced in $MS"
T3=$(role_now)
role_sampler_stop
# The fencing host holds the VIP read-only for the moment between its
# fence and its VIP_DEL (the order is fence, then VIP down): checked for
# the host taking over only.
seq_verdicts "demote" "$DEMOTE_T" "$T3" "$LAST"
t_summary
