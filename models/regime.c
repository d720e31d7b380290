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
#include "model_impl.h"

#include <gsl/gsl_randist.h>

static double now_of(const cs_model *m)
{
    return cs_engine_now(m->eng);
}

static double draw(cs_model *m, int la, const cs_dist *d)
{
    double x = cs_dist_sample(d, cs_rng(m, la, CS_PROC_REGIME));
    return x > 0 ? x : 0;
}

void cs_set_gov(cs_model *m, int la, int gov)
{
    int old = m->gov[la];
    if (old == gov) return;
    cs_q_sample(m, la, now_of(m)); /* the mean changes: sample quality up to now first */
    m->gov_n[old]--;
    m->gov_n[gov]++;
    m->gov[la] = (uint8_t)gov;
    cs_set_mean(m, la);
    if (gov == CS_GOV_NOTICE) m->notice_t[la] = now_of(m);
    cs_log(m, la, CS_EV_GOVERNANCE_CHANGE, old, gov, 0);
}

static void release_sponsor(cs_model *m, int la)
{
    if (!m->sponsor[la]) return;
    m->sponsor[la] = 0;
    m->sponsors_used--;
    cs_log(m, la, CS_EV_SPONSOR_RELEASED, -1, -1, (double)m->sponsors_used);
}

static int take_sponsor(cs_model *m, int la)
{
    if (m->sponsors_used >= m->w->sponsor_slots) return 0;
    m->sponsor[la] = 1;
    m->sponsors_used++;
    cs_log(m, la, CS_EV_SPONSOR_TAKEN, -1, -1, (double)m->sponsors_used);
    return 1;
}

static void appoint(cs_model *m, int la, double delay)
{
    if (m->h_appoint[la] && cs_evlist_pending(cs_engine_list(m->eng), m->h_appoint[la])) return;
    m->h_appoint[la] =
        cs_engine_schedule(m->eng, now_of(m) + delay, PRIO_STATE, EV_APPOINT, la, 0, 0);
}

/* Inadequate judgements published in the `years` calendar years up to now, this one
 * included: a judgement exactly five years old counts, one five years and a day old not. */
static int recent_inadequate(const cs_model *m, int la)
{
    const cs_params *p = m->p;
    int32_t today = p->start + (int32_t)floor(now_of(m) + 1e-9);
    int32_t cutoff = cs_date_add_months(today, -(int)lround(p->persistence_years * 12.0));
    double cut_t = (double)(cutoff - p->start) - 1e-9;
    int n = m->n_inad[la] < CS_MAX_PRIOR_INADEQUATE ? m->n_inad[la] : CS_MAX_PRIOR_INADEQUATE;
    int k = 0;
    for (int j = 0; j < n; j++)
        if (m->inad_t[(size_t)la * CS_MAX_PRIOR_INADEQUATE + (size_t)j] >= cut_t) k++;
    return k;
}

static void remember_inadequate(cs_model *m, int la, double t)
{
    double *h = &m->inad_t[(size_t)la * CS_MAX_PRIOR_INADEQUATE];
    int n = m->n_inad[la];
    if (n == CS_MAX_PRIOR_INADEQUATE) { /* drop the oldest */
        for (int j = 1; j < n; j++)
            h[j - 1] = h[j];
        n--;
    }
    h[n] = t;
    m->n_inad[la] = n + 1;
}

