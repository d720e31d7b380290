/* The children's services model: state, latent quality, the national tick (quality samples,
 * workforce, concern signals), snapshots and the truth-based yardsticks. The inspectorate is
 * in inspect.c, the intervention regime in regime.c. */
#include "model_impl.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ---- context ---- */

static const cs_model_type model_type;

#define ALLOC(field, count)                                                                        \
    do {                                                                                           \
        m->field = calloc((count), sizeof *m->field);                                              \
        if (!m->field) goto fail;                                                                  \
    } while (0)

cs_model *cs_model_create(const cs_world *w, size_t max_pending)
{
    cs_model *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    size_t n = w->n_la;
    m->w = w;
    m->n = n;
    ALLOC(q, n);
    ALLOC(q_t, n);
    ALLOC(u, n);
    ALLOC(m, n);
    ALLOC(grade, n);
    ALLOC(gov, n);
    ALLOC(latent, n);
    ALLOC(sif_j, n);
    ALLOC(jfw, n);
    ALLOC(sif_ever, n);
    ALLOC(trust_due, n);
    ALLOC(sig_left, n);
    ALLOC(grade_t, n);
    ALLOC(last_graded, n);
    ALLOC(last_visit, n);
    ALLOC(mon_y, n);
    ALLOC(mon_t, n);
    ALLOC(notice_t, n);
    ALLOC(cross_t, n);
    ALLOC(live_t, n);
    ALLOC(signals, n);
    ALLOC(n_inad, n);
    ALLOC(inad_t, n * CS_MAX_PRIOR_INADEQUATE);
    ALLOC(sponsor, n);
    ALLOC(graded, n);
    ALLOC(visit, n);
    ALLOC(h_review, n);
    ALLOC(h_appoint, n);
    ALLOC(h_lift, n);
    ALLOC(h_report, n);
    ALLOC(h_live, n);
    ALLOC(posts, n);
    ALLOC(perm, n);
    ALLOC(agency, n);
    ALLOC(h0, n);
    ALLOC(h_ref, n);
    ALLOC(stab, n);
    ALLOC(und_years, n);
    ALLOC(lat_sum, n);
    ALLOC(inad_years, n);
    ALLOC(lat_n, n);
    ALLOC(n_insp, n);
    m->q_cap = 2 * n + 8;
    ALLOC(queue, m->q_cap);
    m->st = cs_streams_create((uint32_t)n + 1, CS_NPROCS);
    m->eng = cs_engine_create(&model_type, m, 8 * n + 64, max_pending);
    if (!m->st || !m->eng) goto fail;
    return m;
fail:
    cs_model_destroy(m);
    return NULL;
}

void cs_model_destroy(cs_model *m)
{
    if (!m) return;
    free(m->jfw);
    free(m->u);
    free(m->sif_ever);
    void *fields[] = {m->h_ref,     m->trust_due,   m->sif_j,      m->sig_left, m->q,
                      m->q_t,       m->m,           m->grade,      m->gov,      m->latent,
                      m->grade_t,   m->last_graded, m->last_visit, m->mon_y,    m->mon_t,
                      m->notice_t,  m->cross_t,     m->live_t,     m->signals,  m->n_inad,
                      m->inad_t,    m->sponsor,     m->graded,     m->visit,    m->h_review,
                      m->h_appoint, m->h_lift,      m->h_report,   m->h_live,   m->posts,
                      m->perm,      m->agency,      m->h0,         m->stab,     m->und_years,
                      m->lat_sum,   m->inad_years,  m->lat_n,      m->n_insp,   m->queue};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        free(fields[i]);
    cs_streams_destroy(m->st);
    cs_engine_destroy(m->eng);
    free(m);
}

uint64_t cs_model_events(const cs_model *m)
{
    return m->events;
}

gsl_rng *cs_rng(cs_model *m, int la, int proc)
{
    return cs_streams_get(m->st, la < 0 ? CS_STREAMS_NATIONAL : (uint32_t)la, (uint32_t)proc);
}

void cs_log(cs_model *m, int la, int type, int before, int after, double value)
{
    if (m->buf->keep_events)
        cs_repbuf_event(m->buf, la, cs_engine_now(m->eng), type, before, after, value);
}

/* Threshold k of framework fw (ILACS: a standard [sub 0] or short [sub 1] inspection): the
 * ILACS thresholds are the SIF's plus shifts, so they follow this replication's SIF draw. */
