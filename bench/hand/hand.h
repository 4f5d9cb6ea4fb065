/*
 * hand.h -- the hand-written C baselines of the benchmark suite.
 *
 * Each function is what a careful C programmer writes for one workload of
 * ../../../shared/BENCH.md: one fused loop (plus the BLAS/LAPACK calls the
 * workload needs), OpenMP across the threads set by hand_set_threads().
 * These files are compiled with exactly `gcc -O3 -march=native -ffast-math
 * -fopenmp` (see bench/CMakeLists.txt) and see only this header, the C
 * library, OpenMP, CBLAS and LAPACKE -- never loom.
 *
 * Inputs are C-ordered and read-only; outputs and workspaces are allocated
 * by the caller (outside the timed region) with the sizes stated per
 * function.  Nothing here allocates more than a few kilobytes per call.
 */
#ifndef LOOM_BENCH_HAND_H
#define LOOM_BENCH_HAND_H

#include <stdint.h>

/* Sets the OpenMP and OpenBLAS thread counts used by every function here. */
void hand_set_threads(int n);
/* The thread count last set (OpenMP's max threads). */
int hand_threads(void);

/* ---- machine: STREAM kernels over n doubles, in parallel ---- */
void stream_init(double *a, double *b, double *c, int64_t n);
void stream_copy(double *a, const double *b, int64_t n);
void stream_triad(double *a, const double *b, const double *c, double s,
                  int64_t n);

/* ---- fused elementwise / reduction chains ---- */
/* y = softmax(x) along rows of a rows x cols matrix */
void hand_softmax(const float *x, float *y, int64_t rows, int64_t cols);
/* out = 1 / (1 + exp(-y)) */
void hand_sigmoid(const float *y, float *out, int64_t n);
/* out = 0.5*y*(1 + tanh(0.7978845608*(y + 0.044715*y^3))) */
void hand_gelu(const float *y, float *out, int64_t n);
/* out = (X - mean(X, 0)) / std(X, 0); work: 2 * d * threads doubles */
void hand_zscore(const float *x, float *out, int64_t n, int64_t d,
                 double *work);
/* out = X / ||X||_2 along rows */
void hand_l2norm(const float *x, float *out, int64_t n, int64_t d);
/* out[i] = max_i + log(sum_j exp(x[i,j] - max_i)) */
void hand_logsumexp(const float *x, float *out, int64_t rows, int64_t cols);
/* mean over rows of -log(softmax(logits)[i, labels[i]] + 1e-12) */
float hand_cross_entropy(const float *logits, const int64_t *labels,
                         int64_t n, int64_t c);
/* batch-norm forward (training): out (n x d), new running mean/var (d);
 * work: 2 * d * threads doubles */
void hand_batchnorm(const float *x, const float *gamma, const float *beta,
                    const float *rmean, const float *rvar, float *out,
                    float *new_rmean, float *new_rvar, int64_t n, int64_t d,
                    float momentum, float eps, double *work);
/* the sum of n floats (accumulated in double) */
float hand_sum_f32(const float *x, int64_t n);
/* ma[i] = mean(x[i .. i+w-1]), n - w + 1 outputs */
void hand_moving_avg(const double *x, double *out, int64_t n, int64_t w);

/* ---- GEMM leaves with epilogues.  gemm_only: run just the BLAS calls
 * (the "GEMM alone" reference of the targets) ---- */
/* D = sqrt(max(|a_i|^2 + |b_j|^2 - 2 a_i.b_j, 0)); A n x k, B m x k;
 * work: n + m floats */
void hand_pairwise_dist(const float *a, const float *b, float *dist,
                        int64_t n, int64_t m, int64_t k, float *work,
                        int gemm_only);
/* S = (A / |A|_rows) @ (B / |B|_rows)^T; work: (n + m) * k floats */
void hand_cosine_sim(const float *a, const float *b, float *s, int64_t n,
                     int64_t m, int64_t k, float *work, int gemm_only);
/* causal softmax(q k^T / sqrt(d)) @ v over (batch*heads) of L x D;
 * work: threads * L * L floats */
void hand_attention(const float *q, const float *k, const float *v,
                    float *out, int64_t bh, int64_t len, int64_t d,
                    float *work, int gemm_only);
/* out = A @ (B @ C), the best order; A i x j, B j x k, C k x l;
 * work: j * l doubles */
void hand_einsum_chain(const double *a, const double *b, const double *c,
                       double *out, int64_t i, int64_t j, int64_t k,
                       int64_t l, double *work);
/* pred[i] = most common label among the k nearest train rows (squared
 * Euclidean distance; ties of the vote go to the smallest label);
 * work: threads * 64 * nr + nr floats */
void hand_knn(const float *test, const float *train, const int64_t *labels,
              int64_t *pred, int64_t nt, int64_t nr, int64_t d, int k,
              int classes, float *work);

/* ---- LAPACK ---- */
/* w = solve(X^T X + lam I, X^T y); work: d * d doubles; returns the LAPACK
 * info (0 on success) */
int hand_normal_eq(const double *x, const double *y, double *w, int64_t n,
                   int64_t d, double lam, double *work);
/* proj = Xc @ V[:, top k] (components by decreasing eigenvalue);
 * work: n * d + d * d + d + d * k + threads * d doubles; returns the
 * LAPACK info */
int hand_pca(const double *x, double *proj, int64_t n, int64_t d, int k,
             double *work);

#endif
