/*
 * test_sortops.c -- the sorting and searching ops of the public API
 * (graph/build_sort.c, runtime/sortcall.c): shapes, dtypes, NumPy's order
 * (stable, NaN last), partition properties on both selection paths, the
 * parallel row loops, errors with NumPy's messages, and memory.
 *
 * Values are checked against references computed here (qsort with the
 * index as tie-break); the NumPy-oracle scripts tests/conformance/sort_*.py
 * cover the rest.
 */
#include "support.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define REQUIRE(cond, ...)                                                   \
    do {                                                                     \
        if (!(cond))                                                         \
            ck_abort_msg(__VA_ARGS__);                                       \
    } while (0)

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

static loom_array *arr_f64(loom_ctx *ctx, const double *d, loom_shape s)
{
    return loom_array_from(ctx, d, LOOM_FLOAT64, s, LOOM_COPY);
}

static loom_array *arr_i64(loom_ctx *ctx, const int64_t *d, loom_shape s)
{
    return loom_array_from(ctx, d, LOOM_INT64, s, LOOM_COPY);
}

static const void *data_ok(loom_array *a)
{
    const void *p = loom_data(a);
    ck_assert_msg(p != NULL, "evaluation failed: %s / %s", loom_error(a),
                  loom_ctx_error(loom_ctx_of(a)));
    return p;
}

static void expect_i64(loom_array *a, const int64_t *want, int64_t n)
{
    ck_assert_int_eq(loom_dtype_of(a), LOOM_INT64);
    ck_assert_int_eq(loom_size(a), n);
    const int64_t *g = data_ok(a);
    for (int64_t i = 0; i < n; i++)
        ck_assert_msg(g[i] == want[i], "[%lld]: got %lld, want %lld",
                      (long long)i, (long long)g[i], (long long)want[i]);
}

/* NumPy's order on doubles: NaN last and equal to NaN. */
static int cmp_np(double a, double b)
{
    bool na = a != a, nb = b != b;
    if (na || nb)
        return na - nb;
    return (a > b) - (a < b);
}

/* Error expected at evaluation (a run-time error of a call): the context
 * carries the status and message. */
static void expect_run_error(loom_array *a, loom_status st, const char *needle)
{
    loom_status got = loom_eval(a);
    loom_ctx *ctx = loom_ctx_of(a);
    ck_assert_msg(got == st, "expected %s, got %s (%s)", loom_status_name(st),
                  loom_status_name(got), loom_ctx_error(ctx));
    ck_assert_msg(strstr(loom_ctx_error(ctx), needle) != NULL,
                  "message '%s' lacks '%s'", loom_ctx_error(ctx), needle);
}

/* ---- sort, argsort ---- */

START_TEST(sort_nan_last_and_stable)
{
    loom_ctx *ctx = ts_ctx_eager(_i & 1);
    double v[10] = {3, NAN, -INFINITY, 1, INFINITY, 1, NAN, -2, 3, 1};
    loom_array *a = arr_f64(ctx, v, LOOM_SHAPE(10));
    loom_array *s = loom_sort(a, -1), *ix = loom_argsort(a, 0);
    ck_assert_int_eq(loom_dtype_of(s), LOOM_FLOAT64);
    const double *sv = data_ok(s);
    double want[10] = {-INFINITY, -2, 1, 1, 1, 3, 3, INFINITY, NAN, NAN};
    for (int i = 0; i < 10; i++)
        ck_assert(cmp_np(sv[i], want[i]) == 0);
    expect_i64(ix, (int64_t[]){2, 7, 3, 5, 9, 0, 8, 4, 1, 6}, 10);
    /* float32, int32 and bool rows */
    float f[6] = {2.5f, NAN, -1.0f, 2.5f, 0.0f, -1.0f};
    loom_array *af = loom_array_from(ctx, f, LOOM_FLOAT32, LOOM_SHAPE(6), LOOM_COPY);
    expect_i64(loom_argsort(af, 0), (int64_t[]){2, 5, 4, 0, 3, 1}, 6);
    ck_assert_int_eq(loom_dtype_of(loom_sort(af, 0)), LOOM_FLOAT32);
    int32_t k[5] = {4, -7, 4, 0, -7};
    loom_array *ai = loom_array_from(ctx, k, LOOM_INT32, LOOM_SHAPE(5), LOOM_COPY);
    const int32_t *si = data_ok(loom_sort(ai, 0));
    ck_assert(si[0] == -7 && si[1] == -7 && si[2] == 0 && si[3] == 4 && si[4] == 4);
    expect_i64(loom_argsort(ai, 0), (int64_t[]){1, 4, 3, 0, 2}, 5);
    uint8_t b[5] = {1, 0, 1, 0, 0};
    loom_array *ab = loom_array_from(ctx, b, LOOM_BOOL, LOOM_SHAPE(5), LOOM_COPY);
    expect_i64(loom_argsort(ab, -1), (int64_t[]){1, 3, 4, 0, 2}, 5);
    loom_ctx_free(ctx);
}
END_TEST

