/* sigmoid.c -- 1 / (1 + exp(-y)) in one vectorized parallel loop. */
#include "hand.h"

#include <math.h>

void hand_sigmoid(const float *y, float *out, int64_t n)
{
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++)
        out[i] = 1.0f / (1.0f + expf(-y[i]));
}
