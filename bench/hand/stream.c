/*
 * stream.c -- thread control for the hand-written baselines, and the
 * STREAM kernels (copy, triad) with which the suite measures the machine's
 * memory bandwidth.
 */
#include "hand.h"

#include <cblas.h>
#include <omp.h>

void hand_set_threads(int n)
{
    omp_set_num_threads(n);
    openblas_set_num_threads(n);
}

int hand_threads(void)
{
    return omp_get_max_threads();
}

/* First touch in parallel with the same static schedule as the kernels,
 * so that pages are spread as the kernels will read them. */
void stream_init(double *a, double *b, double *c, int64_t n)
{
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++) {
        a[i] = 1.0;
        b[i] = 2.0;
        c[i] = 0.5;
    }
}

void stream_copy(double *a, const double *b, int64_t n)
{
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++)
        a[i] = b[i];
}

void stream_triad(double *a, const double *b, const double *c, double s,
                  int64_t n)
{
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++)
        a[i] = b[i] + s * c[i];
}
