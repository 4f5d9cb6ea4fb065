/*
 * buffer.c -- allocation through the injected allocator, and reference-
 * counted, 64-byte-aligned element buffers.
 */
#include "runtime/rt.h"

#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct rt_bufpool {
    pthread_mutex_t lock;
    rt_alloc alloc;
    size_t limit, held;
    rt_buffer *free; /* most recently released first */
};

#define RT_ALIGN 64

void *rt_default_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)ud;
    (void)osize;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, nsize);
}

void *rt_malloc(const rt_alloc *a, size_t n)
{
    return a->fn(a->ud, NULL, 0, n ? n : 1);
}

void *rt_realloc(const rt_alloc *a, void *p, size_t osize, size_t nsize)
{
    return a->fn(a->ud, p, osize, nsize ? nsize : 1);
}

void rt_free(const rt_alloc *a, void *p, size_t n)
{
    if (p)
        a->fn(a->ud, p, n ? n : 1, 0);
}

/* Buffers from this size on ask the kernel for huge pages (Linux's
 * transparent huge pages in "madvise" mode, as NumPy does for its large
 * arrays): a matrix product striding through 200 MB then misses the TLB
 * far less.  Only the whole pages inside the data are advised. */
#define HUGE_FROM ((size_t)4 << 20)

static void advise_huge(void *data, size_t nbytes)
{
#ifdef MADV_HUGEPAGE
    long pg = sysconf(_SC_PAGESIZE);
    if (pg <= 0 || nbytes < HUGE_FROM)
        return;
    uintptr_t lo = ((uintptr_t)data + (uintptr_t)pg - 1) & ~((uintptr_t)pg - 1);
    uintptr_t hi = ((uintptr_t)data + nbytes) & ~((uintptr_t)pg - 1);
    if (hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE); /* advice only */
#else
    (void)data;
    (void)nbytes;
#endif
}

/*
 * The header and the elements live in one block: [rt_buffer][pad][data],
 * data aligned to RT_ALIGN.  Fails (NULL) if the allocator does or the size
 * overflows.
 */
rt_buffer *rt_buffer_new(const rt_alloc *a, size_t nbytes, bool zero)
{
    size_t head = sizeof(rt_buffer);
    if (nbytes > SIZE_MAX - head - 2 * RT_ALIGN)
        return NULL;
    size_t size = head + RT_ALIGN + (nbytes ? nbytes : 1);
    char *block = rt_malloc(a, size);
    if (!block)
        return NULL;
    rt_buffer *b = (rt_buffer *)block;
    uintptr_t p = (uintptr_t)(block + head);
    p = (p + RT_ALIGN - 1) & ~(uintptr_t)(RT_ALIGN - 1);
    atomic_init(&b->refs, 1);
    b->borrowed = 0;
    b->separate = 0;
    b->reserved = 0;
    b->data = (void *)p;
    b->nbytes = nbytes;
    b->block = block;
    b->block_size = size;
    b->alloc = *a;
    b->pool = NULL;
    b->next_free = NULL;
    advise_huge(b->data, nbytes);
    if (zero && nbytes)
        memset(b->data, 0, nbytes);
    return b;
}

rt_buffer *rt_buffer_borrow(const rt_alloc *a, void *data, size_t nbytes)
{
    rt_buffer *b = rt_malloc(a, sizeof(rt_buffer));
    if (!b)
        return NULL;
    atomic_init(&b->refs, 1);
    b->borrowed = 1;
    b->separate = 0;
    b->reserved = 0;
    b->data = data;
    b->nbytes = nbytes;
    b->block = b;
    b->block_size = sizeof(rt_buffer);
    b->alloc = *a;
    b->pool = NULL;
    b->next_free = NULL;
    return b;
}

rt_buffer *rt_buffer_adopt(const rt_alloc *a, void *data, size_t nbytes,
                           void *block, size_t block_size)
{
    rt_buffer *b = rt_malloc(a, sizeof(rt_buffer));
    if (!b)
        return NULL;
    atomic_init(&b->refs, 1);
    b->borrowed = 0;
    b->separate = 1;
    b->reserved = 0;
    b->data = data;
    b->nbytes = nbytes;
    b->block = block;
    b->block_size = block_size;
    b->alloc = *a;
    b->pool = NULL;
    b->next_free = NULL;
    return b;
}

void rt_buffer_ref(rt_buffer *b)
{
    atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
}

