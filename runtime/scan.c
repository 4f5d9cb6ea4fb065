/*
 * scan.c -- cumulative sums and products along one axis (NumPy's cumsum,
 * cumprod; the nan-forms are built by the graph from these).
 *
 * attr[1] of the node is the axis.  The output is C-contiguous with the
 * input's shape and dtype (the graph casts the input to the accumulation
 * dtype first); a non-contiguous input is gathered first.  Rows are
 * scanned in memory order: out[k] = out[k - 1] (op) in[k], row after row,
 * so a scan along a slow axis streams through memory.
 */
#include "runtime/call.h"

#include <stdlib.h>
#include <string.h>

/* Integer scans wrap around like NumPy's (U: the unsigned twin, so the
 * overflow is defined). */
#define SCAN(T, U)                                                        \
    static void scan_##T(const T *src, T *dst, int64_t outer, int64_t n,  \
                         int64_t inner, bool prod)                        \
    {                                                                     \
        for (int64_t o = 0; o < outer; o++) {                             \
            const T *s = src + o * n * inner;                             \
            T *d = dst + o * n * inner;                                   \
            for (int64_t j = 0; j < inner && n > 0; j++)                  \
                d[j] = s[j];                                              \
            for (int64_t k = 1; k < n; k++) {                             \
                const T *sk = s + k * inner;                              \
                T *dk = d + k * inner, *dp = dk - inner;                  \
                if (prod)                                                 \
                    for (int64_t j = 0; j < inner; j++)                   \
                        dk[j] = (T)((U)dp[j] * (U)sk[j]);                 \
                else                                                      \
                    for (int64_t j = 0; j < inner; j++)                   \
                        dk[j] = (T)((U)dp[j] + (U)sk[j]);                 \
            }                                                             \
        }                                                                 \
    }

SCAN(int32_t, uint32_t)
SCAN(int64_t, uint64_t)
SCAN(float, float)
SCAN(double, double)

loom_status rt_call_scan(rt_call *c)
{
    const rt_view *in = &c->in[0];
    const rt_view *out = &c->out[0];
    int axis = (int)c->node->attr[1];
    bool prod = c->node->attr[0] == RT_CALL_CUMPROD;
    int64_t total = graph_numel(in->ndim, in->shape);
    if (total == 0)
        return LOOM_OK;
    if (in->ndim == 0) {
        memcpy(out->data, in->data, rt_view_esize(in));
        return LOOM_OK;
    }
    const void *src = in->data;
    void *tmp = NULL;
    size_t bytes = (size_t)total * rt_view_esize(in);
    if (!rt_view_contiguous(in)) {
        if (!(tmp = malloc(bytes))) {
            snprintf(c->msg, sizeof c->msg, "cumsum: out of memory");
            return LOOM_ERR_MEMORY;
        }
        rt_view_gather(in, tmp);
        src = tmp;
    }
    int64_t n = in->shape[axis], outer = 1, inner = 1;
    for (int d = 0; d < axis; d++)
        outer *= in->shape[d];
    for (int d = axis + 1; d < in->ndim; d++)
        inner *= in->shape[d];
    loom_status s = LOOM_OK;
    switch (in->dtype) {
    case LOOM_INT32: scan_int32_t(src, (void *)out->data, outer, n, inner, prod); break;
    case LOOM_INT64: scan_int64_t(src, (void *)out->data, outer, n, inner, prod); break;
    case LOOM_FLOAT32: scan_float(src, (void *)out->data, outer, n, inner, prod); break;
    case LOOM_FLOAT64: scan_double(src, (void *)out->data, outer, n, inner, prod); break;
    default:
        snprintf(c->msg, sizeof c->msg, "cumsum: unsupported dtype %s",
                 loom_dtype_name(in->dtype));
        s = LOOM_ERR_TYPE;
    }
    free(tmp);
    return s;
}
