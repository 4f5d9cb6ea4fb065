/*
 * test_alloc.c -- allocation failures: a workload runs with an allocator
 * that fails the n-th allocation, for every n up to the number a
 * successful run makes.  Every run must end without a crash, report an
 * error or succeed, and give all its memory back when the context is
 * freed.  (The ASan build checks the same for leaks the counter cannot
 * see.)
 */
#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A small workload through most of the engine: data, creation, fusion with
 * reductions, indexing, a runtime call, random numbers, scopes. */
static loom_status workload(loom_ctx *ctx)
{
    float d[24];
    for (int i = 0; i < 24; i++)
        d[i] = (float)(i % 7) - 3;
    loom_array *x = loom_array_from(ctx, d, LOOM_FLOAT32, LOOM_SHAPE(4, 6), LOOM_COPY);
    loom_array *e = loom_exp(loom_subtract(x, loom_max(x, 1, true)));
    loom_array *p = loom_divide(e, loom_sum(e, 1, true));
    loom_array *z = loom_divide(loom_subtract(x, loom_mean(x, 0, false)),
                                loom_std(x, 0, false, 0));
    loom_array *lab = loom_arange(ctx, 0, 4, 1, LOOM_INT64);
    loom_array *g = LOOM_GET(p, LOOM_IDX(loom_arange(ctx, 0, 4, 1, LOOM_INT64)),
                             LOOM_IDX(lab));
    loom_array *c = loom_cumsum(loom_ravel(x), 0);
    loom_rng *r = loom_rng_new_u64(ctx, 5);
    loom_array *n = r ? loom_rng_standard_normal(r, LOOM_SHAPE(3, 3), LOOM_FLOAT64)
                      : loom_zeros(ctx, LOOM_SHAPE(3, 3), LOOM_FLOAT64);
    loom_scope_begin(ctx);
    loom_array *m = loom_keep(loom_matmul(n, loom_T(n)));
    loom_scope_end(ctx);
    loom_array *all[6] = {p, z, g, c, m, loom_concatenate(2, (loom_array *[]){x, x}, 0)};
    return loom_eval_many(ctx, all, 6);
}

/* Runs run in a context made with o whose k-th allocation fails (alone,
 * then with all after it), for every k up to total: no crash, every byte
 * given back, and some runs report the failure. */
static void fail_each(loom_options *o, long total, loom_status (*run)(loom_ctx *))
{
    int failures = 0;
    for (long k = 1; k <= total; k++) {
        for (int sticky = 0; sticky < 2; sticky++) {
            ts_failing_alloc f = {.fail_at = k, .sticky = sticky};
            o->alloc_ud = &f;
            loom_ctx *ctx = loom_ctx_new(o);
            if (ctx) {
                failures += run(ctx) != LOOM_OK;
                loom_ctx_free(ctx);
            }
            ck_assert_msg(f.live == 0, "failing allocation %ld (%s): %lld bytes "
                                       "not given back",
                          k, sticky ? "and all after" : "alone", f.live);
        }
    }
    ck_assert_int_gt(failures, 0);
}

START_TEST(every_allocation_may_fail)
{
    /* count the allocations of a successful run */
    ts_failing_alloc fa = {0};
    loom_options o = loom_options_default();
    o.alloc = ts_failing_alloc_fn;
    o.alloc_ud = &fa;
    o.cache_dir = "";
    loom_ctx *ctx = loom_ctx_new(&o);
    ck_assert_ptr_nonnull(ctx);
    ck_assert_int_eq(workload(ctx), LOOM_OK);
    loom_ctx_free(ctx);
    ck_assert_int_eq(fa.live, 0);
    long total = fa.count;
    ck_assert_int_gt(total, 50);
    fail_each(&o, total, workload);
}
END_TEST

/* Tiled chains (runtime/tile.c) at a size a 16 KB cache budget tiles:
 * attention over (2, 3) heads of 20 rows (batch mode) and a product, its
 * row softmax and argsort over 40 rows (row mode). */
static loom_status tiled_workload(loom_ctx *ctx)
{
    loom_rng *r = loom_rng_new_u64(ctx, 9);
    if (!r)
        return LOOM_ERR_MEMORY;
    loom_array *q = loom_rng_standard_normal(r, LOOM_SHAPE(2, 3, 20, 4), LOOM_FLOAT32);
    loom_array *k = loom_rng_standard_normal(r, LOOM_SHAPE(2, 3, 20, 4), LOOM_FLOAT32);
    loom_array *a = loom_rng_standard_normal(r, LOOM_SHAPE(40, 5), LOOM_FLOAT32);
    loom_array *b = loom_rng_standard_normal(r, LOOM_SHAPE(5, 60), LOOM_FLOAT32);
    loom_array *in[4] = {q, k, a, b};
    loom_status st = loom_eval_many(ctx, in, 4);
    if (st)
        return st;
    loom_array *sc = loom_matmul(q, loom_swapaxes(k, -1, -2));
    loom_array *e = loom_exp(loom_subtract(sc, loom_max(sc, -1, true)));
    loom_array *att = loom_matmul(loom_divide(e, loom_sum(e, -1, true)), k);
    loom_array *ab = loom_matmul(a, b);
    loom_array *e2 = loom_exp(loom_subtract(ab, loom_max(ab, 1, true)));
    loom_array *srt = loom_argsort(loom_divide(e2, loom_sum(e2, 1, true)), 1);
    /* one evaluation each: in one, the plan interleaves the two chains'
     * steps and only the first would tile */
    st = loom_eval(att);
    return st ? st : loom_eval(srt);
}

START_TEST(tiled_chain_allocations_may_fail)
{
    ts_failing_alloc fa = {0};
    loom_options o = loom_options_default();
    o.alloc = ts_failing_alloc_fn;
    o.alloc_ud = &fa;
    o.cache_dir = "";
    o.threads = 2;
    o.tile_bytes = 16 << 10;
    loom_ctx *ctx = loom_ctx_new(&o);
    ck_assert_ptr_nonnull(ctx);
    char *dump = NULL;
    size_t dlen = 0;
    FILE *mem = open_memstream(&dump, &dlen);
    ck_assert_ptr_nonnull(mem);
    loom_dump(ctx, mem, LOOM_DUMP_MEMORY);
    ck_assert_int_eq(tiled_workload(ctx), LOOM_OK);
    loom_dump(ctx, NULL, 0);
    fclose(mem);
    ck_assert_msg(strstr(dump, "run one batch element at a time") &&
                      strstr(dump, "rows at a time"),
                  "%s", dump);
    free(dump);
    long total = fa.count; /* (the dump's own allocations are not loom's) */
    loom_ctx_free(ctx);
    ck_assert_int_eq(fa.live, 0);
    fail_each(&o, total, tiled_workload);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("alloc");
    TCase *t = tcase_create("alloc");
    tcase_add_test(t, every_allocation_may_fail);
    tcase_add_test(t, tiled_chain_allocations_may_fail);
    tcase_set_timeout(t, 600);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return ts_run(suite());
}
