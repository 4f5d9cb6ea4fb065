/*
 * exec.c -- building and running a program: optimize, plan, lower,
 * compile, plan memory, execute, realize.
 *
 * Memory plan: every materialized node gets one C-contiguous buffer,
 * allocated just before the step that writes it and released after the
 * last step that reads it, unless it is a requested output (then it stays
 * with the array).  A released buffer of the same size is reused by a
 * later step instead of allocating anew, and a kernel that reads an
 * input only where it writes its output writes in place of the input
 * when that input dies there (plan_in_place).
 */
#include "runtime/exec.h"
#include "runtime/call.h"
#include "runtime/pool.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int64_t node_bytes(const loom_array *a)
{
    return graph_numel(a->ndim, a->shape) * (int64_t)loom_dtype_size(a->dtype);
}

/* A stable, readable kernel name: the structure hash and what it makes. */
static void kernel_name(jit_kernel *k, const fuse_step *st)
{
    int n = snprintf(k->name, sizeof k->name, "k%08x",
                     (unsigned)(k->hash ^ (k->hash >> 32)));
    for (int i = 0; i < st->nout && n < (int)sizeof k->name - 12; i++)
        n += snprintf(k->name + n, sizeof k->name - (size_t)n, "_%s",
                      graph_ops[st->out[i]->op].npname);
}

static loom_status lower_all(rt_program *p)
{
    loom_ctx *ctx = p->ctx;
    fuse_plan *plan = &p->plan;
    p->ks = rt_malloc(&ctx->alloc, (size_t)(plan->nsteps + 1) * sizeof(rt_kstep));
    if (!p->ks)
        return LOOM_ERR_MEMORY;
    memset(p->ks, 0, (size_t)(plan->nsteps + 1) * sizeof(rt_kstep));
    for (int i = 0; i < plan->nsteps; i++) {
        fuse_step *st = &plan->steps[i];
        rt_kstep *ks = &p->ks[i];
        jit_kernel_init(&ks->k, &ctx->alloc);
        if (st->kind != FUSE_KERNEL)
            continue;
        double t0 = now_ms();
        const char *why = "";
        loom_status s = jit_lower(plan, i, &ks->k, ks->bind, JIT_MAX_BUFS,
                                  &ks->nbind, &ks->extent0, &why);
        bool parallel = false;
        for (int j = 0; j < ks->k.nstmts && !parallel; j++)
            parallel = ks->k.stmts[j].op == KS_LOOP &&
                       (ks->k.stmts[j].c & KIR_LOOP_PARALLEL);
        if (!parallel)
            ks->extent0 = 0;
        p->lower_ms += now_ms() - t0;
        if (s) {
            graph_ctx_error(ctx, s, "lowering kernel %d failed: %s", i, why);
            return s;
        }
        kernel_name(&ks->k, st);
        /* work per parallel iteration: the largest operand's share */
        int64_t work = ks->extent0 ? graph_numel(st->ndom, st->dom) / ks->extent0 : 0;
        for (int b = 0; b < ks->nbind; b++)
            if (ks->bind[b].node) {
                ks->bytes += node_bytes(ks->bind[b].node);
                int64_t nb = graph_numel(ks->bind[b].node->ndim,
                                         ks->bind[b].node->shape);
                if (ks->extent0 && nb / ks->extent0 > work)
                    work = nb / ks->extent0;
            }
        ks->grain = 32768 / (work > 0 ? work : 1) + 1;
    }
    return LOOM_OK;
}

/*
 * Streams: a kernel output of at least ctx->stream_bytes that does not
 * take an input's memory is written past the caches where the kernel
 * writes it last (jit_mark_stream).  It would not stay in the caches
 * anyway, and a cached store first reads the line it writes: streaming
 * saves a third of the traffic of a kernel that reads one array and
 * writes another.  An output in place of an input is in the caches
 * already (the kernel just read it there).
 */
static void plan_streams(rt_program *p)
{
    if (p->ctx->stream_bytes <= 0)
        return;
    for (int s = 0; s < p->plan.nsteps; s++) {
        rt_kstep *ks = &p->ks[s];
        if (p->plan.steps[s].kind != FUSE_KERNEL)
            continue;
        bool marked = false;
        for (int b = 0; b < ks->nbind; b++) {
            const loom_array *o = ks->bind[b].node;
            if (!o || !ks->bind[b].output || node_bytes(o) < p->ctx->stream_bytes ||
                (o->tmp2 < p->nmem && p->mem[o->tmp2].node == o &&
                 (p->mem[o->tmp2].in_place || p->mem[o->tmp2].tiled)))
                continue;
            marked = jit_mark_stream(&ks->k, b) > 0 || marked;
        }
        if (marked)
            kernel_name(&ks->k, &p->plan.steps[s]);
    }
}

