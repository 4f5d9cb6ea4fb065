/*
 * metrics.c -- what loom-bench measures besides the workloads: the machine
 * (STREAM bandwidth, OpenBLAS GEMM rate, CPU name) and loom's compile and
 * overhead figures (cold compile of a kernel, cached-evaluation overhead,
 * kernel load from the on-disk cache in a new process).
 */
#define _GNU_SOURCE
#include "bench.h"
#include "hand/hand.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------ the machine */

void bench_cpu_name(char *buf, size_t n)
{
    snprintf(buf, n, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "model name", 10)) {
            char *p = strchr(line, ':');
            if (p) {
                p += 1 + (p[1] == ' ');
                p[strcspn(p, "\n")] = 0;
                snprintf(buf, n, "%s", p);
            }
            break;
        }
    }
    fclose(f);
}

/* STREAM copy and triad over three arrays far larger than the caches;
 * best of the runs, as STREAM reports, and of earlier calls. */
void bench_measure_stream(const bench_opts *o, bench_machine *m)
{
    int64_t n = o->quick ? (int64_t)1 << 24 : (int64_t)1 << 25;
    int runs = o->quick ? 5 : 10;
    size_t bytes = (size_t)n * sizeof(double);
    double *a = aligned_alloc(64, bytes), *b = aligned_alloc(64, bytes);
    double *c = aligned_alloc(64, bytes);
    m->stream_n = n;
    if (!a || !b || !c) {
        free(a);
        free(b);
        free(c);
        return;
    }
    stream_init(a, b, c, n);
    stream_copy(a, b, n);
    stream_triad(a, b, c, 3.0, n);
    double tc = 1e30, tt = 1e30;
    for (int r = 0; r < runs; r++) {
        double t0 = bench_now_ms();
        stream_copy(a, b, n);
        double t1 = bench_now_ms();
        stream_triad(a, b, c, 3.0, n);
        double t2 = bench_now_ms();
        tc = t1 - t0 < tc ? t1 - t0 : tc;
        tt = t2 - t1 < tt ? t2 - t1 : tt;
    }
    /* the best of this and any earlier measurement */
    m->copy_gbs = fmax(m->copy_gbs, 2.0 * (double)bytes / (tc * 1e6));
    m->triad_gbs = fmax(m->triad_gbs, 3.0 * (double)bytes / (tt * 1e6));
    free(a);
    free(b);
    free(c);
}

/* OpenBLAS sgemm and dgemm on square n x n matrices; best of the runs and
 * of earlier calls. */
void bench_measure_gemm(const bench_opts *o, bench_machine *m)
{
    int n = o->quick ? 1024 : 2048, runs = o->quick ? 3 : 5;
    size_t nn = (size_t)n * (size_t)n;
    double flops = 2.0 * n * (double)n * n;
    m->gemm_n = n;
    float *sa = malloc(nn * 4), *sb = malloc(nn * 4), *sc = malloc(nn * 4);
    double *da = malloc(nn * 8), *db = malloc(nn * 8), *dc = malloc(nn * 8);
    if (sa && sb && sc && da && db && dc) {
        for (size_t i = 0; i < nn; i++) {
            sa[i] = sb[i] = (float)((double)(i % 17) / 17.0 - 0.5);
            da[i] = db[i] = (double)(i % 13) / 13.0 - 0.5;
        }
        double ts = 1e30, td = 1e30;
        for (int r = 0; r <= runs; r++) {
            double t0 = bench_now_ms();
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n,
                        1.0f, sa, n, sb, n, 0.0f, sc, n);
            double t1 = bench_now_ms();
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n,
                        1.0, da, n, db, n, 0.0, dc, n);
            double t2 = bench_now_ms();
            if (r > 0) { /* run 0 warms up */
                ts = t1 - t0 < ts ? t1 - t0 : ts;
                td = t2 - t1 < td ? t2 - t1 : td;
            }
        }
        m->sgemm_gflops = fmax(m->sgemm_gflops, flops / (ts * 1e6));
        m->dgemm_gflops = fmax(m->dgemm_gflops, flops / (td * 1e6));
    }
    free(sa);
    free(sb);
    free(sc);
    free(da);
    free(db);
    free(dc);
}

/* ------------------------------------------------- compile and overhead */

/* The graphs of the compile metrics, on a realized input x; variant v
 * changes one constant so that every variant is a new kernel. */
static loom_array *probe_graph(int which, loom_array *x, int v)
{
    loom_ctx *ctx = loom_ctx_of(x);
    double c = 1.0 + v * 1e-3;
    if (which == 0)
        return loom_divide(loom_scalar_int(ctx, 1),
                           loom_add(loom_scalar(ctx, c),
                                    loom_exp(loom_negative(x))));
    if (which == 1) {
        loom_array *cube = loom_power(x, loom_scalar_int(ctx, 3));
        loom_array *in = loom_add(
            x, loom_multiply(loom_scalar(ctx, 0.044715 * c), cube));
        loom_array *t = loom_tanh(
            loom_multiply(loom_scalar(ctx, 0.7978845608), in));
        return loom_multiply(loom_multiply(loom_scalar(ctx, 0.5), x),
                             loom_add(loom_scalar_int(ctx, 1), t));
    }
    loom_array *xs = v ? loom_multiply(x, loom_scalar(ctx, c)) : x;
    loom_array *e = loom_exp(loom_subtract(xs, loom_max(xs, -1, true)));
    return loom_divide(e, loom_sum(e, -1, true));
}

