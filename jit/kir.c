/*
 * kir.c -- building, hashing and printing kernel IR.
 */
#include "jit/kir.h"

#include <inttypes.h>
#include <string.h>

void jit_kernel_init(jit_kernel *k, const rt_alloc *a)
{
    memset(k, 0, sizeof *k);
    k->alloc = *a;
    k->scratch = -1;
    k->chunk_param = -1;
}

void jit_kernel_free(jit_kernel *k)
{
    rt_free(&k->alloc, k->vals, (size_t)k->vcap * sizeof(kir_val));
    rt_free(&k->alloc, k->stmts, (size_t)k->scap * sizeof(kir_stmt));
    rt_free(&k->alloc, k->accs, (size_t)k->acap * sizeof(kir_acc));
    rt_free(&k->alloc, k->bufs, (size_t)k->bcap * sizeof(kir_buf));
    rt_free(&k->alloc, k->params, (size_t)k->pcap * sizeof(int64_t));
    memset(k, 0, sizeof *k);
}

static bool grow(jit_kernel *k, void **arr, int *cap, int need, size_t elt)
{
    if (need <= *cap)
        return true;
    int ncap = *cap ? *cap * 2 : 32;
    void *p = rt_realloc(&k->alloc, *arr, (size_t)*cap * elt,
                         (size_t)ncap * elt);
    if (!p) {
        k->oom = true;
        return false;
    }
    *arr = p;
    *cap = ncap;
    return true;
}

int jit_param_class(int64_t v)
{
    return v == 0 ? 0 : v == 1 ? 1 : 2;
}

/*
 * Values are deduplicated by a linear scan from the end: kernels have at
 * most a few hundred values, and recent values are the likely matches.
 * Parameters are never merged (equal sizes by coincidence must not change
 * the structure).
 */
int jit_val(jit_kernel *k, kir_val v)
{
    if (v.op != KV_PARAM) {
        for (int i = k->nvals - 1; i >= 0; i--) {
            const kir_val *w = &k->vals[i];
            if (w->op == v.op && w->dtype == v.dtype && w->gop == v.gop &&
                w->a == v.a && w->b == v.b && w->c == v.c &&
                w->imm.i == v.imm.i)
                return i;
        }
    }
    if (!grow(k, (void **)&k->vals, &k->vcap, k->nvals + 1, sizeof(kir_val)))
        return -1;
    k->vals[k->nvals] = v;
    return k->nvals++;
}

int jit_const_i(jit_kernel *k, int64_t v)
{
    return jit_val(k, (kir_val){.op = KV_CONST, .dtype = LOOM_INT64,
                                .a = -1, .b = -1, .c = -1, .imm.i = v});
}

int jit_param(jit_kernel *k, int64_t v)
{
    if (!grow(k, (void **)&k->params, &k->pcap, k->nparams + 1,
              sizeof(int64_t)))
        return -1;
    k->params[k->nparams] = v;
    return jit_val(k, (kir_val){.op = KV_PARAM, .dtype = LOOM_INT64,
                                .a = k->nparams++, .b = -1, .c = -1,
                                .imm.i = jit_param_class(v)});
}

int jit_stmt(jit_kernel *k, kir_sop op, int a, int b, int c)
{
    if (!grow(k, (void **)&k->stmts, &k->scap, k->nstmts + 1,
              sizeof(kir_stmt)))
        return -1;
    k->stmts[k->nstmts] = (kir_stmt){(uint8_t)op, a, b, c};
    return k->nstmts++;
}

int jit_acc(jit_kernel *k, graph_op red, loom_dtype dtype)
{
    if (!grow(k, (void **)&k->accs, &k->acap, k->naccs + 1, sizeof(kir_acc)))
        return -1;
    k->accs[k->naccs] = (kir_acc){(uint16_t)red, (uint8_t)dtype, 0, -1, -1};
    return k->naccs++;
}

int jit_buf(jit_kernel *k, loom_dtype dtype, bool output)
{
    if (!grow(k, (void **)&k->bufs, &k->bcap, k->nbufs + 1, sizeof(kir_buf)))
        return -1;
    k->bufs[k->nbufs] = (kir_buf){(uint8_t)dtype, output};
    return k->nbufs++;
}

