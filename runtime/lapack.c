/*
 * lapack.c -- linear algebra leaves: solve, inv, det/slogdet, cholesky,
 * eigh, svd, qr and lstsq through LAPACKE.
 *
 * Like NumPy, every family computes in double precision whatever the
 * input dtype (float32 input is widened, results are narrowed on the way
 * out), with the same LAPACK drivers NumPy's umath_linalg uses: gesv,
 * getrf, potrf, syevd, gesdd, geqrf + orgqr, gelsd.  Each matrix of a stack
 * is copied into a column-major double buffer (the input views may be
 * strided or broadcast), factored in place, and its results are written
 * to the C-contiguous outputs (an output with data NULL is not wanted and
 * is skipped).  The graph gives every input the output's batch axes.
 *
 * Families with several results (slogdet, eigh, svd, qr, lstsq) return
 * them all as outputs 1.. (CALL_OUT nodes); output 0 is a placeholder
 * nobody reads, so the call node itself is never requested or realized
 * and any result can be evaluated alone, in any order (the call runs
 * again for a result an earlier run did not make).
 *
 * Stacks of small matrices run in parallel on loom's pool, LAPACK
 * single-threaded; a large matrix runs one at a time with OpenBLAS's
 * threads.  LAPACK never gets an argument it would reject -- it would
 * print to the terminal -- and its info codes become NumPy's errors.
 */
#include "runtime/call.h"
#include "runtime/pool.h"

#include <cblas.h>
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Matrices up to this order run in parallel over the stack. */
#define LA_SMALL 128

static int64_t max1(int64_t x)
{
    return x > 1 ? x : 1;
}

static int64_t min2(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* ---- moving matrices in and out ---- */

static double load(const rt_view *v, int64_t off)
{
    if (v->dtype == LOOM_FLOAT32)
        return ((const float *)(const void *)v->data)[off];
    return ((const double *)(const void *)v->data)[off];
}

static void store(const rt_view *o, int64_t off, double x)
{
    switch (o->dtype) {
    case LOOM_FLOAT32: ((float *)(void *)o->data)[off] = (float)x; break;
    case LOOM_FLOAT64: ((double *)(void *)o->data)[off] = x; break;
    case LOOM_INT32: ((int32_t *)(void *)o->data)[off] = (int32_t)x; break;
    default: ((int64_t *)(void *)o->data)[off] = (int64_t)x; break;
    }
}

/* Offset (elements) of matrix bt of v: its leading ndim - 2 axes are the
 * batch axes. */
static int64_t mat_offset(const rt_view *v, int64_t bt)
{
    int64_t off = 0;
    for (int d = v->ndim - 3; d >= 0; d--) {
        off += (bt % v->shape[d]) * v->strides[d];
        bt /= v->shape[d];
    }
    return off;
}

/* Copies matrix bt of v into dst, column-major with leading dimension
 * ld, as doubles. */
static void get_matrix(const rt_view *v, int64_t bt, double *dst, int64_t ld)
{
    int nd = v->ndim;
    int64_t rows = v->shape[nd - 2], cols = v->shape[nd - 1];
    int64_t rs = v->strides[nd - 2], cs = v->strides[nd - 1];
    int64_t base = mat_offset(v, bt);
    for (int64_t j = 0; j < cols; j++)
        for (int64_t i = 0; i < rows; i++)
            dst[i + j * ld] = load(v, base + i * rs + j * cs);
}

/* Writes output o's matrix bt (its last two axes) with element (i, j)
 * taken from src[i + j * ld]; nothing when o is not wanted. */
static void put_matrix(const rt_view *o, int64_t bt, const double *src,
                       int64_t ld)
{
    if (!o->data)
        return;
    int64_t rows = o->shape[o->ndim - 2], cols = o->shape[o->ndim - 1];
    int64_t base = bt * rows * cols;
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++)
            store(o, base + i * cols + j, src[i + j * ld]);
}

