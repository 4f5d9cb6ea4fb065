/*
 * optimize.c -- graph rewriting before fusion.
 *
 * A pass is a table of named rules; each rule looks at one node (whose
 * inputs are already optimized) and returns a replacement or NULL.  Rules
 * run until none applies; the result is memoized in node->opt, so an
 * evaluation of an already optimized graph costs a pointer chase per node.
 *
 *   fold          elementwise ops on constants become constants
 *   identity      x*1, x+0 (integers), x-0, x/1, --x, !!x, ~~x
 *   power         x**1, x**2, x**3, x**0.5, x**-1, x**0 by cheaper ops
 *   movement      reshape/transpose/broadcast/slice chains compose
 *   iota          movement of an index grid folds into the grid
 *   gather_iota   x[arange(n), idx]: an index array that is an output
 *                 coordinate becomes a direct axis of the gather
 *   tanh_sigmoid  1 + tanh(z) becomes 2 / (1 + exp(-2z)) (GELU's tanh form)
 *   gemm_scale    (c * A) @ B becomes c * (A @ B): the scale joins the
 *                 product's epilogue
 *   push_reshape  a reshape of an elementwise op moves to its inputs, so
 *                 that it ends up as a view of a buffer, not a copy
 *   reshape_copy  a reshape that no view of a realized array can express
 *                 reads a C-ordered copy of it
 *   partition_head  the leading columns of a (arg)partition past its last
 *                 kth come from a call that writes only them
 *   scan_zero_head  cumsum(concatenate([zeros, x])) becomes
 *                 concatenate([zeros, cumsum(x)]) (the moving-window idiom
 *                 np.cumsum(np.insert(x, 0, 0))): no copy before the scan
 */
#include "graph/fuse.h"
#include "runtime/call.h"

#include <string.h>

typedef loom_array *(*rule_fn)(loom_array *a);

/* ---- helpers ---- */

/* Whether a has one value everywhere (a constant under movement ops). */
static bool uniform(const loom_array *a, graph_scalar *v)
{
    while (graph_ops[a->op].kind == GRAPH_MOVE)
        a = a->in[0];
    if (a->op != GRAPH_OP_CONST)
        return false;
    *v = a->value;
    return true;
}

static bool is_value(const loom_array *a, double f)
{
    graph_scalar v;
    if (!uniform(a, &v))
        return false;
    return graph_is_float((loom_dtype)a->dtype) ? v.f == f : v.i == (int64_t)f;
}

/* Interns a node like a but with other op/inputs; owned reference. */
static loom_array *make(const loom_array *a, graph_op op, int nin,
                        loom_array *const *in, const int64_t *attr)
{
    graph_tmpl t;
    graph_tmpl_init(&t, op, (loom_dtype)a->dtype, a->ndim, a->shape);
    t.nin = nin;
    t.in = in;
    if (attr)
        memcpy(t.attr, attr, sizeof t.attr);
    return graph_intern_owned(a->ctx, &t);
}

static loom_array *move_like(loom_array *x, graph_op op, int ndim,
                             const int64_t *shape, const int64_t *attr)
{
    graph_tmpl t;
    graph_tmpl_init(&t, op, (loom_dtype)x->dtype, ndim, shape);
    t.nin = 1;
    t.in = &x;
    if (attr)
        memcpy(t.attr, attr, sizeof t.attr);
    return graph_intern_owned(x->ctx, &t);
}

/* x itself as the replacement of a, if x has a's dtype and shape. */
static loom_array *same(const loom_array *a, loom_array *x)
{
    if (x->dtype != a->dtype || !graph_same_shape(a, x))
        return NULL;
    graph_ref(x);
    return x;
}

/* ---- rules ---- */

