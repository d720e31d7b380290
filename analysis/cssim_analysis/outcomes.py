"""Outcomes that answer the questions of model-spec section 1, from a loaded run.

Every function takes (run, scenario) and returns a tidy pandas frame; `fan()` turns any tidy
frame with one value per replication into median and 50% / 90% bands across replications.
"""
from __future__ import annotations

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
    return fan(grade_shares(run, scenario), "share", ("grade", "date"))


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
