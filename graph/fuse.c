/*
 * fuse.c -- the fusion planner.
 *
 * The DAG is walked from the outputs towards the inputs (consumers before
 * producers).  Every node joins the kernel of its consumers when it can:
 *
 *   - elementwise and movement nodes always can; when their consumers are
 *     in different kernels a cheap node is recomputed in each, an
 *     expensive one (ops.def COST DEAR) is materialized once;
 *   - a reduction joins its consumers' kernel when that kernel's leading
 *     domain dims are exactly the reduction's kept axes: either all of
 *     them (the reduction is the kernel's body, with an elementwise
 *     epilogue), or the kernel broadcasts the result back over trailing
 *     "row" dims (softmax): the reduction then runs as a phase over each
 *     row before the row is stored, provided a row fits in cache; or it
 *     is read inside the sweep of a reduction that the kernel computes
 *     once (the row max and sum under a loss's mean over rows): it then
 *     runs nested in that sweep, once per step, if its row fits in cache;
 *   - runtime calls and their inputs are always materialized.
 *
 * To check the reduction rule each node carries the coordinate maps from
 * its kernel's domain to its own coordinates (a projection: each node
 * axis is offset + step * a domain axis, or fixed, or follows a
 * reduction's sweep).  Maps are composed through movement ops on the way
 * down; a reduction read under two different maps is materialized.
 * Each time an edge is cut the reason is recorded; the dump prints them.
 *
 * Kernels with the same domain that read a common input are merged
 * afterwards, so sibling outputs (mean and std of one array) share a sweep.
 *
 * A gather that picks few elements of an elementwise expression (a label's
 * probability out of a softmax) recomputes them in its own kernel: the
 * expression is not materialized for its sake, and its kernel does not
 * count among the expression's consumers -- its inputs' it does.
 */
#include "graph/fuse.h"

#include <string.h>

/* A coordinate map: node axis k is at position off[k] + step[k] * i
 * where i is domain axis dim[k]'s coordinate, or is fixed at 0 (dim[k] ==
 * MAP_FIXED), or is read at data-dependent positions (MAP_DYNAMIC), or
 * follows the loop of input axis j of the reduction at node position
 * `via` (dim[k] == MAP_SWEPT(j): the node is computed inside that
 * reduction's sweep, once per step).  Non-projections are invalid. */
typedef struct cmap {
    int8_t valid;
    int8_t dim[LOOM_MAX_DIMS];
    int32_t via; /* -1 unless some axis is swept */
    int64_t off[LOOM_MAX_DIMS], step[LOOM_MAX_DIMS];
} cmap;

#define MAXMAPS 4
#define MAP_FIXED (-1)
#define MAP_DYNAMIC (-2) /* an axis read at a data-dependent position */
#define MAP_SWEPT(j) (-3 - (j))
#define IS_SWEPT(d) ((d) <= -3)
#define MAXSMAPS 2

/* Per-node planning state, indexed by the node's position in plan->nodes
 * (stored in node->tmp2 during planning). */
typedef struct ninfo {
    int kernel;    /* step index, or KMULTI, or KNONE */
    int also;      /* kernels that recompute it for a sparse gather (a
                      step, KMULTI or KNONE); its inputs serve them too */
    bool sparse_only; /* only such gathers read it: so do they its inputs */
    bool force;    /* must be materialized */
    const char *why;
    loom_array *why_consumer;
    cmap maps[MAXMAPS]; /* distinct maps from the kernel's domain */
    int nmaps;          /* > MAXMAPS: too many to track */
    cmap smaps[MAXSMAPS]; /* maps of the sparse gathers' reads (also) */
    int nsmaps;           /* > MAXSMAPS: too many to track */
    int nconsumers;
    int depth;          /* ops between it and its kernel's root */
} ninfo;

/* A kernel computes expressions at most this deep (the JIT lowers them
 * recursively); a deeper chain is cut and materialized. */
#define MAX_DEPTH 256

/* A gather whose output has this many times fewer elements than the
 * elementwise expression it reads recomputes what it picks. */
#define SPARSE_RATIO 8

enum { KNONE = -10, KMULTI = -11 };

typedef struct fstate {
    fuse_plan *p;
    ninfo *info;
    bool eager;
    bool oom;
    /* per-step row split: number of leading outer dims, -1 unset */
    int *split;
    int splitcap;
} fstate;

/* ---- growing arrays ---- */

static bool grow(loom_ctx *ctx, void **arr, int *cap, int need, size_t elt)
{
    if (need <= *cap)
        return true;
    int ncap = *cap ? *cap * 2 : 16;
    while (ncap < need)
        ncap *= 2;
    void *p = rt_realloc(&ctx->alloc, *arr, (size_t)*cap * elt,
                         (size_t)ncap * elt);
    if (!p)
        return false;
    *arr = p;
    *cap = ncap;
    return true;
}

/* ---- collecting the DAG ---- */

/*
 * Depth-first post-order over inputs, stopping at realized nodes, with an
 * explicit stack.  tmp marks visit state (1: on stack, 2: done); tmp2 gets
 * the node's position.  Realized nodes are listed too (as inputs).
 */
