/*
 * kir.h -- the loop-nest kernel IR: what jit/lower.c makes of a fused group
 * and jit/emit.c turns into LLVM IR.
 *
 * Prefix jit_ (kir_ for the IR's own types).  A kernel is a tree of
 * statements (loops, accumulator updates, stores) over a DAG of values
 * (constants, loop variables, int64 parameters, loads, elementwise ops).
 *
 * Sizes are not part of a kernel: extents, strides and offsets are int64
 * *parameters* read from an array at run time.  What is part of it is
 * everything that changes the code: dtypes, ops, the loop structure, and
 * for each stride whether it is 0, 1 or something else.  jit_kernel_hash
 * hashes exactly that, so kernels that differ only in sizes share code.
 *
 * The compiled function has the signature
 *     void kernel(void **bufs, const int64_t *params, int64_t lo,
 *                 int64_t hi);
 * and runs iterations [lo, hi) of its parallel loops; a kernel with no
 * parallel loop ignores lo and hi.  A split kernel (a reduction of a whole
 * array shared out among threads) runs chunk lo, leaving partial results
 * in its scratch buffer, and has a second function, kernel.combine,
 * called once with the number of chunks in hi, that merges them and
 * stores the results.  A column-split kernel does the same for
 * reductions along the slow axis: a chunk is a band of rows, its partials
 * one accumulator per column (jit_split_vec_param).
 */
#ifndef LOOM_KIR_H
#define LOOM_KIR_H

#include "graph/graph.h"

typedef enum kir_vop {
    KV_CONST, /* dtype, imm */
    KV_PARAM, /* int64 params[a] */
    KV_VAR,   /* int64 variable of loop a */
    KV_IADD,  /* int64 a + b */
    KV_IMUL,  /* int64 a * b */
    KV_LOAD,  /* element b (int64 index value) of buffer a; when c >= 0,
                 only where the bool value c holds (elsewhere 0, and the
                 address need not be valid): concatenation inputs */
    KV_ALU,   /* graph op gop over args a, b, c (-1 when absent) */
    KV_ACC,   /* component b of accumulator a: 0 its value (sum, max...;
                 var: the shifted sum), 1 its second part (argmin/argmax:
                 the index; var: the shifted sum of squares), 2 var's
                 shift, in the accumulator's dtype (int64 for indices) */
} kir_vop;

typedef struct kir_val {
    uint8_t op;
    uint8_t dtype;
    uint16_t gop;
    int32_t a, b, c;
    graph_scalar imm;
} kir_val;

typedef enum kir_sop {
    KS_LOOP,       /* for var a in [0, value b): ...  c: KIR_LOOP_* flags */
    KS_END,        /* closes the innermost open loop */
    KS_ACC_INIT,   /* accumulator a = its identity; b: the shift (var) */
    KS_ACC_UPDATE, /* accumulator a <- op(a, value b); c: index (argmax) */
    KS_STORE,      /* buffer a [value b] = value c */
    KS_STREAM,     /* the same, a non-temporal store (it bypasses the
                      caches): the last write of a large output, in an
                      elementwise loop, contiguous in that loop
                      (jit_mark_stream) */
    KS_PARTIAL,    /* split kernels: the accumulators go to the scratch
                      slot of this chunk, and the chunk's work ends */
    KS_COMBINE,    /* split kernels: the combine function starts here,
                      with the accumulators merged from all chunks */
} kir_sop;

/* Loop flags.  PARALLEL: the loop runs [lo, hi) of the kernel's range.
 * SPLIT: the loop runs chunk lo's share [lo*b2, min(hi*b2, extent)) where
 * the statement's value b2 is the chunk size (stored in kir_kernel). */
enum { KIR_LOOP_PARALLEL = 1, KIR_LOOP_SPLIT = 2 };

typedef struct kir_stmt {
    uint8_t op;
    int32_t a, b, c;
} kir_stmt;

/* An accumulator: the reduction op (GRAPH_OP_RSUM...) and the dtype it
 * accumulates in.  A vector accumulator (vec_var >= 0) holds one value per
 * iteration of loop vec_var (vec_len, a value, elements) in the scratch
 * buffer; a scalar one lives in registers. */
typedef struct kir_acc {
    uint16_t red;
    uint8_t dtype;
    uint8_t local; /* a nested phase's: it lives within one step of the
                      outer sweep, and has no partials to combine */
    int32_t vec_var, vec_len;
} kir_acc;

/* Kernel buffer kinds. */
enum { KIR_BUF_IN = 0, KIR_BUF_OUT = 1, KIR_BUF_SCRATCH = 2 };

