/*
 * shape.c -- shape arithmetic: element counts with overflow checks,
 * broadcasting, axis normalization, strides and printing.
 */
#include "graph/graph.h"

#include <stdio.h>
#include <string.h>

int64_t graph_numel(int ndim, const int64_t *shape)
{
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0)
            return -1;
        if (shape[i] == 0)
            return 0;
    }
    for (int i = 0; i < ndim; i++)
        if (__builtin_mul_overflow(n, shape[i], &n))
            return -1;
    return n;
}

int64_t graph_reduced_numel(const loom_array *r)
{
    int64_t n = 1;
    for (int i = 0; i < r->in[0]->ndim; i++)
        if (r->attr[0] >> i & 1)
            n *= r->in[0]->shape[i];
    return n;
}

const char *graph_shape_str(char *buf, size_t n, int ndim,
                            const int64_t *shape)
{
    size_t k = 0;
    k += (size_t)snprintf(buf + k, n - k, "(");
    for (int i = 0; i < ndim && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, i ? ",%lld" : "%lld",
                              (long long)shape[i]);
    if (k < n)
        k += (size_t)snprintf(buf + k, n - k, ndim == 1 ? ",)" : ")");
    return buf;
}

bool graph_broadcast_shapes(int na, const int64_t *a, int nb,
                            const int64_t *b, int *nout, int64_t *out)
{
    int n = na > nb ? na : nb;
    int64_t r[LOOM_MAX_DIMS]; /* out may alias a or b */
    for (int i = 0; i < n; i++) {
        int64_t da = i < n - na ? 1 : a[i - (n - na)];
        int64_t db = i < n - nb ? 1 : b[i - (n - nb)];
        if (da != db && da != 1 && db != 1)
            return false;
        r[i] = da == 1 ? db : da;
    }
    memcpy(out, r, (size_t)n * sizeof(int64_t));
    *nout = n;
    return true;
}

bool graph_norm_axis(int *axis, int ndim)
{
    if (*axis < -ndim || *axis >= ndim)
        return false;
    if (*axis < 0)
        *axis += ndim;
    return true;
}

void graph_c_strides(int ndim, const int64_t *shape, int64_t *strides)
{
    int64_t s = 1;
    for (int i = ndim - 1; i >= 0; i--) {
        strides[i] = s;
        s *= shape[i] > 0 ? shape[i] : 1;
    }
}

bool graph_same_shape(const loom_array *a, const loom_array *b)
{
    return a->ndim == b->ndim &&
           !memcmp(a->shape, b->shape, (size_t)a->ndim * sizeof(int64_t));
}
