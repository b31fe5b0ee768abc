#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tcpfwd.py LISTEN_ADDR LISTEN_PORT TO_ADDR TO_PORT PIDFILE: accept TCP
connections on LISTEN_ADDR:LISTEN_PORT and relay each, both ways and byte
for byte, to TO_ADDR:TO_PORT, so that a server bound to 127.0.0.1 can be
reached from a container through an address of a veth pair. Writes its pid
to PIDFILE once listening; runs until killed. Standard library only.
"""
import os
import socket
import sys
import threading


def pump(src, dst):
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            dst.sendall(b)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def serve(conn, to):
    try:
        up = socket.create_connection(to)
    except OSError:
        conn.close()
        return
    a = threading.Thread(target=pump, args=(conn, up), daemon=True)
    b = threading.Thread(target=pump, args=(up, conn), daemon=True)
    a.start()
    b.start()
    a.join()
    b.join()
    conn.close()
    up.close()


def main():
    laddr, lport, taddr, tport, pidfile = sys.argv[1:6]
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((laddr, int(lport)))
    s.listen(64)
    with open(pidfile + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(pidfile + ".tmp", pidfile)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn, (taddr, int(tport))),
                         daemon=True).start()


if __name__ == "__main__":
    main()
