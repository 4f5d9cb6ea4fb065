/*
 * build_shape.c -- splitting, tiling, repeating, inserting, deleting,
 * padding, rolling, rotating; diagonals and triangles.
 *
 * Everything here is composed from lazy ops, so it fuses with what feeds
 * it and what consumes it: splits and rolls are slices and CONCAT nodes,
 * tile and repeat broadcast on a new axis and reshape (the fuser
 * materializes a reshape of a broadcast: that is the copy), pads and
 * diagonals are GATHER nodes whose positions are affine index grids
 * (IOTA), triangles are where() over index comparisons.  Sizes that depend
 * on argument values (split points, repeat counts given as an array,
 * deleted indices) are worked out when the node is built.
 */
#include "graph/graph.h"

#include <math.h>
#include <string.h>

/* ---- helpers ---- */

static loom_array *axis_error(loom_ctx *ctx, int axis, int ndim)
{
    return graph_poison(ctx, LOOM_ERR_AXIS,
                        "axis %d is out of bounds for array of dimension %d",
                        axis, ndim);
}

static loom_array *too_big(loom_ctx *ctx)
{
    return graph_poison(ctx, LOOM_ERR_VALUE,
                        "array is too big; `arr.size * arr.dtype.itemsize` is "
                        "larger than the maximum possible size.");
}

/* a itself as a builder result: registered once more in the scope. */
static loom_array *same(loom_array *a)
{
    return graph_push(a->ctx, a);
}

loom_array *graph_range_along(loom_array *a, int ax, int64_t start,
                              int64_t stop)
{
    loom_index idx[LOOM_MAX_DIMS];
    for (int i = 0; i < a->ndim; i++)
        idx[i] = LOOM_COLON;
    idx[ax] = LOOM_SL(start, stop, 1);
    return loom_index_get(a, a->ndim, idx);
}

loom_array *graph_grid(loom_ctx *ctx, int ndim, const int64_t *shape,
                       const int64_t *coef, int64_t offset)
{
    graph_tmpl tm;
    graph_tmpl_init(&tm, GRAPH_OP_IOTA, LOOM_INT64, ndim, shape);
    for (int k = 0; k < ndim; k++)
        tm.attr[k] = coef[k];
    tm.attr[GRAPH_IOTA_OFFSET] = offset;
    return graph_intern(ctx, &tm);
}

loom_array *graph_grid_axis(loom_ctx *ctx, int ndim, const int64_t *shape,
                            int axis, int64_t offset)
{
    int64_t coef[LOOM_MAX_DIMS] = {0};
    coef[axis] = 1;
    return graph_grid(ctx, ndim, shape, coef, offset);
}

loom_array *graph_gather(loom_array *src, int ndim, const int64_t *shape,
                         const int *map, loom_array *const *idx)
{
    loom_array *ins[LOOM_MAX_DIMS + 1];
    graph_tmpl tm;
    graph_tmpl_init(&tm, GRAPH_OP_GATHER, (loom_dtype)src->dtype, ndim, shape);
    int nin = 1;
    ins[0] = src;
    for (int j = 0; j < src->ndim; j++) {
        if (map[j] >= 0) {
            tm.attr[j] = map[j];
            continue;
        }
        loom_array *ix = idx[j];
        if (ix->status)
            return ix;
        ins[nin] = graph_broadcast(graph_cast(ix, LOOM_INT64), ndim, shape);
        tm.attr[j] = -nin;
        nin++;
    }
    tm.nin = nin;
    tm.in = ins;
    return graph_intern(src->ctx, &tm);
}

/* A 0-d constant of dtype t holding 0 (False). */
static loom_array *zero_of(loom_ctx *ctx, loom_dtype t)
{
    return graph_const_f(ctx, t, 0);
}

/* ---- split, array_split, split_at ---- */

/* The view a[st:en] along ax with Python's slice rules for bounds already
 * made non-negative: clamped into [0, extent], empty when en < st. */
static loom_array *part(loom_array *a, int ax, int64_t st, int64_t en)
{
    int64_t len = a->shape[ax];
    st = st < 0 ? 0 : st > len ? len : st;
    en = en < st ? st : en > len ? len : en;
    return graph_range_along(a, ax, st, en);
}

/* Checks a and axis for the split family; returns the normalized axis or
 * -1 with out[0] poisoned. */
