/*
 * dump.c -- what `loom dump`, loom_dump() and LOOM_DUMP=DIR show of an
 * evaluation: every stage, for every kernel.
 *
 * Stages, in pipeline order: the source lines the nodes came from; the
 * graph as built; the graph after optimization; the fusion groups, each
 * with its member nodes and the reason for every cut edge; einsum paths;
 * the memory plan; per kernel the loop-nest IR, LLVM IR before and after
 * optimization, machine code (LLVM's disassembler), compile time per
 * stage, cache hit or miss and why, run time, bytes moved, GB/s, GFLOP/s
 * and the share of the machine's bandwidth.
 *
 * Names are stable so that two dumps diff cleanly: nodes are numbered by
 * their position in the graph walk (%0, %1, ...), kernels by the hash of
 * their structure.  LOOM_DUMP_JSON gives one JSON object per evaluation.
 */
#include "runtime/exec.h"
#include "runtime/call.h"
#include "runtime/pool.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

unsigned loom_dump_parse_stages(const char *list)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {
        {"source", LOOM_DUMP_SOURCE}, {"graph", LOOM_DUMP_GRAPH},
        {"opt", LOOM_DUMP_OPT},       {"fusion", LOOM_DUMP_FUSION},
        {"einsum", LOOM_DUMP_EINSUM}, {"memory", LOOM_DUMP_MEMORY},
        {"kernel", LOOM_DUMP_KERNEL}, {"llvm", LOOM_DUMP_LLVM},
        {"llvm-opt", LOOM_DUMP_LLVM_OPT}, {"asm", LOOM_DUMP_ASM},
        {"stats", LOOM_DUMP_STATS},   {"all", LOOM_DUMP_ALL},
        {"json", LOOM_DUMP_JSON},
    };
    unsigned mask = 0;
    if (!list)
        return 0;
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        bool found = false;
        for (size_t i = 0; i < sizeof names / sizeof *names; i++)
            if (strlen(names[i].name) == n && !strncmp(names[i].name, p, n)) {
                mask |= names[i].bit;
                found = true;
            }
        if (!found)
            return 0;
        p += n;
        if (*p == ',')
            p++;
    }
    return mask;
}

/* ---- the machine's bandwidth, measured once ---- */

typedef struct copyjob {
    const double *src;
    double *dst;
} copyjob;

static void copy_range(void *ud, int64_t lo, int64_t hi)
{
    copyjob *j = ud;
    memcpy(j->dst + lo, j->src + lo, (size_t)(hi - lo) * sizeof(double));
}

/* Copy bandwidth of all cores (bytes read + written per second), from the
 * best of a few 64 MB copies.  0 if memory is short. */
