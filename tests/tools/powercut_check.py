#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The verdict of tests/t-powercut.sh (stdlib only).

  powercut_check.py --work DIR --boots N [--sync-interval S] [--margin S]
                    [--compress gzip|none|zstd] [--per-boot N]
                    [--src A] [--dst B]

Reads what the run left in DIR:
  schedule          "K KIND" per boot (the last one is "final")
  bootK/console.log the guest's live console, "HOST_NS<TAB>LINE" per line,
                    time-stamped by the host as each line arrived
                    (tests/tools/qemu_console.py); it holds the sender's
                    "S I T" lines, the spool watcher's "W EVENT NAME" lines,
                    the journal (forwarded live) and the "CUT ..." line
  disk/wgtap/       the spool, read off the disk image with debugfs
  journal.json      the journal, read off the disk image (journalctl -o json)
and prints one check per line. Exit 0 if every check holds, 1 otherwise.

The rules:
  - Datagram I (tests/powercut/send) is the row with src --src, dst --dst,
    UDP, dst_port 10000 + I and size 60 + I % 64.
  - Every datagram whose "S I" line reached the host more than
    --sync-interval + --margin seconds before the boot's cut (the host's
    clock, read just before it killed QEMU) is in a completed segment, and
    every datagram of the clean last boot too. A line arrives after the
    send it reports, so its arrival time bounds the send time from above:
    the rule never asks for a datagram the promise does not cover.
  - No datagram is in the segments twice. A datagram whose "S I" line never
    arrived is allowed only as the one right after the last line of a cut
    boot (sent, then the power went before its line got out).
  - Every final segment decompresses to its end (for gzip: the trailer and
    its CRC), starts with the header, and holds only whole, well-formed
    rows. No temporary file (.NAME.part, .NAME.rec.part) and nothing else
    is left in the spool.
  - The capture's own counts: every "closed NAME: N rows" and "recovered
    ... as NAME: N rows" line (from the live console and the journal on the
    disk, merged) names a segment that is on the disk with exactly N rows.
    A segment with no such line is allowed only when it was the last one
    published before a cut (its log line lost with the power). A run that
    logged a summary logged rows= equal to the sum of its closed segments.
    No capture run logged an error.
