/* loom's vector math library: transcendental functions emitted as LLVM IR.
 *
 * Design.  Every function is straight-line IR (selects, no branches, no
 * stores; float64 sin/cos/tan load from a constant table) over scalars, so the
 * loop vectorizer widens it after inlining.  The
 * algorithms are the classic ones: a range reduction (Cody-Waite with split
 * constants; for trigonometry see below), a polynomial fitted offline with a
 * Remez exchange (decimal arithmetic, 90 digits, coefficients rounded to the
 * working precision; the fit error is noted at each table;
 * tests/data/vmath_fit.py regenerates them), and a reconstruction.  Special cases (NaN, infinities, zeros, domain errors,
 * overflow) are patched in with selects at the end.
 *
 * float32 has two flavours.  The functions that matter for ML (exp, exp2,
 * expm1, log, log2, log10, log1p, tanh, sigmoid) compute in float arithmetic
 * so that a 512-bit vector holds 16 lanes.  The others convert to double, run
 * the float64 algorithm and round once at the end (error <= 0.5 ulp + 2^-29).
 *
 * float64 uses double-double ("dd", an unevaluated sum hi + lo) arithmetic
 * where the last bit matters: exp and log kernels that return dd results feed
 * expm1, log1p, pow, sinh, cosh, tanh, asinh, acosh, atanh, sigmoid and
 * logaddexp, so that the final rounding is the only large error (< 1 ulp).
 *
 * Trigonometric reduction.  float32 arguments (|x| < 2^128) are reduced
 * exactly in double: x times 2/pi split into 29-bit pieces (each product is
 * exact), every product taken mod 4, the sum kept in dd.  That covers the
 * whole float range with no tables.  float64 arguments of magnitude >= 1/2 go
 * through a per-exponent table (32 KiB, an internal constant global built on
 * first use) holding the 212 bits of (2^e * 2/pi) mod 4 that matter for that
 * exponent; four gathers, exact products and exact sums give the reduced
 * argument to ~2^-150 absolute for every double, including the ones closest
 * to a multiple of pi/2.  No function calls the C library.
 *
 * Nothing here prints or allocates outside the LLVM module. */
#include "jit/vmath.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef LLVMValueRef V;

/* Builder state: the working floating type T (float or double) and the
   integer type I of the same width. */
typedef struct vb {
  LLVMContextRef C;
  LLVMModuleRef M;
  LLVMBuilderRef B;
  LLVMTypeRef T, I;
  bool d; /* T is double */
} vb;

typedef struct dd { V h, l; } dd;

/* ---- IR helpers -------------------------------------------------------- */

static void set_double(vb *b, bool d) {
  b->d = d;
  b->T = d ? LLVMDoubleTypeInContext(b->C) : LLVMFloatTypeInContext(b->C);
  b->I = d ? LLVMInt64TypeInContext(b->C) : LLVMInt32TypeInContext(b->C);
}

static V K(vb *b, double v) { return LLVMConstReal(b->T, v); }
static V KI(vb *b, int64_t v) {
  return LLVMConstInt(b->I, (unsigned long long)v, 1);
}
static V add(vb *b, V x, V y) { return LLVMBuildFAdd(b->B, x, y, ""); }
static V sub(vb *b, V x, V y) { return LLVMBuildFSub(b->B, x, y, ""); }
static V mul(vb *b, V x, V y) { return LLVMBuildFMul(b->B, x, y, ""); }
static V fdv(vb *b, V x, V y) { return LLVMBuildFDiv(b->B, x, y, ""); }
static V neg(vb *b, V x) { return LLVMBuildFNeg(b->B, x, ""); }
static V sel(vb *b, V c, V x, V y) {
  return LLVMBuildSelect(b->B, c, x, y, "");
}
static V fcmp(vb *b, LLVMRealPredicate p, V x, V y) {
  return LLVMBuildFCmp(b->B, p, x, y, "");
}
static V lt(vb *b, V x, V y) { return fcmp(b, LLVMRealOLT, x, y); }
static V gt(vb *b, V x, V y) { return fcmp(b, LLVMRealOGT, x, y); }
static V le(vb *b, V x, V y) { return fcmp(b, LLVMRealOLE, x, y); }
static V ge(vb *b, V x, V y) { return fcmp(b, LLVMRealOGE, x, y); }
static V feq(vb *b, V x, V y) { return fcmp(b, LLVMRealOEQ, x, y); }
static V isnan_(vb *b, V x) { return fcmp(b, LLVMRealUNO, x, x); }
static V or1(vb *b, V x, V y) { return LLVMBuildOr(b->B, x, y, ""); }
static V and1(vb *b, V x, V y) { return LLVMBuildAnd(b->B, x, y, ""); }
static V not1(vb *b, V x) { return LLVMBuildNot(b->B, x, ""); }

static V iadd(vb *b, V x, V y) { return LLVMBuildAdd(b->B, x, y, ""); }
static V isub(vb *b, V x, V y) { return LLVMBuildSub(b->B, x, y, ""); }
static V iand(vb *b, V x, V y) { return LLVMBuildAnd(b->B, x, y, ""); }
static V ishl(vb *b, V x, V y) { return LLVMBuildShl(b->B, x, y, ""); }
static V iashr(vb *b, V x, V y) { return LLVMBuildAShr(b->B, x, y, ""); }
static V ieq(vb *b, V x, V y) {
  return LLVMBuildICmp(b->B, LLVMIntEQ, x, y, "");
}
static V ismin(vb *b, V x, V y) {
  return sel(b, LLVMBuildICmp(b->B, LLVMIntSLT, x, y, ""), x, y);
}
static V ismax(vb *b, V x, V y) {
  return sel(b, LLVMBuildICmp(b->B, LLVMIntSGT, x, y, ""), x, y);
}
static V bits(vb *b, V x) { return LLVMBuildBitCast(b->B, x, b->I, ""); }
static V fbits(vb *b, V x) { return LLVMBuildBitCast(b->B, x, b->T, ""); }
static V ftoi(vb *b, V x) { return LLVMBuildFPToSI(b->B, x, b->I, ""); }
static V itof(vb *b, V x) { return LLVMBuildSIToFP(b->B, x, b->T, ""); }

/* Call of an overloaded intrinsic whose overload type is its first
   argument's type. */
static V intr(vb *b, const char *name, V *args, unsigned n) {
  LLVMTypeRef ty = LLVMTypeOf(args[0]);
  unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
  V fn = LLVMGetIntrinsicDeclaration(b->M, id, &ty, 1);
  LLVMTypeRef fty = LLVMIntrinsicGetType(b->C, id, &ty, 1);
  return LLVMBuildCall2(b->B, fty, fn, args, n, "");
}
static V fma3(vb *b, V x, V y, V z) {
  V a[3] = {x, y, z};
  return intr(b, "llvm.fma", a, 3);
}
static V un(vb *b, const char *name, V x) { return intr(b, name, &x, 1); }
static V fabs_(vb *b, V x) { return un(b, "llvm.fabs", x); }
static V rint_(vb *b, V x) { return un(b, "llvm.roundeven", x); }
static V floor_(vb *b, V x) { return un(b, "llvm.floor", x); }
static V sqrt_(vb *b, V x) { return un(b, "llvm.sqrt", x); }
static V copysign_(vb *b, V mag, V sgn) {
  V a[2] = {mag, sgn};
  return intr(b, "llvm.copysign", a, 2);
}
/* x clamped to [lo, hi]; NaN becomes lo (callers patch NaN separately). */
static V clamp(vb *b, V x, double lo, double hi) {
  V y = sel(b, fcmp(b, LLVMRealUGE, x, K(b, lo)), x, K(b, lo));
  return sel(b, gt(b, y, K(b, hi)), K(b, hi), y);
}
/* x clamped to [lo, hi], NaN stays NaN. */
static V clamp_nan(vb *b, V x, double lo, double hi) {
  V y = sel(b, lt(b, x, K(b, lo)), K(b, lo), x);
  return sel(b, gt(b, y, K(b, hi)), K(b, hi), y);
}
static V fmax_(vb *b, V x, V y) { return sel(b, gt(b, x, y), x, y); }
static V fmin_(vb *b, V x, V y) { return sel(b, lt(b, x, y), x, y); }
static V signbit_(vb *b, V x) {
  return LLVMBuildICmp(b->B, LLVMIntSLT, bits(b, x), KI(b, 0), "");
}

/* Horner evaluation of c[0] + c[1] x + ... + c[n-1] x^(n-1) with fma. */
static V horner(vb *b, V x, const double *c, int n) {
  V r = K(b, c[n - 1]);
  for (int i = n - 2; i >= 0; i--) r = fma3(b, r, x, K(b, c[i]));
  return r;
}

/* 2^n for an integer n (type I) inside the normal exponent range. */
static V pow2i(vb *b, V n) {
  int mant = b->d ? 52 : 23, bias = b->d ? 1023 : 127;
  return fbits(b, ishl(b, iadd(b, n, KI(b, bias)), KI(b, mant)));
}
/* v * 2^n in two exact steps, so n may reach twice the exponent range
   (overflow gives inf, underflow rounds once into the denormals). */
static V scale2_inline(vb *b, V v, V n) {
  V n1 = iashr(b, n, KI(b, 1));
  return mul(b, mul(b, v, pow2i(b, n1)), pow2i(b, isub(b, n, n1)));
}

/*
 * The same through the scaling helper when the target has AVX-512: a
 * scalar function whose call names vector variants (the vector function
 * ABI's "vector-function-abi-variant"), so that the loop vectorizer calls
 * a variant made of one vscalefps/pd -- rounded once, as the two steps
 * are -- instead of widening the two steps (seven integer operations and
 * two multiplies).  jit_vmath_finish inlines the helper and its variants
 * after the vectorizer.
 */
static bool scalef_target, scalef_vl;

/* The lane counts of the helper's vector variants, widest first: 512-bit
   vectors, and with AVX-512VL 256- and 128-bit ones.  Returns how many. */
static int variant_widths(const vb *b, int w[3]) {
  int n = 0;
  for (int x = b->d ? 8 : 16; n < (scalef_vl ? 3 : 1); x /= 2) w[n++] = x;
  return n;
}

