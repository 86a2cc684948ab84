#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t_reload: configuration checks and SIGHUP reload of a running dbvipd.
#
#   configtest  dbvipd -t: 0 on a good file, 1 and "file:line" on a bad one
#   refused     a broken file on SIGHUP is refused: same process, same state
#   priority    a lower priority by reload: the peer takes over, no restart
#   add/remove  an instance added by reload starts and takes its VIP; removed
#               again, it leaves cleanly (VIP gone)
# Exit 0 only if every check passed.
set -u
. "$(dirname "$0")/lib.sh"

VIP=198.51.100.100/24
VIP2=198.51.100.101/24

lab_require dbvipd

lab_init
lab_topology 2

lab_group_start dbvipd h1 h2 || lab_die "agents did not start"
t_check "reload: h1 elected" "$(dbvip_state h1 vip1)" \
    lab_wait_for "h1 MASTER" 10 agent_state_is h1 vip1 MASTER
pid=${LAB_AGENT[h1]}
conf=${LAB_CONF[h1]}
good=$(cat "$conf")

# -t on the running file and on a broken copy.
t_check "configtest: good file accepted" "exit status $?" \
    "$DBVIPD" -t -f "$conf"
printf '%s\nbogus_key = 1\n' "$good" >"$LAB_TMP/bad.conf"
out=$("$DBVIPD" -t -f "$LAB_TMP/bad.conf" 2>&1)
rc=$?
line=$(( $(wc -l <"$LAB_TMP/bad.conf") ))
if [ $rc = 1 ] && [[ $out == "$LAB_TMP/bad.conf:$line: unknown key 'bogus_key'"* ]]; then
	t_pass "configtest: bad file refused with file:line"
else
	t_fail "configtest: bad file refused with file:line" "rc=$rc out=$out"
fi

# A broken file on SIGHUP: refused, nothing changes.
cp "$LAB_TMP/bad.conf" "$conf"
lab_kill "$pid" HUP
if lab_wait_for "reload refused logged" 5 grep -q "reload refused" "${LAB_LOG[h1]}" &&
    lab_alive "$pid" && agent_state_is h1 vip1 MASTER &&
    [ "$(dbvip_field h1 vip1 .priority)" = 150 ]; then
	t_pass "refused: broken config keeps the running one"
else
	t_fail "refused: broken config keeps the running one" "$(tail -n 3 "${LAB_LOG[h1]}")"
fi

# Lower h1's priority below h2's: h2 (preempt) takes over; h1 keeps running.
printf '%s\n' "$good" | sed 's/^priority = .*/priority = 90/' >"$conf"
lab_kill "$pid" HUP
t_check "priority: reload applied without restart" \
    "priority $(dbvip_field h1 vip1 .priority)" \
    lab_wait_for "h1 priority 90" 5 eval '[ "$(dbvip_field h1 vip1 .priority)" = 90 ]'
t_check "priority: higher h2 takes over" "h1=$(dbvip_state h1 vip1) h2=$(dbvip_state h2 vip1)" \
    lab_wait_for "h2 MASTER" 10 agent_state_is h2 vip1 MASTER
t_check "priority: h1 backs off and drops the VIP" "VIP on $(lab_who_has_vip "$VIP")" \
    lab_wait_for "VIP only on h2" 5 lab_vip_only_on h2 "$VIP"
[ "$pid" = "${LAB_AGENT[h1]}" ] && lab_alive "$pid" &&
    t_pass "priority: same process" || t_fail "priority: same process" "restarted"

# Add a second instance (only h1 has it, so h1 becomes its master).
{
	printf '%s\n' "$good" | sed 's/^priority = .*/priority = 90/'
	printf '\n[instance vip2]\ninterface = %s\nvrid = 52\npriority = 100\n' "$LAB_IF"
	printf 'advert_int = 0.2\nvip = %s\n' "$VIP2"
} >"$conf"
lab_kill "$pid" HUP
t_check "add: new instance becomes MASTER" "$(dbvip_status h1 | jq -c '.instances[].state')" \
    lab_wait_for "vip2 MASTER" 5 agent_state_is h1 vip2 MASTER
t_check "add: its VIP is on h1" "VIP2 on $(lab_who_has_vip "$VIP2")" \
    lab_wait_for "VIP2 on h1" 5 lab_vip_only_on h1 "$VIP2"
t_check "add: vip1 unchanged (BACKUP)" "$(dbvip_state h1 vip1)" agent_state_is h1 vip1 BACKUP

# Remove it again.
printf '%s\n' "$good" | sed 's/^priority = .*/priority = 90/' >"$conf"
lab_kill "$pid" HUP
t_check "remove: instance gone" "$(dbvip_status h1 | jq -c '[.instances[].name]')" \
    lab_wait_for "vip2 gone" 5 eval '[ "$(dbvip_status h1 | jq ".instances | length")" = 1 ]'
t_check "remove: its VIP removed" "VIP2 on $(lab_who_has_vip "$VIP2")" \
    lab_wait_for "VIP2 gone" 5 lab_vip_nowhere "$VIP2"

lab_group_stop "$VIP" "$VIP2"
t_summary
