/*
 * einsum.c -- np.einsum and np.einsum_path: subscript parsing, the choice
 * of a contraction order, and each pairwise step as a (batched) GEMM or a
 * broadcast multiply followed by a sum that fusion runs as one loop kernel.
 *
 * Labels are small integers: 'a'..'z' are 0..25, 'A'..'Z' 26..51, and the
 * dimensions that "..." stands for 52..59, right-aligned across operands
 * (they broadcast like NumPy's trailing dimensions).  A set of labels is a
 * 64-bit mask.
 *
 * An einsum is built in three phases:
 *  1. per operand: cast to the result dtype; a diagonal view for labels
 *     repeated within the operand; extent-1 axes whose label is larger
 *     elsewhere are squeezed (broadcasting an extent-1 axis against a sum
 *     is the same as dropping it); labels found in no other operand and not
 *     in the output are summed at once;
 *  2. a contraction order over the label sets that remain: exhaustive (a
 *     dynamic program over subsets, i.e. over every contraction tree) for
 *     up to ES_DP_MAX operands, greedy beyond, left to right without
 *     optimize.  The cost of a step is NumPy's FLOP count; with optimize,
 *     intermediates are capped at the largest input or output, as NumPy's
 *     default memory limit;
 *  3. each step: a GEMM (batch, M, K) x (batch, K, N) when a float step
 *     sums over a label and has a non-trivial M x N, else a broadcast
 *     multiply and a sum over the contracted labels.  A final transpose
 *     puts the labels in output order.
 *
 * The einsum_path report is produced from the same parse and plan
 * (graph_einsum_describe), so the text shows the order loom runs.
 */
#include "graph/graph.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define ES_MAXOPS 32       /* NumPy's NPY_MAXARGS */
#define ES_NLETTERS 52
#define ES_ELL 52          /* first label of the "..." dimensions */
#define ES_NLABELS (ES_NLETTERS + LOOM_MAX_DIMS)
#define ES_MAXTERM 64      /* letters one term may spell before checking */
#define ES_DP_MAX 10       /* exhaustive search up to this many operands */
#define ES_MSG 512

typedef uint64_t es_set;

/* The parsed subscripts against the operands' shapes.  lab[i][k] is the
 * label of axis k of operand i; size[l] is label l's extent after
 * broadcasting (-1 when l is not used); out lists the output labels. */
typedef struct es_spec {
    int n;
    int ndim[ES_MAXOPS];
    int8_t lab[ES_MAXOPS][LOOM_MAX_DIMS];
    int64_t shape[ES_MAXOPS][LOOM_MAX_DIMS];
    int nout;
    int8_t out[LOOM_MAX_DIMS];
    int nell;                  /* dimensions "..." covers (broadcast) */
    int64_t size[ES_NLABELS];
} es_spec;

/* A contraction order: step k contracts the operands at positions
 * pos[k][0] < pos[k][1] of the running list (NumPy's einsum_path
 * convention: both are removed and the result appended).  nary: after
 * those steps, one step over every operand left (NumPy's way out when no
 * pairwise order fits the memory cap). */
typedef struct es_plan {
    int nsteps;
    int pos[ES_MAXOPS][2];
    bool nary;
} es_plan;

/* An operand being contracted: the array and the label of each axis. */
typedef struct es_op {
    loom_array *a;
    int nl;
    int8_t l[LOOM_MAX_DIMS];
} es_op;

/* Exported for the dump stage (defined below); the declaration belongs in
 * graph/graph.h. */

/* ---- labels and sets ---- */

static int label_of(char c)
{
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= 'A' && c <= 'Z')
        return 26 + (c - 'A');
    return -1;
}

static int popcount(es_set s)
{
    return __builtin_popcountll(s);
}

static es_set bit(int l)
{
    return (es_set)1 << l;
}

/* The product of the extents of the labels in s, as a double (costs and
 * sizes are estimates; NumPy reports them as floats too). */
static double set_size(const es_spec *sp, es_set s)
{
    double r = 1;
    for (; s; s &= s - 1)
        r *= (double)sp->size[__builtin_ctzll(s)];
    return r;
}

static es_set op_set(const es_spec *sp, int i)
{
    es_set s = 0;
    for (int k = 0; k < sp->ndim[i]; k++)
        s |= bit(sp->lab[i][k]);
    return s;
}

static es_set out_set(const es_spec *sp)
{
    es_set s = 0;
    for (int k = 0; k < sp->nout; k++)
        s |= bit(sp->out[k]);
    return s;
}

/* ---- parsing ---- */

static bool fail(char *msg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Writes the message into msg (ES_MSG bytes) and returns false. */
static bool fail(char *msg, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, ES_MSG, fmt, ap);
    va_end(ap);
    return false;
}

/* One term of the subscripts: its letters and where "..." sits among
 * them (ell = index of the letter it precedes, -1 if absent). */
typedef struct es_term {
    int nl;
    int8_t l[ES_MAXTERM];
    int ell;
} es_term;

/* Parses s[0..len) as the term of operand op (op < 0: the output). */
static bool parse_term(const char *s, size_t len, int op, es_term *t,
                       char *msg)
{
    char where[32];
    if (op >= 0)
        snprintf(where, sizeof where, "in operand %d", op);
    else
        snprintf(where, sizeof where, "in the output");
    t->nl = 0;
    t->ell = -1;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        int l = label_of(c);
        if (c == ' ')
            continue;
        if (l >= 0) {
            if (t->nl == ES_MAXTERM) {
                if (op >= 0)
                    return fail(msg, "einstein sum subscripts string "
                                     "contains too many subscripts for "
                                     "operand %d", op);
                return fail(msg, "einstein sum subscripts string contains "
                                 "too many subscripts in the output");
            }
            t->l[t->nl++] = (int8_t)l;
        } else if (c == '.') {
            if (t->ell >= 0 || i + 2 >= len || s[i + 1] != '.' ||
                s[i + 2] != '.')
                return fail(msg, "einstein sum subscripts string contains a "
                                 "'.' that is not part of an ellipsis "
                                 "('...') %s", where);
            t->ell = t->nl;
            i += 2;
        } else {
            return fail(msg, "invalid subscript '%c' in einstein sum "
                             "subscripts string, subscripts must be letters",
                        c);
        }
    }
    return true;
}

/* Fills the labels of operand i from its term, given nell. */
static void place_labels(es_spec *sp, int i, const es_term *t)
{
    int e = sp->ndim[i] - t->nl, k = 0;
    for (int j = 0; j <= t->nl; j++) {
        if (j == t->ell)
            for (int d = 0; d < e; d++)
                sp->lab[i][k++] = (int8_t)(ES_ELL + sp->nell - e + d);
        if (j < t->nl)
            sp->lab[i][k++] = t->l[j];
    }
}

static char letter(int l)
{
    return (char)(l < 26 ? 'a' + l : 'A' + (l - 26));
}

/* "(3,2)->(newaxis,3,2)": operand i's shape, then the same with its
 * "..." dimensions right-aligned to all of them (newaxis where it has
 * fewer) -- the broadcast error's operand list. */
static void remapped(const es_spec *sp, int i, char *buf, size_t n)
{
    char a[128], b[320];
    graph_shape_str(a, sizeof a, sp->ndim[i], sp->shape[i]);
    size_t k = 0;
    int items = 0;
    b[k++] = '(';
    for (int d = 0; d < sp->nell; d++) {
        int64_t ext = -1;
        for (int x = 0; x < sp->ndim[i]; x++)
            if (sp->lab[i][x] == ES_ELL + d)
                ext = sp->shape[i][x];
        if (ext < 0)
            k += (size_t)snprintf(b + k, sizeof b - k, "%snewaxis",
                                  items++ ? "," : "");
        else
            k += (size_t)snprintf(b + k, sizeof b - k, "%s%lld",
                                  items++ ? "," : "", (long long)ext);
    }
    for (int x = 0; x < sp->ndim[i]; x++)
        if (sp->lab[i][x] < ES_ELL)
            k += (size_t)snprintf(b + k, sizeof b - k, "%s%lld",
                                  items++ ? "," : "",
                                  (long long)sp->shape[i][x]);
    snprintf(b + k, sizeof b - k, ")");
    snprintf(buf, n, "%s->%s", a, b);
}

