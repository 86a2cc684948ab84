#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t_package: the .deb and the .rpm, installed and unpacked.
#
#   deb_lintian    lintian reports no error on the .deb
#   deb_files      dpkg -i installs the programs, man pages, the unit and
#                  /etc/dbvip/dbvip.conf as a conffile
#   deb_user       postinst created the system user dbvip
#   deb_version    package, dbvipd --version and CHANGELOG.md agree
#   deb_conf       the installed dbvipd accepts the installed config (-t)
#   deb_unit       systemd-analyze verify passes on the installed unit
#   deb_man        man -l renders every page without groff warnings
#   deb_elect      the installed dbvipd, started as root with the installed
#                  config (user = dbvip), runs unprivileged in the lab,
#                  elects a master that holds the VIP
#   deb_move       kill -9 of that master moves the VIP
#   deb_purge      dpkg -P removes the files and kills nothing: the lab
#                  agent still running from the purged binary survives
#   rpm_files      rpm2cpio | cpio -t lists exactly the same contents
#   rpm_config     /etc/dbvip/dbvip.conf is %config(noreplace); the version
#                  matches; the unpacked dbvipd accepts the unpacked config
#
# Installs the .deb only if no dbvip package is installed (and purges it
# afterwards); removes the user dbvip afterwards only if it did not exist.
# Uses build/deb/dbvip_VERSION_*.deb and build/rpm/RPMS/*/dbvip-VERSION-*.rpm
# if present, else builds them (make deb / make rpm, unit tests skipped).
set -u
LAB_PREFIX=${LAB_PREFIX:-hp$(( $$ % 1000000 ))}
. "$(dirname "$0")/lib.sh"

VIP=198.51.100.100/24
REPO=$LAB_REPO
VERSION=$(sed -n 's/^## \[\([0-9][^]]*\)\].*/\1/p' "$REPO/CHANGELOG.md" | head -n 1)
INSTALLED_BY_US=0
USER_EXISTED=1

lab_require root

lab_init

# Run by lab_cleanup once our processes are gone.
t_cleanup() {
	if [ "$INSTALLED_BY_US" = 1 ] && dpkg-query -W dbvip >/dev/null 2>&1; then
		dpkg -P dbvip >/dev/null 2>&1 || lab_log "dpkg -P dbvip failed"
	fi
	if [ "$USER_EXISTED" = 0 ] && getent passwd dbvip >/dev/null; then
		lab_remove_user dbvip
	fi
}
LAB_ON_EXIT=t_cleanup

have() { command -v "$1" >/dev/null 2>&1; }
pkg_ok() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

# --- the .deb ---------------------------------------------------------------
deb_file() { ls "$REPO"/build/deb/dbvip_"$VERSION"_*.deb 2>/dev/null | head -n 1; }

DEB=$(deb_file)
if [ -z "$DEB" ] && have dpkg-buildpackage && pkg_ok debhelper; then
	lab_log "building the .deb (make deb)"
	DEB_BUILD_OPTIONS=nocheck make -C "$REPO" deb >"$LAB_TMP/make-deb.log" 2>&1 ||
	    lab_log "make deb failed: $(tail -n 5 "$LAB_TMP/make-deb.log")"
	DEB=$(deb_file)
fi

