/*
 * builtins.c -- the Python built-ins loom scripts may call (print, range,
 * len, int, float, min, max, ...), methods of str and list, calling a
 * dtype (np.float32(x)) and ufunc.at (np.add.at).
 */
#include "tools/script.h"

#include <ctype.h>
#include <errno.h>
#include <fenv.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define UNUSED __attribute__((unused))
#define H(name)                                                        \
    static int name(scr_interp *I UNUSED, const scr_func *F UNUSED,    \
                    scr_value *a UNUSED, scr_value *out UNUSED)

static bool is_none(scr_value v) { return v.k == SCR_V_NONE; }

/* ---- print, str, repr, format ---- */

H(h_print) {
    (void)F;
    scr_seq *objs = scr_seq_of(a[0]);
    if (!is_none(a[3]))
        return scr_fail(I, "print(): argument 'file' is not supported by "
                           "loom scripts");
    if ((!is_none(a[1]) && a[1].k != SCR_V_STR) ||
        (!is_none(a[2]) && a[2].k != SCR_V_STR))
        return scr_fail(I, "TypeError: sep and end must be None or a "
                           "string");
    if (scr_eval_values(I, objs->v, objs->n) < 0)
        return -1;
    scr_buf b = {0};
    for (int i = 0; i < objs->n; i++) {
        if (i) {
            if (is_none(a[1]))
                scr_buf_putc(&b, ' ');
            else
                scr_buf_putn(&b, scr_str_of(a[1])->s, scr_str_of(a[1])->len);
        }
        if (scr_str_of_value(I, objs->v[i], false, &b) < 0) {
            scr_buf_free(&b);
            return -1;
        }
    }
    if (is_none(a[2]))
        scr_buf_putc(&b, '\n');
    else
        scr_buf_putn(&b, scr_str_of(a[2])->s, scr_str_of(a[2])->len);
    FILE *f = scr_out(I);
    if (f && b.n)
        fwrite(b.s, 1, b.n, f);
    scr_buf_free(&b);
    *out = scr_none;
    return 0;
}

static int to_str_value(scr_interp *I, scr_value v, bool repr,
                        scr_value *out) {
    scr_buf b = {0};
    if (scr_str_of_value(I, v, repr, &b) < 0) {
        scr_buf_free(&b);
        return -1;
    }
    *out = scr_str_new(b.s ? b.s : "", b.n);
    scr_buf_free(&b);
    return 0;
}

H(h_str) {
    (void)F;
    if (a[0].k == SCR_V_STR) {
        *out = scr_ref(a[0]);
        return 0;
    }
    return to_str_value(I, a[0], false, out);
}

H(h_repr) {
    (void)F;
    return to_str_value(I, a[0], true, out);
}

H(h_format) {
    (void)F;
    if (a[1].k != SCR_V_STR)
        return scr_fail(I, "TypeError: format() argument 2 must be str");
    scr_buf b = {0};
    if (scr_format_value(I, a[0], scr_str_of(a[1])->s, &b) < 0) {
        scr_buf_free(&b);
        return -1;
    }
    *out = scr_str_new(b.s ? b.s : "", b.n);
    scr_buf_free(&b);
    return 0;
}

/* ---- numbers ---- */

