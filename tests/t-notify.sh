#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The service manager's notifications (sd_notify(3)) from both daemons,
# received on real sockets by tests/tools/notifyrecv.py standing in for
# systemd: a path socket for wgtap-capture, an abstract one for wgtap-ship.
#   - wgtap-capture (-r - on a pipe that stays open): READY=1 is the first
#     message; WATCHDOG=1 comes again and again (WATCHDOG_USEC=1 s: every
#     half second while the loop turns); STATUS= gives the rows read, the drops and the open
#     segment by name; STOPPING=1 after SIGTERM is the last message.
#   - wgtap-ship (daemon, S3 unreachable): READY=1 once the spool has been
#     scanned, then STATUS= with the queue length and the last error.
#   - WATCHDOG_PID naming another process: no WATCHDOG=1 at all.
# Readiness: the messages themselves, never a sleep.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/common.sh
. "$here/lib/common.sh"
[ -x "${WGTAP_CAPTURE:-}" ] || skip "WGTAP_CAPTURE not set"
[ -x "${WGTAP_SHIP:-}" ] || skip "WGTAP_SHIP not set"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
# shellcheck source=lib/pcapfeed.sh
. "$here/lib/pcapfeed.sh"
T=$(mktemp -d /tmp/wgtap-notify.XXXXXX)
rpids=()
trap 'for p in "${rpids[@]}"; do kill "$p" 2>/dev/null; done; feed_cleanup; rm -rf "$T"' EXIT

# receiver NAME ADDR: a notification socket at ADDR logging to $T/NAME.msgs
receiver() {
	python3 "$here/tools/notifyrecv.py" "$2" "$T/$1.msgs" "$T/$1.rpid" &
	wait_for 10 test -s "$T/$1.rpid" || not_ok "$1: receiver did not start"
	rpids+=("$(cat "$T/$1.rpid")")
	: >>"$T/$1.msgs"
}

# count NAME ERE: messages matching ERE
count() {
	grep -Ec -- "$2" "$T/$1.msgs"
}

# at_least NAME ERE N: at least N messages match ERE
at_least() {
	[ "$(count "$1" "$2")" -ge "$3" ]
}

# --- wgtap-capture ----------------------------------------------------------
receiver cap "$T/notify.sock"
export NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=1000000
feed_start cap "--compress none" 5
unset NOTIFY_SOCKET WATCHDOG_USEC
feed_waiting cap $((FEED_HDR + 5 * FEED_REC))
seg=cap-20260101T000000.000000000Z-000000.csv
check "capture: status with 5 rows and the open segment" \
	log_has "$T/cap.msgs" "^STATUS=rows 5, drops 0 \\(kernel 0, spool full 0\\), segment $seg open with 5 rows$" 12
eq "capture: first message" "$(head -n 1 "$T/cap.msgs")" "READY=1"
check "capture: watchdog fed again and again" \
	wait_for 10 at_least cap '^WATCHDOG=1$' 3
kill -TERM "$cpid"
feed_stopped cap SIGTERM
eq "capture: last message" "$(tail -n 1 "$T/cap.msgs")" "STOPPING=1"
eq "capture: READY=1 sent once" "$(count cap '^READY=1$')" 1
eq "capture: unknown messages" \
	"$(grep -Evc '^(READY=1|STOPPING=1|WATCHDOG=1|STATUS=.*)$' "$T/cap.msgs")" 0
stop_pid "$wpid" 5 KILL
cp "$T/cap/$seg" "$T/"

# --- wgtap-ship ---------------------------------------------------------------
abs=@wgtap-t-notify-$$
receiver ship "$abs"
mkdir -p "$T/spool"
cp "$T/$seg" "$T/spool/$seg"
cp "$T/$seg" "$T/spool/${seg/000000.csv/000001.csv}"
NOTIFY_SOCKET=$abs WATCHDOG_USEC=1000000 \
AWS_ACCESS_KEY_ID=AKIDWGTAPTEST AWS_SECRET_ACCESS_KEY=notasecret \
	"$WGTAP_SHIP" --spool-dir "$T/spool" --storage-bucket wgtap-test \
	--storage-endpoint http://127.0.0.1:9 --storage-region us-east-1 \
	--storage-addressing path 2>"$T/ship.err" &
spid=$!
check "ship: READY=1 after the scan" log_has "$T/ship.msgs" '^READY=1$' 10
check "ship: status with the queue and the last error" \
	log_has "$T/ship.msgs" '^STATUS=2 segments queued; no upload yet; last error: .*127\.0\.0\.1.*' 12
check "ship: watchdog fed" wait_for 10 at_least ship '^WATCHDOG=1$' 2
stop_pid "$spid" 10
eq "ship: exit status after SIGTERM" "$?" 0
eq "ship: last message" "$(tail -n 1 "$T/ship.msgs")" "STOPPING=1"
eq "ship: segments left in the spool" "$(seg_names "$T/spool" | wc -l)" 2

# --- WATCHDOG_PID of another process: no ping --------------------------------
receiver other "$T/other.sock"
NOTIFY_SOCKET=$T/other.sock WATCHDOG_USEC=1000000 WATCHDOG_PID=1 \
AWS_ACCESS_KEY_ID=AKIDWGTAPTEST AWS_SECRET_ACCESS_KEY=notasecret \
	"$WGTAP_SHIP" --spool-dir "$T/spool" --storage-bucket wgtap-test \
	--storage-endpoint http://127.0.0.1:9 --storage-region us-east-1 \
	--storage-addressing path 2>"$T/other.err" &
opid=$!
# Two status lines are 5 s apart: turns enough for several pings by then.
log_has "$T/other.msgs" '^READY=1$' 10
wait_for 12 at_least other '^STATUS=' 2
stop_pid "$opid" 10
eq "ship, watchdog meant for another pid: pings" "$(count other '^WATCHDOG=1$')" 0
eq "ship, watchdog meant for another pid: status lines" \
	"$(count other '^STATUS=')" 2
finish
