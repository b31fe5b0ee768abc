#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/tun_inject, the load of the live benchmark (bench/live.sh): bad
# arguments and bad files get one line and a non-zero exit; in a network
# namespace of the test's own, the packets it writes into its TUN
# interface reach wgtap-capture whole and in order, as many rows as it
# says it sent, each the row of `wgtap-capture -r` on the same file but
# for the time, and a fixed rate is never exceeded. Needs root.
# shellcheck disable=SC2317 # functions called through trap, check and wait_for
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/common.sh
. "$here/lib/common.sh"
INJECT=${WGTAP_TUN_INJECT:-}
[ -x "$INJECT" ] || skip "WGTAP_TUN_INJECT not set (make check sets it)"
[ -x "${WGTAP_CAPTURE:-}" ] || skip "WGTAP_CAPTURE not set"
[ "$(id -u)" = 0 ] || skip "needs root (a TUN interface in a network namespace)"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
command -v python3 >/dev/null || skip "python3 not found"
command -v ip >/dev/null || skip "ip (iproute2) not found"

T=$(mktemp -d /tmp/wgtap-tuninj.XXXXXX)
NS=wgtap-tuninj-$$-$RANDOM
inj="" cap=""
cleanup() {
	exec 7>&- 2>/dev/null
	for p in $cap $inj; do
		pid_gone "$p" || { kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; }
	done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# pcaps: DLT (101 raw IP, 1 Ethernet) and records "caplen:len:hexbytes"
mkpcap() {
	python3 - "$@" <<'EOF'
import struct, sys
out, dlt = sys.argv[1], int(sys.argv[2])
with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, dlt))
    for rec in sys.argv[3:]:
        cap, ln, hexb = rec.split(":")
        b = bytes.fromhex(hexb)
        f.write(struct.pack("<IIII", 1, 0, int(cap), int(ln)) + b)
EOF
}
# a 28-byte IPv4/UDP packet (total length 28), and one that says 40
ip4=4500001c000100004011b77bc0000201c00002020035003500080000
ip4long=45000028000100004011b76fc0000201c00002020035003500080000

# expect NAME STATUS REGEX ARGS...: exit STATUS, one stderr line matching
expect() {
	local name=$1 want=$2 re=$3 rc n
	shift 3
	"$INJECT" "$@" </dev/null >"$T/out" 2>"$T/err"
	rc=$?
	n=$(grep -c '' "$T/err")
	if [ "$rc" = "$want" ] && [ "$n" = 1 ] && grep -Eq -- "$re" "$T/err"; then
		ok "$name: exit $rc: $(cat "$T/err")"
	else
		not_ok "$name: exit $rc (want $want), $n lines: $(cat "$T/err")"
	fi
	[ -s "$T/out" ] && not_ok "$name: wrote to stdout"
	return 0
}

mkpcap "$T/eth.pcap" 1 "28:28:$ip4"
mkpcap "$T/bad.pcap" 101 "20:28:${ip4:0:40}" "28:28:$ip4long" "3:3:450000"
mkpcap "$T/cut.pcap" 101 "28:28:$ip4"
head -c -5 "$T/cut.pcap" >"$T/cut2.pcap"
expect "no arguments" 2 '^usage: tun_inject IFNAME PCAP SECONDS \[PPS\]$'
expect "long name" 2 "bad interface name 'abcdefghijklmnopq'" abcdefghijklmnopq x 1
expect "seconds" 2 "bad SECONDS: 'soon'" ti0 x soon
expect "seconds zero" 2 "bad SECONDS: '0'" ti0 x 0
expect "rate" 2 "bad PPS: '-5'" ti0 x 1 -5
expect "no file" 1 "tun_inject: $T/none.pcap: " ti0 "$T/none.pcap" 1
expect "ethernet" 1 "link type 1, not raw IP" ti0 "$T/eth.pcap" 1
expect "no whole packet" 1 "no whole IP packet" ti0 "$T/bad.pcap" 1
expect "cut record" 1 "tun_inject: $T/cut2.pcap: .*truncated" ti0 "$T/cut2.pcap" 1

