/*
 * build_reduce.c -- reductions with NumPy's semantics: axis forms,
 * keepdims, result dtypes, empty inputs, NaN handling; and the composite
 * reductions (mean, var, std, ptp, average, the nan-forms, norms).
 *
 * REDUCE nodes always keep the reduced axes (extent 1); keepdims=False
 * adds a RESHAPE that drops them.  attr[0] is the mask of reduced axes.
 * var is one reduction (RVAR), computed in a single sweep.
 */
#include "graph/graph.h"

#include <math.h>
#include <string.h>

/* The reduced-axis mask for axes over an ndim array, or -1 with *bad set
 * to a poisoned array. */
static int64_t axis_mask(loom_array *a, loom_axes axes, loom_array **bad)
{
    int n = a->ndim;
    if (axes.n < 0)
        return n ? (int64_t)((1u << n) - 1) : 0;
    int64_t mask = 0;
    for (int i = 0; i < axes.n; i++) {
        int ax = axes.axis[i];
        if (!graph_norm_axis(&ax, n)) {
            *bad = graph_poison(a->ctx, LOOM_ERR_AXIS,
                                "axis %d is out of bounds for array of "
                                "dimension %d",
                                axes.axis[i], n);
            return -1;
        }
        if (mask >> ax & 1) {
            *bad = graph_poison(a->ctx, LOOM_ERR_VALUE,
                                "duplicate value in 'axis'");
            return -1;
        }
        mask |= (int64_t)1 << ax;
    }
    return mask;
}

static int64_t reduced_count(const loom_array *a, int64_t mask)
{
    int64_t n = 1;
    for (int i = 0; i < a->ndim; i++)
        if (mask >> i & 1)
            n *= a->shape[i];
    return n;
}

/* A raw REDUCE node (keepdims shape) of dtype t over mask. */
static loom_array *reduce_node(graph_op op, loom_array *a, int64_t mask,
                               loom_dtype t)
{
    if (a->op == GRAPH_OP_ERROR)
        return a;
    int64_t shape[LOOM_MAX_DIMS];
    for (int i = 0; i < a->ndim; i++)
        shape[i] = (mask >> i & 1) ? 1 : a->shape[i];
    graph_tmpl tm;
    graph_tmpl_init(&tm, op, t, a->ndim, shape);
    tm.nin = 1;
    tm.in = &a;
    tm.attr[0] = mask;
    return graph_intern(a->ctx, &tm);
}

/* Drops the reduced axes unless keepdims. */
static loom_array *finish(loom_array *r, int64_t mask, bool keepdims)
{
    if (keepdims || r->op == GRAPH_OP_ERROR || mask == 0)
        return r;
    loom_shape s = {0, {0}};
    for (int i = 0; i < r->ndim; i++)
        if (!(mask >> i & 1))
            s.dim[s.ndim++] = r->shape[i];
    return loom_reshape(r, s);
}

/* NumPy's default accumulation dtype of sum/prod. */
static loom_dtype sum_dtype(loom_dtype t)
{
    return graph_is_float(t) ? t : LOOM_INT64;
}

static loom_array *empty_error(loom_ctx *ctx, loom_reduce_op op)
{
    const char *name = (op == LOOM_RED_MIN || op == LOOM_RED_NANMIN)
                           ? "minimum" : "maximum";
    if (op == LOOM_RED_ARGMIN || op == LOOM_RED_NANARGMIN)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "attempt to get argmin of an empty sequence");
    if (op == LOOM_RED_ARGMAX || op == LOOM_RED_NANARGMAX)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "attempt to get argmax of an empty sequence");
    return graph_poison(ctx, LOOM_ERR_VALUE,
                        "zero-size array to reduction operation %s which has "
                        "no identity",
                        name);
}

/* sum with a known mask (cast to t first). */
static loom_array *sum_mask(loom_array *a, int64_t mask, loom_dtype t)
{
    return reduce_node(GRAPH_OP_RSUM, graph_cast(a, t), mask, t);
}

