/* The calibration module without the command line: diagnostics agree with known chains, the
 * shrunk covariance is invertible when the sample's is singular, the sampler recovers a known
 * posterior, outputs are never overwritten, and bad targets are errors with a line. */
#include "cs_test.h"

#include "calib.h"
#include "cssim/streams.h"

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static gsl_rng *keyed(uint64_t rep)
{
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    cs_rng_key(r, 20260101, rep, 0, 0);
    return r;
}

/* M chains of AR(1) with coefficient rho and unit marginal variance, chain m shifted. */
static double *ar1(size_t M, size_t n, double rho, const double *shift)
{
    double *x = malloc(M * n * sizeof *x);
    for (size_t m = 0; m < M; m++) {
        gsl_rng *r = keyed(m);
        double v = gsl_ran_gaussian(r, 1.0);
        for (size_t i = 0; i < n; i++) {
            v = rho * v + sqrt(1 - rho * rho) * gsl_ran_gaussian(r, 1.0);
            x[m * n + i] = v + (shift ? shift[m] : 0);
        }
        gsl_rng_free(r);
    }
    return x;
}

static void test_calib_rhat_and_ess_of_iid_chains(void **state)
{
    (void)state;
    double *x = ar1(4, 1000, 0.0, NULL);
    double rhat = cs_calib_rhat(x, 4, 1000), ess = cs_calib_ess_bulk(x, 4, 1000);
    printf("iid: R-hat %.4f, ESS %.0f of 4000\n", rhat, ess);
    assert_true(rhat < 1.01);
    CS_ASSERT_CLOSE(ess, 4000, 0.2, 0);
    free(x);
}

static void test_calib_ess_of_ar1_chains(void **state)
{
    (void)state;
    double rho = 0.9, *x = ar1(4, 5000, rho, NULL);
    double want = 20000 * (1 - rho) / (1 + rho), ess = cs_calib_ess_bulk(x, 4, 5000);
    printf("AR(1) 0.9: ESS %.0f, exact %.0f\n", ess, want);
    CS_ASSERT_CLOSE(ess, want, 0.25, 0);
    assert_true(cs_calib_rhat(x, 4, 5000) < 1.02);
    free(x);
}

static void test_calib_rhat_detects_a_stray_chain(void **state)
{
    (void)state;
    double shift[4] = {0, 0, 0, 1.0}, *x = ar1(4, 1000, 0.5, shift);
    double rhat = cs_calib_rhat(x, 4, 1000);
    printf("one chain 1 sd away: R-hat %.3f\n", rhat);
    assert_true(rhat > 1.1);
    /* a trend within chains shows in the split halves */
    for (size_t m = 0; m < 4; m++)
        for (size_t i = 0; i < 1000; i++)
            x[m * 1000 + i] = (double)i / 250.0 + 0.1 * (double)m;
    assert_true(cs_calib_rhat(x, 4, 1000) > 1.5);
    free(x);
}

static void test_calib_shrink_makes_a_singular_covariance_invertible(void **state)
{
    (void)state;
    enum { N = 50, K = 4 };
    double x[N * K], S[K * K], mean[K] = {0};
    gsl_rng *r = keyed(9);
    for (size_t i = 0; i < N; i++) {
        x[i * K + 0] = gsl_ran_gaussian(r, 1.0);
        x[i * K + 1] = gsl_ran_gaussian(r, 2.0);
        x[i * K + 2] = x[i * K + 0] + x[i * K + 1]; /* exactly dependent */
        x[i * K + 3] = 7;                           /* constant: sd 0 */
    }
    gsl_rng_free(r);
    for (size_t a = 0; a < K; a++)
        for (size_t i = 0; i < N; i++)
            mean[a] += x[i * K + a] / N;
    for (size_t a = 0; a < K; a++)
        for (size_t b = 0; b < K; b++) {
            double s = 0;
            for (size_t i = 0; i < N; i++)
                s += (x[i * K + a] - mean[a]) * (x[i * K + b] - mean[b]);
            S[a * K + b] = s / (N - 1);
        }
    double var1 = S[1 * K + 1];
    double l = cs_calib_shrink(S, x, N, K, 0.25);
    printf("shrinkage %.4f\n", l);
    assert_true(l > 0 && l <= 1);
    CS_ASSERT_CLOSE(S[1 * K + 1], var1, 1e-12, 0); /* variances kept */
    CS_ASSERT_CLOSE(S[3 * K + 3], 0.25, 1e-12, 0); /* ... or floored */
    gsl_matrix_view m = gsl_matrix_view_array(S, K, K);
    assert_int_equal(gsl_linalg_cholesky_decomp1(&m.matrix), 0);
}

