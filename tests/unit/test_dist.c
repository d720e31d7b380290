/* Invariant: each law's samples have the mean and variance that cs_dist_mean/cs_dist_var state. */
#include "cs_test.h"

#include "cssim/dist.h"
#include "cssim/status.h"
#include "cssim/streams.h"

#include <string.h>

enum { NDRAW = 100000 };

/* Sample mean and variance within 4 standard errors of the stated ones. The variance's
 * standard error sqrt((m4 - s^4) / n) uses the sample fourth central moment. */
static void check_moments(const cs_dist *d, uint64_t seed)
{
    static double x[NDRAW];
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    cs_rng_key(r, seed, 0, 0, 0);
    double m = 0;
    for (int i = 0; i < NDRAW; i++)
        m += x[i] = cs_dist_sample(d, r);
    m /= NDRAW;
    double m2 = 0, m4 = 0;
    for (int i = 0; i < NDRAW; i++) {
        double e = (x[i] - m) * (x[i] - m);
        m2 += e;
        m4 += e * e;
    }
    m2 /= NDRAW;
    m4 /= NDRAW;
    double mean = cs_dist_mean(d), var = cs_dist_var(d);
    CS_ASSERT_WITHIN_SE(m, mean, sqrt(var / NDRAW), 4.0);
    CS_ASSERT_WITHIN_SE(m2, var, sqrt((m4 - m2 * m2) / NDRAW), 4.0);
    gsl_rng_free(r);
}

static void test_dist_moments_match_samples(void **state)
{
    (void)state;
    cs_dist d;
    assert_int_equal(cs_dist_exponential(&d, 30), CS_OK);
    check_moments(&d, 1);
    CS_ASSERT_CLOSE(cs_dist_var(&d), 900, 1e-12, 0);

    assert_int_equal(cs_dist_gamma(&d, 30, 5), CS_OK);
    check_moments(&d, 2);
    CS_ASSERT_CLOSE(cs_dist_mean(&d), 30, 1e-12, 0);
    CS_ASSERT_CLOSE(cs_dist_var(&d), 25, 1e-12, 0);

    assert_int_equal(cs_dist_lognormal(&d, 10, 4), CS_OK);
    check_moments(&d, 3);
    CS_ASSERT_CLOSE(cs_dist_mean(&d), 10, 1e-12, 0);
    CS_ASSERT_CLOSE(cs_dist_var(&d), 16, 1e-12, 0);

    assert_int_equal(cs_dist_normal(&d, -3, 2), CS_OK);
    check_moments(&d, 4);
    CS_ASSERT_CLOSE(cs_dist_var(&d), 4, 1e-12, 0);

    assert_int_equal(cs_dist_uniform(&d, 2, 8), CS_OK);
    check_moments(&d, 5);
    CS_ASSERT_CLOSE(cs_dist_var(&d), 3, 1e-12, 0);

    assert_int_equal(cs_dist_triangular(&d, 1, 2, 6), CS_OK);
    check_moments(&d, 6);
    CS_ASSERT_CLOSE(cs_dist_mean(&d), 3, 1e-12, 0);
    CS_ASSERT_CLOSE(cs_dist_var(&d), (1 + 4 + 36 - 2 - 6 - 12) / 18.0, 1e-12, 0);

    assert_int_equal(cs_dist_triangular(&d, 0, 0, 1), CS_OK); /* mode at an end */
    check_moments(&d, 7);

    assert_int_equal(cs_dist_beta(&d, 0.3, 0.1), CS_OK);
    check_moments(&d, 8);
    CS_ASSERT_CLOSE(cs_dist_mean(&d), 0.3, 1e-12, 0);
    CS_ASSERT_CLOSE(cs_dist_var(&d), 0.01, 1e-12, 0);

    assert_int_equal(cs_dist_fixed(&d, 4.5), CS_OK);
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    assert_true(cs_dist_sample(&d, r) == 4.5);
    assert_true(cs_dist_var(&d) == 0.0);
    gsl_rng_free(r);
}

