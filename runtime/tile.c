/*
 * tile.c -- tiled chains: a matrix product and the steps after it that
 * consume its result, run one slab at a time.
 *
 * Prefix rt_tile_.  Fusion cannot reach through a matrix product (it is a
 * BLAS call), so attention's scores, their masked softmax and the second
 * product are three steps with two whole (b, h, L, L) arrays between
 * them: 100 MB each at attention's benchmark size, written to memory and
 * read back.  Per batch element they are 1 MB.  Likewise k-nearest
 * neighbours: its (test, train) distance matrix is 256 MB, a block of 128
 * test rows of it 8 MB.  Running the chain slab by slab, each thread a
 * range of slabs with its own slab-sized intermediates, keeps those in
 * the caches; the products run single-threaded per slab, which is how a
 * stack of small products runs anyway (runtime/blas.c).
 *
 * A slab is one batch element of the first product when it has batch
 * axes, else a block of rows of its (2-D) result.  A step joins a chain
 * when every slab of its output depends on the same slab of its inputs:
 *   - a matrix product with the chain's batch elements (batch mode) or
 *     rows (row mode: its left operand is cut into the row blocks);
 *   - in row mode, a sort, argsort, partition or argpartition of 2-D rows
 *     along the last axis;
 *   - a kernel whose parallel loop runs over leading axes holding the
 *     slabs, with no split reduction, and that indexes every intermediate
 *     of the chain as (parallel index) * (its share of a slab) + (terms
 *     within the slab) -- checked on the kernel IR (jit_buf_coeff).
 * The intermediates -- outputs of all but the last step -- must not be
 * needed after the chain.  Steps between the chain's that do not read it
 * (knn's train-row norms) run before it.  A chain is worth it only when
 * its intermediates would not stay in the caches whole: when they exceed
 * a thread's share of half of loom_options.tile_bytes (the largest cache
 * by default), the bound of each thread's slabs.  Eager evaluations do
 * not tile (every intermediate is materialized whole there, by
 * definition).
 *
 * Addresses: the steps are set up as for a whole run -- the
 * intermediates' whole buffers are address space only (rt_buffer_reserve),
 * which faults if touched -- and every address inside an intermediate's
 * buffer is moved into the slab buffer: a kernel gets a base pointer
 * shifted back by s slabs, so that its own indexing of iterations of slab
 * s lands in the slab buffer; a call gets views cut to slab s.
 */
#include "runtime/exec.h"
#include "runtime/pool.h"

#include <stdatomic.h>
#include <string.h>

/* ---- finding chains ---- */

/* The call node of step i, or NULL for a kernel. */
static const loom_array *call_of(const rt_program *p, int i)
{
    const fuse_step *st = &p->plan.steps[i];
    return st->kind == FUSE_KERNEL ? NULL : rt_call_node(st);
}

/* Whether call node n works on the rows of a 2-D array independently:
 * sorts and partitions along the last axis, with kth in its attributes. */
