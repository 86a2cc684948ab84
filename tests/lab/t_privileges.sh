#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t_privileges: dbvipd gives up root and still does its job.
#
#   caps_h1, caps_h2  started as root with "user = dbvip": /proc/PID/status
#                  shows the dbvip uid/gid, CapEff = CapPrm = CapBnd =
#                  0x3000 (CAP_NET_ADMIN 12, CAP_NET_RAW 13), no
#                  inheritable or ambient capabilities, NoNewPrivs 1
#   elect          the higher priority becomes MASTER and holds the VIP
#   crash          kill -9 of the master: the other unprivileged agent takes
#                  the VIP (netlink with CAP_NET_ADMIN, GARP with CAP_NET_RAW)
#   caps_systemd   an agent started the way the systemd unit starts it (as
#                  dbvip, ambient + bounding set = the two capabilities,
#                  no-new-privileges) runs; priv_drop as non-root keeps it
#                  at 0x3000 and clears the ambient set
#   reload_socket  SIGHUP adding an IPv6 instance on a dropped agent: a new
#                  raw socket is opened and the IPv6 VIP taken
#   sigterm        a dropped master leaving removes its VIPs; the
#                  systemd-style agent takes over
#   hook_caps      the start-up hook (notify_backup of the first state
#                  change, queued before the privilege drop) runs as dbvip
#                  with CapEff = CapPrm = CapAmb = 0, CapBnd within 0x3000
#   no_user        a configured user that does not exist stops start-up
#                  with a clear error, before any VIP is touched
#
# Creates the system user dbvip if it is missing, and removes it at the end
# only in that case.  DBVIPD/DBVIPCTL select the binaries; LAB_PREFIX the
# namespace prefix (default hp + pid).
set -u
LAB_PREFIX=${LAB_PREFIX:-hp$(( $$ % 1000000 ))}
. "$(dirname "$0")/lib.sh"

VIP=198.51.100.100/24
VIP6=2001:db8::100/64
WANT_CAPS=0000000000003000
USER_NAME=dbvip
CREATED_USER=0

lab_require root dbvipd

lab_init

# Run by lab_cleanup once our processes are gone.
t_cleanup() {
	[ "$CREATED_USER" = 1 ] && lab_remove_user "$USER_NAME"
}
LAB_ON_EXIT=t_cleanup

if ! getent passwd "$USER_NAME" >/dev/null; then
	useradd --system --user-group --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin "$USER_NAME" ||
	    lab_die "cannot create user $USER_NAME"
	CREATED_USER=1
fi
DB_UID=$(id -u "$USER_NAME")
DB_GID=$(id -g "$USER_NAME")

# The agents read their config again on SIGHUP after dropping root: the
# temp dir must be traversable and the configs readable (as /etc is).
chmod 0711 "$LAB_TMP"

lab_topology 3

# status_is PID FIELD VALUE: one /proc/PID/status line, tabs squeezed.
status_line() {
	awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print; exit }' \
	    "/proc/$1/status"
}

# check_caps NAME PID BOUNDING: the credentials of a dropped agent.
check_caps() {
	local name=$1 pid=$2 bnd=$3 why="" v
	v=$(status_line "$pid" Uid)
	[ "$v" = "$DB_UID $DB_UID $DB_UID $DB_UID" ] || why+="Uid '$v'; "
	v=$(status_line "$pid" Gid)
	[ "$v" = "$DB_GID $DB_GID $DB_GID $DB_GID" ] || why+="Gid '$v'; "
	[ "$(status_line "$pid" CapEff)" = $WANT_CAPS ] ||
	    why+="CapEff $(status_line "$pid" CapEff); "
	[ "$(status_line "$pid" CapPrm)" = $WANT_CAPS ] ||
	    why+="CapPrm $(status_line "$pid" CapPrm); "
	[ "$(status_line "$pid" CapInh)" = 0000000000000000 ] ||
	    why+="CapInh $(status_line "$pid" CapInh); "
	[ "$(status_line "$pid" CapAmb)" = 0000000000000000 ] ||
	    why+="CapAmb $(status_line "$pid" CapAmb); "
	[ "$(status_line "$pid" CapBnd)" = "$bnd" ] ||
	    why+="CapBnd $(status_line "$pid" CapBnd); "
	[ "$(status_line "$pid" NoNewPrivs)" = 1 ] || why+="NoNewPrivs not 1; "
	if [ -z "$why" ]; then t_pass "$name"; else t_fail "$name" "$why"; fi
}

