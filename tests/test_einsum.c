/*
 * test_einsum.c -- einsum and einsum_path: subscript parsing and NumPy's
 * errors, the contraction order and its FLOP counts, the report text,
 * diagonals as views, GEMM steps, dtypes, and values of many subscripts
 * against a reference written as plain loops.
 */
#include "graph/graph.h"
#include "support.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- a reference einsum: every label combination, one by one ---- */

#define RMAX 16

/* graph/einsum.c; to be declared in graph/graph.h */

/* Deterministic values in [-1, 1). */
static void fill(double *d, int64_t n, unsigned seed)
{
    uint64_t s = seed * 2654435761u + 1;
    for (int64_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        d[i] = (double)(s >> 11) / (double)(1ull << 53) * 2 - 1;
    }
}

static int64_t numel(loom_shape s)
{
    int64_t n = 1;
    for (int i = 0; i < s.ndim; i++)
        n *= s.dim[i];
    return n;
}

typedef struct ref_case {
    const char *subs;
    int n;
    loom_shape shapes[8];
} ref_case;

/* Parses "ab,bc->ac" into operand terms and the output term. */
static int split_terms(const char *subs, char terms[][RMAX], char *out)
{
    int n = 0, k = 0;
    const char *p = subs;
    for (; *p && *p != '-'; p++) {
        if (*p == ',') {
            terms[n++][k] = 0;
            k = 0;
        } else {
            terms[n][k++] = *p;
        }
    }
    terms[n++][k] = 0;
    strcpy(out, p + 2);
    return n;
}

/* The reference result of c over ops into a fresh malloc'd array. */
static double *reference(const ref_case *c, double *const *ops,
                         loom_shape *oshape)
{
    char terms[8][RMAX], out[RMAX];
    split_terms(c->subs, terms, out);
    char labels[64];
    int64_t size[128] = {0};
    int nl = 0;
    for (int i = 0; i < c->n; i++)
        for (int k = 0; terms[i][k]; k++) {
            char ch = terms[i][k];
            if (!size[(int)ch])
                labels[nl++] = ch;
            if (c->shapes[i].dim[k] > size[(int)ch])
                size[(int)ch] = c->shapes[i].dim[k];
        }
    oshape->ndim = (int)strlen(out);
    for (int k = 0; k < oshape->ndim; k++)
        oshape->dim[k] = size[(int)out[k]];
    double *r = calloc((size_t)numel(*oshape) + 1, sizeof *r);
    int64_t val[128] = {0};
    for (;;) {
        double prod = 1;
        for (int i = 0; i < c->n; i++) {
            int64_t off = 0;
            for (int k = 0; terms[i][k]; k++) {
                int64_t d = c->shapes[i].dim[k];
                off = off * d + (d == 1 ? 0 : val[(int)terms[i][k]]);
            }
            prod *= ops[i][off];
        }
        int64_t o = 0;
        for (int k = 0; out[k]; k++)
            o = o * oshape->dim[k] + val[(int)out[k]];
        r[o] += prod;
        int j = 0;
        for (; j < nl; j++) {
            if (++val[(int)labels[j]] < size[(int)labels[j]])
                break;
            val[(int)labels[j]] = 0;
        }
        if (j == nl)
            break;
    }
    return r;
}

