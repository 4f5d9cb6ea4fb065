/*
 * loom.h -- the public C API of loom, a lazy expression-graph array engine.
 *
 * OVERVIEW
 *
 * loom speaks NumPy's vocabulary from C.  Every op call builds a node of a
 * deferred graph and returns at once; nothing is computed until you ask for
 * values.  Then loom simplifies the graph, fuses chains of elementwise work,
 * reductions and their consumers into as few loops as possible, compiles each
 * loop with LLVM for this CPU and runs it on every core.  Matrix products and
 * decompositions are handed to OpenBLAS and LAPACK.
 *
 * A worked example -- a numerically stable softmax over the rows of a matrix:
 *
 *     loom_ctx *ctx = loom_ctx_new(NULL);                 // defaults
 *     float data[4 * 3] = { ... };
 *     loom_array *z = loom_array_from(ctx, data, LOOM_FLOAT32,
 *                                     LOOM_SHAPE(4, 3), LOOM_COPY);
 *     loom_array *e = loom_exp(loom_subtract(z, loom_max(z, 1, true)));
 *     loom_array *p = loom_divide(e, loom_sum(e, 1, true));
 *     if (loom_eval(p) != LOOM_OK)                        // one fused kernel
 *         fprintf(stderr, "%s\n", loom_error(p));
 *     const float *out = loom_data(p);                    // 4 x 3 floats
 *     loom_ctx_free(ctx);                                 // frees everything
 *
 * OWNERSHIP: arrays belong to scopes
 *
 * `loom_array *` handles are borrowed.  Every array belongs to the innermost
 * open scope of its context, so nested calls such as the ones above leak
 * nothing.  loom_scope_end() releases every array created since the matching
 * loom_scope_begin(), except those passed to loom_keep(), which move to the
 * enclosing scope.  A loop body wrapped in a scope runs in constant memory.
 * loom_ctx_free() releases everything.  Building an array identical to a
 * live one (same op, inputs and attributes) returns the live one: common
 * subexpressions are shared for free.
 *
 * ERRORS: sticky, never fatal
 *
 * An invalid call returns a *poisoned* array that carries a status and a
 * message worded like NumPy's ("add: operands could not be broadcast
 * together with shapes (5,3) (5,)").  Ops on poisoned arrays return the
 * first poisoned input unchanged, so you may check once, at the end.
 * Evaluation reports run-time failures (out of memory, singular matrix, JIT
 * failure) the same way.  loom never aborts, exits or prints unless asked.
 *
 * ARRAYS ARE VALUES
 *
 * Views (reshape, transpose, slices...) never copy, and updates such as
 * loom_index_set() return a new array: writing through a view never changes
 * its base.  Dtypes are bool, int32, int64, float32 and float64, promoted as
 * NumPy promotes them.  Scalars made by loom_scalar() and friends are *weak*
 * like Python scalars in NumPy: float32 array * loom_scalar(2.5) stays
 * float32.
 *
 * THREADS: one context is used by one thread at a time; different contexts
 * may run on different threads at once and share the compiled-kernel cache.
 */
#ifndef LOOM_H
#define LOOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LOOM_VERSION_MAJOR 0
#define LOOM_VERSION_MINOR 1
#define LOOM_VERSION_STRING "0.1.0"

/* ------------------------------------------------------------------------
 * Basic types
 * ------------------------------------------------------------------------ */

typedef struct loom_ctx loom_ctx;     /* a graph, its options and scopes */
typedef struct loom_array loom_array; /* a node of the graph (borrowed) */
typedef struct loom_rng loom_rng;     /* a PCG64 random generator */

typedef enum loom_dtype {
    LOOM_BOOL,
    LOOM_INT32,
    LOOM_INT64,
    LOOM_FLOAT32,
    LOOM_FLOAT64,
    LOOM_NDTYPES,
    LOOM_DEFAULT_DTYPE = -1 /* "dtype=None": NumPy's default for the call */
} loom_dtype;

typedef enum loom_status {
    LOOM_OK = 0,
    LOOM_ERR_VALUE,    /* bad shapes, sizes or argument values (ValueError) */
    LOOM_ERR_TYPE,     /* a dtype the op does not take (TypeError) */
    LOOM_ERR_INDEX,    /* an index out of bounds (IndexError) */
    LOOM_ERR_AXIS,     /* an axis out of range or repeated (AxisError) */
    LOOM_ERR_NULL,     /* a NULL handle or pointer */
    LOOM_ERR_MEMORY,   /* allocation failed, or a size overflowed */
    LOOM_ERR_LINALG,   /* singular matrix, non-convergence (LinAlgError) */
    LOOM_ERR_IO,       /* a file could not be read or written */
    LOOM_ERR_FORMAT,   /* a file is truncated, corrupt or unsupported */
    LOOM_ERR_JIT,      /* LLVM failed to compile a kernel */
    LOOM_ERR_INTERNAL  /* a bug in loom: please report it */
} loom_status;

/* Up to LOOM_MAX_DIMS dimensions, int64 extents. */
#define LOOM_MAX_DIMS 8
typedef struct loom_shape {
    int ndim;
    int64_t dim[LOOM_MAX_DIMS];
} loom_shape;

#define LOOM_NARGS_I64_(...) \
    ((int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)))
/* LOOM_SHAPE(4096, 256) reads like NumPy's (4096, 256). */
#define LOOM_SHAPE(...) \
    ((loom_shape){LOOM_NARGS_I64_(__VA_ARGS__), {__VA_ARGS__}})
/* The shape of a 0-d array, NumPy's (). */
#define LOOM_SCALAR_SHAPE ((loom_shape){0, {0}})

