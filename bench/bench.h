/*
 * bench.h -- loom-bench, the benchmark suite of ../shared/BENCH.md.
 *
 * loom-bench runs every workload four ways on the same inputs (loom fused,
 * loom eager, the NumPy script in bench/numpy/, the hand-written C of
 * bench/hand/), measures the machine (STREAM bandwidth, OpenBLAS GEMM rate)
 * to derive a roofline per workload, and prints a Markdown table.  It uses
 * only the public header include/loom.h.
 *
 * The parts: workloads.c defines the workloads (inputs, loom program, hand
 * baseline, bytes and FLOPs); main.c drives the runs and the compile /
 * overhead metrics; report.c writes the table, the targets, the JSON for
 * the chart.
 */
#ifndef LOOM_BENCH_H
#define LOOM_BENCH_H

#include <loom.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define WL_MAXDIMS 6
#define WL_MAXIN 8
#define WL_MAXOUT 4

/* One workload's data while it runs: the loom context and inputs, raw
 * pointers to the inputs for the hand baseline, and the hand baseline's
 * outputs and workspace (malloc'd by the workload's hand_prep, freed by
 * wl_data_free). */
typedef struct wl_data {
    loom_ctx *ctx;
    int64_t dims[WL_MAXDIMS];
    int nin;
    loom_array *in[WL_MAXIN];
    const void *host[WL_MAXIN];
    int nhout;
    void *hout[WL_MAXOUT];
    loom_dtype hout_dtype[WL_MAXOUT];
    int64_t hout_n[WL_MAXOUT];
    void *work;
    int status;    /* hand baseline's LAPACK info; 0 when fine */
    char why[256]; /* build's reason when it returns 0 outputs */
} wl_data;

/* What the targets of BENCH.md expect of a workload. */
enum {
    TGT_CHAIN = 1 << 0,   /* >= 5x NumPy, >= 3x eager, <= hand C */
    TGT_STREAM = 1 << 1,  /* >= 80% of STREAM bandwidth */
    TGT_GEMM = 1 << 2,    /* <= 1.15x GEMM alone, >= 2x NumPy */
    TGT_HAND12 = 1 << 3,  /* <= 1.2x hand C (best GEMM order) */
    TGT_NUMPY2 = 1 << 4,  /* >= 2x NumPy */
    TGT_NUMPY1 = 1 << 5   /* no slower than NumPy */
};

typedef struct workload {
    const char *name;
    const char *what;       /* one-line program, for the report */
    int ndims;
    int64_t full[WL_MAXDIMS], quick[WL_MAXDIMS];
    int reps_full, reps_quick; /* calls per timed run (small_softmax) */
    loom_dtype gemm_dtype;     /* GEMM rate of the roofline: FLOAT32 or
                                  FLOAT64; anything else: none */
    unsigned targets;
    bool compare_abs;          /* compare absolute values (eigenvectors) */
    bool no_hand;              /* no hand-written baseline */
    bool has_gemm_only;        /* hand baseline can run its GEMMs alone */
    /* Draws the inputs into d->in (realized), in NumPy's order. */
    loom_status (*inputs)(wl_data *d, loom_rng *rng);
    /* Builds the program on d->in; writes the outputs, returns how many
     * (0 with d->why set when an API call failed without a poisoned
     * array to say why). */
    int (*build)(wl_data *d, loom_array **out);
    /* Allocates the hand baseline's outputs and workspace; false on OOM. */
    bool (*hand_prep)(wl_data *d);
    void (*hand)(wl_data *d, bool gemm_only);
    double (*bytes)(const int64_t *dims); /* that must move */
    double (*flops)(const int64_t *dims); /* GEMM-class FLOPs */
    double tol; /* accepted difference from the reference; 0: 1e-3 */
} workload;

extern const workload bench_workloads[];
extern const int bench_nworkloads;

/* Frees what hand_prep allocated (not the loom arrays). */
void wl_data_free(wl_data *d);
/* The size of a shape's array in the description of a workload: "4096x4096". */
void wl_dims_str(const workload *w, const int64_t *dims, char *buf, size_t n);

