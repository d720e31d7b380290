/* An OU quality sample over dt has the closed-form transition mean and variance. */
#include "cs_verify.h"

#include "quality.h" /* private: drives cs_quality_sample on a set-up context */

#define THETA 0.9
#define SD    1.3
#define SIGMA (SD * sqrt(2 * THETA)) /* OU volatility from the stationary sd */
#define MEAN  0.4
#define Q0    (-1.7)
#define NDRAW 20000

static void test_ou_transition_moments(void **state)
{
    (void)state;
    /* one short run of the one-authority fixture sets the context up (streams, params, tick
     * factors); its own dynamics do not matter here */
    const char *sets[] = {"quality.theta=0.9", "quality.sd=1.3", "time.horizon_years=1"};
    cs_vrun r;
    cs_vrun_open(&r, "tests/data/regime/base.yaml", sets, 3, false);
    assert_int_equal(r.w->n_la, 1);
    CS_ASSERT_CLOSE(r.p.theta, THETA, 0, 1e-12);
    CS_ASSERT_CLOSE(r.p.qsd, SD, 0, 1e-12);
    cs_vrun_rep(&r, 20240603, 0);
    cs_model *m = r.m;
    double sd_days = r.p.sample_days;
    /* the cached factors of one tick are the closed form at dt = sample_days */
    double e_tick = exp(-THETA * sd_days / 365.25);
    double tick_e, tick_sd;
    cs_quality_tick_factors(m, &tick_e, &tick_sd);
    CS_ASSERT_CLOSE(tick_e, e_tick, 0, 1e-14);
    CS_ASSERT_CLOSE(tick_sd, SIGMA * sqrt((1 - e_tick * e_tick) / (2 * THETA)), 0, 1e-14);

    /* dt in days: short, the tick (cached fast path), a year, long (near stationarity) */
    const double dts[] = {7.0, sd_days, 365.25, 1000.0};
    const double t0 = r.w->t_end;
    for (size_t k = 0; k < sizeof dts / sizeof dts[0]; k++) {
        double dt = dts[k], e = exp(-THETA * dt / 365.25);
        double want_mean = MEAN + (Q0 - MEAN) * e;
        double want_var = SIGMA * SIGMA * (1 - e * e) / (2 * THETA);
        double s = 0, ss = 0;
        for (int j = 0; j < NDRAW; j++) {
            cs_quality_set_state(m, 0, MEAN, Q0, t0);
            cs_quality_sample(m, 0, t0 + dt);
            CS_ASSERT_CLOSE(cs_quality_sample_time(m, 0), t0 + dt, 0, 0);
            double q = cs_quality_value(m, 0);
            s += q;
            ss += q * q;
        }
        double mean = s / NDRAW, var = (ss - NDRAW * mean * mean) / (NDRAW - 1);
        double se_mean = sqrt(want_var / NDRAW), se_var = want_var * sqrt(2.0 / (NDRAW - 1));
        print_message("ou dt %8.4f d: mean exact %.5f observed %.5f SE %.5f (%+.2f SE); "
                      "var exact %.5f observed %.5f SE %.5f (%+.2f SE)\n",
                      dt, want_mean, mean, se_mean, (mean - want_mean) / se_mean, want_var, var,
                      se_var, (var - want_var) / se_var);
        CS_ASSERT_WITHIN_SE(mean, want_mean, se_mean, 4);
        CS_ASSERT_WITHIN_SE(var, want_var, se_var, 4);
    }
    cs_vrun_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ou_transition_moments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