# master_with HOST INSTANCE VIP: HOST's agent is MASTER, reports the VIP as
# held, and the VIP is on HOST's interface (and nowhere else).
master_with() {
	[ "$(dbvip_field "$1" "$2" .state)" = MASTER ] &&
	    dbvip_field "$1" "$2" '.vips | length' | grep -qx 1 &&
	    lab_vip_only_on "$1" "$3"
}

# conf_with_user HOST PRIO USER: a config for the shared instance vip1
# with "user = USER" in [global]; prints the path.
conf_with_user() {
	local f
	f=$(C_PRIO=$2 lab_vrrp_conf dbvipd "$1") || return 1
	sed -i "/^control_socket/a user = $3" "$f"
	chmod 0644 "$f"
	echo "$f"
}

# --- started as root, switching to dbvip --------------------------------
CONF1=$(conf_with_user h1 150 "$USER_NAME")
# The hook records its own shell's credentials; the directory is dbvip's.
HOOKS="$LAB_TMP/hooks"
install -d -m 0700 -o "$USER_NAME" -g "$USER_NAME" "$HOOKS"
sed -i "/^\[instance vip1\]/a notify_backup = grep -E '^(Uid|CapEff|CapPrm|CapBnd|CapAmb):' /proc/\$\$/status >>$HOOKS/h1.backup" "$CONF1"
CONF2=$(conf_with_user h2 120 "$USER_NAME")
lab_start_dbvipd h1 "$CONF1" || lab_die "dbvipd on h1 did not start"
lab_start_dbvipd h2 "$CONF2" || lab_die "dbvipd on h2 did not start"
check_caps caps_h1 "${LAB_AGENT[h1]}" $WANT_CAPS
check_caps caps_h2 "${LAB_AGENT[h2]}" $WANT_CAPS

