/*
 * rng.h -- NumPy's default_rng, bit for bit, in plain C.
 *
 * Prefix rt_rng_.  Independent of the graph and of the rest of the runtime:
 * a generator is a plain struct the caller owns (no heap state, copyable).
 *
 * What is reproduced (numpy 1.24, Generator(PCG64(SeedSequence(seed)))):
 *   - SeedSequence: entropy from a non-negative Python int as little-endian
 *     32-bit words, pool size 4, spawn keys for children;
 *   - PCG64 (128-bit LCG, XSL-RR output) seeded from generate_state(4,
 *     uint64), including its buffered 32-bit draws (one 64-bit output gives
 *     two 32-bit values, low half first; the pending high half survives
 *     between calls of different methods exactly as in NumPy);
 *   - Generator.random, standard_normal, normal, uniform, exponential,
 *     integers, choice, permutation, shuffle and the children of
 *     SeedSequence.spawn (Generator.spawn of numpy >= 1.25).
 *
 * Every fill function draws its n values in order, as NumPy fills a C-order
 * array of n elements; a scalar draw (size=None) is the n == 1 case.
 *
 * Floating point must be IEEE binary64/binary32 without excess precision
 * (x86-64, AArch64); rng.c disables FMA contraction itself.  exp/log/log1p
 * come from the C library, as in NumPy.
 *
 * Errors are negative return codes; rt_rng_strerror gives NumPy's message
 * and rt_rng_errtype the Python exception class NumPy raises.  On error no
 * random numbers have been consumed and out is untouched.
 *
 * A generator is not thread-safe; give each thread its own (rt_rng_spawn).
 */
#ifndef LOOM_RNG_H
#define LOOM_RNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A generator: the PCG64 state, its 32-bit buffer, and what its
 * SeedSequence needs to spawn children.
 *
 * The SeedSequence is kept as its mixed entropy pool and the running hash
 * constant after mixing, not as the entropy itself: a child's entropy is the
 * parent's (zero-padded to the pool size) followed by its spawn key, so its
 * pool is the parent's pool with one more word mixed in.  n_children counts
 * children spawned so far (SeedSequence.n_children_spawned).
 */
typedef struct rt_rng {
    unsigned __int128 state; /* PCG64 LCG state */
    unsigned __int128 inc;   /* PCG64 increment (odd) */
    uint32_t uinteger;       /* pending high half of a 64-bit draw */
    int has_uint32;          /* uinteger is valid */
    uint32_t pool[4];        /* SeedSequence entropy pool after mixing */
    uint32_t hash_const;     /* SeedSequence mixing hash state after mixing */
    uint64_t n_children;     /* SeedSequence.n_children_spawned */
} rt_rng;

/* Error codes (all negative).  Messages are NumPy 1.24's. */
enum {
    RT_RNG_OK = 0,
    RT_RNG_E_NOMEM = -1,            /* MemoryError */
    RT_RNG_E_NEGATIVE_SIZE = -2,    /* negative dimensions are not allowed */
    RT_RNG_E_LOW_GE_HIGH = -3,      /* low >= high */
    RT_RNG_E_LOW_GT_HIGH = -4,      /* low > high  (endpoint=True) */
    RT_RNG_E_HIGH_LE_0 = -5,        /* high <= 0   (low == 0) */
    RT_RNG_E_HIGH_LT_0 = -6,        /* high < 0    (low == 0, endpoint) */
    RT_RNG_E_LOW_OOB_I32 = -7,      /* low is out of bounds for int32 */
    RT_RNG_E_HIGH_OOB_I32 = -8,     /* high is out of bounds for int32 */
    RT_RNG_E_SCALE_NEG = -9,        /* scale < 0 */
    RT_RNG_E_RANGE_NEG = -10,       /* high - low < 0 */
    RT_RNG_E_RANGE_OVERFLOW = -11,  /* high - low range exceeds valid bounds */
    RT_RNG_E_POP_NONPOSITIVE = -12, /* a must be a positive integer unless... */
    RT_RNG_E_POP_EMPTY = -13,       /* a cannot be empty unless no samples... */
    RT_RNG_E_P_NAN = -14,           /* probabilities contain NaN */
    RT_RNG_E_P_NEGATIVE = -15,      /* probabilities are not non-negative */
    RT_RNG_E_P_SUM = -16,           /* probabilities do not sum to 1 */
    RT_RNG_E_SAMPLE_TOO_LARGE = -17,/* Cannot take a larger sample than ... */
    RT_RNG_E_P_FEW_NONZERO = -18,   /* Fewer non-zero entries in p than size */
    RT_RNG_E_P_SIZE = -19,          /* a and p must have same size (callers) */
    RT_RNG_E_P_NDIM = -20,          /* p must be 1-dimensional (callers) */
    RT_RNG_E_SPAWN_COUNT = -21,     /* loom's: over 2**32 - 1 children */
    RT_RNG_E_LOW_OOB_I64 = -22,     /* low is out of bounds for int64 */
    RT_RNG_E_HIGH_OOB_I64 = -23,    /* high is out of bounds for int64 */
    RT_RNG_E_SPAWN_NEGATIVE = -24,  /* can't convert negative value to... */
    /* (the int64 bounds errors and the p shape errors are never returned
     * here: int64_t arguments cannot be out of bounds, and p's shape is
     * the caller's; they exist so callers can report NumPy's wording) */
};