static double cut_of(const cs_params *p, int fw, int sub, int k)
{
    double c = p->judge[CS_FW_SIF].c[k] + p->judge[CS_FW_SIF].shift;
    if (fw == CS_FW_ILACS) c += p->judge[CS_FW_ILACS].shift + p->ilacs_d[sub][k ? k : 1];
    return c;
}

double cs_cut(const cs_model *m, int k)
{
    return cut_of(m->p, m->fw, 0, k);
}

double cs_cut_kind(const cs_model *m, int kind, int k)
{
    return kind == CS_KIND_SIF ? cut_of(m->p, CS_FW_SIF, 0, k)
                               : cut_of(m->p, CS_FW_ILACS, kind == CS_KIND_ILACS_SHORT, k);
}

/* ---- latent quality ---- */

static int band(const cs_model *m, double q)
{
    if (q <= cs_cut(m, 1)) return CS_GRADE_INADEQUATE;
    if (q <= cs_cut(m, 2)) return CS_GRADE_RI;
    if (q <= cs_cut(m, 3)) return CS_GRADE_GOOD;
    return CS_GRADE_OUTSTANDING;
}

void cs_set_mean(cs_model *m, int i)
{
    const cs_params *p = m->p;
    double t = cs_engine_now(m->eng);
    m->m[i] = p->base + m->u[i] + p->gov_effect[m->gov[i]] +
              p->beta_workforce * (m->stab[i] - p->stability_ref) + p->drift * cs_days_to_years(t);
}

/* Advances quality exactly to t (the OU transition is Gaussian) and keeps the truth-based
 * yardsticks: undetected-failure time accrues over [q_t, t] by the state at q_t (the left
 * end; states change only at samples), and episodes start and end at samples. */
void cs_q_sample(cs_model *m, int i, double t)
{
    if (m->p->grade_model == CS_GM_MARKOV) {
        m->q_t[i] = t;
        return;
    }
    double dt = t - m->q_t[i];
    if (dt <= 0) return;
    if (m->latent[i] && m->grade[i] != CS_GRADE_INADEQUATE) {
        double y = cs_days_to_years(dt);
        m->und_years[i] += y;
        m->und_total += y;
    }
    double e, sd;
    if (fabs(dt - m->p->sample_days) < 1e-9) {
        e = m->tick_e;
        sd = m->tick_sd;
    } else {
        double th = m->p->theta;
        e = exp(-th * cs_days_to_years(dt));
        sd = m->p->qsd * sqrt((1.0 - m->p->persist) * (1.0 - e * e));
    }
    double z = gsl_ran_gaussian_ziggurat(cs_rng(m, i, CS_PROC_QUALITY), 1.0);
    m->q[i] = m->m[i] + (m->q[i] - m->m[i]) * e + sd * z;
    m->q_t[i] = t;
    int lat = m->q[i] <= cs_cut(m, 1);
    if (lat && !m->latent[i]) {
        m->latent_n++;
        if (m->grade[i] != CS_GRADE_INADEQUATE) {
            m->cross_t[i] = t;
            cs_log(m, i, CS_EV_LATENT_INADEQUATE, -1, -1, m->q[i]);
        }
    } else if (!lat && m->latent[i]) {
        m->latent_n--;
        if (!isnan(m->cross_t[i])) cs_log(m, i, CS_EV_LATENT_RECOVERED, -1, -1, t - m->cross_t[i]);
        m->cross_t[i] = NAN;
    }
    m->latent[i] = (uint8_t)lat;
}

/* Initial quality given the real grade: (q, y) are jointly normal at the judgement, the
 * reading y lay in the grade's interval of the framework that gave it (SIF; ILACS, short for
 * good or better, standard otherwise, as ILACS assigns them; older frameworks: the SIF's
 * thresholds + judgement.older.shift); draw y from its truncated normal, q given y, the
 * persistent effect u given q (Cov(u, q) = Var u = persist * sd^2), then carry q forward to the
 * start by the OU transition around the authority's own mean. */
