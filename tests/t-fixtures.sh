#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Offline conversion of the crafted fixtures in tests/data/pcap (written by
# tests/mkcraft.py with the rows SPEC section 1 gives): every NAME.pcap or
# NAME.pcapng converts with `wgtap-capture -r` to exactly NAME.csv, with
# --compress none, with gzip (same text once decompressed) and from stdin
# (-r -). Also the failures: an Ethernet capture is refused with one line
# naming EN10MB; a file cut inside a record keeps the rows before the cut in
# a completed segment and exits 1 with one error line; an empty file and a
# garbage header exit 1 with one line and write nothing.
set -u
export LC_ALL=C
shopt -s nullglob dotglob	# "$dir"/* lists dotfiles (temporary names) too
here=$(cd "$(dirname "$0")" && pwd)
top=${WGTAP_TOP:-$(dirname "$here")}
cap=${WGTAP_CAPTURE:-$top/wgtap-capture/wgtap-capture}
data=$here/data/pcap
header='src,src_port,dst,dst_port,l3_protocol,size,timestamp,dns'

[ -f "$cap" ] && [ -x "$cap" ] ||
    { echo "wgtap-capture is not built ($cap)"; exit 77; }
[ -d "$data" ] || { echo "no fixtures in $data"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
checks=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

ok() {
	checks=$((checks + 1))
}

# convert IN COMPRESS DIR: convert into a fresh spool DIR, stderr in DIR.err;
# sets rc. IN "-" reads the file named by STDIN_FILE from stdin.
convert() {
	rm -rf "$3" "$3.err"
	mkdir -p "$3"
	if [ "$1" = - ]; then
		"$cap" -r - --iface t0 --spool-dir "$3" --compress "$2" \
		    <"$STDIN_FILE" 2>"$3.err"
	else
		"$cap" -r "$1" --iface t0 --spool-dir "$3" --compress "$2" \
		    2>"$3.err"
	fi
	rc=$?
}

# rows DIR OUT: the rows of DIR's completed segments, oldest first, into OUT.
# Every segment must start with the header; nothing temporary may be left.
rows() {
	local f p n=0 first
	: >"$2"
	for p in "$1"/*; do	# sorted (LC_ALL=C): oldest first
		f=${p##*/}
		case $f in
		.* | *.part) fail "$1: temporary file $f left behind"; continue ;;
		*.csv.gz) gzip -dc "$p" >"$tmp/seg" || fail "$f: bad gzip" ;;
		*.csv) cp "$p" "$tmp/seg" ;;
		*) fail "$1: unexpected file $f"; continue ;;
		esac
		n=$((n + 1))
		{
			IFS= read -r first
			[ "$first" = "$header" ] ||
			    fail "$f: first line is not the header"
			cat >>"$2"
		} <"$tmp/seg"
	done
	nseg=$n
}

# errors FILE: how many error lines
errors() {
	grep -c ': error: ' "$1"
}

same() {
	if cmp -s "$1" "$2"; then
		ok
	else
		fail "$3"
		diff "$1" "$2" | head -n 20
	fi
}

for f in "$data"/*.pcap "$data"/*.pcapng; do
	name=${f##*/}
	base=${name%.*}
	want=$data/$base.csv
	[ -f "$want" ] || continue
	[ "$base" = cut-record ] && continue
	tail -n +2 "$want" >"$tmp/want"

	convert "$f" none "$tmp/none"
	[ $rc -eq 0 ] && ok || fail "$name: exit $rc"
	[ "$(errors "$tmp/none.err")" -eq 0 ] && ok ||
	    fail "$name: $(cat "$tmp/none.err")"
	rows "$tmp/none" "$tmp/got"
	same "$tmp/got" "$tmp/want" "$name: rows differ from $base.csv"
	if [ "$nseg" -eq 1 ]; then
		same "$tmp/none/$(ls "$tmp/none")" "$want" \
		    "$name: segment differs from $base.csv"
	fi

	convert "$f" gzip "$tmp/gz"
	[ $rc -eq 0 ] && ok || fail "$name (gzip): exit $rc"
	for s in "$tmp"/none/*.csv; do
		z=$tmp/gz/${s##*/}.gz
		if [ -f "$z" ]; then
			gzip -dc "$z" >"$tmp/zcat"
			same "$tmp/zcat" "$s" "$name: gzip segment differs"
		else
			fail "$name: no gzip segment $(basename "$z")"
		fi
	done
	[ "$(ls "$tmp/gz" | wc -l)" -eq "$(ls "$tmp/none" | wc -l)" ] && ok ||
	    fail "$name: gzip and none made different segment counts"

	case $name in
	raw-ns.pcap | ng-ns.pcapng | null.pcap)	# pcap ns, pcapng, pcap us
		STDIN_FILE=$f convert - none "$tmp/stdin"
		[ $rc -eq 0 ] && ok || fail "$name (stdin): exit $rc"
		rows "$tmp/stdin" "$tmp/got"
		same "$tmp/got" "$tmp/want" "$name (stdin): rows differ"
		;;
	esac
	echo "ok $name: $(wc -l <"$tmp/want") rows"
