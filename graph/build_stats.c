/*
 * build_stats.c -- statistics with NumPy's semantics: order statistics
 * (median, quantile, percentile and their nan-forms), cov, corrcoef, diff,
 * gradient, convolve / correlate and interp.
 *
 * All are composed from lazy ops so they fuse: order statistics read a
 * sorted copy (loom_sort: NaN last) through GATHER nodes whose positions
 * are computed lazily from the quantiles and, for the nan-forms, from the
 * count of non-NaN values of each slice; convolutions are one reduction
 * over a GATHER of sliding windows; interp finds its intervals with a
 * branch-free binary search unrolled into the graph (log2(len(xp)) gather
 * steps, one fused kernel).  Values that decide shapes or errors
 * (the quantiles, which NumPy validates) are read when the node is built.
 */
#include "graph/graph.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

static loom_array *axis_error(loom_ctx *ctx, int axis, int ndim)
{
    return graph_poison(ctx, LOOM_ERR_AXIS,
                        "axis %d is out of bounds for array of dimension %d",
                        axis, ndim);
}

static loom_array *same(loom_array *a)
{
    return graph_push(a->ctx, a);
}

/* A 1-d array read at positions pos (int64, any shape, values in range). */
static loom_array *take1(loom_array *v, loom_array *pos)
{
    int map[1] = {-1};
    return graph_gather(v, pos->ndim, pos->shape, map, &pos);
}

/* x clipped into [lo, hi] (int64). */
static loom_array *iclip(loom_array *x, int64_t lo, int64_t hi)
{
    loom_ctx *ctx = x->ctx;
    return loom_minimum(loom_maximum(x, loom_scalar_int(ctx, lo)),
                        loom_scalar_int(ctx, hi));
}

static loom_array *nan_of(loom_ctx *ctx, loom_dtype t)
{
    return graph_const_f(ctx, t, NAN);
}

/* ---- diff, gradient ---- */

/* diff(a, n, axis): n times x[1:] - x[:-1] along axis (not_equal for
 * bools); once the axis is empty further differences change nothing. */
loom_array *loom_diff(loom_array *a, int n, int axis)
{
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, "diff", 1, &a);
    if (bad)
        return bad;
    loom_ctx *ctx = a->ctx;
    if (n == 0)
        return same(a);
    if (n < 0)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "order must be non-negative but got %d", n);
    if (a->ndim == 0)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "diff requires input that is at least one "
                            "dimensional");
    int ax = axis;
    if (!graph_norm_axis(&ax, a->ndim))
        return axis_error(ctx, axis, a->ndim);
    loom_array *x = a;
    for (int i = 0; i < n && x->shape[ax] > 0 && !x->status; i++) {
        int64_t len = x->shape[ax];
        loom_array *hi = graph_range_along(x, ax, 1, len);
        loom_array *lo = graph_range_along(x, ax, 0, len - 1);
        x = x->dtype == LOOM_BOOL ? loom_not_equal(hi, lo)
                                  : loom_subtract(hi, lo);
    }
    if (x == a)
        return graph_range_along(a, ax, 0, 0);
    return x;
}

/* gradient along one axis, uniform spacing h: central differences inside,
 * one-sided ones at the two ends (NumPy's edge_order=1); integers compute
 * in float64. */
loom_array *loom_gradient(loom_array *a, double spacing, int axis)
{
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, "gradient", 1, &a);
    if (bad)
        return bad;
    loom_ctx *ctx = a->ctx;
    if (a->dtype == LOOM_BOOL)
        return graph_poison(ctx, LOOM_ERR_TYPE,
                            "numpy boolean subtract, the `-` operator, is not "
                            "supported, use the bitwise_xor, the `^` operator, "
                            "or the logical_xor function instead.");
    int ax = axis;
    if (!graph_norm_axis(&ax, a->ndim))
        return axis_error(ctx, axis, a->ndim);
    int64_t n = a->shape[ax];
    if (n < 2)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "Shape of array too small to calculate a "
                            "numerical gradient, at least (edge_order + 1) "
                            "elements are required.");
    loom_array *f = graph_is_float((loom_dtype)a->dtype)
                        ? a : graph_cast(a, LOOM_FLOAT64);
    loom_array *h = loom_scalar(ctx, spacing);
    loom_array *mid = loom_divide(loom_subtract(graph_range_along(f, ax, 2, n),
                                                graph_range_along(f, ax, 0, n - 2)),
                                  loom_scalar(ctx, 2.0 * spacing));
    loom_array *first = loom_divide(loom_subtract(graph_range_along(f, ax, 1, 2),
                                                  graph_range_along(f, ax, 0, 1)),
                                    h);
    loom_array *last = loom_divide(
        loom_subtract(graph_range_along(f, ax, n - 1, n),
                      graph_range_along(f, ax, n - 2, n - 1)),
        h);
    loom_array *parts[3] = {first, mid, last};
    return loom_concatenate(3, parts, ax);
}

