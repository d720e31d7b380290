#!/usr/bin/python3
"""KN ranking and selection (analysis/cssim_analysis/select.py) on constructed cases with a known
best: synthetic Normal outputs with common-random-number correlation, no cssim needed.

- Over 200 fixed seeds in the slippage configuration (the best exactly delta better than all
  others, the least favourable case for an indifference-zone procedure), KN must pick the best at
  least as often as a binomial bound allows under its guarantee P(correct) >= 1 - alpha: the
  count must not fall below the smallest k with P(Binomial(200, 1 - alpha) < k) <= 1e-6. With
  fixed seeds the result is deterministic; the bound says how little the test can fail by chance
  if the seeds were changed.
- Negative control: choosing the best first-stage mean (no sequential stage) falls below the
  same bound, so the test can fail.
- Elimination is applied after every replication, whatever the batch size: the fully sequential
  and the doubling-batch runs give the same answer and the same replication counts.
"""
import os
import sys
import unittest

import numpy as np
from scipy import stats

ROOT = os.environ.get("CSSIM_SRC") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "analysis"))

from cssim_analysis.select import doubling, kn_constants, kn_select  # noqa: E402

K, N0, ALPHA, DELTA, RHO = 5, 10, 0.1, 0.5, 0.5
SEEDS = 200


def system(seed, k=K, delta=DELTA, rho=RHO, nmax=4000, best=0):
    """sample(systems, a, b) of k Normal systems (smaller is better): the best has mean 0,
    every other delta; standard deviations 1..2; replication r of every system shares a
    common component (correlation rho), as common random numbers give."""
    rng = np.random.default_rng(seed)
    mu = np.full(k, delta)
    mu[best] = 0.0
    sd = np.linspace(1.0, 2.0, k)
    z0 = rng.standard_normal(nmax)
    z = rng.standard_normal((k, nmax))
    X = mu[:, None] + sd[:, None] * (np.sqrt(rho) * z0[None, :] + np.sqrt(1 - rho) * z)
    return lambda systems, a, b: X[systems, a:b]


def lower_bound(n, p, tail=1e-6):
    """Smallest k with P(Binomial(n, p) < k) <= tail."""
    k = 0
    while stats.binom.cdf(k, n, p) <= tail:
        k += 1
    return k


class KN(unittest.TestCase):
    def test_constants(self):
        eta, h2 = kn_constants(2, 10, 0.05)
        # Kim & Nelson (2001): eta = ((2 alpha / (k - 1)) ** (-2 / (n0 - 1)) - 1) / 2
        self.assertAlmostEqual(eta, 0.5 * (0.1 ** (-2 / 9) - 1))
        self.assertAlmostEqual(h2, 2 * eta * 9)

    def test_probability_of_correct_selection(self):
        bound = lower_bound(SEEDS, 1 - ALPHA)
        correct, reps = 0, []
        for s in range(SEEDS):
            r = kn_select(system(s, best=s % K), K, n0=N0, alpha=ALPHA, delta=DELTA)
            correct += r.best == s % K
            reps.append(int(r.replications.sum()))
            self.assertFalse(r.capped)
            self.assertEqual(r.replications[r.best], r.stages)
            self.assertTrue((r.replications >= N0).all())
        print(f"KN: correct {correct}/{SEEDS} (bound {bound}, guarantee >= {1 - ALPHA}); "
              f"mean replications over all systems {np.mean(reps):.0f}")
        self.assertGreaterEqual(correct, bound)

    def test_negative_control_first_stage_only(self):
        bound = lower_bound(SEEDS, 1 - ALPHA)
        correct = 0
        for s in range(SEEDS):
            X = system(s)(list(range(K)), 0, N0)
            correct += int(np.argmin(X.mean(axis=1)) == 0)
        print(f"first-stage means only: correct {correct}/{SEEDS} (bound {bound})")
        self.assertLess(correct, bound)

    def test_batches_do_not_change_the_answer(self):
        for s in range(20):
            a = kn_select(system(s), K, n0=N0, alpha=ALPHA, delta=DELTA)
            b = kn_select(system(s), K, n0=N0, alpha=ALPHA, delta=DELTA, batch=doubling(N0))
            self.assertEqual(a.best, b.best)
            np.testing.assert_array_equal(a.replications, b.replications)
            np.testing.assert_array_equal(a.eliminated_at, b.eliminated_at)
            # doubling asks for few batches
            self.assertLessEqual(len(b.fetched), int(np.log2(max(b.stages, 2))) + 2)

    def test_clear_winner_stops_early_and_maximize(self):
        f = system(1, delta=5.0)
        r = kn_select(f, K, n0=N0, alpha=0.05, delta=0.5)
        self.assertEqual(r.best, 0)
        self.assertEqual(r.stages, N0)  # every other system is far worse: out at once
        neg = lambda systems, a, b: -f(systems, a, b)  # noqa: E731
        self.assertEqual(kn_select(neg, K, n0=N0, alpha=0.05, delta=0.5, minimize=False).best, 0)

    def test_cap(self):
        r = kn_select(system(3, delta=0.0), K, n0=N0, alpha=0.05, delta=0.01, max_reps=40)
        self.assertTrue(r.capped)
        self.assertEqual(r.stages, 40)


if __name__ == "__main__":
    unittest.main(verbosity=2)
