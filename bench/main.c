/*
 * main.c -- loom-bench: runs the workloads of ../shared/BENCH.md as loom
 * fused, loom eager, NumPy and hand-written C on the same inputs, measures
 * the machine's STREAM bandwidth and GEMM rate, the compile and overhead
 * metrics, and reports a Markdown table (and optionally a report file and
 * a PNG chart).
 *
 *   loom-bench [--quick] [--runs N] [--threads N] [--only a,b] [--seed S]
 *              [--report FILE] [--chart FILE.png] [--json FILE]
 *              [--no-numpy] [--no-hand] [--bench-dir DIR]
 *              [--dump STAGES] [--list]
 *
 * Timing rules: inputs are made outside the timed region; a loom timing
 * covers building the graph and loom_eval with the kernel cache warm (one
 * warm-up run first, whose compile time is reported apart); every figure is
 * the median of the timed runs after a warm-up.  The NumPy column comes
 * from bench/numpy/<name>.py under /usr/bin/python3, which times itself the
 * same way and checks its result against loom's.
 */
#define _GNU_SOURCE
#include "bench.h"
#include "hand/hand.h"

#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef LOOM_BENCH_SRC_DIR
#define LOOM_BENCH_SRC_DIR "bench"
#endif

double bench_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(double *v, int n)
{
    if (n <= 0)
        return -1;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The smallest of v[0..n), n >= 1. */
static double vmin(const double *v, int n)
{
    double m = v[0];
    for (int i = 1; i < n; i++)
        m = v[i] < m ? v[i] : m;
    return m;
}

/* -------------------------------------------------------------- loom runs */

/* The outputs as one float64 vector (malloc'd; NULL on failure). */
static double *outputs_f64(loom_array **out, int n, int64_t *total,
                           bool *is_int)
{
    int64_t len = 0;
    *is_int = true;
    for (int i = 0; i < n; i++) {
        len += loom_size(out[i]);
        loom_dtype t = loom_dtype_of(out[i]);
        if (t == LOOM_FLOAT32 || t == LOOM_FLOAT64)
            *is_int = false;
    }
    double *v = malloc((size_t)(len > 0 ? len : 1) * sizeof *v), *p = v;
    for (int i = 0; v && i < n; i++) {
        const void *src = loom_data(out[i]);
        int64_t m = loom_size(out[i]);
        if (!src) {
            free(v);
            return NULL;
        }
        for (int64_t j = 0; j < m; j++) {
            switch (loom_dtype_of(out[i])) {
            case LOOM_BOOL: p[j] = ((const bool *)src)[j]; break;
            case LOOM_INT32: p[j] = ((const int32_t *)src)[j]; break;
            case LOOM_INT64: p[j] = (double)((const int64_t *)src)[j]; break;
            case LOOM_FLOAT32: p[j] = ((const float *)src)[j]; break;
            default: p[j] = ((const double *)src)[j]; break;
            }
        }
        p += m;
    }
    *total = len;
    return v;
}

/* The hand baseline's outputs as one float64 vector (malloc'd). */
static double *hand_f64(const wl_data *d, int64_t *total, bool *is_int)
{
    int64_t len = 0;
    *is_int = true;
    for (int i = 0; i < d->nhout; i++) {
        len += d->hout_n[i];
        loom_dtype t = d->hout_dtype[i];
        if (t == LOOM_FLOAT32 || t == LOOM_FLOAT64)
            *is_int = false;
    }
    double *v = malloc((size_t)(len > 0 ? len : 1) * sizeof *v), *p = v;
    for (int i = 0; v && i < d->nhout; i++) {
        for (int64_t j = 0; j < d->hout_n[i]; j++) {
            switch (d->hout_dtype[i]) {
            case LOOM_INT64: p[j] = (double)((int64_t *)d->hout[i])[j]; break;
            case LOOM_FLOAT32: p[j] = ((float *)d->hout[i])[j]; break;
            default: p[j] = ((double *)d->hout[i])[j]; break;
            }
        }
        p += d->hout_n[i];
    }
    *total = len;
    return v;
}

/* max |x - ref| / max |ref|, or for integer results the fraction that
 * differ; +inf when sizes or NaN patterns differ.  The same measure as
 * bench/numpy/common.py. */
static double compare(const double *x, int64_t nx, const double *ref,
                      int64_t nref, bool is_int, bool use_abs)
{
    if (nx != nref)
        return INFINITY;
    if (nx == 0)
        return 0;
    double err = 0, scale = 0;
    int64_t bad = 0;
    bool nan_x = false, nan_r = false;
    for (int64_t i = 0; i < nx; i++) {
        double a = use_abs ? fabs(x[i]) : x[i];
        double b = use_abs ? fabs(ref[i]) : ref[i];
        nan_x |= isnan(a);
        nan_r |= isnan(b);
        if (is_int) {
            bad += a != b;
            continue;
        }
        if (!isnan(a) && !isnan(b)) {
            err = fmax(err, fabs(a - b));
            scale = fmax(scale, fabs(b));
        }
    }
    if (is_int)
        return (double)bad / (double)nx;
    if (nan_x != nan_r)
        return INFINITY;
    return err / (scale > 1e-300 ? scale : 1e-300);
}

/* A loom run's outcome. */
typedef struct loom_outcome {
    loom_status st;
    double ms;
    loom_eval_stats stats;
    double *vals; /* when asked for: outputs as float64 */
    int64_t nvals;
    bool is_int;
} loom_outcome;

/* One evaluation: build the program and evaluate it, timed; outputs copied
 * afterwards (untimed) when want_vals.  The reason of a failure goes to
 * why. */
static loom_outcome loom_once(wl_data *d, const workload *w, bool want_vals,
                              char *why, size_t whyn)
{
    loom_outcome r = {0};
    loom_array *out[WL_MAXOUT] = {0};
    d->why[0] = 0;
    double t0 = bench_now_ms();
    loom_scope_begin(d->ctx);
    int n = w->build(d, out);
    if (n <= 0) {
        r.st = LOOM_ERR_VALUE;
        snprintf(why, whyn, "%s", d->why[0] ? d->why : "build failed");
    } else {
        for (int i = 0; i < n && !r.st; i++)
            if ((r.st = loom_status_of(out[i])))
                snprintf(why, whyn, "%s", loom_error(out[i]));
        if (!r.st) {
            r.st = n == 1 ? loom_eval(out[0])
                          : loom_eval_many(d->ctx, out, n);
            if (r.st)
                snprintf(why, whyn, "evaluation failed: %s",
                         loom_ctx_error(d->ctx));
        }
    }
    r.ms = bench_now_ms() - t0;
    r.stats = loom_last_stats(d->ctx);
    if (!r.st && want_vals) {
        r.vals = outputs_f64(out, n, &r.nvals, &r.is_int);
        if (!r.vals) {
            r.st = LOOM_ERR_MEMORY;
            snprintf(why, whyn, "reading the result failed");
        }
    }
    loom_scope_end(d->ctx);
    return r;
}

/* `reps` build-evaluate-release cycles, timed together; ms per cycle. */
static double loom_batch(wl_data *d, const workload *w, int reps)
{
    loom_array *out[WL_MAXOUT];
    double t0 = bench_now_ms();
    for (int i = 0; i < reps; i++) {
        loom_scope_begin(d->ctx);
        int n = w->build(d, out);
        if (n == 1)
            loom_eval(out[0]);
        else if (n > 1)
            loom_eval_many(d->ctx, out, n);
        loom_scope_end(d->ctx);
    }
    return (bench_now_ms() - t0) / reps;
}

/* One timed loom run of the program (reps calls); ms per call.  Returns
 * the status; the stats of the last call go to *st. */
static loom_status loom_timed(wl_data *d, const workload *w, int reps,
                              bool eager, double *ms, loom_eval_stats *st,
                              char *why, size_t whyn)
{
    loom_ctx_set_eager(d->ctx, eager);
    if (reps == 1) {
        loom_outcome r = loom_once(d, w, false, why, whyn);
        *ms = r.ms;
        *st = r.stats;
        return r.st;
    }
    *ms = loom_batch(d, w, reps);
    *st = loom_last_stats(d->ctx);
    return loom_ctx_status(d->ctx);
}

/* The warm-up run of loom, fused or eager: its compile time is the
 * result's; its outputs (malloc'd, float64) are returned, or NULL when
 * loom could not run the program (the reason goes to the result). */
static double *loom_warm(wl_data *d, const workload *w, bool eager,
                         wl_result *res, int64_t *nvals, bool *is_int)
{
    char *why = eager ? res->eager_why : res->fused_why;
    size_t whyn = eager ? sizeof res->eager_why : sizeof res->fused_why;
    loom_ctx_set_eager(d->ctx, eager);
    loom_outcome first = loom_once(d, w, true, why, whyn);
    if (first.st) {
        free(first.vals);
        return NULL;
    }
    if (!eager)
        res->compile_ms = first.stats.compile_ms;
    *nvals = first.nvals;
    *is_int = first.is_int;
    return first.vals;
}

/* ------------------------------------------------------------ hand runs */

/* Prepares and warms up the hand baseline; its outputs (float64,
 * malloc'd) are returned, or NULL with the reason in the result. */
static double *hand_warm(wl_data *d, const workload *w, wl_result *res,
                         int64_t *nvals, bool *is_int)
{
    if (w->no_hand || !w->hand_prep) {
        snprintf(res->hand_why, sizeof res->hand_why, "n/a");
        return NULL;
    }
    if (!w->hand_prep(d)) {
        snprintf(res->hand_why, sizeof res->hand_why, "out of memory");
        return NULL;
    }
    d->status = 0;
    w->hand(d, false);
    if (d->status) {
        snprintf(res->hand_why, sizeof res->hand_why, "LAPACK info %d",
                 d->status);
        return NULL;
    }
    double *v = hand_f64(d, nvals, is_int);
    if (!v)
        snprintf(res->hand_why, sizeof res->hand_why, "out of memory");
    else if (w->has_gemm_only)
        w->hand(d, true); /* warm the GEMM-alone variant too */
    return v;
}

static double hand_timed(wl_data *d, const workload *w, int reps,
                         bool gemm_only)
{
    double t0 = bench_now_ms();
    for (int r = 0; r < reps; r++)
        w->hand(d, gemm_only);
    return (bench_now_ms() - t0) / reps;
}

/* ----------------------------------------------------------- NumPy runs */

bool bench_json_num(const char *js, const char *key, double *v)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(js, pat);
    if (!p)
        return false;
    p += strlen(pat);
    while (*p == ' ')
        p++;
    char *end;
    *v = strtod(p, &end);
    return end != p;
}