static int split_check(loom_array *a, int axis, loom_array **out,
                       const char *name)
{
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, name, 1, &a);
    if (bad) {
        out[0] = bad;
        return -1;
    }
    int ax = axis;
    if (!graph_norm_axis(&ax, a->ndim)) {
        /* NumPy reads ary.shape[axis] first */
        out[0] = graph_poison(a->ctx, LOOM_ERR_INDEX, "tuple index out of range");
        return -1;
    }
    return ax;
}

/* Near-equal sections: the first len % sections parts get one more. */
static int sections_split(loom_array *a, int sections, int axis,
                          loom_array **out, bool equal, const char *name)
{
    if (!out)
        return -1;
    int ax = split_check(a, axis, out, name);
    if (ax < 0)
        return -1;
    if (sections <= 0) {
        out[0] = graph_poison(a->ctx, LOOM_ERR_VALUE,
                              "number sections must be larger than 0.");
        return -1;
    }
    int64_t len = a->shape[ax];
    if (equal && len % sections) {
        out[0] = graph_poison(a->ctx, LOOM_ERR_VALUE,
                              "array split does not result in an equal "
                              "division");
        return -1;
    }
    int64_t each = len / sections, extra = len % sections, pos = 0;
    for (int i = 0; i < sections; i++) {
        int64_t n = each + (i < extra);
        out[i] = graph_range_along(a, ax, pos, pos + n);
        if (out[i]->status) {
            out[0] = out[i];
            return -1;
        }
        pos += n;
    }
    return sections;
}

int loom_split(loom_array *a, int sections, int axis, loom_array **out)
{
    return sections_split(a, sections, axis, out, true, "split");
}

int loom_array_split(loom_array *a, int sections, int axis, loom_array **out)
{
    return sections_split(a, sections, axis, out, false, "array_split");
}

/* Parts between consecutive indices (Python slice rules for each). */
int loom_split_at(loom_array *a, int nidx, const int64_t *indices, int axis,
                  loom_array **out)
{
    if (!out)
        return -1;
    int ax = split_check(a, axis, out, "split");
    if (ax < 0)
        return -1;
    if (nidx < 0 || (nidx > 0 && !indices)) {
        out[0] = graph_poison(a->ctx, LOOM_ERR_NULL, "split: NULL indices");
        return -1;
    }
    int64_t len = a->shape[ax];
    for (int i = 0; i <= nidx; i++) {
        int64_t st = i == 0 ? 0 : indices[i - 1];
        int64_t en = i == nidx ? len : indices[i];
        /* negative bounds count from the end, as in a[st:en] */
        if (st < 0)
            st += len;
        if (en < 0)
            en += len;
        out[i] = part(a, ax, st, en);
        if (out[i]->status) {
            out[0] = out[i];
            return -1;
        }
    }
    return nidx + 1;
}

/* ---- tile and repeat: broadcast on a new axis, then reshape ---- */

/*
 * a with axis ax repeated: each element `reps` times (inner) or the whole
 * axis `reps` times (outer).  Broadcasts over a new unit axis next to ax
 * and merges it; when a has no room for one more axis, the axes around ax
 * are merged first.  reps >= 0.
 */
static loom_array *repeat_axis(loom_array *a, int ax, int64_t reps,
                               bool inner)
{
    loom_ctx *ctx = a->ctx;
    int nd = a->ndim;
    int64_t outer_shape[LOOM_MAX_DIMS];
    memcpy(outer_shape, a->shape, sizeof outer_shape);
    if (__builtin_mul_overflow(a->shape[ax], reps, &outer_shape[ax]) ||
        graph_numel(nd, outer_shape) < 0)
        return too_big(ctx);
    if (nd == LOOM_MAX_DIMS) {
        /* merge the axes before and after ax: (P, n, Q) */
        int64_t p = 1, q = 1;
        for (int i = 0; i < ax; i++)
            p *= a->shape[i];
        for (int i = ax + 1; i < nd; i++)
            q *= a->shape[i];
        loom_array *m = loom_reshape(a, LOOM_SHAPE(p, a->shape[ax], q));
        loom_shape out = {nd, {0}};
        memcpy(out.dim, outer_shape, sizeof out.dim);
        return loom_reshape(repeat_axis(m, 1, reps, inner), out);
    }
    loom_shape unit = {nd + 1, {0}}, wide = {nd + 1, {0}};
    for (int i = 0, k = 0; i <= nd; i++) {
        bool extra = inner ? i == ax + 1 : i == ax;
        unit.dim[i] = extra ? 1 : a->shape[k];
        wide.dim[i] = extra ? reps : a->shape[k];
        if (!extra)
            k++;
    }
    loom_array *b = loom_broadcast_to(loom_reshape(a, unit), wide);
    loom_shape out = {nd, {0}};
    memcpy(out.dim, outer_shape, sizeof out.dim);
    return loom_reshape(b, out);
}

