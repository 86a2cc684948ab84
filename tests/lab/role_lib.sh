# tests/lab/role_lib.sh: helpers of the database-role tests (t_role_*.sh,
# bench_role.sh), on top of lib.sh (source lib.sh first).
#
# A run has three hosts h1..h3 with one mariadbd each (GTID replication,
# semi-sync AFTER_SYNC unless ROLE_ASYNC=1), one dbvipd each with
# role = replication, and the client namespace running
#   the writer   dbload writer through the VIP as the application user
#                (no READ ONLY ADMIN): numbered autocommit inserts every
#                10 ms, 1 s timeouts, reconnect on error; acks logged
#   the sampler  dbload sampler: every 50 ms, for each host, read_only and
#                whether it holds the VIP
#
# Accounts, with exactly the grants README "Database accounts" lists (the
# check user and repl come from lib.sh's template; these are created on
# the primary and replicated):
#   dbvipadm@localhost  the agents' role account: READ_ONLY ADMIN (to set
#                       read_only), REPLICATION SLAVE ADMIN, SLAVE MONITOR,
#                       BINLOG MONITOR, CONNECTION ADMIN, PROCESS, RELOAD
#                       (RESET SLAVE ALL)
#   app@198.51.100.%    SELECT, INSERT on app.* (the application)

ROLE_VIP=198.51.100.100
ROLE_ADM_PW='Lab-adm.7f3a91'
ROLE_APP_PW='Lab-app.5c2e08'
ROLE_ADV=${ROLE_ADV:-1}
declare -A ROLE_PRIO=([h1]=150 [h2]=120 [h3]=100)
ROLE_SEMI=(--rpl-semi-sync-master-enabled=ON --rpl-semi-sync-slave-enabled=ON
	--rpl-semi-sync-master-wait-point=AFTER_SYNC
	--rpl-semi-sync-master-timeout=5000)