/* An axis argument that means NumPy's axis=None (all axes). */
#define LOOM_ALL INT32_MIN

/* A set of axes, NumPy's axis=(0, 2).  n < 0 means all axes. */
typedef struct loom_axes {
    int n;
    int axis[LOOM_MAX_DIMS];
} loom_axes;
#define LOOM_NARGS_INT_(...) ((int)(sizeof((int[]){__VA_ARGS__}) / sizeof(int)))
#define LOOM_AXES(...) ((loom_axes){LOOM_NARGS_INT_(__VA_ARGS__), {__VA_ARGS__}})
#define LOOM_AXES_ALL ((loom_axes){-1, {0}})

/* Human-readable names: "float32", "int64"... ; parse returns -1 if unknown
 * and accepts NumPy's spellings ("f4", "float", "int", "bool", "bool_"). */
const char *loom_dtype_name(loom_dtype t);
loom_dtype loom_dtype_parse(const char *name);
/* Size in bytes of one element. */
size_t loom_dtype_size(loom_dtype t);
/* NumPy's result_type for two array operands. */
loom_dtype loom_promote(loom_dtype a, loom_dtype b);
const char *loom_status_name(loom_status s);

/* ------------------------------------------------------------------------
 * Context
 * ------------------------------------------------------------------------ */

/* The allocator, in Lua's style: with nsize == 0 free ptr and return NULL;
 * otherwise behave like realloc(ptr, nsize).  osize is the size ptr was
 * allocated with (0 when ptr is NULL).  Returning NULL means failure. */
typedef void *(*loom_alloc_fn)(void *ud, void *ptr, size_t osize,
                               size_t nsize);

typedef struct loom_options {
    int threads;           /* kernel threads; 0: $LOOM_THREADS or all cores */
    int eager;             /* 1: one kernel per op, no fusion; 0: fused;
                              -1: from $LOOM_EAGER (default 0) */
    const char *cache_dir; /* on-disk kernel cache; NULL: $LOOM_CACHE_DIR or
                              ~/.cache/loom; "" turns the disk cache off */
    loom_alloc_fn alloc;   /* NULL: the C library's realloc/free */
    void *alloc_ud;
    int64_t stream_bytes;  /* a kernel output at least this large is written
                              with non-temporal stores, which bypass the
                              caches (it would not stay in them anyway) and
                              save the read a cached store makes first;
                              0: $LOOM_STREAM_BYTES, else the size of the
                              largest CPU cache; negative: never */
    int64_t tile_bytes;    /* the cache a tiled chain (a matrix product and
                              the steps that consume its result, run one
                              batch element or block of rows at a time)
                              may fill: half of it, shared out among the
                              threads, bounds each thread's slabs, and
                              chains whose intermediates fit one share
                              whole do not tile; 0:
                              $LOOM_TILE_BYTES, else the size of the
                              largest CPU cache; negative: never tile */
} loom_options;

/* The defaults that loom_ctx_new(NULL) uses. */
loom_options loom_options_default(void);

/* Creates a context.  Returns NULL only if the first allocation fails.
 * Dispose with loom_ctx_free(), which releases every array, scope and
 * generator that belongs to the context. */
loom_ctx *loom_ctx_new(const loom_options *opt);
void loom_ctx_free(loom_ctx *ctx);

/* Effective settings of a context. */
int loom_ctx_threads(const loom_ctx *ctx);
bool loom_ctx_eager(const loom_ctx *ctx);
void loom_ctx_set_eager(loom_ctx *ctx, bool eager);

/* Tags the nodes built from now on with a source location, which dumps and
 * error messages show ("built at model.py:12").  file is copied. */
void loom_set_location(loom_ctx *ctx, const char *file, int line);
#define LOOM_HERE(ctx) loom_set_location((ctx), __FILE__, __LINE__)

/* ------------------------------------------------------------------------
 * Scopes
 * ------------------------------------------------------------------------ */

/* Opens a scope: arrays built from now on belong to it. */
void loom_scope_begin(loom_ctx *ctx);
/* Closes the innermost scope, releasing its arrays except the kept ones.
 * Closing the context's outermost scope is ignored. */
void loom_scope_end(loom_ctx *ctx);
/* Moves a to the enclosing scope so that it outlives loom_scope_end().
 * Returns a.  NULL-safe. */
loom_array *loom_keep(loom_array *a);
/* Gives up a handle before its scope ends; a must not be used afterwards.
 * The loop idiom, in constant memory:
 *     for (...) {
 *         loom_scope_begin(ctx);
 *         loom_array *next = loom_keep(step(w));
 *         loom_eval(next);
 *         loom_scope_end(ctx);
 *         loom_release(w);
 *         w = next;
 *     }
 * NULL-safe. */
void loom_release(loom_array *a);

/* ------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------ */

/* The status of a, LOOM_ERR_NULL for NULL.  Does not evaluate. */
loom_status loom_status_of(const loom_array *a);
/* The message of a poisoned array ("" when a is fine).  The string belongs
 * to a.  For NULL returns a static message. */
const char *loom_error(const loom_array *a);
/* The first error of the last evaluation or I/O call of the context, and its
 * message ("" if none). */
loom_status loom_ctx_status(const loom_ctx *ctx);
const char *loom_ctx_error(const loom_ctx *ctx);

/* ------------------------------------------------------------------------
 * Creation.  All return borrowed arrays of the current scope.
 * ------------------------------------------------------------------------ */

typedef enum loom_data_mode {
    LOOM_COPY,   /* the data is copied now; the caller's memory is free */
    LOOM_BORROW  /* zero copy: the memory must stay valid and unchanged while
                    any array built from it lives (until loom_ctx_free at
                    the latest) */
} loom_data_mode;