double rt_machine_bandwidth(void)
{
    static double gbs = -1;
    if (gbs >= 0)
        return gbs;
    int64_t n = 8 << 20;
    double *a = malloc((size_t)n * 8), *b = malloc((size_t)n * 8);
    gbs = 0;
    if (a && b) {
        memset(a, 1, (size_t)n * 8);
        memset(b, 2, (size_t)n * 8);
        copyjob j = {a, b};
        for (int r = 0; r < 4; r++) {
            struct timespec t0, t1;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            rt_parallel_for(rt_pool_size(), n, 1 << 16, copy_range, &j);
            clock_gettime(CLOCK_MONOTONIC, &t1);
            double s = (double)(t1.tv_sec - t0.tv_sec) +
                       (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
            double g = 2.0 * (double)n * 8 / s / 1e9;
            if (g > gbs)
                gbs = g;
        }
    }
    free(a);
    free(b);
    return gbs;
}

/* ---- the graph walk ---- */

/* Nodes of the graphs under roots in depth-first post-order, numbered by
 * their position (the dump's stable names). */
typedef struct walk {
    loom_array **nodes;
    int n, cap;
} walk;

static int walk_index(const walk *w, const loom_array *a)
{
    for (int i = 0; i < w->n; i++)
        if (w->nodes[i] == a)
            return i;
    return -1;
}

/* Whether a's buffer came from this evaluation (then the walk goes on
 * into its inputs: it was computed, not given). */
static bool fresh(const rt_program *p, const loom_array *a)
{
    for (int i = 0; i < p->nout; i++)
        if (p->req[i] == a || p->opt[i] == a)
            return true;
    for (int j = 0; j < p->nmem; j++)
        if (p->mem[j].node == a)
            return true;
    return false;
}

static void walk_add(walk *w, const rt_program *p, loom_array *a, int depth)
{
    if (walk_index(w, a) >= 0 || depth > 2000)
        return;
    bool given = a->buf && !fresh(p, a);
    if (!given)
        for (int i = 0; i < a->nin; i++)
            walk_add(w, p, a->in[i], depth + 1);
    if (w->n == w->cap) {
        int c = w->cap ? w->cap * 2 : 64;
        loom_array **nodes = realloc(w->nodes, (size_t)c * sizeof *nodes);
        if (!nodes)
            return;
        w->nodes = nodes;
        w->cap = c;
    }
    w->nodes[w->n++] = a;
}

static void shape_text(char *b, size_t n, const loom_array *a)
{
    graph_shape_str(b, n, a->ndim, a->shape);
}

static const char *loc_file(const loom_ctx *ctx, const loom_array *a, int *line)
{
    if (a->loc < 0 || a->loc >= ctx->nlocs)
        return NULL;
    *line = ctx->locs[a->loc].line;
    return ctx->locs[a->loc].file;
}

/* What a step is called: its kernel's name, or the runtime call it makes
 * ("cumsum", "lstsq"...; the op's NumPy name for matmul and the like). */
static const char *step_name(const rt_program *p, int s)
{
    const fuse_step *st = &p->plan.steps[s];
    if (st->kind == FUSE_KERNEL)
        return p->ks[s].k.name;
    for (int o = 0; o < st->nout; o++) {
        const loom_array *a = st->out[o];
        if (a->op == GRAPH_OP_CALL && (unsigned)a->attr[0] < RT_NCALLS)
            return rt_calls[a->attr[0]].what;
    }
    return graph_ops[st->out[0]->op].npname;
}

/* The node's attributes that matter to a reader. */
static void attr_text(char *b, size_t n, const loom_array *a)
{
    b[0] = 0;
    size_t k = 0;
    switch (graph_ops[a->op].kind) {
    case GRAPH_REDUCE:
        k += (size_t)snprintf(b, n, " axes=[");
        for (int i = 0; i < a->in[0]->ndim && k < n; i++)
            if (a->attr[0] >> i & 1)
                k += (size_t)snprintf(b + k, n - k, "%s%d",
                                      b[k - 1] == '[' ? "" : ",", i);
        if (k < n)
            snprintf(b + k, n - k, "]%s", a->op == GRAPH_OP_RVAR ? " ddof" : "");
        return;
    case GRAPH_CALL:
        if (a->op == GRAPH_OP_CALL && (unsigned)a->attr[0] < RT_NCALLS)
            snprintf(b, n, " %s", rt_calls[a->attr[0]].what);
        else if (a->op == GRAPH_OP_CALL_OUT)
            snprintf(b, n, " #%lld", (long long)a->attr[0]);
        return;
    default:
        break;
    }
    if (a->op == GRAPH_OP_CONST) {
        if (graph_is_float((loom_dtype)a->dtype))
            snprintf(b, n, " %.17g", a->value.f);
        else
            snprintf(b, n, " %lld", (long long)a->value.i);
    }
    if (a->op == GRAPH_OP_PERMUTE) {
        k += (size_t)snprintf(b, n, " perm=(");
        for (int i = 0; i < a->ndim && k < n; i++)
            k += (size_t)snprintf(b + k, n - k, i ? ",%lld" : "%lld",
                                  (long long)a->attr[i]);
        if (k < n)
            snprintf(b + k, n - k, ")");
    }
}

static void print_graph(FILE *out, const rt_program *p, const walk *w,
                        const char *title)
{
    const loom_ctx *ctx = p->ctx;
    fprintf(out, "-- %s: %d node(s)\n", title, w->n);
    for (int i = 0; i < w->n; i++) {
        const loom_array *a = w->nodes[i];
        char sh[128], at[256];
        shape_text(sh, sizeof sh, a);
        attr_text(at, sizeof at, a);
        bool given = a->buf && !fresh(p, a);
        fprintf(out, "  %%%-3d = %-12s %s%s %s", i,
                given ? "input" : graph_ops[a->op].npname,
                loom_dtype_name((loom_dtype)a->dtype), sh, given ? "" : at);
        if (!given)
            for (int k = 0; k < a->nin; k++)
                fprintf(out, "%s%%%d", k ? ", " : " (", walk_index(w, a->in[k]));
        if (!given && a->nin)
            fputc(')', out);
        int line;
        const char *f = loc_file(ctx, a, &line);
        if (f)
            fprintf(out, "   @ %s:%d", f, line);
        fputc('\n', out);
    }
}

/* ---- source lines ---- */

static void print_source(FILE *out, const loom_ctx *ctx, const walk *w)
{
    fprintf(out, "-- source\n");
    for (int l = 0; l < ctx->nlocs; l++) {
        int count = 0;
        for (int i = 0; i < w->n; i++)
            count += w->nodes[i]->loc == l;
        if (!count)
            continue;
        fprintf(out, "  %s:%d:", ctx->locs[l].file, ctx->locs[l].line);
        /* the line's text, when the file can be read */
        FILE *f = fopen(ctx->locs[l].file, "r");
        char buf[512];
        int ln = 0;
        while (f && fgets(buf, sizeof buf, f))
            if (++ln == ctx->locs[l].line) {
                buf[strcspn(buf, "\n")] = 0;
                fprintf(out, "  %s", buf);
                break;
            }
        if (f)
            fclose(f);
        fprintf(out, "\n     nodes:");
        for (int i = 0; i < w->n; i++)
            if (w->nodes[i]->loc == l)
                fprintf(out, " %%%d", i);
        fputc('\n', out);
    }
}

/* ---- fusion ---- */

/* Marks (in mark[]) the nodes computed inside step s. */
static void members(const rt_program *p, int s, const walk *w, char *mark)
{
    const fuse_step *st = &p->plan.steps[s];
    loom_array *stack[4096];
    int sp = 0;
    for (int o = 0; o < st->nout; o++)
        stack[sp++] = st->out[o];
    while (sp > 0) {
        loom_array *a = stack[--sp];
        int i = walk_index(w, a);
        if (i < 0 || mark[i])
            continue;
        bool inside = a->tmp == s || a->tmp == FUSE_INLINE;
        if (!inside || (a->buf && !fresh(p, a)))
            continue;
        mark[i] = 1;
        if (st->kind == FUSE_KERNEL || a->tmp != s)
            for (int k = 0; k < a->nin && sp < 4000; k++)
                stack[sp++] = a->in[k];
    }
}

static void print_fusion(FILE *out, const rt_program *p, const walk *w)
{
    const fuse_plan *plan = &p->plan;
    fprintf(out, "-- fusion: %d step(s)\n", plan->nsteps);
    char *mark = calloc((size_t)w->n + 1, 1);
    for (int s = 0; s < plan->nsteps && mark; s++) {
        const fuse_step *st = &plan->steps[s];
        const rt_kstep *ks = &p->ks[s];
        char sh[128];
        graph_shape_str(sh, sizeof sh, st->ndom, st->dom);
        if (st->kind == FUSE_KERNEL)
            fprintf(out, "  step %d: kernel %s over %s%s, %d reduction(s)\n", s,
                    ks->k.name, sh,
                    st->ninner ? " (rows fused: reductions swept per row)" : "",
                    st->nreduce);
        else
            fprintf(out, "  step %d: runtime call %s\n", s, step_name(p, s));
        memset(mark, 0, (size_t)w->n + 1);
        members(p, s, w, mark);
        fprintf(out, "    computes:");
        for (int i = 0; i < w->n; i++)
            if (mark[i])
                fprintf(out, " %%%d:%s", i, graph_ops[w->nodes[i]->op].npname);
        fprintf(out, "\n    stores:");
        for (int o = 0; o < st->nout; o++)
            fprintf(out, " %%%d", walk_index(w, st->out[o]));
        fputc('\n', out);
    }
    free(mark);
    for (int i = 0; i < plan->ncuts; i++) {
        const fuse_cut *c = &plan->cuts[i];
        fprintf(out, "  cut %%%d:%s -> ", walk_index(w, c->producer),
                graph_ops[c->producer->op].npname);
        if (c->consumer)
            fprintf(out, "%%%d:%s", walk_index(w, c->consumer),
                    graph_ops[c->consumer->op].npname);
        else
            fprintf(out, "(output)");
        fprintf(out, ": %s\n", c->reason);
    }
    for (int i = 0; i < plan->nviews; i++)
        fprintf(out, "  view %%%d: no kernel, a view of a buffer\n",
                walk_index(w, plan->views[i]));
}

/* Bytes of one slab of every intermediate of chain t (one written in
 * place of another shares its slab buffer). */
static int64_t tile_bytes(const rt_program *p, const rt_tile *t)
{
    int64_t n = 0;
    for (int q = 0; q < t->nslot; q++)
        if (!p->mem[t->slot[q]].in_place)
            n += p->mem[t->slot[q]].nbytes / t->nslabs;
    return n;
}

static void print_memory(FILE *out, const rt_program *p, const walk *w)
{
    fprintf(out, "-- memory plan: %d buffer(s), peak %lld bytes\n", p->nmem,
            (long long)p->peak_bytes);
    for (int j = 0; j < p->nmem; j++) {
        const rt_mbuf *m = &p->mem[j];
        fprintf(out, "  buf%d %%%d: %lld bytes, written by step %d, ", j,
                walk_index(w, m->node), (long long)m->nbytes, m->first);
        if (m->output)
            fprintf(out, "kept (requested)");
        else
            fprintf(out, "freed after step %d", m->last);
        if (m->in_place)
            fprintf(out, ", in place of buf%d (each element read before it is overwritten)", m->reuse);
        else if (m->reuse >= 0)
            fprintf(out, ", reuses buf%d's memory", m->reuse);
        if (m->tiled)
            fprintf(out, ", tiled: only slabs of it exist, in per-thread buffers (it has address space, no memory)");
        fputc('\n', out);
    }
    for (int k = 0; k < p->ntiles; k++) {
        const rt_tile *t = &p->tiles[k];
        fprintf(out, "  tiled chain: steps %d-%d run ", t->first, t->last);
        if (t->rows)
            fprintf(out, "%lld rows at a time", (long long)t->rows);
        else
            fprintf(out, "one batch element at a time");
        fprintf(out, " (%lld slabs, each thread its own", (long long)t->nslabs);
        for (int i = t->first; i <= t->last; i++)
            if (!rt_tile_member(t, i))
                fprintf(out, "; step %d, which does not read the chain, first", i);
        fprintf(out, "), passing");
        for (int q = 0; q < t->nslot; q++)
            fprintf(out, " buf%d", t->slot[q]);
        fprintf(out, " slab by slab in %lld bytes per thread\n", (long long)tile_bytes(p, t));
    }
}

static void print_einsum(FILE *out, const loom_ctx *ctx, const walk *w)
{
    for (int i = 0; i < ctx->nnotes; i++)
        if (walk_index(w, ctx->notes[i].node) >= 0)
            fprintf(out, "-- einsum '%s' -> %%%d\n%s\n", ctx->notes[i].title,
                    walk_index(w, ctx->notes[i].node), ctx->notes[i].text);
}

/* ---- per-kernel statistics ---- */

/* Floating-point operations of one run of kernel k: float ALU values of
 * each store and update, times the iterations of the loops around it. */
static double kernel_flops(const jit_kernel *k)
{
    double iters = 1, flops = 0, stack[64];
    int depth = 0;
    char *seen = calloc((size_t)k->nvals + 1, 1);
    if (!seen)
        return 0;
    for (int i = 0; i < k->nstmts; i++) {
        const kir_stmt *s = &k->stmts[i];
        if (s->op == KS_LOOP) {
            stack[depth++] = iters;
            const kir_val *e = &k->vals[s->b];
            double ext = e->op == KV_PARAM ? (double)k->params[e->a] : 1;
            iters *= ext > 0 ? ext : 0;
            continue;
        }
        if (s->op == KS_END) {
            iters = depth > 0 ? stack[--depth] : 1;
            continue;
        }
        bool store = s->op == KS_STORE || s->op == KS_STREAM;
        if (!store && s->op != KS_ACC_UPDATE)
            continue;
        int root = store ? s->c : s->b;
        int todo[256], nt = 0, ops = s->op == KS_ACC_UPDATE;
        memset(seen, 0, (size_t)k->nvals + 1);
        todo[nt++] = root;
        while (nt > 0) {
            int v = todo[--nt];
            if (v < 0 || seen[v])
                continue;
            seen[v] = 1;
            const kir_val *x = &k->vals[v];
            if (x->op != KV_ALU)
                continue;
            if (graph_is_float((loom_dtype)x->dtype) && x->gop != GRAPH_OP_CAST)
                ops++;
            if (nt < 250) {
                todo[nt++] = x->a;
                todo[nt++] = x->b;
                todo[nt++] = x->c;
            }
        }
        flops += iters * ops;
    }
    free(seen);
    return flops;
}

/* The tiled chain step i is a member of, or NULL. */
static const rt_tile *tile_of(const rt_program *p, int i)
{
    for (int k = 0; k < p->ntiles; k++)
        if (rt_tile_member(&p->tiles[k], i))
            return &p->tiles[k];
    return NULL;
}

/* The run line of step i that is part of tiled chain t: the chain's time
 * is counted once, on its first step. */
static void print_tiled_run(FILE *out, const rt_program *p, const rt_tile *t)
{
    fprintf(out, "    run: in tiled chain %d-%d, which ran in %.3f ms\n", t->first,
            t->last, p->ks[t->first].run_ms);
}

static void print_kernel_stats(FILE *out, const rt_program *p, int i, double bw)
{
    const rt_kstep *ks = &p->ks[i];
    const jit_compile_info *c = &ks->cinfo;
    fprintf(out, "  %s: ", ks->k.name);
    if (c->mem_hit)
        fprintf(out, "cache hit (in memory)");
    else if (c->disk_hit)
        fprintf(out, "cache hit (on disk, %s in %.3f ms)",
                c->linked ? "linked by LLJIT" : "loaded", c->link_ms);
    else
        fprintf(out, "compiled (%s): emit %.3f ms, verify %.3f, optimize "
                     "%.3f, codegen %.3f, link %.3f, total %.3f ms, %zu "
                     "bytes of code",
                c->miss ? c->miss : "miss", c->emit_ms, c->verify_ms,
                c->opt_ms, c->codegen_ms, c->link_ms, c->total_ms,
                c->object_bytes);
    const rt_tile *t = tile_of(p, i);
    if (t) {
        fputc('\n', out);
        print_tiled_run(out, p, t);
        return;
    }
    double s = ks->run_ms / 1e3, gbs = s > 0 ? (double)ks->bytes / s / 1e9 : 0;
    double gf = s > 0 ? kernel_flops(&ks->k) / s / 1e9 : 0;
    fprintf(out, "\n    run %.3f ms, %lld bytes moved, %.2f GB/s", ks->run_ms,
            (long long)ks->bytes, gbs);
    if (bw > 0)
        fprintf(out, " (%.0f%% of the machine's %.1f GB/s)", 100 * gbs / bw, bw);
    fprintf(out, ", %.2f GFLOP/s\n", gf);
}

static void print_texts(FILE *out, const rt_kstep *ks, unsigned stages)
{
    jit_texts t;
    char err[256];
    if (!jit_texts_make(&ks->k, stages & LOOM_DUMP_LLVM,
                        stages & LOOM_DUMP_LLVM_OPT, stages & LOOM_DUMP_ASM, &t,
                        err, sizeof err)) {
        fprintf(out, "  (compile texts unavailable: %s)\n", err);
        return;
    }
    if (t.llvm)
        fprintf(out, "-- llvm (before optimization): %s\n%s", ks->k.name, t.llvm);
    if (t.llvm_opt)
        fprintf(out, "-- llvm (after optimization): %s\n%s", ks->k.name,
                t.llvm_opt);
    if (t.asm_text)
        fprintf(out, "-- asm: %s\n%s", ks->k.name, t.asm_text);
    jit_texts_free(&t);
}

/* ---- JSON ---- */

static void json_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", out);
        else if (c == '\t')
            fputs("\\t", out);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

/* A stage's text captured into a string (for JSON). */
static char *capture(void (*fn)(FILE *, const void *, const void *),
                     const void *a, const void *b)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    fn(f, a, b);
    fclose(f);
    return buf;
}

