/*
 * fold.c -- the scalar meaning of elementwise ops, for constant folding.
 *
 * Mirrors jit/emit.c's semantics (NumPy's): integer division and modulo by
 * zero give 0, float floor division follows npy_divmod, shifts past the
 * width give 0 (or -1), casts from float to int give INT_MIN when out of
 * range.  Transcendentals use the C library, whose results agree with the
 * JIT's own approximations to within their ULP bounds.
 */
#include "graph/graph.h"

#include <math.h>

static double fdivmod(double a, double b, bool want_mod)
{
    if (b == 0)
        return want_mod ? fmod(a, b) : a / b;
    double mod = fmod(a, b), div = (a - mod) / b;
    if (mod != 0) {
        if ((b < 0) != (mod < 0)) {
            mod += b;
            div -= 1.0;
        }
    } else {
        mod = copysign(0.0, b);
    }
    if (want_mod)
        return mod;
    double fl;
    if (div != 0) {
        fl = floor(div);
        if (div - fl > 0.5)
            fl += 1.0;
    } else {
        fl = copysign(0.0, a / b);
    }
    return fl;
}

static int64_t idivmod(int64_t a, int64_t b, bool want_mod)
{
    if (b == 0)
        return 0;
    if (b == -1)
        return want_mod ? 0 : (int64_t)(0 - (uint64_t)a);
    int64_t q = a / b, r = a % b;
    if (r != 0 && ((r < 0) != (b < 0))) {
        q -= 1;
        r += b;
    }
    return want_mod ? r : q;
}

static int64_t wrap(int64_t v, loom_dtype t)
{
    if (t == LOOM_INT32)
        return (int32_t)(uint32_t)v;
    if (t == LOOM_BOOL)
        return v != 0;
    return v;
}

