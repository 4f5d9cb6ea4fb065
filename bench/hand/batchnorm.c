/*
 * batchnorm.c -- training-mode batch normalization of an n x d batch: one
 * sweep for per-column sums and sums of squares (double, per thread), then
 * one sweep out = x * a + b with a = gamma / sqrt(var + eps) and
 * b = beta - mean * a; the running statistics use the unbiased variance.
 */
#include "hand.h"

#include <math.h>
#include <omp.h>
#include <string.h>

void hand_batchnorm(const float *x, const float *gamma, const float *beta,
                    const float *rmean, const float *rvar, float *out,
                    float *new_rmean, float *new_rvar, int64_t n, int64_t d,
                    float momentum, float eps, double *work)
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
    float a[d], b[d];
    for (int64_t j = 0; j < d; j++) {
        double s = 0, q = 0;
        for (int t = 0; t < nt; t++) {
            s += work[2 * d * t + j];
            q += work[2 * d * t + d + j];
        }
        double mu = s / (double)n, var = q / (double)n - mu * mu;
        if (var < 0)
            var = 0;
        a[j] = (float)(gamma[j] / sqrt(var + eps));
        b[j] = (float)(beta[j] - mu * a[j]);
        new_rmean[j] = (float)((1.0 - momentum) * rmean[j] + momentum * mu);
        new_rvar[j] = (float)((1.0 - momentum) * rvar[j] +
                              momentum * var * (double)n / (double)(n - 1));
    }
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < d; j++)
            out[i * d + j] = x[i * d + j] * a[j] + b[j];
}