/* Writes the n values of src as vector bt of output o (shape (..., n)). */
static void put_vector(const rt_view *o, int64_t bt, const double *src,
                       int64_t n)
{
    if (!o->data)
        return;
    for (int64_t i = 0; i < n; i++)
        store(o, bt * n + i, src[i]);
}

static void put_identity(const rt_view *o, int64_t bt)
{
    if (!o->data)
        return;
    int64_t rows = o->shape[o->ndim - 2], cols = o->shape[o->ndim - 1];
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++)
            store(o, bt * rows * cols + i * cols + j, i == j);
}

static bool all_finite(const double *a, int64_t rows, int64_t cols,
                       int64_t ld)
{
    for (int64_t j = 0; j < cols; j++)
        for (int64_t i = 0; i < rows; i++)
            if (!isfinite(a[i + j * ld]))
                return false;
    return true;
}

/* ---- running a stack ---- */

typedef struct la_job la_job;
/* Computes matrix bt with workspace ws; on failure calls la_fail. */
typedef void (*la_fn)(la_job *j, int64_t bt, double *ws);

/*
 * One call over a stack.  ws_doubles is the workspace each thread needs
 * (integer arrays included, two lapack_ints per double); lwork/liwork
 * are the LAPACK workspace sizes found by the query.  The first failure
 * wins and stops the remaining matrices.
 */
struct la_job {
    rt_call *c;
    la_fn fn;
    int64_t nbatch;
    int64_t m, n, k;
    size_t ws_doubles;
    lapack_int lwork, liwork;
    int mode;
    char jobz, uplo;
    double rcond;
    atomic_int failed;
    loom_status st;
    char msg[200];
};

static void la_fail(la_job *j, loom_status st, const char *msg)
{
    int expect = 0;
    if (atomic_compare_exchange_strong(&j->failed, &expect, 1)) {
        j->st = st;
        snprintf(j->msg, sizeof j->msg, "%s", msg);
    }
}

/* An info code LAPACK should never return: an argument was wrong. */
static void la_bad_arg(la_job *j, const char *routine, lapack_int info)
{
    char m[120];
    snprintf(m, sizeof m, "%s: LAPACK rejected argument %d", routine,
             (int)-info);
    la_fail(j, LOOM_ERR_INTERNAL, m);
}

static void la_range(void *ud, int64_t lo, int64_t hi)
{
    la_job *j = ud;
    double *ws = malloc((j->ws_doubles ? j->ws_doubles : 1) * sizeof(double));
    if (!ws) {
        la_fail(j, LOOM_ERR_MEMORY, "out of memory");
        return;
    }
    for (int64_t bt = lo; bt < hi && !atomic_load(&j->failed); bt++)
        j->fn(j, bt, ws);
    free(ws);
}

/* Runs j->fn over the stack; `order` is the largest matrix dimension. */
static loom_status la_run(la_job *j, int64_t order, const char *name)
{
    rt_call *c = j->c;
    if (j->nbatch <= 0)
        return LOOM_OK;
    if (j->nbatch > 1 && c->threads > 1 && order <= LA_SMALL) {
        openblas_set_num_threads(1);
        rt_parallel_for(c->threads, j->nbatch, 1, la_range, j);
    } else {
        openblas_set_num_threads(c->threads);
        la_range(j, 0, j->nbatch);
    }
    if (!atomic_load(&j->failed))
        return LOOM_OK;
    if (j->st == LOOM_ERR_MEMORY)
        snprintf(c->msg, sizeof c->msg, "%s: out of memory", name);
    else
        snprintf(c->msg, sizeof c->msg, "%s", j->msg);
    return j->st;
}

static void job_init(la_job *j, rt_call *c, la_fn fn)
{
    memset(j, 0, sizeof *j);
    j->c = c;
    j->fn = fn;
    atomic_init(&j->failed, 0);
    j->nbatch = graph_numel(c->in[0].ndim - 2, c->in[0].shape);
}

/* Doubles holding n lapack_ints. */
static size_t ints(int64_t n)
{
    return (size_t)(n + 1) / 2 + 1;
}

