/*
 * emit.c -- kernel IR to LLVM IR through the LLVM C API.
 *
 * Shape of the generated code: an entry function
 *     void NAME(void **bufs, const int64_t *params, int64_t lo, int64_t hi)
 * loads the buffer pointers and calls NAME.body, whose pointer arguments
 * are noalias (outputs never overlap inputs), and which is inlined back by
 * the optimizer with the aliasing facts kept as scopes.  Loops are plain
 * counted loops the loop vectorizer widens; accumulators live in allocas
 * that SROA turns into reduction phis, their floating updates carrying
 * `reassoc` so they vectorize; transcendental functions come from
 * jit/vmath.c as branch-free inline code so they vectorize too.
 *
 * Values are emitted where first used, memoized per loop depth: leaving a
 * loop forgets what was emitted inside it (LICM hoists invariant work).
 *
 * Sweeps: a row reduction's loop becomes an unmasked interleaved loop and
 * a masked tail (split_reduction); an elementwise loop an unmasked loop
 * of whole steps and a masked rest (split_elementwise), with a masked peel
 * to alignment first when its store streams past the caches.
 */
#include "jit/emit.h"
#include "jit/vmath.h"

#include <llvm-c/Core.h>
#include <llvm-c/DebugInfo.h>
#include <llvm-c/Target.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXDEPTH 32

typedef struct loopinfo {
    LLVMValueRef var, end;
    LLVMBasicBlockRef header, exit;
    bool has_inner;  /* a loop is nested in it */
    bool has_update; /* it updates accumulators directly */
    bool tail;       /* the masked remainder of a split reduction loop */
    int64_t step;    /* what the variable advances by */
    bool whole;      /* runs whole vector steps: no masking */
    int ic;          /* interleave count asked of the vectorizer, or 0 */
} loopinfo;

typedef struct em {
    const jit_kernel *k;
    LLVMContextRef C;
    LLVMModuleRef M;
    LLVMBuilderRef B;
    LLVMValueRef fn;
    LLVMTypeRef i1, i8, i32, i64, f32, f64, ptr;
    LLVMValueRef *bufs;   /* buffer pointers (body args) */
    LLVMValueRef *params; /* parameter values, loaded in the entry block */
    LLVMValueRef lo, hi;
    LLVMValueRef *accs;   /* scalar accumulators: 3 allocas each */
    LLVMValueRef *facc;   /* per accumulator, 2 float32 allocas: a block's
                             partial sums (see blocked_sweep) */
    LLVMValueRef *fshift; /* var: its shift as a float32, per block */
    bool *fon;            /* updates go to facc (inside a block) */
    LLVMValueRef scratch; /* the scratch buffer, or NULL */
    LLVMValueRef chunk;   /* column-split kernels: the chunk whose vector
                             accumulators acc_ptr addresses */
    LLVMMetadataRef *scope; /* per vector accumulator slot: its alias scope
                               (3 per accumulator; NULL for scalar ones) */
    LLVMValueRef *memo;
    int *memo_depth;
    LLVMValueRef *loopvar; /* current value of each loop variable */
    loopinfo loops[MAXDEPTH];
    int depth;
    int nt_stmt;  /* the KS_STREAM statement whose stores are non-temporal
                     now (in an aligned main loop), or -1 */
    bool nt_used; /* some are: the body ends with a store fence */
    bool stream;  /* the target has them (x86-64; elsewhere KS_STREAM is
                     a plain store) */
    struct defer {     /* the deferred row update (defer_find), if any */
        int stmt;      /* its statement, or -1 */
        int nvar;
        int var[4];    /* the variables of the loops around it */
        int nin;
        int in[8];     /* the accumulator values it reads */
        LLVMValueRef buf[12]; /* [DEFER_ROWS x type] allocas: each input's
                                 rows, then each loop variable's */
        LLVMValueRef count;   /* rows waiting (an i64 alloca) */
    } df;
    char *err;
    size_t errlen;
    bool failed;
} em;

static LLVMTypeRef ty(em *e, int dtype)
{
    switch (dtype) {
    case LOOM_BOOL: return e->i1;
    case LOOM_INT32: return e->i32;
    case LOOM_INT64: return e->i64;
    case LOOM_FLOAT32: return e->f32;
    default: return e->f64;
    }
}

/* In-memory type: bools are bytes. */
static LLVMTypeRef memty(em *e, int dtype)
{
    return dtype == LOOM_BOOL ? e->i8 : ty(e, dtype);
}

static void fail(em *e, const char *msg)
{
    if (!e->failed)
        snprintf(e->err, e->errlen, "%s", msg);
    e->failed = true;
}

/* ---- intrinsics ---- */

static LLVMValueRef intrinsic(em *e, const char *name, LLVMTypeRef t,
                              int nargs, LLVMValueRef *args)
{
    unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
    LLVMTypeRef tys[1] = {t};
    LLVMValueRef f = LLVMGetIntrinsicDeclaration(e->M, id, tys, 1);
    LLVMTypeRef ft = LLVMIntrinsicGetType(e->C, id, tys, 1);
    return LLVMBuildCall2(e->B, ft, f, args, (unsigned)nargs, "");
}

static LLVMValueRef intr1(em *e, const char *name, LLVMValueRef x)
{
    return intrinsic(e, name, LLVMTypeOf(x), 1, &x);
}

static LLVMValueRef intr2(em *e, const char *name, LLVMValueRef x,
                          LLVMValueRef y)
{
    LLVMValueRef a[2] = {x, y};
    return intrinsic(e, name, LLVMTypeOf(x), 2, a);
}

static LLVMValueRef vmath(em *e, jit_vm_fn fn, LLVMValueRef x, LLVMValueRef y)
{
    bool f64 = LLVMTypeOf(x) == e->f64;
    LLVMTypeRef ft;
    LLVMValueRef f = jit_vmath_get(e->M, fn, f64, &ft);
    LLVMValueRef a[2] = {x, y};
    return LLVMBuildCall2(e->B, ft, f, a, y ? 2 : 1, "");
}

/* A call to a runtime helper `name` (resolved by jit/compile.c). */
static LLVMValueRef helper(em *e, const char *name, LLVMTypeRef ret,
                           int nargs, LLVMValueRef *args)
{
    LLVMTypeRef pt[4];
    for (int i = 0; i < nargs; i++)
        pt[i] = LLVMTypeOf(args[i]);
    LLVMTypeRef ft = LLVMFunctionType(ret, pt, (unsigned)nargs, 0);
    LLVMValueRef f = LLVMGetNamedFunction(e->M, name);
    if (!f)
        f = LLVMAddFunction(e->M, name, ft);
    return LLVMBuildCall2(e->B, ft, f, args, (unsigned)nargs, "");
}

static LLVMValueRef fconst(LLVMTypeRef t, double v)
{
    return LLVMConstReal(t, v);
}

static LLVMValueRef iconst(LLVMTypeRef t, int64_t v)
{
    return LLVMConstInt(t, (unsigned long long)v, 1);
}

/* ---- casts ---- */

static LLVMValueRef cast(em *e, LLVMValueRef x, int from, int to)
{
    if (from == to)
        return x;
    LLVMBuilderRef B = e->B;
    LLVMTypeRef t = ty(e, to);
    bool ff = graph_is_float((loom_dtype)from), tf = graph_is_float((loom_dtype)to);
    if (to == LOOM_BOOL)
        return ff ? LLVMBuildFCmp(B, LLVMRealUNE, x, fconst(LLVMTypeOf(x), 0), "")
                  : LLVMBuildICmp(B, LLVMIntNE, x, iconst(LLVMTypeOf(x), 0), "");
    if (from == LOOM_BOOL)
        return tf ? LLVMBuildUIToFP(B, x, t, "") : LLVMBuildZExt(B, x, t, "");
    if (ff && tf)
        return to == LOOM_FLOAT64 ? LLVMBuildFPExt(B, x, t, "")
                                  : LLVMBuildFPTrunc(B, x, t, "");
    if (!ff && !tf)
        return to == LOOM_INT64 ? LLVMBuildSExt(B, x, t, "")
                                : LLVMBuildTrunc(B, x, t, "");
    if (!ff)
        return LLVMBuildSIToFP(B, x, t, "");
    /* float -> int: out of range and NaN give INT_MIN, as on x86 */
    double lim = to == LOOM_INT32 ? 2147483648.0 : 9223372036854775808.0;
    LLVMTypeRef ft = LLVMTypeOf(x);
    LLVMValueRef ok = LLVMBuildAnd(
        B, LLVMBuildFCmp(B, LLVMRealOGE, x, fconst(ft, -lim), ""),
        LLVMBuildFCmp(B, LLVMRealOLT, x, fconst(ft, lim), ""), "");
    LLVMValueRef v = LLVMBuildFPToSI(B, x, t, "");
    LLVMValueRef min = iconst(t, to == LOOM_INT32 ? INT32_MIN : INT64_MIN);
    return LLVMBuildSelect(B, ok, v, min, "");
}

/* ---- elementwise ops ---- */

/* NumPy's float floor division and remainder (npy_divmod). */
static LLVMValueRef float_divmod(em *e, LLVMValueRef a, LLVMValueRef b,
                                 bool want_mod)
{
    LLVMBuilderRef B = e->B;
    LLVMTypeRef t = LLVMTypeOf(a);
    LLVMValueRef zero = fconst(t, 0), one = fconst(t, 1);
    LLVMValueRef mod = LLVMBuildFRem(B, a, b, "");
    LLVMValueRef div = LLVMBuildFDiv(B, LLVMBuildFSub(B, a, mod, ""), b, "");
    LLVMValueRef modnz = LLVMBuildFCmp(B, LLVMRealUNE, mod, zero, "");
    LLVMValueRef fix = LLVMBuildAnd(
        B, modnz,
        LLVMBuildXor(B, LLVMBuildFCmp(B, LLVMRealOLT, b, zero, ""),
                     LLVMBuildFCmp(B, LLVMRealOLT, mod, zero, ""), ""),
        "");
    LLVMValueRef mod2 = LLVMBuildSelect(
        B, fix, LLVMBuildFAdd(B, mod, b, ""),
        LLVMBuildSelect(B, modnz, mod, intr2(e, "llvm.copysign", zero, b), ""),
        "");
    if (want_mod)
        return mod2;
    LLVMValueRef div2 = LLVMBuildSelect(B, fix, LLVMBuildFSub(B, div, one, ""),
                                        div, "");
    LLVMValueRef fl = intr1(e, "llvm.floor", div2);
    LLVMValueRef up = LLVMBuildFCmp(
        B, LLVMRealOGT, LLVMBuildFSub(B, div2, fl, ""), fconst(t, 0.5), "");
    fl = LLVMBuildSelect(B, up, LLVMBuildFAdd(B, fl, one, ""), fl, "");
    LLVMValueRef q = LLVMBuildFDiv(B, a, b, "");
    LLVMValueRef divnz = LLVMBuildFCmp(B, LLVMRealUNE, div2, zero, "");
    LLVMValueRef r = LLVMBuildSelect(B, divnz, fl,
                                     intr2(e, "llvm.copysign", zero, q), "");
    /* division by zero: a / b (inf or nan) */
    return LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOEQ, b, zero, ""), q,
                           r, "");
}

/* Integer floor division / remainder with NumPy's answers for b == 0 (0)
 * and MIN / -1 (MIN, remainder 0), without the hardware trapping. */