/* tile(A, reps): reps padded with leading 1s to A's rank, A with leading
 * unit axes to reps' length; each axis is repeated whole. */
loom_array *loom_tile(loom_array *a, int n, const int64_t *reps)
{
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, "tile", 1, &a);
    if (bad)
        return bad;
    loom_ctx *ctx = a->ctx;
    if (n < 0 || (n > 0 && !reps))
        return graph_poison(ctx, LOOM_ERR_NULL, "tile: NULL reps");
    if (n > LOOM_MAX_DIMS)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "tile: more than %d dimensions", LOOM_MAX_DIMS);
    int nd = n > a->ndim ? n : a->ndim;
    int64_t r[LOOM_MAX_DIMS];
    for (int i = 0; i < nd; i++) {
        r[i] = i < nd - n ? 1 : reps[i - (nd - n)];
        if (r[i] < 0)
            return graph_poison(ctx, LOOM_ERR_VALUE,
                                "negative dimensions are not allowed");
    }
    loom_shape s = {nd, {0}}, unit = {0, {0}}, wide = {0, {0}}, out = {nd, {0}};
    for (int i = 0; i < nd; i++)
        s.dim[i] = i < nd - a->ndim ? 1 : a->shape[i - (nd - a->ndim)];
    loom_array *x = loom_reshape(a, s);
    int extra = 0;
    for (int i = 0; i < nd; i++) {
        extra += r[i] != 1;
        if (__builtin_mul_overflow(s.dim[i], r[i], &out.dim[i]))
            return too_big(ctx);
    }
    if (graph_numel(nd, out.dim) < 0)
        return too_big(ctx);
    if (nd + extra > LOOM_MAX_DIMS) {
        for (int i = 0; i < nd && !x->status; i++)
            if (r[i] != 1)
                x = repeat_axis(x, i, r[i], false);
        return x;
    }
    /* all axes at once: (r0, s0, r1, s1, ...) from (1, s0, 1, s1, ...) */
    for (int i = 0; i < nd; i++) {
        if (r[i] != 1) {
            unit.dim[unit.ndim++] = 1;
            wide.dim[wide.ndim++] = r[i];
        }
        unit.dim[unit.ndim++] = s.dim[i];
        wide.dim[wide.ndim++] = s.dim[i];
    }
    return loom_reshape(loom_broadcast_to(loom_reshape(x, unit), wide), out);
}

/* repeat(a, repeats, axis): each element `repeats` times along axis (of
 * the flattened array for LOOM_ALL; a 0-d array counts as 1-d). */
loom_array *loom_repeat(loom_array *a, int64_t repeats, int axis)
{
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, "repeat", 1, &a);
    if (bad)
        return bad;
    int ax = axis;
    if (axis == LOOM_ALL || a->ndim == 0) {
        if (axis != LOOM_ALL && axis != 0 && axis != -1)
            return axis_error(a->ctx, axis, 1);
        a = loom_ravel(a);
        ax = 0;
    } else if (!graph_norm_axis(&ax, a->ndim)) {
        return axis_error(a->ctx, axis, a->ndim);
    }
    if (repeats < 0)
        return graph_poison(a->ctx, LOOM_ERR_VALUE,
                            "negative dimensions are not allowed");
    return repeat_axis(a, ax, repeats, true);
}

/*
 * repeat with one count per element of the axis: the counts are read now
 * (they decide the shape) and the result is a gather through the source
 * positions.  A single count repeats every element.
 */
