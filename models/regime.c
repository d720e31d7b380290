/* The intervention regime (DfE, Dec 2015) as a state machine per authority:
 *   council -> notice (inadequate published; review after review_days)
 *   notice -> commissioner (review finds no sufficient improvement, after an appointment
 *             delay; or at once for persistent failure or wholesale failure)
 *   commissioner -> report: stay (commissioner stays until lifted), partner (needs a free
 *             sponsor slot), or trust_setup -> trust after the set-up time
 *   RI or better published: notice / commissioner / partner lifted after a lag; a trust
 *             judged good or better after trust_return_years may return to its council.
 * Every transition happens at an exact time and is logged. Pending reviews, appointments
 * and lifts are cancelled by handle when a later judgement makes them moot. */
#include "regime.h"

#include "inspect.h"
#include "quality.h"
#include "yardsticks.h"

#include "cssim/rng.h"

#include <gsl/gsl_randist.h>
#include <string.h>

struct cs_regime {
    /* per authority */
    uint8_t *sponsor; /* holds a sponsor slot */
    uint8_t *sif_j;   /* latest judgement made under the SIF */
    cs_evhandle *h_review, *h_appoint, *h_lift, *h_report, *h_live;
    double *notice_t; /* time the current notice began */
    double *live_t;   /* trust live time */
    int32_t *n_inad;
    double *inad_t; /* [n][CS_MAX_PRIOR_INADEQUATE]: recent inadequate publications */
    /* counts of the run */
    int32_t sif_n[CS_NGRADES];                /* by grade, of authorities with sif_j */
    int32_t sif_judged;                       /* authorities with a SIF judgement */
    int32_t judged_n[3][CS_NGRADES];          /* since the start, by kind (SIF, ILACS std, short) */
    int32_t trans_n[CS_NGRADES * CS_NGRADES]; /* consecutive SIF/ILACS judgements, from*4+to */
    int64_t reinspected, improved, inspections;
    int64_t commissioners, trusts_created, sponsors_used;
};

static double now_of(const cs_model *m)
{
    return cs_engine_now(m->eng);
}

static double draw(cs_model *m, int la, const cs_dist *d)
{
    double x = cs_dist_sample(d, cs_model_rng(m, la, CS_PROC_REGIME));
    return x > 0 ? x : 0;
}

static void set_gov(cs_model *m, int la, int gov)
{
    int old = m->gov[la];
    if (old == gov) return;
    cs_quality_sample(m, la, now_of(m)); /* the mean changes: sample quality up to now first */
    m->gov_n[old]--;
    m->gov_n[gov]++;
    m->gov[la] = (uint8_t)gov;
    cs_quality_set_mean(m, la);
    if (gov == CS_GOV_NOTICE) m->reg->notice_t[la] = now_of(m);
    cs_model_log(m, la, CS_EV_GOVERNANCE_CHANGE, old, gov, 0);
}

static void release_sponsor(cs_model *m, int la)
{
    struct cs_regime *reg = m->reg;
    if (!reg->sponsor[la]) return;
    reg->sponsor[la] = 0;
    reg->sponsors_used--;
    cs_model_log(m, la, CS_EV_SPONSOR_RELEASED, -1, -1, (double)reg->sponsors_used);
}

static int take_sponsor(cs_model *m, int la)
{
    struct cs_regime *reg = m->reg;
    if (reg->sponsors_used >= m->w->sponsor_slots) return 0;
    reg->sponsor[la] = 1;
    reg->sponsors_used++;
    cs_model_log(m, la, CS_EV_SPONSOR_TAKEN, -1, -1, (double)reg->sponsors_used);
    return 1;
}

static void appoint(cs_model *m, int la, double delay)
{
    struct cs_regime *reg = m->reg;
    if (reg->h_appoint[la] && cs_evlist_pending(cs_engine_list(m->eng), reg->h_appoint[la])) return;
    reg->h_appoint[la] =
        cs_engine_schedule(m->eng, now_of(m) + delay, PRIO_STATE, EV_APPOINT, la, 0, 0);
}