"""
import argparse
import collections
import json
import os
import re
import statistics
import subprocess
import sys
import zlib

HEADER = "src,src_port,dst,dst_port,l3_protocol,size,timestamp,dns"
NS = 1_000_000_000
SUFFIX = {"gzip": ".csv.gz", "none": ".csv", "zstd": ".csv.zst"}
FINAL_RE = re.compile(r"^wg0-\d{8}T\d{6}\.\d{9}Z-\d{6}\.csv(\.gz|\.zst)?$")
ROW_RE = re.compile(
    r"^[0-9a-fA-F.:]+,\d*,[0-9a-fA-F.:]+,\d*,[A-Za-z0-9]+,\d+,\d+,"
    r"[A-Za-z0-9+/=]*$")
CAP_RE = re.compile(r"wgtap-capture\[(\d+)\]: (wgtap-capture: \w+: .*)$")
CLOSED_RE = re.compile(r": closed (\S+): (\d+) rows \(([^)]*)\)")
RECOV_RE = re.compile(r": recovered (\S+) as (\S+): (\d+) rows, (\d+) torn")
BEFORE_RE = re.compile(r": leftover (\S+) was recovered before as (\S+);")
EMPTY_RE = re.compile(r": leftover (\S+) held no complete row \((\d+) torn")
SUMMARY_RE = re.compile(r": summary; packets=(\d+) rows=(\d+) segments=(\d+)")

failures = []


def check(label, value, ok, note=""):
    """One line: ok None is informative only."""
    mark = "    " if ok is None else ("ok  " if ok else "FAIL")
    print("%s %-52s %12s  %s" % (mark, label, value, note))
    if ok is False:
        failures.append(label.strip())


def parse_args(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--work", required=True)
    p.add_argument("--boots", type=int, required=True)
    p.add_argument("--sync-interval", type=float, default=1.0)
    p.add_argument("--margin", type=float, default=0.5)
    p.add_argument("--compress", choices=sorted(SUFFIX), default="gzip")
    p.add_argument("--per-boot", type=int, default=4000)
    p.add_argument("--src", default="192.0.2.2")
    p.add_argument("--dst", default="192.0.2.1")
    return p.parse_args(argv)


class Boot:
    def __init__(self, k, kind):
        self.k = k
        self.kind = kind
        self.boot_id = None
        self.t_capturing = None
        self.cut_ns = None
        self.cut_why = ""
        self.sent = {}          # i -> (host ns, guest us)
        self.sendfail = set()
        self.events = []        # (host ns, event, name)
        self.log = []           # (pid, message), console order
        self.log_console = set()
        self.log_journal = set()


def read_console(b, path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            ns, _, text = line.rstrip("\n").partition("\t")
            try:
                ns = int(ns)
            except ValueError:
                continue
            if text.startswith("S "):
                p = text.split()
                if len(p) == 3 and p[1].isdigit() and p[2].isdigit():
                    b.sent[int(p[1])] = (ns, int(p[2]))
            elif text.startswith("SENDFAIL "):
                b.sendfail.add(int(text.split()[1]))
            elif text.startswith("W "):
                p = text.split(" ", 2)
                if len(p) == 3:
                    b.events.append((ns, p[1], p[2]))
            elif text.startswith("CUT ") and b.cut_ns is None:
                b.cut_ns, b.cut_why = ns, text[4:]
            elif text.startswith("BOOT ") and b.boot_id is None:
                b.boot_id = text.split()[1]
            elif text == "CAPTURING" and b.t_capturing is None:
                b.t_capturing = ns
            m = CAP_RE.search(text)
            if m:
                key = (int(m.group(1)), m.group(2))
                if key not in b.log_console:
                    b.log_console.add(key)
                    b.log.append(key)


def read_journal(path, by_id):
    """Adds the capture's journal lines to their boots; returns counts."""
    unknown = 0
    if not os.path.exists(path):
        return unknown
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            msg = e.get("MESSAGE")
            if isinstance(msg, list):
                msg = bytes(msg).decode("utf-8", "replace")
            if not isinstance(msg, str) or \
                    not msg.startswith("wgtap-capture: "):
                continue
            b = by_id.get(e.get("_BOOT_ID", "").replace("-", ""))
            if b is None:
                unknown += 1
                continue
            key = (int(e.get("_PID", "0")), msg)
            b.log_journal.add(key)
            if key not in b.log_console:
                b.log.append(key)
    return unknown


def decompress(path, compress):
    """(text, error): the whole content, or why it is not whole."""
    with open(path, "rb") as f:
        raw = f.read()
    if compress == "none":
        data = raw
    elif compress == "gzip":
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            data = d.decompress(raw) + d.flush()
        except zlib.error as e:
            return None, "gzip: %s" % e
        if not d.eof:
            return None, "gzip: the stream ends before its trailer"
        if d.unused_data:
            return None, "gzip: %d bytes after the trailer" % len(
                d.unused_data)
    else:
        r = subprocess.run(["zstd", "-d", "-c", "-q", path],
                           capture_output=True)
        if r.returncode != 0:
            return None, "zstd: %s" % r.stderr.decode(errors="replace")
        data = r.stdout
    try:
        return data.decode("ascii"), None
    except UnicodeDecodeError as e:
        return None, "not ASCII: %s" % e


def salvage(path, compress):
    """What a reader gets from a leftover whose tail may be garbage: the
    bytes that inflate (or zstd) yields up to the first error."""
    with open(path, "rb") as f:
        raw = f.read()
    if compress == "none":
        return raw
    if compress == "zstd":
        r = subprocess.run(["zstd", "-d", "-c", "-q", path],
                           capture_output=True)
        return r.stdout
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = []
    pos = 0
    step = 4096
    while pos < len(raw) and not d.eof:
        chunk = raw[pos:pos + step]
        saved = d.copy()
        try:
            out.append(d.decompress(chunk))
            pos += len(chunk)
            continue
        except zlib.error:
            d = saved
        # The error is in this chunk: byte by byte up to it.
        for j in range(len(chunk)):
            try:
                out.append(d.decompress(chunk[j:j + 1]))
            except zlib.error:
                return b"".join(out)
        return b"".join(out)
    return b"".join(out)


