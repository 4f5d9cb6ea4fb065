/*
 * support.c -- helpers shared by the Check test programs.
 */
#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

loom_ctx *ts_ctx_eager(bool eager)
{
    loom_options o = loom_options_default();
    o.cache_dir = "";
    o.eager = eager;
    return loom_ctx_new(&o);
}

loom_ctx *ts_ctx(void)
{
    return ts_ctx_eager(false);
}

void *ts_failing_alloc_fn(void *ud, void *ptr, size_t osize, size_t nsize)
{
    ts_failing_alloc *f = ud;
    if (nsize == 0) {
        if (ptr)
            f->live -= (long long)osize;
        free(ptr);
        return NULL;
    }
    f->count++;
    if (f->fail_at > 0 && (f->count == f->fail_at ||
                           (f->sticky && f->count > f->fail_at))) {
        f->failures++;
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (p)
        f->live += (long long)nsize - (ptr ? (long long)osize : 0);
    return p;
}

int ts_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}

static bool close_enough(double got, double want, double rtol, double atol)
{
    if (isnan(want))
        return isnan(got);
    if (isinf(want))
        return got == want;
    return fabs(got - want) <= atol + rtol * fabs(want);
}

void ts_expect_f64(const double *got, const double *want, long n,
                   double rtol, double atol, const char *what)
{
    ck_assert_msg(got != NULL, "%s: no data", what);
    for (long i = 0; i < n; i++)
        ck_assert_msg(close_enough(got[i], want[i], rtol, atol),
                      "%s[%ld]: got %.17g, want %.17g", what, i, got[i],
                      want[i]);
}

void ts_expect_f32(const float *got, const double *want, long n, double rtol,
                   double atol, const char *what)
{
    ck_assert_msg(got != NULL, "%s: no data", what);
    for (long i = 0; i < n; i++)
        ck_assert_msg(close_enough(got[i], want[i], rtol, atol),
                      "%s[%ld]: got %.9g, want %.9g", what, i, (double)got[i],
                      want[i]);
}

void ts_expect_array(loom_array *a, loom_shape s, loom_dtype t,
                     const double *want, double rtol, double atol,
                     const char *what)
{
    ck_assert_msg(loom_status_of(a) == LOOM_OK, "%s: %s", what, loom_error(a));
    ck_assert_msg(loom_dtype_of(a) == t, "%s: dtype %s, want %s", what,
                  loom_dtype_name(loom_dtype_of(a)), loom_dtype_name(t));
    loom_shape g = loom_shape_of(a);
    ck_assert_msg(g.ndim == s.ndim, "%s: ndim %d, want %d", what, g.ndim,
                  s.ndim);
    for (int i = 0; i < s.ndim; i++)
        ck_assert_msg(g.dim[i] == s.dim[i], "%s: dim %d is %lld, want %lld",
                      what, i, (long long)g.dim[i], (long long)s.dim[i]);
    int64_t n = loom_size(a);
    if (n == 0)
        return;
    const double *v = loom_data(loom_astype(a, LOOM_FLOAT64));
    ck_assert_msg(v != NULL, "%s: %s", what, loom_error(a));
    ts_expect_f64(v, want, (long)n, rtol, atol, what);
}

void ts_expect_error(loom_array *a, loom_status st, const char *needle)
{
    loom_status got = loom_eval(a);
    ck_assert_msg(got == st, "expected status %s, got %s (%s)",
                  loom_status_name(st), loom_status_name(got), loom_error(a));
    ck_assert_msg(strstr(loom_error(a), needle) != NULL,
                  "message '%s' lacks '%s'", loom_error(a), needle);
}

const char *ts_shared_path(const char *rel)
{
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s/%s", LOOM_SHARED_DIR, rel);
    return buf;
}

char *ts_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *b = NULL;
    long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (b = malloc((size_t)n + 1))) {
        *len = fread(b, 1, (size_t)n, f);
        b[*len] = 0;
    }
    fclose(f);
    return b;
}
