#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A flush that fails: fdatasync(2) reports EIO once (an LD_PRELOAD shim,
# tests/shims/failsync.c), as Linux reports a failed writeback: to one
# call, after which fsync succeeds although the data may be gone. The
# segment must then never be published as good: one error line, the
# temporary file left, exit 1; and the next start recovers what decodes,
# which is every row counted before the failure.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/common.sh"
[ -x "${WGTAP_CAPTURE:-}" ] || skip "WGTAP_CAPTURE not set"
command -v python3 >/dev/null || skip "python3 not found"
shim=${WGTAP_TOOLS:-$here/../build/tests}/failsync.so
[ -f "$shim" ] || skip "$shim not built (make check builds it)"
T=$(mktemp -d /tmp/wgtap-flush.XXXXXX)
trap 'rm -rf "$T"' EXIT
field() { grep -o " $2=[0-9]*" <<<"$1" | cut -d= -f2; }

python3 "$here/../bench/mkpcap.py" "$T/in.pcap" 30000 >/dev/null 2>&1 ||
	{ not_ok "mkpcap"; exit 1; }
mkdir "$T/ref" "$T/spool"
"$WGTAP_CAPTURE" -r "$T/in.pcap" -i wgf -d "$T/ref" 2>/dev/null ||
	not_ok "reference conversion"
seg_rows "$T/ref" >"$T/ref.rows"

# The first flush to disk fails: a sync within the first packets (the
# conversion takes far longer than the 1 ms sync interval).
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	LD_PRELOAD=$shim WGTAP_FAILSYNC=1 \
	"$WGTAP_CAPTURE" -r "$T/in.pcap" -i wgf -d "$T/spool" \
	--sync-interval 1ms 2>"$T/err"
eq "exit status" "$?" 1
eq "the failed sync, as an error" \
	"$(grep -cE '^wgtap-capture: error: sync segment \.wgf-[^ ]+\.csv\.gz\.part: Input/output error; it will not be published$' "$T/err")" 1
eq "what became of the segment" \
	"$(grep -cE '^wgtap-capture: error: segment \.wgf-[^ ]+\.part not published: writing it failed before \(Input/output error\); left for recovery at the next start$' "$T/err")" 1
eq "errors in all" "$(grep -c ': error: ' "$T/err")" 2
eq "no segment published" "$(seg_names "$T/spool" | wc -l)" 0
eq "the temporary file is left" \
	"$(find "$T/spool" -name '.wgf-*.csv.gz.part' | wc -l)" 1
rows=$(field "$(grep 'summary;' "$T/err")" rows)
check "rows were counted before the failure ($rows)" test "${rows:-0}" -gt 0

# The next start (any conversion with that label) recovers the rows.
"$WGTAP_CAPTURE" -r "$here/data/pcap/raw-ns.pcap" -i wgf -d "$T/spool" \
	2>"$T/err2"
eq "next start: exit status" "$?" 0
rec=$(sed -n 's/^wgtap-capture: info: recovered \.[^ ]* as \([^ :]*\): \([0-9]*\) rows, 0 torn rows dropped$/\1 \2/p' "$T/err2")
eq "next start: recovered every row counted" "${rec#* }" "$rows"
if [ -n "$rec" ]; then
	zcat "$T/spool/${rec% *}" | tail -n +2 >"$T/rec.rows"
	head -n "$rows" "$T/ref.rows" >"$T/want.rows"
	check "the recovered rows are the file's first $rows" \
		cmp -s "$T/rec.rows" "$T/want.rows"
fi
eq "no temporary file left" "$(find "$T/spool" -name '.*' | wc -l)" 0
finish
