#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The torture test: both programs on a real WireGuard tunnel (wireguard-go
# between two network namespaces) shipping to a real S3 server (Swift with
# s3api on 127.0.0.1), under numbered UDP datagrams plus DNS and TCP, while
# faults are injected at random moments from a seeded schedule:
#
#   wgtap-ship      SIGKILL and restart (>= 20; some while a segment is
#                   open for upload, some during a proxy outage); SIGABRT
#                   once, with core dumps allowed (a core must not hold the
#                   secret)
#   Swift proxy     SIGKILL and restart (>= 5); SIGSTOP for longer than the
#                   shipper's --timeout (>= 3)
#   wgtap-capture   SIGHUP; SIGTERM and restart (>= 3); SIGKILL and
#                   restart (>= 3)
#
# Then the traffic stops, the capture is stopped, the spool must drain, and
# the whole bucket is read back and compared with what was sent, with every
# segment the capture published (each one hard-linked into an archive as it
# appeared) and with the capture's own counters; see
# tests/tools/torture_check.py for the rules and RELIABILITY.md for a run.
# Finally every file the run wrote (logs, output, argv of each process,
# any core file) is searched for the shipper's secret key.
#
# Needs root, wireguard-go, dnsmasq, python3 and Swift; exits 77 with the
# reason on its last line when they are missing. Knobs (environment):
#   WGTAP_CAPTURE, WGTAP_SHIP  the binaries (default: the `make` ones)
#   TORTURE_SECONDS   planned seconds of traffic (default 240)
#   TORTURE_SEED      seed of the fault schedule (default random; printed,
#                     so that a failing run can be replayed)
#   TORTURE_PPS       numbered datagrams per second (default 500)
#   TORTURE_MARGIN    seconds beyond --sync-interval before a capture SIGKILL
#                     whose datagrams may be lost (default 0.5)
#   TORTURE_KEEP=1    keep the work directory (it is kept on failure)
set -uo pipefail
here=${TORTURE_HERE:-$(cd "$(dirname "$0")" && pwd)}
root=$(cd "$here/.." && pwd)

