"""batchnorm: training-mode forward of an (n, d) float32 batch, with the
running statistics updated (momentum 0.1, unbiased variance)."""
import numpy as np
from common import main

MOMENTUM = 0.1
EPS = 1e-5


def inputs(rng, dims):
    n, d = dims
    X = rng.standard_normal((n, d), dtype=np.float32)
    gamma = rng.standard_normal(d, dtype=np.float32)
    beta = rng.standard_normal(d, dtype=np.float32)
    rmean = rng.standard_normal(d, dtype=np.float32)
    rvar = rng.random(d, dtype=np.float32)
    return X, gamma, beta, rmean, rvar


def program(X, gamma, beta, rmean, rvar):
    n = X.shape[0]
    mu = X.mean(0)
    var = X.var(0)
    xhat = (X - mu) / np.sqrt(var + EPS)
    out = gamma * xhat + beta
    new_rmean = (1 - MOMENTUM) * rmean + MOMENTUM * mu
    new_rvar = (1 - MOMENTUM) * rvar + MOMENTUM * var * (n / (n - 1))
    return out, new_rmean, new_rvar


if __name__ == "__main__":
    main(inputs, program)
