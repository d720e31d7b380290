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
    cs_ctx *x;
    cs_repbuf *b;
} run;

static void run_file(run *r, const char *path, const char *const *sets, size_t n)
{
    cs_error err;
    cs_error_clear(&err);
    memset(r, 0, sizeof *r);
    int rc = cs_config_load(&r->cfg, cs_params_keys, cs_params_nkeys, path, sets, n, &err);
    if (!rc) rc = cs_config_apply(r->cfg, 0, &r->p, &err);
    if (!rc) rc = cs_params_check(&r->p, "base.yaml", &err);
    if (!rc) rc = cs_world_create(&r->w, &r->p, &err);
    if (rc) fail_msg("set-up failed: %s: %s: %s", err.file, err.key, err.msg);
    r->x = cs_model_ctx_create(r->w, 1 << 16, NULL);
    r->m = r->x ? cs_model_create(r->x, r->w) : NULL;
    r->b = cs_repbuf_create(cs_model_schema(), r->w->n_time, r->w->n_la, 0, true);
    assert_non_null(r->m);
    assert_non_null(r->b);
    rc = cs_model_run(r->m, &r->p, 1, 0, r->b, &err);
    if (rc) fail_msg("run failed: %s", err.msg);
}

static void run_scripted(run *r, const char *const *sets, size_t n)
{
    run_file(r, "tests/data/regime/base.yaml", sets, n);
}

