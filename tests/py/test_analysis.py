#!/usr/bin/python3
"""analysis/: the loaders, report tables and capacity benchmark agree with the raw HDF5 datasets;
paired intervals under common random numbers are narrower than unpaired ones; figures are real.

Runs cssim ($CSSIM) on a small case (40 authorities, 3 years, 8 replications, two scenarios of
one sweep, so one seed) in a temporary directory. Run from the repo root with /usr/bin/python3.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

ROOT = os.environ.get("CSSIM_SRC") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "analysis"))

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402

import cssim_analysis as ca  # noqa: E402
from cssim_analysis.capacity import find_cssim  # noqa: E402

SMALL = ["--set", "authorities.limit=40", "--set", "time.horizon_years=3"]
NREP = 8


def t_ci(x):
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    h = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return x.mean(), x.mean() - h, x.mean() + h


_RANK = {"council": 0, "notice": 0, "commissioner": 1, "partner": 2, "trust_setup": 3,
         "trust": 3}
_ROUTES = ("notice", "commissioner", "partner", "trust")


def loop_episodes(run, scenario, include_initial, route_by):
    """Reference: episodes of published inadequacy by a plain loop over each authority's
    events (the definition in outcomes.inadequate_episodes), with commissioner_time."""
    ev = run.events(scenario, ["judgement_published", "governance_change"])
    ev = ev[ev["authority"] >= 0].sort_values(["replication", "authority", "seq"])
    auth = run.authorities()
    igr, igov = list(auth["initial_grade"]), list(auth["initial_governance"])
    horizon = run.horizon_days(scenario)
    groups = {k: d for k, d in ev.groupby(["replication", "authority"])}
    keys = set(groups)
    if include_initial:
        keys |= {(r, a) for r in range(run.replications(scenario)) for a in range(len(igr))
                 if igr[a] == "inadequate"}
    rows = []

    def close(rep, la, cur, end, obs):
        rank = cur["rank"] if route_by == "reached" else _RANK[cur["start_gov"]]
        rows.append({"replication": rep, "authority": la, "start": cur["start"], "end": end,
                     "duration_days": end - cur["start"], "observed": obs,
                     "route": _ROUTES[rank], "start_governance": cur["start_gov"],
                     "n_inadequate": cur["n"], "commissioner_time": cur["comm"]})
    for rep, la in sorted(keys):
        gov, cur = igov[la], None
        if include_initial and igr[la] == "inadequate":
            cur = {"start": 0.0, "rank": _RANK[gov], "start_gov": gov, "n": 1,
                   "comm": np.nan}
        d = groups.get((rep, la))
        for t, typ, a in ([] if d is None else zip(d["time_days"], d["type"].astype(str),
                                                   d["after_label"])):
            if typ == "governance_change":
                gov = a
                if cur is not None:
                    cur["rank"] = max(cur["rank"], _RANK[a])
                    if cur.get("pending"):
                        cur["start_gov"] = a
                    if a == "commissioner" and np.isnan(cur["comm"]):
                        cur["comm"] = t - cur["start"]
                continue
            if cur is not None:
                cur.pop("pending", None)
            if a == "inadequate":
                if cur is None:
                    cur = {"start": t, "rank": _RANK[gov], "start_gov": gov, "n": 1,
                           "pending": True, "comm": np.nan}
                else:
                    cur["n"] += 1
            elif cur is not None:
                close(rep, la, cur, t, True)
                cur = None
        if cur is not None:
            close(rep, la, cur, horizon, False)
    return pd.DataFrame(rows)


class Analysis(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cssim = find_cssim()
        if not cls.cssim:
            raise RuntimeError("no cssim binary: set CSSIM (ctest does)")
        cls.tmp = tempfile.TemporaryDirectory(prefix="cssim-analysis-")
        d = cls.tmp.name
        base = os.path.join(ROOT, "scenarios", "baseline.yaml")
        y = os.path.join(d, "pair.yaml")
        with open(y, "w") as fh:
            fh.write(f"extends: {base}\nmeta:\n  name: pair\nsweep:\n  grid:\n"
                     "    inspectorate.fte: [30, 45]\n  names: [lowcap, base]\n")
        cls.h5 = os.path.join(d, "pair.h5")
        subprocess.run([cls.cssim, "run", y, "-o", cls.h5, "-n", str(NREP), "-q", "--force"]
                       + SMALL, check=True)
        # the same low-capacity point as its own file, through --set
        cls.h5b = os.path.join(d, "lowcap.h5")
        subprocess.run([cls.cssim, "run", base, "-o", cls.h5b, "-n", str(NREP), "-q", "--force",
                        "--set", "inspectorate.fte=30", "--set", "meta.name=lowcap"] + SMALL,
                       check=True)
        cls.res = ca.load(cls.h5)
        cls.out = os.path.join(d, "report")
        r = subprocess.run([sys.executable, os.path.join(ROOT, "analysis", "report"), cls.h5,
                            "-o", cls.out, "-q"], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"analysis/report failed:\n{r.stderr}")
        with open(os.path.join(cls.out, "report.json")) as fh:
            cls.report = json.load(fh)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    # ---- loading -----------------------------------------------------------------------
    def test_load_scenarios_and_provenance(self):
        self.assertEqual(self.res.scenarios, ["lowcap", "base"])
        with h5py.File(self.h5) as f:
            self.assertEqual(self.res.provenance["seed"], int(f.attrs["seed"]))
        self.assertEqual(self.res.replications("base"), NREP)
        self.assertEqual(self.res.parameters("lowcap")["inspectorate.fte"], 30)

    def test_national_tidy_matches_dataset(self):
        df = self.res.national("base", "grade_counts")
        with h5py.File(self.h5) as f:
            raw = f["scenarios/base/national/grade_counts"][()]
            dates = pd.to_datetime([d.decode() for d in f["scenarios/base/date"][()]])
        self.assertEqual(len(df), raw.size)
        w = df.pivot_table(index=["replication", "date"], columns="grade", values="value",
                           observed=True)[list(ca.GRADES)]
        np.testing.assert_array_equal(w.values, raw.reshape(-1, 4))
        self.assertTrue((df["date"].drop_duplicates().values == dates.values).all())
        xa = self.res.national_array("base", "grade_counts")
        np.testing.assert_array_equal(xa.sel(grade="inadequate").values, raw[:, :, 3])
        ds = self.res.national_dataset("base")
        np.testing.assert_array_equal(ds["grade_counts"].values, raw)

    def test_panel_events_summary_authorities(self):
        with h5py.File(self.h5) as f:
            g = f["scenarios/base"]
            pg = g["panel/grade"][()]
            ev = g["events"][()]
            summ = g["summary/undetected_failure_years"][()]
            n_la = f["authorities/authority"].shape[0]
        p = self.res.panel("base", "grade")
        self.assertEqual(len(p), pg.size)
        codes = np.array(ca.GRADES)[pg.reshape(-1)]
        self.assertTrue((p["value"].astype(str).values == codes).all())
        e = self.res.events("base")
        self.assertEqual(len(e), len(ev))
        with h5py.File(self.h5) as f:
            names = h5py.check_enum_dtype(f["scenarios/base/events"].dtype["type"])
        inv = {v: k for k, v in names.items()}
        self.assertTrue((e["type"].astype(str).values == [inv[t] for t in ev["type"]]).all())
        jp = e[e["type"] == "judgement_published"]
        self.assertTrue(jp["after_label"].isin(ca.GRADES).all())
        np.testing.assert_array_equal(self.res.summary("base")["undetected_failure_years"], summ)
        self.assertEqual(len(self.res.authorities()), n_la)

    def test_multi_file_same_seed(self):
        r = ca.load([self.h5, self.h5b])
        self.assertTrue(r.common_seed)
        self.assertIn("lowcap", r.scenarios)
        other = [s for s in r.scenarios if s.endswith("/lowcap")]
        self.assertEqual(len(other), 1)
        # a sweep point and the same point run alone share every random number
        pd.testing.assert_frame_equal(r.summary("lowcap"), r.summary(other[0]))

    def test_import_as_analysis_package(self):
        env = dict(os.environ, PYTHONPATH=ROOT)
        r = subprocess.run([sys.executable, "-c", "import analysis.cssim_analysis as a; "
                            "print(a.load)"], env=env, cwd=ROOT, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)

    # ---- outcomes ------------------------------------------------------------------------
    def test_kaplan_meier_textbook(self):
        km = ca.kaplan_meier([1, 2, 2, 3, 4, 5], [1, 1, 0, 1, 0, 1])
        s = dict(zip(km["time"], km["survival"]))
        self.assertAlmostEqual(s[1], 5 / 6)
        self.assertAlmostEqual(s[2], 5 / 6 * 4 / 5)
        self.assertAlmostEqual(s[3], 5 / 6 * 4 / 5 * 2 / 3)
        self.assertAlmostEqual(s[5], 0.0)
        self.assertEqual(list(km["n_at_risk"]), [6, 6, 5, 3, 1])
        self.assertTrue((km["lower"] <= km["survival"] + 1e-12).all())
        self.assertTrue((km["upper"] >= km["survival"] - 1e-12).all())
        self.assertEqual(ca.km_median(km), 3)
        # all censored: survival stays 1
        self.assertEqual(ca.kaplan_meier([1, 2], [0, 0])["survival"].min(), 1.0)

    def test_episodes_match_events(self):
        """With initially inadequate LAs included, each episode ends at exactly one
        inadequate -> RI-or-better judgement, and the censored ones are the LAs whose last
        grade is inadequate."""
        ep = ca.inadequate_episodes(self.res, "base", include_initial=True)
        with h5py.File(self.h5) as f:
            ev = f["scenarios/base/events"][()]
            init = [g.decode() for g in f["authorities/initial_grade"][()]]
        jp = ev[ev["type"] == 3]  # judgement_published
        ends = np.count_nonzero((jp["before"] == 3) & (jp["after"] <= 2))
        self.assertEqual(int(ep["observed"].sum()), ends)
        last = {}
        for r in jp:
            last[(int(r["replication"]), int(r["authority"]))] = int(r["after"])
        open_ = sum(1 for rep in range(NREP) for a in range(len(init))
                    if last.get((rep, a), 3 if init[a] == "inadequate" else 0) == 3)
        self.assertEqual(int((~ep["observed"]).sum()), open_)
        self.assertTrue((ep["duration_days"] >= 0).all())
        self.assertTrue(ep["route"].isin(ca.ROUTES).all())
        self.assertTrue(np.allclose(ep.loc[~ep["observed"], "end"],
                                    self.res.horizon_days("base")))

    def test_fan_bands(self):
        f = ca.grade_share_fan(self.res, "base")
        self.assertTrue((f["q05"] <= f["q25"] + 1e-12).all())
        self.assertTrue((f["q25"] <= f["median"] + 1e-12).all())
        self.assertTrue((f["median"] <= f["q75"] + 1e-12).all())
        self.assertTrue((f["q75"] <= f["q95"] + 1e-12).all())
        tot = f.groupby("date")["mean"].sum()
        np.testing.assert_allclose(tot.values, 1.0)

    # ---- the report's numbers equal direct computations ----------------------------------------
    def test_report_summary_levels(self):
        lev = pd.read_csv(os.path.join(self.out, "tables", "summary_levels.csv"))
        with h5py.File(self.h5) as f:
            for s in ("lowcap", "base"):
                for name, ds in f[f"scenarios/{s}/summary"].items():
                    if ds.ndim != 1 or name == "replication":
                        continue
                    row = lev[(lev.scenario == s) & (lev.metric == name)]
                    self.assertEqual(len(row), 1, name)
                    m, lo, hi = t_ci(ds[()])
                    self.assertAlmostEqual(row["mean"].iloc[0], m, places=9)
                    if np.isfinite(lo):
                        self.assertAlmostEqual(row["lo"].iloc[0], lo, places=6)
                        self.assertAlmostEqual(row["hi"].iloc[0], hi, places=6)
                # time-mean and end-of-run metrics
                ga = f[f"scenarios/{s}/national/mean_grade_age"][()].mean(axis=1)
                row = lev[(lev.scenario == s) & (lev.metric == "mean_grade_age")]
                self.assertAlmostEqual(row["mean"].iloc[0], ga.mean(), places=6)
                inad = f[f"scenarios/{s}/national/grade_counts"][:, -1, 3]
                row = lev[(lev.scenario == s) & (lev.metric == "inadequate_at_end")]
                self.assertAlmostEqual(row["mean"].iloc[0], inad.mean(), places=9)

    def test_report_grade_shares_end(self):
        ge = pd.read_csv(os.path.join(self.out, "tables", "grade_shares_end.csv"))
        with h5py.File(self.h5) as f:
            c = f["scenarios/base/national/grade_counts"][:, -1, :]
        share = c / c.sum(axis=1, keepdims=True)
        for i, g in enumerate(ca.GRADES):
            row = ge[(ge.scenario == "base") & (ge.grade == g)].iloc[0]
            self.assertAlmostEqual(row["median"], np.median(share[:, i]), places=12)
            self.assertAlmostEqual(row["q05"], np.quantile(share[:, i], 0.05), places=12)
            self.assertAlmostEqual(row["q95"], np.quantile(share[:, i], 0.95), places=12)

    def test_report_comparison_and_crn(self):
        cmp = pd.read_csv(os.path.join(self.out, "tables", "comparison.csv"))
        with h5py.File(self.h5) as f:
            a = f["scenarios/lowcap/summary/inspector_days_used"][()]
            b = f["scenarios/base/summary/inspector_days_used"][()]
            ua = f["scenarios/lowcap/summary/undetected_failure_years"][()]
            ub = f["scenarios/base/summary/undetected_failure_years"][()]
        row = cmp[(cmp.metric == "inspector_days_used")].iloc[0]
        self.assertEqual(row["reference"], "lowcap")
        m, lo, hi = t_ci(b - a)
        self.assertAlmostEqual(row["diff"], m, places=6)
        self.assertAlmostEqual(row["paired_lo"], lo, places=6)
        self.assertAlmostEqual(row["paired_hi"], hi, places=6)
        va, vb, n = a.var(ddof=1), b.var(ddof=1), len(a)
        se = np.sqrt(va / n + vb / n)
        dfw = se ** 4 / ((va / n) ** 2 / (n - 1) + (vb / n) ** 2 / (n - 1))
        self.assertAlmostEqual(row["unpaired_hi"] - row["unpaired_lo"],
                               2 * stats.t.ppf(0.975, dfw) * se, places=6)
        self.assertAlmostEqual(row["var_ratio"], np.var(b - a, ddof=1) / (va + vb), places=9)
        # common random numbers: paired intervals are narrower than unpaired ones
        for metric, (x, y) in {"inspector_days_used": (a, b),
                               "undetected_failure_years": (ua, ub)}.items():
            r = ca.paired(x, y)
            self.assertLess(r["paired_hi"] - r["paired_lo"], r["unpaired_hi"] - r["unpaired_lo"],
                            metric)
            self.assertLess(r["var_ratio"], 1.0, metric)
        w = cmp.dropna(subset=["var_ratio"])
        w = w[w["var_diff"] > 0]
        self.assertTrue(((w["paired_hi"] - w["paired_lo"])
                         < (w["unpaired_hi"] - w["unpaired_lo"])).mean() >= 0.75)

    def test_report_km_table(self):
        km = pd.read_csv(os.path.join(self.out, "tables", "km_routes.csv"))
        ep = ca.inadequate_episodes(self.res, "base")
        row = km[(km.scenario == "base") & (km.route == "all")].iloc[0]
        self.assertEqual(row["episodes"], len(ep))
        self.assertEqual(row["reached_ri_or_better"], int(ep["observed"].sum()))

    # ---- figures and page -------------------------------------------------------------------------
    def test_figures_nontrivial(self):
        import matplotlib.image as mpimg
        figs = [x["file"] for x in self.report["figures"]]
        for need in ("grades_base.png", "governance_base.png", "backlog_base.png",
                     "km_base.png", "forest.png", "frontier.png", "effort_outcome.png",
                     "waits_base.png", "km_other_base.png", "inadequacy_base.png",
                     "grades_real_base.png", "per_year_base.png"):
            self.assertIn(need, figs)
        for fn in figs:
            p = os.path.join(self.out, fn)
            self.assertGreater(os.path.getsize(p), 10_000, fn)
            img = mpimg.imread(p)
            grey = img[..., :3].mean(axis=2)
            self.assertGreater(grey.std(), 0.02, f"{fn} looks blank")
            self.assertGreater(np.count_nonzero(grey < 0.9), 0.002 * grey.size, f"{fn} is empty")

    def test_index_html(self):
        with open(os.path.join(self.out, "index.html")) as fh:
            page = fh.read()
        for x in self.report["figures"]:
            self.assertIn(f"src='{x['file']}'", page)
        self.assertIn(str(self.res.provenance["seed"]), page)
        self.assertIn("data-images-loaded", page)
        self.assertIn("Capacity-policy benchmark", page)

    def test_report_help(self):
        r = subprocess.run([os.path.join(ROOT, "analysis", "report"), "--help"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0)
        self.assertIn("-o", r.stdout)

    # ---- capacity benchmark ---------------------------------------------------------------------------
    def test_capacity_command(self):
        out = os.path.join(self.tmp.name, "cap")
        env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "analysis"), CSSIM=self.cssim)
        r = subprocess.run([sys.executable, "-m", "cssim_analysis.capacity", "--fte", "30,45",
                            "--policies", "cycle,risk", "-n", "4", "--equal-work", "-o", out]
                           + SMALL,
                           env=env, capture_output=True, text=True, cwd=ROOT)
        self.assertEqual(r.returncode, 0, r.stderr)
        for p in ("fte30_cycle", "fte30_risk", "fte45_cycle", "fte45_risk"):
            self.assertIn(p, r.stdout)
        self.assertIn("Paired differences against `fte30_cycle` (scenario minus reference",
                      r.stdout)
        for era in ("whole run", "SIF era", "ILACS era"):
            self.assertIn(f"### Effort against outcome, {era}", r.stdout)
        self.assertGreater(os.path.getsize(os.path.join(out, "frontier.png")), 10_000)
        lev = pd.read_csv(os.path.join(out, "capacity_levels.csv"))
        with h5py.File(os.path.join(out, "capacity.h5")) as f:
            for s in lev["scenario"]:
                g = f[f"scenarios/{s}"]
                row = lev[lev.scenario == s].iloc[0]
                self.assertEqual(float(g["parameters"].attrs["inspectorate.fte"]), row["fte"])
                self.assertAlmostEqual(row["inspector_days_used_mean"],
                                       g["summary/inspector_days_used"][()].mean(), places=6)
                self.assertAlmostEqual(row["undetected_failure_years_mean"],
                                       g["summary/undetected_failure_years"][()].mean(), places=9)
        # reading the file back gives the same table
        r2 = subprocess.run([sys.executable, "-m", "cssim_analysis.capacity", "--input",
                             os.path.join(out, "capacity.h5"), "-o", out + "2", "--no-plot"],
                            env=env, capture_output=True, text=True, cwd=ROOT)
        self.assertEqual(r2.returncode, 0, r2.stderr)
        sim = "### Equal work, simulated"
        self.assertIn(sim, r.stdout)
        self.assertEqual(r.stdout[:r.stdout.index(sim)].rstrip(), r2.stdout.rstrip())
        ew = pd.read_csv(os.path.join(out, "capacity_equal_work_runs.csv"))
        self.assertEqual(list(ew["policy"]), ["risk"])
        self.assertGreaterEqual(int(ew["runs"].iloc[0]), 1)
        # the run it reports is a real cssim run of risk at that FTE, paired with the reference
        h5 = os.path.join(out, "equal_work_risk.h5")
        with h5py.File(h5) as f:
            fte = float(ew["fte"].iloc[0])
            g = f[f"scenarios/fte{fte:g}_risk"]
            # whole run from the series (to the last snapshot, as effort.period_values)
            a = f["scenarios/fte30_cycle/national/undetected_failure_years"][()]
            b = g["national/undetected_failure_years"][()]
            a, b = a[:, -1] - a[:, 0], b[:, -1] - b[:, 0]
        m, lo, hi = t_ci(b - a)
        self.assertAlmostEqual(ew["undetected_failure_years_diff"].iloc[0], m, places=6)
        self.assertAlmostEqual(ew["undetected_failure_years_lo"].iloc[0], lo, places=6)

    # ---- issue 16: episodes, waits, periods, tidy table, labels, .part --------------------------
    def test_episodes_equal_a_plain_loop(self):
        """The numpy episodes equal a plain loop over each authority's events."""
        for inc in (False, True):
            for rb in ("reached", "start"):
                new = ca.inadequate_episodes(self.res, "base", include_initial=inc, route_by=rb)
                ref = loop_episodes(self.res, "base", inc, rb)
                self.assertGreater(len(ref), 0)
                k = ["replication", "authority", "start"]
                a = new.sort_values(k).reset_index(drop=True)
                b = ref.sort_values(k).reset_index(drop=True)
                self.assertEqual(len(a), len(b))
                for c in ("replication", "authority", "observed", "route", "start_governance",
                          "n_inadequate"):
                    self.assertEqual(list(a[c]), list(b[c]), (inc, rb, c))
                for c in ("start", "end", "duration_days", "commissioner_time"):
                    np.testing.assert_allclose(a[c].values.astype(float),
                                               b[c].values.astype(float), err_msg=c)

    def test_trust_episodes_and_at_risk(self):
        from cssim_analysis.episodes import at_risk_table, trust_episodes
        te = trust_episodes(self.res, "base")
        ev = self.res.events("base", ["governance_change"])
        live = ev[ev["after_label"] == "trust"]
        init = self.res.authorities()["initial_governance"]
        n_init = int((init == "trust").sum()) * NREP
        self.assertEqual(len(te), len(live) + n_init)
        back = ev[(ev["before_label"] == "trust")]
        self.assertEqual(int(te["observed"].sum()), len(back))
        t = at_risk_table([1, 2, 2, 3, 4, 5], [1, 1, 0, 1, 0, 1], [0, 2, 4, 6])
        self.assertEqual(list(t["at_risk"]), [6, 5, 2, 0])
        self.assertEqual(list(t["events_before"]), [0, 1, 3, 4])
        self.assertEqual(list(t["censored_before"]), [0, 0, 1, 2])

    def test_waits_and_reason_labels(self):
        from cssim_analysis.loader import REASONS
        w = ca.waits(self.res, "base")
        with h5py.File(self.h5) as f:
            ev = f["scenarios/base/events"][()]
            code = h5py.check_enum_dtype(f["scenarios/base/events"].dtype["type"])
        st = ev[ev["type"] == code["inspection_started"]]
        self.assertEqual(len(w), len(st))
        for i, r in enumerate(REASONS):
            x = st["value"][st["before"] == i]
            d = w[w["reason"] == r]["wait_days"].values
            self.assertEqual(len(d), len(x))
            if len(x):
                self.assertAlmostEqual(d.mean(), x.mean(), places=9)
        tab = ca.wait_table(w)
        row = tab[tab["visit type"] == "routine"].iloc[0]
        x = st["value"][st["before"] == 0]
        self.assertAlmostEqual(row["share late"], (x > 0).mean(), places=12)
        e = self.res.events("base", ["inspection_started"])
        self.assertTrue(e["before_label"].isin(REASONS).all())
        self.assertEqual(list(e["before_label"]), [REASONS[b] for b in e["before"]])

    def test_periods_add_up(self):
        from cssim_analysis.effort import period_values
        pv = period_values(self.res, "base")
        whole = pv[pv["period"] == "whole run"].set_index("replication")
        summ = self.res.summary("base")
        np.testing.assert_allclose(whole["inspector_days"], summ["inspector_days_used"],
                                   rtol=1e-9)
        # the series stop at the last snapshot; the summary counts to the horizon
        np.testing.assert_allclose(whole["undetected_failure_years"],
                                   summ["undetected_failure_years"], rtol=2e-3)
        sif = pv[pv["period"] == "SIF era"].set_index("replication")
        il = pv[pv["period"] == "ILACS era"].set_index("replication")
        for c in ("inspector_days", "undetected_failure_years", "detections"):
            np.testing.assert_allclose(sif[c] + il[c], whole[c], rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(whole["detections"], summ["detections"])

    def test_dominance_and_equal_work(self):
        import pandas as pd_
        from cssim_analysis.effort import dominance
        rows = []
        for s, vals in {"a": (10, 5, 5), "b": (10, 6, 5), "c": (9, 7, 1)}.items():
            for c, v in zip(("inspector_days", "undetected_failure_years",
                             "detection_latency"), vals):
                rows.append({"scenario": s, "period": "whole run", "criterion": c, "mean": v})
        d = dominance(pd_.DataFrame(rows)).set_index("scenario")
        self.assertEqual(list(d["dominated"]), [False, True, False])
        self.assertEqual(d.loc["b", "dominated_by"], "a")

    def test_tidy_table(self):
        t = self.res.table()
        self.assertEqual(len(t), 2 * NREP)
        self.assertIn("inspectorate.fte", t.columns)
        self.assertEqual(sorted(t["inspectorate.fte"].unique()), [30, 45])
        self.assertTrue(np.issubdtype(t["inspectorate.fte"].dtype, np.number))
        with h5py.File(self.h5) as f:
            raw = f["scenarios/lowcap/summary/undetected_failure_years"][()]
        np.testing.assert_array_equal(
            t[t.scenario == "lowcap"]["undetected_failure_years"].values, raw)

    def test_part_file_opens_with_swmr_retry(self):
        import shutil
        part = os.path.join(self.tmp.name, "killed.h5.part")
        shutil.copy(self.h5, part)
        # a writer in SWMR mode that dies without closing leaves the file flagged open
        code = ("import h5py, os, sys; f = h5py.File(sys.argv[1], 'a', libver='latest'); "
                "f.swmr_mode = True; f.flush(); os._exit(0)")
        subprocess.run([sys.executable, "-c", code, part], check=True)
        with self.assertRaises(OSError):
            h5py.File(part, "r")
        r = ca.load(part)
        np.testing.assert_array_equal(r.summary("base")["undetected_failure_years"],
                                      self.res.summary("base")["undetected_failure_years"])
        self.assertEqual(len(r.events("base")), len(self.res.events("base")))

    def test_observed_record_matches_published(self):
        from cssim_analysis import observed
        p = observed.published_distribution()
        g = observed.grade_shares(sorted(p["date"].unique()))
        m = p.merge(g, on=["date", "grade"], suffixes=("_pub", "_rebuilt"))
        self.assertEqual(len(m), len(p))
        self.assertEqual(list(m["count_pub"]), list(m["count_rebuilt"]))
        self.assertEqual(list(m["judged_pub"]), list(m["judged_rebuilt"]))

    def test_prcc(self):
        from cssim_analysis.sensitivity import prcc
        rng = np.random.default_rng(7)
        X = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300),
                          "c": rng.uniform(size=300)})
        y = np.exp(2 * X["a"]) - X["c"] + 0.3 * rng.normal(size=300)
        t = prcc(X, y).set_index("parameter")
        self.assertGreater(t.loc["a", "prcc"], 0.9)
        self.assertLess(t.loc["c", "hi"], 0)
        self.assertTrue(t.loc["b", "lo"] < 0 < t.loc["b", "hi"])

    def test_html_has_tables_not_markdown_and_one_sign(self):
        with open(os.path.join(self.out, "index.html")) as fh:
            page = fh.read()
        self.assertNotIn("|---", page)
        self.assertGreater(page.count("<table"), 8)
        for sec in ("Policy comparison", "Capacity frontier"):
            for cap in re.findall(r"<figcaption><b>" + sec + r"[^<]*</b>([^<]*)</figcaption>",
                                  page):
                self.assertIn("scenario minus reference", cap.lower())
        self.assertIn("scenario minus reference (lowcap)", page)
        self.assertNotIn("e+0", page)  # numbers written out, not in exponent form
        cap = pd.read_csv(os.path.join(self.out, "tables", "capacity_diffs.csv"))
        self.assertEqual(set(cap["reference"]), {"lowcap"})  # the report's one reference

    # ---- the worked example in docs/output.md ---------------------------------------------------------
    def test_python_example(self):
        r = subprocess.run([sys.executable, os.path.join(ROOT, "analysis", "examples",
                                                         "load_python.py"), self.h5],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(self.h5) as f:
            x = f["scenarios/lowcap/summary/undetected_failure_years"][()]
        self.assertIn(f"mean {x.mean():.2f}", r.stdout)
        self.assertIn("xarray: inadequate share at the end", r.stdout)

    def test_docs_xarray_snippet_days_are_numbers(self):
        """The xarray snippet of docs/output.md runs as written and loads days as numbers."""
        with open(os.path.join(ROOT, "docs", "output.md")) as fh:
            text = fh.read()
        i = text.index("xarray (no custom loader")
        code = text[text.index("```python", i) + 9: text.index("```", text.index("```python", i)
                                                               + 9)]
        self.assertIn("decode_timedelta=False", code)
        d = os.path.join(self.tmp.name, "docs")
        os.makedirs(d, exist_ok=True)
        subprocess.run([self.cssim, "run", os.path.join(ROOT, "scenarios", "baseline.yaml"),
                        "-o", os.path.join(d, "out.h5"), "-n", "2", "-q", "--force",
                        "--set", "time.horizon_years=1"], check=True)
        import matplotlib
        matplotlib.use("Agg")
        cwd = os.getcwd()
        os.chdir(d)
        try:
            ns = {}
            exec(compile(code, "docs/output.md", "exec"), ns)
        finally:
            os.chdir(cwd)
        for name in ("nat", "summ"):
            for v, da in ns[name].data_vars.items():
                if da.attrs.get("units") == "days" or "days" == str(da.attrs.get("units")):
                    self.assertEqual(da.dtype.kind, "f", f"{name}/{v}")
        self.assertEqual(ns["nat"]["mean_grade_age"].dtype.kind, "f")
        self.assertEqual(ns["summ"]["overdue_days"].dtype.kind, "f")
        self.assertEqual(ns["nat"]["time"].dtype.kind, "M")   # dates still decoded

    def test_docs_quote_the_tested_examples(self):
        doc = os.path.join(ROOT, "docs", "output.md")
        with open(doc) as fh:
            text = fh.read()
        if "## Worked examples: Python and R" not in text:
            self.skipTest("docs/output.md has no worked-examples section")
        for fn in ("load_python.py", "load_r.R"):
            with open(os.path.join(ROOT, "analysis", "examples", fn)) as fh:
                self.assertIn(fh.read().rstrip(), text, f"docs/output.md quotes an old {fn}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