/* A judgement is published: the grade changes and every rule acts now. */
void cs_regime_publish(cs_model *m, int la, int grade, int wholesale, int kind)
{
    const cs_params *p = m->p;
    double now = now_of(m);
    int old = m->grade[la];
    cs_q_sample(m, la, now); /* close the yardstick interval under the old grade */
    if (old == CS_GRADE_INADEQUATE)
        m->inad_years[la] += cs_days_to_years(now - fmax(m->grade_t[la], 0));
    m->grade_n[old]--;
    m->grade_n[grade]++;
    if (m->sif_j[la]) m->sif_n[old]--;
    m->sif_j[la] = (uint8_t)(m->fw == CS_FW_SIF);
    if (m->sif_j[la]) m->sif_n[grade]++;
    if (m->sif_j[la] && !m->sif_ever[la]) m->sif_judged++;
    m->sif_ever[la] |= m->sif_j[la];
    /* the record's transition table pairs consecutive SIF/ILACS judgements only */
    if (m->jfw[la] != CS_JFW_OLDER) m->trans_n[old * CS_NGRADES + grade]++;
    m->jfw[la] = (uint8_t)(m->fw == CS_FW_SIF ? CS_JFW_SIF : CS_JFW_ILACS);
    if (kind >= CS_KIND_SIF && kind <= CS_KIND_ILACS_SHORT) m->judged_n[kind][grade]++;
    if (old == CS_GRADE_INADEQUATE) {
        m->reinspected++;
        m->improved += grade != CS_GRADE_INADEQUATE;
    }
    m->grade[la] = (uint8_t)grade;
    m->grade_t[la] = now;
    m->inspections++;
    cs_log(m, la, CS_EV_JUDGEMENT_PUBLISHED, old, grade, wholesale);
    if (grade == CS_GRADE_INADEQUATE && !isnan(m->cross_t[la])) {
        double lat = now - m->cross_t[la];
        m->detections++;
        m->lat_total += lat;
        m->lat_sum[la] += lat;
        m->lat_n[la]++;
        m->cross_t[la] = NAN;
        cs_log(m, la, CS_EV_FAILURE_DETECTED, -1, -1, lat);
    }
    if (grade != CS_GRADE_INADEQUATE && m->latent[la] && isnan(m->cross_t[la]))
        m->cross_t[la] = now; /* latent failure now hidden behind a better grade */
    cs_set_mean(m, la);
    int gov = m->gov[la];
    if (grade == CS_GRADE_INADEQUATE) {
        remember_inadequate(m, la, now);
        cs_engine_cancel(m->eng, m->h_lift[la]);
        m->h_lift[la] = 0;
        if (gov == CS_GOV_COUNCIL || gov == CS_GOV_NOTICE) {
            int persistent =
                p->persistence_on && recent_inadequate(m, la) > (int)p->persistence_count;
            int whole = p->wholesale_on && wholesale;
            if (gov == CS_GOV_COUNCIL) cs_set_gov(m, la, CS_GOV_NOTICE);
            if (persistent || whole) {
                appoint(m, la, draw(m, la, &p->immediate_delay));
            } else {
                if (p->discretion_prob > 0 &&
                    gsl_rng_uniform(cs_rng(m, la, CS_PROC_REGIME)) < p->discretion_prob)
                    appoint(m, la, draw(m, la, &p->appoint_delay));
                if (p->review_days > 0) {
                    cs_engine_cancel(m->eng, m->h_review[la]);
                    m->h_review[la] = cs_engine_schedule(m->eng, now + p->review_days, PRIO_STATE,
                                                         EV_REVIEW, la, 0, 0);
                }
            }
        }
    } else if (grade <= CS_GRADE_RI) {
        if (gov == CS_GOV_NOTICE || gov == CS_GOV_COMMISSIONER || gov == CS_GOV_PARTNER) {
            cs_engine_cancel(m->eng, m->h_review[la]);
            m->h_review[la] = 0;
            cs_engine_cancel(m->eng, m->h_appoint[la]);
            m->h_appoint[la] = 0;
            if (!cs_evlist_pending(cs_engine_list(m->eng), m->h_lift[la]))
                m->h_lift[la] = cs_engine_schedule(m->eng, now + draw(m, la, &p->lift_lag),
                                                   PRIO_STATE, EV_LIFT, la, 0, 0);
        } else if (gov == CS_GOV_TRUST && grade <= CS_GRADE_GOOD && !isnan(m->live_t[la]) &&
                   cs_days_to_years(now - m->live_t[la]) >= p->trust_return_years &&
                   gsl_rng_uniform(cs_rng(m, la, CS_PROC_REGIME)) < p->trust_return_prob) {
            if (!cs_evlist_pending(cs_engine_list(m->eng), m->h_lift[la]))
                m->h_lift[la] = cs_engine_schedule(m->eng, now + draw(m, la, &p->lift_lag),
                                                   PRIO_STATE, EV_LIFT, la, 0, 0);
        }
    }
    cs_insp_schedule_next(m, la);
}

/* The commissioner's report: stay, partner or trust, by the decision weights; a partner
 * needs a free sponsor (else a trust, if trusts exist), a trust needs trusts to exist (else
 * a partner if a sponsor is free); otherwise the commissioner stays. */
