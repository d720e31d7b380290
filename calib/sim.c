/* The default simulator: the configured scenario, with the candidate parameters, the horizon
 * and the seed set by overrides, run through the model (cs_run_rep, the runner `cssim run`
 * uses, so uncertain parameters are drawn the same way); each target is read from a national
 * series at a snapshot date. Replications run in parallel; each writes its own row, so the
 * result does not depend on the number of threads. */
#include "calib_impl.h"
#include "cli.h"
#include "params.h"
#include "cssim/streams.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

typedef struct where {
    int s, col;  /* series in the schema, column */
    size_t snap; /* snapshot */
} where;

static int resolve(const cs_calib *c, const cs_world *w, where *at, cs_error *err)
{
    const cs_schema *sc = cs_model_schema();
    const char *file = c->cfg.targets;
    for (size_t k = 0; k < c->nt; k++) {
        char name[96], *label = NULL;
        snprintf(name, sizeof name, "%s", c->t[k].series);
        char *br = strchr(name, '[');
        if (br) {
            *br = 0, label = br + 1;
            char *e = strchr(label, ']');
            if (e) *e = 0;
        }
        at[k].s = -1;
        for (size_t s = 0; s < sc->n_series; s++)
            if (!strcmp(sc->series[s].name, name)) at[k].s = (int)s;
        if (at[k].s < 0)
            return cs_error_set(err, CS_EINVAL, file, (int)k + 2, 1, c->t[k].series,
                                "no such national series (docs/output.md)");
        const cs_series_def *d = &sc->series[at[k].s];
        at[k].col = 0;
        if (label) {
            at[k].col = -1;
            for (size_t j = 0; d->labels && j < d->labels->n; j++)
                if (!strcmp(d->labels->labels[j], label)) at[k].col = (int)j;
            if (at[k].col < 0)
                return cs_error_set(err, CS_EINVAL, file, (int)k + 2, 1, c->t[k].series,
                                    "no such label");
        } else if (d->width != 1) {
            return cs_error_set(err, CS_EINVAL, file, (int)k + 2, 1, c->t[k].series,
                                "this series has %u columns: name one as series[label]", d->width);
        }
        size_t i = 0;
        while (i < w->n_time && strcmp(w->time_iso[i], c->t[k].date))
            i++;
        if (i == w->n_time)
            return cs_error_set(err, CS_EINVAL, file, (int)k + 2, 1, c->t[k].series,
                                "%s is not a snapshot date of the run (start %s, monthly)",
                                c->t[k].date, w->time_iso[0]);
        at[k].snap = i;
    }
    return CS_OK;
}

/* The overrides that turn the scenario into one evaluation at theta. */
static char **overrides(const cs_calib *c, const double *theta, size_t *n)
{
    char **sets = calloc(c->np + 6, sizeof *sets), buf[512];
    size_t k = 0;
    for (size_t j = 0; sets && j < c->np; j++) {
        snprintf(buf, sizeof buf, "%s=%.17g", c->keys[j], theta[j]);
        sets[k++] = strdup(buf);
    }
    snprintf(buf, sizeof buf, "time.horizon_years=%.17g", c->cfg.horizon_years);
    if (sets) sets[k++] = strdup(buf);
    snprintf(buf, sizeof buf, "run.seed=%lld", (long long)c->cfg.seed);
    if (sets) sets[k++] = strdup(buf);
    const char *fixed[] = {"output.panel=false", "output.events=false", "output.snapshot_months=1"};
    for (size_t i = 0; sets && i < 3; i++)
        sets[k++] = strdup(fixed[i]);
    *n = k;
    return sets;
}

static void free_overrides(char **sets, size_t n)
{
    for (size_t i = 0; sets && i < n; i++)
        free(sets[i]);
    free(sets);
}

/* Runs replications 0..R-1 of the loaded point and copies the targets out of each. */
static int run_reps(const cs_calib *c, const cs_config *cfg, const cs_params *p, const cs_world *w,
                    const where *at, size_t R, double *vals)
{
    const cs_schema *schema = cs_model_schema();
    const cs_uncertain *unc = NULL;
    size_t n_unc = cs_config_uncertain(cfg, 0, &unc);
    int failed = 0, threads = c->threads > 0 ? c->threads : omp_get_max_threads();
#pragma omp parallel num_threads(threads)
    {
        cs_ctx *x = cs_model_ctx_create(w, (size_t)p->max_pending, NULL);
        cs_model *m = x ? cs_model_create(x, w) : NULL;
        cs_repbuf *b = cs_repbuf_create(schema, w->n_time, w->n_la, n_unc, false);
        gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
        if (!m || !b || !r) failed = 1;
#pragma omp for schedule(dynamic, 1)
        for (size_t rep = 0; rep < R; rep++) {
            if (failed) continue;
            if (cs_run_rep(m, r, p, w, unc, n_unc, rep, b, NULL)) {
                failed = 1;
                continue;
            }
            for (size_t k = 0; k < c->nt; k++) {
                unsigned width = schema->series[at[k].s].width;
                vals[rep * c->nt + k] = b->series[at[k].s][at[k].snap * width + (size_t)at[k].col];
            }
        }
        gsl_rng_free(r);
        cs_repbuf_destroy(b, schema);
        cs_model_destroy(m);
        cs_ctx_destroy(x);
    }
    return failed;
}

/* Not cs_scenario_load: a candidate the model rejects (thresholds out of order, say) is not
 * an error but a point outside the prior's support, and must not print. Returns 1 for it. */
static int load(const cs_calib *c, const double *theta, cs_config **cfg, cs_params *p, cs_world **w,
                cs_error *err)
{
    size_t n = 0;
    char **sets = overrides(c, theta, &n);
    if (!sets) return cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    int rc = cs_config_load(cfg, cs_params_keys, cs_params_nkeys, c->cfg.scenario,
                            (const char *const *)sets, n, err);
    free_overrides(sets, n);
    if (!rc && cs_config_npoints(*cfg) != 1)
        rc = cs_error_set(err, CS_EINVAL, c->cfg.scenario, 0, 0, "sweep",
                          "calibrate needs a scenario without a sweep");
    if (!rc) rc = cs_config_apply(*cfg, 0, p, err);
    if (!rc) {
        cs_error quiet;
        cs_error_clear(&quiet);
        if (cs_params_check(p, c->cfg.scenario, &quiet)) return 1;
    }
    if (!rc) rc = cs_world_create(w, p, err);
    return rc;
}

int cs_calib_sim_model(void *ctx, const cs_calib *c, const double *theta, size_t R, double *vals,
                       cs_error *err)
{
    (void)ctx;
    cs_config *cfg = NULL;
    cs_params p;
    memset(&p, 0, sizeof p);
    cs_world *w = NULL;
    int rc = load(c, theta, &cfg, &p, &w, err);
    where *at = rc ? NULL : calloc(c->nt, sizeof *at);
    if (!rc && !at) rc = cs_error_set(err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    if (!rc) rc = resolve(c, w, at, err);
    if (!rc && run_reps(c, cfg, &p, w, at, R, vals))
        rc = cs_error_set(err, CS_EMODEL, c->cfg.scenario, 0, 0, NULL,
                          "a replication failed during calibration");
    free(at);
    cs_world_destroy(w);
    cs_config_params_free(cs_params_keys, cs_params_nkeys, &p);
    cs_config_destroy(cfg);
    return rc;
}
