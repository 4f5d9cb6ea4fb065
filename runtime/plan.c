/*
 * plan.c -- the plan cache: evaluating a graph whose structure was seen
 * before skips optimizing, fusing, lowering and compiling.
 *
 * The key of an evaluation is its requested graph written down in a
 * canonical order (depth first from the requests): every node's op, dtype,
 * shape, attributes and inputs (as positions), and for each realized input
 * its dtype, shape, strides and offset -- everything that the plan and the
 * kernels' parameters depend on, nothing that names a particular buffer.
 * A new batch of data through the same code is a hit.
 *
 * A template records, from a program that ran: each step with its machine
 * code and parameter values, where each buffer argument comes from (input
 * k, memory slot j, scratch), the memory plan, and how each requested
 * array is realized (a slot or an input, with strides and offset).  Running
 * a template allocates the slots and runs the steps.
 *
 * Runtime calls keep a shallow copy of their CALL node (op, dtype, shape,
 * attributes): calls read nothing else of it (runtime/call.h).
 */
#include "runtime/exec.h"
#include "runtime/call.h"
#include "runtime/pool.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_TEMPLATES 64

enum { REF_LEAF, REF_MEM, REF_SCRATCH };

typedef struct ref {
    int kind, index;
    int64_t offset; /* bytes from the buffer's data */
    int64_t strides[LOOM_MAX_DIMS];
} ref;

typedef struct tstep {
    fuse_step_kind kind;
    /* kernels */
    jit_fn fn, combine;
    int64_t *params;
    int nparams, chunk_param, naccs, vec_param;
    int64_t split_extent, extent0, total, grain;
    int nbind;
    ref bind[JIT_MAX_BUFS];
    /* calls */
    loom_array node; /* shallow copy: op, dtype, shape, attr */
    int nin, nout;
    ref in[RT_CALL_MAXIO], out[RT_CALL_MAXIO];
    rt_view vin[RT_CALL_MAXIO], vout[RT_CALL_MAXIO];
} tstep;

typedef struct tmem {
    int64_t nbytes;
    int first, last, reuse;
    bool output, tiled;
} tmem;

typedef struct rt_template {
    uint64_t hash;
    char *key;
    size_t keylen;
    int nsteps, nmem, nout, nleaves;
    tstep *steps;
    tmem *mem;
    ref *outs;
    rt_tile *tiles;
    int ntiles;
    int kernels, calls;
    int64_t bytes, peak;
    uint64_t used; /* for eviction: the last evaluation that used it */
} rt_template;

typedef struct rt_plans {
    loom_ctx *ctx;
    rt_template *t[MAX_TEMPLATES];
    int n;
    uint64_t clock;
    unsigned generation; /* of the kernel cache the templates point into */
} rt_plans;

/* Bumped by rt_plan_forget_all (loom_kernel_cache_clear): every context
 * drops its templates at its next lookup. */
static atomic_uint plan_generation;

void rt_plan_forget_all(void)
{
    atomic_fetch_add(&plan_generation, 1);
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* ---- keys ---- */

typedef struct keybuf {
    char *b;
    size_t n, cap;
    bool oom;
} keybuf;

static void put(keybuf *k, const void *p, size_t n)
{
    if (k->oom)
        return;
    if (k->n + n > k->cap) {
        size_t c = k->cap ? k->cap * 2 : 1024;
        while (c < k->n + n)
            c *= 2;
        char *b = realloc(k->b, c);
        if (!b) {
            k->oom = true;
            return;
        }
        k->b = b;
        k->cap = c;
    }
    memcpy(k->b + k->n, p, n);
    k->n += n;
}

static void put64(keybuf *k, int64_t v)
{
    put(k, &v, sizeof v);
}

/*
 * Writes the request DAG in depth-first post-order.  Nodes are numbered
 * by a stamp in tmp (unique to this evaluation) and their position in
 * tmp2; realized nodes are listed in leaves[] in the order met.
 */
static int key_node(keybuf *k, loom_array *a, int32_t stamp, int *next,
                    loom_array **leaves, int *nleaves, int maxleaves,
                    int depth)
{
    if (a->tmp == stamp)
        return a->tmp2;
    if (depth > 1000) {
        k->oom = true; /* too deep to key: not cached */
        return 0;
    }
    if (a->buf) {
        if (*nleaves == maxleaves) {
            k->oom = true;
            return 0;
        }
        leaves[(*nleaves)++] = a;
        put64(k, -1 - (int64_t)a->dtype);
        put64(k, a->ndim);
        put(k, a->shape, (size_t)a->ndim * sizeof(int64_t));
        put(k, a->strides, (size_t)a->ndim * sizeof(int64_t));
        put64(k, a->offset);
    } else {
        int in[128];
        if (a->nin > 128) {
            k->oom = true;
            return 0;
        }
        for (int i = 0; i < a->nin; i++)
            in[i] = key_node(k, a->in[i], stamp, next, leaves, nleaves,
                             maxleaves, depth + 1);
        put64(k, (int64_t)a->op << 16 | a->dtype << 8 | (a->flags & GRAPH_WEAK));
        put64(k, a->ndim);
        put(k, a->shape, (size_t)a->ndim * sizeof(int64_t));
        put64(k, a->nin);
        for (int i = 0; i < a->nin; i++)
            put64(k, in[i]);
        put(k, a->attr, sizeof a->attr);
        put64(k, a->value.i);
    }
    a->tmp = stamp;
    a->tmp2 = (*next)++;
    return a->tmp2;
}

/* Keys are whole int64 words. */
static uint64_t hash_words(const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x100000001b3ull;
        h ^= h >> 29;
    }
    return h;
}

