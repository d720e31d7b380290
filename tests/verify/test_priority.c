/* Emergencies overtake queued routine visits and wait far less; a capacity cut adds wait. */
#include "cs_verify.h"

#include <gsl/gsl_cdf.h>

#define SEED 20240605

/* Baseline with a capacity shortfall (fte 30 instead of 45) so a queue forms, and a low
 * severity threshold so severe signals book emergency inspections often. */
static const char *const tight[] = {"inspectorate.fte=30", "triggers.threshold=1.5",
                                    "output.panel=false"};

static int graded_reason(int reason)
{
    return reason == CS_REASON_ROUTINE || reason == CS_REASON_REINSPECTION ||
           reason == CS_REASON_EMERGENCY || reason == CS_REASON_TRUST;
}

typedef struct visit {
    int la, reason;
    double req, start;
} visit;

/* The graded visits that started, each with the time it joined the queue: a start pairs with
 * the latest request of its authority and reason before it (an earlier request of that reason
 * was superseded). */
static size_t served_visits(const cs_repbuf *b, size_t n_la, visit *out)
{
    double *last_req = malloc(n_la * CS_NREASONS * sizeof *last_req);
    for (size_t i = 0; i < n_la * CS_NREASONS; i++)
        last_req[i] = NAN;
    size_t k = 0;
    for (size_t i = 0; i < b->n_events; i++) {
        const cs_evrec *e = &b->events[i];
        if (e->authority < 0 || !graded_reason(e->before)) continue;
        size_t slot = (size_t)e->authority * CS_NREASONS + (size_t)e->before;
        if (e->type == CS_EV_INSPECTION_REQUESTED) {
            last_req[slot] = e->time;
        } else if (e->type == CS_EV_INSPECTION_STARTED) {
            assert_false(isnan(last_req[slot]));
            /* the wait recorded is from the target, which is the request time here */
            CS_ASSERT_CLOSE(e->time - last_req[slot], e->value, 0, 1e-6);
            out[k++] = (visit){e->authority, e->before, last_req[slot], e->time};
            last_req[slot] = NAN;
        }
    }
    free(last_req);
    return k;
}

static void test_priority_emergencies_overtake(void **state)
{
    (void)state;
    cs_vrun r;
    cs_vrun_open(&r, "scenarios/baseline.yaml", tight, 3, true);
    int reps = 10;
    double *we = calloc((size_t)reps, sizeof(double)), *wr = calloc((size_t)reps, sizeof(double));
    double *d = calloc((size_t)reps, sizeof(double));
    long overtakes = 0, n_em = 0;
    for (int rep = 0; rep < reps; rep++) {
        cs_vrun_rep(&r, SEED, (uint64_t)rep);
        visit *v = malloc(r.b->n_events * sizeof *v);
        size_t n = served_visits(r.b, r.w->n_la, v);
        double se = 0, ne = 0, sr = 0, nr = 0;
        for (size_t i = 0; i < n; i++) {
            double w = v[i].start - v[i].req;
            if (v[i].reason == CS_REASON_EMERGENCY) se += w, ne++;
            if (v[i].reason == CS_REASON_ROUTINE) sr += w, nr++;
        }
        assert_true(ne >= 5 && nr >= 100);
        we[rep] = se / ne;
        wr[rep] = sr / nr;
        d[rep] = wr[rep] - we[rep];
        n_em += (long)ne;
        /* an emergency that started while another authority's routine visit, requested
         * before the emergency, was still in the queue */
        for (size_t i = 0; i < n; i++) {
            if (v[i].reason != CS_REASON_EMERGENCY) continue;
            for (size_t j = 0; j < n; j++)
                if (v[j].reason == CS_REASON_ROUTINE && v[j].la != v[i].la && v[j].req < v[i].req &&
                    v[j].start > v[i].start) {
                    overtakes++;
                    break;
                }
        }
        free(v);
    }
    double se_e, se_r, se_d;
    double me = cs_vmean(we, (size_t)reps, &se_e), mr = cs_vmean(wr, (size_t)reps, &se_r);
    double md = cs_vmean(d, (size_t)reps, &se_d);
    print_message("priority: mean wait emergency %.2f d (SE %.2f), routine %.2f d (SE %.2f); "
                  "difference %.2f (SE %.2f); %ld of %ld emergencies overtook a queued routine "
                  "visit\n",
                  me, se_e, mr, se_r, md, se_d, overtakes, n_em);
    assert_true(overtakes >= 1);
    assert_true(mr > 30); /* a queue did form */
    CS_ASSERT_SE_SMALL(se_d, md, 0.25);
    assert_true(md > 4 * se_d);
    assert_true(me < 0.25 * mr);
    free(we);
    free(wr);
    free(d);
    cs_vrun_close(&r);
}

static void test_priority_capacity_cut_lengthens_waits(void **state)
{
    (void)state;
    const char *full[] = {"inspectorate.fte=45", "output.panel=false", "output.events=false"};
    const char *cut[] = {"inspectorate.fte=30", "output.panel=false", "output.events=false"};
    cs_vrun a, b;
    cs_vrun_open(&a, "scenarios/baseline.yaml", full, 3, false);
    cs_vrun_open(&b, "scenarios/baseline.yaml", cut, 3, false);
    size_t s_wait = cs_vsummary("mean_wait");
    int reps = 10;
    double *d = calloc((size_t)reps, sizeof(double)), wa = 0, wb = 0;
    for (int rep = 0; rep < reps; rep++) {
        /* same seed and replication: common random numbers, so the difference is paired */
        cs_vrun_rep(&a, SEED, (uint64_t)rep);
        cs_vrun_rep(&b, SEED, (uint64_t)rep);
        d[rep] = b.b->summary[s_wait] - a.b->summary[s_wait];
        wa += a.b->summary[s_wait] / reps;
        wb += b.b->summary[s_wait] / reps;
    }
    double se, md = cs_vmean(d, (size_t)reps, &se);
    double lo = md - gsl_cdf_tdist_Pinv(0.975, reps - 1) * se;
    print_message("capacity cut: mean wait %.2f d at fte 45, %.2f d at fte 30; paired difference "
                  "%.2f d (SE %.2f), 95%% CI lower bound %.2f\n",
                  wa, wb, md, se, lo);
    assert_true(lo > 0);
    free(d);
    cs_vrun_close(&a);
    cs_vrun_close(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_priority_emergencies_overtake),
        cmocka_unit_test(test_priority_capacity_cut_lengthens_waits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
