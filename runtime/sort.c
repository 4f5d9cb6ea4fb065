/*
 * sort.c -- sorting, selection and searching kernels (see sort.h).
 *
 * Every algorithm is written once, over an element "kind" that says how an
 * element is stored and how its order key is made, and instantiated per
 * kind by always-inline calls with a constant kind (the switches fold
 * away).  A key is an unsigned integer whose natural order is NumPy's order
 * of the values (sort.h): keys of equal values are equal, so one integer
 * comparison replaces the NaN-aware float comparison, and radix sort can
 * take digits of it.
 *
 * Elements are addressed directly (the row's own values, or packed
 * records) or indirectly (int64 indices into a row; the key is the row
 * element's, ties broken by the index so that the order is total).
 */
#include "runtime/sort.h"

#include <string.h>

#define ALWAYS_INLINE static inline __attribute__((always_inline))

typedef enum kind {
    K_B8,   /* bool byte: key 0 or 1 */
    K_I32,
    K_F32,
    K_I64,
    K_F64,
    K_U64,  /* a 64-bit record that is its own key */
    K_PK32  /* a 64-bit record: key in the top 32 bits, index below */
} kind;

/* Short rows: insertion sort up to RUN elements, merge sort below
 * radix_min(), radix sort from there (measured crossovers). */
#define RUN 16
/* Radix digits: 11 bits for long rows, 8 bits for short ones (fewer
 * buckets to clear and sum; one more pass). */
#define WIDE_MIN 2048
#define MAX_BUCKETS 2048

ALWAYS_INLINE size_t kind_width(kind k)
{
    return k == K_B8 ? 1 : (k == K_I32 || k == K_F32) ? 4 : 8;
}

ALWAYS_INLINE size_t radix_min(kind k)
{
    return kind_width(k) == 4 ? 48 : 80;
}

/* Significant key bits, for the radix digit count. */
ALWAYS_INLINE int key_bits(kind k)
{
    return k == K_B8 ? 1 : (k == K_I32 || k == K_F32 || k == K_PK32) ? 32 : 64;
}

/* Float keys: flip negative values entirely and set the sign bit of
 * positive ones, after mapping -0.0 to 0.0 and every NaN to the maximum. */
ALWAYS_INLINE uint32_t key_f32(uint32_t u)
{
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return 0xffffffffu;
    if (u == 0x80000000u)
        u = 0;
    return u ^ ((uint32_t)((int32_t)u >> 31) | 0x80000000u);
}

ALWAYS_INLINE uint64_t key_f64(uint64_t u)
{
    if ((u & 0x7fffffffffffffffull) > 0x7ff0000000000000ull)
        return ~0ull;
    if (u == 0x8000000000000000ull)
        u = 0;
    return u ^ ((uint64_t)((int64_t)u >> 63) | 0x8000000000000000ull);
}

ALWAYS_INLINE uint64_t key_of(uint64_t raw, kind k)
{
    switch (k) {
    case K_B8: return raw != 0;
    case K_I32: return (uint32_t)raw ^ 0x80000000u;
    case K_F32: return key_f32((uint32_t)raw);
    case K_I64: return raw ^ 0x8000000000000000ull;
    case K_F64: return key_f64(raw);
    case K_U64: return raw;
    case K_PK32: return raw >> 32;
    }
    return 0;
}

/* Raw bits of element i of an array of elements w bytes wide.  memcpy
 * keeps float rows read as integers clear of strict aliasing; it compiles
 * to a plain load or store. */
ALWAYS_INLINE uint64_t get(const void *base, size_t i, size_t w)
{
    if (w == 1)
        return ((const uint8_t *)base)[i];
    if (w == 4) {
        uint32_t u;
        memcpy(&u, (const char *)base + 4 * i, 4);
        return u;
    }
    uint64_t u;
    memcpy(&u, (const char *)base + 8 * i, 8);
    return u;
}

