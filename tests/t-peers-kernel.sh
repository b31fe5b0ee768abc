#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The kernel path of the live peer table (wgtap-capture/wgnl.c, through
# peersrc.c): generic netlink against real kernel WireGuard, in a Debian
# 12 guest in QEMU (tests/lib/qemu.sh; this host's kernel has no
# WireGuard). In the guest, a kernel wireguard device in a network
# namespace gets 200 peers, one of them with 1,500 allowed-ips, so that
# the WG_CMD_GET_DEVICE dump spans many NLM_F_MULTI messages and splits a
# peer across them. tests/tools/peerprobe reads the table after each of:
# the start, a peer removed, a peer added, a peer re-addressed; each read
# must equal `wg show dump` taken at the same moment (keys, endpoints of
# both families, every allowed-ip), and say it came from the kernel. Then
# the same read as a plain user (refused: netlink needs CAP_NET_ADMIN,
# and the reason says so), and as a plain user holding only CAP_NET_ADMIN,
# as the shipped unit runs (the full table). Last, the re-reading probe
# sees a change within 1 s of `wg set` returning (both times from the
# guest's clock), and re-reading the unchanged table for 3 s, parses
# only its first dump (the others match its digest). Then
# wgtap-capture --format v2 itself, on a kernel WireGuard hub with one
# client in the guest: every marker row names the client and the
# direction, and after the client's IPv6 address is taken off its
# allowed-ips (once the capture has logged the change) rows to it have
# no peer.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/qemu.sh
. "$here/lib/qemu.sh"
# shellcheck source=tests/lib/wghub.sh
. "$here/lib/wghub.sh"

