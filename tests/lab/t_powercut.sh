#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t_powercut: a power cut of the whole group under write load.  h1 (150)
# is the primary, h2 (120) and h3 (100) replicas (semi-sync AFTER_SYNC),
# the writer running through the VIP (role_lib.sh).
#
#   cut      every agent and every mariadbd is killed (-9) at once and the
#            VIP is gone from every host
#   restart  the servers come back read-only (read_only=ON, as a careful
#            DBA configures them) in random order, then the agents in
#            random order with random delays
#   after    the most advanced database (h1's binlog holds every
#            transaction the replicas have) becomes the primary with the
#            VIP; every acknowledged write is there; h2 and h3 replicate
#            from it; no database other than it was ever writable and no
#            two hosts held the VIP (50 ms sampler)
#
# Exit 0 only if every check passed; 77 if MariaDB or dbvipd is missing.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/role_lib.sh"

role_init
role_start_all 300 nosampler

# ------------------------------------------------------------------ cut
for h in h1 h2 h3; do
	lab_crash_agent "$h" nowait
	LAB_DB_KILL_NOWAIT=1 lab_db_kill "$h"
done
for h in h1 h2 h3; do
	lab_wait_exit "${LAB_AGENT[$h]}" 5
	lab_wait_exit "${LAB_MYPID[$h]}" 10
	lab_exec "$h" ip addr del "$ROLE_VIP/24" dev "$LAB_IF" 2>/dev/null
done
role_writer_stop
ACKS=$(role_acks)
pos() { lab_sql "$1" 'SELECT @@global.gtid_binlog_pos'; }

# -------------------------------------------------------------- restart
mapfile -t ARGS < <(role_db_args)
for h in $(printf '%s\n' h1 h2 h3 | shuf); do
	lab_db_start "$h" --read-only=ON "${ARGS[@]}" ||
	    t_fail "restart: mariadbd on $h" "did not start"
done
lab_log "after the cut: h1 $(pos h1), h2 $(lab_repl_field h2 Gtid_IO_Pos), h3 $(lab_repl_field h3 Gtid_IO_Pos)"
role_sampler_start
T=$(role_now)
for h in $(printf '%s\n' h1 h2 h3 | shuf); do
	lab_log "restart: agent on $h"
	role_start_agent "$h" >/dev/null || t_fail "restart: agent on $h" "did not answer"
	# Random delays between the agents: the scenario, not a wait.
	sleep "$((RANDOM % 3)).$((RANDOM % 10))"
done

# ---------------------------------------------------------------- after
if lab_wait_for "h1 primary" 20 role_is_primary h1; then
	t_pass "after: h1, the most advanced, is primary $(( $(role_now) - T )) ms after the first agent started"
else
	t_fail "after: h1 primary" "VIP on $(lab_who_has_vip "$ROLE_VIP" | tr '\n' ' '); h1 $(dbvip_state h1 vip1) ($(dbvip_field h1 vip1 .role.hold)) h2 $(dbvip_state h2 vip1) ($(dbvip_field h2 vip1 .role.hold))"
fi
LOST=$(role_lost_acks h1 | wc -l)
t_check "after: every acknowledged write is on h1 ($ACKS acks)" "$LOST missing" test "$LOST" = 0
if lab_wait_for "h2, h3 replicate from h1" 20 eval 'role_replicates_from h2 h1 && role_replicates_from h3 h1'; then
	t_pass "after: h2 and h3 replicate from h1"
else
	t_fail "after: h2 and h3 replicate from h1" "h2 $(lab_repl_field h2 Master_Host) $(lab_repl_field h2 Slave_SQL_Running); h3 $(lab_repl_field h3 Master_Host) $(lab_repl_field h3 Slave_SQL_Running); h2: $(dbvip_field h2 vip1 .role.hold)"
fi
t_check "after: h2 and h3 BACKUP" "h2 $(dbvip_state h2 vip1), h3 $(dbvip_state h3 vip1)" \
    lab_wait_for "h2, h3 BACKUP" 10 role_backups h2 h3
role_sampler_stop
role_check_exclusive "after"
N=$(awk '($1 == "h2" || $1 == "h3") && $4 == "w"' "$ROLE_SLOG" | wc -l)
t_check "after: h2 and h3 never writable" "$N writable samples" test "$N" = 0
t_summary
