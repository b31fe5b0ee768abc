#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""mkfleet.py PCAP TRUTH DUMP SEED START N: a gateway's capture for the
fleet query test (stdlib only, deterministic for a SEED). The gateway
(192.0.2.1, 2001:db8::1) has three clients, each a WireGuard peer with a
32-byte public key derived from SEED:

    client 0  192.0.2.10/32
    client 1  198.51.100.20/32, 2001:db8:1::/64, 203.0.113.0/24
              (a network behind it)
    client 2  192.0.2.30/32, 203.0.113.77/32 (inside client 1's /24: the
              longest prefix wins)

and packets also come from 192.0.2.99, which no peer holds (half as often as
from a client). DUMP gets the
gateway's peer table as `wg show IFACE dump` prints it (tab-separated:
the interface's line, then one line per peer).

PCAP gets N packets, LINKTYPE_LINUX_SLL2 with nanosecond timestamps, from
START (epoch seconds) at 1.5 s apart, so the capture crosses hour
boundaries when START is near one; each exchange is between the gateway
and one remote address (IPv4, or IPv6 for client 1's /64): DNS questions
to the gateway's resolver ("in") and their answers ("out"), with names
drawn from a pool that holds a dot, a comma, a quote, a backslash, a space
and a byte 0xff inside labels; UDP data both ways; ICMP (IPv4 only).
TRUTH gets one line per packet, written from what was generated (not from
any parser):

    EPOCH_HOUR ORIG_LEN DIRECTION QUERY_NAME_ID PEER

QUERY_NAME_ID is the pool index of the name asked, for a DNS query; "-"
for anything else (answers included). PEER is the public key (base64) of
the client whose address the packet came from or went to, "-" for the
address no peer holds.
"""
import base64
import hashlib
import random
import struct
import sys

GW4, GW6 = bytes([192, 0, 2, 1]), bytes.fromhex("20010db8" + "0" * 23 + "1")


def v4(*b):
    return bytes(b)


def v6(hexaddr):
    return bytes.fromhex(hexaddr)


# (allowed-ips as the dump writes them, the remote addresses used, each
# as bytes: 4 for IPv4, 16 for IPv6)
CLIENTS = [
    ("192.0.2.10/32", [v4(192, 0, 2, 10)]),
    ("198.51.100.20/32,2001:db8:1::/64,203.0.113.0/24",
     [v4(198, 51, 100, 20), v4(203, 0, 113, 5), v4(203, 0, 113, 200),
      v6("20010db8000100000000000000000020"),
      v6("20010db800010000000000000000beef")]),
    ("192.0.2.30/32,203.0.113.77/32", [v4(192, 0, 2, 30), v4(203, 0, 113, 77)]),
]
NOBODY = v4(192, 0, 2, 99)
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


def key(seed, what):
    """A deterministic 32-byte key, standard base64 (44 characters)."""
    digest = hashlib.sha256(b"mkfleet %d %s" % (seed, what.encode()))
    return base64.b64encode(digest.digest()).decode()


def ip(src, dst, proto, payload):
    if len(src) == 16:
        return struct.pack(">IHBB16s16s", 6 << 28, len(payload), proto, 64,
                           src, dst) + payload
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
    proto = 0x86dd if packet[0] >> 4 == 6 else 0x0800
    return struct.pack(">HHIHBB8s", proto, 0, 5, 0xfffe, pkttype, 0,
                       b"\0" * 8) + packet


def write_dump(path, seed, keys):
    with open(path, "w") as f:
        f.write("%s\t%s\t51820\toff\n" % (key(seed, "gateway private"),
                                         key(seed, "gateway")))
        for i, (ips, _) in enumerate(CLIENTS):
            f.write("%s\t(none)\t198.51.100.%d:51820\t%s\t%d\t%d\t%d\toff\n" %
                    (keys[i], 101 + i, ips, 1767340800 + i, 1000 * i,
                     2000 * i))


def exchange(rnd, remote):
    """One exchange with remote: [(pkttype, packet, direction, qname)]."""
    gw = GW6 if len(remote) == 16 else GW4
    kind = rnd.random()
    if kind < 0.35:
        name = rnd.randrange(len(POOL))
        qtype = rnd.choice([1, 28, 65])
        qid = rnd.randrange(65536)
        sport = rnd.randrange(1024, 65536)
        return [(0, ip(remote, gw, 17, udp(sport, 53,
                                           dns(qid, False, POOL[name], qtype))),
                 "in", str(name)),
                (4, ip(gw, remote, 17, udp(53, sport,
                                           dns(qid, True, POOL[name], qtype))),
                 "out", "-")]
    d = rnd.randrange(2)
    src, dst = (remote, gw) if d == 0 else (gw, remote)
    if kind < 0.7 or len(remote) == 16:
        body = bytes(rnd.randrange(256) for _ in range(rnd.randrange(200)))
        pkt = ip(src, dst, 17, udp(4000 + d, 5000, body))
    else:
        pkt = ip(src, dst, 1, b"\x08\0\0\0" + b"p" * rnd.randrange(64))
    return [(0 if d == 0 else 4, pkt, "in" if d == 0 else "out", "-")]


def main(argv):
    pcap, truth, dump = argv[1], argv[2], argv[3]
    seed, start, n = int(argv[4]), int(argv[5]), int(argv[6])
    rnd = random.Random(seed)
    keys = [key(seed, "client %d" % i) for i in range(len(CLIENTS))]
    write_dump(dump, seed, keys)
    # each client's addresses, with the peer that holds them; the address
    # no peer holds, half as often as a client
    remotes = [(addrs, keys[i]) for i, (_, addrs) in enumerate(CLIENTS)]
    remotes = [r for r in remotes for _ in (0, 1)] + [([NOBODY], "-")]
    out = open(pcap, "wb")
    out.write(struct.pack("<IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 65535, 276))
    tr = open(truth, "w")
    t = start * 10**9
    i = 0
    while i < n:
        addrs, peer = rnd.choice(remotes)
        remote = rnd.choice(addrs)
        pkts = exchange(rnd, remote)[:n - i]
        for ptype, pkt, direction, qname in pkts:
            frame = sll2(ptype, pkt)
            out.write(struct.pack("<IIII", t // 10**9, t % 10**9, len(frame),
                                  len(frame)) + frame)
            tr.write("%d %d %s %s %s\n" % (t // (3600 * 10**9), len(frame),
                                           direction, qname, peer))
            t += 1500 * 10**6
            i += 1
    out.close()
    tr.close()


if __name__ == "__main__":
    main(sys.argv)
