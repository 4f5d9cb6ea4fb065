/*
 * build_move.c -- builders of views: reshape, transpose, expand/squeeze,
 * broadcast, flips and basic indexing.  All produce MOVE nodes (RESHAPE,
 * PERMUTE, EXPAND, SLICE); none copies.
 *
 * SLICE semantics: out[i0, i1, ...] = in[start0 + i0*step0, ...], same rank
 * as its input; attr[0..8) are the starts, attr[8..16) the steps (non-zero,
 * possibly negative).  Integer indices become extent-1 slices followed by
 * a RESHAPE that drops the axis.
 */
#include "graph/graph.h"

#include <string.h>

static loom_array *move(graph_op op, loom_array *a, int ndim,
                        const int64_t *shape, const int64_t *attr, int nattr)
{
    if (a->op == GRAPH_OP_ERROR)
        return a;
    graph_tmpl tm;
    graph_tmpl_init(&tm, op, a->dtype, ndim, shape);
    tm.flags = a->flags & GRAPH_WEAK;
    tm.nin = 1;
    tm.in = &a;
    if (nattr)
        memcpy(tm.attr, attr, (size_t)nattr * sizeof(int64_t));
    return graph_intern(a->ctx, &tm);
}

static loom_array *axis_error(loom_ctx *ctx, int axis, int ndim)
{
    return graph_poison(ctx, LOOM_ERR_AXIS,
                        "axis %d is out of bounds for array of dimension %d",
                        axis, ndim);
}

#define CHECK1(name, a)                                                 \
    do {                                                                \
        loom_array *bad_ = graph_check_inputs((a) ? (a)->ctx : NULL,    \
                                              name, 1, &(a));           \
        if (bad_)                                                       \
            return bad_;                                                \
    } while (0)

/* ---- reshape ---- */

static loom_array *reshape_to(loom_array *a, int ndim, const int64_t *shape)
{
    if (a->op == GRAPH_OP_ERROR)
        return a;
    if (a->ndim == ndim &&
        !memcmp(a->shape, shape, (size_t)ndim * sizeof(int64_t)))
        return graph_push(a->ctx, a);
    return move(GRAPH_OP_RESHAPE, a, ndim, shape, NULL, 0);
}

loom_array *loom_reshape(loom_array *a, loom_shape s)
{
    CHECK1("reshape", a);
    loom_ctx *ctx = a->ctx;
    if (s.ndim < 0 || s.ndim > LOOM_MAX_DIMS)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "reshape: %d dimensions (loom supports up to %d)",
                            s.ndim, LOOM_MAX_DIMS);
    int unknown = -1;
    int64_t known = 1;
    for (int i = 0; i < s.ndim; i++) {
        if (s.dim[i] == -1) {
            if (unknown >= 0)
                return graph_poison(ctx, LOOM_ERR_VALUE,
                                    "can only specify one unknown dimension");
            unknown = i;
        } else if (s.dim[i] < 0) {
            return graph_poison(ctx, LOOM_ERR_VALUE,
                                "negative dimensions not allowed");
        } else if (__builtin_mul_overflow(known, s.dim[i], &known)) {
            return graph_poison(ctx, LOOM_ERR_VALUE,
                                "reshape: maximum supported dimension for an "
                                "ndarray is exceeded");
        }
    }
    int64_t n = graph_numel(a->ndim, a->shape);
    char buf[256];
    if (unknown >= 0) {
        if (known == 0 || n % known)
            goto bad;
        s.dim[unknown] = n / known;
    } else if (known != n) {
        goto bad;
    }
    return reshape_to(a, s.ndim, s.dim);
bad:
    return graph_poison(ctx, LOOM_ERR_VALUE,
                        "cannot reshape array of size %lld into shape %s",
                        (long long)n,
                        graph_shape_str(buf, sizeof buf, s.ndim, s.dim));
}

loom_array *loom_ravel(loom_array *a)
{
    CHECK1("ravel", a);
    int64_t n = graph_numel(a->ndim, a->shape);
    return reshape_to(a, 1, &n);
}

