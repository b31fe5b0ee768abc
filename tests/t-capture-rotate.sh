#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# wgtap-capture on a real WireGuard tunnel: rotation by count, by age with
# traffic, by age with no traffic (the timer closes the segment; an idle
# interval writes nothing), SIGHUP rotation, --user nobody (uid and gid
# dropped, capture still works), refusal of an Ethernet interface and of a
# missing one, and the exit when the interface disappears. Needs root.
#
# A capture is stopped (or rotated, or its interface removed) only once its
# rows are there: in the published segments and the open one, readable up
# to its last sync (--sync-interval 200ms here), so no packet still in the
# kernel's buffer decides the outcome.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/common.sh"
. "$here/lib/wgtunnel.sh"

reason=$(wgt_available python3) || skip "$reason"
[ -x "${WGTAP_CAPTURE:-}" ] || skip "WGTAP_CAPTURE not set"
trap wgt_down EXIT
wgt_up || { not_ok "tunnel up"; exit 1; }
T=$WGT_TMP
ns_a() { ip netns exec "$WGT_NS_A" "$@"; }
ping4() { ns_a ping -n -q -c "$1" -i "${2:-0.05}" "$WGT_B4" >/dev/null; }

# start_capture NAME ARGS...: capture on A into $T/NAME, log $T/NAME.log
start_capture() {
	local name=$1
	shift
	mkdir -p -m 0750 "$T/$name"
	WGT_BG_LOG=$T/$name.log wgt_bg "$WGT_NS_A" "$WGTAP_CAPTURE" \
		--iface "$WGT_IF_A" --spool-dir "$T/$name" "$@" >/dev/null
	cap=$WGT_LAST_PID
	# logged once the capture is open (after pcap_activate())
	log_has "$T/$name.log" "capturing on" 30 || not_ok "$name: started"
}
stop_capture() {
	stop_pid "$cap" 30
}
# has_echo_rows DIR N: the capture has written at least N echo rows.
has_echo_rows() {
	[ "$(spool_rows "$1" | awk -F, '$5 == "ICMP"' | wc -l)" -ge "$2" ]
}
# drained NAME N: wait until the capture into $T/NAME has N echo rows.
drained() {
	wait_for 30 has_echo_rows "$T/$1" "$2" ||
		not_ok "$1: the capture did not get all $2 echo rows"
}
# rows per segment, oldest first, as "n n n"
per_seg() {
	local f
	for f in $(seg_names "$1"); do
		zcat "$1/$f" | tail -n +2 | wc -l
	done | tr '\n' ' ' | sed 's/ $//'
}
# icmp echo rows only
echo_rows() { seg_rows "$1" | awk -F, '$5 == "ICMP"' | wc -l; }
nseg() { seg_names "$1" | wc -l; }
nseg_is() { [ "$(nseg "$1")" -eq "$2" ]; }

# The kernel sends IPv6 router solicitations and MLD reports on the tunnel
# now and then; --filter keeps them out where tests count every row.

# --- by count ---------------------------------------------------------------
start_capture count -n 10 --filter icmp --sync-interval 200ms
ping4 12
drained count 24
stop_capture
eq "by count: rows per segment" "$(per_seg "$T/count")" "10 10 4"
eq "by count: echo rows" "$(echo_rows "$T/count")" 24

