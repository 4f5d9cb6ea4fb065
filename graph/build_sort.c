/*
 * build_sort.c -- sorting and searching: sort, argsort, partition,
 * argpartition, lexsort, searchsorted and digitize as lazy CALL nodes
 * (run by runtime/sortcall.c), so that what feeds them and what uses them
 * still fuse; histogram as CALLs too (counts and edges).
 *
 * unique and bincount have shapes that depend on the data: unique
 * evaluates its input here and returns realized leaves; bincount evaluates
 * x for its length and leaves the counting (and the weights) to a CALL.
 * digitize and histogram evaluate explicit bins here to check them, as
 * NumPy does before computing anything.
 *
 * The semantics are NumPy 1.24's: stable sorts with NaN last; unique with
 * all NaNs one value (rows with NaNs all distinct when an axis is given)
 * and a flat inverse; errors worded as NumPy words them.
 */
#include "graph/graph.h"
#include "runtime/call.h"
#include "runtime/sort.h"

#include <stdlib.h>
#include <string.h>

/* kth values kept in a partition node's attributes (attr[3..]); more go
 * in an input array. */
#define KTH_INLINE (GRAPH_NATTR - 3)

static loom_array *axis_error(loom_ctx *ctx, int axis, int ndim)
{
    return graph_poison(ctx, LOOM_ERR_AXIS,
                        "axis %d is out of bounds for array of dimension %d",
                        axis, ndim);
}

/* NumPy's complaint about an array argument that must be 1-D. */
static loom_array *depth_error(loom_ctx *ctx, int ndim)
{
    return graph_poison(ctx, LOOM_ERR_VALUE, ndim == 0
                        ? "object of too small depth for desired array"
                        : "object too deep for desired array");
}

/* The error after a failed evaluation of a (its poison, or the context's
 * run-time error). */
static loom_array *eval_error(loom_ctx *ctx, loom_array *a)
{
    if (a->status)
        return graph_push(ctx, a);
    loom_status s = loom_ctx_status(ctx);
    return graph_poison(ctx, s ? s : LOOM_ERR_INTERNAL, "%s",
                        loom_ctx_error(ctx));
}

/* A CALL node as graph_call() builds, with up to GRAPH_NATTR - 1
 * parameters in attr[1..]. */
static loom_array *call_node(loom_ctx *ctx, rt_call_id id, int nin,
                             loom_array *const *in, loom_dtype t, int ndim,
                             const int64_t *shape, const int64_t *p, int np)
{
    loom_array *bad = graph_check_inputs(ctx, rt_calls[id].what, nin, in);
    if (bad)
        return bad;
    graph_tmpl tm;
    graph_tmpl_init(&tm, GRAPH_OP_CALL, t, ndim, shape);
    tm.nin = nin;
    tm.in = in;
    tm.attr[0] = id;
    for (int i = 0; i < np && i < GRAPH_NATTR - 1; i++)
        tm.attr[i + 1] = p[i];
    return graph_intern(ctx, &tm);
}

/* A fresh C-ordered leaf of dtype t and shape; *data is where its
 * elements go (NULL with a poisoned result when memory is out). */
static loom_array *leaf_new(loom_ctx *ctx, loom_dtype t, int ndim,
                            const int64_t *shape, void **data)
{
    *data = NULL;
    int64_t n = graph_numel(ndim, shape);
    rt_buffer *b = n < 0 ? NULL
                         : rt_buffer_new(&ctx->alloc,
                                         (size_t)n * loom_dtype_size(t), false);
    if (!b)
        return graph_poison(ctx, LOOM_ERR_MEMORY, "unique: out of memory");
    loom_array *r = graph_leaf(ctx, b, t, ndim, shape, NULL, 0);
    if (r->op != GRAPH_OP_ERROR)
        *data = b->data;
    rt_buffer_unref(b);
    return r;
}

/* The array a sort works on and its axis: a along a normalized axis, or
 * a flattened for LOOM_ALL.  NULL with *bad set on error. */
