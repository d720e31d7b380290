"""Policy comparison under common random numbers (model-spec question 6).

Scenarios in one cssim file share the master seed, and replication r of every scenario uses
the streams keyed by (seed, r, authority, process), so replication r of policy A and of policy B
meet the same chance events as far as the policies let them. The paired difference
d_r = B_r - A_r then has variance var(A) + var(B) - 2 cov(A, B), usually far below the
var(A) + var(B) of independent runs: `compare()` reports both intervals and the ratio.
"""
from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
from scipy import stats

# Metrics: (name, spec, unit). Spec: "summary/<name>"; "end/<series>[label]" (value at the
# last snapshot); "mean/<series>[label]" (mean over the snapshots); or a callable
# f(run, scenario) -> one value per replication.
KEY_METRICS = [
    ("inspector_days_used", "summary/inspector_days_used", "inspector-days"),
    ("overdue_inspections", "mean/overdue_inspections", "visits queued overdue (time mean)"),
    ("overdue_days", "summary/overdue_days", "days"),
    ("mean_grade_age", "mean/mean_grade_age", "days (time mean)"),
    ("detection_latency", "summary/detection_latency_mean", "days"),
    ("undetected_failure_years", "summary/undetected_failure_years", "authority-years"),
    ("inadequate_at_end", "end/grade_counts[inadequate]", "authorities"),
    ("commissioners", "summary/commissioners_appointed", "count"),
    ("trusts", "summary/trusts_created", "count"),
]

_SPEC = re.compile(r"^(summary|end|mean)/([A-Za-z0-9_]+)(?:\[([A-Za-z0-9_]+)\])?$")


def metric_values(run, scenario, spec):
    """One value per replication (a float Series indexed by replication)."""
    if callable(spec):
        v = spec(run, scenario)
        return pd.Series(np.asarray(v, float), name=getattr(spec, "__name__", "metric"))
    m = _SPEC.match(spec)
    if not m:
        if spec in run.summary(scenario).columns:
            m = _SPEC.match("summary/" + spec)
        else:
            raise ValueError(f"bad metric {spec!r} (summary/NAME, end/SERIES[LABEL], "
                             "mean/SERIES[LABEL])")
    kind, name, label = m.groups()
    if kind == "summary":
        s = run.summary(scenario)[name].astype(float)
        return s.rename(spec)
    x, dims, coords, _, _ = run._read(scenario, f"national/{name}")
    if label is not None:
        x = x[:, :, list(coords[dims[2]]).index(label)]
    x = np.asarray(x, float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        v = x[:, -1] if kind == "end" else np.nanmean(x, axis=1)
    return pd.Series(v, index=pd.RangeIndex(len(v), name="replication"), name=spec)


def tci(x, level=0.95):
    """Mean and t-based confidence interval of a sample (NaNs dropped)."""
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return dict(n=0, mean=np.nan, sd=np.nan, lo=np.nan, hi=np.nan)
    m = x.mean()
    if n < 2:
        return dict(n=n, mean=m, sd=np.nan, lo=np.nan, hi=np.nan)
    sd = x.std(ddof=1)
    h = stats.t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n)
    return dict(n=n, mean=m, sd=sd, lo=m - h, hi=m + h)


