/*
 * test_sort.c -- sorting, selection and search kernels (runtime/sort.c)
 * against qsort-based references written here.
 *
 * The reference order is a plain comparison function (NaN-aware, -0.0 ==
 * 0.0); the reference stable argsort is qsort over indices with the index
 * as tie-break, so it is unique, and a stable sort must reproduce it
 * exactly -- bit for bit for sort, which also checks that NaN payloads and
 * zero signs travel with their elements.
 */
#include "runtime/sort.h"

#include <check.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Check's ck_assert records every passing assertion with a system call;
 * the element-wise checks below run millions of times, so they only call
 * into Check when they fail. */
#define REQUIRE(cond, ...)                                                   \
    do {                                                                     \
        if (!(cond))                                                         \
            ck_abort_msg(__VA_ARGS__);                                       \
    } while (0)

/* ---- data ---- */

static uint64_t g_rng = 0x853c49e6748fea9bull;

static uint64_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

static double rnd_unit(void)
{
    return (double)(rnd() >> 11) * 0x1p-53;
}

enum { M_DUPS, M_RANDOM, M_SPECIAL, M_ASC, M_DESC, M_CONST, M_ORGAN, NMODES };

static float f32_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static double f64_bits(uint64_t u)
{
    double d;
    memcpy(&d, &u, 8);
    return d;
}

/* A pool of awkward values per dtype: NaNs of several signs and payloads,
 * infinities, both zeros, extremes, denormals. */
static double pool_f(int i, bool single)
{
    switch (i % 14) {
    case 0: return single ? (double)f32_bits(0x7fc00000u) : f64_bits(0x7ff8000000000000ull);
    case 1: return -INFINITY;
    case 2: return INFINITY;
    case 3: return -0.0;
    case 4: return 0.0;
    case 5: return 1.5;
    case 6: return -2.25;
    case 7: return single ? FLT_MAX : DBL_MAX;
    case 8: return single ? -FLT_MAX : -DBL_MAX;
    case 9: return single ? 1e-45 : 5e-324;
    case 10: return 1.5;
    case 11: return -1e-40;
    case 12: return 3.0;
    default: return -0.0;
    }
}

/* NaNs with distinct bits, to check that payloads move with elements. */
static void put_nan(loom_dtype t, void *row, size_t i, uint64_t r)
{
    if (t == LOOM_FLOAT32) {
        uint32_t u = 0x7f800001u | (uint32_t)(r & 0x7fffffu) | ((uint32_t)(r >> 40) & 1u) << 31;
        memcpy((char *)row + 4 * i, &u, 4);
    } else {
        uint64_t u = 0x7ff0000000000001ull | (r & 0xfffffffffffffull) | (r >> 63) << 63;
        memcpy((char *)row + 8 * i, &u, 8);
    }
}

static void put_double(loom_dtype t, void *row, size_t i, double v)
{
    switch (t) {
    case LOOM_BOOL: ((uint8_t *)row)[i] = v != 0; break;
    case LOOM_INT32: ((int32_t *)row)[i] = (int32_t)v; break;
    case LOOM_INT64: ((int64_t *)row)[i] = (int64_t)v; break;
    case LOOM_FLOAT32: ((float *)row)[i] = (float)v; break;
    default: ((double *)row)[i] = v; break;
    }
}