if [ -z "${TORTURE_INNER:-}" ]; then
	# The wrapper: runs the test with its output copied to a file, then
	# searches everything the run left for the secret.
	export WGTAP_CAPTURE=${WGTAP_CAPTURE:-$root/wgtap-capture/wgtap-capture}
	export WGTAP_SHIP=${WGTAP_SHIP:-$root/wgtap-ship/wgtap-ship}
	# The test runs in its work directory: make the paths absolute.
	[[ $WGTAP_CAPTURE == /* ]] || WGTAP_CAPTURE=$PWD/$WGTAP_CAPTURE
	[[ $WGTAP_SHIP == /* ]] || WGTAP_SHIP=$PWD/$WGTAP_SHIP
	export TORTURE_SEED=${TORTURE_SEED:-$(od -An -N3 -tu4 /dev/urandom | tr -d ' ')}
	W=$(mktemp -d "${TMPDIR:-/tmp}/wgtap-torture.XXXXXX") || exit 1
	chmod 0755 "$W"
	secret="T0rture-S3cret-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
	# bash reads a script as it runs it: run a copy, and copies of the
	# helpers, so that editing the tree during a run cannot change them
	# under our feet.
	mkdir "$W/tools" && cp "$0" "$W/torture.sh" &&
		cp "$here"/tools/torture_*.py "$here/tools/traffic.py" "$W/tools/" || exit 1
	# In the background, so that a SIGTERM, SIGINT or SIGHUP sent to this
	# process alone (timeout(1), say) is passed on, as a SIGTERM (a
	# background job ignores SIGINT), and the test still cleans up.
	TORTURE_INNER=1 TORTURE_WORK=$W TORTURE_SECRET=$secret TORTURE_HERE=$here \
		bash "$W/torture.sh" 2>&1 | tee "$W/torture.out" &
	tee_pid=$!
	# shellcheck disable=SC2317 # run by the traps
	pass_on() {
		[ -s "$W/inner.pid" ] && kill -TERM "$(cat "$W/inner.pid")" 2>/dev/null
	}
	trap pass_on TERM INT HUP
	while kill -0 "$tee_pid" 2>/dev/null; do wait "$tee_pid"; done
	trap - TERM INT HUP
	rc=$(cat "$W/inner.rc" 2>/dev/null) || rc=1
	if [ "$rc" = 77 ]; then
		rm -rf "$W"
		exit 77
	fi
	# Every file of the run but the Swift proxy's configuration, which is
	# where the server keeps the account's key.
	conf=$W/swift/etc/proxy-server.conf
	# The secret goes to grep through a pipe, not its argv.
	mapfile -t files < <(find "$W" -type f ! -path "$conf")
	hits=$(grep -rlaF -f <(printf '%s\n' "$secret") \
		--exclude=proxy-server.conf -- "$W" 2>/dev/null)
	bytes=$(printf '%s\0' "${files[@]}" | du -cb --files0-from=- 2>/dev/null |
		tail -n 1 | cut -f1)
	if [ -n "$hits" ]; then
		echo "FAIL the secret key appears in: $(echo "$hits" | tr '\n' ' ')"
		rc=1
	else
		echo "ok   the secret key is in none of the ${#files[@]} files the run wrote ($bytes bytes: output, logs, argv of every process, objects)"
	fi
	if [ "$rc" != 0 ] || [ "${TORTURE_KEEP:-0}" = 1 ]; then
		echo "work directory kept: $W"
	else
		rm -rf "$W"
	fi
	[ "$rc" = 0 ] && echo "torture: PASS" || echo "torture: FAIL"
	exit "$rc"
fi

. "$here/lib/common.sh"
. "$here/lib/wgtunnel.sh"
. "$here/lib/swift.sh"

W=$TORTURE_WORK
secret=$TORTURE_SECRET
unset TORTURE_SECRET TORTURE_INNER
echo "$$" >"$W/inner.pid"
trap 'echo "$?" >"$W/inner.rc"' EXIT # the wrapper's verdict needs it
cd "$W" || exit 1 # core files, if any, land here (core_pattern "core")

DUR=${TORTURE_SECONDS:-240}
SEED=$TORTURE_SEED
PPS=${TORTURE_PPS:-500}
MARGIN=${TORTURE_MARGIN:-0.5}
SYNC=1
TIMEOUT=3
BACKOFF=2
BUCKET=torture
HOST_LABEL=torture
ACCESS=torture:runner
SINK_PORT=9000
ECHO_PORT=7002
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)
tools=$W/tools # copies, see above

echo "torture: seed $SEED, $DUR s of traffic at $PPS datagrams/s"
echo "torture: replay with TORTURE_SEED=$SEED TORTURE_SECONDS=$DUR TORTURE_PPS=$PPS"
echo "torture: capture $WGTAP_CAPTURE"
echo "torture: ship    $WGTAP_SHIP"
[ -x "$WGTAP_CAPTURE" ] || skip "WGTAP_CAPTURE is not an executable: $WGTAP_CAPTURE"
[ -x "$WGTAP_SHIP" ] || skip "WGTAP_SHIP is not an executable: $WGTAP_SHIP"
[ -n "$py" ] || skip "python3 not found"
reason=$(wgt_available dnsmasq) || skip "$reason"
swift_available 2>/dev/null || skip "swift is not available: $SWIFT_UNAVAILABLE_REASON"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN

spool=$W/spool
mkdir -p "$spool" "$W/archive" "$W/argv" && chmod 0750 "$spool"
events=$W/events.log
: >"$events"
SHIP='' ARCH='' CAP=''
T0=

now_ns() { echo "${EPOCHREALTIME/./}000"; }
rel() { printf '%6.1f' "$(( ($(now_ns) - T0) / 1000000 ))e-3"; }
say() { echo "[$(rel)s] $*"; }
ev() { echo "$*" >>"$events"; }

cleanup() {
	local rc=$? pid
	echo "$rc" >"$W/inner.rc"
	trap '' PIPE # the output may be gone (the tee killed with us)
	for pid in $SHIP $ARCH; do
		kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	swift_stop
	if [ -n "${WGT_TMP:-}" ] && [ -d "$WGT_TMP" ]; then
		mkdir -p "$W/tunnel-logs"
		cp "$WGT_TMP"/*.log "$W/tunnel-logs/" 2>/dev/null
	fi
	wgt_down >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 143' TERM HUP

# --- S3: Swift, with an account whose key is this run's secret. tempauth
# keys live in the proxy's configuration; the proxy reads it when it starts.
swift_start "$W/swift" >"$W/swift-start.log" 2>&1
case $? in
0) ;;
77) skip "swift is not available: $SWIFT_UNAVAILABLE_REASON" ;;
*) cat "$W/swift-start.log"; echo "FAIL swift_start"; exit 1 ;;
esac
# Shell builtins only: the secret must not be in any process's argv.
conf=$SWIFT_DIR/etc/proxy-server.conf
while IFS= read -r line; do
	printf '%s\n' "$line"
	[ "$line" != "[filter:tempauth]" ] ||
		printf 'user_torture_runner = %s .admin\n' "$secret"
done <"$conf" >"$conf.new" && mv "$conf.new" "$conf"
if ! swift_kill_proxy || ! swift_start_proxy 2>>"$W/swift-start.log"; then
	echo "FAIL restart the proxy with the torture account"
	exit 1
fi
s3() {
	TORTURE_S3_ENDPOINT=$SWIFT_ENDPOINT TORTURE_S3_ACCESS_KEY=$ACCESS \
		TORTURE_S3_SECRET_KEY=$secret TORTURE_S3_REGION=$SWIFT_REGION \
		"$py" "$tools/torture_s3.py" "$@"
}
s3 mkbucket "$BUCKET" || { echo "FAIL create bucket"; exit 1; }
echo probe >"$W/probe"
s3 put "$BUCKET" probe "$W/probe" || { echo "FAIL put probe"; exit 1; }
echo "torture: Swift up at $SWIFT_ENDPOINT, bucket $BUCKET [${SECONDS}s]"

# --- the tunnel and the servers in B.
wgt_up || { echo "FAIL tunnel up"; exit 1; }
wgt_dns_server >/dev/null || { echo "FAIL dnsmasq"; exit 1; }
WGT_BG_LOG=$W/traffic.log wgt_bg "$WGT_NS_B" "$py" "$tools/torture_traffic.py" \
	sink "$WGT_B4" "$SINK_PORT" >/dev/null
SINK=$WGT_LAST_PID
WGT_BG_LOG=$W/traffic.log wgt_bg "$WGT_NS_B" "$py" "$tools/traffic.py" \
	tcp-echo "$WGT_B4" "$ECHO_PORT" >/dev/null
if ! wait_for 30 wgt_listening "$WGT_NS_B" tcp "$WGT_B4" "$ECHO_PORT" ||
	! wait_for 30 wgt_listening "$WGT_NS_B" udp "$WGT_B4" "$SINK_PORT"; then
	echo "FAIL servers in B"
	exit 1
fi
echo "torture: tunnel $WGT_IF_A <-> $WGT_IF_B up [${SECONDS}s]"

# --- the archive of every final segment.
"$py" "$tools/torture_archive.py" "$spool" "$W/archive" >"$W/archive.log" 2>&1 &
ARCH=$!
wait_for 30 grep -q ready "$W/archive.log" || { echo "FAIL archiver"; exit 1; }

# --- the two programs.
counters() { wgt_if_counters "$WGT_NS_A" "$WGT_IF_A"; } # "rx tx"
# 0 once PID runs one of our programs (exec done), or is gone.
execd() {
	case $(readlink "/proc/$1/exe" 2>/dev/null) in
	*/wgtap-*) return 0 ;;
	esac
	! kill -0 "$1" 2>/dev/null
}
save_argv() { # NAME PID
	wait_for 30 execd "$2"
	tr '\0' ' ' <"/proc/$2/cmdline" >"$W/argv/$1" 2>/dev/null
}
# cap_up_or_dead LINE: the capture logged "capturing on" after line LINE
# of the log, or has exited.
cap_up_or_dead() {
	tail -n +"$(($1 + 1))" "$W/capture.log" | grep "capturing on" >/dev/null ||
		! wgt_alive "$CAP"
}
cap_runs=0
cap_start() {
	local from
	cap_runs=$((cap_runs + 1))
	echo "=== torture: capture run $cap_runs" >>"$W/capture.log"
	from=$(wc -l <"$W/capture.log")
	WGT_BG_LOG=$W/capture.log wgt_bg "$WGT_NS_A" "$WGTAP_CAPTURE" \
		--iface "$WGT_IF_A" --spool-dir "$spool" -t 5s -n 5000 \
		--sync-interval "$SYNC" >/dev/null
	CAP=$WGT_LAST_PID
	# Its "capturing on" line comes once the capture is open.
	wait_for 60 cap_up_or_dead "$from"
	if ! wgt_alive "$CAP"; then
		wait "$CAP" 2>/dev/null
		ev "unexpected_exit what=capture-start rc=$?"
		say "FAIL the capture did not start:"
		tail -n 5 "$W/capture.log"
		return 1
	fi
	T_UP=$(now_ns)
	save_argv "capture-$cap_runs" "$CAP"
}
ship_runs=0
# The shipper may dump core (as far as the hard limit allows): a core file
# lands in $W (core_pattern "core" is relative to the working directory)
# and is searched for the secret with everything else.
ship_start() {
	ship_runs=$((ship_runs + 1))
	echo "=== torture: ship run $ship_runs" >>"$W/ship.log"
	(
		ulimit -c unlimited 2>/dev/null || ulimit -c "$(ulimit -H -c)"
		AWS_ACCESS_KEY_ID=$ACCESS AWS_SECRET_ACCESS_KEY=$secret \
			exec "$WGTAP_SHIP" --spool-dir "$spool" --storage-bucket "$BUCKET" \
			--storage-endpoint "$SWIFT_ENDPOINT" --storage-region "$SWIFT_REGION" \
			--host-label "$HOST_LABEL" --timeout "$TIMEOUT" \
			--backoff-max "$BACKOFF"
	) >>"$W/ship.log" 2>&1 &
	SHIP=$!
	save_argv "ship-$ship_runs" "$SHIP"
}
cores() { find "$W" -name 'core*' -type f | wc -l; }
# 0 if the shipper has a segment of the spool open: an upload is under way
# (it holds the file from before hashing until after the delete).
ship_uploading() {
	# shellcheck disable=SC2010 # readlink of every fd, one process
	ls -l "/proc/$SHIP/fd" 2>/dev/null | grep -- "$spool/[^./][^/]*\.csv" >/dev/null
}
# Restart whichever program died without being told to.
health() {
	local rc
	if [ -n "$CAP" ] && ! wgt_alive "$CAP"; then
		wait "$CAP" 2>/dev/null; rc=$?
		ev "unexpected_exit what=capture rc=$rc"
		say "FAIL the capture exited by itself (status $rc); restarting it"
		tail -n 5 "$W/capture.log"
		cap_start
	fi
	if [ -n "$SHIP" ] && ! kill -0 "$SHIP" 2>/dev/null; then
		wait "$SHIP" 2>/dev/null; rc=$?
		ev "unexpected_exit what=ship rc=$rc"
		say "FAIL wgtap-ship exited by itself (status $rc); restarting it"
		tail -n 5 "$W/ship.log"
		ship_start
	fi
}

