/*
 * sortcall.c -- the sorting and searching leaves: sort, argsort, partition,
 * argpartition, lexsort, searchsorted, bincount and histogram, as CALLs
 * over strided views, built on the row kernels of runtime/sort.c.
 *
 * Row calls work along one axis: a row is the axis's elements at one
 * position of the other axes.  Contiguous rows are processed where they
 * are; strided ones (an axis other than the last, a transposed view) are
 * gathered into contiguous scratch and scattered back, up to GROUP
 * neighbouring rows at a time so that each cache line read or written
 * serves all of them.  Rows are spread over the thread pool; each chunk of
 * rows claims one scratch slot, allocated up front by the calling thread
 * (so the context's allocator is only ever called from the evaluating
 * thread).  One kth near an end of the row (top-k) takes a heap selection,
 * any other partition introselect (runtime/sort.c).
 *
 * Node attributes (attr[0] is the call id; graph/build_sort.c builds them):
 *   SORT, ARGSORT    in: a.  attr[1] axis.
 *   PARTITION,       in: a, [kth].  attr[1] axis, attr[2] nkth; the kth
 *   ARGPARTITION     (normalized, ascending) follow in attr[3..] when the
 *                    node has one input, else they are input 1 (int64).
 *   LEXSORT          in: keys (one shape), [initial permutation, int64].
 *                    attr[1] axis, attr[2] number of keys, attr[3] 1 when
 *                    the permutation is given: the keys then re-sort it.
 *   SEARCHSORTED     in: sorted row, queries (one dtype), [sorter int64].
 *                    attr[1] 1 for side='right'.
 *   BINCOUNT         in: x (int64, 1-D, >= 0), [weights float64].
 *   HISTOGRAM        attr[1] bins (0: explicit edges), attr[2] weighted,
 *                    attr[3] density, attr[4] range from the data, attr[5],
 *                    attr[6] the range's bits (doubles), attr[7] 1 for the
 *                    node of the equal bins' edges.  in: a, [weights], then
 *                    for explicit edges the edges in a's dtype and the
 *                    edges as given.
 */
#include "runtime/call.h"
#include "runtime/pool.h"
#include "runtime/sort.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define ALWAYS_INLINE static inline __attribute__((always_inline))
/* Hot selection loops, compiled for AVX-512, AVX2 and baseline x86-64,
 * picked at load time (GCC's function multiversioning). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    !defined(__SANITIZE_ADDRESS__)
#define VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define VECTOR_CLONES
#endif

/* Elements of work per chunk of rows handed to a thread. */
#define GRAIN_ELEMS 32768
/* One kth within this many places of either end takes the heap path. */
#define TOPK_MAX 64
/* NumPy's histogram works in blocks of this many elements; sums of
 * weights are rounded per block, so the blocks are kept. */
#define HIST_BLOCK 65536

static size_t round64(size_t n)
{
    return (n + 63) & ~(size_t)63;
}

/* ------------------------------------------------------------------------
 * Rows along an axis
 * ------------------------------------------------------------------------ */

/* The rows of a shape along one axis: the other axes' extents, in order. */
typedef struct rowgeom {
    int nd;
    int64_t ext[LOOM_MAX_DIMS];
    int64_t n;    /* row length */
    int64_t rows; /* number of rows */
} rowgeom;

static void geom_init(rowgeom *g, int ndim, const int64_t *shape, int axis)
{
    g->nd = 0;
    g->rows = 1;
    g->n = ndim ? shape[axis] : 1;
    for (int d = 0; d < ndim; d++)
        if (d != axis) {
            g->ext[g->nd++] = shape[d];
            g->rows *= shape[d];
        }
}

/* A view's stride along the rows and its strides over the other axes. */
typedef struct rowview {
    char *data;
    size_t es;
    int64_t along;
    int64_t other[LOOM_MAX_DIMS];
} rowview;

static void rowview_init(rowview *r, const rt_view *v, int axis)
{
    int k = 0;
    r->data = v->data;
    r->es = rt_view_esize(v);
    r->along = v->ndim ? v->strides[axis] : 0;
    for (int d = 0; d < v->ndim; d++)
        if (d != axis)
            r->other[k++] = v->strides[d];
}

/* Address of the first element of row `row` of r. */
static char *row_ptr(const rowgeom *g, const rowview *r, int64_t row)
{
    int64_t off = 0;
    for (int d = g->nd - 1; d >= 0; d--) {
        off += (row % g->ext[d]) * r->other[d];
        row /= g->ext[d];
    }
    return r->data + off * (int64_t)r->es;
}

/* Copies n elements of es bytes, stride `stride` elements apart, to dst. */
static void get_row(const char *src, int64_t stride, int64_t n, size_t es,
                    void *dst)
{
    if (stride == 1 || n <= 1) {
        memcpy(dst, src, (size_t)n * es);
        return;
    }
    int64_t bs = stride * (int64_t)es;
    char *d = dst;
    for (int64_t i = 0; i < n; i++, src += bs, d += es)
        memcpy(d, src, es);
}

static void put_row(const void *src, int64_t n, size_t es, char *dst,
                    int64_t stride)
{
    if (stride == 1 || n <= 1) {
        memcpy(dst, src, (size_t)n * es);
        return;
    }
    int64_t bs = stride * (int64_t)es;
    const char *s = src;
    for (int64_t i = 0; i < n; i++, dst += bs, s += es)
        memcpy(dst, s, es);
}

/* Rows handled together when their elements are strided: GROUP rows that
 * lie next to each other are read (and written) a few elements at a time,
 * a cache line for all of them, instead of a line per element.  Only for
 * rows short enough that GROUP of them stay in cache. */
#define GROUP 16
#define GROUP_BYTES (4u << 20)

/* Copies g rows of n elements (row b at src + b * sl, elements `along`
 * apart; strides in elements) to g contiguous rows at dst. */
static void get_rows(const char *src, int64_t along, int64_t sl, int64_t n,
                     int g, size_t es, char *dst)
{
#define GET(S)                                                               \
    for (int64_t i = 0; i < n; i++) {                                        \
        const char *s = src + i * along * S;                                 \
        for (int b = 0; b < g; b++)                                          \
            memcpy(dst + (b * n + i) * S, s + b * sl * S, S);                \
    }
    /* constant sizes: each memcpy is one load and store, and float rows
     * are moved without reading them through another type */
    if (es == 1) {
        GET(1)
    } else if (es == 4) {
        GET(4)
    } else {
        GET(8)
    }
#undef GET
}

/* The reverse of get_rows(), writing the first w of each row's n
 * elements. */
static void put_rows(const char *src, int64_t n, int64_t w, int g, size_t es,
                     char *dst, int64_t along, int64_t sl)
{
#define PUT(S)                                                               \
    for (int64_t i = 0; i < w; i++) {                                        \
        char *d = dst + i * along * S;                                       \
        for (int b = 0; b < g; b++)                                          \
            memcpy(d + b * sl * S, src + (b * n + i) * S, S);                \
    }
    if (es == 1) {
        PUT(1)
    } else if (es == 4) {
        PUT(4)
    } else {
        PUT(8)
    }
#undef PUT
}

/*
 * A row job: the rows of the call's output along `axis`, the views the
 * task reads, and per-thread scratch slots.  run_rows() allocates
 * `nslots` slots of slot_bytes, runs fn over the rows on the pool, frees
 * the slots and returns the first failure a task recorded in status.
 */
