"""einsum_chain: einsum('ij,jk,kl->il') of float64 A (i, j), B (j, k),
C (k, l), whose left-to-right order is the bad one.  The timed program is
np.einsum's default (optimize=False); optimize=True is reported too."""
import numpy as np
from common import main


def inputs(rng, dims):
    i, j, k, l = dims
    A = rng.standard_normal((i, j))
    B = rng.standard_normal((j, k))
    C = rng.standard_normal((k, l))
    return A, B, C


def program(A, B, C):
    return np.einsum("ij,jk,kl->il", A, B, C)


def optimized(A, B, C):
    return np.einsum("ij,jk,kl->il", A, B, C, optimize=True)


if __name__ == "__main__":
    main(inputs, program, extra={"optimize_true": optimized})
