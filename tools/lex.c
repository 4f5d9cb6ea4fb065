/*
 * lex.c -- the tokenizer of loom scripts (a Python subset).
 *
 * Produces the whole token list up front, Python style: NEWLINE ends a
 * logical line, INDENT/DEDENT bracket indented blocks, newlines inside
 * brackets and after a backslash are ignored, comments and blank lines
 * vanish.  Adjacent string literals stay separate tokens (the parser joins
 * them).
 */
#include "tools/script.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct lexer {
    const char *s;
    size_t i;
    int line;
    size_t line_start; /* index of the first byte of the current line */
    int depth;         /* bracket nesting */
    int indents[100];
    int nindent;
    scr_tokens *out;
    int cap;
    scr_error *err;
} lexer;

static int col_of(const lexer *L, size_t i) {
    return (int)(i - L->line_start) + 1;
}

static int lex_fail(lexer *L, size_t at, const char *fmt, const char *arg) {
    scr_error_set(L->err, L->line, col_of(L, at), fmt, arg);
    return -1;
}

static scr_token *push(lexer *L, scr_tok_kind k, size_t at) {
    if (L->out->n == L->cap) {
        L->cap = L->cap ? 2 * L->cap : 256;
        L->out->v = scr_xrealloc(L->out->v, (size_t)L->cap * sizeof(scr_token));
    }
    scr_token *t = &L->out->v[L->out->n++];
    memset(t, 0, sizeof *t);
    t->kind = k;
    t->line = L->line;
    t->col = col_of(L, at);
    return t;
}

static const char *const OPS[] = {
    "**=", "//=", ">>=", "<<=", "...", "->", ":=", "**", "//", "<<", ">>",
    "<=", ">=", "==", "!=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
    "@=", "+", "-", "*", "/", "%", "@", "&", "|", "^", "~", "<", ">", "(",
    ")", "[", "]", "{", "}", ",", ":", ".", ";", "=", NULL};

/* Reads a number literal at L->i.  Python's forms: 123, 1_000, 0x1f, 0o7,
 * 0b1, 1., .5, 1e-3; a trailing j (complex) is refused. */