/* ---- cov, corrcoef ---- */

/* m as NumPy's cov sees it: float64, at least 2-d, variables in rows. */
static loom_array *cov_rows(loom_array *m, bool rowvar)
{
    loom_array *x = graph_cast(m, LOOM_FLOAT64);
    if (x->ndim == 0)
        x = loom_reshape(x, LOOM_SHAPE(1, 1));
    else if (x->ndim == 1)
        x = loom_reshape(x, LOOM_SHAPE(1, x->shape[0]));
    if (!rowvar && x->shape[0] != 1)
        x = loom_T(x);
    return x;
}

/*
 * cov(m, y, rowvar, bias, ddof): the centred rows times their transpose
 * (a BLAS product), scaled by 1 / (N - ddof) -- multiplied by the
 * reciprocal as NumPy does, 0 degrees of freedom giving inf and NaN --
 * with unit axes squeezed away.  Always float64.
 */
loom_array *loom_cov(loom_array *m, loom_array *y, bool rowvar, bool bias,
                     int ddof)
{
    loom_array *in[2] = {m, y};
    loom_array *bad = graph_check_inputs(m ? m->ctx : NULL, "cov", y ? 2 : 1,
                                         in);
    if (bad)
        return bad;
    loom_ctx *ctx = m->ctx;
    if (m->ndim > 2)
        return graph_poison(ctx, LOOM_ERR_VALUE, "m has more than 2 dimensions");
    if (y && y->ndim > 2)
        return graph_poison(ctx, LOOM_ERR_VALUE, "y has more than 2 dimensions");
    loom_array *x = cov_rows(m, rowvar);
    if (x->status)
        return x;
    if (x->shape[0] == 0)
        return loom_zeros(ctx, LOOM_SHAPE(0, 0), LOOM_FLOAT64);
    if (y) {
        loom_array *xy[2] = {x, cov_rows(y, rowvar)};
        x = loom_concatenate(2, xy, 0);
        if (x->status)
            return x;
    }
    if (ddof < 0)
        ddof = bias ? 0 : 1;
    double fact = (double)x->shape[1] - ddof;
    if (fact <= 0)
        fact = 0;
    loom_array *xc = loom_subtract(x, loom_mean(x, 1, true));
    loom_array *c = loom_multiply(loom_matmul(xc, loom_T(xc)),
                                  loom_scalar(ctx, 1.0 / fact));
    return loom_squeeze(c, LOOM_ALL);
}

/* corrcoef: cov divided by the outer product of the standard deviations
 * (row then column, as NumPy does), clipped to [-1, 1]; a scalar
 * covariance gives c / c. */
loom_array *loom_corrcoef(loom_array *x, loom_array *y, bool rowvar)
{
    loom_array *c = loom_cov(x, y, rowvar, false, -1);
    if (c->status)
        return c;
    loom_ctx *ctx = c->ctx;
    if (c->ndim == 0)
        return loom_divide(c, c);
    loom_array *sd = loom_sqrt(loom_diagonal(c, 0, 0, 1));
    c = loom_divide(c, loom_expand_dims(sd, 1));
    c = loom_divide(c, loom_expand_dims(sd, 0));
    return loom_clip(c, loom_scalar(ctx, -1), loom_scalar(ctx, 1));
}

/* ---- convolve, correlate ---- */

/*
 * The correlation of the longer 1-d array a (n) with the shorter v (m):
 * out[k] = sum_j a[k + j - left] * v[j] over the j that land inside a,
 * L outputs.  One reduction over a GATHER of the sliding windows (L, m):
 * one fused kernel.  Terms outside a are masked after the product, so an
 * inf in v next to the border stays out, as in NumPy's direct sum.  The
 * sum is in dtype t (int32 wraps like NumPy's); bools are an or of ands.
 */
