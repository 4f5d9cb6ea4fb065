/* Tests for jit/vmath: accuracy against NumPy's umath validation sets,
 * special values and random inputs against the C library (long double for
 * float64, double for float32), and that the functions vectorize.
 *
 * Each test JIT-compiles wrappers `void run(const T *in, [const T *in2,]
 * T *out, int64 n)` looping over a vmath function, optimized at O3 for the
 * host CPU, and calls them on arrays -- twice: scaling by 2^n as the engine
 * does on this host (vscalef with AVX-512), and in integer steps. */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "jit/vmath.h"

#ifndef LOOM_SHARED_DIR
#error "LOOM_SHARED_DIR must be defined by the build"
#endif
#define VDIR LOOM_SHARED_DIR "/data/numpy-umath-validation"

/* ---- JIT harness ------------------------------------------------------ */

typedef void (*run1_f)(const void *, void *, int64_t);
typedef void (*run2_f)(const void *, const void *, void *, int64_t);

typedef struct harness {
  LLVMOrcLLJITRef jit;
  void *fn[2]; /* [f64] */
  char *asm_text; /* when requested: the optimized module's assembly */
} harness;

static LLVMTargetMachineRef host_tm(void) {
  char *triple = LLVMGetDefaultTargetTriple();
  LLVMTargetRef tgt;
  char *err = NULL;
  ck_assert_msg(!LLVMGetTargetFromTriple(triple, &tgt, &err), "target: %s", err);
  char *cpu = LLVMGetHostCPUName(), *feat = LLVMGetHostCPUFeatures();
  LLVMTargetMachineRef tm = LLVMCreateTargetMachine(
      tgt, triple, cpu, feat, LLVMCodeGenLevelAggressive, LLVMRelocDefault,
      LLVMCodeModelJITDefault);
  LLVMDisposeMessage(triple);
  LLVMDisposeMessage(cpu);
  LLVMDisposeMessage(feat);
  return tm;
}

/* Scaling by 2^n (jit_vmath_target): variant 0 as the engine builds it
   on this host (vscalef where AVX-512 is), variant 1 in integer steps. */
static bool host_has(const char *f) {
  char *feat = LLVMGetHostCPUFeatures();
  char want[32];
  snprintf(want, sizeof want, "+%s,", f);
  size_t n = strlen(feat);
  char *all = malloc(n + 2);
  memcpy(all, feat, n);
  all[n] = ',';
  all[n + 1] = 0;
  bool has = strstr(all, want) != NULL;
  free(all);
  LLVMDisposeMessage(feat);
  return has;
}

static void set_scaling(int variant) {
  jit_vmath_target(variant == 0 && host_has("avx512f"),
                   variant == 0 && host_has("avx512vl"));
}

/* Adds `void name(in[, in2], out, n)` calling the vmath function fn. */
static void add_wrapper(LLVMModuleRef M, jit_vm_fn fn, bool f64,
                        const char *name) {
  LLVMContextRef C = LLVMGetModuleContext(M);
  LLVMTypeRef fty;
  LLVMValueRef vf = jit_vmath_get(M, fn, f64, &fty);
  ck_assert_ptr_nonnull(vf);
  int ar = jit_vmath_arity(fn);
  LLVMTypeRef T = f64 ? LLVMDoubleTypeInContext(C) : LLVMFloatTypeInContext(C);
  LLVMTypeRef P = LLVMPointerTypeInContext(C, 0), I64 = LLVMInt64TypeInContext(C);
  LLVMTypeRef ps[4] = {P, P, P, I64};
  if (ar == 1) ps[2] = I64;
  LLVMValueRef w = LLVMAddFunction(M, name, LLVMFunctionType(
      LLVMVoidTypeInContext(C), ps, (unsigned)ar + 2, 0));
  unsigned noalias = LLVMGetEnumAttributeKindForName("noalias", 7);
  for (unsigned i = 0; i < (unsigned)ar + 1; i++)
    LLVMAddAttributeAtIndex(w, i + 1, LLVMCreateEnumAttribute(C, noalias, 0));
  LLVMBuilderRef B = LLVMCreateBuilderInContext(C);
  LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(C, w, "entry");
  LLVMBasicBlockRef loop = LLVMAppendBasicBlockInContext(C, w, "loop");
  LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(C, w, "done");
  LLVMValueRef n = LLVMGetParam(w, (unsigned)ar + 1);
  LLVMValueRef zero = LLVMConstInt(I64, 0, 0);
  LLVMPositionBuilderAtEnd(B, entry);
  LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntSGT, n, zero, ""), loop, done);
  LLVMPositionBuilderAtEnd(B, loop);
  LLVMValueRef i = LLVMBuildPhi(B, I64, "i");
  LLVMValueRef args[2];
  for (int k = 0; k < ar; k++) {
    LLVMValueRef p = LLVMBuildGEP2(B, T, LLVMGetParam(w, (unsigned)k), &i, 1, "");
    args[k] = LLVMBuildLoad2(B, T, p, "");
  }
  LLVMValueRef r = LLVMBuildCall2(B, fty, vf, args, (unsigned)ar, "");
  LLVMBuildStore(B, r, LLVMBuildGEP2(B, T, LLVMGetParam(w, (unsigned)ar), &i, 1, ""));
  LLVMValueRef i1 = LLVMBuildAdd(B, i, LLVMConstInt(I64, 1, 0), "");
  LLVMAddIncoming(i, &zero, &entry, 1);
  LLVMAddIncoming(i, &i1, &loop, 1);
  LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntSLT, i1, n, ""), loop, done);
  LLVMPositionBuilderAtEnd(B, done);
  LLVMBuildRetVoid(B);
  LLVMDisposeBuilder(B);
}

