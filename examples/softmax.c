/*
 * softmax.c -- a numerically stable softmax over the rows of a matrix.
 *
 * The interview question: turn a batch of logits z (N samples x C classes)
 * into probabilities, without overflowing when the logits are large.  The
 * trick is that softmax(z) == softmax(z - c) for any per-row constant c, so
 * subtracting each row's maximum keeps every exp() argument <= 0.
 *
 * NumPy (examples/softmax.py draws the same numbers):
 *
 *     rng = np.random.default_rng(0)
 *     z = rng.standard_normal((N, C), dtype=np.float32) * 50
 *     e = np.exp(z - z.max(axis=1, keepdims=True))
 *     p = e / e.sum(axis=1, keepdims=True)
 *
 * With logits scaled by 50, exp(z) alone would overflow float32 (its limit
 * is about exp(88)); the stable form never does.  loom fuses the max, the
 * exp, the sum and the division into one kernel.
 *
 * Usage: softmax [OUTDIR]   -- prints a summary; with OUTDIR also writes
 * probs.npy and row_sums.npy there (the test compares them with NumPy).
 */
#include <loom.h>
#include <stdio.h>

enum { N = 64, C = 10 };

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
    loom_rng *rng = loom_rng_new_u64(ctx, 0);

    /* Large logits: float32 array times a weak scalar stays float32. */
    loom_array *z = loom_multiply(
        loom_rng_standard_normal(rng, LOOM_SHAPE(N, C), LOOM_FLOAT32),
        loom_scalar(ctx, 50));

    /* The stable softmax: keepdims=true keeps (N, 1) so rows broadcast. */
    loom_array *e = loom_exp(loom_subtract(z, loom_max(z, 1, true)));
    loom_array *probs = loom_divide(e, loom_sum(e, 1, true));

    /* A sanity check the reader can see: every row sums to one. */
    loom_array *row_sums = loom_sum(probs, 1, false);

    /* Errors are sticky: one check at the end covers every call above. */
    loom_array *outs[] = {probs, row_sums};
    if (loom_eval_many(ctx, outs, 2) != LOOM_OK) {
        fprintf(stderr, "softmax: %s\n", loom_error(probs));
        loom_ctx_free(ctx);
        return 1;
    }

    const float *p = loom_data(probs);
    printf("probs[0] =");
    for (int j = 0; j < C; j++)
        printf(" %.4g", p[j]);
    printf("\nmin row sum %.7f, max row sum %.7f\n",
           loom_item(loom_min(row_sums, LOOM_ALL, false), NULL),
           loom_item(loom_max(row_sums, LOOM_ALL, false), NULL));

    int rc = 0;
    if (save(probs, outdir, "probs") != LOOM_OK ||
        save(row_sums, outdir, "row_sums") != LOOM_OK) {
        fprintf(stderr, "softmax: %s\n", loom_ctx_error(ctx));
        rc = 1;
    }
    loom_ctx_free(ctx);
    return rc;
}