static void test_dist_empirical(void **state)
{
    (void)state;
    const double v[] = {1, 2, 10};
    const double w[] = {1, 0, 3};
    cs_dist d, e;
    assert_int_equal(cs_dist_empirical(&d, v, NULL, 3), CS_OK);
    CS_ASSERT_CLOSE(cs_dist_mean(&d), 13.0 / 3, 1e-12, 0);
    CS_ASSERT_CLOSE(cs_dist_var(&d), (1 + 4 + 100) / 3.0 - 169.0 / 9, 1e-12, 0);
    check_moments(&d, 9);
    cs_dist_fini(&d);

    assert_int_equal(cs_dist_empirical(&d, v, w, 3), CS_OK);
    CS_ASSERT_CLOSE(cs_dist_mean(&d), 31.0 / 4, 1e-12, 0);
    CS_ASSERT_CLOSE(cs_dist_var(&d), (1 + 300) / 4.0 - 961.0 / 16, 1e-12, 0);
    check_moments(&d, 10);
    /* A value of weight 0 never comes out; only given values do. */
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    for (int i = 0; i < 10000; i++) {
        double x = cs_dist_sample(&d, r);
        assert_true(x == 1 || x == 10);
    }
    gsl_rng_free(r);
    /* A deep copy outlives the original. */
    assert_int_equal(cs_dist_copy(&e, &d), CS_OK);
    assert_ptr_not_equal(e.values, d.values);
    cs_dist_fini(&d);
    CS_ASSERT_CLOSE(cs_dist_mean(&e), 31.0 / 4, 1e-12, 0);
    check_moments(&e, 11);
    cs_dist_fini(&e);
    cs_dist_fini(&e); /* idempotent */
}

static void test_dist_rejects_bad_parameters(void **state)
{
    (void)state;
    cs_dist d;
    const double v[] = {1, 2};
    const double wneg[] = {1, -1}, wzero[] = {0, 0};
    assert_int_equal(cs_dist_fixed(&d, NAN), CS_EINVAL);
    assert_int_equal(cs_dist_exponential(&d, 0), CS_EINVAL);
    assert_int_equal(cs_dist_exponential(&d, -1), CS_EINVAL);
    assert_int_equal(cs_dist_gamma(&d, -1, 1), CS_EINVAL);
    assert_int_equal(cs_dist_gamma(&d, 1, 0), CS_EINVAL);
    assert_int_equal(cs_dist_lognormal(&d, 0, 1), CS_EINVAL);
    assert_int_equal(cs_dist_lognormal(&d, 1, -1), CS_EINVAL);
    assert_int_equal(cs_dist_normal(&d, 0, 0), CS_EINVAL);
    assert_int_equal(cs_dist_normal(&d, INFINITY, 1), CS_EINVAL);
    assert_int_equal(cs_dist_uniform(&d, 2, 1), CS_EINVAL);
    assert_int_equal(cs_dist_triangular(&d, 0, 2, 1), CS_EINVAL);
    assert_int_equal(cs_dist_triangular(&d, 1, 1, 1), CS_EINVAL);
    assert_int_equal(cs_dist_beta(&d, 1.2, 0.1), CS_EINVAL);
    assert_int_equal(cs_dist_beta(&d, 0.5, 0.5), CS_EINVAL); /* sd^2 >= m(1-m) */
    assert_int_equal(cs_dist_empirical(&d, v, NULL, 0), CS_EINVAL);
    assert_int_equal(cs_dist_empirical(&d, v, wneg, 2), CS_EINVAL);
    assert_int_equal(cs_dist_empirical(&d, v, wzero, 2), CS_EINVAL);
}

static void check_format(const cs_dist *d, const char *want)
{
    char buf[256];
    int n = cs_dist_format(d, buf, sizeof buf);
    assert_string_equal(buf, want);
    assert_int_equal(n, (int)strlen(want));
    /* Truncation still reports the full length and stays terminated. */
    char small[6];
    assert_int_equal(cs_dist_format(d, small, sizeof small), n);
    assert_int_equal(strlen(small), n < 5 ? n : 5);
}

