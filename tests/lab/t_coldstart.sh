#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t_coldstart: a healthy replication group started from nothing keeps its
# primary (a cold start is not a failover).  h1's database is the writable
# primary, h2 and h3 replicate from it (semi-sync), no host holds the VIP,
# failover_block = 600; agents as in role_lib.sh (h1 150, h2 120, h3 100).
#
#   together   all three agents start at once, in random order
#   primary-last  h2 and h3 start in random order with random delays
#              (0-8 s), then h1: until h1's agent runs, h2 and h3 wait
#              (status names h1) and no host holds the VIP
#   primary-first  h1 first, then h3 and h2 after random delays
#
# After each start, the VIP is on h1 within the master-down interval + 2 s
# after h1's agent started, h1's database stayed writable throughout, no
# database was promoted or changed role, h2 and h3 still replicate from
# h1, no host is blocked (failover_block) or in FAULT, and the 50 ms
# sampler never saw two writable databases or two VIP holders.  Between
# cases every agent is killed (-9) and the VIP removed by hand: the next
# start again finds no VIP anywhere.
#
# Exit 0 only if every check passed; 77 if MariaDB or dbvipd is missing.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/role_lib.sh"

role_init
LAB_FAILOVER_BLOCK=600
# Master-down interval of h1 (priority 150, advert_int 1): 3 + 106/256 s.
MDI_MS=3414
LIMIT_MS=$((MDI_MS + 2000))

declare -A START_T=()

start_one() {
	START_T[$1]=$(role_now)
	role_start_agent "$1"
}

# Every agent killed at once; the VIP removed wherever it is.
kill_all() {
	local h
	for h in h1 h2 h3; do
		[ -n "${LAB_AGENT[$h]:-}" ] && lab_crash_agent "$h" nowait
	done
	for h in h1 h2 h3; do
		[ -n "${LAB_AGENT[$h]:-}" ] && lab_wait_exit "${LAB_AGENT[$h]}" 5
		LAB_AGENT[$h]=
		lab_exec "$h" ip addr del "$ROLE_VIP/24" dev "$LAB_IF" 2>/dev/null
	done
	return 0
}

role_waits_for_h1() {
	dbvip_field "$1" vip1 .role.hold | grep -q "${LAB_IP4[h1]}"
}

promotions() {
	local h n=0 p
	for h in h1 h2 h3; do
		p=$(dbvip_field "$h" vip1 .role.promotions) || return 1
		n=$((n + p))
	done
	echo "$n"
}

not_blocked() {
	[ "$(dbvip_field "$1" vip1 .guard.blocked)" = false ] &&
	    [ "$(dbvip_field "$1" vip1 .guard.failovers)" = 0 ]
}

# verdict CASE: the checks after a start.
verdict() {
	local c=$1 t ms bad h n
	if lab_wait_for "h1 primary with the VIP" 20 role_is_primary h1; then
		# The sampler's first sight of the VIP on h1 (50 ms period).
		t=$(awk -v s="${START_T[h1]}" '$1 == "h1" && $5 == "v" && $2 >= s { print $2; exit }' "$ROLE_SLOG")
		ms=$((${t:-999999999999} - START_T[h1]))
		if [ "$ms" -le "$LIMIT_MS" ]; then
			t_pass "$c: VIP on h1 $ms ms after its agent started (limit $LIMIT_MS)"
		else
			t_fail "$c: VIP on h1 within $LIMIT_MS ms of its agent's start" "took $ms ms"
		fi
	else
		t_fail "$c: VIP on h1" "VIP on: $(lab_who_has_vip "$ROLE_VIP" | tr '\n' ' '); h1 $(dbvip_state h1 vip1) $(dbvip_field h1 vip1 .role.hold)"
	fi
	if lab_wait_for "h2, h3 BACKUP" 10 role_backups h2 h3; then
		t_pass "$c: h2 and h3 BACKUP, not FAULT"
	else
		t_fail "$c: h2 and h3 BACKUP" "h2 $(dbvip_state h2 vip1) ($(dbvip_field h2 vip1 .role.hold)), h3 $(dbvip_state h3 vip1) ($(dbvip_field h3 vip1 .role.hold))"
	fi
	n=$(promotions)
	t_check "$c: no database was promoted" "promotions: $n" test "$n" = 0
	for h in h2 h3; do
		t_check "$c: $h still replicates from h1 and is read-only" \
		    "$(lab_repl_field "$h" Master_Host), read_only $(lab_sql "$h" 'SELECT @@global.read_only')" \
		    eval 'role_replicates_from '"$h"' h1 && [ "$(lab_sql '"$h"' "SELECT @@global.read_only")" = 1 ]'
	done
	bad=""
	for h in h1 h2 h3; do
		not_blocked "$h" || bad="$bad $h($(dbvip_field "$h" vip1 .guard.failovers) failovers)"
	done
	t_check "$c: no host saw a failover or is blocked" "$bad" test -z "$bad"
	role_sampler_stop
	role_check_exclusive "$c"
	# h1 writable in every sample it answered.
	n=$(awk '$1 == "h1" && $4 == "r"' "$ROLE_SLOG" | wc -l)
	t_check "$c: h1's database stayed writable ($(grep -c '^h1 ' "$ROLE_SLOG") samples)" \
	    "$n samples of h1 not writable" test "$n" = 0
}

if ! role_db_setup; then
	t_fail "setup" "replication set did not start"
	t_summary
	exit 1
fi

# ------------------------------------------------------------- together
role_sampler_start
for h in $(printf '%s\n' h1 h2 h3 | shuf); do
	start_one "$h" || t_fail "together: start $h" "agent did not answer"
done
verdict together

# ---------------------------------------------------------- primary last
kill_all
role_sampler_start
for h in $(printf '%s\n' h2 h3 | shuf); do
	lab_log "primary-last: starting $h"
	start_one "$h" || t_fail "primary-last: start $h" "agent did not answer"
	sleep "$((RANDOM % 5)).$((RANDOM % 10))"
done
if lab_wait_for "h2, h3 wait for h1" 10 eval 'role_waits_for_h1 h2 && role_waits_for_h1 h3'; then
	t_pass "primary-last: h2 and h3 wait for h1 ($(dbvip_field h2 vip1 .role.hold))"
else
	t_fail "primary-last: h2 and h3 wait for h1" "h2: $(dbvip_field h2 vip1 .role.hold); h3: $(dbvip_field h3 vip1 .role.hold)"
fi
sleep "$((RANDOM % 4)).$((RANDOM % 10))"
t_check "primary-last: no VIP anywhere while h1's agent is absent" \
    "VIP on $(lab_who_has_vip "$ROLE_VIP" | tr '\n' ' ')" lab_vip_nowhere "$ROLE_VIP"
start_one h1 || t_fail "primary-last: start h1" "agent did not answer"
verdict primary-last

# --------------------------------------------------------- primary first
kill_all
role_sampler_start
start_one h1 || t_fail "primary-first: start h1" "agent did not answer"
for h in h3 h2; do
	sleep "$((RANDOM % 3)).$((RANDOM % 10))"
	start_one "$h" || t_fail "primary-first: start $h" "agent did not answer"
done
verdict primary-first

t_summary
