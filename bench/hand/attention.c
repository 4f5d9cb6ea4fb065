/*
 * attention.c -- causal scaled dot-product attention over bh independent
 * (L x D) heads.  Heads are spread over the OpenMP threads; each thread
 * runs single-threaded sgemms (scores = q k^T / sqrt(D), then P @ v) and
 * the masked row softmax in between on its own L x L scratch, so BLAS and
 * OpenMP threads never compete for the cores.
 */
#include "hand.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>

/* Row i keeps columns 0..i; the rest become exact zeros. */
static void causal_softmax(float *s, int64_t len)
{
    for (int64_t i = 0; i < len; i++) {
        float *r = s + i * len;
        float m = r[0];
        for (int64_t j = 1; j <= i; j++)
            m = fmaxf(m, r[j]);
        float sum = 0.0f;
        for (int64_t j = 0; j <= i; j++) {
            float e = expf(r[j] - m);
            r[j] = e;
            sum += e;
        }
        float inv = 1.0f / sum;
        for (int64_t j = 0; j <= i; j++)
            r[j] *= inv;
        for (int64_t j = i + 1; j < len; j++)
            r[j] = 0.0f;
    }
}

void hand_attention(const float *q, const float *k, const float *v,
                    float *out, int64_t bh, int64_t len, int64_t d,
                    float *work, int gemm_only)
{
    int blas_threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    float scale = 1.0f / sqrtf((float)d);
    int L = (int)len, D = (int)d;
#pragma omp parallel for schedule(dynamic, 1)
    for (int64_t h = 0; h < bh; h++) {
        float *s = work + (int64_t)omp_get_thread_num() * len * len;
        const float *qh = q + h * len * d, *kh = k + h * len * d;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, L, L, D, scale,
                    qh, D, kh, D, 0.0f, s, L);
        if (!gemm_only)
            causal_softmax(s, len);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, L, D, L, 1.0f,
                    s, L, v + h * len * d, D, 0.0f, out + h * len * d, D);
    }
    openblas_set_num_threads(blas_threads);
}
