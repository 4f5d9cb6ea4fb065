/*
 * build_elem.c -- builders of elementwise nodes: NumPy's broadcasting and
 * dtype rules (the RULE column of ops.def), scalars, casts, and the public
 * loom_<ufunc> functions.
 *
 * Invariant established here: every ELEM node's inputs have exactly the
 * node's shape.  Broadcasting is made explicit with RESHAPE (to align
 * ranks) and EXPAND nodes, so later stages never broadcast implicitly.
 */
#include "graph/graph.h"

#include <math.h>
#include <string.h>

/* ---- constants and casts ---- */

loom_array *graph_const(loom_ctx *ctx, loom_dtype t, graph_scalar v,
                        bool weak)
{
    graph_tmpl tm;
    graph_tmpl_init(&tm, GRAPH_OP_CONST, t, 0, NULL);
    if (t == LOOM_BOOL)
        v.i = v.i != 0;
    else if (t == LOOM_INT32)
        v.i = (int32_t)v.i;
    else if (t == LOOM_FLOAT32)
        v.f = (float)v.f;
    tm.value = v;
    tm.flags = weak ? GRAPH_WEAK : 0;
    return graph_intern(ctx, &tm);
}

loom_array *graph_const_f(loom_ctx *ctx, loom_dtype t, double v)
{
    graph_scalar s;
    if (graph_is_float(t))
        s.f = v;
    else
        s.i = (int64_t)v;
    return graph_const(ctx, t, s, false);
}

/* Converts a constant's value between dtypes with C (x86) semantics:
 * float -> int truncates; NaN and out-of-range floats give INT_MIN. */
static graph_scalar convert(graph_scalar v, loom_dtype from, loom_dtype to)
{
    graph_scalar r;
    if (graph_is_float(from) && !graph_is_float(to)) {
        double f = v.f;
        if (to == LOOM_BOOL)
            r.i = f != 0;
        else if (to == LOOM_INT32)
            r.i = (f >= -2147483648.0 && f < 2147483648.0) ? (int32_t)f
                                                            : INT32_MIN;
        else
            r.i = (f >= -9223372036854775808.0 && f < 9223372036854775808.0)
                      ? (int64_t)f
                      : INT64_MIN;
    } else if (!graph_is_float(from) && graph_is_float(to)) {
        r.f = (double)v.i;
    } else {
        r = v;
    }
    return r;
}

loom_array *graph_cast(loom_array *a, loom_dtype t)
{
    if (a->op == GRAPH_OP_ERROR)
        return a;
    bool weak = a->flags & GRAPH_WEAK;
    if (a->dtype == t && !weak)
        return a;
    if (a->op == GRAPH_OP_CONST)
        return graph_const(a->ctx, t, convert(a->value, a->dtype, t), false);
    if (a->dtype == t)
        return a;
    graph_tmpl tm;
    graph_tmpl_init(&tm, GRAPH_OP_CAST, t, a->ndim, a->shape);
    tm.nin = 1;
    tm.in = &a;
    return graph_intern(a->ctx, &tm);
}

/* ---- broadcasting ---- */

loom_array *graph_broadcast(loom_array *a, int ndim, const int64_t *shape)
{
    if (a->op == GRAPH_OP_ERROR)
        return a;
    if (a->ndim == ndim &&
        !memcmp(a->shape, shape, (size_t)ndim * sizeof(int64_t)))
        return a;
    loom_ctx *ctx = a->ctx;
    if (a->ndim < ndim) {
        int64_t s[LOOM_MAX_DIMS];
        int pad = ndim - a->ndim;
        for (int i = 0; i < ndim; i++)
            s[i] = i < pad ? 1 : a->shape[i - pad];
        graph_tmpl tm;
        graph_tmpl_init(&tm, GRAPH_OP_RESHAPE, a->dtype, ndim, s);
        tm.flags = a->flags & GRAPH_WEAK;
        tm.nin = 1;
        tm.in = &a;
        a = graph_intern(ctx, &tm);
        if (!memcmp(s, shape, (size_t)ndim * sizeof(int64_t)))
            return a;
    }
    graph_tmpl tm;
    graph_tmpl_init(&tm, GRAPH_OP_EXPAND, a->dtype, ndim, shape);
    tm.flags = a->flags & GRAPH_WEAK;
    tm.nin = 1;
    tm.in = &a;
    return graph_intern(ctx, &tm);
}

