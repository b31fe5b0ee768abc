#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/tunnel.sh: live capture at the full rate of a real WireGuard tunnel
# (wireguard-go between two namespaces; tests/lib/wgtunnel.sh). For each
# load (iperf3 TCP; iperf3 UDP with 64-byte datagrams) and each capturer
# (wgtap-capture into a spool, format v1 on the interface itself; the same
# with --format v2, which captures through the "any" device in LINUX_SLL2
# mode with an ifindex filter; tcpdump -w /dev/null), drive the tunnel for
# BENCH_SECONDS (default 20) and report: packets/s through the tunnel
# (the interface's own counters), what the capturer saw and dropped, its
# CPU share (user+system seconds / wall seconds), its CPU time per packet
# seen (microseconds; comparable across capturers whatever rate the
# tunnel reached in a run) and its peak RSS.
# Runs alternate wgtap / wgtap-v2 / tcpdump, RUNS times each (default 3);
# medians.
# Needs root.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib/wgtunnel.sh"
SECS=${BENCH_SECONDS:-20}
RUNS=${RUNS:-3}
CAPTURE=${WGTAP_CAPTURE:-$top/wgtap-capture/wgtap-capture}
reason=$(wgt_available iperf3 tcpdump) || { echo "tunnel bench skipped: $reason"; exit 0; }
trap wgt_down EXIT
wgt_up >/dev/null || { echo "tunnel bench: tunnel did not come up" >&2; exit 1; }
T=$WGT_TMP
# the UDP receive buffer limits the tunnel under load; restore it after
old_rmem=$(sysctl -n net.core.rmem_default)
old_rmax=$(sysctl -n net.core.rmem_max)
trap 'sysctl -qw net.core.rmem_default=$old_rmem net.core.rmem_max=$old_rmax; wgt_down' EXIT
sysctl -qw net.core.rmem_default=4194304 net.core.rmem_max=8388608

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
tun_pkts() { wgt_if_counters "$WGT_NS_A" "$WGT_IF_A" | awk '{print $1 + $2}'; }
HZ=$(getconf CLK_TCK)

# one LOAD TOOL: prints "pps_tunnel seen dropped cpu_share rss_mb us_per_pkt"
one() {
	local load=$1 tool=$2 pid spool=$T/spool c0 c1 p0 p1 t0 t1 seen drop rss
	rm -rf "$spool"; mkdir "$spool"
	if [ "$tool" = wgtap ]; then
		WGT_BG_LOG=$T/cap.log wgt_bg "$WGT_NS_A" "$CAPTURE" --iface "$WGT_IF_A" \
			--spool-dir "$spool" -t 1h >/dev/null
	elif [ "$tool" = wgtap-v2 ]; then
		WGT_BG_LOG=$T/cap.log wgt_bg "$WGT_NS_A" "$CAPTURE" --iface "$WGT_IF_A" \
			--spool-dir "$spool" -t 1h --format v2 >/dev/null
	else
		WGT_BG_LOG=$T/cap.log wgt_bg "$WGT_NS_A" tcpdump -i "$WGT_IF_A" -n -q \
			-w /dev/null >/dev/null
	fi
	pid=$WGT_LAST_PID
	sleep 1
	WGT_BG_LOG=$T/iperf-s.log wgt_bg "$WGT_NS_B" iperf3 -s -1 -B "$WGT_B4" >/dev/null
	sleep 0.5
	c0=$(cpu_ticks "$pid"); p0=$(tun_pkts); t0=$(date +%s%N)
	if [ "$load" = tcp ]; then
		ip netns exec "$WGT_NS_A" iperf3 -c "$WGT_B4" -t "$SECS" >/dev/null 2>&1
	else
		ip netns exec "$WGT_NS_A" iperf3 -c "$WGT_B4" -u -b 0 -l 64 -t "$SECS" >/dev/null 2>&1
	fi
	c1=$(cpu_ticks "$pid"); p1=$(tun_pkts); t1=$(date +%s%N)
	rss=$(hwm_kb "$pid")
	sleep 0.3
	: >"$T/cap.log.end"
	kill -INT "$pid" 2>/dev/null
	for _ in $(seq 100); do wgt_alive "$pid" || break; sleep 0.1; done
	if [ "$tool" != tcpdump ]; then
		seen=$(grep -o ' packets=[0-9]*' "$T/cap.log" | tail -1 | cut -d= -f2)
		drop=$(grep -o 'pcap_dropped=[0-9]*' "$T/cap.log" | tail -1 | cut -d= -f2)
	else
		seen=$(grep -o '^[0-9]* packets received by filter' "$T/cap.log" | tail -1 | cut -d' ' -f1)
		drop=$(grep -o '^[0-9]* packets dropped by kernel' "$T/cap.log" | tail -1 | cut -d' ' -f1)
	fi
	: >"$T/cap.log"
	awk -v p=$((p1 - p0)) -v c=$((c1 - c0)) -v hz="$HZ" -v t0="$t0" -v t1="$t1" \
		-v seen="${seen:-0}" -v drop="${drop:-0}" -v rss="$rss" 'BEGIN {
		w = (t1 - t0) / 1e9;
		printf "%.0f %d %d %.3f %.1f %.3f\n", p / w, seen, drop, c / hz / w,
			rss / 1024, seen ? c / hz / seen * 1e6 : 0 }'
}

median_col() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "## tunnel: ${SECS}s per run, $RUNS runs each, $(nproc) cores, $(date -u +%F)"
echo "load tool tunnel_pps_median seen_median dropped_max cpu_share_median peak_rss_MB_median cpu_us_per_packet_median"
for load in tcp udp64; do
	: >"$T/r.wgtap"; : >"$T/r.wgtap-v2"; : >"$T/r.tcpdump"
	for ((r = 0; r < RUNS; r++)); do
		one "$load" wgtap >>"$T/r.wgtap"
		one "$load" wgtap-v2 >>"$T/r.wgtap-v2"
		one "$load" tcpdump >>"$T/r.tcpdump"
	done
	for tool in wgtap wgtap-v2 tcpdump; do
		f=$T/r.$tool
		printf '%s %s %s %s %s %s %s %s\n' "$load" "$tool" \
			"$(cut -d' ' -f1 "$f" | median_col)" \
			"$(cut -d' ' -f2 "$f" | median_col)" \
			"$(cut -d' ' -f3 "$f" | sort -g | tail -1)" \
			"$(cut -d' ' -f4 "$f" | median_col)" \
			"$(cut -d' ' -f5 "$f" | median_col)" \
			"$(cut -d' ' -f6 "$f" | median_col)"
	done
done
