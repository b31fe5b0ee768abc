#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""mkcraft.py [OUTDIR]: write the crafted fixture captures of tests/data/pcap/
and, next to each, NAME.csv: the rows wgtap-capture must produce from it
(header included), derived here from SPEC section 1, never by running wgtap.

Every packet below is built together with the row SPEC says it gives (or
None when it gives no row), so the expectation is stated where the packet
is: addresses as RFC 5952 text, ports, l3_protocol, and the DNS message
(the exact bytes the base64 must encode). size is the record's original
length and timestamp its capture time in nanoseconds.

Files (all timestamps of rows inside 2026-01-01 00:00-00:59 UTC, one segment
each):
  raw-ns.pcap       LINKTYPE_RAW 101, nanosecond pcap: the full case mix
  raw-us-le.pcap    RAW, microsecond pcap, little-endian
  raw-us-be.pcap    RAW, microsecond pcap, big-endian
  ng-ns.pcapng      RAW, pcapng, one interface, if_tsresol 9
  ng-us.pcapng      RAW, pcapng, one interface, default (microsecond) resolution
  null.pcap         NULL 0: AF_INET/AF_INET6 (10, 24, 28, 30) in both byte orders
  loop.pcap         LOOP 108: network byte order
  sll.pcap          LINUX_SLL 113 (ARP in it gives no row)
  sll2.pcap         LINUX_SLL2 276 (ARP in it gives no row)
  ipv4.pcap         IPV4 228 (an IPv6 packet in it gives no row)
  ipv6.pcap         IPV6 229 (an IPv4 packet in it gives no row)
  en10mb.pcap       EN10MB 1: refused by wgtap-capture (no .csv)
  cut-record.pcap   RAW, the last record cut in its data: the rows before it
  bad-time.pcap     RAW, microsecond pcap: records at tv_sec 0x80000000 and
                    0xFFFFFFFF (before 1970 once libpcap sign-extends them)
                    between good ones: the good rows only
  ng-bad-time.pcapng RAW, pcapng (microseconds): records at 2e10 s (past
                    2262) and at 9223372036 s (the first second whose
                    nanoseconds overflow int64) between good ones: the good
                    rows only

