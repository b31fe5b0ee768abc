# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# pcapfeed.sh: tests/tools/pcapfeed.py piped into `wgtap-capture -r -`, a
# pipe that stays open between the writer's steps. Source it after
# common.sh; it needs T (the test's scratch directory), WGTAP_CAPTURE and
# an EXIT trap that calls feed_cleanup.
#
#   feed_start NAME 'FLAGS' STEP...   the writer (pcapfeed.py arguments:
#        options, then steps) piped into wgtap-capture -r - --iface NAME
#        --spool-dir $T/NAME -t 1h -v FLAGS; sets cpid and wpid (the
#        capture's and the writer's pids). Files: $T/NAME.err (stderr),
#        .rows (rows of the packets sent), .log (the writer's log),
#        .rc (the capture's exit status, once it has exited)
#   feed_waiting NAME BYTES   wait until the capture says it has read BYTES
#        and waits for more (its -v line); ok or not_ok
#   feed_stopped NAME WHAT    the capture has exited 0 (after WHAT), left no
#        temporary file and logged no warning or error
#   feed_cleanup              kill (SIGKILL: a capture that ignores SIGTERM
#        must not hang the test) what feed_start started, by pid
#   FEED_HDR, FEED_REC        bytes of the pcap header and of one record

FEED_HDR=24	# pcap file header
FEED_REC=52	# one record: 16-byte record header, 36-byte packet
feed_pids=()

feed_start() {
	local name=$1 flags=$2 top
	shift 2
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	mkdir -p "$T/$name"
	python3 "$top/tools/pcapfeed.py" --rows "$T/$name.rows" \
		--log "$T/$name.log" --pidfile "$T/$name.wpid" "$@" | (
		# shellcheck disable=SC2016,SC2086
		sh -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' \
			"$T/$name.cpid" "$WGTAP_CAPTURE" -r - --iface "$name" \
			--spool-dir "$T/$name" -t 1h -v $flags 2>"$T/$name.err"
		echo $? >"$T/$name.rc"
	) &
	cpid= wpid=
	wait_for 10 test -s "$T/$name.cpid" && cpid=$(cat "$T/$name.cpid")
	wait_for 10 test -s "$T/$name.wpid" && wpid=$(cat "$T/$name.wpid")
	[ -n "$cpid" ] && [ -n "$wpid" ] || not_ok "$name: did not start"
	feed_pids+=("$cpid" "$wpid")
}

feed_waiting() {
	if log_has "$T/$1.err" "debug: read stdin: waiting for input \\($2 bytes so far\\)" 10; then
		ok "$1: blocked on the pipe after $2 bytes"
	else
		not_ok "$1: never said it waits after $2 bytes"
	fi
}

feed_stopped() {
	wait_for 10 test -s "$T/$1.rc" || not_ok "$1: still running after $2"
	eq "$1: exit status after $2" "$(cat "$T/$1.rc" 2>/dev/null)" 0
	eq "$1: temporary files left" "$(find "$T/$1" -name '.*' | wc -l)" 0
	eq "$1: warning or error lines" \
		"$(grep -Ec ': (warning|error): ' "$T/$1.err")" 0
}

feed_cleanup() {
	local p
	for p in "${feed_pids[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
}
