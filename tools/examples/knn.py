# Pairwise distances with the expanded form, then k-nearest neighbours.
import numpy as np

rng = np.random.default_rng(0)
A = rng.standard_normal((500, 32))
B = rng.standard_normal((200, 32))

A_sq = np.sum(A ** 2, axis=1, keepdims=True)
B_sq = np.sum(B ** 2, axis=1, keepdims=True)
D = np.sqrt(np.maximum(A_sq + B_sq.T - 2 * A @ B.T, 0))

k = 5
nearest = np.argsort(D, axis=1)[:, :k]
np.save("knn_dist.npy", D)
np.save("knn_idx.npy", nearest)
print(D.shape, nearest[:3])