static const ref_case cases[] = {
    {"ij,jk->ik", 2, {LOOM_SHAPE(3, 4), LOOM_SHAPE(4, 5)}},
    {"ij,kj->ki", 2, {LOOM_SHAPE(3, 4), LOOM_SHAPE(5, 4)}},
    {"ji,jk->ik", 2, {LOOM_SHAPE(4, 3), LOOM_SHAPE(4, 5)}},
    {"bij,bjk->bik", 2, {LOOM_SHAPE(2, 3, 4), LOOM_SHAPE(2, 4, 5)}},
    {"bhid,bhjd->bhij", 2, {LOOM_SHAPE(2, 3, 4, 5), LOOM_SHAPE(2, 3, 6, 5)}},
    {"bhij,bhjd->bhid", 2, {LOOM_SHAPE(2, 3, 4, 6), LOOM_SHAPE(2, 3, 6, 5)}},
    {"i,ij,j->", 3, {LOOM_SHAPE(4), LOOM_SHAPE(4, 5), LOOM_SHAPE(5)}},
    {"ij,jk,kl->il", 3, {LOOM_SHAPE(6, 3), LOOM_SHAPE(3, 7), LOOM_SHAPE(7, 2)}},
    {"ij,jk,kl->li", 3, {LOOM_SHAPE(6, 3), LOOM_SHAPE(3, 7), LOOM_SHAPE(7, 2)}},
    {"ab,bc,cd,de->ae", 4,
     {LOOM_SHAPE(5, 6), LOOM_SHAPE(6, 2), LOOM_SHAPE(2, 7), LOOM_SHAPE(7, 3)}},
    {"ii->", 1, {LOOM_SHAPE(5, 5)}},
    {"ii->i", 1, {LOOM_SHAPE(5, 5)}},
    {"iij->ij", 1, {LOOM_SHAPE(3, 3, 4)}},
    {"iji->j", 1, {LOOM_SHAPE(3, 4, 3)}},
    {"jii->ij", 1, {LOOM_SHAPE(4, 3, 3)}},
    {"iii->i", 1, {LOOM_SHAPE(3, 3, 3)}},
    {"ijij->ji", 1, {LOOM_SHAPE(2, 3, 2, 3)}},
    {"ijk->kji", 1, {LOOM_SHAPE(2, 3, 4)}},
    {"ijk->j", 1, {LOOM_SHAPE(2, 3, 4)}},
    {"ijk,jil->kl", 2, {LOOM_SHAPE(2, 3, 4), LOOM_SHAPE(3, 2, 5)}},
    {"i,j->ij", 2, {LOOM_SHAPE(4), LOOM_SHAPE(5)}},
    {"i,j->ji", 2, {LOOM_SHAPE(4), LOOM_SHAPE(5)}},
    {"ij,ij->", 2, {LOOM_SHAPE(4, 5), LOOM_SHAPE(4, 5)}},
    {"ij,ij->ij", 2, {LOOM_SHAPE(4, 5), LOOM_SHAPE(4, 5)}},
    {"ij,ji->ij", 2, {LOOM_SHAPE(4, 5), LOOM_SHAPE(5, 4)}},
    {"ij,j->i", 2, {LOOM_SHAPE(4, 5), LOOM_SHAPE(5)}},
    {"i,ij->j", 2, {LOOM_SHAPE(4), LOOM_SHAPE(4, 5)}},
    {"ij,k->ik", 2, {LOOM_SHAPE(4, 5), LOOM_SHAPE(3)}},
    {"ii,jj->ij", 2, {LOOM_SHAPE(3, 3), LOOM_SHAPE(4, 4)}},
    {"ii,ij->j", 2, {LOOM_SHAPE(3, 3), LOOM_SHAPE(3, 4)}},
    {"abc,cd,da->b", 3, {LOOM_SHAPE(2, 3, 4), LOOM_SHAPE(4, 5), LOOM_SHAPE(5, 2)}},
    {"ea,fb,abcd,gc,hd->efgh", 5,
     {LOOM_SHAPE(2, 4), LOOM_SHAPE(3, 6), LOOM_SHAPE(4, 6, 3, 5),
      LOOM_SHAPE(2, 3), LOOM_SHAPE(4, 5)}},
    {"ij,jk,ki->", 3, {LOOM_SHAPE(3, 4), LOOM_SHAPE(4, 5), LOOM_SHAPE(5, 3)}},
    {"i,i,i->i", 3, {LOOM_SHAPE(6), LOOM_SHAPE(6), LOOM_SHAPE(6)}},
    {"i,j,k->kij", 3, {LOOM_SHAPE(2), LOOM_SHAPE(3), LOOM_SHAPE(4)}},
    {"ij,jk->ik", 2, {LOOM_SHAPE(3, 1), LOOM_SHAPE(4, 5)}}, /* j broadcasts */
    {"ij,ij->ij", 2, {LOOM_SHAPE(3, 1), LOOM_SHAPE(1, 4)}},
    /* no pairwise order fits NumPy's memory cap: groups, then one step */
    {"ab,bc,cd,da,ae,bf,cg,dh->efgh", 8,
     {LOOM_SHAPE(6, 7), LOOM_SHAPE(7, 8), LOOM_SHAPE(8, 9), LOOM_SHAPE(9, 6),
      LOOM_SHAPE(6, 5), LOOM_SHAPE(7, 4), LOOM_SHAPE(8, 3), LOOM_SHAPE(9, 2)}},
    {"bij,jk,bkl->bil", 3,
     {LOOM_SHAPE(2, 3, 4), LOOM_SHAPE(4, 5), LOOM_SHAPE(2, 5, 3)}},
};