ALWAYS_INLINE void put(void *base, size_t i, size_t w, uint64_t x)
{
    if (w == 1) {
        ((uint8_t *)base)[i] = (uint8_t)x;
    } else if (w == 4) {
        uint32_t u = (uint32_t)x;
        memcpy((char *)base + 4 * i, &u, 4);
    } else {
        memcpy((char *)base + 8 * i, &x, 8);
    }
}

ALWAYS_INLINE uint64_t row_key(const void *row, size_t i, kind k)
{
    return key_of(get(row, i, kind_width(k)), k);
}

/* ------------------------------------------------------------------------
 * Comparison sorts over direct or indirect elements
 * ------------------------------------------------------------------------ */

/* Width of the stored elements: the kind's, or 8 for int64 indices. */
ALWAYS_INLINE size_t ewidth(kind k, bool ind)
{
    return ind ? 8 : kind_width(k);
}

/* x < y for stored elements x, y.  Indirect elements compare by the row's
 * key, then by index: a total order, and the stable one. */
ALWAYS_INLINE bool less(uint64_t x, uint64_t y, const void *row, kind k,
                        bool ind)
{
    if (!ind)
        return key_of(x, k) < key_of(y, k);
    uint64_t kx = row_key(row, x, k), ky = row_key(row, y, k);
    return kx < ky || (kx == ky && x < y);
}

/* Stable insertion sort of base[lo, hi). */
ALWAYS_INLINE void insertion(void *base, const void *row, size_t lo,
                             size_t hi, kind k, bool ind)
{
    size_t w = ewidth(k, ind);
    for (size_t i = lo + 1; i < hi; i++) {
        uint64_t x = get(base, i, w);
        size_t j = i;
        for (; j > lo; j--) {
            uint64_t y = get(base, j - 1, w);
            if (!less(x, y, row, k, ind))
                break;
            put(base, j, w, y);
        }
        put(base, j, w, x);
    }
}

/* Merges sorted src[lo, mid) and src[mid, hi) into dst[lo, hi), stably. */
ALWAYS_INLINE void merge(const void *src, void *dst, const void *row,
                         size_t lo, size_t mid, size_t hi, kind k, bool ind)
{
    size_t w = ewidth(k, ind), i = lo, j = mid, o = lo;
    if (mid == hi || !less(get(src, mid, w), get(src, mid - 1, w), row, k,
                           ind)) {
        memcpy((char *)dst + lo * w, (const char *)src + lo * w,
               (hi - lo) * w); /* already in order */
        return;
    }
    while (i < mid && j < hi) {
        uint64_t a = get(src, i, w), b = get(src, j, w);
        if (less(b, a, row, k, ind)) {
            put(dst, o++, w, b);
            j++;
        } else {
            put(dst, o++, w, a);
            i++;
        }
    }
    memcpy((char *)dst + o * w, (const char *)src + i * w, (mid - i) * w);
    o += mid - i;
    memcpy((char *)dst + o * w, (const char *)src + j * w, (hi - j) * w);
}

/* Stable bottom-up merge sort of base[0, n) using buf (n elements). */
ALWAYS_INLINE void merge_sort(void *base, void *buf, const void *row,
                              size_t n, kind k, bool ind)
{
    size_t w = ewidth(k, ind);
    for (size_t lo = 0; lo < n; lo += RUN)
        insertion(base, row, lo, lo + RUN < n ? lo + RUN : n, k, ind);
    void *src = base, *dst = buf;
    for (size_t width = RUN; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            merge(src, dst, row, lo, mid, hi, k, ind);
        }
        void *t = src;
        src = dst;
        dst = t;
    }
    if (src != base)
        memcpy(base, src, n * w);
}

/* ------------------------------------------------------------------------
 * LSD radix sort
 *
 * One pass counts every digit's histogram; a digit on which all keys agree
 * (its bucket holds n) is skipped; each remaining digit is a stable
 * scatter from one buffer to the other.  db is the digit width (a constant
 * at each instantiation); hist holds ndigits << db counters, in the
 * caller's scratch rather than on a worker's stack.
 * ------------------------------------------------------------------------ */

