#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# wgtap-capture --format v2 live on a real WireGuard tunnel (wireguard-go
# between two network namespaces; A is the gateway, B its peer): every row's
# direction is what the test sent (B to A "in", A to B "out"; a packet B
# sends through A to another peer's address gives two rows, "in" then
# "out"); the DNS columns of the queries the test asked (labels holding a
# dot, a comma, a quote, a backslash, a space, a byte 0xff) and of their
# answers are the exact presentation text, type and rcode, and agree with
# tshark's dns.qry.name, dns.qry.type and dns.flags.rcode on a witness
# capture of the same interface; every row's peer is the one whose
# allowed-ips hold its remote address. Offline, -r --format v2 --peers of
# a LINUX_SLL2 capture of the same traffic (tcpdump on "any") gives the
# same rows, and of a RAW capture the same rows with the direction empty.
# Needs root.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/common.sh"
. "$here/lib/wgtunnel.sh"

reason=$(wgt_available python3 tcpdump tshark) || skip "$reason"
[ -x "${WGTAP_CAPTURE:-}" ] || skip "WGTAP_CAPTURE not set"
trap wgt_down EXIT
wgt_up || { not_ok "tunnel up"; exit 1; }
T=$WGT_TMP
spool=$T/spool
mkdir -m 0750 "$spool"
traffic=(python3 "$here/tools/traffic.py")
dnsask=(python3 "$here/tools/dnsask.py")
ns_a() { ip netns exec "$WGT_NS_A" "$@"; }
ns_b() { ip netns exec "$WGT_NS_B" "$@"; }
FWD=203.0.113.9		# "another peer" behind the gateway, reached through it

# A forwards: what B sends to $FWD comes in on A's interface and goes back
# out of it to B (whose wireguard-go then drops it: not from an allowed
# source). No redirects, which would add rows of their own.
puba=$(ns_b wg show "$WGT_IF_B" peers) || not_ok "peer key of A"
pubb=$(ns_a wg show "$WGT_IF_A" peers) || not_ok "peer key of B"
ns_a sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
	"net.ipv4.conf.$WGT_IF_A.send_redirects=0" || not_ok "sysctl"
ns_a wg set "$WGT_IF_A" peer "$pubb" allowed-ips "$WGT_B4/32,$WGT_B6/128,$FWD/32" ||
	not_ok "wg set A"
ns_b wg set "$WGT_IF_B" peer "$puba" allowed-ips "$WGT_A4/32,$WGT_A6/128,$FWD/32" ||
	not_ok "wg set B"
ns_a ip route add "$FWD/32" dev "$WGT_IF_A" || not_ok "route in A"
ns_b ip route add "$FWD/32" dev "$WGT_IF_B" || not_ok "route in B"

WGT_BG_LOG=$T/servers.log wgt_bg "$WGT_NS_A" "${traffic[@]}" udp-echo "$WGT_A4" 7001 >/dev/null
WGT_BG_LOG=$T/servers.log wgt_bg "$WGT_NS_A" "${traffic[@]}" udp-echo "$WGT_A4" 7999 >/dev/null
WGT_BG_LOG=$T/servers.log wgt_bg "$WGT_NS_A" "${dnsask[@]}" serve "$WGT_A4" "$WGT_A6" >/dev/null
for l in "udp $WGT_A4 7001" "udp $WGT_A4 7999" "udp $WGT_A4 53" "udp $WGT_A6 53"; do
	# shellcheck disable=SC2086 # the words of $l are the arguments
	wait_for 30 wgt_listening "$WGT_NS_A" $l || not_ok "server up: $l"
done

WGT_BG_LOG=$T/witness.log wgt_bg "$WGT_NS_A" tcpdump -i "$WGT_IF_A" -n -U \
	-B 16384 --time-stamp-precision=nano -w "$T/witness.pcap" >/dev/null
witness=$WGT_LAST_PID
ifindex=$(ns_a cat "/sys/class/net/$WGT_IF_A/ifindex")
WGT_BG_LOG=$T/witness-any.log wgt_bg "$WGT_NS_A" tcpdump -i any -y LINUX_SLL2 \
	-n -U -B 16384 --time-stamp-precision=nano -w "$T/any.pcap" \
	"ifindex $ifindex" >/dev/null
witness_any=$WGT_LAST_PID
WGT_BG_LOG=$T/capture.log wgt_bg "$WGT_NS_A" "$WGTAP_CAPTURE" --format v2 \
	--iface "$WGT_IF_A" --spool-dir "$spool" -t 1h >/dev/null
cap=$WGT_LAST_PID
log_has "$T/capture.log" "capturing on $WGT_IF_A through any" 30 ||
	not_ok "capture started"