static LLVMValueRef int_divmod(em *e, LLVMValueRef a, LLVMValueRef b,
                               bool want_mod)
{
    LLVMBuilderRef B = e->B;
    LLVMTypeRef t = LLVMTypeOf(a);
    LLVMValueRef zero = iconst(t, 0), one = iconst(t, 1), m1 = iconst(t, -1);
    LLVMValueRef bz = LLVMBuildICmp(B, LLVMIntEQ, b, zero, "");
    LLVMValueRef bm1 = LLVMBuildICmp(B, LLVMIntEQ, b, m1, "");
    LLVMValueRef bs = LLVMBuildSelect(B, LLVMBuildOr(B, bz, bm1, ""), one, b, "");
    LLVMValueRef q = LLVMBuildSDiv(B, a, bs, "");
    LLVMValueRef r = LLVMBuildSRem(B, a, bs, "");
    LLVMValueRef fix = LLVMBuildAnd(
        B, LLVMBuildICmp(B, LLVMIntNE, r, zero, ""),
        LLVMBuildXor(B, LLVMBuildICmp(B, LLVMIntSLT, r, zero, ""),
                     LLVMBuildICmp(B, LLVMIntSLT, b, zero, ""), ""),
        "");
    if (want_mod) {
        LLVMValueRef m = LLVMBuildSelect(B, fix, LLVMBuildAdd(B, r, b, ""), r, "");
        return LLVMBuildSelect(B, LLVMBuildOr(B, bz, bm1, ""), zero, m, "");
    }
    q = LLVMBuildSelect(B, fix, LLVMBuildSub(B, q, one, ""), q, "");
    q = LLVMBuildSelect(B, bm1, LLVMBuildSub(B, zero, a, ""), q, "");
    return LLVMBuildSelect(B, bz, zero, q, "");
}

static LLVMValueRef shift(em *e, LLVMValueRef a, LLVMValueRef b, bool left)
{
    LLVMBuilderRef B = e->B;
    LLVMTypeRef t = LLVMTypeOf(a);
    unsigned bits = LLVMGetIntTypeWidth(t);
    LLVMValueRef inrange =
        LLVMBuildICmp(B, LLVMIntULT, b, iconst(t, bits), "");
    LLVMValueRef bm = LLVMBuildAnd(B, b, iconst(t, bits - 1), "");
    if (left)
        return LLVMBuildSelect(B, inrange, LLVMBuildShl(B, a, bm, ""),
                               iconst(t, 0), "");
    LLVMValueRef fill = LLVMBuildSelect(
        B, LLVMBuildICmp(B, LLVMIntSLT, a, iconst(t, 0), ""), iconst(t, -1),
        iconst(t, 0), "");
    return LLVMBuildSelect(B, inrange, LLVMBuildAShr(B, a, bm, ""), fill, "");
}

static LLVMValueRef fcmp(em *e, LLVMRealPredicate p, LLVMValueRef a,
                         LLVMValueRef b)
{
    return LLVMBuildFCmp(e->B, p, a, b, "");
}

/* Comparisons in the operands' dtype (the builder promoted them). */
static LLVMValueRef compare(em *e, graph_op op, int dt, LLVMValueRef a,
                            LLVMValueRef b)
{
    if (graph_is_float((loom_dtype)dt)) {
        static const LLVMRealPredicate fp[] = {LLVMRealOEQ, LLVMRealUNE,
                                               LLVMRealOLT, LLVMRealOLE,
                                               LLVMRealOGT, LLVMRealOGE};
        return fcmp(e, fp[op - GRAPH_OP_EQ], a, b);
    }
    static const LLVMIntPredicate sp[] = {LLVMIntEQ, LLVMIntNE, LLVMIntSLT,
                                          LLVMIntSLE, LLVMIntSGT, LLVMIntSGE};
    static const LLVMIntPredicate up[] = {LLVMIntEQ, LLVMIntNE, LLVMIntULT,
                                          LLVMIntULE, LLVMIntUGT, LLVMIntUGE};
    return LLVMBuildICmp(e->B, dt == LOOM_BOOL ? up[op - GRAPH_OP_EQ]
                                               : sp[op - GRAPH_OP_EQ],
                         a, b, "");
}

static LLVMValueRef int_recip(em *e, LLVMValueRef a)
{
    LLVMBuilderRef B = e->B;
    LLVMTypeRef t = LLVMTypeOf(a);
    unsigned bits = LLVMGetIntTypeWidth(t);
    LLVMValueRef one = iconst(t, 1), m1 = iconst(t, -1);
    LLVMValueRef r = LLVMBuildSelect(
        B, LLVMBuildICmp(B, LLVMIntEQ, a, one, ""), one,
        LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntEQ, a, m1, ""), m1,
                        iconst(t, 0), ""),
        "");
    LLVMValueRef min = iconst(t, bits == 32 ? INT32_MIN : INT64_MIN);
    return LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntEQ, a, iconst(t, 0), ""),
                           min, r, "");
}

static LLVMValueRef sign(em *e, int dt, LLVMValueRef a)
{
    LLVMBuilderRef B = e->B;
    LLVMTypeRef t = LLVMTypeOf(a);
    if (graph_is_float((loom_dtype)dt)) {
        LLVMValueRef z = fconst(t, 0);
        LLVMValueRef r = LLVMBuildSelect(
            B, fcmp(e, LLVMRealOGT, a, z), fconst(t, 1),
            LLVMBuildSelect(B, fcmp(e, LLVMRealOLT, a, z), fconst(t, -1), z,
                            ""),
            "");
        return LLVMBuildSelect(B, fcmp(e, LLVMRealUNO, a, a), a, r, "");
    }
    LLVMValueRef z = iconst(t, 0);
    LLVMValueRef gt = LLVMBuildZExt(B, LLVMBuildICmp(B, LLVMIntSGT, a, z, ""), t, "");
    LLVMValueRef lt = LLVMBuildZExt(B, LLVMBuildICmp(B, LLVMIntSLT, a, z, ""), t, "");
    return LLVMBuildSub(B, gt, lt, "");
}

static LLVMValueRef int_pow(em *e, LLVMValueRef a, LLVMValueRef b)
{
    LLVMValueRef args[2] = {LLVMBuildSExt(e->B, a, e->i64, ""),
                            LLVMBuildSExt(e->B, b, e->i64, "")};
    if (LLVMTypeOf(a) == e->i64) {
        args[0] = a;
        args[1] = b;
    }
    LLVMValueRef r = helper(e, "loom_rt_ipow", e->i64, 2, args);
    return LLVMTypeOf(a) == e->i64 ? r : LLVMBuildTrunc(e->B, r, LLVMTypeOf(a), "");
}

/* The value of graph op `op` (result dtype dt) over emitted arguments x of
 * argument dtype adt. */
static LLVMValueRef alu(em *e, graph_op op, int dt, int adt, LLVMValueRef *x)
{
    LLVMBuilderRef B = e->B;
    bool fl = graph_is_float((loom_dtype)adt);
    bool bo = adt == LOOM_BOOL;
    LLVMValueRef a = x[0], b = x[1];
    switch (op) {
    case GRAPH_OP_CAST: return cast(e, a, adt, dt);
    case GRAPH_OP_COPY: return a;
    case GRAPH_OP_NEG: return fl ? LLVMBuildFNeg(B, a, "") : LLVMBuildNeg(B, a, "");
    case GRAPH_OP_ABS:
        if (fl) return intr1(e, "llvm.fabs", a);
        if (bo) return a;
        return LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, a, iconst(LLVMTypeOf(a), 0), ""),
                               LLVMBuildNeg(B, a, ""), a, "");
    case GRAPH_OP_SIGN: return sign(e, adt, a);
    case GRAPH_OP_SQUARE: return fl ? LLVMBuildFMul(B, a, a, "") : LLVMBuildMul(B, a, a, "");
    case GRAPH_OP_RECIP:
        return fl ? LLVMBuildFDiv(B, fconst(LLVMTypeOf(a), 1), a, "") : int_recip(e, a);
    case GRAPH_OP_SQRT: return intr1(e, "llvm.sqrt", a);
    case GRAPH_OP_CBRT: return vmath(e, JIT_VM_CBRT, a, NULL);
    case GRAPH_OP_EXP: return vmath(e, JIT_VM_EXP, a, NULL);
    case GRAPH_OP_EXP2: return vmath(e, JIT_VM_EXP2, a, NULL);
    case GRAPH_OP_EXPM1: return vmath(e, JIT_VM_EXPM1, a, NULL);
    case GRAPH_OP_LOG: return vmath(e, JIT_VM_LOG, a, NULL);
    case GRAPH_OP_LOG2: return vmath(e, JIT_VM_LOG2, a, NULL);
    case GRAPH_OP_LOG10: return vmath(e, JIT_VM_LOG10, a, NULL);
    case GRAPH_OP_LOG1P: return vmath(e, JIT_VM_LOG1P, a, NULL);
    case GRAPH_OP_SIN: return vmath(e, JIT_VM_SIN, a, NULL);
    case GRAPH_OP_COS: return vmath(e, JIT_VM_COS, a, NULL);
    case GRAPH_OP_TAN: return vmath(e, JIT_VM_TAN, a, NULL);
    case GRAPH_OP_ASIN: return vmath(e, JIT_VM_ASIN, a, NULL);
    case GRAPH_OP_ACOS: return vmath(e, JIT_VM_ACOS, a, NULL);
    case GRAPH_OP_ATAN: return vmath(e, JIT_VM_ATAN, a, NULL);
    case GRAPH_OP_SINH: return vmath(e, JIT_VM_SINH, a, NULL);
    case GRAPH_OP_COSH: return vmath(e, JIT_VM_COSH, a, NULL);
    case GRAPH_OP_TANH: return vmath(e, JIT_VM_TANH, a, NULL);
    case GRAPH_OP_ASINH: return vmath(e, JIT_VM_ASINH, a, NULL);
    case GRAPH_OP_ACOSH: return vmath(e, JIT_VM_ACOSH, a, NULL);
    case GRAPH_OP_ATANH: return vmath(e, JIT_VM_ATANH, a, NULL);
    case GRAPH_OP_SIGMOID: return vmath(e, JIT_VM_SIGMOID, a, NULL);
    case GRAPH_OP_FLOOR: return intr1(e, "llvm.floor", a);
    case GRAPH_OP_CEIL: return intr1(e, "llvm.ceil", a);
    case GRAPH_OP_TRUNC: return intr1(e, "llvm.trunc", a);
    case GRAPH_OP_RINT: return intr1(e, "llvm.roundeven", a);
    case GRAPH_OP_ISNAN:
        return fl ? fcmp(e, LLVMRealUNO, a, a) : LLVMConstInt(e->i1, 0, 0);
    case GRAPH_OP_ISINF:
        return fl ? fcmp(e, LLVMRealOEQ, intr1(e, "llvm.fabs", a),
                         fconst(LLVMTypeOf(a), INFINITY))
                  : LLVMConstInt(e->i1, 0, 0);
    case GRAPH_OP_ISFINITE:
        return fl ? fcmp(e, LLVMRealOLT, intr1(e, "llvm.fabs", a),
                         fconst(LLVMTypeOf(a), INFINITY))
                  : LLVMConstInt(e->i1, 1, 0);
    case GRAPH_OP_SIGNBIT:
        if (fl) {
            LLVMTypeRef it = LLVMTypeOf(a) == e->f32 ? e->i32 : e->i64;
            return LLVMBuildICmp(B, LLVMIntSLT, LLVMBuildBitCast(B, a, it, ""),
                                 iconst(it, 0), "");
        }
        return bo ? LLVMConstInt(e->i1, 0, 0)
                  : LLVMBuildICmp(B, LLVMIntSLT, a, iconst(LLVMTypeOf(a), 0), "");
    case GRAPH_OP_NOT: return LLVMBuildNot(B, a, "");
    case GRAPH_OP_INVERT: return LLVMBuildNot(B, a, "");
    case GRAPH_OP_ADD:
        return fl ? LLVMBuildFAdd(B, a, b, "") : bo ? LLVMBuildOr(B, a, b, "") : LLVMBuildAdd(B, a, b, "");
    case GRAPH_OP_SUB: return fl ? LLVMBuildFSub(B, a, b, "") : LLVMBuildSub(B, a, b, "");
    case GRAPH_OP_MUL:
        return fl ? LLVMBuildFMul(B, a, b, "") : bo ? LLVMBuildAnd(B, a, b, "") : LLVMBuildMul(B, a, b, "");
    case GRAPH_OP_DIV: return LLVMBuildFDiv(B, a, b, "");
    case GRAPH_OP_FLOORDIV: return fl ? float_divmod(e, a, b, false) : int_divmod(e, a, b, false);
    case GRAPH_OP_MOD: return fl ? float_divmod(e, a, b, true) : int_divmod(e, a, b, true);
    case GRAPH_OP_POW: return fl ? vmath(e, JIT_VM_POW, a, b) : int_pow(e, a, b);
    case GRAPH_OP_MAX:
        return fl ? intr2(e, "llvm.maximum", a, b) : bo ? LLVMBuildOr(B, a, b, "") : intr2(e, "llvm.smax", a, b);
    case GRAPH_OP_MIN:
        return fl ? intr2(e, "llvm.minimum", a, b) : bo ? LLVMBuildAnd(B, a, b, "") : intr2(e, "llvm.smin", a, b);
    case GRAPH_OP_FMAX:
        return fl ? intr2(e, "llvm.maxnum", a, b) : bo ? LLVMBuildOr(B, a, b, "") : intr2(e, "llvm.smax", a, b);
    case GRAPH_OP_FMIN:
        return fl ? intr2(e, "llvm.minnum", a, b) : bo ? LLVMBuildAnd(B, a, b, "") : intr2(e, "llvm.smin", a, b);
    case GRAPH_OP_ATAN2: return vmath(e, JIT_VM_ATAN2, a, b);
    case GRAPH_OP_HYPOT: return vmath(e, JIT_VM_HYPOT, a, b);
    case GRAPH_OP_LOGADDEXP: return vmath(e, JIT_VM_LOGADDEXP, a, b);
    case GRAPH_OP_COPYSIGN: return intr2(e, "llvm.copysign", a, b);
    case GRAPH_OP_EQ: case GRAPH_OP_NE: case GRAPH_OP_LT:
    case GRAPH_OP_LE: case GRAPH_OP_GT: case GRAPH_OP_GE:
        return compare(e, op, adt, a, b);
    case GRAPH_OP_AND: case GRAPH_OP_BAND: return LLVMBuildAnd(B, a, b, "");
    case GRAPH_OP_OR: case GRAPH_OP_BOR: return LLVMBuildOr(B, a, b, "");
    case GRAPH_OP_XOR: case GRAPH_OP_BXOR: return LLVMBuildXor(B, a, b, "");
    case GRAPH_OP_SHL: return shift(e, a, b, true);
    case GRAPH_OP_SHR: return shift(e, a, b, false);
    case GRAPH_OP_WHERE: return LLVMBuildSelect(B, a, b, x[2], "");
    default:
        fail(e, "emit: op has no lowering");
        return LLVMGetUndef(ty(e, dt));
    }
}

