/*
 * lower.c -- a fused kernel step to loop-nest kernel IR.
 *
 * A node is lowered *at coordinates*: lower(n, frame) gives the IR value of
 * n at the position frame, where each of n's axes is an affine form in the
 * kernel's loop variables (c + sum a_l * i_l) with numeric coefficients.
 * Movement ops transform frames (a transpose permutes them, a slice scales
 * and shifts them, a broadcast fixes axes at 0); elementwise ops lower
 * their inputs at the same frame; a buffer (a realized input or the output
 * of an earlier step) becomes a load whose index is
 *     offset + sum_l i_l * stride_l
 * with every offset and stride a kernel parameter.  So the numbers stay out
 * of the code, and a transposed or sliced input differs from a contiguous
 * one only in which strides are 0, 1 or other.
 *
 * Reductions inside the kernel are phases: before the row (or the point)
 * is stored, each reduction sweeps its reduced axes with loops of its own,
 * in dependency order.  A first, dry pass finds them and the frame at
 * which the kernel reads each one.
 */
#include "jit/lower.h"

#include <stdlib.h>
#include <string.h>

#define LMAXL 24 /* loop variables per kernel */

typedef struct aff {
    int64_t c;
    int64_t a[LMAXL];
} aff;

typedef struct frame {
    int ndim;
    aff x[LOOM_MAX_DIMS];
} frame;

typedef struct memo {
    const loom_array *node;
    frame f;
    int val;
    int next;
} memo;

typedef struct lstate {
    const fuse_plan *plan;
    int step;
    jit_kernel *k;
    jit_binding *bind;
    int nbind, maxbind;
    int nouter, ndom;
    /* memo of lowered (node, frame) pairs, chained per DAG position */
    memo *memos;
    int nmemo, mcap;
    int *head;
    /* reductions found by the dry pass, with their frames and loops */
    struct red {
        const loom_array *node;
        frame f;
        int loop0; /* first loop variable of its reduced axes */
        int acc;
    } *reds;
    int nreds, rcap;
    bool dry;
    loom_status err;
    /* access vectors seen by the dry pass (loads and index grids), used to
     * decide which domain loops collapse into one */
    aff *vecs;
    int nvecs, veccap;
    /* original loop -> emitted loop (-1: extent 1, dropped); a collapsed
     * group maps all its loops to one, whose coefficient is that of the
     * group's innermost loop (`last`) */
    int remap[LMAXL];
    bool last[LMAXL];
    int64_t extent[LMAXL]; /* emitted loops' extents (domain groups) */
} lstate;

static bool grow(lstate *s, void **arr, int *cap, int need, size_t elt)
{
    if (need <= *cap)
        return true;
    int ncap = *cap ? *cap * 2 : 32;
    while (ncap < need)
        ncap *= 2;
    void *p = rt_realloc(&s->k->alloc, *arr, (size_t)*cap * elt,
                         (size_t)ncap * elt);
    if (!p) {
        s->err = LOOM_ERR_MEMORY;
        return false;
    }
    *arr = p;
    *cap = ncap;
    return true;
}

/* ---- memo ---- */

static bool frame_equal(const frame *a, const frame *b)
{
    if (a->ndim != b->ndim)
        return false;
    return !memcmp(a->x, b->x, (size_t)a->ndim * sizeof(aff));
}

static int memo_get(lstate *s, const loom_array *n, const frame *f)
{
    for (int i = s->head[n->tmp2]; i >= 0; i = s->memos[i].next)
        if (s->memos[i].node == n && frame_equal(&s->memos[i].f, f))
            return s->memos[i].val;
    return -1;
}

static void memo_put(lstate *s, const loom_array *n, const frame *f, int v)
{
    if (!grow(s, (void **)&s->memos, &s->mcap, s->nmemo + 1, sizeof(memo)))
        return;
    s->memos[s->nmemo] = (memo){n, *f, v, s->head[n->tmp2]};
    s->head[n->tmp2] = s->nmemo++;
}

/* ---- buffers ---- */

/* Whether the kernel reads n from memory rather than computing it. */
static bool is_buffer(const lstate *s, const loom_array *n)
{
    return n->buf || (n->tmp >= 0 && n->tmp != s->step);
}