static void check_err(LLVMErrorRef e, const char *what) {
  if (e) {
    char *m = LLVMGetErrorMessage(e);
    ck_abort_msg("%s: %s", what, m);
  }
}

/* Compiles wrappers for fn in float32 and float64 (O3, host CPU) into a new
   LLJIT; *seconds gets the optimize+codegen time when not NULL. */
static harness build(jit_vm_fn fn, bool want_asm, double *seconds) {
  harness h = {0};
  LLVMInitializeNativeTarget();
  LLVMInitializeNativeAsmPrinter();
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  LLVMOrcThreadSafeContextRef tsc = LLVMOrcCreateNewThreadSafeContext();
  LLVMContextRef C = LLVMOrcThreadSafeContextGetContext(tsc);
  LLVMModuleRef M = LLVMModuleCreateWithNameInContext("vmtest", C);
  LLVMTargetMachineRef tm = host_tm();
  char *triple = LLVMGetTargetMachineTriple(tm);
  LLVMSetTarget(M, triple);
  LLVMDisposeMessage(triple);
  LLVMTargetDataRef td = LLVMCreateTargetDataLayout(tm);
  LLVMSetModuleDataLayout(M, td);
  LLVMDisposeTargetData(td);
  add_wrapper(M, fn, false, "run32");
  add_wrapper(M, fn, true, "run64");
  char *msg = NULL;
  ck_assert_msg(!LLVMVerifyModule(M, LLVMReturnStatusAction, &msg), "verify: %s", msg);
  LLVMDisposeMessage(msg);
  LLVMPassBuilderOptionsRef pbo = LLVMCreatePassBuilderOptions();
  check_err(LLVMRunPasses(M, "default<O3>", tm, pbo), "passes");
  if (jit_vmath_finish(M))
    check_err(LLVMRunPasses(M, "always-inline", tm, pbo), "inlining the scaling");
  LLVMDisposePassBuilderOptions(pbo);
  if (want_asm) {
    LLVMMemoryBufferRef buf;
    char *err = NULL;
    ck_assert_msg(!LLVMTargetMachineEmitToMemoryBuffer(tm, M, LLVMAssemblyFile,
                                                       &err, &buf), "asm: %s", err);
    size_t len = LLVMGetBufferSize(buf);
    h.asm_text = malloc(len + 1);
    memcpy(h.asm_text, LLVMGetBufferStart(buf), len);
    h.asm_text[len] = 0;
    LLVMDisposeMemoryBuffer(buf);
  }
  LLVMOrcLLJITBuilderRef jb = LLVMOrcCreateLLJITBuilder();
  LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(
      jb, LLVMOrcJITTargetMachineBuilderCreateFromTargetMachine(host_tm()));
  check_err(LLVMOrcCreateLLJIT(&h.jit, jb), "lljit");
  LLVMOrcDefinitionGeneratorRef gen;
  check_err(LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(
                &gen, LLVMOrcLLJITGetGlobalPrefix(h.jit), NULL, NULL), "gen");
  LLVMOrcJITDylibRef jd = LLVMOrcLLJITGetMainJITDylib(h.jit);
  LLVMOrcJITDylibAddGenerator(jd, gen);
  check_err(LLVMOrcLLJITAddLLVMIRModule(h.jit, jd,
                                        LLVMOrcCreateNewThreadSafeModule(M, tsc)), "add");
  LLVMOrcDisposeThreadSafeContext(tsc);
  LLVMDisposeTargetMachine(tm);
  const char *names[2] = {"run32", "run64"};
  for (int k = 0; k < 2; k++) {
    LLVMOrcJITTargetAddress a;
    check_err(LLVMOrcLLJITLookup(h.jit, &a, names[k]), "lookup");
    h.fn[k] = (void *)(uintptr_t)a;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (seconds) *seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  return h;
}

static void harness_free(harness *h) {
  check_err(LLVMOrcDisposeLLJIT(h->jit), "dispose");
  free(h->asm_text);
}

static void eval32(harness *h, jit_vm_fn fn, const float *x, const float *y,
                   float *out, int64_t n) {
  if (jit_vmath_arity(fn) == 1) ((run1_f)h->fn[0])(x, out, n);
  else ((run2_f)h->fn[0])(x, y, out, n);
}
static void eval64(harness *h, jit_vm_fn fn, const double *x, const double *y,
                   double *out, int64_t n) {
  if (jit_vmath_arity(fn) == 1) ((run1_f)h->fn[1])(x, out, n);
  else ((run2_f)h->fn[1])(x, y, out, n);
}

/* ---- ULP measures ------------------------------------------------------ */

/* NumPy's nulp_diff: distance in representable numbers; NaN == NaN. */
static int64_t ord32(float v) {
  int32_t i;
  memcpy(&i, &v, 4);
  return i < 0 ? -(int64_t)(i & 0x7fffffff) : i;
}
static int64_t ord64(double v) {
  int64_t i;
  memcpy(&i, &v, 8);
  return i < 0 ? -(i & INT64_MAX) : i;
}
static double nulp32(float a, float b) {
  if (isnan(a) || isnan(b)) return isnan(a) && isnan(b) ? 0 : INFINITY;
  return (double)llabs(ord32(a) - ord32(b));
}
static double nulp64(double a, double b) {
  if (isnan(a) || isnan(b)) return isnan(a) && isnan(b) ? 0 : INFINITY;
  int64_t d = ord64(a) - ord64(b);
  return (double)(d < 0 ? -d : d);
}

/* Error of got in units of the last place of the correctly rounded result,
   against a more precise reference (finite references beyond the format's
   range must give inf; zeros must match in sign). */
/* (The ulp is taken of max(|ref|, floor); floor is 0 but for logaddexp.) */
static double ulperr_floor(long double ref, double got, bool f64, long double floor) {
  if (isnan(ref) || isnan(got)) return isnan(ref) && isnan(got) ? 0 : INFINITY;
  long double mx = f64 ? (long double)DBL_MAX : (long double)FLT_MAX;
  int mant = f64 ? 53 : 24, emin = f64 ? -1021 : -125;
  long double lim = mx + ldexpl(1.0L, (f64 ? 1024 : 128) - mant - 1);
  if (isinf(ref) || fabsl(ref) >= lim) {
    if (isinf(got) && !signbit(got) == !signbit(ref)) return 0;
    return INFINITY;
  }
  if (isinf(got)) return INFINITY;
  if (ref == 0 && got == 0) return !signbit(got) == !signbit(ref) ? 0 : INFINITY;
  int e;
  frexpl(fabsl(ref) > floor ? ref : floor, &e);
  if (e < emin) e = emin;
  return (double)(fabsl((long double)got - ref) / ldexpl(1.0L, e - mant));
}

/* ---- validation corpus ------------------------------------------------- */

static const char *corpus_name(jit_vm_fn fn) {
  switch (fn) {
  case JIT_VM_SIGMOID: case JIT_VM_ATAN2: case JIT_VM_HYPOT: case JIT_VM_POW:
  case JIT_VM_LOGADDEXP: return NULL;
  default: return jit_vmath_name(fn);
  }
}

typedef struct rows {
  int n, cap;
  uint64_t *in, *out;
  int *tol;
} rows;

static void rows_push(rows *r, uint64_t a, uint64_t b, int t) {
  if (r->n == r->cap) {
    r->cap = r->cap ? 2 * r->cap : 256;
    r->in = realloc(r->in, (size_t)r->cap * sizeof *r->in);
    r->out = realloc(r->out, (size_t)r->cap * sizeof *r->out);
    r->tol = realloc(r->tol, (size_t)r->cap * sizeof *r->tol);
  }
  r->in[r->n] = a;
  r->out[r->n] = b;
  r->tol[r->n++] = t;
}

static void rows_free(rows *r) {
  free(r->in);
  free(r->out);
  free(r->tol);
}

/* Reads umath-validation-set-<name>.csv into rows[0] (float32), rows[1]
   (float64); fails the test if the file is missing. */
static void read_corpus(const char *name, rows r[2]) {
  char path[512], line[256];
  snprintf(path, sizeof path, "%s/umath-validation-set-%s.csv", VDIR, name);
  FILE *f = fopen(path, "r");
  ck_assert_msg(f != NULL, "missing validation file %s", path);
  while (fgets(line, sizeof line, f)) {
    char dt[32];
    unsigned long long a, b;
    int t;
    if (line[0] == '#' || line[0] == '$') continue;
    if (sscanf(line, "np.%31[^,],%llx,%llx,%d", dt, &a, &b, &t) != 4) continue;
    if (!strcmp(dt, "float32")) rows_push(&r[0], a, b, t);
    else if (!strcmp(dt, "float64")) rows_push(&r[1], a, b, t);
  }
  fclose(f);
  ck_assert_int_gt(r[0].n + r[1].n, 0);
}

static const jit_vm_fn all_fns[JIT_VM_NFNS] = {
    JIT_VM_EXP, JIT_VM_EXP2, JIT_VM_EXPM1, JIT_VM_LOG, JIT_VM_LOG2,
    JIT_VM_LOG10, JIT_VM_LOG1P, JIT_VM_SIN, JIT_VM_COS, JIT_VM_TAN,
    JIT_VM_ASIN, JIT_VM_ACOS, JIT_VM_ATAN, JIT_VM_SINH, JIT_VM_COSH,
    JIT_VM_TANH, JIT_VM_ASINH, JIT_VM_ACOSH, JIT_VM_ATANH, JIT_VM_CBRT,
    JIT_VM_SIGMOID, JIT_VM_ATAN2, JIT_VM_HYPOT, JIT_VM_POW, JIT_VM_LOGADDEXP};

START_TEST(test_corpus) {
  jit_vm_fn fn = all_fns[_i % JIT_VM_NFNS];
  set_scaling(_i / JIT_VM_NFNS);
  const char *name = corpus_name(fn);
  if (!name) return;
  rows r[2] = {{0}, {0}};
  read_corpus(name, r);
  harness h = build(fn, false, NULL);
  double worst[2] = {0, 0};
  for (int k = 0; k < 2; k++) {
    int n = r[k].n;
    if (!k) {
      float *x = malloc((size_t)n * 4), *o = malloc((size_t)n * 4);
      for (int i = 0; i < n; i++) {
        uint32_t u = (uint32_t)r[k].in[i];
        memcpy(&x[i], &u, 4);
      }
      eval32(&h, fn, x, NULL, o, n);
      for (int i = 0; i < n; i++) {
        uint32_t u = (uint32_t)r[k].out[i];
        float want;
        memcpy(&want, &u, 4);
        double d = nulp32(o[i], want);
        if (d > worst[0]) worst[0] = d;
        ck_assert_msg(d <= r[k].tol[i], "%s f32 x=%a got %a want %a (%g ulp > %d)",
                      name, (double)x[i], (double)o[i], (double)want, d, r[k].tol[i]);
      }
      free(x);
      free(o);
    } else {
      double *x = malloc((size_t)n * 8), *o = malloc((size_t)n * 8);
      memcpy(x, r[k].in, (size_t)n * 8);
      eval64(&h, fn, x, NULL, o, n);
      for (int i = 0; i < n; i++) {
        double want;
        memcpy(&want, &r[k].out[i], 8);
        double d = nulp64(o[i], want);
        if (d > worst[1]) worst[1] = d;
        ck_assert_msg(d <= r[k].tol[i], "%s f64 x=%a got %a want %a (%g ulp > %d)",
                      name, x[i], o[i], want, d, r[k].tol[i]);
      }
      free(x);
      free(o);
    }
  }
  printf("corpus %-9s max ulp: f32 %g (%d rows), f64 %g (%d rows)\n", name,
         worst[0], r[0].n, worst[1], r[1].n);
  rows_free(&r[0]);
  rows_free(&r[1]);
  harness_free(&h);
}
END_TEST

/* ---- references and random inputs --------------------------------------- */

static long double ref_ld(jit_vm_fn fn, long double x, long double y) {
  switch (fn) {
  case JIT_VM_EXP: return expl(x);
  case JIT_VM_EXP2: return exp2l(x);
  case JIT_VM_EXPM1: return expm1l(x);
  case JIT_VM_LOG: return logl(x);
  case JIT_VM_LOG2: return log2l(x);
  case JIT_VM_LOG10: return log10l(x);
  case JIT_VM_LOG1P: return log1pl(x);
  case JIT_VM_SIN: return sinl(x);
  case JIT_VM_COS: return cosl(x);
  case JIT_VM_TAN: return tanl(x);
  case JIT_VM_ASIN: return asinl(x);
  case JIT_VM_ACOS: return acosl(x);
  case JIT_VM_ATAN: return atanl(x);
  case JIT_VM_SINH: return sinhl(x);
  case JIT_VM_COSH: return coshl(x);
  case JIT_VM_TANH: return tanhl(x);
  case JIT_VM_ASINH: return asinhl(x);
  case JIT_VM_ACOSH: return acoshl(x);
  case JIT_VM_ATANH: return atanhl(x);
  case JIT_VM_CBRT: return cbrtl(x);
  case JIT_VM_SIGMOID:
    return x >= 0 ? 1.0L / (1.0L + expl(-x)) : expl(x) / (1.0L + expl(x));
  case JIT_VM_ATAN2: return atan2l(x, y);
  case JIT_VM_HYPOT: return hypotl(x, y);
  case JIT_VM_POW: return powl(x, y);
  case JIT_VM_LOGADDEXP: {
    if (x == y) return (x + 0xb.17217f7d1cf79abp-4L) + 0x1.93c7673007e5fp-65L;
    long double d = x - y;
    if (d > 0) return x + log1pl(expl(-d));
    if (d <= 0) return y + log1pl(expl(d));
    return d;
  }
  default: return NAN;
  }
}

/* The bound this library promises against the references (real-valued ulp
   error; the references are more precise than the format). */
static double bound(jit_vm_fn fn, bool f64) {
  if (!f64) {
    switch (fn) {
    case JIT_VM_EXP: case JIT_VM_EXPM1: case JIT_VM_ATAN: case JIT_VM_ACOS:
    case JIT_VM_COSH: case JIT_VM_LOG2: return 3;
    case JIT_VM_LOG: case JIT_VM_LOG10: case JIT_VM_ASIN: case JIT_VM_TAN: return 4;
    default: return 2;
    }
  }
  switch (fn) {
  case JIT_VM_POW: case JIT_VM_SIGMOID: case JIT_VM_ATAN2: case JIT_VM_HYPOT:
  case JIT_VM_LOGADDEXP: case JIT_VM_TANH: case JIT_VM_CBRT: return 2;
  default: return 1;
  }
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}
static double unif(double lo, double hi) {
  return lo + (hi - lo) * ((double)(rnd() >> 11) * 0x1p-53);
}
/* sign * 2^u, u uniform in [elo, ehi] */
static double logu(double elo, double ehi, bool sign) {
  double v = exp2(unif(elo, ehi));
  return sign && (rnd() & 1) ? -v : v;
}

/* Input generator for fn: a mix of the function's interesting range,
   log-uniform magnitudes and raw bit patterns. */
static void gen_input(jit_vm_fn fn, bool f64, double *x, double *y) {
  int mode = (int)(rnd() % 8);
  double emax = f64 ? 1024 : 128, emin = f64 ? -1074 : -149;
  *y = 0;
  if (mode == 7) { /* random bits */
    if (f64) {
      uint64_t u = rnd();
      memcpy(x, &u, 8);
      u = rnd();
      memcpy(y, &u, 8);
    } else {
      uint32_t u = (uint32_t)rnd();
      float v;
      memcpy(&v, &u, 4);
      *x = v;
      u = (uint32_t)rnd();
      memcpy(&v, &u, 4);
      *y = v;
    }
    return;
  }
  if (mode == 6) {
    *x = logu(emin, emax, true);
    *y = logu(emin, emax, true);
    return;
  }
  double big = f64 ? 720 : 100;
  switch (fn) {
  case JIT_VM_EXP: *x = unif(-big - 30, big); break;
  case JIT_VM_EXP2: *x = unif(f64 ? -1080 : -155, f64 ? 1030 : 130); break;
  case JIT_VM_EXPM1: *x = mode < 3 ? unif(-1, 1) : unif(-60, big); break;
  case JIT_VM_LOG: case JIT_VM_LOG2: case JIT_VM_LOG10:
    *x = mode < 3 ? unif(0, 3) : logu(emin, emax, false); break;
  case JIT_VM_LOG1P: *x = mode < 3 ? unif(-1, 2) : logu(-80, 80, true); break;
  case JIT_VM_SIN: case JIT_VM_COS: case JIT_VM_TAN:
    *x = mode < 2 ? unif(-10, 10) : mode < 4 ? unif(-1e6, 1e6) : logu(-30, emax, true);
    break;
  case JIT_VM_ASIN: case JIT_VM_ACOS: case JIT_VM_ATANH:
    *x = mode < 4 ? unif(-1.05, 1.05) : logu(-60, 0, true); break;
  case JIT_VM_ATAN: case JIT_VM_ASINH: case JIT_VM_CBRT:
    *x = mode < 3 ? unif(-5, 5) : logu(emin, emax, true); break;
  case JIT_VM_ACOSH: *x = mode < 3 ? unif(0.9, 5) : logu(0, emax, false); break;
  case JIT_VM_SINH: case JIT_VM_COSH: *x = mode < 3 ? unif(-2, 2) : unif(-big - 5, big + 5); break;
  case JIT_VM_TANH: *x = mode < 3 ? unif(-1, 1) : unif(-25, 25); break;
  case JIT_VM_SIGMOID: *x = mode < 3 ? unif(-20, 20) : unif(-big - 40, big + 40); break;
  case JIT_VM_ATAN2: case JIT_VM_HYPOT:
    *x = logu(emin / 2, emax / 2, true);
    *y = mode < 3 ? *x * logu(-60, 60, true) : logu(emin / 2, emax / 2, true);
    break;
  case JIT_VM_POW:
    if (mode < 2) {
      *x = logu(-8, 8, false);
      *y = unif(-300, 300);
    } else if (mode < 4) {
      *x = -logu(-4, 4, false);
      *y = (double)(int64_t)unif(-200, 200);
    } else {
      *x = 1 + unif(-1e-3, 1e-3);
      *y = logu(0, f64 ? 30 : 20, true);
    }
    break;
  case JIT_VM_LOGADDEXP:
    *x = mode < 3 ? unif(-5, 5) : unif(-800, 800);
    *y = mode < 5 ? *x + unif(-30, 30) : unif(-800, 800);
    break;
  default: break;
  }
}

static const double edges[] = {
    0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, INFINITY, -INFINITY, NAN,
    0x1p-1074, -0x1p-1074, 0x1p-149, -0x1p-149, 0x1p-1022, 0x1p-126, -0x1p-126,
    DBL_MAX, -DBL_MAX, FLT_MAX, -FLT_MAX, 0x1.fffffffffffffp-1, 0x1.0000000000001p+0,
    0x1.fffffep-1f, 0x1.000002p+0f, 709.782712893384, 709.79, -745.13, -745.14,
    -708.4, 88.7228, 88.73, -87.34, -103.97, -104.0, 1e-8, -1e-8, 3.0, -3.0,
    1.5707963267948966, -1.5707963267948966, 3.141592653589793, 1e22, 1e300,
    0.75, -0.75, 10.0, 22.0, 30.0, 1e15, 0x1p30, 0x1p31, 0x1p53, 0x1p52 + 1,
    1024.0, -1075.0, 128.0, -150.0, 0.69314718055994531, -0.69314718055994531,
    /* doubles closest to multiples of pi/2 (hardest trig reductions) */
    0x1.6ac5b262ca1ffp+849, 0x1.8a5b4d9e3aaadp+3, 0x1.921fb54442d18p+1,
    0x1.921fb54442d18p+0, 0x1.2d97c7f3321d2p+2, 0x1.5fdbbe9bba775p+61};
#define NEDGES ((int)(sizeof edges / sizeof edges[0]))

/* logaddexp(x, y) = m + log1p(e^-|x-y|), m = max(x, y), cancels when m is
   near -log1p(...): there the promise is an absolute error of a few ulp of
   |m|/16 rather than of the (tiny) result. */
static long double lae_floor(jit_vm_fn fn, double x, double y) {
  if (fn != JIT_VM_LOGADDEXP || isnan(x) || isnan(y)) return 0;
  return fabsl((long double)(x > y ? x : y)) / 16;
}

static void check_reference(jit_vm_fn fn, bool f64, harness *h, int nrand) {
  int ar = jit_vmath_arity(fn);
  int ne = ar == 1 ? NEDGES : NEDGES * NEDGES;
  int n = ne + nrand;
  double *x = malloc((size_t)n * 8), *y = malloc((size_t)n * 8);
  for (int i = 0; i < ne; i++) {
    x[i] = edges[ar == 1 ? i : i / NEDGES];
    y[i] = ar == 1 ? 0 : edges[i % NEDGES];
  }
  for (int i = ne; i < n; i++) gen_input(fn, f64, &x[i], &y[i]);
  double worst = 0, bnd = bound(fn, f64);
  int wi = 0;
  if (f64) {
    double *o = malloc((size_t)n * 8);
    eval64(h, fn, x, y, o, n);
    for (int i = 0; i < n; i++) {
      double e = ulperr_floor(ref_ld(fn, x[i], y[i]), o[i], true, lae_floor(fn, x[i], y[i]));
      if (e > worst) { worst = e; wi = i; }
    }
    ck_assert_msg(worst <= bnd, "%s f64 (%a, %a): got %a want %La, %g ulp > %g",
                  jit_vmath_name(fn), x[wi], y[wi], o[wi], ref_ld(fn, x[wi], y[wi]),
                  worst, bnd);
    free(o);
  } else {
    float *xf = malloc((size_t)n * 4), *yf = malloc((size_t)n * 4), *o = malloc((size_t)n * 4);
    for (int i = 0; i < n; i++) {
      xf[i] = (float)x[i];
      yf[i] = (float)y[i];
    }
    eval32(h, fn, xf, yf, o, n);
    for (int i = 0; i < n; i++) {
      double e = ulperr_floor(ref_ld(fn, xf[i], yf[i]), o[i], false, lae_floor(fn, xf[i], yf[i]));
      if (e > worst) { worst = e; wi = i; }
    }
    ck_assert_msg(worst <= bnd, "%s f32 (%a, %a): got %a want %La, %g ulp > %g",
                  jit_vmath_name(fn), (double)xf[wi], (double)yf[wi], (double)o[wi],
                  ref_ld(fn, xf[wi], yf[wi]), worst, bnd);
    free(xf);
    free(yf);
    free(o);
  }
  printf("reference %-9s %s max err %.3f ulp (bound %g, %d inputs)\n",
         jit_vmath_name(fn), f64 ? "f64" : "f32", worst, bnd, n);
  free(x);
  free(y);
}

START_TEST(test_reference) {
  jit_vm_fn fn = all_fns[_i % JIT_VM_NFNS];
  set_scaling(_i / JIT_VM_NFNS);
  rng_state = 0x9E3779B97F4A7C15ULL + (uint64_t)(_i % JIT_VM_NFNS);
  harness h = build(fn, false, NULL);
  check_reference(fn, false, &h, 300000);
  check_reference(fn, true, &h, 300000);
  harness_free(&h);
}
END_TEST

/* Exact special values that the references above would also catch, listed
   here for the record (C99 Annex F / NumPy). */
START_TEST(test_specials) {
  set_scaling(_i);
  harness h;
  double o[16];
  h = build(JIT_VM_POW, false, NULL);
  double px[] = {NAN, 1.0, -1.0, -0.0, -0.0, 0.0, -2.0, -2.0, -8.0, -INFINITY, -INFINITY, 0.5, 2.0, -1.0};
  double py[] = {0.0, NAN, INFINITY, -3.0, 3.0, -2.0, 3.0, 0.5, 1.0 / 3, 3.0, -3.0, -INFINITY, -INFINITY, -INFINITY};
  double pw[] = {1.0, 1.0, 1.0, -INFINITY, -0.0, INFINITY, -8.0, NAN, NAN, -INFINITY, -0.0, INFINITY, 0.0, 1.0};
  eval64(&h, JIT_VM_POW, px, py, o, 14);
  for (int i = 0; i < 14; i++)
    ck_assert_msg(nulp64(o[i], pw[i]) == 0 && !signbit(o[i]) == !signbit(pw[i]),
                  "pow(%g, %g) = %g, want %g", px[i], py[i], o[i], pw[i]);
  harness_free(&h);
  h = build(JIT_VM_HYPOT, false, NULL);
  double hx[] = {INFINITY, NAN, -INFINITY, NAN, 3.0};
  double hy[] = {NAN, -INFINITY, 1.0, 1.0, -4.0};
  double hw[] = {INFINITY, INFINITY, INFINITY, NAN, 5.0};
  eval64(&h, JIT_VM_HYPOT, hx, hy, o, 5);
  for (int i = 0; i < 5; i++) ck_assert(nulp64(o[i], hw[i]) == 0);
  harness_free(&h);
  h = build(JIT_VM_LOGADDEXP, false, NULL);
  double lx[] = {INFINITY, -INFINITY, INFINITY, NAN, -INFINITY};
  double ly[] = {INFINITY, -INFINITY, -INFINITY, 1.0, 2.0};
  double lw[] = {INFINITY, -INFINITY, INFINITY, NAN, 2.0};
  eval64(&h, JIT_VM_LOGADDEXP, lx, ly, o, 5);
  for (int i = 0; i < 5; i++)
    ck_assert_msg(nulp64(o[i], lw[i]) == 0, "logaddexp(%g, %g) = %g", lx[i], ly[i], o[i]);
  float lxf[] = {INFINITY, -INFINITY}, lyf[] = {INFINITY, -INFINITY}, of[2];
  eval32(&h, JIT_VM_LOGADDEXP, lxf, lyf, of, 2);
  ck_assert(of[0] == INFINITY && of[1] == -INFINITY);
  harness_free(&h);
  h = build(JIT_VM_ATAN2, false, NULL);
  double ax[] = {0.0, -0.0, -0.0, INFINITY, -INFINITY, -1.0};
  double ay[] = {-0.0, 0.0, -0.0, INFINITY, -INFINITY, 0.0};
  eval64(&h, JIT_VM_ATAN2, ay, ax, o, 6);
  for (int i = 0; i < 6; i++)
    ck_assert_msg(nulp64(o[i], atan2(ay[i], ax[i])) == 0 &&
                  !signbit(o[i]) == !signbit(atan2(ay[i], ax[i])), "atan2 %d", i);
  harness_free(&h);
}
END_TEST

/* The exp/f32 wrapper loop must be vectorized to 512-bit registers. */
START_TEST(test_vectorized) {
  double secs;
  set_scaling(0);
  harness h = build(JIT_VM_EXP, true, &secs);
  char *p = strstr(h.asm_text, "run32:");
  ck_assert_ptr_nonnull(p);
  char *end = strstr(p, ".Lfunc_end");
  ck_assert_ptr_nonnull(end);
  *end = 0;
  ck_assert_msg(strstr(p, "zmm") != NULL, "exp f32 loop not vectorized to zmm:\n%s", p);
  /* with AVX-512 the vector loop scales through the vscalef variant, and
   * no helper call is left */
  if (host_has("avx512f"))
    ck_assert_msg(strstr(p, "vscalefps") && !strstr(p, "call"),
                  "exp f32 loop does not scale with vscalefps:\n%s", p);
  printf("exp module (f32+f64 wrappers) O3 + codegen: %.1f ms\n", secs * 1e3);
  harness_free(&h);
}
END_TEST

START_TEST(test_api) {
  LLVMContextRef C = LLVMContextCreate();
  LLVMModuleRef M = LLVMModuleCreateWithNameInContext("api", C);
  LLVMTypeRef t1, t2;
  LLVMValueRef a = jit_vmath_get(M, JIT_VM_TANH, false, &t1);
  LLVMValueRef b = jit_vmath_get(M, JIT_VM_TANH, false, &t2);
  ck_assert_ptr_eq(a, b);
  ck_assert_ptr_eq(t1, t2);
  ck_assert_ptr_ne(a, jit_vmath_get(M, JIT_VM_TANH, true, NULL));
  ck_assert_int_eq(LLVMCountParamTypes(t1), 1);
  jit_vmath_get(M, JIT_VM_POW, true, &t1);
  ck_assert_int_eq(LLVMCountParamTypes(t1), 2);
  ck_assert_ptr_null(jit_vmath_get(M, JIT_VM_NFNS, true, NULL));
  ck_assert_str_eq(jit_vmath_name(JIT_VM_ATAN2), "arctan2");
  ck_assert_ptr_null(jit_vmath_name(JIT_VM_NFNS));
  for (int i = 0; i < JIT_VM_NFNS; i++) {
    jit_vmath_get(M, (jit_vm_fn)i, false, NULL);
    jit_vmath_get(M, (jit_vm_fn)i, true, NULL);
  }
  char *msg = NULL;
  ck_assert_msg(!LLVMVerifyModule(M, LLVMReturnStatusAction, &msg), "%s", msg);
  LLVMDisposeMessage(msg);
  /* no branches: every vmath function is a single basic block */
  for (LLVMValueRef f = LLVMGetFirstFunction(M); f; f = LLVMGetNextFunction(f))
    if (!LLVMIsDeclaration(f)) ck_assert_int_eq(LLVMCountBasicBlocks(f), 1);
  LLVMDisposeModule(M);
  LLVMContextDispose(C);
}
END_TEST

static Suite *vmath_suite(void) {
  Suite *s = suite_create("vmath");
  TCase *t = tcase_create("api");
  tcase_add_test(t, test_api);
  tcase_add_test(t, test_vectorized);
  tcase_add_loop_test(t, test_specials, 0, 2);
  tcase_set_timeout(t, 120);
  suite_add_tcase(s, t);
  t = tcase_create("corpus");
  tcase_add_loop_test(t, test_corpus, 0, 2 * JIT_VM_NFNS);
  tcase_set_timeout(t, 120);
  suite_add_tcase(s, t);
  t = tcase_create("reference");
  tcase_add_loop_test(t, test_reference, 0, 2 * JIT_VM_NFNS);
  tcase_set_timeout(t, 300);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(vmath_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