static V scale_helper(vb *b);
/* v * 2^k through the helper; k is an integral value of type T. */
static V scale_call(vb *b, V v, V k) {
  V f = scale_helper(b);
  LLVMTypeRef pt[2] = {b->T, b->T};
  V args[2] = {v, k};
  V call = LLVMBuildCall2(b->B, LLVMFunctionType(b->T, pt, 2, 0), f, args, 2, "");
  const char *sc = b->d ? "loom.vm.scale.f64" : "loom.vm.scale.f32";
  int w[3], nw = variant_widths(b, w);
  char list[512];
  int len = 0;
  for (int i = 0; i < nw; i++)
    len += snprintf(list + len, sizeof list - (size_t)len, "%s_ZGV_LLVM_N%dvv_%s(%s.v%d)",
                    len ? "," : "", w[i], sc, sc, w[i]);
  const char *key = "vector-function-abi-variant";
  LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex,
                           LLVMCreateStringAttribute(b->C, key, (unsigned)strlen(key),
                                                     list, (unsigned)len));
  return call;
}
/* v * 2^n for an integer n (type I, at most twice the exponent range). */
static V scale2(vb *b, V v, V n) {
  if (!scalef_target) return scale2_inline(b, v, n);
  if (b->d) n = LLVMBuildTrunc(b->B, n, LLVMInt32TypeInContext(b->C), ""); /* cvtdq2pd */
  return scale_call(b, v, LLVMBuildSIToFP(b->B, n, b->T, ""));
}
/* The same for an exponent the caller holds as an integral float k (the
   rounded x/ln2 of an exp), which vscalef takes as it is; n is k as an
   integer for targets without vscalef, or NULL for ftoi(k) (k not NaN). */
static V scale2k(vb *b, V v, V k, V n) {
  if (scalef_target) return scale_call(b, v, k);
  return scale2_inline(b, v, n ? n : ftoi(b, k));
}

/* ---- double-double helpers -------------------------------------------- */

static dd mkdd(V h, V l) { dd r = {h, l}; return r; }
static dd two_sum(vb *b, V x, V y) {
  V s = add(b, x, y), bb = sub(b, s, x);
  V e = add(b, sub(b, x, sub(b, s, bb)), sub(b, y, bb));
  return mkdd(s, e);
}
/* exact when |x| >= |y| or x == 0 */
static dd fast_two_sum(vb *b, V x, V y) {
  V s = add(b, x, y);
  return mkdd(s, sub(b, y, sub(b, s, x)));
}
static dd two_prod(vb *b, V x, V y) {
  V p = mul(b, x, y);
  return mkdd(p, fma3(b, x, y, neg(b, p)));
}
/* (n.h + n.l) / (d.h + d.l) to about 2^-100 relative, one division. */
static dd dd_div(vb *b, dd n, dd d) {
  V inv = fdv(b, K(b, 1.0), d.h);
  V q = mul(b, n.h, inv);
  V r = add(b, fma3(b, neg(b, q), d.h, n.h), sub(b, n.l, mul(b, q, d.l)));
  return fast_two_sum(b, q, mul(b, r, inv));
}
static V dd_val(vb *b, dd x) { return add(b, x.h, x.l); }

/* ---- constants -------------------------------------------------------- */

#define LN2_H42 0x1.62e42fefa3800p-1 /* ln 2 to 42 bits: k*LN2_H42 exact */
#define LN2_L42 0x1.ef35793c76730p-45
#define LN2_H 0x1.62e42fefa39efp-1
#define LN2_L 0x1.abc9e3b39803fp-56
#define INVLN2_H 0x1.71547652b82fep+0
#define INVLN2_L 0x1.777d0ffda0d24p-56
#define INVLN10_H 0x1.bcb7b1526e50ep-2
#define INVLN10_L 0x1.95355baaafad3p-57
#define LOG10_2_H42 0x1.34413509f7800p-2
#define LOG10_2_L42 0x1.fef311f12b358p-46
#define PI_H 0x1.921fb54442d18p+1
#define PI_L 0x1.1a62633145c07p-53
#define PIO2_H 0x1.921fb54442d18p+0
#define PIO2_L 0x1.1a62633145c07p-54
#define PIO2_L2 -0x1.f1976b7ed8fbcp-110
#define PIO4_H 0x1.921fb54442d18p-1
#define PIO4_L 0x1.1a62633145c07p-55
#define PI3O4_H 0x1.2d97c7f3321d2p+1
#define PI3O4_L 0x1.a79394c9e8a0ap-54
#define TWO3_H 0x1.5555555555555p-1
#define TWO3_L 0x1.5555555555555p-55
#define TWOOPI 0x1.45f306dc9c883p-1
#define LN2F_H 0x1.62e43p-1f
#define LN2F_L -0x1.05c61p-29f
#define SQRTH_BITS64 0x3fe6a09e667f3bcdLL /* sqrt(1/2) */
#define SQRTH_BITS32 0x3f3504f3LL
#define TAN_PI8 0x1.a827999fcef32p-2
#define TAN_3PI8 0x1.3504f333f9de6p+1

/* Polynomial coefficients from the offline Remez fit (lowest degree first).
   The comment gives the fitted error in the weighted norm used. */
/* e^r = 1 + r + r^2/2 + r^3 R(r), |r| <= ln2/2, abs. error 2^-64.0 */
static const double C_EXP_R[10] = {
    0x1.555555555555bp-3, 0x1.555555555555ap-5, 0x1.111111110ebffp-7,
    0x1.6c16c16c14160p-10, 0x1.a01a01b3a2a90p-13, 0x1.a01a01b1f9ff2p-16,
    0x1.71ddefc87ab94p-19, 0x1.27e4c2c9ad898p-22, 0x1.af6c7b78557e0p-26,
    0x1.1f99b139a3651p-29};
/* float: e^r = 1 + r + r^2 Q(r), |r| <= ln2/2, rel. error 2^-28.3 */
static const double C_EXPF_Q[5] = {
    0x1.0000000000000p-1, 0x1.5554900000000p-3, 0x1.55545e0000000p-5,
    0x1.123b460000000p-7, 0x1.6db4140000000p-10};
/* 2 atanh(s) = 2s + s^3 Q(s^2), s^2 <= 0.0295, rel. error 2^-74.0 */
static const double C_LOG_Q[9] = {
    0x1.5555555555555p-1, 0x1.999999999998ep-2, 0x1.24924924939abp-2,
    0x1.c71c71c4bfff3p-3, 0x1.745d1877b5e8ap-3, 0x1.3b1353e03c0dfp-3,
    0x1.112292807f377p-3, 0x1.ddf27536b15b9p-4, 0x1.ecebc8d5965c0p-4};
/* float: log1p(f) = f - f^2/2 + f^3 Q(f), f in [sqrt(.5)-1, sqrt(2)-1],
   rel. error 2^-27.4 */
static const double C_LOGF_Q[8] = {
    0x1.5555540000000p-2, -0x1.0002260000000p-2, 0x1.99a0080000000p-3,
    -0x1.5472440000000p-3, 0x1.22da1c0000000p-3, -0x1.0d85400000000p-3,
    0x1.055b6c0000000p-3, -0x1.38b58a0000000p-4};
/* sin y = y + y^3 S(y^2), |y| <= pi/4, rel. error 2^-68.8 */
static const double C_SIN_S[7] = {
    -0x1.5555555555555p-3, 0x1.111111111110bp-7, -0x1.a01a01a018ae6p-13,
    0x1.71de3a5339aafp-19, -0x1.ae64529891a7dp-26, 0x1.612092e5afda7p-33,
    -0x1.aaa55ead36782p-41};
/* cos y = 1 - y^2/2 + y^4 C(y^2), |y| <= pi/4, abs. error 2^-64.2 */
static const double C_COS_C[6] = {
    0x1.555555555554cp-5, -0x1.6c16c16c15181p-10, 0x1.a01a019cb216cp-16,
    -0x1.27e4f80a33c7fp-22, 0x1.1ee9ec18a41dep-29, -0x1.8faeb5ee95409p-37};
/* atan t = t + t^3 A(t^2), |t| <= tan(pi/8), rel. error 2^-64.2 */
static const double C_ATAN_A[12] = {
    -0x1.5555555555554p-2, 0x1.9999999999655p-3, -0x1.2492492475af9p-3,
    0x1.c71c71b76657dp-4, -0x1.745d14bd34fc9p-4, 0x1.3b136e73f2890p-4,
    -0x1.110c7672286a7p-4, 0x1.e172408526776p-5, -0x1.ab7ef9ce08c4cp-5,
    0x1.70f2c171d038fp-5, -0x1.12436e1f6ae54p-5, 0x1.f214601b4f07ep-7};
/* asin x = x + x^3 B(x^2), |x| <= 1/2, rel. error 2^-59.8 */
static const double C_ASIN_B[13] = {
    0x1.5555555555578p-3, 0x1.333333332df05p-4, 0x1.6db6db722bff5p-5,
    0x1.f1c71a8b6cb0dp-6, 0x1.6e8bdfeb22158p-6, 0x1.1c49ddb9c20e4p-6,
    0x1.ca214a4ec1169p-7, 0x1.757760a127901p-7, 0x1.618b9e1ea453cp-7,
    0x1.e14eeda5c7871p-9, 0x1.650577b678c1fp-6, -0x1.59fb0f0c8703ap-6,
    0x1.0be5b94543a8dp-5};
/* sinh x = x + x^3 H(x^2), |x| <= 1, rel. error 2^-63.2 */
static const double C_SINH_H[7] = {
    0x1.5555555555556p-3, 0x1.11111111110a1p-7, 0x1.a01a01a02921bp-13,
    0x1.71de3a45f5874p-19, 0x1.ae646767db807p-26, 0x1.611a399960464p-33,
    0x1.b4cfa2aac5febp-41};
/* float: tanh x = x + x^3 T(x^2), |x| <= 0.5625, rel. error 2^-29.5 */
static const double C_TANHF_T[5] = {
    -0x1.5555480000000p-2, 0x1.110c8c0000000p-3, -0x1.b90d160000000p-5,
    0x1.584c460000000p-6, -0x1.9594240000000p-8};
/* float: 2^r = 1 + r P(r), |r| <= 1/2, rel. error 2^-29.0 */
static const double C_EXP2F_P[6] = {
    0x1.62e4300000000p-1, 0x1.ebfbe00000000p-3, 0x1.c6aed00000000p-5,
    0x1.3b29aa0000000p-7, 0x1.5f47b00000000p-10, 0x1.448fc00000000p-13};
/* m^(-1/3) on [1, 8), rel. error 2^-8.4 (refined by Newton steps) */
static const double C_CBRT_W[6] = {
    0x1.6cc61eac0cdb3p+0, -0x1.317efbe68d5f8p-1, 0x1.a16f7ae1e3e88p-3,
    -0x1.3c4cdeca79a14p-5, 0x1.e47112cff05dap-9, -0x1.2458c421f9260p-13};

