/*
 * support.h -- helpers shared by the Check test programs.
 */
#ifndef LOOM_TEST_SUPPORT_H
#define LOOM_TEST_SUPPORT_H

#include "loom.h"

#include <check.h>
#include <stddef.h>

/* A context with default options and no disk cache. */
loom_ctx *ts_ctx(void);
loom_ctx *ts_ctx_eager(bool eager);

/* An allocator that fails the n-th allocation (counting from 1) and every
 * one after it when `sticky`; counts live bytes so tests can check that
 * everything was given back. */
typedef struct ts_failing_alloc {
    long fail_at;     /* 0: never fail */
    bool sticky;
    long count;       /* allocations so far */
    long failures;
    long long live;   /* bytes currently allocated */
} ts_failing_alloc;
void *ts_failing_alloc_fn(void *ud, void *ptr, size_t osize, size_t nsize);

/* Runs a Check suite with fork mode as configured; returns the exit code. */
int ts_run(Suite *s);

/* Element-wise comparisons that fail the current test with a message
 * naming the index. */
void ts_expect_f64(const double *got, const double *want, long n,
                   double rtol, double atol, const char *what);
void ts_expect_f32(const float *got, const double *want, long n, double rtol,
                   double atol, const char *what);

/* Fails unless a evaluates without error to shape s and dtype t with the
 * values want (compared as doubles, within rtol and atol). */
void ts_expect_array(loom_array *a, loom_shape s, loom_dtype t,
                     const double *want, double rtol, double atol,
                     const char *what);

/* Fails unless a evaluates to an error whose message contains `needle`
 * and whose status is st. */
void ts_expect_error(loom_array *a, loom_status st, const char *needle);

/* Path of a file in the shared folder beside the repository. */
const char *ts_shared_path(const char *rel);

/* The whole of file path, malloc'd with a NUL after its *len bytes; NULL
 * if it cannot be read. */
char *ts_read_file(const char *path, size_t *len);

#endif
