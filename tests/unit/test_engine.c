/* Invariant: the engine dispatches every pending event up to t_end in (time, prio, seq) order. */
#include "cs_test.h"

#include "cssim/engine.h"

enum { EV_TICK, EV_CANCELLED, EV_MOVED, EV_PAST, EV_LOG };

typedef struct toy {
    int past;        /* schedule into the past from the first tick */
    int log[64];     /* aux of each dispatched event, in order */
    double when[64]; /* its time */
    int n;
    cs_evhandle victim; /* cancelled from the first tick */
    cs_evhandle mover;  /* rescheduled from the first tick */
    int finalized;
} toy;

static int toy_init(void *model, cs_engine *eng)
{
    toy *m = model;
    m->n = 0;
    /* Same time, different classes and insertion order: expect aux 1, 2, 3. */
    cs_engine_schedule(eng, 1.0, 1, EV_LOG, 0, 3, 0);
    cs_engine_schedule(eng, 1.0, 0, EV_LOG, 0, 1, 0);
    cs_engine_schedule(eng, 1.0, 0, EV_LOG, 0, 2, 0);
    cs_engine_schedule(eng, 0.5, 0, EV_TICK, 0, 0, 0);
    m->victim = cs_engine_schedule(eng, 2.0, 0, EV_CANCELLED, 0, 99, 0);
    m->mover = cs_engine_schedule(eng, 0.7, 0, EV_MOVED, 0, 5, 0);
    cs_engine_schedule(eng, 3.0, 0, EV_LOG, 0, 4, 0);
    cs_engine_schedule(eng, 10.0, 0, EV_LOG, 0, 100, 0); /* after t_end: never dispatched */
    return 0;
}

static int toy_handle(void *model, cs_engine *eng, const cs_event *ev)
{
    toy *m = model;
    assert_true(ev->time == cs_engine_now(eng));
    if (m->n < 64) {
        m->log[m->n] = (int)ev->aux;
        m->when[m->n++] = ev->time;
    }
    switch (ev->type) {
    case EV_TICK:
        assert_int_equal(cs_engine_cancel(eng, m->victim), 0);
        assert_int_equal(cs_engine_cancel(eng, m->victim), 0); /* already gone: a no-op */
        assert_int_equal(cs_engine_reschedule(eng, m->mover, 3.0), CS_OK);
        assert_int_equal(cs_engine_reschedule(eng, m->victim, 3.0), CS_ESTALE);
        assert_int_equal(cs_engine_reschedule(eng, m->mover, 0.1), CS_EINVAL);
        if (m->past) cs_engine_schedule(eng, 0.25, 0, EV_PAST, 0, 50, 0);
        break;
    case EV_CANCELLED:
        fail_msg("a cancelled event was dispatched");
        break;
    default:
        break;
    }
    return 0;
}

static int toy_finalize(void *model, cs_engine *eng, double t_end)
{
    toy *m = model;
    assert_true(cs_engine_now(eng) == t_end);
    m->finalized = 1;
    return 0;
}

static const cs_model_type toy_type = {"toy", toy_init, toy_handle, toy_finalize};

static void test_engine_dispatch_order_cancel_reschedule(void **state)
{
    (void)state;
    toy m = {0};
    cs_engine *e = cs_engine_create(&toy_type, &m, 2, 0);
    assert_non_null(e);
    for (int rep = 0; rep < 2; rep++) { /* a reset engine runs the same again */
        cs_engine_reset(e);
        m.finalized = 0;
        assert_int_equal(cs_engine_run(e, 5.0), CS_OK);
        /* tick(0.5); 1,2,3 at t=1; at t=3 the old event 4 before the moved 5 (later seq). */
        const int want[] = {0, 1, 2, 3, 4, 5};
        const double when[] = {0.5, 1, 1, 1, 3, 3};
        assert_int_equal(m.n, 6);
        for (int i = 0; i < 6; i++) {
            assert_int_equal(m.log[i], want[i]);
            assert_true(m.when[i] == when[i]);
        }
        assert_int_equal(cs_engine_events(e), 6);
        assert_true(m.finalized);
        assert_true(cs_engine_now(e) == 5.0);
        assert_int_equal(cs_evlist_size(cs_engine_list(e)), 1); /* the t=10 event */
    }
    cs_engine_destroy(e);
    cs_engine_destroy(NULL);
}

static void test_engine_schedule_in_past_fails_run(void **state)
{
    (void)state;
    toy m = {.past = 1};
    cs_engine *e = cs_engine_create(&toy_type, &m, 16, 0);
    cs_engine_reset(e);
    assert_int_equal(cs_engine_run(e, 5.0), CS_EINVAL);
    assert_int_equal(cs_engine_error(e)->status, CS_EINVAL);
    assert_int_equal(m.n, 1); /* stopped right after the tick */
    assert_false(m.finalized);
    cs_engine_destroy(e);
}

static void test_engine_capacity_exhaustion_fails_run(void **state)
{
    (void)state;
    toy m = {0};
    cs_engine *e = cs_engine_create(&toy_type, &m, 2, 4); /* init schedules 8 */
    cs_engine_reset(e);
    assert_int_equal(cs_engine_run(e, 5.0), CS_ECAPACITY);
    assert_string_equal(cs_engine_error(e)->key, "run.max_pending_events");
    assert_int_equal(m.n, 0);
    cs_engine_destroy(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine_dispatch_order_cancel_reschedule),
        cmocka_unit_test(test_engine_schedule_in_past_fails_run),
        cmocka_unit_test(test_engine_capacity_exhaustion_fails_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
