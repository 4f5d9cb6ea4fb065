"""softmax: rows of a (rows, cols) float32 matrix."""
import numpy as np
from common import main


def inputs(rng, dims):
    rows, cols = dims
    return (rng.standard_normal((rows, cols), dtype=np.float32),)


def program(x):
    e = np.exp(x - x.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


if __name__ == "__main__":
    main(inputs, program)
