/* The reduced model of model-spec section 7 written by hand in one file (peer benchmark for
 * bench/reduced.yaml): what a minimal special-purpose program costs, against which the
 * general engine (cssim) and SimPy are compared.
 *
 * Every authority of the real table requests its next graded inspection an exponential
 * interval after the end of its last one (mean by its published grade); requests queue first
 * come first served (a ring buffer) for one of TEAMS one-inspector teams; an inspection holds
 * its team for an exponential duration; the next grade is drawn from the row of the previous
 * grade in the Markov matrix and published at once. Initial targets: last judgement date +
 * interval; those already past are spread uniformly over the next SPREAD days. Grade counts
 * are recorded at every calendar month from the start. One plain binary heap of events.
 * The parameters restate bench/reduced.yaml; keep the two in step.
 *
 * Build: gcc -O2 -o reduced_minimal reduced_minimal.c -lm
 * Usage: reduced_minimal TABLE.csv -n R [--horizon YEARS] [--seed S]
 * Prints one JSON object, as bench/peers/simpy_reduced.py. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEAMS    13
#define DURATION 30.0
#define SPREAD   1095.0
#define MAXLA    1024
static const double MATRIX[4][4] = {
    {0.5, 0.4, 0.1, 0.0}, {0.05, 0.6, 0.3, 0.05}, {0.0, 0.25, 0.55, 0.2}, {0.0, 0.1, 0.6, 0.3}};
static const double INTERVAL[4] = {730.0, 548.0, 365.0, 182.0};
static const char *const GRADES[4] = {"outstanding", "good", "ri", "inadequate"};

/* ---- RNG: xoshiro256+ seeded by splitmix64 ---- */
static uint64_t rs[4];
static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}
static void seed_rng(uint64_t s)
{
    for (int i = 0; i < 4; i++)
        rs[i] = splitmix(&s);
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

/* ---- the event heap ---- */
enum { EV_REQUEST, EV_END, EV_SNAP };
typedef struct {
    double t;
    uint64_t seq;
    int type, la;
} event;
static event *heap;
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
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!less(&e, &heap[p])) break;
        heap[i] = heap[p];
        i = p;
    }
    heap[i] = e;
}
static event pop(void)
{
    event top = heap[0], last = heap[--hn];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= hn) break;
        if (c + 1 < hn && less(&heap[c + 1], &heap[c])) c++;
        if (!less(&heap[c], &last)) break;
        heap[i] = heap[c];
        i = c;
    }
    heap[i] = last;
    return top;
}

