/*
 * sort.h -- sorting, selection and searching kernels over one row.
 *
 * Prefix rt_.  Every function works on one contiguous row of n elements of
 * a loom dtype; the caller loops over rows (gathering a strided axis into a
 * contiguous row first).  None of them allocate except the *_alloc
 * wrappers, and none can fail except by allocation.
 *
 * ORDER.  All functions use NumPy's sort order, total over the values:
 *     false < true;  integers as usual;
 *     -inf < ... < -0.0 == 0.0 < ... < inf < nan   (every NaN, whatever its
 *     sign or payload, equal to every other NaN and after everything else).
 * Elements that compare equal keep their input order in sort and argsort
 * (both stable; -0.0 and 0.0 are such a pair).  Values are moved, never
 * rewritten: NaN payloads and the sign of zero survive.  A bool row may hold
 * any byte; nonzero sorts as true.
 *
 * SCRATCH.  rt_sort and rt_argsort take caller scratch of the size the
 * matching *_scratch function returns (0 means NULL is fine), aligned to 8
 * bytes (what malloc, rt_malloc or a 64-byte-aligned buffer gives).  One
 * scratch serves any number of rows of that length or shorter.  Roughly,
 * for a row of n elements of s bytes:
 *     rt_sort       0 for bool and n <= 16; else n * s bytes, plus 48 KiB
 *                   (4-byte types) or 96 KiB (8-byte) of radix histograms
 *                   from 48 / 80 elements on;
 *     rt_argsort    0 for bool; 8n for short rows; 8n + 48 KiB for 4-byte
 *                   types (their key and index pack into the int64 output
 *                   plus one buffer); 24n + 96 KiB for 8-byte types.
 * The caller checks that n * 24 fits its allocator, as for any buffer.
 */
#ifndef LOOM_RT_SORT_H
#define LOOM_RT_SORT_H

#include "runtime/rt.h"

/* Scratch bytes rt_sort / rt_argsort need for n elements of dtype t. */
size_t rt_sort_scratch(loom_dtype t, int64_t n);
size_t rt_argsort_scratch(loom_dtype t, int64_t n);

/* Sorts row in place, stably.  LSD radix sort on order-preserving integer
 * keys (8-bit digits up to 2047 elements, 11-bit ones beyond; digits on
 * which all keys agree are skipped), so O(n); insertion and merge sort
 * below 48 (4-byte) / 80 (8-byte) elements; a counting pass for bool.
 * n <= 1 does nothing. */
void rt_sort(loom_dtype t, void *row, int64_t n, void *scratch);

/* Writes to idx (n int64) the stable sorting permutation of row: row[idx[0]]
 * <= row[idx[1]] <= ..., equal elements in increasing index order.  row is
 * not modified. */
void rt_argsort(loom_dtype t, const void *row, int64_t n, int64_t *idx,
                void *scratch);

/* As above with scratch from a (freed before returning).  LOOM_ERR_MEMORY
 * if it cannot be allocated (row and idx then unchanged). */
loom_status rt_sort_alloc(const rt_alloc *a, loom_dtype t, void *row,
                          int64_t n);
loom_status rt_argsort_alloc(const rt_alloc *a, loom_dtype t,
                             const void *row, int64_t n, int64_t *idx);

/*
 * Partial sorts.  kth holds nkth positions in 0..n-1 in ascending order
 * (repeats allowed; the caller normalizes negative ones).  Afterwards, for
 * each k in kth, row[k] is a value a full sort would put at k, everything
 * before k compares <= it and everything after >= it.  Between two kth the
 * order is unspecified: it is whatever introselect (median-of-3 pivot,
 * three-way partition, insertion sort below 16 elements, heapsort of the
 * range when the recursion gets 2*log2(n) deep, so O(n log n) worst case)
 * leaves there.  The several kth are selected middle one first, then each
 * half within its own subrange: O(n log nkth) expected.
 *
 * rt_partition permutes the values of row in place (equal values such as
 * -0.0 and 0.0 may land in either order).  rt_argpartition leaves row alone
 * and writes a permutation to idx (n int64) such that row[idx[...]]
 * satisfies the above; ties are broken by index, so idx[k] is exactly what
 * the stable rt_argsort puts at k.  No scratch.
 */
void rt_partition(loom_dtype t, void *row, int64_t n, const int64_t *kth,
                  int64_t nkth);
void rt_argpartition(loom_dtype t, const void *row, int64_t n,
                     const int64_t *kth, int64_t nkth, int64_t *idx);

/*
 * For each of the m queries v[j] (same dtype as the row) writes to out[j]
 * the insertion point in the sorted row: the first i with row[i] >= v[j]
 * (left) or row[i] > v[j] (right), in the order above, so a NaN query goes
 * before the first NaN (left) or at n (right).  When sorter is not NULL the
 * row is read as row[sorter[0]], row[sorter[1]], ... (NumPy's sorter=;
 * the caller checks that its entries are in 0..n-1).  Queries in
 * ascending order are searched faster (each search starts from the last
 * answer).
 */
void rt_searchsorted(loom_dtype t, const void *row, int64_t n,
                     const int64_t *sorter, const void *v, int64_t m,
                     bool right, int64_t *out);

/*
 * For np.unique: given a sorted row (read through perm when perm is not
 * NULL, as for sorter above), writes the position of the first element of
 * each run of equal elements to starts (room for n) and returns the number
 * of runs.  Equality is the order's: all NaNs form one run, as NumPy 1.24's
 * np.unique(equal_nan=True) collapses them; -0.0 and 0.0 are one run,
 * represented by whichever comes first.  Counts are differences of
 * consecutive starts (the last run ends at n).
 */
int64_t rt_unique_runs(loom_dtype t, const void *row, int64_t n,
                       const int64_t *perm, int64_t *starts);

#endif /* LOOM_RT_SORT_H */