static bool write_ref(const char *path, const double *v, int64_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    bool ok = fwrite(v, sizeof *v, (size_t)n, f) == (size_t)n;
    return (fclose(f) == 0) && ok;
}

static void numpy_column(const bench_opts *o, const workload *w,
                         const int64_t *dims, int reps, const double *ref,
                         int64_t nref, wl_result *res)
{
    char dimstr[128] = "", check[600] = "", cmd[2048], errpath[300];
    for (int i = 0, len = 0; i < w->ndims; i++)
        len += snprintf(dimstr + len, sizeof dimstr - (size_t)len, "%s%lld",
                        i ? "," : "", (long long)dims[i]);
    if (ref) {
        char path[300];
        snprintf(path, sizeof path, "%s/ref.bin", o->tmp_dir);
        if (write_ref(path, ref, nref))
            snprintf(check, sizeof check, " --check '%s'%s", path,
                     w->compare_abs ? " --abs" : "");
    }
    snprintf(errpath, sizeof errpath, "%s/numpy.err", o->tmp_dir);
    snprintf(cmd, sizeof cmd,
             "PYTHONDONTWRITEBYTECODE=1 OPENBLAS_NUM_THREADS=%d "
             "OMP_NUM_THREADS=%d '%s' "
             "'%s/numpy/%s.py' --dims %s --runs %d --reps %d --seed %llu%s "
             "2>'%s'",
             o->threads, o->threads, o->python, o->bench_dir, w->name,
             dimstr, o->runs, reps, (unsigned long long)o->seed, check,
             errpath);
    fflush(stdout);
    FILE *p = popen(cmd, "r");
    char line[4096] = "", last[4096] = "";
    while (p && fgets(line, sizeof line, p))
        if (line[0] == '{')
            snprintf(last, sizeof last, "%s", line);
    int rc = p ? pclose(p) : -1;
    double v;
    if (rc == 0 && bench_json_num(last, "median_ms", &v)) {
        res->numpy = v;
        if (bench_json_num(last, "min_ms", &v))
            res->numpy_min = v;
        if (bench_json_num(last, "err", &v))
            res->err_numpy = v;
        if (bench_json_num(last, "optimize_true_ms", &v))
            res->numpy_opt = v;
        return;
    }
    /* the last line of the script's stderr says why */
    FILE *e = fopen(errpath, "r");
    char el[512] = "", lastel[512] = "exit status";
    while (e && fgets(el, sizeof el, e))
        if (el[0] != '\n')
            snprintf(lastel, sizeof lastel, "%s", el);
    if (e)
        fclose(e);
    lastel[strcspn(lastel, "\n")] = 0;
    snprintf(res->numpy_why, sizeof res->numpy_why, "failed: %s", lastel);
}

