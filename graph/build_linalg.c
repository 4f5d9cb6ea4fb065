/*
 * build_linalg.c -- builders of products and linear algebra.
 *
 * Products (matmul, dot, vdot, inner, outer, tensordot, kron, trace)
 * follow NumPy's shape and dtype rules.  Every contraction becomes one
 * MATMUL node, a BLAS leaf whose operands are views: batch axes are
 * broadcast with EXPAND (zero strides, no copies) and transposes stay
 * transposes, which the runtime passes to BLAS as flags.  Reshapes that
 * merge axes of a permuted operand are copies, as they are in NumPy.
 *
 * linalg functions are CALL nodes run by runtime/lapack.c, one matrix of a
 * stack at a time; extra results are CALL_OUT nodes.  As in NumPy, integer
 * and bool inputs compute in float64 and float32 inputs give float32
 * results (LAPACK works in double either way).  Shape errors are found
 * here, with NumPy's words; numerical ones (a singular matrix, no
 * convergence) come from the run.
 */
#include "runtime/call.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define CHECK1(name, a)                                                 \
    do {                                                                \
        loom_array *bad_ = graph_check_inputs((a) ? (a)->ctx : NULL,    \
                                              name, 1, &(a));           \
        if (bad_)                                                       \
            return bad_;                                                \
    } while (0)

#define CHECK2(name, a, b)                                              \
    do {                                                                \
        loom_array *in_[2] = {(a), (b)};                                \
        loom_ctx *c_ = (a) ? (a)->ctx : (b) ? (b)->ctx : NULL;          \
        loom_array *bad_ = graph_check_inputs(c_, name, 2, in_);        \
        if (bad_)                                                       \
            return bad_;                                                \
    } while (0)

/* ---- shapes ---- */

static loom_shape shape_of(int ndim, const int64_t *dims)
{
    loom_shape s = {ndim, {0}};
    memcpy(s.dim, dims, (size_t)ndim * sizeof(int64_t));
    return s;
}

/* s with extra trailing extents appended. */
static loom_shape shape_plus(int ndim, const int64_t *dims, int nextra,
                             int64_t e0, int64_t e1)
{
    loom_shape s = shape_of(ndim, dims);
    if (nextra > 0)
        s.dim[s.ndim++] = e0;
    if (nextra > 1)
        s.dim[s.ndim++] = e1;
    return s;
}

/*
 * NumPy's message when the loop (batch) axes of a gufunc's operands do
 * not broadcast: each operand's shape with its ncore[i] core axes shown as
 * newaxis, and the output's core shape.
 */
static loom_array *remap_error(loom_ctx *ctx, int n, loom_array *const *ops,
                               const int *ncore, int nreq,
                               const int64_t *req)
{
    char msg[512], buf[128];
    size_t k = (size_t)snprintf(msg, sizeof msg,
                                "operands could not be broadcast together "
                                "with remapped shapes [original->remapped]:");
    for (int i = 0; i < n && k < sizeof msg; i++) {
        const loom_array *a = ops[i];
        k += (size_t)snprintf(msg + k, sizeof msg - k, " %s->(",
                              graph_shape_str(buf, sizeof buf, a->ndim,
                                              a->shape));
        int nb = a->ndim - ncore[i];
        for (int d = 0; d < a->ndim && k < sizeof msg; d++) {
            if (d < nb)
                k += (size_t)snprintf(msg + k, sizeof msg - k, "%s%lld",
                                      d ? "," : "", (long long)a->shape[d]);
            else
                k += (size_t)snprintf(msg + k, sizeof msg - k, "%snewaxis",
                                      d ? "," : "");
        }
        if (k < sizeof msg)
            k += (size_t)snprintf(msg + k, sizeof msg - k, ")");
    }
    if (k < sizeof msg)
        k += (size_t)snprintf(msg + k, sizeof msg - k,
                              "  and requested shape (");
    for (int d = 0; d < nreq && k < sizeof msg; d++)
        k += (size_t)snprintf(msg + k, sizeof msg - k, "%s%lld", d ? "," : "",
                              (long long)req[d]);
    if (k < sizeof msg)
        snprintf(msg + k, sizeof msg - k, ")");
    return graph_poison(ctx, LOOM_ERR_VALUE, "%s", msg);
}

/* ---- matmul ---- */

static const char MM_SIG[] = "(n?,k),(k,m?)->(n?,m?)";

/*
 * a @ b once the core dimensions are known to agree: promotes 1-D
 * operands, broadcasts the batch axes, builds the MATMUL node over views
 * and removes the promoted axes again.
 */
