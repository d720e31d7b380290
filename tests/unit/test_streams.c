/* Invariant: a stream is a pure function of its key; distinct keys give independent uniforms. */
#include "cs_test.h"

#include "cssim/rng.h"
#include "cssim/streams.h"
#include "params.h"

#include <Random123/philox.h>
#include <stdlib.h>
#include <string.h>

enum { NDRAW = 100000 };

static void draw(gsl_rng *r, double *x, int n)
{
    for (int i = 0; i < n; i++)
        x[i] = gsl_rng_uniform(r);
}

static int same(const double *a, const double *b, int n)
{
    return memcmp(a, b, (size_t)n * sizeof *a) == 0;
}

static void test_streams_type_and_known_answer(void **state)
{
    (void)state;
    assert_string_equal(cs_rng_philox->name, "philox4x32-10");
    assert_int_equal(cs_rng_philox->max, 0xffffffffUL);
    assert_int_equal(cs_rng_philox->min, 0);
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    assert_non_null(r);
    /* Words come from Philox4x32-10 on counter (block, rep, unit, proc), block from 0. */
    cs_rng_key(r, UINT64_C(0x1122334455667788), 3, 4, 5);
    philox4x32_key_t k = {{0x55667788u, 0x11223344u}};
    for (uint32_t block = 0; block < 3; block++) {
        philox4x32_ctr_t c = {{block, 3, 4, 5}};
        philox4x32_ctr_t want = philox4x32_R(10, c, k);
        for (int i = 0; i < 4; i++)
            assert_int_equal(gsl_rng_get(r), want.v[i]);
    }
    /* gsl_rng_set(r, s) is key (s, 0, 0, 0). */
    gsl_rng *q = gsl_rng_alloc(cs_rng_philox);
    gsl_rng_set(r, 99);
    cs_rng_key(q, 99, 0, 0, 0);
    for (int i = 0; i < 10; i++)
        assert_int_equal(gsl_rng_get(r), gsl_rng_get(q));
    gsl_rng_free(r);
    gsl_rng_free(q);
}

static void test_streams_same_key_same_sequence(void **state)
{
    (void)state;
    static double a[1000], b[1000];
    cs_streams *s = cs_streams_create(5, 3);
    cs_streams *t = cs_streams_create(5, 3);
    assert_non_null(s);
    assert_non_null(t);
    cs_streams_reset(s, 42, 7);
    cs_streams_reset(t, 42, 7);
    draw(cs_streams_get(s, 2, 1), a, 1000);
    draw(cs_streams_get(t, 2, 1), b, 1000);
    assert_true(same(a, b, 1000));
    /* Resetting rewinds: the same numbers again, whatever was drawn in between. */
    draw(cs_streams_get(s, 0, 0), b, 1000);
    cs_streams_reset(s, 42, 7);
    draw(cs_streams_get(s, 2, 1), b, 1000);
    assert_true(same(a, b, 1000));
    cs_streams_destroy(s);
    cs_streams_destroy(t);
    cs_streams_destroy(NULL);
}

static void test_streams_distinct_keys_distinct_sequences(void **state)
{
    (void)state;
    static double base[100], x[100];
    cs_streams *s = cs_streams_create(4, 3);
    assert_int_equal(cs_streams_units(s), 4);
    assert_int_equal(cs_streams_procs(s), 3);
    cs_streams_reset(s, 42, 7);
    draw(cs_streams_get(s, 1, 1), base, 100);
    /* Another unit, another process. */
    draw(cs_streams_get(s, 2, 1), x, 100);
    assert_false(same(base, x, 100));
    draw(cs_streams_get(s, 1, 2), x, 100);
    assert_false(same(base, x, 100));
    /* Another replication, another seed (high word only, too). */
    cs_streams_reset(s, 42, 8);
    draw(cs_streams_get(s, 1, 1), x, 100);
    assert_false(same(base, x, 100));
    cs_streams_reset(s, 42 | UINT64_C(1) << 40, 7);
    draw(cs_streams_get(s, 1, 1), x, 100);
    assert_false(same(base, x, 100));
    /* The national unit is the last one. */
    assert_ptr_equal(cs_streams_get(s, CS_STREAMS_NATIONAL, 2), cs_streams_get(s, 3, 2));
    assert_null(cs_streams_get(s, 4, 0));
    assert_null(cs_streams_get(s, 0, 3));
    assert_null(cs_streams_create(0, 3));
    cs_streams_destroy(s);
}

