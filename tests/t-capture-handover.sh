#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The hand-over of row buffers to the writer thread (--threads 2, the
# default), on a slow disk: tests/shims/slowwrite.c makes every write of a
# segment wait, so the writer falls behind and its bounded queue fills
# (the capture logs, with -v, how often rows waited for it).
#   - rotation (by count) while the queue is full, plain, gzip and zstd:
#     exit 0, the same segments and rows, in order, as the
#     single-threaded conversion (--threads 1) of the same file, every
#     segment whole, no temporary file;
#   - SIGTERM while the queue is full: exit 0, every row counted is in a
#     completed segment, in order (a prefix of the file's rows), no
#     temporary file;
#   - a sync covers what was handed over before it: `-r -` on a pipe that
#     stays open after the file, with the slow disk: once the capture waits
#     for input, the temporary file decodes to every row of the file.
# Readiness: the capture's own lines, never a sleep.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/common.sh
. "$here/lib/common.sh"
[ -x "${WGTAP_CAPTURE:-}" ] || skip "WGTAP_CAPTURE not set"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
command -v zstd >/dev/null 2>&1 || skip "zstd(1) is not installed"
shim=${WGTAP_TOOLS:-$here/../build/tests}/slowwrite.so
[ -f "$shim" ] || skip "$shim not built (make check builds it)"
T=$(mktemp -d /tmp/wgtap-handover.XXXXXX)
trap 'rm -rf "$T"' EXIT
field() { grep -o " $2=[0-9]*" <<<"$1" | cut -d= -f2; }
slow() {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		LD_PRELOAD=$shim WGTAP_SLOWWRITE_MS=$1 "${@:2}"
}
# waited FILE: how often rows waited for the writer, over the whole run
waited() {
	sed -n 's/.*: rows waited \([0-9]*\) times for the writer thread$/\1/p' "$1" |
		awk '{ n += $1 } END { print n + 0 }'
}

python3 "$here/../bench/mkpcap.py" "$T/in.pcap" 60000 >/dev/null 2>&1 ||
	{ not_ok "mkpcap"; exit 1; }

# --- rotation while the queue is full ---------------------------------------------
# Segments of 30,000 rows (about 8 buffers); each write waits 150 ms, and
# the packet thread fills the queue meanwhile.
for c in none gzip zstd; do
	mkdir "$T/ref-$c" "$T/slow-$c"
	"$WGTAP_CAPTURE" -r "$T/in.pcap" -i wgh -d "$T/ref-$c" -n 30000 \
		--compress "$c" --threads 1 2>/dev/null
	eq "$c: single-threaded reference: exit status" "$?" 0
	slow 150 "$WGTAP_CAPTURE" -r "$T/in.pcap" -i wgh -d "$T/slow-$c" \
		-n 30000 --compress "$c" -v 2>"$T/slow-$c.err"
	eq "$c: slow disk: exit status" "$?" 0
	# Plain: each buffer is a write, and the queue surely fills while
	# one waits; compressed, writes are fewer: the queue may fill.
	n=$(waited "$T/slow-$c.err")
	[ "$c" = none ] &&
		check "$c: rows waited for the writer thread ($n times)" test "$n" -gt 0
	eq "$c: the same segment names" "$(seg_names "$T/slow-$c")" \
		"$(seg_names "$T/ref-$c")"
	eq "$c: two segments" "$(seg_names "$T/slow-$c" | wc -l)" 2
	seg_rows "$T/ref-$c" >"$T/ref-$c.rows"
	seg_rows "$T/slow-$c" >"$T/slow-$c.rows"
	eq "$c: rows (count)" "$(wc -l <"$T/slow-$c.rows")" 60000
	check "$c: the same rows, in order" cmp -s "$T/ref-$c.rows" "$T/slow-$c.rows"
	bad=0
	for f in $(seg_names "$T/slow-$c"); do
		case $f in
		*.zst) zstd -tq "$T/slow-$c/$f" || bad=$((bad + 1)) ;;
		*.gz) gzip -tq "$T/slow-$c/$f" || bad=$((bad + 1)) ;;
		*) [ "$(tail -c 1 "$T/slow-$c/$f" | xxd -p)" = 0a ] ||
			bad=$((bad + 1)) ;;
		esac
	done
	eq "$c: every segment whole" "$bad" 0
	eq "$c: no temporary file" "$(find "$T/slow-$c" -name '.*' | wc -l)" 0
