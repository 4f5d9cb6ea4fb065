/*
 * npfuncs.c -- the NumPy surface of loom scripts: np.*, np.linalg.*,
 * np.random.default_rng and Generator methods, ndarray methods, and the
 * binding of Python call arguments to NumPy's parameter lists.
 *
 * Every entry maps one NumPy name, with NumPy's parameter names and
 * defaults, onto loom.h calls.  Handlers receive their arguments already
 * bound (positional and keyword) in signature order.
 */
#include "tools/script.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------------
 * Argument binding
 * ------------------------------------------------------------------------ */

enum { MAXP = 24 };

typedef struct param {
    char name[32];
    const char *def; /* default text, NULL if required */
    size_t deflen;
    bool var;        /* *args */
    bool kwonly;
    bool posonly;
    bool refuse;     /* '!': accepted only at its default */
} param;

/* Parses a signature string; returns the number of parameters. */
static int parse_sig(const char *sig, param *p) {
    int n = 0;
    bool kwonly = false;
    const char *s = sig;
    while (*s) {
        while (*s == ' ' || *s == ',')
            s++;
        if (!*s)
            break;
        /* a default may hold commas inside () or quotes */
        const char *st = s;
        int depth = 0;
        char q = 0;
        while (*s && (depth > 0 || q || *s != ',')) {
            if (q) {
                if (*s == q)
                    q = 0;
            } else if (*s == '\'' || *s == '"') {
                q = *s;
            } else if (*s == '(') {
                depth++;
            } else if (*s == ')') {
                depth--;
            }
            s++;
        }
        size_t len = (size_t)(s - st);
        while (len && st[len - 1] == ' ')
            len--;
        if (len == 1 && st[0] == '/') {
            for (int i = 0; i < n; i++)
                p[i].posonly = true;
            continue;
        }
        if (len == 1 && st[0] == '*') {
            kwonly = true;
            continue;
        }
        param *q1 = &p[n++];
        memset(q1, 0, sizeof *q1);
        q1->kwonly = kwonly;
        if (*st == '!') {
            q1->refuse = true;
            st++;
            len--;
        }
        if (*st == '*') {
            q1->var = true;
            kwonly = true;
            st++;
            len--;
        }
        const char *eq = memchr(st, '=', len);
        size_t nl = eq ? (size_t)(eq - st) : len;
        if (nl >= sizeof q1->name)
            nl = sizeof q1->name - 1;
        memcpy(q1->name, st, nl);
        q1->name[nl] = 0;
        if (eq) {
            q1->def = eq + 1;
            q1->deflen = len - (size_t)(eq + 1 - st);
        }
        if (n == MAXP)
            break;
    }
    return n;
}

/* The value of a default's text: None, True, False, numbers, 'strings',
 * () and -1. */
static scr_value parse_default(const char *s, size_t n) {
    char buf[64];
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    memcpy(buf, s, n);
    buf[n] = 0;
    if (strcmp(buf, "None") == 0)
        return scr_none;
    if (strcmp(buf, "True") == 0)
        return scr_bool(true);
    if (strcmp(buf, "False") == 0)
        return scr_bool(false);
    if (buf[0] == '\'' || buf[0] == '"')
        return scr_str_new(buf + 1, n >= 2 ? n - 2 : 0);
    if (strcmp(buf, "()") == 0)
        return scr_seq_new(SCR_V_TUPLE, 0);
    if (buf[0] == '(') {
        /* (0, 1) */
        scr_value t = scr_seq_new(SCR_V_TUPLE, 0);
        char *p = buf + 1;
        while (*p && *p != ')') {
            char *end;
            long long v = strtoll(p, &end, 10);
            if (end == p)
                break;
            scr_list_append(t, scr_int(v));
            p = end;
            while (*p == ',' || *p == ' ')
                p++;
        }
        return t;
    }
    if (strpbrk(buf, ".e") || strcmp(buf, "inf") == 0)
        return scr_float(strtod(buf, NULL));
    return scr_int(strtoll(buf, NULL, 10));
}

static const char *plural(int n) { return n == 1 ? "" : "s"; }

int scr_call(scr_interp *I, const scr_func *f, scr_value *pos, int npos,
             const char *const *kwnames, scr_value *kw, int nkw,
             scr_value *out) {
    param p[MAXP];
    int np_ = parse_sig(f->sig, p);
    scr_value args[MAXP];
    bool set[MAXP] = {false};
    int nposparams = 0, varidx = -1;
    for (int i = 0; i < np_; i++) {
        if (p[i].var) {
            varidx = i;
            break;
        }
        if (!p[i].kwonly)
            nposparams++;
    }
    *out = scr_none;
    if (npos > nposparams && varidx < 0) {
        int req = 0;
        for (int i = 0; i < nposparams; i++)
            req += p[i].def == NULL;
        if (req == nposparams)
            return scr_fail(I, "TypeError: %s() takes %d positional "
                               "argument%s but %d %s given", f->name,
                            nposparams, plural(nposparams), npos,
                            npos == 1 ? "was" : "were");
        return scr_fail(I, "TypeError: %s() takes from %d to %d positional "
                           "arguments but %d were given", f->name, req,
                        nposparams, npos);
    }
    int k = 0;
    for (; k < npos && k < nposparams; k++) {
        args[k] = pos[k];
        set[k] = true;
    }
    scr_value var = scr_none;
    if (varidx >= 0) {
        var = scr_seq_new(SCR_V_TUPLE, npos - k > 0 ? npos - k : 0);
        for (int i = k; i < npos; i++)
            scr_seq_of(var)->v[i - k] = scr_ref(pos[i]);
        args[varidx] = var;
        set[varidx] = true;
    }
    int rc = 0;
    for (int j = 0; j < nkw && rc == 0; j++) {
        int hit = -1;
        for (int i = 0; i < np_; i++)
            if (!p[i].var && strcmp(p[i].name, kwnames[j]) == 0)
                hit = i;
        if (hit < 0 || p[hit].posonly)
            rc = scr_fail(I, "TypeError: %s() got an unexpected keyword "
                             "argument '%s'", f->name, kwnames[j]);
        else if (set[hit])
            rc = scr_fail(I, "TypeError: %s() got multiple values for "
                             "argument '%s'", f->name, kwnames[j]);
        else {
            args[hit] = kw[j];
            set[hit] = true;
            if (p[hit].refuse) {
                scr_value d = parse_default(p[hit].def, p[hit].deflen);
                bool same = d.k == kw[j].k &&
                            (d.k == SCR_V_NONE ||
                             (d.k == SCR_V_BOOL && d.u.b == kw[j].u.b) ||
                             (d.k == SCR_V_INT && d.u.i == kw[j].u.i));
                if (d.k == SCR_V_STR && kw[j].k == SCR_V_STR)
                    same = strcmp(scr_str_of(d)->s,
                                  scr_str_of(kw[j])->s) == 0;
                scr_unref(d);
                if (!same)
                    rc = scr_fail(I, "%s(): argument '%s' is not supported "
                                     "by loom scripts", f->name, p[hit].name);
            }
        }
    }
    for (int i = 0; i < k && rc == 0; i++)
        if (p[i].refuse && pos[i].k != SCR_V_NONE) {
            scr_value d = parse_default(p[i].def, p[i].deflen);
            bool same = d.k == pos[i].k &&
                        (d.k == SCR_V_NONE ||
                         (d.k == SCR_V_BOOL && d.u.b == pos[i].u.b));
            if (d.k == SCR_V_STR && pos[i].k == SCR_V_STR)
                same = strcmp(scr_str_of(d)->s, scr_str_of(pos[i])->s) == 0;
            scr_unref(d);
            if (!same)
                rc = scr_fail(I, "%s(): argument '%s' is not supported by "
                                 "loom scripts", f->name, p[i].name);
        }
    if (rc == 0) {
        char missing[256] = "";
        int nmiss = 0;
        for (int i = 0; i < np_; i++)
            if (!set[i] && !p[i].def && !p[i].var) {
                size_t l = strlen(missing);
                snprintf(missing + l, sizeof missing - l, "%s'%.31s'",
                         nmiss ? " and " : "", p[i].name);
                nmiss++;
            }
        if (nmiss)
            rc = scr_fail(I, "TypeError: %s() missing %d required %sargument%s"
                             ": %s", f->name, nmiss,
                          p[0].kwonly ? "keyword-only " : "positional ",
                          plural(nmiss), missing);
    }
    if (rc < 0) {
        scr_unref(var);
        return -1;
    }
    /* defaults: new references; given arguments: take references */
    for (int i = 0; i < np_; i++) {
        if (i == varidx)
            continue;
        args[i] = set[i] ? scr_ref(args[i]) : parse_default(p[i].def,
                                                            p[i].deflen);
    }
    rc = f->fn(I, f, args, out);
    for (int i = 0; i < np_; i++)
        scr_unref(args[i]);
    return rc;
}

/* ------------------------------------------------------------------------
 * Helpers for handlers
 * ------------------------------------------------------------------------ */

#define UNUSED __attribute__((unused))
#define H(name)                                                        \
    static int name(scr_interp *I UNUSED, const scr_func *F UNUSED,    \
                    scr_value *a UNUSED, scr_value *out UNUSED)

static int ret(scr_interp *I, loom_array *r, scr_value *out) {
    return scr_wrap(I, r, out);
}

static int arr(scr_interp *I, scr_value v, loom_array **o) {
    return scr_to_array_strong(I, v, o);
}

static bool is_none(scr_value v) { return v.k == SCR_V_NONE; }

/* A tuple (or list) of n arrays, each checked. */
static int ret_seq(scr_interp *I, scr_vkind k, loom_array **xs, int n,
                   scr_value *out) {
    scr_value t = scr_seq_new(k, n);
    for (int i = 0; i < n; i++)
        if (scr_wrap(I, xs[i], &scr_seq_of(t)->v[i]) < 0) {
            scr_unref(t);
            return -1;
        }
    *out = t;
    return 0;
}

/* After a status-returning API call: the message of the first poisoned
 * output, else of the context. */
static int check_status(scr_interp *I, loom_status st, loom_array **outs,
                        int n) {
    if (st == LOOM_OK)
        return 0;
    for (int i = 0; i < n; i++)
        if (outs[i] && loom_status_of(outs[i]) != LOOM_OK)
            return scr_fail(I, "%s: %s",
                            scr_status_class(loom_status_of(outs[i])),
                            loom_error(outs[i]));
    const char *m = loom_ctx_error(scr_ctx(I));
    return scr_fail(I, "%s: %s", scr_status_class(st),
                    m && *m ? m : "the engine failed without a message");
}

static int get_int(scr_interp *I, scr_value v, const char *what,
                   int64_t *o) {
    return scr_to_int(I, v, what, o);
}

static int get_axis(scr_interp *I, scr_value v, int *o) {
    return scr_to_axis(I, v, "axis", o);
}

/* An int or a sequence of ints. */
static int int_list(scr_interp *I, scr_value v, const char *what,
                    int64_t *xs, int max, int *n) {
    if (v.k == SCR_V_TUPLE || v.k == SCR_V_LIST) {
        scr_seq *s = scr_seq_of(v);
        if (s->n > max)
            return scr_fail(I, "ValueError: %s: too many values", what);
        for (int i = 0; i < s->n; i++)
            if (scr_to_int(I, s->v[i], what, &xs[i]) < 0)
                return -1;
        *n = s->n;
        return 0;
    }
    if (v.k == SCR_V_ARRAY && loom_ndim(scr_arr(v)) == 1) {
        loom_array *x = scr_arr(v);
        int64_t m = loom_dim(x, 0);
        if (m > max)
            return scr_fail(I, "ValueError: %s: too many values", what);
        if (scr_eval_arrays(I, &x, 1) < 0)
            return -1;
        for (int64_t i = 0; i < m; i++)
            xs[i] = loom_item_int(x, &i);
        *n = (int)m;
        return 0;
    }
    *n = 1;
    return scr_to_int(I, v, what, &xs[0]);
}

static int normalize_axis(scr_interp *I, int64_t ax, int nd, int *o) {
    *o = 0;
    if (ax < -nd || ax >= nd)
        return scr_fail(I, "AxisError: axis %lld is out of bounds for array "
                           "of dimension %d", (long long)ax, nd);
    *o = (int)(ax < 0 ? ax + nd : ax);
    return 0;
}

static int str_arg(scr_interp *I, scr_value v, const char *what,
                   const char **o) {
    *o = "";
    if (v.k != SCR_V_STR)
        return scr_fail(I, "TypeError: %s must be a string, not '%s'", what,
                        scr_type_name(v));
    *o = scr_str_of(v)->s;
    return 0;
}

/* Casts to t unless t is the default. */
static loom_array *maybe_cast(loom_array *x, loom_dtype t) {
    if (t == LOOM_DEFAULT_DTYPE || !x || loom_dtype_of(x) == t)
        return x;
    return loom_astype(x, t);
}

/* Builds a temporary array value and keeps it alive for the statement. */
static int tmp_arr(scr_interp *I, loom_array *x, loom_array **o) {
    scr_value v;
    if (scr_wrap(I, x, &v) < 0)
        return -1;
    *o = scr_arr(v);
    scr_unref(v);
    return 0;
}

/* ------------------------------------------------------------------------
 * Creation
 * ------------------------------------------------------------------------ */

static bool kind_is_float(loom_dtype t) {
    return t == LOOM_FLOAT32 || t == LOOM_FLOAT64;
}

static loom_dtype or_default(loom_dtype t, loom_dtype d) {
    return t == LOOM_DEFAULT_DTYPE ? d : t;
}

H(h_array) {
    (void)F;
    loom_dtype t;
    int64_t ndmin;
    if (scr_to_dtype(I, a[1], "dtype", &t) < 0 ||
        get_int(I, a[5], "ndmin", &ndmin) < 0)
        return -1;
    loom_array *x;
    if (scr_array_from_obj(I, a[0], t, &x) < 0)
        return -1;
    if (ndmin > loom_ndim(x)) {
        loom_shape s = loom_shape_of(x), ns = {(int)ndmin, {0}};
        int pad = (int)ndmin - s.ndim;
        for (int i = 0; i < ns.ndim; i++)
            ns.dim[i] = i < pad ? 1 : s.dim[i - pad];
        x = loom_reshape(x, ns);
    }
    return ret(I, x, out);
}

H(h_asarray) {
    (void)F;
    loom_dtype t;
    if (scr_to_dtype(I, a[1], "dtype", &t) < 0)
        return -1;
    if (a[0].k == SCR_V_ARRAY &&
        (t == LOOM_DEFAULT_DTYPE || t == loom_dtype_of(scr_arr(a[0])))) {
        *out = scr_ref(a[0]);
        return 0;
    }
    loom_array *x;
    if (a[0].k == SCR_V_ARRAY) {
        x = maybe_cast(scr_arr(a[0]), t);
        return ret(I, x, out);
    }
    if (scr_array_from_obj(I, a[0], t, &x) < 0)
        return -1;
    return ret(I, x, out);
}

/* zeros / ones / empty: op 0, 1, 2 */
H(h_filled) {
    loom_shape s;
    loom_dtype t;
    if (scr_to_shape(I, a[0], "shape", &s) < 0 ||
        scr_to_dtype(I, a[1], "dtype", &t) < 0)
        return -1;
    t = or_default(t, LOOM_FLOAT64);
    loom_ctx *c = scr_ctx(I);
    loom_array *x = F->op == 0 ? loom_zeros(c, s, t)
                  : F->op == 1 ? loom_ones(c, s, t) : loom_empty(c, s, t);
    return ret(I, x, out);
}

/* full(shape, fill_value) and full_like(a, fill_value) */
static loom_array *full_of(scr_interp *I, loom_shape s, scr_value v,
                           loom_dtype t) {
    loom_ctx *c = scr_ctx(I);
    if (v.k == SCR_V_FLOAT)
        return loom_full(c, s, v.u.f, or_default(t, LOOM_FLOAT64));
    if (v.k == SCR_V_INT)
        return kind_is_float(t) ? loom_full(c, s, (double)v.u.i, t)
                                : loom_full_int(c, s, v.u.i,
                                                or_default(t, LOOM_INT64));
    if (v.k == SCR_V_BOOL)
        return loom_full_int(c, s, v.u.b, or_default(t, LOOM_BOOL));
    loom_array *x;
    if (scr_to_array_strong(I, v, &x) < 0)
        return NULL;
    x = loom_copy(loom_broadcast_to(maybe_cast(x, t), s));
    return x;
}

