/*
 * value.c -- utilities of the script front end (strings, errors,
 * allocation), script values and Python scalar arithmetic.
 */
#include "tools/script.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- allocation: the CLI gives up on out-of-memory ---- */

static void oom(void) {
    fputs("loom: out of memory\n", stderr);
    exit(70);
}

void *scr_xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *scr_xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *scr_xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom();
    return q;
}

char *scr_xstrdup(const char *s) { return scr_xstrndup(s, strlen(s)); }

char *scr_xstrndup(const char *s, size_t n) {
    char *d = scr_xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

/* ---- errors ---- */

void scr_error_set(scr_error *e, int line, int col, const char *fmt, ...) {
    if (!e)
        return;
    e->line = line;
    e->col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
}

/* ---- growable strings ---- */

static void buf_grow(scr_buf *b, size_t extra) {
    if (b->n + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->n + extra + 1)
        cap *= 2;
    b->s = scr_xrealloc(b->s, cap);
    b->cap = cap;
}

void scr_buf_putn(scr_buf *b, const char *s, size_t n) {
    buf_grow(b, n);
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = 0;
}

void scr_buf_putc(scr_buf *b, char c) { scr_buf_putn(b, &c, 1); }
void scr_buf_puts(scr_buf *b, const char *s) { scr_buf_putn(b, s, strlen(s)); }

void scr_buf_printf(scr_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof tmp) {
        scr_buf_putn(b, tmp, (size_t)n);
        return;
    }
    buf_grow(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->s + b->n, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)n;
}

void scr_buf_pad(scr_buf *b, char c, int n) {
    if (n <= 0)
        return;
    buf_grow(b, (size_t)n);
    memset(b->s + b->n, c, (size_t)n);
    b->n += (size_t)n;
    b->s[b->n] = 0;
}

void scr_buf_free(scr_buf *b) {
    free(b->s);
    b->s = NULL;
    b->n = b->cap = 0;
}

char *scr_buf_take(scr_buf *b) {
    char *s = b->s ? b->s : scr_xstrdup("");
    b->s = NULL;
    b->n = b->cap = 0;
    return s;
}

/* ---- values ---- */

const scr_value scr_none = {SCR_V_NONE, {0}};

static scr_obj *obj_new(scr_vkind k, size_t size) {
    scr_obj *o = scr_xcalloc(1, size);
    o->refs = 1;
    o->k = k;
    return o;
}

static bool is_obj(scr_vkind k) {
    switch (k) {
    case SCR_V_STR:
    case SCR_V_TUPLE:
    case SCR_V_LIST:
    case SCR_V_SLICE:
    case SCR_V_RANGE:
    case SCR_V_ARRAY:
    case SCR_V_RNG:
    case SCR_V_METHOD:
    case SCR_V_UFUNC_AT:
        return true;
    default:
        return false;
    }
}

scr_value scr_ref(scr_value v) {
    if (is_obj(v.k))
        v.u.o->refs++;
    return v;
}

/* Drops a reference; frees the object and what it holds at zero.  Arrays
 * and generators belong to the loom context (scopes), so only the box
 * goes. */
void scr_unref(scr_value v) {
    if (!is_obj(v.k))
        return;
    scr_obj *o = v.u.o;
    if (--o->refs > 0)
        return;
    switch (o->k) {
    case SCR_V_TUPLE:
    case SCR_V_LIST: {
        scr_seq *s = (scr_seq *)o;
        for (int i = 0; i < s->n; i++)
            scr_unref(s->v[i]);
        free(s->v);
        break;
    }
    case SCR_V_SLICE: {
        scr_slice *s = (scr_slice *)o;
        scr_unref(s->start);
        scr_unref(s->stop);
        scr_unref(s->step);
        break;
    }
    case SCR_V_METHOD:
    case SCR_V_UFUNC_AT:
        scr_unref(((scr_method *)o)->self);
        break;
    default:
        break;
    }
    free(o);
}

scr_value scr_bool(bool b) {
    scr_value v = {SCR_V_BOOL, {.b = b}};
    return v;
}

scr_value scr_int(int64_t i) {
    scr_value v = {SCR_V_INT, {.i = i}};
    return v;
}

scr_value scr_float(double f) {
    scr_value v = {SCR_V_FLOAT, {.f = f}};
    return v;
}