deb_tests() {
	local f why v pid h

	if have lintian; then
		lintian "$DEB" >"$LAB_TMP/lintian.out" 2>&1
		if grep -q '^E: ' "$LAB_TMP/lintian.out"; then
			t_fail deb_lintian "$(grep '^E: ' "$LAB_TMP/lintian.out" | head -n 3 | tr '\n' ' ')"
		else
			t_pass deb_lintian
		fi
	else
		t_skip deb_lintian "lintian not installed"
	fi

	getent passwd dbvip >/dev/null || USER_EXISTED=0
	INSTALLED_BY_US=1
	if ! dpkg -i "$DEB" >"$LAB_TMP/dpkg-i.log" 2>&1; then
		t_fail deb_files "dpkg -i: $(tail -n 3 "$LAB_TMP/dpkg-i.log" | tr '\n' ' ')"
		return 1
	fi
	why=""
	for f in /usr/sbin/dbvipd /usr/bin/dbvipctl /usr/bin/dbvip-check; do
		[ -x "$f" ] || why+="$f missing; "
	done
	for f in /usr/share/man/man8/dbvipd.8.gz /usr/share/man/man8/dbvipctl.8.gz \
	    /usr/share/man/man8/dbvip-check.8.gz \
	    /usr/share/man/man5/dbvip.conf.5.gz /lib/systemd/system/dbvipd.service \
	    /etc/dbvip/dbvip.conf; do
		[ -f "$f" ] || why+="$f missing; "
	done
	grep -qx /etc/dbvip/dbvip.conf /var/lib/dpkg/info/dbvip.conffiles 2>/dev/null ||
	    why+="dbvip.conf is not a conffile; "
	if [ -z "$why" ]; then t_pass deb_files; else t_fail deb_files "$why"; fi

	v=$(getent passwd dbvip | cut -d: -f3)
	if [ -n "$v" ] && [ "$v" -lt 1000 ] && getent group dbvip >/dev/null; then
		t_pass deb_user
	else
		t_fail deb_user "user dbvip: '$(getent passwd dbvip)'"
	fi

	v="$(dpkg-query -W -f='${Version}' dbvip) / $(/usr/sbin/dbvipd --version) / $(/usr/bin/dbvipctl --version)"
	t_check deb_version "got '$v', want $VERSION" \
	    [ "$v" = "$VERSION / dbvipd $VERSION / dbvipctl $VERSION" ]

	v=$(/usr/sbin/dbvipd -t -f /etc/dbvip/dbvip.conf 2>&1)
	t_check deb_conf "$v" [ $? = 0 ]

	if have systemd-analyze; then
		systemd-analyze verify /lib/systemd/system/dbvipd.service \
		    >"$LAB_TMP/verify.out" 2>&1
		v=$?
		t_check deb_unit "exit $v: $(tr '\n' ' ' <"$LAB_TMP/verify.out")" \
		    [ "$v" = 0 -a ! -s "$LAB_TMP/verify.out" ]
	else
		t_skip deb_unit "systemd-analyze not installed"
	fi

	why=""
	for f in dbvipd.8 dbvipctl.8 dbvip-check.8; do
		LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "/usr/share/man/man8/$f.gz" \
		    2>"$LAB_TMP/man.err" >/dev/null || why+="$f fails; "
		[ -s "$LAB_TMP/man.err" ] && why+="$f: $(head -n 1 "$LAB_TMP/man.err"); "
	done
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l /usr/share/man/man5/dbvip.conf.5.gz \
	    2>"$LAB_TMP/man.err" >/dev/null || why+="dbvip.conf.5 fails; "
	[ -s "$LAB_TMP/man.err" ] && why+="dbvip.conf.5: $(head -n 1 "$LAB_TMP/man.err"); "
	if [ -z "$why" ]; then t_pass deb_man; else t_fail deb_man "$why"; fi

	# The installed programs and config, in the lab.  The agents read
	# their config again as dbvip on SIGHUP: keep it readable.
	DBVIPD=/usr/sbin/dbvipd
	DBVIPCTL=/usr/bin/dbvipctl
	chmod 0711 "$LAB_TMP"
	lab_topology 2
	for h in h1 h2; do
		f="$LAB_TMP/$h.conf"
		sed -e "s|^control_socket = .*|control_socket = $LAB_TMP/$h.sock|" \
		    -e "s|^priority = .*|priority = ${LAB_PRIO[$h]}|" \
		    /etc/dbvip/dbvip.conf >"$f"
		chmod 0644 "$f"
		lab_start_dbvipd "$h" "$f" || { t_fail deb_elect "dbvipd on $h did not start: $(tail -n 3 "$LAB_TMP/$h.dbvipd.log" | tr '\n' ' ')"; return 1; }
	done
	pid=${LAB_AGENT[h1]}
	if lab_wait_for "h1 MASTER with the VIP" 10 lab_vip_only_on h1 "$VIP" &&
	    agent_state_is h1 db_vip MASTER &&
	    lab_wait_for "h2 BACKUP" 5 agent_state_is h2 db_vip BACKUP &&
	    [ "$(awk '$1 == "Uid:" { print $2 }' "/proc/$pid/status")" = "$(id -u dbvip)" ] &&
	    grep -q '^CapEff:[[:space:]]*0000000000003000$' "/proc/$pid/status"; then
		t_pass deb_elect
	else
		t_fail deb_elect "h1=$(agent_state h1 db_vip) h2=$(agent_state h2 db_vip) VIP on $(lab_who_has_vip "$VIP" | tr '\n' ' ')"
	fi

	lab_crash_agent_clear h1 "$VIP"
	if lab_wait_for "h2 MASTER with the VIP" 8 lab_vip_only_on h2 "$VIP" &&
	    lab_wait_for "client ARP -> h2" 5 client_sees "$VIP" h2; then
		t_pass deb_move
	else
		t_fail deb_move "h2=$(agent_state h2 db_vip) VIP on $(lab_who_has_vip "$VIP" | tr '\n' ' ')"
	fi

	# Purge while h2's agent (the package's binary) runs: dpkg must not
	# stop it (no systemd here, and nothing else may kill by name).
	pid=${LAB_AGENT[h2]}
	dpkg -P dbvip >"$LAB_TMP/dpkg-p.log" 2>&1
	v=$?
	why=""
	[ "$v" = 0 ] || why+="dpkg -P exit $v; "
	for f in /usr/sbin/dbvipd /usr/bin/dbvipctl /etc/dbvip \
	    /lib/systemd/system/dbvipd.service /usr/share/man/man8/dbvipd.8.gz; do
		[ -e "$f" ] && why+="$f still there; "
	done
	lab_alive "$pid" || why+="the running agent was stopped; "
	lab_vip_only_on h2 "$VIP" || why+="VIP no longer on h2; "
	if [ -z "$why" ]; then t_pass deb_purge; else t_fail deb_purge "$why"; fi
	INSTALLED_BY_US=0
	lab_kill "$pid" TERM
	lab_wait_exit "$pid" 10
}

