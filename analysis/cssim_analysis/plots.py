"""Figures (matplotlib, Agg backend: no display needed). Each function writes one PNG and
returns its path."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from . import outcomes as oc  # noqa: E402

GRADE_COLOURS = {"outstanding": "#1a9850", "good": "#91cf60", "ri": "#fc8d59",
                 "inadequate": "#d73027"}
GOV_COLOURS = {"council": "#bdbdbd", "notice": "#fdae61", "commissioner": "#d7191c",
               "partner": "#2c7bb6", "trust_setup": "#abd9e9", "trust": "#5e3c99"}
ROUTE_COLOURS = {"all": "black", "notice": "#fdae61", "commissioner": "#d7191c",
                 "partner": "#2c7bb6", "trust": "#5e3c99"}
DPI = 100


def _save(fig, path, left=0.8, right=0.25, bottom=0.62, top=0.62, wspace=0.75, hspace=0.75):
    """Saves with fixed margins in inches (tight_layout measured every tick label and cost
    about 0.5 s per figure)."""
    w, h = fig.get_size_inches()
    axes = [a for a in fig.axes if a.get_visible()]
    ncol = max((a.get_subplotspec().get_gridspec().ncols for a in axes
                if a.get_subplotspec() is not None), default=1)
    nrow = max((a.get_subplotspec().get_gridspec().nrows for a in axes
                if a.get_subplotspec() is not None), default=1)
    cw = (w - left - right) / ncol
    ch = (h - bottom - top) / nrow
    fig.subplots_adjust(left=left / w, right=1 - right / w, bottom=bottom / h, top=1 - top / h,
                        wspace=min(0.9, wspace / max(cw - wspace, 0.5)),
                        hspace=min(1.2, hspace / max(ch - hspace, 0.5)))
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _dates(ax):
    loc = mdates.AutoDateLocator(minticks=3, maxticks=6)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))


def fan_axes(ax, f, colour="C0", label=None, scale=1.0):
    """Draws median with 50% and 90% bands from a `fan()` frame (one group) on ax."""
    x = pd.to_datetime(f["date"])
    _dates(ax)
    ax.fill_between(x, f["q05"] * scale, f["q95"] * scale, color=colour, alpha=0.18, lw=0)
    ax.fill_between(x, f["q25"] * scale, f["q75"] * scale, color=colour, alpha=0.35, lw=0)
    ax.plot(x, f["median"] * scale, color=colour, lw=1.6, label=label)


def grade_fan(run, scenario, path):
    f = oc.grade_share_fan(run, scenario)
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.2), sharex=True)
    for ax, g in zip(axes, oc.GRADES):
        d = f[f["grade"] == g]
        fan_axes(ax, d, GRADE_COLOURS[g], scale=100)
        ax.set_title(g)
        ax.set_ylabel("% of authorities")
        ax.grid(alpha=0.3)
    fig.suptitle(f"{scenario}: published grades (median, 50% and 90% bands over "
                 f"{run.replications(scenario)} replications)", fontsize=10)
    return _save(fig, path)


def governance_stack(run, scenario, path):
    xg, dims, coords, _, _ = run._read(scenario, "national/governance_counts")
    labels = list(coords.get(dims[2]) or oc.GOVERNANCE)
    mean = np.asarray(xg, float).mean(axis=0)                 # [time, governance]
    cols = [c for c in oc.GOVERNANCE if c in labels and c != "council"]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 3.6))
    x = pd.to_datetime(run.time(scenario)["date"])
    a1.stackplot(x, *[mean[:, labels.index(c)] for c in cols], labels=cols,
                 colors=[GOV_COLOURS[c] for c in cols], alpha=0.9)
    a1.set_ylabel("authorities (mean over replications)")
    a1.set_title("under intervention, by governance")
    a1.legend(loc="upper left", fontsize=8)
    a1.grid(alpha=0.3)
    try:
        from .observed import cumulative_targets
        real = cumulative_targets()
    except (OSError, ValueError):
        real = None
    start = run.start_date(scenario)
    for name, col in (("commissioners_appointed", "#d7191c"), ("trusts_created", "#5e3c99")):
        fan_axes(a2, oc.series_fan(run, scenario, name), col, label=name.replace("_", " "))
        if real is not None and start == pd.Timestamp("2015-12-14"):
            r = real[real["series"] == name]
            a2.plot(r["date"], r["value"], "o", color=col, mec="black", ms=6,
                    label=f"{name.replace('_', ' ')}: real record")
    a2.set_title("cumulative commissioners and trusts (points: the real record)")
    a2.set_ylabel("count")
    a2.legend(loc="upper left", fontsize=8)
    a2.grid(alpha=0.3)
    _dates(a1)
    fig.suptitle(f"{scenario}: the intervention regime", fontsize=10)
    return _save(fig, path)


def _series_grid(run, scenario, names, title, path, units=None):
    have = set(run.national_names(scenario))
    names = [n for n in names if n in have]
    if not names:
        return None
    nc = 2
    nr = (len(names) + 1) // 2
    fig, axes = plt.subplots(nr, nc, figsize=(11, 3.0 * nr), squeeze=False)
    for ax, n in zip(axes.ravel(), names):
        fan_axes(ax, oc.series_fan(run, scenario, n), "C0")
        ax.set_title(n.replace("_", " ") + (f" ({units[n]})" if units and n in units else ""),
                     fontsize=9)
        ax.grid(alpha=0.3)
    for ax in axes.ravel()[len(names):]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=10)
    return _save(fig, path)


def backlog(run, scenario, path):
    return _series_grid(run, scenario, oc.BACKLOG, f"{scenario}: inspectorate", path,
                        {"queue_length": "visits", "overdue_inspections": "visits",
                         "inspector_utilisation": "fraction", "mean_grade_age": "days"})


def workforce(run, scenario, path):
    return _series_grid(run, scenario, oc.WORKFORCE, f"{scenario}: workforce", path)


def km(curves, scenario, path, unit="years"):
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for route, c in curves.items():
        col = ROUTE_COLOURS.get(route, "grey")
        ax.step(c["time"], c["survival"], where="post", color=col, lw=2 if route == "all" else 1.4,
                label=f"{route} (n={int(c['n_at_risk'].iloc[0])})")
        ax.fill_between(c["time"], c["lower"], c["upper"], step="post", color=col, alpha=0.12,
                        lw=0)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    ax.set_xlabel(f"{unit} since the inadequate judgement")
    ax.set_ylabel("share still inadequate")
    ax.set_title(f"{scenario}: time to RI or better, by governance route reached", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _save(fig, path)


def forest(cmp, path, title="paired differences against the reference (95% CI)"):
    """cmp: compare() frame. One panel per metric; thick bar = paired CI, thin = unpaired."""
    metrics = list(dict.fromkeys(cmp["metric"]))
    nc = 3
    nr = (len(metrics) + nc - 1) // nc
    scen = list(dict.fromkeys(cmp["scenario"]))
    h = max(2.2, 0.35 * len(scen) + 1.2)
    fig, axes = plt.subplots(nr, nc, figsize=(13, h * nr), squeeze=False)
    for ax, m in zip(axes.ravel(), metrics):
        d = cmp[cmp["metric"] == m].set_index("scenario").reindex(scen)
        y = np.arange(len(scen))[::-1]
        ax.hlines(y, d["unpaired_lo"], d["unpaired_hi"], color="grey", lw=1, label="unpaired")
        ax.hlines(y, d["paired_lo"], d["paired_hi"], color="C3", lw=4, label="paired")
        ax.plot(d["diff"], y, "o", color="black", ms=4)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y)
        ax.set_yticklabels(scen if list(axes.ravel()).index(ax) % nc == 0 else [], fontsize=8)
        unit = d["unit"].dropna().iloc[0] if d["unit"].notna().any() else ""
        ax.set_title(f"{m}" + (f" ({unit})" if unit else ""), fontsize=9)
        ax.grid(alpha=0.3, axis="x")
    for ax in axes.ravel()[len(metrics):]:
        ax.set_visible(False)
    axes.ravel()[0].legend(fontsize=7, loc="best")
    ref = cmp["reference"].iloc[0] if len(cmp) else ""
    fig.suptitle(f"{title}; reference: {ref}", fontsize=10)
    return _save(fig, path, left=2.3, wspace=0.6, top=0.7)


def compare_medians(run, scenarios, path, grade="inadequate"):
    fig, ax = plt.subplots(figsize=(8, 4))
    for i, s in enumerate(scenarios):
        f = oc.grade_share_fan(run, s)
        f = f[f["grade"] == grade]
        ax.plot(pd.to_datetime(f["date"]), f["median"] * 100, color=f"C{i % 10}", label=s)
    _dates(ax)
    ax.set_ylabel(f"% {grade} (median)")
    ax.set_title(f"share of authorities judged {grade}, by scenario", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    return _save(fig, path)


POLICY_COLOURS = {"cycle": "C0", "cadence": "C1", "risk": "C2"}
_CRIT_LABEL = {"inspector_days": ("inspector-days used", "inspector-days"),
               "undetected_failure_years": ("undetected failure", "authority-years"),
               "detection_latency": ("detection latency", "days")}


def _pcol(pol, i):
    return POLICY_COLOURS.get(pol, f"C{3 + i}")


def frontier(b, path, periods=("SIF era", "ILACS era"),
             crits=("undetected_failure_years", "detection_latency", "inspector_days")):
    """The capacity frontier: paired difference from the reference (scenario minus reference,
    95% paired t interval) against nominal inspector FTE, one line per policy, one row per
    period; the calibrated FTE range (posterior 5-95%) shaded. b: capacity.benchmark()."""
    eo = b.get("effort")
    ref = b["reference"]
    if eo is None or not len(eo):
        return None
    periods = [p for p in periods if (eo["period"] == p).any()] or ["whole run"]
    fig, axes = plt.subplots(len(periods), len(crits), figsize=(4.4 * len(crits),
                                                                3.3 * len(periods)),
                             squeeze=False)
    cal = b.get("calibrated_fte")
    pols = sorted(eo["policy"].unique())
    for r, per in enumerate(periods):
        for c, crit in enumerate(crits):
            ax = axes[r, c]
            if cal:
                ax.axvspan(cal[0], cal[2], color="#999999", alpha=0.15, lw=0,
                           label="calibrated FTE (posterior 5-95%)")
            for i, pol in enumerate(pols):
                d = eo[(eo["period"] == per) & (eo["criterion"] == crit)
                       & (eo["policy"] == pol)].sort_values("fte")
                err = np.vstack([d["diff"] - d["paired_lo"], d["paired_hi"] - d["diff"]])
                ax.errorbar(d["fte"], d["diff"], yerr=np.nan_to_num(err), marker="o",
                            capsize=3, color=_pcol(pol, i), label=pol)
            ax.axhline(0, color="black", lw=0.8)
            name, unit = _CRIT_LABEL[crit]
            ax.set_xlabel("inspector capacity (nominal FTE)")
            ax.set_ylabel(f"difference ({unit})")
            ax.set_title(f"{per}: {name}", fontsize=9)
            ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=7, loc="best")
    fig.suptitle(f"capacity frontier: scenario minus reference ({ref}), mean and paired 95% "
                 "interval over replications", fontsize=10)
    return _save(fig, path)


def effort_plane(b, path, periods=("whole run", "SIF era", "ILACS era"),
                 outcomes=("undetected_failure_years", "detection_latency")):
    """Effort against outcome: paired differences from the reference (scenario minus
    reference) of inspector-days (x) and each outcome (y), with paired 95% intervals on both
    axes; one colour per policy, labelled with the FTE; hollow markers: dominated (some other
    point no worse on effort and both outcomes, better on one, by the means)."""
    eo = b.get("effort")
    if eo is None or not len(eo):
        return None
    ref = b["reference"]
    periods = [p for p in periods if (eo["period"] == p).any()]
    dom = set()
    if "dominance" in b:
        dom = set(b["dominance"].loc[b["dominance"]["dominated"], "scenario"])
    fig, axes = plt.subplots(len(periods), len(outcomes), figsize=(6.2 * len(outcomes),
                                                                  3.8 * len(periods)),
                             squeeze=False)
    pols = sorted(eo["policy"].unique())
    for r, per in enumerate(periods):
        d = eo[eo["period"] == per]
        x = d[d["criterion"] == "inspector_days"].set_index("scenario")
        for c, crit in enumerate(outcomes):
            ax = axes[r, c]
            y = d[d["criterion"] == crit].set_index("scenario")
            for i, pol in enumerate(pols):
                ss = [s for s in x.index if x.loc[s, "policy"] == pol]
                for s in ss:
                    xe = [[x.loc[s, "diff"] - x.loc[s, "paired_lo"]],
                          [x.loc[s, "paired_hi"] - x.loc[s, "diff"]]]
                    ye = [[y.loc[s, "diff"] - y.loc[s, "paired_lo"]],
                          [y.loc[s, "paired_hi"] - y.loc[s, "diff"]]]
                    hollow = s in dom and per == "whole run"
                    ax.errorbar(x.loc[s, "diff"], y.loc[s, "diff"],
                                xerr=np.nan_to_num(xe), yerr=np.nan_to_num(ye), fmt="o",
                                color=_pcol(pol, i), mfc="white" if hollow else _pcol(pol, i),
                                ms=7, capsize=2, label=pol if s == ss[0] else None)
                    ax.annotate(f"{x.loc[s, 'fte']:.3g}", (x.loc[s, "diff"], y.loc[s, "diff"]),
                                textcoords="offset points", xytext=(5, 4), fontsize=7)
            ax.axhline(0, color="black", lw=0.7)
            ax.axvline(0, color="black", lw=0.7)
            name, unit = _CRIT_LABEL[crit]
            ax.set_xlabel("inspector-days used, difference (inspector-days)")
            ax.set_ylabel(f"{name}, difference ({unit})")
            ax.set_title(f"{per}: effort against {name}", fontsize=9)
            ax.grid(alpha=0.3)
    axes[0, 0].legend(title="policy (label: FTE)", fontsize=7)
    fig.suptitle(f"effort against outcome: scenario minus reference ({ref}), paired 95% "
                 "intervals; hollow = dominated over the whole run; lower-left is better",
                 fontsize=10)
    return _save(fig, path, top=0.75)


# ---- figures of the report (issue 16) ----------------------------------------------------------
def grade_fan_observed(model, real, scenario, nrep, path):
    """Shares of judged authorities by grade: the model's fan (median, 50% and 90% bands over
    replications) with the real record as points. model: fan() frame with grade; real:
    observed.grade_shares()."""
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.3), sharex=True)
    x0 = pd.to_datetime(model["date"]).min()
    for ax, g in zip(axes, oc.GRADES):
        fan_axes(ax, model[model["grade"] == g], GRADE_COLOURS[g], scale=100, label="model")
        r = real[(real["grade"] == g) & (pd.to_datetime(real["date"]) >= x0)]
        ax.plot(pd.to_datetime(r["date"]), r["share"] * 100, "o", color="black", ms=3.5,
                label="real record")
        ax.set_title(g)
        ax.set_ylabel("% of judged authorities")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.suptitle(f"{scenario}: latest SIF/ILACS grade, share of judged authorities (model: "
                 f"median, 50% and 90% bands over {nrep} replications; points: Ofsted record "
                 "to Dec 2018)", fontsize=9)
    return _save(fig, path)


def published_vs_true(fans, scenario, path):
    """Published inadequate (grade_counts) beside truly inadequate (latent_inadequate) and the
    undetected part, as fans over replications on one axis from 0."""
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 3.6), sharey=True)
    fan_axes(a1, fans["published"], "#d73027", label="published inadequate")
    a1.set_title("published: judged inadequate", fontsize=9)
    for name, label, col in (("latent", "truly inadequate (latent quality)", "#4575b4"),
                             ("undetected", "of which published better", "#999999")):
        if name in fans:
            fan_axes(a2, fans[name], col, label=label)
    a2.set_title("true: latent quality in the inadequate band", fontsize=9)
    for ax in (a1, a2):
        ax.set_ylim(bottom=0)
        ax.set_ylabel("authorities")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
    fig.suptitle(f"{scenario}: published against true inadequacy (median, 50% and 90% bands "
                 "over replications)", fontsize=10)
    return _save(fig, path)


def per_year(rpy, scenario, path):
    """Commissioners appointed and trusts gone live per year: mean with 95% interval of the
    mean (thick) and 5-95% range over replications (thin)."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.4))
    for ax, (col, label, c) in zip(axes, (("commissioners_appointed", "commissioners appointed",
                                           "#d7191c"),
                                          ("trusts_created", "trusts gone live", "#5e3c99"))):
        g = rpy.groupby("start")[col]
        m, sd, n = g.mean(), g.std(ddof=1), g.count()
        half = 1.96 * sd / np.sqrt(n)
        q05, q95 = g.quantile(0.05), g.quantile(0.95)
        x = pd.to_datetime(m.index).year
        ax.vlines(x, q05, q95, color=c, lw=1, alpha=0.6, label="5-95% over replications")
        ax.vlines(x, m - half, m + half, color=c, lw=5, label="95% interval of the mean")
        ax.plot(x, m, "o", color="black", ms=4, label="mean")
        ax.set_xlabel("year starting (simulation year from the start date)")
        ax.set_ylabel(f"{label} per year")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.set_title(label, fontsize=9)
    axes[0].legend(fontsize=7)
    fig.suptitle(f"{scenario}: commissioners and trusts per year", fontsize=10)
    return _save(fig, path)


