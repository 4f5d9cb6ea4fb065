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

/* A coordinate: c + sum_l a[l] * i_l, plus dscale times a value computed
 * at run time (dyn - 1 is its IR value; dyn == 0: none) -- a position
 * read from an index array by a gather. */
typedef struct aff {
    int64_t c;
    int64_t a[LMAXL];
    int32_t dyn;
    int32_t pad;
    int64_t dscale;
} aff;

typedef struct frame {
    int ndim;
    aff x[LOOM_MAX_DIMS];
} frame;

typedef struct memo {
    const loom_array *node;
    frame f;
    int mask; /* the guard the value was lowered under (-1: none) */
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
        int phase; /* index of the phase's first reduction */
        int share; /* a sum read off the var of reds[share] (-1: none) */
        int parent; /* the reduction whose sweep this one's phase runs
                       in, once per step (-1: none; see nest_phases) */
    } *reds;
    int nreds, rcap;
    bool dry;
    loom_status err;
    const char *why; /* what went wrong, for the error message */
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
    /* the row cache (see plan_row_cache) */
    const loom_array *rc_node;
    frame rc_phase, rc_store;
    int rc_lead, rc_slot;
    int mask;   /* the guard of loads being lowered (inside a
                   concatenation input), or -1 */
    int rc_idx; /* the store loop's index of the cached row, or -1: the
                   output store reuses it, so that LLVM sees the read and
                   the write of the same element (no overlap checks) */
    int rc_row_loop, rc_phase_loop; /* original loop ids */
    int unroll; /* rows per step of a column-split sweep (emit_phase) */
} lstate;

static void fail(lstate *s, const char *why)
{
    if (!s->err) {
        s->err = LOOM_ERR_INTERNAL;
        s->why = why;
    }
}

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
        if (s->memos[i].node == n && s->memos[i].mask == s->mask &&
            frame_equal(&s->memos[i].f, f))
            return s->memos[i].val;
    return -1;
}

static void memo_put(lstate *s, const loom_array *n, const frame *f, int v)
{
    if (!grow(s, (void **)&s->memos, &s->mcap, s->nmemo + 1, sizeof(memo)))
        return;
    s->memos[s->nmemo] = (memo){n, *f, s->mask, v, s->head[n->tmp2]};
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
        fail(s, "more buffers than a kernel takes");
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

/* IR for c + sum_l a_l * i_l (+ its data-dependent part), every
 * coefficient a parameter, over the emitted (collapsed) loops. */
static int affine_value(lstate *s, const aff *x)
{
    jit_kernel *k = s->k;
    if (s->dry) {
        record(s, x);
        return 0;
    }
    int v = jit_param(k, x->c);
    if (x->dyn)
        v = jit_iadd(k, v, jit_imul(k, x->dyn - 1, jit_param(k, x->dscale)));
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
    int v = affine_value(s, &idx);
    for (int d = 0; d < f->ndim && !s->dry; d++)
        if (f->x[d].dyn)
            v = jit_iadd(s->k, v,
                         jit_imul(s->k, f->x[d].dyn - 1,
                                  jit_param(s->k, st[d] * f->x[d].dscale)));
    return v;
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
                                   .b = idx, .c = s->mask});
}

/* ---- frames through movement ---- */

/* The node under a's chain of movement ops: the first that is not a
 * movement op, or that the kernel reads from memory. */