/* ---- accumulator storage ---- */

static LLVMValueRef value(em *e, int v);

static bool is_arg(const kir_acc *acc)
{
    return acc->red == GRAPH_OP_RARGMAX || acc->red == GRAPH_OP_RARGMIN;
}

/* Float max/min keep NaN apart: slot 0 is the max of the ordered values
 * (one vmaxps per vector: x > m ? x : m), slot 1 an integer flag ORed
 * with "x is NaN"; the value read out is NaN when the flag is set.  Both
 * are plain reductions the loop vectorizer recognizes, where NumPy's
 * NaN-propagating maximum costs several instructions per vector. */
static bool is_nanflag(const kir_acc *acc)
{
    return graph_is_float((loom_dtype)acc->dtype) &&
           (acc->red == GRAPH_OP_RMAX || acc->red == GRAPH_OP_RMIN);
}

/* Type of slot (0 value, 1 second part, 2 shift) of an accumulator. */
static LLVMTypeRef slot_type(em *e, const kir_acc *acc, int slot)
{
    /* a NaN flag in registers is a bool, which the vectorizer keeps in
     * mask registers (one korw per vector instead of widening it to the
     * values' lanes); in the scratch buffer (vector accumulators, loaded
     * and stored along with the values) it is as wide as the values, so
     * that both take the same number of lanes */
    if (slot == 1 && is_nanflag(acc))
        return acc->vec_var < 0 ? e->i1 : acc->dtype == LOOM_FLOAT32 ? e->i32 : e->i64;
    return slot == 1 && is_arg(acc) ? e->i64 : ty(e, acc->dtype);
}

/* Pointer to a slot of accumulator a: an alloca, or for a vector
 * accumulator its element for the current iteration of its loop in the
 * scratch buffer.  Vector slots are stored slot-major -- row a * 3 + slot
 * of len 8-byte words, element i at i times the slot's size -- so
 * consecutive iterations touch consecutive elements and the loop
 * vectorizes; a column-split kernel's chunk c has its own set, c * naccs
 * * 3 rows further. */
static LLVMValueRef acc_ptr_in(em *e, LLVMValueRef chunk, int a, int slot)
{
    const kir_acc *acc = &e->k->accs[a];
    if (acc->vec_var < 0)
        return e->accs[3 * a + slot];
    LLVMBuilderRef B = e->B;
    LLVMValueRef len = value(e, acc->vec_len);
    LLVMValueRef row = LLVMConstInt(e->i64, (unsigned long long)(3 * a + slot), 0);
    if (chunk)
        row = LLVMBuildAdd(B, row, LLVMBuildMul(B, chunk,
                                                LLVMConstInt(e->i64, 3ull * (unsigned)e->k->naccs, 0),
                                                ""), "");
    /* rows of 8-byte words; a row holds its elements packed at their own
     * size, so that a float32 slot is read contiguously too */
    LLVMValueRef base = LLVMBuildMul(B, LLVMBuildMul(B, row, len, ""),
                                     LLVMConstInt(e->i64, 8, 0), "");
    LLVMTypeRef st = slot_type(e, acc, slot);
    LLVMValueRef p = LLVMBuildGEP2(B, e->i8, e->scratch, &base, 1, "");
    return LLVMBuildGEP2(B, st, p, &e->loopvar[acc->vec_var], 1, "");
}

static LLVMValueRef acc_ptr(em *e, int a, int slot)
{
    return acc_ptr_in(e, e->chunk, a, slot);
}

/* A distinct metadata node that names itself first (scope domains and
 * scopes are identified so), then the given operands. */
static LLVMMetadataRef self_node(em *e, LLVMMetadataRef *ops, size_t n)
{
    LLVMMetadataRef all[4], tmp = LLVMTemporaryMDNode(e->C, NULL, 0);
    all[0] = tmp;
    for (size_t i = 0; i < n && i < 3; i++)
        all[i + 1] = ops[i];
    LLVMMetadataRef node = LLVMMDNodeInContext2(e->C, all, n + 1);
    LLVMMetadataReplaceAllUsesWith(tmp, node);
    return node;
}

/*
 * Alias scopes for the rows of the vector accumulators: each slot row of
 * the scratch buffer is its own scope, and an access to one is declared
 * not to alias the others.  Rows never overlap, but LLVM cannot see that
 * through the run-time row length, and would otherwise test for overlap
 * before every sweep of a row (per row of the input, in column mode).
 */
static void make_scopes(em *e)
{
    const jit_kernel *k = e->k;
    const char *dn = "loom.accumulators";
    LLVMMetadataRef name = LLVMMDStringInContext2(e->C, dn, strlen(dn));
    LLVMMetadataRef dom = self_node(e, &name, 1);
    for (int i = 0; i < 3 * k->naccs; i++) {
        e->scope[i] = NULL;
        if (k->accs[i / 3].vec_var < 0)
            continue;
        char buf[32];
        snprintf(buf, sizeof buf, "acc%d.%d", i / 3, i % 3);
        LLVMMetadataRef ops[2] = {dom, LLVMMDStringInContext2(e->C, buf, strlen(buf))};
        e->scope[i] = self_node(e, ops, 2);
    }
}

static void tag_acc(em *e, LLVMValueRef inst, int a, int slot)
{
    int me = 3 * a + slot, n = 0;
    if (!e->scope[me])
        return;
    LLVMMetadataRef others[3 * 64];
    for (int i = 0; i < 3 * e->k->naccs && n < 3 * 64; i++)
        if (i != me && e->scope[i])
            others[n++] = e->scope[i];
    unsigned ks = LLVMGetMDKindIDInContext(e->C, "alias.scope", 11);
    unsigned kn = LLVMGetMDKindIDInContext(e->C, "noalias", 7);
    LLVMSetMetadata(inst, ks, LLVMMetadataAsValue(
                                  e->C, LLVMMDNodeInContext2(e->C, &e->scope[me], 1)));
    if (n)
        LLVMSetMetadata(inst, kn, LLVMMetadataAsValue(
                                      e->C, LLVMMDNodeInContext2(e->C, others, (size_t)n)));
}

static LLVMValueRef acc_load_in(em *e, LLVMValueRef chunk, int a, int slot)
{
    LLVMValueRef l = LLVMBuildLoad2(e->B, slot_type(e, &e->k->accs[a], slot),
                                    acc_ptr_in(e, chunk, a, slot), "");
    tag_acc(e, l, a, slot);
    return l;
}

static LLVMValueRef acc_load(em *e, int a, int slot)
{
    return acc_load_in(e, e->chunk, a, slot);
}

static void acc_store(em *e, int a, int slot, LLVMValueRef v)
{
    tag_acc(e, LLVMBuildStore(e->B, v, acc_ptr(e, a, slot)), a, slot);
}

/* ---- values ---- */

static LLVMValueRef value_uncached(em *e, int v)
{
    const kir_val *x = &e->k->vals[v];
    LLVMBuilderRef B = e->B;
    switch (x->op) {
    case KV_CONST:
        if (graph_is_float((loom_dtype)x->dtype))
            return fconst(ty(e, x->dtype), x->imm.f);
        return iconst(ty(e, x->dtype), x->imm.i);
    case KV_PARAM:
        return e->params[x->a];
    case KV_VAR:
        if (!e->loopvar[x->a]) {
            fail(e, "emit: a loop variable is used outside its loop");
            return LLVMConstInt(e->i64, 0, 0);
        }
        return e->loopvar[x->a];
    case KV_IADD:
        return LLVMBuildAdd(B, value(e, x->a), value(e, x->b), "");
    case KV_IMUL:
        return LLVMBuildMul(B, value(e, x->a), value(e, x->b), "");
    case KV_LOAD: {
        LLVMTypeRef mt = memty(e, x->dtype);
        LLVMValueRef idx = value(e, x->b);
        LLVMValueRef p = LLVMBuildGEP2(B, mt, e->bufs[x->a], &idx, 1, "");
        LLVMValueRef l;
        if (x->c >= 0) {
            /* a guarded load: the vectorizer turns it into a masked one */
            LLVMValueRef m = value(e, x->c);
            LLVMBasicBlockRef from = LLVMGetInsertBlock(B);
            LLVMBasicBlockRef yes = LLVMAppendBasicBlockInContext(e->C, e->fn, "load");
            LLVMBasicBlockRef join = LLVMAppendBasicBlockInContext(e->C, e->fn, "loaded");
            LLVMBuildCondBr(B, m, yes, join);
            LLVMPositionBuilderAtEnd(B, yes);
            LLVMValueRef got = LLVMBuildLoad2(B, mt, p, "");
            LLVMBuildBr(B, join);
            LLVMPositionBuilderAtEnd(B, join);
            l = LLVMBuildPhi(B, mt, "");
            LLVMValueRef vals[2] = {got, LLVMConstNull(mt)};
            LLVMBasicBlockRef bbs[2] = {yes, from};
            LLVMAddIncoming(l, vals, bbs, 2);
        } else {
            l = LLVMBuildLoad2(B, mt, p, "");
        }
        if (x->dtype == LOOM_BOOL)
            return LLVMBuildICmp(B, LLVMIntNE, l, LLVMConstInt(e->i8, 0, 0), "");
        return l;
    }
    case KV_ALU: {
        LLVMValueRef a[3] = {NULL, NULL, NULL};
        int args[3] = {x->a, x->b, x->c};
        for (int i = 0; i < 3; i++)
            if (args[i] >= 0)
                a[i] = value(e, args[i]);
        /* WHERE's dtype of interest is its value operands' */
        int adt = e->k->vals[x->gop == GRAPH_OP_WHERE ? x->b : x->a].dtype;
        return alu(e, (graph_op)x->gop, x->dtype, adt, a);
    }
    case KV_ACC: {
        LLVMValueRef r = acc_load(e, x->a, x->b);
        if (x->b == 0 && is_nanflag(&e->k->accs[x->a])) {
            LLVMValueRef f = acc_load(e, x->a, 1);
            LLVMValueRef nan = LLVMBuildICmp(B, LLVMIntNE, f,
                                             LLVMConstInt(LLVMTypeOf(f), 0, 0), "");
            r = LLVMBuildSelect(B, nan, fconst(LLVMTypeOf(r), NAN), r, "");
        }
        return r;
    }
    }
    fail(e, "emit: bad value");
    return LLVMGetUndef(e->i64);
}