scr_value scr_str_new(const char *s, size_t len) {
    scr_str *o = (scr_str *)obj_new(SCR_V_STR, sizeof(scr_str) + len + 1);
    memcpy(o->s, s, len);
    o->s[len] = 0;
    o->len = len;
    scr_value v = {SCR_V_STR, {.o = &o->h}};
    return v;
}

scr_value scr_seq_new(scr_vkind k, int n) {
    scr_seq *o = (scr_seq *)obj_new(k, sizeof(scr_seq));
    o->n = o->cap = n;
    o->v = scr_xmalloc((size_t)(n ? n : 1) * sizeof(scr_value));
    for (int i = 0; i < n; i++)
        o->v[i] = scr_none;
    scr_value v = {k, {.o = &o->h}};
    return v;
}

void scr_list_append(scr_value list, scr_value item) {
    scr_seq *s = scr_seq_of(list);
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 4;
        s->v = scr_xrealloc(s->v, (size_t)s->cap * sizeof(scr_value));
    }
    s->v[s->n++] = item;
}

scr_value scr_array_new(loom_array *a) {
    scr_abox *o = (scr_abox *)obj_new(SCR_V_ARRAY, sizeof(scr_abox));
    o->a = a;
    scr_value v = {SCR_V_ARRAY, {.o = &o->h}};
    return v;
}

void scr_box_set(scr_value target, loom_array *a) {
    if (target.k == SCR_V_ARRAY)
        ((scr_abox *)target.u.o)->a = a;
}

const char *scr_type_name(scr_value v) {
    switch (v.k) {
    case SCR_V_NONE: return "NoneType";
    case SCR_V_BOOL: return "bool";
    case SCR_V_INT: return "int";
    case SCR_V_FLOAT: return "float";
    case SCR_V_STR: return "str";
    case SCR_V_TUPLE: return "tuple";
    case SCR_V_LIST: return "list";
    case SCR_V_SLICE: return "slice";
    case SCR_V_ELLIPSIS: return "ellipsis";
    case SCR_V_RANGE: return "range";
    case SCR_V_INDEX_EXP: return "numpy.lib.index_tricks.IndexExpression";
    case SCR_V_ARRAY: {
        loom_array *a = scr_arr(v);
        if (loom_ndim(a) == 0) {
            static const char *const n[] = {"numpy.bool_", "numpy.int32",
                                            "numpy.int64", "numpy.float32",
                                            "numpy.float64"};
            loom_dtype t = loom_dtype_of(a);
            return (unsigned)t < 5 ? n[t] : "numpy.ndarray";
        }
        return "numpy.ndarray";
    }
    case SCR_V_DTYPE: return v.u.dt & SCR_DT_TYPE ? "type" : "numpy.dtype";
    case SCR_V_RNG: return "numpy.random.Generator";
    case SCR_V_MODULE: return "module";
    case SCR_V_FUNC: return "builtin_function_or_method";
    case SCR_V_METHOD: return "method";
    case SCR_V_UFUNC_AT: return "method";
    }
    return "object";
}

/* ---- Python scalar arithmetic ---- */

double scr_pyscalar_float(scr_value v) {
    switch (v.k) {
    case SCR_V_BOOL: return v.u.b ? 1.0 : 0.0;
    case SCR_V_INT: return (double)v.u.i;
    case SCR_V_FLOAT: return v.u.f;
    default: return NAN;
    }
}

static int64_t as_i(scr_value v) {
    return v.k == SCR_V_BOOL ? (int64_t)v.u.b : v.u.i;
}

static int err(char *msg, size_t n, const char *text) {
    snprintf(msg, n, "%s", text);
    return -1;
}

static const char *OVERFLOW_MSG =
    "integer overflow: loom scripts' Python ints are 64-bit";

/* CPython's float floor division and modulo (sign of the divisor). */
static void float_divmod(double vx, double wx, double *floordiv,
                         double *mod) {
    double m = fmod(vx, wx);
    double div = (vx - m) / wx;
    if (m != 0.0) {
        if ((wx < 0) != (m < 0)) {
            m += wx;
            div -= 1.0;
        }
    } else {
        m = copysign(0.0, wx);
    }
    double fd;
    if (div != 0.0) {
        fd = floor(div);
        if (div - fd > 0.5)
            fd += 1.0;
    } else {
        fd = copysign(0.0, vx / wx);
    }
    *floordiv = fd;
    *mod = m;
}

