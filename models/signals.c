/* Concern signals (signals.h). The rate is constant over each tick interval, so arrivals are
 * exact by the integrated hazard: each authority carries the Exp(1) budget left until its next
 * signal and spends rate * dt per interval; only an arrival draws random numbers. */
#include "signals.h"

#include "inspect.h"
#include "quality.h"

#include "cssim/rng.h"

#include <gsl/gsl_randist.h>

struct cs_signals {
    double *left; /* Exp(1) hazard budget left until the next concern signal */
    int64_t n;    /* signals so far */
};

/* Schedules the signals of authority i over [t, t + dt); dy = dt in years. Draws are inline
 * Philox (cssim/rng.h: the same bits as gsl_rng_uniform and gsl_ran_exponential). */
static void draw(cs_model *m, int i, double t, double dt, double dy)
{
    const cs_params *p = m->p;
    double *left = &m->sig->left[i];
    double genuine = p->grade_model == CS_GM_PROBIT
                         ? p->sig_rate * exp(-p->sig_slope * cs_quality_value(m, i))
                         : 0;
    double rate = genuine + p->sig_false_rate;
    if (rate <= 0) return;
    double h = rate * dy, used = 0;
    if (!isfinite(h)) return; /* a non-finite quality reading is caught by its own check */
    unsigned guard = 0;
    while (*left <= h - used && guard++ < 10000) {
        gsl_rng *r = cs_model_rng(m, i, CS_PROC_SIGNALS);
        used += *left;
        double at = t + dt * used / h;
        int real = cs_rng_uniform(r) * rate < genuine;
        double sev = cs_rng_exponential(r, real ? p->sig_sev_genuine : p->sig_sev_false);
        cs_engine_schedule(m->eng, at, PRIO_STATE, EV_SIGNAL, i, real, sev);
        *left = cs_rng_exponential(r, 1.0);
    }
    *left -= h - used;
}

/* Whether any signal can arrive: the rate is positive somewhere. Else nothing is drawn (the
 * signals' streams are theirs alone, so skipping them changes no other draw). */
static int can_signal(const cs_params *p)
{
    return (p->grade_model == CS_GM_PROBIT && p->sig_rate > 0) || p->sig_false_rate > 0;
}

static void init(cs_model *m)
{
    m->sig->n = 0;
    if (!can_signal(m->p)) return;
    for (size_t i = 0; i < m->n; i++) {
        m->sig->left[i] = cs_rng_exponential(cs_model_rng(m, (int)i, CS_PROC_SIGNALS), 1.0);
        draw(m, (int)i, 0, m->p->sample_days, cs_days_to_years(m->p->sample_days));
    }
}

static void tick(cs_model *m, double t, double dt)
{
    if (t + dt > m->w->t_end || !can_signal(m->p)) return;
    double dy = cs_days_to_years(dt);
    for (size_t i = 0; i < m->n; i++)
        draw(m, (int)i, t, dt, dy);
}

/* A signal arrives: the inspectorate hears of it; with sharper triggers, one more severe than
 * the threshold books an emergency inspection. */
static int on_signal(cs_model *m, const cs_event *ev)
{
    int i = ev->la;
    m->sig->n++;
    cs_inspect_concern(m, i);
    cs_model_log(m, i, CS_EV_SIGNAL, (int)ev->aux, -1, ev->value);
    if (m->p->sharper && ev->value > m->p->sig_threshold) cs_inspect_emergency(m, i);
    return CS_OK;
}

static void snapshot(cs_model *m, size_t k)
{
    (void)k;
    *cs_model_series(m, S_SIGNALS) = (double)m->sig->n;
}

static const cs_handler handlers[] = {{EV_SIGNAL, on_signal}};

static const cs_array_def arrays[] = {
    CS_ARRAY(struct cs_signals, left, 1, 0),
};

const cs_component cs_signals_component = {
    .name = "signals",
    .state_size = sizeof(struct cs_signals),
    .state_offset = offsetof(cs_model, sig),
    .n_arrays = sizeof arrays / sizeof arrays[0],
    .arrays = arrays,
    .init = init,
    .tick = tick,
    .snapshot = snapshot,
    .n_handlers = 1,
    .handlers = handlers,
};