static void cap_kernel(FILE *f, const void *ks, const void *unused)
{
    (void)unused;
    jit_kernel_print(&((const rt_kstep *)ks)->k, f);
}

static void dump_json(FILE *out, const rt_program *p, const walk *built,
                      const walk *opt, unsigned stages, int serial)
{
    const loom_ctx *ctx = p->ctx;
    fprintf(out, "{\"evaluation\": %d, \"nodes\": [", serial);
    for (int i = 0; i < built->n; i++) {
        const loom_array *a = built->nodes[i];
        char sh[128];
        shape_text(sh, sizeof sh, a);
        fprintf(out, "%s{\"id\": %d, \"op\": ", i ? ", " : "", i);
        bool given = a->buf && !fresh(p, a);
        json_str(out, given ? "input" : graph_ops[a->op].npname);
        fprintf(out, ", \"dtype\": \"%s\", \"shape\": ",
                loom_dtype_name((loom_dtype)a->dtype));
        json_str(out, sh);
        fprintf(out, ", \"inputs\": [");
        for (int k = 0; !given && k < a->nin; k++)
            fprintf(out, "%s%d", k ? ", " : "", walk_index(built, a->in[k]));
        fprintf(out, "]");
        int line;
        const char *file = loc_file(ctx, a, &line);
        if (file) {
            fprintf(out, ", \"source\": ");
            json_str(out, file);
            fprintf(out, ", \"line\": %d", line);
        }
        fputc('}', out);
    }
    fprintf(out, "], \"optimized_nodes\": %d, \"steps\": [", opt->n);
    double bw = (stages & LOOM_DUMP_STATS) ? rt_machine_bandwidth() : 0;
    for (int s = 0; s < p->plan.nsteps; s++) {
        const fuse_step *st = &p->plan.steps[s];
        const rt_kstep *ks = &p->ks[s];
        fprintf(out, "%s{\"kind\": \"%s\"", s ? ", " : "",
                st->kind == FUSE_KERNEL ? "kernel" : "call");
        if (st->kind == FUSE_KERNEL) {
            fprintf(out, ", \"name\": ");
            json_str(out, ks->k.name);
            fprintf(out, ", \"cache\": \"%s\"",
                    ks->cinfo.mem_hit ? "memory" : ks->cinfo.disk_hit ? "disk"
                                                                      : "miss");
            fprintf(out, ", \"compile_ms\": %.4f, \"run_ms\": %.4f, "
                         "\"bytes\": %lld",
                    ks->cinfo.mem_hit ? 0.0 : ks->cinfo.total_ms, ks->run_ms,
                    (long long)ks->bytes);
            double sec = ks->run_ms / 1e3;
            double gbs = sec > 0 ? (double)ks->bytes / sec / 1e9 : 0;
            fprintf(out, ", \"gb_per_s\": %.3f, \"gflop_per_s\": %.3f", gbs,
                    sec > 0 ? kernel_flops(&ks->k) / sec / 1e9 : 0);
            if (bw > 0)
                fprintf(out, ", \"bandwidth_share\": %.3f", gbs / bw);
            if (stages & LOOM_DUMP_KERNEL) {
                char *ir = capture(cap_kernel, ks, NULL);
                fprintf(out, ", \"kernel_ir\": ");
                json_str(out, ir);
                free(ir);
            }
        } else {
            fprintf(out, ", \"name\": \"%s\", \"run_ms\": %.4f",
                    step_name(p, s), ks->run_ms);
        }
        fprintf(out, ", \"stores\": [");
        for (int o = 0; o < st->nout; o++)
            fprintf(out, "%s%d", o ? ", " : "", walk_index(built, st->out[o]));
        fprintf(out, "]}");
    }
    fprintf(out, "], \"cuts\": [");
    for (int i = 0; i < p->plan.ncuts; i++) {
        const fuse_cut *c = &p->plan.cuts[i];
        fprintf(out, "%s{\"producer\": ", i ? ", " : "");
        json_str(out, graph_ops[c->producer->op].npname);
        fprintf(out, ", \"consumer\": ");
        json_str(out, c->consumer ? graph_ops[c->consumer->op].npname : "output");
        fprintf(out, ", \"reason\": ");
        json_str(out, c->reason);
        fputc('}', out);
    }
    fprintf(out, "], \"memory\": {\"buffers\": %d, \"peak_bytes\": %lld}, "
                 "\"einsum\": [",
            p->nmem, (long long)p->peak_bytes);
    int ne = 0;
    for (int i = 0; i < ctx->nnotes; i++)
        if (walk_index(built, ctx->notes[i].node) >= 0 ||
            walk_index(opt, ctx->notes[i].node) >= 0) {
            fprintf(out, "%s{\"subscripts\": ", ne++ ? ", " : "");
            json_str(out, ctx->notes[i].title);
            fprintf(out, ", \"path\": ");
            json_str(out, ctx->notes[i].text);
            fputc('}', out);
        }
    fprintf(out, "], \"compile_ms\": %.4f, \"run_ms\": %.4f}\n", p->compile_ms,
            p->run_ms);
}

