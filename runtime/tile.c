/*
 * tile.c -- tiled chains: a batched matrix product and the steps after it
 * that consume its result, run one batch element (slab) at a time.
 *
 * Prefix rt_tile_.  Fusion cannot reach through a matrix product (it is a
 * BLAS call), so attention's scores, their masked softmax and the second
 * product are three steps with two whole (b, h, L, L) arrays between
 * them: 100 MB each at attention's benchmark size, written to memory and
 * read back.  Per slab they are 1 MB.  Running the chain slab by slab,
 * each thread a range of slabs with its own slab-sized intermediates,
 * keeps them in the caches; the products run single-threaded per slab,
 * which is how a stack of small products runs anyway (runtime/blas.c).
 *
 * A step joins a chain when every slab of its output depends on the same
 * slab of its inputs only:
 *   - a matrix product whose batch axes are the chain's;
 *   - a kernel whose parallel loop runs over the chain's batch axes (and
 *     possibly more of the leading axes, in C order), with no split
 *     reduction, and that indexes every intermediate of the chain as
 *     (parallel index) * (slab size) + (terms within the slab).
 * The intermediates -- outputs of all but the last step -- must not be
 * needed after the chain.  Eager evaluations do not tile (every
 * intermediate is materialized whole there, by definition).
 *
 * Addresses: the steps are set up as for a whole run (the intermediates'
 * whole buffers exist but are never touched), and every address inside
 * an intermediate's buffer is moved into the slab buffer: a kernel gets a
 * base pointer shifted back by s slabs, so that its own indexing of
 * iterations of slab s lands in the slab buffer; a call gets views cut to
 * batch element s.
 */
#include "runtime/exec.h"
#include "runtime/pool.h"

#include <stdatomic.h>
#include <string.h>

/* ---- finding chains ---- */

/* The matrix product computed by step i, or NULL. */
static const loom_array *product(const rt_program *p, int i)
{
    const fuse_step *st = &p->plan.steps[i];
    if (st->kind == FUSE_KERNEL)
        return NULL;
    for (int o = 0; o < st->nout; o++)
        if (st->out[o]->op == GRAPH_OP_MATMUL)
            return st->out[o];
    return NULL;
}

/* The memory-plan slot of node a (through views), or -1. */
static int slot_of(const rt_program *p, const loom_array *a)
{
    while (!a->buf && a->tmp < 0 && graph_ops[a->op].kind == GRAPH_MOVE)
        a = a->in[0];
    if (a->buf || a->tmp < 0 || a->tmp2 >= p->nmem || p->mem[a->tmp2].node != a)
        return -1;
    return a->tmp2;
}

/* Whether the leading axes of shape, up to some axis, hold nslabs
 * elements: a slab is then a block of the trailing axes.  (Batch axes may
 * be merged or split between steps: the scores of attention are a stack
 * of b*h products, viewed as (b, h, L, L).) */
static bool slab_prefix(int ndim, const int64_t *shape, int64_t nslabs)
{
    int64_t e = 1;
    for (int q = 0; q < ndim && e < nslabs; q++)
        e *= shape[q];
    return e == nslabs;
}

/* Batch axes of a product with an ndim-dimensional result. */
static int batch_axes(int ndim)
{
    return ndim - 2;
}

/* The variable of kernel k's parallel loop, or -1. */
static int parallel_var(const jit_kernel *k)
{
    for (int j = 0; j < k->nstmts; j++)
        if (k->stmts[j].op == KS_LOOP && (k->stmts[j].c & KIR_LOOP_PARALLEL))
            return k->stmts[j].a;
    return -1;
}

/* Whether step i can run slab by slab over t's batch axes, leaving aside
 * how it indexes the intermediates (chain_ok checks that). */