/* An array over C-ordered data of the given dtype and shape. */
loom_array *loom_array_from(loom_ctx *ctx, const void *data, loom_dtype t,
                            loom_shape shape, loom_data_mode mode);
/* As above with explicit byte strides (NumPy's strides; may be negative
 * or zero).  data points at element [0, 0, ...]. */
loom_array *loom_array_from_strided(loom_ctx *ctx, const void *data,
                                    loom_dtype t, loom_shape shape,
                                    const int64_t *byte_strides,
                                    loom_data_mode mode);

/* Weak scalars, like Python's float, int and bool in NumPy expressions. */
loom_array *loom_scalar(loom_ctx *ctx, double v);
loom_array *loom_scalar_int(loom_ctx *ctx, int64_t v);
loom_array *loom_scalar_bool(loom_ctx *ctx, bool v);
/* A 0-d array of a fixed dtype (a "strong" scalar, like np.float32(v)). */
loom_array *loom_scalar_typed(loom_ctx *ctx, double v, loom_dtype t);

loom_array *loom_zeros(loom_ctx *ctx, loom_shape s, loom_dtype t);
loom_array *loom_ones(loom_ctx *ctx, loom_shape s, loom_dtype t);
/* empty: values unspecified (loom gives zeros). */
loom_array *loom_empty(loom_ctx *ctx, loom_shape s, loom_dtype t);
/* full: t == LOOM_DEFAULT_DTYPE takes float64 (NumPy takes the value's). */
loom_array *loom_full(loom_ctx *ctx, loom_shape s, double v, loom_dtype t);
loom_array *loom_full_int(loom_ctx *ctx, loom_shape s, int64_t v,
                          loom_dtype t);
/* eye(N, M, k): M < 0 means M = N. */
loom_array *loom_eye(loom_ctx *ctx, int64_t n, int64_t m, int64_t k,
                     loom_dtype t);
/* arange(start, stop, step); LOOM_DEFAULT_DTYPE: int64 if all three are
 * integral, else float64.  Length ceil((stop - start) / step). */
loom_array *loom_arange(loom_ctx *ctx, double start, double stop,
                        double step, loom_dtype t);
loom_array *loom_linspace(loom_ctx *ctx, double start, double stop,
                          int64_t num, bool endpoint, loom_dtype t);
loom_array *loom_zeros_like(loom_array *a);
loom_array *loom_ones_like(loom_array *a);
loom_array *loom_empty_like(loom_array *a);
loom_array *loom_full_like(loom_array *a, double v);
/* A fresh array with a's values: breaks sharing with a's buffer. */
loom_array *loom_copy(loom_array *a);

/* ------------------------------------------------------------------------
 * Inspecting arrays.  None of these evaluate.
 * ------------------------------------------------------------------------ */

loom_ctx *loom_ctx_of(const loom_array *a);
loom_dtype loom_dtype_of(const loom_array *a);
int loom_ndim(const loom_array *a);
/* Extent of axis (negative counts from the end); -1 if out of range. */
int64_t loom_dim(const loom_array *a, int axis);
loom_shape loom_shape_of(const loom_array *a);
int64_t loom_size(const loom_array *a);
/* Whether a has been computed (or is a data leaf). */
bool loom_is_realized(const loom_array *a);
/* Whether a is a weak (Python-like) scalar. */
bool loom_is_weak(const loom_array *a);

/* ------------------------------------------------------------------------
 * Evaluation and data access
 * ------------------------------------------------------------------------ */

/* Computes a (and everything it needs).  Returns the status; a poisoned
 * array returns its own status without running anything.  A realized array
 * keeps its values for as long as it lives; intermediates are not kept --
 * evaluate an array you will read again (a loop's inputs) so it is computed
 * once.  A run-time failure stays on the array (loom_status_of). */
loom_status loom_eval(loom_array *a);
/* Computes several arrays together so that shared work runs once.  Returns
 * the first error; every array gets its own status. */
loom_status loom_eval_many(loom_ctx *ctx, loom_array *const *arrs, int n);

/* Evaluates a and returns its elements in C order, or NULL on error (see
 * loom_error(a)).  The memory belongs to a and lives as long as a; it may be
 * a view of a borrowed buffer, so treat it as read-only. */
const void *loom_data(loom_array *a);
/* Evaluates a and copies its elements in C order to dst, which must hold
 * nbytes >= loom_size(a) * loom_dtype_size(dtype).  Returns the status. */
loom_status loom_copy_to(loom_array *a, void *dst, size_t nbytes);
/* Single elements, converted: evaluate a, return 0 / NaN on error. */
double loom_item(loom_array *a, const int64_t *index);
int64_t loom_item_int(loom_array *a, const int64_t *index);

/* ------------------------------------------------------------------------
 * Views: never copy.  Axes may be negative.
 * ------------------------------------------------------------------------ */

/* One extent may be -1 (inferred). */
loom_array *loom_reshape(loom_array *a, loom_shape s);
loom_array *loom_ravel(loom_array *a);
/* A copy, as in NumPy (still lazy). */
loom_array *loom_flatten(loom_array *a);
/* perm == NULL reverses the axes, like a.T. */
loom_array *loom_transpose(loom_array *a, const int *perm);
loom_array *loom_T(loom_array *a);
loom_array *loom_swapaxes(loom_array *a, int axis1, int axis2);
loom_array *loom_moveaxis(loom_array *a, int source, int destination);
loom_array *loom_expand_dims(loom_array *a, int axis);
/* axis == LOOM_ALL removes every size-1 axis. */
loom_array *loom_squeeze(loom_array *a, int axis);
loom_array *loom_broadcast_to(loom_array *a, loom_shape s);
/* axis == LOOM_ALL flips every axis. */
loom_array *loom_flip(loom_array *a, int axis);

