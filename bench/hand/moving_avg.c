/*
 * moving_avg.c -- the mean of every window of w consecutive values.  Each
 * thread takes a contiguous run of outputs, sums its first window directly
 * and then slides (add the value entering, subtract the one leaving).
 */
#include "hand.h"

#include <omp.h>

void hand_moving_avg(const double *x, double *out, int64_t n, int64_t w)
{
    int64_t nout = n - w + 1;
    double inv = 1.0 / (double)w;
#pragma omp parallel
    {
        int nt = omp_get_num_threads(), t = omp_get_thread_num();
        int64_t lo = nout * t / nt, hi = nout * (t + 1) / nt;
        if (lo < hi) {
            double s = 0.0;
            for (int64_t i = lo; i < lo + w; i++)
                s += x[i];
            out[lo] = s * inv;
            for (int64_t i = lo + 1; i < hi; i++) {
                s += x[i + w - 1] - x[i - 1];
                out[i] = s * inv;
            }
        }
    }
}
