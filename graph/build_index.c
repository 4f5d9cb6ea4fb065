/*
 * build_index.c -- advanced indexing with NumPy's rules, and functional
 * updates.
 *
 * Getting.  Integer arrays (and integers next to them) select positions:
 * they are broadcast together to shape B, which replaces the indexed axes
 * in place when those are adjacent, or goes first otherwise.  Boolean
 * arrays become integer arrays (their nonzero positions: that needs the
 * mask's values, so the mask is evaluated; the rest stays lazy).  The
 * result is one GATHER node whose index inputs have the result's shape;
 * the JIT loads through them (graph/fuse.c and jit/lower.c).  Index values
 * are checked against the axis length when the node is built, so an out-of
 * bounds index is an IndexError with NumPy's message, not a wild load.
 *
 * Setting.  Arrays are values: x[idx] = v builds a new array.  The
 * positions written are the indexing expression applied to a grid of flat
 * positions (lazy, fused), and a SCATTER call copies x and writes v there
 * in C order -- so repeated indices keep the last value, like NumPy's
 * buffered assignment; add_at accumulates instead (np.add.at).
 */
#include "graph/graph.h"
#include "runtime/call.h"

#include <string.h>

/* ---- index arrays ---- */

/* Whether the index grid g (an IOTA) keeps within [-extent, extent):
 * its extreme values are at the corners, so nothing is evaluated. */
static bool iota_in_bounds(const loom_array *g, int64_t extent)
{
    if (g->op != GRAPH_OP_IOTA || graph_numel(g->ndim, g->shape) == 0)
        return false;
    int64_t lo = g->attr[GRAPH_IOTA_OFFSET], hi = lo;
    for (int k = 0; k < g->ndim; k++) {
        int64_t span;
        if (__builtin_mul_overflow(g->attr[k], g->shape[k] - 1, &span))
            return false;
        if (__builtin_add_overflow(span < 0 ? lo : hi, span,
                                   span < 0 ? &lo : &hi))
            return false;
    }
    return lo >= -extent && hi < extent;
}

/* Checks that every value of index array ix (integer dtype, evaluated
 * here unless it is an index grid such as arange) lies in [-extent,
 * extent); NULL or a poisoned array. */
static loom_array *check_bounds(loom_array *ix, int64_t extent, int axis)
{
    loom_ctx *ctx = ix->ctx;
    loom_array *i64 = loom_astype(ix, LOOM_INT64);
    if (!i64->status && iota_in_bounds(i64, extent))
        return NULL;
    const int64_t *v = graph_data(i64);
    if (!v)
        return graph_push(ctx, i64->status ? i64 : ix);
    int64_t n = graph_numel(ix->ndim, ix->shape);
    for (int64_t k = 0; k < n; k++)
        if (v[k] < -extent || v[k] >= extent)
            return graph_poison(ctx, LOOM_ERR_INDEX,
                                "index %lld is out of bounds for axis %d with "
                                "size %lld",
                                (long long)v[k], axis, (long long)extent);
    return NULL;
}

/* One item of an expanded index: a basic item, or index array `arr`
 * (int64) applying to one axis. */
typedef struct item {
    loom_index_kind kind;
    int64_t start, stop, step;
    loom_array *arr;
} item;

/*
 * Expands idx into at most LOOM_MAX_DIMS*2 items over a: the ellipsis
 * becomes full slices, a boolean array of k dims becomes k integer arrays
 * (its nonzero positions), integers next to arrays become 0-d arrays.
 * Returns the number of items, or -1 with *bad set.
 */
