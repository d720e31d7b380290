/* Private: the replication context of the children's services model, shared by model.c
 * (state, quality, ticks, snapshots), inspect.c (the inspectorate) and regime.c (the
 * intervention regime). Per-authority hot fields are arrays (structure of arrays). */
#ifndef CSSIM_MODELS_MODEL_IMPL_H
#define CSSIM_MODELS_MODEL_IMPL_H

#include "cssim/engine.h"
#include "cssim/streams.h"
#include "model.h"
#include "schema.h"

#include <math.h>

/* Internal event types (dispatch only; what is recorded is cs_evtype). */
enum cs_ev {
    EV_TICK = 0,      /* national: sample quality, move the workforce, draw signals */
    EV_SNAPSHOT,      /* national: record the panel and national series */
    EV_REQUEST,       /* la: a visit joins the queue; aux = slot token, value unused */
    EV_VISIT_END,     /* la: a team finishes; aux = kind | reason << 8 */
    EV_PUBLISH,       /* la: a judgement is published; aux = grade | wholesale << 8 */
    EV_SIGNAL,        /* la: a concern signal; value = severity, aux = genuine */
    EV_LEADERSHIP,    /* la: leadership change */
    EV_REVIEW,        /* la: six-month review */
    EV_APPOINT,       /* la: commissioner takes post */
    EV_REPORT,        /* la: commissioner's report */
    EV_TRUST_LIVE,    /* la: trust goes live */
    EV_LIFT,          /* la: intervention lifted (back to council) */
    EV_SWITCH,        /* national: framework switch */
    EV_CAPACITY,      /* national: capacity path step; aux = step index */
    EV_MONITOR_START, /* national: monitoring visits begin */
    EV_RISK,          /* national: risk assessment */
    EV_KNOWN,         /* la: a known event of the record; aux = cs_known_kind */
};

/* Priority classes of internal events at equal times (engine order: lower first). */
enum {
    PRIO_STATE = 10, /* publications, governance changes */
    PRIO_VISIT = 20, /* visit ends and requests */
    PRIO_TICK = 200,
    PRIO_SNAPSHOT = 250,
};

/* A visit slot: each LA has a graded slot (routine, re-inspection, emergency, trust) and a
 * visit slot (monitoring, focused). */
enum { SLOT_NONE = 0, SLOT_SCHEDULED, SLOT_QUEUED, SLOT_RUNNING };
typedef struct cs_slot {
    uint8_t state, reason;
    uint32_t token; /* bumps on supersede: stale queue entries are skipped */
    cs_evhandle ev; /* the pending EV_REQUEST while SCHEDULED */
    double target;
} cs_slot;

typedef struct cs_qentry {
    double target;
    uint64_t seq;
    uint32_t prio, token;
    int32_t la;
    uint8_t slot, reason;
} cs_qentry;

struct cs_model {
    const cs_world *w;
    const cs_params *p;
    cs_engine *eng;
    cs_streams *st;
    cs_repbuf *buf;
    size_t n;
    int fw; /* current framework */
    /* per-authority state */
    double *q, *q_t, *m; /* quality, its sample time, its current mean */
    double *u;           /* persistent authority effect on the mean */
    uint8_t *grade, *gov, *latent;
    uint8_t *sif_j;        /* latest judgement made under the SIF */
    uint8_t *jfw;          /* cs_judged_fw of the latest judgement */
    uint8_t *sif_ever;     /* a SIF judgement was published (before the start or since) */
    uint8_t *trust_due;    /* a live trust awaits its 12-month inspection */
    double *grade_t;       /* publication time of the published grade */
    double *last_graded;   /* end of the last graded inspection */
    double *last_visit;    /* end of the last visit of any kind */
    double *mon_y, *mon_t; /* latest monitoring reading and its time */
    double *notice_t;      /* time the current notice began */
    double *cross_t;       /* start of an undetected latent-inadequate episode (NAN if none) */
    double *live_t;        /* trust live time */
    int32_t *signals;      /* signals since the last graded inspection */
    double *sig_left;      /* Exp(1) hazard budget left until the next concern signal */
    int32_t *n_inad;
    double *inad_t;   /* [n][CS_MAX_PRIOR_INADEQUATE]: recent inadequate publications */
    uint8_t *sponsor; /* holds a sponsor slot */
    cs_slot *graded, *visit;
    cs_evhandle *h_review, *h_appoint, *h_lift, *h_report, *h_live;
    /* workforce */
    double *posts, *perm, *agency, *h0, *h_ref, *stab; /* h_ref: response at the start */
    double pool;
    /* per-authority statistics of the replication */
    double *und_years, *lat_sum, *inad_years;
    int32_t *lat_n, *n_insp;
    /* the queue */
    cs_qentry *queue;
    size_t q_len, q_cap, q_live;
    uint64_t q_seq;
    double cap, used; /* effective inspectors available and in use */
    double busy_int, cap_int, acct_t;
    /* counters */
    int32_t grade_n[CS_NGRADES], gov_n[CS_NGOV], sif_n[CS_NGRADES];
    int32_t sif_judged;                       /* authorities with a SIF judgement */
    int32_t judged_n[3][CS_NGRADES];          /* since the start, by kind (SIF, ILACS std, short) */
    int32_t trans_n[CS_NGRADES * CS_NGRADES]; /* consecutive SIF/ILACS judgements, from*4+to */
    int64_t reinspected, improved;
    int64_t commissioners, trusts_created, sponsors_used, inspections, monitoring, emergencies,
        n_signals, detections, latent_n, starts;
    double und_total, lat_total, wait_total, overdue_days, grad_placed;
    double leavers_acc, perm_int, wf_acct_t;
    double prev_busy, prev_cap;
    size_t snap;            /* next snapshot index */
    double tick_e, tick_sd; /* OU factors for one tick (dt = sample_days) */
    uint64_t events;
    int checks; /* check invariants after every event (tests) */
};

/* model.c */
void cs_q_sample(cs_model *m, int i, double t);
void cs_set_mean(cs_model *m, int i);
double cs_cut(const cs_model *m, int k);                /* threshold k of the current framework */
double cs_cut_kind(const cs_model *m, int kind, int k); /* ... of a graded inspection kind */
void cs_log(cs_model *m, int la, int type, int before, int after, double value);
gsl_rng *cs_rng(cs_model *m, int la, int proc);

/* inspect.c */
void cs_insp_init(cs_model *m);
void cs_insp_request(cs_model *m, int la, int slot, int reason, double target);
void cs_insp_supersede(cs_model *m, int la, int slot);
int cs_insp_on_request(cs_model *m, const cs_event *ev);
int cs_insp_on_end(cs_model *m, const cs_event *ev);
void cs_insp_schedule_next(cs_model *m, int la);
void cs_insp_try_start(cs_model *m);
void cs_insp_account(cs_model *m);
void cs_insp_switch(cs_model *m);
void cs_insp_capacity(cs_model *m, double cap);
void cs_insp_monitor_start(cs_model *m);
void cs_insp_risk(cs_model *m);
void cs_insp_emergency(cs_model *m, int la);
int32_t cs_insp_overdue(const cs_model *m);
double cs_capacity_at(const cs_model *m, double t);

/* regime.c */
void cs_regime_init(cs_model *m);
void cs_regime_known(cs_model *m, int la, int kind);
void cs_regime_publish(cs_model *m, int la, int grade, int wholesale, int kind);
int cs_regime_handle(cs_model *m, const cs_event *ev);
void cs_set_gov(cs_model *m, int la, int gov);

/* workforce in model.c */
static inline double cs_days_to_years(double d)
{
    return d / 365.25;
}

#endif
