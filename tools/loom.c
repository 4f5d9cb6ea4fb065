/*
 * loom.c -- the `loom` command: run, dump and bench NumPy-subset scripts.
 *
 *   loom run FILE.py
 *   loom dump FILE.py [--stage S] [--dot FILE] [--json]
 *   loom bench FILE.py [--repeat N] [--json]
 *   loom --help | --version
 *
 * Exit status: 0 success, 1 script or engine error, 2 usage error.
 */
#include "tools/script.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char USAGE[] =
    "usage: loom run FILE.py\n"
    "       loom dump FILE.py [--stage S[,S...]] [--dot FILE] [--json]\n"
    "       loom bench FILE.py [--repeat N] [--json]\n"
    "       loom --help | --version\n";

static const char HELP[] =
    "\n"
    "Runs a NumPy program (a Python subset) on loom's lazy, fusing, JIT-\n"
    "compiled array engine.  The same file runs under python3 with NumPy.\n"
    "\n"
    "commands:\n"
    "  run     run the script: np.save writes .npy files, print prints\n"
    "  dump    run it and print, for every evaluation, the chosen stages:\n"
    "          source, graph, opt, fusion, einsum, memory, kernel, llvm,\n"
    "          llvm-opt, asm, stats (default: all); --dot FILE writes\n"
    "          Graphviz; --json prints one JSON object per evaluation\n"
    "  bench   time every evaluation point fused and eager (medians of N\n"
    "          runs after a warm-up, default N = 7)\n"
    "\n"
    "environment: LOOM_EAGER=1, LOOM_THREADS=N, LOOM_CACHE_DIR=DIR,\n"
    "             LOOM_DUMP=DIR, LOOM_STREAM_BYTES=N (outputs this large\n"
    "             bypass the caches; -1 never), LOOM_TILE_BYTES=N (the cache\n"
    "             a product and its consumers may fill per slab; -1 never\n"
    "             tile)\n";

/* Reads a whole file; NULL with errno set on failure. */
static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    scr_buf b = {0};
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        scr_buf_putn(&b, tmp, n);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        scr_buf_free(&b);
        errno = EIO;
        return NULL;
    }
    return scr_buf_take(&b);
}

static void print_error(const char *file, const scr_error *e) {
    fflush(stdout);
    if (e->line > 0 && e->col > 0)
        fprintf(stderr, "%s:%d:%d: %s\n", file, e->line, e->col, e->msg);
    else if (e->line > 0)
        fprintf(stderr, "%s:%d: %s\n", file, e->line, e->msg);
    else
        fprintf(stderr, "%s: %s\n", file, e->msg);
}

/* A parsed script, ready to run any number of times. */
typedef struct script {
    const char *file;
    char *src;
    scr_ast ast;
} script;

static int load_script(const char *file, script *s) {
    s->file = file;
    s->src = read_file(file);
    if (!s->src) {
        fprintf(stderr, "loom: cannot read %s: %s\n", file, strerror(errno));
        return 1;
    }
    scr_error err;
    if (scr_parse(s->src, &s->ast, &err) < 0) {
        print_error(file, &err);
        scr_ast_free(&s->ast);
        free(s->src);
        return 1;
    }
    return 0;
}

static void free_script(script *s) {
    scr_ast_free(&s->ast);
    free(s->src);
}

/* Runs once on a fresh context.  Returns the exit status. */
static int run_once(const script *s, int eager, unsigned dump_stages,
                    const char *dot, const scr_run_opts *opts) {
    loom_options o = loom_options_default();
    if (eager >= 0)
        o.eager = eager;
    loom_ctx *ctx = loom_ctx_new(&o);
    if (!ctx) {
        fprintf(stderr, "loom: cannot create a context\n");
        return 1;
    }
    if (dump_stages)
        loom_dump(ctx, stdout, dump_stages);
    if (dot)
        loom_dump_dot(ctx, dot);
    scr_error err;
    int rc = scr_run(ctx, s->file, &s->ast, opts, &err);
    if (dump_stages)
        loom_dump(ctx, NULL, 0);
    if (dot)
        loom_dump_dot(ctx, NULL);
    loom_ctx_free(ctx);
    fflush(stdout);
    if (rc)
        print_error(s->file, &err);
    return rc ? 1 : 0;
}

