"""Ranking and selection: the fully sequential procedure KN of Kim & Nelson (2001).

S.-H. Kim and B. L. Nelson, "A fully sequential procedure for indifference-zone selection in
simulation", ACM TOMACS 11(3):251-273, 2001. It names the system with the best mean (here the
smallest, `minimize=True`, or the largest) such that, when the best is at least `delta` better
than every other, it is the right one with probability at least 1 - alpha. It allows unequal
variances and common random numbers: replication r of every system is one draw of a vector
with any correlation, which is what cssim gives when the candidates are points of one sweep
(same seed; replication r of every point uses the streams keyed by r). Observations are
assumed normal (per-replication outcomes here are sums over 152 authorities).

Procedure (for maximisation; minimisation negates the observations):

- eta = ((2 alpha / (k - 1)) ** (-2 / (n0 - 1)) - 1) / 2, h2 = 2 eta (n0 - 1);
- after n0 replications of every system: S2[i, l] = sample variance of X_i - X_l;
- at each r >= n0, with W[i, l](r) = max(0, delta / (2 r) * (h2 S2[i, l] / delta**2 - r)),
  eliminate i if mean_i(r) < mean_l(r) - W[i, l](r) for some surviving l;
- stop when one system survives; otherwise one more replication of every survivor.

`kn_select` takes a function that returns replications [a, b) of the given systems, so that the
caller can simulate in batches (cssim reruns replications 0..b-1 of the surviving points; their
first a replications are bit-identical to those already read) while the elimination itself
stays fully sequential: it is applied after every single replication.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def kn_constants(k, n0, alpha):
    """(eta, h2) of KN for k systems, first stage n0 and error alpha."""
    if k < 2:
        return 0.0, 0.0
    eta = 0.5 * ((2.0 * alpha / (k - 1)) ** (-2.0 / (n0 - 1)) - 1.0)
    return eta, 2.0 * eta * (n0 - 1)


@dataclass
class Selection:
    best: int                     # index of the selected system
    replications: np.ndarray      # replications each system received before it left (or won)
    eliminated_at: np.ndarray     # r at which each system was eliminated (-1: the winner)
    means: np.ndarray             # sample mean of each system over its replications
    stages: int                   # replications of the survivors when the procedure stopped
    h2: float
    eta: float
    fetched: list = field(default_factory=list)   # (systems, a, b) requests made
    capped: bool = False          # stopped at max_reps with more than one survivor


def kn_select(sample, k, n0=10, alpha=0.05, delta=1.0, minimize=True, max_reps=None,
              batch=None):
    """KN selection. sample(systems, a, b) -> array [len(systems), b - a] of replications
    a..b-1 of the listed systems (indices into 0..k-1). batch(r, survivors) -> the number of
    replications to have on hand when more than r are needed (default: r + 1, fully
    sequential; cssim uses a doubling batch). max_reps: stop there even with several survivors
    (then `capped` is True and the best sample mean among them is named)."""
    if n0 < 2:
        raise ValueError("n0 must be at least 2")
    if delta <= 0:
        raise ValueError("delta must be positive")
    sign = -1.0 if minimize else 1.0
    eta, h2 = kn_constants(k, n0, alpha)
    fetched = []
    X = np.full((k, 0), np.nan)

    def need(systems, upto):
        nonlocal X
        have = X.shape[1]
        if upto <= have:
            return
        if X.shape[1] < upto:
            X = np.concatenate([X, np.full((k, upto - have), np.nan)], axis=1)
        new = np.asarray(sample(list(systems), have, upto), float)
        if new.shape != (len(systems), upto - have):
            raise ValueError(f"sample returned shape {new.shape}, expected "
                             f"{(len(systems), upto - have)}")
        if not np.isfinite(new).all():
            raise ValueError("sample returned non-finite values (choose a metric defined in "
                             "every replication)")
        X[list(systems), have:upto] = sign * new
        fetched.append((list(systems), have, upto))

    alive = np.arange(k)
    first = n0 if batch is None else max(n0, int(batch(n0 - 1, alive)))
    if max_reps:
        first = min(first, max_reps)
    need(alive, first)
    Y = X[:, :n0]
    D = Y[:, None, :] - Y[None, :, :]
    S2 = D.var(axis=2, ddof=1)                      # S2[i, l]
    elim = np.full(k, -1)
    nrep = np.zeros(k, int)
    sums = X[:, :n0].sum(axis=1)
    r = n0
    capped = False
    while True:
        if len(alive) > 1:
            m = sums[alive] / r
            W = np.maximum(0.0, delta / (2.0 * r) * (h2 * S2[np.ix_(alive, alive)] / delta ** 2
                                                     - r))
            lower = m[None, :] - W                   # [i, l]: mean_l - W_il
            np.fill_diagonal(lower, -np.inf)
            keep = (m[:, None] >= lower).all(axis=1)
            for i in alive[~keep]:
                elim[i] = r
                nrep[i] = r
            alive = alive[keep]
        if len(alive) <= 1:
            break
        if max_reps and r >= max_reps:
            capped = True
            break
        if X.shape[1] < r + 1:
            upto = r + 1 if batch is None else max(r + 1, int(batch(r, alive)))
            if max_reps:
                upto = min(upto, max_reps)
            need(alive, upto)
        sums[alive] += X[alive, r]
        r += 1
    nrep[alive] = r
    means = np.array([np.nanmean(X[i, :nrep[i]]) for i in range(k)]) * sign
    if len(alive) == 1:
        best = int(alive[0])
    else:  # capped (or every system eliminated at once, which KN's rule cannot produce)
        cand = alive if len(alive) else np.arange(k)
        best = int(cand[np.argmax(sign * means[cand])])
    return Selection(best=best, replications=nrep, eliminated_at=elim, means=means, stages=r,
                     h2=h2, eta=eta, fetched=fetched, capped=capped)


def doubling(n_min=None):
    """A batch rule for simulators that rerun from replication 0: when more than r
    replications are needed, have max(2 r, n_min) on hand (total work at most twice the
    final count)."""
    def rule(r, alive):
        return max(2 * r, n_min or 0, r + 1)
    return rule


__all__ = ["kn_select", "kn_constants", "Selection", "doubling"]
