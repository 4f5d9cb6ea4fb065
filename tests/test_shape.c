/*
 * test_shape.c -- split, array_split, split_at, tile, repeat, repeat_each,
 * insert, append, delete, pad, roll, rot90, diag, diagonal, triu, tril:
 * shapes, dtypes and values of small cases (NumPy's, worked out by hand),
 * NumPy's errors, laziness (views stay views, the composites fuse), fused
 * against eager, and nothing leaked when allocations fail.
 */
#include "support.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static loom_ctx *ctx;

static void setup(void)
{
    ctx = ts_ctx();
}

static void teardown(void)
{
    loom_ctx_free(ctx);
}

#define E(expr, st, needle) ts_expect_error((expr), (st), (needle))

/* a's shape is s, its dtype t and its values (as doubles) want. */
static void expect(loom_array *a, loom_shape s, loom_dtype t,
                   const double *want, const char *what)
{
    ts_expect_array(a, s, t, want, 0, 0, what);
}

#define D(...) ((const double[]){__VA_ARGS__})

/* arange(prod(s)).reshape(s) of dtype t. */
static loom_array *iota(loom_shape s, loom_dtype t)
{
    int64_t n = 1;
    for (int i = 0; i < s.ndim; i++)
        n *= s.dim[i];
    return loom_reshape(loom_arange(ctx, 0, (double)n, 1, t), s);
}

START_TEST(split_family)
{
    loom_array *a = iota(LOOM_SHAPE(4, 6), LOOM_INT64), *p[8];
    ck_assert_int_eq(loom_split(a, 3, 1, p), 3);
    expect(p[1], LOOM_SHAPE(4, 2), LOOM_INT64,
           D(2, 3, 8, 9, 14, 15, 20, 21), "split middle");
    ck_assert_int_eq(loom_array_split(loom_arange(ctx, 0, 10, 1, LOOM_INT64), 3,
                                      0, p), 3);
    expect(p[0], LOOM_SHAPE(4), LOOM_INT64, D(0, 1, 2, 3), "array_split 0");
    expect(p[2], LOOM_SHAPE(3), LOOM_INT64, D(7, 8, 9), "array_split 2");
    ck_assert_int_eq(loom_array_split(loom_arange(ctx, 0, 2, 1, LOOM_INT64), 4,
                                      0, p), 4);
    expect(p[3], LOOM_SHAPE(0), LOOM_INT64, NULL, "array_split empty part");
    ck_assert_int_eq(loom_split_at(a, 3, (int64_t[]){2, -1, 100}, -1, p), 4);
    expect(p[0], LOOM_SHAPE(4, 2), LOOM_INT64, D(0, 1, 6, 7, 12, 13, 18, 19),
           "split_at 0");
    expect(p[1], LOOM_SHAPE(4, 3), LOOM_INT64,
           D(2, 3, 4, 8, 9, 10, 14, 15, 16, 20, 21, 22), "split_at 1");
    expect(p[3], LOOM_SHAPE(4, 0), LOOM_INT64, NULL, "split_at past end");
    ck_assert_int_eq(loom_split_at(a, 2, (int64_t[]){3, 1}, 0, p), 3);
    expect(p[1], LOOM_SHAPE(0, 6), LOOM_INT64, NULL, "decreasing indices");
    /* parts are views: nothing is computed to split */
    ck_assert_int_eq(loom_split(loom_multiply(a, a), 2, 0, p), 2);
    ck_assert(!loom_is_realized(p[0]));

    ck_assert_int_eq(loom_split(a, 4, 1, p), -1);
    E(p[0], LOOM_ERR_VALUE, "array split does not result in an equal division");
    ck_assert_int_eq(loom_split(a, 0, 0, p), -1);
    E(p[0], LOOM_ERR_VALUE, "number sections must be larger than 0.");
    ck_assert_int_eq(loom_array_split(a, 2, 2, p), -1);
    E(p[0], LOOM_ERR_INDEX, "tuple index out of range");
    ck_assert_int_eq(loom_split_at(loom_scalar(ctx, 1), 1, (int64_t[]){0}, 0, p),
                     -1);
    E(p[0], LOOM_ERR_INDEX, "tuple index out of range");
}
END_TEST

