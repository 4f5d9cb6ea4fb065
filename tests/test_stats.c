/*
 * test_stats.c -- median, quantile, percentile and their nan-forms, cov,
 * corrcoef, diff, gradient, convolve, correlate, interp: shapes, dtypes
 * and values of small cases (NumPy's), NumPy's errors, fusion (the
 * composites stay few kernels), fused against eager, and no leaks when
 * allocations fail.
 */
#include "support.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static loom_ctx *ctx;

static void setup(void)
{
    ctx = ts_ctx();
}

static void teardown(void)
{
    loom_ctx_free(ctx);
}

#define E(expr, st, needle) ts_expect_error((expr), (st), (needle))
#define D(...) ((const double[]){__VA_ARGS__})

/* a's shape is s, its dtype t and its values (as doubles) want. */
static void expect(loom_array *a, loom_shape s, loom_dtype t,
                   const double *want, const char *what)
{
    ts_expect_array(a, s, t, want, 1e-14, 1e-15, what);
}

static loom_array *vec(int n, const double *v)
{
    return loom_array_from(ctx, v, LOOM_FLOAT64, LOOM_SHAPE(n), LOOM_COPY);
}

START_TEST(medians)
{
    loom_array *x = vec(4, D(3, 1, 2, 4));
    expect(loom_median(x, LOOM_ALL, false), LOOM_SCALAR_SHAPE, LOOM_FLOAT64,
           D(2.5), "even median");
    expect(loom_median(loom_astype(x, LOOM_INT32), 0, true), LOOM_SHAPE(1),
           LOOM_FLOAT64, D(2.5), "int median is float64");
    expect(loom_median(loom_astype(x, LOOM_FLOAT32), 0, false),
           LOOM_SCALAR_SHAPE, LOOM_FLOAT32, D(2.5), "float32 median");
    loom_array *m = loom_reshape(vec(6, D(5, NAN, 1, 2, 7, 3)),
                                 LOOM_SHAPE(2, 3));
    expect(loom_median(m, 1, false), LOOM_SHAPE(2), LOOM_FLOAT64, D(NAN, 3),
           "NaN propagates");
    expect(loom_nanmedian(m, 1, false), LOOM_SHAPE(2), LOOM_FLOAT64, D(3, 3),
           "nanmedian");
    expect(loom_nanmedian(m, 0, true), LOOM_SHAPE(1, 3), LOOM_FLOAT64,
           D(3.5, 7, 2), "nanmedian keepdims");
    expect(loom_nanmedian(loom_full(ctx, LOOM_SHAPE(2, 2), NAN, LOOM_FLOAT64),
                          1, false),
           LOOM_SHAPE(2), LOOM_FLOAT64, D(NAN, NAN), "all-NaN slices");
    expect(loom_median(loom_zeros(ctx, LOOM_SHAPE(0, 2), LOOM_INT64), 0, false),
           LOOM_SHAPE(2), LOOM_FLOAT64, D(NAN, NAN), "median of nothing");
    E(loom_median(m, 2, false), LOOM_ERR_AXIS,
      "axis 2 is out of bounds for array of dimension 2");
}
END_TEST