static bool step_fits(const rt_program *p, int i, const rt_tile *t)
{
    const fuse_step *st = &p->plan.steps[i];
    const loom_array *mm = product(p, i);
    if (mm) {
        if (mm->ndim < 3 || graph_numel(batch_axes(mm->ndim), mm->shape) != t->nslabs)
            return false;
        for (int k = 0; k < mm->nin; k++)
            if (mm->in[k]->ndim != mm->ndim)
                return false;
        return true;
    }
    const rt_kstep *ks = &p->ks[i];
    if (st->kind != FUSE_KERNEL || ks->k.chunk_param >= 0 || ks->k.scratch >= 0 ||
        ks->extent0 <= 0 || ks->extent0 % t->nslabs ||
        !slab_prefix(st->ndom, st->dom, t->nslabs) || parallel_var(&ks->k) < 0)
        return false;
    /* the parallel loop runs over leading axes, at least the slabs' */
    return slab_prefix(st->ndom, st->dom, ks->extent0);
}

/* Whether step j reads an output of steps [first, j). */
static bool reads_chain(const rt_program *p, int j, int first)
{
    const fuse_step *st = &p->plan.steps[j];
    const rt_kstep *ks = &p->ks[j];
    const loom_array *mm = product(p, j);
    int n = mm ? mm->nin : ks->nbind;
    for (int b = 0; b < n; b++) {
        const loom_array *a = mm ? mm->in[b] : ks->bind[b].node;
        int q = a && (mm || !ks->bind[b].output) ? slot_of(p, a) : -1;
        if (q >= 0 && p->mem[q].first >= first && p->mem[q].first < j)
            return true;
    }
    (void)st;
    return false;
}

static bool is_slot(const rt_tile *t, int q)
{
    for (int i = 0; i < t->nslot; i++)
        if (t->slot[i] == q)
            return true;
    return false;
}

/* Whether the view a call gets of node a over intermediate q keeps
 * element s of its batch axes in slab s of the intermediate (C order). */
static bool call_view_ok(const rt_program *p, const rt_tile *t, const loom_array *a, int q)
{
    const loom_array *base = p->mem[q].node;
    int64_t bs[LOOM_MAX_DIMS], vs[LOOM_MAX_DIMS], off = 0;
    graph_c_strides(base->ndim, base->shape, bs);
    if (a == base)
        memcpy(vs, bs, sizeof vs);
    else if (!fuse_view_of(a, base, bs, 0, vs, &off))
        return false;
    int64_t slab = graph_numel(p->mem[q].node->ndim, p->mem[q].node->shape) / t->nslabs;
    int64_t want = slab;
    for (int k = batch_axes(a->ndim) - 1; k >= 0; k--) {
        if (vs[k] != want && a->shape[k] > 1)
            return false;
        want *= a->shape[k];
    }
    return true;
}

/* Whether steps [t->first, e] make a chain: fills t's slots (the outputs
 * of steps before e) and checks how every step indexes them. */
static bool chain_ok(const rt_program *p, rt_tile *t, int e, int64_t max_bytes)
{
    t->nslot = 0;
    int64_t bytes = 0;
    for (int q = 0; q < p->nmem; q++) {
        const rt_mbuf *m = &p->mem[q];
        if (m->first < t->first || m->first >= e)
            continue;
        if (m->output || m->last > e || t->nslot == RT_TILE_MAXSLOT ||
            !slab_prefix(m->node->ndim, m->node->shape, t->nslabs))
            return false;
        t->slot[t->nslot++] = q;
        bytes += m->nbytes / t->nslabs;
    }
    if (t->nslot == 0 || bytes > max_bytes)
        return false;
    for (int i = t->first; i <= e; i++) {
        const loom_array *mm = product(p, i);
        if (mm) {
            for (int k = 0; k < mm->nin; k++) {
                int q = slot_of(p, mm->in[k]);
                if (q >= 0 && is_slot(t, q) && !call_view_ok(p, t, mm->in[k], q))
                    return false;
            }
            continue;
        }
        const rt_kstep *ks = &p->ks[i];
        int var = parallel_var(&ks->k);
        int64_t per = ks->extent0 / t->nslabs, coef;
        for (int b = 0; b < ks->nbind; b++) {
            int q = ks->bind[b].node ? slot_of(p, ks->bind[b].node) : -1;
            if (q < 0 || !is_slot(t, q))
                continue;
            const loom_array *n = p->mem[q].node;
            if (!jit_buf_coeff(&ks->k, b, var, &coef) ||
                coef * per != graph_numel(n->ndim, n->shape) / t->nslabs)
                return false;
        }
    }
    return true;
}

