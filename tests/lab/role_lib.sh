# SPDX-License-Identifier: Apache-2.0
# tests/lab/role_lib.sh: what only the database-role tests (t_role_*.sh,
# t_agent_crash.sh, t_coldstart.sh, t_powercut.sh, bench_role.sh, demo.sh)
# share, on top of lib.sh (source lib.sh first).
#
# A run has three hosts h1..h3 with one mariadbd each (GTID replication,
# semi-sync AFTER_SYNC unless ROLE_ASYNC=1), one dbvipd each with
# role = replication (or galera: ROLE_KIND), and the client namespace
# running the writer and the sampler of lib/load.sh against ROLE_VIP.
# Here: the servers and accounts (role_db_setup), the agents' configs and
# a cold start (role_conf, role_agents_start), what a primary is
# (role_is_primary, role_new_primary, role_vip_holder) and a host crash.
#
# Accounts, with exactly the grants README "Database accounts" lists (the
# check user and repl come from lib.sh's template; these are created on
# the primary and replicated):
#   dbvipadm@localhost  the agents' role account: READ_ONLY ADMIN (to set
#                       read_only), REPLICATION SLAVE ADMIN, SLAVE MONITOR,
#                       BINLOG MONITOR, CONNECTION ADMIN, PROCESS, RELOAD
#                       (RESET SLAVE ALL)
#   app@198.51.100.%    SELECT, INSERT on app.* (the application)

# role_init: the start of every role test: SKIP without dbvipd or
# mariadb-server, then the run (lab_init) and three hosts with the client.
role_init() {
	lab_require dbvipd "${ROLE_NEEDS:-mariadb}"
	lab_init
	lab_topology 3
}

ROLE_VIP=198.51.100.100
ROLE_ADM_PW='Lab-adm.7f3a91'
ROLE_APP_PW='Lab-app.5c2e08'
ROLE_ADV=${ROLE_ADV:-1}
declare -A ROLE_PRIO=([h1]=150 [h2]=120 [h3]=100)
ROLE_SEMI=(--rpl-semi-sync-master-enabled=ON --rpl-semi-sync-slave-enabled=ON
	--rpl-semi-sync-master-wait-point=AFTER_SYNC
	--rpl-semi-sync-master-timeout=5000)

# The mariadbd arguments of every role-test server.
role_db_args() {
	# The clients reach the server on the VIP too.
	printf '%s\n' --bind-address=0.0.0.0
	if [ "${ROLE_ASYNC:-0}" = 1 ]; then
		printf '%s\n' --rpl-semi-sync-master-enabled=OFF
	else
		printf '%s\n' "${ROLE_SEMI[@]}"
	fi
}

# role_db_setup: h1 primary, h2 h3 replicas, accounts, app.w; in sync.
role_db_setup() {
	local args h
	ROLE_DBLOAD=$(role_dbload_bin) || return 1
	mapfile -t args < <(role_db_args)
	lab_db_start h1 --read-only=OFF "${args[@]}" || return 1
	for h in h2 h3; do
		lab_db_start "$h" --read-only=ON "${args[@]}" || return 1
	done
	lab_sql h1 "CREATE USER dbvipadm@localhost IDENTIFIED BY '$ROLE_ADM_PW';
	    GRANT READ_ONLY ADMIN, REPLICATION SLAVE ADMIN, SLAVE MONITOR,
	      BINLOG MONITOR, CONNECTION ADMIN, PROCESS, RELOAD
	      ON *.* TO dbvipadm@localhost;
	    CREATE USER 'app'@'$LAB_SUBNET4.%' IDENTIFIED BY '$ROLE_APP_PW';
	    GRANT SELECT, INSERT ON app.* TO 'app'@'$LAB_SUBNET4.%';
	    CREATE TABLE app.w (id BIGINT PRIMARY KEY, ms BIGINT) ENGINE=InnoDB;" ||
	    return 1
	for h in h2 h3; do
		lab_repl_point "$h" h1 || return 1
	done
	lab_repl_sync h1 h2 h3 || return 1
	ROLE_ADM_PWFILE="$LAB_TMP/adm.pass"
	ROLE_REPL_PWFILE="$LAB_TMP/repl.pass"
	( umask 077; printf '%s\n' "$ROLE_ADM_PW" >"$ROLE_ADM_PWFILE"
	  printf '%s\n' "$LAB_REPL_PW" >"$ROLE_REPL_PWFILE" )
}

