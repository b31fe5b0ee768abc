# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# common.sh: the helpers every integration test uses. Source it (the other
# libraries in tests/lib source it themselves; a second source is a no-op).
# It defines functions and T_FAILED only, and changes no shell option.
#
#   ok MSG / not_ok MSG    one line per check, with the test's elapsed
#                          seconds; not_ok marks the test failed (T_FAILED)
#   check MSG CMD...       run CMD, ok or not_ok
#   eq MSG GOT WANT        compare two strings
#   skip REASON            print the reason as the last line, exit 77
#   finish                 exit 0, or 1 if a check failed
#   wait_for SECS CMD...   poll CMD (output discarded) every 0.05 s until it
#                          succeeds (0), or SECS (may be 2.5) have passed (1)
#   log_has FILE REGEX [SECS]   wait until FILE has a line matching REGEX
#   pid_gone PID           0 when PID is no longer a live process (a zombie
#                          counts as gone: it only waits to be reaped)
#   stop_pid PID [SECS] [SIG]   send SIG (TERM) to PID, wait up to SECS (30)
#                          for it to end, SIGKILL it if it did not (and say
#                          so), reap it if it is a child; returns its exit
#                          status (or 1 when it is not our child)
#   seg_rows DIR           every row of every final segment in DIR (no
#                          headers), oldest segment first
#   seg_names DIR          final segment names in DIR, oldest first
#   spool_rows DIR         the rows a capture has written into DIR so far:
#                          its final segments and its open one (as far as
#                          the last --sync-interval flush made it readable),
#                          no headers, in no particular order; for waiting
#                          until a capture has a packet (a marker) before
#                          stopping it
#
# Waiting: a test waits for a condition it can observe (a file, a log line,
# a row in a segment, a socket), never for a fixed time. SECS is only the
# limit after which the condition counts as failed, so make it generous:
# the tests run on loaded two-core machines and under sanitizers.

[ -n "${T_COMMON_LOADED:-}" ] && return 0
T_COMMON_LOADED=1
T_FAILED=0
# No test may ask a real EC2 metadata service (traffic off 127.0.0.1);
# those that use the local stand-in say so themselves.
export AWS_EC2_METADATA_DISABLED=true
unset AWS_EC2_METADATA_SERVICE_ENDPOINT

ok() { echo "ok   - $* [${SECONDS}s]"; }
not_ok() { echo "FAIL - $* [${SECONDS}s]"; T_FAILED=1; }
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
eq() {
	if [ "$2" = "$3" ]; then
		ok "$1 ($2)"
	else
		not_ok "$1: got '$2', want '$3'"
	fi
}
skip() { echo "$*"; exit 77; }
finish() { exit "$T_FAILED"; }

# Microseconds since the epoch, without starting a process.
t__now_us() {
	local t=${EPOCHREALTIME/[.,]/}
	echo "$((10#$t))"
}

# SECS (whole or decimal, e.g. 0.5) in microseconds.
t__secs_us() {
	local whole=${1%%.*} frac=0
	[[ $1 == *.* ]] && frac=${1#*.}
	frac=${frac}000000
	echo "$((10#${whole:-0} * 1000000 + 10#${frac:0:6}))"
}

wait_for() {
	local deadline
	deadline=$(($(t__now_us) + $(t__secs_us "$1")))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(t__now_us)" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

log_has() {
	wait_for "${3:-10}" grep -Eq -- "$2" "$1"
}

pid_gone() {
	local stat
	[[ ${1:-} =~ ^[0-9]+$ ]] || return 0
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	# The command name (field 2) may hold spaces: the state follows ") ".
	stat=${stat##*) }
	[ "${stat%% *}" = Z ]
}

stop_pid() {
	local pid=$1 secs=${2:-30} sig=${3:-TERM} rc
	kill -"$sig" "$pid" 2>/dev/null
	if ! wait_for "$secs" pid_gone "$pid"; then
		echo "  (pid $pid did not end within $secs s of SIG$sig: SIGKILL)"
		kill -CONT "$pid" 2>/dev/null
		kill -KILL "$pid" 2>/dev/null
		wait_for 10 pid_gone "$pid"
	fi
	wait "$pid" 2>/dev/null
	rc=$?
	return "$rc"
}

seg_names() {
	find "$1" -maxdepth 1 -type f \( -name '*.csv.gz' -o -name '*.csv' \
		-o -name '*.csv.zst' \) \
		! -name '.*' -printf '%f\n' |
		awk '{ t = $0; sub(/^.*-([0-9]{8}T[0-9.]{16}Z)-/, "", t);
		       ts = $0; match(ts, /[0-9]{8}T[0-9]{6}\.[0-9]{9}Z/);
		       print substr(ts, RSTART, RLENGTH), $0 }' |
		sort | cut -d' ' -f2
}

seg_rows() {
	local f
	for f in $(seg_names "$1"); do
		case $f in
		*.gz) zcat "$1/$f" ;;
		*.zst) zstd -dcq "$1/$f" ;;
		*) cat "$1/$f" ;;
		esac | tail -n +2
	done
}

spool_rows() {
	# An open segment ends without its last block (and a plain one may
	# end in the middle of a row): only the complete rows, and no error.
	python3 - "$1" <<'EOF'
import glob, os, sys, zlib
d = sys.argv[1]
out = sys.stdout.buffer
for p in (glob.glob(os.path.join(d, "*.csv")) +
          glob.glob(os.path.join(d, "*.csv.gz")) +
          glob.glob(os.path.join(d, ".*.part"))):
    try:
        with open(p, "rb") as f:
            data = f.read()
    except OSError:
        continue            # published or removed meanwhile
    if data[:2] == b"\x1f\x8b":
        try:
            data = zlib.decompressobj(16 + 15).decompress(data)
        except zlib.error:
            continue
    # no header, and only complete lines (the last piece has no newline)
    out.write(b"".join(l + b"\n" for l in data.split(b"\n")[1:-1]))
EOF
}