loom_array *loom_repeat_each(loom_array *a, loom_array *repeats, int axis)
{
    loom_array *in[2] = {a, repeats};
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, "repeat", 2, in);
    if (bad)
        return bad;
    loom_ctx *ctx = a->ctx;
    int ax = axis;
    if (axis == LOOM_ALL || a->ndim == 0) {
        if (axis != LOOM_ALL && axis != 0 && axis != -1)
            return axis_error(ctx, axis, 1);
        a = loom_ravel(a);
        ax = 0;
    } else if (!graph_norm_axis(&ax, a->ndim)) {
        return axis_error(ctx, axis, a->ndim);
    }
    if (graph_is_float((loom_dtype)repeats->dtype))
        return graph_poison(ctx, LOOM_ERR_TYPE,
                            "Cannot cast array data from dtype('%s') to "
                            "dtype('int64') according to the rule 'safe'",
                            loom_dtype_name((loom_dtype)repeats->dtype));
    if (repeats->ndim > 1)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "object too deep for desired array");
    int64_t len = a->shape[ax], cnt = graph_numel(repeats->ndim, repeats->shape);
    loom_array *r64 = loom_astype(repeats, LOOM_INT64);
    const int64_t *rv = graph_data(r64);
    if (!rv)
        return graph_push(ctx, r64->status ? r64 : repeats);
    for (int64_t i = 0; i < cnt; i++)
        if (rv[i] < 0)
            return graph_poison(ctx, LOOM_ERR_VALUE,
                                "repeats may not contain negative values.");
    if (cnt == 1)
        return repeat_axis(a, ax, rv[0], true);
    if (cnt != len)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "operands could not be broadcast together with "
                            "shape (%lld,) (%lld,)",
                            (long long)len, (long long)cnt);
    int64_t total = 0;
    for (int64_t i = 0; i < cnt; i++)
        if (__builtin_add_overflow(total, rv[i], &total))
            return too_big(ctx);
    int64_t shape[LOOM_MAX_DIMS];
    memcpy(shape, a->shape, sizeof shape);
    shape[ax] = total;
    if (graph_numel(a->ndim, shape) < 0 || total > INT64_MAX / 8)
        return too_big(ctx);
    int64_t *pos = graph_malloc(ctx, (size_t)(total ? total : 1) * 8);
    if (!pos)
        return graph_poison(ctx, LOOM_ERR_MEMORY, "repeat: out of memory");
    for (int64_t i = 0, w = 0; i < cnt; i++)
        for (int64_t k = 0; k < rv[i]; k++)
            pos[w++] = i;
    loom_array *ix = loom_array_from(ctx, pos, LOOM_INT64, LOOM_SHAPE(total),
                                     LOOM_COPY);
    graph_free(ctx, pos, (size_t)(total ? total : 1) * 8);
    if (ix->status)
        return ix;
    int map[LOOM_MAX_DIMS];
    loom_array *idx[LOOM_MAX_DIMS] = {0};
    loom_shape ish = {a->ndim, {0}};
    for (int i = 0; i < a->ndim; i++) {
        map[i] = i == ax ? -1 : i;
        ish.dim[i] = i == ax ? total : 1;
    }
    idx[ax] = loom_reshape(ix, ish);
    return graph_gather(a, a->ndim, shape, map, idx);
}

/* ---- insert, append, delete ---- */

/*
 * values shaped for the slot of shape (nd, slot) that NumPy's assignment
 * broadcasting would fill: leading unit axes beyond the slot's rank are
 * dropped, the rest broadcasts.  NULL-free: a poisoned array on mismatch.
 */
static loom_array *fit_slot(loom_array *v, int nd, const int64_t *slot)
{
    loom_ctx *ctx = v->ctx;
    int vd = v->ndim, skip = 0;
    while (vd - skip > nd && v->shape[skip] == 1)
        skip++;
    int on;
    int64_t out[LOOM_MAX_DIMS];
    if (vd - skip > nd ||
        !graph_broadcast_shapes(vd - skip, v->shape + skip, nd, slot, &on,
                                out) ||
        memcmp(out, slot, (size_t)nd * sizeof(int64_t))) {
        char b1[160], b2[160];
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "could not broadcast input array from shape %s "
                            "into shape %s",
                            graph_shape_str(b1, sizeof b1, vd, v->shape),
                            graph_shape_str(b2, sizeof b2, nd, slot));
    }
    loom_shape s = {vd - skip, {0}};
    memcpy(s.dim, v->shape + skip, (size_t)s.ndim * sizeof(int64_t));
    loom_shape t = {nd, {0}};
    memcpy(t.dim, slot, (size_t)nd * sizeof(int64_t));
    return loom_broadcast_to(loom_reshape(v, s), t);
}

/* insert(arr, index, values, axis) with a scalar index: values take a's
 * dtype and, made at least a's rank, have their first axis moved to axis
 * (NumPy's rule for a scalar index); the result is a concatenation. */
