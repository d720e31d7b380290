/* Statistics of the calibration: moments of simulated targets, the shrunk covariance of the
 * target vector behind the synthetic likelihood, and the chains' convergence diagnostics
 * (rank-normalised split R-hat and bulk effective sample size, Vehtari et al. 2021). */
#include "calib_impl.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void cs_calib_moments(const double *vals, size_t R, size_t nt, double *mean, double *sd,
                      double *q05, double *q95)
{
    double *col = malloc(R * sizeof *col);
    for (size_t k = 0; k < nt; k++) {
        double s = 0, s2 = 0;
        for (size_t r = 0; r < R; r++)
            s += vals[r * nt + k];
        mean[k] = s / (double)R;
        for (size_t r = 0; r < R; r++)
            s2 += (vals[r * nt + k] - mean[k]) * (vals[r * nt + k] - mean[k]);
        sd[k] = R > 1 ? sqrt(s2 / (double)(R - 1)) : 0;
        if (!q05 || !col) continue;
        for (size_t r = 0; r < R; r++)
            col[r] = vals[r * nt + k];
        qsort(col, R, sizeof *col, cmp_double);
        /* order statistics: integers stay integers in the report */
        q05[k] = col[(size_t)floor(0.05 * (double)(R - 1))];
        q95[k] = col[(size_t)ceil(0.95 * (double)(R - 1))];
    }
    free(col);
}

double cs_calib_lag1(const double *x, size_t n)
{
    if (n < 3) return NAN;
    double m = 0, v = 0, a = 0;
    for (size_t i = 0; i < n; i++)
        m += x[i] / (double)n;
    for (size_t i = 0; i < n; i++)
        v += (x[i] - m) * (x[i] - m);
    for (size_t i = 0; i + 1 < n; i++)
        a += (x[i] - m) * (x[i + 1] - m);
    return v > 0 ? a / v : NAN;
}

/* The smallest and largest eigenvalues of the symmetric k x k matrix A (not modified). */
static int eigen_range(const double *A, size_t k, double *emin, double *emax)
{
    gsl_matrix *m = gsl_matrix_alloc(k, k);
    gsl_vector *e = gsl_vector_alloc(k);
    gsl_eigen_symm_workspace *w = gsl_eigen_symm_alloc(k);
    int rc = -1;
    if (m && e && w) {
        memcpy(m->data, A, k * k * sizeof *A);
        if (!gsl_eigen_symm(m, e, w)) *emin = gsl_vector_min(e), *emax = gsl_vector_max(e), rc = 0;
    }
    gsl_eigen_symm_free(w), gsl_vector_free(e), gsl_matrix_free(m);
    return rc;
}

/* The Schaefer-Strimmer weight of the identity for a correlation matrix estimated from the
 * standardised sample z (n x k): sum of Var(r_ab) over sum of r_ab^2, off the diagonal. */
static double ss_lambda(const double *z, size_t n, size_t k, const double *r)
{
    double num = 0, den = 0;
    for (size_t a = 0; a < k; a++)
        for (size_t b = a + 1; b < k; b++) {
            double wbar = 0, v = 0;
            for (size_t i = 0; i < n; i++)
                wbar += z[i * k + a] * z[i * k + b] / (double)n;
            for (size_t i = 0; i < n; i++) {
                double d = z[i * k + a] * z[i * k + b] - wbar;
                v += d * d;
            }
            num += v * (double)n / pow((double)n - 1, 3);
            den += r[a * k + b] * r[a * k + b];
        }
    return den > 0 ? fmin(1.0, fmax(0.0, num / den)) : 1.0;
}

double cs_calib_shrink(double *S, const double *x, size_t n, size_t k, double var_floor)
{
    double *z = calloc(n * k, sizeof *z), *r = calloc(k * k, sizeof *r),
           *sd = calloc(k, sizeof *sd);
    double lambda = CS_ENOMEM;
    if (!z || !r || !sd || n < 2) goto done;
    for (size_t a = 0; a < k; a++) {
        double m = 0, s = sqrt(S[a * k + a]);
        for (size_t i = 0; i < n; i++)
            m += x[i * k + a] / (double)n;
        for (size_t i = 0; i < n; i++)
            z[i * k + a] = s > 0 ? (x[i * k + a] - m) / s : 0;
        sd[a] = sqrt(fmax(S[a * k + a], var_floor));
    }
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b < k; b++) {
            double s = 0;
            for (size_t i = 0; i < n; i++)
                s += z[i * k + a] * z[i * k + b];
            r[a * k + b] = a == b ? 1.0 : s / (double)(n - 1);
        }
    lambda = ss_lambda(z, n, k, r);
    /* raise the weight until the shrunk correlation is well conditioned: its eigenvalues are
     * (1 - l) e + l for the eigenvalues e of r */
    double emin, emax;
    if (eigen_range(r, k, &emin, &emax)) {
        lambda = CS_EMODEL;
        goto done;
    }
    while (lambda < 1 && ((1 - lambda) * emin + lambda) / ((1 - lambda) * emax + lambda) < 1e-6)
        lambda = fmin(1.0, lambda + 0.01);
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b < k; b++)
            S[a * k + b] = sd[a] * sd[b] * (a == b ? 1.0 : (1 - lambda) * r[a * k + b]);