static const char *const probe_names[3] = {"sigmoid", "gelu", "softmax"};

/* One cold evaluation of probe graph `which` (variant v) in a new context
 * without a disk cache, after loom_kernel_cache_clear(): the compile time
 * per compiled kernel, or -1 with the reason in why (an error, or that
 * nothing was compiled). */
static double cold_once(const bench_opts *o, int which, int v, char *why,
                        size_t whyn)
{
    loom_kernel_cache_clear();
    loom_ctx *ctx = bench_ctx_new(o, "");
    if (!ctx) {
        snprintf(why, whyn, "no context");
        return -1;
    }
    loom_rng *rng = loom_rng_new_u64(ctx, 7);
    loom_array *x = loom_rng_standard_normal(rng, LOOM_SHAPE(64, 64),
                                             LOOM_FLOAT32);
    double ms = -1;
    loom_status st = loom_eval(probe_graph(which, x, v));
    loom_eval_stats s = loom_last_stats(ctx);
    if (st)
        snprintf(why, whyn, "%s", loom_ctx_error(ctx));
    else if (s.compiled == 0)
        snprintf(why, whyn, "nothing was compiled (%d cache hits)",
                 s.cache_hits);
    else
        ms = s.compile_ms / s.compiled;
    loom_ctx_free(ctx);
    return ms;
}

/* Median compile time of a new kernel: after loom_kernel_cache_clear(), in
 * a new context without a disk cache.  If the same kernel cannot be
 * compiled again that way, variants with a different constant (each a new
 * kernel) stand in, and the reason is noted in c->why. */
static double cold_compile(const bench_opts *o, int which, int runs,
                           bench_compile *c)
{
    char why[256] = "";
    bool variants = false;
    double t[64];
    int n = 0;
    cold_once(o, which, 0, why, sizeof why); /* compiled once before */
    for (int i = 0; i < runs && i < 64; i++) {
        double ms = cold_once(o, which,
                              variants ? 1000 * (which + 1) + i + 1 : 0, why,
                              sizeof why);
        if (ms < 0 && !variants) {
            variants = true;
            if (!c->why[0])
                snprintf(c->why, sizeof c->why,
                         "compiling a kernel again after "
                         "loom_kernel_cache_clear() failed (%s); cold "
                         "compiles were measured on new variants of the "
                         "kernels (one constant changed) instead",
                         why);
            i--;
            continue;
        }
        if (ms >= 0)
            t[n++] = ms;
    }
    return n ? bench_median(t, n) : -1;
}

/* Microseconds per cached evaluation of probe graph `which` on x (rows x
 * cols f32): wall time, and the run_ms that loom reports for it. */
static void cached_eval(const bench_opts *o, int which, int64_t rows,
                        int64_t cols, double *wall_us, double *run_us)
{
    loom_ctx *ctx = bench_ctx_new(o, o->cache_dir);
    *wall_us = *run_us = -1;
    if (!ctx)
        return;
    loom_rng *rng = loom_rng_new_u64(ctx, o->seed);
    loom_array *x = loom_rng_standard_normal(rng, LOOM_SHAPE(rows, cols),
                                             LOOM_FLOAT32);
    if (loom_eval(x) == LOOM_OK) {
        int reps = o->quick ? 1000 : 4000, batches = o->runs;
        double w[64], r[64];
        for (int b = -1; b < batches; b++) {
            double run = 0, t0 = bench_now_ms();
            for (int i = 0; i < reps; i++) {
                loom_scope_begin(ctx);
                loom_eval(probe_graph(which, x, 0));
                run += loom_last_stats(ctx).run_ms;
                loom_scope_end(ctx);
            }
            if (b >= 0) {
                w[b] = (bench_now_ms() - t0) * 1e3 / reps;
                r[b] = run * 1e3 / reps;
            }
        }
        *wall_us = bench_median(w, batches);
        *run_us = bench_median(r, batches);
    }
    loom_ctx_free(ctx);
}

/* The hidden --disk-probe mode, run in a child process: evaluate the probe
 * graphs with a warm on-disk cache and a cold in-memory one; print JSON. */