static void init_quality(cs_model *m, int i)
{
    const cs_params *p = m->p;
    const cs_authority *a = &m->w->table.rows[i];
    gsl_rng *r = cs_rng(m, i, CS_PROC_INIT);
    double s2 = p->qsd * p->qsd;
    double mu = m->m[i];
    int ilacs = a->judged_fw == CS_JFW_ILACS;
    double tau = p->judge[ilacs ? CS_FW_ILACS : CS_FW_SIF].tau;
    double c[4];
    for (int k = 0; k < 4; k++)
        c[k] = ilacs ? cut_of(p, CS_FW_ILACS, a->grade <= CS_GRADE_GOOD, k)
                     : cut_of(p, CS_FW_SIF, 0, k) +
                           (a->judged_fw == CS_JFW_OLDER ? p->older_shift : 0);
    double lo = -INFINITY, hi = INFINITY;
    switch (a->grade) {
    case CS_GRADE_INADEQUATE:
        hi = c[1];
        break;
    case CS_GRADE_RI:
        lo = c[1], hi = c[2];
        break;
    case CS_GRADE_GOOD:
        lo = c[2], hi = c[3];
        break;
    default:
        lo = c[3];
        break;
    }
    double sy = sqrt(s2 + tau * tau);
    double q = mu; /* with no spread at all, quality sits at its mean */
    if (sy > 0) {
        double plo = gsl_cdf_ugaussian_P((lo - mu) / sy), phi = gsl_cdf_ugaussian_P((hi - mu) / sy);
        double u = plo + (phi - plo) * gsl_rng_uniform_pos(r);
        if (u <= 0) u = 1e-300;
        if (u >= 1) u = 1 - 1e-16;
        double y = mu + sy * gsl_cdf_ugaussian_Pinv(u);
        double k = s2 / (s2 + tau * tau);
        q = mu + k * (y - mu) + sqrt(s2 * (1 - k)) * gsl_ran_gaussian_ziggurat(r, 1.0);
        double rho = p->persist;
        if (rho > 0) {
            m->u[i] =
                rho * (q - mu) + sqrt(s2 * rho * (1 - rho)) * gsl_ran_gaussian_ziggurat(r, 1.0);
            mu += m->u[i];
        }
        double age = -(double)(a->grade_date - p->start); /* days before the start */
        if (age > 0) {
            double e = exp(-p->theta * cs_days_to_years(age));
            q = mu + (q - mu) * e +
                sqrt(s2 * (1 - rho) * (1 - e * e)) * gsl_ran_gaussian_ziggurat(r, 1.0);
        }
    }
    m->q[i] = q;
    m->q_t[i] = 0;
    m->latent[i] = (uint8_t)(q <= cs_cut(m, 1));
    if (m->latent[i]) {
        m->latent_n++;
        if (m->grade[i] != CS_GRADE_INADEQUATE) m->cross_t[i] = 0;
    }
}

/* ---- workforce ---- */

static void init_workforce(cs_model *m, int i)
{
    const cs_authority *a = &m->w->table.rows[i];
    m->posts[i] = a->posts_fte;
    m->perm[i] = a->permanent_fte;
    m->agency[i] = a->agency_fte;
    m->h0[i] = a->turnover_rate;
    double vac0 = a->posts_fte > 0 ? (a->posts_fte - a->permanent_fte) / a->posts_fte : 0;
    m->h_ref[i] = (1 + m->p->wf_turnover_inadequate * (a->grade == CS_GRADE_INADEQUATE)) *
                  (1 + m->p->wf_turnover_vacancy * vac0);
    m->stab[i] = a->posts_fte > 0 ? a->permanent_fte / a->posts_fte : 1.0;
}

static double supply_per_year(const cs_model *m, double t, double *grads)
{
    const cs_params *p = m->p;
    double day = (double)p->start + t;
    *grads = (day >= p->wf_grad_from && day <= p->wf_grad_to) ? p->wf_grad_extra : 0.0;
    return p->wf_nq + p->wf_frontline + p->wf_stepup + *grads;
}

/* Poisson by inversion (one uniform); the means here are small (a few leavers a month). */
static double poisson_small(gsl_rng *r, double mu)
{
    if (mu > 30) return (double)gsl_ran_poisson(r, mu);
    double u = gsl_rng_uniform(r), pk = exp(-mu), cdf = pk;
    unsigned k = 0;
    while (u > cdf && k < 1000) {
        k++;
        pk *= mu / k;
        cdf += pk;
    }
    return (double)k;
}

