/* Cost of a random draw: the keyed Philox stream through gsl_rng (an indirect call per double)
 * against the inline draws of cssim/rng.h (the same bits), and a plain xoshiro256+ with
 * -log1p(-u) as a hand-written program would do it.
 *
 * Each method draws M values per run; runs of all methods are interleaved and the median of
 * CPU time per draw is reported (CPU time of this process, so other processes on a shared
 * machine matter less). The sum of all draws is printed so that nothing is optimised away.
 *
 * Build in a Release tree (bench/run.sh does): cmake -DCMAKE_BUILD_TYPE=Release. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 199309L
#endif

#include "cssim/dist.h"
#include "cssim/rng.h"
#include "cssim/streams.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_RUNS 31

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t xs[4] = {0x9e3779b97f4a7c15u, 0xbf58476d1ce4e5b9u, 0x94d049bb133111ebu, 1};

static inline double xo_unif(void)
{
    uint64_t r = xs[0] + xs[3], t = xs[1] << 17;
    xs[2] ^= xs[0], xs[3] ^= xs[1], xs[1] ^= xs[2], xs[0] ^= xs[3], xs[2] ^= t;
    xs[3] = (xs[3] << 45) | (xs[3] >> 19);
    return (double)(r >> 11) * 0x1.0p-53;
}

enum {
    M_GSL_UNIF,
    M_INLINE_UNIF,
    M_PLAIN_UNIF,
    M_GSL_EXP,
    M_INLINE_EXP,
    M_DIST_EXP,
    M_PLAIN_EXP,
    M_GSL_GAUSS,
    M_INLINE_GAUSS,
    M_N
};
static const char *const names[M_N] = {
    "uniform: gsl_rng_uniform on a Philox stream",
    "uniform: cs_rng_uniform (inline Philox, same bits)",
    "uniform: plain xoshiro256+ (hand-written C)",
    "exponential: gsl_ran_exponential on a Philox stream (cs_dist_sample before)",
    "exponential: cs_rng_exponential (inline Philox, same bits)",
    "exponential: cs_dist_sample(exponential) now",
    "exponential: plain xoshiro256+, -log1p(-u)",
    "Gaussian: gsl_ran_gaussian_ziggurat on a Philox stream (before)",
    "Gaussian: cs_rng_gaussian (ziggurat's first step inline, same bits)"};

static double run(int m, gsl_rng *r, const cs_dist *d, long n, double *sum)
{
    double s = 0, t0 = cpu_s();
    switch (m) {
    case M_GSL_UNIF:
        for (long i = 0; i < n; i++)
            s += gsl_rng_uniform(r);
        break;
    case M_INLINE_UNIF:
        for (long i = 0; i < n; i++)
            s += cs_rng_uniform(r);
        break;
    case M_PLAIN_UNIF:
        for (long i = 0; i < n; i++)
            s += xo_unif();
        break;
    case M_GSL_EXP:
        for (long i = 0; i < n; i++)
            s += gsl_ran_exponential(r, 14.0);
        break;
    case M_INLINE_EXP:
        for (long i = 0; i < n; i++)
            s += cs_rng_exponential(r, 14.0);
        break;
    case M_DIST_EXP:
        for (long i = 0; i < n; i++)
            s += cs_dist_sample(d, r);
        break;
    case M_PLAIN_EXP:
        for (long i = 0; i < n; i++)
            s += -14.0 * log1p(-xo_unif());
        break;
    case M_GSL_GAUSS:
        for (long i = 0; i < n; i++)
            s += gsl_ran_gaussian_ziggurat(r, 0.35);
        break;
    default:
        for (long i = 0; i < n; i++)
            s += cs_rng_gaussian(r, 0.35);
        break;
    }
    double t = cpu_s() - t0;
    *sum += s;
    return t / (double)n * 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int runs = 7;
    long n = 2000000;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            runs = 5;
            n = 500000;
        } else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
            runs = atoi(argv[++i]);
            if (runs < 1 || runs > MAX_RUNS) return 2;
        } else {
            fprintf(stderr, "usage: bench_rng [--quick] [--runs R]\n"
                            "  ns of CPU per draw, gsl_rng path against inline Philox\n");
            return 2;
        }
    }
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    cs_dist d;
    if (!r || cs_dist_exponential(&d, 14.0) != 0) return 1;
    cs_rng_key(r, 20151214, 0, 0, 0);
    double ns[M_N][MAX_RUNS], sum = 0;
    for (int k = 0; k < runs; k++)
        for (int m = 0; m < M_N; m++)
            ns[m][k] = run(m, r, &d, n, &sum);
    double med[M_N];
    for (int m = 0; m < M_N; m++) {
        qsort(ns[m], (size_t)runs, sizeof(double), cmp_double);
        med[m] = ns[m][runs / 2];
    }
    printf("| draw | ns of CPU per draw | draws per ns | vs gsl_rng path |\n");
    printf("|---|---:|---:|---:|\n");
    for (int m = 0; m < M_N; m++) {
        double base = m < M_GSL_EXP     ? med[M_GSL_UNIF]
                      : m < M_GSL_GAUSS ? med[M_GSL_EXP]
                                        : med[M_GSL_GAUSS];
        printf("| %s | %.2f | %.3f | %.2fx |\n", names[m], med[m], 1.0 / med[m], base / med[m]);
    }
    printf("\n%d runs of %ld draws each, median; checksum %.6g\n", runs, n, sum);
    gsl_rng_free(r);
    return 0;
}
