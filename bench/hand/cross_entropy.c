/*
 * cross_entropy.c -- mean of -log(softmax(logits)[i, label_i] + 1e-12):
 * per row a max sweep and an exp-sum sweep; only the labelled probability
 * is ever formed.
 */
#include "hand.h"

#include <math.h>

float hand_cross_entropy(const float *logits, const int64_t *labels,
                         int64_t n, int64_t c)
{
    double loss = 0.0;
#pragma omp parallel for schedule(static) reduction(+ : loss)
    for (int64_t i = 0; i < n; i++) {
        const float *r = logits + i * c;
        float m = r[0];
        for (int64_t j = 1; j < c; j++)
            m = fmaxf(m, r[j]);
        float s = 0.0f;
        for (int64_t j = 0; j < c; j++)
            s += expf(r[j] - m);
        float p = expf(r[labels[i]] - m) / s;
        loss += -logf(p + 1e-12f);
    }
    return (float)(loss / (double)n);
}