/* mean over mask in dtype t (float), keepdims shape. */
static loom_array *mean_mask(loom_array *a, int64_t mask, loom_dtype t)
{
    loom_array *s = sum_mask(a, mask, t);
    int64_t n = reduced_count(a, mask);
    return loom_divide(s, graph_const_f(a->ctx, t, (double)n));
}

/* var over mask with ddof, in float dtype t (keepdims shape): one RVAR
 * reduction (attr[1] = ddof), which the JIT computes in one sweep from
 * sums shifted by the first element -- stable for data with a large mean
 * -- dividing by max(n - ddof, 0) as NumPy does. */
static loom_array *var_mask(loom_array *a, int64_t mask, loom_dtype t,
                            int ddof)
{
    loom_array *x = graph_cast(a, t);
    if (x->op == GRAPH_OP_ERROR)
        return x;
    int64_t shape[LOOM_MAX_DIMS];
    for (int i = 0; i < x->ndim; i++)
        shape[i] = (mask >> i & 1) ? 1 : x->shape[i];
    graph_tmpl tm;
    graph_tmpl_init(&tm, GRAPH_OP_RVAR, t, x->ndim, shape);
    tm.nin = 1;
    tm.in = &x;
    tm.attr[0] = mask;
    tm.attr[1] = ddof;
    return graph_intern(a->ctx, &tm);
}

/* Counts of non-NaN elements (keepdims), in dtype t. */
static loom_array *count_valid(loom_array *a, int64_t mask, loom_dtype t)
{
    return sum_mask(loom_logical_not(loom_isnan(a)), mask, t);
}

static loom_array *nan_to(loom_array *a, double v)
{
    if (!graph_is_float((loom_dtype)a->dtype))
        return a;
    return loom_where(loom_isnan(a), graph_const_f(a->ctx, a->dtype, v), a);
}

/* argmin/argmax over one axis or all (flattened, like NumPy). */
static loom_array *arg_reduce(graph_op op, loom_array *a, loom_axes axes,
                              bool keepdims)
{
    loom_ctx *ctx = a->ctx;
    if (axes.n > 1)
        return graph_poison(ctx, LOOM_ERR_TYPE,
                            "%s: axis must be an integer or None",
                            graph_ops[op].npname);
    if (axes.n < 0) {
        loom_array *flat = loom_ravel(a);
        loom_array *r = reduce_node(op, flat, 1, LOOM_INT64);
        if (!keepdims)
            return loom_reshape(r, LOOM_SCALAR_SHAPE);
        loom_shape s = {a->ndim, {0}};
        for (int i = 0; i < a->ndim; i++)
            s.dim[i] = 1;
        return loom_reshape(r, s);
    }
    loom_array *bad = NULL;
    int64_t mask = axis_mask(a, axes, &bad);
    if (mask < 0)
        return bad;
    return finish(reduce_node(op, a, mask, LOOM_INT64), mask, keepdims);
}