def paired(a, b, level=0.95):
    """Compares b against a, replication by replication.

    Returns diff = mean(b - a) over complete pairs, diff_q05 / diff_q95 (the 5-95% range of
    the per-replication differences), the paired t interval (n - 1 df), the
    unpaired Welch interval from the same replications treated as independent, var_diff =
    var(b - a), var_sum = var(a) + var(b), var_ratio = var_diff / var_sum (below 1: common
    random numbers helped) and width_ratio = paired / unpaired interval width."""
    a = pd.Series(np.asarray(a, float)).reset_index(drop=True)
    b = pd.Series(np.asarray(b, float)).reset_index(drop=True)
    n = min(len(a), len(b))
    a, b = a[:n].values, b[:n].values
    ok = np.isfinite(a) & np.isfinite(b)
    a, b = a[ok], b[ok]
    n = len(a)
    out = dict(n=n, mean_ref=np.nan, mean=np.nan, diff=np.nan, paired_lo=np.nan,
               paired_hi=np.nan, unpaired_lo=np.nan, unpaired_hi=np.nan, var_diff=np.nan,
               var_sum=np.nan, var_ratio=np.nan, width_ratio=np.nan, p_paired=np.nan,
               diff_q05=np.nan, diff_q95=np.nan)
    if n == 0:
        return out
    d = b - a
    out.update(mean_ref=a.mean(), mean=b.mean(), diff=d.mean(),
               diff_q05=np.quantile(d, 0.05), diff_q95=np.quantile(d, 0.95))
    if n < 2:
        return out
    q = 0.5 + level / 2
    sd = d.std(ddof=1)
    h = stats.t.ppf(q, n - 1) * sd / np.sqrt(n)
    va, vb = a.var(ddof=1), b.var(ddof=1)
    se_u = np.sqrt(va / n + vb / n)
    if se_u > 0:
        df_w = se_u ** 4 / ((va / n) ** 2 / (n - 1) + (vb / n) ** 2 / (n - 1))
        hu = stats.t.ppf(q, df_w) * se_u
    else:
        hu = 0.0
    out.update(paired_lo=d.mean() - h, paired_hi=d.mean() + h, unpaired_lo=d.mean() - hu,
               unpaired_hi=d.mean() + hu, var_diff=sd ** 2, var_sum=va + vb)
    if va + vb > 0:
        out["var_ratio"] = sd ** 2 / (va + vb)
    if hu > 0:
        out["width_ratio"] = h / hu
    if sd > 0:
        out["p_paired"] = 2 * stats.t.sf(abs(d.mean()) / (sd / np.sqrt(n)), n - 1)
    elif d.mean() != 0:
        out["p_paired"] = 0.0
    return out


def compare(run, scenarios=None, reference=None, metrics=None, level=0.95):
    """Paired comparison of every scenario against `reference` (default: the first) on each
    metric. metrics: list of (name, spec[, unit]) or of specs; default KEY_METRICS where the
    file has the data. One row per (scenario, metric); diff = scenario - reference."""
    scenarios = list(scenarios or run.scenarios)
    reference = reference or scenarios[0]
    if not run.common_seed:
        warnings.warn("the files were run with different seeds: paired intervals assume "
                      "common random numbers and are not valid here")
    metrics = _norm_metrics(metrics or available_metrics(run, reference))
    rows = []
    for name, spec, unit in metrics:
        ref = metric_values(run, reference, spec)
        for s in scenarios:
            if s == reference:
                continue
            r = paired(ref, metric_values(run, s, spec), level)
            rows.append(dict(scenario=s, reference=reference, metric=name, unit=unit, **r))
    return pd.DataFrame(rows)


def levels(run, scenarios=None, metrics=None, level=0.95):
    """Mean and t interval of each metric per scenario (one row per scenario and metric)."""
    scenarios = list(scenarios or run.scenarios)
    metrics = _norm_metrics(metrics or available_metrics(run, scenarios[0]))
    rows = []
    for s in scenarios:
        for name, spec, unit in metrics:
            v = metric_values(run, s, spec)
            rows.append(dict(scenario=s, metric=name, unit=unit, **tci(v, level)))
    return pd.DataFrame(rows)


def _norm_metrics(metrics):
    out = []
    for m in metrics:
        if isinstance(m, str):
            out.append((m.split("/")[-1], m, ""))
        elif len(m) == 2:
            out.append((m[0], m[1], ""))
        else:
            out.append(tuple(m[:3]))
    return out


def available_metrics(run, scenario, metrics=KEY_METRICS):
    """The metrics of `metrics` whose datasets exist for this scenario."""
    summ = set(run.summary(scenario).columns)
    nat = set(run.national_names(scenario))
    out = []
    for name, spec, unit in metrics:
        m = _SPEC.match(spec)
        if m and ((m.group(1) == "summary" and m.group(2) in summ)
                  or (m.group(1) != "summary" and m.group(2) in nat)):
            out.append((name, spec, unit))
    return out


__all__ = ["KEY_METRICS", "metric_values", "tci", "paired", "compare", "levels",
           "available_metrics"]