static void test_streams_pairs_uncorrelated(void **state)
{
    (void)state;
    static double a[NDRAW], b[NDRAW];
    cs_streams *s = cs_streams_create(3, 2);
    cs_streams_reset(s, 2024, 0);
    /* Adjacent keys are the likeliest to leak structure. */
    const uint32_t pairs[][4] = {{0, 0, 0, 1}, {0, 0, 1, 0}, {1, 1, 2, 1}};
    for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
        cs_streams_reset(s, 2024, 0);
        draw(cs_streams_get(s, pairs[p][0], pairs[p][1]), a, NDRAW);
        draw(cs_streams_get(s, pairs[p][2], pairs[p][3]), b, NDRAW);
        double sab = 0;
        for (int i = 0; i < NDRAW; i++)
            sab += (a[i] - 0.5) * (b[i] - 0.5);
        /* corr = cov / (1/12); under independence its standard error is 1/sqrt(n). */
        double corr = sab / NDRAW * 12.0;
        CS_ASSERT_WITHIN_SE(corr, 0.0, 1.0 / sqrt(NDRAW), 4.0);
    }
    cs_streams_destroy(s);
}

static void test_streams_uniform_chi_square(void **state)
{
    (void)state;
    enum { BINS = 100 };
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    cs_rng_key(r, 777, 1, 2, 3);
    int count[BINS] = {0};
    double lo = 1, hi = 0;
    for (int i = 0; i < NDRAW; i++) {
        double u = gsl_rng_uniform(r);
        assert_true(u >= 0.0 && u < 1.0);
        if (u < lo) lo = u;
        if (u > hi) hi = u;
        count[(int)(u * BINS)]++;
    }
    double e = (double)NDRAW / BINS, chi2 = 0;
    for (int k = 0; k < BINS; k++)
        chi2 += (count[k] - e) * (count[k] - e) / e;
    /* chi-square with 99 df: mean 99, sd sqrt(198); 4 sd either side. */
    CS_ASSERT_WITHIN_SE(chi2, 99.0, sqrt(198.0), 4.0);
    assert_true(lo < 1e-3 && hi > 1 - 1e-3);
    gsl_rng_free(r);
}

static void test_streams_doubles_have_53_bits(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    cs_rng_key(r, 5, 0, 0, 0);
    /* From 32-bit words alone, u * 2^32 would always be an integer; count draws with bits below
     * 2^-32 set, and that every draw is a multiple of 2^-53. */
    int low = 0;
    for (int i = 0; i < 1000; i++) {
        double u = gsl_rng_uniform(r);
        double scaled = ldexp(u, 53);
        assert_true(scaled == floor(scaled));
        if (ldexp(u, 32) != floor(ldexp(u, 32))) low++;
    }
    assert_true(low > 990);
    for (int i = 0; i < 1000; i++) {
        double u = gsl_rng_uniform_pos(r);
        assert_true(u > 0.0 && u < 1.0);
    }
    gsl_rng_free(r);
}

static void test_streams_unit_ids_key_the_streams(void **state)
{
    (void)state;
    static double a[100], b[100];
    cs_streams *s = cs_streams_create(3, 2);
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    assert_int_equal(cs_streams_set_id(s, 1, 9000002), 0);
    assert_int_equal(cs_streams_set_id(s, CS_STREAMS_NATIONAL, CS_STREAMS_NATIONAL), 0);
    assert_int_equal(cs_streams_set_id(s, 3, 1), -1);
    cs_streams_reset(s, 42, 7);
    /* unit 1 now draws what a generator keyed by its id draws; unit 0 keeps its index */
    draw(cs_streams_get(s, 1, 1), a, 100);
    cs_rng_key(r, 42, 7, 9000002, 1);
    draw(r, b, 100);
    assert_true(same(a, b, 100));
    draw(cs_streams_get(s, 0, 1), a, 100);
    cs_rng_key(r, 42, 7, 0, 1);
    draw(r, b, 100);
    assert_true(same(a, b, 100));
    draw(cs_streams_get(s, CS_STREAMS_NATIONAL, 0), a, 100);
    cs_rng_key(r, 42, 7, UINT32_MAX, 0);
    draw(r, b, 100);
    assert_true(same(a, b, 100));
    gsl_rng_free(r);
    cs_streams_destroy(s);
}