loom_array *loom_reduce(loom_reduce_op op, loom_array *a, loom_axes axes,
                        bool keepdims, loom_dtype dtype, int ddof)
{
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, "reduce", 1, &a);
    if (bad)
        return bad;
    loom_ctx *ctx = a->ctx;
    if (dtype != LOOM_DEFAULT_DTYPE && (unsigned)dtype >= LOOM_NDTYPES)
        return graph_poison(ctx, LOOM_ERR_TYPE, "invalid dtype %d", (int)dtype);
    int64_t mask = axis_mask(a, axes, &bad);
    if (mask < 0)
        return bad;
    loom_dtype t = (loom_dtype)a->dtype;
    bool fl = graph_is_float(t);
    loom_dtype ft = fl ? t : LOOM_FLOAT64; /* float dtype of means */
    if (dtype != LOOM_DEFAULT_DTYPE && graph_is_float(dtype))
        ft = dtype;
    bool empty = reduced_count(a, mask) == 0;
    loom_array *r;
    switch (op) {
    case LOOM_RED_SUM:
    case LOOM_RED_NANSUM: {
        loom_dtype st = dtype != LOOM_DEFAULT_DTYPE ? dtype : sum_dtype(t);
        loom_array *x = op == LOOM_RED_NANSUM ? nan_to(a, 0) : a;
        r = sum_mask(x, mask, st);
        break;
    }
    case LOOM_RED_PROD:
    case LOOM_RED_NANPROD: {
        loom_dtype st = dtype != LOOM_DEFAULT_DTYPE ? dtype : sum_dtype(t);
        loom_array *x = op == LOOM_RED_NANPROD ? nan_to(a, 1) : a;
        r = reduce_node(GRAPH_OP_RPROD, graph_cast(x, st), mask, st);
        break;
    }
    case LOOM_RED_MEAN:
        r = mean_mask(a, mask, ft);
        break;
    case LOOM_RED_NANMEAN:
        if (!fl) {
            r = mean_mask(a, mask, ft);
            break;
        }
        r = loom_divide(sum_mask(nan_to(a, 0), mask, ft),
                        count_valid(a, mask, ft));
        break;
    case LOOM_RED_VAR:
    case LOOM_RED_STD:
        r = var_mask(a, mask, ft, ddof);
        if (op == LOOM_RED_STD)
            r = loom_sqrt(r);
        break;
    case LOOM_RED_NANVAR:
    case LOOM_RED_NANSTD: {
        if (!fl) {
            r = var_mask(a, mask, ft, ddof);
        } else {
            loom_array *cnt = count_valid(a, mask, ft);
            loom_array *mu = loom_divide(sum_mask(nan_to(a, 0), mask, ft), cnt);
            /* deviations of the NaN positions of the input are 0 (as
             * NumPy: inf - inf stays a NaN that poisons the result) */
            loom_array *d = loom_where(loom_isnan(a), graph_const_f(ctx, ft, 0),
                                       loom_subtract(a, mu));
            loom_array *ss = sum_mask(loom_multiply(d, d), mask, ft);
            loom_array *dof = loom_maximum(
                loom_subtract(cnt, graph_const_f(ctx, ft, ddof)),
                graph_const_f(ctx, ft, 0));
            r = loom_divide(ss, dof);
        }
        if (op == LOOM_RED_NANSTD)
            r = loom_sqrt(r);
        break;
    }
    case LOOM_RED_MIN:
    case LOOM_RED_MAX:
    case LOOM_RED_NANMIN:
    case LOOM_RED_NANMAX:
    case LOOM_RED_PTP: {
        if (empty)
            return empty_error(ctx, op);
        graph_op g = op == LOOM_RED_MIN ? GRAPH_OP_RMIN
                     : op == LOOM_RED_NANMIN ? GRAPH_OP_RFMIN
                     : op == LOOM_RED_NANMAX ? GRAPH_OP_RFMAX
                                             : GRAPH_OP_RMAX;
        r = reduce_node(g, a, mask, t);
        if (op == LOOM_RED_PTP)
            r = loom_subtract(r, reduce_node(GRAPH_OP_RMIN, a, mask, t));
        break;
    }
    case LOOM_RED_ARGMIN:
    case LOOM_RED_ARGMAX:
    case LOOM_RED_NANARGMIN:
    case LOOM_RED_NANARGMAX: {
        if (empty)
            return empty_error(ctx, op);
        bool mx = op == LOOM_RED_ARGMAX || op == LOOM_RED_NANARGMAX;
        loom_array *x = a;
        if (op == LOOM_RED_NANARGMIN || op == LOOM_RED_NANARGMAX)
            x = nan_to(a, mx ? -INFINITY : INFINITY);
        return arg_reduce(mx ? GRAPH_OP_RARGMAX : GRAPH_OP_RARGMIN, x, axes,
                          keepdims);
    }
    case LOOM_RED_ANY:
    case LOOM_RED_ALL:
        r = reduce_node(op == LOOM_RED_ANY ? GRAPH_OP_RANY : GRAPH_OP_RALL,
                        graph_cast(a, LOOM_BOOL), mask, LOOM_BOOL);
        break;
    case LOOM_RED_COUNT_NONZERO:
        r = sum_mask(graph_cast(a, LOOM_BOOL), mask, LOOM_INT64);
        break;
    default:
        return graph_poison(ctx, LOOM_ERR_VALUE, "reduce: unknown op %d",
                            (int)op);
    }
    return finish(r, mask, keepdims);
}

