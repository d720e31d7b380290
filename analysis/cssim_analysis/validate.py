"""`analysis/validate RUN.h5 [--split SPLIT.h5] -o DIR`: the model against the real record.

Compares a model run with the whole 2009-2018 record in data/raw (docs/calibration.md,
"Validation") and writes DIR/index.html, PNG figures, tables/*.csv and validate.json:

- national grade shares over time: the model's median and 50% / 90% bands over replications
  with the real line (each authority's latest overall judgement of any framework: before the
  SIF, SLAC safeguarding, child-protection and looked-after inspections, "adequate" as RI);
- the 4x4 table of consecutive judgements (previous grade of any framework -> new grade)
  published in the run's window: the real count of each cell against the model's 90% interval;
- graded judgements published per calendar year by type (the model's kind of each publication);
- commissioners appointed and trusts gone live per calendar year (real: data/SOURCES.md);
  the model's years are the calendar years the run covers whole;
- with --split, a time-split check on a run started on 2017-12-31 (fitted to data up to 2017
  only): the per-authority log-loss of the real 2018 judgements under the model, under
  persistence (the last grade with probability p, the best p in hindsight) and under the
  national base rate of 2017-12-31; the reliability of those probabilities (the real count of
  each grade against its Poisson-binomial 90% interval); and the national grade counts at the
  end of 2018 against the model's 90% interval and against persistence (the counts at the start).
"""
from __future__ import annotations

import argparse
import html
import json
import os
import re
import sys

import numpy as np
import pandas as pd

from .loader import GRADES, load

KINDS = ("SIF", "ILACS standard", "ILACS short")  # models/params.h cs_kind 0, 1, 2
SMOOTH = 0.5  # add-half smoothing of the model's grade frequencies (no probability is 0)


def _grade(text):
    """Ofsted's wording -> outstanding / good / ri / inadequate (None if not a grade)."""
    if not isinstance(text, str):
        return None
    t = text.strip().lower()
    if t.startswith("requires improvement") or t in ("ri", "adequate"):
        return "ri"
    return t if t in GRADES else None


def _repo_root():
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# ---- the real record ------------------------------------------------------------------------
WIDE_TYPES = (  # (type, publication column, judgement column) in the 2009-2017 history
    ("SLAC", "Safeguarding & Looked After Children (SLAC) Inspection publication date",
     "SLAC Safeguarding Overall effectiveness (OE)"),
    ("SLAC re-inspection", "SLAC re-inspection of Safeguarding publication date",
     "SLAC re-inspection Safeguarding OE"),
    ("CPI", "Child Protection Inspections (CPI) publication date", "CPI Overall Effectiveness (OE)"),
    ("CPRI", "Child Protection Re-Inspection (CPRI) publication date",
     "CPRI Overall Effectiveness (OE)"),
    ("TLAC", "Targeted Looked After Children (TLAC) inspection publication date",
     "TLAC Overall Effectiveness (OE)"),
)


def real_judgements(raw):
    """Every overall judgement 2009-2018: code, name, date, framework, type, grade. Before the
    SIF: the SLAC safeguarding, child-protection (CPI, CPRI) and looked-after (TLAC) overall
    effectiveness judgements, as scripts/build_authorities.py reads them for the start state
    ("adequate" as RI)."""
    sif = pd.read_csv(os.path.join(raw, "ofsted_overall_judgements_2013_2017.csv"))
    y18 = pd.read_csv(os.path.join(raw, "ofsted_overall_judgements_2018.csv"))
    wide = pd.read_csv(os.path.join(raw, "ofsted_history_2009_2017_wide.csv"))
    code = dict(zip(sif["la_name"], sif["ons_code"]))
    rows = []
    for _, r in wide.iterrows():
        for typ, dcol, gcol in WIDE_TYPES:
            g = _grade(r.get(gcol))
            if g and isinstance(r.get(dcol), str) and r["Local authority name"] in code:
                rows.append((code[r["Local authority name"]], r["Local authority name"],
                             r[dcol], "pre-SIF", typ, g))
    for df in (sif, y18):
        for _, r in df.iterrows():
            g = _grade(r["overall"])
            if g:
                rows.append((r["ons_code"], r["la_name"], r["publication_date"], r["framework"],
                             r["inspection_type"], g))
    out = pd.DataFrame(rows, columns=["code", "name", "date", "framework", "type", "grade"])
    out["date"] = pd.to_datetime(out["date"])
    return out.sort_values(["code", "date"], kind="stable").reset_index(drop=True)