typedef struct rowjob {
    rt_call *c;
    loom_dtype t;
    rowgeom g;
    rowview in[RT_CALL_MAXIO];
    rowview out;
    const int64_t *kth;
    int64_t nkth;
    int64_t width; /* output elements per row (partition: a leading part) */
    int nkeys;
    int group;    /* rows per group (1: row by row) */
    bool init, arg;
    char *slots;
    size_t slot_bytes;
    int nslots;
    atomic_int next_slot;
    atomic_int status;
} rowjob;

/* The scratch slot of the calling chunk, or NULL (status set). */
static char *claim_slot(rowjob *j)
{
    int s = atomic_fetch_add(&j->next_slot, 1);
    if (s >= j->nslots) {
        atomic_store(&j->status, LOOM_ERR_INTERNAL);
        return NULL;
    }
    return j->slots + (size_t)s * j->slot_bytes;
}

static loom_status run_rows(rowjob *j, size_t slot_bytes, rt_task_fn fn)
{
    rt_call *c = j->c;
    int64_t n = j->g.n > 0 ? j->g.n : 1;
    int64_t grain = GRAIN_ELEMS / n > 1 ? GRAIN_ELEMS / n : 1;
    int t = c->threads < rt_pool_size() ? c->threads : rt_pool_size();
    if (j->g.rows / grain < t)
        t = (int)(j->g.rows / grain);
    if (t < 1)
        t = 1;
    j->slot_bytes = round64(slot_bytes ? slot_bytes : 1);
    if (j->slot_bytes > SIZE_MAX / (size_t)t) {
        snprintf(c->msg, sizeof c->msg, "%s: scratch size overflows",
                 rt_calls[c->node->attr[0]].what);
        return LOOM_ERR_MEMORY;
    }
    j->nslots = t;
    j->slots = rt_malloc(&c->ctx->alloc, j->slot_bytes * (size_t)t);
    if (!j->slots) {
        snprintf(c->msg, sizeof c->msg, "%s: out of memory",
                 rt_calls[c->node->attr[0]].what);
        return LOOM_ERR_MEMORY;
    }
    atomic_init(&j->next_slot, 0);
    atomic_init(&j->status, LOOM_OK);
    rt_parallel_for(t, j->g.rows, grain, fn, j);
    rt_free(&c->ctx->alloc, j->slots, j->slot_bytes * (size_t)t);
    loom_status s = (loom_status)atomic_load(&j->status);
    if (s)
        snprintf(c->msg, sizeof c->msg, "%s: internal error in the row "
                 "scheduler", rt_calls[c->node->attr[0]].what);
    return s;
}

/* Sets up j over c's output 0 along axis with the first nin inputs.
 * Returns false when there is nothing to do. */
static bool rowjob_init(rowjob *j, rt_call *c, int axis, int nin)
{
    memset(j, 0, sizeof *j);
    j->c = c;
    j->t = c->in[0].dtype;
    const rt_view *o = &c->out[0];
    geom_init(&j->g, o->ndim, o->shape, axis);
    for (int k = 0; k < nin; k++)
        rowview_init(&j->in[k], &c->in[k], axis);
    rowview_init(&j->out, o, axis);
    return o->data && j->g.rows > 0 && j->g.n > 0;
}

/* Rows per group for j: GROUP when a row is strided in the input or the
 * output and GROUP rows of 8-byte elements fit GROUP_BYTES, else 1. */
static int pick_group(const rowjob *j)
{
    bool strided = j->in[0].along != 1 || j->out.along != 1;
    bool fits = j->g.n <= (int64_t)(GROUP_BYTES / GROUP / 8);
    return j->g.nd > 0 && strided && fits ? GROUP : 1;
}

/* The rows of the group starting at row r (at most j->group, within
 * [r, hi) and one run of the innermost other axis, so that they are
 * evenly spaced in every view). */
static int group_at(const rowjob *j, int64_t r, int64_t hi)
{
    if (j->group <= 1)
        return 1;
    int64_t e = j->g.ext[j->g.nd - 1], g = e - r % e;
    g = g < hi - r ? g : hi - r;
    return g < j->group ? (int)g : j->group;
}

/* Stride between neighbouring rows of a group in view v. */
static int64_t group_stride(const rowjob *j, const rowview *v)
{
    return j->g.nd > 0 ? v->other[j->g.nd - 1] : 0;
}

/* Bytes of 64-aligned parts; false if the total overflows. */
static bool add_part(size_t *total, int64_t n, size_t es)
{
    size_t b;
    if (n < 0 || __builtin_mul_overflow((size_t)n, es, &b) || b > SIZE_MAX / 2)
        return false;
    b = round64(b);
    if (*total > SIZE_MAX - b)
        return false;
    *total += b;
    return true;
}

static loom_status too_big(rt_call *c)
{
    snprintf(c->msg, sizeof c->msg, "%s: array is too big",
             rt_calls[c->node->attr[0]].what);
    return LOOM_ERR_MEMORY;
}

/* ------------------------------------------------------------------------
 * sort, argsort
 * ------------------------------------------------------------------------ */

/* A slot: group rows of values, group rows of indices, the kernels'
 * scratch. */
static void sort_task(void *ud, int64_t lo, int64_t hi)
{
    rowjob *j = ud;
    char *slot = claim_slot(j);
    if (!slot)
        return;
    int64_t n = j->g.n;
    size_t es = j->in[0].es, oes = j->arg ? 8 : es;
    char *vals = slot;
    char *idx = slot + round64((size_t)(j->group * n) * es);
    void *scratch = idx + round64((size_t)(j->group * n) * 8);
    const rowview *in = &j->in[0], *out = &j->out;
    for (int64_t r = lo; r < hi;) {
        int g = group_at(j, r, hi);
        const char *src = row_ptr(&j->g, in, r);
        char *dst = row_ptr(&j->g, out, r);
        r += g;
        if (g == 1 && in->along == 1 && out->along == 1 && j->width == n) {
            if (j->arg) {
                rt_argsort(j->t, src, n, (int64_t *)dst, scratch);
            } else {
                memcpy(dst, src, (size_t)n * es);
                rt_sort(j->t, dst, n, scratch);
            }
            continue;
        }
        get_rows(src, in->along, group_stride(j, in), n, g, es, vals);
        for (int b = 0; b < g; b++) {
            char *row = vals + (size_t)(b * n) * es;
            if (j->arg)
                rt_argsort(j->t, row, n, (int64_t *)idx + b * n, scratch);
            else
                rt_sort(j->t, row, n, scratch);
        }
        put_rows(j->arg ? idx : vals, n, n, g, oes, dst, out->along,
                 group_stride(j, out));
    }
}

loom_status rt_call_sort(rt_call *c)
{
    rowjob j;
    if (!rowjob_init(&j, c, (int)c->node->attr[1], 1))
        return LOOM_OK;
    j.arg = c->node->attr[0] == RT_CALL_ARGSORT;
    j.group = pick_group(&j);
    size_t bytes = 0;
    if (!add_part(&bytes, j.group * j.g.n, j.in[0].es) ||
        !add_part(&bytes, j.group * j.g.n, 8))
        return too_big(c);
    size_t s = rt_argsort_scratch(j.t, j.g.n), s2 = rt_sort_scratch(j.t, j.g.n);
    if (bytes > SIZE_MAX - (s > s2 ? s : s2))
        return too_big(c);
    return run_rows(&j, bytes + (s > s2 ? s : s2), sort_task);
}

