#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Timed duties of `wgtap-capture -r -` happen on the clock, however slowly
# the packets come: tests/tools/pcapfeed.py writes a packet every 0.3 s
# into a pipe (as tcpdump -w - does on a quiet link).
#   - the open segment is synced every --sync-interval: sampled every
#     0.1 s while the packets come, its temporary file (gzip, read as far
#     as it decodes) always holds the rows of every packet sent more than
#     --sync-interval + 0.5 s before, and they are the right rows;
#   - SIGHUP closes the open segment within 0.5 s, while the pipe is quiet
#     and while packets trickle in;
#   - then SIGTERM: exit 0, every row once in completed segments.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/common.sh
. "$here/lib/common.sh"
[ -x "${WGTAP_CAPTURE:-}" ] || skip "WGTAP_CAPTURE not set"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
# shellcheck source=lib/pcapfeed.sh
. "$here/lib/pcapfeed.sh"
T=$(mktemp -d /tmp/wgtap-clock.XXXXXX)
trap 'feed_cleanup; rm -rf "$T"' EXIT

# start NAME SYNC FEEDARG...: the writer piped into the capture (gzip
# segments) with --sync-interval SYNC
start() {
	local name=$1 sync=$2
	shift 2
	feed_start "$name" "--sync-interval $sync" "$@"
}

# stop NAME ROWS: SIGTERM; a clean exit, and the completed segments hold
# exactly the ROWS rows the writer sent
stop() {
	kill -TERM "$cpid"
	feed_stopped "$1" SIGTERM
	eq "$1: rows the writer sent" "$(wc -l <"$T/$1.rows")" "$2"
	eq "$1: every row once, in order" "$(seg_rows "$T/$1")" "$(cat "$T/$1.rows")"
}

# synced NAME LAG PACKETS: sample the open segment every 0.1 s until the
# writer has sent PACKETS packets and LAG s more have passed; each time,
# the rows decodable from the temporary file must be a prefix of the rows
# sent, at least as many as the packets sent more than LAG s before.
synced() {
	python3 - "$T/$1" "$T/$1.log" "$T/$1.rows" "$2" "$3" <<'PY'
import glob, os, sys, time, zlib

spool, log, rows, lag, total = sys.argv[1:4] + [float(sys.argv[4]), int(sys.argv[5])]
header = b"src,src_port,dst,dst_port,l3_protocol,size,timestamp,dns"


def sent():
    """[(whole packets sent, CLOCK_MONOTONIC of the write)]"""
    try:
        with open(log) as f:
            return [(int(p), float(t)) for p, _, t in (l.split() for l in f)]
    except FileNotFoundError:
        return []


def decodable():
    """The complete lines the temporary file decodes to, as far as it does
    (a sync flush ends a decodable prefix; what follows may be partial)."""
    parts = glob.glob(os.path.join(spool, ".*.part"))
    if len(parts) != 1:
        return None if not parts else "many"
    with open(parts[0], "rb") as f:
        data = f.read()
    d, text = zlib.decompressobj(31), b""
    for i in range(0, len(data), 64):
        try:
            text += d.decompress(data[i:i + 64])
        except zlib.error:
            break
    return text.split(b"\n")[:-1]


fails, checked, most = 0, 0, 0
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    now = time.monotonic()
    s = sent()
    need = max([p for p, t in s if t < now - lag], default=0)
    lines = decodable()
    if lines == "many":
        print("FAIL - more than one temporary file")
        sys.exit(1)
    got = 0
    if lines:
        if lines[0] != header:
            print("FAIL - first line is not the header: %r" % lines[0])
            sys.exit(1)
        got = len(lines) - 1
        with open(rows, "rb") as f:
            want = f.read().split(b"\n")[:got]
        if lines[1:] != want:
            print("FAIL - decodable rows are not the rows sent: %r" % lines[1:])
            sys.exit(1)
    if need:
        checked += 1
        most = max(most, need)
    if got < need:
        fails += 1
        if fails <= 3:
            print("FAIL - at %.1f s: %d rows decodable, %d packets sent "
                  "more than %.1f s before" % (now - s[0][1], got, need, lag))
    if s and s[-1][0] >= total and now - s[-1][1] > lag:
        break
    time.sleep(0.1)
print("%s - %d samples with rows due (up to %d), %d behind" %
      ("ok  " if not fails and checked >= 20 else "FAIL", checked, most, fails))
sys.exit(0 if not fails and checked >= 20 else 1)
PY
}

# hup_within NAME SECS ROWS: SIGHUP; a completed segment with ROWS rows
# (ROWS+: at least ROWS) appears within SECS seconds
hup_within() {
	python3 - "$T/$1" "$cpid" "$2" "$3" <<'PY'
import glob, os, signal, sys, time

spool, pid, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
rows, at_least = int(sys.argv[4].rstrip("+")), sys.argv[4].endswith("+")
before = set(glob.glob(os.path.join(spool, "[!.]*.csv.gz")))
t0 = time.monotonic()
os.kill(pid, signal.SIGHUP)
while time.monotonic() - t0 < 10:
    new = set(glob.glob(os.path.join(spool, "[!.]*.csv.gz"))) - before
    if new:
        took = time.monotonic() - t0
        break
    time.sleep(0.01)
else:
    print("FAIL - no segment 10 s after SIGHUP")
    sys.exit(1)
import gzip
with gzip.open(new.pop(), "rb") as f:
    n = len(f.read().split(b"\n")) - 2
good = took <= limit and (n >= rows if at_least else n == rows)
print("%s - segment after %.3f s (limit %.1f s), %d rows (want %s)" %
      ("ok  " if good else "FAIL", took, limit, n, sys.argv[4]))
sys.exit(0 if good else 1)
PY
}

# --- the sync interval on a slow pipe ----------------------------------------
start slow 1 --every 0.3 40
if synced slow 1.5 40; then ok "slow: synced on the clock (1 s)"; else not_ok "slow: synced on the clock (1 s)"; fi
stop slow 40

start slow2 0.5 --every 0.3 25
if synced slow2 1.0 25; then ok "slow2: synced on the clock (0.5 s)"; else not_ok "slow2: synced on the clock (0.5 s)"; fi
stop slow2 25

# --- SIGHUP while the pipe is quiet, then while packets trickle in -----------
start hup 1 --every 0.3 4 20
feed_waiting hup $((FEED_HDR + 4 * FEED_REC))
if hup_within hup 0.5 4; then ok "hup: SIGHUP on the quiet pipe"; else not_ok "hup: SIGHUP on the quiet pipe"; fi
kill -USR1 "$wpid"
check "hup: packets trickle in again" wait_for 10 grep -q '^9 ' "$T/hup.log"
# the packets keep coming: at least the 5 sent since, maybe one more
if hup_within hup 0.5 5+; then ok "hup: SIGHUP while packets trickle in"; else not_ok "hup: SIGHUP while packets trickle in"; fi
check "hup: the writer is done" wait_for 10 grep -q '^24 ' "$T/hup.log"
feed_waiting hup $((FEED_HDR + 24 * FEED_REC))
stop hup 24
eq "hup: segments" "$(seg_names "$T/hup" | wc -l)" 3
finish