/* ---- float32 kernels (float arithmetic) -------------------------------- */

/* e^x = 2^n * (1 + pm1) for a float x clamped to [-104, 104]; returns pm1
   and the integer n.  k = round(x/ln2) by the 1.5*2^23 shifter (no fptosi,
   so a NaN x yields a NaN pm1 and some finite n); Cody-Waite with ln2 in two
   floats, the first fma exact. */
static V f_exp_core(vb *b, V x, V *n, V *kf) {
  V sh = K(b, 0x1.8p23);
  V t = fma3(b, x, K(b, INVLN2_H), sh);
  V k = sub(b, t, sh);
  *n = isub(b, bits(b, t), bits(b, sh));
  if (kf) *kf = k;
  V r = fma3(b, neg(b, k), K(b, LN2F_H), x);
  r = fma3(b, neg(b, k), K(b, LN2F_L), r);
  return fma3(b, mul(b, r, r), horner(b, r, C_EXPF_Q, 5), r);
}

static V f_exp(vb *b, V x) {
  V n, k, p = f_exp_core(b, clamp_nan(b, x, -104.0, 89.0), &n, &k);
  return scale2k(b, add(b, p, K(b, 1.0)), k, n);
}

static V f_exp2(vb *b, V x) {
  V xc = clamp(b, x, -152.0, 129.0), k = rint_(b, xc), r = sub(b, xc, k);
  V p = fma3(b, r, horner(b, r, C_EXP2F_P, 6), K(b, 1.0));
  return sel(b, isnan_(b, x), x, scale2k(b, p, k, NULL));
}

/* expm1 = 2^n (1 + p) - 1 = 2 (t p + (t - 1/2)) with t = 2^(n-1), which is
   exact for the n that matter; n == 0 returns p itself (tiny x). */
static V f_expm1(vb *b, V x) {
  V n, p = f_exp_core(b, clamp_nan(b, x, -30.0, 89.0), &n, NULL);
  V t = pow2i(b, isub(b, n, KI(b, 1)));
  V r = mul(b, K(b, 2.0), fma3(b, t, p, sub(b, t, K(b, 0.5))));
  r = sel(b, ieq(b, n, KI(b, 0)), p, r);
  return sel(b, feq(b, x, K(b, 0.0)), x, r);
}

/* Splits a positive normal x into x = 2^e (1 + f), 1 + f in [sqrt(1/2),
   sqrt(2)); e is an integer (type I), f exact. */
static void split_log(vb *b, V x, V *e, V *f) {
  int mant = b->d ? 52 : 23;
  int64_t sq = b->d ? SQRTH_BITS64 : SQRTH_BITS32;
  V ix = isub(b, bits(b, x), KI(b, sq));
  *e = iashr(b, ix, KI(b, mant));
  V mm = iand(b, ix, KI(b, ((int64_t)1 << mant) - 1));
  *f = sub(b, fbits(b, iadd(b, mm, KI(b, sq))), K(b, 1.0));
}

/* float log1p(f) for f in [sqrt(1/2)-1, sqrt(2)-1] */
static V f_log1p_poly(vb *b, V f) {
  V h = fma3(b, f, horner(b, f, C_LOGF_Q, 8), K(b, -0.5));
  return fma3(b, mul(b, f, f), h, f);
}

/* Special values shared by every logarithm of x (log1p passes x+1):
   0 -> -inf, negative -> NaN, +inf -> +inf, NaN -> NaN. */
static V log_specials(vb *b, V x, V r) {
  r = sel(b, feq(b, x, K(b, INFINITY)), x, r);
  r = sel(b, feq(b, x, K(b, 0.0)), K(b, -INFINITY), r);
  r = sel(b, lt(b, x, K(b, 0.0)), K(b, NAN), r);
  return sel(b, isnan_(b, x), x, r);
}

/* which: 0 log, 1 log2, 2 log10 */
static V f_log_any(vb *b, V x, int which) {
  V small = lt(b, x, K(b, 0x1p-126));
  V xs = sel(b, small, mul(b, x, K(b, 0x1p23)), x);
  V e, f;
  split_log(b, xs, &e, &f);
  e = iadd(b, e, sel(b, small, KI(b, -23), KI(b, 0)));
  V ef = itof(b, e), y = f_log1p_poly(b, f), r;
  if (which == 0) {
    r = fma3(b, ef, K(b, LN2F_H), fma3(b, ef, K(b, LN2F_L), y));
  } else if (which == 1) {
    r = fma3(b, y, K(b, INVLN2_H), ef);
  } else {
    float hi = (float)(LOG10_2_H42 + LOG10_2_L42);
    double lo = (LOG10_2_H42 - (double)hi) + LOG10_2_L42;
    r = fma3(b, ef, K(b, hi), fma3(b, y, K(b, INVLN10_H), mul(b, ef, K(b, lo))));
  }
  return log_specials(b, x, r);
}

/* log1p: u = 1 + x rounded, c its exact rounding error, so that
   1 + x = 2^e (1 + f + c 2^-e) and log1p(x) = e ln2 + log1p(f) + c 2^-e/(1+f).
   When e == 0, f + c == x exactly and x is used directly. */
static V f_log1p(vb *b, V x) {
  V one = K(b, 1.0), u = add(b, x, one);
  V c = sel(b, gt(b, x, one), sub(b, one, sub(b, u, x)),
            sub(b, x, sub(b, u, one)));
  V us = sel(b, gt(b, u, K(b, 0x1p-126)), u, one);
  V e, f;
  split_log(b, us, &e, &f);
  V e0 = ieq(b, e, KI(b, 0));
  V cs = mul(b, c, pow2i(b, isub(b, KI(b, 0), ismin(b, e, KI(b, 100)))));
  f = sel(b, e0, x, f);
  cs = sel(b, e0, K(b, 0.0), cs);
  V y = fma3(b, cs, sub(b, one, f), f_log1p_poly(b, f));
  V ef = itof(b, e);
  V r = fma3(b, ef, K(b, LN2F_H), fma3(b, ef, K(b, LN2F_L), y));
  r = log_specials(b, u, r);
  r = sel(b, lt(b, x, K(b, -1.0)), K(b, NAN), r);
  return sel(b, feq(b, x, K(b, 0.0)), x, r);
}

/* tanh: odd polynomial below 0.5625, else 1 - 2/(e^2|x| + 1) with the
   denominator 2^n (1 + pm1) + 1 rounded once.  NaN propagates. */
static V f_tanh(vb *b, V x) {
  V a = fabs_(b, x), z = mul(b, a, a);
  V small = fma3(b, mul(b, a, z), horner(b, z, C_TANHF_T, 5), a);
  V a2 = add(b, a, a), n;
  V pm1 = f_exp_core(b, sel(b, gt(b, a2, K(b, 20.0)), K(b, 20.0), a2), &n, NULL);
  V S = pow2i(b, n);
  V den = fma3(b, S, pm1, add(b, S, K(b, 1.0)));
  V big = sub(b, K(b, 1.0), fdv(b, K(b, 2.0), den));
  return copysign_(b, sel(b, lt(b, a, K(b, 0.5625)), small, big), x);
}

/* sigmoid = 1/(1 + e^-x), e^-x = 2^n (1 + pm1) = S (1 + pm1): the
   denominator S pm1 + (S + 1) is rounded once; for n >= 24, where S + 1 is
   inexact, it is S (pm1 + 1/S) + S instead.  For n > 100 (x < -69) all is
   scaled by C = 2^-64 so the denominator stays finite and the result rounds
   once into the denormals.  NaN propagates. */
static V f_sigmoid(vb *b, V x) {
  V n, pm1 = f_exp_core(b, clamp_nan(b, neg(b, x), -87.0, 104.0), &n, NULL);
  V big = LLVMBuildICmp(b->B, LLVMIntSGT, n, KI(b, 100), "");
  V hi = LLVMBuildICmp(b->B, LLVMIntSGE, n, KI(b, 24), "");
  V S = pow2i(b, isub(b, n, sel(b, big, KI(b, 64), KI(b, 0))));
  V C = sel(b, big, K(b, 0x1p-64), K(b, 1.0));
  /* 1/S by exponent negation: 2^-n, or 2^(64-n) (negligible) when big */
  V D = fbits(b, isub(b, KI(b, 2 * (int64_t)0x3f800000), bits(b, S)));
  V u = add(b, pm1, sel(b, hi, D, K(b, 0.0)));
  V v = sel(b, hi, S, add(b, S, C));
  V q = fdv(b, K(b, 1.0), fma3(b, S, u, v));
  return mul(b, q, C);
}

/* ---- float64 kernels ----------------------------------------------------- */

/* e^(rh + rl) - 1 as dd for |rh| <= ~0.35, rl tiny. */
static dd exp_poly_m1(vb *b, V rh, V rl) {
  dd z = two_prod(b, rh, rh);
  V hi3 = mul(b, mul(b, rh, z.h), horner(b, rh, C_EXP_R, 10));
  V tail = add(b, mul(b, K(b, 0.5), z.h), fma3(b, K(b, 0.5), z.l, hi3));
  /* rl may be as large as 2^-45 (pow): scale it by e^rh, not 1 + rh */
  tail = add(b, tail, fma3(b, rl, add(b, rh, tail), rl));
  return fast_two_sum(b, rh, tail);
}
/* e^(rh + rl) as a normalized dd */
static dd exp_poly(vb *b, V rh, V rl) {
  dd p = exp_poly_m1(b, rh, rl);
  dd s = fast_two_sum(b, K(b, 1.0), p.h);
  return fast_two_sum(b, s.h, add(b, s.l, p.l));
}
/* Cody-Waite reduction x = k ln2 + r (dd r, |r| <= ~0.35) for x in about
   [-2200, 2200]; the first fma is exact because LN2_H42 has 42 bits.
   Returns k as a float (k itself as an integer). */
static V exp_reduce(vb *b, V xh, V xl, V *k, dd *r) {
  V kf = rint_(b, mul(b, xh, K(b, INVLN2_H)));
  V r1 = fma3(b, neg(b, kf), K(b, LN2_H42), xh);
  dd t = fast_two_sum(b, r1, neg(b, mul(b, kf, K(b, LN2_L42))));
  if (xl) t.l = add(b, t.l, xl);
  *r = t;
  *k = ftoi(b, kf);
  return kf;
}
/* e^(xh+xl) = 2^k (H + L) */
static dd exp_core(vb *b, V xh, V xl, V *k) {
  dd r;
  exp_reduce(b, xh, xl, k, &r);
  return exp_poly(b, r.h, r.l);
}