/* The strides and offset of buffer node n (C order for step outputs,
 * which the executor allocates contiguous). */
static void buffer_layout(const loom_array *n, int64_t *st, int64_t *off)
{
    if (n->buf) {
        memcpy(st, n->strides, (size_t)n->ndim * sizeof(int64_t));
        *off = n->offset;
    } else {
        graph_c_strides(n->ndim, n->shape, st);
        *off = 0;
    }
}

static int bind_slot(lstate *s, loom_array *n, bool output)
{
    for (int i = 0; i < s->nbind; i++)
        if (s->bind[i].node == n && s->bind[i].output == output)
            return i;
    if (s->nbind == s->maxbind) {
        s->err = LOOM_ERR_INTERNAL;
        return -1;
    }
    int b = jit_buf(s->k, (loom_dtype)n->dtype, output);
    if (b != s->nbind) {
        s->err = LOOM_ERR_MEMORY;
        return -1;
    }
    s->bind[s->nbind++] = (jit_binding){n, output};
    return b;
}

static void record(lstate *s, const aff *x)
{
    if (grow(s, (void **)&s->vecs, &s->veccap, s->nvecs + 1, sizeof(aff)))
        s->vecs[s->nvecs++] = *x;
}

/* IR for c + sum_l a_l * i_l, every coefficient a parameter, over the
 * emitted (collapsed) loops. */
static int affine_value(lstate *s, const aff *x)
{
    jit_kernel *k = s->k;
    if (s->dry) {
        record(s, x);
        return 0;
    }
    int v = jit_param(k, x->c);
    for (int l = 0; l < LMAXL; l++) {
        if (!x->a[l] || s->remap[l] < 0 || !s->last[l])
            continue;
        int var = jit_val(k, (kir_val){.op = KV_VAR, .dtype = LOOM_INT64,
                                       .a = s->remap[l], .b = -1, .c = -1});
        v = jit_iadd(k, v, jit_imul(k, var, jit_param(k, x->a[l])));
    }
    return v;
}

/* The index expression of a buffer with the given strides and offset at
 * frame f: parameters for the offset and for the stride of every loop the
 * frame uses (zero strides fold away structurally). */
static int buffer_index(lstate *s, const int64_t *st, int64_t off,
                        const frame *f)
{
    aff idx;
    memset(&idx, 0, sizeof idx);
    idx.c = off;
    for (int d = 0; d < f->ndim; d++) {
        idx.c += st[d] * f->x[d].c;
        for (int l = 0; l < LMAXL; l++)
            idx.a[l] += st[d] * f->x[d].a[l];
    }
    return affine_value(s, &idx);
}

static int load(lstate *s, loom_array *buffer_node, const int64_t *st,
                int64_t off, const frame *f)
{
    if (s->dry)
        return buffer_index(s, st, off, f);
    int slot = bind_slot(s, buffer_node, false);
    if (slot < 0)
        return -1;
    int idx = buffer_index(s, st, off, f);
    return jit_val(s->k, (kir_val){.op = KV_LOAD,
                                   .dtype = buffer_node->dtype, .a = slot,
                                   .b = idx, .c = -1});
}

/* ---- frames through movement ---- */

static loom_array *move_base(loom_array *a)
{
    while (graph_ops[a->op].kind == GRAPH_MOVE)
        a = a->in[0];
    return a;
}

/* The frame of MOVE node m's input given m's frame; false for a reshape
 * that is not a projection (fusion must have materialized its input). */
static bool move_frame(const loom_array *m, const frame *f, frame *g)
{
    const loom_array *in = m->in[0];
    memset(g, 0, sizeof *g);
    g->ndim = in->ndim;
    switch (m->op) {
    case GRAPH_OP_PERMUTE:
        for (int i = 0; i < m->ndim; i++)
            g->x[m->attr[i]] = f->x[i];
        return true;
    case GRAPH_OP_EXPAND:
        for (int i = 0; i < m->ndim; i++)
            if (in->shape[i] == m->shape[i])
                g->x[i] = f->x[i];
        return true;
    case GRAPH_OP_SLICE:
        for (int i = 0; i < m->ndim; i++) {
            int64_t start = m->attr[i], step = m->attr[LOOM_MAX_DIMS + i];
            if (in->shape[i] == 1 && m->shape[i] == 1)
                continue; /* coordinate 0 */
            g->x[i].c = start + step * f->x[i].c;
            for (int l = 0; l < LMAXL; l++)
                g->x[i].a[l] = step * f->x[i].a[l];
        }
        return true;
    case GRAPH_OP_RESHAPE: {
        int j = 0;
        for (int i = 0; i < in->ndim; i++) {
            if (in->shape[i] == 1)
                continue;
            while (j < m->ndim && m->shape[j] == 1)
                j++;
            if (j == m->ndim || m->shape[j] != in->shape[i])
                return false;
            g->x[i] = f->x[j++];
        }
        for (; j < m->ndim; j++)
            if (m->shape[j] != 1)
                return false;
        return true;
    }
    default:
        return false;
    }
}

