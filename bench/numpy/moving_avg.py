"""moving_avg: means of all windows of W consecutive float64 values, in the
cumulative-sum form."""
import numpy as np
from common import main

W = 50


def inputs(rng, dims):
    (n,) = dims
    return (rng.standard_normal(n),)


def program(x):
    c = np.cumsum(np.insert(x, 0, 0.0))
    return (c[W:] - c[:-W]) / W


if __name__ == "__main__":
    main(inputs, program)