/* Whether every size LAPACK will see fits its int. */
static bool la_fits(rt_call *c, int64_t x, const char *name)
{
    if (x <= INT_MAX / 2)
        return true;
    snprintf(c->msg, sizeof c->msg, "%s: array too large for LAPACK", name);
    return false;
}

/* A workspace size from a query result, at least `least`. */
static lapack_int work_size(double q, int64_t least)
{
    int64_t w = (int64_t)q;
    if (w < least)
        w = least;
    return w > INT_MAX ? INT_MAX : (lapack_int)max1(w);
}

/* ---- solve and inv: gesv ---- */

static void solve_one(la_job *j, int64_t bt, double *ws)
{
    rt_call *c = j->c;
    int64_t n = j->n, k = j->k, ld = max1(n);
    double *a = ws, *b = a + n * n;
    lapack_int *ipiv = (lapack_int *)(void *)(b + n * k);
    get_matrix(&c->in[0], bt, a, ld);
    if (j->mode) { /* inv: solve against the identity */
        memset(b, 0, (size_t)(n * n) * sizeof(double));
        for (int64_t i = 0; i < n; i++)
            b[i + i * ld] = 1;
    } else {
        get_matrix(&c->in[1], bt, b, ld);
    }
    lapack_int info = LAPACKE_dgesv_work(LAPACK_COL_MAJOR, (lapack_int)n,
                                         (lapack_int)k, a, (lapack_int)ld,
                                         ipiv, b, (lapack_int)ld);
    if (info > 0)
        la_fail(j, LOOM_ERR_LINALG, "Singular matrix");
    else if (info < 0)
        la_bad_arg(j, "gesv", info);
    else
        put_matrix(&c->out[0], bt, b, ld);
}

loom_status rt_call_solve(rt_call *c)
{
    la_job j;
    job_init(&j, c, solve_one);
    const rt_view *o = &c->out[0];
    j.mode = c->node->attr[0] == RT_CALL_INV;
    j.n = o->shape[o->ndim - 2];
    j.k = o->shape[o->ndim - 1];
    if (!o->data || j.n == 0 || j.k == 0)
        return LOOM_OK;
    if (!la_fits(c, j.n * (j.k > j.n ? j.k : j.n), j.mode ? "inv" : "solve"))
        return LOOM_ERR_VALUE;
    j.ws_doubles = (size_t)(j.n * j.n + j.n * j.k) + ints(j.n);
    return la_run(&j, j.n, j.mode ? "inv" : "solve");
}

/* ---- det and slogdet: getrf ---- */

static void det_one(la_job *j, int64_t bt, double *ws)
{
    rt_call *c = j->c;
    int64_t n = j->n, ld = max1(n);
    double *a = ws;
    lapack_int *ipiv = (lapack_int *)(void *)(a + n * n);
    double sign = 1, logdet = 0;
    if (n > 0) {
        get_matrix(&c->in[0], bt, a, ld);
        lapack_int info = LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, (lapack_int)n,
                                              (lapack_int)n, a,
                                              (lapack_int)ld, ipiv);
        if (info < 0) {
            la_bad_arg(j, "getrf", info);
            return;
        }
        if (info > 0) {
            sign = 0;
            logdet = -INFINITY;
        } else {
            for (int64_t i = 0; i < n; i++) {
                double d = a[i + i * ld];
                if (d < 0)
                    sign = -sign;
                if (ipiv[i] != i + 1)
                    sign = -sign;
                logdet += log(fabs(d));
            }
        }
    }
    if (j->mode) { /* slogdet */
        put_vector(&c->out[1], bt, &sign, 1);
        put_vector(&c->out[2], bt, &logdet, 1);
    } else {
        double det = sign * exp(logdet);
        put_vector(&c->out[0], bt, &det, 1);
    }
}