static void gen(loom_dtype t, void *row, size_t n, int mode)
{
    bool fl = t == LOOM_FLOAT32 || t == LOOM_FLOAT64;
    for (size_t i = 0; i < n; i++) {
        uint64_t r = rnd();
        switch (mode) {
        case M_DUPS:
            if (t == LOOM_BOOL)
                ((uint8_t *)row)[i] = (uint8_t)(r % 3 == 0 ? 0 : r % 3 == 1 ? 1 : 2 + r % 200);
            else if (fl && r % 9 == 0)
                put_nan(t, row, i, rnd());
            else if (fl)
                put_double(t, row, i, pool_f((int)(r % 14), t == LOOM_FLOAT32));
            else
                put_double(t, row, i, (double)((int64_t)(r % 13) - 6));
            break;
        case M_RANDOM:
            if (t == LOOM_INT32)
                ((int32_t *)row)[i] = (int32_t)(uint32_t)r;
            else if (t == LOOM_INT64)
                ((int64_t *)row)[i] = (int64_t)r;
            else if (t == LOOM_BOOL)
                ((uint8_t *)row)[i] = r & 1;
            else
                put_double(t, row, i, (rnd_unit() - 0.5) * 1e6);
            break;
        case M_SPECIAL:
            if (fl && r % 20 == 0)
                put_nan(t, row, i, rnd());
            else if (fl && r % 20 < 4)
                put_double(t, row, i, pool_f((int)(r >> 8), t == LOOM_FLOAT32));
            else if (fl)
                put_double(t, row, i, (rnd_unit() - 0.5) * 1e3);
            else if (t == LOOM_INT32)
                ((int32_t *)row)[i] = r % 7 == 0 ? INT32_MIN : r % 7 == 1 ? INT32_MAX : (int32_t)(r >> 40);
            else if (t == LOOM_INT64)
                ((int64_t *)row)[i] = r % 7 == 0 ? INT64_MIN : r % 7 == 1 ? INT64_MAX : (int64_t)(r >> 20);
            else
                ((uint8_t *)row)[i] = (uint8_t)(r % 5 == 0);
            break;
        case M_ASC: put_double(t, row, i, (double)(i / 3)); break;
        case M_DESC: put_double(t, row, i, (double)(n - i)); break;
        case M_CONST: put_double(t, row, i, fl ? -0.0 : 1); break;
        default: put_double(t, row, i, (double)(i < n / 2 ? i : n - i)); break;
        }
    }
}

/* ---- the reference order ---- */

static size_t esize(loom_dtype t)
{
    return t == LOOM_BOOL ? 1 : (t == LOOM_INT32 || t == LOOM_FLOAT32) ? 4 : 8;
}

static int cmp_el(loom_dtype t, const void *a, const void *b)
{
    switch (t) {
    case LOOM_BOOL: {
        int x = *(const uint8_t *)a != 0, y = *(const uint8_t *)b != 0;
        return x - y;
    }
    case LOOM_INT32: {
        int32_t x, y;
        memcpy(&x, a, 4);
        memcpy(&y, b, 4);
        return (x > y) - (x < y);
    }
    case LOOM_INT64: {
        int64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        return (x > y) - (x < y);
    }
    case LOOM_FLOAT32: {
        float x, y;
        memcpy(&x, a, 4);
        memcpy(&y, b, 4);
        if (isnan(x) || isnan(y))
            return isnan(x) - isnan(y);
        return (x > y) - (x < y);
    }
    default: {
        double x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (isnan(x) || isnan(y))
            return isnan(x) - isnan(y);
        return (x > y) - (x < y);
    }
    }
}

static const void *at(loom_dtype t, const void *row, size_t i)
{
    return (const char *)row + i * esize(t);
}

static loom_dtype g_t;
static const void *g_row;

static int cmp_idx(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    int c = cmp_el(g_t, at(g_t, g_row, (size_t)a), at(g_t, g_row, (size_t)b));
    return c ? c : (a > b) - (a < b);
}

/* Reference stable argsort. */
static int64_t *ref_argsort(loom_dtype t, const void *row, size_t n)
{
    int64_t *idx = malloc((n + 1) * sizeof *idx);
    for (size_t i = 0; i < n; i++)
        idx[i] = (int64_t)i;
    g_t = t;
    g_row = row;
    qsort(idx, n, sizeof *idx, cmp_idx);
    return idx;
}

/* Scratch with a canary after it, to catch writes past the promised size
 * even without ASan. */
static void *scratch_new(size_t bytes)
{
    unsigned char *s = malloc(bytes + 64);
    memset(s + bytes, 0xA5, 64);
    return s;
}

static void scratch_done(void *s, size_t bytes)
{
    unsigned char *c = (unsigned char *)s + bytes;
    for (int i = 0; i < 64; i++)
        REQUIRE(c[i] == 0xA5, "scratch overrun at +%d", i);
    free(s);
}

static const loom_dtype all_types[] = {LOOM_BOOL, LOOM_INT32, LOOM_INT64,
                                       LOOM_FLOAT32, LOOM_FLOAT64};
static const size_t sizes[] = {0, 1, 2, 3, 16, 17, 47, 48, 79, 80, 100,
                               1000, 2047, 2048, 5000, 1000000};
#define NSIZES (sizeof sizes / sizeof sizes[0])

/* The modes worth running at size n (10^6 only for the varied ones). */
static bool mode_for(size_t n, int mode)
{
    return n < 100000 || mode == M_DUPS || mode == M_RANDOM ||
           mode == M_SPECIAL;
}