static loom_status compile_all(rt_program *p)
{
    loom_ctx *ctx = p->ctx;
    for (int i = 0; i < p->plan.nsteps; i++) {
        rt_kstep *ks = &p->ks[i];
        if (p->plan.steps[i].kind != FUSE_KERNEL)
            continue;
        char err[512];
        ks->fn = jit_get(&ks->k, ctx->cache_dir, &ks->cinfo, err, sizeof err);
        if (!ks->fn) {
            graph_ctx_error(ctx, LOOM_ERR_JIT, "%s", err);
            return LOOM_ERR_JIT;
        }
        if (!ks->cinfo.mem_hit)
            p->compile_ms += ks->cinfo.total_ms;
    }
    return LOOM_OK;
}

/* Whether index values a and b of kernel k are the same position: the
 * same expression, with parameters compared by value. */
static bool same_index(const jit_kernel *k, int a, int b, int depth)
{
    if (a == b)
        return true;
    if (a < 0 || b < 0 || depth > 16)
        return false;
    const kir_val *x = &k->vals[a], *y = &k->vals[b];
    if (x->op != y->op || x->dtype != y->dtype)
        return false;
    switch (x->op) {
    case KV_PARAM:
        return k->params[x->a] == k->params[y->a];
    case KV_IADD:
    case KV_IMUL:
        return same_index(k, x->a, y->a, depth + 1) &&
               same_index(k, x->b, y->b, depth + 1);
    default:
        return false; /* distinct loop variables, loads, constants... */
    }
}

/* Whether kernel k reads buffer bf only at the positions where it writes
 * buffer bm, and reads bm nowhere: then the two may share memory (each
 * element is read before the iteration that writes it, and by no other). */
static bool reads_where_it_writes(const jit_kernel *k, int bf, int bm)
{
    int store = -1;
    for (int i = 0; i < k->nstmts; i++) {
        const kir_stmt *s = &k->stmts[i];
        if ((s->op != KS_STORE && s->op != KS_STREAM) || s->a != bm)
            continue;
        if (store >= 0 && !same_index(k, store, s->b, 0))
            return false;
        store = s->b;
    }
    if (store < 0)
        return false;
    for (int v = 0; v < k->nvals; v++) {
        const kir_val *x = &k->vals[v];
        if (x->op != KV_LOAD)
            continue;
        if (x->a == bm || (x->a == bf && !same_index(k, x->b, store, 0)))
            return false;
    }
    return true;
}

/*
 * In place: a kernel's output takes the memory of an input of the same
 * size and element size that dies at this step, when the kernel reads
 * that input only where it writes the output (the elementwise epilogue of
 * a matrix product, a chain over a temporary), or reads each row of it
 * only before or where the row is written (a row softmax of a product's
 * result: jit_rows_in_place).  That saves the memory and the
 * write-allocate reads of a fresh buffer.  The kernel's arguments stay
 * noalias: an element is loaded in the iteration that stores it (the
 * stored value depending on the load), or in an earlier sweep whose
 * result every store of the row depends on, so no reordering that noalias
 * allows moves a load past a store to its element.
 */