START_TEST(sort_axes_views_and_flat)
{
    loom_ctx *ctx = ts_ctx();
    double v[12] = {5, 1, 4, 0, 9, 2, 8, 3, 7, 6, 11, 10};
    loom_array *a = arr_f64(ctx, v, LOOM_SHAPE(3, 4));
    /* axis 0 of a (3, 4): columns */
    const double *s0 = data_ok(loom_sort(a, 0));
    double w0[12] = {5, 1, 4, 0, 7, 2, 8, 3, 9, 6, 11, 10};
    ts_expect_f64(s0, w0, 12, 0, 0, "sort axis 0");
    expect_i64(loom_argsort(a, -2),
               (int64_t[]){0, 0, 0, 0, 2, 1, 1, 1, 1, 2, 2, 2}, 12);
    /* a transposed view in, a sort along its last axis */
    loom_array *t = loom_sort(loom_T(a), 1);
    ck_assert_int_eq(loom_ndim(t), 2);
    ck_assert_int_eq(loom_dim(t, 0), 4);
    ts_expect_f64(data_ok(t), (double[]){5, 7, 9, 1, 2, 6, 4, 8, 11, 0, 3, 10},
                  12, 0, 0, "sort of a view");
    /* flattened */
    loom_array *f = loom_argsort(a, LOOM_ALL);
    ck_assert_int_eq(loom_ndim(f), 1);
    expect_i64(f, (int64_t[]){3, 1, 5, 7, 2, 0, 9, 8, 6, 4, 11, 10}, 12);
    /* 0-d: only axis=None */
    loom_array *z = loom_scalar_typed(ctx, 2, LOOM_FLOAT64);
    ts_expect_error(loom_sort(z, -1), LOOM_ERR_AXIS,
                    "axis -1 is out of bounds for array of dimension 0");
    ck_assert_int_eq(loom_size(loom_sort(z, LOOM_ALL)), 1);
    /* 0-size */
    loom_array *e = loom_sort(loom_zeros(ctx, LOOM_SHAPE(0, 3), LOOM_FLOAT32), 0);
    ck_assert_int_eq(loom_eval(e), LOOM_OK);
    ck_assert_int_eq(loom_dim(e, 1), 3);
    ts_expect_error(loom_argsort(a, 2), LOOM_ERR_AXIS,
                    "axis 2 is out of bounds for array of dimension 2");
    loom_ctx_free(ctx);
}
END_TEST

/* Many short rows (the thread pool splits them) and long rows with ties:
 * every row sorted, every argsort row stable. */
START_TEST(sort_many_rows)
{
    loom_ctx *ctx = ts_ctx();
    enum { R = 3000, C = 37 };
    int32_t *v = malloc(sizeof(int32_t) * R * C);
    for (int i = 0; i < R * C; i++)
        v[i] = (int32_t)(rnd() % 9) - 4;
    loom_array *a = loom_array_from(ctx, v, LOOM_INT32, LOOM_SHAPE(R, C), LOOM_COPY);
    for (int ax = 0; ax < 2; ax++) {
        int64_t n = ax ? C : R, rows = ax ? R : C;
        int64_t sn = ax ? 1 : C, sr = ax ? C : 1; /* strides in a */
        const int32_t *s = data_ok(loom_sort(a, ax));
        const int64_t *ix = data_ok(loom_argsort(a, ax));
        for (int64_t r = 0; r < rows; r++)
            for (int64_t i = 1; i < n; i++) {
                int64_t p = r * sr + i * sn, q = p - sn;
                REQUIRE(s[q] <= s[p], "axis %d row %lld not sorted", ax, (long long)r);
                int32_t x = v[r * sr + ix[q] * sn], y = v[r * sr + ix[p] * sn];
                REQUIRE(x < y || (x == y && ix[q] < ix[p]),
                        "axis %d row %lld: argsort not stable at %lld", ax,
                        (long long)r, (long long)i);
            }
    }
    free(v);
    loom_ctx_free(ctx);
}
END_TEST

/* ---- partition ---- */

/* Checks that p (n values, NumPy-ordered as doubles) is partitioned at
 * the sorted kth against the sorted reference. */
static void check_partition(const double *p, const double *sorted, int64_t n,
                            const int64_t *kth, int nk, const char *what)
{
    for (int j = 0; j < nk; j++) {
        int64_t k = kth[j];
        REQUIRE(cmp_np(p[k], sorted[k]) == 0, "%s: kth %lld holds %g, want %g",
                what, (long long)k, p[k], sorted[k]);
        for (int64_t i = 0; i < n; i++)
            REQUIRE(i < k ? cmp_np(p[i], p[k]) <= 0
                          : i > k ? cmp_np(p[i], p[k]) >= 0 : true,
                    "%s: element %lld on the wrong side of kth %lld", what,
                    (long long)i, (long long)k);
    }
}