/* ---- the cache ---- */

static void template_free(rt_template *t)
{
    if (!t)
        return;
    for (int i = 0; i < t->nsteps; i++)
        free(t->steps[i].params);
    free(t->steps);
    free(t->mem);
    free(t->outs);
    free(t->tiles);
    free(t->key);
    free(t);
}

static void plans_free(void *p)
{
    rt_plans *pl = p;
    for (int i = 0; i < pl->n; i++)
        template_free(pl->t[i]);
    rt_free(&pl->ctx->alloc, pl, sizeof *pl);
}

static rt_plans *plans_of(loom_ctx *ctx)
{
    unsigned gen = atomic_load(&plan_generation);
    if (ctx->plans) {
        rt_plans *pl = ctx->plans;
        if (pl->generation != gen) {
            for (int i = 0; i < pl->n; i++)
                template_free(pl->t[i]);
            pl->n = 0;
            pl->generation = gen;
        }
        return pl;
    }
    rt_plans *pl = rt_malloc(&ctx->alloc, sizeof *pl);
    if (!pl)
        return NULL;
    memset(pl, 0, sizeof *pl);
    pl->ctx = ctx;
    pl->generation = gen;
    if (!graph_ctx_on_free(ctx, plans_free, pl)) {
        rt_free(&ctx->alloc, pl, sizeof *pl);
        return NULL;
    }
    ctx->plans = pl;
    return pl;
}

/* ---- building a template from a program that ran ---- */

/* Which buffer holds address p: an input's or a slot's. */
static bool locate(const rt_program *p, loom_array *const *leaves, int nleaves,
                   const char *addr, ref *r)
{
    for (int i = 0; i < nleaves; i++) {
        const rt_buffer *b = leaves[i]->buf;
        const char *d = b->data;
        if (addr >= d && addr <= d + b->nbytes) {
            *r = (ref){REF_LEAF, i, (int64_t)(addr - d), {0}};
            return true;
        }
    }
    for (int j = 0; j < p->nmem; j++) {
        const rt_buffer *b = p->mem[j].buf;
        if (!b)
            continue;
        const char *d = b->data;
        if (addr >= d && addr <= d + b->nbytes) {
            *r = (ref){REF_MEM, j, (int64_t)(addr - d), {0}};
            return true;
        }
    }
    return false;
}

static bool leaf_or_slot(const rt_program *p, loom_array *const *leaves,
                         int nleaves, const loom_array *a, ref *r)
{
    for (int i = 0; i < nleaves; i++)
        if (leaves[i] == a) {
            *r = (ref){REF_LEAF, i, 0, {0}};
            return true;
        }
    for (int j = 0; j < p->nmem; j++)
        if (p->mem[j].node == a) {
            *r = (ref){REF_MEM, j, 0, {0}};
            return true;
        }
    return false;
}

/*
 * Records program p (built and run for the key in kb) as a template.
 * Returns NULL when p cannot be replayed from a template (a realized node
 * that is not an input of the request, for example); the evaluation is
 * then simply not cached.  Buffers must still be alive: called after the
 * run, before the program is freed.
 */
