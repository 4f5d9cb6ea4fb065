"""normal_eq: ridge regression by the normal equations, float64."""
import numpy as np
from common import main

LAM = 1e-3


def inputs(rng, dims):
    n, d = dims
    X = rng.standard_normal((n, d))
    y = rng.standard_normal(n)
    return X, y


def program(X, y):
    d = X.shape[1]
    return np.linalg.solve(X.T @ X + LAM * np.eye(d), X.T @ y)


if __name__ == "__main__":
    main(inputs, program)
