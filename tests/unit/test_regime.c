/* Each rule of the 2015 regime fires on the exact day a scripted single-authority run predicts. */
#include "cs_test.h"

#include "cssim/config.h"
#include "cssim/output.h"
#include "model.h"
#include "params.h"

#include <string.h>

/* The fixture LA was last judged RI on 2015-06-01; with the ILACS RI interval of 1000 days
 * its inspection starts on day 786 after 2016-01-01, ends on 806 and is published on 816. */
#define T_PUB 816.0

typedef struct run {
    cs_config *cfg;
    cs_params p;
    cs_world *w;
    cs_model *m;
    cs_repbuf *b;
} run;

static void run_scripted(run *r, const char *const *sets, size_t n)
{
    cs_error err;
    cs_error_clear(&err);
    memset(r, 0, sizeof *r);
    int rc = cs_config_load(&r->cfg, cs_params_keys, cs_params_nkeys, "tests/data/regime/base.yaml",
                            sets, n, &err);
    if (!rc) rc = cs_config_apply(r->cfg, 0, &r->p, &err);
    if (!rc) rc = cs_params_check(&r->p, "base.yaml", &err);
    if (!rc) rc = cs_world_create(&r->w, &r->p, &err);
    if (rc) fail_msg("set-up failed: %s: %s: %s", err.file, err.key, err.msg);
    r->m = cs_model_create(r->w, 1 << 16);
    r->b = cs_repbuf_create(cs_model_schema(), r->w->n_time, r->w->n_la, 0, true);
    assert_non_null(r->m);
    assert_non_null(r->b);
    rc = cs_model_run(r->m, &r->p, 1, 0, r->b, &err);
    if (rc) fail_msg("run failed: %s", err.msg);
}

static void run_free(run *r)
{
    cs_repbuf_destroy(r->b, cs_model_schema());
    cs_model_destroy(r->m);
    cs_world_destroy(r->w);
    cs_config_params_free(cs_params_keys, cs_params_nkeys, &r->p);
    cs_config_destroy(r->cfg);
}

/* Time of the k-th (0-based) event of this type with these before/after (-2 = any); -1 if none. */
static double when(const run *r, int type, int before, int after, int k)
{
    for (size_t i = 0; i < r->b->n_events; i++) {
        const cs_evrec *e = &r->b->events[i];
        if (e->type != type) continue;
        if (before != -2 && e->before != before) continue;
        if (after != -2 && e->after != after) continue;
        if (k-- == 0) return e->time;
    }
    return -1;
}

static int count(const run *r, int type)
{
    int k = 0;
    for (size_t i = 0; i < r->b->n_events; i++)
        k += r->b->events[i].type == type;
    return k;
}

static void test_regime_six_month_review_commissioner_trust(void **state)
{
    (void)state;
    run r;
    run_scripted(&r, NULL, 0);
    CS_ASSERT_CLOSE(when(&r, CS_EV_JUDGEMENT_PUBLISHED, -2, CS_GRADE_INADEQUATE, 0), T_PUB, 0,
                    1e-9);
    CS_ASSERT_CLOSE(when(&r, CS_EV_GOVERNANCE_CHANGE, CS_GOV_COUNCIL, CS_GOV_NOTICE, 0), T_PUB, 0,
                    1e-9);
    CS_ASSERT_CLOSE(when(&r, CS_EV_REVIEW, -2, 0, 0), T_PUB + 183, 0, 1e-9);
    double t_comm = T_PUB + 183 + 30;
    CS_ASSERT_CLOSE(when(&r, CS_EV_GOVERNANCE_CHANGE, CS_GOV_NOTICE, CS_GOV_COMMISSIONER, 0),
                    t_comm, 0, 1e-9);
    double t_setup = t_comm + 90;
    CS_ASSERT_CLOSE(when(&r, CS_EV_GOVERNANCE_CHANGE, CS_GOV_COMMISSIONER, CS_GOV_TRUST_SETUP, 0),
                    t_setup, 0, 1e-9);
    double t_live = t_setup + 400;
    CS_ASSERT_CLOSE(when(&r, CS_EV_GOVERNANCE_CHANGE, CS_GOV_TRUST_SETUP, CS_GOV_TRUST, 0), t_live,
                    0, 1e-9);
    /* the trust is inspected 12 months after going live; published after duration + delay */
    CS_ASSERT_CLOSE(when(&r, CS_EV_INSPECTION_STARTED, CS_REASON_TRUST, -2, 0), t_live + 365, 0,
                    1e-9);
    double t_trust_pub = t_live + 365 + 20 + 10;
    int found = 0;
    for (int k = 0; k < 10; k++)
        if (when(&r, CS_EV_JUDGEMENT_PUBLISHED, -2, -2, k) == t_trust_pub) found = 1;
    assert_true(found);
    run_free(&r);
}

