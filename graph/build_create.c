/*
 * build_create.c -- array creation: from caller data, constant fills and
 * index grids.  Fills and ranges are lazy (CONST broadcast, IOTA), so
 * zeros((N, D)) costs nothing until a kernel reads it -- and then only a
 * register.
 */
#include "graph/graph.h"

#include <math.h>
#include <string.h>

/* Validates a creation shape; NULL if fine, else a poisoned array. */
static loom_array *check_shape(loom_ctx *ctx, const char *fn, int ndim,
                               const int64_t *shape, loom_dtype t)
{
    if (!ctx)
        return graph_poison(NULL, LOOM_ERR_NULL, "NULL context");
    if ((unsigned)t >= LOOM_NDTYPES)
        return graph_poison(ctx, LOOM_ERR_TYPE, "%s: invalid dtype %d", fn,
                            (int)t);
    if (ndim < 0 || ndim > LOOM_MAX_DIMS)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "%s: %d dimensions (loom supports 0 to %d)", fn,
                            ndim, LOOM_MAX_DIMS);
    for (int i = 0; i < ndim; i++)
        if (shape[i] < 0)
            return graph_poison(ctx, LOOM_ERR_VALUE,
                                "negative dimensions are not allowed");
    int64_t n = graph_numel(ndim, shape), bytes;
    if (n < 0 || __builtin_mul_overflow(n, (int64_t)loom_dtype_size(t),
                                        &bytes))
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "array is too big; `arr.size * "
                            "arr.dtype.itemsize` is larger than the maximum "
                            "possible size.");
    return NULL;
}

/* ---- caller data ---- */

static void copy_strided(char *dst, const char *src, int ndim,
                         const int64_t *shape, const int64_t *bstrides,
                         size_t esize)
{
    if (ndim == 0) {
        memcpy(dst, src, esize);
        return;
    }
    int64_t inner = graph_numel(ndim - 1, shape + 1);
    for (int64_t i = 0; i < shape[0]; i++)
        copy_strided(dst + (size_t)(i * inner) * esize,
                     src + i * bstrides[0], ndim - 1, shape + 1,
                     bstrides + 1, esize);
}

loom_array *loom_array_from_strided(loom_ctx *ctx, const void *data,
                                    loom_dtype t, loom_shape s,
                                    const int64_t *byte_strides,
                                    loom_data_mode mode)
{
    loom_array *bad = check_shape(ctx, "array", s.ndim, s.dim, t);
    if (bad)
        return bad;
    int64_t n = graph_numel(s.ndim, s.dim);
    size_t esize = loom_dtype_size(t), nbytes = (size_t)n * esize;
    if (!data && n > 0)
        return graph_poison(ctx, LOOM_ERR_NULL, "array: NULL data pointer");
    int64_t estrides[LOOM_MAX_DIMS];
    if (byte_strides) {
        for (int i = 0; i < s.ndim; i++) {
            if (byte_strides[i] % (int64_t)esize)
                return graph_poison(ctx, LOOM_ERR_VALUE,
                                    "array: stride %lld is not a multiple of "
                                    "the item size %zu",
                                    (long long)byte_strides[i], esize);
            estrides[i] = byte_strides[i] / (int64_t)esize;
        }
    } else {
        graph_c_strides(s.ndim, s.dim, estrides);
    }
    rt_buffer *buf;
    loom_array *a;
    if (mode == LOOM_BORROW) {
        buf = rt_buffer_borrow(&ctx->alloc, (void *)data, nbytes);
        if (!buf)
            return &graph_oom_node;
        a = graph_leaf(ctx, buf, t, s.ndim, s.dim, estrides, 0);
    } else {
        buf = rt_buffer_new(&ctx->alloc, nbytes, false);
        if (!buf)
            return graph_poison(ctx, LOOM_ERR_MEMORY,
                                "Unable to allocate %zu bytes for an array",
                                nbytes);
        if (n > 0) {
            if (byte_strides)
                copy_strided(buf->data, data, s.ndim, s.dim, byte_strides,
                             esize);
            else
                memcpy(buf->data, data, nbytes);
        }
        a = graph_leaf(ctx, buf, t, s.ndim, s.dim, NULL, 0);
    }
    rt_buffer_unref(buf);
    return a;
}

loom_array *loom_array_from(loom_ctx *ctx, const void *data, loom_dtype t,
                            loom_shape shape, loom_data_mode mode)
{
    return loom_array_from_strided(ctx, data, t, shape, NULL, mode);
}

/* ---- fills ---- */

static loom_array *fill(loom_ctx *ctx, const char *fn, loom_shape s,
                        loom_dtype t, graph_scalar v)
{
    loom_array *bad = check_shape(ctx, fn, s.ndim, s.dim, t);
    if (bad)
        return bad;
    loom_array *c = graph_const(ctx, t, v, false);
    return graph_broadcast(c, s.ndim, s.dim);
}

loom_array *loom_zeros(loom_ctx *ctx, loom_shape s, loom_dtype t)
{
    return fill(ctx, "zeros", s, t, (graph_scalar){.i = 0});
}

loom_array *loom_empty(loom_ctx *ctx, loom_shape s, loom_dtype t)
{
    return fill(ctx, "empty", s, t, (graph_scalar){.i = 0});
}

loom_array *loom_ones(loom_ctx *ctx, loom_shape s, loom_dtype t)
{
    graph_scalar v;
    if (graph_is_float(t))
        v.f = 1.0;
    else
        v.i = 1;
    return fill(ctx, "ones", s, t, v);
}