def real_shares(judg, dates):
    """Share of authorities by latest grade at each date (over those with any grade)."""
    rows = []
    for d in pd.to_datetime(dates):
        last = judg[judg["date"] <= d].groupby("code")["grade"].last()
        n = len(last)
        for g in GRADES:
            rows.append({"date": d, "grade": g, "share": (last == g).sum() / n if n else np.nan,
                         "n": n})
    return pd.DataFrame(rows)


PAIRS = ("all", "older to SIF/ILACS", "SIF/ILACS to SIF/ILACS")


def real_transitions(judg, start, end, pair="all"):
    """4x4 counts of consecutive overall judgements whose second is published in [start, end);
    rows: previous grade (of any framework, as the model's previous grade is), columns: next.
    `pair` keeps only pairs whose first judgement is of an older framework (pre-SIF) or of the
    SIF/ILACS (PAIRS)."""
    m = pd.DataFrame(0, index=list(GRADES), columns=list(GRADES))
    for _, d in judg.groupby("code"):
        d = d.sort_values("date")
        for (g0, f0, g1, t1) in zip(d["grade"].values[:-1], d["framework"].values[:-1],
                                    d["grade"].values[1:], d["date"].values[1:]):
            if pair != "all" and (f0 == "pre-SIF") != (pair == PAIRS[1]):
                continue
            if pd.Timestamp(start) <= pd.Timestamp(t1) < pd.Timestamp(end):
                m.loc[g0, g1] += 1
    return m


def older_at(judg, date):
    """Codes of the authorities whose latest judgement before `date` is of an older framework."""
    d = judg[judg["date"] < pd.Timestamp(date)].sort_values("date").groupby("code").last()
    return set(d.index[d["framework"] == "pre-SIF"])


def real_inspections_per_year(judg):
    """Overall judgements per calendar year of publication, by the model's kinds (SIF first
    inspections and re-inspections are both SIF) and the older frameworks as pre-SIF."""
    kind = judg["type"].where(judg["framework"] != "pre-SIF", "pre-SIF")
    kind = kind.replace({"SIF first": "SIF", "SIF re-inspection": "SIF"})
    t = judg.assign(year=judg["date"].dt.year, kind=kind)
    return t.groupby(["year", "kind"]).size().unstack(fill_value=0)


_EVENT_ROW = re.compile(r"^\|\s*([^|]+?)\s*\|\s*([a-z_ /]+?)\s*\|\s*([0-9/ -]+?)\s*\|(.*)\|\s*$")


def real_regime_per_year(sources_md):
    """Commissioners appointed and imposed trusts gone live per calendar year, from the dated
    events table of data/SOURCES.md (voluntary trusts are not the regime's and are left out)."""
    rows = []
    for line in open(sources_md, encoding="utf-8"):
        m = _EVENT_ROW.match(line)
        if not m:
            continue
        names, states, dates, source = m.groups()
        states = [s.strip() for s in states.split("/")]
        dates = [d.strip() for d in dates.split("/")]
        if len(states) != len(dates) or not all(re.fullmatch(r"\d{4}-\d\d-\d\d", d)
                                                for d in dates):
            continue
        n = len([x for x in re.split(r",| and ", names) if x.strip()])
        for s, d in zip(states, dates):
            if s == "commissioner":
                rows.append({"year": int(d[:4]), "what": "commissioners_appointed", "n": n})
            elif s == "trust" and not re.search(r"voluntary|joined", source, re.I):
                rows.append({"year": int(d[:4]), "what": "trusts_created", "n": n})
    df = pd.DataFrame(rows, columns=["year", "what", "n"])
    return df.groupby(["year", "what"])["n"].sum().unstack(fill_value=0)