static loom_status add_tile(rt_program *p, const rt_tile *t)
{
    rt_tile *nt = rt_malloc(&p->ctx->alloc, (size_t)(p->ntiles + 1) * sizeof *nt);
    if (!nt)
        return LOOM_ERR_MEMORY;
    if (p->ntiles)
        memcpy(nt, p->tiles, (size_t)p->ntiles * sizeof *nt);
    rt_free(&p->ctx->alloc, p->tiles, (size_t)p->ntiles * sizeof *nt);
    nt[p->ntiles++] = *t;
    p->tiles = nt;
    for (int i = 0; i < t->nslot; i++)
        p->mem[t->slot[i]].tiled = true;
    return LOOM_OK;
}

/*
 * A chain starts at a batched product with at least as many slabs as
 * threads, takes the following steps while they fit and read the chain,
 * then shrinks from the end until its intermediates are its own; it
 * needs two steps.  All threads' slab intermediates together may take
 * half the largest cache, so that they stay there.
 */
loom_status rt_tile_find(rt_program *p)
{
    loom_ctx *ctx = p->ctx;
    if (ctx->eager)
        return LOOM_OK;
    int threads = ctx->threads > 0 ? ctx->threads : 1;
    int64_t max_bytes = rt_llc_bytes() / (2 * threads);
    for (int i = 0; i < p->plan.nsteps; i++) {
        const loom_array *mm = product(p, i);
        if (!mm || mm->ndim < 3)
            continue;
        rt_tile t = {.first = i, .nslabs = graph_numel(batch_axes(mm->ndim), mm->shape)};
        if (t.nslabs < 2 || t.nslabs < threads)
            continue;
        int last = i;
        while (last + 1 < p->plan.nsteps && step_fits(p, last + 1, &t) &&
               reads_chain(p, last + 1, i))
            last++;
        int e = last;
        while (e > i && !chain_ok(p, &t, e, max_bytes))
            e--;
        if (e == i)
            continue;
        t.last = e;
        loom_status s = add_tile(p, &t);
        if (s)
            return s;
        i = e;
    }
    return LOOM_OK;
}

/* ---- running a chain ---- */

typedef struct tile_job {
    loom_ctx *ctx;
    const rt_tile *t;
    rt_tstep *steps;
    char *const *base;
    const int64_t *bytes;
    int64_t slab[RT_TILE_MAXSLOT]; /* bytes of one slab of each slot */
    void **sb;                     /* task k's slab buffers: sb[k * nslot + q] */
    int ntasks;
    atomic_int failed;
    loom_status status;
    char msg[512];
} tile_job;

/* addr, moved into task buffers sb if it lies in an intermediate's whole
 * buffer: to the place of slab s's data in the slab buffer.  Unsigned
 * arithmetic: the result may point below the slab buffer (a kernel adds
 * slab s's own offset back). */
static void *rebase(const tile_job *j, void *const *sb, void *addr, int64_t s)
{
    uintptr_t a = (uintptr_t)addr;
    for (int q = 0; q < j->t->nslot; q++) {
        uintptr_t b = (uintptr_t)j->base[q];
        if (addr && a >= b && a < b + (uintptr_t)j->bytes[q])
            return (void *)((uintptr_t)sb[q] + (a - b) - (uintptr_t)(s * j->slab[q]));
    }
    return addr;
}

/* View v of a product's operand or result cut to element s of its
 * batch axes. */
static void cut(rt_view *v, int64_t s)
{
    if (!v->data)
        return;
    int64_t off = 0;
    for (int k = batch_axes(v->ndim) - 1; k >= 0; k--) {
        off += (s % v->shape[k]) * v->strides[k];
        s /= v->shape[k];
        v->shape[k] = 1;
    }
    v->data += off * (int64_t)rt_view_esize(v);
}