/* Keeps b in its pool if there is room; false if it must be freed. */
static bool pool_keep(rt_buffer *b)
{
    rt_bufpool *p = b->pool;
    bool kept = false;
    pthread_mutex_lock(&p->lock);
    if (p->held + b->block_size <= p->limit) {
        p->held += b->block_size;
        b->next_free = p->free;
        p->free = b;
        kept = true;
    }
    pthread_mutex_unlock(&p->lock);
    return kept;
}

rt_buffer *rt_buffer_reserve(const rt_alloc *a, size_t nbytes)
{
    rt_buffer *b = rt_malloc(a, sizeof *b);
    if (!b)
        return NULL;
    void *p = mmap(NULL, nbytes ? nbytes : 1, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        rt_free(a, b, sizeof *b);
        return NULL;
    }
    memset(b, 0, sizeof *b);
    atomic_init(&b->refs, 1);
    b->reserved = 1;
    b->separate = 1;
    b->data = p;
    b->nbytes = nbytes;
    b->alloc = *a;
    return b;
}

void rt_buffer_unref(rt_buffer *b)
{
    if (!b)
        return;
    if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1) {
        if (b->reserved) {
            rt_alloc a = b->alloc;
            munmap(b->data, b->nbytes ? b->nbytes : 1);
            rt_free(&a, b, sizeof *b);
            return;
        }
        if (b->pool && pool_keep(b))
            return;
        rt_alloc a = b->alloc;
        bool separate = b->separate;
        rt_free(&a, b->block, b->block_size);
        if (separate)
            rt_free(&a, b, sizeof *b);
    }
}

rt_bufpool *rt_bufpool_new(const rt_alloc *a, size_t limit)
{
    rt_bufpool *p = rt_malloc(a, sizeof *p);
    if (!p)
        return NULL;
    pthread_mutex_init(&p->lock, NULL);
    p->alloc = *a;
    p->limit = limit;
    p->held = 0;
    p->free = NULL;
    return p;
}

void rt_bufpool_free(rt_bufpool *p)
{
    if (!p)
        return;
    for (rt_buffer *b = p->free, *next; b; b = next) {
        next = b->next_free;
        rt_alloc a = b->alloc;
        rt_free(&a, b->block, b->block_size);
    }
    pthread_mutex_destroy(&p->lock);
    rt_alloc a = p->alloc;
    rt_free(&a, p, sizeof *p);
}

rt_buffer *rt_buffer_pooled(rt_bufpool *p, size_t nbytes, bool zero)
{
    rt_buffer *b = NULL;
    {
        pthread_mutex_lock(&p->lock);
        for (rt_buffer **pp = &p->free; *pp; pp = &(*pp)->next_free)
            if ((*pp)->nbytes == nbytes) {
                b = *pp;
                *pp = b->next_free;
                p->held -= b->block_size;
                break;
            }
        pthread_mutex_unlock(&p->lock);
    }
    if (b) {
        atomic_init(&b->refs, 1);
        b->next_free = NULL;
        if (zero && nbytes)
            memset(b->data, 0, nbytes);
        return b;
    }
    b = rt_buffer_new(&p->alloc, nbytes, zero);
    if (b)
        b->pool = p;
    return b;
}

void *rt_malloc_aligned(const rt_alloc *a, size_t n, void **block)
{
    if (n > SIZE_MAX - RT_ALIGN || !(*block = rt_malloc(a, n + RT_ALIGN)))
        return NULL;
    uintptr_t p = ((uintptr_t)*block + RT_ALIGN - 1) & ~(uintptr_t)(RT_ALIGN - 1);
    return (void *)p;
}

void rt_free_aligned(const rt_alloc *a, void *block, size_t n)
{
    rt_free(a, block, n + RT_ALIGN);
}

/* sysfs first: in virtual machines glibc's sysconf can report a cache
 * several times the real one. */
static int64_t llc_bytes;
static pthread_once_t llc_once = PTHREAD_ONCE_INIT;

static void read_llc(void)
{
    int64_t best = 0;
    for (int i = 0; i < 8; i++) {
        char path[96];
        snprintf(path, sizeof path,
                 "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        long long v = 0;
        char unit = 0;
        if (fscanf(f, "%lld%c", &v, &unit) >= 1) {
            v *= unit == 'K' ? 1024 : unit == 'M' ? 1 << 20 : 1;
            if (v > best)
                best = v;
        }
        fclose(f);
    }
#ifdef _SC_LEVEL3_CACHE_SIZE
    if (best <= 0)
        best = sysconf(_SC_LEVEL3_CACHE_SIZE);
#endif
    llc_bytes = best > 0 ? best : (int64_t)32 << 20;
}

int64_t rt_llc_bytes(void)
{
    pthread_once(&llc_once, read_llc);
    return llc_bytes;
}