static V d_exp(vb *b, V x) {
  V k;
  dd r;
  V kf = exp_reduce(b, clamp(b, x, -746.0, 710.0), NULL, &k, &r);
  dd e = exp_poly(b, r.h, r.l);
  return sel(b, isnan_(b, x), x, scale2k(b, e.h, kf, k));
}

static V d_exp2(vb *b, V x) {
  V xc = clamp(b, x, -1080.0, 1030.0), k = rint_(b, xc), r = sub(b, xc, k);
  dd p = two_prod(b, r, K(b, LN2_H));
  dd e = exp_poly(b, p.h, fma3(b, r, K(b, LN2_L), p.l));
  return sel(b, isnan_(b, x), x, scale2k(b, e.h, k, NULL));
}

/* (e^x - 1)/2 as dd for x in [-40, 710] (k returned), computed as
   s + s P - 1/2 with s = 2^(k-1) and P = e^r - 1. */
static dd expm1_half(vb *b, V xc, V *kout, dd *pm1) {
  V k;
  dd r;
  exp_reduce(b, xc, NULL, &k, &r);
  dd P = exp_poly_m1(b, r.h, r.l);
  V s = pow2i(b, isub(b, k, KI(b, 1)));
  dd a = two_sum(b, s, K(b, -0.5));
  dd c = two_sum(b, a.h, mul(b, s, P.h));
  *kout = k;
  *pm1 = P;
  return mkdd(c.h, add(b, c.l, fma3(b, s, P.l, a.l)));
}

static V d_expm1(vb *b, V x) {
  V k;
  dd P, h = expm1_half(b, clamp(b, x, -40.0, 710.0), &k, &P);
  V r = mul(b, K(b, 2.0), dd_val(b, h));
  r = sel(b, ieq(b, k, KI(b, 0)), P.h, r);
  r = sel(b, feq(b, x, K(b, 0.0)), x, r);
  return sel(b, isnan_(b, x), x, r);
}

/* log of a positive normal xh (+ xl, |xl| << ulp(xh), may be NULL):
   xh + xl = 2^e (m + ml), m = 1 + f in [sqrt(1/2), sqrt(2)), and
   log(m + ml) = 2 atanh(s), s = (f + ml)/(2 + f + ml), evaluated in dd.
   hp: the s^3 term in dd too (relative error ~2^-70, for pow). */
static void log_core(vb *b, V xh, V xl, bool hp, V *e_out, dd *M) {
  V e, f;
  split_log(b, xh, &e, &f);
  V ml = xl ? scale2(b, xl, isub(b, KI(b, 0), e)) : K(b, 0.0);
  dd d = fast_two_sum(b, K(b, 2.0), f);
  d.l = add(b, d.l, ml);
  V inv = fdv(b, K(b, 1.0), d.h);
  V sh = mul(b, f, inv);
  V rr = add(b, fma3(b, neg(b, sh), d.h, f), sub(b, ml, mul(b, sh, d.l)));
  V sl = mul(b, rr, inv);
  V sh2 = add(b, sh, sh), sl2 = add(b, sl, sl);
  if (!hp) {
    V z = mul(b, sh, sh);
    V T = mul(b, mul(b, sh, z), horner(b, z, C_LOG_Q, 9));
    *M = fast_two_sum(b, sh2, add(b, sl2, T));
  } else {
    dd z = two_prod(b, sh, sh);
    dd c3 = two_prod(b, sh, z.h);
    c3.l = fma3(b, sh, z.l, c3.l);
    dd t1 = two_prod(b, K(b, TWO3_H), c3.h);
    t1.l = add(b, t1.l, fma3(b, K(b, TWO3_H), c3.l, mul(b, K(b, TWO3_L), c3.h)));
    V rest = mul(b, mul(b, c3.h, z.h), horner(b, z.h, C_LOG_Q + 1, 8));
    V tail = add(b, add(b, sl2, mul(b, z.h, sl2)), add(b, t1.l, rest));
    dd m = fast_two_sum(b, sh2, t1.h);
    *M = fast_two_sum(b, m.h, add(b, m.l, tail));
  }
  *e_out = itof(b, e);
}
/* e (ah + al) + M (bh + bl) as dd; e*ah must be exact (ah with 42 bits). */
static dd log_combine(vb *b, V e, dd M, double ah, double al, double bh,
                      double bl) {
  dd P = M;
  if (bh != 1.0 || bl != 0.0) {
    P = two_prod(b, M.h, K(b, bh));
    P.l = add(b, P.l, fma3(b, M.h, K(b, bl), mul(b, M.l, K(b, bh))));
  }
  dd S = two_sum(b, mul(b, e, K(b, ah)), P.h);
  V tail = add(b, add(b, S.l, P.l), mul(b, e, K(b, al)));
  return fast_two_sum(b, S.h, tail);
}

/* which: 0 log, 1 log2, 2 log10 */
static V d_log_any(vb *b, V x, int which) {
  V small = lt(b, x, K(b, 0x1p-1022));
  V xs = sel(b, small, mul(b, x, K(b, 0x1p54)), x);
  V e;
  dd M;
  log_core(b, xs, NULL, false, &e, &M);
  e = add(b, e, sel(b, small, K(b, -54.0), K(b, 0.0)));
  dd r = which == 0 ? log_combine(b, e, M, LN2_H42, LN2_L42, 1.0, 0.0)
       : which == 1 ? log_combine(b, e, M, 1.0, 0.0, INVLN2_H, INVLN2_L)
                    : log_combine(b, e, M, LOG10_2_H42, LOG10_2_L42, INVLN10_H,
                                  INVLN10_L);
  return log_specials(b, x, r.h);
}

static V d_log1p(vb *b, V x) {
  dd u = two_sum(b, K(b, 1.0), x);
  V ok = gt(b, u.h, K(b, 0x1p-1022));
  V e;
  dd M;
  log_core(b, sel(b, ok, u.h, K(b, 1.0)), sel(b, ok, u.l, K(b, 0.0)), false,
           &e, &M);
  dd r = log_combine(b, e, M, LN2_H42, LN2_L42, 1.0, 0.0);
  V res = log_specials(b, u.h, r.h);
  res = sel(b, lt(b, x, K(b, -1.0)), K(b, NAN), res);
  return sel(b, lt(b, fabs_(b, x), K(b, 0x1p-60)), x, res);
}

/* sqrt of a dd w >= 0 as dd */
static dd dd_sqrt(vb *b, dd w) {
  V h = sqrt_(b, w.h);
  V r = add(b, fma3(b, neg(b, h), h, w.h), w.l);
  V l = fdv(b, r, add(b, h, h));
  return mkdd(h, sel(b, feq(b, h, K(b, 0.0)), K(b, 0.0), l));
}

/* log of (vh + vl), or of 2*big when use_big: asinh/acosh for huge inputs */
static V log_sel(vb *b, V use_big, V big, dd v) {
  V e;
  dd M;
  log_core(b, sel(b, use_big, big, v.h), sel(b, use_big, K(b, 0.0), v.l), false,
           &e, &M);
  e = add(b, e, sel(b, use_big, K(b, 1.0), K(b, 0.0)));
  return log_combine(b, e, M, LN2_H42, LN2_L42, 1.0, 0.0).h;
}

static V d_asinh(vb *b, V x) {
  V a = fabs_(b, x), big = gt(b, a, K(b, 0x1p28));
  V as = sel(b, big, K(b, 1.0), a);
  dd sq = two_prod(b, as, as);
  dd w = two_sum(b, K(b, 1.0), sq.h);
  w.l = add(b, w.l, sq.l);
  dd rt = dd_sqrt(b, w);
  dd v = two_sum(b, as, rt.h);
  v.l = add(b, v.l, rt.l);
  V r = log_sel(b, big, sel(b, feq(b, a, K(b, INFINITY)), K(b, 1.0), a), v);
  r = sel(b, feq(b, a, K(b, INFINITY)), a, r);
  r = sel(b, lt(b, a, K(b, 0x1p-28)), a, r);
  return sel(b, isnan_(b, x), x, copysign_(b, r, x));
}

static V d_acosh(vb *b, V x) {
  V big = gt(b, x, K(b, 0x1p28));
  V xs = sel(b, and1(b, ge(b, x, K(b, 1.0)), not1(b, big)), x, K(b, 1.0));
  dd sq = two_prod(b, xs, xs);
  dd w = two_sum(b, sq.h, K(b, -1.0));
  w.l = add(b, w.l, sq.l);
  dd rt = dd_sqrt(b, w);
  dd v = two_sum(b, xs, rt.h);
  v.l = add(b, v.l, rt.l);
  V r = log_sel(b, big, sel(b, feq(b, x, K(b, INFINITY)), K(b, 1.0), x), v);
  r = sel(b, feq(b, x, K(b, INFINITY)), x, r);
  r = sel(b, lt(b, x, K(b, 1.0)), K(b, NAN), r);
  return sel(b, isnan_(b, x), x, r);
}

static V d_atanh(vb *b, V x) {
  V a = fabs_(b, x);
  V as = sel(b, lt(b, a, K(b, 1.0)), a, K(b, 0.5));
  dd q = dd_div(b, two_sum(b, K(b, 1.0), as), two_sum(b, K(b, 1.0), neg(b, as)));
  V e;
  dd M;
  log_core(b, q.h, q.l, false, &e, &M);
  V r = mul(b, K(b, 0.5), log_combine(b, e, M, LN2_H42, LN2_L42, 1.0, 0.0).h);
  r = sel(b, lt(b, a, K(b, 0x1p-28)), a, r);
  r = sel(b, feq(b, a, K(b, 1.0)), K(b, INFINITY), r);
  r = sel(b, gt(b, a, K(b, 1.0)), K(b, NAN), r);
  return sel(b, isnan_(b, x), x, copysign_(b, r, x));
}

/* (e^a +- e^-a)/2 for a in [0, 711]: 2^(k-1) (H + L +- 2^-2k/(H + L)). */
static V sinhcosh_big(vb *b, V a, bool minus) {
  V k;
  dd e = exp_core(b, a, NULL, &k);
  V i = fdv(b, K(b, 1.0), e.h);
  V ri = mul(b, sub(b, fma3(b, neg(b, i), e.h, K(b, 1.0)), mul(b, i, e.l)), i);
  V t = pow2i(b, ismax(b, isub(b, KI(b, 0), iadd(b, k, k)), KI(b, -1000)));
  if (minus) t = neg(b, t);
  dd s = two_sum(b, e.h, mul(b, t, i));
  V v = add(b, s.h, add(b, s.l, fma3(b, t, ri, e.l)));
  return scale2(b, v, isub(b, k, KI(b, 1)));
}

