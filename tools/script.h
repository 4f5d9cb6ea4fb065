/*
 * script.h -- internals of the `loom` command: the NumPy-subset script
 * language (lexer, parser, values, interpreter, NumPy function table) and
 * NumPy-style printing.
 *
 * Prefix scr_.  Only the files of tools/ and tests/test_script.c include it;
 * everything here is built on the public API in loom.h and nothing else.
 *
 * Errors inside the front end never print: they fill a scr_error (file,
 * line, column, message) and the caller decides what to do with it.
 */
#ifndef LOOM_SCRIPT_H
#define LOOM_SCRIPT_H

#include "loom.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ------------------------------------------------------------------------
 * Errors and growable strings
 * ------------------------------------------------------------------------ */

/* A located error.  col == 0 means "the whole line" (engine errors found at
 * evaluation time); line == 0 means no location at all. */
typedef struct scr_error {
    int line, col;
    char msg[1024];
} scr_error;

void scr_error_set(scr_error *e, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A growable NUL-terminated byte string.  Zero-initialize to start; free
 * with scr_buf_free.  Allocation failure aborts the tool (this is the CLI,
 * not the library). */
typedef struct scr_buf {
    char *s;
    size_t n, cap;
} scr_buf;

void scr_buf_putc(scr_buf *b, char c);
void scr_buf_puts(scr_buf *b, const char *s);
void scr_buf_putn(scr_buf *b, const char *s, size_t n);
void scr_buf_printf(scr_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void scr_buf_pad(scr_buf *b, char c, int n);
void scr_buf_free(scr_buf *b);
/* Returns the string (never NULL) and leaves b empty; caller frees. */
char *scr_buf_take(scr_buf *b);

void *scr_xmalloc(size_t n);
void *scr_xcalloc(size_t n, size_t size);
void *scr_xrealloc(void *p, size_t n);
char *scr_xstrdup(const char *s);
char *scr_xstrndup(const char *s, size_t n);

/* ------------------------------------------------------------------------
 * Lexer
 * ------------------------------------------------------------------------ */

typedef enum scr_tok_kind {
    SCR_T_EOF,
    SCR_T_NEWLINE,
    SCR_T_INDENT,
    SCR_T_DEDENT,
    SCR_T_NAME,   /* identifiers and keywords */
    SCR_T_INT,
    SCR_T_FLOAT,
    SCR_T_STRING, /* adjacent literals are not joined here */
    SCR_T_FSTRING,/* f"...": raw body, parsed by the parser */
    SCR_T_OP      /* operators and delimiters, text in op */
} scr_tok_kind;

typedef struct scr_token {
    scr_tok_kind kind;
    int line, col;      /* 1-based */
    char op[4];         /* SCR_T_OP: "**=", "(", ... */
    char *text;         /* NAME: the name; STRING/FSTRING: decoded bytes */
    size_t len;         /* length of text */
    int64_t ival;
    double fval;
} scr_token;

typedef struct scr_tokens {
    scr_token *v;
    int n;
} scr_tokens;

/* Tokenizes src (NUL-terminated).  Returns 0, or -1 with *err set (line and
 * column of the offending character).  Free with scr_tokens_free, also after
 * an error. */
int scr_lex(const char *src, scr_tokens *out, scr_error *err);
void scr_tokens_free(scr_tokens *t);

/* ------------------------------------------------------------------------
 * Abstract syntax
 * ------------------------------------------------------------------------ */

typedef enum scr_node_kind {
    /* expressions */
    SCR_N_INT, SCR_N_FLOAT, SCR_N_STR, SCR_N_FSTR, SCR_N_NAME, SCR_N_TRUE,
    SCR_N_FALSE, SCR_N_NONE, SCR_N_ELLIPSIS,
    SCR_N_TUPLE, SCR_N_LIST, SCR_N_LISTCOMP, SCR_N_ATTR, SCR_N_SUBSCRIPT,
    SCR_N_SLICE, SCR_N_CALL, SCR_N_KWARG, SCR_N_STARARG, SCR_N_BINOP,
    SCR_N_UNARY, SCR_N_COMPARE, SCR_N_AND, SCR_N_OR, SCR_N_NOT, SCR_N_IFEXP,
    SCR_N_FORMAT, /* one {expr!r:spec} of an f-string */
    /* statements */
    SCR_N_EXPR_STMT, SCR_N_ASSIGN, SCR_N_AUGASSIGN, SCR_N_FOR,
    SCR_N_IMPORT, SCR_N_PASS, SCR_N_ASSERT, SCR_N_MODULE
} scr_node_kind;

/* Operators of BINOP, UNARY, COMPARE and AUGASSIGN. */
typedef enum scr_op {
    SCR_OP_ADD, SCR_OP_SUB, SCR_OP_MUL, SCR_OP_DIV, SCR_OP_FLOORDIV,
    SCR_OP_MOD, SCR_OP_POW, SCR_OP_MATMUL, SCR_OP_AND, SCR_OP_OR,
    SCR_OP_XOR, SCR_OP_LSHIFT, SCR_OP_RSHIFT,
    SCR_OP_NEG, SCR_OP_POS, SCR_OP_INVERT,
    SCR_OP_LT, SCR_OP_LE, SCR_OP_GT, SCR_OP_GE, SCR_OP_EQ, SCR_OP_NE,
    SCR_OP_IN, SCR_OP_NOTIN, SCR_OP_IS, SCR_OP_ISNOT,
    SCR_NOPS
} scr_op;

/* The Python spelling of an operator ("+", "//", "not in"). */
const char *scr_op_text(scr_op op);

/*
 * A node.  Kinds use the fields as follows:
 *   INT ival; FLOAT fval; STR/FSTR str, len (FSTR kids: STR and FORMAT
 *   parts); NAME str; ATTR kids[0] . str; SUBSCRIPT kids[0] [ kids[1] ];
 *   SLICE kids[0..2] (NULL when omitted); CALL kids[0] ( kids[1..] ) with
 *   KWARG (str = name, kids[0]) and STARARG nodes among the arguments;
 *   BINOP/UNARY op, kids; COMPARE kids[0] ops[i] kids[i+1] (ops in
 *   cmpops); AND/OR kids; IFEXP kids = body, test, orelse; LISTCOMP kids =
 *   element, target, iterable; FORMAT kids[0] the expression, str the
 *   spec, op the conversion ('r', 's' or 0);
 *   ASSIGN kids[0..n-2] targets, kids[n-1] value; AUGASSIGN op, kids =
 *   target, value; FOR kids = target, iterable, then the body statements;
 *   IMPORT str = alias (module is numpy); EXPR_STMT kids[0]; ASSERT kids =
 *   test [, message];
 *   MODULE kids = statements.
 * Nodes live in the arena of their scr_ast and die with it.
 */
typedef struct scr_node {
    scr_node_kind kind;
    int line, col;
    int op;
    int64_t ival;
    double fval;
    char *str;
    size_t len;
    struct scr_node **kids;
    int nkids;
    int *cmpops;
} scr_node;

typedef struct scr_ast {
    scr_node *root; /* a MODULE */
    void *arena;    /* private */
} scr_ast;

/* Parses a whole script.  Returns 0 or -1 with *err set.  Constructs that
 * loom does not take (def, class, while, if, other imports...) are refused
 * here with "'while' is not supported by loom scripts".  Free with
 * scr_ast_free, also after an error. */
int scr_parse(const char *src, scr_ast *out, scr_error *err);
void scr_ast_free(scr_ast *ast);

/* ------------------------------------------------------------------------
 * Values
 * ------------------------------------------------------------------------ */

typedef enum scr_vkind {
    SCR_V_NONE,
    SCR_V_BOOL,     /* Python bool */
    SCR_V_INT,      /* Python int (int64; overflow is an error) */
    SCR_V_FLOAT,    /* Python float */
    SCR_V_STR,
    SCR_V_TUPLE,
    SCR_V_LIST,
    SCR_V_SLICE,
    SCR_V_ELLIPSIS,
    SCR_V_RANGE,
    SCR_V_ARRAY,    /* a box holding a loom_array; 0-d strong arrays play
                       NumPy scalars (np.float32(1), x.sum()) */
    SCR_V_DTYPE,    /* np.float32, ..., also the result of x.dtype */
    SCR_V_RNG,      /* np.random.Generator */
    SCR_V_MODULE,   /* np, np.linalg, np.random */
    SCR_V_FUNC,     /* a built-in or NumPy function */
    SCR_V_METHOD,   /* a function bound to a receiver */
    SCR_V_UFUNC_AT, /* np.add.at & co (ufunc method objects) */
    SCR_V_INDEX_EXP /* np.s_ (u.i == 0) and np.index_exp (u.i == 1):
                       subscripting one gives the index itself */
} scr_vkind;

typedef struct scr_obj scr_obj;
struct scr_func;

/* A value: scalars inline, everything else a reference-counted object.
 * Copying a scr_value does not take a reference: use scr_ref. */
typedef struct scr_value {
    scr_vkind k;
    union {
        bool b;
        int64_t i;
        double f;
        int dt;                    /* DTYPE: a loom_dtype, | SCR_DT_TYPE
                                      for the scalar type (np.float32)
                                      rather than a dtype (x.dtype) */
        int mod;                   /* MODULE */
        const struct scr_func *fn; /* FUNC */
        scr_obj *o;                /* everything else */
    } u;
} scr_value;

/* Object header and bodies. */
struct scr_obj {
    int refs;
    scr_vkind k;
};
typedef struct scr_str {
    scr_obj h;
    size_t len;
    char s[];
} scr_str;
typedef struct scr_seq { /* TUPLE and LIST (lists grow: append) */
    scr_obj h;
    int n, cap;
    scr_value *v;
} scr_seq;
typedef struct scr_slice {
    scr_obj h;
    scr_value start, stop, step;
} scr_slice;
typedef struct scr_range {
    scr_obj h;
    int64_t start, stop, step;
} scr_range;
/* A NumPy array object.  In-place updates (x += 1, x[i] = v, shuffle)
 * replace `a`, so every name bound to the box sees them, as in NumPy. */
typedef struct scr_abox {
    scr_obj h;
    loom_array *a;
} scr_abox;
typedef struct scr_rngbox {
    scr_obj h;
    loom_rng *rng;
} scr_rngbox;
typedef struct scr_method {
    scr_obj h;
    scr_value self;
    const struct scr_func *fn;
} scr_method;

enum { SCR_MOD_NP, SCR_MOD_LINALG, SCR_MOD_RANDOM };

extern const scr_value scr_none;

#define SCR_DT_TYPE 0x100
#define SCR_DT_FINFO 0x200 /* np.finfo(t) */
#define SCR_DT_IINFO 0x400 /* np.iinfo(t) */
/* The loom_dtype of a DTYPE value. */
#define SCR_DT(v) ((loom_dtype)((v).u.dt & 0xff))

scr_value scr_ref(scr_value v);
void scr_unref(scr_value v);
scr_value scr_bool(bool b);
scr_value scr_int(int64_t i);
scr_value scr_float(double f);
scr_value scr_str_new(const char *s, size_t len);
scr_value scr_seq_new(scr_vkind k, int n); /* items are None */
/* Appends (steals the reference of) item to a list. */
void scr_list_append(scr_value list, scr_value item);
scr_value scr_array_new(loom_array *a);
/* The loom_array of an ARRAY value. */
static inline loom_array *scr_arr(scr_value v) {
    return ((scr_abox *)v.u.o)->a;
}
static inline scr_seq *scr_seq_of(scr_value v) { return (scr_seq *)v.u.o; }
static inline scr_str *scr_str_of(scr_value v) { return (scr_str *)v.u.o; }
static inline bool scr_is_pyscalar(scr_value v) {
    return v.k == SCR_V_BOOL || v.k == SCR_V_INT || v.k == SCR_V_FLOAT;
}
static inline bool scr_is_seq(scr_value v) {
    return v.k == SCR_V_TUPLE || v.k == SCR_V_LIST;
}

/* Python's type name of a value ("int", "numpy.ndarray", ...). */
const char *scr_type_name(scr_value v);

/* Arithmetic and comparisons between Python scalars (bool, int, float) with
 * Python's semantics: / gives float, // and % floor, ** of ints exact (a
 * negative exponent gives float), int overflow beyond int64 is an error.
 * Returns 0, or -1 with a message in msg (ZeroDivisionError text...). */
int scr_pyscalar_binop(scr_op op, scr_value a, scr_value b, scr_value *out,
                       char *msg, size_t msgsize);
int scr_pyscalar_unop(scr_op op, scr_value a, scr_value *out, char *msg,
                      size_t msgsize);
/* Python's float(x) of a bool/int/float. */
double scr_pyscalar_float(scr_value v);

/* ------------------------------------------------------------------------
 * Printing (print.c)
 * ------------------------------------------------------------------------ */

/* Python's repr() of a float: shortest round-trip digits, "1.0", "1e+16",
 * "inf", "nan". */
void scr_fmt_pyfloat(scr_buf *b, double v);

/* NumPy's str() of one scalar of dtype t ("1.5", "1e-05", "True", "3"),
 * as NumPy 1.24 prints np.float32(x), np.int64(x)... */
void scr_fmt_npscalar(scr_buf *b, loom_dtype t, const void *elem);

/* np.set_printoptions: what array printing uses.  floatmode is one of
 * 'm' (maxprec, the default), 'f' (fixed), 'u' (unique), 'e'
 * (maxprec_equal). */
typedef struct scr_printopts {
    int precision, threshold, edgeitems, linewidth;
    bool suppress;
    char floatmode;
} scr_printopts;
#define SCR_PRINTOPTS_DEFAULT ((scr_printopts){8, 1000, 3, 75, false, 'm'})

/* NumPy 1.24's str(a) (repr == false) or repr(a) of an array given as C-
 * ordered raw data, with the print options po (NULL: NumPy's defaults:
 * line width 75, precision 8, threshold 1000, edge items 3).  A 0-d array
 * prints like its scalar under str(). */
void scr_fmt_array(scr_buf *b, loom_dtype t, const loom_shape *shape,
                   const void *data, bool repr, const scr_printopts *po);

/* Python's format(v, spec) for a float / int / bool / string: the format
 * mini-language (fill, align, sign, width, ',', '_', precision, type
 * among "bcdeEfFgGn%xXos").  Returns 0 or -1 with a message. */
int scr_fmt_spec_float(scr_buf *b, double v, const char *spec, char *msg,
                       size_t msgsize);
int scr_fmt_spec_int(scr_buf *b, int64_t v, const char *spec, char *msg,
                     size_t msgsize);
int scr_fmt_spec_str(scr_buf *b, const char *s, size_t len, const char *spec,
                     char *msg, size_t msgsize);

/* ------------------------------------------------------------------------
 * Interpreter
 * ------------------------------------------------------------------------ */

/* One evaluation point: what loom_last_stats() said after an evaluation
 * triggered by a script line. */
typedef void (*scr_eval_hook)(void *ud, int line, const loom_eval_stats *st);

typedef struct scr_run_opts {
    FILE *out;            /* where print() writes; NULL discards output */
    scr_eval_hook on_eval;/* NULL: none */
    void *hook_ud;
    bool no_scopes;       /* don't wrap loop bodies in loom scopes */
} scr_run_opts;

typedef struct scr_interp scr_interp;

/* Runs a parsed script on ctx.  file names the script in messages.
 * Returns 0, or 1 with *err set (script error with line:col, or an engine
 * error with the line that built or evaluated the failing array). */
int scr_run(loom_ctx *ctx, const char *file, const scr_ast *ast,
            const scr_run_opts *opts, scr_error *err);

/* ---- pieces shared between interp.c and npfuncs.c ---- */

/* A built-in or NumPy function.  sig is a Python parameter list in NumPy's
 * words ("a, axis=None, dtype=None, !out=None, keepdims=False"); arguments
 * are bound to it by position and keyword and handed to fn in order, with
 * defaults filled in.  "*name" collects the remaining positional arguments
 * into a tuple, a bare "*" starts keyword-only parameters, "/" ends
 * positional-only ones, and a parameter marked "!" is accepted by name but
 * refused with a message unless left at its default (out=, where=...).
 * fn returns 0 with *out set (a new reference), or -1 with the
 * interpreter's error set.  The remaining fields parameterize shared
 * handlers (an op code, loom functions, positions of axis/dtype/... in
 * args). */
struct scr_func;
typedef int (*scr_fn)(scr_interp *I, const struct scr_func *f,
                      scr_value *args, scr_value *out);
typedef struct scr_func {
    const char *name; /* as NumPy spells it in messages ("sum", "norm") */
    const char *sig;
    scr_fn fn;
    int op;
    loom_array *(*f1)(loom_array *);
    loom_array *(*f2)(loom_array *, loom_array *);
    signed char ax, dt, kd, dd; /* argument positions, -1 if none */
} scr_func;

/* Looks up NAME in a module's table (np, np.linalg, np.random), in the
 * array method table (x.NAME), in the generator method table (rng.NAME) or
 * in the Python built-ins.  NULL if absent. */
const scr_func *scr_np_lookup(int module, const char *name);
const scr_func *scr_method_lookup(const char *name);
const scr_func *scr_rng_method_lookup(const char *name);
const scr_func *scr_builtin_lookup(const char *name);
/* Module-level constants (np.pi, np.float32, np.newaxis...): returns true
 * and sets *out if name is one. */
bool scr_np_constant(int module, const char *name, scr_value *out);
/* The names in each table, NULL-terminated (for --help and tests). */
const scr_func *scr_np_table(int module, int *n);
const scr_func *scr_method_table(int *n);
const scr_func *scr_rng_table(int *n);

/* Calls f with positional and keyword arguments (kwnames[i] names
 * kw[i]); binds them to f->sig.  Returns 0 or -1 with the error set. */
int scr_call(scr_interp *I, const scr_func *f, scr_value *pos, int npos,
             const char *const *kwnames, scr_value *kw, int nkw,
             scr_value *out);

/* Error reporting from handlers: at the node being evaluated. */
int scr_fail(scr_interp *I, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Checks a freshly built array: a poisoned one becomes the error of the
 * current node.  On success stores a new ARRAY value in *out. */
int scr_wrap(scr_interp *I, loom_array *a, scr_value *out);
loom_ctx *scr_ctx(scr_interp *I);
/* The Python exception class NumPy raises for a loom status. */
const char *scr_status_class(loom_status s);

/* Conversions used by handlers; each returns 0 or -1 with the error set.
 * `what` names the parameter in messages. */
int scr_to_array(scr_interp *I, scr_value v, loom_array **out);
/* Like scr_to_array, but Python scalars become strong 0-d arrays of
 * NumPy's default dtype (float64, int64, bool). */
int scr_to_array_strong(scr_interp *I, scr_value v, loom_array **out);
int scr_to_int(scr_interp *I, scr_value v, const char *what, int64_t *out);
int scr_to_float(scr_interp *I, scr_value v, const char *what, double *out);
int scr_to_bool(scr_interp *I, scr_value v, const char *what, bool *out);
int scr_to_shape(scr_interp *I, scr_value v, const char *what,
                 loom_shape *out);
/* axis=None gives LOOM_ALL; an int gives itself. */
int scr_to_axis(scr_interp *I, scr_value v, const char *what, int *out);
/* axis=None gives LOOM_AXES_ALL; an int or a tuple of ints. */
int scr_to_axes(scr_interp *I, scr_value v, const char *what,
                loom_axes *out);
/* dtype=None gives LOOM_DEFAULT_DTYPE. */
int scr_to_dtype(scr_interp *I, scr_value v, const char *what,
                 loom_dtype *out);
/* A sequence (list/tuple) of array-likes, or an array (split along its
 * first axis); *arrs is malloc'ed, caller frees. */
int scr_to_array_list(scr_interp *I, scr_value v, const char *what,
                      loom_array ***arrs, int *n);
/* Evaluates the arrays (NULL entries ignored) together; an evaluation
 * point of the current line. */
int scr_eval_arrays(scr_interp *I, loom_array **arrs, int n);
/* Applies NumPy 1.24's value-based promotion to n operands of a ufunc-like
 * call and converts them to arrays (Python scalars weak next to arrays,
 * strong when every operand is 0-d; 0-d arrays next to n-d arrays of the
 * same or a higher kind take the n-d arrays' dtype). */
int scr_operands(scr_interp *I, scr_value *vals, int n, loom_array **out);
/* Turns an index expression value into loom_index items. */
int scr_to_index(scr_interp *I, scr_value v, loom_index *idx, int *n);
/* np.array(obj, dtype): nested lists of scalars/arrays to an array. */
int scr_array_from_obj(scr_interp *I, scr_value obj, loom_dtype t,
                       loom_array **out);
/* The value a binary operator gives (Python scalars stay Python). */
int scr_binop(scr_interp *I, scr_op op, scr_value a, scr_value b,
              scr_value *out);
/* Rebinds every use of the array box held by `target` (in-place update). */
void scr_box_set(scr_value target, loom_array *a);
/* Evaluates every array held in vals (recursively) in one evaluation. */
int scr_eval_values(scr_interp *I, scr_value *vals, int n);
/* Materializes an iterable (tuple, list, range, str, array rows) into a
 * malloc'ed vector of new references. */
int scr_iterate(scr_interp *I, scr_value it, scr_value **items, int *n);
/* The print options np.set_printoptions changes. */
scr_printopts *scr_print_options(scr_interp *I);
/* Where print() writes (NULL discards). */
FILE *scr_out(scr_interp *I);
/* str()/repr() of any value into b; evaluates arrays it contains. */
int scr_str_of_value(scr_interp *I, scr_value v, bool repr, scr_buf *b);
/* Python's format(v, spec). */
int scr_format_value(scr_interp *I, scr_value v, const char *spec,
                     scr_buf *b);
/* Python truth value of v (arrays: only size 1, evaluated). */
int scr_truth(scr_interp *I, scr_value v, bool *out);

#endif /* LOOM_SCRIPT_H */
