#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Bad input to wgtap-capture (tests/BAD_INPUT.md): every case gets one clear
# line on stderr and the documented exit status, never a crash (a signal
# exit status would be above 128), never a partial segment under a final
# name, and rows read before the problem are kept. Packets with a time out
# of range are counted (bad_timestamp) and the conversion goes on.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/common.sh"
[ -x "${WGTAP_CAPTURE:-}" ] || skip "WGTAP_CAPTURE not set"
T=$(mktemp -d /tmp/wgtap-bad.XXXXXX)
mnt=
cleanup() { [ -n "$mnt" ] && umount "$mnt" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
data=$here/data/pcap
spool=$T/spool
mkdir "$spool"

# expect NAME STATUS REGEX ARGS...: exit STATUS, exactly one stderr line
# matching REGEX (the summary line of a run that read packets aside).
expect() {
	local name=$1 want=$2 re=$3 rc err n
	shift 3
	"$WGTAP_CAPTURE" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	err=$(grep -v -e ': info: ' "$T/err")
	n=$(printf '%s' "$err" | grep -c '')
	if [ "$rc" = "$want" ] && [ "$n" = 1 ] && grep -Eq -- "$re" <<<"$err"; then
		ok "$name: exit $rc: $err"
	else
		not_ok "$name: exit $rc (want $want), $n lines: $(cat "$T/err")"
	fi
	[ -s "$T/out" ] && not_ok "$name: wrote to stdout"
	return 0
}
no_temp() { eq "$1: no temporary segment left" "$(find "$spool" -name '.*' | wc -l)" 0; }

# --- flags ----------------------------------------------------------------------
expect "unknown flag" 2 "unknown option '--bogus'" --bogus
expect "unknown short flag" 2 "unknown option '-q'" -q
expect "missing value" 2 "option '--spool-dir' needs a value" --spool-dir
expect "stray argument" 2 "unexpected argument 'extra'" -r x extra
expect "rows not a number" 2 "bad value for --max-packets-per-log: 'lots'" -n lots
expect "rows zero" 2 "bad value for --max-packets-per-log: '0'" -n 0
expect "rows negative" 2 "bad value for --max-packets-per-log: '-5'" --max-packets-per-log=-5
expect "rows too large" 2 "bad value for --max-packets-per-log: '99999999999'" -n 99999999999
expect "interval unit" 2 "bad value for --packet-log-interval: '5d'" -t 5d
expect "interval too short" 2 "bad value for --packet-log-interval: '0'" -t 0
expect "interval too long" 2 "bad value for --packet-log-interval: '25h'" -t 25h
expect "compress" 2 "bad value for --compress: 'bzip2'" --compress bzip2
expect "format" 2 "bad value for --format: 'v3' \\(v1 or v2\\)" --format v3
expect "gzip level" 2 "bad value for --gzip-level: '10'" --gzip-level 10
expect "cap below minimum" 2 "bad value for --spool-max-bytes: '1K'" --spool-max-bytes 1K
expect "cap suffix" 2 "bad value for --spool-max-bytes: '1Q'" --spool-max-bytes 1Q
expect "sync unit" 2 "bad value for --sync-interval: '1d'" --sync-interval 1d
# durations: decimals and units are fine, anything else is one line, exit 2
for v in 1.5.5 1e3 -1 5x . '' 99999999999999999999 .5 5. 0.0000000001; do
	expect "sync '$v'" 2 "^wgtap-capture: error: bad value for --sync-interval: '$v' \(seconds, or a number with ms, s, m or h such as 0.5, 250ms or 1.5s, up to 1h; 0 turns it off\)\$" \
		--sync-interval "$v"
	expect "interval '$v'" 2 "^wgtap-capture: error: bad value for --packet-log-interval: '$v' \(minutes, or a number with ms, s, m or h such as 2.5, 90s or 1.5h, from 1s to 24h\)\$" \
		--packet-log-interval "$v"
done
for args in "--sync-interval 1.0 -t 2.5" "--sync-interval 0.5 -t 90s" \
    "--sync-interval 1.5s -t 1.5h" "--sync-interval 250ms -t 0.5"; do
	# shellcheck disable=SC2086
	"$WGTAP_CAPTURE" -r "$data/raw-ns.pcap" --spool-dir "$spool" \
		--iface dur $args 2>"$T/err"
	eq "$args: accepted, the file converted" "$?/$(seg_rows "$spool" | wc -l)" \
		"0/$(tail -n +2 "$data/raw-ns.csv" | wc -l)"
	rm -f "$spool"/*
done
expect "snaplen" 2 "bad value for --snaplen: '64'" --snaplen 64
expect "buffer" 2 "bad value for --buffer-size: '1K'" --buffer-size 1K
expect "iface with a slash" 2 "bad value for --iface: 'wg/0'" --iface wg/0
expect "iface too long" 2 "bad value for --iface" --iface abcdefghijabcdefghijabcdefghijabc
expect "filter syntax" 2 "bad value for --filter: 'port port'" \
	-r "$data/raw-ns.pcap" --spool-dir "$spool" --filter "port port"
expect "unknown user" 2 "bad value for --user: 'no-such-user-x' \\(no such user\\)" \
	-r "$data/raw-ns.pcap" --spool-dir "$spool" --user no-such-user-x
eq "flag errors wrote nothing" "$(ls -A "$spool" | wc -l)" 0

# --- capture files -----------------------------------------------------------------
expect "missing file" 1 "read $T/nope.pcap: .*No such file" -r "$T/nope.pcap" --spool-dir "$spool"
expect "a directory as the file" 1 "read $T: " -r "$T" --spool-dir "$spool"
: >"$T/empty.pcap"
expect "empty file" 1 "read $T/empty.pcap: " -r "$T/empty.pcap" --spool-dir "$spool"
head -c 100 /dev/urandom >"$T/garbage.pcap"
printf 'GARBAGE!' | dd of="$T/garbage.pcap" conv=notrunc status=none
expect "garbage header" 1 "read $T/garbage.pcap: unknown file format" -r "$T/garbage.pcap" --spool-dir "$spool"
expect "Ethernet capture" 1 "has link type EN10MB" -r "$data/en10mb.pcap" --spool-dir "$spool"
eq "nothing written for unreadable files" "$(ls -A "$spool" | wc -l)" 0
expect "cut in a record" 1 "read $data/cut-record.pcap: truncated dump file.*rows before it are kept" \
	-r "$data/cut-record.pcap" --spool-dir "$spool" --iface cut
eq "cut in a record: rows before the cut kept" "$(seg_rows "$spool" | wc -l)" \
	"$(tail -n +2 "$data/cut-record.csv" | wc -l)"
no_temp "cut in a record"
rm -f "$spool"/*

# a pcapng with two interfaces of different link types (RAW, then Ethernet)
python3 - "$T/multi.pcapng" <<'PY'
import struct, sys
def block(t, body):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", t, n) + body + struct.pack("<I", n)
shb = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
idb = lambda lt: block(1, struct.pack("<HHI", lt, 0, 65535))
ip = bytes.fromhex("4500001c00010000401100000000c0000201c633640200070009000800000000")[:28]
epb = lambda iface, ts: block(6, struct.pack("<IIIII", iface, 0, ts, len(ip), len(ip)) + ip)
open(sys.argv[1], "wb").write(shb + idb(101) + epb(0, 1000000) + epb(0, 2000000) +
                              idb(1) + epb(1, 3000000) + epb(0, 4000000))
PY
expect "pcapng with a second, Ethernet interface" 1 "read $T/multi.pcapng: .*" \
	-r "$T/multi.pcapng" --spool-dir "$spool" --iface multi
eq "pcapng: rows before the second interface kept" "$(seg_rows "$spool" | wc -l)" 2
no_temp "pcapng"
rm -f "$spool"/*

# Times out of range between good packets (tests/mkcraft.py): classic pcap
# seconds 0x80000000 and 0xffffffff (libpcap sign-extends them: before
# 1970), pcapng at 2e10 s and 9223372036 s (past 2262-04-11). Each good
# packet gives its row, in one segment of the fixture's hour; the others
# none, counted as bad_timestamp in the summary; exit 0, no warning.
for f in bad-time.pcap ng-bad-time.pcapng; do
	for how in file stdin; do
		if [ $how = file ]; then
			"$WGTAP_CAPTURE" -r "$data/$f" --spool-dir "$spool" \
				--iface bt 2>"$T/err"
		else
			"$WGTAP_CAPTURE" -r - --spool-dir "$spool" --iface bt \
				<"$data/$f" 2>"$T/err"
		fi
		eq "$f ($how): exit status" "$?" 0
		eq "$f ($how): nothing but info lines" \
			"$(grep -vc ': info: ' "$T/err")" 0
		eq "$f ($how): the summary counts the bad times" \
			"$(grep -o 'summary; packets=[0-9]* rows=[0-9]* .* bad_timestamp=[0-9]*' "$T/err" |
			   sed -E 's/^summary; (packets=[0-9]* rows=[0-9]*) .* (bad_timestamp=[0-9]*)$/\1 \2/')" \
			"packets=6 rows=4 bad_timestamp=2"
		eq "$f ($how): the good rows, exactly" "$(seg_rows "$spool")" \
			"$(tail -n +2 "$data/${f%.*}.csv")"
		eq "$f ($how): one segment, in the good rows' hour" \
			"$(seg_names "$spool" | sed -E 's/^bt-([0-9]{8}T[0-9]{2}).*/\1/')" \
			20260101T00
		no_temp "$f ($how)"
		rm -f "$spool"/*
	done
done

# --- the spool ---------------------------------------------------------------------
expect "missing spool" 1 "spool $T/nope: No such file or directory" \
	-r "$data/raw-ns.pcap" --spool-dir "$T/nope"
: >"$T/afile"
expect "spool is a file" 1 "spool $T/afile: Not a directory" \
	-r "$data/raw-ns.pcap" --spool-dir "$T/afile"
if [ "$(id -u)" = 0 ] && mkdir "$T/ro" && mount -t tmpfs -o ro,size=1m,mode=0750 tmpfs "$T/ro"; then
	mnt=$T/ro
	expect "read-only spool" 1 "spool $T/ro: not writable: Read-only file system" \
		-r "$data/raw-ns.pcap" --spool-dir "$T/ro"
	umount "$T/ro"; mnt=
else
	mkdir -p "$T/ro" && chmod 0500 "$T/ro"
	expect "unwritable spool" 1 "spool $T/ro: not writable: Permission denied" \
		-r "$data/raw-ns.pcap" --spool-dir "$T/ro"
fi
finish