START_TEST(tile_repeat)
{
    loom_array *a = iota(LOOM_SHAPE(2, 3), LOOM_INT32);
    expect(loom_tile(a, 1, (int64_t[]){2}), LOOM_SHAPE(2, 6), LOOM_INT32,
           D(0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5), "tile last axis");
    expect(loom_tile(a, 3, (int64_t[]){2, 1, 1}), LOOM_SHAPE(2, 2, 3),
           LOOM_INT32, D(0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5), "tile new axis");
    expect(loom_tile(a, 2, (int64_t[]){0, 2}), LOOM_SHAPE(0, 6), LOOM_INT32,
           NULL, "tile zero");
    expect(loom_tile(loom_scalar_typed(ctx, 2.5, LOOM_FLOAT32), 0, NULL),
           LOOM_SCALAR_SHAPE, LOOM_FLOAT32, D(2.5), "tile 0-d no reps");
    expect(loom_repeat(a, 2, LOOM_ALL), LOOM_SHAPE(12), LOOM_INT32,
           D(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5), "repeat flat");
    expect(loom_repeat(a, 2, 0), LOOM_SHAPE(4, 3), LOOM_INT32,
           D(0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5), "repeat rows");
    expect(loom_repeat(a, 0, 1), LOOM_SHAPE(2, 0), LOOM_INT32, NULL,
           "repeat zero");
    expect(loom_repeat(loom_scalar_bool(ctx, true), 3, 0), LOOM_SHAPE(3),
           LOOM_BOOL, D(1, 1, 1), "repeat 0-d");
    loom_array *counts = loom_array_from(ctx, (int32_t[]){1, 0, 2}, LOOM_INT32,
                                         LOOM_SHAPE(3), LOOM_COPY);
    expect(loom_repeat_each(a, counts, 1), LOOM_SHAPE(2, 3), LOOM_INT32,
           D(0, 2, 2, 3, 5, 5), "repeat_each");
    /* a repeat of a repeat, then movement over it */
    loom_array *rr = loom_repeat(loom_repeat(a, 2, 0), 2, 1);
    expect(loom_T(LOOM_GET(rr, LOOM_COLON, LOOM_SL(1, LOOM_END, 2))),
           LOOM_SHAPE(3, 4), LOOM_INT32,
           D(0, 0, 3, 3, 1, 1, 4, 4, 2, 2, 5, 5), "repeat twice then view");

    /* high ranks take the axis-by-axis and merged-axes forms */
    loom_array *h = iota((loom_shape){5, {1, 2, 1, 1, 2}}, LOOM_INT64);
    expect(loom_ravel(loom_tile(h, 5, (int64_t[]){1, 2, 1, 2, 1})),
           LOOM_SHAPE(16), LOOM_INT64,
           D(0, 1, 0, 1, 2, 3, 2, 3, 0, 1, 0, 1, 2, 3, 2, 3), "tile 5-d");
    loom_array *t1 = loom_tile(h, 5, (int64_t[]){2, 2, 2, 2, 2});
    loom_array *t2 = loom_tile(loom_tile(h, 5, (int64_t[]){2, 2, 1, 1, 1}), 5,
                               (int64_t[]){1, 1, 2, 2, 2});
    ck_assert_int_eq(loom_size(t1), 128);
    ck_assert(loom_item_int(loom_all(loom_equal(t1, t2), LOOM_ALL, false),
                            NULL) == 1);
    loom_array *h8 = iota((loom_shape){8, {1, 1, 2, 1, 1, 1, 2, 1}}, LOOM_INT64);
    expect(loom_ravel(loom_repeat(h8, 2, 2)), LOOM_SHAPE(8), LOOM_INT64,
           D(0, 1, 0, 1, 2, 3, 2, 3), "repeat 8-d");

    E(loom_tile(a, 1, (int64_t[]){-1}), LOOM_ERR_VALUE,
      "negative dimensions are not allowed");
    E(loom_repeat(a, -1, 0), LOOM_ERR_VALUE,
      "negative dimensions are not allowed");
    E(loom_repeat(a, 2, 2), LOOM_ERR_AXIS,
      "axis 2 is out of bounds for array of dimension 2");
    E(loom_repeat(a, INT64_MAX / 2, 0), LOOM_ERR_VALUE, "array is too big");
    loom_array *neg = loom_array_from(ctx, (int64_t[]){1, -1, 2}, LOOM_INT64,
                                      LOOM_SHAPE(3), LOOM_COPY);
    E(loom_repeat_each(a, neg, 1), LOOM_ERR_VALUE,
      "repeats may not contain negative values.");
    E(loom_repeat_each(a, counts, 0), LOOM_ERR_VALUE,
      "operands could not be broadcast together with shape (2,) (3,)");
    E(loom_repeat_each(a, loom_ones(ctx, LOOM_SHAPE(3), LOOM_FLOAT64), 1),
      LOOM_ERR_TYPE, "according to the rule 'safe'");
}
END_TEST