static loom_array *along(loom_array *a, int *axis, const char *name,
                         loom_array **bad)
{
    *bad = graph_check_inputs(a ? a->ctx : NULL, name, 1, &a);
    if (*bad)
        return NULL;
    if (*axis == LOOM_ALL) {
        *axis = 0;
        return loom_ravel(a);
    }
    int ax = *axis;
    if (!graph_norm_axis(&ax, a->ndim)) {
        *bad = axis_error(a->ctx, *axis, a->ndim);
        return NULL;
    }
    *axis = ax;
    return a;
}

/* ---- sort, argsort ---- */

static loom_array *sort_call(loom_array *a, int axis, rt_call_id id)
{
    loom_array *bad, *x = along(a, &axis, rt_calls[id].what, &bad);
    if (!x)
        return bad;
    int64_t p = axis;
    loom_dtype t = id == RT_CALL_SORT ? (loom_dtype)x->dtype : LOOM_INT64;
    return call_node(x->ctx, id, 1, &x, t, x->ndim, x->shape, &p, 1);
}

loom_array *loom_sort(loom_array *a, int axis)
{
    return sort_call(a, axis, RT_CALL_SORT);
}

loom_array *loom_argsort(loom_array *a, int axis)
{
    return sort_call(a, axis, RT_CALL_ARGSORT);
}

/* ---- partition, argpartition ---- */

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

/*
 * kth are normalized (negative ones count from the end) and checked as
 * NumPy checks them -- only when the array has elements -- then sorted;
 * up to KTH_INLINE of them ride in the node's attributes, more in an
 * int64 input.
 */
static loom_array *partition_call(loom_array *a, int nkth, const int64_t *kth,
                                  int axis, rt_call_id id)
{
    loom_array *bad, *x = along(a, &axis, rt_calls[id].what, &bad);
    if (!x)
        return bad;
    loom_ctx *ctx = x->ctx;
    if (nkth <= 0)
        return graph_poison(ctx, LOOM_ERR_TYPE, "Partition index must be integer");
    if (!kth)
        return graph_poison(ctx, LOOM_ERR_NULL, "%s: kth is NULL",
                            rt_calls[id].what);
    int64_t n = x->shape[axis], size = graph_numel(x->ndim, x->shape);
    size_t bytes = (size_t)nkth * sizeof(int64_t);
    int64_t *k = graph_malloc(ctx, bytes);
    if (!k)
        return graph_poison(ctx, LOOM_ERR_MEMORY, "%s: out of memory",
                            rt_calls[id].what);
    for (int i = 0; i < nkth; i++) {
        k[i] = kth[i] < 0 ? kth[i] + n : kth[i];
        if (size != 0 && (k[i] < 0 || k[i] >= n)) {
            loom_array *r = graph_poison(ctx, LOOM_ERR_VALUE,
                                         "kth(=%lld) out of bounds (%lld)",
                                         (long long)k[i], (long long)n);
            graph_free(ctx, k, bytes);
            return r;
        }
    }
    qsort(k, (size_t)nkth, sizeof *k, cmp_i64);
    int64_t p[GRAPH_NATTR - 1] = {axis, nkth};
    loom_dtype t = id == RT_CALL_PARTITION ? (loom_dtype)x->dtype : LOOM_INT64;
    loom_array *r;
    if (nkth <= KTH_INLINE) {
        memcpy(p + 2, k, bytes);
        r = call_node(ctx, id, 1, &x, t, x->ndim, x->shape, p, 2 + nkth);
    } else {
        loom_array *in[2] = {x, loom_array_from(ctx, k, LOOM_INT64,
                                                LOOM_SHAPE(nkth), LOOM_COPY)};
        r = call_node(ctx, id, 2, in, t, x->ndim, x->shape, p, 2);
    }
    graph_free(ctx, k, bytes);
    return r;
}

loom_array *loom_partition(loom_array *a, int nkth, const int64_t *kth,
                           int axis)
{
    return partition_call(a, nkth, kth, axis, RT_CALL_PARTITION);
}

loom_array *loom_argpartition(loom_array *a, int nkth, const int64_t *kth,
                              int axis)
{
    return partition_call(a, nkth, kth, axis, RT_CALL_ARGPARTITION);
}