static void plan_in_place(rt_program *p)
{
    for (int s = 0; s < p->plan.nsteps; s++) {
        if (p->plan.steps[s].kind != FUSE_KERNEL)
            continue;
        const rt_kstep *ks = &p->ks[s];
        for (int bm = 0; bm < ks->nbind; bm++) {
            const loom_array *mo = ks->bind[bm].node;
            if (!mo || !ks->bind[bm].output || mo->tmp2 >= p->nmem ||
                p->mem[mo->tmp2].node != mo || p->mem[mo->tmp2].reuse >= 0 ||
                p->mem[mo->tmp2].fresh)
                continue;
            rt_mbuf *m = &p->mem[mo->tmp2];
            for (int bf = 0; bf < ks->nbind && m->reuse < 0; bf++) {
                const loom_array *fo = ks->bind[bf].node;
                if (!fo || ks->bind[bf].output || fo->buf || fo->tmp < 0 ||
                    fo->tmp2 >= p->nmem || p->mem[fo->tmp2].node != fo)
                    continue;
                const rt_mbuf *f = &p->mem[fo->tmp2];
                bool taken = false;
                for (int q = 0; q < p->nmem; q++)
                    taken = taken || p->mem[q].reuse == fo->tmp2;
                if (!taken && f->last == s && !f->output && f->tiled == m->tiled &&
                    f->nbytes == m->nbytes &&
                    loom_dtype_size(fo->dtype) == loom_dtype_size(mo->dtype) &&
                    (reads_where_it_writes(&ks->k, bf, bm) ||
                     jit_rows_in_place(&ks->k, bf, bm))) {
                    m->reuse = fo->tmp2;
                    m->in_place = true;
                }
            }
        }
    }
}

/* Assigns every materialized node its buffer slot, first and last use. */
static loom_status plan_memory(rt_program *p)
{
    loom_ctx *ctx = p->ctx;
    fuse_plan *plan = &p->plan;
    int cap = 0;
    for (int i = 0; i < plan->nsteps; i++)
        cap += plan->steps[i].nout;
    p->memcap = cap + 1;
    p->mem = rt_malloc(&ctx->alloc, (size_t)p->memcap * sizeof(rt_mbuf));
    if (!p->mem)
        return LOOM_ERR_MEMORY;
    for (int i = 0; i < plan->nsteps; i++) {
        fuse_step *st = &plan->steps[i];
        for (int o = 0; o < st->nout; o++) {
            loom_array *a = st->out[o];
            a->tmp2 = p->nmem; /* slot, until the end of the run */
            p->mem[p->nmem++] = (rt_mbuf){a, node_bytes(a), i, i, -1,
                                          false, NULL, false, false, false};
        }
    }
    for (int i = 0; i < plan->nsteps; i++) {
        rt_kstep *ks = &p->ks[i];
        fuse_step *st = &plan->steps[i];
        loom_array *call = st->kind == FUSE_KERNEL ? NULL : rt_call_node(st);
        int nread = st->kind == FUSE_KERNEL ? ks->nbind : call->nin;
        for (int b = 0; b < nread; b++) {
            loom_array *a = st->kind == FUSE_KERNEL ? ks->bind[b].node
                                                    : call->in[b];
            if (!a)
                continue; /* the scratch area */
            while (!a->buf && a->tmp < 0 && graph_ops[a->op].kind == GRAPH_MOVE)
                a = a->in[0]; /* a call's view of a buffer */
            if (!a->buf && a->tmp >= 0 && a->tmp2 < p->nmem &&
                p->mem[a->tmp2].node == a && p->mem[a->tmp2].last < i)
                p->mem[a->tmp2].last = i;
        }
    }
    /* outputs and bases of output views live on */
    for (int o = 0; o < p->nout; o++) {
        loom_array *a = p->opt[o];
        while (graph_ops[a->op].kind == GRAPH_MOVE && !a->buf && a->tmp < 0)
            a = a->in[0];
        if (a->tmp >= 0 && a->tmp2 < p->nmem && p->mem[a->tmp2].node == a) {
            p->mem[a->tmp2].output = true;
            p->mem[a->tmp2].last = plan->nsteps;
        }
    }
    loom_status st = rt_tile_find(p);
    if (st)
        return st;
    plan_in_place(p);
    rt_tile_size(p);
    /* reuse: a buffer freed before step `first` of the same size */
    int64_t live = 0;
    for (int i = 0; i < p->nmem; i++) {
        rt_mbuf *m = &p->mem[i];
        for (int j = 0; j < i && !m->output && !m->tiled && !m->fresh; j++) {
            rt_mbuf *f = &p->mem[j];
            if (f->tiled)
                continue;
            bool taken = false;
            for (int q = j + 1; q < i; q++)
                taken = taken || p->mem[q].reuse == j;
            if (!taken && f->reuse >= -1 && !f->output &&
                f->last < m->first && f->nbytes == m->nbytes) {
                m->reuse = j;
                break;
            }
        }
    }
    for (int s = 0; s < plan->nsteps; s++) {
        for (int i = 0; i < p->nmem; i++)
            if (p->mem[i].first == s && p->mem[i].reuse < 0 && !p->mem[i].tiled)
                live += p->mem[i].nbytes;
        if (live > p->peak_bytes)
            p->peak_bytes = live;
        for (int i = 0; i < p->nmem; i++) {
            rt_mbuf *m = &p->mem[i];
            bool reused = false;
            for (int j = i + 1; j < p->nmem; j++)
                reused = reused || p->mem[j].reuse == i;
            if (m->last == s && !m->output && !reused && !m->tiled)
                live -= m->nbytes;
        }
    }
    return LOOM_OK;
}

