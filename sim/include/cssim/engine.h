/* The discrete-event engine: an event list, a clock, and dispatch to a model.
 *
 * The engine knows nothing of any domain. A model plugs in through a const table of
 * callbacks (cs_model_type), as gsl_rng_type and ROSS's tw_lptype do; inside the model,
 * dispatch is a switch on the model's own event enum. Callbacks return 0 on success,
 * negative on fatal failure (the run stops and the status propagates).
 * Thread-safety: one engine per replication context; create once, reset per replication. */
#ifndef CSSIM_ENGINE_H
#define CSSIM_ENGINE_H

#include "cssim/evlist.h"
#include "cssim/status.h"

#include <stdint.h>

typedef struct cs_engine cs_engine;

typedef struct cs_model_type {
    const char *name;
    /* Schedules the initial events of a replication (the engine is already reset). */
    int (*init)(void *model, cs_engine *eng);
    /* Handles one event popped at time ev->time (== cs_engine_now(eng)). */
    int (*handle)(void *model, cs_engine *eng, const cs_event *ev);
    /* Called once when the clock reaches t_end (the model closes its accounts). May be NULL. */
    int (*finalize)(void *model, cs_engine *eng, double t_end);
} cs_model_type;

cs_engine *cs_engine_create(const cs_model_type *type, void *model, size_t initial_capacity,
                            size_t max_capacity);
void cs_engine_destroy(cs_engine *e); /* NULL is a no-op */
/* Binds the engine to a model: a replication context (cssim/ctx.h) creates its engine unbound,
 * cs_engine_create(NULL, NULL, ...), and binds it before each run. */
void cs_engine_bind(cs_engine *e, const cs_model_type *type, void *model);
/* Empties the event list and sets the clock to 0 (keeps memory). */
void cs_engine_reset(cs_engine *e);
/* Calls init, then pops and dispatches every event with time <= t_end in total order, then
 * finalize. Returns CS_OK or the first failing status (details in cs_engine_error). */
int cs_engine_run(cs_engine *e, double t_end);

double cs_engine_now(const cs_engine *e);
uint64_t cs_engine_events(const cs_engine *e); /* events dispatched since reset */
cs_error *cs_engine_error(cs_engine *e);
cs_evlist *cs_engine_list(cs_engine *e);

/* Schedules an event; returns its handle, or 0 on failure (recorded in cs_engine_error, and
 * cs_engine_run then stops with that status). Times before now are an error (CS_EINVAL). */
cs_evhandle cs_engine_schedule(cs_engine *e, double time, uint32_t prio, int32_t type, int32_t la,
                               int64_t aux, double value);
/* Cancels a pending event; returns 0 (also when h is 0 or no longer pending: a no-op). */
int cs_engine_cancel(cs_engine *e, cs_evhandle h);
/* Moves a pending event; CS_ESTALE when h is not pending. */
int cs_engine_reschedule(cs_engine *e, cs_evhandle h, double new_time);

#endif