/* ---- sort and argsort ---- */

static void check_sorts(loom_dtype t, size_t n, int mode)
{
    size_t es = esize(t);
    void *row = malloc(n * es + 1), *work = malloc(n * es + 1);
    gen(t, row, n, mode);
    memcpy(work, row, n * es);
    int64_t *ref = ref_argsort(t, row, n);

    size_t sb = rt_sort_scratch(t, (int64_t)n);
    void *s = scratch_new(sb);
    rt_sort(t, work, (int64_t)n, sb ? s : NULL);
    scratch_done(s, sb);
    for (size_t i = 0; i < n; i++)
        REQUIRE(memcmp(at(t, work, i), at(t, row, (size_t)ref[i]), es) == 0,
                      "sort dtype %d n %zu mode %d: element %zu", t, n, mode, i);

    int64_t *idx = malloc((n + 1) * sizeof *idx);
    sb = rt_argsort_scratch(t, (int64_t)n);
    s = scratch_new(sb);
    rt_argsort(t, row, (int64_t)n, idx, sb ? s : NULL);
    scratch_done(s, sb);
    for (size_t i = 0; i < n; i++)
        REQUIRE(idx[i] == ref[i], "argsort dtype %d n %zu mode %d: "
                      "idx[%zu] = %lld, want %lld", t, n, mode, i,
                      (long long)idx[i], (long long)ref[i]);
    free(idx);
    free(ref);
    free(row);
    free(work);
}

START_TEST(test_sort_argsort)
{
    loom_dtype t = all_types[_i];
    for (size_t k = 0; k < NSIZES; k++)
        for (int mode = 0; mode < NMODES; mode++)
            if (mode_for(sizes[k], mode))
                check_sorts(t, sizes[k], mode);
}
END_TEST

/* Keys that share all high digits, or all low ones, so digits get skipped
 * in different places; and -0.0/0.0 runs whose order must survive. */
START_TEST(test_sort_digit_patterns)
{
    size_t n = 70000;
    int64_t *r64 = malloc(n * 8);
    int32_t *r32 = malloc(n * 4);
    double *rf = malloc(n * 8);
    for (int pat = 0; pat < 4; pat++) {
        for (size_t i = 0; i < n; i++) {
            uint64_t r = rnd();
            int64_t v = pat == 0 ? (int64_t)(r % 1000) - 500
                        : pat == 1 ? (int64_t)((r % 5) << 40)
                        : pat == 2 ? (int64_t)(r >> 1) | 1
                                   : (int64_t)(r & 0xff00ff00ff00ull);
            r64[i] = v;
            r32[i] = (int32_t)(v >> (pat == 1 ? 24 : 0));
            rf[i] = pat == 3 ? ((r & 1) ? -0.0 : 0.0) : (double)v;
        }
        const void *rows[3] = {r64, r32, rf};
        const loom_dtype ts[3] = {LOOM_INT64, LOOM_INT32, LOOM_FLOAT64};
        for (int j = 0; j < 3; j++) {
            size_t es = esize(ts[j]);
            void *w = malloc(n * es);
            memcpy(w, rows[j], n * es);
            int64_t *ref = ref_argsort(ts[j], rows[j], n), *idx = malloc(n * 8);
            ck_assert_int_eq(rt_sort_alloc(&(rt_alloc){rt_default_alloc, NULL},
                                           ts[j], w, (int64_t)n), LOOM_OK);
            ck_assert_int_eq(rt_argsort_alloc(&(rt_alloc){rt_default_alloc, NULL},
                                              ts[j], rows[j], (int64_t)n, idx),
                             LOOM_OK);
            for (size_t i = 0; i < n; i++) {
                REQUIRE(memcmp(at(ts[j], w, i), at(ts[j], rows[j], (size_t)ref[i]), es) == 0,
                        "sort pattern %d dtype %d: element %zu", pat, ts[j], i);
                REQUIRE(idx[i] == ref[i], "argsort pattern %d dtype %d: %zu", pat, ts[j], i);
            }
            free(w);
            free(ref);
            free(idx);
        }
    }
    free(r64);
    free(r32);
    free(rf);
}
END_TEST

static void *failing_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)ud;
    (void)osize;
    if (nsize == 0)
        free(ptr);
    return NULL;
}

