#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --metrics-file of both programs, read back as the textfile collector
# would, every value checked against what the test sent, and the whole
# file passed through `promtool check metrics`:
#   - wgtap-capture -r on a capture made here (RAW, 6 UDP packets, 2 with
#     IP version 5, 1 cut inside the IPv4 header): packets 9, rows 6,
#     skipped by reason 2 bad_version and 1 ip_truncated (0 for the
#     others), 0 spool-full drops, 1 segment closed, bytes written equal to
#     the segment's size, build info with the --version, a start time
#     within the run; no libpcap counters for a file.
#   - wgtap-ship --once against the real Swift: 1 upload of the segment's
#     bytes, no failure, nothing waiting, the last success within the run;
#     into a bucket that does not exist (2 tries): 2 failures with reason
#     NoSuchBucket, 1 retry, 1 segment and its bytes waiting, the oldest's
#     age from its capture time; to a closed port: transport_connect.
#   - the daemon rewrites the file while it runs (a segment dropped in
#     later shows up as uploaded without a restart) and at exit.
#   - no key id or secret key in any metrics file; no temporary file left
#     next to them.
# Needs Swift (exit 77 without it) and promtool (Debian prometheus).
# shellcheck disable=SC2317,SC2119
set -u
# shellcheck source=tests/lib/ship.sh
. "$(dirname "$0")/lib/ship.sh"
ship_init
[ -x "${WGTAP_CAPTURE:-}" ] || skip "WGTAP_CAPTURE not set"
command -v promtool >/dev/null 2>&1 ||
	skip "promtool is not installed (Debian package prometheus)"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
ship_need_swift
ship_env
mapfile -t flags < <(ship_flags)
M=$T/metrics
mkdir -p "$M" "$T/spool"

# value FILE SAMPLE: the value of the sample line "SAMPLE VALUE" (exact
# name and labels), or "absent"
value() {
	local v
	v=$(awk -v s="$2" 'substr($0, 1, length(s) + 1) == s " " { print substr($0, length(s) + 2) }' "$1")
	echo "${v:-absent}"
}

promtool_ok() {
	promtool check metrics <"$1" >"$T/promtool.out" 2>&1
	local rc=$?
	[ -s "$T/promtool.out" ] && sed 's/^/    promtool: /' "$T/promtool.out"
	return "$rc"
}

# in_range LOW X HIGH (decimal numbers)
in_range() {
	python3 -c 'import sys; l, x, h = map(float, sys.argv[1:]); sys.exit(0 if l <= x <= h else 1)' "$@"
}

# --- the capture -------------------------------------------------------------
python3 - "$T/in.pcap" <<'PY'
import struct, sys
T0 = 1767225600                   # 2026-01-01T00:00:00Z
def udp(i):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 36, i, 0, 64, 17, 0,
                     bytes([192, 0, 2, 1]), bytes([198, 51, 100, 2]))
    return ip + struct.pack("!HHHH", 40000 + i, 53, 16, 0) + b"\0" * 8
pkts = [udp(i) for i in range(6)]
pkts.insert(2, b"\x55" + b"\0" * 35)       # IP version 5
pkts.insert(5, b"\x55" + b"\0" * 35)
pkts.append(b"\x45\0\0\x24\0\0")           # cut inside the IPv4 header
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 65535, 101))
    for i, p in enumerate(pkts):
        f.write(struct.pack("<IIII", T0 + i, i, len(p), len(p)) + p)
PY
t0=$EPOCHREALTIME
"$WGTAP_CAPTURE" -r "$T/in.pcap" -i wg0 -d "$T/spool" \
	--metrics-file "$M/capture.prom" 2>"$T/capture.log"