loom_array *loom_flatten(loom_array *a)
{
    return loom_ravel(a); /* arrays are values: a view is as good as a copy */
}

/* ---- transposes ---- */

loom_array *loom_transpose(loom_array *a, const int *perm)
{
    CHECK1("transpose", a);
    int n = a->ndim;
    int64_t p[LOOM_MAX_DIMS], shape[LOOM_MAX_DIMS];
    bool seen[LOOM_MAX_DIMS] = {0}, identity = true;
    for (int i = 0; i < n; i++) {
        int ax = perm ? perm[i] : n - 1 - i;
        if (!graph_norm_axis(&ax, n))
            return axis_error(a->ctx, perm[i], n);
        if (seen[ax])
            return graph_poison(a->ctx, LOOM_ERR_VALUE,
                                "repeated axis in transpose");
        seen[ax] = true;
        p[i] = ax;
        shape[i] = a->shape[ax];
        identity = identity && ax == i;
    }
    if (identity)
        return graph_push(a->ctx, a);
    return move(GRAPH_OP_PERMUTE, a, n, shape, p, n);
}

loom_array *loom_T(loom_array *a)
{
    return loom_transpose(a, NULL);
}

loom_array *loom_swapaxes(loom_array *a, int axis1, int axis2)
{
    CHECK1("swapaxes", a);
    int n = a->ndim, perm[LOOM_MAX_DIMS];
    int x1 = axis1, x2 = axis2;
    if (!graph_norm_axis(&x1, n))
        return axis_error(a->ctx, axis1, n);
    if (!graph_norm_axis(&x2, n))
        return axis_error(a->ctx, axis2, n);
    for (int i = 0; i < n; i++)
        perm[i] = i == x1 ? x2 : i == x2 ? x1 : i;
    return loom_transpose(a, perm);
}

loom_array *loom_moveaxis(loom_array *a, int source, int destination)
{
    CHECK1("moveaxis", a);
    int n = a->ndim, s = source, d = destination, perm[LOOM_MAX_DIMS], k = 0;
    if (!graph_norm_axis(&s, n))
        return axis_error(a->ctx, source, n);
    if (!graph_norm_axis(&d, n))
        return axis_error(a->ctx, destination, n);
    for (int i = 0; i < n; i++)
        if (i != s)
            perm[k++] = i;
    for (int i = n - 1; i > d; i--)
        perm[i] = perm[i - 1];
    perm[d] = s;
    return loom_transpose(a, perm);
}

/* ---- unit axes ---- */

loom_array *loom_expand_dims(loom_array *a, int axis)
{
    CHECK1("expand_dims", a);
    int n = a->ndim + 1, ax = axis;
    if (n > LOOM_MAX_DIMS)
        return graph_poison(a->ctx, LOOM_ERR_VALUE,
                            "expand_dims: more than %d dimensions",
                            LOOM_MAX_DIMS);
    if (!graph_norm_axis(&ax, n))
        return axis_error(a->ctx, axis, n);
    int64_t shape[LOOM_MAX_DIMS];
    for (int i = 0, k = 0; i < n; i++)
        shape[i] = i == ax ? 1 : a->shape[k++];
    return reshape_to(a, n, shape);
}

loom_array *loom_squeeze(loom_array *a, int axis)
{
    CHECK1("squeeze", a);
    int64_t shape[LOOM_MAX_DIMS];
    int k = 0, ax = axis;
    if (axis != LOOM_ALL) {
        if (!graph_norm_axis(&ax, a->ndim))
            return axis_error(a->ctx, axis, a->ndim);
        if (a->shape[ax] != 1)
            return graph_poison(a->ctx, LOOM_ERR_VALUE,
                                "cannot select an axis to squeeze out which "
                                "has size not equal to one");
    }
    for (int i = 0; i < a->ndim; i++)
        if (axis == LOOM_ALL ? a->shape[i] != 1 : i != ax)
            shape[k++] = a->shape[i];
    return reshape_to(a, k, shape);
}

