/* Invariant: cs_evlist pops exactly what a sorted reference pops, in (time, prio, seq) order. */
#include "cs_test.h"

#include "cssim/evlist.h"
#include "cssim/status.h"

#include <stdlib.h>
#include <string.h>

/* The reference: an unsorted array searched linearly for the minimum. */
typedef struct ref_ev {
    double time;
    uint32_t prio;
    uint64_t seq;
    int64_t id;
    cs_evhandle h;
} ref_ev;

static int ref_less(const ref_ev *a, const ref_ev *b)
{
    if (a->time != b->time) return a->time < b->time;
    if (a->prio != b->prio) return a->prio < b->prio;
    return a->seq < b->seq;
}

static size_t ref_min(const ref_ev *r, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (ref_less(&r[i], &r[best])) best = i;
    return best;
}

static uint64_t lcg(uint64_t *s)
{
    *s = *s * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
    return *s >> 33;
}

/* tick_limit 0 keeps the default (renumbering after 2^28 insertions, never reached here);
 * tier 0 keeps the default heap length before the two tiers (2^18, never reached here). */
static void check_against_reference(uint32_t tick_limit, size_t tier)
{
    enum { NMAX = 3000, OPS = 200000 };
    ref_ev *ref = malloc(NMAX * sizeof *ref);
    cs_evhandle *dead = malloc(OPS * sizeof *dead);
    assert_non_null(ref);
    assert_non_null(dead);
    size_t n = 0, ndead = 0;
    uint64_t seq = 0, rng = 12345;
    int64_t next_id = 0;
    double now = 0;
    cs_evlist *l = cs_evlist_create(4, 0);
    assert_non_null(l);
    if (tick_limit) cs_evlist_set_tick_limit(l, tick_limit);
    if (tier) cs_evlist_set_tier(l, tier);
    for (int op = 0; op < OPS; op++) {
        uint64_t r = lcg(&rng) % 100;
        /* Times on a coarse grid and 3 classes make ties the common case. */
        double t = now + (double)(lcg(&rng) % 8);
        if ((r < 45 && n < NMAX) || n == 0) {
            cs_event ev = {.time = t, .prio = (uint32_t)(lcg(&rng) % 3), .aux = next_id};
            cs_evhandle h = 0;
            assert_int_equal(cs_evlist_push(l, &ev, &h), CS_OK);
            assert_true(h != 0);
            ref[n++] = (ref_ev){t, ev.prio, seq++, next_id++, h};
        } else if (r < 80) {
            size_t k = ref_min(ref, n);
            cs_event out;
            assert_int_equal(cs_evlist_pop(l, &out), CS_OK);
            assert_true(out.time == ref[k].time);
            assert_int_equal(out.prio, ref[k].prio);
            assert_int_equal(out.seq, ref[k].seq);
            assert_int_equal(out.aux, ref[k].id);
            assert_true(out.time >= now);
            now = out.time;
            dead[ndead++] = ref[k].h;
            ref[k] = ref[--n];
        } else if (r < 90) {
            size_t k = lcg(&rng) % n;
            assert_int_equal(cs_evlist_cancel(l, ref[k].h), CS_OK);
            dead[ndead++] = ref[k].h;
            ref[k] = ref[--n];
        } else {
            size_t k = lcg(&rng) % n;
            assert_int_equal(cs_evlist_reschedule(l, ref[k].h, t), CS_OK);
            ref[k].time = t;
            ref[k].seq = seq++;
            const cs_event *ev = cs_evlist_get(l, ref[k].h);
            assert_non_null(ev);
            assert_true(ev->time == t);
            assert_int_equal(ev->seq, ref[k].seq);
            assert_int_equal(ev->aux, ref[k].id);
        }
        assert_int_equal(cs_evlist_size(l), n);
        if (n) {
            const cs_event *top = cs_evlist_peek(l);
            assert_non_null(top);
            assert_int_equal(top->seq, ref[ref_min(ref, n)].seq);
        } else {
            assert_null(cs_evlist_peek(l));
        }
        if (ndead && op % 7 == 0) {
            cs_evhandle h = dead[lcg(&rng) % ndead];
            assert_false(cs_evlist_pending(l, h));
            assert_int_equal(cs_evlist_cancel(l, h), CS_ESTALE);
            assert_int_equal(cs_evlist_reschedule(l, h, now + 1), CS_ESTALE);
        }
    }
    /* Drain: the rest comes out in reference order too. */
    while (n) {
        size_t k = ref_min(ref, n);
        cs_event out;
        assert_int_equal(cs_evlist_pop(l, &out), CS_OK);
        assert_int_equal(out.seq, ref[k].seq);
        assert_int_equal(out.aux, ref[k].id);
        ref[k] = ref[--n];
    }
    cs_event out;
    assert_int_equal(cs_evlist_pop(l, &out), CS_ENOTFOUND);
    cs_evlist_destroy(l);
    free(ref);
    free(dead);
}

