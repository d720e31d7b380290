/* A replication context: everything one thread needs to run replications of any model.
 *
 * The runner owns the contexts (one per thread, created once, reused for every replication),
 * as SUNDIALS gives every thread a context and ROSS gives the runner the event loop: the
 * context holds the engine (event list and clock), the keyed random streams, the allocator
 * the model's state comes from, and the error record. A model is a type table (cs_model_type:
 * init, handle, finalize) over state it allocates through cs_ctx_calloc; cs_ctx_run runs one
 * replication of it. An allocator that fails on its N-th call (cs_allocator_failing) gives the
 * out-of-memory tests: every N until the run succeeds, with no crash, no leak and a clear
 * error (tests/unit/test_ctx.c).
 * Thread-safety: a context belongs to one thread; distinct contexts share nothing. */
#ifndef CSSIM_CTX_H
#define CSSIM_CTX_H

#include "cssim/engine.h"
#include "cssim/status.h"
#include "cssim/streams.h"

#include <stddef.h>
#include <stdint.h>

/* calloc and free with a user pointer; NULL in a cs_ctx_create call means the C library's. */
typedef struct cs_allocator {
    void *(*calloc)(void *ud, size_t n, size_t size); /* zeroed memory or NULL */
    void (*free)(void *ud, void *p);                  /* p may be NULL */
    void *ud;
} cs_allocator;

typedef struct cs_ctx cs_ctx;

/* A context whose engine starts with room for initial_events pending events and may grow to
 * max_pending (0: no limit). NULL when out of memory. */
cs_ctx *cs_ctx_create(const cs_allocator *a, size_t initial_events, size_t max_pending);
void cs_ctx_destroy(cs_ctx *c); /* NULL is a no-op */

/* Zeroed memory from the context's allocator; NULL with CS_ENOMEM recorded in the context's
 * error ("out of memory: N bytes for WHAT") when it fails. */
void *cs_ctx_calloc(cs_ctx *c, size_t n, size_t size, const char *what);
void cs_ctx_free(cs_ctx *c, void *p);

cs_engine *cs_ctx_engine(cs_ctx *c);
cs_error *cs_ctx_error(cs_ctx *c);
/* The context's streams for n_units units of n_procs processes, created on the first call
 * (and again when the sizes change); NULL when out of memory (recorded). */
cs_streams *cs_ctx_streams(cs_ctx *c, uint32_t n_units, uint32_t n_procs);

/* One replication of a model: the streams reset to (seed, rep), the engine emptied and bound
 * to (type, model), then run to t_end. CS_OK or the first failing status, also recorded in
 * cs_ctx_error. */
int cs_ctx_run(cs_ctx *c, const cs_model_type *type, void *model, uint64_t seed, uint64_t rep,
               double t_end);

/* For tests: an allocator over the C library's that fails its fail_at-th call (1-based; 0
 * never) and counts the blocks it has handed out and not yet had back (live). */
typedef struct cs_failing_alloc {
    long calls, fail_at, live;
} cs_failing_alloc;
cs_allocator cs_allocator_failing(cs_failing_alloc *state);

#endif
