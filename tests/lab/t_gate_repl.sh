#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t_gate_repl: health gating over a real GTID replication set (issue 3,
# items 8 and 2).  h1 is the primary, h2 and h3 its read_only replicas; one
# mariadbd and one dbvipd per host namespace.  Each agent runs
#
#   [check ping]  type ping, interval 0.5, timeout 0.5, rise 2, fall 2,
#                 weight 0       (database down or hung -> FAULT)
#   [check repl]  type replication, max_lag 5, interval 0.5, timeout 0.5,
#                 rise 2, fall 2, weight -50   (replica not replicating or
#                 lagging -> 50 below its configured priority)
#
# and two instances: vip1 (vrid 51, VIP .100, tracks ping and repl;
# priorities h1 150, h2 120, h3 110) and vip2 (vrid 52, VIP .101, tracks
# nothing; same priorities).  advert_int 1 (the default).  The weights are
# chosen so that a replica whose replication is stopped (-50) falls below
# any healthy replica (the gap between configured replica priorities is
# 10 < 50) but stays above 0, and a healthy master (150) stays above any
# replica.
#
#   healthy    h1 master of both instances, checks ok, status explains the
#              priority; the check user lacks READ ONLY ADMIN
#   dbkill     kill -9 of h1's mariadbd (agent and host stay up): h1 goes
#              FAULT (gate), advertises priority 0, h2 takes the VIP and the
#              client reaches it at h2's MAC (time measured and printed,
#              asserted below 3 x advert_int); h3 never becomes master
#   stopped    STOP SLAVE on h2, the replica that would otherwise win: its
#              effective priority drops to 70, below h3; then h1's mariadbd
#              is killed: the VIP goes to h3 (the healthy replica), h2 never
#              becomes master
#   sigstop    SIGSTOP of h1's mariadbd (a hung server): the ping check
#              fails at its timeout, h1 goes FAULT within timeout x fall +
#              interval (+ slack) of the freeze (measured from the captured
#              priority-0 advert), the VIP moves to h2; h1's adverts for
#              vrid 51 keep their rhythm until then (max gap <= 1.5 x
#              advert_int, from a capture) and vip2 on the same agent stays
#              MASTER with regular adverts throughout; SIGCONT: h1 back
#
# Exit 0 only if every check passed; SKIP (exit 0) if MariaDB or dbvipd is missing.
set -u
. "$(dirname "$0")/lib.sh"

VIP=198.51.100.100/24
VIP2=198.51.100.101/24
ADV=1
declare -A PRIO=([h1]=150 [h2]=120 [h3]=110)
# ping: interval 0.5 + timeout 0.5 x fall 2, the bound on FAULT after a
# freeze; plus 0.3 s for scheduling and the 20 ms polls.
FREEZE_FAULT_MS=1800

lab_require dbvipd
if ! lab_have_mariadb || ! command -v tshark >/dev/null; then
	echo "SKIP t_gate_repl: mariadb-server or tshark not installed"
	exit 0
fi

lab_init
lab_topology 3
lab_probe_bin >/dev/null || lab_die "cannot build probe.c"
lab_repl_start h1 h2 h3 || lab_die "replication set did not start"

write_conf() {
	local h=$1
	LAB_CONF[$h]=$(lab_dbvipd_conf_db "$h" <<-'EOF'
	[check ping]
	type = ping
	interval = 0.5
	timeout = 0.5
	rise = 2
	fall = 2
	weight = 0

	[check repl]
	type = replication
	max_lag = 5
	interval = 0.5
	timeout = 0.5
	rise = 2
	fall = 2
	weight = -50
	EOF
	)
	LAB_APPEND=1 C_INST=vip1 C_VRID=51 C_PRIO=${PRIO[$h]} C_ADV=$ADV \
	    C_VIPS=$VIP C_EXTRA=$'track = ping\ntrack = repl' \
	    lab_vrrp_conf dbvipd "$h" >/dev/null
	LAB_APPEND=1 C_INST=vip2 C_VRID=52 C_PRIO=${PRIO[$h]} C_ADV=$ADV \
	    C_VIPS=$VIP2 lab_vrrp_conf dbvipd "$h" >/dev/null
}

for h in h1 h2 h3; do
	write_conf "$h"
	lab_start_dbvipd "$h" "${LAB_CONF[$h]}" || lab_die "dbvipd on $h did not start"
done

# For lab_states: HOST's effective priority.
prio_of() { printf '/%s' "$(dbvip_field "$1" vip1 .effective_priority || echo -)"; }

# only_master HOST: HOST is the vip1 master, the others BACKUP, and only
# HOST holds the VIP.
only_master() { lab_only_master "$1" "$VIP"; }

