/* Distributions on top of GSL samplers.
 *
 * Natural parameters kept per kind (p1, p2, p3; the user's mean/sd/lo/hi are kept too):
 *   fixed: p1 = value            exponential: p1 = mean
 *   gamma: p1 = shape k = (mean/sd)^2, p2 = scale theta = sd^2/mean
 *   lognormal: p1 = mu, p2 = sigma, with sigma^2 = log(1 + sd^2/mean^2), mu = log(mean) - sigma^2/2
 *   normal: p1 = mean, p2 = sd   uniform: lo, hi   triangular: lo, p1 = mode, hi
 *   beta: p1 = a, p2 = b by moments: c = mean(1-mean)/sd^2 - 1, a = mean c, b = (1-mean) c
 *   empirical: p1 = mean, p2 = variance of the (weighted) values, p3 = sum of weights.
 * cs_dist_mean and cs_dist_var work from the natural parameters, so tests that compare them
 * with sample moments also check the conversions.
 * Empirical with weights: values points to one block of 2n doubles, the values then the
 * weights as given (kept so that cs_dist_format can write them back); alias is non-NULL. */
#include "cssim/dist.h"
#include "cssim/rng.h"
#include "cssim/status.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[CS_DIST_NKINDS] = {"fixed",      "exponential", "gamma",
                                                       "lognormal",  "normal",      "uniform",
                                                       "triangular", "beta",        "empirical"};

static void init(cs_dist *d, cs_dist_kind kind)
{
    memset(d, 0, sizeof *d);
    d->kind = kind;
}

int cs_dist_fixed(cs_dist *d, double value)
{
    if (!isfinite(value)) return CS_EINVAL;
    init(d, CS_DIST_FIXED);
    d->p1 = d->mean = value;
    return CS_OK;
}

int cs_dist_exponential(cs_dist *d, double mean)
{
    if (!(mean > 0) || !isfinite(mean)) return CS_EINVAL;
    init(d, CS_DIST_EXPONENTIAL);
    d->p1 = d->mean = d->sd = mean;
    return CS_OK;
}

/* A positive law given by mean > 0 and sd > 0, both finite. */
static int positive_mean_sd(double mean, double sd)
{
    return mean > 0 && sd > 0 && isfinite(mean) && isfinite(sd);
}

int cs_dist_gamma(cs_dist *d, double mean, double sd)
{
    if (!positive_mean_sd(mean, sd)) return CS_EINVAL;
    init(d, CS_DIST_GAMMA);
    d->mean = mean;
    d->sd = sd;
    d->p1 = (mean / sd) * (mean / sd);
    d->p2 = sd * sd / mean;
    return CS_OK;
}

int cs_dist_lognormal(cs_dist *d, double mean, double sd)
{
    if (!positive_mean_sd(mean, sd)) return CS_EINVAL;
    init(d, CS_DIST_LOGNORMAL);
    d->mean = mean;
    d->sd = sd;
    double s2 = log1p((sd / mean) * (sd / mean));
    d->p1 = log(mean) - 0.5 * s2;
    d->p2 = sqrt(s2);
    return CS_OK;
}

int cs_dist_normal(cs_dist *d, double mean, double sd)
{
    if (!isfinite(mean) || !(sd > 0) || !isfinite(sd)) return CS_EINVAL;
    init(d, CS_DIST_NORMAL);
    d->p1 = d->mean = mean;
    d->p2 = d->sd = sd;
    return CS_OK;
}

int cs_dist_uniform(cs_dist *d, double lo, double hi)
{
    if (!isfinite(lo) || !isfinite(hi) || !(lo < hi)) return CS_EINVAL;
    init(d, CS_DIST_UNIFORM);
    d->lo = lo;
    d->hi = hi;
    d->mean = 0.5 * (lo + hi);
    d->sd = (hi - lo) / sqrt(12.0);
    return CS_OK;
}

int cs_dist_triangular(cs_dist *d, double lo, double mode, double hi)
{
    if (!isfinite(lo) || !isfinite(hi) || !isfinite(mode) || !(lo < hi) || mode < lo || mode > hi)
        return CS_EINVAL;
    init(d, CS_DIST_TRIANGULAR);
    d->lo = lo;
    d->hi = hi;
    d->p1 = mode;
    d->mean = (lo + mode + hi) / 3.0;
    d->sd = sqrt(cs_dist_var(d));
    return CS_OK;
}

int cs_dist_beta(cs_dist *d, double mean, double sd)
{
    /* A beta law with this mean exists only when sd^2 < mean (1 - mean). */
    if (!(mean > 0 && mean < 1) || !(sd > 0) || !(sd * sd < mean * (1 - mean))) return CS_EINVAL;
    init(d, CS_DIST_BETA);
    d->mean = mean;
    d->sd = sd;
    double c = mean * (1 - mean) / (sd * sd) - 1;
    d->p1 = mean * c;
    d->p2 = (1 - mean) * c;
    return CS_OK;
}