/* ---- lexsort ---- */

/* Keys per LEXSORT node: with the permutation of the keys before them
 * they fill the call's inputs; longer lists chain nodes. */
#define LEX_KEYS (RT_CALL_MAXIO - 1)

loom_array *loom_lexsort(int n, loom_array *const *keys, int axis)
{
    loom_ctx *ctx = keys && n > 0 && keys[0] ? keys[0]->ctx : NULL;
    if (!keys || n <= 0)
        return graph_poison(ctx, LOOM_ERR_TYPE,
                            "need sequence of keys with len > 0 in lexsort");
    loom_array *bad = graph_check_inputs(ctx, "lexsort", n, keys);
    if (bad)
        return bad;
    for (int i = 1; i < n; i++)
        if (!graph_same_shape(keys[i], keys[0]))
            return graph_poison(ctx, LOOM_ERR_VALUE,
                                "all keys need to be the same shape");
    bool flat = axis == LOOM_ALL;
    int nd = flat ? 1 : keys[0]->ndim, ax = flat ? 0 : axis;
    if (!graph_norm_axis(&ax, nd ? nd : 1))
        return axis_error(ctx, axis, nd);
    if (nd == 0)
        return loom_zeros(ctx, LOOM_SCALAR_SHAPE, LOOM_INT64);
    loom_array *perm = NULL, *in[RT_CALL_MAXIO];
    for (int i = 0; i < n; i += LEX_KEYS) {
        int k = n - i < LEX_KEYS ? n - i : LEX_KEYS;
        for (int j = 0; j < k; j++)
            in[j] = flat ? loom_ravel(keys[i + j]) : keys[i + j];
        if (perm)
            in[k] = perm;
        int64_t p[3] = {ax, k, perm != NULL};
        perm = call_node(ctx, RT_CALL_LEXSORT, k + (perm != NULL), in,
                         LOOM_INT64, in[0]->ndim, in[0]->shape, p, 3);
        if (perm->status)
            return perm;
    }
    return perm;
}

/* ---- searchsorted, digitize ---- */

loom_array *loom_searchsorted(loom_array *sorted, loom_array *v,
                              bool side_right, loom_array *sorter)
{
    loom_array *in[3] = {sorted, v, sorter};
    loom_ctx *ctx = sorted ? sorted->ctx : v ? v->ctx : NULL;
    loom_array *bad = graph_check_inputs(ctx, "searchsorted", sorter ? 3 : 2,
                                         in);
    if (bad)
        return bad;
    if (sorted->ndim != 1)
        return depth_error(ctx, sorted->ndim);
    loom_dtype t = loom_promote((loom_dtype)sorted->dtype, (loom_dtype)v->dtype);
    in[0] = graph_cast(sorted, t);
    in[1] = graph_cast(v, t);
    if (sorter) {
        if (graph_is_float((loom_dtype)sorter->dtype))
            return graph_poison(ctx, LOOM_ERR_TYPE,
                                "sorter must only contain integers");
        if (sorter->ndim != 1)
            return depth_error(ctx, sorter->ndim);
        if (sorter->shape[0] != sorted->shape[0])
            return graph_poison(ctx, LOOM_ERR_VALUE,
                                "sorter.size must equal a.size");
        in[2] = graph_cast(sorter, LOOM_INT64);
    }
    int64_t p = side_right;
    return call_node(ctx, RT_CALL_SEARCHSORTED, sorter ? 3 : 2, in,
                     LOOM_INT64, v->ndim, v->shape, &p, 1);
}

/* NumPy's monotonicity of bins: 1 increasing (or all equal, or empty),
 * -1 decreasing, 0 neither.  Equal neighbours are allowed; NaN compares
 * false, as in NumPy. */
static int monotonic(const double *a, int64_t n)
{
    int64_t i = 1;
    while (i < n && a[i] == a[0])
        i++;
    if (i >= n)
        return 1;
    bool up = a[0] < a[i];
    for (i++; i < n; i++)
        if (up ? a[i - 1] > a[i] : a[i - 1] < a[i])
            return 0;
    return up ? 1 : -1;
}

