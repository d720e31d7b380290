#!/usr/bin/python3
"""Calibration targets from the real record (data/raw), on cssim's snapshot dates.

Writes data/calibration_targets.csv: one row per target, columns
  series   a national series of the model (docs/output.md); "name[label]" for a labelled column
  date     a snapshot date of a run starting 2015-12-14 (calendar months from the start)
  value    the real value at that date
  source   how it was computed

Targets (the released record to 2018-12-31: the later record is kept aside to judge forecasts;
cumulative series count from the start, 2015-12-14):
  sif_grade_counts[g]      grade counts of LAs whose latest judgement is a SIF judgement, from the
                           authority table built for that date (scripts/build_authorities.py, which
                           reproduces Ofsted's national figures exactly at their dates)
  commissioners_appointed  commissioners appointed after the start (data/SOURCES.md events)
  trusts_created           trusts gone live after the start (imposed ones; voluntary excluded)
  inadequate_reinspected   judgements published after the start for LAs whose previous grade was
  inadequate_improved      inadequate, and how many of them were better than inadequate
  sif_judged               LAs with a SIF judgement (the SIF's completion), yearly
  judgements_sif[g]        SIF judgements published since the start, by grade, yearly (2013-2017
                           file and the 2018 SIF re-inspections): inspection volumes by year
  judgements_ilacs_standard[g], judgements_ilacs_short[g]
                           the 2018 ILACS judgement mix by inspection type
  transitions[a_to_b]      consecutive SIF/ILACS judgements of an LA whose later one was published
                           since the start (consecutive_judgements_to_2017.csv, which this script
                           checks, plus every 2018 judgement paired with the LA's previous one)
  commissioners_appointed, trusts_created are yearly as well (no 2018 commissioner target: the data
  name none, which is not the same as none)

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
YEARS = [dt.date(2016, 12, 14), dt.date(2017, 12, 14), dt.date(2018, 12, 14)]
GMAP = {"Outstanding": "outstanding", "Good": "good", "RI": "ri", "Inadequate": "inadequate"}
# the 2013-2017 file gives these three LAs their post-2019 codes (data/SOURCES.md)
LATER_CODES = {"E06000060": "E10000002", "E06000065": "E10000023", "E06000066": "E10000027"}


def overall_judgements(shared):
    """Every SIF and ILACS overall judgement 2013-2018: (code, date, grade, kind), kind one of
    sif, ilacs_standard, ilacs_short."""
    import csv
    out = []
    for name in ("ofsted_overall_judgements_2013_2017.csv", "ofsted_overall_judgements_2018.csv"):
        with open(os.path.join(shared, name), newline="") as f:
            for r in csv.DictReader(f):
                kind = {"SIF": "sif", "ILACS standard": "ilacs_standard",
                        "ILACS short": "ilacs_short"}.get(r["inspection_type"], "sif")
                out.append((LATER_CODES.get(r["ons_code"], r["ons_code"]),
                            dt.date.fromisoformat(r["publication_date"]), GMAP[r["overall"]],
                            kind))
    return sorted(out)


def consecutive_pairs(js):
    """(code, from grade, to grade, to date) for consecutive judgements of each LA."""
    pairs = []
    for a, b in zip(js, js[1:]):
        if a[0] == b[0]:
            pairs.append((a[0], a[2], b[2], b[1], a[1]))
    return pairs


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
    # ---- 2013-2018 judgements: volumes, the 2018 mix, the transition table ----
    js = overall_judgements(a.shared)
    pairs = consecutive_pairs(js)
    # the pairs published by 2017 are exactly consecutive_judgements_to_2017.csv
    import csv
    with open(os.path.join(a.shared, "consecutive_judgements_to_2017.csv"), newline="") as f:
        rec = sorted((dt.date.fromisoformat(r["from_pub"]), dt.date.fromisoformat(r["to_pub"]),
                      GMAP[r["from_g"]], GMAP[r["to_g"]]) for r in csv.DictReader(f))
    mine = sorted((p[4], p[3], p[1], p[2]) for p in pairs if p[3].year <= 2017)
    if mine != rec:
        raise SystemExit("consecutive judgements to 2017 differ from "
                         "consecutive_judgements_to_2017.csv")
    first_sif = {}
    for code, d, g, kind in js:
        if kind == "sif":
            first_sif.setdefault(code, d)
    for d in YEARS[:2]:
        rows.append(("sif_judged", d, sum(1 for x in first_sif.values() if x <= d),
                     "LAs with a SIF judgement published by this date (2013-2017 file)"))
    for d in YEARS:
        for g in GRADES:
            n = sum(1 for _c, jd, jg, k in js if k == "sif" and START < jd <= d and jg == g)
            rows.append((f"judgements_sif[{g}]", d, n, "SIF judgements published since "
                         "2015-12-14 (2013-2017 file; 2018 SIF re-inspections)"))
    for kind in ("ilacs_standard", "ilacs_short"):
        for g in GRADES:
            n = sum(1 for _c, jd, jg, k in js if k == kind and START < jd <= YEARS[2] and jg == g)
            rows.append((f"judgements_{kind}[{g}]", YEARS[2], n,
                         f"{kind.replace('_', ' ')} judgements published in 2018 to this date"))
    for d in YEARS[1:]:
        for f_ in GRADES:
            for t_ in GRADES:
                n = sum(1 for p in pairs if START < p[3] <= d and p[1] == f_ and p[2] == t_)
                rows.append((f"transitions[{f_}_to_{t_}]", d, n,
                             "consecutive SIF/ILACS judgements, the later one published since "
                             "2015-12-14 (consecutive_judgements_to_2017.csv + 2018 file)"))
    # yearly commissioners and trusts (cumulative from the start)
    for d in YEARS[:1]:
        comm = sum(1 for _la, st, eff, _s in ba.GOV_EVENTS
                   if st == "commissioner" and START < dt.date.fromisoformat(eff) <= d)
        rows.append(("commissioners_appointed", d, comm,
                     "commissioners appointed since 2015-12-14 (data/SOURCES.md)"))
    for d in (YEARS[0], YEARS[2]):
        trusts = sum(1 for _la, st, eff, src in ba.GOV_EVENTS
                     if st == "trust" and "voluntary" not in src
                     and START < dt.date.fromisoformat(eff) <= d)
        rows.append(("trusts_created", d, trusts, "imposed trusts gone live since 2015-12-14 "
                     "(data/SOURCES.md; 2018: Birmingham and Sandwell, planned for Apr 2018)"))
    rows.sort(key=lambda r: (r[1], r[0]))
    with open(a.output, "w", newline="") as f:
        f.write("series,date,value,source\n")
        for s, d, v, src in rows:
            f.write(f"{s},{d.isoformat()},{v},\"{src}\"\n")
    print(f"wrote {len(rows)} targets to {a.output}")


if __name__ == "__main__":
    main()
