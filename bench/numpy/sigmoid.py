"""sigmoid: 1 / (1 + exp(-y)) over n float32."""
import numpy as np
from common import main


def inputs(rng, dims):
    (n,) = dims
    return (rng.standard_normal(n, dtype=np.float32),)


def program(y):
    return 1 / (1 + np.exp(-y))


if __name__ == "__main__":
    main(inputs, program)
