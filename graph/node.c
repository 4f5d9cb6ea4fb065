/*
 * node.c -- contexts, scopes, hash-consed nodes, reference counts and
 * poisoned arrays.
 *
 * Ownership model.  A node's reference count counts (a) its entries in
 * scopes, (b) consumers holding it as an input, (c) the optimizer memo of
 * another node.  When it drops to zero the node leaves the hash table,
 * releases its inputs, buffer and memo, and is freed.  Freeing is iterative
 * (a worklist), so dropping a graph a million nodes deep does not recurse.
 */
#include "graph/graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const graph_opinfo graph_ops[GRAPH_NOPS] = {
#define OP(name, arity, kind, cost, rule, npname) \
    {#name, npname, arity, GRAPH_##kind, GRAPH_COST_##cost, GRAPH_RULE_##rule},
#define GRAPH_COST_CHEAP false
#define GRAPH_COST_DEAR true
#include "graph/ops.def"
#undef OP
};

const char *graph_op_npname(graph_op op)
{
    return op < GRAPH_NOPS ? graph_ops[op].npname : "?";
}

/* The static nodes returned when no context is at hand or memory is out. */
loom_array graph_oom_node = {
    .op = GRAPH_OP_ERROR, .dtype = LOOM_FLOAT64, .flags = GRAPH_STATIC,
    .loc = -1, .status = LOOM_ERR_MEMORY, .msg = "out of memory"};
static loom_array null_node = {
    .op = GRAPH_OP_ERROR, .dtype = LOOM_FLOAT64, .flags = GRAPH_STATIC,
    .loc = -1, .status = LOOM_ERR_NULL, .msg = "NULL array handle"};

/* ---- allocation ---- */

void *graph_malloc(loom_ctx *ctx, size_t n)
{
    return rt_malloc(&ctx->alloc, n);
}

void graph_free(loom_ctx *ctx, void *p, size_t n)
{
    rt_free(&ctx->alloc, p, n);
}

char *graph_strdup(loom_ctx *ctx, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = graph_malloc(ctx, n);
    if (d)
        memcpy(d, s, n);
    return d;
}

void graph_strfree(loom_ctx *ctx, char *s)
{
    if (s)
        graph_free(ctx, s, strlen(s) + 1);
}

/* Grows *arr (elements of size elt, capacity *cap) to hold need elements. */
static bool grow(loom_ctx *ctx, void **arr, int64_t *cap, int64_t need,
                 size_t elt)
{
    if (need <= *cap)
        return true;
    int64_t ncap = *cap ? *cap * 2 : 16;
    while (ncap < need)
        ncap *= 2;
    void *p = rt_realloc(&ctx->alloc, *arr, (size_t)*cap * elt,
                         (size_t)ncap * elt);
    if (!p)
        return false;
    *arr = p;
    *cap = ncap;
    return true;
}

/* ---- context ---- */

loom_options loom_options_default(void)
{
    loom_options o = {0};
    o.eager = -1;
    return o;
}

static int env_int(const char *name, int dflt)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return dflt;
    return atoi(v);
}

