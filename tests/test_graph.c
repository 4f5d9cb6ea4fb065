/*
 * test_graph.c -- the graph stage: hash-consing, scopes, dtypes and
 * promotion, shapes of views, the optimizer's rewrites.
 */
#include "graph/graph.h"
#include "support.h"

#include <string.h>

static loom_array *f32(loom_ctx *ctx, int64_t n)
{
    return loom_zeros(ctx, LOOM_SHAPE(n), LOOM_FLOAT32);
}

START_TEST(hash_consing_shares_nodes)
{
    loom_ctx *ctx = ts_ctx();
    float d[4] = {1, 2, 3, 4};
    loom_array *x = loom_array_from(ctx, d, LOOM_FLOAT32, LOOM_SHAPE(4), LOOM_COPY);
    loom_array *a = loom_exp(loom_add(x, loom_scalar(ctx, 1)));
    loom_array *b = loom_exp(loom_add(x, loom_scalar(ctx, 1)));
    ck_assert_ptr_eq(a, b);
    ck_assert_ptr_ne(loom_exp(x), loom_log(x));
    /* data leaves are never merged, even over equal data */
    loom_array *y = loom_array_from(ctx, d, LOOM_FLOAT32, LOOM_SHAPE(4), LOOM_COPY);
    ck_assert_ptr_ne(x, y);
    loom_ctx_free(ctx);
}
END_TEST

START_TEST(scopes_release_and_keep)
{
    ts_failing_alloc fa = {0};
    loom_options o = loom_options_default();
    o.alloc = ts_failing_alloc_fn;
    o.alloc_ud = &fa;
    o.cache_dir = "";
    loom_ctx *ctx = loom_ctx_new(&o);
    loom_array *x = loom_arange(ctx, 0, 100, 1, LOOM_FLOAT64);
    long long base = 0;
    for (int it = 0; it < 50; it++) {
        loom_scope_begin(ctx);
        loom_array *y = loom_sum(loom_multiply(x, loom_scalar(ctx, it)), 0, false);
        ck_assert_int_eq(loom_eval(y), LOOM_OK);
        ck_assert_double_eq(loom_item(y, NULL), 4950.0 * it);
        loom_scope_end(ctx);
        if (it == 5)
            base = fa.live;
        if (it > 5)
            ck_assert_msg(fa.live <= base, "loop leaks: %lld > %lld", fa.live,
                          base);
    }
    /* loop state kept and the old state released: constant memory */
    loom_array *w = loom_keep(loom_zeros(ctx, LOOM_SHAPE(1000), LOOM_FLOAT64));
    long long before = 0;
    for (int it = 0; it < 100; it++) {
        loom_scope_begin(ctx);
        loom_array *next = loom_keep(loom_add(w, loom_scalar(ctx, 1)));
        ck_assert_int_eq(loom_eval(next), LOOM_OK);
        loom_scope_end(ctx);
        loom_release(w);
        w = next;
        if (it == 10)
            before = fa.live;
        if (it > 10)
            ck_assert_msg(fa.live <= before, "kept state leaks: %lld > %lld",
                          fa.live, before);
    }
    ck_assert_double_eq(loom_item(w, (int64_t[]){7}), 100.0);
    loom_scope_begin(ctx);
    loom_array *kept = loom_keep(loom_add(x, x));
    loom_scope_end(ctx);
    ck_assert_int_eq(loom_eval(kept), LOOM_OK);
    ck_assert_double_eq(loom_item(kept, (int64_t[]){3}), 6.0);
    /* closing the outermost scope is ignored */
    loom_scope_end(ctx);
    ck_assert_int_eq(loom_status_of(kept), LOOM_OK);
    loom_ctx_free(ctx);
    ck_assert_int_eq(fa.live, 0);
}
END_TEST

static loom_dtype rt(loom_array *a)
{
    ck_assert_msg(loom_status_of(a) == LOOM_OK, "%s", loom_error(a));
    return loom_dtype_of(a);
}