loom_status rt_call_det(rt_call *c)
{
    la_job j;
    job_init(&j, c, det_one);
    j.mode = c->node->attr[0] == RT_CALL_SLOGDET;
    j.n = c->in[0].shape[c->in[0].ndim - 1];
    if (!la_fits(c, j.n * j.n, j.mode ? "slogdet" : "det"))
        return LOOM_ERR_VALUE;
    j.ws_doubles = (size_t)(j.n * j.n) + ints(j.n);
    return la_run(&j, j.n, j.mode ? "slogdet" : "det");
}

/* ---- cholesky: potrf ---- */

static void cholesky_one(la_job *j, int64_t bt, double *ws)
{
    rt_call *c = j->c;
    int64_t n = j->n, ld = max1(n);
    get_matrix(&c->in[0], bt, ws, ld);
    lapack_int info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L',
                                          (lapack_int)n, ws, (lapack_int)ld);
    if (info > 0) {
        la_fail(j, LOOM_ERR_LINALG, "Matrix is not positive definite");
        return;
    }
    if (info < 0) {
        la_bad_arg(j, "potrf", info);
        return;
    }
    for (int64_t col = 1; col < n; col++)
        for (int64_t row = 0; row < col; row++)
            ws[row + col * ld] = 0;
    put_matrix(&c->out[0], bt, ws, ld);
}

loom_status rt_call_cholesky(rt_call *c)
{
    la_job j;
    job_init(&j, c, cholesky_one);
    j.n = c->in[0].shape[c->in[0].ndim - 1];
    if (j.n == 0 || !c->out[0].data)
        return LOOM_OK;
    if (!la_fits(c, j.n * j.n, "cholesky"))
        return LOOM_ERR_VALUE;
    j.ws_doubles = (size_t)(j.n * j.n);
    return la_run(&j, j.n, "cholesky");
}

/* ---- eigh: syevd ---- */

/* Whether the triangle of a that LAPACK reads is free of NaN and inf. */
static bool triangle_finite(const double *a, int64_t n, int64_t ld, char uplo)
{
    for (int64_t col = 0; col < n; col++) {
        int64_t lo = uplo == 'L' ? col : 0, hi = uplo == 'L' ? n : col + 1;
        for (int64_t row = lo; row < hi; row++)
            if (!isfinite(a[row + col * ld]))
                return false;
    }
    return true;
}

static void eigh_one(la_job *j, int64_t bt, double *ws)
{
    rt_call *c = j->c;
    int64_t n = j->n, ld = max1(n);
    double *a = ws, *w = a + n * n, *work = w + n;
    lapack_int *iwork = (lapack_int *)(void *)(work + j->lwork);
    get_matrix(&c->in[0], bt, a, ld);
    if (!triangle_finite(a, n, ld, j->uplo)) {
        la_fail(j, LOOM_ERR_LINALG, "Eigenvalues did not converge");
        return;
    }
    lapack_int info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, j->jobz, j->uplo,
                                          (lapack_int)n, a, (lapack_int)ld, w,
                                          work, j->lwork, iwork, j->liwork);
    if (info > 0) {
        la_fail(j, LOOM_ERR_LINALG, "Eigenvalues did not converge");
        return;
    }
    if (info < 0) {
        la_bad_arg(j, "syevd", info);
        return;
    }
    put_vector(&c->out[1], bt, w, n);
    if (j->jobz == 'V')
        put_matrix(&c->out[2], bt, a, ld);
}