typedef struct kir_buf {
    uint8_t dtype;
    uint8_t output; /* KIR_BUF_* */
} kir_buf;

/* Bytes of scratch per accumulator element (value, second part, shift). */
#define KIR_ACC_BYTES 24

typedef struct jit_kernel {
    char name[64];
    kir_val *vals;
    int nvals, vcap;
    kir_stmt *stmts;
    int nstmts, scap;
    kir_acc *accs;
    int naccs, acap;
    kir_buf *bufs;
    int nbufs, bcap;
    int nloops;
    int64_t *params; /* this instance's parameter values */
    int nparams, pcap;
    int scratch;     /* buffer index of the scratch area, -1 if none */
    int chunk_param; /* split kernels: parameter holding the chunk size */
    int64_t split_extent; /* split kernels: iterations to share out */
    uint64_t hash;   /* of the structure, filled by jit_kernel_hash */
    rt_alloc alloc;
    bool oom;        /* an append failed; the kernel is unusable */
} jit_kernel;

void jit_kernel_init(jit_kernel *k, const rt_alloc *a);
void jit_kernel_free(jit_kernel *k);

/* Appenders: return the new value/statement/acc/buffer index, or -1 (and
 * set k->oom) if memory is out.  jit_val_* return existing identical
 * values (a kernel-local CSE). */
int jit_val(jit_kernel *k, kir_val v);
int jit_const_i(jit_kernel *k, int64_t v);
/* A parameter with value v; its "class" (0, 1, other) is part of the
 * structure: a 0 or 1 parameter used as a stride folds into the code. */
int jit_param(jit_kernel *k, int64_t v);
int jit_stmt(jit_kernel *k, kir_sop op, int a, int b, int c);
int jit_acc(jit_kernel *k, graph_op red, loom_dtype dtype);
int jit_buf(jit_kernel *k, loom_dtype dtype, bool output);

/* int64 index arithmetic that folds constants and parameters of class 0
 * and 1 (x*0, x*1, x+0). */
int jit_iadd(jit_kernel *k, int a, int b);
int jit_imul(jit_kernel *k, int a, int b);

/* Parameter class: 0, 1, or 2 for any other value. */
int jit_param_class(int64_t v);

/* Hashes the structure (not the parameter values) into k->hash. */
void jit_kernel_hash(jit_kernel *k);
/* A column-split kernel (a split kernel whose accumulators are vectors:
 * each chunk of rows keeps a set of its own in the scratch buffer) has
 * the vector length in a parameter: its index, or -1 for other kernels. */
int jit_split_vec_param(const jit_kernel *k);

/* Whether value v depends on loop variable var. */
bool jit_uses_var(const jit_kernel *k, int v, int var);
/* Whether index value v is var + (terms free of var): contiguous along
 * loop var. */
bool jit_unit_stride(const jit_kernel *k, int v, int var);
/* Whether index value v is var * c + (terms free of var), c a constant
 * or parameter product: sets *coef to c (0 when v does not use var). */
bool jit_var_coeff(const jit_kernel *k, int v, int var, int64_t *coef);
/* Whether every load and store of buffer buf indexes it with the same
 * coefficient of var (jit_var_coeff), set in *coef; false also when the
 * kernel does not touch buf. */
bool jit_buf_coeff(const jit_kernel *k, int buf, int var, int64_t *coef);
/*
 * Whether output buffer bm may take the memory of input bf row by row: the
 * kernel touches both only in its innermost loops ("sweeps"), at
 * (sweep variable) + (one row offset shared by every access), all sweeps
 * of one extent; bf is read only in sweeps up to the first that writes
 * bm, and bm read only after it.  Each row of bf is then read (a softmax's
 * max sweep, its exp sweep) before or where it is overwritten.
 */
bool jit_rows_in_place(const jit_kernel *k, int bf, int bm);
/* The statement ending the innermost loop opened at stmts[i] if that loop
 * only computes and stores (an elementwise sweep), else -1. */
int jit_elementwise_loop_end(const jit_kernel *k, int i);
/*
 * Turns into KS_STREAM the stores to buffer buf that are its last writes
 * (no later statement writes buf), each the only such store in its
 * elementwise loop and contiguous along it -- unless the kernel loads
 * buf.  Re-hashes the kernel.  Returns how many stores it marked.
 */
int jit_mark_stream(jit_kernel *k, int buf);

/* Prints the kernel as a readable loop nest. */
void jit_kernel_print(const jit_kernel *k, FILE *out);

#endif /* LOOM_KIR_H */