START_TEST(insert_append_delete)
{
    loom_array *a = iota(LOOM_SHAPE(2, 3), LOOM_INT64);
    expect(loom_insert(a, 1, loom_scalar(ctx, 7.9), LOOM_ALL), LOOM_SHAPE(7),
           LOOM_INT64, D(0, 7, 1, 2, 3, 4, 5), "insert flat, cast");
    loom_array *col = loom_array_from(ctx, (double[]){8, 9}, LOOM_FLOAT64,
                                      LOOM_SHAPE(2), LOOM_COPY);
    expect(loom_insert(a, 3, col, 1), LOOM_SHAPE(2, 4), LOOM_INT64,
           D(0, 1, 2, 8, 3, 4, 5, 9), "insert column at the end");
    expect(loom_insert(a, -2, loom_scalar_int(ctx, -1), 0), LOOM_SHAPE(3, 3),
           LOOM_INT64, D(-1, -1, -1, 0, 1, 2, 3, 4, 5), "insert row");
    expect(loom_append(a, loom_scalar(ctx, 1.5), LOOM_ALL), LOOM_SHAPE(7),
           LOOM_FLOAT64, D(0, 1, 2, 3, 4, 5, 1.5), "append promotes");
    expect(loom_append(a, a, 0), LOOM_SHAPE(4, 3), LOOM_INT64,
           D(0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5), "append rows");
    expect(loom_delete(a, 3, (int64_t[]){-1, 0, 0}, 1), LOOM_SHAPE(2, 1),
           LOOM_INT64, D(1, 4), "delete cols");
    expect(loom_delete(a, 2, (int64_t[]){0, 1}, 0), LOOM_SHAPE(0, 3),
           LOOM_INT64, NULL, "delete all");
    expect(loom_delete(a, 0, NULL, LOOM_ALL), LOOM_SHAPE(6), LOOM_INT64,
           D(0, 1, 2, 3, 4, 5), "delete nothing");
    /* many scattered deletions go through a gather */
    int64_t every[50];
    for (int i = 0; i < 50; i++)
        every[i] = 2 * i;
    loom_array *d = loom_delete(loom_arange(ctx, 0, 100, 1, LOOM_FLOAT64), 50,
                                every, 0);
    double odd[50];
    for (int i = 0; i < 50; i++)
        odd[i] = 2 * i + 1;
    expect(d, LOOM_SHAPE(50), LOOM_FLOAT64, odd, "delete evens");

    E(loom_insert(a, 4, col, 1), LOOM_ERR_INDEX,
      "index 4 is out of bounds for axis 1 with size 3");
    E(loom_insert(a, 1, loom_ones(ctx, LOOM_SHAPE(4), LOOM_INT64), 1),
      LOOM_ERR_VALUE,
      "could not broadcast input array from shape (4,1) into shape (2,1)");
    E(loom_insert(a, 1, col, 2), LOOM_ERR_AXIS,
      "axis 2 is out of bounds for array of dimension 2");
    E(loom_append(a, col, 0), LOOM_ERR_VALUE,
      "all the input arrays must have same number of dimensions, but the "
      "array at index 0 has 2 dimension(s) and the array at index 1 has 1 "
      "dimension(s)");
    E(loom_append(loom_scalar(ctx, 1), loom_scalar(ctx, 2), 0), LOOM_ERR_VALUE,
      "zero-dimensional arrays cannot be concatenated");
    E(loom_delete(a, 1, (int64_t[]){3}, 1), LOOM_ERR_INDEX,
      "index 3 is out of bounds for axis 1 with size 3");
    E(loom_delete(a, 1, (int64_t[]){-7}, LOOM_ALL), LOOM_ERR_INDEX,
      "index -7 is out of bounds for axis 0 with size 6");
}
END_TEST