/* ------------------------------------------------------------ a workload */

loom_ctx *bench_ctx_new(const bench_opts *o, const char *cache_dir)
{
    loom_options opt = loom_options_default();
    opt.threads = o->threads;
    opt.eager = 0;
    opt.cache_dir = cache_dir;
    return loom_ctx_new(&opt);
}

/* The roofline of a result: the larger of its bytes at the STREAM triad
 * bandwidth and its GEMM FLOPs at the GEMM rate of its dtype; -1 when
 * neither applies (small_softmax runs from cache, sort is not bound by
 * either). */
static void set_roofline(const bench_machine *m, wl_result *res)
{
    const workload *w = res->w;
    double roof_bw = m->triad_gbs > 0 && res->bytes > 0 && res->reps == 1
                         ? res->bytes / (m->triad_gbs * 1e6)
                         : -1;
    double rate = w->gemm_dtype == LOOM_FLOAT32   ? m->sgemm_gflops
                  : w->gemm_dtype == LOOM_FLOAT64 ? m->dgemm_gflops
                                                  : 0;
    double roof_fl = rate > 0 && res->flops > 0 ? res->flops / (rate * 1e6)
                                                : -1;
    res->roof = roof_bw > roof_fl ? roof_bw : roof_fl;
}

static void run_workload(const bench_opts *o, const workload *w,
                         wl_result *res)
{
    memset(res, 0, sizeof *res);
    res->w = w;
    res->fused = res->eager = res->hand = res->numpy = -1;
    res->gemm_alone = res->roof = res->numpy_opt = -1;
    res->err_eager = res->err_hand = res->err_numpy = -1;
    res->compile_ms = -1;
    memcpy(res->dims, o->quick ? w->quick : w->full, sizeof res->dims);
    res->reps = o->quick ? w->reps_quick : w->reps_full;
    if (res->reps < 1)
        res->reps = 1;
    res->bytes = w->bytes(res->dims);
    res->flops = w->flops(res->dims);
    res->tol = w->tol > 0 ? w->tol : 1e-3;
    char dims[64];
    wl_dims_str(w, res->dims, dims, sizeof dims);
    fprintf(stderr, "  %-14s %-18s", w->name, dims);
    double t0 = bench_now_ms();

    wl_data d = {0};
    memcpy(d.dims, res->dims, sizeof d.dims);
    d.ctx = bench_ctx_new(o, o->cache_dir);
    if (!d.ctx) {
        snprintf(res->fused_why, sizeof res->fused_why, "no context");
        return;
    }
    loom_rng *rng = loom_rng_new_u64(d.ctx, o->seed);
    loom_status st = rng ? w->inputs(&d, rng) : LOOM_ERR_MEMORY;
    if (st) {
        const char *e = d.nin ? loom_error(d.in[d.nin - 1]) : "no generator";
        snprintf(res->fused_why, sizeof res->fused_why, "inputs: %s", e);
        snprintf(res->eager_why, sizeof res->eager_why, "inputs failed");
        snprintf(res->hand_why, sizeof res->hand_why, "inputs failed");
        snprintf(res->numpy_why, sizeof res->numpy_why, "inputs failed");
        loom_ctx_free(d.ctx);
        fprintf(stderr, " inputs failed\n");
        return;
    }

    /* warm-ups: compile, reference outputs, correctness */
    int64_t nref = 0, nev = 0, nhv = 0;
    bool ref_int = false, ev_int = false, hv_int = false;
    double *ref = loom_warm(&d, w, false, res, &nref, &ref_int);
    double *ev = loom_warm(&d, w, true, res, &nev, &ev_int);
    double *hv = NULL;
    if (!o->no_hand)
        hv = hand_warm(&d, w, res, &nhv, &hv_int);
    else
        snprintf(res->hand_why, sizeof res->hand_why, "skipped");
    if (ref && ev)
        res->err_eager = compare(ev, nev, ref, nref, ref_int, w->compare_abs);
    if (ref && hv)
        res->err_hand = compare(hv, nhv, ref, nref, ref_int && hv_int,
                                w->compare_abs);
    free(ev);
    res->ref_name = ref ? "loom fused" : hv ? "hand C" : NULL;
    if (ref && o->dump) {
        /* one more fused evaluation, untimed, dumped to stderr */
        char why[64];
        loom_ctx_set_eager(d.ctx, false);
        fprintf(stderr, "\n");
        loom_dump(d.ctx, stderr, o->dump);
        loom_outcome r = loom_once(&d, w, false, why, sizeof why);
        loom_dump(d.ctx, NULL, 0);
        (void)r;
    }
    if (!ref && hv) {
        ref = hv;
        nref = nhv;
        ref_int = hv_int;
        hv = NULL;
    }
    free(hv);

    /* the timed runs, interleaved so that a change of the machine's load
     * biases no column */
    double tf[64], te[64], th[64], tg[64];
    loom_eval_stats sf = {0}, se = {0};
    bool fused_ok = res->fused_why[0] == 0, eager_ok = res->eager_why[0] == 0;
    bool hand_ok = !o->no_hand && res->hand_why[0] == 0;
    for (int i = 0; i < o->runs; i++) {
        if (fused_ok && loom_timed(&d, w, res->reps, false, &tf[i], &sf,
                                   res->fused_why, sizeof res->fused_why))
            fused_ok = false;
        if (eager_ok && loom_timed(&d, w, res->reps, true, &te[i], &se,
                                   res->eager_why, sizeof res->eager_why))
            eager_ok = false;
        if (hand_ok)
            th[i] = hand_timed(&d, w, res->reps, false);
        if (hand_ok && w->has_gemm_only)
            tg[i] = hand_timed(&d, w, 1, true);
    }
    if (fused_ok) {
        res->fused_min = vmin(tf, o->runs);
        res->fused = bench_median(tf, o->runs);
        res->kernels = sf.kernels;
        res->calls = sf.calls;
    }
    if (eager_ok) {
        res->eager_min = vmin(te, o->runs);
        res->eager = bench_median(te, o->runs);
        res->eager_kernels = se.kernels;
        res->eager_calls = se.calls;
    }
    if (hand_ok) {
        res->hand_min = vmin(th, o->runs);
        res->hand = bench_median(th, o->runs);
        if (w->has_gemm_only)
            res->gemm_alone = bench_median(tg, o->runs);
    }
    wl_data_free(&d);
    loom_ctx_free(d.ctx);

    if (!o->no_numpy)
        numpy_column(o, w, res->dims, res->reps, ref, nref, res);
    else
        snprintf(res->numpy_why, sizeof res->numpy_why, "skipped");
    free(ref);
    fprintf(stderr, " %6.1f s\n", (bench_now_ms() - t0) / 1e3);
}