loom_array *loom_broadcast_to(loom_array *a, loom_shape s)
{
    CHECK1("broadcast_to", a);
    int nd;
    int64_t out[LOOM_MAX_DIMS];
    bool neg = false;
    for (int i = 0; i < s.ndim; i++)
        neg = neg || s.dim[i] < 0;
    if (s.ndim < 0 || s.ndim > LOOM_MAX_DIMS || neg)
        return graph_poison(a->ctx, LOOM_ERR_VALUE,
                            "all elements of broadcast shape must be "
                            "non-negative");
    if (s.ndim < a->ndim ||
        !graph_broadcast_shapes(a->ndim, a->shape, s.ndim, s.dim, &nd, out) ||
        memcmp(out, s.dim, (size_t)nd * sizeof(int64_t))) {
        char b1[128], b2[128];
        return graph_poison(
            a->ctx, LOOM_ERR_VALUE,
            "operands could not be broadcast together with remapped shapes "
            "[original->remapped]: %s and requested shape %s",
            graph_shape_str(b1, sizeof b1, a->ndim, a->shape),
            graph_shape_str(b2, sizeof b2, s.ndim, s.dim));
    }
    return graph_push(a->ctx, graph_broadcast(a, s.ndim, s.dim));
}

/* ---- slicing ---- */

/* A SLICE node; identity slices return a itself. */
static loom_array *slice(loom_array *a, const int64_t *start,
                         const int64_t *step, const int64_t *shape)
{
    bool identity = true;
    int64_t attr[2 * LOOM_MAX_DIMS] = {0};
    for (int i = 0; i < a->ndim; i++) {
        attr[i] = start[i];
        attr[LOOM_MAX_DIMS + i] = step[i];
        identity = identity && start[i] == 0 && step[i] == 1 &&
                   shape[i] == a->shape[i];
    }
    if (identity)
        return a;
    return move(GRAPH_OP_SLICE, a, a->ndim, shape, attr, 2 * LOOM_MAX_DIMS);
}

loom_array *loom_flip(loom_array *a, int axis)
{
    CHECK1("flip", a);
    int ax = axis;
    if (axis != LOOM_ALL && !graph_norm_axis(&ax, a->ndim))
        return axis_error(a->ctx, axis, a->ndim);
    int64_t start[LOOM_MAX_DIMS], step[LOOM_MAX_DIMS];
    for (int i = 0; i < a->ndim; i++) {
        bool f = (axis == LOOM_ALL || i == ax) && a->shape[i] > 0;
        start[i] = f ? a->shape[i] - 1 : 0;
        step[i] = f ? -1 : 1;
    }
    return graph_push(a->ctx, slice(a, start, step, a->shape));
}

/* Python's slice.indices(n): normalizes (start, stop, step) against n and
 * returns the length. */
static int64_t slice_indices(int64_t n, int64_t *start, int64_t stop,
                             int64_t *step)
{
    int64_t st = *step == LOOM_END ? 1 : *step;
    int64_t lo, hi;
    if (st > 0) {
        lo = *start == LOOM_END ? 0 : *start;
        hi = stop == LOOM_END ? n : stop;
        if (lo < 0)
            lo = lo + n < 0 ? 0 : lo + n;
        if (lo > n)
            lo = n;
        if (hi < 0)
            hi = hi + n < 0 ? 0 : hi + n;
        if (hi > n)
            hi = n;
        *start = lo;
        *step = st;
        return hi > lo ? (hi - lo + st - 1) / st : 0;
    }
    lo = *start == LOOM_END ? n - 1 : *start;
    hi = stop == LOOM_END ? -1 : stop;
    if (lo < 0)
        lo = lo + n < 0 ? -1 : lo + n;
    if (lo >= n)
        lo = n - 1;
    if (stop != LOOM_END && hi < 0)
        hi = hi + n < 0 ? -1 : hi + n;
    if (hi >= n)
        hi = n - 1;
    *start = lo;
    *step = st;
    return lo > hi ? (lo - hi + (-st) - 1) / (-st) : 0;
}

/*
 * Basic indexing.  Walks the items once, expanding the ellipsis, to build
 * one SLICE over a's axes and the final shape (dropping integer-indexed
 * axes, inserting newaxes).  Items with arrays go to advanced indexing.
 */