static int cmp_qsort(const void *x, const void *y)
{
    return cmp_np(*(const double *)x, *(const double *)y);
}

START_TEST(partition_both_paths)
{
    loom_ctx *ctx = ts_ctx();
    enum { R = 40, N = 500 };
    double *v = malloc(sizeof(double) * R * N), *s = malloc(sizeof(double) * N);
    double *got = malloc(sizeof(double) * N);
    for (int i = 0; i < R * N; i++)
        v[i] = i % 97 == 0 ? NAN : (double)(rnd() % 50) - 25; /* ties */
    loom_array *a = arr_f64(ctx, v, LOOM_SHAPE(R, N));
    loom_array *a32 = loom_astype(a, LOOM_FLOAT32), *ai = loom_astype(
        loom_where(loom_isnan(a), loom_scalar(ctx, 99), a), LOOM_INT64);
    /* small and large kth take the heap path, the rest introselect */
    int64_t cases[][3] = {{0}, {4}, {63}, {64}, {250}, {N - 64}, {N - 65},
                          {N - 1}, {-1}, {-5}, {3, 250, 400}};
    int ncases = (int)(sizeof cases / sizeof cases[0]);
    for (int c = 0; c < ncases; c++) {
        int nk = c == ncases - 1 ? 3 : 1;
        int64_t kth[3];
        for (int j = 0; j < nk; j++)
            kth[j] = cases[c][j] < 0 ? cases[c][j] + N : cases[c][j];
        loom_array *srcs[3] = {a, a32, ai};
        for (int t = 0; t < 3; t++) {
            loom_array *x = srcs[t];
            loom_array *xd = loom_astype(x, LOOM_FLOAT64);
            const double *xv = data_ok(xd);
            loom_array *p = loom_astype(loom_partition(x, nk, cases[c], 1), LOOM_FLOAT64);
            loom_array *ix = loom_argpartition(x, nk, cases[c], -1);
            const double *pv = data_ok(p);
            const int64_t *iv = data_ok(ix);
            for (int r = 0; r < R; r++) {
                memcpy(s, xv + r * N, sizeof(double) * N);
                qsort(s, N, sizeof(double), cmp_qsort);
                check_partition(pv + r * N, s, N, kth, nk, "partition");
                uint8_t seen[N] = {0};
                for (int i = 0; i < N; i++) {
                    int64_t k = iv[r * N + i];
                    REQUIRE(k >= 0 && k < N && !seen[k], "not a permutation");
                    seen[k] = 1;
                    got[i] = xv[r * N + k];
                }
                check_partition(got, s, N, kth, nk, "argpartition");
                /* the kth index is the stable argsort's: ties by index */
                for (int j = 0; j < nk; j++) {
                    int64_t k = kth[j], at = iv[r * N + k], before = 0;
                    for (int i = 0; i < N; i++)
                        before += cmp_np(xv[r * N + i], xv[r * N + at]) < 0 ||
                                  (cmp_np(xv[r * N + i], xv[r * N + at]) == 0 && i < at);
                    REQUIRE(before == k, "kth %lld: index %lld has %lld before it",
                            (long long)k, (long long)at, (long long)before);
                }
            }
        }
    }
    /* more kth than a node's attributes hold */
    int64_t many[40];
    for (int j = 0; j < 40; j++)
        many[j] = (j * 37) % N;
    loom_array *p = loom_partition(a, 40, many, 1);
    const double *pv = data_ok(p);
    for (int j = 1; j < 40; j++) /* insertion sort of the kth */
        for (int i = j; i > 0 && many[i - 1] > many[i]; i--) {
            int64_t t = many[i];
            many[i] = many[i - 1];
            many[i - 1] = t;
        }
    memcpy(s, v, sizeof(double) * N);
    qsort(s, N, sizeof(double), cmp_qsort);
    check_partition(pv, s, N, many, 40, "40 kth");
    free(v);
    free(s);
    free(got);
    loom_ctx_free(ctx);
}
END_TEST

/* x[:, :m] of an (arg)partition with every kth below m: the optimizer's
 * partition_head rule gives a call writing only m columns; the values are
 * the full call's first m, on both selection paths, along either axis of
 * a strided view, whichever of the two is evaluated first. */
