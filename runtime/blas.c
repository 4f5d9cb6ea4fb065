/*
 * blas.c -- matrix products as OpenBLAS calls.
 *
 * A MATMUL node multiplies stacks of matrices: inputs (..., M, K) and
 * (..., K, N), output (..., M, N), all three of the same rank and batch
 * extents (the graph has promoted 1-D operands and broadcast the batch
 * axes, so a broadcast batch arrives as a zero stride, not a copy).
 *
 * float32 and float64 go to OpenBLAS.  A matrix whose strides BLAS can
 * express (row-major with a leading dimension, or its transpose) is
 * passed as is, with a transpose flag; others are gathered, one matrix at
 * a time.  Shapes pick the routine as NumPy does: dot for vector . vector,
 * gemv when one side is a vector, syrk for A @ A.T over the same memory,
 * gemm otherwise; a product of a few thousand multiply-adds is a plain
 * loop, cheaper than a BLAS call.  A stack times one shared matrix whose
 * rows lie evenly in memory is folded into a single tall gemm.
 *
 * Threads: a large product runs one BLAS call at a time with OpenBLAS
 * using c->threads threads; a stack of small products runs its members in
 * parallel on loom's pool, each BLAS call single-threaded.  loom's pool
 * sleeps while OpenBLAS works, so the two never compete for cores.
 *
 * Integer products wrap around as NumPy's do (computed in unsigned
 * arithmetic); bool products are logical: any true a[i,k] & b[k,j] gives
 * True.
 */
#include "runtime/call.h"
#include "runtime/pool.h"

#include <cblas.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Products below this many multiply-adds run in parallel over the batch
 * rather than inside BLAS. */
#define MM_SMALL (1 << 18)
/* Products below this many multiply-adds are plain loops: a BLAS call
 * costs more than the arithmetic. */
#define MM_TINY 2048

/* A matrix as row-major BLAS takes it: transposed or not, and its leading
 * dimension. */
typedef struct bmat {
    CBLAS_TRANSPOSE t;
    int ld;
} bmat;

static int64_t max1(int64_t x)
{
    return x > 1 ? x : 1;
}

/*
 * How a rows x cols matrix with element strides (rs, cs) maps onto
 * row-major BLAS: element (i, j) at i * ld + j (NoTrans) or at j * ld + i
 * (Trans).  False when neither fits: a negative or zero stride on an axis
 * longer than 1, two non-unit strides, or a leading dimension that is not
 * an int.  The leading dimension is always >= max(1, extent), as BLAS
 * checks (and complains about on the terminal otherwise).
 */
static bool blas_layout(int64_t rows, int64_t cols, int64_t rs, int64_t cs,
                        bmat *m)
{
    if (cs == 1 || cols <= 1) {
        int64_t ld = rows <= 1 ? max1(cols) : rs;
        if (ld >= max1(cols) && ld <= INT_MAX) {
            m->t = CblasNoTrans;
            m->ld = (int)ld;
            return true;
        }
    }
    if (rs == 1 || rows <= 1) {
        int64_t ld = cols <= 1 ? max1(rows) : cs;
        if (ld >= max1(rows) && ld <= INT_MAX) {
            m->t = CblasTrans;
            m->ld = (int)ld;
            return true;
        }
    }
    return false;
}

/* A BLAS increment for a vector of n elements with stride s, or 0 when
 * BLAS cannot walk it (BLAS reads negative increments backwards). */
static int blas_inc(int64_t n, int64_t s)
{
    if (n <= 1)
        return 1;
    return s > 0 && s <= INT_MAX ? (int)s : 0;
}

/* Offset in elements of batch bt of view v, whose leading nb axes are the
 * batch axes in the output's order. */
static int64_t batch_offset(const rt_view *v, int nb, int64_t bt)
{
    int64_t off = 0;
    for (int d = nb - 1; d >= 0; d--) {
        off += (bt % v->shape[d]) * v->strides[d];
        bt /= v->shape[d];
    }
    return off;
}

/* Copies a rows x cols matrix (strides rs, cs) to dst in C order. */
static void gather_matrix(const char *src, int64_t rows, int64_t cols,
                          int64_t rs, int64_t cs, size_t es, char *dst)
{
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++)
            memcpy(dst + (size_t)(i * cols + j) * es,
                   src + (i * rs + j * cs) * (int64_t)es, es);
}

/* ---- one float product ---- */

/* A matrix operand of one product: base, strides, BLAS layout (valid
 * when `ok`). */