# role_conf HOST: HOST's dbvipd config (role = replication, db_peer for all
# three hosts, a ping check that puts the instance in FAULT, one lag band
# unless ROLE_NO_LAG=1).
# ROLE_KIND=galera gives role = galera and a galera check instead.
role_conf() {
	local h=$1 f p
	f=$({
		printf 'role = %s\n' "${ROLE_KIND:-replication}"
		if [ "${ROLE_KIND:-replication}" = replication ]; then
			printf 'admin_user = dbvipadm\nadmin_password_file = %s\n' "$ROLE_ADM_PWFILE"
			printf 'repl_user = repl\nrepl_password_file = %s\n' "$ROLE_REPL_PWFILE"
			printf 'promote_wait = 3\nkill_sessions_on_demote = yes\n'
			printf 'promote_backoff = %s\n' "${ROLE_BACKOFF:-10}"
			for p in h1 h2 h3; do
				printf 'db_peer = %s %s\n' "${LAB_IP4[$p]}" "${LAB_IP4[$p]}"
			done
		fi
		printf '\n[check alive]\ntype = ping\ninterval = 0.5\ntimeout = 0.5\n'
		printf 'rise = 2\nfall = 2\n'
		if [ "${ROLE_KIND:-replication}" = galera ]; then
			printf '\n[check galera]\ntype = galera\ninterval = 0.5\n'
			printf 'timeout = 0.5\nrise = 1\nfall = 1\n'
		elif [ "${ROLE_NO_LAG:-0}" != 1 ]; then
			printf '\n[check lag]\ntype = replication\nmax_lag = 5\n'
			printf 'interval = 0.5\ntimeout = 0.5\nweight = -40\n'
		fi
	} | lab_dbvipd_conf_db "$h") || return 1
	if [ "${ROLE_KIND:-replication}" = galera ]; then
		LAB_APPEND=1 C_PRIO=${ROLE_PRIO[$h]} C_ADV=$ROLE_ADV \
		    C_VIPS="$ROLE_VIP/24" C_EXTRA=$'track = alive\ntrack = galera' \
		    lab_vrrp_conf dbvipd "$h" >/dev/null || return 1
	elif [ "${ROLE_NO_LAG:-0}" = 1 ]; then
		LAB_APPEND=1 C_PRIO=${ROLE_PRIO[$h]} C_ADV=$ROLE_ADV \
		    C_VIPS="$ROLE_VIP/24" C_EXTRA='track = alive' \
		    lab_vrrp_conf dbvipd "$h" >/dev/null || return 1
	else
		LAB_APPEND=1 C_PRIO=${ROLE_PRIO[$h]} C_ADV=$ROLE_ADV \
		    C_VIPS="$ROLE_VIP/24" C_EXTRA=$'track = alive\ntrack = lag' \
		    lab_vrrp_conf dbvipd "$h" >/dev/null || return 1
	fi
	LAB_CONF[$h]=$f
	echo "$f"
}

role_start_agent() {
	local f
	f=$(role_conf "$1") || return 1
	lab_start_dbvipd "$1" "$f"
}

# role_agents_start: the state users have: h1's database is the writable
# primary and no host holds the VIP; the three agents start at once, in
# random order.  h1 must end MASTER with the VIP (its database stays the
# primary: a cold start is not a failover), h2 and h3 BACKUP.  Sets
# ROLE_START_T (dbload ms) to just before the first agent started.
role_agents_start() {
	local h
	ROLE_START_T=$(role_now)
	for h in $(printf '%s\n' h1 h2 h3 | shuf); do
		role_start_agent "$h" || return 1
	done
	lab_wait_for "h1 MASTER and primary" 20 role_is_primary h1 || return 1
	lab_wait_for "h2, h3 BACKUP" 10 role_backups h2 h3
}

role_backups() {
	local h
	for h in "$@"; do
		[ "$(dbvip_state "$h" vip1)" = BACKUP ] || return 1
	done
}

# The agent says MASTER and primary, the server is writable, VIP held.
role_is_primary() {
	[ "$(dbvip_state "$1" vip1)" = MASTER ] &&
	    [ "$(dbvip_field "$1" vip1 .role.state)" = primary ] &&
	    [ "$(lab_sql "$1" "SELECT @@global.read_only" 2>/dev/null)" = 0 ] &&
	    lab_vip_only_on "$1" "$ROLE_VIP"
}

# HOST replicates from SRC: Master_Host, both threads running.
role_replicates_from() {
	[ "$(lab_repl_field "$1" Master_Host)" = "${LAB_IP4[$2]}" ] &&
	    lab_repl_running "$1"
}

role_state_is() { [ "$(dbvip_field "$1" vip1 .role.state 2>/dev/null)" = "$2" ]; }

# role_host_crash HOST: the whole host dies at once: link down, agent and
# mariadbd killed, its addresses gone (a crashed host answers nothing).
role_host_crash() {
	local h=$1
	lab_link_down "$h"
	lab_crash_agent "$h" nowait
	LAB_DB_KILL_NOWAIT=1 lab_db_kill "$h"
	lab_exec "$h" ip addr del "$ROLE_VIP/24" dev "$LAB_IF" 2>/dev/null
	lab_wait_exit "${LAB_AGENT[$h]}" 5
	lab_wait_exit "${LAB_MYPID[$h]}" 10
}

# The host among ARGS that holds the VIP alone, or nothing.
role_vip_holder() {
	local h
	h=$(lab_who_has_vip "$ROLE_VIP" | tr '\n' ' ')
	case $h in
	*" "?*" ") return 1 ;;
	?*) echo "${h% }" ;;
	*) return 1 ;;
	esac
}

role_new_primary() {
	local h
	h=$(role_vip_holder) || return 1
	[ "$h" != "$1" ] && role_is_primary "$h"
}

# role_start_all ACKS [nosampler]: the usual start of a role test: the
# servers and accounts, the agents' cold start, the sampler (unless
# "nosampler") and the writer, until ACKS writes are acknowledged.  On
# failure: a FAIL line, the summary, exit 1.
role_start_all() {
	local acks=$1
	if ! role_db_setup || ! role_agents_start; then
		t_fail "setup" "did not start"
		t_summary
		exit 1
	fi
	if [ "${2:-}" != nosampler ] && ! role_sampler_start; then
		t_fail "setup: sampler" "no sample: $(head -c 300 "$ROLE_SLOG")"
		t_summary
		exit 1
	fi
	if ! role_writer_start 300 ||
	    ! lab_wait_for "$acks acks" 10 role_acks_ge "$acks"; then
		t_fail "setup: writer" "fewer than $acks acknowledged writes: $(role_acks)"
		t_summary
		exit 1
	fi
}