loom_array *loom_index_get(loom_array *a, int n, const loom_index *idx)
{
    CHECK1("getitem", a);
    loom_ctx *ctx = a->ctx;
    if (n < 0 || (n > 0 && !idx))
        return graph_poison(ctx, LOOM_ERR_NULL, "getitem: NULL index list");
    int consumed = 0, ellipses = 0;
    for (int i = 0; i < n; i++) {
        switch (idx[i].kind) {
        case LOOM_IDX_INT:
        case LOOM_IDX_SLICE:
            consumed++;
            break;
        case LOOM_IDX_ELLIPSIS:
            ellipses++;
            break;
        case LOOM_IDX_NEWAXIS:
            break;
        case LOOM_IDX_ARRAY:
            return graph_index_advanced(a, n, idx);
        default:
            return graph_poison(ctx, LOOM_ERR_VALUE, "getitem: bad index kind");
        }
    }
    if (ellipses > 1)
        return graph_poison(ctx, LOOM_ERR_INDEX,
                            "an index can only have a single ellipsis ('...')");
    if (consumed > a->ndim)
        return graph_poison(ctx, LOOM_ERR_INDEX,
                            "too many indices for array: array is "
                            "%d-dimensional, but %d were indexed",
                            a->ndim, consumed);
    int64_t start[LOOM_MAX_DIMS], step[LOOM_MAX_DIMS], sshape[LOOM_MAX_DIMS];
    int64_t oshape[LOOM_MAX_DIMS];
    int ax = 0, od = 0;
    for (int i = 0; i <= n; i++) {
        loom_index it = i < n ? idx[i] : (loom_index){LOOM_IDX_ELLIPSIS, 0, 0, 0, NULL};
        if (it.kind == LOOM_IDX_ELLIPSIS) {
            if (i == n && ellipses)
                continue;
            int rest = a->ndim - consumed;
            for (int k = 0; k < rest; k++, ax++) {
                start[ax] = 0;
                step[ax] = 1;
                sshape[ax] = a->shape[ax];
                if (od == LOOM_MAX_DIMS)
                    goto too_many;
                oshape[od++] = a->shape[ax];
            }
            consumed = a->ndim; /* the ellipsis filled the rest */
            continue;
        }
        if (it.kind == LOOM_IDX_NEWAXIS) {
            if (od == LOOM_MAX_DIMS)
                goto too_many;
            oshape[od++] = 1;
            continue;
        }
        if (it.kind == LOOM_IDX_INT) {
            int64_t k = it.start, size = a->shape[ax];
            if (k < -size || k >= size)
                return graph_poison(ctx, LOOM_ERR_INDEX,
                                    "index %lld is out of bounds for axis %d "
                                    "with size %lld",
                                    (long long)k, ax, (long long)size);
            start[ax] = k < 0 ? k + size : k;
            step[ax] = 1;
            sshape[ax++] = 1;
            continue;
        }
        if (it.step == 0)
            return graph_poison(ctx, LOOM_ERR_VALUE,
                                "slice step cannot be zero");
        int64_t st = it.start, sp = it.step;
        int64_t len = slice_indices(a->shape[ax], &st, it.stop, &sp);
        start[ax] = len ? st : 0;
        step[ax] = sp;
        sshape[ax++] = len;
        if (od == LOOM_MAX_DIMS)
            goto too_many;
        oshape[od++] = len;
    }
    loom_array *s = slice(a, start, step, sshape);
    return reshape_to(s, od, oshape);
too_many:
    return graph_poison(ctx, LOOM_ERR_INDEX,
                        "getitem: result would have more than %d dimensions",
                        LOOM_MAX_DIMS);
}

/* copy: a node that always materializes into fresh memory. */
loom_array *loom_copy(loom_array *a)
{
    CHECK1("copy", a);
    graph_tmpl tm;
    graph_tmpl_init(&tm, GRAPH_OP_COPY, a->dtype, a->ndim, a->shape);
    tm.nin = 1;
    tm.in = &a;
    return graph_intern(a->ctx, &tm);
}