log_has "$T/witness.log" "listening on" 30 || not_ok "witness started"
log_has "$T/witness-any.log" "listening on" 30 || not_ok "witness on any started"
check "link type LINUX_SLL2 reported" grep -q "link type LINUX_SLL2" "$T/capture.log"

# Traffic, each kind with sizes of its own.
ns_b ping -n -q -c 3 -i 0.2 -s 100 "$WGT_A4" >/dev/null || not_ok "ping B->A"
ns_a ping -n -q -c 3 -i 0.2 -s 200 "$WGT_B4" >/dev/null || not_ok "ping A->B"
ns_a ping -6 -n -q -c 2 -i 0.2 -s 300 "$WGT_B6" >/dev/null || not_ok "ping -6 A->B"
ns_b "${traffic[@]}" udp-send "$WGT_A4" 7001 5 >/dev/null || not_ok "udp B->A"
for i in 1 2 3 4; do
	ns_b "${traffic[@]}" udp-mark "$FWD" 7100 $((400 + i)) || not_ok "udp B->$FWD"
done
# The DNS questions: labels with a dot, a comma, a quote, a backslash, a
# space and a byte 0xff inside; the responder picks the rcode by the
# first label. Each line: TYPE, the labels, and what v2 must say:
# dns_qname, dns_qtype, dns_rcode of the answer.
cat >"$T/questions" <<'Q'
1|a.b|example|test|a\.b.example.test|A|NOERROR
28|nx,1|example|test|nx\0441.example.test|AAAA|NXDOMAIN
65|sf"q|example|test|sf\034q.example.test|HTTPS|SERVFAIL
16|back\slash|sp ace|test|back\092slash.sp\032ace.test|TXT|NOERROR
65280|rc12\xff|test|rc12\255.test|TYPE65280|RCODE12
Q
want_rc() { case $1 in NOERROR) echo 0 ;; NXDOMAIN) echo 3 ;; SERVFAIL) echo 2 ;; RCODE12) echo 12 ;; esac; }
while IFS='|' read -r -a f; do
	n=${#f[@]}
	rc=$(ns_b "${dnsask[@]}" ask "$WGT_A4" "${f[0]}" "${f[@]:1:n-4}") || not_ok "dns ${f[*]}"
	eq "answer rcode for ${f[n-3]}" "$rc" "$(want_rc "${f[n-1]}")"
done <"$T/questions"
rc=$(ns_b "${dnsask[@]}" ask "$WGT_A6" 28 v6 example test) || not_ok "dns over IPv6"
printf '28|v6|example|test|v6.example.test|AAAA|NOERROR\n' >>"$T/questions"

# The last marker: 900 bytes B->A, echoed; both captures must hold its echo.
ns_b "${traffic[@]}" udp-mark "$WGT_A4" 7999 900 || not_ok "marker sent"
witness_has_end() {
	tcpdump -r "$T/witness.pcap" -n "src host $WGT_A4 and src port 7999" \
		2>/dev/null | grep "UDP, length 900$" >/dev/null
}
capture_has_end() {
	spool_rows "$spool" |
		grep "^$WGT_A4,7999,$WGT_B4,[0-9]*,UDP,928," >/dev/null
}
witness_any_has_end() {
	tcpdump -r "$T/any.pcap" -n "src host $WGT_A4 and src port 7999" \
		2>/dev/null | grep "UDP, length 900$" >/dev/null
}
check "the witness holds the marker's echo" wait_for 30 witness_has_end
check "the witness on any holds the marker's echo" wait_for 30 witness_any_has_end
check "wgtap-capture holds the marker's echo" wait_for 30 capture_has_end
stop_pid "$cap" 30
eq "exit status after SIGTERM" "$?" 0
stop_pid "$witness" 30 INT
stop_pid "$witness_any" 30 INT
check "the witness lost no packet" grep -q '^0 packets dropped by kernel' "$T/witness.log"
check "the witness on any lost no packet" grep -q '^0 packets dropped by kernel' \
	"$T/witness-any.log"

for seg in $(seg_names "$spool"); do
	eq "$seg: v2 header" "$(zcat "$spool/$seg" | head -1)" \
		"src,src_port,dst,dst_port,l3_protocol,size,timestamp,dns,peer,direction,dns_qname,dns_qtype,dns_rcode"
done
seg_rows "$spool" >"$T/rows.csv"
end_ns=$(awk -F, -v a="$WGT_A4" '$1 == a && $2 == 7999 && $6 == 928 {print $7}' \
	"$T/rows.csv" | tail -n 1)
awk -F, -v end="${end_ns:-0}" '$7 <= end' "$T/rows.csv" >"$T/mine.csv"
eq "every row has 13 fields" "$(awk -F, 'NF != 13' "$T/mine.csv" | wc -l)" 0
# Peers: A's table holds one peer, B, with B's addresses and $FWD; a row's
# remote address (the source of "in", the destination of "out") in them
# names B, any other (link-local) names none.
eq "rows naming a peer other than B" \
	"$(awk -F, -v b="$pubb" '$9 != "" && $9 != b' "$T/mine.csv" | wc -l)" 0
eq "rows whose remote address is B's or \$FWD, without B as their peer" \
	"$(awk -F, -v b="$pubb" -v r=" $WGT_B4 $WGT_B6 $FWD " '{
		rem = $10 == "in" ? $1 : $3
		if (index(r, " " rem " ") && $9 != b) n++
	} END { print n + 0 }' "$T/mine.csv")" 0