START_TEST(quantiles)
{
    loom_array *x = loom_arange(ctx, 0, 5, 1, LOOM_FLOAT64);
    loom_array *q = vec(3, D(0.3, 0.625, 1.0));
    const double *want[5] = {D(1.2, 2.5, 4), D(1, 2, 4), D(2, 3, 4), D(1, 2, 4),
                             D(1.5, 2.5, 4)};
    for (int m = 0; m < 5; m++) {
        expect(loom_quantile(x, q, 0, (loom_quantile_method)m, false),
               LOOM_SHAPE(3), LOOM_FLOAT64, want[m], "quantile methods");
        loom_array *p = loom_multiply(q, loom_scalar(ctx, 100));
        expect(loom_percentile(x, p, LOOM_ALL, (loom_quantile_method)m, false),
               LOOM_SHAPE(3), LOOM_FLOAT64, want[m], "percentile methods");
    }
    loom_array *xi = loom_arange(ctx, 0, 5, 1, LOOM_INT32);
    expect(loom_quantile(xi, loom_scalar(ctx, 0.3), 0, LOOM_Q_LOWER, false),
           LOOM_SCALAR_SHAPE, LOOM_INT32, D(1), "lower keeps the dtype");
    expect(loom_quantile(xi, loom_scalar(ctx, 0.3), 0, LOOM_Q_LINEAR, true),
           LOOM_SHAPE(1), LOOM_FLOAT64, D(1.2), "linear gives float64");
    loom_array *m = loom_reshape(vec(8, D(1, NAN, 3, 4, NAN, NAN, NAN, NAN)),
                                 LOOM_SHAPE(2, 4));
    expect(loom_nanquantile(m, loom_scalar(ctx, 0.5), 1, LOOM_Q_LOWER, false),
           LOOM_SHAPE(2), LOOM_FLOAT64, D(3, NAN), "nanquantile lower");
    expect(loom_nanpercentile(m, vec(2, D(0, 100)), 1, LOOM_Q_LINEAR, true),
           LOOM_SHAPE(2, 2, 1), LOOM_FLOAT64, D(1, NAN, 4, NAN),
           "nanpercentile keepdims");

    E(loom_quantile(x, loom_scalar(ctx, 1.5), 0, LOOM_Q_LINEAR, false),
      LOOM_ERR_VALUE, "Quantiles must be in the range [0, 1]");
    E(loom_quantile(x, vec(2, D(0.5, NAN)), 0, LOOM_Q_LINEAR, false),
      LOOM_ERR_VALUE, "Quantiles must be in the range [0, 1]");
    E(loom_percentile(x, loom_scalar(ctx, -1), 0, LOOM_Q_LINEAR, false),
      LOOM_ERR_VALUE, "Percentiles must be in the range [0, 100]");
    E(loom_quantile(loom_zeros(ctx, LOOM_SHAPE(3), LOOM_BOOL),
                    loom_scalar(ctx, 0.5), 0, LOOM_Q_LINEAR, false),
      LOOM_ERR_TYPE, "numpy boolean subtract");
    E(loom_quantile(loom_zeros(ctx, LOOM_SHAPE(0, 3), LOOM_FLOAT64),
                    loom_scalar(ctx, 0.5), 0, LOOM_Q_LINEAR, false),
      LOOM_ERR_INDEX, "cannot do a non-empty take from an empty axes.");
    E(loom_nanquantile(x, loom_scalar(ctx, 0.5), 1, LOOM_Q_LINEAR, false),
      LOOM_ERR_AXIS, "axis 1 is out of bounds for array of dimension 1");
}
END_TEST

START_TEST(covariance)
{
    loom_array *x = loom_reshape(vec(6, D(0, 1, 2, 2, 1, 5)), LOOM_SHAPE(2, 3));
    expect(loom_cov(x, NULL, true, false, -1), LOOM_SHAPE(2, 2), LOOM_FLOAT64,
           D(1, 1.5, 1.5, 13.0 / 3), "cov");
    expect(loom_cov(loom_T(x), NULL, false, true, -1), LOOM_SHAPE(2, 2),
           LOOM_FLOAT64, D(2.0 / 3, 1, 1, 26.0 / 9), "cov rowvar=False bias");
    expect(loom_cov(loom_astype(x, LOOM_INT32), NULL, true, false, 0),
           LOOM_SHAPE(2, 2), LOOM_FLOAT64, D(2.0 / 3, 1, 1, 26.0 / 9),
           "cov ddof 0");
    loom_array *r0 = LOOM_GET(x, LOOM_I(0)), *r1 = LOOM_GET(x, LOOM_I(1));
    expect(loom_cov(r0, NULL, true, false, -1), LOOM_SCALAR_SHAPE,
           LOOM_FLOAT64, D(1), "cov of one variable is 0-d");
    expect(loom_cov(r0, r1, true, false, -1), LOOM_SHAPE(2, 2), LOOM_FLOAT64,
           D(1, 1.5, 1.5, 13.0 / 3), "cov with y");
    expect(loom_cov(loom_zeros(ctx, LOOM_SHAPE(0, 3), LOOM_FLOAT64), NULL,
                    true, false, -1),
           LOOM_SHAPE(0, 0), LOOM_FLOAT64, NULL, "cov of nothing");
    double r = 1.5 / sqrt(13.0 / 3);
    expect(loom_corrcoef(x, NULL, true), LOOM_SHAPE(2, 2), LOOM_FLOAT64,
           D(1, r, r, 1), "corrcoef");
    expect(loom_corrcoef(r0, NULL, true), LOOM_SCALAR_SHAPE, LOOM_FLOAT64,
           D(1), "corrcoef 0-d");

    E(loom_cov(loom_zeros(ctx, LOOM_SHAPE(2, 2, 2), LOOM_FLOAT64), NULL, true,
               false, -1),
      LOOM_ERR_VALUE, "m has more than 2 dimensions");
    E(loom_cov(x, loom_zeros(ctx, LOOM_SHAPE(1, 2, 2), LOOM_FLOAT64), true,
               false, -1),
      LOOM_ERR_VALUE, "y has more than 2 dimensions");
    E(loom_corrcoef(x, loom_zeros(ctx, LOOM_SHAPE(2, 4), LOOM_FLOAT64), true),
      LOOM_ERR_VALUE, "all the input array dimensions except for the "
                      "concatenation axis must match exactly");
}
END_TEST