loom_status rt_program_build(loom_ctx *ctx, loom_array *const *arrs, int n,
                             rt_program *p)
{
    memset(p, 0, sizeof *p);
    p->ctx = ctx;
    p->nout = n;
    double t0 = now_ms();
    p->req = rt_malloc(&ctx->alloc, (size_t)n * sizeof(loom_array *));
    p->opt = rt_malloc(&ctx->alloc, (size_t)n * sizeof(loom_array *));
    if (p->opt)
        memset(p->opt, 0, (size_t)n * sizeof(loom_array *));
    if (!p->req || !p->opt)
        return LOOM_ERR_MEMORY;
    for (int i = 0; i < n; i++) {
        p->req[i] = arrs[i];
        if (!(p->opt[i] = graph_optimize(arrs[i])))
            return LOOM_ERR_MEMORY;
    }
    loom_status s = fuse_plan_build(ctx, p->opt, n, ctx->eager, &p->plan);
    p->plan_ms = now_ms() - t0;
    if (s)
        return s;
    if ((s = lower_all(p)) || (s = plan_memory(p)))
        return s;
    plan_streams(p);
    return compile_all(p);
}

/* ---- running ---- */

typedef struct kjob {
    jit_fn fn;
    void **bufs;
    const int64_t *params;
} kjob;

static void run_range(void *ud, int64_t lo, int64_t hi)
{
    kjob *j = ud;
    j->fn(j->bufs, j->params, lo, hi);
}

/* Split kernels take one chunk per call. */
static void run_chunks(void *ud, int64_t lo, int64_t hi)
{
    kjob *j = ud;
    for (int64_t c = lo; c < hi; c++)
        j->fn(j->bufs, j->params, c, c + 1);
}

/* The first buffer node's pointer: data plus nothing -- offsets are kernel
 * parameters. */
static void *node_base(const rt_program *p, const loom_array *a)
{
    if (a->buf)
        return a->buf->data;
    return p->mem[a->tmp2].buf ? p->mem[a->tmp2].buf->data : NULL;
}

static loom_status run_kernel(rt_program *p, int i)
{
    fuse_step *st = &p->plan.steps[i];
    rt_kstep *ks = &p->ks[i];
    void *bufs[JIT_MAX_BUFS];
    jit_kernel *k = &ks->k;
    int64_t total = graph_numel(st->ndom, st->dom);
    /* scratch: per-column accumulators, or per-chunk partials */
    int64_t nchunks = 0, chunk = 0;
    size_t scratch = 0;
    if (k->chunk_param >= 0) {
        int t = p->ctx->threads;
        chunk = (k->split_extent + 4 * t - 1) / (4 * t);
        if (chunk < 4096)
            chunk = 4096;
        nchunks = (k->split_extent + chunk - 1) / chunk;
        k->params[k->chunk_param] = chunk;
        scratch = (size_t)nchunks * (size_t)k->naccs * KIR_ACC_BYTES;
        int vp = jit_split_vec_param(k);
        if (vp >= 0) /* a set of column accumulators per chunk */
            scratch *= (size_t)k->params[vp];
    } else if (k->scratch >= 0) {
        scratch = (size_t)ks->extent0 * (size_t)k->naccs * KIR_ACC_BYTES;
    }
    void *sbuf = NULL, *sblock = NULL;
    if (k->scratch >= 0 &&
        !(sbuf = rt_malloc_aligned(&p->ctx->alloc, scratch ? scratch : 1, &sblock))) {
        graph_ctx_error(p->ctx, LOOM_ERR_MEMORY, "kernel scratch: out of memory");
        return LOOM_ERR_MEMORY;
    }
    for (int b = 0; b < ks->nbind; b++)
        bufs[b] = ks->bind[b].node ? node_base(p, ks->bind[b].node) : sbuf;
    double t0 = now_ms();
    if (total > 0 && k->chunk_param >= 0) {
        kjob j = {ks->fn, bufs, k->params};
        rt_parallel_for(p->ctx->threads, nchunks, 1, run_chunks, &j);
        ks->cinfo.combine(bufs, k->params, 0, nchunks);
    } else if (total > 0 && ks->extent0 == 0) {
        ks->fn(bufs, ks->k.params, 0, 1);
    } else if (total > 0) {
        kjob j = {ks->fn, bufs, ks->k.params};
        rt_parallel_for(p->ctx->threads, ks->extent0, ks->grain, run_range, &j);
    }
    ks->run_ms = now_ms() - t0;
    rt_free_aligned(&p->ctx->alloc, sblock, scratch ? scratch : 1);
    return LOOM_OK;
}