if [ -z "$DEB" ]; then
	if ! have dpkg-buildpackage || ! pkg_ok debhelper; then
		t_skip deb "dpkg-dev/debhelper not installed (tests/deps.sh)"
	else
		t_fail deb "no .deb built: $(tail -n 3 "$LAB_TMP/make-deb.log" 2>/dev/null | tr '\n' ' ')"
	fi
elif dpkg-query -W -f='${Status}' dbvip 2>/dev/null | grep -q installed; then
	t_skip deb "a dbvip package is installed already: not touching it"
else
	deb_tests
fi

# --- the .rpm ---------------------------------------------------------------
rpm_file() { ls "$REPO"/build/rpm/RPMS/*/dbvip-"$VERSION"-*.rpm 2>/dev/null | head -n 1; }

RPM=$(rpm_file)
if [ -z "$RPM" ] && have rpmbuild; then
	lab_log "building the .rpm (make rpm)"
	make -C "$REPO" rpm >"$LAB_TMP/make-rpm.log" 2>&1 ||
	    lab_log "make rpm failed: $(tail -n 5 "$LAB_TMP/make-rpm.log")"
	RPM=$(rpm_file)
fi

if [ -z "$RPM" ]; then
	if ! have rpmbuild; then
		t_skip rpm "rpm not installed (tests/deps.sh)"
	else
		t_fail rpm "no .rpm built: $(tail -n 3 "$LAB_TMP/make-rpm.log" | tr '\n' ' ')"
	fi
elif ! have rpm2cpio || ! have cpio; then
	t_skip rpm "rpm2cpio or cpio not installed (tests/deps.sh)"
else
	# The payload, without rpm's own .build-id links and directories.
	rpm2cpio "$RPM" | cpio -t --quiet 2>/dev/null | sed 's|^\./|/|' |
	    grep -v '^/usr/lib/\.build-id' | sort >"$LAB_TMP/rpm.list"
	sort >"$LAB_TMP/rpm.want" <<-EOF
	/etc/dbvip
	/etc/dbvip/dbvip.conf
	/usr/bin/dbvip-check
	/usr/bin/dbvipctl
	/usr/lib/systemd/system/dbvipd.service
	/usr/sbin/dbvipd
	/usr/share/doc/dbvip-$VERSION
	/usr/share/doc/dbvip-$VERSION/CHANGELOG.md
	/usr/share/doc/dbvip-$VERSION/README.md
	/usr/share/licenses/dbvip-$VERSION
	/usr/share/licenses/dbvip-$VERSION/LICENSE
	/usr/share/man/man5/dbvip.conf.5
	/usr/share/man/man8/dbvip-check.8
	/usr/share/man/man8/dbvipctl.8
	/usr/share/man/man8/dbvipd.8
	EOF
	# Man pages may come compressed where rpm compresses them.
	sed -i 's|\(/man[58]/.*\.[58]\)\.gz$|\1|' "$LAB_TMP/rpm.list"
	if diff -u "$LAB_TMP/rpm.want" "$LAB_TMP/rpm.list" >"$LAB_TMP/rpm.diff"; then
		t_pass rpm_files
	else
		t_fail rpm_files "$(grep '^[-+]/' "$LAB_TMP/rpm.diff" | tr '\n' ' ')"
	fi

	why=""
	rpm -qp --qf '[%{FILENAMES} %{FILEFLAGS:fflags}\n]' "$RPM" 2>/dev/null |
	    grep -q '^/etc/dbvip/dbvip.conf cn$' || why+="dbvip.conf is not %config(noreplace); "
	v=$(rpm -qp --qf '%{VERSION}' "$RPM" 2>/dev/null)
	[ "$v" = "$VERSION" ] || why+="rpm version $v, want $VERSION; "
	mkdir -p "$LAB_TMP/rpmroot"
	(cd "$LAB_TMP/rpmroot" && rpm2cpio "$RPM" | cpio -idm --quiet 2>/dev/null)
	"$LAB_TMP/rpmroot/usr/sbin/dbvipd" -t -f "$LAB_TMP/rpmroot/etc/dbvip/dbvip.conf" \
	    >"$LAB_TMP/rpm-t.out" 2>&1 || why+="dbvipd -t: $(tr '\n' ' ' <"$LAB_TMP/rpm-t.out"); "
	[ "$("$LAB_TMP/rpmroot/usr/sbin/dbvipd" --version)" = "dbvipd $VERSION" ] ||
	    why+="unpacked dbvipd --version differs; "
	if [ -z "$why" ]; then t_pass rpm_config; else t_fail rpm_config "$why"; fi
fi

t_summary
