/* cs_calib: calibration of scenario parameters to targets from the real record, as a library
 * (the `cssim calibrate` command only parses arguments and calls cs_calib_run).
 *
 * Method (docs/calibration.md): simulated method of moments under common random numbers
 * (every candidate runs the same seed), a Nelder-Mead fit, then a synthetic likelihood whose
 * covariance of the target vector is simulated once at the fit (shrunk toward its diagonal),
 * sampled by several adaptive Metropolis chains from dispersed starts, each on its own keyed
 * stream; split R-hat and bulk effective sample size judge convergence.
 *
 * Ownership: a cs_calib owns its configuration, targets and evaluation cache. It is not
 * thread-safe; the simulator it calls may use OpenMP inside. Results do not depend on the
 * number of threads. */
#ifndef CSSIM_CALIB_H
#define CSSIM_CALIB_H

#include "cssim/status.h"

#include <stddef.h>
#include <stdint.h>

#define CS_CALIB_MAXP   32 /* parameters at most */
#define CS_CALIB_FP_LEN 40

typedef struct cs_calib cs_calib;

/* Simulates R replications at parameter vector theta under the calibration's seed:
 * vals[r * n_targets + k] is target k in replication r. Returns CS_OK, 1 when the model
 * rejects theta (a point outside the prior's support, e.g. thresholds out of order), or a
 * negative status (with err set). The default simulator runs the configured scenario (calib/sim.c).
 */
typedef int (*cs_calib_sim_fn)(void *ctx, const cs_calib *c, const double *theta, size_t R,
                               double *vals, cs_error *err);

typedef struct cs_calib_opts {
    const char *output; /* the fitted YAML fragment (required) */
    const char *report; /* folder for report.md, targets.csv, chains.csv and the cache; NULL:
                           next to output, as OUTPUT-without-.yaml + ".calibration" */
    int force;          /* overwrite existing outputs */
    int threads;        /* OpenMP threads for the simulator (< 1: all) */
    int quiet;          /* no progress on stderr */
} cs_calib_opts;

/* What a run found, for the command's summary and for tests. */
typedef struct cs_calib_summary {
    size_t np, nt, n_chains, n_kept; /* n_kept: draws per chain after burn-in */
    size_t evals, nm_evals;          /* evaluations in total / in the fits */
    int fit_converged;               /* the simplex fell below the tolerance */
    double objective;                /* synthetic-likelihood distance at the fit */
    double shrinkage;                /* weight of the diagonal in the target covariance */
    double best[CS_CALIB_MAXP];      /* the fit */
    double median[CS_CALIB_MAXP], q05[CS_CALIB_MAXP], q95[CS_CALIB_MAXP];
    double mean[CS_CALIB_MAXP], sd[CS_CALIB_MAXP];
    double rhat[CS_CALIB_MAXP], ess[CS_CALIB_MAXP], lag1[CS_CALIB_MAXP];
    int converged; /* every R-hat <= rhat_max and every ESS >= ess_min */
} cs_calib_summary;

/* Reads CONFIG (calibrate.* keys, with --set style overrides) and its targets CSV. Errors
 * name file:line:col and key; statuses CS_EPARSE/CS_EINVAL for bad input. */
int cs_calib_create(cs_calib **out, const char *config, const char *const *sets, size_t n_sets,
                    cs_error *err);
void cs_calib_destroy(cs_calib *c); /* NULL is a no-op */

/* Replaces the simulator (tests use a cheap analytic one). */
void cs_calib_set_simulator(cs_calib *c, cs_calib_sim_fn fn, void *ctx);
void cs_calib_set_threads(cs_calib *c, int threads);

size_t cs_calib_nparams(const cs_calib *c);
size_t cs_calib_ntargets(const cs_calib *c);
const char *cs_calib_param(const cs_calib *c, size_t j);  /* scenario key of parameter j */
const char *cs_calib_target(const cs_calib *c, size_t k); /* "series[label]" of target k */
const char *cs_calib_target_date(const cs_calib *c, size_t k);
double cs_calib_target_value(const cs_calib *c, size_t k);
uint64_t cs_calib_seed(const cs_calib *c);
double cs_calib_horizon(const cs_calib *c);
const char *cs_calib_scenario(const cs_calib *c);

/* The fingerprint of everything that determines the fragment: the config text and its
 * overrides, the targets CSV, the scenario file's own text, the stream scheme, the model's
 * parameter key table and the software version. "fnv1a64:" + 16 hex digits. */
int cs_calib_fingerprint(const cs_calib *c, char out[CS_CALIB_FP_LEN], cs_error *err);
/* Reads the "# fingerprint: ..." line of a fragment; CS_ENOTFOUND when it has none. */
int cs_calib_read_fingerprint(const char *fragment, char out[CS_CALIB_FP_LEN], cs_error *err);

/* Writes targets simulated at calibrate.start (their mean over replications), with the
 * series and dates of the configured targets: for parameter-recovery tests. */
int cs_calib_write_targets(cs_calib *c, const char *path, int force, cs_error *err);

/* Fits, samples, writes the fragment and the report. Refuses (CS_EEXIST) to overwrite an
 * existing output or report unless o->force. Unmet convergence is not an error: the summary
 * says so, the report records it, and the caller warns. */
int cs_calib_run(cs_calib *c, const cs_calib_opts *o, cs_calib_summary *s, cs_error *err);

/* Convergence diagnostics (Vehtari et al. 2021, "Rank-normalization, folding, and
 * localization"): draws[m * n + i] is draw i of chain m. Both rank-normalise the pooled draws
 * and split each chain in halves. NaN when n < 4. */
double cs_calib_rhat(const double *draws, size_t n_chains, size_t n);
double cs_calib_ess_bulk(const double *draws, size_t n_chains, size_t n);

/* Shrinks the k x k covariance S (row-major, in place) toward its diagonal,
 * S <- D^1/2 ((1 - l) R + l I) D^1/2, with l the Schaefer-Strimmer (2005) estimate from the
 * n x k sample x (rows = replications), raised until S is well conditioned (reciprocal
 * condition number >= 1e-6). Diagonal entries are first floored at var_floor. Returns l,
 * or a negative status. */
double cs_calib_shrink(double *S, const double *x, size_t n, size_t k, double var_floor);

#endif