static loom_array *matmul_core(loom_array *a, loom_array *b)
{
    loom_ctx *ctx = a->ctx;
    loom_dtype t = loom_promote((loom_dtype)a->dtype, (loom_dtype)b->dtype);
    int na = a->ndim, nb = b->ndim;
    int64_t K = a->shape[na - 1];
    int64_t M = na >= 2 ? a->shape[na - 2] : 1;
    int64_t N = nb >= 2 ? b->shape[nb - 1] : 1;
    int64_t batch[LOOM_MAX_DIMS];
    int nbatch;
    int bna = na >= 2 ? na - 2 : 0, bnb = nb >= 2 ? nb - 2 : 0;
    if (!graph_broadcast_shapes(bna, a->shape, bnb, b->shape, &nbatch,
                                batch)) {
        loom_array *ops[2] = {a, b};
        int ncore[2] = {na >= 2 ? 2 : 1, nb >= 2 ? 2 : 1};
        int64_t req[2];
        int nreq = 0;
        if (na >= 2)
            req[nreq++] = M;
        if (nb >= 2)
            req[nreq++] = N;
        return remap_error(ctx, 2, ops, ncore, nreq, req);
    }
    int nd = nbatch + 2;
    int64_t sa[LOOM_MAX_DIMS], sb[LOOM_MAX_DIMS], so[LOOM_MAX_DIMS];
    memcpy(sa, batch, (size_t)nbatch * sizeof(int64_t));
    memcpy(sb, batch, (size_t)nbatch * sizeof(int64_t));
    memcpy(so, batch, (size_t)nbatch * sizeof(int64_t));
    sa[nbatch] = M, sa[nbatch + 1] = K;
    sb[nbatch] = K, sb[nbatch + 1] = N;
    so[nbatch] = M, so[nbatch + 1] = N;
    loom_array *A = na == 1 ? loom_reshape(a, LOOM_SHAPE(1, K)) : a;
    loom_array *B = nb == 1 ? loom_reshape(b, LOOM_SHAPE(K, 1)) : b;
    A = graph_broadcast(graph_cast(A, t), nd, sa);
    B = graph_broadcast(graph_cast(B, t), nd, sb);
    loom_array *in[2] = {A, B};
    loom_array *bad = graph_check_inputs(ctx, "matmul", 2, in);
    if (bad)
        return bad;
    graph_tmpl tm;
    graph_tmpl_init(&tm, GRAPH_OP_MATMUL, t, nd, so);
    tm.nin = 2;
    tm.in = in;
    loom_array *r = graph_intern(ctx, &tm);
    if (na >= 2 && nb >= 2)
        return r;
    loom_shape s = shape_of(nbatch, batch);
    if (na >= 2)
        s.dim[s.ndim++] = M;
    if (nb >= 2)
        s.dim[s.ndim++] = N;
    return loom_reshape(r, s);
}

loom_array *loom_matmul(loom_array *a, loom_array *b)
{
    CHECK2("matmul", a, b);
    loom_ctx *ctx = a->ctx;
    for (int i = 0; i < 2; i++)
        if ((i ? b : a)->ndim == 0)
            return graph_poison(ctx, LOOM_ERR_VALUE,
                                "matmul: Input operand %d does not have "
                                "enough dimensions (has 0, gufunc core with "
                                "signature %s requires 1)",
                                i, MM_SIG);
    int64_t ka = a->shape[a->ndim - 1];
    int64_t kb = b->shape[b->ndim >= 2 ? b->ndim - 2 : 0];
    if (ka != kb)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "matmul: Input operand 1 has a mismatch in its "
                            "core dimension 0, with gufunc signature %s "
                            "(size %lld is different from %lld)",
                            MM_SIG, (long long)kb, (long long)ka);
    return matmul_core(a, b);
}

/* ---- tensordot and the products built on it ---- */

/*
 * Contracts axes ax of a with axes bx of b (n pairs, normalized, sizes
 * checked): a's free axes then its summed axes, b's summed axes then its
 * free axes, each reshaped to a matrix, one matmul, and the free axes
 * restored.
 */
static loom_array *contract(loom_array *a, loom_array *b, int n,
                            const int *ax, const int *bx)
{
    int pa[LOOM_MAX_DIMS], pb[LOOM_MAX_DIMS], npa = 0, npb = 0;
    bool suma[LOOM_MAX_DIMS] = {0}, sumb[LOOM_MAX_DIMS] = {0};
    int64_t free_shape[2 * LOOM_MAX_DIMS];
    int nfree = 0;
    int64_t P = 1, Q = 1, K = 1;
    for (int i = 0; i < n; i++) {
        suma[ax[i]] = true;
        sumb[bx[i]] = true;
        K *= a->shape[ax[i]];
    }
    for (int d = 0; d < a->ndim; d++)
        if (!suma[d]) {
            pa[npa++] = d;
            P *= a->shape[d];
            free_shape[nfree++] = a->shape[d];
        }
    for (int i = 0; i < n; i++)
        pa[npa++] = ax[i];
    for (int i = 0; i < n; i++)
        pb[npb++] = bx[i];
    for (int d = 0; d < b->ndim; d++)
        if (!sumb[d]) {
            pb[npb++] = d;
            Q *= b->shape[d];
            free_shape[nfree++] = b->shape[d];
        }
    if (nfree > LOOM_MAX_DIMS)
        return graph_poison(a->ctx, LOOM_ERR_VALUE,
                            "tensordot: the result would have %d dimensions "
                            "(loom supports up to %d)",
                            nfree, LOOM_MAX_DIMS);
    loom_array *A = loom_reshape(loom_transpose(a, pa), LOOM_SHAPE(P, K));
    loom_array *B = loom_reshape(loom_transpose(b, pb), LOOM_SHAPE(K, Q));
    loom_array *in[2] = {A, B};
    loom_array *bad = graph_check_inputs(a->ctx, "tensordot", 2, in);
    if (bad)
        return bad;
    return loom_reshape(matmul_core(A, B), shape_of(nfree, free_shape));
}

