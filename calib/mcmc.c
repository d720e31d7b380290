/* The posterior: several adaptive random-walk Metropolis chains on the synthetic likelihood
 * exp(-Q/2), Q = (real - mean)' P (real - mean), with a uniform prior on the bounds.
 *
 * Each chain works on the logit scale of the bounds (so no proposal leaves them; the prior's
 * Jacobian enters the target), starts from the fit plus N(0, start_spread^2) per coordinate
 * (redrawn while the model rejects it), and draws from its own stream keyed (seed, chain, unit
 * UINT32_MAX - 1, process CS_NPROCS), which no simulation stream uses: chains are
 * reproducible and independent of threads. The chains advance in lock-step and share one
 * proposal, adapted during burn-in (Haario et al. 2001): every 25 steps its shape becomes the
 * sample covariance of all chains' states over the latter half of the steps so far, scaled by
 * 2.38^2 / d, and a Robbins-Monro factor, kept within [e^-1.5, e^0.5], steers acceptance
 * toward 0.234. Pooling the chains keeps one stuck chain from shrinking its own steps to
 * nothing (the objective is rough under common random numbers, so acceptance stays low even
 * for small steps, and an unbounded factor collapses). After burn-in the proposal is frozen,
 * so the kept draws of each chain come from one fixed Metropolis kernel. */
#include "calib_impl.h"
#include "cssim/streams.h"
#include "model.h"

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { P = CS_CALIB_MAXP, ADAPT_EVERY = 25, START_TRIES = 100 };

/* The proposal all chains share: shape (Cholesky factor) and scale, adapted in burn-in. */
typedef struct proposal {
    size_t d;
    double L[P * P];
    double log_scale; /* Robbins-Monro factor on 2.38 / sqrt(d), kept in [-1.5, 0.5] */
} proposal;

typedef struct chain {
    double u[P], lp; /* current state (logit scale) and its log target */
    size_t acc;
    gsl_rng *r;
} chain;

/* log target on the logit scale: -Q/2 + log Jacobian of the uniform prior on the bounds. */
static double log_target(cs_calib *c, const double *u)
{
    double theta[P], lj = 0;
    cs_calib_from_unit(c, u, theta);
    for (size_t j = 0; j < c->np; j++)
        lj += -fabs(u[j]) - 2 * log1p(exp(-fabs(u[j]))); /* log x(1-x), x = logistic(u) */
    double q = cs_calib_objective(c, theta);
    return isnan(q) ? -INFINITY : -0.5 * q + lj;
}

/* Sets the shape to the Cholesky factor of the sample covariance of the rows hist[a..b)
 * (plus a small ridge), keeping the old one if the rows are degenerate. */
static void adapt_shape(proposal *q, const double *hist, size_t a, size_t b)
{
    size_t d = q->d, n = b - a;
    double mean[P] = {0}, C[P * P];
    for (size_t i = a; i < b; i++)
        for (size_t j = 0; j < d; j++)
            mean[j] += hist[i * d + j] / (double)n;
    for (size_t x = 0; x < d; x++)
        for (size_t y = 0; y < d; y++) {
            double s = 0;
            for (size_t i = a; i < b; i++)
                s += (hist[i * d + x] - mean[x]) * (hist[i * d + y] - mean[y]);
            C[x * d + y] = s / (double)(n - 1) + (x == y ? 1e-6 : 0);
        }
    gsl_matrix_view m = gsl_matrix_view_array(C, d, d);
    if (gsl_linalg_cholesky_decomp1(&m.matrix)) return;
    for (size_t x = 0; x < d; x++)
        for (size_t y = 0; y < d; y++)
            q->L[x * d + y] = y <= x ? C[x * d + y] : 0;
}

/* One Metropolis step of a chain; returns 1 if the proposal was accepted. */
static int step(cs_calib *c, const proposal *q, chain *ch)
{
    double z[P], u[P], s = exp(q->log_scale) * 2.38 / sqrt((double)q->d);
    for (size_t j = 0; j < q->d; j++)
        z[j] = gsl_ran_gaussian_ziggurat(ch->r, 1.0);
    for (size_t x = 0; x < q->d; x++) {
        double v = 0;
        for (size_t y = 0; y <= x; y++)
            v += q->L[x * q->d + y] * z[y];
        u[x] = ch->u[x] + s * v;
    }
    double lp = log_target(c, u);
    int ok = lp > -INFINITY && log(gsl_rng_uniform_pos(ch->r)) < lp - ch->lp;
    if (ok) memcpy(ch->u, u, q->d * sizeof *u), ch->lp = lp, ch->acc++;
    return ok;
}