static int expand_items(loom_array *a, int n, const loom_index *idx,
                        item *out, loom_array **bad)
{
    loom_ctx *ctx = a->ctx;
    int consumed = 0, ellipses = 0;
    for (int i = 0; i < n; i++) {
        if (idx[i].kind == LOOM_IDX_ELLIPSIS)
            ellipses++;
        else if (idx[i].kind == LOOM_IDX_ARRAY) {
            loom_array *m = idx[i].array;
            if (!m) {
                *bad = graph_poison(ctx, LOOM_ERR_NULL, "getitem: NULL index array");
                return -1;
            }
            if (m->status) {
                *bad = graph_push(ctx, m);
                return -1;
            }
            consumed += m->dtype == LOOM_BOOL ? m->ndim : 1;
        } else if (idx[i].kind != LOOM_IDX_NEWAXIS)
            consumed++;
    }
    if (ellipses > 1) {
        *bad = graph_poison(ctx, LOOM_ERR_INDEX,
                            "an index can only have a single ellipsis ('...')");
        return -1;
    }
    if (consumed > a->ndim) {
        *bad = graph_poison(ctx, LOOM_ERR_INDEX,
                            "too many indices for array: array is "
                            "%d-dimensional, but %d were indexed",
                            a->ndim, consumed);
        return -1;
    }
    int k = 0, ax = 0;
    for (int i = 0; i <= n; i++) {
        loom_index it = i < n ? idx[i]
                              : (loom_index){LOOM_IDX_ELLIPSIS, 0, 0, 0, NULL};
        if (it.kind == LOOM_IDX_ELLIPSIS) {
            if (i == n && ellipses)
                continue;
            for (int r = a->ndim - consumed; r > 0; r--, ax++)
                out[k++] = (item){LOOM_IDX_SLICE, LOOM_END, LOOM_END, LOOM_END, NULL};
            consumed = a->ndim;
            continue;
        }
        if (it.kind == LOOM_IDX_NEWAXIS) {
            if (k == 2 * LOOM_MAX_DIMS)
                break;
            out[k++] = (item){LOOM_IDX_NEWAXIS, 0, 0, 0, NULL};
            continue;
        }
        if (it.kind != LOOM_IDX_ARRAY) {
            out[k++] = (item){it.kind, it.start, it.stop, it.step, NULL};
            ax++;
            continue;
        }
        loom_array *m = it.array;
        if (graph_is_float((loom_dtype)m->dtype)) {
            *bad = graph_poison(ctx, LOOM_ERR_INDEX,
                                "arrays used as indices must be of integer (or "
                                "boolean) type");
            return -1;
        }
        if (m->dtype != LOOM_BOOL) {
            out[k++] = (item){LOOM_IDX_ARRAY, 0, 0, 0, m};
            ax++;
            continue;
        }
        for (int d = 0; d < m->ndim; d++)
            if (m->shape[d] != a->shape[ax + d]) {
                *bad = graph_poison(ctx, LOOM_ERR_INDEX,
                                    "boolean index did not match indexed array "
                                    "along dimension %d; dimension is %lld but "
                                    "corresponding boolean dimension is %lld",
                                    ax + d, (long long)a->shape[ax + d],
                                    (long long)m->shape[d]);
                return -1;
            }
        loom_array *nz[LOOM_MAX_DIMS];
        int nd = m->ndim == 0 ? 0 : loom_nonzero(m, nz);
        if (m->ndim == 0) {
            /* x[True] adds an axis of 1, x[False] one of 0 */
            if (graph_eval(m->ctx, &m, 1)) {
                *bad = graph_push(ctx, m);
                return -1;
            }
            int64_t len = graph_item_int(m) ? 1 : 0;
            out[k++] = (item){LOOM_IDX_NEWAXIS, 0, 0, 0, NULL};
            if (len == 0)
                out[k - 1] = (item){LOOM_IDX_ARRAY, 0, 0, 0,
                                    loom_zeros(ctx, LOOM_SHAPE(0), LOOM_INT64)};
            continue;
        }
        if (nd < 0) {
            *bad = nz[0];
            return -1;
        }
        for (int d = 0; d < nd; d++)
            out[k++] = (item){LOOM_IDX_ARRAY, 0, 0, 0, nz[d]};
        ax += nd;
    }
    /* integers among arrays are advanced indices too */
    bool arrays = false;
    for (int i = 0; i < k; i++)
        arrays = arrays || out[i].kind == LOOM_IDX_ARRAY;
    for (int i = 0; i < k && arrays; i++)
        if (out[i].kind == LOOM_IDX_INT)
            out[i] = (item){LOOM_IDX_ARRAY, 0, 0, 0,
                            loom_scalar_typed(ctx, (double)out[i].start,
                                              LOOM_INT64)};
    return k;
}