START_TEST(partition_head_is_the_full_calls_prefix)
{
    loom_ctx *ctx = ts_ctx();
    enum { R = 30, N = 500 };
    double *v = malloc(sizeof(double) * R * N);
    for (int i = 0; i < R * N; i++)
        v[i] = (double)(rnd() % 200) - 100;
    loom_array *rows = arr_f64(ctx, v, LOOM_SHAPE(R, N));
    loom_array *cols = loom_transpose(arr_f64(ctx, v, LOOM_SHAPE(N, R)), NULL);
    int64_t cases[][2] = {{5, 6}, {250, 300}, {2, 499}};
    for (int c = 0; c < 3; c++)
        for (int m = 0; m < 4; m++) {
            loom_array *x = m & 1 ? cols : rows;
            int64_t kth = cases[c][0], w = cases[c][1];
            loom_array *p = m & 2 ? loom_argpartition(x, 1, &kth, 1)
                                  : loom_partition(x, 1, &kth, 1);
            loom_array *head = LOOM_GET(p, LOOM_COLON, LOOM_SL(0, w, 1));
            loom_array *full = loom_copy(p);
            bool head_first = c % 2 == 0;
            ck_assert_int_eq(loom_eval(head_first ? head : full), LOOM_OK);
            ck_assert_int_eq(loom_eval(head_first ? full : head), LOOM_OK);
            loom_array *same = loom_all(
                loom_equal(head, LOOM_GET(full, LOOM_COLON, LOOM_SL(0, w, 1))),
                LOOM_ALL, false);
            ck_assert_msg(loom_item(same, NULL) == 1,
                          "kth %lld, %lld columns, case %d differ",
                          (long long)kth, (long long)w, m);
        }
    /* the rewrite happened: the optimized graph holds an (R, 6) call */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    loom_dump(ctx, f, LOOM_DUMP_OPT);
    loom_array *h = LOOM_GET(loom_argpartition(rows, 1, (int64_t[]){5}, 1),
                             LOOM_COLON, LOOM_SL(0, 6, 1));
    ck_assert_int_eq(loom_eval(h), LOOM_OK);
    loom_dump(ctx, NULL, 0);
    fclose(f);
    ck_assert_msg(strstr(text, "call         int64(30,6)  argpartition"),
                  "no narrowed call in:\n%s", text);
    free(text);
    free(v);
    loom_ctx_free(ctx);
}
END_TEST

START_TEST(partition_errors)
{
    loom_ctx *ctx = ts_ctx();
    loom_array *a = loom_arange(ctx, 0, 10, 1, LOOM_INT64);
    ts_expect_error(loom_partition(a, 1, (int64_t[]){10}, 0), LOOM_ERR_VALUE,
                    "kth(=10) out of bounds (10)");
    ts_expect_error(loom_argpartition(a, 2, (int64_t[]){3, -11}, 0),
                    LOOM_ERR_VALUE, "kth(=-1) out of bounds (10)");
    ts_expect_error(loom_partition(a, 0, NULL, 0), LOOM_ERR_TYPE,
                    "Partition index must be integer");
    ts_expect_error(loom_argpartition(a, 1, (int64_t[]){0}, 1), LOOM_ERR_AXIS,
                    "axis 1 is out of bounds for array of dimension 1");
    /* an empty array takes any kth */
    loom_array *e = loom_zeros(ctx, LOOM_SHAPE(2, 0), LOOM_FLOAT64);
    ck_assert_int_eq(loom_eval(loom_argpartition(e, 1, (int64_t[]){5}, 0)), LOOM_OK);
    ck_assert_int_eq(loom_dtype_of(loom_argpartition(e, 1, (int64_t[]){5}, 0)),
                     LOOM_INT64);
    loom_ctx_free(ctx);
}
END_TEST

/* ---- lexsort ---- */

START_TEST(lexsort_chains_many_keys)
{
    loom_ctx *ctx = ts_ctx();
    enum { K = 10, N = 300 };
    int64_t keys[K][N], want[N];
    loom_array *ka[K];
    for (int k = 0; k < K; k++) {
        for (int i = 0; i < N; i++)
            keys[k][i] = (int64_t)(rnd() % 2);
        ka[k] = arr_i64(ctx, keys[k], LOOM_SHAPE(N));
    }
    /* reference: insertion sort by (keys[K-1], ..., keys[0], index) */
    for (int i = 0; i < N; i++) {
        int j = i;
        for (; j > 0; j--) {
            int c = 0;
            for (int k = K - 1; k >= 0 && !c; k--)
                c = (keys[k][want[j - 1]] > keys[k][i]) -
                    (keys[k][want[j - 1]] < keys[k][i]);
            if (c <= 0)
                break;
            want[j] = want[j - 1];
        }
        want[j] = i;
    }
    expect_i64(loom_lexsort(K, ka, -1), want, N);
    /* one key: a stable argsort; a float key with NaN */
    double f[5] = {1, NAN, 0, NAN, 1};
    loom_array *kf[2] = {arr_f64(ctx, f, LOOM_SHAPE(5)),
                         arr_i64(ctx, (int64_t[]){1, 1, 1, 0, 0}, LOOM_SHAPE(5))};
    expect_i64(loom_lexsort(2, kf, 0), (int64_t[]){4, 3, 2, 0, 1}, 5);
    /* errors */
    /* no keys: no context to put NumPy's TypeError in */
    ck_assert_int_ne(loom_eval(loom_lexsort(0, kf, -1)), LOOM_OK);
    loom_array *bad[2] = {kf[0], arr_i64(ctx, (int64_t[]){1, 2}, LOOM_SHAPE(2))};
    ts_expect_error(loom_lexsort(2, bad, -1), LOOM_ERR_VALUE,
                    "all keys need to be the same shape");
    ts_expect_error(loom_lexsort(2, kf, 1), LOOM_ERR_AXIS,
                    "axis 1 is out of bounds for array of dimension 1");
    /* 0-d keys give 0 */
    loom_array *z[1] = {loom_scalar_typed(ctx, 3, LOOM_INT64)};
    loom_array *r = loom_lexsort(1, z, -1);
    ck_assert_int_eq(loom_ndim(r), 0);
    ck_assert_int_eq(loom_item_int(r, NULL), 0);
    loom_ctx_free(ctx);
}
END_TEST

