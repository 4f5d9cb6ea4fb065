/*
 * report.c -- loom-bench's output: the Markdown report (results table,
 * targets, compile and overhead metrics, correctness) and the JSON that
 * chart.py draws.
 */
#include "bench.h"

#include <math.h>
#include <string.h>
#include <time.h>

const char *fmt_ms(double ms, char *buf, size_t n)
{
    if (ms < 0)
        snprintf(buf, n, "—");
    else if (ms < 0.1)
        snprintf(buf, n, "%.1f µs", ms * 1e3);
    else if (ms < 10)
        snprintf(buf, n, "%.2f ms", ms);
    else if (ms < 1000)
        snprintf(buf, n, "%.1f ms", ms);
    else
        snprintf(buf, n, "%.2f s", ms / 1e3);
    return buf;
}

static const char *fmt_ratio(double num, double den, char *buf, size_t n)
{
    if (num < 0 || den <= 0)
        snprintf(buf, n, "—");
    else if (num / den >= 100)
        snprintf(buf, n, "%.0fx", num / den);
    else
        snprintf(buf, n, "%.2fx", num / den);
    return buf;
}

/* Footnotes for "not run" cells: distinct reasons, numbered from 1. */
typedef struct notes {
    int n;
    const char *text[64];
} notes;

static int note_of(notes *nt, const char *why)
{
    for (int i = 0; i < nt->n; i++)
        if (!strcmp(nt->text[i], why))
            return i + 1;
    if (nt->n == 64)
        return 64;
    nt->text[nt->n++] = why;
    return nt->n;
}

/* A time cell: the time, or "not run (n)" with a footnote. */
static const char *cell(notes *nt, double ms, const char *why, char *buf,
                        size_t n)
{
    if (ms >= 0)
        return fmt_ms(ms, buf, n);
    if (!why[0] || !strcmp(why, "n/a"))
        snprintf(buf, n, "%s", why[0] ? "n/a" : "—");
    else if (!strcmp(why, "skipped"))
        snprintf(buf, n, "skipped");
    else
        snprintf(buf, n, "not run [%d]", note_of(nt, why));
    return buf;
}

static void results_table(FILE *f, const bench_machine *m, const wl_result *r,
                          int n, notes *nt)
{
    fprintf(f, "| workload | size | loom fused | loom eager | NumPy | hand C "
               "| roofline | NumPy/loom | eager/loom | loom/hand C "
               "| loom/roofline | GB/s | GFLOP/s | compile | kernels |\n");
    fprintf(f, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:"
               "|--|\n");
    for (int i = 0; i < n; i++) {
        const wl_result *x = &r[i];
        char dims[64], c[10][48];
        wl_dims_str(x->w, x->dims, dims, sizeof dims);
        char gbs[32] = "", gfl[32] = "", kern[64] = "—", comp[32] = "—";
        if (x->fused > 0 && x->bytes > 0 && x->reps == 1)
            snprintf(gbs, sizeof gbs, "%.1f", x->bytes / (x->fused * 1e6));
        if (x->fused > 0 && x->flops > 0)
            snprintf(gfl, sizeof gfl, "%.1f", x->flops / (x->fused * 1e6));
        if (x->fused >= 0) {
            int len = snprintf(kern, sizeof kern, "%d", x->kernels);
            if (x->calls)
                len += snprintf(kern + len, sizeof kern - (size_t)len,
                                " + %d call%s", x->calls,
                                x->calls > 1 ? "s" : "");
            if (x->eager >= 0)
                snprintf(kern + len, sizeof kern - (size_t)len,
                         " (eager %d%s)", x->eager_kernels + x->eager_calls,
                         "");
            if (x->compile_ms == 0)
                snprintf(comp, sizeof comp, "0 (cached)");
            else
                fmt_ms(x->compile_ms, comp, sizeof comp);
        }
        fprintf(f, "| %s | %s%s | %s | %s | %s | %s | %s | %s | %s | %s | %s "
                   "| %s | %s | %s | %s |\n",
                x->w->name, dims, x->reps > 1 ? " (per call)" : "",
                cell(nt, x->fused, x->fused_why, c[0], 48),
                cell(nt, x->eager, x->eager_why, c[1], 48),
                cell(nt, x->numpy, x->numpy_why, c[2], 48),
                cell(nt, x->hand, x->hand_why, c[3], 48),
                x->roof > 0 ? fmt_ms(x->roof, c[4], 48) : "—",
                fmt_ratio(x->numpy, x->fused, c[5], 48),
                fmt_ratio(x->eager, x->fused, c[6], 48),
                fmt_ratio(x->fused, x->hand, c[7], 48),
                fmt_ratio(x->fused, x->roof, c[8], 48), gbs, gfl, comp, kern);
    }
    (void)m;
}

