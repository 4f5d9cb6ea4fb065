/*
 * pool.c -- the kernel thread pool: rt_parallel_for splits a range over
 * the calling thread and persistent workers.
 *
 * One pool per process, created on first use with (cores - 1) workers.
 * Workers block on a condition variable between jobs (after a short spin),
 * so they cost nothing while OpenBLAS or LAPACK run: loom's threads and
 * BLAS's threads never compete for the cores.  A job is a range [0, n)
 * cut into chunks that threads take in order with an atomic counter.  If
 * another context holds the pool, the caller runs the whole range itself.
 */
#include "runtime/pool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <unistd.h>

#define MAXW 64

static struct {
    pthread_once_t once;
    pthread_mutex_t job;  /* held by the thread running a parallel job */
    pthread_mutex_t m;
    pthread_cond_t work, done;
    int nworkers;
    uint64_t gen;         /* bumped per job, under m */
    /* the job */
    rt_task_fn fn;
    void *ud;
    int64_t n, chunk;
    int nchunks;
    int want;             /* workers that take part */
    atomic_int next;
    atomic_int pending;   /* chunks not finished */
} P = {.once = PTHREAD_ONCE_INIT,
       .job = PTHREAD_MUTEX_INITIALIZER,
       .m = PTHREAD_MUTEX_INITIALIZER,
       .work = PTHREAD_COND_INITIALIZER,
       .done = PTHREAD_COND_INITIALIZER};

/* Takes chunks until none are left. */
static void run_chunks(void)
{
    for (;;) {
        int c = atomic_fetch_add(&P.next, 1);
        if (c >= P.nchunks)
            return;
        int64_t lo = c * P.chunk, hi = lo + P.chunk;
        if (hi > P.n)
            hi = P.n;
        P.fn(P.ud, lo, hi);
        if (atomic_fetch_sub(&P.pending, 1) == 1) {
            pthread_mutex_lock(&P.m);
            pthread_cond_signal(&P.done);
            pthread_mutex_unlock(&P.m);
        }
    }
}

static void *worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    uint64_t seen = 0;
    for (;;) {
        pthread_mutex_lock(&P.m);
        while (P.gen == seen)
            pthread_cond_wait(&P.work, &P.m);
        seen = P.gen;
        bool take = id < P.want;
        pthread_mutex_unlock(&P.m);
        if (take)
            run_chunks();
    }
    return NULL;
}

static void start(void)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int n = ncpu > 1 ? (int)ncpu - 1 : 0;
    if (n > MAXW)
        n = MAXW;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < n; i++) {
        pthread_t t;
        if (pthread_create(&t, &at, worker, (void *)(intptr_t)i) != 0)
            break;
        P.nworkers++;
    }
    pthread_attr_destroy(&at);
}

int rt_pool_size(void)
{
    pthread_once(&P.once, start);
    return P.nworkers + 1;
}

void rt_parallel_for(int threads, int64_t n, int64_t grain, rt_task_fn fn,
                     void *ud)
{
    if (n <= 0)
        return;
    pthread_once(&P.once, start);
    int t = threads < P.nworkers + 1 ? threads : P.nworkers + 1;
    if (grain < 1)
        grain = 1;
    if (t > 1 && n / grain < t)
        t = (int)(n / grain);
    if (t <= 1 || pthread_mutex_trylock(&P.job) != 0) {
        fn(ud, 0, n);
        return;
    }
    P.fn = fn;
    P.ud = ud;
    P.n = n;
    P.nchunks = t;
    P.chunk = (n + t - 1) / t;
    P.nchunks = (int)((n + P.chunk - 1) / P.chunk);
    atomic_store(&P.next, 0);
    atomic_store(&P.pending, P.nchunks);
    pthread_mutex_lock(&P.m);
    P.want = t - 1;
    P.gen++;
    pthread_cond_broadcast(&P.work);
    pthread_mutex_unlock(&P.m);
    run_chunks();
    pthread_mutex_lock(&P.m);
    while (atomic_load(&P.pending) > 0)
        pthread_cond_wait(&P.done, &P.m);
    pthread_mutex_unlock(&P.m);
    pthread_mutex_unlock(&P.job);
}
