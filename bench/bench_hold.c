/* The classic hold benchmark for the pending-event list.
 *
 * Fill the queue with N events at Exp(1) times, run N warm-up holds, then time M holds: pop
 * the first event and push it back at time + Exp(1). Each size reports the median over the
 * runs of million holds per CPU-second (process CPU time, so that other processes on a shared
 * machine matter less), for cs_evlist (through its public API, with payload and
 * handles) and for a bare binary heap of doubles written here as the reference, measured in
 * the same run, alternating, so machine noise hits both alike. The RNG is an inline
 * xorshift64* so that drawing the increment costs little next to the queue operations.
 *
 * Build in a Release tree: cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 199309L
#endif

#include "cssim/evlist.h"
#include "cssim/status.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_RUNS 31

typedef struct xorshift {
    uint64_t s;
} xorshift;

static inline double exp1(xorshift *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    uint64_t x = r->s * UINT64_C(2685821657736338717);
    /* 53 bits in (0, 1]: never log(0). */
    double u = ((double)(x >> 11) + 1.0) * 0x1.0p-53;
    return -log(u);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* on-CPU time: robust to other load */
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- the reference: a minimal binary min-heap of doubles ---- */
typedef struct refheap {
    double *a;
    size_t n;
} refheap;

static inline void ref_push(refheap *h, double x)
{
    size_t i = h->n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!(x < h->a[p])) break;
        h->a[i] = h->a[p];
        i = p;
    }
    h->a[i] = x;
}

static inline double ref_pop(refheap *h)
{
    double top = h->a[0];
    double x = h->a[--h->n];
    size_t n = h->n, i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && h->a[c + 1] < h->a[c]) c++;
        if (!(h->a[c] < x)) break;
        h->a[i] = h->a[c];
        i = c;
    }
    if (n) h->a[i] = x;
    return top;
}

static double run_ref(refheap *h, size_t n, size_t m, uint64_t seed, double *check)
{
    xorshift r = {seed};
    h->n = 0;
    for (size_t i = 0; i < n; i++)
        ref_push(h, exp1(&r));
    for (size_t i = 0; i < n; i++)
        ref_push(h, ref_pop(h) + exp1(&r));
    double t0 = now_s();
    for (size_t i = 0; i < m; i++)
        ref_push(h, ref_pop(h) + exp1(&r));
    double t1 = now_s();
    *check += h->a[0];
    return (double)m / (t1 - t0) * 1e-6;
}

static inline void hold(cs_evlist *l, xorshift *r)
{
    cs_event ev;
    cs_evlist_pop(l, &ev);
    ev.time += exp1(r);
    cs_evlist_push(l, &ev, NULL);
}

static double run_evlist(cs_evlist *l, size_t n, size_t m, uint64_t seed, double *check)
{
    xorshift r = {seed};
    cs_evlist_clear(l);
    for (size_t i = 0; i < n; i++) {
        cs_event ev = {.time = exp1(&r), .type = (int32_t)(i & 7), .la = (int32_t)(i % 153)};
        if (cs_evlist_push(l, &ev, NULL) != CS_OK) {
            fprintf(stderr, "bench_hold: push failed at %zu events\n", i);
            exit(1);
        }
    }
    for (size_t i = 0; i < n; i++)
        hold(l, &r);
    double t0 = now_s();
    for (size_t i = 0; i < m; i++)
        hold(l, &r);
    double t1 = now_s();
    *check += cs_evlist_peek(l)->time;
    return (double)m / (t1 - t0) * 1e-6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_hold [--quick] [--runs R] [--ops M] [--min N] [--max N]\n"
               "  Hold model on cs_evlist and on a bare binary heap of doubles; prints a\n"
               "  markdown table of median million holds per second for N = 10^2 .. 10^6.\n"
               "  --quick   N up to 10^4, 5 runs, fewer holds\n"
               "  --runs R  runs per size (default 7, at least 5 for a meaningful median)\n"
               "  --ops M   timed holds per run (default max(2*10^6, 2N))\n"
               "  --min N, --max N  sizes from N (default 100) to N (default 10^6), by tens\n");
}

int main(int argc, char **argv)
{
    int quick = 0, runs = 7;
    size_t ops = 0, min_n = 100, max_arg = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            quick = 1;
            runs = 5;
        } else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
            runs = atoi(argv[++i]);
            if (runs < 1 || runs > MAX_RUNS) {
                fprintf(stderr, "bench_hold: --runs must be in 1..%d\n", MAX_RUNS);
                return 2;
            }
        } else if (!strcmp(argv[i], "--min") && i + 1 < argc) {
            min_n = (size_t)strtoull(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--max") && i + 1 < argc) {
            max_arg = (size_t)strtoull(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--ops") && i + 1 < argc) {
            ops = (size_t)strtoull(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    size_t max_n = max_arg ? max_arg : quick ? 10000 : 1000000;
    cs_evlist *l = cs_evlist_create(max_n, 0);
    refheap ref = {malloc(max_n * sizeof(double)), 0};
    if (!l || !ref.a) {
        fprintf(stderr, "bench_hold: out of memory\n");
        return 1;
    }
    double check = 0.0;
    printf("| N | cs_evlist Mops/s | binary heap of doubles Mops/s | ratio |\n");
    printf("|---:|---:|---:|---:|\n");
    for (size_t n = min_n < 100 ? 100 : min_n; n <= max_n; n *= 10) {
        size_t m = ops ? ops : (quick ? 500000 : 2000000);
        if (!ops && m < 2 * n) m = 2 * n;
        double ev[MAX_RUNS], rf[MAX_RUNS];
        for (int k = 0; k < runs; k++) {
            uint64_t seed = UINT64_C(0x9e3779b97f4a7c15) * (uint64_t)(k + 1);
            ev[k] = run_evlist(l, n, m, seed, &check);
            rf[k] = run_ref(&ref, n, m, seed, &check);
        }
        double me = median(ev, runs), mr = median(rf, runs);
        printf("| 10^%d | %.1f | %.1f | %.2f |\n", (int)lround(log10((double)n)), me, mr, me / mr);
        fflush(stdout);
    }
    printf("\n%d runs per size, median; checksum %.6g\n", runs, check);
    cs_evlist_destroy(l);
    free(ref.a);
    return 0;
}
