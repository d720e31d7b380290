#!/usr/bin/python3
"""The R worked example of docs/output.md (analysis/examples/load_r.R, hdf5r) runs on a real
cssim file and prints the same numbers as Python reading the file directly.

Skips (exit 0) when Rscript or the hdf5r package is absent (Debian: r-base-core, r-cran-hdf5r).
"""
import os
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np
from scipy import stats

ROOT = os.environ.get("CSSIM_SRC") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "analysis"))


def main():
    rs = shutil.which("Rscript")
    if not rs:
        print("SKIP: Rscript not installed (apt-get install -y r-base-core r-cran-hdf5r)")
        return 0
    if subprocess.run([rs, "-e", "library(hdf5r)"], capture_output=True).returncode != 0:
        print("SKIP: R package hdf5r not installed (apt-get install -y r-cran-hdf5r)")
        return 0
    from cssim_analysis.capacity import find_cssim
    cssim = find_cssim()
    if not cssim:
        print("FAIL: no cssim binary (set CSSIM)")
        return 1
    with tempfile.TemporaryDirectory(prefix="cssim-r-") as tmp:
        y = os.path.join(tmp, "two.yaml")
        with open(y, "w") as fh:
            fh.write(f"extends: {os.path.join(ROOT, 'scenarios', 'baseline.yaml')}\n"
                     "meta:\n  name: two\nsweep:\n  grid:\n    inspectorate.fte: [30, 45]\n"
                     "  names: [low, base]\n")
        h5 = os.path.join(tmp, "two.h5")
        subprocess.run([cssim, "run", y, "-o", h5, "-n", "6", "-q", "--force", "--set",
                        "authorities.limit=30", "--set", "time.horizon_years=2"], check=True)
        r = subprocess.run([rs, os.path.join(ROOT, "analysis", "examples", "load_r.R"), h5],
                           capture_output=True, text=True)
        print(r.stdout)
        if r.returncode != 0:
            print(r.stderr)
            return 1
        with h5py.File(h5) as f:
            x = f["scenarios/low/summary/undetected_failure_years"][()]
            c = f["scenarios/low/national/grade_counts"][:, -1, :]
            nj = int(np.count_nonzero(f["scenarios/low/events"]["type"] == 3))
            seed = int(f.attrs["seed"])
        lo, hi = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
        med = np.median(c[:, 3] / c.sum(axis=1))
        want = [f"seed {seed}", f"mean {x.mean():.2f}, 95% CI [{lo:.2f}, {hi:.2f}]",
                f"median {med:.3f}", f"judgements published: {nj}", "paired CI"]
        for w in want:
            if w not in r.stdout:
                print(f"FAIL: expected {w!r} in the R output")
                return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
