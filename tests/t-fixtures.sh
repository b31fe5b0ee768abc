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
# shellcheck source=tests/lib/common.sh
. "$here/lib/common.sh"
top=${WGTAP_TOP:-$(dirname "$here")}
cap=${WGTAP_CAPTURE:-$top/wgtap-capture/wgtap-capture}
data=$here/data/pcap
header='src,src_port,dst,dst_port,l3_protocol,size,timestamp,dns'

[ -f "$cap" ] && [ -x "$cap" ] || skip "wgtap-capture is not built ($cap)"
[ -d "$data" ] || skip "no fixtures in $data"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

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
		.* | *.part) not_ok "$1: temporary file $f left behind"; continue ;;
		*.csv.gz) gzip -dc "$p" >"$tmp/seg" || not_ok "$f: bad gzip" ;;
		*.csv) cp "$p" "$tmp/seg" ;;
		*) not_ok "$1: unexpected file $f"; continue ;;
		esac
		n=$((n + 1))
		{
			IFS= read -r first
			[ "$first" = "$header" ] ||
			    not_ok "$f: first line is not the header"
			cat >>"$2"
		} <"$tmp/seg"
	done
	nseg=$n
}

# errors FILE: how many error lines
errors() {
	grep -c ': error: ' "$1"
}

# err_lines FILE WHAT N: FILE holds N error lines (else it is shown).
err_lines() {
	eq "$2: error lines" "$(errors "$1")" "$3"
	[ "$(errors "$1")" = "$3" ] || sed 's/^/    /' "$1"
}

# all_lines FILE WHAT N: FILE holds N lines (else it is shown).
all_lines() {
	eq "$2: lines on stderr" "$(wc -l <"$1")" "$3"
	[ "$(wc -l <"$1")" = "$3" ] || sed 's/^/    /' "$1"
}

# same GOT WANT WHAT: the two files are equal (else the first differences)
same() {
	if cmp -s "$1" "$2"; then
		ok "$3"
	else
		not_ok "$3: differs"
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
	eq "$name: exit status" "$rc" 0
	err_lines "$tmp/none.err" "$name" 0
	rows "$tmp/none" "$tmp/got"
	same "$tmp/got" "$tmp/want" "$name: rows equal $base.csv"
	if [ "$nseg" -eq 1 ]; then
		same "$tmp/none/$(ls "$tmp/none")" "$want" \
		    "$name: the segment equals $base.csv"
	fi

	convert "$f" gzip "$tmp/gz"
	eq "$name (gzip): exit status" "$rc" 0
	for s in "$tmp"/none/*.csv; do
		z=$tmp/gz/${s##*/}.gz
		if [ -f "$z" ]; then
			gzip -dc "$z" >"$tmp/zcat"
			same "$tmp/zcat" "$s" "$name: gzip segment ${z##*/} once unzipped"
		else
			not_ok "$name: no gzip segment $(basename "$z")"
		fi
	done
	eq "$name: segments with gzip and with none" \
	    "$(ls "$tmp/gz" | wc -l)" "$(ls "$tmp/none" | wc -l)"

	case $name in
	raw-ns.pcap | ng-ns.pcapng | null.pcap)	# pcap ns, pcapng, pcap us
		STDIN_FILE=$f convert - none "$tmp/stdin"
		eq "$name (stdin): exit status" "$rc" 0
		rows "$tmp/stdin" "$tmp/got"
		same "$tmp/got" "$tmp/want" "$name (stdin): rows"
		;;
	esac
	echo "# $name: $(wc -l <"$tmp/want") rows"
done

# Ethernet: refused before anything is written, one line naming EN10MB
convert "$data/en10mb.pcap" none "$tmp/eth"
eq "en10mb.pcap: exit status" "$rc" 1
all_lines "$tmp/eth.err" "en10mb.pcap" 1
check "en10mb.pcap: EN10MB named" grep -q EN10MB "$tmp/eth.err"
check "en10mb.pcap: spool empty" test -z "$(ls -A "$tmp/eth")"

# Cut inside a record's data: the rows before it, in a completed segment
tail -n +2 "$data/cut-record.csv" >"$tmp/want"
convert "$data/cut-record.pcap" none "$tmp/cut"
eq "cut-record.pcap: exit status" "$rc" 1
err_lines "$tmp/cut.err" "cut-record.pcap" 1
rows "$tmp/cut" "$tmp/got"
same "$tmp/got" "$tmp/want" "cut-record.pcap: rows before the cut"
check "cut-record.pcap: a completed segment" test "$nseg" -ge 1

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
eq "record header cut: exit status" "$rc" 1
err_lines "$tmp/cuthdr.err" "record header cut" 1
rows "$tmp/cuthdr" "$tmp/got"
same "$tmp/got" "$tmp/want" "record header cut: rows before the cut"

# Empty file, garbage header, file header cut: exit 1, one line, nothing
: >"$tmp/empty.pcap"
printf 'GET / HTTP/1.1\r\nHost: example.com\r\n\r\n' >"$tmp/garbage.pcap"
head -c 20 "$data/raw-ns.pcap" >"$tmp/short.pcap"
for f in empty garbage short; do
	convert "$tmp/$f.pcap" none "$tmp/$f"
	eq "$f.pcap: exit status" "$rc" 1
	all_lines "$tmp/$f.err" "$f.pcap" 1
	check "$f.pcap: spool empty" test -z "$(ls -A "$tmp/$f")"
done
STDIN_FILE=$tmp/garbage.pcap convert - none "$tmp/garbage-stdin"
eq "garbage from stdin: exit status" "$rc" 1
all_lines "$tmp/garbage-stdin.err" "garbage from stdin" 1
STDIN_FILE=$data/cut-record.pcap convert - none "$tmp/cut-stdin"
eq "cut-record.pcap from stdin: exit status" "$rc" 1
rows "$tmp/cut-stdin" "$tmp/got"
same "$tmp/got" "$tmp/want" "cut-record.pcap from stdin: rows before the cut"
finish
