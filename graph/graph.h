/*
 * graph.h -- the graph IR: nodes, contexts, scopes, dtypes, shapes.
 *
 * Prefix graph_.  A node is (op, dtype, shape, inputs, attributes).  Nodes
 * are hash-consed: graph_intern() returns the live node equal to the one
 * described, if there is one.  The public handle type loom_array is the
 * node itself.
 */
#ifndef LOOM_GRAPH_H
#define LOOM_GRAPH_H

#include "loom.h"
#include "runtime/rt.h"

#include <stdarg.h>

/* ---- the op table ---- */

typedef enum graph_op {
#define OP(name, arity, kind, cost, rule, npname) GRAPH_OP_##name,
#include "graph/ops.def"
#undef OP
    GRAPH_NOPS
} graph_op;

typedef enum graph_kind {
    GRAPH_LEAF, GRAPH_ELEM, GRAPH_MOVE, GRAPH_REDUCE, GRAPH_GATHER,
    GRAPH_CALL
} graph_kind;

typedef enum graph_rule {
    GRAPH_RULE_NONE, GRAPH_RULE_ARITH, GRAPH_RULE_TDIV, GRAPH_RULE_INTLIKE,
    GRAPH_RULE_FLOAT, GRAPH_RULE_PRED, GRAPH_RULE_CMP, GRAPH_RULE_LOGIC,
    GRAPH_RULE_BITS, GRAPH_RULE_SHIFT, GRAPH_RULE_NOBOOL, GRAPH_RULE_SAME
} graph_rule;

typedef struct graph_opinfo {
    const char *name;   /* "ADD" */
    const char *npname; /* "add" */
    int arity;
    graph_kind kind;
    bool dear;          /* expensive: materialize rather than recompute */
    graph_rule rule;    /* dtype rule of elementwise ops */
} graph_opinfo;

extern const graph_opinfo graph_ops[GRAPH_NOPS];

#define GRAPH_NATTR 20
/* IOTA: value = attr[GRAPH_IOTA_OFFSET] + sum_k attr[k] * i_k */
#define GRAPH_IOTA_OFFSET 16

/* Node flags. */
enum {
    GRAPH_WEAK = 1 << 0,     /* a weak (Python-like) scalar */
    GRAPH_STATIC = 1 << 1,   /* not reference counted (static poison) */
    GRAPH_INTERNED = 1 << 2, /* in the context's hash table */
};

typedef union graph_scalar {
    double f;
    int64_t i;
} graph_scalar;

/*
 * A node.  Immutable once interned, except for its realization (buf,
 * strides, offset), its optimizer memo and its reference count.
 *
 * Invariants: nin inputs, each a live node of the same context holding a
 * reference taken by this node; shape has ndim extents >= 0; a realized
 * node's buf holds every element at offset + sum(i_k * strides[k])
 * (elements, not bytes); a poisoned node (op ERROR) has status != LOOM_OK
 * and a message.
 */
struct loom_array {
    uint16_t op;
    uint8_t dtype;
    uint8_t flags;
    int8_t ndim;
    uint8_t nin;
    int32_t refs;
    uint32_t id;        /* serial number in the context, for dumps */
    int32_t loc;        /* source location index, -1 if none */
    int64_t shape[LOOM_MAX_DIMS];
    loom_array **in;
    loom_array *inl[3]; /* inline storage for up to 3 inputs */
    int64_t attr[GRAPH_NATTR];
    graph_scalar value; /* CONST */
    uint64_t hash;
    loom_array *hnext;
    loom_ctx *ctx;
    /* realization */
    rt_buffer *buf;
    int64_t strides[LOOM_MAX_DIMS];
    int64_t offset;
    void *cdata;        /* contiguous copy made by loom_data(), or NULL */
    /* poison */
    loom_status status;
    char *msg;
    /* optimizer memo: the rewritten node (holds a reference), or NULL */
    loom_array *opt;
    /* scratch of the evaluation in progress (fuse/plan): meaningless
     * between evaluations; a context is used by one thread at a time */
    int32_t tmp, tmp2;
};

/* ---- contexts ---- */

#define GRAPH_MAX_NOTES 64

typedef struct graph_scope_entry {
    loom_array *a;
    bool keep;
} graph_scope_entry;

typedef struct graph_loc {
    char *file;
    int line;
} graph_loc;

struct rt_dump;
struct rt_plan_cache;

