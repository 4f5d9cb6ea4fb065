# Numerically stable softmax and cross-entropy (one fused kernel each).
import numpy as np

rng = np.random.default_rng(42)
N, C = 256, 10
z = rng.standard_normal((N, C), dtype=np.float32)
labels = rng.integers(0, C, size=N)

e = np.exp(z - z.max(axis=1, keepdims=True))
p = e / e.sum(axis=1, keepdims=True)
loss = -np.log(p[np.arange(N), labels] + 1e-12).mean()

np.save("softmax_p.npy", p)
print("loss:", loss)
print(p[:2])