/* The view a call gets of node a: realized, materialized here, or a
 * movement chain over either. */
void rt_exec_view(const rt_program *p, const loom_array *a, rt_view *v)
{
    size_t es = loom_dtype_size(a->dtype);
    v->dtype = (loom_dtype)a->dtype;
    v->ndim = a->ndim;
    memcpy(v->shape, a->shape, sizeof v->shape);
    if (!a->buf && a->tmp < 0 && graph_ops[a->op].kind == GRAPH_MOVE) {
        const loom_array *base = a;
        while (graph_ops[base->op].kind == GRAPH_MOVE && !base->buf &&
               base->tmp < 0)
            base = base->in[0];
        rt_view bv;
        rt_exec_view(p, base, &bv);
        int64_t off;
        fuse_view_of(a, base, bv.strides, 0, v->strides, &off);
        v->data = bv.data + off * (int64_t)es;
        return;
    }
    if (a->buf) {
        v->data = (char *)a->buf->data + a->offset * (int64_t)es;
        memcpy(v->strides, a->strides, sizeof v->strides);
    } else {
        rt_buffer *b = p->mem[a->tmp2].buf;
        v->data = b ? b->data : NULL;
        graph_c_strides(a->ndim, a->shape, v->strides);
    }
}

/*
 * The call's outputs that live in the context but are not part of this
 * evaluation (found in the hash table: CALL_OUT nodes over this call with
 * no values yet): each gets a fresh buffer in c's output list.  Returns
 * how many; sib/sbuf receive them (the caller realizes them after the
 * call and drops sbuf's references).
 */
static int siblings(loom_ctx *ctx, const loom_array *call, rt_call *c,
                    loom_array **sib, rt_buffer **sbuf)
{
    int n = 0;
    for (size_t h = 0; h < ctx->hcap; h++)
        for (loom_array *a = ctx->htab[h]; a; a = a->hnext) {
            if (a->op != GRAPH_OP_CALL_OUT || a->in[0] != call || a->buf ||
                a->attr[0] >= RT_CALL_MAXIO || c->out[a->attr[0]].data)
                continue;
            size_t bytes = (size_t)graph_numel(a->ndim, a->shape) *
                           loom_dtype_size(a->dtype);
            rt_buffer *b = rt_buffer_pooled(ctx->pool, bytes, false);
            if (!b)
                continue; /* no memory: computed again when asked */
            int k = (int)a->attr[0];
            rt_view *v = &c->out[k];
            v->data = b->data;
            v->dtype = (loom_dtype)a->dtype;
            v->ndim = a->ndim;
            memcpy(v->shape, a->shape, sizeof v->shape);
            graph_c_strides(a->ndim, a->shape, v->strides);
            if (k + 1 > c->nout)
                c->nout = k + 1;
            sib[n] = a;
            sbuf[n++] = b;
        }
    return n;
}

loom_array *rt_call_node(const fuse_step *st)
{
    loom_array *node = st->out[0];
    for (int o = 0; o < st->nout; o++)
        if (st->out[o]->op != GRAPH_OP_CALL_OUT)
            node = st->out[o];
    return node;
}

/* Sets up c for call step i: its node and the views of its inputs and of
 * the outputs the plan materializes. */