loom_ctx *loom_ctx_new(const loom_options *opt)
{
    loom_options o = opt ? *opt : loom_options_default();
    rt_alloc a = {o.alloc ? o.alloc : rt_default_alloc,
                  o.alloc ? o.alloc_ud : NULL};
    loom_ctx *ctx = rt_malloc(&a, sizeof *ctx);
    if (!ctx)
        return NULL;
    memset(ctx, 0, sizeof *ctx);
    ctx->alloc = a;
    int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
    ctx->threads = o.threads > 0 ? o.threads : env_int("LOOM_THREADS", 0);
    if (ctx->threads <= 0)
        ctx->threads = ncpu > 0 ? ncpu : 1;
    ctx->eager = o.eager >= 0 ? o.eager != 0 : env_int("LOOM_EAGER", 0) != 0;
    ctx->cur_loc = -1;
    const char *sb = getenv("LOOM_STREAM_BYTES");
    ctx->stream_bytes = o.stream_bytes ? o.stream_bytes
                        : sb && *sb    ? (int64_t)atoll(sb)
                                       : rt_llc_bytes();
    const char *tb = getenv("LOOM_TILE_BYTES");
    ctx->tile_bytes = o.tile_bytes ? o.tile_bytes
                      : tb && *tb  ? (int64_t)atoll(tb)
                                   : rt_llc_bytes();
    /* the disk cache: options, then $LOOM_CACHE_DIR, then ~/.cache/loom */
    const char *cd = o.cache_dir ? o.cache_dir : getenv("LOOM_CACHE_DIR");
    char home_cache[1024];
    if (!cd && getenv("HOME") && *getenv("HOME")) {
        snprintf(home_cache, sizeof home_cache, "%s/.cache/loom",
                 getenv("HOME"));
        cd = home_cache;
    }
    const char *dd = getenv("LOOM_DUMP");
    int64_t cap = 0;
    bool ok = grow(ctx, (void **)&ctx->base, &cap, 8, sizeof(size_t));
    ctx->bcap = (int)cap;
    /* released buffers kept for reuse: a quarter of the memory, at most
     * 8 GiB, unless $LOOM_POOL_MB says otherwise */
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    long quarter = pages > 0 && psize > 0 ? (long)((pages / 4) * psize >> 20) : 1024;
    int pool_mb = env_int("LOOM_POOL_MB", quarter > 8192 ? 8192 : (int)quarter);
    if (ok)
        ok = (ctx->pool = rt_bufpool_new(&a, (size_t)(pool_mb > 0 ? pool_mb : 0)
                                                 << 20)) != NULL;
    if (ok && cd)
        ok = (ctx->cache_dir = graph_strdup(ctx, cd)) != NULL;
    if (ok && dd && *dd)
        ok = (ctx->dump_dir = graph_strdup(ctx, dd)) != NULL;
    if (!ok) {
        loom_ctx_free(ctx);
        return NULL;
    }
    ctx->nscopes = 1;
    ctx->base[0] = 0;
    return ctx;
}

int loom_ctx_threads(const loom_ctx *ctx)
{
    return ctx ? ctx->threads : 0;
}

bool loom_ctx_eager(const loom_ctx *ctx)
{
    return ctx && ctx->eager;
}

void loom_ctx_set_eager(loom_ctx *ctx, bool eager)
{
    if (ctx)
        ctx->eager = eager;
}

bool graph_ctx_on_free(loom_ctx *ctx, void (*fn)(void *), void *p)
{
    int64_t cap = ctx->fcap;
    if (!grow(ctx, (void **)&ctx->fins, &cap, ctx->nfins + 1,
              sizeof(graph_finalizer)))
        return false;
    ctx->fcap = (int)cap;
    ctx->fins[ctx->nfins++] = (graph_finalizer){fn, p};
    return true;
}

void graph_ctx_forget(loom_ctx *ctx, void *p)
{
    for (int i = 0; i < ctx->nfins; i++)
        if (ctx->fins[i].p == p) {
            ctx->fins[i] = ctx->fins[--ctx->nfins];
            return;
        }
}

static void note_drop(loom_ctx *ctx, int i)
{
    graph_unref(ctx->notes[i].node);
    graph_strfree(ctx, ctx->notes[i].title);
    free(ctx->notes[i].text);
}

void graph_ctx_note(loom_ctx *ctx, loom_array *node, const char *title,
                    char *text)
{
    if (ctx->nnotes == GRAPH_MAX_NOTES) {
        note_drop(ctx, 0);
        memmove(ctx->notes, ctx->notes + 1,
                (GRAPH_MAX_NOTES - 1) * sizeof ctx->notes[0]);
        ctx->nnotes--;
    }
    graph_ref(node);
    ctx->notes[ctx->nnotes].node = node;
    ctx->notes[ctx->nnotes].title = graph_strdup(ctx, title ? title : "");
    ctx->notes[ctx->nnotes++].text = text;
}