static bool collect(fuse_plan *p, loom_array *const *outs, int n)
{
    loom_ctx *ctx = p->ctx;
    int scap = 0, sp = 0;
    struct frame {
        loom_array *a;
        int next;
    } *stack = NULL;
    bool ok = true;
    for (int o = 0; o < n && ok; o++) {
        if (outs[o]->tmp == 2 && outs[o]->tmp2 >= 0 &&
            outs[o]->tmp2 < p->nnodes && p->nodes[outs[o]->tmp2] == outs[o])
            continue;
        if (!grow(ctx, (void **)&stack, &scap, sp + 1, sizeof *stack))
            ok = false;
        else
            stack[sp++] = (struct frame){outs[o], 0};
        while (sp > 0 && ok) {
            struct frame *f = &stack[sp - 1];
            loom_array *a = f->a;
            if (f->next == 0) {
                if (a->tmp == 2 && a->tmp2 >= 0 && a->tmp2 < p->nnodes &&
                    p->nodes[a->tmp2] == a) {
                    sp--;
                    continue;
                }
                a->tmp = 1;
            }
            if (!a->buf && f->next < a->nin) {
                loom_array *in = a->in[f->next++];
                bool done = in->tmp == 2 && in->tmp2 >= 0 &&
                            in->tmp2 < p->nnodes && p->nodes[in->tmp2] == in;
                if (!done) {
                    if (!grow(ctx, (void **)&stack, &scap, sp + 1,
                              sizeof *stack)) {
                        ok = false;
                        break;
                    }
                    stack[sp++] = (struct frame){in, 0};
                }
                continue;
            }
            if (!grow(ctx, (void **)&p->nodes, &p->ncap, p->nnodes + 1,
                      sizeof(loom_array *))) {
                ok = false;
                break;
            }
            a->tmp = 2;
            a->tmp2 = p->nnodes;
            p->nodes[p->nnodes++] = a;
            sp--;
        }
    }
    rt_free(&ctx->alloc, stack, (size_t)scap * sizeof *stack);
    return ok;
}

/* ---- maps ---- */

static void fix_axis(cmap *r, int i, int8_t code)
{
    r->dim[i] = code;
    r->off[i] = 0;
    r->step[i] = 0;
}

/* r's axis i reads what m's axis j reads. */
static void pass_axis(cmap *r, int i, const cmap *m, int j)
{
    r->dim[i] = m->dim[j];
    r->off[i] = m->off[j];
    r->step[i] = m->step[j];
}

/* The map of a kernel's root: axis i is domain axis i, except that axes
 * of extent 1 are fixed (their coordinate is always 0). */
static cmap identity_map(const loom_array *a)
{
    cmap m = {.valid = 1, .via = -1};
    for (int i = 0; i < a->ndim; i++) {
        fix_axis(&m, i, a->shape[i] == 1 ? MAP_FIXED : (int8_t)i);
        m.step[i] = a->shape[i] != 1;
    }
    return m;
}

/* Whether RESHAPE a only inserts or removes extent-1 axes. */
static bool unit_reshape(const loom_array *a)
{
    const loom_array *s = a->in[0];
    int i = 0, j = 0;
    for (;;) {
        while (i < s->ndim && s->shape[i] == 1)
            i++;
        while (j < a->ndim && a->shape[j] == 1)
            j++;
        if (i == s->ndim || j == a->ndim)
            return i == s->ndim && j == a->ndim;
        if (s->shape[i++] != a->shape[j++])
            return false;
    }
}

/*
 * The map of input k of node c, given c's map.  Reduction inputs' kept
 * axes pass through; the reduced axes are swept by the reduction's own
 * loops.  For a reduction computed once per point of the kernel's domain
 * those are MAP_SWEPT (with via = the reduction), so that a reduction
 * read inside the sweep can run as a nested phase; inside a nested one
 * they are fixed, as far as the domain is concerned.
 */
static cmap input_map(const loom_array *c, int k, cmap m)
{
    const loom_array *in = c->in[k];
    cmap r = {.valid = m.valid, .via = m.via};
    if (!m.valid)
        return r;
    switch (c->op) {
    case GRAPH_OP_PERMUTE:
        for (int i = 0; i < c->ndim; i++)
            pass_axis(&r, (int)c->attr[i], &m, i);
        break;
    case GRAPH_OP_EXPAND:
        for (int i = 0; i < c->ndim; i++) {
            if (in->shape[i] == 1)
                fix_axis(&r, i, MAP_FIXED);
            else
                pass_axis(&r, i, &m, i);
        }
        break;
    case GRAPH_OP_SLICE:
        /* input position start + step * output position */
        for (int i = 0; i < c->ndim; i++) {
            if (in->shape[i] == 1) {
                fix_axis(&r, i, MAP_FIXED);
                continue;
            }
            pass_axis(&r, i, &m, i);
            if (m.dim[i] >= 0 || IS_SWEPT(m.dim[i])) {
                r.off[i] = c->attr[i] + c->attr[LOOM_MAX_DIMS + i] * m.off[i];
                r.step[i] = c->attr[LOOM_MAX_DIMS + i] * m.step[i];
            } else if (m.dim[i] == MAP_FIXED) {
                r.off[i] = c->attr[i]; /* a fixed, shifted position */
            }
        }
        break;
    case GRAPH_OP_RESHAPE: {
        if (!unit_reshape(c)) {
            r.valid = 0;
            return r;
        }
        int j = 0;
        for (int i = 0; i < in->ndim; i++) {
            if (in->shape[i] == 1) {
                fix_axis(&r, i, MAP_FIXED);
                continue;
            }
            while (c->shape[j] == 1)
                j++;
            pass_axis(&r, i, &m, j++);
        }
        break;
    }
    case GRAPH_OP_CONCAT:
        /* each input is read along the axis at a clamped position */
        for (int j = 0; j < in->ndim; j++) {
            if (j != c->attr[0])
                pass_axis(&r, j, &m, j);
            else
                fix_axis(&r, j, in->shape[j] == 1 ? MAP_FIXED : MAP_DYNAMIC);
        }
        break;
    case GRAPH_OP_GATHER:
        /* index inputs have the gather's shape; source axes read through
         * an index array are data-dependent (MAP_DYNAMIC) */
        if (k > 0)
            return m;
        for (int j = 0; j < in->ndim; j++) {
            if (c->attr[j] >= 0)
                pass_axis(&r, j, &m, (int)c->attr[j]);
            else
                fix_axis(&r, j, MAP_DYNAMIC);
        }
        break;
    default:
        if (graph_ops[c->op].kind == GRAPH_REDUCE) {
            bool top = m.via < 0;
            for (int i = 0; i < in->ndim; i++) {
                if (!(c->attr[0] >> i & 1)) {
                    pass_axis(&r, i, &m, i);
                } else if (top && in->shape[i] != 1) {
                    fix_axis(&r, i, (int8_t)MAP_SWEPT(i));
                    r.step[i] = 1;
                    r.via = c->tmp2;
                } else {
                    fix_axis(&r, i, MAP_FIXED);
                }
            }
            break;
        }
        if (graph_ops[c->op].kind == GRAPH_ELEM)
            return m;
        r.valid = 0;
        return r;
    }
    bool swept = false;
    for (int i = 0; i < in->ndim; i++)
        swept = swept || IS_SWEPT(r.dim[i]);
    if (!swept)
        r.via = -1;
    return r;
}