/* Allocation failure is reported and leaves the data alone. */
START_TEST(test_alloc_failure)
{
    rt_alloc bad = {failing_alloc, NULL};
    float row[100], copy[100];
    gen(LOOM_FLOAT32, row, 100, M_RANDOM);
    memcpy(copy, row, sizeof row);
    int64_t idx[100];
    ck_assert_int_eq(rt_sort_alloc(&bad, LOOM_FLOAT32, row, 100), LOOM_ERR_MEMORY);
    ck_assert(memcmp(row, copy, sizeof row) == 0);
    ck_assert_int_eq(rt_argsort_alloc(&bad, LOOM_FLOAT32, row, 100, idx), LOOM_ERR_MEMORY);
    /* rows that need no scratch never allocate */
    ck_assert_int_eq(rt_sort_alloc(&bad, LOOM_FLOAT32, row, 16), LOOM_OK);
    ck_assert_int_eq(rt_sort_alloc(&bad, LOOM_BOOL, row, 100), LOOM_OK);
    ck_assert_int_eq(rt_argsort_alloc(&bad, LOOM_BOOL, row, 100, idx), LOOM_OK);
    ck_assert_int_eq(rt_argsort_alloc(&bad, LOOM_INT64, row, 0, idx), LOOM_OK);
}
END_TEST

/* ---- partition ---- */

/* Random ascending kth sets, sometimes with repeats and the ends. */
static size_t gen_kth(int64_t *kth, size_t n, int variant)
{
    if (n == 0)
        return 0;
    size_t nk = variant == 0 ? 1 : variant == 1 ? 2 + rnd() % 5 : 1 + rnd() % 40;
    for (size_t i = 0; i < nk; i++)
        kth[i] = (int64_t)(rnd() % n);
    if (variant == 2) {
        kth[0] = 0;
        kth[nk - 1] = (int64_t)n - 1;
        if (nk > 3)
            kth[2] = kth[1]; /* a repeat */
    }
    for (size_t i = 1; i < nk; i++) /* insertion sort: tiny */
        for (size_t j = i; j > 0 && kth[j - 1] > kth[j]; j--) {
            int64_t x = kth[j];
            kth[j] = kth[j - 1];
            kth[j - 1] = x;
        }
    return nk;
}

/* The partition invariants for row (permuted values) against the fully
 * sorted reference. */
static void check_partitioned(loom_dtype t, const void *out, const void *sorted,
                              size_t n, const int64_t *kth, size_t nk,
                              const char *what)
{
    for (size_t j = 0; j < nk; j++) {
        size_t k = (size_t)kth[j];
        REQUIRE(cmp_el(t, at(t, out, k), at(t, sorted, k)) == 0,
                      "%s dtype %d n %zu: wrong element at kth %zu", what, t, n, k);
        for (size_t i = 0; i < n; i++) {
            int c = cmp_el(t, at(t, out, i), at(t, out, k));
            REQUIRE(i < k ? c <= 0 : i > k ? c >= 0 : c == 0,
                          "%s dtype %d n %zu kth %zu: element %zu out of place",
                          what, t, n, k, i);
        }
    }
}

static int cmp_bits_t(const void *a, const void *b)
{
    int c = cmp_el(g_t, a, b);
    return c ? c : memcmp(a, b, esize(g_t));
}

/* out holds the same elements (bit patterns) as row. */
static void check_same_multiset(loom_dtype t, const void *row, const void *out, size_t n)
{
    size_t es = esize(t);
    void *a = malloc(n * es + 1), *b = malloc(n * es + 1);
    memcpy(a, row, n * es);
    memcpy(b, out, n * es);
    g_t = t;
    qsort(a, n, es, cmp_bits_t);
    qsort(b, n, es, cmp_bits_t);
    REQUIRE(memcmp(a, b, n * es) == 0, "partition lost or changed elements");
    free(a);
    free(b);
}

