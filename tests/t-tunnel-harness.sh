#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Integration test of the tunnel harness (tests/lib/wgtunnel.sh): builds a
# real WireGuard tunnel between two namespaces and checks that ping, UDP,
# TCP (iperf3) and DNS cross it, that the tunnel's counters move, and that
# wgt_down leaves nothing behind. Needs root; exits 77 (reason on the last
# line) where the tunnel cannot be built.
# The check functions below run indirectly, through check().
# shellcheck disable=SC2317
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/common.sh
. "$here/lib/common.sh"
# shellcheck source=tests/lib/wgtunnel.sh
. "$here/lib/wgtunnel.sh"

reason=$(wgt_available ss iperf3 dnsmasq dig nc timeout) || skip "$reason"
# The UDP check uses OpenBSD netcat's -W (exit after N datagrams).
nc -h 2>&1 | grep -- '-W recvlimit' >/dev/null ||
	skip "nc is not OpenBSD netcat (package netcat-openbsd)"

trap wgt_down EXIT

if ! wgt_up; then
	not_ok "wgt_up"
	exit 1
fi
ok "wgt_up: $WGT_NS_A/$WGT_IF_A <-> $WGT_NS_B/$WGT_IF_B"
A=$WGT_NS_A
B=$WGT_NS_B

read -r a_rx0 a_tx0 < <(wgt_if_counters "$A" "$WGT_IF_A")
read -r b_rx0 b_tx0 < <(wgt_if_counters "$B" "$WGT_IF_B")

# ping_replies NS ADDR COUNT: exactly COUNT echo replies come back.
ping_replies() {
	local out n
	out=$(ip netns exec "$1" ping -n -q -c "$3" -i 0.2 -W 2 "$2" 2>&1) || true
	n=$(sed -n 's/.* \([0-9][0-9]*\) received.*/\1/p' <<<"$out")
	[ "$n" = "$3" ] || { echo "    $2: $n of $3 replies: $out"; return 1; }
}
check "ping A->B IPv4: 3 of 3 replies" ping_replies "$A" "$WGT_B4" 3
check "ping A->B IPv6: 3 of 3 replies" ping_replies "$A" "$WGT_B6" 3

# udp_arrives ADDR: a datagram sent from A with bash's /dev/udp reaches a
# one-shot listener (nc -W 1 exits after one datagram) on ADDR in B.
udp_arrives() {
	local addr=$1 port=40000 token out pid
	token="wgt-$$-$RANDOM"
	out=$WGT_TMP/udp-$addr.out
	pid=$(WGT_BG_LOG=$out wgt_bg "$B" nc -n -u -l -W 1 "$addr" "$port") || return 1
	wait_for 20 wgt_listening "$B" udp "$addr" "$port" ||
		{ echo "    listener on $addr:$port did not start"; return 1; }
	# shellcheck disable=SC2016 # expanded by the inner bash
	ip netns exec "$A" bash -c 'printf "%s\n" "$1" >"/dev/udp/$2/$3"' \
		_ "$token" "$addr" "$port" || return 1
	# Poll instead of `wait`: the listener is not a child of this shell.
	if ! wait_for 20 grep -qxF "$token" "$out"; then
		echo "    nothing arrived on $addr:$port: $(cat "$out")"
		return 1
	fi
	wgt_kill "$pid"
}
check "UDP datagram A->B IPv4 arrives" udp_arrives "$WGT_B4"
check "UDP datagram A->B IPv6 arrives" udp_arrives "$WGT_B6"

# iperf_passes: a one-off iperf3 server in B, a 2 s TCP client in A; the
# server must report bytes received.
iperf_passes() {
	local out=$WGT_TMP/iperf3.json bytes
	wgt_bg "$B" iperf3 -s -1 -B "$WGT_B4" -p 5201 >/dev/null || return 1
	wait_for 20 wgt_listening "$B" tcp "$WGT_B4" 5201 ||
		{ echo "    iperf3 server did not start"; return 1; }
	if ! ip netns exec "$A" timeout 20 iperf3 -c "$WGT_B4" -p 5201 -t 2 \
		--connect-timeout 3000 -J >"$out" 2>&1; then
		echo "    iperf3 client failed: $(tail -n 5 "$out")"
		return 1
	fi
	bytes=$(sed -n '/"sum_received"/,/}/s/.*"bytes":[[:space:]]*\([0-9]*\).*/\1/p' "$out")
	echo "    iperf3: ${bytes:-0} bytes received in 2 s"
	[ "${bytes:-0}" -gt 1000000 ]
}
check "iperf3 TCP A->B passes traffic" iperf_passes

check "dnsmasq starts in B" wgt_dns_server
dig_is() { # SERVER NAME TYPE EXPECTED
	local got
	got=$(ip netns exec "$A" dig +short +time=2 +tries=2 @"$1" "$2" "$3" 2>&1) || true
	[ "$got" = "$4" ] || { echo "    dig @$1 $2 $3: got '$got', want '$4'"; return 1; }
}
check "dig @$WGT_B4 gw.example.test A = $WGT_B4" \
	dig_is "$WGT_B4" gw.example.test A "$WGT_B4"
check "dig @$WGT_B6 gw.example.test AAAA = $WGT_B6" \
	dig_is "$WGT_B6" gw.example.test AAAA "$WGT_B6"

counters_grew() {
	local ns=$1 ifn=$2 rx0=$3 tx0=$4 rx tx
	read -r rx tx < <(wgt_if_counters "$ns" "$ifn")
	echo "    $ifn: rx $rx0 -> $rx, tx $tx0 -> $tx"
	[ "$rx" -gt "$rx0" ] && [ "$tx" -gt "$tx0" ]
}
check "counters of $WGT_IF_A grew" counters_grew "$A" "$WGT_IF_A" "$a_rx0" "$a_tx0"
check "counters of $WGT_IF_B grew" counters_grew "$B" "$WGT_IF_B" "$b_rx0" "$b_tx0"

# Teardown: remember what must be gone, then check it is.
mapfile -t procs <"$WGT_TMP/pids"
check "wgt_down" wgt_down
ns_gone() {
	local ns
	for ns in "$A" "$B"; do
		if ip netns list | awk '{print $1}' | grep -xF -- "$ns" >/dev/null; then
			echo "    namespace $ns still exists"
			return 1
		fi
	done
}
check "namespaces gone" ns_gone
procs_gone() {
	local line pid st label rc=0
	for line in "${procs[@]}"; do
		read -r pid st label <<<"$line"
		# The start time guards against a new process that reused the PID.
		if wgt_alive "$pid" "$st"; then
			echo "    $label (pid $pid) still running"
			rc=1
		fi
	done
	[ "${#procs[@]}" -ge 4 ] || { echo "    only ${#procs[@]} processes recorded"; rc=1; }
	return "$rc"
}
check "processes gone (wireguard-go $WGT_PID_A $WGT_PID_B, dnsmasq $WGT_DNS_PID, ...)" \
	procs_gone
socks_gone() {
	[ ! -e "/var/run/wireguard/$WGT_IF_A.sock" ] &&
		[ ! -e "/var/run/wireguard/$WGT_IF_B.sock" ]
}
check "wireguard-go sockets gone" socks_gone
check "wgt_down again is a no-op" wgt_down

finish