static bool map_equal(const cmap *a, const cmap *b, int ndim)
{
    if (a->valid != b->valid || a->via != b->via)
        return false;
    for (int i = 0; i < ndim; i++)
        if (a->dim[i] != b->dim[i] || a->off[i] != b->off[i] ||
            a->step[i] != b->step[i])
            return false;
    return true;
}

/* Adds m to the set maps[0..*n) of at most cap maps (*n > cap: more). */
static void add_map_to(cmap *maps, int *n, int cap, const cmap *m, int ndim)
{
    for (int i = 0; i < *n && i < cap; i++)
        if (map_equal(&maps[i], m, ndim))
            return;
    if (*n < cap)
        maps[*n] = *m;
    (*n)++;
}

static void add_map(ninfo *ni, const cmap *m, int ndim)
{
    add_map_to(ni->maps, &ni->nmaps, MAXMAPS, m, ndim);
}

/* ---- steps and cuts ---- */

static int new_step(fstate *s, loom_array *a, fuse_step_kind kind)
{
    fuse_plan *p = s->p;
    if (!grow(p->ctx, (void **)&p->steps, &p->scap, p->nsteps + 1,
              sizeof(fuse_step)) ||
        !grow(p->ctx, (void **)&s->split, &s->splitcap, p->nsteps + 1,
              sizeof(int))) {
        s->oom = true;
        return KNONE;
    }
    fuse_step *st = &p->steps[p->nsteps];
    memset(st, 0, sizeof *st);
    st->kind = kind;
    st->nout = 1;
    st->out[0] = a;
    st->ndom = a->ndim;
    memcpy(st->dom, a->shape, sizeof st->dom);
    s->split[p->nsteps] = -1;
    return p->nsteps++;
}

static void add_cut(fstate *s, loom_array *producer, loom_array *consumer,
                    const char *reason)
{
    fuse_plan *p = s->p;
    if (!grow(p->ctx, (void **)&p->cuts, &p->ccap, p->ncuts + 1,
              sizeof(fuse_cut))) {
        s->oom = true;
        return;
    }
    p->cuts[p->ncuts++] = (fuse_cut){producer, consumer, reason};
}

static ninfo *info(fstate *s, const loom_array *a)
{
    return &s->info[a->tmp2];
}

static void force(fstate *s, loom_array *a, loom_array *consumer,
                  const char *why)
{
    if (a->buf)
        return;
    ninfo *ni = info(s, a);
    if (!ni->force) {
        ni->force = true;
        ni->why = why;
        ni->why_consumer = consumer;
    }
}

/*
 * Reduction r is read inside the sweep of another reduction of kernel k
 * (the row statistics under a loss's mean over rows): it can run as a
 * phase nested in that sweep, once per step, when every kept axis
 * follows the sweep, the kernel computes one point (its outer reduction
 * is then split across threads), and the reduced row fits in cache.
 */
static const char *nested_fits(fstate *s, const loom_array *r, int k,
                               const cmap *m, bool all_swept)
{
    const fuse_step *st = &s->p->steps[k];
    if (!all_swept)
        return "the reduction is read along both the kernel's loops and "
               "another reduction's";
    if (s->p->nodes[m->via]->op == GRAPH_OP_RVAR)
        return "the variance that reads it needs its first value before "
               "the sweep";
    for (int d = 0; d < st->ndom; d++)
        if (st->dom[d] != 1)
            return "the reduction is read inside another reduction's "
                   "sweep, in a kernel with loops of its own";
    if (graph_reduced_numel(r) * 8 > FUSE_ROW_BYTES)
        return "a reduced row does not fit in cache";
    return NULL;
}

/*
 * Decides whether reduction r (all of whose consumers are in kernel k, r's
 * map from k's domain being m) can be computed inside k.  Returns NULL if
 * so (and fixes k's row split), else the reason it cannot.
 */
