/* The plane coder (sim/io/deflate_planes.c): whatever the input, its output is a zlib stream
 * that zlib's own inflater (the one HDF5's deflate filter calls) turns back into the input,
 * Adler-32 checked, within cs_planes_bound. The inputs aim at each of its paths: stored and
 * dynamic blocks, a plane longer than a stored block, runs of every length across its
 * eight-byte groups, Huffman codes the 15-bit limit cuts, a lone symbol, remainders and
 * empty input. */
#include "cs_test.h"
#include "io/deflate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static uint64_t rng_state;

static uint32_t next_u32(void) /* xorshift64*: fixed-seed test data */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

/* Compresses in[0..n) as es planes, checks the stream, inflates it with zlib and compares.
 * Returns the compressed length. */
static size_t roundtrip(cs_planes *z, const unsigned char *in, size_t n, size_t es)
{
    size_t cap = cs_planes_bound(n, es);
    unsigned char *out = malloc(cap), *back = malloc(n + 1);
    assert_non_null(out);
    assert_non_null(back);
    size_t len = cs_planes_zlib(z, in, n, es, out, cap);
    assert_true(len > 0);
    assert_true(len <= cap);
    assert_int_equal(out[0], 0x78); /* zlib header: deflate, 32K window, check bits */
    assert_int_equal((out[0] << 8 | out[1]) % 31, 0);
    uLongf got = (uLongf)n + 1;
    assert_int_equal(uncompress(back, &got, out, (uLong)len), Z_OK); /* Adler-32 checked */
    assert_int_equal(got, n);
    assert_memory_equal(back, n ? in : back, n);
    free(out);
    free(back);
    return len;
}

static void fill_random(unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)next_u32();
}

static void test_empty_and_tiny(void **state)
{
    (void)state;
    cs_planes *z = cs_planes_create();
    unsigned char b[16] = {7, 7, 7, 7, 1, 2, 3};
    roundtrip(z, b, 0, 1);
    roundtrip(z, b, 0, 8);
    roundtrip(z, b, 1, 1);
    roundtrip(z, b, 3, 8); /* fewer bytes than planes: one plane */
    roundtrip(z, b, 7, 2); /* a remainder of 1 after two planes of 3 */
    roundtrip(z, b, 4, 1); /* a run of 3 after the first byte */
    cs_planes_destroy(z);
}

static void test_random_is_stored(void **state)
{
    (void)state;
    rng_state = 1;
    cs_planes *z = cs_planes_create();
    size_t n = 200000; /* planes of 100000: longer than one stored block */
    unsigned char *p = malloc(n);
    fill_random(p, n);
    size_t len = roundtrip(z, p, n, 2);
    assert_true(len <= n + 32); /* stored: a few bytes of framing per 64K */
    roundtrip(z, p, 70001, 1);
    free(p);
    cs_planes_destroy(z);
}

static void test_runs_of_every_length(void **state)
{
    (void)state;
    rng_state = 2;
    cs_planes *z = cs_planes_create();
    size_t n = 0, cap = 100000;
    unsigned char *p = malloc(cap);
    for (size_t r = 1; r <= 300; r++) /* runs of 1..300, each a new value */
        for (size_t k = 0; k < r; k++)
            p[n++] = (unsigned char)(r * 37);
    roundtrip(z, p, n, 1);
    size_t len = roundtrip(z, p + 1, n - 1, 1); /* every run shifted against the groups */
    assert_true(len < n / 20);                  /* the runs are matches: far smaller */
    memset(p, 0xab, 100000);
    assert_true(roundtrip(z, p, 100000, 1) < 1000); /* runs of 258 and a shorter last */
    memset(p, 0xab, 100000);
    p[99999] = 1;
    roundtrip(z, p, 100000, 4); /* four constant planes, the last ends on another byte */
    free(p);
    cs_planes_destroy(z);
}

/* Frequencies 1, 1, 2, 3, 5, ... (Fibonacci) over 26 symbols make a Huffman tree 25 deep:
 * the coder must cut it to 15 bits and keep the code complete. */
