"""NumPy reference for softmax.c: the same data, the same computation.

Usage: /usr/bin/python3 softmax.py [OUTDIR] -- prints the results, or writes
them as OUTDIR/<name>.npy for compare.py.
"""
import sys

import numpy as np

N, C = 64, 10

rng = np.random.default_rng(0)
z = rng.standard_normal((N, C), dtype=np.float32) * 50
e = np.exp(z - z.max(axis=1, keepdims=True))
probs = e / e.sum(axis=1, keepdims=True)

results = {"probs": probs, "row_sums": probs.sum(axis=1)}
for name, value in results.items():
    if len(sys.argv) > 1:
        np.save(f"{sys.argv[1]}/{name}.npy", value)
    else:
        print(name, value)
