/*
 * cosine_sim.c -- cosine similarity of the rows of A and B: both inputs
 * are row-normalized into small scratch copies, then one sgemm with B
 * transposed by flag writes the result; no pass over the output follows.
 */
#include "hand.h"

#include <cblas.h>
#include <math.h>

static void normalize_rows(const float *a, float *out, int64_t n, int64_t k)
{
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++) {
        float s = 0.0f;
        for (int64_t j = 0; j < k; j++)
            s += a[i * k + j] * a[i * k + j];
        float inv = 1.0f / sqrtf(s);
        for (int64_t j = 0; j < k; j++)
            out[i * k + j] = a[i * k + j] * inv;
    }
}

void hand_cosine_sim(const float *a, const float *b, float *s, int64_t n,
                     int64_t m, int64_t k, float *work, int gemm_only)
{
    const float *an = a, *bn = b;
    if (!gemm_only) {
        normalize_rows(a, work, n, k);
        normalize_rows(b, work + n * k, m, k);
        an = work;
        bn = work + n * k;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)m,
                (int)k, 1.0f, an, (int)k, bn, (int)k, 0.0f, s, (int)m);
}
