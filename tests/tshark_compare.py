#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tshark_compare.py [--strict] CAPTURE ROWS.csv [CAPTURE ROWS.csv ...]:
compare wgtap's rows for each CAPTURE (the rows of its segments, headers
removed or not) field by field with what tshark dissects from the same file.
Prints a summary per capture; exits 1 on any disagreement that is not in one
of the classes documented in tests/TSHARK.md, or with --strict on any
disagreement at all. Several captures are concatenated with mergecap into
one pcapng, so that tshark starts once.

tshark runs without IP reassembly and without TCP reassembly, so each
frame is dissected on its own, as wgtap sees it. Per frame:
  src, dst   the outer IPv4 or IPv6 header (the first of ip/ipv6 in
             frame.protocols; fields with occurrence 1, so the header quoted
             in an ICMP error or carried in GRE is ignored)
  ports      of the first TCP, UDP, UDP-Lite, SCTP or DCCP layer after the
             outer IP layer, not looking past an inner IP header (ICMP
             errors, GRE, IP in IP)
  protocol   ip.proto, or for IPv6 the chain ipv6.nxt -> hopopts/routing/
             fraghdr/dstopts .nxt, taking each extension field's occurrences
             in order
  size       frame.len; timestamp frame.time_epoch as exact nanoseconds
  dns        tshark dissected "dns" over that UDP/TCP, nothing is malformed,
             and the whole message was captured: then the message bytes
             (udp.payload up to udp.length; tcp.payload after the 2-byte
             prefix, prefix-length bytes)
A frame gives a tshark row when both outer addresses were dissected.
Frames and wgtap rows are paired in order by timestamp and size.

Rows of format v2 (thirteen fields) are compared on four more columns:
  direction  sll.pkttype (LINUX_SLL or LINUX_SLL2): 0-3 "in", 4 "out";
             empty for other link types
  dns_qname  where tshark has the whole message (as for dns): the first
             dns.qry.name, against wgtap's name with its RFC 1035 escapes
             undone (tshark prints a label's bytes as they are, a byte
             that is not UTF-8 as U+FFFD, the root as "<Root>")
  dns_qtype  dns.qry.type, against the number behind wgtap's mnemonic
  dns_rcode  dns.flags.rcode when dns.flags.response is set, else empty
(The peer column is not compared: tshark knows no peers.)
"""

import base64
import os
import shutil
import struct
import subprocess
import sys
import tempfile

FIELDS = [
    "frame.number", "frame.len", "frame.cap_len", "frame.time_epoch",
    "frame.protocols", "_ws.malformed", "null.family",
    "ip.src", "ip.dst", "ip.proto",
    "ipv6.src", "ipv6.dst", "ipv6.nxt", "ipv6.hopopts.nxt", "ipv6.routing.nxt",
    "ipv6.fraghdr.nxt", "ipv6.dstopts.nxt",
    "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport",
    "sctp.srcport", "sctp.dstport", "dccp.srcport", "dccp.dstport",
    "udp.length", "udp.payload", "tcp.payload",
    "sll.pkttype", "dns.qry.name", "dns.qry.type", "dns.flags.response",
    "dns.flags.rcode",
]
EXT = {0: "ipv6.hopopts.nxt", 43: "ipv6.routing.nxt", 44: "ipv6.fraghdr.nxt",
       60: "ipv6.dstopts.nxt"}
EXT_LAYERS = {"ipv6.hopopts", "ipv6.routing", "ipv6.fraghdr", "ipv6.dstopts"}
PORT_FIELDS = {"tcp": "tcp", "udp": "udp", "udplite": "udp", "sctp": "sctp",
               "dccp": "dccp"}
NAMES = {6: "TCP", 17: "UDP", 1: "ICMP", 58: "ICMPv6", 2: "IGMP", 47: "GRE",
         50: "ESP", 51: "AH", 132: "SCTP", 136: "UDPLite", 33: "DCCP"}
COLUMNS = ["src", "sport", "dst", "dport", "proto", "size", "ts", "dns"]
COLUMNS_V2 = ["direction", "qname", "qtype", "rcode"]
# The DNS types and rcodes behind wgtap's mnemonics (IANA registry).
QTYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "HINFO": 13,
          "MX": 15, "TXT": 16, "AAAA": 28, "SRV": 33, "NAPTR": 35, "DS": 43,
          "RRSIG": 46, "NSEC": 47, "DNSKEY": 48, "TLSA": 52, "SVCB": 64,
          "HTTPS": 65, "ANY": 255, "CAA": 257}
RCODES = {"NOERROR": 0, "FORMERR": 1, "SERVFAIL": 2, "NXDOMAIN": 3,
          "NOTIMP": 4, "REFUSED": 5, "YXDOMAIN": 6, "YXRRSET": 7,
          "NXRRSET": 8, "NOTAUTH": 9, "NOTZONE": 10, "DSOTYPENI": 11}


def unescape(name):
    """wgtap's presentation name back to the text tshark prints."""
    if name == ".":
        return "<Root>"
    raw, i = b"", 0
    while i < len(name):
        if name[i] == "\\" and name[i + 1:i + 4].isdigit():
            raw += bytes([int(name[i + 1:i + 4])])
            i += 4
        elif name[i] == "\\":
            raw += name[i + 1].encode()
            i += 2
        else:
            raw += name[i].encode()
            i += 1
    return raw.decode("utf-8", "replace")