static int lex_number(lexer *L) {
    size_t st = L->i;
    const char *s = L->s;
    char buf[128];
    size_t n = 0;
    bool is_float = false;
    int base = 10;
    size_t i = st;
    if (s[i] == '0' && strchr("xXoObB", s[i + 1]) && s[i + 1]) {
        char c = (char)tolower((unsigned char)s[i + 1]);
        base = c == 'x' ? 16 : c == 'o' ? 8 : 2;
        i += 2;
        while (isalnum((unsigned char)s[i]) || s[i] == '_') {
            if (s[i] != '_' && n < sizeof buf - 1)
                buf[n++] = s[i];
            i++;
        }
    } else {
        while (isdigit((unsigned char)s[i]) || s[i] == '_' || s[i] == '.' ||
               ((s[i] == 'e' || s[i] == 'E') &&
                (isdigit((unsigned char)s[i + 1]) ||
                 ((s[i + 1] == '+' || s[i + 1] == '-') &&
                  isdigit((unsigned char)s[i + 2]))))) {
            if (s[i] == '.' || s[i] == 'e' || s[i] == 'E')
                is_float = true;
            if (s[i] == 'e' || s[i] == 'E') {
                buf[n++] = s[i++];
                if (s[i] == '+' || s[i] == '-')
                    buf[n++] = s[i++];
                continue;
            }
            if (s[i] == '.' && s[i + 1] == '.' && s[i + 2] == '.')
                break;
            if (s[i] != '_' && n < sizeof buf - 1)
                buf[n++] = s[i];
            i++;
        }
    }
    buf[n] = 0;
    if (s[i] == 'j' || s[i] == 'J')
        return lex_fail(L, st, "complex numbers are not supported by loom "
                               "scripts%s", "");
    if (isalpha((unsigned char)s[i]) || s[i] == '_' || n == 0)
        return lex_fail(L, st, "invalid number literal%s", "");
    scr_token *t = push(L, is_float ? SCR_T_FLOAT : SCR_T_INT, st);
    char *end;
    errno = 0;
    if (is_float) {
        t->fval = strtod(buf, &end);
    } else {
        if (base == 10 && n > 1 && buf[0] == '0' && strspn(buf, "0") != n)
            return lex_fail(L, st, "leading zeros in decimal integer literals "
                                   "are not permitted%s", "");
        unsigned long long v = strtoull(buf, &end, base);
        if (errno == ERANGE || v > (unsigned long long)INT64_MAX)
            return lex_fail(L, st, "integer literal too large for loom "
                                   "scripts (int64)%s", "");
        t->ival = (int64_t)v;
    }
    if (*end)
        return lex_fail(L, st, "invalid number literal%s", "");
    L->i = i;
    return 0;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void put_utf8(scr_buf *b, unsigned cp) {
    if (cp < 0x80) {
        scr_buf_putc(b, (char)cp);
    } else if (cp < 0x800) {
        scr_buf_putc(b, (char)(0xC0 | (cp >> 6)));
        scr_buf_putc(b, (char)(0x80 | (cp & 63)));
    } else if (cp < 0x10000) {
        scr_buf_putc(b, (char)(0xE0 | (cp >> 12)));
        scr_buf_putc(b, (char)(0x80 | ((cp >> 6) & 63)));
        scr_buf_putc(b, (char)(0x80 | (cp & 63)));
    } else {
        scr_buf_putc(b, (char)(0xF0 | (cp >> 18)));
        scr_buf_putc(b, (char)(0x80 | ((cp >> 12) & 63)));
        scr_buf_putc(b, (char)(0x80 | ((cp >> 6) & 63)));
        scr_buf_putc(b, (char)(0x80 | (cp & 63)));
    }
}

/* Decodes one backslash escape at s[*i] (just after the backslash). */
static void lex_escape(const char *s, size_t *i, scr_buf *b) {
    char c = s[*i];
    int nhex = 0;
    switch (c) {
    case 'n': scr_buf_putc(b, '\n'); break;
    case 't': scr_buf_putc(b, '\t'); break;
    case 'r': scr_buf_putc(b, '\r'); break;
    case '0': scr_buf_putc(b, '\0'); break;
    case 'a': scr_buf_putc(b, '\a'); break;
    case 'b': scr_buf_putc(b, '\b'); break;
    case 'f': scr_buf_putc(b, '\f'); break;
    case 'v': scr_buf_putc(b, '\v'); break;
    case '\\': scr_buf_putc(b, '\\'); break;
    case '\'': scr_buf_putc(b, '\''); break;
    case '"': scr_buf_putc(b, '"'); break;
    case '\n': break; /* line continuation inside a string */
    case 'x': nhex = 2; break;
    case 'u': nhex = 4; break;
    case 'U': nhex = 8; break;
    default:
        scr_buf_putc(b, '\\');
        scr_buf_putc(b, c);
    }
    (*i)++;
    if (nhex) {
        unsigned cp = 0;
        int k = 0;
        for (; k < nhex && hexval(s[*i]) >= 0; k++, (*i)++)
            cp = cp * 16 + (unsigned)hexval(s[*i]);
        put_utf8(b, cp);
    }
}

/* Reads a string literal (with optional prefix letters) at L->i. */
static int lex_string(lexer *L, size_t prefix_len) {
    size_t st = L->i;
    const char *s = L->s;
    bool raw = false, fstr = false;
    for (size_t k = 0; k < prefix_len; k++) {
        char c = (char)tolower((unsigned char)s[st + k]);
        if (c == 'r')
            raw = true;
        else if (c == 'f')
            fstr = true;
        else if (c == 'b')
            return lex_fail(L, st, "bytes literals are not supported by loom "
                                   "scripts%s", "");
    }
    size_t i = st + prefix_len;
    char q = s[i];
    bool triple = s[i + 1] == q && s[i + 2] == q;
    i += triple ? 3 : 1;
    scr_buf b = {0};
    int start_line = L->line;
    size_t start_ls = L->line_start;
    for (;;) {
        char c = s[i];
        if (c == 0 || (c == '\n' && !triple)) {
            scr_buf_free(&b);
            L->line = start_line;
            L->line_start = start_ls;
            return lex_fail(L, st, "unterminated string literal%s", "");
        }
        if (c == q && (!triple || (s[i + 1] == q && s[i + 2] == q))) {
            i += triple ? 3 : 1;
            break;
        }
        if (c == '\\' && !raw) {
            i++;
            if (s[i] == '\n') {
                L->line++;
                L->line_start = i + 1;
            }
            lex_escape(s, &i, &b);
            continue;
        }
        if (c == '\\' && raw && s[i + 1]) {
            scr_buf_putc(&b, c);
            c = s[++i];
        }
        if (c == '\n') {
            L->line++;
            L->line_start = i + 1;
        }
        scr_buf_putc(&b, c);
        i++;
    }
    /* the token is positioned where the literal began */
    int end_line = L->line;
    size_t end_ls = L->line_start;
    L->line = start_line;
    L->line_start = start_ls;
    scr_token *t = push(L, fstr ? SCR_T_FSTRING : SCR_T_STRING, st);
    L->line = end_line;
    L->line_start = end_ls;
    t->len = b.n;
    t->text = scr_buf_take(&b);
    L->i = i;
    return 0;
}

/* Handles the indentation at the start of a logical line.  Returns 1 if the
 * line is blank (skipped), 0 if tokens follow, -1 on error. */
static int lex_indent(lexer *L) {
    const char *s = L->s;
    int width = 0;
    size_t i = L->i;
    for (;; i++) {
        if (s[i] == ' ')
            width++;
        else if (s[i] == '\t')
            width = (width / 8 + 1) * 8;
        else if (s[i] == '\f')
            width = 0;
        else
            break;
    }
    L->i = i;
    if (s[i] == '#' || s[i] == '\n' || s[i] == '\r' || s[i] == 0 ||
        (s[i] == '\\' && s[i + 1] == '\n'))
        return 1;
    int cur = L->indents[L->nindent - 1];
    if (width > cur) {
        if (L->nindent == (int)(sizeof L->indents / sizeof L->indents[0]))
            return lex_fail(L, i, "too many levels of indentation%s", "");
        L->indents[L->nindent++] = width;
        push(L, SCR_T_INDENT, i);
    } else {
        while (width < L->indents[L->nindent - 1]) {
            L->nindent--;
            push(L, SCR_T_DEDENT, i);
        }
        if (width != L->indents[L->nindent - 1])
            return lex_fail(L, i, "unindent does not match any outer "
                                  "indentation level%s", "");
    }
    return 0;
}

/* The number of string prefix letters before a quote at s[i], or -1. */
static int string_prefix(const char *s, size_t i) {
    size_t k = 0;
    while (k < 2 && strchr("rRbBfFuU", s[i + k]) && s[i + k])
        k++;
    for (size_t n = 0; n <= k; n++)
        if (s[i + n] == '\'' || s[i + n] == '"')
            return (int)n;
    return -1;
}

int scr_lex(const char *src, scr_tokens *out, scr_error *err) {
    lexer L = {.s = src, .line = 1, .nindent = 1, .out = out, .err = err};
    out->v = NULL;
    out->n = 0;
    bool at_line_start = true;
    /* skip a UTF-8 byte order mark */
    if ((unsigned char)src[0] == 0xEF && (unsigned char)src[1] == 0xBB &&
        (unsigned char)src[2] == 0xBF)
        L.i = 3, L.line_start = 3;
    for (;;) {
        if (at_line_start && L.depth == 0) {
            if (lex_indent(&L) < 0)
                return -1;
            at_line_start = false;
        }
        const char *s = L.s;
        char c = s[L.i];
        if (c == 0)
            break;
        if (c == ' ' || c == '\t' || c == '\f' || c == '\r') {
            L.i++;
            continue;
        }
        if (c == '#') {
            while (s[L.i] && s[L.i] != '\n')
                L.i++;
            continue;
        }
        if (c == '\\' && (s[L.i + 1] == '\n' ||
                          (s[L.i + 1] == '\r' && s[L.i + 2] == '\n'))) {
            L.i += s[L.i + 1] == '\r' ? 3 : 2;
            L.line++;
            L.line_start = L.i;
            continue;
        }
        if (c == '\n') {
            if (L.depth == 0 && out->n > 0 &&
                out->v[out->n - 1].kind != SCR_T_NEWLINE &&
                out->v[out->n - 1].kind != SCR_T_INDENT &&
                out->v[out->n - 1].kind != SCR_T_DEDENT)
                push(&L, SCR_T_NEWLINE, L.i);
            L.i++;
            L.line++;
            L.line_start = L.i;
            at_line_start = L.depth == 0;
            continue;
        }
        int pl = string_prefix(s, L.i);
        if (pl >= 0) {
            if (lex_string(&L, (size_t)pl) < 0)
                return -1;
            continue;
        }
        if (isalpha((unsigned char)c) || c == '_') {
            size_t st = L.i;
            while (isalnum((unsigned char)s[L.i]) || s[L.i] == '_')
                L.i++;
            scr_token *t = push(&L, SCR_T_NAME, st);
            t->len = L.i - st;
            t->text = scr_xstrndup(s + st, t->len);
            continue;
        }
        if (isdigit((unsigned char)c) ||
            (c == '.' && isdigit((unsigned char)s[L.i + 1]))) {
            if (lex_number(&L) < 0)
                return -1;
            continue;
        }
        const char *op = NULL;
        for (int k = 0; OPS[k]; k++)
            if (strncmp(s + L.i, OPS[k], strlen(OPS[k])) == 0) {
                op = OPS[k];
                break;
            }
        if (!op) {
            if ((unsigned char)c >= 0x80)
                return lex_fail(&L, L.i, "non-ASCII character outside a "
                                         "string or comment%s", "");
            char tmp[2] = {c, 0};
            return lex_fail(&L, L.i, "invalid character '%s'", tmp);
        }
        if (strchr("([{", op[0]) && op[1] == 0)
            L.depth++;
        if (strchr(")]}", op[0]) && op[1] == 0) {
            if (L.depth == 0)
                return lex_fail(&L, L.i, "unmatched '%s'", op);
            L.depth--;
        }
        scr_token *t = push(&L, SCR_T_OP, L.i);
        strcpy(t->op, op);
        L.i += strlen(op);
    }
    if (L.depth > 0) {
        /* point at the last opening bracket that was never closed */
        int d = 0;
        for (int k = out->n - 1; k >= 0; k--) {
            scr_token *t = &out->v[k];
            if (t->kind != SCR_T_OP || t->op[1])
                continue;
            if (strchr(")]}", t->op[0]))
                d++;
            else if (strchr("([{", t->op[0]) && d-- == 0) {
                scr_error_set(err, t->line, t->col, "'%s' was never closed",
                              t->op);
                return -1;
            }
        }
    }
    if (out->n > 0 && out->v[out->n - 1].kind != SCR_T_NEWLINE &&
        out->v[out->n - 1].kind != SCR_T_DEDENT &&
        out->v[out->n - 1].kind != SCR_T_INDENT)
        push(&L, SCR_T_NEWLINE, L.i);
    while (L.nindent > 1) {
        L.nindent--;
        push(&L, SCR_T_DEDENT, L.i);
    }
    push(&L, SCR_T_EOF, L.i);
    return 0;
}

void scr_tokens_free(scr_tokens *t) {
    for (int i = 0; i < t->n; i++)
        free(t->v[i].text);
    free(t->v);
    t->v = NULL;
    t->n = 0;
}