/* Checks extents: repeated labels within an operand must agree exactly;
 * across operands extent 1 broadcasts. */
static bool check_sizes(es_spec *sp, char *msg)
{
    for (int l = 0; l < ES_NLABELS; l++)
        sp->size[l] = -1;
    for (int i = 0; i < sp->n; i++) {
        for (int k = 0; k < sp->ndim[i]; k++)
            for (int j = 0; j < k; j++)
                if (sp->lab[i][j] == sp->lab[i][k] &&
                    sp->shape[i][j] != sp->shape[i][k]) {
                    if (sp->n == 1)
                        return fail(msg, "dimensions in single operand for "
                                         "collapsing index '%c' don't match "
                                         "(%lld != %lld)",
                                    letter(sp->lab[i][k]),
                                    (long long)sp->shape[i][j],
                                    (long long)sp->shape[i][k]);
                    return fail(msg, "dimensions in operand %d for "
                                     "collapsing index '%c' don't match "
                                     "(%lld != %lld)",
                                i, letter(sp->lab[i][k]),
                                (long long)sp->shape[i][j],
                                (long long)sp->shape[i][k]);
                }
        for (int k = 0; k < sp->ndim[i]; k++) {
            int l = sp->lab[i][k];
            int64_t ext = sp->shape[i][k], *have = &sp->size[l];
            if (*have < 0 || *have == 1) {
                *have = ext;
                continue;
            }
            if (ext == 1 || ext == *have)
                continue;
            if (l < ES_ELL)
                return fail(msg, "Size of label '%c' for operand %d (%lld) "
                                 "does not match previous terms (%lld).",
                            letter(l), i, (long long)ext, (long long)*have);
            char text[ES_MSG] = "", one[460];
            size_t k2 = 0;
            for (int j = 0; j < sp->n && k2 < sizeof text; j++) {
                remapped(sp, j, one, sizeof one);
                k2 += (size_t)snprintf(text + k2, sizeof text - k2, "%s%s",
                                       j ? " " : "", one);
            }
            return fail(msg, "operands could not be broadcast together with "
                             "remapped shapes [original->remapped]: %s",
                        text);
        }
    }
    return true;
}

/* Parses the output part (explicit, after "->") or builds the implicit
 * output: the "..." dimensions, then the letters used once, uppercase
 * before lowercase (NumPy's order). */
static bool parse_output(es_spec *sp, const char *s, bool explicit_out,
                         es_set used, const int *count, char *msg)
{
    sp->nout = 0;
    if (!explicit_out) {
        if (sp->nell > LOOM_MAX_DIMS)
            goto too_many;
        for (int d = 0; d < sp->nell; d++)
            sp->out[sp->nout++] = (int8_t)(ES_ELL + d);
        for (int c = 0; c < ES_NLETTERS; c++) {
            int l = c < 26 ? 26 + c : c - 26;
            if (count[l] != 1)
                continue;
            if (sp->nout == LOOM_MAX_DIMS)
                goto too_many;
            sp->out[sp->nout++] = (int8_t)l;
        }
        return true;
    }
    es_term t;
    if (!parse_term(s, strlen(s), -1, &t, msg))
        return false;
    es_set seen = 0;
    for (int k = 0; k < t.nl; k++) {
        int l = t.l[k];
        if (seen & bit(l))
            return fail(msg, "einstein sum subscripts string includes "
                             "output subscript '%c' multiple times",
                        letter(l));
        seen |= bit(l);
        if (!(used & bit(l)))
            return fail(msg, "einstein sum subscripts string included "
                             "output subscript '%c' which never appeared in "
                             "an input",
                        letter(l));
    }
    if (t.ell < 0 && sp->nell > 0)
        return fail(msg, "output has more dimensions than subscripts given "
                         "in einstein sum, but no '...' ellipsis provided to "
                         "broadcast the extra dimensions.");
    if (t.nl + (t.ell >= 0 ? sp->nell : 0) > LOOM_MAX_DIMS)
        goto too_many;
    for (int j = 0; j <= t.nl; j++) {
        if (j == t.ell)
            for (int d = 0; d < sp->nell; d++)
                sp->out[sp->nout++] = (int8_t)(ES_ELL + d);
        if (j < t.nl)
            sp->out[sp->nout++] = t.l[j];
    }
    return true;
too_many:
    return fail(msg, "einstein sum subscripts string contains too many "
                     "subscripts in the output");
}

/*
 * Parses subscripts against n operands of the given ranks and shapes into
 * *sp.  Returns false with NumPy's message in msg (ES_MSG bytes) when the
 * subscripts are malformed or disagree with the operands.
 */
static bool es_parse(const char *subs, int n, const int *ndims,
                     const int64_t *const *shapes, es_spec *sp, char *msg)
{
    memset(sp, 0, sizeof *sp);
    sp->n = n;
    const char *dash = strchr(subs, '-');
    size_t inlen = dash ? (size_t)(dash - subs) : strlen(subs);
    if (dash && dash[1] != '>')
        return fail(msg, "einstein sum subscript string does not contain "
                         "proper '->' output specified");
    es_term terms[ES_MAXOPS];
    int nterms = 0;
    size_t start = 0;
    for (size_t i = 0; i <= inlen; i++) {
        if (i < inlen && subs[i] != ',')
            continue;
        if (nterms == n)
            return fail(msg, "fewer operands provided to einstein sum "
                             "function than specified in the subscripts "
                             "string");
        if (!parse_term(subs + start, i - start, nterms, &terms[nterms], msg))
            return false;
        nterms++;
        start = i + 1;
    }
    if (nterms < n)
        return fail(msg, "more operands provided to einstein sum function "
                         "than specified in the subscripts string");
    es_set used = 0;
    int count[ES_NLETTERS] = {0};
    for (int i = 0; i < n; i++) {
        const es_term *t = &terms[i];
        int d = ndims[i];
        if (d < 0 || d > LOOM_MAX_DIMS)
            return fail(msg, "operand %d has %d dimensions (loom supports "
                             "up to %d)", i, d, LOOM_MAX_DIMS);
        if (t->nl > d)
            return fail(msg, "einstein sum subscripts string contains too "
                             "many subscripts for operand %d", i);
        if (t->nl < d && t->ell < 0)
            return fail(msg, "operand has more dimensions than subscripts "
                             "given in einstein sum, but no '...' ellipsis "
                             "provided to broadcast the extra dimensions.");
        if (d - t->nl > sp->nell)
            sp->nell = d - t->nl;
        sp->ndim[i] = d;
        memcpy(sp->shape[i], shapes[i], (size_t)d * sizeof(int64_t));
        for (int k = 0; k < t->nl; k++) {
            used |= bit(t->l[k]);
            count[t->l[k]]++;
        }
    }
    for (int i = 0; i < n; i++)
        place_labels(sp, i, &terms[i]);
    if (!check_sizes(sp, msg))
        return false;
    return parse_output(sp, dash ? dash + 2 : "", dash != NULL, used, count,
                        msg);
}

/* ---- planning ---- */

/* The label sets the planner sees, after phase 1: extent-1 axes broadcast
 * against larger extents are gone, and so are labels that only one operand
 * has and the output lacks.  squeezed[i] is operand i's set before the
 * second rule (phase 1 applies the first rule to it). */
