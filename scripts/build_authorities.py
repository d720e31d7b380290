#!/usr/bin/python3
"""Build cssim's authority table (models/authorities.h) from the public data in data/raw.

One row per English local authority (LA) with children's services responsibility on
14 Dec 2015 (152 LAs: Bournemouth, Poole, Dorset county and Northamptonshire as they were
then), as at a date between 2015-12-14 and 2018-12-31 (the end of the released record). Every rule is documented in
data/SOURCES.md; this script is the executable form of that document.

Usage:
  /usr/bin/python3 scripts/build_authorities.py --date 2015-12-14 \
      [--raw data/raw] [-o data/authorities_2015-12-14.csv]

Needs Debian's python3 with pandas (python3-pandas).
"""
import argparse
import csv
import datetime as dt
import io
import os
import re
import sys

import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DEFAULT_SHARED = os.path.join(REPO, "data", "raw")  # raw public files (data/SOURCES.md)

MIN_DATE = dt.date(2015, 12, 14)
MAX_DATE = dt.date(2018, 12, 31)

COLUMNS = ["code", "name", "region", "type", "population", "grade", "grade_date",
           "grade_framework", "sif_done", "inadequate_dates", "governance", "pip",
           "posts_fte", "permanent_fte", "agency_fte", "turnover_rate", "workforce_source"]

GRADE_MAP = {"outstanding": "outstanding", "good": "good",
             "requires improvement to be good": "ri", "requires improvement": "ri",
             "ri": "ri", "adequate": "ri", "inadequate": "inadequate"}

# The four LAs of 2015 that were later reorganised: rows flagged "former LA (pre-restructure)"
# in ofsted_history. Their successors (2019: Bournemouth, Christchurch and Poole; Dorset
# Council; 2021: North and West Northamptonshire; 2023: Cumberland, Westmorland and Furness)
# did not exist in 2015-2017 and are excluded.
SUCCESSORS = {"bournemouth christchurch and poole", "north northamptonshire",
              "west northamptonshire", "cumberland", "westmorland and furness"}

# Known events: data/known_events.csv, one row per dated event with its source (copied from
# the facts in data/raw/README.md and the seeds; data/SOURCES.md). Governance events (LA key,
# state, effective date, source): dates given only to the month or year take effect at the END
# of that month/year (the state is certainly in place by then). No arrangement in the list was
# lifted before 2019 as far as the data say, so the state at a date is the highest-ranked state
# whose event has taken effect (commissioner < trust_setup < trust; partner apart: Isle of
# Wight only). Partners in Practice (pip): announced Dec 2015.
KNOWN_EVENTS = os.path.join(REPO, "data", "known_events.csv")
GOV_RANK = {"partner": 1, "commissioner": 2, "trust_setup": 3, "trust": 4}


def read_known_events(path=KNOWN_EVENTS):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _norm_early(name):  # norm() is defined below; the table's names are plain
    return name.lower().replace("&", "and")


GOV_EVENTS = [(_norm_early(e["name"]), e["event"], e["date"], e["source"])
              for e in read_known_events() if e["event"] in GOV_RANK]
PIP = {_norm_early(e["name"]) for e in read_known_events() if e["event"] == "pip"}

# Earlier-framework judgements in the wide history file, in tie-break order (earlier in the
# list wins when two are published the same day). (date column, grade column, framework).
EARLY = [
    ("Safeguarding & Looked After Children (SLAC) Inspection publication date",
     "SLAC Safeguarding Overall effectiveness (OE)", "slac"),
    ("SLAC re-inspection of Safeguarding publication date", "SLAC re-inspection Safeguarding OE", "slac"),
    ("Child Protection Inspections (CPI) publication date", "CPI Overall Effectiveness (OE)", "cpi"),
    ("Child Protection Re-Inspection (CPRI) publication date", "CPRI Overall Effectiveness (OE)", "cpri"),
    ("Targeted Looked After Children (TLAC) inspection publication date", "TLAC Overall Effectiveness (OE)", "tlac"),
]
SLAC_LAC = [("Safeguarding & Looked After Children (SLAC) Inspection publication date",
             "SLAC Looked After Children Overall Effectiveness (OE)"),
            ("SLAC re-inspection of services for Children Looked After publication date",
             "SLAC re-inspection of services Children Looked After OE")]
SIF = [("Single Inspection of LA Children's Services (SIF)  First SIF publication date",
        "First SIF Overall Judgement(OE)"),
       ("Single Inspection of LA Children's Services (SIF) SIF Re-inspection publication date",
        "SIF Re-inspection Overall Judgement(OE)")]

