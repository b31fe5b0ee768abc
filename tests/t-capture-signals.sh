#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Signals while `wgtap-capture -r -` reads a pipe that stays open and idle
# (a producer such as `tcpdump -w -` on a quiet link), fed by
# tests/tools/pcapfeed.py, which writes a step of packets and then waits.
# Each signal comes while the capture is blocked on its input: after the
# last whole record, in the middle of a record, before the file header, or
# (-r FIFO) before any writer has opened the FIFO.
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
# shellcheck source=lib/pcapfeed.sh
. "$here/lib/pcapfeed.sh"
T=$(mktemp -d /tmp/wgtap-sig.XXXXXX)
trap 'feed_cleanup; rm -rf "$T"' EXIT
HDR=$FEED_HDR REC=$FEED_REC

# start NAME STEP...: the writer piped into the capture, plain CSV
start() {
	local name=$1
	shift
	feed_start "$name" "--compress none" "$@"
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

# --- SIGHUP after a whole record; then more input; SIGTERM -------------------
start hup 5 3
feed_waiting hup $((HDR + 5 * REC))
kill -HUP "$cpid"
check "hup: a segment appears after SIGHUP" wait_for 5 has_finals "$T/hup" 1
eq "hup: the segment has every row so far" "$(seg_rows "$T/hup")" "$(rows_of hup 1 5)"
check "hup: the conversion goes on" kill -0 "$cpid"
kill -USR1 "$wpid"
feed_waiting hup $((HDR + 8 * REC))
kill -TERM "$cpid"
feed_stopped hup SIGTERM
eq "hup: every row, once, in order" "$(seg_rows "$T/hup")" "$(rows_of hup 1 8)"
eq "hup: segments" "$(finals "$T/hup")" 2
check "hup: closed on SIGHUP with 5 rows" grep -q ': 5 rows (SIGHUP);' "$T/hup.err"
check "hup: closed at exit with 3 rows" grep -q ': 3 rows (exit);' "$T/hup.err"

# --- SIGHUP inside a record; the record completes; SIGINT inside another ------
start mid 4+ 2+
feed_waiting mid $((HDR + 4 * REC + REC / 2))
kill -HUP "$cpid"
check "mid: a segment appears after SIGHUP" wait_for 5 has_finals "$T/mid" 1
eq "mid: the segment has every whole record so far" "$(seg_rows "$T/mid")" "$(rows_of mid 1 4)"
check "mid: the conversion goes on" kill -0 "$cpid"
kill -USR1 "$wpid"
feed_waiting mid $((HDR + 7 * REC + REC / 2))
kill -INT "$cpid"
feed_stopped mid SIGINT
eq "mid: every whole record, once, in order" "$(seg_rows "$T/mid")" "$(rows_of mid 1 7)"
eq "mid: rows the writer completed" "$(wc -l <"$T/mid.rows")" 7
eq "mid: segments" "$(finals "$T/mid")" 2
check "mid: closed at exit with 3 rows" grep -q ': 3 rows (exit);' "$T/mid.err"

# --- SIGTERM before the file header -----------------------------------------
start hdr 0
feed_waiting hdr 0
kill -TERM "$cpid"
feed_stopped hdr "SIGTERM before the header"
eq "hdr: no segment" "$(finals "$T/hdr")" 0
check "hdr: says it stopped before the header" \
	grep -q 'info: read stdin: stopped before the file header came in' "$T/hdr.err"

# --- SIGTERM while -r names a FIFO no writer has opened yet -----------------
mkdir "$T/fifo"
mkfifo "$T/fifo.pipe"
(
	# shellcheck disable=SC2016
	sh -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' "$T/fifo.cpid" \
		"$WGTAP_CAPTURE" -r "$T/fifo.pipe" --iface fifo --spool-dir "$T/fifo" \
		-v 2>"$T/fifo.err"
	echo $? >"$T/fifo.rc"
) &
cpid=
wait_for 10 test -s "$T/fifo.cpid" && cpid=$(cat "$T/fifo.cpid")
feed_pids+=("$cpid")
check "fifo: waits for a writer" log_has "$T/fifo.err" \
	"debug: read $T/fifo.pipe: waiting for input \\(0 bytes so far\\)" 10
kill -TERM "$cpid"
feed_stopped fifo "SIGTERM before a writer came"
eq "fifo: no segment" "$(finals "$T/fifo")" 0

# --- SIGTERM inside a record, without SIGHUP --------------------------------
start term 3+
feed_waiting term $((HDR + 3 * REC + REC / 2))
kill -TERM "$cpid"
feed_stopped term "SIGTERM inside a record"
eq "term: every whole record" "$(seg_rows "$T/term")" "$(rows_of term 1 3)"
eq "term: segments" "$(finals "$T/term")" 1
finish