static int int_pow(int64_t base, int64_t e, int64_t *out) {
    int64_t r = 1;
    while (e > 0) {
        if (e & 1) {
            if (__builtin_mul_overflow(r, base, &r))
                return -1;
        }
        e >>= 1;
        if (e > 0 && __builtin_mul_overflow(base, base, &base))
            return -1;
    }
    *out = r;
    return 0;
}

/* Mixed int/float comparison, exact as Python's. */
static int cmp_num(scr_value a, scr_value b) {
    if (a.k != SCR_V_FLOAT && b.k != SCR_V_FLOAT) {
        int64_t x = as_i(a), y = as_i(b);
        return x < y ? -1 : x > y;
    }
    if (a.k == SCR_V_FLOAT && b.k == SCR_V_FLOAT)
        return a.u.f < b.u.f ? -1 : a.u.f > b.u.f ? 1
                                 : a.u.f == b.u.f ? 0 : 2;
    /* one int, one float: compare exactly through long double where the
     * int fits; NaN is unordered */
    double f = a.k == SCR_V_FLOAT ? a.u.f : b.u.f;
    int64_t i = a.k == SCR_V_FLOAT ? as_i(b) : as_i(a);
    if (isnan(f))
        return 2;
    long double fi = (long double)i, ff = (long double)f;
    int c = fi < ff ? -1 : fi > ff;
    return a.k == SCR_V_FLOAT ? -c : c;
}