/* Runs every case with optimize off and on, in ctx, against the
 * reference. */
static void check_cases(loom_ctx *ctx)
{
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        const ref_case *rc = &cases[c];
        double *data[8];
        loom_array *ops[8];
        for (int i = 0; i < rc->n; i++) {
            int64_t n = numel(rc->shapes[i]);
            data[i] = malloc((size_t)n * sizeof(double) + 1);
            fill(data[i], n, (unsigned)(c * 10 + i));
            ops[i] = loom_array_from(ctx, data[i], LOOM_FLOAT64,
                                     rc->shapes[i], LOOM_COPY);
        }
        loom_shape os;
        double *want = reference(rc, data, &os);
        for (int opt = 0; opt < 2; opt++) {
            loom_array *r = loom_einsum(rc->subs, rc->n, ops, opt);
            ck_assert_msg(loom_eval(r) == LOOM_OK, "%s: %s", rc->subs,
                          loom_error(r));
            loom_shape got = loom_shape_of(r);
            ck_assert_msg(got.ndim == os.ndim &&
                              !memcmp(got.dim, os.dim,
                                      (size_t)os.ndim * sizeof(int64_t)),
                          "%s: wrong shape", rc->subs);
            char what[64];
            snprintf(what, sizeof what, "%s optimize=%d", rc->subs, opt);
            ts_expect_f64(loom_data(r), want, (long)numel(os), 1e-12, 1e-12,
                          what);
        }
        free(want);
        for (int i = 0; i < rc->n; i++)
            free(data[i]);
    }
}

START_TEST(values_match_reference_fused)
{
    loom_ctx *ctx = ts_ctx();
    check_cases(ctx);
    loom_ctx_free(ctx);
}
END_TEST

START_TEST(values_match_reference_eager)
{
    loom_ctx *ctx = ts_ctx_eager(true);
    check_cases(ctx);
    loom_ctx_free(ctx);
}
END_TEST

/* ---- errors ---- */

static loom_array *f64(loom_ctx *ctx, loom_shape s)
{
    return loom_ones(ctx, s, LOOM_FLOAT64);
}

