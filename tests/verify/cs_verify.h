/* Shared harness of the verification tests: load a scenario with --set overrides, run
 * replications into one buffer, read events and national series, and summarise
 * per-replication values (mean, standard error). Header-only: each test is its own program. */
#ifndef CS_VERIFY_H
#define CS_VERIFY_H

#include "cs_test.h"

#include "cssim/config.h"
#include "cssim/output.h"
#include "model.h"
#include "params.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct cs_vrun {
    cs_config *cfg;
    cs_params p;
    cs_world *w;
    cs_model *m;
    cs_ctx *x;
    cs_repbuf *b;
} cs_vrun;

/* Loads, validates and builds a world, a model context and a buffer; fails the test on error. */
static inline void cs_vrun_open(cs_vrun *r, const char *path, const char *const *sets, size_t n,
                                bool events)
{
    cs_error err;
    cs_error_clear(&err);
    memset(r, 0, sizeof *r);
    int rc = cs_config_load(&r->cfg, cs_params_keys, cs_params_nkeys, path, sets, n, &err);
    if (!rc) rc = cs_config_apply(r->cfg, 0, &r->p, &err);
    if (!rc) rc = cs_params_check(&r->p, path, &err);
    if (!rc) rc = cs_world_create(&r->w, &r->p, &err);
    if (rc)
        fail_msg("set-up of %s failed: %s:%d: %s: %s", path, err.file, err.line, err.key, err.msg);
    r->x = cs_model_ctx_create(r->w, (size_t)r->p.max_pending, NULL);
    r->m = r->x ? cs_model_create(r->x, r->w) : NULL;
    r->b = cs_repbuf_create(cs_model_schema(), r->w->n_time, r->w->n_la, 0, events);
    assert_non_null(r->m);
    assert_non_null(r->b);
}

/* Runs replication rep (buffer reset by the run). */
static inline void cs_vrun_rep(cs_vrun *r, uint64_t seed, uint64_t rep)
{
    cs_error err;
    cs_error_clear(&err);
    int rc = cs_model_run(r->m, &r->p, seed, rep, r->b, &err);
    if (rc) fail_msg("replication %llu failed: %s", (unsigned long long)rep, err.msg);
}

static inline void cs_vrun_close(cs_vrun *r)
{
    cs_repbuf_destroy(r->b, cs_model_schema());
    cs_model_destroy(r->m);
    cs_ctx_destroy(r->x);
    cs_world_destroy(r->w);
    cs_config_params_free(cs_params_keys, cs_params_nkeys, &r->p);
    cs_config_destroy(r->cfg);
    memset(r, 0, sizeof *r);
}

/* Index of a national series by name, and its width; fails the test if unknown. */
static inline size_t cs_vseries(const char *name, size_t *width)
{
    const cs_schema *s = cs_model_schema();
    for (size_t i = 0; i < s->n_series; i++)
        if (strcmp(s->series[i].name, name) == 0) {
            if (width) *width = s->series[i].width;
            return i;
        }
    fail_msg("no national series %s", name);
    return 0;
}

/* Index of a per-replication summary by name; fails the test if unknown. */
static inline size_t cs_vsummary(const char *name)
{
    const cs_schema *s = cs_model_schema();
    for (size_t i = 0; i < s->n_summary; i++)
        if (strcmp(s->summary[i].name, name) == 0) return i;
    fail_msg("no summary %s", name);
    return 0;
}

/* Mean and standard error (sd / sqrt(n), sd with n - 1) of n independent values. */
static inline double cs_vmean(const double *x, size_t n, double *se)
{
    double s = 0, ss = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    double mean = s / (double)n;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    if (se) *se = n > 1 ? sqrt(ss / (double)(n - 1) / (double)n) : NAN;
    return mean;
}

/* The standard error must be small enough to make the comparison meaningful. */
#define CS_ASSERT_SE_SMALL(se, value, rel)                                                         \
    do {                                                                                           \
        if (!((se) < (rel)*fabs(value)))                                                           \
            fail_msg("SE %.4g of %s is not below %.3g of %.4g: the test has no power",             \
                     (double)(se), #value, (double)(rel), (double)(value));                        \
    } while (0)

#endif