/* ---- dtype rules ---- */

static loom_array *type_error(loom_ctx *ctx, graph_op op)
{
    return graph_poison(ctx, LOOM_ERR_TYPE,
                        "ufunc '%s' not supported for the input types, and "
                        "the inputs could not be safely coerced to any "
                        "supported types according to the casting rule "
                        "''safe''",
                        graph_op_npname(op));
}

/* NumPy computes these in float16 / int8, which loom does not have. */
static loom_array *small_type_error(loom_ctx *ctx, graph_op op,
                                    const char *np_dtype)
{
    return graph_poison(ctx, LOOM_ERR_TYPE,
                        "%s: NumPy computes this on bool input in %s, which "
                        "loom does not have; cast the input with astype first",
                        graph_op_npname(op), np_dtype);
}

/*
 * Picks the dtype in which op computes (*cdt) and its result dtype (*rdt)
 * for operand dtype t (already promoted across operands).  Returns NULL or
 * a poisoned array explaining why op does not take t.
 */
static loom_array *apply_rule(loom_ctx *ctx, graph_op op, loom_dtype t,
                              loom_dtype *cdt, loom_dtype *rdt)
{
    *cdt = *rdt = t;
    switch (graph_ops[op].rule) {
    case GRAPH_RULE_ARITH:
    case GRAPH_RULE_SAME:
    case GRAPH_RULE_NONE:
        if (op == GRAPH_OP_SUB && t == LOOM_BOOL)
            return graph_poison(ctx, LOOM_ERR_TYPE,
                                "numpy boolean subtract, the `-` operator, "
                                "is not supported, use the bitwise_xor, the "
                                "`^` operator, or the logical_xor function "
                                "instead.");
        return NULL;
    case GRAPH_RULE_TDIV:
        if (!graph_is_float(t))
            *cdt = *rdt = LOOM_FLOAT64;
        return NULL;
    case GRAPH_RULE_INTLIKE:
        return t == LOOM_BOOL ? small_type_error(ctx, op, "int8") : NULL;
    case GRAPH_RULE_FLOAT:
        if (t == LOOM_BOOL)
            return small_type_error(ctx, op, "float16");
        if (!graph_is_float(t))
            *cdt = *rdt = LOOM_FLOAT64;
        return NULL;
    case GRAPH_RULE_PRED:
    case GRAPH_RULE_CMP:
        *rdt = LOOM_BOOL;
        return NULL;
    case GRAPH_RULE_LOGIC:
        *cdt = *rdt = LOOM_BOOL;
        return NULL;
    case GRAPH_RULE_BITS:
        return graph_is_float(t) ? type_error(ctx, op) : NULL;
    case GRAPH_RULE_SHIFT:
        return graph_is_int(t) ? NULL : type_error(ctx, op);
    case GRAPH_RULE_NOBOOL:
        if (t != LOOM_BOOL)
            return NULL;
        if (op == GRAPH_OP_NEG)
            return graph_poison(ctx, LOOM_ERR_TYPE,
                                "The numpy boolean negative, the `-` "
                                "operator, is not supported, use the `~` "
                                "operator or the logical_not function "
                                "instead.");
        return type_error(ctx, op);
    }
    return NULL;
}

/* Interns an elementwise node over same-shaped inputs. */
static loom_array *elem(graph_op op, loom_dtype rdt, int nin,
                        loom_array **in, bool weak)
{
    for (int i = 0; i < nin; i++)
        if (in[i]->op == GRAPH_OP_ERROR)
            return in[i];
    graph_tmpl tm;
    graph_tmpl_init(&tm, op, rdt, in[0]->ndim, in[0]->shape);
    tm.nin = nin;
    tm.in = in;
    tm.flags = weak ? GRAPH_WEAK : 0;
    return graph_intern(in[0]->ctx, &tm);
}

/* A truth value: a != 0 for numbers, a itself for bools. */
static loom_array *truth(loom_array *a)
{
    return graph_cast(a, LOOM_BOOL);
}