loom_array *loom_insert(loom_array *a, int64_t index, loom_array *values,
                        int axis)
{
    loom_array *in[2] = {a, values};
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, "insert", 2, in);
    if (bad)
        return bad;
    loom_ctx *ctx = a->ctx;
    int ax = axis;
    if (axis == LOOM_ALL) {
        a = loom_ravel(a);
        ax = 0;
    } else if (!graph_norm_axis(&ax, a->ndim)) {
        return axis_error(ctx, axis, a->ndim);
    }
    int64_t n = a->shape[ax];
    if (index < -n || index > n)
        return graph_poison(ctx, LOOM_ERR_INDEX,
                            "index %lld is out of bounds for axis %d with "
                            "size %lld",
                            (long long)index, ax, (long long)n);
    if (index < 0)
        index += n;
    loom_array *v = graph_cast(values, (loom_dtype)a->dtype);
    if (v->ndim < a->ndim) {
        loom_shape s = {a->ndim, {0}};
        int pad = a->ndim - v->ndim;
        for (int i = 0; i < a->ndim; i++)
            s.dim[i] = i < pad ? 1 : v->shape[i - pad];
        v = loom_reshape(v, s);
    }
    v = loom_moveaxis(v, 0, ax);
    if (v->status)
        return v;
    int64_t slot[LOOM_MAX_DIMS];
    memcpy(slot, a->shape, sizeof slot);
    slot[ax] = v->shape[ax];
    v = fit_slot(v, a->ndim, slot);
    if (v->status)
        return v;
    loom_array *parts[3];
    int np = 0;
    if (index > 0)
        parts[np++] = graph_range_along(a, ax, 0, index);
    parts[np++] = v;
    if (index < n)
        parts[np++] = graph_range_along(a, ax, index, n);
    return loom_concatenate(np, parts, ax);
}

/* append(arr, values, axis): concatenation (of both flattened for
 * LOOM_ALL) with NumPy's promotion. */
loom_array *loom_append(loom_array *a, loom_array *values, int axis)
{
    loom_array *in[2] = {a, values};
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, "append", 2, in);
    if (bad)
        return bad;
    if (axis == LOOM_ALL) {
        loom_array *flat[2] = {loom_ravel(a), loom_ravel(values)};
        return loom_concatenate(2, flat, 0);
    }
    if (a->ndim != values->ndim && a->ndim > 0) {
        int ax = axis;
        if (!graph_norm_axis(&ax, a->ndim))
            return axis_error(a->ctx, axis, a->ndim);
        return graph_poison(a->ctx, LOOM_ERR_VALUE,
                            "all the input arrays must have same number of "
                            "dimensions, but the array at index 0 has %d "
                            "dimension(s) and the array at index 1 has %d "
                            "dimension(s)",
                            a->ndim, values->ndim);
    }
    return loom_concatenate(2, in, axis);
}

/*
 * delete(arr, indices, axis): the kept runs of the axis, concatenated when
 * they are few, else gathered through their positions.  Indices may repeat
 * and count from the end when negative.
 */
loom_array *loom_delete(loom_array *a, int n, const int64_t *indices,
                        int axis)
{
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, "delete", 1, &a);
    if (bad)
        return bad;
    loom_ctx *ctx = a->ctx;
    if (n < 0 || (n > 0 && !indices))
        return graph_poison(ctx, LOOM_ERR_NULL, "delete: NULL indices");
    int ax = axis;
    if (axis == LOOM_ALL) {
        a = loom_ravel(a);
        ax = 0;
    } else if (!graph_norm_axis(&ax, a->ndim)) {
        return axis_error(ctx, axis, a->ndim);
    }
    int64_t len = a->shape[ax];
    for (int i = 0; i < n; i++)
        if (indices[i] < -len || indices[i] >= len)
            return graph_poison(ctx, LOOM_ERR_INDEX,
                                "index %lld is out of bounds for axis %d with "
                                "size %lld",
                                (long long)indices[i], ax, (long long)len);
    if (n == 0)
        return same(a);
    uint8_t *gone = graph_malloc(ctx, (size_t)len);
    if (!gone)
        return graph_poison(ctx, LOOM_ERR_MEMORY, "delete: out of memory");
    memset(gone, 0, (size_t)len);
    for (int i = 0; i < n; i++)
        gone[indices[i] < 0 ? indices[i] + len : indices[i]] = 1;
    int64_t kept = 0, runs = 0;
    for (int64_t i = 0; i < len; i++) {
        kept += !gone[i];
        runs += !gone[i] && (i == 0 || gone[i - 1]);
    }
    loom_array *r;
    if (runs <= 16) {
        loom_array *parts[16];
        int np = 0;
        for (int64_t i = 0; i < len; i++) {
            if (gone[i] || (i > 0 && !gone[i - 1]))
                continue;
            int64_t e = i;
            while (e < len && !gone[e])
                e++;
            parts[np++] = graph_range_along(a, ax, i, e);
        }
        r = np == 0 ? graph_range_along(a, ax, 0, 0)
            : np == 1 ? parts[0] : loom_concatenate(np, parts, ax);
    } else {
        int64_t *pos = graph_malloc(ctx, (size_t)kept * 8);
        if (!pos) {
            graph_free(ctx, gone, (size_t)len);
            return graph_poison(ctx, LOOM_ERR_MEMORY, "delete: out of memory");
        }
        for (int64_t i = 0, w = 0; i < len; i++)
            if (!gone[i])
                pos[w++] = i;
        loom_array *ix = loom_array_from(ctx, pos, LOOM_INT64,
                                         LOOM_SHAPE(kept), LOOM_COPY);
        graph_free(ctx, pos, (size_t)kept * 8);
        int64_t shape[LOOM_MAX_DIMS];
        memcpy(shape, a->shape, sizeof shape);
        shape[ax] = kept;
        int map[LOOM_MAX_DIMS];
        loom_array *idx[LOOM_MAX_DIMS] = {0};
        loom_shape ish = {a->ndim, {0}};
        for (int i = 0; i < a->ndim; i++) {
            map[i] = i == ax ? -1 : i;
            ish.dim[i] = i == ax ? kept : 1;
        }
        idx[ax] = loom_reshape(ix, ish);
        r = ix->status ? ix : graph_gather(a, a->ndim, shape, map, idx);
    }
    graph_free(ctx, gone, (size_t)len);
    return r;
}