static void call_setup(const rt_program *p, int i, rt_call *c)
{
    const fuse_step *st = &p->plan.steps[i];
    loom_array *node = rt_call_node(st);
    memset(c, 0, sizeof *c);
    c->ctx = p->ctx;
    c->node = node;
    c->threads = p->ctx->threads;
    c->nin = node->nin;
    for (int k = 0; k < node->nin && k < RT_CALL_MAXIO; k++)
        rt_exec_view(p, node->in[k], &c->in[k]);
    c->nout = 1;
    for (int o = 0; o < st->nout; o++) {
        loom_array *a = st->out[o];
        int k = a->op == GRAPH_OP_CALL_OUT ? (int)a->attr[0] : 0;
        if (k >= RT_CALL_MAXIO)
            continue;
        rt_exec_view(p, a, &c->out[k]);
        if (k + 1 > c->nout)
            c->nout = k + 1;
    }
}

static loom_status run_call(rt_program *p, int i)
{
    rt_call c;
    call_setup(p, i, &c);
    loom_array *node = rt_call_node(&p->plan.steps[i]);
    /* other live outputs of the call get their values now too, so reading
     * them later does not run the call again */
    loom_array *sib[RT_CALL_MAXIO];
    rt_buffer *sbuf[RT_CALL_MAXIO];
    int nsib = siblings(p->ctx, node, &c, sib, sbuf);
    rt_call_id id = rt_call_which(node);
    double t0 = now_ms();
    loom_status s = (unsigned)id < RT_NCALLS ? rt_calls[id].fn(&c)
                                              : LOOM_ERR_INTERNAL;
    p->ks[i].run_ms = now_ms() - t0;
    for (int k = 0; k < nsib; k++) {
        if (!s) {
            graph_set_buffer(sib[k], sbuf[k], NULL, 0);
            graph_detach(sib[k]);
        }
        rt_buffer_unref(sbuf[k]);
    }
    if (s)
        graph_ctx_error(p->ctx, s, "%s", c.msg[0] ? c.msg : "runtime call failed");
    return s;
}

static loom_status alloc_buffers(rt_program *p, int step)
{
    loom_ctx *ctx = p->ctx;
    for (int i = 0; i < p->nmem; i++) {
        rt_mbuf *m = &p->mem[i];
        if (m->first != step)
            continue;
        if (m->reuse >= 0 && p->mem[m->reuse].buf) {
            rt_mbuf *f = &p->mem[m->reuse];
            m->buf = f->buf;
            if (f->last == step) /* in place: this step still reads f */
                rt_buffer_ref(m->buf);
            else
                f->buf = NULL;
            continue;
        }
        m->buf = m->tiled ? rt_buffer_reserve(&ctx->alloc, (size_t)m->nbytes)
                          : rt_buffer_pooled(ctx->pool, (size_t)m->nbytes, false);
        if (!m->buf) {
            graph_ctx_error(ctx, LOOM_ERR_MEMORY,
                            "Unable to allocate %lld bytes for an array",
                            (long long)m->nbytes);
            return LOOM_ERR_MEMORY;
        }
    }
    return LOOM_OK;
}

static void release_buffers(rt_program *p, int step)
{
    for (int i = 0; i < p->nmem; i++) {
        rt_mbuf *m = &p->mem[i];
        if (m->last != step || m->output || !m->buf)
            continue;
        bool reused = false; /* by a later step (in place: this one) */
        for (int j = i + 1; j < p->nmem; j++)
            reused = reused || (p->mem[j].reuse == i && p->mem[j].first > step);
        if (!reused) {
            rt_buffer_unref(m->buf);
            m->buf = NULL;
        }
    }
}

/* Gives node a (optimized output or view) its buffer after the run. */
static void realize(rt_program *p, loom_array *a)
{
    if (a->buf)
        return;
    if (a->tmp >= 0) {
        rt_mbuf *m = &p->mem[a->tmp2];
        graph_set_buffer(a, m->buf, NULL, 0);
        return;
    }
    loom_array *base = a;
    while (graph_ops[base->op].kind == GRAPH_MOVE && !base->buf &&
           base->tmp < 0)
        base = base->in[0];
    if (!base->buf)
        realize(p, base);
    int64_t st[LOOM_MAX_DIMS], off;
    if (base->buf &&
        fuse_view_of(a, base, base->strides, base->offset, st, &off))
        graph_set_buffer(a, base->buf, st, off);
}

static loom_status run_step(rt_program *p, int i)
{
    return p->plan.steps[i].kind == FUSE_KERNEL ? run_kernel(p, i) : run_call(p, i);
}