/* ---- searchsorted, digitize ---- */

START_TEST(searchsorted_sides_sorter_errors)
{
    loom_ctx *ctx = ts_ctx();
    loom_array *a = arr_i64(ctx, (int64_t[]){1, 2, 2, 3}, LOOM_SHAPE(4));
    loom_array *q = arr_i64(ctx, (int64_t[]){2, 0, 5, 3}, LOOM_SHAPE(2, 2));
    loom_array *l = loom_searchsorted(a, q, false, NULL);
    ck_assert_int_eq(loom_ndim(l), 2);
    expect_i64(l, (int64_t[]){1, 0, 4, 3}, 4);
    expect_i64(loom_searchsorted(a, q, true, NULL), (int64_t[]){3, 0, 4, 4}, 4);
    /* a weak float query compares in float64 */
    loom_array *r = loom_searchsorted(a, loom_scalar(ctx, 2.5), false, NULL);
    ck_assert_int_eq(loom_ndim(r), 0);
    ck_assert_int_eq(loom_item_int(r, NULL), 3);
    /* sorter */
    loom_array *u = arr_i64(ctx, (int64_t[]){30, 10, 20}, LOOM_SHAPE(3));
    loom_array *so = arr_i64(ctx, (int64_t[]){1, 2, 0}, LOOM_SHAPE(3));
    expect_i64(loom_searchsorted(u, arr_i64(ctx, (int64_t[]){15, 30}, LOOM_SHAPE(2)),
                                 true, so),
               (int64_t[]){1, 3}, 2);
    /* errors */
    ts_expect_error(loom_searchsorted(q, q, false, NULL), LOOM_ERR_VALUE,
                    "object too deep for desired array");
    ts_expect_error(loom_searchsorted(loom_scalar_typed(ctx, 1, LOOM_INT64), q,
                                      false, NULL),
                    LOOM_ERR_VALUE, "object of too small depth for desired array");
    ts_expect_error(loom_searchsorted(u, q, false, loom_astype(so, LOOM_FLOAT64)),
                    LOOM_ERR_TYPE, "sorter must only contain integers");
    ts_expect_error(loom_searchsorted(a, q, false, so), LOOM_ERR_VALUE,
                    "sorter.size must equal a.size");
    loom_array *wild = arr_i64(ctx, (int64_t[]){1, 2, 3}, LOOM_SHAPE(3));
    expect_run_error(loom_searchsorted(u, q, false, wild), LOOM_ERR_VALUE,
                     "Sorter index out of range.");
    loom_ctx_free(ctx);
}
END_TEST

START_TEST(digitize_monotonic)
{
    loom_ctx *ctx = ts_ctx();
    loom_array *x = arr_f64(ctx, (double[]){0.5, 1.0, 2.5, NAN}, LOOM_SHAPE(4));
    loom_array *inc = arr_f64(ctx, (double[]){1, 2, 3}, LOOM_SHAPE(3));
    loom_array *dec = arr_f64(ctx, (double[]){3, 2, 1}, LOOM_SHAPE(3));
    expect_i64(loom_digitize(x, inc, false), (int64_t[]){0, 1, 2, 3}, 4);
    expect_i64(loom_digitize(x, inc, true), (int64_t[]){0, 0, 2, 3}, 4);
    expect_i64(loom_digitize(x, dec, false), (int64_t[]){3, 2, 1, 0}, 4);
    expect_i64(loom_digitize(x, dec, true), (int64_t[]){3, 3, 1, 0}, 4);
    expect_i64(loom_digitize(x, loom_zeros(ctx, LOOM_SHAPE(0), LOOM_FLOAT64), false),
               (int64_t[]){0, 0, 0, 0}, 4);
    ts_expect_error(loom_digitize(x, arr_f64(ctx, (double[]){1, 3, 2}, LOOM_SHAPE(3)),
                                  false),
                    LOOM_ERR_VALUE, "bins must be monotonically increasing or decreasing");
    ts_expect_error(loom_digitize(x, loom_reshape(inc, LOOM_SHAPE(1, 3)), false),
                    LOOM_ERR_VALUE, "object too deep for desired array");
    loom_ctx_free(ctx);
}
END_TEST

