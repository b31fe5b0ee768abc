#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A full spool filesystem, on ext2 (an image on a loop device, made and
# removed here: ext2 has no fallocate(FALLOC_FL_KEEP_SIZE), so space is
# reserved by writing zeros) and on tmpfs (which has it). The documented
# spool-full behaviour must hold on both:
#   - live, a real WireGuard tunnel flooding the capture: the open segment
#     is closed whole, later packets are dropped and counted as
#     spool_full, the capture keeps running and resumes when room is
#     freed; rows counted equal rows in the files, every final segment is
#     complete, no row is torn or written twice;
#   - `-r`: the conversion waits for room and goes on when segments are
#     taken away (as the shipper does); every row of the file is in a
#     completed segment exactly once.
# Needs root.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/common.sh"
. "$here/lib/wgtunnel.sh"

reason=$(wgt_available python3 mount umount losetup mkfs.ext2 truncate) ||
	skip "$reason"
[ -x "${WGTAP_CAPTURE:-}" ] || skip "WGTAP_CAPTURE not set"
mnts=() loops=()
# Unmounted before wgt_down removes the directory; lazily if a process of
# a failed run still holds it (wgt_down kills it, which frees the mount
# and the loop device).
cleanup() {
	local m l
	for m in "${mnts[@]}"; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null; done
	wgt_down
}
trap cleanup EXIT
wgt_up || { not_ok "tunnel up"; exit 1; }
T=$WGT_TMP
traffic="python3 $here/tools/traffic.py"
ns_a() { ip netns exec "$WGT_NS_A" "$@"; }
field() { grep -o " $2=[0-9]*" <<<"$1" | cut -d= -f2; }
# A v1 row as wgtap writes it, whole (the dns field may be empty).
ROW_RE='^[0-9a-f.:]+,[0-9]*,[0-9a-f.:]+,[0-9]*,[A-Za-z0-9]+,[0-9]+,[0-9]{19},[A-Za-z0-9+/=]*$'

# make_fs KIND DIR SIZE: an empty filesystem of KIND (ext2, tmpfs) at DIR.
make_fs() {
	local kind=$1 dir=$2 size=$3 loop
	mkdir -p "$dir"
	case $kind in
	tmpfs)
		mount -t tmpfs -o "size=$size,mode=0750" tmpfs "$dir" || return 1 ;;
	ext2)
		truncate -s "$size" "$dir.img" &&
			mkfs.ext2 -q -F -m 0 "$dir.img" || return 1
		loop=$(losetup -f --show "$dir.img") || return 1
		loops+=("$loop")
		mount -t ext2 "$loop" "$dir" || return 1
		chmod 0750 "$dir" ;;
	esac
	mnts+=("$dir")
}

# Every final segment in DIR is complete (plain CSV: the header, then
# whole rows, the last one ending in a newline); prints the rows.
complete_rows() {
	local dir=$1 f
	for f in $(seg_names "$dir"); do
		[ "$(head -n 1 "$dir/$f")" = src,src_port,dst,dst_port,l3_protocol,size,timestamp,dns ] ||
			echo "BAD header: $f" >&2
		[ "$(tail -c 1 "$dir/$f" | od -An -tx1 | tr -d ' ')" = 0a ] ||
			echo "BAD end: $f" >&2
		tail -n +2 "$dir/$f"
	done
}

# rows_ok NAME FILE: every line of FILE is a whole row, none twice (the
# nanosecond timestamps of the flood differ).
rows_ok() {
	eq "$1: torn rows" "$(grep -cvE "$ROW_RE" "$2")" 0
	eq "$1: rows written twice" "$(sort "$2" | uniq -d | wc -l)" 0
}

