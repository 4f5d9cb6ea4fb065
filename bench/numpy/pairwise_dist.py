"""pairwise_dist: Euclidean distances between the rows of A (n, k) and
B (m, k), float32, through one matrix product."""
import numpy as np
from common import main


def inputs(rng, dims):
    n, m, k = dims
    A = rng.standard_normal((n, k), dtype=np.float32)
    B = rng.standard_normal((m, k), dtype=np.float32)
    return A, B


def program(A, B):
    a2 = (A * A).sum(1, keepdims=True)
    b2 = (B * B).sum(1, keepdims=True)
    return np.sqrt(np.maximum(a2 + b2.T - 2 * A @ B.T, 0))


if __name__ == "__main__":
    main(inputs, program)
