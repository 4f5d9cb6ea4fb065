/*
 * lower.h -- from a fused kernel step of a plan to kernel IR.
 */
#ifndef LOOM_LOWER_H
#define LOOM_LOWER_H

#include "graph/fuse.h"
#include "jit/kir.h"

/* Buffer argument i of a kernel holds node (an input it loads, or an
 * output it stores when output is set). */
typedef struct jit_binding {
    loom_array *node;
    bool output;
} jit_binding;

#define JIT_MAX_BUFS 64

/*
 * Lowers step `step` of plan (a FUSE_KERNEL) into k, which must be freshly
 * initialized.  Fills bind[0..*nbind) (at most maxbind) with the node of
 * each buffer argument, and k's parameter values and structural hash.
 * Errors: LOOM_ERR_MEMORY, or LOOM_ERR_INTERNAL if the step is not
 * lowerable (a planner bug) or needs more than maxbind buffers.
 */
loom_status jit_lower(const fuse_plan *plan, int step, jit_kernel *k,
                      jit_binding *bind, int maxbind, int *nbind,
                      int64_t *extent0, const char **why);

#endif /* LOOM_LOWER_H */
