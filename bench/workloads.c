/*
 * workloads.c -- the workloads of ../shared/BENCH.md (and the extra speed
 * checks of the issues: a float32 sum, sort, argsort).
 *
 * Each workload draws its inputs with loom's default_rng in exactly the
 * order its NumPy script (bench/numpy/<name>.py) draws them, so all four
 * versions see the same numbers; builds the program with the public API the
 * way the NumPy script spells it (operator for operator, so that the
 * comparison is of engines, not of programs); and adapts the hand-written
 * baseline of bench/hand/ to the same inputs.  bytes() is what must move to
 * and from memory at the least, flops() the GEMM-class floating-point work;
 * they give the roofline.
 */
#include "bench.h"
#include "hand/hand.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define S(v) loom_scalar(d->ctx, (v))
#define SI(v) loom_scalar_int(d->ctx, (v))

/* Realizes a drawn input and appends it; the failed array is kept too so
 * that the driver can report its error. */
static loom_status add_input(wl_data *d, loom_array *a)
{
    loom_status st = loom_eval(a);
    d->in[d->nin] = a;
    d->host[d->nin] = st == LOOM_OK ? loom_data(a) : NULL;
    d->nin++;
    return st;
}

static loom_status normal(wl_data *d, loom_rng *rng, loom_shape s,
                          loom_dtype t)
{
    return add_input(d, loom_rng_standard_normal(rng, s, t));
}

/* A 64-byte aligned, zeroed (so: touched, no page faults while timed)
 * buffer of n elements of size es; NULL on failure. */
