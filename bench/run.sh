#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/run.sh [capture|sync|levels|threads|peers|ship|tunnel|live|all]: the benchmarks behind
# BENCHMARKS.md. Results go to stdout and to bench/results/.
#
#   capture  wgtap-capture -r on a 2,000,000-packet pcap from mkpcap.py
#            (default seed), gzip and --compress none, beside the peers a
#            user would pick instead (bench/run_peers.sh: tcpdump, tshark,
#            pmacct, softflowd, nfpcapd, argus), in one interleaved run
#   sync     the cost of --sync-interval (1 s, the default) against 0 (off)
#   levels   zlib level and strategy: rows per second against bytes shipped;
#            zstd's levels against gzip level 1, CPU and bytes per row
#            (bench/codecs.c)
#   threads  the writer thread: wgtap-capture -r with --threads 2 (the
#            default) and 1, gzip and zstd, beside tcpdump -nn -tt, in one
#            interleaved run (same-run ratios, medians)
#   ship     wgtap-ship against a local Swift S3 (bench/ship.sh)
#   tunnel   live capture at the full rate of a WireGuard tunnel
#            (bench/tunnel.sh)
#   peers    peer attribution: longest-prefix lookups per second and rows
#            per second with attribution on and off, 1,000 peers and
#            10,000 prefixes, in two orders of the traffic (bench/lpm.c,
#            built by `make bench`), the whole program's rows per CPU
#            second without --peers, with a table of one peer and with
#            one of 1,001 (bench/peers_rows.sh); and, as
#            root with wireguard-go, the CPU cost of re-reading 1,000
#            peers' table every 0.7 s (bench/peers_refresh.sh) and a live
#            capture's CPU per row with a table of none, one and 1,001
#            peers (bench/live_peers.sh); as root with QEMU, the same
#            re-reading of kernel WireGuard's table through netlink, in an
#            emulated guest (bench/peers_kernel.sh)
#   live     live capture past a tunnel's rate: a pcap written into a TUN
#            interface at fixed rates up to the injector's maximum, each
#            wgtap-capture configuration beside tcpdump (bench/live.sh;
#            its own knobs: RUNS, LIVE_SECONDS, LIVE_RATES, LIVE_CONFIGS)
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
	echo "## zstd levels against gzip level 1 (one core, compression only, medians of $RUNS)"
	cc -std=c11 -D_GNU_SOURCE -O2 -o "$DIR/codecs" "$top/bench/codecs.c" \
		-lz -lzstd
	"$DIR/codecs" "$spool"/*.csv "$RUNS" | tee "$out/codecs.txt"
	rm -rf "$spool"
}

# one_run NAME CMD...: one run of CMD under GNU time into $DIR/t.NAME:
# "wall_s cpu_s peak_rss_kb"
one_run() {
	local name=$1 t0 t1
	shift
	t0=$(date +%s%N)
	/usr/bin/time -f '%U %S %M' -o "$DIR/time.$name" "$@" >/dev/null 2>&1
	t1=$(date +%s%N)
	read -r u s m <"$DIR/time.$name"
	awk -v a="$t0" -v b="$t1" -v u="$u" -v s="$s" -v m="$m" \
		'BEGIN {printf "%.3f %.2f %d\n", (b - a) / 1e9, u + s, m}'
}

# The writer thread (issue 15): every run does each variant once, in turn;
# the ratios are taken within a run, then their median.
bench_threads() {
	make_pcap
	local spool=$DIR/spool-threads r v
	local -a variants=(gz2 gz1 zst2 zst1 tcpdump)
	local -A cmd=(
		[gz2]="$CAPTURE -r $pcap --iface b0 --spool-dir $spool"
		[gz1]="$CAPTURE -r $pcap --iface b0 --spool-dir $spool --threads 1"
		[zst2]="$CAPTURE -r $pcap --iface b0 --spool-dir $spool --compress zstd"
		[zst1]="$CAPTURE -r $pcap --iface b0 --spool-dir $spool --compress zstd --threads 1"
		[tcpdump]="tcpdump -nn -tt --time-stamp-precision=nano -r $pcap"
	)
	echo "## threads: $N packets, RUNS=$RUNS, $(nproc) cores, $(date -u +%F)"
	: >"$DIR/threads.raw"
	for ((r = 0; r < RUNS; r++)); do
		for v in "${variants[@]}"; do
			rm -rf "$spool"; mkdir "$spool"
			# shellcheck disable=SC2086
			echo "$r $v $(one_run "$v" ${cmd[$v]})" >>"$DIR/threads.raw"
		done
	done
	rm -rf "$spool"
	awk -v n="$N" '
	function med(a, k,   i, j, t) {
		for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++)
			if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
	}
	{ w[$1, $2] = $3; c[$1, $2] = $4; m[$1, $2] = $5; runs = $1 + 1 }
	END {
		split("gz2 gz1 zst2 zst1 tcpdump", vs, " ")
		printf "%-8s %10s %9s %12s %8s\n", "variant", "pps", "wall_s", "cpu_ns/row", "rss_MB"
		for (i = 1; i <= 5; i++) {
			v = vs[i]
			for (r = 0; r < runs; r++) {
				a[r + 1] = w[r, v]; b[r + 1] = c[r, v]; d[r + 1] = m[r, v]
			}
			W = med(a, runs); C = med(b, runs); M = med(d, runs)
			printf "%-8s %10.0f %9.3f %12.0f %8.1f\n", v, n / W, W, C / n * 1e9, M / 1024
		}
		split("gz2/gz1 gz2/tcpdump zst2/zst1 zst2/tcpdump zst2/gz2", rs, " ")
		print "same-run pps ratios (median over runs):"
		for (i = 1; i <= 5; i++) {
			split(rs[i], p, "/")
			for (r = 0; r < runs; r++) a[r + 1] = w[r, p[2]] / w[r, p[1]]
			printf "  %-14s %.2fx\n", rs[i], med(a, runs)
		}
	}' "$DIR/threads.raw" | tee "$out/threads.txt"
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
		WGTAP_CAPTURE=$CAPTURE RUNS=$RUNS bash "$top/bench/live_peers.sh" \
			2>/dev/null | tee -a "$out/peers.txt"
	else
		echo "# peers refresh and live: skipped (needs root and wireguard-go)"
	fi
	# kernel WireGuard: in an emulated guest (prints why when it cannot)
	bash "$top/bench/peers_kernel.sh" 1000 10 20 |
		tee -a "$out/peers.txt" || true
}

case $what in
capture) bench_capture ;;
peers) bench_peers ;;
sync) bench_sync ;;
levels) bench_levels ;;
threads) bench_threads ;;
ship) bash "$top/bench/ship.sh" | tee "$out/ship.txt" ;;
tunnel) bash "$top/bench/tunnel.sh" | tee "$out/tunnel.txt" ;;
live) bash "$top/bench/live.sh" | tee "$out/live.txt" ;;
all)
	bench_capture
	bench_sync
	bench_levels
	bench_threads
	bench_peers
	[ -f "$top/bench/ship.sh" ] && bash "$top/bench/ship.sh" | tee "$out/ship.txt"
	[ -f "$top/bench/tunnel.sh" ] && bash "$top/bench/tunnel.sh" | tee "$out/tunnel.txt"
	bash "$top/bench/live.sh" | tee "$out/live.txt"
	;;
*) echo "usage: $0 [capture|sync|levels|threads|peers|ship|tunnel|live|all]" >&2; exit 2 ;;
esac
