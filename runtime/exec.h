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
#include "runtime/call.h"

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
    bool tiled;    /* an intermediate of a tiled chain: it lives slab by
                      slab in small buffers (its own memory is not
                      touched), and no other node shares its memory */
    bool fresh;    /* written by a step that runs before a tiled chain it
                      sits in (out of order): it shares no memory */
} rt_mbuf;

/*
 * A tiled chain (runtime/tile.c): steps first..last, a matrix product and
 * the steps after it that read its result, share leading batch axes, so
 * they can run one batch element (a "slab") at a time -- each thread
 * taking a range of slabs through the whole chain -- and the arrays
 * passed between them (slots slot[]) exist one slab at a time, in the
 * caches, instead of making a round trip to memory.  Attention's
 * (b, h) products, masked softmax and second product are the example; k
 * nearest neighbours' distance product, its epilogue and argpartition in
 * blocks of rows another.
 */
#define RT_TILE_MAXSLOT 8
typedef struct rt_tile {
    int first, last;
    uint64_t member;                 /* bit i: step first + i is in the
                                        chain; the others in [first, last]
                                        do not read it and run before it */
    int64_t rows;                    /* row mode: rows of a 2-D product per
                                        slab; 0: a slab is a batch element */
    int64_t nslabs;
    int nslot;
    int slot[RT_TILE_MAXSLOT];       /* memory-plan slots of intermediates */
} rt_tile;

/* One step of a tiled chain, set up as for a whole run: a kernel (fn over
 * [0, extent0) of its parallel loop, bufs the whole buffers) or a call
 * (c, with views of whole arrays). */
typedef struct rt_tstep {
    bool call;
    jit_fn fn;
    const int64_t *params;
    int64_t extent0;
    int nbind;
    void *bufs[JIT_MAX_BUFS];
    rt_call c;
} rt_tstep;

/* The call node of call step st: its output that is not a CALL_OUT. */
loom_array *rt_call_node(const fuse_step *st);

/* Finds the tiled chains of p (built up to its memory plan's first and
 * last uses), records them in p->tiles and marks their slots tiled. */
struct rt_program;
loom_status rt_tile_find(struct rt_program *p);
/* Row mode: sets each chain's rows per slab, once the memory plan knows
 * which intermediates share memory in place (and so a slab buffer). */
void rt_tile_size(struct rt_program *p);
/* Whether step i is a member of chain t. */
bool rt_tile_member(const rt_tile *t, int i);
/* The chain of tiles[0..n) that starts at step i, or NULL. */
const rt_tile *rt_tile_at(const rt_tile *tiles, int n, int i);
/* Runs chain t, steps[] its members in order, on ctx's threads.  base[q] and
 * bytes[q] locate slot t->slot[q]'s whole buffer: addresses inside it are
 * moved into the slab buffers.  On error returns the status, the message
 * recorded on ctx. */
loom_status rt_tile_run(loom_ctx *ctx, const rt_tile *t, rt_tstep *steps,
                        char *const *base, const int64_t *bytes);

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
    rt_tile *tiles;
    int ntiles;
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