loom_array *loom_tensordot(loom_array *a, loom_array *b, int naxes,
                           const int *axes_a, const int *axes_b)
{
    CHECK2("tensordot", a, b);
    loom_ctx *ctx = a->ctx;
    if (naxes < 0 || naxes > LOOM_MAX_DIMS || (naxes > 0 && (!axes_a || !axes_b)))
        return graph_poison(ctx, LOOM_ERR_VALUE, "shape-mismatch for sum");
    int ax[LOOM_MAX_DIMS], bx[LOOM_MAX_DIMS];
    bool seen_a[LOOM_MAX_DIMS] = {0}, seen_b[LOOM_MAX_DIMS] = {0};
    for (int i = 0; i < naxes; i++) {
        ax[i] = axes_a[i];
        bx[i] = axes_b[i];
        if (!graph_norm_axis(&ax[i], a->ndim) ||
            !graph_norm_axis(&bx[i], b->ndim))
            return graph_poison(ctx, LOOM_ERR_INDEX,
                                "tuple index out of range");
        if (seen_a[ax[i]] || seen_b[bx[i]])
            return graph_poison(ctx, LOOM_ERR_VALUE,
                                "tensordot: repeated axis");
        seen_a[ax[i]] = seen_b[bx[i]] = true;
        if (a->shape[ax[i]] != b->shape[bx[i]])
            return graph_poison(ctx, LOOM_ERR_VALUE,
                                "shape-mismatch for sum");
    }
    return contract(a, b, naxes, ax, bx);
}

loom_array *loom_tensordot_n(loom_array *a, loom_array *b, int n)
{
    CHECK2("tensordot", a, b);
    if (n < 0)
        n = 0; /* NumPy's ranges are then empty: an outer product */
    if (n > a->ndim || n > b->ndim)
        return graph_poison(a->ctx, LOOM_ERR_INDEX,
                            "tuple index out of range");
    int ax[LOOM_MAX_DIMS], bx[LOOM_MAX_DIMS];
    for (int i = 0; i < n; i++) {
        ax[i] = a->ndim - n + i;
        bx[i] = i;
    }
    return loom_tensordot(a, b, n, ax, bx);
}

/* NumPy's dot/inner message; bshape is b's shape as dot sees it. */
static loom_array *not_aligned(loom_array *a, int nb, const int64_t *bshape,
                               int da, int db)
{
    char s1[128], s2[128];
    return graph_poison(a->ctx, LOOM_ERR_VALUE,
                        "shapes %s and %s not aligned: %lld (dim %d) != "
                        "%lld (dim %d)",
                        graph_shape_str(s1, sizeof s1, a->ndim, a->shape),
                        graph_shape_str(s2, sizeof s2, nb, bshape),
                        (long long)a->shape[da], da, (long long)bshape[db],
                        db);
}

loom_array *loom_dot(loom_array *a, loom_array *b)
{
    CHECK2("dot", a, b);
    int na = a->ndim, nb = b->ndim;
    if (na == 0 || nb == 0)
        return loom_multiply(a, b);
    int db = nb >= 2 ? nb - 2 : 0;
    if (a->shape[na - 1] != b->shape[db])
        return not_aligned(a, nb, b->shape, na - 1, db);
    if (na == 1 || nb == 1 || (na == 2 && nb == 2))
        return matmul_core(a, b);
    int ax = na - 1, bx = nb - 2;
    return contract(a, b, 1, &ax, &bx);
}

loom_array *loom_vdot(loom_array *a, loom_array *b)
{
    CHECK2("vdot", a, b);
    int64_t n = graph_numel(a->ndim, a->shape);
    int64_t m = graph_numel(b->ndim, b->shape);
    if (n != m)
        return graph_poison(a->ctx, LOOM_ERR_VALUE,
                            "cannot reshape array of size %lld into shape "
                            "(%lld,)",
                            (long long)m, (long long)n);
    return matmul_core(loom_ravel(a), loom_ravel(b));
}

