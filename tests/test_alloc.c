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
    int failures = 0;
    for (long k = 1; k <= total; k++) {
        for (int sticky = 0; sticky < 2; sticky++) {
            ts_failing_alloc f = {.fail_at = k, .sticky = sticky};
            o.alloc_ud = &f;
            ctx = loom_ctx_new(&o);
            if (ctx) {
                loom_status s = workload(ctx);
                failures += s != LOOM_OK;
                loom_ctx_free(ctx);
            }
            ck_assert_msg(f.live == 0, "failing allocation %ld (%s): %lld bytes "
                                       "not given back",
                          k, sticky ? "and all after" : "alone", f.live);
        }
    }
    ck_assert_int_gt(failures, 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("alloc");
    TCase *t = tcase_create("alloc");
    tcase_add_test(t, every_allocation_may_fail);
    tcase_set_timeout(t, 600);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return ts_run(suite());
}
