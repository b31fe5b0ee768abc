#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Freeze a shipper in the middle of an upload, for the kill (stdlib only).

  torture_kill.py PID SPOOL DELAY TIMEOUT

Polls /proc/PID/fd every millisecond until PID holds a final segment of
SPOOL open (wgtap-ship keeps it open from before hashing until after the
delete, i.e. for the whole upload), waits DELAY seconds, and sends SIGSTOP
(also when nothing was seen within TIMEOUT seconds). Prints one line:
"uploading=1 NAME" if the segment is open in the frozen process, else
"uploading=0". The caller then sends SIGKILL and reaps PID at once (a
stopped process does nothing in between; and a child that the shell reaps
by itself would be reported on its stderr).
"""
import os
import signal
import sys
import time


def open_segment(pid, spool):
    d = "/proc/%d/fd" % pid
    try:
        fds = os.listdir(d)
    except OSError:
        return None
    for fd in fds:
        try:
            target = os.readlink(os.path.join(d, fd))
        except OSError:
            continue
        if os.path.dirname(target) != spool:
            continue
        name = os.path.basename(target).split(" (deleted)")[0]
        if not name.startswith(".") and (name.endswith(".csv.gz") or
                                         name.endswith(".csv")):
            return name
    return None


def main(pid, spool, delay, timeout):
    spool = os.path.realpath(spool)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not open_segment(pid, spool):
        time.sleep(0.001)
    if delay > 0:
        time.sleep(delay)
    try:
        os.kill(pid, signal.SIGSTOP)
    except ProcessLookupError:
        pass
    name = open_segment(pid, spool)
    print("uploading=1 %s" % name if name else "uploading=0")


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(int(sys.argv[1]), sys.argv[2], float(sys.argv[3]),
         float(sys.argv[4]))
