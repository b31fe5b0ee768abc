#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --compress zstd end to end, and its crash cases beside gzip's:
#   - a conversion writes .csv.zst segments that zstd(1) tests whole and
#     that hold the rows of the gzip conversion of the same file;
#   - SIGKILL after two syncs (`-r -` on a pipe that stays open, fed by
#     tests/tools/pcapfeed.py; the sync interval follows the clock): the
#     leftover, with garbage after it (torn), recovers every synced row;
#     cut in the middle of the first block written after the first sync
#     (a power cut), exactly the rows of the first sync;
#   - a flush that fails (tests/shims/failsync.c): nothing is published,
#     and the next start recovers every row counted, as for gzip
#     (t-capture-flush.sh).
# Readiness: the capture's "waiting for input" line, and the temporary
# file decoding to the rows sent; never a sleep.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/common.sh
. "$here/lib/common.sh"
[ -x "${WGTAP_CAPTURE:-}" ] || skip "WGTAP_CAPTURE not set"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
command -v zstd >/dev/null 2>&1 || skip "zstd(1) is not installed"
# shellcheck source=lib/pcapfeed.sh
. "$here/lib/pcapfeed.sh"
T=$(mktemp -d /tmp/wgtap-zstd.XXXXXX)
trap 'feed_cleanup; rm -rf "$T"' EXIT
field() { grep -o " $2=[0-9]*" <<<"$1" | cut -d= -f2; }

# --- a conversion ---------------------------------------------------------------
python3 "$here/../bench/mkpcap.py" "$T/in.pcap" 30000 >/dev/null 2>&1 ||
	{ not_ok "mkpcap"; exit 1; }
mkdir "$T/gz" "$T/zst"
"$WGTAP_CAPTURE" -r "$T/in.pcap" -i wgz -d "$T/gz" -n 10000 2>/dev/null
eq "gzip conversion: exit status" "$?" 0
"$WGTAP_CAPTURE" -r "$T/in.pcap" -i wgz -d "$T/zst" -n 10000 \
	--compress zstd --level 3 2>"$T/conv.err"
eq "zstd conversion: exit status" "$?" 0
eq "zstd conversion: three .csv.zst segments" \
	"$(seg_names "$T/zst" | grep -c '\.csv\.zst$')" 3
for f in $(seg_names "$T/zst"); do
	check "zstd -t $f" zstd -tq "$T/zst/$f"
	eq "$f: header" "$(zstd -dcq "$T/zst/$f" | head -1)" \
		"src,src_port,dst,dst_port,l3_protocol,size,timestamp,dns"
done
seg_rows "$T/gz" >"$T/gz.rows"
seg_rows "$T/zst" >"$T/zst.rows"
eq "zstd rows (count)" "$(wc -l <"$T/zst.rows")" 30000
check "zstd rows are the gzip rows" cmp -s "$T/gz.rows" "$T/zst.rows"

# --- SIGKILL after two syncs ------------------------------------------------------
# part_rows NAME: complete rows the temporary file of NAME decodes to
part_rows() {
	local f
	f=$(find "$T/$1" -name '.*.csv.zst.part' | head -1)
	[ -n "$f" ] || { echo 0; return; }
	zstd -dcq "$f" 2>/dev/null | tail -n +2 | grep -c '^198'
}
part_has() { [ "$(part_rows "$1")" = "$2" ]; }
part_size() { stat -c %s "$(find "$T/$1" -name '.*.csv.zst.part' | head -1)"; }

feed_start zk "--compress zstd --sync-interval 50ms" 40 25
feed_waiting zk $((FEED_HDR + 40 * FEED_REC))
check "zk: the first 40 rows synced" wait_for 10 part_has zk 40
size1=$(part_size zk)
kill -USR1 "$wpid"
feed_waiting zk $((FEED_HDR + 65 * FEED_REC))
check "zk: all 65 rows synced" wait_for 10 part_has zk 65
size2=$(part_size zk)
kill -KILL "$cpid"
wait_for 10 pid_gone "$cpid"
part=$(find "$T/zk" -name '.*.csv.zst.part' -printf '%f\n')
check "zk: the second sync wrote more ($size1 < $size2)" \
	test "$size1" -lt "$size2"

