/* Quality fixed at q: grade and wholesale shares are the probit's normal-CDF differences. */
#include "cs_verify.h"

#include <gsl/gsl_cdf.h>

static void test_probit_grade_shares(void **state)
{
    (void)state;
    cs_vrun r;
    cs_vrun_open(&r, "scenarios/verify/probit.yaml", NULL, 0, true);
    const cs_params *p = &r.p;
    /* quality cannot move: no volatility and no shift of the mean */
    assert_true(p->qsd == 0 && p->drift == 0 && p->beta_workforce == 0 && p->lead_rate == 0);
    for (int g = 0; g < CS_NGOV; g++)
        assert_true(p->gov_effect[g] == 0);
    double q = p->base, tau = p->judge[CS_FW_ILACS].tau;
    /* ILACS thresholds are the SIF's plus shifts (all 0 here) */
    assert_true(p->judge[CS_FW_ILACS].shift == 0 && p->ilacs_d[0][1] == 0 &&
                p->ilacs_d[0][2] == 0 && p->ilacs_d[0][3] == 0 && p->ilacs_d[1][1] == 0 &&
                p->ilacs_d[1][2] == 0 && p->ilacs_d[1][3] == 0);
    const double *c = p->judge[CS_FW_SIF].c;
    /* P(grade) by grade index (outstanding, good, ri, inadequate) and P(wholesale) */
    double want[CS_NGRADES], want_whole = gsl_cdf_ugaussian_P((c[0] - q) / tau);
    want[CS_GRADE_INADEQUATE] = gsl_cdf_ugaussian_P((c[1] - q) / tau);
    want[CS_GRADE_RI] = gsl_cdf_ugaussian_P((c[2] - q) / tau) - want[CS_GRADE_INADEQUATE];
    want[CS_GRADE_GOOD] =
        gsl_cdf_ugaussian_P((c[3] - q) / tau) - gsl_cdf_ugaussian_P((c[2] - q) / tau);
    want[CS_GRADE_OUTSTANDING] = gsl_cdf_ugaussian_Q((c[3] - q) / tau);

    double n = 0, count[CS_NGRADES] = {0}, npub = 0, nwhole = 0, ys = 0;
    int reps = 10;
    for (int rep = 0; rep < reps; rep++) {
        cs_vrun_rep(&r, 20240604, (uint64_t)rep);
        for (size_t i = 0; i < r.b->n_events; i++) {
            const cs_evrec *e = &r.b->events[i];
            if (e->type == CS_EV_INSPECTION_COMPLETED) {
                assert_true(e->after >= 0 && e->after < CS_NGRADES);
                count[e->after]++;
                ys += e->value; /* the reading y */
                n++;
            } else if (e->type == CS_EV_JUDGEMENT_PUBLISHED) {
                nwhole += e->value == 1;
                npub++;
            }
        }
    }
    assert_true(n > 20000);
    static const char *const names[CS_NGRADES] = {"outstanding", "good", "ri", "inadequate"};
    for (int g = 0; g < CS_NGRADES; g++) {
        double share = count[g] / n, se = sqrt(want[g] * (1 - want[g]) / n);
        print_message("probit %-11s exact %.5f  observed %.5f  SE %.5f  (%+.2f SE)\n", names[g],
                      want[g], share, se, (share - want[g]) / se);
        CS_ASSERT_WITHIN_SE(share, want[g], se, 4);
    }
    double whole = nwhole / npub, se_whole = sqrt(want_whole * (1 - want_whole) / npub);
    print_message("probit %-11s exact %.5f  observed %.5f  SE %.5f  (%+.2f SE), %.0f published\n",
                  "wholesale", want_whole, whole, se_whole, (whole - want_whole) / se_whole, npub);
    CS_ASSERT_WITHIN_SE(whole, want_whole, se_whole, 4);
    /* the readings themselves: mean q, sd tau */
    double ymean = ys / n, se_y = tau / sqrt(n);
    print_message("probit mean reading exact %.5f  observed %.5f  SE %.5f\n", q, ymean, se_y);
    CS_ASSERT_WITHIN_SE(ymean, q, se_y, 4);
    cs_vrun_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probit_grade_shares),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
