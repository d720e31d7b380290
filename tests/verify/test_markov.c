/* Markov grades, equal exponential intervals: long-run grade shares = stationary pi of P. */
#include "cs_verify.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#define WARMUP_DAYS (10 * 365.25)

/* pi P = pi, sum pi = 1: (P^T - I) pi = 0 with its last row replaced by ones, solved by LU. */
static void stationary_lu(const double *P, double *pi)
{
    gsl_matrix *A = gsl_matrix_alloc(4, 4);
    gsl_vector *b = gsl_vector_calloc(4), *x = gsl_vector_alloc(4);
    gsl_permutation *perm = gsl_permutation_alloc(4);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            gsl_matrix_set(A, i, j, P[4 * j + i] - (i == j));
    for (int j = 0; j < 4; j++)
        gsl_matrix_set(A, 3, j, 1.0);
    gsl_vector_set(b, 3, 1.0);
    int sign;
    assert_int_equal(gsl_linalg_LU_decomp(A, perm, &sign), 0);
    assert_int_equal(gsl_linalg_LU_solve(A, perm, b, x), 0);
    for (int i = 0; i < 4; i++)
        pi[i] = gsl_vector_get(x, i);
    gsl_permutation_free(perm);
    gsl_vector_free(x);
    gsl_vector_free(b);
    gsl_matrix_free(A);
}

/* Cross-check: the left eigenvector of P for the eigenvalue closest to 1, normalised. */
static void stationary_eigen(const double *P, double *pi)
{
    gsl_matrix *PT = gsl_matrix_alloc(4, 4);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            gsl_matrix_set(PT, i, j, P[4 * j + i]);
    gsl_vector_complex *eval = gsl_vector_complex_alloc(4);
    gsl_matrix_complex *evec = gsl_matrix_complex_alloc(4, 4);
    gsl_eigen_nonsymmv_workspace *ws = gsl_eigen_nonsymmv_alloc(4);
    assert_int_equal(gsl_eigen_nonsymmv(PT, eval, evec, ws), 0);
    size_t best = 0;
    for (size_t k = 1; k < 4; k++)
        if (fabs(GSL_REAL(gsl_vector_complex_get(eval, k)) - 1) <
            fabs(GSL_REAL(gsl_vector_complex_get(eval, best)) - 1))
            best = k;
    double s = 0;
    for (int i = 0; i < 4; i++)
        s += GSL_REAL(gsl_matrix_complex_get(evec, i, best));
    for (int i = 0; i < 4; i++)
        pi[i] = GSL_REAL(gsl_matrix_complex_get(evec, i, best)) / s;
    gsl_eigen_nonsymmv_free(ws);
    gsl_matrix_complex_free(evec);
    gsl_vector_complex_free(eval);
    gsl_matrix_free(PT);
}

static void test_markov_stationary_grade_shares(void **state)
{
    (void)state;
    cs_vrun r;
    cs_vrun_open(&r, "scenarios/verify/markov_stationary.yaml", NULL, 0, false);
    assert_int_equal(r.p.markov.n, 16);
    double pi[4], pe[4];
    stationary_lu(r.p.markov.v, pi);
    stationary_eigen(r.p.markov.v, pe);
    for (int g = 0; g < 4; g++)
        CS_ASSERT_CLOSE(pe[g], pi[g], 0, 1e-10);

    int reps = 40;
    double *share[4];
    for (int g = 0; g < 4; g++)
        share[g] = calloc((size_t)reps, sizeof(double));
    size_t width, s_grade = cs_vseries("grade_counts", &width);
    assert_int_equal(width, 4);
    for (int rep = 0; rep < reps; rep++) {
        cs_vrun_rep(&r, 20240602, (uint64_t)rep);
        double acc[4] = {0}, n = 0;
        for (size_t k = 0; k < r.w->n_time; k++) {
            if (r.w->time_days[k] < WARMUP_DAYS) continue;
            for (int g = 0; g < 4; g++)
                acc[g] += r.b->series[s_grade][k * 4 + (size_t)g];
            n++;
        }
        for (int g = 0; g < 4; g++)
            share[g][rep] = acc[g] / (n * (double)r.w->n_la);
    }
    static const char *const names[4] = {"outstanding", "good", "ri", "inadequate"};
    for (int g = 0; g < 4; g++) {
        double se, mean = cs_vmean(share[g], (size_t)reps, &se);
        print_message("markov %-11s pi %.5f  observed %.5f  SE %.5f  (%+.2f SE)\n", names[g], pi[g],
                      mean, se, (mean - pi[g]) / se);
        CS_ASSERT_SE_SMALL(se, pi[g], 0.1);
        CS_ASSERT_WITHIN_SE(mean, pi[g], se, 4);
        free(share[g]);
    }
    cs_vrun_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_markov_stationary_grade_shares),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
