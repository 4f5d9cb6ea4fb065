"""NumPy reference for pca.c: the same data, the same computation.

Usage: /usr/bin/python3 pca.py [OUTDIR] -- prints the results, or writes
them as OUTDIR/<name>.npy for compare.py.
"""
import sys

import numpy as np

N, D, K = 300, 6, 2

rng = np.random.default_rng(6)
Zin = rng.standard_normal((N, D))
mix = rng.standard_normal((D, D))
X = Zin @ mix

Xc = X - X.mean(axis=0)
w, V = np.linalg.eigh(Xc.T @ Xc / (N - 1))
w, V = w[::-1], V[:, ::-1]
comps = V[:, :K]
pivot = np.take_along_axis(comps, np.abs(comps).argmax(axis=0)[None], axis=0)
comps = comps * np.sign(pivot)
ratio = w / w.sum()
Z = Xc @ comps

results = {"ratio": ratio, "components": comps, "projected": Z}
for name, value in results.items():
    if len(sys.argv) > 1:
        np.save(f"{sys.argv[1]}/{name}.npy", value)
    else:
        print(name, value)