/* ---- lowering values ---- */

static int lower(lstate *s, loom_array *n, const frame *f);

static int lower_reduce(lstate *s, loom_array *n, const frame *f)
{
    if (s->dry) {
        for (int i = 0; i < s->nreds; i++)
            if (s->reds[i].node == n)
                return 0; /* already found; fusion made its frame unique */
        if (!grow(s, (void **)&s->reds, &s->rcap, s->nreds + 1,
                  sizeof *s->reds))
            return -1;
        struct red *r = &s->reds[s->nreds++];
        r->node = n;
        r->f = *f;
        r->loop0 = s->k->nloops;
        r->acc = -1;
        frame g = *f;
        const loom_array *in = n->in[0];
        for (int i = 0; i < in->ndim; i++) {
            if (!(n->attr[0] >> i & 1))
                continue;
            if (s->k->nloops == LMAXL) {
                s->err = LOOM_ERR_INTERNAL;
                return -1;
            }
            memset(&g.x[i], 0, sizeof(aff));
            g.x[i].a[s->k->nloops++] = 1;
        }
        return lower(s, n->in[0], &g);
    }
    for (int i = 0; i < s->nreds; i++)
        if (s->reds[i].node == n && s->reds[i].acc >= 0)
            return jit_val(s->k, (kir_val){.op = KV_ACC, .dtype = n->dtype,
                                           .a = s->reds[i].acc, .b = -1,
                                           .c = -1});
    s->err = LOOM_ERR_INTERNAL;
    return -1;
}

static int lower_uncached(lstate *s, loom_array *n, const frame *f)
{
    jit_kernel *k = s->k;
    if (is_buffer(s, n)) {
        int64_t st[LOOM_MAX_DIMS], off;
        buffer_layout(n, st, &off);
        return load(s, n, st, off, f);
    }
    const graph_opinfo *info = &graph_ops[n->op];
    if (info->kind == GRAPH_MOVE) {
        loom_array *base = move_base(n);
        if (base->op == GRAPH_OP_CONST && !is_buffer(s, base))
            return lower(s, base, f); /* the same value everywhere */
        if (is_buffer(s, base)) {
            int64_t bst[LOOM_MAX_DIMS], boff, st[LOOM_MAX_DIMS], off;
            buffer_layout(base, bst, &boff);
            if (fuse_view_of(n, base, bst, boff, st, &off))
                return load(s, base, st, off, f);
        }
        frame g;
        if (!move_frame(n, f, &g)) {
            s->err = LOOM_ERR_INTERNAL;
            return -1;
        }
        return lower(s, n->in[0], &g);
    }
    switch (n->op) {
    case GRAPH_OP_CONST: /* 0-d: the frame has no axes to read */
        return s->dry ? 0
                      : jit_val(k, (kir_val){.op = KV_CONST,
                                             .dtype = n->dtype, .a = -1,
                                             .b = -1, .c = -1,
                                             .imm = n->value});
    case GRAPH_OP_IOTA: {
        aff v;
        memset(&v, 0, sizeof v);
        v.c = n->attr[GRAPH_IOTA_OFFSET];
        for (int d = 0; d < n->ndim; d++) {
            v.c += n->attr[d] * f->x[d].c;
            for (int l = 0; l < LMAXL; l++)
                v.a[l] += n->attr[d] * f->x[d].a[l];
        }
        return affine_value(s, &v);
    }
    case GRAPH_OP_COPY:
        return lower(s, n->in[0], f);
    default:
        break;
    }
    if (info->kind == GRAPH_REDUCE)
        return lower_reduce(s, n, f);
    if (info->kind != GRAPH_ELEM) {
        s->err = LOOM_ERR_INTERNAL;
        return -1;
    }
    int args[3] = {-1, -1, -1};
    for (int i = 0; i < n->nin; i++)
        if ((args[i] = lower(s, n->in[i], f)) < 0)
            return -1;
    if (s->dry)
        return 0;
    return jit_val(k, (kir_val){.op = KV_ALU, .dtype = n->dtype,
                                .gop = n->op, .a = args[0], .b = args[1],
                                .c = args[2]});
}

