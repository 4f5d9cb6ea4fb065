/*
 * test_fuse.c -- fusion: how many kernels the ML patterns take, that cuts
 * carry reasons, that eager mode runs one kernel per op, and that fused
 * and eager results agree.
 */
#include "graph/fuse.h"
#include "support.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static loom_array *data(loom_ctx *ctx, int64_t n, int64_t d)
{
    loom_rng *g = loom_rng_new_u64(ctx, 7);
    return loom_rng_standard_normal(g, LOOM_SHAPE(n, d), LOOM_FLOAT32);
}

static int kernels_of(loom_ctx *ctx, loom_array **outs, int n)
{
    ck_assert_int_eq(loom_eval_many(ctx, outs, n), LOOM_OK);
    return loom_last_stats(ctx).kernels;
}

static loom_array *softmax(loom_array *x)
{
    loom_array *e = loom_exp(loom_subtract(x, loom_max(x, 1, true)));
    return loom_divide(e, loom_sum(e, 1, true));
}

static loom_array *logsumexp(loom_array *x)
{
    loom_array *m = loom_max(x, 1, true);
    return loom_add(m, loom_log(loom_sum(loom_exp(loom_subtract(x, m)), 1, true)));
}

static loom_array *zscore_rows(loom_array *x)
{
    return loom_divide(loom_subtract(x, loom_mean(x, 1, true)),
                       loom_std(x, 1, true, 0));
}

static loom_array *l2norm(loom_array *x)
{
    return loom_divide(x, loom_linalg_norm(x, LOOM_ORD_DEFAULT, LOOM_AXES(1), true));
}

START_TEST(row_patterns_are_one_kernel)
{
    loom_ctx *ctx = ts_ctx();
    loom_array *x = data(ctx, 256, 1000);
    loom_array *(*f[])(loom_array *) = {softmax, logsumexp, zscore_rows, l2norm};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
        loom_array *y = f[i](x);
        ck_assert_msg(kernels_of(ctx, &y, 1) == 1, "pattern %zu: %d kernels",
                      i, loom_last_stats(ctx).kernels);
    }
    /* mean and std over the same input share one sweep */
    loom_array *ms[2] = {loom_mean(x, 0, false), loom_std(x, 0, false, 1)};
    ck_assert_int_eq(kernels_of(ctx, ms, 2), 1);
    loom_array *mm[2] = {loom_min(x, 1, false), loom_max(x, 1, false)};
    ck_assert_int_eq(kernels_of(ctx, mm, 2), 1);
    /* elementwise chains of any length */
    loom_array *y = loom_sigmoid(loom_multiply(loom_tanh(x), loom_sqrt(loom_abs(x))));
    ck_assert_int_eq(kernels_of(ctx, &y, 1), 1);
    loom_ctx_free(ctx);
}
END_TEST

START_TEST(column_zscore_is_two_kernels)
{
    loom_ctx *ctx = ts_ctx();
    loom_array *x = data(ctx, 5000, 64);
    loom_array *z = loom_divide(loom_subtract(x, loom_mean(x, 0, false)),
                                loom_std(x, 0, false, 0));
    ck_assert_int_eq(kernels_of(ctx, &z, 1), 2);
    loom_ctx_free(ctx);
}
END_TEST

START_TEST(eager_is_one_kernel_per_op)
{
    loom_ctx *ctx = ts_ctx_eager(true);
    loom_array *x = data(ctx, 64, 100);
    loom_array *y = softmax(x);
    ck_assert_int_ge(kernels_of(ctx, &y, 1), 5);
    loom_ctx_free(ctx);
}
END_TEST

/* The plan of softmax over rows too long for cache: the reduction is cut,
 * with a reason. */
START_TEST(cuts_have_reasons)
{
    loom_ctx *ctx = ts_ctx();
    loom_array *x = loom_zeros(ctx, LOOM_SHAPE(4, 1 << 20), LOOM_FLOAT32);
    loom_array *y = softmax(x);
    loom_array *o = graph_optimize(y);
    fuse_plan p;
    ck_assert_int_eq(fuse_plan_build(ctx, &o, 1, false, &p), LOOM_OK);
    bool found = false;
    for (int i = 0; i < p.ncuts; i++)
        found = found || strstr(p.cuts[i].reason, "does not fit in cache");
    ck_assert_msg(found, "no cache-size cut among %d cuts", p.ncuts);
    ck_assert_int_gt(p.nsteps, 1);
    fuse_plan_free(&p);
    graph_unref(o);
    /* a reduction over the slow axis broadcast back cannot be row-fused */
    loom_array *c = loom_subtract(x, loom_mean(x, 0, true));
    o = graph_optimize(c);
    ck_assert_int_eq(fuse_plan_build(ctx, &o, 1, false, &p), LOOM_OK);
    ck_assert_int_eq(p.nsteps, 2);
    ck_assert_int_ge(p.ncuts, 1);
    fuse_plan_free(&p);
    graph_unref(o);
    loom_ctx_free(ctx);
}
END_TEST

