/*
 * call.c -- the table of runtime leaves, view helpers, and the graph-side
 * constructors of CALL nodes.
 */
#include "runtime/call.h"

#include <string.h>

const rt_callinfo rt_calls[RT_NCALLS] = {
#define CALL(name, fn, what) {#name, fn, what},
#include "runtime/calls.def"
#undef CALL
};

size_t rt_view_esize(const rt_view *v)
{
    return loom_dtype_size(v->dtype);
}

rt_call_id rt_call_which(const loom_array *node)
{
    return node->op == GRAPH_OP_MATMUL ? RT_CALL_MATMUL : (rt_call_id)node->attr[0];
}

bool rt_view_contiguous(const rt_view *v)
{
    int64_t st[LOOM_MAX_DIMS];
    graph_c_strides(v->ndim, v->shape, st);
    for (int i = 0; i < v->ndim; i++)
        if (v->shape[i] > 1 && v->strides[i] != st[i])
            return false;
    return true;
}

void rt_view_gather(const rt_view *v, void *dst)
{
    size_t es = rt_view_esize(v);
    int64_t n = graph_numel(v->ndim, v->shape);
    if (rt_view_contiguous(v)) {
        memcpy(dst, v->data, (size_t)n * es);
        return;
    }
    int64_t idx[LOOM_MAX_DIMS] = {0};
    for (int64_t k = 0; k < n; k++) {
        int64_t off = 0;
        for (int d = 0; d < v->ndim; d++)
            off += idx[d] * v->strides[d];
        memcpy((char *)dst + (size_t)k * es, v->data + off * (int64_t)es, es);
        for (int d = v->ndim - 1; d >= 0; d--) {
            if (++idx[d] < v->shape[d])
                break;
            idx[d] = 0;
        }
    }
}

loom_array *graph_call(loom_ctx *ctx, rt_call_id id, int nin,
                       loom_array *const *in, loom_dtype t, int ndim,
                       const int64_t *shape, const int64_t *params,
                       int nparams)
{
    loom_array *bad = graph_check_inputs(ctx, rt_calls[id].what, nin, in);
    if (bad)
        return bad;
    graph_tmpl tm;
    graph_tmpl_init(&tm, GRAPH_OP_CALL, t, ndim, shape);
    tm.nin = nin;
    tm.in = in;
    tm.attr[0] = id;
    for (int i = 0; i < nparams && i < GRAPH_NATTR - 1; i++)
        tm.attr[i + 1] = params[i];
    return graph_intern(ctx, &tm);
}

loom_array *graph_call_out(loom_array *c, int k, loom_dtype t, int ndim,
                           const int64_t *shape)
{
    if (c->op == GRAPH_OP_ERROR)
        return c;
    graph_tmpl tm;
    graph_tmpl_init(&tm, GRAPH_OP_CALL_OUT, t, ndim, shape);
    tm.nin = 1;
    tm.in = &c;
    tm.attr[0] = k;
    return graph_intern(c->ctx, &tm);
}
