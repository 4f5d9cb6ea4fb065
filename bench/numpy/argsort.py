"""argsort: np.argsort of a float32 vector (NumPy's default quicksort).
Equal values may come in any order, so the check compares x[indices]."""
import numpy as np
from common import main
from sum_f32 import inputs


def program(x):
    return np.argsort(x)


def sorted_values(idx, x):
    return x[idx]


if __name__ == "__main__":
    main(inputs, program, canon=sorted_values)
