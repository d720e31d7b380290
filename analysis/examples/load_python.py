#!/usr/bin/python3
"""Worked example: read a cssim output file with h5py + pandas, and with xarray.

Usage: /usr/bin/python3 analysis/examples/load_python.py OUT.h5
Needs Debian's python3-h5py, python3-pandas, python3-xarray, python3-h5netcdf, python3-scipy.
"""
import sys

import h5py
import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats


def text(x):
    return x.decode() if isinstance(x, bytes) else str(x)


path = sys.argv[1] if len(sys.argv) > 1 else "out.h5"

with h5py.File(path, "r") as f:
    # provenance: root attributes
    print("cssim", text(f.attrs["software_version"]), "commit", text(f.attrs["git_commit"]),
          "seed", int(f.attrs["seed"]))
    scenarios = [text(s) for s in np.atleast_1d(f.attrs["scenarios"])]
    s = scenarios[0]
    g = f["scenarios"][s]

    # national series [replication, time, grade] -> tidy frame, one row per rep/date/grade
    dates = pd.to_datetime([text(d) for d in g["date"][()]])
    grades = [text(x) for x in g["national/grade"][()]]
    counts = g["national/grade_counts"][()]
    nr, nt, ng = counts.shape
    tidy = pd.DataFrame({
        "replication": np.repeat(np.arange(nr), nt * ng),
        "date": np.tile(np.repeat(dates, ng), nr),
        "grade": pd.Categorical(np.tile(grades, nr * nt), categories=grades),
        "count": counts.ravel()})
    tidy["share"] = tidy["count"] / tidy.groupby(["replication", "date"])["count"].transform("sum")
    last = tidy[(tidy.grade == "inadequate") & (tidy.date == dates[-1])]["share"]
    q05, q50, q95 = np.quantile(last, [0.05, 0.5, 0.95])
    print(f"{s}: inadequate share on {dates[-1].date()}: median {q50:.3f} [{q05:.3f}, {q95:.3f}]")

    # per-replication summaries: mean and t interval
    x = g["summary/undetected_failure_years"][()]
    lo, hi = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    print(f"undetected-failure authority-years: mean {x.mean():.2f}, 95% CI [{lo:.2f}, {hi:.2f}]"
          f" (n = {len(x)})")

    # panel: enum types carry their names
    codes = [text(c) for c in f["authorities/authority"][()]]
    if "panel/grade" in g:
        names = {v: k for k, v in h5py.check_enum_dtype(g["panel/grade"].dtype).items()}
        first = pd.Series(g["panel/grade"][0, 0, :]).map(names)
        print("replication 0, first date:", first.value_counts().to_dict())

    # the events table: compound dataset -> DataFrame, type codes -> names
    if "events" in g:
        ev = pd.DataFrame(g["events"][()])
        names = {v: k for k, v in h5py.check_enum_dtype(g["events"].dtype["type"]).items()}
        ev["type"] = ev["type"].map(names)
        ev["authority_code"] = [codes[a] if a >= 0 else None for a in ev["authority"]]
        print("events:", len(ev), "; judgements published:",
              int((ev["type"] == "judgement_published").sum()))

    # a paired comparison of two scenarios (common random numbers) when the file has two
    if len(scenarios) >= 2:
        a = f[f"scenarios/{scenarios[0]}/summary/inspector_days_used"][()]
        b = f[f"scenarios/{scenarios[1]}/summary/inspector_days_used"][()]
        d = b - a
        pl, ph = stats.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=stats.sem(d))
        va, vb, n = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b), len(a)
        df = (va + vb) ** 2 / (va ** 2 / (n - 1) + vb ** 2 / (n - 1))  # Welch
        h = stats.t.ppf(0.975, df) * np.sqrt(va + vb)
        print(f"inspector-days {scenarios[1]} - {scenarios[0]}: {d.mean():.1f}, paired CI "
              f"[{pl:.1f}, {ph:.1f}], unpaired [{d.mean() - h:.1f}, {d.mean() + h:.1f}]")

# xarray: each group opens as a Dataset labelled by its dimension scales
ds = xr.open_dataset(path, engine="h5netcdf", group=f"scenarios/{s}/national",
                     phony_dims="access", decode_timedelta=False)
share = ds["grade_counts"] / ds["grade_counts"].sum("grade")
band = share.sel(grade="inadequate").isel(time=-1).quantile([0.05, 0.5, 0.95], dim="replication")
print("xarray: inadequate share at the end:", np.round(band.values, 3).tolist())
ds.close()
