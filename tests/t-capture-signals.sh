#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Signals while `wgtap-capture -r -` reads a pipe that stays open and idle
# (a producer such as `tcpdump -w -` on a quiet link), fed by
# tests/tools/pcapfeed.py, which writes a step of packets and then waits.
# Each signal comes while the capture is blocked on its input: after the
# last whole record, in the middle of a record, or before the file header.
#   - SIGHUP closes the open segment at once: a segment appears with every
#     row so far, and the conversion goes on with the next input;
#   - SIGTERM and SIGINT end the conversion: exit 0, every row of a whole
#     record in a completed segment, no temporary file, no error line.
# Readiness: the capture's own debug line "waiting for input (N bytes so
# far)" with N the bytes the writer has sent, never a sleep.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/common.sh
. "$here/lib/common.sh"
[ -x "${WGTAP_CAPTURE:-}" ] || skip "WGTAP_CAPTURE not set"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
T=$(mktemp -d /tmp/wgtap-sig.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
feed=$here/tools/pcapfeed.py
HDR=24		# pcap file header
REC=52		# one record: 16-byte record header, 36-byte packet

# start NAME STEP...: pcapfeed.py piped into wgtap-capture -r -, spool
# $T/NAME; cpid and wpid are the capture's and the writer's pids, and
# $T/NAME.rc gets the capture's exit status.
start() {
	local name=$1
	shift
	mkdir -p "$T/$name"
	python3 "$feed" --rows "$T/$name.rows" --log "$T/$name.log" \
		--pidfile "$T/$name.wpid" "$@" | (
		# shellcheck disable=SC2016
		sh -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' \
			"$T/$name.cpid" "$WGTAP_CAPTURE" -r - --iface "$name" \
			--spool-dir "$T/$name" -t 1h --compress none -v \
			2>"$T/$name.err"
		echo $? >"$T/$name.rc"
	) &
	cpid= wpid=
	wait_for 10 test -s "$T/$name.cpid" && cpid=$(cat "$T/$name.cpid")
	wait_for 10 test -s "$T/$name.wpid" && wpid=$(cat "$T/$name.wpid")
	[ -n "$cpid" ] && [ -n "$wpid" ] || not_ok "$name: did not start"
	pids+=("$cpid" "$wpid")
}

# waiting NAME BYTES: the capture has read BYTES and waits for more
waiting() {
	if log_has "$T/$1.err" "debug: read stdin: waiting for input \\($2 bytes so far\\)" 10; then
		ok "$1: blocked on the pipe after $2 bytes"
	else
		not_ok "$1: never said it waits after $2 bytes"
	fi
}

# rows_of NAME FIRST COUNT: rows FIRST..FIRST+COUNT-1 (from 1) the writer sent
rows_of() {
	tail -n +"$2" "$T/$1.rows" | head -n "$3"
}

# finals DIR: how many completed segments
finals() {
	seg_names "$1" | wc -l
}

# has_finals DIR N: at least N completed segments
has_finals() {
	[ "$(finals "$1")" -ge "$2" ]
}

# stopped NAME WHAT: the capture exited 0, left no temporary file and
# wrote no warning or error line
stopped() {
	wait_for 10 test -s "$T/$1.rc" || not_ok "$1: still running after $2"
	eq "$1: exit status after $2" "$(cat "$T/$1.rc" 2>/dev/null)" 0
	eq "$1: temporary files left" "$(find "$T/$1" -name '.*' | wc -l)" 0
	eq "$1: warning or error lines" \
		"$(grep -Ec ': (warning|error): ' "$T/$1.err")" 0
}

# --- SIGHUP after a whole record; then more input; SIGTERM -------------------
start hup 5 3
waiting hup $((HDR + 5 * REC))
kill -HUP "$cpid"
check "hup: a segment appears after SIGHUP" wait_for 5 has_finals "$T/hup" 1
eq "hup: the segment has every row so far" "$(seg_rows "$T/hup")" "$(rows_of hup 1 5)"
check "hup: the conversion goes on" kill -0 "$cpid"
kill -USR1 "$wpid"
waiting hup $((HDR + 8 * REC))
kill -TERM "$cpid"
stopped hup SIGTERM
eq "hup: every row, once, in order" "$(seg_rows "$T/hup")" "$(rows_of hup 1 8)"
eq "hup: segments" "$(finals "$T/hup")" 2
check "hup: closed on SIGHUP with 5 rows" grep -q ': 5 rows (SIGHUP);' "$T/hup.err"
check "hup: closed at exit with 3 rows" grep -q ': 3 rows (exit);' "$T/hup.err"

# --- SIGHUP inside a record; the record completes; SIGINT inside another ------
start mid 4+ 2+
waiting mid $((HDR + 4 * REC + REC / 2))
kill -HUP "$cpid"
check "mid: a segment appears after SIGHUP" wait_for 5 has_finals "$T/mid" 1
eq "mid: the segment has every whole record so far" "$(seg_rows "$T/mid")" "$(rows_of mid 1 4)"
check "mid: the conversion goes on" kill -0 "$cpid"
kill -USR1 "$wpid"
waiting mid $((HDR + 7 * REC + REC / 2))
kill -INT "$cpid"
stopped mid SIGINT
eq "mid: every whole record, once, in order" "$(seg_rows "$T/mid")" "$(rows_of mid 1 7)"
eq "mid: rows the writer completed" "$(wc -l <"$T/mid.rows")" 7
eq "mid: segments" "$(finals "$T/mid")" 2
check "mid: closed at exit with 3 rows" grep -q ': 3 rows (exit);' "$T/mid.err"

# --- SIGTERM before the file header -----------------------------------------
start hdr 0
waiting hdr 0
kill -TERM "$cpid"
stopped hdr "SIGTERM before the header"
eq "hdr: no segment" "$(finals "$T/hdr")" 0
check "hdr: says it stopped before the header" \
	grep -q 'info: read stdin: stopped before the file header came in' "$T/hdr.err"

# --- SIGTERM inside a record, without SIGHUP --------------------------------
start term 3+
waiting term $((HDR + 3 * REC + REC / 2))
kill -TERM "$cpid"
stopped term "SIGTERM inside a record"
eq "term: every whole record" "$(seg_rows "$T/term")" "$(rows_of term 1 3)"
eq "term: segments" "$(finals "$T/term")" 1
finish
