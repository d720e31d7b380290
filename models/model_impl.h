/* Private: the replication context that the model's components share, and the component table.
 *
 * The model is a list of components (model.c), each in its own file, each owning its state as
 * a struct defined only in its .c file: the context holds an opaque pointer to it, so no other
 * file can reach its fields. A component asks another to do something through a function of
 * that component's header; the event loop delivers the events. Layers (a file includes only
 * what is below it; no cycles):
 *
 *   model.c      lifecycle, dispatch by table, the tick and snapshot events, recording
 *   regime.c     signals.c         the intervention regime; concern signals (sharper triggers)
 *   inspect.c                      the inspectorate
 *   quality.c                      latent quality, leadership changes
 *   workforce.c  yardsticks.c      the social-work workforce; truth-based measures
 *   model_impl.h (this)            the context, the published record, the component type
 *   model.h  schema.h              public types; indices of what is recorded
 *
 * The published record (grade, governance, framework of the judgements) is the one state every
 * component reads, so it lives here, in the context. Its writers are few: the regime publishes
 * judgements and changes governance, the inspectorate switches the framework, model.c sets it
 * up at the start. Per-authority hot fields are arrays (structure of arrays). */
#ifndef CSSIM_MODELS_MODEL_IMPL_H
#define CSSIM_MODELS_MODEL_IMPL_H

#include "cssim/engine.h"
#include "cssim/streams.h"
#include "model.h"
#include "schema.h"

#include <math.h>
#include <stddef.h>

/* Internal event types (dispatch only; what is recorded is cs_evtype). The component that
 * handles each is named; model.c checks at creation that each has exactly one. */
enum cs_ev {
    EV_TICK = 0,      /* model: sample quality, move the workforce, draw signals */
    EV_SNAPSHOT,      /* model: record the panel and national series */
    EV_REQUEST,       /* inspect, la: a visit joins the queue; aux = slot */
    EV_VISIT_END,     /* inspect, la: a team finishes; aux = kind | reason << 8 | slot << 16 */
    EV_PUBLISH,       /* regime, la: a judgement is published; aux = grade | wholesale << 8 */
    EV_SIGNAL,        /* signals, la: a concern signal; value = severity, aux = genuine */
    EV_LEADERSHIP,    /* quality, la: leadership change */
    EV_REVIEW,        /* regime, la: six-month review */
    EV_APPOINT,       /* regime, la: commissioner takes post */
    EV_REPORT,        /* regime, la: commissioner's report */
    EV_TRUST_LIVE,    /* regime, la: trust goes live */
    EV_LIFT,          /* regime, la: intervention lifted (back to council) */
    EV_SWITCH,        /* inspect: framework switch */
    EV_CAPACITY,      /* inspect: capacity path step; aux = step index */
    EV_MONITOR_START, /* inspect: monitoring visits begin */
    EV_RISK,          /* inspect: risk assessment */
    EV_KNOWN,         /* regime, la: a known event of the record; aux = cs_known_kind */
    EV_N
};

/* Priority classes of internal events at equal times (engine order: lower first). */
enum {
    PRIO_STATE = 10, /* publications, governance changes */
    PRIO_VISIT = 20, /* visit ends and requests */
    PRIO_TICK = 200,
    PRIO_SNAPSHOT = 250,
};

typedef int (*cs_handler_fn)(cs_model *m, const cs_event *ev);

/* One event type a component handles. */
typedef struct cs_handler {
    int type; /* enum cs_ev */
    cs_handler_fn fn;
} cs_handler;

/* A per-authority array of a component's state: where its pointer sits in the state struct,
 * the size of one element, and how many (per_la * authorities + extra). model.c allocates
 * them zeroed when a context is created and frees them with it, so a component declares its
 * arrays in a table instead of writing create and destroy. */
typedef struct cs_array_def {
    size_t offset, size, per_la, extra;
} cs_array_def;
#define CS_ARRAY(type, field, per_la, extra)                                                       \
    {                                                                                              \
        offsetof(type, field), sizeof *((type *)0)->field, (per_la), (extra)                       \
    }

/* A component of the model: its state, its lifecycle hooks and its event handlers. Hooks may
 * be NULL. model.c calls each hook for every component in the order of its list. */