static loom_array *correlate_core(loom_array *a, loom_array *v, int64_t left,
                                  int64_t len, loom_dtype t)
{
    loom_ctx *ctx = a->ctx;
    int64_t n = a->shape[0], m = v->shape[0];
    int64_t shape[2] = {len, m};
    loom_array *pos = graph_grid(ctx, 2, shape, (int64_t[]){1, 1}, -left);
    loom_array *inside = loom_logical_and(
        loom_greater_equal(pos, loom_scalar_int(ctx, 0)),
        loom_less(pos, loom_scalar_int(ctx, n)));
    int map[1] = {-1};
    loom_array *clipped = iclip(pos, 0, n - 1);
    loom_array *w = graph_gather(graph_cast(a, t), 2, shape, map, &clipped);
    loom_array *vv = loom_reshape(graph_cast(v, t), LOOM_SHAPE(1, m));
    loom_axes last = LOOM_AXES(1);
    if (t == LOOM_BOOL) {
        loom_array *p = loom_logical_and(loom_logical_and(w, vv), inside);
        return loom_reduce(LOOM_RED_ANY, p, last, false, LOOM_DEFAULT_DTYPE, 0);
    }
    loom_array *p = loom_where(inside, loom_multiply(w, vv),
                               graph_const_f(ctx, t, 0));
    return loom_reduce(LOOM_RED_SUM, p, last, false, t, 0);
}

/* Kernels up to this length are unrolled into a sum of shifted slices. */
#define CONV_UNROLL 64

/*
 * Outputs [k0, k1) of the correlation of a with v, every tap inside a
 * (k0 >= left, k1 <= n - m + 1 + left): sum_j a[k + j - left] * v[j]
 * added left to right over m shifted views of a -- an elementwise chain
 * whose loads are all contiguous.
 */
static loom_array *correlate_unrolled(loom_array *a, loom_array *v,
                                      int64_t left, int64_t k0, int64_t k1,
                                      loom_dtype t)
{
    loom_array *r = NULL;
    a = graph_cast(a, t);
    v = graph_cast(v, t);
    for (int64_t j = 0; j < v->shape[0]; j++) {
        loom_array *w = graph_range_along(a, 0, k0 + j - left, k1 + j - left);
        loom_array *vj = loom_index_get(v, 1, (loom_index[]){LOOM_I(j)});
        loom_array *p = t == LOOM_BOOL ? loom_logical_and(w, vj)
                                       : loom_multiply(w, vj);
        r = !r ? p : t == LOOM_BOOL ? loom_logical_or(r, p) : loom_add(r, p);
    }
    return r;
}

/* Output length and left padding of a mode for lengths n >= m. */
static void conv_extent(loom_conv_mode mode, int64_t n, int64_t m,
                        int64_t *len, int64_t *left)
{
    switch (mode) {
    case LOOM_CONV_VALID:
        *len = n - m + 1;
        *left = 0;
        break;
    case LOOM_CONV_SAME:
        *len = n;
        *left = m / 2;
        break;
    default:
        *len = n + m - 1;
        *left = m - 1;
        break;
    }
}

static loom_array *conv_check(loom_array *a, loom_array *v,
                              loom_conv_mode mode, const char *name)
{
    loom_array *in[2] = {a, v};
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, name, 2, in);
    if (bad)
        return bad;
    if (mode != LOOM_CONV_FULL && mode != LOOM_CONV_SAME &&
        mode != LOOM_CONV_VALID)
        return graph_poison(a->ctx, LOOM_ERR_VALUE,
                            "mode must be one of 'valid', 'same', or 'full' "
                            "(got %d)",
                            (int)mode);
    return NULL;
}

/* correlate(a, v, mode): NumPy swaps the arguments when a is the shorter
 * and reverses the result. */
loom_array *loom_correlate(loom_array *a, loom_array *v, loom_conv_mode mode)
{
    loom_array *bad = conv_check(a, v, mode, "correlate");
    if (bad)
        return bad;
    loom_ctx *ctx = a->ctx;
    for (int i = 0; i < 2; i++) {
        loom_array *x = i ? v : a;
        if (x->ndim == 0)
            return graph_poison(ctx, LOOM_ERR_VALUE,
                                "object of too small depth for desired array");
        if (x->ndim > 1)
            return graph_poison(ctx, LOOM_ERR_VALUE,
                                "object too deep for desired array");
    }
    if (a->shape[0] == 0)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "first array argument cannot be empty");
    if (v->shape[0] == 0)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "second array argument cannot be empty");
    loom_array sa = *a, sv = *v;
    sa.flags &= (uint8_t)~GRAPH_WEAK;
    sv.flags &= (uint8_t)~GRAPH_WEAK;
    loom_dtype t = graph_result_type(&sa, &sv);
    bool swap = a->shape[0] < v->shape[0];
    loom_array *l = swap ? v : a, *s = swap ? a : v;
    int64_t len, left, n = l->shape[0], m = s->shape[0];
    conv_extent(mode, n, m, &len, &left);
    loom_array *r;
    if (m <= CONV_UNROLL) {
        /* outputs [left, left + n - m + 1) have every tap inside */
        loom_array *parts[3];
        int np = 0;
        if (left > 0)
            parts[np++] = correlate_core(l, s, left, left, t);
        parts[np++] = correlate_unrolled(l, s, left, left, left + n - m + 1, t);
        if (len > left + n - m + 1) {
            /* the right edge: outputs shifted by left + n - m + 1 */
            parts[np++] = correlate_core(l, s, -(n - m + 1), len - left - (n - m + 1), t);
        }
        r = np == 1 ? parts[0] : loom_concatenate(np, parts, 0);
    } else {
        r = correlate_core(l, s, left, len, t);
    }
    return swap ? loom_flip(r, 0) : r;
}

