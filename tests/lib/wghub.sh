# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# wghub.sh: a WireGuard gateway (hub) and three clients, each its own
# wireguard-go in its own network namespace, for the peer-attribution
# tests. Source it; it defines functions only. It builds on wgtunnel.sh
# (process tracking, wireguard-go start-up, teardown by PID).
#
#   . "$here/lib/wghub.sh"
#   reason=$(wgt_available) || skip "$reason"
#   trap whub_down EXIT
#   whub_up || exit 1
#
# Topology (documentation ranges only):
#
#   client n (netns $WH_NS_n)            hub (netns $WH_NS_H)
#   veth 198.51.100.(4n-2)/30  <--->  198.51.100.(4n-3)/30 vethHn
#   $WH_IF_n 192.0.2.1n/24          $WH_IF_H 192.0.2.1/24, 2001:db8::1/64
#
#   client 1: 192.0.2.11                     hub allowed-ips 192.0.2.11/32
#   client 2: 192.0.2.12, 2001:db8::12,      hub allowed-ips 192.0.2.12/32,
#             and 203.0.113.0/24 behind it   2001:db8::12/128, 203.0.113.0/24
#   client 3: 192.0.2.13, 2001:db8::13       hub allowed-ips 192.0.2.13/32,
#                                            2001:db8::13/128
#
# Each client routes 192.0.2.0/24 and 2001:db8::/64 to the hub (its one
# peer), and the hub forwards between clients, so client-to-client
# traffic crosses the hub's interface twice. Client 2 also holds
# 203.0.113.2 on its lo, inside its 203.0.113.0/24.
#
# Functions:
#   whub_up              build it; exports WH_* (below)
#   whub_down            idempotent teardown (an EXIT trap)
#   whub_ping NS ADDR    one ping (-W 1) from namespace NS, 0 on reply
#   whub_table           the hub's peers from `wg show dump` in
#                        peerprobe's form: "KEY\tENDPOINT\tIPS" per peer,
#                        allowed-ips sorted within a line, lines sorted
#   whub_sort_table      the same sorting for a table on stdin
#
# Exports: WH_NS_H WH_NS_1 WH_NS_2 WH_NS_3 WH_IF_H WH_IF_1 WH_IF_2 WH_IF_3
# WH_KEY_H WH_KEY_1 WH_KEY_2 WH_KEY_3 (public keys), WH_PRIV_n (private
# key files), WH_A_n (client n's IPv4), WH_H4 WH_H6 (the hub's).

# shellcheck source=tests/lib/wgtunnel.sh
. "$(dirname "${BASH_SOURCE[0]}")/wgtunnel.sh"

WH_H4=192.0.2.1
WH_H6=2001:db8::1

whub__err() { printf 'wghub: %s\n' "$*" >&2; }

whub_ping() { ip netns exec "$1" ping -n -c 1 -W 1 "$2" >/dev/null 2>&1; }

# Sort the allowed-ips inside each line, then the lines.
whub_sort_table() {
	awk -F '\t' -v OFS='\t' '{
		n = split($3, a, ","); s = ""
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
			if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		for (i = 1; i <= n; i++) s = s (i > 1 ? "," : "") a[i]
		print $1, $2, s }' | LC_ALL=C sort
}

whub_table() {
	ip netns exec "$WH_NS_H" wg show "$WH_IF_H" dump |
		awk -F '\t' -v OFS='\t' 'NR > 1 { print $1, $3, $4 }' |
		whub_sort_table
}

# One client: namespace, veth to the hub, wireguard-go, keys, addresses.
whub__client() { # N
	local n=$1 ns ifn hub_out cl_out
	ns=WH_NS_$n
	ifn=WH_IF_$n
	hub_out=198.51.100.$((4 * n - 3))
	cl_out=198.51.100.$((4 * n - 2))
	wgt__run ip netns add "${!ns}" || return 1
	wgt__run ip -n "${!ns}" link set lo up || return 1
	wgt__run ip -n "$WH_NS_H" link add "vethH$n" type veth \
		peer name vethC netns "${!ns}" || return 1
	wgt__run ip -n "$WH_NS_H" addr add "$hub_out/30" dev "vethH$n" || return 1
	wgt__run ip -n "${!ns}" addr add "$cl_out/30" dev vethC || return 1
	wgt__run ip -n "$WH_NS_H" link set "vethH$n" up || return 1
	wgt__run ip -n "${!ns}" link set vethC up || return 1
	wgt__start_wg "${!ns}" "${!ifn}" || return 1
	(umask 077 && wg genkey >"$WGT_TMP/c$n.key") || return 1
	printf -v "WH_PRIV_$n" '%s' "$WGT_TMP/c$n.key"
	printf -v "WH_KEY_$n" '%s' "$(wg pubkey <"$WGT_TMP/c$n.key")"
	printf -v "WH_A_$n" '%s' "192.0.2.1$n"
	wgt__run ip netns exec "${!ns}" wg set "${!ifn}" \
		private-key "$WGT_TMP/c$n.key" \
		peer "$WH_KEY_H" endpoint "$hub_out:51820" \
		allowed-ips "192.0.2.0/24,2001:db8::/64" || return 1
	wgt__run ip -n "${!ns}" addr add "192.0.2.1$n/24" dev "${!ifn}" || return 1
	if [ "$n" != 1 ]; then
		wgt__run ip -n "${!ns}" addr add "2001:db8::1$n/64" \
			dev "${!ifn}" nodad || return 1
	fi
	wgt__run ip -n "${!ns}" link set "${!ifn}" up || return 1
}