# --- by age, with traffic -------------------------------------------------------
start_capture age -t 2s --filter icmp --sync-interval 200ms
ping4 40 0.1          # about 4 s of traffic (more on a loaded machine)
drained age 80
stop_capture
n=$(nseg "$T/age")
check "by age with traffic: more than one segment ($n)" test "$n" -ge 2
# No rotation before its time: a segment opens 2 s of capture time after
# the one before it, less what a packet may have waited in the kernel when
# the timer closed the segment (well under 1 s), or at a new UTC hour.
early=$(for f in $(seg_names "$T/age"); do
	zcat "$T/age/$f" | sed -n 2p | cut -d, -f7
done | awk 'NR > 1 && $1 - prev < 1000000000 &&
	int($1 / 3600000000000) == int(prev / 3600000000000) {n++}
	{prev = $1} END {print n + 0}')
eq "by age with traffic: segments opened less than 1 s after the one before" \
	"$early" 0
eq "by age with traffic: every echo row kept" "$(echo_rows "$T/age")" 80
span_ok=1
for f in $(seg_names "$T/age"); do
	span=$(zcat "$T/age/$f" | tail -n +2 | awk -F, 'NR == 1 {a = $7} {b = $7}
		END {print b - a}')
	[ "$span" -lt 2000000000 ] || span_ok=0
done
eq "by age with traffic: no segment spans 2 s of capture time" "$span_ok" 1

# --- by age, no traffic after the first packets ----------------------------------
start_capture idle -t 2s --filter icmp
t0=$(date +%s%N)      # before the first packet
ping4 3
wait_for 30 nseg_is "$T/idle" 1 ||
	not_ok "idle: the timer did not close the segment"
ms=$((($(date +%s%N) - t0) / 1000000))
check "idle: nothing published before the age (published after $ms ms)" \
	test "$ms" -ge 2000
check "idle: closed by the timer" wait_for 30 grep -q 'rows (age)' "$T/idle.log"
# Time itself is the condition here: two more intervals without a packet.
sleep 4
eq "idle: an interval with no packets writes nothing" "$(nseg "$T/idle")" 1
eq "idle: closed by the timer once" "$(grep -c 'rows (age)' "$T/idle.log")" 1
stop_capture
eq "idle: still one segment after exit" "$(nseg "$T/idle")" 1
eq "idle: its rows" "$(echo_rows "$T/idle")" 6

# --- SIGHUP -----------------------------------------------------------------------
start_capture hup -t 1h --filter icmp --sync-interval 200ms
ping4 4
drained hup 8
kill -HUP "$cap"
# "at once": not at the end of the hour (-t 1h)
if wait_for 30 nseg_is "$T/hup" 1; then ok "SIGHUP: rotated at once"; else
	not_ok "SIGHUP: no rotation"; fi
check "SIGHUP: logged" wait_for 30 grep -q 'rows (SIGHUP)' "$T/hup.log"
ping4 2
drained hup 12
check "SIGHUP: capture keeps running" wgt_alive "$cap"
stop_capture
# two, or three when the run crossed a UTC hour (-t 1h)
n=$(per_seg "$T/hup" | awk '{print NF}')
hours=$(seg_rows "$T/hup" | awk -F, '{print int($7 / 3600000000000)}' | sort -u | wc -l)
check "SIGHUP: segments ($n)" test "$n" -ge 2 -a "$n" -le $((1 + hours))
eq "SIGHUP: echo rows" "$(echo_rows "$T/hup")" 12

# --- --user nobody -------------------------------------------------------------------
mkdir -m 0700 "$T/user" && chown nobody: "$T/user"
chmod o+x "$T"
start_capture user --user nobody -t 1h --sync-interval 200ms
st=/proc/$cap/status
eq "--user: real, effective, saved, fs uid" "$(awk '/^Uid:/ {print $2, $3, $4, $5}' "$st")" \
	"65534 65534 65534 65534"
eq "--user: gids" "$(awk '/^Gid:/ {print $2, $3, $4, $5}' "$st")" \
	"$(id -g nobody) $(id -g nobody) $(id -g nobody) $(id -g nobody)"
eq "--user: no capabilities left" "$(awk '/^CapEff:/ {print $2}' "$st")" 0000000000000000
eq "--user: no supplementary root group" "$(awk '/^Groups:/ {print $2}' "$st")" \
	"$(id -G nobody | awk '{print $1}')"
ping4 5
drained user 10
stop_capture
eq "--user: rows written" "$(echo_rows "$T/user")" 10
for f in $(seg_names "$T/user"); do
	eq "--user: $f owned by nobody" "$(stat -c %U "$T/user/$f")" nobody
done

# --- refusals ------------------------------------------------------------------------
mkdir -p "$T/refuse"
out=$(ns_a "$WGTAP_CAPTURE" --iface "$WGT_VETH_A" --spool-dir "$T/refuse" 2>&1)
rc=$?
eq "Ethernet interface: exit status" "$rc" 1
eq "Ethernet interface: one line" "$(printf '%s\n' "$out" | wc -l)" 1
check "Ethernet interface: names the link type ($out)" grep -q "EN10MB" <<<"$out"
out=$(ns_a "$WGTAP_CAPTURE" --iface nosuch0 --spool-dir "$T/refuse" 2>&1)
rc=$?
eq "missing interface: exit status" "$rc" 1
eq "missing interface: message" "$out" \
	"wgtap-capture: error: interface nosuch0: no such interface"
eq "refusals wrote nothing" "$(ls -A "$T/refuse" | wc -l)" 0

# --- the interface disappears (wireguard-go dies) ------------------------------------
start_capture gone -t 1h --sync-interval 200ms
ping4 3
drained gone 6
kill -KILL "$WGT_PID_A"
wait_for 30 pid_gone "$cap"
stop_pid "$cap" 1
rc=$?
eq "interface gone: exit status" "$rc" 1
check "interface gone: one error line" grep -q "error: capture on $WGT_IF_A: The interface disappeared" "$T/gone.log"
eq "interface gone: rows before it kept in a completed segment" "$(echo_rows "$T/gone")" 6
eq "interface gone: no temporary file left" "$(find "$T/gone" -name '.*' | wc -l)" 0
finish
