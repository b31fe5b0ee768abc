#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A live capture whose writer thread cannot keep up: a real WireGuard
# tunnel (wireguard-go between two network namespaces) carries a UDP flood
# (iperf3, 64-byte datagrams) while tests/shims/slowwrite.c makes every
# write of a segment take 2 s. The writer's queue fills, and the packet
# path must neither wait (a live capture cannot pause the kernel) nor
# lose count: packets beyond the queue are dropped and counted as
# queue_full, every row counted is in a completed segment after SIGTERM
# (exit 0, no temporary file), and rows + queue_full = packets. Needs root.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/common.sh
. "$here/lib/common.sh"
# shellcheck source=lib/wgtunnel.sh
. "$here/lib/wgtunnel.sh"

reason=$(wgt_available iperf3) || skip "$reason"
[ -x "${WGTAP_CAPTURE:-}" ] || skip "WGTAP_CAPTURE not set"
shim=${WGTAP_TOOLS:-$here/../build/tests}/slowwrite.so
[ -f "$shim" ] || skip "$shim not built (make check builds it)"
trap wgt_down EXIT
wgt_up || { not_ok "tunnel up"; exit 1; }
T=$WGT_TMP
spool=$T/spool
mkdir -m 0750 "$spool"
field() { grep -o " $2=[0-9]*" <<<"$1" | cut -d= -f2; }

wgt_bg "$WGT_NS_B" iperf3 -s -1 -B "$WGT_B4" -p 5201 >/dev/null ||
	{ not_ok "iperf3 server"; exit 1; }
wait_for 20 wgt_listening "$WGT_NS_B" tcp "$WGT_B4" 5201 ||
	not_ok "iperf3 server listening"
WGT_BG_LOG=$T/capture.log wgt_bg "$WGT_NS_A" env \
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	LD_PRELOAD="$shim" WGTAP_SLOWWRITE_MS=2000 \
	"$WGTAP_CAPTURE" --iface "$WGT_IF_A" --spool-dir "$spool" -t 1h \
	--compress none >/dev/null
cap=$WGT_LAST_PID
log_has "$T/capture.log" "capturing on $WGT_IF_A" 30 || not_ok "capture started"

ip netns exec "$WGT_NS_A" timeout 30 iperf3 -c "$WGT_B4" -p 5201 -u -b 0 \
	-l 64 -t 3 --connect-timeout 3000 >"$T/iperf.log" 2>&1 ||
	not_ok "iperf3 UDP flood: $(tail -n 3 "$T/iperf.log")"

stop_pid "$cap" 60
eq "exit status after SIGTERM" "$?" 0
summary=$(grep 'summary;' "$T/capture.log")
packets=$(field "$summary" packets)
rows=$(field "$summary" rows)
busy=$(field "$summary" queue_full)
check "packets were dropped as queue_full (${busy:-none})" test "${busy:-0}" -gt 0
eq "rows + queue_full = packets" "$((${rows:-0} + ${busy:-0}))" "${packets:-x}"
seg_rows "$spool" >"$T/rows.csv"
eq "every row counted is in a completed segment" "$(wc -l <"$T/rows.csv")" \
	"${rows:-x}"
eq "no temporary file left" "$(find "$spool" -name '.*' | wc -l)" 0
eq "no error line" "$(grep -c ': error: ' "$T/capture.log")" 0
finish
