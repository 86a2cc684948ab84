# SPDX-License-Identifier: Apache-2.0
# tests/lab/lib/db.sh: MariaDB.  One private mariadbd per host namespace
# from a template datadir (the accounts below), SQL as root over the
# socket, start/stop/kill/freeze of a server, GTID replication sets,
# Galera clusters, and the checkrun driver (tests/lab/checkrun.c: the
# checks/ modules run once against a server, one RESULT line a run).
# Sourced by tests/lab/lib.sh.

# One private mariadbd per host namespace, from a template datadir built
# once per run (mariadb-install-db, then users through mariadbd
# --bootstrap) and copied per host.  Each server runs as user mysql
# (mariadbd --user=mysql), listens on the host's lab address (port 3306)
# and on a unix socket in $LAB_TMP/db/HOST/, and is stopped by its PID by
# the EXIT trap like every other process of the run.  Root reaches it
# over the socket (unix_socket authentication); the agents use the check
# user below over the socket too.
#
# Exactly the grants README "Database accounts" documents:
#   dbvip@localhost   the agents' check user: SLAVE MONITOR on *.*;
#                     CREATE, INSERT, UPDATE on dbvip.*.  No READ ONLY
#                     ADMIN, so read_only binds it.  Password in
#                     $LAB_TMP/db.pass (0600).
#   repl@198.51.100.% REPLICATION SLAVE, SLAVE MONITOR: the replicas, and
#                     the agents' questions to their peers.

LAB_DB_USER=dbvip
LAB_DB_PW='Lab-chk.4e21b7'	# test-only passwords, lab namespaces only
LAB_REPL_PW='Lab-repl.93c0d5'
LAB_DB_PORT=3306
declare -A LAB_MYPID=()		# host name -> mariadbd PID
declare -A LAB_MYSOCK=()	# host name -> mariadbd unix socket
declare -A LAB_MYARGS=()	# host name -> extra mariadbd args of its last start

# Does this machine have what the MariaDB helpers need?
lab_have_mariadb() {
	local p
	for p in mariadbd mariadb-install-db mariadb mariadb-admin; do
		command -v "$p" >/dev/null || return 1
	done
	id mysql >/dev/null 2>&1
}

lab_have_galera() {
	lab_have_mariadb && [ -f /usr/lib/galera/libgalera_smm.so ] &&
	    command -v rsync >/dev/null
}

# Settings every lab server shares: small and fast (the smallest buffer
# pool; start to SELECT 1 in about 0.2 s, about 55 MB each; survives
# kill -9, not power loss).
LAB_MY_BASE=(--no-defaults --user=mysql --innodb-buffer-pool-size=6M
	--innodb-log-file-size=8M --performance-schema=OFF
	--max-connections=50 --innodb-flush-log-at-trx-commit=2
	--sync-binlog=0 --skip-name-resolve)

# lab_db_template: build $LAB_TMP/db/template once per run, and the check
# user's password file $LAB_TMP/db.pass (0600).  The directory chain is
# made traversable for mysql.
lab_db_template() {
	local d="$LAB_TMP/db" t="$LAB_TMP/db/template"
	[ -d "$t/data/mysql" ] && return 0
	chmod 711 "$LAB_TMP"
	mkdir -p "$t"
	chown mysql: "$d" "$t"
	( umask 077; printf '%s\n' "$LAB_DB_PW" >"$LAB_TMP/db.pass" )
	if ! mariadb-install-db "${LAB_MY_BASE[@]}" --datadir="$t/data" \
	    --skip-test-db --auth-root-authentication-method=socket \
	    >"$t/install.log" 2>&1; then
		lab_log "mariadb-install-db: $(tail -n 5 "$t/install.log")"
		return 1
	fi
	if ! mariadbd "${LAB_MY_BASE[@]}" --datadir="$t/data" --bootstrap \
	    --log-error="$t/bootstrap.err" >"$t/bootstrap.log" 2>&1 <<-EOF
	FLUSH PRIVILEGES;
	CREATE DATABASE dbvip;
	CREATE DATABASE app;
	CREATE TABLE app.t (id INT PRIMARY KEY, v INT) ENGINE=InnoDB;
	CREATE USER '$LAB_DB_USER'@'localhost' IDENTIFIED BY '$LAB_DB_PW';
	GRANT SLAVE MONITOR ON *.* TO '$LAB_DB_USER'@'localhost';
	GRANT CREATE, INSERT, UPDATE ON dbvip.* TO '$LAB_DB_USER'@'localhost';
	CREATE USER 'repl'@'$LAB_SUBNET4.%' IDENTIFIED BY '$LAB_REPL_PW';
	GRANT REPLICATION SLAVE, SLAVE MONITOR ON *.* TO 'repl'@'$LAB_SUBNET4.%';
	EOF
	then
		lab_log "mariadbd --bootstrap: $(tail -n 5 "$t/bootstrap.err" "$t/bootstrap.log")"
		return 1
	fi
}