typedef struct mop {
    const char *p;
    int64_t rs, cs;
    bmat m;
    bool ok;
} mop;

typedef struct mm_job {
    const rt_view *a, *b, *o;
    int nb;          /* batch axes */
    int64_t M, N, K; /* M is the folded row count when folding */
    bool dbl;
    size_t es;
    bool tiny;       /* plain loops rather than BLAS */
    bool fold;       /* the stack is one tall product */
    int64_t fold_rs; /* its row stride */
    size_t tmp_bytes; /* gather room one product may need */
    atomic_int oom;
} mm_job;

static void float_dot(const mm_job *j, const mop *x, const mop *y,
                      char *pc)
{
    int ix = blas_inc(j->K, x->cs), iy = blas_inc(j->K, y->rs);
    if (j->dbl)
        *(double *)(void *)pc = cblas_ddot((int)j->K, (const void *)x->p, ix,
                                           (const void *)y->p, iy);
    else
        *(float *)(void *)pc = cblas_sdot((int)j->K, (const void *)x->p, ix,
                                          (const void *)y->p, iy);
}

/* y (len rows of op) = op(A) x, A stored as rows x cols with layout m. */
static void float_gemv(const mm_job *j, CBLAS_TRANSPOSE t, int64_t rows,
                       int64_t cols, const char *pa, int lda, const char *px,
                       int incx, char *py)
{
    if (j->dbl)
        cblas_dgemv(CblasRowMajor, t, (int)rows, (int)cols, 1.0,
                    (const void *)pa, lda, (const void *)px, incx, 0.0,
                    (void *)py, 1);
    else
        cblas_sgemv(CblasRowMajor, t, (int)rows, (int)cols, 1.0f,
                    (const void *)pa, lda, (const void *)px, incx, 0.0f,
                    (void *)py, 1);
}

/* C = A A^T into the upper triangle, then mirrored: half a gemm. */
static void float_syrk(const mm_job *j, int64_t M, const mop *a, char *pc)
{
    int n = (int)M, k = (int)j->K;
    if (j->dbl)
        cblas_dsyrk(CblasRowMajor, CblasUpper, a->m.t, n, k, 1.0,
                    (const void *)a->p, a->m.ld, 0.0, (void *)pc, n);
    else
        cblas_ssyrk(CblasRowMajor, CblasUpper, a->m.t, n, k, 1.0f,
                    (const void *)a->p, a->m.ld, 0.0f, (void *)pc, n);
    size_t es = j->es;
    for (int64_t r = 1; r < M; r++)
        for (int64_t c = 0; c < r; c++)
            memcpy(pc + (size_t)(r * M + c) * es,
                   pc + (size_t)(c * M + r) * es, es);
}

/*
 * One product C (M x N, C order) = A (M x K) @ B (K x N).  Operands BLAS
 * cannot read are gathered into tmp (room for M*K + K*N elements, or NULL
 * when the job needs none).
 */
static void float_product(const mm_job *j, int64_t M, mop a, mop b,
                          char *pc, char *tmp)
{
    int64_t N = j->N, K = j->K;
    size_t es = j->es;
    if (!a.ok) {
        gather_matrix(a.p, M, K, a.rs, a.cs, es, tmp);
        a = (mop){tmp, K, 1, {CblasNoTrans, (int)max1(K)}, true};
        tmp += (size_t)(M * K) * es;
    }
    if (!b.ok) {
        gather_matrix(b.p, K, N, b.rs, b.cs, es, tmp);
        b = (mop){tmp, N, 1, {CblasNoTrans, (int)max1(N)}, true};
    }
    if (M == 1 && N == 1) {
        float_dot(j, &a, &b, pc);
    } else if (M == 1) {
        /* c = x^T B: B stored K x N (NoTrans) or N x K (Trans) */
        if (b.m.t == CblasNoTrans)
            float_gemv(j, CblasTrans, K, N, b.p, b.m.ld, a.p,
                       blas_inc(K, a.cs), pc);
        else
            float_gemv(j, CblasNoTrans, N, K, b.p, b.m.ld, a.p,
                       blas_inc(K, a.cs), pc);
    } else if (N == 1) {
        if (a.m.t == CblasNoTrans)
            float_gemv(j, CblasNoTrans, M, K, a.p, a.m.ld, b.p,
                       blas_inc(K, b.rs), pc);
        else
            float_gemv(j, CblasTrans, K, M, a.p, a.m.ld, b.p,
                       blas_inc(K, b.rs), pc);
    } else if (a.p == b.p && M == N && a.rs == b.cs && a.cs == b.rs) {
        float_syrk(j, M, &a, pc);
    } else if (j->dbl) {
        cblas_dgemm(CblasRowMajor, a.m.t, b.m.t, (int)M, (int)N, (int)K, 1.0,
                    (const void *)a.p, a.m.ld, (const void *)b.p, b.m.ld,
                    0.0, (void *)pc, (int)N);
    } else {
        cblas_sgemm(CblasRowMajor, a.m.t, b.m.t, (int)M, (int)N, (int)K,
                    1.0f, (const void *)a.p, a.m.ld, (const void *)b.p,
                    b.m.ld, 0.0f, (void *)pc, (int)N);
    }
}

