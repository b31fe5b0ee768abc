#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The verdict of tests/torture.sh (stdlib only).

  torture_check.py --work DIR [--sync-interval S] [--margin S] [--skew S]
                   [--src A --dst B --port P] [--prefix P --host H]

Reads what the run left in DIR:
  sent.log        "i t_ns" per datagram sent (torture_traffic.py seq)
  events.log      one line per fault or fact: "TYPE key=value ..."
  bucket/         the whole bucket, read back (bucket/.keys lists the keys)
  archive/        a hard link to every final segment that appeared
  capture.log     every capture run's log, with "=== torture:" markers
and prints the figures, one check per line, and a final table. Exit 0 if
every check holds, 1 otherwise.

A datagram i (see torture_traffic.py) is named by its row: source port
20000 + i // 1000, size 28 + 100 + i % 1000. A missing one is explained
only by a capture outage: sent while the capture was down, from the
SIGTERM or SIGKILL to the "capturing on" line of its restart (give or take
--skew for the clocks), or in the sync interval (plus --margin) before a
SIGKILL; anything else is a failure. Per outage, the ones sent while the
capture was down (from its signal to its restart, without the skew) must
not outnumber the packets the tunnel interface itself sent in that time
(its tx_packets counter).
"""
import argparse
import bisect
import calendar
import collections
import gzip
import os
import re
import sys
import time
import urllib.parse
import zlib

HEADER = "src,src_port,dst,dst_port,l3_protocol,size,timestamp,dns"
NAME_RE = re.compile(
    r"^(?P<iface>.+)-(?P<d>\d{8})T(?P<h>\d{2})\d{4}\.\d{9}Z-\d+\.csv(\.gz)?$")
NS = 1_000_000_000

failures = []
table = []


def check(label, value, ok, note=""):
    """One row of the table; ok None means informative only."""
    mark = "" if ok is None else ("ok" if ok else "FAIL")
    table.append((label, value, note, mark))
    if ok is False:
        failures.append(label)


def parse_events(path):
    ev = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            d = {"type": parts[0]}
            for p in parts[1:]:
                k, _, v = p.partition("=")
                d[k] = v
            ev.append(d)
    return ev


def num(d, k, default=0):
    try:
        return int(d.get(k, default))
    except ValueError:
        return default


def load_sent(path):
    sent, failed = {}, 0
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) == 2:
                sent[int(p[0])] = int(p[1])
            elif len(p) >= 3:
                failed += 1
    return sent, failed


def capture_log(path):
    """Runs of the capture, with what each logged."""
    runs = []
    cur = None
    closed_re = re.compile(r"closed (\S+): (\d+) rows \(([^)]*)\); "
                           r"packets=(\d+) rows=(\d+)")
    rec_re = re.compile(r"recovered (\S+) as (\S+): (\d+) rows, (\d+) torn")
    empty_re = re.compile(r"leftover (\S+) held no complete row \((\d+) torn")
    summ_re = re.compile(r"summary; packets=(\d+) rows=(\d+) segments=(\d+)")
    drop_re = re.compile(r"pcap_dropped=(\d+) pcap_ifdropped=(\d+)")
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("=== torture: capture run"):
                cur = {"marker": line, "closed": {}, "recovered": {},
                       "torn": 0, "empty_leftovers": 0, "summary": None,
                       "last_rows": 0, "pcap_drop": 0, "lines": [],
                       "recovery_lines": []}
                runs.append(cur)
                continue
            if cur is None:
                continue
            cur["lines"].append(line)
            m = closed_re.search(line)
            if m:
                cur["closed"][m.group(1)] = int(m.group(2))
                cur["last_rows"] = int(m.group(5))
            m = rec_re.search(line)
            if m:
                cur["recovered"][m.group(2)] = int(m.group(3))
                cur["torn"] += int(m.group(4))
                cur["recovery_lines"].append(line)
            m = empty_re.search(line)
            if m:
                cur["torn"] += int(m.group(2))
                cur["empty_leftovers"] += 1
                cur["recovery_lines"].append(line)
            if ("was recovered before as" in line or "recover " in line or
                    "recovery copy" in line) and \
                    line not in cur["recovery_lines"]:
                cur["recovery_lines"].append(line)
            m = summ_re.search(line)
            if m:
                cur["summary"] = int(m.group(2))
                cur["last_rows"] = int(m.group(2))
            m = drop_re.search(line)
            if m:
                cur["pcap_drop"] = int(m.group(1)) + int(m.group(2))
    return runs


def read_objects(bucket, prefix, host):
    """Per object: name, rows (list of lines), problems."""
    keys_file = os.path.join(bucket, ".keys")
    keys = [k for k in open(keys_file).read().split("\n") if k]
    objs = []
    for k in keys:
        o = {"key": k, "name": k.rsplit("/", 1)[-1], "rows": [],
             "unreadable": None, "malformed": 0, "bad_key": False,
             "outside_hour": 0}
        data = open(os.path.join(bucket, k), "rb").read()
        o["bytes"] = data
        m = NAME_RE.match(o["name"])
        if not m:
            o["bad_key"] = True
        else:
            d = m.group("d")
            want = "%shost=%s/dt=%s-%s-%s/hour=%s/%s" % (
                prefix, host, d[:4], d[4:6], d[6:], m.group("h"), o["name"])
            o["bad_key"] = k != want
        try:
            text = gzip.decompress(data) if o["name"].endswith(".gz") \
                else data
            text = text.decode("utf-8")
        except (OSError, EOFError, zlib.error, UnicodeDecodeError) as e:
            o["unreadable"] = "%s: %s" % (type(e).__name__, e)
            objs.append(o)
            continue
        if not text.endswith("\n"):
            o["unreadable"] = "does not end with a newline"
        lines = text.split("\n")[:-1] if text.endswith("\n") else \
            text.split("\n")
        if not lines or lines[0] != HEADER:
            o["unreadable"] = "no header row"
            objs.append(o)
            continue
        o["rows"] = lines[1:]
        hour = None
        if m:
            hour = calendar.timegm(time.strptime(d + m.group("h"),
                                                 "%Y%m%d%H")) * NS
        for r in o["rows"]:
            f = r.split(",")
            if len(f) != 8 or not f[6].isdigit() or not f[5].isdigit():
                o["malformed"] += 1
                continue
            if hour is not None and not hour <= int(f[6]) < hour + 3600 * NS:
                o["outside_hour"] += 1
        objs.append(o)
    return objs


def count_in(lo, hi, ts):
    """How many of the sorted times ts lie in [lo, hi]."""
    return bisect.bisect_right(ts, hi) - bisect.bisect_left(ts, lo)


def assign_missing(missing, kills, terms, sent_ts, sync, margin, skew):
    """Explain each missing datagram (t_ns, i) by a capture outage.

    A capture is down from its signal (t) to the "capturing on" of its
    successor (t_up, seen a little after the capture really started
    again); a SIGKILL also loses what was written since the last sync.
    Faults can come close together (a SIGKILL 30 ms after the restart a
    SIGTERM caused), so a missing datagram goes to the first of these that
    holds it: an outage's own span [t, t_up]; the sync interval (plus
    margin) before a SIGKILL; the span widened by skew on both sides,
    nearest outage first. Sets, on each outage event: "pre" (since the
    sync), "down" (while down, widened span included), "down_span" (its
    own span only: what its tx counters can be held against), "tx",
    "sent_down" and "oldest". Returns the unexplained (t_ns, i).
    """
    spans = [(num(e, "t"), num(e, "t_up"), e) for e in kills + terms]
    downs = [(lo - skew, hi + skew, e) for lo, hi, e in spans]
    pres = [(num(e, "t") - sync - margin, num(e, "t"), e) for e in kills]
    for e in kills + terms:
        e["pre"] = e["down"] = e["down_span"] = 0
        e["tx"] = num(e, "tx1") - num(e, "tx0")
        e["sent_down"] = count_in(num(e, "t"), num(e, "t_up"), sent_ts)
    unexplained = []
    for t, i in missing:
        w = next((e for lo, hi, e in spans if lo <= t <= hi), None)
        if w is not None:
            w["down"] += 1
            w["down_span"] += 1
            continue
        w = next((e for lo, hi, e in pres if lo <= t < hi), None)
        if w is not None:
            w["pre"] += 1
            w["oldest"] = min(w.get("oldest", t), t)
            continue
        near = [(min(abs(t - lo), abs(t - hi)), n, e)
                for n, (lo, hi, e) in enumerate(downs) if lo <= t <= hi]
        if near:
            min(near, key=lambda c: c[:2])[2]["down"] += 1
            continue
        unexplained.append((t, i))
    return unexplained


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--sync-interval", type=float, default=1.0)
    ap.add_argument("--margin", type=float, default=0.5)
    ap.add_argument("--skew", type=float, default=0.05)
    ap.add_argument("--src", default="192.0.2.1")
    ap.add_argument("--dst", default="192.0.2.2")
    ap.add_argument("--port", type=int, default=9000)
    ap.add_argument("--prefix", default="wgtap/")
    ap.add_argument("--host", default="torture")
    ap.add_argument("--bucket", default="torture")
    ap.add_argument("--min-ship-kills", type=int, default=20)
    ap.add_argument("--min-upload-kills", type=int, default=3)
    ap.add_argument("--min-proxy-kills", type=int, default=5)
    ap.add_argument("--min-proxy-stops", type=int, default=3)
    ap.add_argument("--min-cap-terms", type=int, default=3)
    ap.add_argument("--min-cap-kills", type=int, default=3)
    ap.add_argument("--min-cap-hups", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=3.0)
    a = ap.parse_args()
    W = a.work
    ev = parse_events(os.path.join(W, "events.log"))
    facts = {}
    for e in ev:
        if e["type"] == "fact":
            facts.update({k: v for k, v in e.items() if k != "type"})
    by = collections.defaultdict(list)
    for e in ev:
        by[e["type"]].append(e)

    sent, send_failed = load_sent(os.path.join(W, "sent.log"))
    objs = read_objects(os.path.join(W, "bucket"), a.prefix, a.host)
    runs = capture_log(os.path.join(W, "capture.log"))

    # --- faults
    ship_kills = by["ship_kill"]
    upload_kills = sum(1 for e in ship_kills if e.get("uploading") == "1")
    outage_kills = sum(1 for e in ship_kills if e.get("proxy", "up") != "up")
    check("wgtap-ship SIGKILL + restart", len(ship_kills),
          len(ship_kills) >= a.min_ship_kills,
          "%d with a segment open (mid-upload), %d during a proxy outage; "
          ">= %d" % (upload_kills, outage_kills, a.min_ship_kills))
    check("  of which during an upload", upload_kills,
          upload_kills >= a.min_upload_kills, ">= %d" % a.min_upload_kills)
    ab = by["ship_abort"]
    check("wgtap-ship SIGABRT + restart", len(ab), len(ab) >= 1,
          "%s core files in the work directory after it (searched for "
          "the secret)" % ",".join(e.get("cores", "?") for e in ab))
    pk = by["proxy_kill"]
    check("Swift proxy SIGKILL + restart", len(pk),
          len(pk) >= a.min_proxy_kills,
          "down %s s; >= %d" % (
              ", ".join("%.1f" % ((num(e, "t_up") - num(e, "t")) / NS)
                        for e in pk), a.min_proxy_kills))
    ps = by["proxy_stop"]
    long_stops = [e for e in ps
                  if (num(e, "t_cont") - num(e, "t")) / NS > a.timeout]
    check("Swift proxy SIGSTOP > --timeout", len(long_stops),
          len(long_stops) >= a.min_proxy_stops,
          "stopped %s s (timeout %g s); >= %d" % (
              ", ".join("%.1f" % ((num(e, "t_cont") - num(e, "t")) / NS)
                        for e in ps), a.timeout, a.min_proxy_stops))
    hups = by["cap_hup"]
    check("capture SIGHUP", len(hups), len(hups) >= a.min_cap_hups,
          ">= %d" % a.min_cap_hups)
    terms, kills = by["cap_term"], by["cap_kill"]
    term_rcs = [e.get("rc") for e in terms]
    check("capture SIGTERM + restart", len(terms),
          len(terms) >= a.min_cap_terms and all(r == "0" for r in term_rcs),
          "exit statuses %s; >= %d" % (",".join(term_rcs), a.min_cap_terms))
    check("capture SIGKILL + restart", len(kills),
          len(kills) >= a.min_cap_kills, ">= %d" % a.min_cap_kills)
    down = [(num(e, "t_up") - num(e, "t")) / NS for e in terms + kills]
    if down:
        check("  capture down time per restart", "%.2f-%.2f s" % (
            min(down), max(down)), None, "signal to 'capturing on' seen")
    unexpected = by["unexpected_exit"]
    check("unexpected exits of the programs", len(unexpected),
          not unexpected, "; ".join("%s rc=%s" % (e.get("what"),
                                                   e.get("rc"))
                                     for e in unexpected))

    # --- the bucket
    total_rows = sum(len(o["rows"]) for o in objs)
    found = collections.Counter()
    line_count = collections.Counter()
    foreign = 0
    kinds = collections.Counter()
    delays = []
    for o in objs:
        for r in o["rows"]:
            line_count[r] += 1
            f = r.split(",")
            if len(f) != 8:
                continue
            if (f[0] == a.src and f[2] == a.dst and f[3] == str(a.port)
                    and f[4] == "UDP" and f[1].isdigit()
                    and f[5].isdigit()):
                sp, size = int(f[1]), int(f[5])
                pay = size - 28
                if sp < 20000 or not 100 <= pay < 1100:
                    foreign += 1
                    continue
                i = (sp - 20000) * 1000 + pay - 100
                found[i] += 1
                kinds["datagram"] += 1
                if i in sent and f[6].isdigit():
                    delays.append(int(f[6]) - sent[i])
            elif f[7]:
                kinds["dns"] += 1
            elif f[4] == "TCP":
                kinds["tcp"] += 1
            else:
                kinds["other"] += 1
    check("datagrams sent", len(sent), len(sent) > 0,
          "%d sends failed (not counted)" % send_failed)
    check("rows in the bucket", total_rows,
          kinds["datagram"] > 0 and kinds["dns"] > 0 and kinds["tcp"] > 0,
          "datagram %d, with dns %d, other tcp %d, other %d" % (
              kinds["datagram"], kinds["dns"], kinds["tcp"],
              kinds["other"]))
    if delays:
        delays.sort()
        check("  send to capture timestamp", "%.1f ms" % (
            delays[len(delays) // 2] / 1e6), None,
            "median; min %.2f ms, max %.1f ms" % (
                delays[0] / 1e6, delays[-1] / 1e6))
    unsent = sum(1 for i in found if i not in sent)
    check("datagram rows of datagrams never sent", unsent + foreign,
          unsent + foreign == 0)

    # --- missing datagrams, by cause
    missing = sorted((sent[i], i) for i in sent if i not in found)
    mt = [t for t, _ in missing]
    sync = int(a.sync_interval * NS)
    margin = int(a.margin * NS)
    skew = int(a.skew * NS)

    sent_ts = sorted(sent.values())
    unexplained = assign_missing(missing, kills, terms, sent_ts, sync,
                                 margin, skew)
    before_kill = sum(e["pre"] for e in kills)
    down_kill = sum(e["down"] for e in kills)
    down_term = sum(e["down"] for e in terms)
    over = ["%s at %.3f: %d missing > %d tx" % (
        e["type"], num(e, "t") / NS, e["down_span"], e["tx"])
        for e in kills + terms if e["down_span"] > e["tx"]]
    check("datagram rows missing", len(missing), None)
    check("  capture SIGKILL: since the last sync", before_kill, None,
          "sent in [kill - %gs - %gs, kill)" % (a.sync_interval, a.margin))
    check("  capture SIGKILL: capture down", down_kill, None,
          "sent in [kill, restarted]")
    check("  capture SIGTERM: capture down", down_term, None,
          "sent in [SIGTERM, restarted]")
    check("  any other cause", len(unexplained), not unexplained,
          "must be 0")
    tx_down = sum(e["tx"] for e in kills + terms)
    check("  missing while down <= tunnel tx while down",
          "%d <= %d" % (down_kill + down_term, tx_down), not over,
          "per outage, from the interface's own counters")
    for o in over:
        print("  " + o)
    for t, i in unexplained[:20]:
        print("  unexplained missing datagram %d sent at %.6f" % (i, t / NS))

    # --- duplicates
    dup_dgram = sum(n - 1 for n in found.values() if n > 1)
    dup_line = sum(n - 1 for n in line_count.values() if n > 1)
    check("duplicate datagram rows", dup_dgram, dup_dgram == 0)
    check("duplicate identical rows", dup_line, dup_line == 0)

    # --- objects
    names = collections.Counter(o["name"] for o in objs)
    unreadable = [o for o in objs if o["unreadable"]]
    malformed = sum(o["malformed"] for o in objs)
    bad_keys = [o["key"] for o in objs if o["bad_key"]]
    outside = sum(o["outside_hour"] for o in objs)
    check("objects in the bucket", len(objs), len(objs) > 0)
    check("objects truncated or unreadable", len(unreadable),
          not unreadable, "; ".join("%s: %s" % (o["name"], o["unreadable"])
                                    for o in unreadable[:5]))
    check("malformed rows", malformed, malformed == 0)
    check("keys not in the documented layout", len(bad_keys), not bad_keys,
          " ".join(bad_keys[:3]))
    check("objects for the same segment twice",
          sum(n - 1 for n in names.values() if n > 1),
          all(n == 1 for n in names.values()))
    check("rows outside their object's hour", outside, outside == 0)
    archive = os.path.join(W, "archive")
    arch = {n for n in os.listdir(archive) if ".dup." not in n}
    redone = [n for n in os.listdir(archive) if ".dup." in n]
    differ, no_seg = [], []
    for o in objs:
        p = os.path.join(archive, o["name"])
        if o["name"] not in arch:
            no_seg.append(o["name"])
        elif open(p, "rb").read() != o["bytes"]:
            differ.append(o["name"])
    check("objects whose bytes differ from their segment", len(differ),
          not differ, " ".join(differ[:3]))
    check("objects without an archived segment", len(no_seg), not no_seg,
          " ".join(no_seg[:3]))
    not_shipped = sorted(arch - set(names))
    check("segments that never reached the bucket", len(not_shipped),
          not not_shipped, " ".join(not_shipped[:3]))
    check("segment names published twice", len(redone), not redone)

    # --- the capture's own counters
    reported = {}
    for r in runs:
        reported.update(r["closed"])
        reported.update(r["recovered"])
    closed_rows = sum(r["last_rows"] for r in runs)
    rec_rows = sum(sum(r["recovered"].values()) for r in runs)
    torn = sum(r["torn"] for r in runs)
    mism = [o["name"] for o in objs
            if reported.get(o["name"]) is not None
            and reported[o["name"]] != len(o["rows"])]
    unreported = [o["name"] for o in objs if o["name"] not in reported]
    check("capture runs", len(runs), None)
    check("capture's rows (closed + recovered)", "%d + %d = %d" % (
        closed_rows, rec_rows, closed_rows + rec_rows),
        closed_rows + rec_rows == total_rows,
        "must equal the rows in the bucket (%d)" % total_rows)
    check("rows dropped as torn by recovery", torn, None)
    check("objects whose rows differ from the capture's count", len(mism),
          not mism, " ".join(mism[:3]))
    check("objects the capture never reported", len(unreported),
          not unreported, " ".join(unreported[:3]))
    bad_summary = [r["marker"] for r in runs if r["summary"] is not None
                   and r["summary"] != sum(r["closed"].values())]
    check("runs whose summary rows= differ from their segments",
          len(bad_summary), not bad_summary)
    drops = sum(r["pcap_drop"] for r in runs)
    check("packets dropped by libpcap (kernel)", drops, None)

    # --- what the traffic and the shipper said
    tl = os.path.join(W, "traffic.log")
    if os.path.exists(tl):
        for line in open(tl, errors="replace"):
            m = re.match(r"sink: received=(\d+)", line)
            if m:
                check("datagrams received by the sink in B", int(m.group(1)),
                      None, "the tunnel itself lost %d" % (
                          len(sent) - int(m.group(1))))
            m = re.match(r"dns-loop: answered=(\d+) failed=(\d+)", line)
            if m:
                check("DNS queries answered", m.group(1), None,
                      "%s failed" % m.group(2))
            m = re.match(r"tcp-loop: round_trips=(\d+) connections=(\d+)",
                         line)
            if m:
                check("TCP round trips", m.group(1), None,
                      "over %s connections" % m.group(2))
    sl = os.path.join(W, "ship.log")
    if os.path.exists(sl):
        text = open(sl, errors="replace").read()
        check("uploads logged by wgtap-ship", text.count(": uploaded "),
              None, "%d failed attempts logged, %d interrupted" % (
                  text.count("error: upload "), text.count(" interrupted")))
    pl = os.path.join(W, "swift", "log", "proxy.log")
    if os.path.exists(pl):
        puts = collections.Counter()
        for line in open(pl, errors="replace"):
            f = line.split()
            if (len(f) > 7 and f[0] == "proxy-server:" and f[4] == "PUT"
                    and f[7].startswith("2")):
                k = urllib.parse.unquote(urllib.parse.unquote(f[5]))
                puts[k.split("?")[0]] += 1
        n = [puts.get("/%s/%s" % (a.bucket, o["key"]), 0) for o in objs]
        check("objects stored more than once (same key)",
              sum(1 for x in n if x > 1), None,
              "crash or timeout between upload and delete; %d 2xx PUTs "
              "for %d objects" % (sum(n), len(objs)))

    # --- the end
    for k, label, want in (
            ("spool_left", "spool entries at the end", "0"),
            ("ship_rc", "wgtap-ship exit status on the final SIGTERM", "0"),
            ("capture_rc", "capture exit status on the final SIGTERM", "0"),
            ("sanitizer_reports", "sanitizer reports in the logs", "0")):
        if k in facts:
            check(label, facts[k], facts[k] == want)
    if "cores" in facts:
        check("core files in the work directory", facts["cores"], None,
              "searched for the secret")
    if "drain_s" in facts:
        check("spool drained after traffic stopped", facts["drain_s"] + " s",
              None)

    print()
    print("recovery log lines:")
    n = 0
    for r in runs:
        for line in r["recovery_lines"]:
            print("  " + line)
            n += 1
    if not n:
        print("  (none)")
    print()
    print("per capture outage: kind, signal time, down s, datagrams sent "
          "while down, tunnel tx while down, missing (since sync / down), "
          "oldest missing before a SIGKILL")
    for e in sorted(kills + terms, key=lambda e: num(e, "t")):
        print("  %-8s %.3f %6.2f %6d %6d %6d / %-6d %s" % (
            e["type"], num(e, "t") / NS,
            (num(e, "t_up") - num(e, "t")) / NS, e["sent_down"], e["tx"],
            e["pre"], e["down"], "%.2f s" % ((e["oldest"] - num(e, "t")) / NS)
            if "oldest" in e else ""))
    print()
    print("=" * 78)
    w = max(len(t[0]) for t in table)
    for label, value, note, mark in table:
        print("%-4s %-*s %14s  %s" % (mark, w, label, value, note))
    print("=" * 78)
    if failures:
        print("torture_check: FAILED: " + "; ".join(failures))
        return 1
    print("torture_check: all %d checks passed" %
          sum(1 for t in table if t[3]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
