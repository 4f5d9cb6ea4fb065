/*
 * knn.c -- k-nearest-neighbour classification.  Test rows go in blocks of
 * KNN_BLOCK to the OpenMP threads; each thread computes its block's
 * -2 t.r products with a single-threaded sgemm into its own cache-sized
 * scratch, adds the train norms (the test norm does not change a row's
 * ranking), keeps the k smallest by insertion and votes.
 */
#include "hand.h"

#include <cblas.h>
#include <omp.h>

#define KNN_BLOCK 64
#define KNN_MAXK 64
#define KNN_MAXC 1024

/* Label of row `row` (distances to all nr train rows, norms added). */
static int64_t vote_row(const float *row, const float *r2,
                        const int64_t *labels, int64_t nr, int k, int classes)
{
    float bd[KNN_MAXK];
    int64_t bi[KNN_MAXK];
    int nb = 0;
    for (int64_t j = 0; j < nr; j++) {
        float v = row[j] + r2[j];
        if (nb == k && v >= bd[k - 1])
            continue;
        int p = nb < k ? nb++ : k - 1;
        while (p > 0 && bd[p - 1] > v) {
            bd[p] = bd[p - 1];
            bi[p] = bi[p - 1];
            p--;
        }
        bd[p] = v;
        bi[p] = j;
    }
    int counts[KNN_MAXC] = {0};
    for (int t = 0; t < nb; t++)
        counts[labels[bi[t]]]++;
    int best = 0;
    for (int c = 1; c < classes; c++)
        if (counts[c] > counts[best])
            best = c;
    return best;
}

void hand_knn(const float *test, const float *train, const int64_t *labels,
              int64_t *pred, int64_t nt, int64_t nr, int64_t d, int k,
              int classes, float *work)
{
    int nthreads = omp_get_max_threads();
    float *r2 = work + (int64_t)nthreads * KNN_BLOCK * nr;
#pragma omp parallel for schedule(static)
    for (int64_t j = 0; j < nr; j++) {
        float s = 0.0f;
        for (int64_t t = 0; t < d; t++)
            s += train[j * d + t] * train[j * d + t];
        r2[j] = s;
    }
    int blas_threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
#pragma omp parallel for schedule(dynamic, 1)
    for (int64_t i0 = 0; i0 < nt; i0 += KNN_BLOCK) {
        int nb = (int)(nt - i0 < KNN_BLOCK ? nt - i0 : KNN_BLOCK);
        float *blk = work + (int64_t)omp_get_thread_num() * KNN_BLOCK * nr;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nb, (int)nr,
                    (int)d, -2.0f, test + i0 * d, (int)d, train, (int)d, 0.0f,
                    blk, (int)nr);
        for (int r = 0; r < nb; r++)
            pred[i0 + r] = vote_row(blk + (int64_t)r * nr, r2, labels, nr, k,
                                    classes);
    }
    openblas_set_num_threads(blas_threads);
}