static const char *reduce_fits(fstate *s, const loom_array *r, int k,
                               const ninfo *ni)
{
    fuse_step *st = &s->p->steps[k];
    const cmap *m = &ni->maps[0];
    if (ni->nmaps != 1 || !m->valid)
        return "the reduction is read at two different positions";
    int nkept = 0, nswept = 0;
    for (int i = 0; i < r->ndim; i++) {
        if (m->dim[i] == MAP_DYNAMIC)
            return "the reduction is read at data-dependent positions";
        if (!(r->attr[0] >> i & 1) && r->shape[i] != 1) {
            nkept++;
            nswept += IS_SWEPT(m->dim[i]);
        }
    }
    if (nswept > 0)
        return nested_fits(s, r, k, m, nswept == nkept);
    /* kept axes (of extent > 1) must read the leading non-unit domain
     * axes, in order: those are the loops outside the reduction */
    int last = -1;
    for (int i = 0; i < r->ndim; i++) {
        bool reduced = r->attr[0] >> i & 1;
        if (reduced && m->dim[i] >= 0)
            return "the reduction is read at two different positions";
        if (reduced || r->shape[i] == 1)
            continue;
        if (m->dim[i] <= last)
            return "the reduction's kept axes are not in the order of the "
                   "consumer's loops";
        for (int d = last + 1; d < m->dim[i]; d++)
            if (st->dom[d] != 1)
                return "the reduction's kept axes are not the leading axes "
                       "of the consumer's loops";
        last = m->dim[i];
    }
    int split = last + 1; /* domain axes [0, split) are outer */
    bool row = false;
    for (int d = split; d < st->ndom; d++)
        row = row || st->dom[d] != 1;
    if (!row)
        split = st->ndom;
    int have = s->split[k];
    if (have >= 0 && have != split)
        return "the consumer's loop already sweeps rows of another length";
    if (row && graph_reduced_numel(r) * 8 > FUSE_ROW_BYTES)
        return "a reduced row does not fit in cache";
    s->split[k] = split;
    return NULL;
}

/*
 * Assigns node a (all consumers already visited) to a kernel, or makes it
 * a kernel of its own.
 */
static void assign(fstate *s, loom_array *a)
{
    ninfo *ni = info(s, a);
    const graph_opinfo *op = &graph_ops[a->op];
    if (a->buf) {
        a->tmp = FUSE_REALIZED;
        return;
    }
    if (op->kind == GRAPH_LEAF && !ni->force) {
        ni->kernel = KMULTI; /* constants and grids are inlined anywhere */
        a->tmp = FUSE_INLINE;
        return;
    }
    bool own = ni->force;
    if (!own && s->eager && op->kind != GRAPH_MOVE) {
        own = true;
        if (ni->nconsumers > 0)
            force(s, a, NULL, "eager mode: every op is its own kernel");
    }
    if (!own && (op->kind == GRAPH_CALL ||
                 a->op == GRAPH_OP_COPY))
        own = true;
    if (!own && ni->kernel == KMULTI && op->dear) {
        own = true;
        ni->why = "expensive node used by several kernels: computed once";
    }
    if (!own && ni->depth > MAX_DEPTH && op->kind != GRAPH_MOVE) {
        own = true;
        ni->why = "the fused expression is too deep for one kernel";
    }
    if (!own && op->kind == GRAPH_REDUCE) {
        const char *why = ni->kernel == KMULTI
                              ? "reduction used by several kernels"
                              : reduce_fits(s, a, ni->kernel, ni);
        fuse_step *st = why ? NULL : &s->p->steps[ni->kernel];
        if (st && ni->also != KNONE &&
            (st->nout >= FUSE_MAX_OUT || st->ndom != a->ndim ||
             memcmp(st->dom, a->shape, (size_t)a->ndim * sizeof(int64_t))))
            why = "a reduction other kernels read, of another shape than "
                  "its kernel's";
        if (why) {
            own = true;
            ni->why = why;
        } else {
            st->nreduce++;
            if (ni->also != KNONE) {
                /* computed in its kernel, stored for the ones that read
                 * a few of its values */
                st->out[st->nout++] = a;
                a->tmp = ni->kernel;
                return;
            }
        }
    }
    if (own) {
        if (a->op == GRAPH_OP_CALL_OUT) {
            /* joins its call's step once that exists (attach_outputs) */
            a->tmp = FUSE_INLINE;
            ni->kernel = KMULTI;
            return;
        }
        int k = new_step(s, a, op->kind == GRAPH_CALL ? FUSE_CALL
                                                      : FUSE_KERNEL);
        if (op->kind == GRAPH_REDUCE && k >= 0)
            s->split[k] = a->ndim; /* it runs per point of its own domain */
        ni->kernel = k;
        ni->maps[0] = identity_map(a);
        ni->nmaps = 1;
        ni->depth = 0;
        a->tmp = k;
        if (ni->why && ni->why_consumer)
            add_cut(s, a, ni->why_consumer, ni->why);
        else if (ni->why)
            add_cut(s, a, NULL, ni->why);
    } else {
        a->tmp = FUSE_INLINE;
    }
}

static loom_array *move_base(loom_array *a);

/*
 * A reshape that is not a projection must end up a view of a buffer: of
 * its base computed in C order when that layout allows the view, else of
 * its input, materialized in C order (a copy, as NumPy makes).
 */
static void reshape_needs(fstate *s, loom_array *a)
{
    if (a->op != GRAPH_OP_RESHAPE || unit_reshape(a))
        return;
    loom_array *base = move_base(a);
    if (base->op == GRAPH_OP_CONST)
        return;
    int64_t bst[LOOM_MAX_DIMS], st[LOOM_MAX_DIMS], off;
    graph_c_strides(base->ndim, base->shape, bst);
    if (base->buf)
        memcpy(bst, base->strides, sizeof bst);
    bool view = base->op != GRAPH_OP_IOTA &&
                fuse_view_of(a, base, bst, base->buf ? base->offset : 0, st,
                             &off);
    if (!view)
        force(s, a->in[0], a, "reshape is not a view of its input's layout");
    else if (!base->buf)
        force(s, base, a, "reshaped: computed in C order, then viewed");
}

/*
 * A runtime call reads its inputs from memory.  A movement chain over a
 * realized or materialized array reaches it as a strided view (a
 * transpose becomes a BLAS flag, a broadcast a zero stride) rather than a
 * copy; anything else is materialized.
 */