# recover_case NAME BYTES: a spool holding the leftover's first BYTES
# (and GARBAGE after them when set), recovered by the next start
recover_case() {
	mkdir "$T/$1"
	head -c "$2" "$T/zk/$part" >"$T/$1/$part"
	[ -n "${GARBAGE:-}" ] && printf '%s' "$GARBAGE" >>"$T/$1/$part"
	"$WGTAP_CAPTURE" -r "$here/data/pcap/raw-ns.pcap" -i zk -d "$T/$1" \
		2>"$T/$1.err"
	eq "$1: exit status" "$?" 0
	eq "$1: no temporary file left" "$(find "$T/$1" -name '.*' | wc -l)" 0
	rec=$(sed -n 's/^wgtap-capture: info: recovered \.[^ ]* as \([^ :]*\): \([0-9]*\) rows, [0-9]* torn rows dropped$/\1 \2/p' "$T/$1.err")
}
head -n 65 "$T/zk.rows" >"$T/want65"

GARBAGE=$(head -c 3000 /dev/urandom | base64 -w 0) recover_case torn "$size2"
eq "torn: every synced row recovered" "${rec#* }" 65
check "torn: a .csv.zst that zstd tests whole" zstd -tq "$T/torn/${rec% *}"
zstd -dcq "$T/torn/${rec% *}" | tail -n +2 >"$T/torn.rows"
check "torn: the rows sent, in order" cmp -s "$T/torn.rows" "$T/want65"

# The first sync ended a block at size1; the next block's 3-byte header
# (little-endian: bit 0 last, bits 1-2 type, bits 3-23 size) starts
# there. The other 25 rows may have come in more than one sync, so the
# cut goes into the middle of that first block after size1, not halfway
# to size2. A compressed block (type 2) cut short decodes to nothing:
# exactly the first sync's 40 rows. A raw block (type 0) streams, so its
# complete rows before the cut count too: zstd(1)'s own output says how
# many.
read -r b0 b1 b2 < <(od -An -tu1 -j "$size1" -N 3 "$T/zk/$part")
bhdr=$((b0 | b1 << 8 | b2 << 16))
btype=$(((bhdr >> 1) & 3)) bsize=$((bhdr >> 3))
check "cut: a block header after the first sync (type $btype, $bsize bytes)" \
	test "$btype" -ne 3 -a $((size1 + 3 + bsize)) -le "$size2"
cut=$((size1 + 3 + bsize / 2))
if [ "$btype" = 2 ]; then
	want=40
else
	# complete lines of what zstd(1) decodes before the cut, less the header
	lines=$(head -c "$cut" "$T/zk/$part" | { zstd -dcq 2>/dev/null; true; } |
		tr -cd '\n' | wc -c)
	want=$((lines - 1))
fi
recover_case cut "$cut"
eq "cut: the rows before the cut recovered" "${rec#* }" "$want"
zstd -dcq "$T/cut/${rec% *}" | tail -n +2 >"$T/cut.rows"
head -n "$want" "$T/zk.rows" >"$T/want.cut"
check "cut: the first $want rows, in order" cmp -s "$T/cut.rows" "$T/want.cut"

# --- a flush that fails --------------------------------------------------------------
shim=${WGTAP_TOOLS:-$here/../build/tests}/failsync.so
if [ -f "$shim" ]; then
	mkdir "$T/fs"
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		LD_PRELOAD=$shim WGTAP_FAILSYNC=1 \
		"$WGTAP_CAPTURE" -r "$T/in.pcap" -i wgf -d "$T/fs" \
		--compress zstd --sync-interval 1ms 2>"$T/fs.err"
	eq "failsync: exit status" "$?" 1
	eq "failsync: no segment published" "$(seg_names "$T/fs" | wc -l)" 0
	eq "failsync: the temporary file is left" \
		"$(find "$T/fs" -name '.wgf-*.csv.zst.part' | wc -l)" 1
	rows=$(field "$(grep 'summary;' "$T/fs.err")" rows)
	check "failsync: rows counted before the failure ($rows)" \
		test "${rows:-0}" -gt 0
	"$WGTAP_CAPTURE" -r "$here/data/pcap/raw-ns.pcap" -i wgf -d "$T/fs" \
		2>"$T/fs2.err"
	eq "failsync: next start: exit status" "$?" 0
	rec=$(sed -n 's/^wgtap-capture: info: recovered \.[^ ]* as \([^ :]*\): \([0-9]*\) rows, 0 torn rows dropped$/\1 \2/p' "$T/fs2.err")
	eq "failsync: every row counted recovered" "${rec#* }" "$rows"
	if [ -n "$rec" ]; then
		zstd -dcq "$T/fs/${rec% *}" | tail -n +2 >"$T/fs.rows"
		head -n "$rows" "$T/gz.rows" >"$T/fs.want"
		check "failsync: the file's first $rows rows" \
			cmp -s "$T/fs.rows" "$T/fs.want"
	fi
else
	echo "ok   - (failsync.so not built: the failed flush case skipped)"
fi
finish
