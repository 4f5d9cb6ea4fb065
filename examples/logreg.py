"""NumPy reference for logreg.c: the same data, the same computation.

Usage: /usr/bin/python3 logreg.py [OUTDIR] -- prints the results, or writes
them as OUTDIR/<name>.npy for compare.py.
"""
import sys

import numpy as np

N, D, ITERS = 400, 4, 100
lr = 0.5
w_true = np.array([-0.5, 2.0, -1.0, 0.5])


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


rng = np.random.default_rng(7)
X = np.hstack([np.ones((N, 1)), rng.standard_normal((N, D - 1))])
y = (rng.random(N) < sigmoid(X @ w_true)).astype(np.float64)

w = np.zeros(D)
for _ in range(ITERS):
    p = sigmoid(X @ w)
    grad = X.T @ (p - y) / N
    w = w - lr * grad

z = X @ w
p = sigmoid(z)
loss = -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean()
accuracy = ((z > 0) == y.astype(bool)).mean()

results = {"w": w, "loss": np.asarray(loss), "accuracy": np.asarray(accuracy)}
for name, value in results.items():
    if len(sys.argv) > 1:
        np.save(f"{sys.argv[1]}/{name}.npy", value)
    else:
        print(name, value)
