/*
 * exec.h -- evaluations: the program made from a set of requested arrays
 * (optimized graph, fusion plan, lowered and compiled kernels, memory
 * plan), and running it.
 */
#ifndef LOOM_EXEC_H
#define LOOM_EXEC_H

#include "graph/fuse.h"
#include "jit/compile.h"
#include "jit/lower.h"

/* A kernel step, lowered and compiled. */
typedef struct rt_kstep {
    jit_kernel k;
    jit_binding bind[JIT_MAX_BUFS];
    int nbind;
    jit_fn fn;
    jit_compile_info cinfo;
    double run_ms;
    int64_t bytes;   /* bytes read and written by one run */
    int64_t extent0; /* iterations of the parallel loop (0: none) */
    int64_t grain;   /* parallel iterations per task: ~32K elements of the
                        largest operand, so that reductions over long rows
                        spread over the threads */
} rt_kstep;

/* A buffer of the memory plan: materialized by step `first`, last read by
 * step `last`; `reuse` is the index of an earlier buffer whose memory it
 * takes over (-1 if fresh). */
typedef struct rt_mbuf {
    loom_array *node;
    int64_t nbytes;
    int first, last;
    int reuse;
    bool output;
    rt_buffer *buf;
    bool in_place; /* reuse is an input dying at step `first` */
} rt_mbuf;

typedef struct rt_program {
    loom_ctx *ctx;
    int nout;
    loom_array **req;  /* requested arrays (borrowed) */
    loom_array **opt;  /* their optimized nodes (owned references) */
    fuse_plan plan;
    rt_kstep *ks;      /* per step; unused for calls */
    rt_mbuf *mem;
    int nmem, memcap;
    int64_t peak_bytes;
    double plan_ms, lower_ms, compile_ms, run_ms;
} rt_program;

/* Builds the program computing arrs (not poisoned, not all realized):
 * optimizes, plans, lowers and compiles.  On error returns the status and
 * records the message on the context. */
loom_status rt_program_build(loom_ctx *ctx, loom_array *const *arrs, int n,
                             rt_program *p);
/* Runs it: allocates, executes every step, realizes the requested arrays. */
loom_status rt_program_run(rt_program *p);
void rt_program_free(rt_program *p);

/* The view a runtime call gets of node a in program p (realized, a slot
 * of the memory plan, or a movement chain over either). */
struct rt_view;
void rt_exec_view(const rt_program *p, const loom_array *a, struct rt_view *v);

/* The plan cache (runtime/plan.c).  rt_plan_try keys the requested graph
 * and, on a hit, runs the cached template (*hit set; returns its status);
 * on a miss the caller builds and runs a program, then rt_plan_store
 * records it under the same key. */
typedef struct rt_lookup rt_lookup;
rt_lookup *rt_plan_lookup_new(void);
void rt_plan_lookup_free(rt_lookup *l);
loom_status rt_plan_try(loom_ctx *ctx, loom_array *const *arrs, int n,
                        rt_lookup *l, bool *hit);
void rt_plan_store(loom_ctx *ctx, const rt_program *p, rt_lookup *l);
/* Makes every context drop its cached plans (they point at kernels
 * loom_kernel_cache_clear forgets). */
void rt_plan_forget_all(void);

/* Writes the chosen dump stages of a built (and run) program
 * (runtime/dump.c); rt_dump_to_dir writes all of them to a new file in dir
 * ($LOOM_DUMP). */
void rt_dump_program(const rt_program *p, FILE *out, unsigned stages);
void rt_dump_to_dir(const rt_program *p, const char *dir);
/* The machine's copy bandwidth in GB/s, measured once per process. */
double rt_machine_bandwidth(void);

#endif /* LOOM_EXEC_H */