static rt_template *record(const rt_program *p, loom_array *const *leaves,
                           int nleaves, keybuf *kb, uint64_t hash)
{
    rt_template *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->hash = hash;
    t->nleaves = nleaves;
    t->nsteps = p->plan.nsteps;
    t->nmem = p->nmem;
    t->nout = p->nout;
    t->steps = calloc((size_t)t->nsteps + 1, sizeof *t->steps);
    t->mem = calloc((size_t)t->nmem + 1, sizeof *t->mem);
    t->outs = calloc((size_t)t->nout + 1, sizeof *t->outs);
    if (!t->steps || !t->mem || !t->outs)
        goto fail;
    for (int j = 0; j < p->nmem; j++)
        t->mem[j] = (tmem){p->mem[j].nbytes, p->mem[j].first, p->mem[j].last,
                           p->mem[j].reuse, p->mem[j].output, p->mem[j].tiled};
    if (p->ntiles) {
        if (!(t->tiles = malloc((size_t)p->ntiles * sizeof *t->tiles)))
            goto fail;
        memcpy(t->tiles, p->tiles, (size_t)p->ntiles * sizeof *t->tiles);
        t->ntiles = p->ntiles;
    }
    for (int i = 0; i < t->nsteps; i++) {
        const fuse_step *st = &p->plan.steps[i];
        const rt_kstep *ks = &p->ks[i];
        tstep *ts = &t->steps[i];
        ts->kind = st->kind;
        if (st->kind == FUSE_KERNEL) {
            const jit_kernel *k = &ks->k;
            ts->fn = ks->fn;
            ts->combine = ks->cinfo.combine;
            ts->nparams = k->nparams;
            ts->params = malloc((size_t)(k->nparams + 1) * sizeof(int64_t));
            if (!ts->params)
                goto fail;
            memcpy(ts->params, k->params, (size_t)k->nparams * sizeof(int64_t));
            ts->chunk_param = k->chunk_param;
            ts->vec_param = jit_split_vec_param(k);
            ts->naccs = k->naccs;
            ts->split_extent = k->split_extent;
            ts->extent0 = ks->extent0;
            ts->grain = ks->grain;
            ts->total = graph_numel(st->ndom, st->dom);
            ts->nbind = ks->nbind;
            for (int b = 0; b < ks->nbind; b++) {
                if (!ks->bind[b].node)
                    ts->bind[b] = (ref){REF_SCRATCH, 0, 0, {0}};
                else if (!leaf_or_slot(p, leaves, nleaves, ks->bind[b].node,
                                       &ts->bind[b]))
                    goto fail;
            }
            t->kernels++;
            t->bytes += ks->bytes;
            continue;
        }
        /* a call: its views, located in the buffers */
        loom_array *node = rt_call_node(st);
        ts->node = *node;
        ts->node.in = NULL;
        ts->node.nin = 0;
        ts->node.buf = NULL;
        ts->node.msg = NULL;
        ts->nin = node->nin < RT_CALL_MAXIO ? node->nin : RT_CALL_MAXIO;
        for (int k = 0; k < ts->nin; k++) {
            rt_exec_view(p, node->in[k], &ts->vin[k]);
            if (!locate(p, leaves, nleaves, ts->vin[k].data, &ts->in[k]))
                goto fail;
        }
        ts->nout = 0;
        for (int o = 0; o < st->nout; o++) {
            loom_array *a = st->out[o];
            int k = a->op == GRAPH_OP_CALL_OUT ? (int)a->attr[0] : 0;
            if (k >= RT_CALL_MAXIO)
                continue;
            rt_exec_view(p, a, &ts->vout[k]);
            if (!locate(p, leaves, nleaves, ts->vout[k].data, &ts->out[k]))
                goto fail;
            if (k + 1 > ts->nout)
                ts->nout = k + 1;
        }
        t->calls++;
    }
    /* requested arrays: views (strides, element offset) of a buffer */
    for (int o = 0; o < p->nout; o++) {
        loom_array *r = p->req[o];
        ref *out = &t->outs[o];
        out->kind = -1;
        for (int i = 0; i < nleaves && r->buf && out->kind < 0; i++)
            if (leaves[i]->buf == r->buf)
                *out = (ref){REF_LEAF, i, r->offset, {0}};
        for (int j = 0; j < p->nmem && r->buf && out->kind < 0; j++)
            if (p->mem[j].buf == r->buf)
                *out = (ref){REF_MEM, j, r->offset, {0}};
        if (out->kind < 0)
            goto fail;
        memcpy(out->strides, r->strides, sizeof out->strides);
    }
    t->peak = p->peak_bytes;
    t->key = kb->b;
    t->keylen = kb->n;
    kb->b = NULL;
    return t;
fail:
    template_free(t);
    return NULL;
}

