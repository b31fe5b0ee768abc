#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/peers_refresh.sh [PEERS [PREFIXES_PER_PEER [SECONDS]]]: what it
# costs to keep a live peer table fresh, against a real wireguard-go.
#
# One wireguard-go in a network namespace gets PEERS peers (1,000) with
# PREFIXES_PER_PEER allowed-ips each (10: one IPv4 /32 for the first 762
# peers, the rest IPv6 /64 and /128 prefixes, documentation ranges only).
# Then, for SECONDS (30) each, interleaved three times:
#   idle   nothing reads the table: wireguard-go's own CPU use
#   read   tests/tools/peerprobe re-reads it every 0.7 s, as wgtap-capture
#          does: the probe's CPU (its getrusage) and wireguard-go's
# and prints the medians as shares of one core: the reader, the extra
# work of wireguard-go answering, and their sum, which is the cost of
# attribution's refresh. Root; needs wireguard-go, wg, python3.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
PEERS=${1:-1000}
PER=${2:-10}
SECS=${3:-30}
probe=${WGTAP_PEERPROBE:-$top/build/tests/peerprobe}
[ -x "$probe" ] || { echo "bench: make $probe first" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 2; }
# shellcheck source=tests/lib/wgtunnel.sh
. "$top/tests/lib/wgtunnel.sh"
# shellcheck source=bench/procstat.sh
. "$top/bench/procstat.sh"

ns=wgbR-$$
ifn=wgbR$(printf '%x' $$)
tmp=$(mktemp -d /tmp/peers_refresh.XXXXXX)
WGT_TMP=$tmp
: >"$tmp/pids"
cleanup() {
	wgt_down >/dev/null 2>&1 || true
	ip netns del "$ns" 2>/dev/null || true
	rm -f "/var/run/wireguard/$ifn.sock"
}
trap cleanup EXIT
ip netns add "$ns"
wgt__start_wg "$ns" "$ifn"
wgpid=$WGT_LAST_PID

python3 "$top/bench/peers_conf.py" "$PEERS" "$PER" >"$tmp/wg.conf"
ip netns exec "$ns" wg addconf "$ifn" "$tmp/wg.conf"
ip netns exec "$ns" wg set "$ifn" private-key <(wg genkey)
npeers=$(ip netns exec "$ns" wg show "$ifn" peers | wc -l)
nips=$(ip netns exec "$ns" wg show "$ifn" allowed-ips | awk '{ n += NF - 1 } END { print n }')
echo "## peers refresh: wireguard-go with $npeers peers, $nips allowed-ips;" \
	"re-read every 0.7 s; ${SECS} s windows, medians of 3"

hz=$(getconf CLK_TCK)
idle=() wgread=() reader=() reads=()
for r in 1 2 3; do
	t0=$(ticks "$wgpid"); s0=$(date +%s%N)
	sleep "$SECS"
	t1=$(ticks "$wgpid"); s1=$(date +%s%N)
	idle+=("$(awk -v t=$((t1 - t0)) -v hz="$hz" -v ns=$((s1 - s0)) \
		'BEGIN { printf "%.3f", 100 * t / hz / (ns / 1e9) }')")
	t0=$(ticks "$wgpid"); s0=$(date +%s%N)
	out=$(ip netns exec "$ns" "$probe" cost "$SECS" "$ifn")
	t1=$(ticks "$wgpid"); s1=$(date +%s%N)
	wgread+=("$(awk -v t=$((t1 - t0)) -v hz="$hz" -v ns=$((s1 - s0)) \
		'BEGIN { printf "%.3f", 100 * t / hz / (ns / 1e9) }')")
	reader+=("$(printf '%s\n' "$out" | sed 's/.*core_pct=\([0-9.]*\).*/\1/')")
	reads+=("$(printf '%s\n' "$out" | sed 's/^reads=\([0-9]*\).*/\1/')")
	echo "# round $r: $out; wireguard-go idle ${idle[-1]} %, while read ${wgread[-1]} %" >&2
done
mi=$(printf '%s\n' "${idle[@]}" | median)
mw=$(printf '%s\n' "${wgread[@]}" | median)
mr=$(printf '%s\n' "${reader[@]}" | median)
awk -v i="$mi" -v w="$mw" -v r="$mr" -v n="$(printf '%s\n' "${reads[@]}" | median)" 'BEGIN {
	printf "reads_per_window %d\n", n
	printf "reader_core_pct %.3f\n", r
	printf "wireguard_go_extra_core_pct %.3f (idle %.3f, while read %.3f)\n", w - i, i, w
	printf "refresh_total_core_pct %.3f\n", r + w - i }'
