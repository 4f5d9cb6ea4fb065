/* logsumexp.c -- max + log(sum(exp(x - max))) along rows. */
#include "hand.h"

#include <math.h>

void hand_logsumexp(const float *x, float *out, int64_t rows, int64_t cols)
{
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < rows; i++) {
        const float *r = x + i * cols;
        float m = r[0];
        for (int64_t j = 1; j < cols; j++)
            m = fmaxf(m, r[j]);
        float s = 0.0f;
        for (int64_t j = 0; j < cols; j++)
            s += expf(r[j] - m);
        out[i] = m + logf(s);
    }
}
