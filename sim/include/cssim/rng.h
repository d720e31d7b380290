/* Inline draws on keyed Philox streams: the hot-path alternative to gsl_rng_uniform and
 * gsl_ran_exponential, with the same bit streams.
 *
 * A stream from cs_streams_get() is a gsl_rng whose state is the Philox4x32-10 state of
 * sim/streams.c (key, counter, a buffer of the last block's four 32-bit words). Going through
 * gsl_rng costs an indirect call per word and per double; these functions read the same
 * state inline and advance it exactly as the gsl_rng_type does, so a stream may mix both
 * kinds of call freely and every draw is bit-identical to its gsl_rng counterpart:
 *   cs_rng_u32 = gsl_rng_get, cs_rng_uniform = gsl_rng_uniform (53 bits, [0, 1)),
 *   cs_rng_uniform_pos = gsl_rng_uniform_pos, cs_rng_exponential = gsl_ran_exponential
 *   (GSL 2.7: -mu log1p(-u)), cs_rng_flat = gsl_ran_flat (a (1 - u) + b u),
 *   cs_rng_gaussian = gsl_ran_gaussian_ziggurat (its first step inline, about 99% of draws;
 *   the rest rewinds the stream by one word and calls GSL).
 * tests/unit/test_streams.c checks the identity. On a generator of any other type the
 * cs_rng_* functions fall back to GSL, so they are safe on every gsl_rng.
 * Thread-safety: as the stream (one per thread). */
#ifndef CSSIM_RNG_H
#define CSSIM_RNG_H

#include "cssim/streams.h"

#include <Random123/philox.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdint.h>

/* The state behind cs_rng_philox (sim/streams.c asserts that the layouts agree):
 * key = (seed low, seed high); ctr = (block, replication, unit, process); buf holds the
 * words of block ctr.v[0] - 1 and idx (0..4) is the next unread one; 4 = spent. */
typedef struct cs_philox {
    philox4x32_key_t key;
    philox4x32_ctr_t ctr;
    uint32_t buf[4];
    unsigned idx;
} cs_philox;

static inline uint32_t cs_philox_u32(cs_philox *st)
{
    if (st->idx == 4) {
        philox4x32_ctr_t out = philox4x32_R(10, st->ctr, st->key);
        st->ctr.v[0]++;
        st->buf[0] = out.v[0];
        st->buf[1] = out.v[1];
        st->buf[2] = out.v[2];
        st->buf[3] = out.v[3];
        st->idx = 0;
    }
    return st->buf[st->idx++];
}

/* 27 + 26 bits, as the gsl_rng_type's get_double: k / 2^53, k uniform in [0, 2^53). */
static inline double cs_philox_uniform(cs_philox *st)
{
    uint32_t a = cs_philox_u32(st) >> 5, b = cs_philox_u32(st) >> 6;
    return ((double)a * 67108864.0 + (double)b) * (1.0 / 9007199254740992.0);
}

/* The Philox state of r, or NULL when r is not a cs_rng_philox generator. */
static inline cs_philox *cs_rng_philox_state(gsl_rng *r)
{
    return r->type == cs_rng_philox ? (cs_philox *)r->state : NULL;
}

static inline uint32_t cs_rng_u32(gsl_rng *r)
{
    cs_philox *st = cs_rng_philox_state(r);
    return st ? cs_philox_u32(st) : (uint32_t)gsl_rng_get(r);
}

static inline double cs_rng_uniform(gsl_rng *r)
{
    cs_philox *st = cs_rng_philox_state(r);
    return st ? cs_philox_uniform(st) : gsl_rng_uniform(r);
}

static inline double cs_rng_uniform_pos(gsl_rng *r)
{
    cs_philox *st = cs_rng_philox_state(r);
    if (!st) return gsl_rng_uniform_pos(r);
    double x;
    do
        x = cs_philox_uniform(st);
    while (x == 0);
    return x;
}

static inline double cs_rng_exponential(gsl_rng *r, double mu)
{
    cs_philox *st = cs_rng_philox_state(r);
    return st ? -mu * log1p(-cs_philox_uniform(st)) : gsl_ran_exponential(r, mu);
}

static inline double cs_rng_flat(gsl_rng *r, double a, double b)
{
    cs_philox *st = cs_rng_philox_state(r);
    if (!st) return gsl_ran_flat(r, a, b);
    double u = cs_philox_uniform(st);
    return a * (1 - u) + b * u;
}

/* The first step of GSL's ziggurat (sim/streams.c reads its tables off the GSL linked). */
typedef struct cs_zig_tables {
    uint32_t k[128]; /* ktab: accept at once when j < k[layer] */
    double w[128];   /* wtab: x = j * w[layer] */
    int ok;          /* the tables were read; else cs_rng_gaussian always calls GSL */
} cs_zig_tables;
extern cs_zig_tables cs_rng_zig;

/* gsl_ran_gaussian_ziggurat(r, sigma), bit for bit, leaving r in the same state. */
static inline double cs_rng_gaussian(gsl_rng *r, double sigma)
{
    cs_philox *st = cs_rng_philox_state(r);
    if (st && cs_rng_zig.ok) {
        unsigned idx = st->idx;
        uint32_t k = cs_philox_u32(st), j = k >> 8;
        unsigned i = k & 0x7f;
        if (j < cs_rng_zig.k[i]) {
            int sign = (k & 0x80) ? +1 : -1;
            double x = j * cs_rng_zig.w[i];
            return sign * sigma * x; /* as GSL: (sign * sigma) * x */
        }
        /* unread the word: GSL redraws it (a spent buffer is recomputed, the same block) */
        if (idx == 4) st->ctr.v[0]--;
        st->idx = idx;
    }
    return gsl_ran_gaussian_ziggurat(r, sigma);
}

#endif
