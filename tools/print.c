/*
 * print.c -- NumPy 1.24's printing of arrays and scalars, and Python's
 * float repr and format mini-language.
 *
 * Numbers are turned into decimal digits with the C library (printf is
 * exact and rounds half to even on the exact binary value; strtod/strtof
 * check round trips), which gives the same digits as NumPy's Dragon4 in
 * "unique" mode: the shortest string that reads back to the same value,
 * or the exact value rounded at a cutoff when the shortest is longer.
 * The layout rules (padding, trimming, scientific switch, line wrapping at
 * 75 columns, summarization) follow NumPy's documented behaviour.
 */
#include "tools/script.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * Decimal digits
 * ------------------------------------------------------------------------ */

/* |v| = 0.d[0]d[1]...d[n-1] * 10^(e+1): d[0] is the digit of 10^e.  No
 * trailing zeros unless the value is zero (then d = "0", e = 0). */
typedef struct digits {
    char d[48];
    int n;
    int e;
} digits;

/* Parses printf's "%.Ne" output (of a non-negative finite value). */
static void parse_e(const char *s, digits *g) {
    g->n = 0;
    for (; *s && *s != 'e'; s++)
        if (isdigit((unsigned char)*s) && g->n < (int)sizeof g->d - 1)
            g->d[g->n++] = *s;
    g->e = *s == 'e' ? atoi(s + 1) : 0;
}

static void strip_zeros(digits *g) {
    while (g->n > 1 && g->d[g->n - 1] == '0')
        g->n--;
    if (g->n == 1 && g->d[0] == '0')
        g->e = 0;
    g->d[g->n] = 0;
}

static bool reads_back(const digits *g, double v, bool f32) {
    char s[80];
    snprintf(s, sizeof s, "%c.%.*se%d", g->d[0], g->n - 1, g->d + 1, g->e);
    if (f32)
        return strtof(s, NULL) == (float)v;
    return strtod(s, NULL) == v;
}

/* Adds delta (+1 or -1) to the last digit of g, with carry or borrow.
 * Returns false when the result would lose its leading digit. */
static bool bump(digits *g, int delta) {
    int i = g->n - 1;
    if (delta > 0) {
        while (i >= 0 && g->d[i] == '9')
            g->d[i--] = '0';
        if (i < 0) {
            memmove(g->d + 1, g->d, (size_t)g->n);
            g->d[0] = '1';
            g->e++;
            return true; /* one digit longer; trailing zero trimmed later */
        }
        g->d[i]++;
    } else {
        while (i >= 0 && g->d[i] == '0')
            g->d[i--] = '9';
        if (i < 0 || (i == 0 && g->d[0] == '1' && g->n > 1))
            return false;
        g->d[i]--;
    }
    return true;
}

/* The shortest digits that read back to |v| (v finite); among those of the
 * same length, the closest. */
static void shortest(double v, bool f32, digits *g) {
    double a = fabs(v);
    if (a == 0.0) {
        strcpy(g->d, "0");
        g->n = 1;
        g->e = 0;
        return;
    }
    char s[80];
    for (int p = 1; p <= 17; p++) {
        snprintf(s, sizeof s, "%.*e", p - 1, a);
        parse_e(s, g);
        if (reads_back(g, a, f32)) {
            strip_zeros(g);
            return;
        }
        /* at a power of two the rounding interval is lopsided: a neighbour
         * of the correctly rounded candidate may read back when it does
         * not */
        digits up = *g, dn = *g;
        bool okup = bump(&up, 1) && reads_back(&up, a, f32);
        bool okdn = bump(&dn, -1) && reads_back(&dn, a, f32);
        if (okup || okdn) {
            *g = okup ? up : dn;
            strip_zeros(g);
            return;
        }
    }
    snprintf(s, sizeof s, "%.16e", a);
    parse_e(s, g);
    strip_zeros(g);
}

/* |v| rounded to `frac` digits after the decimal point (exact value,
 * half to even). */
static void rounded_fixed(double v, int frac, digits *g) {
    char s[400];
    snprintf(s, sizeof s, "%.*f", frac, fabs(v));
    const char *p = s;
    int intlen = 0;
    while (p[intlen] && p[intlen] != '.')
        intlen++;
    g->n = 0;
    int first = -1, pos = 0;
    for (const char *q = s; *q; q++) {
        if (*q == '.')
            continue;
        if (first < 0 && *q == '0') {
            pos++;
            continue;
        }
        if (first < 0)
            first = pos;
        if (g->n < (int)sizeof g->d - 1)
            g->d[g->n++] = *q;
        pos++;
    }
    if (first < 0) {
        strcpy(g->d, "0");
        g->n = 1;
        g->e = 0;
        return;
    }
    g->e = intlen - 1 - first;
    strip_zeros(g);
}