# ---- the model --------------------------------------------------------------------------
def _q(x, axis=0):
    return np.quantile(np.asarray(x, dtype=float), [0.05, 0.5, 0.95], axis=axis)


def model_transitions(run, sc, start, end, pair="all", older=(), events=None):
    """Per replication, 4x4 counts of published judgements (previous -> new grade) in
    [start, end): an array [replication, previous, new]. With `pair` (PAIRS), only the first
    judgement of the authorities in `older` (their grade at the run's start is of an older
    framework: `older_at`), or only the others. `events`: the run's judgement_published rows,
    when the caller has read them already."""
    ev = run.events(sc, "judgement_published") if events is None else events
    ev = ev.sort_values(["replication", "seq"])
    if pair != "all":
        first = ev.groupby(["replication", "authority"]).cumcount() == 0
        is_older = (first & ev["authority_code"].isin(set(older))).values
        ev = ev[is_older if pair == PAIRS[1] else ~is_older]
    ev = ev[(ev["date"] >= pd.Timestamp(start)) & (ev["date"] < pd.Timestamp(end))]
    R = run.replications(sc)
    out = np.zeros((R, 4, 4))
    ok = (ev["before"] >= 0) & (ev["before"] < 4) & (ev["after"] >= 0) & (ev["after"] < 4)
    e = ev[ok]
    np.add.at(out, (e["replication"].values, e["before"].values.astype(int),
                    e["after"].values.astype(int)), 1)
    return out


def model_inspections_per_year(run, sc):
    """Graded judgements published per calendar year and kind, as the record counts them: frame
    replication, year, kind, n. An authority's k-th publication is its k-th graded inspection
    (one graded visit at a time), whose kind the inspection_started row carries."""
    ev = run.events(sc, ["inspection_started", "judgement_published"])
    keys = ["replication", "authority"]
    st = ev[(ev["type"] == "inspection_started") & ev["after"].isin(range(len(KINDS)))]
    st = st.assign(k=st.groupby(keys).cumcount())[keys + ["k", "after"]]
    pb = ev[ev["type"] == "judgement_published"]
    pb = pb.assign(k=pb.groupby(keys).cumcount())[keys + ["k", "date"]]
    ev = pb.merge(st, on=keys + ["k"], how="inner")
    ev = ev.assign(year=ev["date"].dt.year, kind=[KINDS[int(k)] for k in ev["after"]])
    n = ev.groupby(["replication", "year", "kind"]).size()
    idx = pd.MultiIndex.from_product([range(run.replications(sc)), sorted(ev["year"].unique()),
                                      KINDS], names=["replication", "year", "kind"])
    return n.reindex(idx, fill_value=0).rename("n").reset_index()


def model_regime_per_year(run, sc):
    """Commissioners appointed and trusts gone live per calendar year: replication, year, what,
    n (from the cumulative series at the last snapshot of each year; the start year counts
    from the start)."""
    nat = run.national_wide(sc, ["commissioners_appointed", "trusts_created"])
    nat["year"] = pd.to_datetime(nat["date"]).dt.year
    end = nat.sort_values("time_days").groupby(["replication", "year"]).last()
    rows = []
    for what in ("commissioners_appointed", "trusts_created"):
        c = end[what].unstack("year")
        d = c.diff(axis=1)
        d[c.columns[0]] = c[c.columns[0]]
        for rep, r in d.iterrows():
            for y, v in r.items():
                rows.append({"replication": rep, "year": y, "what": what, "n": v})
    return pd.DataFrame(rows)


# ---- the time-split check ------------------------------------------------------------------
def _logloss(p):
    return float(-np.mean(np.log(np.asarray(p, dtype=float))))