static LLVMValueRef value(em *e, int v)
{
    if (e->memo[v] && e->memo_depth[v] <= e->depth)
        return e->memo[v];
    LLVMValueRef r = value_uncached(e, v);
    /* loads of accumulators change as phases run: never memoized */
    if (e->k->vals[v].op != KV_ACC) {
        e->memo[v] = r;
        e->memo_depth[v] = e->depth;
    }
    return r;
}

/* Forgets values emitted deeper than the current depth. */
static void forget(em *e)
{
    for (int i = 0; i < e->k->nvals; i++)
        if (e->memo[i] && e->memo_depth[i] > e->depth)
            e->memo[i] = NULL;
}

/* ---- accumulators ---- */

static LLVMValueRef identity(em *e, const kir_acc *acc)
{
    LLVMTypeRef t = ty(e, acc->dtype);
    bool fl = graph_is_float((loom_dtype)acc->dtype);
    int64_t imin = acc->dtype == LOOM_INT32 ? INT32_MIN : INT64_MIN;
    int64_t imax = acc->dtype == LOOM_INT32 ? INT32_MAX : INT64_MAX;
    switch (acc->red) {
    case GRAPH_OP_RSUM:
    case GRAPH_OP_RVAR:
        return fl ? fconst(t, 0) : iconst(t, 0);
    case GRAPH_OP_RPROD:
        return fl ? fconst(t, 1) : iconst(t, 1);
    case GRAPH_OP_RMAX:
    case GRAPH_OP_RARGMAX:
        return fl ? fconst(t, -INFINITY) : acc->dtype == LOOM_BOOL ? LLVMConstInt(t, 0, 0) : iconst(t, imin);
    case GRAPH_OP_RMIN:
    case GRAPH_OP_RARGMIN:
        return fl ? fconst(t, INFINITY) : acc->dtype == LOOM_BOOL ? LLVMConstInt(t, 1, 0) : iconst(t, imax);
    case GRAPH_OP_RFMAX:
    case GRAPH_OP_RFMIN:
        return fl ? fconst(t, NAN) : iconst(t, acc->red == GRAPH_OP_RFMAX ? imin : imax);
    case GRAPH_OP_RANY:
        return LLVMConstInt(e->i1, 0, 0);
    case GRAPH_OP_RALL:
        return LLVMConstInt(e->i1, 1, 0);
    default:
        fail(e, "emit: reduction has no lowering");
        return LLVMGetUndef(t);
    }
}

/* Whether (v, at index) beats the accumulated (old) for argmin/argmax:
 * strictly better, or the first NaN (which then stays). */
static LLVMValueRef arg_better(em *e, bool mx, int dt, LLVMValueRef v,
                               LLVMValueRef old)
{
    LLVMBuilderRef B = e->B;
    if (graph_is_float((loom_dtype)dt)) {
        LLVMValueRef cmp = fcmp(e, mx ? LLVMRealOGT : LLVMRealOLT, v, old);
        return LLVMBuildAnd(
            B, LLVMBuildNot(B, fcmp(e, LLVMRealUNO, old, old), ""),
            LLVMBuildOr(B, cmp, fcmp(e, LLVMRealUNO, v, v), ""), "");
    }
    bool bo = dt == LOOM_BOOL;
    return LLVMBuildICmp(B, mx ? (bo ? LLVMIntUGT : LLVMIntSGT)
                               : (bo ? LLVMIntULT : LLVMIntSLT),
                         v, old, "");
}

/* old (op) v for the associative reductions. */
static LLVMValueRef combine(em *e, const kir_acc *acc, LLVMValueRef old,
                            LLVMValueRef v)
{
    LLVMBuilderRef B = e->B;
    bool fl = graph_is_float((loom_dtype)acc->dtype);
    LLVMValueRef r, x[2] = {old, v};
    switch (acc->red) {
    case GRAPH_OP_RSUM:
    case GRAPH_OP_RVAR:
        r = fl ? LLVMBuildFAdd(B, old, v, "") : LLVMBuildAdd(B, old, v, "");
        break;
    case GRAPH_OP_RPROD:
        r = fl ? LLVMBuildFMul(B, old, v, "") : LLVMBuildMul(B, old, v, "");
        break;
    case GRAPH_OP_RMAX: r = alu(e, GRAPH_OP_MAX, acc->dtype, acc->dtype, x); break;
    case GRAPH_OP_RMIN: r = alu(e, GRAPH_OP_MIN, acc->dtype, acc->dtype, x); break;
    case GRAPH_OP_RFMAX: r = alu(e, GRAPH_OP_FMAX, acc->dtype, acc->dtype, x); break;
    case GRAPH_OP_RFMIN: r = alu(e, GRAPH_OP_FMIN, acc->dtype, acc->dtype, x); break;
    case GRAPH_OP_RANY: r = LLVMBuildOr(B, old, v, ""); break;
    case GRAPH_OP_RALL: r = LLVMBuildAnd(B, old, v, ""); break;
    default:
        fail(e, "emit: reduction has no lowering");
        return old;
    }
    if (fl && LLVMIsAInstruction(r) && LLVMCanValueUseFastMathFlags(r))
        LLVMSetFastMathFlags(r, LLVMFastMathAllowReassoc);
    return r;
}

static void acc_init(em *e, int a, LLVMValueRef shift, int shift_dt)
{
    const kir_acc *acc = &e->k->accs[a];
    acc_store(e, a, 0, identity(e, acc));
    if (is_arg(acc) || is_nanflag(acc))
        acc_store(e, a, 1, LLVMConstInt(slot_type(e, acc, 1), 0, 0));
    if (acc->red == GRAPH_OP_RVAR) {
        acc_store(e, a, 1, identity(e, acc));
        acc_store(e, a, 2, shift ? cast(e, shift, shift_dt, acc->dtype)
                                 : identity(e, acc));
    }
}

/* m = v > m ? v : m (min: <), flag |= isnan; v's NaN never enters m. */
static void nanflag_update(em *e, int a, LLVMValueRef v, LLVMValueRef isnan)
{
    const kir_acc *acc = &e->k->accs[a];
    LLVMBuilderRef B = e->B;
    LLVMValueRef old = acc_load(e, a, 0);
    LLVMValueRef c = fcmp(e, acc->red == GRAPH_OP_RMAX ? LLVMRealOGT
                                                       : LLVMRealOLT, v, old);
    LLVMValueRef m = LLVMBuildSelect(B, c, v, old, "");
    /* no-NaN, no-signed-zero: what the vectorizer asks of a compare and
     * select before it treats them as a max; a NaN v makes m poison, and
     * then the flag selects NaN instead of m */
    LLVMFastMathFlags f = LLVMFastMathNoNaNs | LLVMFastMathNoSignedZeros;
    LLVMSetFastMathFlags(c, f);
    if (LLVMIsAInstruction(m) && LLVMCanValueUseFastMathFlags(m))
        LLVMSetFastMathFlags(m, f);
    acc_store(e, a, 0, m);
    acc_store(e, a, 1, LLVMBuildOr(B, acc_load(e, a, 1), isnan, ""));
}

static void acc_update(em *e, int a, LLVMValueRef v, LLVMValueRef idx,
                       int vdt)
{
    const kir_acc *acc = &e->k->accs[a];
    LLVMBuilderRef B = e->B;
    if (is_arg(acc)) {
        LLVMValueRef old = acc_load(e, a, 0);
        LLVMValueRef better = arg_better(e, acc->red == GRAPH_OP_RARGMAX,
                                         acc->dtype, v, old);
        acc_store(e, a, 1, LLVMBuildSelect(B, better, idx, acc_load(e, a, 1), ""));
        acc_store(e, a, 0, LLVMBuildSelect(B, better, v, old, ""));
        return;
    }
    if (e->fon[a]) { /* float32 partials of a block */
        LLVMValueRef d = v;
        if (acc->red == GRAPH_OP_RVAR)
            d = LLVMBuildFSub(B, v, e->fshift[a], "");
        LLVMValueRef s0 = LLVMBuildFAdd(B, LLVMBuildLoad2(B, e->f32, e->facc[2 * a], ""),
                                        d, "");
        LLVMSetFastMathFlags(s0, LLVMFastMathAllowReassoc);
        LLVMBuildStore(B, s0, e->facc[2 * a]);
        if (acc->red == GRAPH_OP_RVAR) {
            LLVMValueRef s1 = LLVMBuildFAdd(
                B, LLVMBuildLoad2(B, e->f32, e->facc[2 * a + 1], ""),
                LLVMBuildFMul(B, d, d, ""), "");
            LLVMSetFastMathFlags(s1, LLVMFastMathAllowReassoc);
            LLVMBuildStore(B, s1, e->facc[2 * a + 1]);
        }
        return;
    }
    v = cast(e, v, vdt, acc->dtype);
    if (is_nanflag(acc)) {
        nanflag_update(e, a, v, LLVMBuildZExt(B, fcmp(e, LLVMRealUNO, v, v),
                                              slot_type(e, acc, 1), ""));
        return;
    }
    if (acc->red == GRAPH_OP_RVAR) {
        /* shifted sums: S1 += x - K, S2 += (x - K)^2 */
        LLVMValueRef d = LLVMBuildFSub(B, v, acc_load(e, a, 2), "");
        acc_store(e, a, 0, combine(e, acc, acc_load(e, a, 0), d));
        acc_store(e, a, 1, combine(e, acc, acc_load(e, a, 1),
                                   LLVMBuildFMul(B, d, d, "")));
        return;
    }
    acc_store(e, a, 0, combine(e, acc, acc_load(e, a, 0), v));
}

/* Merges a chunk's partial accumulator (its slot values) into acc a. */
static void acc_merge(em *e, int a, LLVMValueRef *part)
{
    const kir_acc *acc = &e->k->accs[a];
    if (is_arg(acc)) {
        acc_update(e, a, part[0], part[1], acc->dtype);
        return;
    }
    if (is_nanflag(acc)) {
        nanflag_update(e, a, part[0], part[1]);
        return;
    }
    if (acc->red == GRAPH_OP_RVAR) {
        acc_store(e, a, 0, combine(e, acc, acc_load(e, a, 0), part[0]));
        acc_store(e, a, 1, combine(e, acc, acc_load(e, a, 1), part[1]));
        return;
    }
    acc_store(e, a, 0, combine(e, acc, acc_load(e, a, 0), part[0]));
}

/* ---- statements ---- */

/*
 * Streamed stores.  The loop vectorizer refuses a loop whose store is
 * tagged non-temporal unless the scalar store's alignment already suits a
 * vector one, which no element store's does.  So emit tags the store of a
 * streaming main loop with an alias scope of its own (no access is
 * declared disjoint from it, so alias analysis learns nothing), which the
 * vectorizer copies onto the widened stores; jit_emit_align_streams then
 * makes those non-temporal and aligned after the optimization pipeline.
 * The scope list is uniqued by content, so both ends build the same node.
 */