/* Inadequate judgements published in the `years` calendar years up to now, this one
 * included: a judgement exactly five years old counts, one five years and a day old not. */
static int recent_inadequate(const cs_model *m, int la)
{
    const struct cs_regime *reg = m->reg;
    const cs_params *p = m->p;
    int32_t today = p->start + (int32_t)floor(now_of(m) + 1e-9);
    int32_t cutoff = cs_date_add_months(today, -(int)lround(p->persistence_years * 12.0));
    double cut_t = (double)(cutoff - p->start) - 1e-9;
    int n = reg->n_inad[la] < CS_MAX_PRIOR_INADEQUATE ? reg->n_inad[la] : CS_MAX_PRIOR_INADEQUATE;
    int k = 0;
    for (int j = 0; j < n; j++)
        if (reg->inad_t[(size_t)la * CS_MAX_PRIOR_INADEQUATE + (size_t)j] >= cut_t) k++;
    return k;
}

static void remember_inadequate(cs_model *m, int la, double t)
{
    struct cs_regime *reg = m->reg;
    double *h = &reg->inad_t[(size_t)la * CS_MAX_PRIOR_INADEQUATE];
    int n = reg->n_inad[la];
    if (n == CS_MAX_PRIOR_INADEQUATE) { /* drop the oldest */
        for (int j = 1; j < n; j++)
            h[j - 1] = h[j];
        n--;
    }
    h[n] = t;
    reg->n_inad[la] = n + 1;
}

/* The counts of judgements a publication moves (SIF grades, by kind, transitions, recovery of
 * inadequate authorities) and the record's framework of the latest judgement. */
static void count_judgement(cs_model *m, int la, int old, int grade, int kind)
{
    struct cs_regime *r = m->reg;
    m->grade_n[old]--;
    m->grade_n[grade]++;
    if (r->sif_j[la]) r->sif_n[old]--;
    r->sif_j[la] = (uint8_t)(kind == CS_KIND_SIF);
    if (r->sif_j[la]) r->sif_n[grade]++;
    if (r->sif_j[la] && !m->sif_ever[la]) r->sif_judged++;
    m->sif_ever[la] |= r->sif_j[la];
    /* the record's transition table pairs consecutive SIF/ILACS judgements only */
    if (m->jfw[la] != CS_JFW_OLDER) r->trans_n[old * CS_NGRADES + grade]++;
    m->jfw[la] = (uint8_t)(kind == CS_KIND_SIF ? CS_JFW_SIF : CS_JFW_ILACS);
    if (kind >= CS_KIND_SIF && kind <= CS_KIND_ILACS_SHORT) r->judged_n[kind][grade]++;
    if (old == CS_GRADE_INADEQUATE) {
        r->reinspected++;
        r->improved += grade != CS_GRADE_INADEQUATE;
    }
}

/* Schedules the lift of an arrangement after the lag, unless one is pending. */
static void lift_later(cs_model *m, int la, double now)
{
    struct cs_regime *reg = m->reg;
    if (!cs_evlist_pending(cs_engine_list(m->eng), reg->h_lift[la]))
        reg->h_lift[la] = cs_engine_schedule(m->eng, now + draw(m, la, &m->p->lift_lag), PRIO_STATE,
                                             EV_LIFT, la, 0, 0);
}

/* An inadequate judgement under council or notice: notice, then a commissioner at once for
 * persistent or wholesale failure, else (at ministerial discretion, or) the six-month review. */
static void on_inadequate(cs_model *m, int la, int wholesale, double now)
{
    const cs_params *p = m->p;
    struct cs_regime *r = m->reg;
    int gov = m->gov[la];
    int persistent = p->persistence_on && recent_inadequate(m, la) > (int)p->persistence_count;
    int whole = p->wholesale_on && wholesale;
    if (gov == CS_GOV_COUNCIL) set_gov(m, la, CS_GOV_NOTICE);
    if (persistent || whole) {
        appoint(m, la, draw(m, la, &p->immediate_delay));
        return;
    }
    if (p->discretion_prob > 0 &&
        cs_rng_uniform(cs_model_rng(m, la, CS_PROC_REGIME)) < p->discretion_prob)
        appoint(m, la, draw(m, la, &p->appoint_delay));
    if (p->review_days > 0) {
        cs_engine_cancel(m->eng, r->h_review[la]);
        r->h_review[la] =
            cs_engine_schedule(m->eng, now + p->review_days, PRIO_STATE, EV_REVIEW, la, 0, 0);
    }
}

