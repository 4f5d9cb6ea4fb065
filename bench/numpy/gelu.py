"""gelu: the tanh approximation over n float32."""
import numpy as np
from common import main


def inputs(rng, dims):
    (n,) = dims
    return (rng.standard_normal(n, dtype=np.float32),)


def program(y):
    return 0.5 * y * (1 + np.tanh(0.7978845608 * (y + 0.044715 * y**3)))


if __name__ == "__main__":
    main(inputs, program)
