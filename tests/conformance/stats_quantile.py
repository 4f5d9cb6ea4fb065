"""quantile, percentile, nanquantile, nanpercentile (issue 5): methods
linear (default), lower, higher, nearest (half to even), midpoint; scalar,
1-d and 2-d q (float64 and float32), q at 0 and 1, axis None and each axis,
keepdims; dtypes (linear and midpoint give float64, the others keep the
input's); NaN propagating, skipped by the nan-forms, all-NaN slices; ties,
infinities; 1-size axes; empty inputs of the nan-forms."""
import numpy as np

rng = np.random.default_rng(23)
f64 = rng.standard_normal((4, 9))
f32 = f64.astype(np.float32)
i32 = rng.integers(-10, 11, (5, 6)).astype(np.int32)
nanm = np.where(rng.random((4, 9)) < 0.3, np.nan, f64)
nanm[1] = np.nan
ties = np.array([1.0, 1.0, 2.0, 2.0, 2.0, 7.0, 7.0])
q1 = np.array([0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0])
q2 = np.array([[0.2, 0.4], [0.6, 0.95]])
q32 = np.array([0.3, 0.7], dtype=np.float32)

for m in ['linear', 'lower', 'higher', 'nearest', 'midpoint']:
    np.save('stats_quantile_%s_all.npy' % m, np.quantile(f64, 0.37, method=m))
    np.save('stats_quantile_%s_q1_ax1.npy' % m, np.quantile(f64, q1, axis=1, method=m))
    np.save('stats_quantile_%s_q2_ax0.npy' % m, np.quantile(f64, q2, axis=0, method=m))
    np.save('stats_quantile_%s_keep.npy' % m, np.quantile(f64, q1, axis=0, method=m, keepdims=True))
    np.save('stats_quantile_%s_f32.npy' % m, np.quantile(f32, q1, axis=1, method=m))
    np.save('stats_quantile_%s_q32.npy' % m, np.quantile(f64, q32, axis=1, method=m))
    np.save('stats_quantile_%s_i32.npy' % m, np.quantile(i32, q1, axis=0, method=m))
    np.save('stats_quantile_%s_ties.npy' % m, np.quantile(ties, q1, method=m))
    np.save('stats_quantile_%s_nan.npy' % m, np.quantile(nanm, 0.5, axis=1, method=m))
    np.save('stats_percentile_%s.npy' % m, np.percentile(f64, [5, 50, 95], axis=1, method=m))
    np.save('stats_percentile_%s_i32.npy' % m, np.percentile(i32, 30, method=m))
    np.save('stats_nanquantile_%s.npy' % m, np.nanquantile(nanm, q1, axis=1, method=m))
    np.save('stats_nanquantile_%s_ax0.npy' % m, np.nanquantile(nanm, 0.4, axis=0, method=m))
    np.save('stats_nanquantile_%s_all.npy' % m, np.nanquantile(nanm, q2, method=m))
    np.save('stats_nanpercentile_%s.npy' % m, np.nanpercentile(nanm, [10, 90], axis=1, method=m, keepdims=True))
    np.save('stats_nanpercentile_%s_f32.npy' % m, np.nanpercentile(nanm.astype(np.float32), 50, axis=1, method=m))
np.save('stats_quantile_inf.npy', np.quantile(np.array([1.0, np.inf, np.inf]), [0.5, 0.75, 1.0]))
np.save('stats_quantile_neginf.npy', np.quantile(np.array([-np.inf, -np.inf, 0.0]), [0.0, 0.25, 0.5]))
np.save('stats_quantile_one.npy', np.quantile(f64[:, :1], q1, axis=1))
np.save('stats_quantile_0d.npy', np.quantile(np.array(4.0), 0.3))
np.save('stats_quantile_expr.npy', np.quantile(f64 * f64, 0.5, axis=0) + 1)
np.save('stats_quantile_empty_rows.npy', np.quantile(np.zeros((0, 3)), 0.5, axis=1))
np.save('stats_nanquantile_int.npy', np.nanquantile(i32, [0.5, 0.8], axis=1))
np.save('stats_nanquantile_empty.npy', np.nanquantile(np.zeros((0, 3)), [0.5, 0.2], axis=0))
np.save('stats_nanpercentile_allnan.npy', np.nanpercentile(np.full((2, 4), np.nan), 50, axis=1))
np.save('stats_nanquantile_empty_int.npy', np.nanquantile(np.zeros((3, 0), dtype=np.int32), [0.5, 0.1], axis=1))
np.save('stats_nanpercentile_empty_all.npy', np.nanpercentile(np.zeros((0, 2)), 30))