/* One target row: measured value v (< 0: not measurable), goal, pass. */
static void target_row(FILE *f, const char *wl, const char *goal, double v,
                       const char *unit, bool pass, int *npass, int *nmiss,
                       int *nnot)
{
    char meas[48];
    if (v < 0 || !isfinite(v)) {
        snprintf(meas, sizeof meas, "not run");
        (*nnot)++;
    } else {
        snprintf(meas, sizeof meas, "%.2f%s", v, unit);
        (*(pass ? npass : nmiss))++;
    }
    fprintf(f, "| %s | %s | %s | %s |\n", wl, goal, meas,
            v < 0 || !isfinite(v) ? "—" : pass ? "pass" : "**MISS**");
}

static double ratio(double a, double b)
{
    return a >= 0 && b > 0 ? a / b : -1;
}

static void targets_table(FILE *f, const bench_machine *m, const wl_result *r,
                          int n, const bench_compile *c)
{
    int np = 0, nm = 0, nn = 0;
    fprintf(f, "| workload | goal | measured | status |\n|---|---|--:|---|\n");
    for (int i = 0; i < n; i++) {
        const wl_result *x = &r[i];
        const char *w = x->w->name;
        unsigned t = x->w->targets;
        double np_l = ratio(x->numpy, x->fused);
        double e_l = ratio(x->eager, x->fused);
        double l_h = ratio(x->fused, x->hand);
        if (t & TGT_CHAIN) {
            target_row(f, w, "NumPy/loom >= 5", np_l, "x", np_l >= 5, &np,
                       &nm, &nn);
            target_row(f, w, "eager/loom >= 3", e_l, "x", e_l >= 3, &np, &nm,
                       &nn);
            target_row(f, w, "loom/hand C <= 1", l_h, "x", l_h <= 1, &np,
                       &nm, &nn);
        }
        if (t & TGT_STREAM) {
            double bw = x->fused > 0 && m->triad_gbs > 0
                            ? 100 * x->bytes / (x->fused * 1e6) / m->triad_gbs
                            : -1;
            target_row(f, w, ">= 80% of STREAM triad", bw, "%", bw >= 80, &np,
                       &nm, &nn);
        }
        if (t & TGT_GEMM) {
            double g = ratio(x->fused, x->gemm_alone);
            target_row(f, w, "loom / GEMM alone <= 1.15", g, "x", g <= 1.15,
                       &np, &nm, &nn);
            target_row(f, w, "NumPy/loom >= 2", np_l, "x", np_l >= 2, &np,
                       &nm, &nn);
        }
        if (t & TGT_HAND12)
            target_row(f, w, "loom / best GEMM pair (hand C) <= 1.2", l_h,
                       "x", l_h <= 1.2, &np, &nm, &nn);
        if (t & TGT_NUMPY2)
            target_row(f, w, "NumPy/loom >= 2", np_l, "x", np_l >= 2, &np,
                       &nm, &nn);
        if (t & TGT_NUMPY1)
            target_row(f, w, "NumPy/loom >= 1", np_l, "x", np_l >= 1, &np,
                       &nm, &nn);
    }
    double cold[3] = {c->cold_sigmoid, c->cold_gelu, c->cold_softmax};
    const char *cn[3] = {"compile: sigmoid kernel", "compile: gelu kernel",
                         "compile: softmax kernel"};
    for (int k = 0; k < 3; k++)
        target_row(f, cn[k], "cold compile <= 10 ms (median)", cold[k], " ms",
                   cold[k] <= 10, &np, &nm, &nn);
    target_row(f, "overhead: small_softmax 64x64",
               "cached evaluation adds <= 5 µs", c->small_overhead_us, " µs",
               c->small_overhead_us <= 5, &np, &nm, &nn);
    target_row(f, "overhead: sigmoid of 16 floats",
               "cached evaluation adds <= 5 µs", c->tiny_overhead_us, " µs",
               c->tiny_overhead_us <= 5, &np, &nm, &nn);
    target_row(f, "disk cache: new process", "kernel load <= 1 ms",
               c->disk_load_ms, " ms", c->disk_load_ms <= 1, &np, &nm, &nn);
    target_row(f, "disk cache: new process",
               "first evaluation's load, JIT start included, <= 1 ms",
               c->disk_first_ms, " ms", c->disk_first_ms <= 1, &np, &nm, &nn);
    fprintf(f, "\n%d pass, %d miss, %d not measurable (loom could not run "
               "the workload or a baseline is missing).\n",
            np, nm, nn);
}