static void reduced_sets(const es_spec *sp, es_set *squeezed, es_set *red)
{
    for (int i = 0; i < sp->n; i++) {
        es_set s = 0;
        for (int k = 0; k < sp->ndim[i]; k++) {
            int l = sp->lab[i][k];
            if (!(sp->shape[i][k] == 1 && sp->size[l] != 1))
                s |= bit(l);
        }
        squeezed[i] = s;
    }
    es_set out = out_set(sp);
    for (int i = 0; i < sp->n; i++) {
        es_set others = out;
        for (int j = 0; j < sp->n; j++)
            if (j != i)
                others |= squeezed[j];
        red[i] = squeezed[i] & others;
    }
}

/* Constraints on an intermediate with labels r: at most LOOM_MAX_DIMS
 * axes, and (unless it is the final result, or cap < 0) at most cap
 * elements. */
typedef struct es_limits {
    const es_spec *sp;
    double cap;
} es_limits;

static bool fits(const es_limits *lim, es_set r, bool final)
{
    if (popcount(r) > LOOM_MAX_DIMS)
        return false;
    return final || lim->cap < 0 || set_size(lim->sp, r) <= lim->cap;
}

/* NumPy's FLOP estimate of contracting terms over labels u, two at a
 * time: one multiply-add per term beyond the first and per element of
 * the union, plus one when labels are summed. */
static double flops(const es_spec *sp, es_set u, int nterms, bool inner)
{
    double f = nterms > 2 ? nterms - 1 : 1;
    return set_size(sp, u) * (f + (inner ? 1 : 0));
}

/* Appends the pair of list positions holding ids x and y to the plan and
 * updates the running list (ids), whose new element is id z. */
static void plan_pair(es_plan *pl, int *ids, int *nids, int x, int y, int z)
{
    int px = -1, py = -1;
    for (int k = 0; k < *nids; k++) {
        if (ids[k] == x)
            px = k;
        if (ids[k] == y)
            py = k;
    }
    int a = px < py ? px : py, b = px < py ? py : px;
    pl->pos[pl->nsteps][0] = a;
    pl->pos[pl->nsteps][1] = b;
    pl->nsteps++;
    memmove(&ids[b], &ids[b + 1], (size_t)(*nids - b - 1) * sizeof(int));
    (*nids)--;
    memmove(&ids[a], &ids[a + 1], (size_t)(*nids - a - 1) * sizeof(int));
    ids[*nids - 1] = z;
}

/* State of the subset dynamic program. */
typedef struct es_dp {
    es_set uni[1 << ES_DP_MAX];   /* labels of the operands in S */
    es_set inter[1 << ES_DP_MAX]; /* labels of the intermediate of S */
    double cost[1 << ES_DP_MAX];  /* cheapest cost of computing S */
    uint16_t split[1 << ES_DP_MAX];
    int ids[ES_MAXOPS], nids, next;
    /* the best partition into blocks contracted by one final step */
    unsigned blocks[ES_DP_MAX], best[ES_DP_MAX];
    int nbest;
    double best_cost;
} es_dp;

/* Emits the steps of subset s's best tree; returns its id. */
static int dp_emit(es_dp *d, es_plan *pl, unsigned s)
{
    if (!(s & (s - 1)))
        return __builtin_ctz(s);
    int x = dp_emit(d, pl, d->split[s]);
    int y = dp_emit(d, pl, s & ~(unsigned)d->split[s]);
    int z = d->next++;
    plan_pair(pl, d->ids, &d->nids, x, y, z);
    return z;
}

/* Searches the partitions of rest into blocks with a feasible tree each
 * (nb blocks chosen so far, acc their cost) for the cheapest one finished
 * by a single step over the blocks' results, within LOOM_MAX_DIMS
 * labels. */
static void dp_partitions(es_dp *d, const es_spec *sp, es_set out,
                          unsigned rest, int nb, double acc)
{
    if (acc >= d->best_cost)
        return;
    if (!rest) {
        es_set u = 0;
        for (int i = 0; i < nb; i++)
            u |= d->inter[d->blocks[i]];
        if (nb < 2 || popcount(u) > LOOM_MAX_DIMS)
            return;
        double c = acc + flops(sp, u, nb, (u & ~out) != 0);
        if (c < d->best_cost) {
            d->best_cost = c;
            d->nbest = nb;
            memcpy(d->best, d->blocks, (size_t)nb * sizeof *d->blocks);
        }
        return;
    }
    unsigned low = rest & -rest;
    for (unsigned a = rest; a; a = (a - 1) & rest) {
        if (!(a & low) || !isfinite(d->cost[a]))
            continue;
        d->blocks[nb] = a;
        dp_partitions(d, sp, out, rest & ~a, nb + 1, acc + d->cost[a]);
    }
}

/*
 * Exhaustive search over every contraction tree of n <= ES_DP_MAX
 * operands with label sets L: best[S] = min over splits S = A + B of
 * best[A] + best[B] + flops(inter[A] | inter[B]).  Subsets whose
 * intermediate breaks the limits are infeasible.  When no tree of all n
 * fits, the cheapest partition into feasible trees finished by one step
 * over all of them (pl->nary).  Returns false when neither exists (or
 * memory is out).
 */
static bool plan_dp(const es_limits *lim, int n, const es_set *L, es_set out,
                    es_plan *pl)
{
    const es_spec *sp = lim->sp;
    es_dp *d = malloc(sizeof *d);
    if (!d)
        return false;
    unsigned full = (1u << n) - 1;
    es_set *uni = d->uni;
    uni[0] = 0;
    for (unsigned s = 1; s <= full; s++)
        uni[s] = uni[s & (s - 1)] | L[__builtin_ctz(s)];
    for (unsigned s = 1; s <= full; s++) {
        d->inter[s] = uni[s] & (out | uni[full & ~s]);
        d->cost[s] = (s & (s - 1)) ? INFINITY : 0;
        d->split[s] = 0;
        if (!(s & (s - 1)) || !fits(lim, d->inter[s], s == full))
            continue;
        unsigned low = s & -s;
        for (unsigned a = (s - 1) & s; a; a = (a - 1) & s) {
            if (!(a & low))
                continue;
            unsigned b = s & ~a;
            double c = d->cost[a] + d->cost[b];
            if (c >= d->cost[s])
                continue;
            es_set u = d->inter[a] | d->inter[b];
            c += flops(sp, u, 2, (u & ~d->inter[s]) != 0);
            if (c < d->cost[s]) {
                d->cost[s] = c;
                d->split[s] = (uint16_t)a;
            }
        }
    }
    d->nids = n;
    d->next = n;
    for (int i = 0; i < n; i++)
        d->ids[i] = i;
    pl->nsteps = 0;
    pl->nary = false;
    bool ok = isfinite(d->cost[full]);
    if (ok) {
        dp_emit(d, pl, full);
    } else {
        d->best_cost = INFINITY;
        d->nbest = 0;
        dp_partitions(d, sp, out, full, 0, 0);
        ok = d->nbest > 0;
        for (int i = 0; i < d->nbest; i++)
            dp_emit(d, pl, d->best[i]);
        pl->nary = ok;
    }
    free(d);
    return ok;
}

/*
 * Greedy over the m operands with label sets L (updated in place): while
 * more than one is left, contracts the cheapest pair (FLOPs, then the
 * largest drop in stored elements) among pairs that share a label, or
 * among all pairs when none do, skipping pairs whose result breaks the
 * limits.  Returns false when it gets stuck (*m > 1 then).
 */
