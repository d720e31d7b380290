/* Latent quality (quality.h). Each exact sample also reports to the yardsticks, which keep
 * the truth-based measures. */
#include "quality.h"

#include "workforce.h"
#include "yardsticks.h"

#include "cssim/rng.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

struct cs_quality {
    double *q, *q_t, *mean; /* quality, its sample time, its current mean */
    double *u;              /* persistent authority effect on the mean */
    double tick_e, tick_sd; /* OU factors for one tick (dt = sample_days) */
};

/* Threshold k of framework fw (ILACS: a standard [sub 0] or short [sub 1] inspection): the
 * ILACS thresholds are the SIF's plus shifts, so they follow this replication's SIF draw. */
static double cut_of(const cs_params *p, int fw, int sub, int k)
{
    double c = p->judge[CS_FW_SIF].c[k] + p->judge[CS_FW_SIF].shift;
    if (fw == CS_FW_ILACS) c += p->judge[CS_FW_ILACS].shift + p->ilacs_d[sub][k ? k : 1];
    return c;
}

double cs_quality_cut(const cs_model *m, int k)
{
    return cut_of(m->p, m->fw, 0, k);
}

double cs_quality_cut_kind(const cs_model *m, int kind, int k)
{
    return kind == CS_KIND_SIF ? cut_of(m->p, CS_FW_SIF, 0, k)
                               : cut_of(m->p, CS_FW_ILACS, kind == CS_KIND_ILACS_SHORT, k);
}

static int band(const cs_model *m, double q)
{
    if (q <= cs_quality_cut(m, 1)) return CS_GRADE_INADEQUATE;
    if (q <= cs_quality_cut(m, 2)) return CS_GRADE_RI;
    if (q <= cs_quality_cut(m, 3)) return CS_GRADE_GOOD;
    return CS_GRADE_OUTSTANDING;
}

double cs_quality_value(const cs_model *m, int i)
{
    return m->qual->q[i];
}

void cs_quality_set_mean(cs_model *m, int i)
{
    const cs_params *p = m->p;
    if (p->grade_model == CS_GM_MARKOV) return; /* nothing reads quality under markov grades */
    double t = cs_model_now(m);
    m->qual->mean[i] = p->base + m->qual->u[i] + p->gov_effect[m->gov[i]] +
                       p->beta_workforce * (cs_workforce_stability(m, i) - p->stability_ref) +
                       p->drift * cs_days_to_years(t);
}

/* The OU transition is Gaussian: exact over any dt. The yardsticks accrue over [q_t, t] by
 * the state at q_t (the left end; states change only at samples). */
void cs_quality_sample(cs_model *m, int i, double t)
{
    struct cs_quality *s = m->qual;
    if (m->p->grade_model == CS_GM_MARKOV) {
        s->q_t[i] = t;
        return;
    }
    double dt = t - s->q_t[i];
    if (dt <= 0) return;
    cs_yardsticks_accrue(m, i, dt);
    double e, sd;
    if (fabs(dt - m->p->sample_days) < 1e-9) {
        e = s->tick_e;
        sd = s->tick_sd;
    } else {
        double th = m->p->theta;
        e = exp(-th * cs_days_to_years(dt));
        sd = m->p->qsd * sqrt((1.0 - m->p->persist) * (1.0 - e * e));
    }
    double z = cs_rng_gaussian(cs_model_rng(m, i, CS_PROC_QUALITY), 1.0);
    s->q[i] = s->mean[i] + (s->q[i] - s->mean[i]) * e + sd * z;
    s->q_t[i] = t;
    cs_yardsticks_observe(m, i, t, s->q[i], s->q[i] <= cs_quality_cut(m, 1));
}

/* The interval (lo, hi) of the reading that gave authority a's grade at the start, on the
 * scale of the framework that gave it (SIF; ILACS, short for good or better, standard
 * otherwise, as ILACS assigns them; older frameworks: the SIF's thresholds +
 * judgement.older.shift). */