static V d_sinh(vb *b, V x) {
  V a = fabs_(b, x), z = mul(b, a, a);
  V small = fma3(b, mul(b, a, z), horner(b, z, C_SINH_H, 7), a);
  V big = sinhcosh_big(b, clamp(b, a, 0.0, 711.0), true);
  V r = sel(b, lt(b, a, K(b, 1.0)), small, big);
  return sel(b, isnan_(b, x), x, copysign_(b, r, x));
}

static V d_cosh(vb *b, V x) {
  V r = sinhcosh_big(b, clamp(b, fabs_(b, x), 0.0, 711.0), false);
  return sel(b, isnan_(b, x), x, r);
}

/* tanh = E/(E + 2) with E = expm1(2|x|) in dd; 1 beyond 22. */
static V d_tanh(vb *b, V x) {
  V a = fabs_(b, x), k;
  dd P, h = expm1_half(b, clamp(b, add(b, a, a), 0.0, 44.0), &k, &P);
  dd den = two_sum(b, K(b, 1.0), h.h);
  den.l = add(b, den.l, h.l);
  V r = dd_div(b, h, den).h;
  r = sel(b, gt(b, a, K(b, 22.0)), K(b, 1.0), r);
  return sel(b, isnan_(b, x), x, copysign_(b, r, x));
}

static V d_sigmoid(vb *b, V x) {
  V a = clamp(b, fabs_(b, x), 0.0, 746.0), k;
  dd e = exp_core(b, neg(b, a), NULL, &k);
  V s = pow2i(b, ismax(b, k, KI(b, -1022)));
  dd den = fast_two_sum(b, K(b, 1.0), mul(b, e.h, s));
  den.l = fma3(b, e.l, s, den.l);
  V ng = lt(b, x, K(b, 0.0));
  dd num = mkdd(sel(b, ng, e.h, K(b, 1.0)), sel(b, ng, e.l, K(b, 0.0)));
  V r = scale2(b, dd_div(b, num, den).h, sel(b, ng, k, KI(b, 0)));
  return sel(b, isnan_(b, x), x, r);
}

/* atan(ay/ax) (+ pi - ... when xneg) for finite ay, ax >= 0, not both zero,
   with max(ay, ax) in [2^-1000, 2^1000].  Reduction to |t| <= tan(pi/8):
   t = ay/ax, (ay-ax)/(ay+ax) + pi/4 or -ax/ay + pi/2, t in dd. */
static V atan_core(vb *b, V ay, V ax, V xneg) {
  V rA = le(b, ay, mul(b, K(b, TAN_PI8), ax));
  V rC = gt(b, ay, mul(b, K(b, TAN_3PI8), ax));
  dd sB = two_sum(b, ay, ax), dB = two_sum(b, ay, neg(b, ax));
  V zero = K(b, 0.0);
  dd num = mkdd(sel(b, rA, ay, sel(b, rC, neg(b, ax), dB.h)),
                sel(b, rA, zero, sel(b, rC, zero, dB.l)));
  dd den = mkdd(sel(b, rA, ax, sel(b, rC, ay, sB.h)),
                sel(b, rA, zero, sel(b, rC, zero, sB.l)));
  dd t = dd_div(b, num, den);
  V z = mul(b, t.h, t.h);
  V P = mul(b, mul(b, t.h, z), horner(b, z, C_ATAN_A, 12));
  V tail = add(b, fma3(b, neg(b, t.l), z, t.l), P);
  V oh = sel(b, rA, zero, sel(b, rC, K(b, PIO2_H), K(b, PIO4_H)));
  V ol = sel(b, rA, zero, sel(b, rC, K(b, PIO2_L), K(b, PIO4_L)));
  V nh = sel(b, rA, K(b, PI_H), sel(b, rC, K(b, PIO2_H), K(b, PI3O4_H)));
  V nl = sel(b, rA, K(b, PI_L), sel(b, rC, K(b, PIO2_L), K(b, PI3O4_L)));
  oh = sel(b, xneg, nh, oh);
  ol = sel(b, xneg, nl, ol);
  V th = sel(b, xneg, neg(b, t.h), t.h), tl = sel(b, xneg, neg(b, tail), tail);
  dd s = fast_two_sum(b, oh, th);
  return add(b, s.h, add(b, s.l, add(b, tl, ol)));
}

static V d_atan(vb *b, V x) {
  V a = fabs_(b, x), inf = feq(b, a, K(b, INFINITY));
  V r = atan_core(b, sel(b, inf, K(b, 1.0), a), sel(b, inf, K(b, 0.0), K(b, 1.0)),
                  LLVMConstInt(LLVMInt1TypeInContext(b->C), 0, 0));
  return sel(b, isnan_(b, x), x, copysign_(b, r, x));
}

static V d_atan2(vb *b, V y, V x) {
  V ay = fabs_(b, y), ax = fabs_(b, x);
  V yi = feq(b, ay, K(b, INFINITY)), xi = feq(b, ax, K(b, INFINITY));
  V one = K(b, 1.0), zero = K(b, 0.0);
  V ay2 = sel(b, yi, one, sel(b, xi, zero, ay));
  V ax2 = sel(b, xi, one, sel(b, yi, zero, ax));
  ax2 = sel(b, and1(b, feq(b, ay2, zero), feq(b, ax2, zero)), one, ax2);
  V mx = fmax_(b, ay2, ax2);
  V sc = sel(b, gt(b, mx, K(b, 0x1p1000)), K(b, 0x1p-100),
             sel(b, lt(b, mx, K(b, 0x1p-900)), K(b, 0x1p100), one));
  V r = atan_core(b, mul(b, ay2, sc), mul(b, ax2, sc), signbit_(b, x));
  r = copysign_(b, r, y);
  return sel(b, or1(b, isnan_(b, x), isnan_(b, y)), add(b, x, y), r);
}

/* asin / acos: |x| <= 1/2 by the odd polynomial, else through
   asin(|x|) = pi/2 - 2 asin(s), s = sqrt((1-|x|)/2), with s in dd. */
static V d_asin_acos(vb *b, V x, bool acos) {
  V a = fabs_(b, x), small = le(b, a, K(b, 0.5));
  V w = mul(b, sub(b, K(b, 1.0), a), K(b, 0.5));
  V s = sqrt_(b, w);
  V sl = fdv(b, fma3(b, neg(b, s), s, w), add(b, s, s));
  sl = sel(b, feq(b, s, K(b, 0.0)), K(b, 0.0), sl);
  V u = sel(b, small, mul(b, a, a), w), base = sel(b, small, a, s);
  V P = mul(b, mul(b, base, u), horner(b, u, C_ASIN_B, 13));
  V two = K(b, 2.0), r;
  V big2 = mul(b, two, add(b, sl, P)); /* 2 (sl + P) */
  if (!acos) {
    dd t = fast_two_sum(b, K(b, PIO2_H), mul(b, K(b, -2.0), s));
    V big = add(b, t.h, sub(b, add(b, t.l, K(b, PIO2_L)), big2));
    r = copysign_(b, sel(b, small, add(b, a, P), big), x);
    r = sel(b, feq(b, a, K(b, 0.0)), x, r);
  } else {
    dd t = fast_two_sum(b, K(b, PIO2_H), neg(b, x));
    V rs = add(b, t.h, sub(b, add(b, t.l, K(b, PIO2_L)), copysign_(b, P, x)));
    V rp = add(b, mul(b, two, s), big2);
    dd tn = fast_two_sum(b, K(b, PI_H), mul(b, K(b, -2.0), s));
    V rn = add(b, tn.h, sub(b, add(b, tn.l, K(b, PI_L)), big2));
    r = sel(b, small, rs, sel(b, lt(b, x, K(b, 0.0)), rn, rp));
  }
  r = sel(b, gt(b, a, K(b, 1.0)), K(b, NAN), r);
  return sel(b, isnan_(b, x), x, r);
}

/* cbrt: |x| = 2^(3k) m, m in [1, 8); w ~ m^(-1/3) by polynomial and three
   Newton steps, y = m w^2, then one correction with the residual y^3 - m
   in dd. */
static V d_cbrt(vb *b, V x) {
  V a = fabs_(b, x), small = lt(b, a, K(b, 0x1p-1022));
  V as = sel(b, small, mul(b, a, K(b, 0x1p54)), a);
  V ib = bits(b, as);
  V e = isub(b, iashr(b, ib, KI(b, 52)), KI(b, 1023));
  V kd = floor_(b, mul(b, add(b, itof(b, e), K(b, 0.5)), K(b, 1.0 / 3.0)));
  V k = ftoi(b, kd);
  V j = isub(b, e, iadd(b, k, iadd(b, k, k))); /* 0, 1 or 2 */
  V m = fbits(b, LLVMBuildOr(b->B, iand(b, ib, KI(b, ((int64_t)1 << 52) - 1)),
                               ishl(b, iadd(b, j, KI(b, 1023)), KI(b, 52)), ""));
  V w = horner(b, m, C_CBRT_W, 6), third = K(b, 1.0 / 3.0);
  for (int i = 0; i < 3; i++) {
    V r = fma3(b, neg(b, m), mul(b, mul(b, w, w), w), K(b, 1.0));
    w = fma3(b, mul(b, w, third), r, w);
  }
  V w2 = mul(b, w, w), y = mul(b, m, w2);
  dd y2 = two_prod(b, y, y);
  V res = fma3(b, y2.h, y, neg(b, m));
  res = fma3(b, y2.l, y, res);
  y = fma3(b, neg(b, res), mul(b, w2, third), y);
  k = iadd(b, k, sel(b, small, KI(b, -18), KI(b, 0)));
  V r = copysign_(b, mul(b, y, pow2i(b, k)), x);
  V pass = or1(b, or1(b, feq(b, a, K(b, 0.0)), feq(b, a, K(b, INFINITY))),
               isnan_(b, x));
  return sel(b, pass, x, r);
}

