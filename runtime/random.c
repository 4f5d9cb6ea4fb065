/*
 * random.c -- the public generator API over runtime/rng.c: NumPy's
 * default_rng streams, drawn into realized arrays.
 *
 * A generator belongs to its context (freed with it) and draws eagerly:
 * the numbers are taken from the stream when the call is made, so the
 * order of calls is the order of NumPy's calls.
 */
#include "graph/graph.h"
#include "runtime/rng.h"

#include <string.h>

struct loom_rng {
    loom_ctx *ctx;
    rt_rng r;
};

static void rng_release(void *p)
{
    loom_rng *g = p;
    rt_free(&g->ctx->alloc, g, sizeof *g);
}

static loom_rng *rng_make(loom_ctx *ctx)
{
    loom_rng *g = rt_malloc(&ctx->alloc, sizeof *g);
    if (!g)
        return NULL;
    memset(g, 0, sizeof *g);
    g->ctx = ctx;
    if (!graph_ctx_on_free(ctx, rng_release, g)) {
        rt_free(&ctx->alloc, g, sizeof *g);
        return NULL;
    }
    return g;
}

loom_rng *loom_rng_new(loom_ctx *ctx, const uint32_t *seed_words, int nwords)
{
    if (!ctx)
        return NULL;
    loom_rng *g = rng_make(ctx);
    if (g)
        rt_rng_seed(&g->r, seed_words, nwords);
    return g;
}

loom_rng *loom_rng_new_u64(loom_ctx *ctx, uint64_t seed)
{
    uint32_t w[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    return loom_rng_new(ctx, w, 2);
}

void loom_rng_free(loom_rng *rng)
{
    if (!rng)
        return;
    graph_ctx_forget(rng->ctx, rng);
    rng_release(rng);
}

int loom_rng_spawn(loom_rng *rng, int n, loom_rng **children)
{
    if (!rng || !children || n < 0)
        return -1;
    rt_rng *tmp = rt_malloc(&rng->ctx->alloc, (size_t)(n ? n : 1) * sizeof *tmp);
    if (!tmp)
        return -1;
    int rc = rt_rng_spawn(&rng->r, n, tmp);
    int made = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        if (!(children[i] = rng_make(rng->ctx))) {
            rc = -1;
            break;
        }
        children[i]->r = tmp[i];
        made++;
    }
    rt_free(&rng->ctx->alloc, tmp, (size_t)(n ? n : 1) * sizeof *tmp);
    return rc == 0 ? made : -1;
}

/* ---- drawing into arrays ---- */

/* A fresh realized array of shape s and dtype t, its data in *data. */
static loom_array *fresh(loom_rng *g, loom_shape s, loom_dtype t, void **data)
{
    loom_ctx *ctx = g->ctx;
    if (s.ndim < 0 || s.ndim > LOOM_MAX_DIMS)
        return graph_poison(ctx, LOOM_ERR_VALUE, "random: bad number of "
                                                 "dimensions %d", s.ndim);
    for (int i = 0; i < s.ndim; i++)
        if (s.dim[i] < 0)
            return graph_poison(ctx, LOOM_ERR_VALUE,
                                "negative dimensions are not allowed");
    int64_t n = graph_numel(s.ndim, s.dim), bytes;
    if (n < 0 || __builtin_mul_overflow(n, (int64_t)loom_dtype_size(t), &bytes))
        return graph_poison(ctx, LOOM_ERR_VALUE, "random: size too large");
    rt_buffer *b = rt_buffer_new(&ctx->alloc, (size_t)bytes, false);
    if (!b)
        return graph_poison(ctx, LOOM_ERR_MEMORY,
                            "Unable to allocate %lld bytes for an array",
                            (long long)bytes);
    /* the leaf holds its own reference (none if it could not be made) */
    *data = b->data;
    loom_array *a = graph_leaf(ctx, b, t, s.ndim, s.dim, NULL, 0);
    rt_buffer_unref(b);
    if (a->op == GRAPH_OP_ERROR)
        *data = NULL;
    return a;
}

static loom_array *rng_error(loom_rng *g, int rc)
{
    loom_status st = rc == RT_RNG_E_NOMEM ? LOOM_ERR_MEMORY : LOOM_ERR_VALUE;
    return graph_poison(g->ctx, st, "%s", rt_rng_strerror(rc));
}