static void test_skewed_codes_are_limited(void **state)
{
    (void)state;
    rng_state = 3;
    cs_planes *z = cs_planes_create();
    size_t f[26], n = 0;
    f[0] = f[1] = 1;
    for (int k = 2; k < 26; k++)
        f[k] = f[k - 1] + f[k - 2];
    for (int k = 0; k < 26; k++)
        n += f[k];
    unsigned char *p = malloc(n);
    size_t i = 0;
    for (int k = 0; k < 26; k++)
        for (size_t j = 0; j < f[k]; j++)
            p[i++] = (unsigned char)(k * 9 + 1);
    for (size_t j = n - 1; j > 0; j--) { /* shuffled, so that runs are few */
        size_t r = next_u32() % (j + 1);
        unsigned char t = p[j];
        p[j] = p[r];
        p[r] = t;
    }
    size_t len = roundtrip(z, p, n, 1);
    assert_true(len < n / 2); /* about 2 bits a byte */
    free(p);
    cs_planes_destroy(z);
}

/* Shuffled records like the events table's: a constant replication, increasing times,
 * authorities, a few event types and a double value. */
static void test_shuffled_records(void **state)
{
    (void)state;
    rng_state = 4;
    cs_planes *z = cs_planes_create();
    enum { ES = 30, N = 8192 };
    unsigned char *rec = malloc((size_t)ES * N), *shuf = malloc((size_t)ES * N);
    double t = 0;
    for (size_t i = 0; i < N; i++) {
        unsigned char *r = rec + i * ES;
        uint32_t rep = 17, la = next_u32() % 152;
        if (next_u32() % 4) t += (next_u32() % 1000) / 7.0; /* equal times in a row too */
        int16_t type = (int16_t)(next_u32() % 5), before = -1, after = (int16_t)(i % 3);
        double v = (double)next_u32() / 3.0;
        memcpy(r, &rep, 4), memcpy(r + 4, &t, 8), memcpy(r + 12, &la, 4);
        memcpy(r + 16, &type, 2), memcpy(r + 18, &before, 2), memcpy(r + 20, &after, 2);
        memcpy(r + 22, &v, 8);
    }
    for (size_t j = 0; j < ES; j++) /* HDF5's shuffle filter */
        for (size_t i = 0; i < N; i++)
            shuf[j * N + i] = rec[i * ES + j];
    size_t len = roundtrip(z, shuf, (size_t)ES * N, ES);
    assert_true(len < (size_t)ES * N * 2 / 3);
    free(rec);
    free(shuf);
    cs_planes_destroy(z);
}

/* Many sizes, plane counts and mixtures of noise, few-valued bytes and runs, through one
 * coder (its scratch grows and is reused). */
static void test_mixtures(void **state)
{
    (void)state;
    rng_state = 5;
    cs_planes *z = cs_planes_create();
    unsigned char *p = malloc(40000);
    for (int c = 0; c < 600; c++) {
        size_t n = next_u32() % (c < 500 ? 3000 : 40000), es = 1 + next_u32() % 40;
        unsigned mode = next_u32() % 4;
        for (size_t i = 0; i < n; i++) {
            uint32_t u = next_u32();
            if (mode == 0)
                p[i] = (unsigned char)u;
            else if (mode == 1)
                p[i] = (unsigned char)(u % 3);
            else if (mode == 2)
                p[i] = i && u % 8 ? p[i - 1] : (unsigned char)(u >> 8);
            else
                p[i] = (unsigned char)((i / es) % 7 == 0 ? u : i / 97);
        }
        roundtrip(z, p, n, es);
    }
    free(p);
    cs_planes_destroy(z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_and_tiny),
        cmocka_unit_test(test_random_is_stored),
        cmocka_unit_test(test_runs_of_every_length),
        cmocka_unit_test(test_skewed_codes_are_limited),
        cmocka_unit_test(test_shuffled_records),
        cmocka_unit_test(test_mixtures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
