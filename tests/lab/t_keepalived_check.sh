#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t_keepalived_check: dbvip-check as keepalived's vrrp_script, with Debian's
# keepalived and a real mariadbd on each of two hosts.
#
#   cli       dbvip-check: exit 0 and "OK" on a healthy server, 2 on a bad
#             config; 1 and "FAILING" with the reason once mariadbd is gone
#   failover  keepalived tracking dbvip-check (weight 0, fall 2): killing
#             mariadbd on the master moves keepalived's VIP to the other host
# Exit 0 only if every check passed.
set -u
. "$(dirname "$0")/lib.sh"

VIP=198.51.100.100/24
DBVIP_CHECK=${DBVIP_CHECK:-$(dirname "$DBVIPD")/dbvip-check}

for p in keepalived mariadbd; do
	if ! command -v "$p" >/dev/null; then
		echo "SKIP t_keepalived_check: $p not installed"
		exit 77
	fi
done
if [ ! -x "$DBVIP_CHECK" ]; then
	echo "SKIP t_keepalived_check: no $DBVIP_CHECK (build first)"
	exit 77
fi

lab_init
lab_topology 2

for h in h1 h2; do
	lab_db_start "$h" || lab_die "mariadbd on $h did not start"
	{
		lab_db_conf_section "$h"
		printf '\n[check alive]\ntype = ping\ntimeout = 1\n'
	} >"$LAB_TMP/$h.check.conf"
done

# The program itself, in h1's namespace like keepalived would run it.
out=$(lab_exec h1 "$DBVIP_CHECK" -f "$LAB_TMP/h1.check.conf")
rc=$?
if [ $rc = 0 ] && [[ $out == "OK alive: "* ]]; then
	t_pass "cli: healthy server, exit 0"
else
	t_fail "cli: healthy server, exit 0" "rc=$rc out=$out"
fi
printf '[check alive]\ntype = ping\n' >"$LAB_TMP/bad.conf"
lab_exec h1 "$DBVIP_CHECK" -f "$LAB_TMP/bad.conf" >/dev/null 2>&1
rc=$?
[ $rc = 2 ] && t_pass "cli: config error, exit 2" ||
    t_fail "cli: config error, exit 2" "rc=$rc"

for h in h1 h2; do
	KA_SCRIPT="$DBVIP_CHECK -q -f $LAB_TMP/$h.check.conf" KA_SCRIPT_WEIGHT=0 \
	    lab_keepalived_conf_db "$h"
	LAB_CONF[$h]=$(LAB_APPEND=1 C_PRIO=${LAB_PRIO[$h]} \
	    C_EXTRA=$'\ttrack_script {\n\t\tchk_db\n\t}' \
	    lab_vrrp_conf keepalived "$h")
	lab_start_keepalived "$h" "${LAB_CONF[$h]}" ||
	    lab_die "keepalived on $h did not start"
done
t_check "failover: h1 (150) holds keepalived's VIP" \
    "VIP on $(lab_who_has_vip "$VIP")" \
    lab_wait_for "VIP on h1" 15 lab_vip_only_on h1 "$VIP"

lab_db_kill h1
out=$(lab_exec h1 "$DBVIP_CHECK" -f "$LAB_TMP/h1.check.conf")
rc=$?
if [ $rc = 1 ] && [[ $out == "FAILING alive: "* ]]; then
	t_pass "cli: server gone, exit 1 with the reason"
else
	t_fail "cli: server gone, exit 1 with the reason" "rc=$rc out=$out"
fi
t_check "failover: VIP moves to h2 after mariadbd on h1 died" \
    "VIP on $(lab_who_has_vip "$VIP")" \
    lab_wait_for "VIP on h2" 15 lab_vip_only_on h2 "$VIP"
t_check "failover: the client follows to h2" "client sees $(client_mac_of "$VIP")" \
    lab_wait_for "client sees h2" 5 client_sees "$VIP" h2
if grep -qi "chk_db.*fail\|script.*fail\|FAULT" "$LAB_TMP/h1.keepalived.log"; then
	t_pass "failover: keepalived logs the failing dbvip-check"
else
	t_fail "failover: keepalived logs the failing dbvip-check" \
	    "$(tail -n 3 "$LAB_TMP/h1.keepalived.log")"
fi
lab_group_stop "$VIP"
t_summary
