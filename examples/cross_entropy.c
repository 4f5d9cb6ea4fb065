/*
 * cross_entropy.c -- the cross-entropy loss of a classifier, and its
 * gradient with respect to the logits.
 *
 * The interview question: given logits z (N x C) and integer labels (N,),
 * compute the mean negative log-likelihood of the true classes.  It tests
 * fancy indexing -- probs[arange(N), labels] picks one entry per row -- and
 * the stable softmax.  The gradient of the mean loss is (probs - onehot) / N,
 * built here with a functional update (loom arrays are values, so
 * loom_index_set returns a new array instead of writing in place).
 *
 * NumPy (examples/cross_entropy.py draws the same numbers):
 *
 *     z = rng.standard_normal((N, C), dtype=np.float32) * 3
 *     labels = rng.integers(0, C, N)
 *     e = np.exp(z - z.max(axis=1, keepdims=True))
 *     probs = e / e.sum(axis=1, keepdims=True)
 *     picked = probs[np.arange(N), labels]
 *     loss = -np.log(picked + 1e-12).mean()
 *     grad = probs.copy(); grad[np.arange(N), labels] -= 1; grad /= N
 *
 * Usage: cross_entropy [OUTDIR]   -- with OUTDIR, writes the .npy results.
 */
#include <loom.h>
#include <stdio.h>

enum { N = 128, C = 10 };

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
    loom_rng *rng = loom_rng_new_u64(ctx, 1);
    loom_array *z = loom_multiply(
        loom_rng_standard_normal(rng, LOOM_SHAPE(N, C), LOOM_FLOAT32),
        loom_scalar(ctx, 3));
    loom_array *labels =
        loom_rng_integers(rng, 0, C, LOOM_SHAPE(N), LOOM_INT64, false);

    /* Stable softmax over the classes. */
    loom_array *e = loom_exp(loom_subtract(z, loom_max(z, 1, true)));
    loom_array *probs = loom_divide(e, loom_sum(e, 1, true));

    /* probs[arange(N), labels]: two integer index arrays pair up, giving
     * one element per row. */
    loom_array *rows = loom_arange(ctx, 0, N, 1, LOOM_INT64);
    loom_index pick[] = {LOOM_IDX(rows), LOOM_IDX(labels)};
    loom_array *picked = loom_index_get(probs, 2, pick);

    /* The epsilon guards log(0); a weak scalar keeps float32. */
    loom_array *loss = loom_negative(loom_mean(
        loom_log(loom_add(picked, loom_scalar(ctx, 1e-12))), LOOM_ALL, false));

    /* grad = (probs - onehot(labels)) / N as one functional update. */
    loom_array *grad = loom_divide(
        loom_index_set(probs, 2, pick,
                       loom_subtract(picked, loom_scalar(ctx, 1))),
        loom_scalar(ctx, N));

    loom_array *outs[] = {loss, picked, grad};
    if (loom_eval_many(ctx, outs, 3) != LOOM_OK) {
        for (int i = 0; i < 3; i++)
            if (loom_status_of(outs[i]) != LOOM_OK)
                fprintf(stderr, "cross_entropy: %s\n", loom_error(outs[i]));
        loom_ctx_free(ctx);
        return 1;
    }
    printf("loss %.6f (a uniform guess would score log(%d) = 2.302585)\n",
           loom_item(loss, NULL), C);

    int rc = 0;
    if (save(loss, outdir, "loss") != LOOM_OK ||
        save(picked, outdir, "picked") != LOOM_OK ||
        save(grad, outdir, "grad") != LOOM_OK) {
        fprintf(stderr, "cross_entropy: %s\n", loom_ctx_error(ctx));
        rc = 1;
    }
    loom_ctx_free(ctx);
    return rc;
}