/* |v| rounded to sig significant digits. */
static void rounded_sig(double v, int sig, digits *g) {
    char s[80];
    snprintf(s, sizeof s, "%.*e", sig - 1, fabs(v));
    parse_e(s, g);
    strip_zeros(g);
}

/* Digits of v for positional output: shortest, unless that needs more than
 * `precision` fractional digits (precision >= 0), then rounded there.
 * With min_digits >= 0 the digits stop no earlier than min_digits after the
 * point: the value's exact digits (rounded there) rather than zeros, as
 * NumPy's Dragon4 does when asked for a minimum. */
static void digits_positional(double v, bool f32, bool unique, int precision,
                              int min_digits, digits *g) {
    if (!unique) {
        rounded_fixed(v, precision, g);
        return;
    }
    shortest(v, f32, g);
    int frac = g->n - (g->e + 1);
    if (precision >= 0 && frac > precision)
        rounded_fixed(v, precision, g);
    else if (min_digits >= 0 && frac < min_digits)
        rounded_fixed(v, min_digits, g);
}

/* Scientific digits: at most precision + 1 significant digits, and with
 * min_digits >= 0 at least min_digits + 1 exact ones. */
static void digits_scientific(double v, bool f32, bool unique, int precision,
                              int min_digits, digits *g) {
    if (!unique) {
        rounded_sig(v, precision + 1, g);
        return;
    }
    shortest(v, f32, g);
    if (precision >= 0 && g->n > precision + 1)
        rounded_sig(v, precision + 1, g);
    else if (min_digits >= 0 && g->n < min_digits + 1)
        rounded_sig(v, min_digits + 1, g);
}

/* Trim modes, as NumPy names them: 'k' keep the point ("1."), '.' trim
 * zeros keep the point ("1."), '0' keep one zero ("1.0"), '-' drop the
 * point ("1"). */

/* Positional text of finite v with NumPy's dragon4_positional options.
 * Appends to b. */
static void put_positional(scr_buf *b, double v, bool f32, bool unique,
                           int precision, int min_digits, char trim,
                           int pad_left, int pad_right) {
    digits g;
    digits_positional(v, f32, unique, precision, min_digits, &g);
    if (!unique && precision > min_digits)
        min_digits = precision; /* exact digits keep their zeros */
    scr_buf ip = {0}, fp = {0};
    if (signbit(v))
        scr_buf_putc(&ip, '-');
    if (g.e >= 0) {
        for (int i = 0; i <= g.e; i++)
            scr_buf_putc(&ip, i < g.n ? g.d[i] : '0');
        for (int i = g.e + 1; i < g.n; i++)
            scr_buf_putc(&fp, g.d[i]);
    } else {
        scr_buf_putc(&ip, '0');
        if (!(g.n == 1 && g.d[0] == '0')) {
            scr_buf_pad(&fp, '0', -g.e - 1);
            scr_buf_putn(&fp, g.d, (size_t)g.n);
        }
    }
    if ((int)fp.n < min_digits)
        scr_buf_pad(&fp, '0', min_digits - (int)fp.n);
    scr_buf_pad(b, ' ', pad_left - (int)ip.n);
    scr_buf_putn(b, ip.s, ip.n);
    int right = 0;
    if (fp.n > 0) {
        scr_buf_putc(b, '.');
        scr_buf_putn(b, fp.s, fp.n);
        right = (int)fp.n;
    } else if (trim == '0') {
        scr_buf_puts(b, ".0");
        right = 1;
    } else if (trim != '-') {
        scr_buf_putc(b, '.');
    }
    scr_buf_pad(b, ' ', pad_right - right);
    scr_buf_free(&ip);
    scr_buf_free(&fp);
}

