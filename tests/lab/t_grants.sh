#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t_grants: `dbvipd -t` against a real mariadbd checks the accounts' grants,
# and the TCP connections that leave the host refuse a clear-text password
# plugin and speak TLS when told to.
#
#   exact            accounts with exactly the README's grants: exit 0, no
#                    error or warning about them
#   drop: ACCT PRIV  each grant revoked in turn: exit 1, the error names the
#                    account and the privilege (12 checks)
#   check_excess     the check user with READ ONLY ADMIN: exit 0, a warning
#                    naming it
#   unreachable      a db_peer nobody answers on: a warning naming it, exit 0
#   clear_password   a fake peer that switches to mysql_clear_password: the
#                    connection fails with 5010 (error in -t) and the fake
#                    peer never receives the password (needs python3)
#   tls_required     the server requires TLS (require_secure_transport) and
#                    ssl = no: -t fails naming the repl connection (10.11
#                    answers a clear-text TCP login there with 1045, access
#                    denied; tls_ok shows the password itself is right)
#   tls_ok           ssl = yes with the lab CA (server cert with an IP
#                    subjectAltName, verified): exit 0
#   tls_wrong_ca     ssl = yes trusting another CA: the connection is refused
#                    (2026), exit 1
#
# The repl user is checked over TCP with the options of the peers'
# freshness connections (role_conn.c rconn_open_peer: the same check_db
# TLS fields, the same mdb connect path).
set -u
. "$(dirname "$0")/lib.sh"

lab_require mariadb dbvipd
lab_init
lab_topology 2

H1=${LAB_IP4[h1]}
CHK_PW='Lab-grchk.51c2'	# test-only passwords, lab namespaces only
ADM_PW='Lab-gradm.7e90'
RPL_PW='Lab-grrpl.2b4d'

lab_db_start h1 || lab_die "mariadbd on h1 did not start"
# Exactly the README "Database accounts" grants.
lab_sql h1 "CREATE USER chk@localhost IDENTIFIED BY '$CHK_PW';
    GRANT SLAVE MONITOR ON *.* TO chk@localhost;
    GRANT CREATE, INSERT, UPDATE ON dbvip.* TO chk@localhost;
    CREATE USER adm@localhost IDENTIFIED BY '$ADM_PW';
    GRANT READ_ONLY ADMIN, REPLICATION SLAVE ADMIN, SLAVE MONITOR,
      BINLOG MONITOR, CONNECTION ADMIN, PROCESS, RELOAD ON *.* TO adm@localhost;
    CREATE USER 'rpl'@'$LAB_SUBNET4.%' IDENTIFIED BY '$RPL_PW';
    GRANT REPLICATION SLAVE, SLAVE MONITOR ON *.* TO 'rpl'@'$LAB_SUBNET4.%';" ||
    lab_die "cannot create the accounts"
( umask 077
  printf '%s\n' "$CHK_PW" >"$LAB_TMP/chk.pass"
  printf '%s\n' "$ADM_PW" >"$LAB_TMP/adm.pass"
  printf '%s\n' "$RPL_PW" >"$LAB_TMP/rpl.pass" )

# conf [EXTRA_MARIADB_LINES] [EXTRA_DB_PEER]: h1's config (role =
# replication, db_peer = h1 itself), written to $LAB_TMP/g.conf.
conf() {
	{
		printf '[instance vip1]\ninterface = %s\nvrid = 51\n' "$LAB_IF"
		printf 'vip = 198.51.100.100/24\ntrack = lag\ntrack = beat\n\n'
		printf '[mariadb]\nsocket = %s\nuser = chk\n' "${LAB_MYSOCK[h1]}"
		printf 'password_file = %s\nconnect_timeout = 1\n' "$LAB_TMP/chk.pass"
		printf 'role = replication\nadmin_user = adm\n'
		printf 'admin_password_file = %s\nrepl_user = rpl\n' "$LAB_TMP/adm.pass"
		printf 'repl_password_file = %s\n' "$LAB_TMP/rpl.pass"
		printf 'db_peer = %s %s\n' "$H1" "$H1"
		[ -n "${2:-}" ] && printf 'db_peer = %s\n' "$2"
		[ -n "${1:-}" ] && printf '%s\n' "$1"
		printf '\n[check lag]\ntype = replication\nweight = -20\n'
		printf '\n[check beat]\ntype = write\n'
	} >"$LAB_TMP/g.conf"
}

