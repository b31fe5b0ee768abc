#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# wgtap-capture live on a real WireGuard tunnel (wireguard-go between two
# network namespaces): a known number of ICMP, ICMPv6, UDP and TCP packets
# in both directions gives exactly that many rows, field for field the same
# as an independent tcpdump capture of the same interface dissected by
# tshark; real DNS queries (UDP and TCP) give rows whose dns field decodes
# to the exact bytes of the query and the answer; SIGTERM completes the
# half-full segment and exits 0. Needs root.
#
# Both captures are stopped only once each holds the echo of a last marker
# datagram (the witness writes each packet as libpcap hands it over, -U;
# wgtap-capture's open segment is readable up to its last sync), so no
# packet is still in a ring block when either stops; rows are compared up
# to that echo: what passes after it reaches one capture and not the
# other. The witness runs without --immediate-mode: there libpcap retires
# a ring block per packet or so, and a witness that is not scheduled for a
# few milliseconds on a loaded machine loses packets ("dropped by kernel").
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/common.sh"
. "$here/lib/wgtunnel.sh"

reason=$(wgt_available python3 tcpdump tshark dnsmasq) || skip "$reason"
[ -x "${WGTAP_CAPTURE:-}" ] || skip "WGTAP_CAPTURE not set"
trap wgt_down EXIT
wgt_up || { not_ok "tunnel up"; exit 1; }
T=$WGT_TMP
spool=$T/spool
mkdir -m 0750 "$spool"
traffic="python3 $here/tools/traffic.py"

wgt_dns_server >/dev/null || { not_ok "dnsmasq"; exit 1; }
WGT_BG_LOG=$T/echo.log wgt_bg "$WGT_NS_B" $traffic udp-echo "$WGT_B4" 7001 >/dev/null
WGT_BG_LOG=$T/echo.log wgt_bg "$WGT_NS_B" $traffic udp-echo "$WGT_B6" 7001 >/dev/null
WGT_BG_LOG=$T/echo.log wgt_bg "$WGT_NS_B" $traffic tcp-echo "$WGT_B4" 7002 >/dev/null
WGT_BG_LOG=$T/echo.log wgt_bg "$WGT_NS_B" $traffic udp-echo "$WGT_B4" 7999 >/dev/null
for l in "udp $WGT_B4 7001" "udp $WGT_B6 7001" "tcp $WGT_B4 7002" "udp $WGT_B4 7999"; do
	# shellcheck disable=SC2086 # the words of $l are the arguments
	wait_for 30 wgt_listening "$WGT_NS_B" $l || not_ok "echo server up: $l"
done

# Both log their line once the capture is open (after pcap_activate()).
WGT_BG_LOG=$T/witness.log wgt_bg "$WGT_NS_A" tcpdump -i "$WGT_IF_A" -n -U \
	-B 16384 --time-stamp-precision=nano -w "$T/witness.pcap" >/dev/null
witness=$WGT_LAST_PID
WGT_BG_LOG=$T/capture.log wgt_bg "$WGT_NS_A" "$WGTAP_CAPTURE" \
	--iface "$WGT_IF_A" --spool-dir "$spool" -t 1h >/dev/null
cap=$WGT_LAST_PID
log_has "$T/capture.log" "capturing on $WGT_IF_A" 30 || not_ok "capture started"
log_has "$T/witness.log" "listening on" 30 || not_ok "witness started"
check "link type RAW reported" grep -q "link type RAW" "$T/capture.log"

ns_a() { ip netns exec "$WGT_NS_A" "$@"; }
ns_a ping -n -q -c 5 -i 0.2 "$WGT_B4" >/dev/null || not_ok "ping"
ns_a ping -6 -n -q -c 4 -i 0.2 "$WGT_B6" >/dev/null || not_ok "ping -6"
ns_a $traffic udp-send "$WGT_B4" 7001 20 >"$T/udp4.sizes" || not_ok "udp4"
ns_a $traffic udp-send "$WGT_B6" 7001 10 >"$T/udp6.sizes" || not_ok "udp6"
ns_a $traffic tcp-send "$WGT_B4" 7002 5 || not_ok "tcp"
ns_a $traffic dns "$WGT_B4" gw.example.test udp >"$T/dns-udp.hex" || not_ok "dns udp"
ns_a $traffic dns "$WGT_B6" fixed.example.test tcp >"$T/dns-tcp.hex" || not_ok "dns tcp"

# The last marker: 900 bytes to the echo on 7999. Its echo (928 bytes of
# IP) is the last packet both captures must hold before they stop.
ns_a $traffic udp-mark "$WGT_B4" 7999 900 || not_ok "marker sent"
# (grep without -q: with pipefail, a grep that stops reading early would
# fail the pipeline through the writer's SIGPIPE)
witness_has_end() {
	tcpdump -r "$T/witness.pcap" -n "src host $WGT_B4 and src port 7999" \
		2>/dev/null | grep "UDP, length 900$" >/dev/null
}
capture_has_end() {
	spool_rows "$spool" |
		grep "^$WGT_B4,7999,$WGT_A4,[0-9]*,UDP,928," >/dev/null
}
check "the witness holds the marker's echo" wait_for 30 witness_has_end
check "wgtap-capture holds the marker's echo" wait_for 30 capture_has_end

# SIGTERM with a half-full segment: completed, renamed, exit 0.
stop_pid "$cap" 30
eq "exit status after SIGTERM" "$?" 0
stop_pid "$witness" 30 INT
# A witness that lost packets cannot be compared with: say so plainly.
check "the witness lost no packet ($(grep 'dropped by kernel' "$T/witness.log"))" \
	grep -q '^0 packets dropped by kernel' "$T/witness.log"

