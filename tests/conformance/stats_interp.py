"""interp (issue 5): points inside, on and outside the sample points,
left/right given or defaulted (fp[0], fp[-1]), NaN inputs, repeated xp,
a single sample point, integer and float32 inputs (float64 results),
2-d x, many sample points (the binary search), lazy inputs."""
import numpy as np

rng = np.random.default_rng(31)
xp = np.cumsum(rng.random(40) + 0.1)
fp = np.sin(xp)
x = rng.uniform(-1, xp[-1] + 1, (6, 7))

np.save('stats_interp_basic.npy', np.interp([0, 1, 1.5, 2.5, 3, 3.5], [1, 2, 3], [10, 20, 0]))
np.save('stats_interp_lr.npy', np.interp([0, 1, 3, 4], [1, 2, 3], [10, 20, 0], left=-1, right=99))
np.save('stats_interp_nan_x.npy', np.interp([np.nan, 1.5], [1, 2], [0, 1]))
np.save('stats_interp_on_points.npy', np.interp(xp, xp, fp))
np.save('stats_interp_2d.npy', np.interp(x, xp, fp))
np.save('stats_interp_many.npy', np.interp(np.linspace(-1, 30, 1000), xp, fp))
np.save('stats_interp_dup.npy', np.interp([1, 2, 2.5, 3], [1, 2, 2, 3], [0, 1, 5, 6]))
np.save('stats_interp_single.npy', np.interp([0, 1, 2, np.nan], [1], [5]))
np.save('stats_interp_single_lr.npy', np.interp([0, 1, 2], [1], [5], left=-2, right=7))
np.save('stats_interp_int.npy', np.interp(np.arange(10), np.array([0, 3, 9]), np.array([0, 9, 3])))
np.save('stats_interp_f32.npy', np.interp(x.astype(np.float32), xp.astype(np.float32), fp))
np.save('stats_interp_bool_fp.npy', np.interp([0.5, 1.5], [0, 1, 2], [True, False, True]))
np.save('stats_interp_inf_fp.npy', np.interp([0.5, 1.0, 1.5], [0, 1, 2], [np.inf, np.inf, 1.0]))
np.save('stats_interp_0d.npy', np.interp(np.array(1.25), [1, 2], [4, 8]))
np.save('stats_interp_expr.npy', np.interp(x * 0.5, xp, fp * 2) + 1)