def time_split(run, sc, judg, start_table, year=2018):
    """Scores the real judgements of `year` (per authority in the run) under the model, the best
    persistence rule and the national base rate at the start. Returns (table, summary)."""
    codes = list(run.authorities()["authority"])
    real = judg[(judg["date"].dt.year == year) & judg["code"].isin(codes)]
    start = pd.read_csv(start_table)
    last = dict(zip(start["code"], start["grade"]))
    base = start["grade"].value_counts(normalize=True).reindex(list(GRADES), fill_value=0)
    ev = run.events(sc, "judgement_published")
    ev = ev[ev["after_label"].isin(GRADES)].sort_values(["replication", "seq"])
    first = ev.groupby(["authority_code", "replication"]).first().reset_index()
    R = run.replications(sc)
    rows = []
    for _, r in real.iterrows():
        f = first[first["authority_code"] == r["code"]]
        counts = f["after_label"].value_counts().reindex(list(GRADES), fill_value=0)
        p = (counts + SMOOTH) / (counts.sum() + SMOOTH * len(GRADES))
        rows.append({"code": r["code"], "name": r["name"], "date": r["date"].date(),
                     "type": r["type"], "real": r["grade"], "last": last.get(r["code"]),
                     "model_judged_reps": int(counts.sum()), "replications": R,
                     "p_model": float(p[r["grade"]]), "p_base": float(base[r["grade"]]),
                     **{f"model_{g}": float(p[g]) for g in GRADES}})
    t = pd.DataFrame(rows)
    if t.empty:
        return t, {"n": 0}
    same = (t["real"] == t["last"]).mean()
    p_best = float(np.clip(same, 0.01, 0.99))
    t["p_persistence"] = np.where(t["real"] == t["last"], p_best, (1 - p_best) / 3)
    s = {"n": int(len(t)), "persistence_p": p_best,
         "logloss_model": _logloss(t["p_model"]),
         "logloss_persistence": _logloss(t["p_persistence"]),
         "logloss_base_rate": _logloss(t["p_base"].clip(lower=1e-3))}
    s["model_beats_persistence"] = s["logloss_model"] < s["logloss_persistence"]
    s["model_beats_base_rate"] = s["logloss_model"] < s["logloss_base_rate"]
    s["reliability"] = reliability(t)
    return t, s


def _poisson_binomial(p):
    """Distribution of the number of successes of independent trials with probabilities p."""
    d = np.array([1.0])
    for x in p:
        d = np.convolve(d, [1.0 - x, x])
    return d


def reliability(t, level=0.90):
    """Do the per-authority probabilities mean what they say? For each grade, the real number of
    judged authorities given it against its distribution under the model's own probabilities
    (independent authorities: Poisson-binomial), with the central `level` interval."""
    out = {}
    a = (1 - level) / 2
    for g in GRADES:
        cdf = np.cumsum(_poisson_binomial(t[f"model_{g}"].values))
        lo, hi = int(np.searchsorted(cdf, a)), int(np.searchsorted(cdf, 1 - a))
        real = int((t["real"] == g).sum())
        out[g] = {"real": real, "expected": float(t[f"model_{g}"].sum()), "lo": lo, "hi": hi,
                  "inside": bool(lo <= real <= hi)}
    return out


def time_split_national(run, sc, judg, start_table, year=2018):
    """The national grade counts at the end of `year` (each authority's latest grade of any
    framework): real against the model's mean and 90% interval, and against persistence (the
    counts at the run's start carried forward). Returns (table, summary); the summary's
    L1 errors are the sums over grades of |point forecast - real|."""
    codes = set(run.authorities()["authority"])
    end = pd.Timestamp(f"{year + 1}-01-01")
    last = judg[(judg["date"] < end) & judg["code"].isin(codes)].groupby("code")["grade"].last()
    real = last.value_counts().reindex(list(GRADES), fill_value=0)
    start = pd.read_csv(start_table)
    pers = start[start["code"].isin(codes)]["grade"].value_counts().reindex(list(GRADES),
                                                                            fill_value=0)
    x = run.national_array(sc, "grade_counts")
    dates = pd.to_datetime(x["date"].values)
    k = int(np.searchsorted(dates, end, side="left")) - 1
    x = x.isel(date=k).sel(grade=list(GRADES)).values      # [replication, grade]
    q = np.quantile(x, [0.05, 0.95], axis=0)
    rows = []
    for i, g in enumerate(GRADES):
        rows.append({"grade": g, "date": dates[k].date(), "real": int(real[g]),
                     "persistence": int(pers[g]), "model_mean": float(x[:, i].mean()),
                     "model_q05": q[0, i], "model_q95": q[1, i],
                     "inside": bool(q[0, i] <= real[g] <= q[1, i])})
    t = pd.DataFrame(rows)
    s = {"date": str(dates[k].date()), "inside_90": int(t["inside"].sum()), "grades": len(t),
         "l1_model": float((t["model_mean"] - t["real"]).abs().sum()),
         "l1_persistence": float((t["persistence"] - t["real"]).abs().sum())}
    s["model_beats_persistence"] = s["l1_model"] < s["l1_persistence"]
    return t, s


