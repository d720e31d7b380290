"""Effort against outcome: what inspector-days buy, per policy and capacity, by period.

Effort is inspector-days used; outcomes are undetected-failure authority-years and detection
latency (days from a failure beginning to its detection), lower being better for all three.
Every figure is a paired difference under common random numbers: scenario minus reference,
replication by replication, with a t interval (n - 1 df).

Periods: the whole run, the SIF era (day 0 to the first monthly snapshot on or after
inspectorate.ilacs_from) and the ILACS era (from that snapshot to the end), from the cumulative
national series (undetected_failure_years, detections with detection_latency_mean) and
inspector_utilisation x inspector_capacity x the interval (which sums exactly to
summary/inspector_days_used). The series stop at the last snapshot, so the whole run's
undetected-failure authority-years may fall short of summary/undetected_failure_years by the
few days after it (0.03% in the tests).
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .compare import paired
from .loader import DAYS_PER_YEAR

PERIODS = ("whole run", "SIF era", "ILACS era")
CRITERIA = (("inspector_days", "inspector-days"),
            ("undetected_failure_years", "authority-years"),
            ("detection_latency", "days"))
_EMPIRICAL = re.compile(r"values:\s*\[([^\]]*)\]")


def _split_index(run, scenario):
    """Index of the first snapshot on or after inspectorate.ilacs_from (None if outside)."""
    p = run.parameters(scenario)
    frm = p.get("inspectorate.ilacs_from")
    t = run.time(scenario)["time_days"].values
    if not frm:
        return None
    day = (pd.Timestamp(str(frm)) - run.start_date(scenario)).days
    j = int(np.searchsorted(t, day, side="left"))
    return j if 0 < j < len(t) - 1 else None


def period_values(run, scenario):
    """Per replication and period: inspector_days, undetected_failure_years, detection_latency
    (mean over the failures detected in the period; NaN if none) and detections. A tidy frame:
    scenario, replication, period, <criteria>."""
    rd = lambda n: np.asarray(run._read(scenario, f"national/{n}")[0], float)  # noqa: E731
    t = run.time(scenario)["time_days"].values
    u, cap = rd("inspector_utilisation"), rd("inspector_capacity")
    step = np.nan_to_num(u[:, 1:] * cap[:, 1:] * np.diff(t)[None, :])
    cum_days = np.c_[np.zeros(len(u)), np.cumsum(step, axis=1)]
    ufy = rd("undetected_failure_years")
    det = rd("detections")
    lat = np.nan_to_num(rd("detection_latency_mean")) * det      # summed latency so far
    j = _split_index(run, scenario)
    last = len(t) - 1
    spans = {"whole run": (0, last)}
    if j is not None:
        spans.update({"SIF era": (0, j), "ILACS era": (j, last)})
    rows = []
    nr = len(u)
    for name, (a, b) in spans.items():
        d_det = det[:, b] - det[:, a]
        with np.errstate(invalid="ignore", divide="ignore"):
            latency = np.where(d_det > 0, (lat[:, b] - lat[:, a]) / d_det, np.nan)
        rows.append(pd.DataFrame({
            "scenario": scenario, "replication": np.arange(nr), "period": name,
            "inspector_days": cum_days[:, b] - cum_days[:, a],
            "undetected_failure_years": ufy[:, b] - ufy[:, a],
            "detection_latency": latency, "detections": d_det,
            "period_years": (t[b] - t[a]) / DAYS_PER_YEAR}))
    return pd.concat(rows, ignore_index=True)


def effort_outcome(run, points, reference, level=0.95):
    """Paired differences (scenario minus reference) of effort and outcomes, per period.

    points: frame with scenario, fte, policy (capacity.capacity_points). Returns one row per
    (scenario, period, criterion): fte, policy, mean, mean_ref, diff, paired_lo, paired_hi,
    and q05 / q95 of the scenario's values over replications."""
    vals = {s: period_values(run, s) for s in points["scenario"]}
    ref = vals[reference]
    rows = []
    for _, p in points.iterrows():
        v = vals[p["scenario"]]
        for per in PERIODS:
            a = ref[ref["period"] == per]
            b = v[v["period"] == per]
            if not len(a) or not len(b):
                continue
            for crit, unit in CRITERIA:
                r = paired(a[crit].values, b[crit].values, level)
                x = b[crit].values
                x = x[np.isfinite(x)]
                q05, q95 = (np.quantile(x, [0.05, 0.95]) if len(x) else (np.nan, np.nan))
                rows.append(dict(scenario=p["scenario"], fte=p["fte"], policy=p["policy"],
                                 reference=reference, period=per, criterion=crit, unit=unit,
                                 q05=q05, q95=q95, **r))
    return pd.DataFrame(rows)


