/* The one declarative table of scenario keys for the children's services model.
 * Each default carries its provenance in the help text: a source, or "GUESS" where no data
 * backs it (docs/model.md lists every guess). Units: days for times and durations, per year
 * for rates. */
#include "params.h"

#include "model.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>

#define OFF(f) offsetof(cs_params, f)
#define INF    INFINITY

static const char *const grade_models[] = {"probit", "markov", NULL};
static const char *const policies[] = {"cycle", "cadence", "risk", NULL};
static const char *const frameworks[] = {"sif", "ilacs", NULL};

/* clang-format off */
const cs_key cs_params_keys[] = {
    /* meta */
    {"meta.name", CS_KEY_STRING, OFF(name), 0, 0, "scenario", NULL, 0, 0, 0,
     "name of the scenario (the HDF5 group /scenarios/<name>)"},
    {"meta.description", CS_KEY_STRING, OFF(description), 0, 0, "", NULL, 0, 0, 0,
     "the question this scenario answers"},
    /* time */
    {"time.start", CS_KEY_DATE, OFF(start), 0, 0, "2015-12-14", NULL, 0, 0, 0,
     "start date (the 2015 regime was announced on 14 Dec 2015)"},
    {"time.horizon_years", CS_KEY_DOUBLE, OFF(horizon_years), 0.01, 100, "10", NULL, 0, 0,
     CS_KEY_NO_UNCERTAIN, "years simulated"},
    {"time.horizon_days", CS_KEY_DOUBLE, OFF(horizon_days), 0, 36525, "0", NULL, 0, 0,
     CS_KEY_NO_UNCERTAIN,
     "days simulated, overriding horizon_years when > 0; the last snapshot is then at exactly "
     "this day (after the monthly grid)"},
    /* run */
    /* one value per run (CS_KEY_NO_SWEEP): the writer and the streams assume it */
    {"run.replications", CS_KEY_INT, OFF(replications), 1, 1e9, "100", NULL, 0, 0,
     CS_KEY_NO_SWEEP, "replications per scenario (-n overrides)"},
    {"run.seed", CS_KEY_INT, OFF(seed), 0, 9.0e15, "20151214", NULL, 0, 0, CS_KEY_NO_SWEEP,
     "master seed of the keyed random streams (-s overrides)"},
    {"run.max_pending_events", CS_KEY_INT, OFF(max_pending), 64, 1e9, "1048576", NULL, 0, 0,
     CS_KEY_NO_SWEEP, "cap on pending events per replication"},
    /* authorities */
    {"authorities.table", CS_KEY_PATH, OFF(table), 0, 0, "data/authorities_2015-12-14.csv", NULL,
     0, 0, 0, "authority table built by scripts/build_authorities.py from data/raw"},
    {"authorities.limit", CS_KEY_INT, OFF(limit), 0, 1e6, "0", NULL, 0, 0, 0,
     "use only the first n authorities (0 = all)"},
    {"authorities.events", CS_KEY_PATH, OFF(events), 0, 0, "", NULL, 0, 0, 0,
     "known events (data/known_events.csv): those decided by the start and due after it happen "
     "on their dates (docs/model.md section 6); empty = none"},
    {"authorities.only", CS_KEY_STRING, OFF(only), 0, 0, "", NULL, 0, 0, 0,
     "comma-separated ONS codes to keep (empty = all)"},
    {"authorities.grade_counts", CS_KEY_ARRAY, OFF(grade_counts), 0, 1e6, "[]", NULL, 0, 4, 0,
     "counts of outstanding, good, ri, inadequate (summing to the authorities kept): a fresh "
     "record at the start, for verification models: the grades go to the authorities in table "
     "order, dated at the start, under their councils, with no earlier inadequate judgement or "
     "SIF judgement; empty = the table's record"},
    /* quality */
    {"quality.theta", CS_KEY_DOUBLE, OFF(theta), 1e-6, 50, "0.35", NULL, 0, 0, 0,
     "OU mean reversion per year (calibrated; docs/calibration.md)"},
    {"quality.sd", CS_KEY_DOUBLE, OFF(qsd), 0, 50, "1", NULL, 0, 0, 0,
     "stationary sd of quality: the OU volatility is sd * sqrt(2 theta); 1 fixes the latent "
     "scale, so theta sets persistence alone"},
    {"quality.persistent_share", CS_KEY_DOUBLE, OFF(persist), 0, 0.99, "0", NULL, 0, 0, 0,
     "share of quality's stationary variance that is a persistent authority-level long-run mean "
     "(a random effect drawn with initial quality, given the latest grade); the OU moves the "
     "rest around it; 0 = one national mean (docs/model.md section 2)"},
    {"quality.base", CS_KEY_DOUBLE, OFF(base), -10, 10, "0", NULL, 0, 0, 0,
     "long-run mean of quality under a council (the scale's origin)"},
    {"quality.drift", CS_KEY_DOUBLE, OFF(drift), -5, 5, "0", NULL, 0, 0, 0,
     "change of the mean per year (funding pressure); GUESS"},
    {"quality.effect.council", CS_KEY_DOUBLE, OFF(gov_effect[CS_GOV_COUNCIL]), -10, 10, "0",
     NULL, 0, 0, 0, "mean shift under a council (the reference: keep 0)"},
    {"quality.effect.notice", CS_KEY_DOUBLE, OFF(gov_effect[CS_GOV_NOTICE]), -10, 10, "0.3", NULL,
     0, 0, 0, "mean shift under an improvement notice (calibrated; docs/calibration.md)"},
    {"quality.effect.commissioner", CS_KEY_DOUBLE, OFF(gov_effect[CS_GOV_COMMISSIONER]), -10, 10,
     "0.5", NULL, 0, 0, 0, "mean shift under a commissioner; GUESS"},
    {"quality.effect.partner", CS_KEY_DOUBLE, OFF(gov_effect[CS_GOV_PARTNER]), -10, 10, "0.6",
     NULL, 0, 0, 0, "mean shift when run or supported by a partner LA; GUESS"},
    {"quality.effect.trust_setup", CS_KEY_DOUBLE, OFF(gov_effect[CS_GOV_TRUST_SETUP]), -10, 10,
     "0.3", NULL, 0, 0, 0, "mean shift while a trust is set up; GUESS"},
    {"quality.effect.trust", CS_KEY_DOUBLE, OFF(gov_effect[CS_GOV_TRUST]), -10, 10, "0.5", NULL, 0,
     0, 0, "mean shift under a trust; GUESS"},
    {"quality.beta_workforce", CS_KEY_DOUBLE, OFF(beta_workforce), -50, 50, "2", NULL, 0, 0, 0,
     "mean shift per unit of stability above stability_ref; GUESS"},
    {"quality.stability_ref", CS_KEY_DOUBLE, OFF(stability_ref), 0, 1, "0.83", NULL, 0, 0, 0,
     "reference stability (permanent share of posts, census 2017: 28483/34306)"},
    {"quality.sample_days", CS_KEY_DOUBLE, OFF(sample_days), 1, 366, "30.4375", NULL, 0, 0,
     CS_KEY_NO_UNCERTAIN,
     "interval of the national tick that samples quality exactly, moves the workforce and "
     "draws concern signals"},
    {"quality.leadership_rate", CS_KEY_DOUBLE, OFF(lead_rate), 0, 10, "0.15", NULL, 0, 0, 0,
     "leadership changes per authority-year; GUESS"},
    {"quality.leadership_jump", CS_KEY_DIST, OFF(lead_jump), -10, 10,
     "{dist: normal, mean: 0, sd: 0.3}", NULL, 0, 0, 0,
     "jump in quality at a leadership change; GUESS"},
    /* judgement */
    {"judgement.model", CS_KEY_ENUM, OFF(grade_model), 0, 0, "probit", grade_models, 0, 0, 0,
     "probit: ordered probit on latent quality; markov: transition matrix between judgements"},
    {"judgement.sif.c0", CS_KEY_DOUBLE, OFF(judge[CS_FW_SIF].c[0]), -20, 20, "-2.1", NULL, 0, 0,
     0, "SIF: a reading at or below c0 is wholesale failure with corporate failure; GUESS"},
    {"judgement.sif.c1", CS_KEY_DOUBLE, OFF(judge[CS_FW_SIF].c[1]), -20, 20, "-0.86", NULL, 0, 0,
     0, "SIF: at or below c1 inadequate (calibrated: SIF outcomes 2016-17)"},
    {"judgement.sif.c2", CS_KEY_DOUBLE, OFF(judge[CS_FW_SIF].c[2]), -20, 20, "0.65", NULL, 0, 0,
     0, "SIF: at or below c2 requires improvement (calibrated)"},
    {"judgement.sif.c3", CS_KEY_DOUBLE, OFF(judge[CS_FW_SIF].c[3]), -20, 20, "2.3", NULL, 0, 0, 0,
     "SIF: at or below c3 good, above outstanding (calibrated)"},
    {"judgement.sif.shift", CS_KEY_DOUBLE, OFF(judge[CS_FW_SIF].shift), -20, 20, "0", NULL, 0, 0,
     0, "SIF: added to every SIF threshold (the reference framework: keep 0)"},
    {"judgement.sif.tau", CS_KEY_DOUBLE, OFF(judge[CS_FW_SIF].tau), 0, 10, "0.5", NULL, 0, 0, 0,
     "sd of the SIF reading of quality; GUESS"},
    {"judgement.ilacs.standard.shift_c1", CS_KEY_DOUBLE, OFF(ilacs_d[0][1]), -20, 20, "0", NULL,
     0, 0, 0, "ILACS standard inspection: c1 = SIF c1 + ilacs.shift + this (c0 moves with c1)"},
    {"judgement.ilacs.standard.shift_c2", CS_KEY_DOUBLE, OFF(ilacs_d[0][2]), -20, 20, "0", NULL,
     0, 0, 0, "ILACS standard inspection: c2 = SIF c2 + ilacs.shift + this"},
    {"judgement.ilacs.standard.shift_c3", CS_KEY_DOUBLE, OFF(ilacs_d[0][3]), -20, 20, "0", NULL,
     0, 0, 0, "ILACS standard inspection: c3 = SIF c3 + ilacs.shift + this"},
    {"judgement.ilacs.short.shift_c1", CS_KEY_DOUBLE, OFF(ilacs_d[1][1]), -20, 20, "0", NULL, 0,
     0, 0, "ILACS short inspection: c1 = SIF c1 + ilacs.shift + this (c0 moves with c1)"},
    {"judgement.ilacs.short.shift_c2", CS_KEY_DOUBLE, OFF(ilacs_d[1][2]), -20, 20, "0", NULL, 0,
     0, 0, "ILACS short inspection: c2 = SIF c2 + ilacs.shift + this"},
    {"judgement.ilacs.short.shift_c3", CS_KEY_DOUBLE, OFF(ilacs_d[1][3]), -20, 20, "0", NULL, 0,
     0, 0, "ILACS short inspection: c3 = SIF c3 + ilacs.shift + this"},
    {"judgement.ilacs.shift", CS_KEY_DOUBLE, OFF(judge[CS_FW_ILACS].shift), -20, 20, "0", NULL, 0,
     0, 0,
     "ILACS severity against the SIF: added to the SIF's thresholds (positive = harsher; 0 = "
     "as severe as the SIF); baseline gives it a distribution (docs/model.md section 3)"},
    {"judgement.ilacs.tau", CS_KEY_DOUBLE, OFF(judge[CS_FW_ILACS].tau), 0, 10, "0.5", NULL, 0, 0,
     0, "sd of the ILACS reading of quality; GUESS"},
    {"judgement.older.shift", CS_KEY_DOUBLE, OFF(older_shift), -20, 20, "-0.7", NULL, 0, 0, 0,
     "frameworks before the SIF (SLAC, CPI, TLAC) graded with the SIF thresholds + this, for "
     "the initial quality of authorities last graded by them: -0.7 reproduces ADCS (Jan 2015): "
     "the SIF graded 44% of the first 41 lower, 17% higher (docs/model.md section 3)"},
    {"judgement.report_delay", CS_KEY_DIST, OFF(report_delay), 0, 3650,
     "{dist: gamma, mean: 35, sd: 10}", NULL, 0, 0, 0,
     "days from the end of fieldwork to publication; GUESS"},
    {"judgement.monitoring_tau", CS_KEY_DOUBLE, OFF(monitor_tau), 0, 10, "0.7", NULL, 0, 0, 0,
     "sd of a monitoring or focused visit's reading of quality; GUESS"},
    {"judgement.markov.matrix", CS_KEY_ARRAY, OFF(markov), 0, 1,
     "[[0.5, 0.4, 0.1, 0.0], [0.05, 0.6, 0.3, 0.05], [0.0, 0.25, 0.55, 0.2], [0.0, 0.1, 0.6, 0.3]]",
     NULL, 16, 96, 0,
     "markov model: P(next grade | previous), rows outstanding..inadequate; 16 values, or 96 "
     "for one matrix per governance state; GUESS"},
    /* inspectorate */
    {"inspectorate.fte", CS_KEY_DOUBLE, OFF(fte), 0, 1e6, "62", NULL, 0, 0, 0,
     "inspectors (FTE) for local-authority inspections; no public count: 2016-17 SIF volumes "
     "and completion are reproduced at 60-65 and not at 55 or 70 (scripts/capacity_scan.py, "
     "docs/model.md section 4)"},
    {"inspectorate.capacity_scale", CS_KEY_DOUBLE, OFF(fte_scale), 0, 1000, "1", NULL, 0, 0, 0,
     "multiplier of fte, for policy scenarios relative to the calibrated capacity"},
    {"inspectorate.working_days", CS_KEY_DOUBLE, OFF(working_days), 1, 366, "220", NULL, 0, 0, 0,
     "working days per inspector per year (effective capacity = fte * working_days / 365.25)"},
    {"inspectorate.unlimited", CS_KEY_BOOL, OFF(unlimited), 0, 0, "false", NULL, 0, 0, 0,
     "unlimited capacity (every visit starts on its target date)"},
    {"inspectorate.capacity_path", CS_KEY_STEPS, OFF(capacity_path), 0, 100, "[]", NULL, 0, 64,
     0, "multiplier of fte from each date, e.g. [{from: 2020-03-17, value: 0}]"},
    {"inspectorate.policy", CS_KEY_ENUM, OFF(policy), 0, 0, "cycle", policies, 0, 0, 0,
     "routine scheduling: cycle (SIF universal cycle, then ILACS cadence), cadence (by grade), "
     "risk (cadence brought forward by a risk score)"},
    {"inspectorate.framework", CS_KEY_ENUM, OFF(first_framework), 0, 0, "sif", frameworks, 0, 0,
     0, "framework at the start"},
    {"inspectorate.ilacs_from", CS_KEY_DATE, OFF(ilacs_from), 0, 0, "2018-01-01", NULL, 0, 0, 0,
     "date ILACS replaces the SIF (Ofsted, 2017)"},
    {"inspectorate.sif.team", CS_KEY_DOUBLE, OFF(kind[CS_KIND_SIF].team), 0, 100, "6", NULL, 0, 0,
     0, "inspectors on a SIF inspection; GUESS"},
    {"inspectorate.sif.duration", CS_KEY_DIST, OFF(kind[CS_KIND_SIF].duration), 0, 3650,
     "{dist: gamma, mean: 42, sd: 7}", NULL, 0, 0, 0,
     "days a SIF team is held: four weeks of fieldwork (NAO 2016) plus preparation; GUESS"},
    {"inspectorate.ilacs_standard.team", CS_KEY_DOUBLE, OFF(kind[CS_KIND_ILACS_STANDARD].team), 0,
     100, "4", NULL, 0, 0, 0, "inspectors on an ILACS standard inspection; GUESS"},
    {"inspectorate.ilacs_standard.duration", CS_KEY_DIST,
     OFF(kind[CS_KIND_ILACS_STANDARD].duration), 0, 3650, "{dist: gamma, mean: 21, sd: 4}", NULL,
     0, 0, 0, "days held: two weeks on site (ILACS framework) plus preparation; GUESS"},
    {"inspectorate.ilacs_short.team", CS_KEY_DOUBLE, OFF(kind[CS_KIND_ILACS_SHORT].team), 0, 100,
     "3", NULL, 0, 0, 0, "inspectors on an ILACS short inspection; GUESS"},
    {"inspectorate.ilacs_short.duration", CS_KEY_DIST, OFF(kind[CS_KIND_ILACS_SHORT].duration), 0,
     3650, "{dist: gamma, mean: 14, sd: 3}", NULL, 0, 0, 0,
     "days held: one week on site, one off (ILACS framework)"},
    {"inspectorate.focused.team", CS_KEY_DOUBLE, OFF(kind[CS_KIND_FOCUSED].team), 0, 100, "2",
     NULL, 0, 0, 0, "inspectors on a focused visit; GUESS"},
    {"inspectorate.focused.duration", CS_KEY_DIST, OFF(kind[CS_KIND_FOCUSED].duration), 0, 3650,
     "{dist: gamma, mean: 7, sd: 2}", NULL, 0, 0, 0, "days held by a focused visit; GUESS"},
    {"inspectorate.monitoring.team", CS_KEY_DOUBLE, OFF(kind[CS_KIND_MONITORING].team), 0, 100,
     "2", NULL, 0, 0, 0, "inspectors on a monitoring visit (Ofsted monitoring handbook, 2016)"},
    {"inspectorate.monitoring.duration", CS_KEY_DIST, OFF(kind[CS_KIND_MONITORING].duration), 0,
     3650, "{dist: gamma, mean: 5, sd: 1}", NULL, 0, 0, 0,
     "days held: two days on site (monitoring handbook, 2016) plus reporting; GUESS"},
    {"inspectorate.monitoring.from", CS_KEY_DATE, OFF(monitoring_from), 0, 0, "2016-01-01", NULL,
     0, 0, 0, "monitoring visits of inadequate LAs from this date (Ofsted, 2016)"},
    {"inspectorate.monitoring.interval", CS_KEY_DIST, OFF(monitoring_interval), 1, 3650,
     "{dist: gamma, mean: 91, sd: 15}", NULL, 0, 0, 0,
     "days between monitoring visits: every three months (monitoring handbook, 2016)"},
    {"inspectorate.priority.emergency", CS_KEY_INT, OFF(priority[CS_REASON_EMERGENCY]), 0, 255,
     "0", NULL, 0, 0, 0, "queue class of emergency inspections (0 first)"},
    {"inspectorate.priority.trust", CS_KEY_INT, OFF(priority[CS_REASON_TRUST]), 0, 255, "1", NULL,
     0, 0, 0, "queue class of a new trust's 12-month inspection"},
    {"inspectorate.priority.reinspection", CS_KEY_INT, OFF(priority[CS_REASON_REINSPECTION]), 0,
     255, "2", NULL, 0, 0, 0, "queue class of re-inspections of inadequate LAs"},
    {"inspectorate.priority.monitoring", CS_KEY_INT, OFF(priority[CS_REASON_MONITORING]), 0, 255,
     "2", NULL, 0, 0, 0, "queue class of monitoring visits"},
    {"inspectorate.priority.routine", CS_KEY_INT, OFF(priority[CS_REASON_ROUTINE]), 0, 255, "3",
     NULL, 0, 0, 0, "queue class of routine inspections (ordered by target date within a class)"},
    {"inspectorate.priority.focused", CS_KEY_INT, OFF(priority[CS_REASON_FOCUSED]), 0, 255, "4",
     NULL, 0, 0, 0, "queue class of focused visits"},
    {"inspectorate.overdue_after", CS_KEY_DOUBLE, OFF(overdue_after), 0, 3650, "183", NULL, 0, 0,
     0, "days past its target before a queued visit is overdue (ILACS: six months either side)"},
    {"inspectorate.sif.cycle", CS_KEY_DIST, OFF(sif_cycle), 1, 36500, "1096", NULL, 0, 0, 0,
     "days from a SIF judgement (not inadequate) to the next routine inspection: the SIF's "
     "planned three-year cycle (NAO 2016); any slip comes from capacity"},
    {"inspectorate.sif.reinspect", CS_KEY_DIST, OFF(sif_reinspect), 1, 36500,
     "{dist: uniform, lo: 730, hi: 1200}", NULL, 0, 0, 0,
     "days from an inadequate judgement to re-inspection: 24-40 months, as the seven SIF "
     "re-inspections to 2017 (consecutive_judgements_to_2017.csv)"},
    {"inspectorate.sif.first_from", CS_KEY_DATE, OFF(sif_first_from), 0, 0, "2013-11-01", NULL,
     0, 0, 0,
     "the SIF's planned three-year cycle of first inspections runs from this date (Nov 2013; "
     "NAO 2016): LAs without a SIF judgement at the start take its remaining slots"},
    {"inspectorate.sif.first_deadline", CS_KEY_DATE, OFF(sif_first_deadline), 0, 0, "2016-10-31",
     NULL, 0, 0, 0,
     "... to this date, as planned (the slip to late 2017 must come from capacity)"},
    {"inspectorate.sif.reinspect_until", CS_KEY_DATE, OFF(sif_reinspect_until), 0, 0,
     "2018-01-01", NULL, 0, 0, 0,
     "after the switch to ILACS, the re-inspection of an authority whose latest judgement is a "
     "SIF inadequate is still a SIF inspection if it starts before this date (on or before "
     "inspectorate.ilacs_from: never)"},
    {"inspectorate.ilacs.interval.outstanding", CS_KEY_DIST,
     OFF(ilacs_interval[CS_GRADE_OUTSTANDING]), 1, 36500, "{dist: uniform, lo: 913, hi: 1278}",
     NULL, 0, 0, 0, "ILACS: days to the next short inspection (third anniversary +- 6 months)"},
    {"inspectorate.ilacs.interval.good", CS_KEY_DIST, OFF(ilacs_interval[CS_GRADE_GOOD]), 1, 36500,
     "{dist: uniform, lo: 913, hi: 1278}", NULL, 0, 0, 0,
     "ILACS: days to the next short inspection (third anniversary +- 6 months)"},
    {"inspectorate.ilacs.interval.ri", CS_KEY_DIST, OFF(ilacs_interval[CS_GRADE_RI]), 1, 36500,
     "{dist: uniform, lo: 913, hi: 1278}", NULL, 0, 0, 0,
     "ILACS: days to the next standard inspection (third anniversary +- 6 months)"},
    {"inspectorate.ilacs.interval.inadequate", CS_KEY_DIST,
     OFF(ilacs_interval[CS_GRADE_INADEQUATE]), 1, 36500, "{dist: uniform, lo: 548, hi: 913}",
     NULL, 0, 0, 0, "ILACS: days to re-inspection when ready ('usually within 24 months')"},
    {"inspectorate.ilacs.focused_after", CS_KEY_DIST, OFF(ilacs_focused_after), 1, 36500,
     "{dist: uniform, lo: 365, hi: 730}", NULL, 0, 0, 0,
     "ILACS: days from a graded inspection (RI or better) to a focused visit; GUESS"},
    {"inspectorate.ilacs.interval_scale", CS_KEY_DOUBLE, OFF(ilacs_interval_scale), 0.1, 10, "1",
     NULL, 0, 0, 0,
     "ILACS: the routine intervals of outstanding, good and RI authorities are multiplied by "
     "this (1 = as the framework says; calibrated on the 2018 ILACS volumes)"},
    {"inspectorate.ilacs.transition_spread", CS_KEY_DOUBLE, OFF(ilacs_transition_spread), 0,
     3650, "1095", NULL, 0, 0, 0,
     "at the switch, routine targets already past are spread over this many days"},
    {"inspectorate.ilacs.focused_escalation", CS_KEY_DOUBLE, OFF(focused_escalation), -10, 10,
     "0", NULL, 0, 0, 0,
     "a focused visit reading below c1 + this books a standard re-inspection; GUESS"},
    {"inspectorate.risk.interval", CS_KEY_DOUBLE, OFF(risk_interval), 1, 3650, "365", NULL, 0, 0,
     0, "risk policy: days between risk assessments (as Ofsted's annual assessment of good "
        "schools)"},
    {"inspectorate.risk.w_signals", CS_KEY_DOUBLE, OFF(risk_w_signals), 0, 100, "1", NULL, 0, 0, 0,
     "risk score per concern signal since the last inspection; GUESS"},
    {"inspectorate.risk.w_vacancy", CS_KEY_DOUBLE, OFF(risk_w_vacancy), 0, 100, "5", NULL, 0, 0, 0,
     "risk score per unit vacancy rate; GUESS"},
    {"inspectorate.risk.w_age", CS_KEY_DOUBLE, OFF(risk_w_age), 0, 100, "0.5", NULL, 0, 0, 0,
     "risk score per year since the last graded inspection; GUESS"},
    {"inspectorate.risk.threshold", CS_KEY_DOUBLE, OFF(risk_threshold), 0, 1000, "3", NULL, 0, 0,
     0, "risk score that brings the routine inspection forward; GUESS"},
    {"inspectorate.risk.min_gap", CS_KEY_DOUBLE, OFF(risk_min_gap), 0, 3650, "365", NULL, 0, 0, 0,
     "risk policy: no inspection brought forward within this many days of the last"},
    /* triggers */
    {"triggers.sharper", CS_KEY_BOOL, OFF(sharper), 0, 0, "true", NULL, 0, 0, 0,
     "sharper triggers (Dec 2015): a severe concern signal books an emergency inspection"},
    {"triggers.rate", CS_KEY_DOUBLE, OFF(sig_rate), 0, 1000, "0.5", NULL, 0, 0, 0,
     "genuine concern signals per authority-year at quality 0; GUESS"},
    {"triggers.slope", CS_KEY_DOUBLE, OFF(sig_slope), 0, 20, "1", NULL, 0, 0, 0,
     "the signal rate is rate * exp(-slope * quality); GUESS"},
    {"triggers.false_rate", CS_KEY_DOUBLE, OFF(sig_false_rate), 0, 1000, "0.5", NULL, 0, 0, 0,
     "false alarms per authority-year; GUESS"},
    {"triggers.severity_genuine", CS_KEY_DOUBLE, OFF(sig_sev_genuine), 1e-9, 1000, "1.2", NULL, 0,
     0, 0, "mean severity of a genuine signal (exponential); GUESS"},
    {"triggers.severity_false", CS_KEY_DOUBLE, OFF(sig_sev_false), 1e-9, 1000, "0.6", NULL, 0, 0,
     0, "mean severity of a false alarm (exponential); GUESS"},
    {"triggers.threshold", CS_KEY_DOUBLE, OFF(sig_threshold), 0, 1000, "3", NULL, 0, 0, 0,
     "severity above which a signal books an emergency inspection; GUESS"},
    {"triggers.min_gap", CS_KEY_DOUBLE, OFF(sig_min_gap), 0, 3650, "183", NULL, 0, 0, 0,
     "no emergency inspection within this many days of the last visit; GUESS"},
    /* regime */
    {"regime.announced", CS_KEY_DATE, OFF(announced), 0, 0, "2015-12-14", NULL, 0, 0, 0,
     "the regime's announcement: an LA under notice at the start is reviewed six months after "
     "the later of its judgement and this date (DfE, 14 Dec 2015)"},
    {"regime.review_days", CS_KEY_DOUBLE, OFF(review_days), 0, 3650, "183", NULL, 0, 0, 0,
     "days from an inadequate judgement to the review (six months, DfE Dec 2015); 0 = no review"},
    {"regime.improvement_margin", CS_KEY_DOUBLE, OFF(improvement_margin), -10, 10, "0", NULL, 0,
     0, 0, "sufficient improvement at review: latest monitoring reading above c1 + margin; GUESS"},
    {"regime.appoint_delay", CS_KEY_DIST, OFF(appoint_delay), 0, 3650,
     "{dist: gamma, mean: 60, sd: 20}", NULL, 0, 0, 0,
     "days from a failed review (or discretion) to a commissioner in post; GUESS"},
    {"regime.immediate_delay", CS_KEY_DIST, OFF(immediate_delay), 0, 3650, "0", NULL, 0, 0, 0,
     "days from publication to a commissioner for persistent or wholesale failure"},
    {"regime.persistence.enabled", CS_KEY_BOOL, OFF(persistence_on), 0, 0, "true", NULL, 0, 0, 0,
     "commissioner at once for persistent failure"},
    {"regime.persistence.count", CS_KEY_INT, OFF(persistence_count), 0, 100, "2", NULL, 0, 0, 0,
     "persistent: more than this many inadequate judgements (No.10: 'more than two')"},
    {"regime.persistence.years", CS_KEY_DOUBLE, OFF(persistence_years), 0, 100, "5", NULL, 0, 0,
     0, "... in this many years before the judgement, inclusive of it"},
    {"regime.wholesale", CS_KEY_BOOL, OFF(wholesale_on), 0, 0, "true", NULL, 0, 0, 0,
     "commissioner at once for wholesale failure (a reading below c0)"},
    {"regime.discretion_prob", CS_KEY_DOUBLE, OFF(discretion_prob), 0, 1, "0", NULL, 0, 0, 0,
     "probability a minister appoints a commissioner at an inadequate judgement (ad hoc)"},
    {"regime.report_time", CS_KEY_DIST, OFF(report_time), 0, 3650,
     "{dist: gamma, mean: 100, sd: 30}", NULL, 0, 0, 0,
     "days to the commissioner's report: about 3 months (Reading 2016; Kirklees 4.5)"},
    {"regime.decision", CS_KEY_ARRAY, OFF(decision), 0, 1e6, "[1, 1, 1]", NULL, 3, 3, 0,
     "weights of stay, partner, trust at the report (commissioner outcomes 2015-17: Norfolk, "
     "Reading stayed; Torbay, Kirklees partnered; Sunderland, Sandwell trusts)"},
    {"regime.lift_lag", CS_KEY_DIST, OFF(lift_lag), 0, 3650, "{dist: gamma, mean: 90, sd: 30}",
     NULL, 0, 0, 0, "days from an RI-or-better judgement to lifting an intervention; GUESS"},
    {"regime.enabled", CS_KEY_BOOL, OFF(regime_on), 0, 0, "true", NULL, 0, 0, 0,
     "false: no intervention at all (no notice, review, commissioner, trust or lift); "
     "judgements are still published and counted"},
    {"regime.trusts", CS_KEY_BOOL, OFF(trusts_on), 0, 0, "true", NULL, 0, 0, 0,
     "trusts available"},
    {"regime.trust_setup", CS_KEY_DIST, OFF(trust_setup), 0, 3650,
     "{dist: gamma, mean: 456, sd: 75}", NULL, 0, 0, 0,
     "days from decision to a live trust: 11, 15, 16, 15, 18 months (data/README)"},
    {"regime.trust_inspect_after", CS_KEY_DOUBLE, OFF(trust_inspect_after), 0, 3650, "365", NULL,
     0, 0, 0, "a new trust is inspected a year after it goes live (DfE Dec 2015)"},
    {"regime.trust_return_years", CS_KEY_DOUBLE, OFF(trust_return_years), 0, 100, "5", NULL, 0, 0,
     0, "a trust judged good may return to its council after this many years; GUESS"},
    {"regime.trust_return_prob", CS_KEY_DOUBLE, OFF(trust_return_prob), 0, 1, "0.5", NULL, 0, 0, 0,
     "probability such a trust returns; GUESS"},
    /* sponsors */
    {"sponsors.extra", CS_KEY_INT, OFF(sponsors_extra), 0, 1000, "4", NULL, 0, 0, 0,
     "sponsor bodies beyond the Partners in Practice (other strong LAs, charities); GUESS"},
    {"sponsors.k", CS_KEY_INT, OFF(sponsors_k), 0, 100, "1", NULL, 0, 0, 0,
     "authorities one sponsor can take on at once; GUESS"},
    {"sponsors.unlimited", CS_KEY_BOOL, OFF(sponsors_unlimited), 0, 0, "false", NULL, 0, 0, 0,
     "sponsors never run out"},
    /* workforce */
    {"workforce.enabled", CS_KEY_BOOL, OFF(workforce_on), 0, 0, "true", NULL, 0, 0, 0,
     "simulate the social-work workforce (else stability stays at its start value)"},
    {"workforce.turnover_inadequate", CS_KEY_DOUBLE, OFF(wf_turnover_inadequate), 0, 100, "0.3",
     NULL, 0, 0, 0,
     "relative rise of the turnover hazard while judged inadequate; GUESS (association: "
     "Community Care analyses)"},
    {"workforce.turnover_vacancy", CS_KEY_DOUBLE, OFF(wf_turnover_vacancy), 0, 100, "0.5", NULL, 0,
     0, 0, "relative rise of the turnover hazard per unit vacancy rate; GUESS"},
    {"workforce.supply.newly_qualified", CS_KEY_DOUBLE, OFF(wf_nq), 0, 1e6, "1200", NULL, 0, 0, 0,
     "newly qualified entrants per year (excl. fast track); GUESS set so the national vacancy "
     "rate stays near the 2015-2017 census level (16-17%)"},
    {"workforce.supply.frontline", CS_KEY_DOUBLE, OFF(wf_frontline), 0, 1e6, "300", NULL, 0, 0, 0,
     "Frontline recruits per year (300 in Sep 2016)"},
    {"workforce.supply.step_up", CS_KEY_DOUBLE, OFF(wf_stepup), 0, 1e6, "250", NULL, 0, 0, 0,
     "Step Up graduates per year; GUESS (82 in one region's 2016 intake)"},
    {"workforce.supply.movers", CS_KEY_DOUBLE, OFF(wf_movers), 0, 1, "0.5", NULL, 0, 0, 0,
     "share of leavers who move to another authority; GUESS"},
    {"workforce.graduate_expansion", CS_KEY_DOUBLE, OFF(wf_grad_extra), 0, 1e6, "400", NULL, 0, 0,
     0, "extra fast-track graduates per year (the GBP 100m: 2,000 over five years)"},
    {"workforce.graduate_from", CS_KEY_DATE, OFF(wf_grad_from), 0, 0, "2016-09-01", NULL, 0, 0, 0,
     "first cohort of the expansion"},
    {"workforce.graduate_to", CS_KEY_DATE, OFF(wf_grad_to), 0, 0, "2021-08-31", NULL, 0, 0, 0,
     "end of the five-year expansion"},
    {"workforce.pool_decay", CS_KEY_DOUBLE, OFF(wf_pool_decay), 0, 100, "2", NULL, 0, 0, 0,
     "rate per year at which unplaced supply leaves the pool; GUESS"},
    {"workforce.agency_cover", CS_KEY_DOUBLE, OFF(wf_agency_cover), 0, 1, "0.675", NULL, 0, 0, 0,
     "share of vacancies agency staff cover (census 2017: 67.5%)"},
    {"workforce.agency_adjust", CS_KEY_DOUBLE, OFF(wf_agency_adjust), 0, 100, "2", NULL, 0, 0, 0,
     "rate per year at which agency cover moves to its target; GUESS"},
    {"workforce.attractiveness", CS_KEY_ARRAY, OFF(wf_attract), 0, 100, "[1.3, 1.1, 1.0, 0.6]",
     NULL, 4, 4, 0,
     "weight of an LA's vacancies in sharing the supply, by grade; GUESS"},
    /* output */
    {"output.national", CS_KEY_BOOL, OFF(out_national), 0, 0, "true", NULL, 0, 0, 0,
     "record national series"},
    {"output.panel", CS_KEY_BOOL, OFF(out_panel), 0, 0, "true", NULL, 0, 0, 0,
     "record the per-authority panel"},
    {"output.events", CS_KEY_BOOL, OFF(out_events), 0, 0, "true", NULL, 0, 0, 0,
     "record every event"},
    {"output.snapshot_months", CS_KEY_INT, OFF(out_snapshot_months), 1, 120, "1", NULL, 0, 0, 0,
     "months between snapshots"},
    {"output.compression", CS_KEY_INT, OFF(out_compression), 0, 9, "1", NULL, 0, 0, 0,
     "0 = none, 1-9 = shuffle + deflate level (1: cssim's plane coder, the fastest, files "
     "about the size of libdeflate's level 1; 2-9: libdeflate or zlib at that level)"},
    {"output.only", CS_KEY_STRING, OFF(out_only), 0, 0, "", NULL, 0, 0, CS_KEY_RECORD_ONLY,
     "keep only these datasets of national/, summary/ and authority_stats/, separated by commas: "
     "national/NAME, summary/NAME, authority_stats/NAME, or a group name for all of it (empty = "
     "all; docs/output.md lists the names)"},
};
/* clang-format on */

