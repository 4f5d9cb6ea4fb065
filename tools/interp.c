/*
 * interp.c -- runs a parsed loom script on a loom context.
 *
 * Statements build graph; nothing is computed until a statement needs
 * values (print, np.save, int(), a data-dependent shape, the end of the
 * script).  Then every array that statement needs is evaluated in one
 * loom_eval_many call, which is also the "evaluation point" that `loom
 * bench` times.
 *
 * Values follow Python: names bind references; arrays are boxes so that
 * in-place updates (x += 1, x[i] = v, rng.shuffle(x)) are seen through
 * every name bound to the same array.  Python scalars stay in C until they
 * meet an array, where they become weak loom scalars.
 *
 * Errors: every failure sets I->err once (the first one wins) with the
 * line and column of the node being evaluated and unwinds by returning -1.
 */
#include "tools/script.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct var {
    char *name;
    scr_value v;
} var;

typedef struct record {
    loom_array *a;
    int line, col;
} record;

struct scr_interp {
    loom_ctx *ctx;
    const char *file;
    scr_run_opts opts;
    var *vars;
    int nvars, capvars;
    scr_error *err;
    bool failed;
    const scr_node *cur;  /* node that errors point at */
    int stmt_line;
    record *recs;         /* arrays handed to the script, oldest first */
    int nrecs, caprecs;
    int since_eval;       /* arrays built since the last evaluation */
    scr_printopts printopts;
};

/* A loop that never looks at its arrays would grow one graph without
 * bound; after this many new arrays, the end of an iteration evaluates
 * what the variables hold. */
enum { CHECKPOINT_ARRAYS = 1024 };

/* Iterations between renewals of a loop's scope (see exec_for). */
enum { LOOP_SCOPE_ITERATIONS = 64 };

loom_ctx *scr_ctx(scr_interp *I) { return I->ctx; }
FILE *scr_out(scr_interp *I) { return I->opts.out; }
scr_printopts *scr_print_options(scr_interp *I) { return &I->printopts; }

/* ------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------ */

static int vfail_at(scr_interp *I, const scr_node *n, const char *fmt,
                    va_list ap) {
    if (I->failed)
        return -1;
    I->failed = true;
    I->err->line = n ? n->line : I->stmt_line;
    I->err->col = n ? n->col : 0;
    vsnprintf(I->err->msg, sizeof I->err->msg, fmt, ap);
    return -1;
}

static int fail_at(scr_interp *I, const scr_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_at(scr_interp *I, const scr_node *n, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfail_at(I, n, fmt, ap);
    va_end(ap);
    return -1;
}

int scr_fail(scr_interp *I, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfail_at(I, I->cur, fmt, ap);
    va_end(ap);
    return -1;
}

const char *scr_status_class(loom_status s) {
    switch (s) {
    case LOOM_ERR_VALUE: return "ValueError";
    case LOOM_ERR_TYPE: return "TypeError";
    case LOOM_ERR_INDEX: return "IndexError";
    case LOOM_ERR_AXIS: return "AxisError";
    case LOOM_ERR_MEMORY: return "MemoryError";
    case LOOM_ERR_LINALG: return "LinAlgError";
    case LOOM_ERR_IO: return "OSError";
    case LOOM_ERR_FORMAT: return "ValueError";
    case LOOM_ERR_JIT: return "JITError";
    default: return "error";
    }
}

static void record_array(scr_interp *I, loom_array *a) {
    if (I->nrecs == I->caprecs) {
        I->caprecs = I->caprecs ? 2 * I->caprecs : 256;
        I->recs = scr_xrealloc(I->recs, (size_t)I->caprecs * sizeof *I->recs);
    }
    I->recs[I->nrecs].a = a;
    I->recs[I->nrecs].line = I->cur ? I->cur->line : I->stmt_line;
    I->recs[I->nrecs].col = I->cur ? I->cur->col : 0;
    I->nrecs++;
    I->since_eval++;
}

int scr_wrap(scr_interp *I, loom_array *a, scr_value *out) {
    if (!a)
        return scr_fail(I, "out of memory");
    loom_status st = loom_status_of(a);
    if (st != LOOM_OK)
        return scr_fail(I, "%s: %s", scr_status_class(st), loom_error(a));
    record_array(I, a);
    *out = scr_array_new(a);
    return 0;
}

/* An evaluation failed: find the script line that built the failing op by
 * evaluating the arrays the script was handed, oldest first, until one
 * fails (only on the error path). */
/* Evaluates the first n records together (error path only). */
static loom_status eval_prefix(scr_interp *I, int n) {
    loom_array **v = scr_xmalloc((size_t)(n ? n : 1) * sizeof *v);
    int m = 0;
    for (int i = 0; i < n; i++) {
        loom_array *a = I->recs[i].a;
        if (loom_status_of(a) != LOOM_OK)
            return free(v), loom_status_of(a);
        if (!loom_is_realized(a))
            v[m++] = a;
    }
    loom_status st = m ? loom_eval_many(I->ctx, v, m) : LOOM_OK;
    free(v);
    return st;
}

static int engine_failure(scr_interp *I, loom_array *const *arrs, int n,
                          loom_status st) {
    const char *msg = NULL;
    for (int i = 0; i < n && !msg; i++)
        if (arrs[i] && loom_status_of(arrs[i]) != LOOM_OK) {
            st = loom_status_of(arrs[i]);
            msg = loom_error(arrs[i]);
        }
    if (!msg || !*msg) {
        msg = loom_ctx_error(I->ctx);
        if (loom_ctx_status(I->ctx) != LOOM_OK)
            st = loom_ctx_status(I->ctx);
    }
    char saved[sizeof I->err->msg - 64];
    snprintf(saved, sizeof saved, "%s", msg && *msg ? msg
                                                    : "evaluation failed");
    /* the earliest record whose evaluation fails built the failing op:
     * binary search over prefixes (evaluated prefixes stay computed) */
    int line = I->stmt_line, col = 0;
    int lo = 0, hi = I->nrecs;
    if (hi > 0 && eval_prefix(I, hi) != LOOM_OK) {
        while (hi - lo > 1) {
            int mid = lo + (hi - lo) / 2;
            if (eval_prefix(I, mid) != LOOM_OK)
                hi = mid;
            else
                lo = mid;
        }
        line = I->recs[hi - 1].line;
        col = I->recs[hi - 1].col;
    }
    I->failed = true;
    I->err->line = line;
    I->err->col = col;
    snprintf(I->err->msg, sizeof I->err->msg, "%s: %s", scr_status_class(st),
             saved);
    return -1;
}

int scr_eval_arrays(scr_interp *I, loom_array **arrs, int n) {
    loom_array **todo = scr_xmalloc((size_t)(n ? n : 1) * sizeof *todo);
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (!arrs[i] || loom_is_realized(arrs[i]))
            continue;
        bool dup = false;
        for (int k = 0; k < m && !dup; k++)
            dup = todo[k] == arrs[i];
        if (!dup)
            todo[m++] = arrs[i];
    }
    int rc = 0;
    if (m > 0) {
        I->since_eval = 0;
        loom_status st = loom_eval_many(I->ctx, todo, m);
        if (I->opts.on_eval) {
            loom_eval_stats stats = loom_last_stats(I->ctx);
            I->opts.on_eval(I->opts.hook_ud, I->stmt_line, &stats);
        }
        if (st != LOOM_OK)
            rc = engine_failure(I, todo, m, st);
    }
    free(todo);
    return rc;
}

/* ------------------------------------------------------------------------
 * Environment
 * ------------------------------------------------------------------------ */

static var *lookup_var(scr_interp *I, const char *name) {
    for (int i = 0; i < I->nvars; i++)
        if (strcmp(I->vars[i].name, name) == 0)
            return &I->vars[i];
    return NULL;
}

/* Binds name to v, taking a new reference. */
static void bind(scr_interp *I, const char *name, scr_value v) {
    var *x = lookup_var(I, name);
    if (x) {
        scr_value old = x->v;
        x->v = scr_ref(v);
        scr_unref(old);
        return;
    }
    if (I->nvars == I->capvars) {
        I->capvars = I->capvars ? 2 * I->capvars : 32;
        I->vars = scr_xrealloc(I->vars, (size_t)I->capvars * sizeof *I->vars);
    }
    I->vars[I->nvars].name = scr_xstrdup(name);
    I->vars[I->nvars].v = scr_ref(v);
    I->nvars++;
}

static void unbind(scr_interp *I, const char *name) {
    var *x = lookup_var(I, name);
    if (!x)
        return;
    scr_unref(x->v);
    free(x->name);
    *x = I->vars[--I->nvars];
}

/* Calls fn on every array reachable from v. */
static void each_array(scr_value v, void (*fn)(void *, loom_array *),
                       void *ud) {
    switch (v.k) {
    case SCR_V_ARRAY:
        fn(ud, scr_arr(v));
        break;
    case SCR_V_TUPLE:
    case SCR_V_LIST: {
        scr_seq *s = scr_seq_of(v);
        for (int i = 0; i < s->n; i++)
            each_array(s->v[i], fn, ud);
        break;
    }
    case SCR_V_METHOD:
    case SCR_V_UFUNC_AT:
        each_array(((scr_method *)v.u.o)->self, fn, ud);
        break;
    case SCR_V_SLICE: {
        scr_slice *s = (scr_slice *)v.u.o;
        each_array(s->start, fn, ud);
        each_array(s->stop, fn, ud);
        each_array(s->step, fn, ud);
        break;
    }
    default:
        break;
    }
}

/* ------------------------------------------------------------------------
 * Conversions
 * ------------------------------------------------------------------------ */

static int kind_of(loom_dtype t) {
    return t == LOOM_BOOL ? 0 : (t == LOOM_INT32 || t == LOOM_INT64) ? 1 : 2;
}

int scr_to_array(scr_interp *I, scr_value v, loom_array **out) {
    scr_value tmp;
    switch (v.k) {
    case SCR_V_ARRAY:
        *out = scr_arr(v);
        return 0;
    case SCR_V_BOOL:
        if (scr_wrap(I, loom_scalar_bool(I->ctx, v.u.b), &tmp) < 0)
            return -1;
        break;
    case SCR_V_INT:
        if (scr_wrap(I, loom_scalar_int(I->ctx, v.u.i), &tmp) < 0)
            return -1;
        break;
    case SCR_V_FLOAT:
        if (scr_wrap(I, loom_scalar(I->ctx, v.u.f), &tmp) < 0)
            return -1;
        break;
    case SCR_V_TUPLE:
    case SCR_V_LIST:
    case SCR_V_RANGE:
        return scr_array_from_obj(I, v, LOOM_DEFAULT_DTYPE, out);
    default:
        return scr_fail(I, "expected an array-like, got '%s'",
                        scr_type_name(v));
    }
    *out = scr_arr(tmp);
    scr_unref(tmp);
    return 0;
}

int scr_to_array_strong(scr_interp *I, scr_value v, loom_array **out) {
    if (!scr_is_pyscalar(v))
        return scr_to_array(I, v, out);
    scr_value tmp;
    loom_array *a;
    if (v.k == SCR_V_BOOL)
        a = loom_scalar_typed(I->ctx, v.u.b, LOOM_BOOL);
    else if (v.k == SCR_V_INT)
        a = v.u.i > (1LL << 53) || v.u.i < -(1LL << 53)
                ? loom_full_int(I->ctx, LOOM_SCALAR_SHAPE, v.u.i, LOOM_INT64)
                : loom_scalar_typed(I->ctx, (double)v.u.i, LOOM_INT64);
    else
        a = loom_scalar_typed(I->ctx, v.u.f, LOOM_FLOAT64);
    if (scr_wrap(I, a, &tmp) < 0)
        return -1;
    *out = scr_arr(tmp);
    scr_unref(tmp);
    return 0;
}

int scr_operands(scr_interp *I, scr_value *vals, int n, loom_array **out) {
    bool any_nd = false;
    loom_dtype nd_t = LOOM_BOOL;
    for (int i = 0; i < n; i++) {
        out[i] = NULL;
        if (scr_is_pyscalar(vals[i]))
            continue;
        if (scr_to_array(I, vals[i], &out[i]) < 0)
            return -1;
        if (loom_ndim(out[i]) > 0) {
            nd_t = any_nd ? loom_promote(nd_t, loom_dtype_of(out[i]))
                          : loom_dtype_of(out[i]);
            any_nd = true;
        }
    }
    for (int i = 0; i < n; i++) {
        if (scr_is_pyscalar(vals[i])) {
            /* NumPy 1.24 looks at the value: a Python scalar that does not
             * fit the arrays' dtype of its kind widens the result */
            bool wide = false;
            scr_value v = vals[i];
            if (any_nd && v.k == SCR_V_INT && nd_t == LOOM_INT32)
                wide = v.u.i < INT32_MIN || v.u.i > INT32_MAX;
            if (any_nd && v.k == SCR_V_FLOAT && nd_t == LOOM_FLOAT32)
                wide = isfinite(v.u.f) && fabs(v.u.f) > 3.4028234663852886e38;
            int rc = any_nd && !wide ? scr_to_array(I, v, &out[i])
                                     : scr_to_array_strong(I, v, &out[i]);
            if (rc < 0)
                return -1;
            continue;
        }
        /* NumPy 1.24: a 0-d operand next to n-d ones does not raise their
         * dtype within its kind */
        loom_dtype t = loom_dtype_of(out[i]);
        if (any_nd && loom_ndim(out[i]) == 0 && !loom_is_weak(out[i]) &&
            t != nd_t && kind_of(t) <= kind_of(nd_t)) {
            scr_value tmp;
            if (scr_wrap(I, loom_astype(out[i], nd_t), &tmp) < 0)
                return -1;
            out[i] = scr_arr(tmp);
            scr_unref(tmp);
        }
    }
    return 0;
}

