/*
 * dtype.c -- dtypes and NumPy's promotion rules, with weak scalars.
 *
 * Promotion of two strong operands follows NumPy's table (int32 + float32 ->
 * float64).  A weak operand (a Python-like scalar) adopts the other
 * operand's dtype when its kind (bool < integer < floating) is not higher;
 * otherwise the result is the default dtype of the weak operand's kind
 * (int64, float64) -- NEP 50.  One departure, matching the NumPy this
 * project tests against (1.24): a weak integer that does not fit an int32
 * operand promotes the result to int64 instead of raising.
 */
#include "graph/graph.h"

#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    size_t size;
} dtypes[LOOM_NDTYPES] = {
    [LOOM_BOOL] = {"bool", 1},
    [LOOM_INT32] = {"int32", 4},
    [LOOM_INT64] = {"int64", 8},
    [LOOM_FLOAT32] = {"float32", 4},
    [LOOM_FLOAT64] = {"float64", 8},
};

const char *loom_dtype_name(loom_dtype t)
{
    return (unsigned)t < LOOM_NDTYPES ? dtypes[t].name : "invalid";
}

size_t loom_dtype_size(loom_dtype t)
{
    return (unsigned)t < LOOM_NDTYPES ? dtypes[t].size : 0;
}

loom_dtype loom_dtype_parse(const char *name)
{
    static const struct {
        const char *s;
        loom_dtype t;
    } names[] = {
        {"bool", LOOM_BOOL},       {"bool_", LOOM_BOOL},
        {"?", LOOM_BOOL},          {"b1", LOOM_BOOL},
        {"int32", LOOM_INT32},     {"i4", LOOM_INT32},
        {"intc", LOOM_INT32},      {"int64", LOOM_INT64},
        {"i8", LOOM_INT64},        {"int", LOOM_INT64},
        {"int_", LOOM_INT64},      {"intp", LOOM_INT64},
        {"float32", LOOM_FLOAT32}, {"f4", LOOM_FLOAT32},
        {"single", LOOM_FLOAT32},  {"float64", LOOM_FLOAT64},
        {"f8", LOOM_FLOAT64},      {"float", LOOM_FLOAT64},
        {"double", LOOM_FLOAT64},  {"float_", LOOM_FLOAT64},
    };
    if (!name)
        return LOOM_DEFAULT_DTYPE;
    if (name[0] == '<' || name[0] == '=' || name[0] == '|')
        name++;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!strcmp(name, names[i].s))
            return names[i].t;
    return LOOM_DEFAULT_DTYPE;
}

bool graph_is_float(loom_dtype t)
{
    return t == LOOM_FLOAT32 || t == LOOM_FLOAT64;
}

bool graph_is_int(loom_dtype t)
{
    return t == LOOM_INT32 || t == LOOM_INT64;
}

static int kind(loom_dtype t)
{
    return t == LOOM_BOOL ? 0 : graph_is_int(t) ? 1 : 2;
}

loom_dtype loom_promote(loom_dtype a, loom_dtype b)
{
    if (a == b)
        return a;
    if ((unsigned)a >= LOOM_NDTYPES || (unsigned)b >= LOOM_NDTYPES)
        return LOOM_DEFAULT_DTYPE;
    if (a > b) {
        loom_dtype t = a;
        a = b;
        b = t;
    }
    /* now a < b in enum order bool, int32, int64, float32, float64 */
    if (a == LOOM_BOOL)
        return b;
    if (graph_is_int(a) && b == LOOM_FLOAT32)
        return LOOM_FLOAT64;
    return b;
}

static loom_dtype kind_default(int k)
{
    return k == 0 ? LOOM_BOOL : k == 1 ? LOOM_INT64 : LOOM_FLOAT64;
}

/* Whether weak integer constant w fits strong integer dtype t. */
static bool weak_int_fits(const loom_array *w, loom_dtype t)
{
    if (w->op != GRAPH_OP_CONST || t != LOOM_INT32)
        return true;
    return w->value.i >= INT32_MIN && w->value.i <= INT32_MAX;
}

loom_dtype graph_result_type(const loom_array *a, const loom_array *b)
{
    bool wa = a->flags & GRAPH_WEAK, wb = b->flags & GRAPH_WEAK;
    loom_dtype ta = a->dtype, tb = b->dtype;
    if (wa == wb) {
        loom_dtype t = loom_promote(ta, tb);
        return wa ? kind_default(kind(t)) : t;
    }
    const loom_array *w = wa ? a : b;
    loom_dtype ts = wa ? tb : ta, tw = wa ? ta : tb;
    if (kind(tw) > kind(ts))
        return kind_default(kind(tw));
    if (kind(tw) == 1 && kind(ts) == 1 && !weak_int_fits(w, ts))
        return LOOM_INT64;
    return ts;
}