static void start_interval(const cs_params *p, const cs_authority *a, double *lo, double *hi)
{
    int ilacs = a->judged_fw == CS_JFW_ILACS;
    double c[4];
    for (int k = 0; k < 4; k++)
        c[k] = ilacs ? cut_of(p, CS_FW_ILACS, a->grade <= CS_GRADE_GOOD, k)
                     : cut_of(p, CS_FW_SIF, 0, k) +
                           (a->judged_fw == CS_JFW_OLDER ? p->older_shift : 0);
    *lo = -INFINITY, *hi = INFINITY;
    switch (a->grade) {
    case CS_GRADE_INADEQUATE:
        *hi = c[1];
        break;
    case CS_GRADE_RI:
        *lo = c[1], *hi = c[2];
        break;
    case CS_GRADE_GOOD:
        *lo = c[2], *hi = c[3];
        break;
    default:
        *lo = c[3];
        break;
    }
}

/* Initial quality given the real grade: (q, y) are jointly normal at the judgement, the
 * reading y lay in the grade's interval (start_interval); draw y from its truncated normal, q
 * given y, the persistent effect u given q (Cov(u, q) = Var u = persist * sd^2), then carry q
 * forward to the start by the OU transition around the authority's own mean. */
static void init_quality(cs_model *m, int i)
{
    const cs_params *p = m->p;
    struct cs_quality *s = m->qual;
    const cs_authority *a = &m->w->table.rows[i];
    gsl_rng *r = cs_model_rng(m, i, CS_PROC_INIT);
    double s2 = p->qsd * p->qsd;
    double mu = s->mean[i];
    double tau = p->judge[a->judged_fw == CS_JFW_ILACS ? CS_FW_ILACS : CS_FW_SIF].tau;
    double lo, hi;
    start_interval(p, a, &lo, &hi);
    double sy = sqrt(s2 + tau * tau);
    double q = mu; /* with no spread at all, quality sits at its mean */
    if (sy > 0) {
        double plo = gsl_cdf_ugaussian_P((lo - mu) / sy), phi = gsl_cdf_ugaussian_P((hi - mu) / sy);
        double u = plo + (phi - plo) * cs_rng_uniform_pos(r);
        if (u <= 0) u = 1e-300;
        if (u >= 1) u = 1 - 1e-16;
        double y = mu + sy * gsl_cdf_ugaussian_Pinv(u);
        double k = s2 / (s2 + tau * tau);
        q = mu + k * (y - mu) + sqrt(s2 * (1 - k)) * cs_rng_gaussian(r, 1.0);
        double rho = p->persist;
        if (rho > 0) {
            s->u[i] = rho * (q - mu) + sqrt(s2 * rho * (1 - rho)) * cs_rng_gaussian(r, 1.0);
            mu += s->u[i];
        }
        double age = -(double)(a->grade_date - p->start); /* days before the start */
        if (age > 0) {
            double e = exp(-p->theta * cs_days_to_years(age));
            q = mu + (q - mu) * e + sqrt(s2 * (1 - rho) * (1 - e * e)) * cs_rng_gaussian(r, 1.0);
        }
    }
    s->q[i] = q;
    s->q_t[i] = 0;
    cs_yardsticks_start(m, i, q <= cs_quality_cut(m, 1));
}

static void init(cs_model *m)
{
    const cs_params *p = m->p;
    struct cs_quality *s = m->qual;
    s->tick_e = exp(-p->theta * cs_days_to_years(p->sample_days));
    s->tick_sd = p->qsd * sqrt((1.0 - p->persist) * (1.0 - s->tick_e * s->tick_e));
    for (size_t i = 0; i < m->n; i++) {
        s->u[i] = 0;
        cs_quality_set_mean(m, (int)i);
        if (p->grade_model == CS_GM_PROBIT) {
            init_quality(m, (int)i);
            cs_quality_set_mean(m, (int)i); /* with the persistent effect drawn */
        } else
            s->q[i] = NAN, s->q_t[i] = 0;
        if (p->lead_rate > 0)
            cs_engine_schedule(m->eng,
                               cs_rng_exponential(cs_model_rng(m, (int)i, CS_PROC_LEADERSHIP),
                                                  365.25 / p->lead_rate),
                               PRIO_STATE, EV_LEADERSHIP, (int)i, 0, 0);
    }
}

