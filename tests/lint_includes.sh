#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# lint_includes: no unit reaches itself through the headers it includes.
#
# A unit is X.c, X.h and a private X_int.h of one folder (agent/role/role);
# a .c file that includes a private X_int.h belongs to unit X (role_steps.c
# is part of agent/role/role).  Every #include "..." line is an edge from
# the including unit to the included one; tsort(1) reports each loop.
# Prints one "PASS lint_includes" or "FAIL lint_includes: ..." line and
# exits non-zero on a cycle or an include that names no file.
set -u
cd "$(dirname "$0")/.."

unit_of() {
	local p=${1%.[ch]}
	echo "${p%_int}"
}

# The repository path of an include line's file, relative to the includer.
resolve() {
	realpath -m --relative-to=. "$(dirname "$1")/$2"
}

INC_RE='s/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p'

edges=$(mktemp) errs=$(mktemp)
trap 'rm -f "$edges" "$errs"' EXIT
bad=0 nfiles=0

for f in $(find agent net checks tests -name '*.[ch]' | sort); do
	nfiles=$((nfiles + 1))
	owner=$(unit_of "$f")
	incs=$(sed -n "$INC_RE" "$f")
	case "$f" in
	*.c)
		for i in $incs; do
			case "$i" in
			*_int.h) owner=$(unit_of "$(resolve "$f" "$i")") ;;
			esac
		done
		;;
	esac
	echo "$owner $owner" >>"$edges"
	for i in $incs; do
		target=$(resolve "$f" "$i")
		if [ ! -f "$target" ]; then
			echo "$f: #include \"$i\" names no file" >>"$errs"
			bad=1
			continue
		fi
		t=$(unit_of "$target")
		[ "$t" = "$owner" ] || echo "$owner $t" >>"$edges"
	done
done

# tsort prints "tsort: -: input contains a loop:" and then the loop's
# members one a line, for every loop it has to break.
loops=$(sort -u "$edges" | tsort 2>&1 >/dev/null |
    awk '/input contains a loop/ { if (l != "") print l; l = ""; next }
	 { sub(/^tsort: /, ""); l = (l == "" ? $0 : l " -> " $0) }
	 END { if (l != "") print l }')
if [ -n "$loops" ]; then
	while read -r l; do
		echo "cycle: $l" >>"$errs"
	done <<<"$loops"
	bad=1
fi

if [ "$bad" = 0 ]; then
	echo "PASS lint_includes: $nfiles files, $(sort -u "$edges" |
	    awk '$1 != $2' | wc -l) unit edges, no cycle"
	exit 0
fi
sed 's/^/  /' "$errs"
echo "FAIL lint_includes: $(grep -c '^cycle' "$errs") cycle(s)," \
    "$(grep -vc '^cycle' "$errs") bad include(s)"
exit 1