/* NumPy's message for an error code ("" for RT_RNG_OK, a generic text for
 * unknown codes).  Static storage. */
const char *rt_rng_strerror(int code);
/* The Python exception NumPy raises for that error: "ValueError",
 * "OverflowError" or "MemoryError".  Static storage. */
const char *rt_rng_errtype(int code);

/*
 * np.random.default_rng(seed) for a non-negative Python int seed given as
 * nwords 32-bit words, least significant first (seed 0 is {0}; 2**32 + 5 is
 * {5, 1}).  High zero words are ignored, so any width of the same integer
 * gives the same generator; nwords <= 0 (or words NULL) means seed 0.
 */
void rt_rng_seed(rt_rng *r, const uint32_t *words, int nwords);

/*
 * n independent children, as
 *     [default_rng(s) for s in parent.bit_generator._seed_seq.spawn(n)]
 * (Generator.spawn(n) from numpy 1.25 on).  Only the parent's spawn counter
 * changes; its stream is untouched.  children must hold n generators and
 * must not overlap *parent.
 * Returns 0; RT_RNG_E_SPAWN_NEGATIVE when n < 0 (NumPy's OverflowError);
 * RT_RNG_E_SPAWN_COUNT when the counter would pass 2**32 - 1 (NumPy keys
 * children by a uint32 and, past that, loops forever).
 */
int rt_rng_spawn(rt_rng *parent, int n, rt_rng *children);

/* Raw draws: one PCG64 output; a 32-bit value from the buffer (low half of
 * a fresh 64-bit output first, its high half on the next call). */
uint64_t rt_rng_next64(rt_rng *r);
uint32_t rt_rng_next32(rt_rng *r);

/* Generator.random(n): float64 from the top 53 bits of a 64-bit draw. */
void rt_rng_random_f64(rt_rng *r, double *out, int64_t n);
/* Generator.random(n, dtype=np.float32): the top 24 bits of a (buffered)
 * 32-bit draw. */
void rt_rng_random_f32(rt_rng *r, float *out, int64_t n);

/* Generator.standard_normal(n): 256-layer ziggurat on 64-bit draws. */
void rt_rng_standard_normal_f64(rt_rng *r, double *out, int64_t n);
/* Generator.standard_normal(n, dtype=np.float32): its own float32 ziggurat
 * on 32-bit draws. */
void rt_rng_normal_f32(rt_rng *r, float *out, int64_t n);
/* Generator.normal(loc, scale, n) = loc + scale * standard_normal (so
 * normal(0, 1) differs from standard_normal only in the sign of zeros).
 * RT_RNG_E_SCALE_NEG when scale has its sign bit set (-0.0 included) and is
 * not NaN; RT_RNG_E_NEGATIVE_SIZE when n < 0. */
int rt_rng_normal_f64(rt_rng *r, double *out, int64_t n, double loc,
                      double scale);
/* Generator.uniform(low, high, n) = low + (high - low) * random().
 * RT_RNG_E_RANGE_OVERFLOW when high - low is not finite (NaN included),
 * RT_RNG_E_RANGE_NEG when it is negative. */