static bool plan_greedy(const es_limits *lim, es_set *L, int *m, es_set out,
                        es_plan *pl)
{
    const es_spec *sp = lim->sp;
    while (*m > 1) {
        int bi = -1, bj = -1, n = *m;
        double bc = INFINITY, bd = INFINITY;
        es_set br = 0;
        for (int pass = 0; pass < 2 && bi < 0; pass++)
            for (int i = 0; i < n; i++)
                for (int j = i + 1; j < n; j++) {
                    if (pass == 0 && !(L[i] & L[j]))
                        continue;
                    es_set keep = out;
                    for (int k = 0; k < n; k++)
                        if (k != i && k != j)
                            keep |= L[k];
                    es_set u = L[i] | L[j], r = u & keep;
                    if (!fits(lim, r, n == 2))
                        continue;
                    double c = flops(sp, u, 2, (u & ~r) != 0);
                    double dm = set_size(sp, r) - set_size(sp, L[i]) -
                                set_size(sp, L[j]);
                    if (c < bc || (c == bc && dm < bd)) {
                        bi = i, bj = j, bc = c, bd = dm, br = r;
                    }
                }
        if (bi < 0)
            return false;
        pl->pos[pl->nsteps][0] = bi;
        pl->pos[pl->nsteps][1] = bj;
        pl->nsteps++;
        memmove(&L[bj], &L[bj + 1], (size_t)(n - bj - 1) * sizeof *L);
        n--;
        memmove(&L[bi], &L[bi + 1], (size_t)(n - bi - 1) * sizeof *L);
        L[n - 1] = br;
        *m = n;
    }
    return true;
}

/* Left to right: (0, 1) at every step; false if an intermediate would have
 * more than LOOM_MAX_DIMS axes. */
static bool plan_left(const es_limits *lim, int n, const es_set *L0,
                      es_set out, es_plan *pl)
{
    es_set L[ES_MAXOPS];
    memcpy(L, L0, (size_t)n * sizeof *L);
    pl->nsteps = 0;
    for (int m = n; m > 1; m--) {
        es_set keep = out;
        for (int k = 2; k < m; k++)
            keep |= L[k];
        es_set r = (L[0] | L[1]) & keep;
        if (!fits(lim, r, m == 2))
            return false;
        pl->pos[pl->nsteps][0] = 0;
        pl->pos[pl->nsteps][1] = 1;
        pl->nsteps++;
        memmove(&L[0], &L[2], (size_t)(m - 2) * sizeof *L);
        L[m - 2] = r;
    }
    return true;
}

/* Greedy from scratch with the limits; when stuck, one step over what is
 * left if that fits in LOOM_MAX_DIMS labels, else on without the cap. */
static bool plan_greedy_all(es_limits *lim, int n, const es_set *L0,
                            es_set out, es_plan *pl)
{
    es_set L[ES_MAXOPS];
    memcpy(L, L0, (size_t)n * sizeof *L);
    int m = n;
    pl->nsteps = 0;
    pl->nary = false;
    if (plan_greedy(lim, L, &m, out, pl))
        return true;
    es_set all = 0;
    for (int i = 0; i < m; i++)
        all |= L[i];
    if (popcount(all) <= LOOM_MAX_DIMS) {
        pl->nary = true;
        return true;
    }
    lim->cap = -1;
    return plan_greedy(lim, L, &m, out, pl);
}

/*
 * The contraction order loom uses for sp.  Without optimize: left to
 * right (greedy if that would need an intermediate of more than
 * LOOM_MAX_DIMS axes).  With optimize: exhaustive for up to ES_DP_MAX
 * operands, greedy beyond, intermediates capped at NumPy's default memory
 * limit (the largest input or output); when no order fits the cap, the
 * operands are contracted in groups and the groups' results in one final
 * step, as NumPy does, provided that step has at most LOOM_MAX_DIMS
 * labels; failing that, the best order without the cap.  Returns false
 * only when no order keeps every intermediate within LOOM_MAX_DIMS axes.
 */
static bool es_plan_build(const es_spec *sp, bool optimize, es_plan *pl)
{
    es_set squeezed[ES_MAXOPS], L[ES_MAXOPS], out = out_set(sp);
    reduced_sets(sp, squeezed, L);
    memset(pl, 0, sizeof *pl);
    int n = sp->n;
    if (n == 1)
        return true;
    es_limits lim = {sp, -1};
    if (!optimize) {
        if (plan_left(&lim, n, L, out, pl))
            return true;
        return plan_greedy_all(&lim, n, L, out, pl);
    }
    lim.cap = set_size(sp, out);
    for (int i = 0; i < n; i++) {
        double s = 1;
        for (int k = 0; k < sp->ndim[i]; k++)
            s *= (double)sp->shape[i][k];
        if (s > lim.cap)
            lim.cap = s;
    }
    if (n > ES_DP_MAX)
        return plan_greedy_all(&lim, n, L, out, pl);
    if (plan_dp(&lim, n, L, out, pl))
        return true;
    lim.cap = -1;
    return plan_dp(&lim, n, L, out, pl);
}

/* ---- the report ---- */

/* A growing malloc'd string; ok turns false on allocation failure. */
typedef struct es_buf {
    char *s;
    size_t len, cap;
    bool ok;
} es_buf;

static void bprintf(es_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void bprintf(es_buf *b, const char *fmt, ...)
{
    if (!b->ok)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->s ? b->s + b->len : NULL,
                          b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (k < 0) {
            b->ok = false;
            return;
        }
        if (b->s && b->len + (size_t)k < b->cap) {
            b->len += (size_t)k;
            return;
        }
        size_t cap = (b->cap ? b->cap * 2 : 1024) + (size_t)k;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->ok = false;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
}

/* The letters of the report: the "..." dimensions take letters no term
 * uses (NumPy picks unused letters too, in an unspecified order). */
static void report_letters(const es_spec *sp, char *name)
{
    es_set used = 0;
    for (int i = 0; i < sp->n; i++)
        used |= op_set(sp, i);
    int l = 26; /* 'A' first, then 'a' */
    for (int d = 0; d < sp->nell; d++) {
        while (used & bit(l))
            l = l == ES_NLETTERS - 1 ? 0 : l + 1;
        name[ES_ELL + d] = letter(l);
        used |= bit(l);
    }
    for (int k = 0; k < ES_NLETTERS; k++)
        name[k] = letter(k);
}

/* The labels of s sorted by (extent, letter), NumPy's order for the
 * intermediates it reports. */
static void sorted_labels(const es_spec *sp, const char *name, es_set s,
                          char *str)
{
    int n = 0, ls[ES_NLABELS];
    for (; s; s &= s - 1)
        ls[n++] = __builtin_ctzll(s);
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0; j--) {
            int a = ls[j - 1], b = ls[j];
            bool swap = sp->size[a] > sp->size[b] ||
                        (sp->size[a] == sp->size[b] && name[a] > name[b]);
            if (!swap)
                break;
            ls[j - 1] = b;
            ls[j] = a;
        }
    for (int i = 0; i < n; i++)
        str[i] = name[ls[i]];
    str[n] = 0;
}

/* A running term of the report: its text and its label set. */
typedef struct es_rterm {
    char s[ES_NLABELS + 1];
    es_set set;
} es_rterm;

static void join_terms(es_buf *b, const es_rterm *t, int n, const char *out)
{
    for (int i = 0; i < n; i++)
        bprintf(b, "%s%s", i ? "," : "", t[i].s);
    bprintf(b, "->%s", out);
}

/*
 * The einsum_path text of plan pl over sp, laid out as NumPy's: the path
 * as a list of tuples, the totals, and one row per contraction.  FLOP
 * counts and scalings follow NumPy's formulas over the subscripts as
 * written (so they match NumPy's for the same path), even where loom's
 * phase 1 makes a step cheaper.  Returns a malloc'd string or NULL.
 */