static loom_axes one_axis(int axis)
{
    if (axis == LOOM_ALL)
        return LOOM_AXES_ALL;
    return (loom_axes){1, {axis}};
}

#define SIMPLE(fn, OP)                                                     \
    loom_array *loom_##fn(loom_array *a, int axis, bool keepdims)          \
    {                                                                      \
        return loom_reduce(OP, a, one_axis(axis), keepdims,                \
                           LOOM_DEFAULT_DTYPE, 0);                         \
    }

SIMPLE(sum, LOOM_RED_SUM)
SIMPLE(prod, LOOM_RED_PROD)
SIMPLE(mean, LOOM_RED_MEAN)
SIMPLE(min, LOOM_RED_MIN)
SIMPLE(max, LOOM_RED_MAX)
SIMPLE(argmin, LOOM_RED_ARGMIN)
SIMPLE(argmax, LOOM_RED_ARGMAX)
SIMPLE(any, LOOM_RED_ANY)
SIMPLE(all, LOOM_RED_ALL)
SIMPLE(count_nonzero, LOOM_RED_COUNT_NONZERO)
SIMPLE(ptp, LOOM_RED_PTP)

loom_array *loom_var(loom_array *a, int axis, bool keepdims, int ddof)
{
    return loom_reduce(LOOM_RED_VAR, a, one_axis(axis), keepdims,
                       LOOM_DEFAULT_DTYPE, ddof);
}

loom_array *loom_std(loom_array *a, int axis, bool keepdims, int ddof)
{
    return loom_reduce(LOOM_RED_STD, a, one_axis(axis), keepdims,
                       LOOM_DEFAULT_DTYPE, ddof);
}

/* average(a, axis, weights): sum(a * w) / sum(w), NumPy's rules on the
 * weights' shape. */
loom_array *loom_average(loom_array *a, int axis, loom_array *weights,
                         bool keepdims)
{
    if (!weights)
        return loom_mean(a, axis, keepdims);
    loom_array *in[2] = {a, weights};
    loom_array *bad = graph_check_inputs(a ? a->ctx : weights->ctx,
                                         "average", 2, in);
    if (bad)
        return bad;
    loom_ctx *ctx = a->ctx;
    loom_array *w = weights;
    if (!graph_same_shape(a, w)) {
        int ax = axis;
        if (axis == LOOM_ALL)
            return graph_poison(ctx, LOOM_ERR_TYPE,
                                "Axis must be specified when shapes of a and "
                                "weights differ.");
        if (w->ndim != 1)
            return graph_poison(ctx, LOOM_ERR_TYPE,
                                "1D weights expected when shapes of a and "
                                "weights differ.");
        if (!graph_norm_axis(&ax, a->ndim))
            return graph_poison(ctx, LOOM_ERR_AXIS,
                                "axis %d is out of bounds for array of "
                                "dimension %d",
                                axis, a->ndim);
        if (w->shape[0] != a->shape[ax])
            return graph_poison(ctx, LOOM_ERR_VALUE,
                                "Length of weights not compatible with "
                                "specified axis.");
        loom_shape s = {a->ndim, {0}};
        for (int i = 0; i < a->ndim; i++)
            s.dim[i] = i == ax ? w->shape[0] : 1;
        w = loom_reshape(w, s);
    }
    loom_dtype t = loom_promote(a->dtype, w->dtype);
    if (!graph_is_float(t))
        t = LOOM_FLOAT64;
    loom_array *num = loom_sum(loom_multiply(graph_cast(a, t), graph_cast(w, t)),
                               axis, keepdims);
    loom_array *den = loom_sum(loom_broadcast_to(graph_cast(w, t),
                                                 loom_shape_of(a)),
                               axis, keepdims);
    return loom_divide(num, den);
}

