"""convolve and correlate (issue 5): modes full, same, valid; the longer
array first or second (NumPy swaps, and reverses correlate's result);
equal lengths, length 1, even and odd kernels; int32 (wraps), int64,
float32, bool, mixed dtypes; infinities and NaN near the borders; lazy
inputs and consumers."""
import numpy as np

rng = np.random.default_rng(29)
a = rng.standard_normal(50)
v = rng.standard_normal(7)
w = rng.standard_normal(4)
ia = np.arange(12).astype(np.int32) - 5
iv = np.array([3, -1, 2], dtype=np.int32)
ba = np.array([True, False, False, True, False])
bv = np.array([True, True])

for m in ['full', 'same', 'valid']:
    np.save('stats_convolve_%s.npy' % m, np.convolve(a, v, mode=m))
    np.save('stats_convolve_%s_swapped.npy' % m, np.convolve(w, a, mode=m))
    np.save('stats_convolve_%s_even.npy' % m, np.convolve(a[:9], w, mode=m))
    np.save('stats_convolve_%s_eq.npy' % m, np.convolve(v, v[::-1], mode=m))
    np.save('stats_convolve_%s_one.npy' % m, np.convolve(a[:5], np.array([2.5]), mode=m))
    np.save('stats_convolve_%s_int.npy' % m, np.convolve(ia, iv, mode=m))
    np.save('stats_convolve_%s_bool.npy' % m, np.convolve(ba, bv, mode=m))
    np.save('stats_convolve_%s_mixed.npy' % m, np.convolve(ia, w, mode=m))
    np.save('stats_correlate_%s.npy' % m, np.correlate(a, v, mode=m))
    np.save('stats_correlate_%s_swapped.npy' % m, np.correlate(w, a[:11], mode=m))
    np.save('stats_correlate_%s_even.npy' % m, np.correlate(a[:10], w, mode=m))
    np.save('stats_correlate_%s_int.npy' % m, np.correlate(ia, iv, mode=m))
    np.save('stats_correlate_%s_f32.npy' % m, np.correlate(a.astype(np.float32), v.astype(np.float32), mode=m))
np.save('stats_convolve_default.npy', np.convolve([1, 2, 3], [0, 1, 0.5]))
np.save('stats_convolve_0d.npy', np.convolve(np.array(3.0), np.array([1.0, 2.0])))
np.save('stats_convolve_i64.npy', np.convolve(np.arange(6), np.arange(3)))
np.save('stats_convolve_inf_edge.npy', np.convolve(np.array([1.0, 2.0, 3.0]), np.array([np.inf, 1.0]), mode='same'))
np.save('stats_correlate_nan.npy', np.correlate(np.array([1.0, np.nan, 3.0, 4.0]), np.array([1.0, 0.5]), mode='valid'))
np.save('stats_convolve_moving_avg.npy', np.convolve(a, np.ones(5) / 5, mode='valid'))
np.save('stats_convolve_expr.npy', np.convolve(a * 2, v + 1, mode='same').sum())