# ---- figures and the page ------------------------------------------------------------------
def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def fig_shares(run, sc, judg, path):
    from . import outcomes as oc
    from .plots import GRADE_COLOURS, fan_axes
    plt = _plt()
    f = oc.grade_share_fan(run, sc)
    dates = pd.date_range("2009-03-31", "2018-12-31", freq="M")
    real = real_shares(judg, dates)
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.4), sharex=True)
    for ax, g in zip(axes, GRADES):
        fan_axes(ax, f[f["grade"] == g], GRADE_COLOURS[g], label="model", scale=100)
        r = real[(real["grade"] == g) & (real["n"] >= 76)]  # once half the LAs are graded
        ax.plot(r["date"], r["share"] * 100, color="black", lw=1.2, label="real")
        ax.set_title(g)
        ax.set_ylabel("% of authorities")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"{sc}: latest grade, model median with 50%/90% bands; real line 2009-2018",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return real


def transitions_table(run, sc, judg):
    """Real count and model median / 90% interval per cell, over the run's window."""
    t0 = run.start_date(sc)
    t1 = min(t0 + pd.Timedelta(days=run.horizon_days(sc)), pd.Timestamp("2019-01-01"))
    older = older_at(judg, t0)
    ev = run.events(sc, "judgement_published")  # read once for the three tables
    rows = []
    for pair in PAIRS:
        real = real_transitions(judg, t0, t1, pair)
        q = _q(model_transitions(run, sc, t0, t1, pair, older, ev))
        for i, a in enumerate(GRADES):
            for j, b in enumerate(GRADES):
                x = real.loc[a, b]
                rows.append({"pair": pair, "from": a, "to": b, "real": int(x),
                             "model_q05": q[0, i, j], "model_median": q[1, i, j],
                             "model_q95": q[2, i, j], "inside": bool(q[0, i, j] <= x <= q[2, i, j])})
    return pd.DataFrame(rows), (t0.date().isoformat(), t1.date().isoformat())


def _bars(path, real, model, title, ylabel):
    """Real counts per year (bars) against the model's median and 90% interval (error bars)."""
    plt = _plt()
    whats = list(dict.fromkeys(list(real.columns) + list(model["what"].unique())))
    fig, axes = plt.subplots(1, len(whats), figsize=(4.2 * len(whats), 3.2), squeeze=False)
    for ax, w in zip(axes[0], whats):
        if w in real:
            ax.bar(real.index, real[w], color="0.7", label="real")
        m = model[model["what"] == w].groupby("year")["n"]
        if len(m):
            lo, med, hi = m.quantile(0.05), m.median(), m.quantile(0.95)
            ax.errorbar(med.index, med, yerr=[med - lo, hi - med], fmt="o", color="C0",
                        capsize=3, label="model median, 90%")
        ax.set_title(w, fontsize=9)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _year_table(real, model):
    rows = []
    for w in sorted(set(real.columns) | set(model["what"].unique())):
        m = model[model["what"] == w].groupby("year")["n"]
        years = sorted(set(real.index) | set(m.groups))
        for y in years:
            x = m.get_group(y) if y in m.groups else None
            rows.append({"what": w, "year": y,
                         "real": int(real.loc[y, w]) if w in real and y in real.index else None,
                         "model_q05": x.quantile(0.05) if x is not None else None,
                         "model_median": x.median() if x is not None else None,
                         "model_q95": x.quantile(0.95) if x is not None else None})
    return pd.DataFrame(rows)