START_TEST(bad_subscripts_poison)
{
    loom_ctx *ctx = ts_ctx();
    loom_array *m = f64(ctx, LOOM_SHAPE(3, 3)), *v = f64(ctx, LOOM_SHAPE(3));
    loom_array *t = f64(ctx, LOOM_SHAPE(2, 3, 4)), *w = f64(ctx, LOOM_SHAPE(4, 5));
    loom_array *mv[2] = {m, v}, *mw[2] = {m, w}, *vv[3] = {v, v, v};
    struct {
        const char *subs;
        int n;
        loom_array **ops;
        const char *needle;
    } bad[] = {
        {"ijk", 1, &m, "contains too many subscripts for operand 0"},
        {"i", 1, &m, "operand has more dimensions than subscripts given in "
                     "einstein sum, but no '...' ellipsis provided"},
        {"i->j", 1, &v, "included output subscript 'j' which never appeared "
                        "in an input"},
        {"i->ii", 1, &v, "includes output subscript 'i' multiple times"},
        {"i$", 1, &v, "invalid subscript '$' in einstein sum subscripts "
                      "string, subscripts must be letters"},
        {"i-j", 1, &v, "does not contain proper '->' output specified"},
        {"i->i->", 1, &v, "invalid subscript '-'"},
        {"..i", 1, &v, "contains a '.' that is not part of an ellipsis "
                       "('...') in operand 0"},
        {"ij->i.", 1, &m, "('...') in the output"},
        {"i...j...", 1, &t, "not part of an ellipsis"},
        {"ij,jk->ik", 2, mw, "Size of label 'j' for operand 1 (4) does not "
                             "match previous terms (3)."},
        {"i,i", 3, vv, "more operands provided to einstein sum function"},
        {"i,i,i", 2, mv, "fewer operands provided to einstein sum function"},
        {"ii", 1, &w, "dimensions in single operand for collapsing index 'i' "
                      "don't match (4 != 5)"},
        {"ij,jj->i", 2, mw, "dimensions in operand 1 for collapsing index "
                            "'j' don't match (4 != 5)"},
        {"...,...->", 2, mv, "output has more dimensions than subscripts"},
        {"...i,...i->...i", 2, (loom_array *[]){t, f64(ctx, LOOM_SHAPE(5, 4))},
         "operands could not be broadcast together with remapped shapes"},
        {"ij...", 1, &v, "too many subscripts for operand 0"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        loom_array *r = loom_einsum(bad[i].subs, bad[i].n, bad[i].ops, false);
        ts_expect_error(r, LOOM_ERR_VALUE, bad[i].needle);
        ts_expect_error(r, LOOM_ERR_VALUE, "einsum: ");
        loom_status st = LOOM_OK;
        char *text = loom_einsum_path(bad[i].subs, bad[i].n, bad[i].ops, &st);
        ck_assert_ptr_null(text);
        ck_assert_int_eq(st, LOOM_ERR_VALUE);
        ck_assert_msg(strstr(loom_ctx_error(ctx), bad[i].needle),
                      "einsum_path(%s): '%s'", bad[i].subs,
                      loom_ctx_error(ctx));
    }
    /* no operands, too many, NULLs, poisoned operands */
    /* no operand, no context to poison: the static NULL-handle error */
    ck_assert_int_ne(loom_status_of(loom_einsum("i", 0, &v, false)), LOOM_OK);
    loom_array *many[33];
    for (int i = 0; i < 33; i++)
        many[i] = v;
    ts_expect_error(loom_einsum("i", 33, many, false), LOOM_ERR_VALUE,
                    "too many operands");
    ts_expect_error(loom_einsum(NULL, 1, &v, false), LOOM_ERR_NULL,
                    "subscripts");
    loom_array *withnull[2] = {v, NULL};
    ts_expect_error(loom_einsum("i,i", 2, withnull, false), LOOM_ERR_NULL,
                    "NULL");
    loom_array *p = loom_add(m, w);
    loom_array *withpoison[2] = {v, p};
    ts_expect_error(loom_einsum("i,ij", 2, withpoison, true), LOOM_ERR_VALUE,
                    "could not be broadcast");
    loom_status st = LOOM_OK;
    ck_assert_ptr_null(loom_einsum_path("i,ij", 2, withpoison, &st));
    ck_assert_int_eq(st, LOOM_ERR_VALUE);
    loom_ctx_free(ctx);
}
END_TEST

START_TEST(valid_odd_forms)
{
    loom_ctx *ctx = ts_ctx();
    loom_array *m = loom_arange(ctx, 0, 6, 1, LOOM_FLOAT64);
    m = loom_reshape(m, LOOM_SHAPE(2, 3));
    /* implicit output: uppercase sorts before lowercase */
    loom_array *r = loom_einsum("Ba", 1, &m, false);
    ck_assert_int_eq(loom_dim(r, 0), 2);
    r = loom_einsum("bA", 1, &m, false);
    ck_assert_int_eq(loom_dim(r, 0), 3);
    /* spaces, empty subscripts on a 0-d operand, '...' with no dims */
    loom_array *s = loom_scalar_typed(ctx, 4, LOOM_FLOAT64);
    ck_assert_double_eq(loom_item(loom_einsum(" ", 1, &s, false), NULL), 4);
    ck_assert_double_eq(loom_item(loom_einsum("->", 1, &s, false), NULL), 4);
    ck_assert_double_eq(loom_item(loom_einsum(" i j -> ", 1, &m, true), NULL),
                        15);
    ck_assert_int_eq(loom_ndim(loom_einsum("ij...->...ji", 1, &m, false)), 2);
    ck_assert_double_eq(loom_item(loom_einsum("i...->...", 1,
                                              (loom_array *[]){loom_ravel(m)},
                                              false),
                                  NULL),
                        15);
    loom_ctx_free(ctx);
}
END_TEST

/* ---- paths ---- */

START_TEST(path_picks_cheap_order)
{
    loom_ctx *ctx = ts_ctx();
    loom_array *ops[3] = {
        loom_zeros(ctx, LOOM_SHAPE(1024, 64), LOOM_FLOAT64),
        loom_zeros(ctx, LOOM_SHAPE(64, 1024), LOOM_FLOAT64),
        loom_zeros(ctx, LOOM_SHAPE(1024, 64), LOOM_FLOAT64),
    };
    loom_status st = LOOM_ERR_INTERNAL;
    char *text = loom_einsum_path("ij,jk,kl->il", 3, ops, &st);
    ck_assert_int_eq(st, LOOM_OK);
    ck_assert_ptr_nonnull(text);
    /* jk,kl first: 64*1024*64 per step instead of 1024*64*1024 */
    ck_assert_msg(!strncmp(text, "['einsum_path', (1, 2), (0, 1)]\n", 32),
                  "%s", text);
    static const char *lines[] = {
        "  Complete contraction:  ij,jk,kl->il\n",
        "         Naive scaling:  4\n",
        "     Optimized scaling:  3\n",
        "      Naive FLOP count:  1.288e+10\n",
        "  Optimized FLOP count:  1.678e+07\n",
        "   Theoretical speedup:  768.000\n",
        "  Largest intermediate:  6.554e+04 elements\n",
        "scaling                  current                                "
        "remaining\n",
        "   3                   kl,jk->jl                                "
        "ij,jl->il\n",
        "   3                   jl,ij->il                                   "
        "il->il",
    };
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
        ck_assert_msg(strstr(text, lines[i]), "missing '%s' in\n%s", lines[i],
                      text);
    free(text);

    /* the left-to-right order pays 1024*64*1024 twice over */
    char msg[256];
    int nd[3] = {2, 2, 2};
    const int64_t *sh[3] = {ops[0]->shape, ops[1]->shape, ops[2]->shape};
    text = graph_einsum_describe("ij,jk,kl->il", 3, nd, sh, false, &st, msg,
                                 sizeof msg);
    ck_assert_ptr_nonnull(text);
    ck_assert_msg(strstr(text, "['einsum_path', (0, 1), (0, 1)]"), "%s", text);
    ck_assert_msg(strstr(text, "  Optimized FLOP count:  2.684e+08\n"), "%s",
                  text);
    free(text);
    loom_ctx_free(ctx);
}
END_TEST

/* Path text of subs over the given shapes with optimize. */
static char *describe(const char *subs, int n, const loom_shape *shapes)
{
    int nd[8];
    const int64_t *sh[8];
    for (int i = 0; i < n; i++) {
        nd[i] = shapes[i].ndim;
        sh[i] = shapes[i].dim;
    }
    loom_status st;
    char msg[256];
    char *t = graph_einsum_describe(subs, n, nd, sh, true, &st, msg,
                                    sizeof msg);
    ck_assert_msg(t, "%s: %s", subs, msg);
    return t;
}

START_TEST(path_flops_match_numpy)
{
    /* numbers from numpy.einsum_path(..., optimize='optimal') 1.24 */
    char *t = describe("iij,jk,k", 3,
                       (loom_shape[]){LOOM_SHAPE(3, 3, 4), LOOM_SHAPE(4, 5),
                                      LOOM_SHAPE(5)});
    ck_assert_msg(strstr(t, "Naive FLOP count:  1.800e+02"), "%s", t);
    ck_assert_msg(strstr(t, "Optimized FLOP count:  6.500e+01"), "%s", t);
    ck_assert_msg(strstr(t, "   2                     k,jk->j                "
                            "                  iij,j->"),
                  "%s", t);
    free(t);
    t = describe("ab,bc,cd,de->ae", 4,
                 (loom_shape[]){LOOM_SHAPE(10, 20), LOOM_SHAPE(20, 5),
                                LOOM_SHAPE(5, 30), LOOM_SHAPE(30, 3)});
    ck_assert_msg(strstr(t, "['einsum_path', (2, 3), (1, 2), (0, 1)]"), "%s",
                  t);
    ck_assert_msg(strstr(t, "Naive FLOP count:  3.600e+05"), "%s", t);
    ck_assert_msg(strstr(t, "Optimized FLOP count:  2.701e+03"), "%s", t);
    ck_assert_msg(strstr(t, "Theoretical speedup:  133.284"), "%s", t);
    ck_assert_msg(strstr(t, "de,cd->ec"), "%s", t);
    free(t);
    t = describe("ab,bc,cd,da,ae,bf,cg,dh->efgh", 8,
                 (loom_shape[]){LOOM_SHAPE(6, 7), LOOM_SHAPE(7, 8),
                                LOOM_SHAPE(8, 9), LOOM_SHAPE(9, 6),
                                LOOM_SHAPE(6, 5), LOOM_SHAPE(7, 4),
                                LOOM_SHAPE(8, 3), LOOM_SHAPE(9, 2)});
    ck_assert_msg(strstr(t, "Optimized FLOP count:  2.438e+05"), "%s", t);
    ck_assert_msg(strstr(t, "   7    hac,cg,bf,ae,bc,ab->efgh"), "%s", t);
    free(t);
    t = describe("i", 1, (loom_shape[]){LOOM_SHAPE(3)});
    ck_assert_msg(strstr(t, "['einsum_path', (0,)]"), "%s", t);
    ck_assert_msg(strstr(t, "Optimized FLOP count:  4.000e+00"), "%s", t);
    free(t);
    t = describe("...ij,...jk", 2,
                 (loom_shape[]){LOOM_SHAPE(2, 3, 4), LOOM_SHAPE(4, 5)});
    ck_assert_msg(strstr(t, "Complete contraction:  Aij,jk->Aik"), "%s", t);
    ck_assert_msg(strstr(t, "Optimized FLOP count:  2.410e+02"), "%s", t);
    free(t);
}
END_TEST

START_TEST(greedy_beyond_exhaustive)
{
    /* a 12-matrix chain: greedy, and its values */
    loom_ctx *ctx = ts_ctx();
    double d[4 * 4];
    fill(d, 16, 7);
    for (int i = 0; i < 16; i++)
        d[i] *= 0.5;
    loom_array *p = loom_array_from(ctx, d, LOOM_FLOAT64, LOOM_SHAPE(4, 4),
                                    LOOM_COPY);
    loom_array *ops[12];
    for (int i = 0; i < 12; i++)
        ops[i] = p;
    const char *subs = "ab,bc,cd,de,ef,fg,gh,hi,ij,jk,kl,lm->am";
    loom_status st;
    char *t = loom_einsum_path(subs, 12, ops, &st);
    ck_assert_ptr_nonnull(t);
    int tuples = 0;
    for (const char *q = t; *q && *q != '\n'; q++)
        tuples += *q == '(';
    ck_assert_int_eq(tuples, 11);
    free(t);
    double want[16], tmp[16];
    memcpy(want, d, sizeof want);
    for (int s = 1; s < 12; s++) {
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) {
                tmp[i * 4 + j] = 0;
                for (int k = 0; k < 4; k++)
                    tmp[i * 4 + j] += want[i * 4 + k] * d[k * 4 + j];
            }
        memcpy(want, tmp, sizeof want);
    }
    for (int opt = 0; opt < 2; opt++) {
        loom_array *r = loom_einsum(subs, 12, ops, opt);
        ck_assert_int_eq(loom_eval(r), LOOM_OK);
        ts_expect_f64(loom_data(r), want, 16, 1e-12, 1e-14, "chain of 12");
    }
    loom_ctx_free(ctx);
}
END_TEST