H(h_int) {
    (void)F;
    scr_value v = a[0];
    switch (v.k) {
    case SCR_V_INT: *out = v; return 0;
    case SCR_V_BOOL: *out = scr_int(v.u.b); return 0;
    case SCR_V_FLOAT:
        if (isnan(v.u.f))
            return scr_fail(I, "ValueError: cannot convert float NaN to "
                               "integer");
        if (isinf(v.u.f))
            return scr_fail(I, "OverflowError: cannot convert float infinity "
                               "to integer");
        if (fabs(v.u.f) >= 9.2233720368547758e18)
            return scr_fail(I, "OverflowError: integer too large for loom "
                               "scripts (int64)");
        *out = scr_int((int64_t)v.u.f);
        return 0;
    case SCR_V_STR: {
        const char *s = scr_str_of(v)->s;
        char *end;
        errno = 0;
        long long x = strtoll(s, &end, 10);
        while (isspace((unsigned char)*end))
            end++;
        if (end == s || *end || errno)
            return scr_fail(I, "ValueError: invalid literal for int() with "
                               "base 10: '%s'", s);
        *out = scr_int(x);
        return 0;
    }
    case SCR_V_ARRAY: {
        loom_dtype t = loom_dtype_of(scr_arr(v));
        double f;
        if (t == LOOM_FLOAT32 || t == LOOM_FLOAT64) {
            if (scr_to_float(I, v, "int()", &f) < 0)
                return -1;
            scr_value fv = scr_float(f);
            return h_int(I, F, &fv, out);
        }
        int64_t i;
        if (scr_to_int(I, v, "int()", &i) < 0)
            return -1;
        *out = scr_int(i);
        return 0;
    }
    default:
        return scr_fail(I, "TypeError: int() argument must be a string or a "
                           "real number, not '%s'", scr_type_name(v));
    }
}

H(h_float) {
    (void)F;
    scr_value v = a[0];
    if (v.k == SCR_V_STR) {
        const char *s = scr_str_of(v)->s;
        char *end;
        double f = strtod(s, &end);
        while (isspace((unsigned char)*end))
            end++;
        if (end == s || *end)
            return scr_fail(I, "ValueError: could not convert string to "
                               "float: '%s'", s);
        *out = scr_float(f);
        return 0;
    }
    double f;
    if (scr_to_float(I, v, "float()", &f) < 0)
        return -1;
    *out = scr_float(f);
    return 0;
}

H(h_bool) {
    (void)F;
    bool t;
    if (scr_truth(I, a[0], &t) < 0)
        return -1;
    *out = scr_bool(t);
    return 0;
}

H(h_abs) {
    (void)F;
    scr_value v = a[0];
    if (v.k == SCR_V_FLOAT) {
        *out = scr_float(fabs(v.u.f));
        return 0;
    }
    if (v.k == SCR_V_INT || v.k == SCR_V_BOOL) {
        int64_t x = v.k == SCR_V_INT ? v.u.i : v.u.b;
        if (x == INT64_MIN)
            return scr_fail(I, "OverflowError: integer overflow");
        *out = scr_int(x < 0 ? -x : x);
        return 0;
    }
    loom_array *x;
    if (scr_to_array(I, v, &x) < 0)
        return -1;
    return scr_wrap(I, loom_abs(x), out);
}

/* Python's round-half-even of a double to an integer. */
static double round_even(double x) {
    int mode = fegetround();
    fesetround(FE_TONEAREST);
    double r = nearbyint(x);
    fesetround(mode);
    return r;
}

