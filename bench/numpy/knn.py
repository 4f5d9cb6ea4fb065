"""knn: k-nearest-neighbour classification of (nt, d) float32 test rows
against (nr, d) train rows with labels in [0, classes): squared distances
through a matrix product, argpartition for the k nearest, a vote."""
import numpy as np
from common import main

K = 5
CLASSES = 10


def inputs(rng, dims):
    nt, nr, d = dims
    test = rng.standard_normal((nt, d), dtype=np.float32)
    train = rng.standard_normal((nr, d), dtype=np.float32)
    labels = rng.integers(0, CLASSES, size=nr)
    return test, train, labels


def program(test, train, labels):
    t2 = (test * test).sum(1, keepdims=True)
    r2 = (train * train).sum(1, keepdims=True)
    d2 = t2 + r2.T - 2 * test @ train.T
    idx = np.argpartition(d2, K - 1, axis=1)[:, :K]
    votes = labels[idx]
    counts = (votes[:, :, None] == np.arange(CLASSES)).sum(1)
    return counts.argmax(1)


if __name__ == "__main__":
    main(inputs, program)