# lab_sql HOST SQL: run SQL as root over HOST's socket; rows tab-separated,
# no headers.  (A unix socket is not tied to a namespace.)
lab_sql() {
	mariadb --no-defaults -uroot -S "${LAB_MYSOCK[$1]}" -N -B \
	    --connect-timeout=2 -e "$2"
}

# lab_sql_vertical HOST SQL: the same, one "Column: value" per line (\G),
# e.g. for SHOW SLAVE STATUS.
lab_sql_vertical() {
	mariadb --no-defaults -uroot -S "${LAB_MYSOCK[$1]}" -B \
	    --connect-timeout=2 -e "$2\G"
}

# lab_repl_field REPLICA COLUMN: one column of SHOW SLAVE STATUS.
lab_repl_field() {
	lab_sql_vertical "$1" "SHOW SLAVE STATUS" 2>/dev/null |
	    sed -n "s/^ *$2: //p"
}

# lab_db_dir HOST: HOST's database directory (datadir, socket, logs).
lab_db_dir() { echo "$LAB_TMP/db/$1"; }

# lab_db_create HOST: a fresh datadir for HOST, copied from the template.
lab_db_create() {
	local d
	d=$(lab_db_dir "$1")
	lab_db_template || return 1
	rm -rf "$d"
	mkdir -p "$d"
	cp -a "$LAB_TMP/db/template/data" "$d/data" || return 1
	chown mysql: "$d"
	LAB_MYSOCK[$1]="$d/my.sock"
}

# lab_db_up HOST: HOST's server answers SELECT 1 (as root, over the socket).
lab_db_up() { lab_sql "$1" "SELECT 1" >/dev/null 2>&1; }

