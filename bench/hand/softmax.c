/*
 * softmax.c -- row softmax: one sweep for the max, one that writes exp and
 * sums it, one that scales; the row stays in cache between sweeps.
 */
#include "hand.h"

#include <math.h>

void hand_softmax(const float *x, float *y, int64_t rows, int64_t cols)
{
#pragma omp parallel for schedule(static) if (rows * cols >= 32768)
    for (int64_t i = 0; i < rows; i++) {
        const float *r = x + i * cols;
        float *o = y + i * cols;
        float m = r[0];
        for (int64_t j = 1; j < cols; j++)
            m = fmaxf(m, r[j]);
        float s = 0.0f;
        for (int64_t j = 0; j < cols; j++) {
            float e = expf(r[j] - m);
            o[j] = e;
            s += e;
        }
        float inv = 1.0f / s;
        for (int64_t j = 0; j < cols; j++)
            o[j] *= inv;
    }
}