/* Scientific text of finite v with dragon4_scientific's options. */
static void put_scientific(scr_buf *b, double v, bool f32, bool unique,
                           int precision, int min_digits, char trim,
                           int pad_left, int exp_digits) {
    digits g;
    digits_scientific(v, f32, unique, precision, min_digits, &g);
    if (!unique && precision > min_digits)
        min_digits = precision;
    int lead = signbit(v) ? 2 : 1;
    scr_buf_pad(b, ' ', pad_left - lead);
    if (signbit(v))
        scr_buf_putc(b, '-');
    scr_buf_putc(b, g.d[0]);
    int frac = g.n - 1;
    if (frac > 0 || min_digits > 0) {
        scr_buf_putc(b, '.');
        scr_buf_putn(b, g.d + 1, (size_t)frac);
        if (frac < min_digits)
            scr_buf_pad(b, '0', min_digits - frac);
    } else if (trim == '0') {
        scr_buf_puts(b, ".0");
    } else if (trim != '-') {
        scr_buf_putc(b, '.');
    }
    int e = g.n == 1 && g.d[0] == '0' ? 0 : g.e;
    char es[16];
    int nd = snprintf(es, sizeof es, "%d", abs(e));
    scr_buf_putc(b, 'e');
    scr_buf_putc(b, e < 0 ? '-' : '+');
    int want = exp_digits > 2 ? exp_digits : 2;
    scr_buf_pad(b, '0', want - nd);
    scr_buf_puts(b, es);
}

/* ------------------------------------------------------------------------
 * Scalars
 * ------------------------------------------------------------------------ */

void scr_fmt_pyfloat(scr_buf *b, double v) {
    if (isnan(v)) {
        scr_buf_puts(b, "nan");
        return;
    }
    if (isinf(v)) {
        scr_buf_puts(b, v < 0 ? "-inf" : "inf");
        return;
    }
    digits g;
    shortest(v, false, &g);
    bool zero = g.n == 1 && g.d[0] == '0';
    if (zero || (g.e >= -4 && g.e < 16))
        put_positional(b, v, false, true, -1, -1, '0', 0, 0);
    else
        put_scientific(b, v, false, true, -1, -1, '-', 0, 2);
}

/* np.float64/np.float32 str(): positional between 1e-4 and 1e16. */
static void fmt_npfloat(scr_buf *b, double v, bool f32) {
    if (isnan(v)) {
        scr_buf_puts(b, "nan");
        return;
    }
    if (isinf(v)) {
        scr_buf_puts(b, v < 0 ? "-inf" : "inf");
        return;
    }
    double a = fabs(v);
    if (a == 0.0 || (a >= 1e-4 && a < 1e16))
        put_positional(b, v, f32, true, -1, -1, '0', 0, 0);
    else
        put_scientific(b, v, f32, true, -1, -1, '-', 0, 2);
}

static double elem_f(loom_dtype t, const void *data, int64_t i) {
    switch (t) {
    case LOOM_BOOL: return ((const uint8_t *)data)[i] ? 1.0 : 0.0;
    case LOOM_INT32: return ((const int32_t *)data)[i];
    case LOOM_INT64: return (double)((const int64_t *)data)[i];
    case LOOM_FLOAT32: return ((const float *)data)[i];
    case LOOM_FLOAT64: return ((const double *)data)[i];
    default: return 0.0;
    }
}

static int64_t elem_i(loom_dtype t, const void *data, int64_t i) {
    switch (t) {
    case LOOM_BOOL: return ((const uint8_t *)data)[i] != 0;
    case LOOM_INT32: return ((const int32_t *)data)[i];
    case LOOM_INT64: return ((const int64_t *)data)[i];
    default: return (int64_t)elem_f(t, data, i);
    }
}

static bool is_float(loom_dtype t) {
    return t == LOOM_FLOAT32 || t == LOOM_FLOAT64;
}

void scr_fmt_npscalar(scr_buf *b, loom_dtype t, const void *elem) {
    if (t == LOOM_BOOL)
        scr_buf_puts(b, elem_i(t, elem, 0) ? "True" : "False");
    else if (is_float(t))
        fmt_npfloat(b, elem_f(t, elem, 0), t == LOOM_FLOAT32);
    else
        scr_buf_printf(b, "%lld", (long long)elem_i(t, elem, 0));
}

/* ------------------------------------------------------------------------
 * Arrays
 * ------------------------------------------------------------------------ */

/* How every element of one array is formatted. */
typedef struct elemfmt {
    loom_dtype t;
    bool zerod;
    int width;     /* ints */
    bool exp;      /* floats: scientific */
    bool unique;
    int precision, min_digits, pad_left, pad_right, exp_size;
    char trim;
} elemfmt;

typedef struct printer {
    loom_dtype t;
    const loom_shape *shape;
    const void *data;
    int64_t strides[LOOM_MAX_DIMS]; /* in elements, C order */
    bool summary;
    elemfmt f;
    const char *sep;
    scr_printopts o;
} printer;

/* Calls fn on the flat index of every element that will be shown. */
static void each_shown(const printer *p, int axis, int64_t base,
                       void (*fn)(void *, int64_t), void *ud) {
    if (axis == p->shape->ndim) {
        fn(ud, base);
        return;
    }
    int64_t n = p->shape->dim[axis];
    int64_t edge = p->o.edgeitems;
    bool cut = p->summary && n > 2 * edge;
    for (int64_t i = 0; i < n; i++) {
        if (cut && i == edge)
            i = n - edge;
        each_shown(p, axis + 1, base + i * p->strides[axis], fn, ud);
    }
}

