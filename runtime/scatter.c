/*
 * scatter.c -- functional updates: a copy of the base array with values
 * written (x[idx] = v) or added (np.add.at) at flat positions.
 *
 * Inputs: the base, int64 positions (any shape), values of the positions'
 * shape and the base's dtype.  Positions are visited in C order, so with
 * repeated positions the last write wins (NumPy's buffered assignment) or
 * every value is added (add.at, unbuffered).  attr[1]: 1 for add.
 */
#include "runtime/call.h"

#include <stdlib.h>
#include <string.h>

/* Element k (C order) of a strided view, as a pointer. */
static const char *elem(const rt_view *v, int64_t k)
{
    int64_t off = 0;
    for (int d = v->ndim - 1; d >= 0; d--) {
        off += (k % v->shape[d]) * v->strides[d];
        k /= v->shape[d];
    }
    return v->data + off * (int64_t)rt_view_esize(v);
}

#define ADD_AT(T)                                                         \
    do {                                                                  \
        T *o = (T *)(void *)out;                                          \
        T x;                                                              \
        memcpy(&x, src, sizeof x);                                        \
        o[p] = (T)(o[p] + x);                                             \
    } while (0)

loom_status rt_call_scatter(rt_call *c)
{
    const rt_view *base = &c->in[0], *pos = &c->in[1], *val = &c->in[2];
    char *out = c->out[0].data;
    bool add = c->node->attr[1] != 0;
    size_t es = rt_view_esize(base);
    int64_t nbase = graph_numel(base->ndim, base->shape);
    int64_t n = graph_numel(pos->ndim, pos->shape);
    rt_view_gather(base, out);
    for (int64_t k = 0; k < n; k++) {
        int64_t p = *(const int64_t *)(const void *)elem(pos, k);
        if (p < 0 || p >= nbase) {
            snprintf(c->msg, sizeof c->msg,
                     "setitem: position %lld is out of bounds for size %lld",
                     (long long)p, (long long)nbase);
            return LOOM_ERR_INDEX;
        }
        const char *src = elem(val, k);
        if (!add) {
            memcpy(out + p * (int64_t)es, src, es);
            continue;
        }
        switch (base->dtype) {
        case LOOM_BOOL: out[p] = (char)(out[p] | *src); break;
        case LOOM_INT32: ADD_AT(int32_t); break;
        case LOOM_INT64: ADD_AT(int64_t); break;
        case LOOM_FLOAT32: ADD_AT(float); break;
        default: ADD_AT(double); break;
        }
    }
    return LOOM_OK;
}