loom_array *graph_index_advanced(loom_array *a, int n, const loom_index *idx)
{
    loom_ctx *ctx = a->ctx;
    item it[2 * LOOM_MAX_DIMS + 2];
    loom_array *bad = NULL;
    int k = expand_items(a, n, idx, it, &bad);
    if (k < 0)
        return bad;
    /* the basic part: a view keeping one axis per item (newaxes as 1s,
     * advanced axes whole) */
    loom_index basic[2 * LOOM_MAX_DIMS + 2];
    for (int i = 0; i < k; i++) {
        if (it[i].kind == LOOM_IDX_ARRAY)
            basic[i] = LOOM_COLON;
        else if (it[i].kind == LOOM_IDX_INT)
            basic[i] = LOOM_SL(it[i].start, it[i].start == -1 ? LOOM_END
                                                              : it[i].start + 1,
                               1);
        else
            basic[i] = (loom_index){it[i].kind, it[i].start, it[i].stop,
                                    it[i].step, NULL};
    }
    loom_array *b = loom_index_get(a, k, basic);
    if (b->status)
        return b;
    /* b has one axis per item; broadcast the index arrays */
    int nb = 0, first = -1, last = -1;
    int64_t bshape[LOOM_MAX_DIMS];
    for (int i = 0; i < k; i++) {
        if (it[i].kind != LOOM_IDX_ARRAY)
            continue;
        loom_array *m = it[i].arr;
        if ((bad = check_bounds(m, b->shape[i], i)))
            return bad;
        if (!graph_broadcast_shapes(nb, bshape, m->ndim, m->shape, &nb, bshape))
            return graph_poison(ctx, LOOM_ERR_INDEX,
                                "shape mismatch: indexing arrays could not be "
                                "broadcast together");
        if (first < 0)
            first = i;
        last = i;
    }
    bool adjacent = true;
    for (int i = first; i <= last; i++)
        adjacent = adjacent && it[i].kind == LOOM_IDX_ARRAY;
    /* result axes: B in place of the indexed axes when they are adjacent,
     * else first; then b's other axes in order */
    int64_t oshape[2 * LOOM_MAX_DIMS + 2];
    int od = 0, b0 = 0, pos_of[2 * LOOM_MAX_DIMS + 2];
    if (!adjacent)
        for (int d = 0; d < nb; d++)
            oshape[od++] = bshape[d];
    for (int i = 0; i < k; i++) {
        if (adjacent && i == first) {
            b0 = od;
            for (int d = 0; d < nb; d++)
                oshape[od++] = bshape[d];
        }
        if (it[i].kind == LOOM_IDX_ARRAY) {
            pos_of[i] = -1;
            continue;
        }
        pos_of[i] = od;
        oshape[od++] = b->shape[i];
    }
    if (od > LOOM_MAX_DIMS)
        return graph_poison(ctx, LOOM_ERR_INDEX,
                            "getitem: result would have more than %d "
                            "dimensions", LOOM_MAX_DIMS);
    /* index inputs: each array broadcast to the result's shape */
    loom_array *ins[2 * LOOM_MAX_DIMS + 3];
    int nin = 1;
    ins[0] = b;
    graph_tmpl tm;
    graph_tmpl_init(&tm, GRAPH_OP_GATHER, (loom_dtype)a->dtype, od, oshape);
    for (int i = 0; i < k; i++) {
        if (it[i].kind != LOOM_IDX_ARRAY) {
            tm.attr[i] = pos_of[i];
            continue;
        }
        loom_array *m = graph_cast(it[i].arr, LOOM_INT64);
        loom_shape s = {od, {0}};
        for (int d = 0; d < od; d++)
            s.dim[d] = 1;
        for (int d = 0; d < m->ndim; d++)
            s.dim[b0 + nb - m->ndim + d] = m->shape[d];
        m = loom_reshape(m, s);
        ins[nin] = graph_broadcast(m, od, oshape);
        tm.attr[i] = -nin;
        nin++;
    }
    tm.nin = nin;
    tm.in = ins;
    return graph_intern(ctx, &tm);
}

/* ---- helpers over positions ---- */

/* A lazy int64 grid of a's shape holding each element's flat position. */
static loom_array *flat_positions(loom_array *a)
{
    int64_t n = graph_numel(a->ndim, a->shape);
    loom_array *r = loom_arange(a->ctx, 0, (double)n, 1, LOOM_INT64);
    return loom_reshape(r, loom_shape_of(a));
}

/* SCATTER: a copy of a with values written (or added) at positions. */
static loom_array *scatter(loom_array *a, loom_array *pos, loom_array *v,
                           bool add)
{
    if (pos->status)
        return pos;
    loom_array *vals = loom_broadcast_to(graph_cast(v, (loom_dtype)a->dtype),
                                         loom_shape_of(pos));
    if (vals->status)
        return graph_poison(a->ctx, LOOM_ERR_VALUE,
                            "could not broadcast input array from shape into "
                            "the indexed shape: %s", loom_error(vals));
    loom_array *in[3] = {a, pos, vals};
    int64_t mode = add;
    return graph_call(a->ctx, RT_CALL_SCATTER, 3, in, (loom_dtype)a->dtype,
                      a->ndim, a->shape, &mode, 1);
}

