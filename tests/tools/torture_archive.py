#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Keep every final segment that appears in a spool (stdlib only).

  torture_archive.py SPOOL ARCHIVE

Hard-links each final segment (a name not starting with "." and ending in
.csv.gz or .csv) into ARCHIVE, on the same filesystem, as soon as inotify
reports it (IN_MOVED_TO, IN_CREATE, IN_CLOSE_WRITE); a scan every 50 ms
backs that up. The link keeps the bytes after the shipper unlinks the spool
entry, so the test can compare each object with the segment that made it.
If a name shows up again with other bytes (another inode), the second one
is kept as NAME.dup.N and counted. Runs until SIGTERM, then prints one
summary line; it writes "ready" to stdout once it watches the spool.
"""
import ctypes
import ctypes.util
import os
import select
import signal
import struct
import sys

IN_CLOSE_WRITE = 0x008
IN_MOVED_TO = 0x080
IN_CREATE = 0x100
IN_Q_OVERFLOW = 0x4000
IN_NONBLOCK = 0o4000
IN_CLOEXEC = 0o2000000

stop = False


def on_term(_sig, _frame):
    global stop
    stop = True


def final(name):
    return not name.startswith(".") and (name.endswith(".csv.gz") or
                                         name.endswith(".csv"))


def main(spool, archive):
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    fd = libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
    if fd < 0:
        sys.exit("inotify_init1: %s" % os.strerror(ctypes.get_errno()))
    wd = libc.inotify_add_watch(fd, spool.encode(),
                                IN_MOVED_TO | IN_CREATE | IN_CLOSE_WRITE)
    if wd < 0:
        sys.exit("inotify_add_watch: %s" % os.strerror(ctypes.get_errno()))
    seen = {}          # name -> inode linked
    linked = dups = missed = 0

    def keep(name):
        nonlocal linked, dups, missed
        if not final(name):
            return
        src = os.path.join(spool, name)
        try:
            st = os.lstat(src)
        except FileNotFoundError:
            if name not in seen:
                missed += 1     # gone before we could link it
                print("missed %s" % name, flush=True)
            return
        if seen.get(name) == st.st_ino:
            return
        dst = os.path.join(archive, name)
        if name in seen:
            dups += 1
            dst += ".dup.%d" % dups
        try:
            os.link(src, dst, follow_symlinks=False)
        except FileNotFoundError:
            if name not in seen:
                missed += 1
                print("missed %s" % name, flush=True)
            return
        except FileExistsError:
            pass
        seen[name] = st.st_ino
        linked += 1

    for name in sorted(os.listdir(spool)):
        keep(name)
    print("ready", flush=True)
    buf = b""
    while not stop:
        try:
            r, _, _ = select.select([fd], [], [], 0.05)
        except InterruptedError:
            continue
        if r:
            try:
                buf += os.read(fd, 65536)
            except BlockingIOError:
                pass
            while len(buf) >= 16:
                _wd, mask, _cookie, ln = struct.unpack_from("iIII", buf)
                name = buf[16:16 + ln].split(b"\0", 1)[0].decode()
                buf = buf[16 + ln:]
                if mask & IN_Q_OVERFLOW:
                    continue
                keep(name)
        for name in os.listdir(spool):
            if final(name) and name not in seen:
                keep(name)
    for name in os.listdir(spool):
        keep(name)
    print("archive: linked=%d missed=%d renamed_again=%d" %
          (linked, missed, dups), flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