Only documentation addresses (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
2001:db8::/32, ::ffff:192.0.2.1, multicast 233.252.0.0/24) and documentation
MACs (00:00:5e:00:53:xx). NAME.csv goes with NAME.pcap or NAME.pcapng.
Python 3 standard library only; the output is deterministic.
"""

import base64
import ipaddress
import os
import socket
import struct
import sys

T0 = 1767225600 * 10**9          # 2026-01-01T00:00:00Z in ns

P_HOPOPTS, P_ICMP, P_IGMP, P_TCP, P_UDP = 0, 1, 2, 6, 17
P_DCCP, P_ROUTING, P_FRAGMENT, P_GRE, P_ESP, P_AH = 33, 43, 44, 47, 50, 51
P_ICMP6, P_NONXT, P_DSTOPTS, P_SCTP, P_UDPLITE = 58, 59, 60, 132, 136
NAMES = {P_TCP: "TCP", P_UDP: "UDP", P_ICMP: "ICMP", P_ICMP6: "ICMPv6",
         P_IGMP: "IGMP", P_GRE: "GRE", P_ESP: "ESP", P_AH: "AH",
         P_SCTP: "SCTP", P_UDPLITE: "UDPLite", P_DCCP: "DCCP"}


# --------------------------------------------------------------------------
# Rows


class Row:
    """What SPEC section 1 says a packet's row holds (size and timestamp
    come from the pcap record)."""

    def __init__(self, src, sport, dst, dport, proto, dns=None):
        self.src, self.sport, self.dst, self.dport = src, sport, dst, dport
        self.proto = proto if isinstance(proto, str) else NAMES.get(proto, str(proto))
        self.dns = dns

    def but(self, **kw):
        r = Row(self.src, self.sport, self.dst, self.dport, self.proto, self.dns)
        for k, v in kw.items():
            setattr(r, k, v)
        return r

    def text(self, size, ts_ns):
        dns = base64.b64encode(self.dns).decode() if self.dns is not None else ""
        port = lambda p: "" if p is None else str(p)
        return "%s,%s,%s,%s,%s,%d,%d,%s\n" % (self.src, port(self.sport), self.dst,
                                             port(self.dport), self.proto, size,
                                             ts_ns, dns)


HEADER = "src,src_port,dst,dst_port,l3_protocol,size,timestamp,dns\n"


# --------------------------------------------------------------------------
# Headers


def addr(text):
    """Bytes of an address given in its canonical text (checked, so that the
    text in the expected rows is what inet_ntop prints)."""
    if ":" in text:
        b = socket.inet_pton(socket.AF_INET6, text)
        if not text.startswith("::ffff:"):
            assert str(ipaddress.IPv6Address(b)) == text, text
        return b
    b = socket.inet_pton(socket.AF_INET, text)
    assert socket.inet_ntoa(b) == text
    return b


def csum(b):
    if len(b) & 1:
        b += b"\0"
    s = sum(struct.unpack(">%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def pseudo(src, dst, proto, length):
    s, d = addr(src), addr(dst)
    if len(s) == 4:
        return s + d + struct.pack(">BBH", 0, proto, length)
    return s + d + struct.pack(">IxxxB", length, proto)


def l4sum(src, dst, proto, seg, off, udp=False):
    """seg with its checksum (at off) filled in."""
    c = csum(pseudo(src, dst, proto, len(seg)) + seg)
    if udp and c == 0:
        c = 0xFFFF
    return seg[:off] + struct.pack(">H", c) + seg[off + 2:]


def ip4(src, dst, proto, payload, opts=b"", frag=0x4000, tot=None, ident=0x1c46, ttl=64):
    """IPv4 header (RFC 791 3.1); tot overrides the total length field."""
    assert len(opts) % 4 == 0
    ihl = 5 + len(opts) // 4
    if tot is None:
        tot = ihl * 4 + len(payload)
    h = struct.pack(">BBHHHBBH4s4s", 0x40 | ihl, 0, tot, ident, frag, ttl, proto, 0,
                    addr(src), addr(dst)) + opts
    h = h[:10] + struct.pack(">H", csum(h)) + h[12:]
    return h + payload


def ip6(src, dst, nxt, payload, plen=None):
    if plen is None:
        plen = len(payload)
    return struct.pack(">IHBB16s16s", 0x6000_0000 | 0x2F1A3, plen, nxt, 64,
                       addr(src), addr(dst)) + payload


def opts6(nxt, len8):
    """Hop-by-hop or destination options (RFC 8200 4.3, 4.6): a PadN."""
    total = (len8 + 1) * 8
    return struct.pack(">BBBB", nxt, len8, 1, total - 4) + bytes(total - 4)


def routing6(nxt):
    """Type 2 routing header (RFC 6275 6.4), one address, segments left 0."""
    return struct.pack(">BBBBI", nxt, 2, 2, 0, 0) + addr("2001:db8::99")


def frag6(nxt, off8, more, ident=0x2F1A):
    return struct.pack(">BBHI", nxt, 0, off8 << 3 | int(more), ident)


def udp(src, dst, sp, dp, payload, ulen=None, proto=P_UDP):
    if ulen is None:
        ulen = 8 + len(payload)
    seg = struct.pack(">HHHH", sp, dp, ulen, 0) + payload
    return l4sum(src, dst, proto, seg, 6, udp=True) if ulen == len(seg) else seg


def tcp(src, dst, sp, dp, payload=b"", flags=0x18, seq=1000, ack=2000, opts=b""):
    assert len(opts) % 4 == 0
    doff = 5 + len(opts) // 4
    seg = struct.pack(">HHIIBBHHH", sp, dp, seq, ack, doff << 4, flags, 64240, 0, 0) \
        + opts + payload
    return l4sum(src, dst, P_TCP, seg, 16)


def icmp(typ, code, rest, v6=None):
    """ICMP (v6=None) or ICMPv6 (v6=(src, dst)) message with checksum."""
    m = struct.pack(">BBH", typ, code, 0) + rest
    if v6 is None:
        c = csum(m)
    else:
        c = csum(pseudo(v6[0], v6[1], P_ICMP6, len(m)) + m)
    return m[:2] + struct.pack(">H", c) + m[4:]


# --------------------------------------------------------------------------
# DNS (RFC 1035 4.1)


def qname(name):
    return b"".join(bytes((len(l),)) + l.encode() for l in name.split(".")) + b"\0"


def plausible(m):
    """SPEC's rule: a 12-byte header whose counts fit (a question takes at
    least 5 bytes, a resource record 11). Used only to check the cases."""
    if len(m) < 12:
        return False
    qd, an, ns, ar = struct.unpack(">HHHH", m[4:12])
    return 12 + 5 * qd + 11 * (an + ns + ar) <= len(m)


def dns_query(ident, name, qtype=1, edns=False):
    m = struct.pack(">HHHHHH", ident, 0x0100, 1, 0, 0, 1 if edns else 0)
    m += qname(name) + struct.pack(">HH", qtype, 1)
    if edns:
        m += b"\0" + struct.pack(">HHIH", 41, 1232, 0, 0)
    return m


def dns_response(ident, name, answers, qtype=1):
    """answers: address texts (A or AAAA by their form)."""
    m = struct.pack(">HHHHHH", ident, 0x8180, 1, len(answers), 0, 0)
    m += qname(name) + struct.pack(">HH", qtype, 1)
    for a in answers:
        rd = addr(a)
        m += struct.pack(">HHHIH", 0xC00C, 28 if len(rd) == 16 else 1, 1, 300, len(rd)) + rd
    return m


# --------------------------------------------------------------------------
# Packets with their rows. Each returns (ip_bytes, Row or None).


def v6(a):
    return ":" in a


def pkt_ip(src, dst, proto, l4, **kw):
    if v6(src):
        return ip6(src, dst, proto, l4, **kw)
    return ip4(src, dst, proto, l4, **kw)


def udp_pkt(src, dst, sp, dp, payload, dns=None, **kw):
    return (pkt_ip(src, dst, P_UDP, udp(src, dst, sp, dp, payload), **kw),
            Row(src, sp, dst, dp, P_UDP, dns))


def tcp_pkt(src, dst, sp, dp, payload=b"", dns=None, **kw):
    return (pkt_ip(src, dst, P_TCP, tcp(src, dst, sp, dp, payload, **kw)),
            Row(src, sp, dst, dp, P_TCP, dns))


def dns_udp(src, dst, sp, dp, msg):
    return udp_pkt(src, dst, sp, dp, msg, dns=msg)


def dns_tcp(src, dst, sp, dp, *msgs):
    """Length-prefixed messages (RFC 1035 4.2.2); the row has the first."""
    payload = b"".join(struct.pack(">H", len(m)) + m for m in msgs)
    return tcp_pkt(src, dst, sp, dp, payload, dns=msgs[0])


C4, S4, R4 = "198.51.100.10", "203.0.113.5", "192.0.2.53"
C6, S6, R6 = "2001:db8:100::10", "2001:db8:ff00::5", "2001:db8::53"

Q_A = dns_query(0x1a2b, "www.example.com")
R_A = dns_response(0x1a2b, "www.example.com", ["203.0.113.80", "203.0.113.81"])
Q_AAAA = dns_query(0x3c4d, "api.example.net", 28, edns=True)
R_AAAA = dns_response(0x3c4d, "api.example.net", ["2001:db8:ff00::80"], 28)


def basic():
    """A few ordinary packets every link type carries."""
    return [
        tcp_pkt(C4, S4, 40001, 443, flags=0x02, seq=0x11111111, ack=0),
        udp_pkt(C4, S4, 40002, 51820, bytes(range(32))),
        dns_udp(C4, R4, 40003, 53, Q_A),
        dns_udp(R4, C4, 53, 40003, R_A),
        tcp_pkt(C6, S6, 40004, 443, b"\x17\x03\x03\x00\x10" + bytes(16)),
        dns_udp(C6, R6, 40005, 53, Q_AAAA),
        (ip4(C4, S4, P_ICMP, icmp(8, 0, struct.pack(">HH", 7, 1) + bytes(56)), frag=0),
         Row(C4, None, S4, None, P_ICMP)),
        (ip6(C6, S6, P_ICMP6, icmp(128, 0, struct.pack(">HH", 7, 1) + bytes(56), (C6, S6))),
         Row(C6, None, S6, None, P_ICMP6)),
    ]


def mix():
    """The full case mix of SPEC section 1 (RAW files)."""
    out = basic()
    add = out.append

    # DNS: the response side, TCP, pipelined, both ports 53, IPv6 response
    add(dns_udp(R6, C6, 53, 40005, R_AAAA))
    add(dns_udp(R4, R4.replace(".53", ".54"), 53, 53, Q_A))
    add(dns_tcp(C4, R4, 40010, 53, Q_A))
    add(dns_tcp(R4, C4, 53, 40010, R_A, R_A))           # pipelined: the first
    add(dns_tcp(R6, C6, 53, 40011, R_AAAA))
    # TCP DNS with a length prefix below 12: no DNS
    p, r = tcp_pkt(C4, R4, 40012, 53, struct.pack(">H", 11) + Q_A)
    add((p, r))
    # garbage on 53: counts that cannot fit
    junk = bytes((0xA5 ^ (i * 37)) & 0xFF for i in range(40))
    assert not plausible(junk)
    add(udp_pkt(C4, R4, 40013, 53, junk))
    add(udp_pkt(C4, R4, 40014, 53, b"\x01\x02\x03\x04\x05"))   # < 12 bytes
    # 12 zero bytes on 53: a plausible (empty) DNS header
    add(udp_pkt(R4, C4, 53, 40015, bytes(12), dns=bytes(12)))
    # plausible by the counts but not valid DNS (a label of length 255)
    bogus = struct.pack(">HHHHHH", 0x5a5a, 0x8180, 1, 0, 0, 0) + b"\xff" * 5
    assert plausible(bogus)
    add(udp_pkt(R4, C4, 53, 40021, bogus, dns=bogus))
    # a TCP message that continues in the next segment: the captured part
    add(tcp_pkt(R4, C4, 53, 40022, struct.pack(">H", 300) + R_A, dns=R_A))
    # DNS on other ports: not DNS
    add(udp_pkt(C4, R4, 40016, 5353, Q_A))
    add(udp_pkt(C4, R4, 40017, 853, Q_A))
    # UDP length shorter than the payload: trailing bytes are not DNS
    seg = udp(C4, R4, 40018, 53, Q_A + b"\0\0\0\0", ulen=8 + len(Q_A))
    add((ip4(C4, R4, P_UDP, seg), Row(C4, 40018, R4, 53, P_UDP, Q_A)))
    # IPv4 total length shorter than captured: trailer not parsed
    pkt = ip4(R4, C4, P_UDP, udp(R4, C4, 53, 40019, R_A)) + bytes(6)
    add((pkt, Row(R4, 53, C4, 40019, P_UDP, R_A)))
    # IPv4 total length 0 (TSO): the captured bytes are the packet
    pkt = ip4(C4, R4, P_UDP, udp(C4, R4, 40020, 53, Q_A), tot=0)
    add((pkt, Row(C4, 40020, R4, 53, P_UDP, Q_A)))

    # every protocol name, v4 and v6, and unnamed numbers
    sctp = struct.pack(">HHII", 2905, 2905, 0, 0) + struct.pack(">BBH", 1, 0, 20) + bytes(16)
    dccp = struct.pack(">HHBBHBBHI", 40030, 5004, 4, 0, 0, 0x02 << 1, 0, 0, 1) + bytes(4)
    for src, dst in ((C4, S4), (C6, S6)):
        add((pkt_ip(src, dst, P_SCTP, sctp), Row(src, 2905, dst, 2905, P_SCTP)))
        add((pkt_ip(src, dst, P_UDPLITE, udp(src, dst, 40031, 5004, bytes(20), ulen=8,
                                               proto=P_UDPLITE)),
             Row(src, 40031, dst, 5004, P_UDPLITE)))
        add((pkt_ip(src, dst, P_DCCP, dccp), Row(src, 40030, dst, 5004, P_DCCP)))
        add((pkt_ip(src, dst, P_GRE, struct.pack(">HH", 0, 0x0800)
                    + ip4("192.0.2.1", "192.0.2.2", P_ICMP, icmp(8, 0, bytes(4)), frag=0)),
             Row(src, None, dst, None, P_GRE)))
        add((pkt_ip(src, dst, P_ESP, struct.pack(">II", 0x1001, 1) + bytes(48)),
             Row(src, None, dst, None, P_ESP)))
        # AH (RFC 4302) then TCP: not walked, the row says AH
        ah = struct.pack(">BBHII", P_TCP, 4, 0, 0x1002, 1) + bytes(12)
        add((pkt_ip(src, dst, P_AH, ah + tcp(src, dst, 179, 40032)),
             Row(src, None, dst, None, P_AH)))
        add((pkt_ip(src, dst, 253, b"experiment"), Row(src, None, dst, None, "253")))
    igmp = struct.pack(">BBH4s", 0x16, 0, 0, addr("233.252.0.1"))
    igmp = igmp[:2] + struct.pack(">H", csum(igmp)) + igmp[4:]
    add((ip4(C4, "233.252.0.1", P_IGMP, igmp, opts=b"\x94\x04\x00\x00", frag=0, ttl=1),
         Row(C4, None, "233.252.0.1", None, P_IGMP)))
    add((ip6(C6, S6, P_NONXT, b""), Row(C6, None, S6, None, "59")))
    add((ip6(C6, S6, P_ICMP, icmp(8, 0, bytes(4))), Row(C6, None, S6, None, P_ICMP)))

    # ICMP errors quoting an IP/UDP header: ICMP, no ports
    inner = ip4(S4, C4, P_UDP, udp(S4, C4, 33434, 40040, bytes(12)))
    add((ip4(C4, S4, P_ICMP, icmp(3, 3, bytes(4) + inner), frag=0),
         Row(C4, None, S4, None, P_ICMP)))
    inner = ip6(S6, C6, P_UDP, udp(S6, C6, 33434, 40041, bytes(12)))
    add((ip6(C6, S6, P_ICMP6, icmp(1, 4, bytes(4) + inner, (C6, S6))),
         Row(C6, None, S6, None, P_ICMP6)))

    # IPv4 options (IHL 6 router alert, IHL 15 NOPs): ports after them
    add(udp_pkt(C4, S4, 40050, 4789, bytes(16), opts=b"\x94\x04\x00\x00"))
    add(udp_pkt(C4, S4, 40051, 4789, bytes(16), opts=b"\x01" * 39 + b"\x00"))
    add(tcp_pkt(C4, R4, 40052, 53, struct.pack(">H", len(Q_A)) + Q_A, dns=Q_A,
                opts=b"\x01\x01\x08\x0a" + struct.pack(">II", 1, 2)))

    # IPv4 fragments of a UDP datagram (ports 4500): first has ports
    data = udp(C4, S4, 4500, 4500, bytes(range(256)) * 2)
    add((ip4(C4, S4, P_UDP, data[:256], frag=0x2000, ident=0x5151),
         Row(C4, 4500, S4, 4500, P_UDP)))
    add((ip4(C4, S4, P_UDP, data[256:], frag=32, ident=0x5151),
         Row(C4, None, S4, None, P_UDP)))
    # a later fragment whose bytes look like UDP/53 + DNS: no ports, no DNS
    add((ip4(R4, C4, P_UDP, udp(R4, C4, 53, 40060, R_A), frag=0x2000 | 100, ident=0x5252),
         Row(R4, None, C4, None, P_UDP)))

    # IPv6 extension headers: hop-by-hop, dstopts, routing, fragment, then UDP DNS
    q = udp(C6, R6, 40070, 53, Q_A)
    chain = (opts6(P_DSTOPTS, 0) + opts6(P_ROUTING, 1) + routing6(P_FRAGMENT)
             + frag6(P_UDP, 0, False) + q)
    add((ip6(C6, R6, P_HOPOPTS, chain), Row(C6, 40070, R6, 53, P_UDP, Q_A)))
    add((ip6(C6, S6, P_HOPOPTS, opts6(P_TCP, 0) + tcp(C6, S6, 40071, 80)),
         Row(C6, 40071, S6, 80, P_TCP)))
    add((ip6(C6, S6, P_DSTOPTS, opts6(P_UDP, 2) + udp(C6, S6, 40072, 443, bytes(8))),
         Row(C6, 40072, S6, 443, P_UDP)))
    # IPv6 fragments: first (ports) and later (none)
    data = udp(C6, S6, 4500, 4501, bytes(range(200)) * 2)
    add((ip6(C6, S6, P_FRAGMENT, frag6(P_UDP, 0, True, 0x77) + data[:200]),
         Row(C6, 4500, S6, 4501, P_UDP)))
    add((ip6(C6, S6, P_FRAGMENT, frag6(P_UDP, 25, False, 0x77) + data[200:]),
         Row(C6, None, S6, None, P_UDP)))

    # RFC 5952 text
    add(udp_pkt("2001:db8::1:0:0:1", "2001:db8:0:1:1:1:1:1", 40080, 40081, b"x"))
    add(udp_pkt("::ffff:192.0.2.1", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff", 40082,
                40083, b"y"))
    add(udp_pkt("2001:db8::", "2001:db8:0:1::1", 40084, 40085, b"z"))

    # no rows: bad version, header length < 20, total length < header,
    # IPv4 cut before the addresses, IPv6 cut before the addresses
    good = ip4(C4, S4, P_UDP, udp(C4, S4, 40090, 40091, bytes(8)))
    add((b"\x50" + good[1:], None))
    add((b"\x00" + good[1:], None))
    add((b"\x44" + good[1:], None))
    add((good[:2] + struct.pack(">H", 19) + good[4:], None))
    add((good[:19], None))
    add((ip6(C6, S6, P_UDP, b"")[:39], None))
    add((b"", None))
    return out


def cuts():
    """(ip_bytes, caplen, Row or None) records with caplen < len."""
    big = tcp_pkt(C4, S4, 40100, 443, bytes(1400))
    u6 = udp_pkt(C6, S6, 40101, 443, bytes(1200))
    resp = dns_udp(R4, C4, 53, 40102, R_A)
    tresp = dns_tcp(R6, C6, 53, 40103, R_AAAA)
    chain = ip6(C6, R6, P_HOPOPTS, opts6(P_DSTOPTS, 1) + opts6(P_UDP, 0)
                + udp(C6, R6, 40104, 53, Q_A))
    need_a = 12 + 5 + 11 * 2          # the counts of R_A: 1 question, 2 answers
    return [
        (big[0], 64, big[1]),                                 # snaplen 64
        (big[0], 22, big[1].but(sport=None, dport=None)),     # ports cut
        (big[0], 24, big[1]),                                 # ports just there
        (u6[0], 43, u6[1].but(sport=None, dport=None)),
        (u6[0], 44, u6[1]),
        # DNS cut by the snaplen: counts not fitting => none; fitting => as captured
        (resp[0], 28 + need_a - 1, resp[1].but(dns=None)),
        (resp[0], 28 + need_a + 3, resp[1].but(dns=R_A[:need_a + 3])),
        (tresp[0], 40 + 20 + 2 + 20, tresp[1].but(dns=None)),
        # an extension header cut: its own number, no ports
        (chain, 40 + 10, Row(C6, None, R6, None, "0")),
        (chain, 40 + 8 + 12, Row(C6, None, R6, None, "60")),
        (chain, 40 + 8 + 16 + 8 + 4, Row(C6, 40104, R6, 53, P_UDP)),
        (big[0], 19, None),
        (big[0], 0, None),
    ]


# --------------------------------------------------------------------------
# Records and writers


class Rec:
    def __init__(self, data, caplen, origlen, ts, row):
        self.data, self.caplen, self.origlen, self.ts, self.row = \
            data[:caplen], caplen, origlen, ts, row


def records(items, base, us=False, link=lambda ip: b""):
    """items: (ip, Row) or (ip, caplen, Row); caplen counts IP bytes."""
    out = []
    for i, it in enumerate(items):
        if len(it) == 2:
            ip, row = it
            cap = len(ip)
        else:
            ip, cap, row = it
        hdr = link(ip)
        ts = base + i * 1_000_003_517 + 123_456_789 * (i % 3)
        if us:
            ts -= ts % 1000
        out.append(Rec(hdr + ip, len(hdr) + cap, len(hdr) + len(ip), ts, row))
    return out


def pcap(linktype, recs, nano, endian="<", snaplen=262144):
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = [struct.pack(endian + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)]
    for r in recs:
        sec, frac = divmod(r.ts, 10**9)
        if not nano:
            frac //= 1000
        out.append(struct.pack(endian + "IIII", sec, frac, r.caplen, r.origlen))
        out.append(r.data)
    return b"".join(out)


def pcapng(linktype, recs, tsresol=None):
    def block(btype, body):
        body += bytes(-len(body) % 4)
        n = 12 + len(body)
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)

    shb = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    opts = b""
    if tsresol is not None:
        opts = struct.pack("<HHB3x", 9, 1, tsresol) + struct.pack("<HH", 0, 0)
    idb = block(1, struct.pack("<HHI", linktype, 0, 262144) + opts)
    out = [shb, idb]
    for r in recs:
        units = r.ts if tsresol == 9 else r.ts // 1000
        out.append(block(6, struct.pack("<IIIII", 0, units >> 32, units & 0xFFFFFFFF,
                                        r.caplen, r.origlen) + r.data))
    return b"".join(out)


def csv(recs):
    return HEADER + "".join(r.row.text(r.origlen, r.ts) for r in recs if r.row)


# link headers
def sll(proto):
    return lambda ip: struct.pack(">HHH8sH", 0, 0xFFFE, 0, bytes(8), proto(ip))


def sll2(proto):
    return lambda ip: struct.pack(">HHIHBB8s", proto(ip), 0, 7, 0xFFFE, 0, 0, bytes(8))


def ethertype(ip):
    return 0x86DD if ip[:1] and ip[0] >> 4 == 6 else 0x0800


ARP = struct.pack(">HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, b"\x00\x00\x5e\x00\x53\x01",
                  addr("192.0.2.1"), bytes(6), addr("192.0.2.2"))


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "data", "pcap")
    os.makedirs(outdir, exist_ok=True)
    files = {}
    hour = 3600 * 10**9

    def base(k):
        return T0 + k * 60 * 10**9 + 1

    everything = mix() + cuts()
    r = records(everything, base(0))
    files["raw-ns.pcap"] = (pcap(101, r, True), r)
    r = records(basic() + cuts()[:5], base(2), us=True)
    files["raw-us-le.pcap"] = (pcap(101, r, False, "<"), r)
    r = records(basic() + cuts()[5:8], base(3), us=True)
    files["raw-us-be.pcap"] = (pcap(101, r, False, ">"), r)
    r = records(basic() + cuts()[:3], base(4))
    files["ng-ns.pcapng"] = (pcapng(101, r, 9), r)
    r = records(basic(), base(5), us=True)
    files["ng-us.pcapng"] = (pcapng(101, r), r)

    # DLT_NULL: host byte order, either; every AF_INET6 value
    items, fams = [], []
    for order in ("<", ">"):
        for fam, pkt in ((2, basic()[0]), (10, basic()[4]), (24, basic()[5]),
                         (28, basic()[7]), (30, basic()[4])):
            items.append(pkt)
            fams.append(struct.pack(order + "I", fam))
    items.append((basic()[0][0], None))          # family 7: not IP
    fams.append(struct.pack("<I", 7))
    items.append((basic()[4][0], None))          # AF_INET with IPv6 inside
    fams.append(struct.pack("<I", 2))
    it = iter(fams)
    r = records(items, base(6), us=True, link=lambda ip: next(it))
    files["null.pcap"] = (pcap(0, r, False), r)

    items = [basic()[0], basic()[2], basic()[4], basic()[5], basic()[7]]
    fams = iter([2, 2, 24, 28, 30])
    r = records(items, base(7), us=True, link=lambda ip: struct.pack(">I", next(fams)))
    files["loop.pcap"] = (pcap(108, r, False), r)

    items = basic() + cuts()[:2]
    r = records(items + [(ARP, None)], base(8), us=True,
                link=sll(lambda ip: 0x0806 if ip == ARP else ethertype(ip)))
    files["sll.pcap"] = (pcap(113, r, False), r)
    r = records(items + [(ARP, None)], base(9),
                link=sll2(lambda ip: 0x0806 if ip == ARP else ethertype(ip)))
    files["sll2.pcap"] = (pcap(276, r, True), r)

    v4 = [p for p in basic() if p[0][0] >> 4 == 4]
    v6s = [p for p in basic() if p[0][0] >> 4 == 6]
    r = records(v4 + [(v6s[0][0], None)], base(10), us=True)
    files["ipv4.pcap"] = (pcap(228, r, False), r)
    r = records(v6s + [(v4[0][0], None)], base(11), us=True)
    files["ipv6.pcap"] = (pcap(229, r, False), r)

    eth = b"\x00\x00\x5e\x00\x53\x02\x00\x00\x5e\x00\x53\x01\x08\x00"
    r = records(basic()[:2], base(12), us=True, link=lambda ip: eth)
    files["en10mb.pcap"] = (pcap(1, r, False), None)

    # the last record cut in its data: rows of the records before it
    r = records(basic()[:5], base(13))
    data = pcap(101, r, True)
    files["cut-record.pcap"] = (data[:len(data) - len(r[-1].data) // 2], r[:-1])

    # times out of range between good records: no row for them
    def bad_time(recs, bad):
        """recs with a record at each (index, seconds) of bad, no row."""
        out = list(recs)
        for i, sec in bad:
            good = out[i]
            out.insert(i, Rec(good.data, good.caplen, good.origlen, sec * 10**9, None))
        return out

    r = bad_time(records(basic()[:4], base(14), us=True),
                 [(1, 0x80000000), (3, 0xFFFFFFFF)])
    files["bad-time.pcap"] = (pcap(101, r, False), r)
    r = bad_time(records(basic()[:4], base(15), us=True),
                 [(1, 2 * 10**10), (3, 9223372036)])
    files["ng-bad-time.pcapng"] = (pcapng(101, r), r)

    for name, (data, recs) in sorted(files.items()):
        assert len(data) < 20000, name
        for rec in recs or []:
            assert rec.row is None or T0 <= rec.ts < T0 + hour
            if rec.row and rec.row.dns is not None:
                assert plausible(rec.row.dns), name
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)
        if recs is not None:
            with open(os.path.join(outdir, os.path.splitext(name)[0] + ".csv"),
                      "w") as f:
                f.write(csv(recs))


if __name__ == "__main__":
    main()