static loom_array *move_base(const lstate *s, loom_array *a)
{
    while (graph_ops[a->op].kind == GRAPH_MOVE) {
        loom_array *in = a->in[0];
        if (is_buffer(s, in))
            return in;
        a = in;
    }
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
            g->x[i].dyn = f->x[i].dyn;
            g->x[i].dscale = step * f->x[i].dscale;
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

static loom_dtype acc_dtype(const loom_array *r);

static int alu(jit_kernel *k, graph_op op, loom_dtype t, int a, int b)
{
    return jit_val(k, (kir_val){.op = KV_ALU, .dtype = t, .gop = op, .a = a,
                                .b = b, .c = -1});
}

/* Whether n is an argmin or argmax (its result is an index). */
static bool is_arg_reduction(const loom_array *n)
{
    return n->op == GRAPH_OP_RARGMAX || n->op == GRAPH_OP_RARGMIN;
}

/* The value of reduction r from its accumulator: the index for argmin /
 * argmax; (S2 - S1^2/n) / max(n - ddof, 0) for var, S1 and S2 being sums
 * of (x - shift) and its square; the value otherwise -- cast to r's
 * dtype. */
static int acc_result(lstate *s, const struct red *r)
{
    jit_kernel *k = s->k;
    const loom_array *n = r->node;
    loom_dtype at = acc_dtype(n);
    kir_val v = {.op = KV_ACC, .dtype = at, .a = r->acc, .b = 0, .c = -1};
    if (r->share >= 0) { /* S1 + count * shift of the var */
        v.a = s->reds[r->share].acc;
        int s1 = jit_val(k, v);
        v.b = 2;
        int shift = jit_val(k, v);
        int c = jit_val(k, (kir_val){.op = KV_CONST, .dtype = at, .a = -1,
                                     .b = -1, .c = -1,
                                     .imm.f = (double)graph_reduced_numel(n)});
        int x = alu(k, GRAPH_OP_ADD, at, s1, alu(k, GRAPH_OP_MUL, at, shift, c));
        return at != n->dtype ? alu(k, GRAPH_OP_CAST, (loom_dtype)n->dtype, x, -1)
                              : x;
    }
    if (is_arg_reduction(n)) {
        v.b = 1;
        v.dtype = LOOM_INT64;
        return jit_val(k, v);
    }
    int x = jit_val(k, v);
    if (n->op == GRAPH_OP_RVAR) {
        v.b = 1;
        int s2 = jit_val(k, v);
        double cnt = (double)graph_reduced_numel(n);
        double dof = cnt - (double)n->attr[1];
        int c = jit_val(k, (kir_val){.op = KV_CONST, .dtype = at, .a = -1,
                                     .b = -1, .c = -1, .imm.f = cnt});
        int d = jit_val(k, (kir_val){.op = KV_CONST, .dtype = at, .a = -1,
                                     .b = -1, .c = -1,
                                     .imm.f = dof > 0 ? dof : 0});
        int m = alu(k, GRAPH_OP_SUB, at, s2,
                    alu(k, GRAPH_OP_DIV, at, alu(k, GRAPH_OP_MUL, at, x, x), c));
        /* rounding can leave a tiny negative for constant data */
        int z = jit_val(k, (kir_val){.op = KV_CONST, .dtype = at, .a = -1,
                                     .b = -1, .c = -1, .imm.f = 0});
        x = alu(k, GRAPH_OP_DIV, at, alu(k, GRAPH_OP_MAX, at, m, z), d);
    }
    if (at != n->dtype)
        x = alu(k, GRAPH_OP_CAST, (loom_dtype)n->dtype, x, -1);
    return x;
}

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
        r->share = -1;
        r->parent = -1;
        frame g = *f;
        const loom_array *in = n->in[0];
        for (int i = 0; i < in->ndim; i++) {
            if (!(n->attr[0] >> i & 1))
                continue;
            if (s->k->nloops == LMAXL) {
                fail(s, "more loops than a kernel takes");
                return -1;
            }
            memset(&g.x[i], 0, sizeof(aff));
            g.x[i].a[s->k->nloops++] = 1;
        }
        return lower(s, n->in[0], &g);
    }
    for (int i = 0; i < s->nreds; i++) {
        const struct red *r = &s->reds[i];
        if (r->node == n && (r->acc >= 0 ||
                             (r->share >= 0 && s->reds[r->share].acc >= 0)))
            return acc_result(s, r);
    }
    fail(s, "a reduction is used outside the loops that compute it");
    return -1;
}

/*
 * A gather at frame f: source axis j is output axis attr[j] when
 * attr[j] >= 0, else it is the value of index input -attr[j] (an int64
 * array of the output's shape, negative values counting from the end).
 */
static int lower_gather(lstate *s, loom_array *n, const frame *f)
{
    loom_array *src = n->in[0];
    frame g;
    memset(&g, 0, sizeof g);
    g.ndim = src->ndim;
    for (int j = 0; j < src->ndim; j++) {
        int64_t a = n->attr[j];
        if (a >= 0) {
            g.x[j] = f->x[a];
            continue;
        }
        int v = lower(s, n->in[-a], f);
        if (v < 0)
            return -1;
        if (s->dry)
            continue; /* the dry pass needs no positions */
        jit_kernel *k = s->k;
        int zero = jit_const_i(k, 0);
        int neg = jit_val(k, (kir_val){.op = KV_ALU, .dtype = LOOM_BOOL,
                                       .gop = GRAPH_OP_LT, .a = v, .b = zero,
                                       .c = -1});
        int wrapped = jit_iadd(k, v, jit_param(k, src->shape[j]));
        int pos = jit_val(k, (kir_val){.op = KV_ALU, .dtype = LOOM_INT64,
                                       .gop = GRAPH_OP_WHERE, .a = neg,
                                       .b = wrapped, .c = v});
        g.x[j].dyn = pos + 1;
        g.x[j].dscale = 1;
    }
    return lower(s, src, &g);
}

static int ialu(jit_kernel *k, graph_op op, loom_dtype t, int a, int b,
                int c)
{
    return jit_val(k, (kir_val){.op = KV_ALU, .dtype = t, .gop = op, .a = a,
                                .b = b, .c = c});
}

