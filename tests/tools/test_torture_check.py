#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Tests for torture_check.assign_missing(): which outage explains each
missing datagram. The first case is the timeline of a real run (seed
10423545) in which a SIGKILL came 32 ms after the restart that a SIGTERM
caused: datagrams in bursts of 10 every 20 ms, the ones the capture lost,
and the tunnel's tx counters read at each signal and restart."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torture_check as tc  # noqa: E402

MS = 1000000
SYNC, MARGIN, SKEW = 1000 * MS, 500 * MS, 50 * MS
T0 = 1796283823176161000


def event(kind, t, t_up, tx0, tx1):
    return {"type": kind, "t": str(t), "t_up": str(t_up),
            "tx0": str(tx0), "tx1": str(tx1)}


def bursts(first_ms, last_ms):
    """Send times (ns) of bursts of 10 datagrams every 20 ms."""
    return [T0 + ms * MS + k for ms in range(first_ms, last_ms + 1, 20)
            for k in range(10)]


class CloseFaults(unittest.TestCase):
    def setUp(self):
        self.term = event("cap_term", T0, T0 + 143 * MS, 63479, 63572)
        self.kill = event("cap_kill", T0 + 175 * MS, T0 + 306 * MS,
                          63575, 63665)
        # lost: sent while the first capture was down (12..132 ms), sent
        # to the restarted one before it was killed unsynced (152, 172),
        # sent while the second was down (192..292: 60)
        self.lost = bursts(12, 292)
        self.sent = sorted(bursts(-188, 612))

    def run_it(self):
        missing = [(t, n) for n, t in enumerate(self.lost)]
        return tc.assign_missing(missing, [self.kill], [self.term],
                                 self.sent, SYNC, MARGIN, SKEW)

    def test_each_loss_goes_to_its_own_outage(self):
        self.assertEqual(self.run_it(), [])
        self.assertEqual(self.term["down_span"], 70)
        self.assertEqual(self.term["down"], 70)
        self.assertEqual(self.term["pre"], 0)
        self.assertEqual(self.kill["pre"], 20)
        self.assertEqual(self.kill["down_span"], 60)
        self.assertEqual(self.kill["down"], 60)
        self.assertEqual(self.kill["oldest"], T0 + 152 * MS)

    def test_losses_within_the_spans_fit_the_tunnel_counters(self):
        self.run_it()
        for e in (self.term, self.kill):
            self.assertLessEqual(e["down_span"], e["tx"], e["type"])
        self.assertEqual(self.term["tx"], 93)
        self.assertEqual(self.term["sent_down"], 70)

    def test_a_loss_just_past_a_span_goes_to_the_nearest(self):
        # 20 ms after the kill's restart: only the widened span holds it
        self.lost = [T0 + 326 * MS]
        self.assertEqual(self.run_it(), [])
        self.assertEqual(self.kill["down"], 1)
        self.assertEqual(self.kill["down_span"], 0)
        self.assertEqual(self.term["down"], 0)

    def test_a_loss_no_outage_explains_is_reported(self):
        self.lost = [T0 + 5000 * MS]
        self.assertEqual(self.run_it(), [(T0 + 5000 * MS, 0)])
        # ... and one before the sync window of the kill
        self.lost = [T0 + 175 * MS - SYNC - MARGIN - 1]
        self.assertEqual(len(self.run_it()), 1)


if __name__ == "__main__":
    unittest.main()