/* The structural constant value of v if it is a constant or a parameter
 * of class 0/1; -1 otherwise (with *known false). */
static int64_t known_value(const jit_kernel *k, int v, bool *known)
{
    const kir_val *x = &k->vals[v];
    *known = true;
    if (x->op == KV_CONST)
        return x->imm.i;
    if (x->op == KV_PARAM && x->imm.i < 2)
        return x->imm.i;
    *known = false;
    return -1;
}

int jit_iadd(jit_kernel *k, int a, int b)
{
    if (a < 0 || b < 0)
        return -1;
    bool ka, kb;
    int64_t va = known_value(k, a, &ka), vb = known_value(k, b, &kb);
    if (ka && va == 0)
        return b;
    if (kb && vb == 0)
        return a;
    if (ka && kb && k->vals[a].op == KV_CONST && k->vals[b].op == KV_CONST)
        return jit_const_i(k, va + vb);
    if (a > b) { /* canonical operand order for CSE */
        int t = a;
        a = b;
        b = t;
    }
    return jit_val(k, (kir_val){.op = KV_IADD, .dtype = LOOM_INT64, .a = a,
                                .b = b, .c = -1});
}

int jit_imul(jit_kernel *k, int a, int b)
{
    if (a < 0 || b < 0)
        return -1;
    bool ka, kb;
    int64_t va = known_value(k, a, &ka), vb = known_value(k, b, &kb);
    if ((ka && va == 0) || (kb && vb == 0))
        return jit_const_i(k, 0);
    if (ka && va == 1)
        return b;
    if (kb && vb == 1)
        return a;
    if (ka && kb && k->vals[a].op == KV_CONST && k->vals[b].op == KV_CONST)
        return jit_const_i(k, va * vb);
    if (a > b) {
        int t = a;
        a = b;
        b = t;
    }
    return jit_val(k, (kir_val){.op = KV_IMUL, .dtype = LOOM_INT64, .a = a,
                                .b = b, .c = -1});
}

/* ---- hashing ---- */

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdull;
}

int jit_split_vec_param(const jit_kernel *k)
{
    if (k->chunk_param < 0)
        return -1;
    for (int i = 0; i < k->naccs; i++)
        if (k->accs[i].vec_var >= 0 && k->vals[k->accs[i].vec_len].op == KV_PARAM)
            return k->vals[k->accs[i].vec_len].a;
    return -1;
}

void jit_kernel_hash(jit_kernel *k)
{
    uint64_t h = mix(0x6b6972, (uint64_t)k->nloops);
    h = mix(h, (uint64_t)k->nparams);
    for (int i = 0; i < k->nvals; i++) {
        const kir_val *v = &k->vals[i];
        h = mix(h, (uint64_t)v->op | (uint64_t)v->dtype << 8 |
                       (uint64_t)v->gop << 16);
        h = mix(h, (uint64_t)(uint32_t)v->a | (uint64_t)(uint32_t)v->b << 32);
        h = mix(h, (uint64_t)(uint32_t)v->c);
        h = mix(h, (uint64_t)v->imm.i);
    }
    for (int i = 0; i < k->nstmts; i++) {
        const kir_stmt *s = &k->stmts[i];
        h = mix(h, (uint64_t)s->op | (uint64_t)(uint32_t)s->a << 8);
        h = mix(h, (uint64_t)(uint32_t)s->b | (uint64_t)(uint32_t)s->c << 32);
    }
    for (int i = 0; i < k->naccs; i++) {
        h = mix(h, (uint64_t)k->accs[i].red | (uint64_t)k->accs[i].dtype << 16 |
                       (uint64_t)(uint32_t)k->accs[i].vec_var << 24 |
                       (uint64_t)(uint32_t)k->accs[i].vec_len << 40);
        h = mix(h, k->accs[i].local);
    }
    h = mix(h, (uint64_t)(uint32_t)k->scratch |
                   (uint64_t)(uint32_t)k->chunk_param << 32);
    for (int i = 0; i < k->nbufs; i++)
        h = mix(h, (uint64_t)k->bufs[i].dtype | (uint64_t)k->bufs[i].output << 8);
    k->hash = h;
}

