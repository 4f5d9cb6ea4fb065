/*
 * test_dump.c -- the dump: every stage appears for a known program,
 * softmax shows as one fused kernel, a deliberate cut shows its reason,
 * the JSON form parses, Graphviz output and LOOM_DUMP=DIR files appear.
 */
#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Runs f with the dump on, in a context made with options o (NULL: the
 * tests' defaults), and returns what it wrote (malloc'd). */
static char *dumped_with(unsigned stages, void (*f)(loom_ctx *), const loom_options *o)
{
    loom_ctx *ctx = o ? loom_ctx_new(o) : ts_ctx();
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(mem);
    loom_dump(ctx, mem, stages);
    f(ctx);
    loom_dump(ctx, NULL, 0);
    fclose(mem);
    loom_ctx_free(ctx);
    return buf;
}

static char *dumped(unsigned stages, void (*f)(loom_ctx *))
{
    return dumped_with(stages, f, NULL);
}

/* Options for tiled chains at test sizes: two threads sharing a 64 KB
 * cache budget (16 KB of slabs each). */
static loom_options small_cache(bool eager)
{
    loom_options o = loom_options_default();
    o.cache_dir = "";
    o.threads = 2;
    o.eager = eager;
    o.tile_bytes = 64 << 10;
    return o;
}

static loom_array *input(loom_ctx *ctx, int64_t n, int64_t d)
{
    loom_rng *g = loom_rng_new_u64(ctx, 3);
    return loom_rng_standard_normal(g, LOOM_SHAPE(n, d), LOOM_FLOAT32);
}

static void softmax(loom_ctx *ctx)
{
    LOOM_HERE(ctx);
    loom_array *x = input(ctx, 8, 100);
    loom_array *e = loom_exp(loom_subtract(x, loom_max(x, 1, true)));
    loom_array *p = loom_divide(e, loom_sum(e, 1, true));
    ck_assert_int_eq(loom_eval(p), LOOM_OK);
}

static void column_center(loom_ctx *ctx)
{
    loom_array *x = input(ctx, 50, 16);
    loom_array *c = loom_subtract(x, loom_mean(x, 0, true));
    ck_assert_int_eq(loom_eval(c), LOOM_OK);
}

/* An elementwise epilogue of a product writes over the product's memory
 * (it reads each element only where it writes it); a chain that reads a
 * temporary at other positions (reversed, transposed) gets fresh memory.
 * The values are checked either way. */
static void in_place(loom_ctx *ctx)
{
    loom_array *a = input(ctx, 64, 32);
    ck_assert_int_eq(loom_eval(a), LOOM_OK);
    loom_array *p = loom_matmul(a, loom_transpose(a, NULL));
    loom_array *d = loom_sqrt(loom_maximum(p, loom_scalar(ctx, 0)));
    loom_array *b = input(ctx, 64, 32); /* a's values, another node */
    loom_array *t = loom_exp(loom_matmul(b, loom_transpose(b, NULL)));
    loom_array *r = loom_add(loom_flip(loom_flip(t, 0), 1), loom_transpose(t, NULL));
    loom_array *outs[2] = {d, r};
    ck_assert_int_eq(loom_eval_many(ctx, outs, 2), LOOM_OK);
    const float *av = loom_data(a), *dv = loom_data(d), *rv = loom_data(r);
    for (int i = 0; i < 64; i++)
        for (int j = 0; j < 64; j++) {
            double s = 0, q = 0;
            for (int k = 0; k < 32; k++) {
                s += (double)av[i * 32 + k] * av[j * 32 + k];
                q += (double)av[(63 - i) * 32 + k] * av[(63 - j) * 32 + k];
            }
            ck_assert_double_eq_tol(dv[i * 64 + j], sqrt(fmax(s, 0)), 1e-4 * (1 + fabs(s)));
            double want = exp(q) + exp(s);
            ck_assert_double_eq_tol(rv[i * 64 + j], want, 1e-4 * want);
        }
}

/* A row softmax of a product's result (a temporary dying there) is
 * written over it: each row is read by the max and exp sweeps before the
 * exp sweep overwrites it.  The same softmax plus the product itself read
 * in the last sweep (after the overwrite) must get memory of its own.
 * rows_plus selects the second; values are checked either way. */
static bool rows_plus;