loom_array *loom_inner(loom_array *a, loom_array *b)
{
    CHECK2("inner", a, b);
    int na = a->ndim, nb = b->ndim;
    if (na == 0 || nb == 0)
        return loom_multiply(a, b);
    if (a->shape[na - 1] != b->shape[nb - 1]) {
        /* NumPy reports b with its last axis where dot sums */
        int64_t bs[LOOM_MAX_DIMS];
        memcpy(bs, b->shape, sizeof bs);
        if (nb >= 2) {
            bs[nb - 2] = b->shape[nb - 1];
            bs[nb - 1] = b->shape[nb - 2];
        }
        return not_aligned(a, nb, bs, na - 1, nb >= 2 ? nb - 2 : 0);
    }
    if (na == 1 && nb == 1)
        return matmul_core(a, b);
    int ax = na - 1, bx = nb - 1;
    return contract(a, b, 1, &ax, &bx);
}

loom_array *loom_outer(loom_array *a, loom_array *b)
{
    CHECK2("outer", a, b);
    loom_array *x = loom_reshape(a, LOOM_SHAPE(-1, 1));
    loom_array *y = loom_reshape(b, LOOM_SHAPE(1, -1));
    return loom_multiply(x, y);
}

loom_array *loom_kron(loom_array *a, loom_array *b)
{
    CHECK2("kron", a, b);
    if (a->ndim == 0 || b->ndim == 0)
        return loom_multiply(a, b);
    int nd = a->ndim > b->ndim ? a->ndim : b->ndim;
    if (2 * nd > LOOM_MAX_DIMS)
        return graph_poison(a->ctx, LOOM_ERR_VALUE,
                            "kron: operands of %d dimensions are not "
                            "supported (loom takes up to %d)",
                            nd, LOOM_MAX_DIMS / 2);
    /* a[i0, i1, ...] * b[j0, j1, ...] laid out as (i0, j0, i1, j1, ...) */
    loom_shape sa = {2 * nd, {0}}, sb = {2 * nd, {0}}, so = {nd, {0}};
    for (int d = 0; d < nd; d++) {
        int ia = d - (nd - a->ndim), ib = d - (nd - b->ndim);
        int64_t ea = ia >= 0 ? a->shape[ia] : 1;
        int64_t eb = ib >= 0 ? b->shape[ib] : 1;
        sa.dim[2 * d] = ea, sa.dim[2 * d + 1] = 1;
        sb.dim[2 * d] = 1, sb.dim[2 * d + 1] = eb;
        so.dim[d] = ea * eb;
    }
    loom_array *p = loom_multiply(loom_reshape(a, sa), loom_reshape(b, sb));
    return loom_reshape(p, so);
}

/*
 * trace: the diagonal (with offset) of the axis1 x axis2 planes, summed
 * with sum's dtype rules.  The diagonal is a strided view of the flattened
 * planes: start at the offset's first element, step n2 + 1.
 */
loom_array *loom_trace(loom_array *a, int64_t offset, int axis1, int axis2)
{
    CHECK1("trace", a);
    loom_ctx *ctx = a->ctx;
    if (a->ndim < 2)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "diag requires an array of at least two "
                            "dimensions");
    int a1 = axis1, a2 = axis2;
    bool ok1 = graph_norm_axis(&a1, a->ndim);
    if (!ok1 || !graph_norm_axis(&a2, a->ndim))
        return graph_poison(ctx, LOOM_ERR_AXIS,
                            "axis %d is out of bounds for array of dimension "
                            "%d",
                            ok1 ? axis2 : axis1, a->ndim);
    if (a1 == a2)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "axis1 and axis2 cannot be the same");
    int perm[LOOM_MAX_DIMS], np = 0;
    loom_shape flat = {0, {0}};
    for (int d = 0; d < a->ndim; d++)
        if (d != a1 && d != a2) {
            perm[np++] = d;
            flat.dim[flat.ndim++] = a->shape[d];
        }
    perm[np++] = a1;
    perm[np++] = a2;
    int64_t n1 = a->shape[a1], n2 = a->shape[a2], len, start;
    if (offset >= 0) {
        len = n2 - offset < n1 ? n2 - offset : n1;
        start = offset;
    } else {
        len = n1 + offset < n2 ? n1 + offset : n2;
        start = -offset * n2;
    }
    if (len <= 0)
        len = 0, start = 0;
    flat.dim[flat.ndim++] = n1 * n2;
    loom_array *f = loom_reshape(loom_transpose(a, perm), flat);
    loom_index idx[2] = {
        LOOM_ELLIPSIS,
        LOOM_SL(start, len > 0 ? start + (len - 1) * (n2 + 1) + 1 : 0,
                n2 + 1)};
    return loom_sum(loom_index_get(f, 2, idx), -1, false);
}

/* ---- linalg: common checks ---- */

/* NumPy's linalg dtypes: float32 results for float32 input, float64 for
 * everything else. */
static loom_dtype la_type(const loom_array *a)
{
    return a->dtype == LOOM_FLOAT32 ? LOOM_FLOAT32 : LOOM_FLOAT64;
}

/* a as a LAPACK call reads it: floats as they are (the call widens
 * float32), integers and bools cast to float64. */