static int lower(lstate *s, loom_array *n, const frame *f)
{
    if (s->err)
        return -1;
    int v = memo_get(s, n, f);
    if (v >= 0)
        return v;
    v = lower_uncached(s, n, f);
    if (v >= 0 && !s->err)
        memo_put(s, n, f, v);
    return s->err ? -1 : v;
}

/* ---- statements ---- */

/* The accumulator dtype of reduction r: float32 sums accumulate in
 * float64, which makes them more accurate than NumPy's pairwise sums. */
static loom_dtype acc_dtype(const loom_array *r)
{
    if (r->op == GRAPH_OP_RSUM && r->dtype == LOOM_FLOAT32)
        return LOOM_FLOAT64;
    return (loom_dtype)r->dtype;
}

static void emit_phase(lstate *s, struct red *r)
{
    jit_kernel *k = s->k;
    const loom_array *n = r->node, *in = n->in[0];
    r->acc = jit_acc(k, (graph_op)n->op, acc_dtype(n), (loom_dtype)n->dtype);
    jit_stmt(k, KS_ACC_INIT, r->acc, -1, -1);
    frame g = r->f;
    int l = r->loop0, first = -1;
    for (int i = 0; i < in->ndim; i++) {
        if (!(n->attr[0] >> i & 1))
            continue;
        memset(&g.x[i], 0, sizeof(aff));
        g.x[i].a[l] = 1;
        jit_stmt(k, KS_LOOP, s->remap[l], jit_param(k, in->shape[i]), 0);
        if (first < 0)
            first = s->remap[l];
        l++;
    }
    int v = lower(s, n->in[0], &g);
    int idx = -1;
    if (n->op == GRAPH_OP_RARGMAX || n->op == GRAPH_OP_RARGMIN)
        idx = first >= 0 ? jit_val(k, (kir_val){.op = KV_VAR,
                                                .dtype = LOOM_INT64,
                                                .a = first, .b = -1, .c = -1})
                         : jit_const_i(k, 0);
    jit_stmt(k, KS_ACC_UPDATE, r->acc, v, idx);
    for (int j = r->loop0; j < l; j++)
        jit_stmt(k, KS_END, -1, -1, -1);
}

static int cmp_red(const void *a, const void *b)
{
    const loom_array *x = ((const struct red *)a)->node;
    const loom_array *y = ((const struct red *)b)->node;
    return (x->tmp2 > y->tmp2) - (x->tmp2 < y->tmp2);
}

/* Whether every access moves by the same amount when the group's loop p
 * steps once as when the next loop q runs through its extent. */
static bool mergeable(const lstate *s, int p, int q, int64_t eq)
{
    for (int i = 0; i < s->nvecs; i++)
        if (s->vecs[i].a[p] != s->vecs[i].a[q] * eq)
            return false;
    return true;
}

/*
 * Plans the emitted loops: domain loops of extent 1 vanish, and runs of
 * adjacent domain loops in the same region (outer or inner) collapse into
 * one when every access is linear across them -- a contiguous 2-D
 * elementwise kernel becomes a 1-D one.  Reduction loops keep their own.
 * Returns the number of emitted outer domain loops.
 */