/* The rules a published grade sets off. */
static void apply_rules(cs_model *m, int la, int grade, int wholesale, double now)
{
    const cs_params *p = m->p;
    struct cs_regime *r = m->reg;
    int gov = m->gov[la];
    if (grade == CS_GRADE_INADEQUATE) {
        remember_inadequate(m, la, now);
        cs_engine_cancel(m->eng, r->h_lift[la]);
        r->h_lift[la] = 0;
        if (gov == CS_GOV_COUNCIL || gov == CS_GOV_NOTICE) on_inadequate(m, la, wholesale, now);
    } else if (grade <= CS_GRADE_RI) {
        if (gov == CS_GOV_NOTICE || gov == CS_GOV_COMMISSIONER || gov == CS_GOV_PARTNER) {
            cs_engine_cancel(m->eng, r->h_review[la]);
            r->h_review[la] = 0;
            cs_engine_cancel(m->eng, r->h_appoint[la]);
            r->h_appoint[la] = 0;
            lift_later(m, la, now);
        } else if (gov == CS_GOV_TRUST && grade <= CS_GRADE_GOOD && !isnan(r->live_t[la]) &&
                   cs_days_to_years(now - r->live_t[la]) >= p->trust_return_years &&
                   cs_rng_uniform(cs_model_rng(m, la, CS_PROC_REGIME)) < p->trust_return_prob) {
            lift_later(m, la, now);
        }
    }
}

/* A judgement is published: the grade changes and every rule acts now. */
void cs_regime_publish(cs_model *m, int la, int64_t aux, double y)
{
    int grade = (int)(aux & 0xff), wholesale = (int)((aux >> 8) & 0xff);
    int kind = (int)(aux >> 16);
    (void)y;
    double now = now_of(m);
    int old = m->grade[la];
    cs_quality_sample(m, la, now); /* close the yardstick interval under the old grade */
    cs_yardsticks_before_publish(m, la, now);
    count_judgement(m, la, old, grade, kind);
    m->grade[la] = (uint8_t)grade;
    m->grade_t[la] = now;
    m->reg->inspections++;
    cs_model_log(m, la, CS_EV_JUDGEMENT_PUBLISHED, old, grade, wholesale);
    cs_yardsticks_published(m, la, grade, now);
    cs_quality_set_mean(m, la);
    if (m->p->regime_on) apply_rules(m, la, grade, wholesale, now);
    cs_inspect_schedule_next(m, la);
}

static int on_publish(cs_model *m, const cs_event *ev)
{
    cs_regime_publish(m, ev->la, ev->aux, ev->value);
    return CS_OK;
}

/* The commissioner's report: stay, partner or trust, by the decision weights; a partner
 * needs a free sponsor (else a trust, if trusts exist), a trust needs trusts to exist (else
 * a partner if a sponsor is free); otherwise the commissioner stays. */
static int on_report(cs_model *m, const cs_event *ev)
{
    struct cs_regime *reg = m->reg;
    const cs_params *p = m->p;
    int la = ev->la;
    reg->h_report[la] = 0;
    if (m->gov[la] != CS_GOV_COMMISSIONER) return CS_OK;
    const double *wt = p->decision.v;
    double u = cs_rng_uniform(cs_model_rng(m, la, CS_PROC_REGIME)) * (wt[0] + wt[1] + wt[2]);
    int choice = u < wt[0] ? 0 : (u < wt[0] + wt[1] ? 1 : 2);
    if (choice == 1 && reg->sponsors_used >= m->w->sponsor_slots) choice = p->trusts_on ? 2 : 0;
    if (choice == 2 && !p->trusts_on) choice = reg->sponsors_used < m->w->sponsor_slots ? 1 : 0;
    cs_model_log(m, la, CS_EV_COMMISSIONER_REPORT, -1, choice, 0);
    if (choice == 1 && take_sponsor(m, la)) {
        set_gov(m, la, CS_GOV_PARTNER);
    } else if (choice == 2) {
        set_gov(m, la, CS_GOV_TRUST_SETUP);
        reg->h_live[la] = cs_engine_schedule(m->eng, now_of(m) + draw(m, la, &p->trust_setup),
                                             PRIO_STATE, EV_TRUST_LIVE, la, 0, 0);
    }
    return CS_OK;
}

