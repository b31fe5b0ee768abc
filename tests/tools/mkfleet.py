#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""mkfleet.py PCAP TRUTH SEED START N: a gateway's capture for the fleet
query test (stdlib only). PCAP gets N packets, LINKTYPE_LINUX_SLL2 with
nanosecond timestamps, from START (epoch seconds) at 1.5 s apart, so the
capture crosses hour boundaries when START is near one: DNS questions
from a client to the gateway's resolver ("in") and their answers ("out"),
with names drawn from a pool that holds a dot, a comma, a quote, a
backslash, a space and a byte 0xff inside labels; UDP and TCP data both
ways; ICMP. TRUTH gets one line per packet, written from what was
generated (not from any parser):

    EPOCH_HOUR ORIG_LEN DIRECTION QUERY_NAME_ID

QUERY_NAME_ID is the pool index of the name asked, for a DNS query; "-"
for anything else (answers included).
"""
import random
import struct
import sys

GW4, CL4 = bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])
POOL = [
    [b"www", b"example", b"test"],
    [b"a.b", b"example", b"test"],
    [b"x,y", b"example", b"test"],
    [b'q"t', b"example", b"test"],
    [b"back\\slash", b"test"],
    [b"sp ace", b"test"],
    [b"hi\xff", b"test"],
    [b"mail", b"example", b"org"],
    [b"A.B", b"example", b"test"],  # another name than a.b: case counts
    [b"_sip", b"_udp", b"example", b"test"],
]


def ip4(src, dst, proto, payload):
    hdr = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0,
                      64, proto, 0, src, dst)
    return hdr + payload


def udp(sport, dport, payload):
    return struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload


def dns(qid, response, labels, qtype):
    flags = 0x8180 if response else 0x0100
    m = struct.pack(">HHHHHH", qid, flags, 1, 0, 0, 0)
    for lab in labels:
        m += bytes([len(lab)]) + lab
    return m + b"\0" + struct.pack(">HH", qtype, 1)


def sll2(pkttype, packet):
    return struct.pack(">HHIHBB8s", 0x0800, 0, 5, 0xfffe, pkttype, 0,
                       b"\0" * 8) + packet


def main(argv):
    pcap, truth, seed, start, n = argv[1], argv[2], int(argv[3]), \
        int(argv[4]), int(argv[5])
    rnd = random.Random(seed)
    out = open(pcap, "wb")
    out.write(struct.pack("<IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 65535, 276))
    tr = open(truth, "w")
    t = start * 10**9
    i = 0
    while i < n:
        kind = rnd.random()
        if kind < 0.35 and i + 1 < n:
            name = rnd.randrange(len(POOL))
            qtype = rnd.choice([1, 28, 65])
            qid = rnd.randrange(65536)
            sport = rnd.randrange(1024, 65536)
            pkts = [(0, ip4(CL4, GW4, 17, udp(sport, 53,
                                               dns(qid, False, POOL[name], qtype))),
                     "in", str(name)),
                    (4, ip4(GW4, CL4, 17, udp(53, sport,
                                               dns(qid, True, POOL[name], qtype))),
                     "out", "-")]
        elif kind < 0.7:
            d = rnd.randrange(2)
            body = bytes(rnd.randrange(256) for _ in range(rnd.randrange(200)))
            src, dst = (CL4, GW4) if d == 0 else (GW4, CL4)
            pkts = [(0 if d == 0 else 4,
                     ip4(src, dst, 17, udp(4000 + d, 5000, body)),
                     "in" if d == 0 else "out", "-")]
        else:
            d = rnd.randrange(2)
            src, dst = (CL4, GW4) if d == 0 else (GW4, CL4)
            pkts = [(0 if d == 0 else 4, ip4(src, dst, 1, b"\x08\0\0\0" +
                                             b"p" * rnd.randrange(64)),
                     "in" if d == 0 else "out", "-")]
        for ptype, pkt, direction, qname in pkts:
            frame = sll2(ptype, pkt)
            out.write(struct.pack("<IIII", t // 10**9, t % 10**9, len(frame),
                                  len(frame)) + frame)
            tr.write("%d %d %s %s\n" % (t // (3600 * 10**9), len(frame),
                                        direction, qname))
            t += 1500 * 10**6
            i += 1
    out.close()
    tr.close()


if __name__ == "__main__":
    main(sys.argv)
