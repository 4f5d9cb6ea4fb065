/*
 * test_rng.c -- runtime/rng.c against NumPy 1.24's default_rng, bit for bit.
 *
 * main() runs tests/rng_reference.py under /usr/bin/python3 into a fresh
 * temporary directory; the manifest it writes describes every stream case
 * (seed and the sequence of Generator calls) and every argument error with
 * NumPy's exception and message.  Each case is replayed on rt_rng and its
 * bytes compared with NumPy's.  A few tests need no NumPy at all.
 */
#include "runtime/rng.h"
#include "support.h"

#include <check.h>
#include <dirent.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_ARGS 6
#define ARG_LEN 128

typedef struct ref_op {
    char kind[32];
    char args[MAX_ARGS][ARG_LEN];
    int nargs;
} ref_op;

typedef struct ref_case {
    char name[96];
    uint32_t seed[32];
    int nseed;
    ref_op *ops;
    int nops;
} ref_case;

typedef struct ref_err {
    ref_op call;
    char type[32];
    char msg[256];
} ref_err;

static char ref_dir[256];
static const char *ref_problem = "reference data not generated";
static ref_case *cases;
static int ncases;
static ref_err *errs;
static int nerrs;

/* ------------------------------------------------------------------------
 * Reading the reference data
 * ------------------------------------------------------------------------ */

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        fprintf(stderr, "test_rng: out of memory\n");
        exit(1);
    }
    return q;
}

/* Splits "kind a b c" into op (kind, args). */
static void parse_op(char *s, ref_op *op)
{
    char *save = NULL;
    char *tok = strtok_r(s, " \n", &save);
    memset(op, 0, sizeof *op);
    snprintf(op->kind, sizeof op->kind, "%s", tok ? tok : "");
    while ((tok = strtok_r(NULL, " \n", &save)) && op->nargs < MAX_ARGS)
        snprintf(op->args[op->nargs++], ARG_LEN, "%s", tok);
}

static void parse_seed(const char *s, ref_case *c)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", s);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",\n", &save); t && c->nseed < 32;
         t = strtok_r(NULL, ",\n", &save))
        c->seed[c->nseed++] = (uint32_t)strtoul(t, NULL, 16);
}

static void parse_err(char *line, ref_err *e)
{
    char *tab1 = strchr(line, '\t');
    char *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
    memset(e, 0, sizeof *e);
    if (!tab2)
        return;
    *tab1 = *tab2 = 0;
    parse_op(line + 4, &e->call);
    snprintf(e->type, sizeof e->type, "%s", tab1 + 1);
    char *nl = strchr(tab2 + 1, '\n');
    if (nl)
        *nl = 0;
    snprintf(e->msg, sizeof e->msg, "%s", tab2 + 1);
}

static int load_manifest(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/manifest.txt", ref_dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    static char line[1 << 16];
    ref_case *cur = NULL;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "case ", 5)) {
            cases = xrealloc(cases, (size_t)(ncases + 1) * sizeof *cases);
            cur = &cases[ncases++];
            memset(cur, 0, sizeof *cur);
            char name[96], seed[512];
            if (sscanf(line + 5, "%95s %511s", name, seed) == 2) {
                snprintf(cur->name, sizeof cur->name, "%s", name);
                parse_seed(seed, cur);
            }
        } else if (!strncmp(line, "op ", 3) && cur) {
            cur->ops = xrealloc(cur->ops, (size_t)(cur->nops + 1) *
                                              sizeof *cur->ops);
            parse_op(line + 3, &cur->ops[cur->nops++]);
        } else if (!strncmp(line, "end", 3)) {
            cur = NULL;
        } else if (!strncmp(line, "err ", 4)) {
            errs = xrealloc(errs, (size_t)(nerrs + 1) * sizeof *errs);
            parse_err(line, &errs[nerrs++]);
        }
    }
    fclose(f);
    return 0;
}

/* Reads a whole file; NULL if missing.  *len gets its size. */
static unsigned char *read_file(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", ref_dir, name);
    return (unsigned char *)ts_read_file(path, len);
}