static loom_array *rule_fold(loom_array *a)
{
    if (graph_ops[a->op].kind != GRAPH_ELEM || a->op == GRAPH_OP_COPY)
        return NULL;
    graph_scalar v[3], out;
    for (int i = 0; i < a->nin; i++)
        if (!uniform(a->in[i], &v[i]))
            return NULL;
    loom_dtype it = (loom_dtype)a->in[a->op == GRAPH_OP_WHERE ? 1 : 0]->dtype;
    if (!graph_fold((graph_op)a->op, (loom_dtype)a->dtype, it, v, a->nin, &out))
        return NULL;
    graph_tmpl t;
    graph_tmpl_init(&t, GRAPH_OP_CONST, (loom_dtype)a->dtype, 0, NULL);
    t.value = out;
    loom_array *c = graph_intern_owned(a->ctx, &t);
    if (!c || a->ndim == 0)
        return c;
    int64_t ones[LOOM_MAX_DIMS];
    for (int i = 0; i < a->ndim; i++)
        ones[i] = 1;
    loom_array *r = move_like(c, GRAPH_OP_RESHAPE, a->ndim, ones, NULL);
    graph_unref(c);
    if (!r || !memcmp(ones, a->shape, (size_t)a->ndim * sizeof(int64_t)))
        return r;
    loom_array *e = move_like(r, GRAPH_OP_EXPAND, a->ndim, a->shape, NULL);
    graph_unref(r);
    return e;
}

static loom_array *rule_identity(loom_array *a)
{
    loom_array *x = a->nin > 0 ? a->in[0] : NULL, *y = a->nin > 1 ? a->in[1] : NULL;
    bool fl = graph_is_float((loom_dtype)a->dtype);
    switch (a->op) {
    case GRAPH_OP_MUL:
        if (is_value(y, 1))
            return same(a, x);
        if (is_value(x, 1))
            return same(a, y);
        return NULL;
    case GRAPH_OP_ADD:
        if (!fl && is_value(y, 0))
            return same(a, x);
        if (!fl && is_value(x, 0))
            return same(a, y);
        return NULL;
    case GRAPH_OP_SUB:
        return is_value(y, 0) && a->dtype != LOOM_BOOL ? same(a, x) : NULL;
    case GRAPH_OP_DIV:
        return is_value(y, 1) ? same(a, x) : NULL;
    case GRAPH_OP_NEG:
    case GRAPH_OP_NOT:
    case GRAPH_OP_INVERT:
        return x->op == a->op ? same(a, x->in[0]) : NULL;
    default:
        return NULL;
    }
}

static loom_array *rule_power(loom_array *a)
{
    if (a->op != GRAPH_OP_POW || !graph_is_float((loom_dtype)a->dtype))
        return NULL;
    graph_scalar v;
    if (!uniform(a->in[1], &v))
        return NULL;
    loom_array *x = a->in[0];
    double p = v.f;
    if (p == 1)
        return same(a, x);
    if (p == 2)
        return make(a, GRAPH_OP_SQUARE, 1, &x, NULL);
    if (p == 0.5)
        return make(a, GRAPH_OP_SQRT, 1, &x, NULL);
    if (p == -1)
        return make(a, GRAPH_OP_RECIP, 1, &x, NULL);
    if (p == 3) {
        loom_array *sq = make(a, GRAPH_OP_SQUARE, 1, &x, NULL);
        if (!sq)
            return NULL;
        loom_array *in[2] = {sq, x};
        loom_array *r = make(a, GRAPH_OP_MUL, 2, in, NULL);
        graph_unref(sq);
        return r;
    }
    return NULL;
}