START_TEST(many_disjoint_operands_stay_in_max_dims)
{
    /* left to right would build an outer product of 16 axes */
    loom_ctx *ctx = ts_ctx();
    loom_array *a = loom_ones(ctx, LOOM_SHAPE(2, 2, 2, 2, 2, 2, 2, 2),
                              LOOM_FLOAT64);
    loom_array *v = loom_ones(ctx, LOOM_SHAPE(2, 2), LOOM_FLOAT64);
    loom_array *ops[10] = {a, a, v, v, v, v, v, v, v, v};
    loom_array *r = loom_einsum("abcdefgh,ijklmnop,ai,bj,ck,dl,em,fn,go,hp->",
                                10, ops, false);
    ck_assert_int_eq(loom_eval(r), LOOM_OK);
    ck_assert_double_eq(loom_item(r, NULL), 65536.0);
    loom_ctx_free(ctx);
}
END_TEST

/* ---- structure ---- */

static bool has_op(loom_array *a, graph_op op, int depth)
{
    if (a->op == op)
        return true;
    for (int i = 0; depth > 0 && i < a->nin; i++)
        if (has_op(a->in[i], op, depth - 1))
            return true;
    return false;
}

START_TEST(diagonal_is_a_view)
{
    loom_ctx *ctx = ts_ctx();
    double d[5 * 5];
    fill(d, 25, 3);
    loom_array *m = loom_array_from(ctx, d, LOOM_FLOAT64, LOOM_SHAPE(5, 5),
                                    LOOM_COPY);
    loom_array *r = loom_einsum("ii->i", 1, &m, false);
    loom_array *x = r;
    while (graph_ops[x->op].kind == GRAPH_MOVE)
        x = x->in[0];
    ck_assert_ptr_eq(x, m);
    ck_assert_int_eq(loom_eval(r), LOOM_OK);
    const double *g = loom_data(r);
    for (int i = 0; i < 5; i++)
        ck_assert_double_eq(g[i], d[i * 6]);
    loom_ctx_free(ctx);
}
END_TEST

