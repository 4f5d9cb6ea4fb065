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
 * A long 1-D scan, shared out.  The array is cut into nchunks * PARTS
 * parts; a first parallel pass only reduces each part (reading, not
 * writing), a sequential step turns the part totals into the value before
 * each part, and a second parallel pass scans every chunk's parts
 * interleaved (PARTS independent dependency chains instead of one: adds
 * have a latency of several cycles), each started from its carry -- so
 * the output is written once.  Two parts measured best here: each adds a
 * read and a write stream, and at four the prefetchers fall behind (2^24
 * doubles: 9 ms with two, 14 with four, 44 with eight).  The summation order differs from a sequential
 * scan by rounding only.
 */
#define PARTS 2

/* The kernels for one element type and operation: the total of n values
 * (four chains), and the interleaved scan of PARTS parts [b[k], b[k+1])
 * from the values a[k] before them. */
#define PART_KERNELS(T, NAME, OP)                                         \
    static T total_##NAME(const T *s, int64_t n, T init)                  \
    {                                                                     \
        T t0 = init, t1 = init, t2 = init, t3 = init;                     \
        int64_t i = 0;                                                    \
        for (; i + 4 <= n; i += 4) {                                      \
            t0 = OP(t0, s[i]);                                            \
            t1 = OP(t1, s[i + 1]);                                        \
            t2 = OP(t2, s[i + 2]);                                        \
            t3 = OP(t3, s[i + 3]);                                        \
        }                                                                 \
        for (; i < n; i++)                                                \
            t0 = OP(t0, s[i]);                                            \
        return OP(OP(t0, t1), OP(t2, t3));                                \
    }                                                                     \
    static void scan_parts_##NAME(const T *s, T *d, const int64_t *b,     \
                                  const T *before)                        \
    {                                                                     \
        T a[PARTS];                                                       \
        int64_t q = b[1] - b[0];                                          \
        for (int k = 0; k < PARTS; k++) {                                 \
            a[k] = before[k];                                             \
            q = b[k + 1] - b[k] < q ? b[k + 1] - b[k] : q;                \
        }                                                                 \
        for (int64_t i = 0; i < q; i++)                                   \
            for (int k = 0; k < PARTS; k++)                               \
                d[b[k] + i] = a[k] = OP(a[k], s[b[k] + i]);               \
        for (int k = 0; k < PARTS; k++)                                   \
            for (int64_t i = b[k] + q; i < b[k + 1]; i++)                 \
                d[i] = a[k] = OP(a[k], s[i]);                             \
    }

#define LONG_SCAN(T, U)                                                   \
    PART_KERNELS(T, add_##T, ADD_##T)                                     \
    PART_KERNELS(T, mul_##T, MUL_##T)                                     \
    typedef struct lscan_##T {                                            \
        const T *src;                                                     \
        T *dst;                                                           \
        int64_t n, nparts;                                                \
        bool prod;                                                        \
        T *carry; /* per part: its total, then the value before it */     \
        int pass;                                                         \
    } lscan_##T;                                                          \
    static void lscan_part_##T(void *ud, int64_t lo, int64_t hi)          \
    {                                                                     \
        const lscan_##T *j = ud;                                          \
        for (int64_t c = lo; c < hi; c++) {                               \
            int64_t b[PARTS + 1];                                         \
            for (int k = 0; k <= PARTS; k++)                              \
                b[k] = (PARTS * c + k) * j->n / j->nparts;                \
            T *carry = j->carry + PARTS * c;                              \
            if (j->pass == 1 && j->prod)                                  \
                scan_parts_mul_##T(j->src, j->dst, b, carry);             \
            else if (j->pass == 1)                                        \
                scan_parts_add_##T(j->src, j->dst, b, carry);             \
            else                                                          \
                for (int k = 0; k < PARTS; k++)                           \
                    carry[k] = j->prod                                    \
                        ? total_mul_##T(j->src + b[k], b[k + 1] - b[k], 1) \
                        : total_add_##T(j->src + b[k], b[k + 1] - b[k], 0); \
        }                                                                 \
    }                                                                     \
    static void long_scan_##T(const T *src, T *dst, int64_t n, bool prod, \
                              int threads)                                \
    {                                                                     \
        int64_t nchunks = threads > 1 ? threads : 1;                      \
        T carry[PARTS * 64];                                              \
        if (nchunks > 64)                                                 \
            nchunks = 64;                                                 \
        lscan_##T j = {src, dst, n, PARTS * nchunks, prod, carry, 0};     \
        rt_parallel_for(threads, nchunks, 1, lscan_part_##T, &j);         \
        T run = prod;                                                     \
        for (int64_t p = 0; p < PARTS * nchunks; p++) {                   \
            T total = carry[p];                                           \
            carry[p] = run;                                               \
            run = prod ? MUL_##T(run, total) : ADD_##T(run, total);       \
        }                                                                 \
        j.pass = 1;                                                       \
        rt_parallel_for(threads, nchunks, 1, lscan_part_##T, &j);         \
    }

/* Integers wrap around through their unsigned twins (defined overflow). */
#define ADD_int32_t(a, b) ((int32_t)((uint32_t)(a) + (uint32_t)(b)))
#define MUL_int32_t(a, b) ((int32_t)((uint32_t)(a) * (uint32_t)(b)))
#define ADD_int64_t(a, b) ((int64_t)((uint64_t)(a) + (uint64_t)(b)))
#define MUL_int64_t(a, b) ((int64_t)((uint64_t)(a) * (uint64_t)(b)))
#define ADD_float(a, b) ((a) + (b))
#define MUL_float(a, b) ((a) * (b))
#define ADD_double(a, b) ((a) + (b))
#define MUL_double(a, b) ((a) * (b))

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