/* The mean cross entropy of softmax(x) at labels: a gather of a few
 * probabilities. */
static loom_array *cross_entropy(loom_array *x, loom_array *labels)
{
    loom_array *rows = loom_arange(loom_ctx_of(x), 0, (double)loom_shape_of(x).dim[0],
                                   1, LOOM_INT64);
    loom_array *p = LOOM_GET(softmax(x), LOOM_IDX(rows), LOOM_IDX(labels));
    return loom_negative(loom_mean(loom_log(p), LOOM_ALL, false));
}

/* The gather recomputes the probabilities it picks: softmax is not
 * materialized; the row max and sum run nested in the mean's sweep over
 * the rows, so the whole loss is one kernel, as a hand loop would be. */
START_TEST(sparse_gather_recomputes)
{
    loom_ctx *ctx = ts_ctx();
    loom_array *x = data(ctx, 4096, 100);
    int64_t lab[4096];
    for (int i = 0; i < 4096; i++)
        lab[i] = (i * 37) % 100;
    loom_array *labels = loom_array_from(ctx, lab, LOOM_INT64, LOOM_SHAPE(4096),
                                         LOOM_COPY);
    ck_assert_int_eq(loom_eval(x), LOOM_OK);
    loom_array *ce = cross_entropy(x, labels);
    loom_array *o = graph_optimize(ce);
    fuse_plan p;
    ck_assert_int_eq(fuse_plan_build(ctx, &o, 1, false, &p), LOOM_OK);
    ck_assert_int_eq(p.nsteps, 1);
    ck_assert_int_eq(p.steps[0].nout, 1);
    ck_assert_int_eq(p.steps[0].nreduce, 3); /* max, sum, mean */
    for (int i = 0; i < p.nsteps; i++)
        for (int j = 0; j < p.steps[i].nout; j++)
            ck_assert_int_ne(p.steps[i].out[j]->op, GRAPH_OP_EXP);
    fuse_plan_free(&p);
    graph_unref(o);
    /* the value, against a direct computation */
    const float *xv = loom_data(x);
    double want = 0;
    for (int i = 0; i < 4096; i++) {
        const float *r = xv + i * 100;
        double m = r[0], s = 0;
        for (int j = 1; j < 100; j++)
            m = fmax(m, r[j]);
        for (int j = 0; j < 100; j++)
            s += exp(r[j] - m);
        want -= (r[lab[i]] - m - log(s)) / 4096;
    }
    ck_assert_double_eq_tol(loom_item(ce, NULL), want, 1e-5 * fabs(want));
    /* a dense gather (as many elements as its source) does not recompute */
    loom_array *all = loom_astype(
        loom_minimum(loom_floor(loom_multiply(loom_abs(loom_ravel(x)), loom_scalar(ctx, 10))),
                     loom_scalar(ctx, 1000)),
        LOOM_INT64);
    loom_array *g = LOOM_GET(loom_ravel(loom_exp(x)), LOOM_IDX(all));
    ck_assert_int_eq(loom_eval(g), LOOM_OK);
    ck_assert_double_eq_tol(loom_item(g, (int64_t[]){0}),
                            exp(xv[(int64_t)fmin(floor(fabs(xv[0]) * 10), 1000)]), 1e-5);
    loom_ctx_free(ctx);
}
END_TEST

/* x[arange(n), idx] reads rows directly (the gather_iota rule): the
 * arange is neither evaluated for its bounds check nor loaded; a range
 * that overruns the axis is still an IndexError with NumPy's wording, and
 * one shorter than the axis stays an index array. */
