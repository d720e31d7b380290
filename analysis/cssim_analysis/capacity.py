"""Capacity-policy benchmark: inspector capacity and scheduling policy under common random
numbers (model-spec questions 4 and 7).

    /usr/bin/python3 -m cssim_analysis.capacity [--cssim PATH] [--scenario FILE.yaml]
        [--fte 22.5,45,90] [--policies cycle,cadence,risk] [-n 20] [-o DIR]
    /usr/bin/python3 -m cssim_analysis.capacity --input run.h5 [more.h5 ...] [-o DIR]

Runs (with the cssim binary: --cssim, else $CSSIM, else cssim on PATH, else build/cssim) one
file holding a sweep over inspectorate.fte x inspectorate.policy with one seed, or reads
files that differ only in those keys, and prints markdown tables: per point the levels of each
metric, then paired differences with 95% intervals against a reference point. Writes
capacity.md, capacity_levels.csv, capacity_diffs.csv and frontier.png to DIR.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd

from .compare import KEY_METRICS, available_metrics, metric_values, paired, tci
from .loader import load

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_FTE = (22.5, 33.75, 45, 67.5, 90)  # scenarios/capacity_sweep.yaml: 0.5x .. 2x


def find_cssim(explicit=None):
    for c in (explicit, os.environ.get("CSSIM"), shutil.which("cssim"),
              os.path.join(REPO, "build", "cssim")):
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return None


def _num(x):
    return f"{x:g}" if isinstance(x, (int, float)) else str(x)


def point_name(fte, policy):
    return f"fte{_num(fte)}_{policy}"


def sweep_yaml(scenario, ftes, policies, name="capacity", points=None):
    """A scenario extending `scenario` with one sweep point per (fte, policy), or per element
    of `points` [(fte, policy), ...] when given."""
    pts, names = [], []
    points = points if points is not None else [(f, p) for f in ftes for p in policies]
    for f, p in points:
        pts.append(f"    - {{inspectorate.fte: {_num(f)}, inspectorate.policy: {p}}}")
        names.append(point_name(f, p))
    return "\n".join([
        "# Written by cssim_analysis.capacity: inspector capacity x scheduling policy, one seed.",
        f"extends: {os.path.abspath(scenario)}",
        "meta:",
        f"  name: {name}",
        "  description: capacity-policy benchmark",
        "output:",
        "  panel: false",
        "  events: false",
        "sweep:",
        "  list:",
        *pts,
        "  names: [" + ", ".join(names) + "]",
        ""])


def run_sweep(cssim, scenario, ftes, policies, outdir, n, extra_sets=(), seed=None, threads=None,
              quiet=True, points=None, stem="capacity"):
    os.makedirs(outdir, exist_ok=True)
    y = os.path.join(outdir, f"{stem}_sweep.yaml")
    with open(y, "w") as fh:
        fh.write(sweep_yaml(scenario, ftes, policies, points=points))
    h5 = os.path.join(outdir, f"{stem}.h5")
    cmd = [cssim, "run", y, "-o", h5, "-n", str(n), "--force"]
    if quiet:
        cmd.append("-q")
    if seed is not None:
        cmd += ["-s", str(seed)]
    if threads:
        cmd += ["-j", str(threads)]
    for s in extra_sets:
        cmd += ["--set", s]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr}")
    return h5


def _float(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def effective_fte(p, drawn=None):
    """Nominal inspector capacity of a scenario in FTE: inspectorate.fte x
    inspectorate.capacity_scale. When fte is a distribution (the calibrated baseline draws it
    per replication) it is the scale times the median of the replications' draws (`drawn`:
    the scenario's drawn/inspectorate.fte), or the scale alone when no draw is at hand."""
    fte, scale = _float(p.get("inspectorate.fte")), _float(p.get("inspectorate.capacity_scale"))
    scale = 1.0 if scale is None else scale
    if fte is None and drawn is not None and len(drawn):
        fte = float(np.median(drawn))
    return fte * scale if fte is not None else scale