main() {
probe=${WGTAP_PEERPROBE:-$here/../build/tests/peerprobe}
reason=$(qemu_available) || skip "$reason"
[ -x "$probe" ] || skip "t-peers-kernel: build $probe first (make check)"
[ -x "${WGTAP_CAPTURE:-}" ] || skip "WGTAP_CAPTURE not set"
command -v python3 >/dev/null || skip "t-peers-kernel: python3 not found"

W=$(mktemp -d "${TMPDIR:-/tmp}/wgtap-peers-kernel.XXXXXX") || exit 1
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	local rc=$?
	qemu_stop
	if [ "$rc" != 0 ]; then echo "work directory kept: $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

qemu_image || { echo "FAIL building the image"; exit 1; }
qemu_rootfs "$W/rootfs" || exit 1
qemu_mkfs "$W/rootfs" "$W/root.img" 64 || exit 1
rm -rf "$W/rootfs"

mkdir -p "$W/p"
cp "$probe" "$W/p/peerprobe" || exit 1
cp "$WGTAP_CAPTURE" "$W/p/wgtap-capture" || exit 1
# The configuration: random keys (any 32 bytes make a peer's key).
python3 - "$W/p" <<'PY' || exit 1
import base64, os, sys
d = sys.argv[1]
key = lambda: base64.b64encode(os.urandom(32)).decode()
keys = [key() for _ in range(200)]
with open(d + "/base.conf", "w") as f:
    f.write("[Interface]\nPrivateKey = %s\nListenPort = 51820\n" % key())
    for i, k in enumerate(keys):
        ips = ["192.0.2.%d/32" % (i + 1) if i < 254 else None,
               "2001:db8:%x::/64" % (i + 1)]
        if i == 0:
            ips += ["2001:db8:ffff::%x/128" % j for j in range(1, 1500)]
        ep = ("Endpoint = 198.51.100.%d:%d\n" % (i % 250 + 1, 40000 + i)
              if i % 3 == 0 else
              "Endpoint = [2001:db8:ee::%x]:51820\n" % i if i % 3 == 1
              else "")
        f.write("[Peer]\nPublicKey = %s\n%sAllowedIPs = %s\n" % (
            k, ep, ", ".join(x for x in ips if x)))
add = key()
with open(d + "/add.conf", "w") as f:
    f.write("[Peer]\nPublicKey = %s\nEndpoint = 203.0.113.7:1\n"
            "AllowedIPs = 203.0.113.0/24, 2001:db8:aaaa::/48\n" % add)
with open(d + "/keys", "w") as f:
    f.write("REMOVE=%s\nREADDR=%s\nADD=%s\n" % (keys[5], keys[7], add))
PY
cat >"$W/p/run" <<'EOF'
#!/bin/bash
o=/payload/out
P=/payload/peerprobe
mkdir -p "$o" "$o/w"
. /payload/keys
hub() { ip netns exec hub "$@"; }
ip netns add hub || exit 1
ip -n hub link add wgk0 type wireguard || exit 1
hub wg setconf wgk0 /payload/base.conf || exit 1
ip -n hub link set wgk0 up || exit 1
snap() {
	hub wg show wgk0 dump >"$o/$1.dump"
	hub "$P" read wgk0 >"$o/$1.probe" 2>"$o/$1.err"
	echo $? >"$o/$1.rc"
}
snap 0
hub wg set wgk0 peer "$REMOVE" remove && snap 1
hub wg addconf wgk0 /payload/add.conf && snap 2
hub wg set wgk0 peer "$READDR" allowed-ips 192.0.2.99/32,2001:db8:99::/48 &&
	snap 3
hub setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$P" read wgk0 >"$o/noperm.out" 2>&1
echo $? >"$o/noperm.rc"
hub setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=+net_admin --ambient-caps=+net_admin \
	"$P" read wgk0 >"$o/capnet.probe" 2>"$o/capnet.err"
echo $? >"$o/capnet.rc"
hub wg show wgk0 dump >"$o/capnet.dump"
# the re-reading probe and a change: both times from this clock
hub "$P" watch "$o/w" wgk0 2>"$o/watch.err" &
wpid=$!
for i in $(seq 200); do [ -f "$o/w/table.1" ] && break; sleep 0.1; done
# the change is in effect once wg returns (wg itself is slow under TCG)
hub wg set wgk0 peer "$ADD" remove
date +%s%N >"$o/change.t0"
for i in $(seq 100); do [ -f "$o/w/table.2" ] && break; sleep 0.05; done
kill "$wpid"; wait "$wpid"
hub wg show wgk0 dump >"$o/w.dump"
# the table unchanged for 3 s: every read after the first only digested
hub "$P" cost 3 wgk0 >"$o/cost.out" 2>"$o/cost.err"
echo $? >"$o/cost.rc"

# Attribution over kernel WireGuard: a client namespace, a tunnel to the
# hub, wgtap-capture --format v2 on the hub's side, marker datagrams
# both ways, then the client's IPv6 address taken off its allowed-ips.
ip netns add cl || exit 1
ip -n hub link add vh type veth peer name vc netns cl || exit 1
ip -n hub addr add 198.51.100.1/30 dev vh && ip -n hub link set vh up
ip -n cl addr add 198.51.100.2/30 dev vc && ip -n cl link set vc up
ip -n cl link set lo up
(umask 077; wg genkey >/tmp/h.key; wg genkey >/tmp/c.key)
hk=$(wg pubkey </tmp/h.key)
ck=$(wg pubkey </tmp/c.key)
echo "$ck" >"$o/client.key"
ip -n hub link add wgk1 type wireguard
ip -n cl link add wgc type wireguard
hub wg set wgk1 private-key /tmp/h.key listen-port 51821 \
	peer "$ck" allowed-ips 192.0.2.11/32,2001:db8::11/128
ip netns exec cl wg set wgc private-key /tmp/c.key \
	peer "$hk" endpoint 198.51.100.1:51821 allowed-ips 192.0.2.0/24,2001:db8::/64
ip -n hub addr add 192.0.2.1/24 dev wgk1
ip -n hub addr add 2001:db8::1/64 dev wgk1 nodad
ip -n cl addr add 192.0.2.11/24 dev wgc
ip -n cl addr add 2001:db8::11/64 dev wgc nodad
ip -n hub link set wgk1 up && ip -n cl link set wgc up
for i in $(seq 100); do
	ip netns exec cl ping -c 1 -W 1 192.0.2.1 >/dev/null 2>&1 && break
done
mkdir -m 0750 "$o/spool"
# not through hub(): $! must be the capture itself (ip netns exec execs it)
ip netns exec hub /payload/wgtap-capture --format v2 -i wgk1 -d "$o/spool" \
	--compress none -t 1h >"$o/cap.log" 2>&1 &
cpid=$!
for i in $(seq 200); do grep -q "capturing on" "$o/cap.log" && break; sleep 0.1; done
udp() { # NS ADDR PORT SIZE
	ip netns exec "$1" bash -c "head -c $4 /dev/zero >/dev/udp/$2/$3"
}
udp cl 192.0.2.1 7101 501
udp hub 192.0.2.11 7102 502
udp cl 2001:db8::1 7103 503
udp hub 2001:db8::11 7104 504
hub wg set wgk1 peer "$ck" allowed-ips 192.0.2.11/32
for i in $(seq 100); do grep -q "changed" "$o/cap.log" && break; sleep 0.1; done
udp hub 2001:db8::11 7105 505
udp hub 192.0.2.11 7106 506
kill "$cpid"; wait "$cpid"
echo $? >"$o/cap.rc"
echo "payload done"
EOF
chmod 0755 "$W/p/run"
qemu_mkfs "$W/p" "$W/p.img" 16 || exit 1
qemu_start "$W/boot" "$W/root.img" "$W/p.img" "" || exit 1
qemu_wait 600
eq "QEMU's exit status (a clean poweroff)" "$?" 0
qemu_rdump "$W/p.img" /out "$W/r" || exit 1
o=$W/r/out
eq "the payload's exit status" "$(cat "$o/rc")" 0

from_dump() { awk -F '\t' -v OFS='\t' 'NR > 1 { print $1, $3, $4 }' "$1" | whub_sort_table; }
names=("start" "peer removed" "peer added" "peer re-addressed")
for i in 0 1 2 3; do
	eq "${names[i]}: probe exit status" "$(cat "$o/$i.rc")" 0
	eq "${names[i]}: backend" "$(cat "$o/$i.err")" "backend: kernel (netlink)"
	got=$(whub_sort_table <"$o/$i.probe")
	want=$(from_dump "$o/$i.dump")
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		ok "${names[i]}: table equals wg show dump ($(printf '%s\n' "$got" | wc -l) peers, $(printf '%s\n' "$got" | cut -f3 | tr ',' '\n' | wc -l) allowed-ips)"
	else
		not_ok "${names[i]}: table differs from wg show dump"
		diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -5
	fi
done
# shellcheck disable=SC1091 # written above
. "$W/p/keys"
eq "the split peer: all 1,501 of its allowed-ips" \
	"$(awk -F '\t' '$3 ~ /2001:db8:ffff::5db\/128/ { print split($3, a, ",") }' "$o/0.probe")" 1501
eq "peers at the start, removed, added" \
	"$(wc -l <"$o/0.probe") $(wc -l <"$o/1.probe") $(wc -l <"$o/2.probe")" "200 199 200"
eq "the added peer" "$(grep -F "$ADD" "$o/2.probe")" \
	"$ADD	203.0.113.7:1	203.0.113.0/24,2001:db8:aaaa::/48"
eq "the re-addressed peer" "$(grep -F "$READDR" "$o/3.probe" | cut -f3)" \
	"192.0.2.99/32,2001:db8:99::/48"
eq "a plain user: exit status" "$(cat "$o/noperm.rc")" 1
case $(cat "$o/noperm.out") in
*"wgk0: netlink: Operation not permitted"*) ok "a plain user: the reason names netlink and the permission" ;;
*) not_ok "a plain user: $(cat "$o/noperm.out")" ;;
esac
eq "CAP_NET_ADMIN only: exit status" "$(cat "$o/capnet.rc")" 0
got=$(whub_sort_table <"$o/capnet.probe")
want=$(from_dump "$o/capnet.dump")
check "CAP_NET_ADMIN only: the full table" test -n "$want" -a "$got" = "$want"
# attribution over kernel WireGuard
eq "capture in the guest: exit status" "$(cat "$o/cap.rc")" 0
check "capture in the guest read the kernel's table" grep -q \
	"peers of wgk1: 1 peers, 2 allowed-ips, from the kernel (netlink) WireGuard" "$o/cap.log"
