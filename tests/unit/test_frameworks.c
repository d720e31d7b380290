/* Judgement frameworks: initial quality lies in the grade interval of the framework that gave
 * the last grade, and each replication's ILACS thresholds are its SIF thresholds plus shifts;
 * a persistent authority effect keeps quality correlated over time. */
#include "cs_test.h"

#include "cssim/config.h"
#include "cssim/output.h"
#include "model.h"
#include "params.h"

#include <string.h>

typedef struct run {
    cs_config *cfg;
    cs_params p;
    cs_world *w;
    cs_model *m;
    cs_ctx *x;
    cs_repbuf *b;
} run;

static void open_run(run *r, const char *const *sets, size_t n)
{
    cs_error err;
    cs_error_clear(&err);
    memset(r, 0, sizeof *r);
    int rc = cs_config_load(&r->cfg, cs_params_keys, cs_params_nkeys, "tests/data/regime/base.yaml",
                            sets, n, &err);
    if (!rc) rc = cs_config_apply(r->cfg, 0, &r->p, &err);
    if (!rc) rc = cs_params_check(&r->p, "base.yaml", &err);
    if (!rc) rc = cs_world_create(&r->w, &r->p, &err);
    if (rc) fail_msg("set-up failed: %s: %s: %s", err.file, err.key, err.msg);
    r->x = cs_model_ctx_create(r->w, 1 << 16, NULL);
    r->m = r->x ? cs_model_create(r->x, r->w) : NULL;
    r->b = cs_repbuf_create(cs_model_schema(), r->w->n_time, r->w->n_la, 0, true);
    assert_non_null(r->m);
    assert_non_null(r->b);
}

static void rep(run *r, const cs_params *p, uint64_t k)
{
    cs_error err;
    if (cs_model_run(r->m, p, 7, k, r->b, &err)) fail_msg("run failed: %s", err.msg);
}

static void close_run(run *r)
{
    cs_repbuf_destroy(r->b, cs_model_schema());
    cs_model_destroy(r->m);
    cs_ctx_destroy(r->x);
    cs_world_destroy(r->w);
    cs_config_params_free(cs_params_keys, cs_params_nkeys, &r->p);
    cs_config_destroy(r->cfg);
}

/* Quality of authority la at the first snapshot (the start). */
static double q0(const run *r, int la)
{
    const cs_schema *s = cs_model_schema();
    for (size_t v = 0; v < s->n_panel; v++)
        if (!strcmp(s->panel[v].name, "quality")) return ((const float *)r->b->panel[v])[la];
    fail_msg("no quality panel");
    return 0;
}

/* Four authorities judged on the start day (no ageing), read without noise: initial quality
 * lies in the grade's interval of its own framework. SIF good: (c2, c3]; SLAC good: the SIF's
 * shifted by judgement.older.shift; ILACS good (a short inspection): SIF + ilacs.shift + the
 * short shifts; ILACS RI (standard): SIF + ilacs.shift + the standard shifts. */
static void test_frameworks_initial_quality_by_framework(void **state)
{
    (void)state;
    const char *sets[] = {"time.start=2018-12-31",
                          "authorities.table=tests/data/regime/frameworks.csv",
                          "authorities.only=",
                          "time.horizon_years=0.1",
                          "quality.sd=1",
                          "quality.base=0",
                          "judgement.sif.tau=0",
                          "judgement.ilacs.tau=0",
                          "judgement.sif.c2=0.5",
                          "judgement.sif.c3=1.5",
                          "judgement.older.shift=-1",
                          "judgement.ilacs.shift=0.25",
                          "judgement.ilacs.short.shift_c2=0.25",
                          "judgement.ilacs.short.shift_c3=0.5",
                          "judgement.ilacs.standard.shift_c1=-0.5",
                          "judgement.ilacs.standard.shift_c2=-0.25",
                          "output.panel=true"};
    run r;
    open_run(&r, sets, sizeof sets / sizeof sets[0]);
    const double lo[4] = {0.5, -0.5, 1.0, -0.86 + 0.25 - 0.5};
    const double hi[4] = {1.5, 0.5, 2.25, 0.5 + 0.25 - 0.25};
    double min[4] = {1e9, 1e9, 1e9, 1e9}, max[4] = {-1e9, -1e9, -1e9, -1e9};
    for (uint64_t k = 0; k < 200; k++) {
        rep(&r, &r.p, k);
        for (int la = 0; la < 4; la++) {
            double q = q0(&r, la);
            if (q < min[la]) min[la] = q;
            if (q > max[la]) max[la] = q;
        }
    }
    for (int la = 0; la < 4; la++) {
        /* inside (with the panel's 12-bit rounding), and spread over most of the interval */
        assert_true(min[la] > lo[la] - 1e-3 * (1 + fabs(lo[la])));
        assert_true(max[la] < hi[la] + 1e-3 * (1 + fabs(hi[la])));
        assert_true(max[la] - min[la] > 0.5 * (hi[la] - lo[la]));
    }
    close_run(&r);
}

