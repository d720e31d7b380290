#!/usr/bin/python3
"""The reference queueing model R1 of issue 15 in SimPy 3 (Debian's python3-simpy3): the
peer that cssim and bench/peers/r1_minimal.c are timed against. Same model, same recorded
statistics and the same JSON as r1_minimal.c (see its header comment).

R1: 152 authorities, grades O/G/RI/I 10/50/60/32 at time 0; each thinks Exp(mean 1095 days),
then requests an inspection from one FIFO queue of 3 teams (simpy.Resource); an inspection
takes Exp(mean 14 days); at completion the next grade is drawn from P; then it thinks again.
Horizon T = 3650 days.

Usage: /usr/bin/python3 bench/peers/r1_simpy.py -n R [--horizon DAYS] [--seed S]
"""
import argparse
import json
import random

import simpy

N, TEAMS, THINK, SERVE = 152, 3, 1095.0, 14.0
INIT = (10, 50, 60, 32)
P = ((.55, .40, .05, 0), (.15, .65, .15, .05), (.02, .38, .45, .15), (0, .10, .75, .15))


def replicate(rng, T):
    env = simpy.Environment()
    teams = simpy.Resource(env, capacity=TEAMS)
    g0 = [g for g, c in enumerate(INIT) for _ in range(c)]
    grade = list(g0)
    kdone = [0] * N
    st = {"started": 0, "waited": 0, "wait_sum": 0.0, "busy_area": 0.0, "done": 0}
    since = {}  # authority -> start of its inspection in progress

    def authority(la):
        while True:
            yield env.timeout(rng.expovariate(1.0 / THINK))
            arrived = env.now
            with teams.request() as req:
                yield req
                w = env.now - arrived
                st["started"] += 1
                if w > 0:
                    st["waited"] += 1
                    st["wait_sum"] += w
                since[la] = env.now
                yield env.timeout(rng.expovariate(1.0 / SERVE))
                st["busy_area"] += env.now - since.pop(la)
                u, acc, g, row = rng.random(), 0.0, 0, P[grade[la]]
                while g < 3:
                    acc += row[g]
                    if u < acc:
                        break
                    g += 1
                grade[la] = g
                kdone[la] += 1
                st["done"] += 1

    for la in range(N):
        env.process(authority(la))
    env.run(until=T)
    busy = (st["busy_area"] + sum(T - s for s in since.values())) / T
    return st, busy, [grade.count(g) for g in range(4)], kdone


def main():
    ap = argparse.ArgumentParser(description="R1 in SimPy: prints one JSON object")
    ap.add_argument("-n", type=int, default=100, help="replications")
    ap.add_argument("--horizon", type=float, default=3650.0, help="T in days")
    ap.add_argument("--seed", type=int, default=20151214)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    out = {"program": "r1_simpy", "simpy": simpy.__version__, "replications": a.n,
           "horizon": a.horizon}
    for k in ("started", "waited", "wait_sum", "busy", "inspections", "grades_T", "completions"):
        out[k] = []
    for _ in range(a.n):
        st, busy, counts, kdone = replicate(rng, a.horizon)
        for k in ("started", "waited", "wait_sum"):
            out[k].append(st[k])
        out["busy"].append(busy)
        out["inspections"].append(st["done"])
        out["grades_T"].append(counts)
        out["completions"].append(kdone)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