/* Vector and matrix norms built from reductions (the matrix 2-norm and
 * nuclear norm need singular values: graph/build_linalg.c). */
loom_array *graph_norm_vector(loom_array *x, double ord, loom_axes axes,
                              bool keepdims)
{
    loom_ctx *ctx = x->ctx;
    loom_dtype t = graph_is_float((loom_dtype)x->dtype) ? (loom_dtype)x->dtype
                                                        : LOOM_FLOAT64;
    loom_array *ax = loom_abs(graph_cast(x, t));
    if (ord == LOOM_ORD_DEFAULT || ord == 2)
        return loom_sqrt(loom_reduce(LOOM_RED_SUM, loom_multiply(ax, ax), axes,
                                     keepdims, LOOM_DEFAULT_DTYPE, 0));
    if (isinf(ord) && ord > 0)
        return loom_reduce(LOOM_RED_MAX, ax, axes, keepdims,
                           LOOM_DEFAULT_DTYPE, 0);
    if (isinf(ord))
        return loom_reduce(LOOM_RED_MIN, ax, axes, keepdims,
                           LOOM_DEFAULT_DTYPE, 0);
    if (ord == 0)
        return loom_reduce(LOOM_RED_SUM, graph_cast(loom_not_equal(ax,
                                                                   loom_scalar(ctx, 0)),
                                                    t),
                           axes, keepdims, LOOM_DEFAULT_DTYPE, 0);
    if (ord == 1)
        return loom_reduce(LOOM_RED_SUM, ax, axes, keepdims,
                           LOOM_DEFAULT_DTYPE, 0);
    loom_array *p = loom_scalar(ctx, ord);
    loom_array *s = loom_reduce(LOOM_RED_SUM, loom_power(ax, p), axes,
                                keepdims, LOOM_DEFAULT_DTYPE, 0);
    return loom_power(s, loom_scalar(ctx, 1.0 / ord));
}

