/*
 * build_linalg.c -- linear algebra builders: products, decompositions and
 * solvers as runtime leaves (OpenBLAS / LAPACK).
 */
#include "graph/graph.h"

loom_array *graph_norm_matrix_sv(loom_array *x, double ord, int r, int c,
                                 bool keepdims)
{
    (void)ord;
    (void)r;
    (void)c;
    (void)keepdims;
    return graph_poison(x->ctx, LOOM_ERR_VALUE,
                        "norm: matrix 2-norms need the SVD, not available yet");
}
