"""`analysis/report OUT.h5 [MORE.h5 ...] -o DIR`: a static HTML report of a cssim run.

DIR receives PNG figures (fan charts of grade shares, governance stacks, inspectorate backlog,
workforce, Kaplan-Meier curves of time to RI or better by route; with 2+ scenarios a forest
plot of paired differences; with a sweep over inspectorate.fte the capacity frontier), the
tables as CSV under tables/, report.json with every number shown, and index.html.

index.html needs no network and no script to show its content; a small script counts the
images that loaded and writes the count to <body data-images-loaded="k/n"> and the title
(for tests that open the page in a headless browser).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import html
import json
import os
import sys
import warnings

import numpy as np
import pandas as pd

from . import outcomes as oc
from . import plots
from .capacity import _fmt, benchmark as capacity_benchmark
from .compare import KEY_METRICS, available_metrics, compare, levels, metric_values
from .loader import load

PROVENANCE_KEYS = ("software_version", "git_commit", "command_line", "seed", "stream_scheme",
                   "start_date", "horizon_years", "replications", "n_authorities", "created",
                   "format", "format_version", "working_directory")


def _safe(name):
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def summary_metrics(run, scenario):
    """Every summary dataset, plus the time-based key metrics (end / mean of a series)."""
    m = [(k, f"summary/{k}", run.summary_units(scenario).get(k, ("", ""))[0])
         for k in run.summary(scenario).columns]
    have = {spec for _, spec, _ in m}
    m += [x for x in available_metrics(run, scenario, KEY_METRICS) if x[1] not in have]
    return m


def grade_share_end(run, scenario):
    """Share of authorities by grade at the last snapshot: median and 90% band."""
    f = oc.grade_share_fan(run, scenario)
    f = f[f["time_days"] == f["time_days"].max()].drop(columns="time_days")
    f = f[["grade", "date", "n", "mean", "q05", "q25", "median", "q75", "q95"]]
    f.insert(0, "scenario", scenario)
    return f.reset_index(drop=True)


def fte_sweep(run):
    """True when the scenarios differ in inspector capacity (fte x capacity_scale)."""
    if len(run.scenarios) < 2:
        return False
    from .capacity import effective_fte
    v = {effective_fte(run.parameters(s)) for s in run.scenarios}
    return len(v - {None}) >= 2


def _table_html(df, float_fmt=None, index=False):
    from .capacity import _fmt

    def f(x):
        if isinstance(x, (float, np.floating)):
            if not np.isfinite(x):
                return "n/a"
            return float_fmt.format(x) if float_fmt else _fmt(float(x))
        return x
    d = df.copy()
    for c in d.columns:
        if d[c].dtype.kind == "f":
            d[c] = d[c].map(f)
    return ("<div class='wrap'>" + d.to_html(index=index, border=0, classes="tbl", na_rep="",
                                             escape=True) + "</div>")


def _ci(m, lo, hi):
    from .capacity import _fmt
    f = lambda x: "n/a" if not np.isfinite(x) else _fmt(float(x))  # noqa: E731
    return f"{f(m)} [{f(lo)}, {f(hi)}]"


def _range_cell(x):
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    if not len(x):
        return "n/a"
    q = np.quantile(x, [0.05, 0.95])
    return f"{q[0]:.4g} to {q[1]:.4g}"


def km_times(max_years):
    step = 1 if max_years <= 12 else 2
    return np.arange(0, np.floor(max_years + 1e-9) + 1, step, dtype=float)


class _Deferred:
    """A figure to draw later: plots.<name>(*args, **kw)."""

    def __init__(self, name, args, kw):
        self.name, self.args, self.kw = name, args, kw

    def __call__(self):
        return getattr(plots, self.name)(*self.args, **self.kw)


class _Plots:
    def __getattr__(self, name):
        return lambda *a, **k: _Deferred(name, a, k)


P = _Plots()
_TASKS = []


def _draw_one(i):
    return _TASKS[i]()


def _draw(tasks, jobs):
    """Draws the figures, in `jobs` forked processes when jobs > 1 (the data each figure needs
    is computed before the fork and inherited). Returns the paths (None: figure skipped)."""
    global _TASKS
    import multiprocessing as mp
    if jobs <= 1 or len(tasks) < 2 or "fork" not in mp.get_all_start_methods():
        return [t() for t in tasks]
    _TASKS = tasks
    try:
        with mp.get_context("fork").Pool(min(jobs, len(tasks))) as pool:
            return pool.map(_draw_one, range(len(tasks)), chunksize=1)
    finally:
        _TASKS = []


def build(paths, outdir, reference=None, max_scenarios=8, quiet=False, include_initial=False,
          jobs=2):
    import time as _time
    t0 = _time.time()
    run = load(paths)
    os.makedirs(os.path.join(outdir, "tables"), exist_ok=True)
    say = (lambda *a: None) if quiet else (
        lambda *a: print(f"[{_time.time() - t0:5.1f} s]", *a, file=sys.stderr, flush=True))
    scen = run.scenarios
    ref = reference or scen[0]
    if ref not in scen:
        raise SystemExit(f"no scenario {ref!r}; have {scen}")
    shown = [ref] + [s for s in scen if s != ref][: max(0, max_scenarios - 1)]
    say(f"report: {len(scen)} scenario(s) from {len(run.paths)} file(s); reference {ref}")
    figs = []  # (section, scenario, title, file)
    tables = {}
    report = {"files": [os.path.abspath(p) for p in run.paths],
              "provenance": {k: run.provenance.get(k) for k in PROVENANCE_KEYS
                             if k in run.provenance},
              "reference": ref, "scenarios": [], "figures": []}

    # scenarios and their differing parameters
    ptab = run.parameter_table(scen)
    srows = []
    for s in scen:
        inf = run.info(s)
        row = {"scenario": s, "replications": inf["replications"],
               "sweep_point": inf.get("sweep_point", ""), "seed": run.seed(s)}
        for c in ptab.columns:
            v = ptab.loc[s, c]
            row[c] = (str(v)[:40] + " ...") if isinstance(v, str) and len(str(v)) > 44 else v
        srows.append(row)
    sdf = pd.DataFrame(srows)
    report["scenarios"] = json.loads(sdf.to_json(orient="records"))
    tables["scenarios"] = sdf

    # summary levels: mean, t interval and 5-95% range per scenario and metric
    say("summary tables")
    metrics = summary_metrics(run, ref)
    lev = levels(run, scen, metrics)
    rng = {}
    for s in scen:
        for m, spec, _ in metrics:
            v = metric_values(run, s, spec).values
            v = v[np.isfinite(v)]
            rng[(s, m)] = np.quantile(v, [0.05, 0.95]) if len(v) else (np.nan, np.nan)
    lev["q05"] = [rng[(s, m)][0] for s, m in zip(lev["scenario"], lev["metric"])]
    lev["q95"] = [rng[(s, m)][1] for s, m in zip(lev["scenario"], lev["metric"])]
    tables["summary_levels"] = lev
    report["summary"] = json.loads(lev.to_json(orient="records"))
    units = {m: u for m, _, u in metrics}
    wrows = []
    for m, _, _ in metrics:
        row = {"metric": m, "unit": units.get(m, "")}
        for s in scen:
            r = lev[(lev["scenario"] == s) & (lev["metric"] == m)].iloc[0]
            row[f"{s}: mean [95% CI]"] = _ci(r["mean"], r["lo"], r["hi"])
            row[f"{s}: 5-95% range"] = ("n/a" if not np.isfinite(r["q05"])
                                        else f"{_fmt(r['q05'])} to {_fmt(r['q95'])}")
        wrows.append(row)
    wide = pd.DataFrame(wrows)

    # grade shares at the horizon
    ge = pd.concat([grade_share_end(run, s) for s in scen], ignore_index=True)
    tables["grade_shares_end"] = ge
    report["grade_shares_end"] = json.loads(ge.to_json(orient="records", date_format="iso"))

    # regime per year
    rpy = pd.concat([oc.regime_per_year(run, s) for s in scen], ignore_index=True)
    g = rpy.groupby(["scenario", "year", "start"])
    rpy_f = g[["commissioners_appointed", "trusts_created"]].mean().reset_index()
    for c in ("commissioners_appointed", "trusts_created"):
        rpy_f[f"{c}_q05"] = g[c].quantile(0.05).values
        rpy_f[f"{c}_q95"] = g[c].quantile(0.95).values
    tables["regime_per_year"] = rpy_f
    report["regime_per_year"] = json.loads(rpy_f.to_json(orient="records", date_format="iso"))

    # events: episodes, Kaplan-Meier, waits (one read of the events table per scenario)
    from .episodes import at_risk_table, commissioner_episodes, trust_episodes
    from .loader import DAYS_PER_YEAR
    kms, ars, wts = [], [], []
    for s in scen:
        if not run.has_events(s):
            continue
        say(f"events: {s}")
        ev = run.events_raw(s, ["judgement_published", "governance_change",
                                "inspection_started"])
        ep = _episodes(run, s, include_initial, ev)
        times = km_times(run.horizon_days(s) / DAYS_PER_YEAR)
        curves, at_risk, rows = {}, {}, []
        for route in ("all",) + oc.ROUTES:
            d = ep if route == "all" else ep[ep["route"] == route]
            if route != "all" and len(d) == 0:
                continue
            km = oc.kaplan_meier(d["duration_years"].values, d["observed"].values)
            curves[route] = km
            at_risk[route] = at_risk_table(d["duration_years"].values, d["observed"].values,
                                           times)
            rows.append({"scenario": s, "route": route, "episodes": len(d),
                         "reached_ri_or_better": int(d["observed"].sum()),
                         "censored": int((~d["observed"]).sum()),
                         "median_years": oc.km_median(km)})
        kms.append(pd.DataFrame(rows))
        ce = commissioner_episodes(ep)
        te = trust_episodes(run, s, ev)
        other = {}
        for name, d in (("inadequate to commissioner", ce), ("trust to council", te)):
            if len(d):
                other[name] = (oc.kaplan_meier(d["duration_years"].values, d["observed"].values),
                               at_risk_table(d["duration_years"].values, d["observed"].values,
                                             times), d)
        for name, tab in [("inadequate to RI or better: " + k, v) for k, v in at_risk.items()] \
                + [(k, v[1]) for k, v in other.items()]:
            ars.append(tab.assign(scenario=s, curve=name))
        w = oc.waits(run, s, ev)
        del ev
        oa = run.parameters(s).get("inspectorate.overdue_after") or 183
        wt = oc.wait_table(w, float(oa))
        wt.insert(0, "scenario", s)
        wts.append(wt)
        if s in shown:
            tag = _safe(s)
            figs.append(("Time from inadequate to RI or better", s, P.km_with_table(
                curves, at_risk, f"{s}: inadequate to RI or better, by governance route reached",
                "years since the inadequate judgement", "share still inadequate",
                os.path.join(outdir, f"km_{tag}.png"))))
            if other:
                figs.append(("Time to a commissioner; trusts returning to councils", s,
                             P.km_with_table(
                                 {k: v[0] for k, v in other.items()},
                                 {k: v[1] for k, v in other.items()},
                                 f"{s}: inadequate to a commissioner (recovery censors) and "
                                 "trust to council", "years since the start of the episode",
                                 "share without the event", os.path.join(
                                     outdir, f"km_other_{tag}.png"))))
            figs.append(("Wait for an inspection team", s, P.waits(
                w, s, os.path.join(outdir, f"waits_{tag}.png"))))
        del w
    if kms:
        kdf = pd.concat(kms, ignore_index=True)
        tables["km_routes"] = kdf
        report["km_routes"] = json.loads(kdf.to_json(orient="records"))
        tables["km_at_risk"] = pd.concat(ars, ignore_index=True)
        tables["waits"] = pd.concat(wts, ignore_index=True)
        report["waits"] = json.loads(tables["waits"].to_json(orient="records"))

    from . import observed
    try:
        real = observed.grade_shares()
    except OSError:
        real = None
    for s in shown:
        say(f"figures: {s}")
        tag = _safe(s)
        nrep = run.replications(s)
        figs.append(("Grade shares", s,
                     P.grade_fan(run, s, os.path.join(outdir, f"grades_{tag}.png"))))
        if real is not None and "grade_counts" in run.national_names(s):
            figs.append(("Grade shares against the real record", s, P.grade_fan_observed(
                oc.judged_share_fan(run, s), real, s, nrep,
                os.path.join(outdir, f"grades_real_{tag}.png"))))
        figs.append(("Published against true inadequacy", s, P.published_vs_true(
            oc.inadequacy_fans(run, s), s, os.path.join(outdir, f"inadequacy_{tag}.png"))))
        figs.append(("Governance", s, P.governance_stack(
            run, s, os.path.join(outdir, f"governance_{tag}.png"))))
        figs.append(("Commissioners and trusts per year", s, P.per_year(
            rpy[rpy["scenario"] == s], s, os.path.join(outdir, f"per_year_{tag}.png"))))
        figs.append(("Inspectorate: queue, overdue, utilisation over time", s,
                     P.backlog(run, s, os.path.join(outdir, f"backlog_{tag}.png"))))
        figs.append(("Workforce", s, P.workforce(run, s, os.path.join(outdir,
                                                                      f"workforce_{tag}.png"))))

    # parameter uncertainty: PRCC of drawn parameters with the headline outcomes
    from .sensitivity import prcc_table, split_by_prior
    pr = prcc_table(run, ref)
    if len(pr):
        say("sensitivity (PRCC)")
        tables["prcc"] = pr
        top, split = split_by_prior(run, ref, pr)
        if len(split):
            tables["split_by_prior"] = split
            report["most_influential_prior"] = top
        figs.append(("Which uncertain parameters matter", ref, P.tornado(
            pr, ref, os.path.join(outdir, "prcc.png"))))

    cmp = None
    if len(scen) >= 2:
        say("comparison")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            cmp = compare(run, scen, ref, available_metrics(run, ref, KEY_METRICS))
        tables["comparison"] = cmp
        report["comparison"] = json.loads(cmp.to_json(orient="records"))
        figs.append(("Policy comparison", None,
                     P.forest(cmp, os.path.join(outdir, "forest.png"),
                                  title="paired differences, scenario minus reference (95% CI)")))
        figs.append(("Policy comparison", None, P.compare_inadequate(
            run, scen[:10], os.path.join(outdir, "inadequate_by_scenario.png"))))

    cap = None
    if fte_sweep(run):
        say("capacity-policy benchmark")
        cap = capacity_benchmark(run, reference=ref)
        tables["capacity_levels"] = cap["levels"]
        tables["capacity_diffs"] = cap["diffs"]
        if "effort" in cap:
            tables["capacity_effort"] = cap["effort"]
        if "equal_work" in cap:
            tables["capacity_equal_work"] = cap["equal_work"]
        report["capacity_levels"] = json.loads(cap["levels"].to_json(orient="records"))
        figs.append(("Capacity frontier", None,
                     P.frontier(cap, os.path.join(outdir, "frontier.png"))))
        if "effort" in cap:
            figs.append(("Capacity frontier", None, P.effort_plane(
                cap, os.path.join(outdir, "effort_outcome.png"))))

    order = {}
    for sec, _, _ in figs:
        order.setdefault(sec, len(order))
    figs = sorted(figs, key=lambda f: order[f[0]])   # stable: scenarios keep their order
    say(f"drawing {len(figs)} figures ({jobs} process{'es' if jobs > 1 else ''})")
    paths = _draw([f[2] for f in figs], jobs)
    figs = [(a, b, c) for (a, b, _), c in zip(figs, paths) if c]
    say("writing tables and index.html")
    for name, t in tables.items():
        t.to_csv(os.path.join(outdir, "tables", f"{name}.csv"), index=False)
    report["figures"] = [{"section": a, "scenario": b, "file": os.path.basename(c)}
                         for a, b, c in figs]
    with open(os.path.join(outdir, "report.json"), "w") as fh:
        json.dump(report, fh, indent=1, default=str, allow_nan=True)
    _write_html(outdir, run, report, figs, tables, wide, cmp, cap, ref, shown)
    say("done")
    return report


def _episodes(run, s, include_initial, ev):
    from .episodes import inadequate_episodes
    return inadequate_episodes(run, s, include_initial=include_initial, ev=ev)


FIG_CAPTIONS = {
    "Grade shares": "Published grade shares of all authorities: median, 50% and 90% bands over "
                    "replications.",
    "Grade shares against the real record": "Model: shares among authorities with a SIF "
                    "judgement until the switch to ILACS, all authorities after; points: the "
                    "Ofsted record in data/raw (latest SIF or ILACS grade of each judged "
                    "authority at each quarter end, to Dec 2018).",
    "Published against true inadequacy": "Authorities published inadequate beside those whose "
                    "latent quality is in the inadequate band, and those of them published "
                    "better (undetected): fewer published inadequate is not better practice.",
    "Governance": "Left: authorities per governance state, mean over replications; right: "
                  "cumulative commissioners appointed and trusts gone live (median, 50% and "
                  "90% bands), with the real counts from 14 Dec 2015 to 14 Dec 2017 as points "
                  "(data/calibration_targets.csv).",
    "Commissioners and trusts per year": "Per simulation year: mean (dot), 95% interval of the "
                    "mean (thick) and 5-95% range over replications (thin).",
    "Inspectorate: queue, overdue, utilisation over time": "Median, 50% and 90% bands over "
                    "replications; utilisation = inspector-days used / available since the "
                    "previous monthly snapshot.",
    "Wait for an inspection team": "Days from a visit's target date to its start, per visit "
                    "type, all replications pooled (0 = on time); left: share later than x "
                    "days; right: the distribution of days late among late visits.",
    "Time from inadequate to RI or better": "Kaplan-Meier curves (95% log(-log) bands) by the "
                    "most interventionist governance reached; number at risk under the plot. "
                    "Censored at the horizon.",
    "Time to a commissioner; trusts returning to councils": "Kaplan-Meier: from an inadequate "
                    "judgement to the appointment of a commissioner (recovery to RI or better "
                    "censors, a competing event; episodes opening with a commissioner in place "
                    "are left out; the drop at 0 is the appointments made at once, for "
                    "persistent or wholesale failure), and from a trust going live to the "
                    "service returning to its council. Number at risk under the plot.",
    "Which uncertain parameters matter": "Partial rank correlation of each drawn parameter with "
                    "each headline outcome over the reference scenario's replications "
                    "(approximate 95% intervals, Fisher z). Red: the outcome rises with the "
                    "parameter.",
    "Policy comparison": "Scenario minus reference ({ref}), replication by replication: thick "
                    "bar the paired 95% interval, thin bar the unpaired (Welch) interval. "
                    "Inadequate share: median and 90% band over replications.",
    "Capacity frontier": "Scenario minus reference ({ref}), mean and paired 95% interval; x in "
                    "nominal inspector FTE with the calibrated FTE range (posterior 5-95%) "
                    "shaded. Effort plane: hollow markers are dominated (means).",
}


CSS = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:1300px;color:#222}
h1{font-size:1.5em} h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table.tbl{border-collapse:collapse;font-size:.85em;margin:.6em 0}
table.tbl td,table.tbl th{border:1px solid #ddd;padding:.2em .5em;text-align:right}
table.tbl th{background:#f4f4f4} figure{margin:1em 0} img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.85em;color:#555} pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:.8em}
.note{color:#555;font-size:.9em} .wrap{overflow-x:auto;max-width:100%}
"""