START_TEST(float_contractions_use_gemm)
{
    loom_ctx *ctx = ts_ctx();
    loom_array *a = loom_ones(ctx, LOOM_SHAPE(2, 3, 4), LOOM_FLOAT32);
    loom_array *b = loom_ones(ctx, LOOM_SHAPE(2, 4, 5), LOOM_FLOAT32);
    loom_array *ab[2] = {a, b};
    ck_assert(has_op(loom_einsum("bij,bjk->bik", 2, ab, true), GRAPH_OP_MATMUL,
                     6));
    /* dots and Hadamard products are fused loops, integers too */
    ck_assert(!has_op(loom_einsum("bij,bij->", 2, (loom_array *[]){a, a}, true),
                      GRAPH_OP_MATMUL, 8));
    loom_array *ia = loom_astype(a, LOOM_INT32), *ib = loom_astype(b, LOOM_INT32);
    loom_array *r = loom_einsum("bij,bjk->bik", 2, (loom_array *[]){ia, ib},
                                true);
    ck_assert(!has_op(r, GRAPH_OP_MATMUL, 8));
    ck_assert_int_eq(loom_dtype_of(r), LOOM_INT32);
    ck_assert_int_eq(loom_item_int(r, (int64_t[]){1, 2, 3}), 4);
    loom_ctx_free(ctx);
}
END_TEST