/* ---- streams ---- */

bool jit_uses_var(const jit_kernel *k, int v, int var)
{
    if (v < 0)
        return false;
    const kir_val *x = &k->vals[v];
    switch (x->op) {
    case KV_VAR:
        return x->a == var;
    case KV_CONST:
    case KV_PARAM:
    case KV_ACC:
        return false;
    case KV_LOAD:
        return jit_uses_var(k, x->b, var) || jit_uses_var(k, x->c, var);
    default:
        return jit_uses_var(k, x->a, var) || jit_uses_var(k, x->b, var) ||
               jit_uses_var(k, x->c, var);
    }
}

bool jit_unit_stride(const jit_kernel *k, int v, int var)
{
    const kir_val *x = &k->vals[v];
    if (x->op == KV_VAR)
        return x->a == var;
    if (x->op != KV_IADD)
        return false;
    return (jit_unit_stride(k, x->a, var) && !jit_uses_var(k, x->b, var)) ||
           (jit_unit_stride(k, x->b, var) && !jit_uses_var(k, x->a, var));
}

/* The value of a constant or parameter index value, or false. */
static bool index_const(const jit_kernel *k, int v, int64_t *out)
{
    const kir_val *x = &k->vals[v];
    if (x->op == KV_CONST)
        *out = x->imm.i;
    else if (x->op == KV_PARAM)
        *out = k->params[x->a];
    else
        return false;
    return true;
}

bool jit_var_coeff(const jit_kernel *k, int v, int var, int64_t *coef)
{
    int64_t a, b;
    const kir_val *x = &k->vals[v];
    if (!jit_uses_var(k, v, var)) {
        *coef = 0;
        return true;
    }
    switch (x->op) {
    case KV_VAR:
        *coef = 1;
        return true;
    case KV_IADD:
        if (!jit_var_coeff(k, x->a, var, &a) || !jit_var_coeff(k, x->b, var, &b))
            return false;
        *coef = a + b;
        return true;
    case KV_IMUL:
        if (index_const(k, x->b, &b) && jit_var_coeff(k, x->a, var, &a))
            *coef = a * b;
        else if (index_const(k, x->a, &a) && jit_var_coeff(k, x->b, var, &b))
            *coef = a * b;
        else
            return false;
        return true;
    default:
        return false;
    }
}

bool jit_buf_coeff(const jit_kernel *k, int buf, int var, int64_t *coef)
{
    bool seen = false;
    int64_t c = 0;
    for (int v = 0; v < k->nvals; v++) {
        const kir_val *x = &k->vals[v];
        if (x->op != KV_LOAD || x->a != buf)
            continue;
        if (!jit_var_coeff(k, x->b, var, &c) || (seen && c != *coef))
            return false;
        *coef = c;
        seen = true;
    }
    for (int i = 0; i < k->nstmts; i++) {
        const kir_stmt *s = &k->stmts[i];
        if ((s->op != KS_STORE && s->op != KS_STREAM) || s->a != buf)
            continue;
        if (!jit_var_coeff(k, s->b, var, &c) || (seen && c != *coef))
            return false;
        *coef = c;
        seen = true;
    }
    return seen;
}

/* ---- rows written in place ---- */

/* A linear index term: coef * (loop variable var), or the constant coef
 * when var < 0. */
typedef struct term {
    int var;
    int64_t coef;
} term;

#define MAX_TERMS 16

/* Adds coef * v to the n terms t (flattening sums, folding constant and
 * parameter factors by value); false if v is not linear or too long. */