static void on_report(cs_model *m, int la)
{
    const cs_params *p = m->p;
    if (m->gov[la] != CS_GOV_COMMISSIONER) return;
    const double *wt = p->decision.v;
    double u = gsl_rng_uniform(cs_rng(m, la, CS_PROC_REGIME)) * (wt[0] + wt[1] + wt[2]);
    int choice = u < wt[0] ? 0 : (u < wt[0] + wt[1] ? 1 : 2);
    if (choice == 1 && m->sponsors_used >= m->w->sponsor_slots) choice = p->trusts_on ? 2 : 0;
    if (choice == 2 && !p->trusts_on) choice = m->sponsors_used < m->w->sponsor_slots ? 1 : 0;
    cs_log(m, la, CS_EV_COMMISSIONER_REPORT, -1, choice, 0);
    if (choice == 1 && take_sponsor(m, la)) {
        cs_set_gov(m, la, CS_GOV_PARTNER);
    } else if (choice == 2) {
        cs_set_gov(m, la, CS_GOV_TRUST_SETUP);
        m->h_live[la] = cs_engine_schedule(m->eng, now_of(m) + draw(m, la, &p->trust_setup),
                                           PRIO_STATE, EV_TRUST_LIVE, la, 0, 0);
    }
}

int cs_regime_handle(cs_model *m, const cs_event *ev)
{
    const cs_params *p = m->p;
    int la = ev->la;
    double now = now_of(m);
    switch (ev->type) {
    case EV_PUBLISH:
        cs_regime_publish(m, la, (int)(ev->aux & 0xff), (int)((ev->aux >> 8) & 0xff),
                          (int)(ev->aux >> 16));
        break;
    case EV_REVIEW: {
        m->h_review[la] = 0;
        if (m->gov[la] != CS_GOV_NOTICE) break;
        /* evidence: the latest monitoring reading since the notice, else the review's own */
        double y = m->mon_y[la];
        if (isnan(y) || isnan(m->mon_t[la]) || m->mon_t[la] < m->notice_t[la]) {
            cs_q_sample(m, la, now);
            y = p->grade_model == CS_GM_PROBIT
                    ? m->q[la] +
                          gsl_ran_gaussian_ziggurat(cs_rng(m, la, CS_PROC_REGIME), p->monitor_tau)
                    : (gsl_rng_uniform(cs_rng(m, la, CS_PROC_REGIME)) < 0.5 ? 1e9 : -1e9);
        }
        int ok = y > cs_cut(m, 1) + p->improvement_margin;
        cs_log(m, la, CS_EV_REVIEW, -1, ok, y);
        if (!ok) appoint(m, la, draw(m, la, &p->appoint_delay));
        break;
    }
    case EV_APPOINT:
        m->h_appoint[la] = 0;
        if (m->gov[la] != CS_GOV_COUNCIL && m->gov[la] != CS_GOV_NOTICE) break;
        m->commissioners++;
        cs_engine_cancel(m->eng, m->h_review[la]);
        m->h_review[la] = 0;
        cs_set_gov(m, la, CS_GOV_COMMISSIONER);
        cs_log(m, la, CS_EV_COMMISSIONER_APPOINTED, -1, -1, (double)m->commissioners);
        m->h_report[la] = cs_engine_schedule(m->eng, now + draw(m, la, &p->report_time), PRIO_STATE,
                                             EV_REPORT, la, 0, 0);
        break;
    case EV_REPORT:
        m->h_report[la] = 0;
        on_report(m, la);
        break;
    case EV_TRUST_LIVE:
        m->h_live[la] = 0;
        if (m->gov[la] != CS_GOV_TRUST_SETUP) break;
        m->trusts_created++;
        m->live_t[la] = now;
        cs_set_gov(m, la, CS_GOV_TRUST);
        /* booked now, or (if a team is at work) when that inspection is published */
        m->trust_due[la] = 1;
        cs_insp_request(m, la, 0, CS_REASON_TRUST, now + p->trust_inspect_after);
        break;
    case EV_KNOWN:
        cs_regime_known(m, la, (int)ev->aux);
        break;
    case EV_LIFT:
        m->h_lift[la] = 0;
        if (m->grade[la] == CS_GRADE_INADEQUATE) break;
        if (m->gov[la] == CS_GOV_PARTNER) release_sponsor(m, la);
        cs_engine_cancel(m->eng, m->h_report[la]);
        m->h_report[la] = 0;
        cs_set_gov(m, la, CS_GOV_COUNCIL);
        break;
    default:
        return CS_EMODEL;
    }
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
    double t = known_live(m, la);
    if (t < now_of(m)) t = now_of(m) + draw(m, la, &m->p->trust_setup);
    cs_engine_cancel(m->eng, m->h_live[la]);
    m->h_live[la] = cs_engine_schedule(m->eng, t, PRIO_STATE, EV_TRUST_LIVE, la, 0, 0);
}