TYPE_MAP = {"Shire County": "County", "Unitary": "Unitary Authority"}


def norm(name):
    """A join key for LA names across the files."""
    s = str(name).lower().replace("&", "and")
    s = re.sub(r",?\s*(city|county) of\b", "", s)
    s = s.replace("st.", "st").replace("county durham", "durham")
    s = re.sub(r"\(.*?\)", "", s)
    s = re.sub(r"[^a-z ]+", " ", s)
    s = re.sub(r"\s+", " ", s).strip()
    return {"bedford borough": "bedford"}.get(s, s)


def parse_date(s):
    if s is None or (isinstance(s, float) and pd.isna(s)) or str(s).strip() in ("", "-"):
        return None
    return dt.date.fromisoformat(str(s).strip()[:10])


def grade_of(s):
    if s is None or (isinstance(s, float) and pd.isna(s)):
        return None
    return GRADE_MAP.get(str(s).strip().lower())


def years_before(d, n):
    try:
        return d.replace(year=d.year - n)
    except ValueError:  # 29 Feb
        return d.replace(year=d.year - n, day=28)


def num(x):
    """Census value, or None when suppressed ("x", "c", ...) or empty."""
    try:
        v = float(str(x).strip())
    except ValueError:
        return None
    return None if pd.isna(v) else v


def read_inputs(shared):
    lookup = pd.read_csv(os.path.join(shared, "la_lookup.csv"), dtype=str)
    hist = pd.read_csv(os.path.join(shared, "ofsted_history_2009_2017_wide.csv"), dtype=str)
    wf = pd.read_csv(os.path.join(shared, "workforce_2017.csv"), dtype=str)
    j18 = pd.read_csv(os.path.join(shared, "ofsted_overall_judgements_2018.csv"), dtype=str)
    return lookup, hist, wf, j18


def judgements_2018(j18):
    """The 2018 overall judgements by LA key: list of (date, grade, framework, is_sif_or_ilacs,
    counts, inspection type). SIF re-inspections are framework sif; ILACS standard and short
    inspections framework ilacs."""
    out = {}
    for _, r in j18.iterrows():
        fw = {"SIF": "sif", "ILACS": "ilacs"}[r["framework"]]
        g = grade_of(r["overall"])
        if g is None:
            raise SystemExit(f"2018: {r['la_name']}: unknown grade {r['overall']!r}")
        out.setdefault(norm(r["la_name"]), []).append(
            (parse_date(r["publication_date"]), g, fw, True, True))
    return out


def judgements(row, slac_lac_counts=False, count_tlac=True):
    """All judgements of one history row: list of (date, grade, framework, is_sif, counts)."""
    out = []
    for dcol, gcol, fw in EARLY:
        d, g = parse_date(row[dcol]), grade_of(row[gcol])
        if d and g:
            out.append((d, g, fw, False, fw != "tlac" or count_tlac))
    if slac_lac_counts:
        # Count a SLAC inspection as inadequate when its looked-after-children OE is, too.
        for dcol, gcol in SLAC_LAC:
            d, g = parse_date(row[dcol]), grade_of(row[gcol])
            if d and g == "inadequate" and not any(
                    j[0] == d and j[2] == "slac" and j[1] == "inadequate" for j in out):
                out.append((d, g, "slac_lac", False, True))
    for dcol, gcol in SIF:
        d, g = parse_date(row[dcol]), grade_of(row[gcol])
        if d and g:
            out.append((d, g, "sif", True, True))
    return out


def latest_grade(js, date):
    """The latest SIF or ILACS overall judgement on or before date, else the latest
    earlier-framework OE."""
    sif = [j for j in js if j[3] and j[0] <= date]
    if sif:
        return max(sif, key=lambda j: j[0])
    early = [j for j in js if not j[3] and j[2] != "slac_lac" and j[0] <= date]
    if not early:
        return None
    order = {fw: i for i, (_, _, fw) in enumerate(EARLY)}
    # latest date; on a tie the first framework in EARLY
    return sorted(early, key=lambda j: (j[0], -order[j[2]]))[-1]


def governance(key, grade, date):
    state, rank = None, 0
    for la, st, eff, _src in GOV_EVENTS:
        if la == key and dt.date.fromisoformat(eff) <= date and GOV_RANK[st] > rank:
            state, rank = st, GOV_RANK[st]
    if state:
        return state
    return "notice" if grade == "inadequate" else "council"


