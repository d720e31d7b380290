#!/usr/bin/python3
"""The peers of the reference model R1 (bench/peers/r1_minimal.c, r1_simpy.py) give the exact
answers: the finite-source M/M/3 queue with 152 sources and the grade chain's stationary law.

Fixed seeds; tolerances are 4 standard errors over replications. At T = 3650 days the queue
statistics are checked against the exact expectations from the empty start
(bench/peers/r1_exact.transient), and the grade counts at T against their exact conditional
expectation given each authority's completions; over 36500 days, where the start no longer
matters, against the stationary answers and pi. Also checks that the two differ by little,
so the T = 3650 figures do measure the stationary queue. Needs gcc, SimPy and scipy.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.environ.get("CSSIM_SRC") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
PEERS = os.path.join(ROOT, "bench", "peers")
sys.path.insert(0, PEERS)

import r1_exact as rx  # noqa: E402

K = 4.0  # standard errors


class R1Peers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.minimal = os.path.join(cls.tmp.name, "r1_minimal")
        subprocess.run(["gcc", "-O2", "-o", cls.minimal, os.path.join(PEERS, "r1_minimal.c"),
                        "-lm"], check=True)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def run_peer(self, which, n, horizon):
        if which == "minimal":
            cmd = [self.minimal]
        else:
            cmd = [sys.executable, os.path.join(PEERS, "r1_simpy.py")]
        out = subprocess.run(cmd + ["-n", str(n), "--horizon", str(horizon)], check=True,
                             capture_output=True, text=True).stdout
        d = json.loads(out)
        self.assertEqual(len(d["started"]), n)
        return rx.estimates(d)

    def check(self, label, est, want):
        m, se = est
        self.assertGreater(se, 0, label)
        self.assertLessEqual(abs(m - want), K * se,
                             "%s = %.5g (SE %.2g), exact %.5g: z = %+.1f"
                             % (label, m, se, want, (m - want) / se))

    def check_reference(self, which, n):
        e, t = self.run_peer(which, n, rx.T), rx.transient()
        for key in ("mean_wait", "p_wait", "busy", "inspections"):
            self.check("%s T=3650 %s" % (which, key), e[key], t[key])
        for g in ("O", "G", "RI", "I"):
            self.check("%s counts at T minus expectation, %s" % (which, g),
                       e["excess_T_" + g], 0.0)

    def check_stationary(self, which, n):
        horizon = 10 * rx.T
        e, s, pi = self.run_peer(which, n, horizon), rx.stationary(), rx.stationary_pi()
        for key in ("mean_wait", "p_wait", "busy"):
            self.check("%s T=36500 %s" % (which, key), e[key], s[key])
        for j, g in enumerate(("O", "G", "RI", "I")):
            self.check("%s T=36500 share %s" % (which, g), e["share_T_" + g], pi[j])

    def test_exact_answers(self):
        s, t = rx.stationary(), rx.transient()
        # the machine-repair numbers (N = 152, c = 3, think 1095, service 14)
        self.assertAlmostEqual(s["mean_wait"], 4.8204, places=3)
        self.assertAlmostEqual(s["p_wait"], 0.39526, places=4)
        self.assertAlmostEqual(s["busy"], 1.91054, places=4)
        # Little's law: busy teams = throughput x service time
        self.assertAlmostEqual(s["busy"], s["inspections_per_day"] * rx.SERVE, places=9)
        pi = rx.stationary_pi()
        self.assertTrue(abs(pi @ rx.P - pi).max() < 1e-12)
        # the empty start costs little over 3650 days
        for key in ("mean_wait", "p_wait", "busy"):
            self.assertLess(abs(t[key] / s[key] - 1), 0.02, key)

    def test_minimal_c_reference(self):
        self.check_reference("minimal", 400)

    def test_minimal_c_stationary(self):
        self.check_stationary("minimal", 100)

    def test_simpy_reference(self):
        self.check_reference("simpy", 150)

    def test_simpy_stationary(self):
        self.check_stationary("simpy", 20)


if __name__ == "__main__":
    unittest.main(verbosity=2)