static bool scalar_mask_update(loom_array *a, int n, const loom_index *idx,
                               loom_array *v)
{
    return n == 1 && idx[0].kind == LOOM_IDX_ARRAY && idx[0].array &&
           idx[0].array->dtype == LOOM_BOOL && v->ndim == 0 &&
           graph_same_shape(idx[0].array, a);
}

loom_array *loom_index_set(loom_array *a, int n, const loom_index *idx,
                           loom_array *v)
{
    loom_array *in[2] = {a, v};
    loom_array *bad = graph_check_inputs(a ? a->ctx : v ? v->ctx : NULL,
                                         "setitem", 2, in);
    if (bad)
        return bad;
    /* x[mask] = scalar stays lazy and fuses: where(mask, v, x) */
    if (scalar_mask_update(a, n, idx, v))
        return loom_where(idx[0].array, graph_cast(v, (loom_dtype)a->dtype), a);
    return scatter(a, loom_index_get(flat_positions(a), n, idx), v, false);
}

loom_array *loom_index_add_at(loom_array *a, int n, const loom_index *idx,
                              loom_array *v)
{
    loom_array *in[2] = {a, v};
    loom_array *bad = graph_check_inputs(a ? a->ctx : v ? v->ctx : NULL,
                                         "add.at", 2, in);
    if (bad)
        return bad;
    return scatter(a, loom_index_get(flat_positions(a), n, idx), v, true);
}

/* ---- take, take_along_axis, put_along_axis ---- */

loom_array *loom_take(loom_array *a, loom_array *indices, int axis)
{
    loom_array *in[2] = {a, indices};
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, "take", 2, in);
    if (bad)
        return bad;
    if (axis == LOOM_ALL) {
        a = loom_ravel(a);
        axis = 0;
    }
    int ax = axis;
    if (!graph_norm_axis(&ax, a->ndim))
        return graph_poison(a->ctx, LOOM_ERR_AXIS,
                            "axis %d is out of bounds for array of dimension %d",
                            axis, a->ndim);
    loom_index idx[LOOM_MAX_DIMS];
    for (int i = 0; i < ax; i++)
        idx[i] = LOOM_COLON;
    idx[ax] = LOOM_IDX(indices);
    return loom_index_get(a, ax + 1, idx);
}

/* The gather of take_along_axis over src (already checked). */
static loom_array *along_axis(loom_array *a, loom_array *ix, int ax)
{
    loom_ctx *ctx = a->ctx;
    if (ix->ndim != a->ndim)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "`indices` and `arr` must have the same number of "
                            "dimensions");
    if (graph_is_float((loom_dtype)ix->dtype) || ix->dtype == LOOM_BOOL)
        return graph_poison(ctx, LOOM_ERR_INDEX,
                            "`indices` must be an integer array");
    loom_array *bad = check_bounds(ix, a->shape[ax], ax);
    if (bad)
        return bad;
    int64_t ash[LOOM_MAX_DIMS], ish[LOOM_MAX_DIMS], out[LOOM_MAX_DIMS];
    memcpy(ash, a->shape, sizeof ash);
    memcpy(ish, ix->shape, sizeof ish);
    ash[ax] = ix->shape[ax];
    int nd;
    if (!graph_broadcast_shapes(a->ndim, ash, ix->ndim, ish, &nd, out))
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "shape mismatch: indexing arrays could not be "
                            "broadcast together");
    int64_t sshape[LOOM_MAX_DIMS];
    memcpy(sshape, out, sizeof sshape);
    sshape[ax] = a->shape[ax];
    loom_array *src = graph_broadcast(a, a->ndim, sshape);
    loom_array *ins[2] = {src, graph_broadcast(graph_cast(ix, LOOM_INT64), nd, out)};
    graph_tmpl tm;
    graph_tmpl_init(&tm, GRAPH_OP_GATHER, (loom_dtype)a->dtype, nd, out);
    for (int d = 0; d < nd; d++)
        tm.attr[d] = d == ax ? -1 : d;
    tm.nin = 2;
    tm.in = ins;
    return graph_intern(ctx, &tm);
}