/* The operand of every batch but its base pointer. */
static mop operand(const rt_view *v, int64_t rows, int64_t cols, int64_t rs,
                   int64_t cs)
{
    mop m;
    m.p = v->data;
    m.rs = rs;
    m.cs = cs;
    m.ok = blas_layout(rows, cols, rs, cs, &m.m);
    return m;
}

/* An odometer over the batch axes shared by a and b, tracking the
 * element offset of the current batch in each. */
typedef struct bwalk {
    const rt_view *a, *b;
    int nb;
    int64_t idx[LOOM_MAX_DIMS];
    int64_t oa, ob;
} bwalk;

static void bwalk_init(bwalk *w, const rt_view *a, const rt_view *b, int nb,
                       int64_t bt)
{
    w->a = a;
    w->b = b;
    w->nb = nb;
    w->oa = batch_offset(a, nb, bt);
    w->ob = batch_offset(b, nb, bt);
    for (int d = nb - 1; d >= 0; d--) {
        w->idx[d] = bt % a->shape[d];
        bt /= a->shape[d];
    }
}

static void bwalk_next(bwalk *w)
{
    for (int d = w->nb - 1; d >= 0; d--) {
        w->oa += w->a->strides[d];
        w->ob += w->b->strides[d];
        if (++w->idx[d] < w->a->shape[d])
            return;
        w->oa -= w->a->shape[d] * w->a->strides[d];
        w->ob -= w->b->shape[d] * w->b->strides[d];
        w->idx[d] = 0;
    }
}

/* A tiny product as a plain loop in T reading the operands through their
 * strides: one register accumulator per output, k ascending. */
#define TINY_PRODUCT(NAME, T)                                             \
    static void NAME(const mm_job *j, const mop *a, const mop *b, char *pc) \
    {                                                                     \
        int64_t M = j->M, N = j->N, K = j->K;                             \
        int64_t ars = a->rs, acs = a->cs, brs = b->rs, bcs = b->cs;       \
        const T *pa = (const T *)(const void *)a->p;                      \
        const T *pb = (const T *)(const void *)b->p;                      \
        T *c = (T *)(void *)pc;                                           \
        for (int64_t i = 0; i < M; i++)                                   \
            for (int64_t jj = 0; jj < N; jj++) {                          \
                T acc = 0;                                                \
                for (int64_t k = 0; k < K; k++)                           \
                    acc += pa[i * ars + k * acs] * pb[k * brs + jj * bcs]; \
                c[i * N + jj] = acc;                                      \
            }                                                             \
    }

TINY_PRODUCT(tiny_f32, float)
TINY_PRODUCT(tiny_f64, double)

/* Products of batches [lo, hi): the pool's task. */
static void float_range(void *ud, int64_t lo, int64_t hi)
{
    mm_job *j = ud;
    const rt_view *a = j->a, *b = j->b;
    int nd = a->ndim;
    char *tmp = NULL;
    if (j->tmp_bytes && !(tmp = malloc(j->tmp_bytes))) {
        atomic_store(&j->oom, 1);
        return;
    }
    int64_t ars = j->fold ? j->fold_rs : a->strides[nd - 2];
    int64_t es = (int64_t)j->es;
    mop a0 = operand(a, j->M, j->K, ars, a->strides[nd - 1]);
    mop b0 = operand(b, j->K, j->N, b->strides[nd - 2], b->strides[nd - 1]);
    bwalk w;
    bwalk_init(&w, a, b, j->fold ? 0 : j->nb, lo);
    for (int64_t bt = lo; bt < hi; bt++, bwalk_next(&w)) {
        mop pa = a0, pb = b0;
        pa.p += w.oa * es;
        pb.p += w.ob * es;
        char *pc = j->o->data + bt * j->M * j->N * es;
        if (j->tiny && j->dbl)
            tiny_f64(j, &pa, &pb, pc);
        else if (j->tiny)
            tiny_f32(j, &pa, &pb, pc);
        else
            float_product(j, j->M, pa, pb, pc, tmp);
    }
    free(tmp);
}

