#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/peers_kernel.sh [PEERS [PREFIXES_PER_PEER [SECONDS]]]: what it
# costs to keep a live peer table fresh against kernel WireGuard, read
# through generic netlink. This host's kernel has no WireGuard, so the
# reads run in a Debian 12 guest under QEMU's software emulation
# (tests/lib/qemu.sh): every figure is that of an emulated CPU, many
# times slower than the host's, so only the ratio between the two ways
# of reading means much for real hardware.
#
# In the guest, a kernel wireguard device gets PEERS peers (1,000) with
# PREFIXES_PER_PEER allowed-ips each (10; bench/peers_conf.py). Then,
# for SECONDS (20) each, interleaved three times, tests/tools/peerprobe
# re-reads it every 0.7 s as wgtap-capture does:
#   digest  as shipped: a dump that says what the last one did is hashed
#           and not parsed
#   full    every dump parsed into a table and compared with the last
# The probe's CPU time (user + system) includes the kernel's work of
# making the dump, which runs in the probe's recvmsg(). Prints the
# medians: share of one core and CPU ms a read, for each, and their
# ratio. To put the guest's figures in host terms, the same work is
# timed on both, three times each: gzip -6 of the configuration repeated
# to 32 MB or a little more (integer code, as the reads are); the median ratio of the CPU
# times is the emulation's slowdown, and the host estimate is the guest's
# figure divided by it (rough: the emulator slows some code more than
# other). Root; needs what tests/lib/qemu.sh needs, and python3.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
PEERS=${1:-1000}
PER=${2:-10}
SECS=${3:-20}
probe=${WGTAP_PEERPROBE:-$top/build/tests/peerprobe}
[ -x "$probe" ] || { echo "bench: make $probe first" >&2; exit 2; }
# shellcheck source=tests/lib/qemu.sh
. "$top/tests/lib/qemu.sh"
# shellcheck source=bench/procstat.sh
. "$top/bench/procstat.sh"
reason=$(qemu_available) || { echo "bench: $reason" >&2; exit 2; }

W=$(mktemp -d /tmp/peers_kernel.XXXXXX)
cleanup() { qemu_stop; rm -rf "$W"; }
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

qemu_image || { echo "bench: building the guest image failed" >&2; exit 1; }
qemu_rootfs "$W/rootfs" && qemu_mkfs "$W/rootfs" "$W/root.img" 64 || exit 1
rm -rf "$W/rootfs"
mkdir -p "$W/p"
cp "$probe" "$W/p/peerprobe"
python3 "$top/bench/peers_conf.py" "$PEERS" "$PER" >"$W/p/wg.conf"
cat >"$W/p/run" <<RUN
#!/bin/bash
set -e
o=/payload/out
mkdir -p "\$o"
ip netns add b
ip -n b link add wgk0 type wireguard
ip netns exec b wg addconf wgk0 /payload/wg.conf
ip netns exec b wg set wgk0 private-key <(wg genkey)
ip -n b link set wgk0 up
ip netns exec b wg show wgk0 peers | wc -l >"\$o/peers"
ip netns exec b wg show wgk0 allowed-ips | awk '{ n += NF - 1 } END { print n }' >"\$o/ips"
for r in 1 2 3; do
	ip netns exec b /payload/peerprobe cost $SECS wgk0 >>"\$o/digest"
	ip netns exec b /payload/peerprobe cost-full $SECS wgk0 >>"\$o/full"
done
for r in 1 2 3; do /payload/calib >>"\$o/calib"; done
RUN
# CPU seconds (user + system) of gzip -6 over the configuration repeated
# to 32 MB: the same on the host and in the guest.
cat >"$W/p/calib" <<'CAL'
#!/bin/bash
d=$(dirname "$0")
n=$((32 * 1048576 / $(stat -c %s "$d/wg.conf") + 1))
TIMEFORMAT='%U %S'
{ time (for i in $(seq "$n"); do cat "$d/wg.conf"; done 2>/dev/null |
	gzip -6 >/dev/null 2>&1); } 2>&1 | awk 'NF == 2 { print $1 + $2 }'
CAL
chmod 0755 "$W/p/calib"
chmod 0755 "$W/p/run"
qemu_mkfs "$W/p" "$W/p.img" 16 || exit 1
qemu_start "$W/boot" "$W/root.img" "$W/p.img" "" || exit 1
qemu_wait $((600 + 6 * SECS)) || { echo "bench: the guest did not power off" >&2; exit 1; }
qemu_rdump "$W/p.img" /out "$W/r" || exit 1
o=$W/r/out
[ "$(cat "$o/rc")" = 0 ] || { echo "bench: the guest's payload failed" >&2; cat "$o/journal.txt" >&2; exit 1; }

field() { sed -n "s/.* $1=\\([0-9.]*\\).*/\\1/p"; }
per_read() { awk '{ c = $4; r = $1; sub("cpu_ms=", "", c); sub("reads=", "", r); printf "%.2f\n", c / r }'; }
echo "## peers refresh, kernel WireGuard (netlink) in an emulated guest:" \
	"$(cat "$o/peers") peers, $(cat "$o/ips") allowed-ips; re-read every" \
	"0.7 s; ${SECS} s windows, medians of 3"
sed 's/^/# digest: /' "$o/digest" >&2
sed 's/^/# full:   /' "$o/full" >&2
dc=$(field core_pct <"$o/digest" | median)
fc=$(field core_pct <"$o/full" | median)
dr=$(per_read <"$o/digest" | median)
fr=$(per_read <"$o/full" | median)
un=$(field unparsed <"$o/digest" | median)
rd=$(sed -n 's/^reads=\([0-9]*\).*/\1/p' "$o/digest" | median)
hc=$(for r in 1 2 3; do "$W/p/calib"; done | median)
gc=$(median <"$o/calib")
echo "# calibration, gzip -6 of 32 MB: host $hc s, guest $(tr '\n' ' ' <"$o/calib")s" >&2
awk -v dc="$dc" -v fc="$fc" -v dr="$dr" -v fr="$fr" -v un="$un" -v rd="$rd" \
	-v hc="$hc" -v gc="$gc" 'BEGIN {
	printf "digest_core_pct %.3f (%.2f ms a read; %d of %d reads only digested)\n", dc, dr, un, rd
	printf "full_core_pct %.3f (%.2f ms a read)\n", fc, fr
	printf "full_over_digest %.2fx\n", fc / dc
	s = gc / hc
	printf "emulation_slowdown %.1fx (gzip -6 of 32 MB: %.2f s in the guest, %.2f s here)\n", s, gc, hc
	printf "host_estimate digest_core_pct %.3f full_core_pct %.3f\n", dc / s, fc / s }'
