/* The processes of a run: rank, size and the few collectives the runner and the writer need.
 *
 * Two implementations behind this header, chosen by source file at configure time (style rule
 * 4): sim/par/par_mpi.c (CSSIM_MPI=ON: Open MPI, one process per rank under mpirun/srun) and
 * sim/par/par_none.c (one process; every collective is the identity). Code above this header
 * is written once, for R processes; with R = 1 it is the serial program.
 *
 * Collectives: every rank calls them, in the same order, with the same counts. Errors never
 * abort: cs_par_agree turns "some rank failed" into the same status and error record on every
 * rank, so all ranks leave a collective section together (no hangs, no MPI_Abort).
 *
 * Ownership: a cs_par is created by the runner (cs_par_create) and outlives every object that
 * borrows it (the writer keeps a const pointer). Thread-safety: MPI is initialised with
 * MPI_THREAD_FUNNELED; call these functions from the thread that created the cs_par only (the
 * runner does: collectives happen between OpenMP parallel regions, never inside them). */
#ifndef CSSIM_PAR_H
#define CSSIM_PAR_H

#include "cssim/status.h"

#include <stddef.h>
#include <stdint.h>

typedef struct cs_par cs_par;

/* Initialises MPI if nobody has (then cs_par_destroy finalises it) and duplicates the world
 * communicator. CS_ENOMEM, or CS_EIO when MPI cannot start. */
int cs_par_create(cs_par **out, int *argc, char ***argv);
/* NULL is a no-op. Collective. */
void cs_par_destroy(cs_par *p);

/* 0 .. size-1; a NULL cs_par is rank 0 of 1. */
int cs_par_rank(const cs_par *p);
int cs_par_size(const cs_par *p);
/* "mpi" or "none": which implementation was built. */
const char *cs_par_kind(void);

void cs_par_barrier(const cs_par *p);
/* Broadcasts n bytes from root. */
void cs_par_bcast(const cs_par *p, void *buf, size_t n, int root);
/* Point to point, not collective: n bytes to rank `to`, or from rank `from` (the sizes must
 * match; sent in pieces of at most 1 GiB). */
void cs_par_send(const cs_par *p, int to, const void *buf, size_t n);
void cs_par_recv(const cs_par *p, int from, void *buf, size_t n);
/* Exclusive prefix sum over ranks (0 on rank 0): where this rank's rows start. */
uint64_t cs_par_exscan_u64(const cs_par *p, uint64_t v);
uint64_t cs_par_sum_u64(const cs_par *p, uint64_t v);
uint64_t cs_par_max_u64(const cs_par *p, uint64_t v);
double cs_par_sum_f64(const cs_par *p, double v);
double cs_par_max_f64(const cs_par *p, double v);
double cs_par_min_f64(const cs_par *p, double v);

/* Error agreement. Each rank passes its status (CS_OK or a negative code) and its error
 * record. Returns CS_OK when every rank passed CS_OK; otherwise the status of the lowest
 * failing rank, whose error record is copied into *err on every rank (err may be NULL). */
int cs_par_agree(const cs_par *p, int status, cs_error *err);

/* The communicator, for libraries that take one (HDF5's MPI-IO driver): a pointer to an
 * MPI_Comm in par_mpi.c, NULL in par_none.c. */
const void *cs_par_comm(const cs_par *p);

#endif
