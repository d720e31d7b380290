#!/usr/bin/python3
"""Forecast summary of a run (e.g. scenarios/forecast_2018.yaml): for each year-end snapshot,
the national grade distribution (mean, median, 5%-95% and 25%-75% over replications) and
each authority's probability of each grade. Printed as a table and written to HDF5:

  /national/grade_counts_quantiles  [year, grade, stat]  stat = mean, q05, q25, q50, q75, q95
  /by_authority/grade_probability   [year, authority, grade]
  /year, /grade, /stat, /authority  labels (dimension scales)

Usage: /usr/bin/python3 scripts/forecast.py RUN.h5 [-s SCENARIO] [-o SUMMARY.h5] [--force]
"""
import argparse
import os
import sys

import h5py
import numpy as np

GRADES = ["outstanding", "good", "ri", "inadequate"]
STATS = ["mean", "q05", "q25", "q50", "q75", "q95"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run")
    ap.add_argument("-s", "--scenario", help="scenario group (default: the first)")
    ap.add_argument("-o", "--output", help="write the summary to this HDF5 file")
    ap.add_argument("--force", action="store_true", help="overwrite --output")
    a = ap.parse_args(argv)
    with h5py.File(a.run, "r") as f:
        name = a.scenario or list(f["scenarios"])[0]
        g = f["scenarios"][name]
        n = int(g["progress"][0])
        dates = [d.decode() for d in g["date"][:]]
        start = dates[0]
        # year-end snapshots: the start's anniversaries
        idx = [i for i, d in enumerate(dates) if d[5:] == start[5:]]
        codes = [c.decode() for c in f["authorities/code"][:]]
        nat = g["national/grade_counts"][:n][:, idx, :].astype(float)
        panel = g["panel/grade"][:n][:, idx, :] if "panel" in g else None
    years = [dates[i] for i in idx]
    q = np.stack([nat.mean(0)] + [np.quantile(nat, p, axis=0) for p in (.05, .25, .5, .75, .95)], -1)
    print(f"{name}: {n} replications; national grade counts, mean [90% interval]")
    print("date        " + "".join(f"{g_:>22s}" for g_ in GRADES))
    for k, y in enumerate(years):
        print(f"{y}  " + "".join(f"{q[k, j, 0]:8.1f} [{q[k, j, 1]:4.0f}, {q[k, j, 5]:4.0f}]  "
                                 for j in range(4)))
    probs = None
    if panel is not None:
        probs = np.stack([(panel == j).mean(0) for j in range(4)], -1)  # [year, la, grade]
    if a.output:
        if os.path.exists(a.output) and not a.force:
            sys.exit(f"forecast.py: {a.output} exists (use --force)")
        with h5py.File(a.output, "w") as o:
            o.attrs["source"] = os.path.abspath(a.run)
            o.attrs["scenario"] = name
            o.attrs["replications"] = n
            for lab, vals in (("year", years), ("grade", GRADES), ("stat", STATS),
                              ("authority", codes)):
                d = o.create_dataset(lab, data=np.array(vals, dtype="S"))
                d.make_scale(lab)
            d = o.create_dataset("national/grade_counts_quantiles", data=q)
            for i, lab in enumerate(("year", "grade", "stat")):
                d.dims[i].attach_scale(o[lab])
            if probs is not None:
                d = o.create_dataset("by_authority/grade_probability", data=probs)
                for i, lab in enumerate(("year", "authority", "grade")):
                    d.dims[i].attach_scale(o[lab])
        print(f"wrote {a.output}")


if __name__ == "__main__":
    main()