static void workforce_tick(cs_model *m, double t, double dt)
{
    const cs_params *p = m->p;
    double dy = cs_days_to_years(dt);
    double leavers_total = 0, demand = 0;
    for (size_t i = 0; i < m->n; i++) {
        double vac = m->posts[i] > 0 ? (m->posts[i] - m->perm[i]) / m->posts[i] : 0;
        /* the census turnover h0 was measured in the authority's start state: the response
         * scales it by the change of grade and vacancies since then */
        double h = m->h0[i] *
                   (1 + p->wf_turnover_inadequate * (m->grade[i] == CS_GRADE_INADEQUATE)) *
                   (1 + p->wf_turnover_vacancy * vac) / m->h_ref[i];
        m->perm_int += m->perm[i] * dy;
        double mean = m->perm[i] * h * dy;
        double lv = mean > 0 ? poisson_small(cs_rng(m, (int)i, CS_PROC_WORKFORCE), mean) : 0;
        if (lv > m->perm[i]) lv = m->perm[i];
        m->perm[i] -= lv;
        leavers_total += lv;
        demand += (m->posts[i] - m->perm[i]) * p->wf_attract.v[m->grade[i]];
    }
    m->leavers_acc += leavers_total;
    double grads;
    double inflow = supply_per_year(m, t, &grads) * dy;
    m->pool = m->pool * exp(-p->wf_pool_decay * dy) + inflow + p->wf_movers * leavers_total;
    double hired = 0;
    if (demand > 0 && m->pool > 0) {
        double share = m->pool / demand;
        for (size_t i = 0; i < m->n; i++) {
            double open = m->posts[i] - m->perm[i];
            double hi = open * p->wf_attract.v[m->grade[i]] * share;
            if (hi > open) hi = open;
            m->perm[i] += hi;
            hired += hi;
        }
    }
    if (hired > m->pool) hired = m->pool;
    m->pool -= hired;
    if (m->pool < 0) m->pool = 0;
    double total_in = inflow + p->wf_movers * leavers_total;
    if (total_in > 0) m->grad_placed += hired * (grads * dy) / total_in;
    double adj = 1 - exp(-p->wf_agency_adjust * dy);
    for (size_t i = 0; i < m->n; i++) {
        double open = m->posts[i] - m->perm[i];
        double a = m->agency[i] + (p->wf_agency_cover * open - m->agency[i]) * adj;
        m->agency[i] = a < 0 ? 0 : (a > open ? open : a);
        m->stab[i] = m->posts[i] > 0 ? m->perm[i] / m->posts[i] : 1.0;
    }
}

/* ---- signals ---- */

/* Concern signals: the rate is constant over each tick interval, so arrivals are exact by the
 * integrated hazard: each authority carries the Exp(1) budget left until its next signal and
 * spends rate * dt per interval; only an arrival draws random numbers. */
static void draw_signals(cs_model *m, int i, double t, double dt)
{
    const cs_params *p = m->p;
    double genuine =
        p->grade_model == CS_GM_PROBIT ? p->sig_rate * exp(-p->sig_slope * m->q[i]) : 0;
    double rate = genuine + p->sig_false_rate;
    if (rate <= 0) return;
    double h = rate * cs_days_to_years(dt), used = 0;
    if (!isfinite(h)) return; /* a non-finite quality reading is caught by its own check */
    unsigned guard = 0;
    while (m->sig_left[i] <= h - used && guard++ < 10000) {
        gsl_rng *r = cs_rng(m, i, CS_PROC_SIGNALS);
        used += m->sig_left[i];
        double at = t + dt * used / h;
        int real = gsl_rng_uniform(r) * rate < genuine;
        double sev = gsl_ran_exponential(r, real ? p->sig_sev_genuine : p->sig_sev_false);
        cs_engine_schedule(m->eng, at, PRIO_STATE, EV_SIGNAL, i, real, sev);
        m->sig_left[i] = gsl_ran_exponential(r, 1.0);
    }
    m->sig_left[i] -= h - used;
}

static void on_signal(cs_model *m, const cs_event *ev)
{
    int i = ev->la;
    m->n_signals++;
    m->signals[i]++;
    cs_log(m, i, CS_EV_SIGNAL, (int)ev->aux, -1, ev->value);
    if (m->p->sharper && ev->value > m->p->sig_threshold) cs_insp_emergency(m, i);
}

/* ---- the tick and snapshots ---- */

