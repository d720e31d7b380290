#include "cssim/engine.h"

#include <math.h>
#include <stdlib.h>

struct cs_engine {
    const cs_model_type *type;
    void *model;
    cs_evlist *list;
    double now;
    uint64_t events;
    int failed; /* a schedule failed: the run stops with err.status */
    cs_error err;
};

cs_engine *cs_engine_create(const cs_model_type *type, void *model, size_t initial_capacity,
                            size_t max_capacity)
{
    cs_engine *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->type = type;
    e->model = model;
    e->list = cs_evlist_create(initial_capacity, max_capacity);
    if (!e->list) {
        free(e);
        return NULL;
    }
    return e;
}

void cs_engine_destroy(cs_engine *e)
{
    if (!e) return;
    cs_evlist_destroy(e->list);
    free(e);
}

void cs_engine_bind(cs_engine *e, const cs_model_type *type, void *model)
{
    e->type = type;
    e->model = model;
}

void cs_engine_reset(cs_engine *e)
{
    cs_evlist_clear(e->list);
    e->now = 0.0;
    e->events = 0;
    e->failed = 0;
    cs_error_clear(&e->err);
}

int cs_engine_run(cs_engine *e, double t_end)
{
    int rc = e->type->init ? e->type->init(e->model, e) : CS_OK;
    if (rc == CS_OK && e->failed) rc = e->err.status;
    cs_event ev;
    while (rc == CS_OK) {
        const cs_event *top = cs_evlist_peek(e->list);
        if (!top || top->time > t_end) break;
        cs_evlist_pop(e->list, &ev);
        e->now = ev.time;
        e->events++;
        rc = e->type->handle(e->model, e, &ev);
        if (rc == CS_OK && e->failed) rc = e->err.status;
    }
    if (rc == CS_OK) {
        e->now = t_end;
        if (e->type->finalize) rc = e->type->finalize(e->model, e, t_end);
    }
    if (rc != CS_OK && e->err.status == CS_OK)
        cs_error_set(&e->err, rc, NULL, 0, 0, NULL, "model '%s' failed: %s", e->type->name,
                     cs_strerror(rc));
    return rc;
}

double cs_engine_now(const cs_engine *e)
{
    return e->now;
}

uint64_t cs_engine_events(const cs_engine *e)
{
    return e->events;
}

cs_error *cs_engine_error(cs_engine *e)
{
    return &e->err;
}

cs_evlist *cs_engine_list(cs_engine *e)
{
    return e->list;
}

cs_evhandle cs_engine_schedule(cs_engine *e, double time, uint32_t prio, int32_t type, int32_t la,
                               int64_t aux, double value)
{
    if (!(time >= e->now)) { /* also catches NaN */
        e->failed = 1;
        cs_error_set(&e->err, CS_EINVAL, NULL, 0, 0, NULL,
                     "event type %d for unit %d scheduled at t=%g, before now (t=%g)", (int)type,
                     (int)la, time, e->now);
        return 0;
    }
    cs_event ev = {.time = time, .type = type, .la = la, .aux = aux, .value = value, .prio = prio};
    cs_evhandle h = 0;
    int rc = cs_evlist_push(e->list, &ev, &h);
    if (rc != CS_OK) {
        e->failed = 1;
        cs_error_set(&e->err, rc, NULL, 0, 0, "run.max_pending_events",
                     "cannot schedule event: %s (%zu pending); raise run.max_pending_events",
                     cs_strerror(rc), cs_evlist_size(e->list));
        return 0;
    }
    return h;
}

int cs_engine_cancel(cs_engine *e, cs_evhandle h)
{
    if (h) (void)cs_evlist_cancel(e->list, h);
    return CS_OK;
}

int cs_engine_reschedule(cs_engine *e, cs_evhandle h, double new_time)
{
    if (!(new_time >= e->now)) return CS_EINVAL;
    return cs_evlist_reschedule(e->list, h, new_time);
}