static loom_array *la_in(loom_array *a)
{
    return graph_is_float((loom_dtype)a->dtype) ? a
                                                : graph_cast(a, LOOM_FLOAT64);
}

/* NULL when a is a stack of matrices (square ones if asked); otherwise a
 * poisoned array with NumPy's LinAlgError message. */
static loom_array *la_check(loom_array *a, bool square)
{
    if (a->ndim < 2)
        return graph_poison(a->ctx, LOOM_ERR_LINALG,
                            "%d-dimensional array given. Array must be at "
                            "least two-dimensional",
                            a->ndim);
    if (square && a->shape[a->ndim - 1] != a->shape[a->ndim - 2])
        return graph_poison(a->ctx, LOOM_ERR_LINALG,
                            "Last 2 dimensions of the array must be square");
    return NULL;
}

/* A call over the stack a with output 0 of shape batch(a) + core. */
static loom_array *la_call(rt_call_id id, int nin, loom_array *const *in,
                           loom_dtype t, int ncore, int64_t c0, int64_t c1,
                           const int64_t *params, int nparams)
{
    const loom_array *a = in[0];
    loom_shape s = shape_plus(a->ndim - 2, a->shape, ncore, c0, c1);
    return graph_call(a->ctx, id, nin, in, t, s.ndim, s.dim, params,
                      nparams);
}

/*
 * A call with several results (slogdet, eigh, svd, qr, lstsq).  Output 0
 * is a placeholder nobody reads; the results are CALL_OUTs 1.., so the
 * call node is never requested nor realized, and each result can be
 * evaluated alone and in any order (a result that an earlier run did not
 * make runs the call again).
 */
static loom_array *la_multi(rt_call_id id, int nin, loom_array *const *in,
                            const int64_t *params, int nparams)
{
    return graph_call(in[0]->ctx, id, nin, in, LOOM_BOOL, 0, NULL, params,
                      nparams);
}

/* Output k of call c with shape batch(c's input) + core. */
static loom_array *la_out(loom_array *c, int k, loom_dtype t, int ncore,
                          int64_t c0, int64_t c1)
{
    if (c->op == GRAPH_OP_ERROR)
        return c;
    const loom_array *a = c->in[0];
    loom_shape s = shape_plus(a->ndim - 2, a->shape, ncore, c0, c1);
    return graph_call_out(c, k, t, s.ndim, s.dim);
}

/* Sets every non-NULL output pointer to p and returns p's status. */
static loom_status fail_all(loom_array *p, loom_array **o0, loom_array **o1,
                            loom_array **o2, loom_array **o3)
{
    loom_array **outs[4] = {o0, o1, o2, o3};
    for (int i = 0; i < 4; i++)
        if (outs[i])
            *outs[i] = p;
    return p ? p->status : LOOM_ERR_NULL;
}

/* ---- solve, inv, det ---- */

loom_array *loom_linalg_solve(loom_array *a, loom_array *b)
{
    CHECK2("solve", a, b);
    loom_array *bad = la_check(a, true);
    if (bad)
        return bad;
    loom_ctx *ctx = a->ctx;
    loom_dtype t = la_type(a) == LOOM_FLOAT32 && la_type(b) == LOOM_FLOAT32
                       ? LOOM_FLOAT32
                       : LOOM_FLOAT64;
    int64_t m = a->shape[a->ndim - 1];
    bool vec = b->ndim == a->ndim - 1;
    const char *gname = vec ? "solve1" : "solve";
    const char *sig = vec ? "(m,m),(m)->(m)" : "(m,m),(m,n)->(m,n)";
    int ncb = vec ? 1 : 2;
    if (b->ndim < ncb)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "%s: Input operand 1 does not have enough "
                            "dimensions (has %d, gufunc core with signature "
                            "%s requires %d)",
                            gname, b->ndim, sig, ncb);
    int64_t bm = b->shape[b->ndim - ncb];
    if (bm != m)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "%s: Input operand 1 has a mismatch in its core "
                            "dimension 0, with gufunc signature %s (size %lld "
                            "is different from %lld)",
                            gname, sig, (long long)bm, (long long)m);
    int64_t k = vec ? 1 : b->shape[b->ndim - 1];
    int64_t batch[LOOM_MAX_DIMS];
    int nbatch;
    if (!graph_broadcast_shapes(a->ndim - 2, a->shape, b->ndim - ncb,
                                b->shape, &nbatch, batch)) {
        loom_array *ops[2] = {a, b};
        int ncore[2] = {2, ncb};
        int64_t req[2] = {m, k};
        return remap_error(ctx, 2, ops, ncore, ncb, req);
    }
    loom_shape sa = shape_plus(nbatch, batch, 2, m, m);
    loom_shape sb = shape_plus(nbatch, batch, 2, m, k);
    loom_array *B = vec ? loom_expand_dims(b, -1) : b;
    loom_array *in[2] = {graph_broadcast(la_in(a), sa.ndim, sa.dim),
                         graph_broadcast(la_in(B), sb.ndim, sb.dim)};
    loom_array *x = la_call(RT_CALL_SOLVE, 2, in, t, 2, m, k, NULL, 0);
    return vec ? loom_reshape(x, shape_plus(nbatch, batch, 1, m, 0)) : x;
}

