/*
 * test_linalg.c -- products (graph/build_linalg.c, runtime/blas.c) and
 * linear algebra (runtime/lapack.c).
 *
 * Products are checked against a plain triple loop written here, over
 * every dtype, 1-D promotion, stacks with broadcast batch axes, and
 * operands that reach BLAS transposed, strided, flipped or broadcast.
 * Decompositions are checked by their defining properties, which do not
 * depend on sign or order conventions: reconstruction (u diag(s) vh == a,
 * q r == a, L L^T == a, A v == v diag(w), A x == b), orthogonality,
 * triangularity, ascending or descending order -- for float32 and float64,
 * single matrices and stacks.  Bad input gives NumPy's messages and
 * statuses, and nothing reaches the terminal.
 */
#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static loom_ctx *ctx;

static void setup(void)
{
    ctx = ts_ctx();
}

static void teardown(void)
{
    loom_ctx_free(ctx);
}

/* ---- data ---- */

static uint64_t rng_state;

static double unit(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(rng_state >> 11) * 0x1p-53 * 2 - 1;
}

/* An array of dtype t with values in [-1, 1) (floats), -4..4 (ints) or
 * random truth values, from seed. */
static loom_array *mk(loom_dtype t, loom_shape s, uint64_t seed)
{
    rng_state = seed * 2654435761u + 1;
    int64_t n = 1;
    for (int i = 0; i < s.ndim; i++)
        n *= s.dim[i];
    size_t es = loom_dtype_size(t);
    char *buf = malloc((size_t)(n > 0 ? n : 1) * es);
    for (int64_t i = 0; i < n; i++) {
        double u = unit();
        switch (t) {
        case LOOM_BOOL: ((uint8_t *)buf)[i] = u > 0.2; break;
        case LOOM_INT32: ((int32_t *)(void *)buf)[i] = (int32_t)floor(u * 4.5); break;
        case LOOM_INT64: ((int64_t *)(void *)buf)[i] = (int64_t)floor(u * 4.5); break;
        case LOOM_FLOAT32: ((float *)(void *)buf)[i] = (float)u; break;
        default: ((double *)(void *)buf)[i] = u; break;
        }
    }
    loom_array *a = loom_array_from(ctx, buf, t, s, LOOM_COPY);
    free(buf);
    return a;
}

/* Element i (C order) of evaluated array a, as a double. */
static double at(loom_array *a, int64_t i)
{
    const void *p = loom_data(a);
    ck_assert_msg(p != NULL, "no data: %s / %s", loom_error(a),
                  loom_ctx_error(ctx));
    switch (loom_dtype_of(a)) {
    case LOOM_BOOL: return ((const uint8_t *)p)[i];
    case LOOM_INT32: return ((const int32_t *)p)[i];
    case LOOM_INT64: return (double)((const int64_t *)p)[i];
    case LOOM_FLOAT32: return ((const float *)p)[i];
    default: return ((const double *)p)[i];
    }
}

static void expect_shape(loom_array *a, loom_shape s)
{
    ck_assert_msg(loom_status_of(a) == LOOM_OK, "poisoned: %s", loom_error(a));
    ck_assert_int_eq(loom_ndim(a), s.ndim);
    for (int i = 0; i < s.ndim; i++)
        ck_assert_msg(loom_dim(a, i) == s.dim[i], "axis %d: %lld != %lld", i,
                      (long long)loom_dim(a, i), (long long)s.dim[i]);
}

/* Fails unless got and want (same size) agree within tol * (1 + |want|). */
static void expect_close(loom_array *got, loom_array *want, double tol,
                         const char *what)
{
    ck_assert_msg(loom_eval(got) == LOOM_OK, "%s: %s", what,
                  loom_ctx_error(ctx));
    if (loom_size(want) != loom_size(got))
        want = loom_broadcast_to(want, loom_shape_of(got));
    ck_assert_msg(loom_eval(want) == LOOM_OK, "%s: %s", what,
                  loom_ctx_error(ctx));
    int64_t n = loom_size(got);
    ck_assert_int_eq(n, loom_size(want));
    for (int64_t i = 0; i < n; i++) {
        double g = at(got, i), w = at(want, i);
        ck_assert_msg(fabs(g - w) <= tol * (1 + fabs(w)),
                      "%s[%lld]: got %.9g want %.9g", what, (long long)i, g,
                      w);
    }
}

static double eps_of(loom_array *a)
{
    return loom_dtype_of(a) == LOOM_FLOAT32 ? 2e-5 : 1e-11;
}

/* ---- products against a reference loop ---- */

/*
 * Checks c = a @ b for 2-D-or-more a, b already broadcast-compatible, by
 * evaluating a and b (C order) and multiplying with a plain loop over the
 * broadcast batch.  Integers wrap, bools are logical.
 */
static void check_matmul(loom_array *a, loom_array *b, const char *what)
{
    loom_array *c = loom_matmul(a, b);
    ck_assert_msg(loom_eval(c) == LOOM_OK, "%s: %s %s", what, loom_error(c),
                  loom_ctx_error(ctx));
    ck_assert_int_eq(loom_dtype_of(c),
                     loom_promote(loom_dtype_of(a), loom_dtype_of(b)));
    int na = loom_ndim(a), nb = loom_ndim(b), nc = loom_ndim(c);
    int64_t M = na >= 2 ? loom_dim(a, -2) : 1, K = loom_dim(a, -1);
    int64_t N = nb >= 2 ? loom_dim(b, -1) : 1;
    int64_t batch = loom_size(c) / (M * N > 0 ? M * N : 1);
    int nbat = nc - (na >= 2) - (nb >= 2);
    loom_dtype t = loom_dtype_of(c);
    for (int64_t bt = 0; bt < batch; bt++) {
        /* offsets of this batch in a and b: right-aligned broadcast */
        int64_t oa = 0, ob = 0, rem = bt, sa = M * K, sb = K * N;
        for (int d = nbat - 1; d >= 0; d--) {
            int64_t ext = loom_dim(c, d), i = rem % ext;
            rem /= ext;
            int da = d - (nbat - (na - 2)), db = d - (nbat - (nb - 2));
            if (na >= 2 && da >= 0) {
                if (loom_dim(a, da) > 1)
                    oa += i * sa;
                sa *= loom_dim(a, da);
            }
            if (nb >= 2 && db >= 0) {
                if (loom_dim(b, db) > 1)
                    ob += i * sb;
                sb *= loom_dim(b, db);
            }
        }
        for (int64_t i = 0; i < M; i++)
            for (int64_t j = 0; j < N; j++) {
                double acc = 0;
                int64_t iacc = 0;
                for (int64_t k = 0; k < K; k++) {
                    double x = at(a, oa + i * K + k), y = at(b, ob + k * N + j);
                    acc += x * y;
                    iacc += (int64_t)x * (int64_t)y;
                }
                double want = acc;
                if (t == LOOM_BOOL)
                    want = iacc != 0;
                else if (t == LOOM_INT32)
                    want = (int32_t)(uint32_t)iacc;
                else if (t == LOOM_INT64)
                    want = (double)iacc;
                double got = at(c, (bt * M + i) * N + j);
                double tol = t == LOOM_FLOAT32 ? 1e-5 : 1e-12;
                ck_assert_msg(fabs(got - want) <= tol * (1 + fabs(want)),
                              "%s: [%lld,%lld,%lld] got %.9g want %.9g", what,
                              (long long)bt, (long long)i, (long long)j, got,
                              want);
            }
    }
}

