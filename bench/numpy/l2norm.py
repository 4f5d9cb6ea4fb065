"""l2norm: divide each row of an (n, d) float32 matrix by its 2-norm."""
import numpy as np
from common import main


def inputs(rng, dims):
    n, d = dims
    return (rng.standard_normal((n, d), dtype=np.float32),)


def program(X):
    return X / np.linalg.norm(X, axis=1, keepdims=True)


if __name__ == "__main__":
    main(inputs, program)