SCRIPT = """
<script>
// Counts images that loaded (naturalWidth > 0) once the page has loaded: for headless tests.
window.addEventListener('load', function () {
  var imgs = document.images, ok = 0;
  for (var i = 0; i < imgs.length; i++) if (imgs[i].complete && imgs[i].naturalWidth > 0) ok++;
  document.body.setAttribute('data-images-loaded', ok + '/' + imgs.length);
  document.title = document.title + ' [images ' + ok + '/' + imgs.length + ']';
});
</script>
"""


def _cap(text):
    return f"<p class='note'>{html.escape(text)}</p>"


def _write_html(outdir, run, report, figs, tables, wide, cmp, cap, ref, shown):
    e = html.escape
    sign = f"All differences are scenario minus reference ({ref}), replication by replication."
    title = "cssim report: " + ", ".join(run.scenarios[:4]) + \
        (" ..." if len(run.scenarios) > 4 else "")
    h = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
         f"<title>{e(title)}</title><style>{CSS}</style></head>",
         "<body data-images-loaded='pending'>", f"<h1>{e(title)}</h1>",
         f"<p class='note'>Generated {e(_dt.datetime.now().strftime('%Y-%m-%d %H:%M'))} by "
         "analysis/report from " + ", ".join(e(p) for p in report["files"]) + ". "
         + e(sign) + "</p>"]
    h.append("<h2>Provenance</h2><table class='tbl'>")
    for k, v in report["provenance"].items():
        h.append(f"<tr><th>{e(k)}</th><td style='text-align:left'>{e(str(v))}</td></tr>")
    h.append("</table>")
    h.append("<h2>Scenarios</h2>" + _table_html(tables["scenarios"]))
    h.append("<h2>Summary</h2>" + _cap(
        "Per metric and scenario: mean with its 95% t interval (how precisely the mean is "
        "known), and the 5-95% range over replications (how much one run of history varies). "
        "Metrics from summary/ are per-replication totals over the run; time means and end "
        "values come from the national series. CSV: tables/summary_levels.csv.")
             + _table_html(wide))
    ge = tables["grade_shares_end"]
    ge = ge.assign(cell=[f"{100 * m:.1f}% ({100 * lo:.1f} to {100 * hi:.1f}); mean "
                         f"{100 * mu:.1f}%" for m, lo, hi, mu in
                         zip(ge["median"], ge["q05"], ge["q95"], ge["mean"])])
    gw = ge.pivot(index="scenario", columns="grade", values="cell")
    gw = gw.reindex(index=[x for x in run.scenarios if x in gw.index],
                    columns=[g for g in oc.GRADES if g in gw.columns])
    gw.columns.name = None
    h.append(f"<h2>Grade shares at the last snapshot ({e(str(ge['date'].iloc[0])[:10])})</h2>"
             + _cap("Share of all authorities by published grade: median (5-95% range over "
                    "replications); mean.") + _table_html(gw.reset_index()))
    if "km_routes" in tables:
        h.append("<h2>Time from inadequate to RI or better (Kaplan-Meier)</h2>" + _cap(
            "Episodes start at an inadequate judgement published during the run and end at the "
            "next judgement of RI or better; censored at the horizon. Route: the most "
            "interventionist governance reached in the episode.") +
            _table_html(tables["km_routes"]))
        ar = tables["km_at_risk"]
        ar = ar[ar["scenario"].isin(shown)]
        piv = ar.pivot_table(index=["scenario", "curve"], columns="time", values="at_risk",
                             aggfunc="first", sort=False)
        piv.columns = [f"{c:g} y" for c in piv.columns]
        h.append("<h3>Number at risk</h3>" + _cap(
            "Episodes still open (at risk) at each number of years after they began, pooled "
            "over replications.") + _table_html(piv.reset_index()))
    if "waits" in tables:
        h.append("<h2>Wait for an inspection team, by visit type</h2>" + _cap(
            "Days from target date to start over the visits that started, all replications "
            "pooled; shares are fractions of visits.") + _table_html(tables["waits"]))
    rp = tables["regime_per_year"]
    h.append("<h2>Commissioners and trusts per year</h2>")
    for col, label in (("commissioners_appointed", "Commissioners appointed"),
                       ("trusts_created", "Trusts gone live")):
        t = rp.assign(cell=[f"{m:.2f} ({lo:g} to {hi:g})" for m, lo, hi in
                            zip(rp[col], rp[f"{col}_q05"], rp[f"{col}_q95"])],
                      year=[pd.Timestamp(x).date().isoformat() for x in rp["start"]])
        t = t.pivot(index="year", columns="scenario", values="cell")
        t = t[[c for c in run.scenarios if c in t.columns]]
        t.columns.name = None
        h.append(f"<h3>{label} per year</h3>" + _cap(
            "Per simulation year (from the given date) and scenario: mean over replications "
            "(5-95% range over replications).") + _table_html(t.reset_index()))
    if "prcc" in tables:
        pr = tables["prcc"].pivot_table(index="parameter", columns="outcome", values="prcc")
        pr.columns.name = None
        h.append(f"<h2>Which uncertain parameters matter ({e(ref)})</h2>" + _cap(
            "Partial rank correlation coefficients of each parameter drawn per replication "
            "(drawn/) with each headline outcome; near 0: no effect.") +
            _table_html(pr.reset_index(), "{:.2f}"))
        if "split_by_prior" in tables:
            h.append(f"<h3>Outcomes by thirds of {e(report['most_influential_prior'])}</h3>"
                     + _cap("The most influential parameter (largest partial rank correlation): "
                            "its draws cut into thirds; per third, each outcome's mean (5-95% "
                            "range over those replications).")
                     + _table_html(tables["split_by_prior"]))
    if cmp is not None:
        c = cmp.copy()
        c["difference [paired 95% CI]"] = [_ci(d, lo, hi) for d, lo, hi in
                                           zip(c["diff"], c["paired_lo"], c["paired_hi"])]
        c["unpaired 95% CI"] = [_ci(d, lo, hi) for d, lo, hi in
                                zip(c["diff"], c["unpaired_lo"], c["unpaired_hi"])]
        c["5-95% of the differences"] = [f"{_fmt(a)} to {_fmt(b)}" for a, b in
                                         zip(c["diff_q05"], c["diff_q95"])]
        c = c[["scenario", "metric", "unit", "n", "mean_ref", "mean",
               "difference [paired 95% CI]", "5-95% of the differences", "unpaired 95% CI",
               "var_ratio"]]
        h.append(f"<h2>Policy comparison against {e(ref)}</h2>" + _cap(
            f"{sign} Paired: t interval of the per-replication differences (common random "
            "numbers); their 5-95% range over replications. Unpaired: Welch interval "
            "treating the runs as independent. var_ratio = var(difference) / (var A + var B).")
            + _table_html(c))
    if cap is not None:
        h.append("<h2>Capacity-policy benchmark</h2>")
        h.append("<h3>Levels</h3>" + _cap(
            "Per point: mean [95% interval of the mean] and the 5-95% range over replications. "
            "FTE: nominal inspector FTE.") + _table_html(cap["levels_table"]))
        h.append("<h3>Paired differences</h3>" + _cap(
            f"Scenario minus reference ({cap['reference']}), mean [paired 95% CI].")
                 + _table_html(cap["diffs_table"]))
        for per in ("whole run", "SIF era", "ILACS era"):
            if f"effort_{per}" in cap:
                h.append(f"<h3>Effort against outcome: {e(per)}</h3>" + _cap(
                    f"Inspector-days used, undetected-failure authority-years and detection "
                    f"latency (lower is better on all three); diff: scenario minus reference "
                    f"({cap['reference']}) [paired 95% CI]. Dominated: another point is no "
                    "worse on all three and better on one (by the means), or better on all "
                    "three with paired intervals below 0.") + _table_html(cap[f"effort_{per}"]))
        if "equal_work_table" in cap:
            h.append("<h3>Equal work</h3>" + _cap(
                f"Each policy at the capacity where its mean inspector-days equal the "
                f"reference's ({cap['reference']}), interpolated replication by replication "
                "between its two bracketing capacities; scenario minus reference [paired 95% "
                "CI]; n/a where the reference's effort lies outside the policy's range.")
                + _table_html(cap["equal_work_table"]))
    h.append("<h2>Figures</h2>")
    if len(run.scenarios) > len(shown):
        h.append(f"<p class='note'>Per-scenario figures for {len(shown)} of "
                 f"{len(run.scenarios)} scenarios ({e(', '.join(shown))}).</p>")
    section = None
    for sec, s, path in figs:
        if sec != section:
            h.append(f"<h3>{e(sec)}</h3>")
            section = sec
        cap_text = FIG_CAPTIONS.get(sec, "").format(ref=ref)
        if sec in ("Policy comparison", "Capacity frontier") and \
                "scenario minus reference" not in cap_text.lower():
            cap_text += " " + sign
        label = f"{sec}" + (f": {s}" if s else "")
        h.append(f"<figure><img src='{e(os.path.basename(path))}' alt='{e(label)}'>"
                 f"<figcaption><b>{e(label)}.</b> {e(cap_text)}</figcaption></figure>")
    for s in run.scenarios[:max(1, len(shown))]:
        txt = run.info(s).get("scenario_text", "")
        if txt:
            h.append(f"<details><summary>Scenario text: {e(s)}</summary><pre>{e(txt)}</pre>"
                     "</details>")
    h.append(SCRIPT + "</body></html>")
    with open(os.path.join(outdir, "index.html"), "w") as fh:
        fh.write("\n".join(h))


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="analysis/report",
        description="Writes a static HTML report (figures, tables, provenance) of one or more "
                    "cssim output files. Scenarios of all files are compared against the "
                    "reference under common random numbers when there are two or more.")
    ap.add_argument("files", nargs="+", metavar="OUT.h5")
    ap.add_argument("-o", "--out", required=True, metavar="DIR", help="output directory")
    ap.add_argument("--reference", help="reference scenario (default: the first)")
    ap.add_argument("--max-scenarios", type=int, default=8,
                    help="per-scenario figures for at most this many (default: %(default)s)")
    ap.add_argument("--include-initial", action="store_true",
                    help="Kaplan-Meier: also count authorities inadequate at the start (from "
                         "day 0)")
    ap.add_argument("-j", "--jobs", type=int,
                    help="processes drawing the figures (default: 2, or 1 when the load "
                         "average already exceeds the number of cores)")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args(argv)
    for f in a.files:
        if not os.path.isfile(f):
            ap.error(f"no such file: {f}")
    jobs = a.jobs
    if jobs is None:
        busy = hasattr(os, "getloadavg") and os.getloadavg()[0] >= (os.cpu_count() or 1)
        jobs = 1 if busy else 2
    build(a.files, a.out, a.reference, a.max_scenarios, a.quiet, a.include_initial, jobs)
    if not a.quiet:
        print(f"wrote {os.path.join(a.out, 'index.html')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