static void compile_table(FILE *f, const bench_compile *c, const wl_result *r,
                          int n)
{
    char b[4][48];
    fprintf(f, "| metric | value |\n|---|--:|\n");
    fprintf(f, "| cold compile, sigmoid kernel (median of %d) | %s |\n",
            c->cold_runs, fmt_ms(c->cold_sigmoid, b[0], 48));
    fprintf(f, "| cold compile, gelu kernel | %s |\n",
            fmt_ms(c->cold_gelu, b[0], 48));
    fprintf(f, "| cold compile, softmax kernel | %s |\n",
            fmt_ms(c->cold_softmax, b[0], 48));
    fprintf(f, "| small_softmax 64x64, cached: wall per evaluation | %s |\n",
            fmt_ms(c->small_wall_us / 1e3, b[0], 48));
    fprintf(f, "| small_softmax 64x64, cached: loom's run_ms of it | %s |\n",
            fmt_ms(c->small_run_us / 1e3, b[0], 48));
    fprintf(f, "| small_softmax 64x64, cached: overhead (wall - run) | %s |\n",
            fmt_ms(c->small_overhead_us / 1e3, b[0], 48));
    fprintf(f, "| small_softmax 64x64, hand C per call (1 thread) | %s |\n",
            fmt_ms(c->small_hand_us / 1e3, b[0], 48));
    for (int i = 0; i < n; i++)
        if (!strcmp(r[i].w->name, "small_softmax") && r[i].numpy >= 0)
            fprintf(f, "| small_softmax 64x64, NumPy per call | %s |\n",
                    fmt_ms(r[i].numpy, b[0], 48));
    fprintf(f, "| sigmoid of 16 floats, cached: wall per evaluation | %s |\n",
            fmt_ms(c->tiny_wall_us / 1e3, b[0], 48));
    fprintf(f, "| sigmoid of 16 floats, cached: overhead (wall - run) | %s |\n",
            fmt_ms(c->tiny_overhead_us / 1e3, b[0], 48));
    fprintf(f, "| disk cache, new process: first evaluation's kernel load "
               "(JIT start included) | %s |\n",
            fmt_ms(c->disk_first_ms, b[0], 48));
    fprintf(f, "| disk cache, new process: first evaluation, wall | %s |\n",
            fmt_ms(c->disk_first_total_ms, b[0], 48));
    fprintf(f, "| disk cache, new process: later kernel load (JIT up) | %s |\n",
            fmt_ms(c->disk_load_ms, b[0], 48));
    if (c->why[0])
        fprintf(f, "\nNote: %s.\n", c->why);
}

static void err_cell(FILE *f, double e, double tol)
{
    if (e < 0)
        fprintf(f, " — |");
    else if (e <= tol)
        fprintf(f, " %.1e |", e);
    else
        fprintf(f, " **%.1e** |", e);
}

static void correctness_table(FILE *f, const wl_result *r, int n)
{
    fprintf(f, "| workload | reference | tolerance | loom eager | hand C "
               "| NumPy |\n|---|---|--:|--:|--:|--:|\n");
    for (int i = 0; i < n; i++) {
        const wl_result *x = &r[i];
        fprintf(f, "| %s | %s | %.0e |", x->w->name,
                x->ref_name ? x->ref_name : "none", x->tol);
        err_cell(f, x->err_eager, x->tol);
        err_cell(f, x->err_hand, x->tol);
        err_cell(f, x->err_numpy, x->tol);
        fprintf(f, "\n");
    }
}