static void check_partitions(loom_dtype t, size_t n, int mode)
{
    size_t es = esize(t);
    void *row = malloc(n * es + 1), *out = malloc(n * es + 1),
         *sorted = malloc(n * es + 1), *gath = malloc(n * es + 1);
    int64_t *idx = malloc((n + 1) * 8), kth[64];
    char *seen = malloc(n + 1);
    gen(t, row, n, mode);
    int64_t *ref = ref_argsort(t, row, n);
    for (size_t i = 0; i < n; i++)
        memcpy((char *)sorted + i * es, at(t, row, (size_t)ref[i]), es);
    int variants = n > 100000 ? 2 : 6;
    for (int v = 0; v < variants; v++) {
        size_t nk = gen_kth(kth, n, v % 3);
        memcpy(out, row, n * es);
        rt_partition(t, out, (int64_t)n, kth, (int64_t)nk);
        check_partitioned(t, out, sorted, n, kth, nk, "partition");
        if (v == 0)
            check_same_multiset(t, row, out, n);

        rt_argpartition(t, row, (int64_t)n, kth, (int64_t)nk, idx);
        memset(seen, 0, n);
        for (size_t i = 0; i < n; i++) {
            REQUIRE(idx[i] >= 0 && (size_t)idx[i] < n && !seen[idx[i]],
                    "argpartition: not a permutation");
            seen[idx[i]] = 1;
            memcpy((char *)gath + i * es, at(t, row, (size_t)idx[i]), es);
        }
        for (size_t j = 0; j < nk; j++)
            REQUIRE(idx[kth[j]] == ref[kth[j]], "argpartition: idx[kth] "
                          "is not the stable argsort's");
        check_partitioned(t, gath, sorted, n, kth, nk, "argpartition");
    }
    free(row);
    free(out);
    free(sorted);
    free(gath);
    free(idx);
    free(seen);
    free(ref);
}

START_TEST(test_partition)
{
    loom_dtype t = all_types[_i];
    for (size_t k = 0; k < NSIZES; k++)
        for (int mode = 0; mode < NMODES; mode++)
            if (mode_for(sizes[k], mode) && (sizes[k] < 100000 || mode != M_SPECIAL))
                check_partitions(t, sizes[k], mode);
}
END_TEST

/* Every kth at once is a full sort. */
START_TEST(test_partition_all_kth)
{
    size_t n = 3000;
    double *row = malloc(n * 8), *out = malloc(n * 8);
    int64_t *kth = malloc(n * 8);
    for (size_t i = 0; i < n; i++)
        kth[i] = (int64_t)i;
    gen(LOOM_FLOAT64, row, n, M_DUPS);
    memcpy(out, row, n * 8);
    rt_partition(LOOM_FLOAT64, out, (int64_t)n, kth, (int64_t)n);
    int64_t *ref = ref_argsort(LOOM_FLOAT64, row, n);
    for (size_t i = 0; i < n; i++)
        REQUIRE(cmp_el(LOOM_FLOAT64, &out[i], &row[ref[i]]) == 0,
                "all-kth partition: element %zu", i);
    free(row);
    free(out);
    free(kth);
    free(ref);
}
END_TEST

/* ---- searchsorted and unique ---- */

static void check_search(loom_dtype t, size_t n, int mode)
{
    size_t es = esize(t), m = 300;
    void *row = malloc(n * es + 1), *sorted = malloc(n * es + 1),
         *q = malloc(m * es);
    int64_t *out = malloc(m * 8), *out2 = malloc(m * 8);
    gen(t, row, n, mode);
    int64_t *ref = ref_argsort(t, row, n);
    for (size_t i = 0; i < n; i++)
        memcpy((char *)sorted + i * es, at(t, row, (size_t)ref[i]), es);
    /* queries: elements of the row, fresh values of the same kind, and
     * specials; then the same sorted ascending */
    gen(t, q, m, mode == M_RANDOM ? M_SPECIAL : M_DUPS);
    for (size_t j = 0; n > 0 && j < m; j += 3)
        memcpy((char *)q + j * es, at(t, row, rnd() % n), es);
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            g_t = t;
            qsort(q, m, es, cmp_bits_t);
        }
        for (int right = 0; right < 2; right++) {
            rt_searchsorted(t, sorted, (int64_t)n, NULL, q, (int64_t)m, right, out);
            rt_searchsorted(t, row, (int64_t)n, ref, q, (int64_t)m, right, out2);
            for (size_t j = 0; j < m; j++) {
                int64_t want = 0;
                for (size_t i = 0; i < n; i++)
                    want += right ? cmp_el(t, at(t, sorted, i), at(t, q, j)) <= 0
                                  : cmp_el(t, at(t, sorted, i), at(t, q, j)) < 0;
                REQUIRE(out[j] == want, "searchsorted dtype %d n %zu "
                              "right %d query %zu: %lld, want %lld", t, n,
                              right, j, (long long)out[j], (long long)want);
                REQUIRE(out2[j] == want, "searchsorted with sorter: query %zu", j);
            }
        }
    }
    /* unique runs */
    int64_t *starts = malloc((n + 1) * 8), *starts2 = malloc((n + 1) * 8);
    int64_t nr = rt_unique_runs(t, sorted, (int64_t)n, NULL, starts);
    int64_t nr2 = rt_unique_runs(t, row, (int64_t)n, ref, starts2);
    int64_t want = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || cmp_el(t, at(t, sorted, i - 1), at(t, sorted, i)) != 0) {
            REQUIRE(want < nr && starts[want] == (int64_t)i &&
                    starts2[want] == (int64_t)i, "unique runs: run at %zu", i);
            want++;
        }
    }
    ck_assert_int_eq(nr, want);
    ck_assert_int_eq(nr2, want);
    free(starts);
    free(starts2);
    free(row);
    free(sorted);
    free(q);
    free(out);
    free(out2);
    free(ref);
}

