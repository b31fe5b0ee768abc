#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""notifyrecv.py ADDR LOG PIDFILE: stand in for the service manager's
notification socket (sd_notify(3)). Binds a datagram socket to ADDR, a
path or an abstract name written "@name", writes its pid to PIDFILE once
bound, and appends each datagram it receives to LOG as one line (the
newlines inside a message shown as "|"), flushed at once. Runs until
killed. Python 3 standard library only.
"""
import os
import socket
import sys


def main():
    addr, log, pidfile = sys.argv[1:4]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
    with open(pidfile + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(pidfile + ".tmp", pidfile)
    with open(log, "a") as out:
        while True:
            msg = s.recv(65536).decode("utf-8", "replace")
            out.write(msg.replace("\n", "|") + "\n")
            out.flush()


if __name__ == "__main__":
    main()