def waits(w, scenario, path):
    """Days from target date to start per visit type: the share started more than x days late
    (survival of the wait, log y), and the distribution of days late among late visits."""
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 3.8))
    for i, (reason, d) in enumerate(w.groupby("reason", observed=True, sort=False)):
        v = d["wait_days"].values
        if not len(v):
            continue
        # the share later than x, at 400 points (not one step per visit)
        x = np.unique(np.quantile(v, np.linspace(0, 1, 401)))
        s = 1.0 - np.searchsorted(np.sort(v), x, side="right") / len(v)
        a1.step(x, np.maximum(s, 1e-5), where="post", color=f"C{i}",
                label=f"{reason} (n={len(v)})")
        late = v[v > 0]
        if len(late):
            top = max(7.0, np.quantile(late, 0.99))
            edges = np.arange(0, top + 7, 7.0)
            h, _ = np.histogram(np.minimum(late, edges[-1] - 1e-9), edges)
            a2.step(edges[:-1], h / len(late), where="post", color=f"C{i}", label=reason)
    a1.set_yscale("log")
    a1.set_xlabel("days late (start minus target date)")
    a1.set_ylabel("share of visits later than x")
    a1.grid(alpha=0.3)
    a1.legend(fontsize=7)
    a2.set_xlabel("days late, visits that started late (weeks; last bin: beyond the 99th "
                  "percentile)")
    a2.set_ylabel("share of late visits per week")
    a2.grid(alpha=0.3)
    fig.suptitle(f"{scenario}: wait for an inspection team by visit type (all replications "
                 "pooled)", fontsize=10)
    return _save(fig, path)