loom_array *graph_unary(graph_op op, loom_array *a)
{
    loom_ctx *ctx = a ? a->ctx : NULL;
    loom_array *bad = graph_check_inputs(ctx, graph_op_npname(op), 1, &a);
    if (bad)
        return bad;
    loom_dtype cdt, rdt;
    if ((bad = apply_rule(ctx, op, a->dtype, &cdt, &rdt)))
        return bad;
    /* results are strong, as np.exp(2.0) is an np.float64 */
    loom_array *x = op == GRAPH_OP_NOT ? truth(a) : graph_cast(a, cdt);
    return elem(op, rdt, 1, &x, false);
}

/*
 * The general n-ary builder: promotes the operands (weak scalars per NEP
 * 50), applies op's dtype rule, broadcasts all to a common shape and
 * interns the node.  The message for shapes that do not broadcast is
 * NumPy's.
 */
static loom_array *nary(graph_op op, int n, loom_array **in)
{
    loom_ctx *ctx = NULL;
    for (int i = 0; i < n && !ctx; i++)
        ctx = in[i] ? in[i]->ctx : NULL;
    loom_array *bad = graph_check_inputs(ctx, graph_op_npname(op), n, in);
    if (bad)
        return bad;
    int nd = 0;
    int64_t shape[LOOM_MAX_DIMS];
    bool ok = true;
    for (int i = 0; i < n && ok; i++)
        ok = graph_broadcast_shapes(nd, shape, in[i]->ndim, in[i]->shape,
                                    &nd, shape);
    if (!ok) {
        char msg[512], s[128];
        size_t k = 0;
        for (int i = 0; i < n; i++)
            k += (size_t)snprintf(msg + k, sizeof msg - k, "%s ",
                                  graph_shape_str(s, sizeof s, in[i]->ndim,
                                                  in[i]->shape));
        msg[k ? k - 1 : 0] = 0;
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "%s: operands could not be broadcast together "
                            "with shapes %s",
                            graph_op_npname(op), msg);
    }
    /* promotion over the value operands (WHERE's condition excluded) */
    int first = op == GRAPH_OP_WHERE ? 1 : 0;
    loom_array *acc = in[first];
    loom_dtype t = in[first]->dtype;
    bool weak = in[first]->flags & GRAPH_WEAK;
    for (int i = first + 1; i < n; i++) {
        /* a stand-in node carrying the running type and weakness */
        loom_array tmp = *acc;
        tmp.dtype = (uint8_t)t;
        tmp.flags = weak ? GRAPH_WEAK : 0;
        t = graph_result_type(&tmp, in[i]);
        weak = weak && (in[i]->flags & GRAPH_WEAK);
        acc = in[i];
    }
    loom_dtype cdt, rdt;
    if ((bad = apply_rule(ctx, op, t, &cdt, &rdt)))
        return bad;
    loom_array *x[3];
    for (int i = 0; i < n; i++) {
        bool logic = graph_ops[op].rule == GRAPH_RULE_LOGIC ||
                     (op == GRAPH_OP_WHERE && i == 0);
        x[i] = logic ? truth(in[i]) : graph_cast(in[i], cdt);
        x[i] = graph_broadcast(x[i], nd, shape);
    }
    return elem(op, rdt, n, x, weak && graph_ops[op].rule != GRAPH_RULE_CMP);
}

loom_array *graph_binary(graph_op op, loom_array *a, loom_array *b)
{
    loom_array *in[2] = {a, b};
    return nary(op, 2, in);
}

/* ---- public elementwise API ---- */

#define UNARY(fn, OP) \
    loom_array *loom_##fn(loom_array *a) { return graph_unary(GRAPH_OP_##OP, a); }
