#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t_role_galera: role = galera (issue 4, item 14).  Three Galera nodes
# h1 (150), h2 (120), h3 (100), each agent with role = galera, a ping
# check and a galera check (both FAULT while failing), the writer through
# the VIP and the 50 ms sampler (role_lib.sh).
#
#   start    h1 is master and holds the VIP; status shows no role object
#            (no role SQL); every node is writable (read_only=OFF)
#   crash    the VIP holder's host dies (link down, agent and mariadbd
#            kill -9): another node that is Primary takes the VIP, the
#            writer's acknowledged writes go on through it; read_only
#            stays OFF on the survivors (nobody fenced or promoted
#            anything) and no agent logged a role step
#
# Exit 0 only if every check passed; 77 if Galera or dbvipd is missing.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/role_lib.sh"

ROLE_NEEDS=galera role_init
ROLE_KIND=galera
ROLE_DBLOAD=$(role_dbload_bin) || exit 1

# lab_galera_start with the clients reaching the servers on the VIP too.
galera_start() {
	local h args
	mapfile -t args < <(lab_galera_args h1 h1 h2 h3)
	lab_db_start h1 "${args[@]}" --wsrep-new-cluster --bind-address=0.0.0.0 || return 1
	lab_wait_for "h1 Primary/Synced" 20 lab_galera_synced h1 1 || return 1
	for h in h2 h3; do
		mapfile -t args < <(lab_galera_args "$h" h1 h2 h3)
		LAB_DB_NOWAIT=1 lab_db_start "$h" "${args[@]}" --bind-address=0.0.0.0 || return 1
	done
	lab_wait_for "Galera cluster of 3 synced" 60 lab_galera_all_synced 3 h1 h2 h3
}

if ! galera_start; then
	t_fail "setup" "Galera cluster did not form"
	t_summary
	exit 1
fi
lab_sql h1 "CREATE USER 'app'@'$LAB_SUBNET4.%' IDENTIFIED BY '$ROLE_APP_PW';
    GRANT SELECT, INSERT ON app.* TO 'app'@'$LAB_SUBNET4.%';
    CREATE TABLE app.w (id BIGINT PRIMARY KEY, ms BIGINT) ENGINE=InnoDB;"
for h in h1 h2 h3; do
	role_start_agent "$h" || { t_fail "setup" "agent on $h"; t_summary; exit 1; }
done
h1_master() { [ "$(dbvip_state h1 vip1)" = MASTER ] && lab_vip_only_on h1 "$ROLE_VIP"; }
t_check "start: h1 master with the VIP" "$(dbvip_field h1 vip1 '{state,fault}' | tr -d '\n')" \
    lab_wait_for "h1 master" 15 h1_master
t_check "start: no role object (role = galera does no role SQL)" "$(dbvip_field h1 vip1 .role)" \
    test "$(dbvip_field h1 vip1 .role)" = null
all_rw() {
	local h
	for h in "$@"; do
		[ "$(lab_sql "$h" 'SELECT @@global.read_only' 2>/dev/null)" = 0 ] || return 1
	done
}
t_check "start: every node writable" "read_only set somewhere" all_rw h1 h2 h3

role_sampler_start
role_writer_start 300
lab_wait_for "200 acks" 10 role_acks_ge 200
T=$(role_now)
role_host_crash h1
galera_new_master() {
	local h
	h=$(role_vip_holder) || return 1
	[ "$h" != h1 ] && [ "$(dbvip_state "$h" vip1)" = MASTER ] &&
	    [ "$(lab_galera_status "$h" wsrep_cluster_status)" = Primary ]
}
if lab_wait_for "a Primary node with the VIP" 20 galera_new_master; then
	NEWP=$(role_vip_holder)
	t_pass "crash: VIP on $NEWP (Primary) $(( $(role_now) - T )) ms after the crash"
else
	t_fail "crash: VIP on a Primary node" "$(lab_who_has_vip "$ROLE_VIP" | tr '\n' ' ')"
	t_summary
	exit 1
fi
if lab_wait_for "acks after the crash" 20 role_acks_after_ge "$T" 50; then
	t_pass "crash: writes acknowledged through $NEWP (outage $(role_outage "$T") ms)"
else
	t_fail "crash: writes through $NEWP" "$(tail -n 3 "$ROLE_WLOG" | tr '\n' ' ')"
fi
role_writer_stop
role_sampler_stop
t_check "crash: survivors still writable (no fencing, no promotion SQL)" "read_only set" all_rw h2 h3
t_check "crash: no agent logged a role step" "$(grep -h 'role:' "${LAB_LOG[h2]}" "${LAB_LOG[h3]}" | head -n 2)" \
    eval '! grep -q "role:" "${LAB_LOG[h2]}" "${LAB_LOG[h3]}"'
LOST=$(role_lost_acks "$NEWP" | wc -l)
t_check "crash: every acknowledged write is on $NEWP ($(role_acks) acks)" "$LOST missing" test "$LOST" = 0
# Galera nodes are all writable by design: only the VIP must be unique.
VB=$(role_sampler_violations | grep '^VIP' || true)
t_check "crash: never two VIP holders ($(role_samples) samples)" "$VB" test -z "$VB"
t_summary