void report_markdown(FILE *f, const bench_opts *o, const bench_machine *m,
                     const wl_result *r, int n, const bench_compile *c,
                     double total_s)
{
    char date[64], b[4][48];
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime(&now));
    fprintf(f, "# loom benchmark results\n\n");
    fprintf(f, "`loom-bench%s` on %s: %s, %d threads, loom %s. Every time is "
               "the median of %d runs after a warm-up (per call where a run "
               "makes many calls); the whole run took %.0f s. Load average "
               "%s at the start, %s at the end (%d cores: above that, other "
               "processes shared the machine and the times are noisy). "
               "Compare only figures from the same run. Column meanings: "
               "[bench/README.md](README.md).\n\n",
            o->quick ? " --quick" : "", date, m->cpu, m->threads,
            LOOM_VERSION_STRING, o->runs, total_s, m->load_start,
            m->load_end, m->ncpu);
    fprintf(f, "Machine (measured by this run): STREAM copy %.1f GB/s, triad "
               "%.1f GB/s (3 x %lld doubles); OpenBLAS sgemm %.0f GFLOP/s, "
               "dgemm %.0f GFLOP/s (n = %lld); each the best of its runs at "
               "the start and at the end of the suite. The roofline uses "
               "the triad bandwidth and the GEMM rate of the workload's "
               "dtype.\n\n",
            m->copy_gbs, m->triad_gbs, (long long)m->stream_n,
            m->sgemm_gflops, m->dgemm_gflops, (long long)m->gemm_n);
    notes nt = {0};
    fprintf(f, "## Results\n\n");
    results_table(f, m, r, n, &nt);
    if (nt.n) {
        fprintf(f, "\nNot run:\n\n");
        for (int i = 0; i < nt.n; i++)
            fprintf(f, "%d. %s\n", i + 1, nt.text[i]);
    }
    bool any_gemm = false;
    for (int i = 0; i < n; i++)
        any_gemm |= r[i].gemm_alone >= 0 || r[i].numpy_opt >= 0;
    if (any_gemm) {
        fprintf(f, "\nReference timings:\n\n");
        for (int i = 0; i < n; i++) {
            if (r[i].gemm_alone >= 0)
                fprintf(f, "- %s: the GEMM calls alone (hand C's BLAS calls "
                           "without the epilogue) take %s.\n",
                        r[i].w->name, fmt_ms(r[i].gemm_alone, b[0], 48));
            if (r[i].numpy_opt >= 0)
                fprintf(f, "- %s: NumPy's einsum with optimize=True takes %s "
                           "(the NumPy column is the default, "
                           "optimize=False).\n",
                        r[i].w->name, fmt_ms(r[i].numpy_opt, b[0], 48));
        }
    }
    fprintf(f, "\n## Targets (../shared/BENCH.md and the issues)\n\n");
    targets_table(f, m, r, n, c);
    fprintf(f, "\n## Compile and overhead\n\n");
    compile_table(f, c, r, n);
    fprintf(f, "\n## Correctness\n\nEach result against the reference "
               "(loom fused, or hand C when loom did not run): "
               "max |x - ref| / max |ref|, or the fraction of differing "
               "elements for integer results; bold when above the "
               "tolerance.\n\n");
    correctness_table(f, r, n);
}

/* ------------------------------------------------------------------ JSON */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            fprintf(f, "\\u%04x", *s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

static void json_num(FILE *f, const char *key, double v, bool comma)
{
    if (v < 0 || !isfinite(v))
        fprintf(f, "\"%s\": null%s", key, comma ? ", " : "");
    else
        fprintf(f, "\"%s\": %.6g%s", key, v, comma ? ", " : "");
}

bool report_json(const char *path, const bench_opts *o,
                 const bench_machine *m, const wl_result *r, int n)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    fprintf(f, "{\"quick\": %s, \"threads\": %d, \"cpu\": ",
            o->quick ? "true" : "false", m->threads);
    json_str(f, m->cpu);
    fprintf(f, ", ");
    json_num(f, "stream_triad_gbs", m->triad_gbs, true);
    json_num(f, "sgemm_gflops", m->sgemm_gflops, true);
    json_num(f, "dgemm_gflops", m->dgemm_gflops, true);
    fprintf(f, "\"workloads\": [\n");
    for (int i = 0; i < n; i++) {
        const wl_result *x = &r[i];
        char dims[64];
        wl_dims_str(x->w, x->dims, dims, sizeof dims);
        fprintf(f, "  {\"name\": ");
        json_str(f, x->w->name);
        fprintf(f, ", \"size\": ");
        json_str(f, dims);
        fprintf(f, ", ");
        json_num(f, "fused_ms", x->fused, true);
        json_num(f, "eager_ms", x->eager, true);
        json_num(f, "numpy_ms", x->numpy, true);
        json_num(f, "hand_ms", x->hand, true);
        json_num(f, "roofline_ms", x->roof, true);
        json_num(f, "gemm_alone_ms", x->gemm_alone, true);
        json_num(f, "compile_ms", x->compile_ms, true);
        fprintf(f, "\"kernels\": %d, \"calls\": %d, \"fused_why\": ",
                x->kernels, x->calls);
        json_str(f, x->fused_why);
        fprintf(f, "}%s\n", i + 1 < n ? "," : "");
    }
    fprintf(f, "]}\n");
    return fclose(f) == 0;
}
