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
from .capacity import capacity_table, markdown as capacity_markdown
from .compare import KEY_METRICS, available_metrics, compare, levels
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
    sh = oc.grade_shares(run, scenario)
    last = sh[sh["time_days"] == sh["time_days"].max()]
    f = oc.fan(last, "share", ("grade",))
    f.insert(0, "scenario", scenario)
    f.insert(2, "date", last["date"].iloc[0])
    return f


def fte_sweep(run):
    """True when the scenarios differ in inspector capacity (fte x capacity_scale)."""
    if len(run.scenarios) < 2:
        return False
    from .capacity import effective_fte
    v = {effective_fte(run.parameters(s)) for s in run.scenarios}
    return len(v - {None}) >= 2


def _table_html(df, float_fmt="{:.4g}", index=False):
    def f(x):
        if isinstance(x, (float, np.floating)):
            return "n/a" if not np.isfinite(x) else float_fmt.format(x)
        return x
    d = df.copy()
    for c in d.columns:
        if d[c].dtype.kind == "f":
            d[c] = d[c].map(f)
    return d.to_html(index=index, border=0, classes="tbl", na_rep="", escape=True)


def _ci(m, lo, hi):
    f = lambda x: "n/a" if not np.isfinite(x) else f"{x:.4g}"  # noqa: E731
    return f"{f(m)} [{f(lo)}, {f(hi)}]"


def build(paths, outdir, reference=None, max_scenarios=8, quiet=False, include_initial=False):
    run = load(paths)
    os.makedirs(os.path.join(outdir, "tables"), exist_ok=True)
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, file=sys.stderr))
    scen = run.scenarios
    ref = reference or scen[0]
    if ref not in scen:
        raise SystemExit(f"no scenario {ref!r}; have {scen}")
    shown = [ref] + [s for s in scen if s != ref][: max(0, max_scenarios - 1)]
    figs = []  # (section, scenario, title, file)
    tables = {}
    report = {"files": [os.path.abspath(p) for p in run.paths],
              "provenance": {k: run.provenance.get(k) for k in PROVENANCE_KEYS
                             if k in run.provenance},
              "scenarios": [], "figures": []}

    # scenarios and their differing parameters
    ptab = run.parameter_table(scen)
    srows = []
    for s in scen:
        inf = run.info(s)
        row = {"scenario": s, "replications": inf["replications"],
               "sweep_point": inf.get("sweep_point", ""), "seed": run.seed(s)}
        for c in ptab.columns:
            row[c] = ptab.loc[s, c]
        srows.append(row)
    sdf = pd.DataFrame(srows)
    report["scenarios"] = json.loads(sdf.to_json(orient="records"))
    tables["scenarios"] = sdf

    # summary levels: mean and t interval per scenario and metric
    metrics = summary_metrics(run, ref)
    lev = levels(run, scen, metrics)
    tables["summary_levels"] = lev
    report["summary"] = json.loads(lev.to_json(orient="records"))
    wide = lev.assign(cell=[_ci(m, lo, hi) for m, lo, hi in zip(lev["mean"], lev["lo"],
                                                                 lev["hi"])]) \
        .pivot(index="metric", columns="scenario", values="cell").reindex(
            [m for m, _, _ in metrics])[scen]
    units = {m: u for m, _, u in metrics}
    wide.insert(0, "unit", [units.get(m, "") for m in wide.index])

    # grade shares at the horizon
    ge = pd.concat([grade_share_end(run, s) for s in scen], ignore_index=True)
    tables["grade_shares_end"] = ge
    report["grade_shares_end"] = json.loads(ge.to_json(orient="records", date_format="iso"))

    # regime per year
    rpy = pd.concat([oc.regime_per_year(run, s) for s in scen], ignore_index=True)
    rpy_f = rpy.groupby(["scenario", "year"])[["commissioners_appointed", "trusts_created"]] \
        .mean().reset_index()
    tables["regime_per_year"] = rpy_f
    report["regime_per_year"] = json.loads(rpy_f.to_json(orient="records"))

    # Kaplan-Meier (needs the events table)
    kms = []
    for s in scen:
        if not run.has_events(s):
            continue
        curves, kt = oc.km_by_route(run, s, include_initial=include_initial)
        kms.append(kt)
        if s in shown:
            say(f"  figure: km {s}")
            figs.append(("Time from inadequate to RI or better", s,
                         plots.km(curves, s, os.path.join(outdir, f"km_{_safe(s)}.png"))))
    if kms:
        kdf = pd.concat(kms, ignore_index=True)
        tables["km_routes"] = kdf
        report["km_routes"] = json.loads(kdf.to_json(orient="records"))

    for s in shown:
        say(f"  figures: {s}")
        figs.append(("Grade shares", s,
                     plots.grade_fan(run, s, os.path.join(outdir, f"grades_{_safe(s)}.png"))))
        figs.append(("Governance", s, plots.governance_stack(
            run, s, os.path.join(outdir, f"governance_{_safe(s)}.png"))))
        p = plots.backlog(run, s, os.path.join(outdir, f"backlog_{_safe(s)}.png"))
        if p:
            figs.append(("Inspectorate backlog", s, p))
        p = plots.workforce(run, s, os.path.join(outdir, f"workforce_{_safe(s)}.png"))
        if p:
            figs.append(("Workforce", s, p))

    cmp = None
    if len(scen) >= 2:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            cmp = compare(run, scen, ref, available_metrics(run, ref, KEY_METRICS))
        tables["comparison"] = cmp
        report["comparison"] = json.loads(cmp.to_json(orient="records"))
        figs.append(("Policy comparison", None,
                     plots.forest(cmp, os.path.join(outdir, "forest.png"))))
        figs.append(("Policy comparison", None, plots.compare_medians(
            run, scen[:10], os.path.join(outdir, "inadequate_by_scenario.png"))))

    cap_md = None
    if fte_sweep(run):
        lv, df, cref = capacity_table(run, reference=reference)
        tables["capacity_levels"] = lv
        tables["capacity_diffs"] = df
        cap_md = capacity_markdown(lv, df, cref, available_metrics(run, cref, KEY_METRICS))
        report["capacity_levels"] = json.loads(lv.to_json(orient="records"))
        figs.append(("Capacity frontier", None,
                     plots.frontier(lv, os.path.join(outdir, "frontier.png"))))

    for name, t in tables.items():
        t.to_csv(os.path.join(outdir, "tables", f"{name}.csv"), index=False)
    report["figures"] = [{"section": a, "scenario": b, "file": os.path.basename(c)}
                         for a, b, c in figs]
    with open(os.path.join(outdir, "report.json"), "w") as fh:
        json.dump(report, fh, indent=1, default=str, allow_nan=True)
    _write_html(outdir, run, report, figs, tables, wide, cmp, cap_md, ref, shown)
    return report


