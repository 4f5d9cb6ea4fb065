/*
 * zscore.c -- (X - mean(X, 0)) / std(X, 0) for an n x d matrix: one sweep
 * accumulates per-column sums and sums of squares (in double, per thread),
 * a second sweep writes the result.
 */
#include "hand.h"

#include <math.h>
#include <omp.h>
#include <string.h>

void hand_zscore(const float *x, float *out, int64_t n, int64_t d,
                 double *work)
{
    int nt = omp_get_max_threads();
    memset(work, 0, sizeof(double) * 2 * (size_t)d * (size_t)nt);
#pragma omp parallel
    {
        double *s = work + 2 * d * omp_get_thread_num(), *q = s + d;
#pragma omp for schedule(static)
        for (int64_t i = 0; i < n; i++) {
            const float *r = x + i * d;
            for (int64_t j = 0; j < d; j++) {
                double v = r[j];
                s[j] += v;
                q[j] += v * v;
            }
        }
    }
    float mean[d], istd[d];
    for (int64_t j = 0; j < d; j++) {
        double s = 0, q = 0;
        for (int t = 0; t < nt; t++) {
            s += work[2 * d * t + j];
            q += work[2 * d * t + d + j];
        }
        double mu = s / (double)n, var = q / (double)n - mu * mu;
        mean[j] = (float)mu;
        istd[j] = (float)(1.0 / sqrt(var > 0 ? var : 0));
    }
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < d; j++)
            out[i * d + j] = (x[i * d + j] - mean[j]) * istd[j];
}