loom_array *loom_linalg_inv(loom_array *a)
{
    CHECK1("inv", a);
    loom_array *bad = la_check(a, true);
    if (bad)
        return bad;
    int64_t n = a->shape[a->ndim - 1];
    loom_array *in = la_in(a);
    return la_call(RT_CALL_INV, 1, &in, la_type(a), 2, n, n, NULL, 0);
}

loom_array *loom_linalg_det(loom_array *a)
{
    CHECK1("det", a);
    loom_array *bad = la_check(a, true);
    if (bad)
        return bad;
    loom_array *in = la_in(a);
    return la_call(RT_CALL_DET, 1, &in, la_type(a), 0, 0, 0, NULL, 0);
}

loom_status loom_linalg_slogdet(loom_array *a, loom_array **sign,
                                loom_array **logabsdet)
{
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, "slogdet", 1, &a);
    if (!bad)
        bad = la_check(a, true);
    if (bad)
        return fail_all(bad, sign, logabsdet, NULL, NULL);
    loom_array *in = la_in(a);
    loom_dtype t = la_type(a);
    loom_array *c = la_multi(RT_CALL_SLOGDET, 1, &in, NULL, 0);
    loom_array *s = la_out(c, 1, t, 0, 0, 0);
    loom_array *l = la_out(c, 2, t, 0, 0, 0);
    if (sign)
        *sign = s;
    if (logabsdet)
        *logabsdet = l;
    return l->status ? l->status : s->status;
}

loom_array *loom_linalg_cholesky(loom_array *a)
{
    CHECK1("cholesky", a);
    loom_array *bad = la_check(a, true);
    if (bad)
        return bad;
    int64_t n = a->shape[a->ndim - 1];
    loom_array *in = la_in(a);
    return la_call(RT_CALL_CHOLESKY, 1, &in, la_type(a), 2, n, n, NULL, 0);
}

/* ---- eigh ---- */

/* The eigh call of a: output 1 is w, output 2 (with vectors) v. */
static loom_array *eigh_call(loom_array *a, char uplo, bool vectors)
{
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, "eigh", 1, &a);
    if (bad)
        return bad;
    if (uplo != 'L' && uplo != 'U')
        return graph_poison(a->ctx, LOOM_ERR_VALUE,
                            "UPLO argument must be 'L' or 'U'");
    if ((bad = la_check(a, true)))
        return bad;
    int64_t p[2] = {uplo == 'U', vectors};
    loom_array *in = la_in(a);
    return la_multi(RT_CALL_EIGH, 1, &in, p, 2);
}

loom_status loom_linalg_eigh(loom_array *a, char uplo, loom_array **w,
                             loom_array **v)
{
    loom_array *c = eigh_call(a, uplo, v != NULL);
    if (c->op == GRAPH_OP_ERROR)
        return fail_all(c, w, v, NULL, NULL);
    const loom_array *x = c->in[0];
    int64_t n = x->shape[x->ndim - 1];
    loom_dtype t = la_type(a);
    loom_array *wo = la_out(c, 1, t, 1, n, 0);
    if (w)
        *w = wo;
    if (v)
        *v = la_out(c, 2, t, 2, n, n);
    return v && (*v)->status ? (*v)->status : wo->status;
}

loom_array *loom_linalg_eigvalsh(loom_array *a, char uplo)
{
    loom_array *c = eigh_call(a, uplo, false);
    if (c->op == GRAPH_OP_ERROR)
        return c;
    const loom_array *x = c->in[0];
    return la_out(c, 1, la_type(a), 1, x->shape[x->ndim - 1], 0);
}

/* ---- svd and what is built on it ---- */

/* The SVD call of a (checked stack): output 1 is s; with uv, outputs 2
 * and 3 are u and vh. */
static loom_array *svd_call(loom_array *a, bool full, bool uv)
{
    int64_t p[2] = {uv && full, uv};
    loom_array *in = la_in(a);
    return la_multi(RT_CALL_SVD, 1, &in, p, 2);
}

/* The singular values of the stack a (checked). */
static loom_array *svd_values(loom_array *a)
{
    int64_t m = a->shape[a->ndim - 2], n = a->shape[a->ndim - 1];
    return la_out(svd_call(a, false, false), 1, la_type(a), 1, m < n ? m : n,
                  0);
}