START_TEST(matmul_dtypes_shapes)
{
    loom_dtype ts[] = {LOOM_FLOAT64, LOOM_FLOAT32, LOOM_INT32, LOOM_INT64,
                       LOOM_BOOL};
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++) {
            char what[64];
            snprintf(what, sizeof what, "%s@%s", loom_dtype_name(ts[i]),
                     loom_dtype_name(ts[j]));
            check_matmul(mk(ts[i], LOOM_SHAPE(4, 3), 1), mk(ts[j], LOOM_SHAPE(3, 5), 2),
                         what);
        }
    /* shapes: vectors, stacks, broadcast batches, 1 x K, K x 1, K = 1 */
    static const struct { loom_shape a, b, c; } cases[] = {
        {{1, {3}}, {2, {3, 4}}, {1, {4}}},
        {{2, {5, 3}}, {1, {3}}, {1, {5}}},
        {{1, {7}}, {1, {7}}, {0, {0}}},
        {{3, {2, 5, 3}}, {2, {3, 4}}, {3, {2, 5, 4}}},
        {{2, {5, 3}}, {3, {2, 3, 4}}, {3, {2, 5, 4}}},
        {{4, {2, 1, 5, 3}}, {3, {3, 3, 4}}, {4, {2, 3, 5, 4}}},
        {{3, {4, 5, 3}}, {1, {3}}, {2, {4, 5}}},
        {{1, {3}}, {3, {4, 3, 2}}, {2, {4, 2}}},
        {{2, {1, 6}}, {2, {6, 5}}, {2, {1, 5}}},
        {{2, {6, 1}}, {2, {1, 5}}, {2, {6, 5}}},
        {{3, {40, 3, 3}}, {3, {40, 3, 2}}, {3, {40, 3, 2}}},
        {{3, {3, 1, 4}}, {2, {4, 6}}, {3, {3, 1, 6}}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        for (int f = 0; f < 2; f++) {
            loom_dtype t = f ? LOOM_FLOAT32 : LOOM_FLOAT64;
            loom_array *a = mk(t, cases[i].a, 10 + i), *b = mk(t, cases[i].b, 20 + i);
            loom_array *c = loom_matmul(a, b);
            expect_shape(c, cases[i].c);
            if (cases[i].a.ndim >= 2 && cases[i].b.ndim >= 2)
                check_matmul(a, b, "stack");
            else
                check_matmul(cases[i].a.ndim == 1
                                 ? loom_reshape(a, LOOM_SHAPE(1, cases[i].a.dim[0]))
                                 : a,
                             cases[i].b.ndim == 1
                                 ? loom_reshape(b, LOOM_SHAPE(cases[i].b.dim[0], 1))
                                 : b,
                             "vector");
        }
}
END_TEST

START_TEST(matmul_layouts)
{
    loom_array *a = mk(LOOM_FLOAT64, LOOM_SHAPE(8, 6), 3);
    loom_array *b = mk(LOOM_FLOAT64, LOOM_SHAPE(6, 9), 4);
    loom_array *af = loom_astype(a, LOOM_FLOAT32);
    loom_index step2[2] = {LOOM_SL(LOOM_END, LOOM_END, 2), LOOM_COLON};
    loom_index flip[2] = {LOOM_SL(LOOM_END, LOOM_END, -1),
                          LOOM_SL(LOOM_END, LOOM_END, -2)};
    loom_index cols[2] = {LOOM_COLON, LOOM_SL(1, 7, 2)};
    check_matmul(loom_T(a), a, "a.T @ a (syrk)");
    check_matmul(a, loom_T(a), "a @ a.T (syrk)");
    check_matmul(loom_T(b), loom_T(a), "b.T @ a.T");
    check_matmul(loom_index_get(a, 2, step2), b, "a[::2] @ b");
    check_matmul(loom_index_get(a, 2, flip), loom_index_get(b, 2, step2),
                 "flipped");
    check_matmul(loom_index_get(a, 2, cols), loom_index_get(b, 2, step2),
                 "strided columns");
    check_matmul(loom_broadcast_to(mk(LOOM_FLOAT64, LOOM_SHAPE(6), 5),
                                   LOOM_SHAPE(4, 6)),
                 b, "broadcast rows");
    check_matmul(a, loom_broadcast_to(mk(LOOM_FLOAT64, LOOM_SHAPE(6, 1), 6),
                                      LOOM_SHAPE(6, 3)),
                 "broadcast columns");
    check_matmul(loom_T(af), af, "f32 a.T @ a");
    check_matmul(loom_index_get(af, 2, flip), loom_astype(loom_index_get(b, 2, step2), LOOM_FLOAT32),
                 "f32 flipped");
    /* a stack times one matrix: the batch folds into one tall product */
    loom_array *s = mk(LOOM_FLOAT32, LOOM_SHAPE(5, 7, 6), 7);
    check_matmul(s, loom_astype(b, LOOM_FLOAT32), "folded stack");
    check_matmul(mk(LOOM_FLOAT64, LOOM_SHAPE(5, 1, 6), 8), b, "folded rows");
    int perm[3] = {1, 0, 2};
    check_matmul(loom_transpose(mk(LOOM_FLOAT64, LOOM_SHAPE(7, 5, 6), 9), perm),
                 b, "permuted stack");
    /* many small products run in parallel */
    check_matmul(mk(LOOM_FLOAT64, LOOM_SHAPE(300, 4, 5), 11),
                 mk(LOOM_FLOAT64, LOOM_SHAPE(300, 5, 3), 12), "small stack");
    check_matmul(mk(LOOM_INT32, LOOM_SHAPE(30, 4, 5), 13),
                 loom_T(mk(LOOM_INT32, LOOM_SHAPE(3, 5), 14)), "int stack");
}
END_TEST

START_TEST(matmul_integers_and_bools)
{
    /* int32 wraps around as NumPy's does */
    loom_array *big = loom_full_int(ctx, LOOM_SHAPE(2, 3), 2000000000,
                                    LOOM_INT32);
    loom_array *three = loom_full_int(ctx, LOOM_SHAPE(3, 2), 3, LOOM_INT32);
    loom_array *c = loom_matmul(big, three);
    ck_assert_int_eq(loom_dtype_of(c), LOOM_INT32);
    ck_assert_int_eq((int64_t)at(c, 0), (int32_t)(uint32_t)(18000000000ull));
    /* bool: any nonzero product is True, even 256 of them */
    loom_array *t = loom_ones(ctx, LOOM_SHAPE(2, 512), LOOM_BOOL);
    loom_array *u = loom_ones(ctx, LOOM_SHAPE(512, 3), LOOM_BOOL);
    loom_array *r = loom_matmul(t, u);
    ck_assert_int_eq(loom_dtype_of(r), LOOM_BOOL);
    for (int i = 0; i < 6; i++)
        ck_assert(at(r, i) == 1);
    loom_array *z = loom_matmul(t, loom_zeros(ctx, LOOM_SHAPE(512, 3), LOOM_BOOL));
    for (int i = 0; i < 6; i++)
        ck_assert(at(z, i) == 0);
    /* K == 0: zeros of the right shape */
    loom_array *e = loom_matmul(loom_ones(ctx, LOOM_SHAPE(3, 0), LOOM_FLOAT32),
                                loom_ones(ctx, LOOM_SHAPE(0, 4), LOOM_FLOAT32));
    expect_shape(e, LOOM_SHAPE(3, 4));
    for (int i = 0; i < 12; i++)
        ck_assert(at(e, i) == 0);
    expect_shape(loom_matmul(loom_ones(ctx, LOOM_SHAPE(0, 3), LOOM_INT64),
                             loom_ones(ctx, LOOM_SHAPE(3, 4), LOOM_INT64)),
                 LOOM_SHAPE(0, 4));
}
END_TEST

START_TEST(other_products)
{
    loom_array *a = mk(LOOM_FLOAT64, LOOM_SHAPE(3, 4, 5), 30);
    loom_array *b = mk(LOOM_FLOAT64, LOOM_SHAPE(2, 5, 6), 31);
    loom_array *v = mk(LOOM_FLOAT64, LOOM_SHAPE(5), 32);
    /* dot: N-D x M-D sums a's last axis with b's second-to-last */
    loom_array *d = loom_dot(a, b);
    expect_shape(d, LOOM_SHAPE(3, 4, 2, 6));
    double want = 0;
    for (int k = 0; k < 5; k++)
        want += at(a, (1 * 4 + 2) * 5 + k) * at(b, (1 * 5 + k) * 6 + 3);
    ck_assert(fabs(at(d, ((1 * 4 + 2) * 2 + 1) * 6 + 3) - want) < 1e-12);
    expect_shape(loom_dot(a, v), LOOM_SHAPE(3, 4));
    expect_shape(loom_dot(v, b), LOOM_SHAPE(2, 6));
    expect_shape(loom_dot(v, v), LOOM_SCALAR_SHAPE);
    expect_shape(loom_dot(a, loom_scalar(ctx, 2)), LOOM_SHAPE(3, 4, 5));
    /* inner sums the last axes */
    loom_array *in = loom_inner(a, mk(LOOM_FLOAT64, LOOM_SHAPE(6, 5), 33));
    expect_shape(in, LOOM_SHAPE(3, 4, 6));
    expect_shape(loom_outer(a, v), LOOM_SHAPE(60, 5));
    ck_assert_int_eq(loom_dtype_of(loom_outer(loom_ones(ctx, LOOM_SHAPE(2), LOOM_BOOL),
                                              loom_ones(ctx, LOOM_SHAPE(3), LOOM_BOOL))),
                     LOOM_BOOL);
    /* vdot flattens */
    loom_array *vd = loom_vdot(a, a);
    double ss = 0;
    for (int i = 0; i < 60; i++)
        ss += at(a, i) * at(a, i);
    ck_assert(fabs(at(vd, 0) - ss) < 1e-12);
    /* tensordot */
    expect_shape(loom_tensordot_n(a, b, 0), (loom_shape){6, {3, 4, 5, 2, 5, 6}});
    expect_shape(loom_tensordot(a, b, 1, (int[]){2}, (int[]){1}),
                 LOOM_SHAPE(3, 4, 2, 6));
    expect_close(loom_tensordot(a, b, 1, (int[]){-1}, (int[]){1}), d, 1e-12,
                 "tensordot vs dot");
    expect_shape(loom_tensordot_n(mk(LOOM_FLOAT64, LOOM_SHAPE(3, 4, 5), 34),
                                  mk(LOOM_FLOAT64, LOOM_SHAPE(4, 5, 2), 35), 2),
                 LOOM_SHAPE(3, 2));
    /* kron */
    loom_array *k = loom_kron(loom_eye(ctx, 2, -1, 0, LOOM_INT32),
                              loom_full_int(ctx, LOOM_SHAPE(2, 3), 7, LOOM_INT32));
    expect_shape(k, LOOM_SHAPE(4, 6));
    ck_assert_int_eq(loom_dtype_of(k), LOOM_INT32);
    ck_assert(at(k, 0) == 7 && at(k, 3) == 0 && at(k, 2 * 6 + 3) == 7 &&
              at(k, 2 * 6 + 0) == 0);
    /* trace: offsets, axes, dtypes */
    loom_array *m = loom_reshape(loom_arange(ctx, 0, 12, 1, LOOM_INT32),
                                 LOOM_SHAPE(3, 4));
    loom_array *tr = loom_trace(m, 0, 0, 1);
    ck_assert_int_eq(loom_dtype_of(tr), LOOM_INT64);
    ck_assert(at(tr, 0) == 0 + 5 + 10);
    ck_assert(at(loom_trace(m, 1, 0, 1), 0) == 1 + 6 + 11);
    ck_assert(at(loom_trace(m, -1, 0, 1), 0) == 4 + 9);
    ck_assert(at(loom_trace(m, 7, 0, 1), 0) == 0);
    ck_assert(at(loom_trace(m, 1, 1, 0), 0) == 4 + 9);
    loom_array *t3 = loom_trace(a, 0, 0, 2);
    expect_shape(t3, LOOM_SHAPE(4));
    ck_assert(fabs(at(t3, 1) - (at(a, 0 * 20 + 1 * 5 + 0) + at(a, 1 * 20 + 5 + 1) +
                                at(a, 2 * 20 + 5 + 2))) < 1e-12);
}
END_TEST

/* ---- decompositions by their properties ---- */

/* a @ b for the checks (the product is tested above). */
static loom_array *mm(loom_array *a, loom_array *b)
{
    return loom_matmul(a, b);
}

static loom_array *tT(loom_array *a)
{
    return loom_swapaxes(a, -1, -2);
}

/* An identity stack shaped like a @ a.T of n x n matrices. */
static loom_array *eye_like(loom_array *a, int64_t n)
{
    return loom_eye(ctx, n, -1, 0, loom_dtype_of(a));
}

static void check_svd(loom_array *a, bool full)
{
    loom_array *u, *s, *vh;
    ck_assert_int_eq(loom_linalg_svd(a, full, true, &u, &s, &vh), LOOM_OK);
    int64_t m = loom_dim(a, -2), n = loom_dim(a, -1), k = m < n ? m : n;
    ck_assert_int_eq(loom_dim(s, -1), k);
    ck_assert_int_eq(loom_dim(u, -1), full ? m : k);
    ck_assert_int_eq(loom_dim(vh, -2), full ? n : k);
    double tol = eps_of(a) * 10;
    /* u[..., :k] diag(s) vh[..., :k, :] == a */
    loom_index uk[3] = {LOOM_ELLIPSIS, LOOM_COLON, LOOM_SL(0, k, 1)};
    loom_index vk[3] = {LOOM_ELLIPSIS, LOOM_SL(0, k, 1), LOOM_COLON};
    loom_array *us = loom_multiply(loom_index_get(u, 3, uk),
                                   loom_expand_dims(s, -2));
    expect_close(mm(us, loom_index_get(vh, 3, vk)), a, tol, "u s vh");
    expect_close(mm(tT(u), u), eye_like(u, loom_dim(u, -1)), tol, "u.T u");
    expect_close(mm(vh, tT(vh)), eye_like(vh, loom_dim(vh, -2)), tol,
                 "vh vh.T");
    /* descending, non-negative */
    for (int64_t i = 0; i < loom_size(s); i++) {
        ck_assert(at(s, i) >= 0);
        if (i % k)
            ck_assert(at(s, i) <= at(s, i - 1));
    }
    loom_array *s2 = NULL;
    ck_assert_int_eq(loom_linalg_svd(a, full, false, NULL, &s2, NULL), LOOM_OK);
    expect_close(s2, s, tol, "s without uv");
}

static void check_qr(loom_array *a)
{
    loom_array *q, *r;
    ck_assert_int_eq(loom_linalg_qr(a, "reduced", &q, &r), LOOM_OK);
    double tol = eps_of(a) * 10;
    expect_close(mm(q, r), a, tol, "q r");
    expect_close(mm(tT(q), q), eye_like(q, loom_dim(q, -1)), tol, "q.T q");
    int64_t rows = loom_dim(r, -2), cols = loom_dim(r, -1);
    for (int64_t i = 0; i < loom_size(r); i++) {
        int64_t row = (i / cols) % rows, col = i % cols;
        if (row > col)
            ck_assert(at(r, i) == 0);
    }
    loom_array *qc, *rc;
    ck_assert_int_eq(loom_linalg_qr(a, "complete", &qc, &rc), LOOM_OK);
    expect_close(mm(qc, rc), a, tol, "complete q r");
    ck_assert_int_eq(loom_dim(qc, -1), loom_dim(a, -2));
    loom_array *ro = NULL, *qn = a;
    ck_assert_int_eq(loom_linalg_qr(a, "r", &qn, &ro), LOOM_OK);
    ck_assert(qn == NULL);
    expect_close(loom_abs(ro), loom_abs(r), tol, "mode r");
}

static void check_square(loom_array *a, loom_array *spd)
{
    double tol = eps_of(a) * 100;
    int64_t n = loom_dim(a, -1);
    loom_array *b = loom_astype(mk(LOOM_FLOAT64, LOOM_SHAPE(n, 2), 77),
                                loom_dtype_of(a));
    /* solve, inv */
    expect_close(mm(a, loom_linalg_solve(a, b)), loom_broadcast_to(b, loom_shape_of(mm(a, b))),
                 tol, "a solve(a, b)");
    expect_close(mm(a, loom_linalg_inv(a)), eye_like(a, n), tol, "a inv(a)");
    /* det == sign * exp(logdet), and det(a) det(inv a) == 1 */
    loom_array *sg, *ld;
    ck_assert_int_eq(loom_linalg_slogdet(a, &sg, &ld), LOOM_OK);
    expect_close(loom_linalg_det(a), loom_multiply(sg, loom_exp(ld)), tol,
                 "det vs slogdet");
    expect_close(loom_multiply(loom_linalg_det(a),
                               loom_linalg_det(loom_linalg_inv(a))),
                 loom_ones_like(loom_linalg_det(a)), tol, "det det(inv)");
    /* cholesky: lower, L L^T == spd */
    loom_array *L = loom_linalg_cholesky(spd);
    expect_close(mm(L, tT(L)), spd, tol, "L L.T");
    for (int64_t i = 0; i < loom_size(L); i++)
        if (i % n > (i / n) % n)
            ck_assert(at(L, i) == 0);
    /* eigh: spd v == v diag(w), v orthogonal, w ascending, both UPLOs */
    loom_array *w, *v;
    ck_assert_int_eq(loom_linalg_eigh(spd, 'L', &w, &v), LOOM_OK);
    expect_close(mm(spd, v), loom_multiply(v, loom_expand_dims(w, -2)), tol,
                 "a v == v w");
    expect_close(mm(tT(v), v), eye_like(v, n), tol, "v.T v");
    for (int64_t i = 1; i < loom_size(w); i++)
        if (i % n)
            ck_assert(at(w, i) >= at(w, i - 1));
    expect_close(loom_linalg_eigvalsh(spd, 'U'), w, tol, "eigvalsh U");
    /* det of spd == product of eigenvalues */
    expect_close(loom_linalg_det(spd), loom_prod(w, -1, false), tol,
                 "det == prod(w)");
}

START_TEST(decompositions)
{
    for (int f = 0; f < 2; f++) {
        loom_dtype t = f ? LOOM_FLOAT32 : LOOM_FLOAT64;
        static const loom_shape shapes[] = {
            {2, {5, 5}}, {2, {7, 4}}, {2, {3, 6}}, {3, {4, 3, 5}},
            {4, {2, 3, 4, 4}}, {2, {1, 1}}};
        for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
            loom_array *a = mk(t, shapes[i], 40 + i);
            check_svd(a, true);
            check_svd(a, false);
            check_qr(a);
            if (shapes[i].dim[shapes[i].ndim - 1] ==
                shapes[i].dim[shapes[i].ndim - 2]) {
                int64_t n = shapes[i].dim[shapes[i].ndim - 1];
                loom_array *spd = loom_add(mm(a, tT(a)),
                                           loom_multiply(eye_like(a, n),
                                                         loom_scalar(ctx, n)));
                check_square(loom_add(a, loom_multiply(eye_like(a, n),
                                                       loom_scalar(ctx, 3))),
                             spd);
            }
        }
    }
}
END_TEST