ALWAYS_INLINE int ndigits(kind k, int db)
{
    return (key_bits(k) + db - 1) / db;
}

ALWAYS_INLINE size_t digit(uint64_t key, int d, int db)
{
    return (size_t)(key >> (d * db)) & (((size_t)1 << db) - 1);
}

ALWAYS_INLINE void count_key(size_t *hist, uint64_t key, kind k, int db)
{
    for (int d = 0; d < ndigits(k, db); d++)
        hist[((size_t)d << db) + digit(key, d, db)]++;
}

ALWAYS_INLINE void clear_hist(size_t *hist, kind k, int db)
{
    memset(hist, 0, sizeof(size_t) * ((size_t)ndigits(k, db) << db));
}

/* Turns counts into starting offsets; returns false (nothing to do) for a
 * digit on which all n keys agree. */
ALWAYS_INLINE bool hist_offsets(size_t *h, size_t n, uint64_t key0, int d,
                               int db)
{
    if (h[digit(key0, d, db)] == n)
        return false;
    size_t sum = 0;
    for (size_t b = 0; b < ((size_t)1 << db); b++) {
        size_t c = h[b];
        h[b] = sum;
        sum += c;
    }
    return true;
}

/* Sorts a[0, n) by key with counts already in hist, ping-ponging with buf.
 * Returns where the result is (a or buf). */
ALWAYS_INLINE void *radix_passes(void *a, void *buf, size_t *hist, size_t n,
                                 kind k, int db)
{
    size_t w = kind_width(k);
    void *src = a, *dst = buf;
    uint64_t key0 = key_of(get(a, 0, w), k);
    for (int d = 0; d < ndigits(k, db); d++) {
        size_t *off = hist + ((size_t)d << db);
        if (!hist_offsets(off, n, key0, d, db))
            continue;
        for (size_t i = 0; i < n; i++) {
            uint64_t x = get(src, i, w);
            put(dst, off[digit(key_of(x, k), d, db)]++, w, x);
        }
        void *t = src;
        src = dst;
        dst = t;
    }
    return src;
}

ALWAYS_INLINE void radix_sort(void *a, void *buf, size_t *hist, size_t n,
                              kind k, int db)
{
    size_t w = kind_width(k);
    clear_hist(hist, k, db);
    for (size_t i = 0; i < n; i++)
        count_key(hist, key_of(get(a, i, w), k), k, db);
    void *res = radix_passes(a, buf, hist, n, k, db);
    if (res != a)
        memcpy(a, res, n * w);
}

/* Stable argsort of a 4-byte-key row with n < 2^32: records key << 32 |
 * index, built in idx itself, sorted by the key digits with scratch as the
 * other buffer, then unpacked in place or copied back. */
ALWAYS_INLINE void argsort_packed(const void *row, size_t n, int64_t *idx,
                                  void *scratch, kind k, int db)
{
    uint64_t *rec = (uint64_t *)idx;
    uint64_t *buf = scratch;
    size_t *hist = (size_t *)(buf + n);
    bool big = n >= radix_min(k);
    if (big)
        clear_hist(hist, K_PK32, db);
    for (size_t i = 0; i < n; i++) {
        uint64_t key = row_key(row, i, k);
        rec[i] = key << 32 | i;
        if (big)
            count_key(hist, key, K_PK32, db);
    }
    const uint64_t *res = rec;
    if (big)
        res = radix_passes(rec, buf, hist, n, K_PK32, db);
    else
        merge_sort(rec, buf, NULL, n, K_U64, false);
    for (size_t i = 0; i < n; i++)
        idx[i] = (int64_t)(res[i] & 0xffffffffu);
}

/* Stable argsort of any row as (key, index) pairs in parallel arrays: keys
 * in scratch[0, n) and [n, 2n), indices in idx and scratch[2n, 3n). */