START_TEST(dtypes_follow_numpy)
{
    loom_ctx *ctx = ts_ctx();
    bool bd[6] = {true, false, true, false, false, true};
    bool be[6] = {false, true, true, false, false, false};
    loom_array *b1 = loom_array_from(ctx, bd, LOOM_BOOL, LOOM_SHAPE(2, 3),
                                     LOOM_COPY);
    loom_array *b2 = loom_array_from(ctx, be, LOOM_BOOL, LOOM_SHAPE(3, 2),
                                     LOOM_COPY);
    loom_array *r = loom_einsum("ij,jk->ik", 2, (loom_array *[]){b1, b2}, true);
    ck_assert_int_eq(loom_dtype_of(r), LOOM_BOOL);
    ck_assert_int_eq(loom_eval(r), LOOM_OK);
    const bool *g = loom_data(r);
    /* row 0 = (T,F,T): (F,T)|(F,F)... */
    bool want[4];
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < 2; k++) {
            want[i * 2 + k] = false;
            for (int j = 0; j < 3; j++)
                want[i * 2 + k] |= bd[i * 3 + j] && be[j * 2 + k];
        }
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(g[i], want[i]);
    loom_array *i32 = loom_ones(ctx, LOOM_SHAPE(3), LOOM_INT32);
    loom_array *f32 = loom_ones(ctx, LOOM_SHAPE(3), LOOM_FLOAT32);
    loom_array *i64 = loom_ones(ctx, LOOM_SHAPE(3), LOOM_INT64);
    ck_assert_int_eq(loom_dtype_of(loom_einsum("i,i", 2,
                                               (loom_array *[]){i32, f32},
                                               false)),
                     LOOM_FLOAT64);
    ck_assert_int_eq(loom_dtype_of(loom_einsum("i,i", 2,
                                               (loom_array *[]){i32, i64},
                                               false)),
                     LOOM_INT64);
    ck_assert_int_eq(loom_dtype_of(loom_einsum("i", 1, &i32, false)),
                     LOOM_INT32);
    /* weak scalars: f32 * 2.5 stays f32, i32 * 3 stays i32, i32 * 0.5 is
     * f64 */
    loom_array *w = loom_einsum("i,->i", 2,
                                (loom_array *[]){f32, loom_scalar(ctx, 2.5)},
                                false);
    ck_assert_int_eq(loom_dtype_of(w), LOOM_FLOAT32);
    ck_assert_double_eq(loom_item(w, (int64_t[]){1}), 2.5);
    ck_assert_int_eq(loom_dtype_of(loom_einsum(
                         "i,->i", 2,
                         (loom_array *[]){i32, loom_scalar_int(ctx, 3)}, false)),
                     LOOM_INT32);
    ck_assert_int_eq(loom_dtype_of(loom_einsum(
                         "i,->i", 2,
                         (loom_array *[]){i32, loom_scalar(ctx, 0.5)}, false)),
                     LOOM_FLOAT64);
    loom_ctx_free(ctx);
}
END_TEST

