/* The children's services model as a list of components (model_impl.h): the lifecycle of a
 * replication context, dispatch of events by table, the national tick and the snapshots that
 * each component fills, and the run's summaries. The components are in their own files. */
#include "inspect.h"
#include "quality.h"
#include "regime.h"
#include "signals.h"
#include "workforce.h"
#include "yardsticks.h"

#include <stdlib.h>
#include <string.h>

/* The model: its components, in the order their hooks run. The order is part of the model:
 * quality's start needs the workforce's, signals need quality, the regime's start books
 * visits with the inspectorate. (Each draws from its own keyed streams, so the order does not
 * change any random draw; it fixes the order of events scheduled at equal times.) */
static const cs_component *const components[] = {
    &cs_yardsticks_component, &cs_workforce_component, &cs_quality_component,
    &cs_signals_component,    &cs_inspect_component,   &cs_regime_component,
};
#define N_COMPONENTS (sizeof components / sizeof components[0])

static const cs_model_type model_type;
static int on_tick(cs_model *m, const cs_event *ev);
static int on_snapshot(cs_model *m, const cs_event *ev);

/* The dispatch table: every event type has exactly one handler (checked here). */
static int build_dispatch(cs_model *m)
{
    memset(m->on, 0, sizeof m->on);
    m->on[EV_TICK] = on_tick;
    m->on[EV_SNAPSHOT] = on_snapshot;
    for (size_t c = 0; c < N_COMPONENTS; c++)
        for (size_t h = 0; h < components[c]->n_handlers; h++) {
            const cs_handler *x = &components[c]->handlers[h];
            if (x->type < 0 || x->type >= EV_N || m->on[x->type]) return CS_EMODEL;
            m->on[x->type] = x->fn;
        }
    for (int t = 0; t < EV_N; t++)
        if (!m->on[t]) return CS_EMODEL;
    return CS_OK;
}

/* The record's arrays (model_impl.h), allocated as the components' are. */
static const cs_array_def record_arrays[] = {
    CS_ARRAY(cs_model, grade, 1, 0),   CS_ARRAY(cs_model, gov, 1, 0),
    CS_ARRAY(cs_model, jfw, 1, 0),     CS_ARRAY(cs_model, sif_ever, 1, 0),
    CS_ARRAY(cs_model, grade_t, 1, 0),
};
#define N_RECORD_ARRAYS (sizeof record_arrays / sizeof record_arrays[0])

/* The pointers to states and arrays are stored and read through memcpy, as void *: the
 * tables name them by offset, whatever their type (all object pointers share one
 * representation on the platforms cssim supports). */
static void *get_ptr(const void *base, size_t offset)
{
    void *p;
    memcpy(&p, (const char *)base + offset, sizeof p);
    return p;
}

static void set_ptr(void *base, size_t offset, void *p)
{
    memcpy((char *)base + offset, &p, sizeof p);
}

static int alloc_arrays(cs_model *m, void *base, const cs_array_def *a, size_t n_arrays)
{
    for (size_t k = 0; k < n_arrays; k++) {
        void *p = cs_ctx_calloc(m->ctx, a[k].per_la * m->n + a[k].extra, a[k].size,
                                "the model's per-authority arrays");
        if (!p) return CS_ENOMEM;
        set_ptr(base, a[k].offset, p);
    }
    return CS_OK;
}

static void free_arrays(cs_model *m, void *base, const cs_array_def *a, size_t n_arrays)
{
    for (size_t k = 0; k < n_arrays; k++)
        cs_ctx_free(m->ctx, get_ptr(base, a[k].offset));
}

/* A component's state, zeroed, with its arrays; its pointer goes into the context. */
static int create_state(cs_model *m, const cs_component *c)
{
    void *s = cs_ctx_calloc(m->ctx, 1, c->state_size, c->name);
    if (!s) return CS_ENOMEM;
    set_ptr(m, c->state_offset, s);
    return alloc_arrays(m, s, c->arrays, c->n_arrays);
}

static void destroy_state(cs_model *m, const cs_component *c)
{
    void *s = get_ptr(m, c->state_offset);
    if (!s) return;
    free_arrays(m, s, c->arrays, c->n_arrays);
    cs_ctx_free(m->ctx, s);
}

cs_ctx *cs_model_ctx_create(const cs_world *w, size_t max_pending, const cs_allocator *a)
{
    return cs_ctx_create(a, 8 * w->n_la + 64, max_pending);
}