START_TEST(pad_roll_rot90)
{
    loom_array *a = iota(LOOM_SHAPE(2, 2), LOOM_INT32);
    expect(loom_pad(a, (int64_t[]){1, 0, 0, 2}, LOOM_PAD_CONSTANT, -2.7),
           LOOM_SHAPE(3, 4), LOOM_INT32, D(-2, -2, -2, -2, 0, 1, -2, -2, 2, 3, -2, -2),
           "pad constant truncated");
    expect(loom_pad(a, (int64_t[]){1, 1, 2, 0}, LOOM_PAD_EDGE, 0),
           LOOM_SHAPE(4, 4), LOOM_INT32,
           D(0, 0, 0, 1, 0, 0, 0, 1, 2, 2, 2, 3, 2, 2, 2, 3), "pad edge");
    expect(loom_pad(loom_zeros(ctx, LOOM_SHAPE(0, 2), LOOM_BOOL),
                    (int64_t[]){1, 0, 0, 1}, LOOM_PAD_CONSTANT, 5),
           LOOM_SHAPE(1, 3), LOOM_BOOL, D(1, 1, 1), "pad empty, bool");
    expect(loom_roll(a, 1, LOOM_ALL), LOOM_SHAPE(2, 2), LOOM_INT32,
           D(3, 0, 1, 2), "roll flat");
    expect(loom_roll(a, -3, 1), LOOM_SHAPE(2, 2), LOOM_INT32, D(1, 0, 3, 2),
           "roll axis");
    expect(loom_rot90(a, 1, 0, 1), LOOM_SHAPE(2, 2), LOOM_INT32, D(1, 3, 0, 2),
           "rot90");
    expect(loom_rot90(a, -1, 0, 1), LOOM_SHAPE(2, 2), LOOM_INT32,
           D(2, 0, 3, 1), "rot90 -1");
    expect(loom_rot90(a, 2, 1, 0), LOOM_SHAPE(2, 2), LOOM_INT32, D(3, 2, 1, 0),
           "rot90 2");

    E(loom_pad(a, (int64_t[]){1, -1, 0, 0}, LOOM_PAD_CONSTANT, 0),
      LOOM_ERR_VALUE, "index can't contain negative values");
    E(loom_pad(loom_zeros(ctx, LOOM_SHAPE(0, 2), LOOM_FLOAT64),
               (int64_t[]){1, 0, 0, 0}, LOOM_PAD_EDGE, 0),
      LOOM_ERR_VALUE,
      "can't extend empty axis 0 using modes other than 'constant' or 'empty'");
    E(loom_pad(a, (int64_t[]){1, 1, 1, 1}, LOOM_PAD_CONSTANT, NAN),
      LOOM_ERR_VALUE, "cannot convert float NaN to integer");
    E(loom_roll(a, 1, 2), LOOM_ERR_AXIS,
      "axis 2 is out of bounds for array of dimension 2");
    E(loom_rot90(a, 1, 0, 0), LOOM_ERR_VALUE, "Axes must be different.");
    E(loom_rot90(a, 1, 0, 2), LOOM_ERR_VALUE, "Axes must be different.");
    E(loom_rot90(a, 1, 0, 3), LOOM_ERR_VALUE,
      "Axes=(0, 3) out of range in array of dimensions 2.");
}
END_TEST