def _full_years(run, sc, df):
    """Only the calendar years the run covers whole (a part year would look like a shortfall)."""
    t0 = run.start_date(sc)
    t1 = t0 + pd.Timedelta(days=run.horizon_days(sc))
    first = t0.year if (t0.month, t0.day) == (1, 1) else t0.year + 1
    last = t1.year - 1 if t1 < pd.Timestamp(f"{t1.year}-12-31") else t1.year
    return df[(df["year"] >= first) & (df["year"] <= last)]


def _html_table(df):
    return df.to_html(index=False, border=0, na_rep="", float_format=lambda v: f"{v:.3g}")


def write_page(out, sc, paths, sections):
    body = [f"<h1>Validation of {html.escape(sc)} against the real record 2009-2018</h1>",
            "<p>Run(s): " + ", ".join(html.escape(p) for p in paths) + ". Made by "
            "<code>analysis/validate</code> (docs/calibration.md).</p>"]
    for title, img, text, table in sections:
        body.append(f"<h2>{html.escape(title)}</h2><p>{text}</p>")
        if img:
            body.append(f'<img src="{img}" alt="{html.escape(title)}" style="max-width:100%">')
        if table is not None:
            body.append(_html_table(table))
    page = ("<!doctype html><html><head><meta charset='utf-8'><title>cssim validation</title>"
            "<style>body{font-family:sans-serif;max-width:1200px;margin:auto}"
            "table{border-collapse:collapse;font-size:12px}td,th{padding:2px 6px;"
            "border-bottom:1px solid #ddd}</style></head><body>" + "\n".join(body) +
            "</body></html>\n")
    with open(os.path.join(out, "index.html"), "w", encoding="utf-8") as f:
        f.write(page)