/* The six-month review of an authority under notice. Evidence: the latest monitoring reading
 * since the notice, else the review's own. */
static int on_review(cs_model *m, const cs_event *ev)
{
    struct cs_regime *reg = m->reg;
    const cs_params *p = m->p;
    int la = ev->la;
    reg->h_review[la] = 0;
    if (m->gov[la] != CS_GOV_NOTICE) return CS_OK;
    double y, mon_t;
    cs_inspect_monitoring(m, la, &y, &mon_t);
    if (isnan(y) || isnan(mon_t) || mon_t < reg->notice_t[la]) {
        cs_quality_sample(m, la, now_of(m));
        gsl_rng *r = cs_model_rng(m, la, CS_PROC_REGIME);
        y = p->grade_model == CS_GM_PROBIT
                ? cs_quality_value(m, la) + cs_rng_gaussian(r, p->monitor_tau)
                : (cs_rng_uniform(r) < 0.5 ? 1e9 : -1e9);
    }
    int ok = y > cs_quality_cut(m, 1) + p->improvement_margin;
    cs_model_log(m, la, CS_EV_REVIEW, -1, ok, y);
    if (!ok) appoint(m, la, draw(m, la, &p->appoint_delay));
    return CS_OK;
}

static int on_appoint(cs_model *m, const cs_event *ev)
{
    struct cs_regime *r = m->reg;
    int la = ev->la;
    r->h_appoint[la] = 0;
    if (m->gov[la] != CS_GOV_COUNCIL && m->gov[la] != CS_GOV_NOTICE) return CS_OK;
    r->commissioners++;
    cs_engine_cancel(m->eng, r->h_review[la]);
    r->h_review[la] = 0;
    set_gov(m, la, CS_GOV_COMMISSIONER);
    cs_model_log(m, la, CS_EV_COMMISSIONER_APPOINTED, -1, -1, (double)r->commissioners);
    r->h_report[la] = cs_engine_schedule(m->eng, now_of(m) + draw(m, la, &m->p->report_time),
                                         PRIO_STATE, EV_REPORT, la, 0, 0);
    return CS_OK;
}

static int on_trust_live(cs_model *m, const cs_event *ev)
{
    struct cs_regime *r = m->reg;
    int la = ev->la;
    double now = now_of(m);
    r->h_live[la] = 0;
    if (m->gov[la] != CS_GOV_TRUST_SETUP) return CS_OK;
    r->trusts_created++;
    r->live_t[la] = now;
    set_gov(m, la, CS_GOV_TRUST);
    /* booked now, or (if a team is at work) when that inspection is published */
    cs_inspect_book_trust(m, la, now);
    return CS_OK;
}

static int on_lift(cs_model *m, const cs_event *ev)
{
    struct cs_regime *r = m->reg;
    int la = ev->la;
    r->h_lift[la] = 0;
    if (m->grade[la] == CS_GRADE_INADEQUATE) return CS_OK;
    if (m->gov[la] == CS_GOV_PARTNER) release_sponsor(m, la);
    cs_engine_cancel(m->eng, r->h_report[la]);
    r->h_report[la] = 0;
    set_gov(m, la, CS_GOV_COUNCIL);
    return CS_OK;
}

/* A trust's go-live known from the record, after the start (a time > 0), else -1. */
static double known_live(const cs_model *m, int la)
{
    const cs_world *w = m->w;
    for (size_t k = 0; k < w->n_due; k++)
        if (w->due[k].la == la && w->due[k].kind == CS_KNOWN_TRUST) return w->due[k].t;
    return -1;
}