#define BINARY(fn, OP)                                    \
    loom_array *loom_##fn(loom_array *a, loom_array *b) \
    {                                                     \
        return graph_binary(GRAPH_OP_##OP, a, b);         \
    }

BINARY(add, ADD)
BINARY(subtract, SUB)
BINARY(multiply, MUL)
BINARY(divide, DIV)
BINARY(floor_divide, FLOORDIV)
BINARY(mod, MOD)
BINARY(maximum, MAX)
BINARY(minimum, MIN)
BINARY(fmax, FMAX)
BINARY(fmin, FMIN)
BINARY(arctan2, ATAN2)
BINARY(hypot, HYPOT)
BINARY(logaddexp, LOGADDEXP)
BINARY(copysign, COPYSIGN)
BINARY(equal, EQ)
BINARY(not_equal, NE)
BINARY(less, LT)
BINARY(less_equal, LE)
BINARY(greater, GT)
BINARY(greater_equal, GE)
BINARY(logical_and, AND)
BINARY(logical_or, OR)
BINARY(logical_xor, XOR)
BINARY(bitwise_and, BAND)
BINARY(bitwise_or, BOR)
BINARY(bitwise_xor, BXOR)
BINARY(left_shift, SHL)
BINARY(right_shift, SHR)

UNARY(negative, NEG)
UNARY(abs, ABS)
UNARY(sign, SIGN)
UNARY(square, SQUARE)
UNARY(reciprocal, RECIP)
UNARY(sqrt, SQRT)
UNARY(cbrt, CBRT)
UNARY(exp, EXP)
UNARY(exp2, EXP2)
UNARY(expm1, EXPM1)
UNARY(log, LOG)
UNARY(log2, LOG2)
UNARY(log10, LOG10)
UNARY(log1p, LOG1P)
UNARY(sin, SIN)
UNARY(cos, COS)
UNARY(tan, TAN)
UNARY(arcsin, ASIN)
UNARY(arccos, ACOS)
UNARY(arctan, ATAN)
UNARY(sinh, SINH)
UNARY(cosh, COSH)
UNARY(tanh, TANH)
UNARY(arcsinh, ASINH)
UNARY(arccosh, ACOSH)
UNARY(arctanh, ATANH)
UNARY(floor, FLOOR)
UNARY(ceil, CEIL)
UNARY(trunc, TRUNC)
UNARY(rint, RINT)
UNARY(isnan, ISNAN)
UNARY(isinf, ISINF)
UNARY(isfinite, ISFINITE)
UNARY(signbit, SIGNBIT)
UNARY(logical_not, NOT)
UNARY(sigmoid, SIGMOID)

loom_array *loom_positive(loom_array *a)
{
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, "positive", 1, &a);
    if (bad)
        return bad;
    if (a->dtype == LOOM_BOOL)
        return type_error(a->ctx, GRAPH_OP_ADD);
    return graph_push(a->ctx, a);
}

loom_array *loom_invert(loom_array *a)
{
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, "invert", 1, &a);
    if (bad)
        return bad;
    if (a->dtype == LOOM_BOOL)
        return graph_unary(GRAPH_OP_NOT, a);
    return graph_unary(GRAPH_OP_INVERT, a);
}

/*
 * power: an integer base with a negative integer exponent is an error
 * NumPy raises; loom can only see it when the exponent is a constant.
 */
loom_array *loom_power(loom_array *a, loom_array *b)
{
    if (a && b && a->op != GRAPH_OP_ERROR && b->op == GRAPH_OP_CONST &&
        !graph_is_float(b->dtype) && b->value.i < 0 &&
        !graph_is_float(a->dtype) && !(a->flags & GRAPH_WEAK))
        return graph_poison(a->ctx, LOOM_ERR_VALUE,
                            "Integers to negative integer powers are not "
                            "allowed.");
    return graph_binary(GRAPH_OP_POW, a, b);
}

loom_array *loom_where(loom_array *cond, loom_array *x, loom_array *y)
{
    loom_array *in[3] = {cond, x, y};
    return nary(GRAPH_OP_WHERE, 3, in);
}

/* clip(a, lo, hi) = minimum(maximum(a, lo), hi), NumPy's definition. */
loom_array *loom_clip(loom_array *a, loom_array *lo, loom_array *hi)
{
    loom_ctx *ctx = a ? a->ctx : NULL;
    loom_array *bad = graph_check_inputs(ctx, "clip", 1, &a);
    if (bad)
        return bad;
    if (!lo && !hi)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "One of max or min must be given");
    loom_array *r = a;
    if (lo)
        r = loom_maximum(r, lo);
    if (hi)
        r = loom_minimum(r, hi);
    return r;
}

