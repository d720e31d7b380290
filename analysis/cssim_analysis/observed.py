"""The real record from data/raw, for overlaying on simulated figures.

Only the repository's own copy of the public data (data/raw, data/SOURCES.md) is read.
"""
from __future__ import annotations

import os

import numpy as np
import pandas as pd

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RAW = os.path.join(REPO, "data", "raw")
_GRADE = {"outstanding": "outstanding", "good": "good", "ri": "ri",
          "requires improvement": "ri", "requires improvement to be good": "ri",
          "inadequate": "inadequate"}


def judgements(raw=RAW):
    """Every SIF (2013-2017) and SIF/ILACS (2018) overall judgement: ons_code, framework,
    publication_date, grade (outstanding, good, ri, inadequate)."""
    a = pd.read_csv(os.path.join(raw, "ofsted_overall_judgements_2013_2017.csv"))
    b = pd.read_csv(os.path.join(raw, "ofsted_overall_judgements_2018.csv"))
    d = pd.concat([a[["ons_code", "framework", "publication_date", "overall"]],
                   b[["ons_code", "framework", "publication_date", "overall"]]],
                  ignore_index=True)
    d["publication_date"] = pd.to_datetime(d["publication_date"])
    d["grade"] = d["overall"].str.strip().str.lower().map(_GRADE)
    return d.dropna(subset=["grade", "publication_date"]).drop(columns="overall")


def grade_shares(dates=None, raw=RAW):
    """Share of judged authorities by their latest SIF or ILACS grade at each date (the basis
    of Ofsted's national statistics): date, judged, grade, count, share. Default dates: every
    quarter end from March 2014 to December 2018 (the record in data/raw stops there)."""
    j = judgements(raw).sort_values("publication_date")
    if dates is None:
        dates = pd.date_range("2014-03-31", "2018-12-31", freq="3M")
    rows = []
    for d in pd.to_datetime(list(dates)):
        last = j[j["publication_date"] <= d].groupby("ons_code").tail(1)
        n = len(last)
        for g in ("outstanding", "good", "ri", "inadequate"):
            c = int((last["grade"] == g).sum())
            rows.append({"date": d, "judged": n, "grade": g, "count": c,
                         "share": c / n if n else np.nan})
    return pd.DataFrame(rows)


def published_distribution(raw=RAW):
    """Ofsted's published national distribution at its dates
    (national_grade_distribution_2014_2017.csv), in the long form of grade_shares()."""
    d = pd.read_csv(os.path.join(raw, "national_grade_distribution_2014_2017.csv"),
                    parse_dates=["date"])
    rows = []
    for _, r in d.iterrows():
        for g in ("outstanding", "good", "ri", "inadequate"):
            rows.append({"date": r["date"], "judged": int(r["las_judged"]), "grade": g,
                         "count": int(r[g]), "share": r[g] / r["las_judged"]})
    return pd.DataFrame(rows)


def cumulative_targets(path=os.path.join(REPO, "data", "calibration_targets.csv")):
    """Cumulative counts from the start (14 Dec 2015) in the real record, as the calibration
    uses them (data/calibration_targets.csv): series (commissioners_appointed, trusts_created,
    ...), date, value."""
    d = pd.read_csv(path, parse_dates=["date"])
    return d[~d["series"].str.contains(r"\[")][["series", "date", "value"]]


__all__ = ["judgements", "grade_shares", "published_distribution", "cumulative_targets", "RAW"]