loom_status rt_call_eigh(rt_call *c)
{
    la_job j;
    job_init(&j, c, eigh_one);
    j.n = c->in[0].shape[c->in[0].ndim - 1];
    j.uplo = c->node->attr[1] ? 'U' : 'L';
    j.jobz = c->node->attr[2] ? 'V' : 'N';
    if (j.n == 0)
        return LOOM_OK;
    if (!la_fits(c, 2 * j.n * j.n + 6 * j.n + 1, "eigh"))
        return LOOM_ERR_VALUE;
    double wq = 0, dummy = 0;
    lapack_int iwq = 0;
    lapack_int ld = (lapack_int)j.n;
    lapack_int info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, j.jobz, j.uplo, ld,
                                          &dummy, ld, &dummy, &wq, -1, &iwq,
                                          -1);
    if (info != 0)
        wq = 0, iwq = 0;
    int64_t n = j.n;
    bool v = j.jobz == 'V';
    j.lwork = work_size(wq, n > 1 ? (v ? 1 + 6 * n + 2 * n * n : 2 * n + 1)
                                  : 1);
    j.liwork = work_size(iwq, n > 1 && v ? 3 + 5 * n : 1);
    j.ws_doubles = (size_t)(n * n + n + j.lwork) + ints(j.liwork);
    return la_run(&j, n, "eigh");
}

/* ---- svd: gesdd ---- */

static void svd_one(la_job *j, int64_t bt, double *ws)
{
    rt_call *c = j->c;
    int64_t m = j->m, n = j->n, k = min2(m, n);
    bool uv = j->jobz != 'N', full = j->jobz == 'A';
    int64_t lda = max1(m), ldu = max1(m), ucols = uv ? (full ? m : k) : 0;
    int64_t ldvt = uv ? max1(full ? n : k) : 1;
    if (k == 0) { /* nothing to factor: the singular vectors are I */
        if (full) {
            put_identity(&c->out[2], bt);
            put_identity(&c->out[3], bt);
        }
        return;
    }
    double *a = ws, *s = a + m * n, *u = s + k, *vt = u + m * ucols;
    double *work = vt + (uv ? ldvt * n : 0);
    lapack_int *iwork = (lapack_int *)(void *)(work + j->lwork);
    get_matrix(&c->in[0], bt, a, lda);
    if (!all_finite(a, m, n, lda)) {
        la_fail(j, LOOM_ERR_LINALG, "SVD did not converge");
        return;
    }
    lapack_int info = LAPACKE_dgesdd_work(
        LAPACK_COL_MAJOR, j->jobz, (lapack_int)m, (lapack_int)n, a,
        (lapack_int)lda, s, u, (lapack_int)ldu, vt, (lapack_int)ldvt, work,
        j->lwork, iwork);
    if (info > 0) {
        la_fail(j, LOOM_ERR_LINALG, "SVD did not converge");
        return;
    }
    if (info < 0) {
        la_bad_arg(j, "gesdd", info);
        return;
    }
    put_vector(&c->out[1], bt, s, k);
    if (uv) {
        put_matrix(&c->out[2], bt, u, ldu);
        put_matrix(&c->out[3], bt, vt, ldvt);
    }
}

loom_status rt_call_svd(rt_call *c)
{
    la_job j;
    job_init(&j, c, svd_one);
    const rt_view *in = &c->in[0];
    int64_t m = in->shape[in->ndim - 2], n = in->shape[in->ndim - 1];
    int64_t k = min2(m, n), mx = m > n ? m : n;
    bool uv = c->node->attr[2] != 0, full = uv && c->node->attr[1] != 0;
    j.m = m;
    j.n = n;
    j.jobz = uv ? (full ? 'A' : 'S') : 'N';
    if (!la_fits(c, (m + 1) * (n + 1) + 4 * k * k + 8 * mx, "svd"))
        return LOOM_ERR_VALUE;
    int64_t ldvt = uv ? max1(full ? n : k) : 1;
    int64_t ucols = uv ? (full ? m : k) : 0;
    if (k > 0) {
        double wq = 0, dummy = 0;
        lapack_int idummy = 0;
        lapack_int info = LAPACKE_dgesdd_work(
            LAPACK_COL_MAJOR, j.jobz, (lapack_int)m, (lapack_int)n, &dummy,
            (lapack_int)max1(m), &dummy, &dummy, (lapack_int)max1(m), &dummy,
            (lapack_int)ldvt, &wq, -1, &idummy);
        if (info != 0)
            wq = 0;
        /* the documented minimum of either job, whichever is larger */
        j.lwork = work_size(wq, 4 * k * k + 7 * k + mx);
    }
    j.ws_doubles = (size_t)(m * n + k + m * ucols + (uv ? ldvt * n : 0) +
                            j.lwork) + ints(8 * k);
    return la_run(&j, mx, "svd");
}

