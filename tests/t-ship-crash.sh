#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The shipper killed between a verified upload and the delete. strace's
# fault injection makes the first unlinkat() fail and delivers SIGKILL at
# that moment, so the upload happened for real and the delete did not (no
# hook in the program). Then: the segment is still in the spool, the
# object already holds its bytes; a normal restart uploads the same key
# with the same bytes, deletes the segment, and the bucket holds exactly one
# object for it. Done for --once and for the daemon. Needs Swift and strace
# (exit 77 without them).
# Helper functions run indirectly, through check and wait_for.
# shellcheck disable=SC2317,SC2119
set -u
# shellcheck source=tests/lib/ship.sh
. "$(dirname "$0")/lib/ship.sh"
ship_init
if ! command -v strace >/dev/null 2>&1; then
	echo "strace is not installed (apt-get install strace)"
	exit 77
fi
# strace needs ptrace; a container may forbid it.
if ! strace -f -o /dev/null true 2>/dev/null; then
	echo "strace cannot trace here (ptrace not permitted)"
	exit 77
fi
ship_need_swift
ship_env
mapfile -t flags < <(ship_flags)
mkdir -p "$T/spool" "$T/orig"

# killed_at_delete LOG ARGS...: run the shipper under strace, SIGKILLed at
# its first unlinkat(), which is skipped; $rc is strace's exit status.
killed_at_delete() {
	local out=$1
	shift
	strace -f -o /dev/null -e trace=unlinkat \
		-e inject=unlinkat:error=EIO:signal=SIGKILL:when=1 \
		"$WGTAP_SHIP" "$@" >"$out" 2>&1 &
	_SHIP_PIDS+=("$!")
	wait "$!" 2>/dev/null
	rc=$?
}

# crash_then_restart MODE SEG: the whole scenario for one segment.
crash_then_restart() {
	local mode=$1 seg=$2 key
	key=$(key_of "$seg")
	mkseg "$T/spool" "$seg" 40
	cp "$T/spool/$seg" "$T/orig/"
	if [ "$mode" = once ]; then
		killed_at_delete "$T/$mode-crash.log" "${flags[@]}" --once \
			--spool-dir "$T/spool"
	else
		# The daemon ships the segment at start, then is killed.
		killed_at_delete "$T/$mode-crash.log" "${flags[@]}" \
			--spool-dir "$T/spool"
	fi
	check "$mode: the shipper died of SIGKILL at the delete (status $rc)" \
		test "$rc" = 137
	check "$mode: no 'uploaded' line: it died before it could log" \
		test "$(grep_count "uploaded $seg" "$T/$mode-crash.log")" = 0
	check "$mode: the segment is still in the spool, unchanged" \
		cmp -s "$T/spool/$seg" "$T/orig/$seg"
	check "$mode: the upload had happened (one 2xx PUT)" \
		test "$(swift_put_count --2xx "$BUCKET" "$key")" = 1
	check "$mode: the object already holds the segment's bytes" \
		object_is "$seg" "$T/orig/$seg"

	if [ "$mode" = once ]; then
		"$WGTAP_SHIP" "${flags[@]}" --once --spool-dir "$T/spool" \
			>"$T/$mode-restart.log" 2>&1
		rc=$?
		check "$mode: the restarted --once exits 0" test "$rc" = 0
	else
		ship_bg "$T/$mode-restart.log" "${flags[@]}" \
			--spool-dir "$T/spool"
		wait_for 60 spool_empty "$T/spool"
		ship_stop "$SHIP_PID"
	fi
	check "$mode: after the restart the segment is deleted" \
		test ! -e "$T/spool/$seg"
	check "$mode: it was uploaded again to the same key (two 2xx PUTs)" \
		test "$(swift_put_count --2xx "$BUCKET" "$key")" = 2
	check "$mode: the object still holds exactly the segment's bytes" \
		object_is "$seg" "$T/orig/$seg"
	check "$mode: the bucket holds exactly one object for it" \
		test "$(keys_in_bucket | grep -c -F -x "$key")" = 1
}

crash_then_restart once "$(seg_name 1)"
crash_then_restart daemon "$(seg_name 2)"
check "no other key appeared" test "$(keys_in_bucket | wc -l)" = 2
ship_done