# --- live ------------------------------------------------------------------
live_case() { # KIND SIZE
	local kind=$1 size=$2 name=live-$1 dir cap summary rows dropped packets
	dir=$T/$name
	make_fs "$kind" "$dir" "$size" || { not_ok "$name: make $kind"; return; }
	WGT_BG_LOG=$T/$name.log wgt_bg "$WGT_NS_A" "$WGTAP_CAPTURE" \
		--iface "$WGT_IF_A" --spool-dir "$dir" -t 1h -n 20000 \
		--compress none --spool-max-bytes 0 \
		--filter "udp port 7008 or udp port 7009" >/dev/null
	cap=$WGT_LAST_PID
	# Ready when a probe has opened a segment.
	local i
	for i in $(seq 100); do
		ns_a $traffic udp-flood "$WGT_B4" 7008 1 "$i"
		compgen -G "$dir/.$WGT_IF_A-*.part" >/dev/null && break
		sleep 0.1
	done
	# Far more than fits: about 60 bytes a row.
	ns_a $traffic udp-flood "$WGT_B4" 7009 150000 0 30000
	log_has "$T/$name.log" "dropping packets" 10 ||
		not_ok "$name: the full spool was not logged"
	check "$name: still running when full" wgt_alive "$cap"
	complete_rows "$dir" >"$T/$name.rows1" 2>"$T/$name.bad1"
	eq "$name: every final segment complete" "$(cat "$T/$name.bad1")" ""
	# The shipper frees space: capture resumes.
	local f
	for f in $(seg_names "$dir"); do rm -f "$dir/$f"; done
	log_has "$T/$name.log" "resumed after dropping [0-9]+ packets" 5 ||
		not_ok "$name: did not resume after space was freed"
	ns_a $traffic udp-flood "$WGT_B4" 7009 1000 150000 5000
	# Drain: the open segment's synced rows hold the new packets.
	resumed_rows() {
		local t
		t=$(compgen -G "$dir/.$WGT_IF_A-*.part" | head -n 1)
		[ -n "$t" ] && [ "$(tr -d '\000' <"$t" | grep -c ',7009,')" -ge 1000 ]
	}
	wait_for 10 resumed_rows || not_ok "$name: the rows after resuming"
	kill -TERM "$cap"
	for _ in $(seq 100); do wgt_alive "$cap" || break; sleep 0.1; done
	wait "$cap"
	eq "$name: exit status" "$?" 0
	eq "$name: no error" "$(grep -c ': error: ' "$T/$name.log")" 0
	eq "$name: no temporary file left" "$(find "$dir" -name '.*' | wc -l)" 0
	complete_rows "$dir" >"$T/$name.rows2" 2>"$T/$name.bad2"
	eq "$name: every final segment complete (after)" "$(cat "$T/$name.bad2")" ""
	cat "$T/$name.rows1" "$T/$name.rows2" >"$T/$name.rows"
	rows_ok "$name" "$T/$name.rows"
	summary=$(grep 'summary;' "$T/$name.log")
	rows=$(field "$summary" rows)
	dropped=$(field "$summary" spool_full)
	packets=$(field "$summary" packets)
	check "$name: packets were dropped as spool_full ($dropped)" \
		test "${dropped:-0}" -gt 0
	eq "$name: rows + spool_full = packets" "$((rows + dropped))" "$packets"
	eq "$name: rows in the files = rows counted" \
		"$(wc -l <"$T/$name.rows")" "$rows"
	check "$name: every row after resuming" \
		test "$(grep -c ',7009,' "$T/$name.rows2")" -ge 1000
}

# --- -r ------------------------------------------------------------------------
file_case() { # KIND SIZE
	local kind=$1 size=$2 name=file-$1 dir conv waits resumes st i
	dir=$T/$name
	make_fs "$kind" "$dir" "$size" || { not_ok "$name: make $kind"; return; }
	mkdir -p "$T/$name.shipped"
	"$WGTAP_CAPTURE" -r "$T/in.pcap" -i wgf -d "$dir" -n 20000 \
		--compress none --spool-max-bytes 0 2>"$T/$name.log" &
	conv=$!
	# The shipper: whenever the conversion waits, take the segments away.
	for ((i = 0; i < 1200; i++)); do
		kill -0 "$conv" 2>/dev/null || break
		waits=$(grep -c 'waiting for the shipper' "$T/$name.log")
		resumes=$(grep -c 'room again' "$T/$name.log")
		if [ "$waits" -gt "$resumes" ]; then
			for f in $(seg_names "$dir"); do
				cp "$dir/$f" "$T/$name.shipped/" && rm -f "$dir/$f"
			done
		fi
		sleep 0.1
	done
	wait "$conv"
	st=$?
	eq "$name: exit status" "$st" 0
	check "$name: waited for room" grep -q 'waiting for the shipper' "$T/$name.log"
	check "$name: resumed" grep -q 'room again' "$T/$name.log"
	eq "$name: no error" "$(grep -c ': error: ' "$T/$name.log")" 0
	eq "$name: no temporary file left" "$(find "$dir" -name '.*' | wc -l)" 0
	{ complete_rows "$T/$name.shipped"; complete_rows "$dir"; } \
		>"$T/$name.rows" 2>"$T/$name.bad"
	eq "$name: every final segment complete" "$(cat "$T/$name.bad")" ""
	eq "$name: rows (count)" "$(wc -l <"$T/$name.rows")" "$(wc -l <"$T/ref.rows")"
	sort "$T/$name.rows" >"$T/$name.sorted"
	check "$name: every row of the file exactly once" \
		cmp -s "$T/$name.sorted" "$T/ref.rows"
	eq "$name: rows counted" "$(field "$(grep 'summary;' "$T/$name.log")" rows)" \
		"$(wc -l <"$T/ref.rows")"
}

python3 "$here/../bench/mkpcap.py" "$T/in.pcap" 150000 >/dev/null 2>&1 ||
	{ not_ok "mkpcap"; exit 1; }
mkdir "$T/ref"
"$WGTAP_CAPTURE" -r "$T/in.pcap" -i wgf -d "$T/ref" -n 20000 \
	--compress none 2>/dev/null || not_ok "reference conversion"
complete_rows "$T/ref" | sort >"$T/ref.rows"

live_case ext2 6M
live_case tmpfs 5M
file_case ext2 6M
file_case tmpfs 5M
finish