/* ---- Graphviz ---- */

static void dump_dot(const rt_program *p, const walk *w, const char *path)
{
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    if (!tmp)
        return;
    snprintf(tmp, n, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        free(tmp);
        return;
    }
    fprintf(f, "digraph loom {\n  rankdir=BT;\n  node [shape=box, fontname=\"monospace\"];\n");
    char *mark = calloc((size_t)w->n + 1, 1);
    char *placed = calloc((size_t)w->n + 1, 1);
    for (int s = 0; s < p->plan.nsteps && mark && placed; s++) {
        memset(mark, 0, (size_t)w->n + 1);
        members(p, s, w, mark);
        fprintf(f, "  subgraph cluster_%d {\n    label=\"step %d: %s\";\n    "
                   "style=rounded; color=blue;\n",
                s, s, step_name(p, s));
        for (int i = 0; i < w->n; i++)
            if (mark[i] && !placed[i]) {
                placed[i] = 1;
                fprintf(f, "    n%d [label=\"%%%d %s\"];\n", i, i,
                        graph_ops[w->nodes[i]->op].npname);
            }
        fprintf(f, "  }\n");
    }
    for (int i = 0; i < w->n && placed; i++) {
        const loom_array *a = w->nodes[i];
        bool given = a->buf && !fresh(p, a);
        if (!placed[i])
            fprintf(f, "  n%d [label=\"%%%d %s\", style=dashed];\n", i, i,
                    given ? "input" : graph_ops[a->op].npname);
        for (int k = 0; !given && k < a->nin; k++) {
            int j = walk_index(w, a->in[k]);
            bool cut = false;
            for (int c = 0; c < p->plan.ncuts; c++)
                cut = cut || (p->plan.cuts[c].producer == a->in[k] &&
                              p->plan.cuts[c].consumer == a);
            fprintf(f, "  n%d -> n%d%s;\n", j, i,
                    cut ? " [color=red, style=bold]" : "");
        }
    }
    fprintf(f, "}\n");
    free(mark);
    free(placed);
    bool ok = fclose(f) == 0;
    if (ok && rename(tmp, path) == 0) {
        /* a picture too, when Graphviz is installed */
        size_t m = 2 * strlen(path) + 160;
        char *cmd = malloc(m);
        if (cmd) {
            snprintf(cmd, m, "command -v dot >/dev/null 2>&1 && dot -Tpng '%s' -o '%s.png' 2>/dev/null",
                     path, path);
            if (system(cmd) != 0) {
                /* no Graphviz: the .dot file is the result */
            }
            free(cmd);
        }
    } else {
        remove(tmp);
    }
    free(tmp);
}