/* ---- results ---- */

typedef struct wl_result {
    const workload *w;
    int64_t dims[WL_MAXDIMS];
    int reps;
    /* times in ms per call (median); < 0: not run */
    double fused, eager, hand, numpy, gemm_alone, roof, numpy_opt;
    double fused_min, eager_min, hand_min, numpy_min;
    char fused_why[320], eager_why[320], hand_why[200], numpy_why[200];
    double compile_ms;
    int kernels, calls, eager_kernels, eager_calls;
    double bytes, flops;
    /* max |x - ref| / max |ref| (or mismatch fraction for integers);
     * < 0: not compared */
    double err_eager, err_hand, err_numpy;
    const char *ref_name; /* "loom fused" or "hand C" */
    double tol;
} wl_result;

typedef struct bench_machine {
    double copy_gbs, triad_gbs;      /* STREAM, best of runs */
    double sgemm_gflops, dgemm_gflops; /* best of runs */
    int64_t stream_n, gemm_n;
    int threads;
    char cpu[128];
    char load_start[16], load_end[16]; /* 1-minute load averages */
    int ncpu;
} bench_machine;

typedef struct bench_compile {
    /* cold compile, per kernel, median ms; < 0 not measured */
    double cold_sigmoid, cold_gelu, cold_softmax;
    int cold_runs;
    /* cached evaluation of small graphs, microseconds per evaluation */
    double small_wall_us, small_run_us, small_overhead_us, small_hand_us;
    double tiny_wall_us, tiny_run_us, tiny_overhead_us;
    /* on-disk cache in a new process: first evaluation's load (ms) */
    double disk_first_ms, disk_first_total_ms, disk_load_ms;
    int disk_runs;
    char why[256]; /* why something was not measured */
} bench_compile;

typedef struct bench_opts {
    bool quick;
    int runs;
    int threads;
    uint64_t seed;
    const char *report, *chart, *json, *only;
    unsigned dump;          /* loom_dump stages of one fused evaluation */
    bool no_numpy, no_hand;
    const char *bench_dir;  /* holds numpy/ and chart.py */
    const char *python;
    char cache_dir[256];    /* private on-disk kernel cache of this run */
    char tmp_dir[128];      /* scratch: reference results */
} bench_opts;

/* ---- main.c: shared helpers ---- */
/* Monotonic clock in milliseconds. */
double bench_now_ms(void);
/* Median of v[0..n) (sorts v); -1 for n <= 0. */
double bench_median(double *v, int n);
/* The number after "key": in a one-line JSON object; false if absent. */
bool bench_json_num(const char *js, const char *key, double *v);
/* A context with the run's threads and the given on-disk cache ("" none);
 * NULL if it cannot be made.  The caller frees it. */
loom_ctx *bench_ctx_new(const bench_opts *o, const char *cache_dir);

/* ---- metrics.c ---- */
void bench_cpu_name(char *buf, size_t n);
/* STREAM copy and triad (GB/s, best of the runs) into m. */
void bench_measure_stream(const bench_opts *o, bench_machine *m);
/* OpenBLAS sgemm/dgemm rates (GFLOP/s, best of the runs) into m. */
void bench_measure_gemm(const bench_opts *o, bench_machine *m);
/* Cold compile, cached-evaluation overhead and disk-cache metrics; starts
 * loom-bench itself as a child process for the last.  Clears the
 * process's kernel cache. */
void bench_compile_metrics(const bench_opts *o, bench_compile *c);
/* The child side of the disk-cache metric (--disk-probe DIR --threads N):
 * prints one JSON line; returns the exit status. */
int bench_disk_probe(const char *dir, int threads);

/* ---- report.c ---- */
void report_markdown(FILE *f, const bench_opts *o, const bench_machine *m,
                     const wl_result *r, int n, const bench_compile *c,
                     double total_s);
bool report_json(const char *path, const bench_opts *o,
                 const bench_machine *m, const wl_result *r, int n);
/* "12.3 ms", "45.6 us"... into buf */
const char *fmt_ms(double ms, char *buf, size_t n);

#endif