/* ---- pad ---- */

/* The constant of pad's constant mode in dtype t, or a poisoned array
 * (NaN has no integer value). */
static loom_array *pad_value(loom_ctx *ctx, loom_dtype t, double c)
{
    if (t == LOOM_BOOL)
        return graph_const(ctx, t, (graph_scalar){.i = c != 0}, false);
    if (graph_is_float(t))
        return graph_const_f(ctx, t, c);
    if (isnan(c))
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "cannot convert float NaN to integer");
    if (!(fabs(c) < 9223372036854775808.0))
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "Python int too large to convert to C long");
    return graph_const(ctx, t, (graph_scalar){.i = (int64_t)c}, false);
}

/*
 * pad(a, widths, mode, constant): widths holds (before, after) per axis.
 * Edge mode reads a at positions clamped into each axis (one GATHER);
 * constant mode selects the constant outside a's box.
 */
loom_array *loom_pad(loom_array *a, const int64_t *widths, loom_pad_mode mode,
                     double constant)
{
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, "pad", 1, &a);
    if (bad)
        return bad;
    loom_ctx *ctx = a->ctx;
    int nd = a->ndim;
    if (nd > 0 && !widths)
        return graph_poison(ctx, LOOM_ERR_NULL, "pad: NULL pad_width");
    if (mode != LOOM_PAD_CONSTANT && mode != LOOM_PAD_EDGE)
        return graph_poison(ctx, LOOM_ERR_VALUE, "mode '%d' is not supported",
                            (int)mode);
    bool any = false;
    int64_t shape[LOOM_MAX_DIMS];
    for (int i = 0; i < nd; i++) {
        int64_t b = widths[2 * i], e = widths[2 * i + 1];
        if (b < 0 || e < 0)
            return graph_poison(ctx, LOOM_ERR_VALUE,
                                "index can't contain negative values");
        if (__builtin_add_overflow(a->shape[i], b, &shape[i]) ||
            __builtin_add_overflow(shape[i], e, &shape[i]))
            return too_big(ctx);
        any = any || b || e;
    }
    if (graph_numel(nd, shape) < 0)
        return too_big(ctx);
    loom_array *c = NULL;
    if (mode == LOOM_PAD_CONSTANT) {
        c = pad_value(ctx, (loom_dtype)a->dtype, constant);
        if (c->status)
            return c;
    } else {
        for (int i = 0; i < nd; i++)
            if (a->shape[i] == 0 && (widths[2 * i] || widths[2 * i + 1]))
                return graph_poison(ctx, LOOM_ERR_VALUE,
                                    "can't extend empty axis %d using modes "
                                    "other than 'constant' or 'empty'",
                                    i);
    }
    if (!any)
        return same(a);
    loom_shape out = {nd, {0}};
    memcpy(out.dim, shape, sizeof out.dim);
    if (graph_numel(nd, a->shape) == 0) /* nothing to read */
        return c ? loom_broadcast_to(c, out)
                 : loom_zeros(ctx, out, (loom_dtype)a->dtype);
    int map[LOOM_MAX_DIMS];
    loom_array *idx[LOOM_MAX_DIMS] = {0}, *inside = NULL;
    for (int i = 0; i < nd; i++) {
        int64_t b = widths[2 * i], e = widths[2 * i + 1];
        map[i] = i;
        if (!b && !e)
            continue;
        map[i] = -1;
        int64_t one[LOOM_MAX_DIMS];
        for (int d = 0; d < nd; d++)
            one[d] = d == i ? shape[i] : 1;
        /* position along axis i only: broadcast by the gather */
        loom_array *p = graph_grid_axis(ctx, nd, one, i, -b);
        idx[i] = loom_minimum(loom_maximum(p, loom_scalar_int(ctx, 0)),
                              loom_scalar_int(ctx, a->shape[i] - 1));
        if (c) {
            loom_array *in_i = loom_logical_and(
                loom_greater_equal(p, loom_scalar_int(ctx, 0)),
                loom_less(p, loom_scalar_int(ctx, a->shape[i])));
            inside = inside ? loom_logical_and(inside, in_i) : in_i;
        }
    }
    loom_array *g = graph_gather(a, nd, shape, map, idx);
    return c ? loom_where(inside, g, c) : g;
}