/* Subscripts.  An index item is an integer, a slice, None/newaxis, "...",
 * or an array (advanced indexing: integer or boolean).  Slice bounds may be
 * LOOM_END ("omitted"). */
#define LOOM_END INT64_MIN
typedef enum loom_index_kind {
    LOOM_IDX_INT,
    LOOM_IDX_SLICE,
    LOOM_IDX_NEWAXIS,
    LOOM_IDX_ELLIPSIS,
    LOOM_IDX_ARRAY
} loom_index_kind;
typedef struct loom_index {
    loom_index_kind kind;
    int64_t start, stop, step; /* INT: start is the index */
    loom_array *array;         /* ARRAY */
} loom_index;
#define LOOM_I(i) ((loom_index){LOOM_IDX_INT, (i), 0, 0, NULL})
#define LOOM_SL(start, stop, step) \
    ((loom_index){LOOM_IDX_SLICE, (start), (stop), (step), NULL})
#define LOOM_COLON LOOM_SL(LOOM_END, LOOM_END, LOOM_END)
#define LOOM_NEWAXIS ((loom_index){LOOM_IDX_NEWAXIS, 0, 0, 0, NULL})
#define LOOM_ELLIPSIS ((loom_index){LOOM_IDX_ELLIPSIS, 0, 0, 0, NULL})
#define LOOM_IDX(arr) ((loom_index){LOOM_IDX_ARRAY, 0, 0, 0, (arr)})

/* a[idx...].  Basic indexing gives a view; advanced indexing a gather.
 * Errors as NumPy: "index 20 is out of bounds for axis 0 with size 20",
 * "too many indices for array"... */
loom_array *loom_index_get(loom_array *a, int n, const loom_index *idx);
#define LOOM_GET(a, ...)                                                  \
    loom_index_get((a), (int)(sizeof((loom_index[]){__VA_ARGS__}) /       \
                              sizeof(loom_index)),                        \
                   (loom_index[]){__VA_ARGS__})
/* Functional updates: a new array equal to a with a[idx] = v (v broadcast
 * to the indexed shape and cast to a's dtype).  Repeated indices: the last
 * write wins, as NumPy's buffered assignment. */
loom_array *loom_index_set(loom_array *a, int n, const loom_index *idx,
                           loom_array *v);
/* np.add.at(a, idx, v): unbuffered, repeated indices accumulate. */
loom_array *loom_index_add_at(loom_array *a, int n, const loom_index *idx,
                              loom_array *v);

/* ------------------------------------------------------------------------
 * Elementwise ops: broadcast and promote as NumPy's ufuncs do.
 * ------------------------------------------------------------------------ */

loom_array *loom_add(loom_array *a, loom_array *b);
loom_array *loom_subtract(loom_array *a, loom_array *b);
loom_array *loom_multiply(loom_array *a, loom_array *b);
/* true division: integers give float64 */
loom_array *loom_divide(loom_array *a, loom_array *b);
/* integer // 0 and % 0 give 0, as NumPy does (it also warns) */
loom_array *loom_floor_divide(loom_array *a, loom_array *b);
loom_array *loom_mod(loom_array *a, loom_array *b);
/* integer powers are exact; integer ** negative integer is an error when
 * the exponent is a scalar */
loom_array *loom_power(loom_array *a, loom_array *b);
loom_array *loom_maximum(loom_array *a, loom_array *b);
loom_array *loom_minimum(loom_array *a, loom_array *b);
loom_array *loom_fmax(loom_array *a, loom_array *b); /* NaN-ignoring */
loom_array *loom_fmin(loom_array *a, loom_array *b);
loom_array *loom_arctan2(loom_array *y, loom_array *x);
loom_array *loom_hypot(loom_array *a, loom_array *b);
loom_array *loom_logaddexp(loom_array *a, loom_array *b);
loom_array *loom_copysign(loom_array *a, loom_array *b);

loom_array *loom_equal(loom_array *a, loom_array *b);
loom_array *loom_not_equal(loom_array *a, loom_array *b);
loom_array *loom_less(loom_array *a, loom_array *b);
loom_array *loom_less_equal(loom_array *a, loom_array *b);
loom_array *loom_greater(loom_array *a, loom_array *b);
loom_array *loom_greater_equal(loom_array *a, loom_array *b);

loom_array *loom_logical_and(loom_array *a, loom_array *b);
loom_array *loom_logical_or(loom_array *a, loom_array *b);
loom_array *loom_logical_xor(loom_array *a, loom_array *b);
loom_array *loom_logical_not(loom_array *a);
/* bitwise ops take bools and integers only */
loom_array *loom_bitwise_and(loom_array *a, loom_array *b);
loom_array *loom_bitwise_or(loom_array *a, loom_array *b);
loom_array *loom_bitwise_xor(loom_array *a, loom_array *b);
loom_array *loom_invert(loom_array *a);
loom_array *loom_left_shift(loom_array *a, loom_array *b);
loom_array *loom_right_shift(loom_array *a, loom_array *b);

