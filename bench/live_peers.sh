#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/live_peers.sh: what peer attribution costs a live capture's
# per-packet path. In a network namespace this script creates:
#
#   bench/tun_inject writes the packets of a bench/mkpcap.py pcap into a
#   TUN interface (lv0) at each rate of LIVE_RATES for LIVE_SECONDS; the
#   namespace forwards them (every documentation range is routed) out of
#   a wireguard-go interface whose peers have no endpoint, so wireguard-go
#   reads and drops them; wgtap-capture --format v2 captures that
#   interface as an operator's unit does (the `any` device for the
#   direction, "out" here; the peer table from wireguard-go's UAPI
#   socket), and so looks up each packet's destination.
#
# The wireguard-go interface holds, in turn (interleaved, RUNS times):
#
#   none   no peer: every row's peer is empty; a lookup finds an empty
#          table
#   one    one peer holding 0.0.0.0/0 and ::/0: every row names it
#   big    1,000 peers with 10 allowed-ips each (a /32 of
#          198.51.100.0/24 for the first 254, /64s of 2001:db8:100::/48:
#          mkpcap.py's client ranges) and the peer of 0.0.0.0/0 and ::/0:
#          10,002 prefixes; every row names a peer, so its bytes are those
#          of "one", and an address no client holds walks every prefix
#          length down to /0
#
# For each: the rows, whether the capture kept every packet that left the
# interface (rows >= its tx_packets + tx_dropped, no libpcap drops), and the CPU time per
# row of the whole capturer and of its packet thread (its main thread:
# decode, attribute, format; the writer thread compresses and writes,
# another reads the peer table), as the scheduler counts it (schedstat,
# in ns),
# with the ratios of "big" to "one" (what finding the peer costs) and to
# "none" (the peer column as well) in the same run. Each capture starts
# only after it has logged the peer table it is to use.
#
# Environment: RUNS (3), LIVE_SECONDS (5), LIVE_RATES ("50000 100000"),
# LIVE_PACKETS (65536), LIVE_PIN (1: the capture on CPU 1, the sender
# and wireguard-go on CPU 0, so that the scheduler moving them about
# does not add to the spread; 0: anywhere), LIVE_PERF (0; 1: also
# sample the packet thread with perf at 4 kHz while the packets flow
# and report attr_ns_per_row: the samples that fell in the lookup's
# functions (attrib_peer, peertab_lookup_cached, lpm_cache_lookup,
# lpm_lookup, lpm_serial) and in csv_format_row_v2, which reads the
# key, per row: the attribution's own cost, which the whole thread's
# CPU time, noisy by a quarter from run to run, cannot resolve; needs
# perf, Debian's linux-perf), BENCH_DIR (/tmp/wgtap-bench: the pcap is
# cached there), LIVE_FLAGS (more wgtap-capture flags; default "--compress
# gzip"), WGTAP_CAPTURE, WGTAP_TUN_INJECT, LIVE_KEEP=1 (keep the logs).
# Needs root, wireguard-go, wg and iproute2; without them it says so and
# exits 0.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib/common.sh
. "$top/tests/lib/common.sh"
# shellcheck source=bench/procstat.sh
. "$top/bench/procstat.sh"
SECS=${LIVE_SECONDS:-5}
RUNS=${RUNS:-3}
RATES=${LIVE_RATES:-50000 100000}
NPKT=${LIVE_PACKETS:-65536}
DIR=${BENCH_DIR:-/tmp/wgtap-bench}
CAPTURE=${WGTAP_CAPTURE:-$top/wgtap-capture/wgtap-capture}
INJECT=${WGTAP_TUN_INJECT:-$top/build/bench/tun_inject}
read -r -a XFLAGS <<<"${LIVE_FLAGS:---compress gzip}"
PIN_CAP=() PIN_REST=()
if [ "${LIVE_PIN:-1}" = 1 ] && [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
	PIN_CAP=(taskset -c 1) PIN_REST=(taskset -c 0)
fi
TABLES=(none one big)
IF=lv0

die() { echo "live peers bench: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || { echo "live peers bench skipped: needs root"; exit 0; }
for c in ip wg wireguard-go python3; do
	command -v "$c" >/dev/null ||
		{ echo "live peers bench skipped: $c not found (./scripts/deps bench)"; exit 0; }
done
PERF=${LIVE_PERF:-0}
if [ "$PERF" = 1 ] && ! command -v perf >/dev/null; then
	echo "live peers bench: LIVE_PERF=1 needs perf (Debian's linux-perf): measuring without it" >&2
	PERF=0
fi
[ -c /dev/net/tun ] || { echo "live peers bench skipped: no /dev/net/tun"; exit 0; }
[ -x "$CAPTURE" ] || die "no $CAPTURE: build first (make)"
[ -x "$INJECT" ] || die "no $INJECT: build it (make build/bench/tun_inject)"

mkdir -p "$DIR"
pcap=$DIR/live-$NPKT.pcap
if [ ! -s "$pcap" ]; then
	python3 "$top/bench/mkpcap.py" "$pcap.tmp" "$NPKT" >&2 ||
		die "mkpcap.py failed"
	mv "$pcap.tmp" "$pcap" || die "mv $pcap failed"
fi

T=$(mktemp -d /tmp/wgtap-live-peers.XXXXXX)
SPOOL=$T/spool
NS=wgtap-lp-$$-$RANDOM
WG=wglp$(printf '%x' $$)

cleanup() {
	exec 7>&- 2>/dev/null
	kill_tracked
	ip netns del "$NS" 2>/dev/null
	rm -f "/var/run/wireguard/$WG.sock"
	if [ "${LIVE_KEEP:-0}" = 1 ]; then
		echo "live peers bench: logs kept in $T" >&2
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The namespace forwards what lv0 receives out of the WireGuard interface
# and says nothing itself: no reverse-path filter, no IPv6 addresses of
# its own (so no router solicitation or DAD leaves it).
ip netns add "$NS" || die "ip netns add failed"
ip netns exec "$NS" sysctl -qw net.ipv4.ip_forward=1 \
	net.ipv6.conf.all.forwarding=1 net.ipv4.conf.all.rp_filter=0 \
	net.ipv4.conf.default.rp_filter=0 \
	net.ipv6.conf.default.addr_gen_mode=1 \
	net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 ||
	die "sysctl in $NS failed"
mkdir -p /var/run/wireguard
ip netns exec "$NS" "${PIN_REST[@]}" wireguard-go -f "$WG" >"$T/wireguard-go.log" 2>&1 &
WGPID=$!
track "$WGPID"
wait_for 20 test -S "/var/run/wireguard/$WG.sock" ||
	{ cat "$T/wireguard-go.log" >&2; die "wireguard-go did not start"; }
# MTU 1500: the injected packets fit, so no "packet too big" goes back.
ip -n "$NS" link set "$WG" mtu 1500 up || die "link up $WG failed"
for r in 192.0.2.0/24 198.51.100.0/24 203.0.113.0/24; do
	ip -n "$NS" route add "$r" dev "$WG" || die "route $r failed"
done
ip -n "$NS" -6 route add 2001:db8::/32 dev "$WG" || die "route 2001:db8::/32 failed"
mkfifo "$T/in"

python3 - "$T" <<'PY' || die "making the peer tables failed"
import base64, os, sys
t = sys.argv[1]
def key():
    return base64.b64encode(os.urandom(32)).decode()
head = "[Interface]\nPrivateKey = %s\n" % key()
def peer(ips):
    return "[Peer]\nPublicKey = %s\nAllowedIPs = %s\n" % (key(), ", ".join(ips))
exit_peer = peer(["0.0.0.0/0", "::/0"])
with open(t + "/none.conf", "w") as f:
    f.write(head)
with open(t + "/one.conf", "w") as f:
    f.write(head + exit_peer)
with open(t + "/big.conf", "w") as f:
    f.write(head)
    for i in range(1000):
        ips = ["198.51.100.%d/32" % (i + 1)] if i < 254 else []
        k = 0
        while len(ips) < 10:
            ips.append("2001:db8:100:%x::/64" % ((i * 65 + k) % 65536))
            k += 1
        f.write(peer(ips))
    f.write(exit_peer)
PY
declare -A NPEERS=([none]=0 [one]=1 [big]=1001)

# Packets that left through the WireGuard interface: those wireguard-go
# read and those its TUN queue had no room for (which the capture sees
# all the same: libpcap's tap comes before the queue).
txcount() {
	ip netns exec "$NS" cat "/sys/class/net/$WG/statistics/tx_packets" \
		"/sys/class/net/$WG/statistics/tx_dropped" |
		awk '{ n += $1 } END { print n }'
}

# Samples of perf.data $1 in the attribution's functions (LIVE_PERF).
attr_samples() {
	perf script -i "$1" -F ip,sym 2>/dev/null | awk '
		$2 ~ /^(attrib_peer|peertab_lookup_cached|lpm_cache_lookup|lpm_lookup|lpm_serial|csv_format_row_v2)$/ { n++ }
		END { print n + 0 }'
}

# one RATE TABLE: sets RESULT to "sent secs rows drops cpu_ns
# packet_thread_ns tx no_peer attr_samples" (attr_samples: "-" without
# LIVE_PERF; not in a subshell, so that cleanup knows every PID).
one() {
	local rate=$1 tab=$2 inj c0 c1 m0 m1 tx0 tx1 sent rows drops nop pp as=-
	local log=$T/cap.log
	ip netns exec "$NS" wg setconf "$WG" "$T/$tab.conf" ||
		die "wg setconf $tab failed"
	rm -rf "$SPOOL" && mkdir "$SPOOL"
	: >"$T/inj.out"
	ip netns exec "$NS" "${PIN_REST[@]}" "$INJECT" "$IF" "$pcap" "$SECS" "$rate" \
		<"$T/in" >"$T/inj.out" 2>"$T/inj.err" &
	inj=$!
	track "$inj"
	exec 7>"$T/in"
	log_has "$T/inj.out" '^ready' 20 ||
		{ cat "$T/inj.err" >&2; die "tun_inject did not start"; }
	ip -n "$NS" link set "$IF" up || die "link up $IF failed"
	ip netns exec "$NS" "${PIN_CAP[@]}" "$CAPTURE" --iface "$WG" --format v2 \
		--spool-dir "$SPOOL" -t 1h "${XFLAGS[@]}" \
		</dev/null >"$log" 2>&1 &
	CAP=$!
	track "$CAP"
	log_has "$log" "peers of $WG: ${NPEERS[$tab]} peers" 20 ||
		{ cat "$log" >&2; die "the capture did not read the $tab table"; }
	log_has "$log" 'capturing on' 20 ||
		{ cat "$log" >&2; die "the capture did not start"; }
	tx0=$(txcount)
	c0=$(cpu_ns "$CAP")
	m0=$(cpu_ns "$CAP/task/$CAP")
	if [ "$PERF" = 1 ]; then
		perf record -q -F 4000 -t "$CAP" -o "$T/perf.data" \
			>"$T/perf.out" 2>&1 &
		pp=$!
		track "$pp"
		# perf has the thread once it has written its header
		wait_for 20 test -s "$T/perf.data" ||
			{ cat "$T/perf.out" >&2; die "perf did not start"; }
	fi
	printf x >&7
	log_has "$T/inj.out" '^sent' $((${SECS%.*} + 60)) ||
		{ cat "$T/inj.err" >&2; die "tun_inject did not finish"; }
	sleep 0.2
	wait_for 60 quiet "$CAP" || die "the capture is still busy 60 s after the load"
	c1=$(cpu_ns "$CAP")
	m1=$(cpu_ns "$CAP/task/$CAP")
	if [ "$PERF" = 1 ]; then
		kill -INT "$pp"
		wait "$pp" 2>/dev/null
		as=$(attr_samples "$T/perf.data")
		rm -f "$T/perf.data"
	fi
	tx1=$(txcount)
	kill -INT "$CAP"
	wait_for 30 pid_gone "$CAP" || die "the capture did not stop on SIGINT"
	wait "$CAP" 2>/dev/null
	exec 7>&-
	wait_for 10 pid_gone "$inj" || die "tun_inject did not end"
	wait "$inj" 2>/dev/null
	sent=$(awk '/^sent/ {print $2, $6}' "$T/inj.out")
	rows=$(grep -o ' rows=[0-9]*' "$log" | tail -1 | cut -d= -f2)
	drops=$(grep -o ' pcap_dropped=[0-9]*' "$log" | tail -1 | cut -d= -f2)
	nop=$(grep -o ' no_peer=[0-9]*' "$log" | tail -1 | cut -d= -f2)
	if [ -z "$rows" ] || [ -z "$drops" ] || [ -z "$nop" ]; then
		cat "$log" >&2
		die "no counters in the capture's log"
	fi
	RESULT="$sent $rows $drops $((c1 - c0)) $((m1 - m0)) $((tx1 - tx0)) $nop $as"
}

echo "## live peers: ${SECS}s per run, $RUNS runs, rates ($RATES), $NPKT distinct packets, wgtap-capture --format v2 ${XFLAGS[*]}, $(nproc) cores, ${PIN_CAP[*]:-not pinned}, $(date -u +%F), load average $(loadavg)"
for ((r = 0; r < RUNS; r++)); do
	for rate in $RATES; do
		for tab in "${TABLES[@]}"; do
			one "$rate" "$tab"
			echo "$r $RESULT" >>"$T/r.$rate.$tab"
			mv "$T/cap.log" "$T/log.$r.$rate.$tab"
			echo "# run $r rate $rate $tab: $RESULT" >&2
		done
	done
done
echo "# load average at the end: $(loadavg)"

# r.RATE.TAB: "run sent secs rows drops cpu_ns pkt_ns tx no_peer attr"
echo "rate table sent_pps rows_median lossless_runs no_peer_median ns_per_row pkt_thread_ns_per_row total_vs_one pkt_thread_vs_one total_vs_none pkt_thread_vs_none attr_ns_per_row"
for rate in $RATES; do
	for tab in "${TABLES[@]}"; do
		rf=$T/r.$rate.$tab
		# per run: ns/row whole and packet thread, and the ratios to
		# "one" and "none" of the same run
		per() { awk '{ printf "%s %s %s\n", $1, $6 / $4, $7 / $4 }' "$1"; }
		join <(per "$rf" | sort) <(per "$T/r.$rate.one" | sort) |
			join - <(per "$T/r.$rate.none" | sort) |
			awk '{ print $2, $3, $2 / $4, $3 / $5, $2 / $6, $3 / $7 }' >"$rf.d"
		# LIVE_PERF: samples at 4 kHz, so 250,000 ns each
		attr=-
		[ "$PERF" = 1 ] &&
			attr=$(awk '{ print $10 * 250000 / $4 }' "$rf" | median |
				xargs printf '%.1f')
		printf '%s %s %.0f %s %s/%s %s %.0f %.0f %.3f %.3f %.3f %.3f %s\n' \
			"$rate" "$tab" \
			"$(awk '{print $2 / $3}' "$rf" | median)" \
			"$(cut -d' ' -f4 "$rf" | median)" \
			"$(awk '$4 >= $8 && $5 == 0' "$rf" | wc -l)" "$RUNS" \
			"$(cut -d' ' -f9 "$rf" | median)" \
			"$(cut -d' ' -f1 "$rf.d" | median)" \
			"$(cut -d' ' -f2 "$rf.d" | median)" \
			"$(cut -d' ' -f3 "$rf.d" | median)" \
			"$(cut -d' ' -f4 "$rf.d" | median)" \
			"$(cut -d' ' -f5 "$rf.d" | median)" \
			"$(cut -d' ' -f6 "$rf.d" | median)" \
			"$attr"
	done
done
