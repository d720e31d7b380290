/* Yardsticks: the truth-based measures (yardsticks.h). An episode of undetected failure starts
 * when latent quality enters the inadequate band while the published grade is better (or
 * when a better grade is published over a latent failure) and ends at detection (an
 * inadequate judgement) or recovery. */
#include "yardsticks.h"

#include <string.h>

struct cs_yardsticks {
    uint8_t *latent; /* quality in the inadequate band at its last sample */
    double *cross_t; /* start of an undetected latent-inadequate episode (NAN if none) */
    double *und_years, *lat_sum, *inad_years;
    int32_t *lat_n;
    int64_t detections, latent_n;
    double und_total, lat_total;
};

static void init(cs_model *m)
{
    struct cs_yardsticks *y = m->yard;
    y->detections = y->latent_n = 0;
    y->und_total = y->lat_total = 0;
    memset(y->latent, 0, m->n);
    memset(y->lat_n, 0, m->n * sizeof *y->lat_n);
    for (size_t i = 0; i < m->n; i++) {
        y->und_years[i] = y->lat_sum[i] = y->inad_years[i] = 0;
        y->cross_t[i] = NAN;
    }
}

void cs_yardsticks_accrue(cs_model *m, int i, double dt)
{
    struct cs_yardsticks *y = m->yard;
    if (y->latent[i] && m->grade[i] != CS_GRADE_INADEQUATE) {
        double yr = cs_days_to_years(dt);
        y->und_years[i] += yr;
        y->und_total += yr;
    }
}

void cs_yardsticks_observe(cs_model *m, int i, double t, double q, int lat)
{
    struct cs_yardsticks *y = m->yard;
    if (lat && !y->latent[i]) {
        y->latent_n++;
        if (m->grade[i] != CS_GRADE_INADEQUATE) {
            y->cross_t[i] = t;
            cs_model_log(m, i, CS_EV_LATENT_INADEQUATE, -1, -1, q);
        }
    } else if (!lat && y->latent[i]) {
        y->latent_n--;
        if (!isnan(y->cross_t[i]))
            cs_model_log(m, i, CS_EV_LATENT_RECOVERED, -1, -1, t - y->cross_t[i]);
        y->cross_t[i] = NAN;
    }
    y->latent[i] = (uint8_t)lat;
}

void cs_yardsticks_start(cs_model *m, int i, int lat)
{
    struct cs_yardsticks *y = m->yard;
    y->latent[i] = (uint8_t)lat;
    if (lat) {
        y->latent_n++;
        if (m->grade[i] != CS_GRADE_INADEQUATE) y->cross_t[i] = 0;
    }
}

/* time judged inadequate: the interval under the grade now replaced (or at the end) */
static void close_inadequate(cs_model *m, int i, double t)
{
    if (m->grade[i] == CS_GRADE_INADEQUATE)
        m->yard->inad_years[i] += cs_days_to_years(t - fmax(m->grade_t[i], 0));
}

void cs_yardsticks_before_publish(cs_model *m, int i, double now)
{
    close_inadequate(m, i, now);
}

void cs_yardsticks_published(cs_model *m, int i, int grade, double now)
{
    struct cs_yardsticks *y = m->yard;
    if (grade == CS_GRADE_INADEQUATE && !isnan(y->cross_t[i])) {
        double lat = now - y->cross_t[i];
        y->detections++;
        y->lat_total += lat;
        y->lat_sum[i] += lat;
        y->lat_n[i]++;
        y->cross_t[i] = NAN;
        cs_model_log(m, i, CS_EV_FAILURE_DETECTED, -1, -1, lat);
    }
    if (grade != CS_GRADE_INADEQUATE && y->latent[i] && isnan(y->cross_t[i]))
        y->cross_t[i] = now; /* latent failure now hidden behind a better grade */
}

static void snapshot(cs_model *m, size_t k)
{
    (void)k;
    const struct cs_yardsticks *y = m->yard;
    int probit = m->p->grade_model == CS_GM_PROBIT;
    int32_t und = 0;
    for (size_t i = 0; i < m->n; i++)
        und += y->latent[i] && m->grade[i] != CS_GRADE_INADEQUATE;
    *cs_model_series(m, S_LATENT) = probit ? (double)y->latent_n : NAN;
    *cs_model_series(m, S_UNDETECTED) = probit ? (double)und : NAN;
    *cs_model_series(m, S_UND_YEARS) = probit ? y->und_total : NAN;
    *cs_model_series(m, S_DETECTIONS) = (double)y->detections;
    *cs_model_series(m, S_LATENCY) = y->detections ? y->lat_total / (double)y->detections : NAN;
}

static void finalize(cs_model *m, double t_end)
{
    for (size_t i = 0; i < m->n; i++)
        close_inadequate(m, (int)i, t_end);
}

static void summarize(const cs_model *m, cs_repbuf *b)
{
    const struct cs_yardsticks *y = m->yard;
    int probit = m->p->grade_model == CS_GM_PROBIT;
    b->summary[M_LATENCY] = y->detections ? y->lat_total / (double)y->detections : NAN;
    b->summary[M_DETECTIONS] = (double)y->detections;
    b->summary[M_UND_YEARS] = probit ? y->und_total : NAN;
    for (size_t i = 0; i < m->n; i++) {
        b->lastat[L_UND][i] = probit ? y->und_years[i] : NAN;
        b->lastat[L_LAT][i] = y->lat_n[i] ? y->lat_sum[i] / y->lat_n[i] : NAN;
        b->lastat[L_INAD_YEARS][i] = y->inad_years[i];
    }
}

static const cs_array_def arrays[] = {
    CS_ARRAY(struct cs_yardsticks, latent, 1, 0),     CS_ARRAY(struct cs_yardsticks, cross_t, 1, 0),
    CS_ARRAY(struct cs_yardsticks, und_years, 1, 0),  CS_ARRAY(struct cs_yardsticks, lat_sum, 1, 0),
    CS_ARRAY(struct cs_yardsticks, inad_years, 1, 0), CS_ARRAY(struct cs_yardsticks, lat_n, 1, 0),
};

const cs_component cs_yardsticks_component = {
    .name = "yardsticks",
    .state_size = sizeof(struct cs_yardsticks),
    .state_offset = offsetof(cs_model, yard),
    .n_arrays = sizeof arrays / sizeof arrays[0],
    .arrays = arrays,
    .init = init,
    .snapshot = snapshot,
    .finalize = finalize,
    .summarize = summarize,
};
