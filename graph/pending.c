/*
 * pending.c -- entry points of the public API whose implementation has not
 * landed yet.  Each reports that plainly; this file shrinks to nothing as
 * the issues that own these functions are done.
 */
#include "graph/graph.h"

#define PENDING(name) "%s is not available yet", name

loom_array *loom_append(loom_array *a, loom_array *values, int axis)
{
    (void)a;
    (void)values;
    (void)axis;
    return graph_poison(a ? a->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_append"));
}

loom_array *loom_argpartition(loom_array *a, int nkth, const int64_t *kth, int axis)
{
    (void)a;
    (void)nkth;
    (void)kth;
    (void)axis;
    return graph_poison(a ? a->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_argpartition"));
}

loom_array *loom_argsort(loom_array *a, int axis)
{
    (void)a;
    (void)axis;
    return graph_poison(a ? a->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_argsort"));
}


int loom_array_split(loom_array *a, int sections, int axis, loom_array **out)
{
    (void)a;
    (void)sections;
    (void)axis;
    (void)out;
    return -1;
}

loom_array *loom_bincount(loom_array *x, loom_array *weights, int64_t minlength)
{
    (void)x;
    (void)weights;
    (void)minlength;
    return graph_poison(x ? x->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_bincount"));
}



loom_array *loom_convolve(loom_array *a, loom_array *v, loom_conv_mode m)
{
    (void)a;
    (void)v;
    (void)m;
    return graph_poison(a ? a->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_convolve"));
}

loom_array *loom_corrcoef(loom_array *x, loom_array *y, bool rowvar)
{
    (void)x;
    (void)y;
    (void)rowvar;
    return graph_poison(x ? x->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_corrcoef"));
}

loom_array *loom_correlate(loom_array *a, loom_array *v, loom_conv_mode m)
{
    (void)a;
    (void)v;
    (void)m;
    return graph_poison(a ? a->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_correlate"));
}

loom_array *loom_cov(loom_array *m, loom_array *y, bool rowvar, bool bias, int ddof)
{
    (void)m;
    (void)y;
    (void)rowvar;
    (void)bias;
    (void)ddof;
    return graph_poison(m ? m->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_cov"));
}

loom_array *loom_delete(loom_array *a, int n, const int64_t *indices, int axis)
{
    (void)a;
    (void)n;
    (void)indices;
    (void)axis;
    return graph_poison(a ? a->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_delete"));
}

loom_array *loom_diag(loom_array *a, int64_t k)
{
    (void)a;
    (void)k;
    return graph_poison(a ? a->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_diag"));
}

loom_array *loom_diagonal(loom_array *a, int64_t offset, int axis1, int axis2)
{
    (void)a;
    (void)offset;
    (void)axis1;
    (void)axis2;
    return graph_poison(a ? a->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_diagonal"));
}

loom_array *loom_diff(loom_array *a, int n, int axis)
{
    (void)a;
    (void)n;
    (void)axis;
    return graph_poison(a ? a->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_diff"));
}

loom_array *loom_digitize(loom_array *x, loom_array *bins, bool right)
{
    (void)x;
    (void)bins;
    (void)right;
    return graph_poison(x ? x->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_digitize"));
}



loom_array *loom_gradient(loom_array *a, double spacing, int axis)
{
    (void)a;
    (void)spacing;
    (void)axis;
    return graph_poison(a ? a->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_gradient"));
}

loom_status loom_histogram(loom_array *a, int64_t bins, double lo, double hi, loom_array *bin_edges_in, loom_array *weights, bool density, loom_array **hist, loom_array **edges)
{
    (void)a;
    (void)bins;
    (void)lo;
    (void)hi;
    (void)bin_edges_in;
    (void)weights;
    (void)density;
    (void)hist;
    (void)edges;
    return LOOM_ERR_VALUE;
}




loom_array *loom_insert(loom_array *a, int64_t index, loom_array *values, int axis)
{
    (void)a;
    (void)index;
    (void)values;
    (void)axis;
    return graph_poison(a ? a->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_insert"));
}

loom_array *loom_interp(loom_array *x, loom_array *xp, loom_array *fp, double left, double right)
{
    (void)x;
    (void)xp;
    (void)fp;
    (void)left;
    (void)right;
    return graph_poison(x ? x->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_interp"));
}

loom_array *loom_lexsort(int n, loom_array *const *keys, int axis)
{
    (void)n;
    (void)keys;
    (void)axis;
    return graph_poison((keys && keys[0]) ? keys[0]->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_lexsort"));
}

loom_array *loom_median(loom_array *a, int axis, bool keepdims)
{
    (void)a;
    (void)axis;
    (void)keepdims;
    return graph_poison(a ? a->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_median"));
}

loom_array *loom_nanmedian(loom_array *a, int axis, bool keepdims)
{
    (void)a;
    (void)axis;
    (void)keepdims;
    return graph_poison(a ? a->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_nanmedian"));
}

loom_array *loom_nanpercentile(loom_array *a, loom_array *q, int axis, loom_quantile_method m, bool keepdims)
{
    (void)a;
    (void)q;
    (void)axis;
    (void)m;
    (void)keepdims;
    return graph_poison(a ? a->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_nanpercentile"));
}

loom_array *loom_nanquantile(loom_array *a, loom_array *q, int axis, loom_quantile_method m, bool keepdims)
{
    (void)a;
    (void)q;
    (void)axis;
    (void)m;
    (void)keepdims;
    return graph_poison(a ? a->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_nanquantile"));
}


loom_array *loom_pad(loom_array *a, const int64_t *widths, loom_pad_mode mode, double constant)
{
    (void)a;
    (void)widths;
    (void)mode;
    (void)constant;
    return graph_poison(a ? a->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_pad"));
}

loom_array *loom_partition(loom_array *a, int nkth, const int64_t *kth, int axis)
{
    (void)a;
    (void)nkth;
    (void)kth;
    (void)axis;
    return graph_poison(a ? a->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_partition"));
}

loom_array *loom_percentile(loom_array *a, loom_array *q, int axis, loom_quantile_method m, bool keepdims)
{
    (void)a;
    (void)q;
    (void)axis;
    (void)m;
    (void)keepdims;
    return graph_poison(a ? a->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_percentile"));
}


loom_array *loom_quantile(loom_array *a, loom_array *q, int axis, loom_quantile_method m, bool keepdims)
{
    (void)a;
    (void)q;
    (void)axis;
    (void)m;
    (void)keepdims;
    return graph_poison(a ? a->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_quantile"));
}

loom_array *loom_repeat(loom_array *a, int64_t repeats, int axis)
{
    (void)a;
    (void)repeats;
    (void)axis;
    return graph_poison(a ? a->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_repeat"));
}

loom_array *loom_repeat_each(loom_array *a, loom_array *repeats, int axis)
{
    (void)a;
    (void)repeats;
    (void)axis;
    return graph_poison(a ? a->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_repeat_each"));
}

loom_array *loom_roll(loom_array *a, int64_t shift, int axis)
{
    (void)a;
    (void)shift;
    (void)axis;
    return graph_poison(a ? a->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_roll"));
}

loom_array *loom_rot90(loom_array *a, int k, int axis1, int axis2)
{
    (void)a;
    (void)k;
    (void)axis1;
    (void)axis2;
    return graph_poison(a ? a->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_rot90"));
}

loom_array *loom_searchsorted(loom_array *sorted, loom_array *v, bool side_right, loom_array *sorter)
{
    (void)sorted;
    (void)v;
    (void)side_right;
    (void)sorter;
    return graph_poison(sorted ? sorted->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_searchsorted"));
}

loom_array *loom_sort(loom_array *a, int axis)
{
    (void)a;
    (void)axis;
    return graph_poison(a ? a->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_sort"));
}

int loom_split(loom_array *a, int sections, int axis, loom_array **out)
{
    (void)a;
    (void)sections;
    (void)axis;
    (void)out;
    return -1;
}

int loom_split_at(loom_array *a, int nidx, const int64_t *indices, int axis, loom_array **out)
{
    (void)a;
    (void)nidx;
    (void)indices;
    (void)axis;
    (void)out;
    return -1;
}




loom_array *loom_tile(loom_array *a, int n, const int64_t *reps)
{
    (void)a;
    (void)n;
    (void)reps;
    return graph_poison(a ? a->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_tile"));
}

loom_array *loom_tril(loom_array *a, int64_t k)
{
    (void)a;
    (void)k;
    return graph_poison(a ? a->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_tril"));
}

loom_array *loom_triu(loom_array *a, int64_t k)
{
    (void)a;
    (void)k;
    return graph_poison(a ? a->ctx : NULL, LOOM_ERR_VALUE, PENDING("loom_triu"));
}

loom_status loom_unique(loom_array *a, int axis, loom_array **values, loom_array **index, loom_array **inverse, loom_array **counts)
{
    (void)a;
    (void)axis;
    (void)values;
    (void)index;
    (void)inverse;
    (void)counts;
    return LOOM_ERR_VALUE;
}