/* ---- roll, rot90 ---- */

/* roll(a, shift, axis): the two pieces of the axis swapped (of the
 * flattened array for LOOM_ALL, reshaped back). */
loom_array *loom_roll(loom_array *a, int64_t shift, int axis)
{
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, "roll", 1, &a);
    if (bad)
        return bad;
    if (axis == LOOM_ALL)
        return loom_reshape(loom_roll(loom_ravel(a), shift, 0),
                            loom_shape_of(a));
    int ax = axis;
    if (!graph_norm_axis(&ax, a->ndim))
        return axis_error(a->ctx, axis, a->ndim);
    int64_t n = a->shape[ax];
    if (n == 0)
        return same(a);
    int64_t s = shift % n;
    if (s < 0)
        s += n;
    if (s == 0)
        return same(a);
    loom_array *parts[2] = {graph_range_along(a, ax, n - s, n),
                            graph_range_along(a, ax, 0, n - s)};
    return loom_concatenate(2, parts, ax);
}

/* rot90(m, k, axes): flips and a transpose, NumPy's checks in its order. */
loom_array *loom_rot90(loom_array *a, int k, int axis1, int axis2)
{
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, "rot90", 1, &a);
    if (bad)
        return bad;
    int nd = a->ndim;
    if (axis1 == axis2 || axis1 - axis2 == nd || axis2 - axis1 == nd)
        return graph_poison(a->ctx, LOOM_ERR_VALUE, "Axes must be different.");
    int x1 = axis1, x2 = axis2;
    if (!graph_norm_axis(&x1, nd) || !graph_norm_axis(&x2, nd))
        return graph_poison(a->ctx, LOOM_ERR_VALUE,
                            "Axes=(%d, %d) out of range in array of "
                            "dimensions %d.",
                            axis1, axis2, nd);
    k = ((k % 4) + 4) % 4;
    if (k == 0)
        return same(a);
    if (k == 2)
        return loom_flip(loom_flip(a, x1), x2);
    int perm[LOOM_MAX_DIMS];
    for (int i = 0; i < nd; i++)
        perm[i] = i == x1 ? x2 : i == x2 ? x1 : i;
    if (k == 1)
        return loom_transpose(loom_flip(a, x2), perm);
    return loom_flip(loom_transpose(a, perm), x2);
}

/* ---- diagonals and triangles ---- */

/*
 * diagonal(a, offset, axis1, axis2): the two axes removed, the diagonal
 * appended as the last axis.  A GATHER whose positions along axis1 and
 * axis2 are the last output index shifted by the offset: it reads only
 * the diagonal and fuses with a's producer.
 */