static void call_input(fstate *s, loom_array *call, loom_array *in)
{
    if (graph_ops[in->op].kind != GRAPH_MOVE) {
        force(s, in, call, "input of a runtime call");
        return;
    }
    loom_array *base = move_base(in);
    int64_t bst[LOOM_MAX_DIMS], st[LOOM_MAX_DIMS], off;
    graph_c_strides(base->ndim, base->shape, bst);
    if (base->buf)
        memcpy(bst, base->strides, sizeof bst);
    bool leaf = graph_ops[base->op].kind == GRAPH_LEAF && !base->buf;
    if (!leaf && fuse_view_of(in, base, bst, base->buf ? base->offset : 0,
                              st, &off)) {
        force(s, base, in, "input of a runtime call (read as a view)");
        info(s, in)->kernel = KMULTI;
        in->tmp = FUSE_INLINE;
        return;
    }
    force(s, in, call, "input of a runtime call");
}

static int merge_kernel(int have, int k)
{
    if (k == KNONE || have == k)
        return have;
    return have == KNONE ? k : KMULTI;
}

static bool recomputable(const loom_array *in)
{
    int kind = graph_ops[in->op].kind;
    return (kind == GRAPH_ELEM || kind == GRAPH_MOVE) && in->op != GRAPH_OP_COPY;
}

/* Whether a reads input k sparsely enough to recompute it: a gather
 * picking few of its elements, or a node only such gathers read. */
static bool sparse_read(const ninfo *ni, const loom_array *a, int k)
{
    const loom_array *in = a->in[k];
    if (!recomputable(in))
        return false;
    if (ni->sparse_only)
        return true;
    return a->op == GRAPH_OP_GATHER && k == 0 &&
           graph_numel(a->ndim, a->shape) * SPARSE_RATIO <=
               graph_numel(in->ndim, in->shape);
}

/* Propagates a's kernel and map to its inputs, forcing materialization
 * where an input cannot be computed inside a's kernel. */
static void propagate(fstate *s, loom_array *a)
{
    ninfo *ni = info(s, a);
    const graph_opinfo *op = &graph_ops[a->op];
    if (a->buf)
        return;
    reshape_needs(s, a);
    for (int k = 0; k < a->nin; k++) {
        loom_array *in = a->in[k];
        if (in->buf)
            continue;
        ninfo *ii = info(s, in);
        if (a->op == GRAPH_OP_CALL_OUT)
            continue; /* made by the call's step, not an input of it */
        if (op->kind == GRAPH_CALL) {
            call_input(s, a, in);
            continue;
        }
        /* kernels recomputing an inline a recompute (or read) its inputs */
        int also = a->tmp == FUSE_INLINE ? ni->also : KNONE;
        if (!s->eager && sparse_read(ni, a, k)) {
            ii->also = merge_kernel(merge_kernel(ii->also, ni->kernel), also);
            for (int j = 0; j < ni->nmaps && j < MAXMAPS; j++) {
                cmap m = input_map(a, k, ni->maps[j]);
                add_map_to(ii->smaps, &ii->nsmaps, MAXSMAPS, &m, in->ndim);
            }
            if (ni->nmaps > MAXMAPS)
                ii->nsmaps = MAXSMAPS + 1;
            continue;
        }
        ii->also = merge_kernel(ii->also, also);
        bool invalid = ni->nmaps > MAXMAPS;
        for (int j = 0; j < ni->nmaps && j < MAXMAPS; j++) {
            cmap m = input_map(a, k, ni->maps[j]);
            invalid = invalid || !m.valid;
            add_map(ii, &m, in->ndim);
        }
        if (ni->nmaps > MAXMAPS)
            ii->nmaps = MAXMAPS + 1;
        if (invalid && graph_ops[in->op].kind != GRAPH_LEAF &&
            graph_ops[in->op].kind != GRAPH_MOVE) {
            force(s, in, a, "reshape is not a view of a computed array");
            continue;
        }
        if (ni->depth + 1 > ii->depth)
            ii->depth = ni->depth + 1;
        if (ii->kernel == KNONE) {
            ii->kernel = ni->kernel;
        } else if (ii->kernel != ni->kernel) {
            ii->kernel = KMULTI;
            if (ii->why_consumer == NULL)
                ii->why_consumer = a;
        }
        if (ni->kernel == KMULTI) {
            ii->kernel = KMULTI;
            if (ii->why_consumer == NULL)
                ii->why_consumer = a;
        }
    }
}

/* Extra outputs of calls join the step of their call. */
static void attach_outputs(fstate *s)
{
    fuse_plan *p = s->p;
    for (int i = 0; i < p->nnodes && !s->oom; i++) {
        loom_array *a = p->nodes[i];
        if (a->op != GRAPH_OP_CALL_OUT || a->buf)
            continue;
        loom_array *c = a->in[0];
        if (c->buf || c->tmp < 0) {
            s->oom = true; /* cannot happen: calls are always steps */
            return;
        }
        fuse_step *st = &p->steps[c->tmp];
        if (st->nout < FUSE_MAX_OUT)
            st->out[st->nout++] = a;
        a->tmp = c->tmp;
    }
}

/* ---- ordering and merging steps ---- */

/* The steps whose outputs kernel k reads, found by walking k's inline
 * nodes.  Calls f(s, k, producer_step) for each. */