def dominance(eo, period="whole run"):
    """Marks dominated points in one period: point P is dominated by Q when Q's mean is no
    worse on every criterion (effort and both outcomes, lower is better) and better on one.
    `dominated_ci`: some Q is better on every criterion with its paired 95% interval of
    Q - P wholly below 0 (a significant dominance). One row per scenario."""
    d = eo[eo["period"] == period]
    crits = [c for c, _ in CRITERIA]
    m = d.pivot_table(index="scenario", columns="criterion", values="mean",
                      dropna=False).reindex(columns=crits)
    # a criterion no scenario measured (no detections anywhere in a short run: latency
    # undefined) cannot separate points; one measured for some scenarios only is kept
    m = m.loc[:, m.notna().any()]
    scen = list(m.index)
    out = []
    for s in scen:
        by = [q for q in scen if q != s and (m.loc[q] <= m.loc[s]).all()
              and (m.loc[q] < m.loc[s]).any()]
        out.append({"scenario": s, "dominated": bool(by), "dominated_by": ", ".join(by)})
    return pd.DataFrame(out)


def dominance_ci(run, points, level=0.95, period="whole run"):
    """For each pair (P, Q): is Q better than P on every criterion with paired 95% intervals of
    Q - P wholly below 0? Returns scenario, dominated_ci, dominated_ci_by."""
    vals = {s: period_values(run, s) for s in points["scenario"]}
    crits = [c for c, _ in CRITERIA]
    out = []
    for s in points["scenario"]:
        a = vals[s][vals[s]["period"] == period]
        by = []
        for q in points["scenario"]:
            if q == s:
                continue
            b = vals[q][vals[q]["period"] == period]
            if all(paired(a[c].values, b[c].values, level)["paired_hi"] < 0 for c in crits):
                by.append(q)
        out.append({"scenario": s, "dominated_ci": bool(by), "dominated_ci_by": ", ".join(by)})
    return pd.DataFrame(out)


def equal_work(run, points, reference, level=0.95, period="whole run"):
    """Policies compared at equal work: for each policy other than the reference's, the
    capacity at which its mean inspector-days equal the reference's (linear interpolation
    between its two bracketing capacities), and its outcomes there, interpolated replication
    by replication with the same weights (so the pairing of common random numbers is kept).
    Returns policy, fte_equal_work, and per criterion diff and paired interval (scenario
    minus reference). NaN where the reference's effort is outside the policy's range."""
    vals = {s: period_values(run, s) for s in points["scenario"]}
    vals = {s: v[v["period"] == period].reset_index(drop=True) for s, v in vals.items()}
    ref = vals[reference]
    target = ref["inspector_days"].mean()
    ref_pol = points.loc[points["scenario"] == reference, "policy"].iloc[0]
    rows = []
    for pol, d in points.groupby("policy", sort=True):
        if pol == ref_pol:
            continue
        d = d.dropna(subset=["fte"]).sort_values("fte")
        eff = np.array([vals[s]["inspector_days"].mean() for s in d["scenario"]])
        row = {"policy": pol, "reference": reference, "period": period,
               "target_inspector_days": target, "fte_equal_work": np.nan}
        k = None
        for i in range(len(eff) - 1):
            lo, hi = sorted((eff[i], eff[i + 1]))
            if lo <= target <= hi:
                k = i
                break
        if k is not None:
            w = 0.0 if eff[k + 1] == eff[k] else (target - eff[k]) / (eff[k + 1] - eff[k])
            f0, f1 = d["fte"].iloc[k], d["fte"].iloc[k + 1]
            row["fte_equal_work"] = f0 + w * (f1 - f0)
            v0, v1 = vals[d["scenario"].iloc[k]], vals[d["scenario"].iloc[k + 1]]
            for crit, unit in CRITERIA:
                x = (1 - w) * v0[crit].values + w * v1[crit].values
                r = paired(ref[crit].values, x, level)
                row[f"{crit}_diff"] = r["diff"]
                row[f"{crit}_lo"] = r["paired_lo"]
                row[f"{crit}_hi"] = r["paired_hi"]
        rows.append(row)
    return pd.DataFrame(rows)


def calibrated_fte_range(run=None, path=None, q=(0.05, 0.95)):
    """The calibrated inspector FTE: (q05, median, q95) from drawn/inspectorate.fte of any
    scenario of `run` that drew it, else from the empirical posterior in `path` (default
    scenarios/calibrated.yaml of this repository). None if neither is available."""
    if run is not None:
        for s in run.scenarios:
            dr = run.drawn(s)
            if "inspectorate.fte" in dr:
                x = dr["inspectorate.fte"].values
                return float(np.quantile(x, q[0])), float(np.median(x)), float(np.quantile(x, q[1]))
    if path is None:
        import os
        path = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__)))), "scenarios", "calibrated.yaml")
    try:
        with open(path) as fh:
            for line in fh:
                if line.strip().startswith("fte:"):
                    m = _EMPIRICAL.search(line)
                    if m:
                        x = np.array([float(v) for v in m.group(1).split(",")])
                        return (float(np.quantile(x, q[0])), float(np.median(x)),
                                float(np.quantile(x, q[1])))
    except OSError:
        pass
    return None


__all__ = ["PERIODS", "CRITERIA", "period_values", "effort_outcome", "dominance",
           "dominance_ci", "equal_work", "calibrated_fte_range"]
