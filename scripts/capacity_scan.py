#!/usr/bin/python3
"""Does capacity bind? Runs scenarios/baseline.yaml from 2015-12-14 to 2018-12-14 at a grid of
inspector FTE (every other parameter as the scenario draws it) and prints, per FTE, the SIF's
completion (authorities with a SIF judgement), SIF judgements published since the start, the
month the last first SIF is published, mean queue wait and overdue visits in 2016-2017, against
the record (data/calibration_targets.csv and data/raw).

Usage: /usr/bin/python3 scripts/capacity_scan.py [--cssim build/cssim] [-n 60]
       [--fte 20,30,...] [--set key=value ...]
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def record():
    t = {(r["series"], r["date"]): float(r["value"])
         for r in csv.DictReader(open(os.path.join(ROOT, "data", "calibration_targets.csv")))}
    first = {}
    with open(os.path.join(ROOT, "data", "raw", "ofsted_overall_judgements_2013_2017.csv")) as f:
        for r in csv.DictReader(f):
            if r["inspection_type"] == "SIF first":
                first[r["la_key"]] = r["publication_date"]
    return t, max(first.values())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cssim", default=os.path.join(ROOT, "build", "cssim"))
    ap.add_argument("-n", type=int, default=60)
    ap.add_argument("--fte", default="20,30,40,50,60,70,80,100,130,160")
    ap.add_argument("--set", action="append", default=[])
    a = ap.parse_args(argv)
    t, last_first = record()
    sifsum = lambda d: sum(t[(f"judgements_sif[{g}]", d)]
                           for g in ("outstanding", "good", "ri", "inadequate"))
    print(f"record: SIF-judged LAs 2016-12-14 {t[('sif_judged', '2016-12-14')]:.0f}, "
          f"2017-12-14 {t[('sif_judged', '2017-12-14')]:.0f}; SIF judgements since 2015-12-14: "
          f"{sifsum('2016-12-14'):.0f} by 2016-12-14, {sifsum('2017-12-14'):.0f} by 2017-12-14; "
          f"last first SIF published {last_first}")
    print("| FTE | SIF-judged 2016-12 | SIF-judged 2017-12 | SIF judgements to 2016-12 | "
          "to 2017-12 | all 152 by (median month) | mean wait 2016-17 (d) | overdue visits, "
          "mean 2016-17 | utilisation 2016-17 |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for fte in a.fte.split(","):
            out = os.path.join(tmp, f"s{fte}.h5")
            cmd = [a.cssim, "run", os.path.join(ROOT, "scenarios", "baseline.yaml"), "-o", out,
                   "-n", str(a.n), "-q", "--set", "time.horizon_years=3.01", "--set",
                   "output.panel=false", "--set", "output.events=false", "--set",
                   f"inspectorate.fte={fte}"]
            for s in a.set:
                cmd += ["--set", s]
            subprocess.run(cmd, check=True)
            with h5py.File(out, "r") as f:
                g = f["scenarios/baseline"]
                dates = [x.decode() for x in g["date"][:]]
                nat = g["national"]
                i16, i17 = dates.index("2016-12-14"), dates.index("2017-12-14")
                sj = nat["sif_judged"][:]
                js = nat["judgements_sif"][:].sum(axis=2)
                done = [next((dates[k][:7] for k in range(len(dates)) if sj[r, k] >= 152),
                             "never") for r in range(sj.shape[0])]
                ok = sorted(d for d in done if d != "never")
                med = ok[len(ok) // 2] if len(ok) > len(done) // 2 else "after 2018-12"
                # 2016-01 .. 2017-12 monthly snapshots
                k0, k1 = dates.index("2016-01-14"), i17
                over = nat["overdue_inspections"][:, k0:k1 + 1].mean()
                util = np.nanmean(nat["inspector_utilisation"][:, k0 + 1:k1 + 1])
            out2 = os.path.join(tmp, f"w{fte}.h5")
            subprocess.run(cmd[:3] + ["-o", out2] + cmd[5:] + ["--set",
                           "time.horizon_years=2.05"], check=True)
            with h5py.File(out2, "r") as f:
                wait = f["scenarios/baseline/summary/mean_wait"][:].mean()
            def q(x):
                lo, hi = np.quantile(x, [0.05, 0.95])
                return f"{x.mean():.0f} [{lo:.0f}, {hi:.0f}]"
            print(f"| {fte} | {q(sj[:, i16])} | {q(sj[:, i17])} | {q(js[:, i16])} | "
                  f"{q(js[:, i17])} | {med} | {wait:.0f} | {over:.1f} | {util:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