static double sigmoid(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

static double logaddexp(double a, double b)
{
    if (a == b)
        return a + M_LN2;
    double m = a > b ? a : b, d = a > b ? b - a : a - b;
    return isnan(d) ? a + b : m + log1p(exp(d));
}

/* Folds a float op; false if op is not a float op. */
static bool fold_float(graph_op op, double a, double b, double *r)
{
    switch (op) {
    case GRAPH_OP_NEG: *r = -a; return true;
    case GRAPH_OP_ABS: *r = fabs(a); return true;
    case GRAPH_OP_SIGN: *r = isnan(a) ? a : a > 0 ? 1 : a < 0 ? -1 : 0; return true;
    case GRAPH_OP_SQUARE: *r = a * a; return true;
    case GRAPH_OP_RECIP: *r = 1 / a; return true;
    case GRAPH_OP_SQRT: *r = sqrt(a); return true;
    case GRAPH_OP_CBRT: *r = cbrt(a); return true;
    case GRAPH_OP_EXP: *r = exp(a); return true;
    case GRAPH_OP_EXP2: *r = exp2(a); return true;
    case GRAPH_OP_EXPM1: *r = expm1(a); return true;
    case GRAPH_OP_LOG: *r = log(a); return true;
    case GRAPH_OP_LOG2: *r = log2(a); return true;
    case GRAPH_OP_LOG10: *r = log10(a); return true;
    case GRAPH_OP_LOG1P: *r = log1p(a); return true;
    case GRAPH_OP_SIN: *r = sin(a); return true;
    case GRAPH_OP_COS: *r = cos(a); return true;
    case GRAPH_OP_TAN: *r = tan(a); return true;
    case GRAPH_OP_ASIN: *r = asin(a); return true;
    case GRAPH_OP_ACOS: *r = acos(a); return true;
    case GRAPH_OP_ATAN: *r = atan(a); return true;
    case GRAPH_OP_SINH: *r = sinh(a); return true;
    case GRAPH_OP_COSH: *r = cosh(a); return true;
    case GRAPH_OP_TANH: *r = tanh(a); return true;
    case GRAPH_OP_ASINH: *r = asinh(a); return true;
    case GRAPH_OP_ACOSH: *r = acosh(a); return true;
    case GRAPH_OP_ATANH: *r = atanh(a); return true;
    case GRAPH_OP_SIGMOID: *r = sigmoid(a); return true;
    case GRAPH_OP_FLOOR: *r = floor(a); return true;
    case GRAPH_OP_CEIL: *r = ceil(a); return true;
    case GRAPH_OP_TRUNC: *r = trunc(a); return true;
    case GRAPH_OP_RINT: *r = nearbyint(a); return true;
    case GRAPH_OP_ADD: *r = a + b; return true;
    case GRAPH_OP_SUB: *r = a - b; return true;
    case GRAPH_OP_MUL: *r = a * b; return true;
    case GRAPH_OP_DIV: *r = a / b; return true;
    case GRAPH_OP_FLOORDIV: *r = fdivmod(a, b, false); return true;
    case GRAPH_OP_MOD: *r = fdivmod(a, b, true); return true;
    case GRAPH_OP_POW: *r = pow(a, b); return true;
    case GRAPH_OP_MAX: *r = isnan(a) || isnan(b) ? NAN : a > b ? a : b; return true;
    case GRAPH_OP_MIN: *r = isnan(a) || isnan(b) ? NAN : a < b ? a : b; return true;
    case GRAPH_OP_FMAX: *r = fmax(a, b); return true;
    case GRAPH_OP_FMIN: *r = fmin(a, b); return true;
    case GRAPH_OP_ATAN2: *r = atan2(a, b); return true;
    case GRAPH_OP_HYPOT: *r = hypot(a, b); return true;
    case GRAPH_OP_LOGADDEXP: *r = logaddexp(a, b); return true;
    case GRAPH_OP_COPYSIGN: *r = copysign(a, b); return true;
    default: return false;
    }
}

static bool fold_int(graph_op op, int64_t a, int64_t b, int64_t *r)
{
    uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
    switch (op) {
    case GRAPH_OP_NEG: *r = (int64_t)(0 - ua); return true;
    case GRAPH_OP_ABS: *r = a < 0 ? (int64_t)(0 - ua) : a; return true;
    case GRAPH_OP_SIGN: *r = (a > 0) - (a < 0); return true;
    case GRAPH_OP_SQUARE: *r = (int64_t)(ua * ua); return true;
    case GRAPH_OP_ADD: *r = (int64_t)(ua + ub); return true;
    case GRAPH_OP_SUB: *r = (int64_t)(ua - ub); return true;
    case GRAPH_OP_MUL: *r = (int64_t)(ua * ub); return true;
    case GRAPH_OP_FLOORDIV: *r = idivmod(a, b, false); return true;
    case GRAPH_OP_MOD: *r = idivmod(a, b, true); return true;
    case GRAPH_OP_MAX: case GRAPH_OP_FMAX: *r = a > b ? a : b; return true;
    case GRAPH_OP_MIN: case GRAPH_OP_FMIN: *r = a < b ? a : b; return true;
    case GRAPH_OP_BAND: *r = a & b; return true;
    case GRAPH_OP_BOR: *r = a | b; return true;
    case GRAPH_OP_BXOR: *r = a ^ b; return true;
    case GRAPH_OP_INVERT: *r = ~a; return true;
    default: return false;
    }
}

/* Shift with the operand's width. */
static int64_t fold_shift(bool left, int64_t a, int64_t b, int bits)
{
    if ((uint64_t)b >= (uint64_t)bits)
        return left ? 0 : (a < 0 ? -1 : 0);
    return left ? (int64_t)((uint64_t)a << b) : a >> b;
}

static graph_scalar cast_value(graph_scalar v, loom_dtype from, loom_dtype to)
{
    graph_scalar r;
    bool ff = graph_is_float(from), tf = graph_is_float(to);
    if (to == LOOM_BOOL) {
        r.i = ff ? v.f != 0 || isnan(v.f) : v.i != 0;
    } else if (ff && !tf) {
        double lim = to == LOOM_INT32 ? 2147483648.0 : 9223372036854775808.0;
        r.i = (v.f >= -lim && v.f < lim) ? (int64_t)v.f
                                        : (to == LOOM_INT32 ? INT32_MIN : INT64_MIN);
        r.i = wrap(r.i, to);
    } else if (!ff && tf) {
        r.f = to == LOOM_FLOAT32 ? (float)v.i : (double)v.i;
    } else if (ff) {
        r.f = to == LOOM_FLOAT32 ? (float)v.f : v.f;
    } else {
        r.i = wrap(v.i, to);
    }
    return r;
}

static bool compare(graph_op op, double a, double b)
{
    switch (op) {
    case GRAPH_OP_EQ: return a == b;
    case GRAPH_OP_NE: return a != b;
    case GRAPH_OP_LT: return a < b;
    case GRAPH_OP_LE: return a <= b;
    case GRAPH_OP_GT: return a > b;
    default: return a >= b;
    }
}

static bool compare_i(graph_op op, int64_t a, int64_t b)
{
    switch (op) {
    case GRAPH_OP_EQ: return a == b;
    case GRAPH_OP_NE: return a != b;
    case GRAPH_OP_LT: return a < b;
    case GRAPH_OP_LE: return a <= b;
    case GRAPH_OP_GT: return a > b;
    default: return a >= b;
    }
}

/*
 * The value of elementwise op (result dtype rt) on constant inputs v of
 * dtype it (all inputs share it, except WHERE's condition).  Returns false
 * if op cannot be folded (the caller keeps the node).
 */
bool graph_fold(graph_op op, loom_dtype rt, loom_dtype it,
                const graph_scalar *v, int n, graph_scalar *out)
{
    bool fl = graph_is_float(it);
    graph_scalar b = n > 1 ? v[1] : (graph_scalar){0};
    if (op == GRAPH_OP_CAST) {
        *out = cast_value(v[0], it, rt);
        return true;
    }
    if (op == GRAPH_OP_COPY) {
        *out = v[0];
        return true;
    }
    if (op == GRAPH_OP_WHERE) {
        *out = v[0].i ? v[1] : v[2];
        return true;
    }
    if (graph_ops[op].rule == GRAPH_RULE_CMP) {
        out->i = fl ? compare(op, v[0].f, b.f) : compare_i(op, v[0].i, b.i);
        return true;
    }
    switch (op) {
    case GRAPH_OP_ISNAN: out->i = fl && isnan(v[0].f); return true;
    case GRAPH_OP_ISINF: out->i = fl && isinf(v[0].f); return true;
    case GRAPH_OP_ISFINITE: out->i = !fl || isfinite(v[0].f); return true;
    case GRAPH_OP_SIGNBIT: out->i = fl ? signbit(v[0].f) != 0 : v[0].i < 0; return true;
    case GRAPH_OP_NOT: out->i = !v[0].i; return true;
    case GRAPH_OP_AND: out->i = v[0].i && b.i; return true;
    case GRAPH_OP_OR: out->i = v[0].i || b.i; return true;
    case GRAPH_OP_XOR: out->i = (v[0].i != 0) != (b.i != 0); return true;
    default: break;
    }
    if (fl) {
        double r;
        if (!fold_float(op, v[0].f, b.f, &r))
            return false;
        out->f = rt == LOOM_FLOAT32 ? (float)r : r;
        return true;
    }
    if (it == LOOM_BOOL) {
        switch (op) {
        case GRAPH_OP_ADD: case GRAPH_OP_MAX: case GRAPH_OP_FMAX:
        case GRAPH_OP_BOR: out->i = v[0].i | b.i; return true;
        case GRAPH_OP_MUL: case GRAPH_OP_MIN: case GRAPH_OP_FMIN:
        case GRAPH_OP_BAND: out->i = v[0].i & b.i; return true;
        case GRAPH_OP_BXOR: out->i = v[0].i ^ b.i; return true;
        case GRAPH_OP_ABS: out->i = v[0].i; return true;
        default: return false;
        }
    }
    int bits = it == LOOM_INT32 ? 32 : 64;
    int64_t r;
    if (op == GRAPH_OP_SHL || op == GRAPH_OP_SHR)
        r = fold_shift(op == GRAPH_OP_SHL, v[0].i, b.i, bits);
    else if (op == GRAPH_OP_RECIP)
        r = v[0].i == 0 ? (bits == 32 ? INT32_MIN : INT64_MIN)
                        : (v[0].i == 1 || v[0].i == -1) ? v[0].i : 0;
    else if (op == GRAPH_OP_POW) {
        uint64_t acc = 1, x = (uint64_t)v[0].i;
        int64_t e = b.i;
        if (e < 0)
            return false; /* left to the kernel's rule */
        for (; e; e >>= 1, x *= x)
            if (e & 1)
                acc *= x;
        r = (int64_t)acc;
    } else if (!fold_int(op, v[0].i, b.i, &r))
        return false;
    out->i = wrap(r, rt);
    return true;
}