void loom_ctx_free(loom_ctx *ctx)
{
    if (!ctx)
        return;
    while (ctx->nnotes > 0)
        note_drop(ctx, --ctx->nnotes);
    while (ctx->sp > 0) {
        loom_array *a = ctx->stack[--ctx->sp].a;
        graph_unref(a);
    }
    while (ctx->nfins > 0) {
        graph_finalizer f = ctx->fins[--ctx->nfins];
        f.fn(f.p);
    }
    graph_free(ctx, ctx->fins, (size_t)ctx->fcap * sizeof(graph_finalizer));
    graph_free(ctx, ctx->stack, ctx->scap * sizeof(graph_scope_entry));
    graph_free(ctx, ctx->base, (size_t)ctx->bcap * sizeof(size_t));
    graph_free(ctx, ctx->htab, ctx->hcap * sizeof(loom_array *));
    for (int i = 0; i < ctx->nlocs; i++)
        graph_strfree(ctx, ctx->locs[i].file);
    graph_free(ctx, ctx->locs, (size_t)ctx->lcap * sizeof(graph_loc));
    graph_strfree(ctx, ctx->cache_dir);
    graph_strfree(ctx, ctx->dump_dir);
    graph_strfree(ctx, ctx->dump_dot);
    graph_strfree(ctx, ctx->msg);
    rt_bufpool_free(ctx->pool);
    rt_alloc a = ctx->alloc;
    rt_free(&a, ctx, sizeof *ctx);
}

void loom_set_location(loom_ctx *ctx, const char *file, int line)
{
    if (!ctx)
        return;
    if (!file) {
        ctx->cur_loc = -1;
        return;
    }
    for (int i = ctx->nlocs - 1; i >= 0; i--)
        if (ctx->locs[i].line == line && !strcmp(ctx->locs[i].file, file)) {
            ctx->cur_loc = i;
            return;
        }
    int64_t cap = ctx->lcap;
    char *f = graph_strdup(ctx, file);
    if (!f || !grow(ctx, (void **)&ctx->locs, &cap, ctx->nlocs + 1,
                    sizeof(graph_loc))) {
        graph_strfree(ctx, f);
        ctx->cur_loc = -1;
        return;
    }
    ctx->lcap = (int)cap;
    ctx->locs[ctx->nlocs] = (graph_loc){f, line};
    ctx->cur_loc = ctx->nlocs++;
}

/* ---- scopes ---- */

/* Appends an entry to the scope stack; false if memory is out. */
static bool scope_push(loom_ctx *ctx, loom_array *a, bool keep)
{
    int64_t cap = (int64_t)ctx->scap;
    if (!grow(ctx, (void **)&ctx->stack, &cap, (int64_t)ctx->sp + 1,
              sizeof(graph_scope_entry)))
        return false;
    ctx->scap = (size_t)cap;
    ctx->stack[ctx->sp++] = (graph_scope_entry){a, keep};
    return true;
}

void loom_scope_begin(loom_ctx *ctx)
{
    if (!ctx)
        return;
    int64_t cap = ctx->bcap;
    if (!grow(ctx, (void **)&ctx->base, &cap, ctx->nscopes + 1,
              sizeof(size_t)))
        return; /* the arrays then live in the enclosing scope */
    ctx->bcap = (int)cap;
    ctx->base[ctx->nscopes++] = ctx->sp;
}

/*
 * Releases the entries of the innermost scope.  Kept entries are moved to
 * the front of the popped segment, which becomes part of the enclosing
 * scope once the base is dropped -- their references carry over.
 */
void loom_scope_end(loom_ctx *ctx)
{
    if (!ctx || ctx->nscopes <= 1)
        return;
    size_t b = ctx->base[--ctx->nscopes];
    size_t w = b;
    for (size_t i = b; i < ctx->sp; i++) {
        graph_scope_entry e = ctx->stack[i];
        if (e.keep)
            ctx->stack[w++] = (graph_scope_entry){e.a, false};
        else
            graph_unref(e.a);
    }
    ctx->sp = w;
}