/* convolve(a, v, mode): the correlation of the longer with the reversed
 * shorter (0-d inputs count as 1-d). */
loom_array *loom_convolve(loom_array *a, loom_array *v, loom_conv_mode mode)
{
    loom_array *bad = conv_check(a, v, mode, "convolve");
    if (bad)
        return bad;
    loom_ctx *ctx = a->ctx;
    if (a->ndim == 0)
        a = loom_reshape(a, LOOM_SHAPE(1));
    if (v->ndim == 0)
        v = loom_reshape(v, LOOM_SHAPE(1));
    if (v->shape[0] > a->shape[0]) {
        loom_array *t = a;
        a = v;
        v = t;
    }
    if (a->shape[0] == 0)
        return graph_poison(ctx, LOOM_ERR_VALUE, "a cannot be empty");
    if (v->shape[0] == 0)
        return graph_poison(ctx, LOOM_ERR_VALUE, "v cannot be empty");
    if (a->ndim > 1 || v->ndim > 1)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "object too deep for desired array");
    return loom_correlate(a, loom_flip(v, 0), mode);
}

/* ---- interp ---- */

/*
 * The number of elements of the sorted 1-d xp (n >= 1) that are <= x, for
 * every element of x: a branch-free binary search, one gather per halving
 * step, all lazy (it fuses into the consumer's kernel).
 */
static loom_array *count_le(loom_array *xp, loom_array *x)
{
    loom_ctx *ctx = x->ctx;
    int64_t n = xp->shape[0], step = 1;
    while (step <= n / 2)
        step *= 2;
    loom_array *lo = loom_zeros(ctx, loom_shape_of(x), LOOM_INT64);
    for (; step >= 1; step /= 2) {
        loom_array *probe = loom_add(lo, loom_scalar_int(ctx, step));
        loom_array *at = take1(xp, iclip(loom_subtract(probe,
                                                       loom_scalar_int(ctx, 1)),
                                         0, n - 1));
        loom_array *ok = loom_logical_and(
            loom_less_equal(probe, loom_scalar_int(ctx, n)),
            loom_less_equal(at, x));
        lo = loom_where(ok, probe, lo);
    }
    return lo;
}

/*
 * interp(x, xp, fp, left, right) as NumPy computes it in float64: the
 * interval of x found by binary search, the slope formula with its NaN
 * fallbacks, exact hits on sample points, left/right outside (NULL means
 * fp[0] / fp[-1]), NaN for NaN.
 */
loom_array *loom_interp(loom_array *x, loom_array *xp, loom_array *fp,
                        const double *left, const double *right)
{
    loom_array *in[3] = {x, xp, fp};
    loom_array *bad = graph_check_inputs(x ? x->ctx : NULL, "interp", 3, in);
    if (bad)
        return bad;
    loom_ctx *ctx = x->ctx;
    for (int i = 1; i < 3; i++) {
        loom_array *p = in[i];
        if (p->ndim == 0)
            return graph_poison(ctx, LOOM_ERR_VALUE,
                                "object of too small depth for desired array");
        if (p->ndim > 1)
            return graph_poison(ctx, LOOM_ERR_VALUE,
                                "object too deep for desired array");
    }
    int64_t n = xp->shape[0];
    if (n == 0)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "array of sample points is empty");
    if (fp->shape[0] != n)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "fp and xp are not of the same length.");
    const loom_dtype F = LOOM_FLOAT64;
    loom_array *X = graph_cast(x, F), *XP = graph_cast(xp, F);
    loom_array *FP = graph_cast(fp, F);
    loom_array *y0 = loom_index_get(FP, 1, (loom_index[]){LOOM_I(0)});
    loom_array *yn = loom_index_get(FP, 1, (loom_index[]){LOOM_I(n - 1)});
    loom_array *x0 = loom_index_get(XP, 1, (loom_index[]){LOOM_I(0)});
    loom_array *xn = loom_index_get(XP, 1, (loom_index[]){LOOM_I(n - 1)});
    loom_array *lval = left ? graph_const_f(ctx, F, *left) : y0;
    loom_array *rval = right ? graph_const_f(ctx, F, *right) : yn;
    if (n == 1)
        return loom_where(loom_less(X, x0), lval,
                          loom_where(loom_greater(X, x0), rval, y0));
    loom_array *cnt = count_le(XP, X);
    loom_array *j = iclip(loom_subtract(cnt, loom_scalar_int(ctx, 1)), 0, n - 2);
    loom_array *j1 = loom_add(j, loom_scalar_int(ctx, 1));
    loom_array *xj = take1(XP, j), *xj1 = take1(XP, j1);
    loom_array *yj = take1(FP, j), *yj1 = take1(FP, j1);
    loom_array *slope = loom_divide(loom_subtract(yj1, yj),
                                    loom_subtract(xj1, xj));
    loom_array *r = loom_add(loom_multiply(slope, loom_subtract(X, xj)), yj);
    r = loom_where(loom_isnan(r),
                   loom_add(loom_multiply(slope, loom_subtract(X, xj1)), yj1),
                   r);
    r = loom_where(loom_logical_and(loom_isnan(r), loom_equal(yj, yj1)), yj, r);
    r = loom_where(loom_equal(X, xj), yj, r);
    r = loom_where(loom_equal(cnt, loom_scalar_int(ctx, n)), yn, r);
    r = loom_where(loom_equal(cnt, loom_scalar_int(ctx, 0)), lval, r);
    r = loom_where(loom_greater(X, xn), rval, r);
    return loom_where(loom_isnan(X), X, r);
}

