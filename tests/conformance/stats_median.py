"""median and nanmedian (issue 5): every dtype (ints and bools give
float64, float32 stays float32), axis None / each axis / negative,
keepdims, odd and even lengths, ties, NaN (propagates; skipped by the
nan-form, all-NaN slices give NaN), empty and 1-size axes, lazy inputs."""
import numpy as np

rng = np.random.default_rng(21)
f64 = rng.standard_normal((5, 6, 4))
f32 = f64.astype(np.float32)
i32 = rng.integers(-4, 5, (6, 7)).astype(np.int32)
i64 = i32.astype(np.int64) * 3
b = i32 > 0
nanm = np.where(rng.random((5, 6)) < 0.3, np.nan, f64[:, :, 0])
nanm[2] = np.nan
ties = np.array([[3.0, 1.0, 3.0, 1.0], [2.0, 2.0, 2.0, 2.0], [5.0, 5.0, 1.0, 9.0]])

np.save('stats_median_f64_all.npy', np.median(f64))
np.save('stats_median_f64_ax0.npy', np.median(f64, axis=0))
np.save('stats_median_f64_ax1.npy', np.median(f64, axis=1))
np.save('stats_median_f64_axm1.npy', np.median(f64, axis=-1))
np.save('stats_median_f64_keep.npy', np.median(f64, axis=1, keepdims=True))
np.save('stats_median_f64_all_keep.npy', np.median(f64, keepdims=True))
np.save('stats_median_f32_ax2.npy', np.median(f32, axis=2))
np.save('stats_median_f32_all.npy', np.median(f32))
np.save('stats_median_i32_ax0.npy', np.median(i32, axis=0))
np.save('stats_median_i32_ax1.npy', np.median(i32, axis=1))
np.save('stats_median_i64_all.npy', np.median(i64))
np.save('stats_median_bool.npy', np.median(b, axis=0))
np.save('stats_median_ties.npy', np.median(ties, axis=1))
np.save('stats_median_nan_ax1.npy', np.median(nanm, axis=1))
np.save('stats_median_nan_all.npy', np.median(nanm))
np.save('stats_median_inf.npy', np.median(np.array([np.inf, -np.inf, 1.0, np.inf])))
np.save('stats_median_one.npy', np.median(f64[:, :1, 0], axis=1))
np.save('stats_median_0d.npy', np.median(np.array(2.5)))
np.save('stats_median_empty_ax0.npy', np.median(np.zeros((0, 3)), axis=0))
np.save('stats_median_empty_ax1.npy', np.median(np.zeros((0, 3)), axis=1))
np.save('stats_median_empty_int.npy', np.median(np.zeros((3, 0), dtype=np.int32), axis=1))
np.save('stats_median_expr.npy', np.median(f64 * 2 + 1, axis=1) - 1)
np.save('stats_median_of_T.npy', np.median(f32.T, axis=0))
np.save('stats_nanmedian_ax1.npy', np.nanmedian(nanm, axis=1))
np.save('stats_nanmedian_ax0.npy', np.nanmedian(nanm, axis=0))
np.save('stats_nanmedian_all.npy', np.nanmedian(nanm))
np.save('stats_nanmedian_keep.npy', np.nanmedian(nanm, axis=0, keepdims=True))
np.save('stats_nanmedian_f32.npy', np.nanmedian(nanm.astype(np.float32), axis=1))
np.save('stats_nanmedian_nonan.npy', np.nanmedian(f64, axis=2))
np.save('stats_nanmedian_int.npy', np.nanmedian(i32, axis=1))
np.save('stats_nanmedian_ties.npy', np.nanmedian(ties, axis=0))
np.save('stats_nanmedian_empty.npy', np.nanmedian(np.zeros((0, 3)), axis=0))
np.save('stats_nanmedian_empty_all.npy', np.nanmedian(np.zeros((2, 0))))
np.save('stats_nanmedian_allnan.npy', np.nanmedian(np.full((2, 3), np.nan), axis=1))
np.save('stats_nanmedian_expr.npy', np.nanmedian(nanm - 2, axis=1) * 3)
np.save('stats_nanmedian_empty_int.npy', np.nanmedian(np.zeros((0, 3), dtype=np.int64), axis=0))