/* Generates the reference data; returns 0 on success. */
static int generate_reference(void)
{
    char script[512];
#ifdef LOOM_SOURCE_DIR
    snprintf(script, sizeof script, "%s/tests/rng_reference.py",
             LOOM_SOURCE_DIR);
#else
    snprintf(script, sizeof script, "%s", __FILE__);
    char *slash = strrchr(script, '/');
    snprintf(slash ? slash + 1 : script,
             sizeof script - (size_t)(slash ? slash + 1 - script : 0),
             "rng_reference.py");
#endif
    const char *tmp = getenv("TMPDIR");
    snprintf(ref_dir, sizeof ref_dir, "%s/loom_rng_XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(ref_dir)) {
        ref_problem = "cannot create a temporary directory";
        ref_dir[0] = 0;
        return -1;
    }
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s'", script, ref_dir);
    if (system(cmd) != 0) {
        ref_problem = "/usr/bin/python3 tests/rng_reference.py failed "
                      "(NumPy 1.24 needed)";
        return -1;
    }
    if (load_manifest() != 0 || ncases == 0) {
        ref_problem = "reference manifest missing or empty";
        return -1;
    }
    return 0;
}

static void remove_reference(void)
{
    if (!ref_dir[0])
        return;
    DIR *d = opendir(ref_dir);
    if (d) {
        struct dirent *e;
        char path[768];
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            snprintf(path, sizeof path, "%s/%s", ref_dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(ref_dir);
}

/* ------------------------------------------------------------------------
 * Replaying a case
 * ------------------------------------------------------------------------ */

static int64_t iarg(const ref_op *op, int i)
{
    return strtoll(op->args[i], NULL, 10);
}

static double darg(const ref_op *op, int i)
{
    return strtod(op->args[i], NULL);
}

/* Parses a p spec: "-" none, "=" empty, else ':'-separated doubles, or a
 * file name of raw doubles (stream ops).  *p is malloc'd or NULL. */
static void parse_p(const char *spec, double **p, int64_t *len)
{
    *p = NULL;
    *len = 0;
    if (!strcmp(spec, "-"))
        return;
    if (strstr(spec, ".bin")) {
        size_t n = 0;
        *p = (double *)read_file(spec, &n);
        *len = (int64_t)(n / sizeof(double));
        return;
    }
    *p = xrealloc(NULL, strlen(spec) * sizeof(double) + sizeof(double));
    if (!strcmp(spec, "="))
        return;
    const char *s = spec;
    for (;;) {
        char *end;
        (*p)[(*len)++] = strtod(s, &end);
        if (*end != ':')
            break;
        s = end + 1;
    }
}

/* Size in bytes of each element an op writes. */
static size_t elem_size(const char *kind)
{
    if (!strcmp(kind, "random_f32") || !strcmp(kind, "stdnorm_f32") ||
        !strcmp(kind, "int32"))
        return 4;
    return 8;
}

/*
 * Runs one op on *g into a fresh buffer (*out, *len bytes).  Returns 0, or
 * the rt_rng error code, or 1 for an op this test does not know.
 */
static int run_op(rt_rng *g, const ref_op *op, unsigned char **out,
                  size_t *len)
{
    const char *k = op->kind;
    int64_t n = op->nargs ? iarg(op, 0) : 0;
    int e = 0;
    if (!strcmp(k, "choice"))
        n = iarg(op, 1);
    if (!strcmp(k, "shuffle2d"))
        n = iarg(op, 0) * iarg(op, 1);
    if (!strcmp(k, "spawnsum"))
        n = 4 * iarg(op, 0);
    if (!strcmp(k, "spawn") || !strcmp(k, "counter"))
        n = 0;
    *len = (size_t)n * elem_size(k);
    *out = xrealloc(NULL, *len + 8);
    void *o = *out;
    if (!strcmp(k, "raw")) {
        for (int64_t i = 0; i < n; i++)
            ((uint64_t *)o)[i] = rt_rng_next64(g);
    } else if (!strcmp(k, "random_f64")) {
        rt_rng_random_f64(g, o, n);
    } else if (!strcmp(k, "random_f32")) {
        rt_rng_random_f32(g, o, n);
    } else if (!strcmp(k, "stdnorm_f64")) {
        rt_rng_standard_normal_f64(g, o, n);
    } else if (!strcmp(k, "stdnorm_f32")) {
        rt_rng_normal_f32(g, o, n);
    } else if (!strcmp(k, "normal")) {
        e = rt_rng_normal_f64(g, o, n, darg(op, 1), darg(op, 2));
    } else if (!strcmp(k, "uniform")) {
        e = rt_rng_uniform_f64(g, o, n, darg(op, 1), darg(op, 2));
    } else if (!strcmp(k, "exponential")) {
        e = rt_rng_exponential_f64(g, o, n, darg(op, 1));
    } else if (!strcmp(k, "int64")) {
        e = rt_rng_integers_i64(g, o, n, iarg(op, 1), iarg(op, 2),
                                iarg(op, 3) != 0);
    } else if (!strcmp(k, "int32")) {
        e = rt_rng_integers_i32(g, o, n, iarg(op, 1), iarg(op, 2),
                                iarg(op, 3) != 0);
    } else if (!strcmp(k, "permutation")) {
        rt_rng_permutation(g, o, n);
    } else if (!strcmp(k, "shuffle2d")) {
        int64_t rows = iarg(op, 0), cols = iarg(op, 1);
        int64_t tmp[64];
        for (int64_t i = 0; i < n; i++)
            ((int64_t *)o)[i] = i;
        ck_assert_int_le(cols, 64);
        rt_rng_shuffle_rows(g, o, rows, (size_t)cols * sizeof(int64_t), tmp);
    } else if (!strcmp(k, "choice")) {
        double *p;
        int64_t plen;
        parse_p(op->args[3], &p, &plen);
        e = rt_rng_choice(g, iarg(op, 0), o, n, (unsigned)iarg(op, 2), p);
        free(p);
    } else if (!strcmp(k, "counter")) {
        g->n_children = (uint64_t)iarg(op, 0);
    } else if (!strcmp(k, "spawnsum") || !strcmp(k, "spawn")) {
        int nk = (int)iarg(op, 0);
        rt_rng *kids = xrealloc(NULL, (size_t)nk * sizeof *kids);
        e = rt_rng_spawn(g, nk, kids);
        if (!e && !strcmp(k, "spawn"))
            *g = kids[iarg(op, 1)];
        for (int i = 0; !e && i < nk && !strcmp(k, "spawnsum"); i++)
            for (int j = 0; j < 4; j++)
                ((uint64_t *)o)[4 * i + j] = rt_rng_next64(&kids[i]);
        free(kids);
    } else {
        e = 1;
    }
    return e;
}

/* Describes the first differing element of an op's output. */
static void report_diff(const ref_case *c, int opi, const unsigned char *a,
                        const unsigned char *b, size_t len)
{
    const ref_op *op = &c->ops[opi];
    size_t es = elem_size(op->kind);
    size_t i = 0;
    while (i + es <= len && !memcmp(a + i, b + i, es))
        i += es;
    uint64_t va = 0, vb = 0;
    memcpy(&va, a + i, es);
    memcpy(&vb, b + i, es);
    ck_abort_msg("%s: op %d (%s %s ...) element %zu: loom 0x%" PRIx64
                 " numpy 0x%" PRIx64,
                 c->name, opi, op->kind, op->nargs ? op->args[0] : "",
                 i / es, va, vb);
}

START_TEST(test_stream)
{
    ck_assert_msg(ncases > 0, "%s", ref_problem);
    const ref_case *c = &cases[_i];
    size_t total = 0, pos = 0;
    char fname[128];
    snprintf(fname, sizeof fname, "%s.bin", c->name);
    unsigned char *want = read_file(fname, &total);
    ck_assert_msg(want != NULL, "%s missing", fname);
    rt_rng g;
    rt_rng_seed(&g, c->seed, c->nseed);
    for (int i = 0; i < c->nops; i++) {
        unsigned char *got;
        size_t len;
        int e = run_op(&g, &c->ops[i], &got, &len);
        ck_assert_msg(e == 0, "%s: op %d (%s) failed: %d %s", c->name, i,
                      c->ops[i].kind, e, rt_rng_strerror(e));
        ck_assert_msg(pos + len <= total, "%s: op %d: reference too short",
                      c->name, i);
        if (memcmp(got, want + pos, len))
            report_diff(c, i, got, want + pos, len);
        pos += len;
        free(got);
    }
    ck_assert_msg(pos == total, "%s: %zu reference bytes left over", c->name,
                  total - pos);
    free(want);
}
END_TEST

/* Replays one argument error; the call must fail (or succeed) as NumPy's
 * did, with its exception class and message, and consume nothing. */
START_TEST(test_numpy_error)
{
    ck_assert_msg(nerrs > 0, "%s", ref_problem);
    const ref_err *er = &errs[_i];
    const ref_op *op = &er->call;
    rt_rng g, h;
    uint32_t seed = 7;
    rt_rng_seed(&g, &seed, 1);
    h = g;
    int64_t n = iarg(op, 0), out[8];
    int e;
    if (!strcmp(op->kind, "int64")) {
        e = rt_rng_integers_i64(&g, out, n, iarg(op, 1), iarg(op, 2),
                                iarg(op, 3) != 0);
    } else if (!strcmp(op->kind, "int32")) {
        e = rt_rng_integers_i32(&g, (int32_t *)out, n, iarg(op, 1),
                                iarg(op, 2), iarg(op, 3) != 0);
    } else if (!strcmp(op->kind, "normal")) {
        e = rt_rng_normal_f64(&g, (double *)out, n, darg(op, 1), darg(op, 2));
    } else if (!strcmp(op->kind, "uniform")) {
        e = rt_rng_uniform_f64(&g, (double *)out, n, darg(op, 1),
                               darg(op, 2));
    } else if (!strcmp(op->kind, "exponential")) {
        e = rt_rng_exponential_f64(&g, (double *)out, n, darg(op, 1));
    } else {
        ck_assert_str_eq(op->kind, "choice");
        double *p;
        int64_t plen;
        parse_p(op->args[3], &p, &plen);
        e = rt_rng_choice(&g, iarg(op, 0), out, iarg(op, 1),
                          (unsigned)iarg(op, 2), p);
        free(p);
    }
    if (!strcmp(er->type, "OK")) {
        ck_assert_msg(e == 0, "%s %s: loom says %s, numpy accepts",
                      op->kind, op->args[1], rt_rng_strerror(e));
        return;
    }
    ck_assert_msg(e < 0, "%s: numpy raises %s: %s", op->kind, er->type,
                  er->msg);
    ck_assert_str_eq(rt_rng_errtype(e), er->type);
    ck_assert_str_eq(rt_rng_strerror(e), er->msg);
    ck_assert(rt_rng_next64(&g) == rt_rng_next64(&h));
}
END_TEST

/* ------------------------------------------------------------------------
 * Tests without NumPy
 * ------------------------------------------------------------------------ */

/* Values printed by numpy 1.24 for default_rng(42) and default_rng(0). */
START_TEST(test_known_values)
{
    rt_rng g;
    uint32_t s42 = 42, s0 = 0;
    double d[3];
    rt_rng_seed(&g, &s42, 1);
    rt_rng_random_f64(&g, d, 3);
    ck_assert(d[0] == 0.7739560485559633);
    ck_assert(d[1] == 0.4388784397520523);
    ck_assert(d[2] == 0.8585979199113825);
    rt_rng_standard_normal_f64(&g, d, 3);
    ck_assert(d[0] == 0.9405647163912139);
    ck_assert(d[1] == -1.9510351886538364);
    ck_assert(d[2] == -1.302179506862318);
    rt_rng_seed(&g, &s0, 1);
    rt_rng_seed(&g, NULL, 0);
    rt_rng_random_f64(&g, d, 1);
    ck_assert(d[0] == 0.6369616873214543);
}
END_TEST

START_TEST(test_seed_width)
{
    rt_rng a, b;
    uint32_t w1[] = {5, 1}, w2[] = {5, 1, 0, 0, 0, 0, 0};
    rt_rng_seed(&a, w1, 2);
    rt_rng_seed(&b, w2, 7);
    for (int i = 0; i < 10; i++)
        ck_assert(rt_rng_next64(&a) == rt_rng_next64(&b));
}
END_TEST

/* next32 hands out the low half of a 64-bit draw, then its high half;
 * next64 leaves a pending half alone. */
START_TEST(test_next32_buffer)
{
    rt_rng a, b;
    uint32_t s = 3;
    rt_rng_seed(&a, &s, 1);
    b = a;
    uint64_t v0 = rt_rng_next64(&b), v1 = rt_rng_next64(&b);
    ck_assert(rt_rng_next32(&a) == (uint32_t)v0);
    ck_assert(rt_rng_next64(&a) == v1);
    ck_assert(rt_rng_next32(&a) == (uint32_t)(v0 >> 32));
}
END_TEST

/* Spawning changes only the parent's child counter; children differ from
 * each other and from a second round of children. */
START_TEST(test_spawn_counter)
{
    rt_rng p, q, k1[2], k2[2];
    uint32_t s = 11;
    rt_rng_seed(&p, &s, 1);
    q = p;
    ck_assert_int_eq(rt_rng_spawn(&p, 2, k1), 0);
    ck_assert_int_eq(rt_rng_spawn(&p, 2, k2), 0);
    ck_assert(rt_rng_next64(&p) == rt_rng_next64(&q));
    ck_assert(rt_rng_next64(&k1[0]) != rt_rng_next64(&k1[1]));
    ck_assert(rt_rng_next64(&k1[1]) != rt_rng_next64(&k2[0]));
    ck_assert_int_eq(rt_rng_spawn(&p, -1, k1), RT_RNG_E_SPAWN_NEGATIVE);
    p.n_children = UINT32_MAX - 1;
    ck_assert_int_eq(rt_rng_spawn(&p, 2, k1), RT_RNG_E_SPAWN_COUNT);
    ck_assert_int_eq(rt_rng_spawn(&p, 0, k1), 0);
}
END_TEST

/* Every code has NumPy's wording (also checked against NumPy itself in
 * test_numpy_error for the codes NumPy can produce from these calls). */
START_TEST(test_messages)
{
    static const struct {
        int code;
        const char *type, *msg;
    } want[] = {
        {RT_RNG_E_NEGATIVE_SIZE, "ValueError",
         "negative dimensions are not allowed"},
        {RT_RNG_E_LOW_GE_HIGH, "ValueError", "low >= high"},
        {RT_RNG_E_LOW_GT_HIGH, "ValueError", "low > high"},
        {RT_RNG_E_HIGH_LE_0, "ValueError", "high <= 0"},
        {RT_RNG_E_HIGH_LT_0, "ValueError", "high < 0"},
        {RT_RNG_E_LOW_OOB_I32, "ValueError", "low is out of bounds for int32"},
        {RT_RNG_E_HIGH_OOB_I32, "ValueError",
         "high is out of bounds for int32"},
        {RT_RNG_E_LOW_OOB_I64, "ValueError", "low is out of bounds for int64"},
        {RT_RNG_E_HIGH_OOB_I64, "ValueError",
         "high is out of bounds for int64"},
        {RT_RNG_E_SCALE_NEG, "ValueError", "scale < 0"},
        {RT_RNG_E_RANGE_NEG, "ValueError", "high - low < 0"},
        {RT_RNG_E_RANGE_OVERFLOW, "OverflowError",
         "high - low range exceeds valid bounds"},
        {RT_RNG_E_POP_NONPOSITIVE, "ValueError",
         "a must be a positive integer unless no samples are taken"},
        {RT_RNG_E_POP_EMPTY, "ValueError",
         "a cannot be empty unless no samples are taken"},
        {RT_RNG_E_P_NAN, "ValueError", "probabilities contain NaN"},
        {RT_RNG_E_P_NEGATIVE, "ValueError",
         "probabilities are not non-negative"},
        {RT_RNG_E_P_SUM, "ValueError", "probabilities do not sum to 1"},
        {RT_RNG_E_SAMPLE_TOO_LARGE, "ValueError",
         "Cannot take a larger sample than population when replace is False"},
        {RT_RNG_E_P_FEW_NONZERO, "ValueError",
         "Fewer non-zero entries in p than size"},
        {RT_RNG_E_P_SIZE, "ValueError", "a and p must have same size"},
        {RT_RNG_E_P_NDIM, "ValueError", "p must be 1-dimensional"},
        {RT_RNG_E_NOMEM, "MemoryError", "out of memory"},
        {RT_RNG_E_SPAWN_NEGATIVE, "OverflowError",
         "can't convert negative value to uint32_t"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        ck_assert_str_eq(rt_rng_strerror(want[i].code), want[i].msg);
        ck_assert_str_eq(rt_rng_errtype(want[i].code), want[i].type);
    }
    ck_assert_str_eq(rt_rng_strerror(RT_RNG_OK), "");
    ck_assert_str_eq(rt_rng_errtype(RT_RNG_E_SPAWN_COUNT), "OverflowError");
    ck_assert(strlen(rt_rng_strerror(-999)) > 0);
}
END_TEST

/* choice without replacement returns distinct in-range indices on every
 * path (Floyd, tail shuffle, weighted). */
START_TEST(test_choice_distinct)
{
    static const struct {
        int64_t pop, n;
        unsigned flags;
    } cfg[] = {{50, 50, 0}, {30000, 5000, 0}, {30000, 100, RT_RNG_NO_SHUFFLE},
               {1000, 999, 0}};
    rt_rng g;
    uint32_t s = 99;
    rt_rng_seed(&g, &s, 1);
    for (size_t c = 0; c < sizeof cfg / sizeof cfg[0]; c++) {
        int64_t pop = cfg[c].pop, n = cfg[c].n;
        int64_t *out = xrealloc(NULL, (size_t)n * sizeof *out);
        unsigned char *seen = calloc((size_t)pop, 1);
        double *p = NULL;
        if (c == 3) {
            p = xrealloc(NULL, (size_t)pop * sizeof *p);
            for (int64_t i = 0; i < pop; i++)
                p[i] = 1.0 / (double)pop;
        }
        ck_assert_int_eq(rt_rng_choice(&g, pop, out, n, cfg[c].flags, p), 0);
        for (int64_t i = 0; i < n; i++) {
            ck_assert(out[i] >= 0 && out[i] < pop);
            ck_assert(!seen[out[i]]);
            seen[out[i]] = 1;
        }
        free(out);
        free(seen);
        free(p);
    }
}
END_TEST

static Suite *rng_suite(void)
{
    Suite *s = suite_create("rng");
    TCase *tc = tcase_create("local");
    tcase_add_test(tc, test_known_values);
    tcase_add_test(tc, test_seed_width);
    tcase_add_test(tc, test_next32_buffer);
    tcase_add_test(tc, test_spawn_counter);
    tcase_add_test(tc, test_messages);
    tcase_add_test(tc, test_choice_distinct);
    suite_add_tcase(s, tc);

    tc = tcase_create("numpy");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_stream, 0, ncases > 0 ? ncases : 1);
    tcase_add_loop_test(tc, test_numpy_error, 0, nerrs > 0 ? nerrs : 1);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (generate_reference() != 0)
        fprintf(stderr, "test_rng: %s\n", ref_problem);
    SRunner *sr = srunner_create(rng_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    remove_reference();
    for (int i = 0; i < ncases; i++)
        free(cases[i].ops);
    free(cases);
    free(errs);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
