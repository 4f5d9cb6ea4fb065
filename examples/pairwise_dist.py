"""NumPy reference for pairwise_dist.c: the same data, the same computation.

Usage: /usr/bin/python3 pairwise_dist.py [OUTDIR] -- prints the results, or
writes them as OUTDIR/<name>.npy for compare.py.
"""
import sys

import numpy as np

M, N, D = 60, 40, 16

rng = np.random.default_rng(2)
A = rng.standard_normal((M, D))
B = rng.standard_normal((N, D))

a2 = (A ** 2).sum(axis=1, keepdims=True)
b2 = (B ** 2).sum(axis=1)
dist = np.sqrt(np.maximum(a2 + b2 - 2 * A @ B.T, 0))
nearest = dist.argmin(axis=1)

results = {"dist": dist, "nearest": nearest}
for name, value in results.items():
    if len(sys.argv) > 1:
        np.save(f"{sys.argv[1]}/{name}.npy", value)
    else:
        print(name, value)