role_dbload_bin() {
	if [ ! -x "$LAB_TMP/dbload" ]; then
		# shellcheck disable=SC2046 # pkg-config output is word-split
		${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror \
		    $(pkg-config --cflags libmariadb) -o "$LAB_TMP/dbload" \
		    "$LAB_DIR/dbload.c" $(pkg-config --libs libmariadb) \
		    -lpthread || return 1
	fi
	echo "$LAB_TMP/dbload"
}

role_now() { "$ROLE_DBLOAD" now; }

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

role_writer_start() {
	local secs=${1:-120}
	ROLE_WLOG="$LAB_TMP/writer.$(role_now).log"
	ip netns exec "$(lab_ns "$LAB_CLIENT")" "$ROLE_DBLOAD" writer \
	    "$ROLE_VIP" "$LAB_DB_PORT" app "$ROLE_APP_PW" "$secs" \
	    >"$ROLE_WLOG" 2>&1 &
	ROLE_WPID=$!
	lab_own "$ROLE_WPID"
	lab_wait_for "first acknowledged write" 10 grep -q '^ack ' "$ROLE_WLOG"
}

role_writer_stop() {
	lab_kill "$ROLE_WPID" TERM
	lab_wait_exit "$ROLE_WPID" 5
}

role_sampler_start() {
	local h specs=()
	ROLE_SLOG="$LAB_TMP/sampler.$(role_now).log"
	for h in h1 h2 h3; do
		specs+=("$h:$(lab_ns "$h"):${LAB_MYSOCK[$h]}")
	done
	"$ROLE_DBLOAD" sampler 50 "$ROLE_VIP" "${specs[@]}" >"$ROLE_SLOG" 2>&1 &
	ROLE_SPID=$!
	lab_own "$ROLE_SPID"
	lab_wait_for "sampler" 5 grep -q . "$ROLE_SLOG"
}

role_sampler_stop() {
	lab_kill "$ROLE_SPID" TERM
	lab_wait_exit "$ROLE_SPID" 5
}

# Two hosts writable, or holding the VIP, at the same time, by the
# sampler's evidence.  A run of consecutive "w" samples of one host proves
# it writable from the first sample's answer to the last one's question
# (the state is monotone between them); a single "w" sample proves it at
# one instant of its round trip, taken as its answer time.  Likewise runs
# of "v" samples for the VIP.  Any overlap of two hosts' proven intervals
# is printed (at most 5 lines) and fails.  FROM and TO (ms, optional)
# keep only samples taken in [FROM, TO).
role_sampler_violations() {
	local from=${1:-0} to=${2:-9999999999999} out
	out=$(sort -k2,2n "$ROLE_SLOG" | awk -v from="$from" -v to="$to" '
	# Writable: [first answer, last question] of a run, or the answer
	# of a single sample; VIP: [first question, last question].
	function close_run(h, k,   a, b) {
		if (n[h, k] == 0) return
		if (k == "v") { a = firstq[h, k]; b = lastq[h, k] }
		else if (n[h, k] == 1) { a = first[h, k]; b = a }
		else { a = first[h, k]; b = lastq[h, k] }
		iv[k, ++cnt[k]] = a " " b " " h
		n[h, k] = 0
	}
	function sample(h, k, on, q, r) {
		if (on) {
			if (n[h, k] == 0) { first[h, k] = r; firstq[h, k] = q }
			n[h, k]++; last[h, k] = r; lastq[h, k] = q
		} else close_run(h, k)
	}
	$2 >= from && $2 < to {
		taken++
		sample($1, "w", $4 == "w", $2, $3)
		sample($1, "v", $5 == "v", $2, $3)
		hosts[$1] = 1
	}
	END {
		if (taken == 0) { print "the sampler took no sample"; exit }
		for (h in hosts) { close_run(h, "w"); close_run(h, "v") }
		split("w v", ks, " ")
		for (x = 1; x <= 2; x++) {
			k = ks[x]
			for (i = 1; i <= cnt[k]; i++) for (j = i + 1; j <= cnt[k]; j++) {
				split(iv[k, i], p, " "); split(iv[k, j], q, " ")
				if (p[3] != q[3] && p[1] <= q[2] && q[1] <= p[2])
					printf "%s: %s [%d,%d] and %s [%d,%d]\n", k == "w" ? "writable" : "VIP", p[3], p[1], p[2], q[3], q[1], q[2]
			}
		}
	}' | head -n 5)
	[ -z "$out" ] && return 0
	echo "$out"
	return 1
}

role_samples() { wc -l <"$ROLE_SLOG"; }

# Acknowledged ids missing on HOST (one per line).
role_lost_acks() {
	lab_sql "$1" "SELECT id FROM app.w" | sort -n >"$LAB_TMP/present"
	awk '$1 == "ack" { print $2 }' "$ROLE_WLOG" | sort -n >"$LAB_TMP/acked"
	comm -23 "$LAB_TMP/acked" "$LAB_TMP/present"
}

role_acks() { grep -c '^ack ' "$ROLE_WLOG"; }

# For lab_wait_for (which runs its command again and again).
role_acks_ge() { [ "$(role_acks)" -ge "$1" ]; }
role_acks_after_ge() { [ "$(role_acks_after "$1")" -ge "$2" ]; }
role_state_is() { [ "$(dbvip_field "$1" vip1 .role.state 2>/dev/null)" = "$2" ]; }

# Client write outage around fault time T (dbload ms): the longest time
# between two consecutive acknowledged writes from 2 s before T on (an
# insert in flight at T may still be acknowledged just after it).
role_outage() {
	awk -v t="$1" '$1 == "ack" && $3 >= t - 2000 {
		if (p != "" && $3 - p > g) g = $3 - p; p = $3 }
	END { print g + 0 }' "$ROLE_WLOG"
}

role_acks_after() {
	awk -v t="$1" '$1 == "ack" && $3 > t { n++ } END { print n + 0 }' "$ROLE_WLOG"
}

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
