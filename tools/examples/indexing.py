# Basic and advanced indexing, masked and augmented assignment.
import numpy as np

x = np.arange(24, dtype=np.float64).reshape(4, 6)
print(x[1:3, ::2])
print(x[:, None, 0].shape, x[..., -1])
print(x[[0, 2], [1, 3]])

m = x > 10
y = x.copy()
y[m] = 0
y[0, :] += 100
d = np.zeros(5, dtype=np.int64)
idx = np.array([0, 1, 1, 3])
d[idx] += 1
np.add.at(d, idx, 1)
print(y)
print(d)

oh = np.zeros((4, 3))
labels = np.array([2, 0, 1, 2])
oh[np.arange(4), labels] = 1
np.save("indexing_oh.npy", oh)
print(oh)
