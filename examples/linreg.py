"""NumPy reference for linreg.c: the same data, the same computation.

Usage: /usr/bin/python3 linreg.py [OUTDIR] -- prints the results, or writes
them as OUTDIR/<name>.npy for compare.py.
"""
import sys

import numpy as np

N, D = 200, 5
lam = 0.1

rng = np.random.default_rng(5)
X = rng.standard_normal((N, D))
w_true = rng.standard_normal(D)
noise = rng.standard_normal(N)
y = 2.0 + X @ w_true + 0.1 * noise

Xb = np.hstack([np.ones((N, 1)), X])
w = np.linalg.solve(Xb.T @ Xb + lam * np.eye(D + 1), Xb.T @ y)
mse = ((Xb @ w - y) ** 2).mean()

results = {"w": w, "mse": np.asarray(mse)}
for name, value in results.items():
    if len(sys.argv) > 1:
        np.save(f"{sys.argv[1]}/{name}.npy", value)
    else:
        print(name, value)
