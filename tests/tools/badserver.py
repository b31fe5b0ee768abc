#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""badserver.py MODE PORTFILE: an HTTP server on 127.0.0.1 that misbehaves
in one way, for the shipper's bad-input tests. It writes the port it
listens on to PORTFILE, then serves connections until killed.

  garbage     answers every request with bytes that are not HTTP
  silent      accepts, reads, and never answers
  close       accepts and closes at once
  wrong-etag  answers 200 OK with an ETag that is not the body's MD5
"""
import socket
import sys
import threading


def read_request(c):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = c.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
        if name.strip().lower() == b"expect" and b"100" in value:
            c.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
    while len(body) < length:
        chunk = c.recv(65536)
        if not chunk:
            break
        body += chunk
    return head


def serve(mode, c):
    with c:
        if mode == "close":
            return
        while True:
            if read_request(c) is None:
                return
            if mode == "garbage":
                c.sendall(b"\x00\x01GARBAGE \xff\xfe not http at all\r\n\r\n")
                return
            if mode == "silent":
                threading.Event().wait()
            if mode == "wrong-etag":
                c.sendall(b"HTTP/1.1 200 OK\r\n"
                          b"ETag: \"0123456789abcdef0123456789abcdef\"\r\n"
                          b"Content-Length: 0\r\n\r\n")


def main():
    mode, portfile = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    import os
    os.rename(portfile + ".tmp", portfile)
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(mode, c), daemon=True).start()


if __name__ == "__main__":
    main()
