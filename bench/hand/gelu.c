/* gelu.c -- the tanh form of GELU in one vectorized parallel loop. */
#include "hand.h"

#include <math.h>

void hand_gelu(const float *y, float *out, int64_t n)
{
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++) {
        float v = y[i];
        out[i] = 0.5f * v *
                 (1.0f + tanhf(0.7978845608f * (v + 0.044715f * v * v * v)));
    }
}
