/*
 * pool.h -- splitting loops across cores.
 */
#ifndef LOOM_POOL_H
#define LOOM_POOL_H

#include <stdint.h>

typedef void (*rt_task_fn)(void *ud, int64_t lo, int64_t hi);

/*
 * Runs fn over [0, n) in contiguous chunks on up to `threads` threads (the
 * caller is one of them), each chunk at least `grain` iterations, and
 * returns when all are done.  Safe to call from several threads: one job
 * runs on the pool at a time, others run serially on their caller.
 */
void rt_parallel_for(int threads, int64_t n, int64_t grain, rt_task_fn fn,
                     void *ud);

/* Threads the pool can use, the caller included. */
int rt_pool_size(void);

#endif /* LOOM_POOL_H */
