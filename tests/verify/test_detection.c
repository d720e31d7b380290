/* Exact readings: latency <= cadence + duration + delay; frequent ones rarely misgrade. */
#include "cs_verify.h"

#include <gsl/gsl_cdf.h>

#define SEED        20240606
#define CADENCE     365.0
#define DURATION    14.0
#define DELAY       30.0
#define WARMUP_DAYS (2 * 365.25)

static void test_detection_latency_bounded_by_cadence(void **state)
{
    (void)state;
    cs_vrun r;
    cs_vrun_open(&r, "scenarios/verify/detection.yaml", NULL, 0, true);
    /* the bound's premises, as the scenario sets them */
    assert_true(r.p.unlimited && r.p.judge[CS_FW_ILACS].tau == 0);
    for (int g = 0; g < CS_NGRADES; g++)
        CS_ASSERT_CLOSE(cs_dist_mean(&r.p.ilacs_interval[g]), CADENCE, 0, 0);
    const double bound = CADENCE + DURATION + DELAY;
    int reps = 4;
    long n = 0;
    double max_lat = 0, sum = 0;
    for (int rep = 0; rep < reps; rep++) {
        cs_vrun_rep(&r, SEED, (uint64_t)rep);
        for (size_t i = 0; i < r.b->n_events; i++) {
            const cs_evrec *e = &r.b->events[i];
            if (e->type != CS_EV_FAILURE_DETECTED) continue;
            n++;
            sum += e->value;
            if (e->value > max_lat) max_lat = e->value;
            if (e->value > bound + 1e-6)
                fail_msg("authority %d: latency %.4f d at day %.4f exceeds %.0f d", e->authority,
                         e->value, e->time, bound);
        }
    }
    print_message("detection: %ld detections, mean latency %.1f d, max %.2f d (bound %.0f d)\n", n,
                  sum / (double)n, max_lat, bound);
    assert_true(n >= 20);
    /* the bound is nearly reached, so it is not vacuous */
    assert_true(max_lat > 0.8 * bound);
    cs_vrun_close(&r);
}

/* Mean misgraded share over the snapshots after the warm-up. */
static double misgraded(const cs_vrun *r, size_t s)
{
    double acc = 0, n = 0;
    for (size_t k = 0; k < r->w->n_time; k++) {
        if (r->w->time_days[k] < WARMUP_DAYS) continue;
        acc += r->b->series[s][k];
        n++;
    }
    return acc / n;
}

static void test_detection_exact_frequent_readings_rarely_misgrade(void **state)
{
    (void)state;
    /* with exact readings, misgrading comes only from quality moving between the last
     * inspection and a later tick's sample, so it shrinks with the cadence (about as its
     * square root): 0.050 at 30 days (this seed), 0.031 at 14, 0.019 at 7 */
    const char *exact[] = {"inspectorate.ilacs.interval={outstanding: 14, good: 14, ri: 14, "
                           "inadequate: 14}",
                           "inspectorate.ilacs_short.duration=0",
                           "inspectorate.ilacs_standard.duration=0", "judgement.report_delay=0",
                           "output.events=false"};
    const char *noisy[] = {exact[0],
                           exact[1],
                           exact[2],
                           exact[3],
                           exact[4],
                           "judgement.sif.tau=0.5",
                           "judgement.ilacs.tau=0.5"};
    cs_vrun a, b;
    cs_vrun_open(&a, "scenarios/verify/detection.yaml", exact, 5, false);
    cs_vrun_open(&b, "scenarios/verify/detection.yaml", noisy, 7, false);
    size_t s = cs_vseries("misgraded_share", NULL);
    int reps = 8;
    double *x0 = calloc((size_t)reps, sizeof(double)), *d = calloc((size_t)reps, sizeof(double));
    for (int rep = 0; rep < reps; rep++) {
        cs_vrun_rep(&a, SEED, (uint64_t)rep);
        cs_vrun_rep(&b, SEED, (uint64_t)rep);
        x0[rep] = misgraded(&a, s);
        d[rep] = misgraded(&b, s) - x0[rep];
    }
    double se0, m0 = cs_vmean(x0, (size_t)reps, &se0), sed, md = cs_vmean(d, (size_t)reps, &sed);
    double lo = md - gsl_cdf_tdist_Pinv(0.975, reps - 1) * sed;
    print_message("misgraded share: tau 0: %.4f (SE %.4f); tau 0.5: %.4f; paired difference "
                  "%.4f (SE %.4f), 95%% CI lower bound %.4f\n",
                  m0, se0, m0 + md, md, sed, lo);
    assert_true(m0 + 4 * se0 < 0.05);
    assert_true(lo > 0);
    assert_true(md > m0); /* clearly larger: more than double */
    free(x0);
    free(d);
    cs_vrun_close(&a);
    cs_vrun_close(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detection_latency_bounded_by_cadence),
        cmocka_unit_test(test_detection_exact_frequent_readings_rarely_misgrade),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