struct loom_ctx {
    rt_alloc alloc;
    rt_bufpool *pool; /* released kernel buffers, kept for reuse */
    int threads;
    bool eager;
    int64_t stream_bytes; /* outputs this large stream; <= 0: never */
    int64_t tile_bytes;   /* cache budget of tiled chains; <= 0: none */
    char *cache_dir;
    /* hash-consing table: chained, power-of-two buckets */
    loom_array **htab;
    size_t hcap, hcount;
    /* scopes: one stack of entries; scope k starts at base[k] */
    graph_scope_entry *stack;
    size_t sp, scap;
    size_t *base;
    int nscopes, bcap;
    uint32_t next_id;
    /* source locations */
    graph_loc *locs;
    int nlocs, lcap, cur_loc;
    /* last run-time error */
    loom_status status;
    char *msg;
    /* dumping and statistics */
    FILE *dump_out;
    unsigned dump_stages;
    char *dump_dot;
    char *dump_dir;     /* $LOOM_DUMP */
    int eval_serial;
    loom_eval_stats stats;
    int internal;            /* > 0 while a builder evaluates (graph_data) */
    loom_eval_stats pending; /* what builders evaluated since the last
                                evaluation the program asked for */
    struct rt_plans *plans; /* the plan cache (runtime/plan.c) */
    /* notes for dumps (einsum paths), oldest first */
    struct graph_note {
        loom_array *node;
        char *title, *text;
    } notes[GRAPH_MAX_NOTES];
    int nnotes;
    /* objects freed with the context (generators...) */
    struct graph_finalizer *fins;
    int nfins, fcap;
};

typedef struct graph_finalizer {
    void (*fn)(void *);
    void *p;
} graph_finalizer;

/* Registers p to be released by fn(p) when the context is freed; false if
 * memory is out.  graph_ctx_forget() unregisters it (no call). */
bool graph_ctx_on_free(loom_ctx *ctx, void (*fn)(void *), void *p);
void graph_ctx_forget(loom_ctx *ctx, void *p);

/* ---- allocation through the context's allocator ---- */

void *graph_malloc(loom_ctx *ctx, size_t n);
void graph_free(loom_ctx *ctx, void *p, size_t n);
char *graph_strdup(loom_ctx *ctx, const char *s);
void graph_strfree(loom_ctx *ctx, char *s);

/* ---- nodes ---- */

/*
 * Describes a node to intern.  Fill with graph_tmpl_init() then set fields.
 * inputs are borrowed; graph_intern() takes its own references.
 */
typedef struct graph_tmpl {
    graph_op op;
    loom_dtype dtype;
    uint8_t flags;
    int ndim;
    int64_t shape[LOOM_MAX_DIMS];
    int nin;
    loom_array *const *in;
    int64_t attr[GRAPH_NATTR];
    graph_scalar value;
} graph_tmpl;

void graph_tmpl_init(graph_tmpl *t, graph_op op, loom_dtype dtype,
                     int ndim, const int64_t *shape);

/* Returns the live node equal to *t, or a new one, registered in the
 * current scope (the scope's reference).  On allocation failure returns a
 * poisoned node (or the static out-of-memory node). */
loom_array *graph_intern(loom_ctx *ctx, const graph_tmpl *t);
/* As graph_intern, but not registered in any scope: the caller owns the
 * returned reference and releases it with graph_unref().  NULL on
 * allocation failure. */
loom_array *graph_intern_owned(loom_ctx *ctx, const graph_tmpl *t);

/* A data leaf over buf (takes a reference to buf), strides in elements.
 * strides NULL means C order.  Registered in the current scope. */
loom_array *graph_leaf(loom_ctx *ctx, rt_buffer *buf, loom_dtype t, int ndim,
                       const int64_t *shape, const int64_t *strides,
                       int64_t offset);

void graph_ref(loom_array *a);
void graph_unref(loom_array *a);
/* Registers a in the current scope with a new reference; returns a. */
loom_array *graph_push(loom_ctx *ctx, loom_array *a);