static bool unit_reshape_of(const loom_array *a, const loom_array *s)
{
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

static loom_array *rule_movement(loom_array *a)
{
    if (graph_ops[a->op].kind != GRAPH_MOVE)
        return NULL;
    loom_array *x = a->in[0];
    if (a->op == GRAPH_OP_RESHAPE || a->op == GRAPH_OP_EXPAND) {
        if (graph_same_shape(a, x))
            return same(a, x);
        if (x->op == a->op)
            return move_like(x->in[0], (graph_op)a->op, a->ndim, a->shape, NULL);
        return NULL;
    }
    if (a->op == GRAPH_OP_PERMUTE && x->op == GRAPH_OP_PERMUTE) {
        int64_t p[GRAPH_NATTR] = {0};
        bool id = true;
        for (int i = 0; i < a->ndim; i++) {
            p[i] = x->attr[a->attr[i]];
            id = id && p[i] == i;
        }
        if (id)
            return same(a, x->in[0]);
        return move_like(x->in[0], GRAPH_OP_PERMUTE, a->ndim, a->shape, p);
    }
    if (a->op == GRAPH_OP_SLICE && x->op == GRAPH_OP_SLICE) {
        int64_t at[GRAPH_NATTR] = {0};
        for (int i = 0; i < a->ndim; i++) {
            int64_t s1 = x->attr[i], st1 = x->attr[LOOM_MAX_DIMS + i];
            at[i] = s1 + st1 * a->attr[i];
            at[LOOM_MAX_DIMS + i] = st1 * a->attr[LOOM_MAX_DIMS + i];
        }
        return move_like(x->in[0], GRAPH_OP_SLICE, a->ndim, a->shape, at);
    }
    return NULL;
}

/* A movement op over an affine index grid is another affine grid: the
 * grid's coefficients are transformed instead of its coordinates. */
static loom_array *rule_iota(loom_array *a)
{
    if (graph_ops[a->op].kind != GRAPH_MOVE || a->in[0]->op != GRAPH_OP_IOTA)
        return NULL;
    const loom_array *g = a->in[0];
    int64_t at[GRAPH_NATTR] = {0};
    at[GRAPH_IOTA_OFFSET] = g->attr[GRAPH_IOTA_OFFSET];
    switch (a->op) {
    case GRAPH_OP_PERMUTE:
        for (int i = 0; i < a->ndim; i++)
            at[i] = g->attr[a->attr[i]];
        break;
    case GRAPH_OP_EXPAND:
        for (int i = 0; i < a->ndim; i++)
            at[i] = g->shape[i] == a->shape[i] ? g->attr[i] : 0;
        break;
    case GRAPH_OP_SLICE:
        for (int i = 0; i < a->ndim; i++) {
            at[GRAPH_IOTA_OFFSET] += g->attr[i] * a->attr[i];
            at[i] = g->attr[i] * a->attr[LOOM_MAX_DIMS + i];
        }
        break;
    case GRAPH_OP_RESHAPE: {
        /* affine in the flat index: coef_k == c * cstride_k */
        int64_t cs[LOOM_MAX_DIMS], c = 0;
        bool have = false;
        graph_c_strides(g->ndim, g->shape, cs);
        for (int k = g->ndim - 1; k >= 0; k--) {
            if (g->shape[k] == 1)
                continue;
            if (!have) {
                c = g->attr[k] / cs[k];
                have = true;
            }
            if (g->attr[k] != c * cs[k])
                return NULL;
        }
        graph_c_strides(a->ndim, a->shape, cs);
        for (int i = 0; i < a->ndim; i++)
            at[i] = c * cs[i];
        break;
    }
    default:
        return NULL;
    }
    graph_tmpl t;
    graph_tmpl_init(&t, GRAPH_OP_IOTA, LOOM_INT64, a->ndim, a->shape);
    memcpy(t.attr, at, sizeof at);
    return graph_intern_owned(a->ctx, &t);
}

/* A reshape of a realized array whose layout cannot express it reads a
 * C-ordered copy instead, as NumPy's reshape does. */
static loom_array *rule_reshape_copy(loom_array *a)
{
    if (a->op != GRAPH_OP_RESHAPE || unit_reshape_of(a, a->in[0]))
        return NULL;
    loom_array *base = a->in[0];
    while (graph_ops[base->op].kind == GRAPH_MOVE && !base->buf)
        base = base->in[0];
    if (!base->buf)
        return NULL;
    int64_t st[LOOM_MAX_DIMS], off;
    if (fuse_view_of(a, base, base->strides, base->offset, st, &off))
        return NULL;
    loom_array *x = a->in[0];
    graph_tmpl t;
    graph_tmpl_init(&t, GRAPH_OP_COPY, (loom_dtype)x->dtype, x->ndim, x->shape);
    t.nin = 1;
    t.in = &x;
    loom_array *c = graph_intern_owned(a->ctx, &t);
    if (!c)
        return NULL;
    loom_array *r = move_like(c, GRAPH_OP_RESHAPE, a->ndim, a->shape, NULL);
    graph_unref(c);
    return r;
}

static loom_array *rule_push_reshape(loom_array *a)
{
    if (a->op != GRAPH_OP_RESHAPE)
        return NULL;
    loom_array *x = a->in[0];
    if (graph_ops[x->op].kind != GRAPH_ELEM || x->op == GRAPH_OP_COPY ||
        unit_reshape_of(a, x))
        return NULL;
    loom_array *in[3];
    int k = 0;
    for (; k < x->nin; k++) {
        in[k] = move_like(x->in[k], GRAPH_OP_RESHAPE, a->ndim, a->shape, NULL);
        if (!in[k])
            break;
    }
    loom_array *r = k == x->nin ? make(a, (graph_op)x->op, x->nin, in, NULL)
                                : NULL;
    if (r)
        r->flags |= x->flags & GRAPH_WEAK;
    for (int i = 0; i < k; i++)
        graph_unref(in[i]);
    return r;
}

static loom_array *uniform_like(const loom_array *a, graph_scalar c);

/* 1 + tanh(z) == 2 / (1 + exp(-2z)): the tanh form of GELU then costs one
 * exponential and a division, which vectorize better than tanh (whose
 * cancellation near -1 NumPy's form suffers from anyway). */
static loom_array *rule_tanh_sigmoid(loom_array *a)
{
    if (a->op != GRAPH_OP_ADD || !graph_is_float((loom_dtype)a->dtype))
        return NULL;
    loom_array *t = a->in[1], *one = a->in[0];
    if (t->op != GRAPH_OP_TANH) {
        t = a->in[0];
        one = a->in[1];
    }
    if (t->op != GRAPH_OP_TANH || !is_value(one, 1))
        return NULL;
    graph_scalar m2 = {.f = -2.0}, p2 = {.f = 2.0};
    loom_array *cm2 = uniform_like(a, m2), *c2 = uniform_like(a, p2);
    loom_array *z = NULL, *e = NULL, *den = NULL, *r = NULL;
    if (cm2 && c2) {
        loom_array *in[2] = {cm2, t->in[0]};
        z = make(a, GRAPH_OP_MUL, 2, in, NULL);
    }
    if (z)
        e = make(a, GRAPH_OP_EXP, 1, &z, NULL);
    if (e) {
        loom_array *in[2] = {one, e};
        den = make(a, GRAPH_OP_ADD, 2, in, NULL);
    }
    if (den) {
        loom_array *in[2] = {c2, den};
        r = make(a, GRAPH_OP_DIV, 2, in, NULL);
    }
    graph_unref(den);
    graph_unref(e);
    graph_unref(z);
    graph_unref(c2);
    graph_unref(cm2);
    return r;
}

/* The constant c broadcast to a's shape (owned), or NULL. */
static loom_array *uniform_like(const loom_array *a, graph_scalar c)
{
    graph_tmpl t;
    graph_tmpl_init(&t, GRAPH_OP_CONST, (loom_dtype)a->dtype, 0, NULL);
    t.value = c;
    loom_array *k = graph_intern_owned(a->ctx, &t);
    if (!k || a->ndim == 0)
        return k;
    int64_t ones[LOOM_MAX_DIMS] = {1, 1, 1, 1, 1, 1, 1, 1};
    loom_array *r = move_like(k, GRAPH_OP_RESHAPE, a->ndim, ones, NULL);
    graph_unref(k);
    if (!r)
        return NULL;
    loom_array *e = move_like(r, GRAPH_OP_EXPAND, a->ndim, a->shape, NULL);
    graph_unref(r);
    return e;
}

/* (c * A) @ B == c * (A @ B): the scale moves to the product's epilogue,
 * so the operand needs no pass of its own before the GEMM. */
static loom_array *rule_gemm_scale(loom_array *a)
{
    if (a->op != GRAPH_OP_MATMUL || !graph_is_float((loom_dtype)a->dtype))
        return NULL;
    for (int side = 0; side < 2; side++) {
        loom_array *m = a->in[side];
        if (m->op != GRAPH_OP_MUL)
            continue;
        graph_scalar c;
        int k = uniform(m->in[0], &c) ? 0 : uniform(m->in[1], &c) ? 1 : -1;
        if (k < 0 || m->in[1 - k]->dtype != m->dtype)
            continue;
        loom_array *ins[2] = {a->in[0], a->in[1]};
        ins[side] = m->in[1 - k];
        loom_array *prod = make(a, GRAPH_OP_MATMUL, 2, ins, NULL);
        loom_array *cs = prod ? uniform_like(a, c) : NULL;
        loom_array *r = NULL;
        if (cs) {
            loom_array *in2[2] = {prod, cs};
            r = make(a, GRAPH_OP_MUL, 2, in2, NULL);
        }
        graph_unref(prod);
        graph_unref(cs);
        return r;
    }
    return NULL;
}

/*
 * argpartition(x, k)[..., :m] with every kth < m: the call selects over
 * whole rows as before but writes only the first m columns (the call's
 * output width is its node's extent along the axis), so top-k queries do
 * not materialize the full index array.  The values are the same as the
 * slice of the full output.
 */
static loom_array *rule_partition_head(loom_array *a)
{
    loom_array *x = a->in[0];
    if (a->op != GRAPH_OP_SLICE || x->op != GRAPH_OP_CALL || x->buf ||
        (x->attr[0] != RT_CALL_PARTITION && x->attr[0] != RT_CALL_ARGPARTITION) ||
        x->nin != 1)
        return NULL;
    int axis = (int)x->attr[1];
    int64_t nkth = x->attr[2], m = a->shape[axis];
    if (m <= x->attr[2 + nkth] || m == x->shape[axis])
        return NULL;
    for (int d = 0; d < a->ndim; d++)
        if (a->attr[d] != 0 || a->attr[LOOM_MAX_DIMS + d] != 1 ||
            (d != axis && a->shape[d] != x->shape[d]))
            return NULL;
    graph_tmpl t;
    graph_tmpl_init(&t, GRAPH_OP_CALL, (loom_dtype)x->dtype, a->ndim, a->shape);
    t.nin = x->nin;
    t.in = x->in;
    memcpy(t.attr, x->attr, sizeof t.attr);
    return graph_intern_owned(a->ctx, &t);
}

/* The output axis whose coordinate index grid g is (offset 0, step 1
 * along that axis only), or -1. */
static int grid_axis(const loom_array *g)
{
    if (g->op != GRAPH_OP_IOTA || g->attr[GRAPH_IOTA_OFFSET] != 0)
        return -1;
    int axis = -1;
    for (int d = 0; d < g->ndim; d++) {
        if (g->attr[d] == 0 || g->shape[d] == 1)
            continue;
        if (g->attr[d] != 1 || axis >= 0)
            return -1;
        axis = d;
    }
    return axis;
}

/*
 * A gather whose index array for source axis j is the coordinate of
 * output axis d, over the whole of axis j (x[arange(n), labels]), reads
 * axis j directly at that coordinate: the index array is neither stored
 * nor loaded, and fusion sees which output axis the source row follows.
 */
static loom_array *rule_gather_iota(loom_array *a)
{
    if (a->op != GRAPH_OP_GATHER)
        return NULL;
    const loom_array *src = a->in[0];
    int64_t at[GRAPH_NATTR];
    memcpy(at, a->attr, sizeof at);
    bool used[LOOM_MAX_DIMS] = {false}, changed = false;
    for (int j = 0; j < src->ndim; j++)
        if (at[j] >= 0)
            used[at[j]] = true;
    for (int j = 0; j < src->ndim; j++) {
        if (at[j] >= 0)
            continue;
        int d = grid_axis(a->in[-at[j]]);
        if (d < 0 || used[d] || a->shape[d] != src->shape[j])
            continue;
        used[d] = true;
        at[j] = d;
        changed = true;
    }
    if (!changed)
        return NULL;
    loom_array *in[2 * LOOM_MAX_DIMS + 3];
    int nin = 1;
    in[0] = a->in[0];
    for (int j = 0; j < src->ndim; j++)
        if (at[j] < 0) {
            in[nin] = a->in[-at[j]];
            at[j] = -nin++;
        }
    return make(a, GRAPH_OP_GATHER, nin, in, at);
}

static loom_array *intern_as(const loom_array *like, graph_op op, int ndim,
                             const int64_t *shape, int nin,
                             loom_array *const *in, const int64_t *attr)
{
    graph_tmpl t;
    graph_tmpl_init(&t, op, (loom_dtype)like->dtype, ndim, shape);
    t.nin = nin;
    t.in = in;
    memcpy(t.attr, attr, sizeof t.attr);
    return graph_intern_owned(like->ctx, &t);
}

static loom_array *rule_scan_zero_head(loom_array *a)
{
    if (a->op != GRAPH_OP_CALL || a->attr[0] != RT_CALL_CUMSUM || a->nin != 1)
        return NULL;
    loom_array *c = a->in[0];
    int ax = (int)a->attr[1];
    if (c->op != GRAPH_OP_CONCAT || c->attr[0] != ax || c->nin < 2 ||
        c->dtype != a->dtype || !is_value(c->in[0], 0))
        return NULL;
    int64_t shape[LOOM_MAX_DIMS];
    memcpy(shape, c->shape, sizeof shape);
    shape[ax] -= c->in[0]->shape[ax];
    loom_array *rest = c->in[1];
    if (c->nin > 2 && !(rest = intern_as(c, GRAPH_OP_CONCAT, c->ndim, shape,
                                         c->nin - 1, c->in + 1, c->attr)))
        return NULL;
    if (c->nin == 2)
        graph_ref(rest);
    loom_array *scan = intern_as(a, GRAPH_OP_CALL, a->ndim, shape, 1, &rest,
                                 a->attr);
    graph_unref(rest);
    if (!scan)
        return NULL;
    loom_array *parts[2] = {c->in[0], scan};
    loom_array *r = intern_as(a, GRAPH_OP_CONCAT, a->ndim, a->shape, 2, parts,
                              c->attr);
    graph_unref(scan);
    return r;
}

static const struct {
    const char *name;
    rule_fn fn;
} rules[] = {
    {"gemm_scale", rule_gemm_scale},
    {"tanh_sigmoid", rule_tanh_sigmoid},
    {"fold", rule_fold},
    {"identity", rule_identity},
    {"power", rule_power},
    {"movement", rule_movement},
    {"iota", rule_iota},
    {"gather_iota", rule_gather_iota},
    {"push_reshape", rule_push_reshape},
    {"reshape_copy", rule_reshape_copy},
    {"partition_head", rule_partition_head},
    {"scan_zero_head", rule_scan_zero_head},
};

/* ---- driver ---- */

/* a with its inputs replaced by their optimized forms (owned). */
static loom_array *with_optimized_inputs(loom_array *a)
{
    loom_array *in[3], **inp = in;
    if (a->nin > 3 && !(inp = graph_malloc(a->ctx, a->nin * sizeof *inp)))
        return NULL;
    bool changed = false, ok = true;
    int k = 0;
    for (; k < a->nin; k++) {
        if (!(inp[k] = graph_optimize(a->in[k]))) {
            ok = false;
            break;
        }
        changed = changed || inp[k] != a->in[k];
    }
    loom_array *r = NULL;
    if (ok && changed) {
        graph_tmpl t;
        graph_tmpl_init(&t, (graph_op)a->op, (loom_dtype)a->dtype, a->ndim,
                        a->shape);
        t.flags = a->flags & GRAPH_WEAK;
        t.nin = a->nin;
        t.in = inp;
        memcpy(t.attr, a->attr, sizeof t.attr);
        t.value = a->value;
        r = graph_intern_owned(a->ctx, &t);
    } else if (ok) {
        graph_ref(a);
        r = a;
    }
    for (int i = 0; i < k; i++)
        graph_unref(inp[i]);
    if (inp != in)
        graph_free(a->ctx, inp, a->nin * sizeof *inp);
    return r;
}

static loom_array *optimize_node(loom_array *a);

/*
 * Optimizes a's unoptimized inputs bottom-up first, with an explicit
 * stack, so that graphs thousands of nodes deep do not recurse deeply:
 * each node then finds its inputs memoized.
 */
static bool prepare(loom_array *a)
{
    loom_ctx *ctx = a->ctx;
    size_t cap = 256, sp = 0;
    struct fr {
        loom_array *a;
        int next;
    } *st = graph_malloc(ctx, cap * sizeof *st);
    if (!st)
        return false;
    st[sp++] = (struct fr){a, 0};
    bool ok = true;
    while (sp > 0 && ok) {
        struct fr *f = &st[sp - 1];
        loom_array *x = f->a;
        if (x->opt || x->buf || f->next >= x->nin) {
            sp--;
            if (!x->opt && !x->buf && x != a && sp > 0) {
                loom_array *o = optimize_node(x);
                if (!o)
                    ok = false;
                else
                    graph_unref(o);
            }
            continue;
        }
        loom_array *in = x->in[f->next++];
        if (in->opt || in->buf || in->nin == 0)
            continue;
        if (sp == cap) {
            struct fr *n = rt_realloc(&ctx->alloc, st, cap * sizeof *st,
                                      2 * cap * sizeof *st);
            if (!n) {
                ok = false;
                break;
            }
            st = n;
            cap *= 2;
        }
        st[sp++] = (struct fr){in, 0};
    }
    graph_free(ctx, st, cap * sizeof *st);
    return ok;
}

loom_array *graph_optimize(loom_array *a)
{
    if (a->opt) {
        graph_ref(a->opt);
        return a->opt;
    }
    if (!a->buf && a->nin > 0 && !prepare(a))
        return NULL;
    return optimize_node(a);
}

static loom_array *optimize_node(loom_array *a)
{
    if (a->opt) {
        graph_ref(a->opt);
        return a->opt;
    }
    if (a->buf || a->nin == 0) {
        a->opt = a;
        graph_ref(a);
        return a;
    }
    /* nodes made while rewriting a carry a's source location */
    int saved_loc = a->ctx->cur_loc;
    a->ctx->cur_loc = a->loc;
    loom_array *b = with_optimized_inputs(a);
    if (!b) {
        a->ctx->cur_loc = saved_loc;
        return NULL;
    }
    for (size_t i = 0; i < sizeof rules / sizeof *rules && !b->buf; i++) {
        loom_array *r = rules[i].fn(b);
        if (!r)
            continue;
        loom_array *o = graph_optimize(r);
        graph_unref(r);
        graph_unref(b);
        if (!o) {
            a->ctx->cur_loc = saved_loc;
            return NULL;
        }
        b = o;
        break; /* o is a fixpoint already */
    }
    if (b != a) {
        a->opt = b;
        graph_ref(b);
        if (!b->opt)
            b->opt = b;
    } else {
        a->opt = a;
    }
    a->ctx->cur_loc = saved_loc;
    return b;
}