PROXY=up
ship_kill() { # WHY (one word) [DELAY]: with a DELAY, in an upload
	local up=0 out
	if [ $# -gt 1 ]; then
		# Stopped at the chosen moment, then killed.
		out=$("$py" "$tools/torture_kill.py" "$SHIP" "$spool" "$2" 10)
		[[ $out == uploading=1* ]] && up=1
	else
		ship_uploading && up=1
	fi
	# Reaped at once, with the shell's stderr closed: a child that dies of
	# a signal is otherwise reported there ("Killed ...").
	{ kill -KILL "$SHIP"; wait "$SHIP"; } 2>/dev/null
	ev "ship_kill t=$(now_ns) uploading=$up proxy=$PROXY why=$1"
	ship_start
	say "wgtap-ship SIGKILL ($1$([ $up = 1 ] && echo ', a segment open')) and restart"
}
cap_stop() { # SIGNAL: signal the capture, wait for it, restart it
	local sig=$1 c0 c1 t t_dead rc
	c0=$(counters)
	t=$(now_ns)
	if [ "$sig" = KILL ]; then
		# Reaped at once (see ship_kill).
		{ kill -KILL "$CAP"; wait "$CAP"; } 2>/dev/null
		rc=$?
	else
		kill "-$sig" "$CAP"
		if ! wait_for 30 wgt_gone "$CAP"; then
			ev "unexpected_exit what=capture-ignored-$sig rc=none"
			say "FAIL the capture is still running 30 s after SIG$sig"
			kill -KILL "$CAP"
		fi
		wait "$CAP" 2>/dev/null
		rc=$?
	fi
	t_dead=$(now_ns)
	cap_start
	c1=$(counters)
	local kind=cap_term
	[ "$sig" = KILL ] && kind=cap_kill
	ev "$kind t=$t t_dead=$t_dead t_up=$T_UP rc=$rc rx0=${c0% *} tx0=${c0#* } rx1=${c1% *} tx1=${c1#* }"
	say "capture SIG$sig (exit status $rc) and restart: down $(( (T_UP - t) / 1000000 )) ms"
}

cap_start || exit 1
ship_start
wait_for 30 grep -q "watching" "$W/ship.log" || { echo "FAIL wgtap-ship start"; cat "$W/ship.log"; exit 1; }

# --- traffic.
T0=$(now_ns)
ev "start t=$T0"
WGT_BG_LOG=$W/traffic.log wgt_bg "$WGT_NS_A" "$py" "$tools/torture_traffic.py" \
	seq "$WGT_A4" "$WGT_B4" "$SINK_PORT" "$PPS" "$W/sent.log" >/dev/null
SEQ=$WGT_LAST_PID
WGT_BG_LOG=$W/traffic.log wgt_bg "$WGT_NS_A" "$py" "$tools/torture_traffic.py" \
	dns-loop "$WGT_B4" 0.2 gw.example.test fixed.example.test \
	peer-a.example.test nx.example.test >/dev/null
DNS=$WGT_LAST_PID
WGT_BG_LOG=$W/traffic.log wgt_bg "$WGT_NS_A" "$py" "$tools/torture_traffic.py" \
	tcp-loop "$WGT_B4" "$ECHO_PORT" 0.02 >/dev/null
TCP=$WGT_LAST_PID
say "traffic started: datagrams, DNS, TCP"

# --- the fault schedule: "SECONDS KIND PARAM", sorted by time.
"$py" - "$SEED" "$DUR" "$TIMEOUT" >"$W/schedule" <<'EOF'
import random, sys
seed, dur, timeout = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
r = random.Random(seed)
lo, hi = 6.0, max(dur - 10.0, 20.0)
ev = []
def at(kind, param):
    ev.append((r.uniform(lo, hi), kind, param))
for _ in range(8):
    at("ship_kill", "random")
for _ in range(14):
    at("ship_kill_upload", "%.3f" % r.uniform(0, 0.03))
for _ in range(6):
    at("proxy_kill", "%.2f,%d" % (r.uniform(0.2, 3.0), r.random() < 0.4))
for _ in range(4):
    at("proxy_stop", "%.2f,%d" % (timeout + r.uniform(1.5, 3.5),
                                  r.random() < 0.5))
for _ in range(6):
    at("cap_hup", "-")
for _ in range(4):
    at("cap_term", "-")
for _ in range(4):
    at("cap_kill", "-")
at("ship_abort", "-")
for t, k, p in sorted(ev):
    print("%.2f %s %s" % (t, k, p))
EOF
say "$(wc -l <"$W/schedule") faults scheduled"

while read -r -u 3 when kind param; do
	due=$(( T0 + ${when/./} * 10000000 ))
	while [ "$(now_ns)" -lt "$due" ]; do sleep 0.05; done
	health
	case $kind in
	ship_kill) ship_kill random ;;
	ship_kill_upload) ship_kill upload "$param" ;;
	proxy_kill)
		t=$(now_ns)
		swift_kill_proxy
		PROXY=killed
		say "Swift proxy SIGKILL; restart in ${param%,*} s"
		sleep "$(awk -v d="${param%,*}" 'BEGIN { print d / 2 }')"
		[ "${param#*,}" = 1 ] && ship_kill proxy-down
		sleep "$(awk -v d="${param%,*}" 'BEGIN { print d / 2 }')"
		if ! swift_start_proxy 2>>"$W/swift-start.log"; then
			ev "unexpected_exit what=swift-proxy-restart rc=1"
			say "FAIL the Swift proxy did not restart; again"
			swift_start_proxy 2>>"$W/swift-start.log" || exit 1
		fi
		PROXY=up
		ev "proxy_kill t=$t t_up=$(now_ns)"
		say "Swift proxy back"
		;;
	proxy_stop)
		d=${param%,*}
		t=$(now_ns)
		swift_stop_proxy
		PROXY=stopped
		say "Swift proxy SIGSTOP for $d s"
		half=$(awk -v d="$d" 'BEGIN { print d / 2 }')
		sleep "$half"
		[ "${param#*,}" = 1 ] && ship_kill proxy-stopped
		sleep "$half"
		swift_cont_proxy
		PROXY=up
		ev "proxy_stop t=$t t_cont=$(now_ns)"
		say "Swift proxy SIGCONT"
		;;
	cap_hup)
		kill -HUP "$CAP"
		ev "cap_hup t=$(now_ns)"
		say "capture SIGHUP"
		;;
	cap_term) cap_stop TERM ;;
	cap_kill) cap_stop KILL ;;
	ship_abort)
		# A crash that dumps core: the core must not hold the secret.
		{ kill -ABRT "$SHIP"; wait "$SHIP"; } 2>/dev/null
		rc=$?
		ev "ship_abort t=$(now_ns) rc=$rc cores=$(cores)"
		ship_start
		say "wgtap-ship SIGABRT (exit status $rc, $(cores) core files in the work directory) and restart"
		;;
	esac