loom_array *loom_round(loom_array *a, int decimals)
{
    if (!a || a->op == GRAPH_OP_ERROR || decimals == 0 ||
        !graph_is_float(a->dtype)) {
        if (a && !graph_is_float(a->dtype) && a->op != GRAPH_OP_ERROR &&
            decimals >= 0)
            return graph_push(a->ctx, a); /* integers round to themselves */
        return decimals == 0 ? loom_rint(a)
                             : graph_poison(a ? a->ctx : NULL, LOOM_ERR_VALUE,
                                            "round: negative decimals on "
                                            "integers are not supported");
    }
    /* NumPy's method: scale, round half to even, unscale */
    double f = pow(10.0, decimals < 0 ? -decimals : decimals);
    loom_array *s = loom_scalar(a->ctx, f);
    if (decimals > 0)
        return loom_divide(loom_rint(loom_multiply(a, s)), s);
    return loom_multiply(loom_rint(loom_divide(a, s)), s);
}

/* nan_to_num: NaN -> nan, +inf -> posinf, -inf -> neginf (defaults: the
 * dtype's extreme finite values); integers and bools pass through. */
loom_array *loom_nan_to_num(loom_array *a, double nan, double posinf,
                            double neginf)
{
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, "nan_to_num", 1, &a);
    if (bad)
        return bad;
    loom_ctx *ctx = a->ctx;
    if (!graph_is_float(a->dtype))
        return graph_push(ctx, a);
    double big = a->dtype == LOOM_FLOAT32 ? 3.4028234663852886e38
                                          : 1.7976931348623157e308;
    if (isnan(posinf))
        posinf = big;
    if (isnan(neginf))
        neginf = -big;
    loom_array *r =
        loom_where(loom_isnan(a), graph_const_f(ctx, a->dtype, nan), a);
    loom_array *inf = loom_isinf(a);
    loom_array *pos = loom_logical_and(inf, loom_greater(a, loom_scalar(ctx, 0)));
    loom_array *neg = loom_logical_and(inf, loom_less(a, loom_scalar(ctx, 0)));
    r = loom_where(pos, graph_const_f(ctx, a->dtype, posinf), r);
    return loom_where(neg, graph_const_f(ctx, a->dtype, neginf), r);
}

loom_array *loom_astype(loom_array *a, loom_dtype t)
{
    loom_array *bad = graph_check_inputs(a ? a->ctx : NULL, "astype", 1, &a);
    if (bad)
        return bad;
    if ((unsigned)t >= LOOM_NDTYPES)
        return graph_poison(a->ctx, LOOM_ERR_TYPE,
                            "astype: invalid dtype %d", (int)t);
    return graph_push(a->ctx, graph_cast(a, t));
}

/* ---- scalars ---- */

loom_array *loom_scalar(loom_ctx *ctx, double v)
{
    if (!ctx)
        return graph_poison(NULL, LOOM_ERR_NULL, "NULL context");
    return graph_const(ctx, LOOM_FLOAT64, (graph_scalar){.f = v}, true);
}

loom_array *loom_scalar_int(loom_ctx *ctx, int64_t v)
{
    if (!ctx)
        return graph_poison(NULL, LOOM_ERR_NULL, "NULL context");
    return graph_const(ctx, LOOM_INT64, (graph_scalar){.i = v}, true);
}

loom_array *loom_scalar_bool(loom_ctx *ctx, bool v)
{
    if (!ctx)
        return graph_poison(NULL, LOOM_ERR_NULL, "NULL context");
    return graph_const(ctx, LOOM_BOOL, (graph_scalar){.i = v}, true);
}

loom_array *loom_scalar_typed(loom_ctx *ctx, double v, loom_dtype t)
{
    if (!ctx)
        return graph_poison(NULL, LOOM_ERR_NULL, "NULL context");
    if ((unsigned)t >= LOOM_NDTYPES)
        return graph_poison(ctx, LOOM_ERR_TYPE, "invalid dtype %d", (int)t);
    return graph_const_f(ctx, t, v);
}
