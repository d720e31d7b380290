/* Keyed counter-based streams: Philox4x32-10 (Random123) behind a gsl_rng_type.
 *
 * Invariants of a philox_state:
 *  - key = (seed low word, seed high word); ctr = (block, replication, unit, process).
 *  - buf holds philox(ctr - 1 block, key) and idx in 0..4 is the next unread word; idx == 4
 *    means the buffer is spent and the next word computes block ctr.v[0], then increments it.
 *  - Re-keying sets block 0 and idx 4, so the first word of every stream comes from block 0.
 * The replication occupies one 32-bit counter word: replications r and r + 2^32 share streams
 * (documented; a run has far fewer replications). */
#include "cssim/streams.h"

#include <Random123/philox.h>
#include <stdlib.h>

typedef struct philox_state {
    philox4x32_key_t key;
    philox4x32_ctr_t ctr;
    uint32_t buf[4];
    unsigned idx;
} philox_state;

static void philox_rekey(philox_state *st, uint64_t seed, uint64_t replication, uint32_t unit,
                         uint32_t proc)
{
    st->key.v[0] = (uint32_t)seed;
    st->key.v[1] = (uint32_t)(seed >> 32);
    st->ctr.v[0] = 0;
    st->ctr.v[1] = (uint32_t)replication;
    st->ctr.v[2] = unit;
    st->ctr.v[3] = proc;
    st->idx = 4;
}

static void philox_set(void *vstate, unsigned long int s)
{
    philox_rekey(vstate, (uint64_t)s, 0, 0, 0);
}

static inline uint32_t philox_word(philox_state *st)
{
    if (st->idx == 4) {
        philox4x32_ctr_t out = philox4x32_R(10, st->ctr, st->key);
        st->ctr.v[0]++;
        for (int i = 0; i < 4; i++)
            st->buf[i] = out.v[i];
        st->idx = 0;
    }
    return st->buf[st->idx++];
}

static unsigned long int philox_get(void *vstate)
{
    return philox_word(vstate);
}

/* 27 + 26 bits, as in genrand_res53: every double k / 2^53, k in [0, 2^53), equally likely. */
static double philox_get_double(void *vstate)
{
    uint32_t a = philox_word(vstate) >> 5, b = philox_word(vstate) >> 6;
    return ((double)a * 67108864.0 + (double)b) * (1.0 / 9007199254740992.0);
}

static const gsl_rng_type philox_type = {"philox4x32-10",      0xffffffffUL, 0,
                                         sizeof(philox_state), philox_set,   philox_get,
                                         philox_get_double};

const gsl_rng_type *cs_rng_philox = &philox_type;

void cs_rng_key(gsl_rng *r, uint64_t seed, uint64_t replication, uint32_t unit, uint32_t proc)
{
    philox_rekey(r->state, seed, replication, unit, proc);
}

struct cs_streams {
    uint32_t n_units, n_procs;
    gsl_rng **r;  /* [unit * n_procs + proc] */
    uint32_t *id; /* [unit]: the unit word of its key (its index unless set) */
};

cs_streams *cs_streams_create(uint32_t n_units, uint32_t n_procs)
{
    if (n_units == 0 || n_procs == 0) return NULL;
    cs_streams *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->n_units = n_units;
    s->n_procs = n_procs;
    size_t n = (size_t)n_units * n_procs;
    s->r = calloc(n, sizeof *s->r);
    s->id = malloc(n_units * sizeof *s->id);
    if (!s->r || !s->id) {
        cs_streams_destroy(s);
        return NULL;
    }
    for (uint32_t u = 0; u < n_units; u++)
        s->id[u] = u;
    for (size_t i = 0; i < n; i++) {
        s->r[i] = gsl_rng_alloc(cs_rng_philox);
        if (!s->r[i]) {
            cs_streams_destroy(s);
            return NULL;
        }
    }
    cs_streams_reset(s, 0, 0);
    return s;
}

void cs_streams_destroy(cs_streams *s)
{
    if (!s) return;
    size_t n = (size_t)s->n_units * s->n_procs;
    for (size_t i = 0; s->r && i < n; i++)
        gsl_rng_free(s->r[i]); /* gsl_rng_free(NULL) is a no-op */
    free(s->r);
    free(s->id);
    free(s);
}

void cs_streams_reset(cs_streams *s, uint64_t seed, uint64_t replication)
{
    for (uint32_t u = 0; u < s->n_units; u++)
        for (uint32_t p = 0; p < s->n_procs; p++)
            cs_rng_key(s->r[(size_t)u * s->n_procs + p], seed, replication, s->id[u], p);
}

int cs_streams_set_id(cs_streams *s, uint32_t unit, uint32_t id)
{
    if (unit == CS_STREAMS_NATIONAL) unit = s->n_units - 1;
    if (unit >= s->n_units) return -1;
    s->id[unit] = id;
    return 0;
}

/* FNV-1a, 32 bits: stable across platforms and versions (the keys of recorded runs depend
 * on it), and cheap enough to hash a key path per replication. */
uint32_t cs_streams_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

gsl_rng *cs_streams_get(cs_streams *s, uint32_t unit, uint32_t proc)
{
    if (unit == CS_STREAMS_NATIONAL) unit = s->n_units - 1;
    if (unit >= s->n_units || proc >= s->n_procs) return NULL;
    return s->r[(size_t)unit * s->n_procs + proc];
}

uint32_t cs_streams_units(const cs_streams *s)
{
    return s->n_units;
}

uint32_t cs_streams_procs(const cs_streams *s)
{
    return s->n_procs;
}

/* sim/include/cssim/rng.h reads philox_state inline as cs_philox: the layouts must agree. */
#include "cssim/rng.h"
#include <stddef.h>
_Static_assert(sizeof(cs_philox) == sizeof(philox_state), "cs_philox size");
_Static_assert(offsetof(cs_philox, key) == offsetof(philox_state, key), "cs_philox key");
_Static_assert(offsetof(cs_philox, ctr) == offsetof(philox_state, ctr), "cs_philox ctr");
_Static_assert(offsetof(cs_philox, buf) == offsetof(philox_state, buf), "cs_philox buf");
_Static_assert(offsetof(cs_philox, idx) == offsetof(philox_state, idx), "cs_philox idx");