START_TEST(decomposition_dtypes)
{
    loom_array *ai = mk(LOOM_INT32, LOOM_SHAPE(4, 4), 50);
    ck_assert_int_eq(loom_dtype_of(loom_linalg_inv(loom_add(ai, loom_multiply(loom_eye(ctx, 4, -1, 0, LOOM_INT32), loom_scalar_int(ctx, 9))))),
                     LOOM_FLOAT64);
    ck_assert_int_eq(loom_dtype_of(loom_linalg_det(ai)), LOOM_FLOAT64);
    loom_array *af = mk(LOOM_FLOAT32, LOOM_SHAPE(3, 3), 51);
    ck_assert_int_eq(loom_dtype_of(loom_linalg_det(af)), LOOM_FLOAT32);
    ck_assert_int_eq(loom_dtype_of(loom_linalg_solve(af, mk(LOOM_FLOAT64, LOOM_SHAPE(3), 52))),
                     LOOM_FLOAT64);
    ck_assert_int_eq(loom_dtype_of(loom_linalg_solve(af, mk(LOOM_FLOAT32, LOOM_SHAPE(3), 52))),
                     LOOM_FLOAT32);
    ck_assert_int_eq(loom_dtype_of(loom_linalg_eigvalsh(mk(LOOM_BOOL, LOOM_SHAPE(3, 3), 53), 'L')),
                     LOOM_FLOAT64);
    /* solve's b: a vector when it has one axis less than a */
    loom_array *st = mk(LOOM_FLOAT64, LOOM_SHAPE(4, 3, 3), 54);
    expect_shape(loom_linalg_solve(st, mk(LOOM_FLOAT64, LOOM_SHAPE(4, 3), 55)),
                 LOOM_SHAPE(4, 3));
    ck_assert_int_eq(loom_status_of(loom_linalg_solve(st, mk(LOOM_FLOAT64, LOOM_SHAPE(3, 2), 56))),
                     LOOM_ERR_VALUE);
}
END_TEST

