/*
 * normal_eq.c -- ridge regression by the normal equations: X^T X by dsyrk
 * (one triangle), X^T y by dgemv, lam on the diagonal, and a Cholesky
 * solve (dposv), since the matrix is symmetric positive definite.
 */
#include "hand.h"

#include <cblas.h>
#include <lapacke.h>

int hand_normal_eq(const double *x, const double *y, double *w, int64_t n,
                   int64_t d, double lam, double *work)
{
    int D = (int)d, N = (int)n;
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, D, N, 1.0, x, D, 0.0,
                work, D);
    for (int i = 0; i < D; i++)
        work[(int64_t)i * D + i] += lam;
    cblas_dgemv(CblasRowMajor, CblasTrans, N, D, 1.0, x, D, y, 1, 0.0, w, 1);
    return LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', D, 1, work, D, w, 1);
}
