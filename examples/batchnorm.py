"""NumPy reference for batchnorm.c: the same data, the same computation.

Usage: /usr/bin/python3 batchnorm.py [OUTDIR] -- prints the results, or
writes them as OUTDIR/<name>.npy for compare.py.
"""
import sys

import numpy as np

N, D, STEPS = 32, 8, 5
eps, momentum = 1e-5, 0.1

rng = np.random.default_rng(3)
gamma = rng.uniform(0.5, 1.5, D).astype(np.float32)
beta = rng.standard_normal(D, dtype=np.float32) * 0.1
running_mean = np.zeros(D, dtype=np.float32)
running_var = np.ones(D, dtype=np.float32)

for step in range(STEPS):
    x = rng.standard_normal((N, D), dtype=np.float32) * 3 + 5
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    x_hat = (x - mu) / np.sqrt(var + eps)
    out = gamma * x_hat + beta
    running_mean = (1 - momentum) * running_mean + momentum * mu
    running_var = (1 - momentum) * running_var + momentum * x.var(axis=0, ddof=1)

results = {"out": out, "running_mean": running_mean, "running_var": running_var}
for name, value in results.items():
    if len(sys.argv) > 1:
        np.save(f"{sys.argv[1]}/{name}.npy", value)
    else:
        print(name, value)