/* ---- order statistics: median, quantile, percentile, nan-forms ---- */

/* The reduced array: a flattened for LOOM_ALL (a 0-d array counts as 1-d),
 * with *ax the normalized axis; or a poisoned array. */
static loom_array *reduced_view(loom_array *a, int axis, int *ax)
{
    *ax = axis;
    if (axis == LOOM_ALL) {
        *ax = 0;
        return loom_ravel(a);
    }
    if (!graph_norm_axis(ax, a->ndim))
        return axis_error(a->ctx, axis, a->ndim);
    return a;
}

/* The shape a reduction of a over axis (LOOM_ALL: every axis) keeps with
 * keepdims, after `lead` leading extents (the quantiles' shape). */
static loom_shape keep_shape(const loom_array *a, int axis, int lead_nd,
                             const int64_t *lead)
{
    loom_shape s = {lead_nd + a->ndim, {0}};
    if (lead_nd > 0)
        memcpy(s.dim, lead, (size_t)lead_nd * sizeof(int64_t));
    int ax = axis;
    if (axis != LOOM_ALL)
        graph_norm_axis(&ax, a->ndim);
    for (int i = 0; i < a->ndim; i++)
        s.dim[lead_nd + i] = (axis == LOOM_ALL || i == ax) ? 1 : a->shape[i];
    return s;
}

/* Reads the quantiles of x (sorted along ax, n = extent) at positions pos
 * (int64, broadcastable to (nd, shape) = lead dims then x's other axes),
 * clipped into the axis. */
static loom_array *read_sorted(loom_array *s, int ax, loom_array *pos, int nd,
                               const int64_t *shape)
{
    int lead = nd - (s->ndim - 1), map[LOOM_MAX_DIMS];
    loom_array *idx[LOOM_MAX_DIMS] = {0};
    for (int j = 0; j < s->ndim; j++)
        map[j] = j == ax ? -1 : lead + (j < ax ? j : j - 1);
    idx[ax] = iclip(pos, 0, s->shape[ax] - 1);
    return graph_gather(s, nd, shape, map, idx);
}

/* The count of non-NaN elements of each slice of x along ax (int64, the
 * slices' shape). */
static loom_array *valid_count(loom_array *x, int ax)
{
    return loom_sum(loom_logical_not(loom_isnan(x)), ax, false);
}