static int plan_loops(lstate *s, const fuse_step *st, int nloops)
{
    int n = 0, nouter = 0, prev = -1;
    for (int d = 0; d < st->ndom; d++) {
        s->remap[d] = -1;
        s->last[d] = false;
        if (st->dom[d] == 1)
            continue;
        bool same_region = prev >= 0 && (prev < s->nouter) == (d < s->nouter);
        if (same_region && mergeable(s, prev, d, st->dom[d])) {
            s->remap[d] = s->remap[prev];
            s->last[prev] = false;
            s->extent[s->remap[d]] *= st->dom[d];
        } else {
            s->remap[d] = n;
            s->extent[n++] = st->dom[d];
            if (d < s->nouter)
                nouter++;
        }
        s->last[d] = true;
        prev = d;
    }
    for (int l = st->ndom; l < nloops; l++) {
        s->remap[l] = n++;
        s->last[l] = true;
    }
    s->k->nloops = n;
    return nouter;
}

static void identity_frame(frame *f, int ndim)
{
    memset(f, 0, sizeof *f);
    f->ndim = ndim;
    for (int i = 0; i < ndim; i++)
        f->x[i].a[i] = 1;
}

/*
 * Lowers step `step` of plan into k.  bind receives, for each buffer
 * argument of the kernel, the node it holds (maxbind entries at most).
 */
loom_status jit_lower(const fuse_plan *plan, int step, jit_kernel *k,
                      jit_binding *bind, int maxbind, int *nbind,
                      int64_t *extent0)
{
    const fuse_step *st = &plan->steps[step];
    lstate s = {.plan = plan, .step = step, .k = k, .bind = bind,
                .maxbind = maxbind, .ndom = st->ndom,
                .nouter = st->ndom - st->ninner};
    s.head = rt_malloc(&k->alloc, (size_t)plan->nnodes * sizeof(int));
    if (!s.head)
        return LOOM_ERR_MEMORY;
    for (int i = 0; i < plan->nnodes; i++)
        s.head[i] = -1;
    k->nloops = st->ndom;
    frame dom;
    identity_frame(&dom, st->ndom);

    /* dry pass: find the reductions and their frames */
    s.dry = true;
    int64_t cst[LOOM_MAX_DIMS];
    graph_c_strides(st->ndom, st->dom, cst);
    for (int o = 0; o < st->nout && !s.err; o++) {
        lower(&s, st->out[o], &dom);
        buffer_index(&s, cst, 0, &dom);
    }
    s.dry = false;
    s.nmemo = 0;
    for (int i = 0; i < plan->nnodes; i++)
        s.head[i] = -1;
    qsort(s.reds, (size_t)s.nreds, sizeof *s.reds, cmp_red);

    /* outer loops, phases, inner loops, stores */
    int nouter = plan_loops(&s, st, k->nloops);
    int ndom = 0;
    for (int d = 0; d < st->ndom; d++)
        if (s.remap[d] >= ndom)
            ndom = s.remap[d] + 1;
    for (int l = 0; l < nouter && !s.err; l++)
        jit_stmt(k, KS_LOOP, l, jit_param(k, s.extent[l]),
                 l == 0 ? KIR_LOOP_PARALLEL : 0);
    for (int i = 0; i < s.nreds && !s.err; i++)
        emit_phase(&s, &s.reds[i]);
    for (int l = nouter; l < ndom && !s.err; l++)
        jit_stmt(k, KS_LOOP, l, jit_param(k, s.extent[l]),
                 l == 0 ? KIR_LOOP_PARALLEL : 0);
    for (int o = 0; o < st->nout && !s.err; o++) {
        int v = lower(&s, st->out[o], &dom);
        int slot = bind_slot(&s, st->out[o], true);
        int idx = buffer_index(&s, cst, 0, &dom);
        if (v >= 0 && slot >= 0 && idx >= 0)
            jit_stmt(k, KS_STORE, slot, idx, v);
    }
    for (int l = 0; l < ndom; l++)
        jit_stmt(k, KS_END, -1, -1, -1);
    if (ndom > 0)
        *extent0 = s.extent[0];
    else
        *extent0 = 1;

    rt_free(&k->alloc, s.vecs, (size_t)s.veccap * sizeof(aff));
    rt_free(&k->alloc, s.head, (size_t)plan->nnodes * sizeof(int));
    rt_free(&k->alloc, s.memos, (size_t)s.mcap * sizeof(memo));
    rt_free(&k->alloc, s.reds, (size_t)s.rcap * sizeof *s.reds);
    *nbind = s.nbind;
    if (!s.err && k->oom)
        s.err = LOOM_ERR_MEMORY;
    if (!s.err)
        jit_kernel_hash(k);
    return s.err;
}
