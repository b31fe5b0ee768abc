#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Format v2's peer column over a real tunnel: a wireguard-go gateway and
# three clients (tests/lib/wghub.sh), wgtap-capture --format v2 on the
# gateway's interface, reading its peer table live through the UAPI
# socket. Every marker packet's row must name the peer and direction the
# test knows: client to gateway (in, from the client), gateway to client
# (out, to the client; also to a /24 behind a client, and over IPv6),
# client to client through the gateway (two rows: in from one, out to the
# other), DNS to a resolver on the gateway (the query in, the answer out,
# both the asking client's). Then, while the capture runs, a peer is
# removed, one added and one re-addressed; once the capture has logged the
# new table, rows follow it. The no_peer count in the summary equals the
# rows with an empty peer. Last, -r of a LINUX_SLL2 capture of the first
# phase with --peers (the `wg show dump` of that time) gives the same
# peers and directions.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/wghub.sh
. "$here/lib/wghub.sh"

[ -x "${WGTAP_CAPTURE:-}" ] || skip "WGTAP_CAPTURE not set"
reason=$(wgt_available python3 tcpdump) || skip "t-peers-attrib: $reason"
trap whub_down EXIT
whub_up || { not_ok "gateway and three clients up"; finish; }
T=$WGT_TMP
spool=$T/spool
mkdir -m 0750 "$spool" "$T/off"
traffic=(python3 "$here/tools/traffic.py")
dnsask=(python3 "$here/tools/dnsask.py")
hub() { ip netns exec "$WH_NS_H" "$@"; }
cl() { local n=$1; shift; local ns=WH_NS_$n; ip netns exec "${!ns}" "$@"; }
hub sysctl -qw net.ipv4.conf.all.send_redirects=0 \
	"net.ipv4.conf.$WH_IF_H.send_redirects=0" || not_ok "sysctl"

WGT_BG_LOG=$T/dns.log wgt_bg "$WH_NS_H" "${dnsask[@]}" serve "$WH_H4" >/dev/null
check "resolver on the gateway" wait_for 30 wgt_listening "$WH_NS_H" udp "$WH_H4" 53

ifindex=$(hub cat "/sys/class/net/$WH_IF_H/ifindex")
WGT_BG_LOG=$T/witness.log wgt_bg "$WH_NS_H" tcpdump -i any -y LINUX_SLL2 \
	-n -U -B 16384 --time-stamp-precision=nano -w "$T/any.pcap" \
	"ifindex $ifindex" >/dev/null
witness=$WGT_LAST_PID
WGT_BG_LOG=$T/capture.log wgt_bg "$WH_NS_H" "$WGTAP_CAPTURE" --format v2 \
	--iface "$WH_IF_H" --spool-dir "$spool" -t 1h >/dev/null
cap=$WGT_LAST_PID
log_has "$T/capture.log" "capturing on $WH_IF_H through any" 30 ||
	not_ok "capture started"
check "capture read the peers" grep -q \
	"peers of $WH_IF_H: 3 peers, 6 allowed-ips, from the userspace (UAPI socket) WireGuard" \
	"$T/capture.log"
log_has "$T/witness.log" "listening on" 30 || not_ok "witness started"

mark() { # NS_OR_hub ADDR PORT SIZE
	local who=$1
	shift
	if [ "$who" = hub ]; then
		hub "${traffic[@]}" udp-mark "$@"
	else
		cl "$who" "${traffic[@]}" udp-mark "$@"
	fi || not_ok "marker to $1 port $2"
}
# shellcheck disable=SC2317 # run by wait_for
rows_have() { spool_rows "$spool" | awk -F, -v p="$1" '$5 == "UDP" && $4 == p' | grep -q .; }
changes() { grep -c "peers of $WH_IF_H changed" "$T/capture.log"; }
# shellcheck disable=SC2317 # run by wait_for
changed() { [ "$(changes)" -ge "$1" ]; }

# Phase 1: the table as whub_up made it.
mark 1 "$WH_H4" 7101 501
mark hub 192.0.2.12 7102 502
mark hub 203.0.113.2 7103 503
mark hub 2001:db8::13 7104 504
mark 2 "$WH_H6" 7105 505
mark 1 192.0.2.13 7106 506
rc=$(cl 3 "${dnsask[@]}" ask "$WH_H4" 1 q example test) || not_ok "dns from client 3"
mark 1 "$WH_H4" 7107 507
check "phase 1 in the capture" wait_for 30 rows_have 7107
hub wg show "$WH_IF_H" dump >"$T/phase1.dump"
# shellcheck disable=SC2317 # run by wait_for
witness_has() {
	tcpdump -r "$T/any.pcap" -n "udp port 7107" 2>/dev/null | grep -q "length 507"
}
check "phase 1 in the witness" wait_for 30 witness_has
stop_pid "$witness" 30 INT

