/*
 * test_jit.c -- the JIT stage and the caches: kernels are specialized on
 * structure, not sizes; the in-memory and on-disk kernel caches and the
 * plan cache return the same code for the same structure and fresh code
 * otherwise; generated code uses the host's vector width; a kernel's IR
 * text is stable; outputs streamed past the caches (non-temporal stores,
 * with a peel to alignment) hold what cached stores write.
 */
#include "jit/compile.h"
#include <elf.h>
#include "jit/kir.h"
#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static loom_array *sigmoid_of(loom_ctx *ctx, const float *x, int64_t n)
{
    loom_array *y = loom_array_from(ctx, x, LOOM_FLOAT32, LOOM_SHAPE(n), LOOM_BORROW);
    return loom_divide(loom_scalar(ctx, 1),
                       loom_add(loom_scalar(ctx, 1), loom_exp(loom_negative(y))));
}

START_TEST(sizes_share_kernels)
{
    loom_ctx *ctx = ts_ctx();
    float *x = calloc(5000, sizeof(float));
    for (int i = 0; i < 5000; i++)
        x[i] = (float)(i % 100) / 10 - 5;
    int64_t sizes[] = {7, 1000, 4999};
    for (int k = 0; k < 3; k++) {
        loom_scope_begin(ctx);
        loom_array *s = sigmoid_of(ctx, x, sizes[k]);
        const float *o = loom_data(s);
        ck_assert_ptr_nonnull(o);
        for (int64_t i = 0; i < sizes[k]; i++)
            ck_assert_msg(fabs(o[i] - 1 / (1 + exp(-(double)x[i]))) < 1e-6,
                          "n=%lld i=%lld", (long long)sizes[k], (long long)i);
        loom_eval_stats st = loom_last_stats(ctx);
        ck_assert_int_eq(st.kernels, 1);
        /* the first size compiles; the others find the same kernel */
        if (k > 0)
            ck_assert_int_eq(st.compiled, 0);
        loom_scope_end(ctx);
    }
    /* a transposed input is a different structure (stride class) */
    float m[12] = {0};
    loom_array *a = loom_array_from(ctx, m, LOOM_FLOAT32, LOOM_SHAPE(3, 4), LOOM_COPY);
    ck_assert_int_eq(loom_eval(loom_exp(loom_T(a))), LOOM_OK);
    ck_assert_int_eq(loom_last_stats(ctx).compiled, 1);
    free(x);
    loom_ctx_free(ctx);
}
END_TEST

START_TEST(plan_cache_replays_correctly)
{
    loom_ctx *ctx = ts_ctx();
    float x[64];
    for (int rep = 0; rep < 5; rep++) {
        for (int i = 0; i < 64; i++)
            x[i] = (float)((i * 7 + rep * 3) % 11) - 5;
        loom_scope_begin(ctx);
        loom_array *z = loom_array_from(ctx, x, LOOM_FLOAT32, LOOM_SHAPE(8, 8), LOOM_COPY);
        loom_array *e = loom_exp(loom_subtract(z, loom_max(z, 1, true)));
        loom_array *p = loom_divide(e, loom_sum(e, 1, true));
        loom_array *c = loom_sum(z, 0, false);
        loom_array *outs[2] = {p, c};
        ck_assert_int_eq(loom_eval_many(ctx, outs, 2), LOOM_OK);
        const float *pp = loom_data(p), *pc = loom_data(c);
        for (int r = 0; r < 8; r++) {
            double mx = -1e9, s = 0;
            for (int j = 0; j < 8; j++)
                mx = fmax(mx, x[r * 8 + j]);
            for (int j = 0; j < 8; j++)
                s += exp(x[r * 8 + j] - mx);
            for (int j = 0; j < 8; j++)
                ck_assert(fabs(pp[r * 8 + j] - exp(x[r * 8 + j] - mx) / s) < 1e-6);
        }
        for (int j = 0; j < 8; j++) {
            double s = 0;
            for (int r = 0; r < 8; r++)
                s += x[r * 8 + j];
            ck_assert(fabs(pc[j] - s) < 1e-5);
        }
        loom_scope_end(ctx);
    }
    loom_ctx_free(ctx);
}
END_TEST