static int cmd_run(int argc, char **argv) {
    if (argc != 1) {
        fputs(USAGE, stderr);
        return 2;
    }
    script s;
    if (load_script(argv[0], &s))
        return 1;
    scr_run_opts opts = {.out = stdout};
    int rc = run_once(&s, -1, 0, NULL, &opts);
    free_script(&s);
    return rc;
}

static int cmd_dump(int argc, char **argv) {
    const char *file = NULL, *stage = NULL, *dot = NULL;
    bool json = false;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--stage") == 0 && i + 1 < argc)
            stage = argv[++i];
        else if (strncmp(argv[i], "--stage=", 8) == 0)
            stage = argv[i] + 8;
        else if (strcmp(argv[i], "--dot") == 0 && i + 1 < argc)
            dot = argv[++i];
        else if (strncmp(argv[i], "--dot=", 6) == 0)
            dot = argv[i] + 6;
        else if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (argv[i][0] != '-' && !file)
            file = argv[i];
        else {
            fprintf(stderr, "loom dump: unknown argument '%s'\n%s", argv[i],
                    USAGE);
            return 2;
        }
    }
    if (!file) {
        fputs(USAGE, stderr);
        return 2;
    }
    unsigned stages = LOOM_DUMP_ALL;
    if (stage) {
        stages = loom_dump_parse_stages(stage);
        if (!stages) {
            fprintf(stderr, "loom dump: unknown stage in '%s' (stages: "
                            "source, graph, opt, fusion, einsum, memory, "
                            "kernel, llvm, llvm-opt, asm, stats, all)\n",
                    stage);
            return 2;
        }
    }
    if (json)
        stages |= LOOM_DUMP_JSON;
    script s;
    if (load_script(file, &s))
        return 1;
    scr_run_opts opts = {.out = stdout};
    int rc = run_once(&s, -1, stages, dot, &opts);
    free_script(&s);
    return rc;
}

/* ---- bench ---- */

/* The stats of one evaluation point (a script line) in one run. */
typedef struct point_run {
    int evals;
    double total_ms, run_ms, compile_ms;
    int kernels, calls;
    int64_t bytes;
} point_run;

typedef struct point {
    int line;
    point_run *runs[2]; /* [mode][run] */
    int nruns[2];
    double first_compile_ms[2];
    int last_kernels[2], last_calls[2], last_evals[2];
} point;

typedef struct bench {
    point *pts;
    int npts;
    int mode;     /* 0 fused, 1 eager */
    int run;      /* index of the current timed run, -1 during warm-up */
    int repeat;
} bench;

static point *find_point(bench *b, int line) {
    for (int i = 0; i < b->npts; i++)
        if (b->pts[i].line == line)
            return &b->pts[i];
    b->pts = scr_xrealloc(b->pts, (size_t)(b->npts + 1) * sizeof *b->pts);
    point *p = &b->pts[b->npts++];
    memset(p, 0, sizeof *p);
    p->line = line;
    for (int m = 0; m < 2; m++)
        p->runs[m] = scr_xcalloc((size_t)b->repeat, sizeof(point_run));
    return p;
}

static void on_eval(void *ud, int line, const loom_eval_stats *st) {
    bench *b = ud;
    point *p = find_point(b, line);
    if (b->run < 0) {
        p->first_compile_ms[b->mode] += st->compile_ms;
        return;
    }
    point_run *r = &p->runs[b->mode][b->run];
    r->evals++;
    r->total_ms += st->total_ms;
    r->run_ms += st->run_ms;
    r->compile_ms += st->compile_ms;
    r->kernels += st->kernels;
    r->calls += st->calls;
    r->bytes += st->bytes_moved;
    if (b->run + 1 > p->nruns[b->mode])
        p->nruns[b->mode] = b->run + 1;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median of a field over the runs of one mode. */
static double median(const point *p, int mode, int repeat, bool run_only) {
    double *v = scr_xmalloc((size_t)repeat * sizeof *v);
    for (int i = 0; i < repeat; i++)
        v[i] = run_only ? p->runs[mode][i].run_ms : p->runs[mode][i].total_ms;
    qsort(v, (size_t)repeat, sizeof *v, cmp_double);
    double m = repeat % 2 ? v[repeat / 2]
                          : 0.5 * (v[repeat / 2 - 1] + v[repeat / 2]);
    free(v);
    return m;
}

static void json_string(const char *s) {
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", *s);
        else
            putchar(*s);
    }
    putchar('"');
}