static bool linear(const jit_kernel *k, int v, int64_t coef, term *t, int *n)
{
    const kir_val *x = &k->vals[v];
    int64_t c;
    switch (x->op) {
    case KV_VAR:
    case KV_CONST:
    case KV_PARAM: {
        int var = x->op == KV_VAR ? x->a : -1;
        if (var < 0 && !index_const(k, v, &c))
            return false;
        int64_t add = var < 0 ? coef * c : coef;
        for (int i = 0; i < *n; i++)
            if (t[i].var == var) {
                t[i].coef += add;
                return true;
            }
        if (*n == MAX_TERMS)
            return false;
        t[(*n)++] = (term){var, add};
        return true;
    }
    case KV_IADD:
        return linear(k, x->a, coef, t, n) && linear(k, x->b, coef, t, n);
    case KV_IMUL:
        if (index_const(k, x->b, &c))
            return linear(k, x->a, coef * c, t, n);
        if (index_const(k, x->a, &c))
            return linear(k, x->b, coef * c, t, n);
        return false;
    default:
        return false;
    }
}

/* Index v split into (sweep variable, row part): v must be exactly
 * sweep + row with sweep's coefficient 1, sweep being one of the
 * innermost loops' variables (inner[var]); the row part's terms, without
 * zero ones, go to t (sorted by variable).  Returns the sweep variable, or
 * -1. */
static int split_row(const jit_kernel *k, int v, const bool *inner, term *t, int *n)
{
    *n = 0;
    if (!linear(k, v, 1, t, n))
        return -1;
    int sweep = -1, m = 0;
    for (int i = 0; i < *n; i++) {
        if (t[i].var >= 0 && inner[t[i].var]) {
            if (sweep >= 0 || t[i].coef != 1)
                return -1;
            sweep = t[i].var;
        } else if (t[i].coef != 0) {
            t[m++] = t[i];
        }
    }
    *n = m;
    for (int i = 1; i < m; i++) /* insertion sort by variable */
        for (int j = i; j > 0 && t[j - 1].var > t[j].var; j--) {
            term x = t[j];
            t[j] = t[j - 1];
            t[j - 1] = x;
        }
    return sweep;
}

/* Whether values a and b are the same constant or parameter value. */
static bool equal_value(const jit_kernel *k, int a, int b)
{
    int64_t x, y;
    return a == b || (index_const(k, a, &x) && index_const(k, b, &y) && x == y);
}

static bool same_terms(const term *a, int na, const term *b, int nb)
{
    if (na != nb)
        return false;
    for (int i = 0; i < na; i++)
        if (a[i].var != b[i].var || a[i].coef != b[i].coef)
            return false;
    return true;
}

bool jit_rows_in_place(const jit_kernel *k, int bf, int bm)
{
    /* the innermost loops (sweeps): their position and extent */
    int pos[64], ext[64];
    bool inner[64] = {false};
    if (k->nloops > 64)
        return false;
    for (int i = 0; i < k->nstmts; i++) {
        const kir_stmt *s = &k->stmts[i];
        if (s->op != KS_LOOP || s->a < 0 || s->a >= 64)
            continue;
        int depth = 0;
        bool nested = false;
        for (int j = i + 1; j < k->nstmts && depth >= 0; j++) {
            if (k->stmts[j].op == KS_LOOP) {
                nested = true;
                depth++;
            } else if (k->stmts[j].op == KS_END) {
                depth--;
            }
        }
        inner[s->a] = !nested && !(s->c & (KIR_LOOP_PARALLEL | KIR_LOOP_SPLIT));
        pos[s->a] = i;
        ext[s->a] = s->b;
    }
    term row[MAX_TERMS], t[MAX_TERMS];
    int nrow = -1, n, ext0 = -1, first_store = -1;
    /* the stores of bm: sweep variable + the row part */
    for (int i = 0; i < k->nstmts; i++) {
        const kir_stmt *s = &k->stmts[i];
        if ((s->op != KS_STORE && s->op != KS_STREAM) || s->a != bm)
            continue;
        int sw = split_row(k, s->b, inner, t, &n);
        if (sw < 0 || (nrow >= 0 && !same_terms(row, nrow, t, n)))
            return false;
        if (nrow < 0) {
            memcpy(row, t, sizeof t);
            nrow = n;
            ext0 = ext[sw];
        }
        if (!equal_value(k, ext0, ext[sw]))
            return false;
        if (first_store < 0 || pos[sw] < first_store)
            first_store = pos[sw];
    }
    if (nrow < 0)
        return false;
    /* loads: bf in sweeps up to the first that stores bm, bm after it;
     * both at the row's positions */
    for (int v = 0; v < k->nvals; v++) {
        const kir_val *x = &k->vals[v];
        if (x->op != KV_LOAD || (x->a != bf && x->a != bm))
            continue;
        int sw = split_row(k, x->b, inner, t, &n);
        if (sw < 0 || !same_terms(row, nrow, t, n) || !equal_value(k, ext0, ext[sw]))
            return false;
        if (x->a == bf ? pos[sw] > first_store : pos[sw] <= first_store)
            return false;
    }
    return true;
}