done

# --- SIGTERM while the queue is full ------------------------------------------------
# Plain CSV through a pipe (signals come in between reads): every buffer
# is one write, of 200 ms. A first segment
# closed with waits means the packet thread is ahead of the writer, and it
# stays so: the next segment's buffers fill the queue again.
python3 "$here/../bench/mkpcap.py" "$T/big.pcap" 200000 >/dev/null 2>&1 ||
	{ not_ok "mkpcap (big)"; exit 1; }
mkdir "$T/term" "$T/term-ref"
"$WGTAP_CAPTURE" -r "$T/big.pcap" -i wgh -d "$T/term-ref" --compress none \
	--threads 1 2>/dev/null
seg_rows "$T/term-ref" >"$T/term-ref.rows"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	LD_PRELOAD=$shim WGTAP_SLOWWRITE_MS=200 \
	"$WGTAP_CAPTURE" -r - -i wgh -d "$T/term" -n 30000 \
	--compress none -v 2>"$T/term.err" < <(cat "$T/big.pcap") &
pid=$!
check "term: a segment closed while rows waited for the writer" \
	wait_for 60 grep -q 'rows waited [0-9]* times for the writer thread$' "$T/term.err"
kill -TERM "$pid"
wait "$pid"
eq "term: exit status after SIGTERM" "$?" 0
rows=$(field "$(grep 'summary;' "$T/term.err")" rows)
seg_rows "$T/term" >"$T/term.rows"
check "term: stopped before the end of the file (${rows:-?} rows)" \
	test "${rows:-200000}" -lt 200000
eq "term: every row counted is in a segment" "$(wc -l <"$T/term.rows")" "${rows:-x}"
head -n "${rows:-0}" "$T/term-ref.rows" >"$T/term.want"
check "term: the file's first rows, in order" cmp -s "$T/term.rows" "$T/term.want"
eq "term: no temporary file" "$(find "$T/term" -name '.*' | wc -l)" 0
eq "term: no warning or error" "$(grep -Ec ': (warning|error): ' "$T/term.err")" 0

# --- a sync covers what was handed over -----------------------------------------------
# The file (60,000 rows, about 16 buffers) through a pipe that stays open
# after it (cat blocks on a FIFO until the test opens it): the capture
# waits for input with every row handed over, and a sync must then leave
# all of them in the temporary file.
part_rows() {
	local f
	f=$(find "$T/$1" -name '.*.csv.gz.part' | head -1)
	[ -n "$f" ] || { echo 0; return; }
	python3 - "$f" <<'PY'
import sys, zlib
data = open(sys.argv[1], "rb").read()
try:
    text = zlib.decompressobj(16 + 15).decompress(data)
except zlib.error:
    text = b""
print(max(0, text.count(b"\n") - 1))
PY
}
part_has() { [ "$(part_rows "$1")" = "$2" ]; }
mkdir "$T/hs"
mkfifo "$T/hold"
size=$(stat -c %s "$T/in.pcap")
{ cat "$T/in.pcap"; exec cat "$T/hold"; } |
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	LD_PRELOAD=$shim WGTAP_SLOWWRITE_MS=20 \
	"$WGTAP_CAPTURE" -r - -i wgh -d "$T/hs" -n 100000 -t 1h \
		--sync-interval 100ms -v 2>"$T/hs.err" &
pid=$!
check "hs: waits for input after the whole file" \
	log_has "$T/hs.err" "debug: read stdin: waiting for input \\($size bytes so far\\)" 60
check "hs: the temporary file decodes to all 60000 rows after a sync" \
	wait_for 20 part_has hs 60000
: >"$T/hold"	# the end of the input
wait "$pid"
eq "hs: exit status at the end of input" "$?" 0
seg_rows "$T/hs" >"$T/hs.rows"
check "hs: every row, in order" cmp -s "$T/hs.rows" "$T/ref-gzip.rows"
finish
