#!/usr/bin/python3
"""The model against the record 2015-12-14 .. 2018-12-14: runs scenarios/baseline.yaml (three
years from 2015-12-14) and prints, for every target in data/calibration_targets.csv dated
2016-12-14 or later (the transition table of consecutive judgements, the 2018 judgement mix by
inspection type, SIF volumes and completion, commissioners, trusts), the real value and the
simulated mean and 90% interval, flagging those outside.

Usage: /usr/bin/python3 scripts/compare_record.py [--cssim build/cssim] [-n 100]
       [--set key=value ...] [--all]
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
GRADES = ["outstanding", "good", "ri", "inadequate"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cssim", default=os.path.join(ROOT, "build", "cssim"))
    ap.add_argument("-n", type=int, default=100)
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--all", action="store_true", help="every target, not only from 2016-12")
    a = ap.parse_args(argv)
    targets = list(csv.DictReader(open(os.path.join(ROOT, "data", "calibration_targets.csv"))))
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "b.h5")
        cmd = [a.cssim, "run", os.path.join(ROOT, "scenarios", "baseline.yaml"), "-o", out, "-n",
               str(a.n), "-q", "--set", "time.horizon_years=3.01", "--set", "output.panel=false",
               "--set", "output.events=false"]
        for s in a.set:
            cmd += ["--set", s]
        subprocess.run(cmd, check=True)
        with h5py.File(out, "r") as f:
            g = f["scenarios/baseline"]
            dates = [x.decode() for x in g["date"][:]]
            nat = {k: g["national"][k][:] for k in g["national"]}
            labels = {k: [x.decode() if isinstance(x, bytes) else str(x)
                          for x in g["national"][k].dims[2][0][:]]
                      for k in g["national"] if g["national"][k].ndim == 3}
    bad = 0
    print("| target | date | real | model mean | 90% interval |")
    print("|---|---|---|---|---|")
    for t in targets:
        if not a.all and t["date"] < "2016-12-14":
            continue
        s, d, real = t["series"], t["date"], float(t["value"])
        name, lab = (s[:-1].split("[") if s.endswith("]") else [s, None])
        x = nat[name][:, dates.index(d)]
        if lab is not None:
            x = x[:, labels[name].index(lab)]
        lo, hi = np.quantile(x, [0.05, 0.95])
        out_ = not (lo <= real <= hi)
        bad += out_
        print(f"| {s} | {d} | {real:g} | {x.mean():.1f} | [{lo:g}, {hi:g}]{' **outside**' if out_ else ''} |")
    print(f"\n{bad} of the targets outside their simulated 90% interval")
    return 0


if __name__ == "__main__":
    sys.exit(main())