int jit_elementwise_loop_end(const jit_kernel *k, int i)
{
    if (k->stmts[i].c & KIR_LOOP_SPLIT)
        return -1;
    bool store = false;
    for (int j = i + 1; j < k->nstmts; j++) {
        switch (k->stmts[j].op) {
        case KS_END:
            return store ? j : -1;
        case KS_STORE:
        case KS_STREAM:
            store = true;
            break;
        case KS_ACC_INIT:
            break;
        default:
            return -1;
        }
    }
    return -1;
}

/* The innermost loop around statement j, or -1. */
static int enclosing_loop(const jit_kernel *k, int j)
{
    int depth = 0;
    for (int i = j - 1; i >= 0; i--) {
        if (k->stmts[i].op == KS_END)
            depth++;
        else if (k->stmts[i].op == KS_LOOP && depth-- == 0)
            return i;
    }
    return -1;
}

/* Whether store j can stream: it sits in an elementwise loop, contiguous
 * along it, and no other store of that loop streams. */
static bool can_stream(const jit_kernel *k, int j)
{
    int l = enclosing_loop(k, j);
    int end = l >= 0 ? jit_elementwise_loop_end(k, l) : -1;
    if (end < 0 || !jit_unit_stride(k, k->stmts[j].b, k->stmts[l].a))
        return false;
    for (int i = l + 1; i < end; i++)
        if (k->stmts[i].op == KS_STREAM)
            return false;
    return true;
}

/*
 * A kernel that loads buf (the output's row as a cache of the row's
 * values, as softmax's exp) keeps its stores cached: storing past the
 * caches a line that is in them costs more than it saves.  Otherwise,
 * walking the statements backwards, a store to buf met before any
 * statement (later in program order) that writes buf is a last write.
 */
int jit_mark_stream(jit_kernel *k, int buf)
{
    for (int v = 0; v < k->nvals; v++)
        if (k->vals[v].op == KV_LOAD && k->vals[v].a == buf)
            return 0;
    int marked = 0;
    bool touched = false;
    for (int j = k->nstmts - 1; j >= 0; j--) {
        kir_stmt *s = &k->stmts[j];
        bool store = (s->op == KS_STORE || s->op == KS_STREAM) && s->a == buf;
        if (store && !touched && s->op == KS_STORE && can_stream(k, j)) {
            s->op = KS_STREAM;
            marked++;
        }
        touched = touched || store;
    }
    if (marked)
        jit_kernel_hash(k);
    return marked;
}

/* ---- printing ---- */

static const char *short_dtype(int t)
{
    static const char *n[] = {"b1", "i32", "i64", "f32", "f64"};
    return (unsigned)t < 5 ? n[t] : "?";
}

/* Prints value v as an expression (small trees inline, shared ones by
 * number). */