START_TEST(promotion_follows_numpy)
{
    loom_ctx *ctx = ts_ctx();
    loom_array *b = loom_zeros(ctx, LOOM_SHAPE(2), LOOM_BOOL);
    loom_array *i32 = loom_zeros(ctx, LOOM_SHAPE(2), LOOM_INT32);
    loom_array *i64 = loom_zeros(ctx, LOOM_SHAPE(2), LOOM_INT64);
    loom_array *s = f32(ctx, 2);
    loom_array *d = loom_zeros(ctx, LOOM_SHAPE(2), LOOM_FLOAT64);
    ck_assert_int_eq(rt(loom_add(i32, s)), LOOM_FLOAT64);
    ck_assert_int_eq(rt(loom_add(i64, s)), LOOM_FLOAT64);
    ck_assert_int_eq(rt(loom_add(b, i32)), LOOM_INT32);
    ck_assert_int_eq(rt(loom_add(b, b)), LOOM_BOOL);
    ck_assert_int_eq(rt(loom_add(i32, i64)), LOOM_INT64);
    ck_assert_int_eq(rt(loom_add(s, d)), LOOM_FLOAT64);
    /* weak scalars */
    ck_assert_int_eq(rt(loom_multiply(s, loom_scalar(ctx, 2.5))), LOOM_FLOAT32);
    ck_assert_int_eq(rt(loom_multiply(i32, loom_scalar_int(ctx, 3))), LOOM_INT32);
    ck_assert_int_eq(rt(loom_multiply(i32, loom_scalar(ctx, 3))), LOOM_FLOAT64);
    ck_assert_int_eq(rt(loom_add(b, loom_scalar_int(ctx, 1))), LOOM_INT64);
    ck_assert_int_eq(rt(loom_add(i32, loom_scalar_int(ctx, (int64_t)1 << 40))),
                     LOOM_INT64);
    ck_assert_int_eq(rt(loom_add(s, loom_scalar_bool(ctx, true))), LOOM_FLOAT32);
    ck_assert_int_eq(rt(loom_multiply(s, loom_scalar_typed(ctx, 2, LOOM_FLOAT64))),
                     LOOM_FLOAT64);
    ck_assert(loom_is_weak(loom_add(loom_scalar(ctx, 1), loom_scalar(ctx, 2))));
    /* per-op rules */
    ck_assert_int_eq(rt(loom_divide(i32, i32)), LOOM_FLOAT64);
    ck_assert_int_eq(rt(loom_divide(s, loom_scalar_int(ctx, 2))), LOOM_FLOAT32);
    ck_assert_int_eq(rt(loom_floor_divide(i32, i32)), LOOM_INT32);
    ck_assert_int_eq(rt(loom_less(i32, s)), LOOM_BOOL);
    ck_assert_int_eq(rt(loom_sqrt(i32)), LOOM_FLOAT64);
    ck_assert_int_eq(rt(loom_exp(s)), LOOM_FLOAT32);
    ck_assert_int_eq(rt(loom_floor(i64)), LOOM_FLOAT64);
    ck_assert_int_eq(rt(loom_isnan(i32)), LOOM_BOOL);
    ck_assert_int_eq(rt(loom_logical_and(s, i32)), LOOM_BOOL);
    ck_assert_int_eq(rt(loom_where(b, i32, s)), LOOM_FLOAT64);
    ck_assert_int_eq(rt(loom_abs(b)), LOOM_BOOL);
    ck_assert_int_eq(rt(loom_sum(i32, 0, false)), LOOM_INT64);
    ck_assert_int_eq(rt(loom_sum(b, 0, false)), LOOM_INT64);
    ck_assert_int_eq(rt(loom_mean(i32, 0, false)), LOOM_FLOAT64);
    ck_assert_int_eq(rt(loom_mean(s, 0, false)), LOOM_FLOAT32);
    ck_assert_int_eq(rt(loom_max(b, 0, false)), LOOM_BOOL);
    ck_assert_int_eq(rt(loom_argmax(s, 0, false)), LOOM_INT64);
    ck_assert_int_eq(loom_promote(LOOM_INT32, LOOM_FLOAT32), LOOM_FLOAT64);
    ck_assert_int_eq(loom_dtype_parse("f4"), LOOM_FLOAT32);
    ck_assert_int_eq(loom_dtype_parse("int"), LOOM_INT64);
    ck_assert_int_eq(loom_dtype_parse("complex128"), LOOM_DEFAULT_DTYPE);
    loom_ctx_free(ctx);
}
END_TEST

