/* The reference queueing model R1 of issue 15 written by hand in one file: what a minimal
 * special-purpose C program costs, against which cssim and SimPy (r1_simpy.py) are timed.
 *
 * R1: 152 authorities with grades O/G/RI/I (10, 50, 60, 32 at time 0, in that order). Each
 * waits an exponential think time (mean 1095 days), then requests an inspection and joins
 * one FIFO queue; it does this at time 0 and again whenever its inspection completes. 3
 * identical teams; an inspection takes an exponential 14 days. At completion the new grade is
 * drawn from the row of the old grade in P. Horizon T = 3650 days.
 * Recorded per replication: grade counts at T; each authority's completions by T (given
 * them, the expected counts at T are the sum over authorities of row g0 of P^K, since grade
 * draws do not touch the queue: bench/peers/r1_exact.py); inspections started by T, how many
 * of them waited, the sum of their waits; the time-mean of busy teams on [0, T]; inspections
 * completed. tests/py/test_r1_peers.py checks them against the exact answers.
 *
 * Build: gcc -O2 -o r1_minimal r1_minimal.c -lm
 * Usage: r1_minimal -n R [--horizon DAYS] [--seed S]    (prints one JSON object) */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N     152
#define TEAMS 3
#define THINK 1095.0
#define SERVE 14.0
static const int INIT[4] = {10, 50, 60, 32};
static const double P[4][4] = {
    {.55, .40, .05, 0}, {.15, .65, .15, .05}, {.02, .38, .45, .15}, {0, .10, .75, .15}};

/* ---- RNG: xoshiro256+ seeded by splitmix64, 53-bit doubles ---- */
static uint64_t rs[4];
static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}
static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}
static inline double unif(void) /* [0, 1) */
{
    uint64_t r = rs[0] + rs[3], t = rs[1] << 17;
    rs[2] ^= rs[0], rs[3] ^= rs[1], rs[1] ^= rs[2], rs[0] ^= rs[3], rs[2] ^= t;
    rs[3] = rotl(rs[3], 45);
    return (double)(r >> 11) * 0x1.0p-53;
}
static inline double expo(double mean)
{
    return -mean * log1p(-unif());
}

/* ---- a binary heap of events, FIFO at equal times by sequence ---- */
enum { EV_REQUEST, EV_END };
typedef struct {
    double t;
    uint64_t seq;
    int type, la;
} event;
static event heap[2 * N + 8];
static size_t hn;
static uint64_t hseq;
static inline int less(const event *a, const event *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}
static void push(double t, int type, int la)
{
    event e = {t, hseq++, type, la};
    size_t i = hn++;
    while (i > 0 && less(&e, &heap[(i - 1) / 2])) {
        heap[i] = heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    heap[i] = e;
}
static event pop(void)
{
    event top = heap[0], x = heap[--hn];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= hn) break;
        if (c + 1 < hn && less(&heap[c + 1], &heap[c])) c++;
        if (!less(&heap[c], &x)) break;
        heap[i] = heap[c];
        i = c;
    }
    heap[i] = x;
    return top;
}

typedef struct {
    int counts[4], completions[N];
    double wait_sum, busy;
    long started, waited, inspections;
} result;

static result replicate(double T)
{
    int grade[N], g0[N], kdone[N], queue[N], qh = 0, qn = 0, busy = 0;
    double arrived[N], busy_area = 0, last = 0, wait_sum = 0;
    long started = 0, waited = 0, done = 0;
    hn = 0;
    hseq = 0;
    for (int la = 0, g = 0, k = 0; la < N; la++, k++) {
        while (k >= INIT[g])
            k -= INIT[g++];
        grade[la] = g0[la] = g;
        kdone[la] = 0;
        push(expo(THINK), EV_REQUEST, la);
    }
    while (hn && heap[0].t <= T) {
        event e = pop();
        busy_area += busy * (e.t - last);
        last = e.t;
        int la = e.la;
        if (e.type == EV_REQUEST) {
            if (busy < TEAMS) { /* a team is free: no wait */
                busy++;
                started++;
                push(e.t + expo(SERVE), EV_END, la);
            } else {
                arrived[la] = e.t;
                queue[(qh + qn++) % N] = la;
            }
        } else {
            double u = unif(), acc = 0;
            int g = 0;
            for (; g < 3; g++) {
                acc += P[grade[la]][g];
                if (u < acc) break;
            }
            grade[la] = g;
            kdone[la]++;
            done++;
            push(e.t + expo(THINK), EV_REQUEST, la);
            if (qn) { /* the team takes the first in the queue */
                int nx = queue[qh];
                qh = (qh + 1) % N;
                qn--;
                started++;
                waited++;
                wait_sum += e.t - arrived[nx];
                push(e.t + expo(SERVE), EV_END, nx);
            } else {
                busy--;
            }
        }
    }
    busy_area += busy * (T - last);
    result r = {{0}, {0}, wait_sum, busy_area / T, started, waited, done};
    memcpy(r.completions, kdone, sizeof kdone);
    for (int la = 0; la < N; la++)
        r.counts[grade[la]]++;
    return r;
}

int main(int argc, char **argv)
{
    long n = 100;
    double T = 3650;
    uint64_t seed = 20151214;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-n") && i + 1 < argc)
            n = atol(argv[++i]);
        else if (!strcmp(argv[i], "--horizon") && i + 1 < argc)
            T = atof(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: r1_minimal -n R [--horizon DAYS] [--seed S]\n");
            return 2;
        }
    }
    if (n < 1 || !(T > 0)) {
        fprintf(stderr, "r1_minimal: need -n >= 1 and --horizon > 0\n");
        return 2;
    }
    result *res = malloc((size_t)n * sizeof *res);
    if (!res) return 1;
    uint64_t s = seed;
    for (int i = 0; i < 4; i++)
        rs[i] = splitmix(&s);
    for (long r = 0; r < n; r++)
        res[r] = replicate(T);
    printf("{\"program\": \"r1_minimal\", \"replications\": %ld, \"horizon\": %.17g", n, T);
    const char *keys[] = {"started", "waited", "wait_sum", "busy", "inspections"};
    for (int k = 0; k < 5; k++) {
        printf(",\n \"%s\": [", keys[k]);
        for (long r = 0; r < n; r++) {
            double v = k == 0   ? (double)res[r].started
                       : k == 1 ? (double)res[r].waited
                       : k == 2 ? res[r].wait_sum
                       : k == 3 ? res[r].busy
                                : (double)res[r].inspections;
            printf("%s%.17g", r ? ", " : "", v);
        }
        printf("]");
    }
    for (int k = 0; k < 2; k++) {
        printf(",\n \"%s\": [", k ? "completions" : "grades_T");
        for (long r = 0; r < n; r++) {
            printf("%s[", r ? ", " : "");
            for (int j = 0; j < (k ? N : 4); j++)
                printf("%s%d", j ? ", " : "", k ? res[r].completions[j] : res[r].counts[j]);
            printf("]");
        }
        printf("]");
    }
    printf("}\n");
    free(res);
    return 0;
}
