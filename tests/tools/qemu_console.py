#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The host end of a QEMU guest's live console (tests/lib/qemu.sh).

Listens on a Unix socket that QEMU connects to (-chardev socket,path=...),
and writes every line the guest sends to --out as

    HOST_NS<TAB>LINE

where HOST_NS is the host's CLOCK_REALTIME, in nanoseconds, when the line
arrived. A line arrives after the guest wrote it, so HOST_NS is an upper
bound of the moment the guest did what the line reports.

It can also cut the power: SIGKILL to the process at the other end of the
socket (QEMU itself, from SO_PEERCRED), when a rule fires:

  --arm REGEX [--arm-delay S]   rules start S seconds after the first line
                                matching REGEX (default: at once)
  --cut-after S                 S seconds after arming
  --cut-on REGEX [--cut-nth N] [--cut-delay S] [--count-from REGEX]
                                S seconds after the N-th line matching REGEX
                                that arrives once armed; with --count-from,
                                the N-th since the last line matching that
                                (and none before the first such line)
  --cut-fallback S              when armed but nothing fired S seconds later
  --disarm REGEX                --cut-on stops at the first line matching
                                REGEX (the timed rules stay)

The first rule to fire cuts. The cut is logged as

    HOST_NS<TAB>CUT <why>

with HOST_NS read just before the kill(2): the guest ran at most until
then. Lines that were already on their way are still read and logged after
it. The reader exits at the end of the stream; exit status 0, or 2 for a
usage error.
"""
import argparse
import os
import re
import select
import signal
import socket
import struct
import sys
import time


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--listen", required=True, help="Unix socket path")
    p.add_argument("--out", required=True, help="the time-stamped log")
    p.add_argument("--arm")
    p.add_argument("--arm-delay", type=float, default=0.0)
    p.add_argument("--cut-after", type=float)
    p.add_argument("--cut-on")
    p.add_argument("--cut-nth", type=int, default=1)
    p.add_argument("--cut-delay", type=float, default=0.0)
    p.add_argument("--cut-fallback", type=float)
    p.add_argument("--count-from")
    p.add_argument("--disarm")
    a = p.parse_args(argv)
    for name in ("arm", "cut_on", "count_from", "disarm"):
        v = getattr(a, name)
        if v is not None:
            try:
                setattr(a, name, re.compile(v))
            except re.error as e:
                p.error("bad regular expression %r: %s" % (v, e))
    if a.cut_nth < 1:
        p.error("--cut-nth must be at least 1")
    return a


class Reader:
    def __init__(self, a, out):
        self.a = a
        self.out = out
        self.pid = None
        self.cut_done = False
        self.any_rule = (a.cut_after is not None or a.cut_on is not None
                         or a.cut_fallback is not None)
        self.armed_at = None if a.arm else time.monotonic()
        self.arm_seen = False
        self.matches = 0
        self.counting = a.count_from is None
        self.disarmed = False
        self.deadline = None      # monotonic time of a pending cut
        self.deadline_why = None

    def log(self, ns, text):
        self.out.write("%d\t%s\n" % (ns, text))
        self.out.flush()

    def cut(self, why):
        if self.cut_done or self.pid is None:
            return
        self.cut_done = True
        ns = time.time_ns()
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            why += " (the process had already ended)"
        self.log(ns, "CUT " + why)

    def schedule(self, delay, why):
        at = time.monotonic() + delay
        if self.deadline is None or at < self.deadline:
            self.deadline, self.deadline_why = at, why

    def armed(self):
        return self.armed_at is not None and time.monotonic() >= self.armed_at

    def on_arm(self):
        a = self.a
        self.armed_at = time.monotonic() + a.arm_delay
        self.arm_rules()

    def arm_rules(self):
        a = self.a
        base = self.armed_at - time.monotonic()
        if a.cut_after is not None:
            self.schedule(base + a.cut_after,
                          "after %.3f s" % a.cut_after)
        if a.cut_fallback is not None:
            self.schedule(base + a.cut_fallback,
                          "fallback after %.3f s" % a.cut_fallback)

    def on_line(self, ns, text):
        self.log(ns, text)
        if self.cut_done or not self.any_rule:
            return
        a = self.a
        if a.arm and not self.arm_seen and a.arm.search(text):
            self.arm_seen = True
            self.on_arm()
        if a.disarm is not None and a.disarm.search(text):
            self.disarmed = True
        if (a.count_from is not None and self.armed()
                and a.count_from.search(text)):
            self.counting = True
            self.matches = 0
        if (a.cut_on is not None and self.armed() and self.counting
                and not self.disarmed and a.cut_on.search(text)):
            self.matches += 1
            if self.matches == a.cut_nth:
                why = "on line %d matching %r: %s" % (
                    self.matches, a.cut_on.pattern, text)
                if a.cut_delay <= 0:
                    self.cut(why)
                else:
                    self.schedule(a.cut_delay, why + " + %.3f s" % a.cut_delay)

    def tick(self):
        if (not self.cut_done and self.deadline is not None
                and time.monotonic() >= self.deadline):
            self.cut(self.deadline_why)

    def timeout(self):
        if self.cut_done or self.deadline is None:
            return 1.0
        return max(0.0, min(1.0, self.deadline - time.monotonic()))


def main(argv):
    a = parse_args(argv)
    try:
        os.unlink(a.listen)
    except FileNotFoundError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(a.listen)
    srv.listen(1)
    out = open(a.out, "a", encoding="utf-8", errors="replace")
    r = Reader(a, out)
    conn, _ = srv.accept()
    srv.close()
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                            struct.calcsize("3i"))
    r.pid = struct.unpack("3i", creds)[0]
    if not a.arm:
        r.arm_rules()
    buf = b""
    while True:
        rd, _, _ = select.select([conn], [], [], r.timeout())
        if rd:
            data = conn.recv(65536)
            ns = time.time_ns()
            if not data:
                break
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                text = line.rstrip(b"\r").decode("utf-8", "replace")
                r.on_line(ns, text)
                r.tick()
        r.tick()
    if buf:
        r.log(time.time_ns(), buf.rstrip(b"\r").decode("utf-8", "replace")
              + " [cut short]")
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
