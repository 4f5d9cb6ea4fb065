/*
 * fuse.h -- fusion and scheduling: from an optimized graph to an ordered
 * list of steps (JIT kernels and runtime calls), with the reason for every
 * edge that fusion cut.
 *
 * Prefix fuse_.
 */
#ifndef LOOM_FUSE_H
#define LOOM_FUSE_H

#include "graph/graph.h"

#define FUSE_MAX_OUT 16

typedef enum fuse_step_kind {
    FUSE_KERNEL, /* a fused loop nest compiled by the JIT */
    FUSE_CALL,   /* a runtime leaf: BLAS, LAPACK, sort, scan... */
} fuse_step_kind;

/*
 * A step materializes its out[] nodes.  A kernel iterates over dom (the
 * shape of its outputs); its trailing ninner dims form the row that phase
 * reductions sweep before the row is stored (ninner == 0: no row phases).
 * Nodes computed inside the kernel are those reachable from out[] without
 * crossing a materialized node (node->tmp >= 0) or a realized one.
 */
typedef struct fuse_step {
    fuse_step_kind kind;
    int nout;
    loom_array *out[FUSE_MAX_OUT];
    int ndom;
    int64_t dom[LOOM_MAX_DIMS];
    int ninner;
    int nreduce; /* reductions computed inside */
} fuse_step;

/* Fusion cut the edge producer -> consumer: producer is materialized. */
typedef struct fuse_cut {
    loom_array *producer, *consumer;
    const char *reason;
} fuse_cut;

/*
 * A schedule.  After fuse_plan_build, every node of the evaluation's DAG
 * has tmp set to: the index of the step that materializes it, FUSE_INLINE
 * (computed inside its consumers' kernels), FUSE_REALIZED (already has a
 * buffer) or FUSE_VIEW (a view of a materialized or realized node: it gets
 * a buffer without a kernel).  Steps are in execution order.
 */
enum { FUSE_INLINE = -1, FUSE_REALIZED = -2, FUSE_VIEW = -3 };

typedef struct fuse_plan {
    loom_ctx *ctx;
    fuse_step *steps;
    int nsteps, scap;
    fuse_cut *cuts;
    int ncuts, ccap;
    loom_array **nodes; /* the DAG, inputs before consumers */
    int nnodes, ncap;
    loom_array **views; /* FUSE_VIEW nodes, in order */
    int nviews, vcap;
} fuse_plan;

/* Builds the schedule computing outs[0..n) (optimized nodes).  eager: no
 * fusion, one kernel per op.  Returns LOOM_ERR_MEMORY on allocation
 * failure (plan then holds nothing to free beyond fuse_plan_free). */
loom_status fuse_plan_build(loom_ctx *ctx, loom_array *const *outs, int n,
                            bool eager, fuse_plan *plan);
void fuse_plan_free(fuse_plan *plan);

/* Whether a realized/materialized view of src can express MOVE node m
 * (a chain of movement ops over src) as strides; fills the view. */
bool fuse_view_of(const loom_array *m, const loom_array *src,
                  const int64_t *src_strides, int64_t src_offset,
                  int64_t *strides, int64_t *offset);

/* Bytes of cache a row-fused reduction may sweep (per row). */
#define FUSE_ROW_BYTES (512 * 1024)

#endif /* LOOM_FUSE_H */