static void on_tick(cs_model *m)
{
    const cs_params *p = m->p;
    double t = cs_engine_now(m->eng), dt = p->sample_days;
    if (p->workforce_on) workforce_tick(m, t, dt);
    for (size_t i = 0; i < m->n; i++) {
        cs_q_sample(m, (int)i, t);
        cs_set_mean(m, (int)i);
        if (t + dt <= m->w->t_end) draw_signals(m, (int)i, t, dt);
    }
    if (t + dt <= m->w->t_end) cs_engine_schedule(m->eng, t + dt, PRIO_TICK, EV_TICK, -1, 0, 0);
}

/* Panel floats keep 12 significant bits (relative precision 2^-12 = 2.4e-4, far finer than
 * anything the model resolves): the 11 low mantissa bits of the float are zeroed, so the
 * shuffle + deflate filters compress the panel several times faster and smaller. Exact values
 * stay in the model; docs/output.md says so. */
static float panel_float(double x)
{
    union {
        float f;
        uint32_t u;
    } v = {(float)x};
    if (isfinite(v.f)) v.u = (v.u + 0x400u) & ~0x7ffu; /* round to nearest, then truncate */
    return v.f;
}

static void put(cs_model *m, int s, double v)
{
    const cs_series_def *d = &cs_model_schema()->series[s];
    m->buf->series[s][m->snap * d->width] = v;
}

static void on_snapshot(cs_model *m)
{
    double t = cs_engine_now(m->eng);
    size_t k = m->snap, n = m->n;
    cs_repbuf *b = m->buf;
    cs_insp_account(m);
    for (int g = 0; g < CS_NGRADES; g++)
        b->series[S_GRADE][k * 4 + (size_t)g] = m->grade_n[g];
    for (int g = 0; g < CS_NGOV; g++)
        b->series[S_GOV][k * 6 + (size_t)g] = m->gov_n[g];
    put(m, S_COMMISSIONERS, (double)m->commissioners);
    put(m, S_TRUSTS_CREATED, (double)m->trusts_created);
    put(m, S_SPONSORS, (double)m->sponsors_used);
    put(m, S_QUEUE, (double)m->q_live);
    put(m, S_OVERDUE, cs_insp_overdue(m));
    double dcap = m->cap_int - m->prev_cap, dbusy = m->busy_int - m->prev_busy;
    put(m, S_UTIL, (m->p->unlimited || dcap <= 0) ? NAN : dbusy / dcap);
    m->prev_cap = m->cap_int;
    m->prev_busy = m->busy_int;
    put(m, S_CAPACITY, m->p->unlimited ? INFINITY : m->cap);
    put(m, S_INSPECTIONS, (double)m->inspections);
    put(m, S_MONITORING, (double)m->monitoring);
    put(m, S_EMERGENCIES, (double)m->emergencies);
    put(m, S_SIGNALS, (double)m->n_signals);
    int probit = m->p->grade_model == CS_GM_PROBIT;
    double age = 0, mis = 0, posts = 0, perm = 0, agency = 0, stab = 0;
    int32_t und = 0;
    uint8_t *pg = (uint8_t *)b->panel[P_GRADE] + k * n, *pv = (uint8_t *)b->panel[P_GOV] + k * n;
    float *pq = (float *)b->panel[P_QUALITY] + k * n, *ps = (float *)b->panel[P_STABILITY] + k * n;
    for (size_t i = 0; i < n; i++) {
        age += t - m->grade_t[i];
        if (probit) {
            mis += band(m, m->q[i]) != m->grade[i];
            und += m->latent[i] && m->grade[i] != CS_GRADE_INADEQUATE;
        }
        posts += m->posts[i];
        perm += m->perm[i];
        agency += m->agency[i];
        stab += m->stab[i];
    }
    if (m->p->out_panel) /* the panel is only filled when it is recorded */
        for (size_t i = 0; i < n; i++) {
            pg[i] = m->grade[i];
            pv[i] = m->gov[i];
            pq[i] = probit ? panel_float(m->q[i]) : NAN;
            ps[i] = panel_float(m->stab[i]);
        }
    put(m, S_GRADE_AGE, age / (double)n);
    put(m, S_MISGRADED, probit ? mis / (double)n : NAN);
    put(m, S_LATENT, probit ? (double)m->latent_n : NAN);
    put(m, S_UNDETECTED, probit ? (double)und : NAN);
    put(m, S_UND_YEARS, probit ? m->und_total : NAN);
    put(m, S_DETECTIONS, (double)m->detections);
    put(m, S_LATENCY, m->detections ? m->lat_total / (double)m->detections : NAN);
    put(m, S_VACANCY, posts > 0 ? (posts - perm) / posts : NAN);
    put(m, S_AGENCY, agency + perm > 0 ? agency / (agency + perm) : NAN);
    put(m, S_TURNOVER, m->perm_int > 0 ? m->leavers_acc / m->perm_int : NAN);
    m->leavers_acc = 0;
    m->perm_int = 0;
    put(m, S_STABILITY, stab / (double)n);
    put(m, S_GRADUATES, m->grad_placed);
    put(m, S_POOL, m->pool);
    for (int g = 0; g < CS_NGRADES; g++)
        b->series[S_SIF_GRADES][k * 4 + (size_t)g] = m->sif_n[g];
    put(m, S_REINSPECTED, (double)m->reinspected);
    put(m, S_IMPROVED, (double)m->improved);
    put(m, S_SIF_JUDGED, (double)m->sif_judged);
    for (int g = 0; g < CS_NGRADES; g++) {
        b->series[S_JUDGED_SIF][k * 4 + (size_t)g] = m->judged_n[0][g];
        b->series[S_JUDGED_STANDARD][k * 4 + (size_t)g] = m->judged_n[1][g];
        b->series[S_JUDGED_SHORT][k * 4 + (size_t)g] = m->judged_n[2][g];
    }
    for (int j = 0; j < CS_NGRADES * CS_NGRADES; j++)
        b->series[S_TRANSITIONS][k * 16 + (size_t)j] = m->trans_n[j];
    m->snap++;
    if (m->snap < m->w->n_time)
        cs_engine_schedule(m->eng, m->w->time_days[m->snap], PRIO_SNAPSHOT, EV_SNAPSHOT, -1, 0, 0);
}

