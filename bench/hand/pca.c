/*
 * pca.c -- projection on the top k principal components: column means
 * (per-thread partial sums), a centered copy, its covariance by dsyrk,
 * dsyevd for the eigenvectors, and one dgemm onto the k components of the
 * largest eigenvalues, largest first.
 */
#include "hand.h"

#include <cblas.h>
#include <lapacke.h>
#include <omp.h>
#include <string.h>

int hand_pca(const double *x, double *proj, int64_t n, int64_t d, int k,
             double *work)
{
    int nt = omp_get_max_threads();
    double *xc = work, *cov = xc + n * d, *ev = cov + d * d, *vk = ev + d;
    double *part = vk + d * k;
    memset(part, 0, sizeof(double) * (size_t)d * (size_t)nt);
#pragma omp parallel
    {
        double *s = part + d * omp_get_thread_num();
#pragma omp for schedule(static)
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < d; j++)
                s[j] += x[i * d + j];
    }
    double mean[d];
    for (int64_t j = 0; j < d; j++) {
        double s = 0;
        for (int t = 0; t < nt; t++)
            s += part[d * t + j];
        mean[j] = s / (double)n;
    }
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < d; j++)
            xc[i * d + j] = x[i * d + j] - mean[j];
    int D = (int)d, N = (int)n;
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, D, N,
                1.0 / (double)(n - 1), xc, D, 0.0, cov, D);
    int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', D, cov, D, ev);
    if (info)
        return info;
    for (int64_t r = 0; r < d; r++)
        for (int t = 0; t < k; t++)
            vk[r * k + t] = cov[r * d + (d - 1 - t)];
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, k, D, 1.0, xc,
                D, vk, k, 0.0, proj, k);
    return 0;
}