/*
 * Whether the stack is one tall product: b the same matrix for every
 * batch (zero strides) and the batch and row axes of a merging into one
 * evenly strided axis, whose stride goes to *rs.
 */
static bool can_fold(const rt_view *a, const rt_view *b, int nb, int64_t *rs)
{
    if (nb == 0)
        return false;
    for (int d = 0; d < nb; d++)
        if (b->shape[d] > 1 && b->strides[d] != 0)
            return false;
    int64_t expect = 0, len = 1;
    bool first = true;
    *rs = 1;
    for (int d = nb; d >= 0; d--) {
        if (a->shape[d] <= 1)
            continue;
        if (first)
            *rs = a->strides[d];
        else if (a->strides[d] != expect)
            return false;
        first = false;
        len *= a->shape[d];
        expect = a->strides[d] * a->shape[d];
    }
    return len <= INT_MAX;
}

/*
 * A float stack: folded into one product when it can be, plain loops for
 * tiny products, then either the batches in parallel on loom's pool (small
 * products, or enough of them to share out evenly; BLAS single-threaded)
 * or one after another with OpenBLAS on c->threads threads.  Fails only when gather room cannot be allocated.
 */
static loom_status float_matmul(rt_call *c, mm_job *j, int64_t batch)
{
    const rt_view *a = j->a, *b = j->b;
    int nd = a->ndim;
    int64_t rs = 0, N = j->N, K = j->K;
    bmat m;
    if (can_fold(a, b, j->nb, &rs) &&
        blas_layout(j->M * batch, K, rs, a->strides[nd - 1], &m)) {
        j->fold = true;
        j->fold_rs = rs;
        j->M *= batch;
        batch = 1;
    }
    bool ga = !blas_layout(j->M, K, j->fold ? rs : a->strides[nd - 2],
                           a->strides[nd - 1], &m);
    bool gb = !blas_layout(K, N, b->strides[nd - 2], b->strides[nd - 1], &m);
    int64_t work = j->M * N * K;
    j->tiny = work <= MM_TINY;
    /* room for gathering a (M x K) and b (K x N) */
    if (!j->tiny && (ga || gb))
        j->tmp_bytes = (size_t)(j->M * K + K * N) * j->es;
    /* many products (attention's heads) share out better whole, each on
     * one core, than each split by BLAS: at 512 x 512 x 64 OpenBLAS on two
     * threads runs at a third of the single-threaded rate times two */
    bool spread = batch >= 4 * (int64_t)c->threads || batch % c->threads == 0;
    if (batch > 1 && c->threads > 1 && (work < MM_SMALL || spread)) {
        openblas_set_num_threads(1);
        int64_t grain = MM_SMALL / 8 / work;
        rt_parallel_for(c->threads, batch, grain > 0 ? grain : 1, float_range,
                        j);
    } else {
        openblas_set_num_threads(c->threads);
        float_range(j, 0, batch);
    }
    if (atomic_load(&j->oom)) {
        snprintf(c->msg, sizeof c->msg, "matmul: out of memory");
        return LOOM_ERR_MEMORY;
    }
    return LOOM_OK;
}

/* ---- integer and bool products ---- */

/* Rows [lo, hi) of the stacked output (row r: batch r / M, row r % M).
 * Accumulates in the unsigned type U so that overflow wraps as NumPy's
 * does, in i-k-j order so the inner loop streams along rows of b. */
