#!/usr/bin/python3
"""The calibrated baseline reproduces the real SIF-era national grade distribution: at every
target date the real count of each grade lies within the simulated 90% interval (5%-95% over
replications, parameter uncertainty included)."""
import csv
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

CSSIM = os.environ.get("CSSIM", "build/cssim")


def main():
    targets = [r for r in csv.DictReader(open("data/calibration_targets.csv"))
               if r["series"].startswith("sif_grade_counts[")]
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "b.h5")
        subprocess.run([CSSIM, "run", "scenarios/baseline.yaml", "-o", out, "-n", "100", "-q",
                        "--set", "time.horizon_years=2.01", "--set", "output.panel=false",
                        "--set", "output.events=false"], check=True)
        with h5py.File(out, "r") as f:
            g = f["scenarios/baseline"]
            dates = [x.decode() for x in g["date"][:]]
            counts = g["national/sif_grade_counts"][:]
    labels = ["outstanding", "good", "ri", "inadequate"]
    bad = []
    for r in targets:
        lab = r["series"][len("sif_grade_counts["):-1]
        x = counts[:, dates.index(r["date"]), labels.index(lab)]
        lo, hi = np.quantile(x, [0.05, 0.95])
        real = float(r["value"])
        ok = lo <= real <= hi
        print(f"{r['date']} {lab:12s} real {real:5.0f}  simulated 90% [{lo:5.1f}, {hi:5.1f}]"
              f"  mean {x.mean():6.2f} {'' if ok else '  OUTSIDE'}")
        if not ok:
            bad.append((r["date"], lab))
    if bad:
        print("outside the 90% interval:", bad)
        return 1
    print("ok: every target inside its simulated 90% interval")
    return 0


if __name__ == "__main__":
    sys.exit(main())
