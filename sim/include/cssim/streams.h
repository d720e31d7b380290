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
 * A unit is addressed by its index: authorities 0..n_units-2 and the national unit n_units-1
 * (CS_STREAMS_NATIONAL resolves to it). The unit word of its key is its id: the index unless
 * cs_streams_set_id gives another. The model keys an authority by its ONS code and the
 * national unit by CS_STREAMS_NATIONAL, so a run over a subset of the authorities shares every
 * authority's random numbers with the full run. Names (e.g. the key path of an uncertain
 * parameter) are keyed by cs_streams_hash. Thread-safety: one cs_streams per thread/context. */
#ifndef CSSIM_STREAMS_H
#define CSSIM_STREAMS_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

#define CS_STREAMS_SCHEME                                                                          \
    "philox4x32-10; key=(seed&0xffffffff, seed>>32); "                                             \
    "counter=(block, replication, unit, process); 53-bit doubles; "                                \
    "unit=ONS code digits (E09000002 -> 9000002), national 0xffffffff, "                           \
    "uncertain parameter fnv1a32(key path) or fnv1a32(\"joint:G\") with process 8"

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
/* Sets the id (the key's unit word) of unit (an index, or CS_STREAMS_NATIONAL); takes effect
 * at the next reset. Ids should be distinct, or units share streams. -1 when out of range. */
int cs_streams_set_id(cs_streams *s, uint32_t unit, uint32_t id);
/* A stable 32-bit hash of a name (FNV-1a), to key a stream by a name. */
uint32_t cs_streams_hash(const char *s);
uint32_t cs_streams_units(const cs_streams *s);
uint32_t cs_streams_procs(const cs_streams *s);

/* Keys a single philox gsl_rng (allocated by gsl_rng_alloc(cs_rng_philox)) directly. */
void cs_rng_key(gsl_rng *r, uint64_t seed, uint64_t replication, uint32_t unit, uint32_t proc);

#endif