loom_array *loom_keep(loom_array *a)
{
    if (!a || (a->flags & GRAPH_STATIC))
        return a;
    graph_ref(a);
    if (!scope_push(a->ctx, a, true))
        graph_unref(a); /* stays in its scope only */
    return a;
}

/*
 * Gives up one handle on a before its scope ends: the most recent scope
 * entry for a goes.  In the innermost scope the last entry fills its
 * place; in an enclosing scope the entry is blanked (scopes below the top
 * cannot shrink), so a loop that keeps its state and releases the old
 * one runs in constant memory.
 */
void loom_release(loom_array *a)
{
    if (!a || (a->flags & GRAPH_STATIC) || !a->ctx)
        return;
    loom_ctx *ctx = a->ctx;
    size_t top = ctx->base[ctx->nscopes - 1];
    for (size_t i = ctx->sp; i-- > 0;) {
        if (ctx->stack[i].a != a)
            continue;
        if (i >= top) {
            ctx->stack[i] = ctx->stack[--ctx->sp];
        } else {
            static loom_array blank = {.op = GRAPH_OP_ERROR,
                                       .flags = GRAPH_STATIC, .loc = -1};
            ctx->stack[i] = (graph_scope_entry){&blank, false};
        }
        graph_unref(a);
        return;
    }
}

loom_array *graph_push(loom_ctx *ctx, loom_array *a)
{
    if (!a || (a->flags & GRAPH_STATIC))
        return a;
    graph_ref(a);
    if (!scope_push(ctx, a, false)) {
        graph_unref(a);
        return &graph_oom_node;
    }
    return a;
}

/* ---- reference counts and freeing ---- */

void graph_ref(loom_array *a)
{
    if (a && !(a->flags & GRAPH_STATIC))
        a->refs++;
}

static void htab_remove(loom_ctx *ctx, loom_array *a)
{
    loom_array **pp = &ctx->htab[a->hash & (ctx->hcap - 1)];
    while (*pp && *pp != a)
        pp = &(*pp)->hnext;
    if (*pp) {
        *pp = a->hnext;
        ctx->hcount--;
    }
}

/*
 * Frees a node whose count reached zero, then any inputs whose counts reach
 * zero in turn.  The worklist is threaded through the dead nodes' hnext
 * fields, which are free once they left the hash table.
 */
static void node_free(loom_array *first)
{
    loom_array *work = first;
    first->hnext = NULL;
    while (work) {
        loom_array *a = work;
        work = a->hnext;
        loom_ctx *ctx = a->ctx;
        loom_array *drop[GRAPH_NATTR + 4];
        int ndrop = 0;
        for (int i = 0; i < a->nin; i++)
            drop[ndrop++] = a->in[i];
        if (a->opt && a->opt != a)
            drop[ndrop++] = a->opt;
        if (a->nin > 3)
            graph_free(ctx, a->in, a->nin * sizeof(loom_array *));
        if (a->buf)
            rt_buffer_unref(a->buf);
        if (a->cdata)
            graph_free(ctx, a->cdata,
                       (size_t)graph_numel(a->ndim, a->shape) *
                           loom_dtype_size(a->dtype));
        graph_strfree(ctx, a->msg);
        graph_free(ctx, a, sizeof *a);
        for (int i = 0; i < ndrop; i++) {
            loom_array *d = drop[i];
            if ((d->flags & GRAPH_STATIC) || --d->refs > 0)
                continue;
            if (d->flags & GRAPH_INTERNED)
                htab_remove(ctx, d);
            d->hnext = work;
            work = d;
        }
    }
}

void graph_unref(loom_array *a)
{
    if (!a || (a->flags & GRAPH_STATIC))
        return;
    if (--a->refs > 0)
        return;
    if (a->flags & GRAPH_INTERNED)
        htab_remove(a->ctx, a);
    node_free(a);
}

/* ---- hash-consing ---- */

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdull;
}

void graph_tmpl_init(graph_tmpl *t, graph_op op, loom_dtype dtype, int ndim,
                     const int64_t *shape)
{
    memset(t, 0, sizeof *t);
    t->op = op;
    t->dtype = dtype;
    t->ndim = ndim;
    if (ndim > 0)
        memcpy(t->shape, shape, (size_t)ndim * sizeof(int64_t));
}

