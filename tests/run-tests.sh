#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Runs every test and prints one summary line "N passed, N failed[, N skipped]".
#   lint: tests/lint_includes.sh, no include cycle between units (one count)
#   unit: each cmocka binary of the sanitizer build (one count per test case)
#   fuzz: the decoder fuzzer for FUZZ_SECONDS (default 20)
#   lab:  tests/lab/t_*.sh as root in network namespaces, against the
#         sanitizer build of dbvipd (one count per PASS/FAIL/SKIP line)
# LAB_TESTS="t_a.sh t_b.sh" limits the lab tests; UNIT_ONLY=1 skips lab and fuzz.
set -u
cd "$(dirname "$0")/.."
pass=0 fail=0 skip=0
failed_names=()
log_dir=$(mktemp -d /tmp/dbvip-tests.XXXXXX)

note_skip() { skip=$((skip + 1)); echo "SKIP $1: $2"; }

echo "== build"
if ! make -s all || ! make -s SAN=1 all units; then
	echo "build failed"
	echo "0 passed, 1 failed"
	exit 1
fi

echo "== include cycles"
if tests/lint_includes.sh; then
	pass=$((pass + 1))
else
	fail=$((fail + 1)) failed_names+=(lint_includes)
fi

echo "== unit tests (ASan+UBSan)"
for t in build-san/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	out="$log_dir/$name.log"
	"$t" >"$out" 2>&1
	rc=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -n 1)
	p=${p:-0} f=${f:-0}
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		# Crashed or a sanitizer fired outside a test case.
		f=1
	fi
	pass=$((pass + p)) fail=$((fail + f))
	echo "$name: $p passed, $f failed"
	if [ "$f" != 0 ]; then
		failed_names+=("$name")
		grep -E '^\[  (FAILED|ERROR)|ERROR|runtime error|Sanitizer' "$out" | head -n 20
	fi
done

if [ "${UNIT_ONLY:-0}" != 1 ]; then
	echo "== fuzz (decoder, ${FUZZ_SECONDS:-20} s)"
	if ! command -v clang >/dev/null; then
		note_skip fuzz "clang not installed"
	elif make -s fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-20}" \
	    >"$log_dir/fuzz.log" 2>&1; then
		pass=$((pass + 1))
		echo "PASS fuzz: $(grep -o 'Done [0-9]* runs.*' "$log_dir/fuzz.log" | tail -n 1)"
	else
		fail=$((fail + 1)) failed_names+=(fuzz)
		echo "FAIL fuzz: see below"; tail -n 30 "$log_dir/fuzz.log"
	fi

	echo "== lab tests (network namespaces, real processes)"
	if [ "$(id -u)" != 0 ]; then
		note_skip lab "needs root for network namespaces"
	elif ! ip netns add "dvchk$$" 2>/dev/null; then
		note_skip lab "cannot create network namespaces here"
	else
		ip netns del "dvchk$$"
		for t in ${LAB_TESTS:-tests/lab/t_*.sh}; do
			case "$t" in */*) ;; *) t="tests/lab/$t" ;; esac
			[ -f "$t" ] || continue
			name=$(basename "$t" .sh)
			out="$log_dir/$name.log"
			echo "-- $name"
			DBVIPD=$PWD/build-san/dbvipd DBVIPCTL=$PWD/build-san/dbvipctl \
			    timeout 900 bash "$t" >"$out" 2>&1
			rc=$?
			grep -E '^(PASS|FAIL|SKIP) ' "$out"
			p=$(grep -c '^PASS ' "$out") f=$(grep -c '^FAIL ' "$out")
			s=$(grep -c '^SKIP ' "$out")
			# 77 is the automake "skipped" status: its SKIP line counts.
			if [ "$rc" != 0 ] && [ "$rc" != 77 ] && [ "$f" = 0 ]; then
				echo "FAIL $name: exited $rc without a FAIL line"
				tail -n 20 "$out"
				f=1
			fi
			pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
			[ "$f" != 0 ] && failed_names+=("$name") &&
			    echo "   (log: $out)"
		done
	fi
fi

echo
[ ${#failed_names[@]} -gt 0 ] && echo "failed: ${failed_names[*]}"
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" = 0 ]
