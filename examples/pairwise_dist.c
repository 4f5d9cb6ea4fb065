/*
 * pairwise_dist.c -- all Euclidean distances between two sets of points.
 *
 * The interview question: given A (M x D) and B (N x D), build the M x N
 * matrix of distances without a loop.  The broadcast form
 * sqrt(((A[:, None, :] - B[None, :, :])**2).sum(-1)) is correct but
 * materializes an M x N x D temporary in NumPy.  The expanded form
 * ||a - b||^2 = ||a||^2 + ||b||^2 - 2 a.b needs only one matrix product;
 * rounding can make tiny squared distances slightly negative, hence the
 * maximum(..., 0) before the square root.
 *
 * NumPy (examples/pairwise_dist.py draws the same numbers):
 *
 *     A = rng.standard_normal((M, D)); B = rng.standard_normal((N, D))
 *     a2 = (A ** 2).sum(axis=1, keepdims=True)        # (M, 1)
 *     b2 = (B ** 2).sum(axis=1)                       # (N,)
 *     dist = np.sqrt(np.maximum(a2 + b2 - 2 * A @ B.T, 0))
 *     nearest = dist.argmin(axis=1)
 *
 * In loom the broadcast form costs no temporary either: the subtraction,
 * square and sum fuse into one loop.  The program computes both forms and
 * reports how far apart they are.
 *
 * Usage: pairwise_dist [OUTDIR]   -- with OUTDIR, writes the .npy results.
 */
#include <loom.h>
#include <stdio.h>

enum { M = 60, N = 40, D = 16 };

/* Writes a to dir/name.npy when dir is given; returns the status. */
static loom_status save(loom_array *a, const char *dir, const char *name)
{
    char path[4096];
    if (!dir)
        return loom_eval(a);
    snprintf(path, sizeof path, "%s/%s.npy", dir, name);
    return loom_save_npy(a, path);
}

int main(int argc, char **argv)
{
    const char *outdir = argc > 1 ? argv[1] : NULL;
    loom_ctx *ctx = loom_ctx_new(NULL);
    if (!ctx)
        return 1;
    loom_rng *rng = loom_rng_new_u64(ctx, 2);
    loom_array *A = loom_rng_standard_normal(rng, LOOM_SHAPE(M, D), LOOM_FLOAT64);
    loom_array *B = loom_rng_standard_normal(rng, LOOM_SHAPE(N, D), LOOM_FLOAT64);

    /* Expanded form: (M, 1) + (N,) broadcasts to (M, N). */
    loom_array *a2 = loom_sum(loom_square(A), 1, true);
    loom_array *b2 = loom_sum(loom_square(B), 1, false);
    loom_array *ab = loom_matmul(A, loom_T(B));
    loom_array *d2 = loom_subtract(loom_add(a2, b2),
                                   loom_multiply(loom_scalar(ctx, 2), ab));
    loom_array *dist = loom_sqrt(loom_maximum(d2, loom_scalar(ctx, 0)));
    loom_array *nearest = loom_argmin(dist, 1, false);

    /* Broadcast form: (M, 1, D) - (1, N, D) -> (M, N, D), summed over D. */
    loom_array *diff = loom_subtract(loom_expand_dims(A, 1),
                                     loom_expand_dims(B, 0));
    loom_array *direct = loom_sqrt(loom_sum(loom_square(diff), -1, false));
    loom_array *gap = loom_max(loom_abs(loom_subtract(dist, direct)),
                               LOOM_ALL, false);

    loom_array *outs[] = {dist, nearest, gap};
    if (loom_eval_many(ctx, outs, 3) != LOOM_OK) {
        fprintf(stderr, "pairwise_dist: %s\n", loom_ctx_error(ctx));
        loom_ctx_free(ctx);
        return 1;
    }
    printf("dist is %lld x %lld; row 0's nearest point in B is %lld at %.6f\n",
           (long long)loom_dim(dist, 0), (long long)loom_dim(dist, 1),
           (long long)loom_item_int(nearest, NULL),
           loom_item(dist, (int64_t[]){0, loom_item_int(nearest, NULL)}));
    printf("expanded vs broadcast form: max difference %.3g\n",
           loom_item(gap, NULL));

    int rc = 0;
    if (save(dist, outdir, "dist") != LOOM_OK ||
        save(nearest, outdir, "nearest") != LOOM_OK) {
        fprintf(stderr, "pairwise_dist: %s\n", loom_ctx_error(ctx));
        rc = 1;
    }
    loom_ctx_free(ctx);
    return rc;
}