def complete_rows(data):
    """(rows, torn): the whole, well-formed rows after a good header, as
    recovery counts them (a bad header makes every row torn)."""
    lines = data.split(b"\n")
    tail = lines.pop()          # after the last newline: torn if not empty
    if not lines:
        return [], 1 if tail else 0
    torn = 1 if tail else 0
    if lines[0] != HEADER.encode():
        return [], torn + len(lines) - 1
    rows = []
    for ln in lines[1:]:
        t = ln.decode("ascii", "replace")
        if ROW_RE.match(t):
            rows.append(t)
        else:
            torn += 1
    return rows, torn


def main(argv):
    a = parse_args(argv)
    w = a.work
    bound_ns = int((a.sync_interval + a.margin) * NS)
    boots = []
    with open(os.path.join(w, "schedule")) as f:
        for line in f:
            k, kind = line.split()
            boots.append(Boot(int(k), kind))
    boots = boots[:a.boots]
    for b in boots:
        read_console(b, os.path.join(w, "boot%d" % b.k, "console.log"))
    by_id = {b.boot_id.replace("-", ""): b for b in boots if b.boot_id}
    unknown = read_journal(os.path.join(w, "journal.json"), by_id)
    cut_boots = [b for b in boots if b.kind != "final"]

    print("=" * 78)
    # --- the spool
    spool = os.path.join(w, "disk", "wgtap")
    names = sorted(os.listdir(spool))
    finals = [n for n in names if FINAL_RE.match(n)]
    temps = [n for n in names if n.startswith(".") and n.endswith(".part")]
    other = [n for n in names if n not in finals and n not in temps]
    check("temporary files left in the spool", len(temps), not temps,
          " ".join(temps))
    check("other files in the spool", len(other), not other,
          " ".join(other))
    wrong_suffix = [n for n in finals if not n.endswith(SUFFIX[a.compress])]
    check("segments not %s" % SUFFIX[a.compress], len(wrong_suffix),
          not wrong_suffix, " ".join(wrong_suffix[:3]))

    rows_of = {}
    rows_text = {}
    bad = []
    malformed = 0
    found = collections.defaultdict(list)    # i -> [segment]
    wrong_size = 0
    kinds = collections.Counter()
    for n in finals:
        text, err = decompress(os.path.join(spool, n), a.compress)
        if err:
            bad.append("%s (%s)" % (n, err))
            continue
        if not text.endswith("\n"):
            bad.append("%s (no newline at the end)" % n)
            continue
        lines = text[:-1].split("\n")
        if lines[0] != HEADER:
            bad.append("%s (no header)" % n)
            continue
        rows_of[n] = len(lines) - 1
        rows_text[n] = lines[1:]
        for row in lines[1:]:
            if not ROW_RE.match(row):
                malformed += 1
                continue
            f = row.split(",")
            if (f[0] == a.src and f[2] == a.dst and f[4] == "UDP"
                    and f[3].isdigit() and 10000 <= int(f[3]) < 50000):
                i = int(f[3]) - 10000
                if int(f[5]) != 60 + i % 64:
                    wrong_size += 1
                    continue
                found[i].append(n)
                kinds["datagram"] += 1
            else:
                kinds[f[4]] += 1
    total_rows = sum(rows_of.values())
    check("completed segments on the disk", len(finals), len(finals) > 0,
          "%d rows: %s" % (total_rows, ", ".join(
              "%s %d" % (k, v) for k, v in kinds.most_common())))
    check("segments that do not decompress whole, with a header",
          len(bad), not bad, "; ".join(bad[:3]))
    check("malformed rows", malformed, malformed == 0)
    check("datagram rows with a wrong size", wrong_size, wrong_size == 0)

    # --- datagrams
    sent_all = {}
    for b in boots:
        for i in b.sent:
            sent_all[i] = b
    dup = {i: s for i, s in found.items() if len(s) > 1}
    check("datagrams sent", len(sent_all), len(sent_all) > 0,
          "in %d boots; %d sends failed" % (
              len(boots), sum(len(b.sendfail) for b in boots)))
    check("datagrams in more than one row", len(dup), not dup,
          " ".join("%d x%d" % (i, len(s)) for i, s in
                   sorted(dup.items())[:5]))
    unsent = []
    for i in found:
        if i in sent_all:
            continue
        k = i // a.per_boot + 1
        b = boots[k - 1] if 0 < k <= len(boots) else None
        if (b is None or b.kind == "final" or not b.sent
                or i != max(b.sent) + 1 or i in b.sendfail):
            unsent.append(i)
    check("datagram rows of datagrams not sent", len(unsent), not unsent,
          " ".join(str(i) for i in sorted(unsent)[:5]))
    late_lines = sum(1 for i in found if i not in sent_all) - len(unsent)
    if late_lines:
        check("  sent, line lost in the cut", late_lines, None,
              "the datagram right after a boot's last S line")

    # --- per cut: what was lost, against the bound
    print("-" * 78)
    print("per cut: sent / lost (sent in the last %.1f s before the cut); "
          "times before the cut" % (bound_ns / NS))
    required_missing = []
    lost_total = 0
    for b in boots:
        if not b.sent:
            label = "  boot %d %s" % (b.k, b.kind)
            note = "no traffic (cut before CAPTURING)" \
                if b.kind != "final" else "no traffic"
            check(label, 0, b.kind != "final", note)
            continue
        if b.kind == "final":
            miss = sorted(i for i in b.sent if i not in found)
            required_missing += miss
            check("  boot %d final (clean stop)" % b.k,
                  "%d / %d" % (len(b.sent), len(miss)), not miss,
                  "every datagram of the clean boot")
            continue
        if b.cut_ns is None:
            check("  boot %d %s" % (b.k, b.kind), "no cut", False)
            continue
        window = [i for i, (t, _) in b.sent.items()
                  if t >= b.cut_ns - bound_ns]
        req = [i for i, (t, _) in b.sent.items()
               if t < b.cut_ns - bound_ns]
        miss_req = sorted(i for i in req if i not in found)
        lost = sorted(i for i in window if i not in found)
        required_missing += miss_req
        lost_total += len(lost) + len(miss_req)
        oldest = ""
        allm = lost + miss_req
        if allm:
            t_old = min(b.sent[i][0] for i in allm)
            oldest = "%.2f s" % ((b.cut_ns - t_old) / NS)
        kept = [b.sent[i][0] for i in b.sent if i in found]
        newest = "%.2f s" % ((b.cut_ns - max(kept)) / NS) if kept else "-"
        t_traffic = (b.cut_ns - b.t_capturing) / NS if b.t_capturing \
            else 0
        check("  boot %d %s (cut %.1f s into traffic)" % (b.k, b.kind,
                                                         t_traffic),
              "%d / %d (%d)" % (len(b.sent), len(lost) + len(miss_req),
                                len(window)),
              not miss_req, "oldest lost %s, newest kept %s%s" % (
                  oldest or "-", newest, "; MISSING %d older: %s" % (
                      len(miss_req), miss_req[:5]) if miss_req else ""))
    check("datagrams missing that the sync interval must keep",
          len(required_missing), not required_missing,
          "sent more than %.1f s before a cut, or in the clean boot" % (
              bound_ns / NS))
    check("datagrams lost in the cuts (allowed)", lost_total, None,
          "all sent within %.1f s before a cut" % (bound_ns / NS))

    # --- what each cut left on the disk, before the next boot
    print("-" * 78)
    print("the disk as each cut left it (journal replayed, before the "
          "next boot): finals, leftovers")
    leftover_rows = {}          # .NAME.part -> {complete rows at a cut}
    not_on_disk = []
    for b in cut_boots:
        snap = os.path.join(w, "boot%d" % b.k, "at-cut", "wgtap")
        if not os.path.isdir(snap):
            check("  boot %d: snapshot" % b.k, "none", False)
            continue
        have = set()
        desc = []
        n_final = 0
        for n in sorted(os.listdir(snap)):
            path = os.path.join(snap, n)
            if FINAL_RE.match(n):
                n_final += 1
                text, _ = decompress(path, a.compress)
                rows = text.split("\n")[1:-1] if text else []
            elif n.startswith(".") and n.endswith(".part"):
                rows, torn = complete_rows(salvage(path, a.compress))
                if not n.endswith(".rec.part"):
                    leftover_rows.setdefault(n, set()).add(tuple(rows))
                desc.append("%s%s %d B, %d rows%s" % (
                    n[:12], "...rec.part" if n.endswith(".rec.part")
                    else "...part", os.path.getsize(path), len(rows),
                    ", %d torn" % torn if torn else ""))
            else:
                continue
            for row in rows:
                f = row.split(",")
                if (len(f) == 8 and f[0] == a.src and f[2] == a.dst
                        and f[3].isdigit()):
                    have.add(int(f[3]) - 10000)
        req = [i for i, (t, _) in b.sent.items()
               if t < b.cut_ns - bound_ns]
        miss = sorted(i for i in req if i not in have)
        not_on_disk += miss
        check("  boot %d %s" % (b.k, b.kind),
              "%d, %d" % (n_final, len(desc)), not miss,
              "; ".join(desc) + ("; MISSING %d datagrams the sync "
                                 "interval covers: %s" % (len(miss),
                                                          miss[:5])
                                 if miss else ""))
    check("datagrams the sync interval covers, not on the disk at a cut",
          len(not_on_disk), not not_on_disk,
          "in a final segment or the complete rows of a leftover")

    # --- the capture's own counts
    print("-" * 78)
    logged = collections.defaultdict(set)    # name -> {rows}
    runs = []
    errors = []
    torn = 0
    recovery_lines = []
    for b in boots:
        per_pid = collections.OrderedDict()
        for pid, msg in b.log:
            per_pid.setdefault(pid, []).append(msg)
            if ": error: " in msg:
                errors.append("boot %d: %s" % (b.k, msg))
            m = CLOSED_RE.search(msg)
            if m:
                logged[m.group(1)].add(int(m.group(2)))
            m = RECOV_RE.search(msg)
            if m:
                logged[m.group(2)].add(int(m.group(3)))
                torn += int(m.group(4))
                recovery_lines.append((b, msg))
            if BEFORE_RE.search(msg):
                recovery_lines.append((b, msg))
            m = EMPTY_RE.search(msg)
            if m:
                torn += int(m.group(2))
                recovery_lines.append((b, msg))
        for pid, msgs in per_pid.items():
            runs.append((b, pid, msgs))
    n_console = sum(len(b.log_console) for b in boots)
    n_journal = sum(len(b.log_journal) for b in boots)
    n_both = sum(len(b.log_console & b.log_journal) for b in boots)
    check("capture log lines", sum(len(b.log) for b in boots), None,
          "%d on the live console, %d in the journal on the disk, %d in "
          "both%s" % (n_console, n_journal, n_both,
                      "; %d journal lines of unknown boots" % unknown
                      if unknown else ""))
    for b, msg in recovery_lines:
        print("       boot %d: %s" % (b.k, msg.split(": ", 2)[2]))
    # Recovery, row for row: a leftover's complete rows at the cut are
    # exactly the rows of the segment published under its name.
    rec_bad = []
    for name, versions in sorted(leftover_rows.items()):
        final_name = name[1:-len(".part")]
        if len(versions) > 1:
            rec_bad.append("%s changed between cuts" % name)
            continue
        rows = list(next(iter(versions)))
        if not rows:
            if final_name in rows_of:
                rec_bad.append("%s had no complete row, yet %s exists" % (
                    name, final_name))
        elif final_name not in rows_text:
            rec_bad.append("%s: %d complete rows, no %s" % (
                name, len(rows), final_name))
        elif rows_text[final_name] != rows:
            rec_bad.append("%s: %d complete rows, %s holds %d others" % (
                name, len(rows), final_name, rows_of[final_name]))
    check("leftovers not recovered row for row", len(rec_bad), not rec_bad,
          "%d leftovers seen at the cuts%s" % (
              len(leftover_rows),
              "; " + "; ".join(rec_bad[:2]) if rec_bad else ""))
    check("capture runs that logged an error", len(errors), not errors,
          "; ".join(errors[:3]))
    check("rows dropped as torn by recovery", torn, None)
    missing_seg = sorted(n for n in logged if n not in rows_of)
    check("segments the capture reported but not on the disk",
          len(missing_seg), not missing_seg, " ".join(missing_seg[:3]))
    disagree = []
    for n, counts in sorted(logged.items()):
        if n in rows_of and counts != {rows_of[n]}:
            disagree.append("%s: logged %s, file %d" % (
                n, "/".join(map(str, sorted(counts))), rows_of[n]))
    check("segments whose rows differ from the logged count",
          len(disagree), not disagree, "; ".join(disagree[:3]))
    # Segments with no count in any log: the last one published before a
    # cut, whose log line the cut took.
    unlogged = [n for n in rows_of if n not in logged]
    unexplained = []
    for n in unlogged:
        ok = False
        for b in cut_boots:
            moved = [name for _, ev, name in b.events
                     if ev == "MOVED_TO" and FINAL_RE.match(name)]
            if moved and moved[-1] == n:
                ok = True
        if not ok and not any(name == n for b in boots
                              for _, ev, name in b.events):
            ok = True      # its rename was not even reported: the cut
        if not ok:
            unexplained.append(n)
    check("segments with no logged count", len(unlogged),
          not unexplained and len(unlogged) <= len(cut_boots),
          "each the last published before a cut" if not unexplained
          else "NOT the last before a cut: " + " ".join(unexplained[:3]))
    logged_rows = sum(rows_of[n] for n in rows_of if n in logged)
    check("rows on the disk = logged counts + unlogged segments",
          total_rows, total_rows == logged_rows + sum(
              rows_of[n] for n in unlogged),
          "%d + %d" % (logged_rows, total_rows - logged_rows))
    bad_summary = []
    n_summary = 0
    for b, pid, msgs in runs:
        closed = sum(int(m.group(2)) for m in
                     (CLOSED_RE.search(x) for x in msgs) if m)
        for x in msgs:
            m = SUMMARY_RE.search(x)
            if m:
                n_summary += 1
                if int(m.group(2)) != closed:
                    bad_summary.append("boot %d pid %d: rows=%s, closed %d"
                                       % (b.k, pid, m.group(2), closed))
    final = boots[-1]
    check("runs whose summary rows= differ from their segments",
          len(bad_summary), not bad_summary and n_summary >= 1
          and final.kind == "final",
          "%d summaries (the clean stop)%s" % (
              n_summary, "; " + "; ".join(bad_summary) if bad_summary
              else ""))

    # --- timing of the console
    lat = []
    for b in boots:
        d = [t - g * 1000 for t, g in b.sent.values()]
        if d:
            lo = min(d)
            lat += [(x - lo) / 1e6 for x in d]
    if lat:
        lat.sort()
        check("  console delay above the boot's fastest line",
              "%.1f ms" % statistics.median(lat), None,
              "median; 99th percentile %.1f ms, max %.1f ms" % (
                  lat[int(len(lat) * 0.99)], lat[-1]))
    print("=" * 78)
    if failures:
        print("powercut_check: %d checks failed: %s" % (
            len(failures), "; ".join(failures)))
        return 1
    print("powercut_check: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