ck=$(cat "$o/client.key")
cat "$o"/spool/*.csv 2>/dev/null | grep -v '^src,' >"$W/rows"
kudp() { awk -F, -v p="$1" '$5 == "UDP" && $4 == p { print $1 "," $3 "," $9 "," $10 }' "$W/rows"; }
eq "kernel: client to hub" "$(kudp 7101)" "192.0.2.11,192.0.2.1,$ck,in"
eq "kernel: hub to client" "$(kudp 7102)" "192.0.2.1,192.0.2.11,$ck,out"
eq "kernel: client to hub, IPv6" "$(kudp 7103)" "2001:db8::11,2001:db8::1,$ck,in"
eq "kernel: hub to client, IPv6" "$(kudp 7104)" "2001:db8::1,2001:db8::11,$ck,out"
eq "kernel: after the change, IPv6 to the client has no peer" "$(kudp 7105)" \
	"2001:db8::1,2001:db8::11,,out"
eq "kernel: after the change, IPv4 still the client's" "$(kudp 7106)" \
	"192.0.2.1,192.0.2.11,$ck,out"

t0=$(cat "$o/change.t0")
t1=$(head -n 1 "$o/w/table.2" 2>/dev/null | cut -d' ' -f2)
if [ -n "$t1" ] && [ $(((t1 - t0) / 1000000)) -le 1000 ]; then
	ok "re-read: the change seen $(((t1 - t0) / 1000000)) ms later (at most 1000)"
else
	not_ok "re-read: change seen at '${t1:-never}', made at $t0"
fi
got=$(tail -n +2 "$o/w/table.2" | whub_sort_table)
want=$(from_dump "$o/w.dump")
check "re-read: the table after the change equals wg show dump" \
	test -n "$want" -a "$got" = "$want"
eq "an unchanged table: probe exit status" "$(cat "$o/cost.rc")" 0
reads=$(sed -n 's/^reads=\([0-9]*\) .*/\1/p' "$o/cost.out")
unparsed=$(sed -n 's/.* unparsed=\([0-9]*\) .*/\1/p' "$o/cost.out")
if [ -n "$reads" ] && [ "$reads" -ge 2 ] && [ "$unparsed" = $((reads - 1)) ]; then
	ok "an unchanged table: $unparsed of $reads dumps only digested, not parsed ($(cat "$o/cost.out"))"
else
	not_ok "an unchanged table: want every read but the first unparsed: $(cat "$o/cost.out" "$o/cost.err")"
fi
finish
}
# shellcheck disable=SC2317 # main may return
{ main "$@"; exit; }