/* Every authority sampled at t, then its mean set as cs_quality_set_mean does (the same
 * sum in the same order; the drift term, the same for all, computed once). */
static void tick(cs_model *m, double t, double dt)
{
    (void)dt;
    const cs_params *p = m->p;
    struct cs_quality *s = m->qual;
    if (p->grade_model == CS_GM_MARKOV) { /* no quality to move: only the sample times */
        for (size_t i = 0; i < m->n; i++)
            s->q_t[i] = t;
        return;
    }
    double drift = p->drift * cs_days_to_years(t);
    for (size_t i = 0; i < m->n; i++) {
        cs_quality_sample(m, (int)i, t);
        s->mean[i] = p->base + s->u[i] + p->gov_effect[m->gov[i]] +
                     p->beta_workforce * (cs_workforce_stability(m, (int)i) - p->stability_ref) +
                     drift;
    }
}

static int on_leadership(cs_model *m, const cs_event *ev)
{
    int i = ev->la;
    cs_quality_sample(m, i, ev->time);
    gsl_rng *r = cs_model_rng(m, i, CS_PROC_LEADERSHIP);
    double jump = cs_dist_sample(&m->p->lead_jump, r);
    if (m->p->grade_model == CS_GM_PROBIT) m->qual->q[i] += jump;
    cs_model_log(m, i, CS_EV_LEADERSHIP_CHANGE, -1, -1, jump);
    cs_engine_schedule(m->eng, ev->time + cs_rng_exponential(r, 365.25 / m->p->lead_rate),
                       PRIO_STATE, EV_LEADERSHIP, i, 0, 0);
    return CS_OK;
}

static void snapshot(cs_model *m, size_t k)
{
    const struct cs_quality *s = m->qual;
    size_t n = m->n;
    int probit = m->p->grade_model == CS_GM_PROBIT;
    double mis = 0;
    if (probit)
        for (size_t i = 0; i < n; i++)
            mis += band(m, s->q[i]) != m->grade[i];
    if (m->p->out_panel) { /* the panel is only filled when it is recorded */
        float *pq = (float *)m->buf->panel[P_QUALITY] + k * n;
        for (size_t i = 0; i < n; i++)
            pq[i] = probit ? cs_model_panel_float(s->q[i]) : NAN;
    }
    *cs_model_series(m, S_MISGRADED) = probit ? mis / (double)n : NAN;
}

static void finalize(cs_model *m, double t_end)
{
    for (size_t i = 0; i < m->n; i++)
        cs_quality_sample(m, (int)i, t_end);
}

void cs_quality_set_state(cs_model *m, int i, double mean, double q, double t)
{
    m->qual->mean[i] = mean;
    m->qual->q[i] = q;
    m->qual->q_t[i] = t;
}

double cs_quality_sample_time(const cs_model *m, int i)
{
    return m->qual->q_t[i];
}

void cs_quality_tick_factors(const cs_model *m, double *e, double *sd)
{
    *e = m->qual->tick_e;
    *sd = m->qual->tick_sd;
}

static const cs_handler handlers[] = {{EV_LEADERSHIP, on_leadership}};

static const cs_array_def arrays[] = {
    CS_ARRAY(struct cs_quality, q, 1, 0),
    CS_ARRAY(struct cs_quality, q_t, 1, 0),
    CS_ARRAY(struct cs_quality, mean, 1, 0),
    CS_ARRAY(struct cs_quality, u, 1, 0),
};

const cs_component cs_quality_component = {
    .name = "quality",
    .state_size = sizeof(struct cs_quality),
    .state_offset = offsetof(cs_model, qual),
    .n_arrays = sizeof arrays / sizeof arrays[0],
    .arrays = arrays,
    .init = init,
    .tick = tick,
    .snapshot = snapshot,
    .finalize = finalize,
    .n_handlers = 1,
    .handlers = handlers,
};
