"""Episodes from the events table, built with numpy (no loop over authorities or events).

Three kinds of episode, each one row per (replication, authority, episode), for Kaplan-Meier:

- `inadequate_episodes`: from an inadequate judgement to the next judgement of RI or better
  (the governance route reached on the way, and the day a commissioner was appointed, if one was);
- `commissioner_episodes`: the same episodes, timed to the first commissioner appointment;
  recovery before a commissioner censors (a competing event), as does the horizon;
- `trust_episodes`: from a trust going live to the service returning to its council.

The events of one (replication, authority) are taken in the order the model recorded them (the
`seq` order of `Run.events()`), which also orders events at one instant.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .loader import DAYS_PER_YEAR, GOVERNANCE, GRADES

ROUTES = ("notice", "commissioner", "partner", "trust")
# route rank of each governance code (council, notice, commissioner, partner, trust_setup, trust)
_GOV_RANK = np.array([0, 0, 1, 2, 3, 3])
_INADEQUATE = GRADES.index("inadequate")
_COMMISSIONER = GOVERNANCE.index("commissioner")
_TRUST = GOVERNANCE.index("trust")
_COUNCIL = GOVERNANCE.index("council")
EPISODE_COLUMNS = ["scenario", "replication", "authority", "start", "end", "duration_days",
                   "duration_years", "observed", "route", "start_governance", "n_inadequate",
                   "commissioner_time", "authority_code"]


def _initial(run, name, labels, default):
    auth = run.authorities()
    if name not in auth:
        return np.full(len(auth), labels.index(default))
    return np.array([labels.index(x) if x in labels else labels.index(default)
                     for x in auth[name]])


def _group_bounds(key):
    """For a sorted key array: start index of each row's group, end index (exclusive)."""
    n = len(key)
    if n == 0:
        return np.zeros(0, int), np.zeros(0, int)
    brk = np.r_[True, key[1:] != key[:-1]]
    gstart = np.flatnonzero(brk)
    gend = np.r_[gstart[1:], n]
    idx = np.cumsum(brk) - 1
    return gstart[idx], gend[idx]