START_TEST(gather_by_arange_reads_rows)
{
    loom_ctx *ctx = ts_ctx();
    float xv[4 * 3];
    for (int i = 0; i < 12; i++)
        xv[i] = (float)i;
    loom_array *x = loom_array_from(ctx, xv, LOOM_FLOAT32, LOOM_SHAPE(4, 3), LOOM_COPY);
    int64_t lab[4] = {2, 0, -1, 1};
    loom_array *labels = loom_array_from(ctx, lab, LOOM_INT64, LOOM_SHAPE(4), LOOM_COPY);
    loom_array *rows = loom_arange(ctx, 0, 4, 1, LOOM_INT64);
    loom_array *g = LOOM_GET(x, LOOM_IDX(rows), LOOM_IDX(labels));
    ck_assert_int_eq(loom_status_of(g), LOOM_OK);
    ck_assert_ptr_null(rows->buf); /* the bounds check did not evaluate it */
    loom_array *o = graph_optimize(g);
    ck_assert_int_eq(o->op, GRAPH_OP_GATHER);
    ck_assert_int_eq(o->nin, 2);        /* x and the labels */
    ck_assert_int_eq(o->attr[0], 0);    /* rows: output axis 0 */
    ck_assert_int_eq(o->attr[1], -1);   /* columns: the labels */
    graph_unref(o);
    ck_assert_int_eq(loom_eval(g), LOOM_OK);
    const float *gv = loom_data(g);
    float want[4] = {2, 3, 8, 10};
    for (int i = 0; i < 4; i++)
        ck_assert_float_eq(gv[i], want[i]);
    /* a shorter range keeps its index array, with the same values */
    loom_array *g2 = LOOM_GET(x, LOOM_IDX(loom_arange(ctx, 0, 2, 1, LOOM_INT64)),
                              LOOM_IDX(loom_arange(ctx, 0, 2, 1, LOOM_INT64)));
    ck_assert_int_eq(loom_eval(g2), LOOM_OK);
    ck_assert_float_eq(((const float *)loom_data(g2))[1], 4);
    loom_array *bad = LOOM_GET(x, LOOM_IDX(loom_arange(ctx, 0, 5, 1, LOOM_INT64)),
                               LOOM_IDX(loom_arange(ctx, 0, 5, 1, LOOM_INT64)));
    ck_assert_int_eq(loom_status_of(bad), LOOM_ERR_INDEX);
    ck_assert_str_eq(loom_error(bad), "index 4 is out of bounds for axis 0 with size 4");
    loom_ctx_free(ctx);
}
END_TEST

/* Reductions read inside another reduction's sweep run nested in it
 * (the mean of row log-sum-exps: one kernel); a reduction read at two
 * shifted positions (m[1:] - m[:-1]) is stored once and read twice, and
 * its values are right. */
START_TEST(nested_and_shifted_reductions)
{
    loom_ctx *ctx = ts_ctx();
    loom_array *x = data(ctx, 300, 70);
    ck_assert_int_eq(loom_eval(x), LOOM_OK);
    const float *xv = loom_data(x);
    loom_array *l = loom_mean(logsumexp(x), LOOM_ALL, false);
    ck_assert_int_eq(kernels_of(ctx, &l, 1), 1);
    double want = 0;
    for (int i = 0; i < 300; i++) {
        double m = xv[i * 70], s = 0;
        for (int j = 1; j < 70; j++)
            m = fmax(m, xv[i * 70 + j]);
        for (int j = 0; j < 70; j++)
            s += exp(xv[i * 70 + j] - m);
        want += (m + log(s)) / 300;
    }
    ck_assert_double_eq_tol(loom_item(l, NULL), want, 1e-5 * fabs(want));
    /* the row max read at rows i+1 and i */
    loom_array *m = loom_max(x, 1, false);
    loom_array *d = loom_subtract(LOOM_GET(m, LOOM_SL(1, 300, 1)),
                                  LOOM_GET(m, LOOM_SL(0, 299, 1)));
    ck_assert_int_eq(kernels_of(ctx, &d, 1), 2);
    const float *dv = loom_data(d);
    for (int i = 0; i < 299; i++) {
        float a = xv[i * 70], b = xv[(i + 1) * 70];
        for (int j = 1; j < 70; j++) {
            a = fmaxf(a, xv[i * 70 + j]);
            b = fmaxf(b, xv[(i + 1) * 70 + j]);
        }
        ck_assert_float_eq(dv[i], b - a);
    }
    /* nested inside a kernel with loops of its own: cut, with a reason */
    loom_array *rowsum = loom_sum(loom_max(loom_reshape(x, LOOM_SHAPE(3, 100, 70)), 2, false),
                                  1, false);
    loom_array *o = graph_optimize(rowsum);
    fuse_plan p;
    ck_assert_int_eq(fuse_plan_build(ctx, &o, 1, false, &p), LOOM_OK);
    ck_assert_int_eq(p.nsteps, 2);
    bool reason = false;
    for (int i = 0; i < p.ncuts; i++)
        reason = reason || strstr(p.cuts[i].reason, "another reduction's");
    ck_assert(reason);
    fuse_plan_free(&p);
    graph_unref(o);
    loom_ctx_free(ctx);
}
END_TEST