ALWAYS_INLINE void argsort_pairs(const void *row, size_t n, int64_t *idx,
                                 void *scratch, kind k, int db)
{
    if (n < radix_min(k)) {
        for (size_t i = 0; i < n; i++)
            idx[i] = (int64_t)i;
        merge_sort(idx, scratch, row, n, k, true);
        return;
    }
    uint64_t *k0 = scratch, *k1 = k0 + n, *i0 = (uint64_t *)idx,
             *i1 = k1 + n;
    size_t *hist = (size_t *)(i1 + n);
    clear_hist(hist, K_U64, db);
    for (size_t i = 0; i < n; i++) {
        k0[i] = row_key(row, i, k);
        i0[i] = i;
        count_key(hist, k0[i], K_U64, db);
    }
    for (int d = 0; d < ndigits(K_U64, db); d++) {
        size_t *off = hist + ((size_t)d << db);
        if (!hist_offsets(off, n, k0[0], d, db))
            continue;
        for (size_t i = 0; i < n; i++) {
            size_t o = off[digit(k0[i], d, db)]++;
            k1[o] = k0[i];
            i1[o] = i0[i];
        }
        uint64_t *t = k0;
        k0 = k1;
        k1 = t;
        t = i0;
        i0 = i1;
        i1 = t;
    }
    if (i0 != (uint64_t *)idx)
        memcpy(idx, i0, n * sizeof(int64_t));
}

/* ------------------------------------------------------------------------
 * Sorting entry points
 * ------------------------------------------------------------------------ */

/* Histogram bytes: room for 11-bit digits (more than 8-bit ones need). */
static size_t hist_bytes(kind k)
{
    return sizeof(size_t) * MAX_BUCKETS * (size_t)ndigits(k, 11);
}

static kind kind_of(loom_dtype t)
{
    static const kind map[] = {K_B8, K_I32, K_I64, K_F32, K_F64};
    return map[t];
}

/* Rounds a byte count up to a multiple of 64 so that what follows in the
 * scratch stays aligned. */
static size_t round64(size_t n)
{
    return (n + 63) & ~(size_t)63;
}

size_t rt_sort_scratch(loom_dtype t, int64_t n64)
{
    if (t == LOOM_BOOL || n64 <= RUN)
        return 0;
    kind k = kind_of(t);
    size_t n = (size_t)n64, bytes = n * kind_width(k);
    return n < radix_min(k) ? bytes : round64(bytes) + hist_bytes(k);
}

size_t rt_argsort_scratch(loom_dtype t, int64_t n64)
{
    if (t == LOOM_BOOL || n64 <= 0)
        return 0;
    kind k = kind_of(t);
    size_t n = (size_t)n64;
    if (n < radix_min(k))
        return n * 8; /* the merge buffer */
    if (kind_width(k) == 4 && n < (1ull << 32))
        return n * 8 + hist_bytes(K_PK32);
    return n * 24 + hist_bytes(K_U64);
}

/* Moves the zero bytes of a bool row before the nonzero ones, stably. */
static void sort_bool(uint8_t *a, size_t n)
{
    size_t w = n;
    for (size_t i = n; i-- > 0;)
        if (a[i])
            a[--w] = a[i];
    memset(a, 0, w);
}

static void argsort_bool(const uint8_t *a, size_t n, int64_t *idx)
{
    size_t zeros = 0;
    for (size_t i = 0; i < n; i++)
        zeros += a[i] == 0;
    size_t p0 = 0, p1 = zeros;
    for (size_t i = 0; i < n; i++)
        idx[a[i] ? p1++ : p0++] = (int64_t)i;
}