def capacity_points(run, scenarios=None):
    """scenario, fte (nominal FTE), capacity_scale, policy for each scenario of the run."""
    rows = []
    for s in scenarios or run.scenarios:
        p = run.parameters(s)
        dr = run.drawn(s)
        d = dr["inspectorate.fte"].values if "inspectorate.fte" in dr else None
        rows.append({"scenario": s, "fte": effective_fte(p, d),
                     "capacity_scale": _float(p.get("inspectorate.capacity_scale")) or 1.0,
                     "policy": p.get("inspectorate.policy", "cycle")})
    return pd.DataFrame(rows)


def check_only_capacity_differs(run, scenarios):
    """Names of the parameters other than fte and policy that differ between scenarios."""
    t = run.parameter_table(scenarios)
    ignore = {"inspectorate.fte", "inspectorate.capacity_scale", "inspectorate.policy",
              "meta.name", "meta.description"}
    return [c for c in t.columns if c not in ignore]


def pick_reference(points, reference=None, policy="cycle", fte=None):
    if reference:
        if reference not in set(points["scenario"]):
            raise SystemExit(f"no scenario {reference!r}; have {list(points['scenario'])}")
        return reference
    f = sorted(set(points["fte"].dropna()))
    if fte is None and f:
        fte = f[(len(f) - 1) // 2]  # the middle capacity (the baseline in the default grid)
    d = points[(points["policy"] == policy) & (points["fte"] == fte)]
    if len(d) == 0:
        d = points[points["fte"] == fte] if fte is not None else points
    return (d if len(d) else points)["scenario"].iloc[0]


def capacity_table(run, scenarios=None, reference=None, metrics=None, level=0.95,
                   reference_policy="cycle", reference_fte=None):
    """(levels, diffs, reference). levels: one row per scenario with fte, policy and, per
    metric, <m>_mean, <m>_lo, <m>_hi (t interval). diffs: one row per (scenario, metric)
    with the paired and unpaired 95% intervals against the reference."""
    pts = capacity_points(run, scenarios)
    ref = pick_reference(pts, reference, reference_policy, reference_fte)
    metrics = metrics or available_metrics(run, ref, KEY_METRICS)
    vals = {s: {m: metric_values(run, s, spec).values for m, spec, _ in metrics}
            for s in pts["scenario"]}
    lev = pts.copy()
    lev["replications"] = [run.replications(s) for s in lev["scenario"]]
    for m, _, _ in metrics:
        cis = [tci(vals[s][m], level) for s in lev["scenario"]]
        lev[f"{m}_mean"] = [c["mean"] for c in cis]
        lev[f"{m}_lo"] = [c["lo"] for c in cis]
        lev[f"{m}_hi"] = [c["hi"] for c in cis]
    rows = []
    for s in pts["scenario"]:
        for m, _, unit in metrics:
            r = paired(vals[ref][m], vals[s][m], level)
            rows.append(dict(scenario=s, reference=ref, metric=m, unit=unit, **r))
    diffs = pd.DataFrame(rows).merge(pts, on="scenario")
    return lev, diffs, ref


def _fmt(x, digits=3):
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "n/a"
    ax = abs(x)
    if ax < 1e-9:
        return "0"
    if ax >= 1000:
        return f"{x:,.0f}"
    if ax >= 100:
        return f"{x:.0f}"
    if ax >= 10:
        return f"{x:.1f}"
    return f"{x:.{digits - 1}f}" if ax >= 1 else f"{x:.{digits}g}"


def _ci_cell(m, lo, hi):
    return f"{_fmt(m)} [{_fmt(lo)}, {_fmt(hi)}]"


def levels_table(run, lev, metrics):
    """Display frame: per point, each metric as 'mean [95% CI of the mean]' and its 5-95%
    range over replications."""
    rows = []
    for _, r in lev.sort_values(["policy", "fte"]).iterrows():
        row = {"point": r["scenario"], "FTE": _fmt(r["fte"]), "policy": r["policy"],
               "n": int(r["replications"])}
        for m, spec, unit in metrics:
            v = metric_values(run, r["scenario"], spec).values
            v = v[np.isfinite(v)]
            q = np.quantile(v, [0.05, 0.95]) if len(v) else (np.nan, np.nan)
            row[f"{m} ({unit})"] = _ci_cell(r[f"{m}_mean"], r[f"{m}_lo"], r[f"{m}_hi"])
            row[f"{m} 5-95%"] = f"{_fmt(q[0])} to {_fmt(q[1])}"
        rows.append(row)
    return pd.DataFrame(rows)


def diffs_table(lev, diffs, ref, metrics):
    """Display frame: per point, each metric's paired difference (point minus reference)."""
    rows = []
    for s in lev.sort_values(["policy", "fte"])["scenario"]:
        if s == ref:
            continue
        d = diffs[diffs["scenario"] == s].set_index("metric")
        row = {"point": s}
        for m, _, unit in metrics:
            r = d.loc[m]
            row[f"{m} ({unit})"] = _ci_cell(r["diff"], r["paired_lo"], r["paired_hi"])
        rows.append(row)
    return pd.DataFrame(rows)


def effort_table(eo, dom, domci, period):
    """Display frame of the effort-outcome plane in one period."""
    d = eo[eo["period"] == period]
    rows = []
    for s, g in d.groupby("scenario", sort=False):
        g = g.set_index("criterion")
        row = {"point": s, "FTE": _fmt(g["fte"].iloc[0]), "policy": g["policy"].iloc[0]}
        for c, unit in (("inspector_days", "inspector-days"),
                        ("undetected_failure_years", "authority-years"),
                        ("detection_latency", "days")):
            r = g.loc[c]
            row[f"{c} ({unit})"] = _fmt(r["mean"])
            row[f"diff {c}"] = ("reference" if s == r["reference"]
                                else _ci_cell(r["diff"], r["paired_lo"], r["paired_hi"]))
        if dom is not None:
            x = dom.set_index("scenario").loc[s]
            row["dominated (means) by"] = x["dominated_by"] or "-"
        if domci is not None:
            x = domci.set_index("scenario").loc[s]
            row["dominated (paired 95% CI) by"] = x["dominated_ci_by"] or "-"
        rows.append(row)
    out = pd.DataFrame(rows)
    return out


def equal_work_table(ew):
    rows = []
    for _, r in ew.iterrows():
        row = {"policy": r["policy"], "FTE at equal work": _fmt(r["fte_equal_work"]),
               "target inspector-days": _fmt(r["target_inspector_days"])}
        for c, unit in (("undetected_failure_years", "authority-years"),
                        ("detection_latency", "days"), ("inspector_days", "inspector-days")):
            row[f"diff {c} ({unit})"] = (_ci_cell(r[f"{c}_diff"], r[f"{c}_lo"], r[f"{c}_hi"])
                                         if f"{c}_diff" in r and np.isfinite(
                                             r.get(f"{c}_diff", np.nan)) else "n/a")
        rows.append(row)
    return pd.DataFrame(rows)


def benchmark(run, reference=None, reference_policy="cycle", level=0.95):
    """Every table of the capacity-policy benchmark. Returns a dict: points, reference,
    metrics, levels (numbers), diffs (numbers), effort (effort_outcome numbers), dominance,
    dominance_ci, equal_work, and display frames levels_table, diffs_table,
    effort_<period>, equal_work_table."""
    from . import effort as ef
    pts = capacity_points(run)
    lev, diffs, ref = capacity_table(run, reference=reference, reference_policy=reference_policy,
                                     level=level)
    metrics = available_metrics(run, ref, KEY_METRICS)
    out = {"points": pts, "reference": ref, "metrics": metrics, "levels": lev, "diffs": diffs,
           "levels_table": levels_table(run, lev, metrics),
           "diffs_table": diffs_table(lev, diffs, ref, metrics)}
    if "inspector_utilisation" in run.national_names(ref):
        eo = ef.effort_outcome(run, pts, ref, level)
        out["effort"] = eo
        for per in ef.PERIODS:
            if (eo["period"] == per).any():
                dom = ef.dominance(eo, per)
                domci = ef.dominance_ci(run, pts, level, per)
                if per == "whole run":
                    out["dominance"] = dom.merge(domci, on="scenario")
                out[f"effort_{per}"] = effort_table(eo, dom, domci, per)
        out["calibrated_fte"] = ef.calibrated_fte_range(run)
        if pts["policy"].nunique() > 1 and pts["fte"].nunique() > 1:
            ew = pd.concat([ef.equal_work(run, pts, ref, level, per) for per in ef.PERIODS
                            if (eo["period"] == per).any()], ignore_index=True)
            out["equal_work"] = ew
            out["equal_work_table"] = pd.concat(
                [equal_work_table(ew[ew["period"] == per]).assign(period=per)
                 for per in ew["period"].unique()], ignore_index=True)
    return out


def _md_table(df):
    cols = list(df.columns)
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in df.iterrows():
        out.append("| " + " | ".join(str(r[c]) for c in cols) + " |")
    return out


def markdown(b):
    """The benchmark (a `benchmark()` dict) as markdown."""
    lev, ref = b["levels"], b["reference"]
    out = [f"## Capacity-policy benchmark ({int(lev['replications'].min())} replications per "
           f"point, common random numbers)", "",
           "### Levels: mean [95% interval of the mean] and 5-95% range over replications", ""]
    out += _md_table(b["levels_table"])
    out += ["", f"### Paired differences against `{ref}` (scenario minus reference, 95% CI)",
            ""]
    out += _md_table(b["diffs_table"])
    d = b["diffs"][b["diffs"]["scenario"] != ref]
    vr = d["var_ratio"].replace([np.inf], np.nan).dropna()
    if len(vr):
        out += ["", f"Common random numbers: median var(paired difference) / (var A + "
                f"var B) = {vr.median():.3f} over {len(vr)} comparisons (1 = no gain)."]
    for per in ("whole run", "SIF era", "ILACS era"):
        if f"effort_{per}" in b:
            out += ["", f"### Effort against outcome, {per} (scenario minus `{ref}`, paired "
                    "95% CI; lower is better on all three)", ""]
            out += _md_table(b[f"effort_{per}"])
    if "equal_work_table" in b:
        out += ["", f"### Equal work: each policy at the capacity where its mean inspector-days "
                f"equal `{ref}`'s (interpolated replication by replication; scenario minus "
                "reference, paired 95% CI)", ""]
        out += _md_table(b["equal_work_table"])
        out += ["", "n/a: the reference's inspector-days lie outside the range this policy "
                "used over the capacities run (run more capacities to bracket them)."]
    return "\n".join(out) + "\n"


def equal_work_runs(cssim, scenario, b, outdir, n, extra_sets=(), seed=None, threads=None,
                    iters=5, say=None, level=0.95):
    """Equal work by simulation: for each policy other than the reference's, run cssim at the
    capacity where its mean inspector-days (whole run) equal the reference's, found by the
    secant method on the policy's (FTE, mean inspector-days) points, starting from the
    benchmark's and adding one run per step, until the mean difference in inspector-days lies
    within its paired 95% interval of 0 (or 0.5% of the target) or `iters` runs are spent. The
    same seed and replication numbers as the benchmark: the differences are paired. Returns a
    frame: policy, fte, runs, and per criterion diff / paired_lo / paired_hi."""
    from .effort import CRITERIA, period_values
    ref = b["reference"]
    lev = b["levels"]
    pts_all = b["points"]
    ref_pol = pts_all.loc[pts_all["scenario"] == ref, "policy"].iloc[0]
    eo = b["effort"]
    whole = eo[(eo["period"] == "whole run") & (eo["criterion"] == "inspector_days")]
    target = float(whole.loc[whole["scenario"] == ref, "mean"].iloc[0])
    ref_vals = None
    rows = []
    for pol in sorted(set(pts_all["policy"]) - {ref_pol}):
        d = whole[whole["policy"] == pol]
        pts = sorted(zip(d["fte"].astype(float), d["mean"].astype(float)))
        best = None
        for k in range(iters):
            near = sorted(pts, key=lambda p: abs(p[1] - target))[:2]
            (f0, e0), (f1, e1) = near if len(near) == 2 else (near[0], near[0])
            f = f0 if e1 == e0 else f0 + (target - e0) * (f1 - f0) / (e1 - e0)
            # within [the smallest, 4x the largest] of the benchmark's capacities: those ran, and
            # cssim refuses a capacity below one team (it could never start a visit); the
            # secant step can overshoot. (Equal work below the smallest is then not reached.)
            f = float(np.clip(f, min(p[0] for p in pts), 4 * max(p[0] for p in pts)))
            f = round(f, 2)
            if say:
                say(f"equal work: {pol} at {f:g} FTE (run {k + 1})")
            h5 = run_sweep(cssim, scenario, None, None, outdir, n, extra_sets, seed, threads,
                           points=[(f, pol), (float(lev.loc[lev['scenario'] == ref, 'fte']
                                                   .iloc[0]), ref_pol)],
                           stem=f"equal_work_{pol}")
            run = load(h5)
            a = period_values(run, point_name(f, pol))
            if ref_vals is None:
                rn = [s for s in run.scenarios if s != point_name(f, pol)][0]
                ref_vals = period_values(run, rn)
            a = a[a["period"] == "whole run"]
            r0 = ref_vals[ref_vals["period"] == "whole run"]
            pe = paired(r0["inspector_days"].values, a["inspector_days"].values, level)
            pts.append((f, float(a["inspector_days"].mean())))
            best = (f, k + 1, a, r0, pe)
            if pe["paired_lo"] <= 0 <= pe["paired_hi"] or abs(pe["diff"]) <= 0.005 * target:
                break
        f, runs, a, r0, pe = best
        row = {"policy": pol, "reference": ref, "fte": f, "runs": runs,
               "target_inspector_days": target}
        for crit, _ in CRITERIA:
            r = paired(r0[crit].values, a[crit].values, level)
            row[f"{crit}_diff"], row[f"{crit}_lo"], row[f"{crit}_hi"] = (
                r["diff"], r["paired_lo"], r["paired_hi"])
        rows.append(row)
    return pd.DataFrame(rows)


def equal_work_runs_table(ew):
    rows = []
    for _, r in ew.iterrows():
        row = {"policy": r["policy"], "FTE at equal work (run)": _fmt(r["fte"]),
               "cssim runs": int(r["runs"])}
        for c, unit in (("inspector_days", "inspector-days"),
                        ("undetected_failure_years", "authority-years"),
                        ("detection_latency", "days")):
            row[f"diff {c} ({unit})"] = _ci_cell(r[f"{c}_diff"], r[f"{c}_lo"], r[f"{c}_hi"])
        rows.append(row)
    return pd.DataFrame(rows)


def select_best(cssim, scenario, points, outdir, metric="undetected_failure_years",
                alpha=0.05, delta=1.0, n0=10, max_reps=1000, minimize=True, extra_sets=(),
                seed=None, threads=None, say=None):
    """KN selection (select.kn_select) among candidate (fte, policy) points, simulated with
    cssim under common random numbers: every batch is one sweep file of the surviving points
    with replications 0..b-1 (their first replications are bit-identical to the earlier
    batch's), of which KN reads the new ones. Returns (Selection, names, total replications
    simulated)."""
    from .select import doubling, kn_select
    names = [point_name(f, p) for f, p in points]
    spec = metric if "/" in metric else f"summary/{metric}"
    work = {"simulated": 0}

    def sample(systems, a, b):
        pts = [points[i] for i in systems]
        if say:
            say(f"select: replications {a}..{b - 1} of {len(pts)} candidates "
                f"({', '.join(names[i] for i in systems)})")
        h5 = run_sweep(cssim, scenario, None, None, outdir, b, extra_sets, seed, threads,
                       points=pts, stem="select")
        run = load(h5)
        work["simulated"] += b * len(pts)
        return np.vstack([metric_values(run, names[i], spec).values[a:b] for i in systems])

    sel = kn_select(sample, len(points), n0=n0, alpha=alpha, delta=delta, minimize=minimize,
                    max_reps=max_reps, batch=doubling(n0))
    return sel, names, work["simulated"]


def selection_markdown(sel, names, metric, alpha, delta, n0, simulated, minimize=True):
    out = [f"## Selection (KN, Kim & Nelson 2001): {'smallest' if minimize else 'largest'} "
           f"mean {metric}", "",
           f"Indifference zone delta = {delta:g}, probability of correct selection >= "
           f"{1 - alpha:g}, first stage n0 = {n0}, h^2 = {sel.h2:.3f}, common random numbers.",
           "", f"**Best: {names[sel.best]}**" + (" (stopped at --max-reps with "
                                                  "several survivors: not a KN guarantee)"
                                                  if sel.capped else ""), "",
           "| candidate | replications used | eliminated at r | mean |", "|---|---:|---:|---:|"]
    for i, n in enumerate(names):
        e = "selected" if i == sel.best else ("survivor" if sel.eliminated_at[i] < 0
                                              else str(sel.eliminated_at[i]))
        out.append(f"| {n} | {sel.replications[i]} | {e} | {_fmt(sel.means[i])} |")
    out += ["", f"Replications used by KN: {int(sel.replications.sum())}; simulated by cssim "
            f"(batches rerun from replication 0, doubling): {simulated}."]
    return "\n".join(out) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="python3 -m cssim_analysis.capacity",
        description="Capacity-policy benchmark: runs (or reads) scenarios differing only in "
                    "inspectorate.fte and inspectorate.policy under one seed and tabulates "
                    "inspector-days, overdue inspections, grade age, detection latency, "
                    "undetected failure, inadequate authorities, commissioners and trusts, "
                    "with paired 95%% intervals against a reference point (scenario minus "
                    "reference); effort against outcome by period, dominated points and an "
                    "equal-work comparison. --select instead names the best candidate with a "
                    "stated probability of correct selection (KN, Kim & Nelson 2001).")
    ap.add_argument("--input", nargs="+", metavar="FILE.h5",
                    help="read these cssim files instead of running cssim")
    ap.add_argument("--cssim", help="cssim binary (default: $CSSIM, PATH, build/cssim)")
    ap.add_argument("--scenario", default=os.path.join(REPO, "scenarios", "baseline.yaml"),
                    help="scenario to vary (default: scenarios/baseline.yaml)")
    ap.add_argument("--fte", default=",".join(_num(f) for f in DEFAULT_FTE),
                    help="inspector FTE values (comma-separated; default: %(default)s)")
    ap.add_argument("--policies", default="cycle,cadence,risk",
                    help="scheduling policies (default: %(default)s)")
    ap.add_argument("-n", "--replications", type=int, default=20)
    ap.add_argument("-s", "--seed", type=int, help="master seed (default: the scenario's)")
    ap.add_argument("-j", "--threads", type=int)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="extra cssim --set overrides (repeatable), e.g. time.horizon_years=5")
    ap.add_argument("--reference", help="reference scenario name (default: the middle fte "
                    "with --reference-policy)")
    ap.add_argument("--reference-policy", default="cycle")
    ap.add_argument("-o", "--out", default="capacity-out", help="output directory")
    ap.add_argument("--no-plot", action="store_true")
    ap.add_argument("--equal-work", action="store_true",
                    help="also run each other policy at the capacity where its inspector-days "
                         "match the reference's (secant search, a few cssim runs)")
    g = ap.add_argument_group("selection (--select)")
    g.add_argument("--select", action="store_true",
                   help="run KN on the candidates --fte x --policies until the best on "
                        "--metric is named with probability >= 1 - alpha")
    g.add_argument("--metric", default="undetected_failure_years",
                   help="summary/<name> (or end/..., mean/...) to select on (default: "
                        "%(default)s)")
    g.add_argument("--maximize", action="store_true", help="larger is better (default: smaller)")
    g.add_argument("--delta", type=float, default=2.0,
                   help="indifference zone, in the metric's units (default: %(default)s)")
    g.add_argument("--alpha", type=float, default=0.05,
                   help="1 - probability of correct selection (default: %(default)s)")
    g.add_argument("--n0", type=int, default=10, help="first-stage replications")
    g.add_argument("--max-reps", type=int, default=640,
                   help="stop here even if undecided (default: %(default)s)")
    a = ap.parse_args(argv)
    say = lambda *x: print(*x, file=sys.stderr)  # noqa: E731

    os.makedirs(a.out, exist_ok=True)
    ftes = [float(x) for x in a.fte.split(",") if x.strip()]
    pols = [p.strip() for p in a.policies.split(",") if p.strip()]
    if a.select:
        cssim = find_cssim(a.cssim)
        if not cssim:
            ap.error("no cssim binary: give --cssim PATH or set CSSIM")
        pts = [(f, p) for f in ftes for p in pols]
        if len(pts) < 2:
            ap.error("--select needs at least two candidates")
        sel, names, simulated = select_best(
            cssim, a.scenario, pts, a.out, a.metric, a.alpha, a.delta, a.n0, a.max_reps,
            not a.maximize, a.set, a.seed, a.threads, say)
        md = selection_markdown(sel, names, a.metric, a.alpha, a.delta, a.n0, simulated,
                                not a.maximize)
        print(md)
        with open(os.path.join(a.out, "selection.md"), "w") as fh:
            fh.write(md)
        pd.DataFrame({"candidate": names, "replications": sel.replications,
                      "eliminated_at": sel.eliminated_at, "mean": sel.means,
                      "selected": [i == sel.best for i in range(len(names))]}).to_csv(
            os.path.join(a.out, "selection.csv"), index=False)
        return 0
    if a.input:
        files = a.input
    else:
        cssim = find_cssim(a.cssim)
        if not cssim:
            ap.error("no cssim binary: give --cssim PATH or set CSSIM")
        say(f"running {len(ftes) * len(pols)} points x {a.replications} replications ...")
        files = [run_sweep(cssim, a.scenario, ftes, pols, a.out, a.replications, a.set, a.seed,
                           a.threads)]
    run = load(files)
    if not run.common_seed:
        say("warning: the files have different seeds; paired intervals are not valid")
    other = check_only_capacity_differs(run, run.scenarios)
    if other:
        say(f"warning: the scenarios also differ in {', '.join(other)}")
    b = benchmark(run, reference=a.reference, reference_policy=a.reference_policy)
    md = markdown(b)
    if a.equal_work and not a.input and "effort" in b:
        ew = equal_work_runs(cssim, a.scenario, b, a.out, a.replications, a.set, a.seed,
                             a.threads, say=say)
        ew.to_csv(os.path.join(a.out, "capacity_equal_work_runs.csv"), index=False)
        md += "\n".join(["", "### Equal work, simulated: each policy run at the capacity where "
                          f"its mean inspector-days match `{b['reference']}`'s (scenario minus "
                          "reference, paired 95% CI)", ""]
                         + _md_table(equal_work_runs_table(ew))) + "\n"
    print(md)
    with open(os.path.join(a.out, "capacity.md"), "w") as fh:
        fh.write(md)
    b["levels"].to_csv(os.path.join(a.out, "capacity_levels.csv"), index=False)
    b["diffs"].to_csv(os.path.join(a.out, "capacity_diffs.csv"), index=False)
    for k in ("effort", "equal_work", "dominance"):
        if k in b:
            b[k].to_csv(os.path.join(a.out, f"capacity_{k}.csv"), index=False)
    if not a.no_plot and b["levels"]["fte"].notna().any():
        from .plots import effort_plane, frontier
        frontier(b, os.path.join(a.out, "frontier.png"))
        if "effort" in b:
            effort_plane(b, os.path.join(a.out, "effort_outcome.png"))
    say(f"wrote {a.out}/capacity.md and CSVs" + ("" if a.no_plot else ", frontier.png, "
                                                   "effort_outcome.png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