START_TEST(diagonals_triangles)
{
    loom_array *a = iota(LOOM_SHAPE(3, 4), LOOM_FLOAT64);
    expect(loom_diag(a, 1), LOOM_SHAPE(3), LOOM_FLOAT64, D(1, 6, 11), "diag k");
    expect(loom_diag(a, -2), LOOM_SHAPE(1), LOOM_FLOAT64, D(8), "diag -k");
    expect(loom_diag(a, 5), LOOM_SHAPE(0), LOOM_FLOAT64, NULL, "diag oob");
    loom_array *v = loom_array_from(ctx, (int32_t[]){4, 5}, LOOM_INT32,
                                    LOOM_SHAPE(2), LOOM_COPY);
    expect(loom_diag(v, -1), LOOM_SHAPE(3, 3), LOOM_INT32,
           D(0, 0, 0, 4, 0, 0, 0, 5, 0), "diag build");
    loom_array *c = iota(LOOM_SHAPE(2, 3, 4), LOOM_INT64);
    expect(loom_diagonal(c, 1, 2, 0), LOOM_SHAPE(3, 1), LOOM_INT64,
           D(12, 16, 20), "diagonal of 3-d");
    expect(loom_triu(a, 1), LOOM_SHAPE(3, 4), LOOM_FLOAT64,
           D(0, 1, 2, 3, 0, 0, 6, 7, 0, 0, 0, 11), "triu");
    expect(loom_tril(v, 0), LOOM_SHAPE(2, 2), LOOM_INT32, D(4, 0, 4, 5),
           "tril of 1-d");

    E(loom_diag(c, 0), LOOM_ERR_VALUE, "Input must be 1- or 2-d.");
    E(loom_diagonal(v, 0, 0, 1), LOOM_ERR_VALUE,
      "diag requires an array of at least two dimensions");
    E(loom_diagonal(a, 0, 1, -1), LOOM_ERR_VALUE,
      "axis1 and axis2 cannot be the same");
    E(loom_diagonal(a, 0, 0, 2), LOOM_ERR_AXIS,
      "axis2: axis 2 is out of bounds for array of dimension 2");
    E(loom_triu(loom_scalar(ctx, 1), 0), LOOM_ERR_TYPE, "tri()");
}
END_TEST

/* The composites fuse: pad, tile, roll, diagonal and friends feeding
 * elementwise work stay one kernel (or the one copy of a repeat). */