eq "capture: exit status" "$?" 0
t1=$EPOCHREALTIME
C=$M/capture.prom
lab='iface="wg0",host="'$(hostname)'"'
seg=$(seg_names "$T/spool")
eq "capture: one segment" "$(echo "$seg" | wc -w)" 1
check "capture: promtool check metrics" promtool_ok "$C"
eq "capture: packets" "$(value "$C" "wgtap_capture_packets_total{$lab}")" 9
eq "capture: rows" "$(value "$C" "wgtap_capture_rows_total{$lab}")" 6
for r in not_ip link_truncated bad_version ip_truncated bad_header_length \
	bad_total_length bad_timestamp; do
	want=0
	[ $r = bad_version ] && want=2
	[ $r = ip_truncated ] && want=1
	eq "capture: skipped $r" \
		"$(value "$C" "wgtap_capture_skipped_packets_total{$lab,reason=\"$r\"}")" $want
done
eq "capture: spool-full drops" \
	"$(value "$C" "wgtap_capture_spool_full_dropped_packets_total{$lab}")" 0
eq "capture: segments closed" \
	"$(value "$C" "wgtap_capture_segments_closed_total{$lab}")" 1
eq "capture: bytes written = the segment's size" \
	"$(value "$C" "wgtap_capture_written_bytes_total{$lab}")" \
	"$(stat -c %s "$T/spool/$seg")"
eq "capture: no libpcap counters for a file" \
	"$(grep -c '^wgtap_capture_pcap_' "$C")" 0
eq "capture: no open segment after the end" \
	"$(value "$C" "wgtap_capture_open_segment_start_time_seconds{$lab}")" absent
eq "capture: build info" \
	"$(value "$C" "wgtap_capture_build_info{$lab,version=\"$("$WGTAP_CAPTURE" --version | awk '{print $2}')\"}")" 1
check "capture: start time within the run" in_range "${t0%.*}" \
	"$(value "$C" "wgtap_capture_start_time_seconds{$lab}")" "$t1"
eq "capture: TYPE of the counters" \
	"$(grep -c '^# TYPE wgtap_capture_[a-z_]*_total counter$' "$C")" 6
segbytes=$(stat -c %s "$T/spool/$seg")
cp "$T/spool/$seg" "$T/seg.copy"

# --- wgtap-ship: a bucket that does not exist, 2 tries -----------------------
S=$M/ship-fail.prom
t0=$EPOCHREALTIME
"$WGTAP_SHIP" --storage-bucket wgtap-missing --storage-endpoint "$SWIFT_ENDPOINT" \
	--storage-region "$SWIFT_REGION" --host-label "$HOST_LABEL" --once \
	--spool-dir "$T/spool" --max-attempts 2 --backoff-max 1 \
	--metrics-file "$S" >"$T/fail.log" 2>&1
eq "ship, no bucket: exit status" "$?" 1
t1=$EPOCHREALTIME
hl='host="'$HOST_LABEL'"'
check "ship, no bucket: promtool check metrics" promtool_ok "$S"
eq "ship, no bucket: uploads" "$(value "$S" "wgtap_ship_uploads_total{$hl}")" 0
eq "ship, no bucket: failures NoSuchBucket" \
	"$(value "$S" "wgtap_ship_upload_failures_total{$hl,reason=\"NoSuchBucket\"}")" 2
eq "ship, no bucket: one failure reason" \
	"$(grep -c '^wgtap_ship_upload_failures_total{' "$S")" 1
eq "ship, no bucket: retries" "$(value "$S" "wgtap_ship_retries_total{$hl}")" 1
eq "ship, no bucket: segments waiting" \
	"$(value "$S" "wgtap_ship_waiting_segments{$hl}")" 1
eq "ship, no bucket: bytes waiting" \
	"$(value "$S" "wgtap_ship_waiting_bytes{$hl}")" "$segbytes"
check "ship, no bucket: age of the oldest = now - its capture time" \
	in_range "$(echo "${t0%.*} - 1767225600" | bc)" \
	"$(value "$S" "wgtap_ship_oldest_waiting_segment_age_seconds{$hl}")" \
	"$(echo "${t1%.*} + 1 - 1767225600" | bc)"
eq "ship, no bucket: no success yet" \
	"$(value "$S" "wgtap_ship_last_success_time_seconds{$hl}")" 0