/* Poisoned arrays.  The message is formatted like printf. */
loom_array *graph_poison(loom_ctx *ctx, loom_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The first poisoned (or NULL) input among n, or NULL if all are fine. */
loom_array *graph_check_inputs(loom_ctx *ctx, const char *opname, int n,
                               loom_array *const *in);
/* The static node returned when even a poisoned node cannot be made. */
extern loom_array graph_oom_node;

/* Records a run-time error on the context (first error wins until reset). */
void graph_ctx_error(loom_ctx *ctx, loom_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void graph_ctx_error_reset(loom_ctx *ctx);

/* Builders that must look at data (index bounds, shapes that depend on
 * values) evaluate through these (runtime/eval.c): loom_data,
 * loom_item_int (index NULL: the first element) and loom_eval_many,
 * except that the work counts towards the statistics of the program's
 * next evaluation (loom_last_stats) instead of replacing them. */
const void *graph_data(loom_array *a);
int64_t graph_item_int(loom_array *a);
loom_status graph_eval(loom_ctx *ctx, loom_array *const *arrs, int n);

/* Releases the inputs of a realized node (see graph/node.c). */
void graph_detach(loom_array *a);
/* Records a run-time failure on a requested array: it keeps the status
 * and message (its op stays; ops built on it propagate the error). */
void graph_fail(loom_array *a, loom_status st, const char *msg);

/* Realizes a as a view of buf (takes a reference). */
void graph_set_buffer(loom_array *a, rt_buffer *buf, const int64_t *strides,
                      int64_t offset);

/* ---- dtypes (graph/dtype.c) ---- */

bool graph_is_float(loom_dtype t);
bool graph_is_int(loom_dtype t); /* int32, int64 (not bool) */
/* The result dtype of a binary op with NumPy's weak-scalar rules; wa/wb
 * say whether the operand is a weak scalar, va/vb its value. */
loom_dtype graph_result_type(const loom_array *a, const loom_array *b);

/* ---- shapes (graph/shape.c) ---- */

/* Number of elements, or -1 on overflow. */
int64_t graph_numel(int ndim, const int64_t *shape);
/* Number of elements reduction r folds into each of its results. */
int64_t graph_reduced_numel(const loom_array *r);
/* "(5,3)" into buf. */
const char *graph_shape_str(char *buf, size_t n, int ndim,
                            const int64_t *shape);
/* Broadcast shapes a and b; false if they do not broadcast. */
bool graph_broadcast_shapes(int na, const int64_t *a, int nb,
                            const int64_t *b, int *nout, int64_t *out);
/* Normalizes axis against ndim (negative counts from the end); false if out
 * of range. */
bool graph_norm_axis(int *axis, int ndim);
/* C-order strides (elements) of shape. */
void graph_c_strides(int ndim, const int64_t *shape, int64_t *strides);
bool graph_same_shape(const loom_array *a, const loom_array *b);

/* ---- builder helpers shared by graph/build_*.c ---- */

/* An int64 grid of the given shape holding offset + sum_k coef[k] * i_k
 * (an IOTA leaf: lazy, free to fuse; movement folds into it). */
loom_array *graph_grid(loom_ctx *ctx, int ndim, const int64_t *shape,
                       const int64_t *coef, int64_t offset);
/* The grid i_axis + offset over shape. */
loom_array *graph_grid_axis(loom_ctx *ctx, int ndim, const int64_t *shape,
                            int axis, int64_t offset);
/* The view a[..., start:stop, ...] along axis ax (0 <= start <= stop <=
 * extent). */
loom_array *graph_range_along(loom_array *a, int ax, int64_t start,
                              int64_t stop);
/* A GATHER over src producing an array of shape (ndim, shape): source
 * axis j is output axis map[j] when map[j] >= 0, else it is read at
 * position idx[j], an int64 array broadcastable to the output shape.  The
 * caller guarantees every position lies in [0, extent): nothing is
 * checked.  A poisoned idx[j] is returned as is. */
loom_array *graph_gather(loom_array *src, int ndim, const int64_t *shape,
                         const int *map, loom_array *const *idx);

/* Expands a (RESHAPE to rank then EXPAND) to the given shape, which a
 * broadcasts to. */
loom_array *graph_broadcast(loom_array *a, int ndim, const int64_t *shape);
/* a cast to t (a itself if already t).  Strips weakness. */
loom_array *graph_cast(loom_array *a, loom_dtype t);
/* A weak or strong 0-d constant. */
loom_array *graph_const(loom_ctx *ctx, loom_dtype t, graph_scalar v,
                        bool weak);
loom_array *graph_const_f(loom_ctx *ctx, loom_dtype t, double v);
/* Elementwise op builders taking care of broadcast and promotion; opname
 * is used in messages.  out_dtype LOOM_DEFAULT_DTYPE: NumPy's rules. */
loom_array *graph_unary(graph_op op, loom_array *a);
loom_array *graph_binary(graph_op op, loom_array *a, loom_array *b);

/* ---- composite builders shared across files ---- */

/* Vector norm of order ord over axes (graph/build_reduce.c). */
loom_array *graph_norm_vector(loom_array *x, double ord, loom_axes axes,
                              bool keepdims);
/* Matrix 2-norm, -2-norm or nuclear norm over axes (r, c), from singular
 * values (graph/build_linalg.c). */
loom_array *graph_norm_matrix_sv(loom_array *x, double ord, int r, int c,
                                 bool keepdims);
/* Advanced (integer / boolean array) indexing (graph/build_index.c). */
loom_array *graph_index_advanced(loom_array *a, int n, const loom_index *idx);

/* The einsum_path report for operands of the given ranks and shapes
 * (graph/einsum.c): a malloc'd string, or NULL with *status and msg. */
char *graph_einsum_describe(const char *subscripts, int n, const int *ndims,
                            const int64_t *const *shapes, bool optimize,
                            loom_status *status, char *msg, size_t msglen);

/* Attaches a note (title and malloc'd text, taken) to node for dumps: the
 * einsum stage prints the notes of nodes in an evaluated graph.  Keeps a
 * reference to node; the context keeps the last GRAPH_MAX_NOTES. */
void graph_ctx_note(loom_ctx *ctx, loom_array *node, const char *title,
                    char *text);

/* ---- the optimizer (graph/optimize.c) ---- */

/* The rewritten form of a: constant folding, algebraic simplification,
 * movement pushed towards the leaves.  Returns a node with a reference
 * owned by the caller (a itself when nothing applies), or NULL if memory
 * is out.  Memoized in a->opt. */
loom_array *graph_optimize(loom_array *a);

/* The value of elementwise op on constant inputs v (graph/fold.c); false
 * if it cannot be folded. */
bool graph_fold(graph_op op, loom_dtype rt, loom_dtype it,
                const graph_scalar *v, int n, graph_scalar *out);

/* Name of op for messages ("add"). */
const char *graph_op_npname(graph_op op);

#endif /* LOOM_GRAPH_H */