loom_array *loom_negative(loom_array *a);
loom_array *loom_positive(loom_array *a);
loom_array *loom_abs(loom_array *a);
loom_array *loom_sign(loom_array *a);
loom_array *loom_square(loom_array *a);
loom_array *loom_reciprocal(loom_array *a);
loom_array *loom_sqrt(loom_array *a);
loom_array *loom_cbrt(loom_array *a);
loom_array *loom_exp(loom_array *a);
loom_array *loom_exp2(loom_array *a);
loom_array *loom_expm1(loom_array *a);
loom_array *loom_log(loom_array *a);
loom_array *loom_log2(loom_array *a);
loom_array *loom_log10(loom_array *a);
loom_array *loom_log1p(loom_array *a);
loom_array *loom_sin(loom_array *a);
loom_array *loom_cos(loom_array *a);
loom_array *loom_tan(loom_array *a);
loom_array *loom_arcsin(loom_array *a);
loom_array *loom_arccos(loom_array *a);
loom_array *loom_arctan(loom_array *a);
loom_array *loom_sinh(loom_array *a);
loom_array *loom_cosh(loom_array *a);
loom_array *loom_tanh(loom_array *a);
loom_array *loom_arcsinh(loom_array *a);
loom_array *loom_arccosh(loom_array *a);
loom_array *loom_arctanh(loom_array *a);
loom_array *loom_floor(loom_array *a);
loom_array *loom_ceil(loom_array *a);
loom_array *loom_trunc(loom_array *a);
/* rint / round(decimals=0): half to even */
loom_array *loom_rint(loom_array *a);
loom_array *loom_round(loom_array *a, int decimals);
loom_array *loom_isnan(loom_array *a);
loom_array *loom_isinf(loom_array *a);
loom_array *loom_isfinite(loom_array *a);
loom_array *loom_signbit(loom_array *a);
/* 1 / (1 + exp(-a)), fused and stable (scipy.special.expit) */
loom_array *loom_sigmoid(loom_array *a);

/* clip(a, lo, hi): either bound may be NULL (None). */
loom_array *loom_clip(loom_array *a, loom_array *lo, loom_array *hi);
/* where(cond, x, y) */
loom_array *loom_where(loom_array *cond, loom_array *x, loom_array *y);
/* nan_to_num(a, nan, posinf, neginf); pass NaN for posinf/neginf to get
 * NumPy's default (the dtype's largest / smallest finite value). */
loom_array *loom_nan_to_num(loom_array *a, double nan, double posinf,
                            double neginf);
/* a.astype(t): C casts with NumPy's rules (float -> int truncates; NaN and
 * out-of-range floats give INT_MIN like NumPy on x86). */
loom_array *loom_astype(loom_array *a, loom_dtype t);

/* ------------------------------------------------------------------------
 * Reductions.  axis: an axis, or LOOM_ALL for axis=None.
 * ------------------------------------------------------------------------ */

typedef enum loom_reduce_op {
    LOOM_RED_SUM, LOOM_RED_PROD, LOOM_RED_MEAN, LOOM_RED_VAR, LOOM_RED_STD,
    LOOM_RED_MIN, LOOM_RED_MAX, LOOM_RED_ARGMIN, LOOM_RED_ARGMAX,
    LOOM_RED_ANY, LOOM_RED_ALL, LOOM_RED_COUNT_NONZERO, LOOM_RED_PTP,
    LOOM_RED_NANSUM, LOOM_RED_NANPROD, LOOM_RED_NANMEAN, LOOM_RED_NANVAR,
    LOOM_RED_NANSTD, LOOM_RED_NANMIN, LOOM_RED_NANMAX, LOOM_RED_NANARGMIN,
    LOOM_RED_NANARGMAX
} loom_reduce_op;

/* The general form: any reduction over a set of axes.  dtype applies to
 * sum/prod/mean and their nan forms (LOOM_DEFAULT_DTYPE otherwise); ddof to
 * var/std.  argmin/argmax take one axis or all.  Errors as NumPy:
 * "zero-size array to reduction operation maximum which has no identity". */
loom_array *loom_reduce(loom_reduce_op op, loom_array *a, loom_axes axes,
                        bool keepdims, loom_dtype dtype, int ddof);

loom_array *loom_sum(loom_array *a, int axis, bool keepdims);
loom_array *loom_prod(loom_array *a, int axis, bool keepdims);
loom_array *loom_mean(loom_array *a, int axis, bool keepdims);
loom_array *loom_var(loom_array *a, int axis, bool keepdims, int ddof);
loom_array *loom_std(loom_array *a, int axis, bool keepdims, int ddof);
loom_array *loom_min(loom_array *a, int axis, bool keepdims);
loom_array *loom_max(loom_array *a, int axis, bool keepdims);
loom_array *loom_argmin(loom_array *a, int axis, bool keepdims);
loom_array *loom_argmax(loom_array *a, int axis, bool keepdims);
loom_array *loom_any(loom_array *a, int axis, bool keepdims);
loom_array *loom_all(loom_array *a, int axis, bool keepdims);
loom_array *loom_count_nonzero(loom_array *a, int axis, bool keepdims);
loom_array *loom_ptp(loom_array *a, int axis, bool keepdims);
/* average(a, axis, weights): weights NULL is mean; weights either a's shape
 * or 1-D of the axis' length. */
loom_array *loom_average(loom_array *a, int axis, loom_array *weights,
                         bool keepdims);
/* Scans along axis; LOOM_ALL scans the flattened array. */
loom_array *loom_cumsum(loom_array *a, int axis);
loom_array *loom_cumprod(loom_array *a, int axis);
loom_array *loom_nancumsum(loom_array *a, int axis);
loom_array *loom_nancumprod(loom_array *a, int axis);
/* linalg.norm(x, ord, axis, keepdims) for vectors (one axis) and matrices
 * (two axes, or a 2-D array with axis LOOM_ALL).  ord: a number, or one of
 * LOOM_ORD_* below; LOOM_ORD_DEFAULT is 2 for vectors and 'fro' for
 * matrices (or the 2-norm of the flattened array when axes is all). */
