/*
 * parse.c -- recursive-descent parser of loom scripts into an AST.
 *
 * The grammar is Python's, cut down to what SCRIPT.md lists: assignments
 * (chained, tuple targets, augmented), expression statements, `for` over
 * an iterable with an indented body, `import numpy [as np]`, `pass`, and
 * expressions with Python's precedence.  Python statements that loom does
 * not run are recognized and refused with a message naming them, so users
 * learn what is missing rather than get "invalid syntax".
 */
#include "tools/script.h"

#include <stdlib.h>
#include <string.h>

/* ---- arena ---- */

typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char mem[];
} chunk;

static void *arena_alloc(void **arena, size_t n) {
    n = (n + 15) & ~(size_t)15;
    chunk *c = *arena;
    if (!c || c->used + n > c->cap) {
        size_t cap = n > 65536 ? n : 65536;
        chunk *nc = scr_xmalloc(sizeof(chunk) + cap);
        nc->next = c;
        nc->used = 0;
        nc->cap = cap;
        *arena = c = nc;
    }
    void *p = c->mem + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

void scr_ast_free(scr_ast *ast) {
    chunk *c = ast->arena;
    while (c) {
        chunk *n = c->next;
        free(c);
        c = n;
    }
    ast->arena = NULL;
    ast->root = NULL;
}

/* ---- parser state ---- */

typedef struct parser {
    scr_tokens toks;
    int pos;
    void *arena;
    scr_error *err;
    bool failed;
    const char *src;
    int depth; /* nesting of expressions, bounded to keep the C stack */
} parser;

/* Nesting allowed in one expression (Python's own limit is similar). */
enum { MAX_NESTING = 1000 };

static const char *const KEYWORDS[] = {
    "False", "None", "True", "and", "as", "assert", "async", "await",
    "break", "class", "continue", "def", "del", "elif", "else", "except",
    "finally", "for", "from", "global", "if", "import", "in", "is",
    "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try",
    "while", "with", "yield", NULL};

static bool is_keyword(const char *s) {
    for (int i = 0; KEYWORDS[i]; i++)
        if (strcmp(s, KEYWORDS[i]) == 0)
            return true;
    return false;
}

static scr_token *peek(parser *P) { return &P->toks.v[P->pos]; }
static scr_token *peek2(parser *P) {
    return P->pos + 1 < P->toks.n ? &P->toks.v[P->pos + 1] : peek(P);
}
static scr_token *next(parser *P) {
    scr_token *t = &P->toks.v[P->pos];
    if (t->kind != SCR_T_EOF)
        P->pos++;
    return t;
}

static bool is_op(const scr_token *t, const char *op) {
    return t->kind == SCR_T_OP && strcmp(t->op, op) == 0;
}
static bool is_kw(const scr_token *t, const char *kw) {
    return t->kind == SCR_T_NAME && strcmp(t->text, kw) == 0;
}

static scr_node *fail_at(parser *P, const scr_token *t, const char *fmt,
                         const char *arg) {
    if (!P->failed) {
        scr_error_set(P->err, t->line, t->col, fmt, arg);
        P->failed = true;
    }
    return NULL;
}

/* "invalid syntax" with a hint for the common token kinds. */
static scr_node *syntax_error(parser *P, const scr_token *t) {
    if (t->kind == SCR_T_INDENT)
        return fail_at(P, t, "unexpected indent%s", "");
    if (t->kind == SCR_T_DEDENT)
        return fail_at(P, t, "unexpected unindent%s", "");
    if (t->kind == SCR_T_EOF || t->kind == SCR_T_NEWLINE)
        return fail_at(P, t, "invalid syntax: unexpected end of line%s", "");
    return fail_at(P, t, "invalid syntax%s", "");
}

static bool expect_op(parser *P, const char *op) {
    scr_token *t = peek(P);
    if (is_op(t, op)) {
        next(P);
        return true;
    }
    if (t->kind == SCR_T_NEWLINE || t->kind == SCR_T_EOF)
        fail_at(P, t, "expected '%s'", op);
    else
        fail_at(P, t, "invalid syntax: expected '%s'", op);
    return false;
}

static scr_node *mk(parser *P, scr_node_kind k, const scr_token *at) {
    scr_node *n = arena_alloc(&P->arena, sizeof *n);
    n->kind = k;
    n->line = at->line;
    n->col = at->col;
    return n;
}

/* A growable list of children, copied into the arena when done. */
typedef struct kidlist {
    scr_node **v;
    int n, cap;
} kidlist;

static void kl_push(kidlist *l, scr_node *n) {
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 8;
        l->v = scr_xrealloc(l->v, (size_t)l->cap * sizeof *l->v);
    }
    l->v[l->n++] = n;
}

