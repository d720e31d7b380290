/* Replication contexts (cssim/ctx.h). */
#include "cssim/ctx.h"

#include <stdlib.h>

struct cs_ctx {
    cs_allocator a;
    cs_engine *eng;
    cs_streams *st;
    uint32_t st_units, st_procs;
    cs_error err;
};

static void *libc_calloc(void *ud, size_t n, size_t size)
{
    (void)ud;
    return calloc(n, size);
}

static void libc_free(void *ud, void *p)
{
    (void)ud;
    free(p);
}

cs_ctx *cs_ctx_create(const cs_allocator *a, size_t initial_events, size_t max_pending)
{
    cs_ctx *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->a = a ? *a : (cs_allocator){libc_calloc, libc_free, NULL};
    c->eng = cs_engine_create(NULL, NULL, initial_events ? initial_events : 64, max_pending);
    if (!c->eng) {
        free(c);
        return NULL;
    }
    return c;
}

void cs_ctx_destroy(cs_ctx *c)
{
    if (!c) return;
    cs_streams_destroy(c->st);
    cs_engine_destroy(c->eng);
    free(c);
}

void *cs_ctx_calloc(cs_ctx *c, size_t n, size_t size, const char *what)
{
    void *p = c->a.calloc(c->a.ud, n ? n : 1, size ? size : 1);
    if (!p)
        cs_error_set(&c->err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory: %zu bytes for %s",
                     n * size, what ? what : "the model's state");
    return p;
}

void cs_ctx_free(cs_ctx *c, void *p)
{
    if (c && p) c->a.free(c->a.ud, p);
}

cs_engine *cs_ctx_engine(cs_ctx *c)
{
    return c->eng;
}

cs_error *cs_ctx_error(cs_ctx *c)
{
    return &c->err;
}

cs_streams *cs_ctx_streams(cs_ctx *c, uint32_t n_units, uint32_t n_procs)
{
    if (c->st && (c->st_units != n_units || c->st_procs != n_procs)) {
        cs_streams_destroy(c->st);
        c->st = NULL;
    }
    if (!c->st) {
        c->st = cs_streams_create(n_units, n_procs);
        if (!c->st) {
            cs_error_set(&c->err, CS_ENOMEM, NULL, 0, 0, NULL,
                         "out of memory: random streams for %u units", (unsigned)n_units);
            return NULL;
        }
        c->st_units = n_units, c->st_procs = n_procs;
    }
    return c->st;
}

int cs_ctx_run(cs_ctx *c, const cs_model_type *type, void *model, uint64_t seed, uint64_t rep,
               double t_end)
{
    cs_error_clear(&c->err);
    if (c->st) cs_streams_reset(c->st, seed, rep);
    cs_engine_reset(c->eng);
    cs_engine_bind(c->eng, type, model);
    int rc = cs_engine_run(c->eng, t_end);
    if (rc) c->err = *cs_engine_error(c->eng);
    return rc;
}

static void *failing_calloc(void *ud, size_t n, size_t size)
{
    cs_failing_alloc *s = ud;
    if (++s->calls == s->fail_at) return NULL;
    void *p = calloc(n, size);
    if (p) s->live++;
    return p;
}

static void failing_free(void *ud, void *p)
{
    cs_failing_alloc *s = ud;
    if (p) s->live--;
    free(p);
}

cs_allocator cs_allocator_failing(cs_failing_alloc *state)
{
    return (cs_allocator){failing_calloc, failing_free, state};
}