const size_t cs_params_nkeys = sizeof cs_params_keys / sizeof cs_params_keys[0];

/* The most inspectors available at any time of the run: fte * capacity_scale * working_days /
 * 365.25, times the capacity path's multiplier in force (1 before its first step). */
static double peak_capacity(const cs_params *p, double end_day)
{
    double mult = 1.0, peak = 0.0;
    for (size_t k = 0; k < p->capacity_path.n; k++) /* the multiplier in force at the start */
        if (p->capacity_path.from[k] <= p->start) mult = p->capacity_path.value[k];
    peak = mult;
    for (size_t k = 0; k < p->capacity_path.n; k++)
        if (p->capacity_path.from[k] > p->start && p->capacity_path.from[k] <= end_day &&
            p->capacity_path.value[k] > peak)
            peak = p->capacity_path.value[k];
    return p->fte * p->fte_scale * p->working_days / 365.25 * peak;
}

/* A visit whose team exceeds every capacity the run will have never starts, and as the head of
 * the one queue it blocks every visit behind it: the run would stall silently. Checked for the
 * kinds of visit the run can make (SIF while the SIF is in force, ILACS ones once it is,
 * monitoring once it has begun), with uncertain keys at their means. */
static int check_capacity(const cs_params *p, const char *file, cs_error *err)
{
    static const char *const names[CS_NKINDS] = {"sif", "ilacs_standard", "ilacs_short", "focused",
                                                 "monitoring"};
    if (p->unlimited) return CS_OK;
    double end =
        (double)p->start + (p->horizon_days > 0 ? p->horizon_days : p->horizon_years * 365.25);
    bool sif = p->first_framework == CS_FW_SIF && p->ilacs_from > p->start;
    bool ilacs = p->first_framework == CS_FW_ILACS || p->ilacs_from <= end;
    bool used[CS_NKINDS] = {sif, ilacs, ilacs, ilacs, p->monitoring_from <= end};
    double cap = peak_capacity(p, end);
    for (int k = 0; k < CS_NKINDS; k++)
        if (used[k] && p->kind[k].team > cap)
            return cs_error_set(
                err, CS_EINVAL, file, 0, 0, "inspectorate.fte",
                "capacity of at most %.3g inspectors (fte * capacity_scale * working_days / "
                "365.25, times the capacity path) is below the team of %g on a %s visit, which "
                "could never start and would stall the queue; raise inspectorate.fte or lower "
                "inspectorate.%s.team",
                cap, p->kind[k].team, names[k], names[k]);
    return CS_OK;
}

