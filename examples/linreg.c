/*
 * linreg.c -- ridge regression by the normal equation.
 *
 * The interview question: fit y ~ X w in closed form.  Least squares
 * minimizes ||X w - y||^2 + lam ||w||^2, whose gradient vanishes at
 *
 *     (X.T @ X + lam * I) w = X.T @ y
 *
 * Solve that system -- never form the inverse: solve() is cheaper and more
 * accurate.  The ridge term lam * I also keeps the matrix invertible when
 * features are collinear.  A column of ones gives the model an intercept.
 *
 * NumPy (examples/linreg.py draws the same numbers):
 *
 *     X = rng.standard_normal((N, D)); w_true = rng.standard_normal(D)
 *     y = 2.0 + X @ w_true + 0.1 * rng.standard_normal(N)
 *     Xb = np.hstack([np.ones((N, 1)), X])
 *     w = np.linalg.solve(Xb.T @ Xb + lam * np.eye(D + 1), Xb.T @ y)
 *     mse = ((Xb @ w - y) ** 2).mean()
 *
 * Usage: linreg [OUTDIR]   -- with OUTDIR, writes the .npy results.
 */
#include <loom.h>
#include <stdio.h>

enum { N = 200, D = 5 };

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
    const double lam = 0.1;
    loom_ctx *ctx = loom_ctx_new(NULL);
    if (!ctx)
        return 1;
    loom_rng *rng = loom_rng_new_u64(ctx, 5);
    loom_array *X = loom_rng_standard_normal(rng, LOOM_SHAPE(N, D), LOOM_FLOAT64);
    loom_array *w_true = loom_rng_standard_normal(rng, LOOM_SHAPE(D), LOOM_FLOAT64);
    loom_array *noise = loom_rng_standard_normal(rng, LOOM_SHAPE(N), LOOM_FLOAT64);
    loom_array *y = loom_add(
        loom_add(loom_scalar(ctx, 2.0), loom_matmul(X, w_true)),
        loom_multiply(loom_scalar(ctx, 0.1), noise));

    /* Design matrix with an intercept column: (N, D + 1). */
    loom_array *cols[] = {loom_ones(ctx, LOOM_SHAPE(N, 1), LOOM_FLOAT64), X};
    loom_array *Xb = loom_hstack(2, cols);

    /* The normal equation with a ridge term. */
    loom_array *Xt = loom_T(Xb);
    loom_array *A = loom_add(
        loom_matmul(Xt, Xb),
        loom_multiply(loom_scalar(ctx, lam),
                      loom_eye(ctx, D + 1, -1, 0, LOOM_FLOAT64)));
    loom_array *w = loom_linalg_solve(A, loom_matmul(Xt, y));
    loom_array *mse = loom_mean(
        loom_square(loom_subtract(loom_matmul(Xb, w), y)), LOOM_ALL, false);

    /* A singular system would surface here as LOOM_ERR_LINALG. */
    loom_array *outs[] = {w, mse};
    if (loom_eval_many(ctx, outs, 2) != LOOM_OK) {
        fprintf(stderr, "linreg: %s\n",
                loom_error(loom_status_of(w) != LOOM_OK ? w : mse));
        loom_ctx_free(ctx);
        return 1;
    }
    const double *wv = loom_data(w), *tv = loom_data(w_true);
    printf("intercept %.4f (true 2.0)\n", wv[0]);
    for (int j = 0; j < D; j++)
        printf("w[%d] %8.4f (true %8.4f)\n", j, wv[j + 1], tv[j]);
    printf("training MSE %.5f (noise variance 0.01)\n", loom_item(mse, NULL));

    int rc = 0;
    if (save(w, outdir, "w") != LOOM_OK || save(mse, outdir, "mse") != LOOM_OK) {
        fprintf(stderr, "linreg: %s\n", loom_ctx_error(ctx));
        rc = 1;
    }
    loom_ctx_free(ctx);
    return rc;
}