eq "rows with B as their peer whose remote address is not B's or \$FWD" \
	"$(awk -F, -v b="$pubb" -v r=" $WGT_B4 $WGT_B6 $FWD " '{
		rem = $10 == "in" ? $1 : $3
		if (!index(r, " " rem " ") && $9 == b) n++
	} END { print n + 0 }' "$T/mine.csv")" 0
check "rows with B as their peer" \
	test "$(awk -F, -v b="$pubb" '$9 == b' "$T/mine.csv" | wc -l)" -gt 0

# Direction: A's own addresses (and its link-local ones) send "out"; what
# reaches A from B is "in"; each datagram to $FWD is there twice, "in"
# then "out", same bytes.
a_addrs=" $WGT_A4 $WGT_A6 $(ns_a ip -6 -o addr show dev "$WGT_IF_A" scope link |
	awk '{sub(/\/.*/, "", $4); printf "%s ", $4}')"
b_addrs=" $WGT_B4 $WGT_B6 $(ns_b ip -6 -o addr show dev "$WGT_IF_B" scope link |
	awk '{sub(/\/.*/, "", $4); printf "%s ", $4}')"
bad=$(awk -F, -v a="$a_addrs" -v b="$b_addrs" -v fwd="$FWD" '
	$3 == fwd { next }
	index(a, " " $1 " ") { if ($10 != "out") print; next }
	index(b, " " $1 " ") { if ($10 != "in") print; next }
	{ print "unknown source: " $0 }' "$T/mine.csv")
eq "every row between A and B has the direction sent" "$bad" ""
eq "ICMP rows B->A in (3 requests in, 3 replies out) + A->B (3 out, 3 in)" \
	"$(awk -F, '$5 == "ICMP" {print $10}' "$T/mine.csv" | sort | uniq -c | tr -s ' ' | tr '\n' ';')" \
	" 6 in; 6 out;"
eq "UDP 7001 rows: 5 in, 5 out" \
	"$(awk -F, '$4 == 7001 || $2 == 7001 {print $10}' "$T/mine.csv" | sort | uniq -c | tr -s ' ' | tr '\n' ';')" \
	" 5 in; 5 out;"
fwd_rows=$(awk -F, -v fwd="$FWD" '$3 == fwd {print $6 "," $10}' "$T/mine.csv" | tr '\n' ' ')
eq "forwarded datagrams: in then out, each" "$fwd_rows" \
	"429,in 429,out 430,in 430,out 431,in 431,out 432,in 432,out "
ts_ok=$(awk -F, -v fwd="$FWD" '$3 == fwd { if ($10 == "in") t = $7; else if ($7 < t) print "out before in: " $0 }' "$T/mine.csv")
eq "each forward's out row is not earlier than its in row" "$ts_ok" ""

# DNS: each question once "in" (a query, no rcode) and once "out" (the
# answer with its rcode).
while IFS='|' read -r -a f; do
	n=${#f[@]}
	name=${f[n-3]} type=${f[n-2]} rcode=${f[n-1]}
	# (through the environment: awk -v would undo the backslashes)
	got=$(Q=$name awk -F, '$11 == ENVIRON["Q"] {print $10 "|" $12 "|" $13}' \
		"$T/mine.csv" | sort | tr '\n' ' ')
	eq "DNS rows for $name" "$got" "in|$type| out|$type|$rcode "
done <"$T/questions"
eq "rows with dns: two per question" "$(awk -F, '$8 != ""' "$T/mine.csv" | wc -l)" \
	"$(($(wc -l <"$T/questions") * 2))"
eq "DNS columns empty where dns is" "$(awk -F, '$8 == "" && ($11 != "" || $12 != "" || $13 != "")' "$T/mine.csv" | wc -l)" 0

# tshark on the witness: the same questions, types and rcodes, row for
# row (paired by timestamp and size). tshark prints a name's bytes as they
# are (a dot in a label like the dots between labels; a byte that is not
# UTF-8 as U+FFFD): ours is compared after undoing its escapes.
tshark -r "$T/witness.pcap" -n -Y dns -T fields -E separator=/t -E occurrence=f \
	-e frame.time_epoch -e frame.len -e dns.qry.name -e dns.qry.type \
	-e dns.flags.response -e dns.flags.rcode 2>/dev/null >"$T/tshark.tsv"
python3 - "$T/mine.csv" "$T/tshark.tsv" >"$T/compare.txt" <<'PY'
import sys
TYPES = {"A": 1, "AAAA": 28, "HTTPS": 65, "TXT": 16}
RC = {"NOERROR": 0, "SERVFAIL": 2, "NXDOMAIN": 3}
def ns(t):
    s, _, f = t.partition(".")
    return int(s) * 10**9 + int((f + "000000000")[:9])
mine = {}
for line in open(sys.argv[1]):
    c = line.rstrip("\n").split(",")
    if c[7]:
        mine[(int(c[6]), int(c[5]))] = c
bad = 0
n = 0
for line in open(sys.argv[2]):
    t = line.rstrip("\n").split("\t")
    key = (ns(t[0]), int(t[1]))
    w = mine.pop(key, None)
    if w is None:
        print("tshark row without a wgtap row:", t); bad += 1; continue
    n += 1
    qtype = int(w[11][4:]) if w[11].startswith("TYPE") else TYPES[w[11]]
    if int(t[3]) != qtype:
        print("qtype", w[11], "tshark", t[3]); bad += 1
    want_rc = "" if t[4] in ("0", "False") else t[5]
    rc = "" if not w[12] else str(int(w[12][5:]) if w[12].startswith("RCODE") else RC[w[12]])
    if rc != want_rc:
        print("rcode", w[12], "tshark", t[4], t[5]); bad += 1
    # Our name unescaped to bytes, tshark's as it prints them.
    raw = b""; s = w[10]; i = 0
    while i < len(s):
        if s[i] == "\\" and s[i + 1:i + 4].isdigit():
            raw += bytes([int(s[i + 1:i + 4])]); i += 4
        elif s[i] == "\\":
            raw += s[i + 1].encode(); i += 2
        else:
            raw += s[i].encode(); i += 1
    if raw.decode("utf-8", "replace") != t[2]:
        print("qname", w[10], "tshark", t[2]); bad += 1
for k, w in mine.items():
    print("wgtap row without a tshark row:", w); bad += 1
print("compared", n, "disagreements", bad)
PY
eq "tshark's dns.qry.name, dns.qry.type, dns.flags.rcode agree" \
	"$(tail -n 1 "$T/compare.txt")" \
	"compared $(($(wc -l <"$T/questions") * 2)) disagreements 0"
[ "$T_FAILED" = 0 ] || head -20 "$T/compare.txt"

# Offline, with --peers: the LINUX_SLL2 file gives the live rows (its size counts the
# 20-byte header, as SPEC's pcap length does); the RAW file the same rows
# without a direction.
# The peer table as the operator takes it: wg show IFACE dump.
ns_a wg show "$WGT_IF_A" dump >"$T/peers.dump" || not_ok "wg show dump"
convert() { # FILE DIR
	mkdir -m 0750 "$2" && "$WGTAP_CAPTURE" -r "$1" --format v2 -i wgx \
		--peers "$T/peers.dump" --spool-dir "$2" -t 1h \
		2>>"$T/convert.log" && seg_rows "$2"
}
upto() { awk -F, -v end="${end_ns:-0}" '$7 <= end' ; }
convert "$T/any.pcap" "$T/off-any" | upto >"$T/off-any.csv" || not_ok "convert any.pcap"
convert "$T/witness.pcap" "$T/off-raw" | upto >"$T/off-raw.csv" || not_ok "convert witness.pcap"
eq "-r of the LINUX_SLL2 file: the live rows" \
	"$(awk -F, -v OFS=, '{$6 -= 20; print}' "$T/off-any.csv" | sort | md5sum)" \
	"$(sort "$T/mine.csv" | md5sum)"
eq "-r of the RAW file: the live rows, direction empty" \
	"$(sort "$T/off-raw.csv" | md5sum)" \
	"$(awk -F, -v OFS=, '{$10 = ""; print}' "$T/mine.csv" | sort | md5sum)"
eq "rows of the RAW file" "$(wc -l <"$T/off-raw.csv")" "$(wc -l <"$T/mine.csv")"
finish