static int known_governance_due(const cs_model *m, int la)
{
    const cs_world *w = m->w;
    for (size_t k = 0; k < w->n_due; k++)
        if (w->due[k].la == la && w->due[k].kind != CS_KNOWN_PIP) return 1;
    return 0;
}

static void schedule_live(cs_model *m, int la)
{
    struct cs_regime *reg = m->reg;
    double t = known_live(m, la);
    if (t < now_of(m)) t = now_of(m) + draw(m, la, &m->p->trust_setup);
    cs_engine_cancel(m->eng, reg->h_live[la]);
    reg->h_live[la] = cs_engine_schedule(m->eng, t, PRIO_STATE, EV_TRUST_LIVE, la, 0, 0);
}

/* A known event of the record, on its date (decided by the start, effective after it). The
 * model's own rules may have moved the authority elsewhere by then; the event applies where
 * it still makes sense (a commissioner to a council or notice, a trust to one being set up). */
static void known(cs_model *m, int la, int kind)
{
    struct cs_regime *reg = m->reg;
    switch (kind) {
    case CS_KNOWN_COMMISSIONER:
        /* EV_APPOINT at once (same time, same class: it follows in insertion order) */
        cs_engine_cancel(m->eng, reg->h_appoint[la]);
        reg->h_appoint[la] =
            cs_engine_schedule(m->eng, now_of(m), PRIO_STATE, EV_APPOINT, la, 0, 0);
        break;
    case CS_KNOWN_TRUST_SETUP:
        if (m->gov[la] == CS_GOV_TRUST || m->gov[la] == CS_GOV_TRUST_SETUP) break;
        if (m->gov[la] == CS_GOV_PARTNER) release_sponsor(m, la);
        cs_engine_cancel(m->eng, reg->h_report[la]);
        reg->h_report[la] = 0;
        cs_engine_cancel(m->eng, reg->h_review[la]);
        reg->h_review[la] = 0;
        cs_engine_cancel(m->eng, reg->h_appoint[la]);
        reg->h_appoint[la] = 0;
        set_gov(m, la, CS_GOV_TRUST_SETUP);
        schedule_live(m, la);
        break;
    case CS_KNOWN_TRUST:
        /* the EV_TRUST_LIVE scheduled for this date does it; a trust decided but not yet
         * being set up (the model moved it) is set up now and goes live at once */
        if (m->gov[la] != CS_GOV_TRUST_SETUP && m->gov[la] != CS_GOV_TRUST) {
            if (m->gov[la] == CS_GOV_PARTNER) release_sponsor(m, la);
            set_gov(m, la, CS_GOV_TRUST_SETUP);
            cs_engine_cancel(m->eng, reg->h_live[la]);
            reg->h_live[la] =
                cs_engine_schedule(m->eng, now_of(m), PRIO_STATE, EV_TRUST_LIVE, la, 0, 0);
        }
        break;
    case CS_KNOWN_PARTNER:
        if (m->gov[la] == CS_GOV_PARTNER || m->gov[la] == CS_GOV_TRUST) break;
        if (take_sponsor(m, la)) set_gov(m, la, CS_GOV_PARTNER);
        break;
    default:
        break;
    }
}

/* Governance at the start, with the rules evaluated for the history each authority brings:
 * - under notice: the persistence rule (more than `count` inadequate judgements in `years`
 *   up to the start) appoints a commissioner after the immediate delay; otherwise the
 *   six-month review falls `review_days` after the later of the judgement and the regime's
 *   announcement, if that is still to come (earlier reviews happened before the start, and
 *   the table records their outcome);
 * - a commissioner in post gets the report, unless the record already knows what followed;
 *   one whose authority is judged RI or better since has the arrangement lifted after the lag;
 * - trusts being set up go live (on the known date, else after the set-up time); partners
 *   hold a sponsor slot; a trust live at the start keeps its go-live date, so it gets its
 *   12-month inspection (when that is still to come) and may return to its council;
 * - then the known events decided by the start are scheduled on their dates, and override the
 *   rules' own timing (Norfolk and Sandwell: persistent failure, commissioners directed on
 *   8 Jan 2016). */
