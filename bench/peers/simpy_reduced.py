#!/usr/bin/python3
"""The reduced model of model-spec section 7 in SimPy (peer benchmark for bench/reduced.yaml).

Every authority of the real table requests its next graded inspection an exponential
interval after the end of its last one (mean by its published grade); the request queues
first come first served for one of C one-inspector teams (a simpy.Resource); the
inspection holds its team for an exponential duration; the next grade is drawn from the
row of the previous grade in the Markov matrix and published at once (report delay 0).
Initial targets: last judgement date + interval; those already past are spread uniformly
over the next SPREAD days. A monitor records the grade counts at every calendar month from
the start, as cssim's national/grade_counts.

The parameters below restate bench/reduced.yaml; keep the two in step.

usage: /usr/bin/python3 simpy_reduced.py TABLE.csv -n R [--horizon YEARS] [--seed S]
Prints one JSON object: per-replication inspections, mean wait, utilisation and grade
shares (mean over the monthly snapshots and at the last one).
"""
import argparse
import csv
import datetime as dt
import json
import random
import sys

import simpy

START = dt.date(2015, 12, 14)
GRADES = ("outstanding", "good", "ri", "inadequate")
MATRIX = ((0.5, 0.4, 0.1, 0.0), (0.05, 0.6, 0.3, 0.05), (0.0, 0.25, 0.55, 0.2),
          (0.0, 0.1, 0.6, 0.3))
INTERVAL = (730.0, 548.0, 365.0, 182.0)  # mean days to the next request, by grade
DURATION = 30.0                          # mean days a team is held
TEAMS = 13                               # fte * working_days / 365.25 = 13 * 365.25 / 365.25
SPREAD = 1095.0                          # inspectorate.ilacs.transition_spread


def add_months(d, k):
    m = d.month - 1 + k
    return dt.date(d.year + m // 12, m % 12 + 1, d.day)


def load_table(path):
    rows = []
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            rows.append((GRADES.index(r["grade"]),
                         (dt.date.fromisoformat(r["grade_date"]) - START).days))
    return rows


def replication(table, t_end, snaps, rng):
    env = simpy.Environment()
    teams = simpy.Resource(env, capacity=TEAMS)
    grade = [g for g, _ in table]
    counts = [0, 0, 0, 0]
    for g in grade:
        counts[g] += 1
    st = {"insp": 0, "starts": 0, "wait": 0.0, "busy": 0.0}
    snap_counts = []

    def authority(i, last):
        target = last + rng.expovariate(1.0 / INTERVAL[grade[i]])
        if target < 0:
            target = SPREAD * rng.random()
        yield env.timeout(target - env.now)
        while True:
            with teams.request() as req:
                yield req
                now = env.now
                st["starts"] += 1
                st["wait"] += now - target
                d = rng.expovariate(1.0 / DURATION)
                st["busy"] += min(now + d, t_end) - now
                yield env.timeout(d)
            u, acc, g = rng.random(), 0.0, 3
            row = MATRIX[grade[i]]
            for k in range(3):
                acc += row[k]
                if u < acc:
                    g = k
                    break
            counts[grade[i]] -= 1
            counts[g] += 1
            grade[i] = g
            st["insp"] += 1
            target = env.now + rng.expovariate(1.0 / INTERVAL[g])
            yield env.timeout(target - env.now)

    def monitor():
        for t in snaps:
            yield env.timeout(t - env.now)
            snap_counts.append(list(counts))

    for i, (_, g_day) in enumerate(table):
        env.process(authority(i, float(g_day)))
    env.process(monitor())
    env.run(until=t_end)
    n = len(table)
    mean_share = [sum(c[g] for c in snap_counts) / (len(snap_counts) * n) for g in range(4)]
    last_share = [c / n for c in snap_counts[-1]]
    return (st["insp"], st["wait"] / st["starts"] if st["starts"] else float("nan"),
            st["busy"] / (TEAMS * t_end), mean_share, last_share)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("table")
    ap.add_argument("-n", type=int, default=100)
    ap.add_argument("--horizon", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=20151214)
    a = ap.parse_args()
    table = load_table(a.table)
    t_end = a.horizon * 365.25
    snaps, k = [], 0
    while True:
        t = float((add_months(START, k) - START).days)
        if t > t_end + 1e-9:
            break
        snaps.append(t)
        k += 1
    out = {"model": "simpy", "simpy": simpy.__version__, "replications": a.n,
           "inspections": [], "mean_wait": [], "utilisation": [], "share_mean": [],
           "share_last": []}
    for r in range(a.n):
        rng = random.Random(a.seed * 1000003 + r)
        insp, wait, util, ms, ls = replication(table, t_end, snaps, rng)
        out["inspections"].append(insp)
        out["mean_wait"].append(wait)
        out["utilisation"].append(util)
        out["share_mean"].append(ms)
        out["share_last"].append(ls)
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