/* Evaluates a 0-d or size-1 array and reads its only element. */
static int array_scalar(scr_interp *I, loom_array *a, const char *what,
                        double *f, int64_t *i, loom_dtype *t) {
    if (loom_size(a) != 1)
        return scr_fail(I, "TypeError: only size-1 arrays can be converted "
                           "to Python scalars (%s)", what);
    if (scr_eval_arrays(I, &a, 1) < 0)
        return -1;
    int64_t zero[LOOM_MAX_DIMS] = {0};
    *t = loom_dtype_of(a);
    if (f)
        *f = loom_item(a, zero);
    if (i)
        *i = loom_item_int(a, zero);
    return 0;
}

int scr_to_int(scr_interp *I, scr_value v, const char *what, int64_t *out) {
    switch (v.k) {
    case SCR_V_BOOL:
        *out = v.u.b;
        return 0;
    case SCR_V_INT:
        *out = v.u.i;
        return 0;
    case SCR_V_ARRAY: {
        loom_dtype t;
        double f;
        int64_t i;
        if (array_scalar(I, scr_arr(v), what, &f, &i, &t) < 0)
            return -1;
        if (kind_of(t) == 2)
            return scr_fail(I, "TypeError: %s: '%s' object cannot be "
                               "interpreted as an integer", what,
                            scr_type_name(v));
        *out = i;
        return 0;
    }
    default:
        return scr_fail(I, "TypeError: %s: '%s' object cannot be interpreted "
                           "as an integer", what, scr_type_name(v));
    }
}

int scr_to_float(scr_interp *I, scr_value v, const char *what, double *out) {
    if (scr_is_pyscalar(v)) {
        *out = scr_pyscalar_float(v);
        return 0;
    }
    if (v.k == SCR_V_ARRAY) {
        loom_dtype t;
        return array_scalar(I, scr_arr(v), what, out, NULL, &t);
    }
    return scr_fail(I, "TypeError: %s: must be a real number, not '%s'", what,
                    scr_type_name(v));
}

int scr_truth(scr_interp *I, scr_value v, bool *out) {
    switch (v.k) {
    case SCR_V_NONE: *out = false; return 0;
    case SCR_V_BOOL: *out = v.u.b; return 0;
    case SCR_V_INT: *out = v.u.i != 0; return 0;
    case SCR_V_FLOAT: *out = v.u.f != 0.0; return 0;
    case SCR_V_STR: *out = scr_str_of(v)->len > 0; return 0;
    case SCR_V_TUPLE:
    case SCR_V_LIST: *out = scr_seq_of(v)->n > 0; return 0;
    case SCR_V_RANGE: {
        scr_range *r = (scr_range *)v.u.o;
        *out = r->step > 0 ? r->start < r->stop : r->start > r->stop;
        return 0;
    }
    case SCR_V_ARRAY: {
        loom_array *a = scr_arr(v);
        if (loom_size(a) != 1)
            return scr_fail(I, "ValueError: The truth value of an array with "
                               "more than one element is ambiguous. Use "
                               "a.any() or a.all()");
        double f;
        loom_dtype t;
        if (array_scalar(I, a, "truth value", &f, NULL, &t) < 0)
            return -1;
        *out = f != 0.0;
        return 0;
    }
    default:
        *out = true;
        return 0;
    }
}

int scr_to_bool(scr_interp *I, scr_value v, const char *what, bool *out) {
    (void)what;
    return scr_truth(I, v, out);
}

int scr_to_shape(scr_interp *I, scr_value v, const char *what,
                 loom_shape *out) {
    memset(out, 0, sizeof *out);
    if (v.k == SCR_V_TUPLE || v.k == SCR_V_LIST) {
        scr_seq *s = scr_seq_of(v);
        if (s->n > LOOM_MAX_DIMS)
            return scr_fail(I, "ValueError: %s: maximum supported dimension "
                               "for an ndarray is %d, found %d", what,
                            LOOM_MAX_DIMS, s->n);
        out->ndim = s->n;
        for (int i = 0; i < s->n; i++)
            if (scr_to_int(I, s->v[i], what, &out->dim[i]) < 0)
                return -1;
        return 0;
    }
    if (v.k == SCR_V_ARRAY && loom_ndim(scr_arr(v)) == 1) {
        loom_array *a = scr_arr(v);
        int64_t n = loom_dim(a, 0);
        if (n > LOOM_MAX_DIMS)
            return scr_fail(I, "ValueError: %s: too many dimensions", what);
        if (scr_eval_arrays(I, &a, 1) < 0)
            return -1;
        out->ndim = (int)n;
        for (int64_t i = 0; i < n; i++)
            out->dim[i] = loom_item_int(a, &i);
        return 0;
    }
    out->ndim = 1;
    return scr_to_int(I, v, what, &out->dim[0]);
}

int scr_to_axis(scr_interp *I, scr_value v, const char *what, int *out) {
    if (v.k == SCR_V_NONE) {
        *out = LOOM_ALL;
        return 0;
    }
    if (v.k == SCR_V_TUPLE && scr_seq_of(v)->n == 1)
        v = scr_seq_of(v)->v[0];
    if (v.k == SCR_V_TUPLE || v.k == SCR_V_LIST)
        return scr_fail(I, "TypeError: %s: a tuple of axes is not accepted "
                           "here; give one axis", what);
    int64_t a;
    if (scr_to_int(I, v, what, &a) < 0)
        return -1;
    *out = (int)a;
    return 0;
}

int scr_to_axes(scr_interp *I, scr_value v, const char *what,
                loom_axes *out) {
    memset(out, 0, sizeof *out);
    if (v.k == SCR_V_NONE) {
        out->n = -1;
        return 0;
    }
    if (v.k == SCR_V_TUPLE || v.k == SCR_V_LIST) {
        scr_seq *s = scr_seq_of(v);
        if (s->n > LOOM_MAX_DIMS)
            return scr_fail(I, "ValueError: %s: too many axes", what);
        out->n = s->n;
        for (int i = 0; i < s->n; i++) {
            int64_t a;
            if (scr_to_int(I, s->v[i], what, &a) < 0)
                return -1;
            out->axis[i] = (int)a;
        }
        return 0;
    }
    int64_t a;
    if (scr_to_int(I, v, what, &a) < 0)
        return -1;
    out->n = 1;
    out->axis[0] = (int)a;
    return 0;
}

int scr_to_dtype(scr_interp *I, scr_value v, const char *what,
                 loom_dtype *out) {
    switch (v.k) {
    case SCR_V_NONE:
        *out = LOOM_DEFAULT_DTYPE;
        return 0;
    case SCR_V_DTYPE:
        *out = SCR_DT(v);
        return 0;
    case SCR_V_FUNC:
        if (strcmp(v.u.fn->name, "float") == 0) {
            *out = LOOM_FLOAT64;
            return 0;
        }
        if (strcmp(v.u.fn->name, "int") == 0) {
            *out = LOOM_INT64;
            return 0;
        }
        if (strcmp(v.u.fn->name, "bool") == 0) {
            *out = LOOM_BOOL;
            return 0;
        }
        break;
    case SCR_V_STR: {
        int t = loom_dtype_parse(scr_str_of(v)->s);
        if (t < 0)
            return scr_fail(I, "TypeError: data type '%s' not understood "
                               "(loom has bool, int32, int64, float32, "
                               "float64)", scr_str_of(v)->s);
        *out = (loom_dtype)t;
        return 0;
    }
    default:
        break;
    }
    return scr_fail(I, "TypeError: %s: cannot interpret '%s' as a data type",
                    what, scr_type_name(v));
}

int scr_to_array_list(scr_interp *I, scr_value v, const char *what,
                      loom_array ***arrs, int *n) {
    *arrs = NULL;
    *n = 0;
    if (v.k == SCR_V_ARRAY) {
        loom_array *a = scr_arr(v);
        if (loom_ndim(a) == 0)
            return scr_fail(I, "ValueError: %s: need a sequence of arrays",
                            what);
        int64_t m = loom_dim(a, 0);
        *arrs = scr_xmalloc((size_t)(m ? m : 1) * sizeof **arrs);
        for (int64_t i = 0; i < m; i++) {
            loom_index ix = LOOM_I(i);
            scr_value tmp;
            if (scr_wrap(I, loom_index_get(a, 1, &ix), &tmp) < 0) {
                free(*arrs);
                *arrs = NULL;
                return -1;
            }
            (*arrs)[i] = scr_arr(tmp);
            scr_unref(tmp);
        }
        *n = (int)m;
        return 0;
    }
    if (v.k != SCR_V_TUPLE && v.k != SCR_V_LIST)
        return scr_fail(I, "TypeError: %s: expected a sequence of arrays, got "
                           "'%s'", what, scr_type_name(v));
    scr_seq *s = scr_seq_of(v);
    *arrs = scr_xmalloc((size_t)(s->n ? s->n : 1) * sizeof **arrs);
    for (int i = 0; i < s->n; i++)
        if (scr_to_array_strong(I, s->v[i], &(*arrs)[i]) < 0) {
            free(*arrs);
            *arrs = NULL;
            return -1;
        }
    *n = s->n;
    return 0;
}

/* ---- np.array(nested lists) ---- */

typedef struct nest {
    loom_shape shape;
    int kind;          /* max Python kind seen: 0 bool, 1 int, 2 float */
    bool has_array;    /* some leaf is an array (then stack) */
    bool has_other;
} nest;

/* Finds the shape of a nested list of scalars; -1 if ragged. */
static int nest_scan(scr_interp *I, scr_value v, int depth, nest *ns) {
    if (v.k == SCR_V_TUPLE || v.k == SCR_V_LIST || v.k == SCR_V_RANGE) {
        int64_t n;
        if (v.k == SCR_V_RANGE) {
            scr_range *r = (scr_range *)v.u.o;
            n = r->step > 0 ? (r->stop - r->start + r->step - 1) / r->step
                            : (r->start - r->stop - r->step - 1) / -r->step;
            if (n < 0)
                n = 0;
        } else {
            n = scr_seq_of(v)->n;
        }
        if (depth >= LOOM_MAX_DIMS)
            return scr_fail(I, "ValueError: nesting too deep for loom");
        if (ns->shape.ndim <= depth) {
            ns->shape.ndim = depth + 1;
            ns->shape.dim[depth] = n;
        } else if (ns->shape.dim[depth] != n) {
            return scr_fail(I, "ValueError: setting an array element with a "
                               "sequence. The requested array has an "
                               "inhomogeneous shape after %d dimensions.",
                            depth);
        }
        if (v.k == SCR_V_RANGE) {
            if (ns->kind < 1)
                ns->kind = 1;
            return 0;
        }
        scr_seq *s = scr_seq_of(v);
        for (int i = 0; i < s->n; i++)
            if (nest_scan(I, s->v[i], depth + 1, ns) < 0)
                return -1;
        return 0;
    }
    if (ns->shape.ndim > depth)
        return scr_fail(I, "ValueError: setting an array element with a "
                           "sequence. The requested array has an "
                           "inhomogeneous shape after %d dimensions.", depth);
    switch (v.k) {
    case SCR_V_BOOL: break;
    case SCR_V_INT: if (ns->kind < 1) ns->kind = 1; break;
    case SCR_V_FLOAT: ns->kind = 2; break;
    case SCR_V_ARRAY: ns->has_array = true; break;
    default:
        ns->has_other = true;
        return scr_fail(I, "TypeError: np.array: cannot convert '%s' to a "
                           "number", scr_type_name(v));
    }
    if (ns->shape.ndim < depth) {
        /* leaf shallower than a sibling sequence */
        return scr_fail(I, "ValueError: setting an array element with a "
                           "sequence. The requested array has an "
                           "inhomogeneous shape");
    }
    if (ns->shape.ndim == depth && depth > 0 && ns->shape.dim[depth] != 0) {
        /* first leaf at this depth: fine */
    }
    return 0;
}

static void nest_fill(scr_value v, loom_dtype t, char **p) {
    if (v.k == SCR_V_TUPLE || v.k == SCR_V_LIST) {
        scr_seq *s = scr_seq_of(v);
        for (int i = 0; i < s->n; i++)
            nest_fill(s->v[i], t, p);
        return;
    }
    if (v.k == SCR_V_RANGE) {
        scr_range *r = (scr_range *)v.u.o;
        for (int64_t x = r->start; r->step > 0 ? x < r->stop : x > r->stop;
             x += r->step)
            nest_fill(scr_int(x), t, p);
        return;
    }
    double f = scr_pyscalar_float(v);
    int64_t i = v.k == SCR_V_FLOAT ? (int64_t)v.u.f
              : v.k == SCR_V_BOOL ? v.u.b : v.u.i;
    switch (t) {
    case LOOM_BOOL: *(uint8_t *)*p = f != 0.0; break;
    case LOOM_INT32: *(int32_t *)*p = (int32_t)i; break;
    case LOOM_INT64: *(int64_t *)*p = i; break;
    case LOOM_FLOAT32: *(float *)*p = (float)f; break;
    default: *(double *)*p = f; break;
    }
    *p += loom_dtype_size(t);
}