/* hypot: scaled sum of squares in dd, sqrt with one correction step. */
static V d_hypot(vb *b, V x, V y) {
  V ax = fabs_(b, x), ay = fabs_(b, y);
  V mx = fmax_(b, ax, ay), mn = fmin_(b, ax, ay);
  V big = gt(b, mx, K(b, 0x1p500)), tiny = lt(b, mx, K(b, 0x1p-500));
  V sc = sel(b, big, K(b, 0x1p-600), sel(b, tiny, K(b, 0x1p600), K(b, 1.0)));
  V us = sel(b, big, K(b, 0x1p600), sel(b, tiny, K(b, 0x1p-600), K(b, 1.0)));
  V X = mul(b, mx, sc), Y = mul(b, mn, sc);
  dd p1 = two_prod(b, X, X), p2 = two_prod(b, Y, Y);
  dd s = fast_two_sum(b, p1.h, p2.h);
  s.l = add(b, s.l, add(b, p1.l, p2.l));
  V h = sqrt_(b, s.h);
  V c = fdv(b, add(b, fma3(b, neg(b, h), h, s.h), s.l), add(b, h, h));
  V r = mul(b, add(b, h, c), us);
  r = sel(b, feq(b, mx, K(b, 0.0)), K(b, 0.0), r);
  r = sel(b, or1(b, isnan_(b, x), isnan_(b, y)), K(b, NAN), r);
  V inf = or1(b, feq(b, ax, K(b, INFINITY)), feq(b, ay, K(b, INFINITY)));
  return sel(b, inf, K(b, INFINITY), r);
}

/* pow = 2^k e^r from y * log|x| in dd (log with the s^3 term in dd), then
   the C99 special cases. */
static V d_pow(vb *b, V x, V y) {
  V one = K(b, 1.0), zero = K(b, 0.0), inf = K(b, INFINITY);
  V ax = fabs_(b, x);
  V bad = or1(b, or1(b, feq(b, ax, zero), feq(b, ax, inf)), isnan_(b, x));
  V axs = sel(b, bad, one, ax);
  V small = lt(b, axs, K(b, 0x1p-1022));
  axs = sel(b, small, mul(b, axs, K(b, 0x1p54)), axs);
  V e;
  dd M;
  log_core(b, axs, NULL, true, &e, &M);
  e = add(b, e, sel(b, small, K(b, -54.0), zero));
  dd L = log_combine(b, e, M, LN2_H42, LN2_L42, 1.0, 0.0);
  V ph = mul(b, y, L.h);
  V pl = fma3(b, y, L.l, fma3(b, y, L.h, neg(b, ph)));
  V phc = clamp(b, ph, -750.0, 712.0);
  pl = sel(b, feq(b, ph, phc), pl, zero);
  V k;
  dd E = exp_core(b, phc, pl, &k);
  V res = scale2(b, E.h, k);
  V yint = feq(b, floor_(b, y), y);
  V hy = mul(b, y, K(b, 0.5));
  V yodd = and1(b, and1(b, yint, lt(b, fabs_(b, y), K(b, 0x1p53))),
                fcmp(b, LLVMRealUNE, floor_(b, hy), hy));
  V ylt0 = lt(b, y, zero);
  V base = sel(b, feq(b, ax, zero), sel(b, ylt0, inf, zero), res);
  base = sel(b, feq(b, ax, inf), sel(b, ylt0, zero, inf), base);
  V r = sel(b, and1(b, signbit_(b, x), yodd), neg(b, base), base);
  V negfin = and1(b, lt(b, x, zero), fcmp(b, LLVMRealONE, ax, inf));
  r = sel(b, and1(b, negfin, not1(b, yint)), K(b, NAN), r);
  V yinf = feq(b, fabs_(b, y), inf);
  r = sel(b, and1(b, yinf, feq(b, ax, one)), one, r);
  r = sel(b, or1(b, isnan_(b, x), isnan_(b, y)), K(b, NAN), r);
  return sel(b, or1(b, feq(b, y, zero), feq(b, x, one)), one, r);
}

/* logaddexp = max + log1p(e^-|x-y|), the log1p term in dd; x == y gives
   x + ln2 (which also covers equal infinities). */
static V d_logaddexp(vb *b, V x, V y) {
  dd dd_ = two_sum(b, x, neg(b, y)); /* x - y exactly */
  V d = dd_.h, k, pos = gt(b, d, K(b, 0.0));
  V mx = sel(b, pos, x, y);
  V ad = clamp(b, fabs_(b, d), 0.0, 750.0);
  V adl = sel(b, and1(b, feq(b, ad, fabs_(b, d)), pos), dd_.l, neg(b, dd_.l));
  adl = sel(b, lt(b, ad, K(b, 750.0)), adl, K(b, 0.0));
  dd e = exp_core(b, neg(b, ad), neg(b, adl), &k);
  V Eh = scale2(b, e.h, k), El = scale2(b, e.l, k);
  dd u = fast_two_sum(b, K(b, 1.0), Eh);
  u.l = add(b, u.l, El);
  V le_;
  dd M;
  log_core(b, u.h, u.l, false, &le_, &M);
  dd l = log_combine(b, le_, M, LN2_H42, LN2_L42, 1.0, 0.0);
  V tiny = lt(b, Eh, K(b, 0x1p-60)); /* log1p(E) = E */
  l = mkdd(sel(b, tiny, Eh, l.h), sel(b, tiny, El, l.l));
  dd t = two_sum(b, mx, l.h);
  V r = add(b, t.h, add(b, t.l, l.l));
  dd q = two_sum(b, x, K(b, LN2_H));
  V eq = add(b, q.h, add(b, q.l, K(b, LN2_L)));
  r = sel(b, feq(b, fabs_(b, mx), K(b, INFINITY)), mx, r);
  r = sel(b, isnan_(b, d), d, r);
  eq = sel(b, feq(b, fabs_(b, x), K(b, INFINITY)), x, eq);
  return sel(b, feq(b, x, y), eq, r);
}

/* ---- trigonometry ---------------------------------------------------- */

/* sin(r.h + r.l) as a normalized dd, |r| <= ~pi/4 */
static dd sin_poly(vb *b, dd r) {
  V z = mul(b, r.h, r.h);
  V tail = fma3(b, mul(b, r.h, z), horner(b, z, C_SIN_S, 7),
                fma3(b, mul(b, K(b, -0.5), z), r.l, r.l));
  return fast_two_sum(b, r.h, tail);
}
/* cos(r.h + r.l) as a normalized dd, |r| <= ~pi/4 */
static dd cos_poly(vb *b, dd r) {
  dd z = two_prod(b, r.h, r.h);
  V hz = mul(b, K(b, 0.5), z.h), w = sub(b, K(b, 1.0), hz);
  V c = mul(b, mul(b, z.h, z.h), horner(b, z.h, C_COS_C, 6));
  V tail = add(b, sub(b, sub(b, K(b, 1.0), w), hz),
               sub(b, c, fma3(b, K(b, 0.5), z.l, mul(b, r.h, r.l))));
  return fast_two_sum(b, w, tail);
}

/* 2/pi in binary, 1344 bits after the point (bit 1 = weight 1/2 first). */
static const uint32_t TWOOPI_BITS[42] = {
    0xa2f9836e, 0x4e441529, 0xfc2757d1, 0xf534ddc0, 0xdb629599, 0x3c439041,
    0xfe5163ab, 0xdebbc561, 0xb7246e3a, 0x424dd2e0, 0x06492eea, 0x09d1921c,
    0xfe1deb1c, 0xb129a73e, 0xe88235f5, 0x2ebb4484, 0xe99c7026, 0xb45f7e41,
    0x3991d639, 0x835339f4, 0x9c845f8b, 0xbdf9283b, 0x1ff897ff, 0xde05980f,
    0xef2f118b, 0x5a0a6d1f, 0x6d367ecf, 0x27cb09b7, 0x4f463f66, 0x9e5fea2d,
    0x7527bac7, 0xebe5f17b, 0x3d0739f7, 0x8a5292ea, 0x6bfb5fb1, 0x1f8d5d08,
    0x56033046, 0xfc7b6bab, 0xf0cfbc20, 0x9af4361d, 0xa9e39161, 0x5ee61b08,
};

/* Bit k (weight 2^-k) of 2/pi; 0 for k <= 0. */
static unsigned twoopi_bit(int k) {
  if (k <= 0 || k > 42 * 32) return 0;
  return (TWOOPI_BITS[(k - 1) / 32] >> (31 - (k - 1) % 32)) & 1u;
}

#define TRIG_TAB_N 1025 /* float64: biased exponents 1022 .. 2046 */
#define TRIG_TAB32_N 129 /* float32 (as double): biased exponents 1022 .. 1150 */

/* The tables for the trigonometric reductions, internal constant globals
   created once per module.  Entry i is for arguments a = M 2^e with biased
   double exponent 1022 + i, M an integer of 53 bits (e = i - 53; float64
   table) or of 24 bits (e = i - 24; float32 table); it holds the 53-bit
   pieces of (2^e * 2/pi) mod 4 at weights 2^1..2^-51, 2^-52..2^-104, and for
   float64 also 2^-105..2^-157, 2^-158..2^-210. */
static V trig_table(vb *b, bool f32) {
  const char *name = f32 ? "loom.vm.twoopi.tab32" : "loom.vm.twoopi.tab";
  int n = f32 ? TRIG_TAB32_N : TRIG_TAB_N, np = f32 ? 2 : 4;
  V g = LLVMGetNamedGlobal(b->M, name);
  LLVMTypeRef d = LLVMDoubleTypeInContext(b->C);
  if (g) return g;
  V vals[4 * TRIG_TAB_N]; /* 32 KiB of stack */
  for (int i = 0; i < n; i++) {
    int e = i - (f32 ? 24 : 53);
    for (int c = 0; c < np; c++) {
      uint64_t acc = 0;
      for (int t = 0; t < 53; t++)
        acc = acc << 1 | twoopi_bit(e - 1 + 53 * c + t);
      vals[np * i + c] = LLVMConstReal(d, ldexp((double)acc, -51 - 53 * c));
    }
  }
  LLVMTypeRef at = LLVMArrayType2(d, (uint64_t)(np * n));
  g = LLVMAddGlobal(b->M, at, name);
  LLVMSetInitializer(g, LLVMConstArray2(d, vals, (uint64_t)(np * n)));
  LLVMSetGlobalConstant(g, 1);
  LLVMSetLinkage(g, LLVMInternalLinkage);
  LLVMSetUnnamedAddress(g, LLVMGlobalUnnamedAddr);
  return g;
}

/* Loads np consecutive table doubles for the biased exponent of a (double,
   >= 1/2), clamped into the table. */