/* linalg.norm: numpy.linalg.norm's dispatch on ord and axis. */
loom_array *loom_linalg_norm(loom_array *x, double ord, loom_axes axes,
                             bool keepdims)
{
    loom_array *bad = graph_check_inputs(x ? x->ctx : NULL, "norm", 1, &x);
    if (bad)
        return bad;
    loom_ctx *ctx = x->ctx;
    if (axes.n < 0 && (ord == LOOM_ORD_DEFAULT ||
                       (ord == LOOM_ORD_FRO && x->ndim == 2) ||
                       (ord == 2 && x->ndim == 1))) {
        /* axis=None, ord=None: the 2-norm of the flattened array */
        loom_array *r = graph_norm_vector(loom_ravel(x), 2, LOOM_AXES_ALL,
                                          false);
        if (!keepdims)
            return r;
        loom_shape s = {x->ndim, {0}};
        for (int i = 0; i < x->ndim; i++)
            s.dim[i] = 1;
        return loom_reshape(r, s);
    }
    if (axes.n < 0) {
        if (x->ndim == 1)
            axes = LOOM_AXES(0);
        else if (x->ndim == 2)
            axes = LOOM_AXES(0, 1);
        else
            return graph_poison(ctx, LOOM_ERR_VALUE,
                                "Improper number of dimensions to norm.");
    }
    if (axes.n == 1) {
        int ax = axes.axis[0];
        if (!graph_norm_axis(&ax, x->ndim))
            return graph_poison(ctx, LOOM_ERR_AXIS,
                                "axis %d is out of bounds for array of "
                                "dimension %d",
                                axes.axis[0], x->ndim);
        if (ord == LOOM_ORD_FRO || ord == LOOM_ORD_NUC)
            return graph_poison(ctx, LOOM_ERR_VALUE,
                                "Invalid norm order '%s' for vectors",
                                ord == LOOM_ORD_FRO ? "fro" : "nuc");
        return graph_norm_vector(x, ord, axes, keepdims);
    }
    if (axes.n != 2)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "Improper number of dimensions to norm.");
    int r = axes.axis[0], c = axes.axis[1];
    if (!graph_norm_axis(&r, x->ndim) || !graph_norm_axis(&c, x->ndim))
        return graph_poison(ctx, LOOM_ERR_AXIS,
                            "axis is out of bounds for array of dimension %d",
                            x->ndim);
    if (r == c)
        return graph_poison(ctx, LOOM_ERR_VALUE, "Duplicate axes given.");
    loom_dtype t = graph_is_float((loom_dtype)x->dtype) ? (loom_dtype)x->dtype
                                                        : LOOM_FLOAT64;
    loom_array *ax = loom_abs(graph_cast(x, t));
    loom_axes both = {2, {r, c}};
    if (ord == LOOM_ORD_FRO || ord == LOOM_ORD_DEFAULT)
        return loom_sqrt(loom_reduce(LOOM_RED_SUM, loom_multiply(ax, ax), both,
                                     keepdims, LOOM_DEFAULT_DTYPE, 0));
    if (ord == 1 || ord == -1 || isinf(ord)) {
        /* ord 1: max over columns of column sums; inf: over rows */
        int sum_ax = (ord == 1 || ord == -1) ? r : c;
        int max_ax = (ord == 1 || ord == -1) ? c : r;
        loom_array *s = loom_sum(ax, sum_ax, true);
        loom_array *m = (ord > 0) ? loom_max(s, max_ax, true)
                                  : loom_min(s, max_ax, true);
        if (keepdims)
            return m;
        loom_shape sh = {0, {0}};
        for (int i = 0; i < x->ndim; i++)
            if (i != r && i != c)
                sh.dim[sh.ndim++] = x->shape[i];
        return loom_reshape(m, sh);
    }
    if (ord == 2 || ord == -2 || ord == LOOM_ORD_NUC)
        return graph_norm_matrix_sv(x, ord, r, c, keepdims);
    return graph_poison(ctx, LOOM_ERR_VALUE, "Invalid norm order for matrices.");
}

/* ---- scans ---- */

#include "runtime/call.h"

/* cumsum / cumprod along axis (LOOM_ALL: of the flattened array), in
 * NumPy's accumulation dtype (bools and int32 accumulate in int64). */
static loom_array *scan(loom_array *a, int axis, rt_call_id id,
                        const char *name)
{
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, name, 1, &a);
    if (bad)
        return bad;
    if (axis == LOOM_ALL) {
        a = loom_ravel(a);
        axis = 0;
    } else if (!graph_norm_axis(&axis, a->ndim)) {
        return graph_poison(a->ctx, LOOM_ERR_AXIS,
                            "axis %d is out of bounds for array of dimension %d",
                            axis, a->ndim);
    }
    loom_dtype t = graph_is_float((loom_dtype)a->dtype) ? (loom_dtype)a->dtype
                                                        : LOOM_INT64;
    loom_array *x = graph_cast(a, t);
    int64_t p = axis;
    return graph_call(a->ctx, id, 1, &x, t, x->ndim, x->shape, &p, 1);
}

loom_array *loom_cumsum(loom_array *a, int axis)
{
    return scan(a, axis, RT_CALL_CUMSUM, "cumsum");
}

loom_array *loom_cumprod(loom_array *a, int axis)
{
    return scan(a, axis, RT_CALL_CUMPROD, "cumprod");
}

loom_array *loom_nancumsum(loom_array *a, int axis)
{
    if (a && a->op != GRAPH_OP_ERROR)
        a = nan_to(a, 0);
    return scan(a, axis, RT_CALL_CUMSUM, "nancumsum");
}

loom_array *loom_nancumprod(loom_array *a, int axis)
{
    if (a && a->op != GRAPH_OP_ERROR)
        a = nan_to(a, 1);
    return scan(a, axis, RT_CALL_CUMPROD, "nancumprod");
}