int scr_array_from_obj(scr_interp *I, scr_value obj, loom_dtype t,
                       loom_array **out) {
    scr_value tmp;
    if (obj.k == SCR_V_ARRAY) {
        loom_array *a = scr_arr(obj);
        a = t == LOOM_DEFAULT_DTYPE || t == loom_dtype_of(a)
                ? loom_copy(a) : loom_astype(a, t);
        if (scr_wrap(I, a, &tmp) < 0)
            return -1;
        *out = scr_arr(tmp);
        scr_unref(tmp);
        return 0;
    }
    if (scr_is_pyscalar(obj)) {
        if (scr_to_array_strong(I, obj, out) < 0)
            return -1;
        if (t != LOOM_DEFAULT_DTYPE && t != loom_dtype_of(*out)) {
            if (scr_wrap(I, loom_astype(*out, t), &tmp) < 0)
                return -1;
            *out = scr_arr(tmp);
            scr_unref(tmp);
        }
        return 0;
    }
    if (obj.k != SCR_V_TUPLE && obj.k != SCR_V_LIST && obj.k != SCR_V_RANGE)
        return scr_fail(I, "TypeError: cannot make an array from '%s'",
                        scr_type_name(obj));
    nest ns = {0};
    if (nest_scan(I, obj, 0, &ns) < 0)
        return -1;
    if (ns.has_array) {
        /* a list holding arrays: stack its items (recursively) */
        scr_seq *s = scr_seq_of(obj);
        loom_array **items = scr_xmalloc((size_t)(s->n ? s->n : 1) *
                                         sizeof *items);
        for (int i = 0; i < s->n; i++) {
            int rc = s->v[i].k == SCR_V_ARRAY
                         ? (items[i] = scr_arr(s->v[i]), 0)
                         : scr_array_from_obj(I, s->v[i], LOOM_DEFAULT_DTYPE,
                                              &items[i]);
            if (rc < 0) {
                free(items);
                return -1;
            }
        }
        loom_array *a = loom_stack(s->n, items, 0);
        free(items);
        if (a && t != LOOM_DEFAULT_DTYPE && loom_status_of(a) == LOOM_OK)
            a = loom_astype(a, t);
        if (scr_wrap(I, a, &tmp) < 0)
            return -1;
        *out = scr_arr(tmp);
        scr_unref(tmp);
        return 0;
    }
    if (t == LOOM_DEFAULT_DTYPE)
        t = ns.kind == 0 ? LOOM_BOOL : ns.kind == 1 ? LOOM_INT64 : LOOM_FLOAT64;
    int64_t size = 1;
    for (int i = 0; i < ns.shape.ndim; i++)
        size *= ns.shape.dim[i];
    char *data = scr_xmalloc((size_t)(size ? size : 1) * loom_dtype_size(t));
    char *p = data;
    nest_fill(obj, t, &p);
    loom_array *a = loom_array_from(I->ctx, data, t, ns.shape, LOOM_COPY);
    free(data);
    if (scr_wrap(I, a, &tmp) < 0)
        return -1;
    *out = scr_arr(tmp);
    scr_unref(tmp);
    return 0;
}

/* ---- indices ---- */

static int slice_bound(scr_interp *I, scr_value v, int64_t *out) {
    if (v.k == SCR_V_NONE) {
        *out = LOOM_END;
        return 0;
    }
    return scr_to_int(I, v, "slice indices", out);
}

enum { MAX_INDEX = 32 };

int scr_to_index(scr_interp *I, scr_value v, loom_index *idx, int *n) {
    scr_value one = v;
    scr_value *items = &one;
    int m = 1;
    if (v.k == SCR_V_TUPLE) {
        items = scr_seq_of(v)->v;
        m = scr_seq_of(v)->n;
    }
    if (m > MAX_INDEX)
        return scr_fail(I, "IndexError: too many indices for array");
    for (int i = 0; i < m; i++) {
        scr_value it = items[i];
        switch (it.k) {
        case SCR_V_INT:
            idx[i] = LOOM_I(it.u.i);
            break;
        case SCR_V_BOOL: {
            loom_array *b;
            if (scr_to_array_strong(I, it, &b) < 0)
                return -1;
            idx[i] = LOOM_IDX(b);
            break;
        }
        case SCR_V_SLICE: {
            scr_slice *s = (scr_slice *)it.u.o;
            int64_t a, b, c;
            if (slice_bound(I, s->start, &a) < 0 ||
                slice_bound(I, s->stop, &b) < 0 ||
                slice_bound(I, s->step, &c) < 0)
                return -1;
            if (c == 0)
                return scr_fail(I, "ValueError: slice step cannot be zero");
            idx[i] = LOOM_SL(a, b, c);
            break;
        }
        case SCR_V_NONE:
            idx[i] = LOOM_NEWAXIS;
            break;
        case SCR_V_ELLIPSIS:
            idx[i] = LOOM_ELLIPSIS;
            break;
        case SCR_V_ARRAY:
            idx[i] = LOOM_IDX(scr_arr(it));
            break;
        case SCR_V_LIST:
        case SCR_V_RANGE: {
            loom_array *a;
            if (scr_array_from_obj(I, it, LOOM_DEFAULT_DTYPE, &a) < 0)
                return -1;
            if (it.k == SCR_V_LIST && scr_seq_of(it)->n == 0) {
                scr_value tmp;
                if (scr_wrap(I, loom_astype(a, LOOM_INT64), &tmp) < 0)
                    return -1;
                a = scr_arr(tmp);
                scr_unref(tmp);
            }
            idx[i] = LOOM_IDX(a);
            break;
        }
        default:
            return scr_fail(I, "IndexError: only integers, slices (`:`), "
                               "ellipsis (`...`), numpy.newaxis (`None`) and "
                               "integer or boolean arrays are valid indices");
        }
    }
    *n = m;
    return 0;
}

/* ------------------------------------------------------------------------
 * Printing values
 * ------------------------------------------------------------------------ */

static void collect_cb(void *ud, loom_array *a) {
    scr_buf *b = ud;
    scr_buf_putn(b, (const char *)&a, sizeof a);
}

/* Evaluates every array inside vals together. */
int scr_eval_values(scr_interp *I, scr_value *vals, int n) {
    scr_buf b = {0};
    for (int i = 0; i < n; i++)
        each_array(vals[i], collect_cb, &b);
    int rc = scr_eval_arrays(I, (loom_array **)(void *)b.s,
                             (int)(b.n / sizeof(loom_array *)));
    scr_buf_free(&b);
    return rc;
}

static void str_repr(scr_buf *b, const char *s, size_t n) {
    bool sq = memchr(s, '\'', n) != NULL, dq = memchr(s, '"', n) != NULL;
    char q = sq && !dq ? '"' : '\'';
    scr_buf_putc(b, q);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\')
            scr_buf_puts(b, "\\\\");
        else if (c == (unsigned char)q)
            scr_buf_printf(b, "\\%c", q);
        else if (c == '\n')
            scr_buf_puts(b, "\\n");
        else if (c == '\t')
            scr_buf_puts(b, "\\t");
        else if (c == '\r')
            scr_buf_puts(b, "\\r");
        else if (c < 0x20 || c == 0x7f)
            scr_buf_printf(b, "\\x%02x", c);
        else
            scr_buf_putc(b, (char)c);
    }
    scr_buf_putc(b, q);
}

/* Appends str(v) or repr(v); arrays must have been evaluated. */
static int put_value(scr_interp *I, scr_value v, bool repr, scr_buf *b) {
    switch (v.k) {
    case SCR_V_NONE: scr_buf_puts(b, "None"); return 0;
    case SCR_V_BOOL: scr_buf_puts(b, v.u.b ? "True" : "False"); return 0;
    case SCR_V_INT: scr_buf_printf(b, "%lld", (long long)v.u.i); return 0;
    case SCR_V_FLOAT: scr_fmt_pyfloat(b, v.u.f); return 0;
    case SCR_V_STR:
        if (repr)
            str_repr(b, scr_str_of(v)->s, scr_str_of(v)->len);
        else
            scr_buf_putn(b, scr_str_of(v)->s, scr_str_of(v)->len);
        return 0;
    case SCR_V_TUPLE:
    case SCR_V_LIST: {
        scr_seq *s = scr_seq_of(v);
        scr_buf_putc(b, v.k == SCR_V_TUPLE ? '(' : '[');
        for (int i = 0; i < s->n; i++) {
            if (i)
                scr_buf_puts(b, ", ");
            if (put_value(I, s->v[i], true, b) < 0)
                return -1;
        }
        if (v.k == SCR_V_TUPLE && s->n == 1)
            scr_buf_putc(b, ',');
        scr_buf_putc(b, v.k == SCR_V_TUPLE ? ')' : ']');
        return 0;
    }
    case SCR_V_SLICE: {
        scr_slice *s = (scr_slice *)v.u.o;
        scr_buf_puts(b, "slice(");
        put_value(I, s->start, true, b);
        scr_buf_puts(b, ", ");
        put_value(I, s->stop, true, b);
        scr_buf_puts(b, ", ");
        put_value(I, s->step, true, b);
        scr_buf_putc(b, ')');
        return 0;
    }
    case SCR_V_ELLIPSIS: scr_buf_puts(b, "Ellipsis"); return 0;
    case SCR_V_RANGE: {
        scr_range *r = (scr_range *)v.u.o;
        scr_buf_printf(b, "range(%lld, %lld", (long long)r->start,
                       (long long)r->stop);
        if (r->step != 1)
            scr_buf_printf(b, ", %lld", (long long)r->step);
        scr_buf_putc(b, ')');
        return 0;
    }
    case SCR_V_ARRAY: {
        loom_array *a = scr_arr(v);
        const void *data = loom_data(a);
        if (!data) {
            loom_array *arr = a;
            return engine_failure(I, &arr, 1, loom_status_of(a));
        }
        loom_shape sh = loom_shape_of(a);
        /* 0-d arrays play NumPy scalars, whose repr is their str */
        scr_fmt_array(b, loom_dtype_of(a), &sh, data,
                      repr && sh.ndim > 0, &I->printopts);
        return 0;
    }
    case SCR_V_DTYPE:
        if (v.u.dt & (SCR_DT_FINFO | SCR_DT_IINFO))
            scr_buf_printf(b, "%s(dtype=%s)",
                           v.u.dt & SCR_DT_FINFO ? "finfo" : "iinfo",
                           loom_dtype_name(SCR_DT(v)));
        else if (v.u.dt & SCR_DT_TYPE)
            scr_buf_printf(b, "<class 'numpy.%s'>",
                           SCR_DT(v) == LOOM_BOOL ? "bool_"
                                                  : loom_dtype_name(SCR_DT(v)));
        else if (repr)
            scr_buf_printf(b, "dtype('%s')", loom_dtype_name(SCR_DT(v)));
        else
            scr_buf_puts(b, loom_dtype_name(SCR_DT(v)));
        return 0;
    case SCR_V_RNG: scr_buf_puts(b, "Generator(PCG64)"); return 0;
    case SCR_V_MODULE:
        scr_buf_printf(b, "<module '%s'>", v.u.mod == SCR_MOD_NP ? "numpy"
                       : v.u.mod == SCR_MOD_LINALG ? "numpy.linalg"
                                                   : "numpy.random");
        return 0;
    case SCR_V_FUNC: {
        static const char *const types[] = {"int", "float", "bool", "str",
                                            "list", "tuple", "range", NULL};
        for (int i = 0; types[i]; i++)
            if (strcmp(v.u.fn->name, types[i]) == 0) {
                scr_buf_printf(b, "<class '%s'>", types[i]);
                return 0;
            }
        if (strcmp(v.u.fn->name, "ndarray") == 0)
            scr_buf_puts(b, "<class 'numpy.ndarray'>");
        else if (scr_builtin_lookup(v.u.fn->name) == v.u.fn)
            scr_buf_printf(b, "<built-in function %s>", v.u.fn->name);
        else
            scr_buf_printf(b, "<function %s>", v.u.fn->name);
        return 0;
    }
    case SCR_V_METHOD:
    case SCR_V_UFUNC_AT:
        scr_buf_printf(b, "<method %s>", ((scr_method *)v.u.o)->fn->name);
        return 0;
    case SCR_V_INDEX_EXP:
        scr_buf_puts(b, "<numpy.lib.index_tricks.IndexExpression object>");
        return 0;
    }
    return 0;
}

int scr_str_of_value(scr_interp *I, scr_value v, bool repr, scr_buf *b) {
    if (scr_eval_values(I, &v, 1) < 0)
        return -1;
    return put_value(I, v, repr, b);
}