/* ---- running a template ---- */

typedef struct tjob {
    jit_fn fn;
    void **bufs;
    const int64_t *params;
} tjob;

static void run_range(void *ud, int64_t lo, int64_t hi)
{
    tjob *j = ud;
    j->fn(j->bufs, j->params, lo, hi);
}

static void run_chunks(void *ud, int64_t lo, int64_t hi)
{
    tjob *j = ud;
    for (int64_t c = lo; c < hi; c++)
        j->fn(j->bufs, j->params, c, c + 1);
}

static char *ref_addr(const ref *r, loom_array *const *leaves,
                      rt_buffer **mem, void *scratch)
{
    if (r->kind == REF_SCRATCH)
        return scratch;
    rt_buffer *b = r->kind == REF_LEAF ? leaves[r->index]->buf : mem[r->index];
    return b ? (char *)b->data + r->offset : NULL;
}

static loom_status run_kernel(loom_ctx *ctx, const tstep *ts,
                              loom_array *const *leaves, rt_buffer **mem)
{
    int64_t params[512], *P = params;
    if (ts->nparams > 512 &&
        !(P = malloc((size_t)ts->nparams * sizeof(int64_t))))
        return LOOM_ERR_MEMORY;
    memcpy(P, ts->params, (size_t)ts->nparams * sizeof(int64_t));
    int64_t nchunks = 0;
    size_t scratch = 0;
    if (ts->chunk_param >= 0) {
        int t = ctx->threads;
        int64_t chunk = (ts->split_extent + 4 * t - 1) / (4 * t);
        if (chunk < 4096)
            chunk = 4096;
        nchunks = (ts->split_extent + chunk - 1) / chunk;
        P[ts->chunk_param] = chunk;
        scratch = (size_t)nchunks * (size_t)ts->naccs * KIR_ACC_BYTES;
        if (ts->vec_param >= 0) /* a set of column accumulators per chunk */
            scratch *= (size_t)P[ts->vec_param];
    } else {
        scratch = (size_t)ts->extent0 * (size_t)ts->naccs * KIR_ACC_BYTES;
    }
    bool need_scratch = false;
    for (int b = 0; b < ts->nbind; b++)
        need_scratch = need_scratch || ts->bind[b].kind == REF_SCRATCH;
    void *sbuf = NULL, *sblock = NULL;
    if (need_scratch &&
        !(sbuf = rt_malloc_aligned(&ctx->alloc, scratch ? scratch : 1, &sblock))) {
        if (P != params)
            free(P);
        return LOOM_ERR_MEMORY;
    }
    void *bufs[JIT_MAX_BUFS];
    for (int b = 0; b < ts->nbind; b++)
        bufs[b] = ref_addr(&ts->bind[b], leaves, mem, sbuf);
    tjob j = {ts->fn, bufs, P};
    if (ts->total > 0 && ts->chunk_param >= 0) {
        rt_parallel_for(ctx->threads, nchunks, 1, run_chunks, &j);
        ts->combine(bufs, P, 0, nchunks);
    } else if (ts->total > 0 && ts->extent0 == 0) {
        ts->fn(bufs, P, 0, 1);
    } else if (ts->total > 0) {
        rt_parallel_for(ctx->threads, ts->extent0, ts->grain, run_range, &j);
    }
    if (sblock)
        rt_free_aligned(&ctx->alloc, sblock, scratch ? scratch : 1);
    if (P != params)
        free(P);
    return LOOM_OK;
}

/* Sets up c for call step ts: its node and views, at their addresses. */
static void call_setup(loom_ctx *ctx, const tstep *ts, loom_array *const *leaves,
                       rt_buffer **mem, rt_call *c)
{
    memset(c, 0, sizeof *c);
    c->ctx = ctx;
    c->node = &ts->node;
    c->threads = ctx->threads;
    c->nin = ts->nin;
    c->nout = ts->nout;
    for (int k = 0; k < ts->nin; k++) {
        c->in[k] = ts->vin[k];
        c->in[k].data = ref_addr(&ts->in[k], leaves, mem, NULL);
    }
    for (int k = 0; k < ts->nout; k++) {
        c->out[k] = ts->vout[k];
        c->out[k].data = ts->vout[k].data ? ref_addr(&ts->out[k], leaves, mem, NULL)
                                          : NULL;
    }
}

