/* sum.c -- the sum of a float32 vector, in double, across the threads. */
#include "hand.h"

float hand_sum_f32(const float *x, int64_t n)
{
    double s = 0.0;
#pragma omp parallel for schedule(static) reduction(+ : s)
    for (int64_t i = 0; i < n; i++)
        s += x[i];
    return (float)s;
}