static void fail(tile_job *j, loom_status s, const char *msg)
{
    if (atomic_exchange(&j->failed, 1) == 0) {
        j->status = s;
        snprintf(j->msg, sizeof j->msg, "%s", msg);
    }
}

static void run_slab(tile_job *j, void *const *sb, int64_t s)
{
    const rt_tile *t = j->t;
    for (int i = 0; i <= t->last - t->first && !atomic_load(&j->failed); i++) {
        rt_tstep *st = &j->steps[i];
        if (!st->call) {
            void *bufs[JIT_MAX_BUFS];
            for (int b = 0; b < st->nbind; b++)
                bufs[b] = rebase(j, sb, st->bufs[b], s);
            int64_t per = st->extent0 / t->nslabs;
            st->fn(bufs, st->params, s * per, (s + 1) * per);
            continue;
        }
        rt_call c = st->c;
        c.threads = 1;
        for (int k = 0; k < c.nin; k++) {
            cut(&c.in[k], s);
            c.in[k].data = rebase(j, sb, c.in[k].data, s);
        }
        for (int k = 0; k < c.nout; k++) {
            cut(&c.out[k], s);
            c.out[k].data = rebase(j, sb, c.out[k].data, s);
        }
        const loom_array *n = c.node;
        rt_call_id id = n->op == GRAPH_OP_MATMUL ? RT_CALL_MATMUL : (rt_call_id)n->attr[0];
        loom_status r = rt_calls[id].fn(&c);
        if (r)
            fail(j, r, c.msg[0] ? c.msg : "runtime call failed");
    }
}

/* Task k: its share of the slabs, through its own slab buffers. */
static void run_task(void *ud, int64_t lo, int64_t hi)
{
    tile_job *j = ud;
    int64_t n = j->t->nslabs;
    for (int64_t k = lo; k < hi; k++) {
        void *const *sb = j->sb + k * j->t->nslot;
        for (int64_t s = k * n / j->ntasks; s < (k + 1) * n / j->ntasks; s++)
            run_slab(j, sb, s);
    }
}

loom_status rt_tile_run(loom_ctx *ctx, const rt_tile *t, rt_tstep *steps,
                        char *const *base, const int64_t *bytes)
{
    tile_job j = {.ctx = ctx, .t = t, .steps = steps, .base = base, .bytes = bytes};
    j.ntasks = ctx->threads > 0 ? ctx->threads : 1;
    if (j.ntasks > t->nslabs)
        j.ntasks = (int)t->nslabs;
    atomic_init(&j.failed, 0);
    size_t nsb = (size_t)j.ntasks * (size_t)t->nslot, got = 0;
    void **v = rt_malloc(&ctx->alloc, 2 * nsb * sizeof *v);
    if (!v) {
        graph_ctx_error(ctx, LOOM_ERR_MEMORY, "tiled chain: out of memory");
        return LOOM_ERR_MEMORY;
    }
    /* v[i]: slab buffer i (task i / nslot, slot i % nslot); v[nsb + i]: its block */
    for (int q = 0; q < t->nslot; q++)
        j.slab[q] = bytes[q] / t->nslabs;
    for (; got < nsb; got++)
        if (!(v[got] = rt_malloc_aligned(&ctx->alloc, (size_t)j.slab[got % (size_t)t->nslot],
                                         &v[nsb + got])))
            break;
    loom_status s = LOOM_OK;
    if (got < nsb) {
        graph_ctx_error(ctx, LOOM_ERR_MEMORY, "tiled chain: out of memory for slab buffers");
        s = LOOM_ERR_MEMORY;
    } else {
        j.sb = v;
        rt_parallel_for(j.ntasks, j.ntasks, 1, run_task, &j);
        if (atomic_load(&j.failed)) {
            graph_ctx_error(ctx, j.status, "%s", j.msg);
            s = j.status;
        }
    }
    while (got-- > 0)
        rt_free_aligned(&ctx->alloc, v[nsb + got], (size_t)j.slab[got % (size_t)t->nslot]);
    rt_free(&ctx->alloc, v, 2 * nsb * sizeof *v);
    return s;
}

