/*
 * pca.c -- principal component analysis by eigendecomposition.
 *
 * The interview question: find the directions of largest variance of X
 * (N samples x D features) and project the data onto the top K of them.
 *
 *   1. center: Xc = X - X.mean(axis=0)
 *   2. covariance: S = Xc.T @ Xc / (N - 1)                (D x D, symmetric)
 *   3. eigh(S): eigenvalues ascending, eigenvectors in the columns; flip
 *      both so the largest variance comes first
 *   4. explained variance ratio = eigenvalues / their sum
 *   5. project: Z = Xc @ V[:, :K]
 *
 * An eigenvector is only defined up to its sign, so two correct libraries
 * may disagree.  Like scikit-learn, the program makes each component's
 * largest-magnitude entry positive; the results are then unique.
 *
 * NumPy (examples/pca.py draws the same numbers):
 *
 *     X = rng.standard_normal((N, D)) @ rng.standard_normal((D, D))
 *     Xc = X - X.mean(axis=0)
 *     w, V = np.linalg.eigh(Xc.T @ Xc / (N - 1))
 *     w, V = w[::-1], V[:, ::-1]
 *     comps = V[:, :K]
 *     piv = np.take_along_axis(comps, np.abs(comps).argmax(0)[None], 0)
 *     comps = comps * np.sign(piv)
 *     ratio = w / w.sum(); Z = Xc @ comps
 *
 * Usage: pca [OUTDIR]   -- with OUTDIR, writes the .npy results.
 */
#include <loom.h>
#include <stdio.h>

enum { N = 300, D = 6, K = 2 };

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
    loom_rng *rng = loom_rng_new_u64(ctx, 6);
    /* Correlated features: independent normals mixed by a random matrix. */
    loom_array *Zin = loom_rng_standard_normal(rng, LOOM_SHAPE(N, D), LOOM_FLOAT64);
    loom_array *mix = loom_rng_standard_normal(rng, LOOM_SHAPE(D, D), LOOM_FLOAT64);
    loom_array *X = loom_matmul(Zin, mix);

    loom_array *Xc = loom_subtract(X, loom_mean(X, 0, false));
    loom_array *S = loom_divide(loom_matmul(loom_T(Xc), Xc),
                                loom_scalar(ctx, N - 1));

    loom_array *w, *V;
    if (loom_linalg_eigh(S, 'L', &w, &V) != LOOM_OK) {
        fprintf(stderr, "pca: %s\n", loom_error(w));
        loom_ctx_free(ctx);
        return 1;
    }
    /* Largest first: w[::-1] and V[:, ::-1] are views, no copies. */
    w = loom_flip(w, 0);
    V = loom_flip(V, 1);
    loom_array *comps = LOOM_GET(V, LOOM_COLON, LOOM_SL(0, K, 1));

    /* Sign convention: each column's largest |entry| becomes positive. */
    loom_array *pivot = loom_take_along_axis(
        comps, loom_argmax(loom_abs(comps), 0, true), 0);
    comps = loom_multiply(comps, loom_sign(pivot));

    loom_array *ratio = loom_divide(w, loom_sum(w, LOOM_ALL, false));
    loom_array *Z = loom_matmul(Xc, comps);

    loom_array *outs[] = {ratio, comps, Z};
    if (loom_eval_many(ctx, outs, 3) != LOOM_OK) {
        fprintf(stderr, "pca: %s\n", loom_ctx_error(ctx));
        loom_ctx_free(ctx);
        return 1;
    }
    const double *r = loom_data(ratio);
    printf("explained variance ratio:");
    for (int j = 0; j < D; j++)
        printf(" %.4f", r[j]);
    printf("\nthe top %d components keep %.1f%% of the variance\n", K,
           100 * loom_item(loom_sum(LOOM_GET(ratio, LOOM_SL(0, K, 1)),
                                    LOOM_ALL, false), NULL));

    int rc = 0;
    if (save(ratio, outdir, "ratio") != LOOM_OK ||
        save(comps, outdir, "components") != LOOM_OK ||
        save(Z, outdir, "projected") != LOOM_OK) {
        fprintf(stderr, "pca: %s\n", loom_ctx_error(ctx));
        rc = 1;
    }
    loom_ctx_free(ctx);
    return rc;
}