loom_array *loom_digitize(loom_array *x, loom_array *bins, bool right)
{
    loom_array *in[2] = {x, bins};
    loom_ctx *ctx = x ? x->ctx : bins ? bins->ctx : NULL;
    loom_array *bad = graph_check_inputs(ctx, "digitize", 2, in);
    if (bad)
        return bad;
    if (bins->ndim != 1)
        return depth_error(ctx, bins->ndim);
    loom_array *bf = graph_cast(bins, LOOM_FLOAT64);
    const double *b = graph_data(bf);
    if (!b)
        return eval_error(ctx, bf);
    int mono = monotonic(b, bins->shape[0]);
    if (mono == 0)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "bins must be monotonically increasing or "
                            "decreasing");
    /* the sides swap: digitize's right=True is searchsorted's 'left' */
    if (mono > 0)
        return loom_searchsorted(bins, x, !right, NULL);
    loom_array *s = loom_searchsorted(loom_flip(bins, 0), x, !right, NULL);
    return loom_subtract(loom_scalar_int(ctx, bins->shape[0]), s);
}

/* ---- bincount ---- */

loom_array *loom_bincount(loom_array *x, loom_array *weights,
                          int64_t minlength)
{
    loom_array *in[2] = {x, weights};
    loom_ctx *ctx = x ? x->ctx : NULL;
    loom_array *bad = graph_check_inputs(ctx, "bincount", weights ? 2 : 1, in);
    if (bad)
        return bad;
    if (x->ndim != 1)
        return depth_error(ctx, x->ndim);
    if (graph_is_float((loom_dtype)x->dtype))
        return graph_poison(ctx, LOOM_ERR_TYPE,
                            "Cannot cast array data from dtype('%s') to "
                            "dtype('int64') according to the rule 'safe'",
                            loom_dtype_name((loom_dtype)x->dtype));
    if (minlength < 0)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "'minlength' must not be negative");
    int64_t n = x->shape[0];
    if (n == 0)
        return loom_zeros(ctx, LOOM_SHAPE(minlength), LOOM_INT64);
    if (weights && weights->ndim != 1)
        return depth_error(ctx, weights->ndim);
    if (weights && weights->shape[0] != n)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "The weights and list don't have the same length.");
    loom_array *xi = graph_cast(x, LOOM_INT64);
    const int64_t *v = graph_data(xi);
    if (!v)
        return eval_error(ctx, xi);
    int64_t mx = v[0];
    for (int64_t i = 0; i < n; i++) {
        if (v[i] < 0)
            return graph_poison(ctx, LOOM_ERR_VALUE,
                                "'list' argument must have no negative "
                                "elements");
        mx = v[i] > mx ? v[i] : mx;
    }
    int64_t len = mx + 1 > minlength ? mx + 1 : minlength;
    in[0] = xi;
    if (weights)
        in[1] = graph_cast(weights, LOOM_FLOAT64);
    return call_node(ctx, RT_CALL_BINCOUNT, weights ? 2 : 1, in,
                     weights ? LOOM_FLOAT64 : LOOM_INT64, 1, &len, NULL, 0);
}

/* ---- histogram ---- */

/* Sets every requested output to err and returns its status. */
static loom_status fail_all(loom_array **const *outs, int n, loom_array *err)
{
    for (int i = 0; i < n; i++)
        if (outs[i])
            *outs[i] = err;
    return loom_status_of(err);
}

/* Checks explicit bin edges (1-D, never decreasing) by evaluating them;
 * NULL or the error. */
