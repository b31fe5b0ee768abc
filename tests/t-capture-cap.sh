#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The spool cap and a full filesystem, on a small tmpfs, with a real
# WireGuard tunnel flooding the capture: at the cap (--spool-max-bytes) or
# when the filesystem is full, the open segment is closed whole and
# published, later packets are dropped and counted as spool_full (logged,
# never silent), and capture resumes once space is freed. No final name
# ever holds a partial segment, and the counters add up. Needs root.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/common.sh"
. "$here/lib/wgtunnel.sh"

reason=$(wgt_available python3 mount umount) || skip "$reason"
[ -x "${WGTAP_CAPTURE:-}" ] || skip "WGTAP_CAPTURE not set"
mnt=
cleanup() {
	[ -n "$mnt" ] && umount "$mnt" 2>/dev/null
	wgt_down
}
trap cleanup EXIT
wgt_up || { not_ok "tunnel up"; exit 1; }
T=$WGT_TMP
traffic="python3 $here/tools/traffic.py"
ns_a() { ip netns exec "$WGT_NS_A" "$@"; }
field() { grep -o " $2=[0-9]*" <<<"$1" | cut -d= -f2; }
# has_mark DIR: the capture has the row of the 100-byte marker (128 bytes
# of IP).
has_mark() {
	spool_rows "$1" | grep "^$WGT_A4,[0-9]*,$WGT_B4,7009,UDP,128," >/dev/null
}

run_case() { # NAME TMPFS_SIZE CAPTURE_ARGS...
	local name=$1 size=$2 dir
	shift 2
	dir=$T/$name
	mkdir -p "$dir"
	mount -t tmpfs -o "size=$size,mode=0750" tmpfs "$dir" || {
		not_ok "$name: mount tmpfs"; return; }
	mnt=$dir
	WGT_BG_LOG=$T/$name.log wgt_bg "$WGT_NS_A" "$WGTAP_CAPTURE" \
		--iface "$WGT_IF_A" --spool-dir "$dir" -t 1h -n 20000 \
		--filter "udp port 7009" "$@" >/dev/null
	cap=$WGT_LAST_PID
	# logged once the capture is open (after pcap_activate())
	log_has "$T/$name.log" "capturing on" 30 || not_ok "$name: started"
	# Far more than fits, about 60 bytes a row: floods of 50000 datagrams
	# until the capture says the spool is full (how many get through the
	# tunnel depends on the machine's load, not only on what is sent).
	local i seq=0 full=0
	for ((i = 0; i < 40 && full == 0; i++)); do
		ns_a $traffic udp-flood "$WGT_B4" 7009 50000 "$seq" 30000
		seq=$((seq + 50000))
		wait_for 2 grep -q "dropping packets" "$T/$name.log" && full=1
	done
	check "$name: the full spool was logged (after $seq datagrams)" \
		test "$full" = 1
	# no partial segment under a final name, ever (checked while full)
	local f bad=0 names
	names=$(seg_names "$dir")
	for f in $names; do
		case $f in
		*.gz) gzip -t "$dir/$f" 2>/dev/null || bad=1 ;;
		*) [ "$(tail -c 1 "$dir/$f" | od -An -c | tr -d ' ')" = '\n' ] || bad=1 ;;
		esac
	done
	eq "$name: every final segment is complete" "$bad" 0
	# the shipper frees space: the rows of exactly the segments it removes
	for f in $names; do
		tail -n +2 "$dir/$f"
		rm -f "$dir/$f"
	done >"$T/$name.rows1"
	log_has "$T/$name.log" "resumed after dropping [0-9]+ packets" 30 ||
		not_ok "$name: did not resume after space was freed"
	ns_a $traffic udp-flood "$WGT_B4" 7009 1000 "$seq" 5000
	# a last datagram of another size: once it has a row, so has every
	# packet before it
	ns_a $traffic udp-mark "$WGT_B4" 7009 100
	wait_for 30 has_mark "$dir" ||
		not_ok "$name: the last datagram did not reach the segment"
	stop_pid "$cap" 30
	eq "$name: exit status" "$?" 0
	seg_rows "$dir" >"$T/$name.rows2"
	local summary rows dropped packets
	summary=$(grep 'summary;' "$T/$name.log")
	rows=$(field "$summary" rows)
	dropped=$(field "$summary" spool_full)
	packets=$(field "$summary" packets)
	check "$name: packets were dropped at the cap ($dropped)" test "${dropped:-0}" -gt 0
	eq "$name: rows + spool_full = packets" "$((rows + dropped))" "$packets"
	eq "$name: rows in the files = rows counted" \
		"$(cat "$T/$name.rows1" "$T/$name.rows2" | wc -l)" "$rows"
	# (how many of the 1000 get through a loaded tunnel is not ours to say;
	# the counters above must add up whatever the number)
	check "$name: rows after resuming, up to the last datagram ($(wc -l <"$T/$name.rows2"))" \
		grep -q "^$WGT_A4,[0-9]*,$WGT_B4,7009,UDP,128," "$T/$name.rows2"
	check "$name: the cap was honoured" test "$(du -sk "$dir" | cut -f1)" -le 5200
	umount "$dir"
	mnt=
}

# At the cap: a 4 MiB cap on a 16 MiB tmpfs.
run_case cap 16m --spool-max-bytes 4M --compress none
# The filesystem full: a 5 MiB tmpfs and no cap.
run_case enospc 5m --spool-max-bytes 0 --compress none
finish
