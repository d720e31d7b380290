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

#include "cssim/rng.h"

#include <Random123/philox.h>
#include <gsl/gsl_randist.h>
#include <stdlib.h>
#include <threads.h>

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

static void zig_init(void);
static once_flag zig_once = ONCE_FLAG_INIT;

/* gsl_rng_alloc calls this for every new Philox stream: the ziggurat's tables are read off
 * GSL then, once, before any cs_rng_gaussian can run on such a stream. */
static void philox_set(void *vstate, unsigned long int s)
{
    call_once(&zig_once, zig_init);
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

/* A stream in one cache line: the gsl_rng and the Philox state it points to. */
typedef struct stream {
    _Alignas(64) gsl_rng r;
    philox_state st;
} stream;
_Static_assert(sizeof(stream) == 64, "a stream is one cache line");

/* The streams sit in one array, [unit * n_procs + proc], an authority's processes side by
 * side: a draw reads one line, where separate gsl_rng_alloc's would chase a pointer to the
 * gsl_rng and another to its state, each anywhere in the heap. */
struct cs_streams {
    uint32_t n_units, n_procs;
    stream *s;    /* [unit * n_procs + proc] */
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
    s->s = aligned_alloc(_Alignof(stream), n * sizeof *s->s);
    s->id = malloc(n_units * sizeof *s->id);
    if (!s->s || !s->id) {
        cs_streams_destroy(s);
        return NULL;
    }
    call_once(&zig_once, zig_init); /* as gsl_rng_alloc would, through philox_set */
    for (uint32_t u = 0; u < n_units; u++)
        s->id[u] = u;
    for (size_t i = 0; i < n; i++)
        s->s[i].r = (gsl_rng){.type = cs_rng_philox, .state = &s->s[i].st};
    cs_streams_reset(s, 0, 0);
    return s;
}

void cs_streams_destroy(cs_streams *s)
{
    if (!s) return;
    free(s->s);
    free(s->id);
    free(s);
}

void cs_streams_reset(cs_streams *s, uint64_t seed, uint64_t replication)
{
    for (uint32_t u = 0; u < s->n_units; u++)
        for (uint32_t p = 0; p < s->n_procs; p++)
            philox_rekey(&s->s[(size_t)u * s->n_procs + p].st, seed, replication, s->id[u], p);
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
    return &s->s[(size_t)unit * s->n_procs + proc].r;
}

uint32_t cs_streams_units(const cs_streams *s)
{
    return s->n_units;
}

uint32_t cs_streams_procs(const cs_streams *s)
{
    return s->n_procs;
}

/* ---- the Gaussian ziggurat's tables, read off the GSL that is linked ----
 * cs_rng_gaussian (rng.h) takes gsl_ran_gaussian_ziggurat's first step inline: one 32-bit word
 * k, layer i = k & 0x7f, sign bit 0x80, j = k >> 8; when j < ktab[i] the draw is
 * sign * sigma * (j * wtab[i]). GSL keeps ktab and wtab private, so they are measured here
 * through gsl_ran_gaussian_ziggurat itself, on a scripted generator whose first word is chosen
 * and whose doubles are counted (a draw that asks for a double left the first step):
 *  - wtab[i]: k = 0x80 | i | 1 << 8 (j = 1, sign +) returns 1.0 * 1.0 * (1 * wtab[i]) exactly;
 *  - ktab[i]: the first step accepts exactly the j below ktab[i], so ktab[i] is the first j
 *    that asks for a double or a second word (bisection over [0, 2^24]).
 * The scripted generator's later words (k = 0x81 | 1 << 8) end every draw at once, and its
 * doubles are 0. If anything is not as expected, ok stays 0 and cs_rng_gaussian always calls
 * GSL: the tables can only make the draws faster, never different. */
cs_zig_tables cs_rng_zig;

typedef struct probe_state {
    unsigned long first, later;
    unsigned words, doubles;
} probe_state;

static void probe_set(void *vs, unsigned long int seed)
{
    (void)seed;
    *(probe_state *)vs = (probe_state){0};
}

static unsigned long int probe_get(void *vs)
{
    probe_state *s = vs;
    return s->words++ ? s->later : s->first;
}

static double probe_get_double(void *vs)
{
    ((probe_state *)vs)->doubles++;
    return 0.0;
}

static const gsl_rng_type probe_type = {"cssim-ziggurat-probe", 0xffffffffUL, 0,
                                        sizeof(probe_state),    probe_set,    probe_get,
                                        probe_get_double};

/* One draw with first word k; returns it, and whether the first step accepted (*fast). */
static double probe(gsl_rng *r, unsigned long k, int *fast)
{
    probe_state *s = r->state;
    *s = (probe_state){.first = k, .later = 0x81ul | 1ul << 8};
    double x = gsl_ran_gaussian_ziggurat(r, 1.0);
    *fast = s->words == 1 && s->doubles == 0;
    return x;
}

static void zig_init(void)
{
    gsl_rng *r = gsl_rng_alloc(&probe_type);
    if (!r) return;
    int ok = 1, fast;
    for (unsigned i = 0; i < 128 && ok; i++) {
        double w = probe(r, 0x80ul | i | 1ul << 8, &fast);
        if (!(w > 0) || (i > 0 && !fast)) ok = 0; /* ktab[0] is 0: layer 0 never accepts */
        uint32_t lo = 0, hi = 1u << 24;           /* ktab[i] in [lo, hi] */
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            probe(r, 0x80ul | i | (unsigned long)mid << 8, &fast);
            if (fast)
                lo = mid + 1;
            else
                hi = mid;
        }
        cs_rng_zig.w[i] = w;
        cs_rng_zig.k[i] = lo;
    }
    /* a spot check of the formula on both signs */
    for (unsigned i = 1; i < 128 && ok; i += 9)
        for (unsigned sign = 0; sign < 2 && ok; sign++) {
            uint32_t j = cs_rng_zig.k[i] / 3;
            double x = probe(r, (sign ? 0x80ul : 0) | i | (unsigned long)j << 8, &fast);
            int sg = sign ? +1 : -1;
            ok = fast && x == sg * 1.0 * (j * cs_rng_zig.w[i]);
        }
    gsl_rng_free(r);
    cs_rng_zig.ok = ok;
}

/* sim/include/cssim/rng.h reads philox_state inline as cs_philox: the layouts must agree. */
#include <stddef.h>
_Static_assert(sizeof(cs_philox) == sizeof(philox_state), "cs_philox size");
_Static_assert(offsetof(cs_philox, key) == offsetof(philox_state, key), "cs_philox key");
_Static_assert(offsetof(cs_philox, ctr) == offsetof(philox_state, ctr), "cs_philox ctr");
_Static_assert(offsetof(cs_philox, buf) == offsetof(philox_state, buf), "cs_philox buf");
_Static_assert(offsetof(cs_philox, idx) == offsetof(philox_state, idx), "cs_philox idx");
