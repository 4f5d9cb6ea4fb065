/*
 * build_join.c -- joining arrays: concatenate and the stacking family.
 *
 * Concatenation is a CONCAT node, lazy and fused like an elementwise op:
 * the JIT reads each input at a clamped position and selects (jit/lower.c).
 */
#include "graph/graph.h"

#include <string.h>

loom_array *loom_concatenate(int n, loom_array *const *arrs, int axis)
{
    if (n <= 0 || !arrs)
        return graph_poison(NULL, LOOM_ERR_VALUE,
                            "need at least one array to concatenate");
    loom_ctx *ctx = NULL;
    for (int i = 0; i < n && !ctx; i++)
        ctx = arrs[i] ? arrs[i]->ctx : NULL;
    loom_array *bad = graph_check_inputs(ctx, "concatenate", n, arrs);
    if (bad)
        return bad;
    if (n > 64)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "concatenate: more than 64 arrays");
    loom_array *a0 = arrs[0];
    if (axis == LOOM_ALL) {
        loom_array *flat[64];
        for (int i = 0; i < n; i++)
            flat[i] = loom_ravel(arrs[i]);
        return loom_concatenate(n, flat, 0);
    }
    if (a0->ndim == 0)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "zero-dimensional arrays cannot be concatenated");
    int ax = axis;
    if (!graph_norm_axis(&ax, a0->ndim))
        return graph_poison(ctx, LOOM_ERR_AXIS,
                            "axis %d is out of bounds for array of dimension %d",
                            axis, a0->ndim);
    loom_dtype t = (loom_dtype)a0->dtype;
    int64_t shape[LOOM_MAX_DIMS];
    memcpy(shape, a0->shape, sizeof shape);
    shape[ax] = 0;
    for (int i = 0; i < n; i++) {
        loom_array *a = arrs[i];
        if (a->ndim != a0->ndim)
            return graph_poison(ctx, LOOM_ERR_VALUE,
                                "all the input arrays must have same number of "
                                "dimensions, but the array at index 0 has %d "
                                "dimension(s) and the array at index %d has %d "
                                "dimension(s)",
                                a0->ndim, i, a->ndim);
        for (int d = 0; d < a->ndim; d++)
            if (d != ax && a->shape[d] != a0->shape[d])
                return graph_poison(ctx, LOOM_ERR_VALUE,
                                    "all the input array dimensions except for "
                                    "the concatenation axis must match exactly, "
                                    "but along dimension %d, the array at index 0 "
                                    "has size %lld and the array at index %d has "
                                    "size %lld",
                                    d, (long long)a0->shape[d], i,
                                    (long long)a->shape[d]);
        shape[ax] += a->shape[ax];
        if (i > 0) {
            loom_array tmp = *a;
            tmp.flags &= (uint8_t)~GRAPH_WEAK;
            loom_array acc = *a0;
            acc.dtype = (uint8_t)t;
            acc.flags &= (uint8_t)~GRAPH_WEAK;
            t = graph_result_type(&acc, &tmp);
        }
    }
    if (n == 1)
        return graph_push(ctx, graph_cast(a0, t));
    loom_array *in[64];
    for (int i = 0; i < n; i++)
        in[i] = graph_cast(arrs[i], t);
    graph_tmpl tm;
    graph_tmpl_init(&tm, GRAPH_OP_CONCAT, t, a0->ndim, shape);
    tm.nin = n;
    tm.in = in;
    tm.attr[0] = ax;
    return graph_intern(ctx, &tm);
}