static void start_rules(cs_model *m)
{
    struct cs_regime *reg = m->reg;
    const cs_params *p = m->p;
    const cs_world *w = m->w;
    for (size_t i = 0; i < m->n; i++) {
        int la = (int)i;
        switch (m->gov[i]) {
        case CS_GOV_NOTICE: {
            if (p->persistence_on && recent_inadequate(m, la) > (int)p->persistence_count) {
                appoint(m, la, draw(m, la, &p->immediate_delay));
            } else if (p->review_days > 0) {
                double from = fmax(m->grade_t[i], (double)(p->announced - p->start));
                if (from + p->review_days > 0)
                    reg->h_review[i] = cs_engine_schedule(m->eng, from + p->review_days, PRIO_STATE,
                                                          EV_REVIEW, la, 0, 0);
            }
            break;
        }
        case CS_GOV_COMMISSIONER:
            if (m->grade[i] <= CS_GRADE_RI) {
                double t = m->grade_t[i] + draw(m, la, &p->lift_lag);
                reg->h_lift[i] =
                    cs_engine_schedule(m->eng, t > 0 ? t : 0, PRIO_STATE, EV_LIFT, la, 0, 0);
            } else if (!known_governance_due(m, la)) {
                reg->h_report[i] = cs_engine_schedule(m->eng, draw(m, la, &p->report_time),
                                                      PRIO_STATE, EV_REPORT, la, 0, 0);
            }
            break;
        case CS_GOV_TRUST_SETUP:
            schedule_live(m, la);
            break;
        case CS_GOV_PARTNER:
            if (reg->sponsors_used < m->w->sponsor_slots) {
                reg->sponsor[i] = 1;
                reg->sponsors_used++;
            }
            break;
        case CS_GOV_TRUST:
            reg->live_t[i] = w->trust_live[i];
            if (!isnan(reg->live_t[i]) && reg->live_t[i] + p->trust_inspect_after > 0 &&
                m->grade_t[i] < reg->live_t[i]) {
                cs_inspect_book_trust(m, la, reg->live_t[i]);
            }
            break;
        default:
            break;
        }
    }
    for (size_t k = 0; k < w->n_due; k++) {
        int la = w->due[k].la;
        if (w->due[k].kind == CS_KNOWN_COMMISSIONER) {
            /* the known date replaces the rules' own appointment or review */
            cs_engine_cancel(m->eng, reg->h_appoint[la]);
            reg->h_appoint[la] = 0;
            cs_engine_cancel(m->eng, reg->h_review[la]);
            reg->h_review[la] = 0;
        }
        cs_engine_schedule(m->eng, w->due[k].t, PRIO_STATE, EV_KNOWN, la, w->due[k].kind, 0);
    }
}

/* The regime's state at the start, from the record: SIF judgements, the inadequate history,
 * the notice's start; then the rules (start_rules). */
static void init(cs_model *m)
{
    struct cs_regime *r = m->reg;
    size_t n = m->n;
    const cs_params *p = m->p;
    memset(r->sif_n, 0, sizeof r->sif_n);
    memset(r->judged_n, 0, sizeof r->judged_n);
    memset(r->trans_n, 0, sizeof r->trans_n);
    r->sif_judged = 0;
    r->reinspected = r->improved = r->inspections = 0;
    r->commissioners = r->trusts_created = r->sponsors_used = 0;
    memset(r->sponsor, 0, n);
    size_t hs = n * sizeof(cs_evhandle);
    memset(r->h_review, 0, hs);
    memset(r->h_appoint, 0, hs);
    memset(r->h_lift, 0, hs);
    memset(r->h_report, 0, hs);
    memset(r->h_live, 0, hs);
    for (size_t i = 0; i < n; i++) {
        const cs_authority *a = &m->w->table.rows[i];
        r->sif_j[i] = (uint8_t)(a->judged_fw == CS_JFW_SIF);
        if (r->sif_j[i]) r->sif_n[a->grade]++;
        r->sif_judged += m->sif_ever[i];
        for (int j = 0; j < a->n_inadequate && j < CS_MAX_PRIOR_INADEQUATE; j++)
            r->inad_t[i * CS_MAX_PRIOR_INADEQUATE + (size_t)j] =
                (double)(a->inadequate_dates[j] - p->start);
        r->n_inad[i] = a->n_inadequate;
        r->live_t[i] = NAN;
        r->notice_t[i] = m->gov[i] == CS_GOV_NOTICE ? 0 : NAN;
    }
    if (p->regime_on) start_rules(m);
}

