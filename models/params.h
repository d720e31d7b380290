/* The children's services model's parameters: every number the model uses comes from here,
 * and every field is set through the key table in params.c (defaults, scenario files,
 * --set). Units: times and durations in days, rates per year, unless the key says otherwise.
 * Read-only once filled; shared by every thread. */
#ifndef CSSIM_MODELS_PARAMS_H
#define CSSIM_MODELS_PARAMS_H

#include "cssim/config.h"
#include "cssim/dist.h"
#include "enums.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum cs_grade_model { CS_GM_PROBIT = 0, CS_GM_MARKOV = 1 } cs_grade_model;
typedef enum cs_policy { CS_POL_CYCLE = 0, CS_POL_CADENCE = 1, CS_POL_RISK = 2 } cs_policy;
typedef enum cs_framework { CS_FW_SIF = 0, CS_FW_ILACS = 1, CS_NFW } cs_framework;

/* Inspection kinds: what a visit is (team, duration, whether it grades). */
typedef enum cs_kind {
    CS_KIND_SIF = 0,        /* SIF full inspection (graded) */
    CS_KIND_ILACS_STANDARD, /* ILACS standard inspection (graded) */
    CS_KIND_ILACS_SHORT,    /* ILACS short inspection (graded) */
    CS_KIND_FOCUSED,        /* ILACS focused visit (observes, no grade) */
    CS_KIND_MONITORING,     /* monitoring visit of an inadequate LA (observes, no grade) */
    CS_NKINDS
} cs_kind;

/* Why a visit was requested: sets its priority class. */
typedef enum cs_reason {
    CS_REASON_ROUTINE = 0,
    CS_REASON_REINSPECTION,
    CS_REASON_EMERGENCY,
    CS_REASON_TRUST,
    CS_REASON_MONITORING,
    CS_REASON_FOCUSED,
    CS_NREASONS
} cs_reason;

typedef struct cs_kind_params {
    double team;      /* inspectors seized */
    cs_dist duration; /* calendar days the team is held (on-site + off-site) */
} cs_kind_params;

typedef struct cs_judgement_params {
    double c[4];  /* SIF: c0 (wholesale failure) < c1 (inadequate) < c2 (RI) < c3 (good);
                   * ILACS: unused (its thresholds are the SIF's plus shifts) */
    double shift; /* added to every threshold: the framework's severity */
    double tau;   /* sd of the inspectors' reading of quality */
} cs_judgement_params;

typedef struct cs_params {
    /* meta */
    char *name, *description;
    /* time */
    int32_t start; /* days since 1970-01-01 */
    double horizon_years;
    double horizon_days; /* > 0: the horizon in days, overriding horizon_years */
    /* run */
    int64_t replications, seed, max_pending;
    /* authorities */
    char *table;
    int64_t limit;         /* use the first n rows (0 = all) */
    char *only;            /* comma-separated ONS codes to keep ("" = all) */
    char *events;          /* known events CSV ("" = none) */
    cs_array grade_counts; /* 4 counts: a fresh record at the start (empty = the table's) */
    /* quality (latent practice quality, an Ornstein-Uhlenbeck process) */
    double theta, qsd, base, drift, beta_workforce, stability_ref, sample_days;
    double persist; /* share of quality's variance that is a persistent authority effect */
    double gov_effect[CS_NGOV];
    double lead_rate;
    cs_dist lead_jump;
    /* judgement */
    int grade_model; /* cs_grade_model */
    cs_judgement_params judge[CS_NFW];
    /* ILACS threshold k (1..3) of a standard [0] or short [1] inspection = SIF threshold k +
     * judge[CS_FW_ILACS].shift + ilacs_d[.][k] (c0 moves with c1), so that each replication's
     * ILACS thresholds follow its draw of the SIF's */
    double ilacs_d[2][4];
    double older_shift; /* frameworks before the SIF: SIF thresholds + this (initial quality) */
    cs_dist report_delay;
    double monitor_tau;
    cs_array markov; /* 16 (one matrix) or 16*CS_NGOV (per governance), rows by grade */
    /* inspectorate */
    double fte, fte_scale, working_days;
    bool unlimited;
    cs_steps capacity_path; /* multiplier of fte from each date */
    int policy;             /* cs_policy */
    int32_t ilacs_from;     /* switch date (days since epoch) */
    int first_framework;    /* cs_framework */
    cs_kind_params kind[CS_NKINDS];
    int64_t priority[CS_NREASONS];
    double overdue_after; /* days past the target date before a visit counts as overdue */
    cs_dist sif_cycle, sif_reinspect;
    int32_t sif_first_from, sif_first_deadline;
    int32_t sif_reinspect_until; /* SIF re-inspections of SIF-inadequate LAs starting before */
    cs_dist ilacs_interval[CS_NGRADES]; /* by grade; inadequate: re-inspection when ready */
    cs_dist ilacs_focused_after;
    double ilacs_transition_spread;
    double ilacs_interval_scale; /* multiplies the routine intervals (not inadequate) */
    double focused_escalation;   /* a focused visit reading below c1 + this books a re-inspection */
    int32_t monitoring_from;
    cs_dist monitoring_interval;
    double risk_interval, risk_w_signals, risk_w_vacancy, risk_w_age, risk_threshold, risk_min_gap;
    /* triggers */
    bool sharper;
    double sig_rate, sig_slope, sig_false_rate, sig_sev_genuine, sig_sev_false, sig_threshold,
        sig_min_gap;
    /* regime */
    int32_t announced; /* the regime's announcement (days since epoch) */
    double review_days, improvement_margin;
    cs_dist appoint_delay, immediate_delay;
    bool persistence_on, wholesale_on;
    int64_t persistence_count;
    double persistence_years, discretion_prob;
    cs_dist report_time;
    cs_array decision; /* weights of stay, partner, trust */
    cs_dist lift_lag;
    bool trusts_on;
    bool regime_on; /* false: no rule acts on a judgement (governance stays as it is) */
    cs_dist trust_setup;
    double trust_inspect_after, trust_return_years, trust_return_prob;
    /* sponsors */
    int64_t sponsors_extra, sponsors_k;
    bool sponsors_unlimited;
    /* workforce */
    bool workforce_on;
    double wf_turnover_inadequate, wf_turnover_vacancy, wf_nq, wf_frontline, wf_stepup, wf_movers,
        wf_grad_extra, wf_pool_decay, wf_agency_cover, wf_agency_adjust;
    int32_t wf_grad_from, wf_grad_to;
    cs_array wf_attract; /* [CS_NGRADES] */
    /* output */
    bool out_national, out_panel, out_events;
    int64_t out_snapshot_months, out_compression;
    char *out_only; /* output.only: the datasets kept (cs_schema_select); empty = all */
} cs_params;

extern const cs_key cs_params_keys[];
extern const size_t cs_params_nkeys;

/* Cross-key rules (thresholds increasing, matrix rows stochastic, ...). */
int cs_params_check(const cs_params *p, const char *file, cs_error *err);

#endif