static loom_array *check_edges(loom_ctx *ctx, loom_array *e)
{
    if (e->ndim != 1)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "`bins` must be 1d, when an array");
    const void *d = graph_data(e);
    if (!d)
        return eval_error(ctx, e);
    for (int64_t i = 0; i + 1 < e->shape[0]; i++) {
        bool down;
        switch (e->dtype) {
        case LOOM_BOOL: down = ((const uint8_t *)d)[i] > ((const uint8_t *)d)[i + 1]; break;
        case LOOM_INT32: down = ((const int32_t *)d)[i] > ((const int32_t *)d)[i + 1]; break;
        case LOOM_INT64: down = ((const int64_t *)d)[i] > ((const int64_t *)d)[i + 1]; break;
        case LOOM_FLOAT32: down = ((const float *)d)[i] > ((const float *)d)[i + 1]; break;
        default: down = ((const double *)d)[i] > ((const double *)d)[i + 1]; break;
        }
        if (down)
            return graph_poison(ctx, LOOM_ERR_VALUE,
                                "`bins` must increase monotonically, when an "
                                "array");
    }
    return NULL;
}

loom_status loom_histogram(loom_array *a, int64_t bins, double lo, double hi,
                           loom_array *bin_edges_in, loom_array *weights,
                           bool density, loom_array **hist,
                           loom_array **edges)
{
    loom_array **outs[2] = {hist, edges};
    loom_array *in[4] = {a, weights, bin_edges_in, NULL};
    loom_ctx *ctx = a ? a->ctx : NULL;
    loom_array *bad = graph_check_inputs(ctx, "histogram", 1, in);
    if (!bad && weights)
        bad = graph_check_inputs(ctx, "histogram", 1, &in[1]);
    if (!bad && bin_edges_in)
        bad = graph_check_inputs(ctx, "histogram", 1, &in[2]);
    if (!bad && weights && !graph_same_shape(a, weights))
        bad = graph_poison(ctx, LOOM_ERR_VALUE,
                           "weights should have the same shape as a.");
    if (!bad && weights && bin_edges_in && weights->dtype == LOOM_BOOL)
        bad = graph_poison(ctx, LOOM_ERR_TYPE,
                           "Cannot cast ufunc 'add' output from "
                           "dtype('int64') to dtype('bool') with casting "
                           "rule 'same_kind'");
    if (!bad && !bin_edges_in && bins < 1)
        bad = graph_poison(ctx, LOOM_ERR_VALUE,
                           "`bins` must be positive, when an integer");
    if (!bad && !bin_edges_in && lo > hi)
        bad = graph_poison(ctx, LOOM_ERR_VALUE,
                           "max must be larger than min in range parameter.");
    if (!bad && bin_edges_in)
        bad = check_edges(ctx, bin_edges_in);
    if (bad)
        return fail_all(outs, 2, bad);
    /* NumPy histograms booleans as uint8 */
    loom_array *x = loom_ravel(a);
    if (x->dtype == LOOM_BOOL)
        x = graph_cast(x, LOOM_INT32);
    int nin = 0;
    loom_dtype nt = density ? LOOM_FLOAT64
                  : weights ? (loom_dtype)weights->dtype : LOOM_INT64;
    int64_t p[7] = {bin_edges_in ? 0 : bins, weights != NULL, density,
                    lo == hi, 0, 0, 0};
    memcpy(&p[4], &lo, 8);
    memcpy(&p[5], &hi, 8);
    if (bin_edges_in) {
        loom_dtype t = loom_promote((loom_dtype)x->dtype,
                                    (loom_dtype)bin_edges_in->dtype);
        in[nin++] = graph_cast(x, t);
        if (weights)
            in[nin++] = loom_ravel(weights);
        in[nin++] = graph_cast(bin_edges_in, t);
        in[nin++] = bin_edges_in;
        int64_t nb = bin_edges_in->shape[0] > 0 ? bin_edges_in->shape[0] - 1 : 0;
        loom_array *h = call_node(ctx, RT_CALL_HISTOGRAM, nin, in, nt, 1, &nb,
                                  p, 7);
        if (h->status)
            return fail_all(outs, 2, h);
        if (hist)
            *hist = h;
        if (edges)
            *edges = bin_edges_in;
        return LOOM_OK;
    }
    in[nin++] = x;
    if (weights)
        in[nin++] = loom_ravel(weights);
    /* the edges are a node of their own rather than a second output, so
     * that each result can be evaluated whenever it is needed */
    int64_t ne = bins + 1;
    loom_array *h = call_node(ctx, RT_CALL_HISTOGRAM, nin, in, nt, 1, &bins,
                              p, 7);
    loom_dtype et = x->dtype == LOOM_FLOAT32 ? LOOM_FLOAT32 : LOOM_FLOAT64;
    p[1] = p[2] = 0;
    p[6] = 1;
    loom_array *e = call_node(ctx, RT_CALL_HISTOGRAM, 1, &x, et, 1, &ne, p, 7);
    if (h->status || e->status)
        return fail_all(outs, 2, h->status ? h : e);
    if (hist)
        *hist = h;
    if (edges)
        *edges = e;
    return LOOM_OK;
}