H(h_full) {
    (void)F;
    loom_shape s;
    loom_dtype t;
    if (scr_to_shape(I, a[0], "shape", &s) < 0 ||
        scr_to_dtype(I, a[2], "dtype", &t) < 0)
        return -1;
    loom_array *x = full_of(I, s, a[1], t);
    if (!x)
        return -1;
    return ret(I, x, out);
}

/* zeros_like / ones_like / empty_like: op 0, 1, 2; full_like: op 3 */
H(h_like) {
    loom_array *x;
    if (arr(I, a[0], &x) < 0)
        return -1;
    int di = F->op == 3 ? 2 : 1, si = F->op == 3 ? 5 : 4;
    loom_dtype t;
    if (scr_to_dtype(I, a[di], "dtype", &t) < 0)
        return -1;
    loom_shape s = loom_shape_of(x);
    if (!is_none(a[si]) && scr_to_shape(I, a[si], "shape", &s) < 0)
        return -1;
    t = or_default(t, loom_dtype_of(x));
    loom_ctx *c = scr_ctx(I);
    if (F->op == 3) {
        loom_array *r = full_of(I, s, a[1], t);
        return r ? ret(I, maybe_cast(r, t), out) : -1;
    }
    loom_array *r = F->op == 0 ? loom_zeros(c, s, t)
                  : F->op == 1 ? loom_ones(c, s, t) : loom_empty(c, s, t);
    return ret(I, r, out);
}

H(h_eye) {
    (void)F;
    int64_t n, m = -1, k;
    loom_dtype t;
    if (get_int(I, a[0], "N", &n) < 0 ||
        (!is_none(a[1]) && get_int(I, a[1], "M", &m) < 0) ||
        get_int(I, a[2], "k", &k) < 0 ||
        scr_to_dtype(I, a[3], "dtype", &t) < 0)
        return -1;
    return ret(I, loom_eye(scr_ctx(I), n, m, k, or_default(t, LOOM_FLOAT64)),
               out);
}

H(h_identity) {
    (void)F;
    int64_t n;
    loom_dtype t;
    if (get_int(I, a[0], "n", &n) < 0 ||
        scr_to_dtype(I, a[1], "dtype", &t) < 0)
        return -1;
    return ret(I, loom_eye(scr_ctx(I), n, -1, 0, or_default(t, LOOM_FLOAT64)),
               out);
}

H(h_tri) {
    (void)F;
    int64_t n, m = -1, k;
    loom_dtype t;
    if (get_int(I, a[0], "N", &n) < 0 ||
        (!is_none(a[1]) && get_int(I, a[1], "M", &m) < 0) ||
        get_int(I, a[2], "k", &k) < 0 ||
        scr_to_dtype(I, a[3], "dtype", &t) < 0)
        return -1;
    return ret(I, loom_tri(scr_ctx(I), n, m < 0 ? n : m, k,
                           or_default(t, LOOM_FLOAT64)), out);
}

/* A number for arange/linspace; *isint tells Python int vs float. */
static int number(scr_interp *I, scr_value v, const char *what, double *d,
                  bool *isint) {
    if (v.k == SCR_V_ARRAY) {
        loom_dtype t = loom_dtype_of(scr_arr(v));
        *isint = t != LOOM_FLOAT32 && t != LOOM_FLOAT64;
    } else {
        *isint = v.k != SCR_V_FLOAT;
    }
    return scr_to_float(I, v, what, d);
}

H(h_arange) {
    (void)F;
    double st = 0, sp, step = 1;
    bool i1 = true, i2 = true, i3 = true;
    loom_dtype t;
    if (scr_to_dtype(I, a[3], "dtype", &t) < 0)
        return -1;
    if (is_none(a[1])) {
        if (number(I, a[0], "stop", &sp, &i2) < 0)
            return -1;
    } else if (number(I, a[0], "start", &st, &i1) < 0 ||
               number(I, a[1], "stop", &sp, &i2) < 0) {
        return -1;
    }
    if (!is_none(a[2]) && number(I, a[2], "step", &step, &i3) < 0)
        return -1;
    if (step == 0)
        return scr_fail(I, "ZeroDivisionError: division by zero");
    if (t == LOOM_DEFAULT_DTYPE)
        t = i1 && i2 && i3 ? LOOM_INT64 : LOOM_FLOAT64;
    return ret(I, loom_arange(scr_ctx(I), st, sp, step, t), out);
}

H(h_linspace) {
    (void)F;
    double st, sp;
    bool i1, i2, endpoint, retstep;
    int64_t num, axis;
    loom_dtype t;
    if (number(I, a[0], "start", &st, &i1) < 0 ||
        number(I, a[1], "stop", &sp, &i2) < 0 ||
        get_int(I, a[2], "num", &num) < 0 ||
        scr_to_bool(I, a[3], "endpoint", &endpoint) < 0 ||
        scr_to_bool(I, a[4], "retstep", &retstep) < 0 ||
        scr_to_dtype(I, a[5], "dtype", &t) < 0 ||
        get_int(I, a[6], "axis", &axis) < 0)
        return -1;
    if (num < 0)
        return scr_fail(I, "ValueError: Number of samples, %lld, must be "
                           "non-negative.", (long long)num);
    t = or_default(t, LOOM_FLOAT64);
    loom_array *x = loom_linspace(scr_ctx(I), st, sp, num, endpoint, t);
    if (!retstep)
        return ret(I, x, out);
    double div = endpoint ? (double)(num - 1) : (double)num;
    scr_value xv;
    if (ret(I, x, &xv) < 0)
        return -1;
    *out = scr_seq_new(SCR_V_TUPLE, 2);
    scr_seq_of(*out)->v[0] = xv;
    scr_seq_of(*out)->v[1] = scr_float(div > 0 ? (sp - st) / div : NAN);
    return 0;
}

H(h_logspace) {
    (void)F;
    double st, sp, base;
    bool i1, i2, endpoint;
    int64_t num;
    loom_dtype t;
    if (number(I, a[0], "start", &st, &i1) < 0 ||
        number(I, a[1], "stop", &sp, &i2) < 0 ||
        get_int(I, a[2], "num", &num) < 0 ||
        scr_to_bool(I, a[3], "endpoint", &endpoint) < 0 ||
        scr_to_float(I, a[4], "base", &base) < 0 ||
        scr_to_dtype(I, a[5], "dtype", &t) < 0)
        return -1;
    loom_ctx *c = scr_ctx(I);
    loom_array *e = loom_linspace(c, st, sp, num, endpoint, LOOM_FLOAT64);
    loom_array *x = loom_power(loom_scalar(c, base), e);
    return ret(I, maybe_cast(x, t), out);
}

H(h_copy) {
    (void)F;
    loom_array *x;
    if (arr(I, a[0], &x) < 0)
        return -1;
    return ret(I, loom_copy(x), out);
}

H(h_meshgrid) {
    (void)F;
    scr_seq *xs = scr_seq_of(a[0]);
    bool sparse, copy;
    const char *indexing;
    if (scr_to_bool(I, a[1], "copy", &copy) < 0 ||
        scr_to_bool(I, a[2], "sparse", &sparse) < 0 ||
        str_arg(I, a[3], "indexing", &indexing) < 0)
        return -1;
    bool xy = strcmp(indexing, "xy") == 0;
    if (!xy && strcmp(indexing, "ij") != 0)
        return scr_fail(I, "ValueError: Valid values for `indexing` are 'xy' "
                           "and 'ij'.");
    int n = xs->n;
    if (n > LOOM_MAX_DIMS)
        return scr_fail(I, "ValueError: too many inputs");
    loom_array *v[LOOM_MAX_DIMS];
    loom_shape full = {n, {0}};
    for (int i = 0; i < n; i++) {
        if (arr(I, xs->v[i], &v[i]) < 0)
            return -1;
        if (tmp_arr(I, loom_ravel(v[i]), &v[i]) < 0)
            return -1;
        full.dim[i] = loom_size(v[i]);
    }
    if (xy && n >= 2) {
        int64_t t = full.dim[0];
        full.dim[0] = full.dim[1];
        full.dim[1] = t;
    }
    loom_array *res[LOOM_MAX_DIMS];
    for (int i = 0; i < n; i++) {
        loom_shape s = {n, {0}};
        for (int k = 0; k < n; k++)
            s.dim[k] = 1;
        int at = xy && n >= 2 && i < 2 ? 1 - i : i;
        s.dim[at] = loom_size(v[i]);
        loom_array *r = loom_reshape(v[i], s);
        if (!sparse)
            r = loom_broadcast_to(r, full);
        res[i] = copy ? loom_copy(r) : r;
    }
    return ret_seq(I, SCR_V_LIST, res, n, out);
}

/* ------------------------------------------------------------------------
 * Elementwise
 * ------------------------------------------------------------------------ */

/* One-operand ufunc: x, /, out, *, where, casting, order, dtype, subok */
H(h_ufunc1) {
    loom_array *x;
    loom_dtype t;
    if (scr_to_dtype(I, a[5], "dtype", &t) < 0)
        return -1;
    if (scr_operands(I, a, 1, &x) < 0)
        return -1;
    x = maybe_cast(x, t);
    return ret(I, F->f1(x), out);
}

/* Two-operand ufunc: x1, x2, /, out, *, where, casting, order, dtype */
H(h_ufunc2) {
    loom_array *x[2];
    loom_dtype t;
    if (scr_to_dtype(I, a[6], "dtype", &t) < 0)
        return -1;
    if (scr_operands(I, a, 2, x) < 0)
        return -1;
    return ret(I, F->f2(maybe_cast(x[0], t), maybe_cast(x[1], t)), out);
}

static loom_array *fabs_(loom_array *x) {
    loom_dtype t = loom_dtype_of(x);
    if (t != LOOM_FLOAT32 && t != LOOM_FLOAT64)
        x = loom_astype(x, LOOM_FLOAT64);
    return loom_abs(x);
}

static loom_array *deg2rad_(loom_array *x) {
    return loom_multiply(x, loom_scalar(loom_ctx_of(x), M_PI / 180.0));
}

static loom_array *rad2deg_(loom_array *x) {
    return loom_multiply(x, loom_scalar(loom_ctx_of(x), 180.0 / M_PI));
}

static loom_array *identity_(loom_array *x) { return x; }

static loom_array *float_power_(loom_array *x, loom_array *y) {
    return loom_power(loom_astype(x, LOOM_FLOAT64),
                      loom_astype(y, LOOM_FLOAT64));
}

static loom_array *fix_(loom_array *x) { return loom_trunc(x); }

H(h_divmod) {
    (void)F;
    loom_array *x[2];
    if (scr_operands(I, a, 2, x) < 0)
        return -1;
    loom_array *r[2] = {loom_floor_divide(x[0], x[1]), loom_mod(x[0], x[1])};
    return ret_seq(I, SCR_V_TUPLE, r, 2, out);
}

H(h_clip) {
    /* np.clip(a, a_min, a_max) and x.clip(min=None, max=None) */
    (void)F;
    scr_value vals[3];
    int n = 0, imin = -1, imax = -1;
    vals[n++] = a[0];
    if (!is_none(a[1]))
        imin = n, vals[n++] = a[1];
    if (!is_none(a[2]))
        imax = n, vals[n++] = a[2];
    if (n == 1)
        return scr_fail(I, "ValueError: One of max or min must be given");
    loom_array *x[3];
    if (scr_operands(I, vals, n, x) < 0)
        return -1;
    return ret(I, loom_clip(x[0], imin >= 0 ? x[imin] : NULL,
                            imax >= 0 ? x[imax] : NULL), out);
}

static int nonzero_tuple(scr_interp *I, loom_array *x, scr_value *out) {
    loom_array *res[LOOM_MAX_DIMS + 1] = {NULL};
    int n = loom_nonzero(x, res);
    if (n < 0)
        return check_status(I, LOOM_ERR_VALUE, res, 1);
    return ret_seq(I, SCR_V_TUPLE, res, n, out);
}

H(h_where) {
    (void)F;
    loom_array *c;
    if (arr(I, a[0], &c) < 0)
        return -1;
    if (is_none(a[1]) && is_none(a[2]))
        return nonzero_tuple(I, c, out);
    if (is_none(a[1]) || is_none(a[2]))
        return scr_fail(I, "ValueError: either both or neither of x and y "
                           "should be given");
    loom_array *x[2];
    if (scr_operands(I, a + 1, 2, x) < 0)
        return -1;
    return ret(I, loom_where(c, x[0], x[1]), out);
}

H(h_nan_to_num) {
    (void)F;
    loom_array *x;
    double nan = 0, posinf = NAN, neginf = NAN;
    if (arr(I, a[0], &x) < 0 || scr_to_float(I, a[2], "nan", &nan) < 0 ||
        (!is_none(a[3]) && scr_to_float(I, a[3], "posinf", &posinf) < 0) ||
        (!is_none(a[4]) && scr_to_float(I, a[4], "neginf", &neginf) < 0))
        return -1;
    return ret(I, loom_nan_to_num(x, nan, posinf, neginf), out);
}

H(h_round) {
    (void)F;
    loom_array *x;
    int64_t d;
    if (arr(I, a[0], &x) < 0 || get_int(I, a[1], "decimals", &d) < 0)
        return -1;
    return ret(I, loom_round(x, (int)d), out);
}

static loom_array *isclose_arr(loom_array *x, loom_array *y, double rtol,
                               double atol, bool equal_nan) {
    loom_ctx *c = loom_ctx_of(x);
    loom_dtype t = loom_promote(loom_dtype_of(x), loom_dtype_of(y));
    if (t != LOOM_FLOAT32 && t != LOOM_FLOAT64)
        t = LOOM_FLOAT64;
    x = loom_astype(x, t);
    y = loom_astype(y, t);
    loom_array *lhs = loom_abs(loom_subtract(x, y));
    loom_array *rhs = loom_add(loom_scalar(c, atol),
                               loom_multiply(loom_scalar(c, rtol),
                                             loom_abs(y)));
    loom_array *r = loom_logical_or(
        loom_logical_and(loom_less_equal(lhs, rhs),
                         loom_logical_and(loom_isfinite(x),
                                          loom_isfinite(y))),
        loom_equal(x, y));
    if (equal_nan)
        r = loom_logical_or(r, loom_logical_and(loom_isnan(x),
                                                loom_isnan(y)));
    return r;
}

/* isclose: op 0; allclose: op 1 */
H(h_isclose) {
    loom_array *x[2];
    double rtol, atol;
    bool en;
    if (scr_operands(I, a, 2, x) < 0 ||
        scr_to_float(I, a[2], "rtol", &rtol) < 0 ||
        scr_to_float(I, a[3], "atol", &atol) < 0 ||
        scr_to_bool(I, a[4], "equal_nan", &en) < 0)
        return -1;
    loom_array *r = isclose_arr(x[0], x[1], rtol, atol, en);
    if (F->op == 1)
        r = loom_all(r, LOOM_ALL, false);
    return ret(I, r, out);
}

H(h_array_equal) {
    (void)F;
    loom_array *x, *y;
    bool en;
    if (arr(I, a[0], &x) < 0 || arr(I, a[1], &y) < 0 ||
        scr_to_bool(I, a[2], "equal_nan", &en) < 0)
        return -1;
    loom_shape sx = loom_shape_of(x), sy = loom_shape_of(y);
    bool same = sx.ndim == sy.ndim;
    for (int i = 0; same && i < sx.ndim; i++)
        same = sx.dim[i] == sy.dim[i];
    if (!same) {
        *out = scr_bool(false);
        return 0;
    }
    loom_array *eq = loom_equal(x, y);
    if (en)
        eq = loom_logical_or(eq, loom_logical_and(loom_isnan(x),
                                                  loom_isnan(y)));
    return ret(I, loom_all(eq, LOOM_ALL, false), out);
}

/* ------------------------------------------------------------------------
 * Reductions
 * ------------------------------------------------------------------------ */

/* Generic reduction; F->ax/dt/kd/dd locate axis, dtype, keepdims, ddof. */
H(h_reduce) {
    loom_array *x;
    if (arr(I, a[0], &x) < 0)
        return -1;
    loom_axes axes = LOOM_AXES_ALL;
    loom_dtype t = LOOM_DEFAULT_DTYPE;
    bool keep = false;
    int64_t ddof = 0;
    if (F->ax >= 0 && scr_to_axes(I, a[F->ax], "axis", &axes) < 0)
        return -1;
    if (F->dt >= 0 && scr_to_dtype(I, a[F->dt], "dtype", &t) < 0)
        return -1;
    if (F->kd >= 0 && scr_to_bool(I, a[F->kd], "keepdims", &keep) < 0)
        return -1;
    if (F->dd >= 0 && get_int(I, a[F->dd], "ddof", &ddof) < 0)
        return -1;
    if ((F->op == LOOM_RED_ARGMIN || F->op == LOOM_RED_ARGMAX ||
         F->op == LOOM_RED_NANARGMIN || F->op == LOOM_RED_NANARGMAX) &&
        axes.n > 1)
        return scr_fail(I, "TypeError: 'tuple' object cannot be interpreted "
                           "as an integer");
    return ret(I, loom_reduce((loom_reduce_op)F->op, x, axes, keep, t,
                              (int)ddof), out);
}

