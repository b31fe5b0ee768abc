#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# wgtap against tshark: convert captures with `wgtap-capture -r` and compare
# every row, field by field, with tshark's dissection of the same file
# (tests/tshark_compare.py). Inputs: the crafted fixtures of tests/data/pcap
# (disagreements allowed only in the classes of tests/TSHARK.md) and a
# capture made now by bench/mkpcap.py (20000 packets, default seed), where
# every field of every row must agree. Each once more in format v2, which
# adds the direction and the DNS question; in v2 also a LINUX_SLL2 capture
# of DNS questions with awkward names (tests/tools/mkfleet.py), strictly.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=${WGTAP_TOP:-$(dirname "$here")}
cap=${WGTAP_CAPTURE:-$top/wgtap-capture/wgtap-capture}
data=$here/data/pcap

command -v tshark >/dev/null 2>&1 || { echo "tshark is not installed"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "python3 is not installed"; exit 77; }
[ -f "$cap" ] && [ -x "$cap" ] ||
    { echo "wgtap-capture is not built ($cap)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

# convert CAPTURE ROWS: the rows of wgtap-capture's segments for CAPTURE
convert() {
	local spool=$tmp/spool
	rm -rf "$spool"
	mkdir "$spool"
	"$cap" -r "$1" --iface t0 --spool-dir "$spool" --compress none \
	    --format "${FORMAT:-v1}" 2>"$tmp/err"
	if ! ls "$spool"/*.csv >/dev/null 2>&1; then
		echo "FAIL: $1: no segment ($(cat "$tmp/err"))"
		fails=$((fails + 1))
	fi
	cat $(ls "$spool"/*.csv 2>/dev/null | LC_ALL=C sort) /dev/null >"$2"
}

# Every fixture with an expected CSV (not en10mb.pcap, which is refused,
# nor cut-record.pcap, which mergecap rejects, nor the bad-time ones, whose
# out-of-range records tshark shows and wgtap counts: tests/TSHARK.md), in
# one tshark run.
args=()
n=0
for f in "$data"/*.pcap "$data"/*.pcapng; do
	[ -f "${f%.*}.csv" ] || continue
	case $(basename "$f") in
	cut-record.pcap | bad-time.pcap | ng-bad-time.pcapng) continue ;;
	esac
	n=$((n + 1))
	convert "$f" "$tmp/rows$n.csv"
	args+=("$f" "$tmp/rows$n.csv")
done
python3 "$here/tshark_compare.py" "${args[@]}" ||
    { echo "FAIL: fixtures"; fails=$((fails + 1)); }

# A clean capture: every field of every row must agree.
python3 "$top/bench/mkpcap.py" -q "$tmp/mk.pcap" 20000 ||
    { echo "FAIL: mkpcap.py"; exit 1; }
convert "$tmp/mk.pcap" "$tmp/mk.csv"
python3 "$here/tshark_compare.py" --strict "$tmp/mk.pcap" "$tmp/mk.csv" ||
    { echo "FAIL: mkpcap capture"; fails=$((fails + 1)); }

# Format v2: the fixtures and the mkpcap capture again, and mkfleet's.
args=()
n=0
for f in "$data"/*.pcap "$data"/*.pcapng; do
	[ -f "${f%.*}.csv" ] || continue
	case $(basename "$f") in
	cut-record.pcap | bad-time.pcap | ng-bad-time.pcapng) continue ;;
	esac
	n=$((n + 1))
	FORMAT=v2 convert "$f" "$tmp/v2rows$n.csv"
	args+=("$f" "$tmp/v2rows$n.csv")
done
python3 "$here/tshark_compare.py" "${args[@]}" ||
    { echo "FAIL: fixtures, v2"; fails=$((fails + 1)); }
FORMAT=v2 convert "$tmp/mk.pcap" "$tmp/mk2.csv"
python3 "$here/tshark_compare.py" --strict "$tmp/mk.pcap" "$tmp/mk2.csv" ||
    { echo "FAIL: mkpcap capture, v2"; fails=$((fails + 1)); }
python3 "$here/tools/mkfleet.py" "$tmp/fleet.pcap" "$tmp/fleet.truth" \
    "$tmp/fleet.dump" 7 1767347760 300 || { echo "FAIL: mkfleet.py"; exit 1; }
FORMAT=v2 convert "$tmp/fleet.pcap" "$tmp/fleet.csv"
python3 "$here/tshark_compare.py" --strict "$tmp/fleet.pcap" "$tmp/fleet.csv" ||
    { echo "FAIL: mkfleet capture, v2"; fails=$((fails + 1)); }

echo "t-tshark: $fails failed"
[ $fails -eq 0 ]