/* Runs tiled chain t (runtime/tile.c): steps set up as for whole runs. */
static loom_status run_tiled(rt_program *p, const rt_tile *t)
{
    int n = t->last - t->first + 1;
    rt_tstep *ts = rt_malloc(&p->ctx->alloc, (size_t)n * sizeof *ts);
    if (!ts) {
        graph_ctx_error(p->ctx, LOOM_ERR_MEMORY, "tiled chain: out of memory");
        return LOOM_ERR_MEMORY;
    }
    int nm = 0;
    for (int st = t->first; st <= t->last; st++) {
        if (!rt_tile_member(t, st))
            continue;
        int i = nm++;
        rt_kstep *ks = &p->ks[st];
        ts[i].call = p->plan.steps[st].kind != FUSE_KERNEL;
        if (ts[i].call) {
            call_setup(p, st, &ts[i].c);
            continue;
        }
        ts[i].fn = ks->fn;
        ts[i].params = ks->k.params;
        ts[i].extent0 = ks->extent0;
        ts[i].nbind = ks->nbind;
        for (int b = 0; b < ks->nbind; b++)
            ts[i].bufs[b] = node_base(p, ks->bind[b].node);
    }
    char *base[RT_TILE_MAXSLOT];
    int64_t bytes[RT_TILE_MAXSLOT];
    for (int q = 0; q < t->nslot; q++) {
        base[q] = p->mem[t->slot[q]].buf->data;
        bytes[q] = p->mem[t->slot[q]].nbytes;
    }
    double t0 = now_ms();
    loom_status s = rt_tile_run(p->ctx, t, ts, base, bytes);
    /* the chain's time goes to its first step */
    p->ks[t->first].run_ms = now_ms() - t0;
    for (int i = t->first + 1; i <= t->last; i++)
        if (rt_tile_member(t, i))
            p->ks[i].run_ms = 0;
    rt_free(&p->ctx->alloc, ts, (size_t)n * sizeof *ts);
    return s;
}

loom_status rt_program_run(rt_program *p)
{
    loom_status s = LOOM_OK;
    double t0 = now_ms();
    for (int i = 0; i < p->plan.nsteps && !s; i++) {
        const rt_tile *t = rt_tile_at(p->tiles, p->ntiles, i);
        if (t) {
            for (int q = i; q <= t->last && !s; q++)
                s = alloc_buffers(p, q);
            for (int q = i; q <= t->last && !s; q++) /* steps that run first */
                if (!rt_tile_member(t, q))
                    s = run_step(p, q);
            if (!s)
                s = run_tiled(p, t);
            for (int q = i; q <= t->last; q++)
                release_buffers(p, q);
            i = t->last;
            continue;
        }
        if ((s = alloc_buffers(p, i)))
            break;
        s = run_step(p, i);
        release_buffers(p, i);
    }
    if (!s)
        for (int o = 0; o < p->nout; o++) {
            realize(p, p->opt[o]);
            loom_array *r = p->req[o], *a = p->opt[o];
            if (r != a && a->buf)
                graph_set_buffer(r, a->buf, a->strides, a->offset);
        }
    p->run_ms = now_ms() - t0;
    return s;
}

void rt_program_free(rt_program *p)
{
    loom_ctx *ctx = p->ctx;
    if (!ctx)
        return;
    for (int i = 0; i < p->nmem; i++)
        if (p->mem[i].buf)
            rt_buffer_unref(p->mem[i].buf);
    rt_free(&ctx->alloc, p->mem, (size_t)p->memcap * sizeof(rt_mbuf));
    rt_free(&ctx->alloc, p->tiles, (size_t)p->ntiles * sizeof(rt_tile));
    if (p->ks) {
        for (int i = 0; i < p->plan.nsteps; i++)
            jit_kernel_free(&p->ks[i].k);
        rt_free(&ctx->alloc, p->ks,
                (size_t)(p->plan.nsteps + 1) * sizeof(rt_kstep));
    }
    fuse_plan_free(&p->plan);
    if (p->opt)
        for (int i = 0; i < p->nout; i++)
            if (p->opt[i])
                graph_unref(p->opt[i]);
    rt_free(&ctx->alloc, p->req, (size_t)p->nout * sizeof(loom_array *));
    rt_free(&ctx->alloc, p->opt, (size_t)p->nout * sizeof(loom_array *));
    memset(p, 0, sizeof *p);
}