static void test_evlist_matches_sorted_reference(void **state)
{
    (void)state;
    check_against_reference(0, 0);
}

/* About 110000 insertions with a limit of 7000: the order ticks are renumbered some 25 times
 * while up to 3000 events (and their tombstones) are pending. */
static void test_evlist_order_survives_tick_renumbering(void **state)
{
    (void)state;
    check_against_reference(7000, 0);
}

/* The two tiers of long lists, forced on a few thousand events: a heap of at most 64 entries
 * parks the rest far, and brings them back in batches, through pushes, pops, cancels and
 * reschedules with ties everywhere (the coarse time grid). The order is the reference's. */
static void test_evlist_two_tiers_keep_the_order(void **state)
{
    (void)state;
    check_against_reference(0, 64);
    check_against_reference(0, 9);
}

/* Both at once: renumbering merges the far part back into the heap. */
static void test_evlist_two_tiers_survive_tick_renumbering(void **state)
{
    (void)state;
    check_against_reference(7000, 64);
}

/* Lazy cancellation: thousands of cancels and reschedules of far-future events leave no
 * tombstone that fires, and the survivors still pop in order. */
static void cancel_storm(size_t tier)
{
    enum { N = 200, ROUNDS = 60 };
    cs_evlist *l = cs_evlist_create(N, N);
    if (tier) cs_evlist_set_tier(l, tier);
    cs_evhandle h[N];
    double when[N];
    int alive[N];
    uint64_t rng = 99;
    for (int i = 0; i < N; i++) {
        cs_event ev = {.time = 1000.0 + (double)i, .aux = i};
        assert_int_equal(cs_evlist_push(l, &ev, &h[i]), CS_OK);
        when[i] = ev.time;
        alive[i] = 1;
    }
    for (int r = 0; r < ROUNDS; r++)
        for (int i = 0; i < N; i++) {
            if (!alive[i]) continue;
            if (lcg(&rng) % 50 == 0 && i % 2) {
                assert_int_equal(cs_evlist_cancel(l, h[i]), CS_OK);
                alive[i] = 0;
            } else {
                when[i] = (double)(lcg(&rng) % 100000) + (double)i * 1e-6;
                assert_int_equal(cs_evlist_reschedule(l, h[i], when[i]), CS_OK);
            }
        }
    size_t live = 0;
    for (int i = 0; i < N; i++)
        live += (size_t)alive[i];
    assert_int_equal(cs_evlist_size(l), live);
    assert_int_equal(cs_evlist_capacity(l), N); /* the pool never grew */
    double last = -1;
    cs_event out;
    while (cs_evlist_pop(l, &out) == CS_OK) {
        assert_true(alive[out.aux]);
        assert_true(out.time == when[out.aux]);
        assert_true(out.time >= last);
        last = out.time;
        alive[out.aux] = 0;
        live--;
    }
    assert_int_equal(live, 0);
    cs_evlist_destroy(l);
}

static void test_evlist_cancel_storm(void **state)
{
    (void)state;
    cancel_storm(0);
    cancel_storm(16); /* two tiers: tombstones in the far part too */
}

/* The two tiers at their real size: 600000 events (the heap tiers at 2^18) with ties on a grid
 * of 1/64 days, a hold phase that drains and refills the far part several times, cancels of
 * parked events, then a drain: every pop is in (time, prio, seq) order and none is lost. */
