/* loom's own vector math library, emitted as LLVM IR.
 *
 * Each function is a small scalar IR function (internal, alwaysinline,
 * straight-line: selects instead of branches) so that, once inlined into a
 * kernel loop, the loop vectorizer widens it to the full vector width of the
 * target.  Plain llvm.exp/llvm.log calls would be scalarized instead.
 *
 * Accuracy (see tests/test_vmath.c, which checks it): every function meets
 * the ULP bounds of NumPy's umath validation sets, and special values
 * (NaN, +-inf, -0.0, denormals, overflow, underflow, domain errors) follow
 * C99 / NumPy.  The IR calls no library function; float64 sin/cos/tan use a
 * constant table global ("loom.vm.twoopi.tab") in the module. */
#ifndef LOOM_JIT_VMATH_H
#define LOOM_JIT_VMATH_H

#include <stdbool.h>
#include <llvm-c/Core.h>

typedef enum jit_vm_fn {
  JIT_VM_EXP, JIT_VM_EXP2, JIT_VM_EXPM1, JIT_VM_LOG, JIT_VM_LOG2, JIT_VM_LOG10,
  JIT_VM_LOG1P, JIT_VM_SIN, JIT_VM_COS, JIT_VM_TAN, JIT_VM_ASIN, JIT_VM_ACOS,
  JIT_VM_ATAN, JIT_VM_SINH, JIT_VM_COSH, JIT_VM_TANH, JIT_VM_ASINH,
  JIT_VM_ACOSH, JIT_VM_ATANH, JIT_VM_CBRT,
  JIT_VM_SIGMOID /* 1/(1+exp(-x)) */,
  JIT_VM_ATAN2 /* (y, x) */, JIT_VM_HYPOT, JIT_VM_POW, JIT_VM_LOGADDEXP,
  JIT_VM_NFNS
} jit_vm_fn;

/* Returns the function computing fn for float (f64 false) or double (f64
   true) in module M, creating it on first use (later calls return the same
   function).  Its type is T(T) or T(T,T) for the binary ones (ATAN2, HYPOT,
   POW, LOGADDEXP); *type_out (if not NULL) gets the function type for
   LLVMBuildCall2.  The function is internal, alwaysinline, and branch-free
   (selects, not branches) so that once inlined into a loop body the loop
   vectorizer widens it to the full vector width.  Returns NULL for an
   out-of-range fn.  The module keeps ownership of everything created. */
LLVMValueRef jit_vmath_get(LLVMModuleRef M, jit_vm_fn fn, bool f64,
                           LLVMTypeRef *type_out);

/* Tells the library the target: with AVX-512F, scaling by a power of two
   goes through a helper with vscalef vector variants (AVX-512VL adds the
   256- and 128-bit ones); without, it stays inline integer code.  Call
   before building modules; process-wide. */
void jit_vmath_target(bool avx512f, bool avx512vl);

/* After the optimization pipeline (the loop vectorizer): marks the scaling
   helper and its variants for inlining.  Returns whether M has them; the
   caller then runs the always-inline pass over M. */
bool jit_vmath_finish(LLVMModuleRef M);

/* NumPy-style name of fn ("exp", "arctan2", "logaddexp", ...), or NULL for an
   out-of-range fn.  The string is static. */
const char *jit_vmath_name(jit_vm_fn fn);

/* Number of arguments fn takes (1 or 2); 0 for an out-of-range fn. */
int jit_vmath_arity(jit_vm_fn fn);

#endif