/* ---- qr: geqrf, orgqr ---- */

/* Modes, as the graph passes them in attr[1]. */
enum { QR_REDUCED, QR_COMPLETE, QR_R };

static void qr_one(la_job *j, int64_t bt, double *ws)
{
    rt_call *c = j->c;
    int64_t m = j->m, n = j->n, k = min2(m, n), ld = max1(m);
    int64_t mc = j->mode == QR_COMPLETE ? m : k; /* columns of q */
    int64_t cols = n > mc ? n : mc;
    double *a = ws, *tau = a + ld * cols, *work = tau + k;
    const rt_view *r = &c->out[1], *q = &c->out[2];
    if (k == 0) {
        if (j->mode != QR_R)
            put_identity(q, bt);
        return; /* r has no rows or no columns */
    }
    get_matrix(&c->in[0], bt, a, ld);
    lapack_int info = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, (lapack_int)m,
                                          (lapack_int)n, a, (lapack_int)ld,
                                          tau, work, j->lwork);
    if (info < 0) {
        la_bad_arg(j, "geqrf", info);
        return;
    }
    if (r->data) {
        int64_t rows = r->shape[r->ndim - 2];
        for (int64_t i = 0; i < rows; i++)
            for (int64_t col = 0; col < n; col++)
                store(r, (bt * rows + i) * n + col,
                      i <= col ? a[i + col * ld] : 0.0);
    }
    if (j->mode == QR_R || !q->data)
        return;
    info = LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, (lapack_int)m,
                               (lapack_int)mc, (lapack_int)k, a,
                               (lapack_int)ld, tau, work, j->lwork);
    if (info < 0) {
        la_bad_arg(j, "orgqr", info);
        return;
    }
    put_matrix(q, bt, a, ld);
}

loom_status rt_call_qr(rt_call *c)
{
    la_job j;
    job_init(&j, c, qr_one);
    const rt_view *in = &c->in[0];
    int64_t m = in->shape[in->ndim - 2], n = in->shape[in->ndim - 1];
    int64_t k = min2(m, n);
    j.m = m;
    j.n = n;
    j.mode = (int)c->node->attr[1];
    int64_t mc = j.mode == QR_COMPLETE ? m : k;
    int64_t cols = n > mc ? n : mc;
    if (!la_fits(c, max1(m) * (cols + 1), "qr"))
        return LOOM_ERR_VALUE;
    if (k > 0) {
        double wq = 0, wq2 = 0, dummy = 0;
        lapack_int ld = (lapack_int)max1(m);
        if (LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, (lapack_int)m,
                                (lapack_int)n, &dummy, ld, &dummy, &wq,
                                -1) != 0)
            wq = 0;
        if (j.mode != QR_R &&
            LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, (lapack_int)m,
                                (lapack_int)mc, (lapack_int)k, &dummy, ld,
                                &dummy, &wq2, -1) != 0)
            wq2 = 0;
        j.lwork = work_size(wq > wq2 ? wq : wq2, n > mc ? n : mc);
    }
    j.ws_doubles = (size_t)(max1(m) * cols + k + j.lwork);
    return la_run(&j, m > n ? m : n, "qr");
}

/* ---- lstsq: gelsd ---- */

