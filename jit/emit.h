/*
 * emit.h -- kernel IR to LLVM IR.
 */
#ifndef LOOM_EMIT_H
#define LOOM_EMIT_H

#include "jit/kir.h"

#include <llvm-c/Core.h>

#define JIT_EMIT_MAXARGS 96

/*
 * Adds the kernel's entry function `name` (and its internal body) to M.
 * Returns false with a message in err if the kernel uses something the
 * emitter cannot lower; the module may then hold a partial function and
 * should be discarded.
 */
bool jit_emit(LLVMModuleRef M, const jit_kernel *k, const char *name,
              char *err, size_t errlen);

/*
 * After optimization: gives the vector non-temporal stores of M (those of
 * streamed stores' main loops) the alignment they have by construction,
 * and drops the non-temporal tag of scalar ones.  Run it on modules
 * jit_emit built, after the vectorizer, before code generation.
 */
void jit_emit_align_streams(LLVMModuleRef M);

#endif /* LOOM_EMIT_H */
