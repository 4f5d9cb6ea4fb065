"""logsumexp: the stable log-sum-exp of each row."""
import numpy as np
from common import main


def inputs(rng, dims):
    rows, cols = dims
    return (rng.standard_normal((rows, cols), dtype=np.float32),)


def program(x):
    m = x.max(1, keepdims=True)
    return m + np.log(np.exp(x - m).sum(1, keepdims=True))


if __name__ == "__main__":
    main(inputs, program)