START_TEST(disk_cache_is_used)
{
    char dir[] = "/tmp/loom-jit-cache-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    loom_options o = loom_options_default();
    o.cache_dir = dir;
    float x[100] = {0};
    /* a structure unlikely to be in this process's cache yet */
    loom_ctx *ctx = loom_ctx_new(&o);
    loom_array *y = loom_array_from(ctx, x, LOOM_FLOAT32, LOOM_SHAPE(100),
                                    LOOM_COPY);
    loom_array *z = loom_cbrt(loom_arcsinh(loom_add(y, loom_scalar(ctx, 0.25))));
    ck_assert_int_eq(loom_eval(z), LOOM_OK);
    loom_ctx_free(ctx);
    /* forget the in-memory cache: the same structure loads from disk... */
    loom_kernel_cache_clear();
    ctx = loom_ctx_new(&o);
    y = loom_array_from(ctx, x, LOOM_FLOAT32, LOOM_SHAPE(100), LOOM_COPY);
    z = loom_cbrt(loom_arcsinh(loom_add(y, loom_scalar(ctx, 0.25))));
    ck_assert_int_eq(loom_eval(z), LOOM_OK);
    ck_assert_double_eq_tol(loom_item(z, (int64_t[]){0}), cbrt(asinh(0.25)), 1e-6);
    loom_ctx_free(ctx);
    /* ...and object files are there */
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ls %s/*.o >/dev/null 2>&1 && ls %s/*.key >/dev/null 2>&1",
             dir, dir);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/*
 * The object loader (jit/objload.c): a new process (here, a child running
 * the loom command) finds a split kernel (a whole-array sum, with a combine
 * function) and a kernel that calls fmodf (x % 0.7) in the disk cache and loads them
 * without LLJIT, with the values of the compiling run.  Objects the loader
 * cannot take -- not ELF, cut short, a relocation type it does not handle --
 * come back NULL (jit_get then links them with LLJIT).
 */
START_TEST(objects_load_without_the_jit)
{
    char dir[] = "/tmp/loom-objload-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char script[600], cmd[1600];
    snprintf(script, sizeof script, "%s/p.py", dir);
    FILE *f = fopen(script, "w");
    ck_assert_ptr_nonnull(f);
    fputs("import numpy as np\n"
          "x = np.arange(100000, dtype=np.float32) * np.float32(0.001)\n"
          "print((x % 0.7).sum(), x.sum(), (x * x).max())\n", f);
    fclose(f);
    const char *loom = LOOM_BINARY_DIR "/bin/loom";
    /* run 0 compiles and fills the cache; runs 1 and 2 load from it */
    for (int run = 0; run < 3; run++) {
        snprintf(cmd, sizeof cmd,
                 "cd %s && LOOM_CACHE_DIR=%s/cache '%s' %s p.py > out%d.txt 2>&1", dir, dir,
                 loom, run < 2 ? "run" : "dump --stage stats", run);
        ck_assert_int_eq(system(cmd), 0);
    }
    size_t n0, n1, n2;
    char p0[700], p1[700], p2[700];
    snprintf(p0, sizeof p0, "%s/out0.txt", dir);
    snprintf(p1, sizeof p1, "%s/out1.txt", dir);
    snprintf(p2, sizeof p2, "%s/out2.txt", dir);
    char *o0 = ts_read_file(p0, &n0), *o1 = ts_read_file(p1, &n1), *o2 = ts_read_file(p2, &n2);
    ck_assert_ptr_nonnull(o0);
    ck_assert_ptr_nonnull(o1);
    ck_assert_ptr_nonnull(o2);
    ck_assert_msg(n0 == n1 && !memcmp(o0, o1, n0), "%.*s\nvs\n%.*s", (int)n0, o0, (int)n1, o1);
    ck_assert_msg(strstr(o2, "on disk, loaded in") && !strstr(o2, "linked by LLJIT") &&
                      !strstr(o2, "compiled ("),
                  "%s", o2);
    free(o0);
    free(o1);
    free(o2);
    /* the loader on the files themselves */
    snprintf(cmd, sizeof cmd, "ls %s/cache/*.o > %s/list.txt", dir, dir);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(p0, sizeof p0, "%s/list.txt", dir);
    f = fopen(p0, "r");
    ck_assert_ptr_nonnull(f);
    char path[700];
    int nobj = 0;
    while (fgets(path, sizeof path, f)) {
        path[strcspn(path, "\n")] = 0;
        size_t len;
        char *ob = ts_read_file(path, &len);
        ck_assert_ptr_nonnull(ob);
        jit_obj *o = jit_obj_load(ob, len);
        ck_assert_ptr_nonnull(o);
        char sym[128]; /* the kernel's symbol: the file's name */
        snprintf(sym, sizeof sym, "%s", strrchr(path, '/') + 1);
        *strrchr(sym, '.') = 0;
        ck_assert_ptr_nonnull(jit_obj_symbol(o, sym));
        ck_assert_ptr_null(jit_obj_symbol(o, "no_such_kernel"));
        jit_obj_close(o);
        ck_assert_ptr_null(jit_obj_load(ob, len / 2)); /* cut short */
        /* every relocation turned into R_X86_64_32 (10): declined */
        const Elf64_Ehdr *eh = (const Elf64_Ehdr *)ob;
        Elf64_Shdr *sh = (Elf64_Shdr *)(ob + eh->e_shoff);
        int nrel = 0;
        for (int i = 0; i < eh->e_shnum; i++)
            if (sh[i].sh_type == SHT_RELA)
                for (size_t r = 0; r < sh[i].sh_size / sizeof(Elf64_Rela); r++, nrel++) {
                    Elf64_Rela *rel = (Elf64_Rela *)(ob + sh[i].sh_offset) + r;
                    rel->r_info = ELF64_R_INFO(ELF64_R_SYM(rel->r_info), R_X86_64_32);
                }
        if (nrel)
            ck_assert_ptr_null(jit_obj_load(ob, len));
        ob[0] = 0; /* not ELF */
        ck_assert_ptr_null(jit_obj_load(ob, len));
        free(ob);
        nobj++;
    }
    fclose(f);
    ck_assert_int_ge(nobj, 2);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* loom_kernel_cache_clear drops the plans too: the same graph in the same
 * context compiles again (from disk when there is a cache there). */
START_TEST(cache_clear_drops_plans)
{
    loom_options o = loom_options_default();
    o.cache_dir = NULL;
    loom_ctx *ctx = loom_ctx_new(&o);
    float x[32] = {0};
    for (int rep = 0; rep < 3; rep++) {
        loom_scope_begin(ctx);
        loom_array *y = loom_array_from(ctx, x, LOOM_FLOAT32, LOOM_SHAPE(32),
                                        LOOM_COPY);
        loom_array *z = loom_tanh(loom_multiply(y, loom_scalar(ctx, 1.75)));
        ck_assert_int_eq(loom_eval(z), LOOM_OK);
        loom_eval_stats st = loom_last_stats(ctx);
        ck_assert_int_eq(st.kernels, 1);
        ck_assert_int_eq(st.compiled, rep == 1 ? 0 : 1); /* 1: a plan hit */
        loom_scope_end(ctx);
        if (rep == 1)
            loom_kernel_cache_clear();
    }
    loom_ctx_free(ctx);
}
END_TEST

/* Evaluations a builder runs to look at data (here: the bounds of an
 * index array) count in the statistics of the next evaluation; a failed
 * evaluation reports no kernels of its own. */
START_TEST(stats_include_builder_evaluations)
{
    loom_ctx *ctx = ts_ctx();
    float x[64];
    for (int i = 0; i < 64; i++)
        x[i] = (float)i;
    loom_array *a = loom_array_from(ctx, x, LOOM_FLOAT32, LOOM_SHAPE(64), LOOM_COPY);
    /* the index array is computed (a kernel) when the gather is built */
    loom_array *idx = loom_astype(loom_floor(loom_multiply(loom_sqrt(a), loom_scalar(ctx, 2))),
                                  LOOM_INT64);
    loom_array *g = loom_exp(LOOM_GET(loom_sin(a), LOOM_IDX(idx)));
    ck_assert_int_eq(loom_eval(g), LOOM_OK);
    loom_eval_stats st = loom_last_stats(ctx);
    ck_assert_int_ge(st.kernels, 2);
    /* a later evaluation no longer carries them */
    ck_assert_int_eq(loom_eval(loom_cos(a)), LOOM_OK);
    ck_assert_int_eq(loom_last_stats(ctx).kernels, 1);
    /* failing at run time: nothing of its own */
    loom_array *bad = loom_linalg_inv(loom_zeros(ctx, LOOM_SHAPE(3, 3), LOOM_FLOAT64));
    ck_assert_int_ne(loom_eval(bad), LOOM_OK);
    st = loom_last_stats(ctx);
    ck_assert_int_eq(st.kernels + st.calls, 0);
    loom_ctx_free(ctx);
}
END_TEST

START_TEST(code_uses_the_vector_width)
{
    jit_kernel k;
    rt_alloc a = {rt_default_alloc, NULL};
    jit_kernel_init(&k, &a);
    /* for i in [lo, hi): b1[i] = exp(b0[i]) over float32 */
    int b0 = jit_buf(&k, LOOM_FLOAT32, false), b1 = jit_buf(&k, LOOM_FLOAT32, true);
    k.nloops = 1;
    int n = jit_param(&k, 1024);
    int i = jit_val(&k, (kir_val){.op = KV_VAR, .dtype = LOOM_INT64, .a = 0, .b = -1, .c = -1});
    int ld = jit_val(&k, (kir_val){.op = KV_LOAD, .dtype = LOOM_FLOAT32, .a = b0, .b = i, .c = -1});
    int ex = jit_val(&k, (kir_val){.op = KV_ALU, .dtype = LOOM_FLOAT32, .gop = GRAPH_OP_EXP,
                                   .a = ld, .b = -1, .c = -1});
    jit_stmt(&k, KS_LOOP, 0, n, KIR_LOOP_PARALLEL);
    jit_stmt(&k, KS_STORE, b1, i, ex);
    jit_stmt(&k, KS_END, -1, -1, -1);
    jit_kernel_hash(&k);
    snprintf(k.name, sizeof k.name, "test_exp");
    jit_texts t;
    char err[256];
    ck_assert_msg(jit_texts_make(&k, true, true, true, &t, err, sizeof err), "%s", err);
    ck_assert_ptr_nonnull(strstr(t.llvm, "define"));
    ck_assert_msg(strstr(t.asm_text, "zmm") || strstr(t.asm_text, "ymm"),
                  "the exp loop is not vectorized:\n%s", t.asm_text);
    jit_texts_free(&t);
    /* and it runs */
    jit_compile_info info;
    jit_fn fn = jit_get(&k, "", &info, err, sizeof err);
    ck_assert_msg(fn != NULL, "%s", err);
    float in[1024], out[1024];
    for (int j = 0; j < 1024; j++)
        in[j] = (float)j / 100 - 5;
    void *bufs[2] = {in, out};
    fn(bufs, k.params, 0, 1024);
    for (int j = 0; j < 1024; j++)
        ck_assert(fabs(out[j] - exp(in[j])) <= 4e-7 * exp(in[j]));
    jit_kernel_free(&k);
}
END_TEST

START_TEST(kernel_ir_prints)
{
    loom_ctx *ctx = ts_ctx();
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    loom_dump(ctx, f, LOOM_DUMP_KERNEL);
    loom_array *x = loom_arange(ctx, 0, 12, 1, LOOM_FLOAT32);
    loom_array *s = loom_sum(loom_reshape(x, LOOM_SHAPE(3, 4)), 1, false);
    ck_assert_int_eq(loom_eval(s), LOOM_OK);
    loom_dump(ctx, NULL, 0);
    fclose(f);
    ck_assert_msg(strstr(buf, "parallel for i0 in 0..p0:") &&
                      strstr(buf, "= sum identity") && strstr(buf, "acc0 = sum(acc0,"),
                  "%s", buf);
    free(buf);
    loom_ctx_free(ctx);
}
END_TEST

/* ---- streamed stores ---- */

static loom_ctx *stream_ctx(int64_t bytes, bool eager)
{
    loom_options o = loom_options_default();
    o.cache_dir = "";
    o.eager = eager;
    o.stream_bytes = bytes;
    o.threads = 2;
    return loom_ctx_new(&o);
}

/* Program p over x (rows x cols float32, from data at element offset
 * `off`): outputs in out[], returns how many. */
static int stream_program(loom_ctx *ctx, int p, const float *data, int off,
                          int64_t rows, int64_t cols, loom_array **out)
{
    loom_array *x = loom_array_from(ctx, data + off, LOOM_FLOAT32,
                                    LOOM_SHAPE(rows, cols), LOOM_BORROW);
    loom_array *flat = loom_reshape(x, LOOM_SHAPE(rows * cols));
    switch (p) {
    case 0: /* sigmoid, one dimension */
        out[0] = loom_divide(loom_scalar(ctx, 1),
                             loom_add(loom_scalar(ctx, 1), loom_exp(loom_negative(flat))));
        return 1;
    case 1: /* float64 results: 8-byte elements */
        out[0] = loom_add(loom_multiply(loom_astype(flat, LOOM_FLOAT64),
                                        loom_scalar(ctx, 2)),
                          loom_scalar(ctx, 1));
        return 1;
    case 2: /* bool results: 1-byte elements */
        out[0] = loom_greater(flat, loom_scalar(ctx, 0.25));
        return 1;
    case 3: /* rows: L2 normalization, each row its own peel */
        out[0] = loom_divide(x, loom_sqrt(loom_sum(loom_multiply(x, x), 1, true)));
        return 1;
    case 4: /* column statistics, then a pass over the rows */
        out[0] = loom_divide(loom_subtract(x, loom_mean(x, 0, true)),
                             loom_add(loom_std(x, 0, true, 0), loom_scalar(ctx, 1)));
        return 1;
    default: /* two outputs of one kernel: one of them streams */
        out[0] = loom_add(x, loom_scalar(ctx, 1));
        out[1] = loom_multiply(x, loom_scalar(ctx, 3));
        return 2;
    }
}

START_TEST(streamed_stores_match_cached)
{
    loom_ctx *plain = stream_ctx(-1, false), *stream = stream_ctx(1, false);
    int64_t shapes[][2] = {{1, 1},    {1, 15},   {1, 16},  {1, 17},  {1, 63},
                           {1, 64},   {1, 65},   {1, 255}, {1, 257}, {1, 4099},
                           {3, 37},   {8, 100},  {5, 129}, {64, 64}, {33, 256},
                           {2000, 3}, {700, 17}, {0, 5}};
    int nshapes = (int)(sizeof shapes / sizeof shapes[0]);
    float *data = malloc(sizeof(float) * (12000 + 8));
    for (int i = 0; i < 12000 + 8; i++)
        data[i] = (float)((i * 7919) % 1000) / 250 - 2;
    char *dump = NULL;
    size_t dlen = 0;
    FILE *f = open_memstream(&dump, &dlen);
    loom_dump(stream, f, LOOM_DUMP_KERNEL | LOOM_DUMP_ASM);
    for (int p = 0; p < 6; p++)
        for (int sh = 0; sh < nshapes; sh++)
            for (int off = 0; off < 2; off++) {
                int64_t r = shapes[sh][0], c = shapes[sh][1];
                loom_scope_begin(plain);
                loom_scope_begin(stream);
                loom_array *a[2], *b[2];
                int n = stream_program(plain, p, data, 3 * off, r, c, a);
                stream_program(stream, p, data, 3 * off, r, c, b);
                ck_assert_int_eq(loom_eval_many(plain, a, n), LOOM_OK);
                ck_assert_int_eq(loom_eval_many(stream, b, n), LOOM_OK);
                for (int o = 0; o < n; o++) {
                    size_t bytes = (size_t)loom_size(a[o]) *
                                   loom_dtype_size(loom_dtype_of(a[o]));
                    ck_assert_msg(bytes == 0 ||
                                      !memcmp(loom_data(a[o]), loom_data(b[o]), bytes),
                                  "program %d, %lldx%lld, offset %d, output %d", p,
                                  (long long)r, (long long)c, 3 * off, o);
                }
                loom_scope_end(plain);
                loom_scope_end(stream);
            }
    loom_dump(stream, NULL, 0);
    fclose(f);
    ck_assert_msg(strstr(dump, "(streamed past the caches)"), "nothing streamed");
#if defined(__x86_64__)
    ck_assert_msg(strstr(dump, "movnt"), "no non-temporal store in the code");
#endif
    free(dump);
    free(data);
    loom_ctx_free(plain);
    loom_ctx_free(stream);
}
END_TEST

/* An output that takes a dying input's memory is in the caches already:
 * eager sigmoid streams its first op's output only, the others run in
 * place; and nothing streams below the threshold. */
START_TEST(streams_skip_outputs_in_place)
{
    float x[1000];
    for (int i = 0; i < 1000; i++)
        x[i] = (float)i / 100 - 5;
    for (int k = 0; k < 2; k++) {
        loom_ctx *ctx = stream_ctx(k == 0 ? 1 : 1 << 20, true);
        char *dump = NULL;
        size_t dlen = 0;
        FILE *f = open_memstream(&dump, &dlen);
        loom_dump(ctx, f, LOOM_DUMP_KERNEL | LOOM_DUMP_MEMORY);
        loom_array *y = sigmoid_of(ctx, x, 1000);
        ck_assert_int_eq(loom_eval(y), LOOM_OK);
        loom_dump(ctx, NULL, 0);
        fclose(f);
        int streamed = 0;
        for (const char *q = dump; (q = strstr(q, "streamed past")); q++)
            streamed++;
        ck_assert_msg(streamed == (k == 0 ? 1 : 0) && strstr(dump, "in place of"),
                      "%d streamed:\n%s", streamed, dump);
        const float *o = loom_data(y);
        for (int i = 0; i < 1000; i++)
            ck_assert(fabs(o[i] - 1 / (1 + exp(-(double)x[i]))) < 1e-6);
        free(dump);
        loom_ctx_free(ctx);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("jit");
    TCase *t = tcase_create("jit");
    tcase_add_test(t, sizes_share_kernels);
    tcase_add_test(t, plan_cache_replays_correctly);
    tcase_add_test(t, disk_cache_is_used);
    tcase_add_test(t, objects_load_without_the_jit);
    tcase_add_test(t, cache_clear_drops_plans);
    tcase_add_test(t, stats_include_builder_evaluations);
    tcase_add_test(t, code_uses_the_vector_width);
    tcase_add_test(t, kernel_ir_prints);
    tcase_add_test(t, streamed_stores_match_cached);
    tcase_add_test(t, streams_skip_outputs_in_place);
    tcase_set_timeout(t, 120);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return ts_run(suite());
}