#define CHECK_RNG(g)                                                    \
    do {                                                                \
        if (!(g))                                                       \
            return graph_poison(NULL, LOOM_ERR_NULL, "NULL generator"); \
    } while (0)

loom_array *loom_rng_random(loom_rng *rng, loom_shape s, loom_dtype t)
{
    CHECK_RNG(rng);
    if (t == LOOM_DEFAULT_DTYPE)
        t = LOOM_FLOAT64;
    if (t != LOOM_FLOAT32 && t != LOOM_FLOAT64)
        return graph_poison(rng->ctx, LOOM_ERR_TYPE,
                            "Unsupported dtype %s for random",
                            loom_dtype_name(t));
    void *d;
    loom_array *a = fresh(rng, s, t, &d);
    if (a->op == GRAPH_OP_ERROR)
        return a;
    int64_t n = loom_size(a);
    if (t == LOOM_FLOAT32)
        rt_rng_random_f32(&rng->r, d, n);
    else
        rt_rng_random_f64(&rng->r, d, n);
    return a;
}

loom_array *loom_rng_standard_normal(loom_rng *rng, loom_shape s,
                                     loom_dtype t)
{
    CHECK_RNG(rng);
    if (t == LOOM_DEFAULT_DTYPE)
        t = LOOM_FLOAT64;
    if (t != LOOM_FLOAT32 && t != LOOM_FLOAT64)
        return graph_poison(rng->ctx, LOOM_ERR_TYPE,
                            "Unsupported dtype %s for standard_normal",
                            loom_dtype_name(t));
    void *d;
    loom_array *a = fresh(rng, s, t, &d);
    if (a->op == GRAPH_OP_ERROR)
        return a;
    if (t == LOOM_FLOAT32)
        rt_rng_normal_f32(&rng->r, d, loom_size(a));
    else
        rt_rng_standard_normal_f64(&rng->r, d, loom_size(a));
    return a;
}

loom_array *loom_rng_normal(loom_rng *rng, double loc, double scale,
                            loom_shape s)
{
    CHECK_RNG(rng);
    void *d;
    loom_array *a = fresh(rng, s, LOOM_FLOAT64, &d);
    if (a->op == GRAPH_OP_ERROR)
        return a;
    int rc = rt_rng_normal_f64(&rng->r, d, loom_size(a), loc, scale);
    return rc ? rng_error(rng, rc) : a;
}

loom_array *loom_rng_uniform(loom_rng *rng, double low, double high,
                             loom_shape s)
{
    CHECK_RNG(rng);
    void *d;
    loom_array *a = fresh(rng, s, LOOM_FLOAT64, &d);
    if (a->op == GRAPH_OP_ERROR)
        return a;
    int rc = rt_rng_uniform_f64(&rng->r, d, loom_size(a), low, high);
    return rc ? rng_error(rng, rc) : a;
}

loom_array *loom_rng_exponential(loom_rng *rng, double scale, loom_shape s)
{
    CHECK_RNG(rng);
    void *d;
    loom_array *a = fresh(rng, s, LOOM_FLOAT64, &d);
    if (a->op == GRAPH_OP_ERROR)
        return a;
    int rc = rt_rng_exponential_f64(&rng->r, d, loom_size(a), scale);
    return rc ? rng_error(rng, rc) : a;
}

loom_array *loom_rng_integers(loom_rng *rng, int64_t low, int64_t high,
                              loom_shape s, loom_dtype t, bool endpoint)
{
    CHECK_RNG(rng);
    if (t == LOOM_DEFAULT_DTYPE)
        t = LOOM_INT64;
    if (t != LOOM_INT32 && t != LOOM_INT64)
        return graph_poison(rng->ctx, LOOM_ERR_TYPE,
                            "Unsupported dtype %s for integers",
                            loom_dtype_name(t));
    void *d;
    loom_array *a = fresh(rng, s, t, &d);
    if (a->op == GRAPH_OP_ERROR)
        return a;
    int rc = t == LOOM_INT32
                 ? rt_rng_integers_i32(&rng->r, d, loom_size(a), low, high,
                                       endpoint)
                 : rt_rng_integers_i64(&rng->r, d, loom_size(a), low, high,
                                       endpoint);
    return rc ? rng_error(rng, rc) : a;
}