/* ---- unique ---- */

/*
 * Rows i and j (m elements each) of d equal as NumPy's structured
 * comparison finds them: element by element with ==, so a row holding a
 * NaN equals no row, and -0.0 equals 0.0.
 */
static bool rows_equal(loom_dtype t, const char *d, int64_t m, int64_t i,
                       int64_t j)
{
    size_t es = loom_dtype_size(t);
    const char *x = d + (size_t)(i * m) * es, *y = d + (size_t)(j * m) * es;
    for (int64_t k = 0; k < m; k++) {
        bool eq;
        switch (t) {
        case LOOM_BOOL: eq = (((const uint8_t *)x)[k] != 0) == (((const uint8_t *)y)[k] != 0); break;
        case LOOM_INT32: eq = ((const int32_t *)x)[k] == ((const int32_t *)y)[k]; break;
        case LOOM_INT64: eq = ((const int64_t *)x)[k] == ((const int64_t *)y)[k]; break;
        case LOOM_FLOAT32: eq = ((const float *)x)[k] == ((const float *)y)[k]; break;
        default: eq = ((const double *)x)[k] == ((const double *)y)[k]; break;
        }
        if (!eq)
            return false;
    }
    return true;
}

/* Scratch of unique: the sorting permutation, run starts (n + 1), and for
 * rows a column and a second permutation. */
typedef struct uscratch {
    int64_t *perm, *starts, *p2;
    char *col;
    void *sort;
    size_t bytes;
} uscratch;

/*
 * Sorts the n rows of m elements of d lexicographically (first column
 * first, each column in NumPy's order), stably: one stable argsort per
 * column, last column first.  Leaves the permutation in u->perm.
 */
static void sort_rows(loom_dtype t, const char *d, int64_t n, int64_t m,
                      uscratch *u)
{
    size_t es = loom_dtype_size(t);
    for (int64_t i = 0; i < n; i++)
        u->perm[i] = i;
    for (int64_t k = m - 1; k >= 0; k--) {
        for (int64_t i = 0; i < n; i++)
            memcpy(u->col + (size_t)i * es,
                   d + (size_t)(u->perm[i] * m + k) * es, es);
        rt_argsort(t, u->col, n, u->p2, u->sort);
        for (int64_t i = 0; i < n; i++)
            u->p2[i] = u->perm[u->p2[i]];
        int64_t *s = u->perm;
        u->perm = u->p2;
        u->p2 = s;
    }
}

/* Builds the requested outputs from the sorted permutation and the nu
 * run starts (starts[nu] == n).  Returns NULL or an error. */