static void test_evlist_two_tiers_at_full_size(void **state)
{
    (void)state;
    enum { N = 600000, HOLDS = 1500000 };
    cs_evlist *l = cs_evlist_create(1024, 0);
    cs_evhandle *h = malloc(N * sizeof *h);
    assert_non_null(l);
    assert_non_null(h);
    uint64_t rng = 4242;
    for (int i = 0; i < N; i++) {
        cs_event ev = {.time = (double)(lcg(&rng) % 64000) / 64.0, .prio = (uint32_t)(i % 3)};
        assert_int_equal(cs_evlist_push(l, &ev, &h[i]), CS_OK);
    }
    size_t cancelled = 0;
    for (int i = 0; i < N; i += 7) /* parked or not: every seventh goes */
        cancelled += cs_evlist_cancel(l, h[i]) == CS_OK;
    assert_int_equal(cs_evlist_size(l), N - cancelled);
    cs_event last = {.time = -1}, out;
    for (int k = 0; k < HOLDS; k++) {
        assert_int_equal(cs_evlist_pop(l, &out), CS_OK);
        assert_true(out.time > last.time ||
                    (out.time == last.time &&
                     (out.prio > last.prio || (out.prio == last.prio && out.seq > last.seq))));
        last = out;
        out.time += (double)(lcg(&rng) % 2048) / 64.0;
        assert_int_equal(cs_evlist_push(l, &out, NULL), CS_OK);
    }
    size_t n = 0;
    last.time = -1;
    while (cs_evlist_pop(l, &out) == CS_OK) {
        assert_true(out.time > last.time ||
                    (out.time == last.time &&
                     (out.prio > last.prio || (out.prio == last.prio && out.seq > last.seq))));
        last = out;
        n++;
    }
    assert_int_equal(n, N - cancelled);
    free(h);
    cs_evlist_destroy(l);
}

static void test_evlist_tie_break_order(void **state)
{
    (void)state;
    cs_evlist *l = cs_evlist_create(8, 0);
    /* (time, prio) pushed in this order; aux is the expected pop rank. */
    const struct {
        double time;
        uint32_t prio;
        int64_t rank;
    } in[] = {{2, 0, 5}, {1, 1, 3}, {1, 0, 0}, {1, 2, 4}, {1, 0, 1}, {2, 0, 6}, {1, 0, 2}};
    size_t n = sizeof in / sizeof in[0];
    for (size_t i = 0; i < n; i++) {
        cs_event ev = {.time = in[i].time, .prio = in[i].prio, .aux = in[i].rank};
        assert_int_equal(cs_evlist_push(l, &ev, NULL), CS_OK);
    }
    for (int64_t want = 0; want < (int64_t)n; want++) {
        cs_event out;
        assert_int_equal(cs_evlist_pop(l, &out), CS_OK);
        assert_int_equal(out.aux, want);
    }
    /* A rescheduled event goes behind its equals: it takes a new sequence number. */
    cs_evhandle a, b;
    cs_event ev = {.time = 5, .aux = 1};
    assert_int_equal(cs_evlist_push(l, &ev, &a), CS_OK);
    ev.aux = 2;
    assert_int_equal(cs_evlist_push(l, &ev, &b), CS_OK);
    assert_int_equal(cs_evlist_reschedule(l, a, 5), CS_OK);
    assert_int_equal(cs_evlist_peek(l)->aux, 2);
    cs_evlist_destroy(l);
}

static void test_evlist_detects_stale_handles(void **state)
{
    (void)state;
    cs_evlist *l = cs_evlist_create(1, 0);
    cs_event ev = {.time = 1, .aux = 7};
    cs_evhandle h1, h2;
    assert_int_equal(cs_evlist_push(l, &ev, &h1), CS_OK);
    assert_true(cs_evlist_pending(l, h1));
    assert_int_equal(cs_evlist_get(l, h1)->aux, 7);
    cs_event out;
    assert_int_equal(cs_evlist_pop(l, &out), CS_OK);
    assert_false(cs_evlist_pending(l, h1));
    assert_null(cs_evlist_get(l, h1));
    /* The slot is recycled (capacity 1), yet the old handle stays stale. */
    assert_int_equal(cs_evlist_push(l, &ev, &h2), CS_OK);
    assert_int_equal(cs_evlist_capacity(l), 1);
    assert_true(h2 != h1);
    assert_int_equal(cs_evlist_cancel(l, h1), CS_ESTALE);
    assert_true(cs_evlist_pending(l, h2));
    assert_int_equal(cs_evlist_cancel(l, h2), CS_OK);
    assert_int_equal(cs_evlist_cancel(l, h2), CS_ESTALE);
    assert_int_equal(cs_evlist_reschedule(l, h2, 3), CS_ESTALE);
    assert_int_equal(cs_evlist_size(l), 0);
    /* Handle 0 and handles naming slots that do not exist. */
    assert_false(cs_evlist_pending(l, 0));
    assert_int_equal(cs_evlist_cancel(l, 0), CS_ESTALE);
    assert_int_equal(cs_evlist_cancel(l, UINT64_C(1) << 32 | 1000), CS_ESTALE);
    assert_int_equal(cs_evlist_cancel(l, UINT64_MAX), CS_ESTALE);
    cs_evlist_destroy(l);
}

