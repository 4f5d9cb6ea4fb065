/*
 * build_index.c -- advanced indexing (integer and boolean arrays).
 */
#include "graph/graph.h"

loom_array *graph_index_advanced(loom_array *a, int n, const loom_index *idx)
{
    (void)n;
    (void)idx;
    return graph_poison(a->ctx, LOOM_ERR_VALUE,
                        "getitem: advanced indexing is not available yet");
}
