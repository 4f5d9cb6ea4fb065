"""sum_f32: the sum of a float32 vector (NumPy's pairwise summation)."""
import numpy as np
from common import main


def inputs(rng, dims):
    (n,) = dims
    return (rng.standard_normal(n, dtype=np.float32),)


def program(x):
    return x.sum()


if __name__ == "__main__":
    main(inputs, program)