/* FNV-1a known answers (the recorded scheme depends on them), and the model's uncertain
 * parameters and joint groups each get a stream of their own. */
static void test_streams_hash_is_stable_and_keys_do_not_collide(void **state)
{
    (void)state;
    assert_int_equal(cs_streams_hash(""), 0x811c9dc5u);
    assert_int_equal(cs_streams_hash("a"), 0xe40c292cu);
    assert_int_equal(cs_streams_hash("foobar"), 0xbf9cf968u);
    size_t n = cs_params_nkeys + 64;
    uint32_t *h = malloc(n * sizeof *h);
    assert_non_null(h);
    for (size_t i = 0; i < cs_params_nkeys; i++)
        h[i] = cs_streams_hash(cs_params_keys[i].path);
    for (int g = 1; g <= 64; g++) {
        char name[32];
        snprintf(name, sizeof name, "joint:%d", g);
        h[cs_params_nkeys + (size_t)g - 1] = cs_streams_hash(name);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (h[i] == h[j]) fail_msg("stream key collision between entries %zu and %zu", i, j);
    free(h);
}

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* The inline draws of rng.h equal their gsl_rng counterparts bit for bit, also when one
 * stream mixes both kinds of call (odd word counts cross block boundaries at every phase). */
static void test_streams_inline_draws_match_gsl(void **state)
{
    (void)state;
    gsl_rng *a = gsl_rng_alloc(cs_rng_philox), *b = gsl_rng_alloc(cs_rng_philox);
    assert_non_null(a);
    assert_non_null(b);
    cs_rng_key(a, 42, 7, 151, 3);
    cs_rng_key(b, 42, 7, 151, 3);
    uint64_t pick = 1;
    for (int i = 0; i < 200000; i++) {
        pick = pick * UINT64_C(6364136223846793005) + 1442695040888963407u;
        int kind = (int)(pick >> 60) % 5, fast = (int)(pick >> 59) & 1;
        double x = 0, y = 0;
        switch (kind) {
        case 0:
            x = (double)gsl_rng_get(a);
            y = (double)(fast ? cs_rng_u32(b) : gsl_rng_get(b));
            break;
        case 1:
            x = gsl_rng_uniform(a);
            y = fast ? cs_rng_uniform(b) : gsl_rng_uniform(b);
            break;
        case 2:
            x = gsl_rng_uniform_pos(a);
            y = fast ? cs_rng_uniform_pos(b) : gsl_rng_uniform_pos(b);
            break;
        case 3:
            x = gsl_ran_exponential(a, 14.0);
            y = fast ? cs_rng_exponential(b, 14.0) : gsl_ran_exponential(b, 14.0);
            break;
        default:
            x = gsl_ran_flat(a, 913, 1278);
            y = fast ? cs_rng_flat(b, 913, 1278) : gsl_ran_flat(b, 913, 1278);
            break;
        }
        if (!same_bits(x, y))
            fail_msg("draw %d (kind %d, fast %d): %.17g != %.17g", i, kind, fast, x, y);
    }
    /* Another generator type: the inline functions fall back to GSL. */
    gsl_rng *m1 = gsl_rng_alloc(gsl_rng_mt19937), *m2 = gsl_rng_alloc(gsl_rng_mt19937);
    assert_null(cs_rng_philox_state(m1));
    assert_non_null(cs_rng_philox_state(a));
    for (int i = 0; i < 1000; i++) {
        assert_true(same_bits(cs_rng_exponential(m1, 2.0), gsl_ran_exponential(m2, 2.0)));
        assert_true(same_bits(cs_rng_uniform(m1), gsl_rng_uniform(m2)));
        assert_true(same_bits(cs_rng_flat(m1, -1, 1), gsl_ran_flat(m2, -1, 1)));
    }
    gsl_rng_free(m1);
    gsl_rng_free(m2);
    gsl_rng_free(a);
    gsl_rng_free(b);
}

/* Words read so far from a Philox stream. */
static uint64_t words_read(const gsl_rng *r)
{
    const cs_philox *st = r->state;
    return st->idx == 4 ? 4 * (uint64_t)st->ctr.v[0] : 4 * ((uint64_t)st->ctr.v[0] - 1) + st->idx;
}

/* cs_rng_gaussian equals gsl_ran_gaussian_ziggurat bit for bit and leaves the stream where GSL
 * leaves it, on both of its paths (the inline first step, and the rewind to GSL in about 1%
 * of draws), mixed with other draws so that rewinds fall at every phase of the block. */
static void test_streams_inline_gaussian_matches_gsl(void **state)
{
    (void)state;
    gsl_rng *a = gsl_rng_alloc(cs_rng_philox), *b = gsl_rng_alloc(cs_rng_philox);
    assert_non_null(a);
    assert_non_null(b);
    assert_true(cs_rng_zig.ok); /* the tables were read off GSL */
    assert_int_equal(cs_rng_zig.k[0], 0);
    assert_int_equal(cs_rng_zig.k[1], 12590644); /* GSL's ktab, 2^24 x[i] / x[i + 1] */
    for (int i = 1; i < 128; i++) {
        assert_in_range(cs_rng_zig.k[i], 1u << 23, 1u << 24);
        assert_true(cs_rng_zig.w[i] > cs_rng_zig.w[i - 1]); /* x[i + 1] / 2^24, rising */
    }
    cs_rng_key(a, 2015, 12, 9000002, 4);
    cs_rng_key(b, 2015, 12, 9000002, 4);
    const double sigma[] = {1.0, 0.35, 2.5e-3, 17.0};
    uint64_t pick = 7;
    long slow = 0, n = 400000;
    for (long i = 0; i < n; i++) {
        pick = pick * UINT64_C(6364136223846793005) + 1442695040888963407u;
        double s = sigma[(pick >> 61) & 3];
        if ((pick >> 58) % 5 == 0) { /* an odd word between draws */
            assert_int_equal(gsl_rng_get(a), cs_rng_u32(b));
            continue;
        }
        uint64_t p0 = words_read(b);
        double x = gsl_ran_gaussian_ziggurat(a, s), y = cs_rng_gaussian(b, s);
        slow += words_read(b) - p0 > 1;
        if (!same_bits(x, y)) fail_msg("draw %ld (sigma %g): %.17g != %.17g", i, s, x, y);
    }
    /* both streams at the same point */
    for (int i = 0; i < 9; i++)
        assert_int_equal(gsl_rng_get(a), gsl_rng_get(b));
    /* the slow path was exercised (about 1.2% of draws take more than one word) */
    assert_true(slow > n / 400);
    gsl_rng *m1 = gsl_rng_alloc(gsl_rng_mt19937), *m2 = gsl_rng_alloc(gsl_rng_mt19937);
    for (int i = 0; i < 1000; i++)
        assert_true(same_bits(cs_rng_gaussian(m1, 2.0), gsl_ran_gaussian_ziggurat(m2, 2.0)));
    gsl_rng_free(m1);
    gsl_rng_free(m2);
    gsl_rng_free(a);
    gsl_rng_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_streams_inline_draws_match_gsl),
        cmocka_unit_test(test_streams_inline_gaussian_matches_gsl),
        cmocka_unit_test(test_streams_type_and_known_answer),
        cmocka_unit_test(test_streams_same_key_same_sequence),
        cmocka_unit_test(test_streams_distinct_keys_distinct_sequences),
        cmocka_unit_test(test_streams_pairs_uncorrelated),
        cmocka_unit_test(test_streams_uniform_chi_square),
        cmocka_unit_test(test_streams_doubles_have_53_bits),
        cmocka_unit_test(test_streams_unit_ids_key_the_streams),
        cmocka_unit_test(test_streams_hash_is_stable_and_keys_do_not_collide),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