static int on_known(cs_model *m, const cs_event *ev)
{
    known(m, ev->la, (int)ev->aux);
    return CS_OK;
}

static void snapshot(cs_model *m, size_t k)
{
    (void)k;
    const struct cs_regime *r = m->reg;
    *cs_model_series(m, S_COMMISSIONERS) = (double)r->commissioners;
    *cs_model_series(m, S_TRUSTS_CREATED) = (double)r->trusts_created;
    *cs_model_series(m, S_SPONSORS) = (double)r->sponsors_used;
    *cs_model_series(m, S_INSPECTIONS) = (double)r->inspections;
    *cs_model_series(m, S_REINSPECTED) = (double)r->reinspected;
    *cs_model_series(m, S_IMPROVED) = (double)r->improved;
    *cs_model_series(m, S_SIF_JUDGED) = (double)r->sif_judged;
    double *sif = cs_model_series(m, S_SIF_GRADES), *js = cs_model_series(m, S_JUDGED_SIF),
           *jstd = cs_model_series(m, S_JUDGED_STANDARD),
           *jshort = cs_model_series(m, S_JUDGED_SHORT);
    for (int g = 0; g < CS_NGRADES; g++) {
        sif[g] = r->sif_n[g];
        js[g] = r->judged_n[0][g];
        jstd[g] = r->judged_n[1][g];
        jshort[g] = r->judged_n[2][g];
    }
    double *tr = cs_model_series(m, S_TRANSITIONS);
    for (int j = 0; j < CS_NGRADES * CS_NGRADES; j++)
        tr[j] = r->trans_n[j];
}

static void summarize(const cs_model *m, cs_repbuf *b)
{
    const struct cs_regime *reg = m->reg;
    b->summary[M_COMMISSIONERS] = (double)reg->commissioners;
    b->summary[M_TRUSTS] = (double)reg->trusts_created;
    b->summary[M_INSPECTIONS] = (double)reg->inspections;
}

static const cs_handler handlers[] = {
    {EV_PUBLISH, on_publish}, {EV_REVIEW, on_review},         {EV_APPOINT, on_appoint},
    {EV_REPORT, on_report},   {EV_TRUST_LIVE, on_trust_live}, {EV_LIFT, on_lift},
    {EV_KNOWN, on_known},
};

static const cs_array_def arrays[] = {
    CS_ARRAY(struct cs_regime, sponsor, 1, 0),
    CS_ARRAY(struct cs_regime, sif_j, 1, 0),
    CS_ARRAY(struct cs_regime, h_review, 1, 0),
    CS_ARRAY(struct cs_regime, h_appoint, 1, 0),
    CS_ARRAY(struct cs_regime, h_lift, 1, 0),
    CS_ARRAY(struct cs_regime, h_report, 1, 0),
    CS_ARRAY(struct cs_regime, h_live, 1, 0),
    CS_ARRAY(struct cs_regime, notice_t, 1, 0),
    CS_ARRAY(struct cs_regime, live_t, 1, 0),
    CS_ARRAY(struct cs_regime, n_inad, 1, 0),
    CS_ARRAY(struct cs_regime, inad_t, CS_MAX_PRIOR_INADEQUATE, 0),
};

const cs_component cs_regime_component = {
    .name = "regime",
    .state_size = sizeof(struct cs_regime),
    .state_offset = offsetof(cs_model, reg),
    .n_arrays = sizeof arrays / sizeof arrays[0],
    .arrays = arrays,
    .init = init,
    .snapshot = snapshot,
    .summarize = summarize,
    .n_handlers = sizeof handlers / sizeof handlers[0],
    .handlers = handlers,
};