START_TEST(fusion)
{
    loom_array *x = loom_arange(ctx, 0, 64, 1, LOOM_FLOAT64);
    x = loom_reshape(loom_sin(x), LOOM_SHAPE(8, 8));
    ck_assert_int_eq(loom_eval(x), LOOM_OK);
    struct {
        loom_array *r;
        int kernels;
        const char *what;
    } cases[] = {
        {loom_pad(x, (int64_t[]){1, 2, 3, 0}, LOOM_PAD_EDGE, 0), 1, "pad edge"},
        {loom_pad(x, (int64_t[]){1, 2, 3, 0}, LOOM_PAD_CONSTANT, 1), 1,
         "pad constant"},
        {loom_roll(x, 3, 1), 1, "roll"},
        {loom_diagonal(x, 1, 0, 1), 1, "diagonal"},
        {loom_triu(x, 0), 1, "triu"},
        {loom_insert(x, 2, loom_scalar(ctx, 0), 0), 1, "insert"},
        {loom_delete(x, 2, (int64_t[]){1, 5}, 1), 1, "delete"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        loom_array *r = loom_add(loom_multiply(cases[i].r, loom_scalar(ctx, 2)),
                                 loom_scalar(ctx, 1));
        ck_assert_msg(loom_eval(r) == LOOM_OK, "%s: %s", cases[i].what,
                      loom_error(r));
        ck_assert_msg(loom_last_stats(ctx).kernels == cases[i].kernels,
                      "%s: %d kernels", cases[i].what,
                      loom_last_stats(ctx).kernels);
    }
}
END_TEST

/* Fused and eager evaluation agree on every builder. */
START_TEST(fused_vs_eager)
{
    loom_ctx *c2[2] = {ts_ctx_eager(false), ts_ctx_eager(true)};
    double *res[2] = {NULL, NULL};
    int64_t n[2] = {0, 0};
    for (int e = 0; e < 2; e++) {
        loom_ctx *cx = c2[e];
        loom_array *x = loom_reshape(loom_cos(loom_arange(cx, 0, 30, 1,
                                                          LOOM_FLOAT64)),
                                     LOOM_SHAPE(5, 6));
        loom_array *parts[3];
        loom_split(x, 3, 1, parts);
        loom_array *r = loom_add(parts[0], parts[2]);
        r = loom_tile(r, 2, (int64_t[]){2, 3});
        r = loom_repeat(r, 2, 0);
        r = loom_pad(r, (int64_t[]){1, 1, 0, 2}, LOOM_PAD_EDGE, 0);
        r = loom_roll(r, 4, 0);
        r = loom_rot90(r, 1, 0, 1);
        r = loom_triu(r, -1);
        r = loom_delete(r, 2, (int64_t[]){0, 3}, 0);
        r = loom_insert(r, 1, loom_mean(r, 0, false), 0);
        r = loom_add(r, loom_sum(loom_diagonal(r, 1, 1, 0), 0, false));
        n[e] = loom_size(r);
        res[e] = malloc((size_t)n[e] * sizeof(double));
        loom_status st = loom_copy_to(loom_astype(r, LOOM_FLOAT64), res[e],
                                      (size_t)n[e] * 8);
        ck_assert_msg(st == LOOM_OK, "%s", loom_error(r));
    }
    ck_assert_int_eq(n[0], n[1]);
    ts_expect_f64(res[0], res[1], (long)n[0], 0, 0, "fused vs eager");
    free(res[0]);
    free(res[1]);
    loom_ctx_free(c2[0]);
    loom_ctx_free(c2[1]);
}
END_TEST

/* Failing allocations anywhere give errors, never crashes or leaks. */
START_TEST(allocation_failures)
{
    for (long k = 1; k < 400; k += 7) {
        ts_failing_alloc fa = {.fail_at = k, .sticky = false};
        loom_options o = loom_options_default();
        o.cache_dir = "";
        o.alloc = ts_failing_alloc_fn;
        o.alloc_ud = &fa;
        loom_ctx *cx = loom_ctx_new(&o);
        if (!cx)
            continue;
        loom_array *x = loom_arange(cx, 0, 40, 1, LOOM_FLOAT64);
        int64_t del[20];
        for (int i = 0; i < 20; i++)
            del[i] = 2 * i;
        loom_array *r = loom_delete(x, 20, del, 0);
        r = loom_repeat_each(r, loom_ones(cx, LOOM_SHAPE(20), LOOM_INT64), 0);
        r = loom_pad(loom_reshape(r, LOOM_SHAPE(4, 5)),
                     (int64_t[]){1, 1, 1, 1}, LOOM_PAD_EDGE, 0);
        loom_eval(r);
        loom_ctx_free(cx);
        ck_assert_msg(fa.live == 0, "fail at %ld: %lld bytes leaked", k,
                      fa.live);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("shape");
    TCase *t = tcase_create("shape");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, split_family);
    tcase_add_test(t, tile_repeat);
    tcase_add_test(t, insert_append_delete);
    tcase_add_test(t, pad_roll_rot90);
    tcase_add_test(t, diagonals_triangles);
    tcase_add_test(t, fusion);
    tcase_add_test(t, fused_vs_eager);
    tcase_add_test(t, allocation_failures);
    tcase_set_timeout(t, 120); /* sanitizer builds on a loaded machine */
    suite_add_tcase(s, t);
    return ts_run(s);
}