START_TEST(empty_matrices)
{
    loom_array *e = loom_zeros(ctx, LOOM_SHAPE(0, 0), LOOM_FLOAT64);
    ck_assert(at(loom_linalg_det(e), 0) == 1);
    expect_shape(loom_linalg_inv(e), LOOM_SHAPE(0, 0));
    loom_array *u, *s, *vh;
    loom_array *w = loom_zeros(ctx, LOOM_SHAPE(0, 3), LOOM_FLOAT64);
    ck_assert_int_eq(loom_linalg_svd(w, true, true, &u, &s, &vh), LOOM_OK);
    expect_shape(s, LOOM_SHAPE(0));
    expect_close(vh, loom_eye(ctx, 3, -1, 0, LOOM_FLOAT64), 0, "empty svd vh");
    expect_shape(loom_linalg_pinv(w, -1), LOOM_SHAPE(3, 0));
    loom_array *q, *r;
    ck_assert_int_eq(loom_linalg_qr(loom_zeros(ctx, LOOM_SHAPE(3, 0), LOOM_FLOAT32),
                                    "complete", &q, &r), LOOM_OK);
    expect_close(q, loom_eye(ctx, 3, -1, 0, LOOM_FLOAT32), 0, "empty qr q");
    expect_shape(loom_linalg_eigvalsh(e, 'L'), LOOM_SHAPE(0));
}
END_TEST

