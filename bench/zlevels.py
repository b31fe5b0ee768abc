#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""zlevels.py FILE.csv: compress the CSV as wgtap-capture does (gzip
wrapper, 256 KiB chunks, memLevel 8) at each zlib level and strategy, and
print ns per row and the compressed size. The median of 3 runs is taken."""
import statistics
import sys
import time
import zlib

data = open(sys.argv[1], "rb").read()
rows = data.count(b"\n") - 1
chunks = [data[i:i + 262144] for i in range(0, len(data), 262144)]
strategies = [("default", zlib.Z_DEFAULT_STRATEGY), ("filtered", zlib.Z_FILTERED),
              ("rle", zlib.Z_RLE), ("huffman", zlib.Z_HUFFMAN_ONLY)]
print("level strategy  ns/row  MB_out  ratio  (plain %.1f MB, %d rows)" % (len(data) / 1e6, rows))
for level in (1, 2, 3, 4, 6, 9):
    for name, strat in strategies:
        if level > 1 and strat in (zlib.Z_RLE, zlib.Z_HUFFMAN_ONLY):
            continue  # these ignore the level
        times = []
        for _ in range(3):
            c = zlib.compressobj(level, zlib.DEFLATED, 31, 8, strat)
            t = time.perf_counter()
            out = sum(len(c.compress(ch)) for ch in chunks) + len(c.flush())
            times.append(time.perf_counter() - t)
        t = statistics.median(times)
        print("%5d %-9s %6.0f %7.1f %6.2f" % (level, name, t / rows * 1e9, out / 1e6, len(data) / out))
