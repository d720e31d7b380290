/* The children's services model: 150+ authorities, an inspectorate of finite capacity, the
 * 2015 intervention regime and the social-work workforce, as a cs_model_type for the engine.
 *
 * cs_world: everything shared and read-only for one scenario point (parameters, the
 * authority table, the snapshot grid, derived constants). Built once, shared by threads.
 * cs_model: one replication context (state arrays, engine, keyed streams); create one per
 * thread, run many replications with it. Nothing is allocated per replication or per event.
 * See docs/model.md for the model and docs/output.md for what it records. */
#ifndef CSSIM_MODELS_MODEL_H
#define CSSIM_MODELS_MODEL_H

#include "authorities.h"
#include "cssim/config.h"
#include "cssim/ctx.h"
#include "cssim/output.h"
#include "params.h"

#include <stdint.h>

/* Random-stream processes (the last component of a stream's key). Never renumber: common
 * random numbers across versions depend on them. */
enum cs_proc {
    CS_PROC_INIT = 0,   /* initial quality */
    CS_PROC_QUALITY,    /* OU increments */
    CS_PROC_JUDGE,      /* judgement noise, markov grades */
    CS_PROC_LEADERSHIP, /* leadership changes */
    CS_PROC_SIGNALS,    /* concern signals */
    CS_PROC_INSPECT,    /* targets and durations of this LA's visits, report delays */
    CS_PROC_REGIME,     /* delays and decisions of the regime */
    CS_PROC_WORKFORCE,  /* leavers */
    CS_PROC_PARAMS,     /* national unit: per-replication draws of uncertain parameters */
    CS_NPROCS
};

typedef struct cs_world {
    const cs_params *p;
    cs_authority_table table;
    size_t n_la;
    double t_end;          /* days */
    size_t n_time;         /* snapshots */
    double *time_days;     /* [n_time] */
    char **time_iso;       /* [n_time] */
    int64_t sponsor_slots; /* (pip + extra) * k, or INT64_MAX when unlimited */
    double sif_done_share; /* share of the whole table (before any authorities.only or limit)
                              judged under the SIF by the start: the national plan's progress */
    /* known events (authorities.events) */
    cs_known_events known;
    double *trust_live; /* [n_la] go-live of a trust live at the start, days (<= 0); NAN if none */
    size_t n_due;       /* events decided by the start that take effect after it, by time */
    struct cs_due {
        int32_t la, kind; /* row, cs_known_kind */
        double t;         /* days from the start (> 0) */
    } * due;
} cs_world;

int cs_world_create(cs_world **out, const cs_params *p, cs_error *err);
void cs_world_destroy(cs_world *w);

/* What the model records (national series, panel, summaries, per-authority statistics). */
const cs_schema *cs_model_schema(void);
extern const cs_enum_def cs_enum_grade, cs_enum_gov, cs_enum_event;

/* The event types recorded in the events table (docs/output.md). */
typedef enum cs_evtype {
    CS_EV_INSPECTION_REQUESTED = 0,
    CS_EV_INSPECTION_STARTED,
    CS_EV_INSPECTION_COMPLETED,
    CS_EV_JUDGEMENT_PUBLISHED,
    CS_EV_MONITORING_VISIT,
    CS_EV_FOCUSED_VISIT,
    CS_EV_SIGNAL,
    CS_EV_EMERGENCY_BOOKED,
    CS_EV_GOVERNANCE_CHANGE,
    CS_EV_COMMISSIONER_APPOINTED,
    CS_EV_REVIEW,
    CS_EV_COMMISSIONER_REPORT,
    CS_EV_SPONSOR_TAKEN,
    CS_EV_SPONSOR_RELEASED,
    CS_EV_LEADERSHIP_CHANGE,
    CS_EV_FRAMEWORK_SWITCH,
    CS_EV_CAPACITY_CHANGE,
    CS_EV_LATENT_INADEQUATE,
    CS_EV_LATENT_RECOVERED,
    CS_EV_FAILURE_DETECTED,
    CS_NEVTYPES
} cs_evtype;

typedef struct cs_model cs_model;

/* A replication context sized for this world's model (the runner owns it: one per thread,
 * destroyed after the model); a NULL allocator means the C library's. */
cs_ctx *cs_model_ctx_create(const cs_world *w, size_t max_pending, const cs_allocator *a);
/* The model's state, allocated through ctx; it runs on ctx's engine and streams. NULL when
 * out of memory (the reason in cs_ctx_error(ctx)). */
cs_model *cs_model_create(cs_ctx *ctx, const cs_world *w);
void cs_model_destroy(cs_model *m); /* gives its memory back to its context */
/* Runs replication `rep` with parameters p (the world's, or a copy holding this
 * replication's draws of uncertain parameters) into buf (reset by the call). */
int cs_model_run(cs_model *m, const cs_params *p, uint64_t seed, uint64_t rep, cs_repbuf *buf,
                 cs_error *err);
uint64_t cs_model_events(const cs_model *m); /* events dispatched by the last run */
/* Checks the model's invariants after every event (workforce accounting, supply never
 * negative, counts); a violation fails the run with CS_EMODEL. Off by default (tests). */
void cs_model_set_checks(cs_model *m, int on);

#endif