/* ------------------------------------------------------------------------
 * Top-k: one kth near either end of a long row.
 *
 * Records pair an element's order key with its index (key << W | i), a
 * total order in which every record is distinct and ties go by index, as
 * in a stable sort.  A max-heap keeps the m = kth + 1 smallest records
 * seen (or, when fewer lie above kth, the m = n - kth largest: records
 * complemented); its root is then the record a full sort puts at kth.  One more pass writes the
 * records below it to the front, it at kth, the others after: O(n) for
 * ordinary data, O(n log m) at worst.
 * ------------------------------------------------------------------------ */

typedef unsigned __int128 u128;

/* Order keys: unsigned integers whose order is NumPy's order of the
 * values (-0.0 == 0.0, every NaN equal and last). */
ALWAYS_INLINE uint32_t key32(uint32_t u, bool fl)
{
    if (!fl)
        return u ^ 0x80000000u;
    uint32_t z = u == 0x80000000u ? 0 : u;
    uint32_t k = z ^ ((uint32_t)((int32_t)z >> 31) | 0x80000000u);
    return (z & 0x7fffffffu) > 0x7f800000u ? 0xffffffffu : k;
}

ALWAYS_INLINE uint64_t key64(uint64_t u, bool fl)
{
    if (!fl)
        return u ^ 0x8000000000000000ull;
    uint64_t z = u == 0x8000000000000000ull ? 0 : u;
    uint64_t k = z ^ ((uint64_t)((int64_t)z >> 63) | 0x8000000000000000ull);
    return (z & 0x7fffffffffffffffull) > 0x7ff0000000000000ull ? ~0ull : k;
}

ALWAYS_INLINE uint32_t kof32(const void *row, size_t i, bool fl)
{
    uint32_t u;
    memcpy(&u, (const char *)row + 4 * i, 4);
    return key32(u, fl);
}

ALWAYS_INLINE uint64_t kof64(const void *row, size_t i, bool fl)
{
    uint64_t u;
    memcpy(&u, (const char *)row + 8 * i, 8);
    return key64(u, fl);
}

/* Elements looked at together: the common case, a block with nothing to
 * do, is found by a min/max over its keys, which vectorizes. */
#define TOPK_BLOCK 16

/*
 * NAME(row, n, kth, fl, idx, vals) for records REC = KT key << SH | index.
 * Blocks skip the heap when no key can enter it (below kth's key for the
 * low side: a later index never beats an equal key; at or above it for
 * the high side), and are written in one go when all their keys fall on
 * the far side of the pivot.  high, fl and the output kind are constants
 * in each instantiation.
 */