typedef struct stats {
    const printer *p;
    bool any;          /* any element */
    int64_t imin, imax;
    bool any_finite, any_nonzero, any_nonfinite, neg_inf;
    double fmin, fmax; /* over finite non-zero |x| */
    float fmin32, fmax32;
    int pad_left, pad_right, exp_size, max_frac;
} stats;

static void stat_int(void *ud, int64_t i) {
    stats *s = ud;
    int64_t v = elem_i(s->p->t, s->p->data, i);
    if (!s->any || v < s->imin)
        s->imin = v;
    if (!s->any || v > s->imax)
        s->imax = v;
    s->any = true;
}

static void stat_float_range(void *ud, int64_t i) {
    stats *s = ud;
    double v = elem_f(s->p->t, s->p->data, i);
    if (!isfinite(v)) {
        s->any_nonfinite = true;
        if (isinf(v) && v < 0)
            s->neg_inf = true;
        return;
    }
    s->any_finite = true;
    if (v == 0.0)
        return;
    double a = fabs(v);
    if (!s->any_nonzero || a < s->fmin)
        s->fmin = a, s->fmin32 = (float)a;
    if (!s->any_nonzero || a > s->fmax)
        s->fmax = a, s->fmax32 = (float)a;
    s->any_nonzero = true;
}

/* First pass over the shown values: sizes of the parts of each number. */
static void stat_float_parts(void *ud, int64_t i) {
    stats *s = ud;
    double v = elem_f(s->p->t, s->p->data, i);
    if (!isfinite(v))
        return;
    bool f32 = s->p->t == LOOM_FLOAT32;
    const elemfmt *f = &s->p->f;
    char trim = f->unique ? '.' : 'k';
    scr_buf b = {0};
    if (f->exp) {
        put_scientific(&b, v, f32, f->unique, f->precision, -1, trim, 0, 0);
        char *e = strchr(b.s, 'e');
        char *dot = strchr(b.s, '.');
        int exp_len = (int)strlen(e + 1) - 1;
        int frac = (int)(e - dot - 1);
        int ip = (int)(dot - b.s);
        if (exp_len > s->exp_size)
            s->exp_size = exp_len;
        if (frac > s->max_frac)
            s->max_frac = frac;
        if (ip > s->pad_left)
            s->pad_left = ip;
    } else {
        put_positional(&b, v, f32, f->unique, f->precision, -1, trim, 0, 0);
        char *dot = strchr(b.s, '.');
        int ip = (int)(dot - b.s);
        int frac = (int)strlen(dot + 1);
        if (ip > s->pad_left)
            s->pad_left = ip;
        if (frac > s->pad_right)
            s->pad_right = frac;
    }
    scr_buf_free(&b);
}

/* Decides how elements print (NumPy's FloatingFormat.fillFormat and
 * IntegerFormat). */
static void fill_format(printer *p) {
    elemfmt *f = &p->f;
    memset(f, 0, sizeof *f);
    f->t = p->t;
    f->zerod = p->shape->ndim == 0;
    stats s = {.p = p};
    if (!is_float(p->t)) {
        if (p->t != LOOM_BOOL) {
            each_shown(p, 0, 0, stat_int, &s);
            char a[32], c[32];
            int la = snprintf(a, sizeof a, "%lld", (long long)s.imin);
            int lc = snprintf(c, sizeof c, "%lld", (long long)s.imax);
            f->width = s.any ? (la > lc ? la : lc) : 0;
        }
        return;
    }
    char fm = p->o.floatmode;
    f->unique = fm != 'f';
    f->precision = fm == 'u' ? -1 : p->o.precision;
    each_shown(p, 0, 0, stat_float_range, &s);
    if (s.any_nonzero) {
        bool ratio_big;
        if (p->t == LOOM_FLOAT32)
            ratio_big = s.fmax32 / s.fmin32 > 1000.0f;
        else
            ratio_big = s.fmax / s.fmin > 1000.0;
        if (s.fmax >= 1e8 ||
            (!p->o.suppress && (s.fmin < 0.0001 || ratio_big)))
            f->exp = true;
    }
    if (!s.any_finite) {
        f->pad_left = f->pad_right = 0;
        f->trim = '.';
        f->exp_size = -1;
        f->unique = true;
        f->min_digits = -1;
        f->exp = false;
    } else if (f->exp) {
        each_shown(p, 0, 0, stat_float_parts, &s);
        f->exp_size = s.exp_size;
        f->trim = 'k';
        f->precision = s.max_frac;
        f->min_digits = s.max_frac;
        f->pad_left = s.pad_left;
        f->pad_right = f->exp_size + 2 + f->precision;
    } else {
        each_shown(p, 0, 0, stat_float_parts, &s);
        f->pad_left = s.pad_left;
        f->pad_right = s.pad_right;
        f->exp_size = -1;
        if (fm == 'f' || fm == 'e') {
            f->precision = f->min_digits = f->pad_right;
            f->trim = 'k';
        } else {
            f->trim = '.';
            f->min_digits = 0;
        }
    }
    if (s.any_nonfinite) {
        int neginf = s.neg_inf ? 1 : 0;
        int offset = f->pad_right + 1;
        int nanlen = 3 - offset, inflen = 3 + neginf - offset;
        if (nanlen > f->pad_left)
            f->pad_left = nanlen;
        if (inflen > f->pad_left)
            f->pad_left = inflen;
    }
}

