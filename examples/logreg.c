/*
 * logreg.c -- logistic regression trained by batch gradient descent.
 *
 * The interview question: fit p(y = 1 | x) = sigmoid(x . w) to binary
 * labels by minimizing the mean binary cross-entropy.  Its gradient has the
 * same form as least squares':
 *
 *     p = sigmoid(X @ w);  grad = X.T @ (p - y) / N;  w -= lr * grad
 *
 * Each iteration runs in a scope: the iteration's graph and temporaries are
 * released at loom_scope_end, and only the new weights, passed to
 * loom_keep, survive into the next iteration.  Evaluating w every step
 * keeps the graph one step deep.
 *
 * NumPy (examples/logreg.py draws the same numbers):
 *
 *     X = np.hstack([np.ones((N, 1)), rng.standard_normal((N, D - 1))])
 *     y = (rng.random(N) < 1 / (1 + np.exp(-X @ w_true))).astype(float)
 *     w = np.zeros(D)
 *     for _ in range(ITERS):
 *         p = 1 / (1 + np.exp(-X @ w))
 *         w = w - lr * X.T @ (p - y) / N
 *
 * Usage: logreg [OUTDIR]   -- with OUTDIR, writes the .npy results.
 */
#include <loom.h>
#include <stdio.h>

enum { N = 400, D = 4, ITERS = 100 };

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
    const double lr = 0.5, w_true[D] = {-0.5, 2.0, -1.0, 0.5};
    loom_ctx *ctx = loom_ctx_new(NULL);
    if (!ctx)
        return 1;
    loom_rng *rng = loom_rng_new_u64(ctx, 7);

    /* Features with a bias column, and labels drawn from the true model. */
    loom_array *cols[] = {
        loom_ones(ctx, LOOM_SHAPE(N, 1), LOOM_FLOAT64),
        loom_rng_standard_normal(rng, LOOM_SHAPE(N, D - 1), LOOM_FLOAT64)};
    loom_array *X = loom_hstack(2, cols);
    loom_array *wt = loom_array_from(ctx, w_true, LOOM_FLOAT64, LOOM_SHAPE(D),
                                     LOOM_COPY);
    loom_array *y = loom_astype(
        loom_less(loom_rng_random(rng, LOOM_SHAPE(N), LOOM_FLOAT64),
                  loom_sigmoid(loom_matmul(X, wt))),
        LOOM_FLOAT64);
    loom_array *Xt = loom_T(X);
    /* Realize the data once: evaluating w computes what w needs but keeps
     * no intermediate, so a lazy X or y would be rebuilt every iteration.
     * (Errors are sticky: a failure here resurfaces at loom_eval(w).) */
    loom_eval_many(ctx, (loom_array *[]){X, y}, 2);

    loom_array *w = loom_zeros(ctx, LOOM_SHAPE(D), LOOM_FLOAT64);
    for (int it = 0; it < ITERS; it++) {
        loom_scope_begin(ctx);
        loom_array *p = loom_sigmoid(loom_matmul(X, w));
        loom_array *grad = loom_divide(loom_matmul(Xt, loom_subtract(p, y)),
                                       loom_scalar(ctx, N));
        w = loom_subtract(w, loom_multiply(loom_scalar(ctx, lr), grad));
        loom_status st = loom_eval(w);
        loom_keep(w);
        loom_scope_end(ctx);
        if (st != LOOM_OK) {
            fprintf(stderr, "logreg: iteration %d: %s\n", it, loom_error(w));
            loom_ctx_free(ctx);
            return 1;
        }
    }

    /* Mean binary cross-entropy and training accuracy of the final w. */
    loom_array *z = loom_matmul(X, w);
    loom_array *p = loom_sigmoid(z);
    loom_array *one = loom_scalar(ctx, 1);
    loom_array *loss = loom_negative(loom_mean(
        loom_add(loom_multiply(y, loom_log(p)),
                 loom_multiply(loom_subtract(one, y),
                               loom_log(loom_subtract(one, p)))),
        LOOM_ALL, false));
    loom_array *acc = loom_mean(
        loom_equal(loom_greater(z, loom_scalar(ctx, 0)),
                   loom_astype(y, LOOM_BOOL)),
        LOOM_ALL, false);

    loom_array *outs[] = {w, loss, acc};
    if (loom_eval_many(ctx, outs, 3) != LOOM_OK) {
        fprintf(stderr, "logreg: %s\n", loom_ctx_error(ctx));
        loom_ctx_free(ctx);
        return 1;
    }
    const double *wv = loom_data(w);
    for (int j = 0; j < D; j++)
        printf("w[%d] %8.4f (true %5.2f)\n", j, wv[j], w_true[j]);
    printf("after %d steps: loss %.5f, training accuracy %.3f\n", ITERS,
           loom_item(loss, NULL), loom_item(acc, NULL));

    int rc = 0;
    if (save(w, outdir, "w") != LOOM_OK ||
        save(loss, outdir, "loss") != LOOM_OK ||
        save(acc, outdir, "accuracy") != LOOM_OK) {
        fprintf(stderr, "logreg: %s\n", loom_ctx_error(ctx));
        rc = 1;
    }
    loom_ctx_free(ctx);
    return rc;
}