loom_status loom_linalg_svd(loom_array *a, bool full_matrices,
                            bool compute_uv, loom_array **u, loom_array **s,
                            loom_array **vh)
{
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, "svd", 1, &a);
    if (!bad)
        bad = la_check(a, false);
    if (bad)
        return fail_all(bad, u, s, vh, NULL);
    int64_t m = a->shape[a->ndim - 2], n = a->shape[a->ndim - 1];
    int64_t k = m < n ? m : n;
    loom_array *c = svd_call(a, full_matrices, compute_uv);
    if (c->op == GRAPH_OP_ERROR)
        return fail_all(c, u, s, vh, NULL);
    loom_dtype t = la_type(a);
    loom_array *so = la_out(c, 1, t, 1, k, 0);
    if (s)
        *s = so;
    if (u)
        *u = compute_uv ? la_out(c, 2, t, 2, m, full_matrices ? m : k) : NULL;
    if (vh)
        *vh = compute_uv ? la_out(c, 3, t, 2, full_matrices ? n : k, n)
                         : NULL;
    loom_status st = so->status;
    if (u && *u && (*u)->status)
        st = (*u)->status;
    if (vh && *vh && (*vh)->status)
        st = (*vh)->status;
    return st;
}

/* Matrix 2-norm (largest singular value), -2-norm (smallest) or nuclear
 * norm (their sum) over axes (r, c) of x; the other axes are a stack. */
loom_array *graph_norm_matrix_sv(loom_array *x, double ord, int r, int c,
                                 bool keepdims)
{
    CHECK1("norm", x);
    int perm[LOOM_MAX_DIMS], np = 0;
    for (int d = 0; d < x->ndim; d++)
        if (d != r && d != c)
            perm[np++] = d;
    perm[np++] = r;
    perm[np++] = c;
    loom_array *y = loom_transpose(x, perm);
    CHECK1("norm", y);
    loom_array *s = svd_values(y);
    loom_array *v = ord == 2    ? loom_max(s, -1, false)
                    : ord == -2 ? loom_min(s, -1, false)
                                : loom_sum(s, -1, false);
    if (!keepdims)
        return v;
    loom_shape sh = {x->ndim, {0}};
    for (int d = 0; d < x->ndim; d++)
        sh.dim[d] = d == r || d == c ? 1 : x->shape[d];
    return loom_reshape(v, sh);
}

loom_array *loom_linalg_matrix_rank(loom_array *a, double tol)
{
    CHECK1("matrix_rank", a);
    loom_ctx *ctx = a->ctx;
    if (a->ndim < 2) /* NumPy: int(not all(A == 0)) */
        return graph_cast(loom_any(loom_not_equal(a, loom_scalar_int(ctx, 0)),
                                   LOOM_ALL, false),
                          LOOM_INT64);
    int64_t m = a->shape[a->ndim - 2], n = a->shape[a->ndim - 1];
    loom_array *s = svd_values(a);
    loom_array *cut;
    if (tol < 0) {
        /* S.max(-1, keepdims) * max(M, N) * eps, in S's dtype */
        double eps = s->dtype == LOOM_FLOAT32 ? FLT_EPSILON : DBL_EPSILON;
        cut = loom_multiply(loom_max(s, -1, true),
                            loom_scalar(ctx, (double)(m > n ? m : n) * eps));
    } else {
        /* NumPy makes tol a 1-element float64 array: compared in float64 */
        cut = loom_scalar_typed(ctx, tol, LOOM_FLOAT64);
    }
    return graph_cast(loom_count_nonzero(loom_greater(s, cut), -1, false),
                      LOOM_INT64);
}

/*
 * pinv as NumPy 1.24 computes it: reduced SVD, singular values at most
 * rcond * max(s) dropped, the others inverted, vh.T @ (s_inv * u.T).
 */
loom_array *loom_linalg_pinv(loom_array *a, double rcond)
{
    CHECK1("pinv", a);
    loom_array *bad = la_check(a, false);
    if (bad)
        return bad;
    loom_ctx *ctx = a->ctx;
    int64_t m = a->shape[a->ndim - 2], n = a->shape[a->ndim - 1];
    if (m * n == 0) {
        loom_shape s = shape_plus(a->ndim - 2, a->shape, 2, n, m);
        return loom_zeros(ctx, s, (loom_dtype)a->dtype);
    }
    if (rcond < 0)
        rcond = 1e-15;
    loom_array *u, *s, *vh;
    loom_status st = loom_linalg_svd(a, false, true, &u, &s, &vh);
    if (st)
        return s;
    loom_array *cut = loom_multiply(loom_max(s, -1, true),
                                    loom_scalar(ctx, rcond));
    loom_array *zero = loom_scalar_typed(ctx, 0, (loom_dtype)s->dtype);
    loom_array *sinv = loom_where(loom_greater(s, cut),
                                  loom_divide(loom_scalar(ctx, 1), s), zero);
    loom_array *rhs = loom_multiply(loom_expand_dims(sinv, -1),
                                    loom_swapaxes(u, -1, -2));
    return loom_matmul(loom_swapaxes(vh, -1, -2), rhs);
}

/* ---- qr ---- */

