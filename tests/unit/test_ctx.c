/* Replication contexts (sim/ctx.c): the runner owns the engine, the streams, the allocator and
 * the error record; the model's state comes from the context's allocator. With an allocator
 * that fails its N-th call, for every N until the model is built and runs, creating the model
 * fails cleanly (NULL, CS_ENOMEM, a message naming what was being allocated) and gives back
 * every block it took (no leak: counted here, and by ASan in the sanitizer build); once it
 * succeeds, the replication equals one run on the C library's allocator. */
#include "cs_test.h"
#include "verify/cs_verify.h"

#include "cssim/ctx.h"

#include <string.h>

/* One replication's national series and event count, hashed bit for bit (NaN included). */
static uint64_t digest(const cs_vrun *r)
{
    const cs_schema *s = cs_model_schema();
    uint64_t h = 14695981039346656037ULL ^ (uint64_t)r->b->n_events;
    for (size_t k = 0; k < s->n_series; k++) {
        const unsigned char *p = (const unsigned char *)r->b->series[k];
        for (size_t i = 0; i < r->w->n_time * s->series[k].width * sizeof(double); i++)
            h = (h ^ p[i]) * 1099511628211ULL;
    }
    return h;
}

static void test_model_state_comes_from_the_context(void **state)
{
    (void)state;
    cs_vrun r; /* the world, parameters and buffer (its own model is not used) */
    cs_vrun_open(&r, "tests/data/regime/base.yaml", NULL, 0, true);
    cs_ctx *x = cs_model_ctx_create(r.w, 1 << 16, NULL);
    assert_non_null(x);
    cs_model *m = cs_model_create(x, r.w);
    assert_non_null(m);
    cs_error err;
    assert_int_equal(cs_model_run(m, &r.p, 5, 2, r.b, &err), CS_OK);
    uint64_t want = digest(&r);
    cs_model_destroy(m);
    cs_ctx_destroy(x);

    long n_fail = 0;
    for (long n = 1;; n++) {
        cs_failing_alloc st = {.fail_at = n};
        cs_allocator a = cs_allocator_failing(&st);
        x = cs_model_ctx_create(r.w, 1 << 16, &a);
        assert_non_null(x);
        m = cs_model_create(x, r.w);
        if (!m) {
            n_fail++;
            assert_int_equal(cs_ctx_error(x)->status, CS_ENOMEM);
            assert_non_null(strstr(cs_ctx_error(x)->msg, "out of memory: "));
            assert_int_equal(st.live, 0); /* everything taken was given back */
            cs_ctx_destroy(x);
            continue;
        }
        assert_true(st.calls < n); /* it succeeded because the failing call never came */
        assert_int_equal(cs_model_run(m, &r.p, 5, 2, r.b, &err), CS_OK);
        assert_true(digest(&r) == want); /* the same replication, bit for bit */
        long calls = st.calls;
        cs_model_destroy(m);
        assert_int_equal(st.live, 0);
        assert_int_equal(st.calls, calls); /* the run itself allocates nothing */
        cs_ctx_destroy(x);
        break;
    }
    assert_true(n_fail > 10); /* the model, its record and every component's state and arrays */
    cs_vrun_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_state_comes_from_the_context),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