static void rows_softmax(loom_ctx *ctx)
{
    loom_array *a = input(ctx, 48, 20);
    loom_array *b = input(ctx, 20, 300);
    ck_assert_int_eq(loom_eval(a), LOOM_OK);
    ck_assert_int_eq(loom_eval(b), LOOM_OK);
    loom_array *s = loom_matmul(a, b);
    loom_array *e = loom_exp(loom_subtract(s, loom_max(s, 1, true)));
    loom_array *y = loom_divide(e, loom_sum(e, 1, true));
    if (rows_plus)
        y = loom_add(y, s);
    ck_assert_int_eq(loom_eval(y), LOOM_OK);
    const float *av = loom_data(a), *bv = loom_data(b), *yv = loom_data(y);
    for (int i = 0; i < 48; i++) {
        double sc[300], m = -INFINITY, z = 0;
        for (int j = 0; j < 300; j++) {
            sc[j] = 0;
            for (int c = 0; c < 20; c++)
                sc[j] += (double)av[i * 20 + c] * bv[c * 300 + j];
            m = fmax(m, sc[j]);
        }
        for (int j = 0; j < 300; j++)
            z += exp(sc[j] - m);
        for (int j = 0; j < 300; j++) {
            double want = exp(sc[j] - m) / z + (rows_plus ? sc[j] : 0);
            ck_assert_double_eq_tol(yv[i * 300 + j], want, 1e-4 * (1 + fabs(want)));
        }
    }
}

START_TEST(rows_in_place_only_where_safe)
{
    rows_plus = false;
    char *out = dumped(LOOM_DUMP_MEMORY, rows_softmax);
    ck_assert_msg(strstr(out, "in place of"), "%s", out);
    free(out);
    rows_plus = true;
    out = dumped(LOOM_DUMP_MEMORY, rows_softmax);
    ck_assert_msg(!strstr(out, "in place of"), "%s", out);
    free(out);
}
END_TEST

START_TEST(in_place_only_where_safe)
{
    char *out = dumped(LOOM_DUMP_MEMORY, in_place);
    int n = 0;
    for (const char *q = out; (q = strstr(q, "in place of")); q++)
        n++;
    ck_assert_int_eq(n, 1); /* the epilogue's, not the reversed chain's */
    free(out);
}
END_TEST

/*
 * Causal attention over a (3, 4) batch of 37x5 heads.  Fused, the scores'
 * product, the masked softmax and the second product make one tiled
 * chain: the scores and probabilities exist one head at a time, in
 * per-thread buffers.  The values match a direct computation on the first
 * evaluation (the program) and on the second (the plan cache's replay).
 */
enum { AB = 3, AH = 4, AL = 37, AD = 5 };
static bool att_keep_scores;

static void attention_check(const float *q, const float *k, const float *v, const float *o)
{
    for (int bh = 0; bh < AB * AH; bh++)
        for (int i = 0; i < AL; i++) {
            const float *qi = q + (bh * AL + i) * AD;
            double sc[AL], m = -INFINITY, z = 0;
            for (int j = 0; j <= i; j++) {
                double d = 0;
                for (int c = 0; c < AD; c++)
                    d += (double)qi[c] * k[(bh * AL + j) * AD + c];
                sc[j] = d / sqrt((double)AD);
                m = fmax(m, sc[j]);
            }
            for (int j = 0; j <= i; j++)
                z += exp(sc[j] - m);
            for (int c = 0; c < AD; c++) {
                double want = 0;
                for (int j = 0; j <= i; j++)
                    want += exp(sc[j] - m) / z * v[(bh * AL + j) * AD + c];
                ck_assert_double_eq_tol(o[(bh * AL + i) * AD + c], want, 1e-4 * (1 + fabs(want)));
            }
        }
}

static void attention(loom_ctx *ctx)
{
    for (int rep = 0; rep < 2; rep++) {
        loom_rng *g = loom_rng_new_u64(ctx, 5 + (uint64_t)rep);
        loom_array *q = loom_rng_standard_normal(g, LOOM_SHAPE(AB, AH, AL, AD), LOOM_FLOAT32);
        loom_array *k = loom_rng_standard_normal(g, LOOM_SHAPE(AB, AH, AL, AD), LOOM_FLOAT32);
        loom_array *v = loom_rng_standard_normal(g, LOOM_SHAPE(AB, AH, AL, AD), LOOM_FLOAT32);
        loom_array *in[3] = {q, k, v};
        ck_assert_int_eq(loom_eval_many(ctx, in, 3), LOOM_OK);
        loom_array *s = loom_divide(loom_matmul(q, loom_swapaxes(k, -1, -2)),
                                    loom_scalar(ctx, sqrt((double)AD)));
        loom_array *i = loom_arange(ctx, 0, AL, 1, LOOM_INT64);
        loom_array *mask = loom_less_equal(loom_reshape(i, LOOM_SHAPE(1, AL)),
                                           loom_reshape(i, LOOM_SHAPE(AL, 1)));
        s = loom_where(mask, s, loom_scalar(ctx, -INFINITY));
        loom_array *e = loom_exp(loom_subtract(s, loom_max(s, -1, true)));
        loom_array *o = loom_matmul(loom_divide(e, loom_sum(e, -1, true)), v);
        loom_array *outs[2] = {o, s};
        ck_assert_int_eq(loom_eval_many(ctx, outs, att_keep_scores ? 2 : 1), LOOM_OK);
        attention_check(loom_data(q), loom_data(k), loom_data(v), loom_data(o));
    }
}

