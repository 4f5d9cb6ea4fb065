"""sort: np.sort of a float32 vector (NumPy's default quicksort)."""
import numpy as np
from common import main
from sum_f32 import inputs


def program(x):
    return np.sort(x)


if __name__ == "__main__":
    main(inputs, program)