H(h_round) {
    (void)F;
    scr_value v = a[0];
    if (v.k == SCR_V_ARRAY && !is_none(a[1])) {
        int64_t n;
        if (scr_to_int(I, a[1], "ndigits", &n) < 0)
            return -1;
        return scr_wrap(I, loom_round(scr_arr(v), (int)n), out);
    }
    if (v.k == SCR_V_ARRAY) {
        loom_dtype t = loom_dtype_of(scr_arr(v));
        if (t == LOOM_FLOAT32 || t == LOOM_FLOAT64) {
            double f;
            if (scr_to_float(I, v, "round()", &f) < 0)
                return -1;
            v = scr_float(f);
        } else {
            int64_t i;
            if (scr_to_int(I, v, "round()", &i) < 0)
                return -1;
            v = scr_int(i);
        }
    }
    if (v.k == SCR_V_BOOL)
        v = scr_int(v.u.b);
    if (v.k == SCR_V_INT) {
        if (is_none(a[1])) {
            *out = v;
            return 0;
        }
        int64_t n;
        if (scr_to_int(I, a[1], "ndigits", &n) < 0)
            return -1;
        if (n >= 0) {
            *out = v;
            return 0;
        }
        int64_t p = 1;
        for (int64_t k = 0; k < -n && p < INT64_MAX / 10; k++)
            p *= 10;
        int64_t q = v.u.i / p, r = v.u.i % p;
        if (r < 0) {
            q--;
            r += p;
        }
        if (2 * r > p || (2 * r == p && (q & 1)))
            q++;
        *out = scr_int(q * p);
        return 0;
    }
    if (v.k != SCR_V_FLOAT)
        return scr_fail(I, "TypeError: type %s doesn't define __round__ "
                           "method", scr_type_name(v));
    double x = v.u.f;
    if (is_none(a[1])) {
        if (!isfinite(x))
            return scr_fail(I, isnan(x) ? "ValueError: cannot convert float "
                                          "NaN to integer"
                                        : "OverflowError: cannot convert "
                                          "float infinity to integer");
        *out = scr_int((int64_t)round_even(x));
        return 0;
    }
    int64_t n;
    if (scr_to_int(I, a[1], "ndigits", &n) < 0)
        return -1;
    if (!isfinite(x)) {
        *out = v;
        return 0;
    }
    if (n >= 0) {
        /* exact decimal rounding of the binary value, half to even */
        char buf[512];
        snprintf(buf, sizeof buf, "%.*f", (int)(n > 300 ? 300 : n), x);
        *out = scr_float(strtod(buf, NULL));
    } else {
        double p = pow(10.0, (double)-n);
        *out = scr_float(round_even(x / p) * p);
    }
    return 0;
}

/* type(x): Python's classes for Python values, the NumPy scalar type for
 * 0-d arrays, np.ndarray otherwise. */
H(h_type) {
    scr_value v = a[0];
    static const char *const names[] = {
        [SCR_V_BOOL] = "bool", [SCR_V_INT] = "int", [SCR_V_FLOAT] = "float",
        [SCR_V_STR] = "str", [SCR_V_LIST] = "list", [SCR_V_TUPLE] = "tuple",
        [SCR_V_RANGE] = "range"};
    if ((size_t)v.k < sizeof names / sizeof names[0] && names[v.k]) {
        out->k = SCR_V_FUNC;
        out->u.fn = scr_builtin_lookup(names[v.k]);
        return 0;
    }
    if (v.k == SCR_V_ARRAY && loom_ndim(scr_arr(v)) == 0) {
        out->k = SCR_V_DTYPE;
        out->u.dt = (int)loom_dtype_of(scr_arr(v)) | SCR_DT_TYPE;
        return 0;
    }
    if (v.k == SCR_V_ARRAY) {
        out->k = SCR_V_FUNC;
        out->u.fn = scr_np_lookup(SCR_MOD_NP, "ndarray");
        return 0;
    }
    return scr_fail(I, "type() of '%s' is not supported by loom scripts",
                    scr_type_name(v));
}

/* ---- sequences ---- */

H(h_range) {
    (void)F;
    int64_t st = 0, sp, step = 1;
    if (is_none(a[1])) {
        if (scr_to_int(I, a[0], "range()", &sp) < 0)
            return -1;
    } else if (scr_to_int(I, a[0], "range()", &st) < 0 ||
               scr_to_int(I, a[1], "range()", &sp) < 0) {
        return -1;
    }
    if (!is_none(a[2]) && scr_to_int(I, a[2], "range()", &step) < 0)
        return -1;
    if (step == 0)
        return scr_fail(I, "ValueError: range() arg 3 must not be zero");
    scr_range *r = scr_xcalloc(1, sizeof *r);
    r->h.refs = 1;
    r->h.k = SCR_V_RANGE;
    r->start = st;
    r->stop = sp;
    r->step = step;
    out->k = SCR_V_RANGE;
    out->u.o = &r->h;
    return 0;
}

/* slice(stop), slice(start, stop[, step]): any values, as Python keeps
 * them; indexing checks them. */