static void bench_report(const script *s, const bench *b, bool json) {
    if (!json)
        printf("%-28s %5s %10s %10s %8s %11s %8s\n", "point", "evals",
               "fused ms", "eager ms", "speedup", "compile ms",
               "kernels");
    for (int i = 0; i < b->npts; i++) {
        const point *p = &b->pts[i];
        char name[512];
        if (p->line < 0)
            snprintf(name, sizeof name, "%s:end", s->file);
        else
            snprintf(name, sizeof name, "%s:%d", s->file, p->line);
        double f = median(p, 0, b->repeat, false);
        double e = median(p, 1, b->repeat, false);
        double fr = median(p, 0, b->repeat, true);
        double er = median(p, 1, b->repeat, true);
        const point_run *lf = &p->runs[0][b->repeat - 1];
        const point_run *le = &p->runs[1][b->repeat - 1];
        if (json) {
            printf("{\"name\": ");
            json_string(name);
            printf(", \"line\": %d, \"evals\": %d, \"fused_ms\": %.6g, "
                   "\"eager_ms\": %.6g, \"fused_run_ms\": %.6g, "
                   "\"eager_run_ms\": %.6g, \"compile_ms\": %.6g, "
                   "\"eager_compile_ms\": %.6g, \"kernels\": %d, "
                   "\"eager_kernels\": %d, \"calls\": %d, "
                   "\"bytes_moved\": %lld, \"repeat\": %d}\n",
                   p->line, lf->evals, f, e, fr, er, p->first_compile_ms[0],
                   p->first_compile_ms[1], lf->kernels, le->kernels,
                   lf->calls, (long long)lf->bytes, b->repeat);
        } else {
            char sp[32] = "-";
            if (f > 0)
                snprintf(sp, sizeof sp, "%.2fx", e / f);
            char k[32];
            snprintf(k, sizeof k, "%d/%d", lf->kernels, le->kernels);
            printf("%-28s %5d %10.3f %10.3f %8s %11.2f %8s\n", name,
                   lf->evals, f, e, sp, p->first_compile_ms[0], k);
        }
    }
    fflush(stdout);
}

static int cmd_bench(int argc, char **argv) {
    const char *file = NULL;
    int repeat = 7;
    bool json = false;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
            repeat = atoi(argv[++i]);
        } else if (strncmp(argv[i], "--repeat=", 9) == 0) {
            repeat = atoi(argv[i] + 9);
        } else if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (argv[i][0] != '-' && !file) {
            file = argv[i];
        } else {
            fprintf(stderr, "loom bench: unknown argument '%s'\n%s", argv[i],
                    USAGE);
            return 2;
        }
    }
    if (!file || repeat < 1) {
        fputs(USAGE, stderr);
        return 2;
    }
    script s;
    if (load_script(file, &s))
        return 1;
    bench b = {.repeat = repeat};
    scr_run_opts opts = {.out = NULL, .on_eval = on_eval, .hook_ud = &b};
    int rc = 0;
    for (int mode = 0; mode < 2 && rc == 0; mode++) {
        b.mode = mode;
        for (int r = -1; r < repeat && rc == 0; r++) {
            b.run = r;
            rc = run_once(&s, mode, 0, NULL, &opts);
        }
    }
    if (rc == 0)
        bench_report(&s, &b, json);
    for (int i = 0; i < b.npts; i++) {
        free(b.pts[i].runs[0]);
        free(b.pts[i].runs[1]);
    }
    free(b.pts);
    free_script(&s);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fputs(USAGE, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
        strcmp(cmd, "help") == 0) {
        fputs(USAGE, stdout);
        fputs(HELP, stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("loom %s\n", LOOM_VERSION_STRING);
        return 0;
    }
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc - 2, argv + 2);
    if (strcmp(cmd, "dump") == 0)
        return cmd_dump(argc - 2, argv + 2);
    if (strcmp(cmd, "bench") == 0)
        return cmd_bench(argc - 2, argv + 2);
    size_t n = strlen(cmd);
    if (n > 3 && strcmp(cmd + n - 3, ".py") == 0)
        return cmd_run(argc - 1, argv + 1);
    fprintf(stderr, "loom: unknown command '%s'\n%s", cmd, USAGE);
    return 2;
}
