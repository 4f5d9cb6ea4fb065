"""NumPy reference for cross_entropy.c: the same data, the same computation.

Usage: /usr/bin/python3 cross_entropy.py [OUTDIR] -- prints the results, or
writes them as OUTDIR/<name>.npy for compare.py.
"""
import sys

import numpy as np

N, C = 128, 10

rng = np.random.default_rng(1)
z = rng.standard_normal((N, C), dtype=np.float32) * 3
labels = rng.integers(0, C, N)

e = np.exp(z - z.max(axis=1, keepdims=True))
probs = e / e.sum(axis=1, keepdims=True)
picked = probs[np.arange(N), labels]
loss = -np.log(picked + 1e-12).mean()
grad = probs.copy()
grad[np.arange(N), labels] -= 1
grad /= N

results = {"loss": np.asarray(loss), "picked": picked, "grad": grad}
for name, value in results.items():
    if len(sys.argv) > 1:
        np.save(f"{sys.argv[1]}/{name}.npy", value)
    else:
        print(name, value)