/* ---- the sampler on a model with a known answer ---- */

typedef struct toy {
    int calls;
} toy;

/* Target k = theta[k % 2] + N(0, 1), replication r drawing from its own stream (CRN). */
static int toy_sim(void *ctx, const cs_calib *c, const double *theta, size_t R, double *vals,
                   cs_error *err)
{
    (void)err;
    ((toy *)ctx)->calls++;
    size_t nt = cs_calib_ntargets(c);
    for (size_t r = 0; r < R; r++) {
        gsl_rng *g = keyed(100 + r);
        for (size_t k = 0; k < nt; k++)
            vals[r * nt + k] = theta[k % 2] + gsl_ran_gaussian(g, 1.0);
        gsl_rng_free(g);
    }
    return CS_OK;
}

static char tmpdir[64];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static cs_calib *toy_calib(const char *extra)
{
    char cfg[256], tg[256], text[2048], cwd[1024];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(tg, sizeof tg, "%s/targets.csv", tmpdir);
    write_file(tg, "series,date,value,source\n"
                   "a,2016-01-14,1.0,x\nb,2016-01-14,-0.5,x\na,2017-01-14,1.4,x\n"
                   "b,2017-01-14,-0.1,x\n");
    snprintf(cfg, sizeof cfg, "%s/cal.yaml", tmpdir);
    snprintf(text, sizeof text,
             "calibrate:\n  scenario: %s/scenarios/baseline.yaml\n  targets: %s\n"
             "  parameters: judgement.sif.c1, judgement.sif.c2\n  lower: [-10, -10]\n"
             "  upper: [10, 10]\n  start: [0, 0]\n  replications: 50\n  seed: 3\n"
             "  cov_replications: 400\n  chains: 4\n  mcmc_steps: 2400\n%s",
             cwd, tg, extra);
    write_file(cfg, text);
    cs_calib *c = NULL;
    cs_error err;
    cs_error_clear(&err);
    int rc = cs_calib_create(&c, cfg, NULL, 0, &err);
    if (rc) fail_msg("%s:%d: %s: %s", err.file, err.line, err.key, err.msg);
    return c;
}

static void test_calib_sampler_recovers_a_known_posterior(void **state)
{
    (void)state;
    toy t = {0};
    cs_calib *c = toy_calib("");
    cs_calib_set_simulator(c, toy_sim, &t);
    char out[128];
    snprintf(out, sizeof out, "%s/fit.yaml", tmpdir);
    cs_calib_opts o = {.output = out, .quiet = 1};
    cs_calib_summary s;
    cs_error err;
    cs_error_clear(&err);
    int rc = cs_calib_run(c, &o, &s, &err);
    if (rc) fail_msg("%s: %s", err.file, err.msg);
    /* each parameter sees two targets with unit variance, its mean estimated from R = 50
     * replications: posterior sd sqrt((1 + 1/50) / 2) = 0.714 around the targets' mean less
     * the common-random-number noise, which the fit absorbs */
    double want_sd = sqrt((1 + 1.0 / 50) / 2);
    for (size_t j = 0; j < 2; j++) {
        printf("theta%zu: fit %.3f, posterior mean %.3f sd %.3f (exact %.3f), R-hat %.3f, "
               "ESS %.0f, lag-1 %.2f\n",
               j, s.best[j], s.mean[j], s.sd[j], want_sd, s.rhat[j], s.ess[j], s.lag1[j]);
        /* the sd of a posterior mean from ESS >= 200 draws is at most sd / sqrt(200) = 0.05 */
        CS_ASSERT_CLOSE(s.mean[j], s.best[j], 0, 4 * want_sd / sqrt(s.ess[j]));
        CS_ASSERT_CLOSE(s.sd[j], want_sd, 0.15, 0);
        assert_true(s.lag1[j] < 0.9);
    }
    assert_true(s.converged);
    /* outputs exist, and a second run refuses to overwrite them */
    struct stat st;
    assert_int_equal(stat(out, &st), 0);
    char rep[160];
    snprintf(rep, sizeof rep, "%s/fit.calibration/report.md", tmpdir);
    assert_int_equal(stat(rep, &st), 0);
    cs_error_clear(&err);
    assert_int_equal(cs_calib_run(c, &o, &s, &err), CS_EEXIST);
    cs_calib_destroy(c);
}

