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
#include "runtime/pool.h"

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

/*
 * A long 1-D scan, shared out: each thread scans its chunk as four
 * interleaved sub-chunks (four independent dependency chains instead of
 * one), then each chunk adds the total of everything before it.  The
 * summation order differs from a sequential scan by rounding only.
 */
#define LONG_SCAN(T, U)                                                   \
    typedef struct lscan_##T {                                            \
        const T *src;                                                     \
        T *dst;                                                           \
        int64_t n, nchunks;                                               \
        bool prod;                                                        \
        T *carry;                                                         \
        int pass;                                                         \
    } lscan_##T;                                                          \
    static void lscan_part_##T(void *ud, int64_t lo, int64_t hi)          \
    {                                                                     \
        lscan_##T *j = ud;                                                \
        for (int64_t c = lo; c < hi; c++) {                               \
            int64_t b = c * j->n / j->nchunks, e = (c + 1) * j->n / j->nchunks; \
            if (j->pass == 1) {                                           \
                T k = j->carry[c];                                        \
                if (j->prod)                                              \
                    for (int64_t i = b; i < e; i++)                       \
                        j->dst[i] = (T)((U)j->dst[i] * (U)k);             \
                else                                                      \
                    for (int64_t i = b; i < e; i++)                       \
                        j->dst[i] = (T)((U)j->dst[i] + (U)k);             \
                continue;                                                 \
            }                                                             \
            int64_t q = (e - b) / 4;                                      \
            const T *s = j->src + b;                                      \
            T *d = j->dst + b;                                            \
            T a0 = j->prod, a1 = j->prod, a2 = j->prod, a3 = j->prod;     \
            for (int64_t i = 0; i < q; i++) {                             \
                if (j->prod) {                                            \
                    a0 = (T)((U)a0 * (U)s[i]);                            \
                    a1 = (T)((U)a1 * (U)s[q + i]);                        \
                    a2 = (T)((U)a2 * (U)s[2 * q + i]);                    \
                    a3 = (T)((U)a3 * (U)s[3 * q + i]);                    \
                } else {                                                  \
                    a0 = (T)((U)a0 + (U)s[i]);                            \
                    a1 = (T)((U)a1 + (U)s[q + i]);                        \
                    a2 = (T)((U)a2 + (U)s[2 * q + i]);                    \
                    a3 = (T)((U)a3 + (U)s[3 * q + i]);                    \
                }                                                         \
                d[i] = a0;                                                \
                d[q + i] = a1;                                            \
                d[2 * q + i] = a2;                                        \
                d[3 * q + i] = a3;                                        \
            }                                                             \
            T tail = j->prod;                                             \
            for (int64_t i = 4 * q; i < e - b; i++) {                     \
                tail = j->prod ? (T)((U)tail * (U)s[i])                   \
                               : (T)((U)tail + (U)s[i]);                  \
                d[i] = tail;                                              \
            }                                                             \
            /* fix the sub-chunks up in order */                          \
            T k1 = a0, k2, k3, k4;                                        \
            for (int64_t i = q; i < 2 * q; i++)                           \
                d[i] = j->prod ? (T)((U)d[i] * (U)k1) : (T)((U)d[i] + (U)k1); \
            k2 = q ? d[2 * q - 1] : k1;                                   \
            for (int64_t i = 2 * q; i < 3 * q; i++)                       \
                d[i] = j->prod ? (T)((U)d[i] * (U)k2) : (T)((U)d[i] + (U)k2); \
            k3 = q ? d[3 * q - 1] : k2;                                   \
            for (int64_t i = 3 * q; i < 4 * q; i++)                       \
                d[i] = j->prod ? (T)((U)d[i] * (U)k3) : (T)((U)d[i] + (U)k3); \
            k4 = q ? d[4 * q - 1] : (T)j->prod;                           \
            for (int64_t i = 4 * q; i < e - b; i++)                       \
                d[i] = j->prod ? (T)((U)d[i] * (U)k4) : (T)((U)d[i] + (U)k4); \
        }                                                                 \
    }                                                                     \
    static void long_scan_##T(const T *src, T *dst, int64_t n, bool prod, \
                              int threads)                                \
    {                                                                     \
        int64_t nchunks = threads > 1 ? threads : 1;                      \
        T carry[64];                                                      \
        if (nchunks > 64)                                                 \
            nchunks = 64;                                                 \
        lscan_##T j = {src, dst, n, nchunks, prod, carry, 0};             \
        rt_parallel_for(threads, nchunks, 1, lscan_part_##T, &j);         \
        T run = prod;                                                     \
        for (int64_t c = 0; c < nchunks; c++) {                           \
            carry[c] = run;                                               \
            int64_t e = (c + 1) * n / nchunks;                            \
            if (e > c * n / nchunks)                                      \
                run = prod ? (T)((U)run * (U)dst[e - 1])                  \
                           : (T)((U)run + (U)dst[e - 1]);                 \
        }                                                                 \
        j.pass = 1;                                                       \
        rt_parallel_for(threads, nchunks, 1, lscan_part_##T, &j);         \
    }

LONG_SCAN(int32_t, uint32_t)
LONG_SCAN(int64_t, uint64_t)
LONG_SCAN(float, float)
LONG_SCAN(double, double)

/* 1-D scans at least this long are shared out among threads. */
#define LONG_SCAN_MIN (1 << 16)

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
    if (outer == 1 && inner == 1 && n >= LONG_SCAN_MIN) {
        switch (in->dtype) {
        case LOOM_INT32: long_scan_int32_t(src, (void *)out->data, n, prod, c->threads); break;
        case LOOM_INT64: long_scan_int64_t(src, (void *)out->data, n, prod, c->threads); break;
        case LOOM_FLOAT32: long_scan_float(src, (void *)out->data, n, prod, c->threads); break;
        case LOOM_FLOAT64: long_scan_double(src, (void *)out->data, n, prod, c->threads); break;
        default: break;
        }
        if (in->dtype != LOOM_BOOL) {
            free(tmp);
            return LOOM_OK;
        }
    }
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