done 3<"$W/schedule"
health

# Traffic for the planned time, and at least 5 s after the last fault.
end=$(( T0 + DUR * 1000000000 ))
min_end=$(( $(now_ns) + 5000000000 ))
[ "$end" -gt "$min_end" ] || end=$min_end
while [ "$(now_ns)" -lt "$end" ]; do sleep 0.2; done

# --- the end: traffic, then the capture, then the spool must drain.
for pid in $SEQ $DNS $TCP; do wgt_kill "$pid"; done
say "traffic stopped: $(grep -h '^seq:' "$W/traffic.log")"
# A last datagram (to a port nobody counts): once the capture has its row,
# in the open segment or in one it published (the archive keeps those
# after the shipper deletes them), it has every datagram sent before.
ip netns exec "$WGT_NS_A" "$py" "$tools/traffic.py" udp-mark "$WGT_B4" \
	"$((SINK_PORT + 1))" 100
marked() {
	{ spool_rows "$spool"; spool_rows "$W/archive"; } |
		grep "^$WGT_A4,[0-9]*,$WGT_B4,$((SINK_PORT + 1)),UDP,128," >/dev/null
}
wait_for 60 marked || say "FAIL the capture did not get the last datagram"
t=$(now_ns)
kill -TERM "$CAP"
wait_for 30 wgt_gone "$CAP"
wait "$CAP" 2>/dev/null
ev "fact capture_rc=$?"
CAP=
say "capture stopped"
t=$(now_ns)
spool_entries() { find "$spool" -mindepth 1 | wc -l; }
# (health's lines go to fd 4, the output: wait_for discards the condition's)
drained() { health >&4; [ "$(spool_entries)" = 0 ]; }
exec 4>&1
wait_for 120 drained
exec 4>&-
ev "fact drain_s=$(printf '%.1f' "$(( ($(now_ns) - t) / 1000000 ))e-3")"
left=$(spool_entries)
ev "fact spool_left=$left"
[ "$left" = 0 ] || { say "spool not empty:"; ls -la "$spool"; }
say "spool drained ($left entries left)"
stop_pid "$SHIP" 30
ev "fact ship_rc=$?"
SHIP=
kill -TERM "$ARCH"
wait "$ARCH" 2>/dev/null
ARCH=
wgt_kill "$SINK"
say "$(grep -h '^sink:\|^dns-loop:\|^tcp-loop:' "$W/traffic.log" | tr '\n' ' ')"
say "$(tail -n 1 "$W/archive.log")"