cs_model *cs_model_create(cs_ctx *ctx, const cs_world *w)
{
    cs_model *m = cs_ctx_calloc(ctx, 1, sizeof *m, "the model");
    if (!m) return NULL;
    m->ctx = ctx;
    m->w = w;
    m->n = w->n_la;
    if (build_dispatch(m) || alloc_arrays(m, m, record_arrays, N_RECORD_ARRAYS)) goto fail;
    for (size_t c = 0; c < N_COMPONENTS; c++)
        if (create_state(m, components[c])) goto fail;
    m->st = cs_ctx_streams(ctx, (uint32_t)m->n + 1, CS_NPROCS);
    /* Keyed by ONS code (E09000002 -> 9000002: codes are unique and validated), not by row:
     * a subset run shares each authority's random numbers with the full run. */
    for (size_t i = 0; m->st && i < m->n; i++)
        cs_streams_set_id(m->st, (uint32_t)i,
                          (uint32_t)strtoul(w->table.rows[i].code + 1, NULL, 10));
    if (m->st) cs_streams_set_id(m->st, CS_STREAMS_NATIONAL, CS_STREAMS_NATIONAL);
    m->eng = cs_ctx_engine(ctx);
    if (!m->st) goto fail;
    return m;
fail:
    cs_model_destroy(m);
    return NULL;
}

void cs_model_destroy(cs_model *m)
{
    if (!m) return;
    for (size_t c = N_COMPONENTS; c-- > 0;)
        destroy_state(m, components[c]);
    free_arrays(m, m, record_arrays, N_RECORD_ARRAYS);
    cs_ctx_free(m->ctx, m);
}

uint64_t cs_model_events(const cs_model *m)
{
    return m->events;
}

void cs_model_set_checks(cs_model *m, int on)
{
    m->checks = on;
}

/* ---- the record ---- */

/* The published record at the start, from the authority table. */
static void init_record(cs_model *m)
{
    const cs_params *p = m->p;
    memset(m->grade_n, 0, sizeof m->grade_n);
    memset(m->gov_n, 0, sizeof m->gov_n);
    m->snap = 0;
    m->fw = p->first_framework;
    if (p->first_framework == CS_FW_SIF && p->ilacs_from <= p->start) m->fw = CS_FW_ILACS;
    for (size_t i = 0; i < m->n; i++) {
        const cs_authority *a = &m->w->table.rows[i];
        m->grade[i] = (uint8_t)a->grade;
        m->grade_n[a->grade]++;
        m->gov[i] = (uint8_t)a->governance;
        m->gov_n[a->governance]++;
        m->jfw[i] = (uint8_t)a->judged_fw;
        m->sif_ever[i] = (uint8_t)(a->sif_done != 0);
        m->grade_t[i] = (double)(a->grade_date - p->start);
    }
}

/* The record's series and panel variables: grade and governance counts, grade age. */
static void snapshot_record(cs_model *m, size_t k)
{
    double t = cs_model_now(m), age = 0;
    size_t n = m->n;
    double *sg = cs_model_series(m, S_GRADE), *sv = cs_model_series(m, S_GOV);
    for (int g = 0; g < CS_NGRADES; g++)
        sg[g] = m->grade_n[g];
    for (int g = 0; g < CS_NGOV; g++)
        sv[g] = m->gov_n[g];
    for (size_t i = 0; i < n; i++)
        age += t - m->grade_t[i];
    *cs_model_series(m, S_GRADE_AGE) = age / (double)n;
    if (m->p->out_panel) { /* the panel is only filled when it is recorded */
        uint8_t *pg = (uint8_t *)m->buf->panel[P_GRADE] + k * n;
        uint8_t *pv = (uint8_t *)m->buf->panel[P_GOV] + k * n;
        memcpy(pg, m->grade, n);
        memcpy(pv, m->gov, n);
    }
}

/* Counts that add up to the authorities. */
static int check_record(const cs_model *m)
{
    int32_t ng = 0, nv = 0;
    for (int g = 0; g < CS_NGRADES; g++)
        ng += m->grade_n[g];
    for (int g = 0; g < CS_NGOV; g++)
        nv += m->gov_n[g];
    return ng != (int32_t)m->n || nv != (int32_t)m->n ? CS_EMODEL : CS_OK;
}

/* ---- the tick and snapshots ---- */

/* The national tick: each component's tick in the list's order (the workforce moves, quality
 * is sampled, signals are drawn for the next interval). */
