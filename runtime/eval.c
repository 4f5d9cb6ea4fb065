/*
 * eval.c -- the public evaluation entry points and data access.
 */
#include "runtime/exec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void record_stats(loom_ctx *ctx, const rt_program *p, double total)
{
    loom_eval_stats st = {0};
    for (int i = 0; i < p->plan.nsteps; i++) {
        const rt_kstep *ks = &p->ks[i];
        if (p->plan.steps[i].kind == FUSE_KERNEL) {
            st.kernels++;
            if (ks->cinfo.mem_hit)
                st.cache_hits++;
            else
                st.compiled++;
            st.bytes_moved += ks->bytes;
        } else {
            st.calls++;
        }
    }
    st.compile_ms = p->compile_ms;
    st.run_ms = p->run_ms;
    st.total_ms = total;
    st.peak_bytes = p->peak_bytes;
    ctx->stats = st;
}

static void stats_add(loom_eval_stats *a, const loom_eval_stats *b)
{
    a->kernels += b->kernels;
    a->calls += b->calls;
    a->compiled += b->compiled;
    a->cache_hits += b->cache_hits;
    a->compile_ms += b->compile_ms;
    a->run_ms += b->run_ms;
    a->total_ms += b->total_ms;
    a->bytes_moved += b->bytes_moved;
    if (b->peak_bytes > a->peak_bytes)
        a->peak_bytes = b->peak_bytes;
}

/*
 * After an evaluation that ran (ok: it succeeded, and ctx->stats holds its
 * figures): a builder's evaluation is set aside in ctx->pending; the
 * program's own gets what builders ran since its previous one added in.
 * A failed evaluation reports zeros (plus that pending work).
 */
static void publish_stats(loom_ctx *ctx, bool ok)
{
    loom_eval_stats cur = {0};
    if (ok)
        cur = ctx->stats;
    if (ctx->internal > 0) {
        stats_add(&ctx->pending, &cur);
        ctx->stats = cur;
        return;
    }
    stats_add(&cur, &ctx->pending);
    memset(&ctx->pending, 0, sizeof ctx->pending);
    ctx->stats = cur;
}

const void *graph_data(loom_array *a)
{
    if (!a)
        return NULL;
    loom_ctx *ctx = a->ctx;
    ctx->internal++;
    const void *d = loom_data(a);
    ctx->internal--;
    return d;
}

int64_t graph_item_int(loom_array *a)
{
    if (!a)
        return 0;
    loom_ctx *ctx = a->ctx;
    ctx->internal++;
    int64_t v = loom_item_int(a, NULL);
    ctx->internal--;
    return v;
}

loom_status graph_eval(loom_ctx *ctx, loom_array *const *arrs, int n)
{
    if (!ctx)
        return LOOM_ERR_NULL;
    ctx->internal++;
    loom_status s = loom_eval_many(ctx, arrs, n);
    ctx->internal--;
    return s;
}

static const char *loom_error_ctx(const loom_ctx *ctx)
{
    return ctx->msg ? ctx->msg : "evaluation failed";
}

loom_status loom_eval_many(loom_ctx *ctx, loom_array *const *arrs, int n)
{
    if (!ctx)
        return LOOM_ERR_NULL;
    double t0 = now_ms();
    graph_ctx_error_reset(ctx);
    if (n < 0 || (n > 0 && !arrs))
        return LOOM_ERR_NULL;
    loom_status first = LOOM_OK;
    int todo = 0;
    loom_array *work[256], **w = work;
    if (n > 256 && !(w = rt_malloc(&ctx->alloc, (size_t)n * sizeof *w)))
        return LOOM_ERR_MEMORY;
    for (int i = 0; i < n; i++) {
        loom_array *a = arrs[i];
        loom_status s = a ? a->status : LOOM_ERR_NULL;
        if (s && !first) {
            first = s;
            graph_ctx_error(ctx, s, "%s", loom_error(a));
        }
        if (!s && !a->buf && a->ctx == ctx) {
            bool dup = false;
            for (int j = 0; j < todo; j++)
                dup = dup || w[j] == a;
            if (!dup)
                w[todo++] = a;
        }
    }
    if (todo > 0) {
        /* a structure seen before runs its cached plan (not when dumping:
         * a dump shows every stage) */
        bool hit = false, dumping = ctx->dump_out || ctx->dump_dir;
        rt_lookup *l = dumping ? NULL : rt_plan_lookup_new();
        loom_status s = l ? rt_plan_try(ctx, w, todo, l, &hit) : LOOM_OK;
        if (hit) {
            rt_plan_lookup_free(l);
            publish_stats(ctx, !s);
            if (s && !first)
                first = s;
            goto done;
        }
        rt_program p;
        s = rt_program_build(ctx, w, todo, &p);
        if (!s)
            s = rt_program_run(&p);
        if (!s && l)
            rt_plan_store(ctx, &p, l);
        rt_plan_lookup_free(l);
        if (s && ctx->status == LOOM_OK)
            graph_ctx_error(ctx, s, "evaluation failed (%s)",
                            loom_status_name(s));
        if (!s)
            record_stats(ctx, &p, now_ms() - t0);
        publish_stats(ctx, !s);
        if (!s) {
            ctx->eval_serial++;
            if (ctx->dump_out)
                rt_dump_program(&p, ctx->dump_out, ctx->dump_stages);
            if (ctx->dump_dir)
                rt_dump_to_dir(&p, ctx->dump_dir);
        }
        rt_program_free(&p);
        if (s && !first)
            first = s;
    }
done:
    /* realized arrays let go of their inputs; failed ones keep the error */
    for (int i = 0; i < todo; i++) {
        if (w[i]->buf)
            graph_detach(w[i]);
        else if (first)
            graph_fail(w[i], ctx->status ? ctx->status : first, loom_error_ctx(ctx));
    }
    if (w != work)
        rt_free(&ctx->alloc, w, (size_t)n * sizeof *w);
    return first;
}