int cs_params_check(const cs_params *p, const char *file, cs_error *err)
{
    const double *c = p->judge[CS_FW_SIF].c;
    if (!(c[0] < c[1] && c[1] < c[2] && c[2] < c[3]))
        return cs_error_set(err, CS_EINVAL, file, 0, 0, "judgement.sif.c0",
                            "thresholds must increase: c0 < c1 < c2 < c3, got %g, %g, %g, %g", c[0],
                            c[1], c[2], c[3]);
    for (int k = 0; k < 2; k++) {
        const double *d = p->ilacs_d[k];
        if (!(c[1] + d[1] < c[2] + d[2] && c[2] + d[2] < c[3] + d[3]))
            return cs_error_set(err, CS_EINVAL, file, 0, 0,
                                k ? "judgement.ilacs.short.shift_c1"
                                  : "judgement.ilacs.standard.shift_c1",
                                "ILACS thresholds (SIF thresholds + shifts) must increase, got "
                                "%g, %g, %g",
                                c[1] + d[1], c[2] + d[2], c[3] + d[3]);
    }
    size_t n = p->markov.n;
    if (n != 16 && n != 16 * CS_NGOV)
        return cs_error_set(
            err, CS_EINVAL, file, 0, 0, "judgement.markov.matrix",
            "expected 16 values (4x4) or %d (one 4x4 per governance state), got %zu", 16 * CS_NGOV,
            n);
    for (size_t r = 0; r < n / 4; r++) {
        double s = 0;
        for (int j = 0; j < 4; j++)
            s += p->markov.v[4 * r + j];
        if (fabs(s - 1.0) > 1e-9)
            return cs_error_set(err, CS_EINVAL, file, 0, 0, "judgement.markov.matrix",
                                "row %zu sums to %g, not 1", r + 1, s);
    }
    if (p->grade_counts.n != 0 && p->grade_counts.n != CS_NGRADES)
        return cs_error_set(err, CS_EINVAL, file, 0, 0, "authorities.grade_counts",
                            "expected 4 counts (outstanding, good, ri, inadequate), got %zu",
                            p->grade_counts.n);
    for (size_t g = 0; g < p->grade_counts.n; g++)
        if (p->grade_counts.v[g] != floor(p->grade_counts.v[g]))
            return cs_error_set(err, CS_EINVAL, file, 0, 0, "authorities.grade_counts",
                                "count %zu is %g, not a whole number", g + 1, p->grade_counts.v[g]);
    double w = 0;
    for (int j = 0; j < 3; j++)
        w += p->decision.v[j];
    if (!(w > 0))
        return cs_error_set(err, CS_EINVAL, file, 0, 0, "regime.decision",
                            "the weights of stay, partner and trust must not all be 0");
    char bad[128];
    cs_schema_sel sel;
    int rc = cs_schema_select(&sel, cs_model_schema(), p->out_only, bad, sizeof bad);
    cs_schema_sel_free(&sel);
    if (rc == CS_EINVAL)
        return cs_error_set(err, CS_EINVAL, file, 0, 0, "output.only",
                            "no dataset '%s': expected national/NAME, summary/NAME or "
                            "authority_stats/NAME (docs/output.md), or one of those groups",
                            bad);
    if (rc) return cs_error_set(err, rc, file, 0, 0, "output.only", "out of memory");
    if (p->wf_grad_to < p->wf_grad_from)
        return cs_error_set(err, CS_EINVAL, file, 0, 0, "workforce.graduate_to",
                            "must not be before workforce.graduate_from");
    return check_capacity(p, file, err);
}