/* ---- unique ---- */

START_TEST(unique_outputs)
{
    loom_ctx *ctx = ts_ctx_eager(_i & 1);
    double v[8] = {2, NAN, 1, NAN, 2, -0.0, 0.0, 1};
    loom_array *a = arr_f64(ctx, v, LOOM_SHAPE(2, 4));
    loom_array *u, *ix, *inv, *cnt;
    ck_assert_int_eq(loom_unique(a, LOOM_ALL, &u, &ix, &inv, &cnt), LOOM_OK);
    ck_assert_int_eq(loom_size(u), 4);
    const double *uv = data_ok(u);
    ck_assert(uv[0] == 0.0 && signbit(uv[0])); /* the first zero met */
    ck_assert(uv[1] == 1 && uv[2] == 2 && isnan(uv[3]));
    expect_i64(ix, (int64_t[]){5, 2, 0, 1}, 4);
    expect_i64(inv, (int64_t[]){2, 3, 1, 3, 2, 0, 0, 1}, 8);
    expect_i64(cnt, (int64_t[]){2, 2, 2, 2}, 4);
    /* values only; NULL outputs are skipped */
    ck_assert_int_eq(loom_unique(a, LOOM_ALL, &u, NULL, NULL, NULL), LOOM_OK);
    ck_assert_int_eq(loom_size(u), 4);
    /* rows: a row with a NaN equals no row */
    double rows[8] = {1, NAN, 0, 2, 1, NAN, 0, 2};
    loom_array *r = arr_f64(ctx, rows, LOOM_SHAPE(4, 2));
    ck_assert_int_eq(loom_unique(r, 0, &u, &ix, &inv, &cnt), LOOM_OK);
    ck_assert_int_eq(loom_dim(u, 0), 3);
    ck_assert_int_eq(loom_dim(u, 1), 2);
    expect_i64(ix, (int64_t[]){1, 0, 2}, 3);
    expect_i64(inv, (int64_t[]){1, 0, 2, 0}, 4);
    expect_i64(cnt, (int64_t[]){2, 1, 1}, 3);
    /* columns */
    ck_assert_int_eq(loom_unique(loom_T(r), 1, &u, NULL, &inv, NULL), LOOM_OK);
    ck_assert_int_eq(loom_dim(u, 0), 2);
    ck_assert_int_eq(loom_dim(u, 1), 3);
    expect_i64(inv, (int64_t[]){1, 0, 2, 0}, 4);
    /* empty and 0-d */
    ck_assert_int_eq(loom_unique(loom_zeros(ctx, LOOM_SHAPE(0), LOOM_INT32),
                                 LOOM_ALL, &u, &ix, &inv, &cnt), LOOM_OK);
    ck_assert_int_eq(loom_size(u), 0);
    ck_assert_int_eq(loom_dtype_of(u), LOOM_INT32);
    ck_assert_int_eq(loom_eval(cnt), LOOM_OK);
    ck_assert_int_eq(loom_unique(loom_scalar_typed(ctx, 4, LOOM_INT64), LOOM_ALL,
                                 &u, NULL, NULL, NULL), LOOM_OK);
    ck_assert_int_eq(loom_ndim(u), 1);
    ck_assert_int_eq(loom_unique(a, 2, &u, NULL, &inv, NULL), LOOM_ERR_AXIS);
    ck_assert_str_eq(loom_error(u), "axis 2 is out of bounds for array of dimension 2");
    ck_assert_ptr_eq(u, inv);
    loom_ctx_free(ctx);
}
END_TEST

/* ---- bincount, histogram ---- */

