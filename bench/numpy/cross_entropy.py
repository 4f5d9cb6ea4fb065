"""cross_entropy: mean negative log-likelihood of the labelled class after
a row softmax of (n, classes) float32 logits."""
import numpy as np
from common import main


def inputs(rng, dims):
    n, c = dims
    logits = rng.standard_normal((n, c), dtype=np.float32)
    labels = rng.integers(0, c, size=n)
    return logits, labels


def program(logits, labels):
    e = np.exp(logits - logits.max(1, keepdims=True))
    probs = e / e.sum(1, keepdims=True)
    n = logits.shape[0]
    return -np.log(probs[np.arange(n), labels] + 1e-12).mean()


if __name__ == "__main__":
    main(inputs, program)
