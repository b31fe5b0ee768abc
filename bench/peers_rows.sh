#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/peers_rows.sh PCAP: rows per second of the whole program with peer
# attribution off and on: wgtap-capture -r PCAP --format v2, without and
# with --peers DUMP (CPU time of the process), where DUMP is a `wg show dump` of 1,000 peers with 10
# allowed-ips each (10,000 prefixes: a /32 of 198.51.100.0/24 for the
# first 254 peers, /64s of 2001:db8:100::/48, mkpcap.py's client ranges,
# so that some rows match and some do not), gzip and --compress none,
# RUNS (3) interleaved runs each, whole process timed; prints the medians
# and the cost of attribution in the same run.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
PCAP=${1:?usage: $0 PCAP}
RUNS=${RUNS:-3}
CAPTURE=${WGTAP_CAPTURE:-$top/wgtap-capture/wgtap-capture}
work=$(mktemp -d /tmp/peers_rows.XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 - >"$work/dump" <<'PY'
import base64, os
print("(none)\t%s\t51820\toff" % base64.b64encode(os.urandom(32)).decode())
for i in range(1000):
    ips = ["198.51.100.%d/32" % (i + 1)] if i < 254 else []
    k = 0
    while len(ips) < 10:
        ips.append("2001:db8:100:%x::/64" % ((i * 65 + k) % 65536))
        k += 1
    print("%s\t(none)\t(none)\t%s\t0\t0\t0\toff" % (
        base64.b64encode(os.urandom(32)).decode(), ",".join(ips)))
PY
n=$(python3 -c 'import sys
f = open(sys.argv[1], "rb"); f.read(24); n = 0
import struct
while True:
    h = f.read(16)
    if len(h) < 16: break
    f.seek(struct.unpack("<I", h[8:12])[0], 1); n += 1
print(n)' "$PCAP")
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
one() { # COMPRESS [--peers DUMP]: CPU seconds (user + system) of one run
	local c=$1
	shift
	rm -rf "$work/spool"; mkdir -m 0750 "$work/spool"
	/usr/bin/time -f '%U %S' -o "$work/time" "$CAPTURE" -r "$PCAP" \
		--format v2 -i b0 -d "$work/spool" --compress "$c" \
		-n 100000000 -t 1h "$@" 2>"$work/log"
	awk '{ printf "%.3f\n", $1 + $2 }' "$work/time"
}
echo "## rows per CPU second (user + system: the machine is shared, wall time is not),"
echo "## wgtap-capture -r --format v2, $n packets, attribution off and on"
echo "## (1,000 peers, 10,000 prefixes), medians of $RUNS interleaved runs"
for c in gzip none; do
	off=() on=()
	for ((r = 0; r < RUNS; r++)); do
		off+=("$(one "$c")")
		on+=("$(one "$c" --peers "$work/dump")")
	done
	grep -o 'no_peer=[0-9]*' "$work/log" | tail -1 >"$work/nopeer"
	awk -v a="$(printf '%s\n' "${off[@]}" | median)" \
		-v b="$(printf '%s\n' "${on[@]}" | median)" -v n="$n" -v c="$c" \
		-v np="$(cat "$work/nopeer")" 'BEGIN {
		printf "%-5s off %.0f rows/s  on %.0f rows/s  cost %+.1f %%  (%s of %d rows)\n",
			c, n / a, n / b, (b / a - 1) * 100, np, n }'
done