static loom_status run_call(loom_ctx *ctx, const tstep *ts,
                            loom_array *const *leaves, rt_buffer **mem)
{
    rt_call c;
    call_setup(ctx, ts, leaves, mem, &c);
    loom_status s = rt_calls[rt_call_which(&ts->node)].fn(&c);
    if (s)
        graph_ctx_error(ctx, s, "%s", c.msg[0] ? c.msg : "runtime call failed");
    return s;
}

static loom_status run_step(loom_ctx *ctx, const tstep *ts, loom_array *const *leaves,
                           rt_buffer **mem)
{
    return ts->kind == FUSE_KERNEL ? run_kernel(ctx, ts, leaves, mem)
                                   : run_call(ctx, ts, leaves, mem);
}

/* Runs tiled chain tl (runtime/tile.c) of template t. */
static loom_status run_tiled(loom_ctx *ctx, const rt_template *t, const rt_tile *tl,
                             loom_array *const *leaves, rt_buffer **mem)
{
    int n = tl->last - tl->first + 1, nm = 0;
    rt_tstep *rs = malloc((size_t)n * sizeof *rs);
    if (!rs) {
        graph_ctx_error(ctx, LOOM_ERR_MEMORY, "tiled chain: out of memory");
        return LOOM_ERR_MEMORY;
    }
    for (int st = tl->first; st <= tl->last; st++) {
        if (!rt_tile_member(tl, st))
            continue;
        int i = nm++;
        const tstep *ts = &t->steps[st];
        rs[i].call = ts->kind != FUSE_KERNEL;
        if (rs[i].call) {
            call_setup(ctx, ts, leaves, mem, &rs[i].c);
            continue;
        }
        rs[i].fn = ts->fn;
        rs[i].params = ts->params;
        rs[i].extent0 = ts->extent0;
        rs[i].nbind = ts->nbind;
        for (int b = 0; b < ts->nbind; b++)
            rs[i].bufs[b] = ref_addr(&ts->bind[b], leaves, mem, NULL);
    }
    char *base[RT_TILE_MAXSLOT];
    int64_t bytes[RT_TILE_MAXSLOT];
    for (int q = 0; q < tl->nslot; q++) {
        base[q] = mem[tl->slot[q]]->data;
        bytes[q] = t->mem[tl->slot[q]].nbytes;
    }
    loom_status s = rt_tile_run(ctx, tl, rs, base, bytes);
    free(rs);
    return s;
}

/* Gives the slots first materialized by step i their memory. */
static loom_status alloc_step(loom_ctx *ctx, const rt_template *t, rt_buffer **mem, int i)
{
    for (int j = 0; j < t->nmem; j++) {
        const tmem *m = &t->mem[j];
        if (m->first != i)
            continue;
        if (m->reuse >= 0 && mem[m->reuse]) {
            mem[j] = mem[m->reuse];
            if (t->mem[m->reuse].last == i) /* in place */
                rt_buffer_ref(mem[j]);
            else
                mem[m->reuse] = NULL;
        } else if (!(mem[j] = m->tiled ? rt_buffer_reserve(&ctx->alloc, (size_t)m->nbytes)
                                       : rt_buffer_pooled(ctx->pool, (size_t)m->nbytes,
                                                          false))) {
            graph_ctx_error(ctx, LOOM_ERR_MEMORY,
                            "Unable to allocate %lld bytes for an array",
                            (long long)m->nbytes);
            return LOOM_ERR_MEMORY;
        }
    }
    return LOOM_OK;
}

/* Drops the slots step i read last (unless a later step takes them over). */
static void release_step(const rt_template *t, rt_buffer **mem, int i)
{
    for (int j = 0; j < t->nmem; j++) {
        const tmem *m = &t->mem[j];
        bool reused = false;
        for (int q = j + 1; q < t->nmem; q++)
            reused = reused || (t->mem[q].reuse == j && t->mem[q].first > i);
        if (m->last == i && !m->output && !reused && mem[j]) {
            rt_buffer_unref(mem[j]);
            mem[j] = NULL;
        }
    }
}

