#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A tiny DNS responder and client for the format v2 tests (stdlib only).

  dnsask.py serve ADDR [ADDR...]      answer UDP queries on ADDR port 53,
                                      forever: the question echoed, no
                                      records, and the RCODE chosen by the
                                      first label: "nx..." NXDOMAIN (3),
                                      "sf..." SERVFAIL (2), "rc12..." 12,
                                      anything else NOERROR
  dnsask.py ask ADDR TYPE LABEL...    one UDP query of type TYPE (a number)
                                      for the name made of the LABELs, each
                                      taken as it is (a dot, comma, quote or
                                      backslash inside is part of the
                                      label), waits for the answer; prints
                                      the answer's RCODE

Labels are bytes of the argument as UTF-8; "\\xHH" in a label stands for
the byte HH (for bytes a shell argument cannot hold).
"""
import re
import socket
import struct
import sys
import threading


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def label_bytes(text):
    raw = text.encode()
    return re.sub(rb"\\x([0-9a-fA-F]{2})",
                  lambda m: bytes([int(m.group(1), 16)]), raw)


def question_end(msg):
    """Offset just past the first question (uncompressed name)."""
    i = 12
    while msg[i] != 0:
        i += 1 + msg[i]
    return i + 1 + 4


def rcode_for(msg):
    first = msg[13:13 + msg[12]]
    if first.startswith(b"nx"):
        return 3
    if first.startswith(b"sf"):
        return 2
    if first.startswith(b"rc12"):
        return 12
    return 0


def serve_one(addr):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.bind((addr, 53))
    while True:
        msg, peer = s.recvfrom(65535)
        if len(msg) < 17:
            continue
        end = question_end(msg)
        flags = 0x8180 | rcode_for(msg)
        hdr = msg[:2] + struct.pack(">HHHHH", flags, 1, 0, 0, 0)
        s.sendto(hdr + msg[12:end], peer)


def serve(addrs):
    threads = [threading.Thread(target=serve_one, args=(a,), daemon=True)
               for a in addrs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def ask(addr, qtype, labels):
    q = struct.pack(">HHHHHH", 0x2b1d, 0x0100, 1, 0, 0, 0)
    for text in labels:
        b = label_bytes(text)
        q += bytes([len(b)]) + b
    q += b"\0" + struct.pack(">HH", qtype, 1)
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.settimeout(10)
    s.sendto(q, (addr, 53))
    r = s.recv(65535)
    print(r[3] & 0x0f)


def main(argv):
    if len(argv) >= 3 and argv[1] == "serve":
        serve(argv[2:])
    elif len(argv) >= 5 and argv[1] == "ask":
        ask(argv[2], int(argv[3]), argv[4:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
