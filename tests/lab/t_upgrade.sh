#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t_upgrade: a package upgrade of a replication group under write load,
# from a .deb of version N to one of version N+1, with no failover.
#
# Builds two debs from copies of the tree (make deb, unit tests skipped):
# N as is, N+1 with a release heading added to the copy's CHANGELOG.md.
# The lab has no systemd and its hosts share one filesystem, so nothing
# is installed: each version is unpacked (dpkg-deb -x) and its dbvipd run
# in the namespaces, and the test sends what the unit and the maintainer
# scripts would (postinst "try-restart", RestartKillSignal=SIGQUIT): the
# old agent gets SIGQUIT, the new version's dbvipd is started.
#
#   scripts        the N+1 deb's maintainer scripts: postinst try-restarts
#                  a running unit after an upgrade and starts nothing on
#                  a fresh install; no preinst stop; prerm stops it on
#                  removal only; the unit restarts with SIGQUIT and stops
#                  with SIGTERM; systemd-analyze verify is clean
#   versions       the unpacked binaries say N and N+1
#   upgrade HOST   (h1 the master, then h2, h3) SIGQUIT to HOST's agent
#                  (version N), start N+1: h1 is primary again, h2 and h3
#                  BACKUP again and still replicating from h1
#   no failover    the 50 ms sampler: the VIP on h1 in every sample, no
#                  other host ever writable or holding the VIP; no agent
#                  logged a promotion
#   writes         no failed write; the longest gap between acknowledged
#                  writes across the upgrades under 1 s (reported); every
#                  acknowledged write on h1
#   running N+1    every running agent's binary says N+1
#
# Exit 0 only if every check passed; 77 without root, MariaDB or the
# Debian packaging tools.
set -u
LAB_PREFIX=${LAB_PREFIX:-hg$(( $$ % 1000000 ))}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/role_lib.sh"

have() { command -v "$1" >/dev/null 2>&1; }

lab_require root mariadb
if ! have dpkg-buildpackage || ! have dpkg-deb ||
    ! dpkg-query -W -f='${Status}' debhelper 2>/dev/null | grep -q "ok installed"; then
	t_skip "$LAB_SCRIPT" "dpkg-dev/debhelper not installed (tests/deps.sh)"
	exit 77
fi
lab_init

REPO=$LAB_REPO
V_OLD=$(sed -n 's/^## \[\([0-9][^]]*\)\].*/\1/p' "$REPO/CHANGELOG.md" | head -n 1)
V_NEW=$(echo "$V_OLD" | awk -F. -v OFS=. '{ $NF = $NF + 1; print }')

# build_deb VERSION DIR: a copy of the tree in DIR whose newest release is
# VERSION, its deb built and unpacked into DIR/root.  Prints the .deb.
build_deb() {
	local v=$1 d=$2 date deb
	mkdir -p "$d/src" || return 1
	(cd "$REPO" && cp -R --parents Makefile CHANGELOG.md README.md LICENSE agent net \
	    checks etc packaging tests/unit "$d/src/") || return 1
	if [ "$v" != "$V_OLD" ]; then
		date=$(sed -n "s/^## \[$V_OLD\] - \([0-9-]*\).*/\1/p" "$d/src/CHANGELOG.md")
		sed -i "0,/^## \[$V_OLD\]/s//## [$v] - $date\n### Changed\n- Upgrade test build.\n\n&/" \
		    "$d/src/CHANGELOG.md" || return 1
	fi
	DEB_BUILD_OPTIONS=nocheck make -C "$d/src" deb >"$d/make-deb.log" 2>&1 || {
		lab_log "make deb $v: $(tail -n 5 "$d/make-deb.log" | tr '\n' ' ')"
		return 1
	}
	deb=$(ls "$d"/src/build/deb/dbvip_"$v"_*.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] || { lab_log "no dbvip_${v}_*.deb built"; return 1; }
	dpkg-deb -x "$deb" "$d/root" || return 1
	echo "$deb"
}

lab_log "building the debs $V_OLD and $V_NEW"
if ! DEB_OLD=$(build_deb "$V_OLD" "$LAB_TMP/old") ||
    ! DEB_NEW=$(build_deb "$V_NEW" "$LAB_TMP/new"); then
	t_fail build "make deb failed"
	t_summary
	exit 1
fi
lab_log "built $(basename "$DEB_OLD") and $(basename "$DEB_NEW")"
OLD=$LAB_TMP/old/root
NEW=$LAB_TMP/new/root

# --- what the N+1 package's scripts and unit do ----------------------------
mkdir -p "$LAB_TMP/ctl"
dpkg-deb -e "$DEB_NEW" "$LAB_TMP/ctl"
PI=$LAB_TMP/ctl/postinst
PR=$LAB_TMP/ctl/prerm
UNIT=$NEW/lib/systemd/system/dbvipd.service
why=""
grep -q "^[[:space:]]*if \[ -n \"\$2\" \]; then" "$PI" &&
    grep -q "deb-systemd-invoke try-restart 'dbvipd.service'" "$PI" ||
    why+="postinst does not try-restart on upgrade; "
grep -Eq "deb-systemd-invoke (start|restart) |systemctl (start|restart|enable) " "$PI" &&
    why+="postinst starts or enables the unit; "
grep -q "deb-systemd-helper enable" "$PI" && ! grep -q "was-enabled" "$PI" &&
    why+="postinst enables the unit unconditionally; "
[ -e "$LAB_TMP/ctl/preinst" ] && grep -q "stop" "$LAB_TMP/ctl/preinst" &&
    why+="preinst stops the unit; "
grep -q "\"\$1\" = remove" "$PR" 2>/dev/null &&
    grep -q "deb-systemd-invoke stop 'dbvipd.service'" "$PR" ||
    why+="prerm does not stop the unit on removal; "