whub__reachable() {
	whub_ping "$WH_NS_1" "$WH_H4" && whub_ping "$WH_NS_2" "$WH_H4" &&
		whub_ping "$WH_NS_3" "$WH_H4" && whub_ping "$WH_NS_2" "$WH_H6" &&
		whub_ping "$WH_NS_3" "$WH_H6"
}

whub_up() {
	local rid n pid
	if [ -n "${WGT_TMP:-}" ] && [ -d "$WGT_TMP" ]; then
		whub__err "whub_up: already up"
		return 1
	fi
	WGT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/wghub.XXXXXX") || return 1
	: >"$WGT_TMP/pids"
	rid=$(wgt__rand)
	pid=$(printf '%x' $$)
	WH_NS_H=whH-$$-$rid
	WH_IF_H=whH$pid$rid
	for n in 1 2 3; do
		printf -v "WH_NS_$n" '%s' "wh$n-$$-$rid"
		printf -v "WH_IF_$n" '%s' "wh$n$pid$rid"
	done
	export WGT_TMP WH_NS_H WH_NS_1 WH_NS_2 WH_NS_3 WH_IF_H WH_IF_1 \
		WH_IF_2 WH_IF_3 WH_H4 WH_H6

	wgt__run ip netns add "$WH_NS_H" || return 1
	wgt__run ip -n "$WH_NS_H" link set lo up || return 1
	wgt__run ip netns exec "$WH_NS_H" sysctl -q -w net.ipv4.ip_forward=1 || return 1
	wgt__run ip netns exec "$WH_NS_H" sysctl -q -w \
		net.ipv6.conf.all.forwarding=1 || return 1
	wgt__start_wg "$WH_NS_H" "$WH_IF_H" || return 1
	(umask 077 && wg genkey >"$WGT_TMP/hub.key") || return 1
	WH_KEY_H=$(wg pubkey <"$WGT_TMP/hub.key") || return 1
	export WH_KEY_H
	for n in 1 2 3; do
		whub__client "$n" || return 1
	done
	export WH_KEY_1 WH_KEY_2 WH_KEY_3 WH_PRIV_1 WH_PRIV_2 WH_PRIV_3 \
		WH_A_1 WH_A_2 WH_A_3
	wgt__run ip -n "$WH_NS_2" addr add 203.0.113.2/32 dev lo || return 1
	wgt__run ip netns exec "$WH_NS_H" wg set "$WH_IF_H" listen-port 51820 \
		private-key "$WGT_TMP/hub.key" \
		peer "$WH_KEY_1" allowed-ips 192.0.2.11/32 \
		peer "$WH_KEY_2" allowed-ips \
		"192.0.2.12/32,2001:db8::12/128,203.0.113.0/24" \
		peer "$WH_KEY_3" allowed-ips "192.0.2.13/32,2001:db8::13/128" ||
		return 1
	wgt__run ip -n "$WH_NS_H" addr add "$WH_H4/24" dev "$WH_IF_H" || return 1
	wgt__run ip -n "$WH_NS_H" addr add "$WH_H6/64" dev "$WH_IF_H" nodad || return 1
	wgt__run ip -n "$WH_NS_H" link set "$WH_IF_H" up || return 1
	wgt__run ip -n "$WH_NS_H" route add 203.0.113.0/24 dev "$WH_IF_H" || return 1
	if ! wait_for "${WGT_UP_TIMEOUT:-30}" whub__reachable; then
		whub__err "the clients do not all reach the hub"
		ip netns exec "$WH_NS_H" wg show "$WH_IF_H" >&2
		wgt_dump >&2
		return 1
	fi
}

whub_down() {
	local rc=0 ns pid ifn
	wgt_down || rc=1
	for ns in "${WH_NS_1:-}" "${WH_NS_2:-}" "${WH_NS_3:-}" "${WH_NS_H:-}"; do
		wgt__ns_exists "$ns" || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			wgt_kill "$pid" || rc=1
		done
		ip netns del "$ns" 2>/dev/null || rc=1
	done
	for ifn in "${WH_IF_H:-}" "${WH_IF_1:-}" "${WH_IF_2:-}" "${WH_IF_3:-}"; do
		[ -z "$ifn" ] || rm -f "$WGT_SOCK_DIR/$ifn.sock"
	done
	return "$rc"
}
