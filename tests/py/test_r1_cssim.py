#!/usr/bin/python3
"""cssim runs the reference model R1 of issue 15 (scenarios/verify/r1.yaml) and gives its exact
answers: the finite-source M/M/3 queue with 152 sources and the grade chain's stationary law
(bench/peers/r1_exact.py), as the peers do in test_r1_peers.py.

Fixed seed (the scenario's run.seed); tolerances are 4 standard errors over replications. At
T = 3650 days (400 replications): mean wait, P(wait), busy teams and inspections against the
exact expectations from the empty start, and the grade counts at exactly T against their exact
expectation given each authority's completions. Over 36500 days (--set time.horizon_days,
100 replications): the queue against the stationary answers, the grade shares at T against pi.
Also checks that the scenario is R1: the snapshots at 0 and exactly T, the grade counts
10/50/60/32 at 0, 152 authorities, governance untouched (the regime is off), and no event but
the requests, the ends of inspections (publication in line) and the two snapshots."""
import os
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

ROOT = os.environ.get("CSSIM_SRC") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
CSSIM = os.environ.get("CSSIM", os.path.join(ROOT, "build", "cssim"))
SCENARIO = os.path.join(ROOT, "scenarios", "verify", "r1.yaml")
sys.path.insert(0, os.path.join(ROOT, "bench", "peers"))

import r1_exact as rx  # noqa: E402

K = 4.0  # standard errors


class R1Cssim(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def run_cssim(self, n, horizon):
        out = os.path.join(self.tmp.name, "r1_%d.h5" % horizon)
        subprocess.run([CSSIM, "run", SCENARIO, "-o", out, "--force", "-q", "-n", str(n),
                        "--set", "time.horizon_days=%g" % horizon], check=True)
        d = rx.from_cssim(out, horizon=horizon)
        self.assertEqual(len(d["started"]), n)
        return out, rx.estimates(d)

    def check(self, label, est, want):
        m, se = est
        self.assertGreater(se, 0, label)
        self.assertLessEqual(abs(m - want), K * se,
                             "%s = %.5g (SE %.2g), exact %.5g: z = %+.1f"
                             % (label, m, se, want, (m - want) / se))

    def test_reference(self):
        out, e = self.run_cssim(400, rx.T)
        t = rx.transient()
        for key in ("mean_wait", "p_wait", "busy", "inspections"):
            self.check("cssim T=3650 %s" % key, e[key], t[key])
        for g in ("O", "G", "RI", "I"):
            self.check("cssim counts at T minus expectation, %s" % g, e["excess_T_" + g], 0.0)
        with h5py.File(out, "r") as f:
            g = f["scenarios/verify_r1"]
            np.testing.assert_array_equal(g["time"][()], [0.0, rx.T])
            counts = g["national/grade_counts"][()]
            self.assertTrue((counts[:, 0, :] == rx.INIT).all())
            self.assertTrue((counts.sum(axis=2) == rx.N).all())
            gov = g["national/governance_counts"][()]
            self.assertTrue((gov[:, :, 0] == rx.N).all(), "the regime is off: all councils")
            s = g["summary"]
            self.assertTrue((s["commissioners_appointed"][()] == 0).all())
            # exactly the requests (started or still queued at T), the ends of the inspections
            # and the two snapshots: publication is in line, no tick, no regime, no signals
            started, done = s["visits_started"][()], s["inspections_completed"][()]
            queued = g["national/queue_length"][:, -1]
            np.testing.assert_array_equal(s["events"][()], started + queued + done + 2)
            self.assertTrue((started - done >= 0).all() and (started - done <= rx.TEAMS).all())

    def test_stationary(self):
        horizon = 10 * rx.T
        _, e = self.run_cssim(100, horizon)
        s, pi = rx.stationary(), rx.stationary_pi()
        for key in ("mean_wait", "p_wait", "busy"):
            self.check("cssim T=36500 %s" % key, e[key], s[key])
        for j, g in enumerate(("O", "G", "RI", "I")):
            self.check("cssim T=36500 share %s" % g, e["share_T_" + g], pi[j])


if __name__ == "__main__":
    unittest.main(verbosity=2)