static void expect_shape(loom_array *a, loom_shape want)
{
    ck_assert_msg(loom_status_of(a) == LOOM_OK, "%s", loom_error(a));
    loom_shape got = loom_shape_of(a);
    ck_assert_int_eq(got.ndim, want.ndim);
    for (int i = 0; i < want.ndim; i++)
        ck_assert_int_eq(got.dim[i], want.dim[i]);
}

START_TEST(view_shapes)
{
    loom_ctx *ctx = ts_ctx();
    loom_array *x = loom_zeros(ctx, LOOM_SHAPE(2, 3, 4), LOOM_FLOAT64);
    expect_shape(loom_reshape(x, LOOM_SHAPE(6, -1)), LOOM_SHAPE(6, 4));
    expect_shape(loom_ravel(x), LOOM_SHAPE(24));
    expect_shape(loom_T(x), LOOM_SHAPE(4, 3, 2));
    expect_shape(loom_transpose(x, (int[]){0, 2, 1}), LOOM_SHAPE(2, 4, 3));
    expect_shape(loom_expand_dims(x, -1), LOOM_SHAPE(2, 3, 4, 1));
    expect_shape(loom_squeeze(loom_expand_dims(x, 0), LOOM_ALL), LOOM_SHAPE(2, 3, 4));
    expect_shape(loom_moveaxis(x, 0, -1), LOOM_SHAPE(3, 4, 2));
    expect_shape(loom_swapaxes(x, 0, 2), LOOM_SHAPE(4, 3, 2));
    expect_shape(loom_broadcast_to(loom_zeros(ctx, LOOM_SHAPE(3, 1), LOOM_INT32),
                                   LOOM_SHAPE(2, 3, 5)),
                 LOOM_SHAPE(2, 3, 5));
    expect_shape(LOOM_GET(x, LOOM_I(1)), LOOM_SHAPE(3, 4));
    expect_shape(LOOM_GET(x, LOOM_ELLIPSIS, LOOM_I(-1)), LOOM_SHAPE(2, 3));
    expect_shape(LOOM_GET(x, LOOM_NEWAXIS, LOOM_COLON, LOOM_SL(1, LOOM_END, 1)),
                 LOOM_SHAPE(1, 2, 2, 4));
    expect_shape(LOOM_GET(x, LOOM_COLON, LOOM_SL(LOOM_END, LOOM_END, -2)),
                 LOOM_SHAPE(2, 2, 4));
    expect_shape(LOOM_GET(x, LOOM_SL(5, 10, 1)), LOOM_SHAPE(0, 3, 4));
    expect_shape(LOOM_GET(x, LOOM_SL(-100, 100, 3)), LOOM_SHAPE(1, 3, 4));
    expect_shape(loom_sum(x, 1, true), LOOM_SHAPE(2, 1, 4));
    expect_shape(loom_reduce(LOOM_RED_SUM, x, LOOM_AXES(0, 2), false,
                             LOOM_DEFAULT_DTYPE, 0),
                 LOOM_SHAPE(3));
    expect_shape(loom_mean(x, LOOM_ALL, false), LOOM_SCALAR_SHAPE);
    expect_shape(loom_argmax(x, LOOM_ALL, true), LOOM_SHAPE(1, 1, 1));
    expect_shape(loom_eye(ctx, 3, 5, 1, LOOM_FLOAT32), LOOM_SHAPE(3, 5));
    expect_shape(loom_arange(ctx, 0, 1, 0.3, LOOM_DEFAULT_DTYPE), LOOM_SHAPE(4));
    expect_shape(loom_linspace(ctx, 0, 1, 7, true, LOOM_DEFAULT_DTYPE), LOOM_SHAPE(7));
    loom_ctx_free(ctx);
}
END_TEST

