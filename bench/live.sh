#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/live.sh: live capture past a tunnel's rate. bench/tun_inject
# creates a TUN interface (raw IP, as WireGuard's) in a network namespace
# this script creates, and writes the packets of a bench/mkpcap.py pcap
# into it for LIVE_SECONDS at each rate of LIVE_RATES (0: as fast as the
# injector goes, on one core). One capturer at a time listens on the
# interface: each configuration of wgtap-capture in LIVE_CONFIGS, and
# `tcpdump -w /dev/null` beside them as the reference. For each one:
#
#   sent      packets the injector wrote, and its rate
#   rows      rows wgtap-capture wrote (tcpdump: packets it captured)
#   lost      sent - rows
#   drops     libpcap's drop count (wgtap's pcap_dropped; tcpdump's
#             "dropped by kernel")
#   cpu       the capturer's utime+stime (/proc/PID/stat) from the start
#             of the injection until it has handed over its last packet,
#             over the injection's wall time: its share of one core
#   ns/pkt    that CPU time per row
#   pkt-thread the CPU time per row of the capturer's packet thread alone
#             (its main thread, /proc/PID/task/PID/stat): with the writer
#             thread, compression and writes are not in it
#   rss       the capturer's peak RSS (VmHWM)
#
# Runs are interleaved (each rate, each capturer, RUNS times); the table
# gives medians and, for CPU, the median of the ratios to tcpdump in the
# same run, and to the configuration named by LIVE_BASELINE (gzip-t1, the
# single-threaded path): the whole capturer's CPU per row over the
# baseline's, and its packet thread's over the baseline's whole. The kernel's copy of each packet into the capture ring runs in
# the injector's context, not the capturer's, for every capturer alike.
#
# Environment: RUNS (3), LIVE_SECONDS (5), LIVE_BASELINE (gzip-t1), LIVE_RATES ("50000 100000
# 200000 0"), LIVE_PACKETS (65536 distinct packets, looped), BENCH_DIR
# (/tmp/wgtap-bench: the pcap is cached there), WGTAP_CAPTURE,
# LIVE_SUMMARY_FROM (see below), WGTAP_TUN_INJECT (make builds it in
# build/bench/), LIVE_KEEP=1 (keep
# the capturers' logs), LIVE_SPOOL_BASE (where the spool goes: /tmp;
# /dev/shm keeps the disk out of it), and
# LIVE_CONFIGS: the wgtap-capture configurations, "NAME:FLAGS" entries
# separated by ";" (default "gzip:--compress gzip;gzip-t1:--compress gzip
# --threads 1;zstd:--compress zstd;none:--compress none;gzip-ring64M:
# --compress gzip --buffer-size 64M"); a new codec or mode is one more
# entry.
# Needs root, tcpdump and iproute2; without them it says so and exits 0.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib/common.sh
. "$top/tests/lib/common.sh"
# shellcheck source=bench/procstat.sh
. "$top/bench/procstat.sh"
SECS=${LIVE_SECONDS:-5}
RUNS=${RUNS:-3}
RATES=${LIVE_RATES:-50000 100000 200000 0}
CONFIGS=${LIVE_CONFIGS:-gzip:--compress gzip;gzip-t1:--compress gzip --threads 1;zstd:--compress zstd;none:--compress none;gzip-ring64M:--compress gzip --buffer-size 64M}
BASE=${LIVE_BASELINE:-gzip-t1}
NPKT=${LIVE_PACKETS:-65536}
DIR=${BENCH_DIR:-/tmp/wgtap-bench}
CAPTURE=${WGTAP_CAPTURE:-$top/wgtap-capture/wgtap-capture}
INJECT=${WGTAP_TUN_INJECT:-$top/build/bench/tun_inject}
IF=lv0
HZ=$(getconf CLK_TCK)