static void each_dep(fstate *s, int k, void (*f)(fstate *, int, int, void *),
                     void *ud, loom_array **stack, int *mark)
{
    fuse_step *st = &s->p->steps[k];
    int sp = 0;
    for (int i = 0; i < st->nout; i++)
        for (int j = 0; j < st->out[i]->nin; j++)
            stack[sp++] = st->out[i]->in[j];
    while (sp > 0) {
        loom_array *a = stack[--sp];
        if (mark[a->tmp2] == k + 1)
            continue;
        mark[a->tmp2] = k + 1;
        if (a->tmp >= 0) {
            f(s, k, a->tmp, ud);
            continue;
        }
        if (a->tmp == FUSE_INLINE || a->tmp == FUSE_VIEW)
            for (int j = 0; j < a->nin; j++)
                stack[sp++] = a->in[j];
    }
}

typedef struct depset {
    int *deps;   /* deps[k*n + j]: k depends on j */
    int n;
} depset;

static void record_dep(fstate *s, int k, int j, void *ud)
{
    depset *d = ud;
    (void)s;
    if (j != k)
        d->deps[k * d->n + j] = 1;
}

/* Whether b depends (transitively) on a. */
static bool reaches(const depset *d, int b, int a, int *seen)
{
    if (b == a)
        return true;
    if (seen[b])
        return false;
    seen[b] = 1;
    for (int j = 0; j < d->n; j++)
        if (d->deps[b * d->n + j] && reaches(d, j, a, seen))
            return true;
    return false;
}

/* Whether kernels a and b read a common input (a realized node or another
 * step's output), found by comparing the leaves of their inline trees. */
static bool share_input(fstate *s, int a, int b, loom_array **stack,
                        int *mark, int tag_a, int tag_b)
{
    fuse_step *sa = &s->p->steps[a], *sb = &s->p->steps[b];
    int sp = 0;
    for (int i = 0; i < sa->nout; i++)
        for (int j = 0; j < sa->out[i]->nin; j++)
            stack[sp++] = sa->out[i]->in[j];
    while (sp > 0) {
        loom_array *x = stack[--sp];
        if (mark[x->tmp2] == tag_a)
            continue;
        mark[x->tmp2] = tag_a;
        if (x->tmp == FUSE_INLINE || x->tmp == FUSE_VIEW)
            for (int j = 0; j < x->nin; j++)
                stack[sp++] = x->in[j];
    }
    for (int i = 0; i < sb->nout; i++)
        for (int j = 0; j < sb->out[i]->nin; j++)
            stack[sp++] = sb->out[i]->in[j];
    bool found = false;
    while (sp > 0) {
        loom_array *x = stack[--sp];
        if (mark[x->tmp2] == tag_b)
            continue;
        bool read = x->buf || x->tmp >= 0; /* a buffer both kernels read */
        if (mark[x->tmp2] == tag_a && read)
            found = true;
        mark[x->tmp2] = tag_b;
        if (x->tmp == FUSE_INLINE || x->tmp == FUSE_VIEW)
            for (int j = 0; j < x->nin; j++)
                stack[sp++] = x->in[j];
    }
    return found;
}

static bool mergeable(fstate *s, int a, int b)
{
    fuse_step *sa = &s->p->steps[a], *sb = &s->p->steps[b];
    if (sa->kind != FUSE_KERNEL || sb->kind != FUSE_KERNEL || s->eager)
        return false;
    if (sa->nout + sb->nout > FUSE_MAX_OUT || sa->ndom != sb->ndom ||
        memcmp(sa->dom, sb->dom, (size_t)sa->ndom * sizeof(int64_t)))
        return false;
    int ia = s->split[a] < 0 ? sa->ndom : s->split[a];
    int ib = s->split[b] < 0 ? sb->ndom : s->split[b];
    return ia == ib;
}

/*
 * Orders the steps so that producers run before consumers, merging
 * same-domain kernels that share an input and do not depend on each other.
 */