loom_array *loom_take_along_axis(loom_array *a, loom_array *indices, int axis)
{
    loom_array *in[2] = {a, indices};
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, "take_along_axis",
                                         2, in);
    if (bad)
        return bad;
    if (axis == LOOM_ALL) {
        a = loom_ravel(a);
        axis = 0;
    }
    int ax = axis;
    if (!graph_norm_axis(&ax, a->ndim))
        return graph_poison(a->ctx, LOOM_ERR_AXIS,
                            "axis %d is out of bounds for array of dimension %d",
                            axis, a->ndim);
    return along_axis(a, indices, ax);
}

loom_array *loom_put_along_axis(loom_array *a, loom_array *indices,
                                loom_array *values, int axis)
{
    loom_array *in[3] = {a, indices, values};
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, "put_along_axis",
                                         3, in);
    if (bad)
        return bad;
    int ax = axis;
    if (!graph_norm_axis(&ax, a->ndim))
        return graph_poison(a->ctx, LOOM_ERR_AXIS,
                            "axis %d is out of bounds for array of dimension %d",
                            axis, a->ndim);
    loom_array *pos = along_axis(flat_positions(a), indices, ax);
    return scatter(a, pos, values, false);
}

/* ---- nonzero and friends: data-dependent shapes, evaluated here ---- */

int loom_nonzero(loom_array *a, loom_array **out)
{
    if (!out)
        return -1;
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, "nonzero", 1, &a);
    if (bad) {
        out[0] = bad;
        return -1;
    }
    loom_ctx *ctx = a->ctx;
    loom_array *m = a->ndim == 0 ? loom_reshape(a, LOOM_SHAPE(1)) : a;
    loom_array *mb = loom_astype(m, LOOM_BOOL);
    const uint8_t *v = graph_data(mb);
    if (!v) {
        out[0] = graph_push(ctx, mb->status ? mb : a);
        return -1;
    }
    int nd = m->ndim;
    int64_t n = graph_numel(nd, m->shape), cnt = 0;
    for (int64_t i = 0; i < n; i++)
        cnt += v[i] != 0;
    int64_t *cols[LOOM_MAX_DIMS];
    for (int d = 0; d < nd; d++) {
        rt_buffer *buf = rt_buffer_new(&ctx->alloc, (size_t)cnt * 8, false);
        if (!buf) {
            out[0] = graph_poison(ctx, LOOM_ERR_MEMORY, "nonzero: out of memory");
            return -1;
        }
        out[d] = graph_leaf(ctx, buf, LOOM_INT64, 1, &cnt, NULL, 0);
        cols[d] = buf->data;
        rt_buffer_unref(buf);
    }
    int64_t ix[LOOM_MAX_DIMS] = {0}, w = 0;
    for (int64_t i = 0; i < n; i++) {
        if (v[i])
            for (int d = 0; d < nd; d++)
                cols[d][w] = ix[d];
        w += v[i] != 0;
        for (int d = nd - 1; d >= 0; d--) {
            if (++ix[d] < m->shape[d])
                break;
            ix[d] = 0;
        }
    }
    return nd;
}

loom_array *loom_flatnonzero(loom_array *a)
{
    loom_array *out[LOOM_MAX_DIMS];
    if (a && a->status == LOOM_OK)
        a = loom_ravel(a);
    loom_nonzero(a, out); /* out[0]: the positions, or the error */
    return out[0];
}

loom_array *loom_argwhere(loom_array *a)
{
    loom_array *out[LOOM_MAX_DIMS];
    int nd = loom_nonzero(a, out);
    if (nd < 0)
        return out[0];
    loom_ctx *ctx = a->ctx;
    int64_t cnt = out[0]->shape[0];
    if (a->ndim == 0)
        return loom_zeros(ctx, LOOM_SHAPE(cnt, 0), LOOM_INT64);
    rt_buffer *buf = rt_buffer_new(&ctx->alloc, (size_t)(cnt * nd) * 8, false);
    if (!buf)
        return graph_poison(ctx, LOOM_ERR_MEMORY, "argwhere: out of memory");
    int64_t *p = buf->data;
    for (int d = 0; d < nd; d++) {
        const int64_t *c = graph_data(out[d]);
        for (int64_t i = 0; i < cnt; i++)
            p[i * nd + d] = c[i];
    }
    int64_t shape[2] = {cnt, nd};
    loom_array *r = graph_leaf(ctx, buf, LOOM_INT64, 2, shape, NULL, 0);
    rt_buffer_unref(buf);
    return r;
}