START_TEST(attention_runs_tiled)
{
    att_keep_scores = false;
    loom_options o = small_cache(false);
    char *out = dumped_with(LOOM_DUMP_MEMORY, attention, &o);
    ck_assert_msg(strstr(out, "tiled chain: steps 0-2 run one batch element at a time "
                              "(12 slabs"), "%s", out);
    free(out);
    /* the scores requested: they cannot live in slabs, the chain ends
     * with the kernel that writes them */
    att_keep_scores = true;
    out = dumped_with(LOOM_DUMP_MEMORY, attention, &o);
    ck_assert_msg(strstr(out, "tiled chain: steps 0-1 "), "%s", out);
    free(out);
    /* the default budget (the largest cache) holds these arrays whole */
    att_keep_scores = false;
    out = dumped(LOOM_DUMP_MEMORY, attention);
    ck_assert_msg(!strstr(out, "tiled chain"), "%s", out);
    free(out);
    /* eager: every intermediate whole */
    o = small_cache(true);
    out = dumped_with(LOOM_DUMP_MEMORY, attention, &o);
    ck_assert_msg(!strstr(out, "tiled chain"), "%s", out);
    free(out);
}
END_TEST

/*
 * k nearest neighbours of 40 test rows among 300 train rows: the distance
 * product, its epilogue and argpartition run as a chain of row blocks,
 * with the train-row norms (which do not read the chain) computed first.
 * The 3 chosen neighbours of every row are its 3 nearest.
 */
enum { KT = 40, KR = 300, KD = 8, KK = 3 };

static void knn(loom_ctx *ctx)
{
    for (int rep = 0; rep < 2; rep++) {
        loom_rng *g = loom_rng_new_u64(ctx, 11 + (uint64_t)rep);
        loom_array *te = loom_rng_standard_normal(g, LOOM_SHAPE(KT, KD), LOOM_FLOAT32);
        loom_array *tr = loom_rng_standard_normal(g, LOOM_SHAPE(KR, KD), LOOM_FLOAT32);
        loom_array *in[2] = {te, tr};
        ck_assert_int_eq(loom_eval_many(ctx, in, 2), LOOM_OK);
        loom_array *t2 = loom_sum(loom_multiply(te, te), 1, true);
        loom_array *r2 = loom_sum(loom_multiply(tr, tr), 1, true);
        loom_array *d2 = loom_subtract(loom_add(t2, loom_transpose(r2, NULL)),
                                       loom_multiply(loom_scalar(ctx, 2),
                                                     loom_matmul(te, loom_transpose(tr, NULL))));
        int64_t k1 = KK - 1;
        loom_array *idx = LOOM_GET(loom_argpartition(d2, 1, &k1, 1), LOOM_COLON,
                                   LOOM_SL(0, KK, 1));
        ck_assert_int_eq(loom_eval(idx), LOOM_OK);
        const float *a = loom_data(te), *b = loom_data(tr);
        const int64_t *ix = loom_data(idx);
        for (int i = 0; i < KT; i++) {
            double d[KR], kth[KR];
            for (int j = 0; j < KR; j++) {
                d[j] = 0;
                for (int c = 0; c < KD; c++)
                    d[j] += ((double)a[i * KD + c] - b[j * KD + c]) *
                            ((double)a[i * KD + c] - b[j * KD + c]);
                kth[j] = d[j];
            }
            for (int u = 0; u <= KK - 1; u++) /* the KK smallest, in kth[0..KK) */
                for (int j = u + 1; j < KR; j++)
                    if (kth[j] < kth[u]) {
                        double x = kth[u];
                        kth[u] = kth[j];
                        kth[j] = x;
                    }
            for (int u = 0; u < KK; u++) {
                int64_t j = ix[i * KK + u];
                ck_assert(j >= 0 && j < KR);
                ck_assert_double_le_tol(d[j], kth[KK - 1], 1e-4);
            }
        }
    }
}

START_TEST(knn_runs_in_row_blocks)
{
    loom_options o = small_cache(false);
    char *out = dumped_with(LOOM_DUMP_MEMORY, knn, &o);
    ck_assert_msg(strstr(out, "rows at a time") &&
                      strstr(out, "which does not read the chain, first"),
                  "%s", out);
    free(out);
}
END_TEST

/* Cross-entropy's per-row log (after the max and exp-sum sweeps) is
 * deferred and computed 16 rows at a time (jit/emit.c): the kernel's IR
 * has the rows' arrays.  The value is checked against a direct one. */