int cs_dist_empirical(cs_dist *d, const double *values, const double *weights, size_t n)
{
    if (n == 0 || !values) return CS_EINVAL;
    double wsum = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(values[i])) return CS_EINVAL;
        if (weights) {
            if (!isfinite(weights[i]) || weights[i] < 0) return CS_EINVAL;
            wsum += weights[i];
        }
    }
    if (weights && !(wsum > 0 && isfinite(wsum))) return CS_EINVAL;
    if (!weights) wsum = (double)n;

    cs_dist t;
    init(&t, CS_DIST_EMPIRICAL);
    t.n = n;
    t.values = malloc((weights ? 2 : 1) * n * sizeof *t.values);
    if (!t.values) return CS_ENOMEM;
    memcpy(t.values, values, n * sizeof *values);
    if (weights) {
        memcpy(t.values + n, weights, n * sizeof *weights);
        t.alias = gsl_ran_discrete_preproc(n, weights);
        if (!t.alias) {
            free(t.values);
            return CS_ENOMEM;
        }
    }
    /* Two passes (mean, then squared deviations) for an accurate variance. */
    double m = 0, v = 0;
    for (size_t i = 0; i < n; i++)
        m += (weights ? weights[i] : 1.0) * values[i];
    m /= wsum;
    for (size_t i = 0; i < n; i++)
        v += (weights ? weights[i] : 1.0) * (values[i] - m) * (values[i] - m);
    v /= wsum;
    t.p1 = t.mean = m;
    t.p2 = v;
    t.p3 = wsum;
    t.sd = sqrt(v);
    *d = t;
    return CS_OK;
}

int cs_dist_copy(cs_dist *dst, const cs_dist *src)
{
    if (src->kind != CS_DIST_EMPIRICAL) {
        *dst = *src;
        return CS_OK;
    }
    int rc = cs_dist_empirical(dst, src->values, src->alias ? src->values + src->n : NULL, src->n);
    if (rc == CS_OK) dst->joint = src->joint;
    return rc;
}

void cs_dist_fini(cs_dist *d)
{
    if (!d) return;
    if (d->kind == CS_DIST_EMPIRICAL) {
        free(d->values);
        if (d->alias) gsl_ran_discrete_free(d->alias);
    }
    d->values = NULL;
    d->alias = NULL;
    d->n = 0;
}

static double triangular_sample(const cs_dist *d, gsl_rng *r)
{
    double a = d->lo, c = d->p1, b = d->hi;
    double u = cs_rng_uniform(r);
    if (u < (c - a) / (b - a)) return a + sqrt(u * (b - a) * (c - a));
    return b - sqrt((1 - u) * (b - a) * (b - c));
}

double cs_dist_sample(const cs_dist *d, gsl_rng *r)
{
    switch (d->kind) {
    case CS_DIST_FIXED:
        return d->p1;
    case CS_DIST_EXPONENTIAL:
        return cs_rng_exponential(r, d->p1); /* inline Philox: the bits of gsl_ran_exponential */
    case CS_DIST_GAMMA:
        return gsl_ran_gamma(r, d->p1, d->p2);
    case CS_DIST_LOGNORMAL:
        return gsl_ran_lognormal(r, d->p1, d->p2);
    case CS_DIST_NORMAL:
        return d->p1 + cs_rng_gaussian(r, d->p2);
    case CS_DIST_UNIFORM:
        return cs_rng_flat(r, d->lo, d->hi);
    case CS_DIST_TRIANGULAR:
        return triangular_sample(d, r);
    case CS_DIST_BETA:
        return gsl_ran_beta(r, d->p1, d->p2);
    case CS_DIST_EMPIRICAL:
        if (d->alias) return d->values[gsl_ran_discrete(r, d->alias)];
        return d->values[gsl_rng_uniform_int(r, d->n)];
    case CS_DIST_NKINDS:
        break;
    }
    return NAN;
}

double cs_dist_mean(const cs_dist *d)
{
    switch (d->kind) {
    case CS_DIST_FIXED:
    case CS_DIST_EXPONENTIAL:
    case CS_DIST_NORMAL:
    case CS_DIST_EMPIRICAL:
        return d->p1;
    case CS_DIST_GAMMA:
        return d->p1 * d->p2;
    case CS_DIST_LOGNORMAL:
        return exp(d->p1 + 0.5 * d->p2 * d->p2);
    case CS_DIST_UNIFORM:
        return 0.5 * (d->lo + d->hi);
    case CS_DIST_TRIANGULAR:
        return (d->lo + d->p1 + d->hi) / 3.0;
    case CS_DIST_BETA:
        return d->p1 / (d->p1 + d->p2);
    case CS_DIST_NKINDS:
        break;
    }
    return NAN;
}

