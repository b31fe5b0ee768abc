#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The daemon through three outages of a real S3 server (Swift with s3api):
# the proxy killed (SIGKILL: connection refused), the proxy stopped
# (SIGSTOP: it accepts connections and never answers, a hung server), and
# the object server killed (the proxy answers 5xx). In each, uploads fail
# and are logged with a retry delay, nothing is deleted, and once the
# server is back every segment ships and reads back byte for byte. Needs
# Swift (exit 77 without it).
# Helper functions run indirectly, through check and wait_for.
# shellcheck disable=SC2317,SC2119
set -u
# shellcheck source=tests/lib/ship.sh
. "$(dirname "$0")/lib/ship.sh"
ship_init
ship_need_swift
echo "swift up [${SECONDS}s]"
ship_env
mapfile -t flags < <(ship_flags)
mkdir -p "$T/spool" "$T/orig"
log=$T/daemon.log
: >"$log"

# new_segs FIRST LAST: segments numbered FIRST..LAST into the spool.
new_segs() {
	local i n
	for ((i = $1; i <= $2; i++)); do
		n=$(seg_name "$i")
		mkseg "$T/spool" "$n" 30
		cp "$T/spool/$n" "$T/orig/"
	done
}
# errors_since LINE PATTERN: matching error lines after line LINE of the log.
errors_since() {
	tail -n +"$(($1 + 1))" "$log" | grep -c -e "$2"
}
lines_now() { wc -l <"$log"; }
# retries_ge LINE N: at least N "retry in" error lines after line LINE.
retries_ge() { [ "$(errors_since "$1" "error: upload .*retry in")" -ge "$2" ]; }
# all_kept FIRST LAST: segments FIRST..LAST are in the spool, unchanged.
all_kept() {
	local i n
	for ((i = $1; i <= $2; i++)); do
		n=$(seg_name "$i")
		cmp -s "$T/spool/$n" "$T/orig/$n" || return 1
	done
}
all_shipped() {
	local i n
	for ((i = $1; i <= $2; i++)); do
		n=$(seg_name "$i")
		object_is "$n" "$T/orig/$n" || return 1
	done
}

# 1. The proxy is killed before the daemon starts.
swift_kill_proxy
new_segs 1 2
start=$(lines_now)
ship_bg "$log" "${flags[@]}" --spool-dir "$T/spool" --timeout 2 \
	--backoff-max 2
dpid=$SHIP_PID
wait_for 60 retries_ge "$start" 2
new_segs 3 3	# one more arrives (inotify) during the outage
wait_for 60 retries_ge "$start" 4
check "proxy killed: failed uploads are logged with a retry delay" \
	test "$(errors_since "$start" "error: upload $(seg_name 1): .*, retry in [0-9]* s (attempt [0-9]*)")" -ge 2
check "proxy killed: the curl error names the failed connection" \
	test "$(errors_since "$start" "Could not connect\|Couldn't connect\|Failed to connect")" -ge 1
check "proxy killed: nothing was deleted" all_kept 1 3
swift_start_proxy
check "proxy back: the spool empties" wait_for 60 spool_empty "$T/spool"
check "proxy back: all 3 segments read back byte for byte" all_shipped 1 3
check "the daemon is still running" kill -0 "$dpid"

# 2. The proxy is stopped: it accepts connections and never answers.
swift_stop_proxy
start=$(lines_now)
new_segs 4 5
wait_for 60 retries_ge "$start" 2
# (after a failure the daemon goes on with the next segment, so the two
# take turns)
check "proxy stopped: the hung uploads time out and are retried" \
	test "$(errors_since "$start" "error: upload \\($(seg_name 4)\\|$(seg_name 5)\\): no data moved for 2 s.*, retry in")" -ge 2
check "proxy stopped: nothing was deleted" all_kept 4 5
# SIGTERM during a hung upload (a long --timeout): the daemon aborts the
# transfer at once and exits 0, keeping the file.
mkdir -p "$T/spool2"
mkseg "$T/spool2" "$(seg_name 40)"
ship_bg "$T/hung.log" "${flags[@]}" --spool-dir "$T/spool2" --timeout 60 -v
hpid=$SHIP_PID
# The upload is under way once the shipper is connected to the proxy (the
# kernel accepts for the stopped process).
port=${SWIFT_ENDPOINT##*:}
uploading() {
	ss -Htnp "dport = :$port" 2>/dev/null | grep "pid=$hpid," >/dev/null
}
check "the hung upload has started" wait_for 60 uploading
t0=$(date +%s%N)
ship_stop "$hpid"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
# (libcurl asks whether to go on at least once a second: the stop takes
# about that, however long --timeout is; 10 s leaves room for a loaded
# machine and is still far from the 60 s of --timeout)
check "SIGTERM during a hung upload: exit 0 within 10 s (${ms} ms)" \
	test "$rc" = 0 -a "$ms" -lt 10000
check "SIGTERM during a hung upload: says so, keeps the file" \
	test "$(grep_count "upload $(seg_name 40) interrupted" "$T/hung.log")" = 1 -a -s "$T/spool2/$(seg_name 40)"
swift_cont_proxy
check "proxy resumed: the spool empties" wait_for 60 spool_empty "$T/spool"
check "proxy resumed: both segments read back byte for byte" all_shipped 4 5

# 3. The object server is killed: the proxy answers 5xx.
swift_kill_object
start=$(lines_now)
new_segs 6 7
wait_for 60 retries_ge "$start" 2
check "object server down: 5xx answers are logged and retried" \
	test "$(errors_since "$start" "error: upload \\($(seg_name 6)\\|$(seg_name 7)\\): HTTP 5[0-9][0-9].*, retry in")" -ge 2
check "object server down: nothing was deleted" all_kept 6 7
swift_start_object
check "object server back: the spool empties" wait_for 60 spool_empty "$T/spool"
check "object server back: both segments read back byte for byte" \
	all_shipped 6 7

# (the interrupted request for segment 40 may still have been carried out
# by the proxy once it resumed: that object is allowed, nothing else)
check "every segment has exactly one object" \
	test "$(keys_in_bucket | grep -v -F "$(seg_name 40)" | grep -c '^wgtap/')" = 7
ship_stop "$dpid"
rc=$?
check "the daemon exits 0 on SIGTERM" test "$rc" = 0
if [ "$T_FAILED" != 0 ]; then
	echo "--- daemon log"
	cat "$log"
fi
ship_done