START_TEST(bincount_and_errors)
{
    loom_ctx *ctx = ts_ctx();
    loom_array *x = arr_i64(ctx, (int64_t[]){0, 1, 1, 5}, LOOM_SHAPE(4));
    expect_i64(loom_bincount(x, NULL, 0), (int64_t[]){1, 2, 0, 0, 0, 1}, 6);
    loom_array *w = loom_bincount(x, arr_f64(ctx, (double[]){.5, 1, 1, 2}, LOOM_SHAPE(4)), 8);
    ck_assert_int_eq(loom_dtype_of(w), LOOM_FLOAT64);
    ts_expect_f64(data_ok(w), (double[]){.5, 2, 0, 0, 0, 2, 0, 0}, 8, 0, 0, "weights");
    loom_array *e = loom_bincount(loom_zeros(ctx, LOOM_SHAPE(0), LOOM_INT32), NULL, 3);
    expect_i64(e, (int64_t[]){0, 0, 0}, 3);
    ts_expect_error(loom_bincount(arr_i64(ctx, (int64_t[]){1, -1}, LOOM_SHAPE(2)), NULL, 0),
                    LOOM_ERR_VALUE, "'list' argument must have no negative elements");
    ts_expect_error(loom_bincount(loom_astype(x, LOOM_FLOAT64), NULL, 0), LOOM_ERR_TYPE,
                    "Cannot cast array data from dtype('float64') to dtype('int64') "
                    "according to the rule 'safe'");
    ts_expect_error(loom_bincount(x, NULL, -1), LOOM_ERR_VALUE,
                    "'minlength' must not be negative");
    ts_expect_error(loom_bincount(loom_reshape(x, LOOM_SHAPE(2, 2)), NULL, 0),
                    LOOM_ERR_VALUE, "object too deep for desired array");
    ts_expect_error(loom_bincount(x, loom_ones(ctx, LOOM_SHAPE(3), LOOM_FLOAT64), 0),
                    LOOM_ERR_VALUE, "The weights and list don't have the same length.");
    loom_ctx_free(ctx);
}
END_TEST

START_TEST(histogram_and_errors)
{
    loom_ctx *ctx = ts_ctx();
    loom_array *a = arr_f64(ctx, (double[]){1, 2, 2, 3, 4}, LOOM_SHAPE(5));
    loom_array *h, *e;
    ck_assert_int_eq(loom_histogram(a, 3, 0, 0, NULL, NULL, false, &h, &e), LOOM_OK);
    expect_i64(h, (int64_t[]){1, 2, 2}, 3);
    ts_expect_f64(data_ok(e), (double[]){1, 2, 3, 4}, 4, 0, 0, "edges");
    /* either result alone, in either order */
    ck_assert_int_eq(loom_histogram(a, 2, 0, 4, NULL, NULL, true, &h, &e), LOOM_OK);
    ts_expect_f64(data_ok(e), (double[]){0, 2, 4}, 3, 0, 0, "range edges");
    ts_expect_f64(data_ok(h), (double[]){0.1, 0.4}, 2, 1e-15, 0, "density");
    /* explicit edges, weights in their dtype */
    loom_array *ed = arr_i64(ctx, (int64_t[]){0, 2, 5}, LOOM_SHAPE(3));
    loom_array *w = loom_astype(arr_i64(ctx, (int64_t[]){1, 2, 3, 4, 5}, LOOM_SHAPE(5)),
                                LOOM_INT32);
    ck_assert_int_eq(loom_histogram(a, 0, 0, 0, ed, w, false, &h, &e), LOOM_OK);
    ck_assert_int_eq(loom_dtype_of(h), LOOM_INT32);
    ck_assert_ptr_eq(e, ed);
    const int32_t *hv = data_ok(h);
    ck_assert(hv[0] == 1 && hv[1] == 14);
    /* errors */
    ck_assert_int_eq(loom_histogram(a, 0, 0, 0,
                                    arr_f64(ctx, (double[]){0, 3, 2}, LOOM_SHAPE(3)),
                                    NULL, false, &h, &e), LOOM_ERR_VALUE);
    ck_assert_str_eq(loom_error(h), "`bins` must increase monotonically, when an array");
    ck_assert_int_eq(loom_histogram(a, 0, 0, 0, NULL, NULL, false, &h, NULL),
                     LOOM_ERR_VALUE);
    ck_assert_str_eq(loom_error(h), "`bins` must be positive, when an integer");
    ck_assert_int_eq(loom_histogram(a, 2, 3, 1, NULL, NULL, false, NULL, &e),
                     LOOM_ERR_VALUE);
    ck_assert_str_eq(loom_error(e), "max must be larger than min in range parameter.");
    ck_assert_int_eq(loom_histogram(a, 2, 0, 0, NULL, loom_ones(ctx, LOOM_SHAPE(4),
                                                                 LOOM_FLOAT64),
                                    false, &h, &e), LOOM_ERR_VALUE);
    ck_assert_str_eq(loom_error(h), "weights should have the same shape as a.");
    ck_assert_int_eq(loom_histogram(a, 0, 0, 0, loom_reshape(ed, LOOM_SHAPE(1, 3)),
                                    NULL, false, &h, &e), LOOM_ERR_VALUE);
    ck_assert_str_eq(loom_error(h), "`bins` must be 1d, when an array");
    ck_assert_int_eq(loom_histogram(a, 2, 0, INFINITY, NULL, NULL, false, &h, &e), LOOM_OK);
    expect_run_error(h, LOOM_ERR_VALUE, "supplied range of [0.0, inf] is not finite");
    loom_array *n = arr_f64(ctx, (double[]){1, NAN}, LOOM_SHAPE(2));
    ck_assert_int_eq(loom_histogram(n, 2, 0, 0, NULL, NULL, false, &h, &e), LOOM_OK);
    expect_run_error(e, LOOM_ERR_VALUE, "autodetected range of [nan, nan] is not finite");
    loom_array *big = arr_f64(ctx, (double[]){1.5e-7, 2e20}, LOOM_SHAPE(2));
    loom_array *huge = loom_multiply(big, loom_scalar(ctx, INFINITY));
    ck_assert_int_eq(loom_histogram(huge, 2, 0, 0, NULL, NULL, false, &h, &e), LOOM_OK);
    expect_run_error(h, LOOM_ERR_VALUE, "autodetected range of [inf, inf] is not finite");
    ck_assert_int_eq(loom_histogram(big, 2, 1.5e-7, 2e20, NULL, NULL, false, &h, &e),
                     LOOM_OK);
    ck_assert_int_eq(loom_eval(h), LOOM_OK);
    loom_ctx_free(ctx);
}
END_TEST