#define LOOM_ORD_DEFAULT 1e300
#define LOOM_ORD_INF (1.0 / 0.0)
#define LOOM_ORD_FRO 1e301
#define LOOM_ORD_NUC 1e302
loom_array *loom_linalg_norm(loom_array *x, double ord, loom_axes axes,
                             bool keepdims);

/* ------------------------------------------------------------------------
 * Products and linear algebra (OpenBLAS / LAPACK leaves)
 * ------------------------------------------------------------------------ */

loom_array *loom_matmul(loom_array *a, loom_array *b);
loom_array *loom_dot(loom_array *a, loom_array *b);
loom_array *loom_vdot(loom_array *a, loom_array *b);
loom_array *loom_inner(loom_array *a, loom_array *b);
loom_array *loom_outer(loom_array *a, loom_array *b);
/* tensordot with explicit axes lists (naxes pairs) */
loom_array *loom_tensordot(loom_array *a, loom_array *b, int naxes,
                           const int *axes_a, const int *axes_b);
/* tensordot(a, b, axes=n) */
loom_array *loom_tensordot_n(loom_array *a, loom_array *b, int n);
loom_array *loom_kron(loom_array *a, loom_array *b);
loom_array *loom_trace(loom_array *a, int64_t offset, int axis1, int axis2);

/* einsum("ij,jk->ik", n, operands).  optimize: false contracts left to
 * right, true picks an order (NumPy's optimize="greedy"/"optimal"). */
loom_array *loom_einsum(const char *subscripts, int n,
                        loom_array *const *operands, bool optimize);
/* The path einsum would take (optimize true), as NumPy's einsum_path gives
 * it: a first line with the path list as NumPy prints einsum_path()[0],
 * then the report of einsum_path()[1].  loom's path is the cheapest by
 * flop count, which can differ from NumPy's greedy choice.  Returns a
 * string the caller frees with free(), or NULL with an error in *status. */
char *loom_einsum_path(const char *subscripts, int n,
                       loom_array *const *operands, loom_status *status);

loom_array *loom_linalg_solve(loom_array *a, loom_array *b);
loom_array *loom_linalg_inv(loom_array *a);
loom_array *loom_linalg_pinv(loom_array *a, double rcond);
loom_array *loom_linalg_det(loom_array *a);
/* slogdet: sign and log|det| */
loom_status loom_linalg_slogdet(loom_array *a, loom_array **sign,
                                loom_array **logabsdet);
/* eigh: uplo 'L' or 'U'; v may be NULL (eigvalsh) */
loom_status loom_linalg_eigh(loom_array *a, char uplo, loom_array **w,
                             loom_array **v);
loom_array *loom_linalg_eigvalsh(loom_array *a, char uplo);
/* svd: u and vh may be NULL when compute_uv is false */
loom_status loom_linalg_svd(loom_array *a, bool full_matrices,
                            bool compute_uv, loom_array **u, loom_array **s,
                            loom_array **vh);
/* qr: mode "reduced", "complete" or "r" (then q may be NULL) */
loom_status loom_linalg_qr(loom_array *a, const char *mode, loom_array **q,
                           loom_array **r);
loom_array *loom_linalg_cholesky(loom_array *a);
/* lstsq: rcond < 0 means NumPy's default (eps * max(M, N)); any output
 * pointer may be NULL */
loom_status loom_linalg_lstsq(loom_array *a, loom_array *b, double rcond,
                              loom_array **x, loom_array **residuals,
                              loom_array **rank, loom_array **sv);
/* tol < 0: NumPy's default */
loom_array *loom_linalg_matrix_rank(loom_array *a, double tol);

/* ------------------------------------------------------------------------
 * Joining, splitting, reshaping copies
 * ------------------------------------------------------------------------ */

loom_array *loom_concatenate(int n, loom_array *const *arrs, int axis);
loom_array *loom_stack(int n, loom_array *const *arrs, int axis);
loom_array *loom_vstack(int n, loom_array *const *arrs);
loom_array *loom_hstack(int n, loom_array *const *arrs);
loom_array *loom_dstack(int n, loom_array *const *arrs);
loom_array *loom_column_stack(int n, loom_array *const *arrs);
/* split into `sections` equal parts (array_split: near-equal), or at the
 * nidx indices.  Writes the parts to out (room for sections or nidx + 1
 * arrays) and returns how many, or -1 with out[0] poisoned. */
int loom_split(loom_array *a, int sections, int axis, loom_array **out);
int loom_array_split(loom_array *a, int sections, int axis, loom_array **out);
int loom_split_at(loom_array *a, int nidx, const int64_t *indices, int axis,
                  loom_array **out);
loom_array *loom_tile(loom_array *a, int n, const int64_t *reps);
/* repeat each element `repeats` times along axis (LOOM_ALL: flattened);
 * loom_repeat_each takes one count per element of the axis */
loom_array *loom_repeat(loom_array *a, int64_t repeats, int axis);
loom_array *loom_repeat_each(loom_array *a, loom_array *repeats, int axis);
/* insert values before index along axis (LOOM_ALL: flattened) */
loom_array *loom_insert(loom_array *a, int64_t index, loom_array *values,
                        int axis);
loom_array *loom_append(loom_array *a, loom_array *values, int axis);
/* delete the listed indices along axis (LOOM_ALL: flattened) */
loom_array *loom_delete(loom_array *a, int n, const int64_t *indices,
                        int axis);