# --- wgtap-ship: nothing listening -----------------------------------------
S=$M/ship-closed.prom
"$WGTAP_SHIP" --storage-bucket "$BUCKET" --storage-endpoint http://127.0.0.1:9 \
	--storage-region "$SWIFT_REGION" --host-label "$HOST_LABEL" --once \
	--spool-dir "$T/spool" --max-attempts 1 --metrics-file "$S" \
	>"$T/closed.log" 2>&1
eq "ship, closed port: exit status" "$?" 1
eq "ship, closed port: failures transport_connect" \
	"$(value "$S" "wgtap_ship_upload_failures_total{$hl,reason=\"transport_connect\"}")" 1
eq "ship, closed port: retries" "$(value "$S" "wgtap_ship_retries_total{$hl}")" 0

# --- wgtap-ship --once: shipped ------------------------------------------------
S=$M/ship.prom
t0=$EPOCHREALTIME
"$WGTAP_SHIP" "${flags[@]}" --once --spool-dir "$T/spool" \
	--metrics-file "$S" >"$T/once.log" 2>&1
eq "ship: exit status" "$?" 0
t1=$EPOCHREALTIME
check "ship: the object holds the segment" object_is "$seg" "$T/seg.copy"
check "ship: promtool check metrics" promtool_ok "$S"
eq "ship: uploads" "$(value "$S" "wgtap_ship_uploads_total{$hl}")" 1
eq "ship: bytes uploaded" \
	"$(value "$S" "wgtap_ship_uploaded_bytes_total{$hl}")" "$segbytes"
eq "ship: no failure" "$(grep -c '^wgtap_ship_upload_failures_total{' "$S")" 0
eq "ship: retries" "$(value "$S" "wgtap_ship_retries_total{$hl}")" 0
eq "ship: nothing waiting" "$(value "$S" "wgtap_ship_waiting_segments{$hl}")" 0
eq "ship: no bytes waiting" "$(value "$S" "wgtap_ship_waiting_bytes{$hl}")" 0
eq "ship: age of the oldest, none waiting" \
	"$(value "$S" "wgtap_ship_oldest_waiting_segment_age_seconds{$hl}")" 0
check "ship: last success within the run" in_range "${t0%.*}" \
	"$(value "$S" "wgtap_ship_last_success_time_seconds{$hl}")" "$t1"
eq "ship: build info" \
	"$(value "$S" "wgtap_ship_build_info{$hl,version=\"$("$WGTAP_SHIP" --version | awk '{print $2}')\"}")" 1

# --- the daemon rewrites the file as it goes ----------------------------------
S=$M/daemon.prom
ship_bg "$T/daemon.log" "${flags[@]}" --spool-dir "$T/spool" --metrics-file "$S"
DPID=$SHIP_PID
uploads_are() { [ "$(value "$S" "wgtap_ship_uploads_total{$hl}" 2>/dev/null)" = "$1" ]; }
check "daemon: the file is written while it runs" wait_for 10 uploads_are 0
a=$(seg_name 1)
# made and measured beside the spool, then published: the daemon may ship
# and delete it the moment it appears
mkdir -p "$T/stage"
mkseg "$T/stage" "$a" 20
abytes=$(stat -c %s "$T/stage/$a")
mv "$T/stage/$a" "$T/spool/$a"
check "daemon: a later upload shows up in the file without a restart" \
	wait_for 20 uploads_are 1
eq "daemon: its bytes" "$(value "$S" "wgtap_ship_uploaded_bytes_total{$hl}")" "$abytes"
rm -f "$S"
ship_stop "$DPID"
eq "daemon: exit status after SIGTERM" "$?" 0
check "daemon: the file is written again at exit" test -s "$S"
check "daemon: promtool check metrics" promtool_ok "$S"

# --- no secret, no temporary file ---------------------------------------------
for f in "$M"/*.prom; do
	for s in "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "${AWS_ACCESS_KEY_ID#*:}"; do
		if grep -qF -- "$s" "$f"; then
			not_ok "$(basename "$f"): holds a key"
		fi
	done
done
ok "no key id or secret key in $(find "$M" -name '*.prom' | wc -l) metrics files"
eq "no temporary file next to the metrics files" \
	"$(find "$M" -name '.*' | wc -l)" 0
finish