START_TEST(differences)
{
    loom_array *x = vec(4, D(1, 4, 9, 16));
    expect(loom_diff(x, 1, -1), LOOM_SHAPE(3), LOOM_FLOAT64, D(3, 5, 7), "diff");
    expect(loom_diff(x, 2, 0), LOOM_SHAPE(2), LOOM_FLOAT64, D(2, 2), "diff n=2");
    expect(loom_diff(x, 9, 0), LOOM_SHAPE(0), LOOM_FLOAT64, NULL,
           "diff past the length");
    loom_array *b = loom_array_from(ctx, (bool[]){true, true, false},
                                    LOOM_BOOL, LOOM_SHAPE(3), LOOM_COPY);
    expect(loom_diff(b, 1, 0), LOOM_SHAPE(2), LOOM_BOOL, D(0, 1), "diff bool");
    expect(loom_diff(loom_scalar(ctx, 2), 0, 0), LOOM_SCALAR_SHAPE,
           LOOM_FLOAT64, D(2), "diff n=0 returns a");
    expect(loom_gradient(x, 2.0, 0), LOOM_SHAPE(4), LOOM_FLOAT64,
           D(1.5, 2, 3, 3.5), "gradient");
    expect(loom_gradient(loom_astype(x, LOOM_INT32), 1.0, 0), LOOM_SHAPE(4),
           LOOM_FLOAT64, D(3, 4, 6, 7), "gradient of ints");
    expect(loom_gradient(loom_astype(x, LOOM_FLOAT32), 1.0, -1), LOOM_SHAPE(4),
           LOOM_FLOAT32, D(3, 4, 6, 7), "gradient float32");

    E(loom_diff(x, -1, 0), LOOM_ERR_VALUE,
      "order must be non-negative but got -1");
    E(loom_diff(loom_scalar(ctx, 2), 1, 0), LOOM_ERR_VALUE,
      "diff requires input that is at least one dimensional");
    E(loom_diff(x, 1, 1), LOOM_ERR_AXIS,
      "axis 1 is out of bounds for array of dimension 1");
    E(loom_gradient(vec(1, D(1)), 1, 0), LOOM_ERR_VALUE,
      "Shape of array too small to calculate a numerical gradient");
    E(loom_gradient(b, 1, 0), LOOM_ERR_TYPE, "numpy boolean subtract");
}
END_TEST

START_TEST(convolutions)
{
    loom_array *a = vec(3, D(1, 2, 3)), *v = vec(3, D(0, 1, 0.5));
    expect(loom_convolve(a, v, LOOM_CONV_FULL), LOOM_SHAPE(5), LOOM_FLOAT64,
           D(0, 1, 2.5, 4, 1.5), "convolve full");
    expect(loom_convolve(a, v, LOOM_CONV_SAME), LOOM_SHAPE(3), LOOM_FLOAT64,
           D(1, 2.5, 4), "convolve same");
    expect(loom_convolve(a, v, LOOM_CONV_VALID), LOOM_SHAPE(1), LOOM_FLOAT64,
           D(2.5), "convolve valid");
    loom_array *s = loom_array_from(ctx, (int32_t[]){1, 2}, LOOM_INT32,
                                    LOOM_SHAPE(2), LOOM_COPY);
    loom_array *l = loom_array_from(ctx, (int32_t[]){1, 2, 3, 4}, LOOM_INT32,
                                    LOOM_SHAPE(4), LOOM_COPY);
    expect(loom_correlate(s, l, LOOM_CONV_FULL), LOOM_SHAPE(5), LOOM_INT32,
           D(4, 11, 8, 5, 2), "correlate swapped and reversed");
    expect(loom_correlate(s, l, LOOM_CONV_SAME), LOOM_SHAPE(4), LOOM_INT32,
           D(11, 8, 5, 2), "correlate same swapped");
    expect(loom_convolve(l, s, LOOM_CONV_SAME), LOOM_SHAPE(4), LOOM_INT32,
           D(1, 4, 7, 10), "convolve same even");
    /* a kernel longer than the unrolled form takes the gather path */
    loom_array *big = loom_ones(ctx, LOOM_SHAPE(100), LOOM_FLOAT64);
    loom_array *c = loom_convolve(loom_arange(ctx, 0, 120, 1, LOOM_FLOAT64),
                                  big, LOOM_CONV_VALID);
    double want[21];
    for (int k = 0; k < 21; k++)
        want[k] = 100.0 * k + 4950;
    expect(c, LOOM_SHAPE(21), LOOM_FLOAT64, want, "long kernel");

    E(loom_convolve(a, loom_zeros(ctx, LOOM_SHAPE(0), LOOM_FLOAT64), LOOM_CONV_FULL), LOOM_ERR_VALUE,
      "v cannot be empty");
    E(loom_correlate(loom_zeros(ctx, LOOM_SHAPE(0), LOOM_FLOAT64), a, LOOM_CONV_FULL), LOOM_ERR_VALUE,
      "first array argument cannot be empty");
    E(loom_correlate(a, loom_scalar(ctx, 1), LOOM_CONV_FULL), LOOM_ERR_VALUE,
      "object of too small depth for desired array");
    E(loom_convolve(loom_ones(ctx, LOOM_SHAPE(2, 2), LOOM_FLOAT64), a,
                    LOOM_CONV_FULL),
      LOOM_ERR_VALUE, "object too deep for desired array");
    E(loom_convolve(a, v, (loom_conv_mode)7), LOOM_ERR_VALUE,
      "mode must be one of 'valid', 'same', or 'full'");
}
END_TEST