static void *buf_alloc(int64_t n, size_t es)
{
    size_t bytes = ((size_t)(n > 0 ? n : 1) * es + 63) & ~(size_t)63;
    void *p = aligned_alloc(64, bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

static bool hout(wl_data *d, loom_dtype t, int64_t n)
{
    int i = d->nhout;
    d->hout[i] = buf_alloc(n, loom_dtype_size(t));
    d->hout_dtype[i] = t;
    d->hout_n[i] = n;
    if (d->hout[i])
        d->nhout++;
    return d->hout[i] != NULL;
}

static bool work(wl_data *d, int64_t n, size_t es)
{
    return (d->work = buf_alloc(n, es)) != NULL;
}

void wl_data_free(wl_data *d)
{
    for (int i = 0; i < d->nhout; i++)
        free(d->hout[i]);
    d->nhout = 0;
    free(d->work);
    d->work = NULL;
}

void wl_dims_str(const workload *w, const int64_t *dims, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = 0;
    for (int i = 0; i < w->ndims && len < n; i++) {
        int64_t v = dims[i];
        int p = 0;
        while (p < 62 && ((int64_t)1 << p) < v)
            p++;
        bool pow2 = v > 65536 && ((int64_t)1 << p) == v;
        len += (size_t)(pow2 ? snprintf(buf + len, n - len, "%s2^%d",
                                        i ? "x" : "", p)
                             : snprintf(buf + len, n - len, "%s%lld",
                                        i ? "x" : "", (long long)v));
    }
}

static loom_array *softmax_axis(loom_array *x, int axis)
{
    loom_array *e = loom_exp(loom_subtract(x, loom_max(x, axis, true)));
    return loom_divide(e, loom_sum(e, axis, true));
}

static double none(const int64_t *dm)
{
    (void)dm;
    return 0;
}

/* ---------------------------------------------------------------- softmax */

static loom_status in_matrix_f32(wl_data *d, loom_rng *rng)
{
    return normal(d, rng, LOOM_SHAPE(d->dims[0], d->dims[1]), LOOM_FLOAT32);
}

static int softmax_build(wl_data *d, loom_array **out)
{
    out[0] = softmax_axis(d->in[0], 1);
    return 1;
}

static bool softmax_prep(wl_data *d)
{
    return hout(d, LOOM_FLOAT32, d->dims[0] * d->dims[1]);
}

static void softmax_hand(wl_data *d, bool g)
{
    (void)g;
    hand_softmax(d->host[0], d->hout[0], d->dims[0], d->dims[1]);
}

static double rw_matrix_f32(const int64_t *dm)
{
    return 2.0 * 4 * (double)dm[0] * (double)dm[1];
}

/* --------------------------------------------------------- sigmoid, gelu */

static loom_status in_vector_f32(wl_data *d, loom_rng *rng)
{
    return normal(d, rng, LOOM_SHAPE(d->dims[0]), LOOM_FLOAT32);
}

static int sigmoid_build(wl_data *d, loom_array **out)
{
    out[0] = loom_divide(SI(1), loom_add(SI(1), loom_exp(loom_negative(
                                                    d->in[0]))));
    return 1;
}

static bool vector_f32_prep(wl_data *d)
{
    return hout(d, LOOM_FLOAT32, d->dims[0]);
}

static void sigmoid_hand(wl_data *d, bool g)
{
    (void)g;
    hand_sigmoid(d->host[0], d->hout[0], d->dims[0]);
}

static double rw_vector_f32(const int64_t *dm)
{
    return 2.0 * 4 * (double)dm[0];
}

static int gelu_build(wl_data *d, loom_array **out)
{
    loom_array *y = d->in[0];
    loom_array *inner = loom_add(y, loom_multiply(S(0.044715),
                                                  loom_power(y, SI(3))));
    loom_array *t = loom_tanh(loom_multiply(S(0.7978845608), inner));
    out[0] = loom_multiply(loom_multiply(S(0.5), y), loom_add(SI(1), t));
    return 1;
}

static void gelu_hand(wl_data *d, bool g)
{
    (void)g;
    hand_gelu(d->host[0], d->hout[0], d->dims[0]);
}

/* ---------------------------------------------------------- zscore, l2norm */

static int zscore_build(wl_data *d, loom_array **out)
{
    loom_array *X = d->in[0];
    out[0] = loom_divide(loom_subtract(X, loom_mean(X, 0, false)),
                         loom_std(X, 0, false, 0));
    return 1;
}

static bool zscore_prep(wl_data *d)
{
    return hout(d, LOOM_FLOAT32, d->dims[0] * d->dims[1]) &&
           work(d, 2 * d->dims[1] * hand_threads(), sizeof(double));
}

static void zscore_hand(wl_data *d, bool g)
{
    (void)g;
    hand_zscore(d->host[0], d->hout[0], d->dims[0], d->dims[1], d->work);
}

/* stats sweep, then read and write */
static double zscore_bytes(const int64_t *dm)
{
    return 3.0 * 4 * (double)dm[0] * (double)dm[1];
}

static int l2norm_build(wl_data *d, loom_array **out)
{
    loom_array *X = d->in[0];
    out[0] = loom_divide(X, loom_linalg_norm(X, LOOM_ORD_DEFAULT,
                                             LOOM_AXES(1), true));
    return 1;
}

static void l2norm_hand(wl_data *d, bool g)
{
    (void)g;
    hand_l2norm(d->host[0], d->hout[0], d->dims[0], d->dims[1]);
}

/* --------------------------------------------------------------- logsumexp */

static int logsumexp_build(wl_data *d, loom_array **out)
{
    loom_array *x = d->in[0], *m = loom_max(x, 1, true);
    out[0] = loom_add(m, loom_log(loom_sum(loom_exp(loom_subtract(x, m)), 1,
                                           true)));
    return 1;
}

static bool logsumexp_prep(wl_data *d)
{
    return hout(d, LOOM_FLOAT32, d->dims[0]);
}

static void logsumexp_hand(wl_data *d, bool g)
{
    (void)g;
    hand_logsumexp(d->host[0], d->hout[0], d->dims[0], d->dims[1]);
}

static double logsumexp_bytes(const int64_t *dm)
{
    return 4.0 * (double)dm[0] * (double)(dm[1] + 1);
}

/* ----------------------------------------------------------- cross_entropy */

static loom_status ce_inputs(wl_data *d, loom_rng *rng)
{
    loom_status st = in_matrix_f32(d, rng);
    if (st)
        return st;
    return add_input(d, loom_rng_integers(rng, 0, d->dims[1],
                                          LOOM_SHAPE(d->dims[0]), LOOM_INT64,
                                          false));
}

static int ce_build(wl_data *d, loom_array **out)
{
    loom_array *probs = softmax_axis(d->in[0], 1);
    loom_array *rows = loom_arange(d->ctx, 0, (double)d->dims[0], 1,
                                   LOOM_DEFAULT_DTYPE);
    loom_array *picked = LOOM_GET(probs, LOOM_IDX(rows), LOOM_IDX(d->in[1]));
    out[0] = loom_negative(loom_mean(loom_log(loom_add(picked, S(1e-12))),
                                     LOOM_ALL, false));
    return 1;
}

static bool ce_prep(wl_data *d)
{
    return hout(d, LOOM_FLOAT32, 1);
}

static void ce_hand(wl_data *d, bool g)
{
    (void)g;
    *(float *)d->hout[0] = hand_cross_entropy(d->host[0], d->host[1],
                                              d->dims[0], d->dims[1]);
}

static double ce_bytes(const int64_t *dm)
{
    return 4.0 * (double)dm[0] * (double)dm[1] + 8.0 * (double)dm[0];
}

/* ------------------------------------------------ pairwise_dist, cosine_sim */

static loom_status ab_inputs(wl_data *d, loom_rng *rng)
{
    loom_status st = normal(d, rng, LOOM_SHAPE(d->dims[0], d->dims[2]),
                            LOOM_FLOAT32);
    if (st)
        return st;
    return normal(d, rng, LOOM_SHAPE(d->dims[1], d->dims[2]), LOOM_FLOAT32);
}

static int pairwise_build(wl_data *d, loom_array **out)
{
    loom_array *A = d->in[0], *B = d->in[1];
    loom_array *a2 = loom_sum(loom_multiply(A, A), 1, true);
    loom_array *b2 = loom_sum(loom_multiply(B, B), 1, true);
    /* Python: 2 * A @ B.T is (2 * A) @ B.T */
    loom_array *g = loom_matmul(loom_multiply(SI(2), A), loom_T(B));
    out[0] = loom_sqrt(loom_maximum(loom_subtract(loom_add(a2, loom_T(b2)), g),
                                    SI(0)));
    return 1;
}

static bool ab_prep(wl_data *d)
{
    return hout(d, LOOM_FLOAT32, d->dims[0] * d->dims[1]) &&
           work(d, (d->dims[0] + d->dims[1]) * d->dims[2], sizeof(float));
}

static void pairwise_hand(wl_data *d, bool g)
{
    hand_pairwise_dist(d->host[0], d->host[1], d->hout[0], d->dims[0],
                       d->dims[1], d->dims[2], d->work, g);
}

static double ab_bytes(const int64_t *dm)
{
    return 4.0 * ((double)(dm[0] + dm[1]) * (double)dm[2] +
                  (double)dm[0] * (double)dm[1]);
}

static double ab_flops(const int64_t *dm)
{
    return 2.0 * (double)dm[0] * (double)dm[1] * (double)dm[2];
}

static int cosine_build(wl_data *d, loom_array **out)
{
    loom_array *A = d->in[0], *B = d->in[1];
    loom_array *An = loom_divide(A, loom_linalg_norm(A, LOOM_ORD_DEFAULT,
                                                     LOOM_AXES(1), true));
    loom_array *Bn = loom_divide(B, loom_linalg_norm(B, LOOM_ORD_DEFAULT,
                                                     LOOM_AXES(1), true));
    out[0] = loom_matmul(An, loom_T(Bn));
    return 1;
}

static void cosine_hand(wl_data *d, bool g)
{
    hand_cosine_sim(d->host[0], d->host[1], d->hout[0], d->dims[0],
                    d->dims[1], d->dims[2], d->work, g);
}

/* --------------------------------------------------------------- attention */

static loom_status attn_inputs(wl_data *d, loom_rng *rng)
{
    loom_shape s = LOOM_SHAPE(d->dims[0], d->dims[1], d->dims[2], d->dims[3]);
    for (int i = 0; i < 3; i++) {
        loom_status st = normal(d, rng, s, LOOM_FLOAT32);
        if (st)
            return st;
    }
    return LOOM_OK;
}

static int attn_build(wl_data *d, loom_array **out)
{
    int64_t L = d->dims[2], D = d->dims[3];
    loom_array *qk[2] = {d->in[0], d->in[1]};
    loom_array *s = loom_divide(loom_einsum("bhid,bhjd->bhij", 2, qk, false),
                                S(sqrt((double)D)));
    loom_array *ar = loom_arange(d->ctx, 0, (double)L, 1, LOOM_DEFAULT_DTYPE);
    loom_array *mask = loom_less_equal(LOOM_GET(ar, LOOM_NEWAXIS, LOOM_COLON),
                                       LOOM_GET(ar, LOOM_COLON, LOOM_NEWAXIS));
    s = loom_where(mask, s, S(-INFINITY));
    out[0] = loom_matmul(softmax_axis(s, -1), d->in[2]);
    return 1;
}

static bool attn_prep(wl_data *d)
{
    int64_t bh = d->dims[0] * d->dims[1], L = d->dims[2];
    return hout(d, LOOM_FLOAT32, bh * L * d->dims[3]) &&
           work(d, (int64_t)hand_threads() * L * L, sizeof(float));
}

static void attn_hand(wl_data *d, bool g)
{
    hand_attention(d->host[0], d->host[1], d->host[2], d->hout[0],
                   d->dims[0] * d->dims[1], d->dims[2], d->dims[3], d->work,
                   g);
}

static double attn_bytes(const int64_t *dm)
{
    return 4.0 * 4 * (double)(dm[0] * dm[1] * dm[2] * dm[3]);
}

static double attn_flops(const int64_t *dm)
{
    return 4.0 * (double)(dm[0] * dm[1]) * (double)(dm[2] * dm[2]) *
           (double)dm[3];
}

/* ------------------------------------------------------------ einsum_chain */

static loom_status chain_inputs(wl_data *d, loom_rng *rng)
{
    const int64_t *m = d->dims;
    loom_status st = normal(d, rng, LOOM_SHAPE(m[0], m[1]), LOOM_FLOAT64);
    if (!st)
        st = normal(d, rng, LOOM_SHAPE(m[1], m[2]), LOOM_FLOAT64);
    if (!st)
        st = normal(d, rng, LOOM_SHAPE(m[2], m[3]), LOOM_FLOAT64);
    return st;
}

static int chain_build(wl_data *d, loom_array **out)
{
    out[0] = loom_einsum("ij,jk,kl->il", 3, d->in, true);
    return 1;
}

static bool chain_prep(wl_data *d)
{
    return hout(d, LOOM_FLOAT64, d->dims[0] * d->dims[3]) &&
           work(d, d->dims[1] * d->dims[3], sizeof(double));
}

static void chain_hand(wl_data *d, bool g)
{
    (void)g;
    hand_einsum_chain(d->host[0], d->host[1], d->host[2], d->hout[0],
                      d->dims[0], d->dims[1], d->dims[2], d->dims[3], d->work);
}

static double chain_bytes(const int64_t *m)
{
    return 8.0 * (double)(m[0] * m[1] + m[1] * m[2] + m[2] * m[3] +
                          m[0] * m[3]);
}

/* the best order: A @ (B @ C) */
static double chain_flops(const int64_t *m)
{
    return 2.0 * (double)(m[1] * m[2] * m[3]) +
           2.0 * (double)(m[0] * m[1] * m[3]);
}

/* --------------------------------------------------------------- batchnorm */

#define BN_MOMENTUM 0.1
#define BN_EPS 1e-5

static loom_status bn_inputs(wl_data *d, loom_rng *rng)
{
    int64_t n = d->dims[0], f = d->dims[1];
    loom_status st = normal(d, rng, LOOM_SHAPE(n, f), LOOM_FLOAT32);
    for (int i = 0; i < 3 && !st; i++)
        st = normal(d, rng, LOOM_SHAPE(f), LOOM_FLOAT32);
    if (!st)
        st = add_input(d, loom_rng_random(rng, LOOM_SHAPE(f), LOOM_FLOAT32));
    return st;
}

static int bn_build(wl_data *d, loom_array **out)
{
    loom_array *X = d->in[0], *gamma = d->in[1], *beta = d->in[2];
    loom_array *rm = d->in[3], *rv = d->in[4];
    double n = (double)d->dims[0];
    loom_array *mu = loom_mean(X, 0, false), *var = loom_var(X, 0, false, 0);
    loom_array *xhat = loom_divide(loom_subtract(X, mu),
                                   loom_sqrt(loom_add(var, S(BN_EPS))));
    out[0] = loom_add(loom_multiply(gamma, xhat), beta);
    out[1] = loom_add(loom_multiply(S(1 - BN_MOMENTUM), rm),
                      loom_multiply(S(BN_MOMENTUM), mu));
    out[2] = loom_add(loom_multiply(S(1 - BN_MOMENTUM), rv),
                      loom_multiply(loom_multiply(S(BN_MOMENTUM), var),
                                    S(n / (n - 1))));
    return 3;
}

static bool bn_prep(wl_data *d)
{
    int64_t n = d->dims[0], f = d->dims[1];
    return hout(d, LOOM_FLOAT32, n * f) && hout(d, LOOM_FLOAT32, f) &&
           hout(d, LOOM_FLOAT32, f) &&
           work(d, 2 * f * hand_threads(), sizeof(double));
}

static void bn_hand(wl_data *d, bool g)
{
    (void)g;
    hand_batchnorm(d->host[0], d->host[1], d->host[2], d->host[3], d->host[4],
                   d->hout[0], d->hout[1], d->hout[2], d->dims[0], d->dims[1],
                   (float)BN_MOMENTUM, (float)BN_EPS, d->work);
}

/* ---------------------------------------------------------------------- knn */

#define KNN_K 5
#define KNN_CLASSES 10

static loom_status knn_inputs(wl_data *d, loom_rng *rng)
{
    int64_t nt = d->dims[0], nr = d->dims[1], f = d->dims[2];
    loom_status st = normal(d, rng, LOOM_SHAPE(nt, f), LOOM_FLOAT32);
    if (!st)
        st = normal(d, rng, LOOM_SHAPE(nr, f), LOOM_FLOAT32);
    if (!st)
        st = add_input(d, loom_rng_integers(rng, 0, KNN_CLASSES,
                                            LOOM_SHAPE(nr), LOOM_INT64,
                                            false));
    return st;
}

static int knn_build(wl_data *d, loom_array **out)
{
    loom_array *test = d->in[0], *train = d->in[1], *labels = d->in[2];
    loom_array *t2 = loom_sum(loom_multiply(test, test), 1, true);
    loom_array *r2 = loom_sum(loom_multiply(train, train), 1, true);
    loom_array *d2 = loom_subtract(
        loom_add(t2, loom_T(r2)),
        loom_matmul(loom_multiply(SI(2), test), loom_T(train)));
    int64_t kth = KNN_K - 1;
    loom_array *idx = LOOM_GET(loom_argpartition(d2, 1, &kth, 1), LOOM_COLON,
                               LOOM_SL(LOOM_END, KNN_K, LOOM_END));
    loom_array *votes = LOOM_GET(labels, LOOM_IDX(idx));
    loom_array *classes = loom_arange(d->ctx, 0, KNN_CLASSES, 1,
                                      LOOM_DEFAULT_DTYPE);
    loom_array *hits = loom_equal(
        LOOM_GET(votes, LOOM_COLON, LOOM_COLON, LOOM_NEWAXIS), classes);
    out[0] = loom_argmax(loom_sum(hits, 1, false), 1, false);
    return 1;
}

static bool knn_prep(wl_data *d)
{
    int64_t nr = d->dims[1];
    return hout(d, LOOM_INT64, d->dims[0]) &&
           work(d, (int64_t)hand_threads() * 64 * nr + nr, sizeof(float));
}

static void knn_hand(wl_data *d, bool g)
{
    (void)g;
    hand_knn(d->host[0], d->host[1], d->host[2], d->hout[0], d->dims[0],
             d->dims[1], d->dims[2], KNN_K, KNN_CLASSES, d->work);
}

static double knn_bytes(const int64_t *m)
{
    return 4.0 * (double)((m[0] + m[1]) * m[2]) + 8.0 * (double)(m[0] + m[1]);
}

static double knn_flops(const int64_t *m)
{
    return 2.0 * (double)m[0] * (double)m[1] * (double)m[2];
}

/* -------------------------------------------------------------- moving_avg */

#define MA_W 50

static loom_status in_vector_f64(wl_data *d, loom_rng *rng)
{
    return normal(d, rng, LOOM_SHAPE(d->dims[0]), LOOM_FLOAT64);
}

static int ma_build(wl_data *d, loom_array **out)
{
    loom_array *c = loom_cumsum(loom_insert(d->in[0], 0, S(0.0), LOOM_ALL),
                                LOOM_ALL);
    loom_array *hi = LOOM_GET(c, LOOM_SL(MA_W, LOOM_END, LOOM_END));
    loom_array *lo = LOOM_GET(c, LOOM_SL(LOOM_END, -MA_W, LOOM_END));
    out[0] = loom_divide(loom_subtract(hi, lo), SI(MA_W));
    return 1;
}

static bool ma_prep(wl_data *d)
{
    return hout(d, LOOM_FLOAT64, d->dims[0] - MA_W + 1);
}

static void ma_hand(wl_data *d, bool g)
{
    (void)g;
    hand_moving_avg(d->host[0], d->hout[0], d->dims[0], MA_W);
}

static double ma_bytes(const int64_t *m)
{
    return 2.0 * 8 * (double)m[0];
}

/* --------------------------------------------------------------- normal_eq */

#define NE_LAM 1e-3

static loom_status ne_inputs(wl_data *d, loom_rng *rng)
{
    loom_status st = normal(d, rng, LOOM_SHAPE(d->dims[0], d->dims[1]),
                            LOOM_FLOAT64);
    if (!st)
        st = normal(d, rng, LOOM_SHAPE(d->dims[0]), LOOM_FLOAT64);
    return st;
}

static int ne_build(wl_data *d, loom_array **out)
{
    loom_array *X = d->in[0], *y = d->in[1];
    loom_array *eye = loom_eye(d->ctx, d->dims[1], -1, 0, LOOM_FLOAT64);
    loom_array *A = loom_add(loom_matmul(loom_T(X), X),
                             loom_multiply(S(NE_LAM), eye));
    out[0] = loom_linalg_solve(A, loom_matmul(loom_T(X), y));
    return 1;
}

static bool ne_prep(wl_data *d)
{
    return hout(d, LOOM_FLOAT64, d->dims[1]) &&
           work(d, d->dims[1] * d->dims[1], sizeof(double));
}

static void ne_hand(wl_data *d, bool g)
{
    (void)g;
    d->status = hand_normal_eq(d->host[0], d->host[1], d->hout[0], d->dims[0],
                               d->dims[1], NE_LAM, d->work);
}

static double ne_bytes(const int64_t *m)
{
    return 8.0 * (double)m[0] * (double)(m[1] + 1);
}

/* X^T X exploiting symmetry, and X^T y */
static double ne_flops(const int64_t *m)
{
    return (double)m[0] * (double)m[1] * (double)(m[1] + 2);
}

/* --------------------------------------------------------------------- pca */

#define PCA_K 16

static loom_status in_matrix_f64(wl_data *d, loom_rng *rng)
{
    return normal(d, rng, LOOM_SHAPE(d->dims[0], d->dims[1]), LOOM_FLOAT64);
}

static int pca_build(wl_data *d, loom_array **out)
{
    loom_array *X = d->in[0];
    loom_array *Xc = loom_subtract(X, loom_mean(X, 0, false));
    loom_array *C = loom_divide(loom_matmul(loom_T(Xc), Xc),
                                SI(d->dims[0] - 1));
    loom_array *w = NULL, *V = NULL;
    loom_status st = loom_linalg_eigh(C, 'L', &w, &V);
    if (st != LOOM_OK && (!V || loom_status_of(V) == LOOM_OK)) {
        /* no poisoned output carries the reason */
        const char *why = loom_ctx_error(d->ctx);
        snprintf(d->why, sizeof d->why, "loom_linalg_eigh: %s",
                 why && *why ? why : loom_status_name(st));
        return 0;
    }
    loom_array *Vk = LOOM_GET(LOOM_GET(V, LOOM_COLON,
                                       LOOM_SL(LOOM_END, LOOM_END, -1)),
                              LOOM_COLON, LOOM_SL(LOOM_END, PCA_K, LOOM_END));
    out[0] = loom_matmul(Xc, Vk);
    return 1;
}

static bool pca_prep(wl_data *d)
{
    int64_t n = d->dims[0], f = d->dims[1];
    return hout(d, LOOM_FLOAT64, n * PCA_K) &&
           work(d, n * f + f * f + f + f * PCA_K + f * hand_threads(),
                sizeof(double));
}

static void pca_hand(wl_data *d, bool g)
{
    (void)g;
    d->status = hand_pca(d->host[0], d->hout[0], d->dims[0], d->dims[1],
                         PCA_K, d->work);
}

static double pca_bytes(const int64_t *m)
{
    return 8.0 * (3.0 * (double)m[0] * (double)m[1] +
                  (double)m[0] * PCA_K);
}

static double pca_flops(const int64_t *m)
{
    return (double)m[0] * (double)m[1] * (double)(m[1] + 2 * PCA_K);
}

/* ------------------------------------------------------ sum, sort, argsort */

static int sum_build(wl_data *d, loom_array **out)
{
    out[0] = loom_sum(d->in[0], LOOM_ALL, false);
    return 1;
}

static bool sum_prep(wl_data *d)
{
    return hout(d, LOOM_FLOAT32, 1);
}

static void sum_hand(wl_data *d, bool g)
{
    (void)g;
    *(float *)d->hout[0] = hand_sum_f32(d->host[0], d->dims[0]);
}

static double read_vector_f32(const int64_t *m)
{
    return 4.0 * (double)m[0];
}

static int sort_build(wl_data *d, loom_array **out)
{
    out[0] = loom_sort(d->in[0], -1);
    return 1;
}

static int argsort_build(wl_data *d, loom_array **out)
{
    out[0] = loom_argsort(d->in[0], -1);
    return 1;
}

/* -------------------------------------------------------------- the table */

#define P2(e) ((int64_t)1 << (e))

const workload bench_workloads[] = {
    {.name = "softmax",
     .what = "e = exp(x - x.max(1, keepdims)); e / e.sum(1, keepdims)",
     .ndims = 2, .full = {4096, 4096}, .quick = {1024, 4096},
     .targets = TGT_CHAIN | TGT_STREAM, .inputs = in_matrix_f32,
     .build = softmax_build, .hand_prep = softmax_prep, .hand = softmax_hand,
     .bytes = rw_matrix_f32, .flops = none},
    {.name = "sigmoid", .what = "1 / (1 + exp(-y))", .ndims = 1,
     .full = {P2(24)}, .quick = {P2(23)}, .targets = TGT_CHAIN | TGT_STREAM,
     .inputs = in_vector_f32, .build = sigmoid_build,
     .hand_prep = vector_f32_prep, .hand = sigmoid_hand,
     .bytes = rw_vector_f32, .flops = none},
    {.name = "gelu", .what = "0.5*y*(1+tanh(0.7978845608*(y+0.044715*y**3)))",
     .ndims = 1, .full = {P2(24)}, .quick = {P2(23)},
     .targets = TGT_CHAIN | TGT_STREAM, .inputs = in_vector_f32,
     .build = gelu_build, .hand_prep = vector_f32_prep, .hand = gelu_hand,
     .bytes = rw_vector_f32, .flops = none},
    {.name = "zscore", .what = "(X - X.mean(0)) / X.std(0)", .ndims = 2,
     .full = {P2(20), 64}, .quick = {P2(18), 64},
     .targets = TGT_CHAIN | TGT_STREAM, .inputs = in_matrix_f32,
     .build = zscore_build, .hand_prep = zscore_prep, .hand = zscore_hand,
     .bytes = zscore_bytes, .flops = none},
    {.name = "l2norm", .what = "X / norm(X, axis=1, keepdims)", .ndims = 2,
     .full = {P2(20), 64}, .quick = {P2(18), 64},
     .targets = TGT_CHAIN | TGT_STREAM, .inputs = in_matrix_f32,
     .build = l2norm_build, .hand_prep = softmax_prep, .hand = l2norm_hand,
     .bytes = rw_matrix_f32, .flops = none},
    {.name = "logsumexp", .what = "m + log(sum(exp(x - m), 1)), m = x.max(1)",
     .ndims = 2, .full = {4096, 4096}, .quick = {1024, 4096},
     .targets = TGT_CHAIN | TGT_STREAM, .inputs = in_matrix_f32,
     .build = logsumexp_build, .hand_prep = logsumexp_prep,
     .hand = logsumexp_hand, .bytes = logsumexp_bytes, .flops = none},
    {.name = "cross_entropy",
     .what = "-log(softmax(z)[arange(N), labels] + 1e-12).mean()",
     .ndims = 2, .full = {65536, 100}, .quick = {16384, 100},
     .targets = TGT_CHAIN, .inputs = ce_inputs, .build = ce_build,
     .hand_prep = ce_prep, .hand = ce_hand, .bytes = ce_bytes,
     .flops = none},
    {.name = "pairwise_dist",
     .what = "sqrt(maximum(a2 + b2.T - 2 * A @ B.T, 0))", .ndims = 3,
     .full = {4096, 4096, 256}, .quick = {1024, 1024, 256},
     .gemm_dtype = LOOM_FLOAT32, .targets = TGT_GEMM, .has_gemm_only = true,
     .inputs = ab_inputs, .build = pairwise_build, .hand_prep = ab_prep,
     .hand = pairwise_hand, .bytes = ab_bytes, .flops = ab_flops},
    {.name = "cosine_sim", .what = "An @ Bn.T, rows normalized", .ndims = 3,
     .full = {4096, 4096, 256}, .quick = {1024, 1024, 256},
     .gemm_dtype = LOOM_FLOAT32, .targets = TGT_GEMM, .has_gemm_only = true,
     .inputs = ab_inputs, .build = cosine_build, .hand_prep = ab_prep,
     .hand = cosine_hand, .bytes = ab_bytes, .flops = ab_flops},
    {.name = "attention",
     .what = "softmax(causal(einsum(bhid,bhjd->bhij)/sqrt(d))) @ v",
     .ndims = 4, .full = {8, 12, 512, 64}, .quick = {2, 12, 256, 64},
     .gemm_dtype = LOOM_FLOAT32, .targets = TGT_GEMM, .has_gemm_only = true,
     .inputs = attn_inputs, .build = attn_build, .hand_prep = attn_prep,
     .hand = attn_hand, .bytes = attn_bytes, .flops = attn_flops},
    {.name = "einsum_chain", .what = "einsum('ij,jk,kl->il', A, B, C), f64",
     .ndims = 4, .full = {1024, 64, 1024, 64}, .quick = {256, 64, 256, 64},
     .gemm_dtype = LOOM_FLOAT64, .targets = TGT_HAND12,
     .inputs = chain_inputs, .build = chain_build, .hand_prep = chain_prep,
     .hand = chain_hand, .bytes = chain_bytes, .flops = chain_flops,
     .tol = 1e-6},
    {.name = "batchnorm", .what = "train-mode forward + running stats",
     .ndims = 2, .full = {65536, 256}, .quick = {16384, 256},
     .inputs = bn_inputs, .build = bn_build, .hand_prep = bn_prep,
     .hand = bn_hand, .bytes = zscore_bytes, .flops = none},
    {.name = "knn", .what = "distances, argpartition top-5, vote of 10",
     .ndims = 3, .full = {4096, 16384, 64}, .quick = {1024, 4096, 64},
     .gemm_dtype = LOOM_FLOAT32, .targets = TGT_NUMPY2,
     .inputs = knn_inputs, .build = knn_build, .hand_prep = knn_prep,
     .hand = knn_hand, .bytes = knn_bytes, .flops = knn_flops, .tol = 0.01},
    {.name = "moving_avg",
     .what = "c = cumsum(insert(x, 0, 0)); (c[50:] - c[:-50]) / 50",
     .ndims = 1, .full = {P2(24)}, .quick = {P2(22)},
     .targets = TGT_NUMPY2, .inputs = in_vector_f64, .build = ma_build,
     .hand_prep = ma_prep, .hand = ma_hand, .bytes = ma_bytes,
     .flops = none, .tol = 1e-6},
    {.name = "normal_eq", .what = "solve(X.T@X + lam*I, X.T@y), f64",
     .ndims = 2, .full = {100000, 256}, .quick = {25000, 256},
     .gemm_dtype = LOOM_FLOAT64, .targets = TGT_NUMPY1,
     .inputs = ne_inputs, .build = ne_build, .hand_prep = ne_prep,
     .hand = ne_hand, .bytes = ne_bytes, .flops = ne_flops, .tol = 1e-6},
    {.name = "pca", .what = "covariance, eigh, projection on 16, f64",
     .ndims = 2, .full = {100000, 128}, .quick = {25000, 128},
     .gemm_dtype = LOOM_FLOAT64, .targets = TGT_NUMPY1, .compare_abs = true,
     .inputs = in_matrix_f64, .build = pca_build, .hand_prep = pca_prep,
     .hand = pca_hand, .bytes = pca_bytes, .flops = pca_flops,
     .tol = 1e-6},
    {.name = "small_softmax",
     .what = "softmax of a 64x64 f32 matrix, cached graph", .ndims = 2,
     .full = {64, 64}, .quick = {64, 64}, .reps_full = 2000,
     .reps_quick = 500, .targets = TGT_NUMPY1, .inputs = in_matrix_f32,
     .build = softmax_build, .hand_prep = softmax_prep, .hand = softmax_hand,
     .bytes = rw_matrix_f32, .flops = none},
    {.name = "sum_f32", .what = "x.sum() of float32 (issue 3)", .ndims = 1,
     .full = {P2(26)}, .quick = {P2(24)}, .targets = TGT_STREAM,
     .inputs = in_vector_f32, .build = sum_build, .hand_prep = sum_prep,
     .hand = sum_hand, .bytes = read_vector_f32, .flops = none},
    {.name = "sort", .what = "np.sort(x) of float32 (issue 5)", .ndims = 1,
     .full = {P2(24)}, .quick = {P2(22)}, .targets = TGT_NUMPY1,
     .no_hand = true, .inputs = in_vector_f32, .build = sort_build,
     .bytes = none, .flops = none},
    {.name = "argsort", .what = "np.argsort(x) of float32 (issue 5)",
     .ndims = 1, .full = {P2(24)}, .quick = {P2(22)},
     .targets = TGT_NUMPY1, .no_hand = true, .inputs = in_vector_f32,
     .build = argsort_build, .bytes = none, .flops = none,
     .tol = 0.01},
};
const int bench_nworkloads = sizeof bench_workloads / sizeof *bench_workloads;
