#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The units under a real systemd: systemd 252 as PID 1 of a systemd-nspawn
# container (tests/lib/nspawn.sh), wgtap installed into it with
# scripts/install as the README tells an operator, and the units started
# as they ship. Inside:
#   - wireguard-go brings up a tunnel wg0 <-> wg1 (a network namespace of
#     its own inside the container);
#   - wgtap-capture@wg0 and wgtap-ship start from the units; systemd calls
#     them started only after their READY=1 (the program's own start line
#     comes before systemd's "Started"); systemctl shows their STATUS=;
#     UDP datagrams sent through the tunnel arrive as rows in the test's
#     Swift bucket, each exactly once, through a veth pair in documentation
#     ranges (a /30 of 203.0.113.0/24 that no host interface holds, so two
#     suites can run at once) and a relay to Swift on 127.0.0.1;
#   - the keys come from LoadCredential=aws-credentials (the journal says
#     so) and are not in /proc/PID/environ;
#   - kill -9 of the capture: systemd restarts it, and every row that had
#     reached the open segment (synced) arrives, exactly once;
#   - IPAddressDeny=any is enforced on the capture: a process moved into
#     its cgroup cannot connect to the S3 relay, which answers from outside;
#   - wgtap-backfill.timer fires wgtap-ship --once, which ships a segment
#     left while the daemon was stopped;
#   - the watchdog (WatchdogSec= shortened by a drop-in): each daemon
#     stopped with SIGSTOP is killed and restarted by systemd;
#   - metrics (--metrics-file into node_exporter's textfile directory, as
#     the units' commented lines say) scraped through the container's own
#     prometheus-node-exporter, with values equal to what the test sent;
#   - the journal holds no warning from either unit but those the test
#     caused (the kill, the watchdog).
# Root only; skips without systemd-nspawn, mmdebstrap or Swift, and under
# the sanitizer pass (WGTAP_SAN: the container adds nothing there).
# Helper functions run indirectly, through check and wait_for.
# shellcheck disable=SC2317,SC2016
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=${WGTAP_TOP:-$(cd "$here/.." && pwd)}
# shellcheck source=lib/common.sh
. "$here/lib/common.sh"
[ -z "${WGTAP_SAN:-}" ] || skip "container test: run in the plain pass only"
# shellcheck source=lib/nspawn.sh
. "$here/lib/nspawn.sh"
nspawn_available || skip "systemd container test: $NSPAWN_UNAVAILABLE"
if ! [ -x "${WGTAP_CAPTURE:-}" ] || ! [ -x "${WGTAP_SHIP:-}" ]; then
	skip "WGTAP_CAPTURE and WGTAP_SHIP must name the built binaries"
fi
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
# shellcheck source=lib/swift.sh
. "$here/lib/swift.sh"
swift_available || skip "Swift is not installed: $SWIFT_UNAVAILABLE_REASON"

T=$(mktemp -d /tmp/t-systemd.XXXXXX)
FWD_PID=
HV=wgh$$
cleanup() {
	nspawn_stop
	[ -n "$FWD_PID" ] && kill "$FWD_PID" 2>/dev/null
	ip link del "$HV" 2>/dev/null
	swift_stop
	rm -rf "$T"
}
trap cleanup EXIT
t_start=$EPOCHREALTIME
secs() { echo "$EPOCHREALTIME - $1" | bc | cut -c1-5; }

PKGS=iproute2,procps,iputils-ping,libpcap0.8,libcurl4,zlib1g,wireguard-go,wireguard-tools,prometheus-node-exporter,curl
t0=$EPOCHREALTIME
nspawn_rootfs "$PKGS" || { not_ok "root file system"; finish; }
echo "# root file system: $(secs "$t0") s ($NSPAWN_ROOT)"