ALWAYS_INLINE void sort_values(void *row, size_t n, void *scratch, kind k)
{
    if (n <= RUN)
        insertion(row, NULL, 0, n, k, false);
    else if (n < radix_min(k))
        merge_sort(row, scratch, NULL, n, k, false);
    else if (n < WIDE_MIN)
        radix_sort(row, scratch,
                   (size_t *)((char *)scratch + round64(n * kind_width(k))),
                   n, k, 8);
    else
        radix_sort(row, scratch,
                   (size_t *)((char *)scratch + round64(n * kind_width(k))),
                   n, k, 11);
}

static void sort_i32(void *r, size_t n, void *s) { sort_values(r, n, s, K_I32); }
static void sort_f32(void *r, size_t n, void *s) { sort_values(r, n, s, K_F32); }
static void sort_i64(void *r, size_t n, void *s) { sort_values(r, n, s, K_I64); }
static void sort_f64(void *r, size_t n, void *s) { sort_values(r, n, s, K_F64); }

void rt_sort(loom_dtype t, void *row, int64_t n, void *scratch)
{
    if (n < 2)
        return;
    switch (t) {
    case LOOM_BOOL: sort_bool(row, (size_t)n); break;
    case LOOM_INT32: sort_i32(row, (size_t)n, scratch); break;
    case LOOM_INT64: sort_i64(row, (size_t)n, scratch); break;
    case LOOM_FLOAT32: sort_f32(row, (size_t)n, scratch); break;
    case LOOM_FLOAT64: sort_f64(row, (size_t)n, scratch); break;
    default: break;
    }
}

/* 4-byte keys pack with their index while n < 2^32; 8-bit digits for
 * short rows, 11-bit ones for long rows. */
#define ARGSORT_FN(name, K)                                                  \
    static void name(const void *r, size_t n, int64_t *x, void *s)          \
    {                                                                        \
        if (kind_width(K) == 8 || n >= (1ull << 32))                         \
            n < WIDE_MIN ? argsort_pairs(r, n, x, s, K, 8)                   \
                         : argsort_pairs(r, n, x, s, K, 11);                 \
        else                                                                 \
            n < WIDE_MIN ? argsort_packed(r, n, x, s, K, 8)                  \
                         : argsort_packed(r, n, x, s, K, 11);                \
    }
ARGSORT_FN(argsort_i32, K_I32)
ARGSORT_FN(argsort_f32, K_F32)
ARGSORT_FN(argsort_i64, K_I64)
ARGSORT_FN(argsort_f64, K_F64)

void rt_argsort(loom_dtype t, const void *row, int64_t n, int64_t *idx,
                void *scratch)
{
    if (n <= 0)
        return;
    switch (t) {
    case LOOM_BOOL: argsort_bool(row, (size_t)n, idx); break;
    case LOOM_INT32: argsort_i32(row, (size_t)n, idx, scratch); break;
    case LOOM_INT64: argsort_i64(row, (size_t)n, idx, scratch); break;
    case LOOM_FLOAT32: argsort_f32(row, (size_t)n, idx, scratch); break;
    case LOOM_FLOAT64: argsort_f64(row, (size_t)n, idx, scratch); break;
    default: break;
    }
}

loom_status rt_sort_alloc(const rt_alloc *a, loom_dtype t, void *row,
                          int64_t n)
{
    size_t bytes = rt_sort_scratch(t, n);
    void *s = bytes ? rt_malloc(a, bytes) : NULL;
    if (bytes && !s)
        return LOOM_ERR_MEMORY;
    rt_sort(t, row, n, s);
    if (s)
        rt_free(a, s, bytes);
    return LOOM_OK;
}

loom_status rt_argsort_alloc(const rt_alloc *a, loom_dtype t,
                             const void *row, int64_t n, int64_t *idx)
{
    size_t bytes = rt_argsort_scratch(t, n);
    void *s = bytes ? rt_malloc(a, bytes) : NULL;
    if (bytes && !s)
        return LOOM_ERR_MEMORY;
    rt_argsort(t, row, n, idx, s);
    if (s)
        rt_free(a, s, bytes);
    return LOOM_OK;
}

/* ------------------------------------------------------------------------
 * Selection
 * ------------------------------------------------------------------------ */