typedef enum loom_pad_mode { LOOM_PAD_CONSTANT, LOOM_PAD_EDGE } loom_pad_mode;
/* pad: widths holds (before, after) per axis, 2 * ndim values */
loom_array *loom_pad(loom_array *a, const int64_t *widths, loom_pad_mode mode,
                     double constant);
/* roll by shift along axis (LOOM_ALL: flattened) */
loom_array *loom_roll(loom_array *a, int64_t shift, int axis);
loom_array *loom_rot90(loom_array *a, int k, int axis1, int axis2);

/* ------------------------------------------------------------------------
 * Indexing helpers
 * ------------------------------------------------------------------------ */

/* take(a, indices, axis): axis LOOM_ALL takes from the flattened array */
loom_array *loom_take(loom_array *a, loom_array *indices, int axis);
loom_array *loom_take_along_axis(loom_array *a, loom_array *indices,
                                 int axis);
loom_array *loom_put_along_axis(loom_array *a, loom_array *indices,
                                loom_array *values, int axis);
/* nonzero: writes ndim index arrays to out; returns ndim or -1 */
int loom_nonzero(loom_array *a, loom_array **out);
loom_array *loom_argwhere(loom_array *a);
loom_array *loom_flatnonzero(loom_array *a);
/* diag: extracts a diagonal of a 2-D array, or builds a 2-D array from 1-D */
loom_array *loom_diag(loom_array *a, int64_t k);
loom_array *loom_diagonal(loom_array *a, int64_t offset, int axis1,
                          int axis2);
loom_array *loom_triu(loom_array *a, int64_t k);
loom_array *loom_tril(loom_array *a, int64_t k);
loom_array *loom_tri(loom_ctx *ctx, int64_t n, int64_t m, int64_t k,
                     loom_dtype t);

/* ------------------------------------------------------------------------
 * Sorting and searching
 * ------------------------------------------------------------------------ */

/* axis LOOM_ALL sorts the flattened array.  All sorts are stable; NaNs go
 * last as in NumPy. */
loom_array *loom_sort(loom_array *a, int axis);
loom_array *loom_argsort(loom_array *a, int axis);
/* kth: nkth indices, negative ones counting from the end */
loom_array *loom_partition(loom_array *a, int nkth, const int64_t *kth,
                           int axis);
loom_array *loom_argpartition(loom_array *a, int nkth, const int64_t *kth,
                              int axis);
/* side_right: 'right' instead of 'left'; sorter may be NULL */
loom_array *loom_searchsorted(loom_array *sorted, loom_array *v,
                              bool side_right, loom_array *sorter);
/* unique over the flattened array (axis LOOM_ALL) or along an axis.  Any
 * of the optional outputs may be NULL. */
loom_status loom_unique(loom_array *a, int axis, loom_array **values,
                        loom_array **index, loom_array **inverse,
                        loom_array **counts);
loom_array *loom_bincount(loom_array *x, loom_array *weights,
                          int64_t minlength);
/* histogram with `bins` equal bins over [lo, hi] (lo == hi: data range),
 * or explicit edges (bins_edges != NULL) */
loom_status loom_histogram(loom_array *a, int64_t bins, double lo, double hi,
                           loom_array *bin_edges_in, loom_array *weights,
                           bool density, loom_array **hist,
                           loom_array **edges);
loom_array *loom_digitize(loom_array *x, loom_array *bins, bool right);
/* lexsort: the last key is the primary one */
loom_array *loom_lexsort(int n, loom_array *const *keys, int axis);

/* ------------------------------------------------------------------------
 * Statistics
 * ------------------------------------------------------------------------ */

typedef enum loom_quantile_method {
    LOOM_Q_LINEAR, LOOM_Q_LOWER, LOOM_Q_HIGHER, LOOM_Q_NEAREST,
    LOOM_Q_MIDPOINT
} loom_quantile_method;
loom_array *loom_median(loom_array *a, int axis, bool keepdims);
loom_array *loom_nanmedian(loom_array *a, int axis, bool keepdims);
/* q in [0, 1] for quantile, [0, 100] for percentile; q may be 0-d or 1-D */
loom_array *loom_quantile(loom_array *a, loom_array *q, int axis,
                          loom_quantile_method m, bool keepdims);
loom_array *loom_percentile(loom_array *a, loom_array *q, int axis,
                            loom_quantile_method m, bool keepdims);
loom_array *loom_nanquantile(loom_array *a, loom_array *q, int axis,
                             loom_quantile_method m, bool keepdims);
loom_array *loom_nanpercentile(loom_array *a, loom_array *q, int axis,
                               loom_quantile_method m, bool keepdims);
/* cov(m, y, rowvar, bias, ddof): y may be NULL; ddof < 0 means None */
loom_array *loom_cov(loom_array *m, loom_array *y, bool rowvar, bool bias,
                     int ddof);
loom_array *loom_corrcoef(loom_array *x, loom_array *y, bool rowvar);
loom_array *loom_diff(loom_array *a, int n, int axis);
/* gradient along one axis with uniform spacing (second-order interior,
 * first-order edges, as NumPy's default) */
loom_array *loom_gradient(loom_array *a, double spacing, int axis);
typedef enum loom_conv_mode {
    LOOM_CONV_FULL, LOOM_CONV_SAME, LOOM_CONV_VALID
} loom_conv_mode;
loom_array *loom_convolve(loom_array *a, loom_array *v, loom_conv_mode m);
loom_array *loom_correlate(loom_array *a, loom_array *v, loom_conv_mode m);
/* interp(x, xp, fp, left, right): left/right NULL mean NumPy's defaults
 * fp[0] / fp[-1] (a NaN value is a NaN, as in NumPy) */
