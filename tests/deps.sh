#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Install what building, testing and the demo need (Debian 12, as root).
# Installs only packages that are missing; safe to run again.
set -eu
PKGS="make gcc clang pkg-config libc6-dev libnl-3-dev libnl-route-3-dev
libmnl-dev libcap-dev libinih-dev libcmocka-dev libmariadb-dev
mariadb-server mariadb-client galera-4 keepalived iproute2 nftables tcpdump
tshark iputils-arping iputils-ping jq procps python3 openssl rsync
dpkg-dev debhelper lintian rpm cpio man-db groff-base systemd adduser passwd"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run as root to install)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