swift_start "$T/swift" || { not_ok "Swift"; finish; }
BUCKET=wgtap-ct
swift_usable_bucket "$BUCKET" || { not_ok "bucket"; finish; }
SPORT=${SWIFT_ENDPOINT##*:}

t0=$EPOCHREALTIME
NSPAWN_LOG=$T/console.log
nspawn_boot "wgtap-ct$$" --bind-ro="$top" ||
	{ cat "$T/console.log"; not_ok "boot"; finish; }
echo "# booted in $(secs "$t0") s: nspawn pid $NSPAWN_PID, container PID 1 = $CT_PID"

# --- the network: a veth to the host, Swift behind a relay ------------------
# The host side takes the first /30 of 203.0.113.0/24 (from the top) that
# no host interface has an address in; the choice and the address are
# made under a lock, so a second run of this test at the same time takes
# the next one.
ip link add "$HV" type veth peer name ct0 netns "/proc/$CT_PID/ns/net"
HA=
CA=
exec {netlock}>/run/wgtap-t-systemd.lock
flock "$netlock"
held=$(ip -o -4 addr show | awk '{ print $4 }' | cut -d/ -f1)
for b in $(seq 252 -4 0); do
	in_use=
	for a in $held; do
		case $a in
		203.0.113.*) o=${a##*.}; [ "$o" -ge "$b" ] && [ "$o" -le $((b + 3)) ] && in_use=1 ;;
		esac
	done
	[ -z "$in_use" ] && { HA=203.0.113.$((b + 1)); CA=203.0.113.$((b + 2)); break; }
done
[ -n "$HA" ] && ip addr add "$HA/30" dev "$HV"
flock -u "$netlock"
exec {netlock}>&-
[ -n "$HA" ] || { not_ok "a free /30 in 203.0.113.0/24 for the veth"; finish; }
echo "# veth: host $HA, container $CA"
ip link set "$HV" up
ct ip addr add "$CA/30" dev ct0
ct ip link set ct0 up
ct ip link set lo up
python3 "$here/tools/tcpfwd.py" "$HA" "$SPORT" 127.0.0.1 "$SPORT" \
	"$T/fwd.pid" &
wait_for 10 test -s "$T/fwd.pid" && FWD_PID=$(cat "$T/fwd.pid")
check "the container reaches the S3 relay" \
	ct curl -s -o /dev/null -m 5 "http://$HA:$SPORT/"

# --- the tunnel: wireguard-go, wg0 here and wg1 in the namespace "peer" ----
cat >"$T/wg-setup.sh" <<'SH'
#!/bin/bash
set -eu
ip netns add peer
ip link add veth0 type veth peer name veth1
ip link set veth1 netns peer
ip addr add 198.51.100.1/24 dev veth0; ip link set veth0 up
ip -n peer addr add 198.51.100.2/24 dev veth1; ip -n peer link set veth1 up
ip -n peer link set lo up
E=WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1
systemd-run -q --unit=wg-a -E $E wireguard-go -f wg0
systemd-run -q --unit=wg-b -E $E -p NetworkNamespacePath=/run/netns/peer wireguard-go -f wg1
for _ in $(seq 100); do
	[ -S /run/wireguard/wg0.sock ] && [ -S /run/wireguard/wg1.sock ] && break
	sleep 0.1
done
umask 077
ka=$(wg genkey); kb=$(wg genkey); pa=$(wg pubkey <<<"$ka"); pb=$(wg pubkey <<<"$kb")
wg set wg0 private-key <(echo "$ka") listen-port 51820 peer "$pb" allowed-ips 192.0.2.2/32 endpoint 198.51.100.2:51821
ip netns exec peer wg set wg1 private-key <(echo "$kb") listen-port 51821 peer "$pa" allowed-ips 192.0.2.1/32 endpoint 198.51.100.1:51820
ip addr add 192.0.2.1/24 dev wg0; ip link set wg0 up
ip -n peer addr add 192.0.2.2/24 dev wg1; ip -n peer link set wg1 up
ping -c 1 -W 5 192.0.2.2 >/dev/null
SH
cat >"$T/send.sh" <<'SH'
#!/bin/bash
# send.sh FIRST LAST: one UDP datagram 192.0.2.1 -> 192.0.2.2:PORT for
# each PORT from FIRST to LAST, through the tunnel
for ((p = $1; p <= $2; p++)); do
	echo "wgtap $p" >/dev/udp/192.0.2.2/$p
done
SH
# The container sees $top read-only; the scripts go in through ct.
ct mkdir -p /root/t
for f in wg-setup.sh send.sh; do
	ct sh -c "cat >/root/t/$f && chmod +x /root/t/$f" <"$T/$f"
done
check "wireguard-go: a tunnel, ping through it" ct /root/t/wg-setup.sh

# --- install as the README says, configure -----------------------------------
t0=$EPOCHREALTIME
ct env WGTAP_CAPTURE="$WGTAP_CAPTURE" WGTAP_SHIP="$WGTAP_SHIP" \
	"$top/scripts/install" >"$T/install.log" 2>&1
eq "scripts/install in the container: exit status" "$?" 0
echo "# installed in $(secs "$t0") s"
ct sh -c 'cat >/etc/wgtap/capture.env' <<'EOF2'
WGTAP_CAPTURE_OPTS="--packet-log-interval 3s --filter udp"
EOF2
ct sh -c 'cat >/etc/wgtap/ship.env' <<EOF2
WGTAP_SHIP_OPTS="--storage-bucket $BUCKET --storage-endpoint http://$HA:$SPORT --storage-region $SWIFT_REGION --storage-addressing path --host-label ct --backoff-max 2"
EOF2
ct sh -c 'cat >/etc/wgtap/aws-credentials' <<EOF2
[default]
aws_access_key_id = $SWIFT_ACCESS_KEY
aws_secret_access_key = $SWIFT_SECRET_KEY
EOF2
ct chmod 600 /etc/wgtap/aws-credentials /etc/wgtap/ship.env
# Metrics into node_exporter's directory: the units' commented lines, in
# drop-ins, and the directory writable by the group wgtap.
TF=/var/lib/prometheus/node-exporter
ct chgrp wgtap "$TF"
ct chmod g+w "$TF"
for u in wgtap-capture@.service wgtap-ship.service; do
	ct mkdir -p "/etc/systemd/system/$u.d"
	ct sed -n '/^#ReadWritePaths=/,/^#ExecStart=.*--metrics-file/s/^#//p' \
		"/usr/local/lib/systemd/system/$u" |
		{ echo "[Service]"; cat; } |
		ct sh -c "cat >/etc/systemd/system/$u.d/metrics.conf"
done
eq "capture drop-in from the unit's comment" \
	"$(ct grep -c '^ExecStart=.*--metrics-file /var/lib/prometheus/node-exporter/wgtap-capture-%i.prom' /etc/systemd/system/wgtap-capture@.service.d/metrics.conf)" 1
ct systemctl daemon-reload

# --- start; READY before "Started" ---------------------------------------------
check "start wgtap-capture@wg0" ct systemctl start wgtap-capture@wg0.service
check "start wgtap-ship" ct systemctl start wgtap-ship.service
eq "capture active once start returned" "$(ct systemctl is-active wgtap-capture@wg0.service)" active
eq "ship active once start returned" "$(ct systemctl is-active wgtap-ship.service)" active
# line_before UNIT A B: in UNIT's journal, the first line matching A comes
# before the first matching B
line_before() {
	ct journalctl -q -o cat -u "$1" --no-pager | awk -v a="$2" -v b="$3" '
		$0 ~ a && !ia { ia = NR } $0 ~ b && !ib { ib = NR }
		END { exit !(ia && ib && ia < ib) }'
}
check "capture: its READY (after 'capturing on wg0') before systemd's Started" \
	line_before wgtap-capture@wg0 'capturing on wg0' '^Started '
check "ship: its READY (after 'watching') before systemd's Started" \
	line_before wgtap-ship 'info: watching' '^Started '
check "capture: STATUS= shown by systemctl" \
	wait_for 10 ct sh -c "systemctl show -p StatusText --value wgtap-capture@wg0 | grep -q '^rows [0-9]*, drops 0 (kernel 0, spool full 0), '"
check "ship: STATUS= shown by systemctl" \
	wait_for 10 ct sh -c "systemctl show -p StatusText --value wgtap-ship | grep -q ' segments queued; '"
SPID=$(ct systemctl show -p MainPID --value wgtap-ship)
check "ship: the keys came from the systemd credential" \
	ct sh -c "journalctl -q -o cat -u wgtap-ship | grep -q 'credentials from systemd credential aws-credentials'"
if ct grep -qaF -e "$SWIFT_SECRET_KEY" -e "$SWIFT_ACCESS_KEY" "/proc/$SPID/environ"; then
	not_ok "ship: a key in /proc/PID/environ"
else
	ok "ship: no key in /proc/PID/environ"
fi

# rows_in_bucket: the dst_port of every UDP row of 192.0.2.1 -> 192.0.2.2 in
# the bucket's wg0 objects, one per line, sorted
rows_in_bucket() {
	local k i=0
	: >"$T/bucket.rows"
	for k in $(swift_list "$BUCKET" wgtap/host=ct/); do
		i=$((i + 1))
		swift_get "$BUCKET/$k" "$T/obj.$i" || return 1
		zcat -f "$T/obj.$i" | awk -F, '$1 == "192.0.2.1" && $3 == "192.0.2.2" && $5 == "UDP" { print $4 }' >>"$T/bucket.rows"
	done
	sort -n "$T/bucket.rows" >"$T/bucket.sorted"
}
# has_rows FIRST LAST: each port FIRST..LAST exactly once in the bucket
has_rows() {
	rows_in_bucket || return 1
	[ "$(awk -v a="$1" -v b="$2" '$1 >= a && $1 <= b' "$T/bucket.sorted" | uniq -d | wc -l)" -eq 0 ] &&
	[ "$(awk -v a="$1" -v b="$2" '$1 >= a && $1 <= b' "$T/bucket.sorted" | wc -l)" -eq $(($2 - $1 + 1)) ]
}

ct /root/t/send.sh 5001 5020
check "rows of 20 datagrams through the tunnel arrive in the bucket, once each" \
	wait_for 30 has_rows 5001 5020

# --- kill -9 of the capture ----------------------------------------------------
# in_spool FIRST LAST: the rows of ports FIRST..LAST are on disk in the
# spool (a published segment or the synced open one)
in_spool() {
	[ "$(ct sh -c 'for f in /var/spool/wgtap/* /var/spool/wgtap/.wg0-*.part; do [ -f "$f" ] && zcat -f "$f" 2>/dev/null; done' |
		awk -F, -v a="$1" -v b="$2" '$5 == "UDP" && $4 >= a && $4 <= b' | sort -u | wc -l)" -eq $(($2 - $1 + 1)) ]
}
P1=$(ct systemctl show -p MainPID --value wgtap-capture@wg0)
ct /root/t/send.sh 6001 6030
check "the 30 rows are synced to the spool" wait_for 10 in_spool 6001 6030
ct kill -9 "$P1"
restarted() {
	local p
	p=$(ct systemctl show -p MainPID --value "$1")
	[ "$p" != 0 ] && [ "$p" != "$2" ] &&
		[ "$(ct systemctl is-active "$1")" = active ]
}
check "kill -9: systemd restarts the capture" \
	wait_for 20 restarted wgtap-capture@wg0 "$P1"
check "kill -9: every synced row arrives, once" wait_for 30 has_rows 6001 6030

# --- IPAddressDeny=any on the capture -----------------------------------------
CG=$(ct systemctl show -p ControlGroup --value wgtap-capture@wg0)
url=http://$HA:$SPORT/
check "outside the capture's cgroup the relay answers" ct curl -s -o /dev/null -m 5 "$url"
ct sh -c 'echo $$ >"/sys/fs/cgroup$1/cgroup.procs" && exec curl -s -o /dev/null --connect-timeout 3 "$2"' \
	sh "$CG" "$url" 2>"$T/deny.err"
rc=$?
# The BPF firewall drops the packets: the connection times out (curl 28).
eq "inside the capture's cgroup a connection times out (curl exit status)" "$rc" 28
sed 's/^/    /' "$T/deny.err"

# --- the backfill timer ----------------------------------------------------------
ct systemctl stop wgtap-ship.service
ct /root/t/send.sh 7001 7010
# published() : a final wg0 segment waits in the spool
published() { ct sh -c 'ls /var/spool/wgtap | grep -q "^wg0-.*\.csv\.gz$"'; }
check "a segment waits while the daemon is stopped" wait_for 15 published
ct mkdir -p /run/systemd/system/wgtap-backfill.timer.d
printf '[Timer]\nOnCalendar=\nOnActiveSec=1s\nRandomizedDelaySec=0\nAccuracySec=1ms\n' |
	ct sh -c 'cat >/run/systemd/system/wgtap-backfill.timer.d/now.conf'
ct systemctl daemon-reload
ct systemctl start wgtap-backfill.timer
backfill_ran() {
	[ "$(ct systemctl show -p ExecMainExitTimestampMonotonic --value wgtap-backfill.service)" != 0 ]
}
check "the timer fires wgtap-backfill.service" wait_for 30 backfill_ran
eq "backfill: result" "$(ct systemctl show -p Result --value wgtap-backfill.service)" success
check "backfill: ran wgtap-ship --once" ct sh -c \
	"systemctl show -p ExecMain --value wgtap-backfill.service 2>/dev/null; systemctl cat wgtap-backfill.service | grep -q '^ExecStart=.*wgtap-ship --once'"
check "backfill: the rows arrive" wait_for 30 has_rows 7001 7010

# --- the watchdog ---------------------------------------------------------------
for u in wgtap-capture@wg0.service wgtap-ship.service; do
	ct mkdir -p "/run/systemd/system/$u.d"
	printf '[Service]\nWatchdogSec=2s\nTimeoutAbortSec=2s\n' |
		ct sh -c "cat >/run/systemd/system/$u.d/watchdog.conf"
done
ct systemctl daemon-reload
ct systemctl restart wgtap-capture@wg0.service
ct systemctl start wgtap-ship.service
eq "watchdog drop-in applied" "$(ct systemctl show -p WatchdogUSec --value wgtap-ship)" 2s
# pinged UNIT TS: systemd recorded a watchdog ping after monotonic TS
pinged() {
	[ "$(ct systemctl show -p WatchdogTimestampMonotonic --value "$1")" -gt "$2" ]
}
for u in wgtap-capture@wg0 wgtap-ship; do
	w=$(ct systemctl show -p WatchdogTimestampMonotonic --value "$u")
	check "$u: WATCHDOG=1 pings reach systemd" wait_for 10 pinged "$u" "$w"
done
C1=$(ct systemctl show -p MainPID --value wgtap-capture@wg0)
S1=$(ct systemctl show -p MainPID --value wgtap-ship)
n_c=$(ct systemctl show -p NRestarts --value wgtap-capture@wg0)
n_s=$(ct systemctl show -p NRestarts --value wgtap-ship)
ct kill -STOP "$C1" "$S1"
check "watchdog: the stopped capture is killed and restarted" \
	wait_for 30 restarted wgtap-capture@wg0 "$C1"
check "watchdog: the stopped shipper is killed and restarted" \
	wait_for 40 restarted wgtap-ship "$S1"
eq "watchdog: capture restarts" "$(ct systemctl show -p NRestarts --value wgtap-capture@wg0)" $((n_c + 1))
eq "watchdog: ship restarts" "$(ct systemctl show -p NRestarts --value wgtap-ship)" $((n_s + 1))
for u in wgtap-capture@wg0 wgtap-ship; do
	check "$u: the journal names the watchdog" ct sh -c \
		"journalctl -q -o cat -u $u | grep -q 'Watchdog timeout'"
done

# --- metrics through node_exporter ---------------------------------------------------
objects_before=$(swift_list "$BUCKET" wgtap/host=ct/ | sort)
ct /root/t/send.sh 8001 8012
check "the 12 rows arrive" wait_for 30 has_rows 8001 8012
scrape() { ct curl -s -m 5 http://127.0.0.1:9100/metrics >"$T/scrape"; }
# metric SAMPLE: its value in the last scrape
metric() {
	awk -v s="$1" 'substr($0, 1, length(s) + 1) == s " " { print substr($0, length(s) + 2) }' "$T/scrape"
}
new_objects() { comm -13 <(echo "$objects_before") <(swift_list "$BUCKET" wgtap/host=ct/ | sort); }
ship_caught_up() {
	scrape || return 1
	[ "$(metric 'wgtap_ship_uploads_total{host="ct"}')" = "$(new_objects | grep -c .)" ] &&
	[ "$(metric "wgtap_capture_rows_total{$lab}")" = 12 ]
}
lab='host="'$(ct hostname)'",iface="wg0"'
if wait_for 20 ship_caught_up; then
	ok "node_exporter serves both files, the values caught up"
else
	not_ok "node_exporter serves both files, the values caught up"
	grep -E '^wgtap_(capture_rows|ship_uploads)|textfile' "$T/scrape" | sed 's/^/    /'
fi
eq "scraped: capture packets" "$(metric "wgtap_capture_packets_total{$lab}")" 12
eq "scraped: capture rows" "$(metric "wgtap_capture_rows_total{$lab}")" 12
eq "scraped: capture skipped not_ip" "$(metric "wgtap_capture_skipped_packets_total{$lab,reason=\"not_ip\"}")" 0
eq "scraped: capture kernel drops" "$(metric "wgtap_capture_pcap_dropped_packets_total{$lab}")" 0
eq "scraped: capture spool-full drops" "$(metric "wgtap_capture_spool_full_dropped_packets_total{$lab}")" 0
bytes=0
for k in $(new_objects); do
	swift_get "$BUCKET/$k" "$T/o" && bytes=$((bytes + $(stat -c %s "$T/o")))
done
eq "scraped: ship uploads = the new objects" "$(metric 'wgtap_ship_uploads_total{host="ct"}')" "$(new_objects | grep -c .)"
eq "scraped: ship bytes = their sizes" "$(metric 'wgtap_ship_uploaded_bytes_total{host="ct"}')" "$bytes"
eq "scraped: no textfile error" "$(metric 'node_textfile_scrape_error')" 0
check "scraped: the shipper's last success is set" test "$(metric 'wgtap_ship_last_success_time_seconds{host="ct"}' | cut -d. -f1)" -gt 0

# --- the journal ---------------------------------------------------------------------
ct journalctl -q -o cat -p warning -u wgtap-capture@wg0 -u wgtap-ship -u wgtap-backfill --no-pager >"$T/warnings"
grep -Ev "Main process exited, code=(killed|dumped), status=(9/KILL|6/ABRT)|Failed with result '(signal|watchdog|core-dump)'|Watchdog timeout|Killing process [0-9]+ \(wgtap-[a-z]+\) with signal SIGKILL|State 'stop-watchdog' timed out|Processes still around after" \
	"$T/warnings" >"$T/unexpected"
eq "journal: unexpected warnings" "$(wc -l <"$T/unexpected")" 0
sed 's/^/    unexpected: /' "$T/unexpected"
echo "# total $(secs "$t_start") s"
finish