static void test_evlist_grows_to_max_then_fails(void **state)
{
    (void)state;
    cs_evlist *l = cs_evlist_create(2, 8);
    assert_int_equal(cs_evlist_capacity(l), 2);
    cs_evhandle h[8];
    for (int i = 0; i < 8; i++) {
        cs_event ev = {.time = 8 - i, .aux = i};
        assert_int_equal(cs_evlist_push(l, &ev, &h[i]), CS_OK);
    }
    assert_int_equal(cs_evlist_capacity(l), 8);
    cs_event ev = {.time = 0};
    assert_int_equal(cs_evlist_push(l, &ev, NULL), CS_ECAPACITY);
    assert_int_equal(cs_evlist_size(l), 8);
    /* Handles survive growth, and a freed slot makes room again. */
    for (int i = 0; i < 8; i++)
        assert_int_equal(cs_evlist_get(l, h[i])->aux, i);
    assert_int_equal(cs_evlist_cancel(l, h[3]), CS_OK);
    assert_int_equal(cs_evlist_push(l, &ev, NULL), CS_OK);
    cs_evlist_destroy(l);

    l = cs_evlist_create(0, 0); /* unlimited */
    for (int i = 0; i < 5000; i++) {
        cs_event e = {.time = (double)((i * 7919) % 5000), .aux = i};
        assert_int_equal(cs_evlist_push(l, &e, NULL), CS_OK);
    }
    assert_true(cs_evlist_capacity(l) >= 5000);
    for (int i = 0; i < 5000; i++) {
        cs_event out;
        assert_int_equal(cs_evlist_pop(l, &out), CS_OK);
        assert_true(out.time == (double)i);
    }
    cs_evlist_destroy(l);
    cs_evlist_destroy(NULL);
}

static void test_evlist_rejects_bad_events(void **state)
{
    (void)state;
    cs_evlist *l = cs_evlist_create(4, 0);
    cs_event ev = {.time = NAN};
    assert_int_equal(cs_evlist_push(l, &ev, NULL), CS_EINVAL);
    ev.time = 1;
    ev.prio = 256;
    assert_int_equal(cs_evlist_push(l, &ev, NULL), CS_EINVAL);
    ev.prio = 255;
    cs_evhandle h;
    assert_int_equal(cs_evlist_push(l, &ev, &h), CS_OK);
    assert_int_equal(cs_evlist_reschedule(l, h, NAN), CS_EINVAL);
    assert_true(cs_evlist_pending(l, h));
    cs_event out;
    assert_int_equal(cs_evlist_pop(l, &out), CS_OK);
    assert_int_equal(cs_evlist_pop(l, &out), CS_ENOTFOUND);
    assert_null(cs_evlist_peek(l));
    cs_evlist_destroy(l);
}

static void test_evlist_clear_drops_all_and_restarts_seq(void **state)
{
    (void)state;
    cs_evlist *l = cs_evlist_create(2, 0);
    cs_evhandle h[10];
    for (int i = 0; i < 10; i++) {
        cs_event ev = {.time = i};
        assert_int_equal(cs_evlist_push(l, &ev, &h[i]), CS_OK);
    }
    size_t cap = cs_evlist_capacity(l);
    cs_evlist_clear(l);
    assert_int_equal(cs_evlist_size(l), 0);
    assert_int_equal(cs_evlist_capacity(l), cap);
    assert_null(cs_evlist_peek(l));
    for (int i = 0; i < 10; i++)
        assert_false(cs_evlist_pending(l, h[i]));
    cs_event ev = {.time = 3};
    cs_evhandle h2;
    assert_int_equal(cs_evlist_push(l, &ev, &h2), CS_OK);
    assert_int_equal(cs_evlist_peek(l)->seq, 0);
    for (int i = 0; i < 10; i++)
        assert_int_equal(cs_evlist_cancel(l, h[i]), CS_ESTALE);
    assert_true(cs_evlist_pending(l, h2));
    cs_evlist_destroy(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_evlist_matches_sorted_reference),
        cmocka_unit_test(test_evlist_order_survives_tick_renumbering),
        cmocka_unit_test(test_evlist_two_tiers_keep_the_order),
        cmocka_unit_test(test_evlist_two_tiers_survive_tick_renumbering),
        cmocka_unit_test(test_evlist_two_tiers_at_full_size),
        cmocka_unit_test(test_evlist_cancel_storm),
        cmocka_unit_test(test_evlist_tie_break_order),
        cmocka_unit_test(test_evlist_detects_stale_handles),
        cmocka_unit_test(test_evlist_grows_to_max_then_fails),
        cmocka_unit_test(test_evlist_rejects_bad_events),
        cmocka_unit_test(test_evlist_clear_drops_all_and_restarts_seq),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