static uint64_t tmpl_hash(const graph_tmpl *t)
{
    uint64_t h = mix(0x6c6f6f6d, (uint64_t)t->op);
    h = mix(h, (uint64_t)t->dtype | (uint64_t)(t->flags & GRAPH_WEAK) << 8 |
                   (uint64_t)t->ndim << 16 | (uint64_t)t->nin << 24);
    for (int i = 0; i < t->ndim; i++)
        h = mix(h, (uint64_t)t->shape[i]);
    for (int i = 0; i < t->nin; i++)
        h = mix(h, (uint64_t)(uintptr_t)t->in[i]);
    for (int i = 0; i < GRAPH_NATTR; i++)
        h = mix(h, (uint64_t)t->attr[i]);
    return mix(h, (uint64_t)t->value.i);
}

static bool tmpl_equal(const graph_tmpl *t, const loom_array *a, uint64_t h)
{
    if (a->hash != h || a->op != t->op || a->dtype != t->dtype ||
        (a->flags & GRAPH_WEAK) != (t->flags & GRAPH_WEAK) ||
        a->ndim != t->ndim || a->nin != t->nin || a->value.i != t->value.i)
        return false;
    if (memcmp(a->shape, t->shape, (size_t)t->ndim * sizeof(int64_t)) ||
        memcmp(a->attr, t->attr, sizeof a->attr))
        return false;
    for (int i = 0; i < t->nin; i++)
        if (a->in[i] != t->in[i])
            return false;
    return true;
}

static bool htab_grow(loom_ctx *ctx)
{
    size_t ncap = ctx->hcap ? ctx->hcap * 2 : 256;
    loom_array **nt = graph_malloc(ctx, ncap * sizeof *nt);
    if (!nt)
        return false;
    memset(nt, 0, ncap * sizeof *nt);
    for (size_t i = 0; i < ctx->hcap; i++)
        for (loom_array *a = ctx->htab[i], *next; a; a = next) {
            next = a->hnext;
            a->hnext = nt[a->hash & (ncap - 1)];
            nt[a->hash & (ncap - 1)] = a;
        }
    graph_free(ctx, ctx->htab, ctx->hcap * sizeof *nt);
    ctx->htab = nt;
    ctx->hcap = ncap;
    return true;
}

/* Allocates a node from a template (refs 0, not interned).  NULL on OOM. */
static loom_array *node_new(loom_ctx *ctx, const graph_tmpl *t)
{
    loom_array *a = graph_malloc(ctx, sizeof *a);
    if (!a)
        return NULL;
    memset(a, 0, sizeof *a);
    a->in = a->inl;
    if (t->nin > 3) {
        a->in = graph_malloc(ctx, (size_t)t->nin * sizeof(loom_array *));
        if (!a->in) {
            graph_free(ctx, a, sizeof *a);
            return NULL;
        }
    }
    a->op = (uint16_t)t->op;
    a->dtype = (uint8_t)t->dtype;
    a->flags = t->flags & GRAPH_WEAK;
    a->ndim = (int8_t)t->ndim;
    a->nin = (uint8_t)t->nin;
    a->id = ctx->next_id++;
    a->loc = ctx->cur_loc;
    memcpy(a->shape, t->shape, sizeof a->shape);
    memcpy(a->attr, t->attr, sizeof a->attr);
    a->value = t->value;
    a->ctx = ctx;
    for (int i = 0; i < t->nin; i++) {
        a->in[i] = t->in[i];
        graph_ref(t->in[i]);
    }
    return a;
}