static void print_val(const jit_kernel *k, int v, FILE *out, int depth)
{
    const kir_val *x = &k->vals[v];
    switch (x->op) {
    case KV_CONST:
        if (graph_is_float((loom_dtype)x->dtype))
            fprintf(out, "%.17g", x->imm.f);
        else
            fprintf(out, "%" PRId64, x->imm.i);
        return;
    case KV_PARAM:
        fprintf(out, "p%d", x->a);
        return;
    case KV_VAR:
        fprintf(out, "i%d", x->a);
        return;
    case KV_ACC:
        fprintf(out, x->b == 2 ? "acc%d.shift" : x->b ? "acc%d.aux" : "acc%d", x->a);
        return;
    default:
        break;
    }
    if (depth > 6) {
        fprintf(out, "v%d", v);
        return;
    }
    switch (x->op) {
    case KV_IADD:
    case KV_IMUL:
        fputc('(', out);
        print_val(k, x->a, out, depth + 1);
        fputs(x->op == KV_IADD ? " + " : "*", out);
        print_val(k, x->b, out, depth + 1);
        fputc(')', out);
        return;
    case KV_LOAD:
        fprintf(out, "b%d[", x->a);
        print_val(k, x->b, out, depth + 1);
        fputc(']', out);
        if (x->c >= 0) {
            fputs(" if ", out);
            print_val(k, x->c, out, depth + 1);
        }
        return;
    case KV_ALU:
        fprintf(out, "%s.%s(", graph_ops[x->gop].npname,
                short_dtype(x->dtype));
        print_val(k, x->a, out, depth + 1);
        if (x->b >= 0) {
            fputs(", ", out);
            print_val(k, x->b, out, depth + 1);
        }
        if (x->c >= 0) {
            fputs(", ", out);
            print_val(k, x->c, out, depth + 1);
        }
        fputc(')', out);
        return;
    default:
        fprintf(out, "v%d", v);
    }
}

void jit_kernel_print(const jit_kernel *k, FILE *out)
{
    fprintf(out, "kernel %s(", k->name);
    for (int i = 0; i < k->nbufs; i++) {
        if (k->bufs[i].output == KIR_BUF_SCRATCH)
            fprintf(out, "%sscratch *b%d", i ? ", " : "", i);
        else
            fprintf(out, "%s%s%s *b%d", i ? ", " : "",
                    k->bufs[i].output ? "out " : "",
                    loom_dtype_name((loom_dtype)k->bufs[i].dtype), i);
    }
    fprintf(out, ")  params:");
    for (int i = 0; i < k->nparams; i++)
        fprintf(out, " p%d=%" PRId64, i, k->params[i]);
    fputc('\n', out);
    int depth = 1;
    for (int i = 0; i < k->nstmts; i++) {
        const kir_stmt *s = &k->stmts[i];
        if (s->op == KS_END) {
            depth--;
            continue;
        }
        fprintf(out, "%*s", 2 * depth, "");
        switch (s->op) {
        case KS_LOOP:
            fprintf(out, "%sfor i%d in 0..",
                    s->c & KIR_LOOP_PARALLEL ? "parallel "
                    : s->c & KIR_LOOP_SPLIT  ? "split "
                                             : "",
                    s->a);
            print_val(k, s->b, out, 0);
            fputs(":\n", out);
            depth++;
            break;
        case KS_ACC_INIT:
            fprintf(out, "acc%d%s = %s identity (%s)", s->a,
                    k->accs[s->a].vec_var >= 0 ? "[...]" : "",
                    graph_ops[k->accs[s->a].red].npname,
                    short_dtype(k->accs[s->a].dtype));
            if (s->b >= 0) {
                fputs(", shift ", out);
                print_val(k, s->b, out, 0);
            }
            fputc('\n', out);
            break;
        case KS_PARTIAL:
            fputs("partial results -> scratch[chunk]; end of chunk\n", out);
            break;
        case KS_COMBINE:
            fputs("combine: accumulators = merge of all chunks' partials\n",
                  out);
            break;
        case KS_ACC_UPDATE:
            fprintf(out, "acc%d = %s(acc%d, ", s->a,
                    graph_ops[k->accs[s->a].red].npname, s->a);
            print_val(k, s->b, out, 0);
            if (s->c >= 0) {
                fputs(" @ ", out);
                print_val(k, s->c, out, 0);
            }
            fputs(")\n", out);
            break;
        case KS_STORE:
        case KS_STREAM:
            fprintf(out, "b%d[", s->a);
            print_val(k, s->b, out, 0);
            fputs("] = ", out);
            print_val(k, s->c, out, 0);
            fputs(s->op == KS_STREAM ? "  (streamed past the caches)\n" : "\n",
                  out);
            break;
        }
    }
}