/* Row sums and variances of float32 sum in float32 within blocks (for
 * vectors twice as wide) and in float64 across them: long rows far from
 * zero keep float64-like accuracy, and the variance does not cancel. */
START_TEST(blocked_row_sums_are_accurate)
{
    loom_ctx *ctx = ts_ctx();
    enum { R = 4, C = 50021 };
    float *v = malloc(sizeof(float) * R * C);
    ck_assert_ptr_nonnull(v);
    uint32_t st = 12345;
    for (int i = 0; i < R * C; i++) {
        st = st * 1664525u + 1013904223u;
        v[i] = 10000.0f + (float)(st >> 8) / (float)(1 << 24);
    }
    loom_array *x = loom_array_from(ctx, v, LOOM_FLOAT32, LOOM_SHAPE(R, C), LOOM_COPY);
    loom_array *sum = loom_sum(x, 1, false), *var = loom_var(x, 1, false, 0);
    loom_array *outs[2] = {sum, var};
    ck_assert_int_eq(loom_eval_many(ctx, outs, 2), LOOM_OK);
    const float *sv = loom_data(sum), *vv = loom_data(var);
    for (int r = 0; r < R; r++) {
        double s = 0, q = 0;
        for (int j = 0; j < C; j++)
            s += v[r * C + j];
        for (int j = 0; j < C; j++)
            q += (v[r * C + j] - s / C) * (v[r * C + j] - s / C);
        ck_assert_double_le(fabs(sv[r] - s) / s, 1e-6);
        ck_assert_double_le(fabs(vv[r] - q / C) / (q / C), 1e-3);
    }
    free(v);
    loom_ctx_free(ctx);
}
END_TEST

static void expect_same(loom_array *a, loom_array *b, double rtol)
{
    int64_t n = loom_size(a);
    loom_array *fa = loom_astype(a, LOOM_FLOAT64), *fb = loom_astype(b, LOOM_FLOAT64);
    const double *pa = loom_data(fa), *pb = loom_data(fb);
    ck_assert_ptr_nonnull(pa);
    ck_assert_ptr_nonnull(pb);
    ts_expect_f64(pa, pb, n, rtol, 1e-6, "fused vs eager");
}

START_TEST(fused_matches_eager)
{
    loom_ctx *fc = ts_ctx(), *ec = ts_ctx_eager(true);
    loom_array *xs[2] = {data(fc, 300, 257), data(ec, 300, 257)};
    loom_array *r[2][9];
    for (int i = 0; i < 2; i++) {
        loom_array *x = xs[i];
        r[i][0] = softmax(x);
        r[i][1] = logsumexp(x);
        r[i][2] = zscore_rows(x);
        r[i][3] = loom_divide(loom_subtract(x, loom_mean(x, 0, false)),
                              loom_std(x, 0, false, 0));
        r[i][4] = loom_argmax(x, 1, false);
        r[i][5] = loom_sum(loom_exp(x), LOOM_ALL, false);
        r[i][6] = loom_var(loom_T(x), 1, false, 1);
        r[i][7] = loom_reduce(LOOM_RED_PTP, x, LOOM_AXES(0, 1), true,
                              LOOM_DEFAULT_DTYPE, 0);
        int64_t lab[300];
        for (int k = 0; k < 300; k++)
            lab[k] = (k * 91) % 257;
        r[i][8] = cross_entropy(x, loom_array_from(loom_ctx_of(x), lab, LOOM_INT64,
                                                   LOOM_SHAPE(300), LOOM_COPY));
    }
    for (int j = 0; j < 9; j++) {
        /* compare in the fused context: copy eager's data over */
        loom_array *e = r[1][j];
        const void *d = loom_data(e);
        ck_assert_ptr_nonnull(d);
        loom_array *ef = loom_array_from(fc, d, loom_dtype_of(e), loom_shape_of(e),
                                         LOOM_COPY);
        expect_same(r[0][j], ef, 1e-5);
    }
    loom_ctx_free(fc);
    loom_ctx_free(ec);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("fuse");
    TCase *t = tcase_create("fuse");
    tcase_add_test(t, row_patterns_are_one_kernel);
    tcase_add_test(t, column_zscore_is_two_kernels);
    tcase_add_test(t, eager_is_one_kernel_per_op);
    tcase_add_test(t, cuts_have_reasons);
    tcase_add_test(t, sparse_gather_recomputes);
    tcase_add_test(t, gather_by_arange_reads_rows);
    tcase_add_test(t, nested_and_shifted_reductions);
    tcase_add_test(t, blocked_row_sums_are_accurate);
    tcase_add_test(t, fused_matches_eager);
    tcase_set_timeout(t, 300);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return ts_run(suite());
}
