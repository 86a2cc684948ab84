#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# demo: the README's live demo.  Three hosts and a client in network
# namespaces (nothing touches the host's own network).  Each host runs a
# private MariaDB (h1 the GTID primary, h2 and h3 its semi-sync replicas)
# and dbvipd with `role = replication` (role_lib.sh: a ping check that puts
# the host in FAULT, a replication lag band).  Then:
#   1. the three agents start at once, no VIP anywhere: the existing
#      primary h1 gets the VIP, nobody is promoted
#   2. a client writes through the VIP (an insert every 10 ms)
#   3. h1's mariadbd is killed (kill -9; host and agent stay up): h1's
#      agent sees its database die, goes FAULT and hands over; h2 claims
#      the group, promotes its database (relay log applied, replication
#      stopped, read_only=OFF), takes the VIP; h3 is re-pointed to h2; the
#      client's write outage is measured and every acknowledged write is
#      looked for on h2
#   4. (DEMO_CRASH=1, the default) h2 crashes as a whole (agent and
#      mariadbd killed, cable pulled): h3 takes over after the VRRP
#      master-down interval and promotes
# Builds nothing: run `make` first (or point DBVIPD/DBVIPCTL at your
# binaries).  Needs root.  `tests/demo.sh` installs, builds and runs it.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/role_lib.sh"

if ! lab_have_dbvipd; then
	echo "demo: no $DBVIPD or $DBVIPCTL; build first with 'make'" >&2
	exit 1
fi
lab_have_mariadb || { echo "demo: MariaDB (mariadb-server) is not installed" >&2; exit 1; }

say() { printf '\n== %s\n' "$*"; }

show_status() {
	local h
	for h in h1 h2 h3; do
		if [ -z "${LAB_AGENT[$h]:-}" ] || ! lab_alive "${LAB_AGENT[$h]}"; then
			printf -- '-- %s (%s): agent not running\n' "$h" "${LAB_IP4[$h]}"
			continue
		fi
		printf -- '-- %s (%s):\n' "$h" "${LAB_IP4[$h]}"
		lab_exec "$h" "$DBVIPCTL" -s "${LAB_SOCK[$h]}" status | sed 's/^/   /'
	done
}

db_line() {
	local h=$1
	printf '%s: read_only=%s' "$h" "$(lab_sql "$h" 'SELECT @@global.read_only' 2>/dev/null || echo '?')"
	if [ -n "$(lab_repl_field "$h" Master_Host 2>/dev/null)" ]; then
		printf ', replicating from %s (IO %s, SQL %s)' "$(lab_repl_field "$h" Master_Host)" \
		    "$(lab_repl_field "$h" Slave_IO_Running)" "$(lab_repl_field "$h" Slave_SQL_Running)"
	fi
	printf '\n'
}

# failover WHAT OLD: after the fault at T, wait for a new primary and say
# what happened to the writes.
failover() {
	local what=$1 old=$2 newp other
	if ! lab_wait_for "a new primary" 20 role_new_primary "$old"; then
		lab_die "no new primary after $what: VIP on $(lab_who_has_vip "$ROLE_VIP" | tr '\n' ' ')"
	fi
	newp=$(role_vip_holder)
	lab_wait_for "writes after $what" 15 role_acks_after_ge "$T" 50 ||
	    lab_die "the writes did not resume after $what"
	printf '%s is the new primary: its agent took the VIP %d ms after %s; the promotion itself took %s ms.\n' \
	    "$newp" $(( $(role_now) - T )) "$what" "$(dbvip_field "$newp" vip1 .role.last_promote_ms)"
	printf 'The client could not write for %s ms (the longest gap between two acknowledged inserts).\n' \
	    "$(role_outage "$T")"
	for other in h1 h2 h3; do
		[ "$other" = "$newp" ] || [ "$other" = "$old" ] && continue
		if [ -n "$(lab_repl_field "$other" Master_Host 2>/dev/null)" ]; then
			lab_wait_for "$other re-pointed" 10 role_replicates_from "$other" "$newp" &&
			    printf '%s was re-pointed: it now replicates from %s.\n' "$other" "$newp"
		fi
	done
	NEWP=$newp
}

lab_init
say "Building the lab: bridge, hosts h1 h2 h3 (198.51.100.11-13), client (.200)"
lab_topology 3

say "Starting MariaDB: h1 primary, h2 and h3 semi-sync GTID replicas (read_only=ON)"
role_db_setup || lab_die "MariaDB replication did not start"
for h in h1 h2 h3; do db_line "$h"; done

say "Starting dbvipd on all three hosts at once (role = replication, VIP $ROLE_VIP, priorities 150/120/100; no VIP anywhere yet)"
T=$(role_now)
role_agents_start || lab_die "the group did not elect h1: VIP on $(lab_who_has_vip "$ROLE_VIP" | tr '\n' ' ')"
printf '\nh1 holds the VIP %d ms after the agents started.  Each agent first asked the\n' $(( $(role_now) - T ))
printf 'databases where they stand: h1 is the writable primary and stays so, h2 and\n'
printf 'h3 waited for it; nothing was promoted or fenced.\n'
show_status

say "A client writes through the VIP: one insert every 10 ms, as the application user"
role_sampler_start
role_writer_start 300 || lab_die "the writer did not start"
lab_wait_for "200 acknowledged writes" 10 role_acks_ge 200 || lab_die "too few writes"
printf '%s inserts acknowledged so far.\n' "$(role_acks)"

say "Killing h1's database: kill -9 of its mariadbd (h1 and its agent stay up)"
T=$(role_now)
LAB_DB_KILL_NOWAIT=1 lab_db_kill h1
failover "the kill" h1
printf '\nh1 saw its database die (its idle check connection closed), went FAULT and\n'
printf 'sent priority 0; h2 claimed the group, checked that h3 was not fresher,\n'
printf 'applied its relay log, stopped replication, set read_only=OFF, and only\n'
printf 'then took the VIP and sent gratuitous ARP.\n'
show_status

if [ "${DEMO_CRASH:-1}" = 1 ]; then
	say "Crashing $NEWP as a whole: agent and mariadbd killed, cable pulled"
	OLD=$NEWP
	T=$(role_now)
	role_host_crash "$OLD"
	failover "the crash" "$OLD"
	printf '\nNobody could say goodbye for %s: the next host waited the master-down\n' "$OLD"
	printf 'interval (3 x advert_int + skew) before claiming the group.\n'
	show_status
fi

role_writer_stop
role_sampler_stop
LOST=$(role_lost_acks "$NEWP" | wc -l)
say "Result"
printf '%s inserts were acknowledged to the client; %s of them are missing on %s, the primary now.\n' \
    "$(role_acks)" "$LOST" "$NEWP"
if BAD=$(role_sampler_violations); then
	printf 'In %s samples (every 50 ms, every host) no two databases were writable and no two hosts held the VIP.\n' \
	    "$(role_samples)"
else
	printf 'The sampler saw two writable databases or VIP holders: %s\n' "$BAD"
fi

say "Cleaning up (agents and databases stopped, namespaces deleted)"
[ "$LOST" = 0 ] && [ -z "${BAD:-}" ]
