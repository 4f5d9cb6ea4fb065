# Statistics along axes: z-score, min-max scaling, percentiles, covariance.
import numpy as np

rng = np.random.default_rng(3)
X = rng.uniform(-2, 5, (100, 4))

z = (X - X.mean(axis=0)) / X.std(axis=0)
mm = (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0))
q = np.percentile(X, [25, 50, 75], axis=0)
C = np.cov(X, rowvar=False)

np.save("stats_z.npy", z)
np.save("stats_mm.npy", mm)
print(np.round(q, 4))
print(C.shape, np.allclose(C, C.T))
print(X.std(axis=0, ddof=1))