int scr_pyscalar_binop(scr_op op, scr_value a, scr_value b, scr_value *out,
                       char *msg, size_t msgsize) {
    bool fl = a.k == SCR_V_FLOAT || b.k == SCR_V_FLOAT;
    bool both_bool = a.k == SCR_V_BOOL && b.k == SCR_V_BOOL;
    switch (op) {
    case SCR_OP_LT: case SCR_OP_LE: case SCR_OP_GT: case SCR_OP_GE:
    case SCR_OP_EQ: case SCR_OP_NE: {
        int c = cmp_num(a, b);
        bool r;
        if (c == 2)
            r = op == SCR_OP_NE;
        else
            r = op == SCR_OP_LT ? c < 0 : op == SCR_OP_LE ? c <= 0
              : op == SCR_OP_GT ? c > 0 : op == SCR_OP_GE ? c >= 0
              : op == SCR_OP_EQ ? c == 0 : c != 0;
        *out = scr_bool(r);
        return 0;
    }
    case SCR_OP_IS: case SCR_OP_ISNOT: {
        bool same = a.k == b.k && (fl ? a.u.f == b.u.f : as_i(a) == as_i(b));
        *out = scr_bool(op == SCR_OP_IS ? same : !same);
        return 0;
    }
    case SCR_OP_AND: case SCR_OP_OR: case SCR_OP_XOR:
    case SCR_OP_LSHIFT: case SCR_OP_RSHIFT: {
        if (fl) {
            snprintf(msg, msgsize, "unsupported operand type(s) for %s: "
                                   "'%s' and '%s'", scr_op_text(op),
                     scr_type_name(a), scr_type_name(b));
            return -1;
        }
        int64_t x = as_i(a), y = as_i(b), r;
        switch (op) {
        case SCR_OP_AND: r = x & y; break;
        case SCR_OP_OR: r = x | y; break;
        case SCR_OP_XOR: r = x ^ y; break;
        case SCR_OP_LSHIFT:
            if (y < 0)
                return err(msg, msgsize, "negative shift count");
            /* x * 2**y without shifting a negative value (undefined) */
            if (y >= 63 || (x != 0 && (int64_t)((uint64_t)x << y) >> y != x))
                return x == 0 ? (*out = scr_int(0), 0)
                              : err(msg, msgsize, OVERFLOW_MSG);
            r = (int64_t)((uint64_t)x << y);
            break;
        default:
            if (y < 0)
                return err(msg, msgsize, "negative shift count");
            r = y >= 63 ? (x < 0 ? -1 : 0) : x >> y;
        }
        if (both_bool && op != SCR_OP_LSHIFT && op != SCR_OP_RSHIFT)
            *out = scr_bool(r != 0);
        else
            *out = scr_int(r);
        return 0;
    }
    case SCR_OP_MATMUL:
        snprintf(msg, msgsize, "unsupported operand type(s) for @: '%s' and "
                               "'%s'", scr_type_name(a), scr_type_name(b));
        return -1;
    default:
        break;
    }
    if (fl) {
        double x = scr_pyscalar_float(a), y = scr_pyscalar_float(b), r;
        switch (op) {
        case SCR_OP_ADD: r = x + y; break;
        case SCR_OP_SUB: r = x - y; break;
        case SCR_OP_MUL: r = x * y; break;
        case SCR_OP_DIV:
            if (y == 0.0)
                return err(msg, msgsize, "float division by zero");
            r = x / y;
            break;
        case SCR_OP_FLOORDIV:
        case SCR_OP_MOD: {
            if (y == 0.0)
                return err(msg, msgsize, op == SCR_OP_MOD ? "float modulo"
                                         : "float floor division by zero");
            double fd, m;
            float_divmod(x, y, &fd, &m);
            r = op == SCR_OP_MOD ? m : fd;
            break;
        }
        case SCR_OP_POW:
            if (x == 0.0 && y < 0.0)
                return err(msg, msgsize,
                           "0.0 cannot be raised to a negative power");
            if (x < 0.0 && y != floor(y) && isfinite(y))
                return err(msg, msgsize, "complex results (negative number "
                                         "to a fractional power) are not "
                                         "supported by loom scripts");
            r = pow(x, y);
            if (isinf(r) && isfinite(x) && isfinite(y))
                return err(msg, msgsize,
                           "(34, 'Numerical result out of range')");
            break;
        default:
            return err(msg, msgsize, "unsupported operator");
        }
        *out = scr_float(r);
        return 0;
    }
    int64_t x = as_i(a), y = as_i(b), r;
    switch (op) {
    case SCR_OP_ADD:
        if (__builtin_add_overflow(x, y, &r))
            return err(msg, msgsize, OVERFLOW_MSG);
        break;
    case SCR_OP_SUB:
        if (__builtin_sub_overflow(x, y, &r))
            return err(msg, msgsize, OVERFLOW_MSG);
        break;
    case SCR_OP_MUL:
        if (__builtin_mul_overflow(x, y, &r))
            return err(msg, msgsize, OVERFLOW_MSG);
        break;
    case SCR_OP_DIV:
        if (y == 0)
            return err(msg, msgsize, "division by zero");
        *out = scr_float((double)x / (double)y);
        return 0;
    case SCR_OP_FLOORDIV:
    case SCR_OP_MOD: {
        if (y == 0)
            return err(msg, msgsize, "integer division or modulo by zero");
        if (x == INT64_MIN && y == -1) {
            if (op == SCR_OP_FLOORDIV)
                return err(msg, msgsize, OVERFLOW_MSG);
            r = 0;
            break;
        }
        int64_t q = x / y, m = x % y;
        if (m != 0 && ((m < 0) != (y < 0))) {
            q -= 1;
            m += y;
        }
        r = op == SCR_OP_FLOORDIV ? q : m;
        break;
    }
    case SCR_OP_POW:
        if (y < 0) {
            if (x == 0)
                return err(msg, msgsize,
                           "0.0 cannot be raised to a negative power");
            *out = scr_float(pow((double)x, (double)y));
            return 0;
        }
        if (int_pow(x, y, &r) < 0)
            return err(msg, msgsize, OVERFLOW_MSG);
        break;
    default:
        return err(msg, msgsize, "unsupported operator");
    }
    *out = scr_int(r);
    return 0;
}

int scr_pyscalar_unop(scr_op op, scr_value a, scr_value *out, char *msg,
                      size_t msgsize) {
    if (a.k == SCR_V_FLOAT) {
        if (op == SCR_OP_INVERT) {
            snprintf(msg, msgsize, "bad operand type for unary ~: 'float'");
            return -1;
        }
        *out = scr_float(op == SCR_OP_NEG ? -a.u.f : a.u.f);
        return 0;
    }
    int64_t x = as_i(a);
    switch (op) {
    case SCR_OP_NEG:
        if (x == INT64_MIN)
            return err(msg, msgsize, OVERFLOW_MSG);
        *out = scr_int(-x);
        return 0;
    case SCR_OP_POS:
        *out = scr_int(x);
        return 0;
    case SCR_OP_INVERT:
        *out = scr_int(~x);
        return 0;
    default:
        return err(msg, msgsize, "unsupported operator");
    }
}