/* ---- dates (days from the civil date, H. Hinnant's algorithm) ---- */
static long days_from_civil(long y, long m, long d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400, yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

int main(int argc, char **argv)
{
    const char *table = NULL;
    long reps = 100;
    double horizon = 10.0;
    uint64_t seed = 20151214;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-n") && i + 1 < argc)
            reps = atol(argv[++i]);
        else if (!strcmp(argv[i], "--horizon") && i + 1 < argc)
            horizon = atof(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else
            table = argv[i];
    }
    if (!table || reps < 1) {
        fprintf(stderr, "usage: reduced_minimal TABLE.csv -n R [--horizon YEARS] [--seed S]\n");
        return 2;
    }
    /* the table: columns grade and grade_date */
    FILE *f = fopen(table, "r");
    if (!f) {
        perror(table);
        return 2;
    }
    static int grade0[MAXLA];
    static double last0[MAXLA];
    int n = 0, c_grade = -1, c_date = -1;
    char line[4096];
    long start = days_from_civil(2015, 12, 14);
    while (fgets(line, sizeof line, f)) {
        char *fields[64]; /* split in place; a field may be quoted ("Bristol, City of") */
        int nf = 0;
        for (char *p = line, *w; nf < 64;) {
            int quoted = *p == '"';
            if (quoted) p++;
            fields[nf++] = w = p;
            while (*p && (quoted ? *p != '"' : (*p != ',' && *p != '\r' && *p != '\n')))
                *w++ = *p++;
            if (quoted && *p == '"') p++;
            int end = *p != ',';
            *w = 0;
            if (end) break;
            p++;
        }
        if (c_grade < 0) {
            for (int k = 0; k < nf; k++) {
                if (!strcmp(fields[k], "grade")) c_grade = k;
                if (!strcmp(fields[k], "grade_date")) c_date = k;
            }
            if (c_grade < 0 || c_date < 0) {
                fprintf(stderr, "%s: no grade or grade_date column\n", table);
                return 2;
            }
            continue;
        }
        if (nf <= c_grade || nf <= c_date || n == MAXLA) continue;
        int g = -1;
        for (int k = 0; k < 4; k++)
            if (!strcmp(fields[c_grade], GRADES[k])) g = k;
        long y, m, d;
        if (g < 0 || sscanf(fields[c_date], "%ld-%ld-%ld", &y, &m, &d) != 3) continue;
        grade0[n] = g;
        last0[n] = (double)(days_from_civil(y, m, d) - start);
        n++;
    }
    fclose(f);

    double t_end = horizon * 365.25;
    int nsnap = 0;
    static double snap_t[2400];
    for (int k = 0; nsnap < 2400; k++) {
        long mm = 12 - 1 + k; /* the start is 2015-12-14 */
        double t = (double)(days_from_civil(2015 + mm / 12, mm % 12 + 1, 14) - start);
        if (t > t_end + 1e-9) break;
        snap_t[nsnap++] = t;
    }
    heap = malloc(sizeof *heap * (size_t)(2 * n + 16));
    int grade[MAXLA], *qla = malloc(sizeof *qla * (size_t)(n + 1));
    double target[MAXLA], *out = malloc(sizeof *out * (size_t)reps * 11);
    for (long r = 0; r < reps; r++) {
        uint64_t s = seed * 1000003u + (uint64_t)r;
        seed_rng(s);
        hn = 0, hseq = 0;
        long counts[4] = {0, 0, 0, 0}, snap_sum[4] = {0, 0, 0, 0}, last_counts[4] = {0, 0, 0, 0};
        size_t qhead = 0, qlen = 0, qcap = (size_t)n + 1;
        int free_teams = TEAMS, snap = 0;
        long insp = 0, starts = 0;
        double wait = 0, busy = 0;
        for (int i = 0; i < n; i++) {
            grade[i] = grade0[i];
            counts[grade[i]]++;
            double t = last0[i] + expo(INTERVAL[grade[i]]);
            if (t < 0) t = SPREAD * unif();
            target[i] = t;
            push(t, EV_REQUEST, i);
        }
        push(snap_t[0], EV_SNAP, -1);
        while (hn && heap[0].t <= t_end) {
            event e = pop();
            double now = e.t;
            int la = e.la;
            if (e.type == EV_SNAP) {
                for (int g = 0; g < 4; g++)
                    snap_sum[g] += counts[g], last_counts[g] = counts[g];
                if (++snap < nsnap) push(snap_t[snap], EV_SNAP, -1);
                continue;
            }
            if (e.type == EV_END) {
                const double *row = MATRIX[grade[la]];
                double u = unif(), acc = 0;
                int g = 3;
                for (int k = 0; k < 3; k++) {
                    acc += row[k];
                    if (u < acc) {
                        g = k;
                        break;
                    }
                }
                counts[grade[la]]--;
                counts[g]++;
                grade[la] = g;
                insp++;
                target[la] = now + expo(INTERVAL[g]);
                push(target[la], EV_REQUEST, la);
                free_teams++;
            } else {
                qla[(qhead + qlen++) % qcap] = la;
            }
            while (free_teams > 0 && qlen > 0) { /* start the head of the queue */
                int j = qla[qhead];
                qhead = (qhead + 1) % qcap, qlen--;
                free_teams--;
                starts++;
                wait += now - target[j];
                double d = expo(DURATION);
                busy += fmin(now + d, t_end) - now;
                push(now + d, EV_END, j);
            }
        }
        double *o = out + r * 11;
        o[0] = (double)insp;
        o[1] = starts ? wait / (double)starts : NAN;
        o[2] = busy / (TEAMS * t_end);
        for (int g = 0; g < 4; g++) {
            o[3 + g] = (double)snap_sum[g] / ((double)nsnap * n);
            o[7 + g] = (double)last_counts[g] / n;
        }
    }
    static const char *const keys[] = {"inspections", "mean_wait", "utilisation"};
    printf("{\"model\": \"minimal_c\", \"replications\": %ld", reps);
    for (int k = 0; k < 3; k++) {
        printf(", \"%s\": [", keys[k]);
        for (long r = 0; r < reps; r++)
            printf("%s%.17g", r ? ", " : "", out[r * 11 + k]);
        printf("]");
    }
    for (int k = 0; k < 2; k++) {
        printf(", \"%s\": [", k ? "share_last" : "share_mean");
        for (long r = 0; r < reps; r++) {
            const double *o = out + r * 11 + 3 + 4 * k;
            printf("%s[%.17g, %.17g, %.17g, %.17g]", r ? ", " : "", o[0], o[1], o[2], o[3]);
        }
        printf("]");
    }
    printf("}\n");
    free(heap);
    free(qla);
    free(out);
    return 0;
}
