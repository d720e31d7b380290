/* The posterior: several adaptive random-walk Metropolis chains on the synthetic likelihood
 * exp(-Q/2), Q = (real - mean)' P (real - mean), with a uniform prior on the bounds.
 *
 * Each chain works on the logit scale of the bounds (so no proposal leaves them; the prior's
 * Jacobian enters the target), starts from the fit plus N(0, start_spread^2) per coordinate,
 * and draws from its own stream keyed (seed, chain, unit UINT32_MAX - 1, process CS_NPROCS),
 * which no simulation stream uses: chains are reproducible and independent of threads.
 * During burn-in the proposal adapts (Haario et al. 2001): every 25 steps its covariance
 * becomes the chain's sample covariance over the latter half of the steps so far, scaled by
 * 2.38^2 / d, with a Robbins-Monro factor steering acceptance toward 0.234. After burn-in the
 * proposal is frozen, so the kept draws come from a fixed Metropolis kernel. */
#include "calib_impl.h"
#include "cssim/streams.h"
#include "model.h"

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { P = CS_CALIB_MAXP, ADAPT_EVERY = 25 };

typedef struct chain {
    size_t d;
    double u[P], lp;  /* current state (logit scale) and its log target */
    double L[P * P];  /* Cholesky factor of the proposal's shape */
    double log_scale; /* Robbins-Monro factor on top of 2.38 / sqrt(d) */
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

/* Sets L to the Cholesky factor of the sample covariance of hist[a..b) (plus a small ridge),
 * keeping the old factor if the history is degenerate. */
static void adapt_shape(chain *ch, const double *hist, size_t a, size_t b)
{
    size_t d = ch->d, n = b - a;
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
            ch->L[x * d + y] = y <= x ? C[x * d + y] : 0;
}

static void propose(const chain *ch, double *u)
{
    double z[P], s = exp(ch->log_scale) * 2.38 / sqrt((double)ch->d);
    for (size_t j = 0; j < ch->d; j++)
        z[j] = gsl_ran_gaussian_ziggurat(ch->r, 1.0);
    for (size_t x = 0; x < ch->d; x++) {
        double v = 0;
        for (size_t y = 0; y <= x; y++)
            v += ch->L[x * ch->d + y] * z[y];
        u[x] = ch->u[x] + s * v;
    }
}

/* Runs chain m: burn-in with adaptation, then n_kept draws into out (parameter scale). */
static int run_chain(cs_calib *c, chain *ch, size_t m, size_t burn, size_t n_kept, double *hist,
                     double *out, double *accept)
{
    size_t steps = burn + n_kept, acc = 0;
    for (size_t t = 0; t < steps && !c->failed; t++) {
        double u[P];
        propose(ch, u);
        double lp = log_target(c, u);
        int ok = lp > -INFINITY && log(gsl_rng_uniform_pos(ch->r)) < lp - ch->lp;
        if (ok) memcpy(ch->u, u, ch->d * sizeof *u), ch->lp = lp, acc++;
        if (t < burn) {
            memcpy(hist + t * ch->d, ch->u, ch->d * sizeof *u);
            ch->log_scale += ((ok ? 1.0 : 0.0) - 0.234) / sqrt((double)t + 1.0);
            if ((t + 1) % ADAPT_EVERY == 0 && t + 1 >= 4 * ch->d)
                adapt_shape(ch, hist, (t + 1) / 2, t + 1);
        } else {
            cs_calib_from_unit(c, ch->u, out + (t - burn) * ch->d);
        }
        if (!c->quiet && (t % 10 == 9 || t + 1 == steps))
            fprintf(stderr, "\rchain %zu/%lld  step %zu/%zu  acceptance %.2f  objective %.3f   ",
                    m + 1, (long long)c->cfg.chains, t + 1, steps, (double)acc / (double)(t + 1),
                    -2 * ch->lp);
    }
    *accept = steps ? (double)acc / (double)steps : 0;
    return c->failed ? CS_EMODEL : CS_OK;
}

int cs_calib_chains(cs_calib *c, const double *theta, double *draws, size_t n_kept, double *accept)
{
    size_t M = (size_t)c->cfg.chains, d = c->np, burn = (size_t)c->cfg.mcmc_steps - n_kept;
    double u0[P];
    cs_calib_to_unit(c, theta, u0);
    double *hist = malloc((burn + 1) * d * sizeof *hist);
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    int rc = hist && r ? CS_OK : cs_error_set(c->err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    for (size_t m = 0; !rc && m < M; m++) {
        chain ch = {.d = d, .r = r};
        cs_rng_key(r, (uint64_t)c->cfg.seed, m, UINT32_MAX - 1, CS_NPROCS);
        for (size_t j = 0; j < d; j++) {
            ch.u[j] = u0[j] + gsl_ran_gaussian_ziggurat(r, c->cfg.start_spread);
            ch.L[j * d + j] = 0.1; /* first shape: 0.1 on the logit scale, until adapted */
        }
        ch.lp = log_target(c, ch.u);
        rc = run_chain(c, &ch, m, burn, n_kept, hist, draws + m * n_kept * d, &accept[m]);
    }
    if (!c->quiet) fputc('\n', stderr);
    gsl_rng_free(r);
    free(hist);
    if (rc && c->err && c->err->status) rc = c->err->status;
    return rc;
}