typedef struct cs_component {
    const char *name;
    size_t state_size;   /* of the component's state struct (allocated zeroed) */
    size_t state_offset; /* of its pointer in cs_model */
    size_t n_arrays;
    const cs_array_def *arrays;
    void (*init)(cs_model *m); /* a replication starts: reset, draw, schedule */
    void (*tick)(cs_model *m, double t, double dt);     /* the national tick at t */
    void (*snapshot)(cs_model *m, size_t k);            /* fills its part of snapshot k */
    void (*finalize)(cs_model *m, double t_end);        /* closes its accounts at t_end */
    void (*summarize)(const cs_model *m, cs_repbuf *b); /* run summaries, authority statistics */
    int (*check)(const cs_model *m);                    /* invariants (tests): CS_OK or CS_EMODEL */
    size_t n_handlers;
    const cs_handler *handlers;
} cs_component;

/* The components' states, each defined in its own .c file. */
struct cs_yardsticks;
struct cs_workforce;
struct cs_quality;
struct cs_inspect;
struct cs_signals;
struct cs_regime;

struct cs_model {
    cs_ctx *ctx; /* the runner's: engine, streams, allocator, error record */
    const cs_world *w;
    const cs_params *p;
    cs_engine *eng;
    cs_streams *st;
    cs_repbuf *buf;
    size_t n;
    /* the published record */
    int fw;               /* current framework (written by the inspectorate's switch) */
    uint8_t *grade, *gov; /* published grade, governance (written by the regime) */
    uint8_t *jfw;         /* cs_judged_fw of the latest judgement */
    uint8_t *sif_ever;    /* a SIF judgement was published (before the start or since) */
    double *grade_t;      /* publication time of the published grade */
    int32_t grade_n[CS_NGRADES], gov_n[CS_NGOV];
    /* the components */
    struct cs_yardsticks *yard;
    struct cs_workforce *wf;
    struct cs_quality *qual;
    struct cs_inspect *insp;
    struct cs_signals *sig;
    struct cs_regime *reg;
    cs_handler_fn on[EV_N]; /* dispatch: the handler of each event type */
    size_t snap;            /* next snapshot index */
    uint64_t events;
    int checks; /* check invariants after every event (tests) */
};

static inline double cs_days_to_years(double d)
{
    return d / 365.25;
}

static inline double cs_model_now(const cs_model *m)
{
    return cs_engine_now(m->eng);
}

/* The keyed stream of (authority, process); la < 0 is the national unit. */
static inline gsl_rng *cs_model_rng(cs_model *m, int la, int proc)
{
    return cs_streams_get(m->st, la < 0 ? CS_STREAMS_NATIONAL : (uint32_t)la, (uint32_t)proc);
}

/* Delivers an event now, in line, through the dispatch table (not the event list): how a
 * component hands another a zero-delay event without calling into it (e.g. the inspectorate
 * publishing a judgement whose report delay is fixed at 0). The handler's status. */
int cs_model_deliver(cs_model *m, int32_t type, int32_t la, int64_t aux, double value);

/* Logs an event of type cs_evtype to the replication's events table (if recorded). */
static inline void cs_model_log(cs_model *m, int la, int type, int before, int after, double value)
{
    if (m->buf->keep_events)
        cs_repbuf_event(m->buf, la, cs_engine_now(m->eng), type, before, after, value);
}

/* Where series s of the current snapshot starts (width values). */
static inline double *cs_model_series(cs_model *m, int s)
{
    return m->buf->series[s] + m->snap * cs_model_schema()->series[s].width;
}

/* Panel floats keep 12 significant bits (relative precision 2^-12 = 2.4e-4, far finer than
 * anything the model resolves): the 11 low mantissa bits of the float are zeroed, so the
 * shuffle + deflate filters compress the panel several times faster and smaller. Exact values
 * stay in the model; docs/output.md says so. */
static inline float cs_model_panel_float(double x)
{
    union {
        float f;
        uint32_t u;
    } v = {(float)x};
    if (isfinite(v.f)) v.u = (v.u + 0x400u) & ~0x7ffu; /* round to nearest, then truncate */
    return v.f;
}

#endif