ALWAYS_INLINE void swap_el(void *base, size_t i, size_t j, size_t w)
{
    uint64_t x = get(base, i, w);
    put(base, i, w, get(base, j, w));
    put(base, j, w, x);
}

/* Heapsort of base[lo, hi): the O(n log n) fallback of introselect. */
ALWAYS_INLINE void heap_sort(void *base, const void *row, size_t lo,
                             size_t hi, kind k, bool ind)
{
    size_t w = ewidth(k, ind), n = hi - lo;
    char *b = (char *)base + lo * w;
    for (size_t end = n, start = n / 2;;) {
        size_t root;
        if (start > 0) {
            root = --start; /* building the heap */
        } else {
            if (--end == 0)
                break;
            swap_el(b, 0, end, w); /* max to its place */
            root = 0;
        }
        uint64_t x = get(b, root, w);
        for (size_t c; (c = 2 * root + 1) < end; root = c) {
            if (c + 1 < end && less(get(b, c, w), get(b, c + 1, w), row, k,
                                    ind))
                c++;
            if (!less(x, get(b, c, w), row, k, ind))
                break;
            put(b, root, w, get(b, c, w));
        }
        put(b, root, w, x);
    }
}

/* Index of the median of base[i], base[j], base[l]. */
ALWAYS_INLINE size_t median3(const void *base, const void *row, size_t i,
                             size_t j, size_t l, kind kd, bool ind)
{
    size_t w = ewidth(kd, ind);
    uint64_t a = get(base, i, w), b = get(base, j, w), c = get(base, l, w);
    if (less(a, b, row, kd, ind))
        return less(b, c, row, kd, ind) ? j : less(a, c, row, kd, ind) ? l : i;
    return less(a, c, row, kd, ind) ? i : less(b, c, row, kd, ind) ? l : j;
}

/* Places at k the element a full sort of base[lo, hi) puts there, with
 * nothing greater before and nothing smaller after.  Quickselect: the
 * pivot is the median of 3 (of 3 medians of 3 -- Tukey's ninther -- on
 * long ranges, which defuses organ pipes and sawtooths), moved to hi - 2
 * between sentinels at lo and hi - 1; the Hoare scans stop on elements
 * equal to the pivot, so runs of duplicates split evenly.  When the range
 * has not shrunk to a fraction after 2 log2(n) rounds, heapsort finishes
 * it: O(n log n) worst case. */
ALWAYS_INLINE void introselect(void *base, const void *row, size_t lo,
                               size_t hi, size_t k, kind kd, bool ind)
{
    size_t w = ewidth(kd, ind);
    int depth = 2;
    for (size_t m = hi - lo; m > 1; m >>= 1)
        depth += 2;
    while (hi - lo > RUN) {
        if (depth-- == 0) {
            heap_sort(base, row, lo, hi, kd, ind);
            return;
        }
        size_t n = hi - lo, mid = lo + n / 2, p;
        if (n > 128) {
            size_t e = n / 8;
            p = median3(base, row,
                        median3(base, row, lo + 1, lo + e, lo + 2 * e, kd, ind),
                        median3(base, row, mid - e, mid, mid + e, kd, ind),
                        median3(base, row, hi - 1 - 2 * e, hi - 1 - e, hi - 2,
                                kd, ind), kd, ind);
        } else {
            p = median3(base, row, lo + 1, mid, hi - 2, kd, ind);
        }
        /* sentinels: base[lo] <= pivot <= base[hi - 1]; pivot at hi - 2 */
        swap_el(base, p, hi - 2, w);
        uint64_t pv = get(base, hi - 2, w);
        if (less(pv, get(base, lo, w), row, kd, ind))
            swap_el(base, lo, hi - 2, w);
        if (less(get(base, hi - 1, w), get(base, hi - 2, w), row, kd, ind))
            swap_el(base, hi - 1, hi - 2, w);
        if (less(get(base, hi - 2, w), get(base, lo, w), row, kd, ind))
            swap_el(base, lo, hi - 2, w);
        pv = get(base, hi - 2, w);
        size_t i = lo, j = hi - 2;
        for (;;) {
            while (less(get(base, ++i, w), pv, row, kd, ind))
                ;
            while (less(pv, get(base, --j, w), row, kd, ind))
                ;
            if (i >= j)
                break;
            swap_el(base, i, j, w);
        }
        swap_el(base, i, hi - 2, w); /* the pivot to its place */
        if (k == i)
            return;
        if (k < i)
            hi = i;
        else
            lo = i + 1;
    }
    insertion(base, row, lo, hi, kd, ind);
}