# sole_master HOST: HOST is the vip1 master, nobody else is (FAULT or
# BACKUP), and only HOST holds the VIP.
sole_master() { lab_only_master "$1" "$VIP" not-MASTER; }

# Times HOST's agent logged entering MASTER (any instance) so far.
masters_logged() { grep -c -- '-> MASTER' "${LAB_LOG[$1]}"; }
masters_logged_vip1() { grep -- '-> MASTER' "${LAB_LOG[$1]}" | grep -c 'vrid 51'; }

# h1 back: its mariadbd restarted (if it is not running), the replicas
# replicating from it again, h1 master with the client at its MAC.
restore() {
	local what=$1
	if ! lab_alive "${LAB_MYPID[h1]}"; then
		lab_db_restart h1 || { t_fail "$what: restart h1's mariadbd"; return 1; }
	fi
	lab_sql h2 "START SLAVE" >/dev/null 2>&1
	lab_sql h3 "START SLAVE" >/dev/null 2>&1
	t_check "$what: replicas replicate from h1 again" "h2/h3 not replicating" \
	    lab_repl_sync h1 h2 h3
	t_check "$what: h1 master again (preempt after its checks rise)" "$(lab_states "$VIP" prio_of)" \
	    lab_wait_for "h1 only master" 15 eval 'only_master h1 && client_sees "$VIP" h1'
}

# ---------------------------------------------------------------- healthy
t_check "healthy: h1 master of vip1, VIP only on h1, client sees h1" "$(lab_states "$VIP" prio_of)" \
    lab_wait_for "h1 only master" 15 eval 'only_master h1 && client_sees "$VIP" h1'
t_check "healthy: h1 master of vip2" "vip2 on h1: $(dbvip_state h1 vip2)" \
    lab_wait_for "h1 vip2 master" 5 eval '[ "$(dbvip_state h1 vip2)" = MASTER ]'