/* ---- engine callbacks ---- */

static void reset_state(cs_model *m)
{
    size_t n = m->n;
    memset(m->grade_n, 0, sizeof m->grade_n);
    memset(m->gov_n, 0, sizeof m->gov_n);
    memset(m->sif_n, 0, sizeof m->sif_n);
    memset(m->judged_n, 0, sizeof m->judged_n);
    memset(m->trans_n, 0, sizeof m->trans_n);
    m->sif_judged = 0;
    m->reinspected = m->improved = 0;
    memset(m->sif_j, 0, n);
    memset(m->trust_due, 0, n);
    m->commissioners = m->trusts_created = m->sponsors_used = m->inspections = 0;
    m->monitoring = m->emergencies = m->n_signals = m->detections = m->latent_n = m->starts = 0;
    m->und_total = m->lat_total = m->wait_total = m->overdue_days = m->grad_placed = 0;
    m->leavers_acc = m->perm_int = m->prev_busy = m->prev_cap = 0;
    m->busy_int = m->cap_int = m->acct_t = 0;
    m->pool = 0;
    m->snap = 0;
    m->q_len = m->q_live = 0;
    m->q_seq = 0;
    m->used = 0;
    memset(m->graded, 0, n * sizeof *m->graded);
    memset(m->visit, 0, n * sizeof *m->visit);
    size_t hs = n * sizeof(cs_evhandle);
    memset(m->h_review, 0, hs);
    memset(m->h_appoint, 0, hs);
    memset(m->h_lift, 0, hs);
    memset(m->h_report, 0, hs);
    memset(m->h_live, 0, hs);
    memset(m->sponsor, 0, n);
    memset(m->latent, 0, n);
    memset(m->signals, 0, n * sizeof *m->signals);
    memset(m->n_inad, 0, n * sizeof *m->n_inad);
    memset(m->lat_n, 0, n * sizeof *m->lat_n);
    memset(m->n_insp, 0, n * sizeof *m->n_insp);
    for (size_t i = 0; i < n; i++) {
        m->und_years[i] = m->lat_sum[i] = m->inad_years[i] = 0;
        m->cross_t[i] = m->mon_t[i] = m->live_t[i] = m->notice_t[i] = NAN;
        m->mon_y[i] = NAN;
    }
}