double cs_dist_var(const cs_dist *d)
{
    switch (d->kind) {
    case CS_DIST_FIXED:
        return 0.0;
    case CS_DIST_EXPONENTIAL:
        return d->p1 * d->p1;
    case CS_DIST_GAMMA:
        return d->p1 * d->p2 * d->p2;
    case CS_DIST_LOGNORMAL: {
        double s2 = d->p2 * d->p2;
        return expm1(s2) * exp(2 * d->p1 + s2);
    }
    case CS_DIST_NORMAL:
        return d->p2 * d->p2;
    case CS_DIST_UNIFORM:
        return (d->hi - d->lo) * (d->hi - d->lo) / 12.0;
    case CS_DIST_TRIANGULAR: {
        double a = d->lo, c = d->p1, b = d->hi;
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0;
    }
    case CS_DIST_BETA: {
        double a = d->p1, b = d->p2;
        return a * b / ((a + b) * (a + b) * (a + b + 1));
    }
    case CS_DIST_EMPIRICAL:
        return d->p2;
    case CS_DIST_NKINDS:
        break;
    }
    return NAN;
}

const char *cs_dist_kind_name(cs_dist_kind k)
{
    return (unsigned)k < CS_DIST_NKINDS ? kind_names[k] : NULL;
}

int cs_dist_kind_parse(const char *name)
{
    for (int k = 0; k < CS_DIST_NKINDS; k++)
        if (name && !strcmp(name, kind_names[k])) return k;
    return -1;
}

/* The shortest %g form that reads back as x ("30", "0.1", "1234567"). */
static void fmt_num(char *out, size_t size, double x)
{
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(out, size, "%.*g", prec, x);
        if (strtod(out, NULL) == x) return;
    }
}

/* Appends to buf like snprintf, tracking the would-be length in *len. */
static void put(char *buf, size_t size, int *len, const char *s)
{
    size_t at = (size_t)*len;
    if (at < size) snprintf(buf + at, size - at, "%s", s);
    *len += (int)strlen(s);
}

static void put_kv(char *buf, size_t size, int *len, const char *key, double x)
{
    char num[32];
    fmt_num(num, sizeof num, x);
    put(buf, size, len, ", ");
    put(buf, size, len, key);
    put(buf, size, len, ": ");
    put(buf, size, len, num);
}

static void put_list(char *buf, size_t size, int *len, const char *key, const double *v, size_t n)
{
    char num[32];
    put(buf, size, len, ", ");
    put(buf, size, len, key);
    put(buf, size, len, ": [");
    for (size_t i = 0; i < n; i++) {
        fmt_num(num, sizeof num, v[i]);
        if (i) put(buf, size, len, ", ");
        put(buf, size, len, num);
    }
    put(buf, size, len, "]");
}

int cs_dist_format(const cs_dist *d, char *buf, size_t size)
{
    int len = 0;
    if (size) buf[0] = '\0';
    if (d->kind == CS_DIST_FIXED) {
        char num[32];
        fmt_num(num, sizeof num, d->p1);
        put(buf, size, &len, num);
        return len;
    }
    put(buf, size, &len, "{dist: ");
    put(buf, size, &len, cs_dist_kind_name(d->kind) ? cs_dist_kind_name(d->kind) : "?");
    switch (d->kind) {
    case CS_DIST_EXPONENTIAL:
        put_kv(buf, size, &len, "mean", d->mean);
        break;
    case CS_DIST_GAMMA:
    case CS_DIST_LOGNORMAL:
    case CS_DIST_NORMAL:
    case CS_DIST_BETA:
        put_kv(buf, size, &len, "mean", d->mean);
        put_kv(buf, size, &len, "sd", d->sd);
        break;
    case CS_DIST_UNIFORM:
        put_kv(buf, size, &len, "lo", d->lo);
        put_kv(buf, size, &len, "hi", d->hi);
        break;
    case CS_DIST_TRIANGULAR:
        put_kv(buf, size, &len, "lo", d->lo);
        put_kv(buf, size, &len, "mode", d->p1);
        put_kv(buf, size, &len, "hi", d->hi);
        break;
    case CS_DIST_EMPIRICAL:
        put_list(buf, size, &len, "values", d->values, d->n);
        if (d->alias) put_list(buf, size, &len, "weights", d->values + d->n, d->n);
        if (d->joint > 0) {
            char j[32];
            snprintf(j, sizeof j, ", joint: %d", d->joint);
            put(buf, size, &len, j);
        }
        break;
    default:
        break;
    }
    put(buf, size, &len, "}");
    return len;
}