loom_array *graph_intern_owned(loom_ctx *ctx, const graph_tmpl *t)
{
    if (!ctx)
        return NULL;
    for (int i = 0; i < t->nin; i++)
        if (!t->in[i] || t->in[i]->op == GRAPH_OP_ERROR)
            return NULL; /* an input could not be made (memory) */
    uint64_t h = tmpl_hash(t);
    if (ctx->hcap) {
        for (loom_array *a = ctx->htab[h & (ctx->hcap - 1)]; a; a = a->hnext)
            if (tmpl_equal(t, a, h)) {
                a->refs++;
                return a;
            }
    }
    if (ctx->hcount + 1 > ctx->hcap * 3 / 4 && !htab_grow(ctx))
        return NULL;
    loom_array *a = node_new(ctx, t);
    if (!a)
        return NULL;
    a->hash = h;
    a->flags |= GRAPH_INTERNED;
    a->refs = 1;
    size_t slot = h & (ctx->hcap - 1);
    a->hnext = ctx->htab[slot];
    ctx->htab[slot] = a;
    ctx->hcount++;
    return a;
}

loom_array *graph_intern(loom_ctx *ctx, const graph_tmpl *t)
{
    for (int i = 0; i < t->nin; i++)
        if (t->in[i] && t->in[i]->op == GRAPH_OP_ERROR)
            return t->in[i]; /* the first error, as ops propagate them */
    loom_array *a = graph_intern_owned(ctx, t);
    if (!a)
        return &graph_oom_node;
    if (!scope_push(ctx, a, false)) {
        graph_unref(a);
        return &graph_oom_node;
    }
    return a;
}

loom_array *graph_leaf(loom_ctx *ctx, rt_buffer *buf, loom_dtype t, int ndim,
                       const int64_t *shape, const int64_t *strides,
                       int64_t offset)
{
    graph_tmpl tm;
    graph_tmpl_init(&tm, GRAPH_OP_DATA, t, ndim, shape);
    loom_array *a = node_new(ctx, &tm);
    if (!a)
        return &graph_oom_node;
    a->refs = 1;
    graph_set_buffer(a, buf, strides, offset);
    if (!scope_push(ctx, a, false)) {
        graph_unref(a);
        return &graph_oom_node;
    }
    return a;
}

/*
 * Once a has its values it no longer needs its inputs: they are released
 * (so a loop that evaluates as it goes runs in constant memory), and a
 * leaves the hash table, since its inputs no longer describe it.
 */
void graph_detach(loom_array *a)
{
    if ((a->flags & GRAPH_STATIC) || !a->buf)
        return;
    loom_ctx *ctx = a->ctx;
    if (a->flags & GRAPH_INTERNED) {
        htab_remove(ctx, a);
        a->flags &= (uint8_t)~GRAPH_INTERNED;
    }
    loom_array *drop[4], **in = a->in;
    int nin = a->nin;
    loom_array *opt = a->opt && a->opt != a ? a->opt : NULL;
    a->opt = NULL;
    a->nin = 0;
    a->in = a->inl;
    for (int i = 0; i < nin; i++) {
        if (nin > 3) {
            graph_unref(in[i]);
            continue;
        }
        drop[i] = in[i];
    }
    if (nin > 3)
        graph_free(ctx, in, (size_t)nin * sizeof(loom_array *));
    else
        for (int i = 0; i < nin; i++)
            graph_unref(drop[i]);
    graph_unref(opt);
}

/* A run-time failure of a's evaluation: a keeps the error. */
void graph_fail(loom_array *a, loom_status st, const char *msg)
{
    if ((a->flags & GRAPH_STATIC) || a->status != LOOM_OK)
        return;
    a->status = st;
    graph_strfree(a->ctx, a->msg);
    a->msg = graph_strdup(a->ctx, msg ? msg : "evaluation failed");
}

void graph_set_buffer(loom_array *a, rt_buffer *buf, const int64_t *strides,
                      int64_t offset)
{
    rt_buffer_ref(buf);
    if (a->buf)
        rt_buffer_unref(a->buf);
    a->buf = buf;
    if (strides)
        memcpy(a->strides, strides, (size_t)a->ndim * sizeof(int64_t));
    else
        graph_c_strides(a->ndim, a->shape, a->strides);
    a->offset = offset;
}

/* ---- poison ---- */

