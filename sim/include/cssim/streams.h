/* Keyed random streams: every draw in cssim comes from a stream named by
 * (master seed, replication, unit, process), never by thread or rank.
 *
 * Scheme (recorded in every output file as CS_STREAMS_SCHEME): Philox4x32-10 from Random123;
 * key = (seed low 32 bits, seed high 32 bits); counter = (block, replication, unit, process),
 * block counting up from 0 within a stream. Each stream yields 2^34 32-bit words before it
 * would wrap (an error is impossible in practice: a replication draws a few thousand).
 * Doubles from gsl_rng_uniform() carry 53 random bits (two words) and lie in [0, 1);
 * gsl_rng_uniform_pos() in (0, 1).
 *
 * Because streams are keyed, results do not depend on the number of threads or MPI ranks,
 * and two scenarios run under one seed share their random numbers unit by unit and process
 * by process (common random numbers).
 *
 * Units are authorities 0..n_units-2 and the national unit n_units-1 (CS_STREAMS_NATIONAL
 * resolves to it). Thread-safety: one cs_streams per thread/context. */
#ifndef CSSIM_STREAMS_H
#define CSSIM_STREAMS_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

#define CS_STREAMS_SCHEME                                                                          \
    "philox4x32-10; key=(seed&0xffffffff, seed>>32); "                                             \
    "counter=(block, replication, unit, process); 53-bit doubles"

#define CS_STREAMS_NATIONAL UINT32_MAX

typedef struct cs_streams cs_streams;

/* The gsl_rng_type behind every stream ("philox4x32-10"). gsl_rng_set(r, s) on such a
 * generator keys it as (seed=s, replication 0, unit 0, process 0). */
extern const gsl_rng_type *cs_rng_philox;

/* Allocates n_units * n_procs streams (all allocation happens here). NULL on failure. */
cs_streams *cs_streams_create(uint32_t n_units, uint32_t n_procs);
void cs_streams_destroy(cs_streams *s); /* NULL is a no-op */
/* Re-keys every stream for (seed, replication) and rewinds it to block 0. No allocation. */
void cs_streams_reset(cs_streams *s, uint64_t seed, uint64_t replication);
/* The stream for (unit, process); unit CS_STREAMS_NATIONAL is the national unit. NULL when
 * unit or proc is out of range. */
gsl_rng *cs_streams_get(cs_streams *s, uint32_t unit, uint32_t proc);
uint32_t cs_streams_units(const cs_streams *s);
uint32_t cs_streams_procs(const cs_streams *s);

/* Keys a single philox gsl_rng (allocated by gsl_rng_alloc(cs_rng_philox)) directly. */
void cs_rng_key(gsl_rng *r, uint64_t seed, uint64_t replication, uint32_t unit, uint32_t proc);

#endif