# Phase 2: client 1 removed at the gateway.
hub wg set "$WH_IF_H" peer "$WH_KEY_1" remove
check "capture logged the removal" wait_for 10 changed 1
mark hub 192.0.2.11 7108 508
# Phase 3: a peer added.
k4=$(wg genkey | wg pubkey)
hub wg set "$WH_IF_H" peer "$k4" allowed-ips 192.0.2.14/32
check "capture logged the addition" wait_for 10 changed 2
mark hub 192.0.2.14 7109 509
# Phase 4: client 3 re-addressed.
hub wg set "$WH_IF_H" peer "$WH_KEY_3" allowed-ips 192.0.2.23/32,2001:db8::23/128
check "capture logged the new addresses" wait_for 10 changed 3
mark hub 192.0.2.23 7110 510
mark hub 192.0.2.13 7111 511
check "phase 4 in the capture" wait_for 30 rows_have 7111
stop_pid "$cap" 30
eq "capture exit status" "$?" 0
eq "tables logged as changed" "$(changes)" 3

seg_rows "$spool" >"$T/rows"
# UDP rows to PORT (or, with sport, from PORT): src,dst,peer,direction
udp_rows() {
	awk -F, -v p="$2" -v f="$1" '$5 == "UDP" && $f == p {
		print $1 "," $3 "," $9 "," $10 }' "$3"
}
expect() { # WHAT FIELD PORT WANT... (rows in the order captured)
	local what=$1 f=$2 p=$3
	shift 3
	eq "$what" "$(udp_rows "$f" "$p" "$T/rows")" "$(printf '%s\n' "$@")"
}
K1=$WH_KEY_1 K2=$WH_KEY_2 K3=$WH_KEY_3
expect "client 1 to the gateway" 4 7101 "192.0.2.11,$WH_H4,$K1,in"
expect "gateway to client 2" 4 7102 "$WH_H4,192.0.2.12,$K2,out"
expect "gateway to the /24 behind client 2" 4 7103 "$WH_H4,203.0.113.2,$K2,out"
expect "gateway to client 3 over IPv6" 4 7104 "$WH_H6,2001:db8::13,$K3,out"
expect "client 2 to the gateway over IPv6" 4 7105 "2001:db8::12,$WH_H6,$K2,in"
expect "client 1 to client 3: in from 1, out to 3" 4 7106 \
	"192.0.2.11,192.0.2.13,$K1,in" "192.0.2.11,192.0.2.13,$K3,out"
expect "DNS question from client 3" 4 53 "192.0.2.13,$WH_H4,$K3,in"
expect "DNS answer to client 3" 2 53 "$WH_H4,192.0.2.13,$K3,out"
eq "DNS question's name" "$(awk -F, '$5 == "UDP" && $4 == 53 { print $11 "," $12 }' "$T/rows")" \
	"q.example.test,A"
expect "after removal: to client 1, no peer" 4 7108 "$WH_H4,192.0.2.11,,out"
expect "after addition: to the new peer" 4 7109 "$WH_H4,192.0.2.14,$k4,out"
expect "after re-addressing: to client 3's new address" 4 7110 "$WH_H4,192.0.2.23,$K3,out"
expect "after re-addressing: to client 3's old address, no peer" 4 7111 \
	"$WH_H4,192.0.2.13,,out"
empty=$(awk -F, '$9 == ""' "$T/rows" | wc -l)
eq "summary no_peer equals the rows without a peer" \
	"$(grep -o 'summary; .*' "$T/capture.log" | grep -o 'no_peer=[0-9]*')" "no_peer=$empty"

# Offline: -r of phase 1's LINUX_SLL2 capture with --peers phase1.dump.
"$WGTAP_CAPTURE" -r "$T/any.pcap" --format v2 --peers "$T/phase1.dump" \
	-i "$WH_IF_H" -d "$T/off" --compress none -t 1h 2>"$T/off.log"
eq "-r --peers exit status" "$?" 0
check "-r --peers read the dump" grep -q "peers from $T/phase1.dump: 3 peers, 6 allowed-ips" "$T/off.log"
seg_rows "$T/off" >"$T/offrows"
for p in 7101 7102 7103 7104 7105 7106; do
	eq "-r --peers: port $p as live" "$(udp_rows 4 "$p" "$T/offrows")" \
		"$(udp_rows 4 "$p" "$T/rows")"
done
eq "-r --peers: DNS as live" "$(udp_rows 4 53 "$T/offrows"; udp_rows 2 53 "$T/offrows")" \
	"$(udp_rows 4 53 "$T/rows"; udp_rows 2 53 "$T/rows")"

# A bad dump: one line naming it and the line, exit 2, no segment.
printf 'garbage\n' >"$T/bad.dump"
mkdir -m 0750 "$T/off2"
out=$("$WGTAP_CAPTURE" -r "$T/any.pcap" --format v2 --peers "$T/bad.dump" \
	-i "$WH_IF_H" -d "$T/off2" 2>&1)
eq "bad dump: exit status" "$?" 2
eq "bad dump: the message" "$out" \
	"wgtap-capture: error: --peers $T/bad.dump: line 1: not a line of 'wg show IFACE dump' (input is malformed)"
eq "bad dump: no segment" "$(seg_names "$T/off2" | wc -l)" 0
finish