static void run_free(run *r)
{
    cs_repbuf_destroy(r->b, cs_model_schema());
    cs_model_destroy(r->m);
    cs_ctx_destroy(r->x);
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

/* The same, for one authority (its row in the run). */
static double when_la(const run *r, int la, int type, int before, int after, int k)
{
    for (size_t i = 0; i < r->b->n_events; i++) {
        const cs_evrec *e = &r->b->events[i];
        if (e->type != type || e->authority != la) continue;
        if (before != -2 && e->before != before) continue;
        if (after != -2 && e->after != after) continue;
        if (k-- == 0) return e->time;
    }
    return -1;
}

static int row_of(const run *r, const char *code)
{
    for (size_t i = 0; i < r->w->n_la; i++)
        if (!strcmp(r->w->table.rows[i].code, code)) return (int)i;
    fail_msg("%s not in the run", code);
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

/* ---- the record's known events on their exact days (data/known_events.csv) ---- */

#define NORFOLK    "E10000020"
#define SANDWELL   "E08000028"
#define SUNDERLAND "E08000024"
#define SLOUGH     "E06000039"
#define BIRMINGHAM "E08000025"
#define DONCASTER  "E08000017"

static void test_regime_known_commissioners_norfolk_sandwell_8_jan_2016(void **state)
{
    (void)state;
    const char *sets[] = {"authorities.only=" NORFOLK "," SANDWELL};
    run r;
    run_file(&r, "tests/data/regime/real.yaml", sets, 1);
    /* 2016-01-08 is day 25 after 2015-12-14 */
    for (int k = 0; k < 2; k++) {
        int la = row_of(&r, k ? SANDWELL : NORFOLK);
        CS_ASSERT_CLOSE(
            when_la(&r, la, CS_EV_GOVERNANCE_CHANGE, CS_GOV_NOTICE, CS_GOV_COMMISSIONER, 0), 25.0,
            0, 1e-9);
        assert_true(when_la(&r, la, CS_EV_COMMISSIONER_APPOINTED, -2, -2, 1) < 0); /* once */
    }
    run_free(&r);
    /* without the known events, their history (three inadequate judgements in five years)
     * makes the persistence rule appoint at the start */
    const char *sets2[] = {"authorities.only=" NORFOLK "," SANDWELL, "authorities.events="};
    run_file(&r, "tests/data/regime/real.yaml", sets2, 2);
    for (int k = 0; k < 2; k++)
        CS_ASSERT_CLOSE(when_la(&r, row_of(&r, k ? SANDWELL : NORFOLK), CS_EV_GOVERNANCE_CHANGE,
                                CS_GOV_NOTICE, CS_GOV_COMMISSIONER, 0),
                        0.0, 0, 1e-9);
    run_free(&r);
}

static void test_regime_known_sunderland_trust_dates(void **state)
{
    (void)state;
    const char *sets[] = {"authorities.only=" SUNDERLAND};
    run r;
    run_file(&r, "tests/data/regime/real.yaml", sets, 1);
    /* set up 2015-12-31 (day 17), live 2017-04-30 (day 503), inspected 365 days later */
    CS_ASSERT_CLOSE(when(&r, CS_EV_GOVERNANCE_CHANGE, CS_GOV_COMMISSIONER, CS_GOV_TRUST_SETUP, 0),
                    17.0, 0, 1e-9);
    CS_ASSERT_CLOSE(when(&r, CS_EV_GOVERNANCE_CHANGE, CS_GOV_TRUST_SETUP, CS_GOV_TRUST, 0), 503.0,
                    0, 1e-9);
    CS_ASSERT_CLOSE(when(&r, CS_EV_INSPECTION_STARTED, CS_REASON_TRUST, -2, 0), 503.0 + 365, 0,
                    1e-9);
    assert_int_equal(count(&r, CS_EV_COMMISSIONER_REPORT), 0); /* the record decided */
    run_free(&r);
}

static void test_regime_known_trusts_live_apr_2018(void **state)
{
    (void)state;
    const char *sets[] = {"authorities.only=" BIRMINGHAM "," SANDWELL, "time.start=2017-12-31",
                          "authorities.table=data/authorities_2017-12-31.csv"};
    run r;
    run_file(&r, "tests/data/regime/real.yaml", sets, 3);
    /* both in trust_setup at the start; live 2018-04-30 = day 120 */
    for (int k = 0; k < 2; k++)
        CS_ASSERT_CLOSE(when_la(&r, row_of(&r, k ? SANDWELL : BIRMINGHAM), CS_EV_GOVERNANCE_CHANGE,
                                CS_GOV_TRUST_SETUP, CS_GOV_TRUST, 0),
                        120.0, 0, 1e-9);
    run_free(&r);
}

static void test_regime_start_trust_inspected_at_12_months(void **state)
{
    (void)state;
    /* Slough's trust went live on 2015-10-31: its 12-month inspection is due 2016-10-30,
     * day 321 of a run from 2015-12-14 */
    const char *sets[] = {"authorities.only=" SLOUGH};
    run r;
    run_file(&r, "tests/data/regime/real.yaml", sets, 1);
    CS_ASSERT_CLOSE(when(&r, CS_EV_INSPECTION_STARTED, CS_REASON_TRUST, -2, 0), 321.0, 0, 1e-9);
    run_free(&r);
}

static void test_regime_start_trust_returns_to_council(void **state)
{
    (void)state;
    /* Doncaster, a trust since 2014 and judged good in Jan 2018, returns to its council after
     * its next good judgement (return probability 1 in real.yaml); without its go-live date
     * (no known events) it cannot */
    const char *sets[] = {"authorities.only=" DONCASTER, "time.start=2018-12-31",
                          "authorities.table=data/authorities_2018-12-31.csv", "quality.base=1.5",
                          "time.horizon_years=5"};
    run r;
    run_file(&r, "tests/data/regime/real.yaml", sets, 5);
    double t_pub = when(&r, CS_EV_JUDGEMENT_PUBLISHED, -2, CS_GRADE_GOOD, 0);
    assert_true(t_pub > 0);
    CS_ASSERT_CLOSE(when(&r, CS_EV_GOVERNANCE_CHANGE, CS_GOV_TRUST, CS_GOV_COUNCIL, 0), t_pub + 60,
                    0, 1e-9);
    run_free(&r);
    const char *sets2[] = {"authorities.only=" DONCASTER,
                           "time.start=2018-12-31",
                           "authorities.table=data/authorities_2018-12-31.csv",
                           "quality.base=1.5",
                           "time.horizon_years=5",
                           "authorities.events="};
    run_file(&r, "tests/data/regime/real.yaml", sets2, 6);
    assert_true(when(&r, CS_EV_GOVERNANCE_CHANGE, CS_GOV_TRUST, CS_GOV_COUNCIL, 0) < 0);
    run_free(&r);
}

/* After the switch to ILACS, an authority the SIF judged inadequate is re-inspected under the
 * SIF until inspectorate.sif.reinspect_until. The fixture (RI under the SIF on 2015-06-01, a
 * SIF cycle of 400 days) is inspected from day 186, judged inadequate on day 206 and due again
 * 700 days later: day 906, 2018-06-25, after the switch of 2018-01-01. */
static int reinspection_kind(const char *until)
{
    char set_until[64];
    snprintf(set_until, sizeof set_until, "inspectorate.sif.reinspect_until=%s", until);
    const char *sets[] = {"inspectorate.framework=sif",
                          "inspectorate.policy=cycle",
                          "inspectorate.ilacs_from=2018-01-01",
                          "inspectorate.sif.cycle=400",
                          "inspectorate.sif.reinspect=700",
                          "inspectorate.sif.duration=20",
                          set_until};
    run r;
    run_scripted(&r, sets, sizeof sets / sizeof *sets);
    CS_ASSERT_CLOSE(when(&r, CS_EV_INSPECTION_STARTED, CS_REASON_ROUTINE, CS_KIND_SIF, 0), 186.0, 0,
                    1e-9);
    CS_ASSERT_CLOSE(when(&r, CS_EV_INSPECTION_STARTED, CS_REASON_REINSPECTION, -2, 0), 906.0, 0,
                    1e-9);
    int kind = -1;
    for (size_t i = 0; i < r.b->n_events && kind < 0; i++)
        if (r.b->events[i].type == CS_EV_INSPECTION_STARTED &&
            r.b->events[i].before == CS_REASON_REINSPECTION)
            kind = r.b->events[i].after;
    run_free(&r);
    return kind;
}

static void test_regime_sif_reinspection_after_switch(void **state)
{
    (void)state;
    assert_int_equal(reinspection_kind("2018-07-01"), CS_KIND_SIF);
    assert_int_equal(reinspection_kind("2018-06-25"), CS_KIND_ILACS_STANDARD); /* not before */
    assert_int_equal(reinspection_kind("2018-01-01"), CS_KIND_ILACS_STANDARD); /* the default */
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
        cmocka_unit_test(test_regime_known_commissioners_norfolk_sandwell_8_jan_2016),
        cmocka_unit_test(test_regime_known_sunderland_trust_dates),
        cmocka_unit_test(test_regime_known_trusts_live_apr_2018),
        cmocka_unit_test(test_regime_start_trust_inspected_at_12_months),
        cmocka_unit_test(test_regime_start_trust_returns_to_council),
        cmocka_unit_test(test_regime_sif_reinspection_after_switch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