def build(date, shared=DEFAULT_SHARED, slac_lac_counts=False, count_tlac=True,
          voluntary_trust="trust"):
    """Returns (list of row dicts sorted by code, notes)."""
    if not (MIN_DATE <= date <= MAX_DATE):
        raise ValueError(f"date {date} outside {MIN_DATE}..{MAX_DATE}")
    lookup, hist, wf, j18 = read_inputs(shared)
    by18 = judgements_2018(j18)
    notes = []

    lk = {norm(r["local_authority_ons_name"]): r for _, r in lookup.iterrows()}
    # workforce 2017 per LA (combined Kingston/Richmond row split below)
    wfl = wf[wf.geographic_level == "Local authority"]
    wrows = {}
    for _, r in wfl.iterrows():
        names = [n.strip() for n in str(r["la_name"]).split("/")]
        codes = [c.strip() for c in str(r["new_la_code"]).split("/")]
        for n, c in zip(names, codes):
            wrows[norm(n)] = (r, c, len(names) > 1)
    nat = wf[wf.geographic_level == "National"].iloc[0]

    rows = []
    for _, h in hist.iterrows():
        key = norm(h["Local authority name"])
        if key in SUCCESSORS:
            continue
        if key == "dorset" and h["la_status"].startswith("current"):
            continue  # Dorset Council (2019), the successor
        if key not in wrows:
            raise SystemExit(f"{h['Local authority name']}: not in workforce_2017.csv")
        wr, code, _combined = wrows[key]
        # ONS code in force 2015-2017: the census 2017 code (la_lookup has post-2019 codes)
        lkr = lk.get(key)
        region = lkr["region_name"] if lkr is not None else None
        if key in ("bournemouth", "poole"):
            region = lk["bournemouth christchurch and poole"]["region_name"]
        if key == "northamptonshire":
            region = lk["north northamptonshire"]["region_name"]
        # population aged 0-25 (la_lookup); rules for the four reorganised LAs
        pop = num(lkr["ons_population_0-25"]) if lkr is not None else None
        if key == "northamptonshire":
            pop = sum(num(lk[k]["ons_population_0-25"])
                      for k in ("north northamptonshire", "west northamptonshire"))
        elif key in ("bournemouth", "poole"):
            bcp = num(lk["bournemouth christchurch and poole"]["ons_population_0-25"])
            cb = num(wrows["bournemouth"][0]["cases"])
            cp = num(wrows["poole"][0]["cases"])
            pop = round(bcp * (cb if key == "bournemouth" else cp) / (cb + cp))
        elif key == "dorset":
            pop = num(lk["dorset"]["ons_population_0-25"])  # Dorset Council (2019) row
        if pop is None or pop <= 0:
            raise SystemExit(f"{key}: no population")
        name = lkr["local_authority_ons_name"] if lkr is not None else h["Local authority name"]
        if key in ("dorset", "poole", "northamptonshire", "bournemouth"):
            name = h["Local authority name"]
        typ = TYPE_MAP.get(h["LA Authority Type"], h["LA Authority Type"])

        js = judgements(h, slac_lac_counts, count_tlac) + by18.pop(key, [])
        g = latest_grade(js, date)
        if g is None:
            raise SystemExit(f"{key}: no judgement on or before {date}")
        lo = years_before(date, 5)
        inad = sorted({j[0] for j in js if j[1] == "inadequate" and j[4] and lo <= j[0] <= date})
        sif_done = int(any(j[2] == "sif" and j[0] <= date for j in js))
        gov = governance(key, g[1], date)
        if voluntary_trust == "council" and key in (
                "kingston upon thames", "richmond upon thames", "windsor and maidenhead") \
                and gov == "trust":
            gov = "notice" if g[1] == "inadequate" else "council"
        rows.append(dict(key=key, code=code, name=name, region=region, type=typ,
                         population=pop, grade=g[1], grade_date=g[0].isoformat(),
                         grade_framework=g[2], sif_done=sif_done,
                         inadequate_dates=";".join(d.isoformat() for d in inad),
                         governance=gov, pip=int(key in PIP), _wf=wrows[key]))

    # ---- workforce (census 30 Sep 2017) ----
    n_in, n_vac = num(nat["inpost_fte"]), num(nat["vacancy_fte"])
    n_cover, n_turn = num(nat["agency_cover_fte"]), num(nat["turnover_rate_fte"])
    total_pop = sum(r["population"] for r in rows)
    posts_per_pop = (n_in + n_vac) / total_pop
    perm_share = n_in / (n_in + n_vac)
    cover_per_vac = n_cover / n_vac
    pops = {r["key"]: r["population"] for r in rows}
    for r in rows:
        wr, _code, combined = r.pop("_wf")
        inpost, vac = num(wr["inpost_fte"]), num(wr["vacancy_fte"])
        cover, turn = num(wr["agency_cover_fte"]), num(wr["turnover_rate_fte"])
        if combined:
            # one census row for Kingston and Richmond (Achieving for Children): split the
            # counts by population aged 0-25; the turnover rate is shared
            sharers = [norm(n) for n in str(wr["la_name"]).split("/")]
            f = r["population"] / sum(pops[k] for k in sharers)
            inpost = inpost * f if inpost is not None else None
            vac = vac * f if vac is not None else None
            cover = cover * f if cover is not None else None
            notes.append(f"{r['name']}: census row shared with another LA; split by "
                         f"population share {f:.4f}")
        if inpost is None or vac is None or turn is None:
            posts = posts_per_pop * r["population"]
            perm = posts * perm_share
            agency = (posts - perm) * cover_per_vac
            turnover = n_turn / 100.0
            src = "fallback"
            notes.append(f"{r['name']}: workforce fallback (national rates x population)")
        else:
            posts, perm = inpost + vac, inpost
            if cover is None:
                cover = vac * cover_per_vac
                notes.append(f"{r['name']}: agency_cover_fte suppressed; agency = vacancies x "
                             f"national cover share {cover_per_vac:.4f}")
            if cover > vac:
                notes.append(f"{r['name']}: agency_cover_fte {cover:g} > vacancy_fte {vac:g}; "
                             "capped at vacancies")
                cover = vac
            turnover = turn / 100.0
            starters, leavers = num(wr["starters_fte"]), num(wr["leavers_fte"])
            if turn == 0 and leavers == 0 and starters:
                # zero leavers alongside starters: leavers not returned, not a true zero
                turnover = n_turn / 100.0
                notes.append(f"{r['name']}: turnover 0 with {starters:g} starters and 0 "
                             "leavers; national turnover used")
            agency, src = cover, "census2017"
        r.update(posts_fte=posts, permanent_fte=perm, agency_fte=agency,
                 turnover_rate=turnover, workforce_source=src)

    if by18:
        raise SystemExit(f"2018 judgements of unknown LAs: {sorted(by18)}")
    # sanity: commissioner/trust LAs judged RI or better after their arrangement began
    for r in rows:
        if r["governance"] in ("commissioner", "partner") and r["grade"] != "inadequate":
            notes.append(f"{r['name']}: {r['governance']} but latest grade {r['grade']}")
    codes = [r["code"] for r in rows]
    if len(rows) != 152 or len(set(codes)) != 152:
        raise SystemExit(f"expected 152 unique LAs, got {len(rows)} ({len(set(codes))} codes)")
    rows.sort(key=lambda r: r["code"])
    return rows, notes