static bool order_steps(fstate *s)
{
    fuse_plan *p = s->p;
    loom_ctx *ctx = p->ctx;
    int n = p->nsteps;
    if (n == 0)
        return true;
    size_t dsz = (size_t)n * (size_t)n * sizeof(int);
    depset d = {rt_malloc(&ctx->alloc, dsz), n};
    int *seen = rt_malloc(&ctx->alloc, (size_t)n * sizeof(int));
    int *mark = rt_malloc(&ctx->alloc, (size_t)p->nnodes * sizeof(int));
    int *rank = rt_malloc(&ctx->alloc, (size_t)n * sizeof(int));
    int *alias = rt_malloc(&ctx->alloc, (size_t)n * sizeof(int));
    size_t nstack = 16 * FUSE_MAX_OUT;
    for (int i = 0; i < p->nnodes; i++)
        nstack += p->nodes[i]->nin;
    loom_array **stack = rt_malloc(&ctx->alloc, nstack * sizeof(void *));
    fuse_step *sorted = rt_malloc(&ctx->alloc, (size_t)n * sizeof(fuse_step));
    bool ok = d.deps && seen && mark && rank && alias && stack && sorted;
    if (ok) {
        memset(d.deps, 0, dsz);
        memset(mark, 0, (size_t)p->nnodes * sizeof(int));
        for (int k = 0; k < n; k++) {
            alias[k] = k;
            each_dep(s, k, record_dep, &d, stack, mark);
        }
        /* merge: b into a (a < b) */
        int tag = 1 << 20;
        for (int a = 0; a < n; a++)
            for (int b = a + 1; b < n; b++) {
                if (alias[a] != a || alias[b] != b || !mergeable(s, a, b))
                    continue;
                memset(seen, 0, (size_t)n * sizeof(int));
                if (reaches(&d, a, b, seen))
                    continue;
                memset(seen, 0, (size_t)n * sizeof(int));
                if (reaches(&d, b, a, seen))
                    continue;
                tag += 2;
                if (!share_input(s, a, b, stack, mark, tag, tag + 1))
                    continue;
                fuse_step *sa = &p->steps[a], *sb = &p->steps[b];
                for (int i = 0; i < sb->nout; i++) {
                    sa->out[sa->nout++] = sb->out[i];
                    sb->out[i]->tmp = a;
                }
                sa->nreduce += sb->nreduce;
                if (s->split[a] < 0)
                    s->split[a] = s->split[b];
                sb->nout = 0;
                alias[b] = a;
                for (int j = 0; j < n; j++) {
                    d.deps[a * n + j] |= d.deps[b * n + j];
                    if (d.deps[j * n + b])
                        d.deps[j * n + a] = 1;
                }
            }
        /* topological order by depth (longest path to a source) */
        int m = 0;
        for (int k = 0; k < n; k++)
            rank[k] = -1;
        bool progress = true;
        while (progress) {
            progress = false;
            for (int k = 0; k < n; k++) {
                if (alias[k] != k || rank[k] >= 0)
                    continue;
                bool ready = true;
                for (int j = 0; j < n && ready; j++)
                    if (d.deps[k * n + j] && alias[j] == j && rank[j] < 0)
                        ready = false;
                if (ready) {
                    rank[k] = m;
                    sorted[m++] = p->steps[k];
                    progress = true;
                }
            }
        }
        for (int i = 0; i < m; i++) {
            fuse_step *st = &sorted[i];
            int old = -1;
            for (int k = 0; k < n && old < 0; k++)
                if (alias[k] == k && rank[k] == i)
                    old = k;
            st->ninner = s->split[old] < 0 ? 0 : st->ndom - s->split[old];
            for (int o = 0; o < st->nout; o++)
                st->out[o]->tmp = i;
        }
        memcpy(p->steps, sorted, (size_t)m * sizeof(fuse_step));
        p->nsteps = m;
    }
    rt_free(&ctx->alloc, d.deps, dsz);
    rt_free(&ctx->alloc, seen, (size_t)n * sizeof(int));
    rt_free(&ctx->alloc, mark, (size_t)p->nnodes * sizeof(int));
    rt_free(&ctx->alloc, rank, (size_t)n * sizeof(int));
    rt_free(&ctx->alloc, alias, (size_t)n * sizeof(int));
    rt_free(&ctx->alloc, stack, nstack * sizeof(void *));
    rt_free(&ctx->alloc, sorted, (size_t)n * sizeof(fuse_step));
    return ok;
}

/* ---- views ---- */

/* NumPy's no-copy reshape: strides for shape (nn, ns) over a view (on,
 * os, ost) of the same size, or false if that layout cannot express it. */
static bool reshape_view(int on, const int64_t *os, const int64_t *ost,
                         int nn, const int64_t *ns, int64_t *nst)
{
    int64_t od[LOOM_MAX_DIMS], ostr[LOOM_MAX_DIMS];
    int o = 0;
    for (int i = 0; i < on; i++)
        if (os[i] != 1) {
            od[o] = os[i];
            ostr[o++] = ost[i];
        }
    if (graph_numel(on, os) == 0) {
        graph_c_strides(nn, ns, nst);
        return true;
    }
    int oi = 0, oj = 1, ni = 0, nj = 1;
    while (ni < nn && oi < o) {
        int64_t np = ns[ni], op = od[oi];
        while (np != op) {
            if (np < op)
                np *= ns[nj++];
            else
                op *= od[oj++];
        }
        for (int k = oi; k < oj - 1; k++)
            if (ostr[k] != od[k + 1] * ostr[k + 1])
                return false;
        nst[nj - 1] = ostr[oj - 1];
        for (int k = nj - 1; k > ni; k--)
            nst[k - 1] = nst[k] * ns[k];
        ni = nj++;
        oi = oj++;
    }
    for (int k = 0; k < nn; k++)
        if (ns[k] == 1 && (k >= ni))
            nst[k] = 0;
    /* trailing extent-1 axes left over */
    for (int k = ni; k < nn; k++)
        nst[k] = 0;
    return true;
}

bool fuse_view_of(const loom_array *m, const loom_array *src,
                  const int64_t *src_strides, int64_t src_offset,
                  int64_t *strides, int64_t *offset)
{
    if (m == src) {
        memcpy(strides, src_strides, (size_t)m->ndim * sizeof(int64_t));
        *offset = src_offset;
        return true;
    }
    if (graph_ops[m->op].kind != GRAPH_MOVE)
        return false;
    const loom_array *in = m->in[0];
    int64_t st[LOOM_MAX_DIMS], off;
    if (!fuse_view_of(in, src, src_strides, src_offset, st, &off))
        return false;
    switch (m->op) {
    case GRAPH_OP_PERMUTE:
        for (int i = 0; i < m->ndim; i++)
            strides[i] = st[m->attr[i]];
        *offset = off;
        return true;
    case GRAPH_OP_EXPAND:
        for (int i = 0; i < m->ndim; i++)
            strides[i] = in->shape[i] == m->shape[i] ? st[i] : 0;
        *offset = off;
        return true;
    case GRAPH_OP_SLICE:
        for (int i = 0; i < m->ndim; i++) {
            off += m->attr[i] * st[i];
            strides[i] = st[i] * m->attr[LOOM_MAX_DIMS + i];
        }
        *offset = off;
        return true;
    case GRAPH_OP_RESHAPE:
        *offset = off;
        return reshape_view(in->ndim, in->shape, st, m->ndim, m->shape,
                            strides);
    default:
        return false;
    }
}

/* The node under a chain of movement ops. */
static loom_array *move_base(loom_array *a)
{
    while (graph_ops[a->op].kind == GRAPH_MOVE)
        a = a->in[0];
    return a;
}

/*
 * Movement outputs become views when their base is realized or will be
 * materialized and the chain is expressible as strides; otherwise the
 * output itself is materialized.  Reshapes of a computed node are peeled:
 * the node is computed in C order and the output is a view of it.
 */