H(h_slice) {
    (void)F;
    const scr_seq *args = scr_seq_of(a[0]);
    if (args->n < 1 || args->n > 3)
        return scr_fail(I, args->n ? "TypeError: slice expected at most 3 "
                                     "arguments, got %d"
                                   : "TypeError: slice expected at least 1 "
                                     "argument, got %d", args->n);
    scr_slice *s = scr_xcalloc(1, sizeof *s);
    s->h.refs = 1;
    s->h.k = SCR_V_SLICE;
    if (args->n == 1) {
        s->stop = scr_ref(args->v[0]);
    } else {
        s->start = scr_ref(args->v[0]);
        s->stop = scr_ref(args->v[1]);
        if (args->n == 3)
            s->step = scr_ref(args->v[2]);
    }
    out->k = SCR_V_SLICE;
    out->u.o = &s->h;
    return 0;
}

H(h_len) {
    (void)F;
    scr_value v = a[0];
    switch (v.k) {
    case SCR_V_STR: *out = scr_int((int64_t)scr_str_of(v)->len); return 0;
    case SCR_V_TUPLE:
    case SCR_V_LIST: *out = scr_int(scr_seq_of(v)->n); return 0;
    case SCR_V_RANGE: {
        scr_value *items;
        int n;
        scr_range *r = (scr_range *)v.u.o;
        int64_t m = r->step > 0 ? (r->stop - r->start + r->step - 1) / r->step
                                : (r->start - r->stop - r->step - 1) / -r->step;
        (void)items;
        (void)n;
        *out = scr_int(m < 0 ? 0 : m);
        return 0;
    }
    case SCR_V_ARRAY:
        if (loom_ndim(scr_arr(v)) == 0)
            return scr_fail(I, "TypeError: len() of unsized object");
        *out = scr_int(loom_dim(scr_arr(v), 0));
        return 0;
    default:
        return scr_fail(I, "TypeError: object of type '%s' has no len()",
                        scr_type_name(v));
    }
}

static int to_seq(scr_interp *I, scr_value it, scr_vkind k, scr_value *out) {
    scr_value *items;
    int n;
    if (scr_iterate(I, it, &items, &n) < 0)
        return -1;
    *out = scr_seq_new(k, n);
    for (int i = 0; i < n; i++)
        scr_seq_of(*out)->v[i] = items[i];
    free(items);
    return 0;
}

H(h_list) {
    (void)F;
    return to_seq(I, a[0], SCR_V_LIST, out);
}

H(h_tuple) {
    (void)F;
    if (a[0].k == SCR_V_TUPLE) {
        *out = scr_ref(a[0]);
        return 0;
    }
    return to_seq(I, a[0], SCR_V_TUPLE, out);
}

H(h_enumerate) {
    (void)F;
    scr_value *items;
    int n;
    int64_t start;
    if (scr_to_int(I, a[1], "start", &start) < 0 ||
        scr_iterate(I, a[0], &items, &n) < 0)
        return -1;
    *out = scr_seq_new(SCR_V_LIST, n);
    for (int i = 0; i < n; i++) {
        scr_value t = scr_seq_new(SCR_V_TUPLE, 2);
        scr_seq_of(t)->v[0] = scr_int(start + i);
        scr_seq_of(t)->v[1] = items[i];
        scr_seq_of(*out)->v[i] = t;
    }
    free(items);
    return 0;
}

H(h_zip) {
    (void)F;
    scr_seq *its = scr_seq_of(a[0]);
    int k = its->n, n = -1;
    scr_value **cols = scr_xcalloc((size_t)(k ? k : 1), sizeof *cols);
    int *lens = scr_xcalloc((size_t)(k ? k : 1), sizeof *lens);
    int rc = 0;
    for (int j = 0; j < k && rc == 0; j++) {
        rc = scr_iterate(I, its->v[j], &cols[j], &lens[j]);
        if (rc == 0 && (n < 0 || lens[j] < n))
            n = lens[j];
    }
    if (n < 0)
        n = 0;
    if (rc == 0) {
        *out = scr_seq_new(SCR_V_LIST, n);
        for (int i = 0; i < n; i++) {
            scr_value t = scr_seq_new(SCR_V_TUPLE, k);
            for (int j = 0; j < k; j++)
                scr_seq_of(t)->v[j] = scr_ref(cols[j][i]);
            scr_seq_of(*out)->v[i] = t;
        }
    }
    for (int j = 0; j < k; j++) {
        for (int i = 0; cols[j] && i < lens[j]; i++)
            scr_unref(cols[j][i]);
        free(cols[j]);
    }
    free(cols);
    free(lens);
    return rc;
}

