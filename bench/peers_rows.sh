#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/peers_rows.sh PCAP: rows per second of the whole program with peer
# attribution off and on: wgtap-capture -r PCAP --format v2 (CPU time of
# the process, user + system) in three configurations:
#
#   off   no --peers: the peer column stays empty
#   one   --peers of a dump of one peer holding 0.0.0.0/0 and ::/0: every
#         row names that peer, and a lookup is one probe of a table of one
#         prefix per family: the column's own cost, with next to nothing
#         to look up
#   on    --peers of a dump of 1,000 peers with 10 allowed-ips each (a /32
#         of 198.51.100.0/24 for the first 254 peers, /64s of
#         2001:db8:100::/48, mkpcap.py's client ranges) and one more peer
#         holding 0.0.0.0/0 and ::/0 (an exit peer, as a gateway may
#         have): 10,002 prefixes, and every row names a peer, so its bytes
#         are those of "one" row for row; an address no client holds walks
#         every prefix length down to /0, the most a lookup does
#
# "on" over "one" ("table") is what the table of 1,001 peers costs over a
# table of one: with --compress none, where both write the same bytes,
# the longest-prefix match and its cache alone; with gzip also the
# compression of 1,001 different keys instead of one. "on" over "off"
# ("all") adds the column's bytes, which the process must format,
# compress and write. gzip and
# --compress none, RUNS (3) interleaved runs of each; prints medians and
# the costs in the same run. The spool is on PEERS_SPOOL_BASE (/dev/shm,
# so that the disk's writeback stays out of the times; /tmp otherwise),
# and CPU time comes from wait4() in microseconds.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
PCAP=${1:?usage: $0 PCAP}
RUNS=${RUNS:-3}
CAPTURE=${WGTAP_CAPTURE:-$top/wgtap-capture/wgtap-capture}
work=$(mktemp -d /tmp/peers_rows.XXXXXX)
base=${PEERS_SPOOL_BASE:-/dev/shm}
[ -d "$base" ] || base=/tmp
spool=$(mktemp -d "$base/peers_rows.XXXXXX")
trap 'rm -rf "$work" "$spool"' EXIT
python3 - "$work" <<'PY'
import base64, os, sys
w = sys.argv[1]
def key():
    return base64.b64encode(os.urandom(32)).decode()
iface = "(none)\t%s\t51820\toff\n" % key()
def peer(ips):
    return "%s\t(none)\t(none)\t%s\t0\t0\t0\toff\n" % (key(), ",".join(ips))
with open(w + "/dump", "w") as f:
    f.write(iface)
    for i in range(1000):
        ips = ["198.51.100.%d/32" % (i + 1)] if i < 254 else []
        k = 0
        while len(ips) < 10:
            ips.append("2001:db8:100:%x::/64" % ((i * 65 + k) % 65536))
            k += 1
        f.write(peer(ips))
    f.write(peer(["0.0.0.0/0", "::/0"]))
with open(w + "/one", "w") as f:
    f.write(iface)
    f.write(peer(["0.0.0.0/0", "::/0"]))
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
	rm -rf "$spool/s"; mkdir -m 0750 "$spool/s"
	python3 -c 'import os, sys
pid = os.fork()
if pid == 0:
    os.dup2(os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 2)
    os.execv(sys.argv[2], sys.argv[2:])
_, st, ru = os.wait4(pid, 0)
if os.waitstatus_to_exitcode(st) != 0:
    sys.exit("peers_rows: wgtap-capture failed; see " + sys.argv[1])
print("%.6f" % (ru.ru_utime + ru.ru_stime))' "$work/log" "$CAPTURE" \
		-r "$PCAP" --format v2 -i b0 -d "$spool/s" --compress "$c" \
		-n 100000000 -t 1h "$@"
}
echo "## rows per CPU second (user + system: the machine is shared, wall time is not),"
echo "## wgtap-capture -r --format v2, $n packets: off (no --peers), one (one peer,"
echo "## 0.0.0.0/0 and ::/0), on (1,001 peers, 10,002 prefixes); medians of $RUNS"
echo "## interleaved runs; table = on/one - 1, all = on/off - 1"
for c in gzip none; do
	off=() one=() on=()
	for ((r = 0; r < RUNS; r++)); do
		off+=("$(one "$c")")
		one+=("$(one "$c" --peers "$work/one")")
		on+=("$(one "$c" --peers "$work/dump")")
	done
	grep -o 'no_peer=[0-9]*' "$work/log" | tail -1 >"$work/nopeer"
	awk -v a="$(printf '%s\n' "${off[@]}" | median)" \
		-v o="$(printf '%s\n' "${one[@]}" | median)" \
		-v b="$(printf '%s\n' "${on[@]}" | median)" -v n="$n" -v c="$c" \
		-v np="$(cat "$work/nopeer")" 'BEGIN {
		printf "%-5s off %.0f  one %.0f  on %.0f rows/s  table %+.1f %%  all %+.1f %%  (%s of %d rows)\n",
			c, n / a, n / o, n / b, (b / o - 1) * 100, (b / a - 1) * 100, np, n }'
done
