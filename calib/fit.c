/* The point estimate: GSL's Nelder-Mead (nmsimplex2) on logit-transformed bounds, minimising
 * the current objective (diagonal weights, or the synthetic likelihood once c->prec is set). */
#include "calib_impl.h"

#include <gsl/gsl_multimin.h>
#include <math.h>
#include <stdlib.h>

void cs_calib_to_unit(const cs_calib *c, const double *theta, double *u)
{
    for (size_t j = 0; j < c->np; j++) {
        double lo = c->cfg.lower.v[j], hi = c->cfg.upper.v[j];
        double x = (theta[j] - lo) / (hi - lo);
        x = fmin(fmax(x, 1e-12), 1 - 1e-12);
        u[j] = log(x / (1 - x));
    }
}

void cs_calib_from_unit(const cs_calib *c, const double *u, double *theta)
{
    for (size_t j = 0; j < c->np; j++) {
        double lo = c->cfg.lower.v[j], hi = c->cfg.upper.v[j];
        theta[j] = lo + (hi - lo) / (1.0 + exp(-u[j]));
    }
}

typedef struct nm_ctx {
    cs_calib *c;
    double best;
} nm_ctx;

static double nm_f(const gsl_vector *u, void *params)
{
    nm_ctx *x = params;
    cs_calib *c = x->c;
    double theta[CS_CALIB_MAXP];
    cs_calib_from_unit(c, u->data, theta);
    if (c->failed) return GSL_POSINF;
    double obj = cs_calib_objective(c, theta);
    if (isnan(obj)) return GSL_POSINF;
    if (obj < x->best) x->best = obj;
    if (!c->quiet) {
        fprintf(stderr, "\r%s eval %4zu  objective %10.4f  best %10.4f   ",
                c->prec ? "refit" : "fit  ", c->evals, obj, x->best);
        fflush(stderr);
    }
    return obj;
}

int cs_calib_fit(cs_calib *c, double *theta, double step, double *objective, int *converged)
{
    nm_ctx x = {c, INFINITY};
    gsl_multimin_function fn = {nm_f, c->np, &x};
    gsl_vector *u = gsl_vector_alloc(c->np), *st = gsl_vector_alloc(c->np);
    gsl_multimin_fminimizer *nm =
        gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, c->np);
    if (!u || !st || !nm) {
        gsl_vector_free(u), gsl_vector_free(st), gsl_multimin_fminimizer_free(nm);
        return cs_error_set(c->err, CS_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    }
    cs_calib_to_unit(c, theta, u->data);
    gsl_vector_set_all(st, step);
    gsl_multimin_fminimizer_set(nm, &fn, u, st);
    size_t start = c->evals;
    int status = GSL_CONTINUE;
    while (status == GSL_CONTINUE && c->evals - start < (size_t)c->cfg.max_evals && !c->failed) {
        if (gsl_multimin_fminimizer_iterate(nm)) break;
        status = gsl_multimin_test_size(gsl_multimin_fminimizer_size(nm), c->cfg.tolerance);
    }
    if (!c->quiet) fputc('\n', stderr);
    cs_calib_from_unit(c, gsl_multimin_fminimizer_x(nm)->data, theta);
    *objective = gsl_multimin_fminimizer_minimum(nm);
    *converged = status == GSL_SUCCESS;
    gsl_multimin_fminimizer_free(nm);
    gsl_vector_free(u), gsl_vector_free(st);
    return c->failed ? (c->err && c->err->status ? c->err->status : CS_EMODEL) : CS_OK;
}