static loom_array *median_impl(loom_array *a, int axis, bool keepdims,
                               bool nan)
{
    const char *name = nan ? "nanmedian" : "median";
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, name, 1, &a);
    if (bad)
        return bad;
    loom_ctx *ctx = a->ctx;
    bool fl = graph_is_float((loom_dtype)a->dtype);
    loom_dtype ft = a->dtype == LOOM_FLOAT32 ? LOOM_FLOAT32 : LOOM_FLOAT64;
    if (nan && graph_numel(a->ndim, a->shape) == 0)
        return loom_reduce(LOOM_RED_NANMEAN, a,
                           axis == LOOM_ALL ? LOOM_AXES_ALL : LOOM_AXES(axis),
                           keepdims, LOOM_DEFAULT_DTYPE, 0);
    nan = nan && fl;
    int ax;
    loom_array *x = reduced_view(a, axis, &ax);
    if (x->status)
        return x;
    int64_t n = x->shape[ax], rest[LOOM_MAX_DIMS];
    int rnd = 0;
    for (int j = 0; j < x->ndim; j++)
        if (j != ax)
            rest[rnd++] = x->shape[j];
    loom_shape rs = {rnd, {0}};
    memcpy(rs.dim, rest, sizeof rs.dim);
    loom_array *r;
    if (n == 0) {
        r = loom_full(ctx, rs, NAN, ft); /* the mean of nothing */
    } else {
        loom_array *s;
        if (!nan) {
            /* only the middle (and, for NaN, the last) need their places */
            int64_t kth[3] = {n / 2, n / 2 - 1, n - 1};
            int nk = n % 2 ? 1 : 2;
            if (fl)
                kth[nk++] = n - 1;
            s = loom_partition(x, nk, kth, ax);
        } else {
            s = loom_sort(x, ax);
        }
        if (s->status)
            return s;
        if (!nan) {
            loom_index at[LOOM_MAX_DIMS];
            for (int j = 0; j < x->ndim; j++)
                at[j] = LOOM_COLON;
            at[ax] = LOOM_I(n / 2);
            loom_array *hi = graph_cast(loom_index_get(s, x->ndim, at), ft);
            r = hi;
            if (n % 2 == 0) {
                at[ax] = LOOM_I(n / 2 - 1);
                loom_array *lo = graph_cast(loom_index_get(s, x->ndim, at), ft);
                r = loom_divide(loom_add(lo, hi), loom_scalar(ctx, 2));
            }
            if (fl) {
                at[ax] = LOOM_I(n - 1);
                loom_array *last = loom_index_get(s, x->ndim, at);
                r = loom_where(loom_isnan(last), nan_of(ctx, ft), r);
            }
        } else {
            loom_array *c = valid_count(x, ax);
            loom_array *h = loom_floor_divide(c, loom_scalar_int(ctx, 2));
            loom_array *odd = loom_equal(loom_mod(c, loom_scalar_int(ctx, 2)),
                                         loom_scalar_int(ctx, 1));
            loom_array *li = loom_where(odd, h,
                                        loom_subtract(h, loom_scalar_int(ctx, 1)));
            loom_array *lo = graph_cast(read_sorted(s, ax, li, rnd, rest), ft);
            loom_array *hi = graph_cast(read_sorted(s, ax, h, rnd, rest), ft);
            r = loom_where(odd, lo,
                           loom_divide(loom_add(lo, hi), loom_scalar(ctx, 2)));
            r = loom_where(loom_equal(c, loom_scalar_int(ctx, 0)),
                           nan_of(ctx, ft), r);
        }
    }
    if (keepdims)
        r = loom_reshape(r, keep_shape(a, axis, 0, NULL));
    return r;
}

loom_array *loom_median(loom_array *a, int axis, bool keepdims)
{
    return median_impl(a, axis, keepdims, false);
}

loom_array *loom_nanmedian(loom_array *a, int axis, bool keepdims)
{
    return median_impl(a, axis, keepdims, true);
}

/*
 * The quantiles of q as the computation uses them: divided by 100 for
 * percentiles, in q's float dtype (float32 stays float32; integer
 * percentiles give float64) -- integer quantiles stay integers (int64),
 * which NumPy reads as positions.  q is evaluated and checked against
 * [0, 1].  Returns the array, or a poisoned one.
 */