START_TEST(interpolation)
{
    loom_array *xp = vec(3, D(0, 1, 3)), *fp = vec(3, D(10, 20, 0));
    loom_array *x = vec(6, D(-1, 0.5, 1, 2.5, 9, NAN));
    expect(loom_interp(x, xp, fp, NULL, NULL), LOOM_SHAPE(6), LOOM_FLOAT64,
           D(10, 15, 20, 5, 0, NAN), "interp");
    expect(loom_interp(x, xp, fp, &(double){-1}, &(double){99}), LOOM_SHAPE(6), LOOM_FLOAT64,
           D(-1, 15, 20, 5, 99, NAN), "interp left/right");
    expect(loom_interp(x, xp, fp, &(double){NAN}, NULL), LOOM_SHAPE(6),
           LOOM_FLOAT64, D(NAN, 15, 20, 5, 0, NAN), "interp left=nan");
    expect(loom_interp(x, vec(1, D(1)), vec(1, D(5)), NULL, &(double){7}), LOOM_SHAPE(6),
           LOOM_FLOAT64, D(5, 5, 5, 7, 7, 5), "one sample point");
    expect(loom_interp(loom_scalar_typed(ctx, 0.25, LOOM_FLOAT32), xp, fp, NULL,
                       NULL),
           LOOM_SCALAR_SHAPE, LOOM_FLOAT64, D(12.5), "0-d float32 x");

    E(loom_interp(x, loom_zeros(ctx, LOOM_SHAPE(0), LOOM_FLOAT64), loom_zeros(ctx, LOOM_SHAPE(0), LOOM_FLOAT64), NULL, NULL), LOOM_ERR_VALUE,
      "array of sample points is empty");
    E(loom_interp(x, xp, vec(2, D(1, 2)), NULL, NULL), LOOM_ERR_VALUE,
      "fp and xp are not of the same length.");
    E(loom_interp(x, loom_ones(ctx, LOOM_SHAPE(1, 3), LOOM_FLOAT64), fp, NULL,
                  NULL),
      LOOM_ERR_VALUE, "object too deep for desired array");
}
END_TEST