static LLVMMetadataRef stream_scopes(LLVMContextRef C)
{
    LLVMMetadataRef dname = LLVMMDStringInContext2(C, "loom.stream.domain", 18);
    LLVMMetadataRef dom = LLVMMDNodeInContext2(C, &dname, 1);
    LLVMMetadataRef sc[2] = {LLVMMDStringInContext2(C, "loom.stream", 11), dom};
    LLVMMetadataRef scope = LLVMMDNodeInContext2(C, sc, 2);
    return LLVMMDNodeInContext2(C, &scope, 1);
}

static unsigned md_kind(LLVMContextRef C, const char *name)
{
    return LLVMGetMDKindIDInContext(C, name, (unsigned)strlen(name));
}

static void mark_stream(em *e, LLVMValueRef store)
{
    LLVMSetMetadata(store, md_kind(e->C, "alias.scope"),
                    LLVMMetadataAsValue(e->C, stream_scopes(e->C)));
    e->nt_used = true;
}

/* Non-temporal stores are weakly ordered: a store fence before the body
 * returns makes them visible before the thread pool's completion flag. */
static void store_fence(em *e)
{
    const char *name = "llvm.x86.sse.sfence";
    unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
    LLVMValueRef f = LLVMGetIntrinsicDeclaration(e->M, id, NULL, 0);
    LLVMBuildCall2(e->B, LLVMIntrinsicGetType(e->C, id, NULL, 0), f, NULL, 0, "");
}

/* Opens a counted loop: [start, end) (start NULL: 0), or the kernel's
 * range [lo, hi) for a parallel loop, or chunk lo's share of [0, end) for
 * a split loop. */
static void open_loop_from(em *e, int var, LLVMValueRef start,
                           LLVMValueRef end, int flags, LLVMValueRef guard)
{
    if (e->depth + 1 >= MAXDEPTH) {
        fail(e, "emit: loops nested too deep");
        return;
    }
    LLVMBuilderRef B = e->B;
    if (!start)
        start = LLVMConstInt(e->i64, 0, 0);
    if (flags & KIR_LOOP_PARALLEL) {
        start = e->lo;
        end = e->hi;
    } else if (flags & KIR_LOOP_SPLIT) {
        LLVMValueRef cs = e->params[e->k->chunk_param];
        start = LLVMBuildMul(B, e->lo, cs, "");
        LLVMValueRef stop = LLVMBuildMul(B, e->hi, cs, "");
        end = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, stop, end, ""),
                              stop, end, "");
    }
    LLVMBasicBlockRef pre = LLVMGetInsertBlock(B);
    LLVMBasicBlockRef header = LLVMAppendBasicBlockInContext(e->C, e->fn, "loop");
    LLVMBasicBlockRef exit = LLVMAppendBasicBlockInContext(e->C, e->fn, "after");
    if (!guard)
        guard = LLVMBuildICmp(B, LLVMIntSLT, start, end, "");
    LLVMBuildCondBr(B, guard, header, exit);
    LLVMPositionBuilderAtEnd(B, header);
    LLVMValueRef phi = LLVMBuildPhi(B, e->i64, "i");
    LLVMAddIncoming(phi, &start, &pre, 1);
    e->loops[e->depth].has_inner = true;
    loopinfo *l = &e->loops[++e->depth];
    *l = (loopinfo){phi, end, header, exit, false, false, false, 1, false, 0};
    e->loopvar[var] = phi;
}

static void open_loop(em *e, int var, LLVMValueRef end, int flags)
{
    open_loop_from(e, var, NULL, end, flags, NULL);
}

static LLVMMetadataRef md_flag(em *e, const char *name, LLVMValueRef v)
{
    LLVMMetadataRef ops[2] = {LLVMMDStringInContext2(e->C, name, strlen(name)),
                              LLVMValueAsMetadata(v)};
    return LLVMMDNodeInContext2(e->C, ops, 2);
}

/*
 * Vectorizer hints on an innermost loop's latch branch.  A reduction loop
 * gets RED_IC interleaved accumulators (its adds then do not wait on each
 * other); its remainder is a loop of its own (split_reduction), masked
 * like an elementwise loop, which ends with one masked vector iteration
 * instead of a second loop: that keeps code small.
 */
#define RED_IC 4
static void loop_hints(em *e, LLVMValueRef br, const loopinfo *l)
{
    if (l->has_inner)
        return;
    LLVMValueRef t = LLVMConstInt(e->i1, 1, 0), f = LLVMConstInt(e->i1, 0, 0);
    LLVMMetadataRef tmp = LLVMTemporaryMDNode(e->C, NULL, 0);
    LLVMMetadataRef ops[4];
    int n = 0;
    /* no "vectorize.enable": a loop the vectorizer cannot widen (argmax's)
     * would then make LLVM print a warning */
    ops[n++] = tmp;
    bool masked = l->tail || (!l->has_update && !l->whole);
    ops[n++] = md_flag(e, "llvm.loop.vectorize.predicate.enable",
                       masked ? t : f);
    int ic = l->ic ? l->ic : !l->has_update ? 0 : l->tail ? 1 : RED_IC;
    if (ic)
        ops[n++] = md_flag(e, "llvm.loop.interleave.count",
                           LLVMConstInt(e->i32, (unsigned long long)ic, 0));
    LLVMMetadataRef id = LLVMMDNodeInContext2(e->C, ops, (size_t)n);
    LLVMMetadataReplaceAllUsesWith(tmp, id);
    unsigned kind = LLVMGetMDKindIDInContext(e->C, "llvm.loop", 9);
    LLVMSetMetadata(br, kind, LLVMMetadataAsValue(e->C, id));
}

static void close_loop(em *e)
{
    LLVMBuilderRef B = e->B;
    loopinfo *l = &e->loops[e->depth];
    LLVMValueRef next = LLVMBuildAdd(B, l->var,
                                     LLVMConstInt(e->i64, (unsigned long long)l->step, 0), "");
    LLVMBasicBlockRef latch = LLVMGetInsertBlock(B);
    LLVMAddIncoming(l->var, &next, &latch, 1);
    LLVMValueRef br = LLVMBuildCondBr(
        B, LLVMBuildICmp(B, LLVMIntSLT, next, l->end, ""), l->header, l->exit);
    loop_hints(e, br, l);
    LLVMPositionBuilderAtEnd(B, l->exit);
    e->depth--;
    forget(e);
}

/* Address of chunk c's partial of accumulator a in the scratch buffer. */
static LLVMValueRef partial_ptr(em *e, LLVMValueRef c, int a)
{
    LLVMBuilderRef B = e->B;
    LLVMValueRef i = LLVMBuildAdd(
        B, LLVMBuildMul(B, c, LLVMConstInt(e->i64, (unsigned long long)e->k->naccs, 0), ""),
        LLVMConstInt(e->i64, (unsigned long long)a, 0), "");
    LLVMValueRef off = LLVMBuildMul(B, i, LLVMConstInt(e->i64, KIR_ACC_BYTES, 0), "");
    return LLVMBuildGEP2(B, e->i8, e->scratch, &off, 1, "");
}

/* Scalar accumulators to the chunk's partials (vector ones are there). */
static void store_partials(em *e)
{
    for (int a = 0; a < e->k->naccs; a++) {
        if (e->k->accs[a].vec_var >= 0 || e->k->accs[a].local)
            continue;
        LLVMValueRef p = partial_ptr(e, e->lo, a);
        for (int slot = 0; slot < 3; slot++) {
            LLVMValueRef off = LLVMConstInt(e->i64, (unsigned long long)slot * 8, 0);
            LLVMValueRef q = LLVMBuildGEP2(e->B, e->i8, p, &off, 1, "");
            LLVMBuildStore(e->B, acc_load(e, a, slot), q);
        }
    }
}

/* Column-split: chunks [1, hi) merged into chunk 0, column by column
 * (the inner loop runs along the columns and vectorizes). */
static void merge_vector_partials(em *e)
{
    const jit_kernel *k = e->k;
    int a0 = -1;
    for (int a = 0; a < k->naccs && a0 < 0; a++)
        if (k->accs[a].vec_var >= 0)
            a0 = a;
    if (a0 < 0)
        return;
    LLVMValueRef saved_lo = e->lo;
    e->lo = LLVMConstInt(e->i64, 1, 0);
    open_loop(e, k->nloops, NULL, KIR_LOOP_PARALLEL); /* c in [1, hi) */
    e->lo = saved_lo;
    LLVMValueRef c = e->loopvar[k->nloops];
    open_loop(e, k->accs[a0].vec_var, value(e, k->accs[a0].vec_len), 0);
    e->loops[e->depth].has_update = true;
    for (int a = 0; a < k->naccs; a++) {
        if (k->accs[a].vec_var < 0)
            continue;
        LLVMValueRef part[3];
        for (int slot = 0; slot < 3; slot++)
            part[slot] = acc_load_in(e, c, a, slot);
        acc_merge(e, a, part);
    }
    close_loop(e);
    close_loop(e);
}

/* The combine function's prologue: every accumulator merged from the
 * partials of chunks [0, hi). */
static void merge_partials(em *e)
{
    merge_vector_partials(e);
    for (int a = 0; a < e->k->naccs; a++)
        if (e->k->accs[a].vec_var < 0 && !e->k->accs[a].local)
            acc_init(e, a, NULL, 0);
    /* the shift of var is the same in every chunk: take chunk 0's */
    for (int a = 0; a < e->k->naccs; a++)
        if (e->k->accs[a].red == GRAPH_OP_RVAR && e->k->accs[a].vec_var < 0 &&
            !e->k->accs[a].local) {
            LLVMValueRef off = LLVMConstInt(e->i64, 16, 0);
            LLVMValueRef q = LLVMBuildGEP2(e->B, e->i8,
                                           partial_ptr(e, LLVMConstInt(e->i64, 0, 0), a),
                                           &off, 1, "");
            acc_store(e, a, 2, LLVMBuildLoad2(e->B, slot_type(e, &e->k->accs[a], 2), q, ""));
        }
    LLVMValueRef saved_lo = e->lo, saved_hi = e->hi;
    e->lo = LLVMConstInt(e->i64, 0, 0);
    open_loop(e, e->k->nloops, NULL, KIR_LOOP_PARALLEL); /* c in [0, hi) */
    LLVMValueRef c = e->loopvar[e->k->nloops];
    for (int a = 0; a < e->k->naccs; a++) {
        if (e->k->accs[a].vec_var >= 0 || e->k->accs[a].local)
            continue;
        LLVMValueRef p = partial_ptr(e, c, a), part[3];
        for (int slot = 0; slot < 3; slot++) {
            LLVMValueRef off = LLVMConstInt(e->i64, (unsigned long long)slot * 8, 0);
            part[slot] = LLVMBuildLoad2(e->B, slot_type(e, &e->k->accs[a], slot),
                                        LLVMBuildGEP2(e->B, e->i8, p, &off, 1, ""), "");
        }
        acc_merge(e, a, part);
    }
    close_loop(e);
    e->lo = saved_lo;
    e->hi = saved_hi;
}

/* Store statement s (KS_STORE or KS_STREAM); nt: non-temporal. */
static void emit_store(em *e, const kir_stmt *s, bool nt)
{
    int dt = e->k->bufs[s->a].dtype;
    LLVMValueRef v = value(e, s->c);
    if (dt == LOOM_BOOL)
        v = LLVMBuildZExt(e->B, v, e->i8, "");
    LLVMValueRef idx = value(e, s->b);
    LLVMValueRef p = LLVMBuildGEP2(e->B, memty(e, dt), e->bufs[s->a], &idx, 1, "");
    LLVMValueRef store = LLVMBuildStore(e->B, v, p);
    if (nt)
        mark_stream(e, store);
}

/* ---- deferred row updates ---- */

/*
 * A reduction kernel's row loop may end each row with scalar work of its own
 * before its accumulator update or its store: cross-entropy takes the log
 * of each row's label probability (a scalar exp and log: a seventh of a
 * 100-wide row's time) before adding it to the mean, a log-sum-exp the log
 * of each row's sum before storing it.  Such an update is deferred: the
 * values it reads of the row's sweeps (their accumulators) and the row
 * index go to small arrays, and every DEFER_ROWS rows, and at the last
 * row, one loop computes the updates of the rows waiting -- a loop the
 * vectorizer widens, so the scalar work runs 16 rows to a vector.  The
 * sum's order changes as a vectorized reduction's does (it is reassoc).
 */
