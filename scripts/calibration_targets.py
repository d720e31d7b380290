#!/usr/bin/python3
"""Calibration targets from the real record (data/raw), on cssim's snapshot dates.

Writes data/calibration_targets.csv: one row per target, columns
  series   a national series of the model (docs/output.md); "name[label]" for a labelled column
  date     a snapshot date of a run starting 2015-12-14 (calendar months from the start)
  value    the real value at that date
  source   how it was computed

Targets (the real record to 2017-12-31 only: the later record is kept aside to judge forecasts):
  sif_grade_counts[g]      grade counts of LAs whose latest judgement is a SIF judgement, from the
                           authority table built for that date (scripts/build_authorities.py, which
                           reproduces Ofsted's national figures exactly at their dates)
  commissioners_appointed  commissioners appointed after the start (data/SOURCES.md events)
  trusts_created           trusts gone live after the start (imposed ones; voluntary excluded)
  inadequate_reinspected   judgements published after the start for LAs whose previous grade was
  inadequate_improved      inadequate, and how many of them were better than inadequate

Usage: /usr/bin/python3 scripts/calibration_targets.py [-o data/calibration_targets.csv]
"""
import argparse
import datetime as dt
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import build_authorities as ba  # noqa: E402

START = dt.date(2015, 12, 14)
GRADES = ["outstanding", "good", "ri", "inadequate"]
GRADE_DATES = [dt.date(2016, 3, 14), dt.date(2016, 9, 14), dt.date(2017, 3, 14),
               dt.date(2017, 9, 14), dt.date(2017, 12, 14)]
END = dt.date(2017, 12, 14)


def add_months(d, k):
    y, m = divmod(d.month - 1 + k, 12)
    return dt.date(d.year + y, m + 1, d.day)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", default=os.path.join(ba.REPO, "data", "calibration_targets.csv"))
    ap.add_argument("--raw", "--shared", dest="shared", default=ba.DEFAULT_SHARED)
    a = ap.parse_args(argv)
    rows = []
    months = [add_months(START, k) for k in range(0, 25)]
    tables = {d: {r["code"]: r for r in ba.build(d, a.shared)[0]} for d in months}
    for d in GRADE_DATES:
        t = tables[d]
        for g in GRADES:
            n = sum(1 for r in t.values() if str(r["sif_done"]) == "1" and r["grade"] == g)
            rows.append((f"sif_grade_counts[{g}]", d, n, "SIF-judged LAs by latest grade "
                         "(build_authorities.py at this date)"))
    # judgements published after the start, from month-to-month changes of each LA's latest
    # judgement date; the previous grade is the one in force the month before
    reinsp = improved = 0
    for prev, cur in zip(months, months[1:]):
        for code, r in tables[cur].items():
            p = tables[prev][code]
            if r["grade_date"] != p["grade_date"] and p["grade"] == "inadequate":
                reinsp += 1
                improved += r["grade"] != "inadequate"
    rows.append(("inadequate_reinspected", END, reinsp,
                 "judgements published 2015-12-14..2017-12-14 for LAs previously inadequate"))
    rows.append(("inadequate_improved", END, improved, "... of which better than inadequate"))
    comm = sum(1 for _la, st, eff, _s in ba.GOV_EVENTS
               if st == "commissioner" and START < dt.date.fromisoformat(eff) <= END)
    trusts = sum(1 for _la, st, eff, src in ba.GOV_EVENTS
                 if st == "trust" and "voluntary" not in src
                 and START < dt.date.fromisoformat(eff) <= END)
    rows.append(("commissioners_appointed", END, comm,
                 "commissioners appointed 2015-12-14..2017-12-14 (data/SOURCES.md)"))
    rows.append(("trusts_created", END, trusts,
                 "imposed trusts gone live 2015-12-14..2017-12-14 (data/SOURCES.md)"))
    with open(a.output, "w", newline="") as f:
        f.write("series,date,value,source\n")
        for s, d, v, src in rows:
            f.write(f"{s},{d.isoformat()},{v},\"{src}\"\n")
    print(f"wrote {len(rows)} targets to {a.output}")


if __name__ == "__main__":
    main()