/* The composites stay lazy and fuse into few kernels. */
START_TEST(fusion)
{
    loom_array *a = loom_sin(loom_arange(ctx, 0, 1000, 1, LOOM_FLOAT64));
    loom_array *xp = loom_arange(ctx, 0, 500, 1, LOOM_FLOAT64);
    ck_assert_int_eq(loom_eval(a), LOOM_OK);
    ck_assert_int_eq(loom_eval(xp), LOOM_OK);
    struct {
        loom_array *r;
        int kernels;
        const char *what;
    } cases[] = {
        {loom_convolve(a, loom_ones(ctx, LOOM_SHAPE(9), LOOM_FLOAT64),
                       LOOM_CONV_VALID), 1, "convolve valid"},
        {loom_correlate(a, LOOM_GET(a, LOOM_SL(0, 200, 1)), LOOM_CONV_VALID),
         1, "correlate, long kernel"},
        {loom_interp(loom_multiply(a, loom_scalar(ctx, 300)), xp,
                     LOOM_GET(a, LOOM_SL(0, 500, 1)), NULL, NULL),
         1, "interp"},
        {loom_gradient(a, 0.5, 0), 1, "gradient"},
        {loom_diff(a, 3, 0), 1, "diff"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        loom_array *r = loom_add(cases[i].r, loom_scalar(ctx, 1));
        ck_assert_msg(loom_eval(r) == LOOM_OK, "%s: %s", cases[i].what,
                      loom_error(r));
        ck_assert_msg(loom_last_stats(ctx).kernels == cases[i].kernels,
                      "%s: %d kernels", cases[i].what,
                      loom_last_stats(ctx).kernels);
    }
}
END_TEST

/* Fused and eager evaluation agree. */
START_TEST(fused_vs_eager)
{
    double *res[2] = {NULL, NULL};
    int64_t n[2] = {0, 0};
    for (int e = 0; e < 2; e++) {
        loom_ctx *cx = ts_ctx_eager(e == 1);
        loom_array *x = loom_reshape(loom_cos(loom_arange(cx, 0, 60, 1,
                                                          LOOM_FLOAT64)),
                                     LOOM_SHAPE(6, 10));
        x = loom_where(loom_greater(x, loom_scalar(cx, 0.9)),
                       loom_scalar(cx, NAN), x);
        loom_array *q = loom_array_from(cx, (double[]){0.1, 0.5, 0.8},
                                        LOOM_FLOAT64, LOOM_SHAPE(3), LOOM_COPY);
        loom_array *parts[] = {
            loom_ravel(loom_nanquantile(x, q, 1, LOOM_Q_LINEAR, false)),
            loom_ravel(loom_nanmedian(x, 0, false)),
            loom_ravel(loom_quantile(loom_nan_to_num(x, 0, NAN, NAN), q,
                                     LOOM_ALL, LOOM_Q_MIDPOINT, false)),
            loom_ravel(loom_corrcoef(loom_nan_to_num(x, 0, NAN, NAN), NULL,
                                     true)),
            loom_ravel(loom_gradient(x, 0.5, 1)),
            loom_convolve(loom_ravel(x), LOOM_GET(loom_ravel(x),
                                                  LOOM_SL(0, 5, 1)),
                          LOOM_CONV_SAME),
            loom_interp(loom_ravel(x), loom_arange(cx, -1, 1, 0.25,
                                                   LOOM_FLOAT64),
                        loom_arange(cx, 0, 8, 1, LOOM_FLOAT64), NULL, NULL),
        };
        loom_array *r = loom_concatenate(7, parts, 0);
        n[e] = loom_size(r);
        res[e] = malloc((size_t)n[e] * sizeof(double));
        loom_status st = loom_copy_to(r, res[e], (size_t)n[e] * 8);
        ck_assert_msg(st == LOOM_OK, "%s", loom_error(r));
        loom_ctx_free(cx);
    }
    ck_assert_int_eq(n[0], n[1]);
    ts_expect_f64(res[0], res[1], (long)n[0], 1e-13, 1e-13, "fused vs eager");
    free(res[0]);
    free(res[1]);
}
END_TEST

/* Failing allocations give errors, never crashes or leaks. */
START_TEST(allocation_failures)
{
    for (long k = 1; k < 500; k += 9) {
        ts_failing_alloc fa = {.fail_at = k, .sticky = false};
        loom_options o = loom_options_default();
        o.cache_dir = "";
        o.alloc = ts_failing_alloc_fn;
        o.alloc_ud = &fa;
        loom_ctx *cx = loom_ctx_new(&o);
        if (!cx)
            continue;
        loom_array *x = loom_reshape(loom_arange(cx, 0, 40, 1, LOOM_FLOAT64),
                                     LOOM_SHAPE(4, 10));
        loom_array *q = loom_scalar(cx, 0.3);
        loom_array *r = loom_add(loom_nanquantile(x, q, 1, LOOM_Q_LINEAR, false),
                                 loom_median(x, 1, false));
        r = loom_add(r, loom_sum(loom_cov(x, NULL, true, false, -1), 0, false));
        loom_eval(r);
        loom_ctx_free(cx);
        ck_assert_msg(fa.live == 0, "fail at %ld: %lld bytes leaked", k,
                      fa.live);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stats");
    TCase *t = tcase_create("stats");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, medians);
    tcase_add_test(t, quantiles);
    tcase_add_test(t, covariance);
    tcase_add_test(t, differences);
    tcase_add_test(t, convolutions);
    tcase_add_test(t, interpolation);
    tcase_add_test(t, fusion);
    tcase_add_test(t, fused_vs_eager);
    tcase_add_test(t, allocation_failures);
    tcase_set_timeout(t, 120); /* sanitizer builds on a loaded machine */
    suite_add_tcase(s, t);
    return ts_run(s);
}