#define DEFER_ROWS 16

static bool dear_value(const jit_kernel *k, int v, int depth)
{
    if (v < 0 || depth > 64)
        return false;
    const kir_val *x = &k->vals[v];
    switch (x->op) {
    case KV_ALU:
        if (graph_ops[x->gop].kind == GRAPH_ELEM && graph_ops[x->gop].dear)
            return true;
        return dear_value(k, x->a, depth + 1) || dear_value(k, x->b, depth + 1) ||
               dear_value(k, x->c, depth + 1);
    case KV_LOAD:
        return dear_value(k, x->b, depth + 1) || dear_value(k, x->c, depth + 1);
    default:
        return false;
    }
}

static bool row_var(const struct defer *d, int var)
{
    for (int i = 0; i < d->nvar; i++)
        if (d->var[i] == var)
            return true;
    return false;
}

/* Adds to d the accumulator values v reads; false if it reads a loop
 * variable other than those around the update, or too many values. */
static bool defer_inputs(const jit_kernel *k, int v, struct defer *d, int depth)
{
    if (v < 0)
        return true;
    if (depth > 64)
        return false;
    const kir_val *x = &k->vals[v];
    switch (x->op) {
    case KV_ACC:
        for (int i = 0; i < d->nin; i++)
            if (d->in[i] == v)
                return true;
        if (d->nin == 8)
            return false;
        d->in[d->nin++] = v;
        return true;
    case KV_VAR:
        return row_var(d, x->a);
    case KV_CONST:
    case KV_PARAM:
        return true;
    case KV_LOAD:
        return defer_inputs(k, x->b, d, depth + 1) && defer_inputs(k, x->c, d, depth + 1);
    default: /* IADD, IMUL, ALU */
        return defer_inputs(k, x->a, d, depth + 1) && defer_inputs(k, x->b, d, depth + 1) &&
               (x->op != KV_ALU || defer_inputs(k, x->c, d, depth + 1));
    }
}

static bool is_arg(const kir_acc *acc);
static bool is_nanflag(const kir_acc *acc);

/* Whether statement s can be deferred (its loops aside): a float sum's
 * update (not in a parallel loop: the sum would be shared), or a store
 * to a buffer the kernel does not read, of a value that evaluates an
 * expensive function. */
static bool deferrable(const jit_kernel *k, const kir_stmt *s, bool parallel)
{
    if (s->op == KS_ACC_UPDATE) {
        const kir_acc *acc = &k->accs[s->a];
        return !parallel && s->c < 0 && acc->red == GRAPH_OP_RSUM &&
               graph_is_float((loom_dtype)acc->dtype) && acc->vec_var < 0 &&
               !is_arg(acc) && !is_nanflag(acc) && dear_value(k, s->b, 0);
    }
    if (s->op != KS_STORE || !dear_value(k, s->c, 0))
        return false;
    for (int v = 0; v < k->nvals; v++)
        if (k->vals[v].op == KV_LOAD && k->vals[v].a == s->a)
            return false;
    return true;
}

/*
 * Finds in statements [from, to) the update or store to defer: in the
 * body of an outermost loop (a split kernel's chunk of rows, a parallel
 * range of rows, or all rows), after that loop's sweeps (deferrable).  Sets up
 * e->df (allocas at the builder's place, the entry block); e->df.stmt is
 * -1 when there is none.
 */
static void defer_find(em *e, int from, int to)
{
    const jit_kernel *k = e->k;
    struct defer *d = &e->df;
    d->stmt = -1;
    int depth = 0, open[MAXDEPTH];
    bool swept[MAXDEPTH] = {false}, parallel = false;
    for (int i = from; i < to; i++) {
        const kir_stmt *s = &k->stmts[i];
        if (s->op == KS_LOOP) {
            if (depth == MAXDEPTH)
                return;
            if (depth == 0)
                parallel = s->c & KIR_LOOP_PARALLEL;
            else
                swept[depth - 1] = true;
            swept[depth] = false;
            open[depth++] = i;
        } else if (s->op == KS_END) {
            depth--;
        } else if (depth >= 1 && depth <= 4 && swept[depth - 1] &&
                   deferrable(k, s, parallel)) {
            d->nvar = depth;
            for (int l = 0; l < depth; l++)
                d->var[l] = k->stmts[open[l]].a;
            d->nin = 0;
            bool ok = s->op == KS_STORE
                          ? defer_inputs(k, s->b, d, 0) && defer_inputs(k, s->c, d, 0)
                          : defer_inputs(k, s->b, d, 0);
            if (!ok || d->stmt >= 0) {
                d->stmt = -1; /* one per kernel */
                return;
            }
            d->stmt = i;
        }
    }
    if (d->stmt < 0)
        return;
    for (int q = 0; q < d->nin; q++) {
        const kir_val *x = &k->vals[d->in[q]];
        d->buf[q] = LLVMBuildAlloca(e->B, LLVMArrayType(ty(e, x->dtype), DEFER_ROWS), "rowin");
    }
    for (int l = 0; l < d->nvar; l++)
        d->buf[d->nin + l] = LLVMBuildAlloca(e->B, LLVMArrayType(e->i64, DEFER_ROWS), "rowix");
    d->count = LLVMBuildAlloca(e->B, e->i64, "rows");
    LLVMBuildStore(e->B, LLVMConstInt(e->i64, 0, 0), d->count);
}

/* Element `at` of array q: input q's (q < nin), else loop variable
 * q - nin's. */
static LLVMValueRef defer_slot(em *e, int q, LLVMValueRef at)
{
    LLVMTypeRef t = q < e->df.nin ? ty(e, e->k->vals[e->df.in[q]].dtype) : e->i64;
    LLVMValueRef idx[2] = {LLVMConstInt(e->i64, 0, 0), at};
    return LLVMBuildGEP2(e->B, LLVMArrayType(t, DEFER_ROWS), e->df.buf[q], idx, 2, "");
}

/* Whether value v depends on the row: its index or its sweeps' results. */
static bool row_dependent(const bool *dep, int v)
{
    return v >= 0 && dep[v];
}

/*
 * The updates of the n rows waiting (n at most DEFER_ROWS), as one loop
 * entered when guard holds.  Inside, the row's inputs are loaded from the
 * arrays: memoized values that depend on the row are hidden meanwhile.
 */
static void defer_flush(em *e, LLVMValueRef n, LLVMValueRef guard)
{
    const jit_kernel *k = e->k;
    struct defer *d = &e->df;
    const kir_stmt *s = &k->stmts[d->stmt];
    bool *dep = calloc((size_t)k->nvals + 1, sizeof *dep);
    LLVMValueRef *saved = calloc((size_t)k->nvals + 1, sizeof *saved);
    int *sdepth = calloc((size_t)k->nvals + 1, sizeof *sdepth);
    if (!dep || !saved || !sdepth) {
        free(dep);
        free(saved);
        free(sdepth);
        fail(e, "emit: out of memory");
        return;
    }
    for (int v = 0; v < k->nvals; v++) { /* operands precede their users */
        const kir_val *x = &k->vals[v];
        switch (x->op) {
        case KV_ACC: dep[v] = true; break;
        case KV_VAR: dep[v] = row_var(d, x->a); break;
        case KV_CONST:
        case KV_PARAM: break;
        case KV_LOAD:
            dep[v] = row_dependent(dep, x->b) || row_dependent(dep, x->c);
            break;
        default:
            dep[v] = row_dependent(dep, x->a) || row_dependent(dep, x->b) ||
                     (x->op == KV_ALU && row_dependent(dep, x->c));
        }
        if (dep[v]) {
            saved[v] = e->memo[v];
            sdepth[v] = e->memo_depth[v];
            e->memo[v] = NULL;
        }
    }
    int fv = k->nloops + 2;
    open_loop_from(e, fv, NULL, n, 0, guard);
    e->loops[e->depth].tail = true; /* one masked vector step */
    e->loops[e->depth].has_update = true;
    LLVMValueRef j = e->loopvar[fv];
    for (int q = 0; q < d->nin; q++) {
        const kir_val *x = &k->vals[d->in[q]];
        e->memo[d->in[q]] = LLVMBuildLoad2(e->B, ty(e, x->dtype), defer_slot(e, q, j), "");
        e->memo_depth[d->in[q]] = e->depth;
    }
    LLVMValueRef outer[4];
    for (int l = 0; l < d->nvar; l++) {
        outer[l] = e->loopvar[d->var[l]];
        e->loopvar[d->var[l]] = LLVMBuildLoad2(e->B, e->i64, defer_slot(e, d->nin + l, j), "");
    }
    if (s->op == KS_STORE)
        emit_store(e, s, false);
    else
        acc_update(e, s->a, value(e, s->b), NULL, k->vals[s->b].dtype);
    close_loop(e);
    for (int l = 0; l < d->nvar; l++)
        e->loopvar[d->var[l]] = outer[l];
    for (int v = 0; v < k->nvals; v++)
        if (dep[v]) {
            e->memo[v] = saved[v];
            e->memo_depth[v] = sdepth[v];
        }
    free(dep);
    free(saved);
    free(sdepth);
}

/* At the deferred update: the row's inputs to the arrays, and the updates
 * of the rows waiting once there are DEFER_ROWS of them or this is the
 * last row (the last iteration of every loop around the update: the one
 * flush loop then serves both). */
static void defer_row(em *e)
{
    struct defer *d = &e->df;
    LLVMBuilderRef B = e->B;
    LLVMValueRef cnt = LLVMBuildLoad2(B, e->i64, d->count, "");
    for (int q = 0; q < d->nin; q++)
        LLVMBuildStore(B, value(e, d->in[q]), defer_slot(e, q, cnt));
    for (int l = 0; l < d->nvar; l++)
        LLVMBuildStore(B, e->loopvar[d->var[l]], defer_slot(e, d->nin + l, cnt));
    LLVMValueRef next = LLVMBuildAdd(B, cnt, LLVMConstInt(e->i64, 1, 0), "");
    LLVMValueRef flush = LLVMBuildICmp(B, LLVMIntEQ, next,
                                       LLVMConstInt(e->i64, DEFER_ROWS, 0), "");
    LLVMValueRef last = LLVMConstInt(e->i1, 1, 0);
    for (int l = 1; l <= e->depth; l++) {
        const loopinfo *li = &e->loops[l];
        LLVMValueRef nx = LLVMBuildAdd(B, li->var,
                                       LLVMConstInt(e->i64, (unsigned long long)li->step, 0), "");
        last = LLVMBuildAnd(B, last, LLVMBuildICmp(B, LLVMIntSGE, nx, li->end, ""), "");
    }
    flush = LLVMBuildOr(B, flush, last, "");
    defer_flush(e, next, flush);
    LLVMBuildStore(B, LLVMBuildSelect(B, flush, LLVMConstInt(e->i64, 0, 0), next, ""),
                   d->count);
}

static void statements(em *e, int from, int to);

/* Whether update s (a float32 value into a float64 sum or var) can sum in
 * float32 within blocks (blocked_sweep). */
static bool blockable(const jit_kernel *k, const kir_stmt *s)
{
    const kir_acc *acc = &k->accs[s->a];
    return (acc->red == GRAPH_OP_RSUM || acc->red == GRAPH_OP_RVAR) &&
           acc->dtype == LOOM_FLOAT64 && acc->vec_var < 0 &&
           k->vals[s->b].dtype == LOOM_FLOAT32;
}

/*
 * The statement ending the innermost plain loop opened at stmts[i], if
 * that loop updates accumulators (an argmax's excepted: it does not
 * vectorize) -- a row reduction's sweep; else -1.  *bytes receives the
 * widest accumulator or updating value in it, which sets the vector width
 * LLVM gives the loop; *blocked whether some update sums in blocks.
 */