START_TEST(optimizer_rewrites)
{
    loom_ctx *ctx = ts_ctx();
    loom_array *x = loom_arange(ctx, 0, 12, 1, LOOM_FLOAT64);
    loom_array *m = loom_reshape(x, LOOM_SHAPE(3, 4));
    struct {
        loom_array *a, *want;
    } cases[] = {
        {loom_multiply(x, loom_scalar(ctx, 1)), x},
        {loom_subtract(x, loom_scalar(ctx, 0)), x},
        {loom_divide(x, loom_scalar(ctx, 1)), x},
        {loom_negative(loom_negative(x)), x},
        {loom_T(loom_T(m)), m},
        {loom_reshape(loom_reshape(x, LOOM_SHAPE(2, 6)), LOOM_SHAPE(12)), x},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        loom_array *o = graph_optimize(cases[i].a);
        loom_array *w = graph_optimize(cases[i].want);
        ck_assert_msg(o == w, "case %zu not simplified", i);
        graph_unref(o);
        graph_unref(w);
    }
    /* x + 0.0 is not x for floats: -0.0 + 0.0 is 0.0 */
    loom_array *o = graph_optimize(loom_add(x, loom_scalar(ctx, 0)));
    ck_assert_int_eq(o->op, GRAPH_OP_ADD);
    graph_unref(o);
    /* constants fold */
    o = graph_optimize(loom_exp(loom_add(loom_scalar(ctx, 1), loom_scalar(ctx, 2))));
    ck_assert_int_eq(o->op, GRAPH_OP_CONST);
    graph_unref(o);
    /* x ** 2 becomes a square, x ** 3 a product */
    o = graph_optimize(loom_power(x, loom_scalar(ctx, 2)));
    ck_assert_int_eq(o->op, GRAPH_OP_SQUARE);
    graph_unref(o);
    /* a reshape of an elementwise op moves to its inputs */
    o = graph_optimize(loom_reshape(loom_exp(m), LOOM_SHAPE(12)));
    ck_assert_int_eq(o->op, GRAPH_OP_EXP);
    graph_unref(o);
    loom_ctx_free(ctx);
}
END_TEST

START_TEST(poison_propagates)
{
    loom_ctx *ctx = ts_ctx();
    loom_array *a = loom_zeros(ctx, LOOM_SHAPE(5, 3), LOOM_FLOAT64);
    loom_array *b = loom_zeros(ctx, LOOM_SHAPE(5), LOOM_FLOAT64);
    loom_array *bad = loom_add(a, b);
    ck_assert_int_eq(loom_status_of(bad), LOOM_ERR_VALUE);
    ck_assert_str_eq(loom_error(bad), "add: operands could not be broadcast "
                                      "together with shapes (5,3) (5,)");
    loom_array *later = loom_sum(loom_exp(loom_multiply(bad, a)), 0, false);
    ck_assert_ptr_eq(later, bad);
    ck_assert_int_eq(loom_eval(later), LOOM_ERR_VALUE);
    loom_ctx_free(ctx);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("graph");
    TCase *t = tcase_create("graph");
    tcase_add_test(t, hash_consing_shares_nodes);
    tcase_add_test(t, scopes_release_and_keep);
    tcase_add_test(t, promotion_follows_numpy);
    tcase_add_test(t, view_shapes);
    tcase_add_test(t, optimizer_rewrites);
    tcase_add_test(t, poison_propagates);
    tcase_set_timeout(t, 120);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return ts_run(suite());
}