loom_array *loom_diagonal(loom_array *a, int64_t offset, int axis1, int axis2)
{
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, "diagonal", 1, &a);
    if (bad)
        return bad;
    loom_ctx *ctx = a->ctx;
    int nd = a->ndim, x1 = axis1, x2 = axis2;
    if (nd < 2)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "diag requires an array of at least two "
                            "dimensions");
    if (!graph_norm_axis(&x1, nd))
        return graph_poison(ctx, LOOM_ERR_AXIS,
                            "axis1: axis %d is out of bounds for array of "
                            "dimension %d",
                            axis1, nd);
    if (!graph_norm_axis(&x2, nd))
        return graph_poison(ctx, LOOM_ERR_AXIS,
                            "axis2: axis %d is out of bounds for array of "
                            "dimension %d",
                            axis2, nd);
    if (x1 == x2)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "axis1 and axis2 cannot be the same");
    int64_t n1 = a->shape[x1], n2 = a->shape[x2], len;
    if (offset >= 0)
        len = n2 - offset < n1 ? n2 - offset : n1;
    else
        len = n1 + offset < n2 ? n1 + offset : n2;
    if (len < 0)
        len = 0;
    int64_t shape[LOOM_MAX_DIMS];
    int map[LOOM_MAX_DIMS], od = 0;
    for (int j = 0; j < nd; j++)
        if (j != x1 && j != x2) {
            map[j] = od;
            shape[od++] = a->shape[j];
        }
    shape[od++] = len;
    loom_shape os = {od, {0}};
    memcpy(os.dim, shape, sizeof os.dim);
    if (graph_numel(od, shape) == 0)
        return loom_zeros(ctx, os, (loom_dtype)a->dtype);
    loom_array *idx[LOOM_MAX_DIMS] = {0};
    map[x1] = map[x2] = -1;
    idx[x1] = graph_grid_axis(ctx, od, shape, od - 1, offset < 0 ? -offset : 0);
    idx[x2] = graph_grid_axis(ctx, od, shape, od - 1, offset > 0 ? offset : 0);
    return graph_gather(a, od, shape, map, idx);
}

/* diag(v, k): the k-th diagonal of a 2-d array, or a 2-d array with v on
 * its k-th diagonal (zeros elsewhere) for a 1-d one. */
loom_array *loom_diag(loom_array *a, int64_t k)
{
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, "diag", 1, &a);
    if (bad)
        return bad;
    loom_ctx *ctx = a->ctx;
    if (a->ndim == 2)
        return loom_diagonal(a, k, 0, 1);
    if (a->ndim != 1)
        return graph_poison(ctx, LOOM_ERR_VALUE, "Input must be 1- or 2-d.");
    int64_t len = a->shape[0], n, nn;
    if (k == INT64_MIN || __builtin_add_overflow(len, k < 0 ? -k : k, &n) ||
        __builtin_mul_overflow(n, n, &nn))
        return too_big(ctx);
    int64_t shape[2] = {n, n};
    loom_array *zero = zero_of(ctx, (loom_dtype)a->dtype);
    if (len == 0)
        return loom_broadcast_to(zero, LOOM_SHAPE(n, n));
    /* on the diagonal, v's index is min(row, col) */
    loom_array *row = graph_grid_axis(ctx, 2, shape, 0, 0);
    loom_array *col = graph_grid_axis(ctx, 2, shape, 1, 0);
    loom_array *on = loom_equal(graph_grid(ctx, 2, shape, (int64_t[]){-1, 1}, -k),
                                loom_scalar_int(ctx, 0));
    loom_array *pos = loom_minimum(loom_minimum(row, col),
                                   loom_scalar_int(ctx, len - 1));
    int map[1] = {-1};
    loom_array *g = graph_gather(a, 2, shape, map, &pos);
    return loom_where(on, g, zero);
}

/* triu / tril: where() over tri's mask of the last two axes (a 1-d array
 * is taken as a row broadcast to a square, as NumPy does). */
static loom_array *triangle(loom_array *a, int64_t k, bool upper)
{
    const char *name = upper ? "triu" : "tril";
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, name, 1, &a);
    if (bad)
        return bad;
    loom_ctx *ctx = a->ctx;
    if (a->ndim == 0)
        return graph_poison(ctx, LOOM_ERR_TYPE,
                            "tri() missing 1 required positional argument: "
                            "'N'");
    int64_t n = a->shape[a->ndim - 1];
    int64_t m = a->ndim >= 2 ? a->shape[a->ndim - 2] : n;
    loom_array *zero = zero_of(ctx, (loom_dtype)a->dtype);
    if (upper) {
        loom_array *mask = loom_tri(ctx, m, n, k == INT64_MIN ? k : k - 1,
                                    LOOM_BOOL);
        return loom_where(mask, zero, a);
    }
    return loom_where(loom_tri(ctx, m, n, k, LOOM_BOOL), a, zero);
}

loom_array *loom_triu(loom_array *a, int64_t k)
{
    return triangle(a, k, true);
}

loom_array *loom_tril(loom_array *a, int64_t k)
{
    return triangle(a, k, false);
}