static int reduction_loop_end(const jit_kernel *k, int i, int *bytes,
                              bool *blocked)
{
    if (k->stmts[i].c != 0)
        return -1;
    bool update = false;
    *bytes = 1;
    *blocked = false;
    for (int j = i + 1; j < k->nstmts; j++) {
        const kir_stmt *s = &k->stmts[j];
        if (s->op == KS_LOOP || s->op == KS_PARTIAL || s->op == KS_COMBINE)
            return -1;
        if (s->op == KS_END)
            return update ? j : -1;
        if (s->op != KS_ACC_UPDATE)
            continue;
        if (s->c >= 0)
            return -1;
        update = true;
        int w = (int)loom_dtype_size((loom_dtype)k->accs[s->a].dtype);
        int v = (int)loom_dtype_size((loom_dtype)k->vals[s->b].dtype);
        if (blockable(k, s)) {
            w = 4; /* it sums in float32 */
            *blocked = true;
        }
        *bytes = w > *bytes ? w : *bytes;
        *bytes = v > *bytes ? v : *bytes;
    }
    return -1;
}

/* Block length of blocked sums: each of the 64 float32 partial sums of
 * a vector loop adds BLOCK / 64 values before the block's total joins
 * the float64 accumulator -- as accurate as float64 throughout for our
 * purposes, with vectors of 16 floats instead of 8 doubles. */
#define BLOCK 1024

/* Starts (on) or ends a block of the blocked accumulators of the loop's
 * updates in stmts (from, end): the float32 partials start at 0 (var's
 * shift rounded once), and join the float64 accumulator at the end. */
static void block_edge(em *e, int from, int end, bool on)
{
    const jit_kernel *k = e->k;
    LLVMBuilderRef B = e->B;
    for (int j = from + 1; j < end; j++) {
        const kir_stmt *s = &k->stmts[j];
        if (s->op != KS_ACC_UPDATE || !blockable(k, s) || e->fon[s->a] == on)
            continue;
        int a = s->a;
        int nslot = k->accs[a].red == GRAPH_OP_RVAR ? 2 : 1;
        if (on) {
            for (int t = 0; t < nslot; t++)
                LLVMBuildStore(B, LLVMConstReal(e->f32, 0), e->facc[2 * a + t]);
            if (nslot == 2)
                e->fshift[a] = LLVMBuildFPTrunc(B, acc_load(e, a, 2), e->f32, "");
        } else {
            for (int t = 0; t < nslot; t++) {
                LLVMValueRef part = LLVMBuildFPExt(
                    B, LLVMBuildLoad2(B, e->f32, e->facc[2 * a + t], ""), e->f64, "");
                acc_store(e, a, t, LLVMBuildFAdd(B, acc_load(e, a, t), part, ""));
            }
        }
        e->fon[a] = on;
    }
}

/*
 * The body of a reduction sweep over [start, stop) -- a multiple of one
 * vector step -- with the blocked accumulators summing in float32 over
 * blocks of BLOCK values: a loop over the blocks around the sweep.
 */
static void blocked_sweep(em *e, int i, int end, LLVMValueRef stop,
                          LLVMValueRef enter, int64_t step)
{
    const kir_stmt *s = &e->k->stmts[i];
    LLVMBuilderRef B = e->B;
    int bvar = e->k->nloops + 1;
    open_loop_from(e, bvar, NULL, stop, 0, enter);
    e->loops[e->depth].step = BLOCK;
    LLVMValueRef b0 = e->loopvar[bvar];
    /* b0 + max(min(stop - b0, BLOCK), step): b0 and stop are multiples
     * of step, so the max changes nothing, but it shows LLVM that a block
     * holds at least one vector step -- the vector loop then needs no
     * scalar fallback for short trip counts, and LLVM emits none */
    LLVMValueRef len = LLVMBuildSub(B, stop, b0, "");
    LLVMValueRef blk = LLVMConstInt(e->i64, BLOCK, 0);
    len = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, len, blk, ""), len, blk, "");
    LLVMValueRef st = LLVMConstInt(e->i64, (unsigned long long)step, 0);
    len = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSGT, len, st, ""), len, st, "");
    LLVMValueRef b1 = LLVMBuildAdd(B, b0, len, "");
    block_edge(e, i, end, true);
    open_loop_from(e, s->a, b0, b1, 0, NULL);
    statements(e, i + 1, end);
    close_loop(e);
    block_edge(e, i, end, false);
    close_loop(e);
}

/*
 * A row reduction's sweep over [0, n) as two loops: [0, m) with m the
 * largest multiple of one interleaved vector step (RED_IC vectors of 64
 * bytes' worth of the widest type), which LLVM vectorizes without a
 * remainder, then [m, n) masked.  A row of 100 floats then runs no
 * scalar iterations (with one loop, up to 63 of them are scalar).
 */
static void split_reduction(em *e, int i, int end, int bytes, bool blocked)
{
    const kir_stmt *s = &e->k->stmts[i];
    LLVMValueRef n = value(e, s->b);
    int64_t step = (int64_t)RED_IC * (64 / bytes);
    LLVMValueRef m = LLVMBuildAnd(e->B, n, LLVMConstInt(e->i64, (unsigned long long)-step, 1), "");
    /* entered when n >= step: LLVM then sees that the vector loop needs
     * no scalar fallback for short trip counts, and drops it */
    LLVMValueRef enter = LLVMBuildICmp(e->B, LLVMIntSGE, n,
                                       LLVMConstInt(e->i64, (unsigned long long)step, 0), "");
    if (blocked) {
        blocked_sweep(e, i, end, m, enter, step);
    } else {
        open_loop_from(e, s->a, NULL, m, 0, enter);
        statements(e, i + 1, end);
        close_loop(e);
    }
    /* the masked tail: fewer than `step` values, float32 partials.  A
     * loop of one step serves as the `if (m < n)` around it: its scope
     * keeps what the block's edges compute from being reused after it */
    LLVMValueRef more = LLVMBuildICmp(e->B, LLVMIntSLT, m, n, "");
    open_loop_from(e, e->k->nloops + 1, NULL, LLVMConstInt(e->i64, 1, 0), 0, more);
    block_edge(e, i, end, true);
    open_loop_from(e, s->a, m, n, 0, LLVMConstInt(e->i1, 1, 0));
    e->loops[e->depth].tail = true;
    statements(e, i + 1, end);
    close_loop(e);
    block_edge(e, i, end, false);
    close_loop(e);
}

/* Values per step of an elementwise sweep's unmasked loop: a multiple of
 * the vector steps LLVM takes (16 floats, up to 8 of them interleaved). */
#define ELEM_STEP 128

/* A streaming main loop steps over STREAM_IC vectors of 64 bytes. */
#define STREAM_IC 4
#define STREAM_BYTES (STREAM_IC * 64)

/* Index value v with loop variable var taken as x, emitted at the
 * current depth (the parts free of var come through value()); v is int64
 * arithmetic, as jit_unit_stride checked. */
static LLVMValueRef index_at(em *e, int v, int var, LLVMValueRef x)
{
    const kir_val *d = &e->k->vals[v];
    if (!jit_uses_var(e->k, v, var))
        return value(e, v);
    if (d->op == KV_VAR)
        return x;
    if (d->op != KV_IADD && d->op != KV_IMUL) {
        fail(e, "emit: a streamed store's index is not affine");
        return x;
    }
    LLVMValueRef a = index_at(e, d->a, var, x), b = index_at(e, d->b, var, x);
    return d->op == KV_IADD ? LLVMBuildAdd(e->B, a, b, "")
                            : LLVMBuildMul(e->B, a, b, "");
}

/* The KS_STREAM statement in the elementwise loop (i, end), if the target
 * has non-temporal stores; else -1. */
static int stream_stmt(em *e, int i, int end)
{
    const jit_kernel *k = e->k;
    for (int j = i + 1; j < end && e->stream; j++)
        if (k->stmts[j].op == KS_STREAM &&
            jit_unit_stride(k, k->stmts[j].b, k->stmts[i].a))
            return j;
    return -1;
}

/*
 * The first iteration in [lo, hi] at which streamed store st writes a
 * 64-byte aligned address (hi if none: an element size that does not
 * divide the address).  Iterations before it are the masked peel.
 */
static LLVMValueRef aligned_start(em *e, int var, int st, LLVMValueRef lo,
                                  LLVMValueRef hi)
{
    LLVMBuilderRef B = e->B;
    const kir_stmt *s = &e->k->stmts[st];
    int dt = e->k->bufs[s->a].dtype;
    uint64_t esz = loom_dtype_size((loom_dtype)dt);
    LLVMValueRef idx = index_at(e, s->b, var, lo);
    LLVMValueRef p = LLVMBuildGEP2(B, memty(e, dt), e->bufs[s->a], &idx, 1, "");
    LLVMValueRef addr = LLVMBuildPtrToInt(B, p, e->i64, "");
    LLVMValueRef skip = LLVMBuildAnd(B, LLVMBuildNeg(B, addr, ""),
                                     LLVMConstInt(e->i64, 63, 0), "");
    int sh = esz == 8 ? 3 : esz == 4 ? 2 : esz == 2 ? 1 : 0;
    skip = LLVMBuildLShr(B, skip, LLVMConstInt(e->i64, (unsigned long long)sh, 0), "");
    LLVMValueRef a = LLVMBuildAdd(B, lo, skip, "");
    a = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, a, hi, ""), a, hi, "");
    LLVMValueRef odd = LLVMBuildICmp(
        B, LLVMIntNE, LLVMBuildAnd(B, addr, LLVMConstInt(e->i64, esz - 1, 0), ""),
        LLVMConstInt(e->i64, 0, 0), "");
    return LLVMBuildSelect(B, odd, hi, a, "");
}

/*
 * An elementwise sweep over [lo, hi) (the kernel's range for a parallel
 * loop) as two loops: whole steps of ELEM_STEP values, which LLVM
 * vectorizes without masks or remainder, then the rest masked.  Masking
 * every iteration costs a compare and a mask per vector.
 *
 * With a streamed store, three: a masked peel up to the first iteration
 * whose store is 64-byte aligned, the main loop in whole steps of
 * STREAM_BYTES, whose stores are non-temporal, then the rest.  The main
 * loop's vector stores then all start on their own size's boundary,
 * which jit_emit_align_streams tells the code generator.
 */
static void split_elementwise(em *e, int i, int end)
{
    const kir_stmt *s = &e->k->stmts[i];
    LLVMBuilderRef B = e->B;
    LLVMValueRef lo = LLVMConstInt(e->i64, 0, 0), hi = value(e, s->b);
    if (s->c & KIR_LOOP_PARALLEL) {
        lo = e->lo;
        hi = e->hi;
    }
    int st = stream_stmt(e, i, end);
    int64_t step = ELEM_STEP;
    LLVMValueRef start = lo;
    if (st >= 0) {
        step = STREAM_BYTES /
               (int64_t)loom_dtype_size((loom_dtype)e->k->bufs[e->k->stmts[st].a].dtype);
        start = aligned_start(e, s->a, st, lo, hi);
        open_loop_from(e, s->a, lo, start, 0, NULL);
        e->loops[e->depth].tail = true;
        statements(e, i + 1, end);
        close_loop(e);
    }
    LLVMValueRef len = LLVMBuildSub(B, hi, start, "");
    LLVMValueRef m = LLVMBuildAdd(
        B, start, LLVMBuildAnd(B, len, LLVMConstInt(e->i64, (unsigned long long)-step, 1), ""),
        "");
    LLVMValueRef enter = LLVMBuildICmp(B, LLVMIntSGE, len,
                                       LLVMConstInt(e->i64, (unsigned long long)step, 0), "");
    open_loop_from(e, s->a, start, m, 0, enter);
    e->loops[e->depth].whole = true;
    if (st >= 0)
        e->loops[e->depth].ic = STREAM_IC;
    e->nt_stmt = st;
    statements(e, i + 1, end);
    e->nt_stmt = -1;
    close_loop(e);
    open_loop_from(e, s->a, m, hi, 0, NULL);
    statements(e, i + 1, end);
    close_loop(e);
}