int bench_disk_probe(const char *dir, int threads)
{
    loom_options opt = loom_options_default();
    opt.threads = threads;
    opt.cache_dir = dir;
    loom_ctx *ctx = loom_ctx_new(&opt);
    if (!ctx)
        return 1;
    loom_rng *rng = loom_rng_new_u64(ctx, 7);
    loom_array *x = loom_rng_standard_normal(rng, LOOM_SHAPE(64, 64),
                                             LOOM_FLOAT32);
    loom_eval(x);
    printf("{");
    for (int which = 0; which < 3; which++) {
        loom_scope_begin(ctx);
        double t0 = bench_now_ms();
        loom_status st = loom_eval(probe_graph(which, x, 0));
        double t1 = bench_now_ms();
        loom_eval_stats s = loom_last_stats(ctx);
        printf("%s\"%s_load_ms\": %.4f, \"%s_total_ms\": %.4f, "
               "\"%s_status\": %d",
               which ? ", " : "", probe_names[which], s.compile_ms,
               probe_names[which], t1 - t0, probe_names[which], (int)st);
        loom_scope_end(ctx);
    }
    printf("}\n");
    loom_ctx_free(ctx);
    return 0;
}

static void disk_metrics(const bench_opts *o, bench_compile *c)
{
    /* make sure the probe kernels are in the run's cache directory */
    loom_ctx *ctx = bench_ctx_new(o, o->cache_dir);
    if (ctx) {
        loom_rng *rng = loom_rng_new_u64(ctx, 7);
        loom_array *x = loom_rng_standard_normal(rng, LOOM_SHAPE(64, 64),
                                                 LOOM_FLOAT32);
        for (int which = 0; which < 3; which++) {
            loom_scope_begin(ctx);
            loom_eval(probe_graph(which, x, 0));
            loom_scope_end(ctx);
        }
        loom_ctx_free(ctx);
    }
    char exe[512];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0) {
        snprintf(c->why, sizeof c->why, "cannot find /proc/self/exe");
        return;
    }
    exe[len] = 0;
    int runs = o->quick ? 3 : 7, n = 0;
    double first[64], load[64], total[64];
    for (int r = 0; r < runs; r++) {
        char cmd[1200];
        snprintf(cmd, sizeof cmd, "'%s' --disk-probe '%s' --threads %d", exe,
                 o->cache_dir, o->threads);
        FILE *p = popen(cmd, "r");
        char line[1024] = "";
        if (!p || !fgets(line, sizeof line, p)) {
            if (p)
                pclose(p);
            continue;
        }
        pclose(p);
        double f, g, s, t, st1 = 1, st2 = 1;
        if (bench_json_num(line, "sigmoid_load_ms", &f) &&
            bench_json_num(line, "sigmoid_total_ms", &t) &&
            bench_json_num(line, "gelu_load_ms", &g) &&
            bench_json_num(line, "softmax_load_ms", &s) &&
            bench_json_num(line, "gelu_status", &st1) &&
            bench_json_num(line, "softmax_status", &st2) && st1 == 0 &&
            st2 == 0) {
            first[n] = f;
            total[n] = t;
            load[n] = 0.5 * (g + s);
            n++;
        }
    }
    c->disk_runs = n;
    if (n) {
        c->disk_first_ms = bench_median(first, n);
        c->disk_first_total_ms = bench_median(total, n);
        c->disk_load_ms = bench_median(load, n);
    }
}

void bench_compile_metrics(const bench_opts *o, bench_compile *c)
{
    fprintf(stderr, "  compile, overhead and disk-cache metrics\n");
    memset(c, 0, sizeof *c);
    c->cold_runs = o->quick ? 5 : 9;
    /* the disk metrics first: the cold compiles clear the kernel cache */
    c->disk_first_ms = c->disk_load_ms = c->disk_first_total_ms = -1;
    disk_metrics(o, c);
    cached_eval(o, 2, 64, 64, &c->small_wall_us, &c->small_run_us);
    c->small_overhead_us = c->small_wall_us >= 0
                               ? c->small_wall_us - c->small_run_us
                               : -1;
    cached_eval(o, 0, 1, 16, &c->tiny_wall_us, &c->tiny_run_us);
    c->tiny_overhead_us = c->tiny_wall_us >= 0
                              ? c->tiny_wall_us - c->tiny_run_us
                              : -1;
    {
        float *x = malloc(64 * 64 * sizeof *x);
        float *y = malloc(64 * 64 * sizeof *y);
        if (x && y) {
            for (int i = 0; i < 64 * 64; i++)
                x[i] = (float)((i * 37) % 101) / 50.0f - 1.0f;
            int reps = 20000;
            double t[64];
            hand_softmax(x, y, 64, 64);
            for (int b = 0; b < o->runs; b++) {
                double t0 = bench_now_ms();
                for (int i = 0; i < reps; i++)
                    hand_softmax(x, y, 64, 64);
                t[b] = (bench_now_ms() - t0) * 1e3 / reps;
            }
            c->small_hand_us = bench_median(t, o->runs);
        }
        free(x);
        free(y);
    }
    c->cold_sigmoid = cold_compile(o, 0, c->cold_runs, c);
    c->cold_gelu = cold_compile(o, 1, c->cold_runs, c);
    c->cold_softmax = cold_compile(o, 2, c->cold_runs, c);
}