static void put_elem(const printer *p, scr_buf *b, int64_t i) {
    const elemfmt *f = &p->f;
    if (f->t == LOOM_BOOL) {
        bool v = elem_i(f->t, p->data, i) != 0;
        scr_buf_puts(b, v ? (f->zerod ? "True" : " True") : "False");
        return;
    }
    if (!is_float(f->t)) {
        char s[32];
        int n = snprintf(s, sizeof s, "%lld",
                         (long long)elem_i(f->t, p->data, i));
        scr_buf_pad(b, ' ', f->width - n);
        scr_buf_puts(b, s);
        return;
    }
    double v = elem_f(f->t, p->data, i);
    bool f32 = f->t == LOOM_FLOAT32;
    if (!isfinite(v)) {
        const char *r = isnan(v) ? "nan" : v < 0 ? "-inf" : "inf";
        scr_buf_pad(b, ' ', f->pad_left + f->pad_right + 1 - (int)strlen(r));
        scr_buf_puts(b, r);
        return;
    }
    if (f->exp)
        put_scientific(b, v, f32, f->unique, f->precision, f->min_digits,
                       f->trim, f->pad_left, f->exp_size);
    else
        put_positional(b, v, f32, f->unique, f->precision, f->min_digits,
                       f->trim, f->pad_left, f->pad_right);
}

/* Appends word to the current line, wrapping first when it would pass
 * width (never when the line holds only the indent). */
static void extend_line(scr_buf *s, scr_buf *line, const char *word,
                        size_t wlen, int width, int indent) {
    bool wrap = (int)(line->n + wlen) > width;
    if ((int)line->n <= indent)
        wrap = false;
    if (wrap) {
        size_t n = line->n;
        while (n > 0 && line->s[n - 1] == ' ')
            n--;
        scr_buf_putn(s, line->s, n);
        scr_buf_putc(s, '\n');
        line->n = 0;
        scr_buf_pad(line, ' ', indent);
    }
    scr_buf_putn(line, word, wlen);
}

/* NumPy's _formatArray: the text of the sub-array at `base` starting at
 * `axis`, as if its first line began with `indent` spaces. */
