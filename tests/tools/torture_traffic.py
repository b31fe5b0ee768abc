#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Traffic for tests/torture.sh (stdlib only). Every mode runs until SIGTERM
(or its time limit) and then prints one summary line.

  torture_traffic.py seq SRC DST PORT PPS LOG [SECONDS]
      numbered UDP datagrams from SRC to DST:PORT at PPS per second.
      Datagram i leaves from source port 20000 + i // 1000 with a UDP
      payload of 100 + i % 1000 bytes (its 8-byte big-endian number first),
      so (src_port, size) in a CSV row names it: i = (src_port - 20000) *
      1000 + size - HDR - 100, HDR = 28 for IPv4 (48 for IPv6). LOG gets one
      line "i t_ns" per datagram handed to the kernel, t_ns = CLOCK_REALTIME
      just before sendto(); a failed send is logged as "i t_ns E errno" and
      does not count as sent.
  torture_traffic.py sink ADDR PORT
      receive datagrams and drop them; the summary counts them.
  torture_traffic.py dns-loop SERVER INTERVAL NAME...
      A queries for NAME... in turn, one every INTERVAL s, every 4th over TCP.
  torture_traffic.py tcp-loop ADDR PORT INTERVAL
      round trips through an echo server (traffic.py tcp-echo), one every
      INTERVAL s, a new connection every 50; reconnects after errors.
"""
import signal
import socket
import struct
import sys
import time

stop = False


def on_term(_sig, _frame):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
signal.signal(signal.SIGINT, on_term)


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def seq(src, dst, port, pps, log, seconds):
    fam = family(dst)
    out = open(log, "w", buffering=1 << 20)
    start = time.monotonic()
    i = sent = failed = 0
    sock = None
    block = -1
    while not stop:
        if seconds and time.monotonic() - start >= seconds:
            break
        if i // 1000 != block:
            block = i // 1000
            if sock:
                sock.close()
            sock = socket.socket(fam, socket.SOCK_DGRAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((src, 20000 + block))
        payload = struct.pack(">Q", i) + bytes(100 + i % 1000 - 8)
        t = time.time_ns()
        try:
            sock.sendto(payload, (dst, port))
            out.write("%d %d\n" % (i, t))
            sent += 1
        except OSError as e:
            out.write("%d %d E %d\n" % (i, t, e.errno or 0))
            failed += 1
        i += 1
        if i % 10 == 0:
            ahead = i / pps - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)
    out.close()
    print("seq: sent=%d failed=%d last=%d seconds=%.1f" %
          (sent, failed, i - 1, time.monotonic() - start), flush=True)


def sink(addr, port):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((addr, port))
    s.settimeout(0.5)
    n = 0
    while not stop:
        try:
            s.recv(65535)
            n += 1
        except socket.timeout:
            pass
        except InterruptedError:
            pass
    print("sink: received=%d" % n, flush=True)


def dns_query(qid, name):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack(">HH", 1, 1)


def recv_exact(s, n):
    got = b""
    while len(got) < n:
        chunk = s.recv(n - len(got))
        if not chunk:
            raise OSError("connection closed")
        got += chunk
    return got


def dns_loop(server, interval, names):
    ok = bad = 0
    k = 0
    while not stop:
        name = names[k % len(names)]
        q = dns_query(k & 0xffff, name)
        try:
            if k % 4 == 3:
                with socket.create_connection((server, 53), timeout=2) as s:
                    s.sendall(struct.pack(">H", len(q)) + q)
                    (n,) = struct.unpack(">H", recv_exact(s, 2))
                    r = recv_exact(s, n)
            else:
                with socket.socket(family(server), socket.SOCK_DGRAM) as s:
                    s.settimeout(2)
                    s.sendto(q, (server, 53))
                    r = s.recv(65535)
            if r[:2] == q[:2]:
                ok += 1
            else:
                bad += 1
        except OSError:
            bad += 1
        k += 1
        time.sleep(interval)
    print("dns-loop: answered=%d failed=%d" % (ok, bad), flush=True)


def tcp_loop(addr, port, interval):
    ok = errors = conns = 0
    s = None
    k = 0
    while not stop:
        try:
            if s is None:
                s = socket.create_connection((addr, port), timeout=3)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                conns += 1
            msg = b"t" * (20 + k % 500)
            s.sendall(msg)
            recv_exact(s, len(msg))
            ok += 1
            k += 1
            if k % 50 == 0:
                s.close()
                s = None
        except OSError:
            errors += 1
            if s:
                s.close()
            s = None
            time.sleep(0.5)
        time.sleep(interval)
    if s:
        s.close()
    print("tcp-loop: round_trips=%d connections=%d errors=%d" %
          (ok, conns, errors), flush=True)


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, a = argv[1], argv[2:]
    if cmd == "seq":
        seq(a[0], a[1], int(a[2]), float(a[3]), a[4],
            float(a[5]) if len(a) > 5 else 0)
    elif cmd == "sink":
        sink(a[0], int(a[1]))
    elif cmd == "dns-loop":
        dns_loop(a[0], float(a[1]), a[2:])
    elif cmd == "tcp-loop":
        tcp_loop(a[0], int(a[1]), float(a[2]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