START_TEST(scope_holds_only_the_result)
{
    ts_failing_alloc fa = {0};
    loom_options o = loom_options_default();
    o.alloc = ts_failing_alloc_fn;
    o.alloc_ud = &fa;
    o.cache_dir = "";
    loom_ctx *ctx = loom_ctx_new(&o);
    loom_array *a = loom_ones(ctx, LOOM_SHAPE(8, 8), LOOM_FLOAT64);
    long long base = 0;
    for (int it = 0; it < 20; it++) {
        loom_scope_begin(ctx);
        loom_array *r = loom_einsum("ij,jk,kl,li->", 4,
                                    (loom_array *[]){a, a, a, a}, it & 1);
        ck_assert_int_eq(loom_eval(r), LOOM_OK);
        ck_assert_double_eq(loom_item(r, NULL), 8.0 * 8 * 8 * 8);
        loom_scope_end(ctx);
        if (it == 3)
            base = fa.live;
        if (it > 3)
            ck_assert_msg(fa.live <= base, "leak: %lld > %lld", fa.live, base);
    }
    loom_ctx_free(ctx);
    ck_assert_int_eq(fa.live, 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("einsum");
    TCase *tc = tcase_create("einsum");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, values_match_reference_fused);
    tcase_add_test(tc, values_match_reference_eager);
    tcase_add_test(tc, bad_subscripts_poison);
    tcase_add_test(tc, valid_odd_forms);
    tcase_add_test(tc, path_picks_cheap_order);
    tcase_add_test(tc, path_flops_match_numpy);
    tcase_add_test(tc, greedy_beyond_exhaustive);
    tcase_add_test(tc, many_disjoint_operands_stay_in_max_dims);
    tcase_add_test(tc, diagonal_is_a_view);
    tcase_add_test(tc, float_contractions_use_gemm);
    tcase_add_test(tc, dtypes_follow_numpy);
    tcase_add_test(tc, scope_holds_only_the_result);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ts_run(suite());
}