int scr_format_value(scr_interp *I, scr_value v, const char *spec,
                     scr_buf *b) {
    char msg[256];
    int rc = 0;
    if (v.k == SCR_V_ARRAY && loom_ndim(scr_arr(v)) == 0 && *spec) {
        loom_array *a = scr_arr(v);
        loom_dtype t;
        double f;
        int64_t i;
        if (array_scalar(I, a, "format", &f, &i, &t) < 0)
            return -1;
        if (t == LOOM_BOOL)
            v = scr_bool(i != 0);
        else if (kind_of(t) == 1)
            v = scr_int(i);
        else
            v = scr_float(f);
    }
    if (!*spec || v.k == SCR_V_ARRAY || v.k == SCR_V_TUPLE ||
        v.k == SCR_V_LIST || v.k == SCR_V_NONE) {
        if (*spec) {
            scr_buf s = {0};
            if (scr_str_of_value(I, v, false, &s) < 0) {
                scr_buf_free(&s);
                return -1;
            }
            rc = scr_fmt_spec_str(b, s.s ? s.s : "", s.n, spec, msg,
                                  sizeof msg);
            scr_buf_free(&s);
            if (rc < 0)
                return scr_fail(I, "ValueError: %s", msg);
            return 0;
        }
        return scr_str_of_value(I, v, false, b);
    }
    switch (v.k) {
    case SCR_V_FLOAT:
        rc = scr_fmt_spec_float(b, v.u.f, spec, msg, sizeof msg);
        break;
    case SCR_V_INT:
    case SCR_V_BOOL:
        rc = scr_fmt_spec_int(b, v.k == SCR_V_INT ? v.u.i : v.u.b, spec, msg,
                              sizeof msg);
        break;
    case SCR_V_STR:
        rc = scr_fmt_spec_str(b, scr_str_of(v)->s, scr_str_of(v)->len, spec,
                              msg, sizeof msg);
        break;
    default: {
        scr_buf s = {0};
        put_value(I, v, false, &s);
        rc = scr_fmt_spec_str(b, s.s, s.n, spec, msg, sizeof msg);
        scr_buf_free(&s);
    }
    }
    if (rc < 0)
        return scr_fail(I, "ValueError: %s", msg);
    return 0;
}

/* ------------------------------------------------------------------------
 * Operators
 * ------------------------------------------------------------------------ */

typedef loom_array *(*binfn)(loom_array *, loom_array *);

static binfn array_binop(scr_op op) {
    switch (op) {
    case SCR_OP_ADD: return loom_add;
    case SCR_OP_SUB: return loom_subtract;
    case SCR_OP_MUL: return loom_multiply;
    case SCR_OP_DIV: return loom_divide;
    case SCR_OP_FLOORDIV: return loom_floor_divide;
    case SCR_OP_MOD: return loom_mod;
    case SCR_OP_POW: return loom_power;
    case SCR_OP_MATMUL: return loom_matmul;
    case SCR_OP_AND: return loom_bitwise_and;
    case SCR_OP_OR: return loom_bitwise_or;
    case SCR_OP_XOR: return loom_bitwise_xor;
    case SCR_OP_LSHIFT: return loom_left_shift;
    case SCR_OP_RSHIFT: return loom_right_shift;
    case SCR_OP_LT: return loom_less;
    case SCR_OP_LE: return loom_less_equal;
    case SCR_OP_GT: return loom_greater;
    case SCR_OP_GE: return loom_greater_equal;
    case SCR_OP_EQ: return loom_equal;
    case SCR_OP_NE: return loom_not_equal;
    default: return NULL;
    }
}

static int seq_equal(scr_interp *I, scr_value a, scr_value b, bool *eq);

/* Python equality of non-array values. */
static int values_equal(scr_interp *I, scr_value a, scr_value b, bool *eq) {
    if (scr_is_pyscalar(a) && scr_is_pyscalar(b)) {
        scr_value r;
        char msg[128];
        scr_pyscalar_binop(SCR_OP_EQ, a, b, &r, msg, sizeof msg);
        *eq = r.u.b;
        return 0;
    }
    if (a.k != b.k) {
        /* dtype objects equal their names and the Python types */
        if (a.k == SCR_V_DTYPE || b.k == SCR_V_DTYPE) {
            scr_value d = a.k == SCR_V_DTYPE ? a : b;
            scr_value o = a.k == SCR_V_DTYPE ? b : a;
            loom_dtype t;
            if (o.k == SCR_V_STR || o.k == SCR_V_FUNC) {
                if (o.k == SCR_V_STR &&
                    loom_dtype_parse(scr_str_of(o)->s) < 0) {
                    *eq = false;
                    return 0;
                }
                bool saved = I->failed;
                if (scr_to_dtype(I, o, "==", &t) < 0) {
                    I->failed = saved;
                    *eq = false;
                    return 0;
                }
                *eq = t == SCR_DT(d);
                return 0;
            }
        }
        *eq = false;
        return 0;
    }
    switch (a.k) {
    case SCR_V_NONE:
    case SCR_V_ELLIPSIS: *eq = true; return 0;
    case SCR_V_STR:
        *eq = scr_str_of(a)->len == scr_str_of(b)->len &&
              memcmp(scr_str_of(a)->s, scr_str_of(b)->s,
                     scr_str_of(a)->len) == 0;
        return 0;
    case SCR_V_TUPLE:
    case SCR_V_LIST: return seq_equal(I, a, b, eq);
    case SCR_V_DTYPE: *eq = SCR_DT(a) == SCR_DT(b); return 0;
    case SCR_V_MODULE: *eq = a.u.mod == b.u.mod; return 0;
    case SCR_V_FUNC: *eq = a.u.fn == b.u.fn; return 0;
    case SCR_V_RANGE: {
        scr_range *x = (scr_range *)a.u.o, *y = (scr_range *)b.u.o;
        *eq = x->start == y->start && x->stop == y->stop &&
              x->step == y->step;
        return 0;
    }
    default: *eq = a.u.o == b.u.o; return 0;
    }
}

static int seq_equal(scr_interp *I, scr_value a, scr_value b, bool *eq) {
    scr_seq *x = scr_seq_of(a), *y = scr_seq_of(b);
    *eq = false;
    if (x->n != y->n)
        return 0;
    for (int i = 0; i < x->n; i++) {
        if (x->v[i].k == SCR_V_ARRAY || y->v[i].k == SCR_V_ARRAY)
            return scr_fail(I, "ValueError: comparing sequences that hold "
                               "arrays is not supported");
        bool e;
        if (values_equal(I, x->v[i], y->v[i], &e) < 0)
            return -1;
        if (!e)
            return 0;
    }
    *eq = true;
    return 0;
}

static scr_value seq_concat(scr_value a, scr_value b) {
    scr_seq *x = scr_seq_of(a), *y = scr_seq_of(b);
    scr_value r = scr_seq_new(a.k, x->n + y->n);
    scr_seq *s = scr_seq_of(r);
    for (int i = 0; i < x->n; i++)
        s->v[i] = scr_ref(x->v[i]);
    for (int i = 0; i < y->n; i++)
        s->v[x->n + i] = scr_ref(y->v[i]);
    return r;
}

static int unsupported(scr_interp *I, scr_op op, scr_value a, scr_value b) {
    return scr_fail(I, "TypeError: unsupported operand type(s) for %s: '%s' "
                       "and '%s'", scr_op_text(op), scr_type_name(a),
                    scr_type_name(b));
}

static int str_percent(scr_interp *I, scr_value fmt, scr_value args,
                       scr_value *out);

/* `is` and `is not`: identity of objects, equality of inline values. */
static int is_binop(scr_op op, scr_value a, scr_value b, scr_value *out) {
    bool same = a.k == b.k &&
                (a.k == SCR_V_NONE || a.k == SCR_V_ELLIPSIS ||
                 (a.k == SCR_V_BOOL && a.u.b == b.u.b) ||
                 (a.k == SCR_V_DTYPE && SCR_DT(a) == SCR_DT(b)) ||
                 (a.k == SCR_V_INT && a.u.i == b.u.i) ||
                 (a.k == SCR_V_MODULE && a.u.mod == b.u.mod) ||
                 (a.k == SCR_V_FUNC && a.u.fn == b.u.fn) ||
                 ((a.k == SCR_V_ARRAY || a.k == SCR_V_STR ||
                   a.k == SCR_V_TUPLE || a.k == SCR_V_LIST ||
                   a.k == SCR_V_RNG) && a.u.o == b.u.o));
    *out = scr_bool(op == SCR_OP_IS ? same : !same);
    return 0;
}

/* `in` and `not in` over strings, tuples, lists and ranges. */
static int in_binop(scr_interp *I, scr_op op, scr_value a, scr_value b,
                    scr_value *out) {
    bool found = false;
    if (b.k == SCR_V_STR && a.k == SCR_V_STR) {
        found = strstr(scr_str_of(b)->s, scr_str_of(a)->s) != NULL;
    } else if (scr_is_seq(b)) {
        scr_seq *s = scr_seq_of(b);
        for (int i = 0; i < s->n && !found; i++) {
            if (s->v[i].k == SCR_V_ARRAY || a.k == SCR_V_ARRAY)
                return scr_fail(I, "'in' with arrays is not supported by "
                                   "loom scripts");
            if (values_equal(I, a, s->v[i], &found) < 0)
                return -1;
        }
    } else if (b.k == SCR_V_RANGE && a.k == SCR_V_INT) {
        scr_range *r = (scr_range *)b.u.o;
        int64_t x = a.u.i;
        found = (r->step > 0 ? x >= r->start && x < r->stop
                             : x <= r->start && x > r->stop) &&
                (x - r->start) % r->step == 0;
    } else {
        return scr_fail(I, "'in' is not supported for '%s' by loom scripts",
                        scr_type_name(b));
    }
    *out = scr_bool(op == SCR_OP_IN ? found : !found);
    return 0;
}

/* s * n and [..] * n: repetition. */
static int repeat_seq(scr_interp *I, scr_value a, int64_t n, scr_value *out) {
    if (n < 0)
        n = 0;
    if (a.k == SCR_V_STR) {
        scr_buf s = {0};
        for (int64_t i = 0; i < n; i++)
            scr_buf_putn(&s, scr_str_of(a)->s, scr_str_of(a)->len);
        *out = scr_str_new(s.s ? s.s : "", s.n);
        scr_buf_free(&s);
        return 0;
    }
    scr_seq *x = scr_seq_of(a);
    if (n * x->n > (1 << 26))
        return scr_fail(I, "MemoryError: sequence too long");
    *out = scr_seq_new(a.k, (int)(n * x->n));
    for (int64_t i = 0; i < n * x->n; i++)
        scr_seq_of(*out)->v[i] = scr_ref(x->v[i % x->n]);
    return 0;
}

/* Operators between values that are neither arrays nor both Python
 * scalars: Python's semantics for strings, tuples, lists, None, dtypes. */
static int value_binop(scr_interp *I, scr_op op, scr_value a, scr_value b,
                       scr_value *out) {
    if (op == SCR_OP_EQ || op == SCR_OP_NE) {
        bool eq;
        if (values_equal(I, a, b, &eq) < 0)
            return -1;
        *out = scr_bool(op == SCR_OP_EQ ? eq : !eq);
        return 0;
    }
    if (a.k == SCR_V_STR && b.k == SCR_V_STR) {
        if (op == SCR_OP_ADD) {
            scr_buf s = {0};
            scr_buf_putn(&s, scr_str_of(a)->s, scr_str_of(a)->len);
            scr_buf_putn(&s, scr_str_of(b)->s, scr_str_of(b)->len);
            *out = scr_str_new(s.s ? s.s : "", s.n);
            scr_buf_free(&s);
            return 0;
        }
        if (op >= SCR_OP_LT && op <= SCR_OP_GE) {
            int c = strcmp(scr_str_of(a)->s, scr_str_of(b)->s);
            *out = scr_bool(op == SCR_OP_LT ? c < 0 : op == SCR_OP_LE ? c <= 0
                            : op == SCR_OP_GT ? c > 0 : c >= 0);
            return 0;
        }
    }
    if (a.k == SCR_V_STR && op == SCR_OP_MOD)
        return str_percent(I, a, b, out);
    bool ai = a.k == SCR_V_INT || a.k == SCR_V_BOOL;
    bool bi = b.k == SCR_V_INT || b.k == SCR_V_BOOL;
    if (op == SCR_OP_MUL && (a.k == SCR_V_STR || scr_is_seq(a)) && bi)
        return repeat_seq(I, a, b.k == SCR_V_INT ? b.u.i : b.u.b, out);
    if (op == SCR_OP_MUL && (b.k == SCR_V_STR || scr_is_seq(b)) && ai)
        return repeat_seq(I, b, a.k == SCR_V_INT ? a.u.i : a.u.b, out);
    if (op == SCR_OP_ADD && scr_is_seq(a) && a.k == b.k) {
        *out = seq_concat(a, b);
        return 0;
    }
    return unsupported(I, op, a, b);
}

int scr_binop(scr_interp *I, scr_op op, scr_value a, scr_value b,
              scr_value *out) {
    char msg[256];
    if (op == SCR_OP_IS || op == SCR_OP_ISNOT)
        return is_binop(op, a, b, out);
    if (op == SCR_OP_IN || op == SCR_OP_NOTIN)
        return in_binop(I, op, a, b, out);
    if (scr_is_pyscalar(a) && scr_is_pyscalar(b)) {
        if (scr_pyscalar_binop(op, a, b, out, msg, sizeof msg) < 0)
            return scr_fail(I, "%s%s",
                            strstr(msg, "zero") ? "ZeroDivisionError: "
                            : strstr(msg, "overflow") ? "OverflowError: "
                            : strstr(msg, "unsupported") ? "TypeError: " : "",
                            msg);
        return 0;
    }
    if (a.k != SCR_V_ARRAY && b.k != SCR_V_ARRAY)
        return value_binop(I, op, a, b, out);
    /* an array meets anything array-like: NumPy's ufunc */
    binfn f = array_binop(op);
    if (!f)
        return unsupported(I, op, a, b);
    scr_value vals[2] = {a, b};
    loom_array *x[2];
    if (scr_operands(I, vals, 2, x) < 0)
        return -1;
    return scr_wrap(I, f(x[0], x[1]), out);
}