H(h_reversed) {
    (void)F;
    scr_value *items;
    int n;
    if (scr_iterate(I, a[0], &items, &n) < 0)
        return -1;
    *out = scr_seq_new(SCR_V_LIST, n);
    for (int i = 0; i < n; i++)
        scr_seq_of(*out)->v[i] = items[n - 1 - i];
    free(items);
    return 0;
}

/* a < b as a Python bool (arrays of size 1 evaluate) */
static int less(scr_interp *I, scr_value x, scr_value y, bool *lt) {
    scr_value r;
    if (scr_binop(I, SCR_OP_LT, x, y, &r) < 0)
        return -1;
    int rc = scr_truth(I, r, lt);
    scr_unref(r);
    return rc;
}

H(h_sorted) {
    (void)F;
    if (!is_none(a[1]))
        return scr_fail(I, "sorted(): argument 'key' is not supported by "
                           "loom scripts");
    bool rev;
    if (scr_truth(I, a[2], &rev) < 0)
        return -1;
    scr_value *items;
    int n;
    if (scr_iterate(I, a[0], &items, &n) < 0)
        return -1;
    /* stable insertion sort */
    int rc = 0;
    for (int i = 1; i < n && rc == 0; i++) {
        scr_value v = items[i];
        int j = i;
        while (j > 0) {
            bool lt;
            rc = rev ? less(I, items[j - 1], v, &lt)
                     : less(I, v, items[j - 1], &lt);
            if (rc < 0 || !lt)
                break;
            items[j] = items[j - 1];
            j--;
        }
        items[j] = v;
    }
    *out = scr_seq_new(SCR_V_LIST, n);
    for (int i = 0; i < n; i++)
        scr_seq_of(*out)->v[i] = items[i];
    free(items);
    return rc;
}

/* min (op 0) / max (op 1) */
H(h_minmax) {
    scr_seq *args = scr_seq_of(a[0]);
    if (!is_none(a[1]))
        return scr_fail(I, "%s(): argument 'key' is not supported by loom "
                           "scripts", F->name);
    scr_value *items;
    int n;
    bool own = false;
    if (args->n == 1) {
        if (scr_iterate(I, args->v[0], &items, &n) < 0)
            return -1;
        own = true;
    } else {
        items = args->v;
        n = args->n;
    }
    int rc = 0;
    if (n == 0) {
        if (!is_none(a[2]))
            *out = scr_ref(a[2]);
        else
            rc = scr_fail(I, "ValueError: %s() arg is an empty sequence",
                          F->name);
    } else {
        int best = 0;
        for (int i = 1; i < n && rc == 0; i++) {
            bool lt;
            rc = F->op ? less(I, items[best], items[i], &lt)
                       : less(I, items[i], items[best], &lt);
            if (rc == 0 && lt)
                best = i;
        }
        if (rc == 0)
            *out = scr_ref(items[best]);
    }
    if (own) {
        for (int i = 0; i < n; i++)
            scr_unref(items[i]);
        free(items);
    }
    return rc;
}

H(h_sum) {
    (void)F;
    scr_value *items;
    int n;
    if (scr_iterate(I, a[0], &items, &n) < 0)
        return -1;
    scr_value acc = scr_ref(a[1]);
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        scr_value r;
        rc = scr_binop(I, SCR_OP_ADD, acc, items[i], &r);
        if (rc == 0) {
            scr_unref(acc);
            acc = r;
        }
    }
    for (int i = 0; i < n; i++)
        scr_unref(items[i]);
    free(items);
    if (rc < 0) {
        scr_unref(acc);
        return -1;
    }
    *out = acc;
    return 0;
}