/* --------------------------------------------------------------- main */

static int rm_entry(const char *path, const struct stat *sb, int flag,
                    struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_tree(const char *dir)
{
    if (dir[0])
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: loom-bench [--quick] [--runs N] [--threads N] [--seed S]\n"
            "                  [--only NAME,NAME...] [--report FILE.md]\n"
            "                  [--chart FILE.png] [--json FILE]\n"
            "                  [--no-numpy] [--no-hand] [--bench-dir DIR]\n"
            "                  [--dump STAGES] [--list]\n");
}

static bool selected(const bench_opts *o, const char *name)
{
    if (!o->only)
        return true;
    size_t n = strlen(name);
    for (const char *p = o->only; *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && !strncmp(p, name, n))
            return true;
        p += len + (p[len] == ',');
    }
    return false;
}

static bool python_has(const bench_opts *o, const char *module)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "'%s' -c 'import %s' >/dev/null 2>&1",
             o->python, module);
    return system(cmd) == 0;
}

static int parse_args(int argc, char **argv, bench_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) (!strcmp(a, name) && next && (i++, 1))
        if (!strcmp(a, "--quick"))
            o->quick = true;
        else if (!strcmp(a, "--no-numpy"))
            o->no_numpy = true;
        else if (!strcmp(a, "--no-hand"))
            o->no_hand = true;
        else if (ARG("--runs"))
            o->runs = atoi(next);
        else if (ARG("--threads"))
            o->threads = atoi(next);
        else if (ARG("--seed"))
            o->seed = strtoull(next, NULL, 10);
        else if (ARG("--only"))
            o->only = next;
        else if (ARG("--report"))
            o->report = next;
        else if (ARG("--chart"))
            o->chart = next;
        else if (ARG("--json"))
            o->json = next;
        else if (ARG("--bench-dir"))
            o->bench_dir = next;
        else if (ARG("--dump")) {
            if (!(o->dump = loom_dump_parse_stages(next))) {
                fprintf(stderr, "loom-bench: unknown dump stages '%s'\n",
                        next);
                return 2;
            }
        }
        else if (!strcmp(a, "--list")) {
            for (int w = 0; w < bench_nworkloads; w++)
                printf("%-14s %s\n", bench_workloads[w].name,
                       bench_workloads[w].what);
            return 0;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "loom-bench: unknown or incomplete option '%s'\n",
                    a);
            usage(stderr);
            return 2;
        }