static int unop(scr_interp *I, scr_op op, scr_value a, scr_value *out) {
    char msg[256];
    if (scr_is_pyscalar(a)) {
        if (scr_pyscalar_unop(op, a, out, msg, sizeof msg) < 0)
            return scr_fail(I, "TypeError: %s", msg);
        return 0;
    }
    loom_array *x;
    if (a.k != SCR_V_ARRAY && !scr_is_seq(a))
        return scr_fail(I, "TypeError: bad operand type for unary %s: '%s'",
                        scr_op_text(op), scr_type_name(a));
    if (scr_to_array(I, a, &x) < 0)
        return -1;
    loom_array *r = op == SCR_OP_NEG ? loom_negative(x)
                  : op == SCR_OP_POS ? loom_positive(x) : loom_invert(x);
    return scr_wrap(I, r, out);
}

/* "%d items, %.3f loss" % (n, x): printf-style formatting of Python. */
static int str_percent(scr_interp *I, scr_value fmt, scr_value args,
                       scr_value *out) {
    const char *s = scr_str_of(fmt)->s;
    size_t n = scr_str_of(fmt)->len;
    scr_value *items = &args;
    int nitems = 1, next = 0;
    if (args.k == SCR_V_TUPLE) {
        items = scr_seq_of(args)->v;
        nitems = scr_seq_of(args)->n;
    }
    scr_buf b = {0};
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            scr_buf_putc(&b, s[i]);
            continue;
        }
        if (++i >= n)
            break;
        if (s[i] == '%') {
            scr_buf_putc(&b, '%');
            continue;
        }
        /* flags width .precision type -> a format spec */
        char spec[64];
        size_t k = 0;
        char align = 0, sign = 0;
        bool zero = false;
        while (i < n && strchr("-+ 0#", s[i])) {
            if (s[i] == '-')
                align = '<';
            else if (s[i] == '+' || s[i] == ' ')
                sign = s[i];
            else if (s[i] == '0')
                zero = true;
            i++;
        }
        if (align)
            spec[k++] = align;
        if (sign)
            spec[k++] = sign;
        if (zero && !align)
            spec[k++] = '0';
        while (i < n && (isdigit((unsigned char)s[i]) || s[i] == '.') && k < 40)
            spec[k++] = s[i++];
        if (i >= n) {
            scr_buf_free(&b);
            return scr_fail(I, "ValueError: incomplete format");
        }
        char type = s[i];
        if (next >= nitems) {
            scr_buf_free(&b);
            return scr_fail(I, "TypeError: not enough arguments for format "
                               "string");
        }
        scr_value v = items[next++];
        int rc;
        if (type == 's' || type == 'r') {
            scr_buf t = {0};
            rc = scr_str_of_value(I, v, type == 'r', &t);
            spec[k] = 0;
            if (rc == 0) {
                char msg[128];
                rc = scr_fmt_spec_str(&b, t.s ? t.s : "", t.n, spec, msg,
                                      sizeof msg);
            }
            scr_buf_free(&t);
        } else {
            if (type == 'i' || type == 'u')
                type = 'd';
            if (!strchr("deEfFgGxXo", type)) {
                scr_buf_free(&b);
                return scr_fail(I, "ValueError: unsupported format "
                                   "character '%c'", type);
            }
            if (type == 'd' || type == 'x' || type == 'X' || type == 'o') {
                double f;
                if (scr_to_float(I, v, "%d format", &f) < 0) {
                    scr_buf_free(&b);
                    return -1;
                }
                if (v.k != SCR_V_INT)
                    v = scr_int((int64_t)f);
            } else if (v.k == SCR_V_ARRAY) {
                double f;
                if (scr_to_float(I, v, "% format", &f) < 0) {
                    scr_buf_free(&b);
                    return -1;
                }
                v = scr_float(f);
            }
            spec[k++] = type;
            spec[k] = 0;
            rc = scr_format_value(I, v, spec, &b);
        }
        if (rc < 0) {
            scr_buf_free(&b);
            return -1;
        }
    }
    if (next < nitems) {
        scr_buf_free(&b);
        return scr_fail(I, "TypeError: not all arguments converted during "
                           "string formatting");
    }
    *out = scr_str_new(b.s ? b.s : "", b.n);
    scr_buf_free(&b);
    return 0;
}

/* ------------------------------------------------------------------------
 * Expressions
 * ------------------------------------------------------------------------ */

static int eval(scr_interp *I, const scr_node *n, scr_value *out);

/* Python's slice.indices(): clamps a slice to a sequence of length len. */
static int py_slice(scr_interp *I, scr_slice *s, int64_t len, int64_t *start,
                    int64_t *stop, int64_t *step, int64_t *count) {
    int64_t a = 0, b = 0, c = 1;
    *start = *stop = *count = 0;
    *step = 1;
    if (slice_bound(I, s->start, &a) < 0 || slice_bound(I, s->stop, &b) < 0 ||
        slice_bound(I, s->step, &c) < 0)
        return -1;
    if (c == LOOM_END)
        c = 1;
    if (c == 0)
        return scr_fail(I, "ValueError: slice step cannot be zero");
    if (a == LOOM_END)
        a = c < 0 ? len - 1 : 0;
    else {
        if (a < 0)
            a += len;
        if (a < 0)
            a = c < 0 ? -1 : 0;
        if (a >= len)
            a = c < 0 ? len - 1 : len;
    }
    if (b == LOOM_END)
        b = c < 0 ? -1 : len;
    else {
        if (b < 0)
            b += len;
        if (b < 0)
            b = c < 0 ? -1 : 0;
        if (b >= len)
            b = c < 0 ? len - 1 : len;
    }
    *start = a;
    *stop = b;
    *step = c;
    if (c > 0)
        *count = b > a ? (b - a + c - 1) / c : 0;
    else
        *count = a > b ? (a - b - c - 1) / -c : 0;
    return 0;
}

static int64_t range_len(const scr_range *r) {
    int64_t n = r->step > 0 ? (r->stop - r->start + r->step - 1) / r->step
                            : (r->start - r->stop - r->step - 1) / -r->step;
    return n < 0 ? 0 : n;
}

/* Python subscript of tuples, lists, strings and ranges. */
static int py_subscript(scr_interp *I, scr_value obj, scr_value idx,
                        scr_value *out) {
    int64_t len = obj.k == SCR_V_STR ? (int64_t)scr_str_of(obj)->len
                : obj.k == SCR_V_RANGE ? range_len((scr_range *)obj.u.o)
                                       : scr_seq_of(obj)->n;
    if (idx.k == SCR_V_SLICE) {
        int64_t a, b, c, m;
        if (py_slice(I, (scr_slice *)idx.u.o, len, &a, &b, &c, &m) < 0)
            return -1;
        if (obj.k == SCR_V_STR) {
            scr_buf s = {0};
            for (int64_t i = 0; i < m; i++)
                scr_buf_putc(&s, scr_str_of(obj)->s[a + i * c]);
            *out = scr_str_new(s.s ? s.s : "", s.n);
            scr_buf_free(&s);
        } else if (obj.k == SCR_V_RANGE) {
            scr_range *r = (scr_range *)obj.u.o;
            scr_range *nr = scr_xcalloc(1, sizeof *nr);
            nr->h.refs = 1;
            nr->h.k = SCR_V_RANGE;
            nr->start = r->start + a * r->step;
            nr->step = r->step * c;
            nr->stop = nr->start + m * nr->step;
            out->k = SCR_V_RANGE;
            out->u.o = &nr->h;
        } else {
            *out = scr_seq_new(obj.k, (int)m);
            for (int64_t i = 0; i < m; i++)
                scr_seq_of(*out)->v[i] = scr_ref(scr_seq_of(obj)->v[a + i * c]);
        }
        return 0;
    }
    int64_t i;
    if (idx.k != SCR_V_INT && idx.k != SCR_V_BOOL && idx.k != SCR_V_ARRAY)
        return scr_fail(I, "TypeError: %s indices must be integers or slices, "
                           "not %s", scr_type_name(obj), scr_type_name(idx));
    if (scr_to_int(I, idx, "index", &i) < 0)
        return -1;
    if (i < 0)
        i += len;
    if (i < 0 || i >= len)
        return scr_fail(I, "IndexError: %s index out of range",
                        scr_type_name(obj));
    if (obj.k == SCR_V_STR)
        *out = scr_str_new(scr_str_of(obj)->s + i, 1);
    else if (obj.k == SCR_V_RANGE) {
        scr_range *r = (scr_range *)obj.u.o;
        *out = scr_int(r->start + i * r->step);
    } else
        *out = scr_ref(scr_seq_of(obj)->v[i]);
    return 0;
}

static int subscript(scr_interp *I, scr_value obj, scr_value idx,
                     scr_value *out) {
    if (obj.k == SCR_V_ARRAY) {
        loom_index ix[MAX_INDEX];
        int n;
        if (scr_to_index(I, idx, ix, &n) < 0)
            return -1;
        return scr_wrap(I, loom_index_get(scr_arr(obj), n, ix), out);
    }
    if (scr_is_seq(obj) || obj.k == SCR_V_STR || obj.k == SCR_V_RANGE)
        return py_subscript(I, obj, idx, out);
    if (obj.k == SCR_V_INDEX_EXP) { /* np.s_[...]; np.index_exp: a tuple */
        if (obj.u.i && idx.k != SCR_V_TUPLE) {
            *out = scr_seq_new(SCR_V_TUPLE, 1);
            scr_seq_of(*out)->v[0] = scr_ref(idx);
        } else {
            *out = scr_ref(idx);
        }
        return 0;
    }
    return scr_fail(I, "TypeError: '%s' object is not subscriptable",
                    scr_type_name(obj));
}

static int shape_tuple(loom_array *a, scr_value *out) {
    loom_shape s = loom_shape_of(a);
    *out = scr_seq_new(SCR_V_TUPLE, s.ndim);
    for (int i = 0; i < s.ndim; i++)
        scr_seq_of(*out)->v[i] = scr_int(s.dim[i]);
    return 0;
}

static scr_value method_new(scr_vkind k, scr_value self, const scr_func *fn) {
    scr_method *m = scr_xcalloc(1, sizeof *m);
    m->h.refs = 1;
    m->h.k = k;
    m->self = scr_ref(self);
    m->fn = fn;
    scr_value v = {k, {.o = &m->h}};
    return v;
}