def validate(run_path, out, split_path=None, raw=None, sources=None, start_table=None,
             scenario=None):
    """Writes the validation of a run (and the time split) to `out`; returns the summary."""
    root = _repo_root()
    raw = raw or os.path.join(root, "data", "raw")
    sources = sources or os.path.join(root, "data", "SOURCES.md")
    start_table = start_table or os.path.join(root, "data", "authorities_2017-12-31.csv")
    os.makedirs(os.path.join(out, "tables"), exist_ok=True)
    run = load([run_path])
    sc = scenario or run.scenarios[0]
    judg = real_judgements(raw)
    summary, sections = {"run": run_path, "scenario": sc}, []
    real = fig_shares(run, sc, judg, os.path.join(out, "shares.png"))
    real.to_csv(os.path.join(out, "tables", "real_shares.csv"), index=False)
    sections.append(("National grade shares", "shares.png",
                     "Model: published grades of all authorities (median, 50% and 90% bands). "
                     "Real: each authority's latest overall judgement (before the SIF: SLAC "
                     "safeguarding, child-protection and looked-after inspections, 'adequate' "
                     "read as RI), drawn once at least half the authorities have one.", None))
    tr, window = transitions_table(run, sc, judg)
    tr.to_csv(os.path.join(out, "tables", "transitions.csv"), index=False)
    inside = tr.groupby("pair", sort=False)["inside"].agg(["sum", "size"])
    summary["transitions"] = {"window": window, "cells_inside_90": int(inside.loc["all", "sum"]),
                              "cells": int(inside.loc["all", "size"]),
                              "by_pair": {p: {"cells_inside_90": int(r["sum"]),
                                              "cells": int(r["size"])}
                                          for p, r in inside.iterrows()}}
    sections.append(("Consecutive judgements", None,
                     f"Judgements published {window[0]} to {window[1]} by previous grade: all "
                     f"pairs, then by framework pair (the first judgement of an older framework, "
                     f"or of the SIF/ILACS); real pairs against the model's 90% interval; cells "
                     f"inside: " + ", ".join(f"{p} {int(r['sum'])} of {int(r['size'])}"
                                             for p, r in inside.iterrows()) + ".", tr))
    ri, mi = real_inspections_per_year(judg), model_inspections_per_year(run, sc)
    mi = _full_years(run, sc, mi.rename(columns={"kind": "what"}))
    _bars(os.path.join(out, "inspections.png"), ri, mi,
          "graded judgements published per calendar year (the run's whole years)", "count")
    it = _year_table(ri, mi)
    it.to_csv(os.path.join(out, "tables", "inspections_per_year.csv"), index=False)
    sections.append(("Inspections per year by type", "inspections.png", "", it))
    rr, mr = real_regime_per_year(sources), _full_years(run, sc, model_regime_per_year(run, sc))
    _bars(os.path.join(out, "regime.png"), rr, mr, "commissioners and trusts per calendar year",
          "count")
    rt = _year_table(rr, mr)
    rt.to_csv(os.path.join(out, "tables", "regime_per_year.csv"), index=False)
    sections.append(("Commissioners and trusts per year", "regime.png",
                     "Real: the dated events of data/SOURCES.md (imposed trusts only; none "
                     "listed after 2017).", rt))
    if split_path:
        srun = load([split_path])
        t, s = time_split(srun, srun.scenarios[0], judg, start_table)
        t.to_csv(os.path.join(out, "tables", "time_split.csv"), index=False)
        summary["time_split"] = s
        text = (f"Run {html.escape(split_path)} from {srun.start_date().date()}: log-loss of "
                f"the {s.get('n', 0)} real 2018 judgements of its authorities (lower is "
                f"better): model {s.get('logloss_model', float('nan')):.3f}, persistence "
                f"(p = {s.get('persistence_p', float('nan')):.2f}, best in hindsight) "
                f"{s.get('logloss_persistence', float('nan')):.3f}, national base rate "
                f"{s.get('logloss_base_rate', float('nan')):.3f}. The model's probability is "
                "the frequency of each grade at the authority's first judgement after the "
                f"start over replications (add-{SMOOTH} smoothing).")
        rel = s.get("reliability", {})
        if rel:
            text += (" Reliability (the real count of each grade among them against the "
                     "model's own probabilities, 90%): " + ", ".join(
                         f"{g} {r['real']} in [{r['lo']}, {r['hi']}]" for g, r in rel.items())
                     + ".")
        sections.append(("Time split: 2018 judgements", None, text, t))
        nt, ns = time_split_national(srun, srun.scenarios[0], judg, start_table)
        nt.to_csv(os.path.join(out, "tables", "time_split_national.csv"), index=False)
        summary["time_split"]["national"] = ns
        sections.append((
            "Time split: national grades at the end of 2018", None,
            f"Each authority's latest grade on {ns['date']}: real counts against the model's "
            f"mean and 90% interval ({ns['inside_90']} of {ns['grades']} inside) and against "
            f"persistence (the counts at the start carried forward). Sum over grades of "
            f"|forecast - real|: model {ns['l1_model']:.1f}, persistence "
            f"{ns['l1_persistence']:.0f}.", nt))
    with open(os.path.join(out, "validate.json"), "w") as f:
        json.dump(summary, f, indent=1, default=float)
    write_page(out, sc, [run_path] + ([split_path] if split_path else []), sections)
    return summary


def main(argv=None):
    ap = argparse.ArgumentParser(prog="analysis/validate", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", help="a model run with events (e.g. scenarios/baseline.yaml)")
    ap.add_argument("--split", help="a run started on 2017-12-31 (scenarios/forecast_2018.yaml) "
                                    "with events, for the time-split check")
    ap.add_argument("-o", "--out", required=True, help="output folder")
    ap.add_argument("--scenario", help="scenario of RUN (default: the first)")
    ap.add_argument("--raw", help="the real data (default: data/raw of this repository)")
    a = ap.parse_args(argv)
    s = validate(a.run, a.out, a.split, raw=a.raw, scenario=a.scenario)
    print(json.dumps(s, indent=1, default=float))
    print(f"wrote {os.path.join(a.out, 'index.html')}")
    return 0