static int model_init(void *vm, cs_engine *eng)
{
    cs_model *m = vm;
    const cs_params *p = m->p;
    const cs_world *w = m->w;
    reset_state(m);
    double th = p->theta;
    m->tick_e = exp(-th * cs_days_to_years(p->sample_days));
    m->tick_sd = p->qsd * sqrt((1.0 - p->persist) * (1.0 - m->tick_e * m->tick_e));
    m->fw = p->first_framework;
    if (p->first_framework == CS_FW_SIF && p->ilacs_from <= p->start) m->fw = CS_FW_ILACS;
    for (size_t i = 0; i < m->n; i++) {
        const cs_authority *a = &w->table.rows[i];
        m->grade[i] = (uint8_t)a->grade;
        m->grade_n[a->grade]++;
        m->gov[i] = (uint8_t)a->governance;
        m->jfw[i] = (uint8_t)a->judged_fw;
        m->sif_j[i] = (uint8_t)(a->judged_fw == CS_JFW_SIF);
        if (m->sif_j[i]) m->sif_n[a->grade]++;
        m->sif_ever[i] = (uint8_t)(a->sif_done != 0);
        m->sif_judged += m->sif_ever[i];
        m->gov_n[a->governance]++;
        m->grade_t[i] = (double)(a->grade_date - p->start);
        m->last_graded[i] = m->last_visit[i] = m->grade_t[i];
        for (int j = 0; j < a->n_inadequate && j < CS_MAX_PRIOR_INADEQUATE; j++)
            m->inad_t[i * CS_MAX_PRIOR_INADEQUATE + (size_t)j] =
                (double)(a->inadequate_dates[j] - p->start);
        m->n_inad[i] = a->n_inadequate;
        init_workforce(m, (int)i);
        m->u[i] = 0;
        cs_set_mean(m, (int)i);
        if (p->grade_model == CS_GM_PROBIT) {
            init_quality(m, (int)i);
            cs_set_mean(m, (int)i); /* with the persistent effect drawn */
        } else
            m->q[i] = NAN, m->q_t[i] = 0;
        if (p->lead_rate > 0)
            cs_engine_schedule(
                eng,
                gsl_ran_exponential(cs_rng(m, (int)i, CS_PROC_LEADERSHIP), 365.25 / p->lead_rate),
                PRIO_STATE, EV_LEADERSHIP, (int)i, 0, 0);
        if (m->gov[i] == CS_GOV_NOTICE) m->notice_t[i] = 0;
    }
    for (size_t i = 0; i < m->n; i++) {
        m->sig_left[i] = gsl_ran_exponential(cs_rng(m, (int)i, CS_PROC_SIGNALS), 1.0);
        draw_signals(m, (int)i, 0, p->sample_days);
    }
    cs_insp_init(m);
    cs_regime_init(m);
    cs_engine_schedule(eng, 0, PRIO_SNAPSHOT, EV_SNAPSHOT, -1, 0, 0);
    /* The tick samples quality, moves the workforce and draws signals; with markov grades,
     * no workforce and no signals it has nothing to do, and is not scheduled. */
    int tick = p->grade_model == CS_GM_PROBIT || p->workforce_on || p->sig_false_rate > 0;
    if (tick && p->sample_days <= w->t_end)
        cs_engine_schedule(eng, p->sample_days, PRIO_TICK, EV_TICK, -1, 0, 0);
    return CS_OK;
}

/* The model's invariants, checked after every event when cs_model_set_checks is on (tests):
 * workforce accounting (posts = permanent + agency + uncovered vacancies, none negative), a
 * national supply pool never negative, counts that add up to the authorities, capacity in use
 * within bounds. */
static int check_invariants(const cs_model *m)
{
    const double eps = 1e-9;
    int32_t ng = 0, nv = 0;
    for (int g = 0; g < CS_NGRADES; g++)
        ng += m->grade_n[g];
    for (int g = 0; g < CS_NGOV; g++)
        nv += m->gov_n[g];
    if (ng != (int32_t)m->n || nv != (int32_t)m->n) return CS_EMODEL;
    if (m->pool < -eps || m->used < -eps) return CS_EMODEL;
    for (size_t i = 0; i < m->n; i++) {
        double v = m->posts[i] - m->perm[i] - m->agency[i];
        if (m->perm[i] < -eps || m->agency[i] < -eps || v < -eps * (1 + m->posts[i]))
            return CS_EMODEL;
    }
    return CS_OK;
}

void cs_model_set_checks(cs_model *m, int on)
{
    m->checks = on;
}

static int dispatch(cs_model *m, const cs_event *ev);

static int model_handle(void *vm, cs_engine *eng, const cs_event *ev)
{
    cs_model *m = vm;
    (void)eng;
    int rc = dispatch(m, ev);
    if (rc == CS_OK && m->checks) {
        rc = check_invariants(m);
        if (rc)
            cs_error_set(cs_engine_error(m->eng), rc, NULL, 0, 0, NULL,
                         "model invariant broken after event type %d at t=%g", (int)ev->type,
                         ev->time);
    }
    return rc;
}