static void trig_load(vb *b, V a, bool f32, V *T) {
  LLVMTypeRef d = LLVMDoubleTypeInContext(b->C);
  int n = f32 ? TRIG_TAB32_N : TRIG_TAB_N, np = f32 ? 2 : 4;
  V eb = LLVMBuildLShr(b->B, bits(b, a), KI(b, 52), "");
  V idx = ismin(b, ismax(b, isub(b, eb, KI(b, 1022)), KI(b, 0)), KI(b, n - 1));
  idx = ishl(b, idx, KI(b, np == 4 ? 2 : 1));
  V tab = trig_table(b, f32);
  for (int c = 0; c < np; c++) {
    V i = iadd(b, idx, KI(b, c));
    T[c] = LLVMBuildLoad2(b->B, d, LLVMBuildGEP2(b->B, d, tab, &i, 1, ""), "");
    LLVMSetAlignment(T[c], 8);
  }
}

/* float x (given as double, |x| >= 1/2, finite) reduced exactly: x = M 2^e
   with M a 24-bit integer, T0 + T1 = (2^e 2/pi) mod 4 to 2^-104 from the
   float table (two gathers); M T0 is split exactly, its large part reduced
   mod 4 (exact), and M T1 added last.  Returns the reduced argument (double,
   error ~2^-53 relative) and the quadrant n mod 4. */
static V trig_reduce_f32(vb *b, V a, V *q) {
  V T[2];
  trig_load(b, a, true, T);
  V M = fbits(b, LLVMBuildOr(b->B, iand(b, bits(b, a), KI(b, ((int64_t)1 << 52) - 1)),
                             KI(b, (int64_t)1046 << 52), "")); /* 2^23 + mant */
  dd p0 = two_prod(b, M, T[0]);
  V a0 = fma3(b, K(b, -4.0), rint_(b, mul(b, p0.h, K(b, 0.25))), p0.h);
  V sm = add(b, a0, p0.l); /* multiples of 2^-51 below 4: exact */
  V n = rint_(b, sm);
  V f = fma3(b, M, T[1], sub(b, sm, n));
  *q = iand(b, ftoi(b, n), KI(b, 3));
  return mul(b, f, K(b, PIO2_H));
}

/* float64 reduction for every finite a >= 1/2 (a = |x|): with a = M 2^e and
   T = (2^e 2/pi) mod 4 from the table (four gathered pieces), a 2/pi mod 4 =
   M T mod 4.  The products M T0 .. M T2 are split exactly (two_prod), the
   large parts reduced mod 4 exactly, the integer part n removed, and the rest
   summed with exact TwoSums so that the fraction f keeps ~2^-150 absolute
   accuracy even next to a multiple of pi/2.  Returns f pi/2 in dd and
   n mod 4.  No Payne-Hanek bit loops at run time: the window of 2/pi is
   precomputed per exponent. */
static dd trig_reduce_d(vb *b, V a, V *q) {
  V ib = bits(b, a), T[4];
  trig_load(b, a, false, T);
  V M = fbits(b, LLVMBuildOr(b->B, iand(b, ib, KI(b, ((int64_t)1 << 52) - 1)),
                             KI(b, (int64_t)1075 << 52), "")); /* 2^52 + mant */
  V four = K(b, -4.0), qu = K(b, 0.25);
  dd p0 = two_prod(b, M, T[0]), p1 = two_prod(b, M, T[1]);
  dd p2 = two_prod(b, M, T[2]);
  V p3 = mul(b, M, T[3]);
  /* multiples of 2^-51 below 4 in magnitude: these reductions are exact */
  V a0 = fma3(b, four, rint_(b, mul(b, p0.h, qu)), p0.h);
  V l0 = fma3(b, four, rint_(b, mul(b, p0.l, qu)), p0.l);
  V c = add(b, a0, l0);
  c = fma3(b, four, rint_(b, mul(b, c, qu)), c);
  dd s = two_sum(b, c, p1.h);
  V n = rint_(b, s.h);
  dd x1 = two_sum(b, sub(b, s.h, n), s.l);
  dd x2 = two_sum(b, x1.h, p1.l);
  dd x3 = two_sum(b, x2.h, p2.h);
  V tail = add(b, add(b, add(b, x1.l, x2.l), x3.l), add(b, p2.l, p3));
  dd f = fast_two_sum(b, x3.h, tail);
  *q = iand(b, ftoi(b, n), KI(b, 3));
  V rh = mul(b, f.h, K(b, PIO2_H));
  V rl = fma3(b, f.h, K(b, PIO2_H), neg(b, rh));
  rl = add(b, rl, fma3(b, f.h, K(b, PIO2_L), mul(b, f.l, K(b, PIO2_H))));
  return fast_two_sum(b, rh, rl);
}

enum { TRIG_SIN, TRIG_COS, TRIG_TAN };

/* Selects sin/cos/tan of x = r + q pi/2 from the polynomials. */
static V trig_finish(vb *b, dd r, V q, int which) {
  V odd = ieq(b, iand(b, q, KI(b, 1)), KI(b, 1));
  if (which == TRIG_TAN) {
    dd S = sin_poly(b, r), C = cos_poly(b, r);
    dd num = mkdd(sel(b, odd, neg(b, C.h), S.h), sel(b, odd, neg(b, C.l), S.l));
    dd den = mkdd(sel(b, odd, S.h, C.h), sel(b, odd, S.l, C.l));
    return dd_div(b, num, den).h;
  }
  V S = sin_poly(b, r).h, C = cos_poly(b, r).h;
  V v = which == TRIG_SIN ? sel(b, odd, C, S) : sel(b, odd, S, C);
  V qq = which == TRIG_SIN ? q : iadd(b, q, KI(b, 1));
  V ng = ieq(b, iand(b, qq, KI(b, 2)), KI(b, 2));
  return sel(b, ng, neg(b, v), v);
}

static V d_trig(vb *b, V x, int which) {
  V a = fabs_(b, x), small = lt(b, a, K(b, 0.5)), q;
  dd r = trig_reduce_d(b, sel(b, small, K(b, 1.0), a), &q);
  r = mkdd(sel(b, small, a, r.h), sel(b, small, K(b, 0.0), r.l));
  q = sel(b, small, KI(b, 0), q);
  V res = trig_finish(b, r, q, which);
  if (which != TRIG_COS) {
    res = sel(b, signbit_(b, x), neg(b, res), res);
    res = sel(b, feq(b, x, K(b, 0.0)), x, res);
  }
  return sel(b, lt(b, a, K(b, INFINITY)), res, K(b, NAN));
}

/* float sin/cos/tan computed in double (b is in double mode, xd = x) */
static V f32_trig(vb *b, V xd, int which) {
  V a = fabs_(b, xd), small = lt(b, a, K(b, 0.5)), q;
  V y = trig_reduce_f32(b, sel(b, small, K(b, 1.0), a), &q);
  y = sel(b, small, a, y);
  q = sel(b, small, KI(b, 0), q);
  V r = trig_finish(b, mkdd(y, K(b, 0.0)), q, which);
  if (which != TRIG_COS) {
    r = sel(b, signbit_(b, xd), neg(b, r), r);
    r = sel(b, feq(b, xd, K(b, 0.0)), xd, r);
  }
  return sel(b, lt(b, a, K(b, INFINITY)), r, K(b, NAN));
}

/* ---- function table and creation -------------------------------------- */

static const char *const fn_names[JIT_VM_NFNS] = {
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos",
    "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh",
    "arccosh", "arctanh", "cbrt", "sigmoid", "arctan2", "hypot", "power",
    "logaddexp"};

const char *jit_vmath_name(jit_vm_fn fn) {
  return (unsigned)fn < JIT_VM_NFNS ? fn_names[fn] : NULL;
}

int jit_vmath_arity(jit_vm_fn fn) {
  if ((unsigned)fn >= JIT_VM_NFNS) return 0;
  return fn >= JIT_VM_ATAN2 ? 2 : 1;
}

/* The float64 algorithm of fn (b in double mode). */
static V d_body(vb *b, jit_vm_fn fn, V x, V y) {
  switch (fn) {
  case JIT_VM_EXP: return d_exp(b, x);
  case JIT_VM_EXP2: return d_exp2(b, x);
  case JIT_VM_EXPM1: return d_expm1(b, x);
  case JIT_VM_LOG: return d_log_any(b, x, 0);
  case JIT_VM_LOG2: return d_log_any(b, x, 1);
  case JIT_VM_LOG10: return d_log_any(b, x, 2);
  case JIT_VM_LOG1P: return d_log1p(b, x);
  case JIT_VM_SIN: return d_trig(b, x, TRIG_SIN);
  case JIT_VM_COS: return d_trig(b, x, TRIG_COS);
  case JIT_VM_TAN: return d_trig(b, x, TRIG_TAN);
  case JIT_VM_ASIN: return d_asin_acos(b, x, false);
  case JIT_VM_ACOS: return d_asin_acos(b, x, true);
  case JIT_VM_ATAN: return d_atan(b, x);
  case JIT_VM_SINH: return d_sinh(b, x);
  case JIT_VM_COSH: return d_cosh(b, x);
  case JIT_VM_TANH: return d_tanh(b, x);
  case JIT_VM_ASINH: return d_asinh(b, x);
  case JIT_VM_ACOSH: return d_acosh(b, x);
  case JIT_VM_ATANH: return d_atanh(b, x);
  case JIT_VM_CBRT: return d_cbrt(b, x);
  case JIT_VM_SIGMOID: return d_sigmoid(b, x);
  case JIT_VM_ATAN2: return d_atan2(b, x, y);
  case JIT_VM_HYPOT: return d_hypot(b, x, y);
  case JIT_VM_POW: return d_pow(b, x, y);
  case JIT_VM_LOGADDEXP: return d_logaddexp(b, x, y);
  default: return NULL;
  }
}

/* The float32 version: float kernels for the ML functions, otherwise the
   float64 algorithm on the widened input (trigonometry with the exact
   float reduction), rounded once. */