START_TEST(test_searchsorted_unique)
{
    loom_dtype t = all_types[_i];
    for (size_t k = 0; k < NSIZES; k++)
        for (int mode = 0; mode < NMODES; mode++)
            if (sizes[k] <= 5000)
                check_search(t, sizes[k], mode);
}
END_TEST

/* The documented edge semantics, spelled out. */
START_TEST(test_nan_semantics)
{
    double row[7] = {-INFINITY, -1.0, -0.0, 0.0, 2.0, INFINITY, NAN};
    double q[4] = {NAN, 0.0, -0.0, INFINITY};
    int64_t out[4];
    rt_searchsorted(LOOM_FLOAT64, row, 7, NULL, q, 4, false, out);
    ck_assert_int_eq(out[0], 6);
    ck_assert_int_eq(out[1], 2);
    ck_assert_int_eq(out[2], 2);
    ck_assert_int_eq(out[3], 5);
    rt_searchsorted(LOOM_FLOAT64, row, 7, NULL, q, 4, true, out);
    ck_assert_int_eq(out[0], 7);
    ck_assert_int_eq(out[1], 4);
    ck_assert_int_eq(out[2], 4);
    ck_assert_int_eq(out[3], 6);

    /* NaNs collapse into one run like np.unique; zeros too */
    float u[6] = {-0.0f, 0.0f, 1.0f, NAN, -NAN, NAN};
    int64_t st[6];
    ck_assert_int_eq(rt_unique_runs(LOOM_FLOAT32, u, 6, NULL, st), 3);
    ck_assert_int_eq(st[0], 0);
    ck_assert_int_eq(st[1], 2);
    ck_assert_int_eq(st[2], 3);

    /* stable: 0.0 before -0.0 stays so; NaN signs keep their order */
    float s[6] = {NAN, 0.0f, -NAN, -0.0f, -INFINITY, 0.0f};
    rt_sort(LOOM_FLOAT32, s, 6, NULL);
    ck_assert(isinf(s[0]) && s[0] < 0);
    ck_assert(s[1] == 0 && !signbit(s[1]));
    ck_assert(s[2] == 0 && signbit(s[2]));
    ck_assert(s[3] == 0 && !signbit(s[3]));
    ck_assert(isnan(s[4]) && !signbit(s[4]));
    ck_assert(isnan(s[5]) && signbit(s[5]));

    /* bool bytes move, never rewritten */
    uint8_t b[6] = {7, 0, 1, 0, 255, 0};
    rt_sort(LOOM_BOOL, b, 6, NULL);
    const uint8_t want[6] = {0, 0, 0, 7, 1, 255};
    ck_assert(memcmp(b, want, 6) == 0);
}
END_TEST

static Suite *sort_suite(void)
{
    Suite *s = suite_create("sort");
    TCase *tc = tcase_create("sort");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_sort_argsort, 0, 5);
    tcase_add_test(tc, test_sort_digit_patterns);
    tcase_add_test(tc, test_alloc_failure);
    tcase_add_test(tc, test_nan_semantics);
    suite_add_tcase(s, tc);
    tc = tcase_create("select");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_partition, 0, 5);
    tcase_add_test(tc, test_partition_all_kth);
    suite_add_tcase(s, tc);
    tc = tcase_create("search");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_searchsorted_unique, 0, 5);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sort_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