# lint: run dbvipd -t in h1's namespace; output in $OUT, status in $RC.
lint() {
	OUT=$(lab_exec h1 "$DBVIPD" -t -f "$LAB_TMP/g.conf" 2>&1)
	RC=$?
}

conf
lint
if [ "$RC" = 0 ] && ! grep -qE '^(error|warning):' <<<"$OUT"; then
	t_pass exact
else
	t_fail exact "rc $RC: $(tr '\n' ' ' <<<"$OUT")"
fi

# drop ACCOUNT PRIV ON: revoke, lint, grant back.
drop() {
	local acct=$1 priv=$2 on=$3 who=$4 shown=${5:-$2}
	lab_sql h1 "REVOKE $priv ON $on FROM $acct" ||
	    { t_fail "drop: $who $priv" "REVOKE failed"; return; }
	lint
	lab_sql h1 "GRANT $priv ON $on TO $acct" || lab_die "GRANT back failed"
	if [ "$RC" = 1 ] &&
	    grep -q "^error: $who .*missing .*$shown" <<<"$OUT"; then
		t_pass "drop: $who $priv"
	else
		t_fail "drop: $who $priv" "rc $RC: $(tr '\n' ' ' <<<"$OUT")"
	fi
}
drop chk@localhost "SLAVE MONITOR" '*.*' "check user chk"
for p in CREATE INSERT UPDATE; do
	drop chk@localhost "$p" 'dbvip.*' "check user chk"
done
for p in "READ_ONLY ADMIN" "REPLICATION SLAVE ADMIN" "SLAVE MONITOR" \
    "BINLOG MONITOR" "CONNECTION ADMIN" PROCESS RELOAD; do
	drop adm@localhost "$p" '*.*' "admin user adm"
done
drop "'rpl'@'$LAB_SUBNET4.%'" "REPLICATION SLAVE" '*.*' "repl user rpl"
drop "'rpl'@'$LAB_SUBNET4.%'" "SLAVE MONITOR" '*.*' "repl user rpl"

lab_sql h1 "GRANT READ ONLY ADMIN ON *.* TO chk@localhost" ||
    lab_die "GRANT failed"
lint
lab_sql h1 "REVOKE READ ONLY ADMIN ON *.* FROM chk@localhost"
if [ "$RC" = 0 ] &&
    grep -q '^warning: check user chk holds READ_ONLY ADMIN' <<<"$OUT"; then
	t_pass check_excess
else
	t_fail check_excess "rc $RC: $(tr '\n' ' ' <<<"$OUT")"
fi

conf "" "198.51.100.99 198.51.100.99"
lint
if [ "$RC" = 0 ] &&
    grep -q '^warning: repl user rpl on 198.51.100.99:3306: cannot check' <<<"$OUT"; then
	t_pass unreachable
else
	t_fail unreachable "rc $RC: $(tr '\n' ' ' <<<"$OUT")"
fi