def km_with_table(curves, at_risk, title, xlabel, ylabel, path):
    """Kaplan-Meier curves (with 95% log(-log) bands) and the number at risk under the plot.
    curves: {label: kaplan_meier frame}; at_risk: {label: at_risk_table frame}."""
    n = len(curves)
    H = 4.0 + 0.2 * (n + 1)
    row = 0.2 / H                    # height of one at-risk row, as a fraction
    x0, x1 = 0.2, 0.96               # the plot's left and right edges
    fig = plt.figure(figsize=(9, H))
    base = row * (n + 1) + 0.65 / H  # room for the table and the x label
    ax = fig.add_axes([x0, base + 0.02, x1 - x0, 1 - base - 0.45 / H - 0.02])
    for i, (lab, c) in enumerate(curves.items()):
        col = ROUTE_COLOURS.get(lab, f"C{i}")
        ax.step(c["time"], c["survival"], where="post", color=col, lw=1.6, label=lab)
        ax.fill_between(c["time"], c["lower"], c["upper"], step="post", color=col, alpha=0.12,
                        lw=0)
    ax.set_ylim(0, 1.02)
    t = next(iter(at_risk.values()))["time"].values if at_risk else []
    if len(t):
        ax.set_xlim(0, t[-1])
        ax.set_xticks(t)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    # number at risk, one row per curve, under the time axis
    fig.text(0.01, row * n + 0.01, "number at risk", fontsize=8, weight="bold")
    for i, (lab, tab) in enumerate(at_risk.items()):
        y = 0.01 + row * (n - 1 - i)
        fig.text(0.01, y, lab[:28], fontsize=7, color=ROUTE_COLOURS.get(lab, f"C{i}"))
        for tt, k in zip(tab["time"], tab["at_risk"]):
            xf = x0 + (x1 - x0) * (tt - t[0]) / max(t[-1] - t[0], 1e-9)
            fig.text(xf, y, str(int(k)), fontsize=7, ha="center")
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def tornado(prcc, scenario, path):
    """Partial rank correlation of each uncertain parameter (drawn/) with each headline
    outcome, with approximate 95% intervals (Fisher z), sorted by size."""
    outs = list(dict.fromkeys(prcc["outcome"]))
    fig, axes = plt.subplots(1, len(outs), figsize=(3.6 * len(outs), 0.35 *
                                                       prcc["parameter"].nunique() + 1.6),
                             squeeze=False, sharey=False)
    for ax, o in zip(axes.ravel(), outs):
        d = prcc[prcc["outcome"] == o].sort_values("abs_prcc")
        y = np.arange(len(d))
        ax.barh(y, d["prcc"], color=np.where(d["prcc"] > 0, "#d73027", "#4575b4"))
        ax.hlines(y, d["lo"], d["hi"], color="black", lw=1)
        ax.set_yticks(y)
        ax.set_yticklabels(d["parameter"], fontsize=7)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_xlim(-1, 1)
        ax.set_xlabel("partial rank correlation")
        ax.set_title(o.replace("_", " "), fontsize=9)
        ax.grid(alpha=0.3, axis="x")
    fig.suptitle(f"{scenario}: which uncertain parameters drive the outcomes (PRCC over "
                 "replications, 95% intervals)", fontsize=10)
    return _save(fig, path, left=2.1, wspace=2.2, top=0.7)


def compare_inadequate(run, scenarios, path, grade="inadequate"):
    """Share judged `grade` by scenario: median with the 90% band over replications, on an
    axis from 0."""
    fig, ax = plt.subplots(figsize=(8, 4))
    for i, s in enumerate(scenarios):
        f = oc.grade_share_fan(run, s)
        f = f[f["grade"] == grade]
        x = pd.to_datetime(f["date"])
        ax.fill_between(x, f["q05"] * 100, f["q95"] * 100, color=f"C{i % 10}", alpha=0.12, lw=0)
        ax.plot(x, f["median"] * 100, color=f"C{i % 10}", label=s)
    _dates(ax)
    ax.set_ylim(bottom=0)
    ax.set_ylabel(f"% of authorities published {grade}")
    ax.set_title(f"published {grade}, by scenario: median and 90% band over replications",
                 fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    return _save(fig, path)