#undef ARG
    }
    for (const char *p = o->only; p && *p;) {
        size_t len = strcspn(p, ",");
        bool known = false;
        for (int w = 0; w < bench_nworkloads; w++)
            known |= strlen(bench_workloads[w].name) == len &&
                     !strncmp(bench_workloads[w].name, p, len);
        if (!known) {
            fprintf(stderr, "loom-bench: unknown workload '%.*s' (see "
                            "--list)\n", (int)len, p);
            return 2;
        }
        p += len + (p[len] == ',');
    }
    if (o->runs < 1 || o->runs > 64) {
        fprintf(stderr, "loom-bench: --runs must be in 1..64\n");
        return 2;
    }
    return -1;
}

static void make_chart(const bench_opts *o, const bench_machine *m,
                       const wl_result *res, int n)
{
    if (!python_has(o, "matplotlib")) {
        fprintf(stderr, "loom-bench: chart skipped: %s has no matplotlib "
                        "(install python3-matplotlib)\n", o->python);
        return;
    }
    char json[300], cmd[1500];
    snprintf(json, sizeof json, "%s/results.json", o->tmp_dir);
    if (!report_json(json, o, m, res, n)) {
        fprintf(stderr, "loom-bench: chart skipped: cannot write %s\n", json);
        return;
    }
    snprintf(cmd, sizeof cmd, "'%s' '%s/chart.py' '%s' '%s'", o->python,
             o->bench_dir, json, o->chart);
    if (system(cmd) != 0)
        fprintf(stderr, "loom-bench: chart failed (%s)\n", cmd);
    else
        fprintf(stderr, "loom-bench: chart written to %s\n", o->chart);
}

