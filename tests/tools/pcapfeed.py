#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""pcapfeed.py [options] STEP...: write a capture to stdout the way a slow
or stalled producer does (tcpdump -w - on a quiet link), for tests of
`wgtap-capture -r -`: a classic pcap (LINKTYPE_RAW, nanosecond
timestamps), one step at a time, keeping the pipe open in between.

Each STEP is a number of packets, optionally followed by "+": then the
first half of the next record is sent too, and the next step begins with
its second half. "0" as the first step sends nothing, not even the file
header. Between two steps, and after the last, the writer waits for
SIGUSR1 (after the last: then exits, or after --hold seconds).

Packet i (from 0) is UDP 198.51.100.10:(40000 + i) -> 203.0.113.5:5000
with 8 bytes of data, captured at 2026-01-01T00:00:00Z + i s + i ns, so
its row (SPEC section 1) is known here without running wgtap.

  --every SECS    seconds between two packets of a step (default 0)
  --rows FILE     each packet's row, appended once the packet is whole
  --log FILE      after each write: "PACKETS BYTES MONO", the whole
                  packets and the bytes sent so far and CLOCK_MONOTONIC
                  in seconds, so a test knows what the reader has been
                  offered and when
  --pidfile FILE  this process's pid
  --hold SECS     after the last step, wait this long for SIGUSR1
                  (default 120)
Python 3 standard library only.
"""

import argparse
import os
import signal
import struct
import sys
import time

T0 = 1767225600 * 10**9          # 2026-01-01T00:00:00Z in ns
SRC, DST = "198.51.100.10", "203.0.113.5"


def packet(i):
    """(record bytes, row text) of packet i."""
    data = bytes(range(8))
    udp = struct.pack(">HHHH", 40000 + i, 5000, 8 + len(data), 0) + data
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0x4000,
                     64, 17, 0, bytes(map(int, SRC.split("."))),
                     bytes(map(int, DST.split(".")))) + udp
    ts = T0 + i * 10**9 + i
    hdr = struct.pack("<IIII", ts // 10**9, ts % 10**9, len(ip), len(ip))
    row = "%s,%d,%s,5000,UDP,%d,%d,\n" % (SRC, 40000 + i, DST, len(ip), ts)
    return hdr + ip, row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("steps", nargs="+")
    ap.add_argument("--every", type=float, default=0.0)
    ap.add_argument("--rows")
    ap.add_argument("--log")
    ap.add_argument("--pidfile")
    ap.add_argument("--hold", type=float, default=120.0)
    a = ap.parse_args()

    # SIGUSR1 is taken with sigwait: blocked first, so none is missed.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    if a.pidfile:
        with open(a.pidfile + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(a.pidfile + ".tmp", a.pidfile)
    out = sys.stdout.buffer
    rows = open(a.rows, "a") if a.rows else None
    log = open(a.log, "a") if a.log else None
    sent = {"bytes": 0, "packets": 0, "header": False}

    def write(b):
        if not sent["header"]:
            b = struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 262144, 101) + b
            sent["header"] = True
        out.write(b)
        out.flush()
        sent["bytes"] += len(b)
        if log:
            log.write("%d %d %.6f\n" % (sent["packets"], sent["bytes"],
                                        time.monotonic()))
            log.flush()

    i = 0
    rest = b""          # the second half of a record cut by the last step
    for k, step in enumerate(a.steps):
        half = step.endswith("+")
        n = int(step.rstrip("+"))
        if rest:
            rec_row, rest = rest, b""
            sent["packets"] += 1
            if rows:
                rows.write(rec_row[1])
                rows.flush()
            write(rec_row[0])
        for j in range(n):
            if (j or k) and a.every:
                time.sleep(a.every)
            rec, row = packet(i)
            i += 1
            sent["packets"] += 1
            if rows:
                rows.write(row)
                rows.flush()
            write(rec)
        if half:
            rec, row = packet(i)
            i += 1
            cut = len(rec) // 2
            write(rec[:cut])
            rest = (rec[cut:], row)
        if k + 1 < len(a.steps):
            signal.sigwait({signal.SIGUSR1})
    signal.sigtimedwait({signal.SIGUSR1}, a.hold)


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        sys.exit(0)
