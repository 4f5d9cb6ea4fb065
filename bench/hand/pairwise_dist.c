/*
 * pairwise_dist.c -- Euclidean distances between the rows of A and B:
 * squared row norms, one sgemm (alpha = -2, B transposed by flag), then one
 * epilogue pass that adds the norms, clamps at zero and takes the root.
 */
#include "hand.h"

#include <cblas.h>
#include <math.h>

static void row_sq_norms(const float *a, float *out, int64_t n, int64_t k)
{
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++) {
        float s = 0.0f;
        for (int64_t j = 0; j < k; j++)
            s += a[i * k + j] * a[i * k + j];
        out[i] = s;
    }
}

void hand_pairwise_dist(const float *a, const float *b, float *dist,
                        int64_t n, int64_t m, int64_t k, float *work,
                        int gemm_only)
{
    float *a2 = work, *b2 = work + n;
    if (!gemm_only) {
        row_sq_norms(a, a2, n, k);
        row_sq_norms(b, b2, m, k);
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)m,
                (int)k, gemm_only ? 1.0f : -2.0f, a, (int)k, b, (int)k, 0.0f,
                dist, (int)m);
    if (gemm_only)
        return;
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++) {
        float *r = dist + i * m, ai = a2[i];
        for (int64_t j = 0; j < m; j++)
            r[j] = sqrtf(fmaxf(ai + b2[j] + r[j], 0.0f));
    }
}