static void kl_move(parser *P, kidlist *l, scr_node *to) {
    to->nkids = l->n;
    to->kids = arena_alloc(&P->arena, (size_t)(l->n ? l->n : 1) *
                                          sizeof(scr_node *));
    if (l->n)
        memcpy(to->kids, l->v, (size_t)l->n * sizeof(scr_node *));
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

static scr_node *mk1(parser *P, scr_node_kind k, const scr_token *at,
                     scr_node *a) {
    scr_node *n = mk(P, k, at);
    n->kids = arena_alloc(&P->arena, sizeof(scr_node *));
    n->kids[0] = a;
    n->nkids = 1;
    return n;
}

static scr_node *mk2(parser *P, scr_node_kind k, const scr_token *at,
                     scr_node *a, scr_node *b) {
    scr_node *n = mk(P, k, at);
    n->kids = arena_alloc(&P->arena, 2 * sizeof(scr_node *));
    n->kids[0] = a;
    n->kids[1] = b;
    n->nkids = 2;
    return n;
}

static char *arena_strndup(parser *P, const char *s, size_t n) {
    char *d = arena_alloc(&P->arena, n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

/* ---- expressions ---- */

static scr_node *p_expr(parser *P);
static scr_node *p_or(parser *P);
static scr_node *p_factor(parser *P);
static scr_node *p_exprlist(parser *P, bool allow_star);
static scr_node *p_binary(parser *P, int level);
static scr_node *p_targets(parser *P);

static const char *const REFUSED_EXPR_KW[] = {"lambda", "yield", "await",
                                               NULL};

/* Refuses a keyword that starts an unsupported construct. */
static scr_node *refuse_kw(parser *P, const scr_token *t) {
    return fail_at(P, t, "'%s' is not supported by loom scripts", t->text);
}

static scr_node *p_fstring(parser *P, const scr_token *t);

/* atom: names, literals, parenthesized forms, lists, ... */
static scr_node *p_atom(parser *P) {
    scr_token *t = peek(P);
    switch (t->kind) {
    case SCR_T_INT: {
        next(P);
        scr_node *n = mk(P, SCR_N_INT, t);
        n->ival = t->ival;
        return n;
    }
    case SCR_T_FLOAT: {
        next(P);
        scr_node *n = mk(P, SCR_N_FLOAT, t);
        n->fval = t->fval;
        return n;
    }
    case SCR_T_STRING:
    case SCR_T_FSTRING: {
        /* adjacent literals concatenate; any f-part makes an f-string */
        kidlist parts = {0};
        bool any_f = false;
        scr_buf joined = {0};
        while (peek(P)->kind == SCR_T_STRING ||
               peek(P)->kind == SCR_T_FSTRING) {
            scr_token *s = next(P);
            if (s->kind == SCR_T_FSTRING) {
                any_f = true;
                scr_node *f = p_fstring(P, s);
                if (!f) {
                    free(parts.v);
                    scr_buf_free(&joined);
                    return NULL;
                }
                for (int k = 0; k < f->nkids; k++)
                    kl_push(&parts, f->kids[k]);
            } else {
                scr_node *s1 = mk(P, SCR_N_STR, s);
                s1->str = arena_strndup(P, s->text, s->len);
                s1->len = s->len;
                kl_push(&parts, s1);
                scr_buf_putn(&joined, s->text, s->len);
            }
        }
        scr_node *n;
        if (any_f) {
            n = mk(P, SCR_N_FSTR, t);
            kl_move(P, &parts, n);
        } else {
            free(parts.v);
            n = mk(P, SCR_N_STR, t);
            n->str = arena_strndup(P, joined.s ? joined.s : "", joined.n);
            n->len = joined.n;
        }
        scr_buf_free(&joined);
        return n;
    }
    case SCR_T_NAME: {
        if (is_kw(t, "True") || is_kw(t, "False") || is_kw(t, "None")) {
            next(P);
            return mk(P, t->text[0] == 'T' ? SCR_N_TRUE
                         : t->text[0] == 'F' ? SCR_N_FALSE
                                             : SCR_N_NONE, t);
        }
        for (int k = 0; REFUSED_EXPR_KW[k]; k++)
            if (is_kw(t, REFUSED_EXPR_KW[k]))
                return refuse_kw(P, t);
        if (is_keyword(t->text))
            return syntax_error(P, t);
        next(P);
        scr_node *n = mk(P, SCR_N_NAME, t);
        n->str = arena_strndup(P, t->text, t->len);
        return n;
    }
    case SCR_T_OP:
        break;
    default:
        return syntax_error(P, t);
    }
    if (is_op(t, "...")) {
        next(P);
        return mk(P, SCR_N_ELLIPSIS, t);
    }
    if (is_op(t, "(")) {
        next(P);
        if (is_op(peek(P), ")")) {
            next(P);
            scr_node *n = mk(P, SCR_N_TUPLE, t);
            kidlist l = {0};
            kl_move(P, &l, n);
            return n;
        }
        scr_node *first = p_expr(P);
        if (!first)
            return NULL;
        if (is_kw(peek(P), "for"))
            return fail_at(P, peek(P), "generator expressions are not "
                                       "supported by loom scripts; use a "
                                       "list comprehension%s", "");
        if (is_op(peek(P), ")")) {
            next(P);
            return first; /* parenthesized expression */
        }
        kidlist l = {0};
        kl_push(&l, first);
        while (is_op(peek(P), ",")) {
            next(P);
            if (is_op(peek(P), ")"))
                break;
            scr_node *e = p_expr(P);
            if (!e) {
                free(l.v);
                return NULL;
            }
            kl_push(&l, e);
        }
        if (!expect_op(P, ")")) {
            free(l.v);
            return NULL;
        }
        scr_node *n = mk(P, SCR_N_TUPLE, t);
        kl_move(P, &l, n);
        return n;
    }
    if (is_op(t, "[")) {
        next(P);
        kidlist l = {0};
        if (!is_op(peek(P), "]")) {
            scr_node *first = p_expr(P);
            if (!first)
                return NULL;
            if (is_kw(peek(P), "for")) {
                scr_token *ft = next(P);
                scr_node *target = p_targets(P);
                if (!target)
                    return NULL;
                if (!is_kw(peek(P), "in"))
                    return fail_at(P, peek(P), "invalid syntax: expected "
                                               "'in'%s", "");
                next(P);
                scr_node *iter = p_or(P);
                if (!iter)
                    return NULL;
                if (is_kw(peek(P), "if") || is_kw(peek(P), "for"))
                    return fail_at(P, peek(P), "'%s' inside a list "
                                               "comprehension is not "
                                               "supported by loom scripts",
                                   peek(P)->text);
                if (!expect_op(P, "]"))
                    return NULL;
                scr_node *n = mk(P, SCR_N_LISTCOMP, t);
                kl_push(&l, first);
                kl_push(&l, target);
                kl_push(&l, iter);
                kl_move(P, &l, n);
                (void)ft;
                return n;
            }
            kl_push(&l, first);
            while (is_op(peek(P), ",")) {
                next(P);
                if (is_op(peek(P), "]"))
                    break;
                scr_node *e = p_expr(P);
                if (!e) {
                    free(l.v);
                    return NULL;
                }
                kl_push(&l, e);
            }
        }
        if (!expect_op(P, "]")) {
            free(l.v);
            return NULL;
        }
        scr_node *n = mk(P, SCR_N_LIST, t);
        kl_move(P, &l, n);
        return n;
    }
    if (is_op(t, "{"))
        return fail_at(P, t, "dict and set literals are not supported by "
                             "loom scripts%s", "");
    return syntax_error(P, t);
}

/* One subscript item: an expression or a slice a:b:c. */
static scr_node *p_subscript_item(parser *P) {
    scr_token *t = peek(P);
    scr_node *parts[3] = {NULL, NULL, NULL};
    if (!is_op(t, ":")) {
        parts[0] = p_expr(P);
        if (!parts[0])
            return NULL;
        if (!is_op(peek(P), ":"))
            return parts[0];
    }
    next(P); /* ':' */
    if (!is_op(peek(P), ":") && !is_op(peek(P), ",") && !is_op(peek(P), "]")) {
        parts[1] = p_expr(P);
        if (!parts[1])
            return NULL;
    }
    if (is_op(peek(P), ":")) {
        next(P);
        if (!is_op(peek(P), ",") && !is_op(peek(P), "]")) {
            parts[2] = p_expr(P);
            if (!parts[2])
                return NULL;
        }
    }
    scr_node *n = mk(P, SCR_N_SLICE, t);
    n->kids = arena_alloc(&P->arena, 3 * sizeof(scr_node *));
    memcpy(n->kids, parts, sizeof parts);
    n->nkids = 3;
    return n;
}

/* Call arguments after '(' up to and including ')'. */
static bool p_call_args(parser *P, kidlist *l) {
    while (!is_op(peek(P), ")")) {
        scr_token *t = peek(P);
        if (is_op(t, "*") || is_op(t, "**")) {
            if (is_op(t, "**"))
                return fail_at(P, t, "'**' argument unpacking is not "
                                     "supported by loom scripts%s", ""),
                       false;
            next(P);
            scr_node *e = p_expr(P);
            if (!e)
                return false;
            kl_push(l, mk1(P, SCR_N_STARARG, t, e));
        } else if (t->kind == SCR_T_NAME && is_op(peek2(P), "=")) {
            if (is_keyword(t->text))
                return syntax_error(P, t), false;
            next(P);
            next(P);
            scr_node *e = p_expr(P);
            if (!e)
                return false;
            scr_node *kw = mk1(P, SCR_N_KWARG, t, e);
            kw->str = arena_strndup(P, t->text, t->len);
            kl_push(l, kw);
        } else {
            scr_node *e = p_expr(P);
            if (!e)
                return false;
            if (is_kw(peek(P), "for"))
                return fail_at(P, peek(P), "generator expressions are not "
                                           "supported by loom scripts; use "
                                           "a list comprehension%s", ""),
                       false;
            for (int k = 0; k < l->n; k++)
                if (l->v[k]->kind == SCR_N_KWARG)
                    return fail_at(P, t, "positional argument follows "
                                         "keyword argument%s", ""),
                           false;
            kl_push(l, e);
        }
        if (!is_op(peek(P), ","))
            break;
        next(P);
    }
    return expect_op(P, ")");
}

/* primary: atom followed by .name, (args) and [index] trailers.  Calls
 * are positioned where their callee expression starts. */
static scr_node *p_primary(parser *P) {
    scr_token *start = peek(P);
    int sline = start->line, scol = start->col;
    scr_node *n = p_atom(P);
    while (n) {
        scr_token *t = peek(P);
        if (is_op(t, ".")) {
            next(P);
            scr_token *name = peek(P);
            if (name->kind != SCR_T_NAME || is_keyword(name->text))
                return syntax_error(P, name);
            next(P);
            scr_node *a = mk1(P, SCR_N_ATTR, name, n);
            a->str = arena_strndup(P, name->text, name->len);
            n = a;
        } else if (is_op(t, "(")) {
            next(P);
            kidlist l = {0};
            kl_push(&l, n);
            if (!p_call_args(P, &l)) {
                free(l.v);
                return NULL;
            }
            scr_node *c = mk(P, SCR_N_CALL, t);
            c->line = sline;
            c->col = scol;
            kl_move(P, &l, c);
            n = c;
        } else if (is_op(t, "[")) {
            next(P);
            kidlist l = {0};
            bool comma = false;
            while (!is_op(peek(P), "]")) {
                scr_node *it = p_subscript_item(P);
                if (!it) {
                    free(l.v);
                    return NULL;
                }
                kl_push(&l, it);
                if (!is_op(peek(P), ","))
                    break;
                comma = true;
                next(P);
            }
            if (l.n == 0) {
                free(l.v);
                return syntax_error(P, peek(P));
            }
            if (!expect_op(P, "]")) {
                free(l.v);
                return NULL;
            }
            scr_node *idx;
            if (l.n == 1 && !comma) {
                idx = l.v[0];
                free(l.v);
            } else {
                idx = mk(P, SCR_N_TUPLE, t);
                kl_move(P, &l, idx);
            }
            n = mk2(P, SCR_N_SUBSCRIPT, t, n, idx);
            n->line = sline;
            n->col = scol;
        } else {
            break;
        }
    }
    return n;
}

/* power: primary ['**' factor] (right-associative, binds tighter than a
 * unary minus on its left). */
static scr_node *p_power(parser *P) {
    scr_node *a = p_primary(P);
    if (!a)
        return NULL;
    if (is_op(peek(P), "**")) {
        scr_token *t = next(P);
        scr_node *b = p_factor(P);
        if (!b)
            return NULL;
        scr_node *n = mk2(P, SCR_N_BINOP, t, a, b);
        n->op = SCR_OP_POW;
        return n;
    }
    return a;
}

static scr_node *p_factor(parser *P) {
    scr_token *t = peek(P);
    int op = is_op(t, "-") ? SCR_OP_NEG : is_op(t, "+") ? SCR_OP_POS
           : is_op(t, "~") ? SCR_OP_INVERT : -1;
    if (op < 0)
        return p_power(P);
    next(P);
    if (++P->depth > MAX_NESTING)
        return fail_at(P, t, "expression too deeply nested%s", "");
    scr_node *a = p_factor(P);
    P->depth--;
    if (!a)
        return NULL;
    scr_node *n = mk1(P, SCR_N_UNARY, t, a);
    n->op = op;
    return n;
}

typedef struct binlevel {
    const char *ops[6];
    int codes[6];
} binlevel;

static const binlevel LEVELS[] = {
    {{"|"}, {SCR_OP_OR}},
    {{"^"}, {SCR_OP_XOR}},
    {{"&"}, {SCR_OP_AND}},
    {{"<<", ">>"}, {SCR_OP_LSHIFT, SCR_OP_RSHIFT}},
    {{"+", "-"}, {SCR_OP_ADD, SCR_OP_SUB}},
    {{"*", "/", "//", "%", "@"},
     {SCR_OP_MUL, SCR_OP_DIV, SCR_OP_FLOORDIV, SCR_OP_MOD, SCR_OP_MATMUL}},
};
#define NLEVELS ((int)(sizeof LEVELS / sizeof LEVELS[0]))

/* Left-associative binary operators, level by level. */
static scr_node *p_binary(parser *P, int level) {
    if (level == NLEVELS)
        return p_factor(P);
    scr_node *a = p_binary(P, level + 1);
    int chain = 0;
    while (a) {
        if (++chain + P->depth > MAX_NESTING)
            return fail_at(P, peek(P), "expression too deeply nested%s", "");
        scr_token *t = peek(P);
        int code = -1;
        for (int k = 0; k < 6 && LEVELS[level].ops[k]; k++)
            if (is_op(t, LEVELS[level].ops[k]))
                code = LEVELS[level].codes[k];
        if (code < 0)
            break;
        next(P);
        scr_node *b = p_binary(P, level + 1);
        if (!b)
            return NULL;
        a = mk2(P, SCR_N_BINOP, t, a, b);
        a->op = code;
    }
    return a;
}

/* A comparison operator at the cursor, consumed; -1 if none. */
static int p_cmpop(parser *P) {
    scr_token *t = peek(P);
    static const char *const ops[] = {"<", "<=", ">", ">=", "==", "!="};
    static const int codes[] = {SCR_OP_LT, SCR_OP_LE, SCR_OP_GT,
                                SCR_OP_GE, SCR_OP_EQ, SCR_OP_NE};
    for (int k = 0; k < 6; k++)
        if (is_op(t, ops[k])) {
            next(P);
            return codes[k];
        }
    if (is_kw(t, "in")) {
        next(P);
        return SCR_OP_IN;
    }
    if (is_kw(t, "not") && is_kw(peek2(P), "in")) {
        next(P);
        next(P);
        return SCR_OP_NOTIN;
    }
    if (is_kw(t, "is")) {
        next(P);
        if (is_kw(peek(P), "not")) {
            next(P);
            return SCR_OP_ISNOT;
        }
        return SCR_OP_IS;
    }
    return -1;
}

static scr_node *p_comparison(parser *P) {
    scr_node *a = p_binary(P, 0);
    if (!a)
        return NULL;
    scr_token *t = peek(P);
    int op = p_cmpop(P);
    if (op < 0)
        return a;
    kidlist l = {0};
    int ops[64], nops = 0;
    kl_push(&l, a);
    while (op >= 0) {
        if (nops == 64) {
            free(l.v);
            return fail_at(P, t, "comparison chain too long%s", "");
        }
        ops[nops++] = op;
        scr_node *b = p_binary(P, 0);
        if (!b) {
            free(l.v);
            return NULL;
        }
        kl_push(&l, b);
        op = p_cmpop(P);
    }
    scr_node *n = mk(P, SCR_N_COMPARE, t);
    n->cmpops = arena_alloc(&P->arena, (size_t)nops * sizeof(int));
    memcpy(n->cmpops, ops, (size_t)nops * sizeof(int));
    kl_move(P, &l, n);
    return n;
}

static scr_node *p_not(parser *P) {
    scr_token *t = peek(P);
    if (is_kw(t, "not")) {
        next(P);
        scr_node *a = p_not(P);
        return a ? mk1(P, SCR_N_NOT, t, a) : NULL;
    }
    return p_comparison(P);
}

static scr_node *p_and(parser *P) {
    scr_node *a = p_not(P);
    while (a && is_kw(peek(P), "and")) {
        scr_token *t = next(P);
        scr_node *b = p_not(P);
        if (!b)
            return NULL;
        a = mk2(P, SCR_N_AND, t, a, b);
    }
    return a;
}

static scr_node *p_or(parser *P) {
    scr_node *a = p_and(P);
    while (a && is_kw(peek(P), "or")) {
        scr_token *t = next(P);
        scr_node *b = p_and(P);
        if (!b)
            return NULL;
        a = mk2(P, SCR_N_OR, t, a, b);
    }
    return a;
}

static scr_node *p_expr_inner(parser *P);

/* expression: disjunction ['if' disjunction 'else' expression] */
static scr_node *p_expr(parser *P) {
    if (++P->depth > MAX_NESTING) {
        P->depth--;
        return fail_at(P, peek(P), "expression too deeply nested%s", "");
    }
    scr_node *n = p_expr_inner(P);
    P->depth--;
    return n;
}

static scr_node *p_expr_inner(parser *P) {
    scr_node *a = p_or(P);
    if (!a || !is_kw(peek(P), "if"))
        return a;
    scr_token *t = next(P);
    scr_node *test = p_or(P);
    if (!test)
        return NULL;
    if (!is_kw(peek(P), "else"))
        return fail_at(P, peek(P), "invalid syntax: expected 'else'%s", "");
    next(P);
    scr_node *orelse = p_expr(P);
    if (!orelse)
        return NULL;
    scr_node *n = mk(P, SCR_N_IFEXP, t);
    n->kids = arena_alloc(&P->arena, 3 * sizeof(scr_node *));
    n->kids[0] = a;
    n->kids[1] = test;
    n->kids[2] = orelse;
    n->nkids = 3;
    return n;
}

static bool ends_exprlist(const scr_token *t) {
    return t->kind == SCR_T_NEWLINE || t->kind == SCR_T_EOF ||
           is_op(t, "=") || is_op(t, ";") || is_op(t, ":") ||
           is_op(t, ")") || is_kw(t, "in") ||
           (t->kind == SCR_T_OP && t->op[1] == '=' && t->op[0] != '=' &&
            t->op[0] != '!' && t->op[0] != '<' && t->op[0] != '>') ||
           (t->kind == SCR_T_OP && strlen(t->op) == 3 && t->op[2] == '=');
}

/* Comma-separated expressions; a tuple when there is a comma.  allow_star
 * takes `*rest` items (refused later with a message). */
static scr_node *p_exprlist(parser *P, bool allow_star) {
    scr_token *t = peek(P);
    kidlist l = {0};
    bool comma = false;
    for (;;) {
        scr_node *e;
        if (is_op(peek(P), "*")) {
            scr_token *st = next(P);
            if (!allow_star) {
                free(l.v);
                return syntax_error(P, st);
            }
            e = p_binary(P, 0);
            if (e)
                e = mk1(P, SCR_N_STARARG, st, e);
        } else {
            e = p_expr(P);
        }
        if (!e) {
            free(l.v);
            return NULL;
        }
        kl_push(&l, e);
        if (!is_op(peek(P), ","))
            break;
        next(P);
        comma = true;
        if (ends_exprlist(peek(P)))
            break;
    }
    if (l.n == 1 && !comma) {
        scr_node *e = l.v[0];
        free(l.v);
        return e;
    }
    scr_node *n = mk(P, SCR_N_TUPLE, t);
    kl_move(P, &l, n);
    return n;
}

/* Loop targets: comma-separated items at the level of '|' (no
 * comparisons, so that `for i in ...` stops before 'in'). */
static scr_node *p_targets(parser *P) {
    scr_token *t = peek(P);
    kidlist l = {0};
    bool comma = false;
    for (;;) {
        scr_node *e = p_binary(P, 0);
        if (!e) {
            free(l.v);
            return NULL;
        }
        kl_push(&l, e);
        if (!is_op(peek(P), ","))
            break;
        next(P);
        comma = true;
        if (is_kw(peek(P), "in"))
            break;
    }
    if (l.n == 1 && !comma) {
        scr_node *e = l.v[0];
        free(l.v);
        return e;
    }
    scr_node *n = mk(P, SCR_N_TUPLE, t);
    kl_move(P, &l, n);
    return n;
}

/* ---- f-strings ---- */

/* Gives every node of a sub-parsed f-string expression the position of
 * the f-string literal. */
static void relocate(scr_node *n, int line, int col) {
    if (!n)
        return;
    n->line = line;
    n->col = col;
    for (int i = 0; i < n->nkids; i++)
        relocate(n->kids[i], line, col);
}

/* Splits an f-string body into STR parts and FORMAT parts; each {expr}
 * is parsed by a sub-parser over the expression text. */
static scr_node *p_fstring(parser *P, const scr_token *t) {
    const char *s = t->text;
    size_t n = t->len, i = 0;
    kidlist parts = {0};
    scr_buf lit = {0};
    while (i <= n) {
        if (i == n || s[i] == '{' || s[i] == '}') {
            if (i < n && s[i + 1] == s[i] && i + 1 < n) {
                scr_buf_putc(&lit, s[i]);
                i += 2;
                continue;
            }
            if (lit.n) {
                scr_node *ln = mk(P, SCR_N_STR, t);
                ln->str = arena_strndup(P, lit.s, lit.n);
                ln->len = lit.n;
                kl_push(&parts, ln);
                lit.n = 0;
            }
            if (i == n)
                break;
            if (s[i] == '}') {
                free(parts.v);
                scr_buf_free(&lit);
                return fail_at(P, t, "f-string: single '}' is not "
                                     "allowed%s", "");
            }
            /* find the end of the replacement field */
            size_t st = ++i;
            int depth = 0;
            char quote = 0;
            size_t conv_at = 0, spec_at = 0;
            for (; i < n; i++) {
                char c = s[i];
                if (quote) {
                    if (c == quote)
                        quote = 0;
                    continue;
                }
                if (c == '\'' || c == '"')
                    quote = c;
                else if (c == '(' || c == '[' || c == '{')
                    depth++;
                else if ((c == ')' || c == ']') && depth > 0)
                    depth--;
                else if (c == '}' && depth > 0)
                    depth--;
                else if (depth == 0 && c == '!' && i + 1 < n &&
                         s[i + 1] != '=' && !conv_at && !spec_at)
                    conv_at = i;
                else if (depth == 0 && c == ':' && !spec_at)
                    spec_at = i;
                else if (depth == 0 && c == '}')
                    break;
            }
            if (i >= n) {
                free(parts.v);
                scr_buf_free(&lit);
                return fail_at(P, t, "f-string: expecting '}'%s", "");
            }
            size_t expr_end = conv_at ? conv_at : spec_at ? spec_at : i;
            char *etext = scr_xstrndup(s + st, expr_end - st);
            scr_ast sub = {0};
            scr_error suberr;
            /* parse "(<expr>)" so that newlines and spaces are harmless */
            scr_buf wrapped = {0};
            scr_buf_printf(&wrapped, "(%s)\n", etext);
            free(etext);
            int rc = scr_parse(wrapped.s, &sub, &suberr);
            scr_buf_free(&wrapped);
            scr_node *expr = NULL;
            if (rc == 0 && sub.root->nkids == 1 &&
                sub.root->kids[0]->kind == SCR_N_EXPR_STMT)
                expr = sub.root->kids[0]->kids[0];
            if (!expr) {
                scr_ast_free(&sub);
                free(parts.v);
                scr_buf_free(&lit);
                return fail_at(P, t, "f-string: invalid expression%s", "");
            }
            /* move the sub-arena into ours: chain its chunks */
            chunk *c = sub.arena;
            while (c->next)
                c = c->next;
            c->next = P->arena;
            P->arena = sub.arena;
            relocate(expr, t->line, t->col);
            scr_node *fmt = mk1(P, SCR_N_FORMAT, t, expr);
            if (conv_at)
                fmt->op = s[conv_at + 1];
            if (spec_at) {
                fmt->str = arena_strndup(P, s + spec_at + 1, i - spec_at - 1);
                fmt->len = i - spec_at - 1;
            } else {
                fmt->str = arena_strndup(P, "", 0);
            }
            kl_push(&parts, fmt);
            i++;
            continue;
        }
        scr_buf_putc(&lit, s[i]);
        i++;
    }
    scr_buf_free(&lit);
    scr_node *f = mk(P, SCR_N_FSTR, t);
    kl_move(P, &parts, f);
    return f;
}

/* ---- statements ---- */

static scr_node *p_block(parser *P, kidlist *body);
static bool p_statement(parser *P, kidlist *out);

static const char *const REFUSED_STMT_KW[] = {
    "while", "if", "elif", "else", "def", "class", "with", "try", "except",
    "finally", "return", "break", "continue", "del", "global", "nonlocal",
    "raise", "yield", "async", "await", "lambda", NULL};

static bool valid_target(const scr_node *n, bool allow_tuple) {
    switch (n->kind) {
    case SCR_N_NAME:
    case SCR_N_SUBSCRIPT:
    case SCR_N_ATTR:
        return true;
    case SCR_N_TUPLE:
    case SCR_N_LIST:
        if (!allow_tuple)
            return false;
        for (int i = 0; i < n->nkids; i++)
            if (!valid_target(n->kids[i], true))
                return false;
        return true;
    default:
        return false;
    }
}

static scr_node *p_import(parser *P) {
    scr_token *t = next(P); /* import */
    kidlist l = {0};
    for (;;) {
        scr_token *m = peek(P);
        if (m->kind != SCR_T_NAME)
            return free(l.v), syntax_error(P, m);
        next(P);
        scr_buf name = {0};
        scr_buf_puts(&name, m->text);
        while (is_op(peek(P), ".")) {
            next(P);
            scr_token *part = peek(P);
            if (part->kind != SCR_T_NAME) {
                scr_buf_free(&name);
                free(l.v);
                return syntax_error(P, part);
            }
            next(P);
            scr_buf_printf(&name, ".%s", part->text);
        }
        if (strcmp(name.s, "numpy") != 0) {
            fail_at(P, m, "import of '%s' is not supported by loom scripts "
                          "(only numpy)", name.s);
            scr_buf_free(&name);
            free(l.v);
            return NULL;
        }
        scr_buf_free(&name);
        scr_node *imp = mk(P, SCR_N_IMPORT, m);
        imp->str = arena_strndup(P, "numpy", 5);
        if (is_kw(peek(P), "as")) {
            next(P);
            scr_token *a = peek(P);
            if (a->kind != SCR_T_NAME || is_keyword(a->text))
                return free(l.v), syntax_error(P, a);
            next(P);
            imp->str = arena_strndup(P, a->text, a->len);
        }
        kl_push(&l, imp);
        if (!is_op(peek(P), ","))
            break;
        next(P);
    }
    if (l.n == 1) {
        scr_node *n = l.v[0];
        free(l.v);
        return n;
    }
    /* several imports on one line: a PASS holding them as kids */
    scr_node *n = mk(P, SCR_N_PASS, t);
    kl_move(P, &l, n);
    return n;
}

/* simple statement: import, pass, assignment or expression */
static scr_node *p_simple(parser *P) {
    scr_token *t = peek(P);
    if (is_kw(t, "import"))
        return p_import(P);
    if (is_kw(t, "from")) {
        scr_token *m = peek2(P);
        if (m->kind == SCR_T_NAME && strcmp(m->text, "numpy") == 0)
            return fail_at(P, t, "'from numpy import ...' is not supported "
                                 "by loom scripts; use 'import numpy as "
                                 "np'%s", "");
        return fail_at(P, m, "import of '%s' is not supported by loom "
                             "scripts (only numpy)",
                       m->kind == SCR_T_NAME ? m->text : "?");
    }
    if (is_kw(t, "pass")) {
        next(P);
        return mk(P, SCR_N_PASS, t);
    }
    if (is_kw(t, "assert")) {
        next(P);
        scr_node *test = p_expr(P);
        if (!test)
            return NULL;
        scr_node *msg = NULL;
        if (is_op(peek(P), ",")) {
            next(P);
            if (!(msg = p_expr(P)))
                return NULL;
        }
        return msg ? mk2(P, SCR_N_ASSERT, t, test, msg)
                   : mk1(P, SCR_N_ASSERT, t, test);
    }
    for (int k = 0; REFUSED_STMT_KW[k]; k++)
        if (is_kw(t, REFUSED_STMT_KW[k]))
            return refuse_kw(P, t);
    if (t->kind == SCR_T_OP && t->op[0] == '@' && t->op[1] == 0)
        return fail_at(P, t, "decorators are not supported by loom "
                             "scripts%s", "");
    scr_node *first = p_exprlist(P, true);
    if (!first)
        return NULL;
    scr_token *op = peek(P);
    /* augmented assignment */
    static const char *const aug[] = {"+=", "-=", "*=", "/=", "//=", "%=",
                                      "**=", "@=", "&=", "|=", "^=", "<<=",
                                      ">>=", NULL};
    static const int augc[] = {SCR_OP_ADD, SCR_OP_SUB, SCR_OP_MUL,
                               SCR_OP_DIV, SCR_OP_FLOORDIV, SCR_OP_MOD,
                               SCR_OP_POW, SCR_OP_MATMUL, SCR_OP_AND,
                               SCR_OP_OR, SCR_OP_XOR, SCR_OP_LSHIFT,
                               SCR_OP_RSHIFT};
    for (int k = 0; aug[k]; k++)
        if (is_op(op, aug[k])) {
            if (!valid_target(first, false))
                return fail_at(P, t, "'%s' is an illegal expression for "
                                     "augmented assignment",
                               first->kind == SCR_N_TUPLE ? "tuple"
                                                          : "expression");
            next(P);
            scr_node *v = p_exprlist(P, false);
            if (!v)
                return NULL;
            scr_node *n = mk2(P, SCR_N_AUGASSIGN, op, first, v);
            n->op = augc[k];
            return n;
        }
    if (is_op(op, ":"))
        return fail_at(P, op, "annotations are not supported by loom "
                              "scripts%s", "");
    if (!is_op(op, "=")) {
        if (first->kind == SCR_N_STARARG)
            return fail_at(P, t, "can't use starred expression here%s", "");
        return mk1(P, SCR_N_EXPR_STMT, t, first);
    }
    kidlist l = {0};
    kl_push(&l, first);
    while (is_op(peek(P), "=")) {
        scr_token *eq = next(P);
        scr_node *prev = l.v[l.n - 1];
        if (!valid_target(prev, true)) {
            free(l.v);
            return fail_at(P, eq, "cannot assign to %s",
                           prev->kind == SCR_N_CALL ? "function call"
                                                    : "expression");
        }
        scr_node *v = p_exprlist(P, true);
        if (!v) {
            free(l.v);
            return NULL;
        }
        kl_push(&l, v);
    }
    scr_node *n = mk(P, SCR_N_ASSIGN, t);
    kl_move(P, &l, n);
    return n;
}

/* simple_stmt (';' simple_stmt)* NEWLINE */
static bool p_simple_line(parser *P, kidlist *out) {
    for (;;) {
        scr_node *s = p_simple(P);
        if (!s)
            return false;
        kl_push(out, s);
        if (!is_op(peek(P), ";"))
            break;
        next(P);
        if (peek(P)->kind == SCR_T_NEWLINE || peek(P)->kind == SCR_T_EOF)
            break;
    }
    scr_token *t = peek(P);
    if (t->kind == SCR_T_NEWLINE) {
        next(P);
        return true;
    }
    if (t->kind == SCR_T_EOF)
        return true;
    syntax_error(P, t);
    return false;
}

static scr_node *p_for(parser *P) {
    scr_token *t = next(P); /* for */
    scr_node *target = p_targets(P);
    if (!target)
        return NULL;
    if (!valid_target(target, true) || target->kind == SCR_N_ATTR)
        return fail_at(P, t, "invalid 'for' target%s", "");
    if (!is_kw(peek(P), "in"))
        return fail_at(P, peek(P), "invalid syntax: expected 'in'%s", "");
    next(P);
    scr_node *iter = p_exprlist(P, false);
    if (!iter)
        return NULL;
    if (!expect_op(P, ":"))
        return NULL;
    kidlist body = {0};
    kl_push(&body, target);
    kl_push(&body, iter);
    if (!p_block(P, &body)) {
        free(body.v);
        return NULL;
    }
    if (is_kw(peek(P), "else")) {
        free(body.v);
        return fail_at(P, peek(P), "'for ... else' is not supported by loom "
                                   "scripts%s", "");
    }
    scr_node *n = mk(P, SCR_N_FOR, t);
    kl_move(P, &body, n);
    return n;
}

/* block: simple statements on the same line, or NEWLINE INDENT stmts
 * DEDENT.  Appends the statements to body; returns non-NULL on success. */
static scr_node *p_block(parser *P, kidlist *body) {
    int before = body->n;
    if (peek(P)->kind != SCR_T_NEWLINE) {
        if (!p_simple_line(P, body))
            return NULL;
        return body->v[before];
    }
    next(P);
    if (peek(P)->kind != SCR_T_INDENT)
        return fail_at(P, peek(P), "expected an indented block%s", "");
    next(P);
    while (peek(P)->kind != SCR_T_DEDENT && peek(P)->kind != SCR_T_EOF)
        if (!p_statement(P, body))
            return NULL;
    if (peek(P)->kind == SCR_T_DEDENT)
        next(P);
    return body->n > before ? body->v[before] : NULL;
}

static bool p_statement(parser *P, kidlist *out) {
    scr_token *t = peek(P);
    if (t->kind == SCR_T_NEWLINE) {
        next(P);
        return true;
    }
    if (t->kind == SCR_T_INDENT) {
        syntax_error(P, t);
        return false;
    }
    if (is_kw(t, "for")) {
        scr_node *f = p_for(P);
        if (!f)
            return false;
        kl_push(out, f);
        return true;
    }
    return p_simple_line(P, out);
}

int scr_parse(const char *src, scr_ast *out, scr_error *err) {
    parser P = {.err = err, .src = src};
    out->root = NULL;
    out->arena = NULL;
    if (scr_lex(src, &P.toks, err) < 0) {
        scr_tokens_free(&P.toks);
        return -1;
    }
    kidlist stmts = {0};
    while (peek(&P)->kind != SCR_T_EOF && !P.failed)
        if (!p_statement(&P, &stmts))
            break;
    if (!P.failed) {
        scr_token *t0 = &P.toks.v[0];
        out->root = mk(&P, SCR_N_MODULE, t0);
        kl_move(&P, &stmts, out->root);
    } else {
        free(stmts.v);
    }
    scr_tokens_free(&P.toks);
    out->arena = P.arena;
    return P.failed ? -1 : 0;
}

const char *scr_op_text(scr_op op) {
    static const char *const t[SCR_NOPS] = {
        "+", "-", "*", "/", "//", "%", "**", "@", "&", "|", "^", "<<", ">>",
        "-", "+", "~", "<", "<=", ">", ">=", "==", "!=", "in", "not in",
        "is", "is not"};
    return (unsigned)op < SCR_NOPS ? t[op] : "?";
}