loom_array *loom_full(loom_ctx *ctx, loom_shape s, double v, loom_dtype t)
{
    if (t == LOOM_DEFAULT_DTYPE)
        t = LOOM_FLOAT64;
    loom_array *bad = check_shape(ctx, "full", s.ndim, s.dim, t);
    if (bad)
        return bad;
    return graph_broadcast(graph_const_f(ctx, t, v), s.ndim, s.dim);
}

loom_array *loom_full_int(loom_ctx *ctx, loom_shape s, int64_t v,
                          loom_dtype t)
{
    if (t == LOOM_DEFAULT_DTYPE)
        t = LOOM_INT64;
    graph_scalar sv;
    if (graph_is_float(t))
        sv.f = (double)v;
    else
        sv.i = v;
    return fill(ctx, "full", s, t, sv);
}

static loom_array *like(loom_array *a, const char *fn, double v)
{
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, fn, 1, &a);
    if (bad)
        return bad;
    loom_shape s = loom_shape_of(a);
    return loom_full(a->ctx, s, v, (loom_dtype)a->dtype);
}

loom_array *loom_zeros_like(loom_array *a) { return like(a, "zeros_like", 0); }
loom_array *loom_ones_like(loom_array *a) { return like(a, "ones_like", 1); }
loom_array *loom_empty_like(loom_array *a) { return like(a, "empty_like", 0); }
loom_array *loom_full_like(loom_array *a, double v)
{
    return like(a, "full_like", v);
}

/* ---- index grids ---- */

loom_array *loom_arange(loom_ctx *ctx, double start, double stop,
                        double step, loom_dtype t)
{
    if (!ctx)
        return graph_poison(NULL, LOOM_ERR_NULL, "NULL context");
    if (step == 0)
        return graph_poison(ctx, LOOM_ERR_VALUE, "arange: division by zero");
    if (!isfinite(start) || !isfinite(stop) || !isfinite(step))
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "arange: cannot compute length");
    bool integral = start == floor(start) && stop == floor(stop) &&
                    step == floor(step);
    if (t == LOOM_DEFAULT_DTYPE)
        t = integral ? LOOM_INT64 : LOOM_FLOAT64;
    double len = ceil((stop - start) / step);
    if (len > 9.0e18)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "Maximum allowed size exceeded");
    int64_t n = len > 0 ? (int64_t)len : 0;
    loom_array *bad = check_shape(ctx, "arange", 1, &n, t);
    if (bad)
        return bad;
    loom_array *i = graph_grid_axis(ctx, 1, &n, 0, 0);
    loom_array *r;
    if (integral && !graph_is_float(t)) {
        r = i;
        if (step != 1)
            r = loom_multiply(r, loom_scalar_int(ctx, (int64_t)step));
        if (start != 0)
            r = loom_add(r, loom_scalar_int(ctx, (int64_t)start));
    } else {
        r = graph_cast(i, LOOM_FLOAT64);
        if (step != 1)
            r = loom_multiply(r, loom_scalar(ctx, step));
        if (start != 0)
            r = loom_add(r, loom_scalar(ctx, start));
    }
    return graph_cast(r, t);
}

loom_array *loom_linspace(loom_ctx *ctx, double start, double stop,
                          int64_t num, bool endpoint, loom_dtype t)
{
    if (!ctx)
        return graph_poison(NULL, LOOM_ERR_NULL, "NULL context");
    if (num < 0)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "Number of samples, %lld, must be non-negative.",
                            (long long)num);
    if (t == LOOM_DEFAULT_DTYPE)
        t = LOOM_FLOAT64;
    loom_array *bad = check_shape(ctx, "linspace", 1, &num, t);
    if (bad)
        return bad;
    int64_t div = endpoint ? num - 1 : num;
    double delta = stop - start;
    loom_array *i = graph_grid_axis(ctx, 1, &num, 0, 0);
    loom_array *y = graph_cast(i, LOOM_FLOAT64);
    if (div > 0) {
        double step = delta / div;
        y = step == 0 ? loom_multiply(loom_divide(y, loom_scalar(ctx, (double)div)),
                                      loom_scalar(ctx, delta))
                      : loom_multiply(y, loom_scalar(ctx, step));
    } else {
        y = loom_multiply(y, loom_scalar(ctx, delta));
    }
    y = loom_add(y, loom_scalar(ctx, start));
    if (endpoint && num > 1)
        y = loom_where(loom_equal(i, loom_scalar_int(ctx, num - 1)),
                       loom_scalar(ctx, stop), y);
    return graph_cast(y, t);
}

loom_array *loom_eye(loom_ctx *ctx, int64_t n, int64_t m, int64_t k,
                     loom_dtype t)
{
    if (t == LOOM_DEFAULT_DTYPE)
        t = LOOM_FLOAT64;
    if (m < 0)
        m = n;
    int64_t shape[2] = {n, m};
    loom_array *bad = check_shape(ctx, "eye", 2, shape, t);
    if (bad)
        return bad;
    loom_array *row = graph_grid_axis(ctx, 2, shape, 0, k);
    return graph_cast(loom_equal(row, graph_grid_axis(ctx, 2, shape, 1, 0)), t);
}

loom_array *loom_tri(loom_ctx *ctx, int64_t n, int64_t m, int64_t k,
                     loom_dtype t)
{
    if (t == LOOM_DEFAULT_DTYPE)
        t = LOOM_FLOAT64;
    if (m < 0)
        m = n;
    int64_t shape[2] = {n, m};
    loom_array *bad = check_shape(ctx, "tri", 2, shape, t);
    if (bad)
        return bad;
    loom_array *row = graph_grid_axis(ctx, 2, shape, 0, k);
    return graph_cast(loom_greater_equal(row, graph_grid_axis(ctx, 2, shape, 1, 0)), t);
}
