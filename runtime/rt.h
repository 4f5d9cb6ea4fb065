/*
 * rt.h -- the runtime: buffers, the thread pool, the executor, leaves.
 *
 * Prefix rt_.  The runtime knows nothing of the graph's structure; the
 * executor (runtime/exec.c) takes a schedule made by graph/plan.c.
 */
#ifndef LOOM_RT_H
#define LOOM_RT_H

#include "loom.h"

#include <stdatomic.h>
#include <stdint.h>

/* An allocator and its user data, as loom_options carries them. */
typedef struct rt_alloc {
    loom_alloc_fn fn;
    void *ud;
} rt_alloc;

/* The default allocator: realloc/free. */
void *rt_default_alloc(void *ud, void *ptr, size_t osize, size_t nsize);

/* Raw helpers over an rt_alloc.  rt_malloc returns NULL on failure. */
void *rt_malloc(const rt_alloc *a, size_t n);
void *rt_realloc(const rt_alloc *a, void *p, size_t osize, size_t nsize);
void rt_free(const rt_alloc *a, void *p, size_t n);
/* n bytes aligned to 64 from a; *block receives the allocation, which
 * rt_free_aligned(a, *block, n) releases.  NULL if the allocator fails. */
void *rt_malloc_aligned(const rt_alloc *a, size_t n, void **block);
void rt_free_aligned(const rt_alloc *a, void *block, size_t n);

/*
 * A reference-counted block of element memory, 64-byte aligned.
 *
 * Invariants: refs > 0 while anything points at the buffer; data is 64-byte
 * aligned unless the buffer borrows caller memory (borrowed == 1), which
 * loom never frees or writes.  nbytes is the usable size.  Reference counts
 * are atomic so that buffers may be released from any thread.
 */
typedef struct rt_bufpool rt_bufpool;

typedef struct rt_buffer {
    atomic_int refs;
    uint8_t borrowed;
    uint8_t separate;  /* the header was allocated apart from block */
    uint8_t reserved;  /* data is address space only (rt_buffer_reserve) */
    void *data;
    size_t nbytes;
    void *block;       /* what the allocator returned (owned buffers) */
    size_t block_size;
    rt_alloc alloc;
    rt_bufpool *pool;  /* where the memory goes back to, or NULL */
    struct rt_buffer *next_free;
} rt_buffer;

/*
 * A pool of released buffers kept for reuse, so that evaluations run in a
 * loop do not pay the kernel's page faults on fresh memory every time.
 * Holds at most `limit` bytes; buffers are reused for requests of exactly
 * their size.  Thread-safe.  rt_bufpool_free releases everything held; the
 * pool must outlive every buffer drawn from it.
 */
rt_bufpool *rt_bufpool_new(const rt_alloc *a, size_t limit);
void rt_bufpool_free(rt_bufpool *p);
/* As rt_buffer_new, drawing on pool p (not NULL) first (contents then arbitrary
 * unless zero).  The buffer returns to the pool when released. */
rt_buffer *rt_buffer_pooled(rt_bufpool *p, size_t nbytes, bool zero);

/* A new owned buffer of nbytes (zero-filled when zero is true); NULL if the
 * allocator fails.  refs starts at 1. */
rt_buffer *rt_buffer_new(const rt_alloc *a, size_t nbytes, bool zero);
/* A buffer over caller memory; loom never frees it.  refs starts at 1. */
rt_buffer *rt_buffer_borrow(const rt_alloc *a, void *data, size_t nbytes);
/* A buffer of nbytes of address space that no memory backs and nothing may
 * touch (any access faults): the stand-in for an array that exists only
 * in slabs elsewhere (runtime/tile.c), whose addresses are translated.
 * NULL if the address space or the header cannot be had. */
rt_buffer *rt_buffer_reserve(const rt_alloc *a, size_t nbytes);
/* A buffer taking ownership of block (block_size bytes from a), whose
 * elements start at data.  NULL if the header cannot be allocated (block
 * is then still the caller's). */
rt_buffer *rt_buffer_adopt(const rt_alloc *a, void *data, size_t nbytes,
                           void *block, size_t block_size);
void rt_buffer_ref(rt_buffer *b);
/* Drops a reference; frees the buffer (and owned memory) at zero. */
void rt_buffer_unref(rt_buffer *b);

/* The size of the machine's largest CPU cache in bytes (sysfs, then
 * sysconf); 32 MiB when neither says.  Read once per process. */
int64_t rt_llc_bytes(void);

#endif /* LOOM_RT_H */