/* Attributes of np.finfo(t) and np.iinfo(t). */
static int info_attribute(scr_interp *I, scr_value obj, const char *name,
                          scr_value *out) {
    loom_dtype t = SCR_DT(obj);
    bool f32 = t == LOOM_FLOAT32;
    if (strcmp(name, "bits") == 0) {
        *out = scr_int(8 * (int64_t)loom_dtype_size(t));
        return 0;
    }
    if (strcmp(name, "dtype") == 0) {
        out->k = SCR_V_DTYPE;
        out->u.dt = t;
        return 0;
    }
    if (obj.u.dt & SCR_DT_IINFO) {
        bool i32 = t == LOOM_INT32;
        if (strcmp(name, "max") == 0) {
            *out = scr_int(i32 ? INT32_MAX : INT64_MAX);
            return 0;
        }
        if (strcmp(name, "min") == 0) {
            *out = scr_int(i32 ? INT32_MIN : INT64_MIN);
            return 0;
        }
        return scr_fail(I, "AttributeError: 'iinfo' object has no attribute "
                           "'%s'", name);
    }
    static const struct {
        const char *name;
        double v32, v64;
    } tab[] = {
        {"eps", 1.1920928955078125e-07, 2.220446049250313e-16},
        {"max", 3.4028234663852886e38, 1.7976931348623157e308},
        {"min", -3.4028234663852886e38, -1.7976931348623157e308},
        {"tiny", 1.1754943508222875e-38, 2.2250738585072014e-308},
        {"smallest_normal", 1.1754943508222875e-38, 2.2250738585072014e-308},
        {"resolution", 1e-06, 1e-15},
        {"epsneg", 5.960464477539063e-08, 1.1102230246251565e-16},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (strcmp(name, tab[i].name) == 0)
            return scr_wrap(I, loom_scalar_typed(I->ctx, f32 ? tab[i].v32
                                                             : tab[i].v64, t),
                            out);
    if (strcmp(name, "precision") == 0) {
        *out = scr_int(f32 ? 6 : 15);
        return 0;
    }
    return scr_fail(I, "AttributeError: 'finfo' object has no attribute '%s' "
                       "(or loom scripts do not support it)", name);
}

static int attribute(scr_interp *I, scr_value obj, const char *name,
                     scr_value *out) {
    switch (obj.k) {
    case SCR_V_MODULE: {
        if (obj.u.mod == SCR_MOD_NP && strcmp(name, "linalg") == 0) {
            out->k = SCR_V_MODULE;
            out->u.mod = SCR_MOD_LINALG;
            return 0;
        }
        if (obj.u.mod == SCR_MOD_NP && strcmp(name, "random") == 0) {
            out->k = SCR_V_MODULE;
            out->u.mod = SCR_MOD_RANDOM;
            return 0;
        }
        if (scr_np_constant(obj.u.mod, name, out))
            return 0;
        const scr_func *f = scr_np_lookup(obj.u.mod, name);
        if (f) {
            out->k = SCR_V_FUNC;
            out->u.fn = f;
            return 0;
        }
        const char *mn = obj.u.mod == SCR_MOD_NP ? "numpy"
                       : obj.u.mod == SCR_MOD_LINALG ? "numpy.linalg"
                                                     : "numpy.random";
        if (obj.u.mod == SCR_MOD_RANDOM)
            return scr_fail(I, "module '%s' has no attribute '%s' in loom "
                               "scripts (the legacy global RandomState API "
                               "is not supported; use "
                               "np.random.default_rng(seed))", mn, name);
        return scr_fail(I, "module '%s' has no attribute '%s' (not supported "
                           "by loom scripts)", mn, name);
    }
    case SCR_V_ARRAY: {
        loom_array *a = scr_arr(obj);
        if (strcmp(name, "shape") == 0)
            return shape_tuple(a, out);
        if (strcmp(name, "ndim") == 0) {
            *out = scr_int(loom_ndim(a));
            return 0;
        }
        if (strcmp(name, "size") == 0) {
            *out = scr_int(loom_size(a));
            return 0;
        }
        if (strcmp(name, "dtype") == 0) {
            out->k = SCR_V_DTYPE;
            out->u.dt = loom_dtype_of(a);
            return 0;
        }
        if (strcmp(name, "itemsize") == 0) {
            *out = scr_int((int64_t)loom_dtype_size(loom_dtype_of(a)));
            return 0;
        }
        if (strcmp(name, "nbytes") == 0) {
            *out = scr_int(loom_size(a) *
                           (int64_t)loom_dtype_size(loom_dtype_of(a)));
            return 0;
        }
        if (strcmp(name, "T") == 0)
            return scr_wrap(I, loom_T(a), out);
        if (strcmp(name, "real") == 0) {
            *out = scr_ref(obj);
            return 0;
        }
        const scr_func *f = scr_method_lookup(name);
        if (f) {
            *out = method_new(SCR_V_METHOD, obj, f);
            return 0;
        }
        return scr_fail(I, "AttributeError: 'numpy.ndarray' object has no "
                           "attribute '%s' (or loom scripts do not support "
                           "it)", name);
    }
    case SCR_V_RNG: {
        const scr_func *f = scr_rng_method_lookup(name);
        if (f) {
            *out = method_new(SCR_V_METHOD, obj, f);
            return 0;
        }
        return scr_fail(I, "AttributeError: 'numpy.random.Generator' object "
                           "has no attribute '%s' (or loom scripts do not "
                           "support it)", name);
    }
    case SCR_V_DTYPE:
        if (obj.u.dt & (SCR_DT_FINFO | SCR_DT_IINFO))
            return info_attribute(I, obj, name, out);
        if (strcmp(name, "name") == 0) {
            const char *s = loom_dtype_name(SCR_DT(obj));
            *out = scr_str_new(s, strlen(s));
            return 0;
        }
        if (strcmp(name, "itemsize") == 0) {
            *out = scr_int((int64_t)loom_dtype_size(SCR_DT(obj)));
            return 0;
        }
        if (strcmp(name, "kind") == 0) {
            const char *k = SCR_DT(obj) == LOOM_BOOL ? "b"
                          : kind_of(SCR_DT(obj)) == 1 ? "i" : "f";
            *out = scr_str_new(k, 1);
            return 0;
        }
        break;
    case SCR_V_FUNC: {
        static const char *const ufuncs[] = {"add", "subtract", "multiply",
                                             "maximum", "minimum", NULL};
        for (int i = 0; ufuncs[i]; i++)
            if (strcmp(obj.u.fn->name, ufuncs[i]) == 0 &&
                strcmp(name, "at") == 0) {
                *out = method_new(SCR_V_UFUNC_AT, scr_none, obj.u.fn);
                return 0;
            }
        if (strcmp(name, "at") == 0 || strcmp(name, "reduce") == 0 ||
            strcmp(name, "accumulate") == 0 || strcmp(name, "outer") == 0)
            return scr_fail(I, "np.%s.%s is not supported by loom scripts",
                            obj.u.fn->name, name);
        break;
    }
    case SCR_V_STR:
    case SCR_V_LIST:
    case SCR_V_TUPLE: {
        char full[64];
        snprintf(full, sizeof full, "%s.%s", obj.k == SCR_V_STR ? "str"
                                             : obj.k == SCR_V_LIST ? "list"
                                                                   : "tuple",
                 name);
        const scr_func *f = scr_builtin_lookup(full);
        if (f) {
            *out = method_new(SCR_V_METHOD, obj, f);
            return 0;
        }
        break;
    }
    default:
        break;
    }
    return scr_fail(I, "AttributeError: '%s' object has no attribute '%s'",
                    scr_type_name(obj), name);
}

/* Evaluates call arguments: positional (with *seq expanded) and keyword. */
typedef struct callargs {
    scr_value pos[64];
    int npos;
    const char *kwn[32];
    scr_value kw[32];
    int nkw;
} callargs;

static void callargs_free(callargs *c) {
    for (int i = 0; i < c->npos; i++)
        scr_unref(c->pos[i]);
    for (int i = 0; i < c->nkw; i++)
        scr_unref(c->kw[i]);
    c->npos = c->nkw = 0;
}

static int iterate(scr_interp *I, scr_value it, scr_value **items, int *n);

static int eval_args(scr_interp *I, const scr_node *call, callargs *c) {
    c->npos = c->nkw = 0;
    for (int i = 1; i < call->nkids; i++) {
        const scr_node *a = call->kids[i];
        scr_value v;
        if (a->kind == SCR_N_KWARG) {
            if (c->nkw == 32)
                return fail_at(I, a, "too many keyword arguments");
            if (eval(I, a->kids[0], &v) < 0)
                return -1;
            c->kwn[c->nkw] = a->str;
            c->kw[c->nkw++] = v;
            continue;
        }
        if (a->kind == SCR_N_STARARG) {
            if (eval(I, a->kids[0], &v) < 0)
                return -1;
            scr_value *items;
            int m;
            I->cur = a;
            int rc = iterate(I, v, &items, &m);
            scr_unref(v);
            if (rc < 0)
                return -1;
            for (int k = 0; k < m; k++) {
                if (c->npos == 64) {
                    for (int j = k; j < m; j++)
                        scr_unref(items[j]);
                    free(items);
                    return fail_at(I, a, "too many arguments");
                }
                c->pos[c->npos++] = items[k];
            }
            free(items);
            continue;
        }
        if (c->npos == 64)
            return fail_at(I, a, "too many arguments");
        if (eval(I, a, &v) < 0)
            return -1;
        c->pos[c->npos++] = v;
    }
    return 0;
}

static int call_value(scr_interp *I, const scr_node *n, scr_value fn,
                      callargs *c, scr_value *out) {
    I->cur = n;
    switch (fn.k) {
    case SCR_V_FUNC:
        return scr_call(I, fn.u.fn, c->pos, c->npos, c->kwn, c->kw, c->nkw,
                        out);
    case SCR_V_METHOD: {
        scr_method *m = (scr_method *)fn.u.o;
        if (c->npos == 64)
            return fail_at(I, n, "too many arguments");
        memmove(c->pos + 1, c->pos, (size_t)c->npos * sizeof(scr_value));
        c->pos[0] = scr_ref(m->self);
        c->npos++;
        return scr_call(I, m->fn, c->pos, c->npos, c->kwn, c->kw, c->nkw,
                        out);
    }
    case SCR_V_UFUNC_AT: {
        scr_method *m = (scr_method *)fn.u.o;
        const scr_func *at = scr_builtin_lookup("ufunc.at");
        /* pass the ufunc's name first */
        if (c->npos == 64)
            return fail_at(I, n, "too many arguments");
        memmove(c->pos + 1, c->pos, (size_t)c->npos * sizeof(scr_value));
        c->pos[0] = scr_str_new(m->fn->name, strlen(m->fn->name));
        c->npos++;
        return scr_call(I, at, c->pos, c->npos, c->kwn, c->kw, c->nkw, out);
    }
    case SCR_V_DTYPE: {
        const scr_func *f = scr_builtin_lookup("dtype()");
        if (c->npos == 64)
            return fail_at(I, n, "too many arguments");
        memmove(c->pos + 1, c->pos, (size_t)c->npos * sizeof(scr_value));
        c->pos[0] = fn;
        c->npos++;
        return scr_call(I, f, c->pos, c->npos, c->kwn, c->kw, c->nkw, out);
    }
    default:
        return fail_at(I, n, "TypeError: '%s' object is not callable",
                       scr_type_name(fn));
    }
}

/* Materializes an iterable: tuples, lists, ranges, strings, arrays (along
 * the first axis).  *items holds new references; free the vector. */
int scr_iterate(scr_interp *I, scr_value it, scr_value **items, int *n) {
    return iterate(I, it, items, n);
}

static int iterate(scr_interp *I, scr_value it, scr_value **items, int *n) {
    *items = NULL;
    *n = 0;
    switch (it.k) {
    case SCR_V_TUPLE:
    case SCR_V_LIST: {
        scr_seq *s = scr_seq_of(it);
        *items = scr_xmalloc((size_t)(s->n ? s->n : 1) * sizeof(scr_value));
        for (int i = 0; i < s->n; i++)
            (*items)[i] = scr_ref(s->v[i]);
        *n = s->n;
        return 0;
    }
    case SCR_V_RANGE: {
        scr_range *r = (scr_range *)it.u.o;
        int64_t m = range_len(r);
        if (m > (1 << 26))
            return scr_fail(I, "MemoryError: range too long to materialize");
        *items = scr_xmalloc((size_t)(m ? m : 1) * sizeof(scr_value));
        for (int64_t i = 0; i < m; i++)
            (*items)[i] = scr_int(r->start + i * r->step);
        *n = (int)m;
        return 0;
    }
    case SCR_V_STR: {
        scr_str *s = scr_str_of(it);
        *items = scr_xmalloc((s->len ? s->len : 1) * sizeof(scr_value));
        for (size_t i = 0; i < s->len; i++)
            (*items)[i] = scr_str_new(s->s + i, 1);
        *n = (int)s->len;
        return 0;
    }
    case SCR_V_ARRAY: {
        loom_array *a = scr_arr(it);
        if (loom_ndim(a) == 0)
            return scr_fail(I, "TypeError: iteration over a 0-d array");
        int64_t m = loom_dim(a, 0);
        *items = scr_xmalloc((size_t)(m ? m : 1) * sizeof(scr_value));
        for (int64_t i = 0; i < m; i++) {
            loom_index ix = LOOM_I(i);
            if (scr_wrap(I, loom_index_get(a, 1, &ix), &(*items)[i]) < 0) {
                for (int64_t k = 0; k < i; k++)
                    scr_unref((*items)[k]);
                free(*items);
                *items = NULL;
                return -1;
            }
        }
        *n = (int)m;
        return 0;
    }
    default:
        return scr_fail(I, "TypeError: '%s' object is not iterable",
                        scr_type_name(it));
    }
}

static int assign(scr_interp *I, const scr_node *target, scr_value v);

static int eval_listcomp(scr_interp *I, const scr_node *n, scr_value *out) {
    scr_value it;
    if (eval(I, n->kids[2], &it) < 0)
        return -1;
    scr_value *items;
    int m;
    I->cur = n;
    int rc = iterate(I, it, &items, &m);
    scr_unref(it);
    if (rc < 0)
        return -1;
    /* the comprehension's variables do not leak (Python 3) */
    const scr_node *t = n->kids[1];
    const char *names[16];
    scr_value saved[16];
    bool had[16];
    int nn = 0;
    const scr_node *const *tk = t->kind == SCR_N_NAME ? &t : (const scr_node *const *)t->kids;
    int ntk = t->kind == SCR_N_NAME ? 1 : t->nkids;
    for (int i = 0; i < ntk && nn < 16; i++)
        if (tk[i]->kind == SCR_N_NAME) {
            var *x = lookup_var(I, tk[i]->str);
            names[nn] = tk[i]->str;
            had[nn] = x != NULL;
            saved[nn] = x ? scr_ref(x->v) : scr_none;
            nn++;
        }
    *out = scr_seq_new(SCR_V_LIST, 0);
    rc = 0;
    for (int i = 0; i < m && rc == 0; i++) {
        rc = assign(I, t, items[i]);
        scr_value e;
        if (rc == 0 && (rc = eval(I, n->kids[0], &e)) == 0)
            scr_list_append(*out, e);
    }
    for (int i = 0; i < m; i++)
        scr_unref(items[i]);
    free(items);
    for (int i = 0; i < nn; i++) {
        if (had[i])
            bind(I, names[i], saved[i]);
        else
            unbind(I, names[i]);
        scr_unref(saved[i]);
    }
    if (rc < 0) {
        scr_unref(*out);
        *out = scr_none;
    }
    return rc;
}

static int eval_fstring(scr_interp *I, const scr_node *n, scr_value *out) {
    scr_buf b = {0};
    for (int i = 0; i < n->nkids; i++) {
        const scr_node *p = n->kids[i];
        if (p->kind == SCR_N_STR) {
            scr_buf_putn(&b, p->str, p->len);
            continue;
        }
        scr_value v;
        if (eval(I, p->kids[0], &v) < 0) {
            scr_buf_free(&b);
            return -1;
        }
        I->cur = p;
        int rc;
        if (p->op == 'r' || p->op == 's') {
            scr_buf t = {0};
            rc = scr_str_of_value(I, v, p->op == 'r', &t);
            if (rc == 0) {
                scr_value sv = scr_str_new(t.s ? t.s : "", t.n);
                rc = scr_format_value(I, sv, p->str, &b);
                scr_unref(sv);
            }
            scr_buf_free(&t);
        } else {
            rc = scr_format_value(I, v, p->str, &b);
        }
        scr_unref(v);
        if (rc < 0) {
            scr_buf_free(&b);
            return -1;
        }
    }
    *out = scr_str_new(b.s ? b.s : "", b.n);
    scr_buf_free(&b);
    return 0;
}

static int eval_compare(scr_interp *I, const scr_node *n, scr_value *out) {
    scr_value a;
    if (eval(I, n->kids[0], &a) < 0)
        return -1;
    scr_value result = scr_none;
    for (int i = 0; i + 1 < n->nkids; i++) {
        scr_value b;
        if (eval(I, n->kids[i + 1], &b) < 0) {
            scr_unref(a);
            scr_unref(result);
            return -1;
        }
        I->cur = n;
        scr_value r;
        int rc = scr_binop(I, (scr_op)n->cmpops[i], a, b, &r);
        scr_unref(a);
        a = b;
        scr_unref(result);
        result = scr_none;
        if (rc < 0) {
            scr_unref(a);
            return -1;
        }
        result = r;
        if (i + 2 < n->nkids) {
            bool t;
            if (scr_truth(I, r, &t) < 0) {
                scr_unref(a);
                scr_unref(result);
                return -1;
            }
            if (!t)
                break;
        }
    }
    scr_unref(a);
    *out = result;
    return 0;
}

static int eval(scr_interp *I, const scr_node *n, scr_value *out) {
    *out = scr_none;
    switch (n->kind) {
    case SCR_N_INT: *out = scr_int(n->ival); return 0;
    case SCR_N_FLOAT: *out = scr_float(n->fval); return 0;
    case SCR_N_STR: *out = scr_str_new(n->str, n->len); return 0;
    case SCR_N_FSTR: return eval_fstring(I, n, out);
    case SCR_N_TRUE: *out = scr_bool(true); return 0;
    case SCR_N_FALSE: *out = scr_bool(false); return 0;
    case SCR_N_NONE: return 0;
    case SCR_N_ELLIPSIS: out->k = SCR_V_ELLIPSIS; return 0;
    case SCR_N_NAME: {
        var *x = lookup_var(I, n->str);
        if (x) {
            *out = scr_ref(x->v);
            return 0;
        }
        const scr_func *f = scr_builtin_lookup(n->str);
        if (f) {
            out->k = SCR_V_FUNC;
            out->u.fn = f;
            return 0;
        }
        if (strcmp(n->str, "numpy") == 0 || strcmp(n->str, "np") == 0)
            return fail_at(I, n, "NameError: name '%s' is not defined (add "
                                 "'import numpy as np')", n->str);
        return fail_at(I, n, "NameError: name '%s' is not defined", n->str);
    }
    case SCR_N_TUPLE:
    case SCR_N_LIST: {
        *out = scr_seq_new(n->kind == SCR_N_TUPLE ? SCR_V_TUPLE : SCR_V_LIST,
                           0);
        for (int i = 0; i < n->nkids; i++) {
            const scr_node *k = n->kids[i];
            scr_value v;
            if (k->kind == SCR_N_STARARG) {
                if (eval(I, k->kids[0], &v) < 0)
                    goto seq_fail;
                scr_value *items;
                int m;
                I->cur = k;
                int rc = iterate(I, v, &items, &m);
                scr_unref(v);
                if (rc < 0)
                    goto seq_fail;
                for (int j = 0; j < m; j++)
                    scr_list_append(*out, items[j]);
                free(items);
                continue;
            }
            if (eval(I, k, &v) < 0)
                goto seq_fail;
            scr_list_append(*out, v);
        }
        return 0;
    seq_fail:
        scr_unref(*out);
        *out = scr_none;
        return -1;
    }
    case SCR_N_LISTCOMP: return eval_listcomp(I, n, out);
    case SCR_N_ATTR: {
        scr_value obj;
        if (eval(I, n->kids[0], &obj) < 0)
            return -1;
        I->cur = n;
        int rc = attribute(I, obj, n->str, out);
        scr_unref(obj);
        return rc;
    }
    case SCR_N_SUBSCRIPT: {
        scr_value obj, idx;
        if (eval(I, n->kids[0], &obj) < 0)
            return -1;
        if (eval(I, n->kids[1], &idx) < 0) {
            scr_unref(obj);
            return -1;
        }
        I->cur = n;
        int rc = subscript(I, obj, idx, out);
        scr_unref(obj);
        scr_unref(idx);
        return rc;
    }
    case SCR_N_SLICE: {
        scr_slice *s = scr_xcalloc(1, sizeof *s);
        s->h.refs = 1;
        s->h.k = SCR_V_SLICE;
        out->k = SCR_V_SLICE;
        out->u.o = &s->h;
        scr_value *parts[3] = {&s->start, &s->stop, &s->step};
        for (int i = 0; i < 3; i++)
            if (n->kids[i] && eval(I, n->kids[i], parts[i]) < 0) {
                scr_unref(*out);
                *out = scr_none;
                return -1;
            }
        return 0;
    }
    case SCR_N_CALL: {
        scr_value fn;
        if (eval(I, n->kids[0], &fn) < 0)
            return -1;
        callargs *c = scr_xmalloc(sizeof *c);
        int rc = eval_args(I, n, c);
        if (rc == 0)
            rc = call_value(I, n, fn, c, out);
        callargs_free(c);
        free(c);
        scr_unref(fn);
        return rc;
    }
    case SCR_N_BINOP: {
        scr_value a, b;
        if (eval(I, n->kids[0], &a) < 0)
            return -1;
        if (eval(I, n->kids[1], &b) < 0) {
            scr_unref(a);
            return -1;
        }
        I->cur = n;
        int rc = scr_binop(I, (scr_op)n->op, a, b, out);
        scr_unref(a);
        scr_unref(b);
        return rc;
    }
    case SCR_N_UNARY: {
        scr_value a;
        if (eval(I, n->kids[0], &a) < 0)
            return -1;
        I->cur = n;
        int rc = unop(I, (scr_op)n->op, a, out);
        scr_unref(a);
        return rc;
    }
    case SCR_N_COMPARE: return eval_compare(I, n, out);
    case SCR_N_NOT: {
        scr_value a;
        if (eval(I, n->kids[0], &a) < 0)
            return -1;
        I->cur = n;
        bool t;
        int rc = scr_truth(I, a, &t);
        scr_unref(a);
        *out = scr_bool(!t);
        return rc;
    }
    case SCR_N_AND:
    case SCR_N_OR: {
        scr_value a;
        if (eval(I, n->kids[0], &a) < 0)
            return -1;
        I->cur = n;
        bool t;
        if (scr_truth(I, a, &t) < 0) {
            scr_unref(a);
            return -1;
        }
        if ((n->kind == SCR_N_AND) != t) {
            *out = a;
            return 0;
        }
        scr_unref(a);
        return eval(I, n->kids[1], out);
    }
    case SCR_N_IFEXP: {
        scr_value c;
        if (eval(I, n->kids[1], &c) < 0)
            return -1;
        I->cur = n;
        bool t;
        int rc = scr_truth(I, c, &t);
        scr_unref(c);
        if (rc < 0)
            return -1;
        return eval(I, n->kids[t ? 0 : 2], out);
    }
    case SCR_N_KWARG:
        return fail_at(I, n, "invalid syntax: keyword argument outside a "
                             "call");
    case SCR_N_STARARG:
        return fail_at(I, n, "can't use starred expression here");
    default:
        return fail_at(I, n, "unsupported expression");
    }
}

/* ------------------------------------------------------------------------
 * Statements
 * ------------------------------------------------------------------------ */

/* Unpacks v into the targets of a tuple/list target. */
static int unpack(scr_interp *I, const scr_node *target, scr_value v) {
    for (int i = 0; i < target->nkids; i++)
        if (target->kids[i]->kind == SCR_N_STARARG)
            return fail_at(I, target->kids[i], "starred assignment targets "
                                               "are not supported by loom "
                                               "scripts");
    scr_value *items;
    int m;
    I->cur = target;
    if (v.k == SCR_V_ARRAY && loom_ndim(scr_arr(v)) > 0 &&
        loom_dim(scr_arr(v), 0) != target->nkids) {
        int64_t got = loom_dim(scr_arr(v), 0);
        return got < target->nkids
                   ? fail_at(I, target, "ValueError: not enough values to "
                                        "unpack (expected %d, got %lld)",
                             target->nkids, (long long)got)
                   : fail_at(I, target, "ValueError: too many values to "
                                        "unpack (expected %d)", target->nkids);
    }
    if (iterate(I, v, &items, &m) < 0)
        return -1;
    int rc = 0;
    if (m < target->nkids)
        rc = fail_at(I, target, "ValueError: not enough values to unpack "
                                "(expected %d, got %d)", target->nkids, m);
    else if (m > target->nkids)
        rc = fail_at(I, target, "ValueError: too many values to unpack "
                                "(expected %d)", target->nkids);
    for (int i = 0; i < m && rc == 0; i++)
        rc = assign(I, target->kids[i], items[i]);
    for (int i = 0; i < m; i++)
        scr_unref(items[i]);
    free(items);
    return rc;
}

/* The array box a subscript target writes into.  x[i] = v needs x to be a
 * name bound to an array; x[i][j] = v writes through the view x[i] when
 * that is basic indexing (a view, as in NumPy). */
static int store_subscript(scr_interp *I, const scr_node *target,
                           scr_value v);

static int store_into(scr_interp *I, const scr_node *base_expr,
                      scr_value idxv, scr_value v, const scr_node *at) {
    scr_value base;
    if (eval(I, base_expr, &base) < 0)
        return -1;
    I->cur = at;
    int rc = 0;
    if (base.k == SCR_V_LIST) {
        scr_seq *s = scr_seq_of(base);
        int64_t i;
        if (idxv.k == SCR_V_SLICE) {
            rc = fail_at(I, at, "slice assignment to lists is not supported "
                                "by loom scripts");
        } else if ((rc = scr_to_int(I, idxv, "list index", &i)) == 0) {
            if (i < 0)
                i += s->n;
            if (i < 0 || i >= s->n) {
                rc = fail_at(I, at, "IndexError: list assignment index out "
                                    "of range");
            } else {
                scr_unref(s->v[i]);
                s->v[i] = scr_ref(v);
            }
        }
        scr_unref(base);
        return rc;
    }
    if (base.k != SCR_V_ARRAY) {
        rc = fail_at(I, at, "TypeError: '%s' object does not support item "
                            "assignment", scr_type_name(base));
        scr_unref(base);
        return rc;
    }
    loom_index ix[MAX_INDEX];
    int n;
    loom_array *val;
    if (scr_to_index(I, idxv, ix, &n) < 0 || scr_to_array(I, v, &val) < 0) {
        scr_unref(base);
        return -1;
    }
    scr_value nv;
    if (scr_wrap(I, loom_index_set(scr_arr(base), n, ix, val), &nv) < 0) {
        scr_unref(base);
        return -1;
    }
    if (base_expr->kind == SCR_N_NAME) {
        scr_box_set(base, scr_arr(nv));
    } else if (base_expr->kind == SCR_N_SUBSCRIPT) {
        /* write the updated view back into its base */
        bool basic = true;
        for (int i = 0; i < n; i++)
            if (ix[i].kind == LOOM_IDX_ARRAY)
                basic = false;
        (void)basic;
        rc = store_subscript(I, base_expr, nv);
    } else {
        rc = fail_at(I, at, "assignment through '%s' is not supported by "
                            "loom scripts; assign to a name or a subscript "
                            "of a name",
                     base_expr->kind == SCR_N_ATTR ? base_expr->str
                                                   : "an expression");
    }
    scr_unref(nv);
    scr_unref(base);
    return rc;
}

static int store_subscript(scr_interp *I, const scr_node *target,
                           scr_value v) {
    const scr_node *idx_node = target->kids[1];
    /* a[i][j] = v with a[i] an advanced (copying) index would be lost in
     * NumPy; refuse it loudly instead */
    if (target->kids[0]->kind == SCR_N_SUBSCRIPT) {
        scr_value inner_idx;
        if (eval(I, target->kids[0]->kids[1], &inner_idx) < 0)
            return -1;
        bool adv = inner_idx.k == SCR_V_ARRAY || inner_idx.k == SCR_V_LIST;
        if (inner_idx.k == SCR_V_TUPLE)
            for (int i = 0; i < scr_seq_of(inner_idx)->n; i++)
                adv |= scr_seq_of(inner_idx)->v[i].k == SCR_V_ARRAY ||
                       scr_seq_of(inner_idx)->v[i].k == SCR_V_LIST;
        scr_unref(inner_idx);
        if (adv)
            return fail_at(I, target, "assignment into a copy made by "
                                      "advanced indexing has no effect in "
                                      "NumPy; loom scripts refuse it");
    }
    scr_value idxv;
    if (eval(I, idx_node, &idxv) < 0)
        return -1;
    int rc = store_into(I, target->kids[0], idxv, v, target);
    scr_unref(idxv);
    return rc;
}

static int assign(scr_interp *I, const scr_node *target, scr_value v) {
    switch (target->kind) {
    case SCR_N_NAME:
        bind(I, target->str, v);
        return 0;
    case SCR_N_TUPLE:
    case SCR_N_LIST:
        return unpack(I, target, v);
    case SCR_N_SUBSCRIPT:
        return store_subscript(I, target, v);
    case SCR_N_ATTR:
        return fail_at(I, target, "assignment to attribute '%s' is not "
                                  "supported by loom scripts", target->str);
    default:
        return fail_at(I, target, "cannot assign to expression");
    }
}

static const char *ufunc_name(scr_op op) {
    switch (op) {
    case SCR_OP_ADD: return "add";
    case SCR_OP_SUB: return "subtract";
    case SCR_OP_MUL: return "multiply";
    case SCR_OP_DIV: return "divide";
    case SCR_OP_FLOORDIV: return "floor_divide";
    case SCR_OP_MOD: return "remainder";
    case SCR_OP_POW: return "power";
    case SCR_OP_MATMUL: return "matmul";
    case SCR_OP_AND: return "bitwise_and";
    case SCR_OP_OR: return "bitwise_or";
    case SCR_OP_XOR: return "bitwise_xor";
    case SCR_OP_LSHIFT: return "left_shift";
    default: return "right_shift";
    }
}

/* x op= v on an array bound to a name: NumPy computes in place, so the
 * result keeps x's dtype (same-kind casting) and shape. */
static int inplace_array(scr_interp *I, const scr_node *n, scr_value x,
                         scr_value v) {
    loom_array *a = scr_arr(x);
    scr_value r;
    I->cur = n;
    if (scr_binop(I, (scr_op)n->op, x, v, &r) < 0)
        return -1;
    loom_array *ra = scr_arr(r);
    loom_dtype t = loom_dtype_of(a), rt = loom_dtype_of(ra);
    int rc = 0;
    loom_shape sa = loom_shape_of(a), sr = loom_shape_of(ra);
    bool same_shape = sa.ndim == sr.ndim;
    for (int i = 0; same_shape && i < sa.ndim; i++)
        same_shape = sa.dim[i] == sr.dim[i];
    if (!same_shape) {
        scr_buf b1 = {0}, b2 = {0};
        scr_value t1, t2;
        shape_tuple(a, &t1);
        shape_tuple(ra, &t2);
        put_value(I, t1, false, &b1);
        put_value(I, t2, false, &b2);
        rc = fail_at(I, n, "ValueError: non-broadcastable output operand "
                           "with shape %s doesn't match the broadcast shape "
                           "%s", b1.s, b2.s);
        scr_unref(t1);
        scr_unref(t2);
        scr_buf_free(&b1);
        scr_buf_free(&b2);
    } else if (rt != t) {
        if (kind_of(rt) > kind_of(t)) {
            rc = fail_at(I, n, "UFuncTypeError: Cannot cast ufunc '%s' "
                               "output from dtype('%s') to dtype('%s') with "
                               "casting rule 'same_kind'",
                         ufunc_name((scr_op)n->op), loom_dtype_name(rt),
                         loom_dtype_name(t));
        } else {
            scr_value c;
            rc = scr_wrap(I, loom_astype(ra, t), &c);
            if (rc == 0) {
                scr_unref(r);
                r = c;
            }
        }
    }
    if (rc == 0)
        scr_box_set(x, scr_arr(r));
    scr_unref(r);
    return rc;
}

static int exec_augassign(scr_interp *I, const scr_node *n) {
    const scr_node *t = n->kids[0];
    scr_value v;
    if (eval(I, n->kids[1], &v) < 0)
        return -1;
    int rc;
    if (t->kind == SCR_N_NAME) {
        var *x = lookup_var(I, t->str);
        if (!x) {
            scr_unref(v);
            return fail_at(I, t, "NameError: name '%s' is not defined",
                           t->str);
        }
        scr_value cur = scr_ref(x->v);
        if (cur.k == SCR_V_ARRAY) {
            rc = inplace_array(I, n, cur, v);
        } else if (cur.k == SCR_V_LIST && n->op == SCR_OP_ADD) {
            scr_value *items;
            int m;
            I->cur = n;
            rc = iterate(I, v, &items, &m);
            if (rc == 0) {
                for (int i = 0; i < m; i++)
                    scr_list_append(cur, items[i]);
                free(items);
            }
        } else {
            scr_value r;
            I->cur = n;
            rc = scr_binop(I, (scr_op)n->op, cur, v, &r);
            if (rc == 0) {
                bind(I, t->str, r);
                scr_unref(r);
            }
        }
        scr_unref(cur);
    } else if (t->kind == SCR_N_SUBSCRIPT) {
        /* x[idx] op= v: get, operate, set (buffered, as NumPy) */
        scr_value base, idx, curv, r;
        if (eval(I, t->kids[0], &base) < 0) {
            scr_unref(v);
            return -1;
        }
        if (eval(I, t->kids[1], &idx) < 0) {
            scr_unref(base);
            scr_unref(v);
            return -1;
        }
        I->cur = n;
        rc = subscript(I, base, idx, &curv);
        if (rc == 0) {
            rc = scr_binop(I, (scr_op)n->op, curv, v, &r);
            scr_unref(curv);
            if (rc == 0) {
                rc = store_into(I, t->kids[0], idx, r, t);
                scr_unref(r);
            }
        }
        scr_unref(base);
        scr_unref(idx);
    } else {
        rc = fail_at(I, t, "augmented assignment to '%s' is not supported "
                           "by loom scripts",
                     t->kind == SCR_N_ATTR ? t->str : "this target");
    }
    scr_unref(v);
    return rc;
}

static int exec_stmt(scr_interp *I, const scr_node *s);

static int cmp_ptr(const void *a, const void *b) {
    uintptr_t x = (uintptr_t) * (loom_array *const *)a;
    uintptr_t y = (uintptr_t) * (loom_array *const *)b;
    return x < y ? -1 : x > y;
}

static void list_cb(void *ud, loom_array *a) {
    scr_buf *b = ud;
    scr_buf_putn(b, (const char *)&a, sizeof a);
}

/* Sorts and dedupes a pointer vector held in a scr_buf; returns the
 * count. */
static size_t ptr_set(scr_buf *b) {
    loom_array **v = (loom_array **)(void *)b->s;
    size_t n = b->n / sizeof *v, w = 0;
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_ptr);
    for (size_t i = 0; i < n; i++)
        if (w == 0 || v[w - 1] != v[i])
            v[w++] = v[i];
    return w;
}

