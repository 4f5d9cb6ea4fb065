"""pca: projection of (n, d) float64 data on its top K principal
components (covariance, eigh, projection)."""
import numpy as np
from common import main

K = 16


def inputs(rng, dims):
    n, d = dims
    return (rng.standard_normal((n, d)),)


def program(X):
    Xc = X - X.mean(0)
    C = Xc.T @ Xc / (X.shape[0] - 1)
    w, V = np.linalg.eigh(C)
    return Xc @ V[:, ::-1][:, :K]


if __name__ == "__main__":
    main(inputs, program)
