/*
 * io.c -- loom_load_npy and loom_save_npy over runtime/npy.c.
 */
#include "graph/graph.h"
#include "runtime/npy.h"

loom_array *loom_load_npy(loom_ctx *ctx, const char *path)
{
    if (!ctx)
        return graph_poison(NULL, LOOM_ERR_NULL, "NULL context");
    if (!path)
        return graph_poison(ctx, LOOM_ERR_NULL, "load: NULL path");
    loom_dtype t;
    int ndim;
    int64_t shape[LOOM_MAX_DIMS];
    void *data, *block;
    size_t bsize;
    char err[512];
    loom_status s = rt_npy_read(path, &ctx->alloc, &t, &ndim, shape, &data,
                                &block, &bsize, err, sizeof err);
    if (s)
        return graph_poison(ctx, s, "%s", err);
    /* hand the block to a buffer without copying */
    size_t nbytes = (size_t)graph_numel(ndim, shape) * loom_dtype_size(t);
    rt_buffer *buf = rt_buffer_adopt(&ctx->alloc, data, nbytes, block, bsize);
    if (!buf) {
        rt_free(&ctx->alloc, block, bsize);
        return graph_poison(ctx, LOOM_ERR_MEMORY, "load: out of memory");
    }
    loom_array *a = graph_leaf(ctx, buf, t, ndim, shape, NULL, 0);
    rt_buffer_unref(buf);
    return a;
}

loom_status loom_save_npy(loom_array *a, const char *path)
{
    if (!a)
        return LOOM_ERR_NULL;
    loom_ctx *ctx = a->ctx;
    if (!path)
        return LOOM_ERR_NULL;
    const void *data = loom_data(a);
    if (!data)
        return a->status ? a->status : loom_ctx_status(ctx);
    char err[512];
    loom_status s = rt_npy_write(path, (loom_dtype)a->dtype, a->ndim, a->shape,
                                 data, err, sizeof err);
    if (s && ctx)
        graph_ctx_error(ctx, s, "%s", err);
    return s;
}