die() { echo "live bench: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || { echo "live bench skipped: needs root"; exit 0; }
for c in tcpdump ip python3; do
	command -v "$c" >/dev/null ||
		{ echo "live bench skipped: $c not found (./scripts/deps bench)"; exit 0; }
done
[ -c /dev/net/tun ] || { echo "live bench skipped: no /dev/net/tun"; exit 0; }
[ -x "$CAPTURE" ] || die "no $CAPTURE: build first (make)"
[ -x "$INJECT" ] || die "no $INJECT: build it (make build/bench/tun_inject)"

IFS=';' read -r -a CFG_LIST <<<"$CONFIGS"
NAMES=(tcpdump)
declare -A FLAGS=()
for e in "${CFG_LIST[@]}"; do
	[[ $e == *:* ]] || die "LIVE_CONFIGS entry '$e' is not NAME:FLAGS"
	n=${e%%:*}
	if ! [[ $n =~ ^[A-Za-z0-9_.-]+$ ]] || [ "$n" = tcpdump ]; then
		die "LIVE_CONFIGS: bad name '$n'"
	fi
	NAMES+=("$n")
	FLAGS[$n]=${e#*:}
done

mkdir -p "$DIR"
pcap=$DIR/live-$NPKT.pcap
if [ ! -s "$pcap" ]; then
	python3 "$top/bench/mkpcap.py" "$pcap.tmp" "$NPKT" >&2 ||
		die "mkpcap.py failed"
	mv "$pcap.tmp" "$pcap" || die "mv $pcap failed"
fi

T=$(mktemp -d /tmp/wgtap-live.XXXXXX)
SPOOL=${LIVE_SPOOL_BASE:-$T}/wgtap-live-spool.$$
NS=wgtap-live-$$-$RANDOM

cleanup() {
	exec 7>&- 2>/dev/null
	kill_tracked
	ip netns del "$NS" 2>/dev/null
	rm -rf "$SPOOL"
	if [ "${LIVE_KEEP:-0}" = 1 ]; then
		echo "live bench: logs kept in $T" >&2
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The namespace drops whatever it receives without a word: IPv4
# forwarding on with a blackhole default route (no ICMP unreachable goes
# back out of the TUN), IPv6 off on new interfaces (no router
# solicitation, no DAD). Only the injected packets cross the interface.
ip netns add "$NS" || die "ip netns add failed"
ip netns exec "$NS" sysctl -qw net.ipv4.ip_forward=1 \
	net.ipv6.conf.default.disable_ipv6=1 || die "sysctl in $NS failed"
ip -n "$NS" route add blackhole default || die "blackhole route failed"
mkfifo "$T/in"

# start_capture NAME LOG: the capturer NAME on the interface; its PID in CAP.
start_capture() {
	local name=$1 log=$2 flags
	if [ "$name" = tcpdump ]; then
		ip netns exec "$NS" tcpdump -i "$IF" -n -w /dev/null \
			</dev/null >"$log" 2>&1 &
	else
		read -r -a flags <<<"${FLAGS[$name]}"
		ip netns exec "$NS" "$CAPTURE" --iface "$IF" \
			--spool-dir "$SPOOL" -t 1h "${flags[@]}" \
			</dev/null >"$log" 2>&1 &
	fi
	CAP=$!
	track "$CAP"
	log_has "$log" 'capturing on|listening on' 20 ||
		{ cat "$log" >&2; die "$name did not start"; }
}

# counts NAME LOG: "rows drops" from the capturer's last words.
counts() {
	local rows drops
	if [ "$1" = tcpdump ]; then
		rows=$(sed -n 's/^\([0-9]*\) packets captured$/\1/p' "$2" | tail -1)
		drops=$(sed -n 's/^\([0-9]*\) packets dropped by kernel$/\1/p' "$2" | tail -1)
	else
		rows=$(grep -o ' rows=[0-9]*' "$2" | tail -1 | cut -d= -f2)
		drops=$(grep -o ' pcap_dropped=[0-9]*' "$2" | tail -1 | cut -d= -f2)
	fi
	if [ -z "$rows" ] || [ -z "$drops" ]; then
		cat "$2" >&2
		die "$1: no counters in its log"
	fi
	echo "$rows $drops"
}

# one RATE NAME: sets RESULT to "sent pps secs rows drops cpu_ticks rss_kb
# tx_packets sender_ticks packet_thread_ticks" (not in a subshell, so that
# cleanup knows every PID). The packet thread is the capturer's main
# thread (/proc/PID/task/PID/stat); tcpdump has no other.
one() {
	local rate=$1 name=$2 inj c0 c1 m0 m1 s0 s1 rss tx sent
	rm -rf "$SPOOL" && mkdir "$SPOOL"
	: >"$T/inj.out"
	ip netns exec "$NS" "$INJECT" "$IF" "$pcap" "$SECS" "$rate" \
		<"$T/in" >"$T/inj.out" 2>"$T/inj.err" &
	inj=$!
	track "$inj"
	exec 7>"$T/in"
	log_has "$T/inj.out" '^ready' 20 ||
		{ cat "$T/inj.err" >&2; die "tun_inject did not start"; }
	ip -n "$NS" link set "$IF" up || die "link up failed"
	start_capture "$name" "$T/cap.log"
	c0=$(ticks "$CAP")
	m0=$(ticks "$CAP/task/$CAP")
	s0=$(ticks "$inj")
	printf x >&7
	log_has "$T/inj.out" '^sent' $((${SECS%.*} + 60)) ||
		{ cat "$T/inj.err" >&2; die "tun_inject did not finish"; }
	s1=$(ticks "$inj")
	# The last ring block reaches the capturer after the libpcap timeout
	# (tcpdump's is 1 s, wgtap-capture's 50 ms); then wait until the
	# capturer is idle, which it is once it has caught up.
	sleep 1.2
	wait_for 60 quiet "$CAP" || die "$name still busy 60 s after the load"
	c1=$(ticks "$CAP")
	m1=$(ticks "$CAP/task/$CAP")
	rss=$(hwm_kb "$CAP")
	tx=$(ip netns exec "$NS" cat "/sys/class/net/$IF/statistics/tx_packets")
	kill -INT "$CAP"
	wait_for 30 pid_gone "$CAP" || die "$name did not stop on SIGINT"
	wait "$CAP" 2>/dev/null
	exec 7>&-
	wait_for 10 pid_gone "$inj" || die "tun_inject did not end"
	wait "$inj" 2>/dev/null
	sent=$(awk '/^sent/ {print $2, $4, $6}' "$T/inj.out")
	RESULT="$sent $(counts "$name" "$T/cap.log") $((c1 - c0)) $rss $tx"
	RESULT+=" $((s1 - s0)) $((m1 - m0))"
}

SUMMARY=${LIVE_SUMMARY_FROM:-}
[ -n "$SUMMARY" ] || echo "## live: ${SECS}s per run, $RUNS runs, rates ($RATES), $NPKT distinct packets, $(nproc) cores, $(date -u +%F), load average $(loadavg)"
# r.RATE.NAME: "run sent pps secs rows drops cpu_ticks rss_kb tx sender_ticks
# packet_thread_ticks"
# LIVE_SUMMARY_FROM=OUTPUT: no runs; the table again from the "# run"
# lines (stderr) of an earlier run with the same LIVE_RATES and
# LIVE_CONFIGS.
if [ -n "$SUMMARY" ]; then
	sed -n 's/^# run \([0-9]*\) rate \([0-9]*\) \([^:]*\): /\1 \2 \3 /p' \
		"$SUMMARY" | while read -r r rate name rest; do
		echo "$r $rest" >>"$T/r.$rate.$name"
	done
	RUNS=$(sed -n 's/^# run \([0-9]*\) .*/\1/p' "$SUMMARY" | sort -n | tail -1)
	RUNS=$((RUNS + 1))
fi
for ((r = 0; r < RUNS && ${#SUMMARY} == 0; r++)); do
	for rate in $RATES; do
		for name in "${NAMES[@]}"; do
			one "$rate" "$name"
			echo "$r $RESULT" >>"$T/r.$rate.$name"
			mv "$T/cap.log" "$T/log.$r.$rate.$name"
			echo "# run $r rate $rate $name: $RESULT" >&2
		done
	done
done

[ -n "$SUMMARY" ] || echo "# load average at the end: $(loadavg)"
echo "rate config sent_pps_median rows_median lost_median drops_median" \
	"lossless_runs cpu_share_median cpu_per_row_vs_tcpdump_median ns_per_row_median" \
	"peak_rss_MB_median sender_cpu_share_median packet_thread_ns_per_row_median" \
	"cpu_per_row_vs_${BASE}_median packet_thread_vs_${BASE}_median"
for rate in $RATES; do
	for name in "${NAMES[@]}"; do
		rf=$T/r.$rate.$name
		ref=$T/r.$rate.tcpdump
		# per run: lost, cpu share, ns per row, cpu per row over
		# tcpdump's in the same run, lossless, sender's cpu share,
		# the packet thread's ns per row (nan: an older summary)
		# per run, and the CPU per row of the whole capturer and
		# of its packet thread over the baseline's whole in the
		# same run (nan without one)
		perrow() { [ -f "$1" ] && awk '$5 {printf "%s:%s ", $1, $7 / $5}' "$1"; }
		awk -v hz="$HZ" -v refs="$(perrow "$ref")" \
		    -v bases="$(perrow "$T/r.$rate.$BASE")" '
		BEGIN {
			n = split(refs, a, " ");
			for (i = 1; i <= n; i++) { split(a[i], kv, ":"); ref[kv[1]] = kv[2] }
			n = split(bases, a, " ");
			for (i = 1; i <= n; i++) { split(a[i], kv, ":"); bas[kv[1]] = kv[2] }
		} {
			cpu = $7 / hz;
			printf "%d %.4f %.1f %s %d %.4f %s %s %s\n", $2 - $5, cpu / $4,
			    $5 ? cpu * 1e9 / $5 : 0,
			    ref[$1] && $5 ? sprintf("%.3f", $7 / $5 / ref[$1]) : "nan",
			    ($2 == $5 && $6 == 0), $10 / hz / $4,
			    (NF >= 11 && $5) ? sprintf("%.1f", $11 / hz * 1e9 / $5) : "nan",
			    bas[$1] && $5 ? sprintf("%.3f", $7 / $5 / bas[$1]) : "nan",
			    (NF >= 11 && bas[$1] && $5) ? sprintf("%.3f", $11 / $5 / bas[$1]) : "nan" }' \
			"$rf" >"$rf.d"
		printf '%s %s %s %s %s %s %s/%s %s %s %s %s %s %s %s %s\n' \
			"$([ "$rate" = 0 ] && echo max || echo "$rate")" "$name" \
			"$(cut -d' ' -f3 "$rf" | median | xargs printf '%.0f')" \
			"$(cut -d' ' -f5 "$rf" | median)" \
			"$(cut -d' ' -f1 "$rf.d" | median)" \
			"$(cut -d' ' -f6 "$rf" | median)" \
			"$(awk '{s += $5} END {print s}' "$rf.d")" "$RUNS" \
			"$(cut -d' ' -f2 "$rf.d" | median | xargs printf '%.3f')" \
			"$(cut -d' ' -f4 "$rf.d" | grep -v nan | median)" \
			"$(cut -d' ' -f3 "$rf.d" | median | xargs printf '%.0f')" \
			"$(cut -d' ' -f8 "$rf" | median | awk '{printf "%.1f", $1 / 1024}')" \
			"$(cut -d' ' -f6 "$rf.d" | median | xargs printf '%.3f')" \
			"$(cut -d' ' -f7 "$rf.d" | grep -v nan | median | xargs printf '%.0f')" \
			"$(cut -d' ' -f8 "$rf.d" | grep -v nan | median | xargs printf '%.3f')" \
			"$(cut -d' ' -f9 "$rf.d" | grep -v nan | median | xargs printf '%.3f')"
		tx=$(awk '{s += $9} END {print s}' "$rf")
		[ "$tx" = 0 ] || echo "# warning: $tx packets went out of the TUN during $name at $rate"
	done
done