loom_status loom_linalg_qr(loom_array *a, const char *mode, loom_array **q,
                           loom_array **r)
{
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, "qr", 1, &a);
    if (bad)
        return fail_all(bad, q, r, NULL, NULL);
    loom_ctx *ctx = a->ctx;
    int md;
    if (!mode || !strcmp(mode, "reduced") || !strcmp(mode, "full") ||
        !strcmp(mode, "f"))
        md = 0;
    else if (!strcmp(mode, "complete"))
        md = 1;
    else if (!strcmp(mode, "r"))
        md = 2;
    else if (!strcmp(mode, "raw") || !strcmp(mode, "economic") ||
             !strcmp(mode, "e"))
        return fail_all(graph_poison(ctx, LOOM_ERR_VALUE,
                                     "qr: mode '%s' is not supported by loom",
                                     mode),
                        q, r, NULL, NULL);
    else
        return fail_all(graph_poison(ctx, LOOM_ERR_VALUE,
                                     "Unrecognized mode '%s'", mode),
                        q, r, NULL, NULL);
    if ((bad = la_check(a, false)))
        return fail_all(bad, q, r, NULL, NULL);
    int64_t m = a->shape[a->ndim - 2], n = a->shape[a->ndim - 1];
    int64_t k = m < n ? m : n;
    loom_dtype t = la_type(a);
    int64_t p = md;
    loom_array *in = la_in(a);
    loom_array *c = la_multi(RT_CALL_QR, 1, &in, &p, 1);
    loom_array *ro = la_out(c, 1, t, 2, md == 1 ? m : k, n);
    if (r)
        *r = ro;
    if (q)
        *q = md == 2 ? NULL : la_out(c, 2, t, 2, m, md == 1 ? m : k);
    if (q && *q && (*q)->status)
        return (*q)->status;
    return ro->status;
}

/* ---- lstsq ---- */

loom_status loom_linalg_lstsq(loom_array *a, loom_array *b, double rcond,
                              loom_array **x, loom_array **residuals,
                              loom_array **rank, loom_array **sv)
{
    loom_array *ab[2] = {a, b};
    loom_ctx *ctx = a ? a->ctx : b ? b->ctx : NULL;
    loom_array *bad = graph_check_inputs(ctx, "lstsq", 2, ab);
    if (bad)
        return fail_all(bad, x, residuals, rank, sv);
    bool vec = b->ndim == 1;
    loom_array *B = vec ? loom_expand_dims(b, -1) : b;
    const loom_array *not2d = a->ndim != 2 ? a : B->ndim != 2 ? B : NULL;
    if (not2d)
        return fail_all(graph_poison(ctx, LOOM_ERR_LINALG,
                                     "%d-dimensional array given. Array must "
                                     "be two-dimensional",
                                     not2d->ndim),
                        x, residuals, rank, sv);
    int64_t m = a->shape[0], n = a->shape[1], nrhs = B->shape[1];
    if (B->shape[0] != m)
        return fail_all(graph_poison(ctx, LOOM_ERR_LINALG,
                                     "Incompatible dimensions"),
                        x, residuals, rank, sv);
    loom_dtype t = la_type(a) == LOOM_FLOAT32 && la_type(b) == LOOM_FLOAT32
                       ? LOOM_FLOAT32
                       : LOOM_FLOAT64;
    if (rcond < 0)
        rcond = DBL_EPSILON * (double)(m > n ? m : n);
    int64_t p;
    memcpy(&p, &rcond, sizeof p);
    loom_array *in[2] = {la_in(a), la_in(B)};
    int64_t xs[2] = {n, nrhs};
    loom_array *c = la_multi(RT_CALL_LSTSQ, 2, in, &p, 1);
    int64_t nres = m > n ? nrhs : 0, k = m < n ? m : n;
    loom_array *xc = graph_call_out(c, 1, t, 2, xs);
    loom_array *res = graph_call_out(c, 2, t, 1, &nres);
    loom_array *rk = graph_call_out(c, 3, LOOM_INT32, 0, NULL);
    loom_array *s = graph_call_out(c, 4, t, 1, &k);
    loom_array *xo = vec ? loom_reshape(xc, LOOM_SHAPE(n)) : xc;
    loom_array *all[4] = {xo, res, rk, s};
    for (int i = 0; i < 4; i++)
        if (all[i]->status)
            return fail_all(all[i], x, residuals, rank, sv);
    loom_status st = LOOM_OK;
    if (residuals && nres > 0) {
        /* the residuals' length depends on the rank: compute everything
         * asked for now, together, so the call runs once */
        loom_array *want[4];
        int nw = 0;
        want[nw++] = res;
        want[nw++] = rk;
        if (x)
            want[nw++] = xo;
        if (sv)
            want[nw++] = s;
        st = graph_eval(ctx, want, nw);
        if (!st && graph_item_int(rk) != n)
            res = loom_zeros(ctx, LOOM_SHAPE(0), t);
    }
    if (x)
        *x = xo;
    if (residuals)
        *residuals = res;
    if (rank)
        *rank = rk;
    if (sv)
        *sv = s;
    return st;
}