static loom_array *unique_outputs(loom_ctx *ctx, loom_dtype t, const char *d,
                                  int64_t n, int64_t m, const uscratch *u,
                                  int64_t nu, loom_array **const *outs,
                                  const int64_t *vshape, int vnd)
{
    void *p;
    size_t es = loom_dtype_size(t);
    int64_t shape[LOOM_MAX_DIMS];
    memcpy(shape, vshape, sizeof shape);
    shape[0] = nu;
    if (outs[0]) {
        loom_array *r = leaf_new(ctx, t, vnd, shape, &p);
        if (!p)
            return r;
        for (int64_t j = 0; j < nu; j++)
            memcpy((char *)p + (size_t)(j * m) * es,
                   d + (size_t)(u->perm[u->starts[j]] * m) * es,
                   (size_t)m * es);
        *outs[0] = r;
    }
    for (int o = 1; o < 4; o++) {
        if (!outs[o])
            continue;
        int64_t len = o == 2 ? n : nu;
        loom_array *r = leaf_new(ctx, LOOM_INT64, 1, &len, &p);
        if (!p)
            return r;
        int64_t *q = p;
        for (int64_t j = 0; j < nu; j++) {
            int64_t s = u->starts[j], e = u->starts[j + 1];
            if (o == 1)
                q[j] = u->perm[s];
            else if (o == 3)
                q[j] = e - s;
            else
                for (int64_t i = s; i < e; i++)
                    q[u->perm[i]] = j;
        }
        *outs[o] = r;
    }
    return NULL;
}

/*
 * unique over the n rows of m elements of d (C order).  Flat (no axis):
 * m == 1 and runs of equal values are found by rt_unique_runs, so all
 * NaNs are one value; with an axis rows compare as in rows_equal().
 */
static loom_array *unique_rows(loom_ctx *ctx, loom_dtype t, const char *d,
                               int64_t n, int64_t m, bool flat,
                               loom_array **const *outs,
                               const int64_t *vshape, int vnd)
{
    uscratch u;
    size_t n8 = (size_t)n * 8 + 8;
    size_t ss = rt_argsort_scratch(t, n);
    u.bytes = 3 * n8 + n8 + ss;
    char *mem = graph_malloc(ctx, u.bytes);
    if (!mem)
        return graph_poison(ctx, LOOM_ERR_MEMORY, "unique: out of memory");
    u.perm = (int64_t *)mem;
    u.starts = (int64_t *)(mem + n8);
    u.p2 = (int64_t *)(mem + 2 * n8);
    u.col = mem + 3 * n8;
    u.sort = mem + 4 * n8;
    int64_t nu = 0;
    if (flat) {
        rt_argsort(t, d, n, u.perm, u.sort);
        nu = rt_unique_runs(t, d, n, u.perm, u.starts);
    } else {
        sort_rows(t, d, n, m, &u);
        for (int64_t i = 0; i < n; i++)
            if (i == 0 || !rows_equal(t, d, m, u.perm[i - 1], u.perm[i]))
                u.starts[nu++] = i;
    }
    u.starts[nu] = n;
    loom_array *err = unique_outputs(ctx, t, d, n, m, &u, nu, outs, vshape,
                                     vnd);
    /* sort_rows may have swapped the two permutation buffers */
    graph_free(ctx, mem, u.bytes);
    return err;
}

loom_status loom_unique(loom_array *a, int axis, loom_array **values,
                        loom_array **index, loom_array **inverse,
                        loom_array **counts)
{
    loom_array **outs[4] = {values, index, inverse, counts};
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, "unique", 1, &a);
    if (bad)
        return fail_all(outs, 4, bad);
    loom_ctx *ctx = a->ctx;
    int ax = axis;
    bool flat = axis == LOOM_ALL;
    if (!flat && !graph_norm_axis(&ax, a->ndim))
        return fail_all(outs, 4, axis_error(ctx, axis, a->ndim));
    loom_array *x = flat ? loom_ravel(a) : loom_moveaxis(a, ax, 0);
    if (x->status)
        return fail_all(outs, 4, x);
    /* nothing to read from an empty array (it may have no buffer) */
    const char *d = graph_numel(x->ndim, x->shape) == 0 ? "" : graph_data(x);
    if (!d)
        return fail_all(outs, 4, eval_error(ctx, x));
    loom_dtype t = (loom_dtype)x->dtype;
    int64_t n = x->shape[0], m = flat ? 1 : graph_numel(x->ndim - 1, x->shape + 1);
    loom_array *err = unique_rows(ctx, t, d, n, m, flat, outs, x->shape,
                                  x->ndim);
    if (err)
        return fail_all(outs, 4, err);
    if (values && !flat)
        *values = loom_moveaxis(*values, 0, ax);
    return values ? loom_status_of(*values) : LOOM_OK;
}
