"""Which uncertain parameters matter: partial rank correlation coefficients (PRCC) of the
per-replication draws (drawn/<key>) with per-replication outcomes.

PRCC of parameter j with outcome y: rank-transform every parameter and y; regress the ranks of
j and of y on the ranks of the other parameters (with an intercept); the PRCC is the
correlation of the two residuals (Marino et al. 2008, J. Theor. Biol. 254:178). Interval:
Fisher z with standard error 1 / sqrt(n - 3 - (p - 1)).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def prcc(X, y, level=0.95):
    """X: frame of parameters (one row per replication); y: outcome values. Returns a frame
    parameter, prcc, lo, hi, abs_prcc, n."""
    X = pd.DataFrame(X)
    y = np.asarray(y, float)
    ok = np.isfinite(y) & np.isfinite(X.values).all(axis=1)
    X, y = X[ok], y[ok]
    keep = [c for c in X.columns if X[c].nunique() > 1]
    X = X[keep]
    n, p = X.shape
    R = np.column_stack([stats.rankdata(X[c]) for c in X.columns]) if p else np.zeros((n, 0))
    ry = stats.rankdata(y)
    z = stats.norm.ppf(0.5 + level / 2)
    rows = []
    for j, c in enumerate(X.columns):
        A = np.column_stack([np.ones(n), np.delete(R, j, axis=1)])
        bx, *_ = np.linalg.lstsq(A, R[:, j], rcond=None)
        by, *_ = np.linalg.lstsq(A, ry, rcond=None)
        ex, ey = R[:, j] - A @ bx, ry - A @ by
        den = np.sqrt((ex @ ex) * (ey @ ey))
        r = float(ex @ ey / den) if den > 0 else np.nan
        dof = n - 3 - (p - 1)
        if dof > 0 and np.isfinite(r) and abs(r) < 1:
            se = 1 / np.sqrt(dof)
            lo, hi = np.tanh(np.arctanh(r) - z * se), np.tanh(np.arctanh(r) + z * se)
        else:
            lo = hi = np.nan
        rows.append({"parameter": c, "prcc": r, "lo": lo, "hi": hi, "abs_prcc": abs(r), "n": n})
    return pd.DataFrame(rows)


HEADLINE = (("undetected_failure_years", "summary/undetected_failure_years"),
            ("commissioners", "summary/commissioners_appointed"),
            ("trusts", "summary/trusts_created"),
            ("inadequate_at_end", "end/grade_counts[inadequate]"))


def prcc_table(run, scenario, outcomes=HEADLINE):
    """PRCC of every drawn parameter of `scenario` with each headline outcome (one row per
    outcome and parameter); empty when the scenario draws nothing."""
    from .compare import metric_values
    X = run.drawn(scenario)
    if X.empty or len(X) < X.shape[1] + 5:
        return pd.DataFrame()
    frames = []
    for name, spec in outcomes:
        try:
            y = metric_values(run, scenario, spec).values
        except (KeyError, ValueError):
            continue
        t = prcc(X, y[:len(X)])
        t.insert(0, "outcome", name)
        frames.append(t)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def split_by_prior(run, scenario, pr, outcomes=HEADLINE, groups=3):
    """The headline outcomes split by the most influential drawn parameter (the largest
    |PRCC| over the outcomes of `pr`): per third of its draws (by rank), the range of the
    parameter and each outcome's mean and 5-95% range over those replications."""
    from .compare import metric_values
    if pr is None or not len(pr):
        return None, pd.DataFrame()
    top = pr.groupby("parameter")["abs_prcc"].max().idxmax()
    x = run.drawn(scenario)[top].values
    cut = np.quantile(x, np.linspace(0, 1, groups + 1))
    g = np.clip(np.searchsorted(cut, x, side="right") - 1, 0, groups - 1)
    vals = {}
    for name, spec in outcomes:
        try:
            vals[name] = metric_values(run, scenario, spec).values[:len(x)]
        except (KeyError, ValueError):
            pass
    rows = []
    for k in range(groups):
        m = g == k
        row = {"third": k + 1, top: f"{x[m].min():.3g} to {x[m].max():.3g}",
               "replications": int(m.sum())}
        for name, v in vals.items():
            w = v[m][np.isfinite(v[m])]
            row[name] = (f"{w.mean():.3g} ({np.quantile(w, 0.05):.3g} to "
                         f"{np.quantile(w, 0.95):.3g})") if len(w) else "n/a"
        rows.append(row)
    return top, pd.DataFrame(rows)


__all__ = ["prcc", "prcc_table", "split_by_prior", "HEADLINE"]