/* One instantiation per stored-element kind in use. */
static void select_one(void *base, const void *row, size_t lo, size_t hi,
                       size_t k, kind kd, bool ind)
{
    if (ind) {
        switch (kd) {
        case K_I32: introselect(base, row, lo, hi, k, K_I32, true); break;
        case K_F32: introselect(base, row, lo, hi, k, K_F32, true); break;
        case K_I64: introselect(base, row, lo, hi, k, K_I64, true); break;
        case K_F64: introselect(base, row, lo, hi, k, K_F64, true); break;
        default: break;
        }
        return;
    }
    switch (kd) {
    case K_B8: introselect(base, NULL, lo, hi, k, K_B8, false); break;
    case K_I32: introselect(base, NULL, lo, hi, k, K_I32, false); break;
    case K_F32: introselect(base, NULL, lo, hi, k, K_F32, false); break;
    case K_I64: introselect(base, NULL, lo, hi, k, K_I64, false); break;
    case K_F64: introselect(base, NULL, lo, hi, k, K_F64, false); break;
    case K_U64: introselect(base, NULL, lo, hi, k, K_U64, false); break;
    default: break;
    }
}

/* Selects every kth[0..nk) (ascending, inside [lo, hi)): the middle one
 * first, then the lower ones within [lo, k) and the upper ones within
 * (k, hi), so each level of the recursion costs O(hi - lo). */
static void select_many(void *base, const void *row, size_t lo, size_t hi,
                        const int64_t *kth, size_t nk, kind kd, bool ind)
{
    while (nk > 0) {
        size_t m = nk / 2, k = (size_t)kth[m];
        select_one(base, row, lo, hi, k, kd, ind);
        size_t l = m;
        while (l > 0 && (size_t)kth[l - 1] >= k)
            l--;
        select_many(base, row, lo, k, kth, l, kd, ind);
        size_t r = m + 1;
        while (r < nk && (size_t)kth[r] <= k)
            r++;
        lo = k + 1;
        kth += r;
        nk -= r;
    }
}

void rt_partition(loom_dtype t, void *row, int64_t n, const int64_t *kth,
                  int64_t nkth)
{
    if (n < 2 || nkth <= 0)
        return;
    if (t == LOOM_BOOL)
        sort_bool(row, (size_t)n);
    else
        select_many(row, NULL, 0, (size_t)n, kth, (size_t)nkth, kind_of(t),
                    false);
}

void rt_argpartition(loom_dtype t, const void *row, int64_t n,
                     const int64_t *kth, int64_t nkth, int64_t *idx)
{
    if (n <= 0)
        return;
    kind k = kind_of(t);
    if (t == LOOM_BOOL) {
        argsort_bool(row, (size_t)n, idx);
    } else if (kind_width(k) == 4 && (uint64_t)n < (1ull << 32)) {
        /* packed records key << 32 | index: a direct, total order */
        uint64_t *rec = (uint64_t *)idx;
        for (size_t i = 0; i < (size_t)n; i++)
            rec[i] = row_key(row, i, k) << 32 | i;
        if (nkth > 0)
            select_many(rec, NULL, 0, (size_t)n, kth, (size_t)nkth, K_U64,
                        false);
        for (size_t i = 0; i < (size_t)n; i++)
            idx[i] = (int64_t)(rec[i] & 0xffffffffu);
    } else {
        for (size_t i = 0; i < (size_t)n; i++)
            idx[i] = (int64_t)i;
        if (nkth > 0)
            select_many(idx, row, 0, (size_t)n, kth, (size_t)nkth, k, true);
    }
}