/* Ends the innermost loop scope.  Arrays that variables still reach move
 * to the enclosing scope (each once): with made_only, just those made
 * since record recs_before (arrays from before live in an outer scope
 * already); otherwise all of them, because the scope ending may hold
 * arrays kept into it earlier.  Everything else built since recs_before
 * is released, with the records pointing at it. */
static void end_loop_scope(scr_interp *I, int recs_before, bool made_only) {
    scr_buf live = {0}, made = {0};
    for (int i = 0; i < I->nvars; i++)
        each_array(I->vars[i].v, list_cb, &live);
    for (int i = recs_before; i < I->nrecs; i++)
        list_cb(&made, I->recs[i].a);
    size_t nl = ptr_set(&live), nm = ptr_set(&made);
    loom_array **lv = (loom_array **)(void *)live.s;
    loom_array **mv = (loom_array **)(void *)made.s;
    for (size_t i = 0; i < nl; i++)
        if (!made_only ||
            (nm && bsearch(&lv[i], mv, nm, sizeof *mv, cmp_ptr)))
            loom_keep(lv[i]);
    loom_scope_end(I->ctx);
    int w = recs_before;
    for (int i = recs_before; i < I->nrecs; i++) {
        loom_array *a = I->recs[i].a;
        if (nl && bsearch(&a, lv, nl, sizeof *lv, cmp_ptr))
            I->recs[w++] = I->recs[i];
    }
    I->nrecs = w;
    scr_buf_free(&live);
    scr_buf_free(&made);
}