/* ---- the dump ---- */

void rt_dump_program(const rt_program *p, FILE *out, unsigned stages)
{
    const loom_ctx *ctx = p->ctx;
    walk built = {0}, opt = {0};
    for (int i = 0; i < p->nout; i++)
        walk_add(&built, p, p->req[i], 0);
    for (int i = 0; i < p->nout; i++)
        walk_add(&opt, p, p->opt[i], 0);
    int serial = ctx->eval_serial;
    if (stages & LOOM_DUMP_JSON) {
        dump_json(out, p, &built, &opt, stages, serial);
    } else {
        fprintf(out, "== evaluation %d: %d array(s), %d step(s), compile %.3f "
                     "ms, run %.3f ms\n",
                serial, p->nout, p->plan.nsteps, p->compile_ms, p->run_ms);
        if (stages & LOOM_DUMP_SOURCE)
            print_source(out, ctx, &built);
        if (stages & LOOM_DUMP_GRAPH)
            print_graph(out, p, &built, "graph as built");
        if (stages & LOOM_DUMP_OPT)
            print_graph(out, p, &opt, "graph after optimization");
        if (stages & LOOM_DUMP_FUSION)
            print_fusion(out, p, &opt);
        if (stages & LOOM_DUMP_EINSUM)
            print_einsum(out, ctx, &built);
        if (stages & LOOM_DUMP_MEMORY)
            print_memory(out, p, &opt);
        double bw = (stages & LOOM_DUMP_STATS) ? rt_machine_bandwidth() : 0;
        for (int s = 0; s < p->plan.nsteps; s++) {
            const rt_kstep *ks = &p->ks[s];
            if (p->plan.steps[s].kind != FUSE_KERNEL) {
                if (!(stages & LOOM_DUMP_STATS))
                    continue;
                const rt_tile *t = tile_of(p, s);
                fprintf(out, "  step %d (runtime call %s):", s, step_name(p, s));
                if (t) {
                    fputc('\n', out);
                    print_tiled_run(out, p, t);
                } else {
                    fprintf(out, " run %.3f ms\n", ks->run_ms);
                }
                continue;
            }
            if (stages & LOOM_DUMP_KERNEL) {
                fprintf(out, "-- kernel IR: step %d\n", s);
                jit_kernel_print(&ks->k, out);
            }
            if (stages & (LOOM_DUMP_LLVM | LOOM_DUMP_LLVM_OPT | LOOM_DUMP_ASM))
                print_texts(out, ks, stages);
            if (stages & LOOM_DUMP_STATS)
                print_kernel_stats(out, p, s, bw);
        }
    }
    if (ctx->dump_dot)
        dump_dot(p, &opt, ctx->dump_dot);
    free(built.nodes);
    free(opt.nodes);
    fflush(out);
}

/* LOOM_DUMP=DIR: every evaluation of every context to DIR/eval-<pid>-<n>.txt
 * (all stages) -- written to a temporary name and renamed. */
void rt_dump_to_dir(const rt_program *p, const char *dir)
{
    static atomic_int counter;
    char path[1024], tmp[1100];
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/eval-%ld-%04d.txt", dir, (long)getpid(),
             atomic_fetch_add(&counter, 1) + 1);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    rt_dump_program(p, f, LOOM_DUMP_ALL);
    if (fclose(f) == 0)
        rename(tmp, path);
    else
        remove(tmp);
}