t_check "healthy: all checks ok on every host" \
    "$(for h in h1 h2 h3; do dbvip_status "$h" | jq -c '[.checks[] | {name, state, last_message}]'; done)" \
    lab_wait_for "checks ok" 5 eval '
	for h in h1 h2 h3; do
		[ "$(dbvip_status "$h" | jq "[.checks[] | select(.state != \"ok\")] | length")" = 0 ] || exit 1
	done'
t_check "healthy: effective priorities 150/120/110, why names the checks" "$(lab_states "$VIP" prio_of); $(dbvip_field h2 vip1 .priority_why)" eval '
	[ "$(dbvip_field h1 vip1 .effective_priority)" = 150 ] &&
	[ "$(dbvip_field h2 vip1 .effective_priority)" = 120 ] &&
	[ "$(dbvip_field h3 vip1 .effective_priority)" = 110 ] &&
	dbvip_field h2 vip1 .priority_why | grep -q "= 120"'
t_check "healthy: h1's repl check passes as 'not a replica', h2's replicates with lag 0" \
    "h1: $(dbvip_check h1 repl .last_message) h2: $(dbvip_check h2 repl '[.last_message, .lag_s] | @tsv')" eval '
	[ "$(dbvip_check h1 repl .last_message)" = "not a replica" ] &&
	[ "$(dbvip_check h2 repl .lag_s)" = 0 ] &&
	[ "$(dbvip_check h2 repl .io_running)" = true ]'
t_check "healthy: the check user holds no READ ONLY ADMIN (nor SUPER, ALL)" \
    "$(lab_sql h1 "SHOW GRANTS FOR $LAB_DB_USER@localhost")" eval \
    '! lab_sql h1 "SHOW GRANTS FOR $LAB_DB_USER@localhost" | grep -Eq "READ ONLY ADMIN|SUPER|ALL PRIVILEGES"'
t_check "healthy: the password appears in no log or status" "found" eval '
	! grep -rqF -- "$LAB_DB_PW" "$LAB_TMP"/*.log &&
	! dbvip_status h1 | grep -qF -- "$LAB_DB_PW"'

# ---------------------------------------------------------------- dbkill
# takeover NAME TO FAULT-CMD...: the fault with the client's stopwatch on;
# the client must reach the VIP at TO's MAC.  Sets TAKEOVER_MS.
takeover() {
	local name=$1 to=$2
	shift 2
	TAKEOVER_MS=
	if ! lab_stopwatch "$VIP" h1 10000 "$@"; then
		t_fail "$name: client reaches the VIP at a new MAC" "$LAB_SW_ERR; $(lab_states "$VIP" prio_of)"
		return 1
	fi
	TAKEOVER_MS=$LAB_SW_MS
	echo "# $name: client reached the VIP at $LAB_SW_WHO's MAC $LAB_SW_MS ms after the fault ($LAB_SW_KIND)"
	t_check "$name: client reaches the VIP at $to's MAC" \
	    "it saw $LAB_SW_WHO ($LAB_SW_MAC); $(lab_states "$VIP" prio_of)" [ "$LAB_SW_WHO" = "$to" ]
}

h3_masters=$(masters_logged_vip1 h3)
LAB_DB_KILL_NOWAIT=1 takeover "dbkill" h2 lab_db_kill h1
lab_wait_exit "${LAB_MYPID[h1]}" 10
if [ -n "$TAKEOVER_MS" ]; then
	t_check "dbkill: takeover under 3 x advert_int (3000 ms)" "took $TAKEOVER_MS ms" \
	    awk -v t="$TAKEOVER_MS" 'BEGIN { exit !(t < 3000) }'
fi
t_check "dbkill: h1 FAULT (gate), VIP only on h2" "$(lab_states "$VIP" prio_of); h1 fault: $(dbvip_field h1 vip1 '.fault | join(",")')" \
    lab_wait_for "h1 FAULT, h2 master" 5 eval '
	[ "$(dbvip_state h1 vip1)" = FAULT ] &&
	dbvip_field h1 vip1 ".fault | index(\"gate\")" >/dev/null &&
	[ "$(dbvip_state h2 vip1)" = MASTER ] && lab_vip_only_on h2 "$VIP"'
t_check "dbkill: h1's ping check failing, why says FAULT" \
    "$(dbvip_check h1 ping '[.state, .last_error] | @tsv'); $(dbvip_field h1 vip1 .priority_why)" eval '
	[ "$(dbvip_check h1 ping .state)" = failing ] &&
	dbvip_field h1 vip1 .priority_why | grep -q "FAULT ping"'
t_check "dbkill: h1 stays master of vip2 (it tracks nothing)" "vip2: $(dbvip_state h1 vip2)" \
    [ "$(dbvip_state h1 vip2)" = MASTER ]
t_check "dbkill: h3 never became master" "h3 logged MASTER" \
    [ "$(masters_logged_vip1 h3)" = "$h3_masters" ]
t_check "dbkill: h1 prio-0 advert sent (log says FAULT from MASTER)" \
    "$(grep -- '->' "${LAB_LOG[h1]}" | tail -n 3 | tr '\n' ' ')" \
    grep -q -- 'MASTER -> FAULT' "${LAB_LOG[h1]}"
restore dbkill

# ---------------------------------------------------------------- stopped
lab_sql h2 "STOP SLAVE" || t_fail "stopped: STOP SLAVE on h2"
t_check "stopped: h2's repl check fails, effective priority 70" \
    "$(lab_states "$VIP" prio_of); $(dbvip_field h2 vip1 .priority_why)" \
    lab_wait_for "h2 at 70" 5 eval '
	[ "$(dbvip_field h2 vip1 .effective_priority)" = 70 ] &&
	dbvip_field h2 vip1 .priority_why | grep -q -- "-50 repl(failing)" &&
	dbvip_check h2 repl .last_error | grep -q "IO thread No"'
t_check "stopped: h1 stays master" "$(lab_states "$VIP" prio_of)" only_master h1
h2_masters=$(masters_logged_vip1 h2)
takeover "stopped" h3 lab_db_kill h1
t_check "stopped: h3 (healthy replica) master, VIP only on h3" "$(lab_states "$VIP" prio_of)" \
    lab_wait_for "h3 master" 5 eval 'sole_master h3'
t_check "stopped: h2 (replication stopped) never became master" "h2 logged MASTER: $(lab_states "$VIP" prio_of)" \
    [ "$(masters_logged_vip1 h2)" = "$h2_masters" ]
t_check "stopped: h3's repl check passes as 'primary unreachable', h2's fails" \
    "h3: $(dbvip_check h3 repl '[.state, .last_message] | @tsv'); h2: $(dbvip_check h2 repl '[.state, .last_message] | @tsv')" eval '
	[ "$(dbvip_check h3 repl .state)" = ok ] &&
	dbvip_check h3 repl .last_message | grep -q "primary unreachable" &&
	[ "$(dbvip_check h2 repl .state)" = failing ]'
restore stopped

# ---------------------------------------------------------------- sigstop
CAP=$LAB_TMP/sigstop.pcap
lab_capture h3 "$CAP" || lab_die "tcpdump did not start"
cap_pid=$LAB_CAPTURE_PID
vip2_tr=$(dbvip_field h1 vip2 .counters.transitions)
# Two adverts of each instance before the freeze, so the gap before it is
# in the capture too.
t_check "sigstop: adverts captured before the freeze" "none in $CAP" \
    lab_wait_for "adverts captured" 5 eval \
    '[ "$(lab_adverts "$CAP" "${LAB_IP4[h1]}" 52 | wc -l)" -ge 2 ]'
lab_probe_start "$VIP" "$(host_mac h1)" 10000 || t_fail "sigstop: probe did not start"
t_freeze=$EPOCHREALTIME
lab_probe_fault
lab_db_freeze h1
t_check "sigstop: h1 FAULT, h2 master, VIP only on h2" "$(lab_states "$VIP" prio_of)" \
    lab_wait_for "h1 FAULT, h2 master" 6 eval \
    '[ "$(dbvip_state h1 vip1)" = FAULT ] && sole_master h2'
if res=$(lab_probe_result); then
	read -r ms mac kind <<<"$res"
	echo "# sigstop: client reached the VIP at $(lab_host_of_mac "$mac")'s MAC $ms ms after the freeze ($kind)"
else
	t_fail "sigstop: client reaches the VIP at a new MAC" "$res"
fi
t_check "sigstop: h1's ping check failed on its timeout" \
    "$(dbvip_check h1 ping '[.state, .last_error, .latency_ms] | @tsv')" eval \
    '[ "$(dbvip_check h1 ping .state)" = failing ]'
# Keep the server frozen a little longer: vip2 must not notice anything.
t_check "sigstop: vip2 on h1 stays MASTER while mariadbd is stopped" \
    "vip2: $(dbvip_state h1 vip2)" \
    lab_holds_for "h1 vip2 master" 2 eval '[ "$(dbvip_state h1 vip2)" = MASTER ]'
t_thaw=$EPOCHREALTIME
lab_db_thaw h1
# One more advert of vip2 after the thaw, then stop the capture.
t_check "sigstop: vip2 advertises after the thaw" "no advert in $CAP" \
    lab_wait_for "adverts after thaw" 5 eval \
    '[ "$(lab_adverts "$CAP" "${LAB_IP4[h1]}" 52 |
	awk -v t="$t_thaw" "\$1 > t" | wc -l)" -ge 1 ]'
lab_capture_stop "$cap_pid"

# FAULT instant: h1's first priority-0 advert for vrid 51 after the freeze.
t_fault=$(lab_adverts "$CAP" "${LAB_IP4[h1]}" 51 |
    awk -v t="$t_freeze" '$1 > t && $2 == 0 { print $1; exit }')
if [ -n "$t_fault" ]; then
	fault_ms=$(awk -v a="$t_freeze" -v b="$t_fault" 'BEGIN { printf "%.0f", (b - a) * 1000 }')
	echo "# sigstop: priority-0 advert ${fault_ms} ms after the freeze"
	t_check "sigstop: FAULT (priority-0 advert) within timeout x fall + interval (${FREEZE_FAULT_MS} ms)" \
	    "after $fault_ms ms" [ "$fault_ms" -le "$FREEZE_FAULT_MS" ]
	read -r gap n < <(lab_adverts "$CAP" "${LAB_IP4[h1]}" 51 |
	    awk '$2 != 0' | lab_max_gap "$t_freeze" "$t_fault")
	# The priority-0 advert itself ends the rhythm: include it.
	read -r gap0 _ < <(lab_adverts "$CAP" "${LAB_IP4[h1]}" 51 |
	    lab_max_gap "$t_freeze" "$t_fault")
	[ "$gap0" -gt "$gap" ] && gap=$gap0
	echo "# sigstop: vrid 51 adverts of h1 from freeze to FAULT: $n, max gap $gap ms"
	t_check "sigstop: vrid 51 adverts keep their rhythm until FAULT (max gap <= 1500 ms)" \
	    "max gap $gap ms" [ "$gap" -le 1500 ]
else
	t_fail "sigstop: h1 sent a priority-0 advert for vrid 51" \
	    "none in $(lab_adverts "$CAP" "${LAB_IP4[h1]}" 51 | wc -l) captured adverts"
fi
read -r gap2 n2 < <(lab_adverts "$CAP" "${LAB_IP4[h1]}" 52 | lab_max_gap "$t_freeze" "$t_thaw")
echo "# sigstop: vrid 52 adverts of h1 while mariadbd was stopped: $n2, max gap $gap2 ms"
t_check "sigstop: vip2 adverts regular while stopped (max gap <= 1500 ms, >= 2 adverts)" \
    "max gap $gap2 ms over $n2 adverts" eval '[ "$gap2" -le 1500 ] && [ "$n2" -ge 2 ]'
t_check "sigstop: vip2 on h1 had no transition" \
    "transitions $vip2_tr -> $(dbvip_field h1 vip2 .counters.transitions)" \
    [ "$(dbvip_field h1 vip2 .counters.transitions)" = "$vip2_tr" ]
t_check "sigstop: after SIGCONT h1's checks rise and h1 is master again" "$(lab_states "$VIP" prio_of)" \
    lab_wait_for "h1 only master" 15 eval 'only_master h1 && client_sees "$VIP" h1'

t_summary
