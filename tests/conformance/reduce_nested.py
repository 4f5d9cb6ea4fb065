"""Reductions of reductions: a loss's mean over rows of row statistics
(cross-entropy, mean log-sum-exp), extremes and sums of row statistics,
over one and two swept axes, large enough for the outer sweep to be split
across threads, with integer, float64 and NaN data; a variance of row
statistics (which is not nested); a reduction read at shifted positions
(m[1:] - m[:-1]) and at reversed ones."""
import numpy as np

rng = np.random.default_rng(77)
x = rng.standard_normal((300, 70), dtype=np.float32)
big = rng.standard_normal((20000, 33), dtype=np.float32)
xd = rng.standard_normal((50, 9))
xi = rng.integers(-50, 50, size=(300, 70)).astype(np.int32)
labels = rng.integers(0, 33, size=20000)
xn = x.copy()
xn[7, 3] = np.nan

m = big.max(axis=1, keepdims=True)
p = np.exp(big - m) / np.exp(big - m).sum(axis=1, keepdims=True)
np.save('reduce_nested_cross_entropy.npy', -np.log(p[np.arange(20000), labels] + 1e-12).mean())
mx = x.max(axis=1, keepdims=True)
np.save('reduce_nested_mean_lse.npy', (mx[:, 0] + np.log(np.exp(x - mx).sum(axis=1))).mean())
np.save('reduce_nested_min_of_max.npy', x.max(axis=1).min())
np.save('reduce_nested_argmax_of_sum.npy', x.sum(axis=1).argmax())
np.save('reduce_nested_sum_sq_sums.npy', (x.sum(axis=1) ** 2).sum())
np.save('reduce_nested_two_axes.npy', x.reshape(3, 100, 70).max(axis=2).sum())
np.save('reduce_nested_int.npy', xi.sum(axis=1).max())
np.save('reduce_nested_f64.npy', xd.min(axis=1).mean())
np.save('reduce_nested_nan.npy', xn.max(axis=1).sum())
np.save('reduce_nested_big.npy', big.std(axis=1).mean())
np.save('reduce_nested_var_of_max.npy', x.max(axis=1).var())
np.save('reduce_nested_std_of_mean.npy', xd.mean(axis=1).std())
r = x.max(axis=1)
np.save('reduce_nested_shifted.npy', r[1:] - r[:-1])
np.save('reduce_nested_reversed.npy', r[::-1] * r)
s = xd.sum(axis=1)
np.save('reduce_nested_shifted_sum.npy', (s[2:] * s[:-2]).sum())