CSS = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:1300px;color:#222}
h1{font-size:1.5em} h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table.tbl{border-collapse:collapse;font-size:.85em;margin:.6em 0}
table.tbl td,table.tbl th{border:1px solid #ddd;padding:.2em .5em;text-align:right}
table.tbl th{background:#f4f4f4} figure{margin:1em 0} img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.85em;color:#555} pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:.8em}
.note{color:#555;font-size:.9em}
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


def _write_html(outdir, run, report, figs, tables, wide, cmp, cap_md, ref, shown):
    e = html.escape
    title = "cssim report: " + ", ".join(run.scenarios[:4]) + \
        (" ..." if len(run.scenarios) > 4 else "")
    h = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
         f"<title>{e(title)}</title><style>{CSS}</style></head>",
         "<body data-images-loaded='pending'>", f"<h1>{e(title)}</h1>",
         f"<p class='note'>Generated {e(_dt.datetime.now().strftime('%Y-%m-%d %H:%M'))} by "
         "analysis/report from " + ", ".join(e(p) for p in report["files"]) + ".</p>"]
    h.append("<h2>Provenance</h2><table class='tbl'>")
    for k, v in report["provenance"].items():
        h.append(f"<tr><th>{e(k)}</th><td style='text-align:left'>{e(str(v))}</td></tr>")
    h.append("</table>")
    h.append("<h2>Scenarios</h2>" + _table_html(tables["scenarios"]))
    h.append("<h2>Summary (mean [95% t interval] over replications)</h2>" +
             wide.to_html(border=0, classes="tbl"))
    h.append("<p class='note'>Metrics named summary/… are per-replication totals over the run; "
             "time means and end values come from the national series. CSV: "
             "<a href='tables/summary_levels.csv'>tables/summary_levels.csv</a>.</p>")
    ge = tables["grade_shares_end"][["scenario", "grade", "date", "median", "q05", "q95", "mean"]]
    h.append("<h2>Grade shares at the last snapshot</h2>" + _table_html(ge))
    if "km_routes" in tables:
        h.append("<h2>Time from inadequate to RI or better (Kaplan-Meier)</h2>"
                 "<p class='note'>Episodes start at an inadequate judgement published during the "
                 "run and end at the next judgement of RI or better; censored at the horizon. "
                 "Route: the most interventionist governance reached in the episode.</p>"
                 + _table_html(tables["km_routes"]))
    h.append("<h2>Regime per year (mean over replications)</h2>" +
             _table_html(tables["regime_per_year"]))
    if cmp is not None:
        c = cmp[["scenario", "reference", "metric", "unit", "n", "mean_ref", "mean", "diff",
                 "paired_lo", "paired_hi", "unpaired_lo", "unpaired_hi", "var_ratio"]]
        h.append(f"<h2>Policy comparison against {e(ref)}</h2><p class='note'>Paired: t interval "
                 "of the per-replication differences (common random numbers). Unpaired: Welch "
                 "interval treating the runs as independent. var_ratio = var(difference) / "
                 "(var A + var B).</p>" + _table_html(c))
    if cap_md:
        h.append("<h2>Capacity-policy benchmark</h2><pre>" + e(cap_md) + "</pre>")
    h.append("<h2>Figures</h2>")
    if len(run.scenarios) > len(shown):
        h.append(f"<p class='note'>Per-scenario figures for {len(shown)} of "
                 f"{len(run.scenarios)} scenarios ({e(', '.join(shown))}).</p>")
    section = None
    for sec, s, path in figs:
        if sec != section:
            h.append(f"<h3>{e(sec)}</h3>")
            section = sec
        cap = f"{sec}" + (f": {s}" if s else "")
        h.append(f"<figure><img src='{e(os.path.basename(path))}' alt='{e(cap)}'>"
                 f"<figcaption>{e(cap)}</figcaption></figure>")
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
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args(argv)
    for f in a.files:
        if not os.path.isfile(f):
            ap.error(f"no such file: {f}")
    build(a.files, a.out, a.reference, a.max_scenarios, a.quiet, a.include_initial)
    if not a.quiet:
        print(f"wrote {os.path.join(a.out, 'index.html')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