static void format_rec(const printer *p, int axis, int64_t base, int indent,
                       int width, scr_buf *out) {
    int nd = p->shape->ndim;
    if (axis == nd) {
        put_elem(p, out, base);
        return;
    }
    int64_t n = p->shape->dim[axis];
    int64_t edge = p->o.edgeitems;
    bool cut = p->summary && n > 2 * edge;
    int64_t lead = cut ? edge : 0, trail = cut ? edge : n;
    scr_buf s = {0};
    size_t seplen = strlen(p->sep);
    if (nd - axis == 1) {
        int elem_width = width - 1;
        scr_buf line = {0};
        scr_buf_pad(&line, ' ', indent);
        scr_buf word = {0};
        for (int64_t i = 0; i < lead; i++) {
            word.n = 0;
            format_rec(p, axis + 1, base + i * p->strides[axis], indent + 1,
                       width - 1, &word);
            extend_line(&s, &line, word.s, word.n, elem_width, indent);
            scr_buf_putn(&line, p->sep, seplen);
        }
        if (cut) {
            extend_line(&s, &line, "...", 3, elem_width, indent);
            scr_buf_putn(&line, p->sep, seplen);
        }
        for (int64_t i = trail; i >= 1; i--) {
            word.n = 0;
            if (word.s)
                word.s[0] = 0;
            format_rec(p, axis + 1, base + (n - i) * p->strides[axis],
                       indent + 1, width - 1, &word);
            extend_line(&s, &line, word.s, word.n, elem_width, indent);
            if (i > 1)
                scr_buf_putn(&line, p->sep, seplen);
        }
        scr_buf_putn(&s, line.s, line.n);
        scr_buf_free(&line);
        scr_buf_free(&word);
    } else {
        size_t rs = seplen;
        while (rs > 0 && p->sep[rs - 1] == ' ')
            rs--;
        int newlines = nd - axis - 1;
        scr_buf nested = {0};
        for (int64_t k = 0; k < lead + trail + (cut ? 1 : 0); k++) {
            bool is_sum = cut && k == lead;
            int64_t i = k < lead ? k : n - (lead + trail + (cut ? 1 : 0) - k);
            scr_buf_pad(&s, ' ', indent);
            if (is_sum) {
                scr_buf_puts(&s, "...");
            } else {
                nested.n = 0;
                format_rec(p, axis + 1, base + i * p->strides[axis],
                           indent + 1, width - 1, &nested);
                scr_buf_putn(&s, nested.s, nested.n);
            }
            if (k + 1 < lead + trail + (cut ? 1 : 0)) {
                scr_buf_putn(&s, p->sep, rs);
                scr_buf_pad(&s, '\n', newlines);
            }
        }
        scr_buf_free(&nested);
    }
    scr_buf_putc(out, '[');
    if (s.n > (size_t)indent)
        scr_buf_putn(out, s.s + indent, s.n - (size_t)indent);
    scr_buf_putc(out, ']');
    scr_buf_free(&s);
}

static void put_shape(scr_buf *b, const loom_shape *s) {
    scr_buf_putc(b, '(');
    for (int i = 0; i < s->ndim; i++)
        scr_buf_printf(b, i ? ", %lld" : "%lld", (long long)s->dim[i]);
    if (s->ndim == 1)
        scr_buf_putc(b, ',');
    scr_buf_putc(b, ')');
}

void scr_fmt_array(scr_buf *b, loom_dtype t, const loom_shape *shape,
                   const void *data, bool repr, const scr_printopts *po) {
    int64_t size = 1;
    for (int i = 0; i < shape->ndim; i++)
        size *= shape->dim[i];
    if (!repr && shape->ndim == 0) {
        scr_fmt_npscalar(b, t, data);
        return;
    }
    bool implied = t == LOOM_FLOAT64 || t == LOOM_INT64 || t == LOOM_BOOL;
    bool skipdtype = implied && size > 0;
    if (size == 0) {
        if (!repr) {
            scr_buf_puts(b, "[]");
            return;
        }
        scr_buf_puts(b, "array([]");
        if (shape->ndim != 1) {
            scr_buf_puts(b, ", shape=");
            put_shape(b, shape);
        }
        scr_buf_printf(b, ", dtype=%s)", loom_dtype_name(t));
        return;
    }
    printer p = {.t = t, .shape = shape, .data = data,
                 .o = po ? *po : SCR_PRINTOPTS_DEFAULT};
    int64_t st = 1;
    for (int i = shape->ndim - 1; i >= 0; i--) {
        p.strides[i] = st;
        st *= shape->dim[i];
    }
    p.summary = size > p.o.threshold;
    p.sep = repr ? ", " : " ";
    fill_format(&p);
    const char *prefix = repr ? "array(" : "";
    const char *suffix = repr ? (skipdtype ? ")" : ",") : "";
    int width = p.o.linewidth - (int)strlen(suffix);
    size_t start = b->n;
    scr_buf_puts(b, prefix);
    format_rec(&p, 0, 0, 1 + (int)strlen(prefix), width, b);
    scr_buf_puts(b, suffix);
    if (repr && !skipdtype) {
        char dt[32];
        snprintf(dt, sizeof dt, "dtype=%s)", loom_dtype_name(t));
        const char *last_nl = strrchr(b->s + start, '\n');
        size_t last_len = last_nl ? (size_t)(b->s + b->n - last_nl - 1)
                                  : b->n - start;
        if ((int)(last_len + strlen(dt) + 1) > p.o.linewidth) {
            scr_buf_putc(b, '\n');
            scr_buf_pad(b, ' ', (int)strlen(prefix));
        } else {
            scr_buf_putc(b, ' ');
        }
        scr_buf_puts(b, dt);
    }
}

/* ------------------------------------------------------------------------
 * Python's format mini-language
 * ------------------------------------------------------------------------ */

typedef struct spec {
    char fill, align, sign;
    bool alt, zero;
    int width, precision;
    char group, type;
} spec;