# --- a peer that asks for the password in clear ---------------------------
# A fake server on h2: handshake offering mysql_native_password, then an
# auth switch to mysql_clear_password; it writes whatever it receives.
fake_peer() {
	cat >"$LAB_TMP/fake.py" <<-'EOF'
	import os, socket, struct, sys
	def pkt(seq, body):
	    return struct.pack('<I', len(body))[:3] + bytes([seq]) + body
	s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	s.bind((sys.argv[1], 3306)); s.listen(1); s.settimeout(20)
	open(sys.argv[2] + '.ready', 'w').close()
	c, _ = s.accept(); c.settimeout(3)
	caps = 0x0200 | 0x2000 | 0x8000 | 0x00080000
	scr = b'abcdefgh' + b'ijklmnopqrst'
	hs = (b'\x0a' + b'5.5.5-10.11.19-MariaDB\x00' + struct.pack('<I', 7) +
	      scr[:8] + b'\x00' + struct.pack('<H', caps & 0xffff) + b'\x21' +
	      struct.pack('<H', 2) + struct.pack('<H', caps >> 16) + b'\x15' +
	      b'\x00' * 10 + scr[8:] + b'\x00' + b'mysql_native_password\x00')
	c.sendall(pkt(0, hs))
	got = b''
	try:
	    got += c.recv(4096)
	    c.sendall(pkt(2, b'\xfemysql_clear_password\x00'))
	    while True:
	        d = c.recv(4096)
	        if not d:
	            break
	        got += d
	except OSError:
	    pass
	open(sys.argv[2], 'wb').write(got)
	EOF
	lab_exec h2 python3 "$LAB_TMP/fake.py" "${LAB_IP4[h2]}" "$LAB_TMP/fake.got" \
	    >"$LAB_TMP/fake.log" 2>&1 &
	FAKE=$!
	lab_own "$FAKE"
}
if command -v python3 >/dev/null; then
	fake_peer
	if lab_wait_for "fake peer listening" 10 test -e "$LAB_TMP/fake.got.ready"; then
		conf "" "${LAB_IP4[h2]} ${LAB_IP4[h2]}"
		lint
		lab_wait_for "fake peer done" 10 test -e "$LAB_TMP/fake.got"
		if [ "$RC" = 1 ] && [ -s "$LAB_TMP/fake.got" ] &&
		    grep -q "^error: repl user rpl on ${LAB_IP4[h2]}:3306: .*(error 5010)" <<<"$OUT" &&
		    ! grep -qF "$RPL_PW" "$LAB_TMP/fake.got"; then
			t_pass clear_password
		else
			t_fail clear_password "rc $RC, got $(wc -c <"$LAB_TMP/fake.got" 2>/dev/null) bytes$(grep -qF "$RPL_PW" "$LAB_TMP/fake.got" 2>/dev/null && echo ' WITH THE PASSWORD'): $(tr '\n' ' ' <<<"$OUT")"
		fi
	else
		t_fail clear_password "fake peer did not start: $(cat "$LAB_TMP/fake.log")"
	fi
else
	t_skip clear_password "no python3"
fi

# --- TLS -------------------------------------------------------------------
# A lab CA, a server certificate for h1's address, and a second CA.
TLS=$LAB_TMP/tls
mkdir -p "$TLS"
tls_make() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=lab ca" \
	    -keyout "$TLS/ca.key" -out "$TLS/ca.pem" &&
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=other ca" \
	    -keyout "$TLS/other.key" -out "$TLS/other.pem" &&
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$H1" \
	    -keyout "$TLS/server.key" -out "$TLS/server.csr" &&
	printf 'subjectAltName = IP:%s\n' "$H1" >"$TLS/ext.cnf" &&
	openssl x509 -req -in "$TLS/server.csr" -CA "$TLS/ca.pem" \
	    -CAkey "$TLS/ca.key" -CAcreateserial -days 2 \
	    -extfile "$TLS/ext.cnf" -out "$TLS/server.pem"
}
if tls_make >"$TLS/openssl.log" 2>&1; then
	chown mysql: "$TLS/server.key" "$TLS/server.pem" "$TLS/ca.pem"
	chmod 0711 "$TLS"
	lab_db_stop h1 || lab_die "cannot stop mariadbd on h1"
	lab_db_start h1 --ssl-ca="$TLS/ca.pem" --ssl-cert="$TLS/server.pem" \
	    --ssl-key="$TLS/server.key" --require-secure-transport=ON ||
	    lab_die "mariadbd with TLS did not start"

	conf
	lint
	if [ "$RC" = 1 ] &&
	    grep -q "^error: repl user rpl on $H1:3306: .*(error 1045)" <<<"$OUT"; then
		t_pass tls_required
	else
		t_fail tls_required "rc $RC: $(tr '\n' ' ' <<<"$OUT")"
	fi
	conf "ssl = yes
ssl_ca = $TLS/ca.pem"
	lint
	if [ "$RC" = 0 ] && ! grep -qE '^(error|warning):' <<<"$OUT"; then
		t_pass tls_ok
	else
		t_fail tls_ok "rc $RC: $(tr '\n' ' ' <<<"$OUT")"
	fi
	conf "ssl = yes
ssl_ca = $TLS/other.pem"
	lint
	if [ "$RC" = 1 ] &&
	    grep -q "^error: repl user rpl on $H1:3306: .*(error 2026)" <<<"$OUT"; then
		t_pass tls_wrong_ca
	else
		t_fail tls_wrong_ca "rc $RC: $(tr '\n' ' ' <<<"$OUT")"
	fi
else
	t_fail tls "openssl: $(tail -n 3 "$TLS/openssl.log")"
fi
t_summary