/* Emits statements [from, to); stops after a KS_PARTIAL. */
static void statements(em *e, int from, int to)
{
    const jit_kernel *k = e->k;
    for (int i = from; i < to && !e->failed; i++) {
        const kir_stmt *s = &k->stmts[i];
        int end, bytes;
        bool blocked;
        switch (s->op) {
        case KS_LOOP:
            if ((end = reduction_loop_end(k, i, &bytes, &blocked)) >= 0) {
                split_reduction(e, i, end, bytes, blocked);
                i = end;
                break;
            }
            if ((end = jit_elementwise_loop_end(k, i)) >= 0) {
                split_elementwise(e, i, end);
                i = end;
                break;
            }
            open_loop(e, s->a, value(e, s->b), s->c);
            break;
        case KS_END:
            close_loop(e);
            break;
        case KS_ACC_INIT:
            acc_init(e, s->a, s->b >= 0 ? value(e, s->b) : NULL,
                     s->b >= 0 ? k->vals[s->b].dtype : 0);
            break;
        case KS_ACC_UPDATE:
            if (i == e->df.stmt) {
                defer_row(e);
                break;
            }
            e->loops[e->depth].has_update = true;
            acc_update(e, s->a, value(e, s->b), s->c >= 0 ? value(e, s->c) : NULL,
                       k->vals[s->b].dtype);
            break;
        case KS_STORE:
        case KS_STREAM:
            if (i == e->df.stmt)
                defer_row(e);
            else
                emit_store(e, s, i == e->nt_stmt);
            break;
        case KS_PARTIAL:
            store_partials(e);
            return;
        case KS_COMBINE:
            break;
        }
    }
}

/* ---- functions ---- */

static void add_attr(em *e, LLVMValueRef f, unsigned idx, const char *name)
{
    unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
    LLVMAddAttributeAtIndex(f, idx, LLVMCreateEnumAttribute(e->C, kind, 0));
}

/*
 * A body function (ptr noalias b0, ..., ptr params, i64 lo, i64 hi)
 * running statements [from, to), preceded by the merge of partials when
 * `combine`.  Emitter state (memo, accumulators, loop variables) starts
 * afresh in each function.
 */
static LLVMValueRef emit_body(em *e, const char *name, int from, int to,
                              bool combine)
{
    const jit_kernel *k = e->k;
    int n = k->nbufs;
    LLVMTypeRef pt[JIT_EMIT_MAXARGS];
    for (int i = 0; i < n; i++)
        pt[i] = e->ptr;
    pt[n] = e->ptr;
    pt[n + 1] = e->i64;
    pt[n + 2] = e->i64;
    LLVMTypeRef ft = LLVMFunctionType(LLVMVoidTypeInContext(e->C), pt,
                                      (unsigned)(n + 3), 0);
    char bname[96];
    snprintf(bname, sizeof bname, "%s.body", name);
    LLVMValueRef f = LLVMAddFunction(e->M, bname, ft);
    LLVMSetLinkage(f, LLVMInternalLinkage);
    for (int i = 0; i < n; i++)
        add_attr(e, f, (unsigned)i + 1, "noalias");
    add_attr(e, f, LLVMAttributeFunctionIndex, "nounwind");
    e->fn = f;
    memset(e->memo, 0, (size_t)(k->nvals + 1) * sizeof(LLVMValueRef));
    e->depth = 0;
    LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(e->C, f, "entry");
    LLVMPositionBuilderAtEnd(e->B, entry);
    for (int i = 0; i < n; i++)
        e->bufs[i] = LLVMGetParam(f, (unsigned)i);
    e->scratch = k->scratch >= 0 ? e->bufs[k->scratch] : NULL;
    LLVMValueRef P = LLVMGetParam(f, (unsigned)n);
    for (int i = 0; i < k->nparams; i++) {
        LLVMValueRef idx = LLVMConstInt(e->i64, (unsigned long long)i, 0);
        LLVMValueRef p = LLVMBuildGEP2(e->B, e->i64, P, &idx, 1, "");
        e->params[i] = LLVMBuildLoad2(e->B, e->i64, p, "");
    }
    e->lo = LLVMGetParam(f, (unsigned)n + 1);
    e->hi = LLVMGetParam(f, (unsigned)n + 2);
    /* a column-split body runs chunk lo; the combine reads chunk 0 */
    e->chunk = jit_split_vec_param(k) >= 0 && !combine ? e->lo : NULL;
    for (int i = 0; i < k->naccs; i++) {
        for (int slot = 0; slot < 3; slot++)
            e->accs[3 * i + slot] =
                LLVMBuildAlloca(e->B, slot_type(e, &k->accs[i], slot), "acc");
        for (int slot = 0; slot < 2; slot++)
            e->facc[2 * i + slot] = LLVMBuildAlloca(e->B, e->f32, "facc");
        e->fon[i] = false;
    }
    e->nt_stmt = -1;
    e->nt_used = false;
    e->df.stmt = -1;
    if (combine)
        merge_partials(e);
    else
        defer_find(e, from, to);
    statements(e, from, to);
    if (e->nt_used)
        store_fence(e);
    LLVMBuildRetVoid(e->B);
    return f;
}

/* An entry (ptr bufs, ptr params, i64 lo, i64 hi) -> body(...). */
static void emit_entry(em *e, const char *name, LLVMValueRef body)
{
    int n = e->k->nbufs;
    LLVMTypeRef pt[4] = {e->ptr, e->ptr, e->i64, e->i64};
    LLVMTypeRef ft = LLVMFunctionType(LLVMVoidTypeInContext(e->C), pt, 4, 0);
    LLVMValueRef f = LLVMAddFunction(e->M, name, ft);
    add_attr(e, f, LLVMAttributeFunctionIndex, "nounwind");
    LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(e->C, f, "entry");
    LLVMPositionBuilderAtEnd(e->B, entry);
    LLVMValueRef args[JIT_EMIT_MAXARGS];
    LLVMValueRef bufs = LLVMGetParam(f, 0);
    for (int i = 0; i < n; i++) {
        LLVMValueRef idx = LLVMConstInt(e->i64, (unsigned long long)i, 0);
        LLVMValueRef p = LLVMBuildGEP2(e->B, e->ptr, bufs, &idx, 1, "");
        args[i] = LLVMBuildLoad2(e->B, e->ptr, p, "");
    }
    args[n] = LLVMGetParam(f, 1);
    args[n + 1] = LLVMGetParam(f, 2);
    args[n + 2] = LLVMGetParam(f, 3);
    LLVMBuildCall2(e->B, LLVMGlobalGetValueType(body), body, args,
                   (unsigned)n + 3, "");
    LLVMBuildRetVoid(e->B);
}

bool jit_emit(LLVMModuleRef M, const jit_kernel *k, const char *name,
              char *err, size_t errlen)
{
    if (k->nbufs + 3 > JIT_EMIT_MAXARGS) {
        snprintf(err, errlen, "emit: too many buffers (%d)", k->nbufs);
        return false;
    }
    em e = {.k = k, .M = M, .err = err, .errlen = errlen};
    e.C = LLVMGetModuleContext(M);
    e.B = LLVMCreateBuilderInContext(e.C);
    e.i1 = LLVMInt1TypeInContext(e.C);
    e.i8 = LLVMInt8TypeInContext(e.C);
    e.i32 = LLVMInt32TypeInContext(e.C);
    e.i64 = LLVMInt64TypeInContext(e.C);
    e.f32 = LLVMFloatTypeInContext(e.C);
    e.f64 = LLVMDoubleTypeInContext(e.C);
    e.ptr = LLVMPointerTypeInContext(e.C, 0);
    e.stream = strncmp(LLVMGetTarget(M), "x86_64", 6) == 0;
    LLVMValueRef bufs[JIT_EMIT_MAXARGS];
    e.bufs = bufs;
    size_t nv = (size_t)k->nvals + 1, np = (size_t)k->nparams + 1,
           na = (size_t)k->naccs + 1, nl = (size_t)k->nloops + 3;
    e.params = calloc(np, sizeof(LLVMValueRef));
    e.accs = calloc(3 * na, sizeof(LLVMValueRef));
    e.facc = calloc(2 * na, sizeof(LLVMValueRef));
    e.fshift = calloc(na, sizeof(LLVMValueRef));
    e.fon = calloc(na, sizeof(bool));
    e.scope = calloc(3 * na, sizeof(LLVMMetadataRef));
    e.memo = calloc(nv, sizeof(LLVMValueRef));
    e.memo_depth = calloc(nv, sizeof(int));
    e.loopvar = calloc(nl, sizeof(LLVMValueRef));
    if (!e.params || !e.accs || !e.scope || !e.memo || !e.memo_depth ||
        !e.loopvar || !e.facc || !e.fshift || !e.fon) {
        snprintf(err, errlen, "emit: out of memory");
        e.failed = true;
    } else {
        make_scopes(&e);
        int split = -1;
        for (int i = 0; i < k->nstmts; i++)
            if (k->stmts[i].op == KS_COMBINE)
                split = i;
        LLVMValueRef body = emit_body(&e, name, 0, k->nstmts, false);
        if (!e.failed)
            emit_entry(&e, name, body);
        if (split >= 0 && !e.failed) {
            char cname[96];
            snprintf(cname, sizeof cname, "%s.combine", name);
            body = emit_body(&e, cname, split + 1, k->nstmts, true);
            if (!e.failed)
                emit_entry(&e, cname, body);
        }
    }
    free(e.params);
    free(e.accs);
    free(e.facc);
    free(e.fshift);
    free(e.fon);
    free(e.scope);
    free(e.memo);
    free(e.memo_depth);
    free(e.loopvar);
    LLVMDisposeBuilder(e.B);
    return !e.failed;
}

/*
 * x86 has non-temporal vector stores for aligned addresses only
 * (unaligned ones, LLVM splits into 8-byte stores).  split_elementwise
 * guarantees that every vector store of a streaming main loop starts on
 * its own size's boundary (64 bytes at most), so those become
 * non-temporal with that alignment.  Scalar ones (a loop left scalar)
 * stay plain: one element at a time gains nothing.
 */
void jit_emit_align_streams(LLVMModuleRef M)
{
    LLVMContextRef C = LLVMGetModuleContext(M);
    LLVMTargetDataRef td = LLVMGetModuleDataLayout(M);
    unsigned scope_kind = md_kind(C, "alias.scope");
    unsigned nt_kind = md_kind(C, "nontemporal");
    LLVMValueRef tag = LLVMMetadataAsValue(C, stream_scopes(C));
    LLVMMetadataRef one = LLVMValueAsMetadata(
        LLVMConstInt(LLVMInt32TypeInContext(C), 1, 0));
    LLVMValueRef nt = LLVMMetadataAsValue(C, LLVMMDNodeInContext2(C, &one, 1));
    for (LLVMValueRef f = LLVMGetFirstFunction(M); f; f = LLVMGetNextFunction(f))
        for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(f); bb;
             bb = LLVMGetNextBasicBlock(bb))
            for (LLVMValueRef in = LLVMGetFirstInstruction(bb); in;
                 in = LLVMGetNextInstruction(in)) {
                if (LLVMGetInstructionOpcode(in) != LLVMStore ||
                    LLVMGetMetadata(in, scope_kind) != tag)
                    continue;
                LLVMTypeRef t = LLVMTypeOf(LLVMGetOperand(in, 0));
                if (LLVMGetTypeKind(t) != LLVMVectorTypeKind)
                    continue;
                unsigned bytes = (unsigned)LLVMStoreSizeOfType(td, t);
                unsigned align = bytes % 64 == 0 && bytes ? 64
                                 : bytes >= 16 && !(bytes & (bytes - 1)) ? bytes
                                                                         : 0;
                if (align) {
                    LLVMSetAlignment(in, align);
                    LLVMSetMetadata(in, nt_kind, nt);
                }
            }
}