#define TOPK_FN(NAME, REC, KT, SH, KOF, ES)                                  \
    static void NAME##_sift(REC *h, size_t m, size_t i)                      \
    {                                                                        \
        REC x = h[i];                                                        \
        for (size_t ch; (ch = 2 * i + 1) < m; i = ch) {                      \
            if (ch + 1 < m && h[ch + 1] > h[ch])                             \
                ch++;                                                        \
            if (!(h[ch] > x))                                                \
                break;                                                       \
            h[i] = h[ch];                                                    \
        }                                                                    \
        h[i] = x;                                                            \
    }                                                                        \
    /* Whether any of the b keys at k passes (low: < t; high: >= t). */      \
    ALWAYS_INLINE bool NAME##_any(const KT *k, int b, KT t, bool high)       \
    {                                                                        \
        KT acc = high ? 0 : (KT)~(KT)0;                                      \
        for (int j = 0; j < b; j++)                                          \
            acc = high ? (k[j] > acc ? k[j] : acc)                           \
                       : (k[j] < acc ? k[j] : acc);                          \
        return high ? acc >= t : acc < t;                                    \
    }                                                                        \
    ALWAYS_INLINE void NAME##_run(const void *row, size_t n, size_t kth,     \
                                  size_t want, bool fl, bool high,           \
                                  int64_t *idx, char *vals)                  \
    {                                                                        \
        size_t m = high ? n - kth : kth + 1;                                 \
        if (m < 1 || m > TOPK_MAX) /* topk_fits guarantees it */            \
            __builtin_unreachable();                                         \
        REC flip = high ? ~(REC)0 : 0, heap[TOPK_MAX];                       \
        KT kb[TOPK_BLOCK];                                                   \
        for (size_t i = 0; i < m; i++)                                       \
            heap[i] = ((REC)KOF(row, i, fl) << SH | i) ^ flip;               \
        for (size_t i = m / 2; i-- > 0;)                                     \
            NAME##_sift(heap, m, i);                                         \
        REC top = heap[0];                                                   \
        KT tk = (KT)((top ^ flip) >> SH);                                    \
        for (size_t i = m; i < n; i += TOPK_BLOCK) {                         \
            int b = n - i < TOPK_BLOCK ? (int)(n - i) : TOPK_BLOCK;          \
            for (int j = 0; j < b; j++)                                      \
                kb[j] = KOF(row, i + j, fl);                                 \
            if (!NAME##_any(kb, b, tk, high))                                \
                continue;                                                    \
            for (int j = 0; j < b; j++) {                                    \
                REC r = ((REC)kb[j] << SH | (i + j)) ^ flip;                 \
                if (r < top) {                                               \
                    heap[0] = r;                                             \
                    NAME##_sift(heap, m, 0);                                 \
                    top = heap[0];                                           \
                }                                                            \
            }                                                                \
            tk = (KT)((top ^ flip) >> SH);                                   \
        }                                                                    \
        if (!high && want <= m) {                                            \
            /* the heap holds the m smallest, the kth at its root: the    \
             * head needs no second pass over the row.  The smaller ones  \
             * go out in index order, as the second pass writes them, so  \
             * a head and the full call agree */                           \
            size_t at[TOPK_MAX];                                             \
            for (size_t p = 0; p < m; p++) {                                 \
                size_t a = (size_t)(heap[p] & (((REC)1 << SH) - 1)), q = p;  \
                for (; q > 1 && at[q - 1] > a; q--)                          \
                    at[q] = at[q - 1];                                       \
                at[q] = a; /* at[0]: the kth; at[1..]: sorted */           \
            }                                                                \
            for (size_t p = 0; p < want; p++) {                              \
                size_t a = p < kth ? at[p + 1] : at[0];                      \
                if (idx)                                                     \
                    idx[p] = (int64_t)a;                                     \
                else                                                         \
                    memcpy(vals + p * ES, (const char *)row + a * ES, ES);   \
            }                                                                \
            return;                                                          \
        }                                                                    \
        REC piv = top ^ flip;                                                \
        KT pk = (KT)(piv >> SH);                                             \
        size_t below = 0, above = kth + 1;                                   \
        for (size_t i = 0; i < n; i += TOPK_BLOCK) {                         \
            int b = n - i < TOPK_BLOCK ? (int)(n - i) : TOPK_BLOCK;          \
            for (int j = 0; j < b; j++)                                      \
                kb[j] = KOF(row, i + j, fl);                                 \
            /* the common side: all past the pivot's key (low) or all     \
             * before it (high) */                                           \
            bool bulk = !NAME##_any(kb, b, high ? pk : pk + 1, high);        \
            if (!high && pk == (KT)~(KT)0)                                   \
                bulk = false;                                                \
            if (bulk) {                                                      \
                size_t *o = high ? &below : &above;                          \
                size_t w = *o >= want ? 0 : want - *o < (size_t)b            \
                                                ? want - *o : (size_t)b;     \
                if (idx)                                                     \
                    for (size_t j = 0; j < w; j++)                           \
                        idx[*o + j] = (int64_t)(i + j);                      \
                else                                                         \
                    memcpy(vals + *o * ES, (const char *)row + i * ES,       \
                           w * ES);                                          \
                *o += b;                                                     \
                continue;                                                    \
            }                                                                \
            for (int j = 0; j < b; j++) {                                    \
                REC r = (REC)kb[j] << SH | (i + j);                          \
                size_t p = r < piv ? below++ : r > piv ? above++ : kth;      \
                if (p >= want)                                               \
                    continue;                                                \
                if (idx)                                                     \
                    idx[p] = (int64_t)(i + j);                               \
                else                                                         \
                    memcpy(vals + p * ES, (const char *)row + (i + j) * ES,  \
                           ES);                                              \
            }                                                                \
        }                                                                    \
    }                                                                        \
    VECTOR_CLONES static void NAME(const void *row, size_t n, size_t kth,    \
                                   size_t want, bool fl, int64_t *idx,       \
                                   char *vals)                               \
    {                                                                        \
        /* keep the smaller side; constant flags in each call below */      \
        bool high = n - kth < kth + 1;                                       \
        if (idx && fl && high)                                               \
            NAME##_run(row, n, kth, want, true, true, idx, NULL);            \
        else if (idx && fl)                                                  \
            NAME##_run(row, n, kth, want, true, false, idx, NULL);           \
        else if (idx && high)                                                \
            NAME##_run(row, n, kth, want, false, true, idx, NULL);           \
        else if (idx)                                                        \
            NAME##_run(row, n, kth, want, false, false, idx, NULL);          \
        else if (fl && high)                                                 \
            NAME##_run(row, n, kth, want, true, true, NULL, vals);           \
        else if (fl)                                                         \
            NAME##_run(row, n, kth, want, true, false, NULL, vals);          \
        else if (high)                                                       \
            NAME##_run(row, n, kth, want, false, true, NULL, vals);          \
        else                                                                 \
            NAME##_run(row, n, kth, want, false, false, NULL, vals);         \
    }

TOPK_FN(topk32, uint64_t, uint32_t, 32, kof32, 4)
TOPK_FN(topk64, u128, uint64_t, 64, kof64, 8)

/* Whether one kth of a row of n elements of dtype t takes the heap path. */
static bool topk_fits(loom_dtype t, int64_t n, const int64_t *kth,
                      int64_t nkth)
{
    if (nkth != 1 || t == LOOM_BOOL || n < 2)
        return false;
    if (loom_dtype_size(t) == 4 && (uint64_t)n >= (1ull << 32))
        return false;
    return kth[0] < TOPK_MAX || n - kth[0] <= TOPK_MAX;
}

/* The heap path: writes the first `want` partitioned indices to idx or
 * values to vals (row and vals must not overlap). */
static void topk(loom_dtype t, const void *row, int64_t n, int64_t kth,
                 int64_t want, int64_t *idx, char *vals)
{
    bool fl = t == LOOM_FLOAT32 || t == LOOM_FLOAT64;
    if (loom_dtype_size(t) == 4)
        topk32(row, (size_t)n, (size_t)kth, (size_t)want, fl, idx, vals);
    else
        topk64(row, (size_t)n, (size_t)kth, (size_t)want, fl, idx, vals);
}

/* ------------------------------------------------------------------------
 * partition, argpartition
 * ------------------------------------------------------------------------ */

/* One row: the selection of row (n elements, contiguous) into o, which
 * receives indices (argpartition) or values; for values by introselect
 * row itself is permuted and o is row. */
static void part_row(const rowjob *j, char *row, char *o)
{
    int64_t n = j->g.n;
    if (topk_fits(j->t, n, j->kth, j->nkth))
        topk(j->t, row, n, j->kth[0], j->width, j->arg ? (int64_t *)o : NULL,
             j->arg ? NULL : o);
    else if (j->arg)
        rt_argpartition(j->t, row, n, j->kth, j->nkth, (int64_t *)o);
    else
        rt_partition(j->t, row, n, j->kth, j->nkth);
}

/* A slot: group rows of input values, group rows of results. */
static void part_task(void *ud, int64_t lo, int64_t hi)
{
    rowjob *j = ud;
    char *slot = claim_slot(j);
    if (!slot)
        return;
    int64_t n = j->g.n;
    size_t es = j->in[0].es, oes = j->arg ? 8 : es;
    char *vals = slot, *res = slot + round64((size_t)(j->group * n) * 8);
    /* values selected by introselect are permuted in place */
    bool inplace = !j->arg && !topk_fits(j->t, n, j->kth, j->nkth);
    const rowview *in = &j->in[0], *out = &j->out;
    for (int64_t r = lo; r < hi;) {
        int g = group_at(j, r, hi);
        const char *src = row_ptr(&j->g, in, r);
        char *dst = row_ptr(&j->g, out, r);
        r += g;
        if (g == 1 && in->along == 1 && out->along == 1 && j->width == n) {
            if (inplace)
                memcpy(dst, src, (size_t)n * es);
            part_row(j, inplace ? dst : (char *)src, dst);
            continue;
        }
        if (g == 1 && in->along == 1 && !inplace) {
            /* read in place; the leading part of the result goes out */
            part_row(j, (char *)src, res);
            put_rows(res, n, j->width, 1, oes, dst, out->along, 0);
            continue;
        }
        get_rows(src, in->along, group_stride(j, in), n, g, es, vals);
        for (int b = 0; b < g; b++)
            part_row(j, vals + (size_t)(b * n) * es,
                     res + (size_t)(b * n) * oes);
        put_rows(inplace ? vals : res, n, j->width, g, oes, dst, out->along,
                 group_stride(j, out));
    }
}

loom_status rt_call_partition(rt_call *c)
{
    rowjob j;
    int axis = (int)c->node->attr[1];
    if (!rowjob_init(&j, c, axis, 1))
        return LOOM_OK;
    /* rows are the input's; the output may keep a leading part of each */
    j.width = j.g.n;
    geom_init(&j.g, c->in[0].ndim, c->in[0].shape, axis);
    j.arg = c->node->attr[0] == RT_CALL_ARGPARTITION;
    j.nkth = c->node->attr[2];
    int64_t *kth = NULL;
    if (c->nin > 1) {
        kth = malloc((size_t)j.nkth * 8 + 8);
        if (!kth) {
            snprintf(c->msg, sizeof c->msg, "partition: out of memory");
            return LOOM_ERR_MEMORY;
        }
        rt_view_gather(&c->in[1], kth);
        j.kth = kth;
    } else {
        j.kth = &c->node->attr[3];
    }
    j.group = pick_group(&j);
    size_t bytes = 0;
    loom_status s;
    if (!add_part(&bytes, j.group * j.g.n, 8) ||
        !add_part(&bytes, j.group * j.g.n, 8))
        s = too_big(c);
    else
        s = run_rows(&j, bytes, part_task);
    free(kth);
    return s;
}

/* ------------------------------------------------------------------------
 * lexsort
 * ------------------------------------------------------------------------ */

/* Gathers the row at src (stride `along`) in the order ix into dst. */
static void gather_perm(const char *src, int64_t along, size_t es,
                        const int64_t *ix, int64_t n, void *dst)
{
    int64_t bs = along * (int64_t)es;
    char *d = dst;
    for (int64_t i = 0; i < n; i++, d += es)
        memcpy(d, src + ix[i] * bs, es);
}

/* A slot: key values (8n), the key's permutation (8n), the composed one
 * (8n), the output row (8n), argsort scratch. */
static void lex_task(void *ud, int64_t lo, int64_t hi)
{
    rowjob *j = ud;
    char *slot = claim_slot(j);
    if (!slot)
        return;
    int64_t n = j->g.n;
    size_t part = round64((size_t)n * 8);
    char *vals = slot;
    int64_t *p = (int64_t *)(slot + part), *ix2 = (int64_t *)(slot + 2 * part);
    int64_t *idxbuf = (int64_t *)(slot + 3 * part);
    void *scratch = slot + 4 * part;
    for (int64_t r = lo; r < hi; r++) {
        char *dst = row_ptr(&j->g, &j->out, r);
        int64_t *ix = j->out.along == 1 ? (int64_t *)dst : idxbuf;
        bool have = j->init;
        if (have)
            get_row(row_ptr(&j->g, &j->in[j->nkeys], r),
                    j->in[j->nkeys].along, n, 8, ix);
        for (int k = 0; k < j->nkeys; k++) {
            const rowview *kv = &j->in[k];
            loom_dtype t = j->c->in[k].dtype;
            const char *src = row_ptr(&j->g, kv, r);
            if (!have) {
                const void *row = src;
                if (kv->along != 1) {
                    get_row(src, kv->along, n, kv->es, vals);
                    row = vals;
                }
                rt_argsort(t, row, n, ix, scratch);
                have = true;
                continue;
            }
            gather_perm(src, kv->along, kv->es, ix, n, vals);
            rt_argsort(t, vals, n, p, scratch);
            for (int64_t i = 0; i < n; i++)
                ix2[i] = ix[p[i]];
            memcpy(ix, ix2, (size_t)n * 8);
        }
        if (ix != (int64_t *)dst)
            put_row(ix, n, 8, dst, j->out.along);
    }
}

loom_status rt_call_lexsort(rt_call *c)
{
    rowjob j;
    int nkeys = (int)c->node->attr[2];
    bool init = c->node->attr[3] != 0;
    if (!rowjob_init(&j, c, (int)c->node->attr[1], nkeys + init))
        return LOOM_OK;
    j.nkeys = nkeys;
    j.init = init;
    size_t bytes = 0, scratch = 0;
    for (int k = 0; k < nkeys; k++) {
        size_t s = rt_argsort_scratch(c->in[k].dtype, j.g.n);
        scratch = s > scratch ? s : scratch;
    }
    for (int k = 0; k < 4; k++)
        if (!add_part(&bytes, j.g.n, 8))
            return too_big(c);
    if (bytes > SIZE_MAX - scratch)
        return too_big(c);
    return run_rows(&j, bytes + scratch, lex_task);
}

/* ------------------------------------------------------------------------
 * searchsorted
 * ------------------------------------------------------------------------ */

typedef struct searchjob {
    loom_dtype t;
    const char *row;
    int64_t n;
    const int64_t *sorter;
    const char *v;
    int64_t *out;
    bool right;
} searchjob;

static void search_task(void *ud, int64_t lo, int64_t hi)
{
    searchjob *s = ud;
    size_t es = loom_dtype_size(s->t);
    rt_searchsorted(s->t, s->row, s->n, s->sorter, s->v + lo * (int64_t)es,
                    hi - lo, s->right, s->out + lo);
}

/* A contiguous copy of v in *owned (or v's own data when contiguous);
 * false when memory is out. */
static bool contiguous(rt_call *c, const rt_view *v, void **owned,
                       size_t *bytes, const char **data)
{
    *owned = NULL;
    *bytes = 0;
    if (rt_view_contiguous(v)) {
        *data = v->data;
        return true;
    }
    *bytes = (size_t)graph_numel(v->ndim, v->shape) * rt_view_esize(v);
    *owned = rt_malloc(&c->ctx->alloc, *bytes ? *bytes : 1);
    if (!*owned)
        return false;
    rt_view_gather(v, *owned);
    *data = *owned;
    return true;
}

static void release(rt_call *c, void *p, size_t bytes)
{
    if (p)
        rt_free(&c->ctx->alloc, p, bytes ? bytes : 1);
}

loom_status rt_call_searchsorted(rt_call *c)
{
    if (!c->out[0].data)
        return LOOM_OK;
    searchjob s = {.t = c->in[0].dtype, .n = c->in[0].shape[0],
                   .out = (int64_t *)c->out[0].data,
                   .right = c->node->attr[1] != 0};
    int64_t m = graph_numel(c->in[1].ndim, c->in[1].shape);
    if (m == 0)
        return LOOM_OK;
    void *own[3] = {NULL, NULL, NULL};
    size_t ob[3] = {0, 0, 0};
    const char *srt = NULL;
    loom_status st = LOOM_OK;
    if (!contiguous(c, &c->in[0], &own[0], &ob[0], &s.row) ||
        !contiguous(c, &c->in[1], &own[1], &ob[1], &s.v) ||
        (c->nin > 2 && !contiguous(c, &c->in[2], &own[2], &ob[2], &srt))) {
        snprintf(c->msg, sizeof c->msg, "searchsorted: out of memory");
        st = LOOM_ERR_MEMORY;
        goto done;
    }
    s.sorter = (const int64_t *)srt;
    for (int64_t i = 0; s.sorter && i < s.n; i++)
        if (s.sorter[i] < 0 || s.sorter[i] >= s.n) {
            snprintf(c->msg, sizeof c->msg, "Sorter index out of range.");
            st = LOOM_ERR_VALUE;
            goto done;
        }
    rt_parallel_for(c->threads, m, 4096, search_task, &s);
done:
    for (int k = 0; k < 3; k++)
        release(c, own[k], ob[k]);
    return st;
}

/* ------------------------------------------------------------------------
 * bincount
 * ------------------------------------------------------------------------ */

loom_status rt_call_bincount(rt_call *c)
{
    const rt_view *x = &c->in[0], *o = &c->out[0];
    if (!o->data)
        return LOOM_OK;
    int64_t n = x->shape[0], len = o->shape[0];
    const int64_t *xv = (const int64_t *)x->data;
    int64_t xs = x->strides[0];
    if (c->nin > 1) {
        const double *w = (const double *)c->in[1].data;
        int64_t ws = c->in[1].strides[0];
        double *acc = (double *)o->data;
        memset(acc, 0, (size_t)len * 8);
        for (int64_t i = 0; i < n; i++)
            acc[xv[i * xs]] += w[i * ws];
    } else {
        int64_t *acc = (int64_t *)o->data;
        memset(acc, 0, (size_t)len * 8);
        for (int64_t i = 0; i < n; i++)
            acc[xv[i * xs]]++;
    }
    return LOOM_OK;
}

/* ------------------------------------------------------------------------
 * histogram
 * ------------------------------------------------------------------------ */

/* Element i of v (1-D) as a double. */
static double elem_f(const rt_view *v, int64_t i)
{
    const char *p = v->data + i * v->strides[0] * (int64_t)rt_view_esize(v);
    switch (v->dtype) {
    case LOOM_BOOL: return *(const uint8_t *)p != 0;
    case LOOM_INT32: return *(const int32_t *)p;
    case LOOM_INT64: return (double)*(const int64_t *)p;
    case LOOM_FLOAT32: return *(const float *)p;
    default: return *(const double *)p;
    }
}

static int64_t elem_i(const rt_view *v, int64_t i)
{
    const char *p = v->data + i * v->strides[0] * (int64_t)rt_view_esize(v);
    switch (v->dtype) {
    case LOOM_BOOL: return *(const uint8_t *)p != 0;
    case LOOM_INT32: return *(const int32_t *)p;
    case LOOM_INT64: return *(const int64_t *)p;
    case LOOM_FLOAT32: return (int64_t)*(const float *)p;
    default: return (int64_t)*(const double *)p;
    }
}

/*
 * Accumulators of histogram counts in NumPy's result dtype ntype: int64
 * (also holding int32 and bool, narrowed at the end), float32 or float64
 * arithmetic; each slot is 8 bytes.
 */
typedef union acc {
    int64_t i;
    float f;
    double d;
} acc;

/* acc += v, v converted to ntype first (NumPy's astype then +=). */
static void acc_add(acc *a, loom_dtype ntype, double v)
{
    switch (ntype) {
    case LOOM_FLOAT32: a->f += (float)v; break;
    case LOOM_FLOAT64: a->d += v; break;
    case LOOM_BOOL: a->i |= v != 0; break;
    default: a->i = (int64_t)((uint64_t)a->i + (uint64_t)(int64_t)v); break;
    }
}

static double acc_get(const acc *a, loom_dtype ntype)
{
    switch (ntype) {
    case LOOM_FLOAT32: return a->f;
    case LOOM_FLOAT64: return a->d;
    case LOOM_INT32: return (int32_t)a->i;
    default: return (double)a->i;
    }
}

/* a - b in ntype arithmetic (int32 wraps as NumPy's int32 does). */
static acc acc_sub(acc a, acc b, loom_dtype ntype)
{
    acc r;
    switch (ntype) {
    case LOOM_FLOAT32: r.f = a.f - b.f; break;
    case LOOM_FLOAT64: r.d = a.d - b.d; break;
    case LOOM_INT32: r.i = (int32_t)(uint32_t)((uint64_t)a.i - (uint64_t)b.i); break;
    default: r.i = (int64_t)((uint64_t)a.i - (uint64_t)b.i); break;
    }
    return r;
}

/* NumPy's pairwise summation of n values (float32 or float64 arithmetic):
 * below 8 a plain loop, up to 128 eight interleaved sums, beyond that the
 * two halves (split at a multiple of 8) summed separately. */
static double pairwise(const acc *a, int64_t n, bool single)
{
#define ADD(x, y) (single ? (double)((float)(x) + (float)(y)) : (x) + (y))
#define VAL(k) (single ? (double)a[k].f : a[k].d)
    if (n < 8) {
        double r = 0;
        for (int64_t i = 0; i < n; i++)
            r = ADD(r, VAL(i));
        return r;
    }
    if (n <= 128) {
        double r[8];
        for (int k = 0; k < 8; k++)
            r[k] = VAL(k);
        int64_t i = 8;
        for (; i < n - n % 8; i += 8)
            for (int k = 0; k < 8; k++)
                r[k] = ADD(r[k], VAL(i + k));
        double res = ADD(ADD(ADD(r[0], r[1]), ADD(r[2], r[3])),
                         ADD(ADD(r[4], r[5]), ADD(r[6], r[7])));
        for (; i < n; i++)
            res = ADD(res, VAL(i));
        return res;
    }
    int64_t h = n / 2;
    h -= h % 8;
    return ADD(pairwise(a, h, single), pairwise(a + h, n - h, single));
#undef ADD
#undef VAL
}

/* Writes the hist output from counts n[nb] in ntype: as they are, or
 * NumPy's density n / diff(edges) / n.sum() with the diffs db. */
static void hist_out(const rt_view *o, const acc *n, int64_t nb,
                     loom_dtype ntype, const double *db)
{
    if (db) {
        double total;
        if (ntype == LOOM_FLOAT32 || ntype == LOOM_FLOAT64) {
            total = 0.0 + pairwise(n, nb, ntype == LOOM_FLOAT32);
        } else {
            int64_t s = 0;
            for (int64_t i = 0; i < nb; i++)
                s += (int64_t)acc_get(&n[i], ntype);
            total = (double)s;
        }
        for (int64_t i = 0; i < nb; i++)
            ((double *)o->data)[i] = acc_get(&n[i], ntype) / db[i] / total;
        return;
    }
    for (int64_t i = 0; i < nb; i++) {
        char *p = o->data + i * (int64_t)rt_view_esize(o);
        switch (ntype) {
        case LOOM_BOOL: *(uint8_t *)p = n[i].i != 0; break;
        case LOOM_INT32: *(int32_t *)p = (int32_t)n[i].i; break;
        case LOOM_INT64: *(int64_t *)p = n[i].i; break;
        case LOOM_FLOAT32: *(float *)p = n[i].f; break;
        default: *(double *)p = n[i].d; break;
        }
    }
}

/* v += w in ntype arithmetic. */
static void acc_plus(acc *v, acc w, loom_dtype ntype)
{
    switch (ntype) {
    case LOOM_FLOAT32: v->f += w.f; break;
    case LOOM_FLOAT64: v->d += w.d; break;
    default: v->i = (int64_t)((uint64_t)v->i + (uint64_t)w.i); break;
    }
}

/* Element i of v in ntype, as acc. */
static acc acc_of(const rt_view *v, int64_t i, loom_dtype ntype)
{
    acc r;
    if (ntype == LOOM_FLOAT32)
        r.f = (float)elem_f(v, i);
    else if (ntype == LOOM_FLOAT64)
        r.d = elem_f(v, i);
    else
        r.i = elem_i(v, i);
    return r;
}

/* Python's repr of a float (of a float32 when single): the fewest digits
 * that read back to v; positional for decimal exponents in [-4, 16). */
static void py_repr(char *buf, size_t size, double v, bool single)
{
    if (isnan(v) || isinf(v)) {
        snprintf(buf, size, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
        return;
    }
    char tmp[48];
    for (int p = 1; p <= 17; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, v);
        double back = strtod(tmp, NULL);
        if (single ? (float)back == (float)v : back == v)
            break;
    }
    /* tmp is [-]d[.ddd]e(+|-)XX: split it into sign, digits, exponent */
    char digits[24];
    int nd = 0, exp;
    const char *q = tmp;
    bool neg = *q == '-';
    q += neg;
    for (; *q != 'e'; q++)
        if (*q != '.')
            digits[nd++] = *q;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    exp = atoi(q + 1);
    char *o = buf, *end = buf + size - 1;
#define PUT(ch) do { if (o < end) *o++ = (ch); } while (0)
    if (neg)
        PUT('-');
    if (exp >= 16 || exp < -4) {
        PUT(digits[0]);
        if (nd > 1)
            PUT('.');
        for (int i = 1; i < nd; i++)
            PUT(digits[i]);
        snprintf(tmp, sizeof tmp, "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
        for (const char *t = tmp; *t; t++)
            PUT(*t);
    } else if (exp < 0) {
        PUT('0');
        PUT('.');
        for (int i = 0; i < -exp - 1; i++)
            PUT('0');
        for (int i = 0; i < nd; i++)
            PUT(digits[i]);
    } else {
        for (int i = 0; i <= exp; i++)
            PUT(i < nd ? digits[i] : '0');
        PUT('.');
        if (nd <= exp + 1)
            PUT('0');
        for (int i = exp + 1; i < nd; i++)
            PUT(digits[i]);
    }
#undef PUT
    *o = 0;
}

/* The range of a histogram with equal bins: the one supplied, or the
 * data's (NumPy's _get_outer_edges).  *f32diff says that NumPy takes the
 * range's width in float32 arithmetic (a float32 range from the data). */
static loom_status hist_range(rt_call *c, const rt_view *a, double *first,
                              double *last, bool *f32diff)
{
    bool single = a->dtype == LOOM_FLOAT32;
    char lo[48], hi[48];
    *f32diff = false;
    if (!c->node->attr[4]) {
        memcpy(first, &c->node->attr[5], 8);
        memcpy(last, &c->node->attr[6], 8);
        if (isfinite(*first) && isfinite(*last))
            return LOOM_OK;
        py_repr(lo, sizeof lo, *first, false);
        py_repr(hi, sizeof hi, *last, false);
        snprintf(c->msg, sizeof c->msg,
                 "supplied range of [%s, %s] is not finite", lo, hi);
        return LOOM_ERR_VALUE;
    }
    int64_t len = a->shape[0];
    if (len == 0) {
        *first = 0;
        *last = 1;
        return LOOM_OK;
    }
    double mn = elem_f(a, 0), mx = mn;
    for (int64_t i = 1; i < len; i++) {
        double x = elem_f(a, i);
        if (x != x || mn != mn)
            mn = mx = NAN;
        else if (x < mn)
            mn = x;
        else if (x > mx)
            mx = x;
    }
    if (!isfinite(mn) || !isfinite(mx)) {
        py_repr(lo, sizeof lo, mn, single);
        py_repr(hi, sizeof hi, mx, single);
        snprintf(c->msg, sizeof c->msg,
                 "autodetected range of [%s, %s] is not finite", lo, hi);
        return LOOM_ERR_VALUE;
    }
    if (mn == mx) {
        mn -= 0.5;
        mx += 0.5;
    } else {
        *f32diff = single;
    }
    *first = mn;
    *last = mx;
    return LOOM_OK;
}

/*
 * Equal bins (NumPy's fast path): edges = linspace(first, last, bins + 1)
 * computed in float64 and rounded to the edge dtype (float32 for float32
 * data, else float64), into ed (bins + 1); *norm is the scale from an
 * offset to a bin number, in the edge dtype.
 */
static loom_status equal_edges(rt_call *c, const rt_view *a, double *ed,
                               double *norm)
{
    int64_t bins = c->node->attr[1];
    bool single = a->dtype == LOOM_FLOAT32, f32diff;
    double first, last;
    loom_status s = hist_range(c, a, &first, &last, &f32diff);
    if (s)
        return s;
    double delta = last - first, step = delta / (double)bins;
    for (int64_t i = 0; i < bins; i++) {
        double y = step == 0 ? (double)i / (double)bins * delta + first
                             : (double)i * step + first;
        ed[i] = single ? (double)(float)y : y;
    }
    ed[bins] = single ? (double)(float)last : last;
    *norm = (double)bins /
            (f32diff ? (double)((float)last - (float)first) : delta);
    if (single)
        *norm = (float)*norm;
    return LOOM_OK;
}

/* Elements [b0, b0 + m) of the 1-D view v as doubles, into dst. */
static void load_block(const rt_view *v, int64_t b0, int64_t m, double *dst)
{
    int64_t st = v->strides[0];
#define LOAD(T)                                                              \
    do {                                                                     \
        const T *p = (const T *)v->data + b0 * st;                           \
        for (int64_t i = 0; i < m; i++)                                      \
            dst[i] = (double)p[i * st];                                      \
    } while (0)
    switch (v->dtype) {
    case LOOM_BOOL: LOAD(uint8_t); for (int64_t i = 0; i < m; i++) dst[i] = dst[i] != 0; break;
    case LOOM_INT32: LOAD(int32_t); break;
    case LOOM_INT64: LOAD(int64_t); break;
    case LOOM_FLOAT32: LOAD(float); break;
    default: LOAD(double); break;
    }
#undef LOAD
}

/*
 * Counts over equal bins: an element inside [first, last] gets the bin
 * its scaled offset names, corrected by one either way against the edges
 * ed; weights are summed in float64 per block of HIST_BLOCK elements.
 * ed (bins + 1) and n (bins) are the caller's, xb and wb HIST_BLOCK
 * doubles of scratch, bsum bins doubles.
 */
static loom_status hist_equal(rt_call *c, const rt_view *a, const rt_view *w,
                              loom_dtype ntype, double *ed, acc *n,
                              double *xb, double *wb, double *bsum)
{
    int64_t bins = c->node->attr[1], len = a->shape[0];
    bool single = a->dtype == LOOM_FLOAT32;
    double norm;
    loom_status s = equal_edges(c, a, ed, &norm);
    if (s)
        return s;
    double lo = ed[0], hi = ed[bins];
    float lof = (float)lo, normf = (float)norm;
    memset(n, 0, (size_t)bins * sizeof *n);
    for (int64_t b0 = 0; b0 < len; b0 += HIST_BLOCK) {
        int64_t m = len - b0 > HIST_BLOCK ? HIST_BLOCK : len - b0;
        load_block(a, b0, m, xb);
        if (w) {
            load_block(w, b0, m, wb);
            memset(bsum, 0, (size_t)bins * 8);
        }
        for (int64_t i = 0; i < m; i++) {
            double x = xb[i];
            if (!(x >= lo && x <= hi))
                continue;
            double f = single ? (double)(((float)x - lof) * normf)
                              : (x - lo) * norm;
            int64_t k = f >= (double)bins ? bins - 1 : (int64_t)f;
            if (x < ed[k])
                k--;
            else if (k != bins - 1 && x >= ed[k + 1])
                k++;
            k = k < 0 ? 0 : k;
            if (w)
                bsum[k] += wb[i];
            else
                n[k].i++;
        }
        for (int64_t k = 0; w && k < bins; k++)
            acc_add(&n[k], ntype, bsum[k]);
    }
    return LOOM_OK;
}

/* Scratch of the explicit-edge path. */
typedef struct histbuf {
    char *vals, *sorted;
    int64_t *perm, *pos;
    acc *cw, *cum;
    void *scratch;
} histbuf;

/*
 * Explicit edges e (ne >= 1, a's dtype t; NumPy's cumulative path): per
 * block, the sorted values are searched for every edge (the last one
 * inclusively) and the counts below each edge -- or the cumulative sums
 * of the weights in sorted order -- added up; the bins are the
 * differences.  Writes n[ne - 1].
 */
static void hist_edges(const rt_view *a, const rt_view *w, const char *e,
                       int64_t ne, loom_dtype ntype, const histbuf *hb,
                       acc *n)
{
    loom_dtype t = a->dtype;
    size_t es = rt_view_esize(a);
    int64_t len = a->shape[0];
    memset(hb->cum, 0, (size_t)ne * sizeof *hb->cum);
    for (int64_t b0 = 0; b0 < len; b0 += HIST_BLOCK) {
        int64_t m = len - b0 > HIST_BLOCK ? HIST_BLOCK : len - b0;
        get_row(a->data + b0 * a->strides[0] * (int64_t)es, a->strides[0], m,
                es, hb->vals);
        const char *sorted = hb->vals;
        if (w) {
            rt_argsort(t, hb->vals, m, hb->perm, hb->scratch);
            hb->cw[0].i = 0; /* all bits zero: 0 in every member */
            for (int64_t i = 0; i < m; i++) {
                memcpy(hb->sorted + (size_t)i * es,
                       hb->vals + (size_t)hb->perm[i] * es, es);
                hb->cw[i + 1] = hb->cw[i];
                acc_plus(&hb->cw[i + 1], acc_of(w, b0 + hb->perm[i], ntype),
                         ntype);
            }
            sorted = hb->sorted;
        } else {
            rt_sort(t, hb->vals, m, hb->scratch);
        }
        rt_searchsorted(t, sorted, m, NULL, e, ne - 1, false, hb->pos);
        rt_searchsorted(t, sorted, m, NULL, e + (size_t)(ne - 1) * es, 1, true,
                        hb->pos + ne - 1);
        for (int64_t j = 0; j < ne; j++) {
            if (w) {
                acc_plus(&hb->cum[j], hb->cw[hb->pos[j]], ntype);
            } else {
                hb->cum[j].i += hb->pos[j];
            }
        }
    }
    for (int64_t j = 0; j + 1 < ne; j++)
        n[j] = acc_sub(hb->cum[j + 1], hb->cum[j], w ? ntype : LOOM_INT64);
}

/* diff(edges) as float64, the differences taken in the edges' dtype. */
static void edge_diffs(const rt_view *eo, int64_t ne, double *db)
{
    for (int64_t i = 0; i + 1 < ne; i++) {
        switch (eo->dtype) {
        case LOOM_FLOAT32:
            db[i] = (float)elem_f(eo, i + 1) - (float)elem_f(eo, i);
            break;
        case LOOM_FLOAT64:
            db[i] = elem_f(eo, i + 1) - elem_f(eo, i);
            break;
        case LOOM_INT32:
            db[i] = (int32_t)(uint32_t)((uint64_t)elem_i(eo, i + 1) -
                                        (uint64_t)elem_i(eo, i));
            break;
        default:
            db[i] = (double)(int64_t)((uint64_t)elem_i(eo, i + 1) -
                                      (uint64_t)elem_i(eo, i));
            break;
        }
    }
}

/* The edges of equal bins alone (a node of their own, so that either
 * result can be evaluated after the other). */
static loom_status hist_edges_only(rt_call *c)
{
    const rt_view *a = &c->in[0], *o = &c->out[0];
    int64_t ne = c->node->attr[1] + 1;
    if (!o->data)
        return LOOM_OK;
    double *ed = rt_malloc(&c->ctx->alloc, (size_t)ne * 8), norm;
    if (!ed) {
        snprintf(c->msg, sizeof c->msg, "histogram: out of memory");
        return LOOM_ERR_MEMORY;
    }
    loom_status s = equal_edges(c, a, ed, &norm);
    for (int64_t i = 0; !s && i < ne; i++) {
        if (o->dtype == LOOM_FLOAT32)
            ((float *)o->data)[i] = (float)ed[i];
        else
            ((double *)o->data)[i] = ed[i];
    }
    rt_free(&c->ctx->alloc, ed, (size_t)ne * 8);
    return s;
}

loom_status rt_call_histogram(rt_call *c)
{
    const int64_t *at = c->node->attr;
    if (at[7])
        return hist_edges_only(c);
    bool weighted = at[2] != 0, density = at[3] != 0;
    const rt_view *a = &c->in[0], *w = weighted ? &c->in[1] : NULL;
    const rt_view *e = NULL, *eo = NULL;
    loom_dtype ntype = weighted ? w->dtype : LOOM_INT64;
    int64_t bins = at[1], ne = bins + 1;
    if (bins == 0) {
        e = &c->in[1 + weighted];
        eo = &c->in[2 + weighted];
        ne = e->shape[0];
    }
    int64_t nb = ne > 0 ? ne - 1 : 0;
    size_t es = rt_view_esize(a);
    int64_t blk = a->shape[0] < HIST_BLOCK ? a->shape[0] : HIST_BLOCK;
    /* one block of scratch: counts, edges, diffs, block sums, a block of
     * values and one of weights (or of sorted values), and for explicit
     * edges the permutation, cumulative weights, search results, edge
     * copy and sort scratch */
    size_t bytes = 0, off[12];
    int64_t cnt[12] = {nb, ne, nb, bins ? nb : 0, blk, blk, bins ? 0 : blk,
                       bins ? 0 : blk + 1, bins ? 0 : ne, bins ? 0 : ne,
                       bins ? 0 : ne, 0};
    size_t sz[12] = {8, 8, 8, 8, 8, 8, 8, 8, 8, 8, es, 1};
    cnt[11] = bins ? 0 : (int64_t)rt_argsort_scratch(a->dtype, blk);
    for (int k = 0; k < 12; k++) {
        off[k] = bytes;
        if (!add_part(&bytes, cnt[k], sz[k]))
            return too_big(c);
    }
    char *mem = rt_malloc(&c->ctx->alloc, bytes ? bytes : 1);
    if (!mem) {
        snprintf(c->msg, sizeof c->msg, "histogram: out of memory");
        return LOOM_ERR_MEMORY;
    }
    acc *n = (acc *)(mem + off[0]);
    double *ed = (double *)(mem + off[1]), *db = (double *)(mem + off[2]);
    loom_status s = LOOM_OK;
    if (bins) {
        s = hist_equal(c, a, w, ntype, ed, n, (double *)(mem + off[4]),
                       (double *)(mem + off[5]), (double *)(mem + off[3]));
        for (int64_t i = 0; !s && density && i < bins; i++)
            db[i] = a->dtype == LOOM_FLOAT32
                        ? (double)((float)ed[i + 1] - (float)ed[i])
                        : ed[i + 1] - ed[i];
    } else if (ne > 0) {
        histbuf hb = {mem + off[4], mem + off[5], (int64_t *)(mem + off[6]),
                      (int64_t *)(mem + off[8]), (acc *)(mem + off[7]),
                      (acc *)(mem + off[9]), mem + off[11]};
        char *ec = mem + off[10];
        get_row(e->data, e->strides[0], ne, es, ec);
        hist_edges(a, w, ec, ne, ntype, &hb, n);
        if (density)
            edge_diffs(eo, ne, db);
    }
    if (!s && c->out[0].data)
        hist_out(&c->out[0], n, nb, ntype, density ? db : NULL);
    rt_free(&c->ctx->alloc, mem, bytes ? bytes : 1);
    return s;
}
