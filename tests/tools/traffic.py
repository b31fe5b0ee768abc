#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Deterministic test traffic for the live-capture tests (stdlib only).

  traffic.py udp-echo ADDR PORT              echo datagrams back, forever
  traffic.py udp-send ADDR PORT N [SEQ0]     send N numbered datagrams, wait
                                             for each echo; prints the payload
                                             sizes sent, one per line
  traffic.py udp-mark ADDR PORT SIZE         send one datagram of SIZE bytes
                                             (a marker a test waits for in a
                                             capture), no echo awaited
  traffic.py udp-flood ADDR PORT N [SEQ0] [PPS]
                                             send N numbered datagrams (8-byte
                                             big-endian sequence number
                                             first), no echo, at most PPS/s
  traffic.py tcp-echo ADDR PORT              echo one connection at a time
  traffic.py tcp-send ADDR PORT N            one connection, N round trips
  traffic.py dns ADDR NAME udp|tcp           one A query; prints the query and
                                             the response as hex, one per line

Waits for an answer are long (10 s): an answer that is only late must not
make a tool send again (one datagram more than the test counts) or give up
on a loaded machine.
"""
import socket
import struct
import sys
import time


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def udp_echo(addr, port):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.bind((addr, port))
    while True:
        data, peer = s.recvfrom(65535)
        s.sendto(data, peer)


def udp_send(addr, port, n, seq0=0):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.settimeout(10.0)
    s.connect((addr, port))
    for i in range(n):
        size = 16 + (i * 37) % 200
        payload = struct.pack(">Q", seq0 + i) + bytes(size - 8)
        for _ in range(5):
            s.send(payload)
            try:
                if s.recv(65535) == payload:
                    break
            except socket.timeout:
                continue
        else:
            sys.exit("no echo for datagram %d" % i)
        print(size)


def udp_mark(addr, port, size):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.sendto(b"m" * size, (addr, port))


def udp_flood(addr, port, n, seq0=0, pps=0):
    # Not connected: an ICMP port unreachable must not stop the flood.
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    start = time.monotonic()
    for i in range(n):
        try:
            s.sendto(struct.pack(">Q", seq0 + i) + bytes(24), (addr, port))
        except OSError:
            pass
        if pps and i % 100 == 99:
            ahead = (i + 1) / pps - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)


def tcp_echo(addr, port):
    s = socket.socket(family(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(4)
    while True:
        c, _ = s.accept()
        with c:
            while True:
                data = c.recv(65535)
                if not data:
                    break
                c.sendall(data)


def tcp_send(addr, port, n):
    s = socket.create_connection((addr, port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for i in range(n):
        msg = b"x" * (10 + i)
        s.sendall(msg)
        got = b""
        while len(got) < len(msg):
            got += s.recv(65535)
    s.close()


def dns(addr, name, proto):
    q = struct.pack(">HHHHHH", 0x5a17, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", 1, 1)
    if proto == "udp":
        s = socket.socket(family(addr), socket.SOCK_DGRAM)
        s.settimeout(10)
        s.sendto(q, (addr, 53))
        r = s.recv(65535)
    else:
        s = socket.create_connection((addr, 53), timeout=10)
        s.sendall(struct.pack(">H", len(q)) + q)
        hdr = b""
        while len(hdr) < 2:
            hdr += s.recv(2 - len(hdr))
        (rlen,) = struct.unpack(">H", hdr)
        r = b""
        while len(r) < rlen:
            r += s.recv(rlen - len(r))
        s.close()
    print(q.hex())
    print(r.hex())


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "udp-echo":
        udp_echo(args[0], int(args[1]))
    elif cmd == "udp-send":
        udp_send(args[0], int(args[1]), int(args[2]),
                 int(args[3]) if len(args) > 3 else 0)
    elif cmd == "udp-mark":
        udp_mark(args[0], int(args[1]), int(args[2]))
    elif cmd == "udp-flood":
        udp_flood(args[0], int(args[1]), int(args[2]),
                  int(args[3]) if len(args) > 3 else 0,
                  int(args[4]) if len(args) > 4 else 0)
    elif cmd == "tcp-echo":
        tcp_echo(args[0], int(args[1]))
    elif cmd == "tcp-send":
        tcp_send(args[0], int(args[1]), int(args[2]))
    elif cmd == "dns":
        dns(args[0], args[1], args[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