static void lstsq_one(la_job *j, int64_t bt, double *ws)
{
    rt_call *c = j->c;
    int64_t m = j->m, n = j->n, nrhs = j->k, kk = nrhs > 0 ? nrhs : 1;
    int64_t lda = max1(m), ldb = max1(m > n ? m : n), k = min2(m, n);
    double *a = ws, *b = a + lda * n, *s = b + ldb * kk, *work = s + k;
    lapack_int *iwork = (lapack_int *)(void *)(work + j->lwork);
    const rt_view *bv = &c->in[1];
    lapack_int rank = 0;
    memset(b, 0, (size_t)(ldb * kk) * sizeof(double));
    if (nrhs > 0)
        get_matrix(bv, bt, b, ldb);
    if (k > 0) {
        get_matrix(&c->in[0], bt, a, lda);
        /* gelsd scales by norms: NaN or inf make LAPACK complain on the
         * terminal, so they fail here, as the SVD would */
        if (!all_finite(a, m, n, lda) || !all_finite(b, m, kk, ldb)) {
            la_fail(j, LOOM_ERR_LINALG,
                    "SVD did not converge in Linear Least Squares");
            return;
        }
        lapack_int info = LAPACKE_dgelsd_work(
            LAPACK_COL_MAJOR, (lapack_int)m, (lapack_int)n, (lapack_int)kk, a,
            (lapack_int)lda, b, (lapack_int)ldb, s, j->rcond, &rank, work,
            j->lwork, iwork);
        if (info > 0) {
            la_fail(j, LOOM_ERR_LINALG,
                    "SVD did not converge in Linear Least Squares");
            return;
        }
        if (info < 0) {
            la_bad_arg(j, "gelsd", info);
            return;
        }
    }
    const rt_view *x = &c->out[1], *res = &c->out[2];
    if (x->data)
        for (int64_t i = 0; i < n; i++)
            for (int64_t col = 0; col < nrhs; col++)
                store(x, i * nrhs + col, k > 0 ? b[i + col * ldb] : 0.0);
    /* residuals: squares of the rows past n, when a has full column rank
     * (the graph gives this output a length only when m > n) */
    if (res->data && graph_numel(res->ndim, res->shape) > 0)
        for (int64_t col = 0; col < nrhs; col++) {
            double acc = 0;
            for (int64_t i = n; i < m && rank == n; i++)
                acc += b[i + col * ldb] * b[i + col * ldb];
            store(res, col, acc);
        }
    if (c->out[3].data)
        store(&c->out[3], 0, rank);
    put_vector(&c->out[4], 0, s, k);
}

loom_status rt_call_lstsq(rt_call *c)
{
    la_job j;
    job_init(&j, c, lstsq_one);
    const rt_view *a = &c->in[0], *b = &c->in[1];
    int64_t m = a->shape[0], n = a->shape[1], nrhs = b->shape[1];
    int64_t k = min2(m, n), mx = m > n ? m : n, kk = nrhs > 0 ? nrhs : 1;
    j.m = m;
    j.n = n;
    j.k = nrhs;
    j.nbatch = 1;
    memcpy(&j.rcond, &c->node->attr[1], sizeof j.rcond);
    if (!la_fits(c, (mx + 1) * (n + kk + 1), "lstsq"))
        return LOOM_ERR_VALUE;
    lapack_int liwork = 1;
    if (k > 0) {
        double wq = 0, dummy = 0;
        lapack_int iwq = 0, rank = 0;
        if (LAPACKE_dgelsd_work(LAPACK_COL_MAJOR, (lapack_int)m,
                                (lapack_int)n, (lapack_int)kk, &dummy,
                                (lapack_int)max1(m), &dummy,
                                (lapack_int)max1(mx), &dummy, j.rcond, &rank,
                                &wq, -1, &iwq) != 0)
            wq = 0, iwq = 0;
        /* the documented minimums (SMLSIZ = 25), in case the query
         * under-reports */
        int64_t nlvl = (int64_t)log2((double)k / 26.0) + 1;
        if (nlvl < 0)
            nlvl = 0;
        j.lwork = work_size(wq, 12 * k + 2 * k * 25 + 8 * k * nlvl +
                                    k * kk + 26 * 26);
        liwork = work_size(iwq, 3 * k * nlvl + 11 * k);
    }
    j.ws_doubles = (size_t)(max1(m) * n + max1(mx) * kk + k + j.lwork) +
                   ints(liwork);
    return la_run(&j, mx, "lstsq");
}