/*
 * A concatenation at frame f: along the axis, input k holds positions
 * [off_k, off_k + n_k).  Every input is read at its own, shifted, affine
 * position, its loads guarded by "the coordinate is in its range" (so no
 * load strays, and contiguous reads stay vector loads, masked), and
 * selects keep the right value: inputs are few.
 */
static int lower_concat(lstate *s, loom_array *n, const frame *f)
{
    jit_kernel *k = s->k;
    int ax = (int)n->attr[0];
    /* the coordinate is used as a value: the dry pass records it, which
     * keeps loops across the axis from being collapsed */
    int coord = affine_value(s, &f->x[ax]);
    int result = -1, outer = s->mask, last = n->nin - 1;
    int64_t off = 0;
    while (last > 0 && n->in[last]->shape[ax] == 0)
        last--;
    for (int i = 0; i <= last; i++) {
        loom_array *in = n->in[i];
        int64_t len = in->shape[ax];
        if (len == 0)
            continue;
        frame g = *f;
        g.x[ax].c -= off;
        int ge = -1, guard = -1;
        if (!s->dry) {
            if (off > 0)
                ge = guard = ialu(k, GRAPH_OP_GE, LOOM_BOOL, coord,
                                  jit_param(k, off), -1);
            if (i < last) {
                int lt = ialu(k, GRAPH_OP_LT, LOOM_BOOL, coord,
                              jit_param(k, off + len), -1);
                guard = guard < 0 ? lt : ialu(k, GRAPH_OP_AND, LOOM_BOOL, guard, lt, -1);
            }
            if (outer >= 0)
                guard = guard < 0 ? outer
                                  : ialu(k, GRAPH_OP_AND, LOOM_BOOL, outer, guard, -1);
            s->mask = guard;
        }
        int v = lower(s, in, &g);
        s->mask = outer;
        if (v < 0)
            return -1;
        if (!s->dry)
            result = result < 0 ? v
                                : ialu(k, GRAPH_OP_WHERE, (loom_dtype)n->dtype,
                                       ge, v, result);
        off += len;
    }
    return s->dry ? 0 : result;
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
        loom_array *base = move_base(s, n);
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
            fail(s, "a reshape is neither a view nor a projection");
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
    case GRAPH_OP_IOTA:
        return buffer_index(s, n->attr, n->attr[GRAPH_IOTA_OFFSET], f);
    case GRAPH_OP_GATHER:
        return lower_gather(s, n, f);
    case GRAPH_OP_CONCAT:
        return lower_concat(s, n, f);
    case GRAPH_OP_COPY:
        return lower(s, n->in[0], f);
    default:
        break;
    }
    if (info->kind == GRAPH_REDUCE)
        return lower_reduce(s, n, f);
    if (info->kind != GRAPH_ELEM) {
        fail(s, "an op the kernel cannot compute inline");
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

static int row_cache_load(lstate *s, const frame *f);

static int lower(lstate *s, loom_array *n, const frame *f)
{
    if (s->err)
        return -1;
    if (n == s->rc_node && !s->dry && s->mask < 0 && frame_equal(f, &s->rc_store))
        return row_cache_load(s, f);
    int v = memo_get(s, n, f);
    if (v >= 0)
        return v;
    v = lower_uncached(s, n, f);
    if (v >= 0 && !s->err)
        memo_put(s, n, f, v);
    return s->err ? -1 : v;
}

/* ---- statements ---- */

/* The accumulator dtype of reduction r: float32 sums (and variances)
 * accumulate in float64, more accurately than NumPy's pairwise sums. */
static loom_dtype acc_dtype(const loom_array *r)
{
    if ((r->op == GRAPH_OP_RSUM || r->op == GRAPH_OP_RVAR) &&
        r->dtype == LOOM_FLOAT32)
        return LOOM_FLOAT64;
    if (is_arg_reduction(r))
        return (loom_dtype)r->in[0]->dtype;
    return (loom_dtype)r->dtype;
}

/* The reduction's frame for its input: kept axes from its own frame,
 * reduced axes from its loops (loop0 onwards, in axis order). */
static frame input_frame(const struct red *r)
{
    const loom_array *n = r->node, *in = n->in[0];
    frame g = r->f;
    g.ndim = in->ndim;
    int l = r->loop0;
    for (int i = 0; i < in->ndim; i++) {
        if (!(n->attr[0] >> i & 1))
            continue;
        memset(&g.x[i], 0, sizeof(aff));
        g.x[i].a[l++] = 1;
    }
    return g;
}

static int nreduced(const loom_array *n)
{
    int c = 0;
    for (int i = 0; i < n->in[0]->ndim; i++)
        c += (int)(n->attr[0] >> i & 1);
    return c;
}

/* Whether the inline subgraph under x uses reduction r. */
static bool uses(const lstate *s, const loom_array *x, const loom_array *r,
                 int depth)
{
    if (x == r)
        return true;
    if (depth > 64 || is_buffer(s, x) || x->nin == 0)
        return false;
    for (int i = 0; i < x->nin; i++)
        if (uses(s, x->in[i], r, depth + 1))
            return true;
    return false;
}

/*
 * Groups reductions into phases: one sweep computes every reduction of a
 * phase.  A reduction joins the phase of an earlier one that sweeps the
 * same axes of an input of the same shape from the same position, unless
 * it depends on a reduction of that phase (var needs the mean first: it
 * cannot share the mean's sweep -- loom's var is one reduction, though).
 */
/* A float sum of the very input a var of its phase sweeps needs no
 * accumulator of its own: it is the var's shifted sum plus count times
 * the shift (the mean and std of batch statistics, zscore...). */
static void share_sums(lstate *s)
{
    for (int i = 0; i < s->nreds; i++) {
        struct red *r = &s->reds[i];
        if (r->node->op != GRAPH_OP_RSUM || !graph_is_float(acc_dtype(r->node)))
            continue;
        for (int j = 0; j < s->nreds; j++) {
            const struct red *q = &s->reds[j];
            if (q->node->op == GRAPH_OP_RVAR && q->phase == r->phase &&
                q->node->in[0] == r->node->in[0] &&
                q->node->attr[0] == r->node->attr[0] &&
                acc_dtype(q->node) == acc_dtype(r->node)) {
                r->share = j;
                break;
            }
        }
    }
}

/*
 * A reduction whose frame moves with another's loops is read inside that
 * sweep (a row's max under a mean over rows): its phase runs nested in
 * the sweep, once per step.  Fusion nests one level, in kernels that
 * compute one point.  Uses the frames of the dry pass, before
 * group_phases moves any loops.
 */
static void nest_phases(lstate *s)
{
    for (int i = 0; i < s->nreds; i++) {
        struct red *r = &s->reds[i];
        for (int j = 0; j < s->nreds && r->parent < 0; j++) {
            const struct red *q = &s->reds[j];
            int nr = nreduced(q->node);
            for (int d = 0; d < r->f.ndim && r->parent < 0 && j != i; d++)
                for (int l = q->loop0; l < q->loop0 + nr; l++)
                    if (r->f.x[d].a[l] != 0)
                        r->parent = j;
        }
    }
}

static bool has_nested(const lstate *s, int i)
{
    for (int j = 0; j < s->nreds; j++)
        if (s->reds[j].parent == i)
            return true;
    return false;
}

static void group_phases(lstate *s)
{
    nest_phases(s);
    for (int i = 0; i < s->nreds; i++) {
        struct red *r = &s->reds[i];
        r->phase = i;
        for (int j = 0; j < i; j++) {
            struct red *q = &s->reds[j];
            if (q->phase != j)
                continue;
            /* nested phases join only siblings; a sweep with phases
             * nested in it keeps its loops (their frames name them) */
            if (r->parent != q->parent || has_nested(s, i) || has_nested(s, j))
                continue;
            const loom_array *a = r->node, *b = q->node;
            if (a->attr[0] != b->attr[0] || !graph_same_shape(a->in[0], b->in[0]) ||
                !frame_equal(&r->f, &q->f))
                continue;
            bool dep = false;
            for (int m = 0; m < i && !dep; m++)
                if (s->reds[m].phase == j)
                    dep = uses(s, a->in[0], s->reds[m].node, 0);
            if (dep)
                continue;
            r->phase = j;
            r->loop0 = q->loop0;
            break;
        }
    }
    share_sums(s);
}

static int var_of(jit_kernel *k, int loop)
{
    return jit_val(k, (kir_val){.op = KV_VAR, .dtype = LOOM_INT64, .a = loop,
                                .b = -1, .c = -1});
}

/* Opens loop `var` (an emitted loop id) over [0, extent) with flags. */
static void open_loop(lstate *s, int var, int64_t extent, int flags)
{
    jit_stmt(s->k, KS_LOOP, var, jit_param(s->k, extent), flags);
}

static void close_loops(lstate *s, int n)
{
    for (int i = 0; i < n; i++)
        jit_stmt(s->k, KS_END, -1, -1, -1);
}

/* The reduced extents of r, outermost first. */
static int reduced_extents(const struct red *r, int64_t *ext)
{
    const loom_array *n = r->node, *in = n->in[0];
    int c = 0;
    for (int i = 0; i < in->ndim; i++)
        if (n->attr[0] >> i & 1)
            ext[c++] = in->shape[i];
    return c;
}

/*
 * Emits the phase whose leader is reds[p]: the accumulators' initial
 * values, the loops over the reduced axes (the first one split across
 * threads when `split`), and the updates.  In column mode each update is
 * wrapped in a loop over the vector loop `vec` (an emitted id), so the
 * reduction sweeps rows while the vector loop runs along them; the vector
 * loop is the kernel's parallel loop, unless the rows are split (then
 * every chunk runs all of it).
 */
static void row_cache_store(lstate *s);

/* Rows a column-split sweep takes per step: its accumulators (a row of
 * them in memory) are then loaded and stored once per COLUMN_UNROLL rows,
 * not once per row.  That pays for short rows (2^20 x 64: 15 -> 11 ms);
 * from a few hundred columns on, the row of accumulators is long enough
 * and the four rows at once are slower (65536 x 256: 4.1 -> 5.1 ms), so
 * such kernels sweep one row per step (a structural choice: the kernel
 * differs). */
#define COLUMN_UNROLL 4
#define COLUMN_UNROLL_COLS 128

/*
 * The updates of phase p's accumulators at one step of its loops; with
 * stride > 1 the first reduced axis is at stride * i + off (a column
 * sweep that takes several rows per step).
 */
static void emit_updates(lstate *s, int p, int nr, int64_t stride, int64_t off)
{
    jit_kernel *k = s->k;
    const struct red *lead = &s->reds[p];
    for (int i = 0; i < s->nreds; i++) {
        struct red *r = &s->reds[i];
        if (r->phase != p || r->share >= 0)
            continue;
        frame g = input_frame(r);
        for (int d = 0; d < g.ndim; d++)
            if (g.x[d].a[r->loop0]) {
                g.x[d].a[r->loop0] *= stride;
                g.x[d].c += off;
            }
        int v = lower(s, r->node->in[0], &g);
        int idx = -1;
        if (is_arg_reduction(r->node))
            idx = nr ? var_of(k, s->remap[lead->loop0]) : jit_const_i(k, 0);
        jit_stmt(k, KS_ACC_UPDATE, r->acc, v, idx);
    }
}

/* Whether phase p has an argmin/argmax (whose index is the row's). */
static bool phase_has_arg(const lstate *s, int p)
{
    for (int i = 0; i < s->nreds; i++)
        if (s->reds[i].phase == p && is_arg_reduction(s->reds[i].node))
            return true;
    return false;
}

/* The rows an unrolled column-split sweep left over (fewer than
 * s->unroll, at its end), swept by the combine function into the merged
 * accumulators. */
static void emit_rest_rows(lstate *s, int p)
{
    if (s->unroll <= 1)
        return;
    const struct red *lead = &s->reds[p];
    int64_t ext[LOOM_MAX_DIMS];
    int nr = reduced_extents(lead, ext);
    int64_t rest = ext[0] % s->unroll;
    open_loop(s, s->remap[lead->loop0], rest, 0);
    open_loop(s, 0, s->extent[0], 0);
    emit_updates(s, p, nr, 1, ext[0] - rest);
    close_loops(s, 2);
}

static void emit_phase(lstate *s, int p, bool split, int vec)
{
    jit_kernel *k = s->k;
    struct red *lead = &s->reds[p];
    int64_t ext[LOOM_MAX_DIMS];
    int nr = reduced_extents(lead, ext);
    int vflags = vec >= 0 && !split ? KIR_LOOP_PARALLEL : 0;
    /* initial values (var: the shift is the input's first element) */
    if (vec >= 0)
        open_loop(s, vec, s->extent[vec], vflags);
    for (int i = 0; i < s->nreds; i++) {
        struct red *r = &s->reds[i];
        if (r->phase != p || r->share >= 0)
            continue;
        r->acc = jit_acc(k, (graph_op)r->node->op, acc_dtype(r->node));
        if (r->acc >= 0)
            k->accs[r->acc].local = r->parent >= 0;
        if (vec >= 0 && r->acc >= 0) {
            k->accs[r->acc].vec_var = vec;
            k->accs[r->acc].vec_len = jit_param(k, s->extent[vec]);
        }
        int shift = -1;
        if (r->node->op == GRAPH_OP_RVAR) {
            frame g = input_frame(r);
            for (int d = 0; d < g.ndim; d++)
                for (int l = r->loop0; l < r->loop0 + nr; l++)
                    g.x[d].a[l] = 0; /* reduced coordinates at 0 */
            shift = lower(s, r->node->in[0], &g);
        }
        jit_stmt(k, KS_ACC_INIT, r->acc, shift, -1);
    }
    if (vec >= 0)
        close_loops(s, 1);
    int unroll = split && vec >= 0 && nr == 1 && !phase_has_arg(s, p) &&
                         s->extent[vec] <= COLUMN_UNROLL_COLS
                     ? COLUMN_UNROLL : 1;
    s->unroll = unroll;
    for (int j = 0; j < nr; j++) {
        int flags = split && j == 0 ? KIR_LOOP_SPLIT : 0;
        int64_t e = j == 0 ? ext[0] / unroll : ext[j];
        if (flags) {
            k->chunk_param = k->nparams;
            jit_param(k, 1); /* the runtime sets the chunk size */
            k->split_extent = e;
        }
        open_loop(s, s->remap[lead->loop0 + j], e, flags);
    }
    if (vec >= 0)
        open_loop(s, vec, s->extent[vec], vflags);
    for (int i = 0; i < s->nreds && !s->err; i++)
        if (s->reds[i].phase == i && s->reds[i].parent == p)
            emit_phase(s, i, false, -1);
    for (int u = 0; u < unroll; u++)
        emit_updates(s, p, nr, unroll, u);
    if (s->rc_node && s->rc_lead == p)
        row_cache_store(s);
    close_loops(s, nr + (vec >= 0));
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

/* ---- the row cache ----
 *
 * In a row kernel the last phase often computes the very values the row's
 * stores need again -- softmax's exp(x - max) is summed in the phase and
 * divided in the store loop.  Instead of computing them twice, the phase
 * writes them to the output row (in cache) and the store loop reads them
 * back.  Applies when the phase's one loop walks the same positions as
 * the one row loop, and the shared value has the output's dtype.
 */

/* f with loop variable `from`'s coefficients moved to loop `to`. */
static frame swap_var(const frame *f, int from, int to)
{
    frame g = *f;
    for (int d = 0; d < g.ndim; d++) {
        g.x[d].a[to] += g.x[d].a[from];
        g.x[d].a[from] = 0;
    }
    return g;
}

/* The output's index at the phase's positions (row var -> phase var). */
static int row_cache_index(lstate *s, int row_loop, int phase_loop)
{
    const fuse_step *st = &s->plan->steps[s->step];
    int64_t cst[LOOM_MAX_DIMS];
    graph_c_strides(st->ndom, st->dom, cst);
    frame dom;
    memset(&dom, 0, sizeof dom);
    dom.ndim = st->ndom;
    for (int i = 0; i < st->ndom; i++)
        dom.x[i].a[i] = 1;
    frame g = row_loop >= 0 ? swap_var(&dom, row_loop, phase_loop) : dom;
    return buffer_index(s, cst, 0, &g);
}

static void row_cache_store(lstate *s)
{
    int v = lower(s, (loom_array *)s->rc_node, &s->rc_phase);
    int idx = row_cache_index(s, s->rc_row_loop, s->rc_phase_loop);
    if (v >= 0 && idx >= 0)
        jit_stmt(s->k, KS_STORE, s->rc_slot, idx, v);
}

static int row_cache_load(lstate *s, const frame *f)
{
    (void)f;
    if (s->rc_idx < 0)
        s->rc_idx = row_cache_index(s, -1, -1);
    int idx = s->rc_idx;
    return jit_val(s->k, (kir_val){.op = KV_LOAD, .dtype = s->rc_node->dtype,
                                   .a = s->rc_slot, .b = idx, .c = -1});
}

/*
 * Finds the value to cache: an expensive elementwise node met by the dry
 * pass both in the last phase (frame with the phase's loop) and in the
 * store loop (the same frame with the row's loop), of the output's dtype.
 * The one closest to the output wins.  Uses the dry pass's memo.
 */
static void plan_row_cache(lstate *s, const fuse_step *st, int ndom_orig)
{
    if (st->ninner != 1 || st->nout != 1 || s->nreds == 0)
        return;
    int last = -1;
    for (int i = 0; i < s->nreds; i++)
        if (s->reds[i].phase == i)
            last = i;
    struct red *r = &s->reds[last];
    if (nreduced(r->node) != 1)
        return;
    int row_loop = ndom_orig - 1, phase_loop = r->loop0;
    int64_t ext[LOOM_MAX_DIMS];
    reduced_extents(r, ext);
    if (ext[0] != st->dom[row_loop])
        return;
    const loom_array *o = st->out[0];
    const loom_array *best = NULL;
    for (int i = 0; i < s->nmemo; i++) {
        const memo *m = &s->memos[i];
        const loom_array *n = m->node;
        if (!graph_ops[n->op].dear || graph_ops[n->op].kind != GRAPH_ELEM ||
            n->dtype != o->dtype || (best && best->tmp2 >= n->tmp2))
            continue;
        bool in_row = false;
        for (int d = 0; d < m->f.ndim; d++)
            in_row = in_row || m->f.x[d].a[row_loop] != 0;
        if (!in_row)
            continue;
        frame fp = swap_var(&m->f, row_loop, phase_loop);
        for (int j = s->head[n->tmp2]; j >= 0; j = s->memos[j].next)
            if (s->memos[j].node == n && frame_equal(&s->memos[j].f, &fp)) {
                best = n;
                s->rc_store = m->f;
                s->rc_phase = fp;
            }
    }
    if (!best)
        return;
    s->rc_node = best;
    s->rc_lead = last;
    s->rc_row_loop = row_loop;
    s->rc_phase_loop = phase_loop;
}

typedef enum lmode {
    MODE_ROWS,    /* outer loops, phases per point, row loops, stores */
    MODE_COLUMNS, /* reductions along slow axes: rows swept outside, the
                     kept fast axis inside, accumulators per column */
    MODE_SPLIT,   /* one reduction of a whole large array, its first
                     loop shared out in chunks, partials combined */
    MODE_COLUMN_SPLIT, /* column mode with the rows shared out in bands,
                     each with accumulators of its own, then combined:
                     every thread streams whole rows (splitting the
                     columns instead makes each read half rows, which
                     memory serves at half speed) */
} lmode;

/* Iterations a reduction must have before it is shared out in chunks. */
#define SPLIT_MIN (1 << 16)
/* Column reductions: rows and at most this many columns before the rows
 * are shared out (each chunk holds accumulators for every column). */
#define COLUMN_SPLIT_ROWS 8192
#define COLUMN_SPLIT_COLS 16384

/* Whether some load of the kernel walks domain loop `dl` contiguously
 * while a reduction loop strides through memory. */
static bool column_access(const lstate *s, int dl)
{
    for (int i = 0; i < s->nvecs; i++) {
        const aff *v = &s->vecs[i];
        if (v->a[dl] != 1 && v->a[dl] != -1)
            continue;
        for (int r = 0; r < s->nreds; r++) {
            const struct red *q = &s->reds[r];
            int nr = nreduced(q->node);
            for (int l = q->loop0; l < q->loop0 + nr; l++)
                if (v->a[l] > 1 || v->a[l] < -1)
                    return true;
        }
    }
    return false;
}

/* The first phase not nested in another (phases are in dependency
 * order, nested ones before the sweep they run in). */
static int top_phase(const lstate *s)
{
    for (int i = 0; i < s->nreds; i++)
        if (s->reds[i].phase == i && s->reds[i].parent < 0)
            return i;
    return 0;
}

static lmode choose_mode(lstate *s, const fuse_step *st, int ndom,
                         int nouter, int nphases)
{
    if (s->nreds == 0)
        return MODE_ROWS;
    if (ndom == 0 && nphases == 1) {
        int top = top_phase(s);
        int64_t ext[LOOM_MAX_DIMS];
        int nr = reduced_extents(&s->reds[top], ext);
        /* work per step of the first loop: its own, and nested rows' */
        double work = 1;
        for (int i = 0; i < s->nreds; i++)
            if (s->reds[i].phase == i && s->reds[i].parent == top)
                work += (double)graph_reduced_numel(s->reds[i].node);
        for (int j = 1; j < nr; j++)
            work *= (double)ext[j];
        if (nr > 0 && ext[0] > 1 && (double)ext[0] * work >= SPLIT_MIN)
            return MODE_SPLIT;
        return MODE_ROWS;
    }
    if (ndom == 1 && nouter == 1 && st->ninner == 0) {
        int dl = -1;
        for (int d = 0; d < st->ndom; d++)
            if (s->remap[d] == 0 && s->last[d])
                dl = d;
        bool all_loop = true;
        for (int i = 0; i < s->nreds; i++)
            all_loop = all_loop && nreduced(s->reds[i].node) > 0;
        if (dl >= 0 && all_loop && s->extent[0] > 1 && column_access(s, dl)) {
            int64_t ext[LOOM_MAX_DIMS];
            reduced_extents(&s->reds[0], ext);
            if (nphases == 1 && ext[0] >= COLUMN_SPLIT_ROWS &&
                s->extent[0] <= COLUMN_SPLIT_COLS)
                return MODE_COLUMN_SPLIT;
            return MODE_COLUMNS;
        }
    }
    return MODE_ROWS;
}

/* Adds the scratch buffer argument (allocated by the runtime). */
static int bind_scratch(lstate *s)
{
    if (s->nbind == s->maxbind) {
        fail(s, "more buffers than a kernel takes");
        return -1;
    }
    int b = jit_buf(s->k, LOOM_FLOAT64, false);
    if (b >= 0)
        s->k->bufs[b].output = KIR_BUF_SCRATCH;
    s->bind[s->nbind++] = (jit_binding){NULL, false};
    return b;
}

/*
 * Lowers step `step` of plan into k.  bind receives, for each buffer
 * argument of the kernel, the node it holds (maxbind entries at most).
 */
loom_status jit_lower(const fuse_plan *plan, int step, jit_kernel *k,
                      jit_binding *bind, int maxbind, int *nbind,
                      int64_t *extent0, const char **why)
{
    const fuse_step *st = &plan->steps[step];
    lstate s = {.plan = plan, .step = step, .k = k, .bind = bind,
                .maxbind = maxbind, .ndom = st->ndom,
                .nouter = st->ndom - st->ninner, .rc_idx = -1, .mask = -1};
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
    if (s.nreds > 1)
        qsort(s.reds, (size_t)s.nreds, sizeof *s.reds, cmp_red);
    group_phases(&s);
    plan_row_cache(&s, st, st->ndom);
    s.nmemo = 0;
    for (int i = 0; i < plan->nnodes; i++)
        s.head[i] = -1;

    int nouter = plan_loops(&s, st, k->nloops);
    int ndom = 0, nphases = 0;
    for (int d = 0; d < st->ndom; d++)
        if (s.remap[d] >= ndom)
            ndom = s.remap[d] + 1;
    for (int i = 0; i < s.nreds; i++)
        nphases += s.reds[i].phase == i && s.reds[i].parent < 0;
    lmode mode = choose_mode(&s, st, ndom, nouter, nphases);
    if (mode != MODE_ROWS)
        k->scratch = bind_scratch(&s);

    if (s.rc_node && mode == MODE_ROWS)
        s.rc_slot = bind_slot(&s, st->out[0], true);
    else
        s.rc_node = NULL;
    if (mode == MODE_SPLIT) {
        emit_phase(&s, top_phase(&s), true, -1);
        jit_stmt(k, KS_PARTIAL, -1, -1, -1);
        jit_stmt(k, KS_COMBINE, -1, -1, -1);
    } else if (mode == MODE_COLUMN_SPLIT) {
        emit_phase(&s, 0, true, 0);
        jit_stmt(k, KS_PARTIAL, -1, -1, -1);
        jit_stmt(k, KS_COMBINE, -1, -1, -1);
        emit_rest_rows(&s, 0);
        open_loop(&s, 0, s.extent[0], 0);
    } else if (mode == MODE_COLUMNS) {
        for (int i = 0; i < s.nreds && !s.err; i++)
            if (s.reds[i].phase == i && s.reds[i].parent < 0)
                emit_phase(&s, i, false, 0);
        open_loop(&s, 0, s.extent[0], KIR_LOOP_PARALLEL);
    } else {
        for (int l = 0; l < nouter && !s.err; l++)
            open_loop(&s, l, s.extent[l], l == 0 ? KIR_LOOP_PARALLEL : 0);
        for (int i = 0; i < s.nreds && !s.err; i++)
            if (s.reds[i].phase == i && s.reds[i].parent < 0)
                emit_phase(&s, i, false, -1);
        for (int l = nouter; l < ndom && !s.err; l++)
            open_loop(&s, l, s.extent[l], l == 0 ? KIR_LOOP_PARALLEL : 0);
    }
    for (int o = 0; o < st->nout && !s.err; o++) {
        int v = lower(&s, st->out[o], &dom);
        int slot = bind_slot(&s, st->out[o], true);
        int idx = o == 0 && s.rc_node && s.rc_idx >= 0
                      ? s.rc_idx /* the same index, derived once */
                      : buffer_index(&s, cst, 0, &dom);
        if (v >= 0 && slot >= 0 && idx >= 0)
            jit_stmt(k, KS_STORE, slot, idx, v);
    }
    if (mode == MODE_COLUMNS || mode == MODE_COLUMN_SPLIT)
        close_loops(&s, 1);
    else if (mode == MODE_ROWS)
        close_loops(&s, ndom);
    *extent0 = mode == MODE_SPLIT || mode == MODE_COLUMN_SPLIT ? 0
               : ndom > 0 ? s.extent[0] : 1;

    rt_free(&k->alloc, s.vecs, (size_t)s.veccap * sizeof(aff));
    rt_free(&k->alloc, s.head, (size_t)plan->nnodes * sizeof(int));
    rt_free(&k->alloc, s.memos, (size_t)s.mcap * sizeof(memo));
    rt_free(&k->alloc, s.reds, (size_t)s.rcap * sizeof *s.reds);
    *nbind = s.nbind;
    if (!s.err && k->oom)
        s.err = LOOM_ERR_MEMORY;
    *why = s.why ? s.why : s.err == LOOM_ERR_MEMORY ? "out of memory" : "";
    if (!s.err)
        jit_kernel_hash(k);
    return s.err;
}
