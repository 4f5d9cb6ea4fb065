/*
 * test_script.c -- the script front end of the `loom` command: lexer,
 * parser, Python scalar semantics, NumPy-style printing and the format
 * mini-language, checked against /usr/bin/python3 (NumPy 1.24) at test
 * time; plus command-line behaviour that needs no evaluation (usage,
 * syntax and unsupported-construct errors, pure-Python output).
 *
 * The tool's sources are compiled into this test directly (they are not
 * part of the library).
 */
#include <check.h>

#include "tools/lex.c"
#include "tools/parse.c"
#include "tools/print.c"
#include "tools/value.c"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef LOOM_BINARY_DIR
#define LOOM_BINARY_DIR "build"
#endif

static const char *PY = "/usr/bin/python3";

/* ---- helpers ---- */

/* Runs a shell command; returns its stdout (caller frees) and exit status
 * in *status. */
static char *capture(const char *cmd, int *status) {
    FILE *p = popen(cmd, "r");
    ck_assert_msg(p != NULL, "popen failed: %s", cmd);
    scr_buf b = {0};
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, p)) > 0)
        scr_buf_putn(&b, tmp, n);
    int st = pclose(p);
    if (status)
        *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return scr_buf_take(&b);
}

static char *tmp_dir(void) {
    char tmpl[] = "/tmp/loom-test-script-XXXXXX";
    char *d = mkdtemp(tmpl);
    ck_assert_msg(d != NULL, "mkdtemp failed");
    return scr_xstrdup(d);
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

/* Runs a Python program with NumPy's python3; returns its stdout. */
static char *python(const char *code) {
    char *dir = tmp_dir();
    char path[512], cmd[1024];
    snprintf(path, sizeof path, "%s/prog.py", dir);
    write_file(path, code);
    snprintf(cmd, sizeof cmd, "cd %s && %s prog.py", dir, PY);
    int st;
    char *out = capture(cmd, &st);
    ck_assert_msg(st == 0, "python3 failed on:\n%s", code);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    free(capture(cmd, NULL));
    free(dir);
    return out;
}

static bool have_numpy(void) {
    return access(PY, X_OK) == 0;
}

/* ------------------------------------------------------------------------
 * Lexer
 * ------------------------------------------------------------------------ */

static char *token_dump(const char *src) {
    scr_tokens t;
    scr_error e;
    scr_buf b = {0};
    if (scr_lex(src, &t, &e) < 0) {
        scr_buf_printf(&b, "ERROR %d:%d %s", e.line, e.col, e.msg);
        scr_tokens_free(&t);
        return scr_buf_take(&b);
    }
    for (int i = 0; i < t.n; i++) {
        scr_token *k = &t.v[i];
        if (i)
            scr_buf_putc(&b, ' ');
        switch (k->kind) {
        case SCR_T_EOF: scr_buf_puts(&b, "EOF"); break;
        case SCR_T_NEWLINE: scr_buf_puts(&b, "NL"); break;
        case SCR_T_INDENT: scr_buf_puts(&b, "IN"); break;
        case SCR_T_DEDENT: scr_buf_puts(&b, "DE"); break;
        case SCR_T_NAME: scr_buf_puts(&b, k->text); break;
        case SCR_T_INT: scr_buf_printf(&b, "%lld", (long long)k->ival); break;
        case SCR_T_FLOAT: scr_buf_printf(&b, "%g", k->fval); break;
        case SCR_T_STRING: scr_buf_printf(&b, "'%s'", k->text); break;
        case SCR_T_FSTRING: scr_buf_printf(&b, "f'%s'", k->text); break;
        case SCR_T_OP: scr_buf_puts(&b, k->op); break;
        }
    }
    scr_tokens_free(&t);
    return scr_buf_take(&b);
}

#define LEX_IS(src, want)                                                  \
    do {                                                                   \
        char *got_ = token_dump(src);                                      \
        ck_assert_msg(strcmp(got_, want) == 0, "lex %s\n got: %s\nwant: %s", \
                      #src, got_, want);                                   \
        free(got_);                                                        \
    } while (0)

START_TEST(lex_basic) {
    LEX_IS("x = 1 + 2.5\n", "x = 1 + 2.5 NL EOF");
    LEX_IS("a**=b//c", "a **= b // c NL EOF");
    LEX_IS("x[1:, ...]", "x [ 1 : , ... ] NL EOF");
    LEX_IS("1_000 0x1f 0o17 0b101 1e3 .5 5.", "1000 31 15 5 1000 0.5 5 NL EOF");
    LEX_IS("s = 'a\\tb' \"q\" r'\\n'", "s = 'a\tb' 'q' '\\n' NL EOF");
    LEX_IS("f'{x:.2f}'", "f'{x:.2f}' NL EOF");
    LEX_IS("# comment only\n\n", "EOF");
    LEX_IS("x = (1,\n     2)\ny", "x = ( 1 , 2 ) NL y NL EOF");
    LEX_IS("x = 1 + \\\n    2\n", "x = 1 + 2 NL EOF");
    LEX_IS("x = '''a\nb'''\n", "x = 'a\nb' NL EOF");
}
END_TEST

START_TEST(lex_indentation) {
    LEX_IS("for i in r:\n    a\n    b\nc\n",
           "for i in r : NL IN a NL b NL DE c NL EOF");
    LEX_IS("for i in r:\n  for j in s:\n    a\n\n  # c\n  b\n",
           "for i in r : NL IN for j in s : NL IN a NL DE b NL DE EOF");
    LEX_IS("for i in r:\n    a", "for i in r : NL IN a NL DE EOF");
}
END_TEST

START_TEST(lex_errors) {
    LEX_IS("x = $", "ERROR 1:5 invalid character '$'");
    LEX_IS("x = 'abc\n", "ERROR 1:5 unterminated string literal");
    LEX_IS("x = (1,\n2\n", "ERROR 1:5 '(' was never closed");
    LEX_IS("x = 1)\n", "ERROR 1:6 unmatched ')'");
    LEX_IS("for i in r:\n    a\n  b\n",
           "ERROR 3:3 unindent does not match any outer indentation level");
    LEX_IS("x = 3j\n", "ERROR 1:5 complex numbers are not supported by loom "
                       "scripts");
    LEX_IS("x = 99999999999999999999\n",
           "ERROR 1:5 integer literal too large for loom scripts (int64)");
    LEX_IS("x = 012\n", "ERROR 1:5 leading zeros in decimal integer "
                        "literals are not permitted");
}
END_TEST

/* ------------------------------------------------------------------------
 * Parser
 * ------------------------------------------------------------------------ */

/* An S-expression of an expression tree. */
static void sexp(scr_buf *b, const scr_node *n) {
    if (!n) {
        scr_buf_puts(b, "_");
        return;
    }
    switch (n->kind) {
    case SCR_N_INT: scr_buf_printf(b, "%lld", (long long)n->ival); return;
    case SCR_N_FLOAT: scr_buf_printf(b, "%g", n->fval); return;
    case SCR_N_STR: scr_buf_printf(b, "'%s'", n->str); return;
    case SCR_N_NAME: scr_buf_puts(b, n->str); return;
    case SCR_N_TRUE: scr_buf_puts(b, "True"); return;
    case SCR_N_FALSE: scr_buf_puts(b, "False"); return;
    case SCR_N_NONE: scr_buf_puts(b, "None"); return;
    case SCR_N_ELLIPSIS: scr_buf_puts(b, "..."); return;
    case SCR_N_BINOP:
    case SCR_N_UNARY:
        scr_buf_printf(b, "(%s%s", n->kind == SCR_N_UNARY ? "u" : "",
                       scr_op_text((scr_op)n->op));
        break;
    case SCR_N_COMPARE:
        scr_buf_puts(b, "(cmp");
        for (int i = 0; i < n->nkids; i++) {
            scr_buf_putc(b, ' ');
            sexp(b, n->kids[i]);
            if (i + 1 < n->nkids)
                scr_buf_printf(b, " %s", scr_op_text((scr_op)n->cmpops[i]));
        }
        scr_buf_putc(b, ')');
        return;
    case SCR_N_TUPLE: scr_buf_puts(b, "(tuple"); break;
    case SCR_N_LIST: scr_buf_puts(b, "(list"); break;
    case SCR_N_LISTCOMP: scr_buf_puts(b, "(listcomp"); break;
    case SCR_N_ATTR:
        scr_buf_puts(b, "(. ");
        sexp(b, n->kids[0]);
        scr_buf_printf(b, " %s)", n->str);
        return;
    case SCR_N_SUBSCRIPT: scr_buf_puts(b, "([]"); break;
    case SCR_N_SLICE: scr_buf_puts(b, "(:"); break;
    case SCR_N_CALL: scr_buf_puts(b, "(call"); break;
    case SCR_N_KWARG: scr_buf_printf(b, "(kw %s", n->str); break;
    case SCR_N_STARARG: scr_buf_puts(b, "(*"); break;
    case SCR_N_AND: scr_buf_puts(b, "(and"); break;
    case SCR_N_OR: scr_buf_puts(b, "(or"); break;
    case SCR_N_NOT: scr_buf_puts(b, "(not"); break;
    case SCR_N_IFEXP: scr_buf_puts(b, "(if"); break;
    case SCR_N_FSTR: scr_buf_puts(b, "(fstr"); break;
    case SCR_N_FORMAT: scr_buf_printf(b, "(fmt '%s'", n->str); break;
    case SCR_N_ASSIGN: scr_buf_puts(b, "(="); break;
    case SCR_N_AUGASSIGN:
        scr_buf_printf(b, "(%s=", scr_op_text((scr_op)n->op));
        break;
    case SCR_N_EXPR_STMT: scr_buf_puts(b, "(expr"); break;
    case SCR_N_FOR: scr_buf_puts(b, "(for"); break;
    case SCR_N_IMPORT: scr_buf_printf(b, "(import %s)", n->str); return;
    case SCR_N_PASS: scr_buf_puts(b, "(pass"); break;
    case SCR_N_ASSERT: scr_buf_puts(b, "(assert"); break;
    case SCR_N_MODULE: scr_buf_puts(b, "(module"); break;
    }
    for (int i = 0; i < n->nkids; i++) {
        scr_buf_putc(b, ' ');
        sexp(b, n->kids[i]);
    }
    scr_buf_putc(b, ')');
}

static char *parse_dump(const char *src) {
    scr_ast ast;
    scr_error e;
    scr_buf b = {0};
    if (scr_parse(src, &ast, &e) < 0)
        scr_buf_printf(&b, "ERROR %d:%d %s", e.line, e.col, e.msg);
    else
        sexp(&b, ast.root);
    scr_ast_free(&ast);
    return scr_buf_take(&b);
}

#define PARSE_IS(src, want)                                                \
    do {                                                                   \
        char *got_ = parse_dump(src);                                      \
        ck_assert_msg(strcmp(got_, want) == 0,                             \
                      "parse %s\n got: %s\nwant: %s", #src, got_, want);   \
        free(got_);                                                        \
    } while (0)

START_TEST(parse_precedence) {
    PARSE_IS("a + b * c ** -d ** e",
             "(module (expr (+ a (* b (** c (u- (** d e)))))))");
    PARSE_IS("-2 ** 2", "(module (expr (u- (** 2 2))))");
    PARSE_IS("a - b - c", "(module (expr (- (- a b) c)))");
    PARSE_IS("a @ b / c // d % e",
             "(module (expr (% (// (/ (@ a b) c) d) e)))");
    PARSE_IS("a | b ^ c & d << e + f",
             "(module (expr (| a (^ b (& c (<< d (+ e f)))))))");
    PARSE_IS("a < b <= c", "(module (expr (cmp a < b <= c)))");
    PARSE_IS("not a == b and c or d",
             "(module (expr (or (and (not (cmp a == b)) c) d)))");
    PARSE_IS("~x & (y | z)", "(module (expr (& (u~ x) (| y z))))");
    PARSE_IS("a if b else c", "(module (expr (if a b c)))");
    PARSE_IS("x is not None", "(module (expr (cmp x is not None)))");
    PARSE_IS("x not in y", "(module (expr (cmp x not in y)))");
}
END_TEST

START_TEST(parse_postfix) {
    PARSE_IS("np.sum(x, axis=1, keepdims=True)",
             "(module (expr (call (. np sum) x (kw axis 1) (kw keepdims "
             "True))))");
    PARSE_IS("x[1:, ::2, None, ...]",
             "(module (expr ([] x (tuple (: 1 _ _) (: _ _ 2) None ...))))");
    PARSE_IS("x[i]", "(module (expr ([] x i)))");
    PARSE_IS("x[i,]", "(module (expr ([] x (tuple i))))");
    PARSE_IS("x.shape[0]", "(module (expr ([] (. x shape) 0)))");
    PARSE_IS("f(*a)", "(module (expr (call f (* a))))");
    PARSE_IS("[1, (2,), ()]", "(module (expr (list 1 (tuple 2) (tuple))))");
    PARSE_IS("[x * 2 for x in range(3)]",
             "(module (expr (listcomp (* x 2) x (call range 3))))");
    PARSE_IS("'a' 'b'", "(module (expr 'ab'))");
    PARSE_IS("f'v={x!r:>5} {{}}'",
             "(module (expr (fstr 'v=' (fmt '>5' x) ' {}')))");
}
END_TEST

START_TEST(parse_statements) {
    PARSE_IS("import numpy as np\n", "(module (import np))");
    PARSE_IS("import numpy\n", "(module (import numpy))");
    PARSE_IS("a, b = b, a\n", "(module (= (tuple a b) (tuple b a)))");
    PARSE_IS("a = b = 0\n", "(module (= a b 0))");
    PARSE_IS("x[i, j] += 1\n", "(module (+= ([] x (tuple i j)) 1))");
    PARSE_IS("x = 1; y = 2\n", "(module (= x 1) (= y 2))");
    PARSE_IS("for i in range(3):\n    x += i\n    y = x\nz = 0\n",
             "(module (for i (call range 3) (+= x i) (= y x)) (= z 0))");
    PARSE_IS("for i, v in enumerate(a): s += v\n",
             "(module (for (tuple i v) (call enumerate a) (+= s v)))");
    PARSE_IS("pass\n", "(module (pass))");
    PARSE_IS("assert x > 0, 'bad'\n", "(module (assert (cmp x > 0) 'bad'))");
}
END_TEST

START_TEST(parse_errors) {
    PARSE_IS("import numpy as np\nx = 1\nwhile x < 3:\n    x += 1\n",
             "ERROR 3:1 'while' is not supported by loom scripts");
    PARSE_IS("if x:\n  y\n", "ERROR 1:1 'if' is not supported by loom "
                             "scripts");
    PARSE_IS("def f(x):\n  return x\n",
             "ERROR 1:1 'def' is not supported by loom scripts");
    PARSE_IS("class A:\n  pass\n",
             "ERROR 1:1 'class' is not supported by loom scripts");
    PARSE_IS("import os\n", "ERROR 1:8 import of 'os' is not supported by "
                            "loom scripts (only numpy)");
    PARSE_IS("from numpy import zeros\n",
             "ERROR 1:1 'from numpy import ...' is not supported by loom "
             "scripts; use 'import numpy as np'");
    PARSE_IS("y = lambda x: x\n",
             "ERROR 1:5 'lambda' is not supported by loom scripts");
    PARSE_IS("x = {}\n", "ERROR 1:5 dict and set literals are not supported "
                         "by loom scripts");
    PARSE_IS("x = = 1\n", "ERROR 1:5 invalid syntax");
    PARSE_IS("x = (1 + )\n", "ERROR 1:10 invalid syntax");
    PARSE_IS("f(x) = 1\n", "ERROR 1:6 cannot assign to function call");
    PARSE_IS("for i in range(3):\nx = 1\n",
             "ERROR 2:1 expected an indented block");
    PARSE_IS("x = 1\n    y = 2\n", "ERROR 2:5 unexpected indent");
    PARSE_IS("print(x for x in y)\n",
             "ERROR 1:9 generator expressions are not supported by loom "
             "scripts; use a list comprehension");
    PARSE_IS("f(a=1, 2)\n", "ERROR 1:8 positional argument follows keyword "
                            "argument");
    PARSE_IS("x = [1, 2\n", "ERROR 1:5 '[' was never closed");
    PARSE_IS("x.y += 1\n", "(module (+= (. x y) 1))");
}
END_TEST

/* ------------------------------------------------------------------------
 * Python scalar semantics against Python
 * ------------------------------------------------------------------------ */

static void put_py(scr_buf *b, scr_value v) {
    switch (v.k) {
    case SCR_V_BOOL: scr_buf_puts(b, v.u.b ? "True" : "False"); break;
    case SCR_V_INT: scr_buf_printf(b, "%lld", (long long)v.u.i); break;
    case SCR_V_FLOAT: scr_fmt_pyfloat(b, v.u.f); break;
    default: scr_buf_puts(b, "?"); break;
    }
}

START_TEST(pyscalar_vs_python) {
    static const char *const lits[] = {"7",    "-7",  "3",   "-3",  "0",
                                       "2.5",  "-2.5", "0.0", "1e300",
                                       "True", "False", "-0.0", "0.1"};
    static const scr_op ops[] = {
        SCR_OP_ADD, SCR_OP_SUB, SCR_OP_MUL, SCR_OP_DIV, SCR_OP_FLOORDIV,
        SCR_OP_MOD, SCR_OP_POW, SCR_OP_AND, SCR_OP_OR, SCR_OP_XOR,
        SCR_OP_LT,  SCR_OP_LE,  SCR_OP_EQ, SCR_OP_NE, SCR_OP_GT,
        SCR_OP_LSHIFT, SCR_OP_RSHIFT};
    int nl = sizeof lits / sizeof lits[0], no = sizeof ops / sizeof ops[0];
    scr_value vals[sizeof lits / sizeof lits[0]];
    for (int i = 0; i < nl; i++) {
        if (strcmp(lits[i], "True") == 0 || strcmp(lits[i], "False") == 0)
            vals[i] = scr_bool(lits[i][0] == 'T');
        else if (strpbrk(lits[i], ".e"))
            vals[i] = scr_float(strtod(lits[i], NULL));
        else
            vals[i] = scr_int(strtoll(lits[i], NULL, 10));
    }
    scr_buf prog = {0}, mine = {0};
    scr_buf_puts(&prog, "def r(f):\n"
                        "    try:\n"
                        "        v = f()\n"
                        "        if isinstance(v, complex): return 'ERR'\n"
                        "        return repr(v)\n"
                        "    except Exception:\n"
                        "        return 'ERR'\n");
    for (int i = 0; i < nl; i++)
        for (int j = 0; j < nl; j++)
            for (int k = 0; k < no; k++) {
                const char *op = scr_op_text(ops[k]);
                scr_buf_printf(&prog, "print(r(lambda: (%s) %s (%s)))\n",
                               lits[i], op, lits[j]);
                scr_value out;
                char msg[256];
                if (scr_pyscalar_binop(ops[k], vals[i], vals[j], &out, msg,
                                       sizeof msg) < 0)
                    scr_buf_puts(&mine, "ERR");
                else
                    put_py(&mine, out);
                scr_buf_putc(&mine, '\n');
            }
    static const scr_op uops[] = {SCR_OP_NEG, SCR_OP_POS, SCR_OP_INVERT};
    for (int i = 0; i < nl; i++)
        for (int k = 0; k < 3; k++) {
            scr_buf_printf(&prog, "print(r(lambda: %s(%s)))\n",
                           scr_op_text(uops[k]), lits[i]);
            scr_value out;
            char msg[256];
            if (scr_pyscalar_unop(uops[k], vals[i], &out, msg, sizeof msg) <
                0)
                scr_buf_puts(&mine, "ERR");
            else
                put_py(&mine, out);
            scr_buf_putc(&mine, '\n');
        }
    char *want = python(prog.s);
    /* compare line by line for a readable failure */
    char *w = want, *m = mine.s;
    int line = 1;
    while (*w || *m) {
        char *we = strchr(w, '\n'), *me = strchr(m, '\n');
        ck_assert_msg(we && me, "output length differs at line %d", line);
        ck_assert_msg((we - w) == (me - m) && strncmp(w, m, (size_t)(we - w)) == 0,
                      "line %d: python %.*s, loom %.*s", line, (int)(we - w),
                      w, (int)(me - m), m);
        w = we + 1;
        m = me + 1;
        line++;
    }
    free(want);
    scr_buf_free(&prog);
    scr_buf_free(&mine);
}
END_TEST

/* ------------------------------------------------------------------------
 * Printing against NumPy
 * ------------------------------------------------------------------------ */

/* A Python line printing repr() of exactly the double v. */
static void put_double_repr(scr_buf *prog, double v) {
    unsigned char b[8];
    memcpy(b, &v, 8);
    scr_buf_puts(prog, "print(repr(struct.unpack('<d', bytes.fromhex('");
    for (int k = 0; k < 8; k++)
        scr_buf_printf(prog, "%02x", b[k]);
    scr_buf_puts(prog, "'))[0]))\n");
}

START_TEST(pyfloat_repr_vs_python) {
    /* random doubles of every magnitude, and the usual suspects */
    scr_buf prog = {0}, mine = {0};
    scr_buf_puts(&prog, "import struct\n");
    uint64_t s = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 3000; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        double v;
        if (i % 3 == 0) {
            memcpy(&v, &s, sizeof v);
            if (!isfinite(v))
                continue;
        } else {
            v = (double)(s >> 11) / 9007199254740992.0 *
                pow(10.0, (double)(int)(s % 40) - 20);
        }
        put_double_repr(&prog, v);
        scr_fmt_pyfloat(&mine, v);
        scr_buf_putc(&mine, '\n');
    }
    const double special[] = {0.0, -0.0, 1.0, 0.1, 1e16, 1e15, 1e-4, 1e-5,
                              123456789.0, 5e-324, 1.7976931348623157e308,
                              INFINITY, -INFINITY, NAN, 2.0 / 3.0};
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++) {
        put_double_repr(&prog, special[i]);
        scr_fmt_pyfloat(&mine, special[i]);
        scr_buf_putc(&mine, '\n');
    }
    char *want = python(prog.s);
    ck_assert_str_eq(mine.s, want);
    free(want);
    scr_buf_free(&prog);
    scr_buf_free(&mine);
}
END_TEST

START_TEST(npscalar_vs_numpy) {
    if (!have_numpy())
        return;
    scr_buf prog = {0}, mine = {0};
    scr_buf_puts(&prog, "import numpy as np\n"
                        "vals = np.frombuffer(bytes.fromhex(open('v.hex')"
                        ".read()), dtype='<f8')\n"
                        "for v in vals: print(str(v)); "
                        "print(str(np.float32(v)))\n"
                        "for v in [0, -1, 2**40, -2**31]: "
                        "print(np.int64(v), np.int32(v % 2**31))\n"
                        "print(np.bool_(True), np.bool_(False))\n");
    scr_buf hex = {0};
    uint64_t s = 12345;
    for (int i = 0; i < 1500; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        double v = (double)(s >> 11) / 9007199254740992.0 *
                   pow(10.0, (double)(int)((s >> 3) % 50) - 25);
        if (i % 7 == 0)
            v = -v;
        if (i == 0)
            v = 1e-4;
        if (i == 1)
            v = 1e16;
        if (i == 2)
            v = 81822048.0;
        unsigned char bytes[8];
        memcpy(bytes, &v, 8);
        for (int k = 0; k < 8; k++)
            scr_buf_printf(&hex, "%02x", bytes[k]);
        scr_fmt_npscalar(&mine, LOOM_FLOAT64, &v);
        scr_buf_putc(&mine, '\n');
        float f = (float)v;
        scr_fmt_npscalar(&mine, LOOM_FLOAT32, &f);
        scr_buf_putc(&mine, '\n');
    }
    int64_t iv[] = {0, -1, 1LL << 40, -(1LL << 31)};
    for (int i = 0; i < 4; i++) {
        int32_t j = (int32_t)(((iv[i] % (1LL << 31)) + (1LL << 31)) %
                              (1LL << 31));
        scr_fmt_npscalar(&mine, LOOM_INT64, &iv[i]);
        scr_buf_putc(&mine, ' ');
        scr_fmt_npscalar(&mine, LOOM_INT32, &j);
        scr_buf_putc(&mine, '\n');
    }
    uint8_t t = 1, f0 = 0;
    scr_fmt_npscalar(&mine, LOOM_BOOL, &t);
    scr_buf_putc(&mine, ' ');
    scr_fmt_npscalar(&mine, LOOM_BOOL, &f0);
    scr_buf_putc(&mine, '\n');
    char *dir = tmp_dir(), path[512], cmd[1024];
    snprintf(path, sizeof path, "%s/v.hex", dir);
    write_file(path, hex.s);
    snprintf(path, sizeof path, "%s/prog.py", dir);
    write_file(path, prog.s);
    snprintf(cmd, sizeof cmd, "cd %s && %s prog.py 2>/dev/null", dir, PY);
    int st;
    char *want = capture(cmd, &st);
    ck_assert_int_eq(st, 0);
    ck_assert_str_eq(mine.s, want);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    free(capture(cmd, NULL));
    free(dir);
    free(want);
    scr_buf_free(&prog);
    scr_buf_free(&mine);
    scr_buf_free(&hex);
}
END_TEST

/* The Python side of the array printing test: writes each case as
 * "dtype ndim dims... hexdata" and its str() and repr() with lengths. */
static const char ARRAY_CASES_PY[] =
    "import numpy as np, sys\n"
    "rng = np.random.default_rng(int(sys.argv[1]))\n"
    "np.set_printoptions(**eval('dict(' + sys.argv[2] + ')'))\n"
    "cases = []\n"
    "def add(a): cases.append(np.asarray(a))\n"
    "for dt in [np.float64, np.float32]:\n"
    "    add(np.array([1., 2.5], dt)); add(np.arange(30, dtype=dt)*1.1)\n"
    "    add(np.array([1e-5, 1e10], dt)); add(np.array([0.001953125, .5], dt))\n"
    "    add(np.array([np.nan, 1.0, -np.inf], dt)); add(np.array([np.nan], dt))\n"
    "    add(np.array([-0.0, 1], dt)); add(np.zeros((3, 4), dt))\n"
    "    add(np.array(2.5, dt)); add(np.array(1.0, dt)); add(np.array(1e-7, dt))\n"
    "    add(np.arange(1001, dtype=dt))\n"
    "    add(np.arange(2000, dtype=dt).reshape(40, 50))\n"
    "    add(np.arange(24, dtype=dt).reshape(2, 3, 4)); add(np.zeros((0, 3), dt))\n"
    "    add(np.zeros(0, dt)); add(np.array([5., 5000.], dt))\n"
    "    add(np.array([5., 5001.], dt)); add(np.array([123456789., 1.], dt))\n"
    "    add(np.array([1/3, 2/3], dt)); add(np.array([1e-300, 1.0]).astype(dt))\n"
    "    add(np.array([np.inf, -np.inf], dt))\n"
    "    for k in range(40):\n"
    "        shape = tuple(rng.integers(1, 6, size=rng.integers(1, 4)))\n"
    "        x = rng.standard_normal(shape) * 10.0 ** rng.integers(-12, 12)\n"
    "        if rng.random() < 0.3: x = np.round(x, rng.integers(0, 4))\n"
    "        if rng.random() < 0.2: x.flat[0] = np.nan\n"
    "        add(x.astype(dt))\n"
    "    for k in range(4):\n"
    "        add(rng.standard_normal((int(rng.integers(10, 60)),\n"
    "                                 int(rng.integers(10, 40)))).astype(dt))\n"
    "    add(rng.standard_normal(5000).astype(dt))\n"
    "    add(rng.standard_normal((3, 400)).astype(dt))\n"
    "    add(rng.standard_normal((4, 5, 6, 7)).astype(dt))\n"
    "for dt in [np.int64, np.int32]:\n"
    "    add(np.arange(10, dtype=dt)); add(np.arange(-5, 100, 7, dtype=dt).reshape(3, 5))\n"
    "    add(np.array(7, dt)); add(np.arange(3000, dtype=dt)); add(np.zeros((2, 0), dt))\n"
    "    add(np.array([-(2**31), 2**31-1], dtype=dt))\n"
    "    add(rng.integers(-10**6, 10**6, size=(7, 13)).astype(dt))\n"
    "    add(rng.integers(0, 10, size=(100,)).astype(dt))\n"
    "add(np.array([True, False])); add(np.array(True)); add(np.ones((3, 3), bool))\n"
    "add(rng.random((5, 40)) > 0.5); add(np.zeros((2, 0, 3), bool))\n"
    "add(np.array([1.5e300, 1e-300])); add(np.array([1e16, 1.0]))\n"
    "add(np.array([0.1, 0.2, 0.30000000000000004])); add(np.array([1e8, 1.0]))\n"
    "add(np.array([99999999.0, 1.0])); add(np.array([2.0**-1074, 1.0]))\n"
    "add(np.float32(2.0)**np.arange(-20, 20, dtype=np.float32))\n"
    "for a in cases:\n"
    "    a = np.ascontiguousarray(a)\n"
    "    s, r = str(a), repr(a)\n"
    "    sys.stdout.write('%s %d %s %s\\n' % (a.dtype.name, a.ndim,\n"
    "        ' '.join(map(str, a.shape)), a.tobytes().hex() or '-'))\n"
    "    sys.stdout.write('%d\\n%s\\n%d\\n%s\\n' % (len(s), s, len(r), r))\n";

static char *next_line(char **p) {
    char *s = *p, *e = strchr(s, '\n');
    if (!e)
        return NULL;
    *e = 0;
    *p = e + 1;
    return s;
}

/* Reads n bytes of text (which may hold newlines) plus the newline. */
static char *next_text(char **p) {
    char *l = next_line(p);
    if (!l)
        return NULL;
    long n = atol(l);
    char *s = *p;
    s[n] = 0;
    *p = s + n + 1;
    return s;
}

/* Print options exercised, as Python keyword arguments and as loom's. */
static const struct {
    const char *py;
    scr_printopts o;
} PRINT_OPTIONS[] = {
    {"", {8, 1000, 3, 75, false, 'm'}},
    {"precision=3, suppress=True", {3, 1000, 3, 75, true, 'm'}},
    {"precision=4, floatmode='fixed'", {4, 1000, 3, 75, false, 'f'}},
    {"floatmode='unique'", {8, 1000, 3, 75, false, 'u'}},
    {"precision=5, floatmode='maxprec_equal'", {5, 1000, 3, 75, false, 'e'}},
    {"linewidth=120, edgeitems=2, threshold=100",
     {8, 100, 2, 120, false, 'm'}},
};

START_TEST(arrays_vs_numpy) {
    if (!have_numpy())
        return;
    char *dir = tmp_dir(), path[512], cmd[1024];
    snprintf(path, sizeof path, "%s/cases.py", dir);
    write_file(path, ARRAY_CASES_PY);
    int fails = 0, total = 0;
    int nopt = (int)(sizeof PRINT_OPTIONS / sizeof PRINT_OPTIONS[0]);
    for (int run = 0; run < nopt + 2; run++) {
        int oi = run < nopt ? run : 0, seed = run < nopt ? 0 : run - nopt + 1;
        const scr_printopts *po = oi ? &PRINT_OPTIONS[oi].o : NULL;
        snprintf(cmd, sizeof cmd, "%s %s %d \"%s\"", PY, path, seed,
                 PRINT_OPTIONS[oi].py);
        int st;
        char *text = capture(cmd, &st);
        ck_assert_int_eq(st, 0);
        char *p = text, *hdr;
        while ((hdr = next_line(&p))) {
            char dt[32], *rest;
            int nd;
            ck_assert_int_eq(sscanf(hdr, "%31s %d", dt, &nd), 2);
            rest = strchr(strchr(hdr, ' ') + 1, ' ');
            loom_shape sh = {nd, {0}};
            for (int i = 0; i < nd; i++)
                sh.dim[i] = strtoll(rest, &rest, 10);
            while (*rest == ' ')
                rest++;
            size_t hl = strcmp(rest, "-") ? strlen(rest) : 0;
            unsigned char *data = scr_xmalloc(hl / 2 + 8);
            for (size_t i = 0; i < hl / 2; i++)
                sscanf(rest + 2 * i, "%2hhx", &data[i]);
            char *want_s = next_text(&p), *want_r = next_text(&p);
            loom_dtype t = loom_dtype_parse(dt);
            for (int r = 0; r < 2; r++) {
                scr_buf b = {0};
                scr_fmt_array(&b, t, &sh, data, r, po);
                const char *want = r ? want_r : want_s;
                total++;
                if (strcmp(b.s, want) != 0) {
                    if (fails < 5)
                        fprintf(stderr, "%s %s (%s) mismatch:\n--- numpy\n%s"
                                        "\n--- loom\n%s\n", dt,
                                r ? "repr" : "str", PRINT_OPTIONS[oi].py,
                                want, b.s);
                    fails++;
                }
                scr_buf_free(&b);
            }
            free(data);
        }
        free(text);
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    free(capture(cmd, NULL));
    free(dir);
    ck_assert_msg(fails == 0, "%d of %d array prints differ from NumPy",
                  fails, total);
}
END_TEST

START_TEST(format_spec_vs_python) {
    static const char *const fspecs[] = {"", ".2f", ".0f", "10.3f", "<10.1f",
                                         "^9.2e", "+.3e", ".3g", "g", "e",
                                         "%", ".1%", "08.2f", ",.2f", ".4",
                                         ".12g", "E", "G", " .3f", "=+10.2f"};
    static const char *const ispecs[] = {"", "5d", "<5", "^7", "05d", "x",
                                         "#x", "X", "b", "o", ",", "_",
                                         "+d", " d", ".2f", "e", "=+8"};
    static const double fv[] = {0.0, -0.0, 3.14159, -2.5, 1e20, 1e-7,
                                123456.789, 0.5, 1.5, 2.5, NAN, INFINITY};
    static const int64_t iv[] = {0, 42, -42, 123456789, 255};
    scr_buf prog = {0}, mine = {0};
    char msg[128];
    for (size_t i = 0; i < sizeof fv / sizeof fv[0]; i++)
        for (size_t k = 0; k < sizeof fspecs / sizeof fspecs[0]; k++) {
            scr_buf r = {0};
            scr_fmt_pyfloat(&r, fv[i]);
            scr_buf_printf(&prog, "print('[' + format(float('%s'), '%s') + "
                                  "']')\n", r.s, fspecs[k]);
            scr_buf_free(&r);
            scr_buf_putc(&mine, '[');
            ck_assert_int_eq(scr_fmt_spec_float(&mine, fv[i], fspecs[k], msg,
                                                sizeof msg), 0);
            scr_buf_puts(&mine, "]\n");
        }
    for (size_t i = 0; i < sizeof iv / sizeof iv[0]; i++)
        for (size_t k = 0; k < sizeof ispecs / sizeof ispecs[0]; k++) {
            scr_buf_printf(&prog, "print('[' + format(%lld, '%s') + ']')\n",
                           (long long)iv[i], ispecs[k]);
            scr_buf_putc(&mine, '[');
            ck_assert_int_eq(scr_fmt_spec_int(&mine, iv[i], ispecs[k], msg,
                                              sizeof msg), 0);
            scr_buf_puts(&mine, "]\n");
        }
    char *want = python(prog.s);
    ck_assert_str_eq(mine.s, want);
    free(want);
    scr_buf_free(&prog);
    scr_buf_free(&mine);
}
END_TEST

/* ------------------------------------------------------------------------
 * The command (when it has been built)
 * ------------------------------------------------------------------------ */

static const char *loom_bin(void) {
    static char path[1024];
    const char *env = getenv("LOOM_BIN");
    snprintf(path, sizeof path, "%s", env ? env : LOOM_BINARY_DIR "/bin/loom");
    return access(path, X_OK) == 0 ? path : NULL;
}

/* Runs `loom ARGS` on a script in a fresh directory; returns stdout+stderr
 * and the exit status. */
static char *run_loom(const char *args, const char *script, int *status) {
    const char *bin = loom_bin();
    char *dir = tmp_dir(), path[512], cmd[2048];
    snprintf(path, sizeof path, "%s/s.py", dir);
    write_file(path, script);
    snprintf(cmd, sizeof cmd, "cd %s && %s %s s.py 2>&1", dir, bin, args);
    char *out = capture(cmd, status);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    free(capture(cmd, NULL));
    free(dir);
    return out;
}

START_TEST(cli_usage) {
    const char *bin = loom_bin();
    if (!bin)
        return;
    char cmd[1200];
    int st;
    snprintf(cmd, sizeof cmd, "%s --version", bin);
    char *out = capture(cmd, &st);
    ck_assert_int_eq(st, 0);
    ck_assert_str_eq(out, "loom " LOOM_VERSION_STRING "\n");
    free(out);
    snprintf(cmd, sizeof cmd, "%s --help", bin);
    out = capture(cmd, &st);
    ck_assert_int_eq(st, 0);
    ck_assert_ptr_nonnull(strstr(out, "loom bench FILE.py"));
    free(out);
    snprintf(cmd, sizeof cmd, "%s frobnicate 2>&1", bin);
    out = capture(cmd, &st);
    ck_assert_int_eq(st, 2);
    free(out);
    snprintf(cmd, sizeof cmd, "%s run /nonexistent/x.py 2>&1", bin);
    out = capture(cmd, &st);
    ck_assert_int_eq(st, 1);
    ck_assert_ptr_nonnull(strstr(out, "cannot read"));
    free(out);
    snprintf(cmd, sizeof cmd, "%s dump --stage nosuchstage x.py 2>&1", bin);
    out = capture(cmd, &st);
    ck_assert_int_eq(st, 2);
    free(out);
}
END_TEST

START_TEST(cli_script_errors) {
    if (!loom_bin())
        return;
    static const struct {
        const char *args, *src, *want;
    } cases[] = {
        {"run", "import numpy as np\nx = 1\nwhile x < 3:\n    x += 1\n",
         "s.py:3:1: 'while' is not supported by loom scripts\n"},
        {"dump", "import numpy as np\nx = 1\nwhile x < 3:\n    x += 1\n",
         "s.py:3:1: 'while' is not supported by loom scripts\n"},
        {"bench", "import numpy as np\nx = (1,\n",
         "s.py:2:5: '(' was never closed\n"},
        {"run", "import numpy as np\nx = np.zeros(3)\ny = np.sum(x, foo=1)\n",
         "s.py:3:5: TypeError: sum() got an unexpected keyword argument "
         "'foo'\n"},
        {"run", "import numpy as np\ny = np.zeros()\n",
         "s.py:2:5: TypeError: zeros() missing 1 required positional "
         "argument: 'shape'\n"},
        {"run", "import numpy as np\ny = nope + 1\n",
         "s.py:2:5: NameError: name 'nope' is not defined\n"},
        {"run", "import numpy as np\nx = np.frobnicate(1)\n",
         "s.py:2:8: module 'numpy' has no attribute 'frobnicate' (not "
         "supported by loom scripts)\n"},
        {"run", "import numpy as np\nx = 1 // 0\n",
         "s.py:2:7: ZeroDivisionError: integer division or modulo by "
         "zero\n"},
        {"run", "import numpy as np\nx = np.ones((2, 3)) + np.ones(4)\n",
         "s.py:2:21: ValueError: add: operands could not be broadcast "
         "together with shapes (2,3) (4,)\n"},
        {"run", "import numpy as np\na, b = 1, 2, 3\n",
         "s.py:2:1: ValueError: too many values to unpack (expected 2)\n"},
        {"run", "import numpy as np\nassert 1 + 1 == 3, 'math'\n",
         "s.py:2:1: AssertionError: math\n"},
        {"run", "x = np.ones(3)\n",
         "s.py:1:5: NameError: name 'np' is not defined (add 'import numpy "
         "as np')\n"},
        {"run", "import numpy as np\nk = np.lexsort([])\n",
         "s.py:2:5: TypeError: need sequence of keys with len > 0 in "
         "lexsort\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int st;
        char *out = run_loom(cases[i].args, cases[i].src, &st);
        ck_assert_msg(st == 1, "case %zu: exit %d", i, st);
        ck_assert_msg(strcmp(out, cases[i].want) == 0,
                      "case %zu:\n got: %s\nwant: %s", i, out, cases[i].want);
        free(out);
    }
}
END_TEST

/* Scripts that never evaluate an array print exactly what Python does. */
START_TEST(cli_python_output) {
    if (!loom_bin())
        return;
    static const char SRC[] =
        "import numpy as np\n"
        "print(3 // 2, 7 % -3, 2 ** 10, 1 / 3, -7 // 2, 2 ** -1, True + 1)\n"
        "print('hello', (1, 2), [1.5, None], (3,), 1e16, 1e-5, 0.1 + 0.2)\n"
        "print(f'{3.14159:.2f} {42:5d} {\"ab\":>4}|', '%5.2f|%d' % (2.5, 7))\n"
        "print('{} {:.1e} {!r}'.format(1, 12345.678, 'q'))\n"
        "s = 0\n"
        "for i in range(10):\n"
        "    s += i * i\n"
        "print(s, [k * 2 for k in range(4)], list(range(2, 9, 3)))\n"
        "a, b = 1, 2\n"
        "a, b = b, a\n"
        "print(a, b, max(3, 7.5, 2), min([4, -1]), abs(-3), round(2.5),\n"
        "      round(3.14159, 2), len((1, 2, 3)), sum([1, 2, 3]))\n"
        "x = np.zeros((4, 5), dtype=np.float32)\n"
        "print(x.shape, x.shape[1], x.ndim, x.size, x.dtype, len(x))\n"
        "print(x.T.shape, x[1:, ::2].shape, x[None, :, 0].shape)\n"
        "print(np.float32, np.pi, np.inf, -np.inf, np.nan)\n"
        "print(x.dtype == np.float32, x.dtype == 'float32', x.shape == (4, 5))\n"
        "t = (1, 2) + (3,)\n"
        "print(t, t[::-1], t[1:], 'ab' * 3, [0] * 3, 3 in t, 9 not in t)\n"
        "print(1 < 2 < 3, 1 < 2 > 3, not 0, 0 or 'x', 1 and 2)\n"
        "print(int(3.9), int(-3.9), float(7), bool(0), str(1.0), repr('a'))\n"
        "print(divmod(7, -2), pow(2, 5), sorted([3, 1, 2]), 2.5 % 1)\n"
        "for i, v in enumerate(['a', 'b']):\n"
        "    print(i, v, sep='-', end=';')\n"
        "print()\n"
        "print(*zip([1, 2], 'xy'))\n"
        "print(slice(3), slice(1, None), slice(1, 5, 2), np.s_[1:3, ::2],\n"
        "      np.index_exp[2], np.s_[4])\n"
        "print(np.einsum_path('ij,jk,kl->il', x, x.T, x)[0])\n";
    char *want = python(SRC);
    int st;
    char *out = run_loom("run", SRC, &st);
    ck_assert_int_eq(st, 0);
    ck_assert_str_eq(out, want);
    free(out);
    free(want);
}
END_TEST

/* np.save writes what NumPy writes (for arithmetic that is exact), and the
 * arrays print the same. */
START_TEST(cli_save_and_print) {
    if (!loom_bin() || !have_numpy())
        return;
    static const char SRC[] =
        "import numpy as np\n"
        "x = np.arange(12, dtype=np.float64).reshape(3, 4)\n"
        "y = x * 2 + 1\n"
        "z = (y - 0.5).astype(np.float32)\n"
        "i = np.arange(7) * 3 - 4\n"
        "np.save('y.npy', y)\n"
        "np.save('z', z)\n"
        "np.save('i.npy', i)\n"
        "np.save('b.npy', i > 0)\n"
        "print(y, z.dtype, i, i > 0)\n";
    char *dir = tmp_dir(), path[512], cmd[2048];
    snprintf(cmd, sizeof cmd, "mkdir %s/py %s/lm", dir, dir);
    free(capture(cmd, NULL));
    snprintf(path, sizeof path, "%s/s.py", dir);
    write_file(path, SRC);
    int st;
    snprintf(cmd, sizeof cmd, "cd %s/py && %s ../s.py", dir, PY);
    char *want = capture(cmd, &st);
    ck_assert_int_eq(st, 0);
    snprintf(cmd, sizeof cmd, "cd %s/lm && %s run ../s.py", dir, loom_bin());
    char *got = capture(cmd, &st);
    ck_assert_int_eq(st, 0);
    ck_assert_str_eq(got, want);
    snprintf(cmd, sizeof cmd,
             "cd %s && %s -c \"import numpy as np\n"
             "for n in ['y', 'z', 'i', 'b']:\n"
             "    a, b = np.load('py/%%s.npy' %% n), np.load('lm/%%s.npy' %% n)\n"
             "    assert a.dtype == b.dtype and a.shape == b.shape, n\n"
             "    assert (a == b).all(), n\n"
             "print('ok')\"", dir, PY);
    char *ok = capture(cmd, &st);
    ck_assert_int_eq(st, 0);
    ck_assert_str_eq(ok, "ok\n");
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    free(capture(cmd, NULL));
    free(dir);
    free(want);
    free(got);
    free(ok);
}
END_TEST

START_TEST(cli_bench_and_dump) {
    if (!loom_bin())
        return;
    static const char SRC[] = "import numpy as np\n"
                              "x = np.arange(1000.0)\n"
                              "y = np.exp(-x / 100).sum()\n"
                              "print(y)\n"
                              "for i in range(2):\n"
                              "    print(float((x * i).max()))\n";
    int st;
    char *out = run_loom("bench --repeat 2 --json", SRC, &st);
    ck_assert_int_eq(st, 0);
    /* one JSON object per evaluation point: lines 4 and 6 */
    ck_assert_ptr_nonnull(strstr(out, "{\"name\": \"s.py:4\""));
    ck_assert_ptr_nonnull(strstr(out, "{\"name\": \"s.py:6\""));
    const char *fields[] = {"\"fused_ms\": ", "\"eager_ms\": ",
                            "\"compile_ms\": ", "\"kernels\": "};
    for (int i = 0; i < 4; i++)
        ck_assert_ptr_nonnull(strstr(out, fields[i]));
    for (char *p = out; *p; p = strchr(p, '\n') + 1)
        ck_assert_msg(*p == '{', "not a JSON line: %s", p);
    ck_assert_ptr_null(strstr(out, "999.0")); /* print() is silent */
    free(out);
    out = run_loom("bench --repeat 1", SRC, &st);
    ck_assert_int_eq(st, 0);
    ck_assert_ptr_nonnull(strstr(out, "fused ms"));
    ck_assert_ptr_nonnull(strstr(out, "s.py:6"));
    free(out);
    out = run_loom("dump --stage stats", SRC, &st);
    ck_assert_int_eq(st, 0);
    ck_assert_ptr_nonnull(strstr(out, "999.0")); /* the script's output */
    free(out);
    out = run_loom("dump --stage graph --dot g.dot", SRC, &st);
    ck_assert_int_eq(st, 0);
    free(out);
}
END_TEST

static Suite *script_suite(void) {
    Suite *s = suite_create("script");
    TCase *t = tcase_create("frontend");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, lex_basic);
    tcase_add_test(t, lex_indentation);
    tcase_add_test(t, lex_errors);
    tcase_add_test(t, parse_precedence);
    tcase_add_test(t, parse_postfix);
    tcase_add_test(t, parse_statements);
    tcase_add_test(t, parse_errors);
    tcase_add_test(t, pyscalar_vs_python);
    tcase_add_test(t, pyfloat_repr_vs_python);
    tcase_add_test(t, npscalar_vs_numpy);
    tcase_add_test(t, arrays_vs_numpy);
    tcase_add_test(t, format_spec_vs_python);
    tcase_add_test(t, cli_usage);
    tcase_add_test(t, cli_script_errors);
    tcase_add_test(t, cli_python_output);
    tcase_add_test(t, cli_save_and_print);
    tcase_add_test(t, cli_bench_and_dump);
    suite_add_tcase(s, t);
    return s;
}

int main(void) {
    SRunner *r = srunner_create(script_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