grep -qx "KillSignal=SIGTERM" "$UNIT" || why+="unit: no KillSignal=SIGTERM; "
grep -qx "RestartKillSignal=SIGQUIT" "$UNIT" || why+="unit: no RestartKillSignal=SIGQUIT; "
if have systemd-analyze; then
	# The unpacked binaries instead of /usr/sbin (nothing is installed).
	sed "s|/usr/sbin/dbvipd|$NEW/usr/sbin/dbvipd|g" "$UNIT" >"$LAB_TMP/dbvipd.service"
	systemd-analyze verify --man=no "$LAB_TMP/dbvipd.service" >"$LAB_TMP/verify.out" 2>&1 ||
	    why+="systemd-analyze verify failed; "
	[ -s "$LAB_TMP/verify.out" ] && why+="verify: $(head -n 2 "$LAB_TMP/verify.out" | tr '\n' ' '); "
fi
if [ -z "$why" ]; then t_pass scripts; else t_fail scripts "$why"; fi

v="$("$OLD/usr/sbin/dbvipd" --version) / $("$NEW/usr/sbin/dbvipd" --version)"
t_check versions "got '$v'" [ "$v" = "dbvipd $V_OLD / dbvipd $V_NEW" ]

# --- the group on version N, under write load -------------------------------
DBVIPD=$OLD/usr/sbin/dbvipd
DBVIPCTL=$OLD/usr/bin/dbvipctl
lab_topology 3
role_start_all 100

# upgrade_host HOST: what a package upgrade on HOST does with systemd
# (try-restart with RestartKillSignal=SIGQUIT): SIGQUIT, then the new
# version's dbvipd.  Passes when HOST is back in its role: h1 primary
# with the VIP, the others BACKUP and replicating from h1.
upgrade_host() {
	local h=$1 t pid=${LAB_AGENT[$1]} ok=1
	t=$(role_now)
	lab_kill "$pid" QUIT
	lab_wait_exit "$pid" 5 || ok=0
	# shellcheck disable=SC2034 # read by lib/agent.sh
	DBVIPD=$NEW/usr/sbin/dbvipd
	# shellcheck disable=SC2034
	DBVIPCTL=$NEW/usr/bin/dbvipctl
	role_start_agent "$h" || ok=0
	if [ "$h" = h1 ]; then
		[ "$ok" = 1 ] && lab_wait_for "h1 primary again" 10 role_is_primary h1 || ok=0
	else
		[ "$ok" = 1 ] && lab_wait_for "$h BACKUP again" 10 role_backups "$h" &&
		    lab_wait_for "$h replicates from h1" 5 role_replicates_from "$h" h1 || ok=0
	fi
	lab_log "upgrade $h: back in its role $(( $(role_now) - t )) ms after SIGQUIT"
	lab_wait_for "50 acks after the upgrade of $h" 10 role_acks_after_ge "$(role_now)" 50 || ok=0
	if [ "$ok" = 1 ]; then
		t_pass "upgrade $h: $V_OLD -> $V_NEW, back in its role"
	else
		t_fail "upgrade $h" "$(lab_states "$ROLE_VIP" | tr '\n' ' ')"
	fi
}

T0=$(role_now)
for h in h1 h2 h3; do
	upgrade_host "$h"
done
T1=$(role_now)
lab_wait_for "50 acks after the upgrades" 10 role_acks_after_ge "$T1" 50
role_writer_stop
role_sampler_stop

# --- verdicts ----------------------------------------------------------------
N=$(awk -v a="$T0" -v b="$T1" '$2 >= a && $2 < b' "$ROLE_SLOG" | wc -l)
BAD=$(awk '($1 == "h1" && $5 != "v") || ($1 != "h1" && ($4 == "w" || $5 == "v"))' \
    "$ROLE_SLOG" | head -n 3 | tr '\n' ' ')
PROMO=$(cat "$LAB_TMP"/h?.dbvipd.log | grep -c "promoting the local database")
why=""
[ "$N" -gt 0 ] || why+="no sample during the upgrades; "
[ -z "$BAD" ] || why+="samples: $BAD; "
[ "$PROMO" = 0 ] || why+="$PROMO promotions logged; "
if bad=$(role_sampler_violations); then :; else why+="$bad; "; fi
if [ -z "$why" ]; then
	t_pass "no failover: VIP on h1 in all $(role_samples) samples ($N during the upgrades), no other host writable, no promotion"
else
	t_fail "no failover" "$why"
fi

GAP=$(role_outage "$T0")
ERRS=$(grep -c '^err ' "$ROLE_WLOG")
ACKS=$(role_acks_after "$T0")
LOST=$(role_lost_acks h1 | wc -l)
lab_log "upgrades: $(( T1 - T0 )) ms for three hosts, $ACKS acks, longest gap between acks $GAP ms, $ERRS failed writes"
t_check "writes: none failed, longest gap ${GAP} ms < 1000, all $(role_acks) acknowledged on h1" \
    "gap $GAP ms, $ERRS failed writes, $ACKS acks since the first upgrade, $LOST acknowledged ids missing on h1" \
    [ "$GAP" -lt 1000 -a "$ERRS" = 0 -a "$ACKS" -ge 150 -a "$LOST" = 0 ]

why=""
for h in h1 h2 h3; do
	pid=${LAB_AGENT[$h]}
	v=$("$(readlink "/proc/$pid/exe")" --version 2>&1)
	[ "$v" = "dbvipd $V_NEW" ] || why+="$h runs '$v'; "
done
if [ -z "$why" ]; then t_pass "running $V_NEW on h1 h2 h3"; else t_fail "running $V_NEW" "$why"; fi

t_summary