/* Chain m's start: the fit plus N(0, start_spread^2) per logit coordinate, redrawn (on the
 * chain's own stream) while the model rejects it. */
static void start_chain(cs_calib *c, chain *ch, const double *u0, size_t d)
{
    for (int k = 0; k < START_TRIES && !c->failed; k++) {
        for (size_t j = 0; j < d; j++)
            ch->u[j] = u0[j] + gsl_ran_gaussian_ziggurat(ch->r, c->cfg.start_spread);
        ch->lp = log_target(c, ch->u);
        if (ch->lp > -INFINITY) return;
    }
    memcpy(ch->u, u0, d * sizeof *u0); /* the fit itself is in the support */
    ch->lp = log_target(c, ch->u);
}

/* Advances every chain by one step, t of steps; burn-in rows go to hist, kept draws to out. */
static void sweep(cs_calib *c, proposal *q, chain *ch, size_t M, size_t t, size_t burn,
                  size_t n_kept, double *hist, double *out)
{
    size_t d = q->d, acc = 0;
    for (size_t m = 0; m < M && !c->failed; m++) {
        acc += (size_t)step(c, q, &ch[m]);
        if (t < burn)
            memcpy(hist + (t * M + m) * d, ch[m].u, d * sizeof *hist);
        else
            cs_calib_from_unit(c, ch[m].u, out + (m * n_kept + t - burn) * d);
    }
    if (t >= burn) return;
    q->log_scale += ((double)acc / (double)M - 0.234) / sqrt((double)t + 1.0);
    q->log_scale = fmin(0.5, fmax(-1.5, q->log_scale));
    if ((t + 1) % ADAPT_EVERY == 0 && (t + 1) * M >= 4 * d)
        adapt_shape(q, hist, (t + 1) / 2 * M, (t + 1) * M);
}

int cs_calib_chains(cs_calib *c, const double *theta, double *draws, size_t n_kept, double *accept)
{
    size_t M = (size_t)c->cfg.chains, d = c->np, steps = (size_t)c->cfg.mcmc_steps;
    size_t burn = steps - n_kept;
    double u0[P];
    cs_calib_to_unit(c, theta, u0);
    proposal q = {.d = d};
    for (size_t j = 0; j < d; j++)
        q.L[j * d + j] = 0.1; /* the first shape, on the logit scale, until adapted */
    chain *ch = calloc(M, sizeof *ch);
    double *hist = malloc((burn * M + 1) * d * sizeof *hist);
    int rc = ch && hist ? CS_OK : CS_ENOMEM;
    for (size_t m = 0; !rc && m < M; m++) {
        if (!(ch[m].r = gsl_rng_alloc(cs_rng_philox))) rc = CS_ENOMEM;
        if (!rc) cs_rng_key(ch[m].r, (uint64_t)c->cfg.seed, m, UINT32_MAX - 1, CS_NPROCS);
        if (!rc) start_chain(c, &ch[m], u0, d);
    }
    if (rc) cs_error_set(c->err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    for (size_t t = 0; !rc && t < steps && !c->failed; t++) {
        sweep(c, &q, ch, M, t, burn, n_kept, hist, draws);
        if (!c->quiet && (t % 10 == 9 || t + 1 == steps))
            fprintf(stderr, "\rchains: step %zu/%zu  acceptance %.2f  scale %.2f   ", t + 1, steps,
                    (double)ch[0].acc / (double)(t + 1), exp(q.log_scale));
    }
    if (!c->quiet) fputc('\n', stderr);
    for (size_t m = 0; ch && m < M; m++) {
        accept[m] = (double)ch[m].acc / (double)steps;
        gsl_rng_free(ch[m].r);
    }
    free(ch);
    free(hist);
    if (!rc && c->failed) rc = c->err && c->err->status ? c->err->status : CS_EMODEL;
    return rc;
}
