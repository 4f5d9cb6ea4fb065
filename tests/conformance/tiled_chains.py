"""Matrix products and the steps that consume them (runtime/tile.c): the
'tiled' conformance mode runs these with a 64 KB cache budget, so loom runs
them as tiled chains -- one batch element, or one block of rows, at a time
-- and the fused and eager modes run them whole.  Attention (causal, float32
and float64), a batched product chain without a softmax, einsum forms,
k nearest neighbours (distances, argpartition, vote), a 2-D product with a
row softmax and a second product, row sorts of a product, and chains whose
intermediates are also wanted elsewhere (which must not run in slabs)."""
import numpy as np

rng = np.random.default_rng(77)


q32 = rng.standard_normal((2, 3, 40, 8), dtype=np.float32)
k32 = rng.standard_normal((2, 3, 40, 8), dtype=np.float32)
v32 = rng.standard_normal((2, 3, 40, 8), dtype=np.float32)
mask = np.arange(40)[None, :] <= np.arange(40)[:, None]
s = np.where(mask, np.einsum("bhid,bhjd->bhij", q32, k32) / np.sqrt(8), -np.inf)
e = np.exp(s - s.max(-1, keepdims=True))
np.save('tiled_chains_attention_f32.npy', (e / e.sum(-1, keepdims=True)) @ v32)
s = q32 @ k32.swapaxes(-1, -2) / np.float32(3.0)
e = np.exp(s - s.max(-1, keepdims=True))
np.save('tiled_chains_attention_nomask_f32.npy', (e / e.sum(-1, keepdims=True)) @ v32)
q64 = rng.standard_normal((3, 2, 37, 5))
k64 = rng.standard_normal((3, 2, 37, 5))
v64 = rng.standard_normal((3, 2, 37, 6))
mask = np.arange(37)[None, :] <= np.arange(37)[:, None]
s = np.where(mask, np.einsum("bhid,bhjd->bhij", q64, k64) / np.sqrt(5), -np.inf)
e = np.exp(s - s.max(-1, keepdims=True))
np.save('tiled_chains_attention_f64.npy', (e / e.sum(-1, keepdims=True)) @ v64)

# a batched product, an elementwise epilogue and a second product
a = rng.standard_normal((6, 30, 7), dtype=np.float32)
b = rng.standard_normal((6, 7, 45), dtype=np.float32)
c = rng.standard_normal((6, 45, 4), dtype=np.float32)
np.save('tiled_chains_batched_tanh.npy', np.tanh(a @ b) @ c)
# (float64: NumPy's einsum loops and BLAS sum float32 in different orders)
a64, b64, c64 = a.astype(np.float64), b.astype(np.float64), c.astype(np.float64)
np.save('tiled_chains_einsum_relu.npy',
        np.einsum('bij,bjk->bik', np.maximum(np.einsum('bij,bjk->bik', a64, b64), 0), c64))
# the same, the first product's result also requested
ab = a @ b
np.save('tiled_chains_batched_keep_out.npy', np.tanh(ab) @ c)
np.save('tiled_chains_batched_keep_ab.npy', ab)

# k nearest neighbours
# the distances t2 + r2 - 2 t.r cancel: values near 10, float32 ulp 1e-6
# tol: tiled_chains_knn_nearest atol=1e-5
test = rng.standard_normal((50, 6), dtype=np.float32)
train = rng.standard_normal((200, 6), dtype=np.float32)
labels = rng.integers(0, 4, size=200)
t2 = (test * test).sum(1, keepdims=True)
r2 = (train * train).sum(1, keepdims=True)
d2 = t2 + r2.T - 2 * test @ train.T
idx = np.argpartition(d2, 2, axis=1)[:, :3]
# argpartition's order within the 3 is implementation-defined: sort them
np.save('tiled_chains_knn_nearest.npy', np.sort(np.take_along_axis(d2, idx, axis=1), axis=1))
votes = labels[np.sort(idx, axis=1)]
np.save('tiled_chains_knn_vote.npy', (votes[:, :, None] == np.arange(4)).sum(1).argmax(1))

# a 2-D product, a row softmax and a second product; row sorts of a product
x = rng.standard_normal((64, 12))
w = rng.standard_normal((12, 90))
u = rng.standard_normal((90, 5))
s = x @ w
e = np.exp(s - s.max(1, keepdims=True))
np.save('tiled_chains_rows_softmax_mm.npy', (e / e.sum(1, keepdims=True)) @ u)
np.save('tiled_chains_rows_sort.npy', np.sort(np.abs(x @ w) + 1.0, axis=1))
np.save('tiled_chains_rows_argsort.npy', np.argsort(x @ w * 3.0, axis=1, kind='stable'))
# a product whose column sums follow (not row-separable: runs whole)
np.save('tiled_chains_rows_colsum.npy', np.exp(x @ w / 10).sum(0))