static int eval_live(scr_interp *I, int line);

static int exec_for(scr_interp *I, const scr_node *n) {
    scr_value it;
    if (eval(I, n->kids[1], &it) < 0)
        return -1;
    I->cur = n->kids[1];
    int rc = 0;
    int64_t count = 0;
    scr_value *items = NULL;
    int nitems = 0;
    bool is_range = it.k == SCR_V_RANGE;
    if (is_range)
        count = range_len((scr_range *)it.u.o);
    else if ((rc = iterate(I, it, &items, &nitems)) == 0)
        count = nitems;
    /* Each iteration runs in its own scope, so that what it builds and
     * drops is released; what variables keep moves to a loop scope, which
     * is renewed every LOOP_SCOPE_ITERATIONS iterations so that values
     * carried from iteration to iteration do not pile up. */
    bool scoped = !I->opts.no_scopes;
    int recs_loop = I->nrecs;
    if (scoped)
        loom_scope_begin(I->ctx);
    for (int64_t k = 0; k < count && rc == 0; k++) {
        int recs_before = I->nrecs;
        if (scoped)
            loom_scope_begin(I->ctx);
        scr_value v = is_range ? scr_int(((scr_range *)it.u.o)->start +
                                         k * ((scr_range *)it.u.o)->step)
                               : scr_ref(items[k]);
        rc = assign(I, n->kids[0], v);
        scr_unref(v);
        for (int i = 2; i < n->nkids && rc == 0; i++)
            rc = exec_stmt(I, n->kids[i]);
        if (rc == 0 && I->since_eval > CHECKPOINT_ARRAYS) {
            I->stmt_line = n->line;
            loom_set_location(I->ctx, I->file, n->line);
            rc = eval_live(I, n->line);
        }
        if (scoped && rc == 0) {
            end_loop_scope(I, recs_before, true);
            if ((k + 1) % LOOP_SCOPE_ITERATIONS == 0) {
                end_loop_scope(I, recs_loop, false);
                loom_scope_begin(I->ctx);
                recs_loop = I->nrecs;
            }
        }
    }
    if (scoped && rc == 0)
        end_loop_scope(I, recs_loop, false);
    for (int i = 0; i < nitems; i++)
        scr_unref(items[i]);
    free(items);
    scr_unref(it);
    return rc;
}

static int exec_stmt(scr_interp *I, const scr_node *s) {
    I->stmt_line = s->line;
    I->cur = s;
    loom_set_location(I->ctx, I->file, s->line);
    switch (s->kind) {
    case SCR_N_EXPR_STMT: {
        scr_value v;
        if (eval(I, s->kids[0], &v) < 0)
            return -1;
        scr_unref(v);
        return 0;
    }
    case SCR_N_ASSIGN: {
        scr_value v;
        if (eval(I, s->kids[s->nkids - 1], &v) < 0)
            return -1;
        int rc = 0;
        for (int i = 0; i < s->nkids - 1 && rc == 0; i++)
            rc = assign(I, s->kids[i], v);
        scr_unref(v);
        return rc;
    }
    case SCR_N_AUGASSIGN:
        return exec_augassign(I, s);
    case SCR_N_FOR:
        return exec_for(I, s);
    case SCR_N_IMPORT: {
        scr_value m = {SCR_V_MODULE, {.mod = SCR_MOD_NP}};
        bind(I, s->str, m);
        return 0;
    }
    case SCR_N_ASSERT: {
        scr_value v;
        if (eval(I, s->kids[0], &v) < 0)
            return -1;
        I->cur = s;
        bool t;
        int rc = scr_truth(I, v, &t);
        scr_unref(v);
        if (rc < 0 || t)
            return rc;
        if (s->nkids < 2)
            return fail_at(I, s, "AssertionError");
        scr_value m;
        if (eval(I, s->kids[1], &m) < 0)
            return -1;
        scr_buf b = {0};
        rc = scr_str_of_value(I, m, false, &b);
        scr_unref(m);
        if (rc == 0)
            fail_at(I, s, "AssertionError: %s", b.s ? b.s : "");
        scr_buf_free(&b);
        return -1;
    }
    case SCR_N_PASS:
        for (int i = 0; i < s->nkids; i++)
            if (exec_stmt(I, s->kids[i]) < 0)
                return -1;
        return 0;
    default:
        return fail_at(I, s, "unsupported statement");
    }
}

/* Evaluates every array the variables hold, as an evaluation point of
 * `line`. */
static int eval_live(scr_interp *I, int line) {
    scr_buf b = {0};
    for (int i = 0; i < I->nvars; i++)
        each_array(I->vars[i].v, collect_cb, &b);
    I->stmt_line = line;
    I->cur = NULL;
    int rc = scr_eval_arrays(I, (loom_array **)(void *)b.s,
                             (int)(b.n / sizeof(loom_array *)));
    scr_buf_free(&b);
    return rc;
}

/* At the end of the script: what the variables still hold and nobody
 * looked at, so that run-time errors surface as they would in NumPy. */
static int eval_leftovers(scr_interp *I) { return eval_live(I, -1); }

int scr_run(loom_ctx *ctx, const char *file, const scr_ast *ast,
            const scr_run_opts *opts, scr_error *err) {
    scr_interp I = {.ctx = ctx, .file = file, .err = err,
                    .printopts = SCR_PRINTOPTS_DEFAULT};
    if (opts)
        I.opts = *opts;
    memset(err, 0, sizeof *err);
    int rc = 0;
    for (int i = 0; i < ast->root->nkids && rc == 0; i++)
        rc = exec_stmt(&I, ast->root->kids[i]);
    if (rc == 0)
        rc = eval_leftovers(&I);
    if (I.opts.out)
        fflush(I.opts.out);
    for (int i = 0; i < I.nvars; i++) {
        scr_unref(I.vars[i].v);
        free(I.vars[i].name);
    }
    free(I.vars);
    free(I.recs);
    if (rc != 0 && err->line == -1)
        err->line = 0;
    return rc == 0 ? 0 : 1;
}