static loom_array *poison_v(loom_ctx *ctx, loom_status st, const char *fmt,
                            va_list ap)
{
    if (!ctx)
        return &null_node;
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    graph_tmpl t;
    graph_tmpl_init(&t, GRAPH_OP_ERROR, LOOM_FLOAT64, 0, NULL);
    loom_array *a = node_new(ctx, &t);
    if (!a)
        return &graph_oom_node;
    a->refs = 1;
    a->status = st;
    a->msg = graph_strdup(ctx, msg);
    if (!a->msg || !scope_push(ctx, a, false)) {
        graph_unref(a);
        return &graph_oom_node;
    }
    return a;
}

loom_array *graph_poison(loom_ctx *ctx, loom_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    loom_array *a = poison_v(ctx, st, fmt, ap);
    va_end(ap);
    return a;
}

loom_array *graph_check_inputs(loom_ctx *ctx, const char *opname, int n,
                               loom_array *const *in)
{
    for (int i = 0; i < n; i++) {
        if (!in[i])
            return ctx ? graph_poison(ctx, LOOM_ERR_NULL,
                                      "%s: argument %d is a NULL array",
                                      opname, i + 1)
                       : &null_node;
        if (in[i]->op == GRAPH_OP_ERROR || in[i]->status != LOOM_OK)
            return graph_push(ctx, in[i]);
        if (ctx && in[i]->ctx != ctx)
            return graph_poison(ctx, LOOM_ERR_VALUE,
                                "%s: arrays belong to different contexts",
                                opname);
    }
    return NULL;
}

void graph_ctx_error(loom_ctx *ctx, loom_status st, const char *fmt, ...)
{
    if (!ctx || ctx->status != LOOM_OK)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ctx->status = st;
    graph_strfree(ctx, ctx->msg);
    ctx->msg = graph_strdup(ctx, msg);
}

void graph_ctx_error_reset(loom_ctx *ctx)
{
    ctx->status = LOOM_OK;
    graph_strfree(ctx, ctx->msg);
    ctx->msg = NULL;
}

/* ---- public inspection ---- */

loom_status loom_status_of(const loom_array *a)
{
    return a ? a->status : LOOM_ERR_NULL;
}

const char *loom_error(const loom_array *a)
{
    if (!a)
        return null_node.msg;
    return a->msg ? a->msg : "";
}

loom_status loom_ctx_status(const loom_ctx *ctx)
{
    return ctx ? ctx->status : LOOM_ERR_NULL;
}

const char *loom_ctx_error(const loom_ctx *ctx)
{
    if (!ctx)
        return null_node.msg;
    return ctx->msg ? ctx->msg : "";
}

loom_ctx *loom_ctx_of(const loom_array *a)
{
    return a ? a->ctx : NULL;
}

loom_dtype loom_dtype_of(const loom_array *a)
{
    return a ? (loom_dtype)a->dtype : LOOM_FLOAT64;
}

int loom_ndim(const loom_array *a)
{
    return a ? a->ndim : 0;
}

int64_t loom_dim(const loom_array *a, int axis)
{
    if (!a || !graph_norm_axis(&axis, a->ndim))
        return -1;
    return a->shape[axis];
}

loom_shape loom_shape_of(const loom_array *a)
{
    loom_shape s = {0, {0}};
    if (a) {
        s.ndim = a->ndim;
        memcpy(s.dim, a->shape, sizeof s.dim);
    }
    return s;
}

int64_t loom_size(const loom_array *a)
{
    return a ? graph_numel(a->ndim, a->shape) : 0;
}

bool loom_is_realized(const loom_array *a)
{
    return a && a->buf;
}

bool loom_is_weak(const loom_array *a)
{
    return a && (a->flags & GRAPH_WEAK);
}

const char *loom_status_name(loom_status s)
{
    static const char *names[] = {
        "ok", "ValueError", "TypeError", "IndexError", "AxisError",
        "NullError", "MemoryError", "LinAlgError", "IOError",
        "FormatError", "JITError", "InternalError"};
    return (unsigned)s < sizeof names / sizeof *names ? names[s] : "?";
}