/* A known event of the record, on its date (decided by the start, effective after it). The
 * model's own rules may have moved the authority elsewhere by then; the event applies where
 * it still makes sense (a commissioner to a council or notice, a trust to one being set up). */
void cs_regime_known(cs_model *m, int la, int kind)
{
    switch (kind) {
    case CS_KNOWN_COMMISSIONER:
        /* EV_APPOINT at once (same time, same class: it follows in insertion order) */
        cs_engine_cancel(m->eng, m->h_appoint[la]);
        m->h_appoint[la] = cs_engine_schedule(m->eng, now_of(m), PRIO_STATE, EV_APPOINT, la, 0, 0);
        break;
    case CS_KNOWN_TRUST_SETUP:
        if (m->gov[la] == CS_GOV_TRUST || m->gov[la] == CS_GOV_TRUST_SETUP) break;
        if (m->gov[la] == CS_GOV_PARTNER) release_sponsor(m, la);
        cs_engine_cancel(m->eng, m->h_report[la]);
        m->h_report[la] = 0;
        cs_engine_cancel(m->eng, m->h_review[la]);
        m->h_review[la] = 0;
        cs_engine_cancel(m->eng, m->h_appoint[la]);
        m->h_appoint[la] = 0;
        cs_set_gov(m, la, CS_GOV_TRUST_SETUP);
        schedule_live(m, la);
        break;
    case CS_KNOWN_TRUST:
        /* the EV_TRUST_LIVE scheduled for this date does it; a trust decided but not yet
         * being set up (the model moved it) is set up now and goes live at once */
        if (m->gov[la] != CS_GOV_TRUST_SETUP && m->gov[la] != CS_GOV_TRUST) {
            if (m->gov[la] == CS_GOV_PARTNER) release_sponsor(m, la);
            cs_set_gov(m, la, CS_GOV_TRUST_SETUP);
            cs_engine_cancel(m->eng, m->h_live[la]);
            m->h_live[la] =
                cs_engine_schedule(m->eng, now_of(m), PRIO_STATE, EV_TRUST_LIVE, la, 0, 0);
        }
        break;
    case CS_KNOWN_PARTNER:
        if (m->gov[la] == CS_GOV_PARTNER || m->gov[la] == CS_GOV_TRUST) break;
        if (take_sponsor(m, la)) cs_set_gov(m, la, CS_GOV_PARTNER);
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
void cs_regime_init(cs_model *m)
{
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
                    m->h_review[i] = cs_engine_schedule(m->eng, from + p->review_days, PRIO_STATE,
                                                        EV_REVIEW, la, 0, 0);
            }
            break;
        }
        case CS_GOV_COMMISSIONER:
            if (m->grade[i] <= CS_GRADE_RI) {
                double t = m->grade_t[i] + draw(m, la, &p->lift_lag);
                m->h_lift[i] =
                    cs_engine_schedule(m->eng, t > 0 ? t : 0, PRIO_STATE, EV_LIFT, la, 0, 0);
            } else if (!known_governance_due(m, la)) {
                m->h_report[i] = cs_engine_schedule(m->eng, draw(m, la, &p->report_time),
                                                    PRIO_STATE, EV_REPORT, la, 0, 0);
            }
            break;
        case CS_GOV_TRUST_SETUP:
            schedule_live(m, la);
            break;
        case CS_GOV_PARTNER:
            if (m->sponsors_used < m->w->sponsor_slots) {
                m->sponsor[i] = 1;
                m->sponsors_used++;
            }
            break;
        case CS_GOV_TRUST:
            m->live_t[i] = w->trust_live[i];
            if (!isnan(m->live_t[i]) && m->live_t[i] + p->trust_inspect_after > 0 &&
                m->grade_t[i] < m->live_t[i]) {
                m->trust_due[i] = 1;
                cs_insp_request(m, la, 0, CS_REASON_TRUST, m->live_t[i] + p->trust_inspect_after);
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
            cs_engine_cancel(m->eng, m->h_appoint[la]);
            m->h_appoint[la] = 0;
            cs_engine_cancel(m->eng, m->h_review[la]);
            m->h_review[la] = 0;
        }
        cs_engine_schedule(m->eng, w->due[k].t, PRIO_STATE, EV_KNOWN, la, w->due[k].kind, 0);
    }
}
