/* Finite-source M/M/c: waits, P(wait), queue, throughput, utilisation match machine-repair. */
#include "cs_verify.h"

/* scenarios/verify/mmc.yaml: N = 152 authorities, think time exponential with mean 365 days
 * from the end of the last inspection, service exponential with mean 30 days, c = fte teams of
 * one inspector (working_days = 365.25), one class, FCFS. c = 13 loads the inspectorate to
 * about 0.87 (c = 10 would saturate it at 0.996 and make the estimates slow to settle). */
#define MMC_N           152
#define MMC_THINK       365.0
#define MMC_SERVICE     30.0
#define MMC_C           13
#define MMC_WARMUP_DAYS (5 * 365.25)

typedef struct mmc_exact {
    double L, Lq, throughput, Wq, util, p_wait;
} mmc_exact;

/* Stationary distribution of the number at the station (in service or queued) for n sources:
 * p_k proportional to C(n,k) r^k for k <= c and to n!/((n-k)! c! c^(k-c)) r^k above,
 * r = lambda/mu; built by the ratio p_k/p_{k-1} to stay in range. */
static void mmc_dist(int n, int c, double r, double *p)
{
    p[0] = 1;
    double s = 1;
    for (int k = 1; k <= n; k++) {
        p[k] = p[k - 1] * (double)(n - k + 1) * r / (double)(k <= c ? k : c);
        s += p[k];
    }
    for (int k = 0; k <= n; k++)
        p[k] /= s;
}

static mmc_exact mmc_solve(int n, int c, double think, double service)
{
    double r = service / think, *p = malloc((size_t)(n + 1) * sizeof *p);
    double *pa = malloc((size_t)(n + 1) * sizeof *pa);
    assert_non_null(p);
    assert_non_null(pa);
    mmc_dist(n, c, r, p);
    mmc_exact x = {0};
    for (int k = 0; k <= n; k++) {
        x.L += k * p[k];
        x.Lq += (k > c ? k - c : 0) * p[k];
    }
    x.throughput = (n - x.L) / think;
    x.Wq = x.Lq / x.throughput;
    x.util = (x.L - x.Lq) / c;
    /* arrival theorem: an arrival sees the stationary state of the n - 1 source system */
    mmc_dist(n - 1, c, r, pa);
    for (int k = c; k <= n - 1; k++)
        x.p_wait += pa[k];
    free(p);
    free(pa);
    return x;
}

/* Erlang C (infinite source) with arrival rate lambda, service rate mu, c servers. */
static void erlang_c(double lambda, double mu, int c, double *p_wait, double *wq)
{
    double a = lambda / mu, term = 1, sum = 1; /* sum_{k<c} a^k / k! */
    for (int k = 1; k < c; k++) {
        term *= a / k;
        sum += term;
    }
    double last = term * a / c * c / (c - a); /* a^c / c! * c / (c - a) */
    *p_wait = last / (sum + last);
    *wq = *p_wait / (c * mu - lambda);
}

/* Checks the exact calculator itself: with many sources of low rate (the same total rate)
 * the finite-source answers approach Erlang C's. */
static void test_mmc_large_population_approaches_erlang_c(void **state)
{
    (void)state;
    const int n = 2000000, c = 16;
    double lambda = MMC_N / MMC_THINK; /* the test's total request rate, per day */
    mmc_exact x = mmc_solve(n, c, n / lambda, MMC_SERVICE);
    double pw, wq;
    erlang_c(lambda, 1 / MMC_SERVICE, c, &pw, &wq);
    print_message("erlang c: P(wait>0) %.5f vs finite %.5f; Wq %.5f vs finite %.5f\n", pw, x.p_wait,
                  wq, x.Wq);
    CS_ASSERT_CLOSE(x.p_wait, pw, 1e-3, 0);
    CS_ASSERT_CLOSE(x.Wq, wq, 1e-3, 0);
}

static void test_mmc_machine_repair(void **state)
{
    (void)state;
    char fte[64];
    snprintf(fte, sizeof fte, "inspectorate.fte=%d", MMC_C);
    const char *sets[] = {fte, "output.snapshot_months=1"};
    cs_vrun r;
    cs_vrun_open(&r, "scenarios/verify/mmc.yaml", sets, 2, true);
    assert_int_equal(r.w->n_la, MMC_N);
    CS_ASSERT_CLOSE(r.p.fte * r.p.working_days / 365.25, MMC_C, 0, 1e-12);
    mmc_exact want = mmc_solve(MMC_N, MMC_C, MMC_THINK, MMC_SERVICE);

    enum { WAIT, PWAIT, UTIL, LQ, THRU, NM };
    static const char *const names[NM] = {"Wq", "P(wait>0)", "utilisation", "Lq", "throughput"};
    const double exact[NM] = {want.Wq, want.p_wait, want.util, want.Lq, want.throughput};
    int reps = 100;
    double *x[NM];
    for (int j = 0; j < NM; j++)
        x[j] = calloc((size_t)reps, sizeof(double));
    size_t s_util = cs_vseries("inspector_utilisation", NULL);
    size_t s_queue = cs_vseries("queue_length", NULL);
    for (int rep = 0; rep < reps; rep++) {
        cs_vrun_rep(&r, 20240601, (uint64_t)rep);
        double wsum = 0, nwait = 0, nstart = 0;
        for (size_t i = 0; i < r.b->n_events; i++) {
            const cs_evrec *e = &r.b->events[i];
            if (e->type != CS_EV_INSPECTION_STARTED || e->time < MMC_WARMUP_DAYS) continue;
            wsum += e->value;
            nwait += e->value > 1e-9;
            nstart++;
        }
        x[WAIT][rep] = wsum / nstart;
        x[PWAIT][rep] = nwait / nstart;
        x[THRU][rep] = nstart / (r.w->t_end - MMC_WARMUP_DAYS);
        /* utilisation of the interval ending at snapshot k; queue length at snapshot k */
        double us = 0, qs = 0, nu = 0, nq = 0;
        for (size_t k = 1; k < r.w->n_time; k++) {
            if (r.w->time_days[k - 1] < MMC_WARMUP_DAYS) continue;
            us += r.b->series[s_util][k];
            qs += r.b->series[s_queue][k];
            nu++, nq++;
        }
        x[UTIL][rep] = us / nu;
        x[LQ][rep] = qs / nq;
    }
    for (int j = 0; j < NM; j++) {
        double se, mean = cs_vmean(x[j], (size_t)reps, &se);
        print_message("mmc %-12s exact %.5g  observed %.5g  SE %.3g  (%+.2f SE)\n", names[j],
                      exact[j], mean, se, (mean - exact[j]) / se);
        CS_ASSERT_SE_SMALL(se, exact[j], 0.05);
        CS_ASSERT_WITHIN_SE(mean, exact[j], se, 4);
    }
    for (int j = 0; j < NM; j++)
        free(x[j]);
    cs_vrun_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mmc_large_population_approaches_erlang_c),
        cmocka_unit_test(test_mmc_machine_repair),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
