/* Workforce accounting holds at every event, and the turnover response produces the spiral. */
#include "verify/cs_verify.h"

#include <math.h>

static void run_checked(const char *const *sets, size_t n)
{
    cs_vrun r;
    cs_vrun_open(&r, "scenarios/baseline.yaml", sets, n, false);
    cs_model_set_checks(r.m, 1);
    for (uint64_t rep = 0; rep < 4; rep++)
        cs_vrun_rep(&r, 11, rep); /* fails on a violation */
    cs_vrun_close(&r);
}

static void test_workforce_accounting_holds_at_every_event(void **state)
{
    (void)state;
    const char *base[] = {"output.panel=false", "time.horizon_years=6"};
    run_checked(base, 2);
    /* stress: steep turnover response, no newly qualified supply, a large expansion */
    const char *stress[] = {"output.panel=false",
                            "time.horizon_years=6",
                            "workforce.turnover_inadequate=5",
                            "workforce.turnover_vacancy=5",
                            "workforce.supply.newly_qualified=0",
                            "workforce.graduate_expansion=20000",
                            "workforce.agency_adjust=50"};
    run_checked(stress, 7);
}

/* Mean stability of authorities 12 months after each inadequate judgement published in the
 * first (horizon - 1) years, over R replications. */
static void stability_after_inadequate(const char *const *sets, size_t n, double *mean, double *se)
{
    enum { R = 16 };
    cs_vrun r;
    cs_vrun_open(&r, "scenarios/baseline.yaml", sets, n, true);
    double s = 0, ss = 0;
    size_t k = 0;
    for (uint64_t rep = 0; rep < R; rep++) {
        cs_vrun_rep(&r, 2015, rep);
        const cs_repbuf *b = r.b;
        const float *stab = (const float *)b->panel[3]; /* panel/stability */
        for (size_t e = 0; e < b->n_events; e++) {
            const cs_evrec *ev = &b->events[e];
            if (ev->type != CS_EV_JUDGEMENT_PUBLISHED || ev->after != CS_GRADE_INADEQUATE) continue;
            double when = ev->time + 365.25;
            size_t t = 0;
            while (t < r.w->n_time && r.w->time_days[t] < when)
                t++;
            if (t == r.w->n_time) continue;
            double x = stab[t * r.w->n_la + (size_t)ev->authority];
            s += x;
            ss += x * x;
            k++;
        }
    }
    assert_true(k > 100);
    *mean = s / (double)k;
    *se = sqrt((ss / (double)k - *mean * *mean) / (double)(k - 1));
    cs_vrun_close(&r);
}

static void test_workforce_spiral_under_common_random_numbers(void **state)
{
    (void)state;
    const char *on[] = {"time.horizon_years=6"};
    const char *off[] = {"time.horizon_years=6", "workforce.turnover_inadequate=0",
                         "workforce.turnover_vacancy=0"};
    double m_on, se_on, m_off, se_off;
    stability_after_inadequate(on, 1, &m_on, &se_on);
    stability_after_inadequate(off, 3, &m_off, &se_off);
    double diff = m_off - m_on, se = sqrt(se_on * se_on + se_off * se_off);
    print_message("stability 12 months after an inadequate judgement: response on %.4f (se "
                  "%.4f), off %.4f (se %.4f); difference %.4f (%.1f se)\n",
                  m_on, se_on, m_off, se_off, diff, diff / se);
    assert_true(diff > 4 * se);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_workforce_accounting_holds_at_every_event),
        cmocka_unit_test(test_workforce_spiral_under_common_random_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