/* cumsum/cumprod/nancumsum/nancumprod: a, axis, dtype, out */
H(h_scan) {
    loom_array *x;
    int ax;
    loom_dtype t;
    if (arr(I, a[0], &x) < 0 || get_axis(I, a[1], &ax) < 0 ||
        scr_to_dtype(I, a[2], "dtype", &t) < 0)
        return -1;
    /* dtype= is the accumulator's type: cast in, and out again for the
     * types the scan would widen (int32 accumulates as int64; the wrap
     * modulo 2**32 is the same) */
    x = maybe_cast(x, t);
    loom_array *r = F->op == 0 ? loom_cumsum(x, ax) : F->op == 1
                  ? loom_cumprod(x, ax) : F->op == 2 ? loom_nancumsum(x, ax)
                                                     : loom_nancumprod(x, ax);
    return ret(I, maybe_cast(r, t), out);
}

H(h_average) {
    (void)F;
    loom_array *x, *w = NULL;
    int ax;
    bool returned, keep;
    if (arr(I, a[0], &x) < 0 || get_axis(I, a[1], &ax) < 0 ||
        (!is_none(a[2]) && arr(I, a[2], &w) < 0) ||
        scr_to_bool(I, a[3], "returned", &returned) < 0 ||
        scr_to_bool(I, a[4], "keepdims", &keep) < 0)
        return -1;
    if (returned)
        return scr_fail(I, "average(): argument 'returned' is not supported "
                           "by loom scripts");
    return ret(I, loom_average(x, ax, w, keep), out);
}

/* median/nanmedian: a, axis, out, overwrite_input, keepdims */
H(h_median) {
    loom_array *x;
    int ax;
    bool keep;
    if (arr(I, a[0], &x) < 0 || get_axis(I, a[1], &ax) < 0 ||
        scr_to_bool(I, a[4], "keepdims", &keep) < 0)
        return -1;
    return ret(I, F->op ? loom_nanmedian(x, ax, keep)
                        : loom_median(x, ax, keep), out);
}

static int quantile_method(scr_interp *I, scr_value v,
                           loom_quantile_method *m) {
    const char *s;
    *m = LOOM_Q_LINEAR;
    if (str_arg(I, v, "method", &s) < 0)
        return -1;
    static const char *const names[] = {"linear", "lower", "higher",
                                        "nearest", "midpoint"};
    for (int i = 0; i < 5; i++)
        if (strcmp(s, names[i]) == 0) {
            *m = (loom_quantile_method)i;
            return 0;
        }
    return scr_fail(I, "ValueError: method '%s' is not supported by loom "
                       "(linear, lower, higher, nearest, midpoint)", s);
}

/* quantile/percentile/nanquantile/nanpercentile (op 0..3):
 * a, q, axis, out, overwrite_input, method, keepdims, *, interpolation */
H(h_quantile) {
    loom_array *x, *q;
    int ax;
    bool keep;
    loom_quantile_method m;
    if (arr(I, a[0], &x) < 0 || arr(I, a[1], &q) < 0 ||
        get_axis(I, a[2], &ax) < 0 || quantile_method(I, a[5], &m) < 0 ||
        scr_to_bool(I, a[6], "keepdims", &keep) < 0)
        return -1;
    if (!is_none(a[7]) && quantile_method(I, a[7], &m) < 0)
        return -1;
    if (loom_dtype_of(q) != LOOM_FLOAT64 && loom_dtype_of(q) != LOOM_FLOAT32)
        q = loom_astype(q, LOOM_FLOAT64);
    loom_array *r = F->op == 0 ? loom_quantile(x, q, ax, m, keep)
                  : F->op == 1 ? loom_percentile(x, q, ax, m, keep)
                  : F->op == 2 ? loom_nanquantile(x, q, ax, m, keep)
                               : loom_nanpercentile(x, q, ax, m, keep);
    return ret(I, r, out);
}

/* ------------------------------------------------------------------------
 * Products and linear algebra
 * ------------------------------------------------------------------------ */

H(h_binary_plain) {
    loom_array *x, *y;
    if (arr(I, a[0], &x) < 0 || arr(I, a[1], &y) < 0)
        return -1;
    return ret(I, F->f2(x, y), out);
}

H(h_tensordot) {
    (void)F;
    loom_array *x, *y;
    if (arr(I, a[0], &x) < 0 || arr(I, a[1], &y) < 0)
        return -1;
    scr_value ax = a[2];
    if (ax.k == SCR_V_INT || ax.k == SCR_V_ARRAY) {
        int64_t n;
        if (get_int(I, ax, "axes", &n) < 0)
            return -1;
        return ret(I, loom_tensordot_n(x, y, (int)n), out);
    }
    if (!scr_is_seq(ax) || scr_seq_of(ax)->n != 2)
        return scr_fail(I, "TypeError: tensordot: axes must be an int or a "
                           "pair of sequences");
    int64_t aa[LOOM_MAX_DIMS], bb[LOOM_MAX_DIMS];
    int na, nb;
    if (int_list(I, scr_seq_of(ax)->v[0], "axes", aa, LOOM_MAX_DIMS, &na) < 0 ||
        int_list(I, scr_seq_of(ax)->v[1], "axes", bb, LOOM_MAX_DIMS, &nb) < 0)
        return -1;
    if (na != nb)
        return scr_fail(I, "ValueError: shape-mismatch for sum");
    int ia[LOOM_MAX_DIMS], ib[LOOM_MAX_DIMS];
    for (int i = 0; i < na; i++) {
        ia[i] = (int)aa[i];
        ib[i] = (int)bb[i];
    }
    return ret(I, loom_tensordot(x, y, na, ia, ib), out);
}

H(h_trace) {
    (void)F;
    loom_array *x;
    int64_t off, a1, a2;
    loom_dtype t;
    if (arr(I, a[0], &x) < 0 || get_int(I, a[1], "offset", &off) < 0 ||
        get_int(I, a[2], "axis1", &a1) < 0 ||
        get_int(I, a[3], "axis2", &a2) < 0 ||
        scr_to_dtype(I, a[4], "dtype", &t) < 0)
        return -1;
    return ret(I, maybe_cast(loom_trace(x, off, (int)a1, (int)a2), t), out);
}

static int einsum_operands(scr_interp *I, scr_value ops, const char **subs,
                           loom_array ***xs, int *n) {
    scr_seq *s = scr_seq_of(ops);
    if (s->n < 1 || s->v[0].k != SCR_V_STR)
        return scr_fail(I, "einsum: loom scripts take the subscripts string "
                           "form, einsum('ij,jk->ik', a, b)");
    *subs = scr_str_of(s->v[0])->s;
    *n = s->n - 1;
    *xs = scr_xmalloc((size_t)(s->n) * sizeof **xs);
    /* NumPy 1.24 promotes einsum's operands by value, as a ufunc's */
    if (scr_operands(I, s->v + 1, *n, *xs) < 0) {
        free(*xs);
        return -1;
    }
    return 0;
}

static int optimize_flag(scr_interp *I, scr_value v, bool *o) {
    if (v.k == SCR_V_STR) {
        *o = strcmp(scr_str_of(v)->s, "none") != 0;
        return 0;
    }
    return scr_to_bool(I, v, "optimize", o);
}