# lab_db_start HOST [ARGS...]: start mariadbd in HOST's namespace with the
# base settings, server_id = last octet of HOST's address, a binary log
# (log_slave_updates, gtid_strict_mode) and ARGS; waits (bounded) until it
# answers unless LAB_DB_NOWAIT=1 (Galera joiners).  Creates the datadir if
# there is none.  The args are remembered for lab_db_restart.
lab_db_start() {
	local h=$1 d pid ip id
	shift
	d=$(lab_db_dir "$h")
	[ -d "$d/data" ] || lab_db_create "$h" || return 1
	LAB_MYSOCK[$h]="$d/my.sock"
	LAB_MYARGS[$h]="$*"
	ip=${LAB_IP4[$h]}
	id=${ip##*.}
	# `ip netns exec` execs and mariadbd switches to mysql itself, so $!
	# is the server's own PID.
	ip netns exec "$(lab_ns "$h")" mariadbd "${LAB_MY_BASE[@]}" \
	    --datadir="$d/data" --socket="$d/my.sock" --pid-file="$d/my.pid" \
	    --log-error="$d/err.log" --bind-address="$ip" --port="$LAB_DB_PORT" \
	    --report-host="$ip" --server-id="$id" --log-bin="$d/data/bin" \
	    --log-slave-updates --gtid-strict-mode=ON --skip-slave-start \
	    "$@" >>"$d/stdout.log" 2>&1 &
	pid=$!
	lab_own "$pid"
	LAB_MYPID[$h]=$pid
	[ "${LAB_DB_NOWAIT:-0}" = 1 ] && return 0
	if ! lab_wait_for "mariadbd on $h to answer" 30 lab_db_up_or_dead "$h" ||
	    ! lab_db_up "$h"; then
		lab_log "mariadbd on $h: $(tail -n 8 "$d/err.log")"
		return 1
	fi
}

# Up, or (so that a failed start does not wait the whole deadline) dead.
lab_db_up_or_dead() { lab_db_up "$1" || ! lab_alive "${LAB_MYPID[$1]}"; }

# lab_db_restart HOST: start HOST's server again with the args it had.
lab_db_restart() {
	# shellcheck disable=SC2086 # the args were recorded word by word
	lab_db_start "$1" ${LAB_MYARGS[$1]}
}

# lab_db_kill HOST: kill -9 HOST's mariadbd (a crash of the database only)
# and wait for it to be gone.  LAB_DB_KILL_NOWAIT=1 returns at once.
lab_db_kill() {
	local pid=${LAB_MYPID[$1]:-}
	[ -n "$pid" ] || return 1
	lab_kill "$pid" KILL || return 1
	[ "${LAB_DB_KILL_NOWAIT:-0}" = 1 ] && return 0
	lab_wait_exit "$pid" 10
}

# lab_db_stop HOST: a clean shutdown (SIGTERM), waited for.
lab_db_stop() {
	local pid=${LAB_MYPID[$1]:-}
	[ -n "$pid" ] || return 1
	lab_kill "$pid" TERM || return 1
	lab_wait_exit "$pid" 30
}

# lab_db_freeze HOST / lab_db_thaw HOST: SIGSTOP / SIGCONT HOST's mariadbd
# (a hung server: connections are accepted by the kernel, nothing answers).
lab_db_freeze() { lab_kill "${LAB_MYPID[$1]}" STOP; }
lab_db_thaw() { lab_kill "${LAB_MYPID[$1]}" CONT; }

# ------------------------------------------------ GTID replication set

# lab_repl_start PRIMARY REPLICA...: start PRIMARY read-write and each
# REPLICA read_only, point the replicas at PRIMARY's lab address with
# MASTER_USE_GTID=slave_pos, START SLAVE, and wait until every replica
# has applied a row written on the primary.
lab_repl_start() {
	local prim=$1 r
	shift
	lab_db_start "$prim" --read-only=OFF || return 1
	for r in "$@"; do
		lab_db_start "$r" --read-only=ON || return 1
	done
	for r in "$@"; do
		lab_repl_point "$r" "$prim" || return 1
	done
	lab_repl_sync "$prim" "$@"
}

# lab_repl_point REPLICA PRIMARY: CHANGE MASTER TO PRIMARY; START SLAVE.
lab_repl_point() {
	lab_sql "$1" "STOP SLAVE;
	    CHANGE MASTER TO MASTER_HOST='${LAB_IP4[$2]}',
	      MASTER_PORT=$LAB_DB_PORT, MASTER_USER='repl',
	      MASTER_PASSWORD='$LAB_REPL_PW', MASTER_USE_GTID=slave_pos,
	      MASTER_CONNECT_RETRY=1;
	    START SLAVE;"
}

# lab_repl_running REPLICA: both replication threads say Yes.
lab_repl_running() {
	local st
	st=$(lab_sql_vertical "$1" "SHOW SLAVE STATUS" 2>/dev/null) || return 1
	grep -q 'Slave_IO_Running: Yes' <<<"$st" &&
	    grep -q 'Slave_SQL_Running: Yes' <<<"$st"
}

# lab_repl_sync PRIMARY REPLICA...: write a marker row on PRIMARY and wait
# (bounded) until each REPLICA has it: replication works end to end.
lab_repl_sync() {
	local prim=$1 r mark
	shift
	mark=$(( $(lab_now_ms) % 1000000000 ))
	lab_sql "$prim" "REPLACE INTO app.t VALUES (1, $mark)" || return 1
	for r in "$@"; do
		lab_wait_for "$r replicating from $prim" 20 lab_repl_has "$r" "$mark" ||
		    { lab_log "$r: $(lab_sql_vertical "$r" "SHOW SLAVE STATUS" 2>&1 |
		    grep -E 'Running:|Last_.*Error:' | tr -s ' ' | tr '\n' ' ')"; return 1; }
	done
}
lab_repl_has() {
	[ "$(lab_sql "$1" "SELECT v FROM app.t WHERE id = 1" 2>/dev/null)" = "$2" ] &&
	    lab_repl_running "$1"
}

# ------------------------------------------------ Galera

# Galera options for HOST in a cluster of the given hosts: faster evs
# timeouts (a lost node is noticed in about 2-3.5 s; PT1S/PT2S was too
# aggressive on a loaded machine), a small gcache, rsync SST on the lab
# addresses.
lab_galera_args() {
	local h=$1 m addrs="" ip=${LAB_IP4[$1]}
	shift
	for m in "$@"; do addrs+="${addrs:+,}${LAB_IP4[$m]}"; done
	printf '%s\n' --wsrep-on=ON --wsrep-provider=/usr/lib/galera/libgalera_smm.so \
	    "--wsrep-cluster-address=gcomm://$addrs" --wsrep-cluster-name="$P" \
	    --wsrep-node-address="$ip" --wsrep-node-name="$h" \
	    --wsrep-sst-method=rsync --wsrep-sst-receive-address="$ip" \
	    "--wsrep-provider-options=gmcast.listen_addr=tcp://$ip:4567;ist.recv_addr=$ip;gcache.size=16M;evs.suspect_timeout=PT2S;evs.inactive_timeout=PT5S;evs.install_timeout=PT5S;evs.keepalive_period=PT0.5S;evs.inactive_check_period=PT0.5S" \
	    --binlog-format=ROW --default-storage-engine=InnoDB \
	    --innodb-autoinc-lock-mode=2
}

# lab_galera_status HOST VAR: one wsrep status variable (e.g.
# wsrep_cluster_status) of HOST, or nothing.
lab_galera_status() {
	lab_sql "$1" "SHOW GLOBAL STATUS LIKE '$2'" 2>/dev/null | cut -f2
}

# lab_galera_synced HOST SIZE: HOST is Primary, Synced, ready, in a
# cluster of SIZE.
lab_galera_synced() {
	[ "$(lab_galera_status "$1" wsrep_cluster_status)" = Primary ] &&
	    [ "$(lab_galera_status "$1" wsrep_local_state)" = 4 ] &&
	    [ "$(lab_galera_status "$1" wsrep_ready)" = ON ] &&
	    [ "$(lab_galera_status "$1" wsrep_cluster_size)" = "$2" ]
}

lab_galera_all_synced() {
	local n=$1 h
	shift
	for h in "$@"; do lab_galera_synced "$h" "$n" || return 1; done
}

# lab_galera_start HOST...: a Galera cluster of the given hosts: the first
# bootstraps it (--wsrep-new-cluster), the others join (rsync SST) one
# after the other; waits (bounded) until all are Primary/Synced.  Galera
# runs as mysql (the rsync SST fails as root); mariadbd --user does that.
lab_galera_start() {
	local first=$1 h args
	mapfile -t args < <(lab_galera_args "$first" "$@")
	lab_db_start "$first" "${args[@]}" --wsrep-new-cluster || return 1
	lab_wait_for "$first Primary/Synced" 20 lab_galera_synced "$first" 1 ||
	    return 1
	for h in "${@:2}"; do
		mapfile -t args < <(lab_galera_args "$h" "$@")
		LAB_DB_NOWAIT=1 lab_db_start "$h" "${args[@]}" || return 1
	done
	if ! lab_wait_for "Galera cluster of $# synced" 60 \
	    lab_galera_all_synced "$#" "$@"; then
		for h in "$@"; do
			lab_log "$h: $(tail -n 4 "$(lab_db_dir "$h")/err.log" | tr '\n' ' ')"
		done
		return 1
	fi
}


# ------------------------------------------------ checkrun

# lab_checkrun_bin: build tests/lab/checkrun.c with checks/*.c once per run
# (CHECKRUN_CFLAGS overrides its -O2 -g, e.g. to add sanitizers) and print
# its path.  It runs the checks against a server and prints one line
#   RESULT run=N ok=0|1 errno=E latency_ms=L ... msg=TEXT
# per run.
lab_checkrun_bin() {
	local bin="$LAB_TMP/checkrun"
	if [ ! -x "$bin" ]; then
		# shellcheck disable=SC2046,SC2086 # flags are word-split
		gcc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow \
		    -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith \
		    -Wformat=2 -Werror ${CHECKRUN_CFLAGS:--O2 -g} -o "$bin" \
		    "$LAB_DIR/checkrun.c" "$LAB_REPO"/checks/*.c \
		    "$LAB_REPO"/agent/core/loop.c "$LAB_REPO"/agent/core/clock.c \
		    "$LAB_REPO"/agent/core/log.c \
		    $(pkg-config --cflags --libs libmariadb) >&2 || return 1
	fi
	echo "$bin"
}

# lab_field NAME LINE: the value of NAME= in a checkrun RESULT line ("msg"
# is the rest of the line).
lab_field() {
	if [ "$1" = msg ]; then
		sed -n 's/.* msg=//p' <<<"$2"
	else
		sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p" <<<"$2"
	fi
}
