# SPDX-License-Identifier: Apache-2.0
# tests/lab/lib/assert.sh: verdicts and waits.  One "PASS name" /
# "FAIL name: why" / "SKIP name: why" line per check (t_pass, t_fail,
# t_skip, t_check, t_ok), counted for t_summary and appended to
# LAB_RESULTS; lab_wait_for (poll against a deadline, never a fixed
# sleep) and lab_holds_for (nothing happens for a while).
# Sourced by tests/lab/lib.sh.

LAB_FAILS=0
LAB_PASSES=0
LAB_SKIPS=0

# lab_wait_for DESC TIMEOUT_S CMD...: run CMD every 20 ms until it
# succeeds (0) or TIMEOUT_S (decimal) passes (1).  Prints what it waited
# for and how long on failure (or always with LAB_VERBOSE=1).
lab_wait_for() {
	local desc=$1 timeout=$2 start deadline now
	shift 2
	start=$(lab_now_ms)
	deadline=$(( start + $(lab_s_to_ms "$timeout") ))
	[ "${LAB_VERBOSE:-0}" = 1 ] && lab_log "waiting up to ${timeout}s for $desc"
	while :; do
		if "$@" >/dev/null 2>&1; then
			LAB_WAITED_MS=$(( $(lab_now_ms) - start ))
			return 0
		fi
		now=$(lab_now_ms)
		if [ "$now" -ge "$deadline" ]; then
			LAB_WAITED_MS=$(( now - start ))
			lab_log "timed out after ${timeout}s waiting for $desc"
			return 1
		fi
		sleep 0.02
	done
}

lab_holds_for() {
	local desc=$1 win=$2 end
	shift 2
	end=$(( $(lab_now_ms) + $(lab_s_to_ms "$win") ))
	while [ "$(lab_now_ms)" -lt "$end" ]; do
		if ! "$@" >/dev/null 2>&1; then
			lab_log "no longer true: $desc"
			return 1
		fi
		sleep 0.05
	done
}

lab_result() {
	local verdict=$1 name=$2 why=${3:-}
	case $verdict in
	PASS) printf 'PASS %s\n' "$name"; LAB_PASSES=$((LAB_PASSES + 1)) ;;
	FAIL) printf 'FAIL %s: %s\n' "$name" "$why"; LAB_FAILS=$((LAB_FAILS + 1)) ;;
	SKIP) printf 'SKIP %s: %s\n' "$name" "$why"; LAB_SKIPS=$((LAB_SKIPS + 1)) ;;
	esac
	if [ -n "${LAB_RESULTS:-}" ]; then
		printf '%s\t%s\t%s\t%s\n' "$verdict" "$LAB_SCRIPT" "$name" "$why" >>"$LAB_RESULTS"
	fi
}
t_pass() { lab_result PASS "$1"; }
t_fail() { lab_result FAIL "$1" "${2:-failed}"; }
t_skip() { lab_result SKIP "$1" "${2:-skipped}"; }

# t_check NAME WHY CMD...: PASS if CMD succeeds, else FAIL with WHY.
t_check() {
	local name=$1 why=$2
	shift 2
	if "$@"; then t_pass "$name"; else t_fail "$name" "$why"; fi
}

# t_ok NAME CMD...: PASS if CMD succeeds; else FAIL with the command as the
# reason, and return 1 (so the caller can show what it got).
t_ok() {
	local name=$1
	shift
	"$@" && { t_pass "$name"; return 0; }
	t_fail "$name" "failed: $*"
	return 1
}

# t_summary: one line, and the exit status: 0 only if nothing failed and
# something passed.
t_summary() {
	printf '%s: %d passed, %d failed, %d skipped\n' "$LAB_SCRIPT" \
	    "$LAB_PASSES" "$LAB_FAILS" "$LAB_SKIPS"
	[ "$LAB_FAILS" = 0 ] && [ "$LAB_PASSES" -gt 0 ]
}