static V f_body(vb *b, jit_vm_fn fn, V x, V y) {
  switch (fn) {
  case JIT_VM_EXP: return f_exp(b, x);
  case JIT_VM_EXP2: return f_exp2(b, x);
  case JIT_VM_EXPM1: return f_expm1(b, x);
  case JIT_VM_LOG: return f_log_any(b, x, 0);
  case JIT_VM_LOG2: return f_log_any(b, x, 1);
  case JIT_VM_LOG10: return f_log_any(b, x, 2);
  case JIT_VM_LOG1P: return f_log1p(b, x);
  case JIT_VM_TANH: return f_tanh(b, x);
  case JIT_VM_SIGMOID: return f_sigmoid(b, x);
  default: break;
  }
  LLVMTypeRef ft = b->T;
  set_double(b, true);
  V xd = LLVMBuildFPExt(b->B, x, b->T, "");
  V yd = y ? LLVMBuildFPExt(b->B, y, b->T, "") : NULL;
  V r;
  if (fn == JIT_VM_SIN) r = f32_trig(b, xd, TRIG_SIN);
  else if (fn == JIT_VM_COS) r = f32_trig(b, xd, TRIG_COS);
  else if (fn == JIT_VM_TAN) r = f32_trig(b, xd, TRIG_TAN);
  else r = d_body(b, fn, xd, yd);
  set_double(b, false);
  return LLVMBuildFPTrunc(b->B, r, ft, "");
}

static void add_fn_attr(LLVMContextRef C, V fn, const char *name, uint64_t v) {
  unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
  LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                          LLVMCreateEnumAttribute(C, kind, v));
}

/* A function of the scaling helper's family: internal, no side effects,
   and not inlined until jit_vmath_finish (the first inlining must leave
   the helper's calls for the vectorizer to see). */
static V helper_fn(vb *b, const char *name, LLVMTypeRef ft) {
  V f = LLVMAddFunction(b->M, name, ft);
  LLVMSetLinkage(f, LLVMInternalLinkage);
  add_fn_attr(b->C, f, "noinline", 0);
  add_fn_attr(b->C, f, "nounwind", 0);
  add_fn_attr(b->C, f, "willreturn", 0);
  add_fn_attr(b->C, f, "nosync", 0);
  add_fn_attr(b->C, f, "nofree", 0);
  add_fn_attr(b->C, f, "speculatable", 0);
  add_fn_attr(b->C, f, "memory", 0);
  return f;
}

/* Variant v<w> of the helper: w lanes of T (values and integral
   exponents), one scalef. */
static void scale_variant(vb *b, const char *sc, int w) {
  LLVMTypeRef vt = LLVMVectorType(b->T, (unsigned)w);
  LLVMTypeRef pt[2] = {vt, vt};
  char name[64];
  snprintf(name, sizeof name, "%s.v%d", sc, w);
  V f = helper_fn(b, name, LLVMFunctionType(vt, pt, 2, 0));
  LLVMBuilderRef B = LLVMCreateBuilderInContext(b->C);
  LLVMPositionBuilderAtEnd(B, LLVMAppendBasicBlockInContext(b->C, f, "entry"));
  V nf = LLVMGetParam(f, 1);
  int bits = w * (b->d ? 64 : 32);
  char in[64];
  snprintf(in, sizeof in, "llvm.x86.avx512.mask.scalef.%s.%d", b->d ? "pd" : "ps", bits);
  unsigned id = LLVMLookupIntrinsicID(in, strlen(in));
  LLVMTypeRef mt = LLVMIntTypeInContext(b->C, (unsigned)(w < 8 ? 8 : w));
  V args[5] = {LLVMGetParam(f, 0), nf, LLVMConstNull(vt), LLVMConstAllOnes(mt),
               LLVMConstInt(LLVMInt32TypeInContext(b->C), 4, 0)};
  unsigned nargs = bits == 512 ? 5 : 4; /* the 512-bit forms take a rounding mode */
  V r = LLVMBuildCall2(B, LLVMIntrinsicGetType(b->C, id, NULL, 0),
                       LLVMGetIntrinsicDeclaration(b->M, id, NULL, 0), args, nargs, "");
  LLVMBuildRet(B, r);
  LLVMDisposeBuilder(B);
}

/* llvm.compiler.used holds the vector variants (nothing calls them before
   the vectorizer, and a pipeline with global dead code elimination would
   delete them); jit_vmath_finish removes it again. */
static void keep_variants(LLVMModuleRef M) {
  V old = LLVMGetNamedGlobal(M, "llvm.compiler.used");
  if (old) LLVMDeleteGlobal(old);
  V keep[12];
  unsigned n = 0;
  for (V f = LLVMGetFirstFunction(M); f && n < 12; f = LLVMGetNextFunction(f)) {
    size_t len;
    const char *name = LLVMGetValueName2(f, &len);
    if (len > 15 && !strncmp(name, "loom.vm.scale.", 14) && strchr(name + 14, 'v'))
      keep[n++] = f;
  }
  LLVMTypeRef pt = LLVMPointerTypeInContext(LLVMGetModuleContext(M), 0);
  V g = LLVMAddGlobal(M, LLVMArrayType(pt, n), "llvm.compiler.used");
  LLVMSetLinkage(g, LLVMAppendingLinkage);
  LLVMSetSection(g, "llvm.metadata");
  LLVMSetInitializer(g, LLVMConstArray(pt, keep, n));
}

/* The scalar helper's body: vscalefss/sd on lane 0 (a scalar epilogue's
   exp then keeps its exponent in a vector register, instead of moving it
   through the integer registers for the two steps). */
static V scale_scalar(vb *b, V v, V n) {
  LLVMBuilderRef B = b->B;
  LLVMTypeRef vt = LLVMVectorType(b->T, b->d ? 2 : 4);
  LLVMTypeRef i32 = LLVMInt32TypeInContext(b->C);
  V z = LLVMConstInt(i32, 0, 0);
  V a = LLVMBuildInsertElement(B, LLVMGetUndef(vt), v, z, "");
  V e = LLVMBuildInsertElement(B, LLVMGetUndef(vt), n, z, "");
  const char *in = b->d ? "llvm.x86.avx512.mask.scalef.sd" : "llvm.x86.avx512.mask.scalef.ss";
  unsigned id = LLVMLookupIntrinsicID(in, strlen(in));
  V args[5] = {a, e, LLVMConstNull(vt), LLVMConstAllOnes(LLVMInt8TypeInContext(b->C)),
               LLVMConstInt(i32, 4, 0)};
  V r = LLVMBuildCall2(B, LLVMIntrinsicGetType(b->C, id, NULL, 0),
                       LLVMGetIntrinsicDeclaration(b->M, id, NULL, 0), args, 5, "");
  return LLVMBuildExtractElement(B, r, z, "");
}

/* The scalar helper of b's type (its body: scale_scalar), with its
   vector variants, created on first use. */
static V scale_helper(vb *b) {
  const char *sc = b->d ? "loom.vm.scale.f64" : "loom.vm.scale.f32";
  V f = LLVMGetNamedFunction(b->M, sc);
  if (f) return f;
  LLVMTypeRef pt[2] = {b->T, b->T};
  f = helper_fn(b, sc, LLVMFunctionType(b->T, pt, 2, 0));
  LLVMBuilderRef saved = b->B;
  b->B = LLVMCreateBuilderInContext(b->C);
  LLVMPositionBuilderAtEnd(b->B, LLVMAppendBasicBlockInContext(b->C, f, "entry"));
  LLVMBuildRet(b->B, scale_scalar(b, LLVMGetParam(f, 0), LLVMGetParam(f, 1)));
  LLVMDisposeBuilder(b->B);
  b->B = saved;
  int w[3], nw = variant_widths(b, w);
  for (int i = 0; i < nw; i++) scale_variant(b, sc, w[i]);
  keep_variants(b->M);
  return f;
}

void jit_vmath_target(bool avx512f, bool avx512vl) {
  scalef_target = avx512f;
  scalef_vl = avx512f && avx512vl;
}

bool jit_vmath_finish(LLVMModuleRef M) {
  LLVMContextRef C = LLVMGetModuleContext(M);
  V used = LLVMGetNamedGlobal(M, "llvm.compiler.used");
  if (used) LLVMDeleteGlobal(used);
  unsigned noinl = LLVMGetEnumAttributeKindForName("noinline", 8);
  unsigned alw = LLVMGetEnumAttributeKindForName("alwaysinline", 12);
  bool any = false;
  for (V f = LLVMGetFirstFunction(M); f; f = LLVMGetNextFunction(f)) {
    size_t n;
    const char *name = LLVMGetValueName2(f, &n);
    if (n < 13 || strncmp(name, "loom.vm.scale", 13)) continue;
    LLVMRemoveEnumAttributeAtIndex(f, LLVMAttributeFunctionIndex, noinl);
    LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(C, alw, 0));
    any = true;
  }
  return any;
}

LLVMValueRef jit_vmath_get(LLVMModuleRef M, jit_vm_fn fn, bool f64,
                           LLVMTypeRef *type_out) {
  if ((unsigned)fn >= JIT_VM_NFNS || !M) return NULL;
  vb b;
  b.C = LLVMGetModuleContext(M);
  b.M = M;
  set_double(&b, f64);
  int nargs = jit_vmath_arity(fn);
  LLVMTypeRef params[2] = {b.T, b.T};
  LLVMTypeRef fty = LLVMFunctionType(b.T, params, (unsigned)nargs, 0);
  if (type_out) *type_out = fty;
  char name[64];
  snprintf(name, sizeof name, "loom.vm.%s.%s", fn_names[fn], f64 ? "f64" : "f32");
  V f = LLVMGetNamedFunction(M, name);
  if (f) return f;
  f = LLVMAddFunction(M, name, fty);
  LLVMSetLinkage(f, LLVMInternalLinkage);
  add_fn_attr(b.C, f, "alwaysinline", 0);
  add_fn_attr(b.C, f, "nounwind", 0);
  add_fn_attr(b.C, f, "willreturn", 0);
  add_fn_attr(b.C, f, "nosync", 0);
  add_fn_attr(b.C, f, "nofree", 0);
  /* memory(none), or memory(read) for the table lookups of trigonometry */
  bool reads = fn == JIT_VM_SIN || fn == JIT_VM_COS || fn == JIT_VM_TAN;
  add_fn_attr(b.C, f, "memory", reads ? 0x15 : 0);
  b.B = LLVMCreateBuilderInContext(b.C);
  LLVMPositionBuilderAtEnd(b.B, LLVMAppendBasicBlockInContext(b.C, f, "entry"));
  V x = LLVMGetParam(f, 0), y = nargs == 2 ? LLVMGetParam(f, 1) : NULL;
  V r = f64 ? d_body(&b, fn, x, y) : f_body(&b, fn, x, y);
  LLVMBuildRet(b.B, r);
  LLVMDisposeBuilder(b.B);
  return f;
}