static loom_array *quantile_values(loom_array *q, bool percent,
                                   const double **vals)
{
    loom_ctx *ctx = q->ctx;
    loom_dtype qt = (loom_dtype)q->dtype;
    loom_array *qv;
    if (graph_is_float(qt))
        qv = graph_cast(q, qt);
    else
        qv = graph_cast(q, percent ? LOOM_FLOAT64 : LOOM_INT64);
    if (percent)
        qv = loom_divide(qv, loom_scalar_int(ctx, 100));
    loom_array *chk = loom_astype(qv, LOOM_FLOAT64);
    const double *v = graph_data(chk);
    if (!v)
        return graph_push(ctx, chk->status ? chk : q);
    int64_t n = graph_numel(q->ndim, q->shape);
    for (int64_t i = 0; i < n; i++)
        if (!(v[i] >= 0 && v[i] <= 1))
            return graph_poison(ctx, LOOM_ERR_VALUE,
                                percent ? "Percentiles must be in the range "
                                          "[0, 100]"
                                        : "Quantiles must be in the range "
                                          "[0, 1]");
    *vals = v;
    return qv;
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

/* Partitions beyond this many places are left to a full sort. */
#define KTH_MAX 64

/*
 * x with the places the quantiles read in sorted position (the two
 * around each virtual position, computed as the graph computes them, and
 * the last place, for NaN and for positions past the end): a partition,
 * or a sort when the places are many.  v holds the nq quantiles of dtype
 * qt.
 */
static loom_array *arrange_for(loom_array *x, int ax, const double *v,
                               int64_t nq, loom_dtype qt,
                               loom_quantile_method m)
{
    int64_t n = x->shape[ax];
    if (2 * nq + 1 > KTH_MAX)
        return loom_sort(x, ax);
    int64_t kth[KTH_MAX];
    int nk = 0;
    kth[nk++] = n - 1;
    for (int64_t i = 0; i < nq; i++) {
        double p = qt == LOOM_FLOAT32 ? (double)((float)(n - 1) * (float)v[i])
                                      : (double)(n - 1) * v[i];
        if (m == LOOM_Q_MIDPOINT)
            p = 0.5 * (floor(p) + ceil(p));
        for (int d = 0; d <= 1; d++) {
            double k = floor(p) + d;
            kth[nk++] = k < 0 ? 0 : k > (double)(n - 1) ? n - 1 : (int64_t)k;
        }
    }
    qsort(kth, (size_t)nk, sizeof kth[0], cmp_i64);
    int w = 1;
    for (int i = 1; i < nk; i++)
        if (kth[i] != kth[w - 1])
            kth[w++] = kth[i];
    return loom_partition(x, w, kth, ax);
}

/*
 * quantile / percentile and their nan-forms with NumPy's methods.  x is
 * sorted along the axis (NaN last); with c the count of values taken into
 * account (the axis' length, or each slice's non-NaN count for the
 * nan-forms), the virtual position of quantile q is (c - 1) * q, computed
 * in q's dtype.  lower / higher / nearest read one element (the result
 * keeps a's dtype); linear / midpoint read the two neighbours and
 * interpolate with NumPy's lerp (float64).  Slices with NaN (all-NaN for
 * the nan-forms) give NaN.  The result has q's axes first.
 */
static loom_array *quantile_impl(loom_array *a, loom_array *q, int axis,
                                 loom_quantile_method m, bool keepdims,
                                 bool nan, bool percent)
{
    const char *name = nan ? (percent ? "nanpercentile" : "nanquantile")
                           : (percent ? "percentile" : "quantile");
    loom_array *in[2] = {a, q};
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, name, 2, in);
    if (bad)
        return bad;
    loom_ctx *ctx = a->ctx;
    if ((unsigned)m > LOOM_Q_MIDPOINT)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "'%d' is not a valid method.", (int)m);
    const double *qvals = NULL;
    loom_array *qv = quantile_values(q, percent, &qvals);
    if (qv->status)
        return qv;
    /* NumPy's nan-forms answer an empty array with nanmean */
    if (nan && graph_numel(a->ndim, a->shape) == 0)
        return loom_reduce(LOOM_RED_NANMEAN, a,
                           axis == LOOM_ALL ? LOOM_AXES_ALL : LOOM_AXES(axis),
                           keepdims, LOOM_DEFAULT_DTYPE, 0);
    bool integral = !graph_is_float((loom_dtype)qv->dtype) ||
                    m == LOOM_Q_LOWER || m == LOOM_Q_HIGHER ||
                    m == LOOM_Q_NEAREST;
    if (a->dtype == LOOM_BOOL && !integral)
        return graph_poison(ctx, LOOM_ERR_TYPE,
                            "numpy boolean subtract, the `-` operator, is not "
                            "supported, use the bitwise_xor, the `^` operator, "
                            "or the logical_xor function instead.");
    bool fl = graph_is_float((loom_dtype)a->dtype);
    nan = nan && fl;
    int ax;
    loom_array *x = reduced_view(a, axis, &ax);
    if (x->status)
        return x;
    int64_t n = x->shape[ax], shape[LOOM_MAX_DIMS];
    int nd = q->ndim;
    if (nd + x->ndim - 1 > LOOM_MAX_DIMS)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "%s: result would have more than %d dimensions",
                            name, LOOM_MAX_DIMS);
    memcpy(shape, q->shape, (size_t)nd * sizeof(int64_t));
    for (int j = 0; j < x->ndim; j++)
        if (j != ax)
            shape[nd++] = x->shape[j];
    if (n == 0 && graph_numel(q->ndim, q->shape) > 0)
        return graph_poison(ctx, LOOM_ERR_INDEX,
                            "cannot do a non-empty take from an empty axes.");
    loom_array *s = nan || n == 0
                        ? loom_sort(x, ax)
                        : arrange_for(x, ax, qvals, graph_numel(q->ndim, q->shape),
                                      (loom_dtype)qv->dtype, m);
    if (s->status)
        return s;
    /* quantiles on the leading axes, counts on the trailing ones */
    loom_shape qs = {nd, {0}};
    for (int i = 0; i < nd; i++)
        qs.dim[i] = i < q->ndim ? q->shape[i] : 1;
    qv = loom_reshape(qv, qs);
    loom_array *c = nan ? valid_count(x, ax) : loom_scalar_int(ctx, n);
    loom_array *cm1 = loom_subtract(c, loom_scalar_int(ctx, 1));
    loom_array *r;
    if (integral) {
        loom_array *pos;
        if (!graph_is_float((loom_dtype)qv->dtype)) {
            pos = loom_multiply(cm1, qv);
        } else {
            loom_array *v = loom_multiply(graph_cast(cm1, qv->dtype), qv);
            v = m == LOOM_Q_LOWER ? loom_floor(v)
                : m == LOOM_Q_HIGHER ? loom_ceil(v) : loom_rint(v);
            pos = graph_cast(v, LOOM_INT64);
        }
        r = read_sorted(s, ax, pos, nd, shape);
    } else {
        loom_dtype qt = (loom_dtype)qv->dtype;
        loom_array *v = loom_multiply(graph_cast(cm1, qt), qv);
        if (m == LOOM_Q_MIDPOINT)
            v = loom_multiply(loom_scalar(ctx, 0.5),
                              loom_add(loom_floor(v), loom_ceil(v)));
        loom_array *fl_v = loom_floor(v);
        loom_array *above = loom_greater_equal(v, graph_cast(cm1, qt));
        loom_array *below = loom_less(v, loom_scalar(ctx, 0));
        loom_array *zero = loom_scalar_int(ctx, 0);
        loom_array *prev = graph_cast(fl_v, LOOM_INT64);
        loom_array *next = loom_add(prev, loom_scalar_int(ctx, 1));
        prev = loom_where(above, cm1, loom_where(below, zero, prev));
        next = loom_where(above, cm1, loom_where(below, zero, next));
        /* NumPy's gamma counts from -1 above the last position */
        loom_array *pnp = loom_where(above, graph_const_f(ctx, LOOM_FLOAT64, -1),
                                     loom_where(below, zero, fl_v));
        loom_array *gamma = loom_subtract(graph_cast(v, LOOM_FLOAT64),
                                          graph_cast(pnp, LOOM_FLOAT64));
        if (m == LOOM_Q_MIDPOINT)
            gamma = loom_where(loom_equal(v, fl_v),
                               graph_const_f(ctx, LOOM_FLOAT64, 0),
                               graph_const_f(ctx, LOOM_FLOAT64, 0.5));
        loom_array *lo = read_sorted(s, ax, prev, nd, shape);
        loom_array *hi = read_sorted(s, ax, next, nd, shape);
        loom_array *d = loom_subtract(hi, lo);
        loom_array *up = loom_subtract(
            hi, loom_multiply(d, loom_subtract(loom_scalar(ctx, 1), gamma)));
        r = loom_where(loom_greater_equal(gamma, loom_scalar(ctx, 0.5)), up,
                       loom_add(lo, loom_multiply(d, gamma)));
    }
    if (nan) {
        r = loom_where(loom_equal(c, loom_scalar_int(ctx, 0)),
                       nan_of(ctx, (loom_dtype)r->dtype), r);
    } else if (fl && n > 0) {
        loom_index at[LOOM_MAX_DIMS];
        for (int j = 0; j < x->ndim; j++)
            at[j] = LOOM_COLON;
        at[ax] = LOOM_I(n - 1);
        loom_array *last = loom_index_get(s, x->ndim, at);
        r = loom_where(loom_isnan(last), nan_of(ctx, (loom_dtype)r->dtype), r);
    }
    if (keepdims)
        r = loom_reshape(r, keep_shape(a, axis, q->ndim, q->shape));
    return r;
}

loom_array *loom_quantile(loom_array *a, loom_array *q, int axis,
                          loom_quantile_method m, bool keepdims)
{
    return quantile_impl(a, q, axis, m, keepdims, false, false);
}

loom_array *loom_percentile(loom_array *a, loom_array *q, int axis,
                            loom_quantile_method m, bool keepdims)
{
    return quantile_impl(a, q, axis, m, keepdims, false, true);
}

loom_array *loom_nanquantile(loom_array *a, loom_array *q, int axis,
                             loom_quantile_method m, bool keepdims)
{
    return quantile_impl(a, q, axis, m, keepdims, true, false);
}

loom_array *loom_nanpercentile(loom_array *a, loom_array *q, int axis,
                               loom_quantile_method m, bool keepdims)
{
    return quantile_impl(a, q, axis, m, keepdims, true, true);
}