START_TEST(lstsq_pinv_rank)
{
    loom_array *a = mk(LOOM_FLOAT64, LOOM_SHAPE(8, 3), 60);
    loom_array *b = mk(LOOM_FLOAT64, LOOM_SHAPE(8, 2), 61);
    loom_array *x, *res, *rank, *sv;
    ck_assert_int_eq(loom_linalg_lstsq(a, b, -1, &x, &res, &rank, &sv), LOOM_OK);
    expect_shape(x, LOOM_SHAPE(3, 2));
    expect_shape(res, LOOM_SHAPE(2));
    expect_shape(rank, LOOM_SCALAR_SHAPE);
    ck_assert_int_eq(loom_dtype_of(rank), LOOM_INT32);
    ck_assert(at(rank, 0) == 3);
    /* normal equations: a.T (a x - b) == 0; residuals == |a x - b|^2 */
    loom_array *r = loom_subtract(mm(a, x), b);
    expect_close(mm(tT(a), r), loom_zeros(ctx, LOOM_SHAPE(3, 2), LOOM_FLOAT64),
                 1e-12, "normal equations");
    expect_close(res, loom_sum(loom_multiply(r, r), 0, false), 1e-12,
                 "residuals");
    loom_array *s = NULL;
    ck_assert_int_eq(loom_linalg_svd(a, false, false, NULL, &s, NULL), LOOM_OK);
    expect_close(sv, s, 1e-12, "lstsq singular values");
    /* rank deficient: no residuals */
    loom_array *def = loom_outer(mk(LOOM_FLOAT64, LOOM_SHAPE(6), 62),
                                 mk(LOOM_FLOAT64, LOOM_SHAPE(3), 63));
    ck_assert_int_eq(loom_linalg_lstsq(def, mk(LOOM_FLOAT64, LOOM_SHAPE(6), 64),
                                       -1, &x, &res, &rank, NULL), LOOM_OK);
    expect_shape(x, LOOM_SHAPE(3));
    expect_shape(res, LOOM_SHAPE(0));
    ck_assert(at(rank, 0) == 1);
    ck_assert(loom_linalg_matrix_rank(def, -1) != NULL);
    ck_assert(at(loom_linalg_matrix_rank(def, -1), 0) == 1);
    ck_assert(at(loom_linalg_matrix_rank(a, -1), 0) == 3);
    ck_assert(at(loom_linalg_matrix_rank(a, 100), 0) == 0);
    ck_assert_int_eq(loom_dtype_of(loom_linalg_matrix_rank(a, -1)), LOOM_INT64);
    /* wide: no residuals either */
    ck_assert_int_eq(loom_linalg_lstsq(tT(a), mk(LOOM_FLOAT64, LOOM_SHAPE(3), 65),
                                       -1, &x, &res, NULL, NULL), LOOM_OK);
    expect_shape(x, LOOM_SHAPE(8));
    expect_shape(res, LOOM_SHAPE(0));
    /* pinv: a pinv(a) a == a, for tall, wide, deficient and stacks */
    loom_array *cases[] = {a, tT(a), def,
                           mk(LOOM_FLOAT32, LOOM_SHAPE(3, 4, 2), 66)};
    for (int i = 0; i < 4; i++) {
        loom_array *p = loom_linalg_pinv(cases[i], -1);
        expect_close(mm(mm(cases[i], p), cases[i]), cases[i],
                     eps_of(cases[i]) * 100, "a pinv(a) a");
    }
}
END_TEST

