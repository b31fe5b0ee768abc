#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/run.sh [capture|sync|levels|peers|ship|tunnel|all]: the benchmarks behind
# BENCHMARKS.md. Results go to stdout and to bench/results/.
#
#   capture  wgtap-capture -r on a 2,000,000-packet pcap from mkpcap.py
#            (default seed), gzip and --compress none, beside the peers a
#            user would pick instead (bench/run_peers.sh: tcpdump, tshark,
#            pmacct, softflowd, nfpcapd, argus), in one interleaved run
#   sync     the cost of --sync-interval (1 s, the default) against 0 (off)
#   levels   zlib level and strategy: rows per second against bytes shipped
#   ship     wgtap-ship against a local Swift S3 (bench/ship.sh)
#   tunnel   live capture at the full rate of a WireGuard tunnel
#            (bench/tunnel.sh)
#   peers    peer attribution: longest-prefix lookups per second and rows
#            per second with attribution on and off, 1,000 peers and
#            10,000 prefixes (bench/lpm.c, built by `make bench`), the
#            whole program's rows per CPU second with --peers and without
#            (bench/peers_rows.sh); and, as
#            root with wireguard-go, the CPU cost of re-reading 1,000
#            peers' table every 0.7 s (bench/peers_refresh.sh)
#
# Environment: BENCH_PACKETS (2000000), BENCH_DIR (/tmp/wgtap-bench: the
# pcap is cached there), RUNS (3), SLOW (0: skip tshark-plain, pmacct-pkt).
# Needs the peers from Debian: ./scripts/deps bench
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
what=${1:-all}
N=${BENCH_PACKETS:-2000000}
DIR=${BENCH_DIR:-/tmp/wgtap-bench}
RUNS=${RUNS:-3}
export RUNS SLOW=${SLOW:-0}
out=$top/bench/results
mkdir -p "$DIR" "$out"
CAPTURE=$top/wgtap-capture/wgtap-capture
[ -x "$CAPTURE" ] || { echo "bench: build first (make)" >&2; exit 2; }
pcap=$DIR/bench-$N.pcap

make_pcap() {
	if [ ! -s "$pcap" ]; then
		echo "# generating $pcap ($N packets)" >&2
		python3 "$top/bench/mkpcap.py" "$pcap.tmp" "$N" >&2
		mv "$pcap.tmp" "$pcap"
	fi
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# time_runs NAME CMD...: RUNS wall-clock seconds, one per line
time_runs() {
	local i t0 t1
	shift
	for ((i = 0; i < RUNS; i++)); do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1
		t1=$(date +%s%N)
		awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", (b - a) / 1e9}'
	done
}

bench_capture() {
	make_pcap
	echo "## capture: $N packets, RUNS=$RUNS, $(nproc) cores, $(date -u +%F)"
	WGTAP_CAPTURE=$CAPTURE WORK=$DIR/peers bash "$top/bench/run_peers.sh" \
		"$pcap" | tee "$out/capture.txt"
}

bench_sync() {
	make_pcap
	local spool=$DIR/spool-sync a b
	echo "## sync: --sync-interval 1 (default) vs 0 (off), gzip, medians of $RUNS"
	a=() b=()
	for ((r = 0; r < RUNS; r++)); do
		rm -rf "$spool"; mkdir "$spool"
		a+=("$(RUNS=1 time_runs on "$CAPTURE" -r "$pcap" --iface b0 \
			--spool-dir "$spool" --sync-interval 1)")
		rm -rf "$spool"; mkdir "$spool"
		b+=("$(RUNS=1 time_runs off "$CAPTURE" -r "$pcap" --iface b0 \
			--spool-dir "$spool" --sync-interval 0)")
	done
	rm -rf "$spool"
	local ma mb
	ma=$(printf '%s\n' "${a[@]}" | median)
	mb=$(printf '%s\n' "${b[@]}" | median)
	awk -v a="$ma" -v b="$mb" -v n="$N" 'BEGIN {
		printf "sync=1s  %.3f s  %.0f pps\nsync=off %.3f s  %.0f pps\n", a, n / a, b, n / b;
		printf "cost of sync: %+.1f %%\n", (a / b - 1) * 100 }' | tee "$out/sync.txt"
}

bench_levels() {
	make_pcap
	local spool=$DIR/spool-levels
	rm -rf "$spool"; mkdir "$spool"
	"$CAPTURE" -r "$pcap" --iface b0 --spool-dir "$spool" --compress none \
		-n 100000000 2>/dev/null
	echo "## zlib level and strategy on the CSV of $N rows (one core, compression only)"
	python3 "$top/bench/zlevels.py" "$spool"/*.csv | tee "$out/levels.txt"
	rm -rf "$spool"
}

bench_peers() {
	local lpm=${WGTAP_LPM_BENCH:-$top/build/bench/lpm}
	[ -x "$lpm" ] || { echo "bench: make $lpm first" >&2; return 2; }
	echo "## peers: 1,000 peers, 10,000 prefixes; medians of 7 interleaved rounds"
	"$lpm" 1000 10 | tee "$out/peers.txt"
	make_pcap
	WGTAP_CAPTURE=$CAPTURE RUNS=$RUNS bash "$top/bench/peers_rows.sh" "$pcap" |
		tee -a "$out/peers.txt"
	if [ "$(id -u)" = 0 ] && command -v wireguard-go >/dev/null; then
		bash "$top/bench/peers_refresh.sh" 1000 2 30 2>/dev/null |
			tee -a "$out/peers.txt"
		bash "$top/bench/peers_refresh.sh" 1000 10 30 2>/dev/null |
			tee -a "$out/peers.txt"
	else
		echo "# peers refresh: skipped (needs root and wireguard-go)"
	fi
}

case $what in
capture) bench_capture ;;
peers) bench_peers ;;
sync) bench_sync ;;
levels) bench_levels ;;
ship) bash "$top/bench/ship.sh" | tee "$out/ship.txt" ;;
tunnel) bash "$top/bench/tunnel.sh" | tee "$out/tunnel.txt" ;;
all)
	bench_capture
	bench_sync
	bench_levels
	bench_peers
	[ -f "$top/bench/ship.sh" ] && bash "$top/bench/ship.sh" | tee "$out/ship.txt"
	[ -f "$top/bench/tunnel.sh" ] && bash "$top/bench/tunnel.sh" | tee "$out/tunnel.txt"
	;;
*) echo "usage: $0 [capture|sync|levels|peers|ship|tunnel|all]" >&2; exit 2 ;;
esac