done:
    free(z), free(r), free(sd);
    return lambda;
}

/* Inverts the symmetric positive definite k x k matrix A in place (Cholesky). */
static int spd_invert(double *A, size_t k)
{
    gsl_matrix_view m = gsl_matrix_view_array(A, k, k);
    if (gsl_linalg_cholesky_decomp1(&m.matrix)) return CS_EMODEL;
    return gsl_linalg_cholesky_invert(&m.matrix) ? CS_EMODEL : CS_OK;
}

int cs_calib_covariance(cs_calib *c, const double *theta, double *mean, double *q05, double *q95)
{
    size_t n = (size_t)c->cfg.cov_replications, k = c->nt;
    double *x = calloc(n * k, sizeof *x), *S = calloc(k * k, sizeof *S),
           *sd = calloc(k, sizeof *sd);
    int rc =
        x && S && sd ? CS_OK : cs_error_set(c->err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    if (!rc) rc = c->sim(c->sim_ctx, c, theta, n, x, c->err);
    c->evals++;
    if (!rc) {
        cs_calib_moments(x, n, k, mean, sd, q05, q95);
        for (size_t a = 0; a < k; a++)
            for (size_t b = 0; b < k; b++) {
                double s = 0;
                for (size_t i = 0; i < n; i++)
                    s += (x[i * k + a] - mean[a]) * (x[i * k + b] - mean[b]);
                S[a * k + b] = s / (double)(n - 1);
            }
        double l = cs_calib_shrink(S, x, n, k, c->cfg.sd_floor * c->cfg.sd_floor);
        if (l < 0 || spd_invert(S, k))
            rc = cs_error_set(c->err, CS_EMODEL, c->cfg.targets, 0, 0, NULL,
                              "the covariance of the targets cannot be inverted");
        c->shrinkage = l;
    }
    if (!rc) {
        /* the mean at each evaluation is itself estimated from R replications */
        double inflate = 1.0 + 1.0 / (double)c->cfg.replications;
        for (size_t i = 0; i < k * k; i++)
            S[i] /= inflate;
        free(c->prec);
        c->prec = S, S = NULL;
    }
    if (rc) c->failed = 1;
    free(x), free(S), free(sd);
    return rc;
}

/* ---- diagnostics ---- */

typedef struct rank_item {
    double v;
    size_t i;
} rank_item;

static int cmp_item(const void *a, const void *b)
{
    double x = ((const rank_item *)a)->v, y = ((const rank_item *)b)->v;
    return (x > y) - (x < y);
}

/* Replaces x[0..N) by normal scores of its ranks (ties share their average rank). */
static int rank_normalise(double *x, size_t N)
{
    rank_item *it = malloc(N * sizeof *it);
    if (!it) return -1;
    for (size_t i = 0; i < N; i++)
        it[i].v = x[i], it[i].i = i;
    qsort(it, N, sizeof *it, cmp_item);
    for (size_t a = 0; a < N;) {
        size_t b = a;
        while (b + 1 < N && it[b + 1].v == it[a].v)
            b++;
        double rank = 0.5 * (double)(a + b) + 1.0; /* 1-based average rank */
        double z = gsl_cdf_ugaussian_Pinv((rank - 0.375) / ((double)N + 0.25));
        for (size_t i = a; i <= b; i++)
            x[it[i].i] = z;
        a = b + 1;
    }
    free(it);
    return 0;
}

/* The draws as 2M half-chains of length h, rank-normalised (folded: |x - median| first). */
static double *split_normalised(const double *draws, size_t M, size_t n, size_t *h, int folded)
{
    *h = n / 2;
    size_t H = *h, N = 2 * M * H;
    double *z = malloc(N * sizeof *z);
    if (!z) return NULL;
    for (size_t m = 0; m < M; m++)
        for (size_t i = 0; i < H; i++) {
            z[(2 * m) * H + i] = draws[m * n + i];
            z[(2 * m + 1) * H + i] = draws[m * n + n - H + i]; /* odd n: drop the middle */
        }
    if (folded) {
        double *t = malloc(N * sizeof *t);
        if (!t) return free(z), NULL;
        memcpy(t, z, N * sizeof *t);
        double med = cs_calib_quantile(t, N, 0.5);
        free(t);
        for (size_t i = 0; i < N; i++)
            z[i] = fabs(z[i] - med);
    }
    if (rank_normalise(z, N)) return free(z), NULL;
    return z;
}

static void chain_stats(const double *z, size_t C, size_t h, double *W, double *B_h)
{
    double grand = 0, sw = 0, sb = 0;
    for (size_t m = 0; m < C; m++) {
        double mean = 0, v = 0;
        for (size_t i = 0; i < h; i++)
            mean += z[m * h + i] / (double)h;
        for (size_t i = 0; i < h; i++)
            v += (z[m * h + i] - mean) * (z[m * h + i] - mean);
        sw += v / (double)(h - 1);
        grand += mean / (double)C;
    }
    for (size_t m = 0; m < C; m++) {
        double mean = 0;
        for (size_t i = 0; i < h; i++)
            mean += z[m * h + i] / (double)h;
        sb += (mean - grand) * (mean - grand);
    }
    *W = sw / (double)C;
    *B_h = C > 1 ? sb / (double)(C - 1) : 0;
}

static double rhat_of(const double *z, size_t C, size_t h)
{
    double W, B_h;
    chain_stats(z, C, h, &W, &B_h);
    return sqrt(((double)(h - 1) / (double)h * W + B_h) / W);
}

double cs_calib_rhat(const double *draws, size_t n_chains, size_t n)
{
    if (n < 4 || !n_chains) return NAN;
    size_t h;
    double r[2] = {NAN, NAN};
    for (int folded = 0; folded < 2; folded++) {
        double *z = split_normalised(draws, n_chains, n, &h, folded);
        if (!z) return NAN;
        r[folded] = rhat_of(z, 2 * n_chains, h);
        free(z);
    }
    return fmax(r[0], r[1]);
}

/* Mean over chains of the autocovariance at lag t (1/h normalisation). */
static double mean_acov(const double *z, size_t C, size_t h, size_t t)
{
    double s = 0;
    for (size_t m = 0; m < C; m++) {
        const double *x = z + m * h;
        double mean = 0, a = 0;
        for (size_t i = 0; i < h; i++)
            mean += x[i] / (double)h;
        for (size_t i = 0; i + t < h; i++)
            a += (x[i] - mean) * (x[i + t] - mean);
        s += a / (double)h;
    }
    return s / (double)C;
}

/* Geyer's initial monotone sequence on the combined autocorrelation (as Stan computes it). */
double cs_calib_ess_bulk(const double *draws, size_t n_chains, size_t n)
{
    if (n < 8 || !n_chains) return NAN;
    size_t h, C = 2 * n_chains;
    double *z = split_normalised(draws, n_chains, n, &h, 0);
    double *rho = z ? calloc(h + 2, sizeof *rho) : NULL;
    if (!rho) return free(z), NAN;
    double W, B_h;
    chain_stats(z, C, h, &W, &B_h);
    double var_plus = (double)(h - 1) / (double)h * W + B_h, mean_var = W;
    rho[0] = 1;
    rho[1] = 1 - (mean_var - mean_acov(z, C, h, 1)) / var_plus;
    double even = rho[0], odd = rho[1];
    size_t t = 1, max_t = 1;
    while (t + 5 < h && even + odd > 0) {
        even = 1 - (mean_var - mean_acov(z, C, h, t + 1)) / var_plus;
        odd = 1 - (mean_var - mean_acov(z, C, h, t + 2)) / var_plus;
        if (even + odd >= 0) rho[t + 1] = even, rho[t + 2] = odd;
        max_t = t + 2;
        t += 2;
    }
    for (t = 1; t + 4 <= max_t; t += 2)
        if (rho[t + 1] + rho[t + 2] > rho[t - 1] + rho[t])
            rho[t + 1] = rho[t + 2] = (rho[t - 1] + rho[t]) / 2;
    double tau = -1;
    for (t = 0; t <= max_t; t++)
        tau += 2 * rho[t];
    tau += rho[max_t + 1];
    double N = (double)(C * h);
    free(z), free(rho);
    return fmin(N / fmax(tau, 1.0 / log10(N)), N * log10(N));
}