static void test_regime_third_inadequate_in_five_years_immediate(void **state)
{
    (void)state;
    /* E06000902's first prior inadequate (2013-03-27) is exactly five years old on the
     * publication day (2018-03-27): it counts, so this is the third in five years. */
    const char *sets[] = {"authorities.only=E06000902"};
    run r;
    run_scripted(&r, sets, 1);
    CS_ASSERT_CLOSE(when(&r, CS_EV_GOVERNANCE_CHANGE, CS_GOV_NOTICE, CS_GOV_COMMISSIONER, 0), T_PUB,
                    0, 1e-9);
    assert_int_equal(count(&r, CS_EV_REVIEW), 0);
    run_free(&r);
}

static void test_regime_five_years_and_a_day_not_persistent(void **state)
{
    (void)state;
    /* E06000903's first prior inadequate (2013-03-26) is five years and a day old: only two in
     * five years, so the authority gets a notice and the six-month review instead. */
    const char *sets[] = {"authorities.only=E06000903"};
    run r;
    run_scripted(&r, sets, 1);
    CS_ASSERT_CLOSE(when(&r, CS_EV_GOVERNANCE_CHANGE, CS_GOV_COUNCIL, CS_GOV_NOTICE, 0), T_PUB, 0,
                    1e-9);
    CS_ASSERT_CLOSE(when(&r, CS_EV_GOVERNANCE_CHANGE, CS_GOV_NOTICE, CS_GOV_COMMISSIONER, 0),
                    T_PUB + 183 + 30, 0, 1e-9);
    run_free(&r);
}

static void test_regime_wholesale_failure_immediate(void **state)
{
    (void)state;
    const char *sets[] = {"quality.base=-6"};
    run r;
    run_scripted(&r, sets, 1);
    CS_ASSERT_CLOSE(when(&r, CS_EV_GOVERNANCE_CHANGE, CS_GOV_NOTICE, CS_GOV_COMMISSIONER, 0), T_PUB,
                    0, 1e-9);
    run_free(&r);
}

static void test_regime_sponsors_exhausted_gives_trust(void **state)
{
    (void)state;
    const char *none[] = {"regime.decision=[0, 1, 0]", "sponsors.extra=0"};
    run r;
    run_scripted(&r, none, 2);
    double t_report = T_PUB + 183 + 30 + 90;
    CS_ASSERT_CLOSE(when(&r, CS_EV_GOVERNANCE_CHANGE, CS_GOV_COMMISSIONER, CS_GOV_TRUST_SETUP, 0),
                    t_report, 0, 1e-9);
    assert_int_equal(count(&r, CS_EV_SPONSOR_TAKEN), 0);
    run_free(&r);
    const char *one[] = {"regime.decision=[0, 1, 0]", "sponsors.extra=1"};
    run_scripted(&r, one, 2);
    CS_ASSERT_CLOSE(when(&r, CS_EV_GOVERNANCE_CHANGE, CS_GOV_COMMISSIONER, CS_GOV_PARTNER, 0),
                    t_report, 0, 1e-9);
    assert_int_equal(count(&r, CS_EV_SPONSOR_TAKEN), 1);
    run_free(&r);
}

static void test_regime_ri_lifts_notice(void **state)
{
    (void)state;
    /* under notice the mean rises to 0 (RI band) and theta is fast: the review finds
     * improvement, the re-inspection grades RI and the notice is lifted 60 days later */
    const char *sets[] = {
        "quality.effect={notice: 3, commissioner: 3, partner: 3, trust_setup: 3, trust: 3}",
        "quality.theta=40"};
    run r;
    run_scripted(&r, sets, 2);
    CS_ASSERT_CLOSE(when(&r, CS_EV_REVIEW, -2, 1, 0), T_PUB + 183, 0, 1e-9);
    assert_int_equal(count(&r, CS_EV_COMMISSIONER_APPOINTED), 0);
    double t_reinsp_pub = T_PUB - 10 + 500 + 20 + 10; /* end + 500, + duration + delay */
    CS_ASSERT_CLOSE(when(&r, CS_EV_JUDGEMENT_PUBLISHED, CS_GRADE_INADEQUATE, CS_GRADE_RI, 0),
                    t_reinsp_pub, 0, 1e-9);
    CS_ASSERT_CLOSE(when(&r, CS_EV_GOVERNANCE_CHANGE, CS_GOV_NOTICE, CS_GOV_COUNCIL, 0),
                    t_reinsp_pub + 60, 0, 1e-9);
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_regime_six_month_review_commissioner_trust),
        cmocka_unit_test(test_regime_third_inadequate_in_five_years_immediate),
        cmocka_unit_test(test_regime_five_years_and_a_day_not_persistent),
        cmocka_unit_test(test_regime_wholesale_failure_immediate),
        cmocka_unit_test(test_regime_sponsors_exhausted_gives_trust),
        cmocka_unit_test(test_regime_ri_lifts_notice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
