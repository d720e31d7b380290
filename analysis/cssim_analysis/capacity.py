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


def sweep_yaml(scenario, ftes, policies, name="capacity"):
    """A scenario extending `scenario` with one sweep point per (fte, policy)."""
    pts, names = [], []
    for f in ftes:
        for p in policies:
            pts.append(f"    - {{inspectorate.fte: {_num(f)}, inspectorate.policy: {p}}}")
            names.append(f"fte{_num(f)}_{p}")
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
              quiet=True):
    os.makedirs(outdir, exist_ok=True)
    y = os.path.join(outdir, "capacity_sweep.yaml")
    with open(y, "w") as fh:
        fh.write(sweep_yaml(scenario, ftes, policies))
    h5 = os.path.join(outdir, "capacity.h5")
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


def effective_fte(p):
    """Inspector capacity of a scenario: inspectorate.fte x inspectorate.capacity_scale. When fte
    is a distribution (the calibrated baseline draws it per replication), the capacity is the
    scale relative to the calibrated capacity (1.0 = as fitted)."""
    fte, scale = _float(p.get("inspectorate.fte")), _float(p.get("inspectorate.capacity_scale"))
    scale = 1.0 if scale is None else scale
    return fte * scale if fte is not None else scale


def capacity_points(run, scenarios=None):
    """scenario, fte, policy for each scenario of the run."""
    rows = []
    for s in scenarios or run.scenarios:
        p = run.parameters(s)
        rows.append({"scenario": s, "fte": effective_fte(p),
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
    if ax >= 1000:
        return f"{x:,.0f}"
    if ax >= 100:
        return f"{x:.0f}"
    if ax >= 10:
        return f"{x:.1f}"
    return f"{x:.{digits - 1}f}" if ax >= 1 else f"{x:.{digits}g}"


def markdown(lev, diffs, ref, metrics):
    names = [m for m, _, _ in metrics]
    units = {m: u for m, _, u in metrics}
    out = [f"## Capacity-policy benchmark ({int(lev['replications'].min())} replications per "
           f"point, common random numbers)", "",
           "### Levels (mean over replications)", "",
           "| point | fte | policy | " + " | ".join(names) + " |",
           "|---|---:|---|" + "---:|" * len(names)]
    for _, r in lev.sort_values(["policy", "fte"]).iterrows():
        out.append(f"| {r['scenario']} | {_num(r['fte'])} | {r['policy']} | "
                   + " | ".join(_fmt(r[f'{m}_mean']) for m in names) + " |")
    out += ["", "Units: " + "; ".join(f"{m}: {units[m]}" for m in names), "",
            f"### Paired differences against `{ref}` (point minus reference, 95% CI)", "",
            "| point | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for s in lev.sort_values(["policy", "fte"])["scenario"]:
        if s == ref:
            continue
        d = diffs[diffs["scenario"] == s].set_index("metric")
        cells = []
        for m in names:
            r = d.loc[m]
            cells.append(f"{_fmt(r['diff'])} [{_fmt(r['paired_lo'])}, {_fmt(r['paired_hi'])}]")
        out.append(f"| {s} | " + " | ".join(cells) + " |")
    d = diffs[diffs["scenario"] != ref]
    if len(d):
        vr = d["var_ratio"].replace([np.inf], np.nan).dropna()
        if len(vr):
            out += ["", f"Common random numbers: median var(paired difference) / (var A + "
                    f"var B) = {vr.median():.3f} over {len(vr)} comparisons (1 = no gain)."]
    return "\n".join(out) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="python3 -m cssim_analysis.capacity",
        description="Capacity-policy benchmark: runs (or reads) scenarios differing only in "
                    "inspectorate.fte and inspectorate.policy under one seed and tabulates "
                    "inspector-days, overdue inspections, grade age, detection latency, "
                    "undetected failure, inadequate authorities, commissioners and trusts, "
                    "with paired 95%% intervals against a reference point.")
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
    a = ap.parse_args(argv)

    os.makedirs(a.out, exist_ok=True)
    if a.input:
        files = a.input
    else:
        cssim = find_cssim(a.cssim)
        if not cssim:
            ap.error("no cssim binary: give --cssim PATH or set CSSIM")
        ftes = [float(x) for x in a.fte.split(",") if x.strip()]
        pols = [p.strip() for p in a.policies.split(",") if p.strip()]
        print(f"running {len(ftes) * len(pols)} points x {a.replications} replications ...",
              file=sys.stderr)
        files = [run_sweep(cssim, a.scenario, ftes, pols, a.out, a.replications, a.set, a.seed,
                           a.threads)]
    run = load(files)
    if not run.common_seed:
        print("warning: the files have different seeds; paired intervals are not valid",
              file=sys.stderr)
    other = check_only_capacity_differs(run, run.scenarios)
    if other:
        print(f"warning: the scenarios also differ in {', '.join(other)}", file=sys.stderr)
    lev, diffs, ref = capacity_table(run, reference=a.reference,
                                     reference_policy=a.reference_policy)
    metrics = available_metrics(run, ref, KEY_METRICS)
    md = markdown(lev, diffs, ref, metrics)
    print(md)
    with open(os.path.join(a.out, "capacity.md"), "w") as fh:
        fh.write(md)
    lev.to_csv(os.path.join(a.out, "capacity_levels.csv"), index=False)
    diffs.to_csv(os.path.join(a.out, "capacity_diffs.csv"), index=False)
    if not a.no_plot and lev["fte"].notna().any():
        from .plots import frontier
        frontier(lev, os.path.join(a.out, "frontier.png"))
    print(f"wrote {a.out}/capacity.md, capacity_levels.csv, capacity_diffs.csv"
          + ("" if a.no_plot else ", frontier.png"), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