START_TEST(norms)
{
    loom_array *a = mk(LOOM_FLOAT64, LOOM_SHAPE(4, 3, 5), 70);
    loom_array *s = NULL;
    ck_assert_int_eq(loom_linalg_svd(loom_transpose(a, (int[]){1, 0, 2}),
                                     false, false, NULL, &s, NULL),
                     LOOM_OK);
    loom_array *n2 = loom_linalg_norm(a, 2, LOOM_AXES(0, 2), false);
    expect_shape(n2, LOOM_SHAPE(3));
    expect_close(n2, loom_max(s, -1, false), 1e-12, "2-norm");
    expect_close(loom_linalg_norm(a, -2, LOOM_AXES(0, 2), false),
                 loom_min(s, -1, false), 1e-12, "-2-norm");
    loom_array *nuc = loom_linalg_norm(a, LOOM_ORD_NUC, LOOM_AXES(0, 2), true);
    expect_shape(nuc, LOOM_SHAPE(1, 3, 1));
    expect_close(nuc, loom_sum(s, -1, false), 1e-12, "nuclear norm");
}
END_TEST

/* ---- errors ---- */

#define E(expr, st, needle) ts_expect_error((expr), (st), (needle))

/* Fails unless evaluating a fails at run time with status st and a
 * context message containing needle. */
static void expect_run_error(loom_array *a, loom_status st, const char *needle)
{
    ck_assert_msg(loom_status_of(a) == LOOM_OK, "poisoned early: %s",
                  loom_error(a));
    ck_assert_int_eq(loom_eval(a), st);
    ck_assert_msg(strstr(loom_ctx_error(ctx), needle) != NULL,
                  "message '%s' lacks '%s'", loom_ctx_error(ctx), needle);
}

START_TEST(bad_input)
{
    loom_array *m34 = loom_zeros(ctx, LOOM_SHAPE(3, 4), LOOM_FLOAT64);
    loom_array *m33 = loom_zeros(ctx, LOOM_SHAPE(3, 3), LOOM_FLOAT64);
    loom_array *v3 = loom_zeros(ctx, LOOM_SHAPE(3), LOOM_FLOAT64);
    loom_array *s0 = loom_scalar_typed(ctx, 1, LOOM_FLOAT64);
    E(loom_matmul(m34, m34), LOOM_ERR_VALUE,
      "matmul: Input operand 1 has a mismatch in its core dimension 0, with "
      "gufunc signature (n?,k),(k,m?)->(n?,m?) (size 3 is different from 4)");
    E(loom_matmul(s0, m34), LOOM_ERR_VALUE,
      "matmul: Input operand 0 does not have enough dimensions (has 0");
    E(loom_matmul(loom_zeros(ctx, LOOM_SHAPE(2, 3, 3), LOOM_FLOAT64),
                  loom_zeros(ctx, LOOM_SHAPE(4, 3, 2), LOOM_FLOAT64)),
      LOOM_ERR_VALUE,
      "operands could not be broadcast together with remapped shapes "
      "[original->remapped]: (2,3,3)->(2,newaxis,newaxis) "
      "(4,3,2)->(4,newaxis,newaxis)  and requested shape (3,2)");
    E(loom_dot(m34, m34), LOOM_ERR_VALUE,
      "shapes (3,4) and (3,4) not aligned: 4 (dim 1) != 3 (dim 0)");
    E(loom_inner(m34, m33), LOOM_ERR_VALUE, "not aligned");
    E(loom_vdot(m34, m33), LOOM_ERR_VALUE, "cannot reshape array of size 9");
    E(loom_tensordot(m34, m34, 1, (int[]){0}, (int[]){1}), LOOM_ERR_VALUE,
      "shape-mismatch for sum");
    E(loom_trace(v3, 0, 0, 1), LOOM_ERR_VALUE,
      "diag requires an array of at least two dimensions");
    E(loom_trace(m33, 0, 1, 1), LOOM_ERR_VALUE,
      "axis1 and axis2 cannot be the same");
    E(loom_linalg_inv(m34), LOOM_ERR_LINALG,
      "Last 2 dimensions of the array must be square");
    E(loom_linalg_det(v3), LOOM_ERR_LINALG,
      "1-dimensional array given. Array must be at least two-dimensional");
    E(loom_linalg_cholesky(s0), LOOM_ERR_LINALG,
      "0-dimensional array given");
    E(loom_linalg_solve(m34, v3), LOOM_ERR_LINALG,
      "Last 2 dimensions of the array must be square");
    E(loom_linalg_solve(m33, loom_zeros(ctx, LOOM_SHAPE(4), LOOM_FLOAT64)),
      LOOM_ERR_VALUE,
      "solve1: Input operand 1 has a mismatch in its core dimension 0, with "
      "gufunc signature (m,m),(m)->(m) (size 4 is different from 3)");
    E(loom_linalg_solve(m33, loom_zeros(ctx, LOOM_SHAPE(4, 2), LOOM_FLOAT64)),
      LOOM_ERR_VALUE, "solve: Input operand 1 has a mismatch");
    E(loom_linalg_solve(loom_zeros(ctx, LOOM_SHAPE(2, 3, 3), LOOM_FLOAT64),
                        loom_zeros(ctx, LOOM_SHAPE(4, 3, 1), LOOM_FLOAT64)),
      LOOM_ERR_VALUE, "could not be broadcast together with remapped shapes");
    E(loom_linalg_eigvalsh(m33, 'X'), LOOM_ERR_VALUE,
      "UPLO argument must be 'L' or 'U'");
    E(loom_linalg_pinv(v3, -1), LOOM_ERR_LINALG, "at least two-dimensional");
    loom_array *x = NULL, *q = NULL, *r = NULL, *u = NULL, *s = NULL;
    ck_assert_int_eq(loom_linalg_lstsq(m34, loom_zeros(ctx, LOOM_SHAPE(4), LOOM_FLOAT64),
                                       -1, &x, NULL, NULL, NULL),
                     LOOM_ERR_LINALG);
    ck_assert(strstr(loom_error(x), "Incompatible dimensions"));
    ck_assert_int_eq(loom_linalg_lstsq(loom_zeros(ctx, LOOM_SHAPE(2, 3, 4), LOOM_FLOAT64),
                                       v3, -1, &x, NULL, NULL, NULL),
                     LOOM_ERR_LINALG);
    ck_assert(strstr(loom_error(x), "3-dimensional array given. Array must be two-dimensional"));
    ck_assert_int_eq(loom_linalg_qr(m34, "bogus", &q, &r), LOOM_ERR_VALUE);
    ck_assert(strstr(loom_error(r), "Unrecognized mode 'bogus'"));
    ck_assert_int_eq(loom_linalg_svd(v3, true, true, &u, &s, NULL), LOOM_ERR_LINALG);
    ck_assert(strstr(loom_error(s), "1-dimensional array given"));
    ck_assert_int_eq(loom_linalg_svd(NULL, true, true, &u, &s, NULL), LOOM_ERR_NULL);
    E(loom_matmul(m33, NULL), LOOM_ERR_NULL, "NULL");
    /* a poisoned operand passes through */
    loom_array *bad = loom_matmul(m34, m34);
    ck_assert(loom_linalg_inv(bad) == bad || loom_status_of(loom_linalg_inv(bad)) == LOOM_ERR_VALUE);
}
END_TEST