def inadequate_episodes(run, scenario, include_initial=False, route_by="reached", ev=None):
    """Episodes of published inadequacy (the semantics of outcomes.inadequate_episodes).

    An episode opens at an inadequate judgement published for an authority not already in one
    and closes at the next judgement of RI or better (observed), else is censored at the
    horizon; further inadequate judgements within it do not restart it. include_initial: an
    authority inadequate at the start opens an episode at day 0. route ("reached"): the most
    interventionist governance reached before the closing judgement (notice < commissioner <
    partner < trust, trust_setup counting as trust); route_by="start": the governance right
    after the opening judgement. commissioner_time: days from the opening judgement to the first
    change of governance to commissioner within the episode (NaN if none).

    ev: the rows of judgement_published and governance_change (Run.events_raw), if already read.
    """
    if ev is None:
        ev = run.events_raw(scenario, ["judgement_published", "governance_change"])
    types = run.event_types(scenario)
    t_j, t_g = types["judgement_published"], types["governance_change"]
    horizon = run.horizon_days(scenario)
    init_grade = _initial(run, "initial_grade", GRADES, "good")
    init_gov = _initial(run, "initial_governance", GOVERNANCE, "council")
    n_la = len(init_grade)
    nrep = run.replications(scenario)
    ev = ev[(ev["authority"] >= 0) & np.isin(ev["type"], [t_j, t_g])]

    rep = ev["replication"].astype(np.int64)
    la = ev["authority"].astype(np.int64)
    time = ev["time"].astype(float)
    is_j = ev["type"] == t_j
    after = ev["after"].astype(np.int64)
    # synthetic rows at day 0 for every (replication, authority): they carry the initial
    # governance (and, with include_initial, open the episodes of LAs inadequate at the start)
    keys = np.arange(nrep * n_la)
    s_rep, s_la = keys // n_la, keys % n_la
    if include_initial:
        s_open = init_grade[s_la] == _INADEQUATE
    else:
        s_open = np.zeros(len(keys), bool)
    rep = np.r_[s_rep, rep]
    la = np.r_[s_la, la]
    time = np.r_[np.zeros(len(keys)), time]
    kind = np.r_[np.full(len(keys), 2), np.where(is_j, 0, 1)]       # 0 judgement, 1 gov, 2 init
    after = np.r_[np.where(s_open, _INADEQUATE, -1), after]
    gov_after = np.r_[init_gov[s_la], np.where(is_j, -1, after[len(keys):])]
    order = np.lexsort((np.arange(len(rep)), kind != 2, la, rep))   # synthetic row first
    rep, la, time, kind, after, gov_after = (x[order] for x in (rep, la, time, kind, after,
                                                                 gov_after))
    n = len(rep)
    key = rep * n_la + la
    gstart, gend = _group_bounds(key)

    # governance state after each row: forward fill of governance rows within the group (the
    # synthetic row starts every group, so the fill never crosses groups)
    has_gov = gov_after >= 0
    last = np.maximum.accumulate(np.where(has_gov, np.arange(n), 0))
    gov = gov_after[last]
    rank = _GOV_RANK[gov]

    # judgement state: in an episode after a row. Judgement rows (and the synthetic row)
    # set it; governance rows carry it.
    judging = (kind == 0) | (kind == 2)
    state_row = np.where(judging, after == _INADEQUATE, False)
    lastj = np.maximum.accumulate(np.where(judging, np.arange(n), 0))
    ins = state_row[lastj]
    prev_ins = np.r_[False, ins[:-1]]
    prev_ins[gstart == np.arange(n)] = False
    opens = judging & ins & ~prev_ins
    closes = (kind == 0) & ~ins & prev_ins
    o = np.flatnonzero(opens)
    c = np.flatnonzero(closes)
    # the close of an opening: the first close after it, if in the same group
    k = np.searchsorted(c, o, side="right")
    cpos = c[np.minimum(k, len(c) - 1)] if len(c) else np.full(len(o), n)
    observed = (k < len(c)) & (cpos < gend[o])
    endpos = np.where(observed, cpos, gend[o])        # exclusive end of the episode's rows
    start_t = time[o]
    end_t = np.where(observed, time[np.minimum(endpos, n - 1)], horizon)

    # route reached: max governance rank over rows [open, end)
    if len(o):
        idx = np.empty(2 * len(o), np.int64)
        idx[0::2], idx[1::2] = o, endpos
        r_ext = np.r_[rank, 0]
        reached = np.maximum.reduceat(r_ext, idx)[0::2]
    else:
        reached = np.zeros(0, np.int64)
    # governance right after the opening judgement: the state just before the next judgement
    jpos = np.flatnonzero(kind == 0)
    kj = np.searchsorted(jpos, o, side="right")
    nxt = np.where(kj < len(jpos), jpos[np.minimum(kj, len(jpos) - 1)], n) if len(jpos) \
        else np.full(len(o), n)
    nxt = np.minimum(nxt, gend[o])
    start_gov = gov[np.maximum(nxt - 1, o)] if len(o) else np.zeros(0, np.int64)
    start_gov = np.where(kind[o] == 2, gov[o], start_gov)   # open at the start: as it was
    # inadequate judgements within the episode: judgement rows in [open, end) with inadequate
    cum_inad = np.r_[0, np.cumsum((kind == 0) & (after == _INADEQUATE))]
    n_inad = cum_inad[endpos] - cum_inad[o] + (kind[o] == 2)
    # first commissioner appointment within (open, end)
    cpos_all = np.flatnonzero((kind == 1) & (gov_after == _COMMISSIONER))
    kc = np.searchsorted(cpos_all, o, side="right")
    first_c = np.where(kc < len(cpos_all), cpos_all[np.minimum(kc, len(cpos_all) - 1)], n) \
        if len(cpos_all) else np.full(len(o), n)
    has_c = first_c < endpos
    comm_t = np.where(has_c, time[np.minimum(first_c, n - 1)] - start_t, np.nan)

    rr = reached if route_by == "reached" else _GOV_RANK[start_gov]
    dur = np.maximum(end_t - start_t, 0.0)
    codes = np.asarray(run.authorities()["authority"], dtype=object)
    df = pd.DataFrame({
        "scenario": scenario, "replication": rep[o], "authority": la[o], "start": start_t,
        "end": end_t, "duration_days": dur, "duration_years": dur / DAYS_PER_YEAR,
        "observed": observed, "route": np.asarray(ROUTES, dtype=object)[rr],
        "start_governance": np.asarray(GOVERNANCE, dtype=object)[start_gov],
        "n_inadequate": n_inad.astype(np.int64), "commissioner_time": comm_t,
        "commissioner_already": rank[o] >= 1,
        "authority_code": codes[la[o]] if len(o) else np.zeros(0, object)})
    return df.reset_index(drop=True)