#define INT_ROWS(NAME, T, U)                                              \
    static void NAME(void *ud, int64_t lo, int64_t hi)                    \
    {                                                                     \
        const mm_job *j = ud;                                             \
        const rt_view *a = j->a, *b = j->b;                               \
        int nd = a->ndim;                                                 \
        int64_t M = j->M, N = j->N, K = j->K;                             \
        int64_t ars = a->strides[nd - 2], acs = a->strides[nd - 1];       \
        int64_t brs = b->strides[nd - 2], bcs = b->strides[nd - 1];       \
        int64_t last = -1, oa = 0, ob = 0;                                \
        for (int64_t r = lo; r < hi; r++) {                               \
            int64_t bt = r / M, i = r % M;                                \
            if (bt != last) {                                             \
                oa = batch_offset(a, j->nb, bt);                          \
                ob = batch_offset(b, j->nb, bt);                          \
                last = bt;                                                \
            }                                                             \
            const T *pa = (const T *)(const void *)a->data + oa + i * ars; \
            const T *pb = (const T *)(const void *)b->data + ob;          \
            T *pc = (T *)(void *)j->o->data + r * N;                      \
            for (int64_t jj = 0; jj < N; jj++)                            \
                pc[jj] = 0;                                               \
            for (int64_t k = 0; k < K; k++) {                             \
                U av = (U)pa[k * acs];                                    \
                if (!av)                                                  \
                    continue;                                             \
                const T *bk = pb + k * brs;                               \
                for (int64_t jj = 0; jj < N; jj++)                        \
                    pc[jj] = (T)((U)pc[jj] + av * (U)bk[jj * bcs]);       \
            }                                                             \
        }                                                                 \
    }

INT_ROWS(rows_i32, int32_t, uint32_t)
INT_ROWS(rows_i64, int64_t, uint64_t)

static void rows_bool(void *ud, int64_t lo, int64_t hi)
{
    const mm_job *j = ud;
    const rt_view *a = j->a, *b = j->b;
    int nd = a->ndim;
    int64_t M = j->M, N = j->N, K = j->K;
    int64_t ars = a->strides[nd - 2], acs = a->strides[nd - 1];
    int64_t brs = b->strides[nd - 2], bcs = b->strides[nd - 1];
    int64_t last = -1, oa = 0, ob = 0;
    for (int64_t r = lo; r < hi; r++) {
        int64_t bt = r / M, i = r % M;
        if (bt != last) {
            oa = batch_offset(a, j->nb, bt);
            ob = batch_offset(b, j->nb, bt);
            last = bt;
        }
        const uint8_t *pa = (const uint8_t *)a->data + oa + i * ars;
        const uint8_t *pb = (const uint8_t *)b->data + ob;
        uint8_t *pc = (uint8_t *)j->o->data + r * N;
        memset(pc, 0, (size_t)N);
        for (int64_t k = 0; k < K; k++) {
            if (!pa[k * acs])
                continue;
            const uint8_t *bk = pb + k * brs;
            for (int64_t jj = 0; jj < N; jj++)
                pc[jj] |= bk[jj * bcs] != 0;
        }
    }
}

/*
 * The MATMUL leaf: checks the call's shape contract, writes zeros for an
 * empty contraction (K == 0) and dispatches on the dtype.  Nothing to do
 * when the output is not wanted or empty.
 */
loom_status rt_call_matmul(rt_call *c)
{
    const rt_view *a = &c->in[0], *b = &c->in[1], *o = &c->out[0];
    int nd = o->ndim;
    if (nd < 2 || a->ndim != nd || b->ndim != nd || a->dtype != o->dtype ||
        b->dtype != o->dtype) {
        snprintf(c->msg, sizeof c->msg, "matmul: malformed call");
        return LOOM_ERR_INTERNAL;
    }
    mm_job j = {.a = a, .b = b, .o = o, .nb = nd - 2,
                .M = a->shape[nd - 2], .K = a->shape[nd - 1],
                .N = b->shape[nd - 1], .es = rt_view_esize(o)};
    atomic_init(&j.oom, 0);
    int64_t batch = graph_numel(nd - 2, o->shape);
    if (!o->data || j.M == 0 || j.N == 0 || batch == 0)
        return LOOM_OK;
    if (j.K == 0) {
        memset(o->data, 0, (size_t)(batch * j.M * j.N) * j.es);
        return LOOM_OK;
    }
    if (o->dtype == LOOM_FLOAT32 || o->dtype == LOOM_FLOAT64) {
        if (j.M > INT_MAX || j.N > INT_MAX || j.K > INT_MAX) {
            snprintf(c->msg, sizeof c->msg,
                     "matmul: a dimension exceeds what BLAS can take");
            return LOOM_ERR_VALUE;
        }
        j.dbl = o->dtype == LOOM_FLOAT64;
        return float_matmul(c, &j, batch);
    }
    rt_task_fn fn = o->dtype == LOOM_BOOL    ? rows_bool
                    : o->dtype == LOOM_INT32 ? rows_i32
                                             : rows_i64;
    int64_t row_work = j.N * j.K > 0 ? j.N * j.K : 1;
    int64_t grain = (1 << 15) / row_work;
    rt_parallel_for(c->threads, batch * j.M, grain > 0 ? grain : 1, fn, &j);
    return LOOM_OK;
}
