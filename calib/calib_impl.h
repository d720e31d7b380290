/* Private to calib/: the calibration object shared by its source files (calib.c: config,
 * targets, cache, driver; fit.c: Nelder-Mead; mcmc.c: chains; stats.c: covariance and
 * diagnostics; output.c: fragment, report, fingerprint; sim.c: the model simulator). */
#ifndef CSSIM_CALIB_IMPL_H
#define CSSIM_CALIB_IMPL_H

#include "calib.h"
#include "cssim/config.h"

#include <stdio.h>

typedef struct cs_calib_cfg {
    char *scenario, *targets, *parameters, *targets_until, *fragment_extends;
    cs_array lower, upper, start;
    int64_t replications, seed, max_evals, mcmc_steps, chains, cov_replications, posterior_samples;
    double horizon_years, tolerance, sd_floor, burn_in, start_spread, rhat_max, ess_min;
} cs_calib_cfg;

typedef struct cal_target {
    char series[96], date[11];
    double value;
} cal_target;

struct cs_calib {
    cs_calib_cfg cfg;
    cs_config *file;
    char *config_path;
    char **sets; /* the overrides, kept for the fingerprint */
    size_t n_sets;
    size_t np, nt;
    char *keys[CS_CALIB_MAXP];
    cal_target *t;
    cs_calib_sim_fn sim;
    void *sim_ctx;
    int threads, quiet;
    /* evaluation cache: rows of theta[np], mean[nt], sd[nt]; replayed by a re-run */
    size_t evals, n_cached, cap_cached;
    double *cached;
    FILE *cache;
    int failed;
    cs_error *err; /* where a failure inside a GSL callback is recorded */
    /* synthetic likelihood: inverse of the (shrunk, inflated) target covariance */
    double *prec; /* [nt * nt], NULL until estimated */
    double shrinkage;
};

/* calib.c */
/* Simulated mean and sd of each target at theta (cached). NULL on failure (c->failed set);
 * NaN means for a theta the model rejects (outside the prior's support). */
const double *cs_calib_eval(cs_calib *c, const double *theta);
/* Diagonal objective sum ((mean - real) / max(sd, floor))^2, or with c->prec the synthetic
 * likelihood distance (real - mean)' P (real - mean). INFINITY outside the support, NAN on
 * failure. */
double cs_calib_objective(cs_calib *c, const double *theta);
void cs_calib_clamp_start(const cs_calib *c, double *theta);
double cs_calib_quantile(double *x, size_t n, double q); /* sorts x; interpolated quantile q */

/* fit.c: Nelder-Mead on logit-transformed bounds from theta (in place). */
int cs_calib_fit(cs_calib *c, double *theta, double step, double *objective, int *converged);
void cs_calib_to_unit(const cs_calib *c, const double *theta, double *u);
void cs_calib_from_unit(const cs_calib *c, const double *u, double *theta);

/* stats.c */
void cs_calib_moments(const double *vals, size_t R, size_t nt, double *mean, double *sd,
                      double *q05, double *q95);
/* Estimates the covariance at theta from cov_replications runs and stores its inverse in
 * c->prec; q05/q95 get each target's 90% interval at theta. */
int cs_calib_covariance(cs_calib *c, const double *theta, double *mean, double *q05, double *q95);
double cs_calib_lag1(const double *x, size_t n);

/* mcmc.c: chains; draws[(m * n_kept + i) * np + j]; acceptance per chain. */
int cs_calib_chains(cs_calib *c, const double *theta, double *draws, size_t n_kept, double *accept);

/* output.c */
int cs_calib_check_outputs(const cs_calib_opts *o, const char *report, cs_error *err);
int cs_calib_write_fragment(const cs_calib *c, const char *path, const cs_calib_summary *s,
                            const double *draws, const char *fingerprint, cs_error *err);
int cs_calib_write_report(const cs_calib *c, const char *dir, const cs_calib_summary *s,
                          const double *draws, const double *accept, const double *mean,
                          const double *q05, const double *q95, const char *fingerprint,
                          cs_error *err);

/* sim.c: the default simulator (the configured scenario through the model). */
int cs_calib_sim_model(void *ctx, const cs_calib *c, const double *theta, size_t R, double *vals,
                       cs_error *err);

#endif