static int on_tick(cs_model *m, const cs_event *ev)
{
    (void)ev;
    double t = cs_model_now(m), dt = m->p->sample_days;
    for (size_t c = 0; c < N_COMPONENTS; c++)
        if (components[c]->tick) components[c]->tick(m, t, dt);
    if (t + dt <= m->w->t_end) cs_engine_schedule(m->eng, t + dt, PRIO_TICK, EV_TICK, -1, 0, 0);
    return CS_OK;
}

static int on_snapshot(cs_model *m, const cs_event *ev)
{
    (void)ev;
    size_t k = m->snap;
    snapshot_record(m, k);
    for (size_t c = 0; c < N_COMPONENTS; c++)
        if (components[c]->snapshot) components[c]->snapshot(m, k);
    m->snap++;
    if (m->snap < m->w->n_time)
        cs_engine_schedule(m->eng, m->w->time_days[m->snap], PRIO_SNAPSHOT, EV_SNAPSHOT, -1, 0, 0);
    return CS_OK;
}

/* ---- engine callbacks ---- */

static int model_init(void *vm, cs_engine *eng)
{
    cs_model *m = vm;
    const cs_params *p = m->p;
    init_record(m);
    for (size_t c = 0; c < N_COMPONENTS; c++)
        components[c]->init(m);
    cs_engine_schedule(eng, 0, PRIO_SNAPSHOT, EV_SNAPSHOT, -1, 0, 0);
    /* The tick samples quality, moves the workforce and draws signals; with markov grades,
     * no workforce and no signals it has nothing to do, and is not scheduled. */
    int tick = p->grade_model == CS_GM_PROBIT || p->workforce_on || p->sig_false_rate > 0;
    if (tick && p->sample_days <= m->w->t_end)
        cs_engine_schedule(eng, p->sample_days, PRIO_TICK, EV_TICK, -1, 0, 0);
    return CS_OK;
}

/* The model's invariants, checked after every event when cs_model_set_checks is on (tests):
 * the record's and each component's. */
static int check_invariants(const cs_model *m)
{
    if (check_record(m)) return CS_EMODEL;
    for (size_t c = 0; c < N_COMPONENTS; c++)
        if (components[c]->check && components[c]->check(m)) return CS_EMODEL;
    return CS_OK;
}

int cs_model_deliver(cs_model *m, int32_t type, int32_t la, int64_t aux, double value)
{
    cs_event ev = {
        .time = cs_engine_now(m->eng), .type = type, .la = la, .aux = aux, .value = value};
    return m->on[type](m, &ev);
}

static int model_handle(void *vm, cs_engine *eng, const cs_event *ev)
{
    cs_model *m = vm;
    (void)eng;
    if (ev->type < 0 || ev->type >= EV_N) return CS_EMODEL;
    int rc = m->on[ev->type](m, ev);
    if (rc == CS_OK && m->checks) {
        rc = check_invariants(m);
        if (rc)
            cs_error_set(cs_engine_error(m->eng), rc, NULL, 0, 0, NULL,
                         "model invariant broken after event type %d at t=%g", (int)ev->type,
                         ev->time);
    }
    return rc;
}

static int model_finalize(void *vm, cs_engine *eng, double t_end)
{
    cs_model *m = vm;
    (void)eng;
    for (size_t c = 0; c < N_COMPONENTS; c++)
        if (components[c]->finalize) components[c]->finalize(m, t_end);
    return CS_OK;
}

static const cs_model_type model_type = {"children's services", model_init, model_handle,
                                         model_finalize};

int cs_model_run(cs_model *m, const cs_params *p, uint64_t seed, uint64_t rep, cs_repbuf *buf,
                 cs_error *err)
{
    m->p = p;
    m->buf = buf;
    cs_repbuf_reset(buf, rep);
    int rc = cs_ctx_run(m->ctx, &model_type, m, seed, rep, m->w->t_end);
    m->events = cs_engine_events(m->eng);
    if (rc) {
        if (err) *err = *cs_ctx_error(m->ctx);
        return rc;
    }
    buf->summary[M_EVENTS] = (double)m->events;
    buf->work = m->events; /* the writer's commit floor (cs_writer_set_commit_work) */
    for (size_t c = 0; c < N_COMPONENTS; c++)
        if (components[c]->summarize) components[c]->summarize(m, buf);
    return CS_OK;
}
