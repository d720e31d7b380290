"""Outcomes that answer the questions of model-spec section 1, from a loaded run.

Every function takes (run, scenario) and returns a tidy pandas frame; `fan()` turns any tidy
frame with one value per replication into median and 50% / 90% bands across replications.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .loader import DAYS_PER_YEAR, GOVERNANCE, GRADES

BANDS = (0.05, 0.25, 0.5, 0.75, 0.95)  # 90% band, 50% band, median


def fan(df, value="value", by=("date",)):
    """Across replications: n, mean, q05, q25, median, q75, q95 of `value` per `by` group."""
    by = [b for b in ([by] if isinstance(by, str) else list(by)) if b in df.columns]
    g = df.groupby(by, observed=True, sort=True)[value]
    q = g.quantile(list(BANDS)).unstack()
    q.columns = ["q05", "q25", "median", "q75", "q95"]
    out = pd.concat([g.count().rename("n"), g.mean().rename("mean"), q], axis=1)
    out = out.reset_index()
    if "date" in out and "time_days" in df and "time_days" not in by:
        out = out.merge(df[["date", "time_days"]].drop_duplicates("date"), on="date", how="left")
    return out


def fan_array(x, tm, label_name=None, labels=None):
    """fan() of an array [replication, time] or [replication, time, label] with numpy (the
    same columns as fan(): [label,] date, n, mean, q05, q25, median, q75, q95, time_days).
    NaNs are left out per point (as pandas does)."""
    x = np.asarray(x, float)
    if x.ndim == 2:
        x = x[:, :, None]
        labels = [None]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        q = np.nanquantile(x, BANDS, axis=0)               # [5, time, label]
        mean = np.nanmean(x, axis=0)
    n = np.isfinite(x).sum(axis=0)
    nt, nl = x.shape[1], x.shape[2]
    d = {}
    if label_name is not None:
        d[label_name] = pd.Categorical(np.repeat(labels, nt), categories=labels)
    d["date"] = np.tile(tm["date"].values, nl)
    d["n"] = n.T.reshape(-1)
    d["mean"] = mean.T.reshape(-1)
    for k, name in enumerate(["q05", "q25", "median", "q75", "q95"]):
        d[name] = q[k].T.reshape(-1)
    d["time_days"] = np.tile(tm["time_days"].values, nl)
    return pd.DataFrame(d)


def series_fan(run, scenario, series, label=None):
    """fan_array() of national/<series> (one label of a wide series, if given)."""
    x, dims, coords, _, _ = run._read(scenario, f"national/{series}")
    if label is not None:
        x = x[:, :, list(coords[dims[2]]).index(label)]
    return fan_array(x, run.time(scenario))


# ---- question 1: grades -------------------------------------------------------------------
def grade_counts(run, scenario):
    """Tidy: replication, date, grade, count."""
    return run.national(scenario, "grade_counts").rename(columns={"value": "count"})


def grade_shares(run, scenario):
    """Tidy: replication, date, grade, count, share (of all authorities)."""
    df = grade_counts(run, scenario)
    tot = df.groupby(["replication", "time_days"], observed=True)["count"].transform("sum")
    df["share"] = df["count"] / tot.where(tot > 0)
    return df


def grade_share_fan(run, scenario):
    """Shares of all authorities by published grade: median, 50% and 90% bands by date."""
    x, dims, coords, _, _ = run._read(scenario, "national/grade_counts")
    x = np.asarray(x, float)
    tot = x.sum(axis=2, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        sh = np.where(tot > 0, x / tot, np.nan)
    return fan_array(sh, run.time(scenario), "grade", coords.get(dims[2]) or list(GRADES))


# ---- question 3: regime -------------------------------------------------------------------
def governance_counts(run, scenario):
    """Tidy: replication, date, governance, count."""
    return run.national(scenario, "governance_counts").rename(columns={"value": "count"})


def regime_counts(run, scenario):
    """One row per (replication, date): LAs under notice, with a commissioner, with a partner,
    in trust set-up, in a trust, and cumulative commissioners appointed and trusts created."""
    g = governance_counts(run, scenario)
    w = g.pivot_table(index=["replication", "date"], columns="governance", values="count",
                      observed=True).reset_index()
    w.columns.name = None
    nat = run.national_wide(scenario, ["commissioners_appointed", "trusts_created",
                                       "sponsors_in_use"])
    w = w.merge(nat.drop(columns=["scenario"]), on=["replication", "date"], how="left")
    w.insert(0, "scenario", scenario)
    return w


def regime_per_year(run, scenario):
    """Commissioners appointed and trusts gone live per simulation year, per replication
    (from the cumulative series at yearly snapshots; year k covers days [k, k+1) * 365.25
    up to the last snapshot)."""
    tm = run.time(scenario)
    t = tm["time_days"].values
    year = np.floor(t / DAYS_PER_YEAR + 1e-9).astype(int)
    years, first = np.unique(year, return_index=True)
    if len(first) > 1 and first[-1] == len(t) - 1:     # a year that starts at the last snapshot
        years, first = years[:-1], first[:-1]
    nxt = np.r_[first[1:], len(t) - 1]
    out = {}
    for name in ("commissioners_appointed", "trusts_created"):
        x, *_ = run._read(scenario, f"national/{name}")
        x = np.asarray(x, float)
        out[name] = (x[:, nxt] - x[:, first]).reshape(-1)
    nr = x.shape[0]
    df = pd.DataFrame({"scenario": scenario, "replication": np.repeat(np.arange(nr), len(years)),
                       "year": np.tile(years, nr),
                       "start": np.tile(tm["date"].values[first], nr), **out})
    return df


# ---- question 4: inspectorate ------------------------------------------------------------
BACKLOG = ("queue_length", "overdue_inspections", "inspector_utilisation", "mean_grade_age")
WORKFORCE = ("vacancy_rate", "agency_rate", "turnover_rate", "stability_mean")
TRUTH = ("latent_inadequate", "undetected_inadequate", "undetected_failure_years",
         "misgraded_share")


def _long(run, scenario, names):
    have = set(run.national_names(scenario))
    w = run.national_wide(scenario, [n for n in names if n in have])
    return w.melt(id_vars=["scenario", "replication", "time_days", "date"], var_name="series",
                  value_name="value")


def backlog(run, scenario):
    """Tidy (series, replication, date, value) for the inspection queue, overdue inspections,
    inspector utilisation and mean age of published grades (days)."""
    return _long(run, scenario, BACKLOG)


def workforce(run, scenario):
    """Tidy (series, replication, date, value) for vacancy, agency and turnover rates and the
    mean stability index."""
    return _long(run, scenario, WORKFORCE)


def truth(run, scenario):
    """Tidy truth-based yardsticks (latent and undetected inadequate, misgraded share)."""
    return _long(run, scenario, TRUTH)


# ---- question 2: time from inadequate to RI or better ------------------------------------------
from .episodes import ROUTES  # noqa: E402
from .episodes import inadequate_episodes as _episodes  # noqa: E402


def inadequate_episodes(run, scenario, include_initial=False, route_by="reached"):
    """Episodes of published inadequacy, from the events table.

    An episode starts when an inadequate judgement is published for an authority not already
    in an episode, and ends when a judgement of RI or better is published (event), or is
    censored at the horizon. Inadequate judgements within an episode do not restart it.

    route_by="reached": the most interventionist governance state reached during the episode
    (notice < commissioner < partner < trust, trust_setup counting as trust); this is what the
    question asks, but it looks ahead (an episode must last long enough to reach a trust), so
    compare curves as descriptions of routes, not as causal effects of them.
    route_by="start": the governance state right after the judgement that opened the episode.

    include_initial: also count authorities inadequate at the start date, from day 0 (their
    real judgement date is earlier, so their durations are shorter than the truth).

    Returns: replication, authority, start, end, duration_days, duration_years, observed
    (True: reached RI or better), route, start_governance, n_inadequate (judgements in the
    episode), commissioner_time (days to a commissioner, NaN if none), commissioner_already,
    authority_code. Built with numpy (episodes.py)."""
    return _episodes(run, scenario, include_initial=include_initial, route_by=route_by)


def kaplan_meier(durations, observed, level=0.95):
    """Kaplan-Meier estimate with right censoring (numpy only).

    durations: times to the event or to censoring; observed: True where the event happened.
    Ties: events are counted before censorings at the same time (the usual convention).
    Returns a frame with one row per distinct event time (plus time 0): time, n_at_risk,
    events, censored (in (previous time, time]), survival, se (Greenwood), lower, upper
    (log(-log) interval, which stays inside [0, 1])."""
    from scipy.stats import norm
    t = np.asarray(durations, float)
    e = np.asarray(observed, bool)
    ok = np.isfinite(t)
    t, e = t[ok], e[ok]
    n = len(t)
    z = norm.ppf(0.5 + level / 2)
    if n == 0:
        return pd.DataFrame({"time": [0.0], "n_at_risk": [0], "events": [0], "censored": [0],
                             "survival": [1.0], "se": [0.0], "lower": [1.0], "upper": [1.0]})
    times, d = np.unique(t[e], return_counts=True)
    order = np.sort(t)
    # at risk at time s: durations >= s (a censoring at s is still at risk at s)
    at_risk = n - np.searchsorted(order, times, side="left")
    cens_sorted = np.sort(t[~e])
    edges = np.concatenate([[-np.inf], times])
    c = np.diff(np.searchsorted(cens_sorted, edges, side="left")) if len(times) else np.zeros(0)
    surv = np.cumprod(1.0 - d / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        gw = np.cumsum(np.where(at_risk > d, d / (at_risk * (at_risk - d)), np.inf))
        se = surv * np.sqrt(gw)
        # log(-log S) interval (Kalbfleisch-Prentice)
        lls = np.log(-np.log(surv))
        se_ll = np.sqrt(gw) / np.abs(np.log(surv))
        lower = np.exp(-np.exp(lls + z * se_ll))
        upper = np.exp(-np.exp(lls - z * se_ll))
    lower = np.where(surv >= 1, 1.0, np.where(surv <= 0, 0.0, lower))
    upper = np.where(surv >= 1, 1.0, np.where(surv <= 0, 0.0, upper))
    df = pd.DataFrame({"time": np.concatenate([[0.0], times]),
                       "n_at_risk": np.concatenate([[n], at_risk]),
                       "events": np.concatenate([[0], d]),
                       "censored": np.concatenate([[0], c]),
                       "survival": np.concatenate([[1.0], surv]),
                       "se": np.concatenate([[0.0], np.nan_to_num(se, nan=0.0, posinf=np.nan)]),
                       "lower": np.concatenate([[1.0], np.nan_to_num(lower, nan=0.0)]),
                       "upper": np.concatenate([[1.0], np.nan_to_num(upper, nan=1.0)])})
    return df


def km_median(km):
    """The smallest time at which survival <= 0.5 (NaN if never reached)."""
    hit = km[km["survival"] <= 0.5]
    return float(hit["time"].iloc[0]) if len(hit) else float("nan")


def km_by_route(run, scenario, unit="years", **kw):
    """{route: KM frame} for the episodes of `inadequate_episodes` (plus "all"), and a
    summary frame: route, episodes, observed, censored, median time to RI or better."""
    ep = inadequate_episodes(run, scenario, **kw)
    col = "duration_years" if unit == "years" else "duration_days"
    curves, rows = {}, []
    for route in ("all",) + ROUTES:
        d = ep if route == "all" else ep[ep["route"] == route]
        if route != "all" and len(d) == 0:
            continue
        km = kaplan_meier(d[col].values, d["observed"].values)
        curves[route] = km
        rows.append({"scenario": scenario, "route": route, "episodes": len(d),
                     "reached_ri_or_better": int(d["observed"].sum()),
                     "censored": int((~d["observed"]).sum()),
                     f"median_{unit}": km_median(km)})
    return curves, pd.DataFrame(rows)


__all__ = ["fan", "grade_counts", "grade_shares", "grade_share_fan", "governance_counts",
           "regime_counts", "regime_per_year", "backlog", "workforce", "truth",
           "inadequate_episodes", "kaplan_meier", "km_median", "km_by_route", "GRADES",
           "GOVERNANCE", "ROUTES", "BANDS"]


# ---- capacity made visible (issue 16) -----------------------------------------------------------
def waits(run, scenario, ev=None):
    """Wait of every visit that started: days from its target date to its start (the value of
    inspection_started; 0 for a visit started on or before its target), with the visit type
    (the reason: routine, reinspection, emergency, trust, monitoring, focused). Tidy frame:
    replication, time_days, reason (Categorical), wait_days."""
    from .loader import REASONS
    if ev is None:
        ev = run.events_raw(scenario, ["inspection_started"])
    code = run.event_types(scenario).get("inspection_started")
    ev = ev[ev["type"] == code]
    r = ev["before"].astype(int)
    ok = (r >= 0) & (r < len(REASONS))
    return pd.DataFrame({"replication": ev["replication"][ok].astype(np.int64),
                         "time_days": ev["time"][ok],
                         "reason": pd.Categorical.from_codes(r[ok], categories=list(REASONS)),
                         "wait_days": ev["value"][ok]})


def wait_table(w, overdue_after=183.0):
    """Per visit type: visits, share started late (wait > 0), share overdue (wait >
    overdue_after), mean wait and the 50th, 90th and 99th percentiles of days late (all
    visits, and among late visits)."""
    rows = []
    for reason, d in w.groupby("reason", observed=True, sort=False):
        x = d["wait_days"].values
        late = x[x > 0]
        q = lambda v, p: float(np.quantile(v, p)) if len(v) else np.nan  # noqa: E731
        rows.append({"visit type": reason, "visits": len(x), "share late": (x > 0).mean(),
                     f"share > {overdue_after:g} d late": (x > overdue_after).mean(),
                     "mean days late": x.mean(), "median": q(x, 0.5), "q90": q(x, 0.9),
                     "q99": q(x, 0.99), "median if late": q(late, 0.5),
                     "q90 if late": q(late, 0.9)})
    return pd.DataFrame(rows)


def judged_share_fan(run, scenario):
    """The model's counterpart of Ofsted's national statistics: shares of authorities by their
    latest grade among those judged under the SIF (sif_grade_counts) before the switch to ILACS
    (inspectorate.ilacs_from), and among all (grade_counts) from then on (by the end of 2017
    every authority had a SIF judgement)."""
    x, dims, coords, _, _ = run._read(scenario, "national/grade_counts")
    x = np.array(x, float)
    tm = run.time(scenario)
    frm = run.parameters(scenario).get("inspectorate.ilacs_from")
    if "sif_grade_counts" in run.national_names(scenario) and frm:
        sg = np.asarray(run._read(scenario, "national/sif_grade_counts")[0], float)
        before = (pd.to_datetime(tm["date"]) < pd.Timestamp(str(frm))).values
        x[:, before, :] = sg[:, before, :]
    tot = x.sum(axis=2, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        sh = np.where(tot > 0, x / tot, np.nan)
    return fan_array(sh, tm, "grade", coords.get(dims[2]) or list(GRADES))


def inadequacy_fans(run, scenario):
    """{published, latent, undetected}: fans of authorities published inadequate, truly
    (latently) inadequate, and truly inadequate while published better."""
    out = {"published": series_fan(run, scenario, "grade_counts", "inadequate")}
    have = set(run.national_names(scenario))
    for key, name in (("latent", "latent_inadequate"), ("undetected", "undetected_inadequate")):
        if name in have:
            out[key] = series_fan(run, scenario, name)
    return out