/* ---- memory ---- */

/* Evaluates the whole family on a small input. */
static loom_status run_family(loom_ctx *ctx)
{
    double v[12] = {3, 1, NAN, 2, 2, 8, -1, 0, 5, 7, 1, 4};
    loom_array *a = arr_f64(ctx, v, LOOM_SHAPE(3, 4));
    loom_array *out[16];
    int n = 0;
    out[n++] = loom_sort(a, 0);
    out[n++] = loom_argsort(a, 1);
    out[n++] = loom_partition(a, 1, (int64_t[]){1}, 1);
    out[n++] = loom_argpartition(a, 2, (int64_t[]){0, -1}, 0);
    out[n++] = loom_searchsorted(loom_sort(a, LOOM_ALL), a, true, NULL);
    out[n++] = loom_lexsort(2, (loom_array *[]){a, loom_T(loom_T(a))}, 1);
    out[n++] = loom_digitize(a, arr_f64(ctx, (double[]){0, 1, 5}, LOOM_SHAPE(3)), false);
    loom_array *u = NULL, *inv = NULL;
    loom_unique(a, 0, &u, NULL, &inv, NULL);
    out[n++] = u;
    out[n++] = inv;
    out[n++] = loom_bincount(arr_i64(ctx, (int64_t[]){1, 3, 3}, LOOM_SHAPE(3)), NULL, 0);
    loom_array *h = NULL, *e = NULL;
    loom_histogram(loom_where(loom_isnan(a), loom_scalar(ctx, 0), a), 4, 0, 0, NULL,
                   NULL, true, &h, &e);
    out[n++] = h;
    out[n++] = e;
    return loom_eval_many(ctx, out, n);
}

START_TEST(no_leaks_and_oom_is_clean)
{
    ts_failing_alloc fa = {0};
    loom_options o = loom_options_default();
    o.alloc = ts_failing_alloc_fn;
    o.alloc_ud = &fa;
    o.cache_dir = "";
    loom_ctx *ctx = loom_ctx_new(&o);
    long long base = 0;
    for (int it = 0; it < 8; it++) {
        loom_scope_begin(ctx);
        ck_assert_int_eq(run_family(ctx), LOOM_OK);
        loom_scope_end(ctx);
        if (it == 2)
            base = fa.live;
        if (it > 2)
            ck_assert_msg(fa.live <= base, "leak: %lld > %lld", fa.live, base);
    }
    loom_ctx_free(ctx);
    ck_assert_int_eq(fa.live, 0);
    /* failing allocations anywhere: an error, never a crash or a leak */
    for (long at = 1; at < 400; at += 3) {
        ts_failing_alloc f = {.fail_at = at, .sticky = true};
        o.alloc_ud = &f;
        loom_ctx *c = loom_ctx_new(&o);
        if (c) {
            run_family(c);
            loom_ctx_free(c);
        }
        ck_assert_msg(f.live == 0, "fail at %ld: %lld bytes leaked", at, f.live);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("sortops");
    TCase *t = tcase_create("sortops");
    tcase_add_loop_test(t, sort_nan_last_and_stable, 0, 2);
    tcase_add_test(t, sort_axes_views_and_flat);
    tcase_add_test(t, sort_many_rows);
    tcase_add_test(t, partition_both_paths);
    tcase_add_test(t, partition_head_is_the_full_calls_prefix);
    tcase_add_test(t, partition_errors);
    tcase_add_test(t, lexsort_chains_many_keys);
    tcase_add_test(t, searchsorted_sides_sorter_errors);
    tcase_add_test(t, digitize_monotonic);
    tcase_add_loop_test(t, unique_outputs, 0, 2);
    tcase_add_test(t, bincount_and_errors);
    tcase_add_test(t, histogram_and_errors);
    tcase_add_test(t, no_leaks_and_oom_is_clean);
    tcase_set_timeout(t, 120);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return ts_run(suite());
}
