/* The workforce (workforce.h), moved at each national tick: permanent leavers are Poisson with
 * the census turnover scaled by grade and vacancies; the national pool gains new entrants and
 * movers, decays, and is hired from in proportion to each authority's open posts times the
 * attractiveness of its grade; agency cover moves towards its target share of open posts. */
#include "workforce.h"

#include "cssim/rng.h"

#include <gsl/gsl_randist.h>

struct cs_workforce {
    double *posts, *perm, *agency, *h0, *stab;
    double *h_ref; /* turnover response in the start state */
    double pool;
    double leavers_acc, perm_int; /* since the previous snapshot */
    double grad_placed;
};

double cs_workforce_stability(const cs_model *m, int i)
{
    return m->wf->stab[i];
}

double cs_workforce_vacancy(const cs_model *m, int i)
{
    const struct cs_workforce *f = m->wf;
    return f->posts[i] > 0 ? (f->posts[i] - f->perm[i]) / f->posts[i] : 0;
}

static void init(cs_model *m)
{
    struct cs_workforce *f = m->wf;
    f->pool = f->leavers_acc = f->perm_int = f->grad_placed = 0;
    for (size_t i = 0; i < m->n; i++) {
        const cs_authority *a = &m->w->table.rows[i];
        f->posts[i] = a->posts_fte;
        f->perm[i] = a->permanent_fte;
        f->agency[i] = a->agency_fte;
        f->h0[i] = a->turnover_rate;
        double vac0 = a->posts_fte > 0 ? (a->posts_fte - a->permanent_fte) / a->posts_fte : 0;
        f->h_ref[i] = (1 + m->p->wf_turnover_inadequate * (a->grade == CS_GRADE_INADEQUATE)) *
                      (1 + m->p->wf_turnover_vacancy * vac0);
        f->stab[i] = a->posts_fte > 0 ? a->permanent_fte / a->posts_fte : 1.0;
    }
}

static double supply_per_year(const cs_model *m, double t, double *grads)
{
    const cs_params *p = m->p;
    double day = (double)p->start + t;
    *grads = (day >= p->wf_grad_from && day <= p->wf_grad_to) ? p->wf_grad_extra : 0.0;
    return p->wf_nq + p->wf_frontline + p->wf_stepup + *grads;
}

#define POISSON_UNROLL 8

/* Poisson by inversion (one uniform: the inline Philox draw, the same bits as
 * gsl_rng_uniform); the means here are small (a few leavers a month). */
static double poisson_small(gsl_rng *r, double mu)
{
    if (mu > 30) return (double)gsl_ran_poisson(r, mu);
    double u = cs_rng_uniform(r), pk = exp(-mu), cdf = pk;
    /* The first POISSON_UNROLL terms without a branch: the CDF never decreases, so the count
     * of those below u is the answer when it is less than POISSON_UNROLL. The same products
     * and sums in the same order as the loop below, hence the same bits; it saves the loop's
     * mispredicted exit in most draws (means of a few leavers). */
    unsigned below = u > cdf;
    for (unsigned j = 1; j < POISSON_UNROLL; j++) {
        pk *= mu / j;
        cdf += pk;
        below += u > cdf;
    }
    if (below < POISSON_UNROLL) return (double)below;
    unsigned k = POISSON_UNROLL - 1;
    while (u > cdf && k < 1000) {
        k++;
        pk *= mu / k;
        cdf += pk;
    }
    return (double)k;
}

/* Permanent leavers over dy years; adds the open posts weighted by attractiveness to *demand. */
static double leave(cs_model *m, double dy, double *demand)
{
    const cs_params *p = m->p;
    struct cs_workforce *f = m->wf;
    /* sums in locals (the same additions in the same order as into *demand and perm_int):
     * through memory they would be reloaded after every store to perm[] */
    double leavers_total = 0, dem = *demand, perm_int = f->perm_int;
    for (size_t i = 0; i < m->n; i++) {
        double vac = cs_workforce_vacancy(m, (int)i);
        /* the census turnover h0 was measured in the authority's start state: the response
         * scales it by the change of grade and vacancies since then */
        double h = f->h0[i] *
                   (1 + p->wf_turnover_inadequate * (m->grade[i] == CS_GRADE_INADEQUATE)) *
                   (1 + p->wf_turnover_vacancy * vac) / f->h_ref[i];
        perm_int += f->perm[i] * dy;
        double mean = f->perm[i] * h * dy;
        double lv = mean > 0 ? poisson_small(cs_model_rng(m, (int)i, CS_PROC_WORKFORCE), mean) : 0;
        if (lv > f->perm[i]) lv = f->perm[i];
        f->perm[i] -= lv;
        leavers_total += lv;
        dem += (f->posts[i] - f->perm[i]) * p->wf_attract.v[m->grade[i]];
    }
    *demand = dem;
    f->perm_int = perm_int;
    return leavers_total;
}

