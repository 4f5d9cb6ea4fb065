# Linear regression: normal equations with ridge, and gradient descent.
import numpy as np

rng = np.random.default_rng(7)
n, d = 1000, 8
X = rng.standard_normal((n, d))
w_true = np.arange(1, d + 1, dtype=np.float64)
y = X @ w_true + 0.1 * rng.standard_normal(n)

lam = 1e-3
w_ridge = np.linalg.solve(X.T @ X + lam * np.eye(d), X.T @ y)

w = np.zeros(d)
lr = 0.1
for step in range(50):
    grad = X.T @ (X @ w - y) / n
    w -= lr * grad

np.save("linreg_ridge.npy", w_ridge)
np.save("linreg_gd.npy", w)
print(np.round(w_ridge, 3))
print(f"gd error: {np.linalg.norm(w - w_true):.4f}")