loom_status loom_eval(loom_array *a)
{
    if (!a)
        return LOOM_ERR_NULL;
    if (a->status)
        return a->status;
    return loom_eval_many(a->ctx, &a, 1);
}

loom_eval_stats loom_last_stats(const loom_ctx *ctx)
{
    loom_eval_stats z = {0};
    return ctx ? ctx->stats : z;
}

/* ---- data access ---- */

static bool is_c_contiguous(const loom_array *a)
{
    int64_t st[LOOM_MAX_DIMS];
    graph_c_strides(a->ndim, a->shape, st);
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] > 1 && a->strides[i] != st[i])
            return false;
    return true;
}

/* Copies a's elements in C order to dst. */
static void gather(const loom_array *a, char *dst)
{
    size_t es = loom_dtype_size(a->dtype);
    int64_t n = graph_numel(a->ndim, a->shape);
    const char *base = (const char *)a->buf->data;
    int64_t idx[LOOM_MAX_DIMS] = {0};
    for (int64_t k = 0; k < n; k++) {
        int64_t off = a->offset;
        for (int d = 0; d < a->ndim; d++)
            off += idx[d] * a->strides[d];
        memcpy(dst + (size_t)k * es, base + off * (int64_t)es, es);
        for (int d = a->ndim - 1; d >= 0; d--) {
            if (++idx[d] < a->shape[d])
                break;
            idx[d] = 0;
        }
    }
}

const void *loom_data(loom_array *a)
{
    if (loom_eval(a) != LOOM_OK || !a->buf)
        return NULL;
    size_t es = loom_dtype_size(a->dtype);
    if (is_c_contiguous(a))
        return (const char *)a->buf->data + a->offset * (int64_t)es;
    if (!a->cdata) {
        size_t nb = (size_t)graph_numel(a->ndim, a->shape) * es;
        a->cdata = graph_malloc(a->ctx, nb ? nb : 1);
        if (!a->cdata)
            return NULL;
        gather(a, a->cdata);
    }
    return a->cdata;
}

loom_status loom_copy_to(loom_array *a, void *dst, size_t nbytes)
{
    loom_status s = loom_eval(a);
    if (s)
        return s;
    if (!dst)
        return LOOM_ERR_NULL;
    size_t need = (size_t)graph_numel(a->ndim, a->shape) *
                  loom_dtype_size(a->dtype);
    if (nbytes < need)
        return LOOM_ERR_VALUE;
    if (is_c_contiguous(a))
        memcpy(dst, (const char *)a->buf->data +
                        a->offset * (int64_t)loom_dtype_size(a->dtype),
               need);
    else
        gather(a, dst);
    return LOOM_OK;
}

/* The element at index (NULL: the first), as double or int64. */
static const char *element(loom_array *a, const int64_t *index)
{
    if (loom_eval(a) != LOOM_OK || !a->buf ||
        graph_numel(a->ndim, a->shape) <= 0)
        return NULL;
    int64_t off = a->offset;
    for (int d = 0; d < a->ndim && index; d++) {
        if (index[d] < 0 || index[d] >= a->shape[d])
            return NULL;
        off += index[d] * a->strides[d];
    }
    return (const char *)a->buf->data + off * (int64_t)loom_dtype_size(a->dtype);
}

double loom_item(loom_array *a, const int64_t *index)
{
    const char *p = element(a, index);
    if (!p)
        return NAN;
    switch (a->dtype) {
    case LOOM_BOOL: return *(const uint8_t *)p;
    case LOOM_INT32: return *(const int32_t *)p;
    case LOOM_INT64: return (double)*(const int64_t *)p;
    case LOOM_FLOAT32: return *(const float *)p;
    default: return *(const double *)p;
    }
}

int64_t loom_item_int(loom_array *a, const int64_t *index)
{
    const char *p = element(a, index);
    if (!p)
        return 0;
    switch (a->dtype) {
    case LOOM_BOOL: return *(const uint8_t *)p;
    case LOOM_INT32: return *(const int32_t *)p;
    case LOOM_INT64: return *(const int64_t *)p;
    case LOOM_FLOAT32: return (int64_t)*(const float *)p;
    default: return (int64_t)*(const double *)p;
    }
}

/* ---- dump settings ---- */

void loom_dump(loom_ctx *ctx, FILE *out, unsigned stages)
{
    if (!ctx)
        return;
    ctx->dump_out = out;
    ctx->dump_stages = stages ? stages : LOOM_DUMP_ALL;
}

void loom_dump_dot(loom_ctx *ctx, const char *path)
{
    if (!ctx)
        return;
    graph_strfree(ctx, ctx->dump_dot);
    ctx->dump_dot = path ? graph_strdup(ctx, path) : NULL;
}

void loom_kernel_cache_clear(void)
{
    rt_plan_forget_all();
    jit_cache_clear();
}