static bool row_call(const loom_array *n)
{
    rt_call_id id = rt_call_which(n);
    bool sorts = id == RT_CALL_SORT || id == RT_CALL_ARGSORT ||
                 id == RT_CALL_PARTITION || id == RT_CALL_ARGPARTITION;
    return n->op == GRAPH_OP_CALL && sorts && n->nin == 1 && n->in[0]->ndim == 2 &&
           n->attr[1] == 1;
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

/* Whether the leading axes of shape, up to some axis, hold n elements:
 * a slab is then a block of the trailing axes.  (Batch axes may be merged
 * or split between steps: the scores of attention are a stack of b*h
 * products, viewed as (b, h, L, L).) */
static bool lead_prefix(int ndim, const int64_t *shape, int64_t n)
{
    int64_t e = 1;
    for (int q = 0; q < ndim && e < n; q++)
        e *= shape[q];
    return e == n;
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

/*
 * Chains are found with slabs of the finest grain, `units` of them: the
 * batch elements, or the rows in row mode (then grouped into blocks).
 * Whether step i can run unit by unit, leaving aside how it indexes the
 * intermediates (chain_ok checks that).
 */
static bool step_fits(const rt_program *p, int i, const rt_tile *t, int64_t units)
{
    const loom_array *c = call_of(p, i);
    if (c && rt_call_which(c) == RT_CALL_MATMUL) {
        for (int k = 0; k < c->nin; k++)
            if (c->in[k]->ndim != c->ndim)
                return false;
        if (t->rows)
            return c->ndim == 2 && c->shape[0] == units;
        return c->ndim >= 3 && graph_numel(batch_axes(c->ndim), c->shape) == units;
    }
    if (c)
        return t->rows && row_call(c) && c->in[0]->shape[0] == units;
    const rt_kstep *ks = &p->ks[i];
    const fuse_step *st = &p->plan.steps[i];
    if (ks->k.chunk_param >= 0 || ks->k.scratch >= 0 || ks->extent0 <= 0 ||
        ks->extent0 % units || !lead_prefix(st->ndom, st->dom, units) ||
        parallel_var(&ks->k) < 0)
        return false;
    /* the parallel loop runs over leading axes, at least the units' */
    return lead_prefix(st->ndom, st->dom, ks->extent0);
}

bool rt_tile_member(const rt_tile *t, int i)
{
    return i >= t->first && i <= t->last && (t->member >> (i - t->first) & 1);
}

const rt_tile *rt_tile_at(const rt_tile *tiles, int n, int i)
{
    for (int k = 0; k < n; k++)
        if (tiles[k].first == i)
            return &tiles[k];
    return NULL;
}

/* Whether step j reads an output of the chain's steps so far. */
static bool reads_chain(const rt_program *p, int j, const rt_tile *t)
{
    const rt_kstep *ks = &p->ks[j];
    const loom_array *c = call_of(p, j);
    int n = c ? c->nin : ks->nbind;
    for (int b = 0; b < n; b++) {
        const loom_array *a = c ? c->in[b] : ks->bind[b].node;
        int q = a && (c || !ks->bind[b].output) ? slot_of(p, a) : -1;
        if (q >= 0 && rt_tile_member(t, p->mem[q].first))
            return true;
    }
    return false;
}

static bool is_slot(const rt_tile *t, int q)
{
    for (int i = 0; i < t->nslot; i++)
        if (t->slot[i] == q)
            return true;
    return false;
}

/* Whether the view call c gets of node a over intermediate q keeps unit
 * u of c (batch element, or row) in unit u of the intermediate. */
static bool call_view_ok(const rt_program *p, const loom_array *c, const loom_array *a,
                         int q, int64_t units)
{
    const loom_array *base = p->mem[q].node;
    int64_t bs[LOOM_MAX_DIMS], vs[LOOM_MAX_DIMS], off = 0;
    graph_c_strides(base->ndim, base->shape, bs);
    if (a == base)
        memcpy(vs, bs, sizeof vs);
    else if (!fuse_view_of(a, base, bs, 0, vs, &off))
        return false;
    int64_t want = graph_numel(base->ndim, base->shape) / units;
    if (rt_call_which(c) != RT_CALL_MATMUL || a->ndim == 2) /* rows */
        return a->shape[0] == units && vs[0] == want;
    for (int k = batch_axes(a->ndim) - 1; k >= 0; k--) {
        if (vs[k] != want && a->shape[k] > 1)
            return false;
        want *= a->shape[k];
    }
    return true;
}

/* Whether the member steps up to e make a chain: fills t's slots (the
 * outputs of members before e) and checks how every member indexes them.
 * Also fails when they would fit the caches whole (no gain). */
static bool chain_ok(const rt_program *p, rt_tile *t, int e, int64_t units, int64_t max_bytes)
{
    t->nslot = 0;
    int64_t unit_bytes = 0, whole = 0;
    for (int q = 0; q < p->nmem; q++) {
        const rt_mbuf *m = &p->mem[q];
        if (m->first >= e || !rt_tile_member(t, m->first))
            continue;
        if (m->output || m->last > e || t->nslot == RT_TILE_MAXSLOT ||
            !lead_prefix(m->node->ndim, m->node->shape, units))
            return false;
        t->slot[t->nslot++] = q;
        unit_bytes += m->nbytes / units;
        whole += m->nbytes;
    }
    if (t->nslot == 0 || unit_bytes > max_bytes || whole <= max_bytes)
        return false;
    for (int i = t->first; i <= e; i++) {
        if (!rt_tile_member(t, i))
            continue;
        const loom_array *c = call_of(p, i);
        if (c) {
            for (int k = 0; k < c->nin; k++) {
                int q = slot_of(p, c->in[k]);
                bool cut = !(t->rows && rt_call_which(c) == RT_CALL_MATMUL && k == 1);
                if (q >= 0 && is_slot(t, q) && (!cut || !call_view_ok(p, c, c->in[k], q, units)))
                    return false;
            }
            continue;
        }
        const rt_kstep *ks = &p->ks[i];
        int var = parallel_var(&ks->k);
        int64_t per = ks->extent0 / units, coef;
        for (int b = 0; b < ks->nbind; b++) {
            int q = ks->bind[b].node ? slot_of(p, ks->bind[b].node) : -1;
            if (q < 0 || !is_slot(t, q))
                continue;
            const loom_array *n = p->mem[q].node;
            if (!jit_buf_coeff(&ks->k, b, var, &coef) ||
                coef * per != graph_numel(n->ndim, n->shape) / units)
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
    for (int q = 0; q < p->nmem; q++)
        if (t->first <= p->mem[q].first && p->mem[q].first <= t->last) {
            if (is_slot(t, q))
                p->mem[q].tiled = true;
            else if (!rt_tile_member(t, p->mem[q].first))
                p->mem[q].fresh = true; /* its step runs before the chain */
        }
    return LOOM_OK;
}

/* Bytes of slabs each of ctx's threads may hold: its share of half the
 * cache budget; *threads gets the thread count. */
static int64_t slab_budget(const loom_ctx *ctx, int *threads)
{
    *threads = ctx->threads > 0 ? ctx->threads : 1;
    return ctx->tile_bytes / (2 * *threads);
}

/* Row mode: rows per slab, the largest divisor of m whose slab of every
 * intermediate (unit_bytes a row) fits max_bytes, leaving a slab per
 * thread at least (1 fits: chain_ok checked a row). */
static int64_t pick_rows(int64_t m, int64_t unit_bytes, int64_t max_bytes, int threads)
{
    for (int64_t r = m / threads; r >= 1; r--)
        if (m % r == 0 && r * unit_bytes <= max_bytes)
            return r;
    return 0;
}

/*
 * Products deeper than this do not start chains.  A product of depth K
 * costs 2K flops per result element; moving a float result to memory and
 * back costs about as long as 40 flops (200 GFLOP/s against 40 GB/s).
 * Past K = 128 the round trip is a sixth of the product or less, and a
 * chain, which trades OpenBLAS's own threading for single-threaded
 * products per slab, measured no faster (pairwise distances, K = 256).
 */
#define TILE_MAX_DEPTH 128

/*
 * A chain starts at a product with at least as many units as threads and
 * takes the following steps that read it while they fit; steps that do
 * not read it can run before it.  It then shrinks from the end until its
 * intermediates are its own; it needs two members.  All threads' slab
 * intermediates together may take half of the cache budget (tile_bytes),
 * so that they stay there.
 */
loom_status rt_tile_find(rt_program *p)
{
    loom_ctx *ctx = p->ctx;
    if (ctx->eager || ctx->tile_bytes <= 0)
        return LOOM_OK;
    int threads;
    int64_t max_bytes = slab_budget(ctx, &threads);
    for (int i = 0; i < p->plan.nsteps; i++) {
        const loom_array *mm = call_of(p, i);
        if (!mm || rt_call_which(mm) != RT_CALL_MATMUL || mm->ndim < 2 ||
            mm->in[0]->shape[mm->in[0]->ndim - 1] > TILE_MAX_DEPTH)
            continue;
        rt_tile t = {.first = i, .member = 1, .rows = mm->ndim == 2};
        int64_t units = t.rows ? mm->shape[0] : graph_numel(batch_axes(mm->ndim), mm->shape);
        if (units < 2 || units < threads || !step_fits(p, i, &t, units))
            continue;
        int last = i;
        for (int j = i + 1; j < p->plan.nsteps && j - i < 64; j++) {
            if (!reads_chain(p, j, &t))
                continue; /* runs before the chain, if the chain gets past it */
            if (!step_fits(p, j, &t, units))
                break;
            t.member |= (uint64_t)1 << (j - i);
            t.last = last = j;
        }
        int e = last;
        while (e > i && !(rt_tile_member(&t, e) && chain_ok(p, &t, e, units, max_bytes)))
            e--;
        if (e == i)
            continue;
        t.last = e;
        t.member &= ~(uint64_t)0 >> (63 - (e - i));
        t.nslabs = units; /* row mode: rows per slab come with rt_tile_size */
        loom_status s = add_tile(p, &t);
        if (s)
            return s;
        i = e;
    }
    return LOOM_OK;
}

void rt_tile_size(rt_program *p)
{
    int threads;
    int64_t max_bytes = slab_budget(p->ctx, &threads);
    for (int k = 0; k < p->ntiles; k++) {
        rt_tile *t = &p->tiles[k];
        if (!t->rows)
            continue;
        int64_t units = t->nslabs * t->rows, row_bytes = 0;
        for (int q = 0; q < t->nslot; q++)
            if (!p->mem[t->slot[q]].in_place) /* shares its input's slabs */
                row_bytes += p->mem[t->slot[q]].nbytes / units;
        t->rows = pick_rows(units, row_bytes, max_bytes, threads);
        t->nslabs = units / t->rows;
    }
}

/* ---- running a chain ---- */

typedef struct tile_job {
    const rt_tile *t;
    rt_tstep *steps;
    char *const *base;
    const int64_t *bytes;
    int64_t slab[RT_TILE_MAXSLOT]; /* bytes of one slab of each slot */
    int nsteps;                    /* the chain's members */
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
static void cut_batch(rt_view *v, int64_t s)
{
    int64_t off = 0;
    for (int k = batch_axes(v->ndim) - 1; k >= 0; k--) {
        off += (s % v->shape[k]) * v->strides[k];
        s /= v->shape[k];
        v->shape[k] = 1;
    }
    v->data += off * (int64_t)rt_view_esize(v);
}

/* View v (input k, or an output when k < 0) of call c cut to slab s of
 * chain t: a batch element, or a block of rows (all but a row-mode
 * product's right operand, which every block multiplies). */
static void cut(rt_view *v, const rt_tile *t, const rt_call *c, int k, int64_t s)
{
    if (!v->data)
        return;
    if (!t->rows) {
        cut_batch(v, s);
        return;
    }
    if (k == 1 && rt_call_which(c->node) == RT_CALL_MATMUL)
        return;
    v->data += s * t->rows * v->strides[0] * (int64_t)rt_view_esize(v);
    v->shape[0] = t->rows;
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
    for (int i = 0; i < j->nsteps && !atomic_load(&j->failed); i++) {
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
            cut(&c.in[k], t, &c, k, s);
            c.in[k].data = rebase(j, sb, c.in[k].data, s);
        }
        for (int k = 0; k < c.nout; k++) {
            cut(&c.out[k], t, &c, -1, s);
            c.out[k].data = rebase(j, sb, c.out[k].data, s);
        }
        loom_status r = rt_calls[rt_call_which(c.node)].fn(&c);
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
    tile_job j = {.t = t, .steps = steps, .base = base, .bytes = bytes,
                  .nsteps = __builtin_popcountll(t->member)};
    j.ntasks = ctx->threads > 0 ? ctx->threads : 1;
    if (j.ntasks > t->nslabs)
        j.ntasks = (int)t->nslabs;
    atomic_init(&j.failed, 0);
    /* from the buffer pool: kept between evaluations, on huge pages when
     * large (a product writing 64 rows of 16384 floats touches 256 pages
     * per row block otherwise) */
    size_t nsb = (size_t)j.ntasks * (size_t)t->nslot, got = 0;
    rt_buffer **v = rt_malloc(&ctx->alloc, nsb * sizeof *v);
    void **sb = rt_malloc(&ctx->alloc, nsb * sizeof *sb);
    loom_status s = v && sb ? LOOM_OK : LOOM_ERR_MEMORY;
    for (int q = 0; q < t->nslot; q++)
        j.slab[q] = bytes[q] / t->nslabs;
    for (; !s && got < nsb; got++) {
        int q = (int)(got % (size_t)t->nslot);
        v[got] = NULL;
        sb[got] = NULL;
        bool shared = false; /* in place of an earlier slot: never reached */
        for (int r = 0; r < q; r++)
            shared = shared || base[r] == base[q];
        if (shared)
            continue;
        if (!(v[got] = rt_buffer_pooled(ctx->pool, (size_t)j.slab[q], false)))
            break;
        sb[got] = v[got]->data;
    }
    if (!s && got < nsb)
        s = LOOM_ERR_MEMORY;
    if (s) {
        graph_ctx_error(ctx, s, "tiled chain: out of memory for slab buffers");
    } else {
        j.sb = sb;
        rt_parallel_for(j.ntasks, j.ntasks, 1, run_task, &j);
        if (atomic_load(&j.failed)) {
            graph_ctx_error(ctx, j.status, "%s", j.msg);
            s = j.status;
        }
    }
    while (v && got-- > 0)
        if (v[got])
            rt_buffer_unref(v[got]);
    rt_free(&ctx->alloc, v, nsb * sizeof *v);
    rt_free(&ctx->alloc, sb, nsb * sizeof *sb);
    return s;
}

