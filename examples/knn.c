/*
 * knn.c -- k-nearest-neighbour classification from scratch.
 *
 * The interview question: label each test point by a majority vote of the
 * K closest training points.  Three steps, none of them a loop:
 *
 *   1. squared distances by the expanded form (the square root does not
 *      change which points are nearest, so it is skipped);
 *   2. argpartition(d2, K - 1, axis=1)[:, :K] -- the K nearest in O(n) per
 *      row, in no particular order (a full argsort would be O(n log n));
 *   3. the vote: offset row i's neighbour labels by i * C so that one
 *      bincount over the flattened labels counts every row at once; reshape
 *      to (Q, C) and take argmax (ties go to the smallest label).
 *
 * NumPy (examples/knn.py draws the same numbers):
 *
 *     d2 = (Xq**2).sum(1, keepdims=True) + (Xt**2).sum(1) - 2 * Xq @ Xt.T
 *     nbrs = np.argpartition(d2, K - 1, axis=1)[:, :K]
 *     votes = yt[nbrs] + np.arange(Q)[:, None] * C
 *     counts = np.bincount(votes.ravel(), minlength=Q * C).reshape(Q, C)
 *     pred = counts.argmax(axis=1)
 *
 * The data are C Gaussian clusters; accuracy is the share of test points
 * whose cluster was predicted.
 *
 * Usage: knn [OUTDIR]   -- with OUTDIR, writes the .npy results.
 */
#include <loom.h>
#include <stdio.h>

enum { NT = 300, Q = 50, D = 4, C = 3, K = 7 };

/* Writes a to dir/name.npy when dir is given; returns the status. */
static loom_status save(loom_array *a, const char *dir, const char *name)
{
    char path[4096];
    if (!dir)
        return loom_eval(a);
    snprintf(path, sizeof path, "%s/%s.npy", dir, name);
    return loom_save_npy(a, path);
}

/* n points around the centers: centers[labels] + standard normal noise. */
static loom_array *cluster_points(loom_rng *rng, loom_array *centers,
                                  loom_array *labels, int64_t n)
{
    return loom_add(loom_take(centers, labels, 0),
                    loom_rng_standard_normal(rng, LOOM_SHAPE(n, D),
                                             LOOM_FLOAT64));
}

int main(int argc, char **argv)
{
    const char *outdir = argc > 1 ? argv[1] : NULL;
    loom_ctx *ctx = loom_ctx_new(NULL);
    if (!ctx)
        return 1;
    loom_rng *rng = loom_rng_new_u64(ctx, 4);
    loom_array *centers = loom_multiply(
        loom_rng_standard_normal(rng, LOOM_SHAPE(C, D), LOOM_FLOAT64),
        loom_scalar(ctx, 2));
    loom_array *yt = loom_rng_integers(rng, 0, C, LOOM_SHAPE(NT), LOOM_INT64, false);
    loom_array *Xt = cluster_points(rng, centers, yt, NT);
    loom_array *yq = loom_rng_integers(rng, 0, C, LOOM_SHAPE(Q), LOOM_INT64, false);
    loom_array *Xq = cluster_points(rng, centers, yq, Q);

    /* 1. Squared distances, (Q, NT). */
    loom_array *d2 = loom_subtract(
        loom_add(loom_sum(loom_square(Xq), 1, true),
                 loom_sum(loom_square(Xt), 1, false)),
        loom_multiply(loom_scalar(ctx, 2), loom_matmul(Xq, loom_T(Xt))));

    /* 2. The K nearest training points of each query, unordered. */
    loom_array *part = loom_argpartition(d2, 1, (int64_t[]){K - 1}, 1);
    loom_array *nbrs = LOOM_GET(part, LOOM_COLON, LOOM_SL(0, K, 1));

    /* 3. Majority vote with one bincount over offset labels. */
    loom_array *offset = loom_multiply(
        loom_expand_dims(loom_arange(ctx, 0, Q, 1, LOOM_INT64), 1),
        loom_scalar_int(ctx, C));
    loom_array *votes = loom_add(loom_take(yt, nbrs, LOOM_ALL), offset);
    loom_array *counts = loom_reshape(
        loom_bincount(loom_ravel(votes), NULL, (int64_t)Q * C),
        LOOM_SHAPE(Q, C));
    loom_array *pred = loom_argmax(counts, 1, false);
    loom_array *accuracy = loom_mean(loom_equal(pred, yq), LOOM_ALL, false);

    /* The neighbour sets, sorted so that they compare across libraries. */
    loom_array *nbr_sets = loom_sort(nbrs, 1);

    loom_array *outs[] = {pred, counts, accuracy, nbr_sets};
    if (loom_eval_many(ctx, outs, 4) != LOOM_OK) {
        for (int i = 0; i < 4; i++)
            if (loom_status_of(outs[i]) != LOOM_OK)
                fprintf(stderr, "knn: %s\n", loom_error(outs[i]));
        loom_ctx_free(ctx);
        return 1;
    }
    printf("%d-NN accuracy on %d queries: %.2f\n", K, Q,
           loom_item(accuracy, NULL));

    int rc = 0;
    if (save(pred, outdir, "pred") != LOOM_OK ||
        save(counts, outdir, "counts") != LOOM_OK ||
        save(accuracy, outdir, "accuracy") != LOOM_OK ||
        save(nbr_sets, outdir, "nbr_sets") != LOOM_OK) {
        fprintf(stderr, "knn: %s\n", loom_ctx_error(ctx));
        rc = 1;
    }
    loom_ctx_free(ctx);
    return rc;
}
