/* Distributions for durations, intervals and uncertain parameters.
 *
 * Parameterised by mean and spread where that is natural, as DES users expect:
 *   fixed(value), exponential(mean), gamma(mean, sd), lognormal(mean, sd) (of the variable,
 *   not of its log), normal(mean, sd), uniform(lo, hi), triangular(lo, mode, hi),
 *   beta(mean, sd) on (0,1), empirical(values[, weights]) (draws one of the values).
 * Samplers that need set-up (empirical weights: an alias table) are built once by
 * cs_dist_empirical; sampling then allocates nothing.
 * Thread-safety: a built cs_dist is read-only and may be shared by threads. */
#ifndef CSSIM_DIST_H
#define CSSIM_DIST_H

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stddef.h>

typedef enum cs_dist_kind {
    CS_DIST_FIXED = 0,
    CS_DIST_EXPONENTIAL,
    CS_DIST_GAMMA,
    CS_DIST_LOGNORMAL,
    CS_DIST_NORMAL,
    CS_DIST_UNIFORM,
    CS_DIST_TRIANGULAR,
    CS_DIST_BETA,
    CS_DIST_EMPIRICAL,
    CS_DIST_NKINDS
} cs_dist_kind;

typedef struct cs_dist {
    cs_dist_kind kind;
    double p1, p2, p3;         /* the kind's natural parameters (shape, scale, mu, sigma...) */
    double mean, sd;           /* as given by the user, for printing and checks */
    double lo, hi;             /* uniform/triangular bounds */
    size_t n;                  /* empirical: number of values */
    double *values;            /* empirical: owned; freed by cs_dist_fini */
    gsl_ran_discrete_t *alias; /* empirical with weights: owned */
    int joint;                 /* empirical without weights: > 0 names a group whose members
                                  draw the same index (a joint posterior sample); see
                                  cs_config_draw */
} cs_dist;

/* Builders return CS_OK or CS_EINVAL (with no allocation) for impossible parameters
 * (negative mean for a positive law, sd <= 0 where it must be > 0, lo > hi, ...). */
int cs_dist_fixed(cs_dist *d, double value);
int cs_dist_exponential(cs_dist *d, double mean);
int cs_dist_gamma(cs_dist *d, double mean, double sd);
int cs_dist_lognormal(cs_dist *d, double mean, double sd);
int cs_dist_normal(cs_dist *d, double mean, double sd);
int cs_dist_uniform(cs_dist *d, double lo, double hi);
int cs_dist_triangular(cs_dist *d, double lo, double mode, double hi);
int cs_dist_beta(cs_dist *d, double mean, double sd);
/* Copies values (and weights, may be NULL for equal weights). CS_ENOMEM possible. */
int cs_dist_empirical(cs_dist *d, const double *values, const double *weights, size_t n);
/* Deep copy (the empirical table is duplicated). */
int cs_dist_copy(cs_dist *dst, const cs_dist *src);
void cs_dist_fini(cs_dist *d); /* frees the empirical table; safe on any built dist */

double cs_dist_sample(const cs_dist *d, gsl_rng *r);
double cs_dist_mean(const cs_dist *d);
double cs_dist_var(const cs_dist *d);
/* Name of a kind ("gamma") and back; -1 when unknown. */
const char *cs_dist_kind_name(cs_dist_kind k);
int cs_dist_kind_parse(const char *name);
/* Writes a YAML flow mapping such as "{dist: gamma, mean: 30, sd: 5}" (or a bare number for
 * fixed). Returns the length snprintf would have written. */
int cs_dist_format(const cs_dist *d, char *buf, size_t size);

#endif