static void plan_outputs(fstate *s, loom_array *const *outs, int n)
{
    for (int o = 0; o < n; o++) {
        loom_array *a = outs[o];
        if (a->buf)
            continue;
        ninfo *ni = info(s, a);
        if (graph_ops[a->op].kind != GRAPH_MOVE) {
            force(s, a, NULL, "requested output");
            continue;
        }
        loom_array *base = move_base(a);
        int64_t st[LOOM_MAX_DIMS], off, bst[LOOM_MAX_DIMS];
        graph_c_strides(base->ndim, base->shape, bst);
        if (base->buf)
            memcpy(bst, base->strides, sizeof bst);
        bool leafish = graph_ops[base->op].kind != GRAPH_LEAF || base->buf;
        bool reshape_only = true;
        for (loom_array *x = a; x != base; x = x->in[0])
            reshape_only = reshape_only && x->op == GRAPH_OP_RESHAPE;
        if (leafish && (base->buf || reshape_only) &&
            fuse_view_of(a, base, bst, base->buf ? base->offset : 0, st,
                         &off)) {
            ni->force = false;
            if (!base->buf)
                force(s, base, a, "requested output (viewed by a reshape)");
            continue;
        }
        force(s, a, NULL, "requested output");
    }
}

static bool add_view(fuse_plan *p, loom_array *a)
{
    if (!grow(p->ctx, (void **)&p->views, &p->vcap, p->nviews + 1,
              sizeof(loom_array *)))
        return false;
    p->views[p->nviews++] = a;
    return true;
}

loom_status fuse_plan_build(loom_ctx *ctx, loom_array *const *outs, int n,
                            bool eager, fuse_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    plan->ctx = ctx;
    fstate s = {.p = plan, .eager = eager};
    for (int i = 0; i < n; i++)
        outs[i]->tmp = 0;
    if (!collect(plan, outs, n))
        return LOOM_ERR_MEMORY;
    s.info = rt_malloc(&ctx->alloc, (size_t)plan->nnodes * sizeof(ninfo));
    if (!s.info)
        return LOOM_ERR_MEMORY;
    for (int i = 0; i < plan->nnodes; i++) {
        s.info[i] = (ninfo){.kernel = KNONE, .also = KNONE};
        loom_array *a = plan->nodes[i];
        if (!a->buf)
            for (int k = 0; k < a->nin; k++)
                if (!a->in[k]->buf)
                    s.info[a->in[k]->tmp2].nconsumers++;
    }
    plan_outputs(&s, outs, n);
    /* consumers before producers */
    for (int i = plan->nnodes - 1; i >= 0 && !s.oom; i--) {
        loom_array *a = plan->nodes[i];
        ninfo *ni = &s.info[i];
        bool is_out = false;
        for (int o = 0; o < n; o++)
            is_out = is_out || outs[o] == a;
        if (is_out && !ni->force && !a->buf &&
            graph_ops[a->op].kind == GRAPH_MOVE && ni->kernel == KNONE) {
            /* a view output with no consumers in this evaluation */
            a->tmp = FUSE_VIEW;
            ni->kernel = KMULTI;
            ni->nmaps = 0;
            if (!add_view(plan, a))
                s.oom = true;
            for (int k = 0; k < a->nin; k++)
                if (!a->in[k]->buf) {
                    ninfo *ii = &s.info[a->in[k]->tmp2];
                    if (ii->kernel == KNONE)
                        ii->kernel = KMULTI;
                }
            continue;
        }
        if (ni->kernel == KNONE && ni->also != KNONE) {
            /* only gathers read it: they compute it, and its inputs for it */
            ni->kernel = ni->also;
            ni->also = KNONE;
            ni->sparse_only = true;
            memcpy(ni->maps, ni->smaps, sizeof ni->smaps);
            ni->nmaps = ni->nsmaps > MAXSMAPS ? MAXMAPS + 1 : ni->nsmaps;
        } else if (ni->also != KNONE && ni->also == ni->kernel) {
            /* its own kernel's gathers read it too: at their positions */
            for (int j = 0; j < ni->nsmaps && j < MAXSMAPS; j++)
                add_map(ni, &ni->smaps[j], a->ndim);
            if (ni->nsmaps > MAXSMAPS)
                ni->nmaps = MAXMAPS + 1;
            ni->also = KNONE;
        }
        if (ni->kernel == KNONE && !a->buf && !ni->force &&
            graph_ops[a->op].kind != GRAPH_LEAF) {
            /* only reachable through views: materialize */
            force(&s, a, NULL, "requested output (viewed)");
        }
        assign(&s, a);
        propagate(&s, a);
    }
    if (!s.oom)
        attach_outputs(&s);
    bool ok = !s.oom && order_steps(&s);
    rt_free(&ctx->alloc, s.info, (size_t)plan->nnodes * sizeof(ninfo));
    rt_free(&ctx->alloc, s.split, (size_t)s.splitcap * sizeof(int));
    return ok ? LOOM_OK : LOOM_ERR_MEMORY;
}

void fuse_plan_free(fuse_plan *p)
{
    loom_ctx *ctx = p->ctx;
    if (!ctx)
        return;
    rt_free(&ctx->alloc, p->steps, (size_t)p->scap * sizeof(fuse_step));
    rt_free(&ctx->alloc, p->cuts, (size_t)p->ccap * sizeof(fuse_cut));
    rt_free(&ctx->alloc, p->nodes, (size_t)p->ncap * sizeof(loom_array *));
    rt_free(&ctx->alloc, p->views, (size_t)p->vcap * sizeof(loom_array *));
    memset(p, 0, sizeof *p);
}