def v2_values(c):
    """The v2 columns of a wgtap row, in tshark's terms."""
    qtype = None
    if c[11].startswith("TYPE") and c[11][4:].isdigit():
        qtype = int(c[11][4:])
    elif c[11]:
        qtype = QTYPES.get(c[11], c[11])
    rcode = None
    if c[12].startswith("RCODE") and c[12][5:].isdigit():
        rcode = int(c[12][5:])
    elif c[12]:
        rcode = RCODES.get(c[12], c[12])
    return {"direction": c[9], "qname": unescape(c[10]) if c[10] else None,
            "qtype": qtype, "rcode": rcode}


def epoch_ns(text):
    """frame.time_epoch ("1767225600.123456789") as integer nanoseconds,
    without going through a float."""
    sec, _, frac = text.partition(".")
    return int(sec) * 10**9 + int((frac + "000000000")[:9])


def tshark(path):
    cmd = ["tshark", "-n", "-r", path,
           "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
           "-o", "tcp.desegment_tcp_streams:FALSE",
           "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a",
           "-E", "aggregator=|", "-E", "quote=n"]
    for f in FIELDS:
        cmd += ["-e", f]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    frames = []
    for line in p.stdout.splitlines():
        vals = line.split("\t")
        vals += [""] * (len(FIELDS) - len(vals))
        frames.append({f: (v.split("|") if v else []) for f, v in zip(FIELDS, vals)})
    if not frames and p.returncode != 0:
        sys.exit("tshark failed: %s" % p.stderr.strip())
    return frames