/* The 1-minute load average ("?" if unknown), to tell a busy machine. */
static void load_avg(char *buf, size_t n)
{
    snprintf(buf, n, "?");
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        char line[128];
        if (fgets(line, sizeof line, f))
            snprintf(buf, n, "%.*s", (int)strcspn(line, " "), line);
        fclose(f);
    }
}

int main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "--disk-probe"))
        return bench_disk_probe(argv[2], atoi(argv[4]));
    /* OpenMP threads of the hand baselines wait passively between
     * parallel regions, as loom's pool does; libgomp reads this only at
     * start-up, hence the re-exec.  An explicit setting is kept. */
    if (!getenv("OMP_WAIT_POLICY")) {
        setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
        execv("/proc/self/exe", argv);
    }
    bench_opts o = {0};
    o.seed = 42;
    o.runs = 0;
    o.bench_dir = getenv("LOOM_BENCH_DIR") ? getenv("LOOM_BENCH_DIR")
                                           : LOOM_BENCH_SRC_DIR;
    o.python = getenv("LOOM_BENCH_PYTHON") ? getenv("LOOM_BENCH_PYTHON")
                                           : "/usr/bin/python3";
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--quick"))
            o.quick = true;
    o.runs = o.quick ? 5 : 7;
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    double t_start = bench_now_ms();

    /* the thread count: loom's default unless given */
    if (o.threads <= 0) {
        loom_ctx *probe = loom_ctx_new(NULL);
        o.threads = probe ? loom_ctx_threads(probe) : 1;
        loom_ctx_free(probe);
    }
    hand_set_threads(o.threads);

    snprintf(o.tmp_dir, sizeof o.tmp_dir, "/tmp/loom-bench-XXXXXX");
    if (!mkdtemp(o.tmp_dir)) {
        fprintf(stderr, "loom-bench: cannot make a temporary directory: %s\n",
                strerror(errno));
        return 1;
    }
    snprintf(o.cache_dir, sizeof o.cache_dir, "%s/kernels", o.tmp_dir);
    mkdir(o.cache_dir, 0700);

    if (!o.no_numpy && !python_has(&o, "numpy")) {
        fprintf(stderr, "loom-bench: NumPy column skipped: %s cannot import "
                        "numpy\n", o.python);
        o.no_numpy = true;
    }

    bench_machine m = {0};
    m.threads = o.threads;
    load_avg(m.load_start, sizeof m.load_start);
    m.ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
    bench_cpu_name(m.cpu, sizeof m.cpu);
    fprintf(stderr, "loom-bench%s: %d threads, %d runs per figure\n",
            o.quick ? " --quick" : "", o.threads, o.runs);
    fprintf(stderr, "  measuring STREAM and GEMM\n");
    bench_measure_stream(&o, &m);
    bench_measure_gemm(&o, &m);

    wl_result *res = calloc((size_t)bench_nworkloads, sizeof *res);
    int n = 0;
    for (int i = 0; res && i < bench_nworkloads; i++)
        if (selected(&o, bench_workloads[i].name))
            run_workload(&o, &bench_workloads[i], &res[n++]);

    bench_compile comp;
    bench_compile_metrics(&o, &comp);
    /* the machine again: its best figures of the two measurements make
     * the roofline (a busy moment lowers one of them) */
    fprintf(stderr, "  measuring STREAM and GEMM again\n");
    bench_measure_stream(&o, &m);
    bench_measure_gemm(&o, &m);
    for (int i = 0; i < n; i++)
        set_roofline(&m, &res[i]);
    double total_s = (bench_now_ms() - t_start) / 1e3;
    load_avg(m.load_end, sizeof m.load_end);

    report_markdown(stdout, &o, &m, res, n, &comp, total_s);
    if (o.report) {
        FILE *f = fopen(o.report, "w");
        if (f) {
            report_markdown(f, &o, &m, res, n, &comp, total_s);
            fclose(f);
            fprintf(stderr, "loom-bench: report written to %s\n", o.report);
        } else {
            fprintf(stderr, "loom-bench: cannot write %s: %s\n", o.report,
                    strerror(errno));
        }
    }
    if (o.json && !report_json(o.json, &o, &m, res, n))
        fprintf(stderr, "loom-bench: cannot write %s\n", o.json);
    if (o.chart)
        make_chart(&o, &m, res, n);
    free(res);
    rm_tree(o.tmp_dir);
    return 0;
}