/* ------------------------------------------------------------------------
 * Searching
 * ------------------------------------------------------------------------ */

ALWAYS_INLINE uint64_t sorted_key(const void *row, const int64_t *perm,
                                  size_t i, kind k)
{
    return row_key(row, perm ? (size_t)perm[i] : i, k);
}

/* Binary search per query; an ascending query starts from the previous
 * answer, which bounds its answer from below. */
ALWAYS_INLINE void search(const void *row, size_t n, const int64_t *sorter,
                          const void *v, size_t m, int64_t *out, kind k,
                          bool right)
{
    uint64_t last = 0;
    size_t lo = 0;
    for (size_t j = 0; j < m; j++) {
        uint64_t q = row_key(v, j, k);
        if (j == 0 || q < last)
            lo = 0;
        size_t hi = n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            uint64_t km = sorted_key(row, sorter, mid, k);
            if (right ? km <= q : km < q)
                lo = mid + 1;
            else
                hi = mid;
        }
        out[j] = (int64_t)lo;
        last = q;
    }
}

#define SEARCH_FN(name, K)                                                   \
    static void name(const void *r, size_t n, const int64_t *s,              \
                     const void *v, size_t m, int64_t *o, bool right)        \
    {                                                                        \
        if (right)                                                           \
            search(r, n, s, v, m, o, K, true);                               \
        else                                                                 \
            search(r, n, s, v, m, o, K, false);                              \
    }
SEARCH_FN(search_b8, K_B8)
SEARCH_FN(search_i32, K_I32)
SEARCH_FN(search_f32, K_F32)
SEARCH_FN(search_i64, K_I64)
SEARCH_FN(search_f64, K_F64)

void rt_searchsorted(loom_dtype t, const void *row, int64_t n,
                     const int64_t *sorter, const void *v, int64_t m,
                     bool right, int64_t *out)
{
    if (m <= 0)
        return;
    size_t nn = n > 0 ? (size_t)n : 0, mm = (size_t)m;
    switch (t) {
    case LOOM_BOOL: search_b8(row, nn, sorter, v, mm, out, right); break;
    case LOOM_INT32: search_i32(row, nn, sorter, v, mm, out, right); break;
    case LOOM_INT64: search_i64(row, nn, sorter, v, mm, out, right); break;
    case LOOM_FLOAT32: search_f32(row, nn, sorter, v, mm, out, right); break;
    case LOOM_FLOAT64: search_f64(row, nn, sorter, v, mm, out, right); break;
    default: break;
    }
}

ALWAYS_INLINE int64_t runs(const void *row, size_t n, const int64_t *perm,
                           int64_t *starts, kind k)
{
    int64_t r = 0;
    uint64_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t key = sorted_key(row, perm, i, k);
        if (i == 0 || key != prev)
            starts[r++] = (int64_t)i;
        prev = key;
    }
    return r;
}

int64_t rt_unique_runs(loom_dtype t, const void *row, int64_t n,
                       const int64_t *perm, int64_t *starts)
{
    if (n <= 0)
        return 0;
    switch (t) {
    case LOOM_BOOL: return runs(row, (size_t)n, perm, starts, K_B8);
    case LOOM_INT32: return runs(row, (size_t)n, perm, starts, K_I32);
    case LOOM_INT64: return runs(row, (size_t)n, perm, starts, K_I64);
    case LOOM_FLOAT32: return runs(row, (size_t)n, perm, starts, K_F32);
    case LOOM_FLOAT64: return runs(row, (size_t)n, perm, starts, K_F64);
    default: return 0;
    }
}
