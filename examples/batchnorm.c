/*
 * batchnorm.c -- the training-mode forward pass of batch normalization.
 *
 * The interview question: normalize each feature of a batch x (N x D) with
 * the batch's own mean and variance (axis 0 -- across samples), scale and
 * shift by the learned gamma and beta, and update the running statistics
 * used at inference time with an exponential moving average:
 *
 *     mu = x.mean(axis=0); var = x.var(axis=0)
 *     x_hat = (x - mu) / np.sqrt(var + eps)
 *     out = gamma * x_hat + beta
 *     running_mean = (1 - momentum) * running_mean + momentum * mu
 *     running_var = (1 - momentum) * running_var
 *                   + momentum * x.var(axis=0, ddof=1)  # unbiased, as PyTorch
 *
 * The program feeds STEPS batches through the layer.  Each step runs in a
 * scope: its temporaries are released at loom_scope_end, and only the
 * running statistics (loom_keep) and the last output survive.
 *
 * Usage: batchnorm [OUTDIR]   -- with OUTDIR, writes the .npy results.
 */
#include <loom.h>
#include <stdio.h>

enum { N = 32, D = 8, STEPS = 5 };

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
    const double eps = 1e-5, momentum = 0.1;
    loom_ctx *ctx = loom_ctx_new(NULL);
    if (!ctx)
        return 1;
    loom_rng *rng = loom_rng_new_u64(ctx, 3);

    /* Parameters; uniform() draws float64, so cast as NumPy's astype. */
    loom_array *gamma = loom_astype(
        loom_rng_uniform(rng, 0.5, 1.5, LOOM_SHAPE(D)), LOOM_FLOAT32);
    loom_array *beta = loom_multiply(
        loom_rng_standard_normal(rng, LOOM_SHAPE(D), LOOM_FLOAT32),
        loom_scalar(ctx, 0.1));
    loom_array *running_mean = loom_zeros(ctx, LOOM_SHAPE(D), LOOM_FLOAT32);
    loom_array *running_var = loom_ones(ctx, LOOM_SHAPE(D), LOOM_FLOAT32);
    loom_array *out = NULL;
    /* Realize the parameters once rather than at every step. */
    loom_eval_many(ctx, (loom_array *[]){gamma, beta}, 2);

    for (int step = 0; step < STEPS; step++) {
        loom_scope_begin(ctx);
        /* A batch whose features have mean 5 and standard deviation 3. */
        loom_array *x = loom_add(
            loom_multiply(loom_rng_standard_normal(rng, LOOM_SHAPE(N, D),
                                                   LOOM_FLOAT32),
                          loom_scalar(ctx, 3)),
            loom_scalar(ctx, 5));

        loom_array *mu = loom_mean(x, 0, false);
        loom_array *var = loom_var(x, 0, false, 0);
        loom_array *x_hat = loom_divide(
            loom_subtract(x, mu),
            loom_sqrt(loom_add(var, loom_scalar(ctx, eps))));
        out = loom_add(loom_multiply(gamma, x_hat), beta);

        loom_array *decay = loom_scalar(ctx, 1 - momentum);
        loom_array *m = loom_scalar(ctx, momentum);
        running_mean = loom_add(loom_multiply(decay, running_mean),
                                loom_multiply(m, mu));
        running_var = loom_add(loom_multiply(decay, running_var),
                               loom_multiply(m, loom_var(x, 0, false, 1)));

        /* Evaluate this step's results so that the next step starts from
         * values, not from a growing graph; then let them outlive the scope. */
        loom_array *outs[] = {out, running_mean, running_var};
        loom_status st = loom_eval_many(ctx, outs, 3);
        loom_keep(out);
        loom_keep(running_mean);
        loom_keep(running_var);
        loom_scope_end(ctx);
        if (st != LOOM_OK) {
            fprintf(stderr, "batchnorm: step %d: %s\n", step,
                    loom_ctx_error(ctx));
            loom_ctx_free(ctx);
            return 1;
        }
    }

    /* The last output is normalized per feature: mean ~0 before beta. */
    printf("out[:, 0]: mean %.4f (beta[0] = %.4f), running_mean[0] %.4f, "
           "running_var[0] %.4f\n",
           loom_item(loom_mean(LOOM_GET(out, LOOM_COLON, LOOM_I(0)), LOOM_ALL, false), NULL),
           loom_item(beta, (int64_t[]){0}),
           loom_item(running_mean, (int64_t[]){0}),
           loom_item(running_var, (int64_t[]){0}));

    int rc = 0;
    if (save(out, outdir, "out") != LOOM_OK ||
        save(running_mean, outdir, "running_mean") != LOOM_OK ||
        save(running_var, outdir, "running_var") != LOOM_OK) {
        fprintf(stderr, "batchnorm: %s\n", loom_ctx_error(ctx));
        rc = 1;
    }
    loom_ctx_free(ctx);
    return rc;
}