def count_records(path):
    """Packets in a pcap or pcapng file (to split a merged dissection)."""
    with open(path, "rb") as f:
        b = f.read()
    magic = b[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1",
                 b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = "<" if magic[0] in (0xD4, 0x4D) else ">"
        n, o = 0, 24
        while o + 16 <= len(b):
            o += 16 + struct.unpack(e + "I", b[o + 8:o + 12])[0]
            n += o <= len(b)
        return n
    if magic == b"\x0a\x0d\x0d\x0a":
        n, o, e = 0, 0, "<"
        while o + 12 <= len(b):
            if b[o:o + 4] == b"\x0a\x0d\x0d\x0a":
                e = "<" if b[o + 8:o + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            btype, blen = struct.unpack(e + "II", b[o:o + 8])
            n += btype in (2, 3, 6)
            o += blen
        return n
    sys.exit("%s: not a pcap or pcapng file" % path)


def first(fr, field):
    v = fr[field]
    return v[0] if v else None


def captured_message(fr, transport):
    """The DNS message bytes tshark shows in this frame's UDP or TCP
    payload (UDP: up to the UDP length; TCP: after the 2-byte prefix, up to
    its length), and whether all of it was captured."""
    if transport == "udp" and fr["udp.payload"] and fr["udp.length"]:
        pl = bytes.fromhex(fr["udp.payload"][0])
        want = int(fr["udp.length"][0]) - 8
        return pl[:max(want, 0)], want >= 0 and len(pl) >= want
    if transport == "tcp" and fr["tcp.payload"]:
        pl = bytes.fromhex(fr["tcp.payload"][0])
        if len(pl) >= 2:
            mlen = pl[0] << 8 | pl[1]
            return pl[2:2 + mlen], len(pl) >= 2 + mlen
    return None, False


def tshark_row(fr):
    """The row tshark's dissection implies, or None."""
    protos = first(fr, "frame.protocols") or ""
    layers = protos.split(":")
    outer = next((i for i, l in enumerate(layers) if l in ("ip", "ipv6")), None)
    if outer is None:
        return None
    v6 = layers[outer] == "ipv6"
    src = first(fr, "ipv6.src" if v6 else "ip.src")
    dst = first(fr, "ipv6.dst" if v6 else "ip.dst")
    if src is None or dst is None:
        return None
    if v6:
        used = {f: 0 for f in EXT.values()}
        nxt = int(first(fr, "ipv6.nxt"))
        while nxt in EXT:
            f = EXT[nxt]
            if used[f] >= len(fr[f]):
                break
            val = int(fr[f][used[f]])
            used[f] += 1
            nxt = val
        proto = nxt
    else:
        proto = int(first(fr, "ip.proto"))
    nxt_layer = outer + 1
    while nxt_layer < len(layers) and layers[nxt_layer] in EXT_LAYERS:
        nxt_layer += 1
    transport = layers[nxt_layer] if nxt_layer < len(layers) else None
    # the first transport with ports, up to an inner IP header
    k = nxt_layer
    while k < len(layers) and layers[k] not in PORT_FIELDS and \
            layers[k] not in ("ip", "ipv6"):
        k += 1
    ported = layers[k] if k < len(layers) else None
    sport = dport = None
    if ported in PORT_FIELDS:
        pf = PORT_FIELDS[ported]
        sport, dport = first(fr, pf + ".srcport"), first(fr, pf + ".dstport")
        if sport is None or dport is None:
            sport = dport = None
        else:
            sport, dport = int(sport), int(dport)
    dns = None
    if "dns" in layers[nxt_layer:] and not fr["_ws.malformed"]:
        msg, whole = captured_message(fr, transport)
        if whole:
            dns = msg
    ptype = first(fr, "sll.pkttype")
    direction = ""
    if ptype is not None and ptype.isdigit():
        direction = "in" if int(ptype) <= 3 else "out" if int(ptype) == 4 else ""
    qname = qtype = rcode = None
    if dns is not None and fr["dns.qry.name"]:
        qname = fr["dns.qry.name"][0]
        qtype = int(fr["dns.qry.type"][0]) if fr["dns.qry.type"] else None
    if dns is not None and first(fr, "dns.flags.response") in ("1", "True"):
        rcode = int(first(fr, "dns.flags.rcode"))
    return {
        "direction": direction, "qname": qname, "qtype": qtype,
        "rcode": rcode,
        "src": src, "dst": dst, "sport": sport, "dport": dport,
        "proto": NAMES.get(proto, str(proto)),
        "size": int(first(fr, "frame.len")),
        "ts": epoch_ns(first(fr, "frame.time_epoch")),
        "dns": dns,
        # for the classification
        "transport": transport,
        "ported": ported,
        "tshark_dns": "dns" in layers,
        "malformed": bool(fr["_ws.malformed"]),
    }


def wgtap_rows(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("src,"):
                continue
            c = line.split(",")
            if len(c) not in (8, 13):
                sys.exit("%s: bad row %r" % (path, line))
            rows.append(dict(v2_values(c) if len(c) == 13 else {}, **{
                "src": c[0], "sport": int(c[1]) if c[1] else None,
                "dst": c[2], "dport": int(c[3]) if c[3] else None,
                "proto": c[4], "size": int(c[5]), "ts": int(c[6]),
                "dns": base64.b64decode(c[7], validate=True) if c[7] else None,
                "text": line,
            }))
    return rows


def plausible(m):
    """SPEC's rule, for telling the documented classes apart."""
    if m is None or len(m) < 12:
        return False
    qd, an, ns, ar = (m[i] << 8 | m[i + 1] for i in (4, 6, 8, 10))
    return 12 + 5 * qd + 11 * (an + ns + ar) <= len(m)


def classify(field, fr, w, t):
    """The documented class (tests/TSHARK.md) of a disagreement, or None."""
    cut = int(first(fr, "frame.cap_len")) < int(first(fr, "frame.len"))
    if field == "proto" and cut and w["proto"] in ("0", "43", "44", "60"):
        return "ipv6-ext-cut"
    if field in ("sport", "dport") and w["proto"] == "AH" and \
            w[field] is None and t["transport"] == "ah":
        return "ah-not-walked"
    if field in ("qname", "qtype", "rcode") and t["dns"] is None and \
            w["dns"] is not None:
        # no whole, valid message in tshark: the dns field's own class
        return classify("dns", fr, w, t)
    if field != "dns":
        return None
    if w["dns"] is not None and t["dns"] is None:
        # wgtap's message must be exactly the bytes tshark shows
        msg, whole = captured_message(fr, t["transport"])
        if msg != w["dns"] or not plausible(msg):
            return None
        if cut and not whole:
            return "dns-cut-by-snaplen"
        if t["transport"] == "tcp" and not whole:
            return "dns-tcp-continued"
        if whole and t["tshark_dns"] and t["malformed"]:
            return "dns-plausible-not-valid"
        return None
    if w["dns"] is None and t["dns"] is not None:
        if t["transport"] == "tcp" and len(t["dns"]) < 12:
            return "dns-tcp-prefix-short"
        return None
    return None


def compare(name, frames, rows, strict):
    """Print the summary for one capture; returns the number of failures."""
    v2 = bool(rows) and "qname" in rows[0]
    columns = COLUMNS + (COLUMNS_V2 if v2 else [])
    agree = {c: 0 for c in columns}
    classes = {}
    bad = []
    byts = {}
    for j, r in enumerate(rows):
        byts.setdefault((r["ts"], r["size"]), []).append(j)
    used = [False] * len(rows)
    last = -1
    paired = 0
    ndns = [0, 0]
    for i, fr in enumerate(frames):
        t = tshark_row(fr)
        ts = epoch_ns(first(fr, "frame.time_epoch"))
        size = int(first(fr, "frame.len"))
        w = None
        num = i + 1  # in this capture
        cand = byts.get((ts, size))
        if cand:
            j = cand.pop(0)
            w, used[j] = rows[j], True
            if j < last:
                bad.append("frame %d: its row comes out of order" % num)
            last = j
        if (w is None) != (t is None):
            what = "wgtap has a row, tshark no IP packet" if t is None else \
                "tshark has an IP packet, wgtap no row"
            cls = None
            if t is None and first(fr, "null.family") == "10":
                cls = "null-linux-af-inet6"
            if cls is None or strict:
                bad.append("frame %s: %s (%s)%s" % (
                    num, what, first(fr, "frame.protocols"),
                    " [class %s]" % cls if cls else ""))
            else:
                classes.setdefault(cls, []).append("%s:row" % num)
            continue
        if w is None:
            continue
        paired += 1
        ndns[0] += w["dns"] is not None
        ndns[1] += t["dns"] is not None
        for c in columns:
            if w[c] == t[c]:
                agree[c] += 1
                continue
            cls = classify(c, fr, w, t)
            if cls is None or strict:
                bad.append("frame %s: %s: wgtap %r, tshark %r (%s)%s" % (
                    num, c, w[c], t[c], first(fr, "frame.protocols"),
                    " [class %s]" % cls if cls else ""))
            else:
                classes.setdefault(cls, []).append("%s:%s" % (num, c))
    left = [r["text"] for r, u in zip(rows, used) if not u]
    if left:
        bad.append("%d wgtap rows match no frame's time and size (first: %s)"
                   % (len(left), left[0]))
    print("%s: %d frames, %d wgtap rows, %d paired; DNS in %d wgtap rows, "
          "%d complete in tshark" % (name, len(frames), len(rows), paired,
                                     ndns[0], ndns[1]))
    print("  agree: " + " ".join("%s=%d" % (c, agree[c]) for c in columns))
    for cls in sorted(classes):
        print("  documented disagreement %s: %d (frames %s)" % (
            cls, len(classes[cls]), " ".join(classes[cls][:8])))
    for b in bad[:40]:
        print("  DISAGREE " + b)
    if len(bad) > 40:
        print("  ... %d more" % (len(bad) - 40))
    return len(bad)


def main():
    args = sys.argv[1:]
    strict = "--strict" in args
    args = [a for a in args if a != "--strict"]
    if not args or len(args) % 2:
        sys.exit(__doc__.split("\n\n")[0])
    pairs = list(zip(args[0::2], args[1::2]))
    if len(pairs) == 1 or not shutil.which("mergecap"):
        frames, counts = [], []
        for cap, _ in pairs:
            frames += tshark(cap)
            counts.append(len(frames) - sum(counts))
    else:
        fd, merged = tempfile.mkstemp(suffix=".pcapng")
        os.close(fd)
        try:
            subprocess.run(["mergecap", "-a", "-F", "pcapng", "-w", merged]
                           + [p[0] for p in pairs], check=True)
            frames = tshark(merged)
        finally:
            os.unlink(merged)
        counts = [count_records(p[0]) for p in pairs]
        if sum(counts) != len(frames):
            sys.exit("merged: %d frames, the inputs hold %d" % (len(frames),
                                                               sum(counts)))
    failures, o = 0, 0
    for (cap, rows), n in zip(pairs, counts):
        failures += compare(cap, frames[o:o + n], wgtap_rows(rows), strict)
        o += n
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