static void test_calib_fingerprint_follows_the_inputs(void **state)
{
    (void)state;
    cs_calib *c = toy_calib("");
    char a[CS_CALIB_FP_LEN], b[CS_CALIB_FP_LEN], tg[256];
    cs_error err;
    assert_int_equal(cs_calib_fingerprint(c, a, &err), CS_OK);
    assert_int_equal(cs_calib_fingerprint(c, b, &err), CS_OK);
    assert_string_equal(a, b);
    snprintf(tg, sizeof tg, "%s/targets.csv", tmpdir);
    write_file(tg, "series,date,value,source\na,2016-01-14,1.5,x\n");
    assert_int_equal(cs_calib_fingerprint(c, b, &err), CS_OK);
    assert_string_not_equal(a, b);
    cs_calib_destroy(c);
    c = toy_calib("  sd_floor: 0.7\n");
    assert_int_equal(cs_calib_fingerprint(c, b, &err), CS_OK);
    assert_string_not_equal(a, b);
    cs_calib_destroy(c);
}

static void test_calib_rejects_a_bad_target_line(void **state)
{
    (void)state;
    cs_calib *c = toy_calib("");
    cs_calib_destroy(c);
    char tg[256], cfg[256];
    snprintf(tg, sizeof tg, "%s/targets.csv", tmpdir);
    snprintf(cfg, sizeof cfg, "%s/cal.yaml", tmpdir);
    write_file(tg, "series,date,value,source\na,2016-01-14,1.0,x\nb,2016-1-14,2,x\n");
    cs_error err;
    cs_error_clear(&err);
    assert_int_equal(cs_calib_create(&c, cfg, NULL, 0, &err), CS_EPARSE);
    assert_int_equal(err.line, 3);
    assert_null(c);
    /* a parameter that is not a numeric key */
    const char *set[] = {"calibrate.parameters=judgement.sif.c1, no.such.key"};
    write_file(tg, "series,date,value,source\na,2016-01-14,1.0,x\n");
    cs_error_clear(&err);
    assert_int_equal(cs_calib_create(&c, cfg, set, 1, &err), CS_EINVAL);
    assert_string_equal(err.key, "calibrate.parameters");
}

/* calibrate.targets_until keeps the targets dated up to that day (a time-split fit); a value
 * that is not a date is refused, naming the key. */
static void test_calib_targets_until_cuts_the_targets(void **state)
{
    (void)state;
    cs_calib *c = toy_calib("");
    assert_int_equal(cs_calib_ntargets(c), 4);
    cs_calib_destroy(c);
    c = toy_calib("  targets_until: 2016-12-31\n");
    assert_int_equal(cs_calib_ntargets(c), 2);
    cs_calib_destroy(c);
    char cfg[256];
    snprintf(cfg, sizeof cfg, "%s/cal.yaml", tmpdir);
    const char *set[] = {"calibrate.targets_until=2016-13-01"};
    cs_error err;
    cs_error_clear(&err);
    assert_int_equal(cs_calib_create(&c, cfg, set, 1, &err), CS_EPARSE);
    assert_string_equal(err.key, "calibrate.targets_until");
    assert_null(c);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/cssim_test_calib_XXXXXX");
    if (!mkdtemp(tmpdir)) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calib_rhat_and_ess_of_iid_chains),
        cmocka_unit_test(test_calib_ess_of_ar1_chains),
        cmocka_unit_test(test_calib_rhat_detects_a_stray_chain),
        cmocka_unit_test(test_calib_shrink_makes_a_singular_covariance_invertible),
        cmocka_unit_test(test_calib_sampler_recovers_a_known_posterior),
        cmocka_unit_test(test_calib_fingerprint_follows_the_inputs),
        cmocka_unit_test(test_calib_rejects_a_bad_target_line),
        cmocka_unit_test(test_calib_targets_until_cuts_the_targets),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd)) return 1;
    return rc;
}