/* Each array with a new axis at `axis` (or made at least `nd`-d). */
loom_array *loom_stack(int n, loom_array *const *arrs, int axis)
{
    if (n <= 0 || !arrs)
        return graph_poison(NULL, LOOM_ERR_VALUE, "need at least one array to stack");
    loom_ctx *ctx = arrs[0] ? arrs[0]->ctx : NULL;
    loom_array *bad = graph_check_inputs(ctx, "stack", n, arrs);
    if (bad)
        return bad;
    if (n > 64)
        return graph_poison(ctx, LOOM_ERR_VALUE, "stack: more than 64 arrays");
    for (int i = 1; i < n; i++)
        if (!graph_same_shape(arrs[i], arrs[0]))
            return graph_poison(ctx, LOOM_ERR_VALUE,
                                "all input arrays must have the same shape");
    loom_array *ex[64];
    for (int i = 0; i < n; i++)
        if ((ex[i] = loom_expand_dims(arrs[i], axis))->status)
            return ex[i];
    return loom_concatenate(n, ex, axis);
}

/* atleast_{1,2,3}d as NumPy defines them. */
static loom_array *atleast(loom_array *a, int nd)
{
    if (a->ndim >= nd)
        return a;
    if (nd == 1 || a->ndim == 0) {
        loom_shape s = {nd, {1, 1, 1}};
        if (a->ndim == 1)
            s.dim[nd == 2 ? 1 : 1] = a->shape[0];
        return loom_reshape(a, s);
    }
    if (nd == 2)
        return loom_reshape(a, (loom_shape){2, {1, a->shape[0]}});
    /* nd == 3: (N,) -> (1, N, 1); (M, N) -> (M, N, 1) */
    if (a->ndim == 1)
        return loom_reshape(a, (loom_shape){3, {1, a->shape[0], 1}});
    return loom_reshape(a, (loom_shape){3, {a->shape[0], a->shape[1], 1}});
}

static loom_array *stack_at_least(int n, loom_array *const *arrs, int nd,
                                  int axis, const char *name)
{
    if (n <= 0 || !arrs)
        return graph_poison(NULL, LOOM_ERR_VALUE, "need at least one array to concatenate");
    loom_ctx *ctx = arrs[0] ? arrs[0]->ctx : NULL;
    loom_array *bad = graph_check_inputs(ctx, name, n, arrs);
    if (bad)
        return bad;
    if (n > 64)
        return graph_poison(ctx, LOOM_ERR_VALUE, "%s: more than 64 arrays", name);
    loom_array *v[64];
    for (int i = 0; i < n; i++)
        v[i] = atleast(arrs[i], nd);
    return loom_concatenate(n, v, axis);
}

loom_array *loom_vstack(int n, loom_array *const *arrs)
{
    return stack_at_least(n, arrs, 2, 0, "vstack");
}

loom_array *loom_hstack(int n, loom_array *const *arrs)
{
    if (n > 0 && arrs && arrs[0] && arrs[0]->ndim <= 1)
        return stack_at_least(n, arrs, 1, 0, "hstack");
    return stack_at_least(n, arrs, 1, 1, "hstack");
}

loom_array *loom_dstack(int n, loom_array *const *arrs)
{
    return stack_at_least(n, arrs, 3, 2, "dstack");
}

/* column_stack: 1-D arrays become columns, 2-D ones stay. */
loom_array *loom_column_stack(int n, loom_array *const *arrs)
{
    if (n <= 0 || !arrs)
        return graph_poison(NULL, LOOM_ERR_VALUE, "need at least one array to concatenate");
    loom_ctx *ctx = arrs[0] ? arrs[0]->ctx : NULL;
    loom_array *bad = graph_check_inputs(ctx, "column_stack", n, arrs);
    if (bad)
        return bad;
    if (n > 64)
        return graph_poison(ctx, LOOM_ERR_VALUE, "column_stack: more than 64 arrays");
    loom_array *v[64];
    for (int i = 0; i < n; i++) {
        loom_array *a = arrs[i];
        v[i] = a->ndim < 2 ? loom_reshape(a, (loom_shape){2, {a->ndim ? a->shape[0] : 1, 1}})
                           : a;
    }
    return loom_concatenate(n, v, 1);
}