START_TEST(numerical_errors)
{
    double sing[9] = {1, 2, 3, 2, 4, 6, 1, 0, 1};
    loom_array *a = loom_array_from(ctx, sing, LOOM_FLOAT64, LOOM_SHAPE(3, 3),
                                    LOOM_COPY);
    expect_run_error(loom_linalg_inv(a), LOOM_ERR_LINALG, "Singular matrix");
    expect_run_error(loom_linalg_solve(a, loom_ones(ctx, LOOM_SHAPE(3), LOOM_FLOAT64)),
                     LOOM_ERR_LINALG, "Singular matrix");
    /* one singular matrix in a stack fails the stack */
    loom_array *st = loom_multiply(loom_ones(ctx, LOOM_SHAPE(50, 3, 3), LOOM_FLOAT64),
                                   loom_eye(ctx, 3, -1, 0, LOOM_FLOAT64));
    loom_index one[1] = {LOOM_I(17)};
    st = loom_index_set(st, 1, one, a);
    if (loom_status_of(st) == LOOM_OK)
        expect_run_error(loom_linalg_inv(st), LOOM_ERR_LINALG, "Singular matrix");
    /* singular det is 0, slogdet (0, -inf) */
    ck_assert(at(loom_linalg_det(a), 0) == 0);
    loom_array *sg, *ld;
    ck_assert_int_eq(loom_linalg_slogdet(a, &sg, &ld), LOOM_OK);
    ck_assert(at(ld, 0) == -INFINITY);
    ck_assert(at(sg, 0) == 0);
    /* not positive definite */
    loom_array *neg = loom_negative(loom_eye(ctx, 3, -1, 0, LOOM_FLOAT32));
    expect_run_error(loom_linalg_cholesky(neg), LOOM_ERR_LINALG,
                     "Matrix is not positive definite");
    /* NaN and infinity: errors, not garbage */
    double nanm[4] = {1, NAN, NAN, 2}, infm[4] = {1, INFINITY, INFINITY, 2};
    loom_array *n = loom_array_from(ctx, nanm, LOOM_FLOAT64, LOOM_SHAPE(2, 2), LOOM_COPY);
    loom_array *i = loom_array_from(ctx, infm, LOOM_FLOAT64, LOOM_SHAPE(2, 2), LOOM_COPY);
    loom_array *u, *s, *vh;
    ck_assert_int_eq(loom_linalg_svd(n, true, true, &u, &s, &vh), LOOM_OK);
    expect_run_error(s, LOOM_ERR_LINALG, "SVD did not converge");
    ck_assert_int_eq(loom_linalg_svd(i, false, false, NULL, &s, NULL), LOOM_OK);
    expect_run_error(s, LOOM_ERR_LINALG, "SVD did not converge");
    expect_run_error(loom_linalg_eigvalsh(n, 'L'), LOOM_ERR_LINALG,
                     "Eigenvalues did not converge");
    expect_run_error(loom_linalg_eigvalsh(i, 'U'), LOOM_ERR_LINALG,
                     "Eigenvalues did not converge");
    expect_run_error(loom_linalg_matrix_rank(n, -1), LOOM_ERR_LINALG,
                     "SVD did not converge");
    expect_run_error(loom_linalg_pinv(i, -1), LOOM_ERR_LINALG,
                     "SVD did not converge");
    loom_array *x;
    ck_assert_int_eq(loom_linalg_lstsq(n, loom_ones(ctx, LOOM_SHAPE(2), LOOM_FLOAT64),
                                       -1, &x, NULL, NULL, NULL),
                     LOOM_OK);
    expect_run_error(x, LOOM_ERR_LINALG,
                     "SVD did not converge in Linear Least Squares");
    /* NaN in the triangle eigh does not read is ignored, as in NumPy */
    double half[4] = {2, NAN, 1, 3};
    loom_array *h = loom_array_from(ctx, half, LOOM_FLOAT64, LOOM_SHAPE(2, 2), LOOM_COPY);
    ck_assert_int_eq(loom_eval(loom_linalg_eigvalsh(h, 'L')), LOOM_OK);
}
END_TEST

/* LAPACK and BLAS print on bad arguments; loom must never let them.  Runs
 * the error cases with stdout and stderr sent to a file that must stay
 * empty. */