H(h_einsum) {
    (void)F;
    const char *subs;
    loom_array **xs;
    int n;
    bool opt;
    loom_dtype t;
    if (optimize_flag(I, a[2], &opt) < 0 ||
        scr_to_dtype(I, a[3], "dtype", &t) < 0 ||
        einsum_operands(I, a[0], &subs, &xs, &n) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        xs[i] = maybe_cast(xs[i], t);
    loom_array *r = loom_einsum(subs, n, xs, opt);
    free(xs);
    return ret(I, r, out);
}

H(h_einsum_path) {
    (void)F;
    const char *subs;
    loom_array **xs;
    int n;
    if (einsum_operands(I, a[0], &subs, &xs, &n) < 0)
        return -1;
    loom_status st = LOOM_OK;
    char *text = loom_einsum_path(subs, n, xs, &st);
    free(xs);
    if (!text)
        return scr_fail(I, "einsum_path: %s", loom_ctx_error(scr_ctx(I))[0]
                                                  ? loom_ctx_error(scr_ctx(I))
                                                  : loom_status_name(st));
    /* the report's first line is the path, "['einsum_path', (0, 1), ...]":
     * it becomes the list NumPy returns first, the rest the report */
    char *nl = strchr(text, '\n'), *p = text;
    scr_value path = scr_seq_new(SCR_V_LIST, 0);
    scr_list_append(path, scr_str_new("einsum_path", 11));
    while ((p = strchr(p, '(')) && (!nl || p < nl)) {
        scr_value step = scr_seq_new(SCR_V_TUPLE, 0);
        for (p++; *p != ')'; p += *p == ',' || *p == ' ')
            if (*p >= '0' && *p <= '9')
                scr_list_append(step, scr_int(strtol(p, &p, 10)));
        scr_list_append(path, step);
    }
    *out = scr_seq_new(SCR_V_TUPLE, 2);
    scr_seq_of(*out)->v[0] = path;
    const char *report = nl ? nl + 1 : "";
    scr_seq_of(*out)->v[1] = scr_str_new(report, strlen(report));
    free(text);
    return 0;
}

H(h_linalg1) {
    loom_array *x;
    if (arr(I, a[0], &x) < 0)
        return -1;
    return ret(I, F->f1(x), out);
}

H(h_pinv) {
    (void)F;
    loom_array *x;
    double rc;
    bool herm;
    if (arr(I, a[0], &x) < 0 || scr_to_float(I, a[1], "rcond", &rc) < 0 ||
        scr_to_bool(I, a[2], "hermitian", &herm) < 0)
        return -1;
    return ret(I, loom_linalg_pinv(x, rc), out);
}

H(h_slogdet) {
    (void)F;
    loom_array *x, *r[2] = {NULL, NULL};
    if (arr(I, a[0], &x) < 0)
        return -1;
    loom_status st = loom_linalg_slogdet(x, &r[0], &r[1]);
    if (check_status(I, st, r, 2) < 0)
        return -1;
    return ret_seq(I, SCR_V_TUPLE, r, 2, out);
}

static int uplo_arg(scr_interp *I, scr_value v, char *o) {
    const char *s;
    *o = 'L';
    if (str_arg(I, v, "UPLO", &s) < 0)
        return -1;
    if ((s[0] != 'L' && s[0] != 'U') || s[1])
        return scr_fail(I, "ValueError: UPLO argument must be 'L' or 'U'");
    *o = s[0];
    return 0;
}

H(h_eigh) {
    (void)F;
    loom_array *x, *r[2] = {NULL, NULL};
    char uplo;
    if (arr(I, a[0], &x) < 0 || uplo_arg(I, a[1], &uplo) < 0)
        return -1;
    loom_status st = loom_linalg_eigh(x, uplo, &r[0], &r[1]);
    if (check_status(I, st, r, 2) < 0)
        return -1;
    return ret_seq(I, SCR_V_TUPLE, r, 2, out);
}

H(h_eigvalsh) {
    (void)F;
    loom_array *x;
    char uplo;
    if (arr(I, a[0], &x) < 0 || uplo_arg(I, a[1], &uplo) < 0)
        return -1;
    return ret(I, loom_linalg_eigvalsh(x, uplo), out);
}

H(h_svd) {
    (void)F;
    loom_array *x, *r[3] = {NULL, NULL, NULL};
    bool full, uv;
    if (arr(I, a[0], &x) < 0 ||
        scr_to_bool(I, a[1], "full_matrices", &full) < 0 ||
        scr_to_bool(I, a[2], "compute_uv", &uv) < 0)
        return -1;
    loom_status st = loom_linalg_svd(x, full, uv, uv ? &r[0] : NULL, &r[1],
                                     uv ? &r[2] : NULL);
    if (check_status(I, st, r, 3) < 0)
        return -1;
    if (!uv)
        return ret(I, r[1], out);
    return ret_seq(I, SCR_V_TUPLE, r, 3, out);
}

H(h_qr) {
    (void)F;
    loom_array *x, *r[2] = {NULL, NULL};
    const char *mode;
    if (arr(I, a[0], &x) < 0 || str_arg(I, a[1], "mode", &mode) < 0)
        return -1;
    bool only_r = strcmp(mode, "r") == 0;
    loom_status st = loom_linalg_qr(x, mode, only_r ? NULL : &r[0], &r[1]);
    if (check_status(I, st, r, 2) < 0)
        return -1;
    if (only_r)
        return ret(I, r[1], out);
    return ret_seq(I, SCR_V_TUPLE, r, 2, out);
}

H(h_lstsq) {
    (void)F;
    loom_array *x, *y, *r[4] = {NULL, NULL, NULL, NULL};
    double rcond = -1;
    if (arr(I, a[0], &x) < 0 || arr(I, a[1], &y) < 0)
        return -1;
    if (a[2].k != SCR_V_STR && !is_none(a[2]) &&
        scr_to_float(I, a[2], "rcond", &rcond) < 0)
        return -1;
    loom_status st = loom_linalg_lstsq(x, y, rcond, &r[0], &r[1], &r[2],
                                       &r[3]);
    if (check_status(I, st, r, 4) < 0)
        return -1;
    return ret_seq(I, SCR_V_TUPLE, r, 4, out);
}

H(h_matrix_rank) {
    (void)F;
    loom_array *x;
    double tol = -1;
    if (arr(I, a[0], &x) < 0 ||
        (!is_none(a[1]) && scr_to_float(I, a[1], "tol", &tol) < 0))
        return -1;
    return ret(I, loom_linalg_matrix_rank(x, tol), out);
}

H(h_matrix_power) {
    (void)F;
    loom_array *x;
    int64_t n;
    if (arr(I, a[0], &x) < 0 || get_int(I, a[1], "n", &n) < 0)
        return -1;
    if (loom_ndim(x) < 2 || loom_dim(x, -1) != loom_dim(x, -2))
        return scr_fail(I, "LinAlgError: Last 2 dimensions of the array must "
                           "be square");
    if (n < 0) {
        x = loom_linalg_inv(x);
        n = -n;
    }
    loom_array *r = NULL;
    if (n == 0) {
        loom_array *e = loom_eye(loom_ctx_of(x), loom_dim(x, -1), -1, 0,
                                 loom_dtype_of(x));
        r = loom_copy(loom_broadcast_to(e, loom_shape_of(x)));
    }
    /* binary powering, as NumPy does */
    loom_array *p = x;
    while (n > 0) {
        if (n & 1)
            r = r ? loom_matmul(r, p) : p;
        n >>= 1;
        if (n)
            p = loom_matmul(p, p);
    }
    return ret(I, r, out);
}

H(h_multi_dot) {
    (void)F;
    loom_array **xs;
    int n;
    if (scr_to_array_list(I, a[0], "arrays", &xs, &n) < 0)
        return -1;
    if (n < 2) {
        free(xs);
        return scr_fail(I, "ValueError: Expecting at least two arrays.");
    }
    loom_array *r = xs[0];
    for (int i = 1; i < n; i++)
        r = loom_dot(r, xs[i]);
    free(xs);
    return ret(I, r, out);
}

H(h_norm) {
    (void)F;
    loom_array *x;
    double ord = LOOM_ORD_DEFAULT;
    loom_axes axes;
    bool keep;
    if (arr(I, a[0], &x) < 0 || scr_to_axes(I, a[2], "axis", &axes) < 0 ||
        scr_to_bool(I, a[3], "keepdims", &keep) < 0)
        return -1;
    if (a[1].k == SCR_V_STR) {
        const char *s = scr_str_of(a[1])->s;
        if (strcmp(s, "fro") == 0)
            ord = LOOM_ORD_FRO;
        else if (strcmp(s, "nuc") == 0)
            ord = LOOM_ORD_NUC;
        else
            return scr_fail(I, "ValueError: Invalid norm order '%s' for "
                               "matrices", s);
    } else if (!is_none(a[1]) && scr_to_float(I, a[1], "ord", &ord) < 0) {
        return -1;
    }
    return ret(I, loom_linalg_norm(x, ord, axes, keep), out);
}

H(h_unsupported_linalg) {
    (void)a;
    (void)out;
    return scr_fail(I, "np.linalg.%s is not supported by loom (no general "
                       "eigensolver); use np.linalg.eigh for symmetric "
                       "matrices", F->name);
}

/* ------------------------------------------------------------------------
 * Shapes
 * ------------------------------------------------------------------------ */

static int order_c(scr_interp *I, scr_value v) {
    if (v.k == SCR_V_STR && (strcmp(scr_str_of(v)->s, "C") == 0 ||
                             strcmp(scr_str_of(v)->s, "A") == 0 ||
                             strcmp(scr_str_of(v)->s, "K") == 0))
        return 0;
    if (is_none(v))
        return 0;
    return scr_fail(I, "order='%s' is not supported by loom scripts (C order "
                       "only)", v.k == SCR_V_STR ? scr_str_of(v)->s : "?");
}

H(h_reshape) {
    (void)F;
    loom_array *x;
    loom_shape s;
    if (arr(I, a[0], &x) < 0 || scr_to_shape(I, a[1], "newshape", &s) < 0 ||
        order_c(I, a[2]) < 0)
        return -1;
    return ret(I, loom_reshape(x, s), out);
}

/* x.reshape(*shape, order='C'): ints or one tuple */
H(h_m_reshape) {
    (void)F;
    loom_array *x;
    loom_shape s;
    if (arr(I, a[0], &x) < 0 || order_c(I, a[2]) < 0)
        return -1;
    scr_seq *sh = scr_seq_of(a[1]);
    int rc = sh->n == 1 ? scr_to_shape(I, sh->v[0], "shape", &s)
                        : scr_to_shape(I, a[1], "shape", &s);
    if (rc < 0)
        return -1;
    return ret(I, loom_reshape(x, s), out);
}

H(h_ravel) {
    (void)F;
    loom_array *x;
    if (arr(I, a[0], &x) < 0 || order_c(I, a[1]) < 0)
        return -1;
    return ret(I, F->op ? loom_flatten(x) : loom_ravel(x), out);
}

static int perm_of(scr_interp *I, scr_value v, int nd, int *perm) {
    int64_t p[LOOM_MAX_DIMS];
    int n;
    if (int_list(I, v, "axes", p, LOOM_MAX_DIMS, &n) < 0)
        return -1;
    if (n != nd)
        return scr_fail(I, "ValueError: axes don't match array");
    for (int i = 0; i < n; i++)
        if (normalize_axis(I, p[i], nd, &perm[i]) < 0)
            return -1;
    return 0;
}

H(h_transpose) {
    (void)F;
    loom_array *x;
    if (arr(I, a[0], &x) < 0)
        return -1;
    if (is_none(a[1]))
        return ret(I, loom_transpose(x, NULL), out);
    int perm[LOOM_MAX_DIMS];
    if (perm_of(I, a[1], loom_ndim(x), perm) < 0)
        return -1;
    return ret(I, loom_transpose(x, perm), out);
}

/* x.transpose(*axes) */
H(h_m_transpose) {
    (void)F;
    loom_array *x;
    if (arr(I, a[0], &x) < 0)
        return -1;
    scr_seq *s = scr_seq_of(a[1]);
    if (s->n == 0 || (s->n == 1 && is_none(s->v[0])))
        return ret(I, loom_transpose(x, NULL), out);
    int perm[LOOM_MAX_DIMS];
    if (perm_of(I, s->n == 1 ? s->v[0] : a[1], loom_ndim(x), perm) < 0)
        return -1;
    return ret(I, loom_transpose(x, perm), out);
}

H(h_swapaxes) {
    (void)F;
    loom_array *x;
    int64_t a1, a2;
    if (arr(I, a[0], &x) < 0 || get_int(I, a[1], "axis1", &a1) < 0 ||
        get_int(I, a[2], "axis2", &a2) < 0)
        return -1;
    return ret(I, loom_swapaxes(x, (int)a1, (int)a2), out);
}

H(h_moveaxis) {
    (void)F;
    loom_array *x;
    int64_t src[LOOM_MAX_DIMS], dst[LOOM_MAX_DIMS];
    int ns, nd;
    if (arr(I, a[0], &x) < 0 ||
        int_list(I, a[1], "source", src, LOOM_MAX_DIMS, &ns) < 0 ||
        int_list(I, a[2], "destination", dst, LOOM_MAX_DIMS, &nd) < 0)
        return -1;
    if (ns != nd)
        return scr_fail(I, "ValueError: `source` and `destination` arguments "
                           "must have the same number of elements");
    int n = loom_ndim(x), s[LOOM_MAX_DIMS], d[LOOM_MAX_DIMS];
    for (int i = 0; i < ns; i++)
        if (normalize_axis(I, src[i], n, &s[i]) < 0 ||
            normalize_axis(I, dst[i], n, &d[i]) < 0)
            return -1;
    /* order = axes not moved, then insert each source at its destination
     * in increasing destination order */
    int order[LOOM_MAX_DIMS], m = 0;
    for (int i = 0; i < n; i++) {
        bool moved = false;
        for (int k = 0; k < ns; k++)
            moved |= s[k] == i;
        if (!moved)
            order[m++] = i;
    }
    for (int step = 0; step < ns; step++) {
        int best = -1;
        for (int k = 0; k < ns; k++)
            if (d[k] >= 0 && (best < 0 || d[k] < d[best]))
                best = k;
        int pos = d[best];
        memmove(order + pos + 1, order + pos, (size_t)(m - pos) * sizeof(int));
        order[pos] = s[best];
        m++;
        d[best] = -1;
    }
    return ret(I, loom_transpose(x, order), out);
}

static int cmp_int_desc(const void *a, const void *b) {
    return *(const int *)b - *(const int *)a;
}
static int cmp_int_asc(const void *a, const void *b) {
    return *(const int *)a - *(const int *)b;
}

H(h_expand_dims) {
    (void)F;
    loom_array *x;
    int64_t ax[LOOM_MAX_DIMS];
    int n;
    if (arr(I, a[0], &x) < 0 ||
        int_list(I, a[1], "axis", ax, LOOM_MAX_DIMS, &n) < 0)
        return -1;
    int nd = loom_ndim(x) + n, norm[LOOM_MAX_DIMS];
    for (int i = 0; i < n; i++)
        if (normalize_axis(I, ax[i], nd, &norm[i]) < 0)
            return -1;
    qsort(norm, (size_t)n, sizeof(int), cmp_int_asc);
    for (int i = 0; i < n; i++)
        x = loom_expand_dims(x, norm[i]);
    return ret(I, x, out);
}

H(h_squeeze) {
    (void)F;
    loom_array *x;
    if (arr(I, a[0], &x) < 0)
        return -1;
    if (is_none(a[1]))
        return ret(I, loom_squeeze(x, LOOM_ALL), out);
    int64_t ax[LOOM_MAX_DIMS];
    int n, norm[LOOM_MAX_DIMS];
    if (int_list(I, a[1], "axis", ax, LOOM_MAX_DIMS, &n) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (normalize_axis(I, ax[i], loom_ndim(x), &norm[i]) < 0)
            return -1;
    qsort(norm, (size_t)n, sizeof(int), cmp_int_desc);
    for (int i = 0; i < n; i++)
        x = loom_squeeze(x, norm[i]);
    return ret(I, x, out);
}

H(h_broadcast_to) {
    (void)F;
    loom_array *x;
    loom_shape s;
    if (arr(I, a[0], &x) < 0 || scr_to_shape(I, a[1], "shape", &s) < 0)
        return -1;
    return ret(I, loom_broadcast_to(x, s), out);
}

/* flip: op 0 (axis arg), fliplr op 1, flipud op 2 */
H(h_flip) {
    loom_array *x;
    if (arr(I, a[0], &x) < 0)
        return -1;
    if (F->op == 1)
        return ret(I, loom_flip(x, 1), out);
    if (F->op == 2)
        return ret(I, loom_flip(x, 0), out);
    if (is_none(a[1]))
        return ret(I, loom_flip(x, LOOM_ALL), out);
    int64_t ax[LOOM_MAX_DIMS];
    int n;
    if (int_list(I, a[1], "axis", ax, LOOM_MAX_DIMS, &n) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        x = loom_flip(x, (int)ax[i]);
    return ret(I, x, out);
}

/* concatenate (op 0), stack (1), vstack (2), hstack (3), dstack (4),
 * column_stack (5) */
H(h_join) {
    loom_array **xs;
    int n;
    if (scr_to_array_list(I, a[0], "arrays", &xs, &n) < 0)
        return -1;
    if (n == 0) {
        free(xs);
        return scr_fail(I, "ValueError: need at least one array to %s",
                        F->op == 0 ? "concatenate" : "stack");
    }
    loom_dtype t = LOOM_DEFAULT_DTYPE;
    int axis = 0;
    int rc = 0;
    if (F->op <= 1) {
        rc = get_axis(I, a[1], &axis);
        if (rc == 0 && F->op == 0)
            rc = scr_to_dtype(I, a[3], "dtype", &t);
        if (rc == 0 && F->op == 1)
            rc = scr_to_dtype(I, a[3], "dtype", &t);
    } else if (F->op <= 3) {
        rc = scr_to_dtype(I, a[1], "dtype", &t);
    }
    if (rc < 0) {
        free(xs);
        return -1;
    }
    for (int i = 0; i < n; i++)
        xs[i] = maybe_cast(xs[i], t);
    loom_array *r;
    switch (F->op) {
    case 0:
        if (axis == LOOM_ALL) {
            for (int i = 0; i < n; i++)
                xs[i] = loom_ravel(xs[i]);
            axis = 0;
        }
        r = loom_concatenate(n, xs, axis);
        break;
    case 1: r = loom_stack(n, xs, axis == LOOM_ALL ? 0 : axis); break;
    case 2: r = loom_vstack(n, xs); break;
    case 3: r = loom_hstack(n, xs); break;
    case 4: r = loom_dstack(n, xs); break;
    default: r = loom_column_stack(n, xs); break;
    }
    free(xs);
    return ret(I, r, out);
}

/* split (op 0), array_split (1), hsplit (2), vsplit (3), dsplit (4) */
H(h_split) {
    loom_array *x;
    int64_t axis = 0;
    if (arr(I, a[0], &x) < 0)
        return -1;
    if (F->op <= 1 && get_int(I, a[2], "axis", &axis) < 0)
        return -1;
    if (F->op == 2)
        axis = loom_ndim(x) > 1 ? 1 : 0;
    if (F->op == 3)
        axis = 0;
    if (F->op == 4)
        axis = 2;
    scr_value ios = a[1];
    loom_array **parts;
    int n;
    if (ios.k == SCR_V_INT || (ios.k == SCR_V_ARRAY &&
                               loom_ndim(scr_arr(ios)) == 0)) {
        int64_t sec;
        if (get_int(I, ios, "indices_or_sections", &sec) < 0)
            return -1;
        if (sec <= 0)
            return scr_fail(I, "ValueError: number sections must be larger "
                               "than 0.");
        parts = scr_xcalloc((size_t)sec, sizeof *parts);
        n = F->op == 1 ? loom_array_split(x, (int)sec, (int)axis, parts)
                       : loom_split(x, (int)sec, (int)axis, parts);
    } else {
        int64_t idx[256];
        int ni;
        if (int_list(I, ios, "indices_or_sections", idx, 256, &ni) < 0)
            return -1;
        parts = scr_xcalloc((size_t)(ni + 1), sizeof *parts);
        n = loom_split_at(x, ni, idx, (int)axis, parts);
    }
    if (n < 0) {
        int rc = check_status(I, LOOM_ERR_VALUE, parts, 1);
        free(parts);
        return rc;
    }
    int rc = ret_seq(I, SCR_V_LIST, parts, n, out);
    free(parts);
    return rc;
}

H(h_tile) {
    (void)F;
    loom_array *x;
    int64_t reps[LOOM_MAX_DIMS];
    int n;
    if (arr(I, a[0], &x) < 0 ||
        int_list(I, a[1], "reps", reps, LOOM_MAX_DIMS, &n) < 0)
        return -1;
    return ret(I, loom_tile(x, n, reps), out);
}

H(h_repeat) {
    (void)F;
    loom_array *x;
    int ax;
    if (arr(I, a[0], &x) < 0 || get_axis(I, a[2], &ax) < 0)
        return -1;
    if (a[1].k == SCR_V_INT || a[1].k == SCR_V_BOOL)
        return ret(I, loom_repeat(x, a[1].k == SCR_V_INT ? a[1].u.i
                                                         : a[1].u.b, ax),
                   out);
    loom_array *r;
    if (arr(I, a[1], &r) < 0)
        return -1;
    if (loom_size(r) == 1) { /* one count for every element, as NumPy */
        static const int64_t first[LOOM_MAX_DIMS];
        if (loom_dtype_of(r) == LOOM_FLOAT32 || loom_dtype_of(r) == LOOM_FLOAT64)
            return scr_fail(I, "TypeError: Cannot cast array data from "
                               "dtype('float64') to dtype('int64') according "
                               "to the rule 'safe'");
        int64_t k = loom_item_int(r, first);
        if (loom_status_of(r) != LOOM_OK)
            return check_status(I, loom_status_of(r), &r, 1);
        return ret(I, loom_repeat(x, k, ax), out);
    }
    return ret(I, loom_repeat_each(x, r, ax), out);
}

H(h_insert) {
    (void)F;
    loom_array *x, *v;
    int64_t idx;
    int ax;
    if (arr(I, a[0], &x) < 0)
        return -1;
    if (a[1].k != SCR_V_INT && a[1].k != SCR_V_ARRAY)
        return scr_fail(I, "insert(): loom scripts take one integer index "
                           "for 'obj'");
    if (get_int(I, a[1], "obj", &idx) < 0 || arr(I, a[2], &v) < 0 ||
        get_axis(I, a[3], &ax) < 0)
        return -1;
    return ret(I, loom_insert(x, idx, v, ax), out);
}

H(h_append) {
    (void)F;
    loom_array *x, *v;
    int ax;
    if (arr(I, a[0], &x) < 0 || arr(I, a[1], &v) < 0 ||
        get_axis(I, a[2], &ax) < 0)
        return -1;
    return ret(I, loom_append(x, v, ax), out);
}

H(h_delete) {
    (void)F;
    loom_array *x;
    int ax;
    if (arr(I, a[0], &x) < 0 || get_axis(I, a[2], &ax) < 0)
        return -1;
    int64_t len = ax == LOOM_ALL ? loom_size(x) : loom_dim(x, ax);
    int64_t *idx;
    int n;
    if (a[1].k == SCR_V_SLICE) {
        /* slice -> explicit indices */
        scr_value tup = scr_seq_new(SCR_V_TUPLE, 0);
        scr_slice *s = (scr_slice *)a[1].u.o;
        int64_t st, sp, step;
        if (scr_to_int(I, is_none(s->step) ? scr_int(1) : s->step, "step",
                       &step) < 0) {
            scr_unref(tup);
            return -1;
        }
        st = step > 0 ? 0 : len - 1;
        sp = step > 0 ? len : -1;
        if (!is_none(s->start) && scr_to_int(I, s->start, "start", &st) < 0)
            return scr_unref(tup), -1;
        if (!is_none(s->stop) && scr_to_int(I, s->stop, "stop", &sp) < 0)
            return scr_unref(tup), -1;
        if (!is_none(s->start) && st < 0)
            st += len;
        if (!is_none(s->stop) && sp < 0)
            sp += len;
        idx = scr_xmalloc((size_t)(len > 0 ? len : 1) * sizeof *idx);
        n = 0;
        for (int64_t i = st; step > 0 ? i < sp : i > sp; i += step)
            if (i >= 0 && i < len && n < len)
                idx[n++] = i;
        scr_unref(tup);
    } else {
        idx = scr_xmalloc(4096 * sizeof *idx);
        if (int_list(I, a[1], "obj", idx, 4096, &n) < 0) {
            free(idx);
            return -1;
        }
    }
    loom_array *r = loom_delete(x, n, idx, ax);
    free(idx);
    return ret(I, r, out);
}

H(h_pad) {
    (void)F;
    loom_array *x;
    if (arr(I, a[0], &x) < 0)
        return -1;
    int nd = loom_ndim(x);
    int64_t w[2 * LOOM_MAX_DIMS];
    scr_value pw = a[1];
    /* int, (b, a), ((b, a),) or ((b0, a0), (b1, a1), ...) */
    if (scr_is_seq(pw) && scr_seq_of(pw)->n > 0 &&
        scr_is_seq(scr_seq_of(pw)->v[0])) {
        scr_seq *s = scr_seq_of(pw);
        if (s->n != nd && s->n != 1)
            return scr_fail(I, "ValueError: operands could not be broadcast "
                               "together with remapped shapes");
        for (int i = 0; i < nd; i++) {
            int64_t ba[2];
            int n;
            if (int_list(I, s->v[s->n == 1 ? 0 : i], "pad_width", ba, 2,
                         &n) < 0)
                return -1;
            w[2 * i] = ba[0];
            w[2 * i + 1] = n == 2 ? ba[1] : ba[0];
        }
    } else {
        int64_t ba[2];
        int n;
        if (int_list(I, pw, "pad_width", ba, 2, &n) < 0)
            return -1;
        for (int i = 0; i < nd; i++) {
            w[2 * i] = ba[0];
            w[2 * i + 1] = n == 2 ? ba[1] : ba[0];
        }
    }
    const char *mode;
    double cv = 0;
    if (str_arg(I, a[2], "mode", &mode) < 0)
        return -1;
    loom_pad_mode m;
    if (strcmp(mode, "constant") == 0)
        m = LOOM_PAD_CONSTANT;
    else if (strcmp(mode, "edge") == 0)
        m = LOOM_PAD_EDGE;
    else
        return scr_fail(I, "pad(): mode '%s' is not supported by loom "
                           "('constant', 'edge')", mode);
    if (scr_is_seq(a[3]))
        return scr_fail(I, "pad(): loom takes one scalar constant_values");
    if (scr_to_float(I, a[3], "constant_values", &cv) < 0)
        return -1;
    return ret(I, loom_pad(x, w, m, cv), out);
}

H(h_roll) {
    (void)F;
    loom_array *x;
    int64_t sh[LOOM_MAX_DIMS], ax[LOOM_MAX_DIMS];
    int ns, na = 0;
    if (arr(I, a[0], &x) < 0 ||
        int_list(I, a[1], "shift", sh, LOOM_MAX_DIMS, &ns) < 0)
        return -1;
    if (is_none(a[2])) {
        if (ns != 1)
            return scr_fail(I, "ValueError: roll with several shifts needs "
                               "axis");
        return ret(I, loom_roll(x, sh[0], LOOM_ALL), out);
    }
    if (int_list(I, a[2], "axis", ax, LOOM_MAX_DIMS, &na) < 0)
        return -1;
    int n = ns > na ? ns : na;
    if (ns != na && ns != 1 && na != 1)
        return scr_fail(I, "ValueError: 'shift' and 'axis' should be scalars "
                           "or 1D sequences");
    for (int i = 0; i < n; i++)
        x = loom_roll(x, sh[ns == 1 ? 0 : i], (int)ax[na == 1 ? 0 : i]);
    return ret(I, x, out);
}

H(h_rot90) {
    (void)F;
    loom_array *x;
    int64_t k, ax[2];
    int n;
    if (arr(I, a[0], &x) < 0 || get_int(I, a[1], "k", &k) < 0 ||
        int_list(I, a[2], "axes", ax, 2, &n) < 0)
        return -1;
    if (n != 2)
        return scr_fail(I, "ValueError: len(axes) must be 2.");
    return ret(I, loom_rot90(x, (int)k, (int)ax[0], (int)ax[1]), out);
}

/* atleast_1d/2d/3d: op = the minimum ndim */
H(h_atleast) {
    scr_seq *s = scr_seq_of(a[0]);
    loom_array *res[64];
    if (s->n > 64)
        return scr_fail(I, "too many arrays");
    for (int i = 0; i < s->n; i++) {
        loom_array *x;
        if (arr(I, s->v[i], &x) < 0)
            return -1;
        loom_shape sh = loom_shape_of(x), ns = sh;
        if (sh.ndim < F->op) {
            ns.ndim = F->op;
            /* 0-d -> (1,), (1,1), (1,1,1); 1-d (N) -> (1,N), (1,N,1);
             * 2-d (M,N) -> (M,N,1) */
            int64_t d[3] = {1, 1, 1};
            if (sh.ndim == 1) {
                d[1] = sh.dim[0];
            } else if (sh.ndim == 2) {
                d[0] = sh.dim[0];
                d[1] = sh.dim[1];
            }
            for (int k = 0; k < ns.ndim; k++)
                ns.dim[k] = d[k];
            x = loom_reshape(x, ns);
        }
        res[i] = x;
    }
    if (s->n == 1)
        return ret(I, res[0], out);
    return ret_seq(I, SCR_V_LIST, res, s->n, out);
}

H(h_shape) {
    (void)F;
    loom_array *x;
    if (arr(I, a[0], &x) < 0)
        return -1;
    loom_shape s = loom_shape_of(x);
    *out = scr_seq_new(SCR_V_TUPLE, s.ndim);
    for (int i = 0; i < s.ndim; i++)
        scr_seq_of(*out)->v[i] = scr_int(s.dim[i]);
    return 0;
}

H(h_ndim) {
    (void)F;
    loom_array *x;
    if (arr(I, a[0], &x) < 0)
        return -1;
    *out = scr_int(loom_ndim(x));
    return 0;
}

H(h_size) {
    (void)F;
    loom_array *x;
    if (arr(I, a[0], &x) < 0)
        return -1;
    if (is_none(a[1])) {
        *out = scr_int(loom_size(x));
        return 0;
    }
    int64_t ax;
    int n;
    if (get_int(I, a[1], "axis", &ax) < 0 ||
        normalize_axis(I, ax, loom_ndim(x), &n) < 0)
        return -1;
    *out = scr_int(loom_dim(x, n));
    return 0;
}

/* ------------------------------------------------------------------------
 * Indexing helpers
 * ------------------------------------------------------------------------ */

H(h_take) {
    (void)F;
    loom_array *x, *idx;
    int ax;
    if (arr(I, a[0], &x) < 0 || arr(I, a[1], &idx) < 0 ||
        get_axis(I, a[2], &ax) < 0)
        return -1;
    return ret(I, loom_take(x, idx, ax), out);
}

H(h_take_along_axis) {
    (void)F;
    loom_array *x, *idx;
    int ax;
    if (arr(I, a[0], &x) < 0 || arr(I, a[1], &idx) < 0 ||
        get_axis(I, a[2], &ax) < 0)
        return -1;
    if (ax == LOOM_ALL) {
        x = loom_ravel(x);
        ax = 0;
    }
    return ret(I, loom_take_along_axis(x, idx, ax), out);
}

static int need_box(scr_interp *I, scr_value v, const char *what) {
    if (v.k != SCR_V_ARRAY)
        return scr_fail(I, "TypeError: %s: expected an array to modify in "
                           "place, got '%s'", what, scr_type_name(v));
    return 0;
}

H(h_put_along_axis) {
    (void)F;
    loom_array *idx, *v;
    int ax;
    if (need_box(I, a[0], "put_along_axis") < 0 || arr(I, a[1], &idx) < 0 ||
        scr_to_array(I, a[2], &v) < 0 || get_axis(I, a[3], &ax) < 0)
        return -1;
    scr_value r;
    if (scr_wrap(I, loom_put_along_axis(scr_arr(a[0]), idx, v, ax), &r) < 0)
        return -1;
    scr_box_set(a[0], scr_arr(r));
    scr_unref(r);
    return 0;
}

H(h_fill_diagonal) {
    (void)F;
    loom_array *v;
    if (need_box(I, a[0], "fill_diagonal") < 0 ||
        scr_to_array(I, a[1], &v) < 0)
        return -1;
    loom_array *x = scr_arr(a[0]);
    int nd = loom_ndim(x);
    if (nd < 2)
        return scr_fail(I, "ValueError: array must be at least 2-d");
    int64_t n = loom_dim(x, 0);
    for (int i = 1; i < nd; i++)
        if (loom_dim(x, i) < n)
            n = loom_dim(x, i);
    loom_array *ar;
    if (tmp_arr(I, loom_arange(scr_ctx(I), 0, (double)n, 1, LOOM_INT64),
                &ar) < 0)
        return -1;
    loom_index ix[LOOM_MAX_DIMS];
    for (int i = 0; i < nd; i++)
        ix[i] = LOOM_IDX(ar);
    scr_value r;
    if (scr_wrap(I, loom_index_set(x, nd, ix, v), &r) < 0)
        return -1;
    scr_box_set(a[0], scr_arr(r));
    scr_unref(r);
    return 0;
}

H(h_copyto) {
    (void)F;
    loom_array *src;
    if (need_box(I, a[0], "copyto") < 0 || scr_to_array(I, a[1], &src) < 0)
        return -1;
    loom_array *dst = scr_arr(a[0]);
    loom_index all = LOOM_ELLIPSIS;
    loom_array *r;
    if (!is_none(a[3])) {
        loom_array *m;
        if (arr(I, a[3], &m) < 0)
            return -1;
        r = loom_where(m, loom_astype(src, loom_dtype_of(dst)), dst);
    } else {
        r = loom_index_set(dst, 1, &all, src);
    }
    scr_value rv;
    if (scr_wrap(I, r, &rv) < 0)
        return -1;
    scr_box_set(a[0], scr_arr(rv));
    scr_unref(rv);
    return 0;
}

H(h_nonzero) {
    (void)F;
    loom_array *x;
    if (arr(I, a[0], &x) < 0)
        return -1;
    return nonzero_tuple(I, x, out);
}

H(h_diag) {
    (void)F;
    loom_array *x;
    int64_t k;
    if (arr(I, a[0], &x) < 0 || get_int(I, a[1], "k", &k) < 0)
        return -1;
    return ret(I, F->op == 1 ? loom_triu(x, k) : F->op == 2
                  ? loom_tril(x, k) : loom_diag(x, k), out);
}

H(h_diagonal) {
    (void)F;
    loom_array *x;
    int64_t off, a1, a2;
    if (arr(I, a[0], &x) < 0 || get_int(I, a[1], "offset", &off) < 0 ||
        get_int(I, a[2], "axis1", &a1) < 0 ||
        get_int(I, a[3], "axis2", &a2) < 0)
        return -1;
    return ret(I, loom_diagonal(x, off, (int)a1, (int)a2), out);
}

H(h_select) {
    (void)F;
    loom_array **conds, **choices, *def;
    int nc, nch;
    if (scr_to_array_list(I, a[0], "condlist", &conds, &nc) < 0)
        return -1;
    if (scr_to_array_list(I, a[1], "choicelist", &choices, &nch) < 0) {
        free(conds);
        return -1;
    }
    int rc = 0;
    if (nc != nch)
        rc = scr_fail(I, "ValueError: list of cases must be same length as "
                         "list of conditions");
    else if (scr_to_array(I, a[2], &def) < 0)
        rc = -1;
    loom_array *r = NULL;
    if (rc == 0) {
        r = def;
        for (int i = nc - 1; i >= 0; i--)
            r = loom_where(conds[i], choices[i], r);
    }
    free(conds);
    free(choices);
    return rc < 0 ? -1 : ret(I, r, out);
}

H(h_argwhere) {
    loom_array *x;
    if (arr(I, a[0], &x) < 0)
        return -1;
    return ret(I, F->op ? loom_flatnonzero(x) : loom_argwhere(x), out);
}

/* ------------------------------------------------------------------------
 * Sorting and searching
 * ------------------------------------------------------------------------ */

/* sort (op 0) / argsort (op 1): a, axis=-1, kind, order */
H(h_sort) {
    loom_array *x;
    int ax;
    if (arr(I, a[0], &x) < 0 || get_axis(I, a[1], &ax) < 0)
        return -1;
    return ret(I, F->op ? loom_argsort(x, ax) : loom_sort(x, ax), out);
}

/* x.sort(axis=-1) in place */
H(h_m_sort) {
    (void)F;
    int ax;
    if (need_box(I, a[0], "sort") < 0 || get_axis(I, a[1], &ax) < 0)
        return -1;
    scr_value r;
    if (scr_wrap(I, loom_sort(scr_arr(a[0]), ax), &r) < 0)
        return -1;
    scr_box_set(a[0], scr_arr(r));
    scr_unref(r);
    return 0;
}

/* partition (0) / argpartition (1): a, kth, axis=-1, kind, order */
H(h_partition) {
    loom_array *x;
    int64_t kth[256];
    int n, ax;
    if (arr(I, a[0], &x) < 0 || int_list(I, a[1], "kth", kth, 256, &n) < 0 ||
        get_axis(I, a[2], &ax) < 0)
        return -1;
    if (ax == LOOM_ALL) {
        x = loom_ravel(x);
        ax = 0;
    }
    return ret(I, F->op ? loom_argpartition(x, n, kth, ax)
                        : loom_partition(x, n, kth, ax), out);
}

H(h_m_partition) {
    (void)F;
    int64_t kth[256];
    int n, ax;
    if (need_box(I, a[0], "partition") < 0 ||
        int_list(I, a[1], "kth", kth, 256, &n) < 0 ||
        get_axis(I, a[2], &ax) < 0)
        return -1;
    scr_value r;
    if (scr_wrap(I, loom_partition(scr_arr(a[0]), n, kth, ax), &r) < 0)
        return -1;
    scr_box_set(a[0], scr_arr(r));
    scr_unref(r);
    return 0;
}

H(h_searchsorted) {
    (void)F;
    loom_array *s, *v, *sorter = NULL;
    const char *side;
    if (arr(I, a[0], &s) < 0 || arr(I, a[1], &v) < 0 ||
        str_arg(I, a[2], "side", &side) < 0 ||
        (!is_none(a[3]) && arr(I, a[3], &sorter) < 0))
        return -1;
    if (strcmp(side, "left") != 0 && strcmp(side, "right") != 0)
        return scr_fail(I, "ValueError: side must be 'left' or 'right' (got "
                           "'%s')", side);
    return ret(I, loom_searchsorted(s, v, side[0] == 'r', sorter), out);
}

H(h_unique) {
    (void)F;
    loom_array *x;
    bool ri, rv, rc_;
    int ax;
    if (arr(I, a[0], &x) < 0 ||
        scr_to_bool(I, a[1], "return_index", &ri) < 0 ||
        scr_to_bool(I, a[2], "return_inverse", &rv) < 0 ||
        scr_to_bool(I, a[3], "return_counts", &rc_) < 0 ||
        get_axis(I, a[4], &ax) < 0)
        return -1;
    loom_array *r[4] = {NULL, NULL, NULL, NULL};
    loom_status st = loom_unique(x, ax, &r[0], ri ? &r[1] : NULL,
                                 rv ? &r[2] : NULL, rc_ ? &r[3] : NULL);
    if (check_status(I, st, r, 4) < 0)
        return -1;
    if (!ri && !rv && !rc_)
        return ret(I, r[0], out);
    loom_array *res[4];
    int n = 0;
    res[n++] = r[0];
    if (ri)
        res[n++] = r[1];
    if (rv)
        res[n++] = r[2];
    if (rc_)
        res[n++] = r[3];
    return ret_seq(I, SCR_V_TUPLE, res, n, out);
}

H(h_bincount) {
    (void)F;
    loom_array *x, *w = NULL;
    int64_t ml;
    if (arr(I, a[0], &x) < 0 || (!is_none(a[1]) && arr(I, a[1], &w) < 0) ||
        get_int(I, a[2], "minlength", &ml) < 0)
        return -1;
    return ret(I, loom_bincount(x, w, ml), out);
}

H(h_histogram) {
    (void)F;
    loom_array *x, *edges_in = NULL, *w = NULL;
    int64_t bins = 10;
    double lo = 0, hi = 0;
    bool density = false;
    if (arr(I, a[0], &x) < 0)
        return -1;
    if (a[1].k == SCR_V_INT) {
        bins = a[1].u.i;
    } else if (a[1].k == SCR_V_STR) {
        return scr_fail(I, "histogram(): bin estimators ('%s') are not "
                           "supported by loom scripts", scr_str_of(a[1])->s);
    } else if (arr(I, a[1], &edges_in) < 0) {
        return -1;
    }
    if (!is_none(a[2])) {
        if (!scr_is_seq(a[2]) || scr_seq_of(a[2])->n != 2)
            return scr_fail(I, "ValueError: range must be a pair (lo, hi)");
        if (scr_to_float(I, scr_seq_of(a[2])->v[0], "range", &lo) < 0 ||
            scr_to_float(I, scr_seq_of(a[2])->v[1], "range", &hi) < 0)
            return -1;
        if (lo == hi) {
            lo -= 0.5;
            hi += 0.5;
        }
    }
    if ((!is_none(a[3]) && scr_to_bool(I, a[3], "density", &density) < 0) ||
        (!is_none(a[4]) && arr(I, a[4], &w) < 0))
        return -1;
    loom_array *r[2] = {NULL, NULL};
    loom_status st = loom_histogram(x, bins, lo, hi, edges_in, w, density,
                                    &r[0], &r[1]);
    if (check_status(I, st, r, 2) < 0)
        return -1;
    return ret_seq(I, SCR_V_TUPLE, r, 2, out);
}

H(h_digitize) {
    (void)F;
    loom_array *x, *b;
    bool right;
    if (arr(I, a[0], &x) < 0 || arr(I, a[1], &b) < 0 ||
        scr_to_bool(I, a[2], "right", &right) < 0)
        return -1;
    return ret(I, loom_digitize(x, b, right), out);
}

H(h_lexsort) {
    (void)F;
    loom_array **keys;
    int n, ax;
    if (scr_to_array_list(I, a[0], "keys", &keys, &n) < 0)
        return -1;
    if (n == 0 || get_axis(I, a[1], &ax) < 0) {
        free(keys);
        /* loom_lexsort has no context to report this in */
        return n ? -1 : scr_fail(I, "TypeError: need sequence of keys with "
                                    "len > 0 in lexsort");
    }
    loom_array *r = loom_lexsort(n, keys, ax);
    free(keys);
    return ret(I, r, out);
}

/* ------------------------------------------------------------------------
 * Statistics
 * ------------------------------------------------------------------------ */

H(h_cov) {
    (void)F;
    loom_array *m, *y = NULL;
    bool rowvar, bias;
    int64_t ddof = -1;
    loom_dtype t;
    if (arr(I, a[0], &m) < 0 || (!is_none(a[1]) && arr(I, a[1], &y) < 0) ||
        scr_to_bool(I, a[2], "rowvar", &rowvar) < 0 ||
        scr_to_bool(I, a[3], "bias", &bias) < 0 ||
        (!is_none(a[4]) && get_int(I, a[4], "ddof", &ddof) < 0) ||
        scr_to_dtype(I, a[7], "dtype", &t) < 0)
        return -1;
    return ret(I, maybe_cast(loom_cov(m, y, rowvar, bias, (int)ddof), t),
               out);
}

H(h_corrcoef) {
    (void)F;
    loom_array *x, *y = NULL;
    bool rowvar;
    loom_dtype t;
    if (arr(I, a[0], &x) < 0 || (!is_none(a[1]) && arr(I, a[1], &y) < 0) ||
        scr_to_bool(I, a[2], "rowvar", &rowvar) < 0 ||
        scr_to_dtype(I, a[5], "dtype", &t) < 0)
        return -1;
    return ret(I, maybe_cast(loom_corrcoef(x, y, rowvar), t), out);
}

/* prepend/append for diff: scalars broadcast to one slice along axis */
static int diff_edge(scr_interp *I, scr_value v, loom_array *x, int axis,
                     loom_array **o) {
    loom_array *e;
    if (scr_to_array_strong(I, v, &e) < 0)
        return -1;
    if (loom_ndim(e) == 0) {
        loom_shape s = loom_shape_of(x);
        s.dim[axis] = 1;
        e = loom_broadcast_to(e, s);
    }
    return tmp_arr(I, e, o);
}

H(h_diff) {
    (void)F;
    loom_array *x;
    int64_t n, ax;
    if (arr(I, a[0], &x) < 0 || get_int(I, a[1], "n", &n) < 0 ||
        get_int(I, a[2], "axis", &ax) < 0)
        return -1;
    int axis;
    if (normalize_axis(I, ax, loom_ndim(x) ? loom_ndim(x) : 1, &axis) < 0)
        return -1;
    if (!is_none(a[3]) || !is_none(a[4])) {
        loom_array *parts[3];
        int k = 0;
        if (!is_none(a[3]) && diff_edge(I, a[3], x, axis, &parts[k++]) < 0)
            return -1;
        parts[k++] = x;
        if (!is_none(a[4]) && diff_edge(I, a[4], x, axis, &parts[k++]) < 0)
            return -1;
        x = loom_concatenate(k, parts, axis);
    }
    return ret(I, loom_diff(x, (int)n, axis), out);
}

H(h_gradient) {
    (void)F;
    loom_array *x;
    if (arr(I, a[0], &x) < 0)
        return -1;
    scr_seq *va = scr_seq_of(a[1]);
    double h = 1.0;
    if (va->n > 1)
        return scr_fail(I, "gradient(): loom takes one scalar spacing");
    if (va->n == 1 && scr_to_float(I, va->v[0], "varargs", &h) < 0)
        return -1;
    int64_t eo;
    if (get_int(I, a[3], "edge_order", &eo) < 0)
        return -1;
    if (eo != 1)
        return scr_fail(I, "gradient(): edge_order=2 is not supported by "
                           "loom");
    int nd = loom_ndim(x);
    if (!is_none(a[2])) {
        int64_t ax[LOOM_MAX_DIMS];
        int n;
        if (int_list(I, a[2], "axis", ax, LOOM_MAX_DIMS, &n) < 0)
            return -1;
        if (a[2].k == SCR_V_INT)
            return ret(I, loom_gradient(x, h, (int)ax[0]), out);
        loom_array *res[LOOM_MAX_DIMS];
        for (int i = 0; i < n; i++)
            res[i] = loom_gradient(x, h, (int)ax[i]);
        return ret_seq(I, SCR_V_LIST, res, n, out);
    }
    if (nd == 1)
        return ret(I, loom_gradient(x, h, 0), out);
    loom_array *res[LOOM_MAX_DIMS];
    for (int i = 0; i < nd; i++)
        res[i] = loom_gradient(x, h, i);
    return ret_seq(I, SCR_V_LIST, res, nd, out);
}

static int conv_mode(scr_interp *I, scr_value v, loom_conv_mode *m) {
    const char *s;
    *m = LOOM_CONV_FULL;
    if (str_arg(I, v, "mode", &s) < 0)
        return -1;
    if (strcmp(s, "full") == 0)
        *m = LOOM_CONV_FULL;
    else if (strcmp(s, "same") == 0)
        *m = LOOM_CONV_SAME;
    else if (strcmp(s, "valid") == 0)
        *m = LOOM_CONV_VALID;
    else
        return scr_fail(I, "ValueError: mode must be one of 'valid', 'same', "
                           "or 'full' (got '%s')", s);
    return 0;
}

H(h_convolve) {
    loom_array *x, *v;
    loom_conv_mode m;
    if (arr(I, a[0], &x) < 0 || arr(I, a[1], &v) < 0 ||
        conv_mode(I, a[2], &m) < 0)
        return -1;
    return ret(I, F->op ? loom_correlate(x, v, m) : loom_convolve(x, v, m),
               out);
}

H(h_interp) {
    (void)F;
    loom_array *x, *xp, *fp;
    double left = NAN, right = NAN;
    if (arr(I, a[0], &x) < 0 || arr(I, a[1], &xp) < 0 ||
        arr(I, a[2], &fp) < 0 ||
        (!is_none(a[3]) && scr_to_float(I, a[3], "left", &left) < 0) ||
        (!is_none(a[4]) && scr_to_float(I, a[4], "right", &right) < 0))
        return -1;
    if (!is_none(a[5]))
        return scr_fail(I, "interp(): argument 'period' is not supported by "
                           "loom scripts");
    return ret(I, loom_interp(x, xp, fp, is_none(a[3]) ? NULL : &left,
                              is_none(a[4]) ? NULL : &right),
               out);
}

/* ------------------------------------------------------------------------
 * Files
 * ------------------------------------------------------------------------ */

H(h_save) {
    (void)F;
    const char *file;
    loom_array *x;
    if (str_arg(I, a[0], "file", &file) < 0 || arr(I, a[1], &x) < 0)
        return -1;
    scr_buf path = {0};
    scr_buf_puts(&path, file);
    size_t n = strlen(file);
    if (n < 4 || strcmp(file + n - 4, ".npy") != 0)
        scr_buf_puts(&path, ".npy");
    int rc = scr_eval_arrays(I, &x, 1);
    if (rc == 0) {
        loom_status st = loom_save_npy(x, path.s);
        if (st != LOOM_OK) {
            const char *m = loom_ctx_error(scr_ctx(I));
            if (!m || !*m)
                m = loom_error(x);
            rc = scr_fail(I, "%s: np.save('%s'): %s",
                          st == LOOM_ERR_IO ? "OSError" : "error", path.s,
                          m && *m ? m : loom_status_name(st));
        }
    }
    scr_buf_free(&path);
    return rc;
}

H(h_load) {
    (void)F;
    const char *file;
    if (str_arg(I, a[0], "file", &file) < 0)
        return -1;
    loom_array *x = loom_load_npy(scr_ctx(I), file);
    if (x && loom_status_of(x) != LOOM_OK)
        return scr_fail(I, "%s: np.load('%s'): %s",
                        loom_status_of(x) == LOOM_ERR_IO ? "OSError"
                                                         : "ValueError",
                        file, loom_error(x));
    return ret(I, x, out);
}

/* ------------------------------------------------------------------------
 * np.random
 * ------------------------------------------------------------------------ */

H(h_default_rng) {
    (void)F;
    loom_rng *r;
    if (is_none(a[0])) {
        r = loom_rng_new_u64(scr_ctx(I), (uint64_t)time(NULL) ^
                                             (uint64_t)clock() << 20);
    } else {
        int64_t seed;
        if (get_int(I, a[0], "seed", &seed) < 0)
            return -1;
        if (seed < 0)
            return scr_fail(I, "ValueError: expected non-negative integer");
        r = loom_rng_new_u64(scr_ctx(I), (uint64_t)seed);
    }
    if (!r)
        return scr_fail(I, "MemoryError: cannot create a generator");
    scr_rngbox *b = scr_xcalloc(1, sizeof *b);
    b->h.refs = 1;
    b->h.k = SCR_V_RNG;
    b->rng = r;
    out->k = SCR_V_RNG;
    out->u.o = &b->h;
    return 0;
}

static loom_rng *rng_of(scr_value v) { return ((scr_rngbox *)v.u.o)->rng; }

/* size=None gives one Python float in NumPy */
static int ret_draw(scr_interp *I, loom_array *x, bool scalar_float,
                    scr_value *out) {
    if (!scalar_float)
        return ret(I, x, out);
    scr_value v;
    if (ret(I, x, &v) < 0)
        return -1;
    double f;
    int rc = scr_to_float(I, v, "draw", &f);
    scr_unref(v);
    *out = scr_float(f);
    return rc;
}

static int size_arg(scr_interp *I, scr_value v, loom_shape *s) {
    if (is_none(v)) {
        *s = LOOM_SCALAR_SHAPE;
        return 0;
    }
    return scr_to_shape(I, v, "size", s);
}

/* random (op 0) / standard_normal (op 1): self, size, dtype, out */
H(h_rng_std) {
    loom_shape s;
    loom_dtype t;
    if (size_arg(I, a[1], &s) < 0 || scr_to_dtype(I, a[2], "dtype", &t) < 0)
        return -1;
    t = or_default(t, LOOM_FLOAT64);
    if (t != LOOM_FLOAT32 && t != LOOM_FLOAT64)
        return scr_fail(I, "TypeError: Unsupported dtype \"%s\" for %s",
                        loom_dtype_name(t), F->name);
    loom_rng *r = rng_of(a[0]);
    loom_array *x = F->op ? loom_rng_standard_normal(r, s, t)
                          : loom_rng_random(r, s, t);
    return ret_draw(I, x, is_none(a[1]), out);
}

/* normal (op 0: loc, scale), uniform (op 1: low, high),
 * exponential (op 2: scale) */
H(h_rng_dist) {
    loom_rng *r = rng_of(a[0]);
    int si = F->op == 2 ? 2 : 3;
    loom_shape s;
    if (size_arg(I, a[si], &s) < 0)
        return -1;
    bool scalars = a[1].k != SCR_V_ARRAY && !scr_is_seq(a[1]) &&
                   (F->op == 2 || (a[2].k != SCR_V_ARRAY &&
                                   !scr_is_seq(a[2])));
    if (scalars) {
        double p1, p2 = 0;
        if (scr_to_float(I, a[1], "parameter", &p1) < 0 ||
            (F->op != 2 && scr_to_float(I, a[2], "parameter", &p2) < 0))
            return -1;
        loom_array *x = F->op == 0 ? loom_rng_normal(r, p1, p2, s)
                      : F->op == 1 ? loom_rng_uniform(r, p1, p2, s)
                                   : loom_rng_exponential(r, p1, s);
        return ret_draw(I, x, is_none(a[si]), out);
    }
    /* array parameters: NumPy draws the standard variate and scales it */
    loom_array *p1, *p2 = NULL;
    if (scr_to_array_strong(I, a[1], &p1) < 0 ||
        (F->op != 2 && scr_to_array_strong(I, a[2], &p2) < 0))
        return -1;
    if (is_none(a[si])) {
        loom_array *b = p2 ? loom_add(p1, loom_multiply(p2, p2)) : p1;
        if (tmp_arr(I, b, &b) < 0)
            return -1;
        s = loom_shape_of(b);
    }
    p1 = loom_astype(p1, LOOM_FLOAT64);
    if (p2)
        p2 = loom_astype(p2, LOOM_FLOAT64);
    loom_array *x;
    if (F->op == 0)
        x = loom_add(p1, loom_multiply(p2, loom_rng_standard_normal(
                                               r, s, LOOM_FLOAT64)));
    else if (F->op == 1)
        x = loom_add(p1, loom_multiply(loom_subtract(p2, p1),
                                       loom_rng_random(r, s, LOOM_FLOAT64)));
    else
        x = loom_multiply(p1, loom_rng_exponential(r, 1.0, s));
    return ret(I, x, out);
}

H(h_rng_integers) {
    (void)F;
    int64_t lo, hi;
    loom_shape s;
    loom_dtype t;
    bool endpoint;
    if (get_int(I, a[1], "low", &lo) < 0 ||
        (!is_none(a[2]) && get_int(I, a[2], "high", &hi) < 0) ||
        size_arg(I, a[3], &s) < 0 || scr_to_dtype(I, a[4], "dtype", &t) < 0 ||
        scr_to_bool(I, a[5], "endpoint", &endpoint) < 0)
        return -1;
    if (is_none(a[2])) {
        hi = lo;
        lo = 0;
    }
    t = or_default(t, LOOM_INT64);
    return ret(I, loom_rng_integers(rng_of(a[0]), lo, hi, s, t, endpoint),
               out);
}

H(h_rng_choice) {
    (void)F;
    loom_shape s;
    bool replace, shuffle;
    int64_t axis;
    if (size_arg(I, a[2], &s) < 0 ||
        scr_to_bool(I, a[3], "replace", &replace) < 0 ||
        get_int(I, a[5], "axis", &axis) < 0 ||
        scr_to_bool(I, a[6], "shuffle", &shuffle) < 0)
        return -1;
    if (axis != 0)
        return scr_fail(I, "choice(): axis other than 0 is not supported by "
                           "loom");
    loom_array *p = NULL, *from = NULL;
    int64_t n = 0;
    if (!is_none(a[4]) && arr(I, a[4], &p) < 0)
        return -1;
    if (a[1].k == SCR_V_INT) {
        n = a[1].u.i;
    } else if (arr(I, a[1], &from) < 0) {
        return -1;
    } else if (loom_ndim(from) == 0) {
        if (get_int(I, a[1], "a", &n) < 0)
            return -1;
        from = NULL;
    }
    return ret(I, loom_rng_choice(rng_of(a[0]), n, from, s, replace, p),
               out);
}

H(h_rng_permutation) {
    (void)F;
    int64_t axis;
    if (get_int(I, a[2], "axis", &axis) < 0)
        return -1;
    if (axis != 0)
        return scr_fail(I, "permutation(): axis other than 0 is not "
                           "supported by loom");
    if (a[1].k == SCR_V_INT)
        return ret(I, loom_rng_permutation(rng_of(a[0]), a[1].u.i, NULL),
                   out);
    loom_array *x;
    if (arr(I, a[1], &x) < 0)
        return -1;
    return ret(I, loom_rng_permutation(rng_of(a[0]), 0, x), out);
}

H(h_rng_shuffle) {
    (void)F;
    int64_t axis;
    if (need_box(I, a[1], "shuffle") < 0 ||
        get_int(I, a[2], "axis", &axis) < 0)
        return -1;
    if (axis != 0)
        return scr_fail(I, "shuffle(): axis other than 0 is not supported by "
                           "loom");
    scr_value r;
    if (scr_wrap(I, loom_rng_shuffle(rng_of(a[0]), scr_arr(a[1])), &r) < 0)
        return -1;
    scr_box_set(a[1], scr_arr(r));
    scr_unref(r);
    return 0;
}

H(h_rng_spawn) {
    (void)F;
    int64_t n;
    if (get_int(I, a[1], "n_children", &n) < 0)
        return -1;
    if (n < 0 || n > 4096)
        return scr_fail(I, "ValueError: n_children out of range");
    loom_rng **kids = scr_xcalloc((size_t)(n ? n : 1), sizeof *kids);
    int got = loom_rng_spawn(rng_of(a[0]), (int)n, kids);
    if (got < 0) {
        free(kids);
        return scr_fail(I, "spawn failed: %s", loom_ctx_error(scr_ctx(I)));
    }
    *out = scr_seq_new(SCR_V_LIST, got);
    for (int i = 0; i < got; i++) {
        scr_rngbox *b = scr_xcalloc(1, sizeof *b);
        b->h.refs = 1;
        b->h.k = SCR_V_RNG;
        b->rng = kids[i];
        scr_seq_of(*out)->v[i].k = SCR_V_RNG;
        scr_seq_of(*out)->v[i].u.o = &b->h;
    }
    free(kids);
    return 0;
}

/* ------------------------------------------------------------------------
 * ndarray methods that differ from the functions
 * ------------------------------------------------------------------------ */

H(h_m_astype) {
    (void)F;
    loom_dtype t;
    if (scr_to_dtype(I, a[1], "dtype", &t) < 0)
        return -1;
    if (t == LOOM_DEFAULT_DTYPE)
        t = LOOM_FLOAT64;
    return ret(I, loom_astype(scr_arr(a[0]), t), out);
}

H(h_m_item) {
    (void)F;
    loom_array *x = scr_arr(a[0]);
    scr_seq *ix = scr_seq_of(a[1]);
    if (ix->n > 0) {
        int64_t idx[LOOM_MAX_DIMS];
        int n;
        scr_value tup = ix->n == 1 ? ix->v[0] : a[1];
        if (int_list(I, tup, "index", idx, LOOM_MAX_DIMS, &n) < 0)
            return -1;
        loom_index li[LOOM_MAX_DIMS];
        if (n == 1 && loom_ndim(x) != 1) {
            x = loom_ravel(x);
        }
        for (int i = 0; i < n; i++)
            li[i] = LOOM_I(idx[i]);
        if (tmp_arr(I, loom_index_get(x, n, li), &x) < 0)
            return -1;
    }
    scr_value v = scr_array_new(x);
    double f;
    int64_t i;
    int rc;
    loom_dtype t = loom_dtype_of(x);
    if (t == LOOM_FLOAT32 || t == LOOM_FLOAT64) {
        rc = scr_to_float(I, v, "item", &f);
        *out = scr_float(f);
    } else {
        rc = scr_to_int(I, v, "item", &i);
        *out = t == LOOM_BOOL ? scr_bool(i != 0) : scr_int(i);
    }
    scr_unref(v);
    return rc;
}

/* x.tolist(): nested Python lists of Python scalars */
static scr_value tolist_rec(loom_dtype t, const char *data, const loom_shape *s,
                            int axis, int64_t *off) {
    if (axis == s->ndim) {
        scr_value v;
        switch (t) {
        case LOOM_BOOL: v = scr_bool(*(const uint8_t *)(data + *off) != 0);
            break;
        case LOOM_INT32: v = scr_int(*(const int32_t *)(data + *off)); break;
        case LOOM_INT64: v = scr_int(*(const int64_t *)(data + *off)); break;
        case LOOM_FLOAT32: v = scr_float(*(const float *)(data + *off)); break;
        default: v = scr_float(*(const double *)(data + *off)); break;
        }
        *off += (int64_t)loom_dtype_size(t);
        return v;
    }
    scr_value l = scr_seq_new(SCR_V_LIST, (int)s->dim[axis]);
    for (int64_t i = 0; i < s->dim[axis]; i++)
        scr_seq_of(l)->v[i] = tolist_rec(t, data, s, axis + 1, off);
    return l;
}

H(h_m_tolist) {
    (void)F;
    loom_array *x = scr_arr(a[0]);
    if (scr_eval_arrays(I, &x, 1) < 0)
        return -1;
    const void *d = loom_data(x);
    if (!d)
        return scr_fail(I, "%s", loom_error(x));
    loom_shape s = loom_shape_of(x);
    int64_t off = 0;
    *out = tolist_rec(loom_dtype_of(x), d, &s, 0, &off);
    return 0;
}

H(h_m_fill) {
    (void)F;
    loom_array *v;
    if (scr_to_array(I, a[1], &v) < 0)
        return -1;
    loom_index all = LOOM_ELLIPSIS;
    scr_value r;
    if (scr_wrap(I, loom_index_set(scr_arr(a[0]), 1, &all, v), &r) < 0)
        return -1;
    scr_box_set(a[0], scr_arr(r));
    scr_unref(r);
    return 0;
}

H(h_dtype) {
    (void)F;
    loom_dtype t;
    if (scr_to_dtype(I, a[0], "dtype", &t) < 0)
        return -1;
    if (t == LOOM_DEFAULT_DTYPE)
        t = LOOM_FLOAT64;
    out->k = SCR_V_DTYPE;
    out->u.dt = t;
    return 0;
}

H(h_set_printoptions) {
    scr_printopts *po = scr_print_options(I);
    int64_t v;
    int *fields[] = {&po->precision, &po->threshold, &po->edgeitems,
                     &po->linewidth};
    const char *names[] = {"precision", "threshold", "edgeitems",
                           "linewidth"};
    for (int i = 0; i < 4; i++) {
        if (is_none(a[i]))
            continue;
        if (a[i].k == SCR_V_FLOAT && isinf(a[i].u.f)) {
            *fields[i] = INT32_MAX;
            continue;
        }
        if (get_int(I, a[i], names[i], &v) < 0)
            return -1;
        if (v < 0)
            return scr_fail(I, "ValueError: %s must be non-negative",
                            names[i]);
        *fields[i] = v > INT32_MAX ? INT32_MAX : (int)v;
    }
    if (!is_none(a[4]) && scr_to_bool(I, a[4], "suppress", &po->suppress) < 0)
        return -1;
    if (!is_none(a[9])) {
        const char *fm;
        if (str_arg(I, a[9], "floatmode", &fm) < 0)
            return -1;
        if (strcmp(fm, "maxprec") == 0)
            po->floatmode = 'm';
        else if (strcmp(fm, "fixed") == 0)
            po->floatmode = 'f';
        else if (strcmp(fm, "unique") == 0)
            po->floatmode = 'u';
        else if (strcmp(fm, "maxprec_equal") == 0)
            po->floatmode = 'e';
        else
            return scr_fail(I, "ValueError: floatmode option must be one of "
                               "fixed, unique, maxprec, maxprec_equal");
    }
    *out = scr_none;
    return 0;
}

/* finfo (op 0) / iinfo (op 1) */
H(h_finfo) {
    loom_dtype t;
    if (a[0].k == SCR_V_ARRAY)
        t = loom_dtype_of(scr_arr(a[0]));
    else if (scr_to_dtype(I, a[0], "dtype", &t) < 0)
        return -1;
    bool fl = t == LOOM_FLOAT32 || t == LOOM_FLOAT64;
    bool in = t == LOOM_INT32 || t == LOOM_INT64;
    if (F->op == 0 && !fl)
        return scr_fail(I, "ValueError: data type %s not inexact",
                        loom_dtype_name(t));
    if (F->op == 1 && !in)
        return scr_fail(I, "ValueError: Invalid integer data type '%s'.",
                        t == LOOM_BOOL ? "b" : "f");
    out->k = SCR_V_DTYPE;
    out->u.dt = (int)t | (F->op ? SCR_DT_IINFO : SCR_DT_FINFO);
    return 0;
}

H(h_ndarray) {
    return scr_fail(I, "np.ndarray(...) is not supported by loom scripts; "
                       "use np.zeros or np.empty");
}

H(h_m_identity) {
    (void)F;
    (void)I;
    *out = scr_ref(a[0]);
    return 0;
}

/* ------------------------------------------------------------------------
 * Tables
 * ------------------------------------------------------------------------ */

#define U1 "x, /, !out=None, *, !where=True, !casting='same_kind', " \
           "!order='K', dtype=None, !subok=True"
#define U2 "x1, x2, /, !out=None, *, !where=True, !casting='same_kind', " \
           "!order='K', dtype=None, !subok=True"
#define F1(n, f) {n, U1, h_ufunc1, 0, f, NULL, -1, -1, -1, -1}
#define F2(n, f) {n, U2, h_ufunc2, 0, NULL, f, -1, -1, -1, -1}
#define RED(n, sig, op, ax, dt, kd, dd) \
    {n, sig, h_reduce, op, NULL, NULL, ax, dt, kd, dd}
#define FN(n, sig, h) {n, sig, h, 0, NULL, NULL, -1, -1, -1, -1}
#define FO(n, sig, h, op) {n, sig, h, op, NULL, NULL, -1, -1, -1, -1}

#define S_SUM "a, axis=None, dtype=None, !out=None, keepdims=False, " \
              "!initial=None, !where=True"
#define S_MEAN "a, axis=None, dtype=None, !out=None, keepdims=False, *, " \
               "!where=True"
#define S_VAR "a, axis=None, dtype=None, !out=None, ddof=0, " \
              "keepdims=False, *, !where=True"
#define S_MIN "a, axis=None, !out=None, keepdims=False, !initial=None, " \
              "!where=True"
#define S_ARG "a, axis=None, !out=None, *, keepdims=False"
#define S_ANY "a, axis=None, !out=None, keepdims=False, *, !where=True"
#define S_SCAN "a, axis=None, dtype=None, !out=None"
#define S_QUANT "a, q, axis=None, !out=None, !overwrite_input=False, " \
                "method='linear', keepdims=False, *, interpolation=None"
#define S_SORT "a, axis=-1, kind=None, !order=None"
#define S_PART "a, kth, axis=-1, kind='introselect', !order=None"

static const scr_func NP[] = {
    /* creation */
    FN("array", "object, dtype=None, *, copy=True, !order='K', "
                "!subok=False, ndmin=0, !like=None", h_array),
    FN("asarray", "a, dtype=None, !order=None, *, !like=None", h_asarray),
    FN("asanyarray", "a, dtype=None, !order=None, *, !like=None", h_asarray),
    FN("ascontiguousarray", "a, dtype=None, *, !like=None", h_asarray),
    FO("zeros", "shape, dtype=None, !order='C', *, !like=None", h_filled, 0),
    FO("ones", "shape, dtype=None, !order='C', *, !like=None", h_filled, 1),
    FO("empty", "shape, dtype=None, !order='C', *, !like=None", h_filled, 2),
    FN("full", "shape, fill_value, dtype=None, !order='C', *, !like=None",
       h_full),
    FO("zeros_like", "a, dtype=None, !order='K', !subok=True, shape=None",
       h_like, 0),
    FO("ones_like", "a, dtype=None, !order='K', !subok=True, shape=None",
       h_like, 1),
    FO("empty_like", "a, dtype=None, !order='K', !subok=True, shape=None",
       h_like, 2),
    FO("full_like", "a, fill_value, dtype=None, !order='K', !subok=True, "
                    "shape=None", h_like, 3),
    FN("eye", "N, M=None, k=0, dtype=None, !order='C', *, !like=None", h_eye),
    FN("identity", "n, dtype=None, *, !like=None", h_identity),
    FN("tri", "N, M=None, k=0, dtype=None, *, !like=None", h_tri),
    FN("arange", "start, stop=None, step=None, dtype=None, *, !like=None",
       h_arange),
    FN("linspace", "start, stop, num=50, endpoint=True, retstep=False, "
                   "dtype=None, axis=0", h_linspace),
    FN("logspace", "start, stop, num=50, endpoint=True, base=10.0, "
                   "dtype=None, axis=0", h_logspace),
    FN("copy", "a, !order='K', !subok=False", h_copy),
    FN("meshgrid", "*xi, copy=True, sparse=False, indexing='xy'",
       h_meshgrid),
    FN("save", "file, arr, allow_pickle=True, fix_imports=True", h_save),
    FN("load", "file, !mmap_mode=None, allow_pickle=False, "
               "fix_imports=True, encoding='ASCII'", h_load),
    FN("dtype", "dtype, align=False, copy=False", h_dtype),
    FN("ndarray", "*args", h_ndarray),
    FO("finfo", "dtype", h_finfo, 0),
    FO("iinfo", "int_type", h_finfo, 1),
    FN("set_printoptions", "precision=None, threshold=None, edgeitems=None, "
                           "linewidth=None, suppress=None, !nanstr=None, "
                           "!infstr=None, !formatter=None, !sign=None, "
                           "floatmode=None, *, !legacy=None",
       h_set_printoptions),
    /* elementwise, one operand */
    F1("negative", loom_negative), F1("positive", loom_positive),
    F1("absolute", loom_abs), F1("abs", loom_abs), F1("fabs", fabs_),
    F1("sign", loom_sign), F1("square", loom_square),
    F1("reciprocal", loom_reciprocal), F1("sqrt", loom_sqrt),
    F1("cbrt", loom_cbrt), F1("exp", loom_exp), F1("exp2", loom_exp2),
    F1("expm1", loom_expm1), F1("log", loom_log), F1("log2", loom_log2),
    F1("log10", loom_log10), F1("log1p", loom_log1p), F1("sin", loom_sin),
    F1("cos", loom_cos), F1("tan", loom_tan), F1("arcsin", loom_arcsin),
    F1("arccos", loom_arccos), F1("arctan", loom_arctan),
    F1("sinh", loom_sinh), F1("cosh", loom_cosh), F1("tanh", loom_tanh),
    F1("arcsinh", loom_arcsinh), F1("arccosh", loom_arccosh),
    F1("arctanh", loom_arctanh), F1("floor", loom_floor),
    F1("ceil", loom_ceil), F1("trunc", loom_trunc), F1("fix", fix_),
    F1("rint", loom_rint), F1("isnan", loom_isnan), F1("isinf", loom_isinf),
    F1("isfinite", loom_isfinite), F1("signbit", loom_signbit),
    F1("logical_not", loom_logical_not), F1("invert", loom_invert),
    F1("bitwise_not", loom_invert), F1("deg2rad", deg2rad_),
    F1("radians", deg2rad_), F1("rad2deg", rad2deg_),
    F1("degrees", rad2deg_), F1("conjugate", identity_),
    F1("conj", identity_), F1("real", identity_),
    /* elementwise, two operands */
    F2("add", loom_add), F2("subtract", loom_subtract),
    F2("multiply", loom_multiply), F2("divide", loom_divide),
    F2("true_divide", loom_divide), F2("floor_divide", loom_floor_divide),
    F2("mod", loom_mod), F2("remainder", loom_mod), F2("power", loom_power),
    F2("float_power", float_power_), F2("maximum", loom_maximum),
    F2("minimum", loom_minimum), F2("fmax", loom_fmax), F2("fmin", loom_fmin),
    F2("arctan2", loom_arctan2), F2("hypot", loom_hypot),
    F2("logaddexp", loom_logaddexp), F2("copysign", loom_copysign),
    F2("equal", loom_equal), F2("not_equal", loom_not_equal),
    F2("less", loom_less), F2("less_equal", loom_less_equal),
    F2("greater", loom_greater), F2("greater_equal", loom_greater_equal),
    F2("logical_and", loom_logical_and), F2("logical_or", loom_logical_or),
    F2("logical_xor", loom_logical_xor), F2("bitwise_and", loom_bitwise_and),
    F2("bitwise_or", loom_bitwise_or), F2("bitwise_xor", loom_bitwise_xor),
    F2("left_shift", loom_left_shift), F2("right_shift", loom_right_shift),
    FN("divmod", U2, h_divmod),
    FN("clip", "a, a_min, a_max, !out=None", h_clip),
    FN("where", "condition, x=None, y=None", h_where),
    FN("nan_to_num", "x, copy=True, nan=0.0, posinf=None, neginf=None",
       h_nan_to_num),
    FN("round", "a, decimals=0, !out=None", h_round),
    FN("around", "a, decimals=0, !out=None", h_round),
    FN("round_", "a, decimals=0, !out=None", h_round),
    FO("isclose", "a, b, rtol=1e-05, atol=1e-08, equal_nan=False",
       h_isclose, 0),
    FO("allclose", "a, b, rtol=1e-05, atol=1e-08, equal_nan=False",
       h_isclose, 1),
    FN("array_equal", "a1, a2, equal_nan=False", h_array_equal),
    /* reductions */
    RED("sum", S_SUM, LOOM_RED_SUM, 1, 2, 4, -1),
    RED("prod", S_SUM, LOOM_RED_PROD, 1, 2, 4, -1),
    RED("nansum", S_SUM, LOOM_RED_NANSUM, 1, 2, 4, -1),
    RED("nanprod", S_SUM, LOOM_RED_NANPROD, 1, 2, 4, -1),
    RED("mean", S_MEAN, LOOM_RED_MEAN, 1, 2, 4, -1),
    RED("nanmean", S_MEAN, LOOM_RED_NANMEAN, 1, 2, 4, -1),
    RED("var", S_VAR, LOOM_RED_VAR, 1, 2, 5, 4),
    RED("std", S_VAR, LOOM_RED_STD, 1, 2, 5, 4),
    RED("nanvar", S_VAR, LOOM_RED_NANVAR, 1, 2, 5, 4),
    RED("nanstd", S_VAR, LOOM_RED_NANSTD, 1, 2, 5, 4),
    RED("min", S_MIN, LOOM_RED_MIN, 1, -1, 3, -1),
    RED("max", S_MIN, LOOM_RED_MAX, 1, -1, 3, -1),
    RED("amin", S_MIN, LOOM_RED_MIN, 1, -1, 3, -1),
    RED("amax", S_MIN, LOOM_RED_MAX, 1, -1, 3, -1),
    RED("nanmin", S_MIN, LOOM_RED_NANMIN, 1, -1, 3, -1),
    RED("nanmax", S_MIN, LOOM_RED_NANMAX, 1, -1, 3, -1),
    RED("ptp", "a, axis=None, !out=None, keepdims=False", LOOM_RED_PTP, 1,
        -1, 3, -1),
    RED("argmin", S_ARG, LOOM_RED_ARGMIN, 1, -1, 3, -1),
    RED("argmax", S_ARG, LOOM_RED_ARGMAX, 1, -1, 3, -1),
    RED("nanargmin", S_ARG, LOOM_RED_NANARGMIN, 1, -1, 3, -1),
    RED("nanargmax", S_ARG, LOOM_RED_NANARGMAX, 1, -1, 3, -1),
    RED("any", S_ANY, LOOM_RED_ANY, 1, -1, 3, -1),
    RED("all", S_ANY, LOOM_RED_ALL, 1, -1, 3, -1),
    RED("count_nonzero", "a, axis=None, *, keepdims=False",
        LOOM_RED_COUNT_NONZERO, 1, -1, 2, -1),
    FO("cumsum", S_SCAN, h_scan, 0), FO("cumprod", S_SCAN, h_scan, 1),
    FO("nancumsum", S_SCAN, h_scan, 2), FO("nancumprod", S_SCAN, h_scan, 3),
    FN("average", "a, axis=None, weights=None, returned=False, *, "
                  "keepdims=False", h_average),
    FO("median", "a, axis=None, !out=None, !overwrite_input=False, "
                 "keepdims=False", h_median, 0),
    FO("nanmedian", "a, axis=None, !out=None, !overwrite_input=False, "
                    "keepdims=False", h_median, 1),
    FO("quantile", S_QUANT, h_quantile, 0),
    FO("percentile", S_QUANT, h_quantile, 1),
    FO("nanquantile", S_QUANT, h_quantile, 2),
    FO("nanpercentile", S_QUANT, h_quantile, 3),
    /* products */
    {"matmul", U2, h_ufunc2, 0, NULL, loom_matmul, -1, -1, -1, -1},
    {"dot", "a, b, !out=None", h_binary_plain, 0, NULL, loom_dot, -1, -1, -1,
     -1},
    {"vdot", "a, b, /", h_binary_plain, 0, NULL, loom_vdot, -1, -1, -1, -1},
    {"inner", "a, b, /", h_binary_plain, 0, NULL, loom_inner, -1, -1, -1,
     -1},
    {"outer", "a, b, !out=None", h_binary_plain, 0, NULL, loom_outer, -1, -1,
     -1, -1},
    {"kron", "a, b", h_binary_plain, 0, NULL, loom_kron, -1, -1, -1, -1},
    FN("tensordot", "a, b, axes=2", h_tensordot),
    FN("trace", "a, offset=0, axis1=0, axis2=1, dtype=None, !out=None",
       h_trace),
    FN("einsum", "*operands, !out=None, optimize=False, dtype=None, "
                 "!order='K', !casting='safe'", h_einsum),
    FN("einsum_path", "*operands, optimize='greedy', einsum_call=False",
       h_einsum_path),
    /* shapes */
    FN("reshape", "a, newshape, order='C'", h_reshape),
    FO("ravel", "a, order='C'", h_ravel, 0),
    FN("transpose", "a, axes=None", h_transpose),
    FN("swapaxes", "a, axis1, axis2", h_swapaxes),
    FN("moveaxis", "a, source, destination", h_moveaxis),
    FN("expand_dims", "a, axis", h_expand_dims),
    FN("squeeze", "a, axis=None", h_squeeze),
    FN("broadcast_to", "array, shape, !subok=False", h_broadcast_to),
    FO("flip", "m, axis=None", h_flip, 0), FO("fliplr", "m", h_flip, 1),
    FO("flipud", "m", h_flip, 2),
    FO("concatenate", "arrays, axis=0, !out=None, dtype=None, "
                      "!casting='same_kind'", h_join, 0),
    FO("stack", "arrays, axis=0, !out=None, *, dtype=None, "
                "!casting='same_kind'", h_join, 1),
    FO("vstack", "tup, *, dtype=None, !casting='same_kind'", h_join, 2),
    FO("row_stack", "tup, *, dtype=None, !casting='same_kind'", h_join, 2),
    FO("hstack", "tup, *, dtype=None, !casting='same_kind'", h_join, 3),
    FO("dstack", "tup", h_join, 4),
    FO("column_stack", "tup", h_join, 5),
    FO("split", "ary, indices_or_sections, axis=0", h_split, 0),
    FO("array_split", "ary, indices_or_sections, axis=0", h_split, 1),
    FO("hsplit", "ary, indices_or_sections", h_split, 2),
    FO("vsplit", "ary, indices_or_sections", h_split, 3),
    FO("dsplit", "ary, indices_or_sections", h_split, 4),
    FN("tile", "A, reps", h_tile),
    FN("repeat", "a, repeats, axis=None", h_repeat),
    FN("insert", "arr, obj, values, axis=None", h_insert),
    FN("append", "arr, values, axis=None", h_append),
    FN("delete", "arr, obj, axis=None", h_delete),
    FN("pad", "array, pad_width, mode='constant', constant_values=0, "
              "!stat_length=None, !reflect_type=None, !end_values=None",
       h_pad),
    FN("roll", "a, shift, axis=None", h_roll),
    FN("rot90", "m, k=1, axes=(0, 1)", h_rot90),
    FO("atleast_1d", "*arys", h_atleast, 1),
    FO("atleast_2d", "*arys", h_atleast, 2),
    FO("atleast_3d", "*arys", h_atleast, 3),
    FN("shape", "a", h_shape), FN("ndim", "a", h_ndim),
    FN("size", "a, axis=None", h_size),
    /* indexing */
    FN("take", "a, indices, axis=None, !out=None, !mode='raise'", h_take),
    FN("take_along_axis", "arr, indices, axis", h_take_along_axis),
    FN("put_along_axis", "arr, indices, values, axis", h_put_along_axis),
    FN("fill_diagonal", "a, val, !wrap=False", h_fill_diagonal),
    FN("copyto", "dst, src, !casting='same_kind', where=None", h_copyto),
    FN("nonzero", "a", h_nonzero),
    FO("argwhere", "a", h_argwhere, 0),
    FO("flatnonzero", "a", h_argwhere, 1),
    FO("diag", "v, k=0", h_diag, 0), FO("triu", "m, k=0", h_diag, 1),
    FO("tril", "m, k=0", h_diag, 2),
    FN("diagonal", "a, offset=0, axis1=0, axis2=1", h_diagonal),
    FN("select", "condlist, choicelist, default=0", h_select),
    /* sorting */
    FO("sort", S_SORT, h_sort, 0), FO("argsort", S_SORT, h_sort, 1),
    FO("partition", S_PART, h_partition, 0),
    FO("argpartition", S_PART, h_partition, 1),
    FN("searchsorted", "a, v, side='left', sorter=None", h_searchsorted),
    FN("unique", "ar, return_index=False, return_inverse=False, "
                 "return_counts=False, axis=None, *, equal_nan=True",
       h_unique),
    FN("bincount", "x, /, weights=None, minlength=0", h_bincount),
    FN("histogram", "a, bins=10, range=None, density=None, weights=None",
       h_histogram),
    FN("digitize", "x, bins, right=False", h_digitize),
    FN("lexsort", "keys, axis=-1", h_lexsort),
    /* statistics */
    FN("cov", "m, y=None, rowvar=True, bias=False, ddof=None, "
              "!fweights=None, !aweights=None, *, dtype=None", h_cov),
    FN("corrcoef", "x, y=None, rowvar=True, !bias=None, !ddof=None, *, "
                   "dtype=None", h_corrcoef),
    FN("diff", "a, n=1, axis=-1, prepend=None, append=None", h_diff),
    FN("gradient", "f, *varargs, axis=None, edge_order=1", h_gradient),
    FO("convolve", "a, v, mode='full'", h_convolve, 0),
    FO("correlate", "a, v, mode='valid'", h_convolve, 1),
    FN("interp", "x, xp, fp, left=None, right=None, period=None", h_interp),
};

static const scr_func LINALG[] = {
    FN("norm", "x, ord=None, axis=None, keepdims=False", h_norm),
    {"solve", "a, b", h_binary_plain, 0, NULL, loom_linalg_solve, -1, -1, -1,
     -1},
    {"inv", "a", h_linalg1, 0, loom_linalg_inv, NULL, -1, -1, -1, -1},
    {"det", "a", h_linalg1, 0, loom_linalg_det, NULL, -1, -1, -1, -1},
    {"cholesky", "a", h_linalg1, 0, loom_linalg_cholesky, NULL, -1, -1, -1,
     -1},
    FN("pinv", "a, rcond=1e-15, hermitian=False", h_pinv),
    FN("slogdet", "a", h_slogdet),
    FN("eigh", "a, UPLO='L'", h_eigh),
    FN("eigvalsh", "a, UPLO='L'", h_eigvalsh),
    FN("svd", "a, full_matrices=True, compute_uv=True, hermitian=False",
       h_svd),
    FN("qr", "a, mode='reduced'", h_qr),
    FN("lstsq", "a, b, rcond='warn'", h_lstsq),
    FN("matrix_rank", "A, tol=None, hermitian=False", h_matrix_rank),
    FN("matrix_power", "a, n", h_matrix_power),
    FN("multi_dot", "arrays, *, !out=None", h_multi_dot),
    FN("eig", "a", h_unsupported_linalg),
    FN("eigvals", "a", h_unsupported_linalg),
};

static const scr_func RANDOM[] = {
    FN("default_rng", "seed=None", h_default_rng),
};

static const scr_func RNG_METHODS[] = {
    FO("random", "self, size=None, dtype=None, !out=None", h_rng_std, 0),
    FO("standard_normal", "self, size=None, dtype=None, !out=None",
       h_rng_std, 1),
    FO("normal", "self, loc=0.0, scale=1.0, size=None", h_rng_dist, 0),
    FO("uniform", "self, low=0.0, high=1.0, size=None", h_rng_dist, 1),
    FO("exponential", "self, scale=1.0, size=None", h_rng_dist, 2),
    FN("integers", "self, low, high=None, size=None, dtype=None, "
                   "endpoint=False", h_rng_integers),
    FN("choice", "self, a, size=None, replace=True, p=None, axis=0, "
                 "shuffle=True", h_rng_choice),
    FN("permutation", "self, x, axis=0", h_rng_permutation),
    FN("shuffle", "self, x, axis=0", h_rng_shuffle),
    FN("spawn", "self, n_children", h_rng_spawn),
};

/* Methods whose parameters differ from the np.* function of that name;
 * other method names resolve to the function with the array as first
 * argument. */
static const scr_func METHODS[] = {
    FN("reshape", "a, *shape, order='C'", h_m_reshape),
    FN("transpose", "a, *axes", h_m_transpose),
    FO("flatten", "a, order='C'", h_ravel, 1),
    FN("astype", "a, dtype, !order='K', !casting='unsafe', !subok=True, "
                 "copy=True", h_m_astype),
    FN("copy", "a, !order='C'", h_copy),
    FN("clip", "a, min=None, max=None, !out=None", h_clip),
    FN("sort", "a, axis=-1, kind=None, !order=None", h_m_sort),
    FN("partition", "a, kth, axis=-1, kind='introselect', !order=None",
       h_m_partition),
    FN("item", "a, *args", h_m_item),
    FN("tolist", "a", h_m_tolist),
    FN("fill", "a, value", h_m_fill),
    FN("conj", "a", h_m_identity),
    FN("conjugate", "a", h_m_identity),
    FN("view", "a", h_m_identity),
};

static const char *const METHOD_FROM_NP[] = {
    "sum", "prod", "mean", "std", "var", "min", "max", "argmin", "argmax",
    "cumsum", "cumprod", "any", "all", "ptp", "round", "take", "repeat",
    "dot", "nonzero", "argsort", "argpartition", "diagonal", "trace",
    "searchsorted", "squeeze", "swapaxes", "ravel", NULL};

#define COUNT(t) ((int)(sizeof(t) / sizeof((t)[0])))

static const scr_func *find(const scr_func *t, int n, const char *name) {
    for (int i = 0; i < n; i++)
        if (strcmp(t[i].name, name) == 0)
            return &t[i];
    return NULL;
}

const scr_func *scr_np_lookup(int module, const char *name) {
    switch (module) {
    case SCR_MOD_NP: return find(NP, COUNT(NP), name);
    case SCR_MOD_LINALG: return find(LINALG, COUNT(LINALG), name);
    case SCR_MOD_RANDOM: return find(RANDOM, COUNT(RANDOM), name);
    default: return NULL;
    }
}

const scr_func *scr_method_lookup(const char *name) {
    const scr_func *f = find(METHODS, COUNT(METHODS), name);
    if (f)
        return f;
    for (int i = 0; METHOD_FROM_NP[i]; i++)
        if (strcmp(METHOD_FROM_NP[i], name) == 0)
            return find(NP, COUNT(NP), name);
    return NULL;
}

const scr_func *scr_rng_method_lookup(const char *name) {
    return find(RNG_METHODS, COUNT(RNG_METHODS), name);
}

const scr_func *scr_np_table(int module, int *n) {
    switch (module) {
    case SCR_MOD_NP: *n = COUNT(NP); return NP;
    case SCR_MOD_LINALG: *n = COUNT(LINALG); return LINALG;
    default: *n = COUNT(RANDOM); return RANDOM;
    }
}

const scr_func *scr_method_table(int *n) {
    *n = COUNT(METHODS);
    return METHODS;
}

const scr_func *scr_rng_table(int *n) {
    *n = COUNT(RNG_METHODS);
    return RNG_METHODS;
}

bool scr_np_constant(int module, const char *name, scr_value *out) {
    if (module != SCR_MOD_NP)
        return false;
    static const struct {
        const char *name;
        double v;
    } consts[] = {{"pi", M_PI},       {"e", M_E},
                  {"inf", INFINITY},  {"Inf", INFINITY},
                  {"PINF", INFINITY}, {"infty", INFINITY},
                  {"NINF", -INFINITY}, {"nan", NAN},
                  {"NaN", NAN},       {"NAN", NAN},
                  {"euler_gamma", 0.57721566490153286060651209}};
    for (size_t i = 0; i < sizeof consts / sizeof consts[0]; i++)
        if (strcmp(name, consts[i].name) == 0) {
            *out = scr_float(consts[i].v);
            return true;
        }
    if (strcmp(name, "newaxis") == 0) {
        *out = scr_none;
        return true;
    }
    if (strcmp(name, "s_") == 0 || strcmp(name, "index_exp") == 0) {
        out->k = SCR_V_INDEX_EXP;
        out->u.i = name[0] == 'i';
        return true;
    }
    static const struct {
        const char *name;
        loom_dtype t;
    } dts[] = {{"float32", LOOM_FLOAT32}, {"float64", LOOM_FLOAT64},
               {"int32", LOOM_INT32},     {"int64", LOOM_INT64},
               {"bool_", LOOM_BOOL},      {"bool8", LOOM_BOOL},
               {"int_", LOOM_INT64},      {"float_", LOOM_FLOAT64},
               {"double", LOOM_FLOAT64},  {"single", LOOM_FLOAT32},
               {"intp", LOOM_INT64},      {"intc", LOOM_INT32},
               {"longlong", LOOM_INT64}};
    for (size_t i = 0; i < sizeof dts / sizeof dts[0]; i++)
        if (strcmp(name, dts[i].name) == 0) {
            out->k = SCR_V_DTYPE;
            out->u.dt = (int)dts[i].t | SCR_DT_TYPE;
            return true;
        }
    return false;
}