static char *es_report(const es_spec *sp, const es_plan *pl)
{
    char name[ES_NLABELS];
    report_letters(sp, name);
    es_rterm t[ES_MAXOPS];
    int m = sp->n;
    es_set all = 0;
    int sumlen = 0;
    for (int i = 0; i < m; i++) {
        for (int k = 0; k < sp->ndim[i]; k++)
            t[i].s[k] = name[sp->lab[i][k]];
        t[i].s[sp->ndim[i]] = 0;
        t[i].set = op_set(sp, i);
        all |= t[i].set;
        sumlen += popcount(t[i].set);
    }
    char out[LOOM_MAX_DIMS + 1];
    for (int k = 0; k < sp->nout; k++)
        out[k] = name[sp->out[k]];
    out[sp->nout] = 0;
    es_set oset = out_set(sp);

    es_buf b = {NULL, 0, 0, true}, rows = {NULL, 0, 0, true};
    bprintf(&b, "['einsum_path'");
    int nsteps = pl->nsteps + (m == 1 || pl->nary ? 1 : 0);
    double cost = 0, largest = 0;
    int scale = 0;
    es_buf head = {NULL, 0, 0, true};
    join_terms(&head, t, m, out);
    for (int st = 0; st < nsteps; st++) {
        int idx[ES_MAXOPS], k = 0;
        if (st == pl->nsteps)
            for (; k < m; k++)
                idx[k] = k;
        else {
            idx[k++] = pl->pos[st][0];
            idx[k++] = pl->pos[st][1];
        }
        bprintf(&b, ", (");
        for (int j = 0; j < k; j++)
            bprintf(&b, j ? ", %d" : k == 1 ? "%d," : "%d", idx[j]);
        bprintf(&b, ")");
        /* pop in descending order, as NumPy lists them */
        es_buf cur = {NULL, 0, 0, true};
        es_set u = 0;
        for (int j = k - 1; j >= 0; j--) {
            bprintf(&cur, "%s%s", j == k - 1 ? "" : ",", t[idx[j]].s);
            u |= t[idx[j]].set;
            memmove(&t[idx[j]], &t[idx[j] + 1],
                    (size_t)(m - idx[j] - 1) * sizeof *t);
            m--;
        }
        es_set keep = oset;
        for (int j = 0; j < m; j++)
            keep |= t[j].set;
        es_set r = u & keep;
        double c = flops(sp, u, k, (u & ~r) != 0);
        cost += c;
        if (popcount(u) > scale)
            scale = popcount(u);
        if (set_size(sp, r) > largest)
            largest = set_size(sp, r);
        if (st == nsteps - 1)
            strcpy(t[m].s, out);
        else
            sorted_labels(sp, name, r, t[m].s);
        t[m].set = r;
        bprintf(&cur, "->%s", t[m].s);
        m++;
        es_buf rem = {NULL, 0, 0, true};
        join_terms(&rem, t, m, out);
        bprintf(&rows, "\n%4d    %24s %40s", popcount(u),
                cur.ok ? cur.s : "", rem.ok ? rem.s : "");
        rows.ok = rows.ok && cur.ok && rem.ok;
        free(cur.s);
        free(rem.s);
    }
    bprintf(&b, "]\n");
    cost += 1; /* NumPy adds one */
    double naive = flops(sp, all, sp->n, sumlen > popcount(all));
    static const char dashes[] =
        "--------------------------------------------------------------------"
        "------";
    bprintf(&b, "  Complete contraction:  %s\n", head.ok ? head.s : "");
    bprintf(&b, "         Naive scaling:  %d\n", popcount(all));
    bprintf(&b, "     Optimized scaling:  %d\n", scale);
    bprintf(&b, "      Naive FLOP count:  %.3e\n", naive);
    bprintf(&b, "  Optimized FLOP count:  %.3e\n", cost);
    bprintf(&b, "   Theoretical speedup:  %3.3f\n", naive / cost);
    bprintf(&b, "  Largest intermediate:  %.3e elements\n", largest);
    bprintf(&b, "%s\n%6s %24s %40s\n%s", dashes, "scaling", "current",
            "remaining", dashes);
    bprintf(&b, "%s", rows.ok && rows.s ? rows.s : "");
    bool ok = b.ok && rows.ok && head.ok;
    free(rows.s);
    free(head.s);
    if (!ok) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

/*
 * The einsum_path report (the format of loom_einsum_path) of subscripts
 * over n operands of ranks ndims and extents shapes, for the order that
 * loom_einsum(..., optimize) takes.  Returns a malloc'd string the caller
 * frees with free(); or NULL, with *status and the message (NumPy's
 * wording, no "einsum:" prefix) in msg[0..msglen) when the subscripts do
 * not fit the shapes or memory is out.  Needs no context: the dump stage
 * can call it with the shapes it sees.
 */
char *graph_einsum_describe(const char *subscripts, int n, const int *ndims,
                            const int64_t *const *shapes, bool optimize,
                            loom_status *status, char *msg, size_t msglen)
{
    char m[ES_MSG] = "";
    loom_status st = LOOM_ERR_VALUE;
    char *text = NULL;
    es_spec *sp = malloc(sizeof *sp);
    es_plan pl;
    if (!sp) {
        st = LOOM_ERR_MEMORY;
        snprintf(m, sizeof m, "out of memory");
    } else if (!subscripts || !ndims || !shapes) {
        st = LOOM_ERR_NULL;
        snprintf(m, sizeof m, "NULL subscripts or shapes");
    } else if (n < 1 || n > ES_MAXOPS) {
        snprintf(m, sizeof m, n < 1 ? "must specify the einstein sum "
                                      "subscripts string and at least one "
                                      "operand"
                                    : "too many operands provided to "
                                      "einstein sum function");
    } else if (es_parse(subscripts, n, ndims, shapes, sp, m)) {
        if (!es_plan_build(sp, optimize, &pl)) {
            snprintf(m, sizeof m, "no contraction order keeps the "
                                  "intermediates within %d dimensions",
                     LOOM_MAX_DIMS);
        } else {
            text = es_report(sp, &pl);
            st = text ? LOOM_OK : LOOM_ERR_MEMORY;
            if (!text)
                snprintf(m, sizeof m, "out of memory");
        }
    }
    free(sp);
    if (status)
        *status = st;
    if (msg && msglen)
        snprintf(msg, msglen, "%s", m);
    return text;
}

/* ---- building ---- */

/* NumPy's result_type over all operands: strong operands promote as
 * arrays; weak (Python-like) scalars only lift the kind, as in
 * graph_result_type.  bool einsum stays bool. */
static int dkind(loom_dtype t)
{
    return t == LOOM_BOOL ? 0 : graph_is_int(t) ? 1 : 2;
}

static loom_dtype result_dtype(int n, loom_array *const *ops)
{
    loom_dtype t = LOOM_DEFAULT_DTYPE, w = LOOM_DEFAULT_DTYPE;
    bool big = false; /* a weak integer beyond int32 */
    for (int i = 0; i < n; i++) {
        loom_dtype d = (loom_dtype)ops[i]->dtype;
        if (!(ops[i]->flags & GRAPH_WEAK)) {
            t = t == LOOM_DEFAULT_DTYPE ? d : loom_promote(t, d);
            continue;
        }
        w = w == LOOM_DEFAULT_DTYPE ? d : loom_promote(w, d);
        if (ops[i]->op == GRAPH_OP_CONST && graph_is_int(d) &&
            (ops[i]->value.i < INT32_MIN || ops[i]->value.i > INT32_MAX))
            big = true;
    }
    static const loom_dtype kind_default[3] = {LOOM_BOOL, LOOM_INT64,
                                               LOOM_FLOAT64};
    if (w == LOOM_DEFAULT_DTYPE)
        return t;
    if (t == LOOM_DEFAULT_DTYPE)
        return kind_default[dkind(w)];
    if (dkind(w) > dkind(t))
        return kind_default[dkind(w)];
    if (dkind(w) == 1 && t == LOOM_INT32 && big)
        return LOOM_INT64;
    return t;
}

static es_set labels_of(const es_op *o)
{
    es_set s = 0;
    for (int k = 0; k < o->nl; k++)
        s |= bit(o->l[k]);
    return s;
}

static int pos_of(const es_op *o, int l)
{
    for (int k = 0; k < o->nl; k++)
        if (o->l[k] == l)
            return k;
    return -1;
}

/* The labels of s in the order o has them. */
static int labels_in_order(const es_op *o, es_set s, int8_t *dst)
{
    int n = 0;
    for (int k = 0; k < o->nl; k++)
        if (s & bit(o->l[k]))
            dst[n++] = o->l[k];
    return n;
}

/* Sums o over the labels in s (any() for bool), in dtype t. */
static void sum_labels(es_op *o, es_set s, loom_dtype t)
{
    if (!(labels_of(o) & s))
        return;
    loom_axes ax = {0, {0}};
    int k = 0;
    for (int i = 0; i < o->nl; i++) {
        if (s & bit(o->l[i]))
            ax.axis[ax.n++] = i;
        else
            o->l[k++] = o->l[i];
    }
    o->nl = k;
    if (t == LOOM_BOOL)
        o->a = loom_reduce(LOOM_RED_ANY, o->a, ax, false, LOOM_DEFAULT_DTYPE, 0);
    else
        o->a = loom_reduce(LOOM_RED_SUM, o->a, ax, false, t, 0);
}

/* x transposed by perm, then reshaped to s (merging axes the transpose
 * made adjacent).  A view where the layout allows; fusion materializes
 * the transposed operand otherwise (the copy NumPy's reshape makes). */
static loom_array *permute_merge(loom_array *x, const int *perm,
                                 loom_shape s)
{
    return loom_reshape(loom_transpose(x, perm), s);
}

/*
 * Replaces labels repeated within o by their diagonal, as a view: equal
 * labels are made adjacent (a transpose, unless they already are),
 * merged (a reshape: r axes of extent e become one of e^r) and sliced
 * with step 1 + e + ... + e^(r-1).  No copy when the repeated axes are
 * adjacent ('ii', 'bii', 'iij') over a C-ordered layout; otherwise the
 * transposed operand is materialized (see permute_merge).
 */
static void take_diagonals(es_op *o)
{
    int perm[LOOM_MAX_DIMS], np = 0, nd = 0, reps[LOOM_MAX_DIMS];
    int8_t labs[LOOM_MAX_DIMS];
    bool adjacent = true;
    for (int k = 0; k < o->nl; k++) {
        bool seen = false;
        for (int j = 0; j < nd; j++)
            seen = seen || labs[j] == o->l[k];
        if (seen)
            continue;
        labs[nd] = o->l[k];
        reps[nd] = 0;
        for (int j = k; j < o->nl; j++)
            if (o->l[j] == o->l[k]) {
                adjacent = adjacent && j == k + reps[nd];
                perm[np++] = j;
                reps[nd]++;
            }
        nd++;
    }
    if (nd == o->nl)
        return;
    loom_shape s = {nd, {0}};
    loom_index idx[LOOM_MAX_DIMS];
    for (int j = 0; j < nd; j++) {
        /* extents within an operand match exactly (checked when parsing) */
        int64_t e = o->a->shape[pos_of(o, labs[j])], merged = 1, step = 0;
        int64_t p = 1;
        for (int r = 0; r < reps[j]; r++) {
            merged *= e;
            step += p;
            p *= e;
        }
        s.dim[j] = merged;
        idx[j] = (reps[j] > 1 && e > 1) ? LOOM_SL(0, LOOM_END, step)
                                        : LOOM_COLON;
    }
    loom_array *x = adjacent ? loom_reshape(o->a, s)
                             : permute_merge(o->a, perm, s);
    o->a = loom_index_get(x, nd, idx);
    o->nl = nd;
    memcpy(o->l, labs, (size_t)nd);
}

/* Drops o's extent-1 axes whose label is larger elsewhere. */
static void squeeze_broadcast(es_op *o, const es_spec *sp)
{
    loom_shape s = {0, {0}};
    int k = 0;
    for (int i = 0; i < o->nl; i++) {
        int l = o->l[i];
        if (o->a->shape[i] == 1 && sp->size[l] != 1)
            continue;
        s.dim[s.ndim++] = o->a->shape[i];
        o->l[k++] = (int8_t)l;
    }
    if (k == o->nl)
        return;
    o->nl = k;
    o->a = loom_reshape(o->a, s);
}

/* o as an array over the labels F (a superset of o's), extent 1 where o
 * lacks a label: a transpose and a reshape, both views. */
static loom_array *expand_to(const es_op *o, const es_spec *sp,
                             const int8_t *F, int nf)
{
    int perm[LOOM_MAX_DIMS], n = 0;
    loom_shape s = {nf, {0}};
    for (int j = 0; j < nf; j++) {
        int p = pos_of(o, F[j]);
        s.dim[j] = p < 0 ? 1 : sp->size[F[j]];
        if (p >= 0)
            perm[n++] = p;
    }
    return loom_reshape(loom_transpose(o->a, perm), s);
}

static int64_t extent(const es_spec *sp, const int8_t *l, int n)
{
    int64_t e = 1;
    for (int k = 0; k < n; k++)
        e *= sp->size[l[k]];
    return e;
}

static loom_array *times(loom_array *x, loom_array *y, loom_dtype t)
{
    return t == LOOM_BOOL ? loom_logical_and(x, y) : loom_multiply(x, y);
}

/* Whether out[0..n) reads as the labels of b (any order), then those of
 * m, then those of nn; fills the three orders from it. */
static bool split_out(const int8_t *out, int n, es_set b, es_set m,
                      es_set nn, int8_t *ob, int8_t *om, int8_t *on)
{
    int nb = popcount(b), nm = popcount(m);
    if (n != nb + nm + popcount(nn))
        return false;
    for (int k = 0; k < n; k++) {
        es_set want = k < nb ? b : k < nb + nm ? m : nn;
        if (!(want & bit(out[k])))
            return false;
        int8_t *dst = k < nb ? ob + k : k < nb + nm ? om + (k - nb)
                                                    : on + (k - nb - nm);
        *dst = out[k];
    }
    return true;
}

/* The layout of one pairwise step: batch labels (in both operands and
 * kept), M (only in a), N (only in b), K (in both, summed). */
typedef struct es_pair {
    int nb, nm, nn, nk;
    int8_t b[LOOM_MAX_DIMS], m[LOOM_MAX_DIMS], n[LOOM_MAX_DIMS],
        k[LOOM_MAX_DIMS];
} es_pair;

/*
 * o's array with one axis per group: group g lists the labels gl[g]
 * (gn[g] of them, possibly none: an extent-1 axis); together the groups
 * hold each of o's labels once.  When every group is a run of adjacent
 * axes of o in the group's order, this is a reshape of o then a
 * transpose (views); otherwise a transpose then a reshape.
 */
static loom_array *group_axes(const es_op *o, const es_spec *sp, int ng,
                              int8_t (*gl)[LOOM_MAX_DIMS], const int *gn)
{
    int start[LOOM_MAX_DIMS];
    bool runs = true;
    loom_shape s = {ng, {0}};
    for (int g = 0; g < ng; g++) {
        s.dim[g] = extent(sp, gl[g], gn[g]);
        start[g] = gn[g] ? pos_of(o, gl[g][0]) : o->nl + g;
        for (int j = 1; j < gn[g]; j++)
            runs = runs && pos_of(o, gl[g][j]) == start[g] + j;
    }
    if (runs) {
        int by[LOOM_MAX_DIMS], perm[LOOM_MAX_DIMS];
        loom_shape r = {ng, {0}};
        for (int g = 0; g < ng; g++)
            by[g] = g;
        for (int i = 1; i < ng; i++)
            for (int j = i; j > 0 && start[by[j - 1]] > start[by[j]]; j--) {
                int x = by[j];
                by[j] = by[j - 1];
                by[j - 1] = x;
            }
        for (int i = 0; i < ng; i++) {
            r.dim[i] = s.dim[by[i]];
            perm[by[i]] = i;
        }
        return loom_transpose(loom_reshape(o->a, r), perm);
    }
    int perm[LOOM_MAX_DIMS], k = 0;
    for (int g = 0; g < ng; g++)
        for (int j = 0; j < gn[g]; j++)
            perm[k++] = pos_of(o, gl[g][j]);
    return permute_merge(o->a, perm, s);
}

/* (batch, M, K) x (batch, K, N) through loom_matmul; returns the result
 * over batch, M, N. */
static loom_array *step_gemm(const es_op *a, const es_op *b,
                             const es_spec *sp, const es_pair *p)
{
    int8_t ga[3][LOOM_MAX_DIMS], gb[3][LOOM_MAX_DIMS];
    int na[3] = {p->nb, p->nm, p->nk}, nb[3] = {p->nb, p->nk, p->nn};
    memcpy(ga[0], p->b, sizeof p->b);
    memcpy(ga[1], p->m, sizeof p->m);
    memcpy(ga[2], p->k, sizeof p->k);
    memcpy(gb[0], p->b, sizeof p->b);
    memcpy(gb[1], p->k, sizeof p->k);
    memcpy(gb[2], p->n, sizeof p->n);
    int skip = p->nb ? 0 : 1; /* no batch: plain matrices */
    loom_array *x = group_axes(a, sp, 3 - skip, ga + skip, na + skip);
    loom_array *y = group_axes(b, sp, 3 - skip, gb + skip, nb + skip);
    loom_array *c = loom_matmul(x, y);
    loom_shape sr = {p->nb + p->nm + p->nn, {0}};
    int k = 0;
    for (int j = 0; j < p->nb; j++)
        sr.dim[k++] = sp->size[p->b[j]];
    for (int j = 0; j < p->nm; j++)
        sr.dim[k++] = sp->size[p->m[j]];
    for (int j = 0; j < p->nn; j++)
        sr.dim[k++] = sp->size[p->n[j]];
    return loom_reshape(c, sr);
}

/* The product over the labels r (nr of them) then K, summed over K.  With
 * more than LOOM_MAX_DIMS labels in all, the groups are merged first:
 * (B, M, 1, K) * (B, 1, N, K), and r must be batch, M, N. */
static loom_array *step_multiply(const es_op *a, const es_op *b,
                                 const es_spec *sp, const es_pair *p,
                                 const int8_t *r, int nr, loom_dtype t)
{
    int8_t F[2 * LOOM_MAX_DIMS];
    memcpy(F, r, (size_t)nr);
    memcpy(F + nr, p->k, (size_t)p->nk);
    int nf = nr + p->nk;
    loom_axes ax = {p->nk, {0}};
    for (int j = 0; j < p->nk; j++)
        ax.axis[j] = nr + j;
    loom_reduce_op op = t == LOOM_BOOL ? LOOM_RED_ANY : LOOM_RED_SUM;
    loom_dtype rt = t == LOOM_BOOL ? LOOM_DEFAULT_DTYPE : t;
    if (nf <= LOOM_MAX_DIMS) {
        loom_array *x = times(expand_to(a, sp, F, nf), expand_to(b, sp, F, nf),
                              t);
        return p->nk ? loom_reduce(op, x, ax, false, rt, 0) : x;
    }
    int8_t ga[4][LOOM_MAX_DIMS], gb[4][LOOM_MAX_DIMS];
    int na[4] = {p->nb, p->nm, 0, p->nk}, nb[4] = {p->nb, 0, p->nn, p->nk};
    memcpy(ga[0], p->b, sizeof p->b);
    memcpy(ga[1], p->m, sizeof p->m);
    memcpy(ga[3], p->k, sizeof p->k);
    memcpy(gb[0], p->b, sizeof p->b);
    memcpy(gb[2], p->n, sizeof p->n);
    memcpy(gb[3], p->k, sizeof p->k);
    loom_array *x = group_axes(a, sp, 4, ga, na);
    loom_array *y = group_axes(b, sp, 4, gb, nb);
    loom_array *c = loom_reduce(op, times(x, y, t), LOOM_AXES(3), false, rt, 0);
    loom_shape sr = {nr, {0}};
    for (int j = 0; j < nr; j++)
        sr.dim[j] = sp->size[r[j]];
    return loom_reshape(c, sr);
}

/*
 * Contracts a with b, keeping the labels in keep (labels of other
 * operands and of the output).  ord (nord labels, or NULL) is the order
 * wanted for the result, the output's at the last step: it is followed
 * when it reads as batch labels, then one operand's own, then the
 * other's (swapping the operands if need be); otherwise the result comes
 * as batch, M, N and the caller transposes.
 */
static es_op contract(es_op a, es_op b, es_set keep, const es_spec *sp,
                      loom_dtype t, const int8_t *ord, int nord)
{
    es_set la = labels_of(&a), lb = labels_of(&b);
    sum_labels(&a, la & ~lb & ~keep, t);
    sum_labels(&b, lb & ~la & ~keep, t);
    la = labels_of(&a);
    lb = labels_of(&b);
    es_set sb = la & lb & keep, sk = la & lb & ~keep;
    es_pair p;
    bool in_order = false;
    if (ord && split_out(ord, nord, sb, la & ~lb, lb & ~la, p.b, p.m, p.n)) {
        in_order = true;
    } else if (ord &&
               split_out(ord, nord, sb, lb & ~la, la & ~lb, p.b, p.m, p.n)) {
        es_op x = a;
        a = b;
        b = x;
        es_set y = la;
        la = lb;
        lb = y;
        in_order = true;
    }
    es_set sm = la & ~lb, sn = lb & ~la;
    p.nb = popcount(sb);
    p.nm = popcount(sm);
    p.nn = popcount(sn);
    p.nk = popcount(sk);
    if (!in_order) {
        labels_in_order(&a, sb, p.b);
        labels_in_order(&a, sm, p.m);
        labels_in_order(&b, sn, p.n);
    }
    /* K in the larger operand's order: its merge then stays a view */
    bool a_big = graph_numel(a.a->ndim, a.a->shape) >=
                 graph_numel(b.a->ndim, b.a->shape);
    labels_in_order(a_big ? &a : &b, sk, p.k);

    es_op r;
    r.nl = p.nb + p.nm + p.nn;
    memcpy(r.l, p.b, (size_t)p.nb);
    memcpy(r.l + p.nb, p.m, (size_t)p.nm);
    memcpy(r.l + p.nb + p.nm, p.n, (size_t)p.nn);
    int64_t mt = extent(sp, p.m, p.nm), nt = extent(sp, p.n, p.nn);
    bool gemm = graph_is_float(t) && p.nk > 0 && mt * nt > 1 &&
                extent(sp, p.k, p.nk) > 0 && extent(sp, p.b, p.nb) > 0;
    r.a = gemm ? step_gemm(&a, &b, sp, &p)
               : step_multiply(&a, &b, sp, &p, r.l, r.nl, t);
    return r;
}

/* One step over the operands left (NumPy's way out when no pairwise order
 * fits the memory cap): the broadcast product over every label, summed
 * over the labels not in the output.  The planner has checked that the
 * labels fit in LOOM_MAX_DIMS axes. */
static es_op contract_all(const es_op *ops, int n, const es_spec *sp,
                          loom_dtype t)
{
    int8_t F[LOOM_MAX_DIMS];
    es_set have = 0;
    int nf = 0;
    for (int k = 0; k < sp->nout; k++) {
        F[nf++] = sp->out[k];
        have |= bit(sp->out[k]);
    }
    for (int i = 0; i < n; i++)
        for (int k = 0; k < ops[i].nl; k++)
            if (!(have & bit(ops[i].l[k])) && nf < LOOM_MAX_DIMS) {
                F[nf++] = ops[i].l[k];
                have |= bit(ops[i].l[k]);
            }
    loom_array *x = expand_to(&ops[0], sp, F, nf);
    for (int i = 1; i < n; i++)
        x = times(x, expand_to(&ops[i], sp, F, nf), t);
    loom_axes ax = {nf - sp->nout, {0}};
    for (int j = 0; j < ax.n; j++)
        ax.axis[j] = sp->nout + j;
    es_op r;
    r.nl = sp->nout;
    memcpy(r.l, sp->out, (size_t)sp->nout);
    if (!ax.n)
        r.a = x;
    else if (t == LOOM_BOOL)
        r.a = loom_reduce(LOOM_RED_ANY, x, ax, false, LOOM_DEFAULT_DTYPE, 0);
    else
        r.a = loom_reduce(LOOM_RED_SUM, x, ax, false, t, 0);
    return r;
}

/*
 * Builds the einsum of the operands (already checked) following plan pl.
 * Every array it makes belongs to the current scope; the result is the
 * last one.
 */
static loom_array *es_build(const es_spec *sp, const es_plan *pl,
                            loom_array *const *operands, loom_dtype t)
{
    es_set squeezed[ES_MAXOPS], red[ES_MAXOPS], out = out_set(sp);
    reduced_sets(sp, squeezed, red);
    es_op cur[ES_MAXOPS];
    int m = sp->n;
    for (int i = 0; i < m; i++) {
        cur[i].a = graph_cast(operands[i], t);
        cur[i].nl = sp->ndim[i];
        memcpy(cur[i].l, sp->lab[i], (size_t)sp->ndim[i]);
        take_diagonals(&cur[i]);
        squeeze_broadcast(&cur[i], sp);
        sum_labels(&cur[i], labels_of(&cur[i]) & ~red[i], t);
    }
    for (int st = 0; st < pl->nsteps && m > 1; st++) {
        int a = pl->pos[st][0], b = pl->pos[st][1];
        es_set keep = out;
        for (int k = 0; k < m; k++)
            if (k != a && k != b)
                keep |= labels_of(&cur[k]);
        bool last = m == 2;
        es_op r = contract(cur[a], cur[b], keep, sp, t,
                           last ? sp->out : NULL, sp->nout);
        memmove(&cur[b], &cur[b + 1], (size_t)(m - b - 1) * sizeof *cur);
        m--;
        memmove(&cur[a], &cur[a + 1], (size_t)(m - a - 1) * sizeof *cur);
        cur[m - 1] = r;
    }
    if (pl->nary && m > 1) {
        cur[0] = contract_all(cur, m, sp, t);
        m = 1;
    }
    int perm[LOOM_MAX_DIMS];
    for (int k = 0; k < sp->nout; k++)
        perm[k] = pos_of(&cur[0], sp->out[k]);
    loom_array *r = loom_transpose(cur[0].a, perm);
    return r->op == GRAPH_OP_ERROR ? r : graph_cast(r, t);
}

/* Shapes of the operands in the form es_parse takes. */
static void operand_shapes(int n, loom_array *const *ops, int *ndims,
                           const int64_t **shapes)
{
    for (int i = 0; i < n; i++) {
        ndims[i] = ops[i]->ndim;
        shapes[i] = ops[i]->shape;
    }
}

loom_array *loom_einsum(const char *subscripts, int n,
                        loom_array *const *operands, bool optimize)
{
    loom_ctx *ctx = n > 0 && operands && operands[0] ? operands[0]->ctx
                                                      : NULL;
    if (n < 1 || !operands)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "einsum: must specify the einstein sum "
                            "subscripts string and at least one operand");
    if (n > ES_MAXOPS)
        return graph_poison(ctx, LOOM_ERR_VALUE,
                            "einsum: too many operands provided to einstein "
                            "sum function");
    loom_array *bad = graph_check_inputs(ctx, "einsum", n, operands);
    if (bad)
        return bad;
    if (!subscripts)
        return graph_poison(ctx, LOOM_ERR_NULL,
                            "einsum: NULL subscripts string");
    es_spec *sp = graph_malloc(ctx, sizeof *sp);
    if (!sp)
        return graph_poison(ctx, LOOM_ERR_MEMORY, "einsum: out of memory");
    int ndims[ES_MAXOPS];
    const int64_t *shapes[ES_MAXOPS];
    operand_shapes(n, operands, ndims, shapes);
    char msg[ES_MSG];
    es_plan pl;
    loom_array *r;
    if (!es_parse(subscripts, n, ndims, shapes, sp, msg)) {
        r = graph_poison(ctx, LOOM_ERR_VALUE, "einsum: %s", msg);
    } else if (!es_plan_build(sp, optimize, &pl)) {
        r = graph_poison(ctx, LOOM_ERR_VALUE,
                         "einsum: no contraction order keeps the "
                         "intermediates within %d dimensions",
                         LOOM_MAX_DIMS);
    } else {
        loom_scope_begin(ctx);
        r = loom_keep(es_build(sp, &pl, operands, result_dtype(n, operands)));
        loom_scope_end(ctx);
        /* dumps show the path chosen (LOOM_DUMP_EINSUM) */
        if (r->op != GRAPH_OP_ERROR && (ctx->dump_out || ctx->dump_dir)) {
            loom_status st;
            char m2[ES_MSG];
            char *text = graph_einsum_describe(subscripts, n, ndims, shapes,
                                               optimize, &st, m2, sizeof m2);
            if (text)
                graph_ctx_note(ctx, r, subscripts, text);
        }
    }
    graph_free(ctx, sp, sizeof *sp);
    return r;
}

