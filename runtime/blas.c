/*
 * blas.c -- matrix products as OpenBLAS calls.
 *
 * MATMUL nodes multiply stacks of matrices: inputs (..., M, K) and
 * (..., K, N) broadcast over their batch axes (the graph has already
 * promoted 1-D operands and broadcast batches).  Float operands go to
 * cblas_sgemm / cblas_dgemm with transposed layouts passed as flags and
 * leading dimensions; other layouts are gathered first.  Integer and bool
 * products are computed by a plain loop, as NumPy does.
 */
#include "runtime/call.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

/* How a 2-D matrix view (strides rs, cs) maps onto BLAS: row-major with
 * lda, or transposed; false if neither. */
static bool blas_layout(int64_t rows, int64_t cols, int64_t rs, int64_t cs,
                        CBLAS_TRANSPOSE *t, int64_t *ld)
{
    if ((cs == 1 || cols == 1) && rs >= (cols > 1 ? cols : 1)) {
        *t = CblasNoTrans;
        *ld = rs > 0 ? rs : 1;
        return true;
    }
    if ((rs == 1 || rows == 1) && cs >= (rows > 1 ? rows : 1)) {
        *t = CblasTrans;
        *ld = cs > 0 ? cs : 1;
        return true;
    }
    return false;
}

/* Offset (elements) of batch b of view v (the last two axes are the
 * matrix). */
static int64_t batch_offset(const rt_view *v, int64_t b)
{
    int64_t off = 0;
    for (int d = v->ndim - 3; d >= 0; d--) {
        off += (b % v->shape[d]) * v->strides[d];
        b /= v->shape[d];
    }
    return off;
}

#define INT_MATMUL(T, ACC)                                                \
    for (int64_t bt = 0; bt < batch; bt++) {                              \
        const T *pa = (const T *)(const void *)a->data + batch_offset(a, bt); \
        const T *pb = (const T *)(const void *)b->data + batch_offset(b, bt); \
        T *pc = (T *)(void *)o->data + bt * M * N;                        \
        for (int64_t i = 0; i < M; i++)                                   \
            for (int64_t j = 0; j < N; j++) {                             \
                ACC acc = 0;                                              \
                for (int64_t k = 0; k < K; k++)                           \
                    acc += (ACC)pa[i * ars + k * acs] *                   \
                           (ACC)pb[k * brs + j * bcs];                    \
                pc[i * N + j] = (T)acc;                                   \
            }                                                             \
    }

loom_status rt_call_matmul(rt_call *c)
{
    const rt_view *a = &c->in[0], *b = &c->in[1], *o = &c->out[0];
    int nd = o->ndim;
    int64_t M = a->shape[a->ndim - 2], K = a->shape[a->ndim - 1];
    int64_t N = b->shape[b->ndim - 1];
    int64_t batch = graph_numel(nd - 2, o->shape);
    int64_t ars = a->strides[a->ndim - 2], acs = a->strides[a->ndim - 1];
    int64_t brs = b->strides[b->ndim - 2], bcs = b->strides[b->ndim - 1];
    if (M == 0 || N == 0 || batch == 0)
        return LOOM_OK;
    if (o->dtype == LOOM_FLOAT32 || o->dtype == LOOM_FLOAT64) {
        CBLAS_TRANSPOSE ta, tb;
        int64_t lda, ldb;
        void *ga = NULL, *gb = NULL;
        const char *pa0 = a->data, *pb0 = b->data;
        size_t es = rt_view_esize(o);
        rt_view va = *a, vb = *b;
        if (!blas_layout(M, K, ars, acs, &ta, &lda)) {
            if (!(ga = malloc((size_t)graph_numel(a->ndim, a->shape) * es)))
                goto oom;
            rt_view_gather(a, ga);
            graph_c_strides(a->ndim, a->shape, va.strides);
            va.data = ga;
            pa0 = ga;
            blas_layout(M, K, K, 1, &ta, &lda);
        }
        if (!blas_layout(K, N, brs, bcs, &tb, &ldb)) {
            if (!(gb = malloc((size_t)graph_numel(b->ndim, b->shape) * es))) {
                free(ga);
                goto oom;
            }
            rt_view_gather(b, gb);
            graph_c_strides(b->ndim, b->shape, vb.strides);
            vb.data = gb;
            pb0 = gb;
            blas_layout(K, N, N, 1, &tb, &ldb);
        }
        openblas_set_num_threads(c->threads);
        for (int64_t bt = 0; bt < batch; bt++) {
            int64_t oa = batch_offset(&va, bt), ob = batch_offset(&vb, bt);
            if (o->dtype == LOOM_FLOAT32)
                cblas_sgemm(CblasRowMajor, ta, tb, (int)M, (int)N, (int)K, 1.0f,
                            (const float *)(const void *)pa0 + oa, (int)lda,
                            (const float *)(const void *)pb0 + ob, (int)ldb, 0.0f,
                            (float *)(void *)o->data + bt * M * N, (int)N);
            else
                cblas_dgemm(CblasRowMajor, ta, tb, (int)M, (int)N, (int)K, 1.0,
                            (const double *)(const void *)pa0 + oa, (int)lda,
                            (const double *)(const void *)pb0 + ob, (int)ldb, 0.0,
                            (double *)(void *)o->data + bt * M * N, (int)N);
        }
        free(ga);
        free(gb);
        return LOOM_OK;
    }
    switch (o->dtype) {
    case LOOM_BOOL: INT_MATMUL(uint8_t, int64_t); break;
    case LOOM_INT32: INT_MATMUL(int32_t, int32_t); break;
    default: INT_MATMUL(int64_t, int64_t); break;
    }
    if (o->dtype == LOOM_BOOL) {
        uint8_t *p = (uint8_t *)o->data;
        for (int64_t i = 0; i < batch * M * N; i++)
            p[i] = p[i] != 0;
    }
    return LOOM_OK;
oom:
    snprintf(c->msg, sizeof c->msg, "matmul: out of memory");
    return LOOM_ERR_MEMORY;
}