/* all (op 0) / any (op 1) */
H(h_allany) {
    scr_value *items;
    int n;
    if (scr_iterate(I, a[0], &items, &n) < 0)
        return -1;
    bool r = F->op == 0;
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        bool t;
        rc = scr_truth(I, items[i], &t);
        if (rc == 0 && t != (F->op == 0)) {
            r = !r;
            break;
        }
    }
    for (int i = 0; i < n; i++)
        scr_unref(items[i]);
    free(items);
    *out = scr_bool(r);
    return rc;
}

H(h_divmod) {
    (void)F;
    scr_value q, r;
    if (scr_binop(I, SCR_OP_FLOORDIV, a[0], a[1], &q) < 0)
        return -1;
    if (scr_binop(I, SCR_OP_MOD, a[0], a[1], &r) < 0) {
        scr_unref(q);
        return -1;
    }
    *out = scr_seq_new(SCR_V_TUPLE, 2);
    scr_seq_of(*out)->v[0] = q;
    scr_seq_of(*out)->v[1] = r;
    return 0;
}

H(h_pow) {
    (void)F;
    if (!is_none(a[2]))
        return scr_fail(I, "pow(): argument 'mod' is not supported by loom "
                           "scripts");
    return scr_binop(I, SCR_OP_POW, a[0], a[1], out);
}

/* ---- str and list methods ---- */

/* "{} and {0:.3f} and {!r}".format(...) */
H(h_str_format) {
    (void)F;
    const char *s = scr_str_of(a[0])->s;
    size_t n = scr_str_of(a[0])->len;
    scr_seq *args = scr_seq_of(a[1]);
    scr_buf b = {0};
    int autonum = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if ((c == '{' || c == '}') && i + 1 < n && s[i + 1] == c) {
            scr_buf_putc(&b, c);
            i++;
            continue;
        }
        if (c == '}') {
            scr_buf_free(&b);
            return scr_fail(I, "ValueError: Single '}' encountered in format "
                               "string");
        }
        if (c != '{') {
            scr_buf_putc(&b, c);
            continue;
        }
        size_t j = i + 1;
        while (j < n && s[j] != '}')
            j++;
        if (j >= n) {
            scr_buf_free(&b);
            return scr_fail(I, "ValueError: expected '}' before end of "
                               "string");
        }
        char field[256];
        size_t fl = j - i - 1 < sizeof field - 1 ? j - i - 1
                                                 : sizeof field - 1;
        memcpy(field, s + i + 1, fl);
        field[fl] = 0;
        char *spec = strchr(field, ':');
        if (spec)
            *spec++ = 0;
        char *conv = strchr(field, '!');
        if (conv)
            *conv++ = 0;
        int idx;
        if (field[0] == 0) {
            idx = autonum++;
        } else if (isdigit((unsigned char)field[0])) {
            idx = atoi(field);
        } else {
            scr_buf_free(&b);
            return scr_fail(I, "str.format(): named fields ('%s') are not "
                               "supported by loom scripts", field);
        }
        if (idx >= args->n) {
            scr_buf_free(&b);
            return scr_fail(I, "IndexError: Replacement index %d out of "
                               "range for positional args tuple", idx);
        }
        scr_value v = args->v[idx];
        int rc;
        if (conv && (*conv == 'r' || *conv == 's')) {
            scr_value sv;
            rc = to_str_value(I, v, *conv == 'r', &sv);
            if (rc == 0) {
                rc = scr_format_value(I, sv, spec ? spec : "", &b);
                scr_unref(sv);
            }
        } else {
            rc = scr_format_value(I, v, spec ? spec : "", &b);
        }
        if (rc < 0) {
            scr_buf_free(&b);
            return -1;
        }
        i = j;
    }
    *out = scr_str_new(b.s ? b.s : "", b.n);
    scr_buf_free(&b);
    return 0;
}