/* Rows of a picked by idx (n indices) along axis 0. */
static loom_array *pick_rows(loom_rng *g, loom_array *a, loom_array *idx)
{
    (void)g;
    return loom_take(a, idx, 0);
}

loom_array *loom_rng_choice(loom_rng *rng, int64_t n, loom_array *a,
                            loom_shape s, bool replace, loom_array *p)
{
    CHECK_RNG(rng);
    loom_ctx *ctx = rng->ctx;
    int64_t pop = n;
    unsigned flags = replace ? RT_RNG_REPLACE : 0;
    if (a) {
        if (a->status)
            return graph_push(ctx, a);
        if (a->ndim == 0)
            return graph_poison(ctx, LOOM_ERR_VALUE,
                                "a must be a sequence or an integer, not a "
                                "0-d array");
        pop = a->shape[0];
        flags |= RT_RNG_FROM_ARRAY;
    }
    const double *pd = NULL;
    if (p) {
        if (p->status)
            return graph_push(ctx, p);
        if (p->ndim != 1)
            return graph_poison(ctx, LOOM_ERR_VALUE, "%s",
                                rt_rng_strerror(RT_RNG_E_P_NDIM));
        if (p->shape[0] != pop)
            return graph_poison(ctx, LOOM_ERR_VALUE, "%s",
                                rt_rng_strerror(RT_RNG_E_P_SIZE));
        if (p->dtype == LOOM_FLOAT32)
            flags |= RT_RNG_P_F32;
        loom_array *p64 = loom_astype(p, LOOM_FLOAT64);
        if (!(pd = loom_data(p64)))
            return graph_push(ctx, p64->status ? p64 : p);
    }
    void *d;
    loom_array *idx = fresh(rng, s, LOOM_INT64, &d);
    if (idx->op == GRAPH_OP_ERROR)
        return idx;
    int rc = rt_rng_choice(&rng->r, pop, d, loom_size(idx), flags, pd);
    if (rc)
        return rng_error(rng, rc);
    return a ? pick_rows(rng, a, idx) : idx;
}

loom_array *loom_rng_permutation(loom_rng *rng, int64_t n, loom_array *a)
{
    CHECK_RNG(rng);
    if (a) {
        if (a->status)
            return graph_push(rng->ctx, a);
        if (a->ndim == 0)
            return graph_poison(rng->ctx, LOOM_ERR_VALUE,
                                "x must be an integer or at least 1-dimensional");
        n = a->shape[0];
    }
    if (n < 0)
        return graph_poison(rng->ctx, LOOM_ERR_VALUE,
                            "negative dimensions are not allowed");
    void *d;
    loom_array *idx = fresh(rng, LOOM_SHAPE(n), LOOM_INT64, &d);
    if (idx->op == GRAPH_OP_ERROR)
        return idx;
    rt_rng_permutation(&rng->r, d, n);
    return a ? pick_rows(rng, a, idx) : idx;
}

/* Shuffling evaluates a, copies its rows and shuffles them as NumPy's
 * in-place shuffle would. */
loom_array *loom_rng_shuffle(loom_rng *rng, loom_array *a)
{
    CHECK_RNG(rng);
    loom_array *bad = graph_check_inputs(rng->ctx, "shuffle", 1, &a);
    if (bad)
        return bad;
    if (a->ndim == 0)
        return graph_poison(rng->ctx, LOOM_ERR_VALUE,
                            "shuffle: array must be at least 1-dimensional");
    const void *src = loom_data(a);
    if (!src)
        return graph_push(rng->ctx, a);
    void *d;
    loom_array *r = fresh(rng, loom_shape_of(a), (loom_dtype)a->dtype, &d);
    if (r->op == GRAPH_OP_ERROR)
        return r;
    size_t bytes = (size_t)loom_size(a) * loom_dtype_size(a->dtype);
    memcpy(d, src, bytes);
    size_t rowbytes = a->shape[0] ? bytes / (size_t)a->shape[0] : 0;
    void *tmp = rt_malloc(&rng->ctx->alloc, rowbytes ? rowbytes : 1);
    if (!tmp)
        return graph_poison(rng->ctx, LOOM_ERR_MEMORY, "shuffle: out of memory");
    rt_rng_shuffle_rows(&rng->r, d, a->shape[0], rowbytes, tmp);
    rt_free(&rng->ctx->alloc, tmp, rowbytes ? rowbytes : 1);
    return r;
}
