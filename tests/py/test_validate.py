#!/usr/bin/python3
"""analysis/validate on a tiny run: the real record it rebuilds agrees with the independently
built start table and the documented regime events, the time-split scores are proper
log-losses, and the page, figures and tables are written."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import pandas as pd

sys.path.insert(0, "analysis")
from cssim_analysis import validate as v  # noqa: E402

CSSIM = os.environ.get("CSSIM", "build/cssim")
SMALL = ["-n", "4", "-q", "--set", "authorities.limit=25", "--set", "output.panel=false"]


def check_real_record():
    judg = v.real_judgements("data/raw")
    # the latest grades at 2017-12-31 are those of the start table build_authorities.py makes
    start = pd.read_csv("data/authorities_2017-12-31.csv")
    sh = v.real_shares(judg, ["2017-12-31"]).set_index("grade")
    for g in v.GRADES:
        want = (start["grade"] == g).sum()
        got = sh.loc[g, "share"] * sh.loc[g, "n"]
        assert round(got) == want, f"{g}: {got} from data/raw, {want} in the start table"
    # every judgement published in 2016-2018 of an authority judged before is one pair
    t = v.real_transitions(judg, "2016-01-01", "2019-01-01")
    inside = judg[(judg["date"] >= "2016-01-01") & (judg["date"] < "2019-01-01")]
    prior = sum((judg[(judg["code"] == r.code) & (judg["date"] < r.date)].shape[0] > 0)
                for r in inside.itertuples())
    assert t.values.sum() == prior, (t.values.sum(), prior)
    # data/SOURCES.md: five commissioners in 2016 (Norfolk, Sandwell, Torbay, Reading,
    # Kirklees), Sunderland's trust live in 2017
    reg = v.real_regime_per_year("data/SOURCES.md")
    assert reg.loc[2016, "commissioners_appointed"] == 5, reg
    assert reg.loc[2017, "trusts_created"] == 1, reg
    print("real record: start table, transition pairs and regime events agree")


def main():
    check_real_record()
    with tempfile.TemporaryDirectory() as d:
        b, s, out = (os.path.join(d, x) for x in ("b.h5", "s.h5", "out"))
        subprocess.run([CSSIM, "run", "scenarios/baseline.yaml", "-o", b, *SMALL,
                        "--set", "time.horizon_years=3.05"], check=True)
        subprocess.run([CSSIM, "run", "scenarios/forecast_2018.yaml", "-o", s, *SMALL,
                        "--set", "time.horizon_years=1.01", "--set", "output.events=true"],
                       check=True)
        r = subprocess.run(["/usr/bin/python3", "analysis/validate", b, "--split", s, "-o", out],
                           capture_output=True, text=True)
        print(r.stdout[-1500:], r.stderr[-3000:])
        assert r.returncode == 0, r.returncode
        summ = json.load(open(os.path.join(out, "validate.json")))
        page = open(os.path.join(out, "index.html")).read()
        for png in ("shares.png", "inspections.png", "regime.png"):
            assert os.path.getsize(os.path.join(out, png)) > 1000, png
            assert f'src="{png}"' in page, png
        ts = pd.read_csv(os.path.join(out, "tables", "time_split.csv"))
        st = summ["time_split"]
        assert st["n"] == len(ts) > 0
        probs = ts[[f"model_{g}" for g in v.GRADES]].sum(axis=1)
        assert np.allclose(probs, 1.0), probs
        # persistence's p is the best in hindsight: the share of judgements equal to the last
        same = (ts["real"] == ts["last"]).mean()
        assert abs(st["persistence_p"] - np.clip(same, 0.01, 0.99)) < 1e-12
        for k in ("logloss_model", "logloss_persistence", "logloss_base_rate"):
            assert np.isfinite(st[k]) and st[k] > 0, (k, st[k])
        assert abs(st["logloss_model"] + np.log(ts["p_model"]).mean()) < 1e-9
        # reliability: the expected count of each grade is the sum of the model's probabilities
        rel = st["reliability"]
        assert set(rel) == set(v.GRADES)
        for g, r in rel.items():
            assert abs(r["expected"] - ts[f"model_{g}"].sum()) < 1e-9, g
            assert 0 <= r["lo"] <= r["expected"] + 1 and r["expected"] - 1 <= r["hi"] <= len(ts)
            assert r["inside"] == (r["lo"] <= r["real"] <= r["hi"])
        assert sum(r["real"] for r in rel.values()) == len(ts)
        # a Poisson-binomial of certain trials is a point mass
        assert np.allclose(v._poisson_binomial([1.0, 1.0, 0.0]), [0, 0, 1, 0])
        nat = pd.read_csv(os.path.join(out, "tables", "time_split_national.csv"))
        ns = st["national"]
        assert list(nat["grade"]) == list(v.GRADES) and ns["grades"] == 4
        assert abs(ns["l1_persistence"] - (nat["persistence"] - nat["real"]).abs().sum()) < 1e-9
        assert (nat["model_q05"] <= nat["model_q95"]).all()
        tr = pd.read_csv(os.path.join(out, "tables", "transitions.csv"))
        assert len(tr) == 16 * len(v.PAIRS) and (tr["model_q05"] <= tr["model_q95"]).all()
        # the framework pairs split "all": real counts of each cell add up
        cell = tr.set_index(["pair", "from", "to"])["real"]
        assert (cell["all"] == cell[v.PAIRS[1]] + cell[v.PAIRS[2]]).all()
        assert summ["transitions"]["cells"] == 16
        assert set(summ["transitions"]["by_pair"]) == set(v.PAIRS)
        print("time split:", {k: round(x, 3) if isinstance(x, float) else x
                              for k, x in st.items()})
    print("ok: validation written and consistent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