static void cross_entropy(loom_ctx *ctx)
{
    loom_array *z = input(ctx, 50, 10);
    int64_t lab[50];
    for (int i = 0; i < 50; i++)
        lab[i] = (i * 7) % 10;
    ck_assert_int_eq(loom_eval(z), LOOM_OK);
    loom_array *l = loom_array_from(ctx, lab, LOOM_INT64, LOOM_SHAPE(50), LOOM_COPY);
    loom_array *e = loom_exp(loom_subtract(z, loom_max(z, 1, true)));
    loom_array *p = loom_divide(e, loom_sum(e, 1, true));
    loom_array *pk = LOOM_GET(p, LOOM_IDX(loom_arange(ctx, 0, 50, 1, LOOM_INT64)), LOOM_IDX(l));
    loom_array *y = loom_negative(loom_mean(loom_log(pk), LOOM_ALL, false));
    ck_assert_int_eq(loom_eval(y), LOOM_OK);
    const float *zv = loom_data(z);
    double want = 0;
    for (int i = 0; i < 50; i++) {
        double m = -INFINITY, s = 0;
        for (int j = 0; j < 10; j++)
            m = fmax(m, zv[i * 10 + j]);
        for (int j = 0; j < 10; j++)
            s += exp(zv[i * 10 + j] - m);
        want -= log(exp(zv[i * 10 + lab[i]] - m) / s) / 50;
    }
    ck_assert_double_eq_tol(loom_item(y, NULL), want, 1e-5 * fabs(want));
}

START_TEST(row_tails_are_deferred)
{
    char *out = dumped(LOOM_DUMP_LLVM, cross_entropy);
    ck_assert_msg(strstr(out, "%rowin = alloca"), "%s", out);
    free(out);
}
END_TEST

START_TEST(every_stage_appears)
{
    char *s = dumped(LOOM_DUMP_ALL, softmax);
    const char *want[] = {"-- source", "test_dump.c:", "-- graph as built",
                          "-- graph after optimization", "-- fusion: 1 step(s)",
                          "-- memory plan", "-- kernel IR", "parallel for",
                          "-- llvm (before optimization)", "define",
                          "-- llvm (after optimization)", "-- asm", "zmm",
                          "compiled (structure not seen before)", "GB/s",
                          "GFLOP/s", "rows fused"};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        ck_assert_msg(strstr(s, want[i]), "dump lacks '%s'", want[i]);
    free(s);
}
END_TEST

START_TEST(cut_reasons_appear)
{
    char *s = dumped(LOOM_DUMP_FUSION, column_center);
    ck_assert_msg(strstr(s, "-- fusion: 2 step(s)"), "%s", s);
    ck_assert_msg(strstr(s, "cut ") && strstr(s, "kept axes are not"),
                  "no reason for the cut in:\n%s", s);
    free(s);
}
END_TEST

START_TEST(json_parses)
{
    char *s = dumped(LOOM_DUMP_ALL | LOOM_DUMP_JSON, softmax);
    char path[] = "/tmp/loom-dump-json-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
    close(fd);
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c \"import json,sys; d=json.loads(open('%s')."
             "read()); assert d['steps'][0]['kind']=='kernel'; "
             "assert 'kernel_ir' in d['steps'][0]; assert d['nodes']\"",
             path);
    ck_assert_msg(system(cmd) == 0, "JSON does not parse:\n%s", s);
    unlink(path);
    free(s);
}
END_TEST

START_TEST(dot_and_dir)
{
    char dir[] = "/tmp/loom-dump-dir-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char dot[600];
    snprintf(dot, sizeof dot, "%s/g.dot", dir);
    loom_ctx *ctx = ts_ctx();
    FILE *null = fopen("/dev/null", "w");
    loom_dump_dot(ctx, dot);
    loom_dump(ctx, null, LOOM_DUMP_FUSION);
    softmax(ctx);
    loom_ctx_free(ctx);
    fclose(null);
    FILE *f = fopen(dot, "r");
    ck_assert_ptr_nonnull(f);
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    ck_assert_msg(strstr(buf, "digraph") && strstr(buf, "cluster_0"), "%s", buf);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("dump");
    TCase *t = tcase_create("dump");
    tcase_add_test(t, every_stage_appears);
    tcase_add_test(t, in_place_only_where_safe);
    tcase_add_test(t, rows_in_place_only_where_safe);
    tcase_add_test(t, attention_runs_tiled);
    tcase_add_test(t, knn_runs_in_row_blocks);
    tcase_add_test(t, row_tails_are_deferred);
    tcase_add_test(t, cut_reasons_appear);
    tcase_add_test(t, json_parses);
    tcase_add_test(t, dot_and_dir);
    tcase_set_timeout(t, 120);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return ts_run(suite());
}