static loom_status run_template(loom_ctx *ctx, const rt_template *t,
                                loom_array *const *leaves, loom_array *const *req)
{
    rt_buffer *membuf[256], **mem = membuf;
    if (t->nmem > 256 && !(mem = calloc((size_t)t->nmem, sizeof *mem)))
        return LOOM_ERR_MEMORY;
    memset(mem, 0, (size_t)(t->nmem < 256 ? 256 : t->nmem) * sizeof *mem);
    loom_status s = LOOM_OK;
    for (int i = 0; i < t->nsteps && !s; i++) {
        const rt_tile *tl = rt_tile_at(t->tiles, t->ntiles, i);
        if (tl) {
            for (int q = i; q <= tl->last && !s; q++)
                s = alloc_step(ctx, t, mem, q);
            for (int q = i; q <= tl->last && !s; q++) /* steps that run first */
                if (!rt_tile_member(tl, q))
                    s = run_step(ctx, &t->steps[q], leaves, mem);
            if (!s)
                s = run_tiled(ctx, t, tl, leaves, mem);
            for (int q = i; q <= tl->last; q++)
                release_step(t, mem, q);
            i = tl->last;
            continue;
        }
        if ((s = alloc_step(ctx, t, mem, i)))
            break;
        s = run_step(ctx, &t->steps[i], leaves, mem);
        release_step(t, mem, i);
    }
    for (int o = 0; o < t->nout && !s; o++) {
        const ref *r = &t->outs[o];
        rt_buffer *b = r->kind == REF_LEAF ? leaves[r->index]->buf : mem[r->index];
        if (b)
            graph_set_buffer(req[o], b, r->strides, r->offset);
    }
    for (int j = 0; j < t->nmem; j++)
        if (mem[j])
            rt_buffer_unref(mem[j]);
    if (mem != membuf)
        free(mem);
    return s;
}

/* ---- entry points used by loom_eval_many ---- */

struct rt_lookup {
    keybuf kb;
    uint64_t hash;
    loom_array *leaves[512];
    int nleaves;
    bool ok;
};

rt_lookup *rt_plan_lookup_new(void)
{
    rt_lookup *l = malloc(sizeof *l);
    if (l) {
        l->kb = (keybuf){NULL, 0, 0, false};
        l->nleaves = 0;
        l->ok = false;
    }
    return l;
}

void rt_plan_lookup_free(rt_lookup *l)
{
    if (l) {
        free(l->kb.b);
        free(l);
    }
}

loom_status rt_plan_try(loom_ctx *ctx, loom_array *const *arrs, int n,
                        rt_lookup *l, bool *hit)
{
    *hit = false;
    int32_t stamp = INT32_MIN + (int32_t)(++ctx->eval_serial & 0x3fffffff);
    int next = 0;
    put64(&l->kb, ctx->eager);
    put64(&l->kb, n);
    for (int i = 0; i < n; i++)
        put64(&l->kb, key_node(&l->kb, arrs[i], stamp, &next, l->leaves,
                               &l->nleaves, 512, 0));
    l->ok = !l->kb.oom;
    if (!l->ok)
        return LOOM_OK;
    l->hash = hash_words(l->kb.b, l->kb.n);
    rt_plans *pl = plans_of(ctx);
    if (!pl)
        return LOOM_OK;
    for (int i = 0; i < pl->n; i++) {
        rt_template *t = pl->t[i];
        if (t->hash != l->hash || t->keylen != l->kb.n ||
            memcmp(t->key, l->kb.b, l->kb.n))
            continue;
        double t0 = now_ms();
        t->used = ++pl->clock;
        loom_status s = run_template(ctx, t, l->leaves, arrs);
        loom_eval_stats st = {0};
        st.kernels = t->kernels;
        st.calls = t->calls;
        st.cache_hits = t->kernels;
        st.run_ms = now_ms() - t0;
        st.total_ms = st.run_ms;
        st.bytes_moved = t->bytes;
        st.peak_bytes = t->peak;
        ctx->stats = st;
        *hit = true;
        return s;
    }
    return LOOM_OK;
}

void rt_plan_store(loom_ctx *ctx, const rt_program *p, rt_lookup *l)
{
    if (!l->ok)
        return;
    rt_plans *pl = plans_of(ctx);
    if (!pl)
        return;
    rt_template *t = record(p, l->leaves, l->nleaves, &l->kb, l->hash);
    if (!t)
        return;
    t->used = ++pl->clock;
    if (pl->n < MAX_TEMPLATES) {
        pl->t[pl->n++] = t;
        return;
    }
    int old = 0;
    for (int i = 1; i < pl->n; i++)
        if (pl->t[i]->used < pl->t[old]->used)
            old = i;
    template_free(pl->t[old]);
    pl->t[old] = t;
}