static int parse_spec(const char *s, spec *sp, char *msg, size_t msgsize) {
    memset(sp, 0, sizeof *sp);
    sp->fill = ' ';
    sp->precision = -1;
    size_t n = strlen(s);
    size_t i = 0;
    if (n >= 2 && strchr("<>=^", s[1])) {
        sp->fill = s[0];
        sp->align = s[1];
        i = 2;
    } else if (n >= 1 && strchr("<>=^", s[0])) {
        sp->align = s[0];
        i = 1;
    }
    if (i < n && strchr("+- ", s[i]))
        sp->sign = s[i++];
    if (i < n && s[i] == 'z')
        i++;
    if (i < n && s[i] == '#')
        sp->alt = true, i++;
    if (i < n && s[i] == '0') {
        sp->zero = true;
        i++;
    }
    while (i < n && isdigit((unsigned char)s[i]))
        sp->width = sp->width * 10 + (s[i++] - '0');
    if (i < n && (s[i] == ',' || s[i] == '_'))
        sp->group = s[i++];
    if (i < n && s[i] == '.') {
        i++;
        if (i >= n || !isdigit((unsigned char)s[i])) {
            snprintf(msg, msgsize, "Format specifier missing precision");
            return -1;
        }
        sp->precision = 0;
        while (i < n && isdigit((unsigned char)s[i]))
            sp->precision = sp->precision * 10 + (s[i++] - '0');
    }
    if (i < n)
        sp->type = s[i++];
    if (i < n) {
        snprintf(msg, msgsize, "Invalid format specifier '%s'", s);
        return -1;
    }
    if (sp->zero && !sp->align) {
        sp->fill = '0';
        sp->align = '=';
    }
    return 0;
}

/* Inserts grouping separators into the integer digits of body. */
static void group_digits(scr_buf *out, const char *digs, size_t n, char g,
                         int every) {
    for (size_t i = 0; i < n; i++) {
        if (g && i > 0 && (n - i) % (size_t)every == 0)
            scr_buf_putc(out, g);
        scr_buf_putc(out, digs[i]);
    }
}

/* Pads "sign + body" to the width with the fill and alignment. */
static void pad_out(scr_buf *b, const spec *sp, const char *sign,
                    const char *body, char default_align) {
    int len = (int)(strlen(sign) + strlen(body));
    int pad = sp->width > len ? sp->width - len : 0;
    char al = sp->align ? sp->align : default_align;
    if (al == '<') {
        scr_buf_puts(b, sign);
        scr_buf_puts(b, body);
        scr_buf_pad(b, sp->fill, pad);
    } else if (al == '^') {
        scr_buf_pad(b, sp->fill, pad / 2);
        scr_buf_puts(b, sign);
        scr_buf_puts(b, body);
        scr_buf_pad(b, sp->fill, pad - pad / 2);
    } else if (al == '=') {
        scr_buf_puts(b, sign);
        scr_buf_pad(b, sp->fill, pad);
        scr_buf_puts(b, body);
    } else {
        scr_buf_pad(b, sp->fill, pad);
        scr_buf_puts(b, sign);
        scr_buf_puts(b, body);
    }
}

/* Applies grouping to the integer part of a formatted number. */
static void grouped(scr_buf *out, const char *num, char g) {
    size_t intlen = strspn(num, "0123456789");
    group_digits(out, num, intlen, g, 3);
    scr_buf_puts(out, num + intlen);
}

