/* l2norm.c -- X / ||X||_2 along rows: the row stays in cache between its
 * two sweeps. */
#include "hand.h"

#include <math.h>

void hand_l2norm(const float *x, float *out, int64_t n, int64_t d)
{
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++) {
        const float *r = x + i * d;
        float s = 0.0f;
        for (int64_t j = 0; j < d; j++)
            s += r[j] * r[j];
        float inv = 1.0f / sqrtf(s);
        for (int64_t j = 0; j < d; j++)
            out[i * d + j] = r[j] * inv;
    }
}