static void test_dist_format_and_names(void **state)
{
    (void)state;
    cs_dist d;
    cs_dist_fixed(&d, 7);
    check_format(&d, "7");
    cs_dist_exponential(&d, 0.1);
    check_format(&d, "{dist: exponential, mean: 0.1}");
    cs_dist_gamma(&d, 30, 5);
    check_format(&d, "{dist: gamma, mean: 30, sd: 5}");
    cs_dist_lognormal(&d, 1234567, 2.5);
    check_format(&d, "{dist: lognormal, mean: 1234567, sd: 2.5}");
    cs_dist_normal(&d, -1, 1e-3);
    check_format(&d, "{dist: normal, mean: -1, sd: 0.001}");
    cs_dist_uniform(&d, 0, 1.0 / 3);
    check_format(&d, "{dist: uniform, lo: 0, hi: 0.3333333333333333}");
    cs_dist_triangular(&d, 1, 2, 6);
    check_format(&d, "{dist: triangular, lo: 1, mode: 2, hi: 6}");
    cs_dist_beta(&d, 0.3, 0.1);
    check_format(&d, "{dist: beta, mean: 0.3, sd: 0.1}");
    const double v[] = {1, 2.5, 10}, w[] = {1, 0, 3};
    cs_dist_empirical(&d, v, NULL, 3);
    check_format(&d, "{dist: empirical, values: [1, 2.5, 10]}");
    cs_dist_fini(&d);
    cs_dist_empirical(&d, v, w, 3);
    check_format(&d, "{dist: empirical, values: [1, 2.5, 10], weights: [1, 0, 3]}");
    cs_dist_fini(&d);

    for (int k = 0; k < CS_DIST_NKINDS; k++)
        assert_int_equal(cs_dist_kind_parse(cs_dist_kind_name((cs_dist_kind)k)), k);
    assert_string_equal(cs_dist_kind_name(CS_DIST_GAMMA), "gamma");
    assert_int_equal(cs_dist_kind_parse("gamma"), CS_DIST_GAMMA);
    assert_int_equal(cs_dist_kind_parse("weibull"), -1);
}

/* The sampler's inline draws (sim/include/cssim/rng.h) give the bits GSL gave before them:
 * exponential as gsl_ran_exponential, uniform as gsl_ran_flat, triangular by inversion of
 * gsl_rng_uniform, on the same keyed stream. */
static void test_dist_inline_draws_bit_identical(void **state)
{
    (void)state;
    cs_dist e, u, t;
    assert_int_equal(cs_dist_exponential(&e, 1095), CS_OK);
    assert_int_equal(cs_dist_uniform(&u, 913, 1278), CS_OK);
    assert_int_equal(cs_dist_triangular(&t, 1, 2, 5), CS_OK);
    gsl_rng *a = gsl_rng_alloc(cs_rng_philox), *b = gsl_rng_alloc(cs_rng_philox);
    cs_rng_key(a, 20151214, 3, 17, 2);
    cs_rng_key(b, 20151214, 3, 17, 2);
    for (int i = 0; i < 30000; i++) {
        double x = cs_dist_sample(&e, a), y = gsl_ran_exponential(b, 1095);
        assert_memory_equal(&x, &y, sizeof x);
        x = cs_dist_sample(&u, a);
        y = gsl_ran_flat(b, 913, 1278);
        assert_memory_equal(&x, &y, sizeof x);
        x = cs_dist_sample(&t, a);
        double v = gsl_rng_uniform(b);
        y = v < 0.25 ? 1 + sqrt(v * 4 * 1) : 5 - sqrt((1 - v) * 4 * 3);
        assert_memory_equal(&x, &y, sizeof x);
    }
    gsl_rng_free(a);
    gsl_rng_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dist_moments_match_samples),
        cmocka_unit_test(test_dist_empirical),
        cmocka_unit_test(test_dist_rejects_bad_parameters),
        cmocka_unit_test(test_dist_format_and_names),
        cmocka_unit_test(test_dist_inline_draws_bit_identical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
