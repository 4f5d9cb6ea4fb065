"""Reductions along the slow axis of tall arrays (issue 3): enough rows that
loom shares the rows out among threads in bands, each with accumulators of
its own per column, merged afterwards.  Every reduction kind, NaN planted
in some columns, ties for argmin/argmax across bands, integer and bool
inputs, strided and transposed views, keepdims, and fused consumers."""
import numpy as np

# NumPy adds float32 rows one after another in float32 (no pairwise sum
# across rows): over 20000 rows its own error reaches ~1e-5 relative, while
# loom accumulates in float64.  The float32 results are checked to that.
# tol: reduce_columns_*_f32* rtol=1e-4 atol=1e-4
# tol: reduce_columns_zscore rtol=1e-4 atol=1e-4
# tol: reduce_columns_batchnorm_stats rtol=1e-4 atol=1e-4

rng = np.random.default_rng(7)
x64 = rng.standard_normal((20011, 37)) * 3 + 1
x32 = x64.astype(np.float32)
xn = x64.copy()
xn[12345, 3] = np.nan
xn[3, 5] = np.nan
xn[20010, 36] = np.nan
ties = np.zeros((18000, 5))
ties[[100, 9000, 17999], 1] = 4.0
ties[[50, 12000], 2] = -4.0
ints = rng.integers(-1000, 1000, (16500, 9), dtype=np.int64)
i32 = ints.astype(np.int32)
bools = rng.random((16400, 11)) < 0.001

np.save('reduce_columns_sum_f64.npy', x64.sum(axis=0))
np.save('reduce_columns_sum_f32.npy', x32.sum(axis=0))
np.save('reduce_columns_mean_f32.npy', x32.mean(axis=0))
np.save('reduce_columns_var_f64.npy', x64.var(axis=0))
np.save('reduce_columns_std_f32_ddof1.npy', x32.std(axis=0, ddof=1))
np.save('reduce_columns_max_f32.npy', x32.max(axis=0))
np.save('reduce_columns_min_f64.npy', x64.min(axis=0))
np.save('reduce_columns_prod.npy', (1 + x64[:2000] * 1e-4).prod(axis=0))
np.save('reduce_columns_argmax.npy', x64.argmax(axis=0))
np.save('reduce_columns_argmin_f32.npy', x32.argmin(axis=0))
np.save('reduce_columns_argmax_ties.npy', ties.argmax(axis=0))
np.save('reduce_columns_argmin_ties.npy', ties.argmin(axis=0))
np.save('reduce_columns_nan_sum.npy', xn.sum(axis=0))
np.save('reduce_columns_nan_max.npy', xn.max(axis=0))
np.save('reduce_columns_nan_min.npy', xn.min(axis=0))
np.save('reduce_columns_nan_argmax.npy', xn.argmax(axis=0))
np.save('reduce_columns_nan_var.npy', xn.var(axis=0))
np.save('reduce_columns_nanmax.npy', np.nanmax(xn, axis=0))
np.save('reduce_columns_nanmean.npy', np.nanmean(xn, axis=0))
np.save('reduce_columns_nanargmin.npy', np.nanargmin(xn, axis=0))
np.save('reduce_columns_int_sum.npy', ints.sum(axis=0))
np.save('reduce_columns_int_max.npy', i32.max(axis=0))
np.save('reduce_columns_int_mean.npy', i32.mean(axis=0))
np.save('reduce_columns_bool_any.npy', bools.any(axis=0))
np.save('reduce_columns_bool_all.npy', (~bools).all(axis=0))
np.save('reduce_columns_count.npy', np.count_nonzero(bools, axis=0))
np.save('reduce_columns_keepdims.npy', x64.max(axis=0, keepdims=True) - x64[:3])
np.save('reduce_columns_strided.npy', x64[::2, 1::3].sum(axis=0))
np.save('reduce_columns_transposed.npy', x64.T.copy().T.mean(axis=0))
np.save('reduce_columns_zscore.npy', ((x32 - x32.mean(0)) / x32.std(0))[::997])
np.save('reduce_columns_batchnorm_stats.npy', np.stack([x32.mean(0), x32.var(0)]))
np.save('reduce_columns_3d.npy', x64[:20010].reshape(10005, 2, 37).sum(axis=0))
np.save('reduce_columns_axes01.npy', x64[:20010].reshape(10005, 2, 37).max(axis=(0, 1)))