/* The grade of the fixture's first ILACS judgement (quality fixed at base, no noise). */
static int first_grade(const run *r)
{
    for (size_t i = 0; i < r->b->n_events; i++)
        if (r->b->events[i].type == CS_EV_JUDGEMENT_PUBLISHED) return r->b->events[i].after;
    fail_msg("no judgement");
    return -1;
}

/* A replication's draw of the SIF thresholds moves its ILACS thresholds: the world is built
 * with SIF c2 = 0.65; replications run with parameter copies whose c2 is -0.1 or 0.1 judge a
 * quality of 0 good or RI under ILACS (shift 0: as severe as the SIF), and a shift of 0.2
 * moves the first to RI. */
static void test_frameworks_ilacs_thresholds_follow_sif_draw(void **state)
{
    (void)state;
    const char *sets[] = {"quality.base=0"};
    run r;
    open_run(&r, sets, 1);
    assert_int_equal(r.p.first_framework, CS_FW_ILACS);
    cs_params p = r.p;
    p.judge[CS_FW_SIF].c[2] = -0.1;
    rep(&r, &p, 0);
    assert_int_equal(first_grade(&r), CS_GRADE_GOOD);
    p.judge[CS_FW_SIF].c[2] = 0.1;
    rep(&r, &p, 0);
    assert_int_equal(first_grade(&r), CS_GRADE_RI);
    p.judge[CS_FW_SIF].c[2] = -0.1;
    p.judge[CS_FW_ILACS].shift = 0.2;
    rep(&r, &p, 0);
    assert_int_equal(first_grade(&r), CS_GRADE_RI);
    /* the fixture is RI, so its inspection is a standard one: a short-inspection shift does
     * not move it, a standard one does */
    p.judge[CS_FW_ILACS].shift = 0;
    p.ilacs_d[1][2] = 0.2;
    rep(&r, &p, 0);
    assert_int_equal(first_grade(&r), CS_GRADE_GOOD);
    p.ilacs_d[0][2] = 0.2;
    rep(&r, &p, 0);
    assert_int_equal(first_grade(&r), CS_GRADE_RI);
    close_run(&r);
}

/* Correlation across authorities of quality at the start and five years on, mean reversion
 * fast (theta 2: e^-10 of the deviation left), no governance or workforce effects. */
static double corr_start_end(double rho)
{
    char set_rho[64];
    snprintf(set_rho, sizeof set_rho, "quality.persistent_share=%g", rho);
    const char *sets[] = {"authorities.table=data/authorities_2015-12-14.csv",
                          "authorities.only=",
                          "time.start=2015-12-14",
                          "time.horizon_years=5",
                          "quality.sd=1",
                          "quality.base=0",
                          "quality.theta=2",
                          "judgement.sif.tau=0.5",
                          "output.panel=true",
                          set_rho};
    run r;
    open_run(&r, sets, sizeof sets / sizeof sets[0]);
    const cs_schema *s = cs_model_schema();
    size_t v = 0;
    while (strcmp(s->panel[v].name, "quality"))
        v++;
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, n = 0;
    for (uint64_t k = 0; k < 4; k++) {
        rep(&r, &r.p, k);
        const float *q = r.b->panel[v];
        size_t na = r.w->n_la, last = r.w->n_time - 1;
        for (size_t i = 0; i < na; i++) {
            double x = q[i], y = q[last * na + i];
            sx += x, sy += y, sxx += x * x, syy += y * y, sxy += x * y, n++;
        }
    }
    close_run(&r);
    double cxy = sxy / n - sx / n * sy / n, vx = sxx / n - sx / n * sx / n,
           vy = syy / n - sy / n * sy / n;
    print_message("persistent share %.1f: corr(q start, q 5 years on) = %.3f over %.0f, var %.3f\n",
                  rho, cxy / sqrt(vx * vy), n, vy);
    return cxy / sqrt(vx * vy);
}

/* A persistent authority effect keeps quality correlated over horizons where the OU alone has
 * forgotten it: with rho = 0.8 the correlation is about 0.8 x its share of the start's spread,
 * with rho = 0 about 0 (SE 1/sqrt(608) = 0.04). */
static void test_frameworks_persistent_effect_keeps_quality(void **state)
{
    (void)state;
    double c0 = corr_start_end(0), c8 = corr_start_end(0.8);
    assert_true(fabs(c0) < 0.15);
    assert_true(c8 > 0.5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frameworks_initial_quality_by_framework),
        cmocka_unit_test(test_frameworks_ilacs_thresholds_follow_sif_draw),
        cmocka_unit_test(test_frameworks_persistent_effect_keeps_quality),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