def commissioner_episodes(ep):
    """From inadequate episodes: time to the first commissioner appointment. Episodes that
    open with a commissioner (or partner, trust) already in place are left out. Observed: a
    commissioner was appointed; censored at recovery to RI or better (a competing event) or at
    the horizon."""
    d = ep[~ep["commissioner_already"]]
    obs = d["commissioner_time"].notna().values
    dur = np.where(obs, d["commissioner_time"].values, d["duration_days"].values)
    return pd.DataFrame({"scenario": d["scenario"].values, "replication": d["replication"].values,
                         "authority": d["authority"].values, "duration_days": dur,
                         "duration_years": dur / DAYS_PER_YEAR, "observed": obs})


def trust_episodes(run, scenario, ev=None):
    """Trusts: from a change of governance to `trust` (live) to the next change away from it
    (the service returns to its council), censored at the horizon. Trusts live at the start
    open at day 0."""
    if ev is None:
        ev = run.events_raw(scenario, ["governance_change"])
    types = run.event_types(scenario)
    ev = ev[(ev["authority"] >= 0) & (ev["type"] == types["governance_change"])]
    horizon = run.horizon_days(scenario)
    init_gov = _initial(run, "initial_governance", GOVERNANCE, "council")
    n_la = len(init_gov)
    nrep = run.replications(scenario)
    rep = ev["replication"].astype(np.int64)
    la = ev["authority"].astype(np.int64)
    time = ev["time"].astype(float)
    after = ev["after"].astype(np.int64)
    init_keys = np.flatnonzero(np.tile(init_gov == _TRUST, nrep))
    rep = np.r_[init_keys // n_la, rep]
    la = np.r_[init_keys % n_la, la]
    time = np.r_[np.zeros(len(init_keys)), time]
    after = np.r_[np.full(len(init_keys), _TRUST), after]
    order = np.lexsort((np.arange(len(rep)), la, rep))
    rep, la, time, after = rep[order], la[order], time[order], after[order]
    n = len(rep)
    gstart, gend = _group_bounds(rep * n_la + la)
    is_t = after == _TRUST
    prev = np.r_[False, is_t[:-1]]
    prev[gstart == np.arange(n)] = False
    o = np.flatnonzero(is_t & ~prev)
    c = np.flatnonzero(~is_t & prev)
    k = np.searchsorted(c, o, side="right")
    cpos = c[np.minimum(k, len(c) - 1)] if len(c) else np.full(len(o), n)
    observed = (k < len(c)) & (cpos < gend[o])
    end_t = np.where(observed, time[np.minimum(cpos, n - 1)], horizon)
    dur = np.maximum(end_t - time[o], 0.0)
    return pd.DataFrame({"scenario": scenario, "replication": rep[o], "authority": la[o],
                         "start": time[o], "duration_days": dur,
                         "duration_years": dur / DAYS_PER_YEAR, "observed": observed,
                         "returned_to": np.where(observed, np.asarray(GOVERNANCE, object)[
                             after[np.minimum(cpos, n - 1)]] if n else None, None)})


def at_risk_table(durations, observed, times):
    """Number at risk (duration >= t), events and censorings before t, at each time t: the
    table printed under a Kaplan-Meier plot."""
    d = np.asarray(durations, float)
    e = np.asarray(observed, bool)
    t = np.asarray(times, float)
    ds = np.sort(d)
    at_risk = len(d) - np.searchsorted(ds, t, side="left")
    ev = np.searchsorted(np.sort(d[e]), t, side="left")
    ce = np.searchsorted(np.sort(d[~e]), t, side="left")
    return pd.DataFrame({"time": t, "at_risk": at_risk, "events_before": ev,
                         "censored_before": ce})


__all__ = ["inadequate_episodes", "commissioner_episodes", "trust_episodes", "at_risk_table",
           "ROUTES"]