int rt_rng_uniform_f64(rt_rng *r, double *out, int64_t n, double low,
                       double high);
/* Generator.exponential(scale, n) = scale * standard_exponential (256-layer
 * ziggurat).  RT_RNG_E_SCALE_NEG as for normal. */
int rt_rng_exponential_f64(rt_rng *r, double *out, int64_t n, double scale);

/*
 * Generator.integers(low, high, n, dtype=np.int64 / np.int32, endpoint):
 * values in [low, high) or, with endpoint, [low, high].  NumPy's method:
 * range rng = high' - low (high' the inclusive bound); rng == 0 draws
 * nothing; rng < 2**32 - 1 uses Lemire's method on buffered 32-bit draws,
 * rng == 2**32 - 1 raw 32-bit draws, larger ranges Lemire on 64-bit draws
 * and the full 64-bit range raw 64-bit draws.
 * An exclusive high of 2**63 is not representable: pass INT64_MAX with
 * endpoint (NumPy turns [low, 2**63) into [low, 2**63 - 1] the same way).
 * For int32, low/high outside int32 give NumPy's out-of-bounds errors.
 * n == 0 checks nothing (as NumPy); n < 0 gives RT_RNG_E_NEGATIVE_SIZE
 * after the bound checks.
 */
int rt_rng_integers_i64(rt_rng *r, int64_t *out, int64_t n, int64_t low,
                        int64_t high, bool endpoint);
int rt_rng_integers_i32(rt_rng *r, int32_t *out, int64_t n, int64_t low,
                        int64_t high, bool endpoint);

/* Flags of rt_rng_choice. */
enum {
    RT_RNG_REPLACE = 1u,    /* replace=True */
    RT_RNG_NO_SHUFFLE = 2u, /* shuffle=False (only matters without p and
                               without replacement) */
    RT_RNG_FROM_ARRAY = 4u, /* pop is an array's axis length, not an int a:
                               picks NumPy's message for an empty population */
    RT_RNG_P_F32 = 8u,      /* p came from a float32 array: NumPy then
                               accepts |sum(p) - 1| up to sqrt(float32 eps)
                               instead of sqrt(float64 eps) */
};

/*
 * Generator.choice(a, n, replace, p, shuffle) on indices: out[0..n) gets
 * indices into the population 0..pop-1 (the caller gathers rows of a).
 * p (NULL or pop weights) is validated as NumPy does: Kahan sum not NaN, no
 * negative entry, sum within the tolerance of 1.  Methods:
 *   replace, no p:   integers(0, pop);
 *   replace, p:      searchsorted(cumsum(p) / total, random(), 'right');
 *   no replace, p:   NumPy's loop of batches of random() without repeats;
 *   no replace, no p: pop > 10000 and n > pop // (50, or 20 with
 *       RT_RNG_NO_SHUFFLE): partial Fisher-Yates of arange(pop) from the
 *       end (O(pop) memory, as NumPy); else Floyd's algorithm, then (unless
 *       RT_RNG_NO_SHUFFLE) a Fisher-Yates shuffle of the n picks.
 * Returns 0 or an error code (RT_RNG_E_NOMEM if scratch memory from malloc
 * is not available; nothing is drawn then).
 */
int rt_rng_choice(rt_rng *r, int64_t pop, int64_t *out, int64_t n,
                  unsigned flags, const double *p);

/* Generator.permutation(n): idx[0..n) = arange(n) shuffled.  (For an array,
 * NumPy shuffles arange(len) the same way and gathers rows, even when the
 * array has no elements, unlike shuffle.) */
void rt_rng_permutation(rt_rng *r, int64_t *idx, int64_t n);

/*
 * Generator.shuffle(x) along axis 0 of a C-contiguous array: nrows rows of
 * rowbytes bytes each; for i = nrows-1 down to 1, swap row i with row
 * j = NumPy's random_interval(i) (masked rejection on 32- or 64-bit draws).
 * tmp is scratch of rowbytes bytes.  An empty array (nrows == 0 or
 * rowbytes == 0) consumes nothing, as in NumPy.
 */
void rt_rng_shuffle_rows(rt_rng *r, void *rows, int64_t nrows,
                         size_t rowbytes, void *tmp);

#endif /* LOOM_RNG_H */