def to_csv(rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow([r["code"], r["name"], r["region"], r["type"], "%d" % round(r["population"]),
                    r["grade"], r["grade_date"], r["grade_framework"], r["sif_done"],
                    r["inadequate_dates"], r["governance"], r["pip"],
                    "%.2f" % r["posts_fte"], "%.2f" % r["permanent_fte"],
                    "%.2f" % r["agency_fte"], "%.4f" % r["turnover_rate"],
                    r["workforce_source"]])
    return buf.getvalue()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--date", required=True, help="YYYY-MM-DD, 2015-12-14 .. 2018-12-31")
    ap.add_argument("--raw", "--shared", dest="shared", default=DEFAULT_SHARED,
                    help="the raw public data directory (default data/raw)")
    ap.add_argument("-o", "--output", help="default data/authorities_<date>.csv")
    ap.add_argument("--slac-lac-counts", action="store_true",
                    help="also count a SLAC inspection whose looked-after-children OE (only) "
                         "is inadequate (default: the safeguarding OE decides)")
    ap.add_argument("--no-tlac", action="store_true",
                    help="do not count targeted LAC inspections among inadequate judgements")
    ap.add_argument("--voluntary-trust", choices=("trust", "council"), default="trust",
                    help="governance of Achieving for Children LAs (default trust)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print the notes")
    a = ap.parse_args(argv)
    try:
        date = dt.date.fromisoformat(a.date)
        rows, notes = build(date, a.shared, a.slac_lac_counts, not a.no_tlac,
                            a.voluntary_trust)
    except ValueError as e:
        print(f"build_authorities: {e}", file=sys.stderr)
        return 2
    out = a.output or os.path.join(REPO, "data", f"authorities_{date.isoformat()}.csv")
    with open(out, "w", encoding="utf-8", newline="") as f:
        f.write(to_csv(rows))
    if a.verbose:
        for n in notes:
            print("note:", n, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
