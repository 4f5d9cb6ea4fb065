/*
 * call.h -- runtime leaves: computations that are not JIT kernels (BLAS,
 * LAPACK, scans, sorts...), run by the executor as steps of their own.
 */
#ifndef LOOM_CALL_H
#define LOOM_CALL_H

#include "graph/graph.h"

#define RT_CALL_MAXIO 8

/* A realized array as a call sees it: data points at element [0, 0, ...];
 * strides are in elements and may be 0 or negative. */
typedef struct rt_view {
    char *data;
    loom_dtype dtype;
    int ndim;
    int64_t shape[LOOM_MAX_DIMS];
    int64_t strides[LOOM_MAX_DIMS];
} rt_view;

/*
 * One execution of a call.  node is the CALL node (its attrs carry the
 * call's parameters).  Outputs are C-contiguous; an output whose node is
 * not needed by the evaluation has data NULL and may be skipped.  On
 * failure a call returns a status and writes a NumPy-like message to msg.
 */
typedef struct rt_call {
    loom_ctx *ctx;
    const loom_array *node;
    int nin, nout;
    rt_view in[RT_CALL_MAXIO];
    rt_view out[RT_CALL_MAXIO];
    int threads;
    char msg[512];
} rt_call;

typedef loom_status (*rt_call_fn)(rt_call *c);

typedef enum rt_call_id {
#define CALL(name, fn, what) RT_CALL_##name,
#include "runtime/calls.def"
#undef CALL
    RT_NCALLS
} rt_call_id;

typedef struct rt_callinfo {
    const char *name;
    rt_call_fn fn;
    const char *what;
} rt_callinfo;

extern const rt_callinfo rt_calls[RT_NCALLS];

#define CALL(name, fn, what) loom_status fn(rt_call *c);
#include "runtime/calls.def"
#undef CALL

/* Whether v is C-contiguous. */
bool rt_view_contiguous(const rt_view *v);
/* Copies v's elements in C order to dst. */
void rt_view_gather(const rt_view *v, void *dst);
/* Byte size of one element of v. */
size_t rt_view_esize(const rt_view *v);
/* The runtime call a MATMUL or CALL node runs. */
rt_call_id rt_call_which(const loom_array *node);

/* Builds a CALL node (graph side): output 0 of dtype t and shape, inputs,
 * and up to GRAPH_NATTR - 1 int64 parameters in attr[1..]. */
loom_array *graph_call(loom_ctx *ctx, rt_call_id id, int nin,
                       loom_array *const *in, loom_dtype t, int ndim,
                       const int64_t *shape, const int64_t *params,
                       int nparams);
/* Output k (>= 1) of call node c, of dtype t and shape. */
loom_array *graph_call_out(loom_array *c, int k, loom_dtype t, int ndim,
                           const int64_t *shape);

#endif /* LOOM_CALL_H */