# hook_caps: every run of the hook, from the first (start-up) one on.
hook_field() { awk -v f="$1:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' \
    "$HOOKS/h1.backup"; }
if lab_wait_for "h1's start-up hook ran" 10 test -s "$HOOKS/h1.backup"; then
	why=""
	[ "$(hook_field Uid | sort -u)" = "$DB_UID $DB_UID $DB_UID $DB_UID" ] ||
	    why+="Uid '$(hook_field Uid | tr '\n' ,)'; "
	for f in CapEff CapPrm CapAmb; do
		[ "$(hook_field $f | sort -u)" = 0000000000000000 ] ||
		    why+="$f '$(hook_field $f | tr '\n' ,)'; "
	done
	for v in $(hook_field CapBnd); do
		(( (0x$v & ~0x$WANT_CAPS) == 0 )) || why+="CapBnd $v; "
	done
	if [ -z "$why" ]; then t_pass hook_caps; else t_fail hook_caps "$why"; fi
else
	t_fail hook_caps "no hook output; log: $(tail -n 3 "${LAB_LOG[h1]}" | tr '\n' ' ')"
fi

if lab_wait_for "h1 MASTER with the VIP" 10 master_with h1 vip1 "$VIP" &&
    lab_wait_for "h2 BACKUP" 5 agent_state_is h2 vip1 BACKUP; then
	t_pass elect
else
	t_fail elect "$(lab_states "$VIP")"
fi

lab_crash_agent_clear h1 "$VIP"
if lab_wait_for "h2 MASTER with the VIP" 8 master_with h2 vip1 "$VIP" &&
    lab_wait_for "client ARP -> h2" 5 client_sees "$VIP" h2; then
	t_pass crash
else
	t_fail crash "$(lab_states "$VIP"); h2 log: $(tail -n 3 "${LAB_LOG[h2]}" | tr '\n' ' ')"
fi

# --- started like the systemd unit: as dbvip with ambient capabilities ---
RUN3="$LAB_TMP/h3.run"
install -d -m 0750 -o "$USER_NAME" -g "$USER_NAME" "$RUN3"
CONF3=$(C_PRIO=100 lab_vrrp_conf dbvipd h3)
sed -i "s|^control_socket = .*|control_socket = $RUN3/dbvipd.sock|" "$CONF3"
sed -i "/^control_socket/a user = $USER_NAME" "$CONF3"
chmod 0644 "$CONF3"
LAB_SOCK[h3]=$RUN3/dbvipd.sock
# `ip netns exec` and setpriv both exec: $! is dbvipd's PID.
ip netns exec "$(lab_ns h3)" setpriv --reuid "$USER_NAME" \
    --regid "$USER_NAME" --init-groups \
    --inh-caps -all,+net_raw,+net_admin \
    --ambient-caps -all,+net_raw,+net_admin \
    --bounding-set -all,+net_raw,+net_admin --no-new-privs \
    "$DBVIPD" -f "$CONF3" >>"$LAB_TMP/h3.dbvipd.log" 2>&1 &
LAB_AGENT[h3]=$!
lab_own "${LAB_AGENT[h3]}"
LAB_KIND[h3]=dbvipd
LAB_LOG[h3]=$LAB_TMP/h3.dbvipd.log
if lab_wait_for "h3 BACKUP" 8 agent_state_is h3 vip1 BACKUP; then
	check_caps caps_systemd "${LAB_AGENT[h3]}" $WANT_CAPS
else
	t_fail caps_systemd "h3 did not come up: $(tail -n 3 "${LAB_LOG[h3]}" | tr '\n' ' ')"
fi

# --- reload on a dropped agent: a new IPv6 raw socket --------------------
printf '\n[instance vip6]\ninterface = %s\nvrid = 52\npriority = 120\nvip = %s\n' \
    "$LAB_IF" "$VIP6" >>"$CONF2"
lab_kill "${LAB_AGENT[h2]}" HUP
if lab_wait_for "h2 MASTER of vip6" 8 master_with h2 vip6 "$VIP6"; then
	t_pass reload_socket
else
	t_fail reload_socket "vip6 $(dbvip_state h2 vip6 2>/dev/null || echo missing); log: $(tail -n 3 "${LAB_LOG[h2]}" | tr '\n' ' ')"
fi

# --- a dropped master leaves cleanly --------------------------------------
lab_kill "${LAB_AGENT[h2]}" TERM
if lab_wait_exit "${LAB_AGENT[h2]}" 10 &&
    ! lab_vip_on h2 "$VIP" && ! lab_vip_on h2 "$VIP6" &&
    lab_wait_for "h3 MASTER with the VIP" 8 master_with h3 vip1 "$VIP"; then
	t_pass sigterm
else
	t_fail sigterm "$(lab_states "$VIP"); VIP6 on: $(lab_who_has_vip "$VIP6" | tr '\n' ' ')"
fi

# --- a user that does not exist -------------------------------------------
CONFX=$(C_PRIO=200 lab_vrrp_conf dbvipd h1)
sed -i "/^control_socket/a user = nosuch$P" "$CONFX"
ip netns exec "$(lab_ns h1)" "$DBVIPD" -f "$CONFX" >"$LAB_TMP/h1.nouser.log" 2>&1 &
XPID=$!
# Recorded for the cleanup but not disowned: its exit status is the test.
LAB_PIDS+=("$XPID")
if lab_wait_exit "$XPID" 5; then
	wait "$XPID" 2>/dev/null
	XRC=$?
else
	XRC=running
fi
if [ "$XRC" = 1 ] && grep -q "user nosuch$P: no such user" "$LAB_TMP/h1.nouser.log" &&
    lab_vip_only_on h3 "$VIP"; then
	t_pass no_user
else
	t_fail no_user "exit $XRC: $(head -n 2 "$LAB_TMP/h1.nouser.log" | tr '\n' ' ')"
fi

t_summary
