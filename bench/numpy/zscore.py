"""zscore: standardize the columns of an (n, d) float32 matrix."""
import numpy as np
from common import main


def inputs(rng, dims):
    n, d = dims
    return (rng.standard_normal((n, d), dtype=np.float32),)


def program(X):
    return (X - X.mean(0)) / X.std(0)


if __name__ == "__main__":
    main(inputs, program)