# --- live ------------------------------------------------------------------------
# The namespace drops what it receives without answering (forwarding to a
# blackhole; no IPv6), so only the injected packets cross the interface.
ip netns add "$NS" || { not_ok "ip netns add"; finish; }
ip netns exec "$NS" sysctl -qw net.ipv4.ip_forward=1 \
	net.ipv6.conf.default.disable_ipv6=1 || not_ok "sysctl"
ip -n "$NS" route add blackhole default || not_ok "blackhole route"
python3 "$WGTAP_TOP/bench/mkpcap.py" "$T/in.pcap" 300 >/dev/null 2>&1 ||
	not_ok "mkpcap.py"
mkdir "$T/spool" "$T/ref"
"$WGTAP_CAPTURE" -r "$T/in.pcap" --iface ref --spool-dir "$T/ref" \
	--compress none 2>/dev/null || not_ok "reference conversion"
# the rows without their time (column 7)
seg_rows "$T/ref" | cut -d, -f1-6,8 >"$T/ref.rows"
eq "reference rows" "$(grep -c '' "$T/ref.rows")" 300

pps=1000 secs=1.5
mkfifo "$T/in"
ip netns exec "$NS" "$INJECT" ti0 "$T/in.pcap" "$secs" "$pps" <"$T/in" \
	>"$T/inj.out" 2>"$T/inj.err" &
inj=$!
exec 7>"$T/in"
check "ready line" log_has "$T/inj.out" '^ready 300 skipped 0$' 20
ip -n "$NS" link set ti0 up || not_ok "link up"
ip netns exec "$NS" "$WGTAP_CAPTURE" --iface ti0 --spool-dir "$T/spool" \
	-t 1h --compress none </dev/null >"$T/cap.log" 2>&1 &
cap=$!
check "capture started" log_has "$T/cap.log" 'capturing on ti0' 20
printf x >&7
check "sent line" log_has "$T/inj.out" '^sent [0-9]+ pps [0-9]+ secs [0-9.]+ errors 0$' 30
sent=$(awk '/^sent/ {print $2}' "$T/inj.out")
# pacing: never ahead of the rate (plus one batch of 64 writes)
check "sent $sent, at most $pps/s" awk -v s="$sent" -v p="$pps" -v t="$secs" \
	'BEGIN { exit !(s > 0 && s <= p * t + 64) }'
rows_now() { [ "$(spool_rows "$T/spool" | grep -c '')" -ge "$sent" ]; }
check "every packet reached the spool" wait_for 30 rows_now
stop_pid "$cap" 30
eq "capture exit status" "$?" 0
grep -o ' rows=[0-9]* .* pcap_dropped=[0-9]*' "$T/cap.log" | tail -1 >"$T/counts"
check "summary: rows=$sent" grep -q " rows=$sent " "$T/counts"
check "summary: pcap_dropped=0" grep -q ' pcap_dropped=0$' "$T/counts"
# the file's rows over and over, in order, for as many as were sent
seg_rows "$T/spool" | cut -d, -f1-6,8 >"$T/live.rows"
awk -v n="$sent" '{ r[NR - 1] = $0 } END { for (i = 0; i < n; i++) print r[i % NR] }' \
	"$T/ref.rows" >"$T/want.rows"
check "rows are the file's, in order ($sent)" cmp -s "$T/live.rows" "$T/want.rows"
exec 7>&-
check "tun_inject ends when stdin closes" wait_for 10 pid_gone "$inj"
wait "$inj"
eq "tun_inject exit status" "$?" 0
iface_gone() { ! ip -n "$NS" link show ti0; }
check "the interface went with it" wait_for 10 iface_gone
finish