seg_rows "$spool" >"$T/rows.csv"
# One segment, or one per UTC hour the rows fall in (-t 1h; a run that
# crosses the hour is split there).
eq "segments (one per UTC hour of the rows)" "$(seg_names "$spool" | wc -l)" \
	"$(awk -F, '{print int($7 / 3600000000000)}' "$T/rows.csv" | sort -u | wc -l)"
eq "no temporary file left" "$(find "$spool" -name '.*' | wc -l)" 0
for seg in $(seg_names "$spool"); do
	check "$seg is valid gzip" gzip -t "$spool/$seg"
	eq "$seg: header row" "$(zcat "$spool/$seg" | head -1)" \
		"src,src_port,dst,dst_port,l3_protocol,size,timestamp,dns"
done

# The marker's echo: its time ends the rows both captures must agree on.
end_ns=$(awk -F, -v b="$WGT_B4" '$1 == b && $2 == 7999 && $6 == 928 {print $7}' \
	"$T/rows.csv" | tail -n 1)
# Our traffic only (addresses of the two tunnel ends), up to the marker.
mine() { awk -F, -v end="${end_ns:-0}" '($1 ~ /^(192\.0\.2\.[12]|2001:db8::[12])$/) &&
	($3 ~ /^(192\.0\.2\.[12]|2001:db8::[12])$/) && $7 <= end' "$T/rows.csv"; }
count() { mine | awk -F, -v p="$1" '$5 == p' | wc -l; }
eq "ICMP rows (5 echo requests + 5 replies)" "$(count ICMP)" 10
eq "ICMPv6 echo rows (4 + 4)" "$(mine | awk -F, '$5 == "ICMPv6" && $6 == 104' | wc -l)" 8
eq "UDP rows to/from port 7001 (30 sent, 30 echoed)" \
	"$(mine | awk -F, '$5 == "UDP" && ($2 == 7001 || $4 == 7001)' | wc -l)" 60
want=$( (awk '{print 28 + $1; print 28 + $1}' "$T/udp4.sizes";
	awk '{print 48 + $1; print 48 + $1}' "$T/udp6.sizes") | sort -n | tr '\n' ' ')
got=$(mine | awk -F, '$5 == "UDP" && ($2 == 7001 || $4 == 7001) {print $6}' |
	sort -n | tr '\n' ' ')
eq "UDP sizes" "$got" "$want"
check "TCP rows with ports 7002" test "$(mine | awk -F, '$5 == "TCP" && ($2 == 7002 || $4 == 7002)' | wc -l)" -ge 10

# Field for field against tcpdump + tshark on the same interface. Both
# sockets see the same skb, so even the timestamps agree.
tshark -r "$T/witness.pcap" -n -T fields -E separator=, -E occurrence=f \
	-e ip.src -e ipv6.src -e tcp.srcport -e udp.srcport -e ip.dst \
	-e ipv6.dst -e tcp.dstport -e udp.dstport -e frame.len \
	-e frame.time_epoch 2>/dev/null |
	awk -F, '{ src = $1 $2; dst = $5 $6; sp = $3 $4; dp = $7 $8;
		split($10, t, "."); ns = t[1] substr(t[2] "000000000", 1, 9);
		print src "," sp "," dst "," dp "," $9 "," ns }' |
	awk -F, -v end="${end_ns:-0}" '($1 ~ /^(192\.0\.2\.[12]|2001:db8::[12])$/) &&
		($3 ~ /^(192\.0\.2\.[12]|2001:db8::[12])$/) && $6 <= end' |
	sort >"$T/witness.txt"
mine | awk -F, '{print $1 "," $2 "," $3 "," $4 "," $6 "," $7}' | sort >"$T/mine.txt"
eq "rows equal to the witness capture (count)" "$(wc -l <"$T/mine.txt")" \
	"$(wc -l <"$T/witness.txt")"
if diff -q "$T/mine.txt" "$T/witness.txt" >/dev/null; then
	ok "every row equals the witness (addresses, ports, size, timestamp)"
else
	not_ok "rows differ from the witness:"
	diff "$T/mine.txt" "$T/witness.txt" | head -10
fi

# DNS: the dns field is the exact message, for UDP and for TCP.
b64hex() { base64 -d | od -An -v -tx1 | tr -d ' \n'; }
dns_rows() { awk -F, -v p="$1" '$5 == p && $8 != "" {print $8}' "$T/rows.csv"; }
q=$(sed -n 1p "$T/dns-udp.hex"); a=$(sed -n 2p "$T/dns-udp.hex")
got=$(dns_rows UDP | while read -r b; do echo "$b" | b64hex; echo; done)
check "UDP DNS query row holds the exact query" grep -qx "$q" <<<"$got"
check "UDP DNS answer row holds the exact answer" grep -qx "$a" <<<"$got"
q=$(sed -n 1p "$T/dns-tcp.hex"); a=$(sed -n 2p "$T/dns-tcp.hex")
got=$(dns_rows TCP | while read -r b; do echo "$b" | b64hex; echo; done)
check "TCP DNS query row holds the exact query (no length prefix)" grep -qx "$q" <<<"$got"
check "TCP DNS answer row holds the exact answer" grep -qx "$a" <<<"$got"
eq "rows with dns" "$(awk -F, '$8 != ""' "$T/rows.csv" | wc -l)" 4

# The summary line counts what was written.
summary=$(grep 'summary;' "$T/capture.log")
rows_total=$(wc -l <"$T/rows.csv")
check "summary counts the rows written" grep -q "rows=$rows_total " <<<"$summary"
check "summary has libpcap drop counters" grep -q "pcap_dropped=0 " <<<"$summary"
finish