H(h_str_join) {
    (void)F;
    scr_value *items;
    int n;
    if (scr_iterate(I, a[1], &items, &n) < 0)
        return -1;
    scr_buf b = {0};
    int rc = 0;
    for (int i = 0; i < n; i++) {
        if (items[i].k != SCR_V_STR && rc == 0)
            rc = scr_fail(I, "TypeError: sequence item %d: expected str "
                             "instance, %s found", i,
                          scr_type_name(items[i]));
        if (rc == 0) {
            if (i)
                scr_buf_putn(&b, scr_str_of(a[0])->s, scr_str_of(a[0])->len);
            scr_buf_putn(&b, scr_str_of(items[i])->s,
                         scr_str_of(items[i])->len);
        }
        scr_unref(items[i]);
    }
    free(items);
    if (rc == 0)
        *out = scr_str_new(b.s ? b.s : "", b.n);
    scr_buf_free(&b);
    return rc;
}

/* upper (op 0), lower (1), strip (2) */
H(h_str_case) {
    (void)I;
    scr_str *s = scr_str_of(a[0]);
    const char *p = s->s;
    size_t n = s->len;
    if (F->op == 2) {
        while (n && isspace((unsigned char)*p))
            p++, n--;
        while (n && isspace((unsigned char)p[n - 1]))
            n--;
    }
    *out = scr_str_new(p, n);
    scr_str *o = scr_str_of(*out);
    for (size_t i = 0; i < n && F->op < 2; i++)
        o->s[i] = (char)(F->op == 0 ? toupper((unsigned char)o->s[i])
                                    : tolower((unsigned char)o->s[i]));
    return 0;
}

H(h_str_replace) {
    (void)F;
    if (a[1].k != SCR_V_STR || a[2].k != SCR_V_STR)
        return scr_fail(I, "TypeError: replace() arguments must be str");
    const char *s = scr_str_of(a[0])->s;
    const char *old = scr_str_of(a[1])->s, *nw = scr_str_of(a[2])->s;
    size_t ol = strlen(old);
    scr_buf b = {0};
    if (ol == 0) {
        scr_buf_puts(&b, s);
    } else {
        const char *p;
        while ((p = strstr(s, old))) {
            scr_buf_putn(&b, s, (size_t)(p - s));
            scr_buf_puts(&b, nw);
            s = p + ol;
        }
        scr_buf_puts(&b, s);
    }
    *out = scr_str_new(b.s ? b.s : "", b.n);
    scr_buf_free(&b);
    return 0;
}

H(h_list_append) {
    (void)F;
    (void)I;
    scr_list_append(a[0], scr_ref(a[1]));
    *out = scr_none;
    return 0;
}