# --- read the bucket back (not the probe).
s3 fetch "$BUCKET" "$W/bucket" || { echo "FAIL read the bucket back"; exit 1; }
grep -v '^probe$' "$W/bucket/.keys" >"$W/bucket/.keys.new" &&
	mv "$W/bucket/.keys.new" "$W/bucket/.keys"
rm -f "$W/bucket/probe"

n=$(grep -l -e 'Sanitizer' -e 'runtime error:' "$W/capture.log" "$W/ship.log" | wc -l)
ev "fact sanitizer_reports=$n"
[ "$n" = 0 ] || grep -h -A 20 -e 'Sanitizer' -e 'runtime error:' "$W/capture.log" "$W/ship.log" | head -n 60
ev "fact cores=$(cores)"
echo "  core_pattern $(cat /proc/sys/kernel/core_pattern 2>/dev/null), core limit for wgtap-ship $(ulimit -H -c); core files: $(find "$W" -name 'core*' -type f -printf '%f (%s bytes) ')"
grep -h -e 'error' "$W/capture.log" | sort | uniq -c | sort -rn | head -n 5 | sed 's/^/  capture: /'
echo "  ship: $(grep -c 'uploaded ' "$W/ship.log") uploads logged, $(grep -c 'error: upload' "$W/ship.log") failed attempts logged"

"$py" "$tools/torture_check.py" --work "$W" --sync-interval "$SYNC" \
	--margin "$MARGIN" --src "$WGT_A4" --dst "$WGT_B4" --port "$SINK_PORT" \
	--host "$HOST_LABEL" --timeout "$TIMEOUT"