static int dispatch(cs_model *m, const cs_event *ev)
{
    switch (ev->type) {
    case EV_TICK:
        on_tick(m);
        return CS_OK;
    case EV_SNAPSHOT:
        on_snapshot(m);
        return CS_OK;
    case EV_SIGNAL:
        on_signal(m, ev);
        return CS_OK;
    case EV_LEADERSHIP: {
        int i = ev->la;
        cs_q_sample(m, i, ev->time);
        gsl_rng *r = cs_rng(m, i, CS_PROC_LEADERSHIP);
        double jump = cs_dist_sample(&m->p->lead_jump, r);
        if (m->p->grade_model == CS_GM_PROBIT) m->q[i] += jump;
        cs_log(m, i, CS_EV_LEADERSHIP_CHANGE, -1, -1, jump);
        cs_engine_schedule(m->eng, ev->time + gsl_ran_exponential(r, 365.25 / m->p->lead_rate),
                           PRIO_STATE, EV_LEADERSHIP, i, 0, 0);
        return CS_OK;
    }
    case EV_REQUEST:
        return cs_insp_on_request(m, ev);
    case EV_VISIT_END:
        return cs_insp_on_end(m, ev);
    case EV_SWITCH:
        cs_insp_switch(m);
        return CS_OK;
    case EV_CAPACITY:
        cs_insp_capacity(m, cs_capacity_at(m, ev->time));
        return CS_OK;
    case EV_MONITOR_START:
        cs_insp_monitor_start(m);
        return CS_OK;
    case EV_RISK:
        cs_insp_risk(m);
        return CS_OK;
    default:
        return cs_regime_handle(m, ev);
    }
}

static int model_finalize(void *vm, cs_engine *eng, double t_end)
{
    cs_model *m = vm;
    (void)eng;
    for (size_t i = 0; i < m->n; i++) {
        cs_q_sample(m, (int)i, t_end);
        if (m->grade[i] == CS_GRADE_INADEQUATE)
            m->inad_years[i] += cs_days_to_years(t_end - fmax(m->grade_t[i], 0));
    }
    cs_insp_account(m);
    return CS_OK;
}

static const cs_model_type model_type = {"children's services", model_init, model_handle,
                                         model_finalize};

int cs_model_run(cs_model *m, const cs_params *p, uint64_t seed, uint64_t rep, cs_repbuf *buf,
                 cs_error *err)
{
    m->p = p;
    m->buf = buf;
    cs_repbuf_reset(buf, rep);
    cs_streams_reset(m->st, seed, rep);
    cs_engine_reset(m->eng);
    int rc = cs_engine_run(m->eng, m->w->t_end);
    m->events = cs_engine_events(m->eng);
    if (rc) {
        if (err) *err = *cs_engine_error(m->eng);
        return rc;
    }
    double *s = buf->summary;
    s[M_EVENTS] = (double)m->events;
    s[M_COMMISSIONERS] = (double)m->commissioners;
    s[M_TRUSTS] = (double)m->trusts_created;
    s[M_INSPECTIONS] = (double)m->inspections;
    s[M_OVERDUE_DAYS] = m->overdue_days;
    s[M_MEAN_WAIT] = m->starts ? m->wait_total / (double)m->starts : NAN;
    s[M_UTIL] = (!p->unlimited && m->cap_int > 0) ? m->busy_int / m->cap_int : NAN;
    s[M_INSPECTOR_DAYS] = m->busy_int;
    s[M_LATENCY] = m->detections ? m->lat_total / (double)m->detections : NAN;
    s[M_DETECTIONS] = (double)m->detections;
    s[M_UND_YEARS] = p->grade_model == CS_GM_PROBIT ? m->und_total : NAN;
    for (size_t i = 0; i < m->n; i++) {
        buf->lastat[L_UND][i] = p->grade_model == CS_GM_PROBIT ? m->und_years[i] : NAN;
        buf->lastat[L_LAT][i] = m->lat_n[i] ? m->lat_sum[i] / m->lat_n[i] : NAN;
        buf->lastat[L_INAD_YEARS][i] = m->inad_years[i];
        buf->lastat[L_INSP][i] = m->n_insp[i];
    }
    return CS_OK;
}