done

# Ethernet: refused before anything is written, one line naming EN10MB
convert "$data/en10mb.pcap" none "$tmp/eth"
[ $rc -eq 1 ] && ok || fail "en10mb.pcap: exit $rc, want 1"
[ "$(wc -l <"$tmp/eth.err")" -eq 1 ] && ok ||
    fail "en10mb.pcap: want one line, got: $(cat "$tmp/eth.err")"
grep -q EN10MB "$tmp/eth.err" && ok || fail "en10mb.pcap: EN10MB not named"
[ -z "$(ls -A "$tmp/eth")" ] && ok || fail "en10mb.pcap: spool not empty"

# Cut inside a record's data: the rows before it, in a completed segment
tail -n +2 "$data/cut-record.csv" >"$tmp/want"
convert "$data/cut-record.pcap" none "$tmp/cut"
[ $rc -eq 1 ] && ok || fail "cut-record.pcap: exit $rc, want 1"
[ "$(errors "$tmp/cut.err")" -eq 1 ] && ok ||
    fail "cut-record.pcap: want one error line: $(cat "$tmp/cut.err")"
rows "$tmp/cut" "$tmp/got"
same "$tmp/got" "$tmp/want" "cut-record.pcap: rows before the cut"
[ "$nseg" -ge 1 ] && ok || fail "cut-record.pcap: no completed segment"

# Cut inside a record header: the same rows (the 5th record header is cut)
off=$(python3 - "$data/cut-record.pcap" <<'EOF'
import struct, sys
b = open(sys.argv[1], "rb").read()
o = 24
for _ in range(4):
    o += 16 + struct.unpack("<I", b[o + 8:o + 12])[0]
print(o + 10)
EOF
)
head -c "$off" "$data/cut-record.pcap" >"$tmp/cuthdr.pcap"
convert "$tmp/cuthdr.pcap" gzip "$tmp/cuthdr"
[ $rc -eq 1 ] && ok || fail "record header cut: exit $rc, want 1"
[ "$(errors "$tmp/cuthdr.err")" -eq 1 ] && ok ||
    fail "record header cut: want one error line: $(cat "$tmp/cuthdr.err")"
rows "$tmp/cuthdr" "$tmp/got"
same "$tmp/got" "$tmp/want" "record header cut: rows before the cut"

# Empty file, garbage header, file header cut: exit 1, one line, nothing
: >"$tmp/empty.pcap"
printf 'GET / HTTP/1.1\r\nHost: example.com\r\n\r\n' >"$tmp/garbage.pcap"
head -c 20 "$data/raw-ns.pcap" >"$tmp/short.pcap"
for f in empty garbage short; do
	convert "$tmp/$f.pcap" none "$tmp/$f"
	[ $rc -eq 1 ] && ok || fail "$f.pcap: exit $rc, want 1"
	[ "$(wc -l <"$tmp/$f.err")" -eq 1 ] && ok ||
	    fail "$f.pcap: want one line, got: $(cat "$tmp/$f.err")"
	[ -z "$(ls -A "$tmp/$f")" ] && ok || fail "$f.pcap: spool not empty"
done
STDIN_FILE=$tmp/garbage.pcap convert - none "$tmp/garbage-stdin"
[ $rc -eq 1 ] && ok || fail "garbage from stdin: exit $rc, want 1"
[ "$(wc -l <"$tmp/garbage-stdin.err")" -eq 1 ] && ok ||
    fail "garbage from stdin: want one line: $(cat "$tmp/garbage-stdin.err")"
STDIN_FILE=$data/cut-record.pcap convert - none "$tmp/cut-stdin"
[ $rc -eq 1 ] && ok || fail "cut-record.pcap from stdin: exit $rc, want 1"
rows "$tmp/cut-stdin" "$tmp/got"
same "$tmp/got" "$tmp/want" "cut-record.pcap from stdin: rows before the cut"

echo "t-fixtures: $checks checks passed, $fails failed"
[ $fails -eq 0 ]