loom_array *loom_interp(loom_array *x, loom_array *xp, loom_array *fp,
                        const double *left, const double *right);

/* ------------------------------------------------------------------------
 * Random numbers: NumPy's default_rng (PCG64 + SeedSequence), bit for bit.
 * Arrays drawn are realized leaves of the generator's context.
 * ------------------------------------------------------------------------ */

/* default_rng(seed): the seed is nwords 32-bit words, least significant
 * first, as SeedSequence takes a Python int.  Dispose with loom_rng_free
 * (or loom_ctx_free). */
loom_rng *loom_rng_new(loom_ctx *ctx, const uint32_t *seed_words,
                       int nwords);
loom_rng *loom_rng_new_u64(loom_ctx *ctx, uint64_t seed);
void loom_rng_free(loom_rng *rng);
/* Independent child generators, as Generator.spawn(n). */
int loom_rng_spawn(loom_rng *rng, int n, loom_rng **children);
loom_array *loom_rng_random(loom_rng *rng, loom_shape s, loom_dtype t);
loom_array *loom_rng_standard_normal(loom_rng *rng, loom_shape s,
                                     loom_dtype t);
loom_array *loom_rng_normal(loom_rng *rng, double loc, double scale,
                            loom_shape s);
loom_array *loom_rng_uniform(loom_rng *rng, double low, double high,
                             loom_shape s);
loom_array *loom_rng_exponential(loom_rng *rng, double scale, loom_shape s);
/* integers in [low, high) or [low, high] with endpoint */
loom_array *loom_rng_integers(loom_rng *rng, int64_t low, int64_t high,
                              loom_shape s, loom_dtype t, bool endpoint);
/* choice from arange(n) (a == NULL) or from a's first axis; p may be NULL */
loom_array *loom_rng_choice(loom_rng *rng, int64_t n, loom_array *a,
                            loom_shape s, bool replace, loom_array *p);
loom_array *loom_rng_permutation(loom_rng *rng, int64_t n, loom_array *a);
/* shuffle along the first axis: returns the shuffled array (arrays are
 * values); consumes the same random numbers as NumPy's in-place shuffle */
loom_array *loom_rng_shuffle(loom_rng *rng, loom_array *a);

/* ------------------------------------------------------------------------
 * .npy files
 * ------------------------------------------------------------------------ */

/* Loads a .npy file (format 1.0-3.0, C or Fortran order, bool/int/float
 * little-endian dtypes).  Errors: LOOM_ERR_IO, LOOM_ERR_FORMAT. */
loom_array *loom_load_npy(loom_ctx *ctx, const char *path);
/* Evaluates a and writes it; writes to a temporary file first and renames,
 * so nothing half-written is left under path. */
loom_status loom_save_npy(loom_array *a, const char *path);

/* ------------------------------------------------------------------------
 * Seeing what loom did: dumps and statistics
 * ------------------------------------------------------------------------ */

/* Stages a dump can show; or them together. */
enum {
    LOOM_DUMP_SOURCE = 1 << 0,   /* script lines / call sites of nodes */
    LOOM_DUMP_GRAPH = 1 << 1,    /* graph as built */
    LOOM_DUMP_OPT = 1 << 2,      /* graph after optimization */
    LOOM_DUMP_FUSION = 1 << 3,   /* fusion groups, reasons for cut edges */
    LOOM_DUMP_EINSUM = 1 << 4,   /* einsum contraction paths */
    LOOM_DUMP_MEMORY = 1 << 5,   /* memory plan: buffers, reuse, peak */
    LOOM_DUMP_KERNEL = 1 << 6,   /* loop-nest kernel IR */
    LOOM_DUMP_LLVM = 1 << 7,     /* LLVM IR before optimization */
    LOOM_DUMP_LLVM_OPT = 1 << 8, /* LLVM IR after optimization */
    LOOM_DUMP_ASM = 1 << 9,      /* machine code */
    LOOM_DUMP_STATS = 1 << 10,   /* compile/run times, cache, GB/s */
    LOOM_DUMP_ALL = (1 << 11) - 1,
    LOOM_DUMP_JSON = 1 << 16     /* one JSON object per evaluation */
};
/* Parses a comma-separated list of stage names ("graph,fusion,asm", "all")
 * into a mask; returns 0 if a name is unknown. */
unsigned loom_dump_parse_stages(const char *list);

/* From now on every evaluation of ctx writes the chosen stages to out (not
 * owned; NULL stops dumping).  $LOOM_DUMP=DIR does the same for every
 * context, one file per evaluation in DIR. */
void loom_dump(loom_ctx *ctx, FILE *out, unsigned stages);
/* Writes Graphviz of every following evaluation (graph and fusion groups as
 * clusters) to path; NULL stops.  path is copied. */
void loom_dump_dot(loom_ctx *ctx, const char *path);

typedef struct loom_eval_stats {
    int kernels;          /* JIT kernels run */
    int calls;            /* BLAS/LAPACK/runtime leaves run */
    int compiled;         /* kernels compiled (cache misses) */
    int cache_hits;       /* kernels found compiled */
    double compile_ms;    /* time spent compiling */
    double run_ms;        /* time running kernels and leaves */
    double total_ms;      /* whole evaluation */
    int64_t bytes_moved;  /* bytes kernels read and wrote */
    int64_t peak_bytes;   /* peak of the memory plan */
} loom_eval_stats;
/* Statistics of the context's last evaluation. */
loom_eval_stats loom_last_stats(const loom_ctx *ctx);

/* Drops every compiled kernel and plan from memory (not from disk). */
void loom_kernel_cache_clear(void);

#ifdef __cplusplus
}
#endif
#endif /* LOOM_H */
