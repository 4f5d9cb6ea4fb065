"""NumPy reference for knn.c: the same data, the same computation.

Usage: /usr/bin/python3 knn.py [OUTDIR] -- prints the results, or writes
them as OUTDIR/<name>.npy for compare.py.
"""
import sys

import numpy as np

NT, Q, D, C, K = 300, 50, 4, 3, 7

rng = np.random.default_rng(4)
centers = rng.standard_normal((C, D)) * 2
yt = rng.integers(0, C, NT)
Xt = centers[yt] + rng.standard_normal((NT, D))
yq = rng.integers(0, C, Q)
Xq = centers[yq] + rng.standard_normal((Q, D))

d2 = (Xq ** 2).sum(1, keepdims=True) + (Xt ** 2).sum(1) - 2 * Xq @ Xt.T
nbrs = np.argpartition(d2, K - 1, axis=1)[:, :K]
votes = yt[nbrs] + np.arange(Q)[:, None] * C
counts = np.bincount(votes.ravel(), minlength=Q * C).reshape(Q, C)
pred = counts.argmax(axis=1)
accuracy = (pred == yq).mean()

results = {"pred": pred, "counts": counts, "accuracy": np.asarray(accuracy),
           "nbr_sets": np.sort(nbrs, axis=1)}
for name, value in results.items():
    if len(sys.argv) > 1:
        np.save(f"{sys.argv[1]}/{name}.npy", value)
    else:
        print(name, value)