char *loom_einsum_path(const char *subscripts, int n,
                       loom_array *const *operands, loom_status *status)
{
    loom_ctx *ctx = n > 0 && operands && operands[0] ? operands[0]->ctx
                                                      : NULL;
    loom_status st = LOOM_ERR_VALUE;
    char msg[ES_MSG] = "must specify the einstein sum "
                       "subscripts string and at least one operand";
    char *text = NULL;
    int ndims[ES_MAXOPS];
    const int64_t *shapes[ES_MAXOPS];
    bool ok = n >= 1 && operands;
    for (int i = 0; ok && i < n && i < ES_MAXOPS; i++) {
        if (!operands[i] || (ctx && operands[i]->ctx != ctx)) {
            st = LOOM_ERR_NULL;
            snprintf(msg, sizeof msg, "argument %d is a NULL "
                                      "array or of another context", i + 1);
            ok = false;
        } else if (operands[i]->op == GRAPH_OP_ERROR) {
            st = operands[i]->status;
            snprintf(msg, sizeof msg, "%s", loom_error(operands[i]));
            ok = false;
        }
    }
    if (ok && !subscripts) {
        st = LOOM_ERR_NULL;
        snprintf(msg, sizeof msg, "NULL subscripts string");
        ok = false;
    }
    if (ok) {
        operand_shapes(n < ES_MAXOPS ? n : ES_MAXOPS, operands, ndims,
                       shapes);
        text = graph_einsum_describe(subscripts, n, ndims, shapes, true, &st,
                                     msg, sizeof msg);
    }
    if (!text && ctx) {
        graph_ctx_error_reset(ctx);
        graph_ctx_error(ctx, st, "%s", msg);
    }
    if (status)
        *status = text ? LOOM_OK : st;
    return text;
}