int scr_fmt_spec_float(scr_buf *b, double v, const char *spec_s, char *msg,
                       size_t msgsize) {
    spec sp;
    if (parse_spec(spec_s, &sp, msg, msgsize) < 0)
        return -1;
    char type = sp.type;
    if (type && !strchr("eEfFgGn%", type)) {
        snprintf(msg, msgsize, "Unknown format code '%c' for object of type "
                               "'float'", type);
        return -1;
    }
    const char *sign = signbit(v) && !isnan(v) ? "-"
                     : sp.sign == '+' ? "+" : sp.sign == ' ' ? " " : "";
    double a = fabs(v);
    scr_buf body = {0};
    char tmp[512];
    bool upper = type == 'E' || type == 'F' || type == 'G';
    if (!isfinite(a)) {
        scr_buf_puts(&body, isnan(a) ? (upper ? "NAN" : "nan")
                                     : (upper ? "INF" : "inf"));
        if (type == '%')
            scr_buf_putc(&body, '%');
    } else if (!type && sp.precision < 0) {
        scr_buf r = {0};
        scr_fmt_pyfloat(&r, a);
        grouped(&body, r.s, sp.group);
        scr_buf_free(&r);
    } else {
        int prec = sp.precision < 0 ? 6 : sp.precision;
        switch (type) {
        case 'e': case 'E':
            snprintf(tmp, sizeof tmp, sp.alt ? "%#.*e" : "%.*e", prec, a);
            break;
        case 'f': case 'F':
            snprintf(tmp, sizeof tmp, sp.alt ? "%#.*f" : "%.*f", prec, a);
            break;
        case '%':
            snprintf(tmp, sizeof tmp, sp.alt ? "%#.*f%%" : "%.*f%%", prec,
                     a * 100.0);
            break;
        case 0: {
            /* like 'g', but a fixed-point result keeps a ".0" */
            int p = prec == 0 ? 1 : prec;
            snprintf(tmp, sizeof tmp, "%.*g", p, a);
            if (!strpbrk(tmp, ".e"))
                strcat(tmp, ".0");
            break;
        }
        default: /* g G n */
            snprintf(tmp, sizeof tmp, sp.alt ? "%#.*g" : "%.*g",
                     prec == 0 ? 1 : prec, a);
        }
        if (upper)
            for (char *c = tmp; *c; c++)
                *c = (char)toupper((unsigned char)*c);
        grouped(&body, tmp, sp.group);
    }
    if (sp.zero && sp.align == '=' && sp.group) {
        /* zero padding is grouped too; rare: pad plainly */
    }
    pad_out(b, &sp, sign, body.s ? body.s : "", '>');
    scr_buf_free(&body);
    return 0;
}

int scr_fmt_spec_int(scr_buf *b, int64_t v, const char *spec_s, char *msg,
                     size_t msgsize) {
    spec sp;
    if (parse_spec(spec_s, &sp, msg, msgsize) < 0)
        return -1;
    if (sp.type && strchr("eEfFgG%", sp.type))
        return scr_fmt_spec_float(b, (double)v, spec_s, msg, msgsize);
    if (sp.type && !strchr("bcdoxXn", sp.type)) {
        snprintf(msg, msgsize, "Unknown format code '%c' for object of type "
                               "'int'", sp.type);
        return -1;
    }
    if (sp.precision >= 0) {
        snprintf(msg, msgsize, "Precision not allowed in integer format "
                               "specifier");
        return -1;
    }
    const char *sign = v < 0 ? "-" : sp.sign == '+' ? "+"
                     : sp.sign == ' ' ? " " : "";
    uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    char digs[80];
    int n = 0;
    const char *prefix = "";
    if (sp.type == 'c') {
        digs[n++] = (char)a;
    } else {
        int base = sp.type == 'b' ? 2 : sp.type == 'o' ? 8
                 : (sp.type == 'x' || sp.type == 'X') ? 16 : 10;
        const char *dg = sp.type == 'X' ? "0123456789ABCDEF"
                                        : "0123456789abcdef";
        char rev[80];
        int m = 0;
        do {
            rev[m++] = dg[a % (uint64_t)base];
            a /= (uint64_t)base;
        } while (a);
        while (m)
            digs[n++] = rev[--m];
        if (sp.alt)
            prefix = base == 2 ? "0b" : base == 8 ? "0o"
                   : base == 16 ? (sp.type == 'X' ? "0X" : "0x") : "";
    }
    digs[n] = 0;
    scr_buf body = {0};
    int every = (sp.type == 'b' || sp.type == 'o' || sp.type == 'x' ||
                 sp.type == 'X') ? 4 : 3;
    group_digits(&body, digs, (size_t)n, sp.group, every);
    scr_buf sg = {0};
    scr_buf_puts(&sg, sign);
    scr_buf_puts(&sg, prefix);
    pad_out(b, &sp, sg.s, body.s, '>');
    scr_buf_free(&sg);
    scr_buf_free(&body);
    return 0;
}

int scr_fmt_spec_str(scr_buf *b, const char *s, size_t len,
                     const char *spec_s, char *msg, size_t msgsize) {
    spec sp;
    if (parse_spec(spec_s, &sp, msg, msgsize) < 0)
        return -1;
    if (sp.type && sp.type != 's') {
        snprintf(msg, msgsize, "Unknown format code '%c' for object of type "
                               "'str'", sp.type);
        return -1;
    }
    if (sp.sign) {
        snprintf(msg, msgsize, "Sign not allowed in string format "
                               "specifier");
        return -1;
    }
    char *body = scr_xstrndup(s, sp.precision >= 0 &&
                                     (size_t)sp.precision < len
                                     ? (size_t)sp.precision : len);
    pad_out(b, &sp, "", body, '<');
    free(body);
    return 0;
}