static void tick(cs_model *m, double t, double dt)
{
    const cs_params *p = m->p;
    struct cs_workforce *f = m->wf;
    if (!p->workforce_on) return;
    double dy = cs_days_to_years(dt), demand = 0;
    double leavers_total = leave(m, dy, &demand);
    f->leavers_acc += leavers_total;
    double grads;
    double inflow = supply_per_year(m, t, &grads) * dy;
    f->pool = f->pool * exp(-p->wf_pool_decay * dy) + inflow + p->wf_movers * leavers_total;
    double hired = 0;
    if (demand > 0 && f->pool > 0) {
        double share = f->pool / demand;
        for (size_t i = 0; i < m->n; i++) {
            double open = f->posts[i] - f->perm[i];
            double hi = open * p->wf_attract.v[m->grade[i]] * share;
            if (hi > open) hi = open;
            f->perm[i] += hi;
            hired += hi;
        }
    }
    if (hired > f->pool) hired = f->pool;
    f->pool -= hired;
    if (f->pool < 0) f->pool = 0;
    double total_in = inflow + p->wf_movers * leavers_total;
    if (total_in > 0) f->grad_placed += hired * (grads * dy) / total_in;
    double adj = 1 - exp(-p->wf_agency_adjust * dy);
    for (size_t i = 0; i < m->n; i++) {
        double open = f->posts[i] - f->perm[i];
        double a = f->agency[i] + (p->wf_agency_cover * open - f->agency[i]) * adj;
        f->agency[i] = a < 0 ? 0 : (a > open ? open : a);
        f->stab[i] = f->posts[i] > 0 ? f->perm[i] / f->posts[i] : 1.0;
    }
}

static void snapshot(cs_model *m, size_t k)
{
    struct cs_workforce *f = m->wf;
    size_t n = m->n;
    double posts = 0, perm = 0, agency = 0, stab = 0;
    for (size_t i = 0; i < n; i++) {
        posts += f->posts[i];
        perm += f->perm[i];
        agency += f->agency[i];
        stab += f->stab[i];
    }
    if (m->p->out_panel) { /* the panel is only filled when it is recorded */
        float *ps = (float *)m->buf->panel[P_STABILITY] + k * n;
        for (size_t i = 0; i < n; i++)
            ps[i] = cs_model_panel_float(f->stab[i]);
    }
    *cs_model_series(m, S_VACANCY) = posts > 0 ? (posts - perm) / posts : NAN;
    *cs_model_series(m, S_AGENCY) = agency + perm > 0 ? agency / (agency + perm) : NAN;
    *cs_model_series(m, S_TURNOVER) = f->perm_int > 0 ? f->leavers_acc / f->perm_int : NAN;
    f->leavers_acc = 0;
    f->perm_int = 0;
    *cs_model_series(m, S_STABILITY) = stab / (double)n;
    *cs_model_series(m, S_GRADUATES) = f->grad_placed;
    *cs_model_series(m, S_POOL) = f->pool;
}

/* Accounting: posts = permanent + agency + uncovered vacancies, none negative; the national
 * supply pool never negative. */
static int check(const cs_model *m)
{
    const struct cs_workforce *f = m->wf;
    const double eps = 1e-9;
    if (f->pool < -eps) return CS_EMODEL;
    for (size_t i = 0; i < m->n; i++) {
        double v = f->posts[i] - f->perm[i] - f->agency[i];
        if (f->perm[i] < -eps || f->agency[i] < -eps || v < -eps * (1 + f->posts[i]))
            return CS_EMODEL;
    }
    return CS_OK;
}

static const cs_array_def arrays[] = {
    CS_ARRAY(struct cs_workforce, posts, 1, 0),  CS_ARRAY(struct cs_workforce, perm, 1, 0),
    CS_ARRAY(struct cs_workforce, agency, 1, 0), CS_ARRAY(struct cs_workforce, h0, 1, 0),
    CS_ARRAY(struct cs_workforce, stab, 1, 0),   CS_ARRAY(struct cs_workforce, h_ref, 1, 0),
};

const cs_component cs_workforce_component = {
    .name = "workforce",
    .state_size = sizeof(struct cs_workforce),
    .state_offset = offsetof(cs_model, wf),
    .n_arrays = sizeof arrays / sizeof arrays[0],
    .arrays = arrays,
    .init = init,
    .tick = tick,
    .snapshot = snapshot,
    .check = check,
};
