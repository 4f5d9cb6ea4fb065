"""cosine_sim: cosine similarity of the rows of A (n, k) and B (m, k)."""
import numpy as np
from common import main
from pairwise_dist import inputs


def program(A, B):
    An = A / np.linalg.norm(A, axis=1, keepdims=True)
    Bn = B / np.linalg.norm(B, axis=1, keepdims=True)
    return An @ Bn.T


if __name__ == "__main__":
    main(inputs, program)