H(h_list_extend) {
    (void)F;
    scr_value *items;
    int n;
    if (scr_iterate(I, a[1], &items, &n) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        scr_list_append(a[0], items[i]);
    free(items);
    *out = scr_none;
    return 0;
}

/* ---- np.float32(x) & co, np.add.at ---- */

H(h_dtype_call) {
    (void)F;
    loom_dtype t = SCR_DT(a[0]);
    scr_value v = a[1];
    loom_ctx *c = scr_ctx(I);
    switch (v.k) {
    case SCR_V_BOOL:
    case SCR_V_INT:
    case SCR_V_FLOAT: {
        if (v.k == SCR_V_INT && (t == LOOM_INT64 || t == LOOM_INT32))
            return scr_wrap(I, loom_full_int(c, LOOM_SCALAR_SHAPE, v.u.i, t),
                            out);
        return scr_wrap(I, loom_scalar_typed(c, scr_pyscalar_float(v), t),
                        out);
    }
    case SCR_V_STR: {
        char *end;
        double f = strtod(scr_str_of(v)->s, &end);
        if (*end)
            return scr_fail(I, "ValueError: could not convert string to "
                               "float: '%s'", scr_str_of(v)->s);
        return scr_wrap(I, loom_scalar_typed(c, f, t), out);
    }
    case SCR_V_ARRAY:
        return scr_wrap(I, loom_astype(scr_arr(v), t), out);
    case SCR_V_TUPLE:
    case SCR_V_LIST: {
        loom_array *x;
        if (scr_array_from_obj(I, v, t, &x) < 0)
            return -1;
        return scr_wrap(I, x, out);
    }
    default:
        return scr_fail(I, "TypeError: cannot convert '%s' to %s",
                        scr_type_name(v), loom_dtype_name(t));
    }
}

H(h_ufunc_at) {
    (void)F;
    const char *name = scr_str_of(a[0])->s;
    if (a[1].k != SCR_V_ARRAY)
        return scr_fail(I, "TypeError: np.%s.at: first argument must be an "
                           "array", name);
    loom_index ix[32];
    int n;
    if (scr_to_index(I, a[2], ix, &n) < 0)
        return -1;
    if (strcmp(name, "add") != 0 && strcmp(name, "subtract") != 0)
        return scr_fail(I, "np.%s.at is not supported by loom scripts (only "
                           "np.add.at and np.subtract.at)", name);
    loom_array *v;
    if (is_none(a[3]))
        return scr_fail(I, "TypeError: np.%s.at needs values", name);
    if (scr_to_array(I, a[3], &v) < 0)
        return -1;
    if (name[0] == 's') {
        scr_value nv;
        if (scr_wrap(I, loom_negative(v), &nv) < 0)
            return -1;
        v = scr_arr(nv);
        scr_unref(nv);
    }
    scr_value r;
    if (scr_wrap(I, loom_index_add_at(scr_arr(a[1]), n, ix, v), &r) < 0)
        return -1;
    scr_box_set(a[1], scr_arr(r));
    scr_unref(r);
    *out = scr_none;
    return 0;
}

#define FN(n, sig, h) {n, sig, h, 0, NULL, NULL, -1, -1, -1, -1}
#define FO(n, sig, h, op) {n, sig, h, op, NULL, NULL, -1, -1, -1, -1}

static const scr_func BUILTINS[] = {
    FN("print", "*objects, sep=None, end=None, file=None, flush=False",
       h_print),
    FN("range", "start, stop=None, step=None, /", h_range),
    FN("len", "obj, /", h_len),
    FN("slice", "*args", h_slice),
    FN("int", "x=0, /", h_int),
    FN("float", "x=0.0, /", h_float),
    FN("bool", "x=False, /", h_bool),
    FN("str", "object='', /", h_str),
    FN("repr", "obj, /", h_repr),
    FN("type", "object, /", h_type),
    FN("format", "value, format_spec='', /", h_format),
    FN("abs", "x, /", h_abs),
    FN("round", "number, ndigits=None", h_round),
    FO("min", "*args, key=None, default=None", h_minmax, 0),
    FO("max", "*args, key=None, default=None", h_minmax, 1),
    FN("sum", "iterable, /, start=0", h_sum),
    FO("all", "iterable, /", h_allany, 0),
    FO("any", "iterable, /", h_allany, 1),
    FN("list", "iterable=(), /", h_list),
    FN("tuple", "iterable=(), /", h_tuple),
    FN("enumerate", "iterable, start=0", h_enumerate),
    FN("zip", "*iterables, strict=False", h_zip),
    FN("sorted", "iterable, /, *, key=None, reverse=False", h_sorted),
    FN("reversed", "sequence, /", h_reversed),
    FN("divmod", "a, b, /", h_divmod),
    FN("pow", "base, exp, mod=None", h_pow),
    FN("str.format", "self, *args", h_str_format),
    FN("str.join", "self, iterable, /", h_str_join),
    FO("str.upper", "self", h_str_case, 0),
    FO("str.lower", "self", h_str_case, 1),
    FO("str.strip", "self", h_str_case, 2),
    FN("str.replace", "self, old, new, /", h_str_replace),
    FN("list.append", "self, object, /", h_list_append),
    FN("list.extend", "self, iterable, /", h_list_extend),
    FN("dtype()", "t, x=0, /", h_dtype_call),
    FN("ufunc.at", "ufunc, a, indices, b=None, /", h_ufunc_at),
};

const scr_func *scr_builtin_lookup(const char *name) {
    for (size_t i = 0; i < sizeof BUILTINS / sizeof BUILTINS[0]; i++)
        if (strcmp(BUILTINS[i].name, name) == 0)
            return &BUILTINS[i];
    return NULL;
}