START_TEST(nothing_printed)
{
    char path[] = "/tmp/loom_linalg_XXXXXX";
    int fd = mkstemp(path);
    ck_assert(fd >= 0);
    fflush(stdout);
    fflush(stderr);
    int out = dup(1), err = dup(2);
    dup2(fd, 1);
    dup2(fd, 2);
    double sing[4] = {1, 2, 2, 4};
    loom_array *a = loom_array_from(ctx, sing, LOOM_FLOAT64, LOOM_SHAPE(2, 2),
                                    LOOM_COPY);
    loom_eval(loom_linalg_inv(a));
    loom_eval(loom_linalg_cholesky(loom_negative(a)));
    loom_array *u, *s, *vh, *x, *res, *rk, *sv, *q, *r;
    loom_linalg_svd(loom_zeros(ctx, LOOM_SHAPE(0, 5), LOOM_FLOAT64), true, true,
                    &u, &s, &vh);
    loom_array *all[3] = {u, s, vh};
    loom_eval_many(ctx, all, 3);
    loom_linalg_svd(loom_zeros(ctx, LOOM_SHAPE(5, 0), LOOM_FLOAT32), false, true,
                    &u, &s, &vh);
    loom_eval(u);
    loom_linalg_lstsq(loom_zeros(ctx, LOOM_SHAPE(4, 2), LOOM_FLOAT64),
                      loom_zeros(ctx, LOOM_SHAPE(4, 0), LOOM_FLOAT64), -1, &x,
                      &res, &rk, &sv);
    loom_eval(x);
    loom_linalg_lstsq(loom_zeros(ctx, LOOM_SHAPE(0, 3), LOOM_FLOAT64),
                      loom_zeros(ctx, LOOM_SHAPE(0, 2), LOOM_FLOAT64), -1, &x,
                      &res, &rk, &sv);
    loom_eval(x);
    loom_linalg_qr(loom_zeros(ctx, LOOM_SHAPE(1, 7), LOOM_FLOAT64), "complete",
                   &q, &r);
    loom_eval(q);
    loom_eval(loom_matmul(loom_zeros(ctx, LOOM_SHAPE(1, 0), LOOM_FLOAT32),
                          loom_zeros(ctx, LOOM_SHAPE(0, 1), LOOM_FLOAT32)));
    loom_eval(loom_matmul(loom_broadcast_to(loom_ones(ctx, LOOM_SHAPE(1), LOOM_FLOAT64),
                                            LOOM_SHAPE(1, 9)),
                          loom_broadcast_to(loom_ones(ctx, LOOM_SHAPE(1), LOOM_FLOAT64),
                                            LOOM_SHAPE(9, 1))));
    loom_eval(loom_linalg_eigvalsh(loom_ones(ctx, LOOM_SHAPE(1, 1), LOOM_FLOAT64), 'U'));
    /* NaN and inf reach no LAPACK routine that would complain */
    double bad[6] = {1, NAN, 2, 3, INFINITY, 4};
    loom_array *nb = loom_array_from(ctx, bad, LOOM_FLOAT64, LOOM_SHAPE(3, 2),
                                     LOOM_COPY);
    loom_linalg_lstsq(nb, loom_ones(ctx, LOOM_SHAPE(3), LOOM_FLOAT64), -1, &x,
                      NULL, NULL, NULL);
    loom_eval(x);
    loom_linalg_lstsq(loom_ones(ctx, LOOM_SHAPE(3, 2), LOOM_FLOAT64),
                      loom_reshape(nb, LOOM_SHAPE(3, 2)), -1, &x, NULL, NULL,
                      NULL);
    loom_eval(x);
    loom_linalg_svd(nb, true, true, &u, &s, &vh);
    loom_eval(s);
    loom_eval(loom_linalg_pinv(nb, -1));
    loom_linalg_qr(nb, "reduced", &q, &r);
    loom_eval(q);
    loom_array *n22 = loom_array_from(ctx, bad + 3, LOOM_FLOAT64,
                                      LOOM_SHAPE(1, 1), LOOM_COPY);
    n22 = loom_add(loom_eye(ctx, 2, -1, 0, LOOM_FLOAT64), n22);
    loom_eval(loom_linalg_inv(n22));
    loom_eval(loom_linalg_det(n22));
    loom_eval(loom_linalg_cholesky(n22));
    loom_eval(loom_linalg_eigvalsh(n22, 'L'));
    fflush(stdout);
    fflush(stderr);
    dup2(out, 1);
    dup2(err, 2);
    close(out);
    close(err);
    off_t size = lseek(fd, 0, SEEK_END);
    close(fd);
    unlink(path);
    ck_assert_msg(size == 0, "%lld bytes were printed", (long long)size);
}
END_TEST

/* Every output of a multi-output call can be asked for first, alone, in
 * any order: evaluating one must not make another unreachable. */
START_TEST(outputs_in_any_order)
{
    loom_array *a = mk(LOOM_FLOAT64, LOOM_SHAPE(4, 4), 80);
    loom_array *spd = loom_add(mm(a, tT(a)), loom_eye(ctx, 4, -1, 0, LOOM_FLOAT64));
    loom_array *w, *v;
    ck_assert_int_eq(loom_linalg_eigh(spd, 'L', &w, &v), LOOM_OK);
    ck_assert_int_eq(loom_eval(w), LOOM_OK);
    ck_assert_msg(loom_eval(v) == LOOM_OK, "%s", loom_ctx_error(ctx));
    loom_array *u, *s, *vh;
    ck_assert_int_eq(loom_linalg_svd(a, true, true, &u, &s, &vh), LOOM_OK);
    ck_assert_int_eq(loom_eval(vh), LOOM_OK);
    ck_assert_int_eq(loom_eval(s), LOOM_OK);
    ck_assert_msg(loom_eval(u) == LOOM_OK, "%s", loom_ctx_error(ctx));
    loom_array *us = loom_multiply(u, loom_expand_dims(s, -2));
    expect_close(mm(us, vh), a, 1e-12, "u s vh, evaluated apart");
    loom_array *sg, *ld;
    ck_assert_int_eq(loom_linalg_slogdet(spd, &sg, &ld), LOOM_OK);
    ck_assert_int_eq(loom_eval(sg), LOOM_OK);
    expect_close(loom_multiply(sg, loom_exp(ld)), loom_linalg_det(spd), 1e-12,
                 "slogdet, evaluated apart");
    loom_array *q, *r;
    ck_assert_int_eq(loom_linalg_qr(a, "complete", &q, &r), LOOM_OK);
    ck_assert_int_eq(loom_eval(r), LOOM_OK);
    expect_close(mm(q, r), a, 1e-12, "q r, evaluated apart");
    /* asked for together, the call runs once */
    loom_array *u2, *s2, *vh2;
    ck_assert_int_eq(loom_linalg_svd(a, false, true, &u2, &s2, &vh2), LOOM_OK);
    loom_array *all[3] = {u2, s2, vh2};
    ck_assert_int_eq(loom_eval_many(ctx, all, 3), LOOM_OK);
    ck_assert_int_eq(loom_last_stats(ctx).calls, 1);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("linalg");
    TCase *t = tcase_create("linalg");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, matmul_dtypes_shapes);
    tcase_add_test(t, matmul_layouts);
    tcase_add_test(t, matmul_integers_and_bools);
    tcase_add_test(t, other_products);
    tcase_add_test(t, decompositions);
    tcase_add_test(t, decomposition_dtypes);
    tcase_add_test(t, empty_matrices);
    tcase_add_test(t, lstsq_pinv_rank);
    tcase_add_test(t, norms);
    tcase_add_test(t, bad_input);
    tcase_add_test(t, numerical_errors);
    tcase_add_test(t, nothing_printed);
    tcase_add_test(t, outputs_in_any_order);
    tcase_set_timeout(t, 300);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return ts_run(suite());
}
