#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A daemon and a --once run started together on the same spool of 200
# segments, against a real S3 server (Swift with s3api). The flock on each
# segment must keep them from shipping the same file at once: the proxy's
# access log shows exactly one PUT per key (none repeated, none failed),
# every object reads back byte for byte, both shippers shipped some, the
# spool ends up empty, --once exits 0 and the daemon stops with 0. Needs
# Swift (exit 77 without it).
# Helper functions run indirectly, through check and wait_for.
# shellcheck disable=SC2317,SC2119
set -u
# shellcheck source=tests/lib/ship.sh
. "$(dirname "$0")/lib/ship.sh"
ship_init
ship_need_swift
ship_env
echo "swift up [${SECONDS}s]"
mapfile -t flags < <(ship_flags)
S=$T/spool
N=200
mkdir -p "$S" "$T/orig"
mkseg_many "$S" "$T/orig" 1 "$N"
echo "$N segments made [${SECONDS}s]"

ship_bg "$T/daemon.log" "${flags[@]}" --spool-dir "$S" --backoff-max 1
dpid=$SHIP_PID
# both at work at once: the daemon has started its first scan
log_has "$T/daemon.log" "watching" 30 || not_ok "the daemon started"
"$WGTAP_SHIP" "${flags[@]}" --once --spool-dir "$S" --backoff-max 1 \
	>"$T/once.log" 2>&1
rc=$?
check "--once exits 0" test "$rc" = 0
check "the spool ends up empty" wait_for 60 spool_empty "$S"
ship_stop "$dpid"
rc=$?
check "the daemon exits 0 on SIGTERM" test "$rc" = 0

by_daemon=$(grep_count "info: uploaded" "$T/daemon.log")
by_once=$(grep_count "info: uploaded" "$T/once.log")
echo "  shipped by the daemon: $by_daemon, by --once: $by_once"
check "both shippers shipped some segments" \
	test "$by_daemon" -gt 0 -a "$by_once" -gt 0
check "together they logged exactly $N uploads" \
	test "$((by_daemon + by_once))" = "$N"
check "no upload failed" \
	test "$(cat "$T/daemon.log" "$T/once.log" | grep -c 'error:')" = 0

# Count the PUTs per segment in the proxy's access log, in one pass: the
# segment's name is the last part of the path and needs no quoting. The
# proxy logs a request after its answer: wait for the last lines first.
swift_log_sync
awk '{
	for (i = 1; i + 3 <= NF; i++)
		if ($i == "PUT" && $(i + 2) ~ /^HTTP\// &&
		    $(i + 3) ~ /^[0-9][0-9][0-9]$/) {
			p = $(i + 1); sub(/\?.*/, "", p); sub(/.*\//, "", p)
			print p, $(i + 3)
			break
		}
}' "$SWIFT_PROXY_LOG" | grep '^wg0-' | sort >"$T/puts"
puts_bad=0
gets_bad=0
for ((i = 1; i <= N; i++)); do
	echo "$(seg_name "$i") 201"
done | sort >"$T/want-puts"
sed -i 's/ 20[01]$/ 201/' "$T/puts"
if ! cmp -s "$T/puts" "$T/want-puts"; then
	diff "$T/want-puts" "$T/puts" | head -n 20
	puts_bad=1
fi
check "exactly one PUT per key in the proxy log, all 2xx, for all $N segments" \
	test "$puts_bad" = 0
check "the PUT count agrees with swift_put_count for a sample" \
	test "$(swift_put_count "$BUCKET" "$(key_of "$(seg_name 77)")")" = 1
keys_in_bucket >"$T/keys"
check "the bucket holds exactly $N keys" test "$(wc -l <"$T/keys")" = "$N"
# Read back a sample (every 25th) byte for byte.
for ((i = 1; i <= N; i += 25)); do
	n=$(seg_name "$i")
	object_is "$n" "$T/orig/$n" || gets_bad=$((gets_bad + 1))
done
check "every 25th object reads back byte for byte" test "$gets_bad" = 0
ship_done
